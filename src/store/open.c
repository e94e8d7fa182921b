/*
 * store/open — opening study.db: creating the file (mode 0600), setting up
 * each connection (WAL, busy timeout, foreign keys), and bringing the schema
 * to the current version.
 *
 * Data outlives the code that wrote it. PRAGMA user_version is the schema
 * version; `migrations[v]` upgrades version v to v + 1 (migrations[0] turns
 * an empty file into schema 1). Opening runs the missing steps in one
 * transaction, so a database is never left half-migrated, and refuses a
 * database from a newer tunetop rather than guess at its meaning.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Schema 1. Notes on choices:
 * - trials.offset_* are the bytes of the trial's output files already
 *   ingested, so that a restarted runner neither loses nor repeats points.
 * - trials.seq takes a new study-wide value on every change of the row
 *   (MAX(seq) + 1 in the same statement, served by trials_seq), so a reader
 *   asks "seq > last seen" and gets exactly the changed rows.
 * - trial_params.ord keeps the space order of a trial's parameters.
 * - metric points are the hot insert path (the runner ingests millions a
 *   minute); each choice below was measured with bench/store (numbers:
 *   docs/benchmarks.md, "Metric storage"):
 *   - metric_points has no foreign key (the runner only writes points for
 *     trials it created) and no index but its rowid. With 32-row INSERTs
 *     a point costs 0.25 µs without an index, 0.46 µs with one on
 *     (trial), 0.86 µs with the old metrics_curve (trial, name, step):
 *     a per-point index costs as much as the row or more.
 *   - name_id instead of the name: rows ~10 % smaller and faster, no text
 *     compared or copied per point; names live once in metric_names
 *     (names.c keeps them in memory both ways).
 *   - metric_runs is the per-trial index at the grain of runs: one row per
 *     run of consecutive rowids of one trial (the runner writes a trial's
 *     lines of a tick together, so a run is a trial's tick: a few rows per
 *     tick, not one per point). One trial's points are its runs' rowid
 *     ranges, in rowid order. Even a 10 000-trial study whose trials
 *     interleave line by line (one run per 3 points, the worst case)
 *     reads a 300-point curve in 0.1 ms. WITHOUT ROWID, so a trial's runs
 *     are clustered by (trial, last_id): one range.
 *   - t (REAL, 8 of a row's ~40 bytes) costs ~12 % of the insert; it stays:
 *     the dashboard shows when a point came, and a coarser encoding would
 *     lose precision.
 *   - the view metrics keeps the readable shape (one row per point, with
 *     the name) for ad-hoc sqlite3 queries and tests; it is not indexed
 *     by trial, so tunetop's own readers use the tables.
 *   - page size, cache size, temp_store, journal_size_limit and
 *     wal_autocheckpoint made no difference within noise (4 KB pages are
 *     the best; 16 KB and 64 KB are 20-40 % slower), so all stay default.
 * - values: NULL means NaN (SQLite turns NaN into NULL anyway). */
static const char schema_v1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE study ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " name TEXT NOT NULL, sweep_path TEXT, workdir TEXT, created_at REAL NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'running', elapsed_s REAL NOT NULL DEFAULT 0);"
    "CREATE TABLE spaces ("
    " version INTEGER PRIMARY KEY, created REAL NOT NULL, path TEXT, text TEXT NOT NULL);"
    "CREATE TABLE trials ("
    " number INTEGER PRIMARY KEY, attempt INTEGER NOT NULL DEFAULT 1,"
    " space_version INTEGER NOT NULL, state TEXT NOT NULL, value REAL, reason TEXT,"
    " queued_at REAL, started_at REAL, finished_at REAL,"
    " pid INTEGER, pid_start INTEGER, job_id TEXT,"
    " last_step INTEGER NOT NULL DEFAULT -1, seq INTEGER NOT NULL,"
    " offset_stdout INTEGER NOT NULL DEFAULT 0, offset_stderr INTEGER NOT NULL DEFAULT 0,"
    " offset_csv INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX trials_seq ON trials (seq);"
    "CREATE TABLE trial_params ("
    " trial INTEGER NOT NULL REFERENCES trials (number) ON DELETE CASCADE,"
    " name TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL, x REAL,"
    " active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (trial, name));"
    "CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE metric_points ("
    " id INTEGER PRIMARY KEY, trial INTEGER NOT NULL, attempt INTEGER NOT NULL,"
    " step INTEGER NOT NULL, name_id INTEGER NOT NULL, value REAL, t REAL NOT NULL);"
    "CREATE TABLE metric_runs ("
    " trial INTEGER NOT NULL, last_id INTEGER NOT NULL, first_id INTEGER NOT NULL,"
    " PRIMARY KEY (trial, last_id)) WITHOUT ROWID;"
    "CREATE VIEW metrics (id, trial, attempt, step, name, value, t) AS"
    " SELECT p.id, p.trial, p.attempt, p.step, n.name, p.value, p.t"
    " FROM metric_points p JOIN metric_names n ON n.id = p.name_id;"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY, t REAL NOT NULL, trial INTEGER, kind TEXT NOT NULL,"
    " message TEXT NOT NULL);"
    "CREATE TABLE commands ("
    " id INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL, arg TEXT,"
    " acked_at REAL, result TEXT);"
    "CREATE INDEX commands_pending ON commands (id) WHERE acked_at IS NULL;"
    "CREATE TABLE importance ("
    " method TEXT NOT NULL, n_trials INTEGER NOT NULL, t REAL NOT NULL,"
    " param TEXT NOT NULL, value REAL, low REAL, high REAL, PRIMARY KEY (method, param));"
    "INSERT INTO meta (key, value) VALUES ('created_by', 'tunetop " TT_VERSION "');";

