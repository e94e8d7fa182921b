/*
 * plot — puts a chart (chart.c: pure canvas and line plotting) into a
 * panel's window: y tick labels on the left, the canvas cells with the
 * attribute of each cell's colour, x range labels underneath. Shared by
 * the curves and the history panels; a panel that draws more than series
 * (the history's band and marker) sizes and plots its own canvas and has
 * it shown here.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tunetop/chart.h"
#include "internal.h"
#include "plot.h"

unsigned ui_plot_attr(const ui_app *a, int color)
{
    if (color == UI_PLOT_BEST)
        return a->attr[UI_ROLE_BEST];
    if (color == UI_PLOT_DIM)
        return a->attr[UI_ROLE_PRUNED];
    if (color == UI_PLOT_AXIS)
        return a->attr[UI_ROLE_AXIS];
    if (color == UI_PLOT_FAILED)
        return a->attr[UI_ROLE_FAILED];
    if (color == UI_PLOT_RUNNING)
        return a->attr[UI_ROLE_RUNNING];
    if (color == UI_PLOT_SELECT)
        return a->attr[UI_ROLE_SELECTION];
    if (color >= 0 && color < 8)
        return a->trial_color[color] ? a->trial_color[color] : a->attr[UI_ROLE_RUNNING];
    return a->attr[UI_ROLE_DEFAULT];
}

/* Columns left of the canvas for the y tick labels ("12.5k", "1.2e-05")
 * and the axis line. */
enum { LABEL_W = 8 };

bool ui_plot_canvas_size(int h, int w, int *cols, int *rows)
{
    *cols = w - LABEL_W - 1;
    *rows = h - 1;
    return *cols >= 4 && *rows >= 2;
}

void ui_plot_no_data(ui_app *a, void *win, int y, int x, int h, int w)
{
    WINDOW *win_ = win;
    wattrset(win_, a->attr[UI_ROLE_AXIS]);
    ui_put(win_, y + (h - 1) / 2, x + 2, "no data yet", w - 4, false);
    wattrset(win_, a->attr[UI_ROLE_DEFAULT]);
}

/* y axis: labels on the top, middle and bottom rows, and the axis line. */
static void show_y_axis(ui_app *a, WINDOW *win, int y, int x, const tt_canvas *c,
                        const tt_chart_axes *axes)
{
    int ch = tt_canvas_rows(c);
    wattrset(win, a->attr[UI_ROLE_AXIS]);
    int rows_lab[3] = {0, ch / 2, ch - 1};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && (ch < 5))
            continue;
        char tick[16];
        tt_chart_format_tick(tt_chart_y_at(axes, c, rows_lab[i]), tick, sizeof tick);
        ui_put_right(win, y + rows_lab[i], x, tick, LABEL_W - 1);
    }
    for (int r = 0; r < ch; r++)
        mvwaddstr(win, y + r, x + LABEL_W - 1, a->utf8 ? "┤" : "|");
}

static void show_cells(ui_app *a, WINDOW *win, int y, int x, const tt_canvas *c)
{
    char cell[8];
    for (int r = 0; r < tt_canvas_rows(c); r++) {
        wmove(win, y + r, x + LABEL_W);
        for (int col = 0; col < tt_canvas_cols(c); col++) {
            int color = -1;
            if (tt_canvas_cell(c, col, r, cell, &color) > 0) {
                wattrset(win, ui_plot_attr(a, color));
                waddstr(win, cell);
            } else {
                wattrset(win, a->attr[UI_ROLE_DEFAULT]);
                waddch(win, ' ');
            }
        }
    }
}

/* x axis: the range under the canvas, x_label in the middle when it fits. */
static void show_x_axis(ui_app *a, WINDOW *win, int y, int x, const tt_canvas *c,
                        const tt_chart_axes *axes, const char *x_label)
{
    int cw = tt_canvas_cols(c), by = y + tt_canvas_rows(c);
    wattrset(win, a->attr[UI_ROLE_AXIS]);
    char lo[16], hi[16], mid[64];
    tt_chart_format_tick(axes->x_min, lo, sizeof lo);
    tt_chart_format_tick(axes->x_max, hi, sizeof hi);
    ui_put(win, by, x + LABEL_W - 1, a->utf8 ? "└" : "+", 1, false);
    ui_put(win, by, x + LABEL_W, lo, cw, false);
    ui_put_right(win, by, x + LABEL_W, hi, cw);
    snprintf(mid, sizeof mid, "%s%s", x_label ? x_label : "", axes->log_y ? " (log y)" : "");
    int mw = ui_text_width(mid);
    if (mw + 2 * 8 < cw)
        ui_put(win, by, x + LABEL_W + (cw - mw) / 2, mid, mw, false);
    wattrset(win, a->attr[UI_ROLE_DEFAULT]);
}

void ui_plot_show_chart(ui_app *a, void *win, int y, int x, const tt_canvas *c,
                        const tt_chart_axes *axes)
{
    show_y_axis(a, win, y, x, c, axes);
    show_cells(a, win, y, x, c);
}

void ui_plot_show(ui_app *a, void *win, int y, int x, const tt_canvas *c,
                  const tt_chart_axes *axes, const char *x_label)
{
    ui_plot_show_chart(a, win, y, x, c, axes);
    show_x_axis(a, win, y, x, c, axes, x_label);
}

size_t ui_plot_draw(ui_app *a, void *win, int y, int x, int h, int w,
                    const tt_chart_series *series, size_t n, const tt_chart_opts *opts,
                    const char *x_label)
{
    int cw, ch;
    if (!ui_plot_canvas_size(h, w, &cw, &ch))
        return 0;
    tt_canvas *c = tt_canvas_new(cw, ch, a->braille);
    tt_chart_axes axes;
    size_t plotted = tt_chart_plot(c, series, n, opts, &axes);
    if (plotted)
        ui_plot_show(a, win, y, x, c, &axes, x_label);
    else
        ui_plot_no_data(a, win, y, x, h, w);
    tt_canvas_free(c);
    return plotted;
}
