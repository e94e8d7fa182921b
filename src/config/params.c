/*
 * params — W&B `parameters:` into a tt_space, with W&B's inference rules:
 * `values` is categorical, `value` a constant, `min`/`max` an int_uniform
 * when both are integers and a uniform otherwise, and `distribution` names
 * the rest (each with its required keys). A parameter holding `parameters:`
 * is a group whose children get dotted names (`optimizer.lr`).
 *
 * tunetop's `when:` (conditional parameters) may name a parameter declared
 * later in the file, so conditions wait in c->when until every parameter is
 * known; cfg_finish_space resolves them with their own positions before
 * tt_space_finish checks cycles (whose error can only point at the
 * `parameters` key).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum {
    K_VALUE = 1 << 0,
    K_VALUES = 1 << 1,
    K_PROBS = 1 << 2,
    K_MIN = 1 << 3,
    K_MAX = 1 << 4,
    K_MU = 1 << 5,
    K_SIGMA = 1 << 6,
    K_Q = 1 << 7,
    K_A = 1 << 8,
    K_B = 1 << 9,
};

static const char *const key_names[] = {"value", "values", "probabilities", "min", "max",
                                        "mu",    "sigma",  "q",             "a",   "b"};
#define N_VALUE_KEYS 10

static const char *const param_keys[] = {"value", "values", "probabilities", "min",
                                         "max",   "distribution", "mu", "sigma", "q",
                                         "a",     "b",     "when",  NULL};

/* Keys each distribution uses; the required ones are value, values, or min
 * and max, as W&B's schema has it. */
static unsigned dist_keys(tt_dist d)
{
    switch (d) {
    case TT_DIST_CONSTANT: return K_VALUE;
    case TT_DIST_CATEGORICAL: return K_VALUES | K_PROBS;
    case TT_DIST_INT_UNIFORM:
    case TT_DIST_UNIFORM:
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM:
    case TT_DIST_INV_LOG_UNIFORM_VALUES: return K_MIN | K_MAX;
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES: return K_MIN | K_MAX | K_Q;
    case TT_DIST_NORMAL:
    case TT_DIST_LOG_NORMAL: return K_MU | K_SIGMA;
    case TT_DIST_Q_NORMAL:
    case TT_DIST_Q_LOG_NORMAL: return K_MU | K_SIGMA | K_Q;
    case TT_DIST_BETA: return K_A | K_B;
    case TT_DIST_Q_BETA: return K_A | K_B | K_Q;
    default: return 0;
    }
}

static bool takes_values_not_exponents(tt_dist d)
{
    return d == TT_DIST_LOG_UNIFORM_VALUES || d == TT_DIST_Q_LOG_UNIFORM_VALUES ||
           d == TT_DIST_INV_LOG_UNIFORM_VALUES;
}

size_t cfg_add_param(cfg_ctx *c, tt_param *p, const cfg_node *key, const char *path)
{
    size_t i = tt_space_add(c->sweep->space, p);
    tt_grow((void **)&c->info, &c->cap_info, c->n_info + 1, sizeof(cfg_param_info));
    c->info[c->n_info++] = (cfg_param_info){key, tt_xstrdup(path)};
    return i;
}

static void init_param(tt_param *p, const char *name)
{
    memset(p, 0, sizeof *p);
    p->name = tt_xstrdup(name);
    p->sigma = 1;
    p->q = 1;
    p->a = 1;
    p->b = 1;
}

/* One choice of `values`, or a `value`: any scalar, or (W&B takes any JSON
 * value) a list or mapping, kept as its JSON text. */
static bool read_choice(cfg_ctx *c, const cfg_node *n, const char *path, tt_value *out)
{
    if (n->kind != CFG_SCALAR)
        return cfg_node_json(c, n, path, out);
    return cfg_scalar_value(n, out);
}