/* Schema 2 (issue 15: cross-validation, and why a sweep ended):
 * - study.stop_reason: why the study ended ("run_cap reached", "target
 *   0.2 reached by trial 7"…); NULL while it runs.
 * - trials.value_std: the standard deviation of a trial's value over its
 *   runs (folds x repeats); NULL for a trial of one run. trials.folds and
 *   trials.repeats: its runs, as the sweep said when it started (a reload
 *   changes them for later trials only).
 * - trial_runs: one row per run of a trial with several (its fold and
 *   repetition, state, value, and what a restarted runner needs to
 *   re-adopt it: pid, start time, job id, ingested offsets), per attempt.
 *   A trial of one run has none: its trial row says all.
 * - metric_points.run: which run of its trial a point came from (0 for a
 *   trial of one run), so each run's curve can be drawn. ADD COLUMN with a
 *   constant default rewrites nothing, and the hot insert path gains one
 *   bound integer. */
static const char schema_v2[] =
    "ALTER TABLE study ADD COLUMN stop_reason TEXT;"
    "ALTER TABLE trials ADD COLUMN value_std REAL;"
    "ALTER TABLE trials ADD COLUMN folds INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE trials ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE metric_points ADD COLUMN run INTEGER NOT NULL DEFAULT 0;"
    "DROP VIEW metrics;"
    "CREATE VIEW metrics (id, trial, attempt, run, step, name, value, t) AS"
    " SELECT p.id, p.trial, p.attempt, p.run, p.step, n.name, p.value, p.t"
    " FROM metric_points p JOIN metric_names n ON n.id = p.name_id;"
    "CREATE TABLE trial_runs ("
    " trial INTEGER NOT NULL REFERENCES trials (number) ON DELETE CASCADE,"
    " attempt INTEGER NOT NULL, run INTEGER NOT NULL,"
    " fold INTEGER NOT NULL, repetition INTEGER NOT NULL,"
    " state TEXT NOT NULL, value REAL, reason TEXT, started_at REAL, finished_at REAL,"
    " pid INTEGER, pid_start INTEGER, job_id TEXT, last_step INTEGER NOT NULL DEFAULT -1,"
    " offset_stdout INTEGER NOT NULL DEFAULT 0, offset_stderr INTEGER NOT NULL DEFAULT 0,"
    " offset_csv INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (trial, attempt, run)) WITHOUT ROWID;";

static const char *const migrations[TT_STORE_SCHEMA_VERSION] = {
    schema_v1,
    schema_v2,
};

/* Tables a current database must have; a file lacking one is not ours. */
static const char *const required_tables[] = {
    "study",        "spaces",      "trials", "trial_params", "metric_names",
    "metric_points", "metric_runs", "events", "commands",     "importance",
    "trial_runs",
};
/* Schema 1 had the first ten. */
#define SCHEMA_V1_TABLES 10

static int not_ours(const char *path, tt_error *err, const char *why)
{
    return tt_error_set(err, TT_ERR_INVALID, "%s is not a tunetop study database (%s)", path, why);
}

