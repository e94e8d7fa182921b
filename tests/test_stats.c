/*
 * Tests for stats: Φ, Φ⁻¹ and the incomplete beta against reference values
 * computed to 40 digits with mpmath, against closed forms (I_x(1,b),
 * I_x(a,1), the arcsine law, binomial tail sums), and the inverses against
 * their functions.
 */
#include <check.h>
#include <math.h>

#include "tunetop/stats.h"
#include "check_util.h"

/* |got - want| within rel * |want| (or rel absolute near 0). */
#define ck_close(got, want, rel)                                                       \
    do {                                                                               \
        double g_ = (got), w_ = (want);                                                \
        ck_assert_msg(fabs(g_ - w_) <= (rel) * fmax(fabs(w_), 1e-300),                   \
                      "%s = %.17g, expected %.17g", #got, g_, w_);                      \
    } while (0)

START_TEST(test_norm_cdf_reference)
{
    ck_close(tt_stats_norm_cdf(1.96), 0.9750021048517795, 1e-15);
    ck_close(tt_stats_norm_cdf(-1.0), 0.15865525393145705, 1e-15);
    ck_close(tt_stats_norm_cdf(0.0), 0.5, 0);
    /* The lower tail keeps its relative accuracy. */
    ck_close(tt_stats_norm_cdf(-10.0), 7.619853024160526e-24, 1e-13);
    ck_close(tt_stats_norm_cdf(-37.0), 5.725571222524577e-300, 1e-12);
    ck_close(tt_stats_norm_pdf(0.0), 0.3989422804014327, 1e-15);
    ck_close(tt_stats_norm_pdf(2.0), 0.05399096651318806, 1e-15);
}
END_TEST

START_TEST(test_norm_ppf_reference)
{
    ck_close(tt_stats_norm_ppf(0.975), 1.9599639845400542, 1e-14);
    ck_close(tt_stats_norm_ppf(0.9), 1.2815515655446004, 1e-14);
    ck_close(tt_stats_norm_ppf(0.3), -0.52440051270804078, 1e-14);
    ck_close(tt_stats_norm_ppf(0.02425), -1.9729610513118849, 1e-14);
    ck_close(tt_stats_norm_ppf(1e-5), -4.2648907939228246, 1e-14);
    ck_close(tt_stats_norm_ppf(1e-10), -6.3613409024040562, 1e-14);
    ck_close(tt_stats_norm_ppf(1e-300), -37.047096299361199, 1e-14);
    ck_assert(tt_stats_norm_ppf(0.5) == 0.0);
    ck_assert(isinf(tt_stats_norm_ppf(0.0)) && tt_stats_norm_ppf(0.0) < 0);
    ck_assert(isinf(tt_stats_norm_ppf(1.0)) && tt_stats_norm_ppf(1.0) > 0);
    ck_assert(isnan(tt_stats_norm_ppf(NAN)));
}
END_TEST

START_TEST(test_norm_ppf_inverts_cdf)
{
    /* Symmetric and an inverse of Φ across the whole range. */
    for (double p = 1e-14; p < 0.5; p *= 1.7) {
        double x = tt_stats_norm_ppf(p);
        ck_close(tt_stats_norm_cdf(x), p, 5e-14);
        ck_close(tt_stats_norm_ppf(1.0 - p), -tt_stats_norm_ppf(1.0 - (1.0 - p)), 1e-9);
    }
    /* Above 0, Φ(x) near 1 carries only absolute precision: the attainable
     * error in x is about DBL_EPSILON / φ(x). */
    for (double x = -8.0; x <= 8.0; x += 0.125) {
        double tol = x <= 0.0 ? 1e-13 * fmax(fabs(x), 1.0) : 2e-16 / tt_stats_norm_pdf(x) + 1e-13;
        double back = tt_stats_norm_ppf(tt_stats_norm_cdf(x));
        ck_assert_msg(fabs(back - x) <= tol, "ppf(cdf(%g)) = %.17g", x, back);
    }
}
END_TEST

START_TEST(test_incbeta_reference)
{
    ck_close(tt_stats_incbeta(0.5, 2, 3), 0.6875, 1e-15);
    ck_close(tt_stats_incbeta(0.3, 0.5, 0.5), 0.36901011956554538, 1e-14);
    ck_close(tt_stats_incbeta(0.2, 10, 30), 0.24135945128079146, 1e-13);
    ck_close(tt_stats_incbeta(0.001, 0.1, 2), 0.55125583826663677, 1e-14);
    ck_close(tt_stats_incbeta(0.9, 200, 20), 0.30193425571707692, 1e-12);
    ck_close(tt_stats_incbeta(0.7, 3.5, 1.25), 0.36852739917558627, 1e-14);
    ck_assert(tt_stats_incbeta(0.0, 2, 3) == 0.0);
    ck_assert(tt_stats_incbeta(1.0, 2, 3) == 1.0);
    ck_assert(isnan(tt_stats_incbeta(0.5, 0.0, 3)));
    ck_assert(isnan(tt_stats_incbeta(0.5, 2, -1)));
}
END_TEST

/* P(Binomial(n, x) >= a) = I_x(a, n - a + 1). */
static double binomial_tail(int a, int b, double x)
{
    int n = a + b - 1;
    double sum = 0.0, choose = 1.0;
    for (int j = 0; j <= n; j++) {
        if (j >= a)
            sum += choose * pow(x, j) * pow(1.0 - x, n - j);
        choose = choose * (n - j) / (j + 1);
    }
    return sum;
}

START_TEST(test_incbeta_closed_forms)
{
    for (double x = 0.01; x < 1.0; x += 0.049) {
        ck_close(tt_stats_incbeta(x, 1, 1), x, 1e-14);
        ck_close(tt_stats_incbeta(x, 2.5, 1), pow(x, 2.5), 1e-13);
        ck_close(tt_stats_incbeta(x, 1, 4.5), 1.0 - pow(1.0 - x, 4.5), 1e-13);
        ck_close(tt_stats_incbeta(x, 0.5, 0.5), 2.0 / M_PI * asin(sqrt(x)), 1e-13);
        ck_close(tt_stats_incbeta(x, 5, 7), binomial_tail(5, 7, x), 1e-12);
        ck_close(tt_stats_incbeta(x, 3, 2) + tt_stats_incbeta(1.0 - x, 2, 3), 1.0, 1e-14);
    }
}
END_TEST

START_TEST(test_incbeta_inverse)
{
    static const double shapes[][2] = {{1, 1},     {2, 3},     {0.5, 0.5}, {0.1, 2},
                                       {2, 0.1},   {50, 200},  {0.05, 0.05}, {7.5, 1.5},
                                       {1e3, 1e3}, {0.3, 40}};
    static const double ps[] = {1e-12, 1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-9};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
            double a = shapes[s][0], b = shapes[s][1], p = ps[k];
            double x = tt_stats_incbeta_inv(p, a, b);
            ck_assert_msg(x >= 0.0 && x <= 1.0, "a=%g b=%g p=%g -> %g", a, b, p, x);
            /* The upper half is solved through the symmetry, so that a
             * quantile next to 1 keeps the precision its distance from 1 has. */
            if (p > 0.5) {
                double y = tt_stats_incbeta_inv(1.0 - p, b, a);
                ck_assert(x == 1.0 - y);
                continue;
            }
            double back = tt_stats_incbeta(x, a, b);
            ck_assert_msg(fabs(back - p) <= 1e-11 * p, "a=%g b=%g p=%.17g: I_%.17g = %.17g", a,
                          b, p, x, back);
        }
    ck_close(tt_stats_incbeta_inv(0.6875, 2, 3), 0.5, 1e-13);
    ck_close(tt_stats_incbeta_inv(0.25, 0.5, 0.5), 0.5 - sqrt(0.5) / 2.0, 1e-13);
    ck_assert(tt_stats_incbeta_inv(0.0, 2, 3) == 0.0);
    ck_assert(tt_stats_incbeta_inv(1.0, 2, 3) == 1.0);
    ck_assert(isnan(tt_stats_incbeta_inv(0.5, 0, 3)));
}
END_TEST

Suite *suite_stats(void)
{
    return tt_suite_of("stats", "core", 0,
                       TT_TESTS(test_norm_cdf_reference, test_norm_ppf_reference,
                                test_norm_ppf_inverts_cdf, test_incbeta_reference,
                                test_incbeta_closed_forms, test_incbeta_inverse));
}
