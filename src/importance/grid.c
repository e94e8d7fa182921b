/*
 * grid — the forest's predicted objective over a grid of two parameters
 * (docs/algorithms.md §3.4), which the dashboard's contour view and
 * `tunetop plot --kind contour` shade.
 *
 * The other parameters are marginalised as fANOVA does (§3.1.2): the value
 * at (a, b) is the mean prediction over every other parameter drawn from
 * its prior, i.e. the sum over the leaves whose box holds (a, b) of
 * value × the box's measure along the other parameters. Fixing them at the
 * best trial's values instead would show a slice through one point, which
 * with a forest grown to purity is mostly that trial's own leaf noise; the
 * marginal is what the importance panel's "a × b" interaction is a
 * variance of, so the picture and the number agree.
 *
 * A leaf covers, on each axis, a set of grid indices: a run for a numeric
 * parameter (an interval), a few runs for a categorical one (its allowed
 * choices). Each pair of runs is one rectangle added into a 2-D difference
 * array shared by all trees, summed once at the end: O(leaves + cells) in
 * all, where descending every tree once per cell would cost cells × depth
 * × trees.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct walk {
    const imp_data *data;
    const imp_tree *tree;
    size_t fa, fb;            /* the two axes' features */
    const double *ua, *ub;    /* the grid in feature units (NAN: none) */
    size_t na, nb;
    double *lo, *hi;          /* numeric box: (lo, hi] per feature */
    uint8_t *allow;           /* categorical box: allowed choices */
    size_t *cat_off;
    double *diff;             /* (nb + 1) x (na + 1) */
    uint32_t *ra, *rb;        /* scratch: runs on each axis, pairs of [start, end) */
} walk;

/* Whether grid value u of feature f lies in the current box. */
static bool inside(const walk *w, size_t f, double u)
{
    if (isnan(u))
        return false;
    if (w->data->n_cat[f])
        return w->allow[w->cat_off[f] + (size_t)u] != 0;
    return u > w->lo[f] && u <= w->hi[f];
}

/* The runs of grid indices of one axis inside the box, as [start, end)
 * pairs in runs; returns how many. */
static size_t axis_runs(const walk *w, size_t f, const double *u, size_t n, uint32_t *runs)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (!inside(w, f, u[i])) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && inside(w, f, u[j]))
            j++;
        runs[2 * k] = (uint32_t)i;
        runs[2 * k + 1] = (uint32_t)j;
        k++;
        i = j;
    }
    return k;
}

/* The box's measure along feature f under the prior. */
static double measure(const walk *w, size_t f)
{
    const imp_data *d = w->data;
    if (d->n_cat[f]) {
        double m = 0;
        for (size_t k = 0; k < d->n_cat[f]; k++)
            if (w->allow[w->cat_off[f] + k])
                m += d->prob[f][k];
        return m;
    }
    double lo = w->lo[f] < 0 ? 0 : w->lo[f], hi = w->hi[f] > 1 ? 1 : w->hi[f];
    return hi > lo ? hi - lo : 0;
}

static void leaf(walk *w, const imp_node *node)
{
    double weight = node->value;
    for (size_t f = 0; f < w->data->d && weight != 0; f++)
        if (f != w->fa && f != w->fb)
            weight *= measure(w, f);
    if (weight == 0)
        return;
    size_t ka = axis_runs(w, w->fa, w->ua, w->na, w->ra);
    size_t kb = ka ? axis_runs(w, w->fb, w->ub, w->nb, w->rb) : 0;
    size_t stride = w->na + 1;
    for (size_t p = 0; p < kb; p++)
        for (size_t q = 0; q < ka; q++) {
            size_t i0 = w->ra[2 * q], i1 = w->ra[2 * q + 1];
            size_t j0 = w->rb[2 * p], j1 = w->rb[2 * p + 1];
            w->diff[j0 * stride + i0] += weight;
            w->diff[j0 * stride + i1] -= weight;
            w->diff[j1 * stride + i0] -= weight;
            w->diff[j1 * stride + i1] += weight;
        }
}

static void visit(walk *w, int32_t id)
{
    const imp_node *node = &w->tree->nodes[id];
    if (node->feature < 0) {
        leaf(w, node);
        return;
    }
    size_t f = (size_t)node->feature;
    if (w->data->n_cat[f]) {
        /* left: every choice but k; right: k alone (forest.c) */
        size_t nk = w->data->n_cat[f], k = (size_t)node->threshold;
        uint8_t *a = w->allow + w->cat_off[f];
        uint8_t saved[64], *copy = nk <= sizeof saved ? saved : tt_xmalloc(nk);
        memcpy(copy, a, nk);
        a[k] = 0;
        visit(w, node->left);
        memset(a, 0, nk);
        a[k] = copy[k];
        visit(w, node->right);
        memcpy(a, copy, nk);
        if (copy != saved)
            free(copy);
        return;
    }
    double keep = w->hi[f];
    w->hi[f] = fmin(keep, node->threshold);
    visit(w, node->left);
    w->hi[f] = keep;
    keep = w->lo[f];
    w->lo[f] = fmax(keep, node->threshold);
    visit(w, node->right);
    w->lo[f] = keep;
}

/* Grid values in feature units: the prior's CDF for a number (as the
 * forest was trained), the choice index for a categorical. */
static void encode_axis(const imp_data *d, const tt_space *space, size_t f, const double *x,
                        size_t n, double *u)
{
    const tt_param *p = &space->params[d->param[f]];
    for (size_t i = 0; i < n; i++) {
        double v = x[i], e = NAN;
        if (isfinite(v)) {
            if (d->n_cat[f]) {
                if (v >= 0 && v < (double)d->n_cat[f] && v == floor(v))
                    e = v;
            } else {
                e = tt_param_encode(p, v);
                e = e < 0 ? 0 : e > 1 ? 1 : e;
            }
        }
        u[i] = e;
    }
}

