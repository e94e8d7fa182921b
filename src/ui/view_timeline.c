/*
 * view_timeline — the timeline view (views.h): the sweep's parallel slots
 * over wall-clock time, one row per slot, each trial a bar from its start
 * to its end (to now while it runs) coloured and filled by its state: '='
 * completed, '~' pruned, 'x' failed, '>' running (the fills of `tunetop
 * plot --kind timeline`, so a monochrome terminal still tells them
 * apart). An idle slot is a row with a gap at its end; a straggler a lone
 * bar running on past the others. Slots are not recorded by the store:
 * chart.h's tt_chart_assign_slots rebuilds them greedily, as the CLI does.
 *
 * A long study shows its newest window (the last WINDOW_TRIALS trials to
 * start, to now); z zooms out to the whole study. ↑↓ move the selection
 * between slots, ←→ along one, Enter opens the trial's detail.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/chart.h"
#include "views.h"

enum { WINDOW_TRIALS = 200 };

typedef struct bar {
    double start, end;
    long number;
    int prio;           /* 0 completed, 1 pruned, 2 failed, 3 running: what a shared cell shows */
} bar;

static struct {
    long sel;           /* the selected trial; 0: the newest to start */
    bool whole;         /* z: the whole study, not the newest window */
    size_t top;         /* first slot shown */
    /* the last draw's bars, slots and window, for the keys */
    bar *bars;
    size_t *slot, *order, n, cap, n_slots;
    int rows;
} tl;

static const char fills[] = {'=', '~', 'x', '>'};

static int prio_of(tt_trial_state s)
{
    switch (s) {
    case TT_TRIAL_COMPLETED: return 0;
    case TT_TRIAL_PRUNED: return 1;
    case TT_TRIAL_RUNNING: return 3;
    default: return 2;
    }
}

static int by_start(const void *pa, const void *pb)
{
    const bar *x = &tl.bars[*(const size_t *)pa], *y = &tl.bars[*(const size_t *)pb];
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->number > y->number) - (x->number < y->number);
}

/* The bars of the model's started trials, their order by start, slots. */
static void collect(ui_app *a)
{
    ui_model *m = &a->model;
    if (tl.cap < m->n_trials + 1) {
        tl.cap = m->n_trials + 1;
        tl.bars = tt_xrealloc(tl.bars, tl.cap * sizeof *tl.bars);
        tl.slot = tt_xrealloc(tl.slot, tl.cap * sizeof *tl.slot);
        tl.order = tt_xrealloc(tl.order, tl.cap * sizeof *tl.order);
    }
    tl.n = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number == 0 || !(r->started_at > 0) || r->state == TT_TRIAL_QUEUED)
            continue;
        double end = r->finished_at > 0 ? r->finished_at
                     : r->state == TT_TRIAL_RUNNING ? a->now : r->started_at;
        tl.bars[tl.n] = (bar){r->started_at, end < r->started_at ? r->started_at : end,
                              r->number, prio_of(r->state)};
        tl.order[tl.n] = tl.n;
        tl.n++;
    }
    qsort(tl.order, tl.n, sizeof *tl.order, by_start);
    double *start = tt_xmalloc((tl.n + 1) * sizeof *start), *end = tt_xmalloc((tl.n + 1) * sizeof *end);
    for (size_t i = 0; i < tl.n; i++) {
        start[i] = tl.bars[i].start;
        end[i] = tl.bars[i].end;
    }
    tl.n_slots = tt_chart_assign_slots(start, end, tl.order, tl.n, tl.slot);
    free(start);
    free(end);
}

static long bar_index(long number)
{
    for (size_t i = 0; i < tl.n; i++)
        if (tl.bars[i].number == number)
            return (long)i;
    return -1;
}

static unsigned state_attr(const ui_app *a, int prio, long number)
{
    switch (prio) {
    case 3: return a->attr[UI_ROLE_RUNNING];
    case 2: return a->attr[UI_ROLE_FAILED];
    case 1: return a->attr[UI_ROLE_PRUNED];
    default: return number == a->model.best ? a->attr[UI_ROLE_BEST] : a->attr[UI_ROLE_DEFAULT];
    }
}

