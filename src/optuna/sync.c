/*
 * optuna/sync — copy what an Optuna process wrote since the last sync into
 * the mirror store.
 *
 * Optuna's rows (docs/algorithms.md §8) change in two ways: trials are
 * added (trial_id grows) and a trial changes until it ends — a RUNNING
 * trial gains parameters as it asks for them, intermediate values, user
 * attributes, then a state, a value and an end time; a WAITING (enqueued)
 * one starts. So each sync reads the trials past the last trial_id seen,
 * then again every trial that was RUNNING or WAITING when last read, and
 * the intermediate values past the last id seen; a finished trial is never
 * read again. Everything is read in one short read transaction (a
 * consistent picture, and the shared lock is held only while reading),
 * then written to the mirror in one store transaction. A busy file is left
 * for the next sync: an Optuna writer must never wait for us, nor we for
 * it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* One Optuna trial as read. */
typedef struct opt_trial {
    int64_t id;
    long number;              /* Optuna's, from 0 */
    tt_trial_state state;
    double value;
    double started, finished; /* Unix seconds; 0 when not yet */
    long last_step;
    char *reason;
    size_t n_params;
    char **names;
    opt_value *values;
    size_t n_attrs;
    char **attrs;             /* "key = JSON value" */
} opt_trial;

typedef struct opt_point {
    long number;
    long step;
    double value, t;
} opt_point;

typedef struct opt_batch {
    opt_trial *trials;
    size_t n, cap;
    opt_point *points;
    size_t n_points, cap_points;
    int64_t last_iv_id;
} opt_batch;

static void trial_free(opt_trial *t)
{
    free(t->reason);
    for (size_t i = 0; i < t->n_params; i++) {
        free(t->names[i]);
        opt_value_clear(&t->values[i]);
    }
    free(t->names);
    free(t->values);
    for (size_t i = 0; i < t->n_attrs; i++)
        free(t->attrs[i]);
    free(t->attrs);
}

static void batch_free(opt_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        trial_free(&b->trials[i]);
    free(b->trials);
    free(b->points);
}

/* Optuna's naive local datetimes ("2024-05-01 12:00:00.123456", written
 * by datetime.now(); UTC from Optuna 5) as Unix seconds; 0 when NULL. */
static double parse_time(const unsigned char *text)
{
    if (!text)
        return 0;
    struct tm tm = {0};
    const char *rest = strptime((const char *)text, "%Y-%m-%d %H:%M:%S", &tm);
    if (!rest)
        return 0;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    double frac = *rest == '.' ? strtod(rest, NULL) : 0;
    return t == (time_t)-1 ? 0 : (double)t + frac;
}

static tt_trial_state map_state(const unsigned char *text)
{
    const char *s = text ? (const char *)text : "";
    if (strcmp(s, "COMPLETE") == 0)
        return TT_TRIAL_COMPLETED;
    if (strcmp(s, "PRUNED") == 0)
        return TT_TRIAL_PRUNED;
    if (strcmp(s, "FAIL") == 0)
        return TT_TRIAL_FAILED;
    if (strcmp(s, "WAITING") == 0)
        return TT_TRIAL_QUEUED;
    return TT_TRIAL_RUNNING;
}

/* A value and its value_type (FINITE, INF_POS, INF_NEG; intermediate
 * values add NAN): the value column is NULL unless FINITE. */
static double typed_value(sqlite3_stmt *s, int col, int type_col)
{
    const char *type = (const char *)sqlite3_column_text(s, type_col);
    if (type && strcmp(type, "INF_POS") == 0)
        return INFINITY;
    if (type && strcmp(type, "INF_NEG") == 0)
        return -INFINITY;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(s, col);
}

/* Statements are prepared once per sync and reset between trials:
 * preparing five statements per trial cost about as much as running
 * them (`tunetop status` on 3,000 trials of 4 parameters and 10
 * intermediate values: 0.22 s with a prepare per use, 0.16 s cached). */
#define READER_STMTS 16

typedef struct reader {
    tt_optuna *o;
    int rc;                   /* the first SQLite error, SQLITE_OK while none */
    tt_error *err;
    struct {
        const char *sql;      /* a literal: compared by address */
        sqlite3_stmt *s;
    } stmts[READER_STMTS];
    size_t n_stmts;
} reader;

static sqlite3_stmt *prep(reader *rd, const char *sql)
{
    if (rd->rc != SQLITE_OK)
        return NULL;
    for (size_t i = 0; i < rd->n_stmts; i++)
        if (rd->stmts[i].sql == sql) {
            sqlite3_reset(rd->stmts[i].s);
            sqlite3_clear_bindings(rd->stmts[i].s);
            return rd->stmts[i].s;
        }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(rd->o->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK || rd->n_stmts == READER_STMTS) {
        rd->rc = rc != SQLITE_OK ? rc : SQLITE_NOMEM;
        sqlite3_finalize(s);
        return NULL;
    }
    rd->stmts[rd->n_stmts].sql = sql;
    rd->stmts[rd->n_stmts++].s = s;
    return s;
}

