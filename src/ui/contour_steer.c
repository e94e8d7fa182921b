/*
 * contour_steer — steering the sweep from the contour view (issue 19 ★): a
 * selection rectangle over the grid of the two parameters. Its low corner
 * (bottom left) and high corner (top right) are markers: `[` and `]` say
 * which one moves, ← → move its column (the x parameter's bound), ↑ ↓ its
 * row (the y parameter's); a mouse drag across the grid sets the whole
 * rectangle. `n` narrows both parameters to it in one new space version —
 * a number to the range between its edges (an edge left at the grid's
 * border leaves that bound as it is), a categorical axis to the values
 * whose bands it covers — and an axis that would not narrow is left alone;
 * `p` pins both to the best trial's values. The question, the write and
 * the status line's answer are steer.c's, as for the slice view.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contour.h"
#include "steer.h"
#include "views.h"

static struct {
    ui_contour_frame f;          /* the last frame with a grid */
    bool shown;                  /* the frame shows that grid (not a message) */
    double *xs, *ys;             /* f's copies */
    char pa[256], pb[256];       /* the pair the markers belong to */
    int x0, x1;                  /* the rectangle's columns, x0 <= x1 */
    int y0, y1;                  /* its rows counted from the bottom, y0 <= y1 */
    int corner;                  /* 0: the low corner moves, 1: the high one */
    bool placed;
    int drag_col, drag_row;      /* where a mouse press began; -1: none */
} cs = {.drag_col = -1, .drag_row = -1};

static void reset_markers(void)
{
    cs.placed = false;
    cs.corner = 0;
    cs.drag_col = cs.drag_row = -1;
}

void ui_contour_steer_frame(const ui_contour_frame *f)
{
    cs.shown = f != NULL;
    if (!f)
        return;   /* the markers stay for when the grid is back */
    bool same = cs.placed && strcmp(cs.pa, f->pa->name) == 0 &&
                strcmp(cs.pb, f->pb->name) == 0 && cs.f.cols == f->cols &&
                cs.f.rows == f->rows;
    if (cs.f.cols != f->cols)
        cs.xs = tt_xrealloc(cs.xs, ((size_t)f->cols + 1) * sizeof *cs.xs);
    if (cs.f.rows != f->rows)
        cs.ys = tt_xrealloc(cs.ys, ((size_t)f->rows + 1) * sizeof *cs.ys);
    memcpy(cs.xs, f->xs, (size_t)f->cols * sizeof *cs.xs);
    memcpy(cs.ys, f->ys, (size_t)f->rows * sizeof *cs.ys);
    cs.f = *f;
    cs.f.xs = cs.xs;
    cs.f.ys = cs.ys;
    if (!same) {
        /* a new pair or grid: the rectangle starts as the whole grid */
        snprintf(cs.pa, sizeof cs.pa, "%s", f->pa->name);
        snprintf(cs.pb, sizeof cs.pb, "%s", f->pb->name);
        reset_markers();
        cs.x0 = cs.y0 = 0;
        cs.x1 = f->cols - 1;
        cs.y1 = f->rows - 1;
        cs.placed = true;
    }
}

void ui_contour_steer_free(void)
{
    free(cs.xs);
    free(cs.ys);
    memset(&cs, 0, sizeof cs);
    cs.drag_col = cs.drag_row = -1;
}

static bool whole_grid(void)
{
    return cs.x0 == 0 && cs.y0 == 0 && cs.x1 == cs.f.cols - 1 && cs.y1 == cs.f.rows - 1;
}

