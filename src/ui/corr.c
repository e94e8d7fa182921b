/*
 * corr — the dashboard's stand-in for parameter importance until the
 * runner stores a real one: the rank correlation of each parameter with
 * the objective over completed trials, labelled as such on screen (never
 * shown as "importance"). Numeric parameters get Spearman's rho (signed:
 * which way the objective moves); categorical ones get the correlation
 * ratio eta of the objective's ranks across categories (0..1, unsigned).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int by_v(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Average ranks (1-based) of v into r. */
static void rank(const double *v, size_t n, double *r)
{
    ranked *t = tt_xmalloc((n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (ranked){v[i], i};
    qsort(t, n, sizeof *t, by_v);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && t[j + 1].v == t[i].v)
            j++;
        double avg = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            r[t[k].i] = avg;
        i = j + 1;
    }
    free(t);
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i], my += y[i];
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx <= 0 || syy <= 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

double ui_spearman(const double *x, const double *y, size_t n)
{
    if (n < 3)
        return NAN;
    double *rx = tt_xmalloc(n * sizeof *rx), *ry = tt_xmalloc(n * sizeof *ry);
    rank(x, n, rx);
    rank(y, n, ry);
    double rho = pearson(rx, ry, n);
    free(rx);
    free(ry);
    return rho;
}

/* eta = sqrt(between-group sum of squares / total) of the ranks of y
 * grouped by the category index in x. */
static double eta_ranks(const double *x, const double *y, size_t n)
{
    if (n < 3)
        return NAN;
    double *ry = tt_xmalloc(n * sizeof *ry);
    rank(y, n, ry);
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += ry[i];
    mean /= (double)n;
    double total = 0, between = 0;
    for (size_t i = 0; i < n; i++)
        total += (ry[i] - mean) * (ry[i] - mean);
    bool *done = tt_xcalloc(n, sizeof *done);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        groups++;
        double sum = 0;
        size_t cnt = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && x[j] == x[i]) {
                done[j] = true;
                sum += ry[j];
                cnt++;
            }
        double gm = sum / (double)cnt;
        between += (double)cnt * (gm - mean) * (gm - mean);
    }
    free(done);
    free(ry);
    if (groups < 2 || total <= 0)
        return NAN;
    return sqrt(between / total);
}

static int by_strength(const void *a, const void *b)
{
    double x = fabs(((const ui_corr *)a)->value), y = fabs(((const ui_corr *)b)->value);
    if (isnan(x) != isnan(y))
        return isnan(x) ? 1 : -1;
    return x > y ? -1 : x < y ? 1 : 0;
}

static bool is_categorical(const ui_model *m, const char *name)
{
    if (!m->sweep || !m->sweep->space)
        return false;
    const tt_space *sp = m->sweep->space;
    for (size_t i = 0; i < sp->n; i++) {
        const tt_param *p = &sp->params[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (p->dist != TT_DIST_CATEGORICAL)
            return false;
        /* numeric choices (batch sizes) have an order: Spearman fits them */
        for (size_t k = 0; k < p->n_values; k++)
            if (p->values[k].kind != TT_VALUE_INT && p->values[k].kind != TT_VALUE_FLOAT)
                return true;
        return false;
    }
    return false;
}

size_t ui_rank_correlations(const ui_model *m, ui_corr **out, long *n_trials)
{
    size_t nt = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && r->state == TT_TRIAL_COMPLETED && isfinite(r->value))
            nt++;
    }
    *n_trials = (long)nt;
    ui_corr *res = tt_xcalloc(m->n_params + 1, sizeof *res);
    double *x = tt_xmalloc((nt + 1) * sizeof *x), *y = tt_xmalloc((nt + 1) * sizeof *y);
    size_t nres = 0;
    for (size_t p = 0; p < m->n_params; p++) {
        const char *name = m->param_names[p];
        bool cat = is_categorical(m, name);
        size_t n = 0, n_seen = 0;
        const char **seen = NULL;
        for (size_t i = 0; i < m->n_trials; i++) {
            const tt_trial_record *r = &m->trials[i].rec;
            if (!r->number || r->state != TT_TRIAL_COMPLETED || !isfinite(r->value))
                continue;
            for (size_t k = 0; k < r->n_params; k++) {
                if (strcmp(r->param_names[k], name) != 0)
                    continue;
                if (r->param_active && !r->param_active[k])
                    break;
                double v = r->param_x ? r->param_x[k] : NAN;
                if (cat && r->param_text[k]) {
                    /* group by the text: the category's index in first-seen order */
                    size_t c = 0;
                    while (c < n_seen && strcmp(seen[c], r->param_text[k]) != 0)
                        c++;
                    if (c == n_seen) {
                        seen = tt_xrealloc(seen, (n_seen + 1) * sizeof *seen);
                        seen[n_seen++] = r->param_text[k];
                    }
                    v = (double)c;
                } else if (r->param_text[k]) {
                    /* the value itself: x may be an encoding */
                    char *end;
                    double t = strtod(r->param_text[k], &end);
                    if (end != r->param_text[k] && !*end)
                        v = t;
                }
                if (isfinite(v)) {
                    x[n] = v;
                    y[n] = r->value;
                    n++;
                }
                break;
            }
        }
        free(seen);
        res[nres].param = name;
        res[nres].categorical = cat;
        res[nres].n = (long)n;
        res[nres].value = cat ? eta_ranks(x, y, n) : ui_spearman(x, y, n);
        nres++;
    }
    free(x);
    free(y);
    qsort(res, nres, sizeof *res, by_strength);
    *out = res;
    return nres;
}
