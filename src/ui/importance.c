/*
 * importance — one bar per parameter. When the runner has stored an
 * importance result (fANOVA, PED-ANOVA…) the panel shows it with its
 * method, trial count and each parameter's interval (solid up to the low
 * end, shaded up to the value, a whisker up to the high end), says
 * "ranking not yet stable" while the top parameters' intervals overlap,
 * and, when the panel has the rows, lists the strongest interactions
 * (fANOVA pairs "a × b"). Until then it shows the rank correlation of each
 * parameter with the objective (corr.c), labelled as such, never as
 * "importance".
 *
 * Nothing here reads the store or recomputes per frame: the model polls
 * the stored result every few seconds and caches the correlations until
 * the completed trials change (model.c).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Top parameters whose order "ranking not yet stable" is about. */
#define STABLE_TOP 3

/* How a stored method is named in a short label. */
static const char *method_short(const char *method)
{
    if (strcmp(method, "fanova") == 0)
        return "fANOVA";
    if (strcmp(method, "ped-anova") == 0)
        return "PED-ANOVA";
    return method;
}

static void draw_bar(ui_app *a, WINDOW *w, int y, int x, int width, double frac)
{
    if (width <= 0)
        return;
    if (!(frac >= 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    int eighths = (int)(frac * width * 8 + 0.5);
    static const char *const part[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    wattrset(w, a->attr[UI_ROLE_BAR]);
    wmove(w, y, x);
    for (int i = 0; i < width; i++) {
        int c = eighths - i * 8;
        if (!a->utf8)
            waddch(w, c >= 4 ? '#' : ' ');
        else if (c >= 8)
            waddstr(w, "█");
        else if (c > 0)
            waddstr(w, part[c]);
        else
            waddch(w, ' ');
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static int cells(double frac, int width)
{
    if (!(frac >= 0))
        return 0;
    if (frac > 1)
        frac = 1;
    return (int)(frac * width + 0.5);
}

/* A bar with its interval: solid to low, shaded from low to the value, a
 * whisker from the value to high (fractions of width). Without an
 * interval, the plain bar. */
static void draw_interval_bar(ui_app *a, WINDOW *w, int y, int x, int width, double v,
                              double lo, double hi)
{
    if (width <= 0)
        return;
    if (!isfinite(lo) || !isfinite(hi)) {
        draw_bar(a, w, y, x, width, v);
        return;
    }
    int c_lo = cells(lo, width), c_v = cells(v, width), c_hi = cells(hi, width);
    if (c_lo > c_v)
        c_lo = c_v;
    if (c_hi < c_v)
        c_hi = c_v;
    if (c_v == 0 && v > 0)
        c_v = 1; /* a value is never invisible */
    wmove(w, y, x);
    for (int i = 0; i < width; i++) {
        if (i < c_lo) {
            wattrset(w, a->attr[UI_ROLE_BAR]);
            a->utf8 ? waddstr(w, "█") : waddch(w, '#');
        } else if (i < c_v) {
            wattrset(w, a->attr[UI_ROLE_BAR]);
            a->utf8 ? waddstr(w, "▒") : waddch(w, '=');
        } else if (i < c_hi) {
            wattrset(w, a->attr[UI_ROLE_AXIS]);
            a->utf8 ? waddstr(w, "─") : waddch(w, '-');
        } else {
            wattrset(w, a->attr[UI_ROLE_DEFAULT]);
            waddch(w, ' ');
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

static int names_width(char *const *names, size_t n, int cap)
{
    int name_w = 4;
    for (size_t i = 0; i < n; i++) {
        int nw = ui_text_width(names[i]);
        if (nw > name_w)
            name_w = nw;
    }
    return name_w > cap ? cap : name_w;
}

/* The number column of row i: the value, with its interval when wide. */
static void format_value(const ui_app *a, const tt_importance *imp, size_t i, const char *fmt,
                         bool wide, char *buf, size_t n)
{
    double v = imp->value[i];
    double lo = imp->low ? imp->low[i] : NAN, hi = imp->high ? imp->high[i] : NAN;
    char vb[32], lb[32], hb[32];
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    snprintf(vb, sizeof vb, fmt, v);
    if (!wide || !isfinite(lo) || !isfinite(hi)) {
        snprintf(buf, n, "%s", vb);
        return;
    }
    snprintf(lb, sizeof lb, fmt, lo);
    snprintf(hb, sizeof hb, fmt, hi);
    snprintf(buf, n, "%s (%s%s%s)", vb, lb, a->utf8 ? "–" : "-", hb);
}

/* Rows of a stored result from row y on (at most rows of them): name, bar
 * with interval, value (and the interval in numbers when the panel is
 * wide enough to keep a bar of 12 cells beside them). Returns the rows
 * used. */
static int draw_rows(ui_app *a, WINDOW *w, int y, int rows, int x0, int inner,
                     const tt_importance *imp, int name_cap, const char *fmt)
{
    if (rows <= 0)
        return 0;
    size_t n = imp->n < (size_t)rows ? imp->n : (size_t)rows;
    int name_w = names_width(imp->params, n, name_cap);
    int num_w = 4, wide_w = 4;
    char num[128];
    for (size_t i = 0; i < n; i++) {
        format_value(a, imp, i, fmt, false, num, sizeof num);
        int nw = ui_text_width(num);
        num_w = nw > num_w ? nw : num_w;
        format_value(a, imp, i, fmt, true, num, sizeof num);
        nw = ui_text_width(num);
        wide_w = nw > wide_w ? nw : wide_w;
    }
    bool wide = inner - name_w - 2 - wide_w >= 12;
    if (wide)
        num_w = wide_w;
    int bar_w = inner - name_w - 2 - num_w;
    double max = 0;
    for (size_t i = 0; i < imp->n; i++) {
        double v = imp->value[i], hi = imp->high ? imp->high[i] : NAN;
        if (isfinite(v) && v > max)
            max = v;
        if (isfinite(hi) && hi > max)
            max = hi;
    }
    if (!(max > 0))
        max = 1;
    for (size_t i = 0; i < n; i++) {
        double v = imp->value[i];
        double lo = imp->low ? imp->low[i] : NAN, hi = imp->high ? imp->high[i] : NAN;
        char name[128];
        snprintf(name, sizeof name, "%s", imp->params[i]);
        if (!a->utf8) {
            /* "a × b": × has an ASCII stand-in */
            char *p = strstr(name, "×");
            if (p) {
                *p = 'x';
                memmove(p + 1, p + 2, strlen(p + 2) + 1);
            }
        }
        ui_put(w, y + (int)i, x0, name, name_w, true);
        draw_interval_bar(a, w, y + (int)i, x0 + name_w + 1, bar_w, v / max, lo / max, hi / max);
        format_value(a, imp, i, fmt, wide, num, sizeof num);
        ui_put_right(w, y + (int)i, x0 + name_w + 1 + bar_w + 1, num, num_w);
    }
    return (int)n;
}

static void draw_stored(ui_app *a, WINDOW *w, int h, int x0, int inner)
{
    const ui_model *m = &a->model;
    int rows = h - 1;
    size_t at = 0;
    bool unstable = ui_importance_unstable(&m->importance, STABLE_TOP, &at);
    int want = (int)m->importance.n + (unstable ? 1 : 0);
    /* interactions below when they fit: a heading and at least one pair */
    int pair_rows = 0;
    if (m->pairs.n > 0 && inner >= 24 && rows - want >= 2) {
        pair_rows = rows - want - 1;
        if (pair_rows > (int)m->pairs.n)
            pair_rows = (int)m->pairs.n;
    }
    int y = 1;
    y += draw_rows(a, w, y, rows - (unstable ? 1 : 0), x0, inner, &m->importance, inner / 3,
                   "%.2f");
    if (unstable) {
        /* which two, when there is room to say so */
        char note[160];
        snprintf(note, sizeof note, "ranking not yet stable: %s, %s overlap",
                 m->importance.params[at], m->importance.params[at + 1]);
        if (ui_text_width(note) > inner)
            snprintf(note, sizeof note, "ranking not yet stable");
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, y++, x0, note, inner, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    }
    if (pair_rows > 0) {
        wattrset(w, a->attr[UI_ROLE_TITLE]);
        ui_put(w, y++, x0,
               inner >= 40 ? "interactions (share of the variance)" : "interactions", inner,
               false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        tt_importance top = m->pairs;
        top.n = (size_t)pair_rows;
        draw_rows(a, w, y, pair_rows, x0, inner, &top, inner / 2, "%.3f");
    }
}

static void draw_correlations(ui_app *a, WINDOW *w, int h, int x0, int inner,
                              const ui_corr *corr, size_t n)
{
    int name_w = 4;
    for (size_t i = 0; i < n; i++) {
        int nw = ui_text_width(corr[i].param);
        if (nw > name_w)
            name_w = nw;
    }
    if (name_w > inner / 3)
        name_w = inner / 3;
    int bar_w = inner - name_w - 8;
    for (size_t i = 0; i < n && (int)i + 1 < h; i++) {
        int y = (int)i + 1;
        ui_put(w, y, x0, corr[i].param, name_w, true);
        double v = corr[i].value;
        draw_bar(a, w, y, x0 + name_w + 1, bar_w, isfinite(v) ? fabs(v) : 0);
        char num[16];
        if (!isfinite(v))
            snprintf(num, sizeof num, "-");
        else if (!corr[i].categorical)
            snprintf(num, sizeof num, "%+.2f", v);
        else
            snprintf(num, sizeof num, a->utf8 ? "η%.2f" : "e=%.2f", v);
        ui_put_right(w, y, x0 + name_w + 1 + bar_w, num, 6);
    }
}

void ui_importance_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    ui_model *m = &a->model;
    int h = getmaxy(w), wd = getmaxx(w);
    int x0 = getbegx(w) > 0 ? 2 : 1;
    int inner = wd - x0 - 1;
    bool focused = a->focus == UI_PANEL_IMPORTANCE && a->overlay == UI_OVERLAY_NONE;
    char right[96], short_right[64];
    if (m->importance.n > 0) {
        /* "here": computed by the dashboard, the runner has stored none */
        snprintf(right, sizeof right, "%s%s (%ld trials)", m->importance_method,
                 m->importance_here ? " here" : "", m->importance.n_trials);
        snprintf(short_right, sizeof short_right, "%s n=%ld",
                 method_short(m->importance_method), m->importance.n_trials);
        ui_draw_title_fit(a, w, "Importance", "Imp.", right, short_right, focused);
        draw_stored(a, w, h, x0, inner);
        return;
    }
    size_t n = 0;
    long n_trials = 0;
    const ui_corr *corr = ui_model_correlations(m, &n, &n_trials);
    snprintf(right, sizeof right, "rank correlation (%ld trials)", n_trials);
    snprintf(short_right, sizeof short_right, "rank corr n=%ld", n_trials);
    ui_draw_title_fit(a, w, "Importance", "Imp.", right, short_right, focused);
    if (n == 0 || n_trials < 3) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, 2, x0, "needs 3 completed trials", inner, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    draw_correlations(a, w, h, x0, inner, corr, n);
}