static int query_int(tt_store *st, const char *sql, long *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = (long)sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        *out = 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

static int migrate(tt_store *st, long from, tt_error *err)
{
    if (st->read_only)
        return tt_error_set(err, TT_ERR_IO,
                            "%s has schema %ld and must be upgraded to %d, but it is read-only",
                            st->path, from, TT_STORE_SCHEMA_VERSION);
    int rc = store_exec(st, "BEGIN IMMEDIATE", err, "upgrade the study database");
    if (rc != 0)
        return rc;
    /* Another process may have migrated between our check and the lock. */
    long now_version = 0;
    int src = query_int(st, "PRAGMA user_version", &now_version);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, err, "cannot read the schema version of %s", st->path);
        goto fail;
    }
    for (long v = now_version; v < TT_STORE_SCHEMA_VERSION; v++) {
        rc = store_exec(st, migrations[v], err, "upgrade the study database");
        if (rc != 0)
            goto fail;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", TT_STORE_SCHEMA_VERSION);
    rc = store_exec(st, sql, err, "upgrade the study database");
    if (rc != 0)
        goto fail;
    rc = store_exec(st, "COMMIT", err, "upgrade the study database");
    if (rc != 0)
        goto fail;
    return 0;
fail:
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The first n of required_tables exist. */
static int check_tables(tt_store *st, size_t n_tables, tt_error *err)
{
    for (size_t i = 0; i < n_tables; i++) {
        char sql[128];
        long n = 0;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 required_tables[i]);
        int rc = query_int(st, sql, &n);
        if (rc != SQLITE_OK)
            return store_fail(st, rc, err, "cannot read the schema of %s", st->path);
        if (n == 0) {
            char why[96];
            snprintf(why, sizeof why, "it has no '%s' table", required_tables[i]);
            return not_ours(st->path, err, why);
        }
    }
    return 0;
}

/* Decide, before changing anything in the file, whether it is ours: an
 * empty file (version 0, no tables) gets the schema when opened for
 * writing; a version-0 file that holds tables is somebody else's database.
 * Sets *version for migrate. */
static int check_version(tt_store *st, long *version_out, tt_error *err)
{
    long version = 0, tables = 0;
    int rc = query_int(st, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = query_int(st, "SELECT count(*) FROM sqlite_master", &tables);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return not_ours(st->path, err, "the file is not an SQLite database");
    if (rc != SQLITE_OK)
        return store_fail(st, rc, err, "cannot read %s", st->path);
    if (version > TT_STORE_SCHEMA_VERSION)
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "%s was written by a newer tunetop (schema %ld); "
                            "this tunetop reads up to %d",
                            st->path, version, TT_STORE_SCHEMA_VERSION);
    if (version == 0) {
        if (tables > 0)
            return not_ours(st->path, err, "it holds tables tunetop did not create");
        if (st->mode == TT_STORE_READ)
            return not_ours(st->path, err, "the file is empty");
    }
    *version_out = version;
    return 0;
}

static int prepare_schema(tt_store *st, long version, tt_error *err)
{
    int rc;
    /* A file claiming an older schema must hold that schema's tables
     * before a migration touches it (the first ones are schema 1's). */
    if (version > 0 && version < TT_STORE_SCHEMA_VERSION &&
        (rc = check_tables(st, SCHEMA_V1_TABLES, err)) != 0)
        return rc;
    if (version < TT_STORE_SCHEMA_VERSION) {
        rc = migrate(st, version, err);
        if (rc != 0)
            return rc;
    }
    return check_tables(st, sizeof required_tables / sizeof required_tables[0], err);
}

/* Create the file ourselves so that it is 0600 whatever the umask: a study
 * holds command lines and parameters that may be private. SQLite gives the
 * -wal and -shm files the database's mode. A study folder's own rule
 * (TUNETOP_SHARED) is the study module's: it creates the file first
 * (tt_study_open_store), and an existing file is left as it is. */
