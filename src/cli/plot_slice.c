/*
 * plot_slice — `tunetop plot DIR --kind slice [--param P]`: the objective
 * of every completed trial against one parameter's value, one dot per
 * trial, the best trial marked '*'. Without --param, one small chart per
 * parameter, stacked in the rows there are: in order of the importance the
 * runner stored (fANOVA, else PED-ANOVA, else rank correlation), else in
 * the space's order, so the parameters that matter come first.
 *
 * The x axis follows the sweep's space (the newest version; trials are
 * matched to it by parameter name, as `tunetop importance` does): a
 * log-distributed parameter gets a log axis, where its values spread as
 * the sampler drew them; a categorical one gets one column of dots per
 * value, named under it. Constants have nothing to show and are left out
 * of the stack.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

typedef struct slice {
    const tt_param *param;
    tt_slice_scale scale;
    bool log_x, categorical;
    double *x, *y;
    long *number;
    size_t n, best;
    double importance;     /* NAN when none is stored */
} slice;

/* The points (chart.h's tt_slice_x places each trial, as the dashboard's
 * slice view does). */
static void slice_collect(const cli_view *v, const tt_param *P, slice *s)
{
    memset(s, 0, sizeof *s);
    s->param = P;
    s->scale = tt_slice_scale_of(P);
    s->categorical = s->scale == TT_SLICE_CATEGORIES;
    s->log_x = s->scale == TT_SLICE_LOG10;
    s->importance = NAN;
    s->x = tt_xmalloc((v->n_trials + 1) * sizeof *s->x);
    s->y = tt_xmalloc((v->n_trials + 1) * sizeof *s->y);
    s->number = tt_xmalloc((v->n_trials + 1) * sizeof *s->number);
    bool minimize = v->study.goal != TT_GOAL_MAXIMIZE;
    size_t hint = 0;
    for (size_t i = 0; i < v->n_trials; i++) {
        const tt_trial_record *r = &v->trials[i];
        double x;
        if (!tt_slice_x(P, s->scale, r, &hint, &x))
            continue;
        s->x[s->n] = x;
        s->y[s->n] = r->value;
        s->number[s->n] = cli_view_number(v, r->number);
        if (s->n == 0 || (minimize ? r->value < s->y[s->best] : r->value > s->y[s->best]))
            s->best = s->n;
        s->n++;
    }
}

static void slice_free(slice *s)
{
    free(s->x);
    free(s->y);
    free(s->number);
}

/* One chart of `rows` grid rows from row top. */
static void slice_draw(cli_plot *p, const slice *s, int top, int rows)
{
    const cli_view *v = &p->view;
    const tt_param *P = s->param;
    tt_chart_series *ser = tt_xmalloc((s->n + 1) * sizeof *ser);
    for (size_t i = 0; i < s->n; i++)
        ser[i] = (tt_chart_series){&s->x[i], &s->y[i], 1, 0, 0};
    tt_chart_opts opts = {false, NAN, NAN, NAN, NAN};
    tt_slice_x_range(s->scale, P->n_values, s->x, s->n, &opts.x_min, &opts.x_max);
    tt_canvas *c = cli_plot_canvas(p, rows);
    tt_chart_axes axes;
    tt_chart_plot(c, ser, s->n, &opts, &axes);
    tt_canvas *mark = s->n ? cli_plot_mark(c, &axes, s->x[s->best], s->y[s->best]) : NULL;

    char title[512], extra[96] = "";
    if (isfinite(s->importance))
        snprintf(extra, sizeof extra, ", importance %.2f", s->importance);
    if (s->n)
        snprintf(title, sizeof title, "%s by %s%s: %zu trials, best #%ld (*)%s",
                 v->study.metric, P->name, s->log_x ? " (log x)" : "", s->n,
                 s->number[s->best], extra);
    else
        snprintf(title, sizeof title, "%s by %s: no completed trial has it%s", v->study.metric,
                 P->name, extra);
    char **names = NULL;
    if (s->categorical) {
        names = tt_xcalloc(P->n_values + 1, sizeof *names);
        for (size_t k = 0; k < P->n_values; k++) {
            char buf[256];
            names[k] = tt_xstrdup(tt_value_format(&P->values[k], buf, sizeof buf));
        }
    }
    char *xname = tt_xasprintf("%s%s", P->name, s->log_x ? " (log)" : "");
    cli_plot_xaxis xa = {s->categorical  ? CLI_PLOT_X_CATEGORIES
                         : s->log_x      ? CLI_PLOT_X_LOG10
                                         : CLI_PLOT_X_LINEAR,
                         xname, (const char *const *)names, s->categorical ? P->n_values : 0};
    cli_plot_frame(p, top, title, c, mark, &axes, &xa);
    free(xname);
    if (names)
        for (size_t k = 0; k < P->n_values; k++)
            free(names[k]);
    free(names);
    tt_canvas_free(mark);
    tt_canvas_free(c);
    free(ser);
}

int cli_plot_slice(cli_plot *p)
{
    const cli_view *v = &p->view;
    if (!v->study.sweep || !v->study.sweep->space)
        return cli_plot_fail("%s: the study's sweep file does not load, so its parameters are "
                             "unknown (`tunetop validate` it, then `tunetop run` it again)",
                             p->dir);
    const tt_space *sp = v->study.sweep->space;
    if (p->param) {
        long i = tt_space_find(sp, p->param);
        if (i < 0) {
            fprintf(stderr, "tunetop plot: no parameter '%s' in the study's space; it has:",
                    p->param);
            for (size_t k = 0; k < sp->n; k++)
                fprintf(stderr, " %s", sp->params[k].name);
            fprintf(stderr, "\n(see `tunetop help plot`)\n");
            return CLI_EXIT_USAGE;
        }
        slice s;
        slice_collect(v, &sp->params[i], &s);
        slice_draw(p, &s, 0, p->grid->h);
        p->rows_used = p->grid->h;
        slice_free(&s);
        return CLI_EXIT_OK;
    }
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    double *imp_of = tt_xmalloc((sp->n + 1) * sizeof *imp_of);
    size_t n = cli_plot_param_order(v, sp, order, imp_of);
    int rc = CLI_EXIT_OK;
    if (n == 0) {
        rc = cli_plot_fail("%s: the space has no parameter that varies", p->dir);
        goto out;
    }
    int h = p->grid->h;
    size_t fit = (size_t)(h / CLI_PLOT_MIN_ROWS);
    size_t shown = n < fit ? n : fit;
    /* when some do not fit, the last row says so */
    if (shown < n && (int)shown * CLI_PLOT_MIN_ROWS > h - 1)
        shown--;
    if (shown == 0)
        shown = 1;
    /* the note only where it leaves a whole chart its rows */
    bool note = shown < n && h - 1 >= (int)shown * CLI_PLOT_MIN_ROWS;
    int avail = h - (note ? 1 : 0);
    int top = 0;
    for (size_t k = 0; k < shown; k++) {
        int rows = avail / (int)shown + ((int)k < avail % (int)shown ? 1 : 0);
        slice s;
        slice_collect(v, &sp->params[order[k]], &s);
        s.importance = imp_of[order[k]];
        slice_draw(p, &s, top, rows);
        slice_free(&s);
        top += rows;
    }
    if (note) {
        char text[256];
        snprintf(text, sizeof text, "(%zu more parameter%s: --param NAME, or a larger --height)",
                 n - shown, n - shown == 1 ? "" : "s");
        cli_plot_grid_put(p->grid, top, 0, text, -1);
        top++;
    }
    p->rows_used = top;
out:
    free(order);
    free(imp_of);
    return rc;
}
