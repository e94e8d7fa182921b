/*
 * schedule — what runs next, and what a trial's end means for the study.
 *
 * Order of precedence when a slot is free: trials already queued in the
 * store (retries, or queued before a crash), then parameters enqueued by
 * the user, then the sampler. The sampler sees the whole history (running
 * trials included, so parallel suggestions differ) rebuilt from the store,
 * which is what makes a resumed study continue exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A trial row enters or leaves r->trials' counts. */
static void count(rn_runner *r, const tt_trial_record *t, long by)
{
    if (t->number <= 0 || (unsigned)t->state >= TT_TRIAL_STATE_COUNT)
        return;
    r->trial_counts[t->state] += by;
    r->n_known += by;
}

void rn_schedule_set_state(rn_runner *r, tt_trial_record *t, tt_trial_state state)
{
    count(r, t, -1);
    t->state = state;
    count(r, t, +1);
    rn_history_update(r, (size_t)(t - r->trials));
}

long rn_schedule_ended(const rn_runner *r)
{
    long n = 0;
    for (int s = TT_TRIAL_COMPLETED; s < TT_TRIAL_STATE_COUNT; s++)
        n += r->trial_counts[s];
    return n;
}

void rn_schedule_sync(rn_runner *r)
{
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    tt_error err = {0};
    if (tt_store_trials_since(r->store, r->seen_seq, 0, &rows, &n, &cap, &err) < 0) {
        rn_runner_say(r, "cannot read trials: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t idx = (size_t)rows[i].number - 1;
        if (idx >= r->n_trials) {
            tt_grow((void **)&r->trials, &r->cap_trials, idx + 1, sizeof *r->trials);
            memset(r->trials + r->n_trials, 0, (idx + 1 - r->n_trials) * sizeof *r->trials);
            r->n_trials = idx + 1;
        } else {
            count(r, &r->trials[idx], -1);
            tt_trial_record_clear(&r->trials[idx]);
        }
        r->trials[idx] = rows[i];
        count(r, &r->trials[idx], +1);
        rn_history_update(r, idx);
        if (rows[i].seq > r->seen_seq)
            r->seen_seq = rows[i].seq;
    }
    free(rows);
}

static bool is_better(const rn_runner *r, double v)
{
    if (!isfinite(v))
        return false;
    if (r->best_trial == 0)
        return true;
    return r->sweep->metric.goal == TT_GOAL_MINIMIZE ? v < r->best_value : v > r->best_value;
}

void rn_schedule_stop_reason(rn_runner *r, const char *fmt, ...)
{
    if (r->stop_reason)
        return; /* the first reason is the one that ended the sweep */
    va_list ap;
    va_start(ap, fmt);
    r->stop_reason = tt_xvasprintf(fmt, ap);
    va_end(ap);
}

bool rn_schedule_target_reached(const rn_runner *r)
{
    const tt_metric_spec *m = &r->sweep->metric;
    if (!m->has_target || r->best_trial == 0)
        return false;
    return m->goal == TT_GOAL_MINIMIZE ? r->best_value <= m->target
                                       : r->best_value >= m->target;
}

/* Failed trials in a row before the sweep stops by itself: the sweep's
 * max_consecutive_failures, else 10, or 5 while no trial of the study has
 * ended otherwise (a command that cannot work shows itself at once; a
 * sweep that worked for a while gets more rope). */
static bool too_many_failures(const rn_runner *r)
{
    long limit = r->sweep->max_consecutive_failures;
    if (limit == 0 || r->failed_in_row == 0)
        return false;
    if (limit > 0)
        return r->failed_in_row >= limit;
    return r->failed_in_row >= 10 || (r->failed_in_row >= 5 && r->failed_in_row == r->ended_total);
}

/* A trial has ended for good (no retry): what it means for the sweep. */
static void note_end(rn_runner *r, long number, tt_trial_state state, const char *reason)
{
    r->ended_total++;
    r->failed_in_row = state == TT_TRIAL_FAILED ? r->failed_in_row + 1 : 0;
    if (too_many_failures(r) && !r->stop_after_running) {
        r->stop_after_running = true;
        if (r->failed_in_row == r->ended_total)
            rn_schedule_stop_reason(r, "the first %ld trials all failed; last: trial %ld: %s",
                                    r->failed_in_row, number, reason ? reason : "");
        else
            rn_schedule_stop_reason(r, "%ld trials failed in a row; last: trial %ld: %s",
                                    r->failed_in_row, number, reason ? reason : "");
        rn_runner_event(r, -1, "state",
                        "stopping: %s (max_consecutive_failures: 0 in the sweep file never stops)",
                        r->stop_reason);
    }
    if (state == TT_TRIAL_COMPLETED && r->best_trial == number)
        rn_schedule_check_target(r);
}

void rn_schedule_check_target(rn_runner *r)
{
    if (r->no_new_trials || !rn_schedule_target_reached(r))
        return;
    r->no_new_trials = true;
    char *msg = tt_xasprintf("target %g reached by trial %ld (%s=%.6g)", r->sweep->metric.target,
                             r->best_trial, r->sweep->metric.name ? r->sweep->metric.name : "value",
                             r->best_value);
    rn_schedule_stop_reason(r, "%s", msg);
    rn_runner_event(r, -1, "state", "%s: no new trials; running ones finish", msg);
    free(msg);
}

void rn_schedule_finished(rn_runner *r, long number, int attempt, tt_trial_state state,
                          double value, const char *reason)
{
    tt_error err = {0};
    bool recorded = tt_store_trial_finished(r->store, number, state, value, reason, &err) == 0;
    if (!recorded)
        rn_runner_say(r, "trial %ld: cannot record its end: %s", number, err.msg);
    bool retry = (state == TT_TRIAL_FAILED || state == TT_TRIAL_INTERRUPTED) &&
                 attempt <= r->sweep->retries && !r->stop_after_running;
    const char *metric = r->sweep->metric.name ? r->sweep->metric.name : "value";
    if (state == TT_TRIAL_COMPLETED && is_better(r, value)) {
        r->best_trial = number;
        r->best_value = value;
    }
    /* The cached row gets the new state here rather than through
     * rn_schedule_sync: reading the changes back costs a query per trial
     * end (a scan of the table, since it is ordered by number), and the
     * next sync (the next add_trial) brings the row in full anyway. */
    if (recorded && number >= 1 && (size_t)number <= r->n_trials &&
        r->trials[number - 1].number == number) {
        tt_trial_record *t = &r->trials[number - 1];
        t->value = value;
        rn_schedule_set_state(r, t, state);
        free(t->reason);
        t->reason = tt_xstrdup(reason ? reason : "");
    } else {
        rn_schedule_sync(r);
    }
    long done = rn_schedule_ended(r);
    char best[96] = "";
    if (r->best_trial)
        snprintf(best, sizeof best, "; best: trial %ld, %s=%.6g", r->best_trial, metric,
                 r->best_value);
    if (state == TT_TRIAL_COMPLETED)
        rn_runner_say(r, "trial %ld completed: %s=%.6g%s [%ld done]", number, metric, value, best,
                      done);
    else
        rn_runner_say(r, "trial %ld %s: %s%s [%ld done]", number, tt_trial_state_name(state),
                      reason, best, done);
    if (!retry)
        note_end(r, number, state, reason);
    if (retry) {
        rn_prune_forget(r, number);
        if (tt_store_trial_retry(r->store, number, reason, &err) < 0)
            rn_runner_say(r, "trial %ld: cannot queue a retry: %s", number, err.msg);
        else
            rn_runner_say(r, "trial %ld queued again (attempt %d of %ld)", number, attempt + 1,
                          r->sweep->retries + 1);
        rn_schedule_sync(r);
    }
}


/* Random and Sobol suggestions depend on the number of trials only (their
 * draw index, src/sampler/random.c and sobol.c), so they get a history of
 * that length without observations: rebuilding every trial's assignment
 * for each suggestion made the runner's work per trial grow with the
 * study (10% of its CPU at 1000 trials, bench/runner). */
static bool sampler_reads_history(tt_method m)
{
    return m != TT_METHOD_RANDOM && m != TT_METHOD_SOBOL;
}

static int free_slot(const rn_runner *r)
{
    size_t n_dev = r->sweep->n_devices;
    if (n_dev == 0)
        return -1;
    for (size_t s = 0; s < n_dev; s++) {
        bool used = false;
        for (size_t i = 0; i < r->n_live; i++)
            used |= r->live[i]->slot == (int)s;
        if (!used)
            return (int)s;
    }
    return -2; /* every device busy */
}

/* An open that failed for want of descriptors (ours or the system's) is
 * the runner's problem, not the trial's: said as TT_ERR_BUSY. */
static int open_failed(tt_error *err, const char *what, int e)
{
    return tt_error_set(err, e == EMFILE || e == ENFILE ? TT_ERR_BUSY : TT_ERR_IO, "%s: %s", what,
                        tt_open_error(e));
}

static int write_params_json(int dirfd, const char *json, tt_error *err)
{
    /* A FIFO planted as params.json once hung the runner here for good. */
    int fd = tt_open_regular(dirfd, "params.json", O_WRONLY | O_CREAT | O_TRUNC,
                             tt_study_file_mode());
    if (fd < 0)
        return open_failed(err, "cannot write params.json", errno);
    char *line = tt_xasprintf("%s\n", json);
    size_t len = strlen(line);
    bool ok = write(fd, line, len) == (ssize_t)len;
    free(line);
    if (close(fd) != 0)
        ok = false;
    return ok ? 0 : tt_error_set(err, TT_ERR_IO, "cannot write params.json: %s", strerror(errno));
}

/* Whether a shim ever ran in dir: it left output, a status or shim.log, or
 * the trial still runs (its environment names the folder). Empty logs
 * alone say nothing: prepare_next_folder makes them ahead of the start. */
static bool folder_was_used(const char *dir)
{
    char *out = tt_xasprintf("%s/" TT_SHIM_STDOUT, dir);
    char *err = tt_xasprintf("%s/" TT_SHIM_STDERR, dir);
    char *status = tt_xasprintf("%s/" TT_SHIM_STATUS, dir);
    char *log = tt_xasprintf("%s/" TT_SHIM_LOG, dir);
    struct stat so, se, ss;
    /* Only tunetop creates stdout.log, as a regular file; anything else
     * was planted and is refused when the trial starts. */
    bool used = false;
    if (lstat(out, &so) == 0 && S_ISREG(so.st_mode)) {
        used = so.st_size > 0 || (lstat(err, &se) == 0 && se.st_size > 0) ||
               lstat(status, &ss) == 0 || lstat(log, &ss) == 0;
        if (!used) {
            char *entry = tt_xasprintf("TUNETOP_TRIAL_DIR=%s", dir);
            used = rn_proc_kill_groups_with_env(entry, 0) > 0; /* signal 0: only look */
            free(entry);
        }
    }
    free(out);
    free(err);
    free(status);
    free(log);
    return used;
}

/* A first attempt whose folder a shim has used was started before
 * and never recorded: the runner was SIGKILLed, or its tick's commit failed,
 * between spawning the shim and committing (the store rolled the trial back
 * to queued, or forgot it, and the number is handed out again). That shim
 * may still run, and it holds the folder open: starting again in the same
 * folder made two trials append to one stdout.log (duplicate metric points)
 * and its exit.status end the new one. So the folder is moved aside, to
 * trials/.unrecorded/N-K, where the old shim's writes follow it, and its
 * trial is stopped (its shim then ends too). Found by tests/test_chaos.c. */
static void set_aside_unrecorded(rn_runner *r, const char *dir, long number)
{
    if (!folder_was_used(dir))
        return;
    /* Its shim's pid was never recorded: the trial is found by the folder
     * its environment names (a recycled pid cannot match that). */
    char *entry = tt_xasprintf("TUNETOP_TRIAL_DIR=%s", dir);
    bool stopped = rn_proc_kill_groups_with_env(entry, SIGKILL) > 0;
    free(entry);
    char *parent = tt_study_unrecorded_dir(r->study_dir);
    mkdir(parent, 0700);
    char *aside = NULL;
    for (int k = 1; k < 1000; k++) {
        free(aside);
        aside = tt_xasprintf("%s/%ld-%d", parent, number, k);
        if (rename(dir, aside) == 0 || (errno != EEXIST && errno != ENOTEMPTY))
            break;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        rn_runner_say(r, "trial %ld: cannot create %s: %s", number, dir, strerror(errno));
    rn_runner_event(r, number, "warning",
                    "an earlier start of this trial was never recorded (the runner was "
                    "killed or could not write the study): its folder moved to %s%s",
                    aside, stopped ? ", its processes stopped" : "");
    free(aside);
    free(parent);
}

/* Spawn the shim for trial t (already in the store as queued). */
/* A run of a trial of several is about to start: recorded first, so that
 * its end (a failed start included) always has a row and its trial's
 * counts. */
static void record_run_start(rn_runner *r, const tt_trial_record *t, rn_trial_runs *tr, int run)
{
    rn_launch_run id = rn_runs_launch(tr, run);
    tt_error err = {0};
    if (tt_store_run_started(r->store, t->number, t->attempt, run, id.fold, id.repeat, 0, 0,
                             NULL, &err) < 0)
        rn_runner_say(r, "trial %ld: %s", t->number, err.msg);
    if (t->state != TT_TRIAL_RUNNING) {
        if (tt_store_trial_started(r->store, t->number, 0, 0, NULL, &err) < 0)
            rn_runner_say(r, "trial %ld: %s", t->number, err.msg);
        rn_schedule_set_state(r, &r->trials[t->number - 1], TT_TRIAL_RUNNING);
    }
    tr->started = run + 1;
    tr->running++;
}

/* mkdir that tolerates an existing folder. */
static int make_dir(const char *dir, tt_error *err)
{
    if (mkdir(dir, (mode_t)tt_study_dir_mode()) != 0 && errno != EEXIST)
        return tt_error_set(err, TT_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    return 0;
}

/* trials/ itself gone (rm -rf DIR/trials while the sweep ran): made again,
 * once, with a warning, rather than failing every trial left. */
static void remake_trials_folder(rn_runner *r)
{
    char *trials = tt_study_trials_dir(r->study_dir);
    struct stat st;
    if (lstat(trials, &st) != 0 && errno == ENOENT &&
        mkdir(trials, (mode_t)tt_study_dir_mode()) == 0)
        rn_runner_event(r, -1, "warning",
                        "%s was removed while the sweep ran: made again (the files of earlier "
                        "trials are gone; their results are in study.db)",
                        trials);
    free(trials);
}

static int start_trial(rn_runner *r, const tt_trial_record *t, const tt_assignment *a, int slot,
                       rn_trial_runs *tr, int run, tt_error *err)
{
    if (tr)
        record_run_start(r, t, tr, run);
    char *dir = tt_study_trial_dir(r->study_dir, t->number);
    if (mkdir(dir, (mode_t)tt_study_dir_mode()) != 0 && errno == ENOENT)
        remake_trials_folder(r);
    if (make_dir(dir, err) < 0) {
        free(dir);
        return -TT_ERR_IO;
    }
    rn_launch_run run_id = {0};
    char label[64] = "";
    if (tr) {
        /* A run of a trial of several: its own folder inside the trial's. */
        free(dir);
        dir = tt_study_run_dir(r->study_dir, t->number, tr->folds, tr->repeats, run);
        if (make_dir(dir, err) < 0) {
            free(dir);
            return -TT_ERR_IO;
        }
        run_id = rn_runs_launch(tr, run);
        label[0] = ' ';
        tt_run_label(tr->folds, tr->repeats, run, label + 1, sizeof label - 1);
    }
    /* A folder this runner made ahead has seen no shim. */
    if (t->attempt == 1 && !(t->number == r->prepared && r->prepared_made))
        set_aside_unrecorded(r, dir, t->number);
    rn_live *lv = rn_live_new(r, t->number, t->attempt, dir);
    lv->slot = slot;
    lv->run = tr ? run : -1;
    int rc = 0;
    char *json = NULL, **argv = NULL, **envp = NULL, *json_path = NULL;
    if (lv->dirfd < 0) {
        char *what = tt_xasprintf("cannot open %s", dir);
        rc = open_failed(err, what, errno);
        free(what);
        goto out;
    }
    /* A retry starts with fresh files; the earlier attempt's are kept. */
    if (t->attempt > 1) {
        for (int i = 0; i < RN_TAIL_COUNT; i++) {
            char from[64], to[64];
            snprintf(from, sizeof from, "%s", lv->tails[i].name);
            snprintf(to, sizeof to, "%s.%d", lv->tails[i].name, t->attempt - 1);
            renameat(lv->dirfd, from, lv->dirfd, to);
        }
        unlinkat(lv->dirfd, "exit.status", 0);
    }
    json = rn_launch_params_json(r->sweep->space, a);
    if ((rc = write_params_json(lv->dirfd, json, err)) < 0)
        goto out;
    /* TUNETOP_CHECKPOINT_DIR exists when the trial starts (launch.h); one
     * of the inodes every trial pays for (docs/benchmarks.md). */
    mkdirat(lv->dirfd, "checkpoints", (mode_t)tt_study_dir_mode());
    json_path = tt_xasprintf("%s/params.json", dir);
    argv = rn_launch_argv(r->sweep, a, t->number, dir, json_path, tr ? &run_id : NULL, err);
    if (!argv) {
        rc = -TT_ERR_INVALID;
        goto out;
    }
    char device[32];
    if (slot >= 0)
        snprintf(device, sizeof device, "%s", r->sweep->devices[slot]);
    extern char **environ;
    envp = rn_launch_env(environ, r->sweep, a, t->number, dir, tr ? &run_id : NULL,
                         slot >= 0 ? device : NULL);
    /* Local: a pooled shim takes it, or the zygote forks one (its answer
     * comes later); Slurm: sbatch runs in the background, and the trial is
     * recorded running with its job id when sbatch answers. */
    if ((rc = lv->exec->start(r, lv, argv, envp, err)) < 0)
        goto out;
    tt_buf line = {0};
    char buf[256];
    for (size_t i = 0; i < r->sweep->space->n; i++)
        if (a->active[i])
            tt_buf_printf(&line, " %s=%s", r->sweep->space->params[i].name,
                          tt_space_format(r->sweep->space, a, i, buf, sizeof buf));
    rn_runner_say(r, "trial %ld%s %s%s%s", t->number, label,
                  lv->exec->starting, t->attempt > 1 ? " (retry)" : "",
                  line.data ? line.data : "");
    tt_buf_free(&line);
    tt_grow((void **)&r->live, &r->cap_live, r->n_live + 1, sizeof *r->live);
    r->live[r->n_live++] = lv;
    lv = NULL;
out:
    rn_live_free(lv);
    free(json);
    free(json_path);
    rn_launch_strv_free(argv);
    rn_launch_strv_free(envp);
    free(dir);
    return rc;
}

/* Rebuild the assignment of a stored trial on the current space. */
static tt_assignment record_assignment(const rn_runner *r, const tt_trial_record *t)
{
    const tt_space *space = r->sweep->space;
    tt_assignment a = tt_assignment_new(space->n);
    for (size_t p = 0; p < space->n; p++)
        for (size_t q = 0; q < t->n_params; q++)
            if (strcmp(t->param_names[q], space->params[p].name) == 0)
                a.x[p] = t->param_x[q];
    tt_space_update_active(space, &a);
    return a;
}

static long add_trial(rn_runner *r, const tt_assignment *a, tt_error *err)
{
    const tt_space *space = r->sweep->space;
    char **names = tt_xcalloc(space->n + 1, sizeof *names);
    char **texts = tt_xcalloc(space->n + 1, sizeof *texts);
    char buf[512];
    for (size_t i = 0; i < space->n; i++) {
        names[i] = space->params[i].name;
        texts[i] = tt_xstrdup(tt_space_format(space, a, i, buf, sizeof buf));
    }
    long number = tt_store_add_trial(r->store, r->space_version, space->n, names, texts, a->x,
                                     a->active, err);
    for (size_t i = 0; i < space->n; i++)
        free(texts[i]);
    free(texts);
    free(names);
    if (number > 0)
        rn_schedule_sync(r);
    return number;
}

/* Whether a new trial may be added; when not, the reason is kept (the
 * sweep ends for it once the running trials are over). */
static bool budget_left(rn_runner *r, bool say)
{
    const tt_sweep *sw = r->sweep;
    if (sw->run_cap > 0 && (long)r->n_trials >= sw->run_cap) {
        if (say)
            rn_schedule_stop_reason(r, "run_cap reached (%ld trials)", sw->run_cap);
        return false;
    }
    double elapsed = r->elapsed_before + (rn_now_mono() - r->session_start);
    if (sw->time_budget > 0 && elapsed >= sw->time_budget) {
        if (say)
            rn_schedule_stop_reason(r, "time_budget reached (%.0f s)", sw->time_budget);
        return false;
    }
    return true;
}

/* A sampler's answer: a new trial, or the end of the search. */
static long use_suggestion(rn_runner *r, int rc, const tt_assignment *a, tt_error *err)
{
    if (rc == -TT_ERR_EXHAUSTED) {
        r->exhausted = true;
        rn_schedule_stop_reason(r, "%s exhausted",
                                r->sweep->method == TT_METHOD_GRID ? "grid" : "search space");
        rn_runner_event(r, -1, "runner", "the search space is exhausted");
        return 0;
    }
    if (rc < 0) {
        r->exhausted = true;
        rn_schedule_stop_reason(r, "cannot suggest: %s", err->msg);
        rn_runner_event(r, -1, "error", "cannot suggest: %s", err->msg);
        return 0;
    }
    return add_trial(r, a, err);
}

/* Take the worker's suggestion. One computed for a space that was replaced
 * meanwhile is dropped; the next tick asks again on the new space. */
static long collect_job(rn_runner *r, tt_error *err)
{
    long version;
    double cpu = 0;
    tt_assignment a = {0};
    int rc = rn_suggest_finish(r->job, &version, &a, &cpu, err);
    r->sampler_cpu += cpu;
    r->job = NULL;
    r->job_done = false;
    rn_sweep_free_retired(r);
    long number = version == r->space_version ? use_suggestion(r, rc, &a, err) : 0;
    tt_assignment_free(&a);
    return number;
}

/* Pick the next trial to start: a queued one, an enqueued assignment, or a
 * new suggestion. Returns its number, 0 when there is nothing to start. */
static long next_trial(rn_runner *r, tt_error *err)
{
    if (r->no_new_trials)
        return 0;
    /* Queued trials (retries, trials queued before a crash) are rare: the
     * scan runs only when the counts say there is one. */
    for (size_t i = 0; r->trial_counts[TT_TRIAL_QUEUED] > 0 && i < r->n_trials; i++) {
        tt_trial_record *t = &r->trials[i];
        if (t->number <= 0 || t->state != TT_TRIAL_QUEUED)
            continue;
        bool live = rn_runs_find(r, t->number) != NULL;
        for (size_t k = 0; k < r->n_live; k++)
            live |= r->live[k]->number == t->number;
        if (!live)
            return t->number;
    }
    while (r->n_enqueued > 0) {
        char *json = r->enqueued[0];
        memmove(r->enqueued, r->enqueued + 1, --r->n_enqueued * sizeof *r->enqueued);
        tt_assignment a = tt_assignment_new(r->sweep->space->n);
        tt_error perr = {0};
        long number = 0;
        if (tt_config_parse_params(r->sweep->space, json, &a, &perr) < 0)
            rn_runner_event(r, -1, "error", "enqueued parameters rejected: %s", perr.msg);
        else
            number = add_trial(r, &a, err);
        tt_assignment_free(&a);
        free(json);
        if (number != 0)
            return number;
    }
    if (r->exhausted || !budget_left(r, true)) {
        r->exhausted = true;
        return 0;
    }
    if (r->job) {
        if (!r->job_done)
            return 0; /* the sampler thread is still thinking */
        return collect_job(r, err);
    }
    size_t n_obs;
    const tt_observation *obs = NULL;
    if (sampler_reads_history(r->sweep->method)) {
        obs = rn_history_snapshot(r, &n_obs);
    } else {
        n_obs = (size_t)r->n_known;
    }
    if (rn_suggest_is_slow(r->sweep->method)) {
        r->job_done = false;
        r->job = rn_suggest_start(r->sweep, r->space_version, obs, n_obs, r->seed, r->sig_pipe[1],
                                  err);
        if (r->job)
            return 0;
        rn_runner_say(r, "%s; suggesting in the loop instead", err->msg);
    }
    tt_history h = {.obs = obs, .n = n_obs, .goal = r->sweep->metric.goal};
    tt_assignment a = tt_assignment_new(r->sweep->space->n);
    double t0 = rn_thread_cpu();
    int rc = tt_sampler_suggest(r->sweep->method, r->sweep->space, &h, r->seed, &a, err);
    r->sampler_cpu += rn_thread_cpu() - t0;
    long number = use_suggestion(r, rc, &a, err);
    tt_assignment_free(&a);
    return number;
}

/* The folder of the trial most likely to start next (the next new number)
 * with its checkpoints/ and empty logs, made right after the starts of a
 * tick, while the running trials run: four of the six inodes a start
 * costs leave the moment between a trial's end and the next start, which
 * on a slow filesystem bounded short sweeps (docs/benchmarks.md). A wrong
 * guess costs nothing: the folder waits for that number, and
 * rn_schedule_drop_prepared removes it if the study ends first. */
static void prepare_next_folder(rn_runner *r)
{
    long next = (long)r->n_trials + 1;
    if (!rn_executor_for(r->sweep)->prepares_folders || r->exhausted || r->prepared >= next ||
        r->state != TT_STUDY_RUNNING || r->stop_after_running || !budget_left(r, false) ||
        tt_runs_count((int)r->sweep->folds, (int)r->sweep->repeats) > 1)
        return;
    r->prepared = next;
    char *dir = tt_study_trial_dir(r->study_dir, next);
    /* Only into a folder made here: whatever else is there already is
     * start_trial's to judge. */
    r->prepared_made = mkdir(dir, (mode_t)tt_study_dir_mode()) == 0;
    if (r->prepared_made) {
        const char *leaves[] = {"checkpoints", TT_SHIM_STDOUT, TT_SHIM_STDERR};
        for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++) {
            char *path = tt_xasprintf("%s/%s", dir, leaves[i]);
            if (i == 0) {
                mkdir(path, (mode_t)tt_study_dir_mode());
            } else {
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              (mode_t)tt_study_file_mode());
                if (fd >= 0)
                    close(fd);
            }
            free(path);
        }
    }
    free(dir);
}

void rn_schedule_drop_prepared(rn_runner *r)
{
    if (r->prepared <= (long)r->n_trials)
        return;
    if (r->prepared_made) {
        char *dir = tt_study_trial_dir(r->study_dir, r->prepared);
        char *ckpt = tt_xasprintf("%s/checkpoints", dir);
        char *out = tt_xasprintf("%s/" TT_SHIM_STDOUT, dir);
        char *err = tt_xasprintf("%s/" TT_SHIM_STDERR, dir);
        struct stat so, se;
        /* Only what was made here and is still empty; rmdir fails,
         * harmlessly, if anything else was put there meanwhile. */
        if (lstat(out, &so) == 0 && S_ISREG(so.st_mode) && so.st_size == 0 &&
            lstat(err, &se) == 0 && S_ISREG(se.st_mode) && se.st_size == 0) {
            unlink(out);
            unlink(err);
        }
        if (rmdir(ckpt) == 0)
            rmdir(dir);
        free(ckpt);
        free(out);
        free(err);
        free(dir);
    }
    r->prepared = 0;
    r->prepared_made = false;
}

long rn_schedule_fd_capacity(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0;
    /* The soft limit is a default, not the user's choice: take what the
     * hard one allows (1024 fit ~165 trials, 1048576 all of them). */
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
        struct rlimit up = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = want;
    }
    long open_now = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        open_now += e->d_name[0] != '.';
    if (d)
        closedir(d);
    long room = (long)rl.rlim_cur - open_now - RN_FDS_RESERVED;
    long cap = room / RN_FDS_PER_TRIAL;
    return cap < 1 ? 1 : cap;
}

