/*
 * model — what the dashboard knows of one study, kept up to date by
 * incremental reads (htop's Machine: panels read it, never the store).
 * Each poll reads only what changed: the study row, trial rows with a
 * newer seq, metric points and events with a newer rowid. A big study's
 * trial rows are read in slices (max_trial_rows per poll) so that the first
 * frame comes at once and keys are answered while it loads. Its backlog of
 * metric points is never read as a whole: a trial's curves are read from
 * the store when a panel first shows them (ui_model_series: the few curves
 * on screen, the detail view), then kept up to date by the polls, and the
 * least recently shown are dropped past UI_LOADED_MAX trials (issue 18: at
 * 100,000 trials × 100 steps reading every point took 14 s of CPU and
 * 324 MB for curves nobody looks at). The study
 * row, the newest sweep, trial rows and the runner's liveness come through
 * the study module's reader (tt_study_reader, shared with `tunetop status`
 * and the other read-only commands); metric points, events and importance
 * are the dashboard's own reads of its store.
 *
 * Memory is bounded: each (trial, metric) series keeps at most
 * UI_SERIES_MAX points (decimated, newest value exact), which is all the
 * curves need; the detail view reads one trial's exact points from the
 * store itself. Every change bumps a generation counter so panels redraw
 * only when what they show moved.
 *
 * What depends only on the completed trials — the ranking by objective
 * (best table, curves) and the rank correlations (importance panel when
 * the runner stored none) — is cached here and rebuilt only when
 * completed_gen moves: a trial enters or leaves the completed state, a
 * completed trial's value changes, a parameter appears, or the sweep
 * changes. In a live sweep every poll updates a running trial's row, so
 * keying these on trials_gen would sort all trials on every frame.
 *
 * A trial of several runs (`folds`, `repeats`) gets points from each run,
 * each with its own steps; as one series they would zig-zag. Each run's
 * points go to its own series and the trial's series is their mean curve
 * (ui_series_mean), so every panel draws such a trial as one line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tunetop/sampler.h" /* tt_grid_size: a grid sweep's total */

static const char *const importance_methods[] = {"fanova", "ped-anova", "corr"};

int ui_model_open(ui_model *m, const char *dir, tt_error *err)
{
    memset(m, 0, sizeof *m);
    int rc = tt_study_reader_open(&m->study, dir, TT_STORE_READ, err);
    if (rc < 0) {
        tt_study_reader_close(&m->study);
        return rc;
    }
    m->best_value = NAN;
    return 0;
}

long ui_model_shown(const ui_model *m, long number)
{
    return m->study.store ? tt_store_shown_number(m->study.store, number) : number;
}

void ui_series_free(ui_series *s)
{
    free(s->pts);
    memset(s, 0, sizeof *s);
}

static void runs_free(ui_trial *t)
{
    for (size_t r = 0; r < t->n_runs; r++) {
        for (size_t k = 0; k < t->runs[r].n_series; k++)
            ui_series_free(&t->runs[r].series[k]);
        free(t->runs[r].series);
    }
    free(t->runs);
    t->runs = NULL;
    t->n_runs = 0;
}

void ui_model_close(ui_model *m)
{
    for (size_t i = 0; i < m->n_trials; i++) {
        ui_trial *t = &m->trials[i];
        tt_trial_record_clear(&t->rec);
        for (size_t k = 0; k < t->n_series; k++)
            ui_series_free(&t->series[k]);
        free(t->series);
        runs_free(t);
    }
    free(m->trials);
    ui_strings_free(m->metric_names, m->n_metric_names);
    ui_strings_free(m->param_names, m->n_params);
    for (size_t i = 0; i < m->n_events; i++)
        free(m->events[i].message);
    ui_fanova_free(m);
    tt_importance_clear(&m->importance);
    tt_importance_clear(&m->pairs);
    free(m->ranking);
    free(m->corr);
    tt_study_reader_close(&m->study);
    memset(m, 0, sizeof *m);
}

ui_trial *ui_model_trial(const ui_model *m, long number)
{
    if (number < 1 || (size_t)number > m->n_trials || m->trials[number - 1].rec.number == 0)
        return NULL;
    return &m->trials[number - 1];
}

int ui_model_metric_id(const ui_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_metric_names; i++)
        if (strcmp(m->metric_names[i], name) == 0)
            return (int)i;
    return -1;
}


