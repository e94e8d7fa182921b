/*
 * table — the trial table both the best-trials panel and the trial list
 * draw: fixed columns first, then one column per parameter, scrolled
 * sideways when they do not fit. Widths are measured in display columns
 * (wcwidth) over the header and the rows on screen, capped so one long
 * value cannot push the rest away; the last draw's column positions are
 * kept so a click on a header can sort by that column.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "table.h"

#define MAX_PARAM_WIDTH 18

/* with_std: a trial of several runs shows "mean ± std" (or the mean
 * alone when the table is too narrow for both). */
static void table_cell(const ui_app *a, const tt_trial_record *r, size_t col, bool with_std,
                       char *buf, size_t n)
{
    switch (col) {
    case UI_COL_NUMBER: snprintf(buf, n, "%ld", ui_model_shown(&a->model, r->number)); break;
    case UI_COL_STATE: snprintf(buf, n, "%s", ui_state_short(r->state)); break;
    case UI_COL_VALUE:
        if (with_std)
            ui_format_value_std(r, a->utf8, buf, n);
        else
            ui_format_value(r->value, buf, n);
        break;
    case UI_COL_STEP:
        if (r->last_step < 0)
            snprintf(buf, n, "-");
        else
            snprintf(buf, n, "%ld", r->last_step);
        break;
    case UI_COL_DURATION: ui_format_duration(ui_trial_duration(r, a->now), buf, n); break;
    default: {
        size_t p = col - UI_COL_FIXED;
        const char *v = p < a->model.n_params ? ui_trial_param(r, a->model.param_names[p]) : NULL;
        char *end;
        double x = v && *v ? strtod(v, &end) : 0;
        if (v && *v && !*end && strlen(v) > 8)
            snprintf(buf, n, "%.5g", x);  /* the full text is in the detail view */
        else
            snprintf(buf, n, "%s", v && *v ? v : "-");
    }
    }
}

void ui_table_cell(const ui_app *a, const tt_trial_record *r, size_t col, char *buf, size_t n)
{
    table_cell(a, r, col, true, buf, n);
}

const char *ui_table_header(const ui_app *a, size_t col)
{
    switch (col) {
    case UI_COL_NUMBER: return "#";
    case UI_COL_STATE: return "state";
    case UI_COL_VALUE: return a->model.study.metric;
    case UI_COL_STEP: return "step";
    case UI_COL_DURATION: return "time";
    default:
        return col - UI_COL_FIXED < a->model.n_params ? a->model.param_names[col - UI_COL_FIXED]
                                                       : "?";
    }
}

static bool right_aligned(size_t col)
{
    return col != UI_COL_STATE && col < UI_COL_FIXED;
}

/* Columns col needs for its header and the rows on screen. */
static int column_width(const ui_app *a, const long *rows, size_t n, size_t col, bool with_std)
{
    char cell[256];
    int cw = ui_text_width(ui_table_header(a, col)) + 1; /* room for the sort mark */
    for (size_t i = 0; i < n; i++) {
        const ui_trial *t = ui_model_trial(&a->model, rows[i]);
        if (!t)
            continue;
        table_cell(a, &t->rec, col, with_std, cell, sizeof cell);
        int vw = ui_text_width(cell);
        if (vw > cw)
            cw = vw;
    }
    if (col >= UI_COL_FIXED && cw > MAX_PARAM_WIDTH)
        cw = MAX_PARAM_WIDTH;
    if (col == UI_COL_VALUE && cw < 9)
        cw = 9;
    return cw;
}

/* Whether the fixed columns fit in wd with the values' "± std": when they
 * do not, the std goes first, so the mean is never cut. */
static bool fixed_fit(const ui_app *a, const long *rows, size_t n, const size_t *fixed,
                      size_t n_fixed, int wd)
{
    int x = 0;
    for (size_t i = 0; i < n_fixed; i++)
        x += column_width(a, rows, n, fixed[i], true) + (i ? 2 : 0);
    return x <= wd;
}

