/*
 * view_compare — several studies side by side (issue 19: "did the new
 * search space help?"). The best-so-far of each study's objective against
 * the trial number, one colour per study, with a legend naming each study
 * and its best value; below, a table of their best trials: study, its
 * objective and goal, best value, trial number, completed/total, and the
 * union of the studies' parameters (blank where a study has none).
 *
 * Each study is compared on its own objective: a study that minimises
 * val_loss and one that maximises accuracy share the chart but not a
 * meaning, so when the names or the goals differ a warning line says so
 * (the table names each study's objective and goal) — the view never
 * ranks one study against another.
 *
 * The studies come from compare.c (the dashboard's own and the extra ones
 * of `tunetop DIR1 DIR2 …` or of the picker's marks). ↑/↓ select a study
 * in the table; Enter shows it in the dashboard (ui_compare_show).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "plot.h"
#include "views.h"

/* The staircase of one position, rebuilt when its completed trials moved
 * (completed_gen; a study trading places with the dashboard's gets newer
 * generations, compare.c): a frame with nothing new walks no trials. */
typedef struct stair {
    const char *dir;        /* the model's, to tell a new app's study apart */
    unsigned gen;
    bool valid;
    double *x, *y;
    size_t n, cap;
} stair;

static stair stairs[UI_COMPARE_MAX];
static size_t selected;

static void view_free(void)
{
    for (size_t i = 0; i < UI_COMPARE_MAX; i++) {
        free(stairs[i].x);
        free(stairs[i].y);
    }
    memset(stairs, 0, sizeof stairs);
    selected = 0;
}

static void stair_push(stair *s, double x, double y)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->x = tt_xrealloc(s->x, s->cap * sizeof *s->x);
        s->y = tt_xrealloc(s->y, s->cap * sizeof *s->y);
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->n++;
}

/* The best so far at each completed trial, as steps: where it improves,
 * a point at the old value then one at the new, so the line rises or
 * falls straight up or down at the trial that improved it. */
static const stair *stair_of(size_t i, const ui_model *m)
{
    stair *s = &stairs[i];
    if (s->valid && s->dir == m->study.dir && s->gen == m->completed_gen)
        return s;
    s->n = 0;
    double best = NAN;
    for (size_t k = 0; k < m->n_trials; k++) {
        const tt_trial_record *r = &m->trials[k].rec;
        if (!r->number || r->state != TT_TRIAL_COMPLETED || !isfinite(r->value))
            continue;
        if (ui_model_better(m, r->value, best)) {
            if (!isnan(best))
                stair_push(s, (double)r->number, best);
            best = r->value;
        }
        stair_push(s, (double)r->number, best);
    }
    s->dir = m->study.dir;
    s->gen = m->completed_gen;
    s->valid = true;
    return s;
}

static const char *goal_word(const ui_model *m)
{
    return m->study.goal == TT_GOAL_MAXIMIZE ? "max" : "min";
}

static const char *base_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *s = dir + n;
    while (s > dir && s[-1] != '/')
        s--;
    return s;
}

/* Each study's label: its name, or where two share a name (the same sweep
 * run twice), its folder's name, or its whole path. */
static void labels_of(ui_app *a, size_t n, char label[][128])
{
    for (size_t i = 0; i < n; i++) {
        const ui_model *m = ui_compare_model(a, i);
        snprintf(label[i], 128, "%s", m->study.info.name ? m->study.info.name : "");
    }
    for (int pass = 0; pass < 2; pass++) {
        bool clash[UI_COMPARE_MAX] = {false};
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (i != j && strcmp(label[i], label[j]) == 0)
                    clash[i] = true;
        for (size_t i = 0; i < n; i++) {
            if (!clash[i] && label[i][0])
                continue;
            const char *dir = ui_compare_model(a, i)->study.dir;
            snprintf(label[i], 128, "%s", pass == 0 ? base_name(dir) : dir);
        }
    }
}

/* Whether the studies' objectives differ in name or goal. */
static bool objectives_differ(ui_app *a, size_t n)
{
    const ui_model *m0 = ui_compare_model(a, 0);
    for (size_t i = 1; i < n; i++) {
        const ui_model *m = ui_compare_model(a, i);
        if (m->study.goal != m0->study.goal || strcmp(m->study.metric, m0->study.metric) != 0)
            return true;
    }
    return false;
}

