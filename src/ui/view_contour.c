/*
 * view_contour — the objective over two parameters: each cell of the main
 * area shaded by the random forest's predicted mean there, the other
 * parameters marginalised as fANOVA marginalises them (tt_importance_grid,
 * docs/algorithms.md §3.4), the completed trials as points on top and the
 * best marked, a legend with the value range. `tunetop plot --kind
 * contour` prints the same grid (src/cli/plot_contour.c); both build it
 * with the chart module (tt_contour) and differ in how a cell goes out.
 *
 * The pair: the strongest interaction "a × b" of the importance panel,
 * else the two most important parameters, else the first two; `x` and `y`
 * (`X`, `Y` backwards) step the parameter on either axis through the
 * parameters in importance order, and the choice then stays.
 *
 * Steering (contour_steer.c): a selection rectangle over the grid — `[`
 * `]` pick its corner, the arrows move it, a mouse drag draws it — and `n`
 * narrows both parameters to it (`p` pins both to the best trial's
 * values), as the slice view narrows one.
 *
 * Shading: a background ramp on a 256-colour terminal (viridis), Unicode
 * shade blocks in UTF-8, ASCII density glyphs otherwise.
 *
 * Cost: the forest is fitted on at most GRID_ROWS trials (a sample
 * stratified on the objective, always holding the best: 10,000 trials fit
 * as fast as 1,000) and only when the completed trials, the pair or the
 * size change; at most every REFIT_S seconds while trials complete — the
 * points are re-placed at once, the shading follows. Every other frame
 * copies the cached grid to the window.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contour.h"
#include "plot.h"
#include "view_data.h"
#include "views.h"

/* The forest's rows: fitting 512 trials × 5 parameters takes ~6 ms on one
 * core (docs/benchmarks.md), so a frame that refits stays under the 20 ms
 * the issue allows at any study size. */
#define GRID_ROWS 512
#define REFIT_S 2.0
/* Colour pairs of the background ramp: above those of the theme's roles
 * and the trial slots (term.c uses 1 .. UI_ROLE_COUNT + 8). */
#define PAIR_BASE 48
enum { LABEL_W = 8 };

static struct {
    bool chosen;               /* the user picked the axes */
    const tt_space *space;     /* a, b index it */
    size_t a, b;
    /* the cached picture */
    tt_contour *c;
    unsigned data_gen;
    size_t ca, cb;
    int cols, rows;
    bool utf8, color;
    double *values;            /* the forest's grid, in objective units */
    double fitted_at;
    bool fit_stale;            /* points newer than the shading */
    double interaction;
    size_t shown;
    char error[sizeof ((tt_error *)0)->msg];
} st;

static void drop_picture(void)
{
    tt_contour_free(st.c);
    st.c = NULL;
    free(st.values);
    st.values = NULL;
}

static void contour_free(void)
{
    ui_contour_steer_free();
    drop_picture();
    ui_view_data_free();
    memset(&st, 0, sizeof st);
}

/* The default pair (see the file comment); false with fewer than two
 * parameters. */
static bool default_pair(const ui_model *m, const tt_space *sp)
{
    st.interaction = NAN;
    if (ui_view_strongest_pair(m, sp, &st.a, &st.b, &st.interaction))
        return true;
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    size_t n = ui_view_param_order(m, sp, order);
    if (n >= 2) {
        st.a = order[0];
        st.b = order[1];
    }
    free(order);
    return n >= 2;
}

static bool terminal_256(const ui_app *a)
{
    return a->colors && COLORS >= 256 && COLOR_PAIRS > PAIR_BASE + TT_CONTOUR_COLORS &&
           strcmp(a->theme.name, "monochrome") != 0;
}

/* One pair per level: its background the ramp's colour, its foreground
 * (the points) white on the dark half, black on the light one. */
static void init_ramp(void)
{
    for (int l = 0; l < TT_CONTOUR_COLORS; l++)
        init_pair((short)(PAIR_BASE + l), l < TT_CONTOUR_COLORS * 6 / 10 ? 231 : 16,
                  (short)tt_contour_color256(l, TT_CONTOUR_COLORS));
}

