/*
 * zygote — one small process per runner that forks the shims.
 *
 * Why: starting a shim with exec costs a program start per trial, and on a
 * VM that start is dear (glibc asks the CPU for its cache sizes with cpuid,
 * which traps to the hypervisor: 40 % of all the CPU of 1000 trials of
 * `true`, more than the trials themselves; docs/benchmarks.md). The zygote
 * is `tunetop-shim __zygote`, started once: for each trial it only forks,
 * and the child is the shim (tt_shim_run), as detached as an exec'd one —
 * its own session, no fd of the runner — so it outlives the runner and the
 * zygote alike.
 *
 * The runner is no longer the shim's parent, so it cannot wait for it; it
 * gets a pidfd instead (sent with SCM_RIGHTS by the zygote, which opens it
 * while the child cannot have been reaped yet, so it never names a recycled
 * pid), and polls it: a trial's end wakes the runner at once, as SIGCHLD
 * did. The zygote lets the kernel reap its children (SIGCHLD ignored).
 *
 * Protocol on a socketpair (fd TT_ZYGOTE_FD in the zygote): the runner sends
 * a header {length, argc, envc} and `length` bytes of NUL-terminated
 * strings: trial folder, grace seconds, argv, envp. The zygote serves
 * requests one after the other and answers each, in order, with
 * {pid, errno, start time} and the pidfd attached (none when it could not
 * open one); the runner may send the next request before the answer to
 * the last (spawns.c). EOF on the socket, which the kernel also gives when
 * the runner dies, ends the zygote.
 */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct zygote_header {
    uint32_t length;
    uint32_t argc;
    uint32_t envc;
} zygote_header;

typedef struct zygote_reply {
    int32_t pid;      /* > 0 when a shim was forked */
    int32_t error;    /* errno of the failure when pid <= 0 */
    uint64_t start;   /* /proc start time; 0 when the shim already ended */
} zygote_reply;

/* Beyond this a request cannot be an exec'able argv + environment anyway. */
#define ZYGOTE_MAX_REQUEST (64u << 20)

/* ---- the zygote ------------------------------------------------------------ */

/* Reads exactly n bytes; 0 on success, 1 on EOF before any byte, -1 else. */
static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 && got == 0)
            return 1;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Splits the request's strings into argv and envp (pointers into buf, one
 * malloc'd vector of argc + envc + 2 entries). Returns NULL when the counts
 * do not match what is there. */
static char **split_request(char *buf, uint32_t len, const zygote_header *h, char **dir,
                            double *grace)
{
    size_t want = 2 + (size_t)h->argc + h->envc;
    if (h->argc == 0 || want > len)
        return NULL;
    char **strs = calloc(want, sizeof *strs);
    char **vec = calloc((size_t)h->argc + h->envc + 2, sizeof *vec);
    if (!strs || !vec)
        goto bad;
    size_t k = 0;
    for (uint32_t off = 0; off < len && k < want;) {
        char *nul = memchr(buf + off, '\0', len - off);
        if (!nul)
            goto bad;
        strs[k++] = buf + off;
        off = (uint32_t)(nul - buf) + 1;
        if (k == want && off != len)
            goto bad;
    }
    if (k != want)
        goto bad;
    char *end;
    *dir = strs[0];
    *grace = strtod(strs[1], &end);
    if (end == strs[1] || *end || !(*grace >= 0))
        goto bad;
    for (uint32_t i = 0; i < h->argc; i++)
        vec[i] = strs[2 + i];
    vec[h->argc] = NULL;
    for (uint32_t i = 0; i < h->envc; i++)
        vec[h->argc + 1 + i] = strs[2 + h->argc + i];
    vec[h->argc + 1 + h->envc] = NULL;
    free(strs);
    return vec;
bad:
    free(strs);
    free(vec);
    return NULL;
}

static void send_reply(int fd, const zygote_reply *rep, int pidfd)
{
    struct iovec iov = {.iov_base = (void *)rep, .iov_len = sizeof *rep};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pidfd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pidfd, sizeof pidfd);
    }
    while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* Forks one shim for the request in buf; fills rep and *pidfd. */
static void serve(int fd, char *buf, const zygote_header *h, zygote_reply *rep, int *pidfd)
{
    char *dir;
    double grace;
    char **vec = split_request(buf, h->length, h, &dir, &grace);
    if (!vec) {
        rep->error = EINVAL;
        return;
    }
    /* The shim blocks these itself, but only once it runs: until then a
     * SIGTERM from the runner (a `kill` the moment the trial started) would
     * kill it before it could forward anything. The child inherits them
     * blocked, as an exec'd shim does from tt_shim_spawn. */
    sigset_t shim_set, old;
    sigemptyset(&shim_set);
    sigaddset(&shim_set, SIGTERM);
    sigaddset(&shim_set, SIGINT);
    sigaddset(&shim_set, SIGHUP);
    sigaddset(&shim_set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &shim_set, &old);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd);
        environ = vec + h->argc + 1;
        _exit(tt_shim_run(dir, grace, vec));
    }
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(vec);
    if (pid < 0) {
        rep->error = e;
        return;
    }
    rep->pid = pid;
    /* Not reaped yet: a child of ours is reaped only after it exits, and
     * then the pidfd still names it (and reads as ended). */
    *pidfd = tt_proc_pidfd(pid);
    rep->start = tt_proc_start_time(pid);
}

