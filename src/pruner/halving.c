/*
 * Successive halving (ASHA) and Hyperband (Optuna v4.0
 * `_successive_halving.py`, `_hyperband.py`; docs/algorithms.md
 * §2.2–2.3).
 *
 * Rung r of a trial ends at step r_min·η^(s+r). At the first report at or
 * past that step, the trial competes with every trial that reached the same
 * rung: it goes on only when its value is among the best max(⌊m/η⌋, 1) of
 * the m values, else it is pruned.
 *
 * Optuna keeps a `completed_rung_r` attribute per trial, written when the
 * pruner runs. tunetop recomputes the same bookkeeping from the curves, so
 * that nothing but the curves is needed and a resumed study decides the
 * same:
 *   - another trial (any state) reached rung r when it has a report at a
 *     step >= the rung's step; its rung value is that first report's value
 *     (Optuna stores exactly that value). NaN rung values are left out:
 *     Optuna prunes a NaN before it stores the attribute.
 *   - the current trial already passed every rung whose step is at or below
 *     its previous report (it was checked there and kept running); only the
 *     rungs its new report crosses are checked, with the new value.
 * Deviations, all from using curves instead of stored attributes: a pruned
 * trial whose last report jumped past two rungs counts at both (Optuna
 * stored only the rung it failed); min_resource/max_resource "auto" follow
 * the completed trials at each call instead of being frozen at the first
 * estimate (Optuna's choice depends on which trial finished first, which the
 * curves do not record), so they can grow as longer trials complete; and
 * reduction_factor may be any number > 1 (Optuna needs an integer), the
 * number that goes on being ⌊m/η⌋.
 *
 * Hyperband: B = ⌊log_η(max/min)⌋ + 1 brackets computed in floating point
 * like Python's math.log(x, base); bracket b has budget ⌈B·η^(B−1−b)/(B−b)⌉;
 * a trial's bracket is crc32("{study}_{number}") mod Σbudgets walked through
 * the budgets; bracket b runs ASHA with s = b against its own trials only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#include <string.h>

/* Brackets beyond this many would need budgets past 2^53 for any useful η;
 * Optuna would use Python's big integers, we refuse with a message. */
#define MAX_BRACKETS 256

typedef struct sha_params {
    double r_min;       /* min_resource */
    double eta;         /* reduction_factor */
    long s;             /* min_early_stopping_rate (Hyperband: the bracket) */
    long bootstrap;     /* bootstrap_count */
    const unsigned char *member; /* NULL: every trial competes; else member[i] */
    char prefix[64];    /* "hyperband bracket 1 (brackets 0-3): " */
} sha_params;

static double rung_step(const sha_params *p, long rung)
{
    return p->r_min * pow(p->eta, (double)(p->s + rung));
}

/* Index of the first report at a step >= step (c->n when none). */
static size_t first_at_or_after(const tt_curve *c, double step)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)c->steps[mid] < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int run_sha(const sha_params *p, const pr_ctx *ctx, tt_prune_decision *out)
{
    const tt_curve *cur = ctx->cur;
    long step = ctx->step;
    double value = ctx->value;

    /* Rungs crossed by earlier reports were checked then and passed. */
    long rung = 0;
    if (cur->n >= 2) {
        double prev = (double)cur->steps[cur->n - 2];
        while (rung_step(p, rung) <= prev)
            rung++;
    }

    double *vals = tt_xmalloc((ctx->n_trials + 1) * sizeof *vals);
    char vs[32], ts[32], passed[128] = "";
    for (;; rung++) {
        double rs = rung_step(p, rung);
        if ((double)step < rs) {
            pr_decide(out, false, "%sstep %ld: %snext rung-%ld at step %.0f", p->prefix, step,
                      passed, rung, rs);
            break;
        }
        if (isnan(value)) {
            pr_decide(out, true, "%snon-finite objective (nan) at step %ld (rung-%ld)",
                      p->prefix, step, rung);
            break;
        }
        size_t m = 0;
        for (size_t i = 0; i < ctx->n_trials; i++) {
            if (i == ctx->current || (p->member && !p->member[i]))
                continue;
            const tt_curve *t = &ctx->trials[i];
            size_t k = first_at_or_after(t, rs);
            if (k < t->n && !isnan(t->values[k]))
                vals[m++] = t->values[k];
        }
        vals[m++] = value; /* the current trial competes too */
        if ((long)m <= p->bootstrap) {
            pr_decide(out, true,
                      "%sstep %ld: only %zu trials reached rung-%ld (step %.0f); "
                      "bootstrap_count %ld needs more",
                      p->prefix, step, m, rung, rs, p->bootstrap);
            break;
        }
        long idx = (long)floor((double)m / p->eta) - 1;
        if (idx < 0)
            idx = 0; /* fewer than η competitors: only the best goes on */
        pr_sort(vals, m);
        double threshold = ctx->goal == TT_GOAL_MAXIMIZE ? vals[m - 1 - (size_t)idx]
                                                         : vals[idx];
        bool promotable = ctx->goal == TT_GOAL_MAXIMIZE ? value >= threshold
                                                        : value <= threshold;
        pr_format_pair(value, threshold, vs, ts);
        if (!promotable) {
            pr_decide(out, true,
                      "%sstep %ld: %s %s worse than rung-%ld threshold %s (the best %ld of %zu "
                      "trials at step %.0f go on)",
                      p->prefix, step, ctx->metric, vs, rung, ts, idx + 1, m, rs);
            break;
        }
        snprintf(passed, sizeof passed, "%s %s passed rung-%ld (threshold %s of %zu); ",
                 ctx->metric, vs, rung, ts, m);
    }
    free(vals);
    return 0;
}