bool ui_model_better(const ui_model *m, double a, double b)
{
    if (isnan(a))
        return false;
    if (isnan(b))
        return true;
    return m->study.goal == TT_GOAL_MAXIMIZE ? a > b : a < b;
}

const char *ui_model_state(const ui_model *m)
{
    if (m->study.optuna)
        return "optuna"; /* no tunetop runner; Optuna's process has no state here */
    bool alive = m->study.runner_pid != 0;
    switch (m->study.info.state) {
    case TT_STUDY_RUNNING: return alive ? "running" : "stopped";
    case TT_STUDY_PAUSED: return alive ? "paused" : "stopped";
    case TT_STUDY_STOPPED: return alive ? "stopping" : "stopped";
    case TT_STUDY_FINISHED: return alive ? "finishing" : "finished";
    }
    return "?";
}

const ui_event *ui_model_event(const ui_model *m, size_t i)
{
    if (i >= m->n_events)
        return NULL;
    size_t idx = (m->event_head + UI_EVENTS_MAX - 1 - i) % UI_EVENTS_MAX;
    return &m->events[idx];
}

/* A newer sweep version was read (tt_study_reader_poll): the budget it
 * gives, and the ranking and correlations, which depend on the goal and on
 * which parameters are categorical. */
static void sweep_loaded(ui_model *m)
{
    const tt_sweep *sw = m->study.sweep;
    m->total = sw->run_cap > 0 ? sw->run_cap : 0;
    if (!m->total && sw->method == TT_METHOD_GRID) {
        size_t g = tt_grid_size(sw->space, NULL);
        m->total = g > 0 && g < (size_t)1 << 40 ? (long)g : 0;
    }
    if (m->parallel == 0)
        m->parallel = sw->parallel;
    m->completed_gen++;
}

/* Returns whether name was new. */
static bool intern(char ***names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return false;
    *names = tt_xrealloc(*names, (*n + 1) * sizeof **names);
    (*names)[(*n)++] = tt_xstrdup(name);
    return true;
}

/* Whether a trial counts in the ranking and the correlations. */
static bool ranked_trial(const tt_trial_record *r)
{
    return r->number && r->state == TT_TRIAL_COMPLETED && isfinite(r->value);
}

/* The slot of trial number, growing the table. */
static ui_trial *trial_slot(ui_model *m, long number)
{
    size_t need = (size_t)number;
    if (need > m->n_trials) {
        tt_grow((void **)&m->trials, &m->cap_trials, need, sizeof *m->trials);
        memset(m->trials + m->n_trials, 0, (need - m->n_trials) * sizeof *m->trials);
        m->n_trials = need;
    }
    return &m->trials[number - 1];
}

static void recount(ui_model *m)
{
    memset(m->counts, 0, sizeof m->counts);
    m->best = 0;
    m->best_value = NAN;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number == 0)
            continue;
        if ((unsigned)r->state < TT_TRIAL_STATE_COUNT)
            m->counts[r->state]++;
        if (r->state == TT_TRIAL_COMPLETED && isfinite(r->value) &&
            ui_model_better(m, r->value, m->best_value)) {
            m->best = r->number;
            m->best_value = r->value;
        }
    }
}

static int poll_trials(ui_model *m, size_t limit, tt_error *err)
{
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    if (tt_study_reader_trials(&m->study, limit, &rows, &n, &cap, err) < 0)
        return -TT_ERR_IO;
    m->trials_backlog = limit && n >= limit;
    bool completed_changed = false;
    for (size_t i = 0; i < n; i++) {
        tt_trial_record *r = &rows[i];
        if (r->number < 1) {
            tt_trial_record_clear(r);
            continue;
        }
        ui_trial *t = trial_slot(m, r->number);
        bool was = ranked_trial(&t->rec), is = ranked_trial(r);
        if (was != is || (is && t->rec.value != r->value))
            completed_changed = true;
        tt_trial_record_clear(&t->rec);
        t->rec = *r;  /* takes ownership */
        for (size_t k = 0; k < r->n_params; k++)
            if (intern(&m->param_names, &m->n_params, r->param_names[k]))
                completed_changed = true;
    }
    free(rows);
    if (completed_changed)
        m->completed_gen++;
    if (n > 0) {
        recount(m);
        m->trials_gen++;
        m->generation++;
    }
    return 0;
}

