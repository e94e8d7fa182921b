/*
 * gp_fit — maximum a posteriori kernel parameters (docs/algorithms.md
 * §1.5.3).
 *
 * Raw parameters θ = [log ρ_1..ρ_D, log s_k, log(σn² − 1e-6)], so every
 * value is positive and the noise never drops below 1e-6. The loss is
 *     Σ log L_ii + ½‖L⁻¹y‖² − log prior,   C = K + σn²I = LLᵀ,
 * with the priors of Optuna's GPSampler: −(0.1/ρ + 0.1ρ) per lengthscale,
 * Gamma(2, 1) on s_k and Gamma(1.1, 30) on σn². Its gradient is
 *     ½ tr((C⁻¹ − ααᵀ) ∂C/∂θ) − ∂log prior/∂θ,   α = C⁻¹y,
 * with ∂C/∂log ρ_j = ρ_j k' d_j, ∂C/∂log s_k = K and ∂C/∂θ_n = e^θn I.
 *
 * Optuna starts each fit from the previous study step's result; a sampler
 * that is a pure function of the history cannot, so every fit starts from
 * the all-ones values (θ = 0) and the caller keeps n small (gp.c fits on a
 * subset). Bounds on θ are only rails against overflow: the priors keep the
 * optimum far inside them.
 */
#include "gp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

#define THETA_MIN (-12.0)
#define THETA_MAX 12.0
#define NOISE_THETA_MIN (-25.0) /* e^-25 ≈ 1e-11: the noise is then its floor */
#define FIT_PGTOL 1e-2
#define FIT_MAX_ITER 150

typedef struct fit_ctx {
    const double *x, *y;
    size_t n, dim;
    const bool *cat;
    double *kmat;  /* K, lower triangle */
    double *kd;    /* k'(r²), lower triangle */
    double *c;     /* C, then L */
    double *minv;  /* rows: columns of L⁻¹ (upper triangle of L⁻ᵀ) */
    double *alpha;
} fit_ctx;

void gp_theta_unpack(const double *theta, size_t dim, double *rho, double *scale,
                     double *noise)
{
    for (size_t j = 0; j < dim; j++)
        rho[j] = exp(theta[j]);
    *scale = exp(theta[dim]);
    *noise = exp(theta[dim + 1]) + GP_MIN_NOISE;
}

static void ctx_init(fit_ctx *c, const double *x, const double *y, size_t n, size_t dim,
                     const bool *cat)
{
    c->x = x;
    c->y = y;
    c->n = n;
    c->dim = dim;
    c->cat = cat;
    c->kmat = tt_xcalloc(n * n + 1, sizeof *c->kmat);
    c->kd = tt_xcalloc(n * n + 1, sizeof *c->kd);
    c->c = tt_xcalloc(n * n + 1, sizeof *c->c);
    c->minv = tt_xcalloc(n * n + 1, sizeof *c->minv);
    c->alpha = tt_xcalloc(n + 1, sizeof *c->alpha);
}

static void ctx_free(fit_ctx *c)
{
    free(c->kmat);
    free(c->kd);
    free(c->c);
    free(c->minv);
    free(c->alpha);
}

static double log_prior(const double *rho, size_t dim, double scale, double noise)
{
    double lp = 0.0;
    for (size_t j = 0; j < dim; j++)
        lp -= 0.1 / rho[j] + 0.1 * rho[j];
    lp += log(scale) - scale;
    lp += 0.1 * log(noise) - 30.0 * noise;
    return lp;
}

/* Row c of minv = column c of L⁻¹ (entries c..n−1), by forward
 * substitution on e_c. */
static void invert_lower(const double *l, size_t n, double *minv)
{
    for (size_t c = 0; c < n; c++) {
        double *m = minv + c * n;
        for (size_t i = 0; i < c; i++)
            m[i] = 0.0;
        m[c] = 1.0 / l[c * n + c];
        for (size_t i = c + 1; i < n; i++) {
            const double *li = l + i * n;
            m[i] = -gp_dot(li + c, m + c, i - c) / li[i];
        }
    }
}

