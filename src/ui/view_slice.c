/*
 * view_slice — the slice view (views.h): the objective against each
 * parameter, one small chart per parameter in importance order (the
 * model's importance when it has rows, else the space's order), as many as
 * the body holds. Each completed trial is a dot coloured by when it ran
 * (dim early, bright late: where the sampler has been going), the best
 * trial a ◆. The x axis is the parameter's (chart.h's tt_slice_x, shared
 * with `tunetop plot --kind slice`): log10 for a log-distributed one, one
 * column of dots per value for a categorical.
 *
 * Enter opens the selected chart full size, where the sweep can be steered
 * (slice_steer.c): two range markers for a number, dropped values for a
 * categorical, then n narrows the parameter (or p pins it), through
 * tt_study_narrow, as `tunetop narrow` does. A mouse drag across the
 * full-size chart sets the range markers too.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "slice.h"
#include "tunetop/space.h"
#include "view_data.h"
#include "views.h"

/* A small chart wants at least this many cells: room for a readable
 * scatter and its axis labels. */
enum { CHART_MIN_W = 34, CHART_MIN_H = 9 };

static ui_slice_state st;

/* Colours from early to late trials: the oldest half dim, the next
 * quarter in the axis colour, the newest quarter bright. Layers follow, so
 * the recent trials are drawn on top of the old. */
static int age_color(long number, long newest, int *layer)
{
    double f = newest > 1 ? (double)(number - 1) / (double)(newest - 1) : 1.0;
    *layer = f < 0.5 ? 0 : f < 0.75 ? 1 : 2;
    static const int colors[] = {UI_PLOT_DIM, UI_PLOT_AXIS, 2};
    return colors[*layer];
}

void ui_slice_points(const ui_model *m, const tt_param *P, ui_slice_points_t *out)
{
    tt_slice_scale scale = tt_slice_scale_of(P);
    size_t cap = m->n_trials + 1;
    out->x = tt_xmalloc(cap * sizeof *out->x);
    out->y = tt_xmalloc(cap * sizeof *out->y);
    out->number = tt_xmalloc(cap * sizeof *out->number);
    out->n = 0;
    out->best = (size_t)-1;
    out->scale = scale;
    size_t hint = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        double x;
        if (r->number == 0 || !tt_slice_x(P, scale, r, &hint, &x))
            continue;
        out->x[out->n] = x;
        out->y[out->n] = r->value;
        out->number[out->n] = r->number;
        if (out->best == (size_t)-1 || ui_model_better(m, r->value, out->y[out->best]))
            out->best = out->n;
        out->n++;
    }
}

void ui_slice_points_free(ui_slice_points_t *p)
{
    free(p->x);
    free(p->y);
    free(p->number);
    memset(p, 0, sizeof *p);
}

/* The row under a slice's canvas: the x range (values, not logarithms) or
 * the categories' names under their columns. */
