/*
 * scalar — what a YAML scalar means. libyaml hands over text; the types are
 * ours to resolve. We follow YAML 1.1 as PyYAML (and so W&B) reads a sweep
 * file — booleans yes/no/on/off/true/false in any case, null/~, 0x and 0o
 * integers, .inf and .nan — with one deliberate difference: numbers such as
 * `1e-5` or `1E-4`, which YAML 1.1 leaves as strings because they lack a
 * dot, are numbers here, since no one writing `lr: {min: 1e-5}` means text.
 * Quoted scalars are always strings.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static bool is_bool_text(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Integers: decimal with optional sign, 0x hex, 0o octal, YAML 1.1's 0NNN
 * octal; '_' separators as YAML 1.1 allows them. */
static bool parse_int(const char *s, int64_t *out)
{
    char buf[80];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_')
            continue;
        if (n + 1 >= sizeof buf)
            return false;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    const char *p = buf;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p += 1;
    }
    if (!*p)
        return false;
    for (const char *q = p; *q; q++) {
        int d = isdigit((unsigned char)*q) ? *q - '0'
                : isxdigit((unsigned char)*q) ? tolower((unsigned char)*q) - 'a' + 10
                                               : 99;
        if (d >= base)
            return false;
    }
    errno = 0;
    unsigned long long v = strtoull(p, NULL, base);
    if (errno == ERANGE || v > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Floats: [-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)?, and
 * .inf / .nan in YAML's three spellings. */
static bool parse_float(const char *s, double *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 || strcmp(p, ".INF") == 0) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (p == s && (strcmp(p, ".nan") == 0 || strcmp(p, ".NaN") == 0 || strcmp(p, ".NAN") == 0)) {
        *out = NAN;
        return true;
    }
    size_t digits = 0;
    const char *q = p;
    while (isdigit((unsigned char)*q) || *q == '_')
        digits += *q++ != '_';
    if (*q == '.') {
        q++;
        while (isdigit((unsigned char)*q) || *q == '_')
            digits += *q++ != '_';
    }
    if (digits == 0)
        return false;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return false;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q)
        return false;
    char buf[128];
    size_t n = 0;
    for (const char *r = s; *r && n + 1 < sizeof buf; r++)
        if (*r != '_')
            buf[n++] = *r;
    buf[n] = '\0';
    if (strlen(s) >= sizeof buf)
        return false;
    *out = strtod(buf, NULL);
    return true;
}

