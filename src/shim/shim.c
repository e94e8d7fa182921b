/*
 * shim — the supervisor between the runner and one trial
 * (`tunetop __shim TRIAL_DIR [--grace S] -- PROGRAM ARGS...`).
 *
 * Why a separate process: the runner may crash, be upgraded, or be killed
 * with -9, and a trial that has run for six hours must not die with it, nor
 * lose its exit status. The shim is a session leader of its own, writes only
 * to files in the trial folder (never to a pipe whose reader may vanish),
 * and records what a restarted runner needs: the trial's logs and how it
 * ended (exit.status, renamed into place so that a reader sees all of it or
 * none of it). The trial's process group is the shim's only child, which
 * /proc tells (tt_proc_first_child): no file needed.
 *
 * The trial starts as tmux's job.c starts one — default signal state, own
 * process group, no fd not meant for it — but through posix_spawnp, which
 * reports an exec failure as its return value. Signals are never handled
 * asynchronously: they stay blocked and the wait loop takes them with
 * sigtimedwait, so no work happens in a handler.
 *
 * Two programs hold this code: `tunetop __shim` (the subcommand, what a
 * Slurm job runs) and `tunetop-shim`, built from src/shim/ alone and linked
 * statically against libc only (main.c, the Makefile). The local runner
 * starts `tunetop-shim __zygote` once, and its pooled shims (shim_serve)
 * run one trial after another: no program start, and mostly no fork, per
 * trial (zygote.c). What the runner and the shim agree on — argv, files,
 * exit.status, requests, tokens — is in tunetop/shim.h; the runner's side
 * is src/runner/shim_spawn.c and zygote_client.c.
 *
 * Every file in the trial folder costs an inode, and on some filesystems
 * creating one costs more than the rest of a short trial's bookkeeping
 * (0.6 ms of CPU each on the ext4 of docs/benchmarks.md). So the shim says
 * nothing when all goes well — its end is in exit.status — and creates
 * shim.log only when it has something to say (a forwarded signal, an
 * escalation, an error).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    SHIM_EXIT_USAGE = 2,
    SHIM_EXIT_FAILED = 125,   /* the shim itself could not start the trial */
    SHIM_EXIT_CANNOT_RUN = 126,
    SHIM_EXIT_NOT_FOUND = 127,
};

/* Poll interval of the wait loop when no signal arrives: a safety net only,
 * since SIGCHLD wakes the loop as soon as the trial exits. */
#define SHIM_TICK_S 0.25

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tt_study_file_mode's rule, here without util (tunetop-shim links
 * src/shim/ only). */
mode_t tt_shim_file_mode(void)
{
    const char *v = getenv("TUNETOP_SHARED");
    return v && strcmp(v, "1") == 0 ? 0666 : 0600;
}

/* The trial folder once open, and shim.log in it once something was said
 * (-1 until then). Reset by every tt_shim_main call. */
static int log_dirfd = -1;
static int log_fd = -1;
/* Whether the last trial's exit.status was written: a pooled shim that
 * could not write one takes no other trial. */
static bool status_written;

static void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line to shim.log, created on the first line; to stderr before the
 * trial folder is open (or when shim.log cannot be created). */
