/*
 * Tests of the sampler module: method and state names, W&B-style grid search
 * (order, sizes, conditions, resuming from any history), and random and
 * Sobol search through spaces. The Sobol sequence itself is tested in
 * test_sobol.c. Spaces are built with the space API directly, never through
 * the YAML loader.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

#include "sampler_fixtures.h"
#include "check_util.h"

/* ---- histories ---- */

/* Append a as a running trial, as `tunetop suggest` leaves it. */
static void push_running(hist *h, const tt_assignment *a)
{
    hist_push(h, a, TT_TRIAL_RUNNING, NAN);
}

/* One suggestion appended to h as a running trial, as `tunetop suggest`
 * does. Returns the sampler's code. */
static int suggest_next(tt_method m, const tt_space *s, hist *h, uint64_t seed, tt_error *err)
{
    tt_assignment a = tt_assignment_new(s->n);
    tt_history view = hist_view(h);
    int rc = tt_sampler_suggest(m, s, &view, seed, &a, err);
    if (rc == 0)
        push_running(h, &a);
    tt_assignment_free(&a);
    return rc;
}

/* The text of a point ("1|0.5|-|2"), inactive parameters as "-". */
static char *point_key(const tt_assignment *a)
{
    tt_buf b = {0};
    for (size_t i = 0; i < a->n; i++) {
        if (a->active[i])
            tt_buf_printf(&b, "%.17g|", a->x[i]);
        else
            tt_buf_puts(&b, "-|");
    }
    return tt_buf_take(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run grid search to exhaustion; checks that every point is valid and
 * distinct and that the end is reported as EXHAUSTED. Returns the count. */
static size_t grid_run_all(const tt_space *s, hist *h, size_t limit)
{
    tt_error err = {0};
    size_t start = h->n;
    int rc;
    while ((rc = suggest_next(TT_METHOD_GRID, s, h, 7, &err)) == 0)
        ck_assert_msg(h->n - start <= limit, "grid did not stop after %zu points", limit);
    ck_assert_int_eq(rc, -TT_ERR_EXHAUSTED);
    size_t count = h->n - start;
    char **keys = tt_xcalloc(count + 1, sizeof *keys);
    for (size_t t = 0; t < count; t++) {
        const tt_assignment *a = &h->obs[start + t].params;
        for (size_t i = 0; i < s->n; i++) {
            if (a->active[i])
                ck_assert_msg(tt_param_contains(&s->params[i], a->x[i]), "%s = %g",
                              s->params[i].name, a->x[i]);
            else
                ck_assert(a->x[i] == 0.0);
        }
        keys[t] = point_key(a);
    }
    qsort(keys, count, sizeof *keys, cmp_str);
    for (size_t t = 0; t + 1 < count; t++)
        ck_assert_msg(strcmp(keys[t], keys[t + 1]) != 0, "grid repeated %s", keys[t]);
    for (size_t t = 0; t < count; t++)
        free(keys[t]);
    free(keys);
    return count;
}

/* ---- names ---- */

START_TEST(test_names)
{
    static const char *const methods[] = {"grid", "random", "sobol", "bayes",
                                          "tpe",  "gp",     "evolution", "cmaes"};
    ck_assert_int_eq(TT_METHOD_COUNT, 8);
    for (int m = 0; m < TT_METHOD_COUNT; m++) {
        ck_assert_str_eq(tt_method_name((tt_method)m), methods[m]);
        ck_assert_int_eq(tt_method_from_name(methods[m]), m);
        /* The model-based samplers each check their own availability. */
        if (m <= TT_METHOD_SOBOL)
            ck_assert(tt_method_available((tt_method)m));
    }
    ck_assert_int_eq(tt_method_from_name("Grid"), -1);
    ck_assert_int_eq(tt_method_from_name("hyperband"), -1);
    ck_assert_int_eq(tt_method_from_name(""), -1);
    static const char *const states[] = {"queued", "running", "completed", "pruned",
                                         "failed", "killed",  "timeout",   "interrupted"};
    ck_assert_int_eq(TT_TRIAL_STATE_COUNT, 8);
    for (int st = 0; st < TT_TRIAL_STATE_COUNT; st++) {
        ck_assert_str_eq(tt_trial_state_name((tt_trial_state)st), states[st]);
        /* the store parses what it wrote with the same table (vocab.h) */
        ck_assert_int_eq(tt_trial_state_from_name(states[st]), st);
    }
    ck_assert_str_eq(tt_trial_state_name(TT_TRIAL_STATE_COUNT), "unknown");
    ck_assert_int_eq(tt_trial_state_from_name("Completed"), -1);
    ck_assert_int_eq(tt_trial_state_from_name(NULL), -1);
    ck_assert_str_eq(tt_goal_name(TT_GOAL_MINIMIZE), "minimize");
    ck_assert_str_eq(tt_goal_name(TT_GOAL_MAXIMIZE), "maximize");
    ck_assert_int_eq(tt_goal_from_name("maximize"), TT_GOAL_MAXIMIZE);
    ck_assert_int_eq(tt_goal_from_name("minimize"), TT_GOAL_MINIMIZE);
    ck_assert_int_eq(tt_goal_from_name("max"), -1);
}
END_TEST

START_TEST(test_unavailable_method)
{
    tt_space *s = tt_space_new();
    add_range(s, "x", TT_DIST_UNIFORM, 0, 1, 1);
    finish(s);
    hist h = {0};
    tt_error err = {0};
    /* Every method is implemented now; an unknown code is still refused. */
    ck_assert_int_eq(suggest_next((tt_method)TT_METHOD_COUNT, s, &h, 1, &err), -TT_ERR_INVALID);
    ck_assert(strstr(err.msg, "unknown sampling method") != NULL);
    ck_assert_int_eq(h.n, 0);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

/* ---- grid ---- */

/* opt ∈ {a, b} × n ∈ int_uniform[1, 3] × c = constant 7. */
static tt_space *small_grid(void)
{
    tt_space *s = tt_space_new();
    tt_value opts[] = {v_str("a"), v_str("b")};
    add_values(s, "opt", 2, opts);
    add_range(s, "n", TT_DIST_INT_UNIFORM, 1, 3, 1);
    add_constant_value(s, "c", v_int(7));
    finish(s);
    return s;
}

START_TEST(test_grid_order)
{
    tt_space *s = small_grid();
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 6);
    hist h = {0};
    /* First parameter slowest, as W&B's itertools.product. */
    static const double want[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 1}, {1, 2}, {1, 3}};
    for (size_t t = 0; t < 6; t++) {
        ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 12345, &err), 0);
        const tt_assignment *a = &h.obs[t].params;
        ck_assert(a->active[0] && a->active[1] && a->active[2]);
        ck_assert_double_eq(a->x[0], want[t][0]);
        ck_assert_double_eq(a->x[1], want[t][1]);
        ck_assert_double_eq(a->x[2], 0.0);
    }
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 12345, &err), -TT_ERR_EXHAUSTED);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 12345, &err), -TT_ERR_EXHAUSTED);
    ck_assert_uint_eq(h.n, 6);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_seed_irrelevant)
{
    tt_space *s = small_grid();
    hist h1 = {0}, h2 = {0};
    tt_error err = {0};
    for (int t = 0; t < 4; t++) {
        ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h1, 1, &err), 0);
        ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h2, 987654321, &err), 0);
        ck_assert_double_eq(h1.obs[t].params.x[0], h2.obs[t].params.x[0]);
        ck_assert_double_eq(h1.obs[t].params.x[1], h2.obs[t].params.x[1]);
    }
    hist_free(&h1);
    hist_free(&h2);
    tt_space_free(s);
}
END_TEST

