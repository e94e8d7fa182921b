/*
 * functions — the six benchmark objectives and their spaces (see
 * functions.h). Constants are those of docs/algorithms.md §5.1 (BoTorch's
 * synthetic.py); minima are given to full double precision so that a
 * sampler that lands closer to the optimum than the rounded published
 * optimiser never gets a negative regret:
 *   - Branin: 5/(4π), the exact value at (π, 2.275);
 *   - Hartmann-6: polished from the published optimiser by Nelder–Mead;
 *   - Styblinski–Tang: 4·½(x⁴ − 16x² + 5x) at the root of 4x³ − 32x + 5.
 */
#include "functions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double branin(const double *x)
{
    double x1 = x[0], x2 = x[1];
    double t = x2 - 5.1 * x1 * x1 / (4.0 * M_PI * M_PI) + 5.0 * x1 / M_PI - 6.0;
    return t * t + 10.0 * (1.0 - 1.0 / (8.0 * M_PI)) * cos(x1) + 10.0;
}

static double hartmann6(const double *x)
{
    static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
    static const double a[4][6] = {
        {10, 3, 17, 3.5, 1.7, 8},
        {0.05, 10, 17, 0.1, 8, 14},
        {3, 3.5, 1.7, 10, 17, 8},
        {17, 8, 0.05, 10, 0.1, 14},
    };
    static const double p[4][6] = {
        {1312, 1696, 5569, 124, 8283, 5886},
        {2329, 4135, 8307, 3736, 1004, 9991},
        {2348, 1451, 3522, 2883, 3047, 6650},
        {4047, 8828, 8732, 5743, 1091, 381},
    };
    double f = 0.0;
    for (int i = 0; i < 4; i++) {
        double s = 0.0;
        for (int j = 0; j < 6; j++) {
            double d = x[j] - 1e-4 * p[i][j];
            s += a[i][j] * d * d;
        }
        f -= alpha[i] * exp(-s);
    }
    return f;
}

static double rosenbrock4(const double *x)
{
    double f = 0.0;
    for (int i = 0; i < 3; i++) {
        double t = x[i + 1] - x[i] * x[i];
        f += 100.0 * t * t + (x[i] - 1.0) * (x[i] - 1.0);
    }
    return f;
}

static double ackley5(const double *x)
{
    double sq = 0.0, cs = 0.0;
    for (int i = 0; i < 5; i++) {
        sq += x[i] * x[i];
        cs += cos(2.0 * M_PI * x[i]);
    }
    return -20.0 * exp(-0.2 * sqrt(sq / 5.0)) - exp(cs / 5.0) + 20.0 + M_E;
}

static double styblinski_tang4(const double *x)
{
    double f = 0.0;
    for (int i = 0; i < 4; i++)
        f += x[i] * x[i] * x[i] * x[i] - 16.0 * x[i] * x[i] + 5.0 * x[i];
    return 0.5 * f;
}

/* Mixed: x1, x2 in [0,1], n integer in [0,10], c in {a, b, c}. Each category
 * has its own continuous optimum, integer optimum and offset, so the sampler
 * must learn the interaction; the minimum is exactly 0 at c = b,
 * (x1, x2) = (0.7, 0.3), n = 3. */
static double mixed(const double *x)
{
    static const double offset[3] = {0.5, 0.0, 0.25};
    static const double u[3] = {0.2, 0.7, 0.5};
    static const double v[3] = {0.8, 0.3, 0.5};
    static const double n_best[3] = {8.0, 3.0, 5.0};
    int c = (int)x[3];
    if (c < 0 || c > 2)
        return NAN;
    double d1 = x[0] - u[c], d2 = x[1] - v[c];
    return offset[c] + 10.0 * (d1 * d1 + d2 * d2) + 0.1 * fabs(x[2] - n_best[c]);
}

const bench_function bench_functions[] = {
    {"branin", 2, 0.39788735772973816, branin},
    {"hartmann6", 6, -3.322368011415515, hartmann6},
    {"rosenbrock4", 4, 0.0, rosenbrock4},
    {"ackley5", 5, 0.0, ackley5},
    {"styblinski_tang4", 4, -156.66466281508565, styblinski_tang4},
    {"mixed", 4, 0.0, mixed},
};
const size_t bench_function_count = sizeof bench_functions / sizeof bench_functions[0];

static tt_param param_base(const char *name, tt_dist d)
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

static void add_uniform(tt_space *s, const char *name, double min, double max)
{
    tt_param p = param_base(name, TT_DIST_UNIFORM);
    p.min = min;
    p.max = max;
    tt_space_add(s, &p);
}

static void add_int(tt_space *s, const char *name, double min, double max)
{
    tt_param p = param_base(name, TT_DIST_INT_UNIFORM);
    p.min = min;
    p.max = max;
    p.is_int = true;
    tt_space_add(s, &p);
}

static void add_categorical(tt_space *s, const char *name, size_t n, const char *const *values)
{
    tt_param p = param_base(name, TT_DIST_CATEGORICAL);
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++) {
        p.values[i].kind = TT_VALUE_STRING;
        p.values[i].s = tt_xstrdup(values[i]);
    }
    p.n_values = n;
    tt_space_add(s, &p);
}

/* d parameters x1..xd, each uniform on [min, max]. */
static void add_box(tt_space *s, size_t d, double min, double max)
{
    for (size_t i = 0; i < d; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", i + 1);
        add_uniform(s, name, min, max);
    }
}

tt_space *bench_function_space(const bench_function *f, tt_error *err)
{
    tt_space *s = tt_space_new();
    if (strcmp(f->name, "branin") == 0) {
        add_uniform(s, "x1", -5.0, 10.0);
        add_uniform(s, "x2", 0.0, 15.0);
    } else if (strcmp(f->name, "hartmann6") == 0) {
        add_box(s, 6, 0.0, 1.0);
    } else if (strcmp(f->name, "rosenbrock4") == 0) {
        add_box(s, 4, -5.0, 10.0);
    } else if (strcmp(f->name, "ackley5") == 0) {
        add_box(s, 5, -32.768, 32.768);
    } else if (strcmp(f->name, "styblinski_tang4") == 0) {
        add_box(s, 4, -5.0, 5.0);
    } else if (strcmp(f->name, "mixed") == 0) {
        static const char *const cats[3] = {"a", "b", "c"};
        add_uniform(s, "x1", 0.0, 1.0);
        add_uniform(s, "x2", 0.0, 1.0);
        add_int(s, "n", 0.0, 10.0);
        add_categorical(s, "c", 3, cats);
    }
    if (s->n != f->dim || tt_space_finish(s, err) != 0) {
        if (s->n != f->dim)
            tt_error_set(err, TT_ERR_INVALID, "%s: space has %zu parameters, expected %zu",
                         f->name, s->n, f->dim);
        tt_space_free(s);
        return NULL;
    }
    return s;
}

const bench_function *bench_function_find(const char *name)
{
    for (size_t i = 0; i < bench_function_count; i++)
        if (strcmp(bench_functions[i].name, name) == 0)
            return &bench_functions[i];
    return NULL;
}
