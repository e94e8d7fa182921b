/*
 * tpe_kernel — the one-dimensional pieces of TPE's Parzen estimators
 * (docs/algorithms.md §1.4.2–1.4.5): gamma and weights, the bandwidth rules
 * with the magic clip, truncated-normal and discrete kernels, and categorical
 * rows. parzen.c assembles them into mixtures.
 *
 * Numerics. Every density is computed in log space. log(Φ(b) − Φ(a)) uses
 * the tail symmetry (an interval right of 0 is mirrored to the left, where
 * erfc keeps full relative accuracy) and an asymptotic series below −35, so
 * a kernel far from a candidate still gets a finite, accurate log density
 * (Optuna does the same with its _truncnorm port). An interval around 0 (a
 * truncation constant: the centre lies in the domain) is 1 − both tails,
 * and a tail beyond 8.5 σ is dropped (|error| < 2e-17).
 */
#include "tpe_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/stats.h"

#define SIGMA_FLOOR 1e-12

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* log Φ(x), accurate for every x <= 0 (and fine above). */
static double log_ndtr(double x)
{
    if (x > 5.0)
        return log1p(-tt_stats_norm_cdf(-x));
    if (x > -35.0)
        return log(tt_stats_norm_cdf(x));
    /* Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + …) */
    double r = 1.0 / (x * x);
    return -0.5 * x * x - TPE_LOG_SQRT_2PI - log(-x) + log1p(r * (-1.0 + r * (3.0 - 15.0 * r)));
}

double tpe_log_ndtr_diff(double a, double b)
{
    if (!(a < b))
        return -INFINITY;
    if (a <= 0.0 && b >= 0.0) {
        /* Straddles 0 (every truncation constant: the centre lies in the
         * domain): 1 − Φ(a) − Φ(−b), both tails accurate, and a tail
         * beyond 8.5 is below 1e-17 of the other term's scale. */
        double tails = (a < -8.5 ? 0.0 : tt_stats_norm_cdf(a)) +
                       (b > 8.5 ? 0.0 : tt_stats_norm_cdf(-b));
        if (tails == 0.0)
            return -0.0; /* log1p(−0), without the call (most kernels) */
        return tails < 0.5 ? log1p(-tails) : log(1.0 - tails);
    }
    if (a > 0.0) {
        /* Φ(b) − Φ(a) = Φ(−a) − Φ(−b): move to the accurate tail. */
        double t = a;
        a = -b;
        b = -t;
    }
    double la = log_ndtr(a), lb = log_ndtr(b);
    double d = la - lb;
    if (d > -1e-6) {
        /* A bin so narrow that Φ barely changes across it: the midpoint
         * rule is exact to O((b − a)² x²), far below the cancellation error
         * of the subtraction. */
        double m = 0.5 * (a + b);
        return log(b - a) - 0.5 * m * m - TPE_LOG_SQRT_2PI;
    }
    return lb + log1p(-exp(d));
}

double tpe_numeric_log_const(const tpe_dim *d, double mu, double s, double log_s)
{
    double lz = tpe_log_ndtr_diff((d->low - mu) / s, (d->high - mu) / s);
    return d->kind == TPE_CONTINUOUS ? -log_s - TPE_LOG_SQRT_2PI - lz : -lz;
}

double tpe_truncnorm_logpdf(double x, double mu, double sigma, double low, double high)
{
    double z = (x - mu) / sigma;
    return -0.5 * z * z - TPE_LOG_SQRT_2PI - log(sigma) -
           tpe_log_ndtr_diff((low - mu) / sigma, (high - mu) / sigma);
}

double tpe_truncnorm_sample(double mu, double sigma, double low, double high, double u)
{
    double a = (low - mu) / sigma, b = (high - mu) / sigma;
    bool flip = a > 0.0;
    if (flip) {
        double t = a;
        a = -b;
        b = -t;
        u = 1.0 - u;
    }
    double pa = tt_stats_norm_cdf(a), pb = tt_stats_norm_cdf(b);
    double z;
    if (!(pb > pa)) {
        /* Both Φ underflow (b < −37): the density is φ(b) e^{|b| (z − b)}
         * to O(1/b²), an exponential leaning on b; invert that. */
        double rate = -b, span = b - a;
        z = rate > 0.0 ? b + log1p(u * expm1(-rate * span)) / rate : a + u * (b - a);
    } else if (pa + u * (pb - pa) <= 0.5) {
        z = tt_stats_norm_ppf(pa + u * (pb - pa));
    } else {
        /* Upper half: invert the upper tail so p close to 1 keeps its digits. */
        double qa = tt_stats_norm_cdf(-a), qb = tt_stats_norm_cdf(-b);
        z = -tt_stats_norm_ppf(qb + (1.0 - u) * (qa - qb));
    }
    if (!isfinite(z))
        z = a + u * (b - a);
    z = clamp(z, a, b);
    if (flip)
        z = -z;
    return clamp(mu + sigma * z, low, high);
}

