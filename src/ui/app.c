/*
 * app — the dashboard's one poll() loop and its windows.
 *
 * The loop waits on stdin and the self-pipe the signal handlers write to
 * (term.c), with a timeout that is the next refresh of the model (2 Hz by
 * default). Each pass: read what changed in the store (model.c), mark the
 * panels whose data moved, draw only those into their windows, then
 * wnoutrefresh them all and doupdate once — ncurses sends the terminal
 * only the cells that differ, which is what keeps a live view cheap over a
 * slow SSH link. Layout is recomputed at start and on SIGWINCH only. Keys
 * are keys.c's business; this file owns redrawing and quitting.
 */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "internal.h"
#include "views.h"

double ui_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ui_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- windows --------------------------------------------------------------------- */

static void free_windows(ui_app *a)
{
    for (int p = 0; p < UI_PANEL_COUNT; p++)
        if (a->win[p]) {
            delwin(a->win[p]);
            a->win[p] = NULL;
        }
    if (a->overlay_win) {
        delwin(a->overlay_win);
        a->overlay_win = NULL;
    }
}

void ui_relayout(ui_app *a)
{
    free_windows(a);
    ui_layout_compute(COLS, LINES, &a->layout);
    wbkgdset(stdscr, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
    werase(stdscr);
    if (a->layout.too_small) {
        char msg[128];
        snprintf(msg, sizeof msg, "terminal too small: %d×%d (needs %d×%d)", COLS, LINES,
                 UI_MIN_COLS, UI_MIN_ROWS);
        ui_put(stdscr, LINES / 2, 0, msg, COLS, false);
        wnoutrefresh(stdscr);
        return;
    }
    wnoutrefresh(stdscr);
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        ui_rect r = a->layout.r[p];
        if (r.h <= 0 || r.w <= 0)
            continue;
        WINDOW *w = newwin(r.h, r.w, r.y, r.x);
        wbkgdset(w, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
        a->win[p] = w;
    }
    ui_rect b = a->layout.body;
    a->overlay_win = newwin(b.h, b.w, b.y, b.x);
    wbkgdset(a->overlay_win, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
    ui_mark_all(a);
}

void ui_mark_all(ui_app *a)
{
    for (int p = 0; p < UI_PANEL_COUNT; p++)
        a->dirty[p] = true;
    a->overlay_dirty = true;
    a->view_dirty = true;
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void draw_panel(ui_app *a, int p)
{
    WINDOW *w = a->win[p];
    if (!w)
        return;
    werase(w);
    switch (p) {
    case UI_PANEL_HEADER: ui_header_draw(a, w); break;
    case UI_PANEL_STATUS: ui_status_draw(a, w); break;
    case UI_PANEL_CURVES: ui_curves_draw(a, w); break;
    case UI_PANEL_HISTORY: ui_history_draw(a, w); break;
    case UI_PANEL_IMPORTANCE: ui_importance_draw(a, w); break;
    case UI_PANEL_BEST: ui_best_draw(a, w); break;
    case UI_PANEL_TRIALS: ui_trials_draw(a, w); break;
    default: break;
    }
    wnoutrefresh(w);
}

static void draw(ui_app *a)
{
    if (a->layout.too_small) {
        doupdate();
        return;
    }
    bool any = false;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        if (!a->dirty[p])
            continue;
        a->dirty[p] = false;
        bool hidden = (a->overlay != UI_OVERLAY_NONE || a->view > 0) &&
                      p != UI_PANEL_HEADER && p != UI_PANEL_STATUS;
        if (a->layout.history_shared && ((p == UI_PANEL_HISTORY && !a->show_history) ||
                                         (p == UI_PANEL_IMPORTANCE && a->show_history)))
            hidden = true;
        if (hidden)
            continue;
        draw_panel(a, p);
        any = true;
    }
    if (a->overlay != UI_OVERLAY_NONE && a->overlay_dirty && a->overlay_win) {
        WINDOW *w = a->overlay_win;
        werase(w);
        switch (a->overlay) {
        case UI_OVERLAY_DETAIL: ui_detail_draw(a, w); break;
        case UI_OVERLAY_HELP: ui_help_draw(a, w); break;
        case UI_OVERLAY_EDITOR: ui_editor_draw(a, w); break;
        default: break;
        }
        wnoutrefresh(w);
        a->overlay_dirty = false;
        any = true;
    } else if (a->overlay == UI_OVERLAY_NONE && a->view_dirty && a->overlay_win) {
        /* a view owns the body as an overlay does, under the overlays */
        const ui_view_entry *e = ui_views_shown(a);
        if (e) {
            WINDOW *w = a->overlay_win;
            werase(w);
            e->view->draw(a, w);
            wnoutrefresh(w);
            any = true;
        }
    }
    if (a->overlay == UI_OVERLAY_NONE)
        a->view_dirty = false;
    if (any)
        doupdate();
}

/* Which panels show what changed in the model since they were drawn. */
static void mark_changed(ui_app *a)
{
    unsigned g = a->model.generation;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        if (p == UI_PANEL_STATUS)
            continue;
        if (a->seen_gen[p] != g) {
            a->dirty[p] = true;
            a->seen_gen[p] = g;
        }
    }
    if (a->view > 0 && a->view_gen != g) {
        a->view_gen = g;
        a->view_dirty = true;
    }
    if (a->overlay == UI_OVERLAY_DETAIL || (a->overlay == UI_OVERLAY_EDITOR && a->dirty[UI_PANEL_HEADER]))
        a->overlay_dirty = true;
    if (a->rows_gen != a->model.trials_gen) {
        a->rows_gen = a->model.trials_gen;
        a->rows_stale = true;
    }
}

static void resize(ui_app *a)
{
    ui_relayout(a);
    clearok(curscr, TRUE);
}

static int open_study(ui_app *a, const char *dir, tt_error *err)
{
    if (ui_model_open(&a->model, dir, err) < 0)
        return -1;
    a->model_open = true;
    if (ui_model_poll(&a->model, UI_POLL_TRIAL_ROWS, UI_POLL_METRIC_ROWS, ui_now_wall(), err) < 0)
        return -1;
    if (a->result)
        snprintf(a->result->study_dir, sizeof a->result->study_dir, "%s", dir);
    return 0;
}

static int run_loop(ui_app *a)
{
    double period = 1.0 / a->opts.refresh_hz;
    double next_poll = ui_now_mono() + period;
    ui_relayout(a);
    draw(a);
    for (;;) {
        if (ui_term_hangup()) {
            if (a->result)
                a->result->hangup = true;
            return 0;
        }
        if (ui_quit_requested()) {
            if (a->result)
                a->result->interrupted = true;
            return 0;
        }
        if (ui_winch_take())
            resize(a);
        double t = ui_now_mono();
        bool loading = a->model.metrics_backlog || a->model.trials_backlog;
        if (t >= next_poll || loading) {
            a->now = ui_now_wall();
            tt_error err = {0};
            if (ui_model_poll(&a->model, UI_POLL_TRIAL_ROWS, UI_POLL_METRIC_ROWS, a->now, &err) < 0)
                ui_message(a, true, "cannot read the study: %s", err.msg);
            /* the compared studies (compare.c): a change there is one the
             * compare view shows, so it counts as the model's */
            if (ui_compare_poll(a, a->now))
                a->model.generation++;
            ui_check_pending(a);
            /* while a big study loads, the panels follow it four times a
             * second, not after every slice: each redraw sorts and plots
             * every trial read so far, and a key waits for it */
            bool still = a->model.metrics_backlog || a->model.trials_backlog;
            if (!still || t - a->marked_at >= 0.25) {
                mark_changed(a);
                a->marked_at = t;
            }
            if (a->model.study.runner_pid != 0)
                a->dirty[UI_PANEL_HEADER] = true;
            if (a->model.counts[TT_TRIAL_RUNNING] > 0)
                a->dirty[UI_PANEL_TRIALS] = true;
            if (a->overlay == UI_OVERLAY_DETAIL && ui_detail_poll(a))
                a->overlay_dirty = true;
            if (t >= next_poll)
                next_poll = t + period;
        }
        if (a->message[0] && t > a->message_until) {
            a->message[0] = '\0';
            a->dirty[UI_PANEL_STATUS] = true;
        }
        draw(a);

        loading = a->model.metrics_backlog || a->model.trials_backlog;
        int timeout = loading ? 0 : (int)((next_poll - ui_now_mono()) * 1000) + 1;
        if (timeout < 0)
            timeout = 0;
        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = ui_term_signal_fd(), .events = POLLIN}};
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0 && (fds[1].revents & POLLIN)) {
            ui_term_drain();
        }
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN)) {
            /* the terminal is gone */
            if (a->result)
                a->result->hangup = true;
            return 0;
        }
        if (n > 0 && (fds[0].revents & POLLIN)) {
            a->now = ui_now_wall();
            int key;
            while ((key = wgetch(stdscr)) != ERR) {
                int f = ui_dispatch_key(a, key);
                if (f & UI_QUIT)
                    return 0;
                if (f & UI_REDRAW_ALL) {
                    ui_mark_all(a);
                    for (int p = 0; p < UI_PANEL_COUNT; p++)
                        if (a->win[p])
                            touchwin((WINDOW *)a->win[p]);
                }
                if (f & UI_REDRAW)
                    a->dirty[a->focus] = true;
                /* a list's selection is highlighted in the charts */
                if ((f & UI_REDRAW) &&
                    (a->focus == UI_PANEL_TRIALS || a->focus == UI_PANEL_BEST))
                    a->dirty[UI_PANEL_CURVES] = a->dirty[UI_PANEL_HISTORY] = true;
                if (f & UI_HANDLED)
                    a->dirty[UI_PANEL_STATUS] = true;
                if (ui_term_winch_pending() || ui_quit_requested())
                    break;
            }
            /* answer the keys now, not after the next poll (a slice of a
             * loading study) */
            draw(a);
        }
    }
}

