/*
 * Tests of the importance module (tt_importance_compute) on objectives
 * whose importance is known in closed form: fANOVA fractions within 0.05
 * of the truth at 500 trials (linear, additive with chosen variances, a
 * log and a categorical parameter with its probabilities, a product whose
 * interaction is 1/7 of the variance), PED-ANOVA and Spearman on clear
 * cases, ties, conditional parameters, constant objectives and tiny
 * studies (all zero, no crash), determinism, every interval within [0, 1]
 * around its value (few trials included), and the mapping of a study's
 * trial rows onto the space.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/importance/internal.h"
#include "e2e.h"
#include "tunetop/config.h"
#include "tunetop/importance.h"
#include "tunetop/store.h"
#include "check_util.h"

#define TOL 0.05

/* Trials drawn from the space's prior, with y = fn(x). */
typedef struct study {
    tt_sweep *sweep;
    size_t n;
    double **x;
    bool **active;
    double *y;
} study;

static tt_sweep *load(const char *params)
{
    char *text = tt_xasprintf("method: random\ncommand: [x]\nparameters:\n%s", params);
    tt_diags diags = {0};
    tt_sweep *sw = tt_sweep_load_text("test", text, strlen(text), &diags);
    if (!sw)
        tt_diags_print(&diags, stderr);
    ck_assert_ptr_nonnull(sw);
    tt_diags_free(&diags);
    free(text);
    return sw;
}

static void make_study(study *s, const char *params, size_t n, uint64_t seed,
                       double (*fn)(const double *x, const bool *active))
{
    s->sweep = load(params);
    const tt_space *sp = s->sweep->space;
    s->n = n;
    s->x = tt_xcalloc(n + 1, sizeof *s->x);
    s->active = tt_xcalloc(n + 1, sizeof *s->active);
    s->y = tt_xcalloc(n + 1, sizeof *s->y);
    tt_rng rng;
    tt_rng_seed(&rng, seed);
    tt_assignment a = tt_assignment_new(sp->n);
    for (size_t t = 0; t < n; t++) {
        tt_space_sample(sp, &rng, &a);
        s->x[t] = tt_xmalloc(sp->n * sizeof **s->x);
        s->active[t] = tt_xmalloc(sp->n * sizeof **s->active);
        memcpy(s->x[t], a.x, sp->n * sizeof **s->x);
        memcpy(s->active[t], a.active, sp->n * sizeof **s->active);
        s->y[t] = fn(a.x, a.active);
    }
    tt_assignment_free(&a);
}

static void free_study(study *s)
{
    for (size_t t = 0; t < s->n; t++) {
        free(s->x[t]);
        free(s->active[t]);
    }
    free(s->x);
    free(s->active);
    free(s->y);
    tt_sweep_free(s->sweep);
}

