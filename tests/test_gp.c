/*
 * Tests of the GP sampler (src/sampler/gp*.c, docs/algorithms.md §1.5): the
 * kernel, Cholesky and posterior against values worked out by hand (in exact
 * or 60-digit arithmetic), log h against a direct computation and a continued
 * fraction far in the tail, gradients against finite differences, the
 * optimiser on known problems, and the sampler's contract: startup draws,
 * determinism, failed trials ignored, maximisation, pending trials, every
 * parameter kind valid, and a short optimisation that must beat random
 * search.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sampler/gp_internal.h"
#include "sampler_fixtures.h"
#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/stats.h"
#include "tunetop/util.h"
#include "check_util.h"

/* ---- spaces and histories ---- */

/* A categorical of n string choices "c0", "c1", …, with optional weights. */
static size_t add_categorical(tt_space *s, const char *name, size_t n, const double *probs)
{
    tt_param p = param_base(name, TT_DIST_CATEGORICAL);
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++) {
        p.values[i].kind = TT_VALUE_STRING;
        p.values[i].s = tt_xasprintf("c%zu", i);
    }
    p.n_values = n;
    if (probs != NULL) {
        p.probabilities = tt_xcalloc(n, sizeof *p.probabilities);
        memcpy(p.probabilities, probs, n * sizeof *probs);
    }
    return tt_space_add(s, &p);
}

static void gp_suggest_ok(const tt_space *s, const hist *h, uint64_t seed, tt_assignment *out)
{
    tt_history v = hist_view(h);
    tt_error err = {0};
    int rc = tt_gp_suggest(s, &v, seed, out, &err);
    ck_assert_msg(rc == 0, "tt_gp_suggest: %s", err.msg);
}

/* n random completed trials of the sphere on s (from seed). */
static void random_history(hist *h, const tt_space *s, size_t n, uint64_t seed)
{
    tt_rng rng;
    tt_rng_seed(&rng, seed);
    tt_assignment a = tt_assignment_new(s->n);
    for (size_t t = 0; t < n; t++) {
        tt_space_sample(s, &rng, &a);
        hist_push(h, &a, TT_TRIAL_COMPLETED, sphere_x(a.x, s->n));
    }
    tt_assignment_free(&a);
}

/* ---- kernel, Cholesky, posterior ---- */

START_TEST(test_kernel_values)
{
    /* r = 0: k = s_k; k' = −(5/6)s_k. */
    ck_assert_double_eq_tol(gp_matern52(0.0, 2.0), 2.0, 1e-15);
    ck_assert_double_eq_tol(gp_matern52_dr2(0.0, 2.0), -5.0 / 3.0, 1e-15);
    /* ρ = (4, 0.25), points 0.5 apart in the first coordinate: r² = 1.
     * k = 2(1 + √5 + 5/3)e^−√5, k' = −(5/6)·2(1 + √5)e^−√5. */
    bool cat[3] = {false, false, true};
    double rho[3] = {4.0, 0.25, 0.7};
    gp_kernel k = {.dim = 3, .cat = cat, .rho = rho, .scale = 2.0};
    double a[3] = {0.0, 0.3, 2.0}, b[3] = {0.5, 0.3, 2.0};
    double r2 = gp_sqdist(&k, a, b);
    ck_assert_double_eq_tol(r2, 1.0, 1e-15);
    ck_assert_double_eq_tol(gp_matern52(r2, 2.0), 1.0479882176636406, 1e-14);
    ck_assert_double_eq_tol(gp_matern52_dr2(r2, 2.0), -0.57644038788529561, 1e-14);
    /* The derivative matches a central difference in r². */
    for (double t = 0.05; t < 3.0; t += 0.37) {
        double h = 1e-6;
        double fd = (gp_matern52(t + h, 1.3) - gp_matern52(t - h, 1.3)) / (2 * h);
        ck_assert_double_eq_tol(gp_matern52_dr2(t, 1.3), fd, 1e-8);
    }
    /* Hamming for the categorical coordinate: categories 2 and 1 differ by
     * one, whatever their numeric gap. */
    double c[3] = {0.0, 0.3, 1.0}, d[3] = {0.0, 0.3, 0.0};
    ck_assert_double_eq_tol(gp_sqdist(&k, a, c), 0.7, 1e-15);
    ck_assert_double_eq_tol(gp_sqdist(&k, c, d), 0.7, 1e-15);
    ck_assert(gp_sqdist(&k, a, a) == 0.0);
    ck_assert_double_eq_tol(gp_matern52(0.7, 1.0), 0.62175810906998052, 1e-14);
    ck_assert(gp_coord_dist(true, 3.0, 3.0) == 0.0);
    ck_assert_double_eq_tol(gp_coord_dist(false, 0.2, 0.5), 0.09, 1e-15);
}
END_TEST

