/*
 * zygote — one small process per runner that forks shims, and the runner's
 * end of it and of the shims it forked.
 *
 * Why: starting a shim with exec costs a program start per trial, and on a
 * VM that start is dear (glibc asks the CPU for its cache sizes with cpuid,
 * which traps to the hypervisor: 40 % of all the CPU of 1000 trials of
 * `true`, more than the trials themselves; docs/benchmarks.md). A fork per
 * trial was the next cost (0.1-0.15 ms of CPU with its exit and reaping,
 * as much as all the runner's bookkeeping of a trial), and a round trip
 * through the zygote per trial the one after. So the zygote,
 * `tunetop-shim __zygote`, started once, forks a shim only when the runner
 * has none idle; a shim whose trial ended waits for the runner's next one
 * on its own socket (tt_shim_serve) instead of exiting. A shim still
 * supervises one trial at a time, as detached as an exec'd one — its own
 * session, no fd of the runner's but its socket — so a trial outlives the
 * runner and the zygote alike.
 *
 * A trial's end is no longer its shim's exit, so the runner cannot watch a
 * pidfd: it polls the shim's socket, on which the shim writes one byte
 * once the trial's exit.status is written (or which closes when the shim
 * dies or leaves): the runner wakes at once, as SIGCHLD did, and then
 * keeps the shim for its next trial (tt_zygote_release, tt_zygote_reuse).
 * A request carries a token (a number the runner chose); the runner asks a
 * pooled shim to end its trial with sigqueue(SIGTERM, token), so a request
 * that arrives late, when the shim has moved on to another trial, is
 * ignored rather than ending the wrong one.
 *
 * Protocol: a request is a header {length, argc, envc} and `length` bytes
 * of NUL-terminated strings: trial folder, grace seconds, token, argv,
 * envp. The runner sends one to the zygote (on a socketpair, fd
 * TT_ZYGOTE_FD in the zygote) when no shim is idle; the zygote serves them
 * one after the other, forking a shim whose first trial it is, and answers
 * each, in order, with {pid, errno, start time, token} and the runner's
 * end of the shim's socket attached; the runner may send the next request
 * before the answer to the last (spawns.c). Later requests go from the
 * runner straight to an idle shim's socket. EOF on the zygote's socket,
 * which the kernel also gives when the runner dies, ends the zygote; EOF
 * on a shim's ends the shim, once its trial is over.
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

/* ---- the zygote ------------------------------------------------------------ */

/* Forks a shim for the request in buf (header h): its first trial is that
 * request, read from the copy of buf the fork gives it; the runner gets
 * the other end of its socket, on which it sends later trials and hears
 * of their ends. Fills rep and *shim_sock. */
static void serve(int runner, const tt_zygote_header *h, char *buf, zygote_reply *rep,
                  int *shim_sock)
{
    tt_zygote_request req;
    char **vec = tt_zygote_split_request(buf, h->length, h->argc, h->envc, &req);
    if (!vec) {
        rep->error = EINVAL;
        return;
    }
    rep->token = req.token;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rep->error = errno;
        free(vec);
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
        /* Nothing of the runner's channel: the zygote holds no other fd
         * (each shim's socket went to the runner), so a shim keeps none
         * of another's open. */
        close(runner);
        close(sv[0]);
        _exit(tt_shim_serve(sv[1], &req));
    }
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(vec);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        rep->error = e;
        return;
    }
    rep->pid = pid;
    rep->start = tt_proc_start_time(pid);
    *shim_sock = sv[0];
}

