/*
 * tpe — the Tree-structured Parzen Estimator (docs/algorithms.md §1.4,
 * Optuna's TPESampler semantics), a pure function of (space, history, seed).
 *
 * One suggestion:
 *   1. Fewer than n_startup COMPLETED+PRUNED trials: a draw from the prior
 *      with the stream of (seed, history->n), exactly random search's.
 *   2. Rank the finished trials (§1.4.2): completed ones by objective (NaN
 *      last), then pruned ones by (−last_step, last value). tt_history has
 *      no intermediate values, so a pruned trial's `value` stands for its
 *      last report and `last_step` (0 unless the runner fills it) for its
 *      step: with no steps this orders pruned trials by their last value,
 *      after every completed one. The best gamma(n) are "below", the rest
 *      "above"; with constant_liar, RUNNING and QUEUED trials that carry
 *      parameters join "above" (not counted in n), which lowers l/g around
 *      them so parallel suggestions spread out (§1.4.8). FAILED, KILLED,
 *      TIMEOUT and INTERRUPTED trials are ignored.
 *   3. Multivariate: parameters are grouped (§1.4.7; group decomposition, or
 *      the intersection of the finished trials' parameter sets); each
 *      group gets one joint l(x) and g(x) over the trials that hold the
 *      whole group. Parameters in no group, and every parameter in
 *      univariate mode, get 1-D estimators over the trials that hold them.
 *   4. Draw n_candidates points from l, keep the one with the largest
 *      log l − log g (§1.4.6).
 *   5. Conditions decide which parameters are active; inactive ones are 0.
 * A parameter no trial has seen is drawn from its true prior, not from
 * Optuna's stand-in for it (a Gaussian of width R at the centre).
 *
 * Every estimator is built per suggestion from the history; nothing is
 * cached between calls, so a resumed study suggests what it would have.
 *
 * Defaults (tpe_default_options) were chosen by measurement against
 * Optuna's defaults (tpe_optuna_options) on the six functions of
 * bench/samplers; the numbers are in the comment above the function. In
 * short: multivariate with group decomposition, hyperopt's gap bandwidth
 * per dimension floored at half of Optuna's multivariate bandwidth, a below
 * group of 20% (at most 25), the constant liar on.
 *
 * Left out: constraints (infeasible trials), multi-objective splits, and
 * Optuna 3–4's categorical_distance_func.
 */
#include "tpe_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tpe_optuna_options(tpe_options *o)
{
    *o = (tpe_options){
        .multivariate = false,
        .group = false,
        .n_startup = 10,
        .n_candidates = 24,
        .prior_weight = 1.0,
        .magic_clip = true,
        .endpoints = false,
        .bandwidth = TPE_BW_OPTUNA,
        .multivariate_bandwidth = TPE_BW_SCOTT,
        .gamma_beta = 0.1,
        .gamma_sqrt = false,
        .gamma_cap = 25,
        .weights_ramp = true,
        .constant_liar = false,
    };
}

/*
 * The defaults, chosen by measurement (bench/samplers' six functions, 100
 * trials, median simple regret over 101 seeds, two disjoint seed sets;
 * "optuna" is tpe_optuna_options, i.e. TPESampler() of v3–v4):
 *
 *                  branin       hartmann6   rosenbrock4  ackley5     st4         mixed
 *   trials         50    100    50    100   50    100    50    100   50    100   50    100
 *   random         .73   .31    1.62  1.33  2300  1190   18.3  17.0  40.3  32.7  .33   .24
 *   optuna         .18   .037   .87   .34   394   89     15.2  10.8  29.7  16.5  .17   .026
 *   these defaults .073  .012   .46   .22   160   16     11.5  6.7   23.6  15.1  .019  .0015
 *   second set:
 *   optuna         .23   .042   .79   .31   424   113    15.2  10.9  31.1  16.3  .14   .018
 *   these defaults .088  .018   .50   .22   137   20     11.5  6.6   23.3  14.7  .019  .0015
 *
 * 12 of 12 cells better than Optuna's defaults on four seed sets (404
 * seeds), on average 2.6× lower regret. What each choice bought, in the
 * same runs (mean log10 regret ratio to optuna over the 12 cells):
 *   - multivariate (joint kernels, groups):            Scott rule −0.11,
 *     but Optuna's own multivariate rule is too wide late and the v4.9
 *     gap rule per dim strands the mixed space on a wrong category;
 *   - multivariate, hyperopt gap rule per dim (prior among the centres,
 *     as Optuna <= 4.8 and Watanabe 2023's recommended setting): −0.21;
 *   - gamma 0.2 n (cap 25) instead of 0.1 n: −0.36 (0.15: −0.32, 0.25:
 *     −0.33, 0.3: −0.28; hyperopt's sqrt rule: worse than Optuna);
 *   - σ >= half the Scott bandwidth (D > 1): the mixed space finds its
 *     best category in 60–73% of runs instead of 45–60%: −0.43.
 * Tried and not taken: 48/64/100 EI candidates (no gain, and 64 with gamma
 * 0.25 stranded the mixed space), endpoints (hurt Rosenbrock), prior weight
 * 0.5 or 2 (noise), no weight ramp (noise), no magic clip (much worse),
 * 5 startup trials (noise). The constant liar is on (Optuna 5's default)
 * so parallel workers spread out; with one worker it changes nothing.
 *
 * Latency (6-D, 1000 random completed trials, median per suggestion on
 * the shared benchmark machine, 2026-12-08): 0.33 ms with these defaults
 * (0.68 ms before issue 18's speed-up, measured alongside), 0.45 ms
 * univariate (Optuna's settings), 0.6 ms multivariate with the Scott rule;
 * 0.08 ms at 100 trials, 0.2 ms at 500. Optuna's TPESampler took 48–60 ms
 * at 1000 in the same runs (docs/benchmarks.md).
 */
