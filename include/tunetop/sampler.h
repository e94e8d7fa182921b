/*
 * sampler — where the next trial goes. Every sampler is a pure function of
 * (space, history, seed): no I/O, no clock, no hidden state, so a resumed
 * study suggests exactly what it would have suggested, and tests are exact.
 *
 * The history holds every trial so far, in trial-number order, including
 * running ones (so parallel suggestions differ) and failed ones.
 *
 * tt_method, tt_goal and tt_trial_state, and their names, are shared
 * vocabulary (vocab.h); the sampler adds which methods are implemented.
 */
#ifndef TUNETOP_SAMPLER_H
#define TUNETOP_SAMPLER_H

#include "tunetop/space.h"
#include "tunetop/util.h"
#include "tunetop/vocab.h"

typedef struct tt_observation {
    tt_assignment params;   /* borrowed */
    tt_trial_state state;
    double value;           /* objective; NAN when none (a pruned trial's
                               last reported value) */
    long last_step;         /* pruned trials: step of the last report, which
                               ranks them (docs/algorithms.md §1.4.2); 0
                               when unknown */
} tt_observation;

typedef struct tt_history {
    const tt_observation *obs;
    size_t n;
    tt_goal goal;
} tt_history;

/* Whether the method is implemented in this build (today every one is);
 * config warns about the others. This is the sampler's knowledge, so it
 * lives here and not with the names in vocab.h. */
bool tt_method_available(tt_method m);
/* The method whose sampler m runs: m itself, except an alias (`bayes`
 * runs gp). */
tt_method tt_method_resolve(tt_method m);

/* Fill out (already sized to space->n) with the next suggestion. Returns 0,
 * -TT_ERR_EXHAUSTED when a grid has no unvisited point left, or another
 * negative code with err filled (a continuous parameter in a grid, an
 * unavailable method). */
int tt_sampler_suggest(tt_method method, const tt_space *space, const tt_history *history,
                       uint64_t seed, tt_assignment *out, tt_error *err);

/* Grid size (product over parameters, counting conditional combinations
 * once). Returns 0 and fills err when the space has a continuous parameter;
 * saturates at SIZE_MAX. */
size_t tt_grid_size(const tt_space *space, tt_error *err);

/* Individual samplers (same contract as tt_sampler_suggest). */
int tt_grid_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                    tt_assignment *out, tt_error *err);
int tt_random_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                      tt_assignment *out, tt_error *err);
int tt_sobol_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                     tt_assignment *out, tt_error *err);

/* Model-based samplers (docs/algorithms.md §1.4–1.7), same contract. */
int tt_tpe_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                   tt_assignment *out, tt_error *err);
int tt_gp_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                  tt_assignment *out, tt_error *err);
int tt_evolution_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                         tt_assignment *out, tt_error *err);
int tt_cmaes_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                     tt_assignment *out, tt_error *err);

/* Scrambled Sobol point `index` in dim dimensions (dim <= TT_SOBOL_MAX_DIM),
 * written to u[0..dim). The scramble is fixed by seed. */
#define TT_SOBOL_MAX_DIM 1024
int tt_sobol_point(size_t dim, uint64_t index, uint64_t seed, double *u, tt_error *err);
/* The plain (unscrambled) Joe–Kuo Sobol point `index`, in Gray-code order
 * (0, 1/2, 3/4, 1/4, … in dimension 1), in [0,1); for tests and reference. */
int tt_sobol_point_unscrambled(size_t dim, uint64_t index, double *u, tt_error *err);

#endif
