/*
 * End-to-end tests of the runner and the headless CLI: real sweeps of the
 * sample trainers and of misbehaving commands, run by the real binary,
 * checked through `status --json`, `export`, the trial folders and the
 * study database.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

/* The trial's state and reason straight from the database. */
static char *trial_field(const char *study, long n, const char *field)
{
    char *db = tt_xasprintf("%s/study.db", study);
    char *sql = tt_xasprintf("SELECT %s FROM trials WHERE number = %ld", field, n);
    char *v = e2e_sql(db, sql);
    free(sql);
    free(db);
    return v;
}

START_TEST(test_trainer_sweep_completes)
{
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *study = w.study;
    e2e_result r = e2e_run_sweep("samples/sweeps/trainer.yaml", study, 120);
    ck_assert_msg(r.status == 0, "run failed (%d): %s\n%s", r.status, e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "trial 1 running"));
    ck_assert_ptr_nonnull(strstr(r.out, "completed: val_loss="));
    e2e_result_free(&r);

    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "\"state\": \"finished\""), "%s", js);
    ck_assert_msg(strstr(js, "\"completed\": 24"), "%s", js);
    ck_assert_msg(strstr(js, "\"failed\": 0"), "%s", js);
    ck_assert_msg(strstr(js, "\"runner_pid\": null"), "%s", js);
    ck_assert_msg(strstr(js, "\"run_cap\": 24"), "%s", js);
    ck_assert_msg(strstr(js, "\"best\": {\"trial\": "), "%s", js);
    free(js);

    /* The export has one row per trial and the value each trainer printed
     * last for val_loss. */
    const char *ex[] = {"tunetop", "export", study, NULL};
    r = e2e_run(ex, 20);
    ck_assert_int_eq(r.status, 0);
    static const char header[] = "trial,state,value,lr,batch_size,hidden,weight_decay,optimizer,"
                                 "momentum,started,finished,duration_s,reason,value_std\n";
    ck_assert_msg(strncmp(r.out, header, strlen(header)) == 0, "%s", e2e_tail(r.out));
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, 25);
    e2e_result_free(&r);

    char *log_path = tt_xasprintf("%s/trials/5/stdout.log", study);
    char *log = tt_read_file(log_path, NULL, NULL);
    ck_assert_ptr_nonnull(log);
    const char *last = strstr(log, "epoch=20 ");
    ck_assert_ptr_nonnull(last);
    double printed = strtod(strstr(last, "val_loss=") + 9, NULL);
    char *stored = trial_field(study, 5, "value");
    ck_assert_double_eq_tol(strtod(stored, NULL), printed, 1e-9 * (1 + printed));
    free(stored);
    free(log);
    free(log_path);

    /* Every epoch of every trial is stored, once. */
    char *db = tt_xasprintf("%s/study.db", study);
    /* Importance was kept up to date by the runner: fANOVA over all 24
     * completed trials, one row per parameter, and the interactions. */
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM importance WHERE method = 'fanova' "
                                      "AND n_trials = 24"),
                     6);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) > 0 FROM importance WHERE method = "
                                      "'fanova-pairs' AND n_trials = 24"),
                     1);
    char *top = e2e_sql(db, "SELECT param FROM importance WHERE method = 'fanova' ORDER BY value "
                            "DESC LIMIT 1");
    ck_assert_str_eq(top, "lr");
    free(top);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM metrics WHERE name = 'val_loss'"),
                     24 * 20);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM (SELECT trial, step FROM metrics "
                                      "WHERE name = 'val_loss' GROUP BY trial, step HAVING count(*) > 1)"),
                     0);
    free(db);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_metrics_file_trainer)
{
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *study = w.study;
    e2e_result r = e2e_run_sweep("samples/sweeps/shell_trainer.yaml", study, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "\"completed\": 8"), "%s", js);
    free(js);
    /* loss at the last epoch is (x-0.3)^2 + (y+0.2)^2 + 1/16: check trial 1. */
    char *x = trial_field(study, 1, "(SELECT text FROM trial_params WHERE trial = 1 AND name = 'x')");
    char *y = trial_field(study, 1, "(SELECT text FROM trial_params WHERE trial = 1 AND name = 'y')");
    char *v = trial_field(study, 1, "value");
    double xv = strtod(x, NULL), yv = strtod(y, NULL);
    double want = (xv - 0.3) * (xv - 0.3) + (yv + 0.2) * (yv + 0.2) + 1.0 / 16;
    ck_assert_double_eq_tol(strtod(v, NULL), want, 2e-6);
    char *db = tt_xasprintf("%s/study.db", study);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM metrics WHERE trial = 1 AND name = 'loss'"), 4);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT max(step) FROM metrics WHERE trial = 1"), 4);
    free(db);
    free(x);
    free(y);
    free(v);
    e2e_sweep_free(&w);
}
END_TEST

