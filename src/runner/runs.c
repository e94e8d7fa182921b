/*
 * runs — a trial that is several runs of one configuration: `folds: K`
 * (cross-validation: run k is told TUNETOP_FOLD=k) times `repeats: R`
 * (the same configuration again, for noisy trainers). Run i is fold
 * i / R, repetition i % R, in its own folder trials/N/fold-F[-repeat-R]/
 * with its own logs, metrics and shim, and takes a parallel slot like a
 * trial. The trial stays one configuration: once every run has completed,
 * its value is the mean of the runs' values (each summarised by
 * metric.summary first) and value_std their standard deviation (ddof 0,
 * as scikit-learn's cv_results_ std_test_score). The first run that ends
 * otherwise (failed, timeout, interrupted) decides the trial's end, with
 * a reason naming the run ("fold 2: exit code 1; …"); the trial's other
 * runs are stopped and no new one starts. Retries retry the whole trial.
 *
 * Everything a restarted runner needs is in the store (trial_runs): the
 * runs that ended keep their values, the running ones are re-adopted by
 * their shim's pid, and the ones not yet started start.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

rn_trial_runs *rn_runs_find(rn_runner *r, long number)
{
    for (size_t i = 0; i < r->n_multi; i++)
        if (r->multi[i]->number == number)
            return r->multi[i];
    return NULL;
}

static rn_trial_runs *runs_new(rn_runner *r, long number, int attempt, int folds, int repeats)
{
    rn_trial_runs *tr = tt_xcalloc(1, sizeof *tr);
    tr->number = number;
    tr->attempt = attempt;
    tr->folds = folds;
    tr->repeats = repeats > 0 ? repeats : 1;
    tr->n = tt_runs_count(folds, repeats);
    tr->values = tt_xcalloc((size_t)tr->n, sizeof *tr->values);
    tr->last_step = tt_xcalloc((size_t)tr->n, sizeof *tr->last_step);
    for (int i = 0; i < tr->n; i++) {
        tr->values[i] = NAN;
        tr->last_step[i] = -1;
    }
    tr->end_state = TT_TRIAL_COMPLETED;
    tt_grow((void **)&r->multi, &r->cap_multi, r->n_multi + 1, sizeof *r->multi);
    r->multi[r->n_multi++] = tr;
    return tr;
}

static void runs_free(rn_runner *r, rn_trial_runs *tr)
{
    for (size_t i = 0; i < r->n_multi; i++)
        if (r->multi[i] == tr) {
            r->multi[i] = r->multi[--r->n_multi];
            break;
        }
    free(tr->values);
    free(tr->last_step);
    free(tr->end_reason);
    free(tr);
}

void rn_runs_free_all(rn_runner *r)
{
    while (r->n_multi > 0)
        runs_free(r, r->multi[0]);
    free(r->multi);
    r->multi = NULL;
    r->cap_multi = 0;
}

rn_trial_runs *rn_runs_begin(rn_runner *r, long number, int attempt)
{
    int folds = (int)r->sweep->folds, repeats = (int)r->sweep->repeats;
    tt_error err = {0};
    if (tt_store_trial_set_runs(r->store, number, folds, repeats, &err) < 0)
        rn_runner_say(r, "trial %ld: %s", number, err.msg);
    if (number >= 1 && (size_t)number <= r->n_trials) {
        r->trials[number - 1].folds = folds;
        r->trials[number - 1].repeats = repeats;
    }
    return runs_new(r, number, attempt, folds, repeats);
}

rn_trial_runs *rn_runs_next(rn_runner *r)
{
    for (size_t i = 0; i < r->n_multi; i++) {
        rn_trial_runs *tr = r->multi[i];
        if (tr->end_state == TT_TRIAL_COMPLETED && tr->started < tr->n)
            return tr;
    }
    return NULL;
}

rn_launch_run rn_runs_launch(const rn_trial_runs *tr, int run)
{
    int fold = tt_run_fold(tr->folds, tr->repeats, run);
    int repeat = tt_run_repeat(tr->folds, tr->repeats, run);
    return (rn_launch_run){
        .fold = fold > 0 ? fold : 0,
        .folds = tr->folds,
        .repeat = repeat > 0 ? repeat : 0,
        .repeats = tr->repeats,
    };
}

void rn_runs_request_end(rn_runner *r, long number, rn_end_request why, const char *reason)
{
    rn_trial_runs *tr = rn_runs_find(r, number);
    if (tr && tr->end_state == TT_TRIAL_COMPLETED) {
        /* No run starts after this; the state the trial ends in. */
        tr->end_state = why == RN_END_PRUNE ? TT_TRIAL_PRUNED
                        : why == RN_END_TIMEOUT ? TT_TRIAL_TIMEOUT
                                                : TT_TRIAL_KILLED;
        free(tr->end_reason);
        tr->end_reason = tt_xstrdup(reason);
    }
    for (size_t i = 0; i < r->n_live; i++)
        if (r->live[i]->number == number)
            rn_live_request_end(r, r->live[i], why, reason);
}