static void shim_log(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    if (log_fd < 0 && log_dirfd >= 0)
        log_fd = openat(log_dirfd, TT_SHIM_LOG,
                        O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                        tt_shim_file_mode());
    ssize_t w = write(log_fd >= 0 ? log_fd : STDERR_FILENO, line, len);
    (void)w;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write name in dirfd atomically: NAME.tmp, then rename, so a reader sees
 * the whole file or none. No fsync: it cost more than the rest of a short
 * trial's bookkeeping (bench/runner), and after a power loss a status that
 * did not reach the disk only makes the trial `interrupted` and retried —
 * the study database itself is not synced per write either. */
static int write_atomic(int dirfd, const char *name, const char *content)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    /* The temporary name is ours: whatever is there (a stale one, or a FIFO
     * planted to hang the shim in open, which would leave its trial's end
     * unrecorded) goes, and a new file is made (O_EXCL: no FIFO, no link). */
    unlinkat(dirfd, tmp, 0);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    tt_shim_file_mode());
    if (fd < 0)
        return -1;
    int rc = write_all(fd, content, strlen(content));
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && renameat(dirfd, tmp, dirfd, name) != 0)
        rc = -1;
    if (rc != 0) {
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

/* A log of the trial: a regular file only. O_NONBLOCK so that a FIFO
 * planted under the log's name cannot hang the shim in open(); cleared
 * again, as the trial inherits the file. */
static int open_log(int dirfd, const char *name, int flags)
{
    int fd = openat(dirfd, name, flags | O_NONBLOCK, tt_shim_file_mode());
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (fd >= 0)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* exit.status for the given outcome; returns the shim's exit code. */
static int record_status(int dirfd, tt_shim_kind kind, int code)
{
    int exit_code;
    switch (kind) {
    case TT_SHIM_EXIT:
        exit_code = code;
        break;
    case TT_SHIM_SIGNAL:
        exit_code = 128 + code;
        break;
    default:
        exit_code = code == ENOENT ? SHIM_EXIT_NOT_FOUND : SHIM_EXIT_CANNOT_RUN;
        break;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char content[400];
    tt_shim_status_format(kind, code, &now, content, sizeof content);
    /* An outcome the trial's own logs may not explain gets a line here
     * (exit.status's first line); a plain exit is all in exit.status. */
    if (kind != TT_SHIM_EXIT)
        shim_log("tunetop shim: %.*s", (int)strcspn(content, "\n"), content);
    if (write_atomic(dirfd, TT_SHIM_STATUS, content) != 0) {
        shim_log("tunetop shim: cannot write %s: %s", TT_SHIM_STATUS, strerror(errno));
        return SHIM_EXIT_FAILED;
    }
    status_written = true;
    return exit_code;
}

void tt_shim_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGCHLD);
}

/* Reaps the children that are not the trial: what the trial left outside
 * its group and we adopted as subreaper, once it ended. The trial itself
 * stays a zombie (its pid, hence its group id, reserved) until
 * shim_run reaps it. */
static void reap_adopted(pid_t trial)
{
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0 ||
            info.si_pid == trial)
            return;
        waitpid(info.si_pid, NULL, 0);
    }
}

/* After the trial: what it left outside its group — a daemon that called
 * setsid() or setpgid(), a double fork — was reparented to the shim (a
 * subreaper, shim_run) and is killed with its own group, round after
 * round as its children are reparented in turn. A trial that ended leaves
 * nothing running. */
static void kill_adopted(void)
{
    for (int round = 0; round < 100; round++) {
        pid_t kids[256];
        size_t n = tt_proc_children(getpid(), kids, sizeof kids / sizeof *kids);
        if (n == 0)
            return;
        for (size_t i = 0; i < n; i++) {
            if (getpgid(kids[i]) == kids[i])
                kill(-kids[i], SIGKILL);
            kill(kids[i], SIGKILL);
        }
        for (size_t i = 0; i < n; i++)
            while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
                ;
    }
}

/* Signal the trial: its group, and the trial itself in case it left the
 * group (it is not reaped yet, so its pid cannot have been recycled). */
static void signal_trial(pid_t pid, int sig)
{
    kill(-pid, sig);
    kill(pid, sig);
}

/* Whether a termination signal is the runner's request for a trial other
 * than the one with `token`: the runner sends its requests to a pooled
 * shim with sigqueue and the trial's token (zygote.c), and one may land
 * after that trial ended and the shim took the next. */
static bool for_another_trial(const siginfo_t *si, int token)
{
    return token != 0 && si->si_code == SI_QUEUE && si->si_value.sival_int != 0 &&
           si->si_value.sival_int != token;
}

/* Whether a termination signal came from someone other than the runner
 * (a person, the system shutting down, Slurm): the shim leaves after the
 * trial instead of waiting for the next one. */
