/*
 * plot_parallel — `tunetop plot DIR --kind parallel`: parallel coordinates,
 * as the dashboard's view draws them (src/ui/view_parallel.c): one
 * vertical axis per parameter, the most important first (stored
 * importance, else the space's order) as many as leave each ~10 columns,
 * and the objective last; each completed trial a polyline through its
 * values (tt_parallel_plot). Log axes for log-distributed parameters; a
 * categorical axis puts each value at its band and names it there.
 *
 * Text has no colour, so the rank tiers the dashboard colours collapse to
 * one glyph, and 60 lines already make a solid block of it: the chart
 * draws the best quarter of the trials (at least SHOWN_MIN, at most
 * LINES_MAX), which is where the good region is, and says so; the best
 * trial is marked '*' where it crosses each axis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/util.h"

#define LINES_MAX 400
#define SHOWN_MIN 10
/* Columns between two axes at least: room for a name or a label. */
#define AXIS_GAP 10

/* A label centred on column col of a row, clipped to room columns, kept
 * inside the grid. */
static void put_centred(cli_plot_grid *g, int row, int col, const char *text, int room)
{
    int w = cli_plot_text_width(text);
    w = w < room ? w : room;
    int start = col - w / 2;
    if (start < 0)
        start = 0;
    if (start + w > g->w)
        start = g->w - w;
    cli_plot_grid_put(g, row, start, text, w);
}

