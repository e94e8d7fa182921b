/*
 * narrow — one parameter of a sweep file narrowed (`tunetop narrow`): a
 * numeric range made smaller, a categorical's values cut to a subset, or
 * the parameter pinned to one value (`value: V`, W&B's constant). The text
 * is edited in place (yaml_edit.c): only the bytes of that parameter's
 * mapping change, so the user's comments, order and quoting survive and
 * the next space version differs from the last by exactly that parameter.
 * Every result is loaded again and compared with the old space before it
 * is returned, so an edit this file got wrong is refused, never written.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* The keys that say what a parameter's values are (params.c's param_keys
 * but `when`, which a pin keeps). */
static const char *const value_keys[] = {"value", "values", "probabilities", "min", "max",
                                         "distribution", "mu", "sigma", "q", "a", "b", NULL};

static bool is_value_key(const char *k)
{
    for (size_t i = 0; value_keys[i]; i++)
        if (strcmp(k, value_keys[i]) == 0)
            return true;
    return false;
}

/* The `name: {…}` pair of the flattened name: groups (`parameters:` inside
 * a parameter) give their children dotted names, as params.c loads them. */
static const cfg_pair *find_param(const cfg_node *map, const char *prefix, const char *name)
{
    if (!map || map->kind != CFG_MAP)
        return NULL;
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0)
        return NULL;
    const char *rest = name + pl;
    for (size_t i = 0; i < map->n_pairs; i++) {
        const cfg_pair *pr = &map->pairs[i];
        if (pr->key->kind != CFG_SCALAR || pr->value->kind != CFG_MAP)
            continue;
        const char *k = pr->key->text;
        size_t kl = strlen(k);
        const cfg_pair *nested = cfg_map_find(pr->value, "parameters");
        if (!nested && strcmp(rest, k) == 0)
            return pr;
        if (nested && strncmp(rest, k, kl) == 0 && rest[kl] == '.') {
            char *np = tt_xasprintf("%s%s.", prefix, k);
            const cfg_pair *f = find_param(nested->value, np, name);
            free(np);
            if (f)
                return f;
        }
    }
    return NULL;
}

static bool has_range(tt_dist d)
{
    return d == TT_DIST_UNIFORM || d == TT_DIST_INT_UNIFORM || d == TT_DIST_Q_UNIFORM ||
           d == TT_DIST_LOG_UNIFORM || d == TT_DIST_LOG_UNIFORM_VALUES ||
           d == TT_DIST_Q_LOG_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM_VALUES;
}

/* W&B's log_uniform and q_log_uniform write natural-log exponents; the
 * user narrows in the values a trial sees. */
static bool exponent_form(tt_dist d)
{
    return d == TT_DIST_LOG_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM;
}

static bool is_log(tt_dist d)
{
    return d == TT_DIST_LOG_UNIFORM || d == TT_DIST_LOG_UNIFORM_VALUES ||
           d == TT_DIST_Q_LOG_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM_VALUES;
}

static bool parse_number(const char *s, double *out)
{
    char *end = NULL;
    *out = strtod(s, &end);
    return *s && end != s && *end == '\0' && isfinite(*out);
}

/* A number as the file needs it: an integer for an integer parameter, a
 * float that reads as one otherwise (`1.0`, not `1`: two integral bounds
 * would make the loader infer an int_uniform). */
static void format_number(double v, bool is_int, char *buf, size_t n)
{
    tt_format_double(v, buf, n);
    if (is_int || strpbrk(buf, ".ni"))
        return;
    char *e = strpbrk(buf, "eE");
    char tail[64];
    snprintf(tail, sizeof tail, "%s", e ? e : "");
    if (e)
        *e = '\0';
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, ".0%s", tail);
}

static void describe_values(const tt_param *p, tt_buf *b)
{
    for (size_t i = 0; i < p->n_values; i++) {
        char v[256];
        tt_buf_printf(b, "%s%s", i ? ", " : "", tt_value_format(&p->values[i], v, sizeof v));
    }
}

