/*
 * encode — each parameter's prior as a map to and from the unit interval.
 *
 * decode(u) is the prior's quantile function (W&B's `ppf` in
 * sweeps/params.py), so decode of a uniform draw is a draw from the prior and
 * decode of a Sobol point is a low-discrepancy design. encode(x) is the CDF;
 * for discrete parameters it is the middle of the u-interval that decodes to
 * x, so decode(encode(x)) == x exactly.
 *
 * Quantised kinds round the continuous draw to a multiple of q as W&B does
 * (round(x / q) * q), but a bounded one never leaves its range: the multiple
 * is clamped to the multiples that lie inside [min, max] (W&B can return
 * round(0.3) = 0 for min 0.3; we return the nearest in-range multiple). The
 * normal family clamps u to [1e-12, 1 - 1e-12] so every result is finite.
 */
#include "tunetop/space.h"
#include "tunetop/stats.h"

#include "space_impl.h"

#include <math.h>
#include <stdint.h>

#define NORMAL_U_MIN 1e-12
#define EXACT_INT_LIMIT 9007199254740992.0 /* 2^53 */

bool space_is_quantized(tt_dist d)
{
    switch (d) {
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
    case TT_DIST_Q_BETA:
        return true;
    default:
        return false;
    }
}

bool space_is_log_uniform(tt_dist d)
{
    switch (d) {
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM:
    case TT_DIST_INV_LOG_UNIFORM_VALUES:
        return true;
    default:
        return false;
    }
}

/* The exponent interval [a, b] of a log-uniform kind: X = exp(U(a, b)).
 * W&B's inv_log_uniform is X = exp(-U(min, max)), i.e. exponents
 * [-max, -min]; its inv_log_uniform_values is exp(-U(-ln max, -ln min)),
 * which is log-uniform on [min, max] like log_uniform_values. */
static void log_exponents(const tt_param *p, double *a, double *b)
{
    switch (p->dist) {
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
        *a = p->min;
        *b = p->max;
        break;
    case TT_DIST_INV_LOG_UNIFORM:
        *a = -p->max;
        *b = -p->min;
        break;
    default:
        *a = log(p->min);
        *b = log(p->max);
        break;
    }
}

static bool log_kind_takes_values(tt_dist d)
{
    return d == TT_DIST_LOG_UNIFORM_VALUES || d == TT_DIST_Q_LOG_UNIFORM_VALUES ||
           d == TT_DIST_INV_LOG_UNIFORM_VALUES;
}

void space_support(const tt_param *p, double *lo, double *hi)
{
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        *lo = *hi = 0.0;
        break;
    case TT_DIST_CATEGORICAL:
        *lo = 0.0;
        *hi = p->n_values > 0 ? (double)(p->n_values - 1) : 0.0;
        break;
    case TT_DIST_NORMAL:
    case TT_DIST_Q_NORMAL:
        *lo = -INFINITY;
        *hi = INFINITY;
        break;
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        *lo = 0.0;
        *hi = INFINITY;
        break;
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        *lo = 0.0;
        *hi = 1.0;
        break;
    default:
        if (space_is_log_uniform(p->dist) && !log_kind_takes_values(p->dist)) {
            double a, b;
            log_exponents(p, &a, &b);
            *lo = exp(a);
            *hi = exp(b);
        } else {
            *lo = p->min;
            *hi = p->max;
        }
        break;
    }
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static double clamp_unit(double u)
{
    return isnan(u) ? 0.5 : clamp(u, 0.0, 1.0);
}

/* Quantile of the continuous draw (before any rounding); u in [0, 1]. */
static double continuous_ppf(const tt_param *p, double u)
{
    double lo, hi;
    space_support(p, &lo, &hi);
    switch (p->dist) {
    case TT_DIST_NORMAL:
    case TT_DIST_Q_NORMAL:
        return p->mu + p->sigma * tt_stats_norm_ppf(clamp(u, NORMAL_U_MIN, 1.0 - NORMAL_U_MIN));
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        return exp(p->mu +
                   p->sigma * tt_stats_norm_ppf(clamp(u, NORMAL_U_MIN, 1.0 - NORMAL_U_MIN)));
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        return tt_stats_incbeta_inv(u, p->a, p->b);
    default:
        break;
    }
    if (u <= 0.0)
        return lo;
    if (u >= 1.0)
        return hi;
    if (space_is_log_uniform(p->dist)) {
        double a, b;
        log_exponents(p, &a, &b);
        return clamp(exp(a + u * (b - a)), lo, hi);
    }
    return clamp(lo + u * (hi - lo), lo, hi);
}

