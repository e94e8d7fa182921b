/*
 * history — the optimisation history: the objective of each completed
 * trial against its number, and the best-so-far staircase on top. `l`
 * toggles a log scale (values ≤ 0 are then left out).
 *
 * Two pictures, by how crowded the chart is:
 *   dots  each trial's value a dim dot, while there are at most
 *         UI_HISTORY_BAND_RATIO trials per dot column on average;
 *   band  past that, per dot column (a bucket of consecutive trial
 *         numbers) the range from the 10th to the 90th percentile of its
 *         values shaded, their median as a line, the staircase on top and
 *         the overall best marked: 100,000 dots would be a solid block.
 *
 * Everything drawn is cached (ui_history_cache): the completed trials'
 * numbers and values are read from the model only when completed_gen
 * moves, and the dots or the band are rebuilt from them only when that
 * or the chart's width in dots or the scale changed. A frame with nothing
 * new (a running trial's step, a key elsewhere) costs a chart of a few
 * hundred points, not a walk over every trial.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plot.h"

/* Completed trials per dot column, on average, above which the dots give
 * way to the band (320 trials at 120×40, whose chart is 40 dots wide; 640
 * at 200×60). Eight is where both pictures turn: a chart is 24 (80×24) to
 * 80 (200×60) dots high and a tuning run's values crowd into a small part
 * of that range, so past eight points a column they overlap there and the
 * dots read as a smear; below eight, a column's 10th and 90th percentiles
 * would be little more than interpolation between its two lowest and two
 * highest values, a band as ragged as the dots it replaced. */
#define UI_HISTORY_BAND_RATIO 8

/* The band: the 10th and 90th percentiles, and the median. */
static const double band_q[3] = {0.1, 0.5, 0.9};

typedef struct ui_history_cache {
    /* The completed trials with a finite value, in trial order, and the
     * best so far at each; read when completed_gen moved. */
    bool have_points;
    unsigned points_gen;
    double *x, *y, *best;
    size_t n, cap;
    size_t best_at;        /* index of the best; n when none */

    /* What is drawn of them, for a chart width (in dots) and scale. */
    bool have_view;
    int width;
    bool log;
    bool banded;
    /* dots: a one-point series per plottable trial, then the staircase */
    tt_chart_series *dots;
    size_t n_dots;
    /* band: per dot column the quantiles, the median and staircase as
     * lines (columns without trials left out, so the lines join across) */
    double x_min, x_max;
    double *lo, *mid, *hi;
    double *median_x, *median_y, *stair_x, *stair_y;
    size_t n_median, n_stair;
} ui_history_cache;

static ui_history_cache *cache_of(ui_app *a)
{
    if (!a->history_cache)
        a->history_cache = tt_xcalloc(1, sizeof *a->history_cache);
    return a->history_cache;
}

static void view_free(ui_history_cache *h)
{
    free(h->dots);
    free(h->lo);
    free(h->mid);
    free(h->hi);
    free(h->median_x);
    free(h->median_y);
    free(h->stair_x);
    free(h->stair_y);
    h->dots = NULL;
    h->lo = h->mid = h->hi = NULL;
    h->median_x = h->median_y = h->stair_x = h->stair_y = NULL;
    h->n_dots = h->n_median = h->n_stair = 0;
    h->have_view = false;
}

void ui_history_free(ui_app *a)
{
    ui_history_cache *h = a->history_cache;
    if (!h)
        return;
    view_free(h);
    free(h->x);
    free(h->y);
    free(h->best);
    free(h);
    a->history_cache = NULL;
}

/* Read the completed trials again when they changed (the model bumps
 * completed_gen when one completes or its value changes). */
static void points_update(ui_history_cache *h, const ui_model *m)
{
    if (h->have_points && h->points_gen == m->completed_gen)
        return;
    if (m->n_trials > h->cap) {
        h->cap = m->n_trials;
        h->x = tt_xrealloc(h->x, h->cap * sizeof *h->x);
        h->y = tt_xrealloc(h->y, h->cap * sizeof *h->y);
        h->best = tt_xrealloc(h->best, h->cap * sizeof *h->best);
    }
    h->n = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && r->state == TT_TRIAL_COMPLETED && isfinite(r->value)) {
            h->x[h->n] = (double)r->number;
            h->y[h->n] = r->value;
            h->n++;
        }
    }
    h->best_at = tt_chart_best_so_far(h->y, h->n, m->study.goal != TT_GOAL_MAXIMIZE, h->best);
    h->have_points = true;
    h->points_gen = m->completed_gen;
    view_free(h); /* the view points into the arrays */
}

