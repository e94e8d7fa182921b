/*
 * End-to-end tests of the runner's features beyond a plain sweep: reload of
 * a changed sweep file into a live runner, parameters enqueued through the
 * command table, GPU slots, the time budget, and resuming a metrics.csv
 * after the runner was killed in the middle of it.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "tunetop/store.h"
#include "tunetop/util.h"
#include "check_util.h"

START_TEST(test_reload_changed_sweep)
{
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *sweep = w.sweep, *study = w.study;
    const char *v1 = "name: reload\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
                     "command: [/bin/sh, -c, 'echo loss=$1; sleep 0.3', sh, '${a}']\n"
                     "parameters:\n  a: {values: [1, 2]}\n";
    e2e_write(sweep, v1);
    e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) > 0 FROM trials WHERE state = 'completed'", 1, 10));

    /* A broken file is refused by `run` itself and never reaches the runner. */
    e2e_write(sweep, "name: reload\nmethod: random\nparameters:\n  a: {values: []}\n");
    const char *again[] = {"tunetop", "run", sweep, "--dir", study, "--detach", NULL};
    e2e_result r = e2e_run(again, 20);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "sweep.yaml:4:"), "%s", e2e_tail(r.err));
    e2e_result_free(&r);

    /* A valid change becomes version 2 and new trials use it. */
    e2e_write(sweep, "name: reload\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
                     "command: [/bin/sh, -c, 'echo loss=$1; sleep 0.3', sh, '${a}']\n"
                     "parameters:\n  a: {values: [7, 8]}\n");
    r = e2e_run(again, 20);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_ptr_nonnull(strstr(r.err, "asked it to reload"));
    e2e_result_free(&r);
    ck_assert(e2e_wait_study(study, "SELECT count(*) > 0 FROM trials WHERE space_version = 2", 1, 10));
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials t JOIN trial_params p ON "
                                       "p.trial = t.number WHERE t.space_version = 2 AND "
                                       "p.text NOT IN ('7', '8')"),
                     0);
    char *ev = e2e_study_sql(study, "SELECT message FROM events WHERE kind = 'reload' ORDER BY id DESC");
    ck_assert_msg(ev && strstr(ev, "v2"), "%s", ev);
    free(ev);
    char *copy = tt_xasprintf("%s/sweep-v2.yaml", study);
    ck_assert(e2e_exists(copy));
    free(copy);
    e2e_stop_now_and_wait(study);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_enqueue_runs_next)
{
    e2e_sweep w = e2e_sweep_new(
        "name: enq\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
        "command: [/bin/sh, -c, 'echo loss=$1; sleep 0.2', sh, '${lr}']\n"
        "parameters:\n  lr: {min: 0.0, max: 1.0}\n  opt: {values: [sgd, adam]}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_start_detached(sweep, study);
    char *db = tt_xasprintf("%s/study.db", study);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_READ, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    int64_t bad = tt_store_add_command(st, "enqueue", "{\"lr\": 5, \"opt\": \"sgd\"}", &err);
    int64_t good = tt_store_add_command(st, "enqueue", "{\"lr\": 0.125, \"opt\": \"adam\"}", &err);
    ck_assert(bad > 0 && good > 0);
    char *res = NULL;
    for (int i = 0; i < 200 && !res; i++) {
        tt_store_get_command_result(st, bad, &res, &err);
        e2e_sleep(0.05);
    }
    ck_assert_msg(res && strstr(res, "outside its range"), "%s", res);
    free(res);
    tt_store_close(st);
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM trial_params WHERE name = 'lr' AND text = '0.125'",
                       1, 10));
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM trials t JOIN trial_params p ON p.trial = "
                              "t.number WHERE p.text = '0.125' AND t.state = 'completed' AND "
                              "t.value = 0.125",
                       1, 10));
    e2e_stop_now_and_wait(study);
    free(db);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_devices_one_per_slot)
{
    e2e_sweep w = e2e_sweep_new(
        "name: gpus\nmethod: random\nmetric: {name: loss}\nparallel: 4\n"
        "devices: ['3', '5']\nrun_cap: 6\n"
        "command: [/bin/sh, -c, 'echo gpu=$CUDA_VISIBLE_DEVICES loss=1; sleep 0.3']\n"
        "parameters:\n  a: {min: 0.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_run_sweep_ok(sweep, study, 60);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 6);
    /* Two devices: never more than two trials at once, each on its own. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials a JOIN trials b ON a.number < "
                                       "b.number AND a.started_at < b.finished_at AND b.started_at "
                                       "< a.finished_at JOIN trials c ON b.number < c.number AND "
                                       "c.started_at < a.finished_at AND c.started_at < "
                                       "b.finished_at AND a.started_at < c.finished_at AND "
                                       "b.started_at < c.finished_at"),
                     0);
    for (int t = 1; t <= 6; t++) {
        char *p = tt_xasprintf("%s/trials/%d/stdout.log", study, t);
        char *out = tt_read_file(p, NULL, NULL);
        ck_assert_msg(out && (strstr(out, "gpu=3 ") || strstr(out, "gpu=5 ")), "%s", out);
        free(out);
        free(p);
    }
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_time_budget)
{
    e2e_sweep w = e2e_sweep_new(
        "name: budget\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
        "time_budget: 1s\n"
        "command: [/bin/sh, -c, 'echo loss=1; sleep 0.3']\n"
        "parameters:\n  a: {min: 0.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_run_sweep_ok(sweep, study, 30);
    long n = e2e_study_long(study, "SELECT count(*) FROM trials");
    ck_assert_msg(n >= 2 && n <= 5, "%ld trials in a 1 s budget of 0.3 s trials", n);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state != 'completed'"), 0);
    char *state = e2e_study_sql(study, "SELECT state FROM study");
    ck_assert_str_eq(state, "finished");
    free(state);
    e2e_sweep_free(&w);
}
END_TEST

/* kill -9 while trials are half-way through their metrics.csv: every row
 * ends up stored exactly once. */
START_TEST(test_kill9_metrics_csv)
{
    e2e_sweep w = e2e_sweep_new(
        "name: csvcrash\nmethod: random\nmetric: {name: loss}\nparallel: 2\nrun_cap: 4\n"
        "command: [/bin/sh, -c, 'echo \"step,loss,\\\"acc, %\\\"\" > $TUNETOP_METRICS_FILE;"
        " for s in 1 2 3 4 5 6 7 8; do echo \"$s,0.$s,\\\"$s\\\"\" >> "
        "$TUNETOP_METRICS_FILE; sleep 0.1; done']\n"
        "parameters:\n  a: {min: 0.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) >= 2 FROM metrics WHERE name = 'loss'", 1, 10));
    ck_assert_int_eq(kill(runner, SIGKILL), 0);
    e2e_sleep(0.3);
    e2e_run_sweep_ok(study, NULL, 60);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 4);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM metrics WHERE name = 'loss'"), 32);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM metrics WHERE name = 'acc, %'"), 32);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM (SELECT 1 FROM metrics GROUP BY "
                                       "trial, step, name HAVING count(*) > 1)"),
                     0);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM metrics WHERE name = 'loss' AND "
                                       "abs(value - step / 10.0) > 1e-9"),
                     0);
    e2e_sweep_free(&w);
}
END_TEST