static void finish_trial(rn_runner *r, rn_trial_runs *tr);

void rn_runs_stop_all(rn_runner *r, const char *reason)
{
    for (size_t i = 0; i < r->n_live; i++)
        rn_live_request_end(r, r->live[i], RN_END_KILL, reason);
    /* Trials between runs end now: killed, with what their runs reached. */
    for (size_t i = 0; i < r->n_multi;) {
        rn_trial_runs *tr = r->multi[i];
        if (tr->end_state == TT_TRIAL_COMPLETED) {
            tr->end_state = TT_TRIAL_KILLED;
            tr->end_reason = tt_xstrdup(reason);
        }
        if (tr->running == 0) {
            finish_trial(r, tr); /* removes it from r->multi */
            i = 0;
            continue;
        }
        i++;
    }
}

/* The mean and standard deviation (ddof 0) of the finite values. */
static size_t mean_std(const double *v, int n, double *mean, double *std)
{
    size_t k = 0;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            k++;
        }
    *mean = k ? sum / (double)k : NAN;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            sq += (v[i] - *mean) * (v[i] - *mean);
    *std = k ? sqrt(sq / (double)k) : NAN;
    return k;
}

/* Every run that will run has ended: the trial ends. */
static void finish_trial(rn_runner *r, rn_trial_runs *tr)
{
    long number = tr->number;
    int attempt = tr->attempt;
    double mean, std;
    mean_std(tr->values, tr->n, &mean, &std);
    long last_step = -1;
    for (int i = 0; i < tr->n; i++)
        if (i < tr->started && (last_step < 0 || tr->last_step[i] < last_step))
            last_step = tr->last_step[i];
    tt_error err = {0};
    tt_trial_state state = tr->end_state;
    char *reason;
    if (state == TT_TRIAL_COMPLETED) {
        if (tt_store_trial_set_std(r->store, number, std, &err) < 0)
            rn_runner_say(r, "trial %ld: %s", number, err.msg);
        reason = tt_xasprintf("%d runs completed: mean %.6g, std %.3g", tr->n, mean, std);
    } else {
        reason = tt_xstrdup(tr->end_reason ? tr->end_reason : "a run ended early");
    }
    /* A pruned trial keeps the mean of what its runs reached, as a pruned
     * trial of one run keeps its last value (TPE reads it). */
    if (tt_store_trial_set_value(r->store, number, mean, last_step, &err) < 0)
        rn_runner_say(r, "trial %ld: %s", number, err.msg);
    if (number >= 1 && (size_t)number <= r->n_trials) {
        r->trials[number - 1].last_step = last_step;
        r->trials[number - 1].value_std = state == TT_TRIAL_COMPLETED ? std : NAN;
    }
    runs_free(r, tr);
    rn_schedule_finished(r, number, attempt, state,
                         state == TT_TRIAL_COMPLETED || state == TT_TRIAL_PRUNED ? mean : NAN,
                         reason);
    free(reason);
}

void rn_runs_run_ended(rn_runner *r, long number, int run, tt_trial_state state, double value,
                       long last_step, const char *reason)
{
    rn_trial_runs *tr = rn_runs_find(r, number);
    if (!tr)
        return;
    tt_error err = {0};
    if (tt_store_run_finished(r->store, number, tr->attempt, run, state, value, reason, &err) < 0)
        rn_runner_say(r, "trial %ld: %s", number, err.msg);
    char label[48];
    tt_run_label(tr->folds, tr->repeats, run, label, sizeof label);
    tr->running--;
    tr->ended++;
    tr->last_step[run] = last_step;
    /* A pruned or killed run's value is what it reached. */
    tr->values[run] = value;
    const char *metric = r->sweep->metric.name ? r->sweep->metric.name : "value";
    if (state == TT_TRIAL_COMPLETED) {
        rn_runner_say(r, "trial %ld %s completed: %s=%.6g [%d of %d runs]", number, label, metric,
                      value, tr->ended, tr->n);
    } else {
        rn_runner_say(r, "trial %ld %s %s: %s", number, label, tt_trial_state_name(state),
                      reason ? reason : "");
        if (tr->end_state == TT_TRIAL_COMPLETED) {
            tr->end_state = state;
            free(tr->end_reason);
            tr->end_reason = tt_xasprintf("%s: %s", label, reason ? reason : "");
            char *why = tt_xasprintf("%s of the trial ended (%s)", label,
                                     tt_trial_state_name(state));
            for (size_t i = 0; i < r->n_live; i++)
                if (r->live[i]->number == number)
                    rn_live_request_end(r, r->live[i], RN_END_KILL, why);
            free(why);
        }
    }
    if (tr->running > 0 || (tr->end_state == TT_TRIAL_COMPLETED && tr->started < tr->n))
        return;
    finish_trial(r, tr);
}

