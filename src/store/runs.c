/*
 * store/runs — the runs of a trial when the sweep has `folds` or `repeats`:
 * one row per run and attempt in trial_runs (open.c, schema 2), written by
 * the runner as each run starts, reports and ends, and read back by a
 * restarted runner (to re-adopt the runs still going and keep the finished
 * ones) and by `status`, `export --runs` and the dashboard.
 *
 * Each change also bumps the trial row's seq, so readers that follow
 * trials by seq (the dashboard) notice a run's progress without polling a
 * second table.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUMP_SQL "UPDATE trials SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM trials)" \
                 " WHERE number = ?1"

int tt_runs_count(int folds, int repeats)
{
    return (folds > 0 ? folds : 1) * (repeats > 0 ? repeats : 1);
}

int tt_run_fold(int folds, int repeats, int run)
{
    return folds > 0 ? run / (repeats > 0 ? repeats : 1) : -1;
}

int tt_run_repeat(int folds, int repeats, int run)
{
    (void)folds;
    return repeats > 1 ? run % repeats : -1;
}

void tt_run_label(int folds, int repeats, int run, char *buf, size_t n)
{
    int f = tt_run_fold(folds, repeats, run), r = tt_run_repeat(folds, repeats, run);
    if (f >= 0 && r >= 0)
        snprintf(buf, n, "fold %d, repeat %d", f, r);
    else if (f >= 0)
        snprintf(buf, n, "fold %d", f);
    else
        snprintf(buf, n, "repeat %d", r >= 0 ? r : run);
}

static int bump_trial(tt_store *st, long trial, tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_RUN_BUMP, BUMP_SQL, err, "record a run");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, trial);
    return store_step_done(st, s, err, "cannot record a run of trial %ld", trial);
}

/* Step an update of one run; a missing row is an error naming the run. */
static int update_run(tt_store *st, sqlite3_stmt *s, long trial, int run, tt_error *err,
                      const char *what)
{
    int rc = store_step_done(st, s, err, "cannot %s of trial %ld run %d", what, trial, run);
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        rc = tt_error_set(err, TT_ERR_INVALID, "cannot %s of trial %ld run %d: no such run",
                          what, trial, run);
    if (rc == 0)
        rc = bump_trial(st, trial, err);
    return rc;
}

/* The cached statement id with ?1..?3 bound to the run's key (trial,
 * attempt, run); NULL when it cannot be prepared (err says why). */
static sqlite3_stmt *run_stmt(tt_store *st, store_sql id, const char *sql, long trial,
                              int attempt, int run, tt_error *err, const char *what)
{
    sqlite3_stmt *s = store_stmt(st, id, sql, err, what);
    if (s) {
        sqlite3_bind_int64(s, 1, trial);
        sqlite3_bind_int(s, 2, attempt);
        sqlite3_bind_int(s, 3, run);
    }
    return s;
}

int tt_store_run_started(tt_store *st, long trial, int attempt, int run, int fold, int repeat,
                         long pid, uint64_t pid_start, const char *job_id, tt_error *err)
{
    const char *what = "record the start";
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    /* REPLACE: a start recorded again (the pid known only later) keeps one row. */
    sqlite3_stmt *s = run_stmt(st, SQL_RUN_STARTED,
                               "INSERT OR REPLACE INTO trial_runs (trial, attempt, run, fold,"
                               " repetition, state, started_at, pid, pid_start, job_id)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)",
                               trial, attempt, run, err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    sqlite3_bind_int(s, 4, fold);
    sqlite3_bind_int(s, 5, repeat);
    sqlite3_bind_double(s, 6, store_now());
    sqlite3_bind_int64(s, 7, pid);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)pid_start);
    store_bind_text(s, 9, job_id);
    rc = store_step_done(st, s, err, "cannot %s of trial %ld run %d", what, trial, run);
    if (rc == 0)
        rc = bump_trial(st, trial, err);
    return store_op_end(st, rc, err);
}

