/*
 * W&B's early_terminate hyperband (wandb/sweeps `hyperband_stopping.py`,
 * docs/algorithms.md §2.6), as W&B computes it.
 *
 * W&B counts logged values, not steps: a run's history is its finite values
 * of the metric in logging order (NaN and ±inf are dropped, as W&B's
 * filter_invalid does), negated when maximising, and band b means "the b-th
 * value". Bands come from max_iter and s (⌊max_iter/η^i⌋ for i = 1..s while
 * ≥ 1, sorted) or else from min_iter (⌊min_iter·η^k⌋, k = 0..99). The
 * threshold at band b is the value at index ⌊len/η⌋ of the sorted b-th
 * values of every run (any state, the current one included) that has at
 * least b values. A running run is judged at the largest band ≤ its length,
 * with its b-th value (strict) or its best value so far (not strict), and
 * stopped when that is greater than the threshold.
 *
 * Differences from W&B: W&B re-evaluates every running run whenever its
 * controller polls; tunetop decides when the run reports, so a run is
 * stopped at its next report after others have raised the bar. A run whose
 * values are all non-finite is never stopped here (W&B drops them); use the
 * threshold pruner for divergence.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define MAX_BANDS 128

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

size_t tt_pruner_wandb_bands(const tt_early_terminate *et, long limit, long *bands, size_t cap)
{
    size_t n = 0;
    if (!et || !(et->eta > 1))
        return 0;
    if (et->max_iter > 0 && et->s > 0) {
        /* W&B: band = max_iter; repeat s times: band /= eta, stop below 1. */
        double band = (double)et->max_iter;
        for (long i = 0; i < et->s; i++) {
            band /= et->eta;
            if (band < 1)
                break;
            if ((long)band <= limit && n < cap)
                bands[n++] = (long)band;
        }
        qsort(bands, n, sizeof *bands, cmp_long);
    } else if (et->min_iter > 0) {
        double band = (double)et->min_iter;
        for (int k = 0; k < 100 && band <= (double)limit && n < cap; k++) {
            bands[n++] = (long)band;
            band *= et->eta;
        }
    }
    return n;
}

/* The b-th (1-based) finite value of c, negated when maximising, into *v;
 * false when c has fewer than b finite values. */
static bool nth_finite(const tt_curve *c, long b, bool negate, double *v)
{
    long seen = 0;
    for (size_t i = 0; i < c->n; i++)
        if (isfinite(c->values[i]) && ++seen == b) {
            *v = negate ? -c->values[i] : c->values[i];
            return true;
        }
    return false;
}

int pr_wandb(const tt_early_terminate *et, const pr_ctx *ctx, tt_prune_decision *out,
             tt_error *err)
{
    (void)err;
    const tt_curve *cur = ctx->cur;
    bool negate = ctx->goal == TT_GOAL_MAXIMIZE;
    long len = 0;
    double best = INFINITY; /* min of the negated-when-maximising history */
    for (size_t i = 0; i < cur->n; i++)
        if (isfinite(cur->values[i])) {
            double v = negate ? -cur->values[i] : cur->values[i];
            len++;
            if (v < best)
                best = v;
        }
    long bands[MAX_BANDS];
    size_t nb = tt_pruner_wandb_bands(et, len, bands, MAX_BANDS);
    long band = -1;
    for (size_t i = 0; i < nb; i++)
        if (bands[i] <= len)
            band = bands[i];
    if (band < 1) {
        long all[MAX_BANDS];
        size_t na = tt_pruner_wandb_bands(et, LONG_MAX / 2, all, MAX_BANDS);
        if (na)
            pr_decide(out, false, "step %ld: %ld values of %s, first band at %ld", ctx->step,
                      len, ctx->metric, all[0]);
        else
            pr_decide(out, false, "early_terminate: no band (check min_iter, max_iter, s, eta)");
        return 0;
    }

    double *vals = tt_xmalloc(ctx->n_trials * sizeof *vals);
    size_t m = 0;
    for (size_t i = 0; i < ctx->n_trials; i++)
        if (nth_finite(&ctx->trials[i], band, negate, &vals[m]))
            m++;
    pr_sort(vals, m); /* m >= 1: the current run has band values */
    size_t idx = (size_t)((1.0 / et->eta) * (double)m);
    if (idx >= m)
        idx = m - 1;
    double threshold = vals[idx];
    free(vals);

    double cond = best;
    if (et->strict)
        nth_finite(cur, band, negate, &cond);
    bool stop = cond > threshold;
    char vs[32], ts[32];
    double shown = negate ? -cond : cond, shown_t = negate ? -threshold : threshold;
    pr_format_pair(shown, shown_t, vs, ts);
    pr_decide(out, stop, "step %ld: %s %s (%s) %s band-%ld threshold %s (%zu runs with %ld values%s)",
              ctx->step, ctx->metric, vs, et->strict ? "at the band" : "best so far",
              stop ? "worse than" : "within", band, ts, m, band,
              et->strict ? "" : ", not strict");
    return 0;
}
