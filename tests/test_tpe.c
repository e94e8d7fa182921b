/*
 * Tests of the TPE sampler (src/sampler/tpe.c, parzen.c, parzen_joint.c,
 * tpe_dim.c): the densities against values computed by hand (mpmath, 40
 * digits), the bandwidth, gamma and weight rules of docs/algorithms.md
 * §1.4.2–1.4.5 (for unsorted centres, which take a way without sorting,
 * against the same centres sorted, to the bit), mixtures against their
 * definition (joint continuous estimators, which skip the kernels far from
 * a point, against the full sum, to the bit), determinism, parallel
 * suggestions under the constant liar, every parameter kind and
 * conditional spaces, trial states, and a short optimisation that must
 * beat random search.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sampler/tpe_impl.h"
#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/stats.h"
#include "tunetop/util.h"

#include "sampler_fixtures.h"
#include "check_util.h"

/* ---- spaces and histories ---- */

static size_t add_num(tt_space *s, const char *name, tt_dist d, double min, double max,
                      double q, bool is_int)
{
    tt_param p = param_base(name, d);
    p.min = min;
    p.max = max;
    p.q = q;
    p.is_int = is_int;
    return tt_space_add(s, &p);
}

static size_t add_shaped(tt_space *s, const char *name, tt_dist d, double mu, double sigma,
                         double a, double b, double q, bool is_int)
{
    tt_param p = param_base(name, d);
    p.mu = mu;
    p.sigma = sigma;
    p.a = a;
    p.b = b;
    p.q = q;
    p.is_int = is_int;
    return tt_space_add(s, &p);
}

static size_t add_choices(tt_space *s, const char *name, size_t n, const char *const *v,
                          const double *prob)
{
    tt_param p = param_base(name, n == 1 && !prob ? TT_DIST_CONSTANT : TT_DIST_CATEGORICAL);
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++) {
        p.values[i].kind = TT_VALUE_STRING;
        p.values[i].s = tt_xstrdup(v[i]);
    }
    p.n_values = n;
    if (prob) {
        p.probabilities = tt_xcalloc(n, sizeof *p.probabilities);
        memcpy(p.probabilities, prob, n * sizeof *prob);
    }
    return tt_space_add(s, &p);
}

static tt_space *box(size_t d, double lo, double hi)
{
    tt_space *s = tt_space_new();
    for (size_t i = 0; i < d; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", i);
        add_num(s, name, TT_DIST_UNIFORM, lo, hi, 1.0, false);
    }
    finish(s);
    return s;
}

static int suggest_tpe(const tpe_options *o, const tt_space *s, const hist *h, uint64_t seed,
                       tt_assignment *out)
{
    tt_history v = hist_view(h);
    tt_error err = {0};
    int rc = o ? tpe_suggest_with(o, s, &v, seed, out, &err)
               : tt_sampler_suggest(TT_METHOD_TPE, s, &v, seed, out, &err);
    ck_assert_msg(rc == 0, "tpe: %s", err.msg);
    return rc;
}

static void assert_valid(const tt_space *s, const tt_assignment *a)
{
    tt_assignment check = tt_assignment_new(s->n);
    tt_assignment_copy(&check, a);
    tt_space_update_active(s, &check);
    for (size_t i = 0; i < s->n; i++) {
        ck_assert_msg(check.active[i] == a->active[i], "%s: active flag is stale",
                      s->params[i].name);
        if (a->active[i])
            ck_assert_msg(tt_param_contains(&s->params[i], a->x[i]), "%s = %.17g is invalid",
                          s->params[i].name, a->x[i]);
        else
            ck_assert_double_eq(a->x[i], 0.0);
    }
    tt_assignment_free(&check);
}

static double sphere_shifted(const double *x, size_t d)
{
    double f = 0.0;
    for (size_t i = 0; i < d; i++)
        f += (x[i] - 0.37 * (double)(i + 1)) * (x[i] - 0.37 * (double)(i + 1));
    return f;
}

#define TOL 1e-12

/* ---- kernels ---- */