/* Trials that may run at once: `parallel`, unless descriptors allow fewer
 * (said once, as an event). */
static long slots(rn_runner *r)
{
    if (r->fd_cap <= 0 || r->parallel <= r->fd_cap)
        return r->parallel;
    if (!r->fd_cap_said) {
        struct rlimit rl = {0};
        getrlimit(RLIMIT_NOFILE, &rl);
        rn_runner_event(r, -1, "warning",
                        "parallel %ld needs more file descriptors than the limit allows "
                        "(ulimit -n %llu): %ld trials run at once; raise `ulimit -n` for more",
                        r->parallel, (unsigned long long)rl.rlim_cur, r->fd_cap);
        r->fd_cap_said = true;
    }
    return r->fd_cap;
}

/* A start that failed for want of descriptors: the trial (or run) waits,
 * as if it had not been picked, and no more start than run now. */
static void start_postponed(rn_runner *r, long number, rn_trial_runs *tr, const char *why)
{
    if (tr) {
        tr->started--;
        tr->running--;
    }
    long now = (long)r->n_live > 0 ? (long)r->n_live : 1;
    if (r->fd_cap == 0 || now < r->fd_cap) {
        r->fd_cap = now;
        r->fd_cap_said = false;
    }
    rn_runner_event(r, number, "warning", "start postponed: %s", why);
}