static void compute(const study *s, tt_importance_method m, uint64_t seed,
                    tt_importance_result *r)
{
    tt_error err = {0};
    int rc = tt_importance_compute(m, s->sweep->space, (const double *const *)s->x,
                                   (const bool *const *)s->active, s->y, s->n, seed, r, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq((int)r->method, (int)m);
    ck_assert_uint_eq(r->n_trials, s->n);
    /* the contract every method keeps */
    for (size_t i = 0; i < r->n; i++) {
        const tt_importance_param *p = &r->params[i];
        ck_assert(isfinite(p->value) && p->value >= 0 && p->value <= 1 + 1e-9);
        ck_assert_msg(0 <= p->low && p->low <= p->value + 1e-12 &&
                          p->value <= p->high + 1e-12 && p->high <= 1,
                      "%s: %g not in [%g, %g] within [0, 1]",
                      s->sweep->space->params[p->param].name, p->value, p->low, p->high);
        if (i > 0)
            ck_assert(r->params[i - 1].value >= p->value);
    }
    for (size_t i = 0; i < r->n_pairs; i++) {
        const tt_importance_pair *q = &r->pairs[i];
        ck_assert_msg(0 <= q->low && q->low <= q->value && q->value <= q->high && q->high <= 1,
                      "pair %zu x %zu: %g not in [%g, %g] within [0, 1]", q->a, q->b, q->value,
                      q->low, q->high);
    }
}

/* The importance of the parameter called name in r. */
static const tt_importance_param *find(const study *s, const tt_importance_result *r,
                                       const char *name)
{
    long i = tt_space_find(s->sweep->space, name);
    ck_assert_int_ge(i, 0);
    for (size_t k = 0; k < r->n; k++)
        if (r->params[k].param == (size_t)i)
            return &r->params[k];
    ck_abort_msg("%s missing from the result", name);
    return NULL;
}

static void expect(const study *s, const tt_importance_result *r, const char *name, double want)
{
    double got = find(s, r, name)->value;
    ck_assert_msg(fabs(got - want) <= TOL, "%s: importance %.4f, want %.4f +- %.2f", name, got,
                  want, TOL);
}

static const char *const uniform3 = "  x1: {min: 0.0, max: 1.0}\n"
                                    "  x2: {min: 0.0, max: 1.0}\n"
                                    "  x3: {min: 0.0, max: 1.0}\n";

static double linear(const double *x, const bool *active)
{
    (void)active;
    return 10 * x[0] + x[1] + 0 * x[2];
}

START_TEST(test_fanova_linear)
{
    /* variances 100/12, 1/12, 0: fractions 100/101, 1/101, 0 */
    study s;
    make_study(&s, uniform3, 500, 1, linear);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 7, &r);
    ck_assert_uint_eq(r.n, 3);
    expect(&s, &r, "x1", 100.0 / 101);
    expect(&s, &r, "x2", 1.0 / 101);
    expect(&s, &r, "x3", 0);
    ck_assert_uint_eq(r.params[0].param, 0);
    ck_assert_uint_eq(r.params[1].param, 1);
    double sum = 0;
    for (size_t i = 0; i < r.n; i++)
        sum += r.params[i].value;
    ck_assert_double_eq_tol(sum, 1, 1e-9);
    /* an additive objective: main effects explain (almost) everything */
    ck_assert_double_ge(r.explained, 0.95);
    ck_assert_double_le(r.explained, 1.0 + 1e-9);
    for (size_t i = 0; i < r.n_pairs; i++)
        ck_assert_double_le(r.pairs[i].value, 0.02);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

/* Additive, with chosen variances 0.5, 0.3, 0.2 (and an idle x4): a
 * linear term (var 1/12 per unit), a sine (var 1/2), a step (var 1/4). */
static double additive(const double *x, const bool *active)
{
    (void)active;
    return sqrt(12 * 0.5) * x[0] + sqrt(2 * 0.3) * sin(2 * M_PI * x[1]) +
           2 * sqrt(0.2) * (x[2] > 0.5 ? 1 : 0);
}

START_TEST(test_fanova_additive)
{
    study s;
    make_study(&s,
               "  x1: {min: 0.0, max: 1.0}\n  x2: {min: 0.0, max: 1.0}\n"
               "  x3: {min: 0.0, max: 1.0}\n  x4: {min: 0.0, max: 1.0}\n",
               500, 2, additive);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 1, &r);
    expect(&s, &r, "x1", 0.5);
    expect(&s, &r, "x2", 0.3);
    expect(&s, &r, "x3", 0.2);
    expect(&s, &r, "x4", 0);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

/* lr log-uniform on [1e-4, 1]: log10(lr) is uniform on [-4, 0], var 16/12;
 * opt takes (0, 1, 3) with probabilities (0.5, 0.25, 0.25): mean 1, var
 * 1.5; 0.5 x: var 1/48. Measured in the prior's units, as importance.h
 * promises (over raw lr values the log term would look almost constant). */
static double log_cat(const double *x, const bool *active)
{
    (void)active;
    static const double c[3] = {0, 1, 3};
    return log10(x[0]) + c[(int)x[1]] + 0.5 * x[2];
}

START_TEST(test_fanova_log_and_categorical)
{
    study s;
    make_study(&s,
               "  lr: {distribution: log_uniform_values, min: 0.0001, max: 1.0}\n"
               "  opt: {values: [adam, sgd, rms], probabilities: [0.5, 0.25, 0.25]}\n"
               "  x: {min: 0.0, max: 1.0}\n"
               "  epochs: {value: 3}\n",
               500, 3, log_cat);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 3, &r);
    ck_assert_uint_eq(r.n, 3);    /* the constant is left out */
    double total = 16.0 / 12 + 1.5 + 0.25 / 12;
    expect(&s, &r, "lr", 16.0 / 12 / total);
    expect(&s, &r, "opt", 1.5 / total);
    expect(&s, &r, "x", 0.25 / 12 / total);
    tt_importance_result_free(&r);
    /* PED-ANOVA and corr see the same ranking of the big two over x */
    compute(&s, TT_IMPORTANCE_PED_ANOVA, 3, &r);
    ck_assert_double_gt(find(&s, &r, "lr")->value, find(&s, &r, "x")->value);
    ck_assert_double_gt(find(&s, &r, "opt")->value, find(&s, &r, "x")->value);
    tt_importance_result_free(&r);
    compute(&s, TT_IMPORTANCE_CORR, 3, &r);
    ck_assert_double_gt(find(&s, &r, "lr")->raw, 0.5);   /* larger lr, larger loss */
    ck_assert(isnan(find(&s, &r, "opt")->raw));
    ck_assert_double_gt(find(&s, &r, "opt")->value, 0.5);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

/* A categorical with more choices than a small tree has nodes (11 choices,
 * 6 trials): the cells of every choice must fit the tree's view (this
 * overflowed a buffer and crashed a live runner). */
static double many_choices(const double *x, const bool *active)
{
    (void)active;
    return x[0] * 0.1 + x[1];
}

START_TEST(test_fanova_many_choices_few_trials)
{
    study s;
    make_study(&s,
               "  c: {values: [a, b, c, d, e, f, g, h, i, j, k]}\n"
               "  x: {min: 0.0, max: 1.0}\n",
               6, 5, many_choices);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 5, &r);
    ck_assert_uint_eq(r.n, 2);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

/* x1 x2 on the unit square: main effects var 1/48 each, interaction
 * 1/144, total 7/144: fractions 3/7, 3/7 and 1/7. */
static double product(const double *x, const bool *active)
{
    (void)active;
    return x[0] * x[1];
}

START_TEST(test_fanova_interaction)
{
    study s;
    make_study(&s, uniform3, 500, 4, product);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 4, &r);
    expect(&s, &r, "x1", 0.5);
    expect(&s, &r, "x2", 0.5);
    expect(&s, &r, "x3", 0);
    ck_assert_double_eq_tol(find(&s, &r, "x1")->raw, 3.0 / 7, TOL);
    ck_assert_uint_ge(r.n_pairs, 1);
    ck_assert_uint_eq(r.pairs[0].a, 0);
    ck_assert_uint_eq(r.pairs[0].b, 1);
    ck_assert_double_eq_tol(r.pairs[0].value, 1.0 / 7, TOL);
    ck_assert(r.pairs[0].low <= r.pairs[0].value && r.pairs[0].value <= r.pairs[0].high);
    for (size_t i = 1; i < r.n_pairs; i++)
        ck_assert_double_lt(r.pairs[i].value, 0.02);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

static double constant(const double *x, const bool *active)
{
    (void)x;
    (void)active;
    return 3.25;
}

START_TEST(test_constant_and_tiny)
{
    size_t sizes[] = {0, 1, 2, 3, 200};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        study s;
        make_study(&s,
                   "  x1: {min: 0.0, max: 1.0}\n  c: {values: [a, b]}\n"
                   "  n: {distribution: int_uniform, min: 1, max: 4}\n",
                   sizes[k], 5, constant);
        for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++) {
            tt_importance_result r;
            compute(&s, (tt_importance_method)m, 1, &r);
            ck_assert_uint_eq(r.n, 3);
            for (size_t i = 0; i < r.n; i++) {
                ck_assert_double_eq(r.params[i].value, 0);
                ck_assert_double_eq(r.params[i].low, 0);
                ck_assert_double_eq(r.params[i].high, 0);
            }
            ck_assert_uint_eq(r.n_pairs, 0);
            tt_importance_result_free(&r);
        }
        free_study(&s);
    }
}
END_TEST

