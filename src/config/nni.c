/*
 * nni — an NNI search_space.json ({"name": {"_type": ..., "_value": [...]}})
 * mapped onto the W&B distributions the space module knows. NNI's randint
 * excludes its upper bound, so randint [a, b) becomes int_uniform [a, b-1];
 * loguniform bounds are values, so they become log_uniform_values. A choice
 * among objects with `_name` (NNI's nested spaces) becomes a categorical over
 * the names, and each object's other keys become parameters named
 * `parent.<_name>.<key>`, active only when the parent takes that name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct nni_type {
    const char *name;
    tt_dist dist;
    size_t arity;         /* numbers in _value (0: a choice list) */
    const char *shape;    /* for messages */
} nni_type;

static const nni_type nni_types[] = {
    {"choice", TT_DIST_CATEGORICAL, 0, "[value, ...]"},
    {"randint", TT_DIST_INT_UNIFORM, 2, "[lower, upper)"},
    {"uniform", TT_DIST_UNIFORM, 2, "[low, high]"},
    {"quniform", TT_DIST_Q_UNIFORM, 3, "[low, high, q]"},
    {"loguniform", TT_DIST_LOG_UNIFORM_VALUES, 2, "[low, high]"},
    {"qloguniform", TT_DIST_Q_LOG_UNIFORM_VALUES, 3, "[low, high, q]"},
    {"normal", TT_DIST_NORMAL, 2, "[mu, sigma]"},
    {"qnormal", TT_DIST_Q_NORMAL, 3, "[mu, sigma, q]"},
    {"lognormal", TT_DIST_LOG_NORMAL, 2, "[mu, sigma]"},
    {"qlognormal", TT_DIST_Q_LOG_NORMAL, 3, "[mu, sigma, q]"},
};
#define N_NNI_TYPES (sizeof nni_types / sizeof nni_types[0])

static bool is_spec(const cfg_node *n)
{
    return n && n->kind == CFG_MAP && cfg_map_find(n, "_type") != NULL;
}

static bool looks_like_spec(const cfg_node *n)
{
    return n->kind == CFG_MAP && (cfg_map_find(n, "_type") || cfg_map_find(n, "_value"));
}

/* A search space: at least one entry shaped like an NNI parameter (with
 * _type or _value), so that a file whose one entry lacks its _type is
 * reported as the NNI file it is, and no W&B sweep key (a parameter may be
 * named `metric` or `method`, as long as it is written as one). */
bool cfg_is_nni(const cfg_node *map)
{
    static const char *const wandb[] = {"parameters", "search_space", "method", "program",
                                        "command"};
    if (!map || map->kind != CFG_MAP || map->n_pairs == 0)
        return false;
    for (size_t i = 0; i < sizeof wandb / sizeof wandb[0]; i++) {
        const cfg_pair *p = cfg_map_find(map, wandb[i]);
        if (p && !looks_like_spec(p->value))
            return false;
    }
    for (size_t i = 0; i < map->n_pairs; i++)
        if (looks_like_spec(map->pairs[i].value))
            return true;
    return false;
}

/* The condition "parent takes value". */
static void add_condition(tt_param *p, const char *parent, size_t index, const tt_value *value)
{
    p->conditions = tt_xrealloc(p->conditions, (p->n_conditions + 1) * sizeof(tt_condition));
    tt_condition *cond = &p->conditions[p->n_conditions++];
    *cond = (tt_condition){.parent_name = tt_xstrdup(parent), .parent = index};
    cond->values = tt_xmalloc(sizeof(tt_value));
    cond->values[0] = tt_value_copy(value);
    cond->n_values = 1;
}

typedef struct nni_parent {
    const char *name;
    size_t index;
    const tt_value *value;
} nni_parent;

static void load_spec(cfg_ctx *c, const cfg_node *key, const cfg_node *spec, const char *path,
                      const char *name, const nni_parent *parent);

static void load_group(cfg_ctx *c, const cfg_node *map, const char *path, const char *prefix,
                       const nni_parent *parent, const char *skip)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const cfg_node *k = map->pairs[i].key;
        if (k->kind != CFG_SCALAR || cfg_is_null(k)) {
            cfg_expected(c, k, path, "a parameter name");
            continue;
        }
        if (skip && strcmp(k->text, skip) == 0)
            continue;
        /* A repeated key was reported by cfg_parse; the last one is used. */
        bool later = false;
        for (size_t j = i + 1; j < map->n_pairs && !later; j++)
            later = map->pairs[j].key->kind == CFG_SCALAR &&
                    strcmp(map->pairs[j].key->text, k->text) == 0;
        if (later)
            continue;
        char *p = cfg_path(path, k->text);
        char *name = tt_xasprintf("%s%s", prefix, k->text);
        if (tt_space_find(c->sweep->space, name) >= 0)
            cfg_error(c, k, p, "parameter '%s' is already declared", name);
        else
            load_spec(c, k, map->pairs[i].value, p, name, parent);
        free(name);
        free(p);
    }
}

