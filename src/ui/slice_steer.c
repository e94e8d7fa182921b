/*
 * slice_steer — steering the sweep from the full-size slice chart (issue
 * 19 ★): for a number, two range markers (vertical lines; [ and ] say
 * which moves, ← → move it one dot column) and n narrows the parameter to
 * the range between them; for a categorical, x drops the value under the
 * cursor (its label dimmed) and n keeps the others; p pins the parameter
 * to the value under the cursor or the best trial's. A mouse drag across
 * the chart places both markers at once. The question, the write and the
 * status line's answer are steer.c's, shared with the contour view.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "slice.h"
#include "steer.h"
#include "views.h"

void ui_slice_steer_follow(const tt_param *P)
{
    ui_slice_state *s = ui_slice_state_get();
    if (s->param && strcmp(s->param, P->name) == 0 && s->n_dropped == P->n_values)
        return;
    free(s->param);
    free(s->dropped);
    s->param = tt_xstrdup(P->name);
    s->marker = 0;
    s->lo_dot = s->hi_dot = -1;
    s->cursor = 0;
    s->drag_dot = -1;
    s->n_dropped = P->n_values;
    s->dropped = tt_xcalloc(P->n_values + 1, sizeof *s->dropped);
}

/* The value at dot column d of the full-size chart. */
static double value_at(const ui_slice_state *s, tt_slice_scale scale, int d)
{
    double f = s->dot_w > 1 ? (double)d / (double)(s->dot_w - 1) : 0.0;
    return tt_slice_value(scale, s->axes.x_min + f * (s->axes.x_max - s->axes.x_min));
}

static void place_markers(ui_slice_state *s, int width)
{
    if (s->lo_dot < 0 || s->hi_dot < 0) {
        s->lo_dot = 0;
        s->hi_dot = width - 1;
    }
    if (s->hi_dot > width - 1)
        s->hi_dot = width - 1;
    if (s->lo_dot > s->hi_dot)
        s->lo_dot = s->hi_dot;
}

void ui_slice_steer_overlay(ui_app *a, tt_canvas *c, const tt_chart_axes *axes,
                            const tt_param *P, tt_slice_scale scale)
{
    (void)a;
    (void)axes;
    (void)P;
    ui_slice_state *s = ui_slice_state_get();
    if (scale == TT_SLICE_CATEGORIES)
        return; /* the labels show the cursor and the dropped values */
    int width = tt_canvas_width(c), height = tt_canvas_height(c);
    place_markers(s, width);
    int d[2] = {s->lo_dot, s->hi_dot};
    for (int k = 0; k < 2; k++)
        tt_canvas_line(c, d[k], 0, d[k], height - 1,
                       k == s->marker ? UI_PLOT_SELECT : UI_PLOT_RUNNING);
}

/* The numeric request of the markers: the bounds they set inside the
 * space's range (a marker at the chart's edge sets none). Returns how many
 * bounds. */
static int numeric_request(const ui_slice_state *s, const tt_param *P, ui_steer_req *r)
{
    tt_slice_scale scale = tt_slice_scale_of(P);
    return ui_steer_range(r, P, value_at(s, scale, s->lo_dot), s->lo_dot <= 0,
                          value_at(s, scale, s->hi_dot), s->hi_dot >= s->dot_w - 1);
}

void ui_slice_steer_label(ui_app *a, const tt_param *P, char *buf, size_t n)
{
    ui_slice_state *s = ui_slice_state_get();
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES) {
        size_t kept = 0;
        for (size_t k = 0; k < s->n_dropped; k++)
            kept += !s->dropped[k];
        snprintf(buf, n, "%zu of %zu values kept · ←→ value  x drop/keep  n narrow  p pin  Esc",
                 kept, P->n_values);
        return;
    }
    if (s->dot_w <= 1 || s->lo_dot < 0) {
        snprintf(buf, n, "[ ] marker  ←→ move  n narrow  p pin  Esc");
        return;
    }
    tt_slice_scale scale = tt_slice_scale_of(P);
    char lo[16], hi[16];
    tt_chart_format_tick(value_at(s, scale, s->lo_dot), lo, sizeof lo);
    tt_chart_format_tick(value_at(s, scale, s->hi_dot), hi, sizeof hi);
    snprintf(buf, n, "range %s%s .. %s%s · [ ] marker  ←→ move  n narrow  p pin  Esc",
             s->marker == 0 ? ">" : "", lo, s->marker == 1 ? ">" : "", hi);
    (void)a;
}

/* After a write: the new space's chart starts with fresh markers. */
static void forget_markers(void)
{
    ui_slice_state *s = ui_slice_state_get();
    free(s->param);
    s->param = NULL;
}

static const tt_param *selected_param(ui_app *a)
{
    ui_slice_state *s = ui_slice_state_get();
    const tt_space *sp = a->model.study.sweep ? a->model.study.sweep->space : NULL;
    if (!sp || !s->param)
        return NULL;
    long i = tt_space_find(sp, s->param);
    return i < 0 ? NULL : &sp->params[i];
}