/* Trials the chart can show: all, or on a log scale those above 0. */
static size_t plottable(const ui_history_cache *h, bool log)
{
    if (!log)
        return h->n;
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += h->y[i] > 0.0;
    return n;
}

/* Each trial's value as a lone dot (one one-point series each: a line
 * between unrelated trials would mislead), the staircase on top. */
static void dots_build(ui_history_cache *h)
{
    h->dots = tt_xmalloc((h->n + 1) * sizeof *h->dots);
    h->n_dots = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!h->log || h->y[i] > 0.0)
            h->dots[h->n_dots++] = (tt_chart_series){&h->x[i], &h->y[i], 1, UI_PLOT_DIM, 0};
    h->dots[h->n_dots] = (tt_chart_series){h->x, h->best, h->n, UI_PLOT_BEST, 1};
}

/* The x of dot column k: where tt_chart_plot puts it, so that a line's
 * point given there lands in column k. */
static double column_x(const ui_history_cache *h, int k)
{
    return h->x_min + (h->x_max - h->x_min) * k / (h->width - 1);
}

/* The median of each column as a line through the columns that have one. */
static void median_build(ui_history_cache *h)
{
    h->median_x = tt_xmalloc((size_t)h->width * sizeof *h->median_x);
    h->median_y = tt_xmalloc((size_t)h->width * sizeof *h->median_y);
    h->n_median = 0;
    for (int k = 0; k < h->width; k++)
        if (!isnan(h->mid[k])) {
            h->median_x[h->n_median] = column_x(h, k);
            h->median_y[h->n_median++] = h->mid[k];
        }
}

/* The staircase with two points per dot column: its value at the first
 * and at the last trial of the column. The staircase only ever moves
 * towards the best, so those are its extremes there (quantiles 0 and 1),
 * and a line through them sets exactly the dots that all n points would:
 * tt_chart_plot draws a column's points as one stroke from its lowest to
 * its highest, joined to the next column's first point. */
static void stair_build(ui_history_cache *h, bool minimize)
{
    int w = h->width;
    double *lowest = tt_xmalloc((size_t)w * sizeof *lowest);
    double *highest = tt_xmalloc((size_t)w * sizeof *highest);
    const double ends[2] = {0.0, 1.0};
    double *out[2] = {lowest, highest};
    tt_chart_series stair = {h->x, h->best, h->n, 0, 0};
    tt_chart_opts range = {h->log, h->x_min, h->x_max, NAN, NAN};
    tt_chart_column_quantiles(&stair, &range, w, ends, 2, out);
    h->stair_x = tt_xmalloc(2 * (size_t)w * sizeof *h->stair_x);
    h->stair_y = tt_xmalloc(2 * (size_t)w * sizeof *h->stair_y);
    h->n_stair = 0;
    for (int k = 0; k < w; k++) {
        if (isnan(lowest[k]))
            continue;
        double first = minimize ? highest[k] : lowest[k], last = minimize ? lowest[k] : highest[k];
        h->stair_x[h->n_stair] = h->stair_x[h->n_stair + 1] = column_x(h, k);
        h->stair_y[h->n_stair++] = first;
        h->stair_y[h->n_stair++] = last;
    }
    free(lowest);
    free(highest);
}

/* The band over the trials' whole range of numbers. */
static void band_build(ui_history_cache *h, bool minimize)
{
    h->x_min = h->x[0];
    h->x_max = h->x[h->n - 1];
    size_t w = (size_t)h->width;
    h->lo = tt_xmalloc(w * sizeof *h->lo);
    h->mid = tt_xmalloc(w * sizeof *h->mid);
    h->hi = tt_xmalloc(w * sizeof *h->hi);
    double *out[3] = {h->lo, h->mid, h->hi};
    tt_chart_series pts = {h->x, h->y, h->n, 0, 0};
    tt_chart_opts range = {h->log, h->x_min, h->x_max, NAN, NAN};
    tt_chart_column_quantiles(&pts, &range, h->width, band_q, 3, out);
    median_build(h);
    stair_build(h, minimize);
}

/* Rebuild what is drawn when the trials, the width or the scale changed. */
static void view_update(ui_history_cache *h, int width, bool log, bool minimize)
{
    if (h->have_view && h->width == width && h->log == log)
        return;
    view_free(h);
    h->width = width;
    h->log = log;
    /* several trials to a column and distinct trial numbers: x_max > x_min */
    h->banded = width > 1 && plottable(h, log) > (size_t)UI_HISTORY_BAND_RATIO * (size_t)width;
    if (h->banded)
        band_build(h, minimize);
    else
        dots_build(h);
    h->have_view = true;
}

