/*
 * space_impl — helpers shared by the files of the space module (encode.c,
 * check.c, space.c); not part of the public interface.
 */
#ifndef TUNETOP_SPACE_IMPL_H
#define TUNETOP_SPACE_IMPL_H

#include "tunetop/space.h"

/* Relative slack when comparing a value with a q grid or a range bound. */
#define SPACE_Q_TOLERANCE 1e-9

/* Whether d rounds its draws to multiples of q. */
bool space_is_quantized(tt_dist d);
/* Whether d draws from log-uniform (any of the four W&B spellings). */
bool space_is_log_uniform(tt_dist d);
/* The support [lo, hi] of the continuous draw before rounding (infinite for
 * the unbounded tails of the normal family). */
void space_support(const tt_param *p, double *lo, double *hi);
/* The range of multiples k (value k*q) a quantised parameter can take;
 * kmin > kmax when no multiple lies in the support. */
void space_q_range(const tt_param *p, double *kmin, double *kmax);
/* The value k*q, as the nearest double to the decimal the user would write
 * (3 * 0.1 gives 0.3, not 0.30000000000000004). */
double space_q_value(const tt_param *p, double k);

#endif