/* CDF of the continuous draw at x. */
static double continuous_cdf(const tt_param *p, double x)
{
    double lo, hi;
    space_support(p, &lo, &hi);
    switch (p->dist) {
    case TT_DIST_NORMAL:
    case TT_DIST_Q_NORMAL:
        return tt_stats_norm_cdf((x - p->mu) / p->sigma);
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        return x <= 0.0 ? 0.0 : tt_stats_norm_cdf((log(x) - p->mu) / p->sigma);
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        return tt_stats_incbeta(x, p->a, p->b);
    default:
        break;
    }
    if (!(hi > lo))
        return 0.5;
    if (x <= lo)
        return 0.0;
    if (x >= hi)
        return 1.0;
    if (space_is_log_uniform(p->dist)) {
        double a, b;
        log_exponents(p, &a, &b);
        return clamp((log(x) - a) / (b - a), 0.0, 1.0);
    }
    return clamp((x - lo) / (hi - lo), 0.0, 1.0);
}

void space_q_range(const tt_param *p, double *kmin, double *kmax)
{
    double lo, hi;
    space_support(p, &lo, &hi);
    *kmin = ceil(lo / p->q - SPACE_Q_TOLERANCE);
    *kmax = floor(hi / p->q + SPACE_Q_TOLERANCE);
}

double space_q_value(const tt_param *p, double k)
{
    double q = p->q;
    /* + 0.0 turns the -0 of round(-0.3) into 0. */
    if (q == floor(q) || !isfinite(k))
        return k * q + 0.0;
    /* A q with d decimals is m / 10^d; k*m is then an exact integer and
     * one correctly rounded division gives the double nearest the decimal. */
    double scale = 1.0;
    for (int d = 1; d <= 15; d++) {
        scale *= 10.0;
        double m = q * scale;
        if (fabs(m - nearbyint(m)) <= SPACE_Q_TOLERANCE * m) {
            double km = k * nearbyint(m);
            if (fabs(km) < EXACT_INT_LIMIT)
                return km / scale + 0.0;
            break;
        }
    }
    return k * q + 0.0;
}

/* The multiple index of x for a quantised parameter, clamped to its range. */
static double q_index(const tt_param *p, double x)
{
    double kmin, kmax;
    space_q_range(p, &kmin, &kmax);
    return clamp(round(x / p->q), kmin, kmax);
}

/* Uniform categorical bins are index/n; weighted ones follow the
 * cumulative probabilities. */
static size_t categorical_index(const tt_param *p, double u)
{
    size_t n = p->n_values;
    if (n == 0)
        return 0;
    if (!p->probabilities) {
        double i = floor(u * (double)n);
        return i >= (double)n ? n - 1 : (size_t)i;
    }
    double cum = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (p->probabilities[i] <= 0.0)
            continue;
        cum += p->probabilities[i];
        last = i;
        if (u < cum)
            return i;
    }
    return last;
}

static double categorical_encode(const tt_param *p, double x)
{
    size_t n = p->n_values;
    if (n == 0)
        return 0.5;
    double idx = clamp(round(x), 0.0, (double)(n - 1));
    size_t k = (size_t)idx;
    if (!p->probabilities)
        return ((double)k + 0.5) / (double)n;
    double below = 0.0;
    for (size_t i = 0; i < k; i++)
        if (p->probabilities[i] > 0.0)
            below += p->probabilities[i];
    double w = p->probabilities[k] > 0.0 ? p->probabilities[k] : 0.0;
    return clamp(below + 0.5 * w, 0.0, 1.0);
}

