/*
 * Tests for the pruners: recorded curves replayed through each pruner, every
 * decision checked against a value worked out by hand in the comment next to
 * it (docs/algorithms.md §2 for the rules). Curves are written as values at
 * consecutive steps from a first step, so "T0: 1.0 0.9 0.8 from step 0"
 * means T0 reported 1.0 at step 0, 0.9 at step 1, 0.8 at step 2.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunetop/pruner.h"
#include "check_util.h"

#define MAXT 24
#define MAXR 128

typedef struct study {
    tt_curve t[MAXT];
    long steps[MAXT][MAXR];
    double vals[MAXT][MAXR];
    size_t n;
} study;

static size_t add_curve(study *s, long number, tt_trial_state st, long step0, const double *v,
                        size_t n)
{
    size_t i = s->n++;
    ck_assert(i < MAXT && n <= MAXR);
    for (size_t k = 0; k < n; k++) {
        s->steps[i][k] = step0 + (long)k;
        s->vals[i][k] = v[k];
    }
    s->t[i] = (tt_curve){number, st, s->steps[i], s->vals[i], n};
    return i;
}

#define VALS(...) (const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double)
#define ADD(s, num, st, step0, ...) add_curve((s), (num), (st), (step0), VALS(__VA_ARGS__))

#define DONE TT_TRIAL_COMPLETED
#define RUN TT_TRIAL_RUNNING
#define PRUNED TT_TRIAL_PRUNED
#define MIN TT_GOAL_MINIMIZE
#define MAX TT_GOAL_MAXIMIZE

/* The reference defaults of every pruner (docs/algorithms.md §2), written
 * out here independently; test_spec_defaults checks that
 * tt_pruner_spec_default, which config starts from, gives the same. */
static tt_pruner_spec spec_of(tt_pruner_kind kind)
{
    return (tt_pruner_spec){
        .kind = kind,
        .n_startup_trials = 5,
        .interval_steps = 1,
        .n_min_trials = 1,
        .percentile = 50,
        .min_resource = kind == TT_PRUNER_HYPERBAND ? 1 : 0,
        .reduction_factor = kind == TT_PRUNER_HYPERBAND ? 3 : 4,
    };
}

static tt_prune_decision decide_in(const tt_pruner_spec *spec, const tt_early_terminate *et,
                                   const char *name, tt_goal goal, const study *s, size_t current)
{
    tt_prune_decision d = {.prune = false, .reason = "untouched"};
    tt_error err = {0};
    int rc = tt_pruner_decide(spec, et, name, "loss", goal, s->t, s->n, current, &d, &err);
    ck_assert_msg(rc == 0, "decide failed: %s", err.msg);
    return d;
}

static tt_prune_decision decide(const tt_pruner_spec *spec, tt_goal goal, const study *s,
                                size_t current)
{
    return decide_in(spec, NULL, "study", goal, s, current);
}

#define ck_prune(d, want_substr)                                                          \
    do {                                                                                  \
        tt_prune_decision d_ = (d);                                                       \
        ck_assert_msg(d_.prune, "expected prune, kept: %s", d_.reason);                  \
        ck_assert_msg(strstr(d_.reason, want_substr), "reason '%s' lacks '%s'", d_.reason, \
                      want_substr);                                                       \
    } while (0)
#define ck_keep(d, want_substr)                                                           \
    do {                                                                                  \
        tt_prune_decision d_ = (d);                                                       \
        ck_assert_msg(!d_.prune, "expected keep, pruned: %s", d_.reason);                \
        ck_assert_msg(strstr(d_.reason, want_substr), "reason '%s' lacks '%s'", d_.reason, \
                      want_substr);                                                       \
    } while (0)

/* ---- CRC-32 and Hyperband brackets ---- */

START_TEST(test_spec_defaults)
{
    for (int k = TT_PRUNER_NONE; k <= TT_PRUNER_THRESHOLD; k++) {
        tt_pruner_spec got = tt_pruner_spec_default((tt_pruner_kind)k);
        tt_pruner_spec want = spec_of((tt_pruner_kind)k);
        ck_assert_int_eq(got.kind, want.kind);
        ck_assert_int_eq(got.n_startup_trials, want.n_startup_trials);
        ck_assert_int_eq(got.n_warmup_steps, want.n_warmup_steps);
        ck_assert_int_eq(got.interval_steps, want.interval_steps);
        ck_assert_int_eq(got.n_min_trials, want.n_min_trials);
        ck_assert_double_eq(got.percentile, want.percentile);
        ck_assert_int_eq(got.min_resource, want.min_resource);
        ck_assert_int_eq(got.max_resource, want.max_resource);
        ck_assert_double_eq(got.reduction_factor, want.reduction_factor);
        ck_assert_int_eq(got.min_early_stopping_rate, want.min_early_stopping_rate);
        ck_assert_int_eq(got.bootstrap_count, want.bootstrap_count);
        ck_assert_int_eq(got.patience, want.patience);
        ck_assert_double_eq(got.min_delta, want.min_delta);
        ck_assert(!got.has_lower && !got.has_upper);
    }
    tt_early_terminate et = tt_early_terminate_default();
    ck_assert(!et.enabled && et.type == NULL && et.strict);
    ck_assert_double_eq(et.eta, 3);
    ck_assert_int_eq(et.min_iter + et.max_iter + et.s, 0);
}
END_TEST

START_TEST(test_crc32_known_values)
{
    ck_assert_uint_eq(tt_pruner_crc32("123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(tt_pruner_crc32("", 0), 0u);
    ck_assert_uint_eq(tt_pruner_crc32("a", 1), 0xE8B7BE43u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    ck_assert_uint_eq(tt_pruner_crc32(fox, strlen(fox)), 0x414FA339u);
    /* binascii.crc32(b"hb_8") = 2175067835 */
    ck_assert_uint_eq(tt_pruner_crc32("hb_8", 4), 2175067835u);
}
END_TEST

START_TEST(test_hyperband_brackets)
{
    /* Optuna's floor(math.log(max/min, eta)) + 1, float quirks included:
     * log(9)/log(3) = 2.0 -> 3; log(10)/log(3) = 2.096 -> 3; log(27)/log(3)
     * = 3.0000000000000004 -> 4; log(243)/log(3) = 4.999999999999999 -> 5. */
    ck_assert_int_eq(tt_pruner_hyperband_n_brackets(1, 9, 3), 3);
    ck_assert_int_eq(tt_pruner_hyperband_n_brackets(1, 10, 3), 3);
    ck_assert_int_eq(tt_pruner_hyperband_n_brackets(1, 27, 3), 4);
    ck_assert_int_eq(tt_pruner_hyperband_n_brackets(1, 243, 3), 5);
    ck_assert_int_eq(tt_pruner_hyperband_n_brackets(1, 1, 3), 1);
    ck_assert_int_le(tt_pruner_hyperband_n_brackets(10, 5, 3), 0);
    /* 3 brackets, eta 3: budgets ceil(3·9/3) = 9, ceil(3·3/2) = 5,
     * ceil(3·1/1) = 3; total 17. crc32("hb_N") % 17 < 9 -> 0, < 14 -> 1,
     * else 2. crc32("hb_0") = 2407493257, % 17 = 7 -> 0; "hb_1" = 4168637983
     * % 17 = 0 -> 0; "hb_2" = 1634799525 % 17 = 16 -> 2; "hb_4" = 2282924688
     * % 17 = 9 -> 1; "hb_7" = 287046442 % 17 = 14 -> 2; "hb_8" = 2175067835
     * % 17 = 13 -> 1. */
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 0, 3, 3), 0);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 1, 3, 3), 0);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 2, 3, 3), 2);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 4, 3, 3), 1);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 7, 3, 3), 2);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 8, 3, 3), 1);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 8, 1, 3), 0);
    ck_assert_int_eq(tt_pruner_hyperband_bracket("hb", 8, 0, 3), -1);
}
END_TEST

