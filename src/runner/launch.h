/*
 * launch — everything between "trial N has these parameters" and a running
 * process: the argv built from the sweep's command template, the JSON of the
 * parameters, the trial's environment, the shim that supervises the trial,
 * and the /proc helpers that tell a live shim from a recycled pid.
 *
 * Internal to the runner module (the event loop includes it; the CLI calls
 * tt_shim_main for the hidden `tunetop __shim` subcommand).
 *
 * Command macros follow the Weights & Biases agent (wandb/wandb_agent.py and
 * wandb/sdk/launch/sweeps/utils.py):
 *
 *   ${env}                  "/usr/bin/env"
 *   ${interpreter}          "python" (W&B); tunetop: "python" when it is on
 *                           PATH, else "python3"
 *   ${program}              the sweep's `program`
 *   ${args}                 one element per active parameter: --name=value
 *   ${args_no_hyphens}      name=value
 *   ${args_no_equals}       two elements: --name  value
 *   ${args_no_boolean_flags} --name for true, nothing for false; others
 *                           --name=value
 *   ${args_append_hydra}    +name=value
 *   ${args_override_hydra}  ++name=value
 *   ${args_json}            one element: the JSON object of the parameters
 *   ${args_json_file}       the path of a file holding that JSON (the caller
 *                           writes it; see tt_launch_uses_json_file)
 *   ${envvar:NAME}          getenv(NAME); when NAME is unset, the text NAME
 *                           itself, exactly as W&B does
 *
 * tunetop adds ${NAME} (one parameter's value; "" when that parameter is
 * inactive), ${trial_id} and ${trial_dir}. Built-in macro names win over a
 * parameter of the same name. Value text is W&B's: booleans True/False, a
 * null None, numbers as tt_space_format writes them, strings as written.
 *
 * W&B expands the list macros only as a whole element; so does tunetop
 * without a shell. Single-valued macros may also sit inside an element
 * (`--lr=${lr}`, `out_${trial_id}`). Expansion is one pass: a substituted
 * value is never scanned for macros again. An unknown ${...} is an error
 * (W&B silently drops it), except under `shell: true`, where text the user
 * wrote stays as written for their shell.
 *
 * Without `shell: true` values never meet a shell: each lands in argv as one
 * literal element. With it, argv is {"/bin/sh", "-c", LINE}: the user's
 * literal template text is copied as written, and every substituted value is
 * single-quoted POSIX-style (a list macro becomes its quoted elements joined
 * by spaces), so a value of `'; rm -rf ~; '` is data, never code.
 */
#ifndef TUNETOP_RUNNER_LAUNCH_H
#define TUNETOP_RUNNER_LAUNCH_H

#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tunetop/config.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

/* ---- argv, JSON, environment (pure but for getenv/PATH lookups) --------- */

/* The trial's argv (NULL-terminated, every string malloc'd; free with
 * tt_launch_strv_free). The command is sw->command, or W&B's default
 * `${env} ${interpreter} ${program} ${args}` when there is none.
 * params_json_file is what ${args_json_file} expands to (may be NULL when the
 * command does not use it). Returns NULL with err filled on an unknown macro,
 * a list macro inside an element (without shell), a missing program, or an
 * empty command. */
/* Which run of a trial this is, when the sweep has `folds` or `repeats`
 * (docs/runs: a trial is folds x repeats runs of one configuration). */
typedef struct tt_launch_run {
    int fold, folds;          /* folds 0: the sweep has no folds */
    int repeat, repeats;      /* repeats >= 1 */
} tt_launch_run;

/* run may be NULL (a trial of one run): ${fold} and ${repeat} then give
 * "0". */
char **tt_launch_argv(const tt_sweep *sw, const tt_assignment *a, long trial,
                      const char *trial_dir, const char *params_json_file,
                      const tt_launch_run *run, tt_error *err);

