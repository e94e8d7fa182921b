/*
 * wait — the runner's one poll() between ticks: on the signal self-pipe,
 * the fds executors wait on for answers (the zygote's socket), inotify on
 * the trial folders, and every running trial's end fd, with the tick's
 * timeout. It decides when the next tick is due; the loop (loop.c) runs it.
 */
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "internal.h"

/* ≤ 250 ms between looks at trial files; a trial's end fd
 * wakes the loop at once when it is over. */
#define TICK_MS 100

#define RECORD_START_WITHIN_S 0.005
/* Output written to a trial's folder wakes the loop (inotify), but ticks
 * stay at least this far apart: a trial printing without pause must not
 * turn each write into a transaction. */
#define OUTPUT_TICK_GAP_S 0.01
/* Executors that may wait for answers at once (rn_executors has two). */
#define MAX_EXECUTORS 8

/* Reads every pending inotify event; whether one was about a trial's
 * output (its logs or metrics.csv growing or appearing). The shim's own
 * files (exit.status, shim.log) are not output: a trial's end comes
 * through its end fd. */
static bool drain_output_events(int fd)
{
    bool output = false;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    while ((len = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len > 0 && (strcmp(ev->name, TT_SHIM_STDOUT) == 0 ||
                                strcmp(ev->name, TT_SHIM_STDERR) == 0 ||
                                strcmp(ev->name, "metrics.csv") == 0))
                output = true;
            p += sizeof *ev + ev->len;
        }
    }
    return output;
}

/* Sleeps until a signal, a trial's end (its end fd) or the next tick.
 * Answers to an executor (the zygote's) are taken here without a tick
 * (they only fill in pids and end fds; the next tick stores them), and the wait goes on with
 * the new end fds. An end fd that fired is left out afterwards: it stays
 * readable, and the tick that ends its trial may be delayed (a busy
 * database). Returns > 0 when something needs a tick; *signalled says
 * whether the self-pipe was among it (a signal, or a job thread done). */
int rn_wait_for_events(rn_runner *r, bool *signalled)
{
    *signalled = false;
    double deadline = rn_now_mono() + TICK_MS / 1000.0;
    bool output_seen = false;
    for (;;) {
        tt_grow((void **)&r->pollfds, &r->cap_pollfds, r->n_live + 2 + MAX_EXECUTORS,
                sizeof *r->pollfds);
        size_t n = 0;
        r->pollfds[n++] = (struct pollfd){.fd = r->sig_pipe[0], .events = POLLIN};
        /* Executors waiting for answers (the zygote's): slots 1.. */
        const rn_executor_ops *waiting[MAX_EXECUTORS];
        size_t n_waiting = 0;
        for (size_t x = 0; rn_executors[x] && n_waiting < MAX_EXECUTORS; x++) {
            int fd = rn_executors[x]->wake_fd ? rn_executors[x]->wake_fd(r) : -1;
            if (fd >= 0) {
                waiting[n_waiting++] = rn_executors[x];
                r->pollfds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
            }
        }
        /* Once output was seen the tick is due at the gap's end: the
         * inotify fd is left out until then. */
        size_t ino = n;
        if (r->inotify_fd >= 0 && !output_seen)
            r->pollfds[n++] = (struct pollfd){.fd = r->inotify_fd, .events = POLLIN};
        size_t first_end_fd = n;
        for (size_t i = 0; i < r->n_live; i++)
            if (r->live[i]->end_fd >= 0 && !r->live[i]->end_fired)
                r->pollfds[n++] = (struct pollfd){.fd = r->live[i]->end_fd, .events = POLLIN};
        double left_ms = (deadline - rn_now_mono()) * 1000.0;
        int ready = poll(r->pollfds, (nfds_t)n, left_ms > 0 ? (int)left_ms + 1 : 0);
        if (ready <= 0)
            return ready;
        if (r->pollfds[0].revents)
            *signalled = true;
        int others = ready;
        for (size_t x = 0; x < n_waiting; x++) {
            if (!r->pollfds[1 + x].revents)
                continue;
            waiting[x]->collect(r, 0);
            others--;
            /* A start the store does not know yet is what a runner killed
             * now would leave behind: record it within a few ms, sooner
             * if a trial event comes first. */
            double soon = rn_now_mono() + RECORD_START_WITHIN_S;
            if (soon < deadline)
                deadline = soon;
        }
        if (ino < first_end_fd && r->pollfds[ino].revents) {
            others--;
            if (drain_output_events(r->inotify_fd)) {
                output_seen = true;
                double due = r->tick_at + OUTPUT_TICK_GAP_S;
                if (due < deadline)
                    deadline = due;
            }
        }
        for (size_t i = first_end_fd, k = 0; i < n; i++) {
            while (r->live[k]->end_fd != r->pollfds[i].fd)
                k++;
            if (r->pollfds[i].revents)
                r->live[k]->end_fired = true;
        }
        /* An executor that answered with nothing else to do: a failed
         * start needs a tick to be recorded. */
        for (size_t i = 0; i < r->n_live && others == 0; i++)
            others += r->live[i]->start_error != NULL;
        if (others > 0)
            return others;
    }
}
