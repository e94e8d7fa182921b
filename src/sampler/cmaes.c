/*
 * cmaes — CMA-ES as a pure function of (space, history, seed): the state
 * of the evolution strategy (mean, σ, C, paths) is not stored anywhere but
 * rebuilt on every suggestion by replaying the history, as Optuna's
 * CmaEsSampler rebuilds its optimizer from trials. The algorithm itself is
 * in cmaes_core.c (docs/algorithms.md §1.7).
 *
 * Which parameters: every numeric parameter without conditions, in its
 * unit-cube encoding (tt_param_encode, the prior's CDF), so log and normal
 * priors are searched in their natural scale. Integer and q-quantised
 * parameters are included: CMA moves a continuous coordinate and decoding
 * rounds it (the encoding of an observed integer is the middle of its bin).
 * Categorical and constant parameters, and numeric ones that a condition
 * can switch off, are drawn from the prior, as Optuna draws parameters
 * outside its relative search space.
 *
 * Generations: the members are the history entries that are completed
 * (with a value that is not NaN), running or queued, in trial order; failed,
 * pruned, killed, timed-out and interrupted trials are skipped, so another
 * suggestion takes their place, as Optuna keeps asking within a generation
 * until λ trials have completed. Members [kλ, (k+1)λ) form generation k.
 * Replay walks the generations from the start and applies the update of
 * each one whose members have all completed; it stops at the first that
 * still has a running or queued member. The next suggestion is member
 * n_members: slot j = n_members mod λ of generation g = n_members / λ,
 * drawn from the replayed state. Running members are placeholders, so a
 * parallel worker gets the next slot of the same generation. When an
 * earlier generation is still running (a slow trial), the draw comes from
 * the latest state there is; it is marked foreign when replayed (below).
 *
 * Streams: the draw of slot j of generation g for trial t uses a stream
 * derived from (seed, g, j, t) alone, never from how far the other trials
 * have got, so a resumed study suggests exactly what it would have. The
 * trial number t keeps two draws apart when a skipped failure shifts the
 * slots. On replay each member's draw is recomputed from its own (g, j, t)
 * and the state before generation g: when its decoded values differ from
 * the member's (a stale draw, an enqueued trial, a shifted slot), the
 * member is foreign and its step is clipped (cma_tell).
 *
 * Cost: one eigen-decomposition (Jacobi, O(d³)) per replayed generation and
 * one re-draw per member: 1000 trials in 6-D replay in about a millisecond.
 */
#include "tunetop/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmaes_impl.h"

/* Mixed into every stream so CMA-ES never shares draws with random search. */
#define CMAES_STREAM_TAG 0x636d61657331ULL /* "cmaes1" */

typedef struct replay {
    const tt_space *space;
    const tt_history *history;
    uint64_t seed;
    size_t *dims;       /* indices of the parameters CMA-ES searches */
    size_t d;
    size_t *members;    /* history indices of the generation members */
    size_t n_members;
    cma_params par;
    cma_state st;
} replay;

/* Whether CMA-ES searches parameter p (see the file comment). */
static bool cma_searches(const tt_param *p)
{
    return p->dist != TT_DIST_CONSTANT && p->dist != TT_DIST_CATEGORICAL &&
           p->n_conditions == 0;
}

static bool is_pending(tt_trial_state s)
{
    return s == TT_TRIAL_RUNNING || s == TT_TRIAL_QUEUED;
}

static bool is_member(const tt_observation *o)
{
    if (is_pending(o->state))
        return true;
    return o->state == TT_TRIAL_COMPLETED && !isnan(o->value);
}

/* The stream of slot j of generation g, drawn for trial t. */
static void slot_stream(tt_rng *rng, uint64_t seed, size_t g, size_t j, size_t t)
{
    uint64_t key[4] = {CMAES_STREAM_TAG, (uint64_t)g, (uint64_t)j, (uint64_t)t};
    tt_rng_seed2(rng, seed, tt_hash_bytes(key, sizeof key, seed));
}

/* Whether member t (history index) holds, in every CMA dimension, exactly
 * what the current state draws for slot j of generation g. */
static bool drawn_here(const replay *r, size_t g, size_t j, size_t t, double *u)
{
    tt_rng rng;
    slot_stream(&rng, r->seed, g, j, t);
    cma_sample(&r->st, &rng, u);
    const tt_assignment *a = &r->history->obs[t].params;
    for (size_t k = 0; k < r->d; k++) {
        size_t i = r->dims[k];
        if (tt_param_decode(&r->space->params[i], u[k]) != a->x[i])
            return false;
    }
    return true;
}