/* Whether the command (or the default) uses ${args_json_file}, so the caller
 * knows to write the params file before launching. */
bool tt_launch_uses_json_file(const tt_sweep *sw);

/* Frees a NULL-terminated vector of malloc'd strings (NULL is fine). */
void tt_launch_strv_free(char **v);

/* Flat JSON object of the ACTIVE parameters, in declaration order, with the
 * flattened dotted names as keys and W&B's separators (`{"lr": 0.01, "opt":
 * "adam"}`): integers as integers, floats shortest round-trip (an integral
 * float keeps a ".0", non-finite ones become null), booleans true/false,
 * strings escaped (quotes, backslash, control characters; UTF-8 passes
 * through). Caller frees. */
char *tt_launch_params_json(const tt_space *s, const tt_assignment *a);

/* The text ${NAME} of parameter i expands to (see the file comment): malloc'd,
 * "" when inactive. Caller frees. */
char *tt_launch_param_text(const tt_space *s, const tt_assignment *a, size_t i);

/* POSIX single-quoting of s: 'it'\''s'. Caller frees. */
char *tt_launch_shell_quote(const char *s);

/* "python" when an executable python is on PATH, else "python3". Static. */
const char *tt_launch_interpreter(void);

/* The environment name of a parameter: TUNETOP_PARAM_ + name upper-cased,
 * every byte that is not an ASCII letter or digit turned into '_'
 * ("optimizer.lr" → TUNETOP_PARAM_OPTIMIZER_LR). Caller frees. */
char *tt_launch_param_env_name(const char *param_name);

/* The trial's envp (NULL-terminated, malloc'd; free with
 * tt_launch_strv_free): base_environ (may be NULL) without any TUNETOP_*
 * entry but TUNETOP_SHARED (the shim creates the trial's files by it),
 * without CUDA_VISIBLE_DEVICES when cuda_devices is given, plus
 * TUNETOP_TRIAL_ID, TUNETOP_TRIAL_DIR, TUNETOP_PARAMS (tt_launch_params_json),
 * TUNETOP_PARAM_<NAME> for each active parameter (value as ${NAME} gives it;
 * when two names mangle alike the later parameter wins),
 * TUNETOP_METRICS_FILE (trial_dir/metrics.csv), TUNETOP_CHECKPOINT_DIR
 * (trial_dir/checkpoints, created by the caller), with run: TUNETOP_FOLD and
 * TUNETOP_FOLDS when the sweep has folds, TUNETOP_REPEAT and TUNETOP_REPEATS
 * when it has repeats; WANDB_PROJECT and WANDB_ENTITY from the sweep's
 * project and entity unless base_environ sets them; and
 * CUDA_VISIBLE_DEVICES when cuda_devices is not NULL. */
char **tt_launch_env(char **base_environ, const tt_sweep *sw, const tt_assignment *a,
                     long trial, const char *trial_dir, const tt_launch_run *run,
                     const char *cuda_devices);

/* ---- the shim ------------------------------------------------------------ */

/* Files the shim writes in the trial folder. */
#define TT_SHIM_STDOUT "stdout.log"
#define TT_SHIM_STDERR "stderr.log"
#define TT_SHIM_LOG "shim.log"
#define TT_SHIM_STATUS "exit.status"

#define TT_SHIM_DEFAULT_GRACE 10.0

/* The standalone shim: tt_shim_main alone, statically linked, installed
 * next to tunetop (the Makefile builds it from shim.c and proc.c with
 * -DTT_SHIM_STANDALONE). Same argv and files as `tunetop __shim`; only
 * cheaper to start. */
#define TT_SHIM_PROGRAM "tunetop-shim"

typedef enum tt_shim_kind {
    TT_SHIM_EXIT,        /* the trial exited; code = exit status */
    TT_SHIM_SIGNAL,      /* a signal ended it; code = signal number */
    TT_SHIM_EXEC_ERROR   /* the program could not be run; code = errno */
} tt_shim_kind;

