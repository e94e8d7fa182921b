/*
 * curves — live learning curves: the chosen metric against step for the
 * running trials (one colour each), the best completed trials (the best
 * one highlighted), the trial selected in a list (on top of all, its
 * number at the end of its curve), and the few most recently ended others
 * dimmed for context (pruned ones among them); a legend under the chart
 * says which colour is which. `m`/`M` pick the metric, `l` a log scale, `z` zooms to the most
 * recent steps. The series come from the model (decimated, bounded); the
 * drawing is chart.c's braille or ASCII canvas.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plot.h"

#define MAX_CURVES 24
#define N_BEST 3
#define N_RECENT 8

typedef struct pick {
    long number;
    int color, layer;
} pick;

int ui_curves_metric(const ui_app *a)
{
    if (a->curves_metric >= 0 && (size_t)a->curves_metric < a->model.n_metric_names)
        return a->curves_metric;
    return ui_model_metric_id(&a->model, a->model.study.metric);
}

static void add(pick *p, size_t *n, long number, int color, int layer)
{
    for (size_t i = 0; i < *n; i++)
        if (p[i].number == number) {
            if (layer > p[i].layer) {
                p[i].color = color;
                p[i].layer = layer;
            }
            return;
        }
    if (*n < MAX_CURVES)
        p[(*n)++] = (pick){number, color, layer};
}

long ui_selected_trial(ui_app *a)
{
    if (a->focus == UI_PANEL_BEST) {
        size_t total = 0;
        const long *ranked = ui_model_ranking(&a->model, &total);
        return a->best.sel < total ? ranked[a->best.sel] : 0;
    }
    if (a->trials.sel < a->n_rows)
        return a->rows[a->trials.sel];
    return 0;
}

/* The legend under the chart, in the curves' colours: which is the best
 * trial, which are running, which ended; the selected one is labelled at
 * the end of its curve. Shorter forms when the row is narrow. */
