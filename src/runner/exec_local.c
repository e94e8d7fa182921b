/*
 * exec_local — the local executor: trials run on this machine, each under a
 * shim (shim.c) that the zygote forks (zygote.c) and that stays pooled for
 * the next trial once its own is over.
 *
 * A start: an idle pooled shim takes the trial at once; else the zygote is
 * asked to fork one; a zygote that cannot (it died, fds ran out) is replaced
 * by posix_spawn of a shim from the runner itself, slower. The runner sends
 * the zygote its request and goes on with its tick (commit, next poll)
 * instead of waiting for the fork: that wait, 0.1-0.2 ms per trial, was on
 * the path between one trial's end and the next start (docs/benchmarks.md).
 * The zygote answers in request order on its socket, which the loop polls
 * (wake_fd); an answer is taken in memory at once (collect: pid, start time,
 * end fd), so the trial's end can wake the loop, and reaches the store at
 * the next tick, in that tick's transaction (rn_live_record_starts, live.c),
 * with the ends of trials the zygote could not start (start_error). Until
 * the store has the pid the trial is as a trial whose tick was never
 * committed: a runner killed then leaves it to the next one's
 * set_aside_unrecorded (schedule.c). This file calls no runner file but
 * say.c.
 *
 * An end: the shim writes exit.status, then its socket (a pooled shim) or
 * its pidfd (any other) reads as ended. A shim that ignores SIGTERM past its
 * grace period is SIGKILLed with its trial's group; a shim gone without a
 * status leaves its trial to be found by the folder in its environment and
 * killed (orphans).
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The executor's state in the runner (r->local). */
typedef struct rn_local_exec {
    rn_zygote zygote;        /* starts the shims */
    rn_live **spawning;      /* its requests not yet answered, oldest first */
    size_t n_spawning, cap_spawning;
} rn_local_exec;

static rn_local_exec *local_of(rn_runner *r)
{
    if (!r->local) {
        r->local = tt_xcalloc(1, sizeof *r->local);
        r->local->zygote = (rn_zygote)TT_ZYGOTE_INIT;
    }
    return r->local;
}

/* Sends sig to the trial's shim while it supervises this trial: to a
 * pooled shim with the trial's token (sigqueue), so that a shim that has
 * moved on to another trial ignores it; to any other by kill, when its pid
 * still names it. */
static void signal_shim(const rn_live *lv, int sig)
{
    if (lv->token != 0) {
        /* Once end_fd reads as ended the shim may run another trial: looked
         * at now, not only at the last poll, since a SIGKILL carries no
         * token the shim could check. */
        struct pollfd p = {.fd = lv->end_fd, .events = POLLIN};
        if (!lv->end_fired && lv->end_fd >= 0 && poll(&p, 1, 0) == 0)
            sigqueue(lv->pid, sig, (union sigval){.sival_int = lv->token});
    } else if (tt_proc_alive(lv->pid, lv->pid_start)) {
        kill(lv->pid, sig);
    }
}

/* SIGKILLs the process groups of whatever still runs with
 * TUNETOP_TRIAL_DIR=dir (a trial whose supervisor was killed); whether
 * there was any. */
static bool kill_orphans(const char *dir)
{
    char *entry = tt_xasprintf("TUNETOP_TRIAL_DIR=%s", dir);
    bool any = rn_proc_kill_groups_with_env(entry, SIGKILL) > 0;
    free(entry);
    return any;
}

/* ---- starting ---------------------------------------------------------------- */

static void spawns_add(rn_runner *r, rn_live *lv)
{
    rn_local_exec *x = local_of(r);
    lv->starting = true;
    tt_grow((void **)&x->spawning, &x->cap_spawning, x->n_spawning + 1, sizeof *x->spawning);
    x->spawning[x->n_spawning++] = lv;
}

static int local_start(rn_runner *r, rn_live *lv, char *const *argv, char *const *envp,
                       tt_error *err)
{
    rn_local_exec *x = local_of(r);
    pid_t pid = 0;
    uint64_t start = 0;
    /* An idle shim of ours takes it at once; else the zygote forks one
     * (its answer comes later: local_collect). */
    rn_zygote_answer idle;
    int rc = rn_zygote_reuse(&x->zygote, lv->dir, RN_SHIM_GRACE_S, argv, envp, &idle, err);
    bool reused = rc == 0;
    if (reused) {
        lv->pid = idle.pid;
        lv->pid_start = idle.start;
        lv->end_fd = idle.sock;
        lv->token = idle.token;
        lv->start_unrecorded = true; /* stored by rn_live_record_starts */
    } else if (rc == 1) {
        rc = rn_zygote_send(&x->zygote, r->self_exe, lv->dir, RN_SHIM_GRACE_S, argv, envp, err);
    }
    if (rc == 1) {
        if (!x->zygote.broken_said)
            rn_runner_event(r, lv->number, "warning",
                            "the zygote cannot start shims; the runner starts them itself "
                            "from now on (slower)");
        x->zygote.broken_said = true;
        rc = rn_shim_spawn(r->self_exe, lv->dir, RN_SHIM_GRACE_S, argv, envp, &pid, &start, err);
        if (rc == 0) {
            lv->end_fd = tt_proc_pidfd(pid);
            lv->pid = pid;
            lv->pid_start = start;
            lv->start_unrecorded = true; /* stored by rn_live_record_starts */
        }
    } else if (rc == 0 && !reused) {
        spawns_add(r, lv);
    }
    if (rc < 0)
        return rc;
    lv->started_mono = rn_now_mono();
    return 0;
}

