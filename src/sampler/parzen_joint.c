/*
 * parzen_joint — the log density of a joint estimator over continuous dims
 * (docs/algorithms.md §1.4.6), the default multivariate sampler's common
 * case, with the result of parzen.c's full sum bit for bit but far fewer
 * truncation constants.
 *
 * Why: the full sum needs, per kernel and dim, log Z = log(Φ(b) − Φ(a)),
 * an erfc and a log1p: at 1000 trials in 6-D, 6000 of them per suggestion,
 * a quarter of its time before this file. Yet a kernel whose term (log
 * weight + Σ_j log_const − z²/2) lies more than NEGLIGIBLE below the
 * largest term adds exactly 0 to the sum, and with 24 candidates in the
 * unit cube most kernels are that far from every candidate.
 *
 * How: until a kernel's exact term is needed, log_const holds an upper
 * bound of itself (−log Z is at most a tabulated value that depends only on
 * how many σ the centre lies from the nearer bound: tpe_joint_constants),
 * and the kernel's "slack" the sum of what its bounds may exceed the exact
 * values by. One
 * pass over the kernels, kernel-major (tpe_joint_pack) and LANES points at
 * a time, bounds each kernel's term at each point; a kernel's exact term
 * then lies within its slack below its bound. Only kernels whose bound
 * comes within NEGLIGIBLE of a lower bound of the largest exact term can
 * matter; they (the "near" kernels) get their exact constants (make_exact,
 * once per kernel) and exact terms, in the full sum's order of operations,
 * and the sum runs over them in kernel order. The kernels left out would
 * have added 0, so the result is the full sum's.
 *
 * Where most kernels are near (late in a study the observations cluster
 * and the kernels, floored at half the Scott bandwidth, overlap), the
 * bounds would be wasted: a cheap probe on every 16th kernel detects it,
 * and the estimator goes "dense" for good: every constant exact, every
 * term summed as parzen.c does, but kernel-major over LANES points.
 */
#include "tpe_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Doubles per kernel of the packed data: bound data (the bound constant,
 * the slack, then per dim the centre and 1/(σ√2): 2 + 2D), and in dense
 * mode, in the same place, exact data (the log weight, then per dim the
 * centre, 1/σ and log_const: 1 + 3D, no fewer for D >= 1). */
#define ENTRY(D) (1 + 3 * (D))
/* A probe that finds more than this share of kernels near turns the
 * estimator dense. Not critical: histories late in a real study sit far
 * above (most kernels near), random ones far below; the result is the
 * same either way, only the time differs. */
#define DENSE_SHARE 0.33
/* The probe's sample: every PROBE_STRIDE-th kernel. */
#define PROBE_STRIDE 16

struct tpe_joint {
    bool dense;           /* every constant exact, every term summed */
    unsigned char *loose; /* [D m]: log_const holds its upper bound */
    double *pack;         /* [m ENTRY(D)], kernel-major */
    double *t;            /* [D LANES]: a block's coordinates */
    double *term;         /* [m]: one point's exact terms; before the
                             pack, each kernel's slack */
    double *bound;        /* [LANES m]: the near kernels' bounds, per point;
                             also the probe's and the dense sums' scratch */
    size_t *index;        /* [LANES m]: the near kernels, per point */
};

bool tpe_joint_applies(const tpe_dim *const *dims, size_t n_dims)
{
    if (n_dims < 2)
        return false;
    for (size_t j = 0; j < n_dims; j++)
        if (dims[j]->kind != TPE_CONTINUOUS)
            return false;
    return true;
}

/* Doubles that hold n bytes. */
static size_t doubles_for(size_t n)
{
    return (n + sizeof(double) - 1) / sizeof(double);
}

size_t tpe_joint_size(size_t m, size_t D)
{
    return doubles_for(sizeof(tpe_joint)) + doubles_for(m * D) + m * ENTRY(D) +
           D * TPE_LANES + m + TPE_LANES * m + doubles_for(TPE_LANES * m * sizeof(size_t));
}

