/*
 * yaml_edit — minimal edits of a sweep file's text, located through the
 * node tree of cfg_parse: where a node starts (libyaml counts columns in
 * code points), the bytes a scalar or a flow collection spans, the lines a
 * block entry spans, and a list of replacements applied at once. The
 * config module has no YAML writer on purpose: a user's file keeps its
 * comments, order and quoting when a command (tunetop narrow) changes one
 * parameter, so only the bytes of that parameter's mapping are rewritten.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Byte offset of line/col (1-based, col in code points); len when past it. */
size_t cfg_text_offset(const char *text, size_t len, int line, int col)
{
    size_t at = 0;
    for (int l = 1; l < line && at < len; at++)
        if (text[at] == '\n')
            l++;
    for (int c = 1; c < col && at < len && text[at] != '\n'; c++) {
        at++;
        while (at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
            at++;
    }
    return at;
}

size_t cfg_line_start(const char *text, size_t at)
{
    while (at > 0 && text[at - 1] != '\n')
        at--;
    return at;
}

/* The offset just past the newline ending the line holding at. */
size_t cfg_next_line(const char *text, size_t len, size_t at)
{
    while (at < len && text[at] != '\n')
        at++;
    return at < len ? at + 1 : len;
}

/* End of a quoted scalar starting at at (the quote), past the closing one. */
static size_t quoted_end(const char *text, size_t len, size_t at)
{
    char q = text[at++];
    while (at < len) {
        if (q == '"' && text[at] == '\\' && at + 1 < len) {
            at += 2;
        } else if (text[at] == q) {
            if (q == '\'' && at + 1 < len && text[at + 1] == '\'')
                at += 2;    /* '' is a quote inside a single-quoted scalar */
            else
                return at + 1;
        } else {
            at++;
        }
    }
    return len;
}

int cfg_node_span(const char *text, size_t len, const cfg_node *n, size_t *start, size_t *end)
{
    size_t at = cfg_text_offset(text, len, n->line, n->col);
    *start = at;
    if (at >= len)
        return -1;
    if (n->kind == CFG_SCALAR) {
        if (text[at] == '"' || text[at] == '\'') {
            *end = quoted_end(text, len, at);
            return 0;
        }
        size_t s = at;
        if (text[s] == '!') {   /* a tag (!!float 1): skip it and the blanks after */
            while (s < len && text[s] != ' ' && text[s] != '\n')
                s++;
            while (s < len && text[s] == ' ')
                s++;
        }
        /* A plain scalar on one line reads as its own bytes. */
        if (s + n->len <= len && memcmp(text + s, n->text, n->len) == 0 &&
            !memchr(n->text, '\n', n->len)) {
            *end = s + n->len;
            return 0;
        }
        return -1;
    }
    if (text[at] != '[' && text[at] != '{')
        return -1;  /* a block collection: its end is the caller's business */
    int depth = 0;
    while (at < len) {
        char c = text[at];
        if (c == '"' || c == '\'') {
            at = quoted_end(text, len, at);
            continue;
        }
        if (c == '#' && at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\n')) {
            at = cfg_next_line(text, len, at);
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if ((c == ']' || c == '}') && --depth == 0) {
            *end = at + 1;
            return 0;
        }
        at++;
    }
    return -1;
}

char *cfg_span_text(const char *text, size_t len, const cfg_node *n)
{
    size_t s, e;
    if (cfg_node_span(text, len, n, &s, &e) == 0)
        return tt_xstrndup(text + s, e - s);
    tt_value v;
    if (cfg_node_json_text(n, &v)) /* a block list or mapping: its JSON is flow YAML */
        return v.s;
    return NULL;
}

bool cfg_is_flow(const char *text, size_t len, const cfg_node *n)
{
    size_t at = cfg_text_offset(text, len, n->line, n->col);
    return at < len && (text[at] == '[' || text[at] == '{');
}

void cfg_edits_add(cfg_edits *e, size_t start, size_t end, const char *with)
{
    tt_grow((void **)&e->items, &e->cap, e->n + 1, sizeof *e->items);
    e->items[e->n++] = (cfg_edit){start, end, tt_xstrdup(with ? with : "")};
}

void cfg_edits_free(cfg_edits *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->items[i].with);
    free(e->items);
    memset(e, 0, sizeof *e);
}

static int by_start(const void *a, const void *b)
{
    const cfg_edit *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

char *cfg_edits_apply(cfg_edits *e, const char *text, size_t len)
{
    qsort(e->items, e->n, sizeof *e->items, by_start);
    for (size_t i = 1; i < e->n; i++)
        if (e->items[i].start < e->items[i - 1].end)
            return NULL; /* overlapping edits: the caller located badly */
    tt_buf b = {0};
    size_t at = 0;
    for (size_t i = 0; i < e->n; i++) {
        tt_buf_append(&b, text + at, e->items[i].start - at);
        tt_buf_append(&b, e->items[i].with, strlen(e->items[i].with));
        at = e->items[i].end;
    }
    tt_buf_append(&b, text + at, len - at);
    return b.data ? tt_buf_take(&b) : tt_xstrdup("");
}
