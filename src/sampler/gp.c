/*
 * gp — Bayesian optimisation with a Gaussian process, as Optuna's GPSampler
 * does it (docs/algorithms.md §1.5): Matern 5/2 ARD kernel on the unit cube,
 * MAP kernel parameters, log expected improvement maximised by Sobol
 * screening plus local search. This file turns the history into a regression
 * problem and the answer back into a suggestion; the model and the optimisers
 * live in gp_kernel.c, gp_fit.c, gp_lbfgsb.c, gp_acqf.c and gp_optim.c.
 *
 * Encoding: each non-constant parameter is one coordinate. Numeric ones use
 * the prior-CDF encoding (tt_param_encode), so log and normal priors are
 * warped as the prior says; ints and q grids are snapped to the middle of
 * their value's interval (encode(decode(u))), which is how rounding enters
 * the model. Categorical ones are the category index, compared by Hamming
 * distance. A parameter switched off by a condition takes a fixed feature
 * (0.5, or for a categorical an index no category has): the model sees all
 * trials in one space, and "inactive" is simply one more value.
 *
 * Targets: COMPLETED trials with a value; failed, killed, pruned, timed-out
 * and interrupted trials are ignored. y = value when maximising, −value when
 * minimising; ±inf are clipped to the finite extremes; y is standardised.
 * The first 10 completed trials are random (tt_space_sample on the stream
 * (seed, history->n), the same draws as random search).
 *
 * Pending trials (RUNNING, QUEUED): kriging believer. Each is added to the
 * posterior as an observation at the posterior mean of the completed trials,
 * without refitting. The mean is unchanged and the variance collapses
 * around pending points, so parallel suggestions spread out; this costs one
 * extra row per pending trial in the same factorisation (gp_kernel.c),
 * where Optuna's fantasies (qLogEI over 128 samples) would cost 128
 * acquisition evaluations per candidate.
 *
 * Speed (the kernel fit is O(n³) per optimiser step, the posterior O(n³)
 * once and O(n²) per candidate): the MAP fit runs on at most FIT_CAP
 * trials — the best quarter by target and a uniform random choice among the
 * rest — because a handful of kernel parameters is well determined by a
 * couple of hundred points, and the best ones pin down the scale near the
 * optimum, where the acquisition works. The posterior conditions on every
 * completed trial up to POST_CAP (chosen the same way beyond it), so the
 * model never forgets a region it has seen.
 *
 * Determinism: every random choice (subset, Sobol scramble, starts) comes
 * from a stream seeded by (seed, history->n); there is no cache, and every
 * loop runs in a fixed order, so the same inputs give bitwise the same
 * suggestion.
 */
#include "tunetop/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gp_internal.h"

#define STARTUP_TRIALS 10
#define FIT_CAP 200
#define POST_CAP 1000
/* Keeps the GP's stream apart from random search's, which the startup
 * trials share. */
#define GP_STREAM_KEY 0x67702d73616d706cULL

bool gp_param_discrete(const tt_param *p)
{
    switch (p->dist) {
    case TT_DIST_CONSTANT:
    case TT_DIST_CATEGORICAL:
        return false;
    case TT_DIST_INT_UNIFORM:
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
    case TT_DIST_Q_BETA:
        return true;
    default:
        return p->is_int;
    }
}

double gp_param_step(const tt_param *p)
{
    switch (p->dist) {
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
    case TT_DIST_Q_BETA:
        return p->q;
    default:
        return 1.0;
    }
}

void gp_features(const gp_problem *pr, double *u, double *feat, tt_assignment *scratch)
{
    const tt_space *space = pr->space;
    if (pr->conditional)
        tt_space_decode(space, u, scratch);
    else
        for (size_t i = 0; i < space->n; i++)
            scratch->active[i] = true;
    for (size_t j = 0; j < pr->dim; j++) {
        size_t i = pr->param[j];
        const tt_param *p = &space->params[i];
        if (!scratch->active[i]) {
            feat[j] = pr->cat[j] ? GP_INACTIVE_CATEGORY : GP_INACTIVE_NUMERIC;
            continue;
        }
        if (pr->kind[j] == GP_DIM_CONTINUOUS) {
            feat[j] = u[i];
            continue;
        }
        double x = pr->conditional ? scratch->x[i] : tt_param_decode(p, u[i]);
        u[i] = tt_param_encode(p, x);
        feat[j] = pr->kind[j] == GP_DIM_CATEGORICAL ? x : u[i];
    }
}

