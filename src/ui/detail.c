/*
 * detail — one trial over the panels (Enter): its parameters, a table of
 * its metrics (last, best for each metric's own goal, min, max, step),
 * how it ended, and a live tail of its stdout.log and stderr.log read
 * incrementally from trials/N/ (at most TAIL_BYTES at open, then only new
 * bytes). Everything the trial wrote is cleaned of control sequences
 * before it is kept (text.c).
 * `k` kills it (asks), `r` enqueues its parameters again as a JSON object.
 *
 * A trial of several runs (`folds`, `repeats`) also gets a chart of its
 * runs' curves under their mean and a table of the runs (detail_runs.c),
 * and its log tail follows every run's logs in trials/N/fold-F/… with
 * each line marked "[fold F] "; `m`/`M` pick the chart's metric.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define TAIL_BYTES (64 * 1024)
#define READ_MAX (256 * 1024)
#define MAX_LINES 2000
#define PARTIAL_MAX 4096

typedef struct log_file {
    char *path;
    char *label;          /* "[fold 1] " before each line of a run's log; "" */
    bool err;             /* stderr.log */
    off_t off;
    ino_t ino;
    tt_buf partial;
} log_file;

struct ui_detail_state {
    long trial;
    int n_runs;           /* runs the trial was made of when opened */
    ui_detail_runs *runs; /* a trial of several runs: their chart and table */
    log_file *files;      /* stdout.log and stderr.log of the trial or each run */
    size_t n_files;
    off_t tail_bytes;     /* read at most this much of each file at open */
    char *lines[MAX_LINES];
    bool is_err[MAX_LINES];
    size_t n_lines, head;
    int scroll;           /* lines up from the newest */
};

static void push_line(struct ui_detail_state *d, const char *label, const char *s, size_t len,
                      bool err)
{
    char *text = ui_text_clean(s, len);
    char *clean = *label ? tt_xasprintf("%s%s", label, text) : text;
    if (clean != text)
        free(text);
    size_t slot = d->head;
    if (d->n_lines == MAX_LINES)
        free(d->lines[slot]);
    else
        d->n_lines++;
    d->lines[slot] = clean;
    d->is_err[slot] = err;
    d->head = (d->head + 1) % MAX_LINES;
}

static const char *line_at(const struct ui_detail_state *d, size_t i_from_newest, bool *err)
{
    if (i_from_newest >= d->n_lines)
        return NULL;
    size_t idx = (d->head + MAX_LINES - 1 - i_from_newest) % MAX_LINES;
    *err = d->is_err[idx];
    return d->lines[idx];
}

static bool read_file(struct ui_detail_state *d, log_file *f, bool first)
{
    /* O_NOFOLLOW: a log replaced by a symlink (to ~/.ssh/id_rsa, say) is
     * not shown; the runner does not read it either (runner/live.c). */
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    if (st.st_ino != f->ino || st.st_size < f->off) {
        /* a new attempt rewrote the file */
        f->ino = st.st_ino;
        f->off = 0;
        f->partial.len = 0;
        first = true;
    }
    bool skip_partial_line = false;
    if (first && st.st_size > d->tail_bytes) {
        f->off = st.st_size - d->tail_bytes;
        skip_partial_line = true;
    }
    bool changed = false;
    size_t budget = READ_MAX;
    char buf[16384];
    while (budget > 0 && f->off < st.st_size) {
        size_t want = sizeof buf < budget ? sizeof buf : budget;
        ssize_t n = pread(fd, buf, want, f->off);
        if (n <= 0)
            break;
        f->off += n;
        budget -= (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < (size_t)n; i++) {
            if (buf[i] != '\n')
                continue;
            if (skip_partial_line) {
                skip_partial_line = false;
                start = i + 1;
                continue;
            }
            tt_buf_append(&f->partial, buf + start, i - start);
            size_t len = f->partial.len;
            if (len && f->partial.data[len - 1] == '\r')
                len--;
            push_line(d, f->label, f->partial.data ? f->partial.data : "", len, f->err);
            f->partial.len = 0;
            changed = true;
            start = i + 1;
        }
        if (!skip_partial_line && start < (size_t)n) {
            size_t rest = (size_t)n - start;
            if (f->partial.len + rest > PARTIAL_MAX) {
                /* a very long line: show what we have, go on */
                tt_buf_append(&f->partial, buf + start, PARTIAL_MAX - f->partial.len > rest
                                                            ? rest
                                                            : PARTIAL_MAX - f->partial.len);
                push_line(d, f->label, f->partial.data, f->partial.len, f->err);
                f->partial.len = 0;
                changed = true;
            } else {
                tt_buf_append(&f->partial, buf + start, rest);
            }
        }
    }
    close(fd);
    return changed;
}

