/*
 * store/commands — the mailbox from the dashboard and CLI to the runner.
 *
 * This is the one table readers write: a reader inserts a row, the runner
 * picks up every row not yet acknowledged (acked_at IS NULL, oldest first)
 * on its next tick, acts, and acknowledges it with a result. A reader's
 * insert waits (busy timeout) while the runner commits a tick; it never
 * fails for that alone.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int64_t tt_store_add_command(tt_store *st, const char *kind, const char *arg, tt_error *err)
{
    if (kind == NULL || kind[0] == '\0')
        return tt_error_set(err, TT_ERR_INVALID, "cannot send a command without a kind");
    sqlite3_stmt *s = store_stmt(st, SQL_ADD_COMMAND,
                                 "INSERT INTO commands (t, kind, arg) VALUES (?1, ?2, ?3)", err,
                                 "send a command");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_double(s, 1, store_now());
    store_bind_text(s, 2, kind);
    store_bind_text(s, 3, arg);
    int rc = store_step_done(st, s, err, "cannot send command '%s' to the runner", kind);
    return rc != 0 ? rc : (int64_t)sqlite3_last_insert_rowid(st->db);
}

int tt_store_pending_commands(tt_store *st, tt_command **cmds, size_t *n, tt_error *err)
{
    *cmds = NULL;
    *n = 0;
    sqlite3_stmt *s = store_stmt(st, SQL_PENDING_COMMANDS,
                                 "SELECT id, t, kind, arg FROM commands"
                                 " WHERE acked_at IS NULL ORDER BY id",
                                 err, "read commands");
    if (s == NULL)
        return -TT_ERR_IO;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tt_grow((void **)cmds, &cap, *n + 1, sizeof **cmds);
        tt_command *c = &(*cmds)[(*n)++];
        c->id = sqlite3_column_int64(s, 0);
        c->t = sqlite3_column_double(s, 1);
        c->kind = store_column_strdup(s, 2);
        c->arg = store_column_strdup(s, 3);
        if (c->kind == NULL)
            c->kind = tt_xstrdup("");
    }
    int ret = 0;
    if (rc != SQLITE_DONE) {
        ret = store_fail(st, rc, err, "cannot read commands");
        tt_command_list_free(*cmds, *n);
        *cmds = NULL;
        *n = 0;
    }
    sqlite3_reset(s);
    return ret;
}

void tt_command_list_free(tt_command *cmds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cmds[i].kind);
        free(cmds[i].arg);
    }
    free(cmds);
}

int tt_store_ack_command(tt_store *st, int64_t id, const char *result, tt_error *err)
{
    int rc = store_writable(st, err, "acknowledge a command");
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SQL_ACK_COMMAND,
                                 "UPDATE commands SET acked_at = ?2, result = ?3"
                                 " WHERE id = ?1 AND acked_at IS NULL",
                                 err, "acknowledge a command");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_double(s, 2, store_now());
    store_bind_text(s, 3, result ? result : "ok");
    rc = store_step_done(st, s, err, "cannot acknowledge command %lld", (long long)id);
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        return tt_error_set(err, TT_ERR_INVALID,
                            "cannot acknowledge command %lld: no such pending command",
                            (long long)id);
    return rc;
}

int tt_store_get_command_result(tt_store *st, int64_t id, char **result, tt_error *err)
{
    *result = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT acked_at IS NOT NULL, result FROM commands"
                                        " WHERE id = ?1", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return store_fail(st, rc, err, "cannot read command %lld", (long long)id);
    }
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    int ret;
    if (rc == SQLITE_ROW) {
        ret = 0;
        if (sqlite3_column_int(s, 0)) {
            *result = store_column_strdup(s, 1);
            if (*result == NULL)
                *result = tt_xstrdup("");
        }
    } else if (rc == SQLITE_DONE) {
        ret = tt_error_set(err, TT_ERR_INVALID, "%s has no command %lld", st->path,
                           (long long)id);
    } else {
        ret = store_fail(st, rc, err, "cannot read command %lld", (long long)id);
    }
    sqlite3_finalize(s);
    return ret;
}