/* Fit the forest's grid into st.values for the picture's axes. */
static void fit(const ui_view_data *v, double now)
{
    free(st.values);
    size_t cells = (size_t)st.cols * (size_t)st.rows;
    st.values = tt_xmalloc((cells + 1) * sizeof *st.values);
    double *xa = tt_xmalloc(((size_t)st.cols + 1) * sizeof *xa);
    double *xb = tt_xmalloc(((size_t)st.rows + 1) * sizeof *xb);
    for (int i = 0; i < st.cols; i++)
        xa[i] = tt_contour_x_at(st.c, i);
    for (int j = 0; j < st.rows; j++)
        xb[j] = tt_contour_y_at(st.c, j);
    tt_error err = {0};
    if (tt_importance_grid(v->space, (const double *const *)v->d.x,
                           (const bool *const *)v->d.active, v->d.y, v->d.n, st.a, xa,
                           (size_t)st.cols, st.b, xb, (size_t)st.rows, GRID_ROWS, v->seed,
                           st.values, &err) < 0) {
        snprintf(st.error, sizeof st.error, "%s", err.msg);
        for (size_t k = 0; k < cells; k++)
            st.values[k] = NAN;
    } else if (v->maximize) {
        for (size_t k = 0; k < cells; k++)
            st.values[k] = -st.values[k];
    }
    free(xa);
    free(xb);
    st.fitted_at = now;
    st.fit_stale = false;
}

/* The picture for the data and size: rebuilt (and refitted when due) only
 * when one of them moved. */
static void build(const ui_view_data *v, int cols, int rows, bool utf8, bool color, double now)
{
    bool same_frame = st.c && st.ca == st.a && st.cb == st.b && st.cols == cols &&
                      st.rows == rows && st.utf8 == utf8 && st.color == color;
    if (same_frame && st.data_gen == v->gen && !(st.fit_stale && now - st.fitted_at >= REFIT_S))
        return;
    tt_chart_axis ax, ay;
    st.error[0] = 0;
    if (!ui_view_param_axis(v, st.a, &ax) || !ui_view_param_axis(v, st.b, &ay)) {
        drop_picture();
        snprintf(st.error, sizeof st.error, "no completed trial has values of %s and %s",
                 v->space->params[st.a].name, v->space->params[st.b].name);
        return;
    }
    /* new trials may widen an axis: the grid then moves, so it is refitted */
    tt_contour *old = st.c;
    st.c = tt_contour_new(cols, rows, &ax, &ay, utf8, color);
    bool axes_same = old && same_frame && tt_contour_x_at(old, 0) == tt_contour_x_at(st.c, 0) &&
                     tt_contour_x_at(old, cols - 1) == tt_contour_x_at(st.c, cols - 1) &&
                     tt_contour_y_at(old, 0) == tt_contour_y_at(st.c, 0) &&
                     tt_contour_y_at(old, rows - 1) == tt_contour_y_at(st.c, rows - 1);
    tt_contour_free(old);
    st.ca = st.a;
    st.cb = st.b;
    st.cols = cols;
    st.rows = rows;
    st.utf8 = utf8;
    st.color = color;
    bool new_data = st.data_gen != v->gen;
    st.data_gen = v->gen;
    if (!axes_same || !st.values || now - st.fitted_at >= REFIT_S)
        fit(v, now);
    else if (new_data)
        st.fit_stale = true;   /* refit once REFIT_S has passed */
    tt_contour_shade(st.c, st.values);
    /* points: the best trials, one cell in four at most, the best last */
    size_t shown = (size_t)cols * (size_t)rows / 4;
    st.shown = shown < 1 ? 1 : shown > v->d.n ? v->d.n : shown;
    for (size_t k = st.shown; k-- > 0;) {
        size_t t = v->rank[k];
        tt_contour_point(st.c, v->d.x[t][st.a], v->d.x[t][st.b], k == 0);
    }
}

static void axis_label(const tt_param *P, const tt_chart_axis *ax, double v, char *buf,
                       size_t n)
{
    if (ax->n_categories && P->n_values) {
        char tmp[256];
        size_t k = (size_t)v < P->n_values ? (size_t)v : P->n_values - 1;
        snprintf(buf, n, "%s", tt_value_format(&P->values[k], tmp, sizeof tmp));
    } else {
        tt_chart_format_tick(v, buf, n);
    }
}

