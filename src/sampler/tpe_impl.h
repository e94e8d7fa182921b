/*
 * tpe_impl — the parts of the TPE sampler (tpe.c, tpe_dim.c, tpe_kernel.c,
 * parzen.c, parzen_joint.c) that its files share and that tests/test_tpe.c checks one by one; not part of
 * the public interface (include/tunetop/sampler.h has tt_tpe_suggest), so
 * its names take the private prefix tpe_ (TPE_ for constants), as
 * gp_internal.h's take gp_: tt_ is for the public headers.
 *
 * Vocabulary (docs/algorithms.md §1.4): each parameter is mapped onto a
 * "dim", a 1-D domain where the kernels live (its "internal" coordinate t); a
 * Parzen estimator is a weighted mixture of product kernels over one or more
 * dims, one kernel per observation plus one prior kernel (always the last).
 */
#ifndef TUNETOP_SAMPLER_TPE_IMPL_H
#define TUNETOP_SAMPLER_TPE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tunetop/sampler.h"

/* ---- options ---- */

typedef enum tpe_bandwidth {
    TPE_BW_OPTUNA,          /* sorted centres padded with the bounds, max gap
                               (Optuna v4.9: the prior centre not listed) */
    TPE_BW_OPTUNA_PRIOR,    /* the same with the prior centre listed (<= v4.8) */
    TPE_BW_HYPEROPT,        /* prior listed, no padding, ends use their one gap */
    TPE_BW_SCOTT,           /* 0.2 · n^(-1/(D+4)) · R, Optuna's multivariate rule */
} tpe_bandwidth;

typedef struct tpe_options {
    bool multivariate;      /* joint kernels over each group of parameters */
    bool group;             /* multivariate: group decomposition (§1.4.7);
                               false: one joint group, the intersection */
    size_t n_startup;       /* random trials before the model (COMPLETED+PRUNED) */
    size_t n_candidates;    /* draws from l(x) scored by l/g (§1.4.6) */
    double prior_weight;
    bool magic_clip;        /* σ ∈ [R / min(100, kernels + 1), R] (else [1e-12, R]) */
    bool endpoints;         /* gap rules: extreme centres also see the bounds */
    tpe_bandwidth bandwidth; /* univariate mode's rule */
    tpe_bandwidth multivariate_bandwidth;
    double scott_floor;     /* gap rules with D > 1: σ >= this · the Scott σ */
    double gamma_beta;      /* below size = ceil(beta · n) (linear) ... */
    bool gamma_sqrt;        /* ... or ceil(beta · sqrt n) (hyperopt) */
    size_t gamma_cap;       /* ... at most this many (0: no cap) */
    bool weights_ramp;      /* Optuna's default_weights (old trials decay) */
    bool constant_liar;     /* RUNNING and QUEUED trials go to "above" */
} tpe_options;

/* The defaults of tt_tpe_suggest (chosen by measurement; see tpe.c). */
void tpe_default_options(tpe_options *o);
/* Optuna v3–v4's TPESampler() defaults (univariate, 10 startup trials, 24
 * candidates, no constant liar), for comparisons. */
void tpe_optuna_options(tpe_options *o);
/* tt_tpe_suggest with explicit options. */
int tpe_suggest_with(const tpe_options *o, const tt_space *space,
                     const tt_history *history, uint64_t seed, tt_assignment *out,
                     tt_error *err);

/* ---- parameters as TPE domains (tpe_dim.c) ---- */

typedef enum tpe_kind {
    TPE_FIXED,           /* one possible value (constant, singleton range) */
    TPE_CONTINUOUS,      /* truncated normal kernels on [low, high] */
    TPE_DISCRETE,        /* bin masses of truncated normals (§1.4.4) */
    TPE_CATEGORICAL,     /* §1.4.5 */
} tpe_kind;

typedef enum tpe_scale {
    TPE_LINEAR,          /* t = x */
    TPE_LOG,             /* t = log x */
    TPE_CDF,             /* t = the prior's CDF (tt_param_encode) */
} tpe_scale;

typedef struct tpe_dim {
    const tt_param *param;
    tpe_kind kind;
    tpe_scale scale;
    double low, high;    /* kernel domain in t; a discrete dim's is widened by
                            half a step on each side before the log */
    double vlow, vhigh;  /* smallest and largest value (numeric kinds) */
    double step;         /* discrete: grid step in value space */
    size_t n_choices;    /* categorical */
    double fixed;        /* the value of a fixed dim */
} tpe_dim;

/* How parameter p is modelled (see tpe_dim.c for the choices). */
tpe_dim tpe_dim_of(const tt_param *p);
/* The internal coordinate of value x, inside [low, high] (the category
 * index for categorical dims). */
double tpe_dim_to_internal(const tpe_dim *d, double x);
/* The valid value nearest to internal coordinate t (snapped to the grid,
 * clamped to the range); tt_param_contains holds for the result. */
double tpe_dim_from_internal(const tpe_dim *d, double t);
/* Whether x is usable as an observation of d (finite; a category index in
 * range). */
