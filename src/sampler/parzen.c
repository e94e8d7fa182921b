/*
 * parzen — the Parzen estimators of TPE (docs/algorithms.md §1.4.4–1.4.6):
 * weighted mixtures of product kernels (tpe_kernel.c) over one or more dims,
 * one kernel per observation plus the prior kernel, that can be sampled and
 * evaluated.
 *
 * Speed (a suggestion at 1000 trials must take well under a millisecond):
 * the per-kernel constants (1/σ, log σ, log Z) are computed once per
 * estimator; evaluating a point costs one multiply-add per kernel and dim,
 * and an exponential only for kernels within 40 nats of the best one (the
 * others change the sum by less than 1e-17 each). Joint estimators over
 * continuous dims, the multivariate sampler's usual case, go through
 * parzen_joint.c, which computes log Z only for kernels near the points
 * (with the same result). 1-D continuous estimators keep their kernels
 * sorted and visit only those near the point.
 * Discrete dims would need two erfc per kernel: a cheap upper bound of each
 * bin mass (width · largest density in the bin) screens the kernels first,
 * and the exact mass is computed only for kernels whose bound comes within
 * 40 nats of the best exact one, so the result is the exact mixture up to
 * that same 1e-17.
 */
#include "tpe_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOG_SQRT_2PI TPE_LOG_SQRT_2PI
#define NEGLIGIBLE TPE_NEGLIGIBLE

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Where a value sits for the kernels of dim d: t for continuous dims, the
 * bin [tl, tr] for discrete ones, the index for categorical ones. */
typedef struct point_dim {
    double t, tl, tr, log_width;
} point_dim;

/* A 1-D numeric estimator keeps its kernels sorted by centre, so that
 * tpe_estimator_logpdf can visit only the kernels near a point: x and w in
 * centre order, in a block the caller frees (NULL when already sorted). */
static double *sort_1d(const double **x, const double **w, size_t n_obs)
{
    bool sorted = true;
    for (size_t k = 1; k < n_obs && sorted; k++)
        sorted = (*x)[k] >= (*x)[k - 1];
    if (sorted)
        return NULL;
    tpe_centre *c = tt_xmalloc(n_obs * sizeof *c);
    for (size_t k = 0; k < n_obs; k++)
        c[k] = (tpe_centre){(*x)[k], k};
    tpe_sort_centres(c, n_obs);
    double *sorted_x = tt_xmalloc(2 * n_obs * sizeof *sorted_x);
    double *sorted_w = sorted_x + n_obs;
    for (size_t k = 0; k < n_obs; k++) {
        sorted_x[k] = c[k].mu;
        sorted_w[k] = (*w)[c[k].index];
    }
    free(c);
    *x = sorted_x;
    *w = sorted_w;
    return sorted_x;
}

/* Weights: observations, then the prior; normalised. */
static void init_weights(tpe_estimator *e, const tpe_options *o, const double *w, size_t n_obs)
{
    size_t m = n_obs + 1;
    double sum = 0.0;
    for (size_t k = 0; k < n_obs; k++)
        sum += w[k];
    double wp = n_obs > 0 ? o->prior_weight : 1.0;
    sum += wp;
    double cum = 0.0, prev_w = NAN, prev_lw = 0.0;
    for (size_t k = 0; k < m; k++) {
        double wk = k < n_obs ? w[k] : wp;
        if (wk != prev_w) { /* the weights are mostly equal: one log each */
            prev_w = wk;
            prev_lw = log(wk / sum);
        }
        e->log_weight[k] = prev_lw;
        cum += wk / sum;
        e->cum_weight[k] = cum;
    }
    e->cum_weight[m - 1] = 1.0;
}

/* Categorical dim j: rows of the observation kernels differ only in where
 * the +1 sits, so two numbers per category describe them all. */
static void init_categorical(tpe_estimator *e, const tpe_options *o, size_t j, size_t n_obs,
                             double *row)
{
    const tpe_dim *d = e->dims[j];
    size_t K = d->n_choices, kmax = e->max_choices;
    double a_total = 0.0;
    double *hit = e->cat_hit + j * kmax, *miss = e->cat_miss + j * kmax,
           *pri = e->cat_prior + j * kmax;
    for (size_t c = 0; c < K; c++) {
        tpe_categorical_row(d, n_obs, o->prior_weight, c, row);
        hit[c] = log(row[c]);
        double p = tpe_dim_prior(d, c);
        double a = o->prior_weight / (double)(n_obs + 1) * (double)K * p;
        miss[c] = log(row[c] * a / (a + 1.0));
        pri[c] = log(p);
        a_total += a;
    }
    e->cat_keep[j] = 1.0 / (1.0 + a_total);
    e->mu[j * e->n_kernels + n_obs] = -1.0;
}

