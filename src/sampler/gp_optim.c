/*
 * gp_optim — maximising log EI over a mixed space (docs/algorithms.md
 * §1.5.5).
 *
 * 1. Screen 2048 points of a scrambled Sobol sequence (scramble drawn from
 *    the suggestion's stream), discrete coordinates snapped to their values.
 * 2. Starts: the best Sobol point, up to 8 more drawn without replacement
 *    with probability ∝ exp(logEI − max), and the best observed trial.
 * 3. From each start, alternate until a full pass gains nothing:
 *    (a) bounded L-BFGS over the active continuous coordinates, in units of
 *        their lengthscales (z = x·√ρ ∈ [0, √ρ]) so the problem is well
 *        scaled whatever the fit found;
 *    (b) each active discrete coordinate in turn: every category of a
 *        categorical, every value of an int/q grid with at most 32 values,
 *        otherwise a coarse grid of 32 values plus the neighbours ±1, ±2
 *        steps of the current value.
 * 4. The best point over all starts wins; ties go to the earlier start, so
 *    the result is a pure function of the inputs.
 *
 * Conditions are resolved on every candidate (gp_features): changing a
 * categorical parent switches its children on or off, and the next pass
 * optimises whatever is active then.
 */
#include "gp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/sampler.h"

#define SOBOL_CANDIDATES 2048 /* a multiple of GP_BATCH */
#define EXTRA_STARTS 8
#define MAX_PASSES 20
#define ACQ_PGTOL 1e-2
#define ACQ_MAX_ITER 200
#define EXHAUSTIVE_LIMIT 32
#define COARSE_GRID 32
/* A pass "changes something" when log EI rises by more than this. */
#define MIN_GAIN 1e-9

double gp_acqf_eval(const gp_problem *pr, const double *feat, double *grad, double *work)
{
    size_t n = pr->post.n, dim = pr->dim;
    double *dmean = work + 3 * n, *dvar = work + 3 * n + dim;
    double mean, var, dm, dv;
    gp_posterior_eval(&pr->post, feat, &mean, &var, grad ? dmean : NULL, grad ? dvar : NULL,
                      work);
    double v = gp_log_ei(mean, var, pr->f0, &dm, &dv);
    if (grad != NULL)
        for (size_t j = 0; j < dim; j++)
            grad[j] = dm * dmean[j] + dv * dvar[j];
    return v;
}

/* The fixed choices of a discrete coordinate (NULL count 0 when it needs
 * the coarse grid and neighbours instead). */
typedef struct choices {
    double *u;
    size_t n;
} choices;

typedef struct search {
    const gp_problem *pr;
    size_t n_params;
    choices *fixed;       /* per coordinate */
    double *u, *feat;     /* the current point */
    double value;
    double *trial_u, *trial_feat, *grad, *work;
    tt_assignment scratch;
    /* continuous step */
    size_t *cont;
    size_t n_cont;
    double *sqrt_rho, *z, *lo, *hi, *zgrad;
} search;

static void fixed_choices(const tt_param *p, gp_dim_kind kind, choices *c)
{
    c->u = NULL;
    c->n = 0;
    if (kind == GP_DIM_CATEGORICAL) {
        c->u = tt_xcalloc(p->n_values + 1, sizeof *c->u);
        for (size_t k = 0; k < p->n_values; k++)
            if (p->probabilities == NULL || p->probabilities[k] > 0.0)
                c->u[c->n++] = tt_param_encode(p, (double)k);
        return;
    }
    size_t count = tt_param_grid_count(p);
    if (kind != GP_DIM_DISCRETE || count == 0 || count > EXHAUSTIVE_LIMIT)
        return;
    c->u = tt_xcalloc(count, sizeof *c->u);
    for (size_t k = 0; k < count; k++)
        c->u[c->n++] = tt_param_encode(p, tt_param_grid_value(p, k));
}

static void search_init(search *s, const gp_problem *pr)
{
    memset(s, 0, sizeof *s);
    s->pr = pr;
    s->n_params = pr->space->n;
    size_t np = s->n_params + 1, dim = pr->dim + 1, n = pr->post.n;
    s->fixed = tt_xcalloc(dim, sizeof *s->fixed);
    for (size_t j = 0; j < pr->dim; j++)
        fixed_choices(&pr->space->params[pr->param[j]], pr->kind[j], &s->fixed[j]);
    s->u = tt_xcalloc(np, sizeof *s->u);
    s->trial_u = tt_xcalloc(np, sizeof *s->trial_u);
    s->feat = tt_xcalloc(dim, sizeof *s->feat);
    s->trial_feat = tt_xcalloc(dim, sizeof *s->trial_feat);
    s->grad = tt_xcalloc(dim, sizeof *s->grad);
    s->work = tt_xcalloc(3 * n + 2 * dim, sizeof *s->work);
    s->scratch = tt_assignment_new(pr->space->n);
    s->cont = tt_xcalloc(dim, sizeof *s->cont);
    s->sqrt_rho = tt_xcalloc(dim, sizeof *s->sqrt_rho);
    for (size_t j = 0; j < pr->dim; j++)
        s->sqrt_rho[j] = sqrt(pr->post.rho[j]);
    s->z = tt_xcalloc(dim, sizeof *s->z);
    s->lo = tt_xcalloc(dim, sizeof *s->lo);
    s->hi = tt_xcalloc(dim, sizeof *s->hi);
    s->zgrad = tt_xcalloc(dim, sizeof *s->zgrad);
}