int tt_store_run_finished(tt_store *st, long trial, int attempt, int run, tt_trial_state state,
                          double value, const char *reason, tt_error *err)
{
    const char *what = "record the end";
    if ((unsigned)state >= TT_TRIAL_STATE_COUNT)
        return tt_error_set(err, TT_ERR_INVALID, "cannot %s of trial %ld run %d: unknown state",
                            what, trial, run);
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = run_stmt(st, SQL_RUN_FINISHED,
                               "UPDATE trial_runs SET state = ?4, value = ?5, reason = ?6,"
                               " finished_at = ?7 WHERE trial = ?1 AND attempt = ?2 AND run = ?3",
                               trial, attempt, run, err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    store_bind_text(s, 4, tt_trial_state_name(state));
    store_bind_double(s, 5, value);
    store_bind_text(s, 6, reason);
    sqlite3_bind_double(s, 7, store_now());
    return store_op_end(st, update_run(st, s, trial, run, err, what), err);
}

int tt_store_run_progress(tt_store *st, long trial, int attempt, int run, double value,
                          long last_step, const uint64_t *offsets, tt_error *err)
{
    const char *what = "save the progress";
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = run_stmt(st, SQL_RUN_PROGRESS,
                               "UPDATE trial_runs SET value = ?4, last_step = ?5,"
                               " offset_stdout = ?6, offset_stderr = ?7, offset_csv = ?8"
                               " WHERE trial = ?1 AND attempt = ?2 AND run = ?3",
                               trial, attempt, run, err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    store_bind_double(s, 4, value);
    sqlite3_bind_int64(s, 5, last_step);
    for (int i = 0; i < TT_STORE_N_OFFSETS; i++)
        sqlite3_bind_int64(s, 6 + i, (sqlite3_int64)offsets[i]);
    return store_op_end(st, update_run(st, s, trial, run, err, what), err);
}

int tt_store_trial_set_std(tt_store *st, long number, double std, tt_error *err)
{
    const char *what = "record the standard deviation";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_STD,
                                 "UPDATE trials SET value_std = ?2 WHERE number = ?1", err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    store_bind_double(s, 2, std);
    return store_step_done(st, s, err, "cannot %s of trial %ld", what, number);
}

int tt_store_trial_set_runs(tt_store *st, long number, int folds, int repeats, tt_error *err)
{
    const char *what = "record the runs";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_TRIAL_RUNS,
                                 "UPDATE trials SET folds = ?2, repeats = ?3 WHERE number = ?1",
                                 err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int(s, 2, folds);
    sqlite3_bind_int(s, 3, repeats);
    return store_step_done(st, s, err, "cannot %s of trial %ld", what, number);
}

int tt_store_runs_of(tt_store *st, long trial, int attempt, tt_run_record **rows, size_t *n,
                     tt_error *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *s = store_stmt(st, SQL_RUNS_OF,
                                 "SELECT trial, attempt, run, fold, repetition, state, value,"
                                 " reason, started_at, finished_at, pid, pid_start, job_id,"
                                 " last_step, offset_stdout, offset_stderr, offset_csv"
                                 " FROM trial_runs WHERE trial = ?1 AND (?2 = 0 OR attempt = ?2)"
                                 " ORDER BY attempt, run",
                                 err, "read runs");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, trial);
    sqlite3_bind_int(s, 2, attempt);
    size_t cap = 0;
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_grow((void **)rows, &cap, *n + 1, sizeof **rows);
        tt_run_record *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        r->trial = (long)sqlite3_column_int64(s, 0);
        r->attempt = sqlite3_column_int(s, 1);
        r->run = sqlite3_column_int(s, 2);
        r->fold = sqlite3_column_int(s, 3);
        r->repeat = sqlite3_column_int(s, 4);
        int state = tt_trial_state_from_name((const char *)sqlite3_column_text(s, 5));
        r->state = state < 0 ? TT_TRIAL_FAILED : (tt_trial_state)state;
        r->value = store_column_double(s, 6);
        r->reason = store_column_strdup(s, 7);
        r->started_at = sqlite3_column_type(s, 8) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 8);
        r->finished_at = sqlite3_column_type(s, 9) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 9);
        r->pid = (long)sqlite3_column_int64(s, 10);
        r->pid_start = (uint64_t)sqlite3_column_int64(s, 11);
        r->job_id = store_column_strdup(s, 12);
        r->last_step = (long)sqlite3_column_int64(s, 13);
        for (int i = 0; i < TT_STORE_N_OFFSETS; i++)
            r->offsets[i] = (uint64_t)sqlite3_column_int64(s, 14 + i);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read the runs of trial %ld", trial);
    sqlite3_reset(s);
    if (ret != 0) {
        tt_run_records_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

void tt_run_records_free(tt_run_record *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].reason);
        free(rows[i].job_id);
    }
    free(rows);
}
