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
#include "tunetop/importance.h"

static int by_strength(const void *a, const void *b)
{
    double x = fabs(((const ui_corr *)a)->value), y = fabs(((const ui_corr *)b)->value);
    if (isnan(x) != isnan(y))
        return isnan(x) ? 1 : -1;
    return x > y ? -1 : x < y ? 1 : 0;
}

static bool is_categorical(const ui_model *m, const char *name)
{
    if (!m->study.sweep || !m->study.sweep->space)
        return false;
    const tt_space *sp = m->study.sweep->space;
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
                } else if (cat) {
                    v = NAN; /* a choice without its text cannot be grouped */
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
        res[nres].value =
            cat ? tt_importance_eta(x, n_seen, y, n) : tt_importance_spearman(x, y, n);
        nres++;
    }
    free(x);
    free(y);
    qsort(res, nres, sizeof *res, by_strength);
    *out = res;
    return nres;
}
