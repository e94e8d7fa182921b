/*
 * signals — the runner's self-pipe. Its signal handlers only write the
 * signal's number to the pipe (as worker threads write RN_WAKE_* bytes);
 * the loop polls the pipe and acts on what it reads (loop.c), outside any
 * handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int sig_write_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_write_fd >= 0 && write(sig_write_fd, &b, 1) < 0) {
        /* The pipe is full: the loop already has wake-ups pending. */
    }
    errno = saved;
}

void rn_signals_install(rn_runner *r)
{
    sig_write_fd = r->sig_pipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void rn_signals_restore(void)
{
    signal(SIGCHLD, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sig_write_fd = -1;
}

int rn_signals_open(rn_runner *r, tt_error *err)
{
    if (pipe2(r->sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return tt_error_set(err, TT_ERR_IO, "cannot create a pipe: %s", strerror(errno));
    return 0;
}
