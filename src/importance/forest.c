/*
 * forest — the random forest regressor fANOVA decomposes (docs/algorithms.md
 * §3.1.1): the trees Optuna gets from sklearn's RandomForestRegressor with
 * n_estimators=64, max_depth=64, min_samples_split=2, min_samples_leaf=1.
 *
 * Each tree trains on a bootstrap sample, kept as weights (the number of
 * times each trial was drawn), as sklearn does. Every feature is tried at
 * every node, in a random order (ties keep the first seen, so a tie is
 * broken at random as in sklearn); the split maximises the weighted
 * variance reduction (sklearn's proxy S_L^2/W_L + S_R^2/W_R). A node stays
 * a leaf when it holds fewer than 2 distinct trials, its objective values
 * are all equal, or it is max_depth deep.
 *
 * Numeric features split at midpoints between consecutive distinct values.
 * A categorical feature stands for its one-hot columns: splitting column k
 * separates choice k from the rest, which is all a tree on one-hot columns
 * can do; we never build the columns.
 *
 * Speed: the trials are sorted once per numeric feature; each tree keeps,
 * per feature, its node's trials in that order as a segment of one array,
 * and a split partitions every segment stably (branch-free). Finding the
 * best split is then a linear scan per feature, and a tree costs
 * O(d * n * depth) instead of re-sorting at every node.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct fit_ws {
    size_t n, d, m;          /* trials, features, distinct trials in the bootstrap */
    const size_t *n_cat;
    const double *col;       /* d x n: feature f of trial t at col[f * n + t] */
    const double *y;
    uint32_t *sorted;        /* d x n: trials by feature value (numeric features) */
    uint32_t *lists;         /* (d + 1) x n: per numeric feature, then plain order */
    uint32_t *plain;         /* the node's trials in any order: the first numeric
                                feature's list, else row d of lists */
    uint32_t *tmp;
    uint8_t *go_left;        /* by trial */
    double *w;               /* bootstrap counts, by trial */
    double *wy;              /* w * y, by trial */
    double *cat_w, *cat_s;   /* per choice, for categorical splits */
    size_t *order;           /* feature visiting order */
    struct frame {
        int32_t node;
        uint32_t start, end;
        int depth;
    } *stack;
} fit_ws;

typedef struct pair_key {
    double v;
    uint32_t i;
} pair_key;

