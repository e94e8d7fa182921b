/*
 * plot_curves — `tunetop plot DIR --kind curves [--metric M]`: a metric
 * (default: the objective) against step for the best completed trials and
 * the running ones, the trials the dashboard's Curves panel picks first
 * (src/ui/curves.c; its dimmed "recently ended" context is left out: on
 * paper it would be indistinguishable from the rest). The end of the best
 * trial's curve is marked '*'.
 *
 * Only those trials' points are read (tt_store_metrics_since with their
 * number, through the per-trial index), never the whole metric table: a
 * study of 100,000 trials × 100 steps costs the same as a small one. A
 * trial of several runs (folds × repeats) is drawn as the mean of its runs
 * at each step, as the dashboard does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/util.h"

/* At most this many curves (the dashboard's panel: 24). */
#define MAX_CURVES 24

typedef struct step_point {
    long step;
    double value;
} step_point;

typedef struct gather {
    const char *metric;
    int attempt;
    step_point *pts;
    size_t n, cap;
} gather;

static int gather_point(const tt_metric_point *pt, void *ud)
{
    gather *g = ud;
    if (pt->attempt != g->attempt || strcmp(pt->name, g->metric) != 0 || !isfinite(pt->value))
        return 0;
    tt_grow((void **)&g->pts, &g->cap, g->n + 1, sizeof *g->pts);
    g->pts[g->n++] = (step_point){pt->step, pt->value};
    return 0;
}

static int by_step(const void *a, const void *b)
{
    long x = ((const step_point *)a)->step, y = ((const step_point *)b)->step;
    return (x > y) - (x < y);
}

/* Points sorted by step, the runs of one step averaged into one point. */
static size_t merge_steps(step_point *pts, size_t n)
{
    /* a stable order is not needed: equal steps are averaged */
    qsort(pts, n, sizeof *pts, by_step);
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double sum = 0;
        while (j < n && pts[j].step == pts[i].step)
            sum += pts[j++].value;
        pts[out++] = (step_point){pts[i].step, sum / (double)(j - i)};
        i = j;
    }
    return out;
}

typedef struct name_check {
    const char *want;
    bool found;
    tt_buf all;
} name_check;

static int check_name(const char *name, void *ud)
{
    name_check *c = ud;
    if (strcmp(name, c->want) == 0)
        c->found = true;
    tt_buf_printf(&c->all, " %s", name);
    return 0;
}

int cli_plot_curves(cli_plot *p)
{
    const cli_view *v = &p->view;
    const char *metric = p->metric ? p->metric : v->study.metric;
    tt_store *st = v->study.store;
    tt_error err = {0};
    name_check nc = {metric, false, {0}};
    if (tt_store_metric_names(st, check_name, &nc, &err) < 0) {
        tt_buf_free(&nc.all);
        return cli_plot_fail("%s: %s", p->dir, err.msg);
    }
    if (!nc.found) {
        char *all = tt_buf_take(&nc.all);
        int rc;
        if (p->metric) {
            fprintf(stderr, "tunetop plot: no trial has reported a metric '%s'; %s%s\n"
                            "(see `tunetop help plot`)\n",
                    metric, all && *all ? "reported:" : "none is reported yet", all ? all : "");
            rc = CLI_EXIT_USAGE;
        } else {
            rc = cli_plot_fail("%s: no trial has reported the objective '%s' as a metric yet%s%s",
                               p->dir, metric, all && *all ? "; reported:" : "",
                               all ? all : "");
        }
        free(all);
        return rc;
    }
    tt_buf_free(&nc.all);

    /* trials[0, n_best) are the best, best first; the running ones follow
     * (cli_view_open_summary) */
    size_t n = v->n_trials < MAX_CURVES ? v->n_trials : MAX_CURVES;
    tt_chart_series ser[MAX_CURVES];
    gather g[MAX_CURVES];
    size_t ns = 0, n_best = 0, n_running = 0;
    double *xs[MAX_CURVES], *ys[MAX_CURVES];
    for (size_t i = 0; i < n; i++) {
        const tt_trial_record *r = &v->trials[i];
        g[ns] = (gather){metric, r->attempt, NULL, 0, 0};
        if (tt_store_metrics_since(st, 0, r->number, gather_point, &g[ns], &err) < 0) {
            free(g[ns].pts);
            for (size_t k = 0; k < ns; k++) {
                free(xs[k]);
                free(ys[k]);
            }
            return cli_plot_fail("%s: %s", p->dir, err.msg);
        }
        size_t m = merge_steps(g[ns].pts, g[ns].n);
        if (m == 0) {
            free(g[ns].pts);
            continue;
        }
        xs[ns] = tt_xmalloc(m * sizeof **xs);
        ys[ns] = tt_xmalloc(m * sizeof **ys);
        for (size_t k = 0; k < m; k++) {
            xs[ns][k] = (double)g[ns].pts[k].step;
            ys[ns][k] = g[ns].pts[k].value;
        }
        free(g[ns].pts);
        bool best = i < v->n_best;
        /* the best trial on top of everything, then the other best ones */
        ser[ns] = (tt_chart_series){xs[ns], ys[ns], m, (int)i, best ? (i == 0 ? 2 : 1) : 0};
        n_best += best;
        n_running += !best;
        ns++;
    }
    int rc = CLI_EXIT_OK;
    if (ns == 0) {
        rc = cli_plot_fail("%s: the best and the running trials have no point of '%s'", p->dir,
                           metric);
        goto out;
    }
    int rows = p->grid->h;
    tt_canvas *c = cli_plot_canvas(p, rows);
    tt_chart_axes axes;
    tt_chart_plot(c, ser, ns, NULL, &axes);
    /* the '*' at the end of the best trial's curve, when it has one (a
     * series' colour is its trial's index in v->trials: 0 is the best) */
    tt_canvas *mark = NULL;
    if (v->n_best > 0 && ser[0].color == 0)
        mark = cli_plot_mark(c, &axes, ser[0].x[ser[0].n - 1], ser[0].y[ser[0].n - 1]);
    char title[512];
    int len = snprintf(title, sizeof title, "%s by step: ", metric);
    if (n_best)
        len += snprintf(title + len, sizeof title - (size_t)len, "best %zu trial%s", n_best,
                        n_best == 1 ? "" : "s");
    if (mark)
        len += snprintf(title + len, sizeof title - (size_t)len, " (#%ld ends at *)",
                        cli_view_number(v, v->trials[0].number));
    if (n_running)
        snprintf(title + len, sizeof title - (size_t)len, "%s%zu running", n_best ? ", " : "",
                 n_running);
    cli_plot_xaxis xa = {CLI_PLOT_X_LINEAR, "step", NULL, 0};
    cli_plot_frame(p, 0, title, c, mark, &axes, &xa);
    p->rows_used = rows;
    tt_canvas_free(mark);
    tt_canvas_free(c);
out:
    for (size_t k = 0; k < ns; k++) {
        free(xs[k]);
        free(ys[k]);
    }
    return rc;
}
