/*
 * corr — the quick signal: Spearman's rank correlation (average ranks for
 * ties) between each numeric parameter and the loss, and for a categorical
 * parameter the correlation ratio eta of the loss ranks across its choices
 * (categories have no order to correlate with). Only monotone effects show:
 * a parameter with an optimum in the middle of its range can score near 0
 * here and high under fANOVA.
 *
 * Intervals: for rho, the 80 % Fisher-z interval with the Bonett-Wright
 * standard error sqrt((1 + rho^2/2) / (n - 3)), folded onto |rho|; for eta,
 * the 10th-90th percentile over 64 bootstrap resamples.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CORR_BOOTSTRAP 64
#define Z80 1.2815515655446004

typedef struct keyed {
    double v;
    size_t i;
} keyed;

static int by_v(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Average ranks (1-based) of v[0..n) into r; tmp holds n keyed. */
static void rank(const double *v, size_t n, double *r, keyed *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = (keyed){v[i], i};
    qsort(tmp, n, sizeof *tmp, by_v);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && tmp[j + 1].v == tmp[i].v)
            j++;
        double avg = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++)
            r[tmp[k].i] = avg;
        i = j + 1;
    }
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (!(sxx > 0) || !(syy > 0))
        return NAN;
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

/* eta of the ranks ry[0..n) grouped by category cat[i] < k; NAN when
 * there is a single group or no variation. sum/cnt hold k doubles. */
static double eta(const double *cat, const double *ry, size_t n, size_t k, double *sum,
                  double *cnt)
{
    memset(sum, 0, k * sizeof *sum);
    memset(cnt, 0, k * sizeof *cnt);
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)cat[i];
        sum[c] += ry[i];
        cnt[c] += 1;
        mean += ry[i];
    }
    mean /= (double)n;
    double total = 0, between = 0;
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        total += (ry[i] - mean) * (ry[i] - mean);
    for (size_t c = 0; c < k; c++) {
        if (cnt[c] <= 0)
            continue;
        groups++;
        double gm = sum[c] / cnt[c];
        between += cnt[c] * (gm - mean) * (gm - mean);
    }
    if (groups < 2 || !(total > 0))
        return NAN;
    double e = sqrt(between / total);
    return e > 1 ? 1 : e;
}

void imp_corr(const imp_data *data, uint64_t seed, tt_importance_result *out)
{
    size_t n = data->n, d = data->d;
    size_t kmax = 1;
    for (size_t f = 0; f < d; f++)
        kmax = data->n_cat[f] > kmax ? data->n_cat[f] : kmax;
    double *x = tt_xmalloc((n + 1) * sizeof *x), *y = tt_xmalloc((n + 1) * sizeof *y);
    double *rx = tt_xmalloc((n + 1) * sizeof *rx), *ry = tt_xmalloc((n + 1) * sizeof *ry);
    double *bx = tt_xmalloc((n + 1) * sizeof *bx), *by = tt_xmalloc((n + 1) * sizeof *by);
    keyed *tmp = tt_xmalloc((n + 1) * sizeof *tmp);
    double *sum = tt_xmalloc(kmax * sizeof *sum), *cnt = tt_xmalloc(kmax * sizeof *cnt);
    double boot[CORR_BOOTSTRAP];
    tt_rng rng;
    tt_rng_seed2(&rng, seed, 0x636f7272ULL);
    for (size_t f = 0; f < d; f++) {
        tt_importance_param *p = &out->params[f];
        p->raw = NAN;
        size_t m = 0;
        for (size_t t = 0; t < n; t++) {
            double u = data->u[t * d + f];
            if (isnan(u))
                continue;
            x[m] = u;
            y[m] = data->y[t];
            m++;
        }
        if (m < 3)
            continue;
        if (!data->n_cat[f]) {
            /* u is monotone in the value, so ranks of u are ranks of x */
            rank(x, m, rx, tmp);
            rank(y, m, ry, tmp);
            double rho = pearson(rx, ry, m);
            if (isnan(rho))
                continue;
            p->raw = rho;
            p->value = fabs(rho);
            if (m <= 3) {
                p->low = 0;
                p->high = 1;
                continue;
            }
            double r = fmax(-0.999999, fmin(0.999999, rho));
            double se = sqrt((1 + r * r / 2) / (double)(m - 3));
            double lo = tanh(atanh(r) - Z80 * se), hi = tanh(atanh(r) + Z80 * se);
            if (lo <= 0 && hi >= 0) {
                p->low = 0;
                p->high = fmax(-lo, hi);
            } else {
                p->low = fmin(fabs(lo), fabs(hi));
                p->high = fmax(fabs(lo), fabs(hi));
            }
            p->low = fmin(p->low, p->value);
            p->high = fmax(p->high, p->value);
            continue;
        }
        size_t k = data->n_cat[f];
        rank(y, m, ry, tmp);
        double e = eta(x, ry, m, k, sum, cnt);
        if (isnan(e))
            continue;
        p->value = e;
        size_t nb = 0;
        for (size_t b = 0; b < CORR_BOOTSTRAP; b++) {
            for (size_t i = 0; i < m; i++) {
                size_t j = (size_t)tt_rng_below(&rng, m);
                bx[i] = x[j];
                by[i] = y[j];
            }
            rank(by, m, ry, tmp);
            double eb = eta(bx, ry, m, k, sum, cnt);
            boot[nb++] = isnan(eb) ? 0 : eb;
        }
        imp_interval(boot, nb, e, &p->low, &p->high);
    }
    free(x);
    free(y);
    free(rx);
    free(ry);
    free(bx);
    free(by);
    free(tmp);
    free(sum);
    free(cnt);
}

double tt_importance_spearman(const double *x, const double *y, size_t n)
{
    if (n < 3)
        return NAN;
    double *rx = tt_xmalloc(n * sizeof *rx), *ry = tt_xmalloc(n * sizeof *ry);
    keyed *tmp = tt_xmalloc(n * sizeof *tmp);
    rank(x, n, rx, tmp);
    rank(y, n, ry, tmp);
    double rho = pearson(rx, ry, n);
    free(rx);
    free(ry);
    free(tmp);
    return rho;
}

double tt_importance_eta(const double *cat, size_t k, const double *y, size_t n)
{
    if (n < 3 || k == 0)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (!(cat[i] >= 0 && cat[i] < (double)k))
            return NAN;
    double *ry = tt_xmalloc(n * sizeof *ry);
    keyed *tmp = tt_xmalloc(n * sizeof *tmp);
    double *sum = tt_xmalloc(k * sizeof *sum), *cnt = tt_xmalloc(k * sizeof *cnt);
    rank(y, n, ry, tmp);
    double e = eta(cat, ry, n, k, sum, cnt);
    free(ry);
    free(tmp);
    free(sum);
    free(cnt);
    return e;
}
