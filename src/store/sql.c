/*
 * store/sql — the plumbing every store file uses: cached statements,
 * transactions (tt_store_begin/commit nest by counting, multi-statement
 * operations use savepoints inside them), and error messages.
 *
 * A failure must tell the user what was being done and why, in their words:
 * "cannot add metric for trial 3: disk full while writing runs/x/study.db".
 * When SQLite abandons a transaction on its own (a full disk, an I/O error),
 * every later write of that transaction is refused with the first cause
 * until the caller rolls back, so no write can slip into autocommit mode and
 * land without the rest of its tick.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

sqlite3_stmt *store_stmt(tt_store *st, store_sql id, const char *sql, tt_error *err,
                         const char *what)
{
    if (st->stmts[id])
        return st->stmts[id];
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[id], NULL);
    if (rc != SQLITE_OK) {
        store_fail(st, rc, err, "cannot %s", what);
        st->stmts[id] = NULL;
        return NULL;
    }
    return st->stmts[id];
}

static off_t file_size(const char *path, const char *suffix)
{
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &sb) == 0 ? sb.st_size : 0;
}

/* Why a write failed, when the cause is a full disk, quota or file size
 * limit: SQLite reports a short write as SQLITE_FULL but a refused one
 * (ENOSPC, EDQUOT, EFBIG) as an I/O error, and its saved errno is often
 * overwritten by the time it returns, so look at the disk and the limit. */
static bool disk_full(tt_store *st, int rc, char *why, size_t n)
{
    int sys_errno = sqlite3_system_errno(st->db);
    bool full = (rc & 0xff) == SQLITE_FULL || sys_errno == ENOSPC || sys_errno == EDQUOT;
    if (!full && (rc & 0xff) != SQLITE_IOERR)
        return false;
    off_t largest = file_size(st->path, "");
    off_t wal = file_size(st->path, "-wal");
    if (wal > largest)
        largest = wal;
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (sys_errno == EFBIG || (rlim_t)largest + 65536 >= rl.rlim_cur)) {
        snprintf(why, n,
                 "disk full while writing %s (the file size limit, ulimit -f, is %llu bytes)",
                 st->path, (unsigned long long)rl.rlim_cur);
        return true;
    }
    if (!full) {
        char folder[4096];
        snprintf(folder, sizeof folder, "%s", st->path);
        char *slash = strrchr(folder, '/');
        if (slash == NULL)
            snprintf(folder, sizeof folder, ".");
        else
            slash[slash == folder] = '\0';
        struct statvfs vfs;
        full = statvfs(folder, &vfs) == 0 &&
               (unsigned long long)vfs.f_bavail * vfs.f_frsize < 1024ULL * 1024;
    }
    if (full)
        snprintf(why, n, "disk full while writing %s", st->path);
    return full;
}

static int describe(tt_store *st, int rc, char *why, size_t n)
{
    if (disk_full(st, rc, why, n))
        return TT_ERR_IO;
    const char *msg = sqlite3_errmsg(st->db);
    if ((rc & 0xff) == SQLITE_READONLY && st->read_only)
        snprintf(why, n, "%s is open read-only (%s)", st->path, msg);
    else if ((rc & 0xff) == SQLITE_BUSY)
        snprintf(why, n, "%s is locked by another process (%s)", st->path, msg);
    else
        snprintf(why, n, "%s", msg);
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return TT_ERR_INVALID;
    case SQLITE_NOMEM:
        return TT_ERR_NOMEM;
    default:
        return TT_ERR_IO;
    }
}

int store_fail(tt_store *st, int rc, tt_error *err, const char *fmt, ...)
{
    char what[512], why[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int code = describe(st, rc, why, sizeof why);
    /* SQLite rolls the whole transaction back after some errors; remember
     * why so the rest of the tick's writes and the commit can say so. */
    if (st->depth > 0 && sqlite3_get_autocommit(st->db) && st->tx_error[0] == '\0')
        snprintf(st->tx_error, sizeof st->tx_error, "%s", why);
    /* A file that became read-only under a writer (chmod, chattr +i, a
     * remount) refuses every write from now on, but SQLite keeps the
     * transaction open and its commit of nothing succeeds: the runner went
     * on failing one write after another, logging six times a second, for
     * ever. Abandon the transaction, so its commit fails and the writer
     * stops with the cause. */
    if (st->depth > 0 && (rc & 0xff) == SQLITE_READONLY && !st->read_only) {
        tt_error e = {0};
        tt_error_set(&e, code, "%s is read-only (%s)", st->path, sqlite3_errmsg(st->db));
        store_abandon(st, &e);
    }
    return tt_error_set(err, code, "%s: %s", what, why);
}

int store_step_done(tt_store *st, sqlite3_stmt *s, tt_error *err, const char *fmt, ...)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(s);
        return 0;
    }
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int ret = store_fail(st, rc, err, "%s", what);
    sqlite3_reset(s);
    return ret;
}