static void describe(const tt_param *p, tt_buf *b)
{
    char lo[64], hi[64];
    if (p->dist == TT_DIST_CATEGORICAL) {
        tt_buf_puts(b, "categorical (values: ");
        describe_values(p, b);
        tt_buf_puts(b, ")");
    } else if (p->dist == TT_DIST_CONSTANT) {
        tt_buf_puts(b, "a constant (value: ");
        describe_values(p, b);
        tt_buf_puts(b, ")");
    } else if (has_range(p->dist)) {
        double a = exponent_form(p->dist) ? exp(p->min) : p->min;
        double z = exponent_form(p->dist) ? exp(p->max) : p->max;
        tt_buf_printf(b, "%s in [%s, %s]", tt_dist_name(p->dist), tt_format_double(a, lo, 64),
                      tt_format_double(z, hi, 64));
    } else {
        tt_buf_printf(b, "%s", tt_dist_name(p->dist));
    }
}

/* Index of the value of categorical p the user's text names: as it
 * prints, as written, a boolean in any case, or the same number. */
static long find_value(const tt_param *p, const cfg_node *seq, const char *want)
{
    double wn;
    bool want_num = parse_number(want, &wn);
    for (size_t i = 0; i < p->n_values; i++) {
        const tt_value *v = &p->values[i];
        char buf[256];
        if (strcmp(tt_value_format(v, buf, sizeof buf), want) == 0)
            return (long)i;
        if (seq && i < seq->n_items && seq->items[i]->kind == CFG_SCALAR &&
            strcmp(seq->items[i]->text, want) == 0)
            return (long)i;
        if (v->kind == TT_VALUE_BOOL && strcasecmp(buf, want) == 0)
            return (long)i;
        if ((v->kind == TT_VALUE_INT || v->kind == TT_VALUE_FLOAT) && want_num &&
            (v->kind == TT_VALUE_INT ? (double)v->i : v->f) == wn)
            return (long)i;
    }
    return -1;
}

/* ---- locating lines of a block mapping ---- */

/* Whether only blanks and `- ` markers stand before at on its line. */
static bool first_on_line(const char *text, size_t at, bool allow_dash)
{
    size_t s = cfg_line_start(text, at);
    for (size_t i = s; i < at; i++)
        if (text[i] != ' ' && !(allow_dash && text[i] == '-'))
            return false;
    return true;
}

/* The end of the last entry of a block mapping indented ind whose key is
 * at ks: its continuation lines are deeper (or `- ` items at ind); a
 * blank or comment-only line ends it, so comments after it stay. */
static size_t block_end(const char *text, size_t len, size_t ks, size_t ind)
{
    size_t at = cfg_next_line(text, len, ks);
    while (at < len) {
        size_t f = at;
        while (f < len && text[f] == ' ')
            f++;
        if (f >= len || text[f] == '\n' || text[f] == '#')
            break;
        if (!(f - at > ind || (f - at == ind && text[f] == '-')))
            break;
        at = cfg_next_line(text, len, at);
    }
    return at;
}

/* ---- edits ---- */

typedef struct narrow_ctx {
    const char *text;
    size_t len;
    const tt_param *p;
    const cfg_node *map;    /* the parameter's mapping */
    cfg_edits ed;
    tt_error *err;
} narrow_ctx;

static int cannot_edit(narrow_ctx *c, const char *what)
{
    return tt_error_set(c->err, TT_ERR_INVALID,
                        "cannot edit %s of parameter '%s' in place (written in a form this "
                        "command does not rewrite); edit the sweep file instead",
                        what, c->p->name);
}

/* Replace the scalar value of key in the parameter's mapping. */
static int replace_value(narrow_ctx *c, const char *key, const char *with)
{
    const cfg_pair *pr = cfg_map_find(c->map, key);
    size_t s, e;
    if (!pr || cfg_node_span(c->text, c->len, pr->value, &s, &e) < 0)
        return cannot_edit(c, key);
    cfg_edits_add(&c->ed, s, e, with);
    return 0;
}

