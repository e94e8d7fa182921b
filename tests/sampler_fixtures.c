/*
 * Fixtures shared by the sampler tests (see sampler_fixtures.h).
 */
#include "sampler_fixtures.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

/* ---- values and parameters ---- */

tt_value v_str(const char *s)
{
    tt_value v = {.kind = TT_VALUE_STRING, .s = (char *)s};
    return v;
}

tt_value v_str_dup(const char *s)
{
    return v_str(tt_xstrdup(s));
}

tt_value v_int(int64_t i)
{
    tt_value v = {.kind = TT_VALUE_INT, .i = i};
    return v;
}

tt_value v_float(double f)
{
    tt_value v = {.kind = TT_VALUE_FLOAT, .f = f};
    return v;
}

tt_value v_bool(bool b)
{
    tt_value v = {.kind = TT_VALUE_BOOL, .b = b};
    return v;
}

tt_param param_base(const char *name, tt_dist d)
{
    tt_param p;
    memset(&p, 0, sizeof p);
    p.name = tt_xstrdup(name);
    p.dist = d;
    p.sigma = 1.0;
    p.q = 1.0;
    p.a = 1.0;
    p.b = 1.0;
    return p;
}

tt_param param_range(const char *name, tt_dist d, double min, double max)
{
    tt_param p = param_base(name, d);
    p.min = min;
    p.max = max;
    return p;
}

void param_take_values(tt_param *p, size_t n, const tt_value *vals)
{
    p->values = tt_xcalloc(n, sizeof *p->values);
    memcpy(p->values, vals, n * sizeof *vals);
    p->n_values = n;
}

void param_take_condition(tt_param *p, const char *parent, size_t n, const tt_value *vals)
{
    p->conditions = tt_xrealloc(p->conditions, (p->n_conditions + 1) * sizeof *p->conditions);
    tt_condition *c = &p->conditions[p->n_conditions++];
    memset(c, 0, sizeof *c);
    c->parent_name = tt_xstrdup(parent);
    c->values = tt_xcalloc(n, sizeof *c->values);
    memcpy(c->values, vals, n * sizeof *vals);
    c->n_values = n;
}

/* ---- building spaces ---- */

size_t add_range(tt_space *s, const char *name, tt_dist d, double min, double max,
                 double q)
{
    tt_param p = param_base(name, d);
    p.min = min;
    p.max = max;
    p.q = q;
    if (d == TT_DIST_NORMAL || d == TT_DIST_Q_NORMAL || d == TT_DIST_LOG_NORMAL ||
        d == TT_DIST_Q_LOG_NORMAL) {
        p.mu = min;
        p.sigma = max;
    }
    if (d == TT_DIST_BETA || d == TT_DIST_Q_BETA) {
        p.a = min;
        p.b = max;
    }
    p.is_int = d == TT_DIST_INT_UNIFORM ||
               ((d == TT_DIST_Q_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM_VALUES) && q == floor(q) &&
                min == floor(min) && max == floor(max));
    return tt_space_add(s, &p);
}

size_t add_strings(tt_space *s, const char *name, size_t n, const char *const *vals)
{
    tt_param p = param_base(name, TT_DIST_CATEGORICAL);
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++) {
        p.values[i].kind = TT_VALUE_STRING;
        p.values[i].s = tt_xstrdup(vals[i]);
    }
    p.n_values = n;
    return tt_space_add(s, &p);
}

size_t add_values(tt_space *s, const char *name, size_t n, const tt_value *vals)
{
    tt_param p = param_base(name, TT_DIST_CATEGORICAL);
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++)
        p.values[i] = tt_value_copy(&vals[i]);
    p.n_values = n;
    return tt_space_add(s, &p);
}

size_t add_constant_value(tt_space *s, const char *name, tt_value v)
{
    tt_param p = param_base(name, TT_DIST_CONSTANT);
    p.values = tt_xcalloc(1, sizeof *p.values);
    p.values[0] = tt_value_copy(&v);
    p.n_values = 1;
    return tt_space_add(s, &p);
}

void add_constant(tt_space *s, const char *name, int64_t v)
{
    add_constant_value(s, name, v_int(v));
}

void add_condition_values(tt_space *s, size_t child, const char *parent, size_t n,
                          const tt_value *vals)
{
    tt_param *p = &s->params[child];
    p->conditions = tt_xrealloc(p->conditions, (p->n_conditions + 1) * sizeof *p->conditions);
    tt_condition *c = &p->conditions[p->n_conditions++];
    memset(c, 0, sizeof *c);
    c->parent_name = tt_xstrdup(parent);
    c->values = tt_xcalloc(n, sizeof *c->values);
    for (size_t i = 0; i < n; i++)
        c->values[i] = tt_value_copy(&vals[i]);
    c->n_values = n;
}

void add_condition(tt_space *s, size_t child, const char *parent, const char *value)
{
    tt_value v = v_str(value);
    add_condition_values(s, child, parent, 1, &v);
}

