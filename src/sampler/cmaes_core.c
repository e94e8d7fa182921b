/*
 * cmaes_core — the CMA-ES update (docs/algorithms.md §1.7), written after
 * CyberAgentAILab/cmaes (`cmaes/_cma.py`, the library Optuna's CmaEsSampler
 * uses): log-rank weights with negative weights for the worse half (Hansen
 * 2016), cumulative step-size adaptation, rank-one + rank-μ covariance
 * update with h_σ stalling, and a Jacobi eigen-decomposition after every
 * generation. The same constants and the same order of operations as the
 * library, so its behaviour carries over; only the Mahalanobis clip of
 * foreign points (cma_tell) is an addition, needed because the sampler
 * rebuilds generations from a history that parallel workers and enqueued
 * trials also write to.
 *
 * The state is small (a dim x dim matrix); cmaes.c rebuilds it from the
 * history on every suggestion, so nothing here is cached or global.
 */
#include "cmaes_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Floor of an eigenvalue of C (the library's _EPS), and the library's cap
 * on sigma. */
#define CMA_EPS 1e-8
#define CMA_SIGMA_MAX 1e32
/* Jacobi stops when the off-diagonal mass is this small relative to the
 * whole, or after this many sweeps (quadratic convergence makes ~6-10
 * sweeps the norm for the sizes used here). */
#define JACOBI_TOLERANCE 1e-30
#define JACOBI_MAX_SWEEPS 64

void cma_params_init(cma_params *p, size_t dim)
{
    memset(p, 0, sizeof *p);
    double n = (double)dim;
    p->dim = dim;
    p->lambda = 4 + (size_t)floor(3.0 * log(n));
    p->mu = p->lambda / 2;
    p->weights = tt_xmalloc(p->lambda * sizeof *p->weights);
    double *w = p->weights;
    double base = log((double)(p->lambda + 1) / 2.0);
    for (size_t i = 0; i < p->lambda; i++)
        w[i] = base - log((double)(i + 1));
    double sum_pos = 0, sq_pos = 0, sum_neg = 0, sq_neg = 0;
    for (size_t i = 0; i < p->lambda; i++) {
        if (i < p->mu) {
            sum_pos += w[i];
            sq_pos += w[i] * w[i];
        } else {
            sum_neg += w[i];
            sq_neg += w[i] * w[i];
        }
    }
    p->mu_eff = sum_pos * sum_pos / sq_pos;
    double mu_eff_minus = sq_neg > 0 ? sum_neg * sum_neg / sq_neg : 0.0;

    const double alpha_cov = 2.0;
    p->c1 = alpha_cov / ((n + 1.3) * (n + 1.3) + p->mu_eff);
    p->cmu = fmin(1.0 - p->c1 - 1e-8, alpha_cov * (p->mu_eff - 2.0 + 1.0 / p->mu_eff) /
                                          ((n + 2.0) * (n + 2.0) + alpha_cov * p->mu_eff / 2.0));
    double min_alpha = fmin(1.0 + p->c1 / p->cmu,
                            fmin(1.0 + 2.0 * mu_eff_minus / (p->mu_eff + 2.0),
                                 (1.0 - p->c1 - p->cmu) / (n * p->cmu)));
    double positive = 0, negative = 0;
    for (size_t i = 0; i < p->lambda; i++) {
        if (w[i] > 0)
            positive += w[i];
        else
            negative -= w[i];
    }
    for (size_t i = 0; i < p->lambda; i++)
        w[i] = w[i] >= 0 ? w[i] / positive : min_alpha * w[i] / negative;

    p->c_sigma = (p->mu_eff + 2.0) / (n + p->mu_eff + 5.0);
    p->d_sigma = 1.0 + 2.0 * fmax(0.0, sqrt((p->mu_eff - 1.0) / (n + 1.0)) - 1.0) + p->c_sigma;
    p->cc = (4.0 + p->mu_eff / n) / (n + 4.0 + 2.0 * p->mu_eff / n);
    p->chi_n = sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
}

void cma_params_free(cma_params *p)
{
    free(p->weights);
    memset(p, 0, sizeof *p);
}

void cma_state_init(cma_state *s, size_t dim)
{
    memset(s, 0, sizeof *s);
    s->dim = dim;
    s->mean = tt_xmalloc(dim * sizeof *s->mean);
    s->C = tt_xmalloc(dim * dim * sizeof *s->C);
    s->B = tt_xmalloc(dim * dim * sizeof *s->B);
    s->D = tt_xmalloc(dim * sizeof *s->D);
    s->p_sigma = tt_xmalloc(dim * sizeof *s->p_sigma);
    s->pc = tt_xmalloc(dim * sizeof *s->pc);
    cma_state_reset(s);
}

