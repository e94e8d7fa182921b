/*
 * optuna/file — an Optuna SQLite file opened read-only: the target's
 * forms (a path, SQLAlchemy's sqlite:///PATH), telling an Optuna database
 * from any other by its tables, the schema revision (alembic_version), the
 * studies in it, and opening one study with its mirror.
 *
 * Revisions: Optuna's schema is versioned by alembic. Every Optuna from
 * 3.0 to 4.x writes one of the two revisions below (docs/algorithms.md
 * §8): v3.0.0.d added trial_values.value_type (which this reader needs to
 * tell a value from an infinity), v3.2.0.a only an index. Older files are
 * upgraded by Optuna itself (`optuna storage upgrade`), which we must not
 * do: we never write. A newer revision may have changed what we read, so
 * it is refused with the list of those we know.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static const char *const known_revisions[] = {"v3.0.0.d", "v3.2.0.a"};
#define N_KNOWN (sizeof known_revisions / sizeof known_revisions[0])

char *tt_optuna_file(const char *target)
{
    /* sqlite:///rel/path and sqlite:////abs/path, as SQLAlchemy reads them */
    if (strncmp(target, "sqlite:///", 10) == 0)
        return tt_xstrdup(target + 10);
    return tt_xstrdup(target);
}

int opt_fail(sqlite3 *db, int rc, const char *path, tt_error *err)
{
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return tt_error_set(err, TT_ERR_IO, "cannot read %s: the file stayed locked by its "
                            "writer; try again", path);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return tt_error_set(err, TT_ERR_INVALID, "%s is neither a tunetop study nor an Optuna "
                            "database (it is not an SQLite file)", path);
    return tt_error_set(err, TT_ERR_IO, "cannot read %s: %s", path,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static sqlite3 *open_ro(const char *path, tt_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        tt_error_set(err, TT_ERR_INVALID, "%s is not a file", path);
        return NULL;
    }
    sqlite3 *db = NULL;
    /* READONLY: SQLite then never writes the file, nor creates a journal
     * beside it; a reader needs neither. */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        opt_fail(db, rc, path, err);
        sqlite3_close_v2(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, OPT_BUSY_MS);
    return db;
}

/* How many of the named tables exist; -1 when the file cannot be read
 * as a database (rc in *rc_out). */
static int count_tables(sqlite3 *db, const char *const *names, size_t n, int *rc_out)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                        "name = ?1", -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(s, 1, names[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc == SQLITE_ROW)
            found++;
        else if (rc != SQLITE_DONE) {
            *rc_out = rc;
            return -1;
        }
    }
    return found;
}

static const char *const optuna_tables[] = {"studies", "trials", "trial_params"};
static const char *const version_tables[] = {"alembic_version", "version_info"};

/* 1 when db has Optuna's tables, 0 when not, negative (err) when it
 * cannot be read. */
static int has_optuna_tables(sqlite3 *db, const char *path, tt_error *err)
{
    int rc = SQLITE_OK;
    int core = count_tables(db, optuna_tables, 3, &rc);
    int versions = core >= 0 ? count_tables(db, version_tables, 2, &rc) : -1;
    if (core < 0 || versions < 0)
        return opt_fail(db, rc, path, err);
    return core == 3 && versions > 0;
}

bool tt_optuna_is_db(const char *path)
{
    sqlite3 *db = open_ro(path, NULL);
    if (!db)
        return false;
    int yes = has_optuna_tables(db, path, NULL);
    sqlite3_close_v2(db);
    return yes == 1;
}

/* The alembic revision, checked against those we know. */
static int check_revision(sqlite3 *db, const char *path, tt_error *err)
{
    sqlite3_stmt *s = NULL;
    char *rev = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT version_num FROM alembic_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW && sqlite3_column_text(s, 0))
        rev = tt_xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && (rc & 0xff) != SQLITE_ERROR)
        return opt_fail(db, rc, path, err);
    for (size_t i = 0; rev && i < N_KNOWN; i++)
        if (strcmp(rev, known_revisions[i]) == 0) {
            free(rev);
            return 0;
        }
    tt_buf known = {0};
    for (size_t i = 0; i < N_KNOWN; i++)
        tt_buf_printf(&known, "%s%s", i ? ", " : "", known_revisions[i]);
    char *list = tt_buf_take(&known);
    int ret = tt_error_set(err, TT_ERR_UNSUPPORTED,
                           "%s is an Optuna database of schema revision %s, which this tunetop "
                           "does not read (it knows %s: Optuna 3.0 to 4.x; `optuna storage "
                           "upgrade --storage sqlite:///%s` brings an older file up to date)",
                           path, rev ? rev : "(none recorded)", list, path);
    free(list);
    free(rev);
    return ret;
}

sqlite3 *opt_open_file(const char *path, tt_error *err)
{
    sqlite3 *db = open_ro(path, err);
    if (!db)
        return NULL;
    int rc = has_optuna_tables(db, path, err);
    if (rc == 0)
        tt_error_set(err, TT_ERR_INVALID,
                     "%s is neither a tunetop study nor an Optuna database (it has no "
                     "'studies', 'trials' and 'trial_params' tables)", path);
    if (rc != 1 || check_revision(db, path, err) < 0) {
        sqlite3_close_v2(db);
        return NULL;
    }
    return db;
}

