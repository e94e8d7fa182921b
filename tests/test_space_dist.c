/*
 * Statistical tests for space: every W&B distribution is sampled 20000 times
 * with a fixed seed and compared with its closed form (range, integrality,
 * the exact q grid, mean and variance within 5 standard errors,
 * Kolmogorov–Smirnov for continuous kinds, chi-square for discrete ones).
 * The structural tests (round trips, grids, conditions, formatting) are in
 * test_space.c.
 *
 * Reference CDFs here are written from the textbook formulas with libm's
 * erfc and log, independently of stats.c and encode.c.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/space.h"

#include "sampler_fixtures.h"
#include "check_util.h"

#define N_DRAWS 20000
/* sqrt(n) * D of the KS statistic exceeds 1.95 with probability 0.001. */
#define KS_CRITICAL 1.95

/* A finished one-parameter space. */
static tt_space *single(tt_param p)
{
    tt_space *s = tt_space_new();
    tt_space_add(s, &p);
    tt_error err = {0};
    int rc = tt_space_finish(s, &err);
    ck_assert_msg(rc == 0, "finish failed: %s", err.msg);
    return s;
}

/* N_DRAWS draws of parameter 0 (caller frees). */
static double *draw(const tt_space *s, uint64_t seed)
{
    tt_rng rng;
    tt_rng_seed(&rng, seed);
    tt_assignment a = tt_assignment_new(s->n);
    double *x = tt_xmalloc(N_DRAWS * sizeof *x);
    for (size_t i = 0; i < N_DRAWS; i++) {
        tt_space_sample(s, &rng, &a);
        ck_assert(a.active[0]);
        x[i] = a.x[0];
        ck_assert_msg(tt_param_contains(&s->params[0], x[i]), "%s drew %.17g, not contained",
                      s->params[0].name, x[i]);
    }
    tt_assignment_free(&a);
    return x;
}

/* Sample mean within 5 standard errors of mean (sd is the true std). */
static void check_mean(const double *x, double mean, double sd)
{
    double sum = 0.0;
    for (size_t i = 0; i < N_DRAWS; i++)
        sum += x[i];
    double m = sum / N_DRAWS;
    ck_assert_msg(fabs(m - mean) <= 5.0 * sd / sqrt(N_DRAWS), "mean %.6g, expected %.6g", m,
                  mean);
}

/* Sample variance within 5 standard errors; mu4 is the 4th central moment. */
static void check_variance(const double *x, double var, double mu4)
{
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < N_DRAWS; i++)
        sum += x[i];
    double m = sum / N_DRAWS;
    for (size_t i = 0; i < N_DRAWS; i++)
        sq += (x[i] - m) * (x[i] - m);
    double v = sq / (N_DRAWS - 1);
    double se = sqrt((mu4 - var * var) / N_DRAWS);
    ck_assert_msg(fabs(v - var) <= 5.0 * se, "variance %.6g, expected %.6g", v, var);
}

/* Kolmogorov–Smirnov against cdf (x is sorted in place). */
static void check_ks(double *x, double (*cdf)(double))
{
    qsort(x, N_DRAWS, sizeof *x, cmp_double);
    double d = 0.0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        double f = cdf(x[i]);
        d = fmax(d, fmax(f - (double)i / N_DRAWS, (double)(i + 1) / N_DRAWS - f));
    }
    ck_assert_msg(sqrt(N_DRAWS) * d < KS_CRITICAL, "KS statistic sqrt(n)*D = %.3f",
                  sqrt(N_DRAWS) * d);
}

/* Every draw must be exactly one of values[]; the counts must pass a
 * chi-square test at p = 1e-4 (cells with expected count < 5 are pooled). */
