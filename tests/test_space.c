/*
 * Structural tests for space: names and values, encode/decode round trips
 * for every kind, containment, grids, conditions (evaluation order,
 * activity, a stable random stream, error messages), validation messages and
 * formatting. The distributions themselves are tested in test_space_dist.c.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/space.h"

#include "sampler_fixtures.h"
#include "check_util.h"

/* One parameter of every kind, finished; index = tt_dist. */
static tt_space *every_kind(void)
{
    tt_space *s = tt_space_new();
    for (int d = 0; d < TT_DIST_COUNT; d++) {
        tt_param p = param_range(tt_dist_name((tt_dist)d), (tt_dist)d, 0, 0);
        switch ((tt_dist)d) {
        case TT_DIST_CONSTANT: {
            tt_value v = v_str_dup("x");
            param_take_values(&p, 1, &v);
            break;
        }
        case TT_DIST_CATEGORICAL: {
            tt_value v[3] = {v_int(16), v_int(32), v_int(64)};
            param_take_values(&p, 3, v);
            p.probabilities = tt_xmalloc(3 * sizeof(double));
            memcpy(p.probabilities, (double[]){0.2, 0.5, 0.3}, 3 * sizeof(double));
            break;
        }
        case TT_DIST_INT_UNIFORM: p.min = 1; p.max = 10; p.is_int = true; break;
        case TT_DIST_UNIFORM: p.min = -1; p.max = 2; break;
        case TT_DIST_Q_UNIFORM: p.min = 0; p.max = 1; p.q = 0.05; break;
        case TT_DIST_LOG_UNIFORM: p.min = -9; p.max = -2; break;
        case TT_DIST_LOG_UNIFORM_VALUES: p.min = 1e-5; p.max = 1e-1; break;
        case TT_DIST_Q_LOG_UNIFORM: p.min = log(8); p.max = log(512); p.is_int = true; break;
        case TT_DIST_Q_LOG_UNIFORM_VALUES: p.min = 0.5; p.max = 100; p.q = 0.5; break;
        case TT_DIST_INV_LOG_UNIFORM: p.min = 0; p.max = 4; break;
        case TT_DIST_INV_LOG_UNIFORM_VALUES: p.min = 0.1; p.max = 1000; break;
        case TT_DIST_NORMAL: p.mu = -1; p.sigma = 3; break;
        case TT_DIST_Q_NORMAL: p.mu = 10; p.sigma = 4; p.q = 2; p.is_int = true; break;
        case TT_DIST_LOG_NORMAL: p.mu = -2; p.sigma = 1.5; break;
        case TT_DIST_Q_LOG_NORMAL: p.mu = 2; p.sigma = 0.5; p.q = 0.25; break;
        case TT_DIST_BETA: p.a = 0.7; p.b = 2.5; break;
        case TT_DIST_Q_BETA: p.a = 3; p.b = 3; p.q = 0.125; break;
        default: break;
        }
        tt_space_add(s, &p);
    }
    tt_error err = {0};
    ck_assert_msg(tt_space_finish(s, &err) == 0, "%s", err.msg);
    return s;
}

static bool is_discrete(tt_dist d)
{
    switch (d) {
    case TT_DIST_CONSTANT: case TT_DIST_CATEGORICAL: case TT_DIST_INT_UNIFORM:
    case TT_DIST_Q_UNIFORM: case TT_DIST_Q_LOG_UNIFORM: case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_NORMAL: case TT_DIST_Q_LOG_NORMAL: case TT_DIST_Q_BETA:
        return true;
    default:
        return false;
    }
}

START_TEST(test_dist_names)
{
    for (int d = 0; d < TT_DIST_COUNT; d++)
        ck_assert_int_eq(tt_dist_from_name(tt_dist_name((tt_dist)d)), d);
    ck_assert_str_eq(tt_dist_name(TT_DIST_INV_LOG_UNIFORM_VALUES), "inv_log_uniform_values");
    ck_assert_str_eq(tt_dist_name(TT_DIST_Q_BETA), "q_beta");
    ck_assert_int_eq(tt_dist_from_name("loguniform"), -1);
    ck_assert_int_eq(tt_dist_from_name(""), -1);
}
END_TEST

