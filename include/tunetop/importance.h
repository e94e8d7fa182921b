/*
 * importance — which parameters matter: fANOVA over a random forest of our
 * own (docs/algorithms.md §3.1), PED-ANOVA (§3.2) and Spearman rank
 * correlation (§3.3), each with an interval per parameter so a caller can
 * tell a stable ranking from noise, and (fANOVA) the strongest pairwise
 * interactions.
 *
 * Parameters are measured in the prior's units: every numeric value goes
 * through tt_param_encode (the prior CDF), so a log-uniform learning rate
 * is uniform in its exponent and a normal one is weighted by its density;
 * a categorical parameter takes each choice with its `probabilities`
 * (uniform when absent). fANOVA's variance decomposition is therefore over
 * the search space as the sweep file defines it, which is what "this
 * parameter explains x % of the variation" should mean. (Optuna integrates
 * over raw values: for a log parameter that weights the top decade ~90 %.)
 *
 * Pure: no I/O, no clock, no global state. The same inputs and seed give
 * the same result on every machine, and several threads may compute at
 * once (the runner does it in a worker thread after trials complete):
 *
 *     tt_importance_data d;
 *     tt_importance_data_from_trials(space, trials, n_trials, maximize, &d);
 *     tt_importance_result r;
 *     if (tt_importance_compute(TT_IMPORTANCE_FANOVA, space,
 *                               (const double *const *)d.x,
 *                               (const bool *const *)d.active, d.y, d.n,
 *                               seed, &r, &err) == 0) {
 *         ... r.params[i]: space->params[r.params[i].param].name, .value,
 *         .low, .high, most important first: what tt_store_set_importance
 *         takes, with method tt_importance_method_name(r.method) and
 *         n_trials r.n_trials ...
 *         tt_importance_result_free(&r);
 *     }
 *     tt_importance_data_free(&d);
 *
 * It knows no other module but space (and the shared vocab.h): trials come
 * in as tt_importance_trial, which a caller holding the store's rows fills
 * with tt_trial_record_params (store.h), and results go out as indices
 * into the space, which the caller names and stores.
 */
#ifndef TUNETOP_IMPORTANCE_H
#define TUNETOP_IMPORTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/space.h"
#include "tunetop/util.h"
#include "tunetop/vocab.h"

typedef enum tt_importance_method {
    TT_IMPORTANCE_FANOVA,     /* "fanova" */
    TT_IMPORTANCE_PED_ANOVA,  /* "ped-anova" */
    TT_IMPORTANCE_CORR,       /* "corr" */
    TT_IMPORTANCE_METHOD_COUNT
} tt_importance_method;

/* fANOVA forest (as Optuna's, §3.1.1): 64 trees, each on a bootstrap sample,
 * every feature considered at every split (sklearn's max_features=1.0),
 * grown until a node has fewer than 2 distinct samples, is pure, or is
 * TT_IMPORTANCE_MAX_DEPTH deep (min_samples_split 2, min_samples_leaf 1). */
#define TT_IMPORTANCE_TREES 64
#define TT_IMPORTANCE_MAX_DEPTH 64
/* Interactions are computed for every pair among the (up to) this many
 * parameters with the largest main effects, and at most
 * TT_IMPORTANCE_MAX_PAIRS strongest are reported. Their cost grows with
 * the square of the trials per parameter, so past a fixed amount of work
 * (~4e7 grid cells; 1000 trials x 6 parameters need ~1e7) only the first
 * trees are used for them. */
#define TT_IMPORTANCE_PAIR_PARAMS 12
#define TT_IMPORTANCE_MAX_PAIRS 10
/* fANOVA fits on at most this many trials: past it, on a sample stratified
 * on the objective that always holds the best trial (src/importance/
 * sample.c). Bounds time (~0.2 s) and memory (a pair's grid <= 2048^2
 * cells) whatever the study's size. */
#define TT_IMPORTANCE_FANOVA_ROWS 4096

/* One parameter's importance. */
typedef struct tt_importance_param {
    size_t param;        /* index into the space */
    double value;        /* fanova, ped-anova: share in [0,1], all shares sum
                            to 1 (all 0 when nothing can be said: fewer than
                            3 trials, a constant objective). corr: |Spearman
                            rho| for numeric parameters, the correlation
                            ratio eta of the objective's ranks across
                            choices for categorical ones; in [0,1] */
    double low, high;    /* interval around value (low <= value <= high):
                            fanova: 10th-90th percentile over trees;
                            ped-anova, corr on categoricals: 10th-90th
                            percentile over 64 bootstrap resamples of the
                            trials; corr on numerics: 80 % Fisher-z
                            interval. Parameters whose intervals overlap
                            are not reliably ordered. */
    double raw;          /* before normalising: fanova, the mean fraction of
                            the forest's variance this main effect explains;
                            ped-anova, the Pearson divergence times
                            |top|/n; corr, signed rho against y (positive:
                            larger values go with a larger loss, i.e.
                            worse trials), NAN for categoricals */
} tt_importance_param;

/* An interaction (fANOVA): the share of the total variance explained by
 * parameters a and b together beyond their main effects,
 * (V_ab - V_a - V_b) / V, mean over trees; same scale as `raw` above. */
typedef struct tt_importance_pair {
    size_t a, b;         /* space indices, a < b */
    double value;
    double low, high;    /* 10th-90th percentile over trees */
} tt_importance_pair;

