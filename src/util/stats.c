/*
 * stats — normal and beta special functions for the space module's prior
 * CDFs and quantiles (see stats.h).
 *
 * Φ comes from the C library's erfc, which keeps full relative accuracy in
 * the lower tail. Φ⁻¹ starts from Abramowitz & Stegun 26.2.23 (error below
 * 4.5e-4) and polishes with Halley steps on that Φ, which converge cubically:
 * two or three steps reach the accuracy of erfc itself. The incomplete beta
 * is the classic continued fraction evaluated with the modified Lentz method
 * (Numerical Recipes §6.4), and its inverse is Newton's method guarded by a
 * bisection bracket, started from the small-x asymptote x^a / (a B(a,b)).
 */
#include "tunetop/stats.h"

#include <float.h>
#include <math.h>

#define SQRT_2PI 2.5066282746310002
#define SQRT1_2 0.70710678118654752440

/* lgamma writes the global signgam; the reentrant form avoids that race
 * where the C library offers it. */
static double log_gamma(double x)
{
#if defined(__GLIBC__)
    int sign;
    return lgamma_r(x, &sign);
#else
    return lgamma(x);
#endif
}

double tt_stats_norm_pdf(double x)
{
    return exp(-0.5 * x * x) / SQRT_2PI;
}

double tt_stats_norm_cdf(double x)
{
    return 0.5 * erfc(-x * SQRT1_2);
}

/* Φ⁻¹ for 0 < p <= 0.5 (the result is <= 0). */
static double norm_ppf_lower(double p)
{
    double t = sqrt(-2.0 * log(p));
    double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                         (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
    for (int i = 0; i < 4; i++) {
        double pdf = tt_stats_norm_pdf(x);
        if (pdf <= 0.0)
            break;
        double u = (tt_stats_norm_cdf(x) - p) / pdf;
        double step = u / (1.0 + 0.5 * x * u);
        x -= step;
        if (fabs(step) <= 1e-17 * fabs(x))
            break;
    }
    return x;
}

double tt_stats_norm_ppf(double p)
{
    if (isnan(p))
        return NAN;
    if (p <= 0.0)
        return -INFINITY;
    if (p >= 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    /* Solve in the lower half, where p carries full relative precision;
     * 1 - p is exact for p >= 0.5. */
    return p < 0.5 ? norm_ppf_lower(p) : -norm_ppf_lower(1.0 - p);
}

double tt_stats_log_beta(double a, double b)
{
    return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
}

/* The continued fraction for I_x(a, b) (Numerical Recipes betacf). */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < 1e-16)
            break;
    }
    return h;
}

double tt_stats_incbeta(double x, double a, double b)
{
    if (!(a > 0.0) || !(b > 0.0) || isnan(x))
        return NAN;
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double log_front = a * log(x) + b * log1p(-x) - tt_stats_log_beta(a, b);
    /* The fraction converges fast below the mean; above it use the
     * symmetry I_x(a, b) = 1 - I_{1-x}(b, a). */
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(log_front) * beta_fraction(a, b, x) / a;
    return 1.0 - exp(log_front) * beta_fraction(b, a, 1.0 - x) / b;
}

/* The x with I_x(a, b) = p, for 0 < p <= 0.5. */
static double incbeta_inv_lower(double p, double a, double b)
{
    double log_b = tt_stats_log_beta(a, b);
    /* For small x, I_x(a, b) ≈ x^a / (a B(a, b)). */
    double x = exp((log(p) + log(a) + log_b) / a);
    if (!(x > 0.0) || x >= 1.0)
        x = 0.5;
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 1000; i++) {
        double f = tt_stats_incbeta(x, a, b) - p;
        if (f == 0.0)
            return x;
        if (f < 0.0)
            lo = x;
        else
            hi = x;
        double log_pdf = (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - log_b;
        double next = x - f / exp(log_pdf);
        if (!(next > lo && next < hi)) {
            /* Newton left the bracket: bisect, geometrically while the
             * bracket still reaches down to 0 so tiny quantiles are found in
             * few steps. */
            next = lo > 0.0 ? 0.5 * (lo + hi) : (x < hi ? x : hi) * 0.0625;
            if (!(next > lo && next < hi))
                next = 0.5 * (lo + hi);
        }
        if (fabs(next - x) <= 4.0 * DBL_EPSILON * x || next == x)
            return next;
        if (hi - lo <= 4.0 * DBL_EPSILON * hi)
            return 0.5 * (lo + hi);
        x = next;
    }
    return x;
}

double tt_stats_incbeta_inv(double p, double a, double b)
{
    if (!(a > 0.0) || !(b > 0.0) || isnan(p))
        return NAN;
    if (p <= 0.0)
        return 0.0;
    if (p >= 1.0)
        return 1.0;
    if (p <= 0.5)
        return incbeta_inv_lower(p, a, b);
    /* Upper half through the symmetry, so the search always starts from the
     * tail it is accurate in. */
    return 1.0 - incbeta_inv_lower(1.0 - p, b, a);
}