/* ---- median / percentile ---- */

/* Five completed trials, steps 0..4. At step 3 they hold {0.7, 0.8, 0.4,
 * 1.2, 0.5}, sorted {0.4, 0.5, 0.7, 0.8, 1.2}: median 0.7. At step 2 they
 * hold {0.8, 0.9, 0.5, 1.3, 0.6}, sorted {0.5, 0.6, 0.8, 0.9, 1.3}: median 0.8. */
static void five_completed(study *s, tt_trial_state last_state)
{
    ADD(s, 0, DONE, 0, 1.0, 0.9, 0.8, 0.7, 0.6);
    ADD(s, 1, DONE, 0, 1.2, 1.0, 0.9, 0.8, 0.7);
    ADD(s, 2, DONE, 0, 0.8, 0.6, 0.5, 0.4, 0.3);
    ADD(s, 3, DONE, 0, 1.5, 1.4, 1.3, 1.2, 1.1);
    ADD(s, 4, last_state, 0, 0.9, 0.7, 0.6, 0.5, 0.4);
}

START_TEST(test_median_basic)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_MEDIAN);
    study s = {0};
    five_completed(&s, DONE);
    /* R: 1.1 1.0 0.95 0.9 -> at step 3, best 0.9 > median 0.7 -> prune. */
    size_t r = ADD(&s, 5, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    ck_prune(decide(&sp, MIN, &s, r),
             "step 3: loss 0.9 (best so far) worse than the median 0.7 of 5 completed trials "
             "at step 3");
    /* R2: 1.1 0.65 0.9 0.8 -> best so far 0.65 < 0.7 -> keep, even though
     * its latest 0.8 is worse than the median. */
    size_t r2 = ADD(&s, 6, RUN, 0, 1.1, 0.65, 0.9, 0.8);
    ck_keep(decide(&sp, MIN, &s, r2), "0.65 (best so far) not worse than the median 0.7");
    /* R at step 7: no completed trial reported step 7 -> 0 < n_min_trials 1 -> keep. */
    size_t r3 = ADD(&s, 7, RUN, 4, 1.1, 1.0, 0.95, 0.9);
    ck_keep(decide(&sp, MIN, &s, r3), "0 completed trials reported this step, 1 needed");
    /* n_min_trials 6: only 5 completed reported step 3 -> keep. */
    sp.n_min_trials = 6;
    ck_keep(decide(&sp, MIN, &s, r), "5 completed trials reported this step, 6 needed");
    /* The trial's own order in the list does not matter. */
    sp.n_min_trials = 1;
    study t = {0};
    size_t rr = ADD(&t, 5, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    five_completed(&t, DONE);
    ck_prune(decide(&sp, MIN, &t, rr), "worse than the median 0.7");
}
END_TEST

START_TEST(test_median_startup_warmup_interval)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_MEDIAN);
    study s = {0};
    five_completed(&s, PRUNED);
    size_t r = ADD(&s, 5, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    /* Trial 4 was pruned: 4 COMPLETED < n_startup_trials 5 -> keep. */
    ck_keep(decide(&sp, MIN, &s, r), "startup: 4 of 5 trials completed");
    /* n_startup_trials 4: the check runs; at step 3 the completed hold
     * {0.7, 0.8, 0.4, 1.2} -> median (0.7 + 0.8)/2 = 0.75; best 0.9 -> prune. */
    sp.n_startup_trials = 4;
    ck_prune(decide(&sp, MIN, &s, r), "worse than the median 0.75 of 4 completed");
    /* No completed trial at all keeps, whatever n_startup_trials says. */
    study e = {0};
    size_t r0 = ADD(&e, 0, RUN, 0, 5.0);
    sp.n_startup_trials = 0;
    ck_keep(decide(&sp, MIN, &e, r0), "startup: 0 of 0");

    study w = {0};
    five_completed(&w, DONE);
    size_t rw = ADD(&w, 5, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    sp = spec_of(TT_PRUNER_MEDIAN);
    /* Warm-up 4: step 3 < 4 -> keep. Warm-up 3: step 3 checks -> prune. */
    sp.n_warmup_steps = 4;
    ck_keep(decide(&sp, MIN, &w, rw), "warm-up: step 3 < n_warmup_steps 4");
    sp.n_warmup_steps = 3;
    ck_prune(decide(&sp, MIN, &w, rw), "median 0.7");
    /* interval 2, warm-up 0: at step 3 the window starts at (3-0)//2*2 = 2,
     * and step 2 was reported (second-last 2 >= 2) -> no check, keep. */
    sp.n_warmup_steps = 0;
    sp.interval_steps = 2;
    ck_keep(decide(&sp, MIN, &w, rw), "not a check step (interval_steps 2)");
    /* The same trial one report earlier, at step 2: window starts at 2,
     * second-last step 1 < 2 -> check: best of 1.1 1.0 0.95 = 0.95 > median
     * 0.8 at step 2 -> prune. */
    w.t[rw].n = 3;
    ck_prune(decide(&sp, MIN, &w, rw), "step 2: loss 0.95 (best so far) worse than the median 0.8");
    /* interval 2 with warm-up 1: step 2 -> window (2-1)//2*2+1 = 1, second
     * last 1 >= 1 -> keep; step 3 -> window 3, second-last 2 < 3 -> check:
     * 0.9 > 0.7 -> prune. */
    sp.n_warmup_steps = 1;
    ck_keep(decide(&sp, MIN, &w, rw), "not a check step");
    w.t[rw].n = 4;
    ck_prune(decide(&sp, MIN, &w, rw), "median 0.7");
}
END_TEST

START_TEST(test_percentile_interpolation)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_PERCENTILE);
    study s = {0};
    five_completed(&s, DONE);
    /* p = 25 at step 3: sorted {0.4, 0.5, 0.7, 0.8, 1.2}, index 4·0.25 = 1
     * -> 0.5. R2's best 0.65 > 0.5 -> prune (the median would keep it). */
    sp.percentile = 25;
    size_t r2 = ADD(&s, 6, RUN, 0, 1.1, 0.65, 0.9, 0.8);
    ck_prune(decide(&sp, MIN, &s, r2), "0.65 (best so far) worse than the 25th percentile 0.5");
    /* p = 30: index 4·0.3 = 1.2 -> 0.5 + (0.7 - 0.5)·0.2 = 0.54.
     * A best of 0.55 > 0.54 -> prune; 0.53 -> keep. */
    sp.percentile = 30;
    size_t a = ADD(&s, 7, RUN, 0, 2.0, 0.55, 0.6, 0.6);
    size_t b = ADD(&s, 8, RUN, 0, 2.0, 0.53, 0.6, 0.6);
    ck_prune(decide(&sp, MIN, &s, a), "the 30th percentile 0.54 ");
    ck_keep(decide(&sp, MIN, &s, b), "0.54");
    /* p = 0: the best completed value, 0.4; p = 100: the worst, 1.2. */
    sp.percentile = 0;
    ck_prune(decide(&sp, MIN, &s, b), "the 0th percentile 0.4 ");
    sp.percentile = 100;
    ck_keep(decide(&sp, MIN, &s, a), "the 100th percentile 1.2");
    /* p = 62.5 (two-sided lerp, t >= 0.5): index 2.5 -> 0.8 - (0.8 - 0.7)·0.5
     * = 0.75; best 0.9 of trial R -> prune. */
    sp.percentile = 62.5;
    size_t r = ADD(&s, 9, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    ck_prune(decide(&sp, MIN, &s, r), "the 62.5 percentile 0.75 ");
}
END_TEST

