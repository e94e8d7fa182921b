/*
 * test_narrow — `tunetop narrow`: the narrowing of a sweep text
 * (tt_sweep_narrow) changes exactly the bytes of one parameter's mapping
 * — a range, a categorical's values (probabilities rescaled), a pin as
 * `value: V` — keeping comments and every other parameter byte for byte,
 * and refuses what is not a narrowing with a message naming why; the
 * command itself on a live runner (every trial started after the reload
 * is in the new range, space version 2) and with no runner (the next
 * `tunetop run DIR` takes the new version), and its usage errors.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"
#include "e2e.h"
#include "tunetop/config.h"
#include "tunetop/store.h"
#include "tunetop/study.h"
#include "tunetop/util.h"

static const char base[] =
    "# a sweep to narrow\n"
    "name: t\n"
    "program: /bin/true\n"
    "method: random\n"
    "metric: {name: loss, goal: minimize}\n"
    "parameters:\n"
    "  alpha:            # the rate\n"
    "    min: 0.0\n"
    "    max: 1.0        # upper\n"
    "  depth: {min: 1, max: 8}\n"
    "  lexp: {distribution: log_uniform, min: -5, max: 0}\n"
    "  opt:\n"
    "    values:\n"
    "      - adam   # default\n"
    "      - sgd\n"
    "      - \"rmsprop\"\n"
    "    probabilities: [0.5, 0.25, 0.25]\n"
    "  act: {values: [relu, tanh, gelu]}\n"
    "  group:\n"
    "    parameters:\n"
    "      inner: {values: [1, 2, 3]}\n"
    "  cond:\n"
    "    min: 0.0\n"
    "    max: 2.0\n"
    "    when: {opt: adam}\n"
    "# trailing comment\n";

/* base with the text from replaced by to (exactly once). */
static char *base_with(const char *from, const char *to)
{
    const char *at = strstr(base, from);
    ck_assert_msg(at != NULL, "fixture lacks %s", from);
    ck_assert_msg(strstr(at + 1, from) == NULL, "fixture has %s twice", from);
    return tt_xasprintf("%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
}

static char *narrow(const tt_narrow *req, tt_error *err)
{
    return tt_sweep_narrow("sweep.yaml", base, strlen(base), req, err);
}

/* req narrows base into base with from replaced by to, and the result
 * loads with the config loader. */
static void ck_narrows(const tt_narrow *req, const char *from, const char *to)
{
    tt_error err = {0};
    char *out = narrow(req, &err);
    ck_assert_msg(out != NULL, "%s", err.msg);
    char *want = base_with(from, to);
    ck_assert_msg(strcmp(out, want) == 0, "got:\n%s\nwanted:\n%s", out, want);
    tt_diags d = {0};
    tt_sweep *sw = tt_sweep_load_text("out", out, strlen(out), &d);
    ck_assert_msg(sw != NULL, "the result does not load");
    tt_sweep_free(sw);
    tt_diags_free(&d);
    free(want);
    free(out);
}

/* req is refused with a message holding each of words. */
static void ck_refused(const tt_narrow *req, const char *const *words)
{
    tt_error err = {0};
    char *out = narrow(req, &err);
    ck_assert_msg(out == NULL, "not refused: %s", out);
    ck_assert_int_eq(err.code, TT_ERR_INVALID);
    for (size_t i = 0; words[i]; i++)
        ck_assert_msg(strstr(err.msg, words[i]), "'%s' not in: %s", words[i], err.msg);
}

START_TEST(test_range)
{
    /* one bound: only that scalar changes, its comment stays */
    ck_narrows(&(tt_narrow){.param = "alpha", .max = "0.3"}, "max: 1.0        # upper",
               "max: 0.3        # upper");
    /* a float bound that is integral stays a float (else: an int_uniform) */
    ck_narrows(&(tt_narrow){.param = "alpha", .min = "0", .max = "1e-1"},
               "    max: 1.0        # upper", "    max: 0.1        # upper");
    ck_narrows(&(tt_narrow){.param = "cond", .min = "1"}, "    min: 0.0\n    max: 2.0",
               "    min: 1.0\n    max: 2.0");
    /* an integer range in a flow mapping */
    ck_narrows(&(tt_narrow){.param = "depth", .min = "2", .max = "4"}, "{min: 1, max: 8}",
               "{min: 2, max: 4}");
    ck_narrows(&(tt_narrow){.param = "depth", .min = "3", .max = "3"}, "{min: 1, max: 8}",
               "{min: 3, max: 3}");
    /* log_uniform is written in exponents; --max is a value */
    ck_narrows(&(tt_narrow){.param = "lexp", .max = "0.5"}, "min: -5, max: 0}",
               "min: -5, max: -0.6931471805599453}");
}
END_TEST

START_TEST(test_values)
{
    /* a block list loses the lines dropped; probabilities are rescaled */
    ck_narrows(&(tt_narrow){.param = "opt", .values = (const char *[]){"rmsprop", "adam"},
                            .n_values = 2},
               "      - sgd\n      - \"rmsprop\"\n    probabilities: [0.5, 0.25, 0.25]",
               "      - \"rmsprop\"\n    probabilities: [0.6666666666666666, "
               "0.3333333333333333]");
    /* a flow list is written again, in the file's order */
    ck_narrows(&(tt_narrow){.param = "act", .values = (const char *[]){"gelu", "relu"},
                            .n_values = 2},
               "[relu, tanh, gelu]", "[relu, gelu]");
    /* a nested parameter by its dotted name; numbers match as numbers */
    ck_narrows(&(tt_narrow){.param = "group.inner", .values = (const char *[]){"3.0"},
                            .n_values = 1},
               "inner: {values: [1, 2, 3]}", "inner: {values: [3]}");
}
END_TEST

START_TEST(test_pin)
{
    /* W&B's constant: `value: V`; `when:` stays */
    ck_narrows(&(tt_narrow){.param = "cond", .pin = "1.5"}, "    min: 0.0\n    max: 2.0\n",
               "    value: 1.5\n");
    ck_narrows(&(tt_narrow){.param = "alpha", .pin = "1"},
               "    min: 0.0\n    max: 1.0        # upper\n", "    value: 1.0\n");
    ck_narrows(&(tt_narrow){.param = "depth", .pin = "5"}, "{min: 1, max: 8}", "{value: 5}");
    ck_narrows(&(tt_narrow){.param = "act", .pin = "tanh"}, "{values: [relu, tanh, gelu]}",
               "{value: tanh}");
    /* a categorical value is written as it was (its comment goes with
     * the list) */
    ck_narrows(&(tt_narrow){.param = "opt", .pin = "adam"},
               "    values:\n      - adam   # default\n      - sgd\n      - \"rmsprop\"\n"
               "    probabilities: [0.5, 0.25, 0.25]\n",
               "    value: adam\n");
    /* a value a `when:` of another parameter needs cannot go: the loader
     * says so, and nothing is narrowed */
    ck_refused(&(tt_narrow){.param = "opt", .pin = "rmsprop"},
               (const char *[]){"would not give a valid sweep file", "'adam'", NULL});
    ck_refused(&(tt_narrow){.param = "opt", .values = (const char *[]){"sgd"}, .n_values = 1},
               (const char *[]){"would not give a valid sweep file", NULL});
}
END_TEST

START_TEST(test_refusals)
{
    ck_refused(&(tt_narrow){.param = "nope", .max = "1"},
               (const char *[]){"no parameter 'nope'", "alpha, depth, lexp, opt, act, "
                                "group.inner, cond", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .max = "2"},
               (const char *[]){"[0, 1]", "widen", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .min = "-0.1"},
               (const char *[]){"[0, 1]", "widen", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .max = "abc"},
               (const char *[]){"needs a number", "'abc'", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .min = "0.5", .max = "0.5"},
               (const char *[]){"min must be below max", NULL});
    ck_refused(&(tt_narrow){.param = "depth", .max = "4.5"},
               (const char *[]){"needs an integer", NULL});
    ck_refused(&(tt_narrow){.param = "lexp", .min = "0"},
               (const char *[]){"widen", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .pin = "1.5"},
               (const char *[]){"outside the range", "[0, 1]", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .pin = "x"},
               (const char *[]){"needs a number", NULL});
    ck_refused(&(tt_narrow){.param = "opt", .values = (const char *[]){"adamw"}, .n_values = 1},
               (const char *[]){"'adamw' is not a value of 'opt'", "adam, sgd, rmsprop", NULL});
    ck_refused(&(tt_narrow){.param = "opt", .pin = "adamw"},
               (const char *[]){"not a value", NULL});
    ck_refused(&(tt_narrow){.param = "opt", .max = "1"},
               (const char *[]){"categorical", "--values or --pin", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .values = (const char *[]){"1"}, .n_values = 1},
               (const char *[]){"--min/--max or --pin", NULL});
    ck_refused(&(tt_narrow){.param = "act", .values = (const char *[]){"relu", "tanh", "gelu"},
                            .n_values = 3},
               (const char *[]){"nothing to narrow", NULL});
    ck_refused(&(tt_narrow){.param = "alpha", .pin = "0.5", .max = "1"},
               (const char *[]){"one kind of change", NULL});
    ck_refused(&(tt_narrow){.param = "alpha"}, (const char *[]){"nothing to change", NULL});
    /* a constant is as narrow as it gets */
    char *pinned = base_with("{min: 1, max: 8}", "{value: 4}");
    tt_error err = {0};
    ck_assert_ptr_null(tt_sweep_narrow("s", pinned, strlen(pinned),
                                       &(tt_narrow){.param = "depth", .pin = "4"}, &err));
    ck_assert_msg(strstr(err.msg, "constant"), "%s", err.msg);
    free(pinned);
    /* an invalid file is not narrowed */
    const char bad[] = "program: x\nmethod: random\nparameters:\n  a: {min: 1}\n";
    ck_assert_ptr_null(tt_sweep_narrow("s", bad, strlen(bad),
                                       &(tt_narrow){.param = "a", .max = "1"}, &err));
    ck_assert_msg(strstr(err.msg, "not a valid sweep file"), "%s", err.msg);
}
END_TEST

/* ---- the command ---- */

/* A trivial trainer over alpha in [0, 1]: prints loss = alpha, a little
 * slowly, two at a time, with the trial's alpha in its output. */
static const char live_sweep[] =
    "name: narrow\nmethod: random\nmetric: {name: loss}\nparallel: 2\n"
    "command: [/bin/sh, -c, 'sleep 0.1; echo loss=$1', sh, '${alpha}']\n"
    "parameters:\n  alpha: {min: 0.0, max: 1.0}   # the only one\n";

static e2e_result tunetop(const char *const *argv)
{
    return e2e_run(argv, 20);
}

/* Trials sampled in space v2 have alpha <= 0.3, and every trial started
 * after when (a time in the store's clock) is one of them. */
static void ck_new_space(const char *study, const char *when)
{
    char *sql = tt_xasprintf("SELECT count(*) FROM trials t JOIN trial_params p ON "
                             "p.trial = t.number AND p.name = 'alpha' WHERE "
                             "(t.space_version = 2 OR t.started_at > %s) AND "
                             "(p.x > 0.3 OR t.space_version <> 2)", when);
    ck_assert_int_eq(e2e_study_long(study, sql), 0);
    free(sql);
    ck_assert_int_eq(e2e_study_long(study, "SELECT max(version) FROM spaces"), 2);
}

START_TEST(test_live_runner_reloads)
{
    e2e_sweep w = e2e_sweep_new(live_sweep);
    e2e_start_detached(w.sweep, w.study);
    ck_assert(e2e_wait_trials(w.study, "completed", 4, 10));
    const char *argv[] = {"tunetop", "narrow", w.study, "--param", "alpha", "--max", "0.3",
                          NULL};
    e2e_result r = tunetop(argv);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "reload: sweep v2"), "%s", r.out);
    e2e_result_free(&r);
    char *when = e2e_study_sql(w.study, "SELECT max(acked_at) FROM commands WHERE kind = "
                                        "'reload'");
    ck_assert_ptr_nonnull(when);
    long before = e2e_study_long(w.study, "SELECT count(*) FROM trials");
    ck_assert(e2e_wait_trials(w.study, NULL, before + 6, 10));
    e2e_stop_now_and_wait(w.study);
    ck_new_space(w.study, when);
    ck_assert_int_ge(e2e_study_long(w.study, "SELECT count(*) FROM trials WHERE "
                                             "space_version = 2"), 5);
    char *js = e2e_status_json(w.study);
    ck_assert_msg(strstr(js, "\"space_version\": 2"), "%s", js);
    free(js);
    /* the file: only alpha's mapping changed, its comment kept; FILE~ is v1 */
    char *text = e2e_read(w.tmp, "sweep.yaml");
    ck_assert_ptr_nonnull(strstr(text, "alpha: {min: 0.0, max: 0.3}   # the only one\n"));
    char *old = e2e_read(w.tmp, "sweep.yaml~");
    ck_assert_str_eq(old, live_sweep);
    char *v2 = e2e_read(w.study, "sweep-v2.yaml");
    ck_assert_str_eq(v2, text);
    free(v2);
    free(old);
    free(text);
    free(when);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_no_runner_next_run_takes_it)
{
    e2e_sweep w = e2e_sweep_new(live_sweep);
    e2e_start_detached(w.sweep, w.study);
    ck_assert(e2e_wait_trials(w.study, "completed", 2, 10));
    e2e_stop_now_and_wait(w.study);
    ck_assert(e2e_wait_study(w.study, "SELECT count(*) FROM trials WHERE state = 'running'", 0,
                             10));
    e2e_sleep(0.3); /* the runner leaves after its trials */
    const char *argv[] = {"tunetop", "narrow", w.study, "--param", "alpha", "--min", "0.1",
                          "--max", "0.3", NULL};
    e2e_result r = tunetop(argv);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "no runner is alive"), "%s", r.out);
    e2e_result_free(&r);
    /* written, recorded by the next runner before its first trial */
    ck_assert_int_eq(e2e_study_long(w.study, "SELECT max(version) FROM spaces"), 1);
    long before = e2e_study_long(w.study, "SELECT count(*) FROM trials");
    const char *run[] = {"tunetop", "run", w.study, "--detach", NULL};
    r = tunetop(run);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    e2e_result_free(&r);
    ck_assert(e2e_wait_trials(w.study, NULL, before + 4, 10));
    e2e_stop_now_and_wait(w.study);
    char *sql = tt_xasprintf("SELECT count(*) FROM trials t JOIN trial_params p ON "
                             "p.trial = t.number AND p.name = 'alpha' WHERE t.number > %ld "
                             "AND (t.space_version <> 2 OR p.x < 0.1 OR p.x > 0.3)", before);
    ck_assert_int_eq(e2e_study_long(w.study, sql), 0);
    free(sql);
    char *js = e2e_status_json(w.study);
    ck_assert_msg(strstr(js, "\"space_version\": 2"), "%s", js);
    free(js);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_command_errors)
{
    e2e_sweep w = e2e_sweep_new(live_sweep);
    /* a study with a few trials and no runner */
    char *capped = tt_xasprintf("%srun_cap: 2\n", live_sweep);
    e2e_write(w.sweep, capped);
    free(capped);
    e2e_run_sweep_ok(w.sweep, w.study, 20);
    struct {
        const char *args[8];
        int status;
        const char *says;
    } cases[] = {
        {{"narrow", "/nonexistent", "--param", "alpha", "--max", "0.3"}, 1, "not a tunetop study"},
        {{"narrow", w.study, "--param", "beta", "--max", "0.3"}, 1, "(its parameters: alpha)"},
        {{"narrow", w.study, "--param", "alpha", "--max", "2"}, 1, "widen"},
        {{"narrow", w.study, "--param", "alpha", "--pin", "x"}, 1, "needs a number"},
        {{"narrow", w.study, "--param", "alpha", "--pin", "0.5", "--max", "0.6"}, 2, "alone"},
        {{"narrow", w.study, "--param", "alpha"}, 2, "nothing to change"},
        {{"narrow", w.study, "--max", "0.5"}, 2, "--param"},
        {{"narrow", w.study, "--param", "alpha", "--values", "a,,b"}, 2, "comma-separated"},
        {{"narrow", w.study, "--param", "alpha", "--bogus"}, 2, "unknown option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[10] = {"tunetop"};
        for (size_t k = 0; k < 8 && cases[i].args[k]; k++)
            argv[k + 1] = cases[i].args[k];
        e2e_result r = tunetop(argv);
        ck_assert_msg(r.status == cases[i].status, "case %zu: status %d: %s", i, r.status,
                      e2e_tail(r.err));
        ck_assert_msg(strstr(r.err, cases[i].says), "case %zu: %s", i, e2e_tail(r.err));
        e2e_result_free(&r);
    }
    /* nothing was written */
    char *text = e2e_read(w.tmp, "sweep.yaml");
    ck_assert_ptr_nonnull(strstr(text, "max: 1.0"));
    free(text);
    char *backup = tt_xasprintf("%s~", w.sweep);
    ck_assert(!e2e_exists(backup));
    free(backup);
    const char *help[] = {"tunetop", "help", "narrow", NULL};
    e2e_result r = tunetop(help);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--pin V"));
    e2e_result_free(&r);
    e2e_sweep_free(&w);
}
END_TEST

/* tt_study_narrow_many (the contour view's two axes): a refusal of any one
 * writes nothing; two narrowings that pass are written once, as one new
 * version, with one reload for the next runner. */
START_TEST(test_study_narrow_many)
{
    static const char two[] = "name: two\nmethod: random\ncommand: [/bin/true]\n"
                              "metric: {name: loss}\nparameters:\n"
                              "  alpha: {min: 0.0, max: 1.0}\n"
                              "  opt: {values: [sgd, adam, adamw]}\n";
    char *tmp = e2e_tmpdir(), *study = tt_xasprintf("%s/study", tmp);
    char *db = tt_xasprintf("%s/study.db", study), *sweep = tt_xasprintf("%s/sweep.yaml", study);
    ck_assert_int_eq(mkdir(study, 0700), 0);
    e2e_write(sweep, two);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "two", "sweep.yaml", study, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", two, &err), 1);
    tt_study_info info = {0};
    ck_assert_int_eq(tt_store_get_study(st, &info, &err), 0);
    char *path = NULL;
    /* the second widens: refused, nothing written */
    const char *keep[] = {"sgd", "adam"};
    tt_narrow bad[] = {{.param = "alpha", .max = "0.3"}, {.param = "alpha", .max = "2"}};
    ck_assert_int_lt(tt_study_narrow_many(st, &info, bad, 2, &path, &err), 0);
    ck_assert_ptr_null(path);
    char *text = tt_read_file(sweep, NULL, NULL);
    ck_assert_str_eq(text, two);
    free(text);
    char *backup = tt_xasprintf("%s~", sweep);
    ck_assert(!e2e_exists(backup));
    /* both pass: one write */
    tt_narrow good[] = {{.param = "alpha", .max = "0.3"},
                        {.param = "opt", .values = keep, .n_values = 2}};
    ck_assert_msg(tt_study_narrow_many(st, &info, good, 2, &path, &err) > 0, "%s", err.msg);
    ck_assert_str_eq(path, sweep);
    free(path);
    text = tt_read_file(sweep, NULL, NULL);
    ck_assert_msg(strstr(text, "max: 0.3") && strstr(text, "adam") && !strstr(text, "adamw"),
                  "%s", text);
    free(text);
    ck_assert(e2e_exists(backup));
    tt_command *cmds = NULL;
    size_t n = 0;
    ck_assert_int_eq(tt_store_pending_commands(st, &cmds, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(cmds[0].kind, "reload");
    tt_command_list_free(cmds, n);
    tt_study_info_clear(&info);
    tt_store_close(st);
    e2e_rmtree(tmp);
    free(backup);
    free(sweep);
    free(db);
    free(study);
    free(tmp);
}
END_TEST

Suite *suite_narrow(void)
{
    Suite *s = suite_create("narrow");
    tt_add_tcase(s, "text", 0, TT_TESTS(test_range, test_values, test_pin, test_refusals,
                                           test_study_narrow_many));
    tt_add_tcase(s, "command", 60,
                 TT_TESTS(test_live_runner_reloads, test_no_runner_next_run_takes_it,
                          test_command_errors));
    return s;
}