START_TEST(test_tpe_truncnorm)
{
    /* mpmath: −z²/2 − log √(2π) − log σ − log(Φ(b) − Φ(a)). */
    ck_assert_double_eq_tol(tpe_truncnorm_logpdf(0.3, 0.5, 0.2, 0.0, 1.0),
                            0.20299647429333252281, TOL);
    ck_assert_double_eq_tol(tpe_truncnorm_logpdf(0.95, 0.1, 0.05, 0.0, 1.0),
                            -142.40019335032171826, 1e-10);
    /* log(Φ(b) − Φ(a)) in both tails, straddling 0, and very narrow. */
    ck_assert_double_eq_tol(tpe_log_ndtr_diff(-40, -39), -765.08315656437754441, 1e-9);
    ck_assert_double_eq_tol(tpe_log_ndtr_diff(39, 40), -765.08315656437754441, 1e-9);
    ck_assert_double_eq_tol(tpe_log_ndtr_diff(11.5, 12), -69.496406127905108877, 1e-10);
    ck_assert_double_eq_tol(tpe_log_ndtr_diff(-1, 2), -0.20016629432446257995, TOL);
    ck_assert_double_eq_tol(tpe_log_ndtr_diff(-3.0001, -3), -14.629428903097397147, 1e-9);
    ck_assert(tpe_log_ndtr_diff(1, 1) == -INFINITY);
    /* Inverse-CDF draws stay inside and follow the quantiles. */
    for (int i = 1; i < 100; i++) {
        double u = i / 100.0;
        double x = tpe_truncnorm_sample(0.9, 0.3, 0.0, 1.0, u);
        ck_assert(x >= 0.0 && x <= 1.0);
        double a = (0.0 - 0.9) / 0.3, b = (1.0 - 0.9) / 0.3;
        double cdf = (tt_stats_norm_cdf((x - 0.9) / 0.3) - tt_stats_norm_cdf(a)) /
                     (tt_stats_norm_cdf(b) - tt_stats_norm_cdf(a));
        ck_assert_double_eq_tol(cdf, u, 1e-12);
    }
    /* A domain 50 σ up the tail, where Φ underflows: the median of
     * z ∈ [50, 60] is 50 + log 2 / 50 to O(1/50²). */
    double x = tpe_truncnorm_sample(0.0, 0.01, 0.5, 0.6, 0.5);
    ck_assert_double_eq_tol(x, 0.5 + 0.01 * log(2.0) / 50.0, 0.01 * 0.0005);
    x = tpe_truncnorm_sample(0.0, 0.01, -0.6, -0.5, 0.5);
    ck_assert_double_eq_tol(x, -0.5 - 0.01 * log(2.0) / 50.0, 0.01 * 0.0005);
}
END_TEST

START_TEST(test_tpe_bin_mass)
{
    /* §1.4.4: int in [0, 10], μ = 3, σ = 2, P(4). */
    ck_assert_double_eq_tol(tpe_bin_logmass(3.5, 4.5, 3.0, 2.0, -0.5, 10.5),
                            -1.7039021275471639108, TOL);
    /* A bin 86 σ away stays finite and exact. */
    ck_assert_double_eq_tol(tpe_bin_logmass(9.5, 10.5, 0.0, 0.11, -0.5, 10.5),
                            -3734.7164795064760054, 1e-8);
    /* log-int (Optuna ≥ 4.7): bins log(x ± 1/2), q_log_uniform_values 1..100. */
    ck_assert_double_eq_tol(tpe_bin_logmass(log(9.5), log(10.5), log(20.0), 0.7, log(0.5),
                                            log(100.5)),
                            -3.3454562681287584593, TOL);
    /* The masses of all values sum to 1. */
    double total = 0.0;
    for (int k = 0; k <= 10; k++)
        total += exp(tpe_bin_logmass(k - 0.5, k + 0.5, 7.3, 1.3, -0.5, 10.5));
    ck_assert_double_eq_tol(total, 1.0, 1e-14);
}
END_TEST

