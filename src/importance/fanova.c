/*
 * fanova — functional ANOVA over the forest (docs/algorithms.md §3.1.2):
 * per tree, the variance of the marginal prediction of each parameter (its
 * main effect) as a fraction of the tree's total variance; importance is
 * the mean fraction over trees with a non-zero variance, normalised to sum
 * to 1, as Optuna reports it, with the 10th-90th percentile of each
 * tree's own shares as its interval (fanova_shares). We also report the
 * strongest pairwise interactions, V_ab - V_a - V_b (Optuna reports main
 * effects only).
 *
 * The measure is the prior (see importance.h): numeric features are
 * uniform on [0,1] after tt_param_encode, categorical ones take choice k
 * with its probability. A leaf is a box: an interval per numeric feature,
 * a set of choices per categorical one; its volume is the product of
 * their measures.
 *
 * The marginal of feature f at x_f is the sum over the leaves whose box
 * contains x_f of value * volume / width_f. It is constant between
 * consecutive thresholds on f (the cells), and a leaf covers a contiguous
 * run of cells, so the marginals of all cells come from one pass over the
 * leaves into a difference array plus a prefix sum: O(leaves + cells) per
 * feature and tree, where Optuna descends the tree once per cell. Pairs
 * work the same on a 2-D grid of cells: O(leaves + cells_a * cells_b).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One tree seen as boxes: its leaves, and the cells of every feature. */
typedef struct tree_view {
    const imp_data *data;
    const imp_tree *tree;
    size_t d, ktot, per;     /* per: room for one feature's cell bounds */
    /* leaves */
    size_t n, cap;
    double *v, *vol;
    double *w;               /* n x d: measure of the box along f */
    uint32_t *c0, *c1;       /* n x d: its run of cells [c0, c1) (numeric) */
    uint8_t *mask;           /* n x ktot: its choices (categorical) */
    /* cells: numeric f has bounds 0 < thresholds < 1; categorical f has
     * one cell per choice */
    double *bounds, *cw;     /* d x per: bounds and cell widths */
    size_t *n_cells;
    bool *split;             /* f is split somewhere in the tree */
    uint32_t *node_cell;     /* numeric split node -> index of its bound */
    struct cut *cuts;        /* d x per: scratch for sorting thresholds */
    size_t bounds_cap, node_cap, cut_cap;
    /* walk state */
    uint32_t *cur0, *cur1;
    uint8_t *allow;
    size_t *cat_off;         /* offset of f's choices in a mask */
} tree_view;

static void view_init(tree_view *tv, const imp_data *data)
{
    memset(tv, 0, sizeof *tv);
    tv->data = data;
    tv->d = data->d;
    tv->cat_off = tt_xcalloc(tv->d + 1, sizeof *tv->cat_off);
    for (size_t f = 0; f < tv->d; f++) {
        tv->cat_off[f] = tv->ktot;
        tv->ktot += data->n_cat[f];
    }
    tv->n_cells = tt_xcalloc(tv->d + 1, sizeof *tv->n_cells);
    tv->split = tt_xcalloc(tv->d + 1, sizeof *tv->split);
    tv->cur0 = tt_xcalloc(tv->d + 1, sizeof *tv->cur0);
    tv->cur1 = tt_xcalloc(tv->d + 1, sizeof *tv->cur1);
    tv->allow = tt_xmalloc(tv->ktot + 1);
}

static void view_free(tree_view *tv)
{
    free(tv->v);
    free(tv->vol);
    free(tv->w);
    free(tv->c0);
    free(tv->c1);
    free(tv->mask);
    free(tv->bounds);
    free(tv->cw);
    free(tv->n_cells);
    free(tv->split);
    free(tv->node_cell);
    free(tv->cuts);
    free(tv->cur0);
    free(tv->cur1);
    free(tv->allow);
    free(tv->cat_off);
}

