/*
 * evolution — a steady-state genetic algorithm, as a pure function of
 * (space, history, seed). Every suggestion is one child; the population is
 * rebuilt from the history each time, so nothing is stored between calls.
 *
 * Population: the best EVO_POPULATION(n) completed trials (n = parameters
 * that are not constants; failed, pruned and NaN-valued trials are
 * ignored). Taking the best of all completed trials, not of the last
 * generation, is elitism in its strongest form ((μ + 1) selection): the best
 * point found never leaves the population.
 *
 * First generation: until as many trials have been started (completed,
 * running or queued) as the population holds, suggestions are draws from
 * the prior with random search's stream (seed, trial number), so the
 * initial population is exactly what random search would have tried.
 * Running and queued trials count as children already proposed: they fill
 * the first generation, each later child has its own stream (seed, trial
 * number), and a child equal to any trial in the history (any state) is
 * bred again, with a mutation rate rising from 1/n to 1 over
 * EVO_MAX_ATTEMPTS tries, then replaced by a prior draw that is new (up to
 * EVO_MAX_ATTEMPTS more), so parallel workers do not repeat each other and a
 * small discrete space is covered before anything repeats.
 *
 * A child: two parents by binary tournament (the better of two random
 * members, EVO_TOURNAMENT); with probability EVO_CROSSOVER they cross, else
 * the child is a copy of the first. Crossover is uniform (each gene from
 * either parent) for categorical and discrete parameters, and simulated
 * binary crossover (SBX, Deb & Agrawal 1995, η = EVO_SBX_ETA) in the
 * unit-cube encoding for continuous ones. Then each gene mutates with
 * probability 1/n: numeric genes by a gaussian step in the unit cube
 * (reflected at the faces) whose scale is the population's spread in that
 * coordinate, clamped to [EVO_SIGMA_MIN, EVO_SIGMA_MAX], so the steps
 * shrink as the population converges; categorical genes by a fresh draw
 * from the prior.
 *
 * Conditional parameters: a gene is taken from a parent in which it is
 * active; when neither parent has it, it is drawn from the prior. Activity
 * is recomputed on the child (tt_space_update_active) and inactive
 * parameters get 0, as tt_space_decode gives them.
 */
#include "tunetop/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Population size for n searchable parameters. */
#define EVO_POPULATION(n) ((n) * 2 + 6 < 10 ? 10 : (n) * 2 + 6 > 50 ? 50 : (n) * 2 + 6)
#define EVO_TOURNAMENT 2
#define EVO_CROSSOVER 0.9
#define EVO_SBX_ETA 10.0
#define EVO_SIGMA_MIN 0.005
#define EVO_SIGMA_MAX 0.25
#define EVO_MAX_ATTEMPTS 32

/* Mixed into the stream of evolved children (the first generation uses
 * random search's stream). */
#define EVO_STREAM_TAG 0x65766f6c7631ULL /* "evolv1" */

typedef struct member {
    size_t trial;     /* history index */
    double value;     /* to minimise */
} member;

static int cmp_member(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    if (a->value < b->value)
        return -1;
    if (a->value > b->value)
        return 1;
    return (a->trial > b->trial) - (a->trial < b->trial);
}

static bool is_continuous(const tt_param *p)
{
    if (p->is_int)
        return false;
    switch (p->dist) {
    case TT_DIST_UNIFORM:
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM:
    case TT_DIST_INV_LOG_UNIFORM_VALUES:
    case TT_DIST_NORMAL:
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_BETA:
        return true;
    default:
        return false;
    }
}

/* Reflect u into [0, 1]. */
static double reflect(double u)
{
    for (int i = 0; i < 8 && (u < 0.0 || u > 1.0); i++)
        u = u < 0.0 ? -u : 2.0 - u;
    return u < 0.0 ? 0.0 : u > 1.0 ? 1.0 : u;
}

/* One SBX child of unit-cube coordinates a and b. */
static double sbx(tt_rng *rng, double a, double b)
{
    double r = tt_rng_uniform(rng);
    double beta = r <= 0.5 ? pow(2.0 * r, 1.0 / (EVO_SBX_ETA + 1.0))
                           : pow(1.0 / (2.0 * (1.0 - r)), 1.0 / (EVO_SBX_ETA + 1.0));
    double c = tt_rng_uniform(rng) < 0.5 ? 0.5 * ((1.0 + beta) * a + (1.0 - beta) * b)
                                          : 0.5 * ((1.0 - beta) * a + (1.0 + beta) * b);
    return c < 0.0 ? 0.0 : c > 1.0 ? 1.0 : c;
}

/* Binary (EVO_TOURNAMENT-ary) tournament over a population sorted best
 * first: the smallest of the random indices wins. */
static size_t tournament(tt_rng *rng, size_t n)
{
    size_t best = (size_t)tt_rng_below(rng, n);
    for (int k = 1; k < EVO_TOURNAMENT; k++) {
        size_t c = (size_t)tt_rng_below(rng, n);
        if (c < best)
            best = c;
    }
    return best;
}

/* Whether a equals some trial of the history on every active parameter. */
static bool already_tried(const tt_history *h, const tt_assignment *a)
{
    for (size_t t = 0; t < h->n; t++) {
        const tt_assignment *b = &h->obs[t].params;
        bool same = b->n == a->n;
        for (size_t i = 0; i < a->n && same; i++)
            same = a->active[i] == b->active[i] && (!a->active[i] || a->x[i] == b->x[i]);
        if (same)
            return true;
    }
    return false;
}

/* The population's spread in each unit-cube coordinate: the standard
 * deviation of the members in which the parameter is active, clamped. */