START_TEST(test_tpe_categorical_kernel)
{
    tt_space *s = tt_space_new();
    static const char *const v[3] = {"a", "b", "c"};
    static const double prob[3] = {0.5, 0.3, 0.2};
    add_choices(s, "u", 3, v, NULL);
    add_choices(s, "w", 3, v, prob);
    finish(s);
    tpe_dim du = tpe_dim_of(&s->params[0]), dw = tpe_dim_of(&s->params[1]);
    ck_assert_int_eq(du.kind, TPE_CATEGORICAL);
    double row[3];
    /* §1.4.5: 1[c = obs] + pw / (n_obs + 1), normalised: n_obs 4, obs b. */
    tpe_categorical_row(&du, 4, 1.0, 1, row);
    ck_assert_double_eq_tol(row[0], 0.125, TOL);
    ck_assert_double_eq_tol(row[1], 0.75, TOL);
    ck_assert_double_eq_tol(row[2], 0.125, TOL);
    /* With probabilities: pw / (n + 1) · K · p(c) = (0.3, 0.18, 0.12). */
    tpe_categorical_row(&dw, 4, 1.0, 1, row);
    ck_assert_double_eq_tol(row[0], 0.3 / 1.6, TOL);
    ck_assert_double_eq_tol(row[1], 1.18 / 1.6, TOL);
    ck_assert_double_eq_tol(row[2], 0.12 / 1.6, TOL);
    /* The prior kernel is the prior. */
    tpe_categorical_row(&dw, 4, 1.0, 3, row);
    ck_assert_double_eq_tol(row[0], 0.5, TOL);
    ck_assert_double_eq_tol(row[2], 0.2, TOL);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_bandwidth)
{
    tpe_options o;
    tpe_optuna_options(&o);
    const double mu[3] = {0.6, 0.2, 0.5};
    double sg[3];
    /* Padded [0, .2, .5, .6, 1]; without endpoints the extremes use their
     * inner gap: (.1, .3, .3) → magic clip at 1 / min(100, 3 + 2) = .2. */
    tpe_bandwidths(&o, TPE_BW_OPTUNA, mu, 3, 1, 0.0, 1.0, sg);
    ck_assert_double_eq_tol(sg[0], 0.2, TOL);
    ck_assert_double_eq_tol(sg[1], 0.3, TOL);
    ck_assert_double_eq_tol(sg[2], 0.3, TOL);
    o.endpoints = true; /* .6 sees the bound 1: max(.1, .4) */
    tpe_bandwidths(&o, TPE_BW_OPTUNA, mu, 3, 1, 0.0, 1.0, sg);
    ck_assert_double_eq_tol(sg[0], 0.4, TOL);
    ck_assert_double_eq_tol(sg[1], 0.3, TOL);
    o.endpoints = false;
    /* hyperopt: the prior (.5) sits among the centres: .5 gets max(.3, 0). */
    const double mu2[3] = {0.2, 0.45, 0.9};
    tpe_bandwidths(&o, TPE_BW_HYPEROPT, mu2, 3, 1, 0.0, 1.0, sg);
    ck_assert_double_eq_tol(sg[0], 0.25, TOL);      /* inner gap */
    ck_assert_double_eq_tol(sg[1], 0.25, TOL);      /* max(.25, .05) */
    ck_assert_double_eq_tol(sg[2], 0.4, TOL);       /* inner gap to the prior */
    tpe_bandwidths(&o, TPE_BW_OPTUNA_PRIOR, mu2, 3, 1, 0.0, 1.0, sg);
    ck_assert_double_eq_tol(sg[2], 0.4, TOL);
    /* Many close centres: the clip floor R / 100. */
    double many[200], sm[200];
    for (int i = 0; i < 200; i++)
        many[i] = 0.5 + 1e-4 * i;
    /* Scott: 0.2 · n^(−1/(D+4)) · R, n = 200, D = 2, R = 2 (above the clip). */
    tpe_bandwidths(&o, TPE_BW_SCOTT, many, 200, 2, -1.0, 1.0, sm);
    ck_assert_double_eq_tol(sm[7], 0.4 * pow(200.0, -1.0 / 6.0), TOL);
    tpe_bandwidths(&o, TPE_BW_OPTUNA, many, 200, 1, -1.0, 1.0, sm);
    ck_assert_double_eq_tol(sm[100], 0.02, TOL);
    o.magic_clip = false;
    tpe_bandwidths(&o, TPE_BW_OPTUNA, many, 200, 1, -1.0, 1.0, sm);
    ck_assert_double_eq_tol(sm[100], 1e-4, 1e-15);
}
END_TEST

START_TEST(test_tpe_gamma_weights)
{
    tpe_options o;
    tpe_optuna_options(&o);
    ck_assert_uint_eq(tpe_gamma(&o, 10), 1);
    ck_assert_uint_eq(tpe_gamma(&o, 11), 2);
    ck_assert_uint_eq(tpe_gamma(&o, 30), 3);
    ck_assert_uint_eq(tpe_gamma(&o, 31), 4);
    ck_assert_uint_eq(tpe_gamma(&o, 100), 10);
    ck_assert_uint_eq(tpe_gamma(&o, 1000), 25);
    o.gamma_sqrt = true;
    o.gamma_beta = 0.25;
    ck_assert_uint_eq(tpe_gamma(&o, 100), 3);
    tpe_default_options(&o);
    ck_assert_uint_eq(tpe_gamma(&o, 10), 2);
    ck_assert_uint_eq(tpe_gamma(&o, 100), 20);
    ck_assert_uint_eq(tpe_gamma(&o, 500), 25);
    double w[40];
    tpe_weights(&o, 24, w);
    for (int i = 0; i < 24; i++)
        ck_assert_double_eq(w[i], 1.0);
    /* m = 30: linspace(1/30, 1, 5) then 25 ones. */
    tpe_weights(&o, 30, w);
    ck_assert_double_eq_tol(w[0], 1.0 / 30.0, TOL);
    ck_assert_double_eq_tol(w[2], 0.5 * (1.0 / 30.0 + 1.0), TOL);
    ck_assert_double_eq(w[4], 1.0);
    ck_assert_double_eq(w[29], 1.0);
    tpe_weights(&o, 26, w);
    ck_assert_double_eq_tol(w[0], 1.0 / 26.0, TOL);
    ck_assert_double_eq(w[1], 1.0);
}
END_TEST

/* A mixture evaluated from its definition, kernel by kernel. */
static double mixture_by_hand(const tpe_estimator *e, const double *v)
{
    size_t m = e->n_kernels;
    double total = 0.0;
    for (size_t k = 0; k < m; k++) {
        double lp = e->log_weight[k];
        for (size_t j = 0; j < e->n_dims; j++) {
            const tpe_dim *d = e->dims[j];
            double mu = e->mu[j * m + k], sg = e->sigma[j * m + k];
            if (d->kind == TPE_CONTINUOUS) {
                lp += tpe_truncnorm_logpdf(tpe_dim_to_internal(d, v[j]), mu, sg, d->low,
                                           d->high);
            } else if (d->kind == TPE_DISCRETE) {
                double a = v[j] - 0.5 * d->step, b = v[j] + 0.5 * d->step;
                if (d->scale == TPE_LOG) {
                    a = log(a);
                    b = log(b);
                }
                lp += tpe_bin_logmass(a, b, mu, sg, d->low, d->high);
            } else {
                double row[8];
                size_t obs = k + 1 < m ? (size_t)mu : d->n_choices;
                tpe_categorical_row(d, m - 1, 1.0, obs, row);
                lp += log(row[(size_t)v[j]]);
            }
        }
        total += exp(lp);
    }
    return log(total);
}

