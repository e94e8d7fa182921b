/*
 * plot_timeline — `tunetop plot DIR --kind timeline`: how the sweep used
 * its parallel slots over wall-clock time. Each trial is a horizontal bar
 * from its start to its end (to now while it runs), filled by how it
 * ended — '=' completed, '~' pruned, 'x' failed (or killed, timed out,
 * interrupted), '>' running — and, when the bar is wide enough, bracketed
 * and labelled with its number. The x axis is the time since the first
 * trial started.
 *
 * The study does not record which slot ran a trial, so slots are assigned
 * here, greedily: trials by start time, each to the lowest slot free by
 * then. That packs the bars into as few rows as the overlaps need (the
 * sweep's parallelism, when it kept its slots busy). Where a cell holds
 * several trials (a long study on a narrow chart) the most telling state
 * wins: running over failed over pruned over completed, so a failure is
 * never hidden by its neighbours.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plot.h"
#include "tunetop/util.h"

typedef struct bar {
    double start, end;
    long number;
    int prio;            /* index into fills: what a shared cell shows */
    size_t slot;
} bar;

static const char fills[] = {'=', '~', 'x', '>'};

static int prio_of(tt_trial_state s)
{
    switch (s) {
    case TT_TRIAL_COMPLETED:
        return 0;
    case TT_TRIAL_PRUNED:
        return 1;
    case TT_TRIAL_RUNNING:
        return 3;
    default:
        return 2;
    }
}

static int by_start(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->number > y->number) - (x->number < y->number);
}

/* Greedy slots (see the file comment, and chart.h's
 * tt_chart_assign_slots, which the dashboard's timeline shares); returns
 * how many. bars are sorted by start. */
static size_t assign_slots(bar *bars, size_t n)
{
    double *start = tt_xmalloc((n + 1) * sizeof *start), *end = tt_xmalloc((n + 1) * sizeof *end);
    size_t *order = tt_xmalloc((n + 1) * sizeof *order), *slot = tt_xmalloc((n + 1) * sizeof *slot);
    for (size_t i = 0; i < n; i++) {
        start[i] = bars[i].start;
        end[i] = bars[i].end;
        order[i] = i;
    }
    size_t n_slots = tt_chart_assign_slots(start, end, order, n, slot);
    for (size_t i = 0; i < n; i++)
        bars[i].slot = slot[i];
    free(start);
    free(end);
    free(order);
    free(slot);
    return n_slots;
}

