/*
 * header — the two rows on top (study, method, runner state and, once
 * the study has ended, why; space version, parallelism, elapsed time and
 * ETA; a progress bar with the
 * trial counts and the best trial) and the status line at the bottom (key
 * hints, the filter prompt, questions, and the runner's answers to
 * commands).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "views.h"

static long finished_count(const ui_model *m)
{
    return m->counts[TT_TRIAL_COMPLETED] + m->counts[TT_TRIAL_PRUNED] +
           m->counts[TT_TRIAL_FAILED] + m->counts[TT_TRIAL_KILLED] + m->counts[TT_TRIAL_TIMEOUT];
}

/* What the first row may leave out when the line is too long: the stop
 * reason says more about an ended study than its parallelism or space
 * version do. */
enum { HEAD_PARALLEL = 1, HEAD_SPACE = 2 };

/* The first row with these parts left out; reason (NULL: none) follows
 * the state word ("finished: run_cap reached (24 trials)"). */
static void header_line(const ui_app *a, const char *reason, unsigned drop, char *buf, size_t n)
{
    const ui_model *m = &a->model;
    char el[32], eta[32] = "";
    ui_format_duration(m->elapsed_shown, el, sizeof el);
    long done = finished_count(m);
    bool live = m->study.runner_pid != 0 && m->study.info.state == TT_STUDY_RUNNING;
    if (m->total > 0 && done > 0 && done < m->total && live) {
        double rate = m->elapsed_shown / (double)done;
        ui_format_duration(rate * (double)(m->total - done), eta, sizeof eta);
    }
    /* an Optuna study's sampler is Optuna's own, unknown here */
    const char *method = m->study.optuna ? "read-only"
                         : m->study.sweep ? tt_method_name(m->study.sweep->method) : "?";
    const char *dot = a->utf8 ? (m->study.runner_pid ? "● " : "○ ") : "";
    char parallel[48] = "", space[48] = "";
    if (m->parallel > 0 && !(drop & HEAD_PARALLEL) && !m->study.optuna)
        snprintf(parallel, sizeof parallel, " │ parallel %ld", m->parallel);
    if (!(drop & HEAD_SPACE) && !m->study.optuna)
        snprintf(space, sizeof space, " │ space v%ld", m->study.info.space_version);
    if (m->study.optuna) /* Optuna records no runner time: no elapsed, no ETA */
        snprintf(buf, n, " %s │ %s │ %s%s", m->study.info.name ? m->study.info.name : "?",
                 method, dot, ui_model_state(m));
    else
        snprintf(buf, n, " %s │ %s │ %s%s%s%s%s%s │ elapsed %s%s%s",
                 m->study.info.name ? m->study.info.name : "?", method, dot, ui_model_state(m),
                 reason ? ": " : "", reason ? reason : "", space, parallel, el,
                 eta[0] ? " │ ETA " : "", eta);
    if (!a->utf8)
        for (char *p = strstr(buf, "│"); p; p = strstr(buf, "│")) {
            /* "│" is 3 bytes; " | " keeps the width honest */
            memmove(p + 1, p + 3, strlen(p + 3) + 1);
            *p = '|';
        }
}

/* Why the study ended, cleaned like all text from the study; NULL while
 * it runs or when the runner gave no reason. Caller frees. */
static char *stop_reason(const ui_model *m)
{
    const char *r = m->study.info.stop_reason;
    tt_study_state st = m->study.info.state;
    if (!r || !*r || (st != TT_STUDY_STOPPED && st != TT_STUDY_FINISHED))
        return NULL;
    return ui_text_clean(r, strlen(r));
}

/* reason cut to width columns, ending in an ellipsis. */
static void shorten(char *reason, int width, bool utf8)
{
    const char *dots = utf8 ? "…" : "...";
    int keep = width - (utf8 ? 1 : 3), used = 0;
    size_t n = ui_text_fit(reason, keep > 0 ? keep : 0, &used);
    while (n > 0 && reason[n - 1] == ' ')
        n--;
    memcpy(reason + n, dots, strlen(dots) + 1);
}

/* The first row for a screen wd columns wide: everything when it fits,
 * else without the parallelism, then without the space version, then with
 * the reason shortened (or gone when even a few words do not fit). */
static void header_fit(const ui_app *a, int wd, char *buf, size_t n)
{
    char *reason = stop_reason(&a->model);
    static const unsigned drops[] = {0, HEAD_PARALLEL, HEAD_PARALLEL | HEAD_SPACE};
    for (size_t i = 0; reason && i < sizeof drops / sizeof *drops; i++) {
        header_line(a, reason, drops[i], buf, n);
        if (ui_text_width(buf) <= wd) {
            free(reason);
            return;
        }
    }
    if (reason) {
        unsigned all = HEAD_PARALLEL | HEAD_SPACE;
        header_line(a, "", all, buf, n);
        int room = wd - ui_text_width(buf);
        if (room >= 12 && room < ui_text_width(reason)) {
            /* room for the reason's opening words: the rest of the line stays */
            char *cut = tt_xmalloc(strlen(reason) + 4);
            strcpy(cut, reason);
            shorten(cut, room, a->utf8);
            header_line(a, cut, all, buf, n);
            free(cut);
            free(reason);
            return;
        }
        free(reason);
    }
    header_line(a, NULL, 0, buf, n);
}

void ui_header_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    int wd = getmaxx(w);
    char buf[1024];
    header_fit(a, wd, buf, sizeof buf);
    long done = finished_count(m);
    wattrset(w, a->attr[UI_ROLE_HEADER]);
    ui_put(w, 0, 0, buf, wd, true);

    /* row 2: progress bar and counts */
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    char counts[256], best[160] = "";
    long failed = m->counts[TT_TRIAL_FAILED] + m->counts[TT_TRIAL_KILLED] +
                  m->counts[TT_TRIAL_TIMEOUT] + m->counts[TT_TRIAL_INTERRUPTED];
    bool wide = wd >= 110;
    int len = 0;
    if (m->trials_backlog) {
        /* a big study loads in slices (model.c): say how far it is */
        long read = 0;
        for (int st = 0; st < TT_TRIAL_STATE_COUNT; st++)
            read += m->counts[st];
        len = snprintf(counts, sizeof counts, " loading %ld of %ld trials…", read,
                       m->trials_known > read ? m->trials_known : read);
    } else if (m->total > 0)
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
    const ui_trial *bt = ui_model_trial(m, m->best);
    if (bt) {
        char v[64];
        ui_format_value_std(&bt->rec, a->utf8, v, sizeof v);
        snprintf(best, sizeof best, "  best #%ld %s=%s", ui_model_shown(m, m->best),
                 m->study.metric, v);
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
                "+/- parallel  v views  e edit  t theme  Q stop";
    }
    /* an Optuna study is only read: no key that would change it is offered */
    if (a->model.study.optuna && a->overlay == UI_OVERLAY_DETAIL)
        hints = " Esc back  ←→ prev/next trial  ? help  (Optuna study: read-only)";
    else if (a->model.study.optuna && a->overlay == UI_OVERLAY_NONE)
        hints = " q quit  ? help  Tab panel  Enter detail  / filter  s sort  v views  t theme  "
                "(Optuna study: read-only)";
    char view_hints[320];
    const ui_view_entry *v = ui_views_shown(a);
    if (v && a->overlay == UI_OVERLAY_NONE) {
        snprintf(view_hints, sizeof view_hints, " %s view: %s  v next  V back  q detach  ? help",
                 v->view->name, v->hints);
        hints = view_hints;
    }
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    if (!a->utf8) {
        char buf[400];
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