START_TEST(test_tpe_mixture)
{
    tt_space *s = tt_space_new();
    static const char *const v[3] = {"a", "b", "c"};
    add_num(s, "x", TT_DIST_UNIFORM, -2.0, 3.0, 1.0, false);
    add_num(s, "n", TT_DIST_INT_UNIFORM, 0.0, 20.0, 1.0, true);
    add_choices(s, "c", 3, v, NULL);
    add_num(s, "lr", TT_DIST_Q_LOG_UNIFORM_VALUES, 1.0, 100.0, 1.0, true);
    finish(s);
    tpe_dim dims[4];
    const tpe_dim *dp[4];
    for (int j = 0; j < 4; j++) {
        dims[j] = tpe_dim_of(&s->params[j]);
        dp[j] = &dims[j];
    }
    ck_assert_int_eq(dims[1].kind, TPE_DISCRETE);
    ck_assert_int_eq(dims[3].scale, TPE_LOG);
    enum { N = 60 };
    double x[N * 4], w[N];
    tt_rng rng;
    tt_rng_seed(&rng, 5);
    for (int r = 0; r < N; r++) {
        x[r * 4 + 0] = -2.0 + 5.0 * tt_rng_uniform(&rng);
        x[r * 4 + 1] = (double)tt_rng_below(&rng, 21);
        x[r * 4 + 2] = (double)tt_rng_below(&rng, 3);
        x[r * 4 + 3] = log(1.0 + (double)tt_rng_below(&rng, 100));
        w[r] = 0.2 + tt_rng_uniform(&rng);
    }
    tpe_options o;
    tpe_default_options(&o);
    /* Joint (4-D) and 1-D estimators (the sorted, windowed path), each
     * against its definition, at points drawn from it and far away. */
    for (int joint = 0; joint < 2; joint++) {
        tpe_estimator e;
        double xs[N];
        for (int r = 0; r < N; r++)
            xs[r] = x[r * 4];
        if (joint)
            tpe_estimator_init(&e, &o, TPE_BW_HYPEROPT, dp, 4, x, w, N);
        else
            tpe_estimator_init(&e, &o, TPE_BW_OPTUNA, dp, 1, xs, w, N);
        for (int t = 0; t < 50; t++) {
            double pt[4];
            tpe_estimator_sample(&e, &rng, pt);
            for (size_t j = 0; j < e.n_dims; j++)
                ck_assert(tt_param_contains(&s->params[j], pt[j]));
            if (t % 10 == 0)
                pt[0] = t % 20 ? -2.0 : 3.0;
            ck_assert_double_eq_tol(tpe_estimator_logpdf(&e, pt), mixture_by_hand(&e, pt),
                                    1e-9);
        }
        tpe_estimator_free(&e);
    }
    tt_space_free(s);
}
END_TEST

/* The log density of a joint continuous estimator the way parzen.c sums
 * every other one: every kernel's constants exact, each term built dim by
 * dim, the largest, then the sum in kernel order. The joint path
 * (parzen_joint.c) computes most constants and terms only where they can
 * matter, and must give the same double. */
static double full_sum(const tpe_estimator *e, const double *v)
{
    size_t m = e->n_kernels;
    double *acc = tt_xmalloc(m * sizeof *acc), top = -INFINITY, sum = 0.0;
    for (size_t k = 0; k < m; k++) {
        acc[k] = e->log_weight[k];
        for (size_t j = 0; j < e->n_dims; j++) {
            const tpe_dim *d = e->dims[j];
            double mu = e->mu[j * m + k], sg = e->sigma[j * m + k];
            double z = (tpe_dim_to_internal(d, v[j]) - mu) * (1.0 / sg);
            acc[k] += tpe_numeric_log_const(d, mu, sg, log(sg)) - 0.5 * z * z;
        }
        if (acc[k] > top)
            top = acc[k];
    }
    for (size_t k = 0; k < m; k++) {
        double d = acc[k] - top;
        sum += d > -TPE_NEGLIGIBLE ? tpe_exp_small(d) : 0.0;
    }
    free(acc);
    return top + log(sum);
}

