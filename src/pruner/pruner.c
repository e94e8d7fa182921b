/*
 * pruner — the entry points: the options' defaults, check the inputs once,
 * pick the pruner the sweep asked for (`pruner:` first, else W&B's
 * `early_terminate:`), and the helpers every pruner shares (curve lookups,
 * reason formatting, CRC-32).
 *
 * Nothing here keeps state between calls: a decision is a function of the
 * curves alone, so a resumed study replays the same decisions.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Optuna v4.0's constructor defaults (docs/algorithms.md §2.1-2.4): the
 * percentile pruners start after 5 trials, ASHA and Hyperband differ in η
 * and min_resource. */
tt_pruner_spec tt_pruner_spec_default(tt_pruner_kind kind)
{
    return (tt_pruner_spec){
        .kind = kind,
        .n_startup_trials = 5,
        .interval_steps = 1,
        .n_min_trials = 1,
        .percentile = 50,
        .min_resource = kind == TT_PRUNER_HYPERBAND ? 1 : 0,
        .reduction_factor = kind == TT_PRUNER_HYPERBAND ? 3 : 4,
    };
}

/* W&B's (docs/algorithms.md §2.6). */
tt_early_terminate tt_early_terminate_default(void)
{
    return (tt_early_terminate){.eta = 3, .strict = true};
}

void pr_decide(tt_prune_decision *out, bool prune, const char *fmt, ...)
{
    va_list ap;
    out->prune = prune;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
}

size_t pr_lower_bound(const tt_curve *c, long step)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->steps[mid] < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool pr_value_at(const tt_curve *c, long step, double *v)
{
    size_t i = pr_lower_bound(c, step);
    if (i == c->n || c->steps[i] != step)
        return false;
    *v = c->values[i];
    return true;
}

bool pr_worse(tt_goal goal, double a, double b)
{
    return goal == TT_GOAL_MAXIMIZE ? a < b : a > b;
}

const char *pr_format(double v, char *buf)
{
    snprintf(buf, 32, "%.6g", v);
    return buf;
}

void pr_format_pair(double a, double b, char *as, char *bs)
{
    for (int digits = 4; digits <= 17; digits++) {
        snprintf(as, 32, "%.*g", digits, a);
        snprintf(bs, 32, "%.*g", digits, b);
        if (strcmp(as, bs) != 0 || a == b || isnan(a) || isnan(b))
            return;
    }
}

bool pr_first_in_interval(const tt_curve *c, long step, long warmup, long interval)
{
    /* Optuna: the nearest pruning step at or below step, then the largest
     * other reported step; the check runs only when no earlier report fell
     * in this window. step >= warmup here, so the division is exact floor. */
    long nearest = (step - warmup) / interval * interval + warmup;
    long second_last = -1;
    for (size_t i = 0; i < c->n; i++)
        if (c->steps[i] > second_last && c->steps[i] != step)
            second_last = c->steps[i];
    return second_last < nearest;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void pr_sort(double *a, size_t n)
{
    qsort(a, n, sizeof *a, cmp_double);
}

/* CRC-32 with the reflected polynomial 0xEDB88320, four bits at a time: a
 * 16-entry constant table keeps it small and needs no initialisation. reg is
 * the raw shift register (start from 0xFFFFFFFF, invert at the end), so a
 * string can be hashed in pieces. */
uint32_t pr_crc32_update(uint32_t reg, const void *data, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        reg ^= p[i];
        reg = (reg >> 4) ^ nibble[reg & 15];
        reg = (reg >> 4) ^ nibble[reg & 15];
    }
    return reg;
}

uint32_t tt_pruner_crc32(const void *data, size_t n)
{
    return ~pr_crc32_update(0xFFFFFFFFu, data, n);
}

static int check_spec(const tt_pruner_spec *spec, tt_error *err)
{
    switch (spec->kind) {
    case TT_PRUNER_NONE:
        return 0;
    case TT_PRUNER_MEDIAN:
    case TT_PRUNER_PERCENTILE:
        if (!(spec->percentile >= 0 && spec->percentile <= 100))
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: percentile %g is not between 0 and 100",
                                spec->percentile);
        break;
    case TT_PRUNER_ASHA:
    case TT_PRUNER_HYPERBAND:
        if (!(spec->reduction_factor > 1) || !isfinite(spec->reduction_factor))
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: reduction_factor %g must be a number > 1",
                                spec->reduction_factor);
        if (spec->min_resource < 0 || spec->max_resource < 0 ||
            spec->min_early_stopping_rate < 0 || spec->bootstrap_count < 0)
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: min_resource, max_resource, min_early_stopping_rate "
                                "and bootstrap_count must not be negative");
        if (spec->kind == TT_PRUNER_HYPERBAND && spec->min_resource < 1)
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: hyperband needs min_resource >= 1");
        break;
    case TT_PRUNER_PATIENCE:
        if (spec->patience < 0 || !(spec->min_delta >= 0))
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: patience and min_delta must not be negative");
        break;
    case TT_PRUNER_THRESHOLD:
        if (!spec->has_lower && !spec->has_upper)
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: threshold needs a lower or an upper bound");
        if (spec->has_lower && spec->has_upper && spec->lower > spec->upper)
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: threshold lower %g is greater than upper %g",
                                spec->lower, spec->upper);
        break;
    default:
        return tt_error_set(err, TT_ERR_INVALID, "pruner: unknown kind %d", (int)spec->kind);
    }
    if (spec->kind != TT_PRUNER_ASHA && spec->kind != TT_PRUNER_HYPERBAND &&
        (spec->n_startup_trials < 0 || spec->n_warmup_steps < 0 || spec->interval_steps < 1 ||
         spec->n_min_trials < 1))
        return tt_error_set(err, TT_ERR_INVALID,
                            "pruner: n_startup_trials and n_warmup_steps must be >= 0, "
                            "interval_steps and n_min_trials >= 1");
    return 0;
}

