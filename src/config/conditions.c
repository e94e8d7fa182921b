/*
 * conditions — tunetop's `when:` resolved once every parameter is known.
 * The parent is looked up first among the siblings of the conditioned
 * parameter (`when: {type: sgd}` inside the `optimizer` group means
 * `optimizer.type`), then as a full dotted name. Each accepted value is
 * matched against what a categorical parent can take and stored as the
 * parent's own value, so that tt_space_finish and the samplers compare like
 * with like (`yes` matches `true`, `1` matches `1.0`).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cfg_param_failed(cfg_ctx *c, const char *name)
{
    tt_grow((void **)&c->failed, &c->cap_failed, c->n_failed + 1, sizeof(char *));
    c->failed[c->n_failed++] = tt_xstrdup(name);
}

bool cfg_is_failed_param(const cfg_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_failed; i++)
        if (strcmp(c->failed[i], name) == 0)
            return true;
    return false;
}

/* Whether the scalar n, read as `have`, denotes the parent value `want`. */
static bool value_matches(const cfg_node *n, const tt_value *have, const tt_value *want)
{
    bool num_have = have->kind == TT_VALUE_INT || have->kind == TT_VALUE_FLOAT;
    bool num_want = want->kind == TT_VALUE_INT || want->kind == TT_VALUE_FLOAT;
    if (num_have && num_want)
        return have->f == want->f;
    if (want->kind == TT_VALUE_STRING)
        return strcmp(n->text, want->s) == 0;
    if (have->kind != want->kind)
        return false;
    if (have->kind == TT_VALUE_BOOL)
        return have->b == want->b;
    return have->kind == TT_VALUE_NULL;
}

static void list_values(const tt_param *p, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->n_values && len + 8 < size; i++) {
        char buf[64];
        tt_value_format(&p->values[i], buf, sizeof buf);
        int w = snprintf(out + len, size - len, "%s%s", i ? ", " : "", buf);
        if (w < 0 || (size_t)w >= size - len) {
            snprintf(out + len, size - len, ", ...");
            break;
        }
        len += (size_t)w;
    }
}

/* One accepted value of a condition; appends a copy to cond. */
static bool add_value(cfg_ctx *c, const cfg_node *n, const char *path, const tt_param *parent,
                      tt_condition *cond, bool quiet)
{
    tt_value v;
    if (n->kind != CFG_SCALAR) {
        if (!quiet)
            cfg_expected(c, n, path, "a value of the parent parameter");
        return false;
    }
    cfg_scalar_value(n, &v);
    tt_value stored = {0};
    bool ok = false;
    if (parent->dist == TT_DIST_CATEGORICAL || parent->dist == TT_DIST_CONSTANT) {
        for (size_t i = 0; i < parent->n_values && !ok; i++)
            if (value_matches(n, &v, &parent->values[i])) {
                stored = tt_value_copy(&parent->values[i]);
                ok = true;
            }
        if (!ok && !quiet) {
            char list[200];
            list_values(parent, list, sizeof list);
            cfg_error(c, n, path, "'%s' is not a value of '%s' (%s)", n->text, parent->name,
                      list);
        }
    } else if (v.kind == TT_VALUE_INT || v.kind == TT_VALUE_FLOAT) {
        stored = tt_value_copy(&v);
        ok = true;
    } else if (!quiet) {
        char what[160];
        snprintf(what, sizeof what, "a number (a value of '%s')", parent->name);
        cfg_expected(c, n, path, what);
    }
    tt_value_clear(&v);
    if (ok) {
        cond->values = tt_xrealloc(cond->values, (cond->n_values + 1) * sizeof(tt_value));
        cond->values[cond->n_values++] = stored;
    }
    return ok;
}