/* values × int_uniform × q_uniform × q_uniform × constant. */
START_TEST(test_grid_mixed_size_and_exhaustion)
{
    tt_space *s = tt_space_new();
    tt_value vals[] = {v_str("relu"), v_str("tanh"), v_str("gelu")};
    add_values(s, "act", 3, vals);                              /* 3 */
    add_range(s, "layers", TT_DIST_INT_UNIFORM, 1, 4, 1);       /* 4 */
    add_range(s, "drop", TT_DIST_Q_UNIFORM, 0, 1, 0.3);         /* 0 .3 .6 .9 */
    add_range(s, "shift", TT_DIST_Q_UNIFORM, -1, 1, 0.5);       /* -1 -.5 0 .5 1 */
    add_constant_value(s, "epochs", v_int(10));                       /* 1 */
    finish(s);
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 3 * 4 * 4 * 5);

    hist h = {0};
    ck_assert_uint_eq(grid_run_all(s, &h, 240), 240);
    /* The last parameter turns fastest. */
    const double *x0 = h.obs[0].params.x, *x1 = h.obs[1].params.x, *x5 = h.obs[5].params.x;
    ck_assert_double_eq(x0[0], 0);
    ck_assert_double_eq(x0[1], 1);
    ck_assert_double_eq(x0[2], 0);
    ck_assert_double_eq(x0[3], -1);
    ck_assert_double_eq(x1[3], -0.5);
    ck_assert_double_eq(x1[2], 0);
    ck_assert_double_eq(x5[3], -1);
    ck_assert_double_eq_tol(x5[2], 0.3, 1e-12);
    const double *xl = h.obs[239].params.x;
    ck_assert_double_eq(xl[0], 2);
    ck_assert_double_eq(xl[1], 4);
    ck_assert_double_eq_tol(xl[2], 0.9, 1e-12);
    ck_assert_double_eq(xl[3], 1);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_continuous_error)
{
    tt_space *s = tt_space_new();
    tt_value vals[] = {v_int(16), v_int(32)};
    add_values(s, "batch", 2, vals);
    add_range(s, "lr", TT_DIST_UNIFORM, 0.001, 0.1, 1);
    finish(s);
    static const char msg[] = "grid search needs a finite set of values; parameter 'lr' is "
                              "uniform: give `values`, or `distribution: q_uniform`/`int_uniform`";
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 0);
    ck_assert_str_eq(err.msg, msg);
    hist h = {0};
    memset(&err, 0, sizeof err);
    int rc = suggest_next(TT_METHOD_GRID, s, &h, 1, &err);
    ck_assert_int_lt(rc, 0);
    ck_assert_int_ne(rc, -TT_ERR_EXHAUSTED);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_uint_eq(h.n, 0);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