static bool from_outside(const siginfo_t *si)
{
    return !(si->si_code == SI_QUEUE && si->si_value.sival_int != 0);
}

/* Wait until the trial has exited, without reaping it (WNOWAIT keeps its
 * pid, hence its group id, reserved while the leftovers are killed).
 * Forwards termination requests; SIGKILL after the grace period. Sets
 * *outside when a termination signal came from outside. */
static int wait_trial(pid_t pid, double grace, int token, bool *outside, siginfo_t *out)
{
    sigset_t set;
    tt_shim_signal_set(&set);
    bool term_sent = false, kill_sent = false;
    double deadline = 0;
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
            if (info.si_pid == pid) {
                *out = info;
                return 0;
            }
        } else if (errno != EINTR) {
            return -1;
        }
        double now = monotonic_s();
        if (term_sent && !kill_sent && now >= deadline) {
            shim_log("tunetop shim: grace period over, sending SIGKILL to group %ld",
                     (long)pid);
            signal_trial(pid, SIGKILL);
            kill_sent = true;
        }
        double wait_s = SHIM_TICK_S;
        if (term_sent && !kill_sent && deadline - now < wait_s)
            wait_s = deadline - now;
        if (wait_s < 0)
            wait_s = 0;
        struct timespec ts = {(time_t)wait_s, (long)((wait_s - (double)(time_t)wait_s) * 1e9)};
        siginfo_t si;
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == SIGCHLD)
            reap_adopted(pid);
        bool term = sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
        if (term && for_another_trial(&si, token))
            continue;
        if (term && from_outside(&si))
            *outside = true;
        if (term && !term_sent) {
            shim_log("tunetop shim: got signal %d, sending SIGTERM to group %ld", sig,
                     (long)pid);
            signal_trial(pid, SIGTERM);
            /* A stopped trial would hold the SIGTERM until continued. */
            signal_trial(pid, SIGCONT);
            term_sent = true;
            deadline = monotonic_s() + grace;
        }
    }
}

/* Starts the trial: a process group of its own, stdout/stderr to the logs,
 * stdin the shim's (/dev/null), no other fd, every signal at its default
 * and none blocked. posix_spawn rather than fork + exec: glibc's shares the
 * shim's memory until the exec instead of copying it, and reports an exec
 * failure as its return value. A script without "#!" runs under /bin/sh,
 * as execvp would run it. Returns 0 with *pid, or an errno. */
static int spawn_trial(int out_fd, int err_fd, char **argv, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    tt_proc_spawnattr_clean(&attr, NULL, POSIX_SPAWN_SETPGROUP); /* pgroup 0: its own */
    int e = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    if (e == ENOEXEC && strchr(argv[0], '/')) {
        size_t n = 0;
        while (argv[n])
            n++;
        char **sh = calloc(n + 2, sizeof *sh);
        if (sh) {
            sh[0] = (char *)"/bin/sh";
            memcpy(sh + 1, argv, n * sizeof *argv);
            e = posix_spawn(pid, "/bin/sh", &fa, &attr, sh, environ);
            free(sh);
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return e;
}

/* Point fds 0, 1 and 2 at /dev/null, so nothing the shim says ever goes to
 * a terminal or pipe its parent owned (shim_log writes to shim.log), and the
 * trial reads an empty stdin. */
static int redirect_self(void)
{
    int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nullfd < 0)
        return -1;
    int rc = 0;
    if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(nullfd, STDOUT_FILENO) < 0 ||
        dup2(nullfd, STDERR_FILENO) < 0)
        rc = -1;
    if (nullfd > STDERR_FILENO)
        close(nullfd);
    return rc;
}

/* Close the trial folder and shim.log; returns rc. */
static int finish(int dirfd, int rc)
{
    if (log_fd >= 0)
        close(log_fd);
    close(dirfd);
    log_dirfd = log_fd = -1;
    return rc;
}

