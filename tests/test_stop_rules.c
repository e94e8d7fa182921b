/*
 * End-to-end tests of why a sweep ends and of what a reload changes:
 * metric.target (no new trial once a trial reaches it), stopping on
 * repeated failures (the default rule and max_consecutive_failures),
 * stop_reason in `status --json`, `status` and the runner's last line, and
 * every key a live reload applies or refuses (README, "Reloading a sweep").
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

/* Run the sweep in the foreground; returns what it printed. */
static char *run_fg(const e2e_sweep *f, int want_status)
{
    e2e_result r = e2e_run_sweep(f->sweep, f->study, 90);
    ck_assert_msg(r.status == want_status, "status %d\n%s\n%s", r.status, e2e_tail(r.out),
                  e2e_tail(r.err));
    char *out = r.out;
    r.out = NULL;
    e2e_result_free(&r);
    return out;
}

START_TEST(test_target_minimize)
{
    /* Grid order: 0.9, 0.7, 0.3, 0.8, 0.1; the target 0.5 is reached by trial 3. */
    e2e_sweep f = e2e_sweep_new("name: t\nmethod: grid\nmetric: {name: val_loss, goal: minimize, "
                                "target: 0.5}\nparameters:\n  v: {values: [0.9, 0.7, 0.3, 0.8, 0.1]}\n"
                                "command: [/bin/sh, -c, 'echo val_loss=$1', sh, '${v}']\n");
    char *out = run_fg(&f, 0);
    ck_assert_msg(strstr(out, "study finished: target 0.5 reached by trial 3"), "%s",
                  e2e_tail(out));
    free(out);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials"), 3);
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"state\": \"finished\""), "%s", js);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"target 0.5 reached by trial 3 (val_loss=0.3)\""),
                  "%s", js);
    free(js);
    const char *st[] = {"tunetop", "status", f.study, NULL};
    e2e_result r = e2e_run(st, 20);
    ck_assert_msg(strstr(r.out, "ended    target 0.5 reached by trial 3"), "%s", r.out);
    e2e_result_free(&r);
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_target_maximize_running_finish)
{
    /* Two at a time: trial 2 reaches 0.9 >= 0.8 while trial 1 still runs;
     * trial 1 finishes, no third trial starts. */
    e2e_sweep f = e2e_sweep_new("name: t\nmethod: grid\nparallel: 2\nmetric: {name: acc, goal: maximize, "
                                "target: 0.8}\nparameters:\n  v: {values: [0.1, 0.9, 0.2, 0.3]}\n"
                                "command: [/bin/sh, -c, 'if [ $1 = 0.1 ]; then sleep 1; fi; echo acc=$1', "
                                "sh, '${v}']\n");
    free(run_fg(&f, 0));
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials"), 2);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     2);
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"target 0.8 reached by trial 2"), "%s", js);
    free(js);
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_always_failing_command_stops)
{
    e2e_sweep f = e2e_sweep_new("name: f\nmethod: random\nparallel: 2\nmetric: {name: loss}\n"
                                "parameters:\n  a: {min: 0, max: 1}\ncommand: [/bin/false]\n");
    char *out = run_fg(&f, 0);
    ck_assert_msg(strstr(out, "study stopped: the first 5 trials all failed; last: trial"),
                  "%s", e2e_tail(out));
    free(out);
    long n = e2e_study_long(f.study, "SELECT count(*) FROM trials");
    ck_assert_msg(n >= 5 && n <= 12, "%ld trials", n);
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"state\": \"stopped\""), "%s", js);
    ck_assert_msg(strstr(js, "failed; last: trial") && strstr(js, "exit code 1"), "%s", js);
    free(js);
    char *log = e2e_read(f.study, "runner.log");
    free(log); /* foreground: the lines went to stdout, checked above */
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_failures_in_a_row_later)
{
    /* Trial 1 works, then every trial fails: 10 in a row stop the sweep. */
    e2e_sweep f = e2e_sweep_new("name: f\nmethod: grid\nmetric: {name: loss}\n"
                                "parameters:\n  a: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}\n"
                                "command: [/bin/sh, -c, 'test $1 = 0 || exit 4; echo loss=1', sh, '${a}']\n");
    free(run_fg(&f, 0));
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials"), 11);
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"10 trials failed in a row; last: trial 11: exit "
                             "code 4"),
                  "%s", js);
    free(js);
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_max_consecutive_failures)
{
    e2e_sweep f = e2e_sweep_new("name: f\nmethod: random\nmetric: {name: loss}\nmax_consecutive_failures: 3\n"
                                "parameters:\n  a: {min: 0, max: 1}\ncommand: [/bin/false]\n");
    free(run_fg(&f, 0));
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials"), 3);
    e2e_sweep_free(&f);
    /* 0: never stops; the run_cap ends it. */
    f = e2e_sweep_new("name: f\nmethod: random\nmetric: {name: loss}\nmax_consecutive_failures: 0\n"
                      "run_cap: 14\nparameters:\n  a: {min: 0, max: 1}\ncommand: [/bin/false]\n");
    free(run_fg(&f, 0));
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE state = 'failed'"), 14);
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"state\": \"finished\"") &&
                      strstr(js, "\"stop_reason\": \"run_cap reached (14 trials)\""),
                  "%s", js);
    free(js);
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_stop_reason_user_and_running)
{
    e2e_sweep f = e2e_sweep_new("name: u\nmethod: random\nmetric: {name: loss}\n"
                                "parameters:\n  a: {min: 0, max: 1}\ncommand: [/bin/sleep, '30']\n");
    e2e_start_detached(f.sweep, f.study);
    ck_assert(e2e_wait_trials(f.study, "running", 1, 10));
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": null"), "%s", js);
    free(js);
    ck_assert_int_eq(e2e_stop_now(f.study), 0);
    ck_assert(e2e_wait_study(f.study, "SELECT count(*) FROM study WHERE state = 'stopped'", 1, 20));
    js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"stopped by the user (running trials killed)\""),
                  "%s", js);
    free(js);
    char *log = e2e_read(f.study, "runner.log");
    ck_assert_msg(log && strstr(log, "study stopped: stopped by the user"), "%s",
                  log ? e2e_tail(log) : "(none)");
    free(log);
    e2e_sweep_free(&f);
}
END_TEST

