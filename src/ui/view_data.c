/*
 * view_data — the completed trials as the contour and parallel views read
 * them: mapped onto the newest sweep's space by parameter name
 * (tt_importance_data_from_trials, as `tunetop plot` and the importance
 * computation map them, so a study whose space changed still shows its
 * older trials), ranked by loss. Mapping 10,000 trials costs a few
 * milliseconds, so it is done once per change of the completed trials
 * (completed_gen), not per frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view_data.h"

static struct {
    bool valid;
    const ui_model *model;
    const tt_sweep *sweep;
    unsigned completed_gen;
    ui_view_data data;
} cache;

static void data_clear(ui_view_data *v)
{
    tt_importance_data_free(&v->d);
    free(v->rank);
    v->rank = NULL;
}

const ui_view_data *ui_view_data_get(ui_model *m)
{
    const tt_sweep *sw = m->study.sweep;
    if (!sw || !sw->space || !m->study.metric)
        return NULL;
    if (cache.valid && cache.model == m && cache.sweep == sw &&
        cache.completed_gen == m->completed_gen)
        return &cache.data;
    ui_view_data *v = &cache.data;
    unsigned gen = v->gen + 1;
    if (cache.valid)
        data_clear(v);
    memset(v, 0, sizeof *v);
    v->gen = gen;
    v->space = sw->space;
    v->maximize = m->study.goal == TT_GOAL_MAXIMIZE;
    v->seed = sw->seed;
    tt_importance_trial *in = tt_xcalloc(m->n_trials + 1, sizeof *in);
    size_t n = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        /* only what the mapping keeps: completed with a value */
        if (r->number > 0 && r->state == TT_TRIAL_COMPLETED && isfinite(r->value))
            in[n++] = (tt_importance_trial){r->number, r->state, r->value,
                                            tt_trial_record_params(r)};
    }
    tt_importance_data_from_trials(v->space, in, n, v->maximize, &v->d);
    free(in);
    v->rank = tt_importance_data_rank(&v->d);
    cache.valid = true;
    cache.model = m;
    cache.sweep = sw;
    cache.completed_gen = m->completed_gen;
    return v;
}

void ui_view_data_free(void)
{
    if (cache.valid)
        data_clear(&cache.data);
    memset(&cache, 0, sizeof cache);
}

double ui_view_data_value(const ui_view_data *v, size_t row)
{
    return v->maximize ? -v->d.y[row] : v->d.y[row];
}

bool ui_view_param_axis(const ui_view_data *v, size_t param, tt_chart_axis *ax)
{
    return tt_chart_param_axis(&v->space->params[param], v->d.x, v->d.active, v->d.n, param,
                               ax);
}

size_t ui_view_param_order(const ui_model *m, const tt_space *sp, size_t *order)
{
    size_t n = 0;
    bool *used = tt_xcalloc(sp->n + 1, sizeof *used);
    for (size_t k = 0; k < m->importance.n; k++) {
        long i = tt_space_find(sp, m->importance.params[k]);
        if (i >= 0 && !used[i] && sp->params[i].dist != TT_DIST_CONSTANT) {
            used[i] = true;
            order[n++] = (size_t)i;
        }
    }
    for (size_t i = 0; i < sp->n; i++)
        if (!used[i] && sp->params[i].dist != TT_DIST_CONSTANT)
            order[n++] = i;
    free(used);
    return n;
}

bool ui_view_strongest_pair(const ui_model *m, const tt_space *sp, size_t *a, size_t *b,
                            double *value)
{
    /* the model's pairs are strongest first, as "a × b" (fanova.c, model.c) */
    static const char sep[] = " \u00d7 ";
    for (size_t k = 0; k < m->pairs.n; k++) {
        const char *s = strstr(m->pairs.params[k], sep);
        if (!s)
            continue;
        char *first = tt_xstrndup(m->pairs.params[k], (size_t)(s - m->pairs.params[k]));
        long i = tt_space_find(sp, first), j = tt_space_find(sp, s + strlen(sep));
        free(first);
        if (i >= 0 && j >= 0 && i != j && sp->params[i].dist != TT_DIST_CONSTANT &&
            sp->params[j].dist != TT_DIST_CONSTANT) {
            *a = (size_t)i;
            *b = (size_t)j;
            *value = m->pairs.value[k];
            return true;
        }
    }
    return false;
}