/* Features and raw point of an observed assignment (u may be NULL). */
static void observed_features(const gp_problem *pr, const tt_assignment *a, double *feat,
                              double *u)
{
    const tt_space *space = pr->space;
    if (u != NULL)
        for (size_t i = 0; i < space->n; i++)
            u[i] = a->active[i] ? tt_param_encode(&space->params[i], a->x[i])
                                : GP_INACTIVE_NUMERIC;
    for (size_t j = 0; j < pr->dim; j++) {
        size_t i = pr->param[j];
        const tt_param *p = &space->params[i];
        if (!a->active[i]) {
            feat[j] = pr->cat[j] ? GP_INACTIVE_CATEGORY : GP_INACTIVE_NUMERIC;
        } else if (pr->kind[j] == GP_DIM_CATEGORICAL) {
            double k = isfinite(a->x[i]) ? round(a->x[i]) : 0.0;
            double top = p->n_values > 0 ? (double)(p->n_values - 1) : 0.0;
            feat[j] = k < 0.0 ? 0.0 : k > top ? top : k;
        } else {
            feat[j] = tt_param_encode(p, a->x[i]);
        }
    }
}

static void problem_init(gp_problem *pr, const tt_space *space)
{
    memset(pr, 0, sizeof *pr);
    pr->space = space;
    size_t n = space->n + 1;
    pr->param = tt_xcalloc(n, sizeof *pr->param);
    pr->kind = tt_xcalloc(n, sizeof *pr->kind);
    pr->cat = tt_xcalloc(n, sizeof *pr->cat);
    for (size_t i = 0; i < space->n; i++) {
        const tt_param *p = &space->params[i];
        if (p->n_conditions > 0)
            pr->conditional = true;
        if (p->dist == TT_DIST_CONSTANT)
            continue;
        size_t j = pr->dim++;
        pr->param[j] = i;
        pr->kind[j] = p->dist == TT_DIST_CATEGORICAL ? GP_DIM_CATEGORICAL
                      : gp_param_discrete(p)        ? GP_DIM_DISCRETE
                                                    : GP_DIM_CONTINUOUS;
        pr->cat[j] = p->dist == TT_DIST_CATEGORICAL;
    }
}

static void problem_free(gp_problem *pr)
{
    gp_posterior_free(&pr->post);
    free(pr->param);
    free(pr->kind);
    free(pr->cat);
}

static bool usable(const tt_observation *o, const tt_space *space)
{
    return o->params.n == space->n && o->params.x != NULL && o->params.active != NULL;
}

/* y from the completed values: sign for the goal, ±inf clipped to the
 * finite extremes, standardised. */
static void make_targets(const double *values, size_t n, tt_goal goal, double *y)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        y[i] = goal == TT_GOAL_MAXIMIZE ? values[i] : -values[i];
        if (isfinite(y[i])) {
            lo = fmin(lo, y[i]);
            hi = fmax(hi, y[i]);
        }
    }
    if (!(lo <= hi))
        lo = hi = 0.0;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++) {
        y[i] = y[i] < lo ? lo : y[i] > hi ? hi : y[i];
        mean += y[i];
    }
    mean /= (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (y[i] - mean) * (y[i] - mean);
    double sd = fmax(sqrt(ss / (double)n), 1e-12);
    for (size_t i = 0; i < n; i++)
        y[i] = (y[i] - mean) / sd;
}

typedef struct ranked {
    double y;
    size_t i;
} ranked;

static int by_y_desc(const void *a, const void *b)
{
    const ranked *ra = a, *rb = b;
    if (ra->y != rb->y)
        return ra->y > rb->y ? -1 : 1;
    return ra->i < rb->i ? -1 : ra->i > rb->i ? 1 : 0;
}

/* At most cap of the n indices: the best cap/4 by y and a uniform random
 * choice among the rest, written in increasing order. Returns the count. */
static size_t select_subset(const double *y, size_t n, size_t cap, tt_rng *rng, size_t *idx)
{
    if (n <= cap) {
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }
    ranked *r = tt_xcalloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){y[i], i};
    qsort(r, n, sizeof *r, by_y_desc);
    bool *take = tt_xcalloc(n, sizeof *take);
    size_t n_best = cap / 4;
    for (size_t k = 0; k < n_best; k++)
        take[r[k].i] = true;
    size_t *rest = tt_xcalloc(n, sizeof *rest), n_rest = 0;
    for (size_t i = 0; i < n; i++)
        if (!take[i])
            rest[n_rest++] = i;
    for (size_t k = 0; k < cap - n_best; k++) {
        size_t pick = k + (size_t)tt_rng_below(rng, n_rest - k);
        size_t t = rest[k];
        rest[k] = rest[pick];
        rest[pick] = t;
        take[rest[k]] = true;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (take[i])
            idx[m++] = i;
    free(r);
    free(take);
    free(rest);
    return m;
}

/* Rows idx[0..m) of x (dim columns) and y, gathered. */
static void gather(const double *x, const double *y, size_t dim, const size_t *idx, size_t m,
                   double *xs, double *ys)
{
    for (size_t k = 0; k < m; k++) {
        memcpy(xs + k * dim, x + idx[k] * dim, dim * sizeof *xs);
        ys[k] = y[idx[k]];
    }
}

/* The model-based suggestion once there are enough completed trials.
 * Returns 0, or -1 when the posterior cannot be factorised. */