static void leaves_grow(tree_view *tv)
{
    if (tv->n < tv->cap)
        return;
    size_t cap = tv->cap ? 2 * tv->cap : 256, d = tv->d;
    tv->v = tt_xrealloc(tv->v, cap * sizeof *tv->v);
    tv->vol = tt_xrealloc(tv->vol, cap * sizeof *tv->vol);
    tv->w = tt_xrealloc(tv->w, cap * d * sizeof *tv->w);
    tv->c0 = tt_xrealloc(tv->c0, cap * d * sizeof *tv->c0);
    tv->c1 = tt_xrealloc(tv->c1, cap * d * sizeof *tv->c1);
    tv->mask = tt_xrealloc(tv->mask, cap * (tv->ktot + 1));
    tv->cap = cap;
}

static void visit(tree_view *tv, int32_t id)
{
    const imp_node *node = &tv->tree->nodes[id];
    const imp_data *data = tv->data;
    size_t d = tv->d;
    if (node->feature < 0) {
        leaves_grow(tv);
        size_t i = tv->n++;
        double vol = 1;
        for (size_t f = 0; f < d; f++) {
            double w = 0;
            if (data->n_cat[f]) {
                const uint8_t *a = tv->allow + tv->cat_off[f];
                for (size_t k = 0; k < data->n_cat[f]; k++)
                    if (a[k])
                        w += data->prob[f][k];
            } else {
                const double *b = tv->bounds + f * tv->per;
                w = b[tv->cur1[f]] - b[tv->cur0[f]];
                tv->c0[i * d + f] = tv->cur0[f];
                tv->c1[i * d + f] = tv->cur1[f];
            }
            tv->w[i * d + f] = w;
            vol *= w;
        }
        memcpy(tv->mask + i * (tv->ktot + 1), tv->allow, tv->ktot);
        tv->v[i] = node->value;
        tv->vol[i] = vol;
        return;
    }
    size_t f = (size_t)node->feature;
    if (data->n_cat[f]) {
        /* left: every choice but k; right: k alone */
        uint8_t *a = tv->allow + tv->cat_off[f];
        size_t k = (size_t)node->threshold, nk = data->n_cat[f];
        uint8_t keep = a[k];
        a[k] = 0;
        visit(tv, node->left);
        a[k] = keep;
        uint8_t saved[64], *copy = nk <= sizeof saved ? saved : tt_xmalloc(nk);
        memcpy(copy, a, nk);
        memset(a, 0, nk);
        a[k] = keep;
        visit(tv, node->right);
        memcpy(a, copy, nk);
        if (copy != saved)
            free(copy);
    } else {
        uint32_t cell = tv->node_cell[id], keep = tv->cur1[f];
        tv->cur1[f] = cell < keep ? cell : keep;
        visit(tv, node->left);
        tv->cur1[f] = keep;
        keep = tv->cur0[f];
        tv->cur0[f] = cell > keep ? cell : keep;
        visit(tv, node->right);
        tv->cur0[f] = keep;
    }
}

/* A numeric split: its threshold and node, sorted by threshold. */
typedef struct cut {
    double t;
    uint32_t node;
} cut;

static void sort_cuts(cut *a, size_t n)
{
    /* quicksort (middle pivot), insertion sort below 16: the cuts of one
     * feature number ~ n/d, and qsort's indirect calls cost more */
    while (n > 16) {
        double pivot = a[n / 2].t;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i].t < pivot)
                i++;
            while (a[j].t > pivot)
                j--;
            if (i >= j)
                break;
            cut tmp = a[i];
            a[i++] = a[j];
            a[j--] = tmp;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse on the smaller side */
        size_t left = j + 1;
        if (left < n - left) {
            sort_cuts(a, left);
            a += left;
            n -= left;
        } else {
            sort_cuts(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        cut c = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].t > c.t; j--)
            a[j] = a[j - 1];
        a[j] = c;
    }
}

