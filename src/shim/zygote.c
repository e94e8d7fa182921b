/*
 * zygote — one small process per runner that forks shims.
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
 * on its own socket (shim_serve) instead of exiting. A shim still
 * supervises one trial at a time, as detached as an exec'd one — its own
 * session, no fd of the runner's but its socket — so a trial outlives the
 * runner and the zygote alike.
 *
 * A trial's end is no longer its shim's exit, so the runner cannot watch a
 * pidfd: it polls the shim's socket, on which the shim writes one byte
 * once the trial's exit.status is written (or which closes when the shim
 * dies or leaves): the runner wakes at once, as SIGCHLD did, and then
 * keeps the shim for its next trial. A request carries a token (a number
 * the runner chose); the runner asks a pooled shim to end its trial with
 * sigqueue(SIGTERM, token), so a request that arrives late, when the shim
 * has moved on to another trial, is ignored rather than ending the wrong
 * one.
 *
 * Protocol (tunetop/shim.h): the runner sends a request (tt_zygote_header
 * and its strings) to the zygote, on a socketpair that is fd TT_ZYGOTE_FD
 * in the zygote, when no shim is idle; the zygote serves them one after
 * the other, forking a shim whose first trial it is, and answers each, in
 * order, with a tt_zygote_reply and the runner's end of the shim's socket
 * attached; the runner may send the next request before the answer to the
 * last. Later requests go from the runner straight to an idle shim's
 * socket. EOF on the zygote's socket, which the kernel also gives when the
 * runner dies, ends the zygote; EOF on a shim's ends the shim, once its
 * trial is over. The runner's end of all this is
 * src/runner/zygote_client.c.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
static void serve(int runner, const tt_zygote_header *h, char *buf, tt_zygote_reply *rep,
                  int *shim_sock)
{
    shim_request req;
    char **vec = shim_request_split(buf, h->length, h->argc, h->envc, &req);
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
     * blocked, as an exec'd shim does from rn_shim_spawn. */
    sigset_t shim_set, old;
    tt_shim_signal_set(&shim_set);
    sigprocmask(SIG_BLOCK, &shim_set, &old);
    pid_t pid = fork();
    if (pid == 0) {
        /* Nothing of the runner's channel: the zygote holds no other fd
         * (each shim's socket went to the runner), so a shim keeps none
         * of another's open. */
        close(runner);
        close(sv[0]);
        _exit(shim_serve(sv[1], &req));
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
        int rc = shim_read_full(fd, &h, sizeof h);
        if (rc != 0)
            return rc == 1 ? 0 : 1;
        if (h.length > TT_ZYGOTE_MAX_REQUEST)
            return 1; /* cannot be ours: stop rather than guess */
        char *buf = malloc((size_t)h.length + 1);
        if (!buf || shim_read_full(fd, buf, h.length) != 0) {
            free(buf);
            return 1;
        }
        tt_zygote_reply rep = {0, 0, 0, 0, 0};
        int shim_sock = -1;
        serve(fd, &h, buf, &rep, &shim_sock);
        free(buf);
        send_with_fd(fd, &rep, sizeof rep, shim_sock);
        if (shim_sock >= 0)
            close(shim_sock);
    }
}
