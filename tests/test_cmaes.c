/*
 * Tests of the CMA-ES sampler: the algorithm on hand-made examples (weights,
 * the Jacobi eigen-decomposition, one update on a sphere, step-size
 * control), and the sampler rebuilt from histories: determinism and resume,
 * every parameter kind, generations with running and failed trials, and a
 * short optimisation that must beat random search.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

#include "../src/sampler/cmaes_impl.h"

#include "sampler_fixtures.h"
#include "check_util.h"

/* ---- the algorithm ---- */

START_TEST(test_cma_weights)
{
    static const size_t expect_lambda[] = {0, 4, 6, 7, 8, 8, 9, 9, 10, 10, 10};
    for (size_t d = 1; d <= 40; d++) {
        cma_params p;
        cma_params_init(&p, d);
        if (d <= 10)
            ck_assert_uint_eq(p.lambda, expect_lambda[d]);
        ck_assert_uint_eq(p.lambda, 4 + (size_t)floor(3 * log((double)d)));
        ck_assert_uint_eq(p.mu, p.lambda / 2);
        double pos = 0.0;
        for (size_t k = 0; k < p.lambda; k++) {
            if (k < p.mu) {
                ck_assert(p.weights[k] > 0.0);
                pos += p.weights[k];
            } else {
                ck_assert(p.weights[k] <= 0.0);
            }
            if (k > 0)
                ck_assert(p.weights[k] < p.weights[k - 1]);
        }
        ck_assert_double_eq_tol(pos, 1.0, 1e-12);
        ck_assert(p.c1 > 0 && p.cmu > 0 && p.c1 + p.cmu < 1.0);
        ck_assert(p.c_sigma > 0 && p.c_sigma < 1 && p.cc > 0 && p.cc < 1);
        ck_assert(p.mu_eff >= 1.0 && p.mu_eff <= (double)p.mu);
        cma_params_free(&p);
    }
    /* 6-D by hand: lambda 9, mu 4, w'_k = ln 5 - ln k. */
    cma_params p;
    cma_params_init(&p, 6);
    double raw[4], sum = 0.0;
    for (int k = 0; k < 4; k++) {
        raw[k] = log(5.0) - log(k + 1.0);
        sum += raw[k];
    }
    for (int k = 0; k < 4; k++)
        ck_assert_double_eq_tol(p.weights[k], raw[k] / sum, 1e-14);
    ck_assert(p.weights[4] == 0.0);
    ck_assert_double_eq_tol(p.chi_n, sqrt(6.0) * (1 - 1 / 24.0 + 1 / 756.0), 1e-14);
    cma_params_free(&p);
}
END_TEST

/* A v = value v for every pair, V orthonormal, A = V diag V^T. */
static void check_eigen(size_t n, const double *a, double tol)
{
    double *val = tt_xmalloc(n * sizeof *val), *vec = tt_xmalloc(n * n * sizeof *vec);
    cma_eigen(n, a, val, vec);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            ck_assert(val[k] >= val[k - 1]);
        for (size_t i = 0; i < n; i++) {
            double av = 0.0;
            for (size_t j = 0; j < n; j++)
                av += a[i * n + j] * vec[j * n + k];
            ck_assert_double_eq_tol(av, val[k] * vec[i * n + k], tol);
        }
        for (size_t l = 0; l < n; l++) {
            double dot = 0.0;
            for (size_t i = 0; i < n; i++)
                dot += vec[i * n + k] * vec[i * n + l];
            ck_assert_double_eq_tol(dot, k == l ? 1.0 : 0.0, tol);
        }
    }
    free(val);
    free(vec);
}