/* Each misbehaving command ends with the state and reason a user can act on. */
START_TEST(test_failure_reasons)
{
    static const struct {
        const char *command, *extra, *state, *reason;
    } cases[] = {
        {"[/bin/sh, -c, 'echo starting; echo out of memory >&2; exit 3']", "", "failed",
         "exit code 3; stderr: out of memory"},
        {"[/bin/sh, -c, 'echo loss=nan']", "", "failed", "objective loss is not finite"},
        {"[/bin/sh, -c, 'echo accuracy=0.5']", "", "failed", "no value reported for metric loss"},
        {"[/nonexistent/program]", "", "failed", "cannot run the command"},
        {"[/bin/sh, -c, 'kill -SEGV $$']", "", "failed", "killed by signal 11"},
        {"[/bin/sh, -c, 'echo loss=1; sleep 30']", "trial_timeout: 1\n", "timeout",
         "timeout after 1 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *yaml = tt_xasprintf("name: bad\nmethod: random\nmetric: {name: loss}\n"
                                  "command: %s\n%sparameters:\n  a: {values: [1]}\nrun_cap: 1\n",
                                  cases[i].command, cases[i].extra);
        e2e_sweep w = e2e_sweep_new(yaml);
        e2e_result r = e2e_run_sweep(w.sweep, w.study, 60);
        ck_assert_msg(r.status == 0, "%s: %s\n%s", cases[i].command, e2e_tail(r.out), e2e_tail(r.err));
        e2e_result_free(&r);
        char *state = trial_field(w.study, 1, "state");
        char *reason = trial_field(w.study, 1, "reason");
        ck_assert_msg(state && strcmp(state, cases[i].state) == 0, "%s: state %s", cases[i].command,
                      state);
        ck_assert_msg(reason && strstr(reason, cases[i].reason), "%s: reason '%s'", cases[i].command,
                      reason);
        free(state);
        free(reason);
        free(yaml);
        e2e_sweep_free(&w);
    }
}
END_TEST

/* A parameter value full of shell syntax reaches the trial as one literal
 * argument, with and without `shell: true`. */
START_TEST(test_hostile_values_stay_literal)
{
    for (int shell = 0; shell < 2; shell++) {
        e2e_sweep w = e2e_sweep_new(NULL);
        const char *study = w.study;
        char *victim = tt_xasprintf("%s/pwned", w.tmp);
        /* With `shell: true` the command is the user's shell line and only
         * the substituted values are quoted. */
        const char *command =
            shell ? "shell: true\ncommand: [\"printf '<%s>\\\\n'\", '${args}', '; echo loss=1']\n"
                  : "command: [/bin/sh, -c, 'for a; do echo \"<$a>\"; done; echo loss=1', sh, "
                    "'${args}']\n";
        char *yaml = tt_xasprintf("name: hostile\nmethod: grid\n%s"
                                  "metric: {name: loss}\nparameters:\n"
                                  "  p: {values: ['; rm -rf ~', '$(touch %s)', \"'; touch %s; '\"]}\n",
                                  command, victim, victim);
        e2e_write(w.sweep, yaml);
        e2e_result r = e2e_run_sweep(w.sweep, study, 60);
        ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
        e2e_result_free(&r);
        ck_assert_msg(!e2e_exists(victim), "a parameter value was executed (shell=%d)", shell);
        char *p1 = tt_xasprintf("%s/trials/1/stdout.log", study);
        char *out = tt_read_file(p1, NULL, NULL);
        ck_assert_msg(out && strstr(out, "<--p=; rm -rf ~>\n"), "shell=%d: %s", shell, out);
        free(out);
        free(p1);
        char *p3 = tt_xasprintf("%s/trials/3/stdout.log", study);
        out = tt_read_file(p3, NULL, NULL);
        char *want = tt_xasprintf("<--p='; touch %s; '>\n", victim);
        ck_assert_msg(out && strstr(out, want), "shell=%d: %s", shell, out);
        free(want);
        free(out);
        free(p3);
        free(yaml);
        free(victim);
        e2e_sweep_free(&w);
    }
}
END_TEST

