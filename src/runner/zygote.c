/*
 * zygote — one small process per runner that starts trials through a pool
 * of shims.
 *
 * Why: starting a shim with exec costs a program start per trial, and on a
 * VM that start is dear (glibc asks the CPU for its cache sizes with cpuid,
 * which traps to the hypervisor: 40 % of all the CPU of 1000 trials of
 * `true`, more than the trials themselves; docs/benchmarks.md). A fork per
 * trial was the next cost (0.1-0.15 ms of CPU with its exit and reaping,
 * as much as all the runner's bookkeeping of a trial). So the zygote,
 * `tunetop-shim __zygote`, started once, forks a shim only when none is
 * idle, and a shim whose trial ended waits for the next one (tt_shim_serve)
 * instead of exiting. A shim still supervises one trial at a time, as
 * detached as an exec'd one — its own session, no fd of the runner — so a
 * trial outlives the runner and the zygote alike.
 *
 * A trial's end is no longer its shim's exit, so the runner cannot watch a
 * pidfd: for each trial the zygote makes a pipe, gives the write end to the
 * shim with the request and the read end to the runner with the answer.
 * The shim closes it after writing exit.status (or dies, which closes it
 * too): the runner's poll on the read end wakes at once, as SIGCHLD did.
 * A request also carries a token (a number the runner chose); the runner
 * asks a pooled shim to end its trial with sigqueue(SIGTERM, token), so a
 * request that arrives late, when the shim has moved on to another trial,
 * is ignored rather than ending the wrong one.
 *
 * Protocol on a socketpair (fd TT_ZYGOTE_FD in the zygote): the runner sends
 * a header {length, argc, envc} and `length` bytes of NUL-terminated
 * strings: trial folder, grace seconds, token, argv, envp. The zygote serves
 * requests one after the other and answers each, in order, with
 * {pid, errno, start time} and the pipe's read end attached (none when the
 * shim could not be reached); the runner may send the next request before
 * the answer to the last (spawns.c). The zygote passes the request as it
 * came to the shim, on the shim's own socketpair, with the pipe's write
 * end; the shim says it is idle again with one byte. EOF on the runner's
 * socket, which the kernel also gives when the runner dies, ends the
 * zygote, and with it the idle shims (EOF on theirs); busy ones finish
 * their trial first.
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

typedef struct zygote_reply {
    int32_t pid;      /* > 0 when a shim took the trial */
    int32_t error;    /* errno of the failure when pid <= 0 */
    uint64_t start;   /* the shim's /proc start time */
    int32_t token;    /* the request's, echoed */
    int32_t unused;
} zygote_reply;

/* Idle shims kept beyond this many are sent away: a sweep whose
 * parallelism was lowered does not keep a crowd of them. */
#define ZYGOTE_MAX_IDLE 16

/* ---- requests (the zygote and the shim read them alike) ----------------- */

int tt_zygote_read_full(int fd, void *buf, size_t n)
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

char **tt_zygote_split_request(char *buf, uint32_t len, uint32_t argc, uint32_t envc,
                               tt_zygote_request *req)
{
    size_t want = 3 + (size_t)argc + envc;
    if (argc == 0 || want > len)
        return NULL;
    char **strs = calloc(want, sizeof *strs);
    char **vec = calloc((size_t)argc + envc + 2, sizeof *vec);
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
    req->dir = strs[0];
    req->grace = strtod(strs[1], &end);
    if (end == strs[1] || *end || !(req->grace >= 0))
        goto bad;
    long token = strtol(strs[2], &end, 10);
    if (end == strs[2] || *end || token < 0 || token > INT32_MAX)
        goto bad;
    req->token = (int)token;
    for (uint32_t i = 0; i < argc; i++)
        vec[i] = strs[3 + i];
    vec[argc] = NULL;
    for (uint32_t i = 0; i < envc; i++)
        vec[argc + 1 + i] = strs[3 + argc + i];
    vec[argc + 1 + envc] = NULL;
    req->argv = vec;
    req->envp = vec + argc + 1;
    free(strs);
    return vec;
bad:
    free(strs);
    free(vec);
    return NULL;
}

/* Sends data (may be NULL) with one fd attached (-1: none). Returns 0 or
 * -1 with errno. */
static int send_with_fd(int sock, const void *data, size_t len, int fd)
{
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        /* The fd went with the first bytes. */
        p += n;
        len -= (size_t)n;
        iov.iov_base = (void *)p;
        iov.iov_len = len;
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
    }
    return 0;
}

