/*
 * plot_params — what `tunetop plot --kind contour` and `--kind parallel`
 * share: the completed trials mapped onto the study's space (by parameter
 * name, as `tunetop importance` maps them: tt_importance_data_from_trials),
 * a parameter's axis (log for a log-distributed one, a band per choice for
 * a categorical, else linear over the values the trials took), the order
 * of the parameters by stored importance, and the strongest stored
 * interaction. The dashboard's views build the same from their model
 * (src/ui/view_data.c); both then hand plain numbers to the chart module.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

void cli_plot_data_collect(const cli_view *v, cli_plot_data *out)
{
    memset(out, 0, sizeof *out);
    out->space = v->study.sweep->space;
    out->maximize = v->study.goal == TT_GOAL_MAXIMIZE;
    tt_importance_trial *in = tt_xcalloc(v->n_trials + 1, sizeof *in);
    for (size_t i = 0; i < v->n_trials; i++) {
        const tt_trial_record *r = &v->trials[i];
        in[i] = (tt_importance_trial){r->number, r->state, r->value, tt_trial_record_params(r)};
    }
    tt_importance_data_from_trials(out->space, in, v->n_trials, out->maximize, &out->d);
    free(in);
    out->rank = tt_importance_data_rank(&out->d);
}

void cli_plot_data_free(cli_plot_data *d)
{
    tt_importance_data_free(&d->d);
    free(d->rank);
    memset(d, 0, sizeof *d);
}

double cli_plot_data_value(const cli_plot_data *d, size_t row)
{
    return d->maximize ? -d->d.y[row] : d->d.y[row];
}

bool cli_plot_param_axis(const cli_plot_data *d, size_t param, tt_chart_axis *ax)
{
    return tt_chart_param_axis(&d->space->params[param], d->d.x, d->d.active, d->d.n, param,
                               ax);
}

size_t cli_plot_param_order(const cli_view *v, const tt_space *sp, size_t *order,
                            double *imp_of)
{
    static const char *const methods[] = {"fanova", "ped-anova", "corr"};
    size_t n = 0;
    bool *used = tt_xcalloc(sp->n + 1, sizeof *used);
    for (size_t i = 0; i < sp->n; i++)
        imp_of[i] = NAN;
    for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
        tt_importance imp = {0};
        if (tt_store_get_importance(v->study.store, methods[m], &imp, NULL) < 0 || imp.n == 0) {
            tt_importance_clear(&imp);
            continue;
        }
        for (size_t k = 0; k < imp.n; k++) {
            long i = tt_space_find(sp, imp.params[k]);
            if (i >= 0 && !used[i] && sp->params[i].dist != TT_DIST_CONSTANT) {
                used[i] = true;
                imp_of[i] = imp.value[k];
                order[n++] = (size_t)i;
            }
        }
        tt_importance_clear(&imp);
        break;
    }
    for (size_t i = 0; i < sp->n; i++)
        if (!used[i] && sp->params[i].dist != TT_DIST_CONSTANT)
            order[n++] = i;
    free(used);
    return n;
}

bool cli_plot_strongest_pair(const cli_view *v, const tt_space *sp, size_t *a, size_t *b,
                             double *value)
{
    tt_importance imp = {0};
    bool found = false;
    if (tt_store_get_importance(v->study.store, "fanova-pairs", &imp, NULL) == 0)
        for (size_t k = 0; k < imp.n && !found; k++) {
            /* stored as "a × b" (src/runner/importance_job.c) */
            const char *sep = strstr(imp.params[k], " \u00d7 ");
            if (!sep)
                continue;
            char *first = tt_xstrndup(imp.params[k], (size_t)(sep - imp.params[k]));
            long i = tt_space_find(sp, first), j = tt_space_find(sp, sep + strlen(" \u00d7 "));
            free(first);
            if (i >= 0 && j >= 0 && i != j && sp->params[i].dist != TT_DIST_CONSTANT &&
                sp->params[j].dist != TT_DIST_CONSTANT) {
                *a = (size_t)i;
                *b = (size_t)j;
                *value = imp.value[k];
                found = true;
            }
        }
    tt_importance_clear(&imp);
    return found;
}