int tt_zygote_main(int fd)
{
    /* The kernel reaps the shims: nobody here needs their status (they
     * write it to exit.status), and zombies would pile up otherwise. */
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        zygote_header h;
        int rc = read_full(fd, &h, sizeof h);
        if (rc != 0)
            return rc == 1 ? 0 : 1;
        if (h.length > ZYGOTE_MAX_REQUEST)
            return 1; /* cannot be ours: stop rather than guess */
        char *buf = malloc((size_t)h.length + 1);
        if (!buf || read_full(fd, buf, h.length) != 0) {
            free(buf);
            return 1;
        }
        zygote_reply rep = {0, 0, 0};
        int pidfd = -1;
        serve(fd, buf, &h, &rep, &pidfd);
        free(buf);
        send_reply(fd, &rep, pidfd);
        if (pidfd >= 0)
            close(pidfd);
    }
}

#ifndef TT_SHIM_STANDALONE

/* ---- the runner's end ------------------------------------------------------- */

/* How long the runner waits for the zygote to take a request and answer:
 * it forks, so anything near this means it is stopped or wedged. */
#define ZYGOTE_TIMEOUT_MS 5000

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits until fd is ready for events before the deadline; 0 or -1. */
static int wait_ready(int fd, short events, double deadline)
{
    for (;;) {
        double left = deadline - mono_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left + 1);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

static int zygote_start(tt_zygote *z, const char *exe, tt_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return tt_error_set(err, TT_ERR_IO, "cannot create a socket pair: %s", strerror(errno));
    /* posix_spawn's dup2 onto the same number would leave close-on-exec
     * set on some libcs: make sure the zygote's end is elsewhere. */
    if (sv[1] == TT_ZYGOTE_FD) {
        int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, TT_ZYGOTE_FD + 1);
        close(sv[1]);
        sv[1] = moved;
    }
    char *argv[] = {(char *)"tunetop", (char *)"__zygote", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO, STDERR_FILENO);
    if (sv[1] >= 0)
        posix_spawn_file_actions_adddup2(&fa, sv[1], TT_ZYGOTE_FD);
    posix_spawn_file_actions_addclosefrom_np(&fa, TT_ZYGOTE_FD + 1);
    /* Its own session, like a shim: a Ctrl-C meant for a foreground
     * runner must not reach it (the runner decides what a Ctrl-C does). */
    tt_proc_spawnattr_clean(&attr, NULL, POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    int e = sv[1] < 0 ? errno : posix_spawn(&pid, exe, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (sv[1] >= 0)
        close(sv[1]);
    if (e != 0) {
        close(sv[0]);
        return tt_error_set(err, TT_ERR_IO, "cannot start %s __zygote: %s", exe, strerror(e));
    }
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    z->pid = pid;
    z->sock = sv[0];
    return 0;
}

void tt_zygote_stop(tt_zygote *z)
{
    if (z->sock >= 0)
        close(z->sock);
    z->sock = -1;
    z->pid = 0;
}

/* Sends all of data before the deadline; 0 or -1 (errno set). */
static int send_all(int fd, const char *data, size_t len, double deadline)
{
    while (len) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        if (w > 0) {
            data += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_ready(fd, POLLOUT, deadline) != 0)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Receives one reply and its pidfd (-1 when none came): 0; 1 when nothing
 * has arrived by `deadline` (a reply begun is waited for up to the
 * zygote's time limit); -1 on EOF or an error (errno set). */
static int recv_reply(int fd, zygote_reply *rep, int *pidfd, double deadline)
{
    *pidfd = -1;
    size_t got = 0;
    while (got < sizeof *rep) {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = (char *)rep + got, .iov_len = sizeof *rep - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                             .msg_controllen = sizeof control.buf};
        ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (got > 0 && deadline < mono_ms() + ZYGOTE_TIMEOUT_MS)
                deadline = mono_ms() + ZYGOTE_TIMEOUT_MS;
            if (wait_ready(fd, POLLIN, deadline) != 0) {
                if (errno == ETIMEDOUT && got == 0)
                    return 1;
                return -1;
            }
            continue;
        }
        if (n <= 0) {
            if (n == 0)
                errno = ECONNRESET;
            return -1;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int))) {
                int fdv;
                memcpy(&fdv, CMSG_DATA(c), sizeof fdv);
                if (*pidfd < 0)
                    *pidfd = fdv;
                else
                    close(fdv);
            }
        got += (size_t)n;
    }
    return 0;
}