static int usage(const char *msg)
{
    fprintf(stderr,
            "tunetop __shim: %s\n"
            "usage: tunetop __shim TRIAL_DIR [--grace SECONDS] -- PROGRAM [ARGS...]\n",
            msg);
    return SHIM_EXIT_USAGE;
}

int tt_shim_main(int argc, char **argv)
{
    log_dirfd = log_fd = -1;
    int i = 0;
    if (i < argc && strcmp(argv[i], TT_SHIM_COMMAND) != 0 &&
        strcmp(argv[i], TT_ZYGOTE_COMMAND) != 0)
        i++;
    if (i < argc && strcmp(argv[i], TT_SHIM_COMMAND) == 0)
        i++;
    else if (i < argc && strcmp(argv[i], TT_ZYGOTE_COMMAND) == 0)
        return tt_zygote_main(TT_ZYGOTE_FD);
    if (i >= argc)
        return usage("missing TRIAL_DIR");
    const char *trial_dir = argv[i++];
    double grace = TT_SHIM_DEFAULT_GRACE;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--grace") == 0 && i + 1 < argc) {
            char *end;
            grace = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(grace >= 0) || grace > 1e7)
                return usage("--grace needs a number of seconds");
        } else {
            return usage("unexpected argument before --");
        }
    }
    if (i >= argc || i + 1 >= argc)
        return usage("missing -- PROGRAM");
    return shim_run(trial_dir, grace, &argv[i + 1]);
}