/* optimizer ∈ {adam, sgd}; momentum only for sgd, beta1 only for adam;
 * nesterov only when momentum is 0.9; lr always. Distinct configurations:
 * adam: 2 beta1 × 2 lr = 4; sgd: (0.0, 0.5, 0.9 × 2 nesterov) × 2 lr = 8. */
static tt_space *conditional_space(bool child_first)
{
    tt_space *s = tt_space_new();
    tt_value opts[] = {v_str("adam"), v_str("sgd")};
    tt_value moms[] = {v_float(0.0), v_float(0.5), v_float(0.9)};
    tt_value betas[] = {v_float(0.9), v_float(0.99)};
    tt_value nest[] = {v_bool(true), v_bool(false)};
    tt_value lrs[] = {v_float(0.1), v_float(0.01)};
    tt_value sgd = v_str("sgd"), adam = v_str("adam"), m09 = v_float(0.9);
    size_t nesterov = 0, momentum;
    if (child_first) {
        nesterov = add_values(s, "nesterov", 2, nest);
        momentum = add_values(s, "momentum", 3, moms);
        add_values(s, "optimizer", 2, opts);
    } else {
        add_values(s, "optimizer", 2, opts);
        momentum = add_values(s, "momentum", 3, moms);
    }
    size_t beta1 = add_values(s, "beta1", 2, betas);
    if (!child_first)
        nesterov = add_values(s, "nesterov", 2, nest);
    add_values(s, "lr", 2, lrs);
    add_condition_values(s, momentum, "optimizer", 1, &sgd);
    add_condition_values(s, beta1, "optimizer", 1, &adam);
    add_condition_values(s, nesterov, "momentum", 1, &m09);
    finish(s);
    return s;
}