START_TEST(test_deterministic)
{
    study s;
    make_study(&s, uniform3, 300, 6, product);
    for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++) {
        tt_importance_result a, b;
        compute(&s, (tt_importance_method)m, 11, &a);
        compute(&s, (tt_importance_method)m, 11, &b);
        ck_assert_uint_eq(a.n, b.n);
        ck_assert_int_eq(memcmp(a.params, b.params, a.n * sizeof *a.params), 0);
        ck_assert_uint_eq(a.n_pairs, b.n_pairs);
        if (a.n_pairs)
            ck_assert_int_eq(memcmp(a.pairs, b.pairs, a.n_pairs * sizeof *a.pairs), 0);
        tt_importance_result_free(&a);
        tt_importance_result_free(&b);
    }
    free_study(&s);
}
END_TEST

/* Issue 15: with few trials and one dominant parameter, fANOVA's interval
 * was the per-tree fractions divided by the forest's mean explained
 * fraction, so a tree whose main effects explain more than the average
 * went above 1: 12 trials of 10 x1 + x2 gave x1 0.947 (0.853-1.059). The
 * interval is now over each tree's own shares, on the share's scale. */
START_TEST(test_intervals_in_unit)
{
    study s;
    make_study(&s, uniform3, 12, 5, linear);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_FANOVA, 5, &r);    /* asserts low <= value <= high <= 1 */
    const tt_importance_param *x1 = find(&s, &r, "x1");
    ck_assert_uint_eq(r.params[0].param, 0);
    ck_assert_double_lt(r.explained, 0.99);      /* the trees disagree: a real spread */
    ck_assert_double_lt(x1->low, x1->value);
    ck_assert_double_gt(x1->high, x1->value);
    tt_importance_result_free(&r);
    free_study(&s);
    /* the same for every method over small studies of a dominant effect
     * and of an interaction (where the main effects explain least) */
    double (*const fns[])(const double *, const bool *) = {linear, product};
    for (size_t k = 0; k < sizeof fns / sizeof *fns; k++)
        for (size_t n = 4; n <= 16; n += 2)
            for (uint64_t seed = 1; seed <= 4; seed++) {
                make_study(&s, uniform3, n, seed, fns[k]);
                for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++) {
                    compute(&s, (tt_importance_method)m, seed, &r);
                    tt_importance_result_free(&r);
                }
                free_study(&s);
            }
}
END_TEST

