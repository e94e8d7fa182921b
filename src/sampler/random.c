/*
 * random — independent draws from the prior. The stream of trial n is
 * derived from (seed, n) alone, so a suggestion never depends on what the
 * other trials drew and a resumed study repeats it exactly.
 */
#include "tunetop/sampler.h"

int tt_random_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                      tt_assignment *out, tt_error *err)
{
    if (out->n != space->n)
        return tt_error_set(err, TT_ERR_INVALID,
                            "random search: the output holds %zu parameters, the space %zu",
                            out->n, space->n);
    tt_rng rng;
    tt_rng_seed2(&rng, seed, history != NULL ? history->n : 0);
    tt_space_sample(space, &rng, out);
    return 0;
}