START_TEST(test_tpe_joint)
{
    /* Six continuous dims (one on a log scale); observations spread over
     * the box (most kernels far from a point: the screened path) or in a
     * small cluster (most kernels near: the dense path); 25 or 1000 of
     * them; points drawn from the estimator, uniform, and on the bounds. */
    enum { D = 6, NPT = 45 };
    tt_space *s = tt_space_new();
    for (int j = 0; j < D; j++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", j);
        if (j == D - 1)
            add_num(s, name, TT_DIST_LOG_UNIFORM_VALUES, 1e-4, 1.0, 1.0, false);
        else
            add_num(s, name, TT_DIST_UNIFORM, -5.0, 10.0, 1.0, false);
    }
    finish(s);
    tpe_dim dims[D];
    const tpe_dim *dp[D];
    for (int j = 0; j < D; j++) {
        dims[j] = tpe_dim_of(&s->params[j]);
        dp[j] = &dims[j];
        ck_assert_int_eq(dims[j].kind, TPE_CONTINUOUS);
    }
    ck_assert(tpe_joint_applies(dp, D));
    tpe_options o;
    tpe_default_options(&o);
    tt_rng rng;
    tt_rng_seed(&rng, 11);
    static const size_t sizes[2] = {25, 1000};
    double *x = tt_xmalloc(1000 * D * sizeof *x), *w = tt_xmalloc(1000 * sizeof *w);
    double pts[NPT * D], out[NPT];
    for (int clustered = 0; clustered < 2; clustered++)
        for (int si = 0; si < 2; si++) {
            size_t n = sizes[si];
            for (size_t r = 0; r < n; r++)
                for (int j = 0; j < D; j++) {
                    double u = tt_rng_uniform(&rng);
                    if (clustered)
                        u = 0.7 + 0.03 * (u - 0.5);
                    x[r * D + j] = dims[j].low + (dims[j].high - dims[j].low) * u;
                }
            tpe_weights(&o, n, w);
            tpe_estimator e;
            tpe_estimator_init(&e, &o, TPE_BW_HYPEROPT, dp, D, x, w, n);
            for (int i = 0; i < NPT; i++) {
                double *pt = pts + i * D;
                if (i % 3 == 0)
                    tpe_estimator_sample(&e, &rng, pt);
                for (int j = 0; j < D; j++) {
                    double u = tt_rng_uniform(&rng);
                    if (i % 3 == 1)
                        pt[j] = tpe_dim_from_internal(&dims[j], dims[j].low +
                                                                    (dims[j].high - dims[j].low) * u);
                    else if (i % 3 == 2)
                        pt[j] = u < 0.5 ? dims[j].vlow : dims[j].vhigh;
                }
            }
            tpe_estimator_logpdf_many(&e, pts, NPT, out);
            for (int i = 0; i < NPT; i++) {
                double want = full_sum(&e, pts + i * D);
                ck_assert_msg(out[i] == want, "n %zu, clustered %d, point %d: %a, not %a", n,
                              clustered, i, out[i], want);
            }
            ck_assert(tpe_estimator_logpdf(&e, pts) == out[0]);
            tpe_estimator_free(&e);
        }
    free(x);
    free(w);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_bandwidth_unsorted)
{
    /* Many centres given unsorted (a joint estimator's dims) take a way
     * without sorting (cells of the clip width); every centre must get the
     * σ it gets when the same centres come sorted (the walk over sorted
     * gaps): clustered centres, ties, centres on the bounds, wide gaps,
     * each gap rule, with and without endpoints and the Scott floor. */
    static const tpe_bandwidth rules[3] = {TPE_BW_OPTUNA, TPE_BW_OPTUNA_PRIOR,
                                           TPE_BW_HYPEROPT};
    static const size_t sizes[3] = {64, 300, 1000};
    double *mu = tt_xmalloc(1000 * sizeof *mu), *sorted = tt_xmalloc(1000 * sizeof *sorted);
    double *sg = tt_xmalloc(1000 * sizeof *sg), *sg_sorted = tt_xmalloc(1000 * sizeof *sg);
    tpe_centre *c = tt_xmalloc(1000 * sizeof *c);
    tt_rng rng;
    tt_rng_seed(&rng, 3);
    tpe_options o;
    tpe_default_options(&o);
    for (int ri = 0; ri < 3; ri++)
        for (int v = 0; v < 4; v++)
            for (int si = 0; si < 3; si++) {
                size_t n = sizes[si], D = v & 1 ? 4 : 1;
                o.endpoints = v & 2;
                for (size_t i = 0; i < n; i++) {
                    double u = tt_rng_uniform(&rng);
                    if (u < 0.6)
                        mu[i] = 0.3 + 0.02 * tt_rng_uniform(&rng);
                    else if (u < 0.85)
                        mu[i] = -1.0 + 3.0 * tt_rng_uniform(&rng);
                    else if (u < 0.9)
                        mu[i] = u < 0.875 ? -1.0 : 2.0;
                    else
                        mu[i] = i > 0 ? mu[tt_rng_below(&rng, i)] : 0.5;
                    c[i] = (tpe_centre){mu[i], i};
                }
                tpe_sort_centres(c, n);
                for (size_t i = 0; i < n; i++)
                    sorted[i] = c[i].mu;
                tpe_bandwidths(&o, rules[ri], mu, n, D, -1.0, 2.0, sg);
                tpe_bandwidths(&o, rules[ri], sorted, n, D, -1.0, 2.0, sg_sorted);
                for (size_t i = 0; i < n; i++)
                    ck_assert_msg(sg[c[i].index] == sg_sorted[i],
                                  "rule %d, variant %d, n %zu, centre %zu: %a, not %a", ri, v,
                                  n, c[i].index, sg[c[i].index], sg_sorted[i]);
            }
    free(mu);
    free(sorted);
    free(sg);
    free(sg_sorted);
    free(c);
}
END_TEST