START_TEST(test_ped_anova)
{
    study s;
    make_study(&s, uniform3, 500, 8, linear);
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_PED_ANOVA, 2, &r);
    ck_assert_uint_eq(r.params[0].param, 0);
    ck_assert_double_gt(r.params[0].value, 0.8);
    ck_assert_double_gt(r.params[0].raw, 0);
    double sum = 0;
    for (size_t i = 0; i < r.n; i++)
        sum += r.params[i].value;
    ck_assert_double_eq_tol(sum, 1, 1e-9);
    ck_assert(isnan(r.explained));
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

START_TEST(test_corr_ties)
{
    /* x = 1, 2, 2, 3 against y = 1, 2, 3, 4: average ranks 1, 2.5, 2.5, 4;
     * rho = 4.5 / sqrt(4.5 * 5) */
    study s;
    make_study(&s, "  n: {distribution: int_uniform, min: 1, max: 3}\n", 4, 9, constant);
    double xs[4] = {1, 2, 2, 3};
    for (size_t t = 0; t < 4; t++) {
        s.x[t][0] = xs[t];
        s.y[t] = (double)t + 1;
    }
    tt_importance_result r;
    compute(&s, TT_IMPORTANCE_CORR, 1, &r);
    double rho = 4.5 / sqrt(22.5);
    ck_assert_double_eq_tol(r.params[0].raw, rho, 1e-12);
    ck_assert_double_eq_tol(r.params[0].value, rho, 1e-12);
    /* Fisher z, se sqrt((1 + rho^2/2) / (n - 3)), 80 %: wide at n = 4 */
    double se = sqrt((1 + rho * rho / 2) / 1.0);
    ck_assert_double_eq_tol(r.params[0].low, tanh(atanh(rho) - 1.2815515655446004 * se), 1e-9);
    ck_assert_double_eq_tol(r.params[0].high, tanh(atanh(rho) + 1.2815515655446004 * se), 1e-9);
    tt_importance_result_free(&r);
    /* y reversed: larger values are better, rho < 0 */
    for (size_t t = 0; t < 4; t++)
        s.y[t] = 4.0 - (double)t;
    compute(&s, TT_IMPORTANCE_CORR, 1, &r);
    ck_assert_double_eq_tol(r.params[0].raw, -rho, 1e-12);
    ck_assert_double_eq_tol(r.params[0].value, rho, 1e-12);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

/* momentum only matters when it is active (optimizer = sgd), and the
 * optimizer alone changes nothing on average: E[f | sgd] = E[f | adam]. */
static double conditional(const double *x, const bool *active)
{
    return (active[1] ? 4 * x[1] : 2) + 0.1 * x[2];
}

START_TEST(test_conditional)
{
    study s;
    make_study(&s,
               "  optimizer: {values: [sgd, adam]}\n"
               "  momentum: {min: 0.0, max: 1.0, when: {optimizer: sgd}}\n"
               "  x: {min: 0.0, max: 1.0}\n",
               400, 10, conditional);
    size_t inactive = 0;
    for (size_t t = 0; t < s.n; t++)
        inactive += !s.active[t][1];
    ck_assert_uint_gt(inactive, 100);
    for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++) {
        tt_importance_result r;
        compute(&s, (tt_importance_method)m, 1, &r);
        ck_assert_str_eq(s.sweep->space->params[r.params[0].param].name, "momentum");
        tt_importance_result_free(&r);
    }
    /* active == NULL means all active; a NAN value is inactive */
    tt_importance_result r;
    tt_error err = {0};
    s.x[0][2] = NAN;
    ck_assert_int_eq(tt_importance_compute(TT_IMPORTANCE_FANOVA, s.sweep->space,
                                           (const double *const *)s.x, NULL, s.y, s.n, 1, &r,
                                           &err),
                     0);
    tt_importance_result_free(&r);
    free_study(&s);
}
END_TEST

