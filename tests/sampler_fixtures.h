/*
 * Fixtures shared by the sampler and space tests (test_sampler.c,
 * test_tpe.c, test_cmaes.c, test_evolution.c, test_gp.c, test_space.c,
 * test_space_dist.c): values, parameters and spaces built through the space
 * API, histories grown one observation at a time, and sequential
 * optimisation runs scored by regret.
 */
#ifndef TUNETOP_TESTS_SAMPLER_FIXTURES_H
#define TUNETOP_TESTS_SAMPLER_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/sampler.h"
#include "tunetop/space.h"

typedef struct hist {
    tt_observation *obs;
    size_t n, cap;
    tt_goal goal;
} hist;

/* Values. v_str borrows s (for the helpers below, which copy); v_str_dup
 * owns a copy (for param_take_values, which takes the values over). */
tt_value v_str(const char *s);
tt_value v_str_dup(const char *s);
tt_value v_int(int64_t i);
tt_value v_float(double f);
tt_value v_bool(bool b);

/* A parameter with W&B's defaults (mu 0, sigma 1, q 1, a 1, b 1). */
tt_param param_base(const char *name, tt_dist d);
/* The same with min and max set. */
tt_param param_range(const char *name, tt_dist d, double min, double max);
/* p's values become vals (taken over, not copied). */
void param_take_values(tt_param *p, size_t n, const tt_value *vals);
/* p becomes active only when parent takes one of vals (taken over). */
void param_take_condition(tt_param *p, const char *parent, size_t n, const tt_value *vals);
/* Adding to a space: a numeric parameter (min/max as written, read as
 * mu/sigma or a/b for the normal and beta kinds; q for the q_* kinds), a
 * categorical one from strings or from values (copied), a constant. */
size_t add_range(tt_space *s, const char *name, tt_dist d, double min, double max,
                        double q);
size_t add_strings(tt_space *s, const char *name, size_t n, const char *const *vals);
size_t add_values(tt_space *s, const char *name, size_t n, const tt_value *vals);
void add_constant(tt_space *s, const char *name, int64_t v);
size_t add_constant_value(tt_space *s, const char *name, tt_value v);
/* Parameter child is active only when parent takes value (or one of vals,
 * copied). */
void add_condition(tt_space *s, size_t child, const char *parent, const char *value);
void add_condition_values(tt_space *s, size_t child, const char *parent, size_t n,
                          const tt_value *vals);
/* tt_space_finish, asserted to succeed. */
void finish(tt_space *s);
tt_space *box_space(size_t d);
tt_space *all_kinds_space(void);
/* A history (zeroed: empty, minimising). hist_push appends a copy of a. */
void hist_push(hist *h, const tt_assignment *a, tt_trial_state state, double value);
/* Appends the point x (n values, all active). */
void hist_push_x(hist *h, size_t n, const double *x, tt_trial_state state, double value);
tt_history hist_view(const hist *h);
void hist_free(hist *h);
void suggest(tt_method m, const tt_space *s, const hist *h, uint64_t seed,
                    tt_assignment *a);
/* The shifted sphere of x's first d coordinates; sphere: of all of a's. */
double sphere_x(const double *x, size_t d);
double sphere(const tt_assignment *a);
double unit_objective(const tt_space *s, const tt_assignment *a);
double run_sequential(tt_method m, const tt_space *s, uint64_t seed, size_t trials,
                             hist *h);
bool same_point(const tt_assignment *a, const tt_assignment *b);
/* Method m on a 6-D box, 60 sequential trials: seed 42 twice gives the same
 * points, seed 43 other points at every trial, and a history cut at any
 * point makes m suggest the point the full run had there. */
void check_determinism_and_resume(tt_method m);
/* Method m on all_kinds_space, 150 sequential trials (some failed) on
 * unit_objective: every point valid, conditions honoured, every optimizer
 * seen, and the late trials closer to the optimum of lr than the early
 * ones. */
void check_every_kind(tt_method m);
/* Method m on a 3-D box, 40 sequential trials, seed 4: maximising -sphere
 * proposes the points minimising sphere does. */
void check_maximize_mirrors_minimize(tt_method m);
/* Median best sphere over seeds 1..10, 80 sequential trials each. */
double median_best(tt_method m, const tt_space *s);
int cmp_double(const void *pa, const void *pb);

#endif
