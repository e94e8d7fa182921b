/*
 * edit — the search-space editor panel (`e`) over editor.c's buffer: the
 * sweep file with line numbers, a gutter mark on lines with problems, the
 * diagnostic under the cursor (file:line:col, key path, message)
 * re-validated after every key, and a save (Ctrl-S) that writes the file
 * atomically (keeping FILE~) and sends `reload`; the header shows the new
 * space version once the runner has taken it. `E` runs $VISUAL/$EDITOR on
 * the file instead and validates it on return (reopening it here, at its
 * first error, when it has one).
 */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "editor.h"
#include "internal.h"

struct ui_editor_state {
    ui_buffer *ed;
    char *path;
    char *name;           /* for messages: the file's base name */
    bool saved_once;
};

static char *sweep_path(ui_app *a)
{
    if (a->opts.sweep_path && *a->opts.sweep_path)
        return tt_xstrdup(a->opts.sweep_path);
    return tt_study_sweep_file(&a->model.study.info);
}

void ui_editor_close(ui_app *a)
{
    struct ui_editor_state *e = a->editor;
    if (!e)
        return;
    ui_buffer_free(e->ed);
    free(e->path);
    free(e->name);
    free(e);
    a->editor = NULL;
    if (a->overlay == UI_OVERLAY_EDITOR)
        a->overlay = UI_OVERLAY_NONE;
}

static int open_internal(ui_app *a, char *path, char *text)
{
    struct ui_editor_state *e = tt_xcalloc(1, sizeof *e);
    e->ed = ui_buffer_new(text);
    e->path = path;
    const char *base = strrchr(path, '/');
    e->name = tt_xstrdup(base ? base + 1 : path);
    ui_buffer_validate(e->ed, e->path);
    a->editor = e;
    a->overlay = UI_OVERLAY_EDITOR;
    a->overlay_dirty = true;
    /* start at the first error, if any */
    const tt_diags *d = ui_buffer_diags(e->ed);
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == TT_DIAG_ERROR && d->items[i].line > 0) {
            ui_buffer_goto(e->ed, (size_t)d->items[i].line - 1,
                           ui_buffer_diag_col_display(e->ed, &d->items[i]));
            break;
        }
    return UI_REDRAW_ALL;
}

/* Run argv (the editor and the file) on the terminal and wait for it. */
static int run_external(const char *editor, const char *path)
{
    char *copy = tt_xstrdup(editor);
    char *argv[34];
    int argc = 0;
    for (char *tok = strtok(copy, " \t"); tok && argc < 32; tok = strtok(NULL, " \t"))
        argv[argc++] = tok;
    argv[argc++] = (char *)path;
    argv[argc] = NULL;
    struct sigaction ign, old_int, old_term, old_winch;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGTERM, &ign, &old_term);
    sigaction(SIGWINCH, &ign, &old_winch);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGWINCH, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "tunetop: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = -1;
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    free(copy);
    return pid < 0 ? -1 : status;
}