/* Build the cells and leaves of tree. */
static void view_tree(tree_view *tv, const imp_tree *tree)
{
    const imp_data *data = tv->data;
    size_t d = tv->d;
    tv->tree = tree;
    tv->n = 0;
    /* Room for a feature's cells: a numeric one has at most one bound per
     * split plus the two ends; a categorical one has one cell per choice,
     * which a small tree can have fewer nodes than. */
    tv->per = tree->n_nodes + 2;
    for (size_t f = 0; f < d; f++)
        if (data->n_cat[f] + 1 > tv->per)
            tv->per = data->n_cat[f] + 1;
    size_t per = tv->per;
    if (tv->bounds_cap < per * d) {
        tv->bounds_cap = per * d;
        tv->bounds = tt_xrealloc(tv->bounds, tv->bounds_cap * sizeof *tv->bounds);
        tv->cw = tt_xrealloc(tv->cw, tv->bounds_cap * sizeof *tv->cw);
    }
    if (tv->node_cap < tree->n_nodes) {
        tv->node_cap = tree->n_nodes;
        tv->node_cell = tt_xrealloc(tv->node_cell, tv->node_cap * sizeof *tv->node_cell);
    }
    if (tv->cut_cap < per * d) {
        tv->cut_cap = per * d;
        tv->cuts = tt_xrealloc(tv->cuts, tv->cut_cap * sizeof *tv->cuts);
    }
    for (size_t f = 0; f < d; f++) {
        tv->n_cells[f] = 0;
        tv->split[f] = false;
    }
    for (size_t k = 0; k < tree->n_nodes; k++) {
        const imp_node *node = &tree->nodes[k];
        if (node->feature < 0)
            continue;
        size_t f = (size_t)node->feature;
        tv->split[f] = true;
        if (!data->n_cat[f])
            tv->cuts[f * per + tv->n_cells[f]++] = (cut){node->threshold, (uint32_t)k};
    }
    for (size_t f = 0; f < d; f++) {
        double *b = tv->bounds + f * per, *cw = tv->cw + f * per;
        if (data->n_cat[f]) {
            tv->n_cells[f] = data->n_cat[f];
            for (size_t c = 0; c < data->n_cat[f]; c++)
                cw[c] = data->prob[f][c];
            continue;
        }
        /* bounds: 0, the distinct thresholds inside (0, 1), 1; each split
         * learns the index of its bound */
        cut *cuts = tv->cuts + f * per;
        size_t nt = tv->n_cells[f], last = 0;
        sort_cuts(cuts, nt);
        b[0] = 0;
        for (size_t k = 0; k < nt; k++) {
            if (cuts[k].t > b[last] && cuts[k].t < 1)
                b[++last] = cuts[k].t;
            tv->node_cell[cuts[k].node] = (uint32_t)last;
        }
        size_t nc = last + 1;
        b[nc] = 1;
        tv->n_cells[f] = nc;
        for (size_t c = 0; c < nc; c++)
            cw[c] = b[c + 1] - b[c];
        tv->cur0[f] = 0;
        tv->cur1[f] = (uint32_t)nc;
    }
    memset(tv->allow, 1, tv->ktot + 1);
    visit(tv, 0);
}

static bool covers(const tree_view *tv, size_t i, size_t f, size_t c)
{
    return tv->mask[i * (tv->ktot + 1) + tv->cat_off[f] + c] != 0;
}

/* Variance of the marginal of f (0 when f is never split). */
static double main_effect(const tree_view *tv, size_t f, double mean, double *acc)
{
    size_t d = tv->d, nc = tv->n_cells[f];
    if (!tv->split[f])
        return 0;
    memset(acc, 0, (nc + 1) * sizeof *acc);
    bool cat = tv->data->n_cat[f] > 0;
    for (size_t i = 0; i < tv->n; i++) {
        double w = tv->w[i * d + f];
        if (!(w > 0) || !(tv->vol[i] > 0))
            continue;
        double coef = tv->v[i] * (tv->vol[i] / w);
        if (cat) {
            for (size_t c = 0; c < nc; c++)
                if (covers(tv, i, f, c))
                    acc[c] += coef;
        } else {
            acc[tv->c0[i * d + f]] += coef;
            acc[tv->c1[i * d + f]] -= coef;
        }
    }
    const double *cw = tv->cw + f * tv->per;
    double var = 0, run = 0;
    for (size_t c = 0; c < nc; c++) {
        double a = cat ? acc[c] : (run += acc[c]);
        var += cw[c] * (a - mean) * (a - mean);
    }
    return var;
}