/* Fill ctx and check what every pruner relies on. Returns 1 when the
 * current trial has no report yet (kept), 0 to go on, or a negative code. */
static int setup(pr_ctx *ctx, const char *study_name, const char *metric, tt_goal goal,
                 const tt_curve *trials, size_t n_trials, size_t current,
                 tt_prune_decision *out, tt_error *err)
{
    if (!trials || current >= n_trials)
        return tt_error_set(err, TT_ERR_INVALID,
                            "pruner: current trial index %zu is outside the %zu trials", current,
                            n_trials);
    const tt_curve *c = &trials[current];
    if (c->n > 0 && (!c->steps || !c->values))
        return tt_error_set(err, TT_ERR_INVALID, "pruner: trial %ld has no report arrays",
                            c->number);
    for (size_t i = 1; i < c->n; i++)
        if (c->steps[i] <= c->steps[i - 1])
            return tt_error_set(err, TT_ERR_INVALID,
                                "pruner: trial %ld reports step %ld after step %ld "
                                "(steps must be strictly ascending)",
                                c->number, c->steps[i], c->steps[i - 1]);
    *ctx = (pr_ctx){
        .study = study_name ? study_name : "",
        .metric = metric && *metric ? metric : "objective",
        .goal = goal,
        .trials = trials,
        .n_trials = n_trials,
        .current = current,
        .cur = c,
    };
    if (c->n == 0) {
        pr_decide(out, false, "no report yet");
        return 1;
    }
    ctx->step = c->steps[c->n - 1];
    ctx->value = c->values[c->n - 1];
    return 0;
}

int pr_dispatch(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                tt_error *err)
{
    switch (spec->kind) {
    case TT_PRUNER_MEDIAN:
    case TT_PRUNER_PERCENTILE:
        return pr_percentile(spec, ctx, out, err);
    case TT_PRUNER_ASHA:
        return pr_asha(spec, ctx, out, err);
    case TT_PRUNER_HYPERBAND:
        return pr_hyperband(spec, ctx, out, err);
    case TT_PRUNER_PATIENCE:
        return pr_patience(spec, NULL, ctx, out, err);
    case TT_PRUNER_THRESHOLD:
        return pr_threshold(spec, ctx, out, err);
    default:
        pr_decide(out, false, "no pruner");
        return 0;
    }
}

int tt_pruner_decide(const tt_pruner_spec *spec, const tt_early_terminate *et,
                     const char *study_name, const char *metric, tt_goal goal,
                     const tt_curve *trials, size_t n_trials, size_t current,
                     tt_prune_decision *out, tt_error *err)
{
    bool use_spec = spec && spec->kind != TT_PRUNER_NONE;
    bool use_et = !use_spec && et && et->enabled;
    int rc;
    if (use_spec && (rc = check_spec(spec, err)) < 0)
        return rc;
    if (use_et && !(et->eta > 1 && isfinite(et->eta)))
        return tt_error_set(err, TT_ERR_INVALID, "early_terminate: eta %g must be > 1",
                            et->eta);
    tt_prune_decision d;
    pr_ctx ctx;
    if ((rc = setup(&ctx, study_name, metric, goal, trials, n_trials, current, &d, err)) < 0)
        return rc;
    if (rc == 0) {
        if (use_spec)
            rc = pr_dispatch(spec, &ctx, &d, err);
        else if (use_et)
            rc = pr_wandb(et, &ctx, &d, err);
        else
            pr_decide(&d, false, "no pruner");
        if (rc < 0)
            return rc;
    }
    *out = d;
    return 0;
}

int tt_pruner_decide_patient(const tt_pruner_spec *patience, const tt_pruner_spec *wrapped,
                             const char *study_name, const char *metric, tt_goal goal,
                             const tt_curve *trials, size_t n_trials, size_t current,
                             tt_prune_decision *out, tt_error *err)
{
    int rc;
    if (!patience || patience->kind != TT_PRUNER_PATIENCE)
        return tt_error_set(err, TT_ERR_INVALID, "pruner: the wrapper must be a patience pruner");
    if ((rc = check_spec(patience, err)) < 0)
        return rc;
    if (wrapped && wrapped->kind == TT_PRUNER_PATIENCE)
        return tt_error_set(err, TT_ERR_INVALID,
                            "pruner: a patience pruner cannot wrap another patience pruner");
    if (wrapped && (rc = check_spec(wrapped, err)) < 0)
        return rc;
    tt_prune_decision d;
    pr_ctx ctx;
    if ((rc = setup(&ctx, study_name, metric, goal, trials, n_trials, current, &d, err)) < 0)
        return rc;
    if (rc == 0 && (rc = pr_patience(patience, wrapped, &ctx, &d, err)) < 0)
        return rc;
    *out = d;
    return 0;
}