tpe_joint *tpe_joint_place(double *mem, size_t m, size_t D)
{
    /* mem comes from malloc, aligned for any type: the struct first. */
    tpe_joint *jt = (tpe_joint *)(void *)mem;
    double *at = mem + doubles_for(sizeof *jt);
    jt->dense = false;
    jt->loose = memset(at, 0, m * D);
    at += doubles_for(m * D);
    jt->pack = at;
    at += m * ENTRY(D);
    jt->t = at;
    at += D * TPE_LANES;
    jt->term = memset(at, 0, m * sizeof *at); /* tpe_joint_constants adds */
    at += m;
    jt->bound = at;
    at += TPE_LANES * m;
    jt->index = (size_t *)(void *)at;
    return jt;
}

/* ---- constants ---- */

/* Which entry of tpe_joint_constants' table bounds −log Z for a kernel at
 * mu, σ = s (1/σ = inv) on [low, high]; −1 when the premises fail. */
static int slack_tier(double mu, double s, double inv, double low, double high)
{
    double gap = mu - low < high - mu ? mu - low : high - mu;
    if (!(gap >= 0.0 && s <= high - low))
        return -1;
    /* x, the distance to the nearer bound in σ, is within a few ulps of
     * tpe_log_ndtr_diff's; the tiers are taken a hair low. */
    double x = gap * inv;
    if (x >= 8.5 + 1e-9)
        return 9;
    return x < 8.0 ? (int)(x * (1.0 - 1e-12)) : 8;
}

/*
 * −log Z, Z = Φ(b) − Φ(a) the mass a kernel keeps in its domain (a = (low −
 * μ)/σ <= 0 <= b = (high − μ)/σ: the centre in the domain), is at most
 * −log(1 − 2 Φ(−x)), x = min(−a, b) the distance to the nearer bound; and
 * with σ <= R (b − a >= 1), Z >= Φ(1) − ½ wherever the centre is. The
 * table holds these at x = 1..8 (and −log(Φ(1) − ½) below 1), rounded up.
 * Beyond 8.5 both tails are dropped (tpe_log_ndtr_diff): log Z is −0, the
 * bound exact. A kernel outside the premises gets its exact value at once.
 */
void tpe_joint_constants(tpe_estimator *e, size_t j)
{
    static const double slack[10] = {1.1,    0.39, 0.047,   0.0028,  6.4e-5,
                                     5.8e-7, 2e-9, 2.6e-12, 1.3e-15, 0.0};
    const tpe_dim *d = e->dims[j];
    tpe_joint *jt = e->joint;
    size_t m = e->n_kernels;
    const double *mu = e->mu + j * m, *sg = e->sigma + j * m;
    double prev_s = NAN, prev_log = 0.0, prev_inv = 0.0, l0 = 0.0;
    for (size_t k = 0; k < m; k++) {
        double s = sg[k];
        if (s != prev_s) { /* the σ are mostly equal: one log each */
            prev_s = s;
            prev_log = log(s);
            prev_inv = 1.0 / s;
            l0 = -prev_log - TPE_LOG_SQRT_2PI;
        }
        e->inv_sigma[j * m + k] = prev_inv;
        e->log_sigma[j * m + k] = prev_log;
        int tier = slack_tier(mu[k], s, prev_inv, d->low, d->high);
        if (tier < 0) {
            e->log_const[j * m + k] = tpe_numeric_log_const(d, mu[k], s, prev_log);
            continue;
        }
        e->log_const[j * m + k] = l0 + slack[tier];
        jt->loose[j * m + k] = tier < 9;
        jt->term[k] += slack[tier];
    }
}

/* The bound data, kernel-major: a kernel's term at t lies between b − slack
 * and b, b = pack[0] − Σ_j ((t_j − μ_j) / (σ_j √2))², rounding aside. */