bool tpe_dim_valid(const tpe_dim *d, double x);
/* Parameter p (modelled as d) over the observations obs[0..n), one column
 * of a row-major table: has[i * stride] whether observation i holds a
 * usable value of it, t[i * stride] its internal coordinate (0 if not).
 * One call per parameter, so that the per-kind choices are made per
 * column. */
void tpe_dim_column(const tpe_dim *d, size_t p, const tt_observation *obs, size_t n,
                    size_t stride, unsigned char *has, double *t);
/* The prior probability of category c (the parameter's `probabilities`, or
 * uniform). */
double tpe_dim_prior(const tpe_dim *d, size_t c);

/* ---- kernels (tpe_kernel.c) and estimators (parzen.c) ---- */

#define TPE_LOG_SQRT_2PI 0.91893853320467274178

/* Terms this far (in nats) below the largest add < 4e-18 each to a sum of
 * exponentials: the estimators skip them. */
#define TPE_NEGLIGIBLE 40.0

/* e^x for −TPE_NEGLIGIBLE < x <= 0, within 3e-16 relative: x = (32 m + j)
 * ln2/32 + r with |r| <= ln2/64, e^x = 2^m · 2^(j/32) · e^r, e^r by its
 * Taylor polynomial to degree 6 (remainder < 4e-18). Inline and
 * branch-free, about three times cheaper than libm's exp in the
 * estimators' inner loops, and the same on every machine. */
