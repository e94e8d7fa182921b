/*
 * view_parallel — parallel coordinates: one vertical axis per parameter,
 * the most important first (the importance panel's order) as many as
 * leave AXIS_GAP columns each, and the objective last; each completed
 * trial a polyline through its values (tt_parallel_plot on the braille or
 * ASCII canvas), coloured by rank: the best trial in the best colour, the
 * rest of the best 10 % bright, the best half plain, the others dim, drawn
 * worst first so the good lines lie on top. Log axes for log-distributed
 * parameters; a categorical axis puts each value at its band and names it
 * there; every axis carries its name and its max and min. `tunetop plot
 * --kind parallel` draws the same canvas (src/cli/plot_parallel.c).
 *
 * Cost: at 10,000 trials every line would fill the canvas and take a
 * frame's budget to walk, so at most LINES_MAX are drawn (all of the best
 * 10 %, the rest thinned evenly by rank), and the canvas is cached until
 * the completed trials, the importance order or the size change; a frame
 * otherwise copies its cells.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "view_data.h"
#include "views.h"

#define LINES_MAX 1000
#define AXIS_GAP 12

/* Tier colours (plot.h's codes): best, best 10 %, best half, the rest.
 * TIER_PLAIN is no code ui_plot_attr knows: the default attribute. */
enum { TIER_PLAIN = 200 };
static const int tier_color[4] = {UI_PLOT_BEST, 0, TIER_PLAIN, UI_PLOT_DIM};

static struct {
    tt_canvas *c;
    unsigned data_gen, importance_gen;
    int cols, rows;
    bool braille;
    size_t n_axes;             /* parameters shown, then the objective */
    size_t *param;
    tt_chart_axis *axes;
    size_t left_out, drawn, n_lines;
    double *best;              /* the best trial's values, one per axis */
} st;

static void drop(void)
{
    tt_canvas_free(st.c);
    free(st.param);
    free(st.axes);
    free(st.best);
    memset(&st, 0, sizeof st);
}

static void parallel_free(void)
{
    drop();
    ui_view_data_free();
}

static void build(const ui_model *m, const ui_view_data *v, int cols, int rows, bool braille)
{
    if (st.c && st.data_gen == v->gen && st.importance_gen == m->importance_gen &&
        st.cols == cols && st.rows == rows && st.braille == braille)
        return;
    drop();
    const tt_space *sp = v->space;
    st.data_gen = v->gen;
    st.importance_gen = m->importance_gen;
    st.cols = cols;
    st.rows = rows;
    st.braille = braille;
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    size_t n_par = ui_view_param_order(m, sp, order);
    size_t fit = (size_t)(cols / AXIS_GAP);
    fit = fit < 2 ? 2 : fit;
    st.param = tt_xmalloc((sp->n + 2) * sizeof *st.param);
    st.axes = tt_xcalloc(sp->n + 2, sizeof *st.axes);
    size_t n = 0;
    for (size_t k = 0; k < n_par && n + 1 < fit; k++)
        if (ui_view_param_axis(v, order[k], &st.axes[n]))
            st.param[n++] = order[k];
    free(order);
    st.left_out = n_par - n;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < v->d.n; t++) {
        lo = fmin(lo, ui_view_data_value(v, t));
        hi = fmax(hi, ui_view_data_value(v, t));
    }
    st.axes[n] = (tt_chart_axis){lo, hi, false, 0};
    st.n_axes = n;
    size_t A = n + 1;
    st.c = tt_canvas_new(cols, rows, braille);
    st.n_lines = v->d.n;
    double *vals = tt_xmalloc((v->d.n * A + 1) * sizeof *vals);
    for (size_t r = 0; r < v->d.n; r++) {
        size_t t = v->rank[r];
        for (size_t k = 0; k < n; k++)
            vals[r * A + k] = v->d.active[t][st.param[k]] ? v->d.x[t][st.param[k]] : NAN;
        vals[r * A + n] = ui_view_data_value(v, t);
    }
    st.drawn = tt_parallel_plot(st.c, st.axes, A, vals, v->d.n, tier_color, LINES_MAX);
    st.best = tt_xmalloc((A + 1) * sizeof *st.best);
    for (size_t k = 0; k < A; k++)
        st.best[k] = v->d.n ? vals[k] : NAN;
    free(vals);
    /* the best trial's crossing of each axis, marked */
    for (size_t k = 0; k < A && v->d.n; k++) {
        double y = tt_parallel_y(st.c, &st.axes[k], st.best[k]);
        if (!isnan(y))
            tt_canvas_mark(st.c, tt_parallel_axis_x(st.c, k, A), y, UI_PLOT_BEST);
    }
}