void tpe_joint_pack(tpe_estimator *e)
{
    size_t m = e->n_kernels, D = e->n_dims, w = ENTRY(D);
    for (size_t k = 0; k < m; k++) {
        double *p = e->joint->pack + k * w, c = e->log_weight[k];
        for (size_t j = 0; j < D; j++) {
            c += e->log_const[j * m + k];
            p[2 + 2 * j] = e->mu[j * m + k];
            p[3 + 2 * j] = e->inv_sigma[j * m + k] * 0.70710678118654752440;
        }
        p[0] = c;
        p[1] = e->joint->term[k];
    }
}

/* Kernel k's log_const exact in every dim (log_const is the cache). */
static void make_exact(const tpe_estimator *e, size_t k)
{
    size_t m = e->n_kernels;
    unsigned char *loose = e->joint->loose;
    for (size_t j = 0; j < e->n_dims; j++) {
        size_t at = j * m + k;
        if (loose[at]) {
            e->log_const[at] =
                tpe_numeric_log_const(e->dims[j], e->mu[at], e->sigma[at], e->log_sigma[at]);
            loose[at] = 0;
        }
    }
}

/* Kernel k's exact term at the point whose coordinates are t[j * stride],
 * the operations in the order of parzen.c's full sum. */
static double exact_term(const tpe_estimator *e, size_t k, const double *t, size_t stride)
{
    size_t m = e->n_kernels;
    make_exact(e, k);
    double a = e->log_weight[k];
    for (size_t j = 0; j < e->n_dims; j++) {
        double z = (t[j * stride] - e->mu[j * m + k]) * e->inv_sigma[j * m + k];
        a += e->log_const[j * m + k] - 0.5 * z * z;
    }
    return a;
}

/* ---- sparse: bounds and near kernels ---- */

/* A margin far above the rounding of the bounds' and the exact terms' sums
 * (relative 1e-15 of their magnitudes). */
static double margin(double x)
{
    return 1e-6 + 1e-9 * fabs(x);
}

/* How far below `low`, a lower bound of some kernel's exact term (so of
 * the largest one), a kernel's bound can lie and still come within
 * NEGLIGIBLE of the largest exact term: NEGLIGIBLE and the margin (twice:
 * near_point takes one at that kernel's exact term, which can exceed low
 * by its slack). */
static double reach_of(double low)
{
    return low - TPE_NEGLIGIBLE - 2.0 * margin(low);
}

/* The near kernels of one point of a block: every kernel whose bound came
 * within reach of the largest lower bound (bound less slack) seen so far,
 * or of the probe's (a kernel seen later, so no larger). */
typedef struct near_list {
    size_t n, best; /* best: where that largest lower bound is */
    double low, reach;
    size_t *index;
    double *bound;
} near_list;

/* Kernel k's bound at each point of the block (p its bound data, t the
 * block's coordinates t[j * LANES + c]) into a[c]: the lanes are
 * independent, the compiler's vector code. */
static inline void kernel_bound(const double *p, const double *t, size_t D, double *a)
{
    for (size_t c = 0; c < TPE_LANES; c++)
        a[c] = p[0];
    for (size_t j = 0; j < D; j++) {
        double mu = p[2 + 2 * j], hs = p[3 + 2 * j];
        for (size_t c = 0; c < TPE_LANES; c++) {
            double z = (t[j * TPE_LANES + c] - mu) * hs;
            a[c] -= z * z;
        }
    }
}

/* Whether a[c] >= reach[c] for some lane, as a maximum of differences
 * (vector code, unlike a chain of comparisons); for finite reach the same
 * test. */
static bool any_reached(const double *a, const double *reach)
{
    double d[TPE_LANES];
    for (size_t c = 0; c < TPE_LANES; c++)
        d[c] = a[c] - reach[c];
    for (size_t c = 0; c < TPE_LANES / 2; c++)
        d[c] = d[c] > d[c + TPE_LANES / 2] ? d[c] : d[c + TPE_LANES / 2];
    for (size_t c = 1; c < TPE_LANES / 2; c++)
        d[0] = d[0] > d[c] ? d[0] : d[c];
    return d[0] >= 0.0;
}