int cli_plot_timeline(cli_plot *p)
{
    const cli_view *v = &p->view;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    bar *bars = tt_xmalloc((v->n_trials + 1) * sizeof *bars);
    size_t n = 0;
    size_t counts[4] = {0};
    for (size_t i = 0; i < v->n_trials; i++) {
        const tt_trial_record *r = &v->trials[i];
        if (!(r->started_at > 0) || r->state == TT_TRIAL_QUEUED)
            continue;
        double end = r->finished_at > 0 ? r->finished_at
                     : r->state == TT_TRIAL_RUNNING ? now : r->started_at;
        bars[n] = (bar){r->started_at, end < r->started_at ? r->started_at : end,
                        cli_view_number(v, r->number),
                        prio_of(r->state), 0};
        counts[bars[n].prio]++;
        n++;
    }
    if (n == 0) {
        free(bars);
        return cli_plot_fail("%s: no trial has started yet", p->dir);
    }
    qsort(bars, n, sizeof *bars, by_start);
    size_t n_slots = assign_slots(bars, n);
    double t0 = bars[0].start, t1 = t0;
    for (size_t i = 0; i < n; i++)
        t1 = fmax(t1, bars[i].end);
    double span = t1 - t0 > 0 ? t1 - t0 : 1;

    cli_plot_grid *g = p->grid;
    int cols = g->w - CLI_PLOT_LABEL_W, avail = g->h - 3;
    int rows = n_slots < (size_t)avail ? (int)n_slots : avail;
    /* per cell of the bar area: the most telling state (-1 blank) and the
     * bar it belongs to */
    size_t cells = (size_t)rows * (size_t)cols;
    signed char *state = tt_xmalloc(cells);
    size_t *owner = tt_xmalloc(cells * sizeof *owner);
    memset(state, -1, cells);
    for (size_t i = 0; i < n; i++) {
        int row = (int)((double)bars[i].slot * rows / (double)n_slots);
        int c0 = (int)floor((bars[i].start - t0) / span * (cols - 1) + 0.5);
        int c1 = (int)floor((bars[i].end - t0) / span * (cols - 1) + 0.5);
        for (int c = c0; c <= c1; c++) {
            size_t k = (size_t)row * (size_t)cols + (size_t)c;
            if (state[k] <= bars[i].prio) {
                state[k] = (signed char)bars[i].prio;
                owner[k] = i;
            }
        }
    }
    char one[2] = {0, 0};
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            size_t k = (size_t)r * (size_t)cols + (size_t)c;
            if (state[k] < 0)
                continue;
            one[0] = fills[(int)state[k]];
            cli_plot_grid_put(g, 1 + r, CLI_PLOT_LABEL_W + c, one, 1);
        }
    /* a bar of 3 cells or more that kept its ends: [ ] and its number */
    for (size_t i = 0; i < n; i++) {
        int row = (int)((double)bars[i].slot * rows / (double)n_slots);
        int c0 = (int)floor((bars[i].start - t0) / span * (cols - 1) + 0.5);
        int c1 = (int)floor((bars[i].end - t0) / span * (cols - 1) + 0.5);
        size_t k0 = (size_t)row * (size_t)cols + (size_t)c0;
        size_t k1 = (size_t)row * (size_t)cols + (size_t)c1;
        if (c1 - c0 < 2 || owner[k0] != i || owner[k1] != i)
            continue;
        cli_plot_grid_put(g, 1 + row, CLI_PLOT_LABEL_W + c0, "[", 1);
        cli_plot_grid_put(g, 1 + row, CLI_PLOT_LABEL_W + c1, "]", 1);
        char num[32];
        int len = snprintf(num, sizeof num, "#%ld", bars[i].number);
        if (len <= c1 - c0 - 1)
            cli_plot_grid_put(g, 1 + row, CLI_PLOT_LABEL_W + c0 + 1, num, len);
    }
    /* slot labels and the y axis */
    for (int r = 0; r < rows; r++) {
        size_t first = (size_t)ceil((double)r * (double)n_slots / rows);
        size_t last = (size_t)ceil((double)(r + 1) * (double)n_slots / rows) - 1;
        char label[32];
        if (first >= last)
            snprintf(label, sizeof label, "slot %zu", first + 1);
        else
            snprintf(label, sizeof label, "%zu-%zu", first + 1, last + 1);
        if (cli_plot_text_width(label) > CLI_PLOT_LABEL_W - 1)
            snprintf(label, sizeof label, "%zu", first + 1);
        int w = cli_plot_text_width(label);
        cli_plot_grid_put(g, 1 + r, CLI_PLOT_LABEL_W - 1 - w, label, w);
        cli_plot_grid_put(g, 1 + r, CLI_PLOT_LABEL_W - 1, p->utf8 ? "│" : "|", 1);
    }
    /* the title is the legend: with the counts when they fit */
    char title[512], dur[32];
    cli_plot_format_seconds(t1 - t0, dur, sizeof dur);
    snprintf(title, sizeof title,
             "%zu trials in %zu slot%s over %s: = completed %zu, ~ pruned %zu, x failed %zu, "
             "> running %zu",
             n, n_slots, n_slots == 1 ? "" : "s", dur, counts[0], counts[1], counts[2],
             counts[3]);
    if (cli_plot_text_width(title) > g->w)
        snprintf(title, sizeof title, "%zu trials, %zu slot%s: = completed ~ pruned x failed "
                 "> running", n, n_slots, n_slots == 1 ? "" : "s");
    cli_plot_grid_put(g, 0, 0, title, -1);
    /* the time axis: a canvas as wide as the bars, one dot per cell */
    tt_canvas *c = tt_canvas_new(cols, 1, false);
    tt_chart_axes axes = {0, span, 0, 1, false};
    cli_plot_xaxis xa = {CLI_PLOT_X_SECONDS, "time since the first trial started", NULL, 0};
    cli_plot_x_axis(p, 1 + rows, c, &axes, &xa);
    p->rows_used = rows + 3;
    tt_canvas_free(c);
    free(state);
    free(owner);
    free(bars);
    return CLI_EXIT_OK;
}
