/*
 * detail_runs — the part of a trial's detail view that only a trial of
 * several runs (`folds`, `repeats`) has: a chart of the curves' metric
 * with each run's curve dim and their mean bold on top (the mean the
 * other panels draw for the trial, from runs.c), and a table of the runs
 * of the current attempt: fold, repeat, state, value, and why a run that
 * did not complete ended.
 *
 * Both come from the store, not the model: the model drops the runs of a
 * trial once it has ended (their mean is final), and one trial's points
 * are a cheap indexed read. Points are read incrementally by rowid, at
 * most POINTS_PER_POLL per poll so a long trial's first read never stalls
 * the dashboard; the runs' rows are read again only when the trial's row
 * changed (every change to a run bumps its trial's seq).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plot.h"

#define POINTS_PER_POLL 100000
#define TABLE_MIN_W 30
#define CHART_MIN_W 30
#define CHART_MIN_H 6
#define SECTION_MAX_H 14

struct ui_detail_runs {
    long trial;
    int folds, repeats, n;  /* n: the runs the trial is made of */
    int attempt;
    tt_run_record *rows;    /* the started runs of the attempt, by run */
    size_t n_rows;
    long rows_seq;          /* the trial's seq when rows were read; -1 = never */
    char *metric;           /* whose curves are read */
    ui_series *curves;      /* per run (n of them) */
    int64_t last_rowid;
};

ui_detail_runs *ui_detail_runs_new(void)
{
    ui_detail_runs *r = tt_xcalloc(1, sizeof *r);
    r->rows_seq = -1;
    return r;
}

static void runs_curves_free(ui_detail_runs *r)
{
    for (int i = 0; r->curves && i < r->n; i++)
        ui_series_free(&r->curves[i]);
    free(r->curves);
    r->curves = NULL;
    r->last_rowid = 0;
}

void ui_detail_runs_free(ui_detail_runs *r)
{
    if (!r)
        return;
    runs_curves_free(r);
    tt_run_records_free(r->rows, r->n_rows);
    free(r->metric);
    free(r);
}

/* Start over for trial rec with the chart's metric: another trial, other
 * runs, or m/M picked another metric. */
static void runs_reset(ui_detail_runs *r, const tt_trial_record *rec, const char *metric)
{
    runs_curves_free(r);
    tt_run_records_free(r->rows, r->n_rows);
    r->rows = NULL;
    r->n_rows = 0;
    r->rows_seq = -1;
    r->trial = rec->number;
    r->folds = rec->folds;
    r->repeats = rec->repeats;
    r->n = tt_runs_count(rec->folds, rec->repeats);
    r->curves = tt_xcalloc((size_t)r->n, sizeof *r->curves);
    free(r->metric);
    r->metric = tt_xstrdup(metric);
}

static const char *chart_metric(const ui_app *a)
{
    int id = ui_curves_metric(a);
    return id >= 0 ? a->model.metric_names[id] : a->model.study.metric;
}

typedef struct point_ctx {
    ui_detail_runs *r;
    size_t seen;
    bool added;
} point_ctx;

static int on_point(const tt_metric_point *p, void *ud)
{
    point_ctx *c = ud;
    ui_detail_runs *r = c->r;
    r->last_rowid = p->rowid;
    if (p->attempt >= r->attempt && p->run >= 0 && p->run < r->n &&
        strcmp(p->name, r->metric) == 0) {
        ui_series_add(&r->curves[p->run], p->attempt, p->step, p->value);
        c->added = true;
    }
    return ++c->seen >= POINTS_PER_POLL;
}

static bool runs_read_rows(ui_app *a, ui_detail_runs *r, const tt_trial_record *rec)
{
    if (rec->seq == r->rows_seq && rec->attempt == r->attempt)
        return false;
    tt_run_record *rows = NULL;
    size_t n = 0;
    if (tt_store_runs_of(a->model.study.store, rec->number, rec->attempt, &rows, &n, NULL) < 0)
        return false;
    tt_run_records_free(r->rows, r->n_rows);
    r->rows = rows;
    r->n_rows = n;
    r->rows_seq = rec->seq;
    r->attempt = rec->attempt;
    return true;
}

bool ui_detail_runs_poll(ui_app *a, ui_detail_runs *r, const tt_trial_record *rec)
{
    const char *metric = chart_metric(a);
    bool changed = false;
    if (r->trial != rec->number || r->folds != rec->folds || r->repeats != rec->repeats ||
        !r->metric || strcmp(r->metric, metric) != 0) {
        runs_reset(r, rec, metric);
        changed = true;
    }
    changed |= runs_read_rows(a, r, rec);
    point_ctx c = {.r = r};
    tt_store_metrics_since(a->model.study.store, r->last_rowid, rec->number, on_point, &c, NULL);
    return changed || c.added;
}