/* Done with a statement for now: reset it (it keeps no lock). */
static void done(sqlite3_stmt *s)
{
    if (s)
        sqlite3_reset(s);
}

static void reader_free(reader *rd)
{
    for (size_t i = 0; i < rd->n_stmts; i++)
        sqlite3_finalize(rd->stmts[i].s);
    rd->n_stmts = 0;
}

/* Step s; ROW → true; DONE → false; an error is kept in rd. */
static bool row(reader *rd, sqlite3_stmt *s)
{
    if (!s)
        return false;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE && rd->rc == SQLITE_OK)
        rd->rc = rc;
    return false;
}

/* The study's directions (objective 0 is the one shown) and, when the
 * study named its objectives (Study.set_metric_names, a system attribute),
 * the first name. Read once: neither changes after the study is made. */
static void read_study(reader *rd)
{
    tt_optuna *o = rd->o;
    sqlite3_stmt *s = prep(rd, "SELECT objective, direction FROM study_directions"
                               " WHERE study_id = ?1 ORDER BY objective");
    int n = 0;
    if (s)
        sqlite3_bind_int64(s, 1, o->study_id);
    while (row(rd, s)) {
        const char *dir = (const char *)sqlite3_column_text(s, 1);
        if (n++ == 0)
            o->goal = dir && strcmp(dir, "MAXIMIZE") == 0 ? TT_GOAL_MAXIMIZE : TT_GOAL_MINIMIZE;
    }
    done(s);
    o->n_objectives = n > 0 ? n : 1;
    s = prep(rd, "SELECT json_extract(value_json, '$[0]') FROM study_system_attributes"
                 " WHERE study_id = ?1 AND key = 'study:metric_names'");
    if (s)
        sqlite3_bind_int64(s, 1, o->study_id);
    if (row(rd, s) && sqlite3_column_text(s, 0))
        o->metric = tt_xstrdup((const char *)sqlite3_column_text(s, 0));
    done(s);
    if (!o->metric)
        o->metric = tt_xstrdup("value");
}

static void read_params(reader *rd, opt_trial *t)
{
    sqlite3_stmt *s = prep(rd, "SELECT param_name, param_value, distribution_json"
                               " FROM trial_params WHERE trial_id = ?1 ORDER BY param_id");
    size_t cap = 0, cap_v = 0;
    if (s)
        sqlite3_bind_int64(s, 1, t->id);
    while (row(rd, s)) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        opt_value v;
        if (opt_decode(rd->o->db, &rd->o->space, name ? name : "", 
                       (const char *)sqlite3_column_text(s, 2), sqlite3_column_double(s, 1), &v,
                       NULL) < 0)
            continue; /* a distribution we cannot read: that parameter is left out */
        tt_grow((void **)&t->names, &cap, t->n_params + 1, sizeof *t->names);
        tt_grow((void **)&t->values, &cap_v, t->n_params + 1, sizeof *t->values);
        t->names[t->n_params] = tt_xstrdup(name ? name : "");
        t->values[t->n_params++] = v;
    }
    done(s);
}

static void read_trial_details(reader *rd, opt_trial *t)
{
    read_params(rd, t);
    sqlite3_stmt *s = prep(rd, "SELECT value, value_type FROM trial_values"
                               " WHERE trial_id = ?1 AND objective = 0");
    if (s)
        sqlite3_bind_int64(s, 1, t->id);
    t->value = row(rd, s) ? typed_value(s, 0, 1) : NAN;
    done(s);

    s = prep(rd, "SELECT MAX(step) FROM trial_intermediate_values WHERE trial_id = ?1");
    if (s)
        sqlite3_bind_int64(s, 1, t->id);
    t->last_step = row(rd, s) && sqlite3_column_type(s, 0) != SQLITE_NULL
                       ? (long)sqlite3_column_int64(s, 0)
                       : -1;
    done(s);

    if (t->state == TT_TRIAL_FAILED) {
        /* Optuna 3.x logs why a trial failed rather than storing it;
         * what it does store: a value it could not tell, or (older) a
         * fail_reason */
        s = prep(rd, "SELECT json_extract(value_json, '$') FROM trial_system_attributes"
                     " WHERE trial_id = ?1 AND key IN ('STUDY_TELL_WARNING', 'fail_reason')");
        if (s)
            sqlite3_bind_int64(s, 1, t->id);
        if (row(rd, s) && sqlite3_column_text(s, 0))
            t->reason = tt_xstrdup((const char *)sqlite3_column_text(s, 0));
        done(s);
        if (!t->reason)
            t->reason = tt_xstrdup("failed in Optuna");
    } else if (t->state == TT_TRIAL_PRUNED) {
        t->reason = t->last_step >= 0 ? tt_xasprintf("pruned by Optuna at step %ld", t->last_step)
                                      : tt_xstrdup("pruned by Optuna");
    }

    s = prep(rd, "SELECT key, value_json FROM trial_user_attributes WHERE trial_id = ?1"
                 " ORDER BY trial_user_attribute_id");
    size_t cap = 0;
    if (s)
        sqlite3_bind_int64(s, 1, t->id);
    while (row(rd, s)) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        const char *v = (const char *)sqlite3_column_text(s, 1);
        tt_grow((void **)&t->attrs, &cap, t->n_attrs + 1, sizeof *t->attrs);
        t->attrs[t->n_attrs++] = tt_xasprintf("%s = %s", k ? k : "", v ? v : "null");
    }
    done(s);
}

