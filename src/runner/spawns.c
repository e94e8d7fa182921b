/*
 * spawns — trials whose shim the zygote is starting.
 *
 * The runner sends the zygote its request and goes on with its tick
 * (commit, next poll) instead of waiting for the fork: that wait, 0.1-0.2 ms
 * per trial, was on the path between one trial's end and the next start
 * (docs/benchmarks.md). The zygote answers in request order on its socket,
 * which the loop polls; an answer is taken in memory at once
 * (rn_spawns_collect: pid, start time, end fd), so the trial's end can wake
 * the loop, and reaches the store at the next tick, in that tick's
 * transaction (rn_spawns_record), with the ends of trials the zygote could
 * not start. Until the store has the pid the trial is as a trial whose
 * tick was never committed: a runner killed then leaves it to the next
 * one's set_aside_unrecorded (schedule.c).
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void rn_spawns_add(rn_runner *r, rn_live *lv)
{
    lv->spawning = true;
    tt_grow((void **)&r->spawning, &r->cap_spawning, r->n_spawning + 1, sizeof *r->spawning);
    r->spawning[r->n_spawning++] = lv;
}

/* The answer (or the failure) for the oldest request goes to lv. */
static void take(rn_runner *r, rn_live *lv, int rc, const tt_zygote_answer *a, const char *why)
{
    (void)r;
    lv->spawning = false;
    if (rc < 0) {
        lv->spawn_error = tt_xstrdup(why);
        return;
    }
    lv->pid = a->pid;
    lv->pid_start = a->start;
    lv->end_fd = a->sock;
    lv->token = a->token;
    lv->start_unrecorded = true;
    /* A kill, a stop or a prune asked while the zygote was starting it. */
    if (lv->end_request != RN_END_NONE) {
        rn_live_signal_shim(lv, SIGTERM);
        lv->end_sent_at = rn_now_mono();
    }
}

void rn_spawns_collect(rn_runner *r, int timeout_ms)
{
    while (r->n_spawning > 0) {
        tt_zygote_answer a = {0, 0, -1, 0};
        tt_error err = {0};
        int rc = tt_zygote_receive(&r->zygote, timeout_ms, &a, &err);
        if (rc == 1)
            return;
        rn_live *lv = r->spawning[0];
        memmove(r->spawning, r->spawning + 1, --r->n_spawning * sizeof *r->spawning);
        take(r, lv, rc, &a, err.msg);
    }
}

void rn_spawns_record(rn_runner *r)
{
    for (size_t i = 0; i < r->n_live;) {
        rn_live *lv = r->live[i];
        if (lv->spawn_error) {
            rn_live_finished(r, lv, TT_TRIAL_FAILED, NAN, lv->spawn_error);
            rn_live_free(lv);
            r->live[i] = r->live[--r->n_live];
            continue;
        }
        if (lv->start_unrecorded) {
            rn_live_record_start(r, lv, (long)lv->pid, lv->pid_start, NULL);
            lv->start_unrecorded = false;
        }
        i++;
    }
}
