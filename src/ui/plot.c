/*
 * plot — puts a chart (chart.c: pure canvas and line plotting) into a
 * panel's window: y tick labels on the left, the canvas cells with the
 * attribute of each cell's colour, x range labels underneath. Shared by
 * the curves and the history panels.
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
    if (color >= 0 && color < 8)
        return a->trial_color[color] ? a->trial_color[color] : a->attr[UI_ROLE_RUNNING];
    return a->attr[UI_ROLE_DEFAULT];
}

size_t ui_plot_draw(ui_app *a, void *win, int y, int x, int h, int w,
                    const tt_chart_series *series, size_t n, const tt_chart_opts *opts,
                    const char *x_label)
{
    WINDOW *win_ = win;
    int label_w = 8;
    int cw = w - label_w - 1, ch = h - 1;
    if (cw < 4 || ch < 2)
        return 0;
    tt_canvas *c = tt_canvas_new(cw, ch, a->braille);
    tt_chart_axes axes;
    size_t plotted = tt_chart_plot(c, series, n, opts, &axes);
    if (plotted == 0) {
        tt_canvas_free(c);
        wattrset(win_, a->attr[UI_ROLE_AXIS]);
        ui_put(win_, y + ch / 2, x + 2, "no data yet", w - 4, false);
        wattrset(win_, a->attr[UI_ROLE_DEFAULT]);
        return 0;
    }
    /* y axis: labels on the top, middle and bottom rows */
    wattrset(win_, a->attr[UI_ROLE_AXIS]);
    int rows_lab[3] = {0, ch / 2, ch - 1};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && (ch < 5))
            continue;
        char tick[16];
        tt_chart_format_tick(tt_chart_y_at(&axes, c, rows_lab[i]), tick, sizeof tick);
        ui_put_right(win_, y + rows_lab[i], x, tick, label_w - 1);
    }
    for (int r = 0; r < ch; r++)
        mvwaddstr(win_, y + r, x + label_w - 1, a->utf8 ? "┤" : "|");
    /* the canvas */
    char cell[8];
    for (int r = 0; r < ch; r++) {
        wmove(win_, y + r, x + label_w);
        for (int col = 0; col < cw; col++) {
            int color = -1;
            if (tt_canvas_cell(c, col, r, cell, &color) > 0) {
                wattrset(win_, ui_plot_attr(a, color));
                waddstr(win_, cell);
            } else {
                wattrset(win_, a->attr[UI_ROLE_DEFAULT]);
                waddch(win_, ' ');
            }
        }
    }
    /* x axis: range under the canvas */
    wattrset(win_, a->attr[UI_ROLE_AXIS]);
    char lo[16], hi[16], mid[64];
    tt_chart_format_tick(axes.x_min, lo, sizeof lo);
    tt_chart_format_tick(axes.x_max, hi, sizeof hi);
    int by = y + ch;
    ui_put(win_, by, x + label_w - 1, a->utf8 ? "└" : "+", 1, false);
    ui_put(win_, by, x + label_w, lo, cw, false);
    ui_put_right(win_, by, x + label_w, hi, cw);
    snprintf(mid, sizeof mid, "%s%s", x_label ? x_label : "", axes.log_y ? " (log y)" : "");
    int mw = ui_text_width(mid);
    if (mw + 2 * 8 < cw)
        ui_put(win_, by, x + label_w + (cw - mw) / 2, mid, mw, false);
    wattrset(win_, a->attr[UI_ROLE_DEFAULT]);
    tt_canvas_free(c);
    return plotted;
}