START_TEST(test_grid_conditional)
{
    for (int child_first = 0; child_first <= 1; child_first++) {
        tt_space *s = conditional_space(child_first);
        tt_error err = {0};
        ck_assert_uint_eq(tt_grid_size(s, &err), 12);
        hist h = {0};
        ck_assert_uint_eq(grid_run_all(s, &h, 100), 12);
        long opt = tt_space_find(s, "optimizer"), mom = tt_space_find(s, "momentum");
        long beta = tt_space_find(s, "beta1"), nest = tt_space_find(s, "nesterov");
        size_t n_sgd = 0, n_nest = 0;
        for (size_t t = 0; t < h.n; t++) {
            const tt_assignment *a = &h.obs[t].params;
            bool is_sgd = a->x[opt] == 1.0;
            n_sgd += is_sgd;
            ck_assert(a->active[mom] == is_sgd);
            ck_assert(a->active[beta] == !is_sgd);
            ck_assert(a->active[nest] == (is_sgd && a->x[mom] == 2.0));
            n_nest += a->active[nest];
        }
        ck_assert_uint_eq(n_sgd, 8);
        ck_assert_uint_eq(n_nest, 4);
        if (!child_first) {
            /* Declaration order: optimizer, momentum, beta1, nesterov, lr. */
            const tt_assignment *a = &h.obs[0].params;
            ck_assert(a->x[opt] == 0 && !a->active[mom] && a->x[beta] == 0 && a->x[4] == 0);
            a = &h.obs[1].params;
            ck_assert(a->x[opt] == 0 && a->x[beta] == 0 && a->x[4] == 1);
            a = &h.obs[4].params;
            ck_assert(a->x[opt] == 1 && a->x[mom] == 0 && !a->active[beta] && a->x[4] == 0);
        }
        hist_free(&h);
        tt_space_free(s);
    }
}
END_TEST