/* Kernel k, with bounds a[c] and its slack, into the lists of the points
 * it comes within reach of. */
static void keep(size_t k, const double *a, double slack, near_list *near)
{
    for (size_t c = 0; c < TPE_LANES; c++) {
        near_list *q = &near[c];
        if (!(a[c] >= q->reach))
            continue;
        if (a[c] - slack > q->low) {
            q->low = a[c] - slack;
            q->best = q->n;
            double r = reach_of(q->low);
            if (r > q->reach)
                q->reach = r;
        }
        q->index[q->n] = k;
        q->bound[q->n++] = a[c];
    }
}

/* The probe: bounds at every PROBE_STRIDE-th kernel. It seeds each point's
 * reach with their best lower bound (so the lists start near their final
 * length instead of taking in every kernel until the running maximum
 * climbs) and returns the share of the sample within reach, an estimate of
 * how many kernels are near. */
static double probe(const tpe_estimator *e, const double *t, near_list *near)
{
    size_t m = e->n_kernels, D = e->n_dims, w = ENTRY(D), n = 0, in = 0;
    double low[TPE_LANES], a[TPE_LANES], *seen = e->joint->bound;
    for (size_t c = 0; c < TPE_LANES; c++)
        low[c] = -INFINITY;
    for (size_t k = 0; k < m; k += PROBE_STRIDE, n++) {
        const double *p = e->joint->pack + k * w;
        kernel_bound(p, t, D, a);
        for (size_t c = 0; c < TPE_LANES; c++) {
            low[c] = a[c] - p[1] > low[c] ? a[c] - p[1] : low[c];
            seen[n * TPE_LANES + c] = a[c];
        }
    }
    for (size_t c = 0; c < TPE_LANES; c++) {
        near[c].reach = low[c] > -INFINITY ? reach_of(low[c]) : -DBL_MAX;
        for (size_t i = 0; i < n; i++)
            in += seen[i * TPE_LANES + c] >= near[c].reach;
    }
    return (double)in / (double)(n * TPE_LANES);
}

/* One pass over the kernels: each kernel's bound at every point of the
 * block, kept in the lists of the points it comes within reach of (most
 * kernels are far from every point: one test for all of them). */
static void near_kernels(const tpe_estimator *e, const double *t, near_list *near)
{
    size_t m = e->n_kernels, D = e->n_dims, w = ENTRY(D);
    double reach[TPE_LANES];
    for (size_t c = 0; c < TPE_LANES; c++)
        reach[c] = near[c].reach;
    for (size_t k = 0; k < m; k++) {
        double a[TPE_LANES];
        kernel_bound(e->joint->pack + k * w, t, D, a);
        if (any_reached(a, reach)) {
            keep(k, a, e->joint->pack[k * w + 1], near);
            for (size_t c = 0; c < TPE_LANES; c++)
                reach[c] = near[c].reach;
        }
    }
}

/* The log density at point c of the block, from its near kernels. The
 * exact term of the kernel with the largest lower bound is a lower bound of
 * the largest exact term; only kernels whose bound reaches that less
 * NEGLIGIBLE get an exact term. */
static double near_point(const tpe_estimator *e, const near_list *q, size_t c)
{
    if (q->n == 0 || !(q->low > -INFINITY))
        return -INFINITY;
    const double *t = e->joint->t + c;
    double *term = e->joint->term;
    double top = exact_term(e, q->index[q->best], t, TPE_LANES);
    double cut = top - TPE_NEGLIGIBLE - margin(top);
    size_t kept = 0;
    for (size_t i = 0; i < q->n; i++)
        if (q->bound[i] >= cut) {
            double a = exact_term(e, q->index[i], t, TPE_LANES);
            term[kept++] = a;
            if (a > top)
                top = a;
        }
    double sum = 0.0;
    for (size_t i = 0; i < kept; i++) {
        double d = term[i] - top;
        sum += d > -TPE_NEGLIGIBLE ? tpe_exp_small(d) : 0.0;
    }
    return top + log(sum);
}