/* A list cut to the items kept, the kept ones replaced by repl[i] when
 * given: a flow list is written again, a block list loses the lines of
 * the items dropped (each a scalar on a line of its own). */
static int edit_seq(narrow_ctx *c, const char *what, const cfg_node *s, const bool *keep,
                    char **repl)
{
    if (s->kind != CFG_SEQ)
        return cannot_edit(c, what);
    if (cfg_is_flow(c->text, c->len, s)) {
        size_t a, b;
        if (cfg_node_span(c->text, c->len, s, &a, &b) < 0)
            return cannot_edit(c, what);
        tt_buf out = {0};
        tt_buf_puts(&out, "[");
        bool first = true;
        for (size_t i = 0; i < s->n_items; i++) {
            if (!keep[i])
                continue;
            char *t = repl && repl[i] ? tt_xstrdup(repl[i])
                                      : cfg_span_text(c->text, c->len, s->items[i]);
            if (!t) {
                tt_buf_free(&out);
                return cannot_edit(c, what);
            }
            tt_buf_printf(&out, "%s%s", first ? "" : ", ", t);
            free(t);
            first = false;
        }
        tt_buf_puts(&out, "]");
        cfg_edits_add(&c->ed, a, b, out.data);
        tt_buf_free(&out);
        return 0;
    }
    for (size_t i = 0; i < s->n_items; i++) {
        const cfg_node *it = s->items[i];
        size_t a, b;
        if (it->kind != CFG_SCALAR || cfg_node_span(c->text, c->len, it, &a, &b) < 0 ||
            !first_on_line(c->text, a, true) || (i > 0 && s->items[i - 1]->line == it->line))
            return cannot_edit(c, what);
        if (!keep[i])
            cfg_edits_add(&c->ed, cfg_line_start(c->text, a), cfg_next_line(c->text, c->len, b),
                          "");
        else if (repl && repl[i])
            cfg_edits_add(&c->ed, a, b, repl[i]);
    }
    return 0;
}

static int narrow_range(narrow_ctx *c, const tt_narrow *req)
{
    const tt_param *p = c->p;
    bool ex = exponent_form(p->dist);
    double lo = ex ? exp(p->min) : p->min, hi = ex ? exp(p->max) : p->max;
    double a = lo, b = hi;
    const char *given[2] = {req->min, req->max};
    double *dst[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        if (!given[k])
            continue;
        if (!parse_number(given[k], dst[k]))
            return tt_error_set(c->err, TT_ERR_INVALID, "--%s for '%s' needs a number, found '%s'",
                                k ? "max" : "min", p->name, given[k]);
        if (p->is_int && *dst[k] != floor(*dst[k]))
            return tt_error_set(c->err, TT_ERR_INVALID,
                                "--%s for '%s' needs an integer ('%s' is %s), found '%s'",
                                k ? "max" : "min", p->name, p->name, tt_dist_name(p->dist),
                                given[k]);
    }
    char l1[64], h1[64], l2[64], h2[64];
    tt_format_double(lo, l1, 64);
    tt_format_double(hi, h1, 64);
    tt_format_double(a, l2, 64);
    tt_format_double(b, h2, 64);
    /* exp() of an exponent is not exact: a bound given as the old one is
     * the old one. */
    double tol = ex ? 1e-12 * fmax(fabs(lo), fabs(hi)) : 0;
    if (a < lo - tol || b > hi + tol)
        return tt_error_set(c->err, TT_ERR_INVALID,
                            "'%s' ranges over [%s, %s]: [%s, %s] would widen it; narrow only: "
                            "give bounds within [%s, %s]",
                            p->name, l1, h1, l2, h2, l1, h1);
    if (p->is_int ? a > b : a >= b)
        return tt_error_set(c->err, TT_ERR_INVALID,
                            "'%s': min must be %s max, found [%s, %s]%s", p->name,
                            p->is_int ? "at most" : "below", l2, h2,
                            p->is_int ? "" : " (--pin fixes one value)");
    if (is_log(p->dist) && a <= 0)
        return tt_error_set(c->err, TT_ERR_INVALID,
                            "'%s' is %s: its min must stay above 0, found %s", p->name,
                            tt_dist_name(p->dist), l2);
    const char *keys[2] = {"min", "max"};
    double vals[2] = {a, b}, olds[2] = {lo, hi};
    for (int k = 0; k < 2; k++) {
        if (!given[k] || fabs(vals[k] - olds[k]) <= tol)
            continue;
        char buf[64];
        format_number(ex ? log(vals[k]) : vals[k], p->is_int && !ex, buf, sizeof buf);
        int rc = replace_value(c, keys[k], buf);
        if (rc < 0)
            return rc;
    }
    if (c->ed.n == 0)
        return tt_error_set(c->err, TT_ERR_INVALID, "'%s' already ranges over [%s, %s]: "
                            "nothing to narrow", p->name, l1, h1);
    return 0;
}