static int reload(const e2e_sweep *f, char **err_out)
{
    e2e_result r = e2e_run_sweep(f->sweep, f->study, 30);
    int st = r.status;
    if (err_out) {
        *err_out = r.err;
        r.err = NULL;
    }
    e2e_result_free(&r);
    return st;
}

START_TEST(test_reload_parallel_and_refusals)
{
    const char *base = "name: r\nmethod: random\nmetric: {name: loss, goal: minimize}\n"
                       "parameters:\n  a: {min: 0, max: 1}\n"
                       "command: [/bin/sh, -c, 'sleep 20; echo loss=1']\n";
    char *v1 = tt_xasprintf("%sparallel: 1\n", base);
    e2e_sweep f = e2e_sweep_new(v1);
    e2e_start_detached(f.sweep, f.study);
    ck_assert(e2e_wait_trials(f.study, "running", 1, 10));

    /* parallel 1 → 3: three running within seconds. */
    char *v2 = tt_xasprintf("%sparallel: 3\n", base);
    e2e_write(f.sweep, v2);
    char *err = NULL;
    ck_assert_int_eq(reload(&f, &err), 0);
    free(err);
    ck_assert_msg(e2e_wait_trials(f.study, "running", 3, 5),
                  "%ld running",
                  e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE state = 'running'"));

    /* The objective cannot change: refused, naming the key; nothing changes. */
    char *v3 = tt_xasprintf("%sparallel: 3\n", base);
    char *p = strstr(v3, "name: loss");
    memcpy(p, "name: acc ", 10);
    e2e_write(f.sweep, v3);
    ck_assert_int_eq(reload(&f, &err), 1);
    ck_assert_msg(strstr(err, "metric.name cannot change"), "%s", err);
    free(err);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT max(version) FROM spaces"), 2);

    /* The executor cannot change live either. */
    char *v4 = tt_xasprintf("%sparallel: 3\nexecutor: {type: slurm}\n", base);
    e2e_write(f.sweep, v4);
    ck_assert_int_eq(reload(&f, &err), 1);
    ck_assert_msg(strstr(err, "executor cannot change"), "%s", err);
    free(err);

    /* run_cap lowered live: no trial starts past it, the sweep ends with it. */
    char *v5 = tt_xasprintf("%sparallel: 3\nrun_cap: 3\n", base);
    e2e_write(f.sweep, v5);
    ck_assert_int_eq(reload(&f, &err), 0);
    free(err);
    e2e_stop_now_and_wait(f.study);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials"), 3);
    free(v1);
    free(v2);
    free(v3);
    free(v4);
    free(v5);
    e2e_sweep_free(&f);
}
END_TEST

START_TEST(test_reload_target_folds_method)
{
    /* v1: random, no target; each trial takes 0.3 s. Reloaded with folds 2,
     * tpe and a target every value reaches: the next trial has two runs,
     * and it is the last. */
    const char *base = "name: r\nmetric: {name: loss, goal: minimize%s}\n"
                       "parameters:\n  a: {min: 0, max: 1}\n%s"
                       "command: [/bin/sh, -c, 'sleep 0.3; echo loss=$1', sh, '${a}']\n";
    char *v1 = tt_xasprintf(base, "", "method: random\nrun_cap: 200\n");
    e2e_sweep f = e2e_sweep_new(v1);
    e2e_start_detached(f.sweep, f.study);
    ck_assert(e2e_wait_study(f.study, "SELECT count(*) > 0 FROM trials WHERE state = 'completed'", 1, 10));
    char *v2 = tt_xasprintf(base, ", target: 2", "method: tpe\nrun_cap: 200\nfolds: 2\n");
    e2e_write(f.sweep, v2);
    char *err = NULL;
    ck_assert_int_eq(reload(&f, &err), 0);
    free(err);
    ck_assert(e2e_wait_study(f.study, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 20));
    /* The target was reached at once (the best already had loss < 2): the
     * trial running at the reload finished, nothing new started. */
    char *js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"target 2 reached"), "%s", js);
    free(js);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE space_version = 2"), 0);
    e2e_sweep_free(&f);
    free(v1);
    free(v2);

    /* folds, method and parameters from a reload apply to the trials that
     * start after: the grid of the new space runs, two folds each, and
     * the sweep ends with the grid. */
    v1 = tt_xasprintf(base, "", "method: random\nrun_cap: 40\n");
    f = e2e_sweep_new(v1);
    e2e_start_detached(f.sweep, f.study);
    ck_assert(e2e_wait_study(f.study, "SELECT count(*) > 0 FROM trials", 1, 10));
    v2 = tt_xasprintf("name: r\nmetric: {name: loss, goal: minimize}\nmethod: grid\nfolds: 2\n"
                      "parameters:\n  a: {values: [7, 8]}\n"
                      "command: [/bin/sh, -c, 'sleep 0.3; echo loss=$1', sh, '${a}']\n");
    e2e_write(f.sweep, v2);
    ck_assert_int_eq(reload(&f, &err), 0);
    free(err);
    ck_assert(e2e_wait_study(f.study, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 30));
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE folds = 2"), 2);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials t JOIN trial_params p ON "
                                         "p.trial = t.number WHERE t.folds = 2 AND p.text IN "
                                         "('7', '8')"),
                     2);
    js = e2e_status_json(f.study);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"grid exhausted\""), "%s", js);
    free(js);
    ck_assert_int_eq(e2e_study_long(f.study, "SELECT count(*) FROM trials WHERE folds = 2 AND "
                                         "(SELECT count(*) FROM trial_runs r WHERE r.trial = "
                                         "trials.number) != 2"),
                     0);
    e2e_sweep_free(&f);
    free(v1);
    free(v2);
}
END_TEST

