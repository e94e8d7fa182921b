/*
 * functions — the objectives of the sampler benchmark (docs/algorithms.md
 * §5.1):
 * Branin, Hartmann-6, Rosenbrock-4D, Ackley-5D, Styblinski–Tang-4D and a
 * small mixed space of our own (two continuous parameters, one integer, one
 * categorical). Each comes with its search space, built through the space
 * API exactly as a sweep file would build it, and its known minimum, so
 * regret = best value so far − minimum. All are minimised.
 *
 * optuna_bench.py defines the same functions, spaces and minima in Python;
 * the two must change together.
 */
#ifndef BENCH_SAMPLERS_FUNCTIONS_H
#define BENCH_SAMPLERS_FUNCTIONS_H

#include <stddef.h>

#include "tunetop/space.h"

typedef struct bench_function {
    const char *name;
    size_t dim;
    double minimum;               /* the exact global minimum (to 16 digits) */
    /* Value at x, one double per parameter in space order (category index
     * for a categorical parameter). */
    double (*eval)(const double *x);
} bench_function;

extern const bench_function bench_functions[];
extern const size_t bench_function_count;

/* The function's space, finished; the caller frees it with tt_space_free.
 * Returns NULL and fills err if the space is rejected (a bug). */
tt_space *bench_function_space(const bench_function *f, tt_error *err);

/* The function named name, or NULL. */
const bench_function *bench_function_find(const char *name);

#endif