void ui_series_add(ui_series *s, int attempt, long step, double value)
{
    if (attempt > s->attempt) {
        /* a retry: its curve starts over */
        s->n = 0;
        s->stride = 1;
        s->skipped = 0;
        s->attempt = attempt;
    } else if (attempt < s->attempt) {
        return;
    }
    if (s->stride < 1)
        s->stride = 1;
    s->last = value;
    s->last_step = step;
    if (s->n > 0 && s->skipped + 1 < s->stride) {
        s->skipped++;
        /* keep the newest point of the stride visible */
        s->pts[s->n - 1].step = (int32_t)(step > INT32_MAX ? INT32_MAX : step);
        s->pts[s->n - 1].value = (float)value;
        return;
    }
    s->skipped = 0;
    if (s->n == UI_SERIES_MAX) {
        for (size_t i = 0; i < s->n / 2; i++)
            s->pts[i] = s->pts[2 * i];
        s->n /= 2;
        s->stride *= 2;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        if (s->cap > UI_SERIES_MAX)
            s->cap = UI_SERIES_MAX;
        s->pts = tt_xrealloc(s->pts, s->cap * sizeof *s->pts);
    }
    s->pts[s->n].step = (int32_t)(step > INT32_MAX ? INT32_MAX : step < INT32_MIN ? INT32_MIN : step);
    s->pts[s->n].value = (float)value;
    s->n++;
}

typedef struct metric_ctx {
    ui_model *m;
    size_t max, seen;
} metric_ctx;

/* Series id of *v (of *n), growing it with empty series. */
static ui_series *series_slot(ui_series **v, size_t *n, int id)
{
    if ((size_t)id >= *n) {
        *v = tt_xrealloc(*v, (size_t)(id + 1) * sizeof **v);
        memset(*v + *n, 0, ((size_t)id + 1 - *n) * sizeof **v);
        *n = (size_t)id + 1;
    }
    return &(*v)[id];
}

/* Whether trial t's points come from several runs: its row says so, or a
 * point of a run past the first came before the row. */
static bool has_runs(const ui_trial *t, int run)
{
    return run > 0 || t->n_runs > 0 || tt_runs_count(t->rec.folds, t->rec.repeats) > 1;
}

/* A point of one run of a trial of several: into that run's series; the
 * trial's own series becomes their mean at the end of the poll. */
static void run_point(ui_trial *t, int id, const tt_metric_point *p)
{
    /* the runs of an attempt that ended were dropped with its final mean
     * (the runner stores a run's last points before it ends the trial) */
    if (p->attempt <= t->runs_done || p->run < 0)
        return;
    size_t run = (size_t)p->run;
    if (run >= t->n_runs) {
        t->runs = tt_xrealloc(t->runs, (run + 1) * sizeof *t->runs);
        memset(t->runs + t->n_runs, 0, (run + 1 - t->n_runs) * sizeof *t->runs);
        t->n_runs = run + 1;
    }
    ui_run *r = &t->runs[run];
    ui_series_add(series_slot(&r->series, &r->n_series, id), p->attempt, p->step, p->value);
    t->runs_stale = true;
}

/* Metric id of name, interning a new one. */
static int metric_id(ui_model *m, const char *name)
{
    int id = ui_model_metric_id(m, name);
    if (id < 0) {
        (void)intern(&m->metric_names, &m->n_metric_names, name);
        id = (int)m->n_metric_names - 1;
    }
    return id;
}

/* A point of trial t into its series (or its run's). */
static void add_point(ui_model *m, ui_trial *t, const tt_metric_point *p)
{
    int id = metric_id(m, p->name);
    ui_series *s = series_slot(&t->series, &t->n_series, id);
    if (has_runs(t, p->run))
        run_point(t, id, p);
    else
        ui_series_add(s, p->attempt, p->step, p->value);
}

/* A new point: kept for a trial whose series are loaded; another trial
 * reads it with the rest when it is loaded (ui_model_loaded). */
static int on_metric(const tt_metric_point *p, void *ud)
{
    metric_ctx *c = ud;
    ui_model *m = c->m;
    m->last_metric_rowid = p->rowid;
    c->seen++;
    if (p->trial >= 1) {
        (void)metric_id(m, p->name);   /* a new name is known at once (`m` cycles it) */
        if ((size_t)p->trial <= m->n_trials && m->trials[p->trial - 1].loaded)
            add_point(m, &m->trials[p->trial - 1], p);
    }
    return c->max && c->seen >= c->max;
}

