/*
 * keys — what a key or a click does. Keys go to the prompt line first (the
 * filter, a yes/no question), then to an open overlay (detail, help,
 * editor), then to the focused panel, then to the keys that work
 * everywhere; each handler returns UI_* flags (htop's Panel_eventHandler)
 * and the loop in app.c owns redrawing and quitting. Commands to the
 * runner go through the store's command table; their answers come back
 * into the status line.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "views.h"

void ui_message(ui_app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_error = error;
    a->message_until = ui_now_mono() + 6;
    a->dirty[UI_PANEL_STATUS] = true;
}

bool ui_read_only(ui_app *a)
{
    if (!a->model.study.optuna)
        return false;
    ui_message(a, true, "read-only: an Optuna study (tunetop reads it and never writes it)");
    return true;
}

int ui_send(ui_app *a, const char *kind, const char *arg)
{
    tt_error err = {0};
    if (ui_read_only(a))
        return -1;
    int64_t id = tt_store_add_command(a->model.study.store, kind, arg, &err);
    if (id < 0) {
        ui_message(a, true, "cannot send %s: %s", kind, err.msg);
        return -1;
    }
    ui_track(a, kind, id);
    return 0;
}

void ui_track(ui_app *a, const char *kind, int64_t id)
{
    a->pending_cmd = id;
    snprintf(a->pending_kind, sizeof a->pending_kind, "%s", kind);
    if (a->model.study.runner_pid == 0)
        ui_message(a, false, "%s sent; no runner is alive, it runs when one starts (R resumes)",
                   kind);
    else
        ui_message(a, false, "%s sent to the runner…", kind);
}

void ui_confirm(ui_app *a, const char *question, ui_confirm_fn fn, void *arg)
{
    a->prompt = UI_PROMPT_CONFIRM;
    snprintf(a->confirm_text, sizeof a->confirm_text, "%s", question);
    a->confirm_fn = fn;
    a->confirm_arg = arg;
    a->dirty[UI_PANEL_STATUS] = true;
}

void ui_check_pending(ui_app *a)
{
    if (!a->pending_cmd)
        return;
    char *result = NULL;
    if (tt_store_get_command_result(a->model.study.store, a->pending_cmd, &result, NULL) < 0) {
        a->pending_cmd = 0;
        return;
    }
    if (!result)
        return;
    bool ok = strncmp(result, "ok", 2) == 0;
    char *clean = ui_text_clean(result, strlen(result));
    ui_message(a, !ok, "%s: %s", a->pending_kind, clean);
    free(clean);
    free(result);
    a->pending_cmd = 0;
}

static void stop_sweep(ui_app *a, void *arg)
{
    bool now = arg != NULL;
    if (ui_send(a, now ? "stop_now" : "stop", NULL) == 0 && a->result)
        a->result->stopped = true;
}

static int start_runner(ui_app *a)
{
    if (a->model.study.runner_pid != 0) {
        ui_message(a, false, "a runner is already running (pid %ld)", a->model.study.runner_pid);
        return UI_HANDLED;
    }
    if (!a->opts.start_runner) {
        ui_message(a, true, "cannot start a runner from here; run `tunetop run %s`",
                   a->model.study.dir);
        return UI_HANDLED;
    }
    tt_error err = {0};
    long pid = 0;
    int rc = a->opts.start_runner(a->model.study.dir, &pid, &err);
    if (rc == -TT_ERR_EXHAUSTED)
        ui_message(a, false, "%s", err.msg);
    else if (rc < 0)
        ui_message(a, true, "cannot start the runner: %s", err.msg);
    else
        ui_message(a, false, "runner started (pid %ld)", pid);
    a->model.importance_polled = 0;
    return UI_REDRAW_ALL;
}

static const int focus_order[] = {UI_PANEL_CURVES, UI_PANEL_HISTORY, UI_PANEL_IMPORTANCE,
                                  UI_PANEL_BEST, UI_PANEL_TRIALS};

static void set_focus(ui_app *a, int panel)
{
    if (panel == a->focus)
        return;
    a->dirty[a->focus] = true;
    a->focus = panel;
    a->dirty[panel] = true;
    if (a->layout.history_shared && (panel == UI_PANEL_HISTORY || panel == UI_PANEL_IMPORTANCE)) {
        a->show_history = panel == UI_PANEL_HISTORY;
        a->dirty[UI_PANEL_HISTORY] = a->dirty[UI_PANEL_IMPORTANCE] = true;
    }
}

static void cycle_focus(ui_app *a, int dir)
{
    int n = (int)(sizeof focus_order / sizeof *focus_order), i = 0;
    while (i < n && focus_order[i] != a->focus)
        i++;
    i = ((i + dir) % n + n) % n;
    set_focus(a, focus_order[i]);
}

static void cycle_theme(ui_app *a)
{
    if (a->n_theme_names == 0)
        a->n_theme_names = ui_theme_list(&a->theme_names);
    size_t i = 0;
    while (i < a->n_theme_names && strcmp(a->theme_names[i], a->theme.name) != 0)
        i++;
    for (size_t k = 1; k <= a->n_theme_names; k++) {
        const char *name = a->theme_names[(i + k) % a->n_theme_names];
        ui_theme_spec t;
        tt_error err = {0};
        if (ui_theme_load(name, &t, &err) < 0)
            continue;
        snprintf(t.name, sizeof t.name, "%s", name);
        a->theme = t;
        ui_term_apply_theme(a);
        ui_relayout(a);
        ui_message(a, false, "theme: %s%s", name, a->colors ? "" : " (no colours here)");
        return;
    }
}

static int prompt_key(ui_app *a, int key)
{
    a->dirty[UI_PANEL_STATUS] = true;
    if (a->prompt == UI_PROMPT_CONFIRM) {
        ui_confirm_fn fn = a->confirm_fn;
        void *arg = a->confirm_arg;
        a->prompt = UI_PROMPT_NONE;
        if (key == 'y' || key == 'Y') {
            fn(a, arg);
        } else if (key == '!' && fn == stop_sweep) {
            fn(a, (void *)1);
        } else {
            ui_message(a, false, "cancelled");
        }
        return UI_REDRAW_ALL;
    }
    /* the filter line */
    if (key == 27) {
        a->prompt = UI_PROMPT_NONE;
        return UI_HANDLED;
    }
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        a->prompt_buf[a->prompt_len] = '\0';
        if (ui_trials_apply_filter(a, a->prompt_buf) == 0)
            a->prompt = UI_PROMPT_NONE;
        return UI_REDRAW_ALL;
    }
    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        while (a->prompt_len > 0 && ((unsigned char)a->prompt_buf[a->prompt_len - 1] & 0xC0) == 0x80)
            a->prompt_len--;
        if (a->prompt_len > 0)
            a->prompt_len--;
        return UI_HANDLED;
    }
    if (key == 21) { /* Ctrl-U */
        a->prompt_len = 0;
        return UI_HANDLED;
    }
    if (key >= 32 && key < 256 && key != 127 && a->prompt_len + 1 < sizeof a->prompt_buf)
        a->prompt_buf[a->prompt_len++] = (char)key;
    a->prompt_buf[a->prompt_len] = '\0';
    return UI_HANDLED;
}