int tt_zygote_recv_fd(int sock, void *buf, size_t len, int *fd)
{
    *fd = -1;
    size_t got = 0;
    while (got < len) {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = (char *)buf + got, .iov_len = len - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                             .msg_controllen = sizeof control.buf};
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 && got == 0)
                return 1;
            if (n == 0)
                errno = ECONNRESET;
            return -1;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int))) {
                int v;
                memcpy(&v, CMSG_DATA(c), sizeof v);
                if (*fd < 0)
                    *fd = v;
                else
                    close(v);
            }
        got += (size_t)n;
    }
    return 0;
}

/* ---- the zygote ------------------------------------------------------------ */

typedef struct pool_shim {
    pid_t pid;
    int sock;        /* the zygote's end of the shim's socketpair */
    uint64_t start;  /* /proc start time, read once at the fork */
    bool idle;
} pool_shim;

typedef struct pool {
    pool_shim *shims;
    size_t n, cap;
    int runner;      /* the runner's socket */
} pool;

static void pool_drop(pool *p, size_t i)
{
    close(p->shims[i].sock);
    p->shims[i] = p->shims[--p->n];
}

static size_t pool_idle_count(const pool *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->shims[i].idle;
    return n;
}

/* Forks a new shim; its index, or -1 with errno. */
static long pool_fork(pool *p)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        pool_shim *grown = realloc(p->shims, cap * sizeof *grown);
        if (!grown) {
            close(sv[0]);
            close(sv[1]);
            errno = ENOMEM;
            return -1;
        }
        p->shims = grown;
        p->cap = cap;
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
        /* Nothing of the runner's or the other shims' channels: a shim
         * must see EOF when the zygote goes, and not keep another's open. */
        close(p->runner);
        for (size_t i = 0; i < p->n; i++)
            close(p->shims[i].sock);
        close(sv[0]);
        _exit(tt_shim_serve(sv[1]));
    }
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        errno = e;
        return -1;
    }
    p->shims[p->n] = (pool_shim){pid, sv[0], tt_proc_start_time(pid), false};
    return (long)p->n++;
}

/* Reads what the shims said: an idle byte, or EOF (it is gone). */
static void pool_listen(pool *p, const struct pollfd *fds, size_t nfds)
{
    for (size_t k = 0; k < nfds; k++) {
        if (!fds[k].revents)
            continue;
        for (size_t i = 0; i < p->n; i++) {
            if (p->shims[i].sock != fds[k].fd)
                continue;
            char b;
            ssize_t n = read(p->shims[i].sock, &b, 1);
            if (n == 1 && b == TT_SHIM_IDLE_BYTE && pool_idle_count(p) < ZYGOTE_MAX_IDLE)
                p->shims[i].idle = true;
            else if (!(n < 0 && errno == EINTR))
                pool_drop(p, i); /* gone, confused, or one too many idle */
            break;
        }
    }
}

/* Hands the request in buf (header h) to a shim: an idle one, the one that
 * went idle last (its memory is the warmest), else a new one. Fills rep
 * and *end_fd (the pipe's read end). */
static void serve(pool *p, const tt_zygote_header *h, char *buf, zygote_reply *rep, int *end_fd)
{
    tt_zygote_request req;
    char **vec = tt_zygote_split_request(buf, h->length, h->argc, h->envc, &req);
    if (!vec) {
        rep->error = EINVAL;
        return;
    }
    free(vec);
    rep->token = req.token;
    for (int attempt = 0; attempt < 3; attempt++) {
        long i = -1;
        for (size_t k = p->n; k-- > 0;)
            if (p->shims[k].idle) {
                i = (long)k;
                break;
            }
        if (i < 0 && (i = pool_fork(p)) < 0) {
            rep->error = errno;
            return;
        }
        /* Made after any fork: a shim forked while it was open would hold
         * its write end for good, and the trial's end would never show. */
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) != 0) {
            rep->error = errno;
            return;
        }
        pool_shim *s = &p->shims[i];
        /* One message: the header with the pipe's write end, then the
         * strings. A shim that died idle fails here: the next one gets it. */
        bool sent = send_with_fd(s->sock, h, sizeof *h, pipefd[1]) == 0 &&
                    send_with_fd(s->sock, buf, h->length, -1) == 0;
        rep->error = sent ? 0 : errno;
        close(pipefd[1]);
        if (sent) {
            s->idle = false;
            rep->pid = s->pid;
            rep->start = s->start;
            *end_fd = pipefd[0];
            return;
        }
        close(pipefd[0]);
        pool_drop(p, (size_t)i);
    }
}