/* text centred on col, clipped to room, kept inside the window width w. */
static void put_centred(WINDOW *win, int row, int col, const char *text, int room, int w)
{
    int tw = ui_text_width(text);
    tw = tw < room ? tw : room;
    int start = col - tw / 2;
    start = start < 0 ? 0 : start + tw > w ? w - tw : start;
    ui_put(win, row, start, text, tw, false);
}

static void draw_labels(ui_app *a, WINDOW *w, const ui_model *m, const ui_view_data *v, int top)
{
    size_t A = st.n_axes + 1;
    int dw = tt_canvas_width(st.c) / st.cols, dh = tt_canvas_height(st.c) / st.rows;
    int gap = A > 1 ? st.cols / (int)(A - 1) : st.cols;
    char label[64];
    for (size_t k = 0; k < A; k++) {
        int col = tt_parallel_axis_x(st.c, k, A) / dw;
        const tt_param *P = k < st.n_axes ? &v->space->params[st.param[k]] : NULL;
        char name[160];
        snprintf(name, sizeof name, "%s%s", P ? P->name : m->study.metric,
                 st.axes[k].log ? " (log)" : "");
        wattrset(w, a->attr[UI_ROLE_TITLE]);
        put_centred(w, top, col, name, gap - 1, st.cols);
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        if (st.axes[k].n_categories && P) {
            for (size_t q = 0; q < st.axes[k].n_categories && q < P->n_values; q++) {
                int row = (int)floor(tt_parallel_y(st.c, &st.axes[k], (double)q) + 0.5) / dh;
                char tmp[256];
                tt_value_format(&P->values[q], tmp, sizeof tmp);
                int room = gap / 2 - 1;
                int start = k + 1 == A ? col - room : col + 1;
                ui_put(w, top + 2 + row, start < 0 ? 0 : start, tmp, room, false);
            }
        } else {
            tt_chart_format_tick(st.axes[k].max, label, sizeof label);
            put_centred(w, top + 1, col, label, gap - 1, st.cols);
            tt_chart_format_tick(st.axes[k].min, label, sizeof label);
            put_centred(w, top + 2 + st.rows, col, label, gap - 1, st.cols);
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static void draw_cells(ui_app *a, WINDOW *w, int top)
{
    char cell[8];
    for (int r = 0; r < st.rows; r++) {
        for (int col = 0; col < st.cols; col++) {
            int color = -1;
            if (tt_canvas_cell(st.c, col, r, cell, &color) <= 0)
                continue;
            /* a category's name written at this cell stays readable */
            chtype under = mvwinch(w, top + r, col);
            if ((under & A_CHARTEXT) != ' ')
                continue;
            wattrset(w, ui_plot_attr(a, color));
            mvwaddstr(w, top + r, col, cell);
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static void parallel_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    werase(w);
    int h = getmaxy(w), width = getmaxx(w);
    ui_model *m = &a->model;
    const ui_view_data *v = ui_view_data_get(m);
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, 0, 0, "parallel coordinates", width, false);
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    if (!v || v->d.n == 0) {
        ui_put(w, 2, 2,
               v ? "parallel coordinates: waiting for a completed trial"
                 : "parallel coordinates: the study has no loaded sweep file or no objective",
               width - 4, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    /* title, names, max labels, canvas, min labels, legend */
    int rows = h - 5;
    if (rows < 2 || width < 2 * AXIS_GAP) {
        ui_put(w, 2, 2, "parallel coordinates: the window is too small", width - 4, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    build(m, v, width, rows, a->braille);
    char title[256], more[128] = "";
    if (st.drawn < st.n_lines)
        snprintf(more, sizeof more, " · %zu drawn: the best 10 %%, the rest thinned by rank",
                 st.drawn);
    snprintf(title, sizeof title, "parallel coordinates · %s of %zu trials%s", m->study.metric,
             st.n_lines, more);
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, 0, 0, title, width, true);
    draw_labels(a, w, m, v, 1);
    draw_cells(a, w, 3);
    char legend[256], best[16];
    tt_chart_format_tick(st.best[st.n_axes], best, sizeof best);
    int len = snprintf(legend, sizeof legend, "%s best #%ld (%s) · best 10 %% bright · best half plain · rest dim",
                       a->utf8 ? "◆" : "*", ui_model_shown(&a->model, v->d.trial[v->rank[0]]), best);
    if (st.left_out && len > 0 && (size_t)len < sizeof legend)
        snprintf(legend + len, sizeof legend - (size_t)len, " · %zu more parameters: widen",
                 st.left_out);
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    ui_put(w, h - 1, 0, legend, width, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static int parallel_key(ui_app *a, int key)
{
    (void)a;
    (void)key;
    return UI_IGNORED;
}

const ui_view ui_view_parallel = {"parallel", parallel_draw, parallel_key, parallel_free, NULL};