typedef struct tt_importance_result {
    tt_importance_method method;
    size_t n_trials;             /* trials given */
    size_t n_fitted;             /* fanova: trials the forest was fitted on
                                    (n_trials, or TT_IMPORTANCE_FANOVA_ROWS
                                    of them); n_trials for the others */
    size_t n;                    /* parameters (constants are left out) */
    tt_importance_param *params; /* most important first */
    size_t n_pairs;              /* fanova only; strongest first */
    tt_importance_pair *pairs;
    double explained;            /* fanova: sum of the main effects' `raw`,
                                    the fraction of the variance they
                                    explain (1 for an additive objective);
                                    NAN for the other methods */
} tt_importance_result;

/* "fanova", "ped-anova", "corr": also the method key of
 * tt_store_set_importance. */
const char *tt_importance_method_name(tt_importance_method m);
/* Returns -1 when name is not a method. */
int tt_importance_method_from_name(const char *name);

/* Importance of every non-constant parameter of space from n trials.
 * x[t] and active[t] are trial t's tt_assignment.x and .active (active may
 * be NULL: all active; a non-finite x counts as inactive); y[t] is its
 * objective as a loss, lower is better (negate a maximised objective: only
 * PED-ANOVA's top set and corr's sign depend on it). Every y must be
 * finite. A parameter inactive in a trial is left out of that trial for
 * PED-ANOVA and corr; fANOVA fills it with a draw from its prior, so the
 * forest learns that it does not matter there. Fills *out (the caller
 * frees it with tt_importance_result_free). Returns 0, or -TT_ERR_INVALID
 * with err filled (a non-finite y, no values). Time on one core for 1000
 * trials x 6 parameters: fanova ~25 ms, ped-anova ~10 ms, corr < 1 ms
 * (docs/benchmarks.md, Importance). */
int tt_importance_compute(tt_importance_method m, const tt_space *space,
                          const double *const *x, const bool *const *active, const double *y,
                          size_t n, uint64_t seed, tt_importance_result *out, tt_error *err);
void tt_importance_result_free(tt_importance_result *r);

/* One trial of a study as importance reads it; every pointer is borrowed
 * and only read during the call it is passed to. From a store row r:
 * (tt_importance_trial){r->number, r->state, r->value,
 * tt_trial_record_params(r)}. */
typedef struct tt_importance_trial {
    long number;
    tt_trial_state state;
    double value;             /* the objective as reported; NAN when none */
    tt_named_params params;   /* by name, in the order of the space it ran
                                 under (maybe an older version) */
} tt_importance_trial;

/* Trials as tt_importance_compute takes them, built from a study's trials. */
typedef struct tt_importance_data {
    size_t n;
    double **x;          /* n rows of space->n values */
    bool **active;
    double *y;           /* loss: the objective, negated when maximised */
    long *trial;         /* trial numbers */
} tt_importance_data;

/* Keep the COMPLETED trials with a finite value and map their parameters
 * onto space by name (a study whose sweep file changed still counts its
 * older trials): numeric values from params.x, categorical choices matched
 * by their text (tt_space_format); a parameter missing from a trial, or a
 * choice the space no longer has, is inactive in it. Fills *out with copies
 * (freed with tt_importance_data_free), so trials may go once it returns.
 * Pure, like the rest of this module. */
void tt_importance_data_from_trials(const tt_space *space, const tt_importance_trial *trials,
                                    size_t n_trials, bool maximize, tt_importance_data *out);
void tt_importance_data_free(tt_importance_data *d);
/* The rows of d by loss, best first (ties: row order): a new array of d->n
 * indices (caller frees), for charts that draw the best on top. */
size_t *tt_importance_data_rank(const tt_importance_data *d);

/* The forest's predicted objective over a grid of two parameters, for a
 * contour plot (docs/algorithms.md §3.4). A forest of
 * TT_IMPORTANCE_GRID_TREES trees (grown as fANOVA's, §3.1.1) is fitted on
 * the n trials (x, active, y as tt_importance_compute takes them; past
 * max_rows trials on a sample stratified on y, as fANOVA's, §3.1.3; 0 means
 * TT_IMPORTANCE_GRID_ROWS), and out[j * na + i] gets its prediction at
 * parameter a = xa[i], b = xb[j] (raw values: numbers as the trials hold
 * them, a categorical's choice index) averaged over every other parameter
 * under the prior, as fANOVA marginalises: the partial dependence of the
 * loss on (a, b), in y's units. A grid value that is not finite, or not a
 * choice of a categorical, gets NAN. Cost: one pass over the leaves of each
 * tree plus one over the grid (a difference array): ~15 ms for 1024 trials
 * x 5 parameters on one core, mostly the fit. Returns 0, or
 * -TT_ERR_INVALID with err filled (a or b not a parameter, constant, or the
 * same one; fewer than 2 trials; a non-finite y). */
#define TT_IMPORTANCE_GRID_TREES 32
#define TT_IMPORTANCE_GRID_ROWS 1024
int tt_importance_grid(const tt_space *space, const double *const *x, const bool *const *active,
                       const double *y, size_t n, size_t a, const double *xa, size_t na,
                       size_t b, const double *xb, size_t nb, size_t max_rows, uint64_t seed,
                       double *out, tt_error *err);

/* The two statistics behind TT_IMPORTANCE_CORR, for one parameter:
 * Spearman's rho of x and y (average ranks for ties), in [-1, 1]; and the
 * correlation ratio eta of the ranks of y across categories
 * (cat[i] in 0..k-1), in [0, 1]. NAN when n < 3, when x or y does not
 * vary, or (eta) when fewer than two categories occur. */
double tt_importance_spearman(const double *x, const double *y, size_t n);
double tt_importance_eta(const double *cat, size_t k, const double *y, size_t n);

#endif