START_TEST(test_median_maximize)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_MEDIAN);
    study s = {0};
    five_completed(&s, DONE); /* now read as accuracies (higher is better) */
    /* Maximize, median: percentile 100 - 50 = 50 of {0.4, 0.5, 0.7, 0.8,
     * 1.2} = 0.7. Best (nanmax) of 0.3 0.5 0.6 0.65 = 0.65 < 0.7 -> prune;
     * best of 0.3 0.75 0.6 0.65 = 0.75 -> keep. */
    size_t a = ADD(&s, 5, RUN, 0, 0.3, 0.5, 0.6, 0.65);
    size_t b = ADD(&s, 6, RUN, 0, 0.3, 0.75, 0.6, 0.65);
    ck_prune(decide(&sp, MAX, &s, a), "0.65 (best so far) worse than the median 0.7");
    ck_keep(decide(&sp, MAX, &s, b), "0.75");
    /* Percentile 25 when maximising keeps the top 25%: numpy percentile 75
     * of the sorted values, index 4·0.75 = 3 -> 0.8. b's 0.75 < 0.8 -> prune;
     * best 0.85 -> keep. */
    sp = spec_of(TT_PRUNER_PERCENTILE);
    sp.percentile = 25;
    size_t c = ADD(&s, 7, RUN, 0, 0.3, 0.85, 0.6, 0.65);
    ck_prune(decide(&sp, MAX, &s, b), "0.75 (best so far) worse than the 25th percentile 0.8");
    ck_keep(decide(&sp, MAX, &s, c), "0.85");
}
END_TEST

START_TEST(test_median_nan)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_MEDIAN);
    study s = {0};
    five_completed(&s, DONE);
    /* Every report NaN: nanmin is NaN -> prune (Optuna). */
    size_t a = ADD(&s, 5, RUN, 0, NAN, NAN, NAN);
    ck_prune(decide(&sp, MIN, &s, a), "non-finite objective (nan) at step 2");
    /* A NaN among finite reports is ignored: best of 1.1 NaN 0.5 = 0.5 <
     * median 0.8 at step 2 -> keep. */
    size_t b = ADD(&s, 6, RUN, 0, 1.1, NAN, 0.5);
    ck_keep(decide(&sp, MIN, &s, b), "0.5 (best so far)");
    /* A completed trial's NaN at step 3 counts toward n_min_trials but not
     * the percentile: {0.7, 0.8, 0.4, NaN, 0.5} -> sorted finite {0.4, 0.5,
     * 0.7, 0.8}, index 1.5 -> 0.7 - (0.7 - 0.5)·0.5 = 0.6. Best 0.65 > 0.6
     * -> prune (with trial 3's 1.2 the median was 0.7 and it was kept). */
    s.vals[3][3] = NAN;
    size_t c = ADD(&s, 7, RUN, 0, 1.1, 0.65, 0.9, 0.8);
    ck_prune(decide(&sp, MIN, &s, c), "0.65 (best so far) worse than the median 0.6 of 5 completed");
}
END_TEST

/* ---- successive halving (ASHA) ---- */

/* η = 2, min_resource 1, s = 0: rungs end at steps 1, 2, 4, 8.
 * A: 0.5 at step 1, 0.4 at 2, 0.3 at 4 (completed)
 * B: 0.6, 0.5, 0.45                     (completed)
 * C: 0.9 at step 1, then pruned         (pruned)
 * D: 0.7, 0.65, then pruned             (pruned) */
static void asha_field(study *s)
{
    ADD(s, 0, DONE, 0, 1.0, 0.5, 0.4, 0.35, 0.3);
    ADD(s, 1, DONE, 0, 1.0, 0.6, 0.5, 0.48, 0.45);
    ADD(s, 2, PRUNED, 0, 1.0, 0.9);
    ADD(s, 3, PRUNED, 0, 1.0, 0.7, 0.65);
}

static tt_pruner_spec asha_spec(void)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_ASHA);
    sp.min_resource = 1;
    sp.reduction_factor = 2;
    return sp;
}

START_TEST(test_asha_rungs)
{
    tt_pruner_spec sp = asha_spec();
    study s = {0};
    asha_field(&s);
    /* R reports 1.0 at step 0: below rung 0 (step 1) -> keep. */
    size_t r = ADD(&s, 4, RUN, 0, 1.0, 0.55, 0.6);
    s.t[r].n = 1;
    ck_keep(decide(&sp, MIN, &s, r), "next rung-0 at step 1");
    /* R at step 1 with 0.55: rung 0 competitors A 0.5, B 0.6, C 0.9, D 0.7
     * plus R -> m = 5, keep the best floor(5/2) = 2: sorted {0.5, 0.55, 0.6,
     * 0.7, 0.9}, threshold index 1 = 0.55; 0.55 <= 0.55 -> promoted; rung 1
     * ends at step 2 > 1 -> keep. */
    s.t[r].n = 2;
    ck_keep(decide(&sp, MIN, &s, r), "loss 0.55 passed rung-0 (threshold 0.55 of 5); next rung-1 at step 2");
    /* R at step 2 with 0.6: rung 0 was passed at step 1; rung 1 competitors
     * (first report at step >= 2) A 0.4, B 0.5, D 0.65 plus R 0.6 -> m = 4,
     * best 2 go on: sorted {0.4, 0.5, 0.6, 0.65}, threshold 0.5; 0.6 > 0.5
     * -> prune. */
    s.t[r].n = 3;
    ck_prune(decide(&sp, MIN, &s, r),
             "step 2: loss 0.6 worse than rung-1 threshold 0.5 (the best 2 of 4 trials at step 2 "
             "go on)");
    /* Same with 0.45 at step 2: sorted {0.4, 0.45, 0.5, 0.65}, threshold
     * 0.45 -> passes; rung 2 at step 4 -> keep. */
    s.vals[r][2] = 0.45;
    ck_keep(decide(&sp, MIN, &s, r), "passed rung-1 (threshold 0.45 of 4); next rung-2 at step 4");
}
END_TEST