static void mutation_scales(const tt_space *space, const tt_history *h, const member *pop,
                            size_t n_pop, double *sigma)
{
    for (size_t i = 0; i < space->n; i++) {
        double sum = 0.0, sq = 0.0;
        size_t count = 0;
        for (size_t m = 0; m < n_pop; m++) {
            const tt_assignment *a = &h->obs[pop[m].trial].params;
            if (!a->active[i])
                continue;
            double u = tt_param_encode(&space->params[i], a->x[i]);
            sum += u;
            sq += u * u;
            count++;
        }
        double sd = EVO_SIGMA_MAX;
        if (count >= 2) {
            double mean = sum / (double)count;
            double var = sq / (double)count - mean * mean;
            sd = sqrt(var > 0.0 ? var : 0.0);
        }
        sigma[i] = sd < EVO_SIGMA_MIN ? EVO_SIGMA_MIN : sd > EVO_SIGMA_MAX ? EVO_SIGMA_MAX : sd;
    }
}

/* Build one child of parents a and b into out. */
static void make_child(const tt_space *space, const tt_assignment *pa, const tt_assignment *pb,
                       const double *sigma, double p_mutate, tt_rng *rng, tt_assignment *out)
{
    bool cross = tt_rng_uniform(rng) < EVO_CROSSOVER;
    for (size_t i = 0; i < space->n; i++) {
        const tt_param *p = &space->params[i];
        bool fresh = false; /* u holds the gene; otherwise x is copied */
        double u = 0.5, x = 0.0;
        if (p->dist == TT_DIST_CONSTANT) {
            out->x[i] = 0.0;
            continue;
        }
        if (!pa->active[i] && !pb->active[i]) {
            u = tt_rng_uniform(rng);
            fresh = true;
        } else if (!pb->active[i] || (pa->active[i] && !cross)) {
            x = pa->x[i];
        } else if (!pa->active[i]) {
            x = pb->x[i];
        } else if (is_continuous(p)) {
            u = sbx(rng, tt_param_encode(p, pa->x[i]), tt_param_encode(p, pb->x[i]));
            fresh = true;
        } else {
            x = tt_rng_uniform(rng) < 0.5 ? pa->x[i] : pb->x[i];
        }
        if (tt_rng_uniform(rng) < p_mutate) {
            if (p->dist == TT_DIST_CATEGORICAL) {
                u = tt_rng_uniform(rng);
            } else {
                double base = fresh ? u : tt_param_encode(p, x);
                u = reflect(base + sigma[i] * tt_rng_normal(rng));
            }
            fresh = true;
        }
        out->x[i] = fresh ? tt_param_decode(p, u) : x;
    }
    tt_space_update_active(space, out);
    for (size_t i = 0; i < space->n; i++)
        if (!out->active[i])
            out->x[i] = 0.0;
}

int tt_evolution_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                         tt_assignment *out, tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "evolution: the output holds %zu parameters, the space %zu", out->n,
                            space->n);
    static const tt_history empty = {.obs = NULL, .n = 0, .goal = TT_GOAL_MINIMIZE};
    if (history == NULL)
        history = &empty;

    size_t n_genes = 0;
    for (size_t i = 0; i < space->n; i++)
        n_genes += space->params[i].dist != TT_DIST_CONSTANT;
    size_t population = EVO_POPULATION(n_genes);

    member *done = tt_xmalloc((history->n ? history->n : 1) * sizeof *done);
    size_t n_done = 0, n_started = 0;
    for (size_t t = 0; t < history->n; t++) {
        const tt_observation *o = &history->obs[t];
        if (o->state == TT_TRIAL_RUNNING || o->state == TT_TRIAL_QUEUED) {
            n_started++;
        } else if (o->state == TT_TRIAL_COMPLETED && !isnan(o->value)) {
            n_started++;
            done[n_done].trial = t;
            done[n_done].value = history->goal == TT_GOAL_MAXIMIZE ? -o->value : o->value;
            n_done++;
        }
    }

    tt_rng rng;
    if (n_started < population || n_done < 2) {
        tt_rng_seed2(&rng, seed, history->n);
        tt_space_sample(space, &rng, out);
        free(done);
        return 0;
    }

    qsort(done, n_done, sizeof *done, cmp_member);
    size_t n_pop = n_done < population ? n_done : population;
    double *sigma = tt_xmalloc((space->n ? space->n : 1) * sizeof *sigma);
    mutation_scales(space, history, done, n_pop, sigma);

    uint64_t key[2] = {EVO_STREAM_TAG, (uint64_t)history->n};
    tt_rng_seed2(&rng, seed, tt_hash_bytes(key, sizeof key, seed));
    bool fresh = false;
    for (int attempt = 0; attempt < EVO_MAX_ATTEMPTS && !fresh; attempt++) {
        size_t a = tournament(&rng, n_pop), b = tournament(&rng, n_pop);
        if (b == a)
            b = (a + 1 + (size_t)tt_rng_below(&rng, n_pop - 1)) % n_pop;
        /* Each retry mutates more: 1/n at first, every gene at the last. */
        double n = (double)(n_genes ? n_genes : 1);
        double p_mutate = (1.0 + (double)attempt * (n - 1.0) / (EVO_MAX_ATTEMPTS - 1)) / n;
        make_child(space, &history->obs[done[a].trial].params,
                   &history->obs[done[b].trial].params, sigma, p_mutate, &rng, out);
        fresh = !already_tried(history, out);
    }
    /* A small discrete space the population has exhausted around itself:
     * look for an untried point anywhere, else repeat one. */
    for (int attempt = 0; attempt < EVO_MAX_ATTEMPTS && !fresh; attempt++) {
        tt_space_sample(space, &rng, out);
        fresh = !already_tried(history, out);
    }
    free(sigma);
    free(done);
    return 0;
}
