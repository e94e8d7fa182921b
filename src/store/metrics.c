/*
 * store/metrics — metric points and events: the two append-only logs.
 *
 * add_metric is the hottest call in tunetop (the runner ingests hundreds of
 * thousands of points a second inside one transaction per tick), so it is a
 * cached statement with bind + step + reset and nothing else. Readers follow
 * both logs by rowid: ids only grow, because nothing is ever deleted.
 */
#include "internal.h"

int tt_store_add_metric(tt_store *st, long trial, int attempt, long step, const char *name,
                        double value, double t, tt_error *err)
{
    sqlite3_stmt *s = st->stmts[SQL_ADD_METRIC];
    if (s == NULL) {
        s = store_stmt(st, SQL_ADD_METRIC,
                       "INSERT INTO metrics (trial, attempt, step, name, value, t)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       err, "add metrics");
        if (s == NULL)
            return -TT_ERR_IO;
    }
    if (st->mode == TT_STORE_READ || (st->depth > 0 && sqlite3_get_autocommit(st->db)))
        return store_writable(st, err, "add metrics");
    sqlite3_bind_int64(s, 1, trial);
    sqlite3_bind_int(s, 2, attempt);
    sqlite3_bind_int64(s, 3, step);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    store_bind_double(s, 5, value);
    sqlite3_bind_double(s, 6, t);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return 0;
    }
    int ret = store_fail(st, rc, err, "cannot add metric '%s' for trial %ld", name ? name : "",
                         trial);
    sqlite3_reset(s);
    return ret;
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

int tt_store_metrics_since(tt_store *st, int64_t since, long trial,
                           int (*fn)(const tt_metric_point *p, void *ud), void *ud,
                           tt_error *err)
{
    sqlite3_stmt *s;
    if (trial < 0)
        s = store_stmt(st, SQL_METRICS_SINCE,
                       "SELECT id, trial, attempt, step, name, value, t FROM metrics"
                       " WHERE id > ?1 ORDER BY id",
                       err, "read metrics");
    else
        s = store_stmt(st, SQL_METRICS_SINCE_TRIAL,
                       "SELECT id, trial, attempt, step, name, value, t FROM metrics"
                       " WHERE id > ?1 AND trial = ?2 ORDER BY id",
                       err, "read metrics");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, since);
    if (trial >= 0)
        sqlite3_bind_int64(s, 2, trial);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_metric_point p = {
            .rowid = sqlite3_column_int64(s, 0),
            .trial = (long)sqlite3_column_int64(s, 1),
            .attempt = sqlite3_column_int(s, 2),
            .step = (long)sqlite3_column_int64(s, 3),
            .name = (const char *)sqlite3_column_text(s, 4),
            .value = store_column_double(s, 5),
            .t = sqlite3_column_double(s, 6),
        };
        if (p.name == NULL)
            p.name = "";
        if (fn(&p, ud) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot read metrics");
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