void finish(tt_space *s)
{
    tt_error err = {0};
    ck_assert_msg(tt_space_finish(s, &err) == 0, "tt_space_finish: %s", err.msg);
}

/* d uniform parameters on [-5, 5]. */
tt_space *box_space(size_t d)
{
    tt_space *s = tt_space_new();
    for (size_t i = 0; i < d; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", i);
        add_range(s, name, TT_DIST_UNIFORM, -5, 5, 1);
    }
    finish(s);
    return s;
}

/* One of every kind, and a conditional numeric and categorical. */
tt_space *all_kinds_space(void)
{
    tt_space *s = tt_space_new();
    static const char *const opts[] = {"adam", "sgd", "rmsprop"};
    static const char *const acts[] = {"relu", "tanh"};
    add_strings(s, "optimizer", 3, opts);
    add_range(s, "lr", TT_DIST_LOG_UNIFORM_VALUES, 1e-5, 1e-1, 1);
    add_range(s, "wd", TT_DIST_LOG_UNIFORM, -9, -2, 1);
    add_range(s, "layers", TT_DIST_INT_UNIFORM, 1, 6, 1);
    add_range(s, "units", TT_DIST_Q_UNIFORM, 16, 256, 16);
    add_range(s, "dropout", TT_DIST_UNIFORM, 0, 0.5, 1);
    add_range(s, "q", TT_DIST_Q_UNIFORM, 0, 1, 0.1);
    add_range(s, "noise", TT_DIST_NORMAL, 0.0, 2.0, 1);
    add_range(s, "qnoise", TT_DIST_Q_NORMAL, 0.0, 2.0, 0.5);
    add_range(s, "scale", TT_DIST_LOG_NORMAL, 0.0, 1.0, 1);
    add_range(s, "frac", TT_DIST_BETA, 2.0, 5.0, 1);
    add_range(s, "qfrac", TT_DIST_Q_BETA, 2.0, 2.0, 0.25);
    add_range(s, "inv", TT_DIST_INV_LOG_UNIFORM_VALUES, 1.0, 100.0, 1);
    add_range(s, "qlog", TT_DIST_Q_LOG_UNIFORM_VALUES, 1.0, 1000.0, 1);
    add_constant(s, "epochs", 10);
    size_t mom = add_range(s, "momentum", TT_DIST_UNIFORM, 0.5, 0.99, 1);
    size_t act = add_strings(s, "activation", 2, acts);
    add_condition(s, mom, "optimizer", "sgd");
    add_condition(s, act, "optimizer", "rmsprop");
    finish(s);
    return s;
}

/* ---- histories ---- */


void hist_push(hist *h, const tt_assignment *a, tt_trial_state state, double value)
{
    tt_grow((void **)&h->obs, &h->cap, h->n + 1, sizeof *h->obs);
    tt_observation *o = &h->obs[h->n++];
    memset(o, 0, sizeof *o);
    o->params = tt_assignment_new(a->n);
    tt_assignment_copy(&o->params, a);
    o->state = state;
    o->value = value;
}

void hist_push_x(hist *h, size_t n, const double *x, tt_trial_state state, double value)
{
    tt_assignment a = tt_assignment_new(n);
    for (size_t i = 0; i < n; i++) {
        a.x[i] = x[i];
        a.active[i] = true;
    }
    hist_push(h, &a, state, value);
    tt_assignment_free(&a);
}

tt_history hist_view(const hist *h)
{
    tt_history v = {.obs = h->obs, .n = h->n, .goal = h->goal};
    return v;
}

void hist_free(hist *h)
{
    for (size_t i = 0; i < h->n; i++)
        tt_assignment_free(&h->obs[i].params);
    free(h->obs);
    memset(h, 0, sizeof *h);
}

/* Suggest with method m from h into a (sized to the space). */
void suggest(tt_method m, const tt_space *s, const hist *h, uint64_t seed,
             tt_assignment *a)
{
    tt_error err = {0};
    tt_history view = hist_view(h);
    ck_assert_msg(tt_sampler_suggest(m, s, &view, seed, a, &err) == 0, "%s", err.msg);
}

/* Shifted sphere on the first d coordinates (the optimum is inside
 * [-5,5]^d). */
double sphere_x(const double *x, size_t d)
{
    static const double shift[] = {1.3, -2.1, 0.7, 2.9, -0.4, 1.8, -3.3, 0.2};
    double v = 0.0;
    for (size_t i = 0; i < d; i++) {
        double z = x[i] - shift[i % 8];
        v += z * z;
    }
    return v;
}

double sphere(const tt_assignment *a)
{
    return sphere_x(a->x, a->n);
}

/* A smooth function of every active parameter's unit-cube coordinate. */
double unit_objective(const tt_space *s, const tt_assignment *a)
{
    double v = 0.0;
    for (size_t i = 0; i < s->n; i++)
        if (a->active[i]) {
            double u = tt_param_encode(&s->params[i], a->x[i]) - 0.3;
            v += u * u;
        }
    return v;
}

