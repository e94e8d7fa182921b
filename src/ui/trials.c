/*
 * trials — the list of every trial: sortable by any column (`s` next
 * column, `S` reverse, or a click on a header), filtered with `/` (see
 * filter.c for the language); F follows the running trials. The shown rows (numbers, filtered and
 * sorted) are rebuilt only when the model changed, and the selection stays
 * on the same trial across rebuilds.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "table.h"

static ui_table_geom geom;
static const size_t fixed[] = {UI_COL_NUMBER, UI_COL_STATE, UI_COL_VALUE, UI_COL_STEP,
                               UI_COL_DURATION};

/* qsort has no context argument: the column and direction of the sort in
 * progress (the dashboard is one thread). */
static size_t sort_col;
static bool sort_desc;

static int by_key(const void *x, const void *y)
{
    return ui_sort_key_compare(x, y, sort_col, sort_desc);
}

/* Sort rows (trial numbers) by a's column: one key per row, then the keys. */
static void sort_rows(ui_app *a)
{
    const ui_model *m = &a->model;
    ui_sort_key *keys = tt_xmalloc((a->n_rows + 1) * sizeof *keys);
    for (size_t i = 0; i < a->n_rows; i++)
        ui_trial_sort_key(&m->trials[a->rows[i] - 1].rec, a->trials_sort, m->param_names, a->now,
                          &keys[i]);
    sort_col = a->trials_sort;
    sort_desc = a->trials_desc;
    qsort(keys, a->n_rows, sizeof *keys, by_key);
    for (size_t i = 0; i < a->n_rows; i++)
        a->rows[i] = keys[i].number;
    free(keys);
}

size_t ui_trials_column_count(const ui_app *a)
{
    return UI_COL_FIXED + a->model.n_params;
}

const char *ui_trials_column_name(const ui_app *a, size_t col)
{
    return ui_table_header(a, col);
}

void ui_trials_refresh_rows(ui_app *a)
{
    if (!a->rows_stale && a->rows)
        return;
    a->rows_stale = false;
    long keep = a->trials.sel < a->n_rows ? a->rows[a->trials.sel] : 0;
    const ui_model *m = &a->model;
    a->n_rows = 0;
    tt_grow((void **)&a->rows, &a->cap_rows, m->n_trials + 1, sizeof *a->rows);
    a->filter.number_shift = 1 - ui_model_shown(m, 1);
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && ui_filter_match(&a->filter, r, m->study.metric))
            a->rows[a->n_rows++] = r->number;
    }
    if (a->trials_sort >= ui_trials_column_count(a))
        a->trials_sort = UI_COL_NUMBER;
    if (a->trials_sort != UI_COL_NUMBER || a->trials_desc)
        sort_rows(a);
    if (keep)
        for (size_t i = 0; i < a->n_rows; i++)
            if (a->rows[i] == keep) {
                a->trials.sel = i;
                break;
            }
}

int ui_trials_apply_filter(ui_app *a, const char *text)
{
    ui_filter f;
    char msg[256];
    if (ui_filter_parse(text, &f, msg, sizeof msg) < 0) {
        ui_message(a, true, "filter: %s", msg);
        return -1;
    }
    ui_filter_free(&a->filter);
    a->filter = f;
    snprintf(a->filter_text, sizeof a->filter_text, "%s", text);
    a->rows_stale = true;
    ui_trials_refresh_rows(a);
    a->trials.sel = 0;
    a->trials.top = 0;
    if (f.n)
        ui_message(a, false, "filter: %zu of %zu trials match", a->n_rows,
                   a->model.n_trials);
    else
        ui_message(a, false, "filter cleared");
    a->dirty[UI_PANEL_TRIALS] = true;
    return 0;
}

/* Follow (F): the first running trial's row is selected and the page
 * starts at it, so the running ones are on screen whatever the sort, as
 * htop's F keeps a process in view; stays put when none runs. */
static void follow_running(ui_app *a)
{
    const ui_model *m = &a->model;
    for (size_t i = 0; i < a->n_rows; i++) {
        const ui_trial *t = ui_model_trial(m, a->rows[i]);
        if (t && t->rec.state == TT_TRIAL_RUNNING) {
            a->trials.sel = i;
            a->trials.top = i;
            return;
        }
    }
}

