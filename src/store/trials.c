/*
 * store/trials — trial rows and their parameters: creation, every state
 * change, retries, the incremental read the dashboard polls with, and a
 * record's parameters as the shared tt_named_params (vocab.h) for modules
 * that must not know this record type.
 *
 * Every write to a trial row also sets its seq to MAX(seq) + 1 in the same
 * statement, so the study-wide sequence only grows and a reader holding
 * "the highest seq I have seen" gets exactly the rows changed since. The
 * runner is the only writer, so two statements never race for a value.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEXT_SEQ "(SELECT COALESCE(MAX(seq), 0) + 1 FROM trials)"

#define TRIAL_COLUMNS                                                                        \
    "number, attempt, space_version, state, value, reason, queued_at, started_at,"           \
    " finished_at, pid, pid_start, job_id, last_step, seq, offset_stdout, offset_stderr,"      \
    " offset_csv, value_std, folds, repeats"

long tt_store_add_trial(tt_store *st, long space_version, size_t n_params,
                        char *const *names, char *const *texts, const double *x,
                        const bool *active, tt_error *err)
{
    const char *what = "add a trial";
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    long number = 0;
    sqlite3_stmt *s = store_stmt(st, SQL_ADD_TRIAL,
                                 "INSERT INTO trials (attempt, space_version, state, queued_at,"
                                 " last_step, seq) VALUES (1, ?1, 'queued', ?2, -1, " NEXT_SEQ ")",
                                 err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    sqlite3_bind_int64(s, 1, space_version);
    sqlite3_bind_double(s, 2, store_now());
    rc = store_step_done(st, s, err, "cannot %s", what);
    if (rc == 0) {
        number = (long)sqlite3_last_insert_rowid(st->db);
        s = store_stmt(st, SQL_ADD_PARAM,
                       "INSERT INTO trial_params (trial, name, ord, text, x, active)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       err, what);
        if (s == NULL)
            rc = -TT_ERR_IO;
    }
    for (size_t i = 0; rc == 0 && i < n_params; i++) {
        sqlite3_bind_int64(s, 1, number);
        store_bind_text(s, 2, names[i]);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)i);
        store_bind_text(s, 4, texts && texts[i] ? texts[i] : "");
        store_bind_double(s, 5, x ? x[i] : NAN);
        sqlite3_bind_int(s, 6, active ? active[i] : 1);
        rc = store_step_done(st, s, err, "cannot add parameter '%s' of trial %ld", names[i],
                             number);
    }
    rc = store_op_end(st, rc, err);
    return rc != 0 ? rc : number;
}

/* Step a trial update and report a missing trial plainly. */
static int finish_update(tt_store *st, sqlite3_stmt *s, long number, tt_error *err,
                         const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        int ret = store_fail(st, rc, err, "cannot %s of trial %ld", what, number);
        sqlite3_reset(s);
        return ret;
    }
    sqlite3_reset(s);
    if (sqlite3_changes(st->db) == 0)
        return tt_error_set(err, TT_ERR_INVALID, "cannot %s of trial %ld: no such trial", what,
                            number);
    return 0;
}

int tt_store_trial_started(tt_store *st, long number, long pid, uint64_t pid_start,
                           const char *job_id, tt_error *err)
{
    const char *what = "record the start";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_STARTED,
                                 "UPDATE trials SET state = 'running', started_at = ?2, pid = ?3,"
                                 " pid_start = ?4, job_id = ?5, seq = " NEXT_SEQ
                                 " WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_double(s, 2, store_now());
    sqlite3_bind_int64(s, 3, pid);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)pid_start);
    store_bind_text(s, 5, job_id);
    return finish_update(st, s, number, err, what);
}