static void draw_legend(ui_app *a, WINDOW *w, int y, int x, int width, long sel)
{
    char selected[32] = "";
    if (sel)
        snprintf(selected, sizeof selected, "#%ld selected", ui_model_shown(&a->model, sel));
    const char *dash = a->utf8 ? "━" : "-";
    struct { const char *text; unsigned attr; } items[] = {
        {"best", ui_plot_attr(a, UI_PLOT_BEST)},
        {"running", ui_plot_attr(a, ui_trial_slot(1))},
        {"ended", ui_plot_attr(a, UI_PLOT_DIM)},
        {selected, ui_plot_attr(a, UI_PLOT_SELECT)},
    };
    int need = 0;
    for (size_t i = 0; i < 4; i++)
        if (items[i].text[0])
            need += 4 + ui_text_width(items[i].text);
    if (need > width && sel) {
        /* the selected trial's number is at the end of its curve anyway */
        need -= 4 + ui_text_width(selected);
        selected[0] = '\0';
    }
    if (need > width)
        return;
    int at = x + (width - need) / 2;
    for (size_t i = 0; i < 4; i++) {
        if (!items[i].text[0])
            continue;
        wattrset(w, items[i].attr);
        at += ui_put(w, y, at, dash, 1, false);
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        at += ui_put(w, y, at, " ", 1, false);
        at += ui_put(w, y, at, items[i].text, width, false);
        at += ui_put(w, y, at, " ", 1, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* "#N" right of the last point of the selected trial's curve. */
static void label_end(ui_app *a, WINDOW *w, int y, int x, const tt_canvas *c,
                      const tt_chart_axes *ax, double px, double py, long sel)
{
    if (!isfinite(px) || !isfinite(py) || (ax->log_y && py <= 0) || !(ax->x_max > ax->x_min))
        return;
    double t = ax->log_y ? log10(py) : py;
    double t0 = ax->log_y ? log10(ax->y_min) : ax->y_min, t1 = ax->log_y ? log10(ax->y_max)
                                                                          : ax->y_max;
    if (!(t1 > t0) || px < ax->x_min || px > ax->x_max || t < t0 || t > t1)
        return;
    int dw = tt_canvas_width(c) / tt_canvas_cols(c), dh = tt_canvas_height(c) / tt_canvas_rows(c);
    int dx = (int)((px - ax->x_min) / (ax->x_max - ax->x_min) * (tt_canvas_width(c) - 1) + 0.5);
    int dy = (int)((1 - (t - t0) / (t1 - t0)) * (tt_canvas_height(c) - 1) + 0.5);
    int col = dx / dw + 1, row = dy / dh;
    char num[24];
    int n = snprintf(num, sizeof num, "#%ld", ui_model_shown(&a->model, sel));
    if (col + n > tt_canvas_cols(c))
        col = tt_canvas_cols(c) - n;
    if (col < 0)
        return;
    wattrset(w, ui_plot_attr(a, UI_PLOT_SELECT));
    ui_put(w, y + row, x + UI_PLOT_LABEL_W + col, num, n, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_curves_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    int id = ui_curves_metric(a);
    const char *name = id >= 0 ? m->metric_names[id] : m->study.metric;
    char right[128];
    snprintf(right, sizeof right, "%s%s%s", name, a->curves_log ? " · log" : "",
             a->curves_zoom ? " · recent" : "");
    bool focused = a->focus == UI_PANEL_CURVES && a->overlay == UI_OVERLAY_NONE;
    ui_draw_title(a, w, "Curves", right, focused);
    int h = getmaxy(w), wd = getmaxx(w);
    if (id < 0) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, h / 2, 2, "no metric reported yet", wd - 4, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }

    pick picks[MAX_CURVES];
    size_t np = 0;
    size_t nr = 0;
    const long *ranked = ui_model_ranking(&a->model, &nr);
    if (nr > N_BEST)
        nr = N_BEST;
    /* recent finished trials, dimmed */
    size_t recent = 0;
    for (size_t i = m->n_trials; i > 0 && recent < N_RECENT; i--) {
        const tt_trial_record *r = &m->trials[i - 1].rec;
        if (r->number && r->state != TT_TRIAL_RUNNING && r->state != TT_TRIAL_QUEUED) {
            add(picks, &np, r->number, UI_PLOT_DIM, 0);
            recent++;
        }
    }
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && r->state == TT_TRIAL_RUNNING)
            add(picks, &np, r->number, ui_trial_slot(r->number), 2);
    }
    for (size_t i = nr; i > 0; i--)
        add(picks, &np, ranked[i - 1], i == 1 ? UI_PLOT_BEST : ui_trial_slot(ranked[i - 1]),
            i == 1 ? 4 : 1);
    /* the selected trial on top of everything, the best included */
    long sel = ui_selected_trial(a);
    if (sel)
        add(picks, &np, sel, UI_PLOT_SELECT, 5);

    tt_chart_series series[MAX_CURVES];
    double *buf[MAX_CURVES][2];
    size_t ns = 0;
    double sel_x = NAN, sel_y = NAN;
    double x_max = -INFINITY, x_min = INFINITY;
    for (size_t i = 0; i < np; i++) {
        const ui_series *s = ui_model_series(&a->model, picks[i].number, id);
        if (!s)
            continue;
        double *x = tt_xmalloc(s->n * sizeof *x), *y = tt_xmalloc(s->n * sizeof *y);
        for (size_t k = 0; k < s->n; k++) {
            x[k] = s->pts[k].step;
            y[k] = s->pts[k].value;
        }
        if (s->n) {
            /* the newest value is exact even when the series is decimated */
            y[s->n - 1] = s->last;
            if (x[0] < x_min)
                x_min = x[0];
            if (x[s->n - 1] > x_max)
                x_max = x[s->n - 1];
            if (picks[i].number == sel) {
                sel_x = x[s->n - 1];
                sel_y = y[s->n - 1];
            }
        }
        buf[ns][0] = x;
        buf[ns][1] = y;
        series[ns] = (tt_chart_series){x, y, s->n, picks[i].color, picks[i].layer};
        ns++;
    }
    tt_chart_opts opts = {a->curves_log, NAN, NAN, NAN, NAN};
    if (a->curves_zoom && isfinite(x_max) && x_max > x_min) {
        double span = x_max - x_min;
        double keep = span * 0.25 > 10 ? span * 0.25 : 10;
        if (keep < span)
            opts.x_min = x_max - keep;
    }
    int x0 = getbegx(w) > 0 ? 1 : 0, cols, rows;
    if (ui_plot_canvas_size(h - 1, wd - x0, &cols, &rows)) {
        tt_canvas *c = tt_canvas_new(cols, rows, a->braille);
        tt_chart_axes axes;
        if (tt_chart_plot(c, series, ns, &opts, &axes)) {
            ui_plot_show(a, w, 1, x0, c, &axes, NULL);
            if (sel)
                label_end(a, w, 1, x0, c, &axes, sel_x, sel_y, sel);
            /* between the x range's two labels */
            char lo[16], hi[16];
            tt_chart_format_tick(axes.x_min, lo, sizeof lo);
            tt_chart_format_tick(axes.x_max, hi, sizeof hi);
            int lw = ui_text_width(lo) + 1, hw = ui_text_width(hi) + 1;
            draw_legend(a, w, 1 + rows, x0 + UI_PLOT_LABEL_W + lw, cols - lw - hw, sel);
        } else {
            ui_plot_no_data(a, w, 1, x0, h - 1, wd - x0);
        }
        tt_canvas_free(c);
    }
    for (size_t i = 0; i < ns; i++) {
        free(buf[i][0]);
        free(buf[i][1]);
    }
}

int ui_curves_key(ui_app *a, int key)
{
    size_t n = a->model.n_metric_names;
    switch (key) {
    case 'm':
    case 'M':
        if (n == 0)
            return UI_HANDLED;
        {
            int id = ui_curves_metric(a);
            if (id < 0)
                id = 0;
            else
                id = (int)(((size_t)id + (key == 'm' ? 1 : n - 1)) % n);
            a->curves_metric = id;
            ui_message(a, false, "curves: %s", a->model.metric_names[id]);
        }
        return UI_HANDLED | UI_REDRAW;
    case 'l':
        a->curves_log = !a->curves_log;
        return UI_HANDLED | UI_REDRAW;
    case 'z':
        a->curves_zoom = !a->curves_zoom;
        return UI_HANDLED | UI_REDRAW;
    case KEY_LEFT:
    case 'h':
    case KEY_RIGHT:
        return UI_IGNORED;
    default:
        return UI_IGNORED;
    }
}
