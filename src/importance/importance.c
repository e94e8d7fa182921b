/*
 * importance — the module's front: method names, turning trials (values in
 * the space's own units) into features in prior units (imp_data), the
 * dispatch to fanova.c / ped_anova.c / corr.c, and building the input from
 * a study's trials (tt_importance_trial: the caller's rows, borrowed, so
 * this module needs no store). Pure: no I/O, no clock, no globals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const method_names[TT_IMPORTANCE_METHOD_COUNT] = {"fanova", "ped-anova",
                                                                     "corr"};

const char *tt_importance_method_name(tt_importance_method m)
{
    return (unsigned)m < TT_IMPORTANCE_METHOD_COUNT ? method_names[m] : "?";
}

int tt_importance_method_from_name(const char *name)
{
    for (int m = 0; name && m < TT_IMPORTANCE_METHOD_COUNT; m++)
        if (strcmp(name, method_names[m]) == 0)
            return m;
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The q-quantile of sorted v[0..n), n > 0, interpolated linearly. */
static double sorted_quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

double imp_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return sorted_quantile(v, n, q);
}

void imp_interval(double *samples, size_t n, double value, double *low, double *high)
{
    if (n == 0) {
        *low = *high = value;
        return;
    }
    qsort(samples, n, sizeof *samples, cmp_double);
    *low = fmin(sorted_quantile(samples, n, 0.10), value);
    *high = fmax(sorted_quantile(samples, n, 0.90), value);
}

static int by_importance(const void *a, const void *b)
{
    const tt_importance_param *x = a, *y = b;
    double vx = isnan(x->value) ? -1 : x->value, vy = isnan(y->value) ? -1 : y->value;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return x->param < y->param ? -1 : x->param > y->param;
}

void imp_sort_params(tt_importance_result *out)
{
    if (out->n > 1)
        qsort(out->params, out->n, sizeof *out->params, by_importance);
}

void imp_data_free(imp_data *d)
{
    if (d->prob)
        for (size_t f = 0; f < d->d; f++)
            free(d->prob[f]);
    free(d->prob);
    free(d->param);
    free(d->n_cat);
    free(d->grid);
    free(d->u);
    memset(d, 0, sizeof *d);
}

/* The features of the trials: one per non-constant parameter. */
void imp_data_build(imp_data *d, const tt_space *space, const double *const *x,
                    const bool *const *active, const double *y, size_t n)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->y = y;
    size_t np = space->n;
    d->param = tt_xcalloc(np + 1, sizeof *d->param);
    d->n_cat = tt_xcalloc(np + 1, sizeof *d->n_cat);
    d->prob = tt_xcalloc(np + 1, sizeof *d->prob);
    d->grid = tt_xcalloc(np + 1, sizeof *d->grid);
    for (size_t i = 0; i < np; i++) {
        const tt_param *p = &space->params[i];
        if (p->dist == TT_DIST_CONSTANT)
            continue;
        size_t f = d->d++;
        d->param[f] = i;
        if (p->dist == TT_DIST_CATEGORICAL) {
            size_t k = p->n_values ? p->n_values : 1;
            d->n_cat[f] = k;
            d->prob[f] = tt_xmalloc(k * sizeof **d->prob);
            for (size_t c = 0; c < k; c++)
                d->prob[f][c] = p->probabilities && p->n_values ? p->probabilities[c]
                                                                : 1.0 / (double)k;
        } else {
            d->grid[f] = tt_param_grid_count(p);
        }
    }
    d->u = tt_xmalloc((n * d->d + 1) * sizeof *d->u);
    for (size_t t = 0; t < n; t++) {
        for (size_t f = 0; f < d->d; f++) {
            size_t i = d->param[f];
            const tt_param *p = &space->params[i];
            double v = x[t][i];
            double u = NAN;
            bool on = !active || !active[t] || active[t][i];
            if (on && isfinite(v)) {
                if (d->n_cat[f]) {
                    if (v >= 0 && v < (double)d->n_cat[f] && v == floor(v))
                        u = v;
                } else {
                    u = tt_param_encode(p, v);
                    u = u < 0 ? 0 : u > 1 ? 1 : u;
                }
            }
            d->u[t * d->d + f] = u;
        }
    }
}

int tt_importance_compute(tt_importance_method m, const tt_space *space,
                          const double *const *x, const bool *const *active, const double *y,
                          size_t n, uint64_t seed, tt_importance_result *out, tt_error *err)
{
    memset(out, 0, sizeof *out);
    out->method = m;
    out->explained = NAN;
    if ((unsigned)m >= TT_IMPORTANCE_METHOD_COUNT)
        return tt_error_set(err, TT_ERR_INVALID, "unknown importance method %d", (int)m);
    if (!space)
        return tt_error_set(err, TT_ERR_INVALID, "importance needs a search space");
    if (n > 0 && (!x || !y))
        return tt_error_set(err, TT_ERR_INVALID, "importance: no trial values given");
    for (size_t t = 0; t < n; t++) {
        if (!x[t])
            return tt_error_set(err, TT_ERR_INVALID, "importance: trial %zu has no values", t);
        if (!isfinite(y[t]))
            return tt_error_set(err, TT_ERR_INVALID,
                                "importance: trial %zu has a non-finite objective (%g); "
                                "leave such trials out",
                                t, y[t]);
    }
    imp_data d;
    imp_data_build(&d, space, x, active, y, n);
    out->n_trials = n;
    out->n_fitted = n;
    out->n = d.d;
    out->params = tt_xcalloc(d.d + 1, sizeof *out->params);
    for (size_t f = 0; f < d.d; f++)
        out->params[f] = (tt_importance_param){d.param[f], 0, 0, 0, 0};
    switch (m) {
    case TT_IMPORTANCE_FANOVA: imp_fanova(&d, seed, out); break;
    case TT_IMPORTANCE_PED_ANOVA: imp_ped_anova(&d, seed, out); break;
    default: imp_corr(&d, seed, out); break;
    }
    imp_sort_params(out);
    imp_data_free(&d);
    return 0;
}

