/*
 * picker — `tunetop` alone: the studies under ./tunetop-runs/ with their
 * state and trial counts, newest first; Enter opens one, q leaves. It runs
 * its own small loop inside the dashboard's terminal session, so opening a
 * study does not flash the screen. Space marks studies to open together
 * (issue 19): the dashboard then shows one and the compare view all.
 */
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "internal.h"

void ui_picker_entries_free(ui_study_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].dir);
        free(e[i].name);
    }
    free(e);
}

static int newest_first(const void *x, const void *y)
{
    const ui_study_entry *a = x, *b = y;
    if (a->modified != b->modified)
        return a->modified > b->modified ? -1 : 1;
    return strcmp(a->dir, b->dir);
}

size_t ui_picker_scan(const char *runs_dir, ui_study_entry **out)
{
    *out = NULL;
    DIR *d = opendir(runs_dir);
    if (!d)
        return 0;
    ui_study_entry *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *dir = tt_xasprintf("%s/%s", runs_dir, e->d_name);
        if (!tt_study_is_dir(dir)) {
            free(dir);
            continue;
        }
        ui_study_entry s = {0};
        s.dir = dir;
        ui_model m;
        tt_error err = {0};
        /* the study row and one trial row; the counts in one query (a
         * study of 100,000 trials is not read to list it) */
        if (ui_model_open(&m, dir, &err) == 0 && ui_model_poll(&m, 1, 1, 0, &err) == 0 &&
            tt_store_trial_counts(m.study.store, s.counts, &s.n_trials, &err) == 0) {
            s.name = tt_xstrdup(m.study.info.name ? m.study.info.name : e->d_name);
            snprintf(s.state, sizeof s.state, "%s", ui_model_state(&m));
        } else {
            s.name = tt_xstrdup(e->d_name);
            snprintf(s.state, sizeof s.state, "unreadable");
        }
        ui_model_close(&m);
        s.modified = tt_study_modified(dir);
        tt_grow((void **)&list, &cap, n + 1, sizeof *list);
        list[n++] = s;
    }
    closedir(d);
    qsort(list, n, sizeof *list, newest_first);
    *out = list;
    return n;
}

/* ---- marks: studies opened together (compare view) ---- */

typedef struct marks {
    char *dir[UI_COMPARE_MAX];
    size_t n;
    char note[160];     /* said in the footer until the next key */
} marks;

static bool marked(const marks *mk, const char *dir)
{
    for (size_t i = 0; i < mk->n; i++)
        if (strcmp(mk->dir[i], dir) == 0)
            return true;
    return false;
}

static void mark_toggle(marks *mk, const char *dir)
{
    for (size_t i = 0; i < mk->n; i++)
        if (strcmp(mk->dir[i], dir) == 0) {
            free(mk->dir[i]);
            mk->dir[i] = mk->dir[--mk->n];
            return;
        }
    if (mk->n == UI_COMPARE_MAX)
        snprintf(mk->note, sizeof mk->note, "at most %d studies can be compared at once",
                 UI_COMPARE_MAX);
    else
        mk->dir[mk->n++] = tt_xstrdup(dir);
}

static void marks_free(marks *mk)
{
    for (size_t i = 0; i < mk->n; i++)
        free(mk->dir[i]);
    mk->n = 0;
}

/* Enter with studies marked: the one under the cursor (when marked, else
 * the first marked) in the dashboard, the others read beside it. Returns
 * it, or NULL with the reason in the footer. */
static char *open_marked(ui_app *a, marks *mk, const char *cursor)
{
    size_t first = 0;
    for (size_t i = 0; i < mk->n; i++)
        if (strcmp(mk->dir[i], cursor) == 0)
            first = i;
    const char *rest[UI_COMPARE_MAX];
    size_t n = 0;
    for (size_t i = 0; i < mk->n; i++)
        if (i != first)
            rest[n++] = mk->dir[i];
    tt_error err = {0};
    if (ui_compare_open(a, rest, n, &err) < 0) {
        snprintf(mk->note, sizeof mk->note, "%.150s", err.msg);
        return NULL;
    }
    return tt_xstrdup(mk->dir[first]);
}