/* Once per shim process. */
static void shim_setup(void)
{
    /* Already a session leader when rn_shim_spawn started us; EPERM then. */
    setsid();
    /* What the trial leaves behind outside its group is reparented to us,
     * not to init, so that it can be stopped with the trial (kill_adopted). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    /* An inherited SIG_IGN for SIGCHLD would make the kernel reap the trial
     * behind our back. */
    signal(SIGCHLD, SIG_DFL);
    sigset_t set;
    tt_shim_signal_set(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

static int open_trial_dir(const char *trial_dir)
{
    return open(trial_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* One trial in the folder dirfd (closed here), from opening its logs to
 * writing its exit.status. Returns the shim's exit code for it
 * (tt_shim_main). */
static int run_one(int dirfd, double grace, char **trial_argv, int token, bool *outside)
{
    log_dirfd = dirfd;
    log_fd = -1;
    status_written = false;
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC;
    int out_fd = open_log(dirfd, TT_SHIM_STDOUT, flags);
    int err_fd = out_fd >= 0 ? open_log(dirfd, TT_SHIM_STDERR, flags) : -1;
    if (err_fd < 0) {
        int e = errno;
        shim_log("tunetop shim: cannot open the trial's logs: %s", strerror(e));
        if (out_fd >= 0)
            close(out_fd);
        int rc = record_status(dirfd, TT_SHIM_EXEC_ERROR, e);
        return finish(dirfd, rc);
    }

    pid_t pid = 0;
    int exec_errno = spawn_trial(out_fd, err_fd, trial_argv, &pid);
    close(out_fd);
    close(err_fd);
    if (exec_errno) {
        int rc = record_status(dirfd, TT_SHIM_EXEC_ERROR, exec_errno);
        return finish(dirfd, rc);
    }

    siginfo_t info;
    memset(&info, 0, sizeof info);
    int waited = wait_trial(pid, grace, token, outside, &info);
    /* Whatever the trial left in its group (a data loader worker) goes
     * with it. */
    tt_proc_kill_group(pid, SIGKILL);
    int st = 0, reaped;
    while ((reaped = (int)waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    int reap_errno = errno;
    kill_adopted();

    int rc;
    if (waited != 0 && reaped < 0)
        /* Cannot happen for our own child with SIGCHLD at default; if it
         * does, say so rather than invent a success. */
        rc = record_status(dirfd, TT_SHIM_EXEC_ERROR, reap_errno);
    else if (waited != 0)
        rc = WIFSIGNALED(st) ? record_status(dirfd, TT_SHIM_SIGNAL, WTERMSIG(st))
                             : record_status(dirfd, TT_SHIM_EXIT, WEXITSTATUS(st));
    else if (info.si_code == CLD_EXITED)
        rc = record_status(dirfd, TT_SHIM_EXIT, info.si_status);
    else
        rc = record_status(dirfd, TT_SHIM_SIGNAL, info.si_status);
    return finish(dirfd, rc);
}

int shim_run(const char *trial_dir, double grace, char **trial_argv)
{
    shim_setup();
    /* Said on stderr while it is still the parent's (Slurm's job output):
     * without the folder there is no shim.log. */
    int dirfd = open_trial_dir(trial_dir);
    if (dirfd < 0) {
        fprintf(stderr, "tunetop __shim: cannot open trial folder %s: %s\n", trial_dir,
                strerror(errno));
        return SHIM_EXIT_FAILED;
    }
    if (redirect_self() != 0) {
        fprintf(stderr, "tunetop __shim: cannot open /dev/null: %s\n", strerror(errno));
        close(dirfd);
        return SHIM_EXIT_FAILED;
    }
    bool outside = false;
    return run_one(dirfd, grace, trial_argv, 0, &outside);
}

/* Between trials: whether a termination signal from outside came (the
 * shim should leave). Late requests of the runner are dropped, and so are
 * zombies of processes adopted after the last trial's clean-up. */
static bool told_to_leave(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    sigset_t set;
    tt_shim_signal_set(&set);
    struct timespec zero = {0, 0};
    siginfo_t si;
    int sig;
    while ((sig = sigtimedwait(&set, &si, &zero)) > 0)
        if (sig != SIGCHLD && from_outside(&si))
            return true;
    return false;
}

/* Waits for the zygote's next request: 0 when one is there, -1 when the
 * shim should leave instead. A signal that comes while a request is
 * already waiting belongs to that request's trial (a `kill` the instant
 * the trial started): it is left pending for wait_trial. */
static int wait_request(int sock)
{
    for (;;) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        int n = poll(&p, 1, 1000);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
        if (n == 0 && told_to_leave())
            return -1;
    }
}

/* One trial of a pooled shim; whether the shim may take another. */
static bool serve_one(const shim_request *req)
{
    static char *no_env[] = {NULL};
    environ = req->envp;
    bool outside = false;
    /* A folder that cannot be opened leaves no status: the runner records
     * the trial as lost, and this shim leaves. */
    int dirfd = open_trial_dir(req->dir);
    status_written = false;
    if (dirfd >= 0)
        run_one(dirfd, req->grace, req->argv, req->token, &outside);
    environ = no_env;
    return status_written && !outside;
}

int shim_serve(int sock, const shim_request *first)
{
    shim_setup();
    if (redirect_self() != 0)
        return SHIM_EXIT_FAILED;
    bool again = serve_one(first);
    for (;;) {
        /* The trial is over and exit.status written: one byte tells the
         * runner, which then reads the status and may send the next
         * trial. Leaving instead closes the socket, which it hears too. */
        char done = TT_SHIM_DONE_BYTE;
        if (!again || write(sock, &done, 1) != 1)
            return 0;
        if (wait_request(sock) != 0)
            return 0;
        tt_zygote_header h;
        if (shim_read_full(sock, &h, sizeof h) != 0)
            return 0; /* the runner is gone */
        char *buf = h.length <= TT_ZYGOTE_MAX_REQUEST ? malloc((size_t)h.length + 1) : NULL;
        shim_request req;
        char **vec = NULL;
        if (buf && shim_read_full(sock, buf, h.length) == 0)
            vec = shim_request_split(buf, h.length, h.argc, h.envc, &req);
        if (!vec) {
            /* The runner built it: one that does not parse means the
             * channel is broken. The runner sees the socket close with no
             * status written. */
            free(buf);
            return SHIM_EXIT_FAILED;
        }
        again = serve_one(&req);
        free(vec);
        free(buf);
    }
}