int tt_zygote_main(int fd)
{
    /* The kernel reaps the shims: nobody here needs their status (they
     * write it to exit.status), and zombies would pile up otherwise. */
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        tt_zygote_header h;
        int rc = tt_zygote_read_full(fd, &h, sizeof h);
        if (rc != 0)
            return rc == 1 ? 0 : 1;
        if (h.length > TT_ZYGOTE_MAX_REQUEST)
            return 1; /* cannot be ours: stop rather than guess */
        char *buf = malloc((size_t)h.length + 1);
        if (!buf || tt_zygote_read_full(fd, buf, h.length) != 0) {
            free(buf);
            return 1;
        }
        zygote_reply rep = {0, 0, 0, 0, 0};
        int shim_sock = -1;
        serve(fd, &h, buf, &rep, &shim_sock);
        free(buf);
        send_with_fd(fd, &rep, sizeof rep, shim_sock);
        if (shim_sock >= 0)
            close(shim_sock);
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

/* Closes the zygote's socket (it leaves); the idle shims stay. */
static void zygote_close(tt_zygote *z)
{
    if (z->sock >= 0)
        close(z->sock);
    z->sock = -1;
    z->pid = 0;
}

void tt_zygote_stop(tt_zygote *z)
{
    zygote_close(z);
    for (size_t i = 0; i < z->n_idle; i++)
        close(z->idle[i].sock);
    free(z->idle);
    z->idle = NULL;
    z->n_idle = z->cap_idle = 0;
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

/* Receives one reply and the shim's socket (-1 when none came): 0; 1 when nothing
 * has arrived by `deadline` (a reply begun is waited for up to the
 * zygote's time limit); -1 on EOF or an error (errno set). */
static int recv_reply(int fd, zygote_reply *rep, int *shim_sock, double deadline)
{
    *shim_sock = -1;
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
                if (*shim_sock < 0)
                    *shim_sock = fdv;
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
    zygote_close(z);
    z->broken = true;
    z->lost = z->pending;
    z->pending = 0;
}

/* Tokens tell this runner's requests apart for as long as it runs. */
static int next_token(tt_zygote *z)
{
    z->tokens = z->tokens >= INT32_MAX ? 1 : z->tokens + 1;
    return z->tokens;
}

/* Idle shims kept beyond this many are sent away: a sweep whose
 * parallelism was lowered does not keep a crowd of them. */
#define ZYGOTE_MAX_IDLE 16

int tt_zygote_reuse(tt_zygote *z, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, tt_zygote_answer *a,
                    tt_error *err)
{
    if (z->n_idle == 0)
        return 1;
    if (!trial_argv || !trial_argv[0])
        return tt_error_set(err, TT_ERR_INVALID, "no command to run");
    int token = next_token(z);
    size_t len;
    char *req = build_request(trial_dir, grace_s, token, trial_argv, envp ? envp : environ,
                              &len);
    if (len - sizeof(tt_zygote_header) > TT_ZYGOTE_MAX_REQUEST) {
        free(req);
        return tt_error_set(err, TT_ERR_INVALID, "argv and environment too large (%zu bytes)",
                            len);
    }
    int rc = 1;
    /* The latest idle first: its memory is the warmest. One that left
     * meanwhile (killed) fails the send and is dropped; a request cut
     * short makes a shim leave without running anything. */
    while (z->n_idle > 0) {
        tt_zygote_idle s = z->idle[--z->n_idle];
        if (send_all(s.sock, req, len, mono_ms() + ZYGOTE_TIMEOUT_MS) == 0) {
            *a = (tt_zygote_answer){s.pid, s.start, s.sock, token};
            rc = 0;
            break;
        }
        close(s.sock);
    }
    free(req);
    return rc;
}

void tt_zygote_release(tt_zygote *z, pid_t pid, uint64_t start, int sock)
{
    char b;
    ssize_t n;
    while ((n = recv(sock, &b, 1, MSG_DONTWAIT)) < 0 && errno == EINTR)
        ;
    if (n != 1 || b != TT_SHIM_DONE_BYTE || z->n_idle >= ZYGOTE_MAX_IDLE) {
        close(sock);
        return;
    }
    tt_grow((void **)&z->idle, &z->cap_idle, z->n_idle + 1, sizeof *z->idle);
    z->idle[z->n_idle++] = (tt_zygote_idle){pid, start, sock};
}

int tt_zygote_send(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                   char *const *trial_argv, char *const *envp, tt_error *err)
{
    if (z->broken)
        return 1;
    if (!trial_argv || !trial_argv[0])
        return tt_error_set(err, TT_ERR_INVALID, "no command to run");
    size_t len;
    char *req = build_request(trial_dir, grace_s, next_token(z), trial_argv,
                              envp ? envp : environ, &len);
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
            zygote_close(z);
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
    int shim_sock = -1;
    int rc = recv_reply(z->sock, &rep, &shim_sock, mono_ms() + timeout_ms);
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
    if (rep.pid <= 0 || shim_sock < 0) {
        if (shim_sock >= 0)
            close(shim_sock);
        return tt_error_set(err, TT_ERR_IO, "cannot start the shim: %s",
                            strerror(rep.pid <= 0 ? rep.error : EBADF));
    }
    /* Sends to it must not block the runner (a stopped shim, its buffer
     * full): send_all waits with a time limit. */
    fcntl(shim_sock, F_SETFL, fcntl(shim_sock, F_GETFL) | O_NONBLOCK);
    a->pid = rep.pid;
    a->start = rep.start;
    a->sock = shim_sock;
    a->token = rep.token;
    return 0;
}

int tt_zygote_spawn(tt_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *sock_out, int *token_out, tt_error *err)
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
    if (sock_out)
        *sock_out = a.sock;
    else
        close(a.sock);
    return 0;
}

#endif