#define TRIAL_ROW "SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials"

/* Read the trials s selects (TRIAL_ROW columns) into b. */
static void read_trials(reader *rd, sqlite3_stmt *s, opt_batch *b)
{
    while (row(rd, s)) {
        tt_grow((void **)&b->trials, &b->cap, b->n + 1, sizeof *b->trials);
        opt_trial *t = &b->trials[b->n++];
        memset(t, 0, sizeof *t);
        t->id = sqlite3_column_int64(s, 0);
        t->number = (long)sqlite3_column_int64(s, 1);
        t->state = map_state(sqlite3_column_text(s, 2));
        t->started = parse_time(sqlite3_column_text(s, 3));
        t->finished = parse_time(sqlite3_column_text(s, 4));
        read_trial_details(rd, t);
    }
}

static void read_points(reader *rd, opt_batch *b)
{
    sqlite3_stmt *s = prep(rd, "SELECT v.trial_intermediate_value_id, t.number, v.step,"
                               " v.intermediate_value, v.intermediate_value_type,"
                               " t.datetime_start FROM trial_intermediate_values v"
                               " JOIN trials t ON t.trial_id = v.trial_id"
                               " WHERE t.study_id = ?1 AND v.trial_intermediate_value_id > ?2"
                               " ORDER BY v.trial_intermediate_value_id");
    b->last_iv_id = rd->o->last_iv_id;
    if (s) {
        sqlite3_bind_int64(s, 1, rd->o->study_id);
        sqlite3_bind_int64(s, 2, rd->o->last_iv_id);
    }
    while (row(rd, s)) {
        tt_grow((void **)&b->points, &b->cap_points, b->n_points + 1, sizeof *b->points);
        opt_point *p = &b->points[b->n_points++];
        b->last_iv_id = sqlite3_column_int64(s, 0);
        p->number = (long)sqlite3_column_int64(s, 1);
        p->step = (long)sqlite3_column_int64(s, 2);
        const char *type = (const char *)sqlite3_column_text(s, 4);
        p->value = type && strcmp(type, "NAN") == 0 ? NAN : typed_value(s, 3, 4);
        /* Optuna keeps no time per intermediate value: the trial's start */
        p->t = parse_time(sqlite3_column_text(s, 5));
        if (p->t <= 0)
            p->t = (double)time(NULL);
    }
    done(s);
}