START_TEST(test_reload_trial_timeout)
{
    /* A running trial with no timeout gets one from a reload: it ends as a
     * timeout soon after, and the next trial runs under it too. */
    const char *base = "name: to\nmethod: random\nmetric: {name: loss}\nrun_cap: 2\n"
                       "parameters:\n  a: {min: 0.0, max: 1.0}\n"
                       "command: [/bin/sh, -c, 'sleep 30; echo loss=1']\n";
    e2e_sweep f = e2e_sweep_new(base);
    e2e_start_detached(f.sweep, f.study);
    ck_assert(e2e_wait_trials(f.study, "running", 1, 10));
    char *v2 = tt_xasprintf("%strial_timeout: 1\n", base);
    e2e_write(f.sweep, v2);
    char *err = NULL;
    ck_assert_int_eq(reload(&f, &err), 0);
    free(err);
    ck_assert(e2e_wait_trials(f.study, "timeout", 2, 30));
    free(v2);
    e2e_sweep_free(&f);
}
END_TEST

Suite *suite_stop_rules(void)
{
    Suite *s = suite_create("stop_rules");
    tt_add_tcase(s, "why a sweep ends", 120,
                 TT_TESTS(test_target_minimize, test_target_maximize_running_finish,
                          test_always_failing_command_stops, test_failures_in_a_row_later,
                          test_max_consecutive_failures, test_stop_reason_user_and_running));
    tt_add_tcase(s, "live reload", 120,
                 TT_TESTS(test_reload_parallel_and_refusals, test_reload_target_folds_method,
                          test_reload_trial_timeout));
    return s;
}