static bool read_values(cfg_ctx *c, tt_param *p, const cfg_node *n, const char *path)
{
    if (n->kind != CFG_SEQ) {
        char buf[80];
        cfg_error(c, n, path, "expected a list of values, found %s (write `values: [%s]`)",
                  cfg_found(n, buf, sizeof buf), n->kind == CFG_SCALAR ? n->text : "...");
        return false;
    }
    if (n->n_items == 0) {
        cfg_error(c, n, path, "expected at least one value, found an empty list");
        return false;
    }
    p->values = tt_xcalloc(n->n_items, sizeof(tt_value));
    bool ok = true;
    for (size_t i = 0; i < n->n_items; i++) {
        char *ip = tt_xasprintf("%s[%zu]", path, i);
        if (read_choice(c, n->items[i], ip, &p->values[p->n_values]))
            p->n_values++;
        else
            ok = false;
        free(ip);
    }
    return ok;
}

static bool read_probabilities(cfg_ctx *c, tt_param *p, const cfg_node *n, const char *path)
{
    if (n->kind != CFG_SEQ) {
        cfg_expected(c, n, path, "a list of probabilities");
        return false;
    }
    if (n->n_items != p->n_values) {
        cfg_error(c, n, path, "expected %zu probabilities (one per value), found %zu",
                  p->n_values, n->n_items);
        return false;
    }
    double *w = tt_xcalloc(n->n_items ? n->n_items : 1, sizeof(double));
    double sum = 0;
    bool ok = true;
    for (size_t i = 0; i < n->n_items; i++) {
        char *ip = tt_xasprintf("%s[%zu]", path, i);
        if (!cfg_scalar_number(n->items[i], &w[i], NULL) || !(w[i] >= 0) || !isfinite(w[i])) {
            cfg_expected(c, n->items[i], ip, "a number >= 0");
            ok = false;
        }
        sum += w[i];
        free(ip);
    }
    if (ok && fabs(sum - 1) > 1e-6) {
        char buf[32];
        cfg_error(c, n, path, "the probabilities sum to %s, not 1",
                  tt_format_double(sum, buf, sizeof buf));
        ok = false;
    }
    if (!ok) {
        free(w);
        return false;
    }
    p->probabilities = w;
    return true;
}

/* Read a positive number into *out (q, sigma, a, b). */
static bool read_positive(cfg_ctx *c, const cfg_node *n, const char *path, double *out,
                          bool *is_int)
{
    double v;
    if (!cfg_scalar_number(n, &v, is_int) || !(v > 0) || !isfinite(v)) {
        cfg_expected(c, n, path, "a number > 0");
        return false;
    }
    *out = v;
    return true;
}

static int infer_dist(cfg_ctx *c, const cfg_node *key, const cfg_node *map, const char *path)
{
    const cfg_pair *d = cfg_map_find(map, "distribution");
    if (d) {
        char *dp = cfg_path(path, "distribution");
        int dist = -1;
        const cfg_node *v = d->value;
        if (v->kind == CFG_SCALAR && strcmp(v->text, "categorical_w_probabilities") == 0) {
            dist = TT_DIST_CATEGORICAL;
        } else if (v->kind == CFG_SCALAR && !cfg_is_null(v)) {
            dist = tt_dist_from_name(v->text);
            if (dist < 0) {
                const char *names[TT_DIST_COUNT];
                for (int i = 0; i < TT_DIST_COUNT; i++)
                    names[i] = tt_dist_name((tt_dist)i);
                const char *s = cfg_suggest(v->text, names, TT_DIST_COUNT);
                if (s)
                    cfg_error(c, v, dp, "unknown distribution '%s' (did you mean '%s'?)",
                              v->text, s);
                else
                    cfg_error(c, v, dp, "unknown distribution '%s'", v->text);
            }
        } else {
            cfg_expected(c, v, dp, "a distribution name");
        }
        free(dp);
        return dist;
    }
    if (cfg_map_find(map, "values"))
        return TT_DIST_CATEGORICAL;
    if (cfg_map_find(map, "value"))
        return TT_DIST_CONSTANT;
    const cfg_pair *lo = cfg_map_find(map, "min"), *hi = cfg_map_find(map, "max");
    if (lo && hi) {
        double v;
        bool a = false, b = false;
        cfg_scalar_number(lo->value, &v, &a);
        cfg_scalar_number(hi->value, &v, &b);
        return a && b ? TT_DIST_INT_UNIFORM : TT_DIST_UNIFORM;
    }
    if (lo || hi)
        cfg_error(c, key, path, "missing '%s' (a range needs both min and max)",
                  lo ? "max" : "min");
    else
        cfg_error(c, key, path,
                  "cannot tell the distribution: give 'values', 'value', 'min' and 'max', "
                  "or 'distribution'");
    return -1;
}

