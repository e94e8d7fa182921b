/*
 * Median and percentile pruners (Optuna v4.0 `_percentile.py`,
 * docs/algorithms.md §2.1): a trial whose best report so far is worse than
 * the p-th percentile of the completed trials at the same step stops.
 *
 * Order of the checks, as Optuna: fewer COMPLETED trials than
 * n_startup_trials (or none) keeps; a step below n_warmup_steps keeps; a
 * report that is not the first in its interval window keeps; an all-NaN
 * curve prunes; fewer than n_min_trials completed reports at this very step
 * keeps. The percentile is numpy's nanpercentile with linear interpolation
 * (100 - p when maximising), including numpy's two-sided lerp.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* numpy's _lerp: a + (b - a)·t, computed from b's side when t >= 0.5 so the
 * result is exact at both ends. */
static double lerp(double a, double b, double t)
{
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* numpy.percentile(sorted[0..n-1], p, method="linear"), n >= 1. */
static double percentile_sorted(const double *x, size_t n, double p)
{
    double q = p / 100;
    double virt = (double)(n - 1) * q;
    double lo = floor(virt);
    size_t i = (size_t)lo;
    if (i >= n - 1)
        return x[n - 1];
    return lerp(x[i], x[i + 1], virt - lo);
}

/* "the median", "the 25th percentile" (p as the user gave it: counted from
 * the best side, whichever the goal). */
static void percentile_name(double p, char *buf, size_t n)
{
    if (p == 50) {
        snprintf(buf, n, "the median");
        return;
    }
    const char *suffix = "";
    if (p == floor(p)) {
        long k = (long)p;
        suffix = k % 100 >= 11 && k % 100 <= 13 ? "th"
                 : k % 10 == 1                  ? "st"
                 : k % 10 == 2                  ? "nd"
                 : k % 10 == 3                  ? "rd"
                                                : "th";
    }
    snprintf(buf, n, "the %g%s percentile", p, suffix);
}

int pr_percentile(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                  tt_error *err)
{
    (void)err;
    size_t n_completed = 0;
    for (size_t i = 0; i < ctx->n_trials; i++)
        if (i != ctx->current && ctx->trials[i].state == TT_TRIAL_COMPLETED)
            n_completed++;
    if (n_completed == 0 || (long)n_completed < spec->n_startup_trials) {
        pr_decide(out, false, "startup: %zu of %ld trials completed", n_completed,
                  spec->n_startup_trials);
        return 0;
    }
    long step = ctx->step;
    if (step < spec->n_warmup_steps) {
        pr_decide(out, false, "warm-up: step %ld < n_warmup_steps %ld", step,
                  spec->n_warmup_steps);
        return 0;
    }
    if (!pr_first_in_interval(ctx->cur, step, spec->n_warmup_steps, spec->interval_steps)) {
        pr_decide(out, false, "step %ld: not a check step (interval_steps %ld)", step,
                  spec->interval_steps);
        return 0;
    }

    /* Best of the trial's own reports, NaN ignored (numpy nanmin/nanmax). */
    bool maximize = ctx->goal == TT_GOAL_MAXIMIZE;
    double best = NAN;
    for (size_t i = 0; i < ctx->cur->n; i++) {
        double v = ctx->cur->values[i];
        if (!isnan(v) && (isnan(best) || (maximize ? v > best : v < best)))
            best = v;
    }
    if (isnan(best)) {
        pr_decide(out, true, "non-finite objective (nan) at step %ld: %s has no value so far",
                  step, ctx->metric);
        return 0;
    }

    /* The completed trials' reports at this step. Optuna counts NaN reports
     * toward n_min_trials, then nanpercentile drops them. */
    double *vals = tt_xmalloc((n_completed ? n_completed : 1) * sizeof *vals);
    size_t n_at = 0, n_finite = 0;
    for (size_t i = 0; i < ctx->n_trials; i++) {
        const tt_curve *t = &ctx->trials[i];
        double v;
        if (i == ctx->current || t->state != TT_TRIAL_COMPLETED || !pr_value_at(t, step, &v))
            continue;
        n_at++;
        if (!isnan(v))
            vals[n_finite++] = v;
    }
    if ((long)n_at < spec->n_min_trials || n_finite == 0) {
        pr_decide(out, false, "step %ld: %zu completed trials reported this step, %ld needed",
                  step, n_at, spec->n_min_trials);
        free(vals);
        return 0;
    }
    pr_sort(vals, n_finite);
    double user_p = spec->kind == TT_PRUNER_MEDIAN ? 50 : spec->percentile;
    double p = maximize ? 100 - user_p : user_p;
    double threshold = percentile_sorted(vals, n_finite, p);
    free(vals);

    char name[48], bs[32], ts[32];
    percentile_name(user_p, name, sizeof name);
    pr_format_pair(best, threshold, bs, ts);
    if (pr_worse(ctx->goal, best, threshold))
        pr_decide(out, true, "step %ld: %s %s (best so far) worse than %s %s of %zu completed "
                  "trials at step %ld", step, ctx->metric, bs, name, ts, n_at, step);
    else
        pr_decide(out, false, "step %ld: %s %s (best so far) not worse than %s %s of %zu "
                  "completed trials", step, ctx->metric, bs, name, ts, n_at);
    return 0;
}