static void resolve_when(cfg_ctx *c, const cfg_pending_when *w, const cfg_node **reported,
                         size_t *n_reported)
{
    tt_space *sp = c->sweep->space;
    tt_param *child = &sp->params[w->param];
    const char *name = w->key->text;
    char *sibling = tt_xasprintf("%s%s", w->prefix, name);
    long parent = tt_space_find(sp, sibling);
    if (parent < 0)
        parent = tt_space_find(sp, name);
    bool seen = false;
    for (size_t i = 0; i < *n_reported; i++)
        seen |= reported[i] == w->key;
    if (parent < 0) {
        if (!seen && !cfg_is_failed_param(c, sibling) && !cfg_is_failed_param(c, name)) {
            const char **names = tt_xcalloc(sp->n + 1, sizeof(char *));
            for (size_t i = 0; i < sp->n; i++)
                names[i] = sp->params[i].name;
            const char *s = cfg_suggest(name, names, sp->n);
            if (s)
                cfg_error(c, w->key, w->path, "unknown parameter '%s' (did you mean '%s'?)",
                          name, s);
            else
                cfg_error(c, w->key, w->path, "unknown parameter '%s'", name);
            free(names);
            reported[(*n_reported)++] = w->key;
        }
        free(sibling);
        return;
    }
    if ((size_t)parent == w->param) {
        if (!seen) {
            cfg_error(c, w->key, w->path, "'%s' cannot depend on itself", child->name);
            reported[(*n_reported)++] = w->key;
        }
        free(sibling);
        return;
    }
    const tt_param *par = &sp->params[parent];
    tt_condition cond = {.parent_name = tt_xstrdup(par->name), .parent = (size_t)parent};
    bool ok = true;
    if (w->value->kind == CFG_SEQ) {
        if (w->value->n_items == 0 && !seen) {
            cfg_error(c, w->value, w->path, "expected at least one value, found an empty list");
        }
        ok = w->value->n_items > 0;
        for (size_t i = 0; i < w->value->n_items; i++) {
            char *ip = tt_xasprintf("%s[%zu]", w->path, i);
            ok &= add_value(c, w->value->items[i], ip, par, &cond, seen);
            free(ip);
        }
    } else {
        ok = add_value(c, w->value, w->path, par, &cond, seen);
    }
    if (!ok && !seen)
        reported[(*n_reported)++] = w->key;
    if (ok) {
        child->conditions = tt_xrealloc(child->conditions,
                                        (child->n_conditions + 1) * sizeof(tt_condition));
        child->conditions[child->n_conditions++] = cond;
    } else {
        free(cond.parent_name);
        for (size_t i = 0; i < cond.n_values; i++)
            tt_value_clear(&cond.values[i]);
        free(cond.values);
    }
    free(sibling);
}

void cfg_finish_space(cfg_ctx *c, const cfg_node *at, const char *path)
{
    const cfg_node **reported = tt_xcalloc(c->n_when + 1, sizeof(cfg_node *));
    size_t n_reported = 0;
    for (size_t i = 0; i < c->n_when; i++) {
        resolve_when(c, &c->when[i], reported, &n_reported);
        free(c->when[i].path);
        free(c->when[i].prefix);
    }
    free(reported);
    free(c->when);
    c->when = NULL;
    c->n_when = c->cap_when = 0;
    if (c->diags->n_errors > c->errors_before || c->sweep->space->n == 0)
        return;
    tt_error err = {0};
    if (tt_space_finish(c->sweep->space, &err) == 0)
        return;
    /* The space names the parameter as "parameters.NAME: what"; point at
     * that parameter when it is one we declared. */
    const char *msg = err.msg;
    const char *colon = strstr(msg, ": ");
    if (strncmp(msg, "parameters.", 11) == 0 && colon) {
        char *name = tt_xstrndup(msg + 11, (size_t)(colon - msg - 11));
        long k = tt_space_find(c->sweep->space, name);
        free(name);
        if (k >= 0 && (size_t)k < c->n_info) {
            cfg_error(c, c->info[k].key, c->info[k].path, "%s", colon + 2);
            return;
        }
    }
    cfg_error(c, at, path, "%s", msg);
}
