/*
 * Tests of tt_importance_grid, the forest's predicted objective over two
 * parameters (the contour view's grid): on f = (alpha - 0.5)^2 + beta the
 * grid is lowest near alpha = 0.5 and low beta and rises away from it; an
 * idle parameter is marginalised out (its grid follows the other axis
 * only); a log and a categorical axis predict per choice; bad requests
 * fail with a message; the same seed gives the same grid.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "tunetop/config.h"
#include "tunetop/importance.h"

typedef struct study {
    tt_sweep *sweep;
    size_t n;
    double **x;
    double *y;
} study;

static double bowl(const double *x)
{
    return (x[0] - 0.5) * (x[0] - 0.5) + x[1];
}

/* x[0] alpha, x[1] beta, x[2] idle, x[3] lr (log), x[4] opt (categorical) */
static double mixed(const double *x)
{
    return log10(x[3]) * log10(x[3]) / 25.0 + (x[4] == 1 ? 0 : 1.0) + 0.1 * x[0];
}

static void make_study(study *s, const char *params, size_t n, double (*fn)(const double *))
{
    char *text = tt_xasprintf("method: random\ncommand: [x]\nparameters:\n%s", params);
    tt_diags diags = {0};
    s->sweep = tt_sweep_load_text("test", text, strlen(text), &diags);
    ck_assert_ptr_nonnull(s->sweep);
    tt_diags_free(&diags);
    free(text);
    const tt_space *sp = s->sweep->space;
    s->n = n;
    s->x = tt_xcalloc(n + 1, sizeof *s->x);
    s->y = tt_xcalloc(n + 1, sizeof *s->y);
    tt_rng rng;
    tt_rng_seed(&rng, 7);
    tt_assignment a = tt_assignment_new(sp->n);
    for (size_t t = 0; t < n; t++) {
        tt_space_sample(sp, &rng, &a);
        s->x[t] = tt_xmalloc(sp->n * sizeof **s->x);
        memcpy(s->x[t], a.x, sp->n * sizeof **s->x);
        s->y[t] = fn(a.x);
    }
    tt_assignment_free(&a);
}

static void free_study(study *s)
{
    for (size_t t = 0; t < s->n; t++)
        free(s->x[t]);
    free(s->x);
    free(s->y);
    tt_sweep_free(s->sweep);
}

static const char three[] = "  alpha: {min: 0.0, max: 1.0}\n"
                            "  beta: {min: 0.0, max: 1.0}\n"
                            "  idle: {min: 0.0, max: 1.0}\n";

START_TEST(test_grid_bowl)
{
    study s;
    make_study(&s, three, 400, bowl);
    enum { N = 21 };
    double g[N], out[N * N];
    for (int i = 0; i < N; i++)
        g[i] = (i + 0.5) / N;
    tt_error err = {0};
    ck_assert_int_eq(tt_importance_grid(s.sweep->space, (const double *const *)s.x, NULL, s.y,
                                        s.n, 0, g, N, 1, g, N, 0, 1, out, &err),
                     0);
    size_t lo = 0;
    for (size_t k = 1; k < N * N; k++)
        if (out[k] < out[lo])
            lo = k;
    int i = (int)(lo % N), j = (int)(lo / N);
    ck_assert_msg(fabs(g[i] - 0.5) < 0.2 && g[j] < 0.2, "lowest at alpha %g beta %g", g[i],
                  g[j]);
    /* rises away from the valley on both axes; a prediction near the truth */
    ck_assert(out[0 * N + 0] > out[0 * N + N / 2]);
    ck_assert(out[0 * N + N - 1] > out[0 * N + N / 2]);
    ck_assert(out[(N - 1) * N + N / 2] > out[0 * N + N / 2] + 0.5);
    ck_assert_msg(fabs(out[(N / 2) * N + N / 2] - 0.5) < 0.15, "%g", out[(N / 2) * N + N / 2]);
    /* the same seed, the same grid */
    double again[N * N];
    tt_importance_grid(s.sweep->space, (const double *const *)s.x, NULL, s.y, s.n, 0, g, N, 1,
                       g, N, 0, 1, again, &err);
    ck_assert(memcmp(out, again, sizeof out) == 0);
    /* a subsample still finds the valley */
    ck_assert_int_eq(tt_importance_grid(s.sweep->space, (const double *const *)s.x, NULL, s.y,
                                        s.n, 0, g, N, 1, g, N, 100, 1, again, &err),
                     0);
    ck_assert(again[0 * N + N / 2] < again[(N - 1) * N + N / 2]);
    free_study(&s);
}
END_TEST