/* Runs of cells of leaf i along f: [r0[k], r1[k]). Returns the count. */
static size_t runs(const tree_view *tv, size_t i, size_t f, uint32_t *r0, uint32_t *r1)
{
    size_t d = tv->d;
    if (!tv->data->n_cat[f]) {
        r0[0] = tv->c0[i * d + f];
        r1[0] = tv->c1[i * d + f];
        return 1;
    }
    size_t nr = 0, nc = tv->n_cells[f];
    for (size_t c = 0; c < nc; c++) {
        if (!covers(tv, i, f, c))
            continue;
        if (nr > 0 && r1[nr - 1] == c) {
            r1[nr - 1] = (uint32_t)c + 1;
        } else {
            r0[nr] = (uint32_t)c;
            r1[nr++] = (uint32_t)c + 1;
        }
    }
    return nr;
}

typedef struct scratch {
    double *acc, *grid, *col;
    size_t acc_cap, grid_cap, col_cap;
    uint32_t *r;             /* 4 run lists */
    size_t r_cap;
} scratch;

/* Add each leaf's coefficient to its rectangle of (a, b) cells in the
 * difference grid g (rows along a, stride columns along b). */
static void grid_leaves(const tree_view *tv, size_t a, size_t b, double *g, size_t stride,
                        scratch *s)
{
    size_t d = tv->d;
    bool numeric = !tv->data->n_cat[a] && !tv->data->n_cat[b];
    size_t rc = (tv->n_cells[a] > tv->n_cells[b] ? tv->n_cells[a] : tv->n_cells[b]) + 1;
    if (!numeric && 4 * rc > s->r_cap)
        tt_grow((void **)&s->r, &s->r_cap, 4 * rc, sizeof *s->r);
    for (size_t i = 0; i < tv->n; i++) {
        double wa = tv->w[i * d + a], wb = tv->w[i * d + b];
        if (!(wa > 0) || !(wb > 0) || !(tv->vol[i] > 0))
            continue;
        double coef = tv->v[i] * (tv->vol[i] / (wa * wb));
        if (numeric) {      /* the common case: one rectangle */
            size_t a0 = tv->c0[i * d + a] * stride, a1 = tv->c1[i * d + a] * stride;
            size_t b0 = tv->c0[i * d + b], b1 = tv->c1[i * d + b];
            g[a0 + b0] += coef;
            g[a0 + b1] -= coef;
            g[a1 + b0] -= coef;
            g[a1 + b1] += coef;
            continue;
        }
        uint32_t *ra0 = s->r, *ra1 = s->r + rc, *rb0 = s->r + 2 * rc, *rb1 = s->r + 3 * rc;
        size_t nra = runs(tv, i, a, ra0, ra1), nrb = runs(tv, i, b, rb0, rb1);
        for (size_t x = 0; x < nra; x++)
            for (size_t y = 0; y < nrb; y++) {
                g[ra0[x] * stride + rb0[y]] += coef;
                g[ra0[x] * stride + rb1[y]] -= coef;
                g[ra1[x] * stride + rb0[y]] -= coef;
                g[ra1[x] * stride + rb1[y]] += coef;
            }
    }
}