/* exit.status, parsed. The file is two lines, written atomically:
 *   exit 3 | signal 9 SIGKILL | exec_error 2 No such file or directory
 *   end 1718000000.123                                                    */
typedef struct tt_shim_status {
    tt_shim_kind kind;
    int code;
    char message[256];   /* "SIGKILL", the strerror text; "" for exit */
    double end_time;     /* unix seconds; 0 when the end line is missing */
} tt_shim_status;

/* `tunetop __shim TRIAL_DIR [--grace SECONDS] -- PROGRAM ARGS...`. argv is as
 * main received it (argv[1] == "__shim"; a leading "__shim" is also accepted
 * at argv[0]; argv[1] may also be TRIAL_DIR itself). The environment is the
 * trial's, already prepared. Becomes a session leader, points its fds 0-2 at
 * /dev/null, writes what it has to say (forwarded signals, errors; nothing
 * when all goes well) to TRIAL_DIR/shim.log, created on the first line, runs
 * PROGRAM in its own process group with stdout/stderr appended to stdout.log and
 * stderr.log, forwards SIGTERM/SIGINT/SIGHUP
 * as SIGTERM to the group (SIGKILL after the grace period), kills whatever is
 * left in the group when the trial ends, and writes exit.status. Survives the
 * death of its parent. Returns the shim's exit code: the trial's exit code
 * (128+N after signal N; 127/126 when the program cannot be run, like a
 * shell), 2 on a usage error, 125 when the shim itself fails before the
 * trial runs. */
int tt_shim_main(int argc, char **argv);

/* The shim's work once its arguments are known: tt_shim_main after
 * parsing (environ already the trial's). */
int tt_shim_run(const char *trial_dir, double grace, char **trial_argv);

/* ---- the zygote and its shims (zygote.c) ---------------------------------- */

/* The zygote reads its requests from this fd (`tunetop-shim __zygote`). */
#define TT_ZYGOTE_FD 3

/* `tunetop-shim __zygote`: serve launch requests on fd until its other end
 * closes. Each request forks a shim, a session leader of its own, whose
 * first trial is that request (tt_shim_serve); the answer is the shim's
 * pid, its /proc start time, the request's token, and the runner's end of
 * the shim's socket (SCM_RIGHTS). Returns the process's exit code. */
int tt_zygote_main(int fd);

/* A request's header; `length` bytes of strings follow it. */
typedef struct tt_zygote_header {
    uint32_t length;
    uint32_t argc;
    uint32_t envc;
} tt_zygote_header;

/* Beyond this a request cannot be an exec'able argv + environment anyway. */
#define TT_ZYGOTE_MAX_REQUEST (64u << 20)

/* What a pooled shim writes on its socket when its trial is over (its
 * exit.status written) and it can take another. */
#define TT_SHIM_DONE_BYTE 'D'

/* One request as the zygote and the shims read it (pointers into the
 * request's buffer). */
typedef struct tt_zygote_request {
    const char *dir;
    double grace;
    int token;
    char **argv;
    char **envp;
} tt_zygote_request;

/* Splits a request's `len` bytes of strings (folder, grace, token, argc
 * argv strings, envc environment strings) into req. Returns the vector
 * req->argv and req->envp point into (free it; the strings stay in buf),
 * or NULL when the request is malformed. */
char **tt_zygote_split_request(char *buf, uint32_t len, uint32_t argc, uint32_t envc,
                               tt_zygote_request *req);

/* Reads exactly n bytes: 0; 1 on EOF before any byte; -1 otherwise. */
int tt_zygote_read_full(int fd, void *buf, size_t n);

/* A pooled shim, forked by the zygote: runs `first` as tt_shim_run runs a
 * trial, then, each time the trial's exit.status is written, writes
 * TT_SHIM_DONE_BYTE on sock and takes the runner's next request from it.
 * Leaves when sock closes (the runner is gone), when a termination signal
 * came from anyone but the runner, or when it could not write a status:
 * the runner then sees the socket close instead of the byte. Returns the
 * process's exit code. */