void tt_importance_result_free(tt_importance_result *r)
{
    if (!r)
        return;
    free(r->params);
    free(r->pairs);
    memset(r, 0, sizeof *r);
    r->explained = NAN;
}

/* ---- from a study's trials --------------------------------------------- */

/* Index of the choice of p whose text is text, or -1. */
static long choice_index(const tt_space *space, size_t i, const char *text, tt_assignment *a)
{
    const tt_param *p = &space->params[i];
    char buf[256];
    for (size_t k = 0; k < p->n_values; k++) {
        a->x[i] = (double)k;
        a->active[i] = true;
        if (strcmp(tt_space_format(space, a, i, buf, sizeof buf), text) == 0)
            return (long)k;
    }
    return -1;
}

void tt_importance_data_from_trials(const tt_space *space, const tt_importance_trial *trials,
                                    size_t n_trials, bool maximize, tt_importance_data *out)
{
    memset(out, 0, sizeof *out);
    size_t np = space->n;
    size_t keep = 0;
    for (size_t t = 0; t < n_trials; t++)
        if (trials[t].state == TT_TRIAL_COMPLETED && isfinite(trials[t].value))
            keep++;
    out->x = tt_xcalloc(keep + 1, sizeof *out->x);
    out->active = tt_xcalloc(keep + 1, sizeof *out->active);
    /* One block for all rows' values and one for their flags, not two
     * small ones per trial: a runner copies 100,000 trials for each
     * computation, and per-row blocks freed between its long-lived trial
     * records left its heap fragmented (issue 18). */
    out->x[0] = tt_xcalloc(keep * np + 1, sizeof **out->x);
    out->active[0] = tt_xcalloc(keep * np + 1, sizeof **out->active);
    out->y = tt_xcalloc(keep + 1, sizeof *out->y);
    out->trial = tt_xcalloc(keep + 1, sizeof *out->trial);
    tt_assignment scratch = tt_assignment_new(np);
    for (size_t t = 0; t < n_trials; t++) {
        const tt_importance_trial *r = &trials[t];
        const tt_named_params *q = &r->params;
        if (r->state != TT_TRIAL_COMPLETED || !isfinite(r->value))
            continue;
        size_t row = out->n++;
        double *x = out->x[row] = out->x[0] + row * np;
        bool *on = out->active[row] = out->active[0] + row * np;
        out->y[row] = maximize ? -r->value : r->value;
        out->trial[row] = r->number;
        for (size_t i = 0; i < np; i++) {
            const tt_param *p = &space->params[i];
            /* trials list parameters in space order: try the same slot first */
            size_t k = q->n;
            if (i < q->n && strcmp(q->names[i], p->name) == 0)
                k = i;
            else
                for (size_t j = 0; j < q->n; j++)
                    if (strcmp(q->names[j], p->name) == 0) {
                        k = j;
                        break;
                    }
            if (k >= q->n || (q->active && !q->active[k]))
                continue;
            if (p->dist == TT_DIST_CATEGORICAL) {
                const char *text = q->text ? q->text[k] : NULL;
                long c = text ? choice_index(space, i, text, &scratch) : -1;
                if (c < 0 && q->x && tt_param_contains(p, q->x[k]) && !text)
                    c = (long)q->x[k];
                if (c < 0)
                    continue;
                x[i] = (double)c;
                on[i] = true;
            } else if (p->dist != TT_DIST_CONSTANT && q->x && isfinite(q->x[k])) {
                x[i] = q->x[k];
                on[i] = true;
            }
        }
    }
    tt_assignment_free(&scratch);
}

void tt_importance_data_free(tt_importance_data *d)
{
    if (d->x)
        free(d->x[0]);    /* every row lives in the first one's block */
    if (d->active)
        free(d->active[0]);
    free(d->x);
    free(d->active);
    free(d->y);
    free(d->trial);
    memset(d, 0, sizeof *d);
}

typedef struct imp_ranked {
    double y;
    size_t row;
} imp_ranked;

static int imp_by_loss(const void *a, const void *b)
{
    const imp_ranked *x = a, *z = b;
    if (x->y != z->y)
        return x->y < z->y ? -1 : 1;
    return x->row < z->row ? -1 : x->row > z->row;
}

size_t *tt_importance_data_rank(const tt_importance_data *d)
{
    imp_ranked *r = tt_xmalloc((d->n + 1) * sizeof *r);
    for (size_t t = 0; t < d->n; t++)
        r[t] = (imp_ranked){d->y[t], t};
    qsort(r, d->n, sizeof *r, imp_by_loss);
    size_t *rank = tt_xmalloc((d->n + 1) * sizeof *rank);
    for (size_t t = 0; t < d->n; t++)
        rank[t] = r[t].row;
    free(r);
    return rank;
}
