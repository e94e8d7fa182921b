/*
 * gp_kernel — the Gaussian process itself (docs/algorithms.md §1.5.2,
 * §1.5.4): the Matern 5/2 kernel with one lengthscale per coordinate (ARD),
 * squared distances for numeric coordinates and Hamming distance for
 * categorical ones, a Cholesky factorisation, and the posterior mean and
 * variance with their gradients for the acquisition optimiser.
 *
 * Everything is plain loops in a fixed order, so results are bitwise
 * reproducible; the dot products use four accumulators, which lets the
 * compiler keep several multiply-adds in flight without -ffast-math.
 *
 * Pending trials enter the posterior by the kriging believer: they are
 * conditioned on at the posterior mean of the completed trials. Conditioning
 * on a value equal to its own prediction leaves the mean unchanged
 * everywhere and shrinks the variance around the pending point, so the
 * acquisition looks elsewhere. Because the factorisation is row by row, the
 * leading block of L is the factor of the completed trials alone and each
 * pending row already holds L_c⁻¹k_p, so the imputed means come out of the
 * one factorisation.
 */
#include "gp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

#define SQRT5 2.23606797749978969641

/* Jitter added to the diagonal, relative to the kernel scale, when the
 * factorisation fails (duplicated points with tiny noise). */
#define JITTER_START 1e-10
#define JITTER_TRIES 8

double gp_matern52(double r2, double scale)
{
    double r = sqrt(r2);
    double sr = SQRT5 * r;
    return scale * (1.0 + sr + 5.0 / 3.0 * r2) * exp(-sr);
}

double gp_matern52_dr2(double r2, double scale)
{
    double sr = SQRT5 * sqrt(r2);
    return -5.0 / 6.0 * scale * (1.0 + sr) * exp(-sr);
}

double gp_coord_dist(bool cat, double a, double b)
{
    if (cat)
        return a != b ? 1.0 : 0.0;
    double d = a - b;
    return d * d;
}

double gp_sqdist(const gp_kernel *k, const double *a, const double *b)
{
    double r2 = 0.0;
    for (size_t j = 0; j < k->dim; j++)
        r2 += k->rho[j] * gp_coord_dist(k->cat[j], a[j], b[j]);
    return r2;
}

double gp_dot(const double *a, const double *b, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

int gp_cholesky(double *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double *ri = a + i * n;
        for (size_t j = 0; j < i; j++) {
            const double *rj = a + j * n;
            ri[j] = (ri[j] - gp_dot(ri, rj, j)) / rj[j];
        }
        double d = ri[i] - gp_dot(ri, ri, i);
        if (!(d > 0.0) || !isfinite(d))
            return -1;
        ri[i] = sqrt(d);
        for (size_t j = i + 1; j < n; j++)
            ri[j] = 0.0;
    }
    return 0;
}

void gp_solve_lower(const double *l, size_t ld, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (b[i] - gp_dot(l + i * ld, b, i)) / l[i * ld + i];
}

/* Row-oriented back substitution: once x_i is known, its contribution is
 * removed from the earlier entries along row i of L (contiguous). */
void gp_solve_lower_t(const double *l, size_t ld, size_t n, double *b)
{
    for (size_t i = n; i-- > 0;) {
        const double *ri = l + i * ld;
        b[i] /= ri[i];
        double xi = b[i];
        for (size_t j = 0; j < i; j++)
            b[j] -= ri[j] * xi;
    }
}

static void fill_covariance(const gp_kernel *k, const double *x, size_t n, double jitter,
                            double *c)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            c[i * n + j] = gp_matern52(gp_sqdist(k, x + i * k->dim, x + j * k->dim), k->scale);
        c[i * n + i] = k->scale + k->noise + jitter;
    }
}

int gp_posterior_init(gp_posterior *post, const gp_kernel *k, const double *x, double *y,
                      size_t n, size_t n_obs)
{
    memset(post, 0, sizeof *post);
    size_t dim = k->dim;
    post->n = n;
    post->dim = dim;
    post->scale = k->scale;
    post->noise = k->noise;
    post->cat = tt_xcalloc(dim + 1, sizeof *post->cat);
    post->rho = tt_xcalloc(dim + 1, sizeof *post->rho);
    memcpy(post->cat, k->cat, dim * sizeof *post->cat);
    memcpy(post->rho, k->rho, dim * sizeof *post->rho);
    post->x = tt_xcalloc(n * dim + 1, sizeof *post->x);
    memcpy(post->x, x, n * dim * sizeof *post->x);
    post->l = tt_xcalloc(n * n + 1, sizeof *post->l);
    post->alpha = tt_xcalloc(n + 1, sizeof *post->alpha);

    double jitter = 0.0;
    int rc = -1;
    for (int t = 0; t <= JITTER_TRIES && rc != 0; t++) {
        fill_covariance(k, x, n, jitter, post->l);
        rc = gp_cholesky(post->l, n);
        jitter = jitter == 0.0 ? JITTER_START * k->scale : jitter * 100.0;
    }
    if (rc != 0) {
        gp_posterior_free(post);
        return -1;
    }
    /* β = L⁻¹y on the completed block; each pending row p holds L_c⁻¹k_p in
     * its leading n_obs entries, so μ_p = (L_c⁻¹k_p)ᵀβ_c. */
    double *beta = post->alpha;
    memcpy(beta, y, n_obs * sizeof *beta);
    gp_solve_lower(post->l, n, n_obs, beta);
    for (size_t p = n_obs; p < n; p++)
        y[p] = gp_dot(post->l + p * n, beta, n_obs);
    /* The leading n_obs entries of L⁻¹y are β already. */
    for (size_t i = n_obs; i < n; i++)
        beta[i] = (y[i] - gp_dot(post->l + i * n, beta, i)) / post->l[i * n + i];
    gp_solve_lower_t(post->l, n, n, beta);
    return 0;
}