int tt_shim_serve(int sock, const tt_zygote_request *first);

/* A shim that ran a trial for this runner and waits for the next. */
typedef struct tt_zygote_idle {
    pid_t pid;
    uint64_t start;
    int sock;
} tt_zygote_idle;

/* The runner's end of a zygote and of the shims it forked; pid 0 when no
 * zygote runs. */
typedef struct tt_zygote {
    pid_t pid;
    int sock;
    bool broken;         /* failed once: the runner spawns shims itself */
    bool broken_said;    /* the runner told the user so */
    size_t pending;      /* requests sent, answers not yet received */
    size_t lost;         /* answers a lost zygote owed, still to be reported */
    int tokens;          /* the last token given to a request */
    tt_zygote_idle *idle; /* shims waiting for a trial, the latest last */
    size_t n_idle, cap_idle;
} tt_zygote;

#define TT_ZYGOTE_INIT {0, -1, false, false, 0, 0, 0, NULL, 0, 0}

/* A started trial: its shim's pid and /proc start time, the shim's socket
 * (readable once the trial is over and exit.status written: a byte, or
 * the end of the file when the shim left; give it back with
 * tt_zygote_release), and the token that a SIGTERM for this trial carries
 * (sigqueue). */
typedef struct tt_zygote_answer {
    pid_t pid;
    uint64_t start;
    int sock;
    int token;
} tt_zygote_answer;

/* Starts the trial on an idle shim of this runner, if one is left: 0 with
 * *a filled; 1 when none could take it (the caller asks the zygote);
 * -TT_ERR_INVALID on a bad request. */
int tt_zygote_reuse(tt_zygote *z, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, tt_zygote_answer *a,
                    tt_error *err);

/* A trial whose socket fired is over: the shim goes back to the idle ones
 * when it said so (TT_SHIM_DONE_BYTE), else its socket is closed. */
void tt_zygote_release(tt_zygote *z, pid_t pid, uint64_t start, int sock);

/* Asks the zygote (started on first use from shim_exe) for a new shim
 * running `trial_argv` in trial_dir with environment envp (NULL: ours), as
 * tt_shim_spawn would start it. Answers come back in request order through
 * tt_zygote_receive. Returns 0 when sent; 1 when the zygote cannot serve
 * and nothing was started (it is then broken for good: the caller starts
 * the shim itself, now and later); -TT_ERR_INVALID on a bad request. */
int tt_zygote_send(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                   char *const *trial_argv, char *const *envp, tt_error *err);

/* The answer to the oldest request still owed, waiting up to timeout_ms:
 * 0 with *a filled; 1 when none came in time (or none is owed);
 * -TT_ERR_IO with err filled when that request's shim was not started, or
 * may have been but the zygote was lost before it answered (that trial
 * must not be started again as it is). */
int tt_zygote_receive(tt_zygote *z, int timeout_ms, tt_zygote_answer *a, tt_error *err);

/* Send and receive in one (5 s limit), with tt_shim_spawn's contract plus
 * *sock_out and *token_out (either may be NULL). Returns 0, 1 (nothing
 * started: fall back) or -TT_ERR_IO. */
int tt_zygote_spawn(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *sock_out, int *token_out, tt_error *err);

/* Closes the runner's end of the zygote and of the idle shims: they all
 * leave; busy shims run their trial to its end. */
void tt_zygote_stop(tt_zygote *z);

/* The program to start shims with: TT_SHIM_PROGRAM in the folder of
 * self_exe when it is there and executable, else self_exe itself (which
 * runs `tunetop __shim`). malloc'd; caller frees. */
char *tt_shim_find_exe(const char *self_exe);

