/*
 * ped_anova — PED-ANOVA (docs/algorithms.md §3.2; Watanabe et al., arXiv
 * 2304.10255), as Optuna's PedAnovaImportanceEvaluator computes it with
 * its defaults (baseline quantile 0.1, local evaluation, 50 grid steps,
 * prior weight 1, at least 2 top trials):
 *
 *   top set: the trials whose loss is <= max(2nd best, the ceil(0.1 n)-th
 *            best loss);
 *   per parameter: a 1-D kernel density of the top trials and one of all
 *            trials over a grid (50 points of the encoded [0,1], fewer for a
 *            finite grid of values; one point per choice for a categorical),
 *            and their Pearson divergence sum_g p_all (p_top / p_all - 1)^2.
 *
 * Numeric kernels are discrete truncated normals on the grid indices with
 * Scott's bandwidth, max(1.059 min(IQR/1.34, sd) N^-1/5, 0.5/1.64), plus a
 * wide prior kernel; categorical ones put 1 + w/(m+1) on the observed
 * choice and w/(m+1) on every choice (m observed choices), plus a uniform
 * prior kernel. The grid is in prior units (importance.h), which for a
 * log parameter is Optuna's log-spaced grid.
 *
 * A parameter inactive in a trial leaves that trial out of its densities.
 * The interval comes from 64 bootstrap resamples of the trials.
 * O(n + 50^2) per parameter: no model to fit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PED_STEPS 50
#define PED_QUANTILE 0.1
#define PED_MIN_TOP 2
#define PED_PRIOR_WEIGHT 1.0
#define PED_BOOTSTRAP 64

static double phi(double z)
{
    return 0.5 * erfc(-z / M_SQRT2);
}

/* Density over grid indices 0..ns-1 of the numeric kernel estimate. */
static void numeric_pdf(const double *counts, size_t ns, double *pdf, double *table)
{
    double N = 0, mean = 0;
    for (size_t g = 0; g < ns; g++) {
        N += counts[g];
        mean += (double)g * counts[g];
    }
    mean /= N;
    double ss = 0;
    for (size_t g = 0; g < ns; g++)
        ss += ((double)g - mean) * ((double)g - mean) * counts[g];
    double sd = sqrt(ss / fmax(1.0, N - 1));
    /* quartiles over the occupied grid points, as Optuna's searchsorted */
    double q25 = floor(N / 4), q75 = floor(N * 3 / 4), cum = 0;
    long i25 = -1, i75 = -1, last = -1;
    for (size_t g = 0; g < ns; g++) {
        if (counts[g] <= 0)
            continue;
        cum += counts[g];
        last = (long)g;
        if (i25 < 0 && cum >= q25)
            i25 = (long)g;
        if (i75 < 0 && cum > q75)
            i75 = (long)g;
    }
    if (i75 < 0)
        i75 = last;
    if (i25 < 0)
        i25 = last;
    double iqr = (double)(i75 - i25);
    double sigma = 1.059 * fmin(iqr / 1.34, sd) * pow(N, -0.2);
    sigma = fmax(sigma, 0.5 / 1.64);
    /* table[j + ns] = Phi((j + 0.5) / sigma) for j in -ns..ns */
    for (long j = -(long)ns; j <= (long)ns; j++)
        table[j + (long)ns] = phi(((double)j + 0.5) / sigma);
    double total = N + PED_PRIOR_WEIGHT;
    for (size_t g = 0; g < ns; g++)
        pdf[g] = 0;
    for (size_t mu = 0; mu < ns; mu++) {
        if (counts[mu] <= 0)
            continue;
        long m = (long)mu, n = (long)ns;
        double z = table[n - 1 - m + n] - table[-m - 1 + n];
        double w = counts[mu] / total / z;
        for (long g = 0; g < n; g++)
            pdf[g] += w * (table[g - m + n] - table[g - m - 1 + n]);
    }
    double mid = 0.5 * (double)(ns - 1), sp = (double)ns;
    double lo = phi((-0.5 - mid) / sp), hi = phi(((double)ns - 0.5 - mid) / sp);
    double wp = PED_PRIOR_WEIGHT / total / (hi - lo);
    for (size_t g = 0; g < ns; g++)
        pdf[g] += wp * (phi(((double)g + 0.5 - mid) / sp) - phi(((double)g - 0.5 - mid) / sp));
}

static void categorical_pdf(const double *counts, size_t k, double *pdf)
{
    double N = 0;
    size_t m = 0;
    for (size_t c = 0; c < k; c++)
        if (counts[c] > 0) {
            N += counts[c];
            m++;
        }
    double total = N + PED_PRIOR_WEIGHT;
    double base = PED_PRIOR_WEIGHT / (double)(m + 1);
    double row = 1 + (double)k * base;
    for (size_t g = 0; g < k; g++)
        pdf[g] = PED_PRIOR_WEIGHT / total / (double)k + N / total * base / row;
    for (size_t c = 0; c < k; c++)
        if (counts[c] > 0)
            pdf[c] += counts[c] / total / row;
}

typedef struct ped_ws {
    const imp_data *data;
    double *loss;        /* of the sample */
    double *sorted;
    double *top_counts, *all_counts, *p_top, *p_all, *table;
} ped_ws;