static bool is_null_text(const char *s)
{
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

bool cfg_scalar_value(const cfg_node *n, tt_value *out)
{
    memset(out, 0, sizeof *out);
    if (!n || n->kind != CFG_SCALAR)
        return false;
    if (n->plain && strlen(n->text) == n->len) {
        if (is_null_text(n->text)) {
            out->kind = TT_VALUE_NULL;
            return true;
        }
        if (is_bool_text(n->text, &out->b)) {
            out->kind = TT_VALUE_BOOL;
            return true;
        }
        if (parse_int(n->text, &out->i)) {
            out->kind = n->float_tag ? TT_VALUE_FLOAT : TT_VALUE_INT;
            out->f = (double)out->i;
            return true;
        }
        if (parse_float(n->text, &out->f)) {
            out->kind = TT_VALUE_FLOAT;
            return true;
        }
    }
    out->kind = TT_VALUE_STRING;
    out->s = tt_xstrndup(n->text, n->len);
    return true;
}

bool cfg_scalar_number(const cfg_node *n, double *out, bool *is_int)
{
    if (!n || n->kind != CFG_SCALAR || strlen(n->text) != n->len)
        return false;
    int64_t i;
    if (parse_int(n->text, &i)) {
        *out = (double)i;
        if (is_int)
            *is_int = !n->float_tag;
        return true;
    }
    if (parse_float(n->text, out)) {
        if (is_int)
            *is_int = false;
        return true;
    }
    return false;
}

bool cfg_read_number(cfg_ctx *c, const cfg_node *n, const char *path, double *out,
                     bool *is_int)
{
    if (cfg_scalar_number(n, out, is_int) && !isnan(*out))
        return true;
    cfg_expected(c, n, path, "a number");
    return false;
}

bool cfg_read_long(cfg_ctx *c, const cfg_node *n, const char *path, long lo, long hi,
                   long *out)
{
    double v;
    bool is_int = false;
    bool ok = cfg_scalar_number(n, &v, &is_int);
    /* 1e3 or 10.0 are accepted where an integer is due: the value is. */
    if (ok && !is_int)
        is_int = isfinite(v) && v == floor(v) && fabs(v) < 9e15;
    if (ok && is_int && v >= (double)lo && v <= (double)hi) {
        *out = (long)v;
        return true;
    }
    char what[96];
    if (hi == LONG_MAX)
        snprintf(what, sizeof what, "an integer >= %ld", lo);
    else
        snprintf(what, sizeof what, "an integer from %ld to %ld", lo, hi);
    cfg_expected(c, n, path, what);
    return false;
}

bool cfg_read_string(cfg_ctx *c, const cfg_node *n, const char *path, char **out)
{
    if (!n || n->kind != CFG_SCALAR || cfg_is_null(n) || strlen(n->text) != n->len) {
        cfg_expected(c, n, path, "a string");
        return false;
    }
    free(*out);
    *out = tt_xstrdup(n->text);
    return true;
}

bool cfg_read_bool(cfg_ctx *c, const cfg_node *n, const char *path, bool *out)
{
    if (n && n->kind == CFG_SCALAR && is_bool_text(n->text, out))
        return true;
    cfg_expected(c, n, path, "true or false");
    return false;
}

double tt_parse_duration(const char *text)
{
    if (!text)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0 || len > 64)
        return -1;
    char buf[72];
    memcpy(buf, text, len);
    buf[len] = '\0';
    double plain;
    if (parse_float(buf, &plain))
        return isfinite(plain) && plain >= 0 ? plain : -1;
    /* A sequence of NUMBER UNIT with units d, h, m, s, each at most once
     * and from the largest down: "1h30m", "2d", "1.5h", "90s". */
    static const char units[] = "dhms";
    static const double seconds[] = {86400, 3600, 60, 1};
    double total = 0;
    size_t next_unit = 0;
    const char *p = buf;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        char *end;
        double v = strtod(p, &end);
        if (end == p || !*end)
            return -1;
        for (const char *q = p; q < end; q++)
            if (!isdigit((unsigned char)*q) && *q != '.')
                return -1;
        const char *u = strchr(units + next_unit, *end);
        if (!u || !*end)
            return -1;
        size_t k = (size_t)(u - units);
        total += v * seconds[k];
        next_unit = k + 1;
        p = end + 1;
    }
    return isfinite(total) ? total : -1;
}

bool cfg_read_duration(cfg_ctx *c, const cfg_node *n, const char *path, double *out)
{
    double v = -1;
    if (n && n->kind == CFG_SCALAR && strlen(n->text) == n->len)
        v = tt_parse_duration(n->text);
    if (v >= 0) {
        *out = v;
        return true;
    }
    cfg_expected(c, n, path, "a duration (seconds, or like 90s, 10m, 1h30m, 2d)");
    return false;
}

void cfg_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool cfg_read_strings(cfg_ctx *c, const cfg_node *n, const char *path, bool allow_scalar,
                      char ***out, size_t *n_out)
{
    if (allow_scalar && n && n->kind == CFG_SCALAR && !cfg_is_null(n)) {
        char *s = NULL;
        if (!cfg_read_string(c, n, path, &s))
            return false;
        *out = tt_xmalloc(sizeof(char *));
        (*out)[0] = s;
        *n_out = 1;
        return true;
    }
    if (!n || n->kind != CFG_SEQ) {
        cfg_expected(c, n, path, "a list of strings");
        return false;
    }
    char **v = tt_xcalloc(n->n_items + 1, sizeof(char *));
    bool ok = true;
    for (size_t i = 0; i < n->n_items; i++) {
        char *p = tt_xasprintf("%s[%zu]", path, i);
        ok &= cfg_read_string(c, n->items[i], p, &v[i]);
        free(p);
    }
    if (!ok) {
        cfg_free_strings(v, n->n_items);
        return false;
    }
    *out = v;
    *n_out = n->n_items;
    return true;
}