static void detail_free(struct ui_detail_state *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_lines; i++)
        free(d->lines[(d->head + MAX_LINES - 1 - i) % MAX_LINES]);
    for (size_t k = 0; k < d->n_files; k++) {
        free(d->files[k].path);
        free(d->files[k].label);
        tt_buf_free(&d->files[k].partial);
    }
    free(d->files);
    ui_detail_runs_free(d->runs);
    free(d);
}

static void add_logs(struct ui_detail_state *d, const char *dir, const char *label)
{
    d->files = tt_xrealloc(d->files, (d->n_files + 2) * sizeof *d->files);
    for (int k = 0; k < 2; k++)
        d->files[d->n_files++] = (log_file){
            .path = tt_xasprintf("%s/%s", dir, k ? "stderr.log" : "stdout.log"),
            .label = tt_xstrdup(label),
            .err = k == 1,
        };
}

/* The logs a trial writes: its own, or each run's in its folder, every
 * line marked with the run (r is then the trial's row). The tail read at
 * open is shared among the runs, so many runs do not read many times as
 * much. */
static void open_logs(struct ui_detail_state *d, const ui_app *a, const tt_trial_record *r)
{
    d->tail_bytes = TAIL_BYTES;
    if (d->n_runs < 2) {
        char *dir = tt_study_trial_dir(a->model.study.dir, d->trial);
        add_logs(d, dir, "");
        free(dir);
        return;
    }
    d->tail_bytes = TAIL_BYTES / d->n_runs > 4096 ? TAIL_BYTES / d->n_runs : 4096;
    for (int i = 0; i < d->n_runs; i++) {
        char name[48], label[64];
        tt_run_label(r->folds, r->repeats, i, name, sizeof name);
        snprintf(label, sizeof label, "[%s] ", name);
        char *dir = tt_study_run_dir(a->model.study.dir, d->trial, r->folds, r->repeats, i);
        add_logs(d, dir, label);
        free(dir);
    }
}

void ui_detail_open(ui_app *a, long trial)
{
    ui_detail_close(a);
    struct ui_detail_state *d = tt_xcalloc(1, sizeof *d);
    d->trial = trial;
    const ui_trial *t = ui_model_trial(&a->model, trial);
    d->n_runs = t ? tt_runs_count(t->rec.folds, t->rec.repeats) : 1;
    open_logs(d, a, t ? &t->rec : NULL);
    if (d->n_runs > 1) {
        d->runs = ui_detail_runs_new();
        ui_detail_runs_poll(a, d->runs, &t->rec);
    }
    a->detail = d;
    for (size_t k = 0; k < d->n_files; k++)
        read_file(d, &d->files[k], true);
    a->overlay = UI_OVERLAY_DETAIL;
    a->overlay_dirty = true;
}

void ui_detail_close(ui_app *a)
{
    detail_free(a->detail);
    a->detail = NULL;
    if (a->overlay == UI_OVERLAY_DETAIL)
        a->overlay = UI_OVERLAY_NONE;
}

bool ui_detail_poll(ui_app *a)
{
    struct ui_detail_state *d = a->detail;
    if (!d)
        return false;
    const ui_trial *t = ui_model_trial(&a->model, d->trial);
    if (t && tt_runs_count(t->rec.folds, t->rec.repeats) != d->n_runs) {
        /* its runs began since the view opened: their logs are elsewhere */
        int scroll = d->scroll;
        ui_detail_open(a, d->trial);
        a->detail->scroll = scroll;
        return true;
    }
    bool c = false;
    for (size_t k = 0; k < d->n_files; k++)
        c |= read_file(d, &d->files[k], false);
    if (d->runs && t)
        c |= ui_detail_runs_poll(a, d->runs, &t->rec);
    return c;
}

/* Which way metric name is better. Each metric has its own goal: with
 * the objective's for all of them, a val_acc beside a val_loss objective
 * showed its worst value as "best". */
static tt_goal metric_goal(const ui_model *m, const char *name)
{
    if (m->study.metric && strcmp(name, m->study.metric) == 0)
        return m->study.goal;
    return tt_sweep_metric_goal(m->study.sweep, name);
}