START_TEST(test_values)
{
    tt_value i1 = v_int(1), f1 = v_float(1.0), f15 = v_float(1.5), t = v_bool(true);
    tt_value a = v_str_dup("adam"), a2 = v_str_dup("adam"), b = v_str_dup("sgd"), n1 = {0}, n2 = {0};
    ck_assert(tt_value_equal(&i1, &f1));
    ck_assert(!tt_value_equal(&i1, &f15));
    ck_assert(!tt_value_equal(&i1, &t));
    ck_assert(tt_value_equal(&a, &a2) && !tt_value_equal(&a, &b));
    ck_assert(tt_value_equal(&n1, &n2) && !tt_value_equal(&n1, &i1));
    char buf[64];
    ck_assert_str_eq(tt_value_format(&t, buf, sizeof buf), "true");
    tt_value f = v_bool(false);
    ck_assert_str_eq(tt_value_format(&f, buf, sizeof buf), "false");
    ck_assert_str_eq(tt_value_format(&n1, buf, sizeof buf), "null");
    ck_assert_str_eq(tt_value_format(&f15, buf, sizeof buf), "1.5");
    tt_value big = v_int(-9000000000LL), tiny = v_float(1e-5);
    ck_assert_str_eq(tt_value_format(&big, buf, sizeof buf), "-9000000000");
    ck_assert_str_eq(tt_value_format(&tiny, buf, sizeof buf), "1e-05");
    tt_value c = tt_value_copy(&a);
    ck_assert(c.s != a.s && strcmp(c.s, "adam") == 0);
    tt_value_clear(&c);
    ck_assert(c.kind == TT_VALUE_NULL && c.s == NULL);
    tt_value_clear(&a);
    tt_value_clear(&a2);
    tt_value_clear(&b);
}
END_TEST

/* decode(encode(x)) == x: exactly for discrete kinds, to rounding otherwise. */
START_TEST(test_round_trip)
{
    tt_space *s = every_kind();
    for (size_t i = 0; i < s->n; i++) {
        const tt_param *p = &s->params[i];
        for (int j = 1; j < 400; j++) {
            double x = tt_param_decode(p, j / 400.0);
            ck_assert(tt_param_contains(p, x));
            double u = tt_param_encode(p, x);
            ck_assert(u >= 0.0 && u <= 1.0);
            double back = tt_param_decode(p, u);
            if (is_discrete(p->dist))
                ck_assert_msg(back == x, "%s: %.17g -> %.17g -> %.17g", p->name, x, u, back);
            else
                ck_assert_msg(fabs(back - x) <= 1e-12 * fmax(fabs(x), 1e-300) + 1e-15,
                              "%s: %.17g -> %.17g -> %.17g", p->name, x, u, back);
        }
    }
    /* Every q_normal multiple within 5 sigma, and every categorical index. */
    const tt_param *qn = &s->params[TT_DIST_Q_NORMAL];
    for (double x = -10; x <= 30; x += 2)
        ck_assert(tt_param_decode(qn, tt_param_encode(qn, x)) == x);
    const tt_param *cat = &s->params[TT_DIST_CATEGORICAL];
    for (double k = 0; k < 3; k++)
        ck_assert(tt_param_decode(cat, tt_param_encode(cat, k)) == k);
    /* A categorical value encodes to the middle of its bin. */
    ck_assert(fabs(tt_param_encode(cat, 1) - 0.45) < 1e-15);
    tt_space_free(s);
}
END_TEST

/* decode is monotone, stays valid at and beyond the ends, and inverts
 * encode on the continuous kinds. */
