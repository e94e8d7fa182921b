/*
 * gp_internal — the pieces of the GP sampler (docs/algorithms.md §1.5),
 * shared by its files and by tests/test_gp.c; not part of the public
 * interface.
 *
 *   gp_kernel.c  Matern 5/2 ARD kernel, Cholesky, the GP posterior
 *   gp_fit.c     MAP fit of the kernel parameters (loss, gradient, driver)
 *   gp_lbfgsb.c  a small bounded L-BFGS used by the fit and the acquisition
 *   gp_acqf.c    log expected improvement with its stable tail
 *   gp_optim.c   the acquisition optimiser: Sobol screening, then L-BFGS-B
 *                on continuous and exhaustive/coordinate search on discrete
 *                coordinates
 *   gp.c         the sampler: encoding, targets, subsets, pending trials
 *
 * Points live in the model's feature space: one coordinate per modelled
 * parameter, in [0,1] for numeric ones (the prior-CDF encoding) and the
 * category index for categorical ones (compared by Hamming distance).
 * Matrices are dense, row-major, n×n.
 */
#ifndef TUNETOP_GP_INTERNAL_H
#define TUNETOP_GP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/space.h"
#include "tunetop/util.h"

/* Smallest noise variance: σn² = exp(θ_noise) + GP_MIN_NOISE (§1.5.3). */
#define GP_MIN_NOISE 1e-6
/* logEI switches to the asymptotic tail below this z (§1.5.4). */
#define GP_LOGEI_TAIL_Z (-25.0)

/* ---- kernel (gp_kernel.c) ---- */

/* Kernel parameters. rho[j] = 1/ℓ_j² for j < dim; cat[j] marks categorical
 * coordinates (Hamming distance). Pointers are borrowed. */
typedef struct gp_kernel {
    size_t dim;
    const bool *cat;
    const double *rho;
    double scale;  /* s_k */
    double noise;  /* σn² */
} gp_kernel;

/* Matern 5/2 of r² = Σ ρ_j d_j: s·(1 + √5 r + 5r²/3)·exp(−√5 r). */
double gp_matern52(double r2, double scale);
/* dk/d(r²) = −(5/6)·s·(1 + √5 r)·exp(−√5 r), finite at r = 0. */
double gp_matern52_dr2(double r2, double scale);
/* The per-coordinate distance d_j: (a − b)² or 1[a ≠ b]. */
double gp_coord_dist(bool cat, double a, double b);
/* r² between two points. */
double gp_sqdist(const gp_kernel *k, const double *a, const double *b);

/* In-place Cholesky of the n×n symmetric positive-definite a (lower
 * triangle read): on success the lower triangle holds L with a = LLᵀ and
 * the strict upper triangle is zeroed. Returns 0, or -1 when a is not
 * numerically positive definite. */
int gp_cholesky(double *a, size_t n);
/* Solve L x = b in place (b has n entries; only the leading n rows and
 * columns of the ld-strided L are used). */
void gp_solve_lower(const double *l, size_t ld, size_t n, double *b);
/* Solve Lᵀ x = b in place. */
void gp_solve_lower_t(const double *l, size_t ld, size_t n, double *b);
/* Σ a_i b_i over n terms, in a fixed order (four accumulators). */
double gp_dot(const double *a, const double *b, size_t n);

/* A GP conditioned on n points: X (n×dim, owned copy), L = chol(K +
 * σn² I), α = C⁻¹y. */
typedef struct gp_posterior {
    size_t n, dim;
    bool *cat;
    double *rho;
    double scale, noise;
    double *x;
    double *l;
    double *alpha;
} gp_posterior;

/* Condition on the first n_obs rows of x (targets y) and then on the
 * remaining n − n_obs rows at the believed value of the posterior mean
 * (kriging believer: pending trials). y needs n entries; entries from n_obs
 * on are overwritten with the imputed means. Jitter is added to the
 * diagonal when the factorisation fails. Returns 0 or -1. */
int gp_posterior_init(gp_posterior *post, const gp_kernel *k, const double *x, double *y,
                      size_t n, size_t n_obs);
void gp_posterior_free(gp_posterior *post);

/* Workspace for gp_posterior_eval: 3n doubles. */
/* Mean and variance at x (variance floored as §1.5.4: max(·,0) + 1e-12).
 * When dmean and dvar are not NULL they receive the gradients with
 * respect to the numeric coordinates (categorical entries are set to 0). */
void gp_posterior_eval(const gp_posterior *post, const double *x, double *mean, double *var,
                       double *dmean, double *dvar, double *work);

/* Points scored together by gp_posterior_eval_batch. */
#define GP_BATCH 32
/* Mean and variance at GP_BATCH points at once (rows of xs, dim columns),
 * without gradients: the triangular solve runs on all of them in one
 * sweep over L, so L is read once per batch instead of once per point.
 * work: n·GP_BATCH doubles. Agrees with gp_posterior_eval up to rounding. */
void gp_posterior_eval_batch(const gp_posterior *post, const double *xs, double *mean,
                             double *var, double *work);

/* ---- MAP fit (gp_fit.c) ---- */