static void search_free(search *s)
{
    for (size_t j = 0; j < s->pr->dim; j++)
        free(s->fixed[j].u);
    free(s->fixed);
    free(s->u);
    free(s->trial_u);
    free(s->feat);
    free(s->trial_feat);
    free(s->grad);
    free(s->work);
    tt_assignment_free(&s->scratch);
    free(s->cont);
    free(s->sqrt_rho);
    free(s->z);
    free(s->lo);
    free(s->hi);
    free(s->zgrad);
}

static double continuous_objective(const double *z, double *grad, void *ctx)
{
    search *s = ctx;
    const gp_problem *pr = s->pr;
    memcpy(s->trial_feat, s->feat, pr->dim * sizeof *s->trial_feat);
    for (size_t k = 0; k < s->n_cont; k++) {
        size_t j = s->cont[k];
        s->trial_feat[j] = fmin(fmax(z[k] / s->sqrt_rho[j], 0.0), 1.0);
    }
    double v = gp_acqf_eval(pr, s->trial_feat, s->grad, s->work);
    for (size_t k = 0; k < s->n_cont; k++)
        grad[k] = -s->grad[s->cont[k]] / s->sqrt_rho[s->cont[k]];
    return -v;
}

/* Step (a). Returns whether the point improved. */
static bool step_continuous(search *s)
{
    const gp_problem *pr = s->pr;
    gp_features(pr, s->u, s->feat, &s->scratch);
    s->n_cont = 0;
    for (size_t j = 0; j < pr->dim; j++) {
        if (pr->kind[j] != GP_DIM_CONTINUOUS || !s->scratch.active[pr->param[j]] ||
            !(s->sqrt_rho[j] > 0.0))
            continue;
        size_t k = s->n_cont++;
        s->cont[k] = j;
        s->z[k] = s->feat[j] * s->sqrt_rho[j];
        s->lo[k] = 0.0;
        s->hi[k] = s->sqrt_rho[j];
    }
    if (s->n_cont == 0)
        return false;
    gp_lbfgsb_options opt = {.pgtol = ACQ_PGTOL, .max_iter = ACQ_MAX_ITER, .memory = 10};
    double f;
    if (gp_lbfgsb(continuous_objective, s, s->n_cont, s->z, s->lo, s->hi, &opt, &f) < 0 ||
        !(-f > s->value + MIN_GAIN))
        return false;
    for (size_t k = 0; k < s->n_cont; k++) {
        size_t j = s->cont[k];
        s->u[pr->param[j]] = fmin(fmax(s->z[k] / s->sqrt_rho[j], 0.0), 1.0);
    }
    gp_features(pr, s->u, s->feat, &s->scratch);
    s->value = gp_acqf_eval(pr, s->feat, NULL, s->work);
    return true;
}

/* Score the current point with coordinate i of u set to c; keeps the best
 * in *best_u / *best_v. */
static void try_choice(search *s, size_t i, double c, double *best_c, double *best_v)
{
    memcpy(s->trial_u, s->u, s->n_params * sizeof *s->trial_u);
    s->trial_u[i] = c;
    gp_features(s->pr, s->trial_u, s->trial_feat, &s->scratch);
    double v = gp_acqf_eval(s->pr, s->trial_feat, NULL, s->work);
    if (v > *best_v) {
        *best_v = v;
        *best_c = s->trial_u[i];
    }
}

