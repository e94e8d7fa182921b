/*
 * draw — the few drawing primitives every panel uses: a panel's title row,
 * clipped text measured in columns (wcwidth), right-aligned numbers, and
 * the small formatters for values and durations. Text from outside (trial
 * output, parameter values, file names) is cleaned of control sequences
 * here, at the last moment, so no panel can forget it.
 */
#include <curses.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* In a non-UTF-8 locale, non-ASCII bytes would print as garbage: each
 * character becomes '?', except the separators tunetop's own titles use
 * ("·" and "…"), which have ASCII stand-ins of the same width. */
static char *for_terminal(const char *s)
{
    char *t = ui_text_clean(s, strlen(s));
    if (MB_CUR_MAX == 1) {
        size_t o = 0;
        for (size_t i = 0; t[i]; i++) {
            unsigned char c = (unsigned char)t[i];
            if (c < 0x80)
                t[o++] = (char)c;
            else if (c == 0xC2 && (unsigned char)t[i + 1] == 0xB7)
                t[o++] = '-'; /* U+00B7 middle dot; its second byte is skipped below */
            else if (c == 0xE2 && (unsigned char)t[i + 1] == 0x80 &&
                     (unsigned char)t[i + 2] == 0xA6)
                t[o++] = '.'; /* U+2026 ellipsis */
            else if ((c & 0xC0) != 0x80)
                t[o++] = '?';
        }
        t[o] = '\0';
    }
    return t;
}

int ui_put(void *win, int y, int x, const char *s, int width, bool pad)
{
    WINDOW *w = win;
    if (width <= 0 || !s)
        return 0;
    char *t = for_terminal(s);
    int used = 0;
    size_t n = ui_text_fit(t, width, &used);
    mvwaddnstr(w, y, x, t, (int)n);
    free(t);
    if (pad)
        for (int i = used; i < width; i++)
            waddch(w, ' ');
    return used;
}

void ui_put_right(void *win, int y, int x, const char *s, int width)
{
    if (width <= 0)
        return;
    char *t = for_terminal(s);
    int tw = ui_text_width(t);
    int off = tw < width ? width - tw : 0;
    ui_put(win, y, x + off, t, width - off, false);
    free(t);
}

/* Box drawing: Unicode characters in a UTF-8 locale, plain - | + otherwise
 * (the VT100 alternate character set would do on a real terminal, but not
 * through every multiplexer and log, and plain text reads the same). */
void ui_hline(const ui_app *a, void *win, int y, int x, int n)
{
    WINDOW *w = win;
    if (n <= 0)
        return;
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddstr(w, a->utf8 ? "─" : "-");
}

void ui_vline(const ui_app *a, void *win, int y, int x, int n)
{
    WINDOW *w = win;
    for (int i = 0; i < n; i++) {
        mvwaddstr(w, y + i, x, a->utf8 ? "│" : "|");
    }
}

/* Columns " [▶ ]title " takes at x0 + 1, clipped to the panel. */
static int title_width(const ui_app *a, const char *title, bool focused)
{
    char buf[256];
    snprintf(buf, sizeof buf, " %s%s ", focused ? (a->utf8 ? "▶ " : "> ") : "", title);
    return ui_text_width(buf);
}

/* Whether " right " fits at the right end beside a title of used columns. */
static bool right_fits(int wd, int x0, int used, const char *right)
{
    char rb[256];
    snprintf(rb, sizeof rb, " %s ", right);
    return wd - ui_text_width(rb) - 1 > x0 + 1 + used;
}

/* The title row: a rule, the title (marked when focused), right at the
 * right end when it fits. */
