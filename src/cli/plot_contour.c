/*
 * plot_contour — `tunetop plot DIR --kind contour [--params P,Q]`: the
 * objective over two parameters, as the dashboard's contour view draws it
 * (src/ui/view_contour.c): each cell shaded by the random forest's
 * predicted mean there, the other parameters marginalised as fANOVA does
 * (tt_importance_grid, docs/algorithms.md §3.4), the completed trials as
 * points on top and the best marked, a legend with the value range.
 *
 * Without --params the pair is the strongest stored fANOVA interaction
 * ("a × b"), else the two most important parameters, else the first two:
 * the picture most likely to show something a slice cannot. Shading is the
 * chart module's (tt_contour): 10 ASCII density glyphs with --ascii, the
 * Unicode shade blocks otherwise; no colour, as `plot` prints no escape.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/util.h"

/* The pair to draw: --params, else as the file comment says. Returns
 * CLI_EXIT_OK, or an exit status after a message. */
static int choose_pair(const cli_plot *p, const tt_space *sp, size_t *a, size_t *b,
                       double *interaction)
{
    *interaction = NAN;
    if (p->params) {
        const char *comma = strchr(p->params, ',');
        char *first = comma ? tt_xstrndup(p->params, (size_t)(comma - p->params)) : NULL;
        long i = first ? tt_space_find(sp, first) : -1;
        long j = comma ? tt_space_find(sp, comma + 1) : -1;
        int rc = CLI_EXIT_OK;
        if (!comma)
            rc = cli_usage_error("plot", "--params expects two parameters, P,Q (not '%s')",
                                 p->params);
        else if (i < 0 || j < 0) {
            fprintf(stderr, "tunetop plot: no parameter '%s' in the study's space; it has:",
                    i < 0 ? first : comma + 1);
            for (size_t k = 0; k < sp->n; k++)
                fprintf(stderr, " %s", sp->params[k].name);
            fprintf(stderr, "\n(see `tunetop help plot`)\n");
            rc = CLI_EXIT_USAGE;
        } else if (i == j) {
            rc = cli_usage_error("plot", "--params needs two different parameters");
        } else if (sp->params[i].dist == TT_DIST_CONSTANT || sp->params[j].dist == TT_DIST_CONSTANT) {
            rc = cli_usage_error("plot", "'%s' is a constant: nothing to draw along it",
                                 sp->params[sp->params[i].dist == TT_DIST_CONSTANT ? i : j].name);
        }
        free(first);
        *a = (size_t)i;
        *b = (size_t)j;
        return rc;
    }
    if (cli_plot_strongest_pair(&p->view, sp, a, b, interaction))
        return CLI_EXIT_OK;
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    double *imp = tt_xmalloc((sp->n + 1) * sizeof *imp);
    size_t n = cli_plot_param_order(&p->view, sp, order, imp);
    if (n >= 2) {
        *a = order[0];
        *b = order[1];
    }
    free(order);
    free(imp);
    if (n < 2)
        return cli_plot_fail("%s: a contour needs two parameters that vary; the space has %zu",
                             p->dir, n);
    return CLI_EXIT_OK;
}

/* A category's name, or a value's tick label. */
static void axis_label(const tt_param *P, const tt_chart_axis *ax, double v, char *buf, size_t n)
{
    if (ax->n_categories && P->n_values) {
        char tmp[256];
        size_t k = (size_t)v < P->n_values ? (size_t)v : P->n_values - 1;
        snprintf(buf, n, "%s", tt_value_format(&P->values[k], tmp, sizeof tmp));
    } else {
        tt_chart_format_tick(v, buf, n);
    }
}

/* y labels: each category at its band's row, else the top, middle and
 * bottom values. */