double tpe_bin_logmass(double tl, double tr, double mu, double sigma, double low,
                       double high)
{
    tl = clamp(tl, low, high);
    tr = clamp(tr, low, high);
    return tpe_log_ndtr_diff((tl - mu) / sigma, (tr - mu) / sigma) -
           tpe_log_ndtr_diff((low - mu) / sigma, (high - mu) / sigma);
}

size_t tpe_gamma(const tpe_options *o, size_t n)
{
    /* The same float expression as Optuna's math.ceil(0.1 * n). */
    double g = o->gamma_sqrt ? ceil(o->gamma_beta * sqrt((double)n))
                             : ceil(o->gamma_beta * (double)n);
    size_t k = g < 0.0 ? 0 : (size_t)g;
    if (o->gamma_cap > 0 && k > o->gamma_cap)
        k = o->gamma_cap;
    return k > n ? n : k;
}

void tpe_weights(const tpe_options *o, size_t m, double *w)
{
    enum { FLAT = 25 };
    if (!o->weights_ramp || m < FLAT) {
        for (size_t i = 0; i < m; i++)
            w[i] = 1.0;
        return;
    }
    /* numpy.linspace(1/m, 1, m − 25), then 25 ones. */
    size_t ramp = m - FLAT;
    double start = 1.0 / (double)m;
    double step = ramp > 1 ? (1.0 - start) / (double)(ramp - 1) : 0.0;
    for (size_t i = 0; i < ramp; i++)
        w[i] = i + 1 == ramp && ramp > 1 ? 1.0 : start + (double)i * step;
    for (size_t i = ramp; i < m; i++)
        w[i] = 1.0;
}

/* The bits of x as an unsigned key with the same order (−0 as +0). */
static uint64_t order_key(double x)
{
    uint64_t u;
    if (x == 0.0)
        x = 0.0;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | 0x8000000000000000ULL;
}

void tpe_sort_centres(tpe_centre *c, size_t n)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            tpe_centre v = c[i];
            size_t j = i;
            for (; j > 0 && v.mu < c[j - 1].mu; j--)
                c[j] = c[j - 1];
            c[j] = v;
        }
        return;
    }
    /* LSD radix sort, one byte per pass: a comparison sort of random
     * values is bound by branch mispredictions (about 35 µs for 1000
     * values here), this takes a few µs. Passes whose byte is the same in
     * every key are skipped. */
    size_t (*count)[256] = tt_xcalloc(8, sizeof *count);
    uint64_t *key = tt_xmalloc(2 * n * sizeof *key);
    tpe_centre *tmp = tt_xmalloc(n * sizeof *tmp);
    uint64_t *key2 = key + n;
    for (size_t i = 0; i < n; i++) {
        key[i] = order_key(c[i].mu);
        for (int b = 0; b < 8; b++)
            count[b][(key[i] >> (8 * b)) & 0xff]++;
    }
    tpe_centre *src = c, *dst = tmp;
    for (int b = 0; b < 8; b++) {
        if (count[b][(key[0] >> (8 * b)) & 0xff] == n)
            continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t k = count[b][d];
            count[b][d] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = count[b][(key[i] >> (8 * b)) & 0xff]++;
            dst[at] = src[i];
            key2[at] = key[i];
        }
        tpe_centre *t = src;
        src = dst;
        dst = t;
        uint64_t *tk = key;
        key = key2;
        key2 = tk;
    }
    if (src != c)
        memcpy(c, src, n * sizeof *c);
    free(count);
    free(key < key2 ? key : key2);
    free(tmp);
}

/* The gap width s of the j-th of m sorted centres (1-based) with gaps left
 * and right to its neighbours (the bounds beyond the extreme ones): the
 * larger gap, except where the rule has the extreme centres use their inner
 * gap only. */
