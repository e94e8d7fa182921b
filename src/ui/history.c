/*
 * history — the optimisation history: the objective of each completed
 * trial against its number (dim dots), and the best-so-far staircase on
 * top. `l` toggles a log scale.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "plot.h"

void ui_history_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    bool focused = a->focus == UI_PANEL_HISTORY && a->overlay == UI_OVERLAY_NONE;
    char right[96], short_right[80];
    const char *metric = m->study.metric;
    snprintf(right, sizeof right, "%s by trial%s", metric, a->history_log ? " · log" : "");
    snprintf(short_right, sizeof short_right, "%s%s", metric, a->history_log ? " log" : "");
    ui_draw_title_fit(a, w, "History", "Hist.", right, short_right, focused);
    size_t n = 0;
    double *x = tt_xmalloc((m->n_trials + 1) * sizeof *x);
    double *y = tt_xmalloc((m->n_trials + 1) * sizeof *y);
    double *best = tt_xmalloc((m->n_trials + 1) * sizeof *best);
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && r->state == TT_TRIAL_COMPLETED && isfinite(r->value)) {
            x[n] = (double)r->number;
            y[n] = r->value;
            n++;
        }
    }
    tt_chart_best_so_far(y, n, m->study.goal != TT_GOAL_MAXIMIZE, best);
    /* each trial's value as a lone dot (one one-point series each: a line
     * between unrelated trials would mislead), the staircase on top */
    tt_chart_series *s = tt_xmalloc((n + 1) * sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = (tt_chart_series){&x[i], &y[i], 1, UI_PLOT_DIM, 0};
    s[n] = (tt_chart_series){x, best, n, UI_PLOT_BEST, 1};
    tt_chart_opts opts = {a->history_log, NAN, NAN, NAN, NAN};
    int x0 = getbegx(w) > 0 ? 1 : 0;
    ui_plot_draw(a, w, 1, x0, getmaxy(w) - 1, getmaxx(w) - x0, s, n + 1, &opts, "trial");
    free(s);
    free(x);
    free(y);
    free(best);
}

int ui_history_key(ui_app *a, int key)
{
    if (key == 'l') {
        a->history_log = !a->history_log;
        return UI_HANDLED | UI_REDRAW;
    }
    return UI_IGNORED;
}