void tpe_default_options(tpe_options *o)
{
    tpe_optuna_options(o);
    o->multivariate = true;
    o->group = true;
    o->bandwidth = TPE_BW_HYPEROPT;
    o->multivariate_bandwidth = TPE_BW_HYPEROPT;
    o->scott_floor = 0.5;
    o->gamma_beta = 0.2;
    o->constant_liar = true;
}

/* What one suggestion knows about the history. */
typedef struct study {
    const tpe_options *o;
    const tt_space *space;
    const tt_history *history;
    size_t T, P;
    tpe_dim *dims;
    unsigned char *role;  /* [T]: 0 unused, 1 below, 2 above */
    unsigned char *has;   /* [T * P]: trial holds a usable value of the param */
    double *t;            /* [T * P]: internal coordinate */
    /* Scratch for building estimators. */
    double *xb, *xa, *wb, *wa;
    const tpe_dim **group_dims;
    size_t *group_params;
    double *cand;         /* [n_candidates * P] */
    double *score;        /* [2 * n_candidates]: log l, log g */
    size_t *pos;          /* [T] */
    tpe_centre *centres;      /* [T] */
    double *wtmp;         /* [T] */
} study;

enum { ROLE_NONE, ROLE_BELOW, ROLE_ABOVE };

typedef struct ranked {
    int cls;          /* 0 completed, 1 pruned */
    double step_key;  /* −last_step for pruned trials */
    double value;     /* minimised: negated for maximise; NaN → +inf */
    size_t index;
} ranked;