static void y_labels(cli_plot *p, int top, const tt_contour *c, const tt_param *P,
                     const tt_chart_axis *ax)
{
    int rows = tt_contour_rows(c);
    char label[64];
    if (ax->n_categories) {
        for (size_t k = 0; k < ax->n_categories; k++) {
            int col, row;
            if (!tt_contour_cell_of(c, tt_contour_x_at(c, 0), (double)k, &col, &row))
                continue;
            axis_label(P, ax, (double)k, label, sizeof label);
            cli_plot_grid_put(p->grid, top + row, 0, label, CLI_PLOT_LABEL_W - 2);
        }
        return;
    }
    int at[3] = {0, rows / 2, rows - 1};
    double val[3] = {ax->max, tt_contour_y_at(c, rows / 2), ax->min};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && rows < 5)
            continue;
        axis_label(P, ax, val[i], label, sizeof label);
        int w = cli_plot_text_width(label);
        cli_plot_grid_put(p->grid, top + at[i], CLI_PLOT_LABEL_W - 1 - w, label, w);
    }
}

/* x labels on row: each category under its band, else the ends and the
 * middle. */
static void x_labels(cli_plot *p, int row, const tt_contour *c, const tt_param *P,
                     const tt_chart_axis *ax)
{
    int cols = tt_contour_cols(c), left = CLI_PLOT_LABEL_W;
    char label[64];
    if (ax->n_categories) {
        int band = cols / (int)ax->n_categories;
        for (size_t k = 0; k < ax->n_categories; k++) {
            axis_label(P, ax, (double)k, label, sizeof label);
            int w = cli_plot_text_width(label), room = band > 1 ? band - 1 : 1;
            w = w < room ? w : room;
            int start = (int)((k + 0.5) * cols / ax->n_categories) - w / 2;
            cli_plot_grid_put(p->grid, row, left + (start < 0 ? 0 : start), label, w);
        }
        return;
    }
    axis_label(P, ax, ax->min, label, sizeof label);
    int lw = cli_plot_grid_put(p->grid, row, left, label, cols);
    axis_label(P, ax, ax->max, label, sizeof label);
    int rw = cli_plot_text_width(label);
    cli_plot_grid_put(p->grid, row, left + cols - rw, label, rw);
    axis_label(P, ax, tt_contour_x_at(c, cols / 2), label, sizeof label);
    int mw = cli_plot_text_width(label), start = cols / 2 - mw / 2;
    if (start > lw + 1 && start + mw < cols - rw - 1)
        cli_plot_grid_put(p->grid, row, left + start, label, mw);
}