START_TEST(test_decode_edges)
{
    tt_space *s = every_kind();
    for (size_t i = 0; i < s->n; i++) {
        const tt_param *p = &s->params[i];
        double us[] = {0.0, 1.0, -0.5, 1.5, NAN, 1e-300, 1.0 - 1e-16};
        for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
            double x = tt_param_decode(p, us[k]);
            ck_assert_msg(isfinite(x) && tt_param_contains(p, x), "%s: decode(%g) = %g", p->name,
                          us[k], x);
        }
        double prev = -INFINITY;
        for (int j = 0; j <= 1000; j++) {
            double x = tt_param_decode(p, j / 1000.0);
            ck_assert_msg(x >= prev, "%s not monotone at u=%g", p->name, j / 1000.0);
            prev = x;
            if (p->is_int || p->dist == TT_DIST_INT_UNIFORM)
                ck_assert(x == floor(x));
        }
        if (!is_discrete(p->dist))
            for (int j = 1; j < 100; j++)
                ck_assert(fabs(tt_param_encode(p, tt_param_decode(p, j / 100.0)) - j / 100.0) <
                          1e-9);
    }
    /* Bounded kinds reach both ends. */
    const tt_param *u = &s->params[TT_DIST_UNIFORM], *lv = &s->params[TT_DIST_LOG_UNIFORM_VALUES];
    ck_assert(tt_param_decode(u, 0) == -1 && tt_param_decode(u, 1) == 2);
    ck_assert(tt_param_decode(lv, 0) == 1e-5 && tt_param_decode(lv, 1) == 1e-1);
    const tt_param *il = &s->params[TT_DIST_INV_LOG_UNIFORM];
    ck_assert(fabs(tt_param_decode(il, 0) - exp(-4)) < 1e-15);
    ck_assert(fabs(tt_param_decode(il, 1) - 1.0) < 1e-15);
    tt_space_free(s);
}
END_TEST

START_TEST(test_contains)
{
    tt_space *s = every_kind();
    const tt_param *P = s->params;
    ck_assert(tt_param_contains(&P[TT_DIST_CONSTANT], 0));
    ck_assert(!tt_param_contains(&P[TT_DIST_CONSTANT], 1));
    ck_assert(tt_param_contains(&P[TT_DIST_CATEGORICAL], 2));
    ck_assert(!tt_param_contains(&P[TT_DIST_CATEGORICAL], 3));
    ck_assert(!tt_param_contains(&P[TT_DIST_CATEGORICAL], 0.5));
    ck_assert(!tt_param_contains(&P[TT_DIST_CATEGORICAL], -1));
    ck_assert(tt_param_contains(&P[TT_DIST_INT_UNIFORM], 10));
    ck_assert(!tt_param_contains(&P[TT_DIST_INT_UNIFORM], 11));
    ck_assert(!tt_param_contains(&P[TT_DIST_INT_UNIFORM], 2.5));
    ck_assert(tt_param_contains(&P[TT_DIST_UNIFORM], 2));
    ck_assert(!tt_param_contains(&P[TT_DIST_UNIFORM], 2.0001));
    ck_assert(!tt_param_contains(&P[TT_DIST_UNIFORM], NAN));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_UNIFORM], 0.35));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_UNIFORM], 0.36));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_UNIFORM], 1.05));
    ck_assert(tt_param_contains(&P[TT_DIST_LOG_UNIFORM], exp(-5)));
    ck_assert(!tt_param_contains(&P[TT_DIST_LOG_UNIFORM], -5));
    ck_assert(!tt_param_contains(&P[TT_DIST_LOG_UNIFORM_VALUES], 0.2));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_LOG_UNIFORM], 512));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_LOG_UNIFORM], 513));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_LOG_UNIFORM], 7));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_LOG_UNIFORM_VALUES], 99.5));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_LOG_UNIFORM_VALUES], 99.7));
    ck_assert(tt_param_contains(&P[TT_DIST_INV_LOG_UNIFORM], 0.5));
    ck_assert(!tt_param_contains(&P[TT_DIST_INV_LOG_UNIFORM], 1.5));
    ck_assert(tt_param_contains(&P[TT_DIST_INV_LOG_UNIFORM_VALUES], 999));
    ck_assert(!tt_param_contains(&P[TT_DIST_INV_LOG_UNIFORM_VALUES], 0.01));
    ck_assert(tt_param_contains(&P[TT_DIST_NORMAL], -1e6));
    ck_assert(!tt_param_contains(&P[TT_DIST_NORMAL], INFINITY));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_NORMAL], -4));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_NORMAL], 3));
    ck_assert(!tt_param_contains(&P[TT_DIST_LOG_NORMAL], 0));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_LOG_NORMAL], 0));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_LOG_NORMAL], -0.25));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_LOG_NORMAL], 0.3));
    ck_assert(tt_param_contains(&P[TT_DIST_BETA], 1));
    ck_assert(!tt_param_contains(&P[TT_DIST_BETA], 1.1));
    ck_assert(tt_param_contains(&P[TT_DIST_Q_BETA], 0.375));
    ck_assert(!tt_param_contains(&P[TT_DIST_Q_BETA], 0.4));
    tt_space_free(s);
}
END_TEST