START_TEST(test_cma_eigen_by_hand)
{
    /* [[2,1],[1,2]]: 1 along (1,-1)/√2, 3 along (1,1)/√2. */
    double a2[] = {2, 1, 1, 2}, val[3], vec[9];
    cma_eigen(2, a2, val, vec);
    ck_assert_double_eq_tol(val[0], 1.0, 1e-14);
    ck_assert_double_eq_tol(val[1], 3.0, 1e-14);
    ck_assert_double_eq_tol(fabs(vec[0]), M_SQRT1_2, 1e-14);
    ck_assert_double_eq_tol(vec[0] * vec[2], -0.5, 1e-14); /* components of opposite sign */
    ck_assert_double_eq_tol(vec[1] * vec[3], 0.5, 1e-14);
    check_eigen(2, a2, 1e-13);
    /* The 1-D Laplacian: 2-√2, 2, 2+√2 with vectors (1,±√2,1)/2, (1,0,-1)/√2. */
    double a3[] = {2, -1, 0, -1, 2, -1, 0, -1, 2};
    cma_eigen(3, a3, val, vec);
    ck_assert_double_eq_tol(val[0], 2 - M_SQRT2, 1e-14);
    ck_assert_double_eq_tol(val[1], 2.0, 1e-14);
    ck_assert_double_eq_tol(val[2], 2 + M_SQRT2, 1e-14);
    ck_assert_double_eq_tol(fabs(vec[1 * 3 + 0]), M_SQRT2 / 2, 1e-14);
    ck_assert_double_eq_tol(vec[1 * 3 + 1], 0.0, 1e-14);
    ck_assert_double_eq_tol(fabs(vec[0 * 3 + 2]), 0.5, 1e-14);
    check_eigen(3, a3, 1e-13);
    /* Already diagonal: values sorted, vectors a permutation. */
    double d3[] = {3, 0, 0, 0, 1, 0, 0, 0, 2};
    cma_eigen(3, d3, val, vec);
    ck_assert(val[0] == 1 && val[1] == 2 && val[2] == 3);
    ck_assert(vec[1 * 3 + 0] == 1 && vec[2 * 3 + 1] == 1 && vec[0 * 3 + 2] == 1);
    /* A random SPD 12 x 12 (M Mᵀ), ill-conditioned on purpose. */
    enum { N = 12 };
    double m[N * N], a[N * N];
    tt_rng rng;
    tt_rng_seed(&rng, 3);
    for (size_t i = 0; i < N * N; i++)
        m[i] = tt_rng_normal(&rng) * ((i % N) == 0 ? 1e3 : 1.0);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < N; k++)
                acc += m[i * N + k] * m[j * N + k];
            a[i * N + j] = acc;
        }
    check_eigen(N, a, 1e-6);
}
END_TEST

/* The best of x[0..n) on a sphere around c, ordered best first. */
static void rank_sphere(size_t d, size_t n, double *x, const double *c)
{
    for (size_t k = 0; k < n; k++)
        for (size_t l = k + 1; l < n; l++) {
            double fk = 0, fl = 0;
            for (size_t i = 0; i < d; i++) {
                fk += (x[k * d + i] - c[i]) * (x[k * d + i] - c[i]);
                fl += (x[l * d + i] - c[i]) * (x[l * d + i] - c[i]);
            }
            if (fl < fk)
                for (size_t i = 0; i < d; i++) {
                    double t = x[k * d + i];
                    x[k * d + i] = x[l * d + i];
                    x[l * d + i] = t;
                }
        }
}

static double dist(size_t d, const double *a, const double *b)
{
    double acc = 0.0;
    for (size_t i = 0; i < d; i++)
        acc += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(acc);
}

START_TEST(test_cma_update_on_sphere)
{
    enum { D = 4 };
    const double target[D] = {0.8, 0.3, 0.6, 0.7};
    cma_params p;
    cma_state st;
    cma_params_init(&p, D);
    cma_state_init(&st, D);
    double *x = tt_xmalloc(p.lambda * D * sizeof *x);
    const double **rows = tt_xmalloc(p.lambda * sizeof *rows);
    tt_rng rng;
    tt_rng_seed(&rng, 11);

    /* One generation: with c_m = 1 and positive weights summing to 1 the new
     * mean is the weighted mean of the mu best points. */
    for (size_t k = 0; k < p.lambda; k++) {
        cma_sample(&st, &rng, &x[k * D]);
        rows[k] = &x[k * D];
    }
    rank_sphere(D, p.lambda, x, target);
    double before = dist(D, st.mean, target);
    cma_tell(&p, &st, rows, NULL);
    for (size_t i = 0; i < D; i++) {
        double expect = 0.0;
        for (size_t k = 0; k < p.mu; k++)
            expect += p.weights[k] * x[k * D + i];
        ck_assert_double_eq_tol(st.mean[i], expect, 1e-12);
    }
    ck_assert(dist(D, st.mean, target) < before);
    ck_assert_uint_eq(st.generation, 1);

    /* Many generations: converges, and sigma shrinks by orders of magnitude. */
    for (int g = 0; g < 80; g++) {
        for (size_t k = 0; k < p.lambda; k++)
            cma_sample(&st, &rng, &x[k * D]);
        rank_sphere(D, p.lambda, x, target);
        cma_tell(&p, &st, rows, NULL);
        for (size_t i = 0; i < D; i++) {
            ck_assert(st.D[i] > 0.0);
            for (size_t j = 0; j < D; j++)
                ck_assert(st.C[i * D + j] == st.C[j * D + i]);
        }
    }
    ck_assert_msg(st.sigma < CMA_SIGMA0 / 100, "sigma %g", st.sigma);
    ck_assert_msg(dist(D, st.mean, target) < 1e-3, "mean off by %g", dist(D, st.mean, target));
    free(x);
    free(rows);
    cma_params_free(&p);
    cma_state_free(&st);
}
END_TEST