/* Fill p from map for distribution dist; false on any error (reported). */
static bool read_param(cfg_ctx *c, tt_param *p, const cfg_node *key, const cfg_node *map,
                       const char *path)
{
    unsigned uses = dist_keys(p->dist);
    const cfg_node *v[N_VALUE_KEYS] = {0};
    char *paths[N_VALUE_KEYS];
    for (size_t i = 0; i < N_VALUE_KEYS; i++) {
        const cfg_pair *pair = cfg_map_find(map, key_names[i]);
        paths[i] = cfg_path(path, key_names[i]);
        if (!pair)
            continue;
        if (uses & (1u << i))
            v[i] = pair->value;
        else
            cfg_warn(c, pair->key, paths[i], "'%s' is not used by distribution %s (ignored)",
                     key_names[i], tt_dist_name(p->dist));
    }
    bool ok = true;
    unsigned need = p->dist == TT_DIST_CONSTANT      ? K_VALUE
                    : p->dist == TT_DIST_CATEGORICAL ? K_VALUES
                    : (uses & K_MIN)                 ? K_MIN | K_MAX
                                                     : 0;
    bool no_min = (need & K_MIN) && !v[3], no_max = (need & K_MAX) && !v[4];
    if (no_min && no_max) {
        cfg_error(c, key, path, "missing 'min' and 'max' (distribution %s needs them)",
                  tt_dist_name(p->dist));
        ok = false;
    } else {
        for (size_t i = 0; i < N_VALUE_KEYS; i++)
            if ((need & (1u << i)) && !v[i]) {
                cfg_error(c, key, path, "missing '%s' (distribution %s needs it)",
                          key_names[i], tt_dist_name(p->dist));
                ok = false;
            }
    }
    if (v[0]) {
        p->values = tt_xcalloc(1, sizeof(tt_value));
        if (read_choice(c, v[0], paths[0], &p->values[0]))
            p->n_values = 1;
        else
            ok = false;
    }
    if (v[1]) {
        ok &= read_values(c, p, v[1], paths[1]);
        if (ok && v[2])
            ok &= read_probabilities(c, p, v[2], paths[2]);
    }
    bool min_int = false, max_int = false, q_int = true, have_min = false, have_max = false;
    if (v[3]) {
        have_min = cfg_read_number(c, v[3], paths[3], &p->min, &min_int);
        ok &= have_min;
    }
    if (v[4]) {
        have_max = cfg_read_number(c, v[4], paths[4], &p->max, &max_int);
        ok &= have_max;
    }
    if (p->dist == TT_DIST_INT_UNIFORM) {
        /* `min: 1.0` names an integer as well as `min: 1` does. */
        if (have_min && !min_int && !(isfinite(p->min) && p->min == floor(p->min))) {
            cfg_expected(c, v[3], paths[3], "an integer (int_uniform)");
            ok = have_min = false;
        }
        if (have_max && !max_int && !(isfinite(p->max) && p->max == floor(p->max))) {
            cfg_expected(c, v[4], paths[4], "an integer (int_uniform)");
            ok = have_max = false;
        }
    }
    if (takes_values_not_exponents(p->dist)) {
        char what[96];
        snprintf(what, sizeof what, "a number > 0 (%s takes values, not exponents)",
                 tt_dist_name(p->dist));
        if (have_min && !(p->min > 0)) {
            cfg_expected(c, v[3], paths[3], what);
            ok = have_min = false;
        }
        if (have_max && !(p->max > 0)) {
            cfg_expected(c, v[4], paths[4], what);
            ok = have_max = false;
        }
    }
    if (have_min && have_max && (!isfinite(p->min) || !isfinite(p->max))) {
        cfg_error(c, isfinite(p->min) ? v[4] : v[3], isfinite(p->min) ? paths[4] : paths[3],
                  "expected a finite bound, found '%s'", isfinite(p->min) ? v[4]->text : v[3]->text);
        ok = false;
    } else if (have_min && have_max && p->min > p->max) {
        char a[32], b[32];
        cfg_error(c, v[3], paths[3], "min (%s) is greater than max (%s)",
                  tt_format_double(p->min, a, sizeof a), tt_format_double(p->max, b, sizeof b));
        ok = false;
    }
    if (v[5])
        ok &= cfg_read_number(c, v[5], paths[5], &p->mu, NULL);
    if (v[6])
        ok &= read_positive(c, v[6], paths[6], &p->sigma, NULL);
    if (v[7])
        ok &= read_positive(c, v[7], paths[7], &p->q, &q_int);
    if (v[8])
        ok &= read_positive(c, v[8], paths[8], &p->a, NULL);
    if (v[9])
        ok &= read_positive(c, v[9], paths[9], &p->b, NULL);
    /* W&B returns integers from a quantized distribution exactly when q
     * is an integer (`isinstance(q, int)`), whatever the bounds: q_uniform
     * {min: 0.0, max: 8.0, q: 2} gives 0, 2, ... 8. An absent q counts as
     * the integer 1. */
    if (p->dist == TT_DIST_INT_UNIFORM)
        p->is_int = true;
    else if (uses & K_Q)
        p->is_int = q_int;
    for (size_t i = 0; i < N_VALUE_KEYS; i++)
        free(paths[i]);
    return ok;
}

