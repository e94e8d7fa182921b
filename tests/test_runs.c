/*
 * End-to-end tests of trials made of several runs (`folds`, `repeats`):
 * the environment and macros each run gets, the trial's value as the mean
 * of its runs with their standard deviation and every run's value in
 * `status --json` and `export --runs`, a failed fold failing the trial
 * with a reason naming it, pruning on the mean curve, and a runner killed
 * mid-trial whose successor keeps the finished runs, re-adopts the running
 * ones and repeats none.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

static char *cli_out(const char *a1, const char *a2, const char *a3)
{
    const char *argv[] = {"tunetop", a1, a2, a3, NULL};
    e2e_result r = e2e_run(argv, 20);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    char *out = r.out;
    r.out = NULL;
    e2e_result_free(&r);
    return out;
}

/* The number after "key": in a JSON text (first occurrence after from). */
static double json_num(const char *js, const char *from, const char *key)
{
    const char *p = strstr(js, from);
    ck_assert_msg(p != NULL, "no %s in %s", from, js);
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    p = strstr(p, k);
    ck_assert_msg(p != NULL, "no %s in %s", key, js);
    return strtod(p + strlen(k), NULL);
}

/* A fold-aware trainer: val_loss = lr + fold, and it checks that the
 * ${fold} macro and the environment agree. */
static const char fold_trainer[] =
    "command: [/bin/sh, -c, 'test \"$2\" = \"$TUNETOP_FOLD\" || { echo fold mismatch >&2; "
    "exit 9; }; echo \"folds=$TUNETOP_FOLDS\"; "
    "awk -v lr=\"$1\" -v f=\"$TUNETOP_FOLD\" \"BEGIN{print \\\"val_loss=\\\" lr + f}\"', "
    "sh, '${lr}', '${fold}']\n";

START_TEST(test_folds_mean_std_and_runs)
{
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *sweep = w.sweep, *study = w.study;
    char *text = tt_xasprintf("name: folds\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\n"
                              "parameters:\n  lr: {values: [1, 5]}\nfolds: 3\nparallel: 2\n%s",
                              fold_trainer);
    e2e_write(sweep, text);
    e2e_run_sweep_ok(sweep, study, 60);

    /* Two configurations, three runs each; each run in its own folder. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 2);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trial_runs WHERE state = 'completed'"),
                     6);
    for (int f = 0; f < 3; f++) {
        char leaf[64];
        snprintf(leaf, sizeof leaf, "trials/1/fold-%d/stdout.log", f);
        char *out = e2e_read(study, leaf);
        ck_assert_msg(out && strstr(out, "folds=3"), "%s: %s", leaf, out ? out : "(none)");
        free(out);
    }
    /* The best is lr=1: folds give 1, 2, 3; mean 2, std sqrt(2/3). */
    char *js = cli_out("status", study, "--json");
    ck_assert_double_eq_tol(json_num(js, "\"best\"", "value"), 2.0, 1e-9);
    ck_assert_double_eq_tol(json_num(js, "\"best\"", "std"), sqrt(2.0 / 3.0), 1e-9);
    ck_assert_msg(strstr(js, "\"runs\": [1, 2, 3]"), "%s", js);
    ck_assert_msg(strstr(js, "\"stop_reason\": \"grid exhausted\""), "%s", js);
    free(js);

    char *runs = cli_out("export", study, "--runs");
    ck_assert_str_eq(runs, "trial,fold,repeat,value,state\n"
                           "1,0,0,1,completed\n1,1,0,2,completed\n1,2,0,3,completed\n"
                           "2,0,0,5,completed\n2,1,0,6,completed\n2,2,0,7,completed\n");
    free(runs);
    /* `best` gives the standard deviation next to the value. */
    char *best = cli_out("best", study, "--format=csv");
    ck_assert_msg(strncmp(best, "rank,trial,val_loss,val_loss_std,lr\n1,1,2,0.816496580927726",
                          58) == 0,
                  "%s", best);
    free(best);
    best = cli_out("best", study, NULL);
    ck_assert_msg(strstr(best, "± std") && strstr(best, "± 0.816"), "%s", best);
    free(best);
    char *csv = cli_out("export", study, "--format=csv");
    ck_assert_msg(strstr(csv, ",value_std\n"), "%s", csv);
    ck_assert_msg(strstr(csv, ",0.816496580927726"), "%s", csv);
    free(csv);
    const char *js_argv[] = {"tunetop", "export", study, "--format", "json", NULL};
    e2e_result jr = e2e_run(js_argv, 20);
    ck_assert_msg(strstr(jr.out, "\"value\":2,\"value_std\":0.816496580927726,\"runs\":["
                                 "{\"fold\":0,\"repeat\":0,\"state\":\"completed\",\"value\":1},"),
                  "%s", e2e_tail(jr.out));
    e2e_result_free(&jr);
    /* Each run's points are its own (the run column). */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(DISTINCT run) FROM metrics WHERE trial = 1"),
                     3);
    e2e_sweep_free(&w);
    free(text);
}
END_TEST