static int narrow_key(ui_app *a, const tt_param *P)
{
    ui_slice_state *s = ui_slice_state_get();
    ui_steer_begin();
    ui_steer_req *r = ui_steer_add(P);
    char what[400];
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES) {
        for (size_t k = 0; k < P->n_values; k++)
            if (k >= s->n_dropped || !s->dropped[k])
                ui_steer_keep(r, P, k);
        if (r->n_values == P->n_values) {
            ui_message(a, false, "drop a value first (x on the value under the cursor)");
            return UI_HANDLED;
        }
        if (r->n_values == 0) {
            ui_message(a, true, "every value is dropped: keep at least one (x)");
            return UI_HANDLED;
        }
        snprintf(what, sizeof what, "Narrow %s to %zu of its %zu values", P->name,
                 r->n_values, P->n_values);
    } else {
        if (numeric_request(s, P, r) == 0) {
            ui_message(a, false, "move a marker inside the space's range first ([ ] select, "
                                 "←→ move, or drag across the chart)");
            return UI_HANDLED;
        }
        snprintf(what, sizeof what, "Narrow %s to %s .. %s", P->name,
                 r->has_min ? r->min : "(min)", r->has_max ? r->max : "(max)");
    }
    ui_steer_ask(a, what, forget_markers);
    return UI_HANDLED;
}

static int pin_key(ui_app *a, const tt_param *P)
{
    ui_slice_state *s = ui_slice_state_get();
    ui_steer_begin();
    ui_steer_req *r = ui_steer_add(P);
    const char *from;
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES && P->n_values) {
        ui_steer_pin_value(r, P, (size_t)s->cursor);
        from = "the value under the cursor";
    } else {
        if (!ui_steer_pin_best(a, r, P))
            return UI_HANDLED;
        from = "the best trial's value";
    }
    char what[400];
    snprintf(what, sizeof what, "Pin %s to %s (%s)", P->name, r->pin, from);
    ui_steer_ask(a, what, forget_markers);
    return UI_HANDLED;
}

int ui_slice_steer_key(ui_app *a, int key)
{
    ui_slice_state *s = ui_slice_state_get();
    const tt_param *P = selected_param(a);
    if (!P)
        return UI_IGNORED;
    bool cat = tt_slice_scale_of(P) == TT_SLICE_CATEGORIES;
    switch (key) {
    case '[':
    case ']':
        if (cat)
            return UI_IGNORED;
        s->marker = key == ']';
        return UI_HANDLED;
    case KEY_LEFT:
    case KEY_RIGHT:
    case 'h':
    case 'l': {
        int d = key == KEY_LEFT || key == 'h' ? -1 : 1;
        if (cat) {
            int c = s->cursor + d;
            if (c >= 0 && (size_t)c < P->n_values)
                s->cursor = c;
            return UI_HANDLED;
        }
        if (s->lo_dot < 0)
            return UI_HANDLED;
        int *m = s->marker ? &s->hi_dot : &s->lo_dot;
        int lo = s->marker ? s->lo_dot : 0, hi = s->marker ? s->dot_w - 1 : s->hi_dot;
        if (*m + d >= lo && *m + d <= hi)
            *m += d;
        return UI_HANDLED;
    }
    case 'x':
        if (!cat)
            return UI_IGNORED;
        if ((size_t)s->cursor < s->n_dropped)
            s->dropped[s->cursor] = !s->dropped[s->cursor];
        return UI_HANDLED;
    case 'n':
        return narrow_key(a, P);
    case 'p':
        return pin_key(a, P);
    default:
        return UI_IGNORED;
    }
}

/* The dot column under window column x, the left (low) or right (high)
 * dot of its cell: a drag's ends include the cells they are on. -1 when x
 * is off the chart's columns. */
static int dot_at(const ui_slice_state *s, int x, bool high)
{
    int col = x - s->chart_left;
    if (s->chart_cols <= 0 || s->dot_w <= 1 || col < 0 || col >= s->chart_cols)
        return -1;
    int per = s->dot_w / s->chart_cols > 0 ? s->dot_w / s->chart_cols : 1;
    int d = col * per + (high ? per - 1 : 0);
    return d < s->dot_w ? d : s->dot_w - 1;
}

int ui_slice_steer_mouse(ui_app *a, int what, int y, int x)
{
    ui_slice_state *s = ui_slice_state_get();
    const tt_param *P = selected_param(a);
    /* the chart's rows and its axis row (where a categorical's labels are) */
    if (!P || y < s->chart_top || y > s->chart_top + s->chart_rows) {
        s->drag_dot = -1;   /* a drag that ends off the chart selects nothing */
        return UI_IGNORED;
    }
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES) {
        int col = x - s->chart_left;
        if (what != UI_MOUSE_PRESS || P->n_values == 0 || col < 0 || col >= s->chart_cols)
            return UI_IGNORED;
        s->cursor = (int)((size_t)col * P->n_values / (size_t)s->chart_cols);
        return UI_HANDLED;
    }
    if (s->lo_dot < 0)
        return UI_IGNORED;   /* not drawn yet: no markers to move */
    if (what == UI_MOUSE_PRESS) {
        s->drag_dot = dot_at(s, x, false);
        return s->drag_dot < 0 ? UI_IGNORED : UI_HANDLED;
    }
    int here = dot_at(s, x, false);
    if (s->drag_dot < 0 || here < 0)
        return UI_IGNORED;
    int from = s->drag_dot;
    if (what == UI_MOUSE_RELEASE)
        s->drag_dot = -1;
    if (here == from) {
        if (what == UI_MOUSE_DRAG)
            return UI_IGNORED;
        /* a click: the selected marker to it, kept on its side of the other */
        if (s->marker == 0)
            s->lo_dot = here < s->hi_dot ? here : s->hi_dot;
        else
            s->hi_dot = here > s->lo_dot ? here : s->lo_dot;
        return UI_HANDLED;
    }
    /* a drag either way: its ends, each cell counted whole */
    int lo = here < from ? here : from, hi = here < from ? from : here;
    s->lo_dot = lo;
    s->hi_dot = dot_at(s, s->chart_left + (hi / (s->dot_w / s->chart_cols > 0
                                                     ? s->dot_w / s->chart_cols : 1)), true);
    return UI_HANDLED;
}
