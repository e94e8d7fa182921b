/*
 * store/names — metric names as small integer ids (table metric_names).
 *
 * A metric point stores name_id, not the name: the row is smaller and
 * nothing compares text per point (bench/store: 8-10 % of the insert cost,
 * and a 10 % smaller file). Each connection keeps the names it has met in
 * a hash table both ways, name → id for tt_store_add_metric and id → name
 * for readers, so the hot path does no SQL for a known name; a miss costs
 * one indexed SELECT (and, for a new name, one INSERT in the writer's
 * transaction).
 *
 * Ids only ever come from committed rows or from the open transaction of
 * this connection, and no row of metric_names is ever changed or deleted,
 * so a cached pair stays right forever, except that a rolled-back
 * transaction takes its new names (and their ids, which SQLite hands out
 * again) with it: store_names_clear on every rollback drops the cache,
 * which then refills on demand.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32);
}

void store_names_clear(store_names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->entries[i].name);
    free(nm->entries);
    free(nm->by_name);
    free(nm->by_id);
    memset(nm, 0, sizeof *nm);
}

/* Rebuild both slot tables for cap slots (a power of two). */
static void rehash(store_names *nm, size_t cap)
{
    free(nm->by_name);
    free(nm->by_id);
    nm->by_name = tt_xcalloc(cap, sizeof *nm->by_name);
    nm->by_id = tt_xcalloc(cap, sizeof *nm->by_id);
    nm->cap = cap;
    size_t mask = cap - 1;
    for (size_t e = 0; e < nm->n; e++) {
        size_t i = nm->entries[e].hash & mask;
        while (nm->by_name[i])
            i = (i + 1) & mask;
        nm->by_name[i] = (uint32_t)e + 1;
        i = hash_id(nm->entries[e].id) & mask;
        while (nm->by_id[i])
            i = (i + 1) & mask;
        nm->by_id[i] = (uint32_t)e + 1;
    }
}

static const store_name *add_entry(store_names *nm, const char *name, uint32_t h, int64_t id)
{
    tt_grow((void **)&nm->entries, &nm->entries_cap, nm->n + 1, sizeof *nm->entries);
    size_t e = nm->n++;
    nm->entries[e] = (store_name){tt_xstrdup(name), h, id};
    if (2 * nm->n > nm->cap) {
        rehash(nm, nm->cap ? 2 * nm->cap : 16); /* places every entry, e too */
        return &nm->entries[e];
    }
    size_t mask = nm->cap - 1;
    size_t i = h & mask;
    while (nm->by_name[i])
        i = (i + 1) & mask;
    nm->by_name[i] = (uint32_t)e + 1;
    i = hash_id(id) & mask;
    while (nm->by_id[i])
        i = (i + 1) & mask;
    nm->by_id[i] = (uint32_t)e + 1;
    return &nm->entries[e];
}

static const store_name *find_name(const store_names *nm, const char *name, uint32_t h)
{
    if (nm->cap == 0)
        return NULL;
    size_t mask = nm->cap - 1;
    for (size_t i = h & mask; nm->by_name[i]; i = (i + 1) & mask) {
        const store_name *e = &nm->entries[nm->by_name[i] - 1];
        if (e->hash == h && strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

static const store_name *find_id(const store_names *nm, int64_t id)
{
    if (nm->cap == 0)
        return NULL;
    size_t mask = nm->cap - 1;
    for (size_t i = hash_id(id) & mask; nm->by_id[i]; i = (i + 1) & mask) {
        const store_name *e = &nm->entries[nm->by_id[i] - 1];
        if (e->id == id)
            return e;
    }
    return NULL;
}

int64_t store_name_id(tt_store *st, const char *name, tt_error *err)
{
    uint32_t h = hash_name(name);
    const store_name *e = find_name(&st->names, name, h);
    if (e)
        return e->id;
    sqlite3_stmt *s = store_stmt(st, SQL_NAME_FIND, "SELECT id FROM metric_names WHERE name = ?1",
                                 err, "add metrics");
    if (s == NULL)
        return -TT_ERR_IO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        int ret = store_fail(st, rc, err, "cannot add metric '%s'", name);
        sqlite3_reset(s);
        return ret;
    }
    sqlite3_reset(s);
    if (id == 0) {
        s = store_stmt(st, SQL_NAME_ADD, "INSERT INTO metric_names (name) VALUES (?1)", err,
                       "add metrics");
        if (s == NULL)
            return -TT_ERR_IO;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int ret = store_step_done(st, s, err, "cannot add metric '%s'", name);
        if (ret != 0)
            return ret;
        id = sqlite3_last_insert_rowid(st->db);
    }
    return add_entry(&st->names, name, h, id)->id;
}

const char *store_name_of(tt_store *st, int64_t id, tt_error *err)
{
    const store_name *e = find_id(&st->names, id);
    if (e)
        return e->name;
    sqlite3_stmt *s = store_stmt(st, SQL_NAME_OF, "SELECT name FROM metric_names WHERE id = ?1",
                                 err, "read metrics");
    if (s == NULL)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    const char *name = NULL;
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        text = text ? text : "";
        name = add_entry(&st->names, text, hash_name(text), id)->name;
    } else if (rc == SQLITE_DONE) {
        tt_error_set(err, TT_ERR_INVALID, "cannot read metrics: %s has no metric name %lld",
                     st->path, (long long)id);
    } else {
        store_fail(st, rc, err, "cannot read metric names");
    }
    sqlite3_reset(s);
    return name;
}