/* GP suggests on a worker thread: the sweep still completes, every trial
 * distinct, and the model's trials beat the random start on a bowl. */
START_TEST(test_slow_sampler_off_the_loop)
{
    e2e_sweep w = e2e_sweep_new(
        "name: gp\nmethod: gp\nseed: 4\nmetric: {name: loss}\nparallel: 2\nrun_cap: 24\n"
        "command: [/usr/bin/awk, -v, 'x=${x}', -v, 'y=${y}', "
        "'BEGIN { print \"loss=\" (x-0.3)^2 + (y+0.2)^2 }']\n"
        "parameters:\n  x: {min: -1.0, max: 1.0}\n  y: {min: -1.0, max: 1.0}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_run_sweep_ok(sweep, study, 120);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 24);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(DISTINCT x.text || ',' || y.text) FROM "
                                       "trial_params x JOIN trial_params y ON x.trial = y.trial "
                                       "WHERE x.name = 'x' AND y.name = 'y'"),
                     24);
    char *first = e2e_study_sql(study, "SELECT min(value) FROM trials WHERE number <= 10");
    char *model = e2e_study_sql(study, "SELECT min(value) FROM trials WHERE number > 10");
    ck_assert_msg(strtod(model, NULL) < strtod(first, NULL),
                  "GP trials (best %s) did not improve on the random start (best %s)", model,
                  first);
    free(first);
    free(model);
    e2e_sweep_free(&w);
}
END_TEST

/* The C sample trainer pruned for real: hopeless trials are stopped early
 * (their process really ends before its last epoch), recorded `pruned` with
 * the pruner's reason, and counted by `status`. */
START_TEST(test_median_pruning_for_real)
{
    e2e_sweep w = e2e_sweep_new(
        "name: prune\nmethod: random\nseed: 1\nmetric: {name: val_loss}\n"
        "program: samples/bin/trainer\n"
        "command: ['${program}', '${args}', --epochs=20, --epoch_time=0.03]\n"
        "parameters:\n"
        "  lr: {distribution: log_uniform_values, min: 1e-4, max: 0.5}\n"
        "  hidden: {distribution: int_uniform, min: 4, max: 64}\n"
        "run_cap: 16\nparallel: 2\n"
        "pruner: {type: median, n_startup_trials: 4, n_warmup_steps: 3}\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_run_sweep_ok(sweep, study, 120);
    long pruned = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'pruned'");
    ck_assert_msg(pruned >= 3, "only %ld trials pruned", pruned);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'pruned' AND "
                                       "(reason NOT LIKE 'step %: val_loss % worse than the median %' "
                                       "OR last_step >= 20)"),
                     0);
    /* A pruned trial keeps the value it was pruned with (the report at its
     * last step), whatever it printed before SIGTERM landed. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials t WHERE state = 'pruned' AND "
                                       "value IS NOT (SELECT m.value FROM metrics m WHERE "
                                       "m.trial = t.number AND m.name = 'val_loss' AND "
                                       "m.step = t.last_step)"),
                     0);
    /* Startup trials are never pruned. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'pruned' AND "
                                       "number <= 4"),
                     0);
    const char *st[] = {"tunetop", "status", study, "--json", NULL};
    e2e_result r = e2e_run(st, 20);
    char *want = tt_xasprintf("\"pruned\": %ld", pruned);
    ck_assert_msg(strstr(r.out, want), "%s", e2e_tail(r.out));
    free(want);
    e2e_result_free(&r);
    e2e_sweep_free(&w);
}
END_TEST

Suite *suite_runner_features(void)
{
    return tt_suite_of("runner_features", "e2e", 120,
                       TT_TESTS(test_reload_changed_sweep, test_enqueue_runs_next,
                                test_devices_one_per_slot, test_time_budget, test_kill9_metrics_csv,
                                test_slow_sampler_off_the_loop, test_median_pruning_for_real));
}
