/*
 * The two pruners that look at the current trial alone: patience (Optuna
 * v4.0 `_patient.py`; docs/pruning.md) and threshold (`_threshold.py`),
 * which stops a diverging trial.
 *
 * Patience: with more than patience+1 reports, the trial has stalled when
 * the best of its last patience+1 reports is worse, by more than min_delta,
 * than the best before them (NaN ignored; an all-NaN side never stalls; a
 * flat plateau is not worse, so it is never pruned, as in Optuna). A
 * stalled trial is pruned, or, when patience wraps another pruner, that
 * pruner decides. tunetop addition: n_warmup_steps (which config accepts
 * for patience) keeps a trial before that step; Optuna's PatientPruner has
 * no warm-up, and the default 0 behaves exactly like it.
 *
 * Threshold: after n_warmup_steps and on the first report of each
 * interval_steps window (as Optuna), the latest value is pruned when it is
 * below lower or above upper. Deviation: any non-finite value (NaN, +inf,
 * -inf) is pruned, where Optuna prunes NaN and lets an infinity through when
 * no bound is on its side; an infinite loss or accuracy is divergence.
 */
#include <math.h>
#include <stdio.h>

#include "internal.h"

/* nanmin (nanmax when maximising) of v[0..n-1]; NaN when all are NaN. */
static double nan_best(const double *v, size_t n, tt_goal goal)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && (isnan(best) || pr_worse(goal, best, v[i])))
            best = v[i];
    return best;
}

int pr_patience(const tt_pruner_spec *spec, const tt_pruner_spec *wrapped, const pr_ctx *ctx,
                tt_prune_decision *out, tt_error *err)
{
    const tt_curve *c = ctx->cur;
    long step = ctx->step;
    size_t window = (size_t)spec->patience + 1;
    if (step < spec->n_warmup_steps) {
        pr_decide(out, false, "warm-up: step %ld < n_warmup_steps %ld", step,
                  spec->n_warmup_steps);
        return 0;
    }
    if (c->n <= window) {
        pr_decide(out, false, "step %ld: %zu reports, patience needs more than %zu", step, c->n,
                  window);
        return 0;
    }
    double before = nan_best(c->values, c->n - window, ctx->goal);
    double after = nan_best(c->values + (c->n - window), window, ctx->goal);
    bool stalled = ctx->goal == TT_GOAL_MAXIMIZE ? before - spec->min_delta > after
                                                 : before + spec->min_delta < after;
    char bs[32], as[32], md[32];
    pr_format_pair(after, before, as, bs);
    if (!stalled) {
        pr_decide(out, false, "step %ld: %s %s over the last %zu reports, best before %s",
                  step, ctx->metric, as, window, bs);
        return 0;
    }
    char why[160];
    snprintf(why, sizeof why,
             "step %ld: %s stalled: best of the last %zu reports %s, best before %s "
             "(min_delta %s)",
             step, ctx->metric, window, as, bs, pr_format(spec->min_delta, md));
    if (!wrapped || wrapped->kind == TT_PRUNER_NONE) {
        pr_decide(out, true, "%s", why);
        return 0;
    }
    tt_prune_decision inner;
    int rc = pr_dispatch(wrapped, ctx, &inner, err);
    if (rc < 0)
        return rc;
    pr_decide(out, inner.prune, "%s; %s", why, inner.reason);
    return 0;
}

int pr_threshold(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                 tt_error *err)
{
    (void)err;
    long step = ctx->step;
    double v = ctx->value;
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
    char vs[32], bs[32];
    if (!isfinite(v)) {
        pr_decide(out, true, "non-finite objective (%s) at step %ld",
                  isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", step);
    } else if (spec->has_lower && v < spec->lower) {
        pr_format_pair(v, spec->lower, vs, bs);
        pr_decide(out, true, "step %ld: %s %s below the lower bound %s", step, ctx->metric, vs,
                  bs);
    } else if (spec->has_upper && v > spec->upper) {
        pr_format_pair(v, spec->upper, vs, bs);
        pr_decide(out, true, "step %ld: %s %s above the upper bound %s", step, ctx->metric, vs,
                  bs);
    } else {
        pr_decide(out, false, "step %ld: %s %s within bounds", step, ctx->metric,
                  pr_format(v, vs));
    }
    return 0;
}
