/*
 * plot_history — `tunetop plot DIR --kind history`: the objective of each
 * completed trial against its number, and the best-so-far staircase on
 * top, as the dashboard's History panel draws them (src/ui/history.c); the
 * best trial is marked '*'.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot.h"
#include "tunetop/util.h"

int cli_plot_history(cli_plot *p)
{
    const cli_view *v = &p->view;
    size_t n = 0;
    double *x = tt_xmalloc((v->n_trials + 1) * sizeof *x);
    double *y = tt_xmalloc((v->n_trials + 1) * sizeof *y);
    double *best = tt_xmalloc((v->n_trials + 1) * sizeof *best);
    for (size_t i = 0; i < v->n_trials; i++) {
        const tt_trial_record *r = &v->trials[i];
        if (r->state == TT_TRIAL_COMPLETED && isfinite(r->value)) {
            x[n] = (double)cli_view_number(v, r->number); /* as the user knows it */
            y[n] = r->value;
            n++;
        }
    }
    int rc = CLI_EXIT_OK;
    if (n == 0) {
        rc = cli_plot_fail("%s: no completed trial with a value yet", p->dir);
        goto out;
    }
    bool minimize = v->study.goal != TT_GOAL_MAXIMIZE;
    size_t b = tt_chart_best_so_far(y, n, minimize, best);
    /* each trial a lone dot (a line between unrelated trials would
     * mislead), the staircase over them */
    tt_chart_series *s = tt_xmalloc((n + 1) * sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = (tt_chart_series){&x[i], &y[i], 1, 0, 0};
    s[n] = (tt_chart_series){x, best, n, 1, 1};
    int rows = p->grid->h;
    tt_canvas *c = cli_plot_canvas(p, rows);
    tt_chart_axes axes;
    tt_chart_plot(c, s, n + 1, NULL, &axes);
    tt_canvas *mark = cli_plot_mark(c, &axes, x[b], y[b]);
    char title[512];
    snprintf(title, sizeof title, "%s (%s) by trial: %zu completed, best #%.0f = %.4g (*)",
             v->study.metric, tt_goal_name(v->study.goal), n, x[b], y[b]);
    cli_plot_xaxis xa = {CLI_PLOT_X_LINEAR, "trial", NULL, 0};
    cli_plot_frame(p, 0, title, c, mark, &axes, &xa);
    p->rows_used = rows;
    tt_canvas_free(mark);
    tt_canvas_free(c);
    free(s);
out:
    free(x);
    free(y);
    free(best);
    return rc;
}
