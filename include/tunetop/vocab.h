/*
 * vocab — the words every module shares: how a sweep samples (tt_method),
 * which way its objective is better (tt_goal), where a trial stands
 * (tt_trial_state), and a trial's parameters by name (tt_named_params).
 *
 * They sit at the bottom, next to util, so that any module can speak them
 * without including the module that happens to use them most: the store
 * records trial states without knowing the samplers, the pruner reads them
 * without knowing the sweep-file loader, importance reads a trial's
 * parameters without knowing the store (docs/architecture.md, "Allowed
 * dependencies"). This header includes no other tunetop header.
 *
 * The names are persisted: a method's name is what a sweep file's `method:`
 * says, a state's name is what study.db stores in `trials.state` and
 * `trial_runs.state` and what exports and `tunetop status --json` print. A
 * name must therefore never change (a display label belongs to the caller),
 * and this is the only table of each.
 */
#ifndef TUNETOP_VOCAB_H
#define TUNETOP_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

/* How a sweep chooses its trials (the sweep file's `method:`). Which ones
 * this build implements is the sampler's knowledge: tt_method_available in
 * sampler.h. */
typedef enum tt_method {
    TT_METHOD_GRID,
    TT_METHOD_RANDOM,
    TT_METHOD_SOBOL,
    TT_METHOD_BAYES,     /* W&B's name; maps to a model-based sampler */
    TT_METHOD_TPE,
    TT_METHOD_GP,
    TT_METHOD_EVOLUTION,
    TT_METHOD_CMAES,
    TT_METHOD_COUNT
} tt_method;

/* A trial's life: queued → running → one of the ends; `interrupted` when
 * its supervisor vanished (docs/architecture.md, "Words"). */
typedef enum tt_trial_state {
    TT_TRIAL_QUEUED,
    TT_TRIAL_RUNNING,
    TT_TRIAL_COMPLETED,
    TT_TRIAL_PRUNED,
    TT_TRIAL_FAILED,
    TT_TRIAL_KILLED,
    TT_TRIAL_TIMEOUT,
    TT_TRIAL_INTERRUPTED,
    TT_TRIAL_STATE_COUNT
} tt_trial_state;

typedef enum tt_goal { TT_GOAL_MINIMIZE, TT_GOAL_MAXIMIZE } tt_goal;

/* "grid", "random", …, "cmaes"; "unknown" out of range. */
const char *tt_method_name(tt_method m);
/* Returns -1 when name is not a method (names are case-sensitive). */
int tt_method_from_name(const char *name);

/* "queued", "running", …, "interrupted"; "unknown" out of range. */
const char *tt_trial_state_name(tt_trial_state s);
/* Returns -1 when name is no state's name (NULL included). */
int tt_trial_state_from_name(const char *name);

/* "minimize" or "maximize" (the sweep file's `metric.goal`). */
const char *tt_goal_name(tt_goal g);
/* Returns -1 when name is neither. */
int tt_goal_from_name(const char *name);

/* A trial's parameters by flattened name, as a study records them: n
 * parallel entries, in the order of the space they were sampled from (which
 * may be an older version than the current one, so readers match by name).
 * Every pointer is borrowed from whoever owns the trial. text is what the
 * trial was given ("" when inactive); x is the tt_assignment value (the
 * category index for a categorical parameter). text, x and active may each
 * be NULL when the owner does not have them. */
typedef struct tt_named_params {
    size_t n;
    const char *const *names;
    const char *const *text;
    const double *x;
    const bool *active;
} tt_named_params;

#endif