int tt_zygote_main(int fd)
{
    /* The kernel reaps the shims: nobody here needs their status (they
     * write it to exit.status), and zombies would pile up otherwise. */
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    pool p = {NULL, 0, 0, fd};
    struct pollfd *fds = NULL;
    size_t cap_fds = 0;
    int rc = 0;
    for (;;) {
        if (cap_fds < p.n + 1) {
            cap_fds = (p.n + 1) * 2;
            struct pollfd *grown = realloc(fds, cap_fds * sizeof *fds);
            if (!grown) {
                rc = 1;
                break;
            }
            fds = grown;
        }
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
        for (size_t i = 0; i < p.n; i++)
            fds[n++] = (struct pollfd){.fd = p.shims[i].sock, .events = POLLIN};
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = 1;
            break;
        }
        /* Shims first: one that went idle can take the request read next. */
        pool_listen(&p, fds + 1, n - 1);
        if (!fds[0].revents)
            continue;
        tt_zygote_header h;
        int got = tt_zygote_read_full(fd, &h, sizeof h);
        if (got != 0) {
            rc = got == 1 ? 0 : 1;
            break;
        }
        if (h.length > TT_ZYGOTE_MAX_REQUEST) {
            rc = 1; /* cannot be ours: stop rather than guess */
            break;
        }
        char *buf = malloc((size_t)h.length + 1);
        if (!buf || tt_zygote_read_full(fd, buf, h.length) != 0) {
            free(buf);
            rc = 1;
            break;
        }
        zygote_reply rep = {0, 0, 0, 0, 0};
        int end_fd = -1;
        serve(&p, &h, buf, &rep, &end_fd);
        free(buf);
        send_with_fd(fd, &rep, sizeof rep, end_fd);
        if (end_fd >= 0)
            close(end_fd);
    }
    /* Idle shims see EOF when these close, and leave. */
    while (p.n > 0)
        pool_drop(&p, p.n - 1);
    free(p.shims);
    free(fds);
    return rc;
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

/* Receives one reply and its end fd (-1 when none came): 0; 1 when nothing
 * has arrived by `deadline` (a reply begun is waited for up to the
 * zygote's time limit); -1 on EOF or an error (errno set). */
static int recv_reply(int fd, zygote_reply *rep, int *end_fd, double deadline)
{
    *end_fd = -1;
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
                if (*end_fd < 0)
                    *end_fd = fdv;
                else
                    close(fdv);
            }
        got += (size_t)n;
    }
    return 0;
}

static char *build_request(const char *trial_dir, double grace_s, int token, char *const *argv,
                           char *const *envp, size_t *len_out)
{
    tt_buf b = {0};
    tt_zygote_header h = {0, 0, 0};
    tt_buf_append(&b, (const char *)&h, sizeof h);
    char grace[32];
    tt_format_double(grace_s >= 0 ? grace_s : TT_SHIM_DEFAULT_GRACE, grace, sizeof grace);
    tt_buf_append(&b, trial_dir, strlen(trial_dir) + 1);
    tt_buf_append(&b, grace, strlen(grace) + 1);
    char token_text[16];
    snprintf(token_text, sizeof token_text, "%d", token);
    tt_buf_append(&b, token_text, strlen(token_text) + 1);
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
    /* Tokens tell this runner's requests apart for as long as it runs. */
    z->tokens = z->tokens >= INT32_MAX ? 1 : z->tokens + 1;
    char *req = build_request(trial_dir, grace_s, z->tokens, trial_argv, envp ? envp : environ,
                              &len);
    if (len - sizeof(tt_zygote_header) > TT_ZYGOTE_MAX_REQUEST) {
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
    int end_fd = -1;
    int rc = recv_reply(z->sock, &rep, &end_fd, mono_ms() + timeout_ms);
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
    if (rep.pid <= 0 || end_fd < 0) {
        if (end_fd >= 0)
            close(end_fd);
        return tt_error_set(err, TT_ERR_IO, "cannot start the shim: %s",
                            strerror(rep.pid <= 0 ? rep.error : EBADF));
    }
    a->pid = rep.pid;
    a->start = rep.start;
    a->end_fd = end_fd;
    a->token = rep.token;
    return 0;
}

int tt_zygote_spawn(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *end_fd_out, int *token_out, tt_error *err)
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
    if (token_out)
        *token_out = a.token;
    if (end_fd_out)
        *end_fd_out = a.end_fd;
    else
        close(a.end_fd);
    return 0;
}

#endif