START_TEST(test_cma_sigma_grows_on_slope)
{
    /* On a linear function inside the cube, selected steps all point the
     * same way: the evolution path grows longer than chance and CSA
     * increases sigma. */
    enum { D = 4 };
    cma_params p;
    cma_state st;
    cma_params_init(&p, D);
    cma_state_init(&st, D);
    double *x = tt_xmalloc(p.lambda * D * sizeof *x);
    const double **rows = tt_xmalloc(p.lambda * sizeof *rows);
    tt_rng rng;
    tt_rng_seed(&rng, 5);
    const double far[D] = {100, 100, 100, 100}; /* ranking by distance ≈ linear */
    for (int g = 0; g < 2; g++) {
        for (size_t k = 0; k < p.lambda; k++) {
            cma_sample(&st, &rng, &x[k * D]);
            rows[k] = &x[k * D];
        }
        rank_sphere(D, p.lambda, x, far);
        cma_tell(&p, &st, rows, NULL);
    }
    ck_assert_msg(st.sigma > CMA_SIGMA0, "sigma %g", st.sigma);
    free(x);
    free(rows);
    cma_params_free(&p);
    cma_state_free(&st);
}
END_TEST

START_TEST(test_cma_foreign_clipped)
{
    /* A far-away foreign point ranked best moves the mean less than the
     * same point taken as the strategy's own draw. */
    enum { D = 2 };
    cma_params p;
    cma_params_init(&p, D);
    cma_state own, clipped;
    cma_state_init(&own, D);
    cma_state_init(&clipped, D);
    double *x = tt_xmalloc(p.lambda * D * sizeof *x);
    const double **rows = tt_xmalloc(p.lambda * sizeof *rows);
    bool *foreign = tt_xcalloc(p.lambda, sizeof *foreign);
    for (size_t k = 0; k < p.lambda; k++) {
        x[k * D] = 0.5 + 0.01 * (double)k;
        x[k * D + 1] = 0.5;
        rows[k] = &x[k * D];
    }
    x[0] = x[1] = 1.0; /* 3 sigma along both axes: 4.2 > sqrt(2) + 1 */
    foreign[0] = true;
    cma_tell(&p, &own, rows, NULL);
    cma_tell(&p, &clipped, rows, foreign);
    ck_assert(clipped.mean[1] - 0.5 < own.mean[1] - 0.5);
    ck_assert(clipped.mean[1] > 0.5);
    free(x);
    free(rows);
    free(foreign);
    cma_params_free(&p);
    cma_state_free(&own);
    cma_state_free(&clipped);
}
END_TEST

/* ---- the sampler ---- */