static int model_suggest(gp_problem *pr, const tt_history *h, uint64_t seed,
                         tt_assignment *out)
{
    const tt_space *space = pr->space;
    size_t dim = pr->dim, nc = 0, np = 0;
    for (size_t t = 0; t < h->n; t++) {
        const tt_observation *o = &h->obs[t];
        if (!usable(o, space))
            continue;
        if (o->state == TT_TRIAL_COMPLETED && !isnan(o->value))
            nc++;
        else if (o->state == TT_TRIAL_RUNNING || o->state == TT_TRIAL_QUEUED)
            np++;
    }
    double *x = tt_xcalloc((nc + np) * dim + 1, sizeof *x);
    double *values = tt_xcalloc(nc + 1, sizeof *values);
    double *y = tt_xcalloc(nc + np + 1, sizeof *y);
    size_t *obs_index = tt_xcalloc(nc + 1, sizeof *obs_index);
    size_t ic = 0, ip = nc;
    for (size_t t = 0; t < h->n; t++) {
        const tt_observation *o = &h->obs[t];
        if (!usable(o, space))
            continue;
        if (o->state == TT_TRIAL_COMPLETED && !isnan(o->value)) {
            observed_features(pr, &o->params, x + ic * dim, NULL);
            values[ic] = o->value;
            obs_index[ic++] = t;
        } else if (o->state == TT_TRIAL_RUNNING || o->state == TT_TRIAL_QUEUED) {
            observed_features(pr, &o->params, x + ip++ * dim, NULL);
        }
    }
    make_targets(values, nc, h->goal, y);

    tt_rng rng;
    tt_rng_seed2(&rng, seed ^ GP_STREAM_KEY, h->n);

    /* Kernel parameters from a subset (see the file comment). */
    size_t *idx = tt_xcalloc(nc + 1, sizeof *idx);
    size_t m = select_subset(y, nc, FIT_CAP, &rng, idx);
    double *xs = tt_xcalloc(m * dim + 1, sizeof *xs);
    double *ys = tt_xcalloc(m + 1, sizeof *ys);
    gather(x, y, dim, idx, m, xs, ys);
    double *theta = tt_xcalloc(GP_THETA_SIZE(dim), sizeof *theta);
    gp_fit(xs, ys, m, dim, pr->cat, theta);
    double *rho = tt_xcalloc(dim + 1, sizeof *rho);
    gp_kernel k = {.dim = dim, .cat = pr->cat, .rho = rho};
    gp_theta_unpack(theta, dim, rho, &k.scale, &k.noise);
    free(xs);
    free(ys);

    /* Posterior: completed trials (capped), then the pending ones. */
    size_t mp = select_subset(y, nc, POST_CAP, &rng, idx);
    double *xp = tt_xcalloc((mp + np) * dim + 1, sizeof *xp);
    double *yp = tt_xcalloc(mp + np + 1, sizeof *yp);
    gather(x, y, dim, idx, mp, xp, yp);
    memcpy(xp + mp * dim, x + nc * dim, np * dim * sizeof *xp);
    int rc = gp_posterior_init(&pr->post, &k, xp, yp, mp + np, mp);

    if (rc == 0) {
        size_t best = 0;
        for (size_t i = 1; i < nc; i++)
            if (y[i] > y[best])
                best = i;
        pr->f0 = y[best];
        double *start_u = tt_xcalloc(space->n + 1, sizeof *start_u);
        double *feat = tt_xcalloc(dim + 1, sizeof *feat);
        observed_features(pr, &h->obs[obs_index[best]].params, feat, start_u);
        double *u = tt_xcalloc(space->n + 1, sizeof *u);
        gp_optimize_acqf(pr, start_u, &rng, u);
        tt_space_decode(space, u, out);
        free(start_u);
        free(feat);
        free(u);
    }
    free(x);
    free(values);
    free(y);
    free(obs_index);
    free(idx);
    free(theta);
    free(rho);
    free(xp);
    free(yp);
    return rc;
}

int tt_gp_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                  tt_assignment *out, tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "gp search: the output holds %zu parameters, the space %zu",
                            out->n, space->n);
    size_t completed = 0, hn = history != NULL ? history->n : 0;
    for (size_t t = 0; t < hn; t++) {
        const tt_observation *o = &history->obs[t];
        if (o->state == TT_TRIAL_COMPLETED && !isnan(o->value) && usable(o, space))
            completed++;
    }
    gp_problem pr;
    problem_init(&pr, space);
    int rc = -1;
    if (completed >= STARTUP_TRIALS && pr.dim > 0)
        rc = model_suggest(&pr, history, seed, out);
    problem_free(&pr);
    if (rc != 0) {
        /* Startup, nothing to model, or a factorisation that failed even
         * with jitter: a draw from the prior, as random search makes it. */
        tt_rng rng;
        tt_rng_seed2(&rng, seed, hn);
        tt_space_sample(space, &rng, out);
    }
    return 0;
}