void tt_optuna_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int list_studies(sqlite3 *db, const char *path, char ***names, int64_t **ids, size_t *n,
                        tt_error *err)
{
    *names = NULL;
    *ids = NULL;
    *n = 0;
    size_t cap = 0, cap_ids = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT study_id, study_name FROM studies ORDER BY study_id",
                                -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        rc = SQLITE_OK; /* the next row */
        tt_grow((void **)names, &cap, *n + 1, sizeof **names);
        tt_grow((void **)ids, &cap_ids, *n + 1, sizeof **ids);
        const char *name = (const char *)sqlite3_column_text(s, 1);
        (*ids)[*n] = sqlite3_column_int64(s, 0);
        (*names)[(*n)++] = tt_xstrdup(name ? name : "");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        tt_optuna_names_free(*names, *n);
        free(*ids);
        *names = NULL;
        *ids = NULL;
        *n = 0;
        return opt_fail(db, rc, path, err);
    }
    return 0;
}

int tt_optuna_studies(const char *path, char ***names, size_t *n, tt_error *err)
{
    *names = NULL;
    *n = 0;
    sqlite3 *db = opt_open_file(path, err);
    if (!db)
        return -TT_ERR_INVALID;
    int64_t *ids = NULL;
    int rc = list_studies(db, path, names, &ids, n, err);
    free(ids);
    sqlite3_close_v2(db);
    return rc;
}

static char *name_list(char **names, size_t n)
{
    tt_buf b = {0};
    for (size_t i = 0; i < n; i++)
        tt_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    return tt_buf_take(&b);
}

/* The study's id by name (NULL: the only one). */
static int choose_study(tt_optuna *o, const char *want, tt_error *err)
{
    char **names = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = list_studies(o->db, o->path, &names, &ids, &n, err);
    if (rc < 0)
        return rc;
    size_t pick = n;
    for (size_t i = 0; want && i < n; i++)
        if (strcmp(names[i], want) == 0)
            pick = i;
    if (n == 0)
        rc = tt_error_set(err, TT_ERR_INVALID, "%s is an Optuna database without studies",
                          o->path);
    else if (!want && n == 1)
        pick = 0;
    if (rc == 0 && pick == n) {
        char *list = name_list(names, n);
        if (want)
            rc = tt_error_set(err, TT_ERR_INVALID, "%s has no Optuna study named '%s'; its "
                              "studies: %s", o->path, want, list);
        else
            rc = tt_error_set(err, TT_ERR_INVALID, "%s holds %zu Optuna studies: %s; choose one "
                              "with --study NAME", o->path, n, list);
        free(list);
    }
    if (rc == 0) {
        o->study = tt_xstrdup(names[pick]);
        o->study_id = ids[pick];
    }
    tt_optuna_names_free(names, n);
    free(ids);
    return rc;
}

tt_optuna *tt_optuna_open(const char *path, const char *study, tt_error *err)
{
    tt_optuna *o = tt_xcalloc(1, sizeof *o);
    o->path = tt_xstrdup(path);
    o->goal = TT_GOAL_MINIMIZE;
    o->n_objectives = 1;
    if (!(o->db = opt_open_file(path, err)) || choose_study(o, study, err) < 0)
        goto fail;
    o->mirror = tt_store_open(":memory:", TT_STORE_MEMORY, err);
    if (!o->mirror)
        goto fail;
    tt_store_set_first_number(o->mirror, 0);
    if (tt_store_init_study(o->mirror, o->study, path, NULL, err) < 0)
        goto fail;
    /* The first read may meet a writer's commit in progress: wait a little
     * longer for it than the polls do. */
    sqlite3_busy_timeout(o->db, OPT_FIRST_SYNC_MS);
    int rc = opt_sync(o, err);
    sqlite3_busy_timeout(o->db, OPT_BUSY_MS);
    if (rc < 0)
        goto fail;
    return o;
fail:
    tt_optuna_close(o);
    return NULL;
}

void tt_optuna_close(tt_optuna *o)
{
    if (!o)
        return;
    if (o->db)
        sqlite3_close_v2(o->db);
    tt_store_close(o->mirror);
    opt_space_free(&o->space);
    for (size_t i = 0; i < o->n_attrs; i++)
        free(o->attrs[i]);
    free(o->attrs);
    free(o->open);
    free(o->path);
    free(o->study);
    free(o->metric);
    free(o);
}

int tt_optuna_sync(tt_optuna *o, tt_error *err)
{
    return opt_sync(o, err);
}

tt_store *tt_optuna_store(tt_optuna *o)
{
    return o->mirror;
}

const char *tt_optuna_path(const tt_optuna *o)
{
    return o->path;
}

const char *tt_optuna_study_name(const tt_optuna *o)
{
    return o->study;
}

const char *tt_optuna_metric(const tt_optuna *o)
{
    return o->metric ? o->metric : "value";
}

tt_goal tt_optuna_goal(const tt_optuna *o)
{
    return o->goal;
}

int tt_optuna_objectives(const tt_optuna *o)
{
    return o->n_objectives;
}