int cli_plot_contour(cli_plot *p)
{
    const cli_view *v = &p->view;
    if (!v->study.sweep || !v->study.sweep->space)
        return cli_plot_fail("%s: the study's sweep file does not load, so its parameters are "
                             "unknown (`tunetop validate` it, then `tunetop run` it again)",
                             p->dir);
    const tt_space *sp = v->study.sweep->space;
    size_t a = 0, b = 0;
    double interaction;
    int rc = choose_pair(p, sp, &a, &b, &interaction);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_plot_data data;
    cli_plot_data_collect(v, &data);
    tt_chart_axis ax, ay;
    if (data.d.n < 2 || !cli_plot_param_axis(&data, a, &ax) ||
        !cli_plot_param_axis(&data, b, &ay)) {
        cli_plot_data_free(&data);
        return cli_plot_fail("%s: a contour needs 2 completed trials with values of %s and %s",
                             p->dir, sp->params[a].name, sp->params[b].name);
    }
    /* title, the grid, x labels, x name, legend */
    int rows = p->grid->h - 4, cols = p->grid->w - CLI_PLOT_LABEL_W;
    tt_contour *c = tt_contour_new(cols, rows, &ax, &ay, p->utf8, false);
    double *xa = tt_xmalloc((size_t)cols * sizeof *xa), *xb = tt_xmalloc((size_t)rows * sizeof *xb);
    double *grid = tt_xmalloc((size_t)cols * (size_t)rows * sizeof *grid);
    for (int i = 0; i < cols; i++)
        xa[i] = tt_contour_x_at(c, i);
    for (int j = 0; j < rows; j++)
        xb[j] = tt_contour_y_at(c, j);
    tt_error err = {0};
    if (tt_importance_grid(sp, (const double *const *)data.d.x,
                           (const bool *const *)data.d.active, data.d.y, data.d.n, a, xa,
                           (size_t)cols, b, xb, (size_t)rows, 0, v->study.sweep->seed, grid,
                           &err) < 0) {
        rc = cli_plot_fail("%s: %s", p->dir, err.msg);
        goto out;
    }
    if (data.maximize)
        for (size_t k = 0; k < (size_t)cols * (size_t)rows; k++)
            grid[k] = -grid[k];
    tt_contour_shade(c, grid);
    /* the points of the best trials, as many as leave the shading readable
     * (one cell in four), the best last so that it shows */
    size_t shown = (size_t)cols * (size_t)rows / 4;
    shown = shown < 1 ? 1 : shown > data.d.n ? data.d.n : shown;
    for (size_t k = shown; k-- > 0;) {
        size_t t = data.rank[k];
        tt_contour_point(c, data.d.x[t][a], data.d.x[t][b], k == 0);
    }

    const tt_param *PA = &sp->params[a], *PB = &sp->params[b];
    char title[512], more[128] = "", inter[64] = "";
    if (shown < data.d.n)
        snprintf(more, sizeof more, ", the best %zu as points", shown);
    if (isfinite(interaction))
        snprintf(inter, sizeof inter, ", interaction %.3g", interaction);
    snprintf(title, sizeof title, "%s by %s (x) and %s (y)%s: forest's mean over %zu trials%s%s",
             v->study.metric, PA->name, PB->name, ay.log ? " (log y)" : "", data.d.n, inter,
             more);
    cli_plot_grid_put(p->grid, 0, 0, title, -1);
    y_labels(p, 1, c, PB, &ay);
    char cell[8];
    for (int r = 0; r < rows; r++) {
        cli_plot_grid_put(p->grid, 1 + r, CLI_PLOT_LABEL_W - 1, p->utf8 ? "\u2502" : "|", 1);
        for (int col = 0; col < cols; col++) {
            tt_contour_cell(c, col, r, cell, NULL);
            cli_plot_grid_put(p->grid, 1 + r, CLI_PLOT_LABEL_W + col, cell, 1);
        }
    }
    cli_plot_grid_put(p->grid, 1 + rows, CLI_PLOT_LABEL_W - 1, p->utf8 ? "\u2514" : "+", 1);
    x_labels(p, 1 + rows, c, PA, &ax);
    char *xname = tt_xasprintf("%s%s", PA->name, ax.log ? " (log)" : "");
    int w = cli_plot_text_width(xname), start = CLI_PLOT_LABEL_W + (cols - w) / 2;
    cli_plot_grid_put(p->grid, 2 + rows, start < 0 ? 0 : start, xname, -1);
    free(xname);

    /* the legend: the glyphs from low to high and the range they span */
    double lo, hi;
    tt_contour_range(c, &lo, &hi);
    tt_buf legend = {0};
    tt_buf_puts(&legend, "low [");
    for (int l = 0; l < tt_contour_levels(c); l++)
        tt_buf_puts(&legend, tt_contour_glyph(c, l));
    char tlo[16], thi[16], tbest[16];
    tt_chart_format_tick(lo, tlo, sizeof tlo);
    tt_chart_format_tick(hi, thi, sizeof thi);
    size_t best = data.rank[0];
    tt_chart_format_tick(cli_plot_data_value(&data, best), tbest, sizeof tbest);
    tt_buf_printf(&legend, "] high: %s .. %s   %s trial  %s best #%ld (%s)", tlo, thi,
                  p->utf8 ? "\u2022" : "o", p->utf8 ? "\u25c6" : "X",
                  cli_view_number(&p->view, data.d.trial[best]), tbest);
    char *text = tt_buf_take(&legend);
    cli_plot_grid_put(p->grid, 3 + rows, 0, text, -1);
    free(text);
    p->rows_used = 4 + rows;
out:
    free(xa);
    free(xb);
    free(grid);
    tt_contour_free(c);
    cli_plot_data_free(&data);
    return rc;
}