int tt_store_trial_finished(tt_store *st, long number, tt_trial_state state, double value,
                            const char *reason, tt_error *err)
{
    const char *what = "record the end";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    if ((unsigned)state >= TT_TRIAL_STATE_COUNT)
        return tt_error_set(err, TT_ERR_INVALID, "cannot %s of trial %ld: unknown state %d",
                            what, number, (int)state);
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_FINISHED,
                                 "UPDATE trials SET state = ?2, value = ?3, reason = ?4,"
                                 " finished_at = ?5, seq = " NEXT_SEQ " WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    store_bind_text(s, 2, tt_trial_state_name(state));
    store_bind_double(s, 3, value);
    store_bind_text(s, 4, reason);
    sqlite3_bind_double(s, 5, store_now());
    return finish_update(st, s, number, err, what);
}

int tt_store_trial_set_value(tt_store *st, long number, double value, long last_step,
                             tt_error *err)
{
    const char *what = "record the value";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_SET_VALUE,
                                 "UPDATE trials SET value = ?2, last_step = ?3, seq = " NEXT_SEQ
                                 " WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    store_bind_double(s, 2, value);
    sqlite3_bind_int64(s, 3, last_step);
    return finish_update(st, s, number, err, what);
}

int tt_store_trial_set_progress(tt_store *st, long number, double value, long last_step,
                                const uint64_t *offsets, tt_error *err)
{
    const char *what = "record the progress";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_PROGRESS,
                                 "UPDATE trials SET value = ?2, last_step = ?3, offset_stdout = ?4,"
                                 " offset_stderr = ?5, offset_csv = ?6, seq = " NEXT_SEQ
                                 " WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    store_bind_double(s, 2, value);
    sqlite3_bind_int64(s, 3, last_step);
    for (int i = 0; i < TT_STORE_N_OFFSETS; i++)
        sqlite3_bind_int64(s, 4 + i, (sqlite3_int64)offsets[i]);
    return finish_update(st, s, number, err, what);
}

int tt_store_trial_retry(tt_store *st, long number, const char *reason, tt_error *err)
{
    const char *what = "retry";
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_PREVIOUS,
                                 "SELECT attempt, state, reason FROM trials WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    sqlite3_bind_int64(s, 1, number);
    rc = sqlite3_step(s);
    char *message = NULL;
    if (rc == SQLITE_ROW) {
        long attempt = (long)sqlite3_column_int64(s, 0);
        const char *old_state = (const char *)sqlite3_column_text(s, 1);
        const char *old_reason = (const char *)sqlite3_column_text(s, 2);
        /* The row forgets the previous attempt's ending; the event keeps it. */
        message = tt_xasprintf("attempt %ld ended %s%s%s; retrying as attempt %ld%s%s",
                               attempt, old_state ? old_state : "?", old_reason ? ": " : "",
                               old_reason ? old_reason : "", attempt + 1, reason ? ": " : "",
                               reason ? reason : "");
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = tt_error_set(err, TT_ERR_INVALID, "cannot retry trial %ld: no such trial", number);
    } else {
        rc = store_fail(st, rc, err, "cannot retry trial %ld", number);
    }
    sqlite3_reset(s);
    if (rc == 0) {
        s = store_stmt(st, SQL_TRIAL_RETRY,
                       "UPDATE trials SET attempt = attempt + 1, state = 'queued', value = NULL,"
                       " reason = NULL, queued_at = ?2, started_at = NULL, finished_at = NULL,"
                       " pid = NULL, pid_start = NULL, job_id = NULL, last_step = -1, value_std = NULL,"
                       " offset_stdout = 0, offset_stderr = 0, offset_csv = 0,"
                       " seq = " NEXT_SEQ " WHERE number = ?1",
                       err, what);
        if (s == NULL) {
            rc = -TT_ERR_IO;
        } else {
            sqlite3_bind_int64(s, 1, number);
            sqlite3_bind_double(s, 2, store_now());
            rc = finish_update(st, s, number, err, what);
        }
    }
    if (rc == 0)
        rc = tt_store_add_event(st, number, "retry", message, err);
    free(message);
    return store_op_end(st, rc, err);
}