/* Grid size of feature f (< 2: nothing to tell apart). */
static size_t grid_steps(const imp_data *data, size_t f)
{
    if (data->n_cat[f])
        return data->n_cat[f];
    if (data->grid[f] > 0 && data->grid[f] < PED_STEPS)
        return data->grid[f];
    return PED_STEPS;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Raw importances (divergence x |top|/n per parameter) of the trials
 * sample[0..ns) into raw[]; false when there is nothing to tell. */
static bool estimate(ped_ws *ws, const size_t *sample, size_t ns, double *raw)
{
    const imp_data *data = ws->data;
    size_t d = data->d;
    for (size_t f = 0; f < d; f++)
        raw[f] = 0;
    if (ns <= PED_MIN_TOP)
        return false;
    for (size_t i = 0; i < ns; i++)
        ws->sorted[i] = data->y[sample[i]];
    qsort(ws->sorted, ns, sizeof *ws->sorted, cmp_double);
    size_t qi = (size_t)ceil(PED_QUANTILE * (double)ns);
    qi = qi > 0 ? qi - 1 : 0;
    double cutoff = fmax(ws->sorted[PED_MIN_TOP - 1], ws->sorted[qi]);
    if (ws->sorted[ns - 1] <= cutoff)
        return false;      /* every trial is a top trial */
    for (size_t f = 0; f < d; f++) {
        size_t g = grid_steps(data, f);
        if (g < 2)
            continue;
        memset(ws->top_counts, 0, g * sizeof *ws->top_counts);
        memset(ws->all_counts, 0, g * sizeof *ws->all_counts);
        double n_top = 0, n_all = 0;
        for (size_t i = 0; i < ns; i++) {
            size_t t = sample[i];
            double u = data->u[t * d + f];
            if (isnan(u))
                continue;
            size_t idx;
            if (data->n_cat[f]) {
                idx = (size_t)u;
            } else {
                /* nearest grid point: searchsorted(grid, u - step/2) */
                double v = u * (double)(g - 1) - 0.5;
                idx = v > 0 ? (size_t)ceil(v) : 0;
                idx = idx < g ? idx : g - 1;
            }
            ws->all_counts[idx] += 1;
            n_all += 1;
            if (data->y[t] <= cutoff) {
                ws->top_counts[idx] += 1;
                n_top += 1;
            }
        }
        if (n_top <= 0)
            continue;
        if (data->n_cat[f]) {
            categorical_pdf(ws->top_counts, g, ws->p_top);
            categorical_pdf(ws->all_counts, g, ws->p_all);
        } else {
            numeric_pdf(ws->top_counts, g, ws->p_top, ws->table);
            numeric_pdf(ws->all_counts, g, ws->p_all, ws->table);
        }
        double div = 0;
        for (size_t k = 0; k < g; k++) {
            double pt = ws->p_top[k] + 1e-12, pa = ws->p_all[k] + 1e-12;
            div += pa * (pt / pa - 1) * (pt / pa - 1);
        }
        raw[f] = div * n_top / n_all;
    }
    return true;
}

void imp_ped_anova(const imp_data *data, uint64_t seed, tt_importance_result *out)
{
    size_t n = data->n, d = data->d;
    if (d == 0)
        return;
    size_t gmax = PED_STEPS;
    for (size_t f = 0; f < d; f++)
        gmax = data->n_cat[f] > gmax ? data->n_cat[f] : gmax;
    ped_ws ws = {.data = data};
    ws.sorted = tt_xmalloc((n + 1) * sizeof *ws.sorted);
    ws.top_counts = tt_xmalloc(gmax * sizeof *ws.top_counts);
    ws.all_counts = tt_xmalloc(gmax * sizeof *ws.all_counts);
    ws.p_top = tt_xmalloc(gmax * sizeof *ws.p_top);
    ws.p_all = tt_xmalloc(gmax * sizeof *ws.p_all);
    ws.table = tt_xmalloc((2 * gmax + 2) * sizeof *ws.table);
    size_t *sample = tt_xmalloc((n + 1) * sizeof *sample);
    double *raw = tt_xcalloc(d + 1, sizeof *raw);
    double *boot = tt_xcalloc(d * PED_BOOTSTRAP + 1, sizeof *boot);
    for (size_t t = 0; t < n; t++)
        sample[t] = t;
    bool ok = estimate(&ws, sample, n, raw);
    double sum = 0;
    for (size_t f = 0; f < d; f++)
        sum += raw[f];
    if (ok && sum > 0) {
        tt_rng rng;
        tt_rng_seed2(&rng, seed, 0x706564ULL);
        double *b = tt_xcalloc(d + 1, sizeof *b);
        for (size_t r = 0; r < PED_BOOTSTRAP; r++) {
            for (size_t t = 0; t < n; t++)
                sample[t] = (size_t)tt_rng_below(&rng, n);
            estimate(&ws, sample, n, b);
            double s = 0;
            for (size_t f = 0; f < d; f++)
                s += b[f];
            for (size_t f = 0; f < d; f++)
                boot[f * PED_BOOTSTRAP + r] = s > 0 ? b[f] / s : 0;
        }
        free(b);
        for (size_t f = 0; f < d; f++) {
            tt_importance_param *p = &out->params[f];
            p->raw = raw[f];
            p->value = raw[f] / sum;
            imp_interval(boot + f * PED_BOOTSTRAP, PED_BOOTSTRAP, p->value, &p->low,
                         &p->high);
        }
    }
    free(boot);
    free(raw);
    free(sample);
    free(ws.sorted);
    free(ws.top_counts);
    free(ws.all_counts);
    free(ws.p_top);
    free(ws.p_all);
    free(ws.table);
}