static int panel_key(ui_app *a, int panel, int key)
{
    switch (panel) {
    case UI_PANEL_BEST: return ui_best_key(a, key);
    case UI_PANEL_TRIALS: return ui_trials_key(a, key);
    case UI_PANEL_CURVES: return ui_curves_key(a, key);
    case UI_PANEL_HISTORY: return ui_history_key(a, key);
    default: return UI_IGNORED;
    }
}

/* A mouse event in a view: button 1's press, motion and release, in the
 * view window's coordinates, to the view's mouse handler (a drag across a
 * chart selects a range there); the rest is ignored. */
static int view_mouse(ui_app *a, const MEVENT *ev)
{
    const ui_view_entry *v = ui_views_shown(a);
    int what = ev->bstate & BUTTON1_PRESSED    ? UI_MOUSE_PRESS
               : ev->bstate & BUTTON1_RELEASED ? UI_MOUSE_RELEASE
               : ev->bstate & REPORT_MOUSE_POSITION ? UI_MOUSE_DRAG
                                                    : -1;
    if (!v || !v->view->mouse || what < 0)
        return UI_IGNORED;
    int f = v->view->mouse(a, what, ev->y - a->layout.body.y, ev->x - a->layout.body.x);
    if (f != UI_IGNORED)
        a->view_dirty = true;
    return f & ~UI_REDRAW;
}

static int mouse_event(ui_app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return UI_IGNORED;
    if (a->overlay != UI_OVERLAY_NONE) {
        int key = ev.bstate & BUTTON4_PRESSED ? KEY_UP : ev.bstate & BUTTON5_PRESSED ? KEY_DOWN : 0;
        if (!key)
            return UI_IGNORED;
        int f = 0;
        for (int i = 0; i < 3; i++)
            f |= a->overlay == UI_OVERLAY_DETAIL ? ui_detail_key(a, key)
                 : a->overlay == UI_OVERLAY_HELP ? ui_help_key(a, key)
                                                  : UI_IGNORED;
        if (f)
            a->overlay_dirty = true;
        return f;
    }
    if (a->view > 0)
        return view_mouse(a, &ev);
    /* the panels act on the press; the release (reported for the views'
     * drags) would act a second time */
    if (!(ev.bstate & ~(mmask_t)BUTTON1_RELEASED))
        return UI_IGNORED;
    int p = ui_layout_hit(&a->layout, ev.y, ev.x, a->show_history);
    if (p < 0 || p == UI_PANEL_HEADER || p == UI_PANEL_STATUS)
        return UI_IGNORED;
    set_focus(a, p);
    const ui_rect *r = &a->layout.r[p];
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        int key = ev.bstate & BUTTON4_PRESSED ? KEY_UP : KEY_DOWN;
        int f = 0;
        for (int i = 0; i < 3; i++)
            f |= panel_key(a, p, key);
        return f | UI_REDRAW;
    }
    if (p == UI_PANEL_BEST)
        return ui_best_mouse(a, ev.y - r->y, ev.x - r->x, 1) | UI_REDRAW;
    if (p == UI_PANEL_TRIALS)
        return ui_trials_mouse(a, ev.y - r->y, ev.x - r->x, 1) | UI_REDRAW;
    return UI_REDRAW;
}