/* Step (b) for coordinate j. Returns whether the point improved. */
static bool step_discrete(search *s, size_t j)
{
    const gp_problem *pr = s->pr;
    size_t i = pr->param[j];
    gp_features(pr, s->u, s->feat, &s->scratch);
    if (!s->scratch.active[i])
        return false;
    double best_c = s->u[i], best_v = s->value;
    const choices *fc = &s->fixed[j];
    if (fc->n > 0) {
        for (size_t k = 0; k < fc->n; k++)
            try_choice(s, i, fc->u[k], &best_c, &best_v);
    } else {
        const tt_param *p = &pr->space->params[i];
        for (size_t k = 0; k < COARSE_GRID; k++)
            try_choice(s, i, ((double)k + 0.5) / COARSE_GRID, &best_c, &best_v);
        double v = tt_param_decode(p, s->u[i]);
        double step = gp_param_step(p);
        static const double offsets[] = {-2.0, -1.0, 1.0, 2.0};
        for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
            double w = v + offsets[k] * step;
            if (tt_param_contains(p, w))
                try_choice(s, i, tt_param_encode(p, w), &best_c, &best_v);
        }
    }
    if (!(best_v > s->value + MIN_GAIN))
        return false;
    s->u[i] = best_c;
    gp_features(pr, s->u, s->feat, &s->scratch);
    s->value = gp_acqf_eval(pr, s->feat, NULL, s->work);
    return true;
}

static void local_search(search *s)
{
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        bool changed = step_continuous(s);
        for (size_t j = 0; j < s->pr->dim; j++)
            if (s->pr->kind[j] != GP_DIM_CONTINUOUS)
                changed = step_discrete(s, j) || changed;
        if (!changed)
            break;
    }
}

/* Indices of the starts: best first, then up to EXTRA_STARTS drawn with
 * probability ∝ exp(v − max) without replacement. Returns the count. */
static size_t pick_starts(const double *vals, size_t n, tt_rng *rng, size_t *starts)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (vals[i] > vals[best])
            best = i;
    size_t count = 0;
    starts[count++] = best;
    double *w = tt_xcalloc(n, sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = i == best ? 0.0 : exp(vals[i] - vals[best]);
    for (int e = 0; e < EXTRA_STARTS; e++) {
        double total = 0.0;
        for (size_t i = 0; i < n; i++)
            total += w[i];
        if (!(total > 0.0))
            break;
        double r = tt_rng_uniform(rng) * total, cum = 0.0;
        size_t pick = n;
        for (size_t i = 0; i < n; i++) {
            if (w[i] <= 0.0)
                continue;
            pick = i;
            cum += w[i];
            if (r < cum)
                break;
        }
        if (pick == n)
            break;
        starts[count++] = pick;
        w[pick] = 0.0;
    }
    free(w);
    return count;
}

void gp_optimize_acqf(const gp_problem *pr, const double *start_u, tt_rng *rng,
                      double *u_out)
{
    search s;
    search_init(&s, pr);
    size_t np = s.n_params, stride = np ? np : 1;
    double *cand = tt_xcalloc(SOBOL_CANDIDATES * stride, sizeof *cand);
    double *vals = tt_xcalloc(SOBOL_CANDIDATES, sizeof *vals);
    uint64_t scramble = tt_rng_u64(rng);
    size_t dim = pr->dim;
    double *feats = tt_xcalloc(GP_BATCH * dim + 1, sizeof *feats);
    double *bwork = tt_xcalloc(pr->post.n * GP_BATCH + 1, sizeof *bwork);
    double mean[GP_BATCH], var[GP_BATCH];
    for (size_t c0 = 0; c0 < SOBOL_CANDIDATES; c0 += GP_BATCH) {
        for (size_t b = 0; b < GP_BATCH; b++) {
            double *u = cand + (c0 + b) * stride;
            if (np > TT_SOBOL_MAX_DIM || tt_sobol_point(np, c0 + b, scramble, u, NULL) != 0)
                for (size_t i = 0; i < np; i++)
                    u[i] = tt_rng_uniform(rng);
            gp_features(pr, u, feats + b * dim, &s.scratch);
        }
        gp_posterior_eval_batch(&pr->post, feats, mean, var, bwork);
        for (size_t b = 0; b < GP_BATCH; b++)
            vals[c0 + b] = gp_log_ei(mean[b], var[b], pr->f0, NULL, NULL);
    }
    free(feats);
    free(bwork);
    size_t starts[EXTRA_STARTS + 1];
    size_t n_starts = pick_starts(vals, SOBOL_CANDIDATES, rng, starts);

    double best_v = -INFINITY;
    for (size_t k = 0; k <= n_starts; k++) {
        if (k == n_starts && start_u == NULL)
            break;
        memcpy(s.u, k < n_starts ? cand + starts[k] * stride : start_u, np * sizeof *s.u);
        gp_features(pr, s.u, s.feat, &s.scratch);
        s.value = gp_acqf_eval(pr, s.feat, NULL, s.work);
        local_search(&s);
        if (s.value > best_v || k == 0) {
            best_v = s.value;
            memcpy(u_out, s.u, np * sizeof *u_out);
        }
    }
    free(cand);
    free(vals);
    search_free(&s);
}