/* Variance of the joint marginal of (a, b). */
static double joint_effect(const tree_view *tv, size_t a, size_t b, double mean, scratch *s)
{
    size_t na = tv->n_cells[a], nb = tv->n_cells[b], stride = nb + 1;
    size_t need = (na + 1) * stride;
    if (need > s->grid_cap)
        tt_grow((void **)&s->grid, &s->grid_cap, need, sizeof *s->grid);
    double *g = s->grid;
    memset(g, 0, need * sizeof *g);
    grid_leaves(tv, a, b, g, stride, s);
    /* Prefix sums along b, two rows at a time (two independent chains of
     * additions), then along a with the variance kept per column: the
     * inner loops carry no dependency from one cell to the next. */
    size_t r = 0;
    for (; r + 1 < na; r += 2) {
        double *p = g + r * stride, *q = p + stride, sp = 0, sq = 0;
        for (size_t c = 0; c < nb; c++) {
            sp += p[c];
            p[c] = sp;
            sq += q[c];
            q[c] = sq;
        }
    }
    if (r < na) {
        double *p = g + r * stride, sp = 0;
        for (size_t c = 0; c < nb; c++) {
            sp += p[c];
            p[c] = sp;
        }
    }
    if (nb + 1 > s->col_cap)
        tt_grow((void **)&s->col, &s->col_cap, nb + 1, sizeof *s->col);
    double *col = s->col;
    const double *cwa = tv->cw + a * tv->per, *cwb = tv->cw + b * tv->per;
    for (size_t c = 0; c < nb; c++) {
        double e = g[c] - mean;
        col[c] = cwa[0] * e * e;
    }
    for (r = 1; r < na; r++) {
        double *row = g + r * stride, wr = cwa[r];
        const double *up = row - stride;
        for (size_t c = 0; c < nb; c++) {
            row[c] += up[c];
            double e = row[c] - mean;
            col[c] += wr * e * e;
        }
    }
    double var = 0;
    for (size_t c = 0; c < nb; c++)
        var += cwb[c] * col[c];
    return var;
}

/* Mean and variance of the tree's prediction over the space. */
static void tree_moments(const tree_view *tv, double *mean, double *var)
{
    double sv = 0, sw = 0;
    for (size_t i = 0; i < tv->n; i++) {
        sv += tv->vol[i] * tv->v[i];
        sw += tv->vol[i];
    }
    double m = sw > 0 ? sv / sw : 0, s = 0;
    for (size_t i = 0; i < tv->n; i++)
        s += tv->vol[i] * (tv->v[i] - m) * (tv->v[i] - m);
    *mean = m;
    *var = sw > 0 ? s / sw : 0;
}

typedef struct pair_score {
    size_t a, b;     /* features, a < b */
    double value;
    double *frac;    /* per used tree */
} pair_score;