/* The mean curve of each metric of a trial of several runs. */
static void runs_mean(ui_trial *t)
{
    const ui_series **v = tt_xcalloc(t->n_runs, sizeof *v);
    for (size_t id = 0; id < t->n_series; id++) {
        for (size_t r = 0; r < t->n_runs; r++)
            v[r] = id < t->runs[r].n_series ? &t->runs[r].series[id] : NULL;
        ui_series_mean(v, t->n_runs, &t->series[id]);
    }
    free(v);
    t->runs_stale = false;
}

/* Whether a trial's runs can report no more (INTERRUPTED is left out: a
 * new runner re-adopts the runs of such a trial, same attempt). */
static bool ended(tt_trial_state s)
{
    return s == TT_TRIAL_COMPLETED || s == TT_TRIAL_PRUNED || s == TT_TRIAL_FAILED ||
           s == TT_TRIAL_KILLED || s == TT_TRIAL_TIMEOUT;
}

/* After the poll's points: the means that moved, and the runs of ended
 * trials dropped — their mean is final, and keeping every run of every
 * trial would multiply the model's memory by the number of runs. Only
 * when no metric backlog is left: the trial's row and all its points are
 * then from the same read. */
static void runs_update_one(const ui_model *m, ui_trial *t)
{
    if (t->runs_stale)
        runs_mean(t);
    if (t->n_runs && !m->metrics_backlog && t->rec.number && ended(t->rec.state) &&
        t->rec.attempt > t->runs_done) {
        runs_free(t);
        t->runs_done = t->rec.attempt;
    }
}

static void runs_update(ui_model *m)
{
    for (size_t i = 0; i < m->n_trials; i++)
        if (m->trials[i].loaded)
            runs_update_one(m, &m->trials[i]);
}

/* ---- series read when first shown ------------------------------------------ */

static void unload(ui_model *m, ui_trial *t)
{
    for (size_t k = 0; k < t->n_series; k++)
        ui_series_free(&t->series[k]);
    free(t->series);
    t->series = NULL;
    t->n_series = 0;
    runs_free(t);
    t->runs_stale = false;
    t->runs_done = 0;   /* a reload reads every run's points again */
    t->loaded = false;
    m->n_loaded--;
}