/* Free parameters allocated one by one (not in a param_block). */
static void free_loose_params(tt_trial_record *r)
{
    for (size_t i = 0; i < r->n_params; i++) {
        free(r->param_names[i]);
        free(r->param_text[i]);
    }
    free(r->param_names);
    free(r->param_text);
    free(r->param_x);
    free(r->param_active);
}

/* Move r's parameters into one allocation (r->param_block): a runner keeps
 * every trial's record, and ten small blocks per trial (four arrays, a name
 * and a text per parameter) cost more in malloc's headers and rounding than
 * the data (issue 18: 100,000 trials). */
static void pack_params(tt_trial_record *r)
{
    size_t n = r->n_params, strings = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        strings += strlen(r->param_names[i]) + strlen(r->param_text[i]) + 2;
    size_t ptrs = 2 * n * sizeof(char *), xs = n * sizeof(double), flags = n * sizeof(bool);
    char *block = tt_xmalloc(ptrs + xs + flags + strings);
    char **names = (char **)block, **text = names + n;
    double *x = (double *)(block + ptrs);
    bool *active = (bool *)(block + ptrs + xs);
    char *p = block + ptrs + xs + flags;
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(r->param_names[i]) + 1, b = strlen(r->param_text[i]) + 1;
        names[i] = memcpy(p, r->param_names[i], a);
        text[i] = memcpy(p + a, r->param_text[i], b);
        p += a + b;
        x[i] = r->param_x[i];
        active[i] = r->param_active[i];
    }
    free_loose_params(r);
    r->param_names = names;
    r->param_text = text;
    r->param_x = x;
    r->param_active = active;
    r->param_block = block;
}

/* Put the parameter just appended (index i) in place by its ord. */
static void place_param(tt_trial_record *r, long *ord, size_t i)
{
    for (; i > 0 && ord[i - 1] > ord[i]; i--) {
        long o = ord[i];
        ord[i] = ord[i - 1];
        ord[i - 1] = o;
        char *n = r->param_names[i], *t = r->param_text[i];
        r->param_names[i] = r->param_names[i - 1];
        r->param_text[i] = r->param_text[i - 1];
        r->param_names[i - 1] = n;
        r->param_text[i - 1] = t;
        double x = r->param_x[i];
        r->param_x[i] = r->param_x[i - 1];
        r->param_x[i - 1] = x;
        bool a = r->param_active[i];
        r->param_active[i] = r->param_active[i - 1];
        r->param_active[i - 1] = a;
    }
}

/* No ORDER BY: SQLite would sort each trial's few rows in a temporary
 * b-tree (the primary key is (trial, name)), which was a third of the
 * cost of reading 100,000 trials; they are put in ord order here. */
static int fill_params(tt_store *st, tt_trial_record *r, tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_PARAMS,
                                 "SELECT name, text, x, active, ord FROM trial_params"
                                 " WHERE trial = ?1",
                                 err, "read parameters");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, r->number);
    size_t cap = 0;
    long *ord = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t need = r->n_params + 1;
        if (need > cap) {
            cap = cap ? cap * 2 : 8;
            r->param_names = tt_xrealloc(r->param_names, cap * sizeof *r->param_names);
            r->param_text = tt_xrealloc(r->param_text, cap * sizeof *r->param_text);
            r->param_x = tt_xrealloc(r->param_x, cap * sizeof *r->param_x);
            r->param_active = tt_xrealloc(r->param_active, cap * sizeof *r->param_active);
            ord = tt_xrealloc(ord, cap * sizeof *ord);
        }
        size_t i = r->n_params++;
        r->param_names[i] = store_column_strdup(s, 0);
        r->param_text[i] = store_column_strdup(s, 1);
        if (r->param_text[i] == NULL)
            r->param_text[i] = tt_xstrdup("");
        r->param_x[i] = store_column_double(s, 2);
        r->param_active[i] = sqlite3_column_int(s, 3) != 0;
        ord[i] = (long)sqlite3_column_int64(s, 4);
        place_param(r, ord, i);
    }
    free(ord);
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read the parameters of trial %ld", r->number);
    sqlite3_reset(s);
    if (ret == 0)
        pack_params(r);
    return ret;
}

