/*
 * grid — exhaustive search over the Cartesian product of every parameter's
 * grid values, with the semantics of W&B's grid search: the product is taken
 * in declaration order with the first parameter varying slowest (as
 * itertools.product does), and the next suggestion is the first point of
 * that order that no trial of the history already has. Comparing with the
 * history instead of counting trials makes the grid resumable and robust to
 * enqueued, retried or out-of-order trials; the seed plays no part.
 *
 * Points are named by grid indices: parameter i takes tt_param_grid_value(i,
 * k) for k < tt_param_grid_count(i) (categorical index, constant 0). Two
 * index tuples can be the same configuration: a parameter switched off by a
 * condition takes any index, and a categorical may list one value twice (W&B
 * hashes values, so it runs such a value once). Only the canonical tuple
 * (inactive parameters at index 0, categoricals at the first index holding
 * their value) is suggested or counted, so each configuration appears once.
 */
#include "tunetop/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Index of an inactive parameter in a configuration key. */
#define INACTIVE SIZE_MAX

typedef struct grid_plan {
    const tt_space *space;
    size_t n;
    size_t *count;      /* grid values of each parameter */
    size_t *distinct;   /* distinct values among them */
    size_t **canon;     /* per categorical: first index holding the same value */
    bool *prefix_rules; /* whether parameters declared earlier decide if i is active */
    bool *is_parent;    /* whether some condition looks at parameter i */
    tt_assignment scratch;
} grid_plan;

static void plan_free(grid_plan *g)
{
    if (g->canon != NULL)
        for (size_t i = 0; i < g->n; i++)
            free(g->canon[i]);
    free(g->canon);
    free(g->count);
    free(g->distinct);
    free(g->prefix_rules);
    free(g->is_parent);
    tt_assignment_free(&g->scratch);
    memset(g, 0, sizeof *g);
}

static int plan_build(const tt_space *space, grid_plan *g, tt_error *err)
{
    memset(g, 0, sizeof *g);
    size_t n = space->n;
    for (size_t i = 0; i < n; i++) {
        const tt_param *p = &space->params[i];
        if (tt_param_grid_count(p) > 0)
            continue;
        if (p->dist == TT_DIST_INT_UNIFORM || p->dist == TT_DIST_Q_UNIFORM ||
            p->dist == TT_DIST_CATEGORICAL)
            return tt_error_set(err, TT_ERR_INVALID,
                                "grid search: parameter '%s' (%s) has no value to try",
                                p->name, tt_dist_name(p->dist));
        return tt_error_set(err, TT_ERR_INVALID,
                            "grid search needs a finite set of values; parameter '%s' is "
                            "%s: give `values`, or `distribution: q_uniform`/`int_uniform`",
                            p->name, tt_dist_name(p->dist));
    }
    g->space = space;
    g->n = n;
    g->count = tt_xcalloc(n + 1, sizeof *g->count);
    g->distinct = tt_xcalloc(n + 1, sizeof *g->distinct);
    g->canon = tt_xcalloc(n + 1, sizeof *g->canon);
    g->prefix_rules = tt_xcalloc(n + 1, sizeof *g->prefix_rules);
    g->is_parent = tt_xcalloc(n + 1, sizeof *g->is_parent);
    g->scratch = tt_assignment_new(n);
    for (size_t i = 0; i < n; i++) {
        const tt_param *p = &space->params[i];
        g->count[i] = tt_param_grid_count(p);
        g->distinct[i] = g->count[i];
        if (p->dist == TT_DIST_CATEGORICAL && p->n_values == g->count[i]) {
            g->canon[i] = tt_xcalloc(g->count[i], sizeof **g->canon);
            g->distinct[i] = 0;
            for (size_t k = 0; k < g->count[i]; k++) {
                size_t first = k;
                for (size_t j = 0; j < k; j++)
                    if (tt_value_equal(&p->values[j], &p->values[k])) {
                        first = j;
                        break;
                    }
                g->canon[i][k] = first;
                g->distinct[i] += first == k;
            }
        }
        for (size_t c = 0; c < p->n_conditions; c++)
            g->is_parent[p->conditions[c].parent] = true;
    }
    /* latest[i]: the last-declared parameter that i's activity depends on,
     * through its conditions and theirs (space->order has parents first). */
    long *latest = tt_xcalloc(n + 1, sizeof *latest);
    for (size_t k = 0; k < n; k++) {
        size_t i = space->order != NULL ? space->order[k] : k;
        const tt_param *p = &space->params[i];
        latest[i] = -1;
        for (size_t c = 0; c < p->n_conditions; c++) {
            size_t parent = p->conditions[c].parent;
            long l = latest[parent] > (long)parent ? latest[parent] : (long)parent;
            if (l > latest[i])
                latest[i] = l;
        }
        g->prefix_rules[i] = latest[i] < (long)i;
    }
    free(latest);
    return 0;
}