START_TEST(test_cmaes_available)
{
    ck_assert(tt_method_available(TT_METHOD_CMAES));
    tt_space *s = box_space(2);
    tt_assignment a = tt_assignment_new(3);
    tt_error err = {0};
    ck_assert_int_eq(tt_cmaes_suggest(s, NULL, 1, &a, &err), -TT_ERR_INVALID);
    tt_assignment_free(&a);
    a = tt_assignment_new(2);
    ck_assert_int_eq(tt_cmaes_suggest(s, NULL, 1, &a, &err), 0);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

/* Same seed, same suggestions; another seed, others; a study resumed at
 * any point suggests what it would have. */
START_TEST(test_cmaes_determinism_and_resume)
{
    check_determinism_and_resume(TT_METHOD_CMAES);
}
END_TEST

START_TEST(test_cmaes_every_kind)
{
    check_every_kind(TT_METHOD_CMAES);
}
END_TEST

START_TEST(test_cmaes_categorical_only)
{
    tt_space *s = tt_space_new();
    static const char *const v[] = {"a", "b", "c"};
    add_strings(s, "c", 3, v);
    add_constant(s, "k", 1);
    finish(s);
    hist h = {0};
    tt_assignment a = tt_assignment_new(s->n);
    bool seen[3] = {false};
    for (size_t t = 0; t < 30; t++) {
        suggest(TT_METHOD_CMAES, s, &h, 3, &a);
        ck_assert(tt_param_contains(&s->params[0], a.x[0]) && a.x[1] == 0.0);
        seen[(int)a.x[0]] = true;
        hist_push(&h, &a, TT_TRIAL_COMPLETED, a.x[0]);
    }
    ck_assert(seen[0] && seen[1] && seen[2]);
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_cmaes_parallel)
{
    tt_space *s = box_space(4); /* lambda 8 */
    hist h = {0};
    run_sequential(TT_METHOD_CMAES, s, 5, 16, &h);
    /* 12 workers ask at once: placeholders fill generation 2 and spill into
     * generation 3; every suggestion differs from every other. */
    tt_assignment a = tt_assignment_new(s->n);
    for (int w = 0; w < 12; w++) {
        suggest(TT_METHOD_CMAES, s, &h, 5, &a);
        for (size_t t = 0; t < h.n; t++)
            ck_assert(!same_point(&a, &h.obs[t].params));
        hist_push(&h, &a, TT_TRIAL_RUNNING, NAN);
    }
    /* A failed member is skipped: its replacement is a new draw, not a copy
     * of the draw that now sits in its slot. */
    h.obs[18].state = TT_TRIAL_FAILED;
    suggest(TT_METHOD_CMAES, s, &h, 5, &a);
    for (size_t t = 0; t < h.n; t++)
        ck_assert(!same_point(&a, &h.obs[t].params));
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_cmaes_running_are_placeholders)
{
    /* Generation 0 in 4-D has 8 slots. Whether trials 0..4 are still
     * running or already completed (in any order of values), trial 5 is
     * slot 5 of generation 0, drawn from the initial distribution. */
    tt_space *s = box_space(4);
    hist running = {0};
    tt_assignment a = tt_assignment_new(s->n), b = tt_assignment_new(s->n);
    for (int t = 0; t < 5; t++) {
        suggest(TT_METHOD_CMAES, s, &running, 8, &a);
        hist_push(&running, &a, TT_TRIAL_RUNNING, NAN);
    }
    suggest(TT_METHOD_CMAES, s, &running, 8, &a);
    for (int t = 0; t < 5; t++) {
        running.obs[t].state = TT_TRIAL_COMPLETED;
        running.obs[t].value = (double)((t * 3) % 5);
    }
    suggest(TT_METHOD_CMAES, s, &running, 8, &b);
    ck_assert(same_point(&a, &b));
    /* A sequential study draws the same first five (generation 0 is
     * incomplete throughout). */
    hist full = {0};
    run_sequential(TT_METHOD_CMAES, s, 8, 8, &full);
    for (int t = 0; t < 5; t++)
        ck_assert(same_point(&full.obs[t].params, &running.obs[t].params));
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&running);
    hist_free(&full);
    tt_space_free(s);
}
END_TEST

START_TEST(test_cmaes_maximize_mirrors_minimize)
{
    check_maximize_mirrors_minimize(TT_METHOD_CMAES);
}
END_TEST

START_TEST(test_cmaes_beats_random)
{
    tt_space *s = box_space(4);
    double random = median_best(TT_METHOD_RANDOM, s), cma = median_best(TT_METHOD_CMAES, s);
    ck_assert_msg(cma < 0.5 * random, "cmaes median regret %g, random %g", cma, random);
    tt_space_free(s);
}
END_TEST

START_TEST(test_cmaes_async_workers)
{
    /* Three workers, trials finishing in a shuffled order: stale draws and
     * out-of-order completion still converge. */
    tt_space *s = box_space(4);
    hist h = {0};
    tt_assignment a = tt_assignment_new(s->n);
    tt_rng rng;
    tt_rng_seed(&rng, 99);
    size_t live[3], n_live = 0;
    double best = INFINITY;
    for (int t = 0; t < 160; t++) {
        suggest(TT_METHOD_CMAES, s, &h, 21, &a);
        hist_push(&h, &a, TT_TRIAL_RUNNING, NAN);
        live[n_live++] = h.n - 1;
        if (n_live == 3) {
            size_t k = (size_t)tt_rng_below(&rng, 3);
            tt_observation *o = &h.obs[live[k]];
            o->state = TT_TRIAL_COMPLETED;
            o->value = sphere(&o->params);
            best = fmin(best, o->value);
            live[k] = live[--n_live];
        }
    }
    ck_assert_msg(best < 0.05, "best %g", best);
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

Suite *suite_cmaes(void)
{
    Suite *s = suite_create("cmaes");
    tt_add_tcase(s, "algorithm", 0,
                 TT_TESTS(test_cma_weights, test_cma_eigen_by_hand, test_cma_update_on_sphere,
                          test_cma_sigma_grows_on_slope, test_cma_foreign_clipped));
    tt_add_tcase(s, "sampler", 30,
                 TT_TESTS(test_cmaes_available, test_cmaes_determinism_and_resume,
                          test_cmaes_every_kind, test_cmaes_categorical_only, test_cmaes_parallel,
                          test_cmaes_running_are_placeholders, test_cmaes_maximize_mirrors_minimize,
                          test_cmaes_beats_random, test_cmaes_async_workers));
    return s;
}
