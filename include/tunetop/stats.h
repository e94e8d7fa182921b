/*
 * stats — the special functions behind the W&B distributions: the standard
 * normal (density, CDF, quantile) and the regularized incomplete beta
 * function with its inverse. Pure and thread-safe; accurate to a few ulps in
 * the ranges sweeps use, so that encode/decode of a parameter round-trips.
 */
#ifndef TUNETOP_STATS_H
#define TUNETOP_STATS_H

/* Standard normal density φ(x). */
double tt_stats_norm_pdf(double x);
/* Standard normal CDF Φ(x), with full relative accuracy in the lower tail. */
double tt_stats_norm_cdf(double x);
/* Φ⁻¹(p): -inf for p <= 0, +inf for p >= 1, NaN for NaN; |error| ~1e-15. */
double tt_stats_norm_ppf(double p);
/* log B(a, b) for a, b > 0. */
double tt_stats_log_beta(double a, double b);
/* Regularized incomplete beta I_x(a, b) (the Beta(a, b) CDF), for a, b > 0;
 * x is clamped to [0, 1]. NaN when a or b is not positive. */
double tt_stats_incbeta(double x, double a, double b);
/* The x in [0, 1] with I_x(a, b) = p (the Beta(a, b) quantile); p is clamped
 * to [0, 1]. NaN when a or b is not positive. */
double tt_stats_incbeta_inv(double p, double a, double b);

#endif