START_TEST(test_cholesky_and_posterior)
{
    /* [[4,2,−2],[2,10,2],[−2,2,5]] = LLᵀ with L = [[2],[1,3],[−1,1,√3]]. */
    double a[9] = {4, 0, 0, 2, 10, 0, -2, 2, 5};
    ck_assert_int_eq(gp_cholesky(a, 3), 0);
    double want[9] = {2, 0, 0, 1, 3, 0, -1, 1, sqrt(3.0)};
    for (int i = 0; i < 9; i++)
        ck_assert_double_eq_tol(a[i], want[i], 1e-15);
    double b[3] = {2, 7, 1}; /* L x = b → x = (1, 2, 0) */
    gp_solve_lower(a, 3, 3, b);
    ck_assert_double_eq_tol(b[0], 1, 1e-15);
    ck_assert_double_eq_tol(b[1], 2, 1e-15);
    ck_assert_double_eq_tol(b[2], 0, 1e-15);
    double c[3] = {2, 4, sqrt(3.0)}; /* Lᵀ x = c → x = (1, 1, 1) */
    gp_solve_lower_t(a, 3, 3, c);
    ck_assert_double_eq_tol(c[0], 1, 1e-15);
    ck_assert_double_eq_tol(c[1], 1, 1e-15);
    ck_assert_double_eq_tol(c[2], 1, 1e-15);
    double bad[4] = {1, 0, 2, 1}; /* [[1,2],[2,1]] is indefinite */
    ck_assert_int_eq(gp_cholesky(bad, 2), -1);

    /* Three points 0, 0.5, 1 with y = (1, −1, 0.5), ρ = 1, s_k = 1,
     * σn² = 0.01; the reference solved C α = y by elimination. */
    bool cat[1] = {false};
    double rho[1] = {1.0};
    gp_kernel k = {.dim = 1, .cat = cat, .rho = rho, .scale = 1.0, .noise = 0.01};
    double x[3] = {0.0, 0.5, 1.0}, y[3] = {1.0, -1.0, 0.5};
    gp_posterior post;
    ck_assert_int_eq(gp_posterior_init(&post, &k, x, y, 3, 3), 0);
    ck_assert_double_eq_tol(post.l[0], 1.004987562112089, 1e-14);
    ck_assert_double_eq_tol(post.l[3], 0.82453671434164855, 1e-14);
    ck_assert_double_eq_tol(post.l[4], 0.57457741576107801, 1e-14);
    ck_assert_double_eq_tol(post.l[6], 0.52139362573860171, 1e-14);
    ck_assert_double_eq_tol(post.l[7], 0.69397255171397954, 1e-14);
    ck_assert_double_eq_tol(post.l[8], 0.50650842491190895, 1e-14);
    ck_assert_double_eq_tol(post.alpha[0], 9.5258274033729986, 1e-12);
    ck_assert_double_eq_tol(post.alpha[1], -15.776859462684829, 1e-12);
    ck_assert_double_eq_tol(post.alpha[2], 8.4970332897909913, 1e-12);
    double work[9], mean, var;
    double q = 0.25;
    gp_posterior_eval(&post, &q, &mean, &var, NULL, NULL, work);
    ck_assert_double_eq_tol(mean, -0.20347910860120422, 1e-12);
    ck_assert_double_eq_tol(var, 0.014080828911273935 + 1e-12, 1e-12);
    gp_posterior_free(&post);

    /* A pending point at 0.25 is believed at that mean: the mean stays,
     * the variance there collapses to about the noise. */
    double xp[4] = {0.0, 0.5, 1.0, 0.25}, yp[4] = {1.0, -1.0, 0.5, 123.0};
    ck_assert_int_eq(gp_posterior_init(&post, &k, xp, yp, 4, 3), 0);
    ck_assert_double_eq_tol(yp[3], -0.20347910860120422, 1e-12);
    double work4[12], mean2, var2;
    gp_posterior_eval(&post, &q, &mean2, &var2, NULL, NULL, work4);
    ck_assert_double_eq_tol(mean2, mean, 1e-12);
    ck_assert(var2 < 0.6 * var);
    double elsewhere = 0.8, m3, v3, m4, v4;
    gp_posterior_eval(&post, &elsewhere, &m3, &v3, NULL, NULL, work4);
    gp_posterior_free(&post);
    ck_assert_int_eq(gp_posterior_init(&post, &k, x, y, 3, 3), 0);
    gp_posterior_eval(&post, &elsewhere, &m4, &v4, NULL, NULL, work);
    ck_assert_double_eq_tol(m3, m4, 1e-12);
    gp_posterior_free(&post);
}
END_TEST