static void check_discrete(const double *x, const double *values, const double *probs, size_t m)
{
    size_t *count = tt_xcalloc(m, sizeof *count);
    for (size_t i = 0; i < N_DRAWS; i++) {
        size_t k = 0;
        while (k < m && values[k] != x[i])
            k++;
        ck_assert_msg(k < m, "unexpected value %.17g", x[i]);
        count[k]++;
    }
    double chi2 = 0.0, pooled_obs = 0.0, pooled_exp = 0.0, total_p = 0.0;
    int cells = 0;
    for (size_t k = 0; k < m; k++) {
        double e = probs[k] * N_DRAWS;
        total_p += probs[k];
        if (probs[k] == 0.0) {
            ck_assert_msg(count[k] == 0, "value %.17g has probability 0 but was drawn", values[k]);
            continue;
        }
        if (e < 5.0) {
            pooled_obs += count[k];
            pooled_exp += e;
            continue;
        }
        chi2 += (count[k] - e) * (count[k] - e) / e;
        cells++;
    }
    if (pooled_exp > 0.0) {
        chi2 += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / fmax(pooled_exp, 1.0);
        cells++;
    }
    ck_assert_msg(fabs(total_p - 1.0) < 1e-6, "test pmf sums to %.9g", total_p);
    /* Wilson–Hilferty quantile of chi-square(df) at z = 3.719 (p = 1e-4). */
    double df = cells > 1 ? cells - 1 : 1;
    double h = 2.0 / (9.0 * df);
    double crit = df * pow(1.0 - h + 3.719 * sqrt(h), 3);
    ck_assert_msg(chi2 < crit, "chi-square %.2f over %d cells exceeds %.2f", chi2, cells, crit);
    free(count);
}

static double phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* ---- continuous distributions ------------------------------------------ */

static double cdf_uniform(double x) { return (x + 2.0) / 5.0; }
static double cdf_log_uniform(double x) { return (log(x) + 3.0) / 4.0; }
static double cdf_log_values(double x) { return log(x / 1e-4) / log(1e3); }
static double cdf_inv_log(double x) { return (log(x) + 3.0) / 2.0; }
static double cdf_inv_log_values(double x) { return log(x / 0.01) / log(1e3); }
static double cdf_normal(double x) { return phi((x - 3.0) / 2.0); }
static double cdf_log_normal(double x) { return phi((log(x) - 0.5) / 0.75); }
static double cdf_beta23(double x) { return x * x * (6.0 - 8.0 * x + 3.0 * x * x); }
static double cdf_arcsine(double x) { return 2.0 / M_PI * asin(sqrt(x)); }