START_TEST(test_grid_duplicate_values)
{
    /* W&B hashes values, so a value listed twice runs once. */
    tt_space *s = tt_space_new();
    tt_value vals[] = {v_int(1), v_int(1), v_int(2)};
    add_values(s, "k", 3, vals);
    add_range(s, "n", TT_DIST_INT_UNIFORM, 0, 1, 1);
    finish(s);
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 4);
    hist h = {0};
    ck_assert_uint_eq(grid_run_all(s, &h, 10), 4);
    ck_assert_double_eq(h.obs[2].params.x[0], 2);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_resume_any_subset)
{
    tt_space *s = small_grid();
    hist h = {0};
    /* An enqueued point out of order, a retried one, one from an older
     * space (other size) and one off the grid. */
    hist_push_x(&h, 3, (double[]){1, 2, 0}, TT_TRIAL_RUNNING, NAN);
    hist_push_x(&h, 3, (double[]){0, 1, 0}, TT_TRIAL_RUNNING, NAN);
    hist_push_x(&h, 3, (double[]){1, 2, 0}, TT_TRIAL_RUNNING, NAN);
    hist_push_x(&h, 2, (double[]){0, 2}, TT_TRIAL_RUNNING, NAN);
    hist_push_x(&h, 3, (double[]){0, 2.5, 0}, TT_TRIAL_RUNNING, NAN);
    tt_error err = {0};
    static const double want[4][2] = {{0, 2}, {0, 3}, {1, 1}, {1, 3}};
    for (size_t t = 0; t < 4; t++) {
        ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 3, &err), 0);
        ck_assert_double_eq(h.obs[h.n - 1].params.x[0], want[t][0]);
        ck_assert_double_eq(h.obs[h.n - 1].params.x[1], want[t][1]);
    }
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 3, &err), -TT_ERR_EXHAUSTED);
    hist_free(&h);

    /* Values that went through arithmetic or text still match: 0.1 * 3 is
     * 0.30000000000000004, the grid holds 0.3. */
    tt_space *q = tt_space_new();
    add_range(q, "p", TT_DIST_Q_UNIFORM, 0, 1, 0.1);
    finish(q);
    ck_assert_uint_eq(tt_grid_size(q, &err), 11);
    for (int k = 10; k >= 0; k--)
        if (k != 7)
            hist_push_x(&h, 1, (double[]){k * 0.1}, TT_TRIAL_RUNNING, NAN);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, q, &h, 3, &err), 0);
    ck_assert_double_eq_tol(h.obs[h.n - 1].params.x[0], 0.7, 1e-12);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, q, &h, 3, &err), -TT_ERR_EXHAUSTED);
    hist_free(&h);
    tt_space_free(q);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_large_history)
{
    /* 100 × 100 × 10 = 10^5 points, 10^5 - 1 of them already run (in
     * reverse order): one suggestion must find the missing one quickly. */
    tt_space *s = tt_space_new();
    add_range(s, "a", TT_DIST_INT_UNIFORM, 0, 99, 1);
    add_range(s, "b", TT_DIST_INT_UNIFORM, 0, 99, 1);
    add_range(s, "c", TT_DIST_INT_UNIFORM, 0, 9, 1);
    finish(s);
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 100000);
    hist h = {0};
    for (long p = 99999; p >= 0; p--)
        if (p != 77777)
            hist_push_x(&h, 3,
                        (double[]){(double)(p / 1000), (double)(p / 10 % 100), (double)(p % 10)},
                        TT_TRIAL_RUNNING, NAN);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), 0);
    const double *x = h.obs[h.n - 1].params.x;
    ck_assert_double_eq(x[0], 77);
    ck_assert_double_eq(x[1], 77);
    ck_assert_double_eq(x[2], 7);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), -TT_ERR_EXHAUSTED);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_huge_sizes)
{
    tt_value ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = v_int(i);
    char name[32];
    tt_error err = {0};

    /* 10^15 exactly; 10^20 saturates. Neither may enumerate. */
    tt_space *s = tt_space_new();
    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof name, "p%d", i);
        add_values(s, name, 10, ten);
    }
    finish(s);
    ck_assert_uint_eq(tt_grid_size(s, &err), (size_t)1000000000000000ULL);
    for (int i = 15; i < 20; i++) {
        snprintf(name, sizeof name, "p%d", i);
        add_values(s, name, 10, ten);
    }
    finish(s);
    ck_assert_uint_eq(tt_grid_size(s, &err), SIZE_MAX);
    hist h = {0};
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), 0);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), 0);
    ck_assert_double_eq(h.obs[1].params.x[19], 1);
    hist_free(&h);
    tt_space_free(s);

    /* switch ∈ {0, 1}; 15 children of 10 values active when switch = 1;
     * 4 free parameters: (1 + 10^15) × 10^4 configurations. */
    s = tt_space_new();
    tt_value sw[] = {v_int(0), v_int(1)};
    tt_value one = v_int(1);
    add_values(s, "switch", 2, sw);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "free%d", i);
        add_values(s, name, 10, ten);
    }
    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof name, "child%d", i);
        size_t c = add_values(s, name, 10, ten);
        add_condition_values(s, c, "switch", 1, &one);
    }
    finish(s);
    ck_assert_uint_eq(tt_grid_size(s, &err), (size_t)10000000000000010000ULL);
    /* All switch = 0 points run: the next one is the first with switch = 1,
     * reached without walking the 10^15 duplicates in between. */
    for (long p = 0; p < 10000; p++) {
        double x[20] = {0, (double)(p / 1000), (double)(p / 100 % 10), (double)(p / 10 % 10),
                        (double)(p % 10)};
        tt_assignment a = tt_assignment_new(20);
        memcpy(a.x, x, sizeof x);
        for (int i = 0; i < 20; i++)
            a.active[i] = i < 5;
        push_running(&h, &a);
        tt_assignment_free(&a);
    }
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), 0);
    const tt_assignment *a = &h.obs[h.n - 1].params;
    ck_assert_double_eq(a->x[0], 1);
    for (int i = 1; i < 20; i++) {
        ck_assert(a->active[i]);
        ck_assert_double_eq(a->x[i], 0);
    }
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid_empty_space)
{
    tt_space *s = tt_space_new();
    finish(s);
    tt_error err = {0};
    ck_assert_uint_eq(tt_grid_size(s, &err), 1);
    hist h = {0};
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), 0);
    ck_assert_int_eq(suggest_next(TT_METHOD_GRID, s, &h, 0, &err), -TT_ERR_EXHAUSTED);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