void cma_state_reset(cma_state *s)
{
    size_t n = s->dim;
    for (size_t i = 0; i < n; i++) {
        s->mean[i] = 0.5;
        s->D[i] = 1.0;
        s->p_sigma[i] = 0.0;
        s->pc[i] = 0.0;
        for (size_t j = 0; j < n; j++)
            s->C[i * n + j] = s->B[i * n + j] = i == j ? 1.0 : 0.0;
    }
    s->sigma = CMA_SIGMA0;
    s->generation = 0;
}

void cma_state_free(cma_state *s)
{
    free(s->mean);
    free(s->C);
    free(s->B);
    free(s->D);
    free(s->p_sigma);
    free(s->pc);
    memset(s, 0, sizeof *s);
}

/* ---- eigen-decomposition ---- */

/* Apply the rotation in the (p, q) plane that zeroes a[p][q]. */
static void jacobi_rotate(size_t n, double *a, double *v, size_t p, size_t q)
{
    double apq = a[p * n + q];
    double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    /* The smaller root of t² + 2θt - 1 = 0 keeps the rotation under 45°;
     * for huge θ, 1/(2θ) avoids overflowing θ². */
    double t = fabs(theta) > 1e150 ? 1.0 / (2.0 * theta)
                                   : copysign(1.0, theta) / (fabs(theta) + sqrt(theta * theta + 1.0));
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (size_t k = 0; k < n; k++) { /* a <- a J */
        double akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    for (size_t k = 0; k < n; k++) { /* a <- Jᵀ a */
        double apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
    a[p * n + q] = a[q * n + p] = 0.0;
    for (size_t k = 0; k < n; k++) { /* v <- v J */
        double vkp = v[k * n + p], vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

void cma_eigen(size_t n, const double *a_in, double *values, double *vectors)
{
    double *a = tt_xmalloc((n ? n * n : 1) * sizeof *a);
    memcpy(a, a_in, n * n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            vectors[i * n + j] = i == j ? 1.0 : 0.0;
    for (int sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
        double off = 0.0, total = 0.0;
        for (size_t i = 0; i < n; i++) {
            total += a[i * n + i] * a[i * n + i];
            for (size_t j = i + 1; j < n; j++)
                off += a[i * n + j] * a[i * n + j];
        }
        total += 2.0 * off;
        if (off <= JACOBI_TOLERANCE * total || !isfinite(off))
            break;
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++)
                if (a[p * n + q] != 0.0)
                    jacobi_rotate(n, a, vectors, p, q);
    }
    for (size_t i = 0; i < n; i++)
        values[i] = a[i * n + i];
    /* Ascending order (selection sort: n is small, and ties keep their
     * order so the result is deterministic). */
    for (size_t i = 0; i < n; i++) {
        size_t m = i;
        for (size_t j = i + 1; j < n; j++)
            if (values[j] < values[m])
                m = j;
        if (m == i)
            continue;
        double t = values[i];
        values[i] = values[m];
        values[m] = t;
        for (size_t k = 0; k < n; k++) {
            t = vectors[k * n + i];
            vectors[k * n + i] = vectors[k * n + m];
            vectors[k * n + m] = t;
        }
    }
    free(a);
}

/* ---- sampling ---- */

void cma_sample(const cma_state *s, tt_rng *rng, double *x)
{
    size_t n = s->dim;
    double *z = tt_xmalloc(n * sizeof *z);
    for (int attempt = 0; attempt <= CMA_MAX_RESAMPLE; attempt++) {
        for (size_t i = 0; i < n; i++)
            z[i] = s->D[i] * tt_rng_normal(rng);
        bool inside = true;
        for (size_t i = 0; i < n; i++) {
            double y = 0.0;
            for (size_t j = 0; j < n; j++)
                y += s->B[i * n + j] * z[j];
            x[i] = s->mean[i] + s->sigma * y;
            inside = inside && x[i] >= 0.0 && x[i] <= 1.0;
        }
        if (inside)
            break;
    }
    /* After CMA_MAX_RESAMPLE + 1 draws outside, the last is clipped. */
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0 ? 0.0 : x[i] > 1.0 ? 1.0 : x[i];
    free(z);
}

/* ---- the update ---- */

/* out = C^(-1/2) y = B diag(1/D) Bᵀ y; tmp holds n doubles. */
static void inv_sqrt_times(const cma_state *s, const double *y, double *out, double *tmp)
{
    size_t n = s->dim;
    for (size_t j = 0; j < n; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < n; i++)
            acc += s->B[i * n + j] * y[i];
        tmp[j] = acc / s->D[j];
    }
    for (size_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (size_t j = 0; j < n; j++)
            acc += s->B[i * n + j] * tmp[j];
        out[i] = acc;
    }
}

static double norm2(size_t n, const double *v)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++)
        acc += v[i] * v[i];
    return acc;
}

static bool state_finite(const cma_state *s)
{
    size_t n = s->dim;
    if (!isfinite(s->sigma) || !(s->sigma > 0.0))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(s->mean[i]) || !isfinite(s->p_sigma[i]) || !isfinite(s->pc[i]))
            return false;
        for (size_t j = 0; j < n; j++)
            if (!isfinite(s->C[i * n + j]))
                return false;
    }
    return true;
}