void ui_trials_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    ui_trials_refresh_rows(a);
    if (a->trials_follow)
        follow_running(a);
    char right[160];
    if (a->trials_follow)
        snprintf(right, sizeof right, "following running · %zu trials · F stops", a->n_rows);
    else if (a->filter.n)
        snprintf(right, sizeof right, "%zu of %zu · filter: %.60s", a->n_rows, a->model.n_trials,
                 a->filter_text);
    else
        snprintf(right, sizeof right, "%zu trials · sort: %s%s", a->n_rows,
                 ui_table_header(a, a->trials_sort), a->trials_desc ? " desc" : "");
    bool focused = a->focus == UI_PANEL_TRIALS && a->overlay == UI_OVERLAY_NONE;
    ui_draw_title(a, w, "Trials", right, focused);
    if (a->n_rows == 0) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, 2, 1,
               a->filter.n ? "no trial matches the filter (/ to change it, empty to clear)"
                           : "no trial yet",
               getmaxx(w) - 2, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    }
    ui_table_draw(a, w, 1, 0, a->rows, a->n_rows, &a->trials, fixed,
                  sizeof fixed / sizeof *fixed, focused, (long)a->trials_sort, a->trials_desc,
                  &geom);
}

static void sort_by(ui_app *a, size_t col, bool toggle)
{
    if (toggle && a->trials_sort == col)
        a->trials_desc = !a->trials_desc;
    else if (toggle)
        a->trials_desc = col == UI_COL_DURATION || col == UI_COL_STEP ||
                         (col == UI_COL_VALUE && a->model.study.goal == TT_GOAL_MAXIMIZE);
    a->trials_sort = col;
    a->rows_stale = true;
    ui_message(a, false, "sorted by %s%s", ui_table_header(a, col),
               a->trials_desc ? ", descending" : "");
}

int ui_trials_key(ui_app *a, int key)
{
    ui_trials_refresh_rows(a);
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (a->trials.sel < a->n_rows) {
            ui_detail_open(a, a->rows[a->trials.sel]);
            return UI_REDRAW_ALL;
        }
        return UI_HANDLED;
    case 's':
        sort_by(a, (a->trials_sort + 1) % ui_trials_column_count(a), false);
        return UI_HANDLED | UI_REDRAW;
    case 'S':
        a->trials_desc = !a->trials_desc;
        sort_by(a, a->trials_sort, false);
        return UI_HANDLED | UI_REDRAW;
    case 27:
        if (a->filter.n) {
            ui_trials_apply_filter(a, "");
            return UI_HANDLED | UI_REDRAW;
        }
        return UI_IGNORED;
    case 'F':
        a->trials_follow = !a->trials_follow;
        ui_message(a, false, a->trials_follow ? "following the running trials (F stops)"
                                              : "not following the running trials");
        return UI_HANDLED | UI_REDRAW;
    default: {
        int f = ui_table_list_key(&a->trials, a->n_rows, key);
        /* moving by hand stops following, as in htop */
        if (f != UI_IGNORED && a->trials_follow) {
            a->trials_follow = false;
            ui_message(a, false, "not following the running trials (F follows)");
        }
        return f;
    }
    }
}

int ui_trials_mouse(ui_app *a, int y, int x, int button)
{
    (void)button;
    ui_trials_refresh_rows(a);
    if (y == geom.header_y) {
        for (size_t c = 0; c < geom.n; c++)
            if (x >= geom.x[c] && x < geom.x[c] + geom.w[c] + 2) {
                sort_by(a, geom.col[c], true);
                return UI_HANDLED | UI_REDRAW;
            }
        return UI_HANDLED;
    }
    if (y < geom.first_row_y)
        return UI_HANDLED;
    size_t i = geom.top + (size_t)(y - geom.first_row_y);
    if (i >= a->n_rows)
        return UI_HANDLED;
    if (i == a->trials.sel)
        return ui_trials_key(a, '\n');
    a->trials.sel = i;
    return UI_HANDLED | UI_REDRAW;
}