void ui_table_draw(ui_app *a, void *win, int y0, int x0, const long *numbers, size_t n,
                   ui_list *list, const size_t *fixed, size_t n_fixed, bool focused,
                   long sort_col, bool desc, ui_table_geom *geom)
{
    WINDOW *w = win;
    int wd = getmaxx(w) - x0, h = getmaxy(w);
    int page = h - y0 - 1;
    if (page < 1)
        page = 1;
    list->page = page;
    if (n == 0) {
        list->sel = list->top = 0;
    } else {
        if (list->sel >= n)
            list->sel = n - 1;
        if (list->sel < list->top)
            list->top = list->sel;
        if (list->sel >= list->top + (size_t)page)
            list->top = list->sel - (size_t)page + 1;
        if (list->top + (size_t)page > n)
            list->top = n > (size_t)page ? n - (size_t)page : 0;
    }
    size_t np = a->model.n_params;
    if (list->left >= np && np > 0)
        list->left = np - 1;

    /* columns and their widths */
    size_t cols[UI_TABLE_MAX_COLS];
    int width[UI_TABLE_MAX_COLS];
    size_t nc = 0;
    for (size_t i = 0; i < n_fixed && nc < UI_TABLE_MAX_COLS; i++)
        cols[nc++] = fixed[i];
    size_t first_param = nc;
    for (size_t p = list->left; p < np && nc < UI_TABLE_MAX_COLS; p++)
        cols[nc++] = UI_COL_FIXED + p;
    char cell[256];
    const long *rows = n ? numbers + list->top : numbers;
    size_t n_rows = n - list->top < (size_t)page ? n - list->top : (size_t)page;
    bool with_std = fixed_fit(a, rows, n_rows, fixed, n_fixed, wd);
    for (size_t c = 0; c < nc; c++)
        width[c] = column_width(a, rows, n_rows, cols[c], with_std);
    /* how many fit */
    size_t shown = 0;
    int x = 0;
    for (; shown < nc; shown++) {
        int need = width[shown] + (shown ? 2 : 0);
        if (x + need > wd) {
            if (shown < first_param + 1 && shown < nc) {
                width[shown] = wd - x - (shown ? 2 : 0);
                if (width[shown] > 0)
                    shown++;
            }
            break;
        }
        x += need;
    }
    bool more_right = shown < nc;
    bool more_left = list->left > 0;

    /* header */
    if (geom) {
        geom->n = 0;
        geom->header_y = y0;
        geom->first_row_y = y0 + 1;
        geom->top = list->top;
    }
    wattrset(w, a->attr[UI_ROLE_AXIS] | A_BOLD);
    x = x0;
    for (size_t c = 0; c < shown; c++) {
        if (c)
            x += 2;
        char head[128];
        const char *mark = "";
        if ((long)cols[c] == sort_col)
            mark = a->utf8 ? (desc ? "▼" : "▲") : (desc ? "v" : "^");
        snprintf(head, sizeof head, "%s%s", ui_table_header(a, cols[c]), mark);
        if (right_aligned(cols[c]))
            ui_put_right(w, y0, x, head, width[c]);
        else
            ui_put(w, y0, x, head, width[c], true);
        if (geom && geom->n < UI_TABLE_MAX_COLS) {
            geom->x[geom->n] = x;
            geom->w[geom->n] = width[c];
            geom->col[geom->n] = cols[c];
            geom->n++;
        }
        x += width[c];
    }
    if (more_left)
        mvwaddstr(w, y0, x0 + wd - 3, a->utf8 ? "‹" : "<");
    if (more_right)
        mvwaddstr(w, y0, x0 + wd - 1, a->utf8 ? "›" : ">");

    /* rows */
    for (int r = 0; r < page; r++) {
        size_t i = list->top + (size_t)r;
        if (i >= n)
            break;
        const ui_trial *t = ui_model_trial(&a->model, numbers[i]);
        if (!t)
            continue;
        unsigned attr = ui_state_attr(a, &t->rec);
        bool sel = i == list->sel;
        if (sel)
            attr = focused ? a->attr[UI_ROLE_SELECTION] : attr | A_UNDERLINE;
        wattrset(w, attr);
        if (sel)
            mvwhline(w, y0 + 1 + r, x0, ' ', wd);
        x = x0;
        for (size_t c = 0; c < shown; c++) {
            if (c)
                x += 2;
            table_cell(a, &t->rec, cols[c], with_std, cell, sizeof cell);
            if (right_aligned(cols[c]))
                ui_put_right(w, y0 + 1 + r, x, cell, width[c]);
            else
                ui_put(w, y0 + 1 + r, x, cell, width[c], false);
            x += width[c];
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

int ui_table_list_key(ui_list *list, size_t n, int key)
{
    size_t page = list->page > 1 ? (size_t)list->page : 1;
    switch (key) {
    case KEY_UP:
    case 'k':
        if (list->sel > 0)
            list->sel--;
        break;
    case KEY_DOWN:
    case 'j':
        if (list->sel + 1 < n)
            list->sel++;
        break;
    case KEY_PPAGE:
        list->sel = list->sel > page ? list->sel - page : 0;
        break;
    case KEY_NPAGE:
        list->sel = list->sel + page < n ? list->sel + page : (n ? n - 1 : 0);
        break;
    case KEY_HOME:
    case 'g':
        list->sel = 0;
        break;
    case KEY_END:
    case 'G':
        list->sel = n ? n - 1 : 0;
        break;
    case KEY_LEFT:
    case 'h':
        if (list->left > 0)
            list->left--;
        break;
    case KEY_RIGHT:
    case 'l':
        list->left++;
        break;
    default:
        return UI_IGNORED;
    }
    return UI_HANDLED | UI_REDRAW;
}
