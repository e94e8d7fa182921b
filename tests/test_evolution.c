/*
 * Tests of the evolution sampler (a steady-state genetic algorithm rebuilt
 * from the history on every call): determinism and resume, the random first
 * generation, every parameter kind and conditions, failed trials ignored,
 * parallel and discrete suggestions that do not repeat, and a short
 * optimisation that must beat random search.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

#include "sampler_fixtures.h"
#include "check_util.h"

/* The population (and first generation) for n parameters, as documented
 * in evolution.c: 2n + 6, clamped to [10, 50]. */
static size_t population(size_t n)
{
    size_t p = 2 * n + 6;
    return p < 10 ? 10 : p > 50 ? 50 : p;
}

START_TEST(test_evolution_available)
{
    ck_assert(tt_method_available(TT_METHOD_EVOLUTION));
    tt_space *s = box_space(2);
    tt_assignment a = tt_assignment_new(3);
    tt_error err = {0};
    ck_assert_int_eq(tt_evolution_suggest(s, NULL, 1, &a, &err), -TT_ERR_INVALID);
    tt_assignment_free(&a);
    a = tt_assignment_new(2);
    ck_assert_int_eq(tt_evolution_suggest(s, NULL, 1, &a, &err), 0);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

START_TEST(test_evolution_determinism_and_resume)
{
    check_determinism_and_resume(TT_METHOD_EVOLUTION);
}
END_TEST

START_TEST(test_evolution_first_generation_is_random)
{
    tt_space *s = box_space(4);
    size_t n_pop = population(4);
    hist evo = {0}, rnd = {0};
    run_sequential(TT_METHOD_EVOLUTION, s, 7, n_pop + 1, &evo);
    run_sequential(TT_METHOD_RANDOM, s, 7, n_pop + 1, &rnd);
    for (size_t t = 0; t < n_pop; t++)
        ck_assert(same_point(&evo.obs[t].params, &rnd.obs[t].params));
    ck_assert(!same_point(&evo.obs[n_pop].params, &rnd.obs[n_pop].params));
    /* Running trials count as proposed: with the first generation started
     * but nothing completed, the next is still random (fewer than 2
     * parents); failed trials do not count at all. */
    for (size_t t = 0; t < n_pop; t++)
        evo.obs[t].state = t % 2 ? TT_TRIAL_RUNNING : TT_TRIAL_FAILED;
    tt_assignment a = tt_assignment_new(s->n);
    hist prefix = evo;
    prefix.n = n_pop;
    suggest(TT_METHOD_EVOLUTION, s, &prefix, 7, &a);
    ck_assert(same_point(&a, &rnd.obs[n_pop].params));
    tt_assignment_free(&a);
    hist_free(&evo);
    hist_free(&rnd);
    tt_space_free(s);
}
END_TEST

START_TEST(test_evolution_every_kind)
{
    check_every_kind(TT_METHOD_EVOLUTION);
}
END_TEST

START_TEST(test_evolution_ignores_failed)
{
    /* A failed trial's value never reaches the population: changing it
     * changes nothing, while the same change on a completed trial does. */
    tt_space *s = box_space(3);
    hist h = {0};
    run_sequential(TT_METHOD_EVOLUTION, s, 12, 30, &h);
    h.obs[20].state = TT_TRIAL_FAILED;
    tt_assignment a = tt_assignment_new(s->n), b = tt_assignment_new(s->n);
    suggest(TT_METHOD_EVOLUTION, s, &h, 12, &a);
    h.obs[20].value = -1e9;
    suggest(TT_METHOD_EVOLUTION, s, &h, 12, &b);
    ck_assert(same_point(&a, &b));
    h.obs[20].state = TT_TRIAL_COMPLETED;
    suggest(TT_METHOD_EVOLUTION, s, &h, 12, &b);
    ck_assert(!same_point(&a, &b));
    /* NaN values and pruned trials are ignored the same way. */
    h.obs[20].state = TT_TRIAL_PRUNED;
    suggest(TT_METHOD_EVOLUTION, s, &h, 12, &b);
    ck_assert(same_point(&a, &b));
    h.obs[20].state = TT_TRIAL_COMPLETED;
    h.obs[20].value = NAN;
    suggest(TT_METHOD_EVOLUTION, s, &h, 12, &b);
    ck_assert(same_point(&a, &b));
    tt_assignment_free(&a);
    tt_assignment_free(&b);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_evolution_parallel_distinct)
{
    tt_space *s = box_space(4);
    hist h = {0};
    run_sequential(TT_METHOD_EVOLUTION, s, 5, 20, &h);
    tt_assignment a = tt_assignment_new(s->n);
    for (int w = 0; w < 12; w++) {
        suggest(TT_METHOD_EVOLUTION, s, &h, 5, &a);
        for (size_t t = 0; t < h.n; t++)
            ck_assert(!same_point(&a, &h.obs[t].params));
        hist_push(&h, &a, TT_TRIAL_RUNNING, NAN);
    }
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_evolution_discrete_no_repeat)
{
    /* 3 x 3 x 3 = 27 points: after the random first generation, children
     * are points not tried before while some remain. */
    tt_space *s = tt_space_new();
    static const char *const v[] = {"a", "b", "c"};
    add_strings(s, "c1", 3, v);
    add_strings(s, "c2", 3, v);
    add_range(s, "n", TT_DIST_INT_UNIFORM, 1, 3, 1);
    add_constant(s, "k", 4);
    finish(s);
    hist h = {0};
    tt_assignment a = tt_assignment_new(s->n);
    size_t n_pop = population(3);
    for (size_t t = 0; t < 24; t++) {
        suggest(TT_METHOD_EVOLUTION, s, &h, 2, &a);
        for (size_t i = 0; i < s->n; i++)
            ck_assert(tt_param_contains(&s->params[i], a.x[i]));
        if (t >= n_pop)
            for (size_t k = 0; k < h.n; k++)
                ck_assert_msg(!same_point(&a, &h.obs[k].params), "trial %zu repeats %zu", t, k);
        hist_push(&h, &a, TT_TRIAL_COMPLETED, a.x[0] + 2 * a.x[1] + a.x[2]);
    }
    tt_assignment_free(&a);
    hist_free(&h);
    tt_space_free(s);
}
END_TEST

START_TEST(test_evolution_maximize_mirrors_minimize)
{
    check_maximize_mirrors_minimize(TT_METHOD_EVOLUTION);
}
END_TEST

START_TEST(test_evolution_beats_random)
{
    tt_space *s = box_space(4);
    double random = median_best(TT_METHOD_RANDOM, s);
    double evo = median_best(TT_METHOD_EVOLUTION, s);
    ck_assert_msg(evo < 0.5 * random, "evolution median regret %g, random %g", evo, random);
    tt_space_free(s);
}
END_TEST

Suite *suite_evolution(void)
{
    return tt_suite_of("evolution", "sampler", 30,
                       TT_TESTS(test_evolution_available, test_evolution_determinism_and_resume,
                                test_evolution_first_generation_is_random,
                                test_evolution_every_kind, test_evolution_ignores_failed,
                                test_evolution_parallel_distinct, test_evolution_discrete_no_repeat,
                                test_evolution_maximize_mirrors_minimize,
                                test_evolution_beats_random));
}