START_TEST(test_grid)
{
    tt_space *s = every_kind();
    const tt_param *P = s->params;
    ck_assert_uint_eq(tt_param_grid_count(&P[TT_DIST_CONSTANT]), 1);
    ck_assert(tt_param_grid_value(&P[TT_DIST_CONSTANT], 0) == 0);
    ck_assert_uint_eq(tt_param_grid_count(&P[TT_DIST_CATEGORICAL]), 3);
    ck_assert(tt_param_grid_value(&P[TT_DIST_CATEGORICAL], 2) == 2);
    ck_assert_uint_eq(tt_param_grid_count(&P[TT_DIST_INT_UNIFORM]), 10);
    for (size_t k = 0; k < 10; k++)
        ck_assert(tt_param_grid_value(&P[TT_DIST_INT_UNIFORM], k) == 1.0 + (double)k);
    ck_assert_uint_eq(tt_param_grid_count(&P[TT_DIST_Q_UNIFORM]), 21);
    for (size_t k = 0; k < 21; k++)
        ck_assert(tt_param_grid_value(&P[TT_DIST_Q_UNIFORM], k) == (double)k / 20.0);
    for (int d = 0; d < TT_DIST_COUNT; d++)
        if (d > TT_DIST_Q_UNIFORM)
            ck_assert_uint_eq(tt_param_grid_count(&P[d]), 0);
    tt_space_free(s);

    /* Multiples of q inside [min, max] only, ascending. */
    tt_param p = param_range("q", TT_DIST_Q_UNIFORM, 0.2, 2.3);
    p.q = 0.5;
    s = tt_space_new();
    tt_space_add(s, &p);
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), 0);
    ck_assert_uint_eq(tt_param_grid_count(&s->params[0]), 4);
    ck_assert(tt_param_grid_value(&s->params[0], 0) == 0.5);
    ck_assert(tt_param_grid_value(&s->params[0], 3) == 2.0);
    tt_space_free(s);
}
END_TEST

/* Bounded quantised kinds clamp to the in-range multiples, and the end
 * values own the whole end of the u range. */
START_TEST(test_quantised_range)
{
    tt_space *s = tt_space_new();
    tt_param qu = param_range("qu", TT_DIST_Q_UNIFORM, 0.2, 2.3);
    qu.q = 0.5;
    tt_param ql = param_range("ql", TT_DIST_Q_LOG_UNIFORM_VALUES, 0.1, 10);
    ql.is_int = true;
    tt_space_add(s, &qu);
    tt_space_add(s, &ql);
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), 0);
    const tt_param *p = &s->params[0], *l = &s->params[1];
    ck_assert(tt_param_decode(p, 0.0) == 0.5 && tt_param_decode(p, 0.01) == 0.5);
    ck_assert(tt_param_decode(p, 1.0) == 2.0 && tt_param_decode(p, 0.99) == 2.0);
    /* Cell of 0.5 is [0.2, 0.75): its middle is u = 0.55 / 2.1 / 2. */
    ck_assert(fabs(tt_param_encode(p, 0.5) - 0.55 / 4.2) < 1e-15);
    ck_assert(fabs(tt_param_encode(p, 2.0) - (1.0 - 0.55 / 4.2)) < 1e-15);
    ck_assert(fabs(tt_param_encode(p, 1.0) - 0.55 / 2.1 - 0.25 / 2.1) < 1e-15);
    /* Log-uniform on [0.1, 10] rounded to integers: never 0. */
    ck_assert(tt_param_decode(l, 0.0) == 1.0 && tt_param_decode(l, 0.3) == 1.0);
    ck_assert(tt_param_decode(l, 1.0) == 10.0);
    ck_assert(!tt_param_contains(l, 0.0));
    ck_assert(fabs(tt_param_encode(l, 1.0) - log(15.0) / log(100.0) / 2.0) < 1e-15);
    tt_space_free(s);
}
END_TEST