int store_exec(tt_store *st, const char *sql, tt_error *err, const char *what)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, err, "cannot %s", what);
    return 0;
}

int store_writable(tt_store *st, tt_error *err, const char *what)
{
    if (st->mode == TT_STORE_READ)
        return tt_error_set(err, TT_ERR_INVALID,
                            "cannot %s: %s is open for reading (only the runner writes it)",
                            what, st->path);
    if (st->depth > 0 && sqlite3_get_autocommit(st->db))
        return tt_error_set(err, TT_ERR_IO,
                            "cannot %s: the transaction was rolled back after an error (%s)",
                            what, st->tx_error[0] ? st->tx_error : "unknown");
    return 0;
}

int tt_store_begin(tt_store *st, tt_error *err)
{
    if (st->depth > 0) {
        if (sqlite3_get_autocommit(st->db))
            return store_writable(st, err, "begin a transaction");
        st->depth++;
        return 0;
    }
    st->tx_error[0] = '\0';
    /* The writer takes the write lock up front: a deferred transaction that
     * reads first could find its snapshot stale when it comes to write
     * (SQLITE_BUSY_SNAPSHOT, which no timeout cures). Readers only want a
     * consistent snapshot. */
    const char *sql = st->mode == TT_STORE_READ ? "BEGIN" : "BEGIN IMMEDIATE";
    int rc = store_exec(st, sql, err, "begin a transaction");
    if (rc == 0)
        st->depth = 1;
    return rc;
}

int tt_store_commit(tt_store *st, tt_error *err)
{
    if (st->depth == 0)
        return tt_error_set(err, TT_ERR_INVALID, "cannot commit: no transaction is open");
    if (sqlite3_get_autocommit(st->db)) {
        int ret = tt_error_set(err, TT_ERR_IO,
                               "cannot commit: the transaction was rolled back after an error (%s)",
                               st->tx_error[0] ? st->tx_error : "unknown");
        st->depth = 0;
        store_tx_forget(st);
        return ret;
    }
    if (--st->depth > 0)
        return 0;
    /* The tick's last metric points are still in memory. */
    int ret = store_metrics_flush(st, err);
    if (ret != 0) {
        st->depth = 0; /* store_metrics_flush abandoned the transaction */
        return ret;
    }
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    ret = store_fail(st, rc, err, "cannot commit the transaction");
    /* A failed COMMIT may leave the transaction open: undo it, so the file
     * holds the previous tick's state and the next begin starts clean. */
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    store_tx_forget(st);
    return ret;
}

int tt_store_rollback(tt_store *st)
{
    st->depth = 0;
    st->tx_error[0] = '\0';
    store_tx_forget(st);
    if (sqlite3_get_autocommit(st->db))
        return 0;
    return sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK ? 0 : -TT_ERR_IO;
}

void store_abandon(tt_store *st, const tt_error *err)
{
    if (st->tx_error[0] == '\0')
        snprintf(st->tx_error, sizeof st->tx_error, "%.*s", (int)sizeof st->tx_error - 1,
                 err && err->msg[0] ? err->msg : "a write failed");
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    store_tx_forget(st);
}

int store_op_begin(tt_store *st, tt_error *err, const char *what)
{
    int rc = store_writable(st, err, what);
    if (rc == 0)
        rc = tt_store_begin(st, err);
    if (rc != 0)
        return rc;
    rc = store_exec(st, "SAVEPOINT tt_op", err, what);
    if (rc != 0) {
        if (st->depth == 1)
            tt_store_rollback(st);
        else
            st->depth--;
    }
    return rc;
}

int store_op_end(tt_store *st, int rc, tt_error *err)
{
    if (rc == 0 && sqlite3_exec(st->db, "RELEASE tt_op", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(st, sqlite3_errcode(st->db), err, "cannot save changes to %s", st->path);
    if (rc == 0)
        return tt_store_commit(st, err);
    if (st->depth == 1) {
        tt_store_rollback(st);
    } else {
        if (!sqlite3_get_autocommit(st->db)) {
            sqlite3_exec(st->db, "ROLLBACK TO tt_op", NULL, NULL, NULL);
            sqlite3_exec(st->db, "RELEASE tt_op", NULL, NULL, NULL);
        }
        st->depth--;
    }
    return rc;
}

bool store_read_begin(tt_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        return false;
    return sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void store_read_end(tt_store *st, bool opened)
{
    if (opened && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_bind_double(sqlite3_stmt *s, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
}

double store_column_double(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
    return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

char *store_column_strdup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? tt_xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i)) : NULL;
}

double store_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void store_iso8601(double t, char *buf, size_t n)
{
    time_t secs = (time_t)floor(t);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "%.0f", t);
}
