/*
 * vocab — the one table of method, trial-state and goal names (see
 * include/tunetop/vocab.h: they are stored in study.db and sweep files, so
 * they never change). Lookups are linear: the tables have at most eight
 * entries.
 */
#include "tunetop/vocab.h"

#include <string.h>

static const char *const method_names[TT_METHOD_COUNT] = {
    [TT_METHOD_GRID] = "grid",
    [TT_METHOD_RANDOM] = "random",
    [TT_METHOD_SOBOL] = "sobol",
    [TT_METHOD_BAYES] = "bayes",
    [TT_METHOD_TPE] = "tpe",
    [TT_METHOD_GP] = "gp",
    [TT_METHOD_EVOLUTION] = "evolution",
    [TT_METHOD_CMAES] = "cmaes",
};

static const char *const state_names[TT_TRIAL_STATE_COUNT] = {
    [TT_TRIAL_QUEUED] = "queued",
    [TT_TRIAL_RUNNING] = "running",
    [TT_TRIAL_COMPLETED] = "completed",
    [TT_TRIAL_PRUNED] = "pruned",
    [TT_TRIAL_FAILED] = "failed",
    [TT_TRIAL_KILLED] = "killed",
    [TT_TRIAL_TIMEOUT] = "timeout",
    [TT_TRIAL_INTERRUPTED] = "interrupted",
};

static const char *const goal_names[] = {
    [TT_GOAL_MINIMIZE] = "minimize",
    [TT_GOAL_MAXIMIZE] = "maximize",
};

#define N_GOALS ((int)(sizeof goal_names / sizeof goal_names[0]))

/* Index of name in names[0..n), or -1. */
static int lookup(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *tt_method_name(tt_method m)
{
    return (unsigned)m < TT_METHOD_COUNT ? method_names[m] : "unknown";
}

int tt_method_from_name(const char *name)
{
    return lookup(method_names, TT_METHOD_COUNT, name);
}

const char *tt_trial_state_name(tt_trial_state s)
{
    return (unsigned)s < TT_TRIAL_STATE_COUNT ? state_names[s] : "unknown";
}

int tt_trial_state_from_name(const char *name)
{
    return lookup(state_names, TT_TRIAL_STATE_COUNT, name);
}

const char *tt_goal_name(tt_goal g)
{
    return (unsigned)g < (unsigned)N_GOALS ? goal_names[g] : "unknown";
}

int tt_goal_from_name(const char *name)
{
    return lookup(goal_names, N_GOALS, name);
}