static bool valid_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* The `when:` mappings in force: a group's conditions hold for its children. */
typedef struct when_scope {
    const cfg_node *when;
    const char *path;
    const char *prefix;
    const struct when_scope *up;
} when_scope;

static void queue_when(cfg_ctx *c, size_t param, const when_scope *scope)
{
    for (; scope; scope = scope->up) {
        const cfg_node *w = scope->when;
        for (size_t i = 0; i < w->n_pairs; i++) {
            if (w->pairs[i].key->kind != CFG_SCALAR)
                continue;
            tt_grow((void **)&c->when, &c->cap_when, c->n_when + 1, sizeof(cfg_pending_when));
            c->when[c->n_when++] = (cfg_pending_when){
                .param = param,
                .key = w->pairs[i].key,
                .value = w->pairs[i].value,
                .path = cfg_path(scope->path, w->pairs[i].key->text),
                .prefix = tt_xstrdup(scope->prefix),
            };
        }
    }
}

/* Checks a `when:` node; returns false (reported) when it is not a mapping. */
static bool check_when(cfg_ctx *c, const cfg_node *map, const char *path)
{
    const cfg_pair *w = cfg_map_find(map, "when");
    if (!w)
        return false;
    char *wp = cfg_path(path, "when");
    bool ok = w->value->kind == CFG_MAP;
    if (!ok)
        cfg_error(c, w->value, wp,
                  "expected a mapping of parent parameters to values, found %s "
                  "(write `when: {optimizer: sgd}`)",
                  w->value->kind == CFG_SEQ ? "a list" : "a scalar");
    for (size_t i = 0; ok && i < w->value->n_pairs; i++)
        if (w->value->pairs[i].key->kind != CFG_SCALAR)
            cfg_expected(c, w->value->pairs[i].key, wp, "a parameter name");
    free(wp);
    return ok;
}

static void load_group(cfg_ctx *c, const cfg_node *map, const char *path, const char *prefix,
                       const when_scope *scope);

