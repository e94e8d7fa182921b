/*
 * json — a list or mapping of the sweep file written as JSON text. W&B's
 * schema lets `value` and each of `values` be any JSON value
 * (`hidden_sizes: {values: [[64, 64], [128, 128]]}`), and NNI's `choice`
 * likewise, so such a choice becomes a string holding its JSON text, marked
 * `json` so that JSON outputs (TUNETOP_PARAMS, ${args_json}) embed it as a
 * list or object, while argv gets the text itself.
 *
 * The separators are those of Python's json.dumps (", " and ": "), so a
 * list of numbers reads exactly as W&B's agent writes it into argv
 * (`--hidden_sizes=[64, 64]`, Python's str of the list). Scalars resolve as
 * everywhere else (YAML 1.1 booleans, 1e-5 a number); mapping keys become
 * strings; floats keep a ".0" when integral, as json.dumps writes them.
 * The text is bounded (CFG_MAX_JSON), since aliases can repeat a long
 * scalar many times.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef enum { JSON_OK, JSON_BAD_KEY, JSON_TOO_LONG } json_status;

static void put_string(tt_buf *b, const char *s, size_t len)
{
    tt_buf_puts(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': tt_buf_puts(b, "\\\""); break;
        case '\\': tt_buf_puts(b, "\\\\"); break;
        case '\n': tt_buf_puts(b, "\\n"); break;
        case '\r': tt_buf_puts(b, "\\r"); break;
        case '\t': tt_buf_puts(b, "\\t"); break;
        case '\b': tt_buf_puts(b, "\\b"); break;
        case '\f': tt_buf_puts(b, "\\f"); break;
        default:
            if (ch < 0x20)
                tt_buf_printf(b, "\\u%04x", ch);
            else
                tt_buf_append(b, (const char *)&s[i], 1);
        }
    }
    tt_buf_puts(b, "\"");
}

static void put_scalar(tt_buf *b, const cfg_node *n)
{
    tt_value v;
    cfg_scalar_value(n, &v);
    char num[48];
    switch (v.kind) {
    case TT_VALUE_NULL:
        tt_buf_puts(b, "null");
        break;
    case TT_VALUE_BOOL:
        tt_buf_puts(b, v.b ? "true" : "false");
        break;
    case TT_VALUE_INT:
        tt_buf_printf(b, "%" PRId64, v.i);
        break;
    case TT_VALUE_FLOAT:
        /* Python's json.dumps spellings of the non-finite floats. */
        if (isnan(v.f)) {
            tt_buf_puts(b, "NaN");
        } else if (isinf(v.f)) {
            tt_buf_puts(b, v.f > 0 ? "Infinity" : "-Infinity");
        } else {
            tt_format_double(v.f, num, sizeof num);
            tt_buf_puts(b, num);
            if (!strpbrk(num, ".eE"))
                tt_buf_puts(b, ".0");
        }
        break;
    case TT_VALUE_STRING:
        put_string(b, n->text, n->len);
        break;
    }
    tt_value_clear(&v);
}

static json_status put_node(tt_buf *b, const cfg_node *n, const cfg_node **bad)
{
    if (b->len > CFG_MAX_JSON) {
        *bad = n;
        return JSON_TOO_LONG;
    }
    if (n->kind == CFG_SCALAR) {
        put_scalar(b, n);
        return JSON_OK;
    }
    if (n->kind == CFG_SEQ) {
        tt_buf_puts(b, "[");
        for (size_t i = 0; i < n->n_items; i++) {
            if (i)
                tt_buf_puts(b, ", ");
            json_status st = put_node(b, n->items[i], bad);
            if (st != JSON_OK)
                return st;
        }
        tt_buf_puts(b, "]");
        return JSON_OK;
    }
    tt_buf_puts(b, "{");
    for (size_t i = 0; i < n->n_pairs; i++) {
        const cfg_node *k = n->pairs[i].key;
        if (k->kind != CFG_SCALAR) {
            *bad = k;
            return JSON_BAD_KEY;
        }
        if (i)
            tt_buf_puts(b, ", ");
        put_string(b, k->text, k->len);
        tt_buf_puts(b, ": ");
        json_status st = put_node(b, n->pairs[i].value, bad);
        if (st != JSON_OK)
            return st;
    }
    tt_buf_puts(b, "}");
    return JSON_OK;
}

static json_status to_json(const cfg_node *n, tt_value *out, const cfg_node **bad)
{
    memset(out, 0, sizeof *out);
    tt_buf b = {0};
    json_status st = put_node(&b, n, bad);
    if (st == JSON_OK && b.len > CFG_MAX_JSON) {
        *bad = n;
        st = JSON_TOO_LONG;
    }
    if (st != JSON_OK) {
        tt_buf_free(&b);
        out->kind = TT_VALUE_NULL;
        return st;
    }
    out->kind = TT_VALUE_STRING;
    out->s = b.data ? tt_buf_take(&b) : tt_xstrdup("");
    out->json = true;
    return JSON_OK;
}

bool cfg_node_json_text(const cfg_node *n, tt_value *out)
{
    const cfg_node *bad = NULL;
    return to_json(n, out, &bad) == JSON_OK;
}

bool cfg_node_json(cfg_ctx *c, const cfg_node *n, const char *path, tt_value *out)
{
    const cfg_node *bad = NULL;
    switch (to_json(n, out, &bad)) {
    case JSON_OK:
        return true;
    case JSON_BAD_KEY:
        cfg_error(c, bad, path, "expected a key that is a string or number, found %s",
                  bad->kind == CFG_SEQ ? "a list" : "a mapping");
        return false;
    case JSON_TOO_LONG:
        cfg_error(c, n, path, "this value is longer than %d bytes as JSON", CFG_MAX_JSON);
        return false;
    }
    return false;
}