static int ranked_cmp(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    if (a->step_key != b->step_key)
        return a->step_key < b->step_key ? -1 : 1;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static bool is_finished(tt_trial_state s)
{
    return s == TT_TRIAL_COMPLETED || s == TT_TRIAL_PRUNED;
}

/* Whether completed trial a ranks before b: by value, ties by index (the
 * order tpe_sort_centres gives). */
static bool centre_before(tpe_centre a, tpe_centre b)
{
    return a.mu < b.mu || (a.mu == b.mu && a.index < b.index);
}

/* Sift h[at] down the max-heap h[0..n) (ordered by centre_before). */
static void heap_down(tpe_centre *h, size_t n, size_t at)
{
    for (;;) {
        size_t top = at, l = 2 * at + 1, r = l + 1;
        if (l < n && centre_before(h[top], h[l]))
            top = l;
        if (r < n && centre_before(h[top], h[r]))
            top = r;
        if (top == at)
            return;
        tpe_centre t = h[at];
        h[at] = h[top];
        h[top] = t;
        at = top;
    }
}

/* Move the k first-ranked of c[0..n) into c[0..k) (in no particular order):
 * only membership of "below" matters, so a heap of the best k so far
 * replaces sorting all of them (most trials lose at the root). */
static void select_best(tpe_centre *c, size_t n, size_t k)
{
    if (k == 0 || k >= n)
        return;
    for (size_t i = k / 2; i-- > 0;)
        heap_down(c, k, i);
    for (size_t i = k; i < n; i++)
        if (centre_before(c[i], c[0])) {
            tpe_centre t = c[0];
            c[0] = c[i];
            c[i] = t;
            heap_down(c, k, 0);
        }
}

/* Split the finished trials into below and above (role[]); returns n. */
static size_t split_trials(study *st)
{
    const tt_history *h = st->history;
    ranked *r = tt_xmalloc((st->T ? st->T : 1) * sizeof *r);
    tpe_centre *c = tt_xmalloc((st->T ? st->T : 1) * sizeof *c);
    size_t np = 0, nc = 0;
    for (size_t i = 0; i < st->T; i++) {
        const tt_observation *ob = &h->obs[i];
        st->role[i] = ROLE_NONE;
        if (is_finished(ob->state)) {
            double v = ob->value;
            if (h->goal == TT_GOAL_MAXIMIZE)
                v = -v;
            if (isnan(v))
                v = INFINITY;
            if (ob->state == TT_TRIAL_PRUNED)
                r[np++] = (ranked){1, -(double)ob->last_step, v, i};
            else
                c[nc++] = (tpe_centre){v, i};
        } else if (st->o->constant_liar &&
                   (ob->state == TT_TRIAL_RUNNING || ob->state == TT_TRIAL_QUEUED)) {
            st->role[i] = ROLE_ABOVE;
        }
    }
    /* Completed trials rank before pruned ones: the best completed ones,
     * then (when the below group is larger) the best pruned ones, ranked
     * on their two keys. */
    size_t n = nc + np, n_below = tpe_gamma(st->o, n);
    select_best(c, nc, n_below);
    for (size_t k = 0; k < nc; k++)
        st->role[c[k].index] = k < n_below ? ROLE_BELOW : ROLE_ABOVE;
    if (n_below > nc)
        qsort(r, np, sizeof *r, ranked_cmp);
    for (size_t k = 0; k < np; k++)
        st->role[r[k].index] = nc + k < n_below ? ROLE_BELOW : ROLE_ABOVE;
    free(c);
    free(r);
    return n;
}

/* The below and above estimators of the params gp[0..D) over the trials
 * that hold all of them; returns the number of observations used. */
static size_t build_pair(study *st, const size_t *gp, size_t D, tpe_bandwidth rule,
                         tpe_estimator *below, tpe_estimator *above)
{
    size_t nb = 0, na = 0, P = st->P;
    for (size_t j = 0; j < D; j++)
        st->group_dims[j] = &st->dims[gp[j]];
    if (D == 1 && st->dims[gp[0]].kind != TPE_CATEGORICAL) {
        /* One numeric parameter: hand the observations over sorted (one
         * sort for both estimators; see tpe_estimator_init), each with
         * the weight of its place in trial order. */
        size_t p = gp[0], nc = 0;
        for (size_t i = 0; i < st->T; i++) {
            if (st->role[i] == ROLE_NONE || !st->has[i * P + p])
                continue;
            st->pos[i] = st->role[i] == ROLE_BELOW ? nb++ : na++;
            st->centres[nc++] = (tpe_centre){st->t[i * P + p], i};
        }
        tpe_sort_centres(st->centres, nc);
        double *wb_order = st->wtmp, *wa_order = st->wtmp + nb;
        tpe_weights(st->o, nb, wb_order);
        tpe_weights(st->o, na, wa_order);
        nb = na = 0;
        for (size_t k = 0; k < nc; k++) {
            size_t i = st->centres[k].index;
            if (st->role[i] == ROLE_BELOW) {
                st->xb[nb] = st->centres[k].mu;
                st->wb[nb++] = wb_order[st->pos[i]];
            } else {
                st->xa[na] = st->centres[k].mu;
                st->wa[na++] = wa_order[st->pos[i]];
            }
        }
        tpe_estimator_init(below, st->o, rule, st->group_dims, 1, st->xb, st->wb, nb);
        tpe_estimator_init(above, st->o, rule, st->group_dims, 1, st->xa, st->wa, na);
        return nb + na;
    }
    for (size_t i = 0; i < st->T; i++) {
        if (st->role[i] == ROLE_NONE)
            continue;
        bool all = true;
        for (size_t j = 0; j < D && all; j++)
            all = st->has[i * P + gp[j]];
        if (!all)
            continue;
        /* Trial order is kept: the weight ramp favours recent trials. */
        double *row = st->role[i] == ROLE_BELOW ? st->xb + nb++ * D : st->xa + na++ * D;
        for (size_t j = 0; j < D; j++)
            row[j] = st->t[i * P + gp[j]];
    }
    tpe_weights(st->o, nb, st->wb);
    tpe_weights(st->o, na, st->wa);
    tpe_estimator_init(below, st->o, rule, st->group_dims, D, st->xb, st->wb, nb);
    tpe_estimator_init(above, st->o, rule, st->group_dims, D, st->xa, st->wa, na);
    return nb + na;
}

/* Sample the params gp[0..D) jointly and write them to out. */
static void sample_group(study *st, const size_t *gp, size_t D, tpe_bandwidth rule,
                         tt_rng *rng, tt_assignment *out)
{
    tpe_estimator below, above;
    size_t used = build_pair(st, gp, D, rule, &below, &above);
    if (used == 0) {
        /* Nothing observed: the true prior (see the file comment). */
        for (size_t j = 0; j < D; j++)
            out->x[gp[j]] = tt_param_decode(&st->space->params[gp[j]], tt_rng_uniform(rng));
    } else {
        /* All the candidates first, then both densities of all of them
         * (the estimators score many points faster than one); scoring draws
         * nothing, so the random stream is the same as one by one. */
        size_t nc = st->o->n_candidates, best = 0;
        double *lb = st->score, *la = st->score + nc;
        for (size_t c = 0; c < nc; c++)
            tpe_estimator_sample(&below, rng, st->cand + c * D);
        tpe_estimator_logpdf_many(&below, st->cand, nc, lb);
        tpe_estimator_logpdf_many(&above, st->cand, nc, la);
        for (size_t c = 1; c < nc; c++)
            if (lb[c] - la[c] > lb[best] - la[best])
                best = c;
        for (size_t j = 0; j < D; j++)
            out->x[gp[j]] = st->cand[best * D + j];
    }
    tpe_estimator_free(&below);
    tpe_estimator_free(&above);
}

/* Bitsets over the parameters, for the group decomposition. */
typedef struct groups {
    size_t words, n;
    uint64_t *sets; /* n sets of `words` words; at most P of them */
} groups;

static bool set_empty(const uint64_t *s, size_t words)
{
    for (size_t w = 0; w < words; w++)
        if (s[w])
            return false;
    return true;
}

/* The finished trials' parameter sets (non-fixed, usable), decomposed as
 * Optuna's _GroupDecomposedSearchSpace does, or intersected. */
static void find_groups(const study *st, groups *g)
{
    size_t P = st->P, words = (P + 63) / 64;
    g->words = words;
    g->n = 0;
    /* Room for P groups plus the intersection/new sets being built. */
    g->sets = tt_xcalloc((2 * P + 2) * words, sizeof *g->sets);
    uint64_t *next = tt_xcalloc((2 * P + 2) * words, sizeof *next);
    uint64_t *cur = tt_xcalloc(words, sizeof *cur), *cover = tt_xcalloc(words, sizeof *cover);
    bool first = true;
    const unsigned char *prev = NULL;
    for (size_t i = 0; i < st->T; i++) {
        if (!is_finished(st->history->obs[i].state))
            continue;
        /* A trial with the parameter set of the previous finished one
         * changes nothing (splitting by a set twice, or intersecting with
         * it twice, gives the same groups in the same order), and most
         * trials of a study hold the same set. */
        const unsigned char *row = st->has + i * P;
        if (prev && memcmp(row, prev, P) == 0)
            continue;
        prev = row;
        memset(cur, 0, words * sizeof *cur);
        for (size_t p = 0; p < P; p++)
            if (st->has[i * P + p])
                cur[p / 64] |= 1ULL << (p % 64);
        if (!st->o->group) {
            if (first)
                memcpy(g->sets, cur, words * sizeof *cur);
            else
                for (size_t w = 0; w < words; w++)
                    g->sets[w] &= cur[w];
            first = false;
            g->n = 1;
            continue;
        }
        size_t nn = 0;
        memset(cover, 0, words * sizeof *cover);
        for (size_t k = 0; k < g->n; k++) {
            const uint64_t *G = g->sets + k * words;
            uint64_t *in = next + nn * words;
            for (size_t w = 0; w < words; w++) {
                in[w] = G[w] & cur[w];
                cover[w] |= G[w];
            }
            if (!set_empty(in, words))
                nn++;
            uint64_t *out = next + nn * words;
            for (size_t w = 0; w < words; w++)
                out[w] = G[w] & ~cur[w];
            if (!set_empty(out, words))
                nn++;
        }
        uint64_t *rest = next + nn * words;
        for (size_t w = 0; w < words; w++)
            rest[w] = cur[w] & ~cover[w];
        if (!set_empty(rest, words))
            nn++;
        memcpy(g->sets, next, nn * words * sizeof *next);
        g->n = nn;
    }
    if (g->n == 1 && set_empty(g->sets, words))
        g->n = 0;
    free(next);
    free(cur);
    free(cover);
}

static void study_free(study *st)
{
    free(st->dims);
    free(st->role);
    free(st->has);
    free(st->t);
    free(st->xb);
    free(st->xa);
    free(st->wb);
    free(st->wa);
    free(st->group_dims);
    free(st->group_params);
    free(st->cand);
    free(st->score);
    free(st->pos);
    free(st->centres);
    free(st->wtmp);
}

int tpe_suggest_with(const tpe_options *o, const tt_space *space,
                     const tt_history *history, uint64_t seed, tt_assignment *out,
                     tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "tpe: the output holds %zu parameters, the space %zu", out->n,
                            space->n);
    static const tt_history empty = {0};
    if (history == NULL)
        history = &empty;
    tt_rng rng;
    tt_rng_seed2(&rng, seed, history->n);
    size_t finished = 0;
    for (size_t i = 0; i < history->n; i++)
        finished += is_finished(history->obs[i].state);
    if (finished < o->n_startup || finished == 0) {
        tt_space_sample(space, &rng, out);
        return 0;
    }

    size_t T = history->n, P = space->n, PP = P ? P : 1, TT = T ? T : 1;
    study st = {.o = o, .space = space, .history = history, .T = T, .P = P};
    st.dims = tt_xmalloc(PP * sizeof *st.dims);
    st.role = tt_xmalloc(TT);
    st.has = tt_xmalloc(TT * PP);
    st.t = tt_xmalloc(TT * PP * sizeof *st.t);
    st.xb = tt_xmalloc(TT * PP * sizeof *st.xb);
    st.xa = tt_xmalloc(TT * PP * sizeof *st.xa);
    st.wb = tt_xmalloc(TT * sizeof *st.wb);
    st.wa = tt_xmalloc(TT * sizeof *st.wa);
    st.group_dims = tt_xmalloc(PP * sizeof *st.group_dims);
    st.group_params = tt_xmalloc(PP * sizeof *st.group_params);
    size_t NC = o->n_candidates ? o->n_candidates : 1;
    st.cand = tt_xmalloc(NC * PP * sizeof *st.cand);
    st.score = tt_xmalloc(2 * NC * sizeof *st.score);
    st.pos = tt_xmalloc(TT * sizeof *st.pos);
    st.centres = tt_xmalloc(TT * sizeof *st.centres);
    st.wtmp = tt_xmalloc(TT * sizeof *st.wtmp);
    for (size_t p = 0; p < P; p++)
        st.dims[p] = tpe_dim_of(&space->params[p]);
    for (size_t p = 0; p < P; p++)
        tpe_dim_column(&st.dims[p], p, history->obs, T, P, st.has + p, st.t + p);
    split_trials(&st);

    bool *done = tt_xcalloc(PP, sizeof *done);
    if (o->multivariate) {
        groups g;
        find_groups(&st, &g);
        for (size_t k = 0; k < g.n; k++) {
            const uint64_t *G = g.sets + k * g.words;
            size_t D = 0;
            for (size_t p = 0; p < P; p++)
                if (G[p / 64] >> (p % 64) & 1)
                    st.group_params[D++] = p;
            sample_group(&st, st.group_params, D, o->multivariate_bandwidth, &rng, out);
            for (size_t j = 0; j < D; j++)
                done[st.group_params[j]] = true;
        }
        free(g.sets);
    }
    for (size_t p = 0; p < P; p++) {
        if (done[p])
            continue;
        if (st.dims[p].kind == TPE_FIXED) {
            out->x[p] = st.dims[p].fixed;
            continue;
        }
        sample_group(&st, &p, 1, o->bandwidth, &rng, out);
    }
    free(done);
    tt_space_update_active(space, out);
    for (size_t p = 0; p < P; p++)
        if (!out->active[p])
            out->x[p] = 0.0;
    study_free(&st);
    return 0;
}

int tt_tpe_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                   tt_assignment *out, tt_error *err)
{
    tpe_options o;
    tpe_default_options(&o);
    return tpe_suggest_with(&o, space, history, seed, out, err);
}