/* Whether a list holds an NNI parameter spec (at any depth). */
static bool holds_spec(const cfg_node *n)
{
    if (is_spec(n))
        return true;
    for (size_t i = 0; n->kind == CFG_SEQ && i < n->n_items; i++)
        if (holds_spec(n->items[i]))
            return true;
    return false;
}

/* A choice: scalars, lists (as JSON text), or objects with _name holding
 * nested parameters. */
static bool load_choice(cfg_ctx *c, tt_param *p, const cfg_node *list, const char *vpath)
{
    if (list->n_items == 0) {
        cfg_error(c, list, vpath, "expected at least one choice, found an empty list");
        return false;
    }
    p->values = tt_xcalloc(list->n_items, sizeof(tt_value));
    bool ok = true;
    for (size_t i = 0; i < list->n_items; i++) {
        const cfg_node *item = list->items[i];
        char *ip = tt_xasprintf("%s[%zu]", vpath, i);
        const cfg_node *v = item;
        if (item->kind == CFG_MAP) {
            const cfg_pair *nm = cfg_map_find(item, "_name");
            v = nm ? nm->value : NULL;
            if (!nm) {
                cfg_error(c, item, ip, "missing '_name' (a nested choice names each option)");
            } else if (v->kind != CFG_SCALAR) {
                char *np = cfg_path(ip, "_name");
                cfg_expected(c, v, np, "a name (a string or number)");
                free(np);
                v = NULL;
            }
        }
        tt_value tv = {0};
        bool have = false;
        if (v && v->kind == CFG_SCALAR) {
            have = cfg_scalar_value(v, &tv);
        } else if (v && v->kind == CFG_SEQ) {
            /* A list is one opaque choice, kept as its JSON text. */
            have = cfg_node_json(c, v, ip, &tv);
            ok &= have;
            if (have && holds_spec(v))
                cfg_warn(c, v, ip,
                         "this list is one literal choice: search spaces inside lists (the "
                         "old 'cascading' style) are not sampled; write {\"_name\": ...} "
                         "objects for nested choices");
        }
        if (have) {
            for (size_t j = 0; j < p->n_values; j++)
                if (tt_value_equal(&p->values[j], &tv)) {
                    cfg_error(c, v, ip, "choice '%.60s' appears twice",
                              v->kind == CFG_SCALAR ? v->text : tv.s);
                    ok = false;
                    break;
                }
            p->values[p->n_values++] = tv;
        } else if (!v || v->kind != CFG_SEQ) {
            if (v)
                cfg_expected(c, v, ip, "a number, string, boolean or {_name: ...} object");
            ok = false;
        }
        free(ip);
    }
    return ok;
}

static bool read_numbers(cfg_ctx *c, const cfg_node *list, const char *vpath, double *out,
                         bool *ints, size_t arity, const nni_type *t)
{
    if (list->n_items != arity) {
        cfg_error(c, list, vpath, "expected %s for %s, found %zu number%s", t->shape, t->name,
                  list->n_items, list->n_items == 1 ? "" : "s");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < arity; i++) {
        char *ip = tt_xasprintf("%s[%zu]", vpath, i);
        ok &= cfg_read_number(c, list->items[i], ip, &out[i], &ints[i]);
        if (ok && !isfinite(out[i])) {
            cfg_expected(c, list->items[i], ip, "a finite number");
            ok = false;
        }
        free(ip);
    }
    return ok;
}

static bool fill_numeric(cfg_ctx *c, tt_param *p, const nni_type *t, const cfg_node *list,
                         const char *vpath)
{
    double v[3];
    bool ints[3] = {false, false, true};
    if (!read_numbers(c, list, vpath, v, ints, t->arity, t))
        return false;
    char *p0 = tt_xasprintf("%s[0]", vpath), *p1 = tt_xasprintf("%s[1]", vpath),
         *p2 = tt_xasprintf("%s[2]", vpath);
    bool ok = true;
    bool range = t->dist != TT_DIST_NORMAL && t->dist != TT_DIST_Q_NORMAL &&
                 t->dist != TT_DIST_LOG_NORMAL && t->dist != TT_DIST_Q_LOG_NORMAL;
    if (t->arity == 3 && !(v[2] > 0)) {
        cfg_expected(c, list->items[2], p2, "a q > 0");
        ok = false;
    }
    if (range) {
        p->min = v[0];
        p->max = v[1];
        if (t->dist == TT_DIST_INT_UNIFORM) {
            /* 10.0 is an integer too (JSON writers emit it). */
            for (size_t i = 0; i < 2; i++)
                ints[i] = ints[i] || v[i] == floor(v[i]);
            if (!ints[0] || !ints[1]) {
                cfg_expected(c, list->items[ints[0] ? 1 : 0], ints[0] ? p1 : p0,
                             "an integer (randint)");
                ok = false;
            } else if (v[1] <= v[0]) {
                cfg_error(c, list, vpath, "randint's upper bound (excluded) must exceed its "
                                          "lower bound");
                ok = false;
            }
            p->max = v[1] - 1;
            p->is_int = true;
        } else if (v[0] > v[1]) {
            cfg_error(c, list, vpath, "low is greater than high");
            ok = false;
        }
        if ((t->dist == TT_DIST_LOG_UNIFORM_VALUES || t->dist == TT_DIST_Q_LOG_UNIFORM_VALUES) &&
            !(v[0] > 0)) {
            cfg_expected(c, list->items[0], p0, "a number > 0 (log scale)");
            ok = false;
        }
        if (t->arity == 3) {
            p->q = v[2];
            p->is_int = ints[0] && ints[1] && ints[2];
        }
    } else {
        p->mu = v[0];
        p->sigma = v[1];
        if (!(v[1] > 0)) {
            cfg_expected(c, list->items[1], p1, "a sigma > 0");
            ok = false;
        }
        if (t->arity == 3) {
            p->q = v[2];
            p->is_int = ints[2];
        }
    }
    free(p0);
    free(p1);
    free(p2);
    return ok;
}