static double time_column(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_double(s, i);
}

/* Fill r from a row of TRIAL_COLUMNS, then its parameters. */
static int fill_record(tt_store *st, sqlite3_stmt *s, tt_trial_record *r, tt_error *err)
{
    memset(r, 0, sizeof *r);
    r->number = (long)sqlite3_column_int64(s, 0);
    r->attempt = sqlite3_column_int(s, 1);
    r->space_version = (long)sqlite3_column_int64(s, 2);
    const char *state = (const char *)sqlite3_column_text(s, 3);
    int parsed = tt_trial_state_from_name(state);
    if (parsed < 0)
        return tt_error_set(err, TT_ERR_INVALID, "trial %ld of %s has an unknown state '%s'",
                            r->number, st->path, state ? state : "");
    r->state = (tt_trial_state)parsed;
    r->value = store_column_double(s, 4);
    r->reason = store_column_strdup(s, 5);
    r->queued_at = time_column(s, 6);
    r->started_at = time_column(s, 7);
    r->finished_at = time_column(s, 8);
    r->pid = (long)sqlite3_column_int64(s, 9);
    r->pid_start = (uint64_t)sqlite3_column_int64(s, 10);
    r->job_id = store_column_strdup(s, 11);
    r->last_step = (long)sqlite3_column_int64(s, 12);
    r->seq = (long)sqlite3_column_int64(s, 13);
    for (int i = 0; i < TT_STORE_N_OFFSETS; i++)
        r->offsets[i] = (uint64_t)sqlite3_column_int64(s, 14 + i);
    r->value_std = store_column_double(s, 17);
    r->folds = sqlite3_column_int(s, 18);
    r->repeats = sqlite3_column_int(s, 19);
    return fill_params(st, r, err);
}

static int by_number(const void *a, const void *b)
{
    long x = ((const tt_trial_record *)a)->number, y = ((const tt_trial_record *)b)->number;
    return x < y ? -1 : x > y;
}

/* Append the rows of s (bound, TRIAL_COLUMNS) to *rows; resets s. */
static int read_rows(tt_store *st, sqlite3_stmt *s, tt_trial_record **rows, size_t *n,
                     size_t *cap, tt_error *err)
{
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_grow((void **)rows, cap, *n + 1, sizeof **rows);
        tt_trial_record *r = &(*rows)[*n];
        ret = fill_record(st, s, r, err);
        if (ret != 0) {
            tt_trial_record_clear(r);
            break;
        }
        (*n)++;
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read trials");
    sqlite3_reset(s);
    return ret;
}

/* Ordered by seq (the index trials_seq, walked over the changed rows only;
 * ORDER BY number scanned the whole table by rowid instead), so that a
 * limited read resumes after its last row; the rows are then sorted by
 * number here. */
int tt_store_trials_since(tt_store *st, long since_seq, size_t limit, tt_trial_record **rows,
                          size_t *n, size_t *cap, tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_TRIALS_SINCE,
                                 "SELECT " TRIAL_COLUMNS " FROM trials INDEXED BY trials_seq"
                                 " WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                                 err, "read trials");
    if (s == NULL)
        return -TT_ERR_IO;
    bool snapshot = store_read_begin(st);
    sqlite3_bind_int64(s, 1, since_seq);
    /* LIMIT -1 is SQLite's "no limit" */
    sqlite3_bind_int64(s, 2, limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
    size_t first = *n;
    int ret = read_rows(st, s, rows, n, cap, err);
    store_read_end(st, snapshot);
    if (*n - first > 1)
        qsort(*rows + first, *n - first, sizeof **rows, by_number);
    return ret;
}

int tt_store_trial_counts(tt_store *st, long counts[TT_TRIAL_STATE_COUNT], long *total,
                          tt_error *err)
{
    memset(counts, 0, TT_TRIAL_STATE_COUNT * sizeof *counts);
    *total = 0;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_COUNTS,
                                 "SELECT state, count(*) FROM trials GROUP BY state", err,
                                 "count trials");
    if (s == NULL)
        return -TT_ERR_IO;
    bool snapshot = store_read_begin(st);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(s, 0);
        int parsed = tt_trial_state_from_name(state);
        if (parsed < 0) {
            ret = tt_error_set(err, TT_ERR_INVALID, "%s has trials in an unknown state '%s'",
                               st->path, state ? state : "");
            break;
        }
        counts[parsed] += (long)sqlite3_column_int64(s, 1);
        *total += (long)sqlite3_column_int64(s, 1);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot count trials");
    sqlite3_reset(s);
    store_read_end(st, snapshot);
    return ret;
}