START_TEST(test_folds_times_repeats)
{
    /* A trainer that ignores the fold still works: its runs just agree.
     * It reports the repetition it was told. */
    e2e_sweep w = e2e_sweep_new(
        "name: rep\nmethod: grid\nmetric: {name: loss}\n"
        "parameters:\n  a: {values: [4]}\nfolds: 2\nrepeats: 2\nparallel: 3\n"
        "command: [/bin/sh, -c, 'echo loss=$1 rep=$TUNETOP_REPEAT of=$TUNETOP_REPEATS "
        "r2=$2', sh, '${a}', '${repeat}']\n");
    const char *sweep = w.sweep, *study = w.study;
    e2e_run_sweep_ok(sweep, study, 60);
    char *runs = cli_out("export", study, "--runs");
    ck_assert_str_eq(runs, "trial,fold,repeat,value,state\n"
                           "1,0,0,4,completed\n1,0,1,4,completed\n"
                           "1,1,0,4,completed\n1,1,1,4,completed\n");
    free(runs);
    char *out = e2e_read(study, "trials/1/fold-1-repeat-1/stdout.log");
    ck_assert_msg(out && strstr(out, "rep=1 of=2 r2=1"), "%s", out ? out : "(none)");
    free(out);
    char *js = cli_out("status", study, "--json");
    ck_assert_msg(strstr(js, "\"std\": 0, \"runs\": [4, 4, 4, 4]"), "%s", js);
    free(js);
    e2e_sweep_free(&w);
}
END_TEST

START_TEST(test_failed_fold_fails_the_trial)
{
    /* Fold 1 fails on its first attempt only (a marker file): the retry
     * runs every fold again and completes. */
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *tmp = w.tmp, *sweep = w.sweep, *study = w.study;
    char *text = tt_xasprintf(
        "name: ff\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a: {values: [2]}\n"
        "folds: 3\nretries: 1\n"
        "command: [/bin/sh, -c, 'if [ \"$TUNETOP_FOLD\" = 1 ] && [ ! -e %s/failed ]; then "
        "touch %s/failed; echo disk on fire >&2; exit 3; fi; echo loss=$1', sh, '${a}']\n",
        tmp, tmp);
    e2e_write(sweep, text);
    e2e_run_sweep_ok(sweep, study, 60);
    ck_assert_int_eq(e2e_study_long(study, "SELECT attempt FROM trials WHERE number = 1"), 2);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 1);
    char *why = e2e_study_sql(study, "SELECT reason FROM trial_runs WHERE attempt = 1 AND run = 1");
    ck_assert_msg(why && strstr(why, "exit code 3"), "%s", why ? why : "(none)");
    free(why);
    char *retry = e2e_study_sql(study, "SELECT message FROM events WHERE kind = 'retry'");
    ck_assert_msg(retry && strstr(retry, "fold 1: exit code 3") && strstr(retry, "disk on fire"),
                  "%s", retry ? retry : "(none)");
    free(retry);
    /* Without retries the trial fails with that reason; fold 2 never starts. */
    e2e_rmtree(study);
    char *marker = tt_xasprintf("%s/failed", tmp);
    unlink(marker);
    free(marker);
    free(text);
    text = tt_xasprintf(
        "name: ff\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a: {values: [2]}\n"
        "folds: 3\n"
        "command: [/bin/sh, -c, 'if [ \"$TUNETOP_FOLD\" = 1 ]; then exit 3; fi; echo loss=$1', "
        "sh, '${a}']\n");
    e2e_write(sweep, text);
    e2e_result r = e2e_run_sweep(sweep, study, 60);
    e2e_result_free(&r);
    char *reason = e2e_study_sql(study, "SELECT reason FROM trials WHERE number = 1");
    ck_assert_msg(reason && strncmp(reason, "fold 1: exit code 3", 19) == 0, "%s",
                  reason ? reason : "(none)");
    free(reason);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trial_runs"), 2);
    e2e_sweep_free(&w);
    free(text);
}
END_TEST