START_TEST(test_grid_idle_marginalised)
{
    study s;
    make_study(&s, three, 400, bowl);
    enum { N = 11 };
    double g[N], out[N * N];
    for (int i = 0; i < N; i++)
        g[i] = (i + 0.5) / N;
    tt_error err = {0};
    /* beta (x) by idle (y): each row the same rise along beta */
    ck_assert_int_eq(tt_importance_grid(s.sweep->space, (const double *const *)s.x, NULL, s.y,
                                        s.n, 1, g, N, 2, g, N, 0, 1, out, &err),
                     0);
    for (int j = 0; j < N; j++) {
        ck_assert(out[j * N + N - 1] > out[j * N + 0] + 0.5);
        ck_assert_msg(fabs(out[j * N + 0] - out[0]) < 0.2, "row %d: %g vs %g", j, out[j * N],
                      out[0]);
    }
    free_study(&s);
}
END_TEST

START_TEST(test_grid_log_and_categorical)
{
    study s;
    make_study(&s,
               "  alpha: {min: 0.0, max: 1.0}\n"
               "  beta: {min: 0.0, max: 1.0}\n"
               "  idle: {min: 0.0, max: 1.0}\n"
               "  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0}\n"
               "  opt: {values: [sgd, adam, adamw]}\n",
               500, mixed);
    double lr[] = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
    double opt[] = {0, 1, 2, 7};
    double out[6 * 4];
    tt_error err = {0};
    ck_assert_int_eq(tt_importance_grid(s.sweep->space, (const double *const *)s.x, NULL, s.y,
                                        s.n, 3, lr, 6, 4, opt, 4, 0, 1, out, &err),
                     0);
    /* adam (choice 1) is the low row; lr is best near 1 (log10 = 0) */
    for (int i = 0; i < 6; i++) {
        ck_assert(out[1 * 6 + i] < out[0 * 6 + i] - 0.5);
        ck_assert(out[1 * 6 + i] < out[2 * 6 + i] - 0.5);
        ck_assert(isnan(out[3 * 6 + i]));   /* 7 is no choice */
    }
    ck_assert(out[1 * 6 + 5] < out[1 * 6 + 0] - 0.5);
    free_study(&s);
}
END_TEST

START_TEST(test_grid_errors)
{
    study s;
    make_study(&s, three, 10, bowl);
    double g[] = {0.5}, out[1];
    tt_error err = {0};
    const double *const *x = (const double *const *)s.x;
    ck_assert_int_lt(tt_importance_grid(s.sweep->space, x, NULL, s.y, s.n, 0, g, 1, 0, g, 1, 0,
                                        1, out, &err),
                     0);
    ck_assert_int_lt(tt_importance_grid(s.sweep->space, x, NULL, s.y, s.n, 0, g, 1, 9, g, 1, 0,
                                        1, out, &err),
                     0);
    ck_assert_int_lt(tt_importance_grid(s.sweep->space, x, NULL, s.y, 1, 0, g, 1, 1, g, 1, 0, 1,
                                        out, &err),
                     0);
    ck_assert(err.msg[0]);
    /* a constant objective: the constant everywhere */
    for (size_t t = 0; t < s.n; t++)
        s.y[t] = 3;
    ck_assert_int_eq(tt_importance_grid(s.sweep->space, x, NULL, s.y, s.n, 0, g, 1, 1, g, 1, 0,
                                        1, out, &err),
                     0);
    ck_assert(out[0] == 3);
    free_study(&s);
}
END_TEST

Suite *suite_importance_grid(void)
{
    return tt_suite_of("importance_grid", "grid", 30,
                       TT_TESTS(test_grid_bowl, test_grid_idle_marginalised,
                                test_grid_log_and_categorical, test_grid_errors));
}