/* Number of raw parameters: dim lengthscales, kernel scale, noise. */
#define GP_THETA_SIZE(dim) ((dim) + 2)

/* The loss of §1.5.3 (negative log marginal likelihood without the constant,
 * minus the log prior) at raw parameters theta, and its gradient when grad
 * is not NULL. Returns +inf when C is not positive definite. */
double gp_fit_loss(const double *x, const double *y, size_t n, size_t dim, const bool *cat,
                   const double *theta, double *grad);
/* MAP estimate from the all-ones start (θ = 0), written to theta. Falls
 * back to the defaults (ρ = 1, s_k = 1, σn² = 1) when the optimiser fails.
 * Returns the number of iterations, or -1 on the fallback. */
int gp_fit(const double *x, const double *y, size_t n, size_t dim, const bool *cat,
           double *theta);
/* Unpack raw parameters into kernel values (rho has dim entries). */
void gp_theta_unpack(const double *theta, size_t dim, double *rho, double *scale,
                     double *noise);

/* ---- bounded L-BFGS (gp_lbfgsb.c) ---- */

/* Objective: returns f(x) and writes ∇f(x) to grad. May return +inf (or
 * NaN) to say x is unusable; the line search then backs off. */
typedef double (*gp_objective)(const double *x, double *grad, void *ctx);

typedef struct gp_lbfgsb_options {
    double pgtol;     /* stop when ‖projected gradient‖∞ ≤ pgtol */
    int max_iter;
    int memory;       /* correction pairs kept (≤ 16) */
} gp_lbfgsb_options;

/* Minimise f over the box [lo, hi] (either may be NULL: unbounded) from x,
 * which is projected into the box first and holds the best point on
 * return; *fx receives f there. A projected L-BFGS: the two-loop direction
 * on the variables not held at a bound, a backtracking Armijo search along
 * the projected path, and updates skipped when the curvature condition
 * fails. Returns the number of iterations, or -1 when f is not finite at
 * the start. */
int gp_lbfgsb(gp_objective f, void *ctx, size_t n, double *x, const double *lo,
              const double *hi, const gp_lbfgsb_options *opt, double *fx);

/* ---- log expected improvement (gp_acqf.c) ---- */

/* log h(z) with h(z) = φ(z) + zΦ(z), and d log h/dz when dlogh is not
 * NULL; the asymptotic form for z < GP_LOGEI_TAIL_Z keeps both finite and
 * accurate far into the tail. */
double gp_log_h(double z, double *dlogh);
/* log EI of a Gaussian N(mean, var) over the incumbent f0 (maximising),
 * and its derivatives with respect to mean and var when not NULL. */
double gp_log_ei(double mean, double var, double f0, double *dmean, double *dvar);

/* ---- the search problem (gp.c, gp_optim.c) ---- */

/* Inactive coordinates (a condition switches the parameter off) take a
 * fixed feature: the middle of the cube for numeric ones, and for
 * categorical ones an index no category has, so "inactive" is one more
 * category. */
#define GP_INACTIVE_NUMERIC 0.5
#define GP_INACTIVE_CATEGORY (-1.0)

typedef enum gp_dim_kind {
    GP_DIM_CONTINUOUS,  /* feature = u */
    GP_DIM_DISCRETE,    /* ints and q grids: feature = encode(decode(u)) */
    GP_DIM_CATEGORICAL  /* feature = category index */
} gp_dim_kind;

/* What the acquisition optimiser needs. A candidate is a raw point u with
 * one coordinate in [0,1] per parameter of the space (constants too);
 * tt_space_decode(space, u) is the suggestion. */
typedef struct gp_problem {
    const tt_space *space;
    size_t dim;          /* modelled coordinates (parameters minus constants) */
    size_t *param;       /* the parameter of each coordinate */
    gp_dim_kind *kind;
    bool *cat;
    bool conditional;    /* some parameter has a condition */
    gp_posterior post;
    double f0;           /* incumbent: best standardised target */
} gp_problem;

/* Features of raw point u (dim entries). scratch is sized to the space and
 * used to resolve conditions. Discrete and categorical coordinates of u are
 * snapped in place to the middle of their value's interval, so u decodes
 * to exactly what was scored. */
void gp_features(const gp_problem *pr, double *u, double *feat, tt_assignment *scratch);
/* Whether parameter p takes discrete numeric values (ints, q grids). */
bool gp_param_discrete(const tt_param *p);
/* The spacing of a discrete parameter's values: q for q grids, else 1. */
double gp_param_step(const tt_param *p);

/* Maximise log EI over the space and write the best raw point to u_out
 * (space->n entries). start_u, when not NULL, is one more start (the best
 * observed trial). Draws the scramble and the starts from rng. */
void gp_optimize_acqf(const gp_problem *pr, const double *start_u, tt_rng *rng,
                      double *u_out);
/* log EI at features feat (dim entries) under pr's posterior; gradient
 * with respect to the features when grad is not NULL. work: 3n + 2·dim. */
double gp_acqf_eval(const gp_problem *pr, const double *feat, double *grad, double *work);

#endif
