/*
 * shim — the supervisor between the runner and one trial, the zygote that
 * forks such supervisors, and everything the runner and they agree on.
 *
 * Two programs hold the code of src/shim/: `tunetop-shim` (those files
 * alone, linked statically against libc only — no util functions, SQLite,
 * libyaml or libcsv — so that an exec of it costs about half of one of
 * tunetop, docs/benchmarks.md) and `tunetop __shim` / `tunetop __zygote`
 * (hidden subcommands: what a Slurm job runs, and the fallback when
 * tunetop-shim is not next to tunetop). The other side is the runner: it
 * starts shims (src/runner/shim_spawn.c, zygote_client.c), reads their
 * exit.status and signals their trials. Both sides include this header and
 * nothing else of each other, so it holds the whole contract between them:
 * the argv and environment of a shim, the files it writes, the exit.status
 * format, the zygote's requests and answers, a pooled shim's byte and
 * tokens, and the /proc helpers both use.
 *
 * Code in src/shim/ uses libc and this header only (util.h for its error
 * codes, never its functions: tunetop-shim does not link them).
 */
#ifndef TUNETOP_SHIM_H
#define TUNETOP_SHIM_H

#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "tunetop/util.h"

/* ---- the programs and their argv ------------------------------------------ */

/* The standalone shim, installed next to tunetop: tt_shim_main alone (the
 * Makefile builds it from src/shim/). Same argv and files as `tunetop
 * __shim`; only cheaper to start. */
#define TT_SHIM_PROGRAM "tunetop-shim"

/* The hidden subcommands, argv[1] of either program. */
#define TT_SHIM_COMMAND "__shim"
#define TT_ZYGOTE_COMMAND "__zygote"

#define TT_SHIM_DEFAULT_GRACE 10.0

/* `tunetop __shim TRIAL_DIR [--grace SECONDS] -- PROGRAM ARGS...` and
 * `tunetop __zygote` (with its socket on TT_ZYGOTE_FD). argv is as main
 * received it (argv[1] == "__shim"; a leading "__shim" is also accepted at
 * argv[0]; argv[1] may also be TRIAL_DIR itself); "__zygote" runs
 * tt_zygote_main. The environment is the trial's, already prepared: the
 * shim reads only TUNETOP_SHARED from it (tt_shim_file_mode). Becomes a
 * session leader, points its fds 0-2 at /dev/null, writes what it has to
 * say (forwarded signals, errors; nothing when all goes well) to
 * TRIAL_DIR/shim.log, created on the first line, runs PROGRAM in its own
 * process group with stdout/stderr appended to stdout.log and stderr.log,
 * forwards SIGTERM/SIGINT/SIGHUP as SIGTERM to the group (SIGKILL after
 * the grace period), kills whatever is left in the group when the trial
 * ends, and writes exit.status. Survives the death of its parent. Returns
 * the shim's exit code: the trial's exit code (128+N after signal N;
 * 127/126 when the program cannot be run, like a shell), 2 on a usage
 * error, 125 when the shim itself fails before the trial runs. */
int tt_shim_main(int argc, char **argv);

/* Mode of the files the shim creates: 0666 (less the umask) when the
 * environment has TUNETOP_SHARED=1, else 0600 — tt_study_file_mode's rule,
 * without util. */
mode_t tt_shim_file_mode(void);

/* The signals a shim takes with sigtimedwait (SIGTERM, SIGINT, SIGHUP,
 * SIGCHLD). Whoever starts a shim keeps them blocked from before the
 * fork or spawn until the shim blocks them itself, so a SIGTERM sent the
 * moment the shim exists is forwarded to its trial, not fatal to it. */
void tt_shim_signal_set(sigset_t *set);

/* ---- the trial folder ------------------------------------------------------- */

/* Files the shim writes in the trial folder. */
#define TT_SHIM_STDOUT "stdout.log"
#define TT_SHIM_STDERR "stderr.log"
#define TT_SHIM_LOG "shim.log"
#define TT_SHIM_STATUS "exit.status"