static size_t canonical(const grid_plan *g, size_t i, size_t k)
{
    return g->canon[i] != NULL ? g->canon[i][k] : k;
}

/* Set the scratch assignment to the grid point idx (over all parameters) and
 * compute which parameters are active. */
static void plan_place(grid_plan *g, const size_t *idx)
{
    for (size_t i = 0; i < g->n; i++)
        g->scratch.x[i] = tt_param_grid_value(&g->space->params[i], idx[i]);
    tt_space_update_active(g->space, &g->scratch);
}

/* After plan_place: whether idx is the canonical tuple of its
 * configuration, looking only at parameters with want[i] (NULL: all). When
 * it is not, *from is where to advance the odometer (see odometer_advance):
 * past every tuple sharing the prefix that already makes it a duplicate,
 * when the parameters declared before the culprit decide whether it is
 * active; otherwise just to the next tuple. */
static bool is_canonical(const grid_plan *g, const size_t *idx, const bool *want, size_t *from)
{
    bool canonical_tuple = true;
    for (size_t i = 0; i < g->n; i++) {
        if (want != NULL && !want[i])
            continue;
        bool active = g->scratch.active[i];
        if (active ? canonical(g, i, idx[i]) == idx[i] : idx[i] == 0)
            continue;
        if (g->prefix_rules[i]) {
            /* Inactive: every other index of i is a duplicate too, so move
             * on to the next prefix; a repeated categorical value: try the
             * next value of i. */
            *from = active ? i + 1 : i;
            return false;
        }
        canonical_tuple = false;
    }
    *from = g->n;
    return canonical_tuple;
}

/* Move the odometer idx (over the parameters with want[i]; NULL: all; the
 * last declared turns fastest) to the next tuple that differs in the
 * positions before `from`: positions from `from` on restart at 0. Returns
 * false when no such tuple is left. */
static bool odometer_advance(const grid_plan *g, size_t *idx, const bool *want, size_t from)
{
    for (size_t i = from; i < g->n; i++)
        idx[i] = 0;
    for (size_t i = from; i-- > 0;) {
        if (want != NULL && !want[i])
            continue;
        if (++idx[i] < g->count[i])
            return true;
        idx[i] = 0;
    }
    return false;
}