START_TEST(test_retries)
{
    e2e_sweep w = e2e_sweep_new("name: flaky\nmethod: random\nmetric: {name: loss}\nretries: 2\n"
                                "command: [/bin/sh, -c, 'echo broken >&2; exit 1']\n"
                                "parameters:\n  a: {values: [1]}\nrun_cap: 1\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_result r = e2e_run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.out, "attempt 3 of 3"));
    e2e_result_free(&r);
    char *attempt = trial_field(study, 1, "attempt");
    ck_assert_str_eq(attempt, "3");
    char *state = trial_field(study, 1, "state");
    ck_assert_str_eq(state, "failed");
    char *db = tt_xasprintf("%s/study.db", study);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM trials"), 1);
    free(db);
    free(attempt);
    free(state);
    e2e_sweep_free(&w);
}
END_TEST

static long wait_for_running(const char *study, long want, double timeout)
{
    char *db = tt_xasprintf("%s/study.db", study);
    long n = 0;
    for (double t = 0; t < timeout; t += 0.05) {
        if (e2e_exists(db)) {
            n = e2e_sql_long(db, "SELECT count(*) FROM trials WHERE state = 'running'");
            if (n >= want)
                break;
        }
        e2e_sleep(0.05);
    }
    free(db);
    return n;
}

/* The crash test of the issue: kill -9 the detached runner while trials
 * run; run again; nothing lost or duplicated, running trials not restarted. */
START_TEST(test_kill9_and_resume)
{
    e2e_sweep w = e2e_sweep_new(
        "name: crash\nmethod: sobol\nseed: 5\nmetric: {name: loss}\nparallel: 2\nrun_cap: 6\n"
        "command: [/bin/sh, -c, 'for e in 1 2 3 4 5 6; do echo epoch=$e loss=$1; sleep 0.2; done',"
        " sh, '${x}']\n"
        "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert_int_eq(wait_for_running(study, 2, 10), 2);
    e2e_sleep(0.3);
    ck_assert_int_eq(kill(runner, SIGKILL), 0);
    e2e_sleep(0.2);

    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "\"runner_pid\": null"), "%s", js);
    ck_assert_msg(strstr(js, "\"state\": \"stopped\""), "%s", js);
    free(js);

    e2e_result r = e2e_run_sweep(study, NULL, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "re-adopted"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);

    char *db = tt_xasprintf("%s/study.db", study);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM trials"), 6);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM trials WHERE state = 'completed'"), 6);
    /* Nobody was restarted: one attempt each, one run of output each. */
    ck_assert_int_eq(e2e_sql_long(db, "SELECT max(attempt) FROM trials"), 1);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM metrics WHERE name = 'loss'"), 36);
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM (SELECT trial, step FROM metrics "
                                      "GROUP BY trial, step, name HAVING count(*) > 1)"),
                     0);
    char *ok = e2e_sql(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ok, "ok");
    free(ok);
    free(db);
    for (int t = 1; t <= 6; t++) {
        char *log_path = tt_xasprintf("%s/trials/%d/stdout.log", study, t);
        char *log = tt_read_file(log_path, NULL, NULL);
        ck_assert_ptr_nonnull(log);
        const char *first = strstr(log, "epoch=1 ");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_null(strstr(first + 1, "epoch=1 "));
        free(log);
        free(log_path);
    }
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_control_commands)
{
    e2e_sweep w = e2e_sweep_new("name: ctl\nmethod: random\nmetric: {name: loss}\nparallel: 2\n"
                                "command: [/bin/sh, -c, 'echo loss=0.5; sleep 30']\n"
                                "parameters:\n  a: {min: 0.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_start_detached(sweep, study);
    ck_assert_int_eq(wait_for_running(study, 2, 10), 2);

    const char *kill1[] = {"tunetop", "kill", study, "1", NULL};
    e2e_result r = e2e_run(kill1, 20);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    char *state = NULL;
    for (int i = 0; i < 100; i++) {
        free(state);
        state = trial_field(study, 1, "state");
        if (state && strcmp(state, "killed") == 0)
            break;
        e2e_sleep(0.1);
    }
    ck_assert_str_eq(state, "killed");
    free(state);
    char *reason = trial_field(study, 1, "reason");
    ck_assert_str_eq(reason, "killed by the user");
    free(reason);

    const char *bogus[] = {"tunetop", "kill", study, "99", NULL};
    r = e2e_run(bogus, 20);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "trial 99 is not running"));
    e2e_result_free(&r);

    const char *pause[] = {"tunetop", "pause", study, NULL};
    r = e2e_run(pause, 20);
    ck_assert_int_eq(r.status, 0);
    e2e_result_free(&r);
    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "\"state\": \"paused\""), "%s", js);
    free(js);

    ck_assert_int_eq(e2e_stop_now(study), 0);
    for (int i = 0; i < 100; i++) {
        js = e2e_status_json(study);
        bool done = strstr(js, "\"runner_pid\": null") != NULL;
        if (done)
            break;
        free(js);
        js = NULL;
        e2e_sleep(0.1);
    }
    ck_assert_ptr_nonnull(js);
    ck_assert_msg(strstr(js, "\"state\": \"stopped\""), "%s", js);
    ck_assert_msg(strstr(js, "\"running\": 0"), "%s", js);
    free(js);

    r = e2e_run(pause, 20);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no runner is alive"));
    e2e_result_free(&r);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_python_digits)
{
    if (system("/usr/bin/python3 -c 'import sklearn' 2>/dev/null") != 0) {
        fprintf(stderr, "test_python_digits: SKIPPED: python3-sklearn is not installed "
                        "(apt-get install python3-sklearn)\n");
        return;
    }
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *study = w.study;
    e2e_result r = e2e_run_sweep("samples/sweeps/digits.yaml", study, 300);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "\"completed\": 6"), "%s", js);
    free(js);
    e2e_sweep_free(&w);
}
END_TEST

Suite *suite_runner(void)
{
    return tt_suite_of("runner", "e2e", 300,
                       TT_TESTS(test_trainer_sweep_completes, test_metrics_file_trainer,
                                test_failure_reasons, test_hostile_values_stay_literal,
                                test_retries, test_kill9_and_resume, test_control_commands,
                                test_python_digits));
}