typedef struct ranked {
    double value;   /* to minimise */
    size_t slot;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->value < b->value)
        return -1;
    if (a->value > b->value)
        return 1;
    return (a->slot > b->slot) - (a->slot < b->slot);
}

/* Apply the update of every generation whose members have all completed,
 * in order. Returns the number of generations applied. */
static size_t replay_generations(replay *r)
{
    size_t lambda = r->par.lambda, d = r->d;
    double *x = tt_xmalloc(lambda * d * sizeof *x);
    double *u = tt_xmalloc(d * sizeof *u);
    const double **sorted = tt_xmalloc(lambda * sizeof *sorted);
    bool *foreign = tt_xmalloc(lambda * sizeof *foreign);
    bool *foreign_sorted = tt_xmalloc(lambda * sizeof *foreign_sorted);
    ranked *rank = tt_xmalloc(lambda * sizeof *rank);
    size_t g = 0;
    for (; (g + 1) * lambda <= r->n_members; g++) {
        const size_t *block = &r->members[g * lambda];
        bool complete = true;
        for (size_t j = 0; j < lambda && complete; j++)
            complete = !is_pending(r->history->obs[block[j]].state);
        if (!complete)
            break;
        for (size_t j = 0; j < lambda; j++) {
            const tt_observation *o = &r->history->obs[block[j]];
            for (size_t k = 0; k < d; k++) {
                size_t i = r->dims[k];
                x[j * d + k] = tt_param_encode(&r->space->params[i], o->params.x[i]);
            }
            foreign[j] = !drawn_here(r, g, j, block[j], u);
            rank[j].value = r->history->goal == TT_GOAL_MAXIMIZE ? -o->value : o->value;
            rank[j].slot = j;
        }
        qsort(rank, lambda, sizeof *rank, cmp_ranked);
        for (size_t k = 0; k < lambda; k++) {
            sorted[k] = &x[rank[k].slot * d];
            foreign_sorted[k] = foreign[rank[k].slot];
        }
        cma_tell(&r->par, &r->st, sorted, foreign_sorted);
    }
    free(x);
    free(u);
    free(sorted);
    free(foreign);
    free(foreign_sorted);
    free(rank);
    return g;
}

int tt_cmaes_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                     tt_assignment *out, tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "cmaes: the output holds %zu parameters, the space %zu", out->n,
                            space->n);
    static const tt_history empty = {.obs = NULL, .n = 0, .goal = TT_GOAL_MINIMIZE};
    if (history == NULL)
        history = &empty;

    replay r;
    memset(&r, 0, sizeof r);
    r.space = space;
    r.history = history;
    r.seed = seed;
    r.dims = tt_xmalloc((space->n ? space->n : 1) * sizeof *r.dims);
    for (size_t i = 0; i < space->n; i++)
        if (cma_searches(&space->params[i]))
            r.dims[r.d++] = i;
    r.members = tt_xmalloc((history->n ? history->n : 1) * sizeof *r.members);
    for (size_t t = 0; t < history->n; t++)
        if (is_member(&history->obs[t]))
            r.members[r.n_members++] = t;

    double *u = tt_xmalloc((space->n ? space->n : 1) * sizeof *u);
    tt_rng rng;
    if (r.d == 0) {
        /* Nothing for CMA-ES to search: the prior, slot by trial number. */
        slot_stream(&rng, seed, 0, 0, history->n);
    } else {
        cma_params_init(&r.par, r.d);
        cma_state_init(&r.st, r.d);
        replay_generations(&r);
        size_t g = r.n_members / r.par.lambda, j = r.n_members % r.par.lambda;
        slot_stream(&rng, seed, g, j, history->n);
        double *x = tt_xmalloc(r.d * sizeof *x);
        cma_sample(&r.st, &rng, x);
        for (size_t k = 0; k < r.d; k++)
            u[r.dims[k]] = x[k];
        free(x);
        cma_params_free(&r.par);
        cma_state_free(&r.st);
    }
    /* The other parameters from the prior, after the CMA draw in the same
     * stream (the replay re-draws only the CMA part). */
    size_t k = 0;
    for (size_t i = 0; i < space->n; i++) {
        if (k < r.d && r.dims[k] == i) {
            k++;
            continue;
        }
        u[i] = tt_rng_uniform(&rng);
    }
    tt_space_decode(space, u, out);
    free(u);
    free(r.dims);
    free(r.members);
    return 0;
}