static int by_key(const void *a, const void *b)
{
    const pair_key *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* A candidate split scores (S_L W - S W_L)^2 / (W_L W_R), which is the
 * variance reduction S_L^2/W_L + S_R^2/W_R - S^2/W times the node's W;
 * scores are compared as fractions num/den by cross-multiplying, so the
 * scan divides nothing (it is the forest's hot loop). */
typedef struct split {
    int feature;
    double threshold;
    double num, den;
} split;

/* The best split of the node [start, end) over all features, or feature -1. */
static split best_split(fit_ws *ws, size_t start, size_t end, double W, double S, tt_rng *rng)
{
    split best = {-1, 0, -1, 1};
    size_t d = ws->d, n = ws->n;
    /* a fresh random order (Fisher-Yates), its choices taken from one
     * 64-bit draw while it lasts (20! < 2^64) */
    uint64_t r = tt_rng_u64(rng), left = UINT64_MAX;
    for (size_t i = d; i > 1; i--) {
        if (left < i) {
            r = tt_rng_u64(rng);
            left = UINT64_MAX;
        }
        size_t j = (size_t)(r % i);
        r /= i;
        left /= i;
        size_t t = ws->order[i - 1];
        ws->order[i - 1] = ws->order[j];
        ws->order[j] = t;
    }
    for (size_t oi = 0; oi < d; oi++) {
        size_t f = ws->order[oi];
        const double *col = ws->col + f * n;
        if (ws->n_cat[f]) {
            size_t k = ws->n_cat[f];
            memset(ws->cat_w, 0, k * sizeof *ws->cat_w);
            memset(ws->cat_s, 0, k * sizeof *ws->cat_s);
            const uint32_t *plain = ws->plain;
            for (size_t p = start; p < end; p++) {
                uint32_t t = plain[p];
                size_t c = (size_t)col[t];
                ws->cat_w[c] += ws->w[t];
                ws->cat_s[c] += ws->wy[t];
            }
            for (size_t c = 0; c < k; c++) {
                double wr = ws->cat_w[c], wl = W - wr;
                if (wr <= 0 || wl <= 0)
                    continue;
                double sl = S - ws->cat_s[c], e = sl * W - S * wl;
                double num = e * e, den = wl * wr;
                if (num * best.den > best.num * den)
                    best = (split){(int)f, (double)c, num, den};
            }
            continue;
        }
        const uint32_t *list = ws->lists + f * n;
        double wl = 0, sl = 0;
        for (size_t p = start; p + 1 < end; p++) {
            uint32_t t = list[p];
            wl += ws->w[t];
            sl += ws->wy[t];
            double x0 = col[t], x1 = col[list[p + 1]];
            if (!(x1 > x0))
                continue;
            double e = sl * W - S * wl;
            double num = e * e, den = wl * (W - wl);
            if (num * best.den > best.num * den) {
                double mid = 0.5 * (x0 + x1);
                if (mid >= x1)     /* adjacent doubles: as sklearn */
                    mid = x0;
                best = (split){(int)f, mid, num, den};
            }
        }
    }
    return best;
}

/* Stable partition of every list's segment [start, end) by go_left;
 * returns the size of the left part. */
static size_t partition(fit_ws *ws, size_t start, size_t end)
{
    size_t n = ws->n, nl = 0;
    for (size_t l = 0; l <= ws->d; l++) {
        if (l < ws->d ? ws->n_cat[l] != 0 : ws->plain != ws->lists + ws->d * n)
            continue;
        uint32_t *list = ws->lists + l * n, *tmp = ws->tmp;
        size_t a = start, b = 0;
        /* branch-free: the side is a coin toss the predictor cannot learn */
        for (size_t p = start; p < end; p++) {
            uint32_t t = list[p];
            size_t g = ws->go_left[t];
            list[a] = t;
            tmp[b] = t;
            a += g;
            b += 1 - g;
        }
        memcpy(list + a, tmp, b * sizeof *tmp);
        nl = a - start;
    }
    return nl;
}

static void fit_tree(fit_ws *ws, imp_tree *tree, int max_depth, tt_rng *rng)
{
    size_t n = ws->n, d = ws->d;
    memset(ws->w, 0, n * sizeof *ws->w);
    for (size_t i = 0; i < n; i++)
        ws->w[tt_rng_below(rng, n)] += 1.0;
    for (size_t t = 0; t < n; t++)
        ws->wy[t] = ws->w[t] * ws->y[t];
    size_t m = 0;
    uint32_t *plain = ws->plain;
    for (size_t f = 0; f < d; f++) {
        if (ws->n_cat[f])
            continue;
        uint32_t *list = ws->lists + f * n;
        size_t k = 0;
        for (size_t p = 0; p < n; p++)
            if (ws->w[ws->sorted[f * n + p]] > 0)
                list[k++] = ws->sorted[f * n + p];
        m = k;
    }
    if (plain == ws->lists + d * n) {
        m = 0;
        for (size_t t = 0; t < n; t++)
            if (ws->w[t] > 0)
                plain[m++] = (uint32_t)t;
    }
    ws->m = m;
    size_t cap = 2 * m + 1;
    imp_node *nodes = tt_xmalloc(cap * sizeof *nodes);
    size_t n_nodes = 1, top = 0;
    ws->stack[top++] = (struct frame){0, 0, (uint32_t)m, 0};
    while (top > 0) {
        struct frame fr = ws->stack[--top];
        imp_node *node = &nodes[fr.node];
        double W = 0, S = 0, lo = INFINITY, hi = -INFINITY;
        for (size_t p = fr.start; p < fr.end; p++) {
            uint32_t t = plain[p];
            double y = ws->y[t];
            W += ws->w[t];
            S += ws->w[t] * y;
            lo = y < lo ? y : lo;
            hi = y > hi ? y : hi;
        }
        *node = (imp_node){-1, -1, -1, 0, W > 0 ? S / W : 0};
        if (fr.end - fr.start < 2 || fr.depth >= max_depth || !(hi > lo))
            continue;
        split s = best_split(ws, fr.start, fr.end, W, S, rng);
        if (s.feature < 0)
            continue;
        const double *col = ws->col + (size_t)s.feature * n;
        bool cat = ws->n_cat[s.feature] > 0;
        for (size_t p = fr.start; p < fr.end; p++) {
            uint32_t t = plain[p];
            ws->go_left[t] = cat ? col[t] != s.threshold : col[t] <= s.threshold;
        }
        size_t nl = partition(ws, fr.start, fr.end);
        int32_t left = (int32_t)n_nodes++, right = (int32_t)n_nodes++;
        node->feature = s.feature;
        node->threshold = s.threshold;
        node->left = left;
        node->right = right;
        uint32_t mid = fr.start + (uint32_t)nl;
        ws->stack[top++] = (struct frame){right, mid, fr.end, fr.depth + 1};
        ws->stack[top++] = (struct frame){left, fr.start, mid, fr.depth + 1};
    }
    tree->nodes = tt_xrealloc(nodes, n_nodes * sizeof *nodes);
    tree->n_nodes = n_nodes;
}

struct imp_fitter {
    fit_ws ws;
    double *col;
    int max_depth;
    uint64_t seed;
};

imp_fitter *imp_fitter_new(const imp_data *data, const double *u, const double *y, int max_depth,
                           uint64_t seed)
{
    size_t n = data->n, d = data->d;
    imp_fitter *fit = tt_xcalloc(1, sizeof *fit);
    fit->max_depth = max_depth;
    fit->seed = seed;
    fit_ws *ws = &fit->ws;
    *ws = (fit_ws){.n = n, .d = d, .n_cat = data->n_cat, .y = y};
    double *col = fit->col = tt_xmalloc((d * n + 1) * sizeof *col);
    for (size_t t = 0; t < n; t++)
        for (size_t f = 0; f < d; f++)
            col[f * n + t] = u[t * d + f];
    ws->col = col;
    ws->sorted = tt_xmalloc((d * n + 1) * sizeof *ws->sorted);
    pair_key *keys = tt_xmalloc((n + 1) * sizeof *keys);
    size_t max_cat = 1;
    for (size_t f = 0; f < d; f++) {
        if (data->n_cat[f]) {
            max_cat = data->n_cat[f] > max_cat ? data->n_cat[f] : max_cat;
            continue;
        }
        for (size_t t = 0; t < n; t++)
            keys[t] = (pair_key){col[f * n + t], (uint32_t)t};
        qsort(keys, n, sizeof *keys, by_key);
        for (size_t t = 0; t < n; t++)
            ws->sorted[f * n + t] = keys[t].i;
    }
    free(keys);
    ws->lists = tt_xmalloc(((d + 1) * n + 1) * sizeof *ws->lists);
    ws->plain = ws->lists + d * n;
    for (size_t f = 0; f < d; f++)
        if (!data->n_cat[f]) {
            ws->plain = ws->lists + f * n;
            break;
        }
    ws->tmp = tt_xmalloc((n + 1) * sizeof *ws->tmp);
    ws->go_left = tt_xmalloc(n + 1);
    ws->w = tt_xmalloc((n + 1) * sizeof *ws->w);
    ws->wy = tt_xmalloc((n + 1) * sizeof *ws->wy);
    ws->cat_w = tt_xmalloc(max_cat * sizeof *ws->cat_w);
    ws->cat_s = tt_xmalloc(max_cat * sizeof *ws->cat_s);
    ws->order = tt_xmalloc((d + 1) * sizeof *ws->order);
    for (size_t f = 0; f < d; f++)
        ws->order[f] = f;
    ws->stack = tt_xmalloc((2 * n + 2) * sizeof *ws->stack);
    return fit;
}

void imp_fitter_tree(imp_fitter *fit, size_t k, imp_tree *tree)
{
    memset(tree, 0, sizeof *tree);
    if (fit->ws.n == 0)
        return;
    /* tree k's own stream: the same tree whatever was fitted before it */
    tt_rng rng;
    tt_rng_seed2(&rng, fit->seed, (uint64_t)k);
    fit_tree(&fit->ws, tree, fit->max_depth, &rng);
}

void imp_fitter_free(imp_fitter *fit)
{
    if (!fit)
        return;
    fit_ws *ws = &fit->ws;
    free(fit->col);
    free(ws->sorted);
    free(ws->lists);
    free(ws->tmp);
    free(ws->go_left);
    free(ws->w);
    free(ws->wy);
    free(ws->cat_w);
    free(ws->cat_s);
    free(ws->order);
    free(ws->stack);
    free(fit);
}

void imp_tree_free(imp_tree *tree)
{
    free(tree->nodes);
    memset(tree, 0, sizeof *tree);
}

void imp_forest_fit(imp_forest *forest, const imp_data *data, const double *u, const double *y,
                    size_t n_trees, int max_depth, uint64_t seed)
{
    forest->n_trees = n_trees;
    forest->trees = tt_xcalloc(n_trees + 1, sizeof *forest->trees);
    if (data->n == 0)
        return;
    imp_fitter *fit = imp_fitter_new(data, u, y, max_depth, seed);
    for (size_t k = 0; k < n_trees; k++)
        imp_fitter_tree(fit, k, &forest->trees[k]);
    imp_fitter_free(fit);
}

void imp_forest_free(imp_forest *forest)
{
    for (size_t k = 0; forest->trees && k < forest->n_trees; k++)
        free(forest->trees[k].nodes);
    free(forest->trees);
    memset(forest, 0, sizeof *forest);
}