/* ---- log EI ---- */

START_TEST(test_log_h)
{
    /* Moderate z: the definition, φ(z) + zΦ(z), computed directly. */
    static const double zs[] = {-12, -6, -3, -1, -0.2, 0, 0.4, 1, 2.5, 6, 30};
    for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++) {
        double z = zs[i], d;
        double h = tt_stats_norm_pdf(z) + z * tt_stats_norm_cdf(z);
        ck_assert_double_eq_tol(gp_log_h(z, &d), log(h), 1e-9 * fmax(1.0, fabs(log(h))));
        ck_assert_double_eq_tol(d, tt_stats_norm_cdf(z) / h, 1e-8 * fmax(1.0, d));
    }
    /* Far tail: a 60-digit continued fraction for the Mills ratio
     * (independent of the series the code sums). */
    static const double tail[][3] = {
        {-25, -319.86146358149597, 25.079620234266532},
        {-30, -457.72465376059802, 30.066446154162421},
        {-40, -808.29856835661997, 40.049906657648521},
        {-100, -5010.1295788002499, 100.01999400419587},
        {-10, -55.553122036122353, 10.194383033412553},
        {-5, -16.744301162660989, 5.3618162412880883},
    };
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        double d, v = gp_log_h(tail[i][0], &d);
        ck_assert_double_eq_tol(v, tail[i][1], 1e-12 * fabs(tail[i][1]));
        ck_assert_double_eq_tol(d, tail[i][2], 1e-10 * tail[i][2]);
    }
    /* Continuous across the switch at z = −25, value and slope. */
    double dl, dr;
    double left = gp_log_h(GP_LOGEI_TAIL_Z - 1e-9, &dl);
    double right = gp_log_h(GP_LOGEI_TAIL_Z + 1e-9, &dr);
    ck_assert_double_eq_tol(left, right, 1e-7);
    ck_assert_double_eq_tol(dl, dr, 1e-8 * dr);
    /* Monotone and finite deep in the tail, where EI underflows. */
    double prev = -INFINITY;
    for (double z = -1000; z < 10; z += 0.731) {
        double v = gp_log_h(z, NULL);
        ck_assert(isfinite(v) && v > prev);
        prev = v;
    }
    /* log EI = log h(z) + log σ. */
    double mean = 0.3, var = 0.04, f0 = 0.5;
    ck_assert_double_eq_tol(gp_log_ei(mean, var, f0, NULL, NULL),
                            gp_log_h((mean - f0) / 0.2, NULL) + log(0.2), 1e-14);
}
END_TEST

