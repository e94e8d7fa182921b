/*
 * store/metrics — metric points and events: the two append-only logs.
 *
 * add_metric is the hottest call in tunetop (the runner ingests hundreds of
 * thousands of points a second inside one transaction per tick), so it maps
 * the name to its id from memory (names.c) and appends the point to a
 * buffer in the connection; full buffers go out as one multi-row INSERT of
 * STORE_METRIC_BATCH points, the rest at the outermost commit. Nothing else
 * happens per point: metric_points has no index besides its rowid, and the
 * per-trial index is metric_runs, one row per run of consecutive rowids of
 * a trial (open.c), written when the run ends (another trial's point, a
 * flush for a reader, the commit). Readers follow both logs by rowid: ids
 * only grow, because nothing is ever deleted.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>

/* "INSERT … VALUES (?1, …, ?6), (?7, …)" for rows points. */
static sqlite3_stmt *insert_stmt(tt_store *st, size_t rows, tt_error *err)
{
    store_sql id = rows == STORE_METRIC_BATCH ? SQL_ADD_METRIC_BATCH
                   : rows == STORE_METRIC_SMALL ? SQL_ADD_METRIC_SMALL
                                                : SQL_ADD_METRIC;
    if (st->stmts[id])
        return st->stmts[id];
    char sql[96 + STORE_METRIC_BATCH * 56];
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "INSERT INTO metric_points (trial, attempt, step, name_id,"
                                  " value, t, run) VALUES ");
    for (size_t r = 0; r < rows; r++) {
        size_t b = 7 * r;
        len += (size_t)snprintf(sql + len, sizeof sql - len,
                                "%s(?%zu,?%zu,?%zu,?%zu,?%zu,?%zu,?%zu)", r ? "," : "", b + 1,
                                b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
    }
    return store_stmt(st, id, sql, err, "add metrics");
}

static int write_run(tt_store *st, tt_error *err)
{
    st->run.open = false;
    sqlite3_stmt *s = store_stmt(st, SQL_ADD_RUN,
                                 "INSERT INTO metric_runs (trial, last_id, first_id)"
                                 " VALUES (?1, ?2, ?3)",
                                 err, "add metrics");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, st->run.trial);
    sqlite3_bind_int64(s, 2, st->run.last_id);
    sqlite3_bind_int64(s, 3, st->run.first_id);
    return store_step_done(st, s, err, "cannot add metrics of trial %lld",
                           (long long)st->run.trial);
}

/* Extend the open run by point p stored at rowid id, or end it and open
 * another. */
static int track_run(tt_store *st, const store_point *p, int64_t id, tt_error *err)
{
    if (st->run.open && st->run.trial == p->trial && st->run.last_id + 1 == id) {
        st->run.last_id = id;
        return 0;
    }
    int rc = st->run.open ? write_run(st, err) : 0;
    st->run = (store_run){p->trial, id, id, true};
    return rc;
}

/* Insert points[0..rows) with one statement and track their runs. */
static int insert_points(tt_store *st, const store_point *pts, size_t rows, tt_error *err)
{
    sqlite3_stmt *s = insert_stmt(st, rows, err);
    if (s == NULL)
        return -TT_ERR_IO;
    for (size_t r = 0; r < rows; r++) {
        const store_point *p = &pts[r];
        int b = 7 * (int)r;
        sqlite3_bind_int64(s, b + 1, p->trial);
        sqlite3_bind_int(s, b + 2, p->attempt);
        sqlite3_bind_int64(s, b + 3, p->step);
        sqlite3_bind_int64(s, b + 4, p->name_id);
        store_bind_double(s, b + 5, p->value);
        sqlite3_bind_double(s, b + 6, p->t);
        sqlite3_bind_int(s, b + 7, p->run);
    }
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        const char *name = store_name_of(st, pts[0].name_id, NULL);
        int ret = store_fail(st, rc, err, "cannot add metric '%s' for trial %lld",
                             name ? name : "?", (long long)pts[0].trial);
        sqlite3_reset(s);
        return ret;
    }
    sqlite3_reset(s);
    /* The rows took consecutive rowids (one more than the largest, and this
     * connection holds the write lock), the last one being the last
     * insert rowid. */
    int64_t first = sqlite3_last_insert_rowid(st->db) - (int64_t)rows + 1;
    for (size_t r = 0; r < rows; r++) {
        int ret = track_run(st, &pts[r], first + (int64_t)r, err);
        if (ret != 0)
            return ret;
    }
    return 0;
}