static void load_one(cfg_ctx *c, const cfg_node *key, const cfg_node *v, const char *path,
                     const char *prefix, const char *name, const when_scope *scope)
{
    char buf[80];
    if (v->kind != CFG_MAP) {
        if (v->kind == CFG_SEQ)
            cfg_error(c, v, path,
                      "expected a mapping, found a list (write `%s: {values: [...]}` for a "
                      "choice)",
                      key->text);
        else
            cfg_error(c, v, path,
                      "expected a mapping, found %s (write `%s: {value: %s}` for a constant, "
                      "or `%s: {values: [...]}`)",
                      cfg_found(v, buf, sizeof buf), key->text, v->len ? v->text : "...",
                      key->text);
        return;
    }
    when_scope own = {NULL, NULL, NULL, scope};
    char *wpath = cfg_path(path, "when");
    if (check_when(c, v, path)) {
        own.when = cfg_map_find(v, "when")->value;
        own.path = wpath;
        own.prefix = prefix;
        scope = &own;
    }
    const cfg_pair *nested = cfg_map_find(v, "parameters");
    if (nested) {
        static const char *const group_keys[] = {"parameters", "when", NULL};
        cfg_check_keys(c, v, path, group_keys, NULL);
        char *np = cfg_path(path, "parameters");
        char *child_prefix = tt_xasprintf("%s.", name);
        if (nested->value->kind != CFG_MAP || nested->value->n_pairs == 0)
            cfg_expected(c, nested->value, np, "a mapping of parameters");
        else
            load_group(c, nested->value, np, child_prefix, scope);
        free(child_prefix);
        free(np);
        free(wpath);
        return;
    }
    cfg_check_keys(c, v, path, param_keys, NULL);
    int dist = infer_dist(c, key, v, path);
    if (dist >= 0) {
        tt_param p;
        init_param(&p, name);
        p.dist = (tt_dist)dist;
        if (read_param(c, &p, key, v, path)) {
            size_t idx = cfg_add_param(c, &p, key, path);
            queue_when(c, idx, scope);
        } else {
            tt_param_clear(&p);
            cfg_param_failed(c, name);
        }
    } else {
        cfg_param_failed(c, name);
    }
    free(wpath);
}

static void load_group(cfg_ctx *c, const cfg_node *map, const char *path, const char *prefix,
                       const when_scope *scope)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const cfg_node *key = map->pairs[i].key;
        if (key->kind != CFG_SCALAR || cfg_is_null(key)) {
            cfg_expected(c, key, path, "a parameter name");
            continue;
        }
        bool later = false;
        for (size_t j = i + 1; j < map->n_pairs && !later; j++)
            later = map->pairs[j].key->kind == CFG_SCALAR &&
                    strcmp(map->pairs[j].key->text, key->text) == 0;
        char *ppath = cfg_path(path, key->text);
        char *name = tt_xasprintf("%s%s", prefix, key->text);
        if (later) {
            /* A repeated key: cfg_parse reported it; the last one is loaded. */
        } else if (!valid_name(key->text)) {
            cfg_error(c, key, ppath,
                      "invalid parameter name '%s': start with a letter or '_', then letters, "
                      "digits, '_', '.' or '-'",
                      key->text);
        } else if (tt_space_find(c->sweep->space, name) >= 0) {
            long k = tt_space_find(c->sweep->space, name);
            cfg_error(c, key, ppath, "parameter '%s' is already declared (line %d)", name,
                      c->info[k].key->line);
        } else {
            load_one(c, key, map->pairs[i].value, ppath, prefix, name, scope);
        }
        free(name);
        free(ppath);
    }
}

void cfg_load_parameters(cfg_ctx *c, const cfg_node *key, const cfg_node *params,
                         const char *path)
{
    if (params->kind != CFG_MAP) {
        cfg_expected(c, params, path, "a mapping of parameter names to their specs");
        return;
    }
    if (params->n_pairs == 0) {
        cfg_error(c, key, path, "no parameters: the search space is empty");
        return;
    }
    load_group(c, params, path, "", NULL);
}