static int by_use(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

/* Past UI_LOADED_MAX, drop the least recently shown quarter at once (one
 * walk of the table per UI_LOADED_MAX / 4 loads). A running trial stays:
 * its points have no other reader than the polls. */
static void evict(ui_model *m)
{
    unsigned long *use = tt_xmalloc(m->n_loaded * sizeof *use);
    size_t n = 0;
    for (size_t i = 0; i < m->n_trials && n < m->n_loaded; i++)
        if (m->trials[i].loaded)
            use[n++] = m->trials[i].used;
    qsort(use, n, sizeof *use, by_use);
    unsigned long cutoff = use[n - UI_LOADED_MAX * 3 / 4];
    free(use);
    for (size_t i = 0; i < m->n_trials; i++) {
        ui_trial *t = &m->trials[i];
        if (t->loaded && t->used < cutoff && t->rec.state != TT_TRIAL_RUNNING)
            unload(m, t);
    }
}

typedef struct load_ctx {
    ui_model *m;
    ui_trial *t;
} load_ctx;

static int on_loaded_point(const tt_metric_point *p, void *ud)
{
    load_ctx *c = ud;
    add_point(c->m, c->t, p);
    return 0;
}

ui_trial *ui_model_loaded(ui_model *m, long number)
{
    ui_trial *t = ui_model_trial(m, number);
    if (!t)
        return NULL;
    t->used = ++m->use_clock;
    if (t->loaded)
        return t;
    /* the points the polls skipped: all up to their cursor, which the
     * polls continue from (nothing is deleted, so rows up to it are final) */
    load_ctx c = {m, t};
    t->loaded = true;
    m->n_loaded++;
    if (tt_store_metrics_upto(m->study.store, number, m->last_metric_rowid, on_loaded_point, &c,
                              NULL) < 0) {
        unload(m, t);   /* unreadable now: no curve rather than a partial one */
        return t;
    }
    runs_update_one(m, t);
    if (m->n_loaded > UI_LOADED_MAX)
        evict(m);
    return t;
}

const ui_series *ui_model_series(ui_model *m, long number, int id)
{
    const ui_trial *t = ui_model_loaded(m, number);
    if (!t || id < 0 || (size_t)id >= t->n_series || t->series[id].n == 0)
        return NULL;
    return &t->series[id];
}

static int on_event(const tt_event *e, void *ud)
{
    ui_model *m = ud;
    m->last_event_id = e->id;
    ui_event *slot = &m->events[m->event_head];
    if (m->n_events == UI_EVENTS_MAX)
        free(slot->message);
    else
        m->n_events++;
    m->event_head = (m->event_head + 1) % UI_EVENTS_MAX;
    slot->t = e->t;
    slot->trial = e->trial;
    snprintf(slot->kind, sizeof slot->kind, "%s", e->kind ? e->kind : "");
    const char *msg = e->message ? e->message : "";
    slot->message = ui_text_clean(msg, strlen(msg));
    /* the runner reports its parallelism in these two messages */
    const char *p = strstr(msg, "parallel set to ");
    if (p)
        m->parallel = strtol(p + 16, NULL, 10);
    else if (strncmp(msg, "runner started", 14) == 0 && (p = strstr(msg, ", parallel ")))
        m->parallel = strtol(p + 11, NULL, 10);
    return 0;
}

/* Whether two stored results differ (the runner rewrites a method's rows
 * as a whole, stamped with the time). */
static bool importance_same(const tt_importance *a, const tt_importance *b)
{
    return a->t == b->t && a->n_trials == b->n_trials && a->n == b->n;
}

/* The runner's stored importance, at most every 5 s (a few rows; the panel
 * draws from the copy kept here, never from the store): the first method
 * that has a result, fANOVA first, and with fANOVA its interactions. */
static void poll_importance(ui_model *m, double now)
{
    if (now - m->importance_polled < 5 && m->importance_polled > 0)
        return;
    m->importance_polled = now;
    for (size_t i = 0; i < sizeof importance_methods / sizeof *importance_methods; i++) {
        tt_importance imp = {0};
        if (tt_store_get_importance(m->study.store, importance_methods[i], &imp, NULL) < 0 ||
            imp.n == 0) {
            tt_importance_clear(&imp);
            continue;
        }
        bool fanova = strcmp(importance_methods[i], "fanova") == 0;
        tt_importance pairs = {0};
        if (fanova && tt_store_get_importance(m->study.store, "fanova-pairs", &pairs, NULL) < 0)
            tt_importance_clear(&pairs);
        if (!importance_same(&imp, &m->importance) ||
            strcmp(m->importance_method, importance_methods[i]) != 0 ||
            !importance_same(&pairs, &m->pairs)) {
            tt_importance_clear(&m->importance);
            tt_importance_clear(&m->pairs);
            m->importance = imp;
            m->pairs = pairs;
            m->importance_here = false;
            snprintf(m->importance_method, sizeof m->importance_method, "%s",
                     importance_methods[i]);
            m->importance_gen++;
            m->generation++;
        } else {
            tt_importance_clear(&imp);
            tt_importance_clear(&pairs);
        }
        return;
    }
    ui_fanova_maybe_start(m, now);   /* nothing stored: compute it here */
}

static int on_name(const char *name, void *ud)
{
    ui_model *m = ud;
    (void)metric_id(m, name);
    return 0;
}

/* The first poll: the metric names so far, the cursor at the newest point
 * (every trial's earlier points are read when it is shown), and how many
 * trials there are (the loading progress). */
static int first_poll(ui_model *m, tt_error *err)
{
    long counts[TT_TRIAL_STATE_COUNT];
    if (tt_store_metric_names(m->study.store, on_name, m, err) < 0 ||
        tt_store_metrics_last_id(m->study.store, &m->last_metric_rowid, err) < 0 ||
        tt_store_trial_counts(m->study.store, counts, &m->trials_known, err) < 0)
        return -TT_ERR_IO;
    m->primed = true;
    return 0;
}

int ui_model_poll(ui_model *m, size_t max_trial_rows, size_t max_metric_rows, double now,
                  tt_error *err)
{
    /* one read snapshot for the whole poll */
    tt_store_begin(m->study.store, NULL);
    if (!m->primed) {
        int frc = first_poll(m, err);
        if (frc < 0) {
            tt_store_commit(m->study.store, NULL);
            return frc;
        }
    }
    int rc = tt_study_reader_poll(&m->study, err);
    if (rc < 0)
        goto out;
    bool changed = rc & TT_STUDY_READ_INFO;
    if (rc & TT_STUDY_READ_SWEEP)
        sweep_loaded(m);
    if (m->study.info.elapsed_s != m->elapsed_seen || m->elapsed_seen_at == 0) {
        m->elapsed_seen = m->study.info.elapsed_s;
        m->elapsed_seen_at = now;
    }
    if ((rc = poll_trials(m, max_trial_rows, err)) < 0)
        goto out;
    metric_ctx mc = {.m = m, .max = max_metric_rows};
    if ((rc = tt_store_metrics_since(m->study.store, m->last_metric_rowid, -1, on_metric, &mc,
                                     err)) < 0)
        goto out;
    m->metrics_backlog = max_metric_rows && mc.seen >= max_metric_rows;
    runs_update(m);
    if (mc.seen) {
        m->metrics_gen++;
        m->generation++;
    }
    int64_t before = m->last_event_id;
    if ((rc = tt_store_events_since(m->study.store, m->last_event_id, on_event, m, err)) < 0)
        goto out;
    if (m->last_event_id != before) {
        m->events_gen++;
        m->generation++;
    }
    poll_importance(m, now);
    ui_fanova_collect(m, now);
    long before_pid = m->study.runner_pid;
    long pid = tt_study_reader_runner(&m->study);
    if (pid != before_pid)
        changed = true;
    /* elapsed: the runner saves its time every 10 s; in between, count on */
    double shown = m->elapsed_seen;
    tt_study_state st = m->study.info.state;
    if (pid != 0 && (st == TT_STUDY_RUNNING || st == TT_STUDY_PAUSED))
        shown += now - m->elapsed_seen_at;
    /* never backwards while a runner counts (its saves lag by up to 10 s) */
    m->elapsed_shown = pid == 0 || shown > m->elapsed_shown ? shown : m->elapsed_shown;
    if (changed) {
        m->study_gen++;
        m->generation++;
    }
out:
    tt_store_commit(m->study.store, NULL);
    return rc;
}

/* A completed trial in the ranking: its value beside its number, so that
 * the sort compares contiguous pairs instead of reaching into the trial
 * table (at 100,000 trials the cache misses were most of the cost). The
 * value is negated when maximising: the sort is then always ascending. */
typedef struct rank_entry {
    double key;
    long number;
} rank_entry;

static int by_key(const void *a, const void *b)
{
    const rank_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->number < y->number ? -1 : x->number > y->number;
}

size_t ui_model_ranked(const ui_model *m, long **out, size_t max)
{
    rank_entry *e = tt_xmalloc((m->n_trials + 1) * sizeof *e);
    double sign = m->study.goal == TT_GOAL_MAXIMIZE ? -1 : 1;
    size_t n = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number && r->state == TT_TRIAL_COMPLETED && isfinite(r->value))
            e[n++] = (rank_entry){sign * r->value, r->number};
    }
    qsort(e, n, sizeof *e, by_key);
    if (max && n > max)
        n = max;
    long *list = tt_xmalloc((n + 1) * sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = e[i].number;
    free(e);
    *out = list;
    return n;
}