/* dropout (when model = mlp) is declared before model; dilation depends on
 * kernel, which depends on model. */
static tt_space *conditional_space(bool with_conditions)
{
    tt_space *s = tt_space_new();
    tt_param dropout = param_range("dropout", TT_DIST_UNIFORM, 0, 0.5);
    tt_param model = param_range("model", TT_DIST_CATEGORICAL, 0, 0);
    tt_param kernel = param_range("kernel", TT_DIST_INT_UNIFORM, 3, 7);
    tt_param dilation = param_range("dilation", TT_DIST_CATEGORICAL, 0, 0);
    tt_param lr = param_range("lr", TT_DIST_LOG_UNIFORM_VALUES, 1e-4, 1e-1);
    tt_value models[2] = {v_str_dup("mlp"), v_str_dup("cnn")};
    param_take_values(&model, 2, models);
    tt_value dil[2] = {v_int(1), v_int(2)};
    param_take_values(&dilation, 2, dil);
    if (with_conditions) {
        tt_value mlp = v_str_dup("mlp"), cnn = v_str_dup("cnn");
        param_take_condition(&dropout, "model", 1, &mlp);
        param_take_condition(&kernel, "model", 1, &cnn);
        tt_value ks[2] = {v_int(5), v_float(7.0)};
        param_take_condition(&dilation, "kernel", 2, ks);
    }
    tt_space_add(s, &dropout);
    tt_space_add(s, &model);
    tt_space_add(s, &kernel);
    tt_space_add(s, &dilation);
    tt_space_add(s, &lr);
    tt_error err = {0};
    ck_assert_msg(tt_space_finish(s, &err) == 0, "%s", err.msg);
    return s;
}

START_TEST(test_conditions_order)
{
    tt_space *s = conditional_space(true);
    static const size_t want[5] = {1, 0, 2, 3, 4};
    for (size_t k = 0; k < 5; k++)
        ck_assert_uint_eq(s->order[k], want[k]);
    ck_assert_uint_eq(s->params[3].conditions[0].parent, 2);
    ck_assert_int_eq(tt_space_find(s, "dilation"), 3);
    ck_assert_int_eq(tt_space_find(s, "nope"), -1);
    tt_space_free(s);
}
END_TEST

START_TEST(test_conditions_activity)
{
    tt_space *s = conditional_space(true);
    tt_rng rng;
    tt_rng_seed(&rng, 99);
    tt_assignment a = tt_assignment_new(s->n);
    int n_dilation = 0;
    char buf[64];
    for (int i = 0; i < 4000; i++) {
        tt_space_sample(s, &rng, &a);
        bool mlp = a.x[1] == 0.0;
        ck_assert(a.active[1] && a.active[4]);
        ck_assert(a.active[0] == mlp);
        ck_assert(a.active[2] == !mlp);
        bool dil = !mlp && (a.x[2] == 5 || a.x[2] == 7);
        ck_assert(a.active[3] == dil);
        n_dilation += dil;
        for (size_t j = 0; j < s->n; j++)
            if (!a.active[j]) {
                ck_assert(a.x[j] == 0.0);
                ck_assert_str_eq(tt_space_format(s, &a, j, buf, sizeof buf), "");
                ck_assert(tt_space_value(s, &a, j).kind == TT_VALUE_NULL);
            }
    }
    /* P(cnn) * P(kernel in {5, 7}) = 0.5 * 0.4. */
    ck_assert(fabs(n_dilation / 4000.0 - 0.2) < 5 * sqrt(0.16 / 4000));

    /* update_active follows edited values; an inactive parent switches its
     * children off even if its stale x would satisfy them. */
    a.x[1] = 1;
    a.x[2] = 5;
    tt_space_update_active(s, &a);
    ck_assert(!a.active[0] && a.active[2] && a.active[3]);
    a.x[1] = 0;
    tt_space_update_active(s, &a);
    ck_assert(a.active[0] && !a.active[2] && !a.active[3]);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

/* One uniform per parameter whatever is active: the unconditional
 * parameters draw the same values with and without conditions. */
START_TEST(test_conditions_stable_stream)
{
    tt_space *with = conditional_space(true), *without = conditional_space(false);
    tt_rng r1, r2;
    tt_rng_seed(&r1, 5);
    tt_rng_seed(&r2, 5);
    tt_assignment a = tt_assignment_new(5), b = tt_assignment_new(5);
    for (int i = 0; i < 500; i++) {
        tt_space_sample(with, &r1, &a);
        tt_space_sample(without, &r2, &b);
        ck_assert(a.x[1] == b.x[1] && a.x[4] == b.x[4]);
        for (size_t j = 0; j < 5; j++)
            if (a.active[j])
                ck_assert(a.x[j] == b.x[j]);
    }
    tt_assignment c = tt_assignment_new(1);
    tt_assignment_copy(&c, &a);
    ck_assert_uint_eq(c.n, 5);
    ck_assert(memcmp(c.x, a.x, 5 * sizeof(double)) == 0);
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    tt_assignment_free(&c);
    tt_space_free(with);
    tt_space_free(without);
}
END_TEST

/* Finish a space and expect an error whose message contains want. */
static void expect_error(tt_space *s, const char *want)
{
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), -TT_ERR_INVALID);
    ck_assert_int_eq(err.code, TT_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
    tt_space_free(s);
}

