/*
 * zygote_client — the runner's end of the zygote and of the pooled shims
 * it forks (the zygote itself and the protocol: src/shim/zygote.c,
 * tunetop/shim.h).
 *
 * The runner starts `tunetop-shim __zygote` on first use, sends it a
 * request when no shim of its own is idle, and takes the answers in
 * request order (it may send the next request before the last answer:
 * exec_local.c). A shim whose trial ended says so with one byte on its socket
 * and is kept for the next trial (rn_zygote_release, rn_zygote_reuse), the
 * latest first. Nothing here may block the runner's loop for long: every
 * send and receive has a time limit, and a zygote that misses it is given
 * up for good (shims are then started by exec, shim_spawn.c).
 */
#include "shim_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

static int zygote_start(rn_zygote *z, const char *exe, tt_error *err)
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
    char *argv[] = {(char *)"tunetop", (char *)TT_ZYGOTE_COMMAND, NULL};
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
static void zygote_close(rn_zygote *z)
{
    if (z->sock >= 0)
        close(z->sock);
    z->sock = -1;
    z->pid = 0;
}

void rn_zygote_stop(rn_zygote *z)
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
static int recv_reply(int fd, tt_zygote_reply *rep, int *shim_sock, double deadline)
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

/* A request in tt_zygote_header's format (tunetop/shim.h), header
 * included, as the zygote and the shims read it (src/shim/request.c);
 * malloc'd, its size in *len_out. */
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
 * Answers it still owed are lost: the next rn_zygote_receive says so. */
static void give_up(rn_zygote *z)
{
    if (z->pid > 0)
        kill(z->pid, SIGKILL);
    zygote_close(z);
    z->broken = true;
    z->lost = z->pending;
    z->pending = 0;
}

/* Tokens tell this runner's requests apart for as long as it runs. */
static int next_token(rn_zygote *z)
{
    z->tokens = z->tokens >= INT32_MAX ? 1 : z->tokens + 1;
    return z->tokens;
}

/* Idle shims kept beyond this many are sent away: a sweep whose
 * parallelism was lowered does not keep a crowd of them. */
#define ZYGOTE_MAX_IDLE 16

int rn_zygote_reuse(rn_zygote *z, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, rn_zygote_answer *a,
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
        rn_zygote_idle s = z->idle[--z->n_idle];
        if (send_all(s.sock, req, len, mono_ms() + ZYGOTE_TIMEOUT_MS) == 0) {
            *a = (rn_zygote_answer){s.pid, s.start, s.sock, token};
            rc = 0;
            break;
        }
        close(s.sock);
    }
    free(req);
    return rc;
}

void rn_zygote_release(rn_zygote *z, pid_t pid, uint64_t start, int sock)
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
    z->idle[z->n_idle++] = (rn_zygote_idle){pid, start, sock};
}

int rn_zygote_send(rn_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
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
    /* A zygote that died and was reaped (the loop's waitpid(-1)) can still
     * look connected: a shim it forked a moment before holds a copy of its
     * socket until the shim first runs and closes it. A request sent then
     * is buffered, never served, and read back as a reset ("did not
     * answer", seen under ASan on a loaded machine); start a new one now. */
    if (z->pid > 0 && z->pending == 0 && kill(z->pid, 0) != 0 && errno == ESRCH)
        zygote_close(z);
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

int rn_zygote_receive(rn_zygote *z, int timeout_ms, rn_zygote_answer *a, tt_error *err)
{
    if (z->lost > 0) {
        z->lost--;
        return tt_error_set(err, TT_ERR_IO, "the zygote was lost while it started this trial");
    }
    if (z->pending == 0 || z->sock < 0)
        return 1;
    tt_zygote_reply rep;
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

int rn_zygote_spawn(rn_zygote *z, const char *shim_exe, const char *trial_dir, double grace_s,
                    char *const *trial_argv, char *const *envp, pid_t *pid_out,
                    uint64_t *start_out, int *sock_out, int *token_out, tt_error *err)
{
    int rc = rn_zygote_send(z, shim_exe, trial_dir, grace_s, trial_argv, envp, err);
    if (rc != 0)
        return rc;
    rn_zygote_answer a;
    rc = rn_zygote_receive(z, ZYGOTE_TIMEOUT_MS, &a, err);
    if (rc == 1) {
        give_up(z);
        return rn_zygote_receive(z, 0, &a, err); /* reports the loss */
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