static void draw(ui_app *a, WINDOW *w, const char *runs_dir, ui_study_entry *e, size_t n,
                 size_t sel, const marks *mk)
{
    werase(w);
    int h = getmaxy(w), wd = getmaxx(w);
    wattrset(w, a->attr[UI_ROLE_HEADER]);
    char title[512];
    snprintf(title, sizeof title, " tunetop %s │ studies in %s/", TT_VERSION, runs_dir);
    ui_put(w, 0, 0, title, wd, true);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    if (n == 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "No study under %s/. Start one with: tunetop SWEEP.yaml",
                 runs_dir);
        ui_put(w, 2, 2, msg, wd - 4, false);
        ui_put(w, 4, 2, "q quits", wd - 4, false);
        wnoutrefresh(w);
        doupdate();
        return;
    }
    wattrset(w, a->attr[UI_ROLE_AXIS] | A_BOLD);
    char line[512];
    snprintf(line, sizeof line, "  %-28s %-10s %7s %7s %7s %7s %7s  %s", "study", "state",
             "trials", "done", "running", "pruned", "failed", "folder");
    ui_put(w, 2, 0, line, wd, false);
    int page = h - 5;
    size_t top = sel >= (size_t)page ? sel - (size_t)page + 1 : 0;
    for (int r = 0; r < page && top + (size_t)r < n; r++) {
        size_t i = top + (size_t)r;
        const ui_study_entry *s = &e[i];
        unsigned attr = a->attr[UI_ROLE_DEFAULT];
        if (strcmp(s->state, "running") == 0 || strcmp(s->state, "paused") == 0)
            attr = a->attr[UI_ROLE_RUNNING];
        if (i == sel)
            attr = a->attr[UI_ROLE_SELECTION];
        wattrset(w, attr);
        char name[64];
        int used = 0;
        size_t fit = ui_text_fit(s->name, 28, &used);
        snprintf(name, sizeof name, "%.*s%*s", (int)fit, s->name, 28 - used, "");
        snprintf(line, sizeof line, "%s %s %-10s %7ld %7ld %7ld %7ld %7ld  %s",
                 marked(mk, s->dir) ? (a->utf8 ? "●" : "*") : " ", name, s->state,
                 s->n_trials, s->counts[TT_TRIAL_COMPLETED], s->counts[TT_TRIAL_RUNNING],
                 s->counts[TT_TRIAL_PRUNED],
                 s->counts[TT_TRIAL_FAILED] + s->counts[TT_TRIAL_KILLED] +
                     s->counts[TT_TRIAL_TIMEOUT] + s->counts[TT_TRIAL_INTERRUPTED],
                 s->dir);
        ui_put(w, 3 + r, 0, line, wd, true);
    }
    wattrset(w, a->attr[UI_ROLE_AXIS]);
    char foot[256];
    if (mk->note[0])
        snprintf(foot, sizeof foot, " %s", mk->note);
    else if (mk->n)
        snprintf(foot, sizeof foot, " %zu marked: Enter opens them together (v: compare)  "
                 "Space mark  q quit", mk->n);
    else
        snprintf(foot, sizeof foot, " Enter open  Space mark to compare  ↑↓ select  r rescan  "
                 "q quit");
    ui_put(w, h - 1, 0, foot, wd, true);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    wnoutrefresh(w);
    doupdate();
}

int ui_picker_run(ui_app *a, const char *runs_dir, char **chosen)
{
    *chosen = NULL;
    ui_study_entry *e = NULL;
    size_t n = ui_picker_scan(runs_dir, &e), sel = 0;
    WINDOW *w = newwin(LINES, COLS, 0, 0);
    wbkgdset(w, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
    int rc = 0;
    bool redraw = true;
    marks mk = {0};
    for (;;) {
        if (redraw)
            draw(a, w, runs_dir, e, n, sel, &mk);
        redraw = false;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int pr = poll(&pfd, 1, 2000);
        if (pr < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        if (ui_quit_requested())
            break;
        if (ui_winch_take()) {
            delwin(w);
            w = newwin(LINES, COLS, 0, 0);
            wbkgdset(w, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
            clearok(curscr, TRUE);
            redraw = true;
            continue;
        }
        int key = wgetch(stdscr);
        if (key == ERR) {
            if (pr == 0) {
                ui_picker_entries_free(e, n);
                n = ui_picker_scan(runs_dir, &e);
                if (sel >= n)
                    sel = n ? n - 1 : 0;
                redraw = true;
            }
            continue;
        }
        redraw = true;
        mk.note[0] = '\0';
        if (key == 'q' || key == 27)
            break;
        if (key == ' ' && n > 0) {
            mark_toggle(&mk, e[sel].dir);
            if (sel + 1 < n)
                sel++;
            continue;
        }
        if ((key == '\n' || key == '\r' || key == KEY_ENTER) && mk.n > 0) {
            if ((*chosen = open_marked(a, &mk, e[sel].dir)) != NULL)
                break;
            continue;
        }
        if ((key == KEY_DOWN || key == 'j') && sel + 1 < n)
            sel++;
        else if ((key == KEY_UP || key == 'k') && sel > 0)
            sel--;
        else if (key == KEY_RESIZE || key == 12) {
            delwin(w);
            w = newwin(LINES, COLS, 0, 0);
            wbkgdset(w, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
            clearok(curscr, TRUE);
        } else if (key == 'r') {
            ui_picker_entries_free(e, n);
            n = ui_picker_scan(runs_dir, &e);
            if (sel >= n)
                sel = n ? n - 1 : 0;
        } else if ((key == '\n' || key == '\r' || key == KEY_ENTER) && n > 0) {
            *chosen = tt_xstrdup(e[sel].dir);
            break;
        } else if (key == KEY_MOUSE) {
            MEVENT ev;
            /* a click acts on its press; its release (reported for the
             * dashboard's drags) would open the row it just selected */
            if (getmouse(&ev) == OK && ev.y >= 3 && (ev.bstate & ~(mmask_t)BUTTON1_RELEASED)) {
                int page = LINES - 5;
                size_t top = sel >= (size_t)page ? sel - (size_t)page + 1 : 0;
                size_t i = top + (size_t)(ev.y - 3);
                if (i < n) {
                    if (i == sel) {
                        *chosen = tt_xstrdup(e[sel].dir);
                        break;
                    }
                    sel = i;
                }
            }
        }
    }
    delwin(w);
    marks_free(&mk);
    ui_picker_entries_free(e, n);
    werase(stdscr);
    wnoutrefresh(stdscr);
    return rc;
}