START_TEST(test_log_ei_gradients)
{
    /* ∂/∂μ and ∂/∂σ² by central differences, in the body and the tail. */
    static const double cases[][3] = {
        {0.3, 0.04, 0.5}, {1.2, 0.5, 0.1}, {-3.0, 0.01, 0.5}, {-2.0, 1e-3, 1.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double m = cases[i][0], v = cases[i][1], f0 = cases[i][2], dm, dv;
        gp_log_ei(m, v, f0, &dm, &dv);
        double hm = 1e-6, hv = 1e-6 * v;
        double fdm = (gp_log_ei(m + hm, v, f0, NULL, NULL) - gp_log_ei(m - hm, v, f0, NULL, NULL)) /
                     (2 * hm);
        double fdv = (gp_log_ei(m, v + hv, f0, NULL, NULL) - gp_log_ei(m, v - hv, f0, NULL, NULL)) /
                     (2 * hv);
        ck_assert_double_eq_tol(dm, fdm, 1e-5 * fmax(1.0, fabs(fdm)));
        ck_assert_double_eq_tol(dv, fdv, 1e-5 * fmax(1.0, fabs(fdv)));
    }
    for (double z = -60; z < 8; z += 3.7) {
        double d, h = 1e-6;
        gp_log_h(z, &d);
        double fd = (gp_log_h(z + h, NULL) - gp_log_h(z - h, NULL)) / (2 * h);
        ck_assert_double_eq_tol(d, fd, 1e-6 * fmax(1.0, fabs(fd)));
    }
}
END_TEST

/* A small data set in dim coordinates, the last one categorical (3
 * categories) when with_cat. */
static void toy_data(size_t n, size_t dim, bool with_cat, double *x, double *y, bool *cat)
{
    tt_rng rng;
    tt_rng_seed(&rng, 99);
    for (size_t j = 0; j < dim; j++)
        cat[j] = with_cat && j == dim - 1;
    for (size_t i = 0; i < n; i++) {
        double f = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double v = cat[j] ? (double)tt_rng_below(&rng, 3) : tt_rng_uniform(&rng);
            x[i * dim + j] = v;
            f += cat[j] ? 0.5 * v : sin(3.0 * v + (double)j);
        }
        y[i] = f + 0.05 * tt_rng_normal(&rng);
    }
}

START_TEST(test_fit_loss_gradient)
{
    enum { N = 25, DIM = 3 };
    double x[N * DIM], y[N];
    bool cat[DIM];
    toy_data(N, DIM, true, x, y, cat);
    static const double thetas[][DIM + 2] = {
        {0.0, 0.0, 0.0, 0.0, 0.0}, {1.2, -0.7, 0.3, -0.5, -4.0}, {-1.0, 2.0, -2.0, 0.8, -9.0}};
    for (size_t t = 0; t < sizeof thetas / sizeof thetas[0]; t++) {
        double g[DIM + 2], th[DIM + 2];
        double f = gp_fit_loss(x, y, N, DIM, cat, thetas[t], g);
        ck_assert(isfinite(f));
        for (size_t j = 0; j < DIM + 2; j++) {
            double h = 1e-5;
            memcpy(th, thetas[t], sizeof th);
            th[j] += h;
            double fp = gp_fit_loss(x, y, N, DIM, cat, th, NULL);
            th[j] -= 2 * h;
            double fm = gp_fit_loss(x, y, N, DIM, cat, th, NULL);
            double fd = (fp - fm) / (2 * h);
            ck_assert_msg(fabs(g[j] - fd) <= 1e-5 * fmax(1.0, fabs(fd)),
                          "theta %zu, coordinate %zu: gradient %.10g, difference %.10g", t, j,
                          g[j], fd);
        }
    }
    /* The fit lowers the loss from the all-ones start and converges. */
    double th[DIM + 2], zero[DIM + 2] = {0, 0, 0, 0, log(1.0 - GP_MIN_NOISE)};
    ck_assert_int_ge(gp_fit(x, y, N, DIM, cat, th), 1);
    ck_assert(gp_fit_loss(x, y, N, DIM, cat, th, NULL) <
              gp_fit_loss(x, y, N, DIM, cat, zero, NULL) - 1.0);
}
END_TEST