static void load_spec(cfg_ctx *c, const cfg_node *key, const cfg_node *spec, const char *path,
                      const char *name, const nni_parent *parent)
{
    static const char *const keys[] = {"_type", "_value", NULL};
    if (!is_spec(spec)) {
        if (spec->kind == CFG_MAP && cfg_map_find(spec, "_value"))
            cfg_error(c, key, path, "missing '_type' (choice, randint, uniform, quniform, "
                                    "loguniform, qloguniform, normal, qnormal, lognormal, "
                                    "qlognormal)");
        else
            cfg_expected(c, spec, path, "an NNI parameter {_type: ..., _value: [...]}");
        cfg_param_failed(c, name);
        return;
    }
    cfg_check_keys(c, spec, path, keys, NULL);
    char *tpath = cfg_path(path, "_type"), *vpath = cfg_path(path, "_value");
    const cfg_node *tn = cfg_map_find(spec, "_type")->value;
    const cfg_pair *vp = cfg_map_find(spec, "_value");
    const nni_type *t = NULL;
    for (size_t i = 0; i < N_NNI_TYPES && tn->kind == CFG_SCALAR; i++)
        if (strcmp(tn->text, nni_types[i].name) == 0)
            t = &nni_types[i];
    bool ok = true;
    if (!t) {
        const char *names[N_NNI_TYPES];
        for (size_t i = 0; i < N_NNI_TYPES; i++)
            names[i] = nni_types[i].name;
        const char *s = tn->kind == CFG_SCALAR ? cfg_suggest(tn->text, names, N_NNI_TYPES) : NULL;
        if (s)
            cfg_error(c, tn, tpath, "unknown _type '%s' (did you mean '%s'?)", tn->text, s);
        else
            cfg_expected(c, tn, tpath, "an NNI _type (choice, randint, uniform, quniform, "
                                       "loguniform, qloguniform, normal, qnormal, lognormal, "
                                       "qlognormal)");
        ok = false;
    }
    if (!vp) {
        cfg_error(c, key, path, "missing '_value'");
        ok = false;
    } else if (vp->value->kind != CFG_SEQ) {
        cfg_expected(c, vp->value, vpath, "a list");
        ok = false;
    }
    tt_param p;
    memset(&p, 0, sizeof p);
    p.name = tt_xstrdup(name);
    p.sigma = p.q = p.a = p.b = 1;
    if (ok) {
        p.dist = t->dist;
        ok = t->arity == 0 ? load_choice(c, &p, vp->value, vpath)
                           : fill_numeric(c, &p, t, vp->value, vpath);
    }
    if (!ok) {
        tt_param_clear(&p);
        cfg_param_failed(c, name);
        free(tpath);
        free(vpath);
        return;
    }
    if (parent)
        add_condition(&p, parent->name, parent->index, parent->value);
    size_t index = cfg_add_param(c, &p, key, path);
    if (t->arity == 0) {
        /* Children of nested choices, named parent.<_name>.<key>. */
        for (size_t i = 0; i < vp->value->n_items; i++) {
            const cfg_node *item = vp->value->items[i];
            if (item->kind != CFG_MAP)
                continue;
            /* Copies: loading children may move the space's params. */
            tt_value choice = tt_value_copy(&c->sweep->space->params[index].values[i]);
            char vbuf[128];
            tt_value_format(&choice, vbuf, sizeof vbuf);
            char *prefix = tt_xasprintf("%s.%s.", name, vbuf);
            char *ip = tt_xasprintf("%s[%zu]", vpath, i);
            nni_parent me = {name, index, &choice};
            load_group(c, item, ip, prefix, &me, "_name");
            tt_value_clear(&choice);
            free(ip);
            free(prefix);
        }
    }
    free(tpath);
    free(vpath);
}

void cfg_load_nni(cfg_ctx *c, const cfg_node *map, const char *path)
{
    load_group(c, map, path, "", NULL, NULL);
}