START_TEST(test_errors_and_names)
{
    study s;
    make_study(&s, uniform3, 10, 12, linear);
    s.y[3] = NAN;
    tt_importance_result r;
    tt_error err = {0};
    ck_assert_int_eq(tt_importance_compute(TT_IMPORTANCE_FANOVA, s.sweep->space,
                                           (const double *const *)s.x, NULL, s.y, s.n, 1, &r,
                                           &err),
                     -TT_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "non-finite"));
    tt_importance_result_free(&r);
    ck_assert_int_eq(tt_importance_compute((tt_importance_method)7, s.sweep->space,
                                           (const double *const *)s.x, NULL, s.y, s.n, 1, &r,
                                           &err),
                     -TT_ERR_INVALID);
    tt_importance_result_free(&r);
    free_study(&s);
    for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++)
        ck_assert_int_eq(tt_importance_method_from_name(tt_importance_method_name(m)), m);
    ck_assert_str_eq(tt_importance_method_name(TT_IMPORTANCE_PED_ANOVA), "ped-anova");
    ck_assert_int_eq(tt_importance_method_from_name("shap"), -1);
}
END_TEST

/* Issue 18: past TT_IMPORTANCE_FANOVA_ROWS trials, fANOVA fits on a sample
 * stratified on the objective. The rows: that many, distinct, in trial
 * order, the best trial among them, one per stratum of the ranking, the
 * same for the same seed. */
START_TEST(test_fanova_sample_rows)
{
    enum { N = 10007, CAP = 1000 };
    double *y = tt_xmalloc(N * sizeof *y);
    for (size_t t = 0; t < N; t++)
        y[t] = (double)((t * 7919) % N);   /* a permutation of 0..N-1: rank = y */
    size_t *rows = tt_xmalloc(N * sizeof *rows), *again = tt_xmalloc(N * sizeof *again);
    ck_assert_uint_eq(imp_stratified_rows(y, N, CAP, 3, rows), CAP);
    ck_assert_uint_eq(imp_stratified_rows(y, N, CAP, 3, again), CAP);
    ck_assert_int_eq(memcmp(rows, again, CAP * sizeof *rows), 0);
    bool best = false;
    bool *taken = tt_xcalloc(N, sizeof *taken);   /* by rank */
    for (size_t i = 0; i < CAP; i++) {
        ck_assert(rows[i] < N);
        if (i > 0)
            ck_assert_uint_gt(rows[i], rows[i - 1]);
        best |= y[rows[i]] == 0;
        taken[(size_t)y[rows[i]]] = true;
    }
    ck_assert_msg(best, "the best trial is not in the sample");
    for (size_t i = 0; i < CAP; i++) {   /* stratum i: ranks [i N / CAP, (i + 1) N / CAP) */
        int in = 0;
        for (size_t r = i * N / CAP; r < (i + 1) * N / CAP; r++)
            in += taken[r];
        ck_assert_msg(in == 1, "stratum %zu holds %d sampled trials", i, in);
    }
    ck_assert_uint_eq(imp_stratified_rows(y, N, CAP, 4, again), CAP);
    ck_assert_int_ne(memcmp(rows, again, CAP * sizeof *rows), 0);
    /* a study within the cap is used whole */
    ck_assert_uint_eq(imp_stratified_rows(y, CAP, CAP, 3, rows), CAP);
    for (size_t i = 0; i < CAP; i++)
        ck_assert_uint_eq(rows[i], i);
    free(taken);
    free(again);
    free(rows);
    free(y);
}
END_TEST