START_TEST(test_asha_jump_and_small_rungs)
{
    tt_pruner_spec sp = asha_spec();
    study s = {0};
    asha_field(&s);
    /* R reports step 0 then jumps to step 4 with 0.35: rungs 0, 1, 2 all
     * end at or before step 4, checked in turn with 0.35:
     * rung 0: {A 0.5, B 0.6, C 0.9, D 0.7, R 0.35} m 5, index 1 -> 0.5: pass;
     * rung 1: {A 0.4, B 0.5, D 0.65, R 0.35} m 4, index 1 -> 0.4: pass;
     * rung 2: {A 0.3, B 0.45, R 0.35} m 3, floor(3/2) - 1 = 0 -> 0.3;
     * 0.35 > 0.3 -> prune at rung 2. */
    long steps[] = {0, 4};
    double vals[] = {1.0, 0.35};
    size_t r = s.n++;
    s.t[r] = (tt_curve){4, RUN, steps, vals, 2};
    ck_prune(decide(&sp, MIN, &s, r), "loss 0.35 worse than rung-2 threshold 0.3 (the best 1 of 3");
    /* The first trial to reach a rung has no competitor: m = 1, floor(1/2)
     * - 1 = -1 -> index 0, its own value -> promoted. */
    study one = {0};
    size_t o = ADD(&one, 0, RUN, 0, 1.0, 9.0);
    ck_keep(decide(&sp, MIN, &one, o), "passed rung-0 (threshold 9 of 1)");
    /* Two trials at rung 0 (m = 2, floor(2/2) = 1 goes on): the worse one is pruned. */
    ADD(&one, 1, DONE, 0, 1.0, 5.0, 4.0);
    ck_prune(decide(&sp, MIN, &one, o), "loss 9 worse than rung-0 threshold 5 (the best 1 of 2");
}
END_TEST

START_TEST(test_asha_bootstrap_nan_maximize)
{
    tt_pruner_spec sp = asha_spec();
    study s = {0};
    ADD(&s, 0, DONE, 0, 1.0, 0.5, 0.4);
    size_t r = ADD(&s, 1, RUN, 0, 1.0, 0.1);
    /* bootstrap_count 2: R at rung 0 with A -> m = 2 <= 2 -> prune (Optuna
     * prunes until a rung holds more than bootstrap_count trials). */
    sp.bootstrap_count = 2;
    ck_prune(decide(&sp, MIN, &s, r), "only 2 trials reached rung-0 (step 1); bootstrap_count 2");
    /* A third trial at rung 0: m = 3 > 2 -> compete: sorted {0.1, 0.5, 0.8},
     * floor(3/2) = 1 goes on, threshold 0.1 -> R passes. */
    ADD(&s, 2, PRUNED, 0, 1.0, 0.8);
    ck_keep(decide(&sp, MIN, &s, r), "passed rung-0 (threshold 0.1 of 3)");

    /* NaN at a rung prunes; NaN before the first rung does not. */
    sp = asha_spec();
    study n = {0};
    asha_field(&n);
    size_t x = ADD(&n, 4, RUN, 0, NAN, NAN);
    n.t[x].n = 1;
    ck_keep(decide(&sp, MIN, &n, x), "next rung-0");
    n.t[x].n = 2;
    ck_prune(decide(&sp, MIN, &n, x), "non-finite objective (nan) at step 1 (rung-0)");
    /* Another trial's NaN rung value is left out (Optuna never stores it):
     * with B's 0.6 at step 1 replaced by NaN, rung 0 holds {A 0.5, C 0.9,
     * D 0.7, R 0.65}: m 4, index 1 -> 0.65 -> R passes. With B's 0.6 it would
     * be {0.5, 0.6, 0.65, 0.7, 0.9}, threshold 0.6 -> pruned. */
    size_t y = ADD(&n, 5, RUN, 0, 1.0, 0.65);
    ck_prune(decide(&sp, MIN, &n, y), "rung-0 threshold 0.6 ");
    n.vals[1][1] = NAN;
    ck_keep(decide(&sp, MIN, &n, y), "passed rung-0 (threshold 0.65 of 4)");

    /* Maximize (accuracies): rung 0 holds {0.5, 0.4, 0.1, 0.3} and R's value;
     * m 5, the best 2 go on: the second largest. R 0.45 -> sorted {0.1, 0.3,
     * 0.4, 0.45, 0.5}, threshold 0.45 -> pass; R 0.35 -> sorted {0.1, 0.3,
     * 0.35, 0.4, 0.5}, threshold 0.4 -> prune. */
    study m = {0};
    ADD(&m, 0, DONE, 0, 0.0, 0.5, 0.6);
    ADD(&m, 1, DONE, 0, 0.0, 0.4, 0.5);
    ADD(&m, 2, PRUNED, 0, 0.0, 0.1);
    ADD(&m, 3, PRUNED, 0, 0.0, 0.3);
    size_t hi = ADD(&m, 4, RUN, 0, 0.0, 0.45);
    ck_keep(decide(&sp, MAX, &m, hi), "passed rung-0 (threshold 0.45 of 5)");
    m.vals[hi][1] = 0.35;
    ck_prune(decide(&sp, MAX, &m, hi), "loss 0.35 worse than rung-0 threshold 0.4 ");
}
END_TEST

START_TEST(test_asha_auto_and_rate)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_ASHA); /* min_resource auto, η 4 */
    sp.reduction_factor = 2;
    study s = {0};
    /* No completed trial: auto cannot size the rungs -> keep. */
    size_t r = ADD(&s, 0, RUN, 0, 1.0, 2.0, 3.0);
    ck_keep(decide(&sp, MIN, &s, r), "min_resource auto: waiting for a completed trial");
    /* A completed trial whose last step is 250: min_resource = max(1,
     * 250 // 100) = 2: rungs end at 2, 4, 8. R at step 1 -> keep; at step 2
     * it meets the completed trial's 0.5 at step 2 -> m 2, one goes on,
     * threshold 0.5; R's 3.0 -> prune. */
    double v[251];
    for (int i = 0; i <= 250; i++)
        v[i] = 0.5;
    size_t c = add_curve(&s, 1, DONE, 0, v, 3);
    s.steps[c][2] = 250; /* reports at steps 0, 1, 250 */
    s.t[r].n = 2;
    ck_keep(decide(&sp, MIN, &s, r), "next rung-0 at step 2");
    s.t[r].n = 3;
    /* At step 2 the completed trial's first report at step >= 2 is its
     * 0.5 at step 250 (it skipped steps 2..249). */
    ck_prune(decide(&sp, MIN, &s, r), "loss 3 worse than rung-0 threshold 0.5");
    /* min_early_stopping_rate 1 with min_resource 1, η 2: rung 0 ends at
     * step 1·2^1 = 2, so step 1 is never checked. */
    sp.min_resource = 1;
    sp.min_early_stopping_rate = 1;
    s.t[r].n = 2;
    ck_keep(decide(&sp, MIN, &s, r), "next rung-0 at step 2");
}
END_TEST

/* ---- Hyperband ---- */

/* The completed trials of study "hb" (min_resource 1, max_resource 9, η 3)
 * that the Hyperband tests judge against: ten steps each at a constant
 * value, trials 0, 1, 9 in bracket 0, 4, 5, 6 in bracket 1, 2, 3 in
 * bracket 2. */