/* Everything new, in one read transaction. */
static void read_batch(reader *rd, opt_batch *b, bool first)
{
    tt_optuna *o = rd->o;
    int rc = sqlite3_exec(o->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rd->rc = rc;
        return;
    }
    if (first)
        read_study(rd);
    sqlite3_stmt *s = prep(rd, TRIAL_ROW " WHERE study_id = ?1 AND trial_id > ?2 ORDER BY trial_id");
    if (s) {
        sqlite3_bind_int64(s, 1, o->study_id);
        sqlite3_bind_int64(s, 2, o->last_trial_id);
    }
    read_trials(rd, s, b);
    done(s);
    s = prep(rd, TRIAL_ROW " WHERE trial_id = ?1");
    for (size_t i = 0; s && i < o->n_open; i++) {
        sqlite3_bind_int64(s, 1, o->open[i]);
        read_trials(rd, s, b);
        sqlite3_reset(s);
    }
    done(s);
    read_points(rd, b);
    for (size_t i = 0; i < rd->n_stmts; i++) /* none may keep the transaction open */
        sqlite3_reset(rd->stmts[i].s);
    /* a read transaction: ending it only drops the shared lock */
    sqlite3_exec(o->db, rd->rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
}

/* An attribute is recorded (as an event of its trial) once per value. */
static bool attr_new(tt_optuna *o, long number, const char *attr)
{
    char *key = tt_xasprintf("%ld\t%s", number, attr);
    for (size_t i = 0; i < o->n_attrs; i++)
        if (strcmp(o->attrs[i], key) == 0) {
            free(key);
            return false;
        }
    tt_grow((void **)&o->attrs, &o->cap_attrs, o->n_attrs + 1, sizeof *o->attrs);
    o->attrs[o->n_attrs++] = key;
    return true;
}

static int write_trial(tt_optuna *o, const opt_trial *t, tt_error *err)
{
    tt_trial_record r = {0};
    r.number = t->number + 1;
    r.attempt = 1;
    r.space_version = o->space_version;
    r.state = t->state;
    r.value = t->value;
    r.value_std = NAN;
    r.reason = t->reason;
    r.queued_at = t->started;
    r.started_at = t->started;
    r.finished_at = t->finished;
    r.last_step = t->last_step;
    r.n_params = t->n_params;
    r.param_names = t->names;
    char **texts = tt_xcalloc(t->n_params + 1, sizeof *texts);
    double *x = tt_xcalloc(t->n_params + 1, sizeof *x);
    for (size_t i = 0; i < t->n_params; i++) {
        texts[i] = t->values[i].text;
        size_t k = opt_space_add(&o->space, t->names[i], &t->values[i]);
        x[i] = opt_space_x(&o->space, k, &t->values[i]);
    }
    r.param_text = texts;
    r.param_x = x;
    int rc = tt_store_put_trial(o->mirror, &r, err);
    free(texts);
    free(x);
    for (size_t i = 0; rc == 0 && i < t->n_attrs; i++)
        if (attr_new(o, r.number, t->attrs[i]))
            rc = tt_store_add_event(o->mirror, r.number, "attr", t->attrs[i], err);
    return rc;
}

/* The space grows with the trials: when this batch widened it, the mirror
 * gets a new sweep version before the trials that need it. */
static int write_space(tt_optuna *o, const opt_batch *b, tt_error *err)
{
    for (size_t i = 0; i < b->n; i++)
        for (size_t p = 0; p < b->trials[i].n_params; p++)
            opt_space_add(&o->space, b->trials[i].names[p], &b->trials[i].values[p]);
    if (!o->space.changed)
        return 0;
    char *yaml = opt_space_yaml(&o->space, o->study, tt_optuna_metric(o), o->goal,
                                o->n_objectives);
    long v = tt_store_add_space(o->mirror, o->path, yaml, err);
    free(yaml);
    if (v < 0)
        return (int)v;
    o->space_version = v;
    o->space.changed = false;
    return 0;
}

static void remember(tt_optuna *o, const opt_batch *b)
{
    o->n_open = 0;
    for (size_t i = 0; i < b->n; i++) {
        const opt_trial *t = &b->trials[i];
        if (t->id > o->last_trial_id)
            o->last_trial_id = t->id;
        if (t->state == TT_TRIAL_RUNNING || t->state == TT_TRIAL_QUEUED) {
            tt_grow((void **)&o->open, &o->cap_open, o->n_open + 1, sizeof *o->open);
            o->open[o->n_open++] = t->id;
        }
    }
    o->last_iv_id = b->last_iv_id;
}

/* A finished trial read again (it was open) that did not change is still
 * written: cheap, and rare (only trials that were open). */
int opt_sync(tt_optuna *o, tt_error *err)
{
    bool first = o->metric == NULL;
    opt_batch b = {0};
    reader rd = {.o = o, .rc = SQLITE_OK, .err = err};
    read_batch(&rd, &b, first);
    reader_free(&rd);
    if (rd.rc != SQLITE_OK) {
        int code = rd.rc & 0xff;
        batch_free(&b);
        if (!first && (code == SQLITE_BUSY || code == SQLITE_LOCKED))
            return 0; /* the writer is committing: next time */
        return opt_fail(o->db, rd.rc, o->path, err);
    }
    if (!first && b.n == 0 && b.n_points == 0) {
        batch_free(&b);
        return 0;
    }
    int rc = tt_store_begin(o->mirror, err);
    if (rc == 0)
        rc = write_space(o, &b, err);
    for (size_t i = 0; rc == 0 && i < b.n; i++)
        rc = write_trial(o, &b.trials[i], err);
    for (size_t i = 0; rc == 0 && i < b.n_points; i++)
        rc = tt_store_add_metric(o->mirror, b.points[i].number + 1, 1, b.points[i].step,
                                 tt_optuna_metric(o), b.points[i].value, b.points[i].t, err);
    if (rc == 0)
        rc = tt_store_commit(o->mirror, err);
    if (rc != 0) {
        tt_store_rollback(o->mirror);
        batch_free(&b);
        return rc < 0 ? rc : -TT_ERR_IO;
    }
    remember(o, &b);
    batch_free(&b);
    return 1;
}