/* ---- random and sobol ---- */

/* One parameter of each common kind. */
static tt_space *mixed_space(void)
{
    tt_space *s = tt_space_new();
    tt_value vals[] = {v_str("a"), v_str("b"), v_str("c")};
    add_values(s, "cat", 3, vals);
    add_constant_value(s, "const", v_str("fixed"));
    add_range(s, "int", TT_DIST_INT_UNIFORM, -3, 5, 1);
    add_range(s, "uni", TT_DIST_UNIFORM, 0.5, 2.5, 1);
    add_range(s, "q", TT_DIST_Q_UNIFORM, 0, 1, 0.25);
    add_range(s, "logv", TT_DIST_LOG_UNIFORM_VALUES, 1e-5, 1e-1, 1);
    add_range(s, "qlog", TT_DIST_Q_LOG_UNIFORM_VALUES, 1, 1024, 1);
    add_range(s, "norm", TT_DIST_NORMAL, 0, 1, 1);
    add_range(s, "qnorm", TT_DIST_Q_NORMAL, 10, 3, 0.5);
    finish(s);
    return s;
}

static void check_determinism(tt_method m)
{
    tt_space *s = mixed_space();
    hist a = {0}, b = {0}, c = {0};
    tt_error err = {0};
    for (int t = 0; t < 64; t++) {
        ck_assert_int_eq(suggest_next(m, s, &a, 42, &err), 0);
        ck_assert_int_eq(suggest_next(m, s, &b, 42, &err), 0);
        ck_assert_int_eq(suggest_next(m, s, &c, 43, &err), 0);
    }
    size_t differ_seed = 0, differ_step = 0;
    for (int t = 0; t < 64; t++) {
        const tt_assignment *pa = &a.obs[t].params, *pb = &b.obs[t].params;
        const tt_assignment *pc = &c.obs[t].params;
        for (size_t i = 0; i < s->n; i++) {
            ck_assert(pa->active[i]);
            ck_assert_msg(tt_param_contains(&s->params[i], pa->x[i]), "%s: %s = %.17g",
                          tt_method_name(m), s->params[i].name, pa->x[i]);
            ck_assert(pa->x[i] == pb->x[i]);
        }
        differ_seed += pa->x[3] != pc->x[3];
        if (t > 0)
            differ_step += pa->x[3] != a.obs[t - 1].params.x[3];
    }
    ck_assert_uint_eq(differ_seed, 64);
    ck_assert_uint_eq(differ_step, 63);
    /* Every category and both ends of the int range show up in 64 draws. */
    bool seen_cat[3] = {false}, seen_lo = false, seen_hi = false;
    for (int t = 0; t < 64; t++) {
        seen_cat[(int)a.obs[t].params.x[0]] = true;
        seen_lo |= a.obs[t].params.x[2] == -3;
        seen_hi |= a.obs[t].params.x[2] == 5;
    }
    ck_assert(seen_cat[0] && seen_cat[1] && seen_cat[2] && seen_lo && seen_hi);
    /* Pure: the same history length and seed give the same point. */
    tt_assignment again = tt_assignment_new(s->n);
    tt_history view = hist_view(&a);
    view.n = 17;
    ck_assert_int_eq(tt_sampler_suggest(m, s, &view, 42, &again, &err), 0);
    for (size_t i = 0; i < s->n; i++)
        ck_assert(again.x[i] == a.obs[17].params.x[i]);
    tt_assignment_free(&again);
    hist_free(&a);
    hist_free(&b);
    hist_free(&c);
    tt_space_free(s);
}