START_TEST(test_pruning_on_the_mean_curve)
{
    /* threshold upper 5: a = 9 on fold 0 and 0 on fold 1 average 4.5 (kept,
     * though fold 0 alone is above); a = 8 on both averages 8 (pruned). */
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *sweep = w.sweep, *study = w.study;
    e2e_write(sweep,
              "name: pm\nmethod: grid\nmetric: {name: loss}\n"
              "parameters:\n  a: {values: [9, 8]}\nfolds: 2\n"
              "pruner: {type: threshold, upper: 5, n_warmup_steps: 0}\n"
              "command: [/bin/sh, -c, 'v=$1; if [ $1 = 9 ] && [ $TUNETOP_FOLD = 1 ]; then v=0; fi; "
              "for s in 0 1 2 3 4 5; do echo step=$s loss=$v; sleep 0.1; done', sh, '${a}']\n");
    e2e_run_sweep_ok(sweep, study, 60);
    ck_assert_int_eq(e2e_study_long(study, "SELECT state = 'completed' FROM trials WHERE number = 1"), 1);
    ck_assert_int_eq(e2e_study_long(study, "SELECT state = 'pruned' FROM trials WHERE number = 2"), 1);
    char *why = e2e_study_sql(study, "SELECT reason FROM trials WHERE number = 2");
    ck_assert_msg(why && strstr(why, "5"), "%s", why ? why : "(none)");
    free(why);
    e2e_sweep_free(&w);
}
END_TEST

/* Count files in dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

START_TEST(test_runner_killed_mid_trial)
{
    e2e_sweep w = e2e_sweep_new(NULL);
    const char *tmp = w.tmp, *sweep = w.sweep, *study = w.study;
    char *marks = tt_xasprintf("%s/marks", tmp);
    mkdir(marks, 0700);
    /* Each run leaves a mark "TRIAL-FOLD-PID" when it starts, then runs 1.5 s. */
    char *text = tt_xasprintf(
        "name: k9\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a: {values: [1, 2]}\n"
        "folds: 3\nparallel: 2\n"
        "command: [/bin/sh, -c, 'touch %s/$TUNETOP_TRIAL_ID-$TUNETOP_FOLD-$$; sleep 1.5; "
        "echo loss=$1', sh, '${a}']\n",
        marks);
    e2e_write(sweep, text);
    pid_t pid = e2e_start_detached(sweep, study);
    /* Kill it once some runs have finished and others run. */
    for (int i = 0; i < 200 && e2e_study_long(study, "SELECT count(*) FROM trial_runs WHERE state = "
                                                 "'completed'") < 2; i++)
        e2e_sleep(0.05);
    ck_assert_int_ge(e2e_study_long(study, "SELECT count(*) FROM trial_runs WHERE state = 'completed'"),
                     2);
    kill(pid, SIGKILL);
    e2e_sleep(0.3);
    long done_before = e2e_study_long(study, "SELECT count(*) FROM trial_runs WHERE state = 'completed'");
    e2e_result r = e2e_run_sweep(study, NULL, 60);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "re-adopted"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 2);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trial_runs WHERE state = 'completed' "
                                       "AND attempt = 1"),
                     6);
    ck_assert_int_ge(done_before, 2);
    /* None repeated: each (trial, fold) started exactly once. */
    for (int t = 1; t <= 2; t++)
        for (int f = 0; f < 3; f++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "%d-%d-", t, f);
            ck_assert_msg(count_prefix(marks, prefix) == 1, "trial %d fold %d started %d times", t,
                          f, count_prefix(marks, prefix));
        }
    e2e_sweep_free(&w);
    free(text);
    free(marks);
}
END_TEST

Suite *suite_runs(void)
{
    return tt_suite_of("runs", "folds and repeats", 120,
                       TT_TESTS(test_folds_mean_std_and_runs, test_folds_times_repeats,
                                test_failed_fold_fails_the_trial, test_pruning_on_the_mean_curve,
                                test_runner_killed_mid_trial));
}