/* Sequential study: each suggestion completes before the next. Returns the
 * best value; the history is left in *h. */
double run_sequential(tt_method m, const tt_space *s, uint64_t seed, size_t trials,
                      hist *h)
{
    tt_assignment a = tt_assignment_new(s->n);
    double best = INFINITY;
    for (size_t t = 0; t < trials; t++) {
        suggest(m, s, h, seed, &a);
        double v = sphere(&a);
        hist_push(h, &a, TT_TRIAL_COMPLETED, h->goal == TT_GOAL_MAXIMIZE ? -v : v);
        best = fmin(best, v);
    }
    tt_assignment_free(&a);
    return best;
}

bool same_point(const tt_assignment *a, const tt_assignment *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->active[i] != b->active[i] || (a->active[i] && a->x[i] != b->x[i]))
            return false;
    return true;
}

int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

void check_determinism_and_resume(tt_method m)
{
    tt_space *s = box_space(6);
    hist a = {0}, b = {0}, c = {0};
    run_sequential(m, s, 42, 60, &a);
    run_sequential(m, s, 42, 60, &b);
    run_sequential(m, s, 43, 60, &c);
    size_t differ = 0;
    for (size_t t = 0; t < 60; t++) {
        ck_assert(same_point(&a.obs[t].params, &b.obs[t].params));
        differ += !same_point(&a.obs[t].params, &c.obs[t].params);
    }
    ck_assert_uint_eq(differ, 60);
    tt_assignment again = tt_assignment_new(s->n);
    for (size_t t = 0; t < 60; t += 7) {
        hist prefix = a;
        prefix.n = t;
        suggest(m, s, &prefix, 42, &again);
        ck_assert(same_point(&again, &a.obs[t].params));
    }
    tt_assignment_free(&again);
    hist_free(&a);
    hist_free(&b);
    hist_free(&c);
    tt_space_free(s);
}

void check_every_kind(tt_method m)
{
    tt_space *s = all_kinds_space();
    hist h = {0};
    tt_assignment a = tt_assignment_new(s->n), check = tt_assignment_new(s->n);
    long opt = tt_space_find(s, "optimizer"), mom = tt_space_find(s, "momentum");
    long act = tt_space_find(s, "activation");
    bool seen[3] = {false};
    for (size_t t = 0; t < 150; t++) {
        suggest(m, s, &h, 9, &a);
        tt_assignment_copy(&check, &a);
        tt_space_update_active(s, &check);
        for (size_t i = 0; i < s->n; i++) {
            ck_assert(check.active[i] == a.active[i]);
            if (a.active[i])
                ck_assert_msg(tt_param_contains(&s->params[i], a.x[i]), "%s = %.17g",
                              s->params[i].name, a.x[i]);
            else
                ck_assert(a.x[i] == 0.0);
        }
        ck_assert(a.active[mom] == (a.x[opt] == 1.0));
        ck_assert(a.active[act] == (a.x[opt] == 2.0));
        seen[(int)a.x[opt]] = true;
        hist_push(&h, &a, t % 13 == 5 ? TT_TRIAL_FAILED : TT_TRIAL_COMPLETED,
                  unit_objective(s, &a));
    }
    ck_assert(seen[0] && seen[1] && seen[2]);
    /* The model's coordinates converge towards u = 0.3: the last trials sit
     * closer than the first. */
    long lr = tt_space_find(s, "lr");
    double early = 0, late = 0;
    for (size_t t = 0; t < 20; t++) {
        early += fabs(tt_param_encode(&s->params[lr], h.obs[t].params.x[lr]) - 0.3);
        late += fabs(tt_param_encode(&s->params[lr], h.obs[h.n - 1 - t].params.x[lr]) - 0.3);
    }
    ck_assert_msg(late < early, "early %g late %g", early, late);
    tt_assignment_free(&a);
    tt_assignment_free(&check);
    hist_free(&h);
    tt_space_free(s);
}

void check_maximize_mirrors_minimize(tt_method m)
{
    tt_space *s = box_space(3);
    hist lo = {0}, hi = {.goal = TT_GOAL_MAXIMIZE};
    run_sequential(m, s, 4, 40, &lo);
    run_sequential(m, s, 4, 40, &hi); /* stores -sphere, maximised */
    for (size_t t = 0; t < 40; t++)
        ck_assert(same_point(&lo.obs[t].params, &hi.obs[t].params));
    hist_free(&lo);
    hist_free(&hi);
    tt_space_free(s);
}

double median_best(tt_method m, const tt_space *s)
{
    double best[10];
    for (int k = 0; k < 10; k++) {
        hist h = {0};
        best[k] = run_sequential(m, s, (uint64_t)k + 1, 80, &h);
        hist_free(&h);
    }
    qsort(best, 10, sizeof *best, cmp_double);
    return 0.5 * (best[4] + best[5]);
}
