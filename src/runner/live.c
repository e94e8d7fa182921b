/*
 * live — one running trial as the runner sees it, whatever executor runs
 * it: the files it tails (stdout.log, stderr.log, metrics.csv), the metric
 * points it stores, the objective so far, its trial_timeout, and its end:
 * its executor (lv->exec) says when it is over and how the world saw it
 * (exit.status, a shim gone, Slurm's verdict); outcome.c names the state.
 *
 * Files are read with plain reads from a remembered offset, never through
 * pipes, so a trial never dies of SIGPIPE when the runner goes away, and a
 * restarted runner resumes exactly at the persisted `consumed` offsets.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Over-long lines are cut here (a 10 MB line costs 1 MB of memory). */
#define MAX_LINE (1u << 20)
/* Per file and tick: bounded so one chatty trial cannot starve the others,
 * large enough that 100k-line bursts are ingested in one tick. */
#define READ_PER_TICK (8u << 20)

static const char *const tail_names[RN_TAIL_COUNT] = {"stdout.log", "stderr.log", "metrics.csv"};

rn_live *rn_live_new(rn_runner *r, long number, int attempt, const char *dir)
{
    rn_live *lv = tt_xcalloc(1, sizeof *lv);
    lv->number = number;
    lv->attempt = attempt;
    lv->run = -1;
    lv->dir = tt_xstrdup(dir);
    lv->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    lv->slot = -1;
    lv->end_fd = -1;
    /* A restarted runner's trials get the executor of their record instead
     * (rn_live_resume). */
    lv->exec = rn_executor_for(r->sweep);
    /* With a pruner, new output wakes the loop (loop.c): a report is
     * judged, and a hopeless trial stopped, within ~10 ms rather than at
     * the next tick (up to 100 ms: 4-6 more epochs of a fast trainer,
     * docs/pruning.md). Without one the ticks are soon enough, and the
     * watch and its wake-ups cost short trials 0.04 ms each (bench/runner).
     * No inotify (an old kernel, the limit on instances reached): ticks. */
    if (r->inotify_fd < 0 && r->sweep &&
        (r->sweep->pruner.kind != TT_PRUNER_NONE || r->sweep->early_terminate.enabled))
        r->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    lv->inotify_fd = r->inotify_fd;
    lv->watch = r->inotify_fd >= 0 ? inotify_add_watch(r->inotify_fd, dir,
                                                       IN_MODIFY)
                                   : -1;
    lv->last_step = -1;
    lv->value = NAN;
    for (int i = 0; i < RN_TAIL_COUNT; i++) {
        lv->tails[i].name = tail_names[i];
        lv->tails[i].fd = -1;
    }
    tt_line_splitter_init(&lv->lines[0], MAX_LINE);
    tt_line_splitter_init(&lv->lines[1], MAX_LINE);
    lv->csv = tt_metric_csv_new();
    return lv;
}

void rn_live_free(rn_live *lv)
{
    if (!lv)
        return;
    for (int i = 0; i < RN_TAIL_COUNT; i++)
        if (lv->tails[i].fd >= 0)
            close(lv->tails[i].fd);
    if (lv->dirfd >= 0)
        close(lv->dirfd);
    if (lv->end_fd >= 0)
        close(lv->end_fd);
    if (lv->watch >= 0)
        inotify_rm_watch(lv->inotify_fd, lv->watch);
    tt_line_splitter_free(&lv->lines[0]);
    tt_line_splitter_free(&lv->lines[1]);
    tt_metric_csv_free(lv->csv);
    if (lv->exec && lv->exec->free_trial)
        lv->exec->free_trial(lv);
    for (size_t i = 0; i < lv->n_stderr_last; i++)
        free(lv->stderr_last[i]);
    free(lv->end_reason);
    free(lv->start_error);
    free(lv->dir);
    free(lv);
}

/* ---- metrics ------------------------------------------------------------- */

typedef struct ingest_ctx {
    rn_runner *r;
    rn_live *lv;
    bool is_stderr;
} ingest_ctx;

static bool wanted(const tt_sweep *sw, const char *name)
{
    if (!sw->metric.name)
        return true; /* nothing declared: keep every metric */
    if (strcmp(sw->metric.name, name) == 0)
        return true;
    for (size_t i = 0; i < sw->n_metrics; i++)
        if (strcmp(sw->metrics[i], name) == 0)
            return true;
    return false;
}