START_TEST(test_acqf_gradient)
{
    enum { N = 20, DIM = 3 };
    double x[N * DIM], y[N];
    bool cat[DIM];
    toy_data(N, DIM, true, x, y, cat);
    double rho[DIM] = {3.0, 0.8, 0.5};
    gp_kernel k = {.dim = DIM, .cat = cat, .rho = rho, .scale = 1.4, .noise = 1e-4};
    gp_problem pr;
    memset(&pr, 0, sizeof pr);
    pr.dim = DIM;
    pr.cat = cat;
    ck_assert_int_eq(gp_posterior_init(&pr.post, &k, x, y, N, N), 0);
    pr.f0 = y[0];
    for (size_t i = 1; i < N; i++)
        pr.f0 = fmax(pr.f0, y[i]);
    double work[3 * N + 2 * DIM], grad[DIM];
    static const double points[][DIM] = {{0.3, 0.6, 1}, {0.9, 0.1, 0}, {0.5, 0.5, 2}};
    for (size_t p = 0; p < 3; p++) {
        double f[DIM];
        memcpy(f, points[p], sizeof f);
        gp_acqf_eval(&pr, f, grad, work);
        ck_assert(grad[2] == 0.0); /* categorical */
        for (size_t j = 0; j < 2; j++) {
            double h = 1e-6, fp, fm;
            f[j] = points[p][j] + h;
            fp = gp_acqf_eval(&pr, f, NULL, work);
            f[j] = points[p][j] - h;
            fm = gp_acqf_eval(&pr, f, NULL, work);
            f[j] = points[p][j];
            double fd = (fp - fm) / (2 * h);
            ck_assert_msg(fabs(grad[j] - fd) <= 1e-5 * fmax(1.0, fabs(fd)),
                          "point %zu, coordinate %zu: gradient %.10g, difference %.10g", p, j,
                          grad[j], fd);
        }
    }
    gp_posterior_free(&pr.post);
}
END_TEST

/* ---- the optimiser ---- */

static double rosenbrock(const double *x, double *g, void *ctx)
{
    (void)ctx;
    double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
    g[0] = -2.0 * a - 400.0 * x[0] * b;
    g[1] = 200.0 * b;
    return a * a + 100.0 * b * b;
}

START_TEST(test_lbfgsb)
{
    gp_lbfgsb_options opt = {.pgtol = 1e-8, .max_iter = 500, .memory = 8};
    double x[2] = {-1.2, 1.0}, f;
    ck_assert_int_ge(gp_lbfgsb(rosenbrock, NULL, 2, x, NULL, NULL, &opt, &f), 1);
    ck_assert_double_eq_tol(x[0], 1.0, 1e-4);
    ck_assert_double_eq_tol(x[1], 1.0, 1e-4);
    /* With x0 ≤ 0.5 the minimum sits on the bound, at (0.5, 0.25). */
    double lo[2] = {-2, -2}, hi[2] = {0.5, 2};
    x[0] = -1.2;
    x[1] = 1.0;
    gp_lbfgsb(rosenbrock, NULL, 2, x, lo, hi, &opt, &f);
    ck_assert_double_eq_tol(x[0], 0.5, 1e-9);
    ck_assert_double_eq_tol(x[1], 0.25, 1e-4);
}
END_TEST