static double gap_width(const tpe_options *o, bool pad, size_t j, size_t m, double left,
                        double right, double range)
{
    double s = left > right ? left : right;
    if (!pad || (!o->endpoints && m >= 2)) {
        /* hyperopt always, Optuna without endpoints (≥ 4 padded
         * entries): the extreme centres use their inner gap only. */
        if (j == 1 && m >= 2)
            s = right;
        else if (j == m && m >= 2)
            s = left;
    }
    if (!pad && m < 2)
        s = range;
    return s;
}

/* What every gap rule does after the gap: the Scott floor (−inf where it
 * does not apply) and the magic clip [lo, range]. */
static double finish_width(double s, double floor_, double lo, double range)
{
    if (s < floor_)
        s = floor_;
    return clamp(s, lo, range);
}

/* The gap rules by sorting: the centres sorted (a total order, ties by
 * index, keeps the result independent of the sort), the prior centre
 * inserted when the rule lists it, then one walk over the gaps. */
static void gaps_sorted(const tpe_options *o, bool with_prior, bool pad, const double *mu,
                        size_t n, double low, double high, double floor_, double lo,
                        double *sigma)
{
    size_t m = n + with_prior;
    /* Sorted centres in c[1..m], the bounds in c[0] and c[m+1]. */
    tpe_centre *c = tt_xmalloc((m + 2) * sizeof *c);
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        c[i + 1] = (tpe_centre){mu[i], i};
        if (i > 0 && mu[i] < mu[i - 1])
            sorted = false;
    }
    if (!sorted)
        tpe_sort_centres(c + 1, n);
    if (with_prior) {
        /* Insert the prior centre after the centres <= it (its index n
         * is the largest, so it goes after equal ones). */
        tpe_centre pc = {0.5 * (low + high), n};
        size_t at = n + 1;
        while (at > 1 && c[at - 1].mu > pc.mu) {
            c[at] = c[at - 1];
            at--;
        }
        c[at] = pc;
    }
    c[0] = (tpe_centre){low, n};
    c[m + 1] = (tpe_centre){high, n};
    for (size_t j = 1; j <= m; j++) {
        double s = gap_width(o, pad, j, m, c[j].mu - c[j - 1].mu, c[j + 1].mu - c[j].mu,
                             high - low);
        if (c[j].index < n)
            sigma[c[j].index] = finish_width(s, floor_, lo, high - low);
    }
    free(c);
}

/* The first and last centre (in the order of gaps_sorted: by value, ties
 * by index) that fall in one cell, and how many do. */
typedef struct gap_cell {
    double first, last;
    size_t first_index, last_index, count;
} gap_cell;

/* Centre i (value x) into its cell (first = +inf, last = −inf while
 * empty). Centres come by increasing index, so an equal value never comes
 * before the one held: ties need no test. */
static void cell_add(gap_cell *g, double x, size_t i)
{
    if (x < g->first) {
        g->first = x;
        g->first_index = i;
    }
    if (x >= g->last) {
        g->last = x;
        g->last_index = i;
    }
    g->count++;
}

/*
 * The gap rules without sorting, for many unsorted centres. Every width at
 * or below theta = max(floor, lo) ends up as the same σ, finish(0): the
 * floor and the clip lift it. So only gaps wider than theta matter, and
 * those lie between centres of different cells of width theta / 2 (two
 * centres in one cell are closer than theta, rounding included). Within a
 * cell, the centres other than the first and the last have both gaps
 * below theta; the first's right gap and the last's left gap are too, so
 * they enter gap_width as 0 (which picks the other gap when it is wider
 * than theta, and gives finish(0) otherwise, exactly like the true gap).
 * One pass over the centres and one over the cells, the same σ bit for bit
 * as gaps_sorted. Returns false (nothing written) when a centre lies
 * outside [low, high] or the cells would be too many.
 */