int ui_editor_open(ui_app *a, bool external)
{
    if (a->editor) {
        a->overlay = UI_OVERLAY_EDITOR;
        return UI_REDRAW_ALL;
    }
    char *path = sweep_path(a);
    if (!path) {
        ui_message(a, true, "the study does not say which sweep file it came from");
        return UI_HANDLED;
    }
    if (external) {
        const char *ed = getenv("VISUAL");
        if (!ed || !*ed)
            ed = getenv("EDITOR");
        if (!ed || !*ed)
            ed = "vi";
        char *before = tt_read_file(path, NULL, NULL);
        def_prog_mode();
        endwin();
        int st = run_external(ed, path);
        reset_prog_mode();
        clearok(curscr, TRUE);
        ui_winch_take();
        char *after = tt_read_file(path, NULL, NULL);
        int flags = UI_REDRAW_ALL;
        if (st != 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            ui_message(a, true, "%s exited with status %d; nothing reloaded", ed,
                       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        } else if (!after) {
            ui_message(a, true, "cannot read %s after editing", path);
        } else if (before && strcmp(before, after) == 0) {
            ui_message(a, false, "%s unchanged", path);
        } else {
            tt_diags diags = {0};
            tt_sweep *sw = tt_sweep_load_text(path, after, strlen(after), &diags);
            if (sw) {
                tt_sweep_free(sw);
                ui_send(a, "reload", NULL);
                ui_message(a, false, "%s is valid (%zu warnings); reload sent to the runner",
                           path, diags.n_warnings);
            } else {
                tt_diags_free(&diags);
                free(before);
                ui_message(a, true, "%s has errors: shown in the editor; the runner keeps "
                                    "the current space", path);
                return open_internal(a, path, after) | flags;
            }
            tt_diags_free(&diags);
        }
        free(before);
        free(after);
        free(path);
        return flags;
    }
    tt_error err = {0};
    char *text = tt_read_file(path, NULL, &err);
    if (!text) {
        text = tt_store_get_space(a->model.study.store, 0, NULL);
        if (!text) {
            ui_message(a, true, "cannot read %s: %s", path, err.msg);
            free(path);
            return UI_HANDLED;
        }
        ui_message(a, false, "%s is missing; editing the study's newest version (saving "
                             "creates it)", path);
    }
    int f = open_internal(a, path, text);
    free(text);
    return f;
}

static void save(ui_app *a, void *arg)
{
    (void)arg;
    struct ui_editor_state *e = a->editor;
    if (!e)
        return;
    tt_error err = {0};
    /* The study module writes the file and asks for the reload: the same
     * path as `tunetop narrow` (tt_study_save_sweep). */
    int64_t id = ui_buffer_save_study(e->ed, a->model.study.store, e->path, &err);
    if (id < 0) {
        ui_message(a, true, "cannot save: %s", err.msg);
        return;
    }
    e->saved_once = true;
    const tt_diags *d = ui_buffer_diags(e->ed);
    ui_track(a, "reload", id);
    if (a->model.study.runner_pid == 0)
        ui_message(a, d->n_errors != 0,
                   "saved %s (old version in %s~); no runner is running: R starts one, which "
                   "reloads it",
                   e->name, e->name);
    else if (a->pending_cmd)
        ui_message(a, d->n_errors != 0, "saved %s (old version in %s~); reload sent%s", e->name,
                   e->name, d->n_errors ? ", but it has errors: the runner keeps the current space"
                                        : ": the header shows the new space version when the "
                                          "runner has it");
}

static void discard(ui_app *a, void *arg)
{
    (void)arg;
    ui_editor_close(a);
    ui_message(a, false, "changes discarded");
}

void ui_editor_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    struct ui_editor_state *e = a->editor;
    if (!e)
        return;
    int h = getmaxy(w), wd = getmaxx(w);
    const tt_diags *d = ui_buffer_diags(e->ed);
    char right[128];
    snprintf(right, sizeof right, "%zu error%s, %zu warning%s%s", d->n_errors,
             d->n_errors == 1 ? "" : "s", d->n_warnings, d->n_warnings == 1 ? "" : "s",
             ui_buffer_dirty(e->ed) ? " · modified" : "");
    char title[300];
    snprintf(title, sizeof title, "Edit %s", e->path);
    ui_draw_title(a, w, title, right, true);

    int gutter = 6;
    int text_h = h - 3, text_w = wd - gutter - 1;
    if (text_h < 1)
        text_h = 1;
    ui_buffer_set_view(e->ed, text_h, text_w);
    size_t top = ui_buffer_top(e->ed), left = ui_buffer_left(e->ed);
    size_t cl, cc;
    ui_buffer_cursor(e->ed, &cl, &cc);
    size_t nl = ui_buffer_line_count(e->ed);
    char *buf = tt_xmalloc((size_t)text_w * 4 + 8);
    for (int r = 0; r < text_h; r++) {
        size_t i = top + (size_t)r;
        if (i >= nl)
            break;
        int sev = ui_buffer_line_severity(e->ed, i);
        char num[24];
        snprintf(num, sizeof num, "%4zu", i + 1);
        wattrset(w, sev == TT_DIAG_ERROR     ? a->attr[UI_ROLE_ERROR]
                    : sev == TT_DIAG_WARNING ? a->attr[UI_ROLE_RUNNING]
                                             : a->attr[UI_ROLE_AXIS]);
        mvwaddstr(w, 1 + r, 0, num);
        waddch(w, sev == TT_DIAG_ERROR ? '!' : sev == TT_DIAG_WARNING ? '?' : ' ');
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        ui_buffer_render_line(e->ed, i, left, (size_t)text_w, buf, (size_t)text_w * 4 + 8);
        mvwaddstr(w, 1 + r, gutter, buf);
        if (i == cl && cc >= left && cc - left < (size_t)text_w) {
            /* the cursor: the cell under it in reverse video */
            int x = gutter + (int)(cc - left);
            cchar_t wc;
            if (mvwin_wch(w, 1 + r, x, &wc) == OK) {
                wc.attr |= A_REVERSE;
                mvwadd_wch(w, 1 + r, x, &wc);
            }
        }
    }
    free(buf);
    /* the diagnostic for the cursor, else the first error */
    const tt_diag *dg = ui_buffer_diag_at_cursor(e->ed);
    if (!dg)
        for (size_t i = 0; i < d->n && !dg; i++)
            if (d->items[i].severity == TT_DIAG_ERROR)
                dg = &d->items[i];
    wattrset(w, a->attr[UI_ROLE_BORDER]);
    ui_hline(a, w, h - 2, 0, wd);
    char msg[1024];
    if (dg) {
        snprintf(msg, sizeof msg, "%s:%d:%d: %s: %s%s%s", e->name, dg->line, dg->col,
                 dg->severity == TT_DIAG_ERROR ? "error" : "warning", dg->path ? dg->path : "",
                 dg->path && *dg->path ? ": " : "", dg->message);
        wattrset(w, dg->severity == TT_DIAG_ERROR ? a->attr[UI_ROLE_ERROR]
                                                   : a->attr[UI_ROLE_RUNNING]);
    } else {
        snprintf(msg, sizeof msg, "%s: valid · line %zu, column %zu · space v%ld in the runner",
                 e->name, cl + 1, cc + 1, a->model.study.info.space_version);
        wattrset(w, a->attr[UI_ROLE_BEST]);
    }
    ui_put(w, h - 1, 0, msg, wd, true);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

int ui_editor_key(ui_app *a, int key)
{
    struct ui_editor_state *e = a->editor;
    if (!e)
        return UI_IGNORED;
    if (key == KEY_MOUSE || key == KEY_RESIZE)
        return UI_IGNORED;
    int f = ui_buffer_key(e->ed, key);
    if (f & UI_BUFFER_CHANGED)
        ui_buffer_validate(e->ed, e->path);
    if (f & UI_BUFFER_SAVE) {
        const tt_diags *d = ui_buffer_diags(e->ed);
        if (d->n_errors)
            ui_confirm(a, "The file has errors: save anyway? the runner keeps its current space "
                          "(y = save)",
                       save, NULL);
        else
            save(a, NULL);
        return UI_HANDLED;
    }
    if (f & UI_BUFFER_QUIT) {
        if (ui_buffer_dirty(e->ed)) {
            ui_confirm(a, "Discard unsaved changes? y = discard, other = keep editing", discard,
                       NULL);
            return UI_HANDLED;
        }
        ui_editor_close(a);
        return UI_REDRAW_ALL;
    }
    return f ? UI_HANDLED : UI_IGNORED;
}