typedef enum tt_shim_kind {
    TT_SHIM_EXIT,        /* the trial exited; code = exit status */
    TT_SHIM_SIGNAL,      /* a signal ended it; code = signal number */
    TT_SHIM_EXEC_ERROR   /* the program could not be run; code = errno */
} tt_shim_kind;

/* exit.status, parsed. The file is two lines, written atomically (a
 * temporary file renamed into place):
 *   exit 3 | signal 9 SIGKILL | exec_error 2 No such file or directory
 *   end 1718000000.123                                                    */
typedef struct tt_shim_status {
    tt_shim_kind kind;
    int code;
    char message[256];   /* "SIGKILL", the strerror text; "" for exit */
    double end_time;     /* unix seconds; 0 when the end line is missing */
} tt_shim_status;

/* A reader needs at most this many bytes of exit.status (one read). */
#define TT_SHIM_STATUS_MAX 1024

/* The text of exit.status for an end at `end` (wall clock) into buf: at
 * most n - 1 bytes and a NUL. Returns its length. */
size_t tt_shim_status_format(tt_shim_kind kind, int code, const struct timespec *end,
                             char *buf, size_t n);

/* Parses exit.status's text (its first TT_SHIM_STATUS_MAX - 1 bytes count).
 * Returns 0 when well-formed, -TT_ERR_INVALID otherwise; st is filled
 * either way as far as it could be read. */
int tt_shim_status_parse(const char *text, tt_shim_status *st);

/* ---- the zygote and its pooled shims ---------------------------------------- */

/* The zygote reads its requests from this fd (`tunetop-shim __zygote`). */
#define TT_ZYGOTE_FD 3

/* Serve launch requests on fd until its other end closes. Each request
 * forks a shim, a session leader of its own, whose first trial is that
 * request; the answer is a tt_zygote_reply with the runner's end of the
 * shim's socket attached (SCM_RIGHTS). Returns the process's exit code. */
int tt_zygote_main(int fd);

/* A request, to the zygote or to an idle pooled shim: this header, then
 * `length` bytes of NUL-terminated strings — the trial folder, the grace
 * seconds, the token (decimal), argc argv strings, envc environment
 * strings. The token is a number > 0 the runner chose: it asks a pooled
 * shim to end that trial with sigqueue(SIGTERM, token), and a shim drops a
 * queued signal carrying another trial's token (a late request). A
 * termination signal without a token comes from outside: the shim ends its
 * trial and then leaves instead of taking another. */
typedef struct tt_zygote_header {
    uint32_t length;
    uint32_t argc;
    uint32_t envc;
} tt_zygote_header;

/* Beyond this a request cannot be an exec'able argv + environment anyway. */
#define TT_ZYGOTE_MAX_REQUEST (64u << 20)

/* The zygote's answer to each request, in request order. */
typedef struct tt_zygote_reply {
    int32_t pid;      /* > 0 when a shim took the trial */
    int32_t error;    /* errno of the failure when pid <= 0 */
    uint64_t start;   /* the shim's /proc start time */
    int32_t token;    /* the request's, echoed */
    int32_t unused;
} tt_zygote_reply;

/* What a pooled shim writes on its socket when its trial is over (its
 * exit.status written) and it can take another. When it leaves instead,
 * the socket closes. */
#define TT_SHIM_DONE_BYTE 'D'

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

/* kill(-pgid, sig). Returns 0 (also when the group is already gone), or
 * -TT_ERR_INVALID for pgid <= 1 (never signal "everything"), -TT_ERR_IO on
 * another failure. */
int tt_proc_kill_group(pid_t pgid, int sig);

/* Close every fd >= 3 except keep (-1 for none). Async-signal-safe: for use
 * between fork and exec. */
void tt_proc_close_fds(int keep);

/* Reset every signal handler to SIG_DFL and unblock all signals.
 * Async-signal-safe: for use between fork and exec. */
void tt_proc_reset_signals(void);

#endif
