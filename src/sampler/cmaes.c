/*
 * cmaes — placeholder until the sampler lands: reports that the method is not
 * implemented (tt_method_available is false for it, so nothing calls this).
 */
#include "tunetop/sampler.h"

int tt_cmaes_suggest(const tt_space *space, const tt_history *history, uint64_t seed,
                   tt_assignment *out, tt_error *err)
{
    (void)space;
    (void)history;
    (void)seed;
    (void)out;
    return tt_error_set(err, TT_ERR_UNSUPPORTED, "method 'cmaes' is not implemented yet");
}