/* ---- dense: every kernel ---- */

/* Every constant exact, for good, and the exact data packed in place of
 * the bound data. */
static void go_dense(const tpe_estimator *e)
{
    size_t m = e->n_kernels, D = e->n_dims, w = ENTRY(D);
    for (size_t k = 0; k < m; k++) {
        make_exact(e, k);
        double *p = e->joint->pack + k * w;
        p[0] = e->log_weight[k];
        for (size_t j = 0; j < D; j++) {
            p[1 + 3 * j] = e->mu[j * m + k];
            p[2 + 3 * j] = e->inv_sigma[j * m + k];
            p[3 + 3 * j] = e->log_const[j * m + k];
        }
    }
    e->joint->dense = true;
}

/* The full sum at the nb points of the block, as parzen.c computes it:
 * every kernel's exact term (each term's operations in the same order, the
 * lanes independent: vector code), then per point the largest and the sum
 * in kernel order. */
static void dense_block(const tpe_estimator *e, size_t nb, double *out)
{
    size_t m = e->n_kernels, D = e->n_dims, w = ENTRY(D);
    const double *t = e->joint->t;
    double *acc = e->joint->bound, top[TPE_LANES];
    for (size_t c = 0; c < TPE_LANES; c++)
        top[c] = -INFINITY;
    for (size_t k = 0; k < m; k++) {
        const double *p = e->joint->pack + k * w;
        double a[TPE_LANES];
        for (size_t c = 0; c < TPE_LANES; c++)
            a[c] = p[0];
        for (size_t j = 0; j < D; j++) {
            double mu = p[1 + 3 * j], is = p[2 + 3 * j], lc = p[3 + 3 * j];
            for (size_t c = 0; c < TPE_LANES; c++) {
                double z = (t[j * TPE_LANES + c] - mu) * is;
                a[c] += lc - 0.5 * z * z;
            }
        }
        for (size_t c = 0; c < TPE_LANES; c++) {
            top[c] = a[c] > top[c] ? a[c] : top[c];
            acc[k * TPE_LANES + c] = a[c];
        }
    }
    for (size_t c = 0; c < nb; c++) {
        out[c] = -INFINITY;
        if (!(top[c] > -INFINITY))
            continue;
        double sum = 0.0;
        for (size_t k = 0; k < m; k++) {
            double d = acc[k * TPE_LANES + c] - top[c];
            sum += d > -TPE_NEGLIGIBLE ? tpe_exp_small(d) : 0.0;
        }
        out[c] = top[c] + log(sum);
    }
}

/* ---- blocks ---- */

/* One block of nb <= LANES points v[c * D ..] (padded with copies of the
 * last): sparse unless the probe finds most kernels near. */
static void block(const tpe_estimator *e, const double *v, size_t nb, double *out)
{
    tpe_joint *jt = e->joint;
    size_t m = e->n_kernels, D = e->n_dims;
    near_list near[TPE_LANES];
    for (size_t c = 0; c < TPE_LANES; c++) {
        const double *p = v + (c < nb ? c : nb - 1) * D;
        for (size_t j = 0; j < D; j++)
            jt->t[j * TPE_LANES + c] = tpe_dim_to_internal(e->dims[j], p[j]);
        near[c] = (near_list){0, 0, -INFINITY, -DBL_MAX, jt->index + c * m,
                              jt->bound + c * m};
    }
    if (!jt->dense && probe(e, jt->t, near) > DENSE_SHARE)
        go_dense(e);
    if (jt->dense) {
        dense_block(e, nb, out);
        return;
    }
    near_kernels(e, jt->t, near);
    for (size_t c = 0; c < nb; c++)
        out[c] = near_point(e, &near[c], c);
}

void tpe_joint_logpdf(const tpe_estimator *e, const double *v, size_t n, double *out)
{
    for (size_t i = 0; i < n; i += TPE_LANES)
        block(e, v + i * e->n_dims, n - i < TPE_LANES ? n - i : TPE_LANES, out + i);
}