static void add_hyperband_done(study *s)
{
    ADD(s, 0, DONE, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
    ADD(s, 1, DONE, 0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2);
    ADD(s, 9, DONE, 0, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3);
    ADD(s, 4, DONE, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
    ADD(s, 5, DONE, 0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6);
    ADD(s, 6, DONE, 0, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7);
    ADD(s, 2, DONE, 0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05);
    ADD(s, 3, DONE, 0, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06);
}

START_TEST(test_hyperband_own_bracket)
{
    /* Study "hb", min_resource 1, max_resource 9, η 3: 3 brackets (budgets
     * 9, 5, 3). From test_hyperband_brackets' crc32 values: trials 0, 1, 9
     * are in bracket 0 (s = 0: rungs end at steps 1, 3, 9); 4, 5, 6, 8 in
     * bracket 1 (s = 1: rungs at 3, 9); 2, 3 in bracket 2 (rung at 9).
     * crc32("hb_9") % 17 = 5 -> 0; "hb_5" % 17 = 11 and "hb_6" % 17 = 11 -> 1;
     * "hb_3" % 17 = 16 -> 2. */
    tt_pruner_spec sp = spec_of(TT_PRUNER_HYPERBAND);
    sp.max_resource = 9;
    study s = {0};
    add_hyperband_done(&s);
    /* Trial 8 (bracket 1) at step 1: its first rung ends at step 3 -> keep
     * (in bracket 0 it would have been checked at step 1). */
    size_t r = ADD(&s, 8, RUN, 0, 1.0, 0.9, 0.8, 0.45);
    s.t[r].n = 2;
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, r), "hyperband bracket 1 (brackets 0-2): step 1: next rung-0 at step 3");
    /* At step 3 with 0.45: bracket 1 holds {0.5, 0.6, 0.7} and 0.45 -> m 4,
     * floor(4/3) = 1 goes on, threshold 0.45 -> pass. Against every trial
     * ({0.05, 0.06, 0.1, 0.2, 0.3, 0.45, ...}) it would have been pruned. */
    s.t[r].n = 4;
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, r), "passed rung-0 (threshold 0.45 of 4); next rung-1 at step 9");
    /* With 0.55: sorted {0.5, 0.55, 0.6, 0.7}, threshold 0.5 -> prune. */
    s.vals[r][3] = 0.55;
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, r),
             "hyperband bracket 1 (brackets 0-2): step 3: loss 0.55 worse than rung-0 threshold 0.5");
    /* Trial 11 is in bracket 0 (crc32("hb_11") = 237804060, % 17 = 2): its
     * rung 0 ends at step 1 and holds {0.1, 0.2, 0.3} and its 0.25: m 4,
     * threshold 0.1 -> prune. */
    size_t z = ADD(&s, 11, RUN, 0, 1.0, 0.25);
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, z),
             "hyperband bracket 0 (brackets 0-2): step 1: loss 0.25 worse than rung-0 threshold 0.1");
    /* max_resource auto = largest completed step 9 + 1 = 10: log(10)/log(3)
     * = 2.096 -> still 3 brackets, same budgets, same decision. */
    sp.max_resource = 0;
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, z), "hyperband bracket 0 (brackets 0-2): step 1: loss 0.25 worse");
    /* A different study name moves the trials: crc32("other_8") =
     * 2546979363, % 17 = 8 -> bracket 0, so trial 8 is checked at step 1
     * there. Bracket 0 under "other" holds trials 0 (0.1), 1 (0.2), 3 (0.06),
     * 4 (0.5), 11 (0.25 at step 1) (crc32 % 17 = 8, 5, 7, 3, 7) and trial 8's
     * 0.9: m 6, floor(6/3) = 2 go on: sorted {0.06, 0.1, 0.2, 0.25, 0.5,
     * 0.9} -> threshold 0.1 -> prune. */
    s.t[r].n = 2;
    ck_assert_int_eq(tt_pruner_hyperband_bracket("other", 8, 3, 3), 0);
    ck_prune(decide_in(&sp, NULL, "other", MIN, &s, r),
             "hyperband bracket 0 (brackets 0-2): step 1: loss 0.9 worse than rung-0 threshold 0.1 (the "
             "best 2 of 6");
    /* Auto with no completed trial: no pruning yet. */
    study e = {0};
    size_t q = ADD(&e, 0, RUN, 0, 1.0, 2.0);
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &e, q), "max_resource auto: waiting");
}
END_TEST

/* Within a bracket: the later rungs of bracket 1, the single rung of the
 * last bracket (at max_resource), and bootstrap_count, all counted over the
 * bracket's own trials (Optuna's _BracketStudy.get_trials). Same study as
 * test_hyperband_own_bracket: "hb", min_resource 1, max_resource 9, η 3;
 * brackets 0 = {0, 1, 9, 11}, 1 = {4, 5, 6, 8}, 2 = {2, 3, 7}
 * (crc32("hb_7") % 17 = 14 -> 2). bench/pruning/optuna_check.py checks the
 * same rules against Optuna itself on whole sweeps. */
START_TEST(test_hyperband_bracket_rungs_bootstrap)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_HYPERBAND);
    sp.max_resource = 9;
    study s = {0};
    add_hyperband_done(&s);
    /* Trial 7, bracket 2 (s = 2): its only rung ends at 1·3^2 = 9, the
     * max_resource: steps 0..8 are never judged. */
    size_t r = ADD(&s, 7, RUN, 0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.04);
    s.t[r].n = 9;
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, r),
            "hyperband bracket 2 (brackets 0-2): step 8: next rung-0 at step 9");
    /* At step 9 with 0.04: rung 0 of bracket 2 holds trial 2's 0.05, trial
     * 3's 0.06 and 0.04: m 3, floor(3/3) = 1 goes on, threshold 0.04 ->
     * pass; the next rung (27) is past the last step. */
    s.t[r].n = 10;
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, r),
            "hyperband bracket 2 (brackets 0-2): step 9: loss 0.04 passed rung-0 (threshold 0.04 "
            "of 3); next rung-1 at step 27");
    /* With 0.055: sorted {0.05, 0.055, 0.06}, threshold 0.05 -> prune. */
    s.vals[r][9] = 0.055;
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, r),
             "hyperband bracket 2 (brackets 0-2): step 9: loss 0.055 worse than rung-0 threshold "
             "0.05 (the best 1 of 3 trials at step 9 go on)");
    /* bootstrap_count 3: the bracket's m = 3 <= 3 -> prune, although ten
     * trials of the study reached step 9. With 2: m 3 > 2 -> compete. */
    s.vals[r][9] = 0.04;
    sp.bootstrap_count = 3;
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, r),
             "hyperband bracket 2 (brackets 0-2): step 9: only 3 trials reached rung-0 (step 9); "
             "bootstrap_count 3 needs more");
    sp.bootstrap_count = 2;
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, r), "loss 0.04 passed rung-0 (threshold 0.04 of 3)");
    sp.bootstrap_count = 0;
    /* Trial 8, bracket 1 (s = 1): rungs at 3 and 9. At step 9 its previous
     * report (step 8) is past rung 0, which it passed then; rung 1 holds
     * trials 4, 5, 6 at step 9 (0.5, 0.6, 0.7) and its 0.45: m 4, floor(4/3)
     * = 1 goes on, threshold 0.45 -> pass, next rung 2 at 27. */
    size_t e = ADD(&s, 8, RUN, 0, 1.0, 0.9, 0.8, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45);
    ck_keep(decide_in(&sp, NULL, "hb", MIN, &s, e),
            "hyperband bracket 1 (brackets 0-2): step 9: loss 0.45 passed rung-1 (threshold 0.45 "
            "of 4); next rung-2 at step 27");
    /* With 0.55 at step 9: sorted {0.5, 0.55, 0.6, 0.7}, threshold 0.5 ->
     * prune at rung 1 (against the whole study, {0.04 .. 0.7}, rank 6). */
    s.vals[e][9] = 0.55;
    ck_prune(decide_in(&sp, NULL, "hb", MIN, &s, e),
             "hyperband bracket 1 (brackets 0-2): step 9: loss 0.55 worse than rung-1 threshold "
             "0.5 (the best 1 of 4 trials at step 9 go on)");
}
END_TEST