void ui_detail_metric_stats(const ui_model *m, const char *name, const ui_series *s,
                            ui_metric_stats *out)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        double v = s->pts[i].value;
        if (!isfinite(v))
            continue;
        if (v < lo)
            lo = v;
        if (v > hi)
            hi = v;
    }
    /* the newest value is exact (the points are floats, decimated) */
    if (isfinite(s->last)) {
        if (s->last < lo)
            lo = s->last;
        if (s->last > hi)
            hi = s->last;
    }
    if (!isfinite(lo))
        lo = hi = NAN;
    out->last = s->last;
    out->min = lo;
    out->max = hi;
    out->best = metric_goal(m, name) == TT_GOAL_MAXIMIZE ? hi : lo;
    out->step = s->last_step;
}

/* An Optuna trial has no log here; its user attributes (Trial.set_user_attr)
 * take the log's place. The optuna module records each as an "attr"
 * event of its trial ("key = JSON value"); the model keeps the newest
 * events, so a study with very many attributes shows its latest ones. */
static void draw_attrs(ui_app *a, WINDOW *w, const tt_trial_record *r, int ly)
{
    int h = getmaxy(w), wd = getmaxx(w), row = ly;
    wattrset(w, a->attr[UI_ROLE_BORDER]);
    ui_hline(a, w, ly - 1, 0, wd);
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, ly - 1, 2, " User attributes (Optuna) ", wd - 4, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    for (size_t i = a->model.n_events; i-- > 0 && row < h;) {
        const ui_event *e = ui_model_event(&a->model, i); /* oldest first */
        if (e && e->trial == r->number && strcmp(e->kind, "attr") == 0)
            ui_put(w, row++, 2, e->message, wd - 4, false);
    }
    if (row == ly) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, ly, 2, "(none)", wd - 4, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    }
}