static void record_point(rn_runner *r, rn_live *lv, long step, const char *name, double value)
{
    tt_error err = {0};
    if (tt_store_add_run_metric(r->store, lv->number, lv->attempt, lv->run < 0 ? 0 : lv->run,
                                step, name, value, rn_now_wall(), &err) < 0)
        rn_runner_say(r, "trial %ld: cannot store metric: %s", lv->number, err.msg);
    /* A pruned trial's last step and value stay those it was pruned at:
     * reports that arrive before SIGTERM lands are stored as points, but
     * must not count as progress (the pruner and TPE read last_step) nor
     * change the value the pruner's reason names (a late epoch once made a
     * pruned trial look better than the best completed one). */
    bool pruned = lv->end_request == RN_END_PRUNE;
    if (step > lv->last_step && !pruned)
        lv->last_step = step;
    const tt_metric_spec *m = &r->sweep->metric;
    if (m->name && strcmp(m->name, name) == 0 && !pruned) {
        /* "last" takes every report, so a final NaN makes the trial fail as
         * non-finite; "best" ignores NaN reports once a number was seen. */
        bool better = m->goal == TT_GOAL_MINIMIZE ? value < lv->value : value > lv->value;
        if (m->summary == TT_SUMMARY_LAST || !lv->has_value || isnan(lv->value) ||
            (!isnan(value) && better))
            lv->value = value;
        lv->has_value = true;
        rn_prune_report(r, lv, step, value);
    }
    lv->dirty = true;
}

static void on_csv_point(long step, const char *name, double value, void *ud)
{
    ingest_ctx *c = ud;
    record_point(c->r, c->lv, step, name, value);
}

/* Keep the last few stderr lines, printable only, for failure reasons. */
static void keep_stderr(rn_live *lv, const char *line, size_t len)
{
    if (len == 0)
        return;
    if (len > 200)
        len = 200;
    char *copy = tt_xstrndup(line, len);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (lv->n_stderr_last == RN_STDERR_KEEP) {
        free(lv->stderr_last[0]);
        memmove(lv->stderr_last, lv->stderr_last + 1,
                (RN_STDERR_KEEP - 1) * sizeof lv->stderr_last[0]);
        lv->n_stderr_last--;
    }
    lv->stderr_last[lv->n_stderr_last++] = copy;
}

static void on_line(const char *line, size_t len, bool truncated, void *ud)
{
    ingest_ctx *c = ud;
    rn_live *lv = c->lv;
    if (c->is_stderr)
        keep_stderr(lv, line, len);
    /* The cut end of an over-long line may hold half a number. */
    if (truncated)
        return;
    tt_metric_line ml;
    size_t n = tt_metric_parse_line(line, len, &ml);
    if (ml.has_step) {
        /* "Epoch 3/10" alone on a line (Keras) numbers the reports after it. */
        lv->line_step = ml.step;
        lv->has_line_step = true;
    }
    if (n == 0)
        return;
    long step = ml.has_step ? ml.step : lv->has_line_step ? lv->line_step : lv->next_report;
    bool any = false;
    for (size_t i = 0; i < ml.n; i++) {
        if (!wanted(c->r->sweep, ml.kv[i].name))
            continue;
        record_point(c->r, lv, step, ml.kv[i].name, ml.kv[i].value);
        any = true;
    }
    if (any && !ml.has_step && !lv->has_line_step)
        lv->next_report++;
}

/* ---- tailing --------------------------------------------------------------- */

/* A trial file that is a symlink, a FIFO, a device…: recorded once as a
 * warning event (the trial's own code, or someone else, planted it), then
 * skipped; it is looked at again only if it becomes a regular file. */
static void refuse_tail(rn_runner *r, rn_live *lv, rn_tail *t, const char *what)
{
    if (t->refused)
        return;
    t->refused = true;
    rn_runner_event(r, lv->number, "warning", "%s is %s: not read", t->name, what);
}