static size_t mul_sat(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return SIZE_MAX;
    return a * b;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

size_t tt_grid_size(const tt_space *space, tt_error *err)
{
    grid_plan g;
    if (plan_build(space, &g, err) < 0)
        return 0;
    /* Only the parameters that conditions look at need enumerating: for each
     * canonical choice of theirs, every other parameter multiplies the count
     * by its number of distinct values when active, by 1 when not. */
    size_t total = 0;
    size_t *idx = tt_xcalloc(g.n + 1, sizeof *idx);
    for (;;) {
        plan_place(&g, idx);
        size_t from;
        if (is_canonical(&g, idx, g.is_parent, &from)) {
            size_t product = 1;
            for (size_t i = 0; i < g.n; i++)
                if (!g.is_parent[i] && g.scratch.active[i])
                    product = mul_sat(product, g.distinct[i]);
            total = add_sat(total, product);
        }
        if (total == SIZE_MAX || !odometer_advance(&g, idx, g.is_parent, from))
            break;
    }
    free(idx);
    plan_free(&g);
    return total;
}

/* ---- the history as a set of configuration keys ---- */

typedef struct key_set {
    size_t n;           /* parameters per key */
    size_t *keys;       /* count keys of n indices each */
    size_t count;
    size_t *slots;      /* 1-based key numbers; 0 is empty */
    uint64_t *hashes;
    size_t mask;
} key_set;

static uint64_t key_hash(const size_t *key, size_t n)
{
    return tt_hash_bytes(key, n * sizeof *key, 0x67726964ULL);
}

static bool key_set_has(const key_set *s, const size_t *key)
{
    uint64_t h = key_hash(key, s->n);
    for (size_t at = (size_t)h & s->mask;; at = (at + 1) & s->mask) {
        size_t slot = s->slots[at];
        if (slot == 0)
            return false;
        if (s->hashes[at] == h &&
            memcmp(&s->keys[(slot - 1) * s->n], key, s->n * sizeof *key) == 0)
            return true;
    }
}

static void key_set_add(key_set *s, const size_t *key)
{
    if (key_set_has(s, key))
        return;
    uint64_t h = key_hash(key, s->n);
    memcpy(&s->keys[s->count * s->n], key, s->n * sizeof *key);
    s->count++;
    size_t at = (size_t)h & s->mask;
    while (s->slots[at] != 0)
        at = (at + 1) & s->mask;
    s->slots[at] = s->count;
    s->hashes[at] = h;
}

/* The grid index of value x of parameter i, or SIZE_MAX when x is not one
 * of its grid values. Numeric grids are searched by bisection (their values
 * increase with the index) and matched within a millionth of the spacing,
 * so a value that went through text ("0.3" for 0.1*3) still matches. */
static size_t grid_index_of(const grid_plan *g, size_t i, double x)
{
    const tt_param *p = &g->space->params[i];
    size_t count = g->count[i];
    if (p->dist == TT_DIST_CONSTANT)
        return 0;
    if (isnan(x))
        return SIZE_MAX;
    if (p->dist == TT_DIST_CATEGORICAL) {
        if (x < 0 || x >= (double)count || x != floor(x))
            return SIZE_MAX;
        return canonical(g, i, (size_t)x);
    }
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tt_param_grid_value(p, mid) < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t best = SIZE_MAX;
    double best_d = INFINITY;
    for (size_t k = lo > 0 ? lo - 1 : 0; k <= lo && k < count; k++) {
        double d = fabs(tt_param_grid_value(p, k) - x);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    if (best == SIZE_MAX)
        return SIZE_MAX;
    double v = tt_param_grid_value(p, best);
    double spacing = fmax(1.0, fabs(v));
    if (count > 1)
        spacing = fabs(tt_param_grid_value(p, best + 1 < count ? best + 1 : best - 1) - v);
    return best_d <= 1e-6 * spacing ? best : SIZE_MAX;
}

/* The key of an observed point: canonical indices, INACTIVE for parameters
 * switched off. Returns false when the point is not on the grid. */
static bool observation_key(grid_plan *g, const tt_assignment *a, size_t *idx, size_t *key)
{
    if (a->n != g->n || a->x == NULL)
        return false;
    for (size_t i = 0; i < g->n; i++) {
        idx[i] = 0;
        if (a->active == NULL || a->active[i]) {
            idx[i] = grid_index_of(g, i, a->x[i]);
            if (idx[i] == SIZE_MAX)
                return false;
        }
    }
    plan_place(g, idx);
    for (size_t i = 0; i < g->n; i++) {
        /* A value the trial never had cannot make it a grid point. */
        if (g->scratch.active[i] && a->active != NULL && !a->active[i])
            return false;
        key[i] = g->scratch.active[i] ? idx[i] : INACTIVE;
    }
    return true;
}

int tt_grid_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                    tt_assignment *out, tt_error *err)
{
    (void)seed; /* W&B's grid order is fixed; so is ours */
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "grid search: the output holds %zu parameters, the space %zu",
                            out->n, space->n);
    grid_plan g;
    int rc = plan_build(space, &g, err);
    if (rc < 0)
        return rc;
    size_t n = g.n;
    size_t n_obs = history != NULL ? history->n : 0;
    key_set seen = {.n = n};
    size_t cap = 16;
    while (cap < 2 * n_obs + 2)
        cap *= 2;
    seen.mask = cap - 1;
    seen.slots = tt_xcalloc(cap, sizeof *seen.slots);
    seen.hashes = tt_xcalloc(cap, sizeof *seen.hashes);
    seen.keys = tt_xcalloc(n_obs * n + 1, sizeof *seen.keys);
    size_t *idx = tt_xcalloc(n + 1, sizeof *idx);
    size_t *key = tt_xcalloc(n + 1, sizeof *key);
    for (size_t t = 0; t < n_obs; t++)
        if (observation_key(&g, &history->obs[t].params, idx, key))
            key_set_add(&seen, key);

    memset(idx, 0, (n + 1) * sizeof *idx);
    rc = -TT_ERR_EXHAUSTED;
    for (;;) {
        plan_place(&g, idx);
        size_t from;
        if (is_canonical(&g, idx, NULL, &from)) {
            for (size_t i = 0; i < n; i++)
                key[i] = g.scratch.active[i] ? idx[i] : INACTIVE;
            if (!key_set_has(&seen, key)) {
                for (size_t i = 0; i < n; i++) {
                    out->active[i] = g.scratch.active[i];
                    out->x[i] = out->active[i] ? g.scratch.x[i] : 0.0;
                }
                rc = 0;
                break;
            }
        }
        if (!odometer_advance(&g, idx, NULL, from))
            break;
    }
    if (rc == -TT_ERR_EXHAUSTED)
        tt_error_set(err, TT_ERR_EXHAUSTED, "the grid is exhausted: all %zu points have run",
                     seen.count);
    free(idx);
    free(key);
    free(seen.keys);
    free(seen.slots);
    free(seen.hashes);
    plan_free(&g);
    return rc;
}