/* ---- the sampler ---- */

/* n completed trials of a d-D sphere, drawn by random search. */
static void fill_random(const tt_space *s, hist *h, size_t n, uint64_t seed)
{
    tt_assignment a = tt_assignment_new(s->n);
    for (size_t t = 0; t < n; t++) {
        tt_history v = hist_view(h);
        tt_random_suggest(s, &v, seed, &a, NULL);
        hist_push(h, &a, TT_TRIAL_COMPLETED, sphere_shifted(a.x, s->n));
    }
    tt_assignment_free(&a);
}

START_TEST(test_tpe_startup_and_determinism)
{
    tt_space *s = box(3, -1.0, 2.0);
    hist h = {0};
    fill_random(s, &h, 9, 4);
    tt_assignment a = tt_assignment_new(3), b = tt_assignment_new(3);
    /* Nine finished trials: still random search, draw for draw. */
    suggest_tpe(NULL, s, &h, 4, &a);
    tt_history v = hist_view(&h);
    tt_random_suggest(s, &v, 4, &b, NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(a.x[i], b.x[i]);
    /* From ten on, the model; same inputs → the same bits. */
    fill_random(s, &h, 21, 4);
    suggest_tpe(NULL, s, &h, 4, &a);
    suggest_tpe(NULL, s, &h, 4, &b);
    for (int i = 0; i < 3; i++)
        ck_assert(memcmp(&a.x[i], &b.x[i], sizeof(double)) == 0);
    /* A history rebuilt from scratch (a resumed study) → the same point. */
    hist r = {0};
    for (size_t t = 0; t < h.n; t++)
        hist_push(&r, &h.obs[t].params, h.obs[t].state, h.obs[t].value);
    suggest_tpe(NULL, s, &r, 4, &b);
    for (int i = 0; i < 3; i++)
        ck_assert(memcmp(&a.x[i], &b.x[i], sizeof(double)) == 0);
    /* Another seed, another point. */
    suggest_tpe(NULL, s, &h, 5, &b);
    ck_assert(a.x[0] != b.x[0]);
    /* Both modes, maximisation too. */
    tpe_options o;
    tpe_optuna_options(&o);
    h.goal = TT_GOAL_MAXIMIZE;
    suggest_tpe(&o, s, &h, 4, &a);
    suggest_tpe(&o, s, &h, 4, &b);
    ck_assert(memcmp(a.x, b.x, 3 * sizeof(double)) == 0);
    assert_valid(s, &a);
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&h);
    hist_free(&r);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_states)
{
    tt_space *s = box(2, 0.0, 1.0);
    hist h = {0};
    fill_random(s, &h, 9, 8);
    tt_assignment a = tt_assignment_new(2), b = tt_assignment_new(2);
    /* A pruned trial counts towards the ten startup trials. */
    tt_assignment p = tt_assignment_new(2);
    p.x[0] = 0.5;
    p.x[1] = 0.5;
    hist_push(&h, &p, TT_TRIAL_PRUNED, 0.3);
    suggest_tpe(NULL, s, &h, 8, &a);
    tt_history v = hist_view(&h);
    tt_random_suggest(s, &v, 8, &b, NULL);
    ck_assert(a.x[0] != b.x[0] || a.x[1] != b.x[1]);
    /* Failed, killed, timed-out and interrupted trials are ignored: their
     * values do not matter, and each can stand for another (same n). */
    fill_random(s, &h, 10, 8);
    hist_push(&h, &p, TT_TRIAL_FAILED, -1e9);
    suggest_tpe(NULL, s, &h, 8, &a);
    static const tt_trial_state ignored[] = {TT_TRIAL_KILLED, TT_TRIAL_TIMEOUT,
                                             TT_TRIAL_INTERRUPTED, TT_TRIAL_FAILED};
    for (size_t k = 0; k < 4; k++) {
        h.obs[h.n - 1].state = ignored[k];
        h.obs[h.n - 1].value = k == 3 ? 1e9 : NAN;
        suggest_tpe(NULL, s, &h, 8, &b);
        ck_assert(memcmp(a.x, b.x, 2 * sizeof(double)) == 0);
    }
    /* A running trial is not ignored (constant liar): one right where the
     * suggestion would go sends it elsewhere... */
    h.obs[h.n - 1].state = TT_TRIAL_RUNNING;
    memcpy(h.obs[h.n - 1].params.x, a.x, 2 * sizeof(double));
    suggest_tpe(NULL, s, &h, 8, &b);
    ck_assert(memcmp(a.x, b.x, 2 * sizeof(double)) != 0);
    /* ...unless the liar is off, as in Optuna's defaults. */
    tpe_options o;
    tpe_optuna_options(&o);
    suggest_tpe(&o, s, &h, 8, &a);
    h.obs[h.n - 1].state = TT_TRIAL_FAILED;
    suggest_tpe(&o, s, &h, 8, &b);
    ck_assert(memcmp(a.x, b.x, 2 * sizeof(double)) == 0);
    /* Pruned trials rank after completed ones, deeper steps first: a
     * pruned trial with a wonderful value and the deepest step still only
     * fills the below group after every completed trial. */
    h.obs[h.n - 1].state = TT_TRIAL_PRUNED;
    h.obs[h.n - 1].value = -1e9;
    h.obs[h.n - 1].last_step = 7;
    suggest_tpe(&o, s, &h, 8, &a);
    assert_valid(s, &a);
    tt_assignment_free(&p);
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_parallel)
{
    /* Eight workers ask in turn; each sees the others as RUNNING. */
    tt_space *s = box(4, 0.0, 2.0);
    hist h = {0};
    fill_random(s, &h, 20, 11);
    tt_assignment a = tt_assignment_new(4);
    size_t first = h.n;
    for (int k = 0; k < 8; k++) {
        suggest_tpe(NULL, s, &h, 11, &a);
        assert_valid(s, &a);
        hist_push(&h, &a, TT_TRIAL_RUNNING, NAN);
    }
    double closest = INFINITY;
    for (size_t i = first; i < h.n; i++)
        for (size_t j = first; j < i; j++) {
            double d2 = 0.0;
            for (int k = 0; k < 4; k++) {
                double d = h.obs[i].params.x[k] - h.obs[j].params.x[k];
                d2 += d * d;
            }
            if (sqrt(d2) < closest)
                closest = sqrt(d2);
        }
    /* Distinct and spread: no two within 2.5% of the range. */
    ck_assert_msg(closest > 0.05, "two parallel suggestions %g apart", closest);
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

/* Every W&B kind, a categorical with probabilities, a constant, and a
 * conditional parameter. */
static tt_space *every_kind(void)
{
    tt_space *s = tt_space_new();
    static const char *const opt[3] = {"sgd", "adam", "rms"};
    static const double prob[3] = {0.2, 0.8, 0.0};
    static const char *const one[1] = {"fixed"};
    add_choices(s, "opt", 3, opt, prob);
    add_choices(s, "const", 1, one, NULL);
    size_t mom = add_num(s, "momentum", TT_DIST_UNIFORM, 0.0, 0.99, 1.0, false);
    add_condition(s, mom, "opt", "sgd");
    add_num(s, "layers", TT_DIST_INT_UNIFORM, 1.0, 8.0, 1.0, true);
    add_num(s, "u", TT_DIST_UNIFORM, -1.0, 3.0, 1.0, false);
    add_num(s, "qu", TT_DIST_Q_UNIFORM, 0.3, 10.0, 0.5, false);
    add_num(s, "lu", TT_DIST_LOG_UNIFORM, -9.0, 0.0, 1.0, false);
    add_num(s, "luv", TT_DIST_LOG_UNIFORM_VALUES, 1e-5, 1e-1, 1.0, false);
    add_num(s, "qlu", TT_DIST_Q_LOG_UNIFORM, 0.0, 5.0, 2.0, true);
    add_num(s, "qluv", TT_DIST_Q_LOG_UNIFORM_VALUES, 1.0, 1000.0, 1.0, true);
    add_num(s, "ilu", TT_DIST_INV_LOG_UNIFORM, 0.0, 3.0, 1.0, false);
    add_num(s, "iluv", TT_DIST_INV_LOG_UNIFORM_VALUES, 0.01, 1.0, 1.0, false);
    add_shaped(s, "n", TT_DIST_NORMAL, 1.0, 2.0, 1, 1, 1.0, false);
    add_shaped(s, "qn", TT_DIST_Q_NORMAL, 0.0, 3.0, 1, 1, 0.5, false);
    add_shaped(s, "ln", TT_DIST_LOG_NORMAL, 0.0, 1.0, 1, 1, 1.0, false);
    add_shaped(s, "qln", TT_DIST_Q_LOG_NORMAL, 1.0, 0.5, 1, 1, 1.0, true);
    add_shaped(s, "b", TT_DIST_BETA, 0, 1, 2.0, 5.0, 1.0, false);
    add_shaped(s, "qb", TT_DIST_Q_BETA, 0, 1, 2.0, 2.0, 0.1, false);
    add_num(s, "one", TT_DIST_UNIFORM, 2.0, 2.0, 1.0, false);
    finish(s);
    return s;
}

START_TEST(test_tpe_every_kind)
{
    tt_space *s = every_kind();
    tpe_options modes[2];
    tpe_default_options(&modes[0]);
    tpe_optuna_options(&modes[1]);
    for (int m = 0; m < 2; m++) {
        hist h = {0};
        tt_assignment a = tt_assignment_new(s->n);
        for (int t = 0; t < 60; t++) {
            suggest_tpe(&modes[m], s, &h, 21, &a);
            assert_valid(s, &a);
            ck_assert_double_eq(a.x[0] == 2.0 ? 1 : 0, 0); /* probability 0 */
            /* Every fifth trial is still running when the next is asked. */
            bool running = t % 5 == 4;
            hist_push(&h, &a, running ? TT_TRIAL_RUNNING : TT_TRIAL_COMPLETED,
                      running ? NAN : unit_objective(s, &a));
        }
        tt_assignment_free(&a);
        hist_free(&h);
    }
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_conditional)
{
    /* Two branches with their own parameters; the "adam" branch can reach
     * 0, "sgd" no lower than 1. Group decomposition gives {opt}, {lr_sgd},
     * {beta}; each branch's estimator sees only its trials. */
    tt_space *s = tt_space_new();
    static const char *const opt[2] = {"sgd", "adam"};
    add_choices(s, "opt", 2, opt, NULL);
    size_t lr = add_num(s, "lr_sgd", TT_DIST_LOG_UNIFORM_VALUES, 1e-4, 1.0, 1.0, false);
    size_t beta = add_num(s, "beta", TT_DIST_UNIFORM, 0.0, 1.0, 1.0, false);
    add_condition(s, lr, "opt", "sgd");
    add_condition(s, beta, "opt", "adam");
    finish(s);
    hist h = {0};
    tt_assignment a = tt_assignment_new(3);
    int adam_late = 0;
    for (int t = 0; t < 50; t++) {
        suggest_tpe(NULL, s, &h, 3, &a);
        assert_valid(s, &a);
        ck_assert(a.active[1] != a.active[2]);
        double f = a.x[0] == 0.0 ? 1.0 + fabs(log10(a.x[1]) + 2.0)
                                 : 10.0 * (a.x[2] - 0.7) * (a.x[2] - 0.7);
        if (t >= 30)
            adam_late += a.x[0] == 1.0;
        hist_push(&h, &a, TT_TRIAL_COMPLETED, f);
    }
    ck_assert_int_ge(adam_late, 14);
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_beats_random)
{
    /* Shifted sphere in 4-D, 60 trials, 10 seeds: median regrets. */
    enum { SEEDS = 10, TRIALS = 60, D = 4 };
    tt_space *s = box(D, -2.0, 3.0);
    double best[2][SEEDS];
    for (int method = 0; method < 2; method++)
        for (int seed = 0; seed < SEEDS; seed++) {
            hist h = {0};
            tt_assignment a = tt_assignment_new(D);
            double b = INFINITY;
            for (int t = 0; t < TRIALS; t++) {
                tt_history v = hist_view(&h);
                tt_error err = {0};
                int rc = tt_sampler_suggest(method ? TT_METHOD_TPE : TT_METHOD_RANDOM, s, &v,
                                            (uint64_t)seed, &a, &err);
                ck_assert_int_eq(rc, 0);
                double f = sphere_shifted(a.x, D);
                b = f < b ? f : b;
                hist_push(&h, &a, TT_TRIAL_COMPLETED, f);
            }
            best[method][seed] = b;
            tt_assignment_free(&a);
            hist_free(&h);
        }
    qsort(best[0], SEEDS, sizeof(double), cmp_double);
    qsort(best[1], SEEDS, sizeof(double), cmp_double);
    double random_median = 0.5 * (best[0][4] + best[0][5]);
    double tpe_median = 0.5 * (best[1][4] + best[1][5]);
    ck_assert_msg(tpe_median < 0.5 * random_median, "tpe %g, random %g", tpe_median,
                  random_median);
    tt_space_free(s);
}
END_TEST

START_TEST(test_tpe_dispatch)
{
    tt_space *s = box(1, 0.0, 1.0);
    ck_assert(tt_method_available(TT_METHOD_TPE));
    hist h = {0};
    fill_random(s, &h, 12, 2);
    tt_history v = hist_view(&h);
    tt_assignment a = tt_assignment_new(1), b = tt_assignment_new(1), bad = tt_assignment_new(2);
    tt_error err = {0};
    ck_assert_int_eq(tt_sampler_suggest(TT_METHOD_TPE, s, &v, 2, &a, &err), 0);
    ck_assert_int_eq(tt_tpe_suggest(s, &v, 2, &b, &err), 0);
    ck_assert_double_eq(a.x[0], b.x[0]);
    ck_assert_int_eq(tt_tpe_suggest(s, &v, 2, &bad, &err), -TT_ERR_INVALID);
    ck_assert_int_eq(tt_tpe_suggest(s, NULL, 2, &a, &err), 0);
    assert_valid(s, &a);
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    tt_assignment_free(&bad);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

Suite *suite_tpe(void)
{
    return tt_suite_of("tpe", "tpe", 30,
                       TT_TESTS(test_tpe_truncnorm, test_tpe_bin_mass, test_tpe_categorical_kernel,
                                test_tpe_bandwidth, test_tpe_bandwidth_unsorted,
                                test_tpe_gamma_weights, test_tpe_mixture, test_tpe_joint,
                                test_tpe_startup_and_determinism, test_tpe_states,
                                test_tpe_parallel, test_tpe_every_kind, test_tpe_conditional,
                                test_tpe_beats_random, test_tpe_dispatch));
}