/* The exact constants of numeric dim j (σ mostly equal: one log and one
 * division each). */
static void exact_constants(tpe_estimator *e, size_t j)
{
    const tpe_dim *d = e->dims[j];
    size_t m = e->n_kernels;
    const double *mu = e->mu + j * m, *sg = e->sigma + j * m;
    double prev_s = NAN, prev_log = 0.0, prev_inv = 0.0;
    for (size_t k = 0; k < m; k++) {
        double s = sg[k];
        if (s != prev_s) {
            prev_s = s;
            prev_log = log(s);
            prev_inv = 1.0 / s;
        }
        e->inv_sigma[j * m + k] = prev_inv;
        e->log_sigma[j * m + k] = prev_log;
        e->log_const[j * m + k] = tpe_numeric_log_const(d, mu[k], s, prev_log);
    }
}

/* Numeric dim j: bandwidths, the prior kernel, per-kernel constants. */
static void init_numeric(tpe_estimator *e, const tpe_options *o, tpe_bandwidth rule,
                         size_t j, size_t n_obs)
{
    const tpe_dim *d = e->dims[j];
    size_t m = e->n_kernels;
    double *mu = e->mu + j * m, *sg = e->sigma + j * m;
    tpe_bandwidths(o, rule, mu, n_obs, e->n_dims, d->low, d->high, sg);
    mu[n_obs] = 0.5 * (d->low + d->high);
    sg[n_obs] = d->high - d->low;
    for (size_t k = 0; k < n_obs; k++)
        if (sg[k] > e->sigma_max)
            e->sigma_max = sg[k];
    if (e->joint)
        tpe_joint_constants(e, j);
    else
        exact_constants(e, j);
}

void tpe_estimator_init(tpe_estimator *e, const tpe_options *o,
                        tpe_bandwidth rule, const tpe_dim *const *dims,
                        size_t n_dims, const double *x, const double *w, size_t n_obs)
{
    memset(e, 0, sizeof *e);
    size_t m = n_obs + 1;
    double *sorted_x = NULL;
    if (n_dims == 1 && dims[0]->kind != TPE_CATEGORICAL) {
        sorted_x = sort_1d(&x, &w, n_obs);
        e->sorted = dims[0]->kind == TPE_CONTINUOUS;
    }
    e->n_dims = n_dims;
    e->dims = dims;
    e->n_kernels = m;
    size_t kmax = 1;
    for (size_t j = 0; j < n_dims; j++)
        if (dims[j]->kind == TPE_CATEGORICAL && dims[j]->n_choices > kmax)
            kmax = dims[j]->n_choices;
    e->max_choices = kmax;
    size_t nd = n_dims ? n_dims : 1;
    /* One block: weights (2m), five per-dim arrays (5 m D), categorical
     * tables (3 K D + D), scratch (m, and K for a categorical row), the
     * joint path's state. */
    size_t joint = tpe_joint_applies(dims, n_dims) ? tpe_joint_size(m, n_dims) : 0;
    size_t total = joint + 2 * m + 5 * m * nd + 3 * kmax * nd + nd + m + kmax;
    double *block = tt_xmalloc(total * sizeof *block);
    if (joint)
        e->joint = tpe_joint_place(block, m, n_dims);
    e->log_weight = block + joint;
    e->cum_weight = e->log_weight + m;
    e->mu = e->log_weight + 2 * m;
    e->sigma = e->mu + m * nd;
    e->inv_sigma = e->sigma + m * nd;
    e->log_sigma = e->inv_sigma + m * nd;
    e->log_const = e->log_sigma + m * nd;
    e->cat_hit = e->log_const + m * nd;
    e->cat_miss = e->cat_hit + kmax * nd;
    e->cat_prior = e->cat_miss + kmax * nd;
    e->cat_keep = e->cat_prior + kmax * nd;
    e->scratch = e->cat_keep + nd;
    e->points = tt_xmalloc(nd * sizeof(point_dim));

    init_weights(e, o, w, n_obs);
    for (size_t j = 0; j < n_dims; j++) {
        double *mu = e->mu + j * m;
        for (size_t k = 0; k < n_obs; k++)
            mu[k] = x[k * n_dims + j];
        if (dims[j]->kind == TPE_CATEGORICAL)
            init_categorical(e, o, j, n_obs, e->scratch + m);
        else
            init_numeric(e, o, rule, j, n_obs);
    }
    if (e->joint)
        tpe_joint_pack(e);
    e->top_const = -INFINITY;
    if (e->sorted)
        for (size_t k = 0; k < n_obs; k++)
            if (e->log_weight[k] + e->log_const[k] > e->top_const)
                e->top_const = e->log_weight[k] + e->log_const[k];
    free(sorted_x);
}