void gp_posterior_free(gp_posterior *post)
{
    free(post->cat);
    free(post->rho);
    free(post->x);
    free(post->l);
    free(post->alpha);
    memset(post, 0, sizeof *post);
}

void gp_posterior_eval(const gp_posterior *post, const double *x, double *mean, double *var,
                       double *dmean, double *dvar, double *work)
{
    size_t n = post->n, dim = post->dim;
    double *kx = work, *kd = work + n, *v = work + 2 * n;
    gp_kernel k = {.dim = dim, .cat = post->cat, .rho = post->rho, .scale = post->scale};
    bool grad = dmean != NULL && dvar != NULL;
    for (size_t i = 0; i < n; i++) {
        double r2 = gp_sqdist(&k, x, post->x + i * dim);
        kx[i] = gp_matern52(r2, post->scale);
        if (grad)
            kd[i] = gp_matern52_dr2(r2, post->scale);
    }
    *mean = gp_dot(kx, post->alpha, n);
    memcpy(v, kx, n * sizeof *v);
    gp_solve_lower(post->l, n, n, v);
    double raw = post->scale - gp_dot(v, v, n);
    *var = (raw > 0.0 ? raw : 0.0) + 1e-12;
    if (!grad)
        return;
    /* ∂k(x, X_i)/∂x_j = 2ρ_j k'_i (x_j − X_ij); dσ²/dx = −2 (C⁻¹k_x)ᵀ ∂k_x/∂x. */
    gp_solve_lower_t(post->l, n, n, v);
    for (size_t j = 0; j < dim; j++) {
        dmean[j] = 0.0;
        dvar[j] = 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        const double *xi = post->x + i * dim;
        double am = post->alpha[i] * kd[i];
        double av = raw > 0.0 ? -2.0 * v[i] * kd[i] : 0.0;
        for (size_t j = 0; j < dim; j++) {
            if (post->cat[j])
                continue;
            double g = 2.0 * post->rho[j] * (x[j] - xi[j]);
            dmean[j] += am * g;
            dvar[j] += av * g;
        }
    }
}

void gp_posterior_eval_batch(const gp_posterior *post, const double *xs, double *mean,
                             double *var, double *work)
{
    size_t n = post->n, dim = post->dim;
    gp_kernel k = {.dim = dim, .cat = post->cat, .rho = post->rho, .scale = post->scale};
    double acc[GP_BATCH], ss[GP_BATCH];
    for (size_t b = 0; b < GP_BATCH; b++) {
        mean[b] = 0.0;
        ss[b] = 0.0;
    }
    /* Row i of work: k(x_b, X_i) for every b, overwritten by (L⁻¹k)_i. */
    for (size_t i = 0; i < n; i++) {
        double *vi = work + i * GP_BATCH;
        for (size_t b = 0; b < GP_BATCH; b++) {
            vi[b] = gp_matern52(gp_sqdist(&k, xs + b * dim, post->x + i * dim), post->scale);
            mean[b] += post->alpha[i] * vi[b];
        }
    }
    for (size_t i = 0; i < n; i++) {
        const double *li = post->l + i * n;
        double *vi = work + i * GP_BATCH;
        for (size_t b = 0; b < GP_BATCH; b++)
            acc[b] = vi[b];
        for (size_t j = 0; j < i; j++) {
            const double *vj = work + j * GP_BATCH;
            double lij = li[j];
            for (size_t b = 0; b < GP_BATCH; b++)
                acc[b] -= lij * vj[b];
        }
        for (size_t b = 0; b < GP_BATCH; b++) {
            vi[b] = acc[b] / li[i];
            ss[b] += vi[b] * vi[b];
        }
    }
    for (size_t b = 0; b < GP_BATCH; b++) {
        double raw = post->scale - ss[b];
        var[b] = (raw > 0.0 ? raw : 0.0) + 1e-12;
    }
}
