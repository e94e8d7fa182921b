/*
 * header — the two rows on top (study, method, runner state, space
 * version, parallelism, elapsed time and ETA; a progress bar with the
 * trial counts and the best trial) and the status line at the bottom (key
 * hints, the filter prompt, questions, and the runner's answers to
 * commands).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static long finished_count(const ui_model *m)
{
    return m->counts[TT_TRIAL_COMPLETED] + m->counts[TT_TRIAL_PRUNED] +
           m->counts[TT_TRIAL_FAILED] + m->counts[TT_TRIAL_KILLED] + m->counts[TT_TRIAL_TIMEOUT];
}

void ui_header_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    int wd = getmaxx(w);
    char el[32], eta[32] = "", buf[512];
    ui_format_duration(m->elapsed_shown, el, sizeof el);
    long done = finished_count(m);
    bool live = m->runner_pid != 0 && m->info.state == TT_STUDY_RUNNING;
    if (m->total > 0 && done > 0 && done < m->total && live) {
        double rate = m->elapsed_shown / (double)done;
        ui_format_duration(rate * (double)(m->total - done), eta, sizeof eta);
    }
    const char *method = m->sweep ? tt_method_name(m->sweep->method) : "?";
    const char *state = ui_model_state(m);
    const char *dot = a->utf8 ? (m->runner_pid ? "● " : "○ ") : "";
    char parallel[48] = "";
    if (m->parallel > 0)
        snprintf(parallel, sizeof parallel, " │ parallel %ld", m->parallel);
    snprintf(buf, sizeof buf, " %s │ %s │ %s%s │ space v%ld%s │ elapsed %s%s%s",
             m->info.name ? m->info.name : "?", method, dot, state, m->info.space_version,
             parallel, el, eta[0] ? " │ ETA " : "", eta);
    if (!a->utf8)
        for (char *p = strstr(buf, "│"); p; p = strstr(buf, "│")) {
            /* "│" is 3 bytes; " | " keeps the width honest */
            memmove(p + 1, p + 3, strlen(p + 3) + 1);
            *p = '|';
        }
    wattrset(w, a->attr[UI_ROLE_HEADER]);
    ui_put(w, 0, 0, buf, wd, true);

    /* row 2: progress bar and counts */
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    char counts[256], best[160] = "";
    long failed = m->counts[TT_TRIAL_FAILED] + m->counts[TT_TRIAL_KILLED] +
                  m->counts[TT_TRIAL_TIMEOUT] + m->counts[TT_TRIAL_INTERRUPTED];
    bool wide = wd >= 110;
    int len = 0;
    if (m->total > 0)
        len = snprintf(counts, sizeof counts, " %ld/%ld done  running %ld", done, m->total,
                       m->counts[TT_TRIAL_RUNNING]);
    else
        len = snprintf(counts, sizeof counts, " %ld done  running %ld", done,
                       m->counts[TT_TRIAL_RUNNING]);
    /* on a narrow screen, the zero counts make room for the best trial */
    if (wide || m->counts[TT_TRIAL_QUEUED])
        len += snprintf(counts + len, sizeof counts - (size_t)len, "  queued %ld",
                        m->counts[TT_TRIAL_QUEUED]);
    if (wide || m->counts[TT_TRIAL_PRUNED])
        len += snprintf(counts + len, sizeof counts - (size_t)len, "  pruned %ld",
                        m->counts[TT_TRIAL_PRUNED]);
    if (wide || failed)
        snprintf(counts + len, sizeof counts - (size_t)len, "  failed %ld", failed);
    if (m->best) {
        char v[32];
        ui_format_value(m->best_value, v, sizeof v);
        snprintf(best, sizeof best, "  best #%ld %s=%s", m->best, m->metric, v);
    }
    int bar_w = wd / 8;
    if (bar_w > 30)
        bar_w = 30;
    if (bar_w < 6)
        bar_w = 6;
    int x = 0;
    if (m->total > 0) {
        double frac = (double)done / (double)m->total;
        if (frac > 1)
            frac = 1;
        int fill8 = (int)(frac * bar_w * 8 + 0.5);
        mvwaddch(w, 1, 0, '[');
        wattrset(w, a->attr[UI_ROLE_BAR]);
        static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
        for (int i = 0; i < bar_w; i++) {
            int cell = fill8 - i * 8;
            if (!a->utf8)
                waddch(w, cell >= 4 ? '#' : '.');
            else if (cell >= 8)
                waddstr(w, "█");
            else if (cell > 0)
                waddstr(w, eighths[cell]);
            else {
                wattrset(w, a->attr[UI_ROLE_AXIS]);
                waddstr(w, "·");
                wattrset(w, a->attr[UI_ROLE_BAR]);
            }
        }
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        waddch(w, ']');
        x = bar_w + 2;
    }
    x += ui_put(w, 1, x, counts, wd - x, false);
    wattrset(w, a->attr[UI_ROLE_BEST]);
    ui_put(w, 1, x, best, wd - x, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_status_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    int wd = getmaxx(w);
    if (a->prompt == UI_PROMPT_FILTER) {
        char buf[300];
        snprintf(buf, sizeof buf, "filter: %s", a->prompt_buf);
        wattrset(w, a->attr[UI_ROLE_SELECTION]);
        int used = ui_put(w, 0, 0, buf, wd - 1, true);
        (void)used;
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        int cx = ui_text_width(buf);
        if (cx < wd)
            mvwaddch(w, 0, cx, ' ' | A_REVERSE);
        return;
    }
    if (a->prompt == UI_PROMPT_CONFIRM) {
        wattrset(w, a->attr[UI_ROLE_ERROR]);
        ui_put(w, 0, 0, a->confirm_text, wd, true);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    if (a->message[0]) {
        wattrset(w, a->attr[a->message_error ? UI_ROLE_ERROR : UI_ROLE_TITLE]);
        ui_put(w, 0, 0, a->message, wd, true);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        return;
    }
    const char *hints;
    switch (a->overlay) {
    case UI_OVERLAY_DETAIL:
        hints = " Esc back  ↑↓ scroll log  ←→ prev/next trial  k kill  r run again  ? help";
        break;
    case UI_OVERLAY_HELP:
        hints = " Esc close help  ↑↓ scroll";
        break;
    case UI_OVERLAY_EDITOR:
        hints = " Ctrl-S save  Esc close  Ctrl-Z undo  Ctrl-Y redo";
        break;
    default:
        hints = " q detach  ? help  Tab panel  Enter detail  / filter  s sort  p pause  "
                "+/- parallel  e edit  t theme  Q stop";
    }
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    if (!a->utf8) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", hints);
        for (char *p = strstr(buf, "↑↓"); p; p = strstr(buf, "↑↓")) {
            memmove(p + 5, p + 6, strlen(p + 6) + 1);
            memcpy(p, "up/dn", 5);
        }
        for (char *p = strstr(buf, "←→"); p; p = strstr(buf, "←→")) {
            memmove(p + 5, p + 6, strlen(p + 6) + 1);
            memcpy(p, "lf/rt", 5);
        }
        ui_put(w, 0, 0, buf, wd, true);
    } else {
        ui_put(w, 0, 0, hints, wd, true);
    }
    if (a->filter.n > 0) {
        char f[300];
        snprintf(f, sizeof f, " filter: %s ", a->filter_text);
        int fw = ui_text_width(f);
        if (fw < wd / 2) {
            wattrset(w, a->attr[UI_ROLE_SELECTION]);
            ui_put(w, 0, wd - fw, f, fw, false);
        }
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}