/* Write the buffer: full batches, then by STORE_METRIC_SMALL, then singly
 * (each size is one cached statement). */
static int flush_points(tt_store *st, tt_error *err)
{
    size_t done = 0, n = st->n_points;
    st->n_points = 0;
    while (done < n) {
        size_t left = n - done;
        size_t rows = left >= STORE_METRIC_BATCH   ? STORE_METRIC_BATCH
                      : left >= STORE_METRIC_SMALL ? STORE_METRIC_SMALL
                                                   : 1;
        int rc = insert_points(st, &st->points[done], rows, err);
        if (rc != 0)
            return rc;
        done += rows;
    }
    return 0;
}

int store_metrics_flush(tt_store *st, tt_error *err)
{
    if (st->n_points == 0 && !st->run.open)
        return 0;
    tt_error local = {0};
    tt_error *e = err ? err : &local;
    int rc = flush_points(st, e);
    if (rc == 0 && st->run.open)
        rc = write_run(st, e);
    if (rc != 0)
        store_abandon(st, e);
    return rc;
}

void store_tx_forget(tt_store *st)
{
    st->n_points = 0;
    st->run.open = false;
    store_names_clear(&st->names);
}

int tt_store_add_metric(tt_store *st, long trial, int attempt, long step, const char *name,
                        double value, double t, tt_error *err)
{
    return tt_store_add_run_metric(st, trial, attempt, 0, step, name, value, t, err);
}

int tt_store_add_run_metric(tt_store *st, long trial, int attempt, int run, long step,
                            const char *name, double value, double t, tt_error *err)
{
    if (st->mode == TT_STORE_READ || (st->depth > 0 && sqlite3_get_autocommit(st->db)))
        return store_writable(st, err, "add metrics");
    if (name == NULL || isnan(t))
        return tt_error_set(err, TT_ERR_INVALID, "cannot add metric '%s' for trial %ld: %s",
                            name ? name : "", trial, name ? "no time" : "no name");
    if (st->depth == 0) {
        /* On its own: a transaction of one point. */
        int rc = tt_store_begin(st, err);
        if (rc == 0)
            rc = tt_store_add_run_metric(st, trial, attempt, run, step, name, value, t, err);
        if (rc == 0)
            return tt_store_commit(st, err);
        tt_store_rollback(st);
        return rc;
    }
    int64_t id = store_name_id(st, name, err);
    if (id < 0) {
        store_abandon(st, err);
        return (int)id;
    }
    st->points[st->n_points++] = (store_point){trial, step, id, value, t, attempt, run};
    if (st->n_points < STORE_METRIC_BATCH)
        return 0;
    tt_error local = {0};
    tt_error *e = err ? err : &local;
    int rc = flush_points(st, e);
    if (rc != 0)
        store_abandon(st, e);
    return rc;
}

int tt_store_add_event(tt_store *st, long trial, const char *kind, const char *message,
                       tt_error *err)
{
    int rc = store_writable(st, err, "add an event");
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_ADD_EVENT,
                                 "INSERT INTO events (t, trial, kind, message)"
                                 " VALUES (?1, ?2, ?3, ?4)",
                                 err, "add an event");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_double(s, 1, store_now());
    if (trial < 0)
        sqlite3_bind_null(s, 2);
    else
        sqlite3_bind_int64(s, 2, trial);
    store_bind_text(s, 3, kind ? kind : "");
    store_bind_text(s, 4, message ? message : "");
    return store_step_done(st, s, err, "cannot add event '%s'", kind ? kind : "");
}

/* The rows of one trial in (?1, ?3], through its runs: in rowid order
 * (runs are disjoint ranges, walked in last_id order, each by rowid), so no
 * sort. */
#define METRICS_OF_TRIAL                                                                     \
    "SELECT p.id, p.trial, p.attempt, p.step, p.name_id, p.value, p.t, p.run"                \
    " FROM metric_runs r JOIN metric_points p ON p.id BETWEEN r.first_id AND r.last_id"      \
    " WHERE r.trial = ?2 AND r.last_id > ?1 AND r.first_id <= ?3"                            \
    " AND p.id > ?1 AND p.id <= ?3 AND p.trial = ?2"                                         \
    " ORDER BY r.last_id, p.id"