/* Dots: "val_loss by trial · log", else "val_loss log" (as ever). Band:
 * "val_loss by trial · 10–90% band · log", shortened to fit the panel (30
 * columns at 120×40, 50 at 200×60) down to "val_loss · 10–90% band · log",
 * "val_loss 10–90% log" and last the metric and the scale the user chose,
 * "val_loss log"; each beside "History" or, failing that, "Hist.". */
static void draw_title(ui_app *a, WINDOW *w, bool banded, bool focused)
{
    const char *metric = a->model.study.metric, *dash = a->utf8 ? "–" : "-";
    const char *log = a->history_log ? " · log" : "", *short_log = a->history_log ? " log" : "";
    char forms[4][128];
    snprintf(forms[0], sizeof forms[0], "%s by trial%s", metric, log);
    snprintf(forms[3], sizeof forms[3], "%s%s", metric, short_log);
    if (!banded) {
        ui_draw_title_fit(a, w, "History", "Hist.", forms[0], forms[3], focused);
        return;
    }
    snprintf(forms[0], sizeof forms[0], "%s by trial · 10%s90%% band%s", metric, dash, log);
    snprintf(forms[1], sizeof forms[1], "%s · 10%s90%% band%s", metric, dash, log);
    snprintf(forms[2], sizeof forms[2], "%s 10%s90%%%s", metric, dash, short_log);
    const char *rights[4] = {forms[0], forms[1], forms[2], forms[3]};
    ui_draw_title_forms(a, w, "History", "Hist.", rights, 4, focused);
}

/* The band, the median and the staircase on c, the best trial marked. */
static size_t plot_band(const ui_history_cache *h, tt_canvas *c, tt_chart_axes *axes)
{
    tt_chart_band band = {h->lo, h->hi, (size_t)h->width, UI_PLOT_DIM};
    tt_chart_series s[2] = {
        {h->median_x, h->median_y, h->n_median, UI_PLOT_AXIS, 0},
        {h->stair_x, h->stair_y, h->n_stair, UI_PLOT_BEST, 1},
    };
    tt_chart_opts opts = {h->log, h->x_min, h->x_max, NAN, NAN};
    size_t plotted = tt_chart_plot_band(c, &band, s, 2, &opts, axes);
    if (plotted && h->best_at < h->n)
        tt_chart_mark(c, axes, h->x[h->best_at], h->y[h->best_at], UI_PLOT_BEST);
    return plotted;
}

static size_t plot_dots(const ui_history_cache *h, tt_canvas *c, tt_chart_axes *axes)
{
    tt_chart_opts opts = {h->log, NAN, NAN, NAN, NAN};
    return tt_chart_plot(c, h->dots, h->n_dots + 1, &opts, axes);
}

void ui_history_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    bool focused = a->focus == UI_PANEL_HISTORY && a->overlay == UI_OVERLAY_NONE;
    int x0 = getbegx(w) > 0 ? 1 : 0, ph = getmaxy(w) - 1, pw = getmaxx(w) - x0;
    int cols, rows;
    if (!ui_plot_canvas_size(ph, pw, &cols, &rows)) {
        draw_title(a, w, false, focused);
        return;
    }
    tt_canvas *c = tt_canvas_new(cols, rows, a->braille);
    ui_history_cache *h = cache_of(a);
    points_update(h, m);
    view_update(h, tt_canvas_width(c), a->history_log, m->study.goal != TT_GOAL_MAXIMIZE);
    draw_title(a, w, h->banded, focused);
    tt_chart_axes axes;
    size_t plotted = h->banded ? plot_band(h, c, &axes) : plot_dots(h, c, &axes);
    /* the trial selected in a list, where it lies among the others */
    long sel = ui_selected_trial(a);
    const ui_trial *st = sel && sel != m->best ? ui_model_trial(m, sel) : NULL;
    if (plotted && st && st->rec.state == TT_TRIAL_COMPLETED)
        tt_chart_mark(c, &axes, (double)sel, st->rec.value, UI_PLOT_SELECT);
    if (plotted)
        ui_plot_show(a, w, 1, x0, c, &axes, "trial");
    else
        ui_plot_no_data(a, w, 1, x0, ph, pw);
    tt_canvas_free(c);
}

int ui_history_key(ui_app *a, int key)
{
    if (key == 'l') {
        a->history_log = !a->history_log;
        return UI_HANDLED | UI_REDRAW;
    }
    return UI_IGNORED;
}