static void draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    int h = getmaxy(w), wd = getmaxx(w);
    collect(a);
    if (tl.n == 0) {
        ui_draw_title(a, w, "Timeline", NULL, true);
        ui_put(w, 2, 2, "no trial has started yet", wd - 4, false);
        return;
    }
    if (tl.sel == 0 || bar_index(tl.sel) < 0)
        tl.sel = tl.bars[tl.order[tl.n - 1]].number;
    long si = bar_index(tl.sel);
    double t0 = tl.bars[tl.order[0]].start, t1 = t0;
    for (size_t i = 0; i < tl.n; i++)
        t1 = fmax(t1, tl.bars[i].end);
    double lo = t0;
    if (!tl.whole && tl.n > WINDOW_TRIALS)
        lo = tl.bars[tl.order[tl.n - WINDOW_TRIALS]].start;
    double span = t1 - lo > 0 ? t1 - lo : 1;

    int cols = wd - UI_PLOT_LABEL_W - 1, rows = h - 3;
    if (cols < 4 || rows < 1)
        return;
    tl.rows = rows;
    /* the selected trial's slot on screen */
    size_t sel_slot = tl.slot[si];
    if (sel_slot < tl.top)
        tl.top = sel_slot;
    if (sel_slot >= tl.top + (size_t)rows)
        tl.top = sel_slot - (size_t)rows + 1;
    if (tl.top + (size_t)rows > tl.n_slots)
        tl.top = tl.n_slots > (size_t)rows ? tl.n_slots - (size_t)rows : 0;
    int shown = tl.n_slots - tl.top < (size_t)rows ? (int)(tl.n_slots - tl.top) : rows;

    size_t cells = (size_t)shown * (size_t)cols;
    signed char *state = tt_xmalloc(cells + 1);
    long *owner = tt_xmalloc((cells + 1) * sizeof *owner);
    memset(state, -1, cells);
    size_t running = 0, counts[4] = {0};
    for (size_t i = 0; i < tl.n; i++) {
        const bar *b = &tl.bars[i];
        counts[b->prio]++;
        running += b->prio == 3;
        if (tl.slot[i] < tl.top || tl.slot[i] >= tl.top + (size_t)shown || b->end < lo)
            continue;
        int row = (int)(tl.slot[i] - tl.top);
        int c0 = (int)floor((fmax(b->start, lo) - lo) / span * (cols - 1) + 0.5);
        int c1 = (int)floor((b->end - lo) / span * (cols - 1) + 0.5);
        for (int c = c0; c <= c1 && c < cols; c++) {
            size_t k = (size_t)row * (size_t)cols + (size_t)c;
            /* the selected bar wins its cells, else the most telling state */
            if (state[k] < 0 || b->number == tl.sel ||
                (owner[k] != tl.sel && state[k] <= b->prio)) {
                state[k] = (signed char)b->prio;
                owner[k] = b->number;
            }
        }
    }
    char title[200], right[200];
    snprintf(title, sizeof title, "Timeline: %zu trials in %zu slot%s", tl.n, tl.n_slots,
             tl.n_slots == 1 ? "" : "s");
    char dur[32];
    ui_format_duration(t1 - lo, dur, sizeof dur);
    snprintf(right, sizeof right, "%s%s · = completed %zu ~ pruned %zu x failed %zu > running %zu"
             " · %zu idle",
             tl.whole || tl.n <= WINDOW_TRIALS ? "whole study " : "newest ", dur, counts[0],
             counts[1], counts[2], counts[3],
             tl.n_slots > running ? tl.n_slots - running : 0);
    ui_draw_title(a, w, title, right, true);
    char one[2] = {0, 0};
    for (int r = 0; r < shown; r++) {
        char label[32];
        snprintf(label, sizeof label, "slot %zu", tl.top + (size_t)r + 1);
        if (ui_text_width(label) > UI_PLOT_LABEL_W - 1)
            snprintf(label, sizeof label, "%zu", tl.top + (size_t)r + 1);
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put_right(w, 1 + r, 0, label, UI_PLOT_LABEL_W - 1);
        ui_put(w, 1 + r, UI_PLOT_LABEL_W - 1, a->utf8 ? "│" : "|", 1, false);
        for (int c = 0; c < cols; c++) {
            size_t k = (size_t)r * (size_t)cols + (size_t)c;
            if (state[k] < 0)
                continue;
            one[0] = fills[(int)state[k]];
            wattrset(w, owner[k] == tl.sel ? a->attr[UI_ROLE_SELECTION]
                                           : state_attr(a, state[k], owner[k]));
            mvwaddstr(w, 1 + r, UI_PLOT_LABEL_W + c, one);
        }
    }
    /* the time axis: since the first trial started */
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    int ay = 1 + shown;
    ui_put(w, ay, UI_PLOT_LABEL_W - 1, a->utf8 ? "└" : "+", 1, false);
    char l0[32], l1[32];
    ui_format_duration(lo - t0, l0, sizeof l0);
    ui_format_duration(t1 - t0, l1, sizeof l1);
    ui_put(w, ay, UI_PLOT_LABEL_W, l0, cols, false);
    ui_put_right(w, ay, UI_PLOT_LABEL_W, l1, cols);
    const char *name = "time since the first trial started";
    int nw = ui_text_width(name);
    if (nw + 20 < cols)
        ui_put(w, ay, UI_PLOT_LABEL_W + (cols - nw) / 2, name, nw, false);
    /* the selected trial */
    const ui_trial *t = ui_model_trial(&a->model, tl.sel);
    if (t && ay + 1 < h) {
        char line[256], val[48], d[32];
        ui_format_value(t->rec.value, val, sizeof val);
        ui_format_duration(tl.bars[si].end - tl.bars[si].start, d, sizeof d);
        snprintf(line, sizeof line, "#%ld %s in slot %zu for %s, value %s · Enter: its detail",
                 ui_model_shown(&a->model, tl.sel), ui_state_short(t->rec.state), tl.slot[si] + 1,
                 d, val);
        wattrset(w, a->attr[UI_ROLE_TITLE]);
        ui_put(w, ay + 1, 1, line, wd - 2, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    free(state);
    free(owner);
}

/* The bar of slot s nearest in start time to t (-1: the slot is empty). */
static long nearest_in_slot(size_t s, double t)
{
    long best = -1;
    double bd = INFINITY;
    for (size_t i = 0; i < tl.n; i++)
        if (tl.slot[i] == s && fabs(tl.bars[i].start - t) < bd) {
            bd = fabs(tl.bars[i].start - t);
            best = (long)i;
        }
    return best;
}

/* The previous (dir -1) or next bar of the same slot by start time. */
static long along_slot(long i, int dir)
{
    long best = -1;
    for (size_t j = 0; j < tl.n; j++) {
        if (tl.slot[j] != tl.slot[i] || (long)j == i)
            continue;
        double d = (tl.bars[j].start - tl.bars[i].start) * dir;
        if (d > 0 && (best < 0 || d < (tl.bars[best].start - tl.bars[i].start) * dir))
            best = (long)j;
    }
    return best;
}

static int key(ui_app *a, int k)
{
    long i = tl.sel ? bar_index(tl.sel) : -1;
    switch (k) {
    case 'z':
        tl.whole = !tl.whole;
        return UI_HANDLED;
    case KEY_UP:
    case KEY_DOWN:
    case 'k':
    case 'j': {
        if (i < 0)
            return UI_HANDLED;
        int d = k == KEY_UP || k == 'k' ? -1 : 1;
        for (long s = (long)tl.slot[i] + d; s >= 0 && (size_t)s < tl.n_slots; s += d) {
            long j = nearest_in_slot((size_t)s, tl.bars[i].start);
            if (j >= 0) {
                tl.sel = tl.bars[j].number;
                break;
            }
        }
        return UI_HANDLED;
    }
    case KEY_LEFT:
    case KEY_RIGHT:
    case 'h':
    case 'l': {
        if (i < 0)
            return UI_HANDLED;
        long j = along_slot(i, k == KEY_LEFT || k == 'h' ? -1 : 1);
        if (j >= 0)
            tl.sel = tl.bars[j].number;
        return UI_HANDLED;
    }
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (tl.sel > 0 && ui_model_trial(&a->model, tl.sel)) {
            ui_detail_open(a, tl.sel);
            return UI_REDRAW_ALL;
        }
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}

static void free_state(void)
{
    free(tl.bars);
    free(tl.slot);
    free(tl.order);
    memset(&tl, 0, sizeof tl);
}

const ui_view ui_view_timeline = {
    .name = "timeline",
    .draw = draw,
    .key = key,
    .free = free_state,
};