double tt_param_decode(const tt_param *p, double u)
{
    u = clamp_unit(u);
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return 0.0;
    case TT_DIST_CATEGORICAL:
        return (double)categorical_index(p, u);
    case TT_DIST_INT_UNIFORM: {
        double count = p->max - p->min + 1.0;
        return clamp(p->min + floor(u * count), p->min, p->max);
    }
    default:
        break;
    }
    double r = continuous_ppf(p, u);
    if (space_is_quantized(p->dist))
        return space_q_value(p, q_index(p, r));
    if (p->is_int) {
        double lo, hi;
        space_support(p, &lo, &hi);
        return clamp(round(r), ceil(lo), floor(hi));
    }
    return r;
}

double tt_param_encode(const tt_param *p, double x)
{
    if (isnan(x))
        return 0.5;
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return 0.5;
    case TT_DIST_CATEGORICAL:
        return categorical_encode(p, x);
    case TT_DIST_INT_UNIFORM: {
        double count = p->max - p->min + 1.0;
        double k = clamp(round(x), p->min, p->max) - p->min;
        return clamp((k + 0.5) / count, 0.0, 1.0);
    }
    default:
        break;
    }
    if (!space_is_quantized(p->dist))
        return clamp_unit(continuous_cdf(p, x));
    /* The middle (in u) of the interval of draws that round to x. */
    double lo, hi, kmin, kmax;
    space_support(p, &lo, &hi);
    space_q_range(p, &kmin, &kmax);
    double k = q_index(p, x);
    double left = k <= kmin ? lo : fmax(lo, (k - 0.5) * p->q);
    double right = k >= kmax ? hi : fmin(hi, (k + 0.5) * p->q);
    return clamp_unit(0.5 * (continuous_cdf(p, left) + continuous_cdf(p, right)));
}

static bool is_integral(double x)
{
    return isfinite(x) && x == floor(x);
}

bool tt_param_contains(const tt_param *p, double x)
{
    if (!isfinite(x))
        return false;
    double lo, hi;
    space_support(p, &lo, &hi);
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return x == 0.0;
    case TT_DIST_CATEGORICAL:
        return is_integral(x) && x >= 0.0 && x < (double)p->n_values;
    case TT_DIST_INT_UNIFORM:
        return is_integral(x) && x >= p->min && x <= p->max;
    default:
        break;
    }
    if (p->is_int && !is_integral(x))
        return false;
    if (space_is_quantized(p->dist)) {
        double kmin, kmax;
        space_q_range(p, &kmin, &kmax);
        double k = round(x / p->q);
        if (k < kmin || k > kmax)
            return false;
        return fabs(x - space_q_value(p, k)) <= SPACE_Q_TOLERANCE * fmax(p->q, fabs(x));
    }
    if (p->dist == TT_DIST_LOG_NORMAL)
        return x > 0.0;
    return x >= lo && x <= hi;
}

size_t tt_param_grid_count(const tt_param *p)
{
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return 1;
    case TT_DIST_CATEGORICAL:
        return p->n_values;
    case TT_DIST_INT_UNIFORM: {
        double count = p->max - p->min + 1.0;
        if (!(count >= 1.0))
            return 0;
        return count >= (double)SIZE_MAX ? SIZE_MAX : (size_t)count;
    }
    case TT_DIST_Q_UNIFORM: {
        double kmin, kmax;
        space_q_range(p, &kmin, &kmax);
        double count = kmax - kmin + 1.0;
        if (!(count >= 1.0))
            return 0;
        return count >= (double)SIZE_MAX ? SIZE_MAX : (size_t)count;
    }
    default:
        return 0;
    }
}

double tt_param_grid_value(const tt_param *p, size_t k)
{
    switch (p->dist) {
    case TT_DIST_CATEGORICAL:
        return (double)k;
    case TT_DIST_INT_UNIFORM:
        return p->min + (double)k;
    case TT_DIST_Q_UNIFORM: {
        double kmin, kmax;
        space_q_range(p, &kmin, &kmax);
        return space_q_value(p, kmin + (double)k);
    }
    default:
        return 0.0;
    }
}