static long feature_of(const imp_data *d, size_t param)
{
    for (size_t f = 0; f < d->d; f++)
        if (d->param[f] == param)
            return (long)f;
    return -1;
}

int tt_importance_grid(const tt_space *space, const double *const *x, const bool *const *active,
                       const double *y, size_t n, size_t a, const double *xa, size_t na,
                       size_t b, const double *xb, size_t nb, size_t max_rows, uint64_t seed,
                       double *out, tt_error *err)
{
    if (!space || a >= space->n || b >= space->n || a == b)
        return tt_error_set(err, TT_ERR_INVALID, "grid: two different parameters are needed");
    if (n < 2)
        return tt_error_set(err, TT_ERR_INVALID, "grid: at least 2 trials are needed, not %zu",
                            n);
    for (size_t t = 0; t < n; t++)
        if (!x[t] || !isfinite(y[t]))
            return tt_error_set(err, TT_ERR_INVALID, "grid: trial %zu has no finite objective",
                                t);
    imp_data full;
    imp_data_build(&full, space, x, active, y, n);
    long fa = feature_of(&full, a), fb = feature_of(&full, b);
    if (fa < 0 || fb < 0) {
        imp_data_free(&full);
        return tt_error_set(err, TT_ERR_INVALID, "grid: parameter '%s' is a constant",
                            space->params[fa < 0 ? a : b].name);
    }
    /* the sample: bounded, stratified on y, always holding the best */
    size_t cap = max_rows ? max_rows : TT_IMPORTANCE_GRID_ROWS;
    size_t *rows = tt_xmalloc((n + 1) * sizeof *rows);
    size_t m = imp_stratified_rows(y, n, cap, seed, rows);
    double *ys = tt_xmalloc((m + 1) * sizeof *ys);
    imp_data data;
    imp_data_rows(&full, rows, m, ys, &data);
    free(rows);

    double mean = 0, sd = 0;
    for (size_t t = 0; t < m; t++)
        mean += ys[t];
    mean /= (double)m;
    for (size_t t = 0; t < m; t++)
        sd += (ys[t] - mean) * (ys[t] - mean);
    sd = sqrt(sd / (double)m);

    double *ua = tt_xmalloc((na + 1) * sizeof *ua), *ub = tt_xmalloc((nb + 1) * sizeof *ub);
    encode_axis(&data, space, (size_t)fa, xa, na, ua);
    encode_axis(&data, space, (size_t)fb, xb, nb, ub);
    double *u, *yt;
    if (!imp_training_data(&data, seed, &u, &yt)) {
        /* a constant objective: the forest would predict it everywhere */
        for (size_t j = 0; j < nb; j++)
            for (size_t i = 0; i < na; i++)
                out[j * na + i] = isnan(ua[i]) || isnan(ub[j]) ? NAN : mean;
    } else {
        imp_forest forest;
        imp_forest_fit(&forest, &data, u, yt, TT_IMPORTANCE_GRID_TREES, TT_IMPORTANCE_MAX_DEPTH,
                       seed);
        size_t d = data.d, ktot = 0;
        walk w = {.data = &data, .fa = (size_t)fa, .fb = (size_t)fb, .ua = ua, .ub = ub,
                  .na = na, .nb = nb};
        w.cat_off = tt_xcalloc(d + 1, sizeof *w.cat_off);
        for (size_t f = 0; f < d; f++) {
            w.cat_off[f] = ktot;
            ktot += data.n_cat[f];
        }
        w.lo = tt_xmalloc((d + 1) * sizeof *w.lo);
        w.hi = tt_xmalloc((d + 1) * sizeof *w.hi);
        w.allow = tt_xmalloc(ktot + 1);
        w.diff = tt_xcalloc((na + 1) * (nb + 1), sizeof *w.diff);
        w.ra = tt_xmalloc((2 * na + 2) * sizeof *w.ra);
        w.rb = tt_xmalloc((2 * nb + 2) * sizeof *w.rb);
        for (size_t k = 0; k < forest.n_trees; k++) {
            for (size_t f = 0; f < d; f++) {
                w.lo[f] = -INFINITY;
                w.hi[f] = INFINITY;
            }
            memset(w.allow, 1, ktot + 1);
            w.tree = &forest.trees[k];
            if (w.tree->n_nodes)
                visit(&w, 0);
        }
        /* the 2-D prefix sum turns the rectangles into per-cell sums */
        size_t stride = na + 1;
        for (size_t j = 0; j < nb; j++)
            for (size_t i = 0; i < na; i++) {
                double v = w.diff[j * stride + i];
                if (i)
                    v += w.diff[j * stride + i - 1];
                if (j)
                    v += w.diff[(j - 1) * stride + i];
                if (i && j)
                    v -= w.diff[(j - 1) * stride + i - 1];
                w.diff[j * stride + i] = v;
                double pred = v / (double)forest.n_trees;
                out[j * na + i] = isnan(ua[i]) || isnan(ub[j]) ? NAN : pred * sd + mean;
            }
        free(w.cat_off);
        free(w.lo);
        free(w.hi);
        free(w.allow);
        free(w.diff);
        free(w.ra);
        free(w.rb);
        imp_forest_free(&forest);
        free(u);
        free(yt);
    }
    free(ua);
    free(ub);
    free(data.u);
    free(ys);
    imp_data_free(&full);
    return 0;
}