static tt_space *with_model(void)
{
    tt_space *s = tt_space_new();
    tt_param model = param_range("model", TT_DIST_CATEGORICAL, 0, 0);
    tt_value models[2] = {v_str_dup("mlp"), v_str_dup("cnn")};
    param_take_values(&model, 2, models);
    tt_space_add(s, &model);
    tt_param layers = param_range("layers", TT_DIST_INT_UNIFORM, 1, 4);
    tt_space_add(s, &layers);
    return s;
}

START_TEST(test_condition_errors)
{
    tt_space *s = with_model();
    tt_param p = param_range("kernel", TT_DIST_INT_UNIFORM, 3, 7);
    tt_value cnn = v_str_dup("cnn");
    param_take_condition(&p, "modle", 1, &cnn);
    tt_space_add(s, &p);
    expect_error(s, "parameters.kernel: condition on unknown parameter 'modle' (did you mean "
                    "'model'?)");

    s = with_model();
    p = param_range("kernel", TT_DIST_INT_UNIFORM, 3, 7);
    tt_value rnn = v_str_dup("rnn");
    param_take_condition(&p, "model", 1, &rnn);
    tt_space_add(s, &p);
    expect_error(s, "parameters.kernel: condition value rnn can never be taken by 'model'");

    /* Numeric parents: a value in range is fine, 9 and 2.5 are not. */
    s = with_model();
    p = param_range("width", TT_DIST_UNIFORM, 0, 1);
    tt_value three = v_float(3.0);
    param_take_condition(&p, "layers", 1, &three);
    tt_space_add(s, &p);
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), 0);
    tt_space_free(s);
    s = with_model();
    p = param_range("width", TT_DIST_UNIFORM, 0, 1);
    tt_value bad[2] = {v_int(2), v_float(2.5)};
    param_take_condition(&p, "layers", 2, bad);
    tt_space_add(s, &p);
    expect_error(s, "condition value 2.5 can never be taken by 'layers'");
    s = with_model();
    p = param_range("width", TT_DIST_UNIFORM, 0, 1);
    tt_value nine = v_int(9);
    param_take_condition(&p, "layers", 1, &nine);
    tt_space_add(s, &p);
    expect_error(s, "condition value 9 can never be taken");

    /* a -> b -> c -> a. */
    s = tt_space_new();
    const char *names[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        p = param_range(names[i], TT_DIST_CATEGORICAL, 0, 0);
        tt_value v[2] = {v_bool(true), v_bool(false)};
        param_take_values(&p, 2, v);
        tt_value t = v_bool(true);
        param_take_condition(&p, names[(i + 1) % 3], 1, &t);
        tt_space_add(s, &p);
    }
    expect_error(s, "conditions form a cycle (a -> b -> c -> a;");

    s = tt_space_new();
    p = param_range("a", TT_DIST_CATEGORICAL, 0, 0);
    tt_value v[2] = {v_bool(true), v_bool(false)};
    param_take_values(&p, 2, v);
    tt_value t = v_bool(true);
    param_take_condition(&p, "a", 1, &t);
    tt_space_add(s, &p);
    expect_error(s, "parameters.a: a parameter cannot be conditional on itself");
}
END_TEST