static char *build_request(const char *trial_dir, double grace_s, char *const *argv,
                           char *const *envp, size_t *len_out)
{
    tt_buf b = {0};
    zygote_header h = {0, 0, 0};
    tt_buf_append(&b, (const char *)&h, sizeof h);
    char grace[32];
    tt_format_double(grace_s >= 0 ? grace_s : TT_SHIM_DEFAULT_GRACE, grace, sizeof grace);
    tt_buf_append(&b, trial_dir, strlen(trial_dir) + 1);
    tt_buf_append(&b, grace, strlen(grace) + 1);
    for (; argv[h.argc]; h.argc++)
        tt_buf_append(&b, argv[h.argc], strlen(argv[h.argc]) + 1);
    for (; envp[h.envc]; h.envc++)
        tt_buf_append(&b, envp[h.envc], strlen(envp[h.envc]) + 1);
    h.length = (uint32_t)(b.len - sizeof h);
    memcpy(b.data, &h, sizeof h);
    *len_out = b.len;
    return tt_buf_take(&b);
}

/* The zygote is of no more use: killed (it may be stopped or wedged; the
 * runner's loop reaps it), and shims are started without it from now on.
 * Answers it still owed are lost: the next tt_zygote_receive says so. */
static void give_up(tt_zygote *z)
{
    if (z->pid > 0)
        kill(z->pid, SIGKILL);
    tt_zygote_stop(z);
    z->broken = true;
    z->lost = z->pending;
    z->pending = 0;
}

int tt_zygote_send(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                   char *const *trial_argv, char *const *envp, tt_error *err)
{
    if (z->broken)
        return 1;
    if (!trial_argv || !trial_argv[0])
        return tt_error_set(err, TT_ERR_INVALID, "no command to run");
    size_t len;
    char *req = build_request(trial_dir, grace_s, trial_argv, envp ? envp : environ, &len);
    if (len - sizeof(zygote_header) > ZYGOTE_MAX_REQUEST) {
        free(req);
        return tt_error_set(err, TT_ERR_INVALID, "argv and environment too large (%zu bytes)",
                            len);
    }
    double deadline = mono_ms() + ZYGOTE_TIMEOUT_MS;
    int sent = -1;
    /* A zygote that died since the last trial (killed from outside) is
     * started again, once, when it owed nothing: nothing of this request
     * reached it. */
    for (int attempt = 0; attempt < 2 && sent != 0; attempt++) {
        if (z->pid == 0 && zygote_start(z, shim_exe, NULL) < 0)
            break;
        sent = send_all(z->sock, req, len, deadline);
        if (sent != 0 && (errno == ETIMEDOUT || z->pending > 0))
            break;
        if (sent != 0)
            tt_zygote_stop(z);
    }
    free(req);
    if (sent != 0) {
        /* A request cut short is never served (the zygote is killed), so
         * nothing of this trial started: the caller may start it itself. */
        give_up(z);
        return 1;
    }
    z->pending++;
    return 0;
}

int tt_zygote_receive(tt_zygote *z, int timeout_ms, tt_zygote_answer *a, tt_error *err)
{
    if (z->lost > 0) {
        z->lost--;
        return tt_error_set(err, TT_ERR_IO, "the zygote was lost while it started this trial");
    }
    if (z->pending == 0 || z->sock < 0)
        return 1;
    zygote_reply rep;
    int pidfd = -1;
    int rc = recv_reply(z->sock, &rep, &pidfd, mono_ms() + timeout_ms);
    if (rc == 1)
        return 1;
    if (rc < 0) {
        int e = errno;
        give_up(z);
        z->lost--; /* this answer is reported here */
        return tt_error_set(err, TT_ERR_IO, "the zygote took the trial but did not answer: %s",
                            strerror(e));
    }
    z->pending--;
    if (rep.pid <= 0) {
        if (pidfd >= 0)
            close(pidfd);
        return tt_error_set(err, TT_ERR_IO, "cannot start the shim: %s", strerror(rep.error));
    }
    a->pid = rep.pid;
    a->start = rep.start;
    a->pidfd = pidfd;
    return 0;
}

int tt_zygote_spawn(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *pidfd_out, tt_error *err)
{
    int rc = tt_zygote_send(z, shim_exe, trial_dir, grace_s, trial_argv, envp, err);
    if (rc != 0)
        return rc;
    tt_zygote_answer a;
    rc = tt_zygote_receive(z, ZYGOTE_TIMEOUT_MS, &a, err);
    if (rc == 1) {
        give_up(z);
        return tt_zygote_receive(z, 0, &a, err); /* reports the loss */
    }
    if (rc < 0)
        return rc;
    *pid_out = a.pid;
    if (start_out)
        *start_out = a.start;
    if (pidfd_out)
        *pidfd_out = a.pidfd;
    else if (a.pidfd >= 0)
        close(a.pidfd);
    return 0;
}

#endif