/* NaN is stored as NULL; ±inf stay REAL and are no ranking value either
 * (9e999 is SQLite's infinity). */
#define BEST_TRIALS(order)                                                                 \
    "SELECT " TRIAL_COLUMNS " FROM trials WHERE state = 'completed'"                       \
    " AND value > -9e999 AND value < 9e999 ORDER BY value " order ", number LIMIT ?1"

int tt_store_best_trials(tt_store *st, tt_goal goal, size_t k, tt_trial_record **rows,
                         size_t *n, size_t *cap, tt_error *err)
{
    bool max = goal == TT_GOAL_MAXIMIZE;
    sqlite3_stmt *s = store_stmt(st, max ? SQL_TRIALS_BEST_MAX : SQL_TRIALS_BEST_MIN,
                                 max ? BEST_TRIALS("DESC") : BEST_TRIALS("ASC"), err,
                                 "read the best trials");
    if (s == NULL)
        return -TT_ERR_IO;
    bool snapshot = store_read_begin(st);
    sqlite3_bind_int64(s, 1, k > INT64_MAX ? INT64_MAX : (sqlite3_int64)k);
    int ret = read_rows(st, s, rows, n, cap, err);
    store_read_end(st, snapshot);
    return ret;
}

int tt_store_trials_in_state(tt_store *st, tt_trial_state state, tt_trial_record **rows,
                             size_t *n, size_t *cap, tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_TRIALS_IN_STATE,
                                 "SELECT " TRIAL_COLUMNS " FROM trials WHERE state = ?1"
                                 " ORDER BY number",
                                 err, "read trials");
    if (s == NULL)
        return -TT_ERR_IO;
    bool snapshot = store_read_begin(st);
    sqlite3_bind_text(s, 1, tt_trial_state_name(state), -1, SQLITE_STATIC);
    int ret = read_rows(st, s, rows, n, cap, err);
    store_read_end(st, snapshot);
    return ret;
}

int tt_store_get_trial(tt_store *st, long number, tt_trial_record *out, tt_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_ONE,
                                 "SELECT " TRIAL_COLUMNS " FROM trials WHERE number = ?1", err,
                                 "read a trial");
    if (s == NULL)
        return -TT_ERR_IO;
    bool snapshot = store_read_begin(st);
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    int ret;
    if (rc == SQLITE_ROW)
        ret = fill_record(st, s, out, err);
    else if (rc == SQLITE_DONE)
        ret = tt_error_set(err, TT_ERR_INVALID, "%s has no trial %ld", st->path, number);
    else
        ret = store_fail(st, rc, err, "cannot read trial %ld", number);
    if (ret != 0)
        tt_trial_record_clear(out);
    sqlite3_reset(s);
    store_read_end(st, snapshot);
    return ret;
}

void tt_trial_record_clear(tt_trial_record *r)
{
    free(r->reason);
    free(r->job_id);
    if (r->param_block)
        free(r->param_block);
    else
        free_loose_params(r);
    memset(r, 0, sizeof *r);
}

tt_named_params tt_trial_record_params(const tt_trial_record *r)
{
    return (tt_named_params){
        .n = r->n_params,
        .names = (const char *const *)r->param_names,
        .text = (const char *const *)r->param_text,
        .x = r->param_x,
        .active = r->param_active,
    };
}