static void draw_warning(ui_app *a, WINDOW *w, int y, size_t n, char label[][128])
{
    const ui_model *m0 = ui_compare_model(a, 0);
    bool goals = false;
    for (size_t i = 1; i < n; i++)
        goals |= ui_compare_model(a, i)->study.goal != m0->study.goal;
    char line[1024];
    int len = snprintf(line, sizeof line, "! %s, each study on its own objective:",
                       goals ? "goals differ" : "objectives differ");
    for (size_t i = 0; i < n && len > 0 && (size_t)len < sizeof line; i++) {
        const ui_model *m = ui_compare_model(a, i);
        len += snprintf(line + len, sizeof line - (size_t)len, "%s %s: %s %s", i ? "," : "",
                        label[i], goal_word(m), m->study.metric);
    }
    wattrset(w, a->attr[UI_ROLE_ERROR]);
    ui_put(w, y, 1, line, getmaxx(w) - 2, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* The legend, entries flowing over rows from y: a swatch in the study's
 * colour, its label and best value. Returns the rows it takes (at most
 * max; with draw false, only measures). */
static int legend(ui_app *a, WINDOW *w, int y, int max, size_t n, char label[][128], bool draw)
{
    int width = getmaxx(w) - 2, row = 0, x = 0;
    for (size_t i = 0; i < n; i++) {
        ui_model *m = ui_compare_model(a, i);
        char best[32], entry[200];
        ui_format_value(m->best_value, best, sizeof best);
        snprintf(entry, sizeof entry, "%s %s", label[i], best);
        int ew = 3 + ui_text_width(entry);
        if (x > 0 && x + ew > width) {
            row++;
            x = 0;
        }
        if (row >= max)
            return max;
        if (draw) {
            wattrset(w, ui_plot_attr(a, (int)i) | A_BOLD);
            ui_put(w, y + row, 1 + x, a->utf8 ? "━━" : "--", 2, false);
            wattrset(w, a->attr[UI_ROLE_DEFAULT]);
            ui_put(w, y + row, 1 + x + 3, entry, width - x - 3, false);
        }
        x += ew + 2;
    }
    return row + 1;
}

static void draw_chart(ui_app *a, WINDOW *w, int y, int h, size_t n)
{
    tt_chart_series s[UI_COMPARE_MAX];
    for (size_t i = 0; i < n; i++) {
        const stair *st = stair_of(i, ui_compare_model(a, i));
        /* the shown study's line on top, the selected one just under it */
        int layer = i == ui_compare_shown(a) ? 2 : i == selected ? 1 : 0;
        s[i] = (tt_chart_series){st->x, st->y, st->n, (int)i, layer};
    }
    tt_chart_opts opts = {false, NAN, NAN, NAN, NAN};
    ui_plot_draw(a, w, y, 1, h, getmaxx(w) - 1, s, n, &opts, "trial");
}

/* Columns of the table: what every study has, then one per parameter. */
typedef struct column {
    const char *name;
    int width;
} column;

enum { COL_MARK, COL_STUDY, COL_OBJECTIVE, COL_BEST, COL_TRIAL, COL_DONE, COL_FIXED };

static const char *cell(ui_app *a, size_t i, size_t col, const column *cols, char label[][128],
                        char *buf, size_t bn)
{
    ui_model *m = ui_compare_model(a, i);
    const ui_trial *best = m->best ? ui_model_trial(m, m->best) : NULL;
    switch (col) {
    case COL_MARK:
        return i == ui_compare_shown(a) ? (a->utf8 ? "●" : "*") : "";
    case COL_STUDY: return label[i];
    case COL_OBJECTIVE: snprintf(buf, bn, "%s %s", goal_word(m), m->study.metric); return buf;
    case COL_BEST:
        if (!best)
            return "-";
        ui_format_value_std(&best->rec, a->utf8, buf, bn);
        return buf;
    case COL_TRIAL:
        if (!best)
            return "";
        snprintf(buf, bn, "#%ld", m->best);
        return buf;
    case COL_DONE: {
        long total = m->total > 0 ? m->total : (long)m->n_trials;
        snprintf(buf, bn, "%ld/%ld", m->counts[TT_TRIAL_COMPLETED], total);
        return buf;
    }
    default: {
        const char *v = best ? ui_trial_param(&best->rec, cols[col].name) : NULL;
        return v ? v : "";
    }
    }
}

/* The union of the studies' parameter names, in the order they come. */
static size_t param_union(ui_app *a, size_t n, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const ui_model *m = ui_compare_model(a, i);
        for (size_t p = 0; p < m->n_params && k < max; p++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(out[j], m->param_names[p]) == 0;
            if (!seen)
                out[k++] = m->param_names[p];
        }
    }
    return k;
}

#define MAX_PARAM_COLS 64

static void draw_table(ui_app *a, WINDOW *w, int y, size_t n, char label[][128])
{
    column cols[COL_FIXED + MAX_PARAM_COLS] = {
        {"", 1}, {"study", 5}, {"objective", 9}, {"best", 4}, {"trial", 5}, {"done", 4},
    };
    const char *params[MAX_PARAM_COLS];
    size_t np = param_union(a, n, params, MAX_PARAM_COLS), nc = COL_FIXED + np;
    for (size_t p = 0; p < np; p++)
        cols[COL_FIXED + p] = (column){params[p], ui_text_width(params[p])};
    char buf[128];
    for (size_t c = 0; c < nc; c++)
        for (size_t i = 0; i < n; i++) {
            int cw = ui_text_width(cell(a, i, c, cols, label, buf, sizeof buf));
            if (cw > cols[c].width)
                cols[c].width = cw;
        }
    for (size_t c = 0; c < nc; c++) {
        int cap = c == COL_STUDY ? 28 : 16;
        if (cols[c].width > cap)
            cols[c].width = cap;
    }
    int wd = getmaxx(w) - 1;
    for (size_t r = 0; r <= n; r++) {
        int x = 1;
        bool sel = r > 0 && r - 1 == selected;
        unsigned attr = r == 0 ? a->attr[UI_ROLE_AXIS] | A_BOLD
                               : sel ? a->attr[UI_ROLE_SELECTION] : a->attr[UI_ROLE_DEFAULT];
        wattrset(w, attr);
        if (sel)
            ui_put(w, y + (int)r, 1, "", wd - 1, true);
        for (size_t c = 0; c < nc && x < wd; c++) {
            const char *t = r == 0 ? cols[c].name : cell(a, r - 1, c, cols, label, buf, sizeof buf);
            if (r > 0 && c == COL_STUDY && !sel)
                wattrset(w, ui_plot_attr(a, (int)(r - 1)));
            bool right = c == COL_BEST || c == COL_TRIAL || c == COL_DONE;
            int cw = cols[c].width < wd - x ? cols[c].width : wd - x;
            if (right)
                ui_put_right(w, y + (int)r, x, t, cw);
            else
                ui_put(w, y + (int)r, x, t, cw, false);
            if (r > 0 && c == COL_STUDY && !sel)
                wattrset(w, attr);
            x += cols[c].width + 2;
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static void compare_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    size_t n = ui_compare_count(a);
    int h = getmaxy(w);
    char right[160];
    snprintf(right, sizeof right, "%zu studies · best so far by trial", n);
    ui_draw_title(a, w, "Compare", n > 1 ? right : NULL, true);
    if (n < 2) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, 2, 2, "One study: to compare several, open them together: tunetop DIR1 DIR2 …",
               getmaxx(w) - 4, false);
        ui_put(w, 3, 2, "or mark them with Space in the study picker (tunetop alone).",
               getmaxx(w) - 4, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    if (selected >= n)
        selected = n - 1;
    char label[UI_COMPARE_MAX][128];
    labels_of(a, n, label);
    int y = 1;
    if (objectives_differ(a, n))
        draw_warning(a, w, y++, n, label);
    /* bottom up: the table (a header and a row per study), the legend, and
     * the chart in what is left, when a chart fits there */
    int table_y = h - 1 - (int)n;
    int leg_rows = legend(a, w, 0, 3, n, label, false);
    int chart_h = table_y - 1 - leg_rows - y;
    if (chart_h >= 4) {
        draw_chart(a, w, y, chart_h, n);
        y += chart_h;
    }
    if (y + leg_rows <= table_y)
        y += legend(a, w, y, leg_rows, n, label, true);
    draw_table(a, w, table_y > y ? table_y : y, n, label);
}

static int compare_key(ui_app *a, int key)
{
    size_t n = ui_compare_count(a);
    if (n < 2)
        return UI_IGNORED;
    if ((key == KEY_DOWN || key == 'j') && selected + 1 < n) {
        selected++;
        return UI_HANDLED | UI_REDRAW;
    }
    if ((key == KEY_UP || key == 'k') && selected > 0) {
        selected--;
        return UI_HANDLED | UI_REDRAW;
    }
    if (key == KEY_DOWN || key == 'j' || key == KEY_UP || key == 'k')
        return UI_HANDLED;
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        if (selected == ui_compare_shown(a))
            return UI_HANDLED;
        if (!ui_compare_show(a, selected))
            return UI_HANDLED;
        ui_message(a, false, "the dashboard shows %s", a->model.study.dir);
        return UI_HANDLED | UI_REDRAW_ALL;
    }
    return UI_IGNORED;
}

const ui_view ui_view_compare = {"compare", compare_draw, compare_key, view_free, NULL};