/* Starts `self_exe __shim trial_dir --grace G -- trial_argv...` as a detached
 * session leader with environment envp (NULL: ours), stdin /dev/null,
 * stdout/stderr appended to trial_dir/shim.log (/dev/null when self_exe is
 * TT_SHIM_PROGRAM, which has no loader to speak before main and creates
 * shim.log itself), no other inherited fd, default signal handlers;
 * SIGTERM/SIGINT/SIGHUP/SIGCHLD stay blocked across the exec, so a SIGTERM sent right after this returns is forwarded to the
 * trial rather than lost. grace_s < 0 means the default. Fills the shim's
 * pid and /proc start time (start_out may be NULL). Returns 0, or
 * -TT_ERR_IO with err filled (trial_dir unusable, fork or exec failure, which
 * is reported here rather than as a vanished child). */
int tt_shim_spawn(const char *self_exe, const char *trial_dir, double grace_s,
                  char *const *trial_argv, char *const *envp, pid_t *pid_out,
                  uint64_t *start_out, tt_error *err);

/* Parse trial_dir/exit.status. Returns 0 when present and well-formed,
 * -TT_ERR_IO when absent or unreadable (the trial is still running, or its
 * shim died), -TT_ERR_INVALID when malformed. */
int tt_shim_read_status(const char *trial_dir, tt_shim_status *st);


/* ---- /proc helpers ------------------------------------------------------- */

/* Start time of pid (field 22 of /proc/PID/stat, clock ticks since boot), or
 * 0 when there is no such process. Robust to a comm holding spaces and
 * parentheses. */
uint64_t tt_proc_start_time(pid_t pid);

/* Whether pid is the same process as when start was recorded (same start
 * time) and is not a zombie. */
bool tt_proc_alive(pid_t pid, uint64_t start);

/* A pidfd for pid (poll() reads it as readable once the process has
 * ended), or -1 (no such process, or a kernel without pidfds: before 5.3).
 * Close-on-exec. */
int tt_proc_pidfd(pid_t pid);

/* Up to max children of pid (/proc/PID/task/PID/children, a
 * single-threaded process's); 0 when it has none or the kernel does not
 * say (no CONFIG_PROC_CHILDREN). */
size_t tt_proc_children(pid_t pid, pid_t *out, size_t max);

/* The first child of pid, or 0. A shim's only child is its trial, the
 * leader of the trial's process group. */
pid_t tt_proc_first_child(pid_t pid);

/* Initialises attr for a child that starts clean: every signal at its
 * default disposition, `mask` blocked (NULL: none), and `flags` besides
 * (POSIX_SPAWN_SETSID, POSIX_SPAWN_SETPGROUP for a group of its own). */
void tt_proc_spawnattr_clean(posix_spawnattr_t *attr, const sigset_t *mask, short flags);

/* Sends sig to the process group of every process of ours whose
 * environment holds exactly the entry `entry` (NAME=VALUE), except groups
 * that lead their session (a shim's): the trial of a folder, found without
 * knowing its shim (sig 0: only whether there is one). Returns how many
 * groups were signalled. Reads all of /proc: for rare recoveries only. */
int tt_proc_kill_groups_with_env(const char *entry, int sig);

/* kill(-pgid, sig). Returns 0 (also when the group is already gone), or
 * -TT_ERR_INVALID for pgid <= 1 (never signal "everything"), -TT_ERR_IO on
 * another failure. */
int tt_proc_kill_group(pid_t pgid, int sig);

/* The path of the running executable (readlink /proc/self/exe, without a
 * " (deleted)" suffix), malloc'd; NULL when unknown. */
char *tt_proc_self_exe(void);

/* Close every fd >= 3 except keep (-1 for none). Async-signal-safe: for use
 * between fork and exec. */
void tt_proc_close_fds(int keep);

/* Reset every signal handler to SIG_DFL and unblock all signals.
 * Async-signal-safe: for use between fork and exec. */
void tt_proc_reset_signals(void);

#endif
