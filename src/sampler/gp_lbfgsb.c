/*
 * gp_lbfgsb — a small bound-constrained quasi-Newton minimiser for the GP
 * sampler: the MAP fit of the kernel parameters (unbounded in spirit, with
 * safety rails) and the acquisition's continuous coordinates (the unit box).
 *
 * It is a projected L-BFGS, not the full L-BFGS-B of Byrd, Lu, Nocedal and
 * Zhu (no generalised Cauchy point, no subspace minimisation): a variable
 * sitting at a bound with the gradient pushing outward is held fixed for
 * the iteration, the two-loop recursion gives the direction on the others,
 * and a backtracking Armijo search runs along the projected path
 * P(x + t·d). Pairs (s, y) that fail the curvature condition are skipped,
 * and a direction that is not a descent direction resets the memory to
 * steepest descent. For the few-dozen-variable, smooth problems here this
 * reaches the same tolerance as scipy's L-BFGS-B in a similar number of
 * evaluations, in a tenth of the code.
 *
 * Stopping: ‖projected gradient‖∞ ≤ pgtol, a relative decrease below
 * scipy's default ftol (2.2e-9), max_iter, or a failed line search.
 */
#include "gp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

#define MAX_MEMORY 16
#define ARMIJO_C1 1e-4
#define MAX_BACKTRACK 40
#define FTOL 2.2e-9

typedef struct bounds {
    const double *lo, *hi;
} bounds;

static double project(const bounds *b, size_t i, double v)
{
    if (b->lo != NULL && v < b->lo[i])
        v = b->lo[i];
    if (b->hi != NULL && v > b->hi[i])
        v = b->hi[i];
    return v;
}

/* Whether variable i is held at a bound this iteration. */
static bool held(const bounds *b, size_t i, double x, double g)
{
    return (b->lo != NULL && x <= b->lo[i] && g > 0.0) ||
           (b->hi != NULL && x >= b->hi[i] && g < 0.0);
}

typedef struct memory {
    size_t n;
    int cap, count, head; /* ring buffer: head is the next slot */
    double *s, *y, *rho;
} memory;

static double dot(const double *a, const double *b, size_t n)
{
    return gp_dot(a, b, n);
}

/* d = −H g on the free variables (two-loop recursion). */
static void direction(const memory *m, const bool *free_var, const double *g, double *d,
                      double *alpha)
{
    size_t n = m->n;
    for (size_t i = 0; i < n; i++)
        d[i] = free_var[i] ? g[i] : 0.0;
    for (int k = 0; k < m->count; k++) {
        int slot = (m->head - 1 - k + 2 * m->cap) % m->cap;
        alpha[k] = m->rho[slot] * dot(m->s + (size_t)slot * n, d, n);
        const double *y = m->y + (size_t)slot * n;
        for (size_t i = 0; i < n; i++)
            d[i] -= alpha[k] * y[i];
    }
    if (m->count > 0) {
        int last = (m->head - 1 + m->cap) % m->cap;
        const double *y = m->y + (size_t)last * n;
        double gamma = 1.0 / (m->rho[last] * dot(y, y, n));
        for (size_t i = 0; i < n; i++)
            d[i] *= gamma;
    }
    for (int k = m->count - 1; k >= 0; k--) {
        int slot = (m->head - 1 - k + 2 * m->cap) % m->cap;
        double beta = m->rho[slot] * dot(m->y + (size_t)slot * n, d, n);
        const double *s = m->s + (size_t)slot * n;
        for (size_t i = 0; i < n; i++)
            d[i] += s[i] * (alpha[k] - beta);
    }
    for (size_t i = 0; i < n; i++)
        d[i] = free_var[i] ? -d[i] : 0.0;
}

int gp_lbfgsb(gp_objective f, void *ctx, size_t n, double *x, const double *lo,
              const double *hi, const gp_lbfgsb_options *opt, double *fx)
{
    bounds b = {lo, hi};
    for (size_t i = 0; i < n; i++)
        x[i] = project(&b, i, x[i]);
    size_t nn = n ? n : 1;
    double *g = tt_xcalloc(nn, sizeof *g);
    double *gt = tt_xcalloc(nn, sizeof *gt);
    double *xt = tt_xcalloc(nn, sizeof *xt);
    double *d = tt_xcalloc(nn, sizeof *d);
    bool *free_var = tt_xcalloc(nn, sizeof *free_var);
    memory m = {.n = n, .cap = opt->memory < 1 ? 1 : opt->memory > MAX_MEMORY ? MAX_MEMORY : opt->memory};
    m.s = tt_xcalloc((size_t)m.cap * nn, sizeof *m.s);
    m.y = tt_xcalloc((size_t)m.cap * nn, sizeof *m.y);
    m.rho = tt_xcalloc((size_t)m.cap, sizeof *m.rho);
    double alpha[MAX_MEMORY];

    int iter = 0;
    *fx = f(x, g, ctx);
    if (!isfinite(*fx)) {
        iter = -1;
        goto done;
    }
    for (; iter < opt->max_iter; iter++) {
        double pgmax = 0.0;
        for (size_t i = 0; i < n; i++) {
            free_var[i] = !held(&b, i, x[i], g[i]);
            if (free_var[i] && fabs(g[i]) > pgmax)
                pgmax = fabs(g[i]);
        }
        if (!(pgmax > opt->pgtol))
            break;
        direction(&m, free_var, g, d, alpha);
        if (!(dot(g, d, n) < 0.0)) {
            m.count = 0;
            direction(&m, free_var, g, d, alpha);
        }
        /* Without curvature information, the first step moves no variable
         * by more than one unit. */
        double t = 1.0;
        if (m.count == 0) {
            double dmax = 0.0;
            for (size_t i = 0; i < n; i++)
                dmax = fmax(dmax, fabs(d[i]));
            if (dmax > 1.0)
                t = 1.0 / dmax;
        }
        bool accepted = false;
        double ft = *fx;
        for (int k = 0; k < MAX_BACKTRACK; k++, t *= 0.5) {
            double decrease = 0.0;
            for (size_t i = 0; i < n; i++) {
                xt[i] = project(&b, i, x[i] + t * d[i]);
                decrease += g[i] * (xt[i] - x[i]);
            }
            if (!(decrease < 0.0))
                continue;
            ft = f(xt, gt, ctx);
            if (isfinite(ft) && ft <= *fx + ARMIJO_C1 * decrease) {
                accepted = true;
                break;
            }
        }
        if (!accepted) {
            if (m.count == 0)
                break;
            m.count = 0; /* retry once more from steepest descent */
            continue;
        }
        int slot = m.head;
        double *s = m.s + (size_t)slot * n, *y = m.y + (size_t)slot * n;
        for (size_t i = 0; i < n; i++) {
            s[i] = xt[i] - x[i];
            y[i] = gt[i] - g[i];
        }
        double sy = dot(s, y, n), yy = dot(y, y, n);
        if (sy > 1e-10 * yy && yy > 0.0) {
            m.rho[slot] = 1.0 / sy;
            m.head = (m.head + 1) % m.cap;
            if (m.count < m.cap)
                m.count++;
        }
        double fold = *fx;
        memcpy(x, xt, n * sizeof *x);
        memcpy(g, gt, n * sizeof *g);
        *fx = ft;
        if (fold - ft <= FTOL * fmax(fmax(fabs(fold), fabs(ft)), 1.0)) {
            iter++;
            break;
        }
    }
done:
    free(g);
    free(gt);
    free(xt);
    free(d);
    free(free_var);
    free(m.s);
    free(m.y);
    free(m.rho);
    return iter;
}
