/*
 * store/study — the study-wide rows: the single `study` row (name, state,
 * runner time), the versions of the sweep file in `spaces`, and the latest
 * importance result of each method.
 *
 * None of these is on a hot path, so they use one-off statements; the
 * state is stored as text so that the file reads plainly in the sqlite3
 * shell and survives a reordering of the enum.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const study_state_names[] = {
    [TT_STUDY_RUNNING] = "running",
    [TT_STUDY_PAUSED] = "paused",
    [TT_STUDY_STOPPED] = "stopped",
    [TT_STUDY_FINISHED] = "finished",
};

#define N_STUDY_STATES (sizeof study_state_names / sizeof study_state_names[0])

const char *tt_study_state_name(tt_study_state s)
{
    return (unsigned)s < N_STUDY_STATES ? study_state_names[s] : "unknown";
}

static tt_study_state study_state_parse(const char *text)
{
    for (size_t i = 0; text && i < N_STUDY_STATES; i++)
        if (strcmp(text, study_state_names[i]) == 0)
            return (tt_study_state)i;
    return TT_STUDY_STOPPED;
}

/* Prepare a one-off statement; NULL with err filled on failure. */
static sqlite3_stmt *prepare(tt_store *st, const char *sql, tt_error *err, const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        store_fail(st, rc, err, "cannot %s", what);
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

/* Step a one-off write statement, finalize it, report failures. */
static int run_once(tt_store *st, sqlite3_stmt *s, tt_error *err, const char *what)
{
    int rc = sqlite3_step(s);
    int ret = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = store_fail(st, rc, err, "cannot %s", what);
    sqlite3_finalize(s);
    return ret;
}

int tt_store_init_study(tt_store *st, const char *name, const char *sweep_path,
                        const char *workdir, tt_error *err)
{
    const char *what = "record the study";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    /* Re-initialising (a study re-created from its sweep file) renames it
     * but keeps its history: creation time, state and elapsed time. */
    sqlite3_stmt *s = prepare(st,
                              "INSERT INTO study (id, name, sweep_path, workdir, created_at)"
                              " VALUES (1, ?1, ?2, ?4, ?3) ON CONFLICT (id) DO UPDATE SET"
                              " name = excluded.name, sweep_path = excluded.sweep_path,"
                              " workdir = excluded.workdir",
                              err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    store_bind_text(s, 1, name ? name : "");
    store_bind_text(s, 2, sweep_path);
    sqlite3_bind_double(s, 3, store_now());
    store_bind_text(s, 4, workdir);
    return run_once(st, s, err, what);
}

int tt_store_get_study(tt_store *st, tt_study_info *out, tt_error *err)
{
    const char *what = "read the study";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = prepare(st,
                              "SELECT name, sweep_path, created_at, state, elapsed_s, "
                              "(SELECT COALESCE(MAX(version), 0) FROM spaces), workdir, stop_reason"
                              " FROM study",
                              err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    int rc = sqlite3_step(s);
    int ret = 0;
    if (rc == SQLITE_ROW) {
        out->name = store_column_strdup(s, 0);
        out->sweep_path = store_column_strdup(s, 1);
        out->created_at = sqlite3_column_double(s, 2);
        out->state = study_state_parse((const char *)sqlite3_column_text(s, 3));
        out->elapsed_s = sqlite3_column_double(s, 4);
        out->space_version = (long)sqlite3_column_int64(s, 5);
        out->workdir = store_column_strdup(s, 6);
        out->stop_reason = store_column_strdup(s, 7);
        if (out->name == NULL)
            out->name = tt_xstrdup("");
    } else if (rc == SQLITE_DONE) {
        ret = tt_error_set(err, TT_ERR_INVALID, "%s holds no study yet", st->path);
    } else {
        ret = store_fail(st, rc, err, "cannot %s", what);
    }
    sqlite3_finalize(s);
    return ret;
}

void tt_study_info_clear(tt_study_info *info)
{
    free(info->name);
    free(info->sweep_path);
    free(info->workdir);
    free(info->stop_reason);
    memset(info, 0, sizeof *info);
}

static int update_study(tt_store *st, const char *sql, tt_error *err, const char *what,
                        const char *text, double number)
{
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = prepare(st, sql, err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    if (text)
        store_bind_text(s, 1, text);
    else
        sqlite3_bind_double(s, 1, number);
    rc = sqlite3_step(s);
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, err, "cannot %s", what);
    else if (sqlite3_changes(st->db) == 0)
        ret = tt_error_set(err, TT_ERR_INVALID, "cannot %s: %s holds no study yet", what,
                           st->path);
    sqlite3_finalize(s);
    return ret;
}

int tt_store_set_study_state(tt_store *st, tt_study_state state, tt_error *err)
{
    if ((unsigned)state >= N_STUDY_STATES)
        return tt_error_set(err, TT_ERR_INVALID, "unknown study state %d", (int)state);
    /* A study that runs again has no reason to have stopped. */
    return update_study(st,
                        "UPDATE study SET state = ?1, stop_reason = CASE WHEN ?1 IN"
                        " ('running', 'paused') THEN NULL ELSE stop_reason END",
                        err, "record the study state", study_state_names[state], 0);
}

int tt_store_set_stop_reason(tt_store *st, const char *reason, tt_error *err)
{
    return update_study(st, "UPDATE study SET stop_reason = ?1", err,
                        "record why the study ended", reason ? reason : "", 0);
}

int tt_store_add_elapsed(tt_store *st, double seconds, tt_error *err)
{
    if (!isfinite(seconds))
        return tt_error_set(err, TT_ERR_INVALID, "cannot add a non-finite elapsed time");
    return update_study(st, "UPDATE study SET elapsed_s = elapsed_s + ?1", err,
                        "record the elapsed time", NULL, seconds);
}

long tt_store_add_space(tt_store *st, const char *path, const char *text, tt_error *err)
{
    const char *what = "save the sweep file";
    int rc = store_writable(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = prepare(st,
                              "INSERT INTO spaces (version, created, path, text) VALUES "
                              "((SELECT COALESCE(MAX(version), 0) + 1 FROM spaces), ?1, ?2, ?3)",
                              err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_double(s, 1, store_now());
    store_bind_text(s, 2, path);
    store_bind_text(s, 3, text ? text : "");
    rc = run_once(st, s, err, what);
    return rc != 0 ? rc : (long)sqlite3_last_insert_rowid(st->db);
}

char *tt_store_get_space(tt_store *st, long version, tt_error *err)
{
    const char *what = "read the sweep file";
    sqlite3_stmt *s = prepare(st,
                              version > 0 ? "SELECT text FROM spaces WHERE version = ?1"
                                          : "SELECT text FROM spaces ORDER BY version DESC LIMIT 1",
                              err, what);
    if (s == NULL)
        return NULL;
    if (version > 0)
        sqlite3_bind_int64(s, 1, version);
    int rc = sqlite3_step(s);
    char *text = NULL;
    if (rc == SQLITE_ROW) {
        text = store_column_strdup(s, 0);
        if (text == NULL)
            text = tt_xstrdup("");
    } else if (rc == SQLITE_DONE) {
        if (version > 0)
            tt_error_set(err, TT_ERR_INVALID, "%s has no sweep file version %ld", st->path,
                         version);
        else
            tt_error_set(err, TT_ERR_INVALID, "%s has no sweep file yet", st->path);
    } else {
        store_fail(st, rc, err, "cannot %s", what);
    }
    sqlite3_finalize(s);
    return text;
}

int tt_store_set_importance(tt_store *st, const char *method, long n_trials, size_t n,
                            char *const *params, const double *value, const double *low,
                            const double *high, tt_error *err)
{
    const char *what = "save importance";
    int rc = store_op_begin(st, err, what);
    if (rc != 0)
        return rc;
    sqlite3_stmt *del = prepare(st, "DELETE FROM importance WHERE method = ?1", err, what);
    sqlite3_stmt *ins = del ? prepare(st,
                                      "INSERT INTO importance (method, n_trials, t, param, value,"
                                      " low, high) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                      err, what)
                            : NULL;
    if (ins == NULL) {
        rc = -TT_ERR_IO;
    } else {
        store_bind_text(del, 1, method);
        rc = sqlite3_step(del) == SQLITE_DONE ? 0 : store_fail(st, sqlite3_errcode(st->db), err,
                                                               "cannot %s", what);
        double t = store_now();
        for (size_t i = 0; rc == 0 && i < n; i++) {
            store_bind_text(ins, 1, method);
            sqlite3_bind_int64(ins, 2, n_trials);
            sqlite3_bind_double(ins, 3, t);
            store_bind_text(ins, 4, params[i]);
            store_bind_double(ins, 5, value[i]);
            store_bind_double(ins, 6, low ? low[i] : NAN);
            store_bind_double(ins, 7, high ? high[i] : NAN);
            rc = store_step_done(st, ins, err, "cannot %s of '%s'", what, params[i]);
        }
    }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return store_op_end(st, rc, err);
}

int tt_store_get_importance(tt_store *st, const char *method, tt_importance *out,
                            tt_error *err)
{
    const char *what = "read importance";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = prepare(st,
                              "SELECT n_trials, t, param, value, low, high FROM importance "
                              "WHERE method = ?1 ORDER BY value DESC, param",
                              err, what);
    if (s == NULL)
        return -TT_ERR_IO;
    store_bind_text(s, 1, method);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_grow((void **)&out->params, &cap, out->n + 1, sizeof *out->params);
        out->value = tt_xrealloc(out->value, cap * sizeof *out->value);
        out->low = tt_xrealloc(out->low, cap * sizeof *out->low);
        out->high = tt_xrealloc(out->high, cap * sizeof *out->high);
        out->n_trials = (long)sqlite3_column_int64(s, 0);
        out->t = sqlite3_column_double(s, 1);
        out->params[out->n] = store_column_strdup(s, 2);
        out->value[out->n] = store_column_double(s, 3);
        out->low[out->n] = store_column_double(s, 4);
        out->high[out->n] = store_column_double(s, 5);
        out->n++;
    }
    int ret = 0;
    if (rc != SQLITE_DONE) {
        ret = store_fail(st, rc, err, "cannot %s", what);
        tt_importance_clear(out);
    }
    sqlite3_finalize(s);
    return ret;
}

void tt_importance_clear(tt_importance *imp)
{
    for (size_t i = 0; i < imp->n; i++)
        free(imp->params[i]);
    free(imp->params);
    free(imp->value);
    free(imp->low);
    free(imp->high);
    memset(imp, 0, sizeof *imp);
}