static double loss_eval(fit_ctx *c, const double *theta, double *grad)
{
    size_t n = c->n, dim = c->dim;
    double *rho = tt_xcalloc(dim + 1, sizeof *rho);
    double scale, noise;
    gp_theta_unpack(theta, dim, rho, &scale, &noise);
    gp_kernel k = {.dim = dim, .cat = c->cat, .rho = rho, .scale = scale, .noise = noise};

    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < a; b++) {
            double r2 = gp_sqdist(&k, c->x + a * dim, c->x + b * dim);
            c->kmat[a * n + b] = gp_matern52(r2, scale);
            c->kd[a * n + b] = gp_matern52_dr2(r2, scale);
            c->c[a * n + b] = c->kmat[a * n + b];
        }
        c->c[a * n + a] = scale + noise;
    }
    if (gp_cholesky(c->c, n) != 0) {
        free(rho);
        return INFINITY;
    }
    double loss = 0.0;
    for (size_t i = 0; i < n; i++)
        loss += log(c->c[i * n + i]);
    memcpy(c->alpha, c->y, n * sizeof *c->alpha);
    gp_solve_lower(c->c, n, n, c->alpha);
    loss += 0.5 * gp_dot(c->alpha, c->alpha, n);
    loss -= log_prior(rho, dim, scale, noise);
    if (grad == NULL || !isfinite(loss)) {
        free(rho);
        return loss;
    }
    gp_solve_lower_t(c->c, n, n, c->alpha);

    /* C⁻¹ = L⁻ᵀL⁻¹: (C⁻¹)_ab = Σ_{m ≥ max(a,b)} L⁻¹_ma L⁻¹_mb, a dot product
     * of two rows of minv. W = C⁻¹ − ααᵀ. */
    invert_lower(c->c, n, c->minv);
    for (size_t j = 0; j < dim + 2; j++)
        grad[j] = 0.0;
    double trace_w = 0.0;
    for (size_t a = 0; a < n; a++) {
        const double *ma = c->minv + a * n;
        double waa = gp_dot(ma + a, ma + a, n - a) - c->alpha[a] * c->alpha[a];
        trace_w += waa;
        const double *xa = c->x + a * dim;
        for (size_t b = 0; b < a; b++) {
            const double *mb = c->minv + b * n;
            double w = gp_dot(ma + a, mb + a, n - a) - c->alpha[a] * c->alpha[b];
            /* Off-diagonal pairs count twice in the trace, times ½. */
            grad[dim] += w * c->kmat[a * n + b];
            double t = w * c->kd[a * n + b];
            const double *xb = c->x + b * dim;
            for (size_t j = 0; j < dim; j++)
                grad[j] += t * rho[j] * gp_coord_dist(c->cat[j], xa[j], xb[j]);
        }
    }
    grad[dim] += 0.5 * trace_w * scale;
    double en = noise - GP_MIN_NOISE;
    grad[dim + 1] = 0.5 * trace_w * en;
    /* Minus the derivative of the log prior. */
    for (size_t j = 0; j < dim; j++)
        grad[j] -= 0.1 / rho[j] - 0.1 * rho[j];
    grad[dim] -= 1.0 - scale;
    grad[dim + 1] -= (0.1 / noise - 30.0) * en;
    free(rho);
    return loss;
}

double gp_fit_loss(const double *x, const double *y, size_t n, size_t dim, const bool *cat,
                   const double *theta, double *grad)
{
    fit_ctx c;
    ctx_init(&c, x, y, n, dim, cat);
    double loss = loss_eval(&c, theta, grad);
    ctx_free(&c);
    return loss;
}

static double objective(const double *theta, double *grad, void *ctx)
{
    return loss_eval(ctx, theta, grad);
}

static void default_theta(size_t dim, double *theta)
{
    for (size_t j = 0; j <= dim; j++)
        theta[j] = 0.0;
    theta[dim + 1] = log(1.0 - GP_MIN_NOISE);
}

int gp_fit(const double *x, const double *y, size_t n, size_t dim, const bool *cat,
           double *theta)
{
    size_t m = GP_THETA_SIZE(dim);
    double *lo = tt_xcalloc(m, sizeof *lo);
    double *hi = tt_xcalloc(m, sizeof *hi);
    for (size_t j = 0; j < m; j++) {
        lo[j] = THETA_MIN;
        hi[j] = THETA_MAX;
    }
    lo[dim + 1] = NOISE_THETA_MIN;
    default_theta(dim, theta);
    fit_ctx c;
    ctx_init(&c, x, y, n, dim, cat);
    gp_lbfgsb_options opt = {.pgtol = FIT_PGTOL, .max_iter = FIT_MAX_ITER, .memory = 10};
    double f;
    int iters = gp_lbfgsb(objective, &c, m, theta, lo, hi, &opt, &f);
    bool ok = iters >= 0 && isfinite(f);
    for (size_t j = 0; ok && j < m; j++)
        ok = isfinite(theta[j]);
    if (!ok) {
        default_theta(dim, theta);
        iters = -1;
    }
    ctx_free(&c);
    free(lo);
    free(hi);
    return iters;
}