static void x_axis_row(ui_app *a, WINDOW *w, int y, int x, const tt_canvas *c,
                       const tt_chart_axes *axes, const tt_param *P, tt_slice_scale scale)
{
    int cw = tt_canvas_cols(c);
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    ui_put(w, y, x + UI_PLOT_LABEL_W - 1, a->utf8 ? "└" : "+", 1, false);
    if (scale == TT_SLICE_CATEGORIES) {
        for (size_t k = 0; k < P->n_values; k++) {
            char buf[128];
            tt_value_format(&P->values[k], buf, sizeof buf);
            double f = ((double)k + 0.5) / (double)P->n_values;
            int lw = ui_text_width(buf), room = cw / (int)P->n_values;
            if (lw > room)
                lw = room > 1 ? room - 1 : 1;
            int at = (int)(f * cw) - lw / 2;
            if (at < 0)
                at = 0;
            bool dropped = st.dropped && st.full && k < st.n_dropped && st.dropped[k];
            bool cursor = st.full && (size_t)st.cursor == k;
            wattrset(w, cursor ? a->attr[UI_ROLE_SELECTION]
                        : dropped ? a->attr[UI_ROLE_PRUNED] : a->attr[UI_ROLE_AXIS]);
            ui_put(w, y, x + UI_PLOT_LABEL_W + at, buf, lw, false);
        }
    } else {
        char lo[16], hi[16];
        tt_chart_format_tick(tt_slice_value(scale, axes->x_min), lo, sizeof lo);
        tt_chart_format_tick(tt_slice_value(scale, axes->x_max), hi, sizeof hi);
        ui_put(w, y, x + UI_PLOT_LABEL_W, lo, cw, false);
        ui_put_right(w, y, x + UI_PLOT_LABEL_W, hi, cw);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_slice_chart(ui_app *a, void *win, int y, int x, int h, int w, const tt_param *P,
                    bool selected, bool full)
{
    WINDOW *wn = win;
    ui_model *m = &a->model;
    ui_slice_points_t pts;
    ui_slice_points(m, P, &pts);
    tt_slice_scale scale = pts.scale;
    char title[256];
    snprintf(title, sizeof title, "%s%s %s%s", selected && !full ? "▶ " : "", P->name,
             scale == TT_SLICE_LOG10 ? "(log) " : "",
             pts.n ? "" : "· no completed trial has it");
    if (!a->utf8 && selected && !full)
        memcpy(title, "> ", 2), memmove(title + 2, title + 4, strlen(title + 4) + 1);
    wattrset(wn, a->attr[selected ? UI_ROLE_SELECTION : UI_ROLE_TITLE]);
    ui_put(wn, y, x + 1, title, w - 2, false);
    wattrset(wn, a->attr[UI_ROLE_DEFAULT]);
    int cols, rows;
    if (!ui_plot_canvas_size(h - 2, w - 1, &cols, &rows) || pts.n == 0) {
        ui_slice_points_free(&pts);
        return;
    }
    tt_canvas *c = tt_canvas_new(cols, rows, a->braille);
    tt_chart_series *ser = tt_xmalloc((pts.n + 1) * sizeof *ser);
    int *colors = tt_xmalloc((pts.n + 1) * sizeof *colors);
    long newest = m->n_trials > 0 ? (long)m->n_trials : 1;
    for (size_t i = 0; i < pts.n; i++) {
        int layer;
        colors[i] = age_color(pts.number[i], newest, &layer);
        ser[i] = (tt_chart_series){&pts.x[i], &pts.y[i], 1, colors[i], layer};
    }
    tt_chart_opts opts = {false, NAN, NAN, NAN, NAN};
    tt_slice_x_range(scale, P->n_values, pts.x, pts.n, &opts.x_min, &opts.x_max);
    tt_chart_axes axes;
    tt_chart_plot(c, ser, pts.n, &opts, &axes);
    if (full)
        ui_slice_steer_overlay(a, c, &axes, P, scale);
    tt_chart_mark(c, &axes, pts.x[pts.best], pts.y[pts.best], UI_PLOT_BEST);
    ui_plot_show_chart(a, wn, y + 1, x, c, &axes);
    x_axis_row(a, wn, y + 1 + rows, x, c, &axes, P, scale);
    if (full) {
        st.axes = axes, st.dot_w = tt_canvas_width(c), st.n_values = P->n_values;
        st.chart_top = y + 1, st.chart_left = x + UI_PLOT_LABEL_W;
        st.chart_cols = cols, st.chart_rows = rows;
    }
    tt_canvas_free(c);
    free(ser);
    free(colors);
    ui_slice_points_free(&pts);
}

static void draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    int h = getmaxy(w), wd = getmaxx(w);
    ui_model *m = &a->model;
    const tt_space *sp = m->study.sweep ? m->study.sweep->space : NULL;
    if (!sp) {
        ui_draw_title(a, w, "Slice", NULL, true);
        ui_put(w, 2, 2, "the study's sweep file does not load: its parameters are unknown",
               wd - 4, false);
        return;
    }
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    size_t n = ui_view_param_order(m, sp, order);
    if (n == 0) {
        ui_draw_title(a, w, "Slice", NULL, true);
        ui_put(w, 2, 2, "the space has no parameter that varies", wd - 4, false);
        free(order);
        return;
    }
    if (st.sel >= n)
        st.sel = n - 1;
    const tt_param *sel = &sp->params[order[st.sel]];
    ui_slice_steer_follow(sel);
    char right[160];
    const char *legend = a->utf8 ? "dim → bright: early → late · ◆ best"
                                 : "dim -> bright: early -> late, * best";
    if (st.full) {
        char title[200];
        snprintf(title, sizeof title, "Slice: %s by %s", m->study.metric, sel->name);
        ui_slice_steer_label(a, sel, right, sizeof right);
        ui_draw_title(a, w, title, right, true);
        ui_put(w, 1, 2, legend, wd - 4, false);
        ui_slice_chart(a, w, 2, 0, h - 2, wd, sel, true, true);
        free(order);
        return;
    }
    /* the grid: as many charts as fit, a page at a time around the selection */
    int gc = wd / CHART_MIN_W, gr = (h - 1) / CHART_MIN_H;
    if (gc < 1)
        gc = 1;
    if (gr < 1)
        gr = 1;
    size_t per = (size_t)gc * (size_t)gr;
    if (per > n) {
        /* fewer charts than places: fewer rows first (a chart gets taller,
         * its y axis more telling), then fewer columns */
        while (gr > 1 && (size_t)gc * (size_t)(gr - 1) >= n)
            gr--;
        while (gc > 1 && (size_t)(gc - 1) * (size_t)gr >= n)
            gc--;
        per = (size_t)gc * (size_t)gr;
    }
    st.grid_cols = gc;
    size_t first = st.sel / per * per;
    snprintf(right, sizeof right, "%zu-%zu of %zu parameters · %s", first + 1,
             first + per < n ? first + per : n, n, legend);
    char title[160];
    snprintf(title, sizeof title, "Slice: %s by parameter%s", m->study.metric,
             m->importance.n ? ", most important first" : "");
    const char *rights[] = {right, legend};
    ui_draw_title_forms(a, w, title, "Slice", rights, 2, true);
    int cw = wd / gc, ch = (h - 1) / gr;
    for (size_t k = 0; k < per && first + k < n; k++) {
        int r = (int)(k / (size_t)gc), c = (int)(k % (size_t)gc);
        ui_slice_chart(a, w, 1 + r * ch, c * cw, ch, cw, &sp->params[order[first + k]],
                       first + k == st.sel, false);
    }
    free(order);
}

static size_t param_count(ui_app *a)
{
    const tt_space *sp = a->model.study.sweep ? a->model.study.sweep->space : NULL;
    if (!sp)
        return 0;
    size_t *order = tt_xmalloc((sp->n + 1) * sizeof *order);
    size_t n = ui_view_param_order(&a->model, sp, order);
    free(order);
    return n;
}

static int key(ui_app *a, int k)
{
    size_t n = param_count(a);
    if (st.full) {
        int f = ui_slice_steer_key(a, k);
        if (f != UI_IGNORED)
            return f;
        if (k == 27 || k == '\n' || k == '\r' || k == KEY_ENTER) {
            st.full = false;
            return UI_HANDLED;
        }
        return UI_IGNORED;
    }
    int gc = st.grid_cols > 0 ? st.grid_cols : 1;
    switch (k) {
    case KEY_LEFT:
    case 'h':
        if (st.sel > 0)
            st.sel--;
        return UI_HANDLED;
    case KEY_RIGHT:
    case 'l':
        if (st.sel + 1 < n)
            st.sel++;
        return UI_HANDLED;
    case KEY_UP:
    case 'k':
        if (st.sel >= (size_t)gc)
            st.sel -= (size_t)gc;
        return UI_HANDLED;
    case KEY_DOWN:
    case 'j':
        if (st.sel + (size_t)gc < n)
            st.sel += (size_t)gc;
        return UI_HANDLED;
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (n)
            st.full = true;
        return UI_HANDLED;
    case 'p':
    case 'n':
        /* steering works on a chart opened full size, where its range shows */
        ui_message(a, false, "Enter opens the chart full size: its markers say what n narrows "
                             "to, p pins it there");
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}

/* The mouse steers the full-size chart (slice_steer.c); the grid of small
 * charts is driven by keys. */
static int mouse(ui_app *a, int what, int y, int x)
{
    return st.full ? ui_slice_steer_mouse(a, what, y, x) : UI_IGNORED;
}

ui_slice_state *ui_slice_state_get(void)
{
    return &st;
}

static void free_state(void)
{
    free(st.dropped);
    free(st.param);
    memset(&st, 0, sizeof st);
}

const ui_view ui_view_slice = {
    .name = "slice",
    .draw = draw,
    .key = key,
    .free = free_state,
    .mouse = mouse,
};
