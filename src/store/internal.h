/*
 * store internals — shared by the files of src/store/: the connection
 * struct, the cache of prepared statements, and the helpers that turn an
 * SQLite failure into a tt_error a user can act on.
 *
 * Statements are prepared once per connection and cached by id: the runner
 * ingests hundreds of thousands of metric points a second, and preparing
 * SQL is far more expensive than binding and stepping it. Each file keeps its
 * SQL next to the code that uses it and passes it along with the id; the
 * first call prepares, later calls only look the statement up.
 */
#ifndef TUNETOP_STORE_INTERNAL_H
#define TUNETOP_STORE_INTERNAL_H

#include <sqlite3.h>

#include "tunetop/store.h"

typedef enum store_sql {
    SQL_ADD_METRIC,
    SQL_ADD_EVENT,
    SQL_ADD_TRIAL,
    SQL_ADD_PARAM,
    SQL_TRIAL_STARTED,
    SQL_TRIAL_FINISHED,
    SQL_TRIAL_SET_VALUE,
    SQL_TRIAL_PROGRESS,
    SQL_TRIAL_RETRY,
    SQL_TRIAL_PREVIOUS,
    SQL_TRIALS_SINCE,
    SQL_TRIAL_ONE,
    SQL_TRIAL_PARAMS,
    SQL_METRICS_SINCE,
    SQL_METRICS_SINCE_TRIAL,
    SQL_EVENTS_SINCE,
    SQL_ADD_COMMAND,
    SQL_PENDING_COMMANDS,
    SQL_ACK_COMMAND,
    SQL_COUNT
} store_sql;

struct tt_store {
    sqlite3 *db;
    char *path;
    tt_store_mode mode;
    bool read_only;          /* the connection itself is read-only */
    int depth;               /* tt_store_begin nesting */
    char tx_error[640];      /* why SQLite abandoned the open transaction */
    sqlite3_stmt *stmts[SQL_COUNT];
};

/* The cached statement id, prepared from sql on first use; NULL with err
 * filled ("cannot <what>: …") when preparing fails. */
sqlite3_stmt *store_stmt(tt_store *st, store_sql id, const char *sql, tt_error *err,
                         const char *what);

/* Fill err with "<what>: <why>" for the SQLite result rc, where why names a
 * full disk plainly; returns the negative tt code. Call before resetting
 * the failed statement so the message is still the right one. */
int store_fail(tt_store *st, int rc, tt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Step a write statement to completion and reset it; on failure fill err
 * via store_fail with the formatted what. */
int store_step_done(tt_store *st, sqlite3_stmt *s, tt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run SQL without results (schema, transactions). */
int store_exec(tt_store *st, const char *sql, tt_error *err, const char *what);

/* Check that this connection may write (not READ mode, transaction not
 * abandoned by SQLite); fills err with "cannot <what>: …" otherwise. */
int store_writable(tt_store *st, tt_error *err, const char *what);

/* Multi-statement writes are atomic on their own and inside a caller's
 * transaction: op_begin opens a savepoint, op_end releases it or rolls back
 * to it (rc != 0) and returns rc or the commit's error. */
int store_op_begin(tt_store *st, tt_error *err, const char *what);
int store_op_end(tt_store *st, int rc, tt_error *err);

/* Group several reads into one snapshot when no transaction is open;
 * returns whether it opened one (pass that to store_read_end). */
bool store_read_begin(tt_store *st);
void store_read_end(tt_store *st, bool opened);

/* NaN is stored as NULL (SQLite would store NULL anyway); NULL reads back
 * as NaN. Infinities are stored as REAL infinities and read back as such. */
int store_bind_double(sqlite3_stmt *s, int i, double v);
double store_column_double(sqlite3_stmt *s, int i);
/* NULL text binds NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *text);
/* A malloc'd copy of a text column; NULL when the column is NULL. */
char *store_column_strdup(sqlite3_stmt *s, int i);

/* Wall-clock Unix seconds. */
double store_now(void);

/* Persistent names of trial states (never the display names: this text is
 * stored, so it must not change when a label does). */
const char *store_trial_state_text(tt_trial_state s);
/* Returns -1 for a name no state has. */
int store_trial_state_parse(const char *text);

/* ISO 8601 UTC ("2026-11-23T10:50:44Z") of Unix seconds into buf (32). */
void store_iso8601(double t, char *buf, size_t n);

#endif
