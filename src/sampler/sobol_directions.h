/*
 * sobol_directions — private to the sampler: the shape of the Joe & Kuo
 * direction-number table defined in sobol_directions.c and read by sobol.c.
 */
#ifndef TUNETOP_SOBOL_DIRECTIONS_H
#define TUNETOP_SOBOL_DIRECTIONS_H

#include <stdint.h>

#include "tunetop/sampler.h"

/* Highest degree of the primitive polynomials of dimensions 2..1024. */
#define TT_SOBOL_MAX_DEGREE 13
/* One row per dimension 2..TT_SOBOL_MAX_DIM. */
#define TT_SOBOL_DIRECTION_ROWS (TT_SOBOL_MAX_DIM - 1)

typedef struct tt_sobol_direction {
    uint16_t d;                       /* dimension, 2-based as published */
    uint8_t s;                        /* polynomial degree */
    uint16_t a;                       /* inner polynomial coefficients */
    uint16_t m[TT_SOBOL_MAX_DEGREE];  /* initial direction numbers m_1..m_s */
} tt_sobol_direction;

extern const tt_sobol_direction tt_sobol_directions[TT_SOBOL_DIRECTION_ROWS];

#endif
