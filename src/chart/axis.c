/*
 * axis — where a parameter's value sits along an axis of the contour and
 * parallel-coordinate charts: linear, log10 (a learning rate drawn
 * log-uniformly spreads evenly there, as the sampler drew it), or one band
 * per category (a choice has no order, so each gets an equal share of the
 * axis and sits at its centre). Shared so that both charts, the dashboard
 * and `tunetop plot` put the same value at the same place.
 */
#include <math.h>
#include <string.h>

#include "tunetop/chart.h"
#include "tunetop/space.h"

double tt_chart_axis_pos(const tt_chart_axis *ax, double v)
{
    if (!isfinite(v))
        return NAN;
    if (ax->n_categories) {
        if (v < 0 || v >= (double)ax->n_categories || v != floor(v))
            return NAN;
        return (v + 0.5) / (double)ax->n_categories;
    }
    double lo = ax->min, hi = ax->max;
    if (ax->log) {
        if (!(v > 0) || !(lo > 0) || !(hi > 0))
            return NAN;
        v = log10(v);
        lo = log10(lo);
        hi = log10(hi);
    }
    if (!(hi > lo))
        return 0.5;
    double p = (v - lo) / (hi - lo);
    /* a value stored as text and parsed back may miss a bound by an ulp */
    if (p < -1e-9 || p > 1 + 1e-9)
        return NAN;
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

double tt_chart_axis_value(const tt_chart_axis *ax, double p)
{
    p = p < 0 ? 0 : p > 1 ? 1 : p;
    if (ax->n_categories) {
        double k = floor(p * (double)ax->n_categories);
        return k >= (double)ax->n_categories ? (double)ax->n_categories - 1 : k;
    }
    if (ax->log && ax->min > 0 && ax->max > 0)
        return pow(10.0, log10(ax->min) + p * (log10(ax->max) - log10(ax->min)));
    return ax->min + p * (ax->max - ax->min);
}

bool tt_chart_param_axis(const tt_param *p, double *const *x, bool *const *active, size_t n,
                         size_t param, tt_chart_axis *ax)
{
    memset(ax, 0, sizeof *ax);
    if (p->dist == TT_DIST_CATEGORICAL) {
        ax->n_categories = p->n_values ? p->n_values : 1;
        return true;
    }
    ax->log = tt_dist_log_axis(p->dist);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < n; t++) {
        double v = x[t][param];
        if (!active[t][param] || !isfinite(v) || (ax->log && !(v > 0)))
            continue;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    if (!(lo <= hi))
        return false;
    ax->min = lo;
    ax->max = hi;
    return true;
}