/* The answer (or the failure) for the oldest request goes to lv. */
static void take(rn_live *lv, int rc, const rn_zygote_answer *a, const char *why)
{
    lv->starting = false;
    if (rc < 0) {
        lv->start_error = tt_xstrdup(why);
        return;
    }
    lv->pid = a->pid;
    lv->pid_start = a->start;
    lv->end_fd = a->sock;
    lv->token = a->token;
    lv->start_unrecorded = true;
    /* A kill, a stop or a prune asked while the zygote was starting it. */
    if (lv->end_request != RN_END_NONE) {
        signal_shim(lv, SIGTERM);
        lv->end_sent_at = rn_now_mono();
    }
}

static int local_wake_fd(rn_runner *r)
{
    rn_local_exec *x = r->local;
    return x && x->n_spawning > 0 && x->zygote.sock >= 0 ? x->zygote.sock : -1;
}

static void local_collect(rn_runner *r, int timeout_ms)
{
    rn_local_exec *x = r->local;
    while (x && x->n_spawning > 0) {
        rn_zygote_answer a = {0, 0, -1, 0};
        tt_error err = {0};
        int rc = rn_zygote_receive(&x->zygote, timeout_ms, &a, &err);
        if (rc == 1)
            return;
        rn_live *lv = x->spawning[0];
        memmove(x->spawning, x->spawning + 1, --x->n_spawning * sizeof *x->spawning);
        take(lv, rc, &a, err.msg);
    }
}

/* The answers that came since the last look; the tick then stores them
 * (rn_live_record_starts). */
static void local_tick(rn_runner *r)
{
    local_collect(r, 0);
}

/* ---- a restarted runner ------------------------------------------------------ */

static bool local_owns_record(const char *job_id)
{
    return !job_id || !*job_id;
}

static bool local_may_run(long pid, uint64_t pid_start)
{
    return tt_proc_alive((pid_t)pid, pid_start);
}

static void local_adopt(rn_runner *r, rn_live *lv, const char *job_id)
{
    (void)r;
    (void)job_id;
    /* Its end then wakes the loop at once, as for a shim of ours; opened
     * before the liveness check, so it cannot name a recycled pid. A trial
     * whose exit.status is there is over even if its shim lives on: a
     * pooled shim (zygote.c) writes it before it takes another trial. */
    tt_shim_status st;
    bool over = rn_shim_read_status(lv->dir, &st) == 0;
    if (!over) {
        lv->end_fd = tt_proc_pidfd(lv->pid);
        if (lv->end_fd >= 0 && !tt_proc_alive(lv->pid, lv->pid_start)) {
            close(lv->end_fd);
            lv->end_fd = -1;
        }
    }
}

/* ---- ending ------------------------------------------------------------------ */

static void local_request_end(rn_runner *r, rn_live *lv)
{
    (void)r;
    if (lv->starting)
        return; /* signalled when the zygote says which pid it is (take) */
    signal_shim(lv, SIGTERM);
}

static bool local_poll_end(rn_runner *r, rn_live *lv, rn_exec_end *end)
{
    (void)r;
    /* A trial whose end fd has not fired is still running, and its shim
     * writes exit.status before the fd fires: nothing to read yet. */
    bool running = lv->end_fd >= 0 && !lv->end_fired;
    int looked = running ? -TT_ERR_IO : rn_shim_read_status(lv->dir, &end->status);
    if (looked == -TT_ERR_BUSY)
        return false; /* could not look (no descriptor left): the next tick will */
    end->have_status = looked == 0;
    if (!end->have_status) {
        /* A pooled shim lives on after its trial: once the end fd fired
         * without a status, the trial is over all the same. */
        if (running || (lv->token == 0 && tt_proc_alive(lv->pid, lv->pid_start))) {
            /* A shim that ignores our SIGTERM past its own grace period. */
            if (lv->end_request != RN_END_NONE && !lv->kill_escalated &&
                rn_now_mono() - lv->end_sent_at > RN_SHIM_GRACE_S + 5) {
                /* The shim's only child leads the trial's group. */
                pid_t pgid = tt_proc_first_child(lv->pid);
                if (pgid > 1)
                    tt_proc_kill_group(pgid, SIGKILL);
                signal_shim(lv, SIGKILL);
                lv->kill_escalated = true;
            }
            return false;
        }
        /* The shim may have written its status just before exiting. */
        looked = rn_shim_read_status(lv->dir, &end->status);
        if (looked == -TT_ERR_BUSY)
            return false;
        end->have_status = looked == 0;
    }
    /* A supervisor gone without a status (kill -9 of the shim) leaves its
     * trial running, re-parented to init: stopped here, before the end is
     * recorded and a retry can start the same command beside it. */
    end->orphans_stopped = !end->have_status && kill_orphans(lv->dir);
    return true;
}

/* A pooled shim that said its trial is over waits for the next one. */
static void local_ended(rn_runner *r, rn_live *lv)
{
    if (lv->token != 0 && lv->end_fd >= 0) {
        rn_zygote_release(&local_of(r)->zygote, lv->pid, lv->pid_start, lv->end_fd);
        lv->end_fd = -1;
    }
}

static void local_free(rn_runner *r)
{
    if (!r->local)
        return;
    rn_zygote_stop(&r->local->zygote);
    free(r->local->spawning);
    free(r->local);
    r->local = NULL;
}

const rn_executor_ops rn_exec_local = {
    .name = "local",
    .kind = TT_EXECUTOR_LOCAL,
    .starting = "running",
    .prepares_folders = true,
    .start = local_start,
    .owns_record = local_owns_record,
    .may_run = local_may_run,
    .stop_lost = kill_orphans,
    .adopt = local_adopt,
    .poll_end = local_poll_end,
    .request_end = local_request_end,
    .ended = local_ended,
    .wake_fd = local_wake_fd,
    .collect = local_collect,
    .tick = local_tick,
    .free = local_free,
};