static int create_file(const char *path, tt_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return tt_error_set(err, TT_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    }
    int rc = 0;
    if (fchmod(fd, 0600) != 0)
        rc = tt_error_set(err, TT_ERR_IO, "cannot set the mode of %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

static int open_connection(tt_store *st, tt_error *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    /* A mirror lives in this process's memory only: whatever its path
     * says, no file is opened or created. */
    if (st->mode == TT_STORE_MEMORY)
        flags |= SQLITE_OPEN_MEMORY | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(st->path, &st->db, flags, NULL);
    if (rc != SQLITE_OK && st->mode == TT_STORE_READ) {
        /* A reader of a study it may not write (someone else's runs) can
         * still look; only sending commands will fail. */
        sqlite3_close_v2(st->db);
        st->db = NULL;
        rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
        st->read_only = true;
    }
    if (rc != SQLITE_OK) {
        const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
        return tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", st->path, msg);
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* Readers never wait for the runner (WAL), but a command insert or a
     * migration may wait for the runner's tick to commit. */
    sqlite3_busy_timeout(st->db, 5000);
    return 0;
}

static int configure_writer(tt_store *st, tt_error *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        bool wal = rc == SQLITE_ROW &&
                   strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
        sqlite3_finalize(s);
        if (rc == SQLITE_ROW && !wal)
            return tt_error_set(err, TT_ERR_IO, "cannot put %s in WAL mode", st->path);
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    if ((rc & 0xff) == SQLITE_NOTADB)
        return not_ours(st->path, err, "the file is not an SQLite database");
    if (rc != SQLITE_OK)
        return store_fail(st, rc, err, "cannot open %s", st->path);
    /* In WAL mode NORMAL syncs only at checkpoints: a crash of the runner
     * (even kill -9) loses nothing, since committed frames are in the
     * OS's cache; only a power loss or kernel crash can lose the last
     * transactions since the previous checkpoint, never corrupting the
     * file. FULL would fsync every tick, which the runner cannot afford. */
    return store_exec(st, "PRAGMA synchronous = NORMAL", err, "configure the study database");
}

/* The snapshot reader's way around a full disk: SQLite's WAL readers share
 * an index in study.db-shm, which must be created (and grown) when no
 * runner holds it; in EXCLUSIVE locking mode SQLite keeps that index in
 * the process's own memory instead (sqlite.org/wal.html, "Use of WAL
 * Without Shared-Memory"), so the study reads, WAL frames included. The
 * connection must be read-write for that (a read-only one cannot recover
 * the WAL without the shared index, SQLite 3.40); nothing is written
 * through it (query_only, no checkpoint on close). */
static int reopen_without_shm(tt_store *st, long *version, tt_error *err)
{
    sqlite3_close_v2(st->db);
    st->db = NULL;
    int rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", st->path,
                            st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, 5000);
    /* No checkpoint when it closes (it would take the space trials need),
     * and no write through it at all. */
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    st->read_only = true;
    if (store_exec(st, "PRAGMA locking_mode = EXCLUSIVE", err, "open the study database") != 0 ||
        store_exec(st, "PRAGMA query_only = 1", err, "open the study database") != 0)
        return -TT_ERR_IO;
    return check_version(st, version, err);
}

tt_store *tt_store_open(const char *path, tt_store_mode mode, tt_error *err)
{
    bool snapshot = mode == TT_STORE_SNAPSHOT;
    if (snapshot)
        mode = TT_STORE_READ;
    struct stat sb;
    if (mode == TT_STORE_MEMORY) {
        /* no file to create or look at */
    } else if (mode == TT_STORE_CREATE) {
        if (create_file(path, err) != 0)
            return NULL;
    } else if (stat(path, &sb) != 0) {
        tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    tt_store *st = tt_xcalloc(1, sizeof *st);
    st->path = tt_xstrdup(path);
    st->mode = mode;
    st->first_number = 1;
    long version = 0;
    if (open_connection(st, err) != 0 || check_version(st, &version, err) != 0) {
        tt_error first = {0};
        if (err)
            first = *err;
        if (!snapshot || first.code != TT_ERR_IO || reopen_without_shm(st, &version, err) != 0) {
            if (err)
                *err = first; /* what went wrong in the ordinary way */
            goto fail;
        }
    }
    /* SQLite opens a file it may not write read-only without a word (its
     * mode, another owner, an immutable attribute, a read-only mount): a
     * writer on it failed every write and went on. Refuse it here. */
    if (mode != TT_STORE_READ && sqlite3_db_readonly(st->db, "main") == 1) {
        tt_error_set(err, TT_ERR_IO,
                     "cannot write %s: the file is read-only (its permissions, an immutable "
                     "attribute or a read-only filesystem)",
                     path);
        goto fail;
    }
    /* WAL and synchronous are about a file shared with readers; an
     * in-memory database has neither. */
    if (mode != TT_STORE_READ && mode != TT_STORE_MEMORY && configure_writer(st, err) != 0)
        goto fail;
    if (store_exec(st, "PRAGMA foreign_keys = ON", err, "configure the study database") != 0)
        goto fail;
    if (prepare_schema(st, version, err) != 0)
        goto fail;
    return st;
fail:
    tt_store_close(st);
    return NULL;
}

void tt_store_close(tt_store *st)
{
    if (st == NULL)
        return;
    if (st->db) {
        if (st->depth > 0 || !sqlite3_get_autocommit(st->db))
            tt_store_rollback(st);
        for (int i = 0; i < SQL_COUNT; i++)
            sqlite3_finalize(st->stmts[i]);
        sqlite3_close_v2(st->db);
    }
    store_names_clear(&st->names);
    free(st->path);
    free(st);
}

const char *tt_store_path(const tt_store *st)
{
    return st->path;
}

void tt_store_set_first_number(tt_store *st, long first)
{
    st->first_number = first;
}

long tt_store_shown_number(const tt_store *st, long number)
{
    return number - 1 + st->first_number;
}
