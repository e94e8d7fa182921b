/*
 * importance/internal — what the methods share: the trials as a matrix of
 * features in prior units (one feature per non-constant parameter), the
 * random forest fANOVA reads, and small statistics helpers.
 */
#ifndef TUNETOP_IMPORTANCE_INTERNAL_H
#define TUNETOP_IMPORTANCE_INTERNAL_H

#include <stdint.h>

#include "tunetop/importance.h"

/* Trials as features. u[t * d + f] is trial t's feature f: the encoded
 * value in [0,1] (tt_param_encode) for a numeric parameter, the choice
 * index for a categorical one, NAN when inactive. */
typedef struct imp_data {
    size_t n, d;
    size_t *param;       /* feature -> space index */
    size_t *n_cat;       /* 0 for numeric, else the number of choices */
    double **prob;       /* categorical: choice probabilities (owned) */
    size_t *grid;        /* numeric: distinct values of a finite grid, else 0 */
    double *u;
    const double *y;     /* borrowed */
} imp_data;

/* The features of n trials given as tt_importance_compute takes them (y
 * borrowed); imp_data_free releases them. */
void imp_data_build(imp_data *d, const tt_space *space, const double *const *x,
                    const bool *const *active, const double *y, size_t n);
void imp_data_free(imp_data *d);

/* ---- forest.c ---------------------------------------------------------- */

/* A node: a leaf when feature < 0. Numeric splits send u <= threshold
 * left; categorical ones (one one-hot column) send every choice but
 * `threshold` left and that choice right. */
typedef struct imp_node {
    int32_t feature;
    int32_t left, right;
    double threshold;
    double value;        /* mean objective of the node's training samples */
} imp_node;

typedef struct imp_tree {
    imp_node *nodes;     /* nodes[0] is the root */
    size_t n_nodes;
} imp_tree;

typedef struct imp_forest {
    imp_tree *trees;
    size_t n_trees;
} imp_forest;

/* Fit n_trees trees on the complete matrix u (no NAN) against y. */
void imp_forest_fit(imp_forest *f, const imp_data *d, const double *u, const double *y,
                    size_t n_trees, int max_depth, uint64_t seed);
void imp_forest_free(imp_forest *f);
/* The same trees one at a time: a fitter holds the sorted training data,
 * imp_fitter_tree(fit, k, out) grows tree k (its own random stream: the
 * same tree whatever was fitted before), imp_tree_free drops it. */
typedef struct imp_fitter imp_fitter;
imp_fitter *imp_fitter_new(const imp_data *d, const double *u, const double *y, int max_depth,
                           uint64_t seed);
void imp_fitter_tree(imp_fitter *fit, size_t k, imp_tree *out);
void imp_fitter_free(imp_fitter *fit);
void imp_tree_free(imp_tree *tree);

/* The training data of a forest (fanova.c): y centred and scaled to unit
 * variance (its mean and sd are the data's: a caller that wants
 * predictions in y's units multiplies back), inactive values drawn from the
 * prior so that no split prefers them. *u_out (n x d) and *y_out are
 * malloc'd. False (nothing allocated) for a constant objective. */
bool imp_training_data(const imp_data *data, uint64_t seed, double **u_out, double **y_out);

/* ---- the methods ------------------------------------------------------- */

void imp_fanova(const imp_data *d, uint64_t seed, tt_importance_result *out);
/* fANOVA on at most max_rows of d's trials (sample.c); imp_fanova is this
 * with TT_IMPORTANCE_FANOVA_ROWS. Tests compare it with the full
 * computation (max_rows >= d->n). */
void imp_fanova_rows(const imp_data *d, uint64_t seed, size_t max_rows,
                     tt_importance_result *out);
void imp_ped_anova(const imp_data *d, uint64_t seed, tt_importance_result *out);
void imp_corr(const imp_data *d, uint64_t seed, tt_importance_result *out);

/* ---- sample.c ---------------------------------------------------------- */

/* Rows of a study too large for the forest: rows[0..cap) gets the indices
 * of cap of the n trials, one per stratum of the loss y (the best always),
 * in trial order; all n when n <= cap. Returns how many. */
size_t imp_stratified_rows(const double *y, size_t n, size_t cap, uint64_t seed, size_t *rows);
/* out: src restricted to rows[0..n) (out->u allocated, the caller frees it;
 * the rest borrowed from src), their objective copied into y_out. */
void imp_data_rows(const imp_data *src, const size_t *rows, size_t n, double *y_out,
                   imp_data *out);

/* ---- helpers (importance.c) -------------------------------------------- */

/* The q-quantile (0..1, linear interpolation) of v[0..n); sorts v. */
double imp_quantile(double *v, size_t n, double q);
/* The 10th-90th percentile of samples[0..n) (sorted in place) around
 * value, widened so that low <= value <= high; [value, value] when n = 0. */
void imp_interval(double *samples, size_t n, double value, double *low, double *high);
/* Sort out->params most important first (ties: space order). */
void imp_sort_params(tt_importance_result *out);

#endif