/* ---- a restarted runner ------------------------------------------------- */

void rn_runs_resume(rn_runner *r, const tt_trial_record *t, size_t *adopted)
{
    rn_trial_runs *tr = runs_new(r, t->number, t->attempt, t->folds, t->repeats);
    tt_run_record *rows = NULL;
    size_t n = 0;
    tt_error err = {0};
    if (tt_store_runs_of(r->store, t->number, t->attempt, &rows, &n, &err) < 0)
        rn_runner_say(r, "trial %ld: %s", t->number, err.msg);
    /* Lost runs are ended after the scan: ending one may end the trial. */
    int *lost = tt_xcalloc(n + 1, sizeof *lost);
    size_t n_lost = 0;
    for (size_t i = 0; i < n; i++) {
        const tt_run_record *run = &rows[i];
        if (run->run < 0 || run->run >= tr->n)
            continue;
        if (run->run + 1 > tr->started)
            tr->started = run->run + 1;
        if (run->state != TT_TRIAL_RUNNING) {
            tr->ended++;
            tr->values[run->run] = run->value;
            tr->last_step[run->run] = run->last_step;
            if (run->state != TT_TRIAL_COMPLETED && tr->end_state == TT_TRIAL_COMPLETED) {
                char label[48];
                tt_run_label(tr->folds, tr->repeats, run->run, label, sizeof label);
                tr->end_state = run->state;
                tr->end_reason = tt_xasprintf("%s: %s", label, run->reason ? run->reason : "");
            }
            continue;
        }
        tr->running++;
        char *dir = tt_study_run_dir(r->study_dir, tr->number, tr->folds, tr->repeats, run->run);
        tt_shim_status st;
        int looked = rn_shim_read_status(dir, &st);
        bool ended = looked == 0 || looked == -TT_ERR_BUSY;
        const rn_executor_ops *x = rn_executor_of_record(run->job_id);
        if (ended || x->may_run(run->pid, run->pid_start)) {
            rn_live *lv = rn_live_new(r, t->number, t->attempt, dir);
            lv->run = run->run;
            rn_live_resume(r, lv, run->pid, run->pid_start, run->job_id, run->started_at,
                           run->last_step, run->value, run->offsets);
            (*adopted)++;
        } else {
            lost[n_lost++] = run->run;
        }
        free(dir);
    }
    /* Ending a run may end (and free) tr: only copies are used below. */
    long number = t->number;
    int folds = tr->folds, repeats = tr->repeats;
    for (size_t i = 0; i < n_lost; i++) {
        long pid = 0;
        const char *job_id = NULL;
        for (size_t k = 0; k < n; k++)
            if (rows[k].run == lost[i]) {
                pid = rows[k].pid;
                job_id = rows[k].job_id;
            }
        char *dir = tt_study_run_dir(r->study_dir, number, folds, repeats, lost[i]);
        bool orphans = rn_executor_of_record(job_id)->stop_lost(dir);
        free(dir);
        char *reason = pid > 0 ? tt_xasprintf("its supervisor (pid %ld) was gone when the runner "
                                              "restarted%s",
                                              pid, orphans ? "; its processes, left running, "
                                                             "were stopped"
                                                           : "")
                               : tt_xstrdup("it had not started when the runner stopped");
        rn_runs_run_ended(r, number, lost[i], TT_TRIAL_INTERRUPTED, NAN, -1, reason);
        free(reason);
    }
    free(lost);
    tt_run_records_free(rows, n);
    /* Every run had ended (or none had started, or the rest must not
     * start): the trial ends now rather than never. */
    tr = rn_runs_find(r, number);
    if (tr && tr->running == 0 &&
        (tr->started >= tr->n || tr->end_state != TT_TRIAL_COMPLETED) && tr->ended > 0)
        finish_trial(r, tr);
}