void ui_contour_steer_overlay(ui_app *a, void *win)
{
    WINDOW *w = win;
    if (!cs.placed || !cs.shown || whole_grid())
        return;
    bool u = a->utf8;
    int top = cs.f.top + (cs.f.rows - 1 - cs.y1), bottom = cs.f.top + (cs.f.rows - 1 - cs.y0);
    int left = cs.f.left + cs.x0, right = cs.f.left + cs.x1;
    wattrset(w, a->attr[UI_ROLE_SELECTION]);
    for (int x = left; x <= right; x++) {
        mvwaddstr(w, top, x, u ? "─" : "-");
        mvwaddstr(w, bottom, x, u ? "─" : "-");
    }
    for (int y = top; y <= bottom; y++) {
        mvwaddstr(w, y, left, u ? "│" : "|");
        mvwaddstr(w, y, right, u ? "│" : "|");
    }
    mvwaddstr(w, top, left, u ? "┌" : "+");
    mvwaddstr(w, top, right, u ? "┐" : "+");
    mvwaddstr(w, bottom, left, u ? "└" : "+");
    mvwaddstr(w, bottom, right, u ? "┘" : "+");
    /* the corner the arrows move, bold so it reads as the cursor */
    wattron(w, A_BOLD | A_REVERSE);
    if (cs.corner == 0)
        mvwaddstr(w, bottom, left, u ? "└" : "+");
    else
        mvwaddstr(w, top, right, u ? "┐" : "+");
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

/* The value shown at column col (x) or at row r counted from the bottom
 * (y), as text. */
static void value_text(const tt_param *P, const tt_chart_axis *ax, double v, char *buf,
                       size_t n)
{
    if (ax->n_categories && P->n_values) {
        char tmp[256];
        size_t k = v < 0 ? 0 : (size_t)v < P->n_values ? (size_t)v : P->n_values - 1;
        snprintf(buf, n, "%s", tt_value_format(&P->values[k], tmp, sizeof tmp));
    } else {
        tt_chart_format_tick(v, buf, n);
    }
}

static double y_value(int from_bottom)
{
    return cs.f.ys[cs.f.rows - 1 - from_bottom];
}

void ui_contour_steer_label(const ui_app *a, char *buf, size_t n)
{
    if (!cs.placed || !cs.shown || whole_grid()) {
        snprintf(buf, n, "[ ] corner  %s move  n narrow  p pin", a->utf8 ? "←→↑↓" : "arrows");
        return;
    }
    char xa[64], xb[64], ya[64], yb[64];
    value_text(cs.f.pa, &cs.f.ax, cs.f.xs[cs.x0], xa, sizeof xa);
    value_text(cs.f.pa, &cs.f.ax, cs.f.xs[cs.x1], xb, sizeof xb);
    value_text(cs.f.pb, &cs.f.ay, y_value(cs.y0), ya, sizeof ya);
    value_text(cs.f.pb, &cs.f.ay, y_value(cs.y1), yb, sizeof yb);
    snprintf(buf, n, "%s %s..%s %s %s %s..%s  n narrow", cs.f.pa->name, xa, xb,
             a->utf8 ? "×" : "x", cs.f.pb->name, ya, yb);
}

/* The request for one axis: P's values at the cells lo..hi of values
 * (count cells, increasing). Returns whether it narrows anything; a
 * request that does not is dropped. */
static bool axis_request(const tt_param *P, const tt_chart_axis *ax, const double *values,
                         int count, int lo, int hi)
{
    ui_steer_req *r = ui_steer_add(P);
    if (!r)
        return false;
    if (ax->n_categories && P->dist == TT_DIST_CATEGORICAL) {
        /* the values whose bands the rectangle covers (a cell's centre
         * names its band), in the space's order */
        bool *keep = tt_xcalloc(P->n_values + 1, sizeof *keep);
        for (int c = lo; c <= hi; c++)
            if (values[c] >= 0 && (size_t)values[c] < P->n_values)
                keep[(size_t)values[c]] = true;
        for (size_t k = 0; k < P->n_values; k++)
            if (keep[k])
                ui_steer_keep(r, P, k);
        free(keep);
        if (r->n_values > 0 && r->n_values < P->n_values)
            return true;
    } else if (!ax->n_categories &&
               ui_steer_range(r, P, values[lo], lo == 0, values[hi], hi == count - 1) > 0) {
        return true;
    }
    ui_steer_drop_last();
    return false;
}

/* After a write: the new space's grid starts with the whole rectangle. */
static void forget_markers(void)
{
    cs.placed = false;
}

/* What a request asks for, for the question. */
static void describe(const ui_steer_req *r, char *buf, size_t n)
{
    if (r->n_values) {
        size_t len = (size_t)snprintf(buf, n, "%.80s to {", r->param);
        for (size_t k = 0; k < r->n_values && len < n; k++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "," : "", r->values[k]);
        if (len < n)
            snprintf(buf + len, n - len, "}");
    } else {
        snprintf(buf, n, "%.80s to %.40s .. %.40s", r->param, r->has_min ? r->min : "(min)",
                 r->has_max ? r->max : "(max)");
    }
}

static int narrow_key(ui_app *a)
{
    ui_steer_begin();
    double *ys = tt_xmalloc(((size_t)cs.f.rows + 1) * sizeof *ys);
    for (int i = 0; i < cs.f.rows; i++)
        ys[i] = y_value(i);   /* bottom up, as the rectangle's rows count */
    axis_request(cs.f.pa, &cs.f.ax, cs.f.xs, cs.f.cols, cs.x0, cs.x1);
    axis_request(cs.f.pb, &cs.f.ay, ys, cs.f.rows, cs.y0, cs.y1);
    free(ys);
    if (ui_steer_count() == 0) {
        ui_message(a, false, "select a smaller rectangle first ([ ] corner, ←→↑↓ move it, or "
                             "drag across the grid)");
        return UI_HANDLED;
    }
    /* one request per axis that narrows, x first */
    char what[400], one[UI_STEER_MAX][180];
    size_t n = ui_steer_count();
    for (size_t i = 0; i < n; i++)
        describe(ui_steer_get(i), one[i], sizeof one[i]);
    snprintf(what, sizeof what, "Narrow %s%s%s", one[0], n > 1 ? " and " : "",
             n > 1 ? one[1] : "");
    ui_steer_ask(a, what, forget_markers);
    return UI_HANDLED;
}

static int pin_key(ui_app *a)
{
    ui_steer_begin();
    ui_steer_req *ra = ui_steer_add(cs.f.pa);
    if (!ui_steer_pin_best(a, ra, cs.f.pa))
        return UI_HANDLED;
    ui_steer_req *rb = ui_steer_add(cs.f.pb);
    if (!ui_steer_pin_best(a, rb, cs.f.pb))
        return UI_HANDLED;
    char what[400];
    snprintf(what, sizeof what, "Pin %.60s to %.60s and %.60s to %.60s (the best trial's values)",
             ra->param, ra->pin, rb->param, rb->pin);
    ui_steer_ask(a, what, forget_markers);
    return UI_HANDLED;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Move the selected corner by (dx, dy) cells, kept on its side of the
 * other corner and inside the grid. */
static void move_corner(int dx, int dy)
{
    int *x = cs.corner ? &cs.x1 : &cs.x0, *y = cs.corner ? &cs.y1 : &cs.y0;
    *x = clamp(*x + dx, cs.corner ? cs.x0 : 0, cs.corner ? cs.f.cols - 1 : cs.x1);
    *y = clamp(*y + dy, cs.corner ? cs.y0 : 0, cs.corner ? cs.f.rows - 1 : cs.y1);
}

int ui_contour_steer_key(ui_app *a, int key)
{
    if (!cs.placed || !cs.shown)
        return key == 'n' || key == 'p' ? UI_HANDLED : UI_IGNORED;
    switch (key) {
    case '[':
    case ']':
        cs.corner = key == ']';
        return UI_HANDLED;
    case KEY_LEFT:
    case 'h':
        move_corner(-1, 0);
        return UI_HANDLED;
    case KEY_RIGHT:
    case 'l':
        move_corner(1, 0);
        return UI_HANDLED;
    case KEY_UP:
    case 'k':
        move_corner(0, 1);
        return UI_HANDLED;
    case KEY_DOWN:
    case 'j':
        move_corner(0, -1);
        return UI_HANDLED;
    case 'n':
        return narrow_key(a);
    case 'p':
        return pin_key(a);
    default:
        return UI_IGNORED;
    }
}

/* The cell under (y, x) of the window: its column and its row counted from
 * the bottom; false off the grid. */
static bool cell_at(int y, int x, int *col, int *row)
{
    int c = x - cs.f.left, r = y - cs.f.top;
    if (!cs.shown || c < 0 || c >= cs.f.cols || r < 0 || r >= cs.f.rows)
        return false;
    *col = c;
    *row = cs.f.rows - 1 - r;
    return true;
}

int ui_contour_steer_mouse(ui_app *a, int what, int y, int x)
{
    (void)a;
    int col, row;
    if (!cs.placed || !cell_at(y, x, &col, &row)) {
        cs.drag_col = cs.drag_row = -1;   /* a drag that ends off the grid selects nothing */
        return UI_IGNORED;
    }
    if (what == UI_MOUSE_PRESS) {
        cs.drag_col = col;
        cs.drag_row = row;
        return UI_HANDLED;
    }
    if (cs.drag_col < 0)
        return UI_IGNORED;
    int fc = cs.drag_col, fr = cs.drag_row;
    if (what == UI_MOUSE_RELEASE)
        cs.drag_col = cs.drag_row = -1;
    if (col == fc && row == fr) {
        if (what == UI_MOUSE_DRAG)
            return UI_IGNORED;
        /* a click: the selected corner to it */
        move_corner(col - (cs.corner ? cs.x1 : cs.x0), row - (cs.corner ? cs.y1 : cs.y0));
        return UI_HANDLED;
    }
    cs.x0 = col < fc ? col : fc;
    cs.x1 = col < fc ? fc : col;
    cs.y0 = row < fr ? row : fr;
    cs.y1 = row < fr ? fr : row;
    return UI_HANDLED;
}
