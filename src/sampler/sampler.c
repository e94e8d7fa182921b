/*
 * sampler — which methods this build implements, and the dispatch from a
 * method to its sampler. Each sampler lives in its own file (grid.c,
 * random.c, sobol.c, tpe.c, gp.c, evolution.c, cmaes.c); this file only
 * routes, so adding a method touches its name in src/util/vocab.c, one
 * table here and one new file.
 */
#include "tunetop/sampler.h"

/* Methods implemented in this build. Each model-based sampler flips its own
 * line when it lands; `bayes` follows the one it maps to. */
static const bool method_ready[TT_METHOD_COUNT] = {
    [TT_METHOD_GRID] = true,
    [TT_METHOD_RANDOM] = true,
    [TT_METHOD_SOBOL] = true,
    [TT_METHOD_BAYES] = true,
    [TT_METHOD_TPE] = true,
    [TT_METHOD_GP] = true,
    [TT_METHOD_EVOLUTION] = true,
    [TT_METHOD_CMAES] = true,
};

bool tt_method_available(tt_method m)
{
    return (unsigned)m < TT_METHOD_COUNT && method_ready[m];
}

/* W&B's `bayes` is GP-BO: bench/samplers shows it the most sample-efficient
 * at the budgets (25-100 trials) W&B users run it with (docs/benchmarks.md,
 * "Samplers"); tpe stays the fast choice for large budgets. */
tt_method tt_method_resolve(tt_method m)
{
    return m == TT_METHOD_BAYES ? TT_METHOD_GP : m;
}

int tt_sampler_suggest(tt_method method, const tt_space *space, const tt_history *history,
                       uint64_t seed, tt_assignment *out, tt_error *err)
{
    switch (tt_method_resolve(method)) {
    case TT_METHOD_GRID:
        return tt_grid_suggest(space, history, seed, out, err);
    case TT_METHOD_RANDOM:
        return tt_random_suggest(space, history, seed, out, err);
    case TT_METHOD_SOBOL:
        return tt_sobol_suggest(space, history, seed, out, err);
    case TT_METHOD_TPE:
        if (method_ready[method])
            return tt_tpe_suggest(space, history, seed, out, err);
        break;
    case TT_METHOD_GP:
        if (method_ready[method])
            return tt_gp_suggest(space, history, seed, out, err);
        break;
    case TT_METHOD_EVOLUTION:
        if (method_ready[method])
            return tt_evolution_suggest(space, history, seed, out, err);
        break;
    case TT_METHOD_CMAES:
        if (method_ready[method])
            return tt_cmaes_suggest(space, history, seed, out, err);
        break;
    default:
        break;
    }
    if ((unsigned)method >= TT_METHOD_COUNT)
        return tt_error_set(err, TT_ERR_INVALID, "unknown sampling method %d", (int)method);
    return tt_error_set(err, TT_ERR_UNSUPPORTED,
                        "method '%s' is not implemented yet; use grid, random or sobol",
                        tt_method_name(method));
}