/* ---- the sampler ---- */

START_TEST(test_startup_is_random)
{
    tt_space *s = box_space(3);
    hist h = {0};
    tt_assignment a = tt_assignment_new(3), b = tt_assignment_new(3);
    tt_error err = {0};
    /* Failed and running trials do not count towards the 10. */
    for (int t = 0; t < 25; t++) {
        gp_suggest_ok(s, &h, 11, &a);
        tt_history v = hist_view(&h);
        ck_assert_int_eq(tt_random_suggest(s, &v, 11, &b, &err), 0);
        ck_assert(same_point(&a, &b));
        tt_trial_state st = t % 3 == 1 ? TT_TRIAL_FAILED : t % 3 == 2 ? TT_TRIAL_RUNNING
                                                                      : TT_TRIAL_COMPLETED;
        hist_push(&h, &a, st, st == TT_TRIAL_COMPLETED ? sphere_x(a.x, 3) : NAN);
    }
    /* Now 9 completed: still random. The 10th makes the model take over. */
    hist_push(&h, &a, TT_TRIAL_COMPLETED, sphere_x(a.x, 3));
    gp_suggest_ok(s, &h, 11, &a);
    tt_history v = hist_view(&h);
    ck_assert_int_eq(tt_random_suggest(s, &v, 11, &b, &err), 0);
    ck_assert(!same_point(&a, &b));
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_determinism_and_ignored_trials)
{
    tt_space *s = box_space(3);
    hist h = {0};
    random_history(&h, s, 14, 5);
    double run[3] = {1.0, -2.0, 0.5};
    hist_push_x(&h, 3, run, TT_TRIAL_RUNNING, NAN);
    double failed[3] = {4.0, 4.0, 4.0};
    hist_push_x(&h, 3, failed, TT_TRIAL_FAILED, NAN);
    tt_assignment a = tt_assignment_new(3), b = tt_assignment_new(3), c = tt_assignment_new(3);
    gp_suggest_ok(s, &h, 3, &a);
    gp_suggest_ok(s, &h, 3, &b);
    ck_assert(same_point(&a, &b));
    /* A different seed gives a different point. */
    gp_suggest_ok(s, &h, 4, &c);
    ck_assert(!same_point(&a, &c));
    /* Failed, killed and pruned trials are ignored, wherever they are and
     * whatever value they carry. */
    h.obs[15].params.x[0] = -4.0;
    h.obs[15].state = TT_TRIAL_KILLED;
    h.obs[15].value = -1e9;
    gp_suggest_ok(s, &h, 3, &c);
    ck_assert(same_point(&a, &c));
    h.obs[15].state = TT_TRIAL_PRUNED;
    gp_suggest_ok(s, &h, 3, &c);
    ck_assert(same_point(&a, &c));
    /* A completed trial without a value counts as failed too. */
    h.obs[15].state = TT_TRIAL_COMPLETED;
    h.obs[15].value = NAN;
    gp_suggest_ok(s, &h, 3, &c);
    ck_assert(same_point(&a, &c));
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    tt_assignment_free(&c);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_maximize_mirrors_minimize)
{
    tt_space *s = box_space(2);
    hist lo = {0}, hi = {0};
    random_history(&lo, s, 15, 8);
    random_history(&hi, s, 15, 8);
    hi.goal = TT_GOAL_MAXIMIZE;
    for (size_t t = 0; t < hi.n; t++)
        hi.obs[t].value = -hi.obs[t].value;
    /* An infinite value is clipped, the same on both sides. */
    lo.obs[3].value = INFINITY;
    hi.obs[3].value = -INFINITY;
    tt_assignment a = tt_assignment_new(2), b = tt_assignment_new(2);
    gp_suggest_ok(s, &lo, 1, &a);
    gp_suggest_ok(s, &hi, 1, &b);
    ck_assert(same_point(&a, &b));
    /* Maximising the sphere itself drives the suggestion to the boundary. */
    for (size_t t = 0; t < hi.n; t++)
        hi.obs[t].value = sphere_x(hi.obs[t].params.x, 2);
    gp_suggest_ok(s, &hi, 1, &b);
    ck_assert(sphere_x(b.x, 2) > 20.0);
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&lo);
    hist_free(&hi);
    tt_space_free(s);
}
END_TEST