/* The sample gives what the full computation gives: at 10,000 trials of
 * an additive objective with an interaction, every share within 0.03 of
 * the full forest's and the same order; the result says how many trials
 * the forest saw. */
START_TEST(test_fanova_sample_matches_full)
{
    study s;
    make_study(&s, uniform3, 10000, 9, product);
    tt_importance_result sampled, full;
    compute(&s, TT_IMPORTANCE_FANOVA, 2, &sampled);
    ck_assert_uint_eq(sampled.n_trials, 10000);
    ck_assert_uint_eq(sampled.n_fitted, TT_IMPORTANCE_FANOVA_ROWS);

    imp_data d;
    imp_data_build(&d, s.sweep->space, (const double *const *)s.x,
                   (const bool *const *)s.active, s.y, s.n);
    memset(&full, 0, sizeof full);
    full.n = d.d;
    full.params = tt_xcalloc(d.d + 1, sizeof *full.params);
    for (size_t f = 0; f < d.d; f++)
        full.params[f].param = d.param[f];
    imp_fanova_rows(&d, 2, s.n, &full);
    imp_sort_params(&full);
    ck_assert_uint_eq(full.n_fitted, 10000);
    ck_assert_uint_eq(full.n, sampled.n);
    for (size_t i = 0; i < full.n; i++) {
        ck_assert_uint_eq(full.params[i].param, sampled.params[i].param);
        ck_assert_msg(fabs(full.params[i].value - sampled.params[i].value) < 0.03,
                      "param %zu: full %.4f, sampled %.4f", full.params[i].param,
                      full.params[i].value, sampled.params[i].value);
    }
    ck_assert_uint_ge(full.n_pairs, 1);
    ck_assert_uint_ge(sampled.n_pairs, 1);
    ck_assert_uint_eq(full.pairs[0].a, sampled.pairs[0].a);
    ck_assert_uint_eq(full.pairs[0].b, sampled.pairs[0].b);
    ck_assert(fabs(full.pairs[0].value - sampled.pairs[0].value) < 0.03);
    imp_data_free(&d);
    tt_importance_result_free(&full);
    tt_importance_result_free(&sampled);
    free_study(&s);
}
END_TEST

static void record(tt_trial_record *r, long number, tt_trial_state state, double value,
                   size_t n, const char *const *names, const char *const *texts,
                   const double *x)
{
    memset(r, 0, sizeof *r);
    r->number = number;
    r->state = state;
    r->value = value;
    r->n_params = n;
    r->param_names = tt_xcalloc(n + 1, sizeof *r->param_names);
    r->param_text = tt_xcalloc(n + 1, sizeof *r->param_text);
    r->param_x = tt_xcalloc(n + 1, sizeof *r->param_x);
    r->param_active = tt_xcalloc(n + 1, sizeof *r->param_active);
    for (size_t i = 0; i < n; i++) {
        r->param_names[i] = tt_xstrdup(names[i]);
        r->param_text[i] = tt_xstrdup(texts[i]);
        r->param_x[i] = x[i];
        r->param_active[i] = texts[i][0] != '\0';
    }
}