static bool open_tail(rn_runner *r, rn_live *lv, rn_tail *t)
{
    if (t->fd >= 0)
        return true;
    if (lv->dirfd < 0)
        return false;
    /* O_NOFOLLOW: a symlink planted in a trial folder is not followed. */
    t->fd = openat(lv->dirfd, t->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (t->fd < 0) {
        if (errno == ELOOP)
            refuse_tail(r, lv, t, "a symbolic link");
        return false;
    }
    struct stat st;
    if (fstat(t->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(t->fd);
        t->fd = -1;
        refuse_tail(r, lv, t, "not a regular file");
        return false;
    }
    t->refused = false;
    t->ino = st.st_ino;
    t->offset = t->consumed;
    return true;
}

/* Warnings about one trial file, at most this many (a trial that recreates
 * its metrics.csv at every step must not flood the events table). */
#define TAIL_WARNINGS_MAX 3

static void tail_warning(rn_runner *r, rn_live *lv, rn_tail *t, const char *what)
{
    if (t->warnings >= TAIL_WARNINGS_MAX)
        return;
    t->warnings++;
    rn_runner_event(r, lv->number, "warning", "%s %s", t->name, what);
}

/* The file was truncated or replaced: start over from its beginning. A
 * deleted file is still read through the open descriptor (the trial may
 * write on). Both are said once as warning events on the trial, since a
 * metric history that stops or restarts needs explaining (chaos test
 * test_misbehaving_trials). */
static bool check_replaced(rn_runner *r, rn_live *lv, rn_tail *t, int which)
{
    struct stat by_name, by_fd;
    bool replaced = false;
    int named = fstatat(lv->dirfd, t->name, &by_name, AT_SYMLINK_NOFOLLOW);
    int name_errno = named == 0 ? 0 : errno;
    if (named == 0 && by_name.st_ino != t->ino)
        replaced = true;
    else if (fstat(t->fd, &by_fd) == 0 && (uint64_t)by_fd.st_size < t->offset)
        replaced = true;
    if (name_errno == ENOENT && !t->gone) {
        t->gone = true;
        tail_warning(r, lv, t, "was deleted while the trial ran: the metrics read from it are kept");
    }
    if (!replaced)
        return false;
    t->gone = false;
    tail_warning(r, lv, t,
                 "was truncated or replaced while the trial ran: read again from its start "
                 "(the metrics read before are kept)");
    close(t->fd);
    t->fd = -1;
    t->offset = t->consumed = 0;
    if (which == RN_TAIL_CSV) {
        tt_metric_csv_reset(lv->csv);
        lv->csv_needs_header = false;
    }
    return true;
}

static void ignore_point(long step, const char *name, double value, void *ud)
{
    (void)step;
    (void)name;
    (void)value;
    (void)ud;
}

/* A resumed CSV continues where the last runner stopped: replay what it had
 * ingested (points ignored, they are stored already) so the parser knows
 * the header and the row numbering, whatever the file's quoting. */
static void replay_csv(rn_runner *r, rn_live *lv, rn_tail *t)
{
    static char buf[1 << 16];
    uint64_t off = 0;
    lv->csv_needs_header = false;
    while (off < t->consumed) {
        size_t want = t->consumed - off < sizeof buf ? (size_t)(t->consumed - off) : sizeof buf;
        ssize_t n = pread(t->fd, buf, want, (off_t)off);
        if (n <= 0)
            break;
        tt_error err = {0};
        if (tt_metric_csv_feed(lv->csv, buf, (size_t)n, ignore_point, NULL, &err) < 0) {
            rn_runner_event(r, lv->number, "warning", "metrics.csv: %s", err.msg);
            break;
        }
        off += (uint64_t)n;
    }
}

/* Seconds between looks at a trial file's name (is it there yet, was it
 * replaced) while its trial runs. Reading what was appended needs neither,
 * and with short trials these looks were most of the runner's system
 * calls; a trial's end looks once more (final_drain). */
#define TAIL_LOOK_EVERY_S 0.25

static void poll_tail(rn_runner *r, rn_live *lv, int which, bool look)
{
    rn_tail *t = &lv->tails[which];
    double now = rn_now_mono();
    if (!look && now - t->looked_at < TAIL_LOOK_EVERY_S) {
        if (t->fd < 0)
            return;
    } else {
        t->looked_at = now;
        bool was_open = t->fd >= 0;
        if (!open_tail(r, lv, t))
            return;
        if (was_open && check_replaced(r, lv, t, which) && !open_tail(r, lv, t))
            return;
    }
    if (which == RN_TAIL_CSV && lv->csv_needs_header && t->consumed > 0)
        replay_csv(r, lv, t);
    static char buf[1 << 16];
    size_t budget = READ_PER_TICK;
    ingest_ctx c = {r, lv, which == RN_TAIL_STDERR};
    while (budget > 0) {
        ssize_t n = pread(t->fd, buf, sizeof buf, (off_t)t->offset);
        if (n <= 0)
            break;
        t->offset += (uint64_t)n;
        budget = (size_t)n > budget ? 0 : budget - (size_t)n;
        if (which == RN_TAIL_CSV) {
            tt_error err = {0};
            if (tt_metric_csv_feed(lv->csv, buf, (size_t)n, on_csv_point, &c, &err) < 0) {
                rn_runner_event(r, lv->number, "warning", "metrics.csv: %s", err.msg);
                t->offset = t->consumed = UINT64_MAX / 2; /* ignore the rest */
                break;
            }
            /* Persist only up to the last complete row. */
            t->consumed = tt_metric_csv_consumed(lv->csv);
        } else {
            tt_line_splitter *ls = &lv->lines[which];
            tt_line_splitter_feed(ls, buf, (size_t)n, on_line, &c);
            t->consumed = t->offset - ls->pending.len;
        }
        lv->dirty = true;
    }
}

void rn_live_poll(rn_runner *r, rn_live *lv)
{
    for (int i = 0; i < RN_TAIL_COUNT; i++)
        poll_tail(r, lv, i, false);
}

static void final_drain(rn_runner *r, rn_live *lv)
{
    /* To the end of every file: one poll reads at most READ_PER_TICK of
     * each, and a trial that printed faster than the runner reads has more
     * left when it ends (chaos test, flood of 4.7 M lines: 1.9 M were
     * stored before this loop). */
    for (bool look = true;; look = false) {
        uint64_t before = 0, after = 0;
        for (int i = 0; i < RN_TAIL_COUNT; i++)
            before += lv->tails[i].offset;
        for (int i = 0; i < RN_TAIL_COUNT; i++)
            poll_tail(r, lv, i, look);
        for (int i = 0; i < RN_TAIL_COUNT; i++)
            after += lv->tails[i].offset;
        if (after == before)
            break;
    }
    ingest_ctx out = {r, lv, false}, err_ctx = {r, lv, true}, csv = {r, lv, false};
    tt_line_splitter_finish(&lv->lines[0], on_line, &out);
    tt_line_splitter_finish(&lv->lines[1], on_line, &err_ctx);
    tt_error err = {0};
    tt_metric_csv_finish(lv->csv, on_csv_point, &csv, &err);
    for (int i = 0; i < RN_TAIL_COUNT; i++)
        lv->tails[i].consumed = lv->tails[i].offset;
}

void rn_live_flush(rn_runner *r, rn_live *lv)
{
    if (!lv->dirty)
        return;
    tt_error err = {0};
    uint64_t offsets[RN_TAIL_COUNT];
    for (int i = 0; i < RN_TAIL_COUNT; i++)
        offsets[i] = lv->tails[i].consumed;
    double value = lv->has_value ? lv->value : NAN;
    int rc = lv->run < 0 ? tt_store_trial_set_progress(r->store, lv->number, value,
                                                       lv->last_step, offsets, &err)
                         : tt_store_run_progress(r->store, lv->number, lv->attempt, lv->run,
                                                 value, lv->last_step, offsets, &err);
    if (rc < 0)
        rn_runner_say(r, "trial %ld: cannot save progress: %s", lv->number, err.msg);
    lv->dirty = false;
}

void rn_live_record_start(rn_runner *r, rn_live *lv, long pid, uint64_t pid_start,
                          const char *job_id)
{
    tt_error err = {0};
    int rc = 0;
    if (lv->run < 0) {
        rc = tt_store_trial_started(r->store, lv->number, pid, pid_start, job_id, &err);
    } else {
        rn_trial_runs *tr = rn_runs_find(r, lv->number);
        rn_launch_run id = tr ? rn_runs_launch(tr, lv->run) : (rn_launch_run){0};
        rc = tt_store_run_started(r->store, lv->number, lv->attempt, lv->run, id.fold, id.repeat,
                                  pid, pid_start, job_id, &err);
    }
    if (rc < 0)
        rn_runner_say(r, "trial %ld: %s", lv->number, err.msg);
}

void rn_live_record_starts(rn_runner *r)
{
    for (size_t i = 0; i < r->n_live;) {
        rn_live *lv = r->live[i];
        if (lv->start_error) {
            rn_live_finished(r, lv, TT_TRIAL_FAILED, NAN, lv->start_error);
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

void rn_live_finished(rn_runner *r, rn_live *lv, tt_trial_state state, double value,
                      const char *reason)
{
    if (lv->run < 0)
        rn_schedule_finished(r, lv->number, lv->attempt, state, value, reason);
    else
        rn_runs_run_ended(r, lv->number, lv->run, state, value, lv->last_step, reason);
}

void rn_live_resume(rn_runner *r, rn_live *lv, long pid, uint64_t pid_start, const char *job_id,
                    double started_at, long last_step, double value, const uint64_t *offsets)
{
    lv->pid = (pid_t)pid;
    lv->pid_start = pid_start;
    /* Whatever ran it before runs it on: its end fd opened (a local
     * shim), or its job looked up (squeue tells whether it still runs). */
    lv->exec = rn_executor_of_record(job_id);
    lv->exec->adopt(r, lv, job_id);
    /* Started before this runner: its age is all the wall clock can tell
     * (a step while no runner watched is the one thing not corrected). */
    if (started_at > 0) {
        double age = rn_now_wall() - started_at;
        lv->started_mono = rn_now_mono() - (age > 0 ? age : 0);
    }
    lv->last_step = last_step;
    lv->next_report = last_step + 1;
    if (!isnan(value)) {
        lv->has_value = true;
        lv->value = value;
    }
    for (int i = 0; i < RN_TAIL_COUNT; i++)
        lv->tails[i].consumed = offsets[i];
    lv->csv_needs_header = offsets[RN_TAIL_CSV] > 0;
    tt_grow((void **)&r->live, &r->cap_live, r->n_live + 1, sizeof *r->live);
    r->live[r->n_live++] = lv;
}

/* ---- ending ---------------------------------------------------------------- */

void rn_live_request_end(rn_runner *r, rn_live *lv, rn_end_request why, const char *reason)
{
    if (lv->end_request != RN_END_NONE)
        return;
    lv->end_request = why;
    free(lv->end_reason);
    lv->end_reason = tt_xstrdup(reason);
    lv->end_sent_at = rn_now_mono();
    lv->exec->request_end(r, lv);
}

bool rn_live_check_end(rn_runner *r, rn_live *lv)
{
    if (lv->starting)
        return false;
    double timeout = r->sweep->trial_timeout;
    /* started_mono is 0 for a Slurm job still pending: its clock starts when it runs. */
    if (timeout > 0 && lv->end_request == RN_END_NONE && lv->started_mono > 0 &&
        rn_now_mono() - lv->started_mono > timeout) {
        char reason[96];
        snprintf(reason, sizeof reason, "timeout after %.0f s", timeout);
        rn_live_request_end(r, lv, RN_END_TIMEOUT, reason);
    }
    rn_exec_end end = {0};
    if (!lv->exec->poll_end(r, lv, &end))
        return false;
    final_drain(r, lv);
    rn_live_flush(r, lv);
    if (end.decided) {
        rn_live_finished(r, lv, end.state, lv->has_value ? lv->value : NAN, end.reason);
        free(end.reason);
    } else {
        rn_outcome_in in = {
            .end_request = lv->end_request,
            .end_reason = lv->end_reason,
            .have_status = end.have_status,
            .status = &end.status,
            .metric = r->sweep->metric.name,
            .has_value = lv->has_value,
            .value = lv->value,
            .stderr_last = lv->stderr_last,
            .n_stderr_last = lv->n_stderr_last,
            .shim_pid = (long)lv->pid,
            .orphans_stopped = end.orphans_stopped,
        };
        char *reason;
        tt_trial_state state = rn_trial_outcome(&in, &reason);
        rn_live_finished(r, lv, state, lv->has_value ? lv->value : NAN, reason);
        free(reason);
    }
    if (lv->exec->ended)
        lv->exec->ended(r, lv);
    return true;
}