START_TEST(test_pending_moves_away)
{
    tt_space *s = box_space(2);
    hist h = {0};
    random_history(&h, s, 12, 21);
    tt_assignment a = tt_assignment_new(2), b = tt_assignment_new(2);
    gp_suggest_ok(s, &h, 9, &a);
    /* Same history length with a dummy failed trial, so only the running
     * trial differs below. */
    hist_push(&h, &a, TT_TRIAL_FAILED, NAN);
    gp_suggest_ok(s, &h, 9, &b);
    double d0 = hypot(a.x[0] - b.x[0], a.x[1] - b.x[1]);
    h.obs[h.n - 1].state = TT_TRIAL_RUNNING;
    gp_suggest_ok(s, &h, 9, &b);
    double d1 = hypot(a.x[0] - b.x[0], a.x[1] - b.x[1]);
    ck_assert_msg(d1 > 0.2 && d1 > d0 + 0.1,
                  "running point (%g, %g), next (%g, %g): distance %g (without it %g)", a.x[0],
                  a.x[1], b.x[0], b.x[1], d1, d0);
    /* Queued trials count as pending too. */
    h.obs[h.n - 1].state = TT_TRIAL_QUEUED;
    tt_assignment c = tt_assignment_new(2);
    gp_suggest_ok(s, &h, 9, &c);
    ck_assert(same_point(&b, &c));
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    tt_assignment_free(&c);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

/* Every distribution, a constant, a weighted categorical with a
 * zero-probability choice, and a conditional subtree. */
static tt_space *every_kind_space(void)
{
    tt_space *s = tt_space_new();
    double probs[4] = {0.5, 0.0, 0.3, 0.2};
    add_categorical(s, "cat", 4, probs);
    add_constant(s, "const", 7);
    add_range(s, "int", TT_DIST_INT_UNIFORM, -3, 40, 1);
    add_range(s, "uni", TT_DIST_UNIFORM, 0.5, 2.5, 1);
    add_range(s, "q", TT_DIST_Q_UNIFORM, 0, 1, 0.25);
    add_range(s, "qbig", TT_DIST_Q_UNIFORM, 0, 1000, 5);
    add_range(s, "log", TT_DIST_LOG_UNIFORM, -5, 2, 1);
    add_range(s, "logv", TT_DIST_LOG_UNIFORM_VALUES, 1e-5, 1e-1, 1);
    add_range(s, "qlog", TT_DIST_Q_LOG_UNIFORM_VALUES, 1, 1024, 1);
    add_range(s, "inv", TT_DIST_INV_LOG_UNIFORM_VALUES, 0.01, 10, 1);
    add_range(s, "norm", TT_DIST_NORMAL, 0, 1, 1);
    add_range(s, "qnorm", TT_DIST_Q_NORMAL, 10, 3, 0.5);
    add_range(s, "lnorm", TT_DIST_LOG_NORMAL, 0, 0.5, 1);
    add_range(s, "qlnorm", TT_DIST_Q_LOG_NORMAL, 2, 1, 2);
    add_range(s, "beta", TT_DIST_BETA, 2, 5, 1);
    add_range(s, "qbeta", TT_DIST_Q_BETA, 0.5, 0.5, 0.1);
    size_t opt = add_categorical(s, "opt", 2, NULL);
    size_t mom = add_range(s, "mom", TT_DIST_UNIFORM, 0, 0.99, 1);
    size_t nest = add_categorical(s, "nest", 2, NULL);
    add_condition(s, mom, "opt", "c1");
    add_condition(s, nest, "opt", "c1");
    (void)opt;
    finish(s);
    return s;
}

/* A smooth function of every coordinate's encoding. */
static double every_kind_value(const tt_space *s, const tt_assignment *a)
{
    double f = 0.0;
    for (size_t i = 0; i < s->n; i++)
        if (a->active[i]) {
            double u = tt_param_encode(&s->params[i], a->x[i]);
            f += (u - 0.3) * (u - 0.3) * (1.0 + 0.1 * (double)i);
        }
    return f;
}

START_TEST(test_every_kind_valid)
{
    tt_space *s = every_kind_space();
    hist h = {0};
    tt_assignment a = tt_assignment_new(s->n), check = tt_assignment_new(s->n);
    for (int t = 0; t < 20; t++) {
        gp_suggest_ok(s, &h, 17, &a);
        tt_assignment_copy(&check, &a);
        tt_space_update_active(s, &check);
        for (size_t i = 0; i < s->n; i++) {
            ck_assert_msg(check.active[i] == a.active[i], "trial %d: %s activity", t,
                          s->params[i].name);
            if (a.active[i])
                ck_assert_msg(tt_param_contains(&s->params[i], a.x[i]), "trial %d: %s = %.17g",
                              t, s->params[i].name, a.x[i]);
            else
                ck_assert(a.x[i] == 0.0);
        }
        ck_assert(a.x[0] != 1.0); /* zero probability */
        /* Every other trial stays running, so pending points are exercised. */
        bool done = t % 4 != 3;
        hist_push(&h, &a, done ? TT_TRIAL_COMPLETED : TT_TRIAL_RUNNING,
                  done ? every_kind_value(s, &a) : NAN);
    }
    tt_assignment_free(&a);
    tt_assignment_free(&check);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_beats_random)
{
    enum { DIM = 4, TRIALS = 40, SEEDS = 10 };
    tt_space *s = box_space(DIM);
    double regret[2][SEEDS];
    for (int m = 0; m < 2; m++) {
        for (int seed = 0; seed < SEEDS; seed++) {
            hist h = {0};
            tt_assignment a = tt_assignment_new(DIM);
            double best = INFINITY;
            for (int t = 0; t < TRIALS; t++) {
                tt_history v = hist_view(&h);
                tt_error err = {0};
                int rc = m == 0 ? tt_random_suggest(s, &v, (uint64_t)seed, &a, &err)
                                : tt_gp_suggest(s, &v, (uint64_t)seed, &a, &err);
                ck_assert_int_eq(rc, 0);
                double f = sphere_x(a.x, DIM);
                best = fmin(best, f);
                hist_push(&h, &a, TT_TRIAL_COMPLETED, f);
            }
            regret[m][seed] = best; /* the minimum is 0 */
            tt_assignment_free(&a);
            hist_free(&h);
        }
        qsort(regret[m], SEEDS, sizeof regret[m][0], cmp_double);
    }
    double random_median = 0.5 * (regret[0][4] + regret[0][5]);
    double gp_median = 0.5 * (regret[1][4] + regret[1][5]);
    ck_assert_msg(gp_median < 0.25 * random_median, "median regret: gp %g, random %g",
                  gp_median, random_median);
    tt_space_free(s);
}
END_TEST

Suite *suite_gp(void)
{
    Suite *s = suite_create("gp");
    tt_add_tcase(s, "model", 0,
                 TT_TESTS(test_kernel_values, test_cholesky_and_posterior, test_log_h,
                          test_log_ei_gradients, test_fit_loss_gradient, test_acqf_gradient,
                          test_lbfgsb));
    tt_add_tcase(s, "sampler", 60,
                 TT_TESTS(test_startup_is_random, test_determinism_and_ignored_trials,
                          test_maximize_mirrors_minimize, test_pending_moves_away,
                          test_every_kind_valid, test_beats_random));
    return s;
}