START_TEST(test_uniform)
{
    tt_space *s = single(param_range("u", TT_DIST_UNIFORM, -2, 3));
    double *x = draw(s, 1);
    check_mean(x, 0.5, 5.0 / sqrt(12.0));
    check_variance(x, 25.0 / 12.0, pow(5.0, 4) / 80.0);
    check_ks(x, cdf_uniform);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_log_uniform)
{
    /* min/max are exponents: values in [e^-3, e^1]. */
    tt_space *s = single(param_range("lu", TT_DIST_LOG_UNIFORM, -3, 1));
    double *x = draw(s, 2);
    double lo = exp(-3.0), hi = exp(1.0), mean = (hi - lo) / 4.0;
    double var = (hi * hi - lo * lo) / 8.0 - mean * mean;
    check_mean(x, mean, sqrt(var));
    check_ks(x, cdf_log_uniform);
    ck_assert(x[0] >= lo && x[N_DRAWS - 1] <= hi);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_log_uniform_values)
{
    tt_space *s = single(param_range("lv", TT_DIST_LOG_UNIFORM_VALUES, 1e-4, 1e-1));
    double *x = draw(s, 3);
    double l = log(1e3), mean = (1e-1 - 1e-4) / l;
    double var = (1e-2 - 1e-8) / (2.0 * l) - mean * mean;
    check_mean(x, mean, sqrt(var));
    check_ks(x, cdf_log_values);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_inv_log_uniform)
{
    /* W&B: X = exp(-U(min, max)), so [e^-3, e^-1] for min 1, max 3. */
    tt_space *s = single(param_range("il", TT_DIST_INV_LOG_UNIFORM, 1, 3));
    double *x = draw(s, 4);
    double lo = exp(-3.0), hi = exp(-1.0), mean = (hi - lo) / 2.0;
    double var = (hi * hi - lo * lo) / 4.0 - mean * mean;
    check_mean(x, mean, sqrt(var));
    check_ks(x, cdf_inv_log);
    ck_assert(x[0] >= lo && x[N_DRAWS - 1] <= hi);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_inv_log_uniform_values)
{
    /* W&B: exp(-U(-ln max, -ln min)), i.e. log-uniform on [min, max]. */
    tt_space *s = single(param_range("iv", TT_DIST_INV_LOG_UNIFORM_VALUES, 0.01, 10));
    double *x = draw(s, 5);
    double l = log(1e3), mean = (10 - 0.01) / l;
    double var = (100 - 1e-4) / (2.0 * l) - mean * mean;
    check_mean(x, mean, sqrt(var));
    check_ks(x, cdf_inv_log_values);
    ck_assert(x[0] >= 0.01 && x[N_DRAWS - 1] <= 10);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_normal)
{
    tt_param p = param_range("n", TT_DIST_NORMAL, 0, 0);
    p.mu = 3.0;
    p.sigma = 2.0;
    tt_space *s = single(p);
    double *x = draw(s, 6);
    check_mean(x, 3.0, 2.0);
    check_variance(x, 4.0, 3.0 * 16.0);
    check_ks(x, cdf_normal);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_log_normal)
{
    tt_param p = param_range("ln", TT_DIST_LOG_NORMAL, 0, 0);
    p.mu = 0.5;
    p.sigma = 0.75;
    tt_space *s = single(p);
    double *x = draw(s, 7);
    double s2 = 0.75 * 0.75;
    check_mean(x, exp(0.5 + s2 / 2.0), sqrt((exp(s2) - 1.0) * exp(1.0 + s2)));
    check_ks(x, cdf_log_normal);
    ck_assert(x[0] > 0.0);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_beta)
{
    tt_param p = param_range("b", TT_DIST_BETA, 0, 0);
    p.a = 2.0;
    p.b = 3.0;
    tt_space *s = single(p);
    double *x = draw(s, 8);
    check_mean(x, 0.4, sqrt(0.04));
    check_ks(x, cdf_beta23);
    free(x);
    tt_space_free(s);

    p = param_range("b", TT_DIST_BETA, 0, 0);
    p.a = p.b = 0.5;
    s = single(p);
    x = draw(s, 9);
    check_mean(x, 0.5, sqrt(0.125));
    check_ks(x, cdf_arcsine);
    free(x);
    tt_space_free(s);
}
END_TEST

/* ---- discrete distributions --------------------------------------------- */