static int narrow_values(narrow_ctx *c, const tt_narrow *req)
{
    const tt_param *p = c->p;
    const cfg_pair *vp = cfg_map_find(c->map, "values");
    if (!vp)
        return cannot_edit(c, "values");
    bool *keep = tt_xcalloc(p->n_values, sizeof *keep);
    int rc = 0;
    for (size_t i = 0; i < req->n_values && rc == 0; i++) {
        long k = find_value(p, vp->value, req->values[i]);
        if (k < 0) {
            tt_buf b = {0};
            describe_values(p, &b);
            rc = tt_error_set(c->err, TT_ERR_INVALID,
                              "'%s' is not a value of '%s' (its values: %s)", req->values[i],
                              p->name, b.data);
            tt_buf_free(&b);
        } else {
            keep[k] = true;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < p->n_values; i++)
        kept += keep[i];
    if (rc == 0 && kept == p->n_values)
        rc = tt_error_set(c->err, TT_ERR_INVALID,
                          "'%s' has exactly these values already: nothing to narrow", p->name);
    if (rc == 0 && kept == 0)
        rc = tt_error_set(c->err, TT_ERR_INVALID, "--values needs at least one value");
    if (rc == 0)
        rc = edit_seq(c, "values", vp->value, keep, NULL);
    const cfg_pair *pp = cfg_map_find(c->map, "probabilities");
    if (rc == 0 && pp && p->probabilities) {
        /* the weights of the values kept, scaled to sum to 1 again */
        double sum = 0;
        for (size_t i = 0; i < p->n_values; i++)
            sum += keep[i] ? p->probabilities[i] : 0;
        char **repl = tt_xcalloc(p->n_values, sizeof *repl);
        for (size_t i = 0; i < p->n_values; i++)
            if (keep[i]) {
                char buf[64];
                format_number(sum > 0 ? p->probabilities[i] / sum : 1.0 / (double)kept, false,
                              buf, sizeof buf);
                repl[i] = tt_xstrdup(buf);
            }
        rc = edit_seq(c, "probabilities", pp->value, keep, repl);
        for (size_t i = 0; i < p->n_values; i++)
            free(repl[i]);
        free(repl);
    }
    free(keep);
    return rc;
}

/* The text of the pinned value: an existing value as written, or a number
 * within the range. */
static char *pin_text(narrow_ctx *c, const char *want)
{
    const tt_param *p = c->p;
    if (p->dist == TT_DIST_CATEGORICAL) {
        const cfg_pair *vp = cfg_map_find(c->map, "values");
        long k = find_value(p, vp ? vp->value : NULL, want);
        if (k < 0) {
            tt_buf b = {0};
            describe_values(p, &b);
            tt_error_set(c->err, TT_ERR_INVALID, "'%s' is not a value of '%s' (its values: %s)",
                         want, p->name, b.data);
            tt_buf_free(&b);
            return NULL;
        }
        char *t = vp && (size_t)k < vp->value->n_items
                      ? cfg_span_text(c->text, c->len, vp->value->items[k])
                      : NULL;
        if (!t)
            cannot_edit(c, "values");
        return t;
    }
    double v;
    if (!parse_number(want, &v)) {
        tt_error_set(c->err, TT_ERR_INVALID, "--pin for '%s' needs a number, found '%s'",
                     p->name, want);
        return NULL;
    }
    if (p->is_int && v != floor(v)) {
        tt_error_set(c->err, TT_ERR_INVALID, "--pin for '%s' needs an integer, found '%s'",
                     p->name, want);
        return NULL;
    }
    if (has_range(p->dist)) {
        bool ex = exponent_form(p->dist);
        double lo = ex ? exp(p->min) : p->min, hi = ex ? exp(p->max) : p->max;
        double tol = ex ? 1e-12 * fmax(fabs(lo), fabs(hi)) : 0;
        if (v < lo - tol || v > hi + tol) {
            char a[64], b[64];
            tt_error_set(c->err, TT_ERR_INVALID,
                         "--pin %s is outside the range of '%s' [%s, %s]", want, p->name,
                         tt_format_double(lo, a, 64), tt_format_double(hi, b, 64));
            return NULL;
        }
    } else if ((p->dist == TT_DIST_BETA || p->dist == TT_DIST_Q_BETA) && (v < 0 || v > 1)) {
        tt_error_set(c->err, TT_ERR_INVALID, "--pin %s is outside the range of '%s' [0, 1]",
                     want, p->name);
        return NULL;
    } else if ((p->dist == TT_DIST_LOG_NORMAL || p->dist == TT_DIST_Q_LOG_NORMAL) && v <= 0) {
        tt_error_set(c->err, TT_ERR_INVALID, "--pin for '%s' (%s) needs a value above 0",
                     p->name, tt_dist_name(p->dist));
        return NULL;
    }
    char buf[64];
    format_number(v, p->is_int, buf, sizeof buf);
    return tt_xstrdup(buf);
}

static int narrow_pin(narrow_ctx *c, const char *want)
{
    char *v = pin_text(c, want);
    if (!v)
        return -TT_ERR_INVALID;
    const cfg_node *m = c->map;
    int rc = 0;
    if (cfg_is_flow(c->text, c->len, m)) {
        size_t a, b;
        tt_buf out = {0};
        tt_buf_printf(&out, "{value: %s", v);
        for (size_t i = 0; i < m->n_pairs && rc == 0; i++) {
            if (is_value_key(m->pairs[i].key->text))
                continue;
            char *k = cfg_span_text(c->text, c->len, m->pairs[i].key);
            char *t = cfg_span_text(c->text, c->len, m->pairs[i].value);
            if (k && t)
                tt_buf_printf(&out, ", %s: %s", k, t);
            else
                rc = cannot_edit(c, "the mapping");
            free(k);
            free(t);
        }
        tt_buf_puts(&out, "}");
        if (rc == 0 && cfg_node_span(c->text, c->len, m, &a, &b) == 0)
            cfg_edits_add(&c->ed, a, b, out.data);
        else if (rc == 0)
            rc = cannot_edit(c, "the mapping");
        tt_buf_free(&out);
        free(v);
        return rc;
    }
    /* A block mapping: the lines of every key that says what its values
     * are give way to one `value:` line; `when:` and its lines stay. */
    size_t ind = (size_t)(m->col - 1);
    bool written = false;
    for (size_t i = 0; i < m->n_pairs && rc == 0; i++) {
        const cfg_node *k = m->pairs[i].key;
        if (k->kind != CFG_SCALAR || !is_value_key(k->text))
            continue;
        size_t ks = cfg_text_offset(c->text, c->len, k->line, k->col);
        if (!first_on_line(c->text, ks, false) || (i > 0 && m->pairs[i - 1].key->line >= k->line))
            rc = cannot_edit(c, "the mapping");
        size_t end = i + 1 < m->n_pairs
                         ? cfg_line_start(c->text, cfg_text_offset(c->text, c->len,
                                                                   m->pairs[i + 1].key->line,
                                                                   m->pairs[i + 1].key->col))
                         : block_end(c->text, c->len, ks, ind);
        char *line = written ? tt_xstrdup("") : tt_xasprintf("%*svalue: %s\n", (int)ind, "", v);
        if (rc == 0)
            cfg_edits_add(&c->ed, cfg_line_start(c->text, ks), end, line);
        free(line);
        written = true;
    }
    free(v);
    return rc;
}

/* ---- checking the result ---- */

static bool same_param(const tt_param *a, const tt_param *b)
{
    if (strcmp(a->name, b->name) != 0 || a->dist != b->dist || a->is_int != b->is_int ||
        a->min != b->min || a->max != b->max || a->mu != b->mu || a->sigma != b->sigma ||
        a->q != b->q || a->a != b->a || a->b != b->b || a->n_values != b->n_values ||
        a->n_conditions != b->n_conditions || !a->probabilities != !b->probabilities)
        return false;
    for (size_t i = 0; i < a->n_values; i++)
        if (!tt_value_equal(&a->values[i], &b->values[i]) ||
            (a->probabilities && a->probabilities[i] != b->probabilities[i]))
            return false;
    for (size_t i = 0; i < a->n_conditions; i++)
        if (strcmp(a->conditions[i].parent_name, b->conditions[i].parent_name) != 0 ||
            a->conditions[i].n_values != b->conditions[i].n_values)
            return false;
    return true;
}

/* Whether the new space is the old one with only parameter k changed, and
 * changed the way it was asked (a narrower range, fewer values, one). */
static bool as_asked(const tt_space *o, const tt_space *n, size_t k, const tt_narrow *req)
{
    if (o->n != n->n)
        return false;
    for (size_t i = 0; i < o->n; i++)
        if (i != k && !same_param(&o->params[i], &n->params[i]))
            return false;
    const tt_param *a = &o->params[k], *b = &n->params[k];
    if (strcmp(a->name, b->name) != 0 || a->n_conditions != b->n_conditions)
        return false;
    if (req->pin)
        return b->dist == TT_DIST_CONSTANT && b->n_values == 1;
    if (req->n_values) {
        if (b->dist != TT_DIST_CATEGORICAL || b->n_values >= a->n_values)
            return false;
        for (size_t i = 0, j = 0; i < b->n_values; i++, j++) {
            while (j < a->n_values && !tt_value_equal(&a->values[j], &b->values[i]))
                j++;
            if (j == a->n_values)
                return false;
        }
        return true;
    }
    return b->dist == a->dist && b->is_int == a->is_int && b->min >= a->min - 1e-9 &&
           b->max <= a->max + 1e-9 && (b->min != a->min || b->max != a->max);
}

char *tt_sweep_narrow(const char *name, const char *text, size_t len, const tt_narrow *req,
                      tt_error *err)
{
    bool range = req->min || req->max;
    int kinds = (range ? 1 : 0) + (req->n_values ? 1 : 0) + (req->pin ? 1 : 0);
    if (!req->param || kinds != 1) {
        tt_error_set(err, TT_ERR_INVALID,
                     kinds ? "give one kind of change: --min/--max, --values or --pin"
                           : "nothing to change: give --min/--max, --values or --pin");
        return NULL;
    }
    tt_diags diags = {0};
    tt_sweep *sw = tt_sweep_load_text(name, text, len, &diags);
    if (!sw) {
        const tt_diag *d = NULL;
        for (size_t i = 0; i < diags.n && !d; i++)
            if (diags.items[i].severity == TT_DIAG_ERROR)
                d = &diags.items[i];
        tt_error_set(err, TT_ERR_INVALID, "%s is not a valid sweep file (%d:%d: %s: %s)", name,
                     d ? d->line : 0, d ? d->col : 0, d ? d->path : "", d ? d->message : "");
        tt_diags_free(&diags);
        return NULL;
    }
    tt_diags_free(&diags);
    char *out = NULL;
    cfg_doc doc = {0};
    narrow_ctx c = {.text = text, .len = len, .err = err};
    long k = tt_space_find(sw->space, req->param);
    if (k < 0) {
        tt_buf b = {0};
        for (size_t i = 0; i < sw->space->n; i++)
            tt_buf_printf(&b, "%s%s", i ? ", " : "", sw->space->params[i].name);
        tt_error_set(err, TT_ERR_INVALID, "no parameter '%s' in %s (its parameters: %s)",
                     req->param, name, b.data ? b.data : "none");
        tt_buf_free(&b);
        goto out;
    }
    c.p = &sw->space->params[k];
    const cfg_pair *pp = NULL;
    if (sw->format == TT_FORMAT_WANDB && cfg_parse(&doc, name, text, len, &diags) == 0 &&
        doc.root && doc.root->kind == CFG_MAP) {
        const cfg_pair *params = cfg_map_find(doc.root, "parameters");
        pp = params ? find_param(params->value, "", req->param) : NULL;
    }
    tt_diags_free(&diags);
    if (!pp) {
        tt_error_set(err, TT_ERR_INVALID,
                     "'%s' is not declared under `parameters:` in %s (an NNI search space is "
                     "narrowed by editing it)", req->param, name);
        goto out;
    }
    c.map = pp->value;
    tt_buf what = {0};
    describe(c.p, &what);
    int rc = 0;
    if (c.p->dist == TT_DIST_CONSTANT)
        rc = tt_error_set(err, TT_ERR_INVALID, "'%s' is %s: nothing to narrow", c.p->name,
                          what.data);
    else if (range && !has_range(c.p->dist))
        rc = tt_error_set(err, TT_ERR_INVALID, "'%s' is %s: %s", c.p->name, what.data,
                          c.p->dist == TT_DIST_CATEGORICAL
                              ? "use --values or --pin"
                              : "--min/--max narrow a uniform, int_uniform, q_uniform or "
                                "log_uniform range; use --pin");
    else if (req->n_values && c.p->dist != TT_DIST_CATEGORICAL)
        rc = tt_error_set(err, TT_ERR_INVALID, "'%s' is %s: --values is for a categorical; %s",
                          c.p->name, what.data,
                          has_range(c.p->dist) ? "use --min/--max or --pin" : "use --pin");
    tt_buf_free(&what);
    if (rc == 0)
        rc = range ? narrow_range(&c, req)
             : req->n_values ? narrow_values(&c, req)
                             : narrow_pin(&c, req->pin);
    if (rc < 0)
        goto out;
    out = cfg_edits_apply(&c.ed, text, len);
    tt_sweep *nw = out ? tt_sweep_load_text(name, out, strlen(out), &diags) : NULL;
    if (!nw || !as_asked(sw->space, nw->space, (size_t)k, req)) {
        const char *why = "the result changes more than asked";
        for (size_t i = diags.n; i-- > 0;)
            if (diags.items[i].severity == TT_DIAG_ERROR)
                why = diags.items[i].message;
        tt_error_set(err, TT_ERR_INVALID,
                     "narrowing '%s' would not give a valid sweep file (%s); nothing changed: "
                     "edit the file instead", req->param, why);
        free(out);
        out = NULL;
    }
    tt_sweep_free(nw);
    tt_diags_free(&diags);
out:
    cfg_edits_free(&c.ed);
    cfg_doc_free(&doc);
    tt_sweep_free(sw);
    return out;
}
