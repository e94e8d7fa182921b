/*
 * prune — the runner's side of early stopping: it keeps every trial's
 * objective curve in memory (loaded once from the store, then appended as
 * reports arrive) and asks the pruner each time a running trial reports the
 * objective at a new step. A trial the pruner stops gets SIGTERM to its
 * process group like any other end the runner asks for, and is recorded
 * `pruned` with the pruner's reason.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tunetop/pruner.h"

static bool pruning_enabled(const tt_sweep *sw)
{
    return sw->metric.name &&
           (sw->pruner.kind != TT_PRUNER_NONE || sw->early_terminate.enabled);
}

static rn_objective_curve *curve_of(rn_runner *r, long number)
{
    if (number <= 0)
        return NULL;
    size_t idx = (size_t)number - 1;
    if (idx >= r->n_curves) {
        tt_grow((void **)&r->curves, &r->cap_curves, idx + 1, sizeof *r->curves);
        memset(r->curves + r->n_curves, 0, (idx + 1 - r->n_curves) * sizeof *r->curves);
        r->n_curves = idx + 1;
    }
    return &r->curves[idx];
}

/* Steps stay ascending with one value per step: a repeated step replaces
 * its value (the last report wins, as the store's readers see it). */
static void curve_put(rn_objective_curve *c, long step, double value)
{
    size_t at = c->n;
    while (at > 0 && c->steps[at - 1] > step)
        at--;
    if (at > 0 && c->steps[at - 1] == step) {
        c->values[at - 1] = value;
        return;
    }
    size_t cap_s = c->cap, cap_v = c->cap;
    tt_grow((void **)&c->steps, &cap_s, c->n + 1, sizeof *c->steps);
    tt_grow((void **)&c->values, &cap_v, c->n + 1, sizeof *c->values);
    c->cap = cap_s;
    memmove(c->steps + at + 1, c->steps + at, (c->n - at) * sizeof *c->steps);
    memmove(c->values + at + 1, c->values + at, (c->n - at) * sizeof *c->values);
    c->steps[at] = step;
    c->values[at] = value;
    c->n++;
}

static void curve_free(rn_objective_curve *c)
{
    for (int i = 0; i < c->n_runs; i++)
        curve_free(&c->runs[i]);
    free(c->runs);
    free(c->steps);
    free(c->values);
    memset(c, 0, sizeof *c);
}

void rn_prune_forget(rn_runner *r, long number)
{
    rn_objective_curve *c = curve_of(r, number);
    if (c)
        curve_free(c);
}

static bool curve_at(const rn_objective_curve *c, long step, double *value)
{
    for (size_t i = c->n; i > 0; i--)
        if (c->steps[i - 1] == step) {
            *value = c->values[i - 1];
            return true;
        } else if (c->steps[i - 1] < step) {
            break;
        }
    return false;
}

/* A report of run `run` (of n_runs; -1 for a trial of one run) into the
 * trial's curve c: directly, or into the run's curve and, once every run
 * has reached step, their mean into c. */
static void put_report(rn_objective_curve *c, int run, int n_runs, long step, double value)
{
    if (run < 0 || n_runs <= 1) {
        curve_put(c, step, value);
        return;
    }
    if (c->n_runs < n_runs) {
        c->runs = tt_xrealloc(c->runs, (size_t)n_runs * sizeof *c->runs);
        memset(c->runs + c->n_runs, 0, (size_t)(n_runs - c->n_runs) * sizeof *c->runs);
        c->n_runs = n_runs;
    }
    if (run >= c->n_runs)
        return;
    curve_put(&c->runs[run], step, value);
    double sum = 0;
    for (int i = 0; i < n_runs; i++) {
        double v;
        if (!curve_at(&c->runs[i], step, &v))
            return;
        sum += v;
    }
    curve_put(c, step, sum / n_runs);
}

static int runs_of(const rn_runner *r, long number)
{
    if (number < 1 || (size_t)number > r->n_trials)
        return 1;
    return tt_runs_count(r->trials[number - 1].folds, r->trials[number - 1].repeats);
}

typedef struct load_ctx {
    rn_runner *r;
    const char *metric;
} load_ctx;

static int load_point(const tt_metric_point *p, void *ud)
{
    load_ctx *c = ud;
    if (strcmp(p->name, c->metric) != 0 || p->trial <= 0)
        return 0;
    size_t idx = (size_t)p->trial - 1;
    /* Only the current attempt's reports describe the trial, and a pruned
     * trial's curve ends at the step it was pruned at (its last_step). */
    if (idx < c->r->n_trials) {
        const tt_trial_record *t = &c->r->trials[idx];
        if (t->attempt != p->attempt)
            return 0;
        if (t->state == TT_TRIAL_PRUNED && p->step > t->last_step)
            return 0;
    }
    int n_runs = runs_of(c->r, p->trial);
    put_report(curve_of(c->r, p->trial), n_runs > 1 ? p->run : -1, n_runs, p->step, p->value);
    return 0;
}

void rn_prune_load(rn_runner *r)
{
    if (!pruning_enabled(r->sweep))
        return;
    load_ctx c = {r, r->sweep->metric.name};
    tt_error err = {0};
    if (tt_store_metrics_since(r->store, 0, -1, load_point, &c, &err) < 0)
        rn_runner_say(r, "cannot load curves for pruning: %s", err.msg);
}

void rn_prune_report(rn_runner *r, rn_live *lv, long step, double value)
{
    /* Reports after the runner asked the trial to end (they keep coming
     * until SIGTERM lands) are not part of its curve: Optuna never sees
     * them, and they would let a pruned trial compete at later rungs. */
    if (lv->end_request != RN_END_NONE)
        return;
    rn_objective_curve *mine = curve_of(r, lv->number);
    long last = mine->n ? mine->steps[mine->n - 1] : -1;
    put_report(mine, lv->run, runs_of(r, lv->number), step, value);
    long now = mine->n ? mine->steps[mine->n - 1] : -1;
    if (!pruning_enabled(r->sweep) || now <= last)
        return;
    /* Every trial that has reported, plus this one as running. */
    tt_curve *curves = tt_xcalloc(r->n_curves + 1, sizeof *curves);
    size_t n = 0, current = 0;
    for (size_t i = 0; i < r->n_curves && i < r->n_trials; i++) {
        const rn_objective_curve *c = &r->curves[i];
        if (c->n == 0)
            continue;
        if ((long)i + 1 == lv->number)
            current = n;
        curves[n++] = (tt_curve){
            .number = (long)i + 1,
            .state = (long)i + 1 == lv->number ? TT_TRIAL_RUNNING : r->trials[i].state,
            .steps = c->steps,
            .values = c->values,
            .n = c->n,
        };
    }
    tt_prune_decision d = {0};
    tt_error err = {0};
    const char *name = r->study_name ? r->study_name : "";
    int rc = tt_pruner_decide(&r->sweep->pruner, &r->sweep->early_terminate, name,
                              r->sweep->metric.name, r->sweep->metric.goal, curves, n, current,
                              &d, &err);
    free(curves);
    if (rc < 0) {
        if (!r->warned_pruner) {
            rn_runner_event(r, lv->number, "warning", "pruner: %s", err.msg);
            r->warned_pruner = true;
        }
        return;
    }
    if (d.prune)
        rn_runs_request_end(r, lv->number, RN_END_PRUNE, d.reason);
}

void rn_prune_free(rn_runner *r)
{
    for (size_t i = 0; i < r->n_curves; i++)
        curve_free(&r->curves[i]);
    free(r->curves);
    r->curves = NULL;
    r->n_curves = r->cap_curves = 0;
}