const long *ui_model_ranking(ui_model *m, size_t *n)
{
    if (!m->ranking_valid || m->ranking_gen != m->completed_gen) {
        free(m->ranking);
        m->ranking = NULL;
        m->n_ranking = ui_model_ranked(m, &m->ranking, 0);
        m->ranking_gen = m->completed_gen;
        m->ranking_valid = true;
    }
    *n = m->n_ranking;
    return m->ranking;
}

const ui_corr *ui_model_correlations(ui_model *m, size_t *n, long *n_trials)
{
    if (!m->corr_valid || m->corr_gen != m->completed_gen) {
        free(m->corr);
        m->corr = NULL;
        m->n_corr = ui_rank_correlations(m, &m->corr, &m->corr_trials);
        m->corr_gen = m->completed_gen;
        m->corr_valid = true;
    }
    *n = m->n_corr;
    *n_trials = m->corr_trials;
    return m->corr;
}

bool ui_importance_unstable(const tt_importance *imp, size_t top, size_t *at)
{
    if (top > imp->n)
        top = imp->n;
    if (!imp->low || !imp->high)
        return false;
    for (size_t i = 0; i + 1 < top; i++) {
        double lo = imp->low[i], hi_next = imp->high[i + 1];
        if (isnan(lo) || isnan(hi_next))
            continue;
        /* i is ranked above i+1: they are ordered only when i's interval
         * lies wholly above i+1's */
        if (lo <= hi_next) {
            if (at)
                *at = i;
            return true;
        }
    }
    return false;
}
