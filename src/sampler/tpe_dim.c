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

double tt_tpe_dim_prior(const tt_tpe_dim *d, size_t c)
{
    const tt_param *p = d->param;
    if (c >= d->n_choices)
        return 0.0;
    if (!p->probabilities)
        return 1.0 / (double)d->n_choices;
    double w = p->probabilities[c];
    return w > 0.0 ? w : 0.0;
}

tt_tpe_dim tt_tpe_dim_of(const tt_param *p)
{
    tt_tpe_dim d = {.param = p, .kind = TT_TPE_FIXED, .scale = TT_TPE_LINEAR};
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        return d;
    case TT_DIST_CATEGORICAL: {
        d.n_choices = p->n_values;
        /* A categorical with one reachable choice is a constant. */
        size_t reachable = 0, last = 0;
        for (size_t c = 0; c < d.n_choices; c++)
            if (tt_tpe_dim_prior(&d, c) > 0.0) {
                reachable++;
                last = c;
            }
        if (reachable <= 1) {
            d.fixed = (double)last;
            return d;
        }
        d.kind = TT_TPE_CATEGORICAL;
        d.low = 0.0;
        d.high = (double)(d.n_choices - 1);
        return d;
    }
    default:
        break;
    }
    if (is_cdf_kind(p->dist)) {
        d.kind = TT_TPE_CONTINUOUS;
        d.scale = TT_TPE_CDF;
        d.low = 0.0;
        d.high = 1.0;
        d.vlow = tt_param_decode(p, 0.0);
        d.vhigh = tt_param_decode(p, 1.0);
        if (!(d.vhigh > d.vlow)) {
            d.kind = TT_TPE_FIXED;
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
    d.kind = discrete ? TT_TPE_DISCRETE : TT_TPE_CONTINUOUS;
    d.step = discrete ? (is_q_kind(p->dist) ? p->q : 1.0) : 0.0;
    double lo = d.vlow - 0.5 * d.step, hi = d.vhigh + 0.5 * d.step;
    d.scale = is_log_kind(p->dist) && lo > 0.0 ? TT_TPE_LOG : TT_TPE_LINEAR;
    d.low = d.scale == TT_TPE_LOG ? log(lo) : lo;
    d.high = d.scale == TT_TPE_LOG ? log(hi) : hi;
    return d;
}

bool tt_tpe_dim_valid(const tt_tpe_dim *d, double x)
{
    if (!isfinite(x))
        return false;
    if (d->kind == TT_TPE_CATEGORICAL)
        return x >= 0.0 && x < (double)d->n_choices && x == floor(x);
    return true;
}

double tt_tpe_dim_to_internal(const tt_tpe_dim *d, double x)
{
    double t;
    switch (d->scale) {
    case TT_TPE_CDF:
        t = tt_param_encode(d->param, x);
        break;
    case TT_TPE_LOG:
        t = x > 0.0 ? log(x) : d->low;
        break;
    default:
        t = x;
        break;
    }
    return clamp(t, d->low, d->high);
}

double tt_tpe_dim_from_internal(const tt_tpe_dim *d, double t)
{
    switch (d->kind) {
    case TT_TPE_FIXED:
        return d->fixed;
    case TT_TPE_CATEGORICAL:
        return clamp(round(t), 0.0, (double)(d->n_choices - 1));
    default:
        break;
    }
    t = clamp(t, d->low, d->high);
    if (d->scale == TT_TPE_CDF)
        return tt_param_decode(d->param, t);
    double x = d->scale == TT_TPE_LOG ? exp(t) : t;
    x = clamp(x, d->vlow, d->vhigh);
    if (d->kind == TT_TPE_DISCRETE)
        x = tt_param_decode(d->param, tt_param_encode(d->param, x));
    return x;
}
