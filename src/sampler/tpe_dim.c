/*
 * tpe_dim — how each W&B parameter kind becomes a TPE domain
 * (docs/algorithms.md §1.4.4–1.4.5). Optuna's TPE knows float/int ranges
 * (optionally log, optionally stepped) and categoricals; the W&B kinds map
 * onto them as follows:
 *
 *   uniform                      continuous, value space
 *   int_uniform, q_uniform       discrete, value space, step 1 or q
 *   log_uniform*, inv_log_*      continuous, log space
 *   q_log_uniform*               discrete, bins log(x ± q/2) (Optuna ≥ 4.7)
 *   normal, log_normal, beta     continuous on the prior's CDF (the unit-cube
 *   and their q_ forms           coordinate of tt_param_encode/decode)
 *   categorical                  categorical, `probabilities` as the prior
 *   constant, one-value ranges   fixed
 *
 * Why the CDF for the normal and beta families: their support is unbounded
 * (or their prior far from flat), and TPE's kernels need a bounded domain
 * with a flat-ish prior. On u = CDF(x) the domain is [0, 1], the uniform
 * prior on u is exactly the user's prior, and decode(u) always gives a
 * valid value. The q_ forms stay continuous in u and are snapped by decode;
 * their kernels see the middle of each value's u-interval (an approximation:
 * the exact bin masses would need the u-intervals of every grid value).
 *
 * Snapping of discrete values goes through tt_param_decode(encode(x)),
 * which rounds to the nearest grid value inside the range and returns the
 * same double the space module itself produces, so every suggestion passes
 * tt_param_contains.
 */
#include "tpe_impl.h"

#include <math.h>

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static bool is_cdf_kind(tt_dist d)
{
    switch (d) {
    case TT_DIST_NORMAL:
    case TT_DIST_Q_NORMAL:
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        return true;
    default:
        return false;
    }
}

static bool is_log_kind(tt_dist d)
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

static bool is_q_kind(tt_dist d)
{
    return d == TT_DIST_Q_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM ||
           d == TT_DIST_Q_LOG_UNIFORM_VALUES;
}

double tpe_dim_prior(const tpe_dim *d, size_t c)
{
    const tt_param *p = d->param;
    if (c >= d->n_choices)
        return 0.0;
    if (!p->probabilities)
        return 1.0 / (double)d->n_choices;
    double w = p->probabilities[c];
    return w > 0.0 ? w : 0.0;
}

tpe_dim tpe_dim_of(const tt_param *p)
{
    tpe_dim d = {.param = p, .kind = TPE_FIXED, .scale = TPE_LINEAR};
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return d;
    case TT_DIST_CATEGORICAL: {
        d.n_choices = p->n_values;
        /* A categorical with one reachable choice is a constant. */
        size_t reachable = 0, last = 0;
        for (size_t c = 0; c < d.n_choices; c++)
            if (tpe_dim_prior(&d, c) > 0.0) {
                reachable++;
                last = c;
            }
        if (reachable <= 1) {
            d.fixed = (double)last;
            return d;
        }
        d.kind = TPE_CATEGORICAL;
        d.low = 0.0;
        d.high = (double)(d.n_choices - 1);
        return d;
    }
    default:
        break;
    }
    if (is_cdf_kind(p->dist)) {
        d.kind = TPE_CONTINUOUS;
        d.scale = TPE_CDF;
        d.low = 0.0;
        d.high = 1.0;
        d.vlow = tt_param_decode(p, 0.0);
        d.vhigh = tt_param_decode(p, 1.0);
        if (!(d.vhigh > d.vlow)) {
            d.kind = TPE_FIXED;
            d.fixed = d.vlow;
        }
        return d;
    }
    /* Ranges: decode(0) and decode(1) are the smallest and largest values the
     * space itself produces (grid values for the discrete kinds). */
    d.vlow = tt_param_decode(p, 0.0);
    d.vhigh = tt_param_decode(p, 1.0);
    if (!(d.vhigh > d.vlow) || !isfinite(d.vlow) || !isfinite(d.vhigh)) {
        d.fixed = d.vlow;
        return d;
    }
    bool discrete = p->dist == TT_DIST_INT_UNIFORM || is_q_kind(p->dist) || p->is_int;
    d.kind = discrete ? TPE_DISCRETE : TPE_CONTINUOUS;
    d.step = discrete ? (is_q_kind(p->dist) ? p->q : 1.0) : 0.0;
    double lo = d.vlow - 0.5 * d.step, hi = d.vhigh + 0.5 * d.step;
    d.scale = is_log_kind(p->dist) && lo > 0.0 ? TPE_LOG : TPE_LINEAR;
    d.low = d.scale == TPE_LOG ? log(lo) : lo;
    d.high = d.scale == TPE_LOG ? log(hi) : hi;
    return d;
}

bool tpe_dim_valid(const tpe_dim *d, double x)
{
    if (!isfinite(x))
        return false;
    if (d->kind == TPE_CATEGORICAL)
        return x >= 0.0 && x < (double)d->n_choices && x == floor(x);
    return true;
}

double tpe_dim_to_internal(const tpe_dim *d, double x)
{
    double t;
    switch (d->scale) {
    case TPE_CDF:
        t = tt_param_encode(d->param, x);
        break;
    case TPE_LOG:
        t = x > 0.0 ? log(x) : d->low;
        break;
    default:
        t = x;
        break;
    }
    return clamp(t, d->low, d->high);
}

double tpe_dim_from_internal(const tpe_dim *d, double t)
{
    switch (d->kind) {
    case TPE_FIXED:
        return d->fixed;
    case TPE_CATEGORICAL:
        return clamp(round(t), 0.0, (double)(d->n_choices - 1));
    default:
        break;
    }
    t = clamp(t, d->low, d->high);
    if (d->scale == TPE_CDF)
        return tt_param_decode(d->param, t);
    double x = d->scale == TPE_LOG ? exp(t) : t;
    x = clamp(x, d->vlow, d->vhigh);
    if (d->kind == TPE_DISCRETE)
        x = tt_param_decode(d->param, tt_param_encode(d->param, x));
    return x;
}

/* tpe_dim_column for a numeric dim in value space, the common case: there
 * the checks and the coordinate of tpe_dim_valid and tpe_dim_to_internal
 * come down to a finite test and a clamp, written out so that the loop
 * makes no call per value. */
static void linear_column(const tpe_dim *d, size_t p, const tt_observation *obs, size_t n,
                          size_t stride, unsigned char *has, double *t)
{
    for (size_t i = 0; i < n; i++) {
        const tt_assignment *a = &obs[i].params;
        double x = p < a->n && a->active[p] ? a->x[p] : NAN;
        bool ok = isfinite(x);
        has[i * stride] = ok;
        t[i * stride] = ok ? clamp(x, d->low, d->high) : 0.0;
    }
}

void tpe_dim_column(const tpe_dim *d, size_t p, const tt_observation *obs, size_t n,
                    size_t stride, unsigned char *has, double *t)
{
    if (d->scale == TPE_LINEAR && (d->kind == TPE_CONTINUOUS || d->kind == TPE_DISCRETE)) {
        linear_column(d, p, obs, n, stride, has, t);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const tt_assignment *a = &obs[i].params;
        bool ok = d->kind != TPE_FIXED && p < a->n && a->active[p] &&
                  tpe_dim_valid(d, a->x[p]);
        has[i * stride] = ok;
        t[i * stride] = ok ? tpe_dim_to_internal(d, a->x[p]) : 0.0;
    }
}