START_TEST(test_data_from_trials)
{
    tt_sweep *sw = load("  lr: {min: 0.0, max: 1.0}\n  opt: {values: [adam, sgd]}\n"
                        "  k: {value: 2}\n");
    tt_trial_record rows[5];
    /* in space order */
    record(&rows[0], 1, TT_TRIAL_COMPLETED, 0.5, 3, (const char *[]){"lr", "opt", "k"},
           (const char *[]){"0.25", "sgd", "2"}, (double[]){0.25, 1, 0});
    /* another order, and an older space where opt's choices were (sgd, adam) */
    record(&rows[1], 2, TT_TRIAL_COMPLETED, 1.5, 2, (const char *[]){"opt", "lr"},
           (const char *[]){"adam", "0.75"}, (double[]){1, 0.75});
    /* not completed, or no value: left out */
    record(&rows[2], 3, TT_TRIAL_FAILED, 0.1, 1, (const char *[]){"lr"},
           (const char *[]){"0.5"}, (double[]){0.5});
    record(&rows[3], 4, TT_TRIAL_COMPLETED, NAN, 1, (const char *[]){"lr"},
           (const char *[]){"0.5"}, (double[]){0.5});
    /* a choice the space no longer has, and lr missing */
    record(&rows[4], 5, TT_TRIAL_COMPLETED, 2.0, 1, (const char *[]){"opt"},
           (const char *[]){"rmsprop"}, (double[]){2});
    /* as the runner and `tunetop importance` pass the store's rows */
    tt_importance_trial in[5];
    for (size_t i = 0; i < 5; i++)
        in[i] = (tt_importance_trial){rows[i].number, rows[i].state, rows[i].value,
                                      tt_trial_record_params(&rows[i])};
    tt_importance_data d;
    tt_importance_data_from_trials(sw->space, in, 5, true, &d);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_int_eq(d.trial[0], 1);
    ck_assert_int_eq(d.trial[1], 2);
    ck_assert_int_eq(d.trial[2], 5);
    ck_assert_double_eq(d.y[0], -0.5);    /* maximised: negated */
    ck_assert_double_eq(d.x[0][0], 0.25);
    ck_assert_double_eq(d.x[0][1], 1);
    ck_assert(d.active[0][0] && d.active[0][1] && !d.active[0][2]);
    ck_assert_double_eq(d.x[1][0], 0.75);
    ck_assert_double_eq(d.x[1][1], 0);    /* matched by text, not by index */
    ck_assert(d.active[1][1]);
    ck_assert(!d.active[2][0] && !d.active[2][1]);
    tt_importance_result r;
    tt_error err = {0};
    ck_assert_int_eq(tt_importance_compute(TT_IMPORTANCE_FANOVA, sw->space,
                                           (const double *const *)d.x,
                                           (const bool *const *)d.active, d.y, d.n, 0, &r,
                                           &err),
                     0);
    ck_assert_uint_eq(r.n, 2);
    tt_importance_result_free(&r);
    tt_importance_data_free(&d);
    for (size_t i = 0; i < 5; i++)
        tt_trial_record_clear(&rows[i]);
    tt_sweep_free(sw);
}
END_TEST

/* `tunetop importance` on a study written through the store: the table,
 * the JSON, and its usage errors. */
/* A study of n trials of score = 10 a + b (maximised) in dir, trial 6
 * failed. */
static void make_cli_study(const char *dir, int n)
{
    char *db = tt_xasprintf("%s/study.db", dir);
    const char *sweep = "name: imp\nmethod: random\ncommand: [x]\n"
                        "metric: {name: score, goal: maximize}\nparameters:\n"
                        "  a: {min: 0.0, max: 1.0}\n  b: {min: 0.0, max: 1.0}\n"
                        "  opt: {values: [adam, sgd]}\n";
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "imp", "sweep.yaml", dir, &err), 0);
    ck_assert_int_ge(tt_store_add_space(st, "sweep.yaml", sweep, &err), 1);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    tt_rng rng;
    tt_rng_seed(&rng, 1);
    char *names[3] = {"a", "b", "opt"};
    for (int t = 0; t < n; t++) {
        double x[3] = {tt_rng_uniform(&rng), tt_rng_uniform(&rng), (double)(t % 2)};
        char ta[32], tb[32];
        char *texts[3] = {tt_format_double(x[0], ta, sizeof ta),
                          tt_format_double(x[1], tb, sizeof tb), t % 2 ? "sgd" : "adam"};
        long num = tt_store_add_trial(st, 1, 3, names, texts, x, NULL, &err);
        ck_assert_int_ge(num, 1);
        ck_assert_int_eq(tt_store_trial_started(st, num, 0, 0, NULL, &err), 0);
        ck_assert_int_eq(tt_store_trial_finished(st, num, t == 5 ? TT_TRIAL_FAILED
                                                              : TT_TRIAL_COMPLETED,
                                                 10 * x[0] + x[1], "exit 0", &err),
                         0);
    }
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    tt_store_close(st);
    free(db);
}