int rn_schedule_fill(rn_runner *r)
{
    int started = 0;
    if (r->state != TT_STUDY_RUNNING)
        return 0;
    long room = slots(r);
    /* At most `room` starts per tick, so a command that fails at once
     * cannot spin the loop. */
    for (long k = 0; k < room && (long)r->n_live < room; k++) {
        int slot = free_slot(r);
        if (slot == -2)
            break;
        tt_error err = {0};
        /* The next run of a trial already started comes first (a trial
         * that has started finishes, also after `stop`); then new trials. */
        rn_trial_runs *tr = rn_runs_next(r);
        long number = 0;
        if (tr) {
            number = tr->number;
        } else if (!r->stop_after_running) {
            number = next_trial(r, &err);
            if (number < 0)
                rn_runner_say(r, "cannot add a trial: %s", err.msg);
        }
        if (number <= 0)
            break;
        tt_trial_record *t = &r->trials[number - 1];
        if (!tr && tt_runs_count((int)r->sweep->folds, (int)r->sweep->repeats) > 1)
            tr = rn_runs_begin(r, number, t->attempt);
        int run = tr ? tr->started : -1;
        tt_assignment a = record_assignment(r, t);
        int rc = start_trial(r, t, &a, slot, tr, run, &err);
        if (rc == -TT_ERR_BUSY) {
            start_postponed(r, number, tr, err.msg);
            tt_assignment_free(&a);
            break;
        }
        if (rc < 0) {
            if (tr)
                rn_runs_run_ended(r, number, run, TT_TRIAL_FAILED, NAN, -1, err.msg);
            else
                rn_schedule_finished(r, number, t->attempt, TT_TRIAL_FAILED, NAN, err.msg);
        } else {
            started++;
            /* Running from now on in the cache, whenever the executor's
             * start is recorded: the cache must not count it queued (that
             * made next_trial scan every trial for one, issue 18). */
            if (!tr && r->trials[number - 1].state == TT_TRIAL_QUEUED)
                rn_schedule_set_state(r, &r->trials[number - 1], TT_TRIAL_RUNNING);
        }
        tt_assignment_free(&a);
    }
    prepare_next_folder(r);
    return started;
}

bool rn_schedule_has_work(rn_runner *r)
{
    if (r->n_live > 0)
        return true;
    /* A started trial with runs left to start (also after `stop`). */
    if (r->state == TT_STUDY_RUNNING && rn_runs_next(r))
        return true;
    if (r->stop_after_running)
        return false;
    if (r->state == TT_STUDY_PAUSED || r->job)
        return true;
    if (r->no_new_trials)
        return false;
    if (r->trial_counts[TT_TRIAL_QUEUED] > 0 || r->n_enqueued > 0)
        return true;
    return !r->exhausted;
}
