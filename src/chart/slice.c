/*
 * slice — where a trial lies on a slice chart's x axis (chart.h): the
 * objective against one parameter, as `tunetop plot --kind slice` and the
 * dashboard's slice view draw it. Pure: records and a space in, numbers
 * out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/chart.h"
#include "tunetop/space.h"
#include "tunetop/store.h"

tt_slice_scale tt_slice_scale_of(const tt_param *p)
{
    if (p->dist == TT_DIST_CATEGORICAL || p->dist == TT_DIST_CONSTANT)
        return TT_SLICE_CATEGORIES;
    return tt_dist_log_axis(p->dist) ? TT_SLICE_LOG10 : TT_SLICE_LINEAR;
}

/* Index of the parameter named name in r, or -1 (see *hint above). */
static long param_of(const tt_trial_record *r, const char *name, size_t *hint)
{
    if (*hint < r->n_params && strcmp(r->param_names[*hint], name) == 0)
        return (long)*hint;
    for (size_t i = 0; i < r->n_params; i++)
        if (strcmp(r->param_names[i], name) == 0) {
            *hint = i;
            return (long)i;
        }
    return -1;
}

static double category_of(const tt_param *p, double x, const char *text)
{
    if (isfinite(x) && x >= 0 && x < (double)p->n_values && x == floor(x))
        return x;
    char buf[128];
    for (size_t k = 0; k < p->n_values; k++)
        if (strcmp(tt_value_format(&p->values[k], buf, sizeof buf), text) == 0)
            return (double)k;
    return NAN;
}

bool tt_slice_x(const tt_param *p, tt_slice_scale scale, const tt_trial_record *r,
                size_t *hint, double *out)
{
    if (r->state != TT_TRIAL_COMPLETED || !isfinite(r->value))
        return false;
    long k = param_of(r, p->name, hint);
    if (k < 0 || (r->param_active && !r->param_active[k]))
        return false;
    double x = r->param_x ? r->param_x[k] : NAN;
    const char *text = r->param_text ? r->param_text[k] : "";
    if (scale == TT_SLICE_CATEGORIES)
        x = category_of(p, x, text);
    else if (!isfinite(x))
        x = strtod(text, NULL);
    if (scale == TT_SLICE_LOG10)
        x = x > 0 ? log10(x) : NAN;
    if (!isfinite(x))
        return false;
    *out = x;
    return true;
}

void tt_slice_x_range(tt_slice_scale scale, size_t n_values, const double *x, size_t n,
                      double *lo_out, double *hi_out)
{
    *lo_out = *hi_out = NAN;
    if (scale == TT_SLICE_CATEGORIES) {
        *lo_out = -0.5;
        *hi_out = (double)n_values - 0.5;
        return;
    }
    if (!n)
        return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    if (!(hi > lo))
        return;
    double pad = (hi - lo) * 0.03;
    *lo_out = lo - pad;
    *hi_out = hi + pad;
}

double tt_slice_value(tt_slice_scale scale, double x)
{
    return scale == TT_SLICE_LOG10 ? pow(10.0, x) : x;
}