void tpe_estimator_free(tpe_estimator *e)
{
    /* The block starts with the joint state when there is one. */
    free(e->joint ? (void *)e->joint : (void *)e->log_weight);
    free(e->points);
    memset(e, 0, sizeof *e);
}

static size_t sample_prior_choice(const tpe_dim *d, double u)
{
    double cum = 0.0;
    size_t last = 0;
    for (size_t c = 0; c < d->n_choices; c++) {
        double p = tpe_dim_prior(d, c);
        if (p <= 0.0)
            continue;
        cum += p;
        last = c;
        if (u < cum)
            return c;
    }
    return last;
}

void tpe_estimator_sample(const tpe_estimator *e, tt_rng *rng, double *v)
{
    size_t m = e->n_kernels;
    double u = tt_rng_uniform(rng);
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->cum_weight[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t k = lo;
    for (size_t j = 0; j < e->n_dims; j++) {
        const tpe_dim *d = e->dims[j];
        double r = tt_rng_uniform(rng);
        double mu = e->mu[j * m + k];
        if (d->kind == TPE_CATEGORICAL) {
            /* p(c) = (a_c + 1[c = obs]) / (A + 1): the observed category
             * with probability 1 / (A + 1), else a draw from the prior. */
            double keep = k + 1 < m ? e->cat_keep[j] : 0.0;
            if (r < keep)
                v[j] = mu;
            else
                v[j] = (double)sample_prior_choice(d, (r - keep) / (1.0 - keep));
            continue;
        }
        double t = tpe_truncnorm_sample(mu, e->sigma[j * m + k], d->low, d->high, r);
        v[j] = tpe_dim_from_internal(d, t);
    }
}

static point_dim locate(const tpe_dim *d, double x)
{
    point_dim p = {0};
    if (d->kind == TPE_CATEGORICAL) {
        p.t = x;
    } else if (d->kind == TPE_DISCRETE) {
        double a = x - 0.5 * d->step, b = x + 0.5 * d->step;
        if (d->scale == TPE_LOG) {
            a = a > 0.0 ? log(a) : d->low;
            b = log(b);
        }
        p.tl = clamp(a, d->low, d->high);
        p.tr = clamp(b, d->low, d->high);
        p.log_width = log(p.tr - p.tl);
        p.t = 0.5 * (p.tl + p.tr);
    } else {
        p.t = tpe_dim_to_internal(d, x);
    }
    return p;
}

/* Upper bound of a discrete kernel's log bin mass: the bin's width times
 * the largest density inside it (and at most 1). */
static double bin_bound(const tpe_estimator *e, size_t j, size_t k, const point_dim *p)
{
    size_t m = e->n_kernels;
    double is = e->inv_sigma[j * m + k], mu = e->mu[j * m + k];
    double za = (p->tl - mu) * is, zb = (p->tr - mu) * is;
    double zn = za > 0.0 ? za : zb < 0.0 ? zb : 0.0;
    double b = p->log_width - e->log_sigma[j * m + k] - LOG_SQRT_2PI - 0.5 * zn * zn +
               e->log_const[j * m + k];
    return b < 0.0 ? b : 0.0;
}

static double bin_exact(const tpe_estimator *e, size_t j, size_t k, const point_dim *p)
{
    size_t m = e->n_kernels;
    double is = e->inv_sigma[j * m + k], mu = e->mu[j * m + k];
    return tpe_log_ndtr_diff((p->tl - mu) * is, (p->tr - mu) * is) + e->log_const[j * m + k];
}

/* First k in [lo, hi) with mu[k] >= t (mu sorted). */
static size_t lower_bound(const double *mu, size_t lo, size_t hi, double t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mu[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* log density of a 1-D continuous estimator at t, visiting only the
 * kernels that can matter. Every observation kernel has
 * acc = c_k − z²/2 with c_k <= top_const and σ_k <= sigma_max, so once some
 * kernel reaches `top`, kernels farther than
 * sigma_max · sqrt(2 (top_const − top + NEGLIGIBLE)) from t lie more than
 * NEGLIGIBLE below it: exactly the kernels the full sum skips too. */
static double logpdf_sorted(const tpe_estimator *e, double t)
{
    size_t n = e->n_kernels - 1;
    const double *mu = e->mu, *is = e->inv_sigma, *lc = e->log_const, *lw = e->log_weight;
    double z = (t - mu[n]) * is[n];
    double prior = lw[n] + lc[n] - 0.5 * z * z, top = prior;
    if (n == 0)
        return prior;
    size_t pos = lower_bound(mu, 0, n, t);
    for (size_t k = pos > 0 ? pos - 1 : 0; k < pos + 1 && k < n; k++) {
        z = (t - mu[k]) * is[k];
        double a = lw[k] + lc[k] - 0.5 * z * z;
        if (a > top)
            top = a;
    }
    double reach = e->sigma_max * sqrt(2.0 * (e->top_const - top + NEGLIGIBLE));
    size_t lo = lower_bound(mu, 0, pos, t - reach), hi = lower_bound(mu, pos, n, t + reach);
    while (hi < n && mu[hi] <= t + reach)
        hi++;
    double *acc = e->scratch;
    for (size_t k = lo; k < hi; k++) {
        z = (t - mu[k]) * is[k];
        acc[k] = lw[k] + lc[k] - 0.5 * z * z;
        if (acc[k] > top)
            top = acc[k];
    }
    double sum = prior - top > -NEGLIGIBLE ? tpe_exp_small(prior - top) : 0.0;
    for (size_t k = lo; k < hi; k++) {
        double d = acc[k] - top;
        sum += d > -NEGLIGIBLE ? tpe_exp_small(d) : 0.0;
    }
    return top + log(sum);
}

/* Swap kernel k's bin bounds for its exact bin masses. */
static void exact_bins(const tpe_estimator *e, size_t k, const point_dim *pts, double *acc)
{
    for (size_t j = 0; j < e->n_dims; j++)
        if (e->dims[j]->kind == TPE_DISCRETE)
            acc[k] += bin_exact(e, j, k, &pts[j]) - bin_bound(e, j, k, &pts[j]);
}

void tpe_estimator_logpdf_many(const tpe_estimator *e, const double *v, size_t n, double *out)
{
    if (e->joint) {
        tpe_joint_logpdf(e, v, n, out);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tpe_estimator_logpdf(e, v + i * e->n_dims);
}

double tpe_estimator_logpdf(const tpe_estimator *e, const double *v)
{
    if (e->joint) {
        double out;
        tpe_joint_logpdf(e, v, 1, &out);
        return out;
    }
    if (e->sorted)
        return logpdf_sorted(e, tpe_dim_to_internal(e->dims[0], v[0]));
    size_t m = e->n_kernels, D = e->n_dims;
    double *acc = e->scratch;
    memcpy(acc, e->log_weight, m * sizeof *acc);
    point_dim *pts = e->points;
    bool any_discrete = false;
    for (size_t j = 0; j < D; j++) {
        const tpe_dim *d = e->dims[j];
        pts[j] = locate(d, v[j]);
        const double *mu = e->mu + j * m;
        if (d->kind == TPE_CONTINUOUS) {
            const double *is = e->inv_sigma + j * m, *lc = e->log_const + j * m;
            double t = pts[j].t;
            for (size_t k = 0; k < m; k++) {
                double z = (t - mu[k]) * is[k];
                acc[k] += lc[k] - 0.5 * z * z;
            }
        } else if (d->kind == TPE_DISCRETE) {
            any_discrete = true;
            for (size_t k = 0; k < m; k++)
                acc[k] += bin_bound(e, j, k, &pts[j]);
        } else {
            size_t c = (size_t)pts[j].t, K = e->max_choices;
            double hit = e->cat_hit[j * K + c], miss = e->cat_miss[j * K + c];
            for (size_t k = 0; k + 1 < m; k++)
                acc[k] += mu[k] == pts[j].t ? hit : miss;
            acc[m - 1] += e->cat_prior[j * K + c];
        }
    }
    if (any_discrete) {
        /* Replace the bounds by exact masses where it matters: first for the
         * kernel with the largest bound, then for every kernel whose bound
         * comes within NEGLIGIBLE of that exact value. */
        size_t best = 0;
        for (size_t k = 1; k < m; k++)
            if (acc[k] > acc[best])
                best = k;
        exact_bins(e, best, pts, acc);
        double floor_ = acc[best] - NEGLIGIBLE;
        for (size_t k = 0; k < m; k++)
            if (k != best && acc[k] > floor_)
                exact_bins(e, k, pts, acc);
    }
    double top = -INFINITY;
    for (size_t k = 0; k < m; k++)
        if (acc[k] > top)
            top = acc[k];
    if (!(top > -INFINITY))
        return -INFINITY;
    double sum = 0.0;
    for (size_t k = 0; k < m; k++) {
        double d = acc[k] - top;
        sum += d > -NEGLIGIBLE ? tpe_exp_small(d) : 0.0;
    }
    return top + log(sum);
}