/* The points with since < rowid <= upto (of one trial, or all with
 * trial < 0), in rowid order, to fn until it returns non-zero. */
static int metrics_read(tt_store *st, int64_t since, int64_t upto, long trial,
                        int (*fn)(const tt_metric_point *p, void *ud), void *ud, tt_error *err)
{
    int ret = store_metrics_flush(st, err);
    if (ret != 0)
        return ret;
    sqlite3_stmt *s;
    if (trial < 0)
        s = store_stmt(st, SQL_METRICS_SINCE,
                       "SELECT id, trial, attempt, step, name_id, value, t, run FROM metric_points"
                       " WHERE id > ?1 AND id <= ?3 ORDER BY id",
                       err, "read metrics");
    else
        s = store_stmt(st, SQL_METRICS_SINCE_TRIAL, METRICS_OF_TRIAL, err, "read metrics");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, since);
    if (trial >= 0)
        sqlite3_bind_int64(s, 2, trial);
    sqlite3_bind_int64(s, 3, upto);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_metric_point p = {
            .rowid = sqlite3_column_int64(s, 0),
            .trial = (long)sqlite3_column_int64(s, 1),
            .attempt = sqlite3_column_int(s, 2),
            .step = (long)sqlite3_column_int64(s, 3),
            .name = store_name_of(st, sqlite3_column_int64(s, 4), err),
            .value = store_column_double(s, 5),
            .t = sqlite3_column_double(s, 6),
            .run = sqlite3_column_int(s, 7),
        };
        if (p.name == NULL) {
            sqlite3_reset(s);
            return -TT_ERR_IO;
        }
        if (fn(&p, ud) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read metrics");
    sqlite3_reset(s);
    return ret;
}

int tt_store_metrics_since(tt_store *st, int64_t since, long trial,
                           int (*fn)(const tt_metric_point *p, void *ud), void *ud,
                           tt_error *err)
{
    return metrics_read(st, since, INT64_MAX, trial, fn, ud, err);
}

int tt_store_metrics_upto(tt_store *st, long trial, int64_t upto,
                          int (*fn)(const tt_metric_point *p, void *ud), void *ud,
                          tt_error *err)
{
    return metrics_read(st, 0, upto, trial, fn, ud, err);
}

int tt_store_metrics_last_id(tt_store *st, int64_t *id, tt_error *err)
{
    *id = 0;
    int ret = store_metrics_flush(st, err);
    if (ret != 0)
        return ret;
    /* max() of the rowid is one step down the b-tree's right edge */
    sqlite3_stmt *s = store_stmt(st, SQL_METRICS_LAST, "SELECT max(id) FROM metric_points", err,
                                 "read metrics");
    if (s == NULL)
        return -TT_ERR_IO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);   /* NULL (no point yet) reads as 0 */
    else
        ret = store_fail(st, rc, err, "cannot read metrics");
    sqlite3_reset(s);
    return ret;
}

int tt_store_metric_names(tt_store *st, int (*fn)(const char *name, void *ud), void *ud,
                          tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_METRIC_NAMES, "SELECT name FROM metric_names ORDER BY id",
                                 err, "read metric names");
    if (s == NULL)
        return -TT_ERR_IO;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (fn(name ? name : "", ud) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int ret = rc == SQLITE_DONE ? 0 : store_fail(st, rc, err, "cannot read metric names");
    sqlite3_reset(s);
    return ret;
}

int tt_store_events_since(tt_store *st, int64_t since,
                          int (*fn)(const tt_event *e, void *ud), void *ud, tt_error *err)
{
    sqlite3_stmt *s = store_stmt(st, SQL_EVENTS_SINCE,
                                 "SELECT id, t, trial, kind, message FROM events"
                                 " WHERE id > ?1 ORDER BY id",
                                 err, "read events");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, since);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(s, 3);
        const char *message = (const char *)sqlite3_column_text(s, 4);
        tt_event e = {
            .id = sqlite3_column_int64(s, 0),
            .t = sqlite3_column_double(s, 1),
            .trial = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1
                                                              : (long)sqlite3_column_int64(s, 2),
            .kind = kind ? kind : "",
            .message = message ? message : "",
        };
        if (fn(&e, ud) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read events");
    sqlite3_reset(s);
    return ret;
}
