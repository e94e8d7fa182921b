/*
 * store/mirror — trial rows written whole. The runner changes a trial one
 * event at a time (added, started, finished…); a mirror of another tool's
 * study (the optuna module) learns a trial's whole state at once, and a
 * running trial there gains parameters as it asks for them, so it writes
 * the row and its parameters as they are now. The row takes a new seq like
 * every other write, so readers polling by seq see it change.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void bind_time(sqlite3_stmt *s, int i, double t)
{
    if (t > 0)
        sqlite3_bind_double(s, i, t);
    else
        sqlite3_bind_null(s, i);
}

int tt_store_put_trial(tt_store *st, const tt_trial_record *r, tt_error *err)
{
    const char *what = "write a trial";
    if (r->number < 1 || (unsigned)r->state >= TT_TRIAL_STATE_COUNT)
        return tt_error_set(err, TT_ERR_INVALID, "cannot %s: number %ld, state %d", what,
                            r->number, (int)r->state);
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    /* An upsert, not INSERT OR REPLACE: a replace deletes the row first,
     * and the delete would cascade to rows that reference the trial. */
    sqlite3_stmt *s = store_stmt(
        st, SQL_PUT_TRIAL,
        "INSERT INTO trials (number, attempt, space_version, state, value, reason, queued_at,"
        " started_at, finished_at, last_step, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, (SELECT COALESCE(MAX(seq), 0) + 1 FROM trials)) ON CONFLICT (number) DO UPDATE SET"
        " attempt = excluded.attempt, space_version = excluded.space_version,"
        " state = excluded.state, value = excluded.value, reason = excluded.reason,"
        " queued_at = excluded.queued_at, started_at = excluded.started_at,"
        " finished_at = excluded.finished_at, last_step = excluded.last_step,"
        " seq = excluded.seq",
        err, what);
    if (s == NULL)
        return store_op_end(st, -TT_ERR_IO, err);
    sqlite3_bind_int64(s, 1, r->number);
    sqlite3_bind_int(s, 2, r->attempt > 0 ? r->attempt : 1);
    sqlite3_bind_int64(s, 3, r->space_version);
    store_bind_text(s, 4, tt_trial_state_name(r->state));
    store_bind_double(s, 5, r->value);
    store_bind_text(s, 6, r->reason);
    bind_time(s, 7, r->queued_at);
    bind_time(s, 8, r->started_at);
    bind_time(s, 9, r->finished_at);
    sqlite3_bind_int64(s, 10, r->last_step);
    rc = store_step_done(st, s, err, "cannot %s %ld", what, r->number);
    if (rc == 0 && (s = store_stmt(st, SQL_DROP_PARAMS, "DELETE FROM trial_params WHERE trial = ?1",
                                   err, what)) == NULL)
        rc = -TT_ERR_IO;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, r->number);
        rc = store_step_done(st, s, err, "cannot %s %ld", what, r->number);
    }
    if (rc == 0 && (s = store_stmt(st, SQL_ADD_PARAM,
                                   "INSERT INTO trial_params (trial, name, ord, text, x, active)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                   err, what)) == NULL)
        rc = -TT_ERR_IO;
    for (size_t i = 0; rc == 0 && i < r->n_params; i++) {
        sqlite3_bind_int64(s, 1, r->number);
        store_bind_text(s, 2, r->param_names[i]);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)i);
        store_bind_text(s, 4, r->param_text && r->param_text[i] ? r->param_text[i] : "");
        store_bind_double(s, 5, r->param_x ? r->param_x[i] : NAN);
        sqlite3_bind_int(s, 6, r->param_active ? r->param_active[i] : 1);
        rc = store_step_done(st, s, err, "cannot write parameter '%s' of trial %ld",
                             r->param_names[i], r->number);
    }
    return store_op_end(st, rc, err);
}