static inline double tpe_exp_small(double x)
{
    /* 2^(j/32), j = 0..31, correctly rounded. */
    static const double exp2_32[32] = {
        0x1.0000000000000p+0, 0x1.059b0d3158574p+0, 0x1.0b5586cf9890fp+0,
        0x1.11301d0125b51p+0, 0x1.172b83c7d517bp+0, 0x1.1d4873168b9aap+0,
        0x1.2387a6e756238p+0, 0x1.29e9df51fdee1p+0, 0x1.306fe0a31b715p+0,
        0x1.371a7373aa9cbp+0, 0x1.3dea64c123422p+0, 0x1.44e086061892dp+0,
        0x1.4bfdad5362a27p+0, 0x1.5342b569d4f82p+0, 0x1.5ab07dd485429p+0,
        0x1.6247eb03a5585p+0, 0x1.6a09e667f3bcdp+0, 0x1.71f75e8ec5f74p+0,
        0x1.7a11473eb0187p+0, 0x1.82589994cce13p+0, 0x1.8ace5422aa0dbp+0,
        0x1.93737b0cdc5e5p+0, 0x1.9c49182a3f090p+0, 0x1.a5503b23e255dp+0,
        0x1.ae89f995ad3adp+0, 0x1.b7f76f2fb5e47p+0, 0x1.c199bdd85529cp+0,
        0x1.cb720dcef9069p+0, 0x1.d5818dcfba487p+0, 0x1.dfc97337b9b5fp+0,
        0x1.ea4afa2a490dap+0, 0x1.f50765b6e4540p+0,
    };
    const double shift = 0x1.8p52;
    double kf = (x * 46.166241308446828 + shift) - shift; /* round(32 x / ln 2) */
    double r = (x - kf * 0x1.62e42fefa0000p-6) - kf * 0x1.cf79abc9e3b3ap-45;
    double p = 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t k = (int64_t)kf + 32 * 64; /* > 0 for x > −TPE_NEGLIGIBLE */
    uint64_t bits = (uint64_t)((k >> 5) - 64 + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * exp2_32[k & 31] * scale;
}

/* log(Φ(b) − Φ(a)) for a <= b, accurate in both tails. */
double tpe_log_ndtr_diff(double a, double b);
/* The constant of a kernel (centre mu, σ = s, log σ = log_s) of numeric dim
 * d, the estimators' log_const: −log σ − log √2π − log Z for a continuous
 * dim, −log Z for a discrete one (Z its mass in the domain). */
double tpe_numeric_log_const(const tpe_dim *d, double mu, double s, double log_s);
/* Log density of N(mu, sigma²) truncated to [low, high], at x in it. */
double tpe_truncnorm_logpdf(double x, double mu, double sigma, double low, double high);
/* A draw from N(mu, sigma²) truncated to [low, high] by inverse CDF at u in
 * (0, 1), using the tail symmetry so that far tails stay exact. */
double tpe_truncnorm_sample(double mu, double sigma, double low, double high, double u);
/* Log mass of the bin [tl, tr] under N(mu, sigma²) truncated to [low, high]
 * (the discrete kernel of §1.4.4, with tl = x − s/2, tr = x + s/2
 * clipped). */
double tpe_bin_logmass(double tl, double tr, double mu, double sigma, double low,
                       double high);
/* A value and where it came from. tpe_sort_centres sorts by value and
 * is stable: callers list centres by increasing index, so ties end up in
 * index order and the result is unique. */
typedef struct tpe_centre {
    double mu;
    size_t index;
} tpe_centre;
void tpe_sort_centres(tpe_centre *c, size_t n);

/* Size of the "below" group for n COMPLETED+PRUNED trials (§1.4.2). */
size_t tpe_gamma(const tpe_options *o, size_t n);
/* Optuna's default_weights(m) (§1.4.3) into w[0..m) (all ones without the
 * ramp). */
void tpe_weights(const tpe_options *o, size_t m, double *w);
/* Bandwidths of n observation kernels centred at mu[0..n) (any order) on
 * [low, high] by rule, magic clip included (§1.4.4); D is the number of joint
 * dims (for the Scott rule). sigma[i] belongs to mu[i]. */
void tpe_bandwidths(const tpe_options *o, tpe_bandwidth rule, const double *mu,
                    size_t n, size_t D, double low, double high, double *sigma);
/* Row of the categorical kernel for an observation of category obs (§1.4.5):
 * p(c) ∝ 1[c = obs] + prior_weight / (n_obs + 1) · K · prior(c); with
 * obs == K the prior kernel (p = prior). out has K entries, summing to 1. */
void tpe_categorical_row(const tpe_dim *d, size_t n_obs, double prior_weight,
                         size_t obs, double *out);

/* A weighted mixture of product kernels over n_dims dims. */
typedef struct tpe_estimator {
    size_t n_dims;
    const tpe_dim *const *dims;
    size_t n_kernels;    /* observations, then the prior kernel */
    double *log_weight;  /* [n_kernels], normalised */
    double *cum_weight;  /* [n_kernels], for drawing a kernel */
    /* Per dim d, arrays of n_kernels at offset d * n_kernels: */
    double *mu;          /* centre in t (category index for categorical) */
    double *sigma;
    double *inv_sigma;
    double *log_sigma;
    double *log_const;   /* continuous: −log σ − log √2π − log Z; discrete: −log Z
                            (joint: an upper bound until a point needs it) */
    /* Categorical dims, per dim K entries at offset d * max_choices: */
    double *cat_hit, *cat_miss, *cat_prior; /* log p(c) for a kernel that
                                               observed c / another / prior */
    double *cat_keep;    /* [n_dims]: 1 / (A + 1), the chance a categorical
                            kernel returns its own observation */
    size_t max_choices;
    bool sorted;         /* 1-D continuous: kernels sorted by tpe_centre */
    double sigma_max;    /* largest σ of an observation kernel (dim 0) */
    double top_const;    /* sorted: max of log weight + log_const */
    double *scratch;     /* [n_kernels] */
    void *points;        /* [n_dims] scratch of tpe_estimator_logpdf */
    struct tpe_joint *joint; /* joint continuous estimators: the state of
                                parzen_joint.c (which fills log_const as it
                                goes), NULL for the others */
} tpe_estimator;

/* The joint continuous path (parzen_joint.c): estimators over two or more
 * dims, all continuous, whose log density needs only the truncation
 * constants of the kernels near the points; tpe_estimator_init and
 * tpe_estimator_logpdf(_many) use it. */
typedef struct tpe_joint tpe_joint;
bool tpe_joint_applies(const tpe_dim *const *dims, size_t n_dims);
/* The state lives in the estimator's block (one allocation: large blocks
 * allocated and freed per suggestion can cost page faults each time):
 * tpe_joint_size doubles of it, laid out by tpe_joint_place. */
size_t tpe_joint_size(size_t n_kernels, size_t n_dims);
tpe_joint *tpe_joint_place(double *mem, size_t n_kernels, size_t n_dims);
/* Dim j's per-kernel constants (after its bandwidths), log_const deferred. */
void tpe_joint_constants(tpe_estimator *e, size_t j);
/* After every dim's constants. */
void tpe_joint_pack(tpe_estimator *e);
/* Log densities of n points v[i * n_dims ..] into out[0..n). */
void tpe_joint_logpdf(const tpe_estimator *e, const double *v, size_t n, double *out);
/* Points the joint path scores together. */
#define TPE_LANES 4

/* Build the estimator of the observations x[r * n_dims + j] (internal
 * coordinates; r < n_obs, j < n_dims in dims order) with raw weights
 * w[0..n_obs), numeric bandwidths by rule. The caller frees it with
 * tpe_estimator_free. */
void tpe_estimator_init(tpe_estimator *e, const tpe_options *o,
                        tpe_bandwidth rule, const tpe_dim *const *dims,
                        size_t n_dims, const double *x, const double *w, size_t n_obs);
void tpe_estimator_free(tpe_estimator *e);
/* One draw: values (valid for each dim's parameter) into v[0..n_dims). */
void tpe_estimator_sample(const tpe_estimator *e, tt_rng *rng, double *v);
/* log density of the point with values v[0..n_dims) (as sampled). */
double tpe_estimator_logpdf(const tpe_estimator *e, const double *v);
/* The same for n points, v[i * n_dims + j], into out[0..n): the same
 * values, faster for a joint continuous estimator (which fills in its
 * deferred constants as points need them). */
void tpe_estimator_logpdf_many(const tpe_estimator *e, const double *v, size_t n,
                               double *out);

#endif