START_TEST(test_random_determinism)
{
    check_determinism(TT_METHOD_RANDOM);
}
END_TEST

START_TEST(test_sobol_determinism)
{
    check_determinism(TT_METHOD_SOBOL);
}
END_TEST

START_TEST(test_random_conditional)
{
    tt_space *s = conditional_space(false);
    hist h = {0};
    tt_error err = {0};
    for (int t = 0; t < 50; t++) {
        ck_assert_int_eq(suggest_next(TT_METHOD_RANDOM, s, &h, 5, &err), 0);
        ck_assert_int_eq(suggest_next(TT_METHOD_SOBOL, s, &h, 5, &err), 0);
    }
    long opt = tt_space_find(s, "optimizer"), mom = tt_space_find(s, "momentum");
    for (size_t t = 0; t < h.n; t++) {
        const tt_assignment *a = &h.obs[t].params;
        ck_assert(a->active[mom] == (a->x[opt] == 1.0));
        if (!a->active[mom])
            ck_assert(a->x[mom] == 0.0);
    }
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_sobol_suggest_uses_trial_number)
{
    tt_space *s = tt_space_new();
    add_range(s, "x", TT_DIST_UNIFORM, 0, 1, 1);
    add_range(s, "y", TT_DIST_UNIFORM, -1, 1, 1);
    finish(s);
    hist h = {0};
    tt_error err = {0};
    for (int t = 0; t < 16; t++)
        ck_assert_int_eq(suggest_next(TT_METHOD_SOBOL, s, &h, 77, &err), 0);
    double u[2];
    for (int t = 0; t < 16; t++) {
        ck_assert_int_eq(tt_sobol_point(2, (uint64_t)t, 77, u, &err), 0);
        ck_assert_double_eq_tol(h.obs[t].params.x[0], u[0], 1e-12);
        ck_assert_double_eq_tol(h.obs[t].params.x[1], -1 + 2 * u[1], 1e-12);
    }
    /* 16 points of a 2-D Sobol net: one per row of a 16-row split of x. */
    bool row[16] = {false};
    for (int t = 0; t < 16; t++) {
        int r = (int)(h.obs[t].params.x[0] * 16);
        ck_assert(!row[r]);
        row[r] = true;
    }
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

Suite *suite_sampler(void)
{
    Suite *s = suite_create("sampler");
    tt_add_tcase(s, "names", 0, TT_TESTS(test_names, test_unavailable_method));
    tt_add_tcase(s, "grid", 30,
                 TT_TESTS(test_grid_order, test_grid_seed_irrelevant,
                          test_grid_mixed_size_and_exhaustion, test_grid_continuous_error,
                          test_grid_conditional, test_grid_duplicate_values,
                          test_grid_resume_any_subset, test_grid_large_history,
                          test_grid_huge_sizes, test_grid_empty_space));
    tt_add_tcase(s, "random_sobol", 60,
                 TT_TESTS(test_random_determinism, test_sobol_determinism, test_random_conditional,
                          test_sobol_suggest_uses_trial_number));
    return s;
}