/* ---- patience and threshold ---- */

START_TEST(test_patience)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_PATIENCE);
    sp.patience = 2;
    study s = {0};
    size_t r = ADD(&s, 0, RUN, 0, 1.0, 0.8, 0.7, 0.75, 0.72, 0.71);
    /* 3 reports <= patience + 1 = 3 -> keep. */
    s.t[r].n = 3;
    ck_keep(decide(&sp, MIN, &s, r), "3 reports, patience needs more than 3");
    /* 5 reports: before {1.0, 0.8} min 0.8; last 3 {0.7, 0.75, 0.72} min
     * 0.7; 0.8 + 0 < 0.7 is false -> keep. */
    s.t[r].n = 5;
    ck_keep(decide(&sp, MIN, &s, r), "loss 0.7 over the last 3 reports, best before 0.8");
    /* 6 reports: before {1.0, 0.8, 0.7} min 0.7; last 3 {0.75, 0.72, 0.71}
     * min 0.71; 0.7 + 0 < 0.71 -> prune. */
    s.t[r].n = 6;
    ck_prune(decide(&sp, MIN, &s, r),
             "step 5: loss stalled: best of the last 3 reports 0.71, best before 0.7 (min_delta 0)");
    /* min_delta 0.02: 0.72 < 0.71 is false -> keep. */
    sp.min_delta = 0.02;
    ck_keep(decide(&sp, MIN, &s, r), "0.71");
    /* n_warmup_steps 6 (tunetop addition): step 5 -> keep. */
    sp.min_delta = 0;
    sp.n_warmup_steps = 6;
    ck_keep(decide(&sp, MIN, &s, r), "warm-up: step 5 < n_warmup_steps 6");
    sp.n_warmup_steps = 0;
    /* Maximize: 0.1 0.3 0.5 0.45 0.48 0.49 -> before max 0.5, last 3 max
     * 0.49; 0.5 - 0 > 0.49 -> prune. */
    size_t m = ADD(&s, 1, RUN, 0, 0.1, 0.3, 0.5, 0.45, 0.48, 0.49);
    ck_prune(decide(&sp, MAX, &s, m), "best of the last 3 reports 0.49, best before 0.5");
    /* NaN ignored: before {1.0, NaN, NaN} min 1.0, after {0.9, NaN, 1.1}
     * min 0.9 -> improving, keep; all-NaN before -> never stalls. */
    size_t n = ADD(&s, 2, RUN, 0, 1.0, NAN, NAN, 0.9, NAN, 1.1);
    ck_keep(decide(&sp, MIN, &s, n), "0.9");
    size_t q = ADD(&s, 3, RUN, 0, NAN, NAN, NAN, 0.9, 2.0, 1.1);
    ck_keep(decide(&sp, MIN, &s, q), "best before nan");
}
END_TEST

START_TEST(test_patience_wrapping)
{
    tt_pruner_spec pat = spec_of(TT_PRUNER_PATIENCE);
    pat.patience = 2;
    tt_pruner_spec thr = spec_of(TT_PRUNER_THRESHOLD);
    thr.has_upper = true;
    thr.upper = 0.705;
    study s = {0};
    size_t r = ADD(&s, 0, RUN, 0, 1.0, 0.8, 0.7, 0.75, 0.72, 0.71);
    tt_prune_decision d;
    tt_error err = {0};
    /* Stalled (see test_patience) and the wrapped threshold says 0.71 >
     * 0.705 -> prune; with upper 0.8 the threshold keeps -> keep. */
    ck_assert_int_eq(tt_pruner_decide_patient(&pat, &thr, "s", "loss", MIN, s.t, s.n, r, &d, &err), 0);
    ck_prune(d, "stalled: best of the last 3 reports 0.71, best before 0.7 (min_delta 0); step 5: loss 0.71 above the upper bound 0.705");
    thr.upper = 0.8;
    ck_assert_int_eq(tt_pruner_decide_patient(&pat, &thr, "s", "loss", MIN, s.t, s.n, r, &d, &err), 0);
    ck_keep(d, "within bounds");
    /* Not stalled (5 reports): the wrapped pruner is not asked. */
    thr.upper = 0.1;
    s.t[r].n = 5;
    ck_assert_int_eq(tt_pruner_decide_patient(&pat, &thr, "s", "loss", MIN, s.t, s.n, r, &d, &err), 0);
    ck_keep(d, "over the last 3 reports");
    /* NULL wrapped: prune on stall, as standalone. */
    s.t[r].n = 6;
    ck_assert_int_eq(tt_pruner_decide_patient(&pat, NULL, "s", "loss", MIN, s.t, s.n, r, &d, &err), 0);
    ck_prune(d, "stalled");
    /* The wrapper must be patience. */
    ck_assert_int_eq(tt_pruner_decide_patient(&thr, NULL, "s", "loss", MIN, s.t, s.n, r, &d, &err), -TT_ERR_INVALID);
}
END_TEST

START_TEST(test_threshold)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_THRESHOLD);
    sp.has_upper = true;
    sp.upper = 10;
    study s = {0};
    size_t r = ADD(&s, 0, RUN, 0, 1.0, 2.0, 15.0, 3.0);
    s.t[r].n = 2;
    ck_keep(decide(&sp, MIN, &s, r), "step 1: loss 2 within bounds");
    s.t[r].n = 3;
    ck_prune(decide(&sp, MIN, &s, r), "step 2: loss 15 above the upper bound 10");
    /* The goal does not matter: bounds are bounds. */
    ck_prune(decide(&sp, MAX, &s, r), "above the upper bound 10");
    /* Warm-up 3: step 2 -> keep. */
    sp.n_warmup_steps = 3;
    ck_keep(decide(&sp, MIN, &s, r), "warm-up: step 2 < n_warmup_steps 3");
    /* interval 3, warm-up 0: step 2 -> window 0, second-last 1 >= 0 -> no
     * check, keep; step 3 (value 3) -> window 3, checked, within. */
    sp.n_warmup_steps = 0;
    sp.interval_steps = 3;
    ck_keep(decide(&sp, MIN, &s, r), "not a check step (interval_steps 3)");
    s.t[r].n = 4;
    ck_keep(decide(&sp, MIN, &s, r), "step 3: loss 3 within bounds");
    /* Lower bound. */
    sp = spec_of(TT_PRUNER_THRESHOLD);
    sp.has_lower = true;
    sp.lower = 0;
    size_t l = ADD(&s, 1, RUN, 0, 1.0, -0.5);
    ck_prune(decide(&sp, MAX, &s, l), "step 1: loss -0.5 below the lower bound 0");
    /* Non-finite: NaN prunes (Optuna); +inf with only a lower bound prunes
     * too (tunetop: divergence; Optuna would keep it). */
    size_t n = ADD(&s, 2, RUN, 0, 1.0, NAN);
    ck_prune(decide(&sp, MIN, &s, n), "non-finite objective (nan) at step 1");
    size_t i = ADD(&s, 3, RUN, 0, 1.0, INFINITY);
    ck_prune(decide(&sp, MIN, &s, i), "non-finite objective (inf) at step 1");
    /* Close values are printed with enough digits to tell them apart. */
    sp.lower = 0.123456789;
    size_t c = ADD(&s, 4, RUN, 0, 0.12345678);
    ck_prune(decide(&sp, MIN, &s, c), "loss 0.12345678 below the lower bound 0.12345679");
}
END_TEST

