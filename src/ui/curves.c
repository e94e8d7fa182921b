/*
 * curves — live learning curves: the chosen metric against step for the
 * running trials (one colour each), the best completed trials (the best
 * one highlighted, drawn on top), the trial selected in a list, and the
 * few most recently ended others dimmed for context (pruned ones among
 * them). `m`/`M` pick the metric, `l` a log scale, `z` zooms to the most
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

static long selected_trial(const ui_app *a)
{
    if (a->focus == UI_PANEL_TRIALS && a->trials.sel < a->n_rows)
        return a->rows[a->trials.sel];
    return 0;
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
    long sel = selected_trial(a);
    if (sel)
        add(picks, &np, sel, ui_trial_slot(sel) , 3);

    tt_chart_series series[MAX_CURVES];
    double *buf[MAX_CURVES][2];
    size_t ns = 0;
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
    int x0 = getbegx(w) > 0 ? 1 : 0;
    ui_plot_draw(a, w, 1, x0, h - 1, wd - x0, series, ns, &opts, "step");
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
