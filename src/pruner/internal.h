/*
 * Shared between the pruner files: the call's inputs in one struct, curve
 * lookups, and the reason formatter. Not part of the public interface.
 */
#ifndef TUNETOP_PRUNER_INTERNAL_H
#define TUNETOP_PRUNER_INTERNAL_H

#include "tunetop/pruner.h"

typedef struct pr_ctx {
    const char *study;       /* never NULL ("" when not given) */
    const char *metric;      /* never NULL */
    tt_goal goal;
    const tt_curve *trials;
    size_t n_trials;
    size_t current;
    const tt_curve *cur;     /* &trials[current], cur->n >= 1 */
    long step;               /* cur's last step */
    double value;            /* cur's last value */
} pr_ctx;

/* Set out's decision and printf-style reason. */
void pr_decide(tt_prune_decision *out, bool prune, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Index of the first report at step >= step (c->n when none). */
size_t pr_lower_bound(const tt_curve *c, long step);
/* The value reported at exactly step into *v; false when there is none. */
bool pr_value_at(const tt_curve *c, long step, double *v);
/* Whether a is worse than b for the goal (false when either is NaN). */
bool pr_worse(tt_goal goal, double a, double b);
/* Format two values with just enough significant digits (4 to 17) that they
 * read differently when they differ; each buffer needs 32 bytes. */
void pr_format_pair(double a, double b, char *as, char *bs);
/* Format one value with 6 significant digits into buf (32 bytes). */
const char *pr_format(double v, char *buf);
/* Optuna's check that step is the first report in its interval window
 * (percentile.py _is_first_in_interval_step). */
bool pr_first_in_interval(const tt_curve *c, long step, long warmup, long interval);
/* CRC-32 register update (start 0xFFFFFFFF, invert the result). */
uint32_t pr_crc32_update(uint32_t reg, const void *data, size_t n);
/* Sort doubles ascending (no NaN in a). */
void pr_sort(double *a, size_t n);

/* One pruner each; ctx->cur has at least one report. */
int pr_percentile(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                  tt_error *err);
int pr_asha(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
            tt_error *err);
int pr_hyperband(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                 tt_error *err);
int pr_patience(const tt_pruner_spec *spec, const tt_pruner_spec *wrapped, const pr_ctx *ctx,
                tt_prune_decision *out, tt_error *err);
int pr_threshold(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                 tt_error *err);
int pr_wandb(const tt_early_terminate *et, const pr_ctx *ctx, tt_prune_decision *out,
             tt_error *err);
/* Dispatch on spec->kind (patience runs standalone). */
int pr_dispatch(const tt_pruner_spec *spec, const pr_ctx *ctx, tt_prune_decision *out,
                tt_error *err);

#endif
