/*
 * shim_client — the runner's end of the shim: starting shims (by exec,
 * shim_spawn.c, or through the zygote and its pooled shims,
 * zygote_client.c), reading the exit.status they leave, and the /proc
 * lookups only the runner makes (proc_lookup.c).
 *
 * Internal to the runner module. The shim's side and the contract between
 * the two (argv, files, exit.status, requests, tokens, /proc helpers) are
 * the shim module's (tunetop/shim.h, src/shim/); this code may use util,
 * which the shim program does not link.
 */
#ifndef TUNETOP_RUNNER_SHIM_CLIENT_H
#define TUNETOP_RUNNER_SHIM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tunetop/shim.h"
#include "tunetop/util.h"

/* ---- a shim by exec (shim_spawn.c) ----------------------------------------- */

/* The program to start shims with: TT_SHIM_PROGRAM in the folder of
 * self_exe when it is there and executable, else self_exe itself (which
 * runs `tunetop __shim`). malloc'd; caller frees. */
char *rn_shim_find_exe(const char *self_exe);

/* Starts `self_exe __shim trial_dir --grace G -- trial_argv...` as a detached
 * session leader with environment envp (NULL: ours), stdin /dev/null,
 * stdout/stderr appended to trial_dir/shim.log (/dev/null when self_exe is
 * TT_SHIM_PROGRAM, which has no loader to speak before main and creates
 * shim.log itself), no other inherited fd, default signal handlers;
 * SIGTERM/SIGINT/SIGHUP/SIGCHLD (tt_shim_signal_set) stay blocked across
 * the exec, so a SIGTERM sent right after this returns is forwarded to the
 * trial rather than lost. grace_s < 0 means the default. Fills the shim's
 * pid and /proc start time (start_out may be NULL). Returns 0, or
 * -TT_ERR_IO with err filled (trial_dir unusable, fork or exec failure, which
 * is reported here rather than as a vanished child). */
int rn_shim_spawn(const char *self_exe, const char *trial_dir, double grace_s,
                  char *const *trial_argv, char *const *envp, pid_t *pid_out,
                  uint64_t *start_out, tt_error *err);

/* Parse trial_dir/exit.status (tt_shim_status_parse). Returns 0 when
 * present and well-formed, -TT_ERR_IO when absent or unreadable (the trial
 * is still running, or its shim died), -TT_ERR_BUSY when out of file
 * descriptors (which says nothing about the trial), -TT_ERR_INVALID when
 * malformed. */
int rn_shim_read_status(const char *trial_dir, tt_shim_status *st);

/* ---- the zygote and its pooled shims (zygote_client.c) ---------------------- */

/* A shim that ran a trial for this runner and waits for the next. */
typedef struct rn_zygote_idle {
    pid_t pid;
    uint64_t start;
    int sock;
} rn_zygote_idle;

/* The runner's end of a zygote and of the shims it forked; pid 0 when no
 * zygote runs. */
typedef struct rn_zygote {
    pid_t pid;
    int sock;
    bool broken;         /* failed once: the runner spawns shims itself */
    bool broken_said;    /* the runner told the user so */
    size_t pending;      /* requests sent, answers not yet received */
    size_t lost;         /* answers a lost zygote owed, still to be reported */
    int tokens;          /* the last token given to a request */
    rn_zygote_idle *idle; /* shims waiting for a trial, the latest last */
    size_t n_idle, cap_idle;
} rn_zygote;

#define TT_ZYGOTE_INIT {0, -1, false, false, 0, 0, 0, NULL, 0, 0}

/* A started trial: its shim's pid and /proc start time, the shim's socket
 * (readable once the trial is over and exit.status written: a byte, or
 * the end of the file when the shim left; give it back with
 * rn_zygote_release), and the token that a SIGTERM for this trial carries
 * (sigqueue). */
typedef struct rn_zygote_answer {
    pid_t pid;
    uint64_t start;
    int sock;
    int token;
} rn_zygote_answer;

/* Starts the trial on an idle shim of this runner, if one is left: 0 with
 * *a filled; 1 when none could take it (the caller asks the zygote);
 * -TT_ERR_INVALID on a bad request. */
int rn_zygote_reuse(rn_zygote *z, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, rn_zygote_answer *a,
                    tt_error *err);

/* A trial whose socket fired is over: the shim goes back to the idle ones
 * when it said so (TT_SHIM_DONE_BYTE), else its socket is closed. */
void rn_zygote_release(rn_zygote *z, pid_t pid, uint64_t start, int sock);

/* Asks the zygote (started on first use from shim_exe) for a new shim
 * running `trial_argv` in trial_dir with environment envp (NULL: ours), as
 * rn_shim_spawn would start it. Answers come back in request order through
 * rn_zygote_receive. Returns 0 when sent; 1 when the zygote cannot serve
 * and nothing was started (it is then broken for good: the caller starts
 * the shim itself, now and later); -TT_ERR_INVALID on a bad request. */
int rn_zygote_send(rn_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                   char *const *trial_argv, char *const *envp, tt_error *err);

/* The answer to the oldest request still owed, waiting up to timeout_ms:
 * 0 with *a filled; 1 when none came in time (or none is owed);
 * -TT_ERR_IO with err filled when that request's shim was not started, or
 * may have been but the zygote was lost before it answered (that trial
 * must not be started again as it is). */
int rn_zygote_receive(rn_zygote *z, int timeout_ms, rn_zygote_answer *a, tt_error *err);

/* Send and receive in one (5 s limit), with rn_shim_spawn's contract plus
 * *sock_out and *token_out (either may be NULL). Returns 0, 1 (nothing
 * started: fall back) or -TT_ERR_IO. */
int rn_zygote_spawn(rn_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *sock_out, int *token_out, tt_error *err);

/* Closes the runner's end of the zygote and of the idle shims: they all
 * leave; busy shims run their trial to its end. */
void rn_zygote_stop(rn_zygote *z);

/* ---- /proc lookups of the runner's (proc_lookup.c) -------------------------- */

/* Sends sig to the process group of every process of ours whose
 * environment holds exactly the entry `entry` (NAME=VALUE), except groups
 * that lead their session (a shim's): the trial of a folder, found without
 * knowing its shim (sig 0: only whether there is one). Returns how many
 * groups were signalled. Reads all of /proc: for rare recoveries only. */
int rn_proc_kill_groups_with_env(const char *entry, int sig);

/* The path of the running executable (readlink /proc/self/exe, without a
 * " (deleted)" suffix), malloc'd; NULL when unknown. */
char *rn_proc_self_exe(void);

#endif
