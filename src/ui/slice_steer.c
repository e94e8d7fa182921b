/*
 * slice_steer — steering the sweep from the full-size slice chart (issue
 * 19 ★): for a number, two range markers (vertical lines; [ and ] say
 * which moves, ← → move it one dot column) and n narrows the parameter to
 * the range between them; for a categorical, x drops the value under the
 * cursor (its label dimmed) and n keeps the others; p pins the parameter
 * to the value under the cursor or the best trial's. Nothing is written
 * before the user says yes (ui_confirm); then tt_study_narrow does what
 * `tunetop narrow` does — the sweep file checked against the recorded
 * version, narrowed by config, saved atomically (FILE~ kept), reloaded by
 * the live runner or the next one — and the status line says the outcome.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "slice.h"
#include "tunetop/study.h"

/* The request waiting for the user's yes: its texts live here. */
static struct {
    char param[256];
    char min[40], max[40], pin[256];
    bool has_min, has_max, has_pin;
    char **values;
    size_t n_values;
} pending;

static void pending_clear(void)
{
    for (size_t i = 0; i < pending.n_values; i++)
        free(pending.values[i]);
    free(pending.values);
    memset(&pending, 0, sizeof pending);
}

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
    s->n_dropped = P->n_values;
    s->dropped = tt_xcalloc(P->n_values + 1, sizeof *s->dropped);
}

/* The parameter's range in the values a trial sees; ±inf when unbounded. */
static void space_bounds(const tt_param *P, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    switch (P->dist) {
    case TT_DIST_INT_UNIFORM:
    case TT_DIST_UNIFORM:
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
        *lo = P->min;
        *hi = P->max;
        break;
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
        *lo = exp(P->min);
        *hi = exp(P->max);
        break;
    default:
        break;
    }
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
 * space's range (a marker at the chart's edge or outside the range sets
 * none). Returns how many bounds. */
static int numeric_request(const ui_slice_state *s, const tt_param *P)
{
    tt_slice_scale scale = tt_slice_scale_of(P);
    double lo = value_at(s, scale, s->lo_dot), hi = value_at(s, scale, s->hi_dot);
    double blo, bhi;
    space_bounds(P, &blo, &bhi);
    if (P->is_int) {
        lo = ceil(lo);
        hi = floor(hi);
    }
    const char *fmt = P->is_int ? "%.0f" : "%.4g";
    int n = 0;
    if (s->lo_dot > 0 && lo > blo) {
        snprintf(pending.min, sizeof pending.min, fmt, lo);
        pending.has_min = strtod(pending.min, NULL) > blo;
        n += pending.has_min;
    }
    if (s->hi_dot < s->dot_w - 1 && hi < bhi) {
        snprintf(pending.max, sizeof pending.max, fmt, hi);
        pending.has_max = strtod(pending.max, NULL) < bhi;
        n += pending.has_max;
    }
    return n;
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

static void narrow_now(ui_app *a, void *arg)
{
    (void)arg;
    ui_model *m = &a->model;
    const char **values = NULL;
    if (pending.n_values) {
        values = tt_xcalloc(pending.n_values, sizeof *values);
        for (size_t i = 0; i < pending.n_values; i++)
            values[i] = pending.values[i];
    }
    tt_narrow req = {.param = pending.param,
                     .min = pending.has_min ? pending.min : NULL,
                     .max = pending.has_max ? pending.max : NULL,
                     .values = values,
                     .n_values = pending.n_values,
                     .pin = pending.has_pin ? pending.pin : NULL};
    tt_error err = {0};
    char *path = NULL;
    long version = m->study.info.space_version;
    int64_t id = tt_study_narrow(m->study.store, &m->study.info, &req, &path, &err);
    free(values);
    if (id < 0) {
        ui_message(a, true, "narrow %s refused: %s", pending.param, err.msg);
    } else {
        ui_track(a, "reload", id);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (m->study.runner_pid == 0)
            ui_message(a, false, "%s narrowed in %s (old file %s~): space v%ld once a runner "
                                 "starts (R)", pending.param, base, base, version + 1);
        else
            ui_message(a, false, "%s narrowed in %s (old file %s~): space v%ld when the runner "
                                 "reloads it", pending.param, base, base, version + 1);
        /* the new space's chart starts with fresh markers */
        ui_slice_state *s = ui_slice_state_get();
        free(s->param);
        s->param = NULL;
    }
    free(path);
    pending_clear();
}

static void ask(ui_app *a, const char *what)
{
    if (ui_read_only(a))
        return;
    char q[160];
    snprintf(q, sizeof q, "%.80s? y = write the next space version (old file kept as FILE~), "
                          "other = cancel", what);
    ui_confirm(a, q, narrow_now, NULL);
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
    pending_clear();
    snprintf(pending.param, sizeof pending.param, "%s", P->name);
    char what[400];
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES) {
        pending.values = tt_xcalloc(P->n_values + 1, sizeof *pending.values);
        for (size_t k = 0; k < P->n_values; k++)
            if (k >= s->n_dropped || !s->dropped[k]) {
                char buf[256];
                pending.values[pending.n_values++] =
                    tt_xstrdup(tt_value_format(&P->values[k], buf, sizeof buf));
            }
        if (pending.n_values == P->n_values) {
            ui_message(a, false, "drop a value first (x on the value under the cursor)");
            pending_clear();
            return UI_HANDLED;
        }
        if (pending.n_values == 0) {
            ui_message(a, true, "every value is dropped: keep at least one (x)");
            pending_clear();
            return UI_HANDLED;
        }
        snprintf(what, sizeof what, "Narrow %s to %zu of its %zu values", P->name,
                 pending.n_values, P->n_values);
    } else {
        if (numeric_request(s, P) == 0) {
            ui_message(a, false, "move a marker inside the space's range first ([ ] select, "
                                 "←→ move)");
            pending_clear();
            return UI_HANDLED;
        }
        snprintf(what, sizeof what, "Narrow %s to %s .. %s", P->name,
                 pending.has_min ? pending.min : "(min)", pending.has_max ? pending.max : "(max)");
    }
    ask(a, what);
    return UI_HANDLED;
}

static int pin_key(ui_app *a, const tt_param *P)
{
    ui_slice_state *s = ui_slice_state_get();
    pending_clear();
    snprintf(pending.param, sizeof pending.param, "%s", P->name);
    const char *from;
    if (tt_slice_scale_of(P) == TT_SLICE_CATEGORIES && P->n_values) {
        char buf[256];
        snprintf(pending.pin, sizeof pending.pin, "%s",
                 tt_value_format(&P->values[s->cursor], buf, sizeof buf));
        from = "the value under the cursor";
    } else {
        const ui_trial *best = a->model.best ? ui_model_trial(&a->model, a->model.best) : NULL;
        const char *v = best ? ui_trial_param(&best->rec, P->name) : NULL;
        if (!v || !*v) {
            ui_message(a, true, "no completed trial has %s: nothing to pin it to", P->name);
            return UI_HANDLED;
        }
        snprintf(pending.pin, sizeof pending.pin, "%s", v);
        from = "the best trial's value";
    }
    pending.has_pin = true;
    char what[400];
    snprintf(what, sizeof what, "Pin %s to %s (%s)", P->name, pending.pin, from);
    ask(a, what);
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
