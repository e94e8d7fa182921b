/*
 * diag — the diagnostics a sweep file produces: collected (never printed
 * here, the CLI decides), kept in file order so that a user reads them top
 * to bottom, and phrased uniformly as "expected …, found …" with a "did you
 * mean" for misspelt keys and names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool before(const tt_diag *a, int line, int col)
{
    return a->line < line || (a->line == line && a->col <= col);
}

static void diags_vadd(tt_diags *d, tt_severity sev, const char *file, int line, int col,
                       const char *path, const char *fmt, va_list ap)
{
    tt_grow((void **)&d->items, &d->cap, d->n + 1, sizeof(tt_diag));
    /* Stable insertion after every diag at or before this position, so the
     * list stays in file order whatever order the checks ran in. Diags of
     * an earlier file (a caller may share diags across loads) stay first. */
    size_t at = d->n;
    const char *f = file ? file : "";
    while (at > 0 && strcmp(d->items[at - 1].file, f) == 0 && !before(&d->items[at - 1], line, col))
        at--;
    memmove(&d->items[at + 1], &d->items[at], (d->n - at) * sizeof(tt_diag));
    d->items[at] = (tt_diag){
        .severity = sev,
        .file = tt_xstrdup(f),
        .line = line,
        .col = col,
        .path = tt_xstrdup(path ? path : ""),
        .message = tt_xvasprintf(fmt, ap),
    };
    d->n++;
    if (sev == TT_DIAG_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
}

void tt_diags_add(tt_diags *d, tt_severity sev, const char *file, int line, int col,
                  const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diags_vadd(d, sev, file, line, col, path, fmt, ap);
    va_end(ap);
}

void tt_diags_print(const tt_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const tt_diag *g = &d->items[i];
        const char *sev = g->severity == TT_DIAG_ERROR ? "error" : "warning";
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: %s: ", g->file, g->line, g->col, sev);
        else
            fprintf(out, "%s: %s: ", g->file, sev);
        /* Paths and messages quote the file's own text: control bytes in
         * it must not reach the terminal (a title-setting escape, say). */
        if (g->path[0]) {
            char *path = tt_text_printable(g->path, strlen(g->path));
            fprintf(out, "%s: ", path);
            free(path);
        }
        char *msg = tt_text_printable(g->message, strlen(g->message));
        fprintf(out, "%s\n", msg);
        free(msg);
    }
}

void tt_diags_free(tt_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].path);
        free(d->items[i].message);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

static void ctx_add(cfg_ctx *c, tt_severity sev, const cfg_node *at, const char *path,
                    const char *fmt, va_list ap)
{
    diags_vadd(c->diags, sev, c->file, at ? at->line : 0, at ? at->col : 0, path, fmt, ap);
}

void cfg_error(cfg_ctx *c, const cfg_node *at, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_add(c, TT_DIAG_ERROR, at, path, fmt, ap);
    va_end(ap);
}

void cfg_warn(cfg_ctx *c, const cfg_node *at, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_add(c, TT_DIAG_WARNING, at, path, fmt, ap);
    va_end(ap);
}

const char *cfg_found(const cfg_node *n, char *buf, size_t size)
{
    if (!n)
        return "nothing";
    if (n->kind == CFG_MAP)
        return "a mapping";
    if (n->kind == CFG_SEQ)
        return "a list";
    if (n->plain && n->len == 0)
        return "nothing";
    /* Long scalars are cut: the position already says where they are. */
    if (n->len > 60)
        snprintf(buf, size, "'%.57s...'", n->text);
    else
        snprintf(buf, size, "'%s'", n->text);
    return buf;
}

void cfg_expected(cfg_ctx *c, const cfg_node *n, const char *path, const char *what)
{
    char buf[80];
    cfg_error(c, n, path, "expected %s, found %s", what, cfg_found(n, buf, sizeof buf));
}

char *cfg_path(const char *base, const char *key)
{
    if (!base || !base[0])
        return tt_xstrdup(key);
    return tt_xasprintf("%s.%s", base, key);
}

const char *cfg_suggest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    /* Close enough: at most 2 edits, or a third of the word for long ones,
     * and never a total rewrite of a short word. */
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = tt_edit_distance(word, cands[i]);
        if (d <= limit && d < len && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static bool in_list(const char *word, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(word, list[i]) == 0)
            return true;
    return false;
}

void cfg_check_keys(cfg_ctx *c, const cfg_node *map, const char *path,
                    const char *const *known, const char *const *ignored)
{
    size_t n_known = 0;
    while (known[n_known])
        n_known++;
    for (size_t i = 0; i < map->n_pairs; i++) {
        const cfg_node *k = map->pairs[i].key;
        if (k->kind != CFG_SCALAR) {
            cfg_expected(c, k, path, "a key name");
            continue;
        }
        if (in_list(k->text, known) || in_list(k->text, ignored))
            continue;
        char *p = cfg_path(path, k->text);
        const char *s = cfg_suggest(k->text, known, n_known);
        if (s)
            cfg_warn(c, k, p, "unknown key '%s' (did you mean '%s'?)", k->text, s);
        else
            cfg_warn(c, k, p, "unknown key '%s'", k->text);
        free(p);
    }
}
