/*
 * plot.h — a chart in a panel (plot.c), for curves.c and history.c.
 */
#ifndef TUNETOP_UI_PLOT_H
#define TUNETOP_UI_PLOT_H

#include "tunetop/chart.h"
#include "internal.h"

/* Colours of chart series: 0..7 are the per-trial slots; these are roles. */
enum {
    UI_PLOT_BEST = 100,
    UI_PLOT_DIM = 101,
    UI_PLOT_AXIS = 102,
    UI_PLOT_FAILED = 103,
    UI_PLOT_RUNNING = 104,
    UI_PLOT_SELECT = 105,   /* a view's cursor or range markers */
    UI_PLOT_DEFAULT = 106   /* the theme's plain text colour */
};

unsigned ui_plot_attr(const ui_app *a, int color);
/* Draw the series into the h×w area at (y, x) of win: tick labels, canvas,
 * x range with x_label. Returns the number of points plotted (0: "no data
 * yet" was drawn). */
size_t ui_plot_draw(ui_app *a, void *win, int y, int x, int h, int w,
                    const tt_chart_series *series, size_t n, const tt_chart_opts *opts,
                    const char *x_label);

/* ui_plot_draw in parts, for a chart plotted by its panel. The canvas of
 * an h×w area, in cells (false: the area is too small for a chart). */
bool ui_plot_canvas_size(int h, int w, int *cols, int *rows);
/* Canvas c, plotted with axes, into the area at (y, x) sized by
 * ui_plot_canvas_size: tick labels, cells, x range with x_label. */
void ui_plot_show(ui_app *a, void *win, int y, int x, const tt_canvas *c,
                  const tt_chart_axes *axes, const char *x_label);
/* The y axis and the cells alone, for a chart whose x axis is not a
 * plain range (a slice's log or categorical axis, a timeline's time):
 * its owner writes the row under the canvas. */
void ui_plot_show_chart(ui_app *a, void *win, int y, int x, const tt_canvas *c,
                        const tt_chart_axes *axes);
/* Columns left of the canvas (tick labels and the axis line). */
#define UI_PLOT_LABEL_W 8
/* "no data yet" in the h×w area at (y, x). */
void ui_plot_no_data(ui_app *a, void *win, int y, int x, int h, int w);

#endif
