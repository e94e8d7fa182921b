/*
 * cmaes_impl — the CMA-ES algorithm itself (cmaes_core.c), apart from how
 * cmaes.c rebuilds it from a study's history; not part of the public
 * interface, shared with tests/test_cmaes.c so the update can be checked
 * on small hand-made examples. Its names take the private prefix cma_ (CMA_
 * for constants), as gp_internal.h's take gp_: tt_ is for the public headers.
 *
 * Everything works in the unit cube [0,1]^dim: the mean starts at the
 * centre, σ0 is 1/6 of the range (docs/algorithms.md §1.7.3).
 */
#ifndef TUNETOP_CMAES_IMPL_H
#define TUNETOP_CMAES_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "tunetop/util.h"

#define CMA_SIGMA0 (1.0 / 6.0)
/* Draws outside the unit cube are redrawn this many times, then clipped. */
#define CMA_MAX_RESAMPLE 100

/* The strategy parameters, fixed by the dimension alone. */
typedef struct cma_params {
    size_t dim;
    size_t lambda;       /* 4 + floor(3 ln dim) */
    size_t mu;           /* lambda / 2 */
    double *weights;     /* lambda log-rank weights: the first mu sum to 1, the
                            rest are negative (active CMA, Hansen 2016) */
    double mu_eff;
    double c_sigma, d_sigma, cc, c1, cmu, chi_n;
} cma_params;

/* The distribution N(mean, sigma² C) and the evolution paths. B and D hold
 * C = B diag(D²) Bᵀ (columns of B are eigenvectors), kept up to date by
 * cma_tell. */
typedef struct cma_state {
    size_t dim;
    double *mean;
    double sigma;
    double *C, *B, *D;   /* dim x dim row-major, dim x dim, dim */
    double *p_sigma, *pc;
    size_t generation;   /* completed updates */
} cma_state;

/* Fill p for dim >= 1 (allocates; cma_params_free releases). */
void cma_params_init(cma_params *p, size_t dim);
void cma_params_free(cma_params *p);

/* Mean at the centre, sigma = CMA_SIGMA0, C = I, zero paths. */
void cma_state_init(cma_state *s, size_t dim);
void cma_state_free(cma_state *s);
/* Back to the initial state (same allocation). */
void cma_state_reset(cma_state *s);

/* One draw x ~ N(mean, sigma² C) inside [0,1]^dim: redrawn up to
 * CMA_MAX_RESAMPLE times when outside, then clipped. */
void cma_sample(const cma_state *s, tt_rng *rng, double *x);

/* One generation's update from lambda points x[k] (dim values each),
 * ordered best first. foreign[k] (or NULL: none) marks points not drawn from
 * the current distribution (stale parallel draws, enqueued trials): their
 * step is shortened to Mahalanobis length sqrt(n) + 2n/(n+2), as Hansen
 * (2011, "injecting solutions") recommends, so one lucky outsider cannot
 * throw the mean. A state that turns non-finite is reset. */
void cma_tell(const cma_params *p, cma_state *s, const double *const *x,
              const bool *foreign);

/* Eigen-decomposition of the symmetric n x n matrix a (row-major) by cyclic
 * Jacobi rotations: values[i] ascending, vectors column i (row-major n x n)
 * the unit eigenvector of values[i]. a is not modified. */
void cma_eigen(size_t n, const double *a, double *values, double *vectors);

#endif