/* ---- the table ------------------------------------------------------------ */

/* The stored row of run i, NULL while it has not started. */
static const tt_run_record *run_row(const ui_detail_runs *r, int i)
{
    for (size_t k = 0; k < r->n_rows; k++)
        if (r->rows[k].run == i)
            return &r->rows[k];
    return NULL;
}

/* One run's cells; why: how a run that did not complete ended. */
typedef struct run_text {
    char fold[16], repeat[16], state[16], value[32];
    const char *why;
} run_text;

static void run_text_of(const ui_detail_runs *r, int i, run_text *t)
{
    const tt_run_record *row = run_row(r, i);
    snprintf(t->fold, sizeof t->fold, "%d", tt_run_fold(r->folds, r->repeats, i));
    snprintf(t->repeat, sizeof t->repeat, "%d", tt_run_repeat(r->folds, r->repeats, i));
    snprintf(t->state, sizeof t->state, "%s", row ? tt_trial_state_name(row->state) : "waiting");
    ui_format_value(row ? row->value : NAN, t->value, sizeof t->value);
    bool explain = row && row->state != TT_TRIAL_COMPLETED && row->state != TT_TRIAL_RUNNING;
    t->why = explain ? row->reason : NULL;
}

static const run_text table_head = {"fold", "repeat", "state", "value", NULL};

/* Widths of the state and value columns: the longest shown, so the
 * reasons keep as much room as they can. */
typedef struct run_cols {
    int state, value;
} run_cols;

static run_cols table_cols(const ui_detail_runs *r)
{
    run_cols c = {(int)strlen(table_head.state), (int)strlen(table_head.value)};
    for (int i = 0; i < r->n; i++) {
        run_text t;
        run_text_of(r, i, &t);
        if ((int)strlen(t.state) > c.state)
            c.state = (int)strlen(t.state);
        if ((int)strlen(t.value) > c.value)
            c.value = (int)strlen(t.value);
    }
    return c;
}

/* "fold repeat state value why" with the columns this trial has. */
static void table_line(const ui_detail_runs *r, const run_cols *c, const run_text *t, char *buf,
                       size_t n)
{
    int len = 0;
    if (r->folds > 0)
        len += snprintf(buf + len, n - (size_t)len, "%4s  ", t->fold);
    if (r->repeats > 1 && (size_t)len < n)
        len += snprintf(buf + len, n - (size_t)len, "%6s  ", t->repeat);
    if ((size_t)len < n)
        snprintf(buf + len, n - (size_t)len, "%-*s  %*s%s%s", c->state, t->state, c->value,
                 t->value, t->why ? "  " : "", t->why ? t->why : "");
}

/* Columns the table would take to show every line whole. */
static int table_width(const ui_detail_runs *r)
{
    run_cols c = table_cols(r);
    char line[512];
    table_line(r, &c, &table_head, line, sizeof line);
    int w = ui_text_width(line);
    for (int i = 0; i < r->n; i++) {
        run_text t;
        run_text_of(r, i, &t);
        table_line(r, &c, &t, line, sizeof line);
        if (ui_text_width(line) > w)
            w = ui_text_width(line);
    }
    return w;
}

static unsigned run_attr(const ui_app *a, const tt_run_record *row)
{
    if (!row)
        return a->attr[UI_ROLE_AXIS];
    switch (row->state) {
    case TT_TRIAL_RUNNING: return a->attr[UI_ROLE_RUNNING];
    case TT_TRIAL_COMPLETED: return a->attr[UI_ROLE_DEFAULT];
    case TT_TRIAL_PRUNED: return a->attr[UI_ROLE_PRUNED];
    default: return a->attr[UI_ROLE_FAILED];
    }
}