/* Which parameters a chart draws on a log axis: the log-uniform and
 * log-normal families (their values spread evenly there), nothing else. */
START_TEST(test_dist_log_axis)
{
    static const tt_dist log_axis[] = {
        TT_DIST_LOG_UNIFORM,     TT_DIST_LOG_UNIFORM_VALUES,     TT_DIST_Q_LOG_UNIFORM,
        TT_DIST_Q_LOG_UNIFORM_VALUES, TT_DIST_INV_LOG_UNIFORM, TT_DIST_INV_LOG_UNIFORM_VALUES,
        TT_DIST_LOG_NORMAL,      TT_DIST_Q_LOG_NORMAL};
    size_t n_log = 0;
    for (int d = 0; d < TT_DIST_COUNT; d++) {
        bool expect = false;
        for (size_t k = 0; k < sizeof log_axis / sizeof *log_axis; k++)
            expect = expect || log_axis[k] == (tt_dist)d;
        ck_assert_msg(tt_dist_log_axis((tt_dist)d) == expect, "%s", tt_dist_name((tt_dist)d));
        n_log += expect;
    }
    ck_assert_uint_eq(n_log, 8);
    ck_assert(!tt_dist_log_axis(TT_DIST_UNIFORM) && !tt_dist_log_axis(TT_DIST_CATEGORICAL));
}
END_TEST

START_TEST(test_validation_errors)
{
    tt_space *s = tt_space_new();
    tt_param p = param_range("lr", TT_DIST_UNIFORM, 0.1, 0.01);
    tt_space_add(s, &p);
    expect_error(s, "parameters.lr: min (0.1) must be less than or equal to max (0.01)");

    s = tt_space_new();
    p = param_range("lr", TT_DIST_LOG_UNIFORM_VALUES, 0, 0.1);
    tt_space_add(s, &p);
    expect_error(s, "parameters.lr: min (0) must be greater than 0 for log_uniform_values");

    s = tt_space_new();
    p = param_range("lr", TT_DIST_LOG_UNIFORM, -1000, 0);
    tt_space_add(s, &p);
    expect_error(s, "natural-log exponents");

    s = tt_space_new();
    p = param_range("n", TT_DIST_NORMAL, 0, 0);
    p.sigma = 0;
    tt_space_add(s, &p);
    expect_error(s, "parameters.n: sigma (0) must be greater than 0");

    s = tt_space_new();
    p = param_range("bt", TT_DIST_BETA, 0, 0);
    p.b = -1;
    tt_space_add(s, &p);
    expect_error(s, "parameters.bt: b (-1) must be greater than 0");

    s = tt_space_new();
    p = param_range("q", TT_DIST_Q_UNIFORM, 0, 1);
    p.q = 0;
    tt_space_add(s, &p);
    expect_error(s, "parameters.q: q (0) must be greater than 0");

    s = tt_space_new();
    p = param_range("q", TT_DIST_Q_UNIFORM, 0.2, 0.4);
    tt_space_add(s, &p);
    expect_error(s, "parameters.q: no multiple of q (1) lies between 0.2 and 0.4");

    s = tt_space_new();
    p = param_range("k", TT_DIST_INT_UNIFORM, 1.5, 4);
    tt_space_add(s, &p);
    expect_error(s, "parameters.k: int_uniform needs integer min and max");

    s = tt_space_new();
    p = param_range("c", TT_DIST_CATEGORICAL, 0, 0);
    tt_space_add(s, &p);
    expect_error(s, "parameters.c: values must list at least one choice");

    s = tt_space_new();
    p = param_range("c", TT_DIST_CATEGORICAL, 0, 0);
    tt_value v[2] = {v_int(1), v_int(2)};
    param_take_values(&p, 2, v);
    p.probabilities = tt_xmalloc(2 * sizeof(double));
    memcpy(p.probabilities, (double[]){0.5, 0.6}, 2 * sizeof(double));
    tt_space_add(s, &p);
    expect_error(s, "parameters.c: probabilities must sum to 1, they sum to 1.1");

    s = tt_space_new();
    p = param_range("c", TT_DIST_CATEGORICAL, 0, 0);
    tt_value w[2] = {v_int(1), v_int(2)};
    param_take_values(&p, 2, w);
    p.probabilities = tt_xmalloc(2 * sizeof(double));
    memcpy(p.probabilities, (double[]){1.5, -0.5}, 2 * sizeof(double));
    tt_space_add(s, &p);
    expect_error(s, "parameters.c: probabilities[1] (-0.5) must be a number >= 0");

    s = tt_space_new();
    p = param_range("x", TT_DIST_UNIFORM, 0, 1);
    tt_space_add(s, &p);
    p = param_range("x", TT_DIST_UNIFORM, 0, 1);
    tt_space_add(s, &p);
    expect_error(s, "parameters.x: is defined twice");
}
END_TEST