static int by_pair_value(const void *x, const void *y)
{
    const pair_score *p = x, *q = y;
    if (p->value != q->value)
        return p->value > q->value ? -1 : 1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

typedef struct ranked_feature {
    double v;
    size_t f;
} ranked_feature;

static int by_main(const void *x, const void *y)
{
    const ranked_feature *p = x, *q = y;
    if (p->v != q->v)
        return p->v > q->v ? -1 : 1;
    return p->f < q->f ? -1 : p->f > q->f;
}

/* Work on the 2-D grids of all trees is capped (cells visited): a grid
 * has cells_a * cells_b cells, ~ (n/d)^2, so for large studies only the
 * first trees are used for interactions (at least one). 1000 trials x 6
 * parameters take ~1e7. */
#define PAIR_BUDGET 4e7

/* Grid cells the pairs of one tree would visit. */
static double pairs_cost(const tree_view *tv, const pair_score *pairs, size_t n_pairs)
{
    double c = 0;
    for (size_t p = 0; p < n_pairs; p++)
        if (tv->split[pairs[p].a] && tv->split[pairs[p].b])
            c += (double)(tv->n_cells[pairs[p].a] + 1) * (double)(tv->n_cells[pairs[p].b] + 1);
    return c;
}

/* Interaction fractions of tree slot t (main variances mv[], total v). */
static void tree_pairs(const tree_view *tv, pair_score *pairs, size_t n_pairs, double mean,
                       double v, const double *mv, size_t t, scratch *s)
{
    for (size_t p = 0; p < n_pairs; p++) {
        size_t a = pairs[p].a, b = pairs[p].b;
        if (!tv->split[a] || !tv->split[b])
            continue;       /* a marginal that ignores one of them: no interaction */
        double inter = joint_effect(tv, a, b, mean, s) - mv[a] - mv[b];
        /* V_ab is the variance of a conditional mean of the tree, so
         * V_ab <= V (law of total variance) and 0 <= inter / v <= 1 holds
         * exactly; only rounding can leave [0, 1] (a tree that is a pure
         * a x b interaction has V_ab = v summed in another order), so the
         * bounds are the estimator's own, not a patch. */
        double part = inter > 0 ? inter / v : 0;
        pairs[p].frac[t] = part < 1 ? part : 1;
    }
}

static pair_score *make_pairs(const size_t *features, size_t nf, size_t T, size_t *n_pairs)
{
    *n_pairs = nf * (nf > 0 ? nf - 1 : 0) / 2;
    pair_score *pairs = tt_xcalloc(*n_pairs + 1, sizeof *pairs);
    size_t q = 0;
    for (size_t i = 0; i < nf; i++)
        for (size_t j = i + 1; j < nf; j++) {
            size_t a = features[i], b = features[j];
            pairs[q++] = (pair_score){a < b ? a : b, a < b ? b : a, 0,
                                      tt_xcalloc(T + 1, sizeof(double))};
        }
    return pairs;
}

/* The forest's training data (internal.h); grid.c fits on it too. */
bool imp_training_data(const imp_data *data, uint64_t seed, double **u_out,
                          double **y_out)
{
    size_t n = data->n, d = data->d;
    double mean = 0, sd = 0;
    for (size_t t = 0; t < n; t++)
        mean += data->y[t];
    mean /= (double)n;
    for (size_t t = 0; t < n; t++)
        sd += (data->y[t] - mean) * (data->y[t] - mean);
    sd = sqrt(sd / (double)n);
    if (!(sd > 0) || !isfinite(sd) || !(sd > 1e-12 * fabs(mean)))
        return false;
    double *y = tt_xmalloc(n * sizeof *y);
    for (size_t t = 0; t < n; t++)
        y[t] = (data->y[t] - mean) / sd;
    double *u = tt_xmalloc(n * d * sizeof *u);
    tt_rng rng;
    tt_rng_seed2(&rng, seed, 0x66616e6f7661ULL);
    for (size_t t = 0; t < n; t++)
        for (size_t f = 0; f < d; f++) {
            double v = data->u[t * d + f];
            if (isnan(v)) {
                if (data->n_cat[f]) {
                    double r = tt_rng_uniform(&rng), c = 0;
                    size_t k = 0;
                    for (; k + 1 < data->n_cat[f]; k++)
                        if ((c += data->prob[f][k]) >= r)
                            break;
                    v = (double)k;
                } else {
                    v = tt_rng_uniform(&rng);
                }
            }
            u[t * d + f] = v;
        }
    *u_out = u;
    *y_out = y;
    return true;
}

/* Each parameter's raw fraction, share and interval from the main-effect
 * fractions frac[f * T + k] of the `used` trees; share[f] gets the raw
 * fraction (the mean over trees), out->explained their sum.
 *
 * The share is Optuna's: mean fraction over trees, normalised to sum to 1.
 * With S_k the sum of tree k's main-effect fractions, that is
 * sum_k frac_fk / sum_k S_k, the S_k-weighted mean of the per-tree shares
 * frac_fk / S_k. So the interval is over those per-tree shares: each is in
 * [0, 1] (S_k >= frac_fk), they sum to 1 in every tree like the shares do,
 * and the share lies between their extremes. Dividing one tree's fraction
 * by the forest's mean explained fraction instead (as this once did) puts
 * a tree whose main effects explain more than the average above 1:
 * "0.947 (0.853-1.059)" with 12 trials of 10 x1 + x2 (issue 15). A tree
 * without any main effect (S_k = 0, all interaction) has no share; it
 * weighs nothing in the share and is left out of the interval too. */
static void fanova_shares(const double *frac, size_t d, size_t T, size_t used, double *share,
                          tt_importance_result *out)
{
    double total = 0;
    double *tree_sum = tt_xcalloc(used + 1, sizeof *tree_sum);
    for (size_t f = 0; f < d; f++) {
        double sum = 0;
        for (size_t k = 0; k < used; k++) {
            sum += frac[f * T + k];
            tree_sum[k] += frac[f * T + k];
        }
        share[f] = used ? sum / (double)used : 0;
        total += share[f];
    }
    out->explained = total;
    double *samples = tt_xmalloc((used + 1) * sizeof *samples);
    for (size_t f = 0; f < d; f++) {
        tt_importance_param *p = &out->params[f];
        p->raw = share[f];
        if (!(total > 0))
            continue;
        p->value = share[f] / total;
        size_t ns = 0;
        for (size_t k = 0; k < used; k++)
            if (tree_sum[k] > 0)
                samples[ns++] = frac[f * T + k] / tree_sum[k];
        imp_interval(samples, ns, p->value, &p->low, &p->high);
    }
    free(samples);
    free(tree_sum);
}

static void fanova_all(const imp_data *data, uint64_t seed, tt_importance_result *out)
{
    size_t n = data->n, d = data->d, T = TT_IMPORTANCE_TREES;
    out->explained = 0;
    double *u, *y;
    if (n < 2 || d == 0 || !imp_training_data(data, seed, &u, &y))
        return;     /* nothing to tell: all zero */
    imp_fitter *fit = imp_fitter_new(data, u, y, TT_IMPORTANCE_MAX_DEPTH, seed);
    /* With few parameters one pass reads each tree as soon as it is
     * fitted and drops it: one tree in memory, not 64 (7.8 MB of nodes at
     * 4096 trials, next to a runner's 100,000 trial records, issue 18).
     * The second pass below needs them all again, so it keeps them. */
    imp_forest forest = {0};

    tree_view tv;
    view_init(&tv, data);
    scratch s = {0};
    double *frac = tt_xcalloc(d * T + 1, sizeof *frac);       /* [f * T + slot] */
    double *main_var = tt_xcalloc(d * T + 1, sizeof *main_var);
    double *mv = tt_xcalloc(d + 1, sizeof *mv);
    /* With few parameters every pair is a candidate and one pass does it
     * all; otherwise the pairs among the strongest main effects get a
     * second pass once those are known. */
    size_t n_pairs = 0;
    pair_score *pairs = NULL;
    bool one_pass = d <= TT_IMPORTANCE_PAIR_PARAMS;
    if (one_pass) {
        size_t *all = tt_xmalloc((d + 1) * sizeof *all);
        for (size_t f = 0; f < d; f++)
            all[f] = f;
        pairs = make_pairs(all, d, T, &n_pairs);
        free(all);
    } else {
        forest.n_trees = T;
        forest.trees = tt_xcalloc(T + 1, sizeof *forest.trees);
    }
    size_t used = 0;    /* trees with a positive variance, packed first */
    size_t pair_trees = 0;
    double spent = 0;
    imp_tree one = {0};
    for (size_t k = 0; k < T; k++) {
        imp_tree *tree = one_pass ? &one : &forest.trees[k];
        imp_tree_free(&one);
        imp_fitter_tree(fit, k, tree);
        view_tree(&tv, tree);
        double m, v;
        tree_moments(&tv, &m, &v);
        if (!(v > 1e-300))
            continue;
        size_t need = tv.per + 1;
        if (need > s.acc_cap)
            tt_grow((void **)&s.acc, &s.acc_cap, need, sizeof *s.acc);
        for (size_t f = 0; f < d; f++) {
            double vf = main_effect(&tv, f, m, s.acc);
            mv[f] = vf < 0 ? 0 : vf;
            main_var[f * T + used] = mv[f];
            frac[f * T + used] = mv[f] / v;
        }
        if (one_pass && spent < PAIR_BUDGET) {
            spent += pairs_cost(&tv, pairs, n_pairs);
            tree_pairs(&tv, pairs, n_pairs, m, v, mv, pair_trees++, &s);
        }
        used++;
    }
    imp_tree_free(&one);
    imp_fitter_free(fit);
    free(u);
    free(y);
    double *share = tt_xcalloc(d + 1, sizeof *share);
    fanova_shares(frac, d, T, used, share, out);
    if (!one_pass && used > 0) {
        ranked_feature *rank = tt_xmalloc((d + 1) * sizeof *rank);
        for (size_t f = 0; f < d; f++)
            rank[f] = (ranked_feature){share[f], f};
        qsort(rank, d, sizeof *rank, by_main);
        size_t top[TT_IMPORTANCE_PAIR_PARAMS];
        for (size_t i = 0; i < TT_IMPORTANCE_PAIR_PARAMS; i++)
            top[i] = rank[i].f;
        free(rank);
        pairs = make_pairs(top, TT_IMPORTANCE_PAIR_PARAMS, T, &n_pairs);
        size_t t = 0;
        for (size_t k = 0; k < T && spent < PAIR_BUDGET; k++) {
            view_tree(&tv, &forest.trees[k]);
            double m, v;
            tree_moments(&tv, &m, &v);
            if (!(v > 1e-300))
                continue;
            for (size_t f = 0; f < d; f++)
                mv[f] = main_var[f * T + t];
            spent += pairs_cost(&tv, pairs, n_pairs);
            tree_pairs(&tv, pairs, n_pairs, m, v, mv, pair_trees++, &s);
            t++;
        }
    }
    if (pair_trees > 0 && n_pairs > 0) {
        for (size_t p = 0; p < n_pairs; p++) {
            double sum = 0;
            for (size_t k = 0; k < pair_trees; k++)
                sum += pairs[p].frac[k];
            pairs[p].value = sum / (double)pair_trees;
        }
        qsort(pairs, n_pairs, sizeof *pairs, by_pair_value);
        out->pairs = tt_xcalloc(TT_IMPORTANCE_MAX_PAIRS + 1, sizeof *out->pairs);
        for (size_t p = 0; p < n_pairs && out->n_pairs < TT_IMPORTANCE_MAX_PAIRS; p++) {
            if (!(pairs[p].value > 0))
                break;
            tt_importance_pair *o = &out->pairs[out->n_pairs++];
            o->a = data->param[pairs[p].a];
            o->b = data->param[pairs[p].b];
            if (o->a > o->b) {
                size_t tmp = o->a;
                o->a = o->b;
                o->b = tmp;
            }
            o->value = pairs[p].value;
            imp_interval(pairs[p].frac, pair_trees, o->value, &o->low, &o->high);
        }
    }
    for (size_t p = 0; p < n_pairs; p++)
        free(pairs[p].frac);
    free(pairs);
    free(share);
    free(frac);
    free(main_var);
    free(mv);
    free(s.acc);
    free(s.grid);
    free(s.col);
    free(s.r);
    view_free(&tv);
    imp_forest_free(&forest);
}

void imp_fanova_rows(const imp_data *data, uint64_t seed, size_t max_rows,
                     tt_importance_result *out)
{
    out->n_fitted = data->n;
    if (data->n <= max_rows) {
        fanova_all(data, seed, out);
        return;
    }
    size_t *rows = tt_xmalloc(max_rows * sizeof *rows);
    double *y = tt_xmalloc(max_rows * sizeof *y);
    imp_data sub;
    out->n_fitted = imp_stratified_rows(data->y, data->n, max_rows, seed, rows);
    imp_data_rows(data, rows, out->n_fitted, y, &sub);
    fanova_all(&sub, seed, out);
    free(sub.u);
    free(y);
    free(rows);
}

void imp_fanova(const imp_data *data, uint64_t seed, tt_importance_result *out)
{
    imp_fanova_rows(data, seed, TT_IMPORTANCE_FANOVA_ROWS, out);
}