START_TEST(test_constant)
{
    tt_param p = param_range("c", TT_DIST_CONSTANT, 0, 0);
    tt_value v = v_int(64);
    param_take_values(&p, 1, &v);
    tt_space *s = single(p);
    tt_rng rng;
    tt_rng_seed(&rng, 10);
    tt_assignment a = tt_assignment_new(1);
    char buf[64];
    for (int i = 0; i < 100; i++) {
        tt_space_sample(s, &rng, &a);
        ck_assert(a.x[0] == 0.0 && a.active[0]);
        ck_assert_str_eq(tt_space_format(s, &a, 0, buf, sizeof buf), "64");
    }
    ck_assert(tt_param_encode(&s->params[0], 0) == 0.5);
    ck_assert(tt_param_decode(&s->params[0], 0.9) == 0.0);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

START_TEST(test_categorical)
{
    tt_param p = param_range("opt", TT_DIST_CATEGORICAL, 0, 0);
    tt_value vals[4] = {v_str_dup("adam"), v_str_dup("sgd"), v_str_dup("rmsprop"), v_str_dup("adagrad")};
    param_take_values(&p, 4, vals);
    tt_space *s = single(p);
    double *x = draw(s, 11);
    static const double idx[4] = {0, 1, 2, 3}, uniform[4] = {0.25, 0.25, 0.25, 0.25};
    check_discrete(x, idx, uniform, 4);
    free(x);
    tt_space_free(s);

    /* Weighted, with a zero-probability choice and a sum off by 1e-7. */
    p = param_range("opt", TT_DIST_CATEGORICAL, 0, 0);
    tt_value vals2[4] = {v_str_dup("a"), v_str_dup("b"), v_str_dup("c"), v_str_dup("d")};
    param_take_values(&p, 4, vals2);
    p.probabilities = tt_xmalloc(4 * sizeof(double));
    memcpy(p.probabilities, (double[]){0.5, 0.0, 0.3, 0.2000001}, 4 * sizeof(double));
    s = single(p);
    x = draw(s, 12);
    static const double weighted[4] = {0.5, 0.0, 0.3, 0.2};
    check_discrete(x, idx, weighted, 4);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_int_uniform)
{
    tt_param p = param_range("k", TT_DIST_INT_UNIFORM, -2, 3);
    p.is_int = true;
    tt_space *s = single(p);
    double *x = draw(s, 13);
    static const double vals[6] = {-2, -1, 0, 1, 2, 3};
    double probs[6];
    for (int i = 0; i < 6; i++)
        probs[i] = 1.0 / 6.0;
    check_discrete(x, vals, probs, 6);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_q_uniform)
{
    /* Rounding U(0, 1) to quarters: the end values get half a cell. */
    tt_param p = param_range("qu", TT_DIST_Q_UNIFORM, 0, 1);
    p.q = 0.25;
    tt_space *s = single(p);
    double *x = draw(s, 14);
    static const double v1[5] = {0, 0.25, 0.5, 0.75, 1}, p1[5] = {0.125, 0.25, 0.25, 0.25, 0.125};
    check_discrete(x, v1, p1, 5);
    free(x);
    tt_space_free(s);

    /* min and max not multiples of q: W&B would round 0.2 down to 0 and 2.3
     * up to 2.5; values stay inside [0.2, 2.3], the end cells absorbing the
     * draws that would round outside. */
    p = param_range("qu", TT_DIST_Q_UNIFORM, 0.2, 2.3);
    p.q = 0.5;
    s = single(p);
    x = draw(s, 15);
    static const double v2[4] = {0.5, 1.0, 1.5, 2.0};
    const double p2[4] = {0.55 / 2.1, 0.5 / 2.1, 0.5 / 2.1, 0.55 / 2.1};
    check_discrete(x, v2, p2, 4);
    free(x);
    tt_space_free(s);

    /* Decimal q: values are the doubles of "0.3", not 3 * 0.1. */
    p = param_range("qu", TT_DIST_Q_UNIFORM, 0, 1);
    p.q = 0.1;
    s = single(p);
    x = draw(s, 16);
    double v3[11], p3[11];
    for (int k = 0; k <= 10; k++) {
        v3[k] = k / 10.0;
        p3[k] = (k == 0 || k == 10) ? 0.05 : 0.1;
    }
    check_discrete(x, v3, p3, 11);
    free(x);
    tt_space_free(s);
}
END_TEST

/* P(round(X / q) = k) for a log-uniform X on [lo, hi], ends clamped. */
static void log_uniform_pmf(double lo, double hi, double q, double *v, double *pr, size_t m,
                            double kmin)
{
    for (size_t i = 0; i < m; i++) {
        double k = kmin + (double)i;
        double a = i == 0 ? lo : fmax(lo, (k - 0.5) * q);
        double b = i == m - 1 ? hi : fmin(hi, (k + 0.5) * q);
        v[i] = k * q;
        pr[i] = (log(b) - log(a)) / log(hi / lo);
    }
}

START_TEST(test_q_log_uniform)
{
    /* The W&B docs' batch size example: exponents ln 32 .. ln 256, q 1. */
    tt_param p = param_range("bs", TT_DIST_Q_LOG_UNIFORM, log(32), log(256));
    p.is_int = true;
    tt_space *s = single(p);
    double *x = draw(s, 17);
    double v[225], pr[225];
    log_uniform_pmf(32, 256, 1, v, pr, 225, 32);
    check_discrete(x, v, pr, 225);
    free(x);
    tt_space_free(s);

    p = param_range("bs", TT_DIST_Q_LOG_UNIFORM_VALUES, 1, 100);
    p.is_int = true;
    s = single(p);
    x = draw(s, 18);
    log_uniform_pmf(1, 100, 1, v, pr, 100, 1);
    check_discrete(x, v, pr, 100);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_q_normal)
{
    tt_param p = param_range("qn", TT_DIST_Q_NORMAL, 0, 0);
    p.sigma = 2.0;
    p.is_int = true;
    tt_space *s = single(p);
    double *x = draw(s, 19);
    double v[31], pr[31];
    for (int i = 0; i < 31; i++) {
        double k = i - 15;
        v[i] = k;
        pr[i] = phi((k + 0.5) / 2.0) - phi((k - 0.5) / 2.0);
    }
    check_discrete(x, v, pr, 31);
    /* Sheppard: rounding adds q^2/12 to the variance. */
    check_variance(x, 4.0 + 1.0 / 12.0, 3.0 * pow(4.0 + 1.0 / 12.0, 2));
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_q_log_normal)
{
    tt_param p = param_range("qln", TT_DIST_Q_LOG_NORMAL, 0, 0);
    p.mu = 1.0;
    p.sigma = 0.5;
    p.q = 0.5;
    tt_space *s = single(p);
    double *x = draw(s, 20);
    double v[201], pr[201];
    for (int k = 0; k <= 200; k++) {
        double a = k == 0 ? 0.0 : phi((log((k - 0.5) * 0.5) - 1.0) / 0.5);
        v[k] = k * 0.5;
        pr[k] = phi((log((k + 0.5) * 0.5) - 1.0) / 0.5) - a;
    }
    check_discrete(x, v, pr, 201);
    free(x);
    tt_space_free(s);
}
END_TEST

START_TEST(test_q_beta)
{
    tt_param p = param_range("qb", TT_DIST_Q_BETA, 0, 0);
    p.a = 2.0;
    p.b = 3.0;
    p.q = 0.1;
    tt_space *s = single(p);
    double *x = draw(s, 21);
    double v[11], pr[11];
    for (int k = 0; k <= 10; k++) {
        v[k] = k / 10.0;
        pr[k] = cdf_beta23(fmin(1.0, (k + 0.5) / 10.0)) - cdf_beta23(fmax(0.0, (k - 0.5) / 10.0));
    }
    check_discrete(x, v, pr, 11);
    free(x);
    tt_space_free(s);
}
END_TEST

/* Parameters are independent and the stream is one uniform per parameter:
 * the second of two uniforms is uncorrelated with the first. */
START_TEST(test_independent_parameters)
{
    tt_space *s = tt_space_new();
    tt_param a = param_range("a", TT_DIST_UNIFORM, 0, 1), b = param_range("b", TT_DIST_UNIFORM, 0, 1);
    tt_space_add(s, &a);
    tt_space_add(s, &b);
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), 0);
    tt_rng rng;
    tt_rng_seed(&rng, 22);
    tt_assignment x = tt_assignment_new(2);
    double sxy = 0.0;
    for (int i = 0; i < N_DRAWS; i++) {
        tt_space_sample(s, &rng, &x);
        sxy += (x.x[0] - 0.5) * (x.x[1] - 0.5);
    }
    /* corr = 12 * cov; its standard error is 1/sqrt(n). */
    double corr = 12.0 * sxy / N_DRAWS;
    ck_assert_msg(fabs(corr) < 5.0 / sqrt(N_DRAWS), "correlation %.4f", corr);
    tt_assignment_free(&x);
    tt_space_free(s);
}
END_TEST

Suite *suite_space_dist(void)
{
    return tt_suite_of("space_dist", "distributions", 60,
                       TT_TESTS(test_uniform, test_log_uniform, test_log_uniform_values,
                                test_inv_log_uniform, test_inv_log_uniform_values, test_normal,
                                test_log_normal, test_beta, test_constant, test_categorical,
                                test_int_uniform, test_q_uniform, test_q_log_uniform, test_q_normal,
                                test_q_log_normal, test_q_beta, test_independent_parameters));
}