static int global_key(ui_app *a, int key)
{
    /* the keys that would change the study: an Optuna study is read only */
    if (key > 0 && key < 128 && strchr("QpR+=-eE", key) && ui_read_only(a))
        return UI_HANDLED;
    switch (key) {
    case 'q':
        return UI_QUIT;
    case 'Q':
        ui_confirm(a, "Stop the sweep? y = finish running trials first, ! = kill them now, "
                      "other = cancel",
                   stop_sweep, NULL);
        return UI_HANDLED;
    case '?':
    case KEY_F(1):
        a->overlay = UI_OVERLAY_HELP;
        a->overlay_dirty = true;
        return UI_REDRAW_ALL;
    case '\t':
        cycle_focus(a, 1);
        return UI_HANDLED;
    case KEY_BTAB:
        cycle_focus(a, -1);
        return UI_HANDLED;
    case 't':
        cycle_theme(a);
        return UI_REDRAW_ALL;
    case '/':
        a->prompt = UI_PROMPT_FILTER;
        snprintf(a->prompt_buf, sizeof a->prompt_buf, "%s", a->filter_text);
        a->prompt_len = strlen(a->prompt_buf);
        a->dirty[UI_PANEL_STATUS] = true;
        return UI_HANDLED;
    case 'p': {
        bool paused = a->model.study.info.state == TT_STUDY_PAUSED ||
                      a->model.study.info.state == TT_STUDY_STOPPED;
        ui_send(a, paused ? "resume" : "pause", NULL);
        return UI_HANDLED;
    }
    case '+':
    case '=':
    case '-': {
        long p = a->model.parallel > 0 ? a->model.parallel : 1;
        p += key == '-' ? -1 : 1;
        if (p < 1) {
            ui_message(a, true, "parallelism is at least 1");
            return UI_HANDLED;
        }
        char arg[32];
        snprintf(arg, sizeof arg, "%ld", p);
        if (ui_send(a, "parallel", arg) == 0) {
            a->model.parallel = p;
            a->dirty[UI_PANEL_HEADER] = true;
        }
        return UI_HANDLED;
    }
    case 'R':
        return start_runner(a);
    case 'm':
    case 'M':
    case 'z':
        /* the curves' keys work from any panel */
        a->dirty[UI_PANEL_CURVES] = true;
        return ui_curves_key(a, key);
    case 'e':
    case 'E':
        return ui_editor_open(a, key == 'E');
    case 'v':
    case 'V':
        return ui_views_cycle(a, key == 'v' ? 1 : -1);
    case KEY_MOUSE:
        return mouse_event(a);
    case KEY_RESIZE:
        return UI_HANDLED;
    case 12: /* Ctrl-L: repaint everything */
        clearok(curscr, TRUE);
        return UI_REDRAW_ALL;
    default:
        return UI_IGNORED;
    }
}

int ui_dispatch_key(ui_app *a, int key)
{
    if (a->prompt != UI_PROMPT_NONE)
        return prompt_key(a, key);
    if (a->overlay != UI_OVERLAY_NONE) {
        int f = UI_IGNORED;
        if (key == KEY_MOUSE)
            return mouse_event(a);
        switch (a->overlay) {
        case UI_OVERLAY_DETAIL: f = ui_detail_key(a, key); break;
        case UI_OVERLAY_HELP: f = ui_help_key(a, key); break;
        case UI_OVERLAY_EDITOR: f = ui_editor_key(a, key); break;
        default: break;
        }
        if (f)
            a->overlay_dirty = true;
        if (f == UI_IGNORED && (key == 't' || key == 'p' || key == '+' || key == '-' ||
                                key == 'Q' || key == 'R' || key == 12 ||
                                (key == '?' && a->overlay != UI_OVERLAY_HELP)))
            return global_key(a, key);
        return f;
    }
    const ui_view_entry *v = ui_views_shown(a);
    if (v) {
        /* the view first, then the keys that work everywhere; the panels'
         * own keys (sorting, the list's selection) wait until it is left */
        int f = v->view->key ? v->view->key(a, key) : UI_IGNORED;
        if (f != UI_IGNORED) {
            a->view_dirty = true;
            return f & ~UI_REDRAW;
        }
        return global_key(a, key);
    }
    int f = panel_key(a, a->focus, key);
    if (f != UI_IGNORED)
        return f;
    return global_key(a, key);
}
