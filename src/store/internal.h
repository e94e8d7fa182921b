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
    SQL_ADD_METRIC,          /* one point */
    SQL_ADD_METRIC_SMALL,    /* STORE_METRIC_SMALL points */
    SQL_ADD_METRIC_BATCH,    /* STORE_METRIC_BATCH points */
    SQL_ADD_RUN,
    SQL_NAME_FIND,
    SQL_NAME_ADD,
    SQL_NAME_OF,
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
    SQL_TRIAL_COUNTS,
    SQL_TRIALS_BEST_MIN,
    SQL_TRIALS_BEST_MAX,
    SQL_TRIALS_IN_STATE,
    SQL_TRIAL_PARAMS,
    SQL_METRICS_SINCE,
    SQL_METRICS_SINCE_TRIAL,
    SQL_METRICS_LAST,
    SQL_METRIC_NAMES,
    SQL_EVENTS_SINCE,
    SQL_RUN_STARTED,
    SQL_RUN_FINISHED,
    SQL_RUN_PROGRESS,
    SQL_RUN_BUMP,
    SQL_RUNS_OF,
    SQL_TRIAL_STD,
    SQL_TRIAL_RUNS,
    SQL_ADD_COMMAND,
    SQL_PENDING_COMMANDS,
    SQL_ACK_COMMAND,
    SQL_PUT_TRIAL,
    SQL_DROP_PARAMS,
    SQL_COUNT
} store_sql;

/* Metric points wait in the connection until STORE_METRIC_BATCH of them
 * fill one multi-row INSERT (or the transaction commits, or a metric read
 * on this connection needs them): bench/store measured 0.25 µs a point
 * with 32 rows per statement against 0.44 µs with one (statement
 * start/halt, reset and VDBE setup amortised); 64 rows gained nothing
 * more. The remainder at commit goes by STORE_METRIC_SMALL, then by one. */
#define STORE_METRIC_BATCH 32
#define STORE_METRIC_SMALL 8

typedef struct store_point {
    int64_t trial, step, name_id;
    double value, t;
    int attempt, run;
} store_point;

/* The run of consecutive metric rowids of one trial being written; see
 * metric_runs in open.c. */
typedef struct store_run {
    int64_t trial, first_id, last_id;
    bool open;
} store_run;

/* Metric names met by this connection (names.c). */
typedef struct store_name {
    char *name;
    uint32_t hash;
    int64_t id;
} store_name;

typedef struct store_names {
    store_name *entries;
    size_t n, entries_cap;
    uint32_t *by_name, *by_id;   /* open addressing, entry index + 1 */
    size_t cap;                  /* slots in each (a power of two) */
} store_names;

struct tt_store {
    sqlite3 *db;
    char *path;
    tt_store_mode mode;
    bool read_only;          /* the connection itself is read-only */
    long first_number;       /* the number shown for trial 1 (tt_store_set_first_number) */
    int depth;               /* tt_store_begin nesting */
    char tx_error[640];      /* why SQLite abandoned the open transaction */
    sqlite3_stmt *stmts[SQL_COUNT];
    store_point points[STORE_METRIC_BATCH];
    size_t n_points;         /* buffered, not yet in the database */
    store_run run;
    store_names names;
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

/* Metric names (names.c): the id of name, added in the open transaction
 * when new (negative tt code on failure); the name of id (borrowed, valid
 * until the cache is cleared; NULL with err filled when unknown); forget
 * them all (after a rollback, and at close). */
int64_t store_name_id(tt_store *st, const char *name, tt_error *err);
const char *store_name_of(tt_store *st, int64_t id, tt_error *err);
void store_names_clear(store_names *nm);

/* Write the buffered metric points and the open run (metrics.c): before
 * the outermost commit, and before this connection reads metrics. On
 * failure the transaction is abandoned (store_abandon). */
int store_metrics_flush(tt_store *st, tt_error *err);
/* Forget what a rolled-back transaction wrote: buffered points, the open
 * run, and the name cache (new names went with the transaction). */
void store_tx_forget(tt_store *st);
/* A write of the open transaction failed (err says why, may be NULL): roll
 * back SQLite's transaction now, so that the rest of the tick and its
 * commit fail with that cause (as when SQLite abandons it itself) and
 * nothing lands without the rest of its tick. */
void store_abandon(tt_store *st, const tt_error *err);

/* Wall-clock Unix seconds. */
double store_now(void);

/* ISO 8601 UTC ("2026-11-23T10:50:44Z") of Unix seconds into buf (32). */
void store_iso8601(double t, char *buf, size_t n);

#endif
