/*
 * Fixtures shared by the sampler tests (test_cmaes.c, test_evolution.c,
 * test_gp.c): spaces built through the space API, histories grown one
 * observation at a time, and sequential optimisation runs scored by regret.
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

tt_param param_base(const char *name, tt_dist d);
size_t add_range(tt_space *s, const char *name, tt_dist d, double min, double max,
                        double q);
size_t add_strings(tt_space *s, const char *name, size_t n, const char *const *vals);
void add_constant(tt_space *s, const char *name, int64_t v);
void add_condition(tt_space *s, size_t child, const char *parent, const char *value);
void finish(tt_space *s);
tt_space *box_space(size_t d);
tt_space *all_kinds_space(void);
void hist_push(hist *h, const tt_assignment *a, tt_trial_state state, double value);
tt_history hist_view(const hist *h);
void hist_free(hist *h);
void suggest(tt_method m, const tt_space *s, const hist *h, uint64_t seed,
                    tt_assignment *a);
double sphere(const tt_assignment *a);
double unit_objective(const tt_space *s, const tt_assignment *a);
double run_sequential(tt_method m, const tt_space *s, uint64_t seed, size_t trials,
                             hist *h);
bool same_point(const tt_assignment *a, const tt_assignment *b);
/* Method m on a 6-D box, 60 sequential trials: seed 42 twice gives the same
 * points, seed 43 other points at every trial, and a history cut at any
 * point makes m suggest the point the full run had there. */
void check_determinism_and_resume(tt_method m);
int cmp_double(const void *pa, const void *pb);

#endif
