/*
 * sample — the trials fANOVA fits its forest on when a study has more than
 * it can afford (docs/algorithms.md §3.1.3).
 *
 * A forest grown to purity on n trials has up to n leaves per tree, and the
 * joint-effect grid of a pair of parameters has up to (n/2)^2 cells: both
 * time and memory grow faster than the study. Past TT_IMPORTANCE_FANOVA_ROWS
 * trials, fANOVA therefore fits on a sample of that many, stratified on the
 * objective: the trials sorted by loss are cut into that many equal strata
 * and one trial is drawn from each, the best trial always (stratum 0 takes
 * its first). The sample's objective has the study's distribution exactly
 * (one per quantile), the good region the user cares about is always
 * represented, and the same seed gives the same sample. At 10,000 trials
 * the shares from the sample are within the forest's own spread of the
 * full computation (tests/test_importance.c: test_fanova_sample_matches_full;
 * docs/benchmarks.md, Importance).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct ranked_row {
    double y;
    size_t t;
} ranked_row;

static int by_loss(const void *a, const void *b)
{
    const ranked_row *x = a, *y = b;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;   /* ties: trial order, stable everywhere */
}

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

size_t imp_stratified_rows(const double *y, size_t n, size_t cap, uint64_t seed, size_t *rows)
{
    if (n <= cap) {
        for (size_t t = 0; t < n; t++)
            rows[t] = t;
        return n;
    }
    ranked_row *rank = tt_xmalloc(n * sizeof *rank);
    for (size_t t = 0; t < n; t++)
        rank[t] = (ranked_row){y[t], t};
    qsort(rank, n, sizeof *rank, by_loss);
    tt_rng rng;
    tt_rng_seed2(&rng, seed, 0x73747261746aULL);
    for (size_t i = 0; i < cap; i++) {
        /* stratum i: ranks [i n / cap, (i + 1) n / cap), never empty as
         * n > cap (no overflow: cap is small and n far below 2^52) */
        size_t lo = i * n / cap;
        size_t hi = (i + 1) * n / cap;
        size_t r = i == 0 ? 0 : lo + (size_t)tt_rng_below(&rng, hi - lo);
        rows[i] = rank[r].t;
    }
    free(rank);
    /* trial order: the forest's bootstrap then draws as it would from the
     * trials themselves, whatever order the ranking left */
    qsort(rows, cap, sizeof *rows, by_index);
    return cap;
}

void imp_data_rows(const imp_data *src, const size_t *rows, size_t n, double *y_out,
                   imp_data *out)
{
    *out = *src;
    out->n = n;
    out->u = tt_xmalloc((n * src->d + 1) * sizeof *out->u);
    for (size_t i = 0; i < n; i++) {
        memcpy(out->u + i * src->d, src->u + rows[i] * src->d, src->d * sizeof *out->u);
        y_out[i] = src->y[rows[i]];
    }
    out->y = y_out;
}
