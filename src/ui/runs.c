/*
 * runs — the mean curve the dashboard draws for a trial made of several
 * runs (`folds`, `repeats` in the sweep); how runs are numbered and named
 * is the store's (tt_run_label), where their folders are the study's
 * (tt_study_run_dir).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* ---- the mean curve ------------------------------------------------------- */

/* The newest attempt among the runs with points: a retried trial's runs
 * start over one by one, and the old attempt's curves are not its. */
static int ui_runs_attempt(const ui_series *const *runs, size_t n)
{
    int attempt = 0;
    for (size_t k = 0; k < n; k++)
        if (runs[k] && runs[k]->n > 0 && runs[k]->attempt > attempt)
            attempt = runs[k]->attempt;
    return attempt;
}

/* The run's value at step, from the first point at or after it (*at,
 * moved forward only): the point itself (its exact newest value for the
 * last one) or the line from the point before. False when the run has
 * not reached step (only when its steps went backwards: callers ask
 * within every run's range). */
static bool ui_run_value_at(const ui_series *s, long step, size_t *at, double *v)
{
    while (*at < s->n && s->pts[*at].step < step)
        (*at)++;
    size_t i = *at;
    if (i == s->n || (i == 0 && s->pts[0].step != step))
        return false;
    if (s->pts[i].step == step) {
        *v = i + 1 == s->n && step == s->last_step ? s->last : s->pts[i].value;
        return true;
    }
    double x0 = s->pts[i - 1].step, x1 = s->pts[i].step;
    double y0 = s->pts[i - 1].value, y1 = s->pts[i].value;
    *v = y0 + (y1 - y0) * ((double)step - x0) / (x1 - x0);
    return true;
}

/* The smallest step at or after the runs' cursors; *found is false when
 * every run is exhausted. */
static long ui_runs_next_step(const ui_series *const *use, size_t m, const size_t *head,
                              bool *found)
{
    long best = 0;
    *found = false;
    for (size_t k = 0; k < m; k++)
        if (head[k] < use[k]->n && (!*found || use[k]->pts[head[k]].step < best)) {
            best = use[k]->pts[head[k]].step;
            *found = true;
        }
    return best;
}

/* The mean at every step any run has a point for, from the latest first
 * step to the earliest last one: the steps every run has reached. */
static void ui_runs_merge(const ui_series *const *use, size_t m, int attempt, ui_series *out)
{
    long lo = use[0]->pts[0].step, hi = use[0]->pts[use[0]->n - 1].step;
    for (size_t k = 1; k < m; k++) {
        if (use[k]->pts[0].step > lo)
            lo = use[k]->pts[0].step;
        if (use[k]->pts[use[k]->n - 1].step < hi)
            hi = use[k]->pts[use[k]->n - 1].step;
    }
    size_t *head = tt_xcalloc(m, sizeof *head), *at = tt_xcalloc(m, sizeof *at);
    bool found;
    for (long step = ui_runs_next_step(use, m, head, &found); found && step <= hi;
         step = ui_runs_next_step(use, m, head, &found)) {
        if (step >= lo) {
            double sum = 0;
            size_t count = 0;
            for (size_t k = 0; k < m; k++) {
                double v;
                if (ui_run_value_at(use[k], step, &at[k], &v)) {
                    sum += v;  /* a NaN the run reported breaks the mean's line there */
                    count++;
                }
            }
            if (count)
                ui_series_add(out, attempt, step, sum / (double)count);
        }
        for (size_t k = 0; k < m; k++)
            while (head[k] < use[k]->n && use[k]->pts[head[k]].step == step)
                head[k]++;
    }
    free(head);
    free(at);
}

void ui_series_mean(const ui_series *const *runs, size_t n, ui_series *out)
{
    int attempt = ui_runs_attempt(runs, n);
    out->n = 0;
    out->stride = 1;
    out->skipped = 0;
    out->last = NAN;
    out->last_step = -1;
    if (attempt > out->attempt)
        out->attempt = attempt;
    const ui_series **use = tt_xcalloc(n + 1, sizeof *use);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (runs[k] && runs[k]->n > 0 && runs[k]->attempt == attempt)
            use[m++] = runs[k];
    if (m > 0)
        ui_runs_merge(use, m, out->attempt, out);
    free(use);
}