START_TEST(test_format_and_value)
{
    tt_space *s = tt_space_new();
    tt_param bs = param_range("batch_size", TT_DIST_Q_LOG_UNIFORM_VALUES, 16, 256);
    bs.is_int = true;
    tt_param lr = param_range("lr", TT_DIST_UNIFORM, 0, 1);
    tt_param flag = param_range("flag", TT_DIST_CATEGORICAL, 0, 0);
    tt_value fv[3] = {v_bool(true), v_bool(false), {0}};
    param_take_values(&flag, 3, fv);
    tt_param name = param_range("name", TT_DIST_CONSTANT, 0, 0);
    tt_value nv = v_str_dup("run a");
    param_take_values(&name, 1, &nv);
    tt_space_add(s, &bs);
    ck_assert(bs.name == NULL && bs.values == NULL);
    tt_space_add(s, &lr);
    tt_space_add(s, &flag);
    tt_space_add(s, &name);
    tt_error err = {0};
    ck_assert_int_eq(tt_space_finish(s, &err), 0);

    tt_assignment a = tt_assignment_new(4);
    double u[4] = {0.5, 0.5, 0.5, 0.5};
    tt_space_decode(s, u, &a);
    char buf[64];
    ck_assert_str_eq(tt_space_format(s, &a, 0, buf, sizeof buf), "64");
    ck_assert_str_eq(tt_space_format(s, &a, 1, buf, sizeof buf), "0.5");
    ck_assert_str_eq(tt_space_format(s, &a, 2, buf, sizeof buf), "false");
    ck_assert_str_eq(tt_space_format(s, &a, 3, buf, sizeof buf), "run a");
    a.x[1] = 0.001;
    ck_assert_str_eq(tt_space_format(s, &a, 1, buf, sizeof buf), "0.001");
    a.x[2] = 0;
    ck_assert_str_eq(tt_space_format(s, &a, 2, buf, sizeof buf), "true");
    a.x[2] = 2;
    ck_assert_str_eq(tt_space_format(s, &a, 2, buf, sizeof buf), "null");

    tt_value v = tt_space_value(s, &a, 0);
    ck_assert(v.kind == TT_VALUE_INT && v.i == 64);
    v = tt_space_value(s, &a, 1);
    ck_assert(v.kind == TT_VALUE_FLOAT && v.f == 0.001);
    v = tt_space_value(s, &a, 3);
    ck_assert(v.kind == TT_VALUE_STRING && v.s == s->params[3].values[0].s);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

Suite *suite_space(void)
{
    return tt_suite_of("space", "core", 0,
                       TT_TESTS(test_dist_names, test_values, test_round_trip, test_decode_edges,
                                test_contains, test_grid, test_quantised_range,
                                test_conditions_order, test_conditions_activity,
                                test_conditions_stable_stream, test_condition_errors,
                                test_validation_errors, test_format_and_value, test_dist_log_axis));
}
