/*
 * pruner — whether a running trial should stop early, decided from the
 * curves recorded so far. Every pruner is a pure function of (spec, study
 * name, goal, curves): no I/O, no clock, no hidden state, so a resumed study
 * decides exactly what it would have decided, and tests are exact.
 *
 * The runner calls tt_pruner_decide each time a running trial reports the
 * objective at a new step. Semantics follow docs/algorithms.md §2: Optuna
 * v4.0 for median, percentile, successive halving (ASHA), Hyperband and the
 * patient pruner; W&B's early_terminate hyperband; a threshold pruner for
 * divergence. Deviations from the references, each explained in its file:
 *   - ASHA/Hyperband rung bookkeeping is recomputed from the curves instead
 *     of stored `completed_rung_r` attributes (halving.c);
 *   - "auto" min_resource (ASHA) and max_resource (Hyperband) follow the
 *     completed trials at every call instead of being frozen at the first
 *     estimate; reduction_factor may be non-integer (halving.c);
 *   - threshold prunes any non-finite value, ±inf included (simple.c);
 *   - patience honours n_warmup_steps, which Optuna's lacks (simple.c);
 *   - W&B hyperband decides at the trial's reports, not at the controller's
 *     polls (wandb.c).
 *
 * The pruner includes only util.h and vocab.h: its options (tt_pruner_spec,
 * tt_early_terminate) are its own, below, so it needs neither the sweep-file
 * loader nor the samplers.
 *
 * Cost per decision: O(current trial's reports + trials · log(trials ·
 * steps)) for the Optuna pruners (a binary search per trial, a sort), O(total reports) for W&B hyperband (it counts finite
 * values); about 0.1 ms at 1000 trials × 100 steps. Nothing is cached, so
 * there is nothing to invalidate.
 */
#ifndef TUNETOP_PRUNER_H
#define TUNETOP_PRUNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/util.h"
#include "tunetop/vocab.h"

/* ---- the pruner's options ----
 * What a sweep file's `pruner:` and `early_terminate:` keys become. They are
 * defined here, by the module that gives them meaning; config fills them
 * (config.h includes this header) and the runner passes them on. */

/* early_terminate, as W&B defines it. */
typedef struct tt_early_terminate {
    bool enabled;
    char *type;           /* "hyperband"; owned by whoever filled the struct
                             (a tt_sweep frees its own) */
    long min_iter, max_iter, s; /* 0 when absent */
    double eta;           /* default 3 */
    bool strict;          /* default true */
} tt_early_terminate;

typedef enum tt_pruner_kind {
    TT_PRUNER_NONE,
    TT_PRUNER_MEDIAN,
    TT_PRUNER_PERCENTILE,
    TT_PRUNER_ASHA,
    TT_PRUNER_HYPERBAND,
    TT_PRUNER_PATIENCE,
    TT_PRUNER_THRESHOLD
} tt_pruner_kind;

/* pruner: options; every field has the reference default when absent
 * (tt_pruner_spec_default). */
typedef struct tt_pruner_spec {
    tt_pruner_kind kind;
    long n_startup_trials;   /* 5 */
    long n_warmup_steps;     /* 0 */
    long interval_steps;     /* 1 */
    long n_min_trials;       /* 1 */
    double percentile;       /* 50 (median), required for percentile */
    long min_resource;       /* asha: 0 = auto; hyperband: 1 */
    long max_resource;       /* hyperband: 0 = auto */
    double reduction_factor; /* asha 4, hyperband 3 */
    long min_early_stopping_rate; /* 0 */
    long bootstrap_count;    /* 0 */
    long patience;           /* required for patience */
    double min_delta;        /* 0 */
    bool has_lower, has_upper;
    double lower, upper;     /* threshold bounds */
} tt_pruner_spec;

/* The spec of kind with every option at its reference default (Optuna's,
 * docs/algorithms.md §2); the options a kind requires (percentile,
 * patience, a threshold bound) are left for the caller to set. */
tt_pruner_spec tt_pruner_spec_default(tt_pruner_kind kind);
/* W&B's early_terminate defaults: disabled, eta 3, strict. */
tt_early_terminate tt_early_terminate_default(void);

/* ---- decisions ---- */

/* One trial's objective reports, as stored: steps strictly ascending (the
 * current trial's are checked; the others' are searched by bisection), one
 * value per step (NAN and ±inf allowed). The arrays are borrowed. */
typedef struct tt_curve {
    long number;            /* trial number (Hyperband hashes it) */
    tt_trial_state state;
    const long *steps;
    const double *values;
    size_t n;
} tt_curve;

/* What to do with the current trial, and a reason a person can act on (also
 * filled when the trial is kept: "warm-up: step 2 < n_warmup_steps 5"). */
typedef struct tt_prune_decision {
    bool prune;
    char reason[256];
} tt_prune_decision;

/* Decide whether trials[current] (treated as running, its last report the
 * new one) should be pruned. spec selects the pruner; when spec is NULL or
 * TT_PRUNER_NONE, et (W&B early_terminate, may be NULL) is used when
 * enabled; with neither the trial is kept. study_name feeds Hyperband's
 * bracket hash; metric names the objective in reasons (NULL: "objective").
 * Returns 0 with out filled, or -TT_ERR_INVALID (a bad option, current out
 * of range, the current curve not ascending) with err filled and out kept. */
int tt_pruner_decide(const tt_pruner_spec *spec, const tt_early_terminate *et,
                     const char *study_name, const char *metric, tt_goal goal,
                     const tt_curve *trials, size_t n_trials, size_t current,
                     tt_prune_decision *out, tt_error *err);

/* Optuna's PatientPruner wrapping another pruner: when patience (kind
 * TT_PRUNER_PATIENCE) sees no improvement, wrapped decides (NULL: prune).
 * Same arguments and results as tt_pruner_decide otherwise. */
int tt_pruner_decide_patient(const tt_pruner_spec *patience, const tt_pruner_spec *wrapped,
                             const char *study_name, const char *metric, tt_goal goal,
                             const tt_curve *trials, size_t n_trials, size_t current,
                             tt_prune_decision *out, tt_error *err);

/* CRC-32 (IEEE 802.3, zlib's and Python's binascii.crc32) of n bytes. */
uint32_t tt_pruner_crc32(const void *data, size_t n);

/* Hyperband's bracket for a trial (Optuna: crc32("{study}_{number}") modulo
 * the summed budgets ⌈B·η^s/(s+1)⌉). Returns 0..n_brackets-1, or -1 when
 * n_brackets < 1, eta <= 1, or the budgets are too large to be exact. */
long tt_pruner_hyperband_bracket(const char *study_name, long number, long n_brackets,
                                 double eta);

/* Hyperband's number of brackets, floor(log_eta(max_resource/min_resource)) + 1
 * as Optuna computes it in floating point; <= 0 when max < min. */
long tt_pruner_hyperband_n_brackets(long min_resource, long max_resource, double eta);

/* W&B hyperband bands (iteration counts, ascending) into bands (capacity cap),
 * from min_iter, or max_iter and s, as W&B builds them; bands above limit are
 * not produced (they could never apply). Returns the count, 0 when none. */
size_t tt_pruner_wandb_bands(const tt_early_terminate *et, long limit, long *bands, size_t cap);

#endif