int tt_ui_run(const tt_ui_opts *opts, tt_ui_result *res, tt_error *err)
{
    ui_app *a = tt_xcalloc(1, sizeof *a);
    a->opts = *opts;
    a->result = res;
    if (res)
        memset(res, 0, sizeof *res);
    a->focus = UI_PANEL_TRIALS;
    a->curves_metric = -1;
    a->trials_sort = UI_COL_NUMBER;

    char *pref_theme = NULL;
    double pref_hz = 0;
    tt_error perr = {0};
    if (ui_prefs_load(&pref_theme, &pref_hz, &perr) < 0) {
        free(a);
        free(pref_theme);
        return tt_error_set(err, TT_ERR_INVALID, "%s", perr.msg);
    }
    if (!(a->opts.refresh_hz > 0))
        a->opts.refresh_hz = pref_hz > 0 ? pref_hz : 2;
    const char *theme = opts->theme ? opts->theme : pref_theme;
    const char *no_color = getenv("NO_COLOR");
    if (!opts->theme && no_color && *no_color)
        theme = "monochrome";
    int rc = ui_theme_load(theme ? theme : "dark", &a->theme, err);
    free(pref_theme);
    if (rc < 0) {
        free(a);
        return rc;
    }

    setlocale(LC_ALL, "");
    a->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    a->braille = a->utf8 && !opts->ascii;
    a->now = ui_now_wall();

    if (opts->study_dir && (open_study(a, opts->study_dir, err) < 0 ||
                            ui_compare_open(a, opts->compare_dirs, opts->n_compare, err) < 0)) {
        ui_model_close(&a->model);
        free(a);
        return -TT_ERR_IO;
    }
    if (ui_term_open_pipe() != 0) {
        ui_model_close(&a->model);
        free(a);
        return tt_error_set(err, TT_ERR_IO, "pipe: %s", strerror(errno));
    }

    rc = ui_term_start(a, err);
    if (rc == 0) {
        ui_term_signals(true);
        ui_term_apply_theme(a);
        if (!opts->study_dir) {
            char *chosen = NULL;
            rc = ui_picker_run(a, opts->runs_dir ? opts->runs_dir : TT_STUDY_RUNS_DIR, &chosen);
            if (rc == 0 && chosen) {
                rc = open_study(a, chosen, err);
                if (rc == 0)
                    rc = run_loop(a);
            }
            free(chosen);
        } else {
            rc = run_loop(a);
        }
        if (rc < 0 && !err->msg[0])
            tt_error_set(err, TT_ERR_IO, "the dashboard stopped: %s", strerror(errno));
        free_windows(a);
        ui_term_end();
        ui_term_signals(false);
        ui_term_free();
    }
    ui_term_close_pipe();

    if (res && a->model_open)
        snprintf(res->state, sizeof res->state, "%s", ui_model_state(&a->model));
    ui_detail_close(a);
    ui_editor_close(a);
    ui_history_free(a);
    ui_views_free();
    ui_filter_free(&a->filter);
    free(a->rows);
    ui_strings_free(a->theme_names, a->n_theme_names);
    ui_compare_close(a);
    if (a->model_open)
        ui_model_close(&a->model);
    free(a);
    return rc < 0 ? (rc == -1 ? -TT_ERR_IO : rc) : 0;
}