static bool gaps_by_cells(const tpe_options *o, bool with_prior, bool pad, const double *mu,
                          size_t n, double low, double high, double floor_, double lo,
                          double *sigma)
{
    enum { MAX_CELLS = 1024 };
    double range = high - low, theta = floor_ > lo ? floor_ : lo;
    double cells_f = 2.0 * range / theta;
    if (!(theta > 0.0) || !(cells_f < MAX_CELLS - 1))
        return false;
    size_t n_cells = (size_t)cells_f + 1;
    double inv_w = 2.0 / theta;
    gap_cell *cell = tt_xmalloc(n_cells * sizeof *cell);
    for (size_t q = 0; q < n_cells; q++)
        cell[q] = (gap_cell){INFINITY, -INFINITY, 0, 0, 0};
    for (size_t i = 0; i <= n; i++) {
        if (i == n && !with_prior)
            break;
        double x = i < n ? mu[i] : 0.5 * (low + high);
        if (!(x >= low && x <= high)) {
            free(cell);
            return false;
        }
        /* Monotone in x (so cells keep the centres' order), clamped for
         * the rounding at high. */
        size_t q = (size_t)((x - low) * inv_w);
        cell_add(&cell[q < n_cells ? q : n_cells - 1], x, i);
    }
    double base = finish_width(0.0, floor_, lo, range);
    for (size_t i = 0; i < n; i++)
        sigma[i] = base;
    size_t m = n + with_prior, rank = 1;
    double prev = low; /* the last centre before this cell, or c[0] */
    for (size_t q = 0; q < n_cells; q++) {
        const gap_cell *g = &cell[q];
        if (g->count == 0)
            continue;
        size_t r = q + 1;
        while (r < n_cells && cell[r].count == 0)
            r++;
        double next = r < n_cells ? cell[r].first : high; /* or c[m + 1] */
        bool alone = g->count == 1;
        double s = gap_width(o, pad, rank, m, g->first - prev, alone ? next - g->first : 0.0,
                             range);
        if (g->first_index < n)
            sigma[g->first_index] = finish_width(s, floor_, lo, range);
        if (!alone) {
            s = gap_width(o, pad, rank + g->count - 1, m, 0.0, next - g->last, range);
            if (g->last_index < n)
                sigma[g->last_index] = finish_width(s, floor_, lo, range);
        }
        prev = g->last;
        rank += g->count;
    }
    free(cell);
    return true;
}

void tpe_bandwidths(const tpe_options *o, tpe_bandwidth rule, const double *mu,
                    size_t n, size_t D, double low, double high, double *sigma)
{
    double range = high - low;
    if (n == 0)
        return;
    /* Magic clip: R / min(100, kernels + 1), kernels = n + the prior. */
    double kernels = (double)n + 1.0;
    double lo = o->magic_clip ? range / fmin(100.0, kernels + 1.0) : SIGMA_FLOOR;
    double floor_ = -INFINITY;
    if (rule != TPE_BW_SCOTT && D > 1 && o->scott_floor > 0.0)
        floor_ = o->scott_floor * 0.2 * pow((double)n, -1.0 / ((double)D + 4.0)) * range;
    if (rule == TPE_BW_SCOTT) {
        double s = 0.2 * pow((double)n, -1.0 / ((double)D + 4.0)) * range;
        for (size_t i = 0; i < n; i++)
            sigma[i] = clamp(s, lo, range);
        return;
    }
    if (rule == TPE_BW_HYPEROPT && n == 1) {
        sigma[0] = finish_width(0.5 * range, floor_, lo, range);
        return;
    }
    bool with_prior = rule != TPE_BW_OPTUNA;
    bool pad = rule != TPE_BW_HYPEROPT;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = !(mu[i] < mu[i - 1]);
    /* Sorting wins on a few centres (insertion sort) or sorted ones; the
     * cells on many unsorted ones (a joint estimator's every dim), where
     * the radix sort was a fifth of a suggestion at 1000 trials. */
    if (sorted || n < 64 ||
        !gaps_by_cells(o, with_prior, pad, mu, n, low, high, floor_, lo, sigma))
        gaps_sorted(o, with_prior, pad, mu, n, low, high, floor_, lo, sigma);
}

void tpe_categorical_row(const tpe_dim *d, size_t n_obs, double prior_weight,
                         size_t obs, double *out)
{
    size_t K = d->n_choices;
    double total = 0.0;
    for (size_t c = 0; c < K; c++) {
        double p = tpe_dim_prior(d, c);
        out[c] = obs >= K ? p : prior_weight / (double)(n_obs + 1) * (double)K * p;
        if (c == obs)
            out[c] += 1.0;
        total += out[c];
    }
    for (size_t c = 0; c < K; c++)
        out[c] /= total;
}