/* B and D from C (symmetrised first); eigenvalues below CMA_EPS are raised
 * to it, as the library does. */
static void decompose(cma_state *s)
{
    size_t n = s->dim;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double m = 0.5 * (s->C[i * n + j] + s->C[j * n + i]);
            s->C[i * n + j] = s->C[j * n + i] = m;
        }
    cma_eigen(n, s->C, s->D, s->B);
    for (size_t i = 0; i < n; i++)
        s->D[i] = sqrt(s->D[i] < CMA_EPS ? CMA_EPS : s->D[i]);
}

void cma_tell(const cma_params *p, cma_state *s, const double *const *x,
              const bool *foreign)
{
    size_t n = s->dim, lambda = p->lambda;
    double *y = tt_xmalloc(lambda * n * sizeof *y);  /* (x - m) / sigma */
    double *cy = tt_xmalloc(lambda * n * sizeof *cy); /* C^(-1/2) y */
    double *yw = tt_xcalloc(n, sizeof *yw);
    double *tmp = tt_xmalloc(n * sizeof *tmp);
    double *cyw = tt_xmalloc(n * sizeof *cyw);
    double dn = (double)n;
    double clip = sqrt(dn) + 2.0 * dn / (dn + 2.0);

    s->generation++;
    for (size_t k = 0; k < lambda; k++) {
        double *yk = &y[k * n], *cyk = &cy[k * n];
        for (size_t i = 0; i < n; i++)
            yk[i] = (x[k][i] - s->mean[i]) / s->sigma;
        inv_sqrt_times(s, yk, cyk, tmp);
        double len = sqrt(norm2(n, cyk));
        if (foreign != NULL && foreign[k] && len > clip) {
            for (size_t i = 0; i < n; i++) {
                yk[i] *= clip / len;
                cyk[i] *= clip / len;
            }
        }
    }
    /* Selection and recombination (c_m = 1). */
    for (size_t k = 0; k < p->mu; k++)
        for (size_t i = 0; i < n; i++)
            yw[i] += p->weights[k] * y[k * n + i];
    for (size_t i = 0; i < n; i++)
        s->mean[i] += s->sigma * yw[i];

    /* Step size: cumulative step-size adaptation. */
    inv_sqrt_times(s, yw, cyw, tmp);
    double ks = sqrt(p->c_sigma * (2.0 - p->c_sigma) * p->mu_eff);
    for (size_t i = 0; i < n; i++)
        s->p_sigma[i] = (1.0 - p->c_sigma) * s->p_sigma[i] + ks * cyw[i];
    double ps_norm = sqrt(norm2(n, s->p_sigma));
    s->sigma *= exp((p->c_sigma / p->d_sigma) * (ps_norm / p->chi_n - 1.0));
    if (s->sigma > CMA_SIGMA_MAX)
        s->sigma = CMA_SIGMA_MAX;

    /* Covariance: rank-one (with h_sigma stalling) + rank-mu. */
    double left =
        ps_norm / sqrt(1.0 - pow(1.0 - p->c_sigma, 2.0 * (double)(s->generation + 1)));
    double right = (1.4 + 2.0 / (dn + 1.0)) * p->chi_n;
    double h_sigma = left < right ? 1.0 : 0.0;
    double kc = h_sigma * sqrt(p->cc * (2.0 - p->cc) * p->mu_eff);
    for (size_t i = 0; i < n; i++)
        s->pc[i] = (1.0 - p->cc) * s->pc[i] + kc * yw[i];
    double delta_h = (1.0 - h_sigma) * p->cc * (2.0 - p->cc);
    double sum_w = 0.0;
    for (size_t k = 0; k < lambda; k++)
        sum_w += p->weights[k];
    double keep = 1.0 + p->c1 * delta_h - p->c1 - p->cmu * sum_w;
    double *w_io = tt_xmalloc(lambda * sizeof *w_io);
    for (size_t k = 0; k < lambda; k++) {
        double w = p->weights[k];
        w_io[k] = w >= 0.0 ? w : w * dn / (norm2(n, &cy[k * n]) + CMA_EPS);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double rank_mu = 0.0;
            for (size_t k = 0; k < lambda; k++)
                rank_mu += w_io[k] * y[k * n + i] * y[k * n + j];
            s->C[i * n + j] =
                keep * s->C[i * n + j] + p->c1 * s->pc[i] * s->pc[j] + p->cmu * rank_mu;
        }
    free(w_io);

    if (state_finite(s))
        decompose(s);
    else
        cma_state_reset(s);
    free(y);
    free(cy);
    free(yw);
    free(tmp);
    free(cyw);
}