START_TEST(test_cli)
{
    char *dir = e2e_tmpdir();
    char *db = tt_xasprintf("%s/study.db", dir);
    make_cli_study(dir, 80);

    e2e_result r = e2e_run((const char *[]){"tunetop", "importance", dir, NULL}, 30);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "fANOVA importance of imp over 79 completed trials"));
    ck_assert_ptr_null(strstr(r.out, "fitted on"));   /* within the bound: no sample */
    ck_assert_ptr_nonnull(strstr(r.out, "\na  "));   /* a ranks first */
    e2e_result_free(&r);
    r = e2e_run((const char *[]){"tunetop", "importance", dir, "--method", "corr", "--json",
                                 NULL},
                30);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "\"method\": \"corr\", \"trials\": 79"));
    ck_assert_ptr_nonnull(strstr(r.out, "\"goal\": \"maximize\""));
    ck_assert_ptr_nonnull(strstr(r.out, "\"params\": [\n  {\"name\": \"a\""));
    ck_assert_ptr_nonnull(strstr(r.out, "\"interactions\": []"));
    e2e_result_free(&r);
    r = e2e_run((const char *[]){"tunetop", "importance", dir, "--method=ped-anova", "--json",
                                 NULL},
                30);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "\"method\": \"ped-anova\""));
    e2e_result_free(&r);
    r = e2e_run((const char *[]){"tunetop", "importance", dir, "--method", "shap", NULL}, 30);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown method 'shap'"));
    e2e_result_free(&r);
    /* DIR/study.db names the study as DIR does (issue 20: the same forms
     * as an Optuna file); a file that is no study is refused */
    r = e2e_run((const char *[]){"tunetop", "importance", db, "--json", NULL}, 30);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "\"trials\": 79"));
    e2e_result_free(&r);
    char *junk = tt_xasprintf("%s/not-a-study.txt", dir);
    FILE *f = fopen(junk, "w");
    ck_assert_ptr_nonnull(f);
    fputs("hello\n", f);
    fclose(f);
    r = e2e_run((const char *[]){"tunetop", "importance", junk, NULL}, 30);
    ck_assert_int_eq(r.status, 1);
    e2e_result_free(&r);
    free(junk);
    e2e_rmtree(dir);
    free(db);
    free(dir);
}
END_TEST

/* Issue 18: a study larger than fANOVA fits on says so, in the table and
 * in the JSON ("fitted"), and still ranks the parameters right. */
START_TEST(test_cli_sampled)
{
    char *dir = e2e_tmpdir();
    make_cli_study(dir, TT_IMPORTANCE_FANOVA_ROWS + 500);
    e2e_result r = e2e_run((const char *[]){"tunetop", "importance", dir, NULL}, 60);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    char *line = tt_xasprintf("over %d completed trials", TT_IMPORTANCE_FANOVA_ROWS + 499);
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    free(line);
    line = tt_xasprintf("the forest was fitted on %d of them, stratified on the objective",
                        TT_IMPORTANCE_FANOVA_ROWS);
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    free(line);
    ck_assert_ptr_nonnull(strstr(r.out, "\na  "));
    e2e_result_free(&r);
    r = e2e_run((const char *[]){"tunetop", "importance", dir, "--json", NULL}, 60);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    line = tt_xasprintf("\"trials\": %d, \"fitted\": %d,", TT_IMPORTANCE_FANOVA_ROWS + 499,
                        TT_IMPORTANCE_FANOVA_ROWS);
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    free(line);
    e2e_result_free(&r);
    e2e_rmtree(dir);
    free(dir);
}
END_TEST

/* The rows by loss, best first, ties in row order: what the charts draw on
 * top (contour's best, parallel coordinates' tiers). */
START_TEST(test_data_rank)
{
    double y[] = {3, 1, 2, 1};
    tt_importance_data d = {.n = 4, .y = y};
    size_t *rank = tt_importance_data_rank(&d);
    ck_assert_uint_eq(rank[0], 1);
    ck_assert_uint_eq(rank[1], 3);
    ck_assert_uint_eq(rank[2], 2);
    ck_assert_uint_eq(rank[3], 0);
    free(rank);
}
END_TEST

Suite *suite_importance(void)
{
    return tt_suite_of("importance", "importance", 60,
                       TT_TESTS(test_data_rank, test_fanova_linear, test_fanova_additive,
                                test_fanova_log_and_categorical,
                                test_fanova_many_choices_few_trials, test_fanova_interaction,
                                test_constant_and_tiny, test_deterministic, test_intervals_in_unit,
                                test_ped_anova, test_corr_ties, test_conditional,
                                test_errors_and_names, test_fanova_sample_rows,
                                test_fanova_sample_matches_full, test_data_from_trials,
                                test_cli, test_cli_sampled));
}