/* ---- W&B hyperband ---- */

static tt_early_terminate et_min_iter(long min_iter, double eta, bool strict)
{
    return (tt_early_terminate){.enabled = true, .type = "hyperband", .min_iter = min_iter,
                                .eta = eta, .strict = strict};
}

START_TEST(test_wandb_bands)
{
    long b[16];
    /* min_iter 3, eta 3: int(3·3^k) = 3, 9, 27, 81, 243, ... ; up to 100. */
    tt_early_terminate et = et_min_iter(3, 3, true);
    ck_assert_uint_eq(tt_pruner_wandb_bands(&et, 100, b, 16), 4);
    ck_assert_int_eq(b[0], 3);
    ck_assert_int_eq(b[1], 9);
    ck_assert_int_eq(b[2], 27);
    ck_assert_int_eq(b[3], 81);
    /* max_iter 27, s 2, eta 3: 27/3 = 9, 9/3 = 3 -> sorted {3, 9}. */
    tt_early_terminate mx = {.enabled = true, .max_iter = 27, .s = 2, .eta = 3, .strict = true};
    ck_assert_uint_eq(tt_pruner_wandb_bands(&mx, 1000, b, 16), 2);
    ck_assert_int_eq(b[0], 3);
    ck_assert_int_eq(b[1], 9);
    /* s 5: 9, 3, 1, then 1/3 < 1 stops -> {1, 3, 9}. */
    mx.s = 5;
    ck_assert_uint_eq(tt_pruner_wandb_bands(&mx, 1000, b, 16), 3);
    ck_assert_int_eq(b[0], 1);
    ck_assert_int_eq(b[2], 9);
    /* Non-integer eta truncates each band: min_iter 2, eta 2.5 -> 2, int(5) =
     * 5, int(12.5) = 12, int(31.25) = 31. */
    tt_early_terminate fe = et_min_iter(2, 2.5, true);
    ck_assert_uint_eq(tt_pruner_wandb_bands(&fe, 40, b, 16), 4);
    ck_assert_int_eq(b[2], 12);
    ck_assert_int_eq(b[3], 31);
}
END_TEST

/* Runs A..E with their 3rd values 8, 6, 7, 5, 9 (the others filler). */
static void wandb_field(study *s, double sign)
{
    ADD(s, 0, DONE, 1, sign * 10, sign * 9, sign * 8, sign * 7, sign * 6, sign * 5, sign * 4, sign * 3, sign * 2, sign * 1);
    ADD(s, 1, DONE, 1, sign * 10, sign * 8, sign * 6, sign * 5, sign * 4, sign * 3, sign * 2, sign * 1.5, sign * 1.2, sign * 1);
    ADD(s, 2, PRUNED, 1, sign * 10, sign * 9, sign * 7, sign * 7);
    ADD(s, 3, RUN, 1, sign * 9, sign * 6, sign * 5);
    ADD(s, 4, TT_TRIAL_FAILED, 1, sign * 10, sign * 10, sign * 9);
}

START_TEST(test_wandb_decisions)
{
    tt_early_terminate et = et_min_iter(3, 3, true);
    study s = {0};
    wandb_field(&s, 1);
    /* R: 10, 6.5, 7.5 from step 1. With 2 values no band applies -> keep. */
    size_t r = ADD(&s, 5, RUN, 1, 10, 6.5, 7.5, 7.0, 6.9, 6.8, 6.7, 6.6, 6.55);
    s.t[r].n = 2;
    ck_keep(decide_in(NULL, &et, "s", MIN, &s, r), "2 values of loss, first band at 3");
    /* 3 values -> band 3. 3rd values of every run with >= 3: {8, 6, 7, 5, 9,
     * 7.5} -> sorted {5, 6, 7, 7.5, 8, 9}, index int(6/3) = 2 -> threshold 7.
     * Strict: R's 3rd value 7.5 > 7 -> stop. */
    s.t[r].n = 3;
    ck_prune(decide_in(NULL, &et, "s", MIN, &s, r),
             "step 3: loss 7.5 (at the band) worse than band-3 threshold 7 (6 runs with 3 values)");
    /* Not strict: min of R's history 6.5 <= 7 -> keep. */
    et.strict = false;
    ck_keep(decide_in(NULL, &et, "s", MIN, &s, r), "loss 6.5 (best so far) within band-3 threshold 7");
    /* 8 values: still band 3 (next band 9 > 8). Strict judges the 3rd value
     * again (7.5 > 7 -> stop); not strict, best so far 6.5 -> keep. */
    et.strict = true;
    s.t[r].n = 8;
    ck_prune(decide_in(NULL, &et, "s", MIN, &s, r), "step 8: loss 7.5 (at the band) worse than band-3");
    /* 9 values: band 9. Runs with >= 9 values: A (9th 2), B (9th 1.2), R
     * (9th 6.55) -> sorted {1.2, 2, 6.55}, index int(3/3) = 1 -> threshold 2.
     * Strict: 6.55 > 2 -> stop; not strict: best 6.5 > 2 -> stop too. */
    s.t[r].n = 9;
    ck_prune(decide_in(NULL, &et, "s", MIN, &s, r), "loss 6.55 (at the band) worse than band-9 threshold 2 (3 runs");
    et.strict = false;
    ck_prune(decide_in(NULL, &et, "s", MIN, &s, r), "loss 6.5 (best so far) worse than band-9 threshold 2");
    /* A non-finite value is dropped (W&B filter_invalid): R = 10, NaN, 6.5,
     * inf, 7.5 has 3 values -> band 3 with the same threshold 7 -> strict stops. */
    et.strict = true;
    size_t q = s.n;
    long qs[] = {1, 2, 3, 4, 5};
    double qv[] = {10, NAN, 6.5, INFINITY, 7.5};
    s.t[s.n++] = (tt_curve){6, RUN, qs, qv, 5};
    /* Now two runs have a 3rd value of 7.5: {5, 6, 7, 7.5, 7.5, 8, 9},
     * index int(7/3) = 2 -> 7. */
    ck_prune(decide_in(NULL, &et, "s", MIN, &s, q), "step 5: loss 7.5 (at the band) worse than band-3 threshold 7 (7 runs");
}
END_TEST