static void title_row(ui_app *a, WINDOW *w, const char *title, const char *right, bool focused)
{
    int h = getmaxy(w), wd = getmaxx(w);
    int x0 = getbegx(w) > 0 ? 1 : 0;
    wattrset(w, a->attr[UI_ROLE_BORDER]);
    if (x0) {
        /* a panel to the right of another: a rule separates them */
        ui_vline(a, w, 0, 0, h);
        mvwaddstr(w, 0, 0, a->utf8 ? "┬" : "+");
    }
    ui_hline(a, w, 0, x0, wd - x0);
    wattrset(w, focused ? a->attr[UI_ROLE_SELECTION] | A_BOLD : a->attr[UI_ROLE_TITLE]);
    char buf[256];
    snprintf(buf, sizeof buf, " %s%s ", focused ? (a->utf8 ? "▶ " : "> ") : "", title);
    int used = ui_put(w, 0, x0 + 1, buf, wd - x0 - 2, false);
    if (right && *right && right_fits(wd, x0, used, right)) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        char rb[256];
        snprintf(rb, sizeof rb, " %s ", right);
        int rw = ui_text_width(rb);
        ui_put(w, 0, wd - rw - 1, rb, rw, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_draw_title_fit(ui_app *a, void *win, const char *title, const char *short_title,
                       const char *right, const char *short_right, bool focused)
{
    WINDOW *w = win;
    int wd = getmaxx(w);
    int x0 = getbegx(w) > 0 ? 1 : 0;
    /* the longest forms that fit together: the label says what a panel
     * shows, so it goes short before it goes */
    if (right && *right) {
        const char *titles[] = {title, title, short_title};
        const char *rights[] = {right, short_right, short_right};
        for (int i = 0; i < 3; i++) {
            if (!titles[i] || !rights[i] || !*rights[i])
                continue;
            if (right_fits(wd, x0, title_width(a, titles[i], focused), rights[i])) {
                title = titles[i];
                right = rights[i];
                break;
            }
        }
    }
    title_row(a, w, title, right, focused);
}

/* Here a longer label beats the longer title: a label of several forms
 * says more in each, and the title's short form is as clear. */
void ui_draw_title_forms(ui_app *a, void *win, const char *title, const char *short_title,
                         const char *const *rights, size_t n, bool focused)
{
    WINDOW *w = win;
    int wd = getmaxx(w), x0 = getbegx(w) > 0 ? 1 : 0;
    const char *titles[] = {title, short_title};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            if (titles[k] && rights[i] && *rights[i] &&
                right_fits(wd, x0, title_width(a, titles[k], focused), rights[i])) {
                title_row(a, w, titles[k], rights[i], focused);
                return;
            }
    title_row(a, w, title, NULL, focused);
}

void ui_draw_title(ui_app *a, void *win, const char *title, const char *right, bool focused)
{
    ui_draw_title_fit(a, win, title, NULL, right, NULL, focused);
}

void ui_format_value(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else if (isinf(v))
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, n, "%.6g", v);
}

/* Five significant digits for the mean and three for the spread: the
 * spread says how many of the mean's digits mean anything, and the pair
 * has to fit a table column. */
void ui_format_value_std(const tt_trial_record *r, bool utf8, char *buf, size_t n)
{
    if (tt_runs_count(r->folds, r->repeats) < 2 || !isfinite(r->value) ||
        !isfinite(r->value_std)) {
        ui_format_value(r->value, buf, n);
        return;
    }
    snprintf(buf, n, "%.5g %s %.3g", r->value, utf8 ? "±" : "+-", r->value_std);
}

void ui_format_duration(double s, char *buf, size_t n)
{
    if (isnan(s) || s < 0) {
        snprintf(buf, n, "-");
        return;
    }
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(buf, n, "%lds", t);
    else if (t < 3600)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else if (t < 86400)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        snprintf(buf, n, "%ldd%02ldh", t / 86400, (t / 3600) % 24);
}

const char *ui_state_short(tt_trial_state s)
{
    switch (s) {
    case TT_TRIAL_QUEUED: return "queued";
    case TT_TRIAL_RUNNING: return "running";
    case TT_TRIAL_COMPLETED: return "done";
    case TT_TRIAL_PRUNED: return "pruned";
    case TT_TRIAL_FAILED: return "failed";
    case TT_TRIAL_KILLED: return "killed";
    case TT_TRIAL_TIMEOUT: return "timeout";
    case TT_TRIAL_INTERRUPTED: return "interr.";
    default: return "?";
    }
}

unsigned ui_state_attr(const ui_app *a, const tt_trial_record *r)
{
    if (r->number == a->model.best)
        return a->attr[UI_ROLE_BEST];
    switch (r->state) {
    case TT_TRIAL_RUNNING: return a->attr[UI_ROLE_RUNNING];
    case TT_TRIAL_PRUNED: return a->attr[UI_ROLE_PRUNED];
    case TT_TRIAL_FAILED:
    case TT_TRIAL_KILLED:
    case TT_TRIAL_TIMEOUT:
    case TT_TRIAL_INTERRUPTED: return a->attr[UI_ROLE_FAILED];
    default: return a->attr[UI_ROLE_DEFAULT];
    }
}

int ui_trial_slot(long number)
{
    return (int)((unsigned long)number % 8);
}
