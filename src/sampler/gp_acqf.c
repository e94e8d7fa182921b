/*
 * gp_acqf — log expected improvement (docs/algorithms.md §1.5.4), the
 * acquisition of the GP sampler. With z = (μ − f0)/σ,
 *     EI = σ·h(z),   h(z) = φ(z) + zΦ(z) = ½·z·erfc(−z/√2) + φ(z),
 * and the sampler maximises log EI = log h(z) + log σ, which stays finite
 * and informative where EI itself underflows (far from the incumbent).
 *
 * The stable tail (z < −25): h(z) = φ(z)·(1 + z·R(z)), where
 * R(z) = Φ(z)/φ(z) = √(π/2)·erfcx(−z/√2) is the Mills ratio, so
 *     log h = −z²/2 − log √(2π) + log(1 + √(π/2)·z·erfcx(−z/√2)),
 * Optuna's formula. 1 + zR cancels to about 1/z², so instead of forming it
 * from erfcx we sum its asymptotic series in x = −z directly:
 *     xR = Σ_{k≥0} (−1)^k (2k−1)!!/x^{2k},   1 + zR = Σ_{k≥1} (−1)^{k+1} (2k−1)!!/x^{2k},
 * whose terms shrink by (2k+1)/x² ≤ 1/30 for x ≥ 25, so a dozen terms give
 * full double precision with no cancellation. The derivative
 * d log h/dz = Φ/h = R/(1 + zR) comes from the same sums.
 */
#include "gp_internal.h"

#include <math.h>

#define LOG_SQRT_2PI 0.91893853320467274178
#define SQRT1_2 0.70710678118654752440
#define SERIES_TERMS 40

/* log h(z), Φ(z)/h(z) and φ(z)/h(z). */
static double log_h_parts(double z, double *cdf_over_h, double *pdf_over_h)
{
    if (z >= GP_LOGEI_TAIL_Z) {
        double pdf = exp(-0.5 * z * z - LOG_SQRT_2PI);
        double cdf = 0.5 * erfc(-z * SQRT1_2);
        double h = z * cdf + pdf;
        *cdf_over_h = cdf / h;
        *pdf_over_h = pdf / h;
        return log(h);
    }
    double x = -z, inv_x2 = 1.0 / (x * x);
    double term = 1.0, xr = 1.0, s = 0.0;
    for (int k = 1; k < SERIES_TERMS; k++) {
        term *= -(2.0 * k - 1.0) * inv_x2;
        xr += term;
        s -= term;
        if (fabs(term) < 1e-17 * s)
            break;
    }
    *cdf_over_h = xr / x / s;
    *pdf_over_h = 1.0 / s;
    return -0.5 * z * z - LOG_SQRT_2PI + log(s);
}

double gp_log_h(double z, double *dlogh)
{
    double cdf_over_h, pdf_over_h;
    double v = log_h_parts(z, &cdf_over_h, &pdf_over_h);
    if (dlogh != NULL)
        *dlogh = cdf_over_h;
    return v;
}

double gp_log_ei(double mean, double var, double f0, double *dmean, double *dvar)
{
    double sigma = sqrt(var);
    double z = (mean - f0) / sigma;
    double cdf_over_h, pdf_over_h;
    double v = log_h_parts(z, &cdf_over_h, &pdf_over_h) + 0.5 * log(var);
    /* ∂/∂μ = (Φ/h)/σ; ∂/∂σ² = (1 − zΦ/h)/(2σ²) = (φ/h)/(2σ²). */
    if (dmean != NULL)
        *dmean = cdf_over_h / sigma;
    if (dvar != NULL)
        *dvar = 0.5 * pdf_over_h / var;
    return v;
}