/* The log tail from row ly (its title on the row above) to the bottom. */
static void draw_log(ui_app *a, WINDOW *w, struct ui_detail_state *d, const tt_trial_record *r,
                     int ly)
{
    int h = getmaxy(w), wd = getmaxx(w);
    char line[512];
    wattrset(w, a->attr[UI_ROLE_BORDER]);
    ui_hline(a, w, ly - 1, 0, wd);
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    snprintf(line, sizeof line, " Log: trials/%ld/%sstdout.log + stderr.log%s ", r->number,
             d->n_runs > 1 ? (r->folds > 0 ? "fold-*/" : "repeat-*/") : "",
             d->scroll ? " (scrolled: End for newest)" : "");
    ui_put(w, ly - 1, 2, line, wd - 4, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    int log_h = h - ly;
    if (log_h < 1)
        return;
    int max_scroll = (int)d->n_lines - log_h;
    if (d->scroll > max_scroll)
        d->scroll = max_scroll > 0 ? max_scroll : 0;
    if (d->n_lines == 0) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, ly, 2, "(no output)", wd - 4, false);
    }
    for (int i = 0; i < log_h; i++) {
        bool err = false;
        const char *s = line_at(d, (size_t)(d->scroll + log_h - 1 - i), &err);
        if (!s)
            continue;
        wattrset(w, err ? a->attr[UI_ROLE_FAILED] : a->attr[UI_ROLE_DEFAULT]);
        ui_put(w, ly + i, 1, s, wd - 1, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_detail_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    struct ui_detail_state *d = a->detail;
    int h = getmaxy(w), wd = getmaxx(w);
    const ui_trial *t = d ? ui_model_loaded(&a->model, d->trial) : NULL;
    if (!t) {
        ui_draw_title(a, w, "Trial", "Esc back", true);
        ui_put(w, 2, 2, "this trial is not in the study (yet)", wd - 4, false);
        return;
    }
    const tt_trial_record *r = &t->rec;
    char title[192], v[64], dur[32];
    ui_format_value_std(r, a->utf8, v, sizeof v);
    snprintf(title, sizeof title, "Trial %ld · %s · %s=%s%s", ui_model_shown(&a->model, r->number),
             tt_trial_state_name(r->state), a->model.study.metric, v,
             r->number == a->model.best ? " · best" : "");
    char right[64];
    snprintf(right, sizeof right, "%s%.24s%sattempt %d · space v%ld", r->job_id ? "Slurm job " : "", r->job_id ? r->job_id : "", r->job_id ? " · " : "", r->attempt, r->space_version);
    ui_draw_title(a, w, title, right, true);

    /* timing and end reason */
    char line[512], when[32] = "-";
    if (r->started_at > 0) {
        time_t s = (time_t)r->started_at;
        struct tm tm;
        localtime_r(&s, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    }
    ui_format_duration(ui_trial_duration(r, a->now), dur, sizeof dur);
    snprintf(line, sizeof line, " started %s · ran %s · last step %ld", when, dur, r->last_step);
    ui_put(w, 1, 0, line, wd, false);
    int y = 2;
    if (r->reason && *r->reason) {
        wattrset(w, r->state == TT_TRIAL_COMPLETED ? a->attr[UI_ROLE_DEFAULT]
                                                   : a->attr[UI_ROLE_FAILED]);
        snprintf(line, sizeof line, " ended: %s", r->reason);
        ui_put(w, y++, 0, line, wd, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    } else if (r->state == TT_TRIAL_RUNNING) {
        wattrset(w, a->attr[UI_ROLE_RUNNING]);
        ui_put(w, y++, 0, " running", wd, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    }

    /* parameters (left) and metrics (right) */
    int top = y + 1;
    int avail = h - top - 4;
    if (avail < 2)
        avail = 2;
    int rows = (int)r->n_params;
    int n_metrics = 0;
    for (size_t k = 0; k < t->n_series; k++)
        n_metrics += t->series[k].n > 0;
    if (n_metrics + 1 > rows)
        rows = n_metrics + 1;
    /* a trial of several runs needs room for their chart and table too */
    int share = d->runs ? avail / 3 + 2 : avail / 2 + 2;
    if (rows > share)
        rows = share;
    if (rows > avail)
        rows = avail;
    int left_w = wd * 2 / 5;
    wattrset(w, a->attr[UI_ROLE_TITLE]);
    ui_put(w, y, 1, "Parameters", left_w - 2, false);
    bool narrow = wd - left_w < 66;
    ui_put(w, y, left_w + 1,
           narrow ? "Metric          last        best   step"
                  : "Metric          last        best         min         max   step",
           wd - left_w - 2, false);
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    int name_w = 4;
    for (size_t k = 0; k < r->n_params; k++) {
        int nw = ui_text_width(r->param_names[k]);
        if (nw > name_w)
            name_w = nw;
    }
    if (name_w > left_w / 2)
        name_w = left_w / 2;
    for (int k = 0; k < rows && (size_t)k < r->n_params; k++) {
        bool active = !r->param_active || r->param_active[k];
        wattrset(w, active ? a->attr[UI_ROLE_DEFAULT] : a->attr[UI_ROLE_PRUNED]);
        ui_put(w, top + k, 2, r->param_names[k], name_w, true);
        ui_put(w, top + k, 3 + name_w, active ? r->param_text[k] : "(inactive)",
               left_w - name_w - 4, false);
    }
    if ((int)r->n_params > rows) {
        snprintf(line, sizeof line, "… %zu more", r->n_params - (size_t)rows);
        ui_put(w, top + rows - 1, 2, line, left_w - 3, true);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    int my = top;
    for (size_t k = 0; k < t->n_series && my < top + rows; k++) {
        const ui_series *s = &t->series[k];
        if (s->n == 0)
            continue;
        const char *mname = a->model.metric_names[k];
        ui_metric_stats st;
        ui_detail_metric_stats(&a->model, mname, s, &st);
        char f[4][32];
        ui_format_value(st.last, f[0], sizeof f[0]);
        ui_format_value(st.best, f[1], sizeof f[1]);
        ui_format_value(st.min, f[2], sizeof f[2]);
        ui_format_value(st.max, f[3], sizeof f[3]);
        wattrset(w, strcmp(mname, a->model.study.metric) == 0 ? a->attr[UI_ROLE_BEST]
                                                        : a->attr[UI_ROLE_DEFAULT]);
        if (narrow)
            snprintf(line, sizeof line, "%-12.12s %11s %11s %6ld", mname, f[0], f[1], st.step);
        else
            snprintf(line, sizeof line, "%-12.12s %11s %11s %11s %11s %6ld", mname, f[0], f[1],
                     f[2], f[3], st.step);
        ui_put(w, my++, left_w + 1, line, wd - left_w - 2, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);

    int ly = top + rows + 1;
    if (d->runs) {
        int rh = ui_detail_runs_height(d->runs, wd, h - ly - 3);
        if (rh > 0)
            ui_detail_runs_draw(a, w, d->runs, ly - 1, rh);
        ly += rh;
    }
    if (a->model.study.optuna)
        draw_attrs(a, w, r, ly);
    else
        draw_log(a, w, d, r, ly);
}

static void kill_trial(ui_app *a, void *arg)
{
    char n[32];
    snprintf(n, sizeof n, "%ld", (long)(intptr_t)arg);
    ui_send(a, "kill", n);
}


/* The trial's parameters as a JSON object, as `enqueue` takes them:
 * numbers and booleans bare, everything else a string. */
static char *params_json(const tt_trial_record *r)
{
    tt_buf b = {0};
    tt_buf_puts(&b, "{");
    bool first = true;
    for (size_t k = 0; k < r->n_params; k++) {
        if (r->param_active && !r->param_active[k])
            continue;
        const char *v = r->param_text[k] ? r->param_text[k] : "";
        tt_buf_printf(&b, "%s\"", first ? "" : ", ");
        first = false;
        for (const char *p = r->param_names[k]; *p; p++)
            tt_buf_printf(&b, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
        tt_buf_puts(&b, "\": ");
        if (strcmp(v, "True") == 0 || strcmp(v, "true") == 0 || strcmp(v, "False") == 0 ||
            strcmp(v, "false") == 0) {
            tt_buf_puts(&b, v[0] == 'T' || v[0] == 't' ? "true" : "false");
            continue;
        }
        if (tt_json_is_number(v)) {
            tt_buf_puts(&b, v);
            continue;
        }
        tt_buf_puts(&b, "\"");
        for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
            if (*p == '"' || *p == '\\')
                tt_buf_printf(&b, "\\%c", *p);
            else if (*p < 0x20)
                tt_buf_printf(&b, "\\u%04x", *p);
            else
                tt_buf_printf(&b, "%c", *p);
        }
        tt_buf_puts(&b, "\"");
    }
    tt_buf_puts(&b, "}");
    return tt_buf_take(&b);
}

int ui_detail_key(ui_app *a, int key)
{
    struct ui_detail_state *d = a->detail;
    if (!d)
        return UI_IGNORED;
    const ui_trial *t = ui_model_trial(&a->model, d->trial);
    switch (key) {
    case 27:
    case 'q':
    case KEY_BACKSPACE:
        ui_detail_close(a);
        return UI_REDRAW_ALL;
    case KEY_UP:
        d->scroll++;
        return UI_HANDLED;
    case KEY_DOWN:
    case 'j':
        if (d->scroll > 0)
            d->scroll--;
        return UI_HANDLED;
    case KEY_PPAGE:
        d->scroll += 10;
        return UI_HANDLED;
    case KEY_NPAGE:
        d->scroll = d->scroll > 10 ? d->scroll - 10 : 0;
        return UI_HANDLED;
    case KEY_HOME:
    case 'g':
        d->scroll = MAX_LINES;
        return UI_HANDLED;
    case KEY_END:
    case 'G':
        d->scroll = 0;
        return UI_HANDLED;
    case KEY_LEFT:
    case 'h':
    case KEY_RIGHT:
    case 'l': {
        long step = key == KEY_LEFT || key == 'h' ? -1 : 1;
        for (long n = d->trial + step; n >= 1 && (size_t)n <= a->model.n_trials; n += step)
            if (ui_model_trial(&a->model, n)) {
                ui_detail_open(a, n);
                return UI_HANDLED;
            }
        return UI_HANDLED;
    }
    case 'k':
        if (ui_read_only(a))
            return UI_HANDLED;
        if (!t || t->rec.state != TT_TRIAL_RUNNING) {
            ui_message(a, true, "trial %ld is not running", d->trial);
            return UI_HANDLED;
        }
        {
            char q[96];
            snprintf(q, sizeof q, "Kill trial %ld? y = kill it, other = cancel", d->trial);
            ui_confirm(a, q, kill_trial, (void *)(intptr_t)d->trial);
        }
        return UI_HANDLED;
    case 'm':
    case 'M':
        /* the runs' chart shows the curves' metric: pick it here too */
        if (!d->runs)
            return UI_IGNORED;
        a->dirty[UI_PANEL_CURVES] = true;
        ui_curves_key(a, key);
        ui_detail_poll(a);
        return UI_HANDLED;
    case 'r':
        if (t) {
            char *json = params_json(&t->rec);
            if (ui_send(a, "enqueue", json) == 0)
                ui_message(a, false, "enqueued the parameters of trial %ld again", d->trial);
            free(json);
        }
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}
