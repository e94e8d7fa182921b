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
    bool log_x, categorical;
    double *x, *y;
    long *number;
    size_t n, best;
    double importance;     /* NAN when none is stored */
} slice;

/* Index of the parameter named name in r, or -1. Trials of one space
 * version list their parameters in the same order, so *hint (the last
 * index found) is nearly always right at once: 100,000 trials cost one
 * comparison each. */
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

/* The category index of a value: the stored index when it is one, else
 * the value whose text matches (a trial of an older space version). */
static double category_of(const tt_param *P, double x, const char *text)
{
    if (isfinite(x) && x >= 0 && x < (double)P->n_values && x == floor(x))
        return x;
    char buf[128];
    for (size_t k = 0; k < P->n_values; k++)
        if (strcmp(tt_value_format(&P->values[k], buf, sizeof buf), text) == 0)
            return (double)k;
    return NAN;
}

static void slice_collect(const cli_view *v, const tt_param *P, slice *s)
{
    memset(s, 0, sizeof *s);
    s->param = P;
    s->categorical = P->dist == TT_DIST_CATEGORICAL || P->dist == TT_DIST_CONSTANT;
    s->log_x = !s->categorical && cli_plot_log_dist(P->dist);
    s->importance = NAN;
    s->x = tt_xmalloc((v->n_trials + 1) * sizeof *s->x);
    s->y = tt_xmalloc((v->n_trials + 1) * sizeof *s->y);
    s->number = tt_xmalloc((v->n_trials + 1) * sizeof *s->number);
    bool minimize = v->study.goal != TT_GOAL_MAXIMIZE;
    size_t hint = 0;
    for (size_t i = 0; i < v->n_trials; i++) {
        const tt_trial_record *r = &v->trials[i];
        if (r->state != TT_TRIAL_COMPLETED || !isfinite(r->value))
            continue;
        long k = param_of(r, P->name, &hint);
        if (k < 0 || (r->param_active && !r->param_active[k]))
            continue;
        double x = r->param_x ? r->param_x[k] : NAN;
        const char *text = r->param_text ? r->param_text[k] : "";
        if (s->categorical)
            x = category_of(P, x, text);
        else if (!isfinite(x))
            x = strtod(text, NULL);
        if (s->log_x)
            x = x > 0 ? log10(x) : NAN;
        if (!isfinite(x))
            continue;
        s->x[s->n] = x;
        s->y[s->n] = r->value;
        s->number[s->n] = r->number;
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
    if (s->categorical) {
        opts.x_min = -0.5;
        opts.x_max = (double)P->n_values - 0.5;
    } else if (s->n) {
        /* a little room left and right, so that no dot sits on the y axis */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < s->n; i++) {
            lo = fmin(lo, s->x[i]);
            hi = fmax(hi, s->x[i]);
        }
        double pad = hi > lo ? (hi - lo) * 0.03 : 0;
        opts.x_min = lo - pad;
        opts.x_max = hi + pad;
        if (!(hi > lo))
            opts.x_min = opts.x_max = NAN;
    }
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