int cli_plot_parallel(cli_plot *p)
{
    const cli_view *v = &p->view;
    if (!v->study.sweep || !v->study.sweep->space)
        return cli_plot_fail("%s: the study's sweep file does not load, so its parameters are "
                             "unknown (`tunetop validate` it, then `tunetop run` it again)",
                             p->dir);
    const tt_space *sp = v->study.sweep->space;
    cli_plot_data data;
    cli_plot_data_collect(v, &data);
    if (data.d.n == 0) {
        cli_plot_data_free(&data);
        return cli_plot_fail("%s: no completed trial with a value yet", p->dir);
    }
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    double *imp = tt_xmalloc((sp->n + 1) * sizeof *imp);
    size_t n_par = cli_plot_param_order(v, sp, order, imp);
    /* as many parameters as fit, then the objective */
    int W = p->grid->w;
    size_t fit = (size_t)(W / AXIS_GAP);
    fit = fit < 2 ? 2 : fit;
    size_t n_axes = 0;
    size_t *param = tt_xmalloc((sp->n + 2) * sizeof *param);
    tt_chart_axis *axes = tt_xcalloc(sp->n + 2, sizeof *axes);
    for (size_t k = 0; k < n_par && n_axes + 1 < fit; k++)
        if (cli_plot_param_axis(&data, order[k], &axes[n_axes]))
            param[n_axes++] = order[k];
    size_t left_out = n_par - n_axes;
    /* the objective's axis: its range, log never (a loss may be negative) */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < data.d.n; t++) {
        lo = fmin(lo, cli_plot_data_value(&data, t));
        hi = fmax(hi, cli_plot_data_value(&data, t));
    }
    axes[n_axes] = (tt_chart_axis){lo, hi, false, 0};
    size_t A = n_axes + 1;

    /* rows: title, names, max labels, the canvas, min labels, legend */
    int rows = p->grid->h - 5;
    tt_canvas *c = tt_canvas_new(W, rows, p->braille);
    tt_canvas *mark = tt_canvas_new(W, rows, p->braille);
    double *vals = tt_xmalloc((data.d.n * A + 1) * sizeof *vals);
    for (size_t r = 0; r < data.d.n; r++) {
        size_t t = data.rank[r];
        for (size_t k = 0; k < n_axes; k++)
            vals[r * A + k] = data.d.active[t][param[k]] ? data.d.x[t][param[k]] : NAN;
        vals[r * A + n_axes] = cli_plot_data_value(&data, t);
    }
    const int tiers[4] = {0, 1, 2, 3};
    size_t n_best = data.d.n / 4;
    n_best = n_best < SHOWN_MIN ? SHOWN_MIN : n_best > LINES_MAX ? LINES_MAX : n_best;
    n_best = n_best > data.d.n ? data.d.n : n_best;
    size_t drawn = tt_parallel_plot(c, axes, A, vals, n_best, tiers, LINES_MAX);
    for (size_t k = 0; k < A; k++) {
        double y = tt_parallel_y(c, &axes[k], vals[k]);
        if (!isnan(y))
            tt_canvas_mark(mark, tt_parallel_axis_x(c, k, A), y, 0);
    }

    cli_plot_grid *g = p->grid;
    char title[512], more[160] = "";
    if (drawn < data.d.n)
        snprintf(more, sizeof more, "the best %zu of ", drawn);
    snprintf(title, sizeof title, "%s: parallel coordinates of %s%zu trials", v->study.metric,
             more, data.d.n);
    cli_plot_grid_put(g, 0, 0, title, -1);
    int dw = tt_canvas_width(c) / tt_canvas_cols(c);
    int gap = A > 1 ? W / (int)(A - 1) : W;
    char label[64];
    for (size_t k = 0; k < A; k++) {
        int col = tt_parallel_axis_x(c, k, A) / dw;
        const tt_param *P = k < n_axes ? &sp->params[param[k]] : NULL;
        char *name = P ? tt_xasprintf("%s%s", P->name, axes[k].log ? " (log)" : "")
                       : tt_xstrdup(v->study.metric ? v->study.metric : "objective");
        put_centred(g, 1, col, name, gap - 1);
        free(name);
        if (axes[k].n_categories) {
            /* each value at its band's row, right of the axis */
            for (size_t q = 0; q < axes[k].n_categories && P && P->n_values; q++) {
                int row = (int)floor(tt_parallel_y(c, &axes[k], (double)q) + 0.5) / (tt_canvas_height(c) / rows);
                char tmp[256];
                tt_value_format(&P->values[q], tmp, sizeof tmp);
                int room = gap / 2;
                int start = k + 1 == A ? col - room : col + 1;
                cli_plot_grid_put(g, 3 + row, start < 0 ? 0 : start, tmp, room - 1);
            }
        } else {
            tt_chart_format_tick(axes[k].max, label, sizeof label);
            put_centred(g, 2, col, label, gap - 1);
            tt_chart_format_tick(axes[k].min, label, sizeof label);
            put_centred(g, 3 + rows, col, label, gap - 1);
        }
    }
    /* the canvas under the labels of categories: a label wins its cells */
    char cell[8];
    for (int r = 0; r < rows; r++)
        for (int col = 0; col < W; col++) {
            char *at = g->cells[(size_t)(3 + r) * (size_t)W + (size_t)col];
            if (at[0] && strcmp(at, " ") != 0)
                continue;
            if (tt_canvas_cell(mark, col, r, cell, NULL) > 0)
                cli_plot_grid_put(g, 3 + r, col, "*", 1);
            else if (tt_canvas_cell(c, col, r, cell, NULL) > 0)
                cli_plot_grid_put(g, 3 + r, col, cell, 1);
        }
    char best[16];
    tt_chart_format_tick(vals[n_axes], best, sizeof best);
    char legend[256];
    int len = snprintf(legend, sizeof legend, "* best #%ld (%s)",
                       cli_view_number(&p->view, data.d.trial[data.rank[0]]), best);
    if (left_out)
        snprintf(legend + len, sizeof legend - (size_t)len,
                 "; %zu more (--width)", left_out);
    cli_plot_grid_put(g, 4 + rows, 0, legend, -1);
    p->rows_used = 5 + rows;
    free(vals);
    tt_canvas_free(mark);
    tt_canvas_free(c);
    free(axes);
    free(param);
    free(order);
    free(imp);
    cli_plot_data_free(&data);
    return CLI_EXIT_OK;
}