static void draw_cells(ui_app *a, WINDOW *w, int top)
{
    char cell[8];
    for (int r = 0; r < st.rows; r++) {
        wmove(w, top + r, LABEL_W);
        for (int col = 0; col < st.cols; col++) {
            int level;
            int kind = tt_contour_cell(st.c, col, r, cell, &level);
            unsigned attr = a->attr[UI_ROLE_DEFAULT];
            if (st.color && level >= 0)
                attr = (unsigned)COLOR_PAIR(PAIR_BASE + level) | (kind > 0 ? A_BOLD : 0);
            else if (kind == 2)
                attr = a->attr[UI_ROLE_BEST];
            else if (kind == 1)
                attr = a->attr[UI_ROLE_RUNNING];
            wattrset(w, attr);
            waddstr(w, cell);
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static void draw_axes(ui_app *a, WINDOW *w, int top, const ui_view_data *v)
{
    const tt_param *PA = &v->space->params[st.a], *PB = &v->space->params[st.b];
    tt_chart_axis ax, ay;
    ui_view_param_axis(v, st.a, &ax);
    ui_view_param_axis(v, st.b, &ay);
    char label[64];
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    for (int r = 0; r < st.rows; r++)
        mvwaddstr(w, top + r, LABEL_W - 1, a->utf8 ? "│" : "|");
    mvwaddstr(w, top + st.rows, LABEL_W - 1, a->utf8 ? "└" : "+");
    if (ay.n_categories) {
        for (size_t k = 0; k < ay.n_categories; k++) {
            int col, row;
            if (!tt_contour_cell_of(st.c, tt_contour_x_at(st.c, 0), (double)k, &col, &row))
                continue;
            axis_label(PB, &ay, (double)k, label, sizeof label);
            ui_put(w, top + row, 0, label, LABEL_W - 2, false);
        }
    } else {
        int at[3] = {0, st.rows / 2, st.rows - 1};
        double val[3] = {ay.max, tt_contour_y_at(st.c, st.rows / 2), ay.min};
        for (int i = 0; i < 3; i++) {
            if (i == 1 && st.rows < 5)
                continue;
            axis_label(PB, &ay, val[i], label, sizeof label);
            ui_put_right(w, top + at[i], 0, label, LABEL_W - 1);
        }
    }
    int xrow = top + st.rows;
    if (ax.n_categories) {
        int band = st.cols / (int)ax.n_categories;
        for (size_t k = 0; k < ax.n_categories; k++) {
            axis_label(PA, &ax, (double)k, label, sizeof label);
            int lw = ui_text_width(label), room = band > 1 ? band - 1 : 1;
            lw = lw < room ? lw : room;
            int start = (int)((k + 0.5) * st.cols / ax.n_categories) - lw / 2;
            ui_put(w, xrow, LABEL_W + (start < 0 ? 0 : start), label, lw, false);
        }
    } else {
        axis_label(PA, &ax, ax.min, label, sizeof label);
        int lw = ui_put(w, xrow, LABEL_W, label, st.cols, false);
        axis_label(PA, &ax, ax.max, label, sizeof label);
        int rw = ui_text_width(label);
        ui_put_right(w, xrow, LABEL_W, label, st.cols);
        axis_label(PA, &ax, tt_contour_x_at(st.c, st.cols / 2), label, sizeof label);
        int mw = ui_text_width(label), start = st.cols / 2 - mw / 2;
        if (start > lw + 1 && start + mw < st.cols - rw - 1)
            ui_put(w, xrow, LABEL_W + start, label, mw, false);
    }
    char name[160];
    snprintf(name, sizeof name, "%s%s", PA->name, ax.log ? " (log)" : "");
    int nw = ui_text_width(name);
    ui_put(w, xrow + 1, LABEL_W + (st.cols - nw > 0 ? (st.cols - nw) / 2 : 0), name, st.cols,
           false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* The legend: the shades from low to high, the range, the markers. */
static void draw_legend(ui_app *a, WINDOW *w, int row, int width, const ui_view_data *v)
{
    wmove(w, row, 0);
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    waddstr(w, "low ");
    int levels = tt_contour_levels(st.c);
    for (int l = 0; l < levels; l++) {
        if (st.color) {
            wattrset(w, (unsigned)COLOR_PAIR(PAIR_BASE + l));
            waddstr(w, " ");
        } else {
            wattrset(w, a->attr[UI_ROLE_DEFAULT]);
            waddstr(w, l == 0 ? "[" : "");
            waddstr(w, tt_contour_glyph(st.c, l));
        }
    }
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    double lo, hi;
    tt_contour_range(st.c, &lo, &hi);
    char tlo[16], thi[16], tbest[16], text[480];
    tt_chart_format_tick(lo, tlo, sizeof tlo);
    tt_chart_format_tick(hi, thi, sizeof thi);
    size_t best = v->rank[0];
    tt_chart_format_tick(ui_view_data_value(v, best), tbest, sizeof tbest);
    char steer[200];
    ui_contour_steer_label(a, steer, sizeof steer);
    snprintf(text, sizeof text, "%s high: %s .. %s   %s trial  %s best #%ld (%s)   %s",
             st.color ? "" : "]", tlo, thi, a->utf8 ? "•" : "o", a->utf8 ? "◆" : "X",
             ui_model_shown(&a->model, v->d.trial[best]), tbest, steer);
    int x = getcurx(w);
    ui_put(w, row, x, text, width - x, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* Tell the steering where the grid just drawn lies and what its cells
 * hold. */
static void steer_frame(const ui_view_data *v, int top)
{
    ui_contour_frame f = {.pa = &v->space->params[st.a], .pb = &v->space->params[st.b],
                          .top = top, .left = LABEL_W, .cols = st.cols, .rows = st.rows};
    ui_view_param_axis(v, st.a, &f.ax);
    ui_view_param_axis(v, st.b, &f.ay);
    double *xs = tt_xmalloc(((size_t)st.cols + 1) * sizeof *xs);
    double *ys = tt_xmalloc(((size_t)st.rows + 1) * sizeof *ys);
    for (int i = 0; i < st.cols; i++)
        xs[i] = tt_contour_x_at(st.c, i);
    for (int j = 0; j < st.rows; j++)
        ys[j] = tt_contour_y_at(st.c, j);
    f.xs = xs;
    f.ys = ys;
    ui_contour_steer_frame(&f);
    free(xs);
    free(ys);
}

static void say(ui_app *a, WINDOW *w, const char *text)
{
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    ui_put(w, 2, 2, text, getmaxx(w) - 4, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static void contour_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    werase(w);
    int h = getmaxy(w), width = getmaxx(w);
    ui_model *m = &a->model;
    const ui_view_data *v = ui_view_data_get(m);
    ui_contour_steer_frame(NULL);   /* no grid to steer until one is drawn */
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, 0, 0, "contour", width, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    if (!v) {
        say(a, w, "contour: the study has no loaded sweep file or no objective");
        return;
    }
    /* a new space (a reload) forgets the user's pair; until one is chosen
     * the pair follows the importance as it is recomputed */
    if (st.space != v->space || st.a >= v->space->n || st.b >= v->space->n) {
        st.chosen = false;
        st.space = v->space;
    }
    if (!st.chosen && !default_pair(m, v->space)) {
        say(a, w, "contour: the space has fewer than two parameters that vary");
        return;
    }
    if (v->d.n < 2) {
        say(a, w, "contour: waiting for 2 completed trials");
        return;
    }
    int rows = h - 4, cols = width - LABEL_W;
    if (rows < 2 || cols < 8) {
        say(a, w, "contour: the window is too small");
        return;
    }
    bool color = terminal_256(a);
    if (color)
        init_ramp();
    build(v, cols, rows, a->utf8, color, a->now);
    if (!st.c) {
        say(a, w, st.error);
        return;
    }
    const tt_param *PA = &v->space->params[st.a], *PB = &v->space->params[st.b];
    char title[512], extra[160] = "";
    int len = 0;
    if (!st.chosen && isfinite(st.interaction))
        len = snprintf(extra, sizeof extra, " · interaction %.3g", st.interaction);
    if (st.shown < v->d.n)
        snprintf(extra + len, sizeof extra - (size_t)len, " · the best %zu as points", st.shown);
    snprintf(title, sizeof title, "contour · %s by %s (x) × %s (y) · forest's mean over %zu trials%s%s",
             m->study.metric, PA->name, PB->name, v->d.n, extra,
             st.error[0] ? " · fit failed" : "");
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, 0, 0, title, width, true);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    draw_cells(a, w, 1);
    draw_axes(a, w, 1, v);
    steer_frame(v, 1);
    ui_contour_steer_overlay(a, w);
    draw_legend(a, w, h - 1, width, v);
}

/* The next (dir = 1) or previous parameter after cur in importance order,
 * skipping other (the other axis's). */
static size_t step_param(const ui_model *m, const tt_space *sp, size_t cur, size_t other,
                         int dir)
{
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    size_t n = ui_view_param_order(m, sp, order), at = 0;
    for (size_t k = 0; k < n; k++)
        if (order[k] == cur)
            at = k;
    size_t next = cur;
    for (size_t s = 1; s <= n; s++) {
        size_t k = (at + n + (size_t)((long)dir * (long)s % (long)n)) % n;
        if (order[k] != other) {
            next = order[k];
            break;
        }
    }
    free(order);
    return next;
}

static int contour_key(ui_app *a, int key)
{
    if (key != 'x' && key != 'y' && key != 'X' && key != 'Y')
        return ui_contour_steer_key(a, key);
    const ui_view_data *v = ui_view_data_get(&a->model);
    if (!v || !st.space || st.space != v->space)
        return UI_HANDLED;
    int dir = key == 'x' || key == 'y' ? 1 : -1;
    if (key == 'x' || key == 'X')
        st.a = step_param(&a->model, v->space, st.a, st.b, dir);
    else
        st.b = step_param(&a->model, v->space, st.b, st.a, dir);
    st.chosen = true;
    st.interaction = NAN;
    return UI_REDRAW;
}

static int contour_mouse(ui_app *a, int what, int y, int x)
{
    return ui_contour_steer_mouse(a, what, y, x);
}

const ui_view ui_view_contour = {"contour", contour_draw, contour_key, contour_free,
                                 contour_mouse};