static void runs_table(ui_app *a, WINDOW *w, const ui_detail_runs *r, int y, int x, int h,
                       int width)
{
    char line[512];
    run_cols c = table_cols(r);
    table_line(r, &c, &table_head, line, sizeof line);
    wattrset(w, a->attr[UI_ROLE_AXIS] | A_BOLD);
    ui_put(w, y, x, line, width, false);
    int shown = h - 1;
    bool more = r->n > shown;
    if (more)
        shown--;
    for (int i = 0; i < r->n && i < shown; i++) {
        run_text t;
        run_text_of(r, i, &t);
        table_line(r, &c, &t, line, sizeof line);
        wattrset(w, run_attr(a, run_row(r, i)));
        ui_put(w, y + 1 + i, x, line, width, false);
    }
    if (more && shown >= 0) {
        snprintf(line, sizeof line, "%s %d more runs", a->utf8 ? "…" : "...", r->n - shown);
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, y + 1 + shown, x, line, width, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* ---- the chart ------------------------------------------------------------ */

/* s as a chart line (its newest value exact); x and y malloc'd. */
static tt_chart_series chart_line(const ui_series *s, int color, int layer, double **xs,
                                  double **ys)
{
    double *x = tt_xmalloc((s->n + 1) * sizeof *x), *y = tt_xmalloc((s->n + 1) * sizeof *y);
    for (size_t k = 0; k < s->n; k++) {
        x[k] = s->pts[k].step;
        y[k] = s->pts[k].value;
    }
    if (s->n)
        y[s->n - 1] = s->last;
    *xs = x;
    *ys = y;
    return (tt_chart_series){x, y, s->n, color, layer};
}

static void runs_chart(ui_app *a, WINDOW *w, const ui_detail_runs *r, int y, int x, int h,
                       int width)
{
    size_t n = (size_t)r->n;
    tt_chart_series *series = tt_xcalloc(n + 1, sizeof *series);
    double **bufs = tt_xcalloc(2 * (n + 1), sizeof *bufs);
    const ui_series **runs = tt_xcalloc(n, sizeof *runs);
    ui_series mean = {0};
    for (size_t i = 0; i < n; i++) {
        runs[i] = &r->curves[i];
        series[i] = chart_line(&r->curves[i], UI_PLOT_DIM, 0, &bufs[2 * i], &bufs[2 * i + 1]);
    }
    /* the mean last, on top: a cell shows the colour of the last line in it */
    ui_series_mean(runs, n, &mean);
    series[n] = chart_line(&mean, UI_PLOT_BEST, 1, &bufs[2 * n], &bufs[2 * n + 1]);
    tt_chart_opts opts = {a->curves_log, NAN, NAN, NAN, NAN};
    ui_plot_draw(a, w, y, x, h, width, series, n + 1, &opts, "step");
    for (size_t i = 0; i < 2 * (n + 1); i++)
        free(bufs[i]);
    free(bufs);
    free(series);
    free(runs);
    ui_series_free(&mean);
}

/* ---- the section -------------------------------------------------------- */

/* The chart's least width in a section wd wide: two fifths of it. */
static int chart_min_width(int wd)
{
    return wd * 2 / 5 > CHART_MIN_W ? wd * 2 / 5 : CHART_MIN_W;
}

/* Whether a section wd wide has room for the chart beside the table. */
static bool chart_fits(int wd)
{
    return wd - chart_min_width(wd) - 3 >= TABLE_MIN_W;
}

int ui_detail_runs_height(const ui_detail_runs *r, int width, int max)
{
    int want = r->n + 2; /* the rule, the table's header, a row per run */
    if (chart_fits(width) && want < CHART_MIN_H + 1)
        want = CHART_MIN_H + 1;
    /* many runs: the log keeps its place, the table says how many more */
    if (want > SECTION_MAX_H)
        want = SECTION_MAX_H;
    if (want > max)
        want = max;
    return want >= 3 ? want : 0;
}

void ui_detail_runs_draw(ui_app *a, void *win, ui_detail_runs *r, int y, int h)
{
    WINDOW *w = win;
    int wd = getmaxx(w);
    char made[64], title[192];
    if (r->folds > 0 && r->repeats > 1)
        snprintf(made, sizeof made, "%d folds %s %d repeats", r->folds, a->utf8 ? "×" : "x",
                 r->repeats);
    else if (r->folds > 0)
        snprintf(made, sizeof made, "%d folds", r->folds);
    else
        snprintf(made, sizeof made, "%d repeats", r->n);
    snprintf(title, sizeof title, " Runs: %s %s %s, each run dim, their mean bold ", made,
             a->utf8 ? "·" : "-", r->metric ? r->metric : "?");
    wattrset(w, a->attr[UI_ROLE_BORDER]);
    ui_hline(a, w, y, 0, wd);
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, y, 2, title, wd - 4, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    /* the table takes what its lines need (a failed run's reason too),
     * the chart the rest but at least two fifths; the chart goes when it
     * cannot have its minimum */
    int table_w = table_width(r);
    if (table_w < TABLE_MIN_W)
        table_w = TABLE_MIN_W;
    if (table_w > wd - chart_min_width(wd) - 3)
        table_w = wd - chart_min_width(wd) - 3;
    int chart_w = wd - table_w - 3;
    if (h - 1 < CHART_MIN_H || !chart_fits(wd))
        chart_w = 0;
    if (chart_w > 0)
        runs_chart(a, w, r, y + 1, 1, h - 1, chart_w);
    runs_table(a, w, r, y + 1, chart_w + 2, h - 1, wd - chart_w - 3);
}