/* Largest last step of the COMPLETED trials with reports; false when none. */
static bool max_completed_step(const pr_ctx *ctx, long *out)
{
    bool any = false;
    for (size_t i = 0; i < ctx->n_trials; i++) {
        const tt_curve *t = &ctx->trials[i];
        if (i == ctx->current || t->state != TT_TRIAL_COMPLETED || t->n == 0)
            continue;
        if (!any || t->steps[t->n - 1] > *out)
            *out = t->steps[t->n - 1];
        any = true;
    }
    return any;
}

int pr_asha(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
            tt_error *err)
{
    (void)err;
    sha_params p = {.r_min = (double)spec->min_resource,
                    .eta = spec->reduction_factor,
                    .s = spec->min_early_stopping_rate,
                    .bootstrap = spec->bootstrap_count};
    if (spec->min_resource <= 0) {
        /* auto: max(1, ⌊max last step of COMPLETED trials / 100⌋). */
        long last;
        if (!max_completed_step(ctx, &last)) {
            pr_decide(out, false,
                      "min_resource auto: waiting for a completed trial to size the rungs");
            return 0;
        }
        long r = last >= 0 ? last / 100 : -((-last + 99) / 100); /* floor, as Python's // */
        p.r_min = (double)(r > 1 ? r : 1);
    }
    return run_sha(&p, ctx, out);
}

/* The trial allocation budget of each bracket into budgets; the total into
 * *total. Returns false when a budget would not be exact in a double. */
static bool bracket_budgets(long n_brackets, double eta, double *budgets, double *total)
{
    *total = 0;
    for (long b = 0; b < n_brackets; b++) {
        long s = n_brackets - 1 - b;
        budgets[b] = ceil((double)n_brackets * pow(eta, (double)s) / (double)(s + 1));
        *total += budgets[b];
    }
    return *total < 9007199254740992.0; /* 2^53 */
}

long tt_pruner_hyperband_n_brackets(long min_resource, long max_resource, double eta)
{
    if (min_resource < 1 || max_resource < 1 || !(eta > 1))
        return 0;
    /* Python's math.log(x, base) is log(x) / log(base); x is a true division. */
    double x = (double)max_resource / (double)min_resource;
    return (long)floor(log(x) / log(eta)) + 1;
}

static long bracket_of(const char *study, long number, long n_brackets, const double *budgets,
                       double total)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%ld", number);
    uint32_t reg = pr_crc32_update(0xFFFFFFFFu, study, strlen(study));
    reg = pr_crc32_update(reg, "_", 1);
    reg = pr_crc32_update(reg, digits, (size_t)nd);
    double n = fmod((double)~reg, total);
    for (long b = 0; b < n_brackets; b++) {
        n -= budgets[b];
        if (n < 0)
            return b;
    }
    return n_brackets - 1; /* unreachable: the budgets sum to total */
}

long tt_pruner_hyperband_bracket(const char *study_name, long number, long n_brackets,
                                 double eta)
{
    double budgets[MAX_BRACKETS], total;
    if (n_brackets < 1 || n_brackets > MAX_BRACKETS || !(eta > 1) ||
        !bracket_budgets(n_brackets, eta, budgets, &total))
        return -1;
    return bracket_of(study_name ? study_name : "", number, n_brackets, budgets, total);
}

int pr_hyperband(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                 tt_error *err)
{
    long max_resource = spec->max_resource;
    if (max_resource <= 0) {
        /* auto: the largest step of the completed trials, plus one. */
        long last;
        if (!max_completed_step(ctx, &last)) {
            pr_decide(out, false,
                      "max_resource auto: waiting for a completed trial to size the brackets");
            return 0;
        }
        max_resource = last + 1;
    }
    double eta = spec->reduction_factor;
    long nb = tt_pruner_hyperband_n_brackets(spec->min_resource, max_resource, eta);
    if (nb < 1) {
        /* Optuna builds no bracket then and never prunes. */
        pr_decide(out, false, "hyperband: max_resource %ld below min_resource %ld, no bracket",
                  max_resource, spec->min_resource);
        return 0;
    }
    double budgets[MAX_BRACKETS], total;
    if (nb > MAX_BRACKETS || !bracket_budgets(nb, eta, budgets, &total))
        return tt_error_set(err, TT_ERR_INVALID,
                            "pruner: hyperband with min_resource %ld, max_resource %ld and "
                            "reduction_factor %g needs %ld brackets, too many: raise "
                            "reduction_factor or min_resource",
                            spec->min_resource, max_resource, eta, nb);

    long mine = bracket_of(ctx->study, ctx->cur->number, nb, budgets, total);
    unsigned char *member = tt_xmalloc(ctx->n_trials ? ctx->n_trials : 1);
    for (size_t i = 0; i < ctx->n_trials; i++)
        member[i] = i == ctx->current ||
                    bracket_of(ctx->study, ctx->trials[i].number, nb, budgets, total) == mine;
    sha_params p = {.r_min = (double)spec->min_resource,
                    .eta = eta,
                    .s = mine,
                    .bootstrap = spec->bootstrap_count,
                    .member = member};
    snprintf(p.prefix, sizeof p.prefix, "hyperband bracket %ld (brackets 0-%ld): ", mine, nb - 1);
    int rc = run_sha(&p, ctx, out);
    free(member);
    return rc;
}
