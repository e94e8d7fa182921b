/*
 * space — what can be tuned: parameter kinds, their distributions (the
 * Weights & Biases set), conditions between parameters, and the map of every
 * parameter to one coordinate of the unit cube.
 *
 * A point of the space (tt_assignment) holds one double per parameter: the
 * value itself for numeric parameters, the index into `values` for
 * categorical ones, 0 for constants. Samplers work on these numbers; the
 * textual form of a value (for argv, CSV, JSON) comes from tt_space_format.
 *
 * Unit-cube encoding (tt_param_encode/decode) is the prior's CDF: decoding a
 * uniform u draws from the prior, so random search is decode(uniform) and
 * Sobol search is decode(sobol point). Categorical u ranges are bins sized by
 * `probabilities` (uniform when absent); a categorical value encodes to the
 * middle of its bin.
 *
 * This module does no I/O and reads no clock.
 */
#ifndef TUNETOP_SPACE_H
#define TUNETOP_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/util.h"

/* The W&B distribution names, in W&B spelling (tt_dist_name). */
typedef enum tt_dist {
    TT_DIST_CONSTANT,
    TT_DIST_CATEGORICAL,
    TT_DIST_INT_UNIFORM,
    TT_DIST_UNIFORM,
    TT_DIST_Q_UNIFORM,
    TT_DIST_LOG_UNIFORM,          /* min/max are natural-log exponents */
    TT_DIST_LOG_UNIFORM_VALUES,   /* min/max are values */
    TT_DIST_Q_LOG_UNIFORM,
    TT_DIST_Q_LOG_UNIFORM_VALUES,
    TT_DIST_INV_LOG_UNIFORM,
    TT_DIST_INV_LOG_UNIFORM_VALUES,
    TT_DIST_NORMAL,
    TT_DIST_Q_NORMAL,
    TT_DIST_LOG_NORMAL,
    TT_DIST_Q_LOG_NORMAL,
    TT_DIST_BETA,
    TT_DIST_Q_BETA,
    TT_DIST_COUNT
} tt_dist;

/* A scalar as written in a sweep file. Strings are owned by the holder. */
typedef enum tt_value_kind {
    TT_VALUE_NULL,
    TT_VALUE_BOOL,
    TT_VALUE_INT,
    TT_VALUE_FLOAT,
    TT_VALUE_STRING
} tt_value_kind;

typedef struct tt_value {
    tt_value_kind kind;
    bool b;
    int64_t i;
    double f;
    char *s;
    bool json;      /* a STRING holding the JSON text of a list or mapping
                       (W&B allows any JSON value as a categorical choice):
                       argv gets the text, JSON outputs embed it as is */
} tt_value;

/* Deep copy (strings duplicated). */
tt_value tt_value_copy(const tt_value *v);
/* Frees an owned string and resets v to NULL. */
void tt_value_clear(tt_value *v);
bool tt_value_equal(const tt_value *a, const tt_value *b);
/* Text of v: booleans as "true"/"false" (see tt_space_format for W&B's
 * "True"), floats via tt_format_double. Returns buf. */
char *tt_value_format(const tt_value *v, char *buf, size_t n);

/* A condition: the parameter is active only when parameter `parent` (an
 * index into the space, resolved by tt_space_finish) takes one of `values`.
 * Several conditions on one parameter must all hold. */
typedef struct tt_condition {
    char *parent_name;
    size_t parent;
    tt_value *values;
    size_t n_values;
} tt_condition;

typedef struct tt_param {
    char *name;            /* flattened, dotted ("optimizer.lr") */
    tt_dist dist;
    bool is_int;           /* values are integers (int_uniform, or q with
                              integral q and bounds as W&B does) */
    double min, max;       /* range as written (exponents for log_uniform) */
    double mu, sigma;      /* normal family; defaults 0 and 1 */
    double q;              /* quantum of q_* distributions; default 1 */
    double a, b;           /* beta; defaults 1 and 1 */
    tt_value *values;      /* categorical choices, or the one constant */
    size_t n_values;
    double *probabilities; /* NULL or n_values weights summing to 1 */
    tt_condition *conditions;
    size_t n_conditions;
} tt_param;

typedef struct tt_space {
    tt_param *params;      /* in declaration order */
    size_t n;
    size_t *order;         /* evaluation order: parents before children;
                              filled by tt_space_finish */
} tt_space;

/* A point: x[i] is the numeric value (or category index) of parameter i;
 * active[i] is false when a condition switches parameter i off. */
typedef struct tt_assignment {
    size_t n;
    double *x;
    bool *active;
} tt_assignment;

const char *tt_dist_name(tt_dist d);
/* Whether values of d spread evenly on a log axis (the log-uniform and
 * log-normal families): the axis a chart draws such a parameter on. */
bool tt_dist_log_axis(tt_dist d);
/* Returns -1 when name is not a distribution. */
int tt_dist_from_name(const char *name);

tt_space *tt_space_new(void);
void tt_space_free(tt_space *s);
/* Appends a parameter; the space takes ownership of every pointer in *p.
 * Returns its index. */
size_t tt_space_add(tt_space *s, tt_param *p);
/* Index of the parameter named name, or -1. */
long tt_space_find(const tt_space *s, const char *name);
/* Checks every parameter (ranges, probabilities, q > 0, …) and resolves
 * conditions into an evaluation order. Fails on an unknown parent, a cycle,
 * or a condition value the parent can never take. Must succeed before the
 * space is sampled. */
int tt_space_finish(tt_space *s, tt_error *err);
/* Frees the contents of *p (not p itself). */
void tt_param_clear(tt_param *p);

/* Prior CDF and its inverse (see the file comment). encode returns a value
 * in [0,1]; decode accepts any u in [0,1] and returns a valid value. */
double tt_param_encode(const tt_param *p, double x);
double tt_param_decode(const tt_param *p, double u);
/* Whether x is a value p can take (in range, integral when it must be, on
 * the q grid, a valid category index). */
bool tt_param_contains(const tt_param *p, double x);

/* Number of distinct values for grid search, or 0 when p is continuous (W&B
 * grids: values, value, int_uniform, q_uniform). */
size_t tt_param_grid_count(const tt_param *p);
/* The k-th grid value, k < tt_param_grid_count(p). */
double tt_param_grid_value(const tt_param *p, size_t k);

tt_assignment tt_assignment_new(size_t n);
void tt_assignment_free(tt_assignment *a);
void tt_assignment_copy(tt_assignment *dst, const tt_assignment *src);

/* Recompute active[] from the values of the parents (in evaluation order). */
void tt_space_update_active(const tt_space *s, tt_assignment *a);
/* Decode a point of the unit cube (u has s->n coordinates) into a, setting
 * active[] and giving inactive parameters x = 0. */
void tt_space_decode(const tt_space *s, const double *u, tt_assignment *a);
/* One draw from the prior. */
void tt_space_sample(const tt_space *s, tt_rng *rng, tt_assignment *a);

/* The text of parameter i of a, as it goes into argv/CSV/JSON: numbers via
 * tt_format_double (integers without a decimal point), categorical values as
 * written. Inactive parameters give "". Returns buf. */
char *tt_space_format(const tt_space *s, const tt_assignment *a, size_t i, char *buf,
                      size_t n);
/* The value of parameter i as a tt_value (strings borrowed from the space). */
tt_value tt_space_value(const tt_space *s, const tt_assignment *a, size_t i);

#endif