START_TEST(test_wandb_maximize_and_max_iter)
{
    /* The same runs negated and maximised give the same decisions. */
    tt_early_terminate et = et_min_iter(3, 3, true);
    study s = {0};
    wandb_field(&s, -1);
    size_t r = ADD(&s, 5, RUN, 1, -10, -6.5, -7.5);
    ck_prune(decide_in(NULL, &et, "s", MAX, &s, r), "loss -7.5 (at the band) worse than band-3 threshold -7");
    et.strict = false;
    ck_keep(decide_in(NULL, &et, "s", MAX, &s, r), "loss -6.5 (best so far) within band-3 threshold -7");
    /* max_iter 27, s 2 -> bands {3, 9}; a run with 30 values is judged at
     * band 9 (min_iter 3 would give band 27). Runs with >= 9 values: A (9th
     * 2), B (9th 1.2) and R (9th 0.5) -> sorted {0.5, 1.2, 2}, index 1 ->
     * threshold 1.2; R's 9th 0.5 -> keep. */
    tt_early_terminate mx = {.enabled = true, .max_iter = 27, .s = 2, .eta = 3, .strict = true};
    study t = {0};
    wandb_field(&t, 1);
    double v[30];
    for (int i = 0; i < 30; i++)
        v[i] = i < 9 ? 1.0 - 0.0625 * i : 0.3;
    size_t x = add_curve(&t, 5, RUN, 1, v, 30);
    ck_keep(decide_in(NULL, &mx, "s", MIN, &t, x), "step 30: loss 0.5 (at the band) within band-9 threshold 1.2 (3 runs with 9 values)");
    /* pruner: takes precedence; an et that is not enabled is ignored. */
    tt_pruner_spec none = spec_of(TT_PRUNER_NONE);
    mx.enabled = false;
    ck_keep(decide_in(&none, &mx, "s", MIN, &t, x), "no pruner");
}
END_TEST

/* ---- contract ---- */

START_TEST(test_errors_and_determinism)
{
    tt_pruner_spec sp = spec_of(TT_PRUNER_MEDIAN);
    study s = {0};
    five_completed(&s, DONE);
    size_t r = ADD(&s, 5, RUN, 0, 1.1, 1.0, 0.95, 0.9);
    tt_prune_decision d = {.prune = true, .reason = "before"};
    tt_error err = {0};
    /* current out of range. */
    ck_assert_int_eq(tt_pruner_decide(&sp, NULL, "s", NULL, MIN, s.t, s.n, s.n, &d, &err), -TT_ERR_INVALID);
    ck_assert_str_eq(d.reason, "before");
    /* Steps that go backwards in the current curve. */
    s.steps[r][2] = 0;
    ck_assert_int_eq(tt_pruner_decide(&sp, NULL, "s", NULL, MIN, s.t, s.n, r, &d, &err), -TT_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "strictly ascending"));
    s.steps[r][2] = 2;
    /* Bad options. */
    tt_pruner_spec bad = spec_of(TT_PRUNER_ASHA);
    bad.reduction_factor = 1;
    ck_assert_int_eq(tt_pruner_decide(&bad, NULL, "s", NULL, MIN, s.t, s.n, r, &d, &err), -TT_ERR_INVALID);
    bad = spec_of(TT_PRUNER_PERCENTILE);
    bad.percentile = 101;
    ck_assert_int_eq(tt_pruner_decide(&bad, NULL, "s", NULL, MIN, s.t, s.n, r, &d, &err), -TT_ERR_INVALID);
    /* No report yet: keep. NULL metric reads "objective". */
    size_t e = ADD(&s, 6, RUN, 0, 1.0);
    s.t[e].n = 0;
    ck_assert_int_eq(tt_pruner_decide(&sp, NULL, "s", NULL, MIN, s.t, s.n, e, &d, &err), 0);
    ck_keep(d, "no report yet");
    ck_assert_int_eq(tt_pruner_decide(&sp, NULL, "s", NULL, MIN, s.t, s.n, r, &d, &err), 0);
    ck_prune(d, "objective 0.9");
    /* Same inputs, same decision and reason, whatever the order of the
     * other trials (a resumed study may list them differently). */
    tt_pruner_spec kinds[4] = {spec_of(TT_PRUNER_MEDIAN), asha_spec(), spec_of(TT_PRUNER_HYPERBAND),
                               spec_of(TT_PRUNER_PERCENTILE)};
    kinds[3].percentile = 40;
    for (int k = 0; k < 4; k++) {
        tt_prune_decision a, b;
        ck_assert_int_eq(tt_pruner_decide(&kinds[k], NULL, "s", "loss", MIN, s.t, s.n, r, &a, &err), 0);
        study rev = {0};
        for (size_t i = s.n; i-- > 0;)
            add_curve(&rev, s.t[i].number, s.t[i].state, s.steps[i][0], s.vals[i], s.t[i].n);
        ck_assert_int_eq(tt_pruner_decide(&kinds[k], NULL, "s", "loss", MIN, rev.t, rev.n, s.n - 1 - r, &b, &err), 0);
        ck_assert_int_eq(a.prune, b.prune);
        ck_assert_str_eq(a.reason, b.reason);
    }
}
END_TEST

/* 1000 trials × 100 steps: every pruner decides well within a millisecond
 * on an ordinary machine; the bound here is loose for sanitizer builds. */
START_TEST(test_cost_at_scale)
{
    enum { NT = 1000, NS = 100 };
    long *steps = malloc(NS * sizeof *steps);
    double *vals = malloc((size_t)NT * NS * sizeof *vals);
    tt_curve *t = malloc(NT * sizeof *t);
    for (int j = 0; j < NS; j++)
        steps[j] = j;
    tt_rng rng;
    tt_rng_seed(&rng, 7);
    for (int i = 0; i < NT; i++) {
        double base = tt_rng_uniform(&rng);
        for (int j = 0; j < NS; j++)
            vals[(size_t)i * NS + (size_t)j] = base + 1.0 / (j + 1);
        t[i] = (tt_curve){i, i < NT - 50 ? DONE : RUN, steps, vals + (size_t)i * NS, NS};
    }
    t[NT - 1].n = 65; /* the current one is at step 64: an ASHA rung (η 4) */
    tt_early_terminate et = et_min_iter(3, 3, true);
    tt_pruner_spec specs[5] = {spec_of(TT_PRUNER_MEDIAN), spec_of(TT_PRUNER_ASHA),
                               spec_of(TT_PRUNER_HYPERBAND), spec_of(TT_PRUNER_NONE),
                               spec_of(TT_PRUNER_PATIENCE)};
    specs[4].patience = 5;
    for (int k = 0; k < 5; k++) {
        struct timespec a, b;
        tt_prune_decision d;
        tt_error err = {0};
        int reps = 20;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int rep = 0; rep < reps; rep++)
            ck_assert_int_eq(tt_pruner_decide(&specs[k], &et, "s", "loss", MIN, t, NT, NT - 1, &d, &err), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / reps;
        ck_assert_msg(ms < 25, "pruner %d: %.3f ms per decision", k, ms);
    }
    free(steps);
    free(vals);
    free(t);
}
END_TEST

Suite *suite_pruner(void)
{
    return tt_suite_of("pruner", "core", 0,
                       TT_TESTS(test_spec_defaults, test_crc32_known_values,
                                test_hyperband_brackets, test_median_basic,
                                test_median_startup_warmup_interval, test_percentile_interpolation,
                                test_median_maximize, test_median_nan, test_asha_rungs,
                                test_asha_jump_and_small_rungs, test_asha_bootstrap_nan_maximize,
                                test_asha_auto_and_rate, test_hyperband_own_bracket,
                                test_hyperband_bracket_rungs_bootstrap, test_patience,
                                test_patience_wrapping, test_threshold, test_wandb_bands,
                                test_wandb_decisions, test_wandb_maximize_and_max_iter,
                                test_errors_and_determinism, test_cost_at_scale));
}
