/*
 * The keys audit (issue 15): every key the README, docs/pruning.md and the
 * sweep loader (src/config/) promise, and the test that shows its EFFECT —
 * something a user would notice (a trial's argv or environment, its state
 * and reason, what `status`, `suggest` or the study database say), not
 * merely that the key parses. Keys without such a test got one here,
 * through the real binary ($TUNETOP_BIN) where that is how a user sees it.
 *
 * THE LIST (key -> file:test; "(this file)" = a test below)
 *
 * W&B sweep keys
 *   program                    test_launch.c:test_default_command (argv); test_runner_features.c:test_median_pruning_for_real (a real trainer through ${program})
 *   command                    test_runner.c:test_failure_reasons, test_runner.c:test_hostile_values_stay_literal; test_security.c:test_macros_never_reach_a_shell
 *   (no command: the default ${env} ${interpreter} ${program} ${args})
 *                              test_launch.c:test_default_command; (this file) test_default_command_runs
 *   ${env}                     test_launch.c:test_default_command, test_launch.c:test_scalar_macros
 *   ${interpreter}             test_launch.c:test_interpreter, test_launch.c:test_default_command; (this file) test_default_command_runs
 *   ${program}                 test_launch.c:test_scalar_macros; test_runner_features.c:test_median_pruning_for_real
 *   ${args}                    test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_no_hyphens}         test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_no_equals}          test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_no_boolean_flags}   test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_append_hydra}       test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_override_hydra}     test_launch.c:test_args_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_json}               test_launch.c:test_json_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${args_json_file}          test_launch.c:test_json_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${envvar:NAME}             test_launch.c:test_envvar_macro; test_security.c:test_macros_never_reach_a_shell
 *   ${NAME} (one parameter)    test_launch.c:test_scalar_macros; test_security.c:test_macros_never_reach_a_shell
 *   ${trial_id}, ${trial_dir}  test_launch.c:test_scalar_macros; test_security.c:test_macros_never_reach_a_shell
 *   method: grid               test_sampler.c:test_grid_order, test_grid_mixed_size_and_exhaustion, test_grid_resume_any_subset; test_runner.c:test_hostile_values_stay_literal (a grid run for real)
 *   method: random             test_sampler.c:test_random_determinism; test_space_dist.c (every prior); (this file) test_methods_change_what_runs
 *   method: bayes (= gp)       (this file) test_methods_change_what_runs (a bayes study runs exactly the gp study's trials)
 *   metric.name                test_runner.c:test_trainer_sweep_completes (the value is the last val_loss printed), test_runner.c:test_failure_reasons ("no value reported for metric loss")
 *   metric.goal                (this file) test_metric_goal_summary_metrics (`status` best is the max); test_gp.c:test_maximize_mirrors_minimize, test_cmaes.c/test_evolution.c *_maximize_mirrors_minimize, test_pruner.c:test_median_maximize
 *   metric.target              test_stop_rules.c:test_target_minimize, test_target_maximize_running_finish
 *                              (no new trial once reached, running ones finish, stop_reason);
 *                              test_config.c:extension_errors (a non-number)
 *   parameters (each distribution, as W&B infers or names it: constant, categorical
 *     (categorical_w_probabilities), int_uniform, uniform, q_uniform, log_uniform,
 *     log_uniform_values, q_log_uniform(_values), inv_log_uniform(_values), normal,
 *     q_normal, log_normal, q_log_normal, beta, q_beta)
 *                              test_space_dist.c:test_<distribution> (what each samples); test_config_samples.c:sample_nested_and_all_distributions, test_config.c:inference_rules, test_realworld.c:int_and_float_inference (the file's keys -> that distribution); test_realworld.c:wandb_files_load_and_sample_in_range
 *     value, values            test_space_dist.c:test_constant, test_categorical; test_realworld.c:lists_and_mappings_are_values (a list/mapping value reaches argv as JSON)
 *     probabilities            test_space_dist.c:test_categorical; (this file) test_seed_same_suggestions (the frequencies `suggest` draws)
 *     min, max                 test_space_dist.c:test_uniform, test_int_uniform, test_log_uniform_values, ...
 *     mu, sigma                test_space_dist.c:test_normal, test_log_normal, test_q_normal, test_q_log_normal
 *     q                        test_space_dist.c:test_q_uniform, test_q_log_uniform, test_q_normal, test_q_log_normal, test_q_beta
 *     a, b                     test_space_dist.c:test_beta, test_q_beta
 *   nested parameters:         test_config_samples.c:sample_nested_and_all_distributions; test_launch.c:test_args_macros (--optimizer.beta); (this file) test_nested_when_and_nni_reach_the_trial
 *   early_terminate            (this file) test_pruners_for_real (a W&B hyperband stops a run for real); test_pruner.c:test_wandb_decisions
 *     type, min_iter           (this file) test_pruners_for_real; test_pruner.c:test_wandb_bands, test_wandb_decisions
 *     max_iter, s              test_pruner.c:test_wandb_bands, test_wandb_maximize_and_max_iter
 *     eta                      test_pruner.c:test_wandb_bands (non-integer eta); (this file) test_pruners_for_real (default 3)
 *     strict                   test_pruner.c:test_wandb_decisions
 *   run_cap                    test_runner.c:test_trainer_sweep_completes (24 trials, "run_cap": 24 in status); test_runner_features.c:test_devices_one_per_slot
 *   name                       (this file) test_name_description_project_entity (./tunetop-runs/NAME, the study's name; the file's stem without it); test_pruner.c:test_hyperband_brackets (brackets hash the study name)
 *   description                (this file) test_name_description_project_entity (shown by `status`, in `status --json`) [was ignored: fixed]
 *   project, entity            (this file) test_name_description_project_entity (WANDB_PROJECT, WANDB_ENTITY in the trial's environment, as W&B's agent sets them) [was ignored: fixed]
 *   W&B-only keys (apiVersion, kind, controller, job, image_uri, scheduler)
 *                              accepted and ignored by design: they drive W&B's own launch
 *                              machinery (src/config/sweep.c); test_config.c:wandb_only_keys_are_silent
 *   metric.impute, metric.impute_while_running
 *                              accepted with a warning that they do nothing;
 *                              test_config.c:wandb_only_keys_are_silent
 *
 * NNI search spaces
 *   choice, randint, uniform, quniform, loguniform, qloguniform, normal, qnormal,
 *   lognormal, qlognormal      test_config_samples.c:sample_nni; test_realworld.c:nni_files_load_and_sample_in_range; (this file) test_nested_when_and_nni_reach_the_trial (randint's excluded upper bound, through a run)
 *   nested choice (_name)      test_config_samples.c:sample_nni; test_realworld.c:nni_files_load_and_sample_in_range; (this file) test_nested_when_and_nni_reach_the_trial
 *   search_space: (in a YAML)  test_config_samples.c:sample_nni (search_space_key.yaml); (this file) test_nested_when_and_nni_reach_the_trial
 *
 * tunetop's keys
 *   method: sobol              test_sobol.c:test_sobol_stratified, test_sobol_discrepancy; test_sampler.c:test_sobol_determinism; (this file) test_methods_change_what_runs
 *   method: tpe                test_tpe.c:test_tpe_beats_random, test_tpe_dispatch; (this file) test_methods_change_what_runs
 *   method: gp                 test_gp.c:test_beats_random; test_runner_features.c:test_slow_sampler_off_the_loop
 *   method: evolution          test_evolution.c:test_evolution_beats_random; (this file) test_methods_change_what_runs
 *   method: cmaes              test_cmaes.c:test_cmaes_beats_random; (this file) test_methods_change_what_runs
 *   parallel                   test_runner.c:test_control_commands, test_kill9_and_resume (two trials running at once)
 *   seed                       (this file) test_seed_same_suggestions (same seed same suggestions and trials, another seed others; --seed overrides; default 0); test_sampler.c:test_random_determinism
 *   trial_timeout              test_runner.c:test_failure_reasons (a slow trial ends `timeout`, "timeout after 1 s"); test_config.c:durations (90s, 10m, 1h30m, 2d)
 *   time_budget                test_runner_features.c:test_time_budget
 *   retries                    test_runner.c:test_retries (failed: attempt 3 of 3); (this file) test_retries_interrupted (interrupted: retried, completes as attempt 2)
 *   repeats, folds             test_runs.c (every test: runs, TUNETOP_FOLD(S)/REPEAT(S),
 *                              ${fold}/${repeat}, mean and std, export --runs, a failed fold,
 *                              pruning on the mean, kill -9 mid-trial); test_launch.c:test_env;
 *                              test_config.c:extension_errors (folds: 0, repeats: -1, ${fold}
 *                              without folds)
 *   max_consecutive_failures   test_stop_rules.c:test_max_consecutive_failures (3; 0 = never),
 *                              test_always_failing_command_stops, test_failures_in_a_row_later
 *                              (the default rule)
 *   metric.summary             (this file) test_metric_goal_summary_metrics (best: the best report is the value)
 *   metrics                    (this file) test_metric_goal_summary_metrics (listed names kept, other printed names dropped)
 *   metrics[].goal             test_config.c:metrics_goals; test_ui_model.c:detail_metric_best
 *   when                       test_launch.c:test_args_macros, test_env (inactive: no argument, no TUNETOP_PARAM_); test_sampler.c:test_random_conditional, test_grid_conditional; (this file) test_nested_when_and_nni_reach_the_trial (empty in `suggest`, absent from argv)
 *   executor: local            (this file) test_executor_options_reach_sbatch (runs here, never calls sbatch)
 *   executor: slurm            (this file) test_executor_options_reach_sbatch; test_slurm.c:test_e2e_sweep_cancel_restart, test_e2e_sbatch_failure, test_e2e_kill (need a Slurm)
 *     partition, time, cpus_per_task, mem, gres, account, qos, sbatch_args
 *                              (this file) test_executor_options_reach_sbatch (each reaches sbatch's argv, sbatch_args last); test_slurm.c:test_sbatch_argv
 *     with parallel (pending jobs count)  test_slurm.c:test_e2e_sweep_cancel_restart (needs a Slurm)
 *     with trial_timeout, pruning, stop --now (scancel; the clock from the job's start)
 *                              test_slurm.c:test_decide (unit only); kill: test_slurm.c:test_e2e_kill (needs a Slurm)
 *     with retries (NODE_FAIL, PREEMPTED, CANCELLED -> interrupted)
 *                              test_slurm.c:test_phases, test_decide; test_slurm.c:test_e2e_sweep_cancel_restart (needs a Slurm)
 *   devices: [ids]             test_runner_features.c:test_devices_one_per_slot
 *   devices: N                 (this file) test_devices_count
 *   pruner (needs metric.name) (this file) test_pruner_needs_a_metric [was ignored without a metric: fixed]
 *   pruner: median             test_runner_features.c:test_median_pruning_for_real; (this file) test_pruners_for_real
 *   pruner: percentile         (this file) test_pruners_for_real; test_pruner.c:test_percentile_interpolation
 *   pruner: asha               (this file) test_pruners_for_real; test_pruner.c:test_asha_rungs
 *   pruner: hyperband          (this file) test_pruners_for_real; test_pruner.c:test_hyperband_own_bracket
 *   pruner: patience           (this file) test_pruners_for_real; test_pruner.c:test_patience (Optuna's rule; docs/pruning.md describes another: reported)
 *   pruner: threshold          (this file) test_pruners_for_real; test_pruner.c:test_threshold
 *     n_startup_trials         test_runner_features.c:test_median_pruning_for_real; test_pruner.c:test_median_startup_warmup_interval; (this file) test_pruners_for_real
 *     n_warmup_steps           test_pruner.c:test_median_startup_warmup_interval, test_patience, test_threshold; (this file) test_pruners_for_real
 *     interval_steps           test_pruner.c:test_median_startup_warmup_interval, test_threshold
 *     n_min_trials             test_pruner.c:test_median_basic
 *     percentile               test_pruner.c:test_percentile_interpolation; (this file) test_pruners_for_real (25 prunes what the median keeps)
 *     min_resource             test_pruner.c:test_asha_rungs, test_asha_auto_and_rate; (this file) test_pruners_for_real
 *     max_resource             test_pruner.c:test_hyperband_own_bracket, test_hyperband_bracket_rungs_bootstrap; (this file) test_pruners_for_real
 *     reduction_factor         test_pruner.c:test_asha_rungs, test_hyperband_brackets; (this file) test_pruners_for_real
 *     min_early_stopping_rate  test_pruner.c:test_asha_auto_and_rate
 *     bootstrap_count          test_pruner.c:test_asha_bootstrap_nan_maximize, test_hyperband_bracket_rungs_bootstrap
 *     patience, min_delta      test_pruner.c:test_patience; (this file) test_pruners_for_real
 *     lower, upper             test_pruner.c:test_threshold; (this file) test_pruners_for_real (upper)
 *   shell: true                test_runner.c:test_hostile_values_stay_literal; test_launch.c:test_shell_quoting_runs; test_security.c:test_macros_never_reach_a_shell
 *   live reload of a changed sweep file (every key)
 *                              test_stop_rules.c:test_reload_parallel_and_refusals (parallel,
 *                              run_cap; metric.name and executor refused),
 *                              test_reload_target_folds_method (target, folds, method,
 *                              parameters), test_reload_trial_timeout;
 *                              test_runner_features.c:test_reload_changed_sweep (parameters)
 *
 * Trials (README "Trials"): TUNETOP_* environment test_launch.c:test_env; metric
 * lines test_ingest.c:test_line_*; metrics.csv test_runner.c:test_metrics_file_trainer;
 * reasons test_runner.c:test_failure_reasons.
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

/* ---- helpers ------------------------------------------------------------- */

/* A sweep file written into a fresh folder; *tmp receives the folder. */
static char *write_sweep(const char *yaml, char **tmp)
{
    *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/sweep.yaml", *tmp);
    e2e_write(sweep, yaml);
    return sweep;
}

/* Runs the sweep into tmp/NAME and checks that the run succeeded; returns
 * the study folder. */
static char *run_ok(const char *sweep, const char *tmp, const char *name)
{
    char *study = tt_xasprintf("%s/%s", tmp, name);
    e2e_result r = e2e_run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s: run failed (%d): %s\n%s", name, r.status, e2e_tail(r.out),
                  e2e_tail(r.err));
    e2e_result_free(&r);
    return study;
}

/* Every trial's parameters, one line per trial in trial order, each line
 * the values in the space's order, comma-separated: what `suggest` prints
 * below its header. */
static char *trial_rows(const char *study)
{
    return e2e_study_sql(study, "SELECT group_concat(row, char(10)) FROM (SELECT t.number, "
                          "(SELECT group_concat(text, ',') FROM (SELECT text FROM trial_params "
                          "WHERE trial = t.number ORDER BY ord)) AS row FROM trials t "
                          "ORDER BY t.number)");
}

static char *suggest(const char *sweep, const char *n, const char *flag, const char *value)
{
    const char *argv[] = {"tunetop", "suggest", sweep, "-n", n, flag, value, NULL};
    e2e_result r = e2e_run(argv, 30);
    ck_assert_msg(r.status == 0, "suggest failed (%d): %s", r.status, e2e_tail(r.err));
    free(r.err);
    return r.out;
}

/* The binary as an absolute path, for commands run from another folder. */
static char *abs_bin(void)
{
    const char *b = e2e_bin();
    if (b[0] == '/')
        return tt_xstrdup(b);
    char *joined = tt_xasprintf("%s/%s", e2e_root(), b);
    char *abs = realpath(joined, NULL);
    ck_assert_msg(abs != NULL, "cannot find %s", joined);
    free(joined);
    return abs;
}

/* ---- seed, probabilities ------------------------------------------------- */

static const char seed_sweep[] =
    "name: seedy\nmethod: random\nseed: %s\nmetric: {name: loss}\nrun_cap: 4\n"
    "command: [/bin/sh, -c, 'echo loss=$1', sh, '${x}']\n"
    "parameters:\n"
    "  x: {min: 0.0, max: 1.0}\n"
    "  o: {values: [a, b, c], probabilities: [0.8, 0.1, 0.1]}\n";

/* `seed`: the same seed gives the same suggestions, and a sweep the same
 * trials; another seed gives others; `suggest --seed` overrides the file's
 * seed, and a file without one suggests as seed 0. `probabilities`: the
 * draws follow them. */
START_TEST(test_seed_same_suggestions)
{
    char *tmp = e2e_tmpdir();
    char *y5 = tt_xasprintf(seed_sweep, "5"), *y6 = tt_xasprintf(seed_sweep, "6");
    char *f5 = tt_xasprintf("%s/s5.yaml", tmp), *f6 = tt_xasprintf("%s/s6.yaml", tmp),
         *f0 = tt_xasprintf("%s/none.yaml", tmp);
    e2e_write(f5, y5);
    e2e_write(f6, y6);
    char *y0 = tt_xstrdup(y5);
    char *at = strstr(y0, "seed: 5\n");
    memmove(at, at + 8, strlen(at + 8) + 1); /* no seed at all */
    e2e_write(f0, y0);

    char *a = suggest(f5, "4", "--method", "random");
    char *b = suggest(f5, "4", "--method", "random");
    char *c = suggest(f6, "4", "--method", "random");
    char *d = suggest(f5, "4", "--seed", "6");
    char *z = suggest(f0, "4", "--seed", "0");
    char *z2 = suggest(f0, "4", "--method", "random");
    ck_assert_str_eq(a, b);
    ck_assert_msg(strcmp(a, c) != 0, "seeds 5 and 6 suggested the same:\n%s", a);
    ck_assert_str_eq(c, d);
    ck_assert_str_eq(z, z2);
    ck_assert_msg(strcmp(z, a) != 0, "no seed suggested as seed 5");

    /* A sweep runs what `suggest` says, and again in another study. */
    char *s1 = run_ok(f5, tmp, "one"), *s2 = run_ok(f5, tmp, "two"), *s3 = run_ok(f6, tmp, "six");
    char *r1 = trial_rows(s1), *r2 = trial_rows(s2), *r3 = trial_rows(s3);
    ck_assert_ptr_nonnull(r1);
    ck_assert_str_eq(r1, r2);
    ck_assert_msg(strcmp(r1, r3) != 0, "seeds 5 and 6 ran the same trials:\n%s", r1);
    const char *rows = strchr(a, '\n') + 1; /* below the header x,o */
    ck_assert_msg(strncmp(rows, r1, strlen(r1)) == 0, "suggest:\n%s\nran:\n%s", rows, r1);

    /* probabilities [0.8, 0.1, 0.1]: about 80 % a. */
    char *many = suggest(f5, "500", "--method", "random");
    long n_a = 0, n_b = 0, n = 0;
    for (const char *p = strchr(many, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        const char *comma = strchr(p, ',');
        n_a += comma[1] == 'a';
        n_b += comma[1] == 'b';
        n++;
    }
    ck_assert_int_eq(n, 500);
    ck_assert_msg(n_a > 350 && n_a < 450 && n_b > 25 && n_b < 80, "a %ld, b %ld of 500", n_a,
                  n_b);

    free(many);
    free(r1);
    free(r2);
    free(r3);
    free(s1);
    free(s2);
    free(s3);
    free(a);
    free(b);
    free(c);
    free(d);
    free(z);
    free(z2);
    free(y0);
    free(y5);
    free(y6);
    free(f0);
    free(f5);
    free(f6);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- method --------------------------------------------------------------- */

static char *method_study(const char *tmp, const char *method)
{
    char *yaml = tt_xasprintf(
        "name: bowl\nmethod: %s\nseed: 3\nmetric: {name: loss}\nrun_cap: 24\n"
        "command: [/usr/bin/awk, -v, 'x=${x}', -v, 'y=${y}', "
        "'BEGIN { print \"loss=\" (x-0.3)^2 + (y+0.2)^2 }']\n"
        "parameters:\n  x: {min: -1.0, max: 1.0}\n  y: {min: -1.0, max: 1.0}\n",
        method);
    char *path = tt_xasprintf("%s/%s.yaml", tmp, method);
    e2e_write(path, yaml);
    char *study = run_ok(path, tmp, method);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 24);
    free(path);
    free(yaml);
    return study;
}

/* `method`: each sampler the runner is told to use changes what runs (the
 * same seed, the same file otherwise); the model-based ones find a better
 * point of a bowl than random search in 24 trials; `bayes` is W&B's name
 * for `gp` and runs exactly its trials. */
START_TEST(test_methods_change_what_runs)
{
    char *tmp = e2e_tmpdir();
    char *random = method_study(tmp, "random");
    char *rand_rows = trial_rows(random);
    char *rand_best = e2e_study_sql(random, "SELECT min(value) FROM trials");
    static const char *const methods[] = {"sobol", "tpe", "evolution", "cmaes", "bayes"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char *study = method_study(tmp, methods[i]);
        char *rows = trial_rows(study);
        ck_assert_msg(strcmp(rows, rand_rows) != 0, "method %s ran random's trials", methods[i]);
        if (strcmp(methods[i], "sobol") != 0) {
            char *best = e2e_study_sql(study, "SELECT min(value) FROM trials");
            ck_assert_msg(strtod(best, NULL) < strtod(rand_best, NULL),
                          "method %s: best %s, random's %s", methods[i], best, rand_best);
            free(best);
        }
        if (strcmp(methods[i], "bayes") == 0) {
            char *gp = method_study(tmp, "gp");
            char *gp_rows = trial_rows(gp);
            ck_assert_str_eq(rows, gp_rows);
            free(gp_rows);
            free(gp);
        }
        free(rows);
        free(study);
    }
    free(rand_best);
    free(rand_rows);
    free(random);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- metric.goal, metric.summary, metrics ------------------------------- */

/* Each trial prints its curve, one report per step, of loss, acc and junk. */
static const char curve_sweep[] =
    "name: curves\nmethod: grid\n%s"
    "command: [/bin/sh, -c, 's=0; for v in $1; do s=$((s+1)); "
    "echo \"step=$s loss=$v acc=$v junk=$v\"; done', sh, '${curve}']\n"
    "parameters:\n  curve: {values: ['0.1 0.9 0.5', '0.3 0.4 0.35']}\n";

START_TEST(test_metric_goal_summary_metrics)
{
    char *tmp = e2e_tmpdir();
    /* minimize, last, no `metrics`: values 0.5 and 0.35, trial 2 best,
     * only loss kept. */
    char *yaml = tt_xasprintf(curve_sweep, "metric: {name: loss}\n");
    char *plain = tt_xasprintf("%s/plain.yaml", tmp);
    e2e_write(plain, yaml);
    free(yaml);
    char *s1 = run_ok(plain, tmp, "plain");
    char *v = e2e_study_sql(s1, "SELECT group_concat(value, ' ') FROM (SELECT value FROM trials ORDER "
                          "BY number)");
    ck_assert_str_eq(v, "0.5 0.35");
    free(v);
    char *js = e2e_status_json(s1);
    ck_assert_msg(strstr(js, "\"goal\": \"minimize\", \"best\": {\"trial\": 2, \"value\": 0.35"),
                  "%s", js);
    free(js);
    v = e2e_study_sql(s1, "SELECT group_concat(DISTINCT name) FROM metrics");
    ck_assert_str_eq(v, "loss");
    free(v);

    /* maximize, summary best, metrics [acc]: values 0.9 and 0.4 (the best
     * report, not the last), trial 1 best, acc kept, junk still dropped. */
    yaml = tt_xasprintf(curve_sweep,
                        "metric: {name: loss, goal: maximize, summary: best}\nmetrics: [acc]\n");
    char *tuned = tt_xasprintf("%s/tuned.yaml", tmp);
    e2e_write(tuned, yaml);
    free(yaml);
    char *s2 = run_ok(tuned, tmp, "tuned");
    v = e2e_study_sql(s2, "SELECT group_concat(value, ' ') FROM (SELECT value FROM trials ORDER BY "
                    "number)");
    ck_assert_str_eq(v, "0.9 0.4");
    free(v);
    js = e2e_status_json(s2);
    ck_assert_msg(strstr(js, "\"goal\": \"maximize\", \"best\": {\"trial\": 1, \"value\": 0.9"),
                  "%s", js);
    free(js);
    ck_assert_int_eq(e2e_study_long(s2, "SELECT count(*) FROM metrics WHERE name = 'acc'"), 6);
    ck_assert_int_eq(e2e_study_long(s2, "SELECT count(*) FROM metrics WHERE name = 'junk'"), 0);

    free(s1);
    free(s2);
    free(plain);
    free(tuned);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- name, description, project, entity --------------------------------- */

/* Runs `tunetop run sweep.yaml` from the folder cwd, as a user in that
 * folder would (the study goes to ./tunetop-runs/NAME). */
static void run_in(const char *cwd, const char *sweep_leaf)
{
    char *bin = abs_bin();
    const char *argv[] = {"/bin/sh", "-c", "cd \"$1\" && exec \"$2\" run \"$3\"", "sh",
                          cwd,       bin,  sweep_leaf, NULL};
    e2e_result r = e2e_run(argv, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    free(bin);
}

/* `name` names the study and its folder (the file's stem without it);
 * `description` is shown by `status` and given by `status --json`;
 * `project` and `entity` reach the trial as WANDB_PROJECT, WANDB_ENTITY. */
START_TEST(test_name_description_project_entity)
{
    char *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/my-sweep.yaml", tmp);
    e2e_write(sweep, "name: lr-study\n"
                     "description: |\n  Learning rate only;\n  the rest fixed.\n"
                     "project: spirals\nentity: ml-team\n"
                     "method: grid\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'echo loss=$1 $WANDB_PROJECT/$WANDB_ENTITY', sh, "
                     "'${lr}']\n"
                     "parameters:\n  lr: {values: [0.1]}\n");
    run_in(tmp, "my-sweep.yaml");
    char *study = tt_xasprintf("%s/tunetop-runs/lr-study", tmp);
    ck_assert_msg(e2e_exists(study), "no %s", study);
    /* project and entity reach the trial as W&B's agent passes them. */
    char *out = e2e_read(study, "trials/1/stdout.log");
    ck_assert_msg(out && strstr(out, "loss=0.1 spirals/ml-team"), "%s", out ? out : "(none)");
    free(out);
    char *js = e2e_status_json(study);
    ck_assert_msg(strstr(js, "{\"study\": \"lr-study\""), "%s", js);
    ck_assert_msg(strstr(js, "\"description\": \"Learning rate only;\\nthe rest fixed.\\n\""),
                  "%s", js);
    free(js);
    const char *st[] = {"tunetop", "status", study, NULL};
    e2e_result r = e2e_run(st, 20);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "study    lr-study ("), "%s", r.out);
    ck_assert_msg(strstr(r.out, "\nabout    Learning rate only;\n         the rest fixed.\n"
                                "state "),
                  "%s", r.out);
    e2e_result_free(&r);

    /* Without `name`: the file's stem; without `description`: null, and
     * no `about` line. */
    char *other = tt_xasprintf("%s/stem-only.yaml", tmp);
    e2e_write(other, "method: grid\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'echo loss=1']\nparameters:\n  a: {values: [1]}\n");
    run_in(tmp, "stem-only.yaml");
    char *study2 = tt_xasprintf("%s/tunetop-runs/stem-only", tmp);
    js = e2e_status_json(study2);
    ck_assert_msg(strstr(js, "{\"study\": \"stem-only\""), "%s", js);
    ck_assert_msg(strstr(js, "\"description\": null"), "%s", js);
    free(js);
    const char *st2[] = {"tunetop", "status", study2, NULL};
    r = e2e_run(st2, 20);
    ck_assert_msg(!strstr(r.out, "about"), "%s", r.out);
    e2e_result_free(&r);

    free(study2);
    free(other);
    free(study);
    free(sweep);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- the default command -------------------------------------------------- */

/* Without `command`, W&B runs `${env} ${interpreter} ${program} ${args}`:
 * /usr/bin/env finds the interpreter (here a stand-in `python` first on
 * PATH, which runs the program with /bin/sh) and the program gets --NAME=V
 * for each parameter. */
START_TEST(test_default_command_runs)
{
    char *tmp = e2e_tmpdir();
    char *bin = tt_xasprintf("%s/bin", tmp);
    ck_assert_int_eq(mkdir(bin, 0700), 0);
    char *python = tt_xasprintf("%s/python", bin);
    e2e_write_exec(python, "#!/bin/sh\necho \"interpreter ran $1\"\nexec /bin/sh \"$@\"\n");
    char *program = tt_xasprintf("%s/train.py", tmp);
    e2e_write(program, "for a; do echo \"arg $a\"; done\necho loss=0.25\n");
    char *yaml = tt_xasprintf("name: default\nmethod: grid\nmetric: {name: loss}\n"
                              "program: %s\nparameters:\n  lr: {values: [0.5]}\n"
                              "  opt: {values: [adam]}\n",
                              program);
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, yaml);

    const char *old = getenv("PATH");
    char *saved = old ? tt_xstrdup(old) : NULL;
    char *path = tt_xasprintf("%s:%s", bin, old ? old : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    char *study = run_ok(sweep, tmp, "study");
    if (saved)
        setenv("PATH", saved, 1);
    else
        unsetenv("PATH");

    char *out = e2e_trial_file(study, 1, "stdout.log");
    char *want = tt_xasprintf("interpreter ran %s\narg --lr=0.5\narg --opt=adam\nloss=0.25\n",
                              program);
    ck_assert_msg(out && strcmp(out, want) == 0, "got:\n%s\nwant:\n%s", out, want);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed' AND "
                                    "value = 0.25"),
                     1);
    free(want);
    free(out);
    free(study);
    free(path);
    free(saved);
    free(sweep);
    free(yaml);
    free(program);
    free(python);
    free(bin);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- nested parameters, when, NNI ----------------------------------------- */

START_TEST(test_nested_when_and_nni_reach_the_trial)
{
    char *tmp = NULL;
    /* A nested group (dotted names) whose `when` names a sibling. */
    char *sweep = write_sweep(
        "name: nested\nmethod: grid\nmetric: {name: loss}\n"
        "command: [/bin/sh, -c, 'for a; do echo \"arg $a\"; done; echo loss=1', sh, '${args}']\n"
        "parameters:\n"
        "  opt:\n    parameters:\n"
        "      kind: {values: [sgd, adam]}\n"
        "      momentum: {value: 0.9, when: {kind: sgd}}\n"
        "  lr: {value: 0.5}\n",
        &tmp);
    char *s = suggest(sweep, "2", "--method", "grid");
    ck_assert_str_eq(s, "opt.kind,opt.momentum,lr\nsgd,0.9,0.5\nadam,,0.5\n");
    free(s);
    char *study = run_ok(sweep, tmp, "nested");
    char *out = e2e_trial_file(study, 1, "stdout.log");
    ck_assert_msg(out && strcmp(out, "arg --opt.kind=sgd\narg --opt.momentum=0.9\narg --lr=0.5\n"
                                     "loss=1\n") == 0,
                  "%s", out);
    free(out);
    out = e2e_trial_file(study, 2, "stdout.log");
    ck_assert_msg(out && strcmp(out, "arg --opt.kind=adam\narg --lr=0.5\nloss=1\n") == 0, "%s",
                  out);
    free(out);
    free(study);
    free(sweep);
    e2e_rmtree(tmp);
    free(tmp);

    /* NNI inside a sweep file (`search_space:`): randint excludes its upper
     * bound; a nested choice's parameters exist only under their _name. */
    sweep = write_sweep(
        "name: nni\nmethod: grid\nmetric: {name: loss}\n"
        "command: [/bin/sh, -c, 'for a; do echo \"arg $a\"; done; echo loss=1', sh, '${args}']\n"
        "search_space:\n"
        "  n: {_type: randint, _value: [1, 3]}\n"
        "  c: {_type: choice, _value: [{_name: a, k: {_type: choice, _value: [5]}}, {_name: b}]}\n",
        &tmp);
    study = run_ok(sweep, tmp, "nni");
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 4);
    static const char *const want[] = {
        "arg --n=1\narg --c=a\narg --c.a.k=5\nloss=1\n", "arg --n=1\narg --c=b\nloss=1\n",
        "arg --n=2\narg --c=a\narg --c.a.k=5\nloss=1\n", "arg --n=2\narg --c=b\nloss=1\n"};
    for (long t = 1; t <= 4; t++) {
        out = e2e_trial_file(study, t, "stdout.log");
        ck_assert_msg(out && strcmp(out, want[t - 1]) == 0, "trial %ld: %s", t, out);
        free(out);
    }
    free(study);
    free(sweep);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- devices: N ---------------------------------------------------------- */

START_TEST(test_devices_count)
{
    char *tmp = NULL;
    char *sweep = write_sweep(
        "name: gpus\nmethod: random\nmetric: {name: loss}\nparallel: 3\ndevices: 2\nrun_cap: 4\n"
        "command: [/bin/sh, -c, 'echo gpu=$CUDA_VISIBLE_DEVICES loss=1; sleep 0.2']\n"
        "parameters:\n  a: {min: 0.0, max: 1.0}\n",
        &tmp);
    char *study = run_ok(sweep, tmp, "study");
    int seen[2] = {0, 0};
    for (long t = 1; t <= 4; t++) {
        char *out = e2e_trial_file(study, t, "stdout.log");
        ck_assert_msg(out && (strncmp(out, "gpu=0 ", 6) == 0 || strncmp(out, "gpu=1 ", 6) == 0),
                      "trial %ld: %s", t, out);
        seen[out[4] - '0']++;
        free(out);
    }
    ck_assert(seen[0] > 0 && seen[1] > 0);
    /* Two devices, so never a third trial alongside two others. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials a JOIN trials b ON a.number < "
                                    "b.number AND a.started_at < b.finished_at AND b.started_at < "
                                    "a.finished_at JOIN trials c ON b.number < c.number AND "
                                    "c.started_at < a.finished_at AND c.started_at < "
                                    "b.finished_at AND a.started_at < c.finished_at AND "
                                    "b.started_at < c.finished_at"),
                     0);
    free(study);
    free(sweep);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- executor --------------------------------------------------------------- */

/* A stand-in sbatch first on PATH records its arguments and refuses the job:
 * every executor option reaches sbatch (sbatch_args last, before the
 * script); `executor: local` never calls it. */
START_TEST(test_executor_options_reach_sbatch)
{
    char *tmp = e2e_tmpdir();
    char *bin = tt_xasprintf("%s/bin", tmp);
    ck_assert_int_eq(mkdir(bin, 0700), 0);
    char *log = tt_xasprintf("%s/sbatch.args", tmp);
    char *sbatch = tt_xasprintf("%s/sbatch", bin);
    char *script = tt_xasprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" >> '%s'\necho '--' >> '%s'\n"
                                "echo 'sbatch: error: the stand-in refuses' >&2\nexit 1\n",
                                log, log);
    e2e_write_exec(sbatch, script);
    free(script);
    static const char common[] = "method: random\nrun_cap: 1\nmetric: {name: loss}\n"
                                 "command: [/bin/sh, -c, 'echo loss=1']\n"
                                 "parameters:\n  x: {min: 0.0, max: 1.0}\n";
    char *slurm = tt_xasprintf("%s/slurm.yaml", tmp), *local = tt_xasprintf("%s/local.yaml", tmp);
    char *yaml = tt_xasprintf("name: fake\n%sexecutor:\n  type: slurm\n  partition: gpu\n"
                              "  time: \"02:00:00\"\n  cpus_per_task: 3\n  mem: 2G\n"
                              "  gres: gpu:1\n  account: acct\n  qos: high\n"
                              "  sbatch_args: [--exclusive, --constraint=a100]\n",
                              common);
    e2e_write(slurm, yaml);
    free(yaml);
    yaml = tt_xasprintf("name: here\n%sexecutor: local\n", common);
    e2e_write(local, yaml);
    free(yaml);

    const char *old = getenv("PATH");
    char *saved = old ? tt_xstrdup(old) : NULL;
    char *path = tt_xasprintf("%s:%s", bin, old ? old : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    setenv("TUNETOP_SLURM_BACKOFF", "0.05", 1);
    char *s_local = run_ok(local, tmp, "local");
    ck_assert_msg(!e2e_exists(log), "executor local called sbatch");
    ck_assert_int_eq(e2e_study_long(s_local, "SELECT count(*) FROM trials WHERE state = 'completed' "
                                      "AND (job_id IS NULL OR job_id = '')"),
                     1);
    char *s_slurm = run_ok(slurm, tmp, "slurm");
    if (saved)
        setenv("PATH", saved, 1);
    else
        unsetenv("PATH");
    unsetenv("TUNETOP_SLURM_BACKOFF");

    char *reason = e2e_study_sql(s_slurm, "SELECT reason FROM trials WHERE number = 1");
    ck_assert_msg(reason && strstr(reason, "the stand-in refuses"), "%s", reason);
    free(reason);
    char *args = tt_read_file(log, NULL, NULL);
    ck_assert_ptr_nonnull(args);
    char *first_end = strstr(args, "\n--\n");
    ck_assert_ptr_nonnull(first_end);
    first_end[1] = '\0';
    char *want_tail = tt_xasprintf("--partition\ngpu\n--time\n02:00:00\n--cpus-per-task=3\n"
                                   "--mem\n2G\n--gres\ngpu:1\n--account\nacct\n--qos\nhigh\n"
                                   "--exclusive\n--constraint=a100\n%s/trials/1/job.sh\n",
                                   s_slurm);
    const char *tail = strstr(args, "--partition\n");
    ck_assert_msg(tail && strcmp(tail, want_tail) == 0, "sbatch got:\n%s\nwant the end:\n%s",
                  args, want_tail);
    free(want_tail);
    free(args);

    free(s_local);
    free(s_slurm);
    free(path);
    free(saved);
    free(slurm);
    free(local);
    free(sbatch);
    free(log);
    free(bin);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- pruners -------------------------------------------------------------- */

/* A pruner needs the metric it watches: without one it could never be
 * asked, and the sweep would run unpruned without a word. */
START_TEST(test_pruner_needs_a_metric)
{
    static const char *const lines[] = {"pruner: median\n",
                                        "early_terminate: {type: hyperband, min_iter: 3}\n"};
    for (size_t i = 0; i < 2; i++) {
        char *tmp = NULL;
        char *yaml = tt_xasprintf("method: random\n%scommand: [/bin/sh, -c, 'echo loss=1']\n"
                                  "parameters:\n  x: {min: 0.0, max: 1.0}\n",
                                  lines[i]);
        char *sweep = write_sweep(yaml, &tmp);
        const char *argv[] = {"tunetop", "validate", sweep, NULL};
        e2e_result r = e2e_run(argv, 20);
        ck_assert_int_eq(r.status, 1);
        char *want = tt_xasprintf("sweep.yaml:2:1: error: %.*s: missing 'metric'",
                                  (int)strcspn(lines[i], ":"), lines[i]);
        ck_assert_msg(strstr(r.err, want), "%s", r.err);
        free(want);
        e2e_result_free(&r);
        char *study = tt_xasprintf("%s/study", tmp);
        r = e2e_run_sweep(sweep, study, 20);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(!e2e_exists(study), "a study was made of an invalid sweep");
        e2e_result_free(&r);
        free(study);
        free(sweep);
        free(yaml);
        e2e_rmtree(tmp);
        free(tmp);
    }
}
END_TEST

/* One pruner, and curves for the trials of a grid (each value one report
 * per step, 50 ms apart): expected per trial, 0 = completed, k = pruned
 * at step k. */
typedef struct prune_case {
    const char *pruner;
    const char *curves[4];
    int expect[4];
    const char *reason; /* the pruned trials' reason (an SQL LIKE pattern); "" = none pruned */
} prune_case;

#define FLAT(v) v " " v " " v " " v " " v " " v

static const prune_case prune_cases[] = {
    /* Percentile 25 of the two completed trials at step 1 (0.1, 0.2) is
     * 0.125: 0.14 is worse. Trial 2 is not judged (one completed trial,
     * n_startup_trials 2). */
    {"pruner: {type: percentile, percentile: 25, n_startup_trials: 2}",
     {FLAT("0.1"), FLAT("0.2"), FLAT("0.14")},
     {0, 0, 1},
     "step 1: loss 0.14 (best so far) worse than the 25th percentile 0.125 of 2 completed "
     "trials at step 1"},
    /* The median of the same is 0.15: 0.14 goes on. */
    {"pruner: {type: median, n_startup_trials: 2}",
     {FLAT("0.1"), FLAT("0.2"), FLAT("0.14")},
     {0, 0, 0},
     ""},
    /* Rungs at steps 2, 4, 8 (min_resource 2, reduction_factor 2): at
     * step 2 the best 1 of 2 goes on. */
    {"pruner: {type: asha, min_resource: 2, reduction_factor: 2}",
     {FLAT("0.1"), FLAT("0.5")},
     {0, 2},
     "step 2: loss 0.5 worse than rung-0 threshold 0.1 (the best 1 of 2 trials at step 2 go on)"},
    /* 3 brackets (min_resource 1, max_resource 6, reduction_factor 2);
     * a trial's bracket hashes the study name ("prune3") and its number:
     * trials 1 and 3 draw bracket 0, which judges from step 1. */
    {"pruner: {type: hyperband, min_resource: 1, max_resource: 6, reduction_factor: 2}",
     {FLAT("0.1"), FLAT("0.5"), FLAT("0.6"), FLAT("0.7")},
     {0, 0, 1, 0},
     "hyperband bracket 0 (brackets 0-2): step 1: loss 0.6 worse than rung-0 threshold 0.1 "
     "(the best 1 of 2 trials at step 1 go on)"},
    /* Optuna's PatientPruner: pruned when the best of the last 3 reports
     * is worse than the best before them by more than min_delta (trial 1
     * at step 6: 0.35 against 0.3); a plateau (trial 2) and a setback
     * smaller than min_delta (trial 3) go on. */
    {"pruner: {type: patience, patience: 2, min_delta: 0.01}",
     {"0.5 0.4 0.3 0.35 0.36 0.37 0.38 0.39", "0.5 0.4 0.3 0.3 0.3 0.3 0.3 0.3",
      "0.5 0.4 0.3 0.305 0.305 0.305 0.305 0.305"},
     {6, 0, 0},
     "step 6: loss stalled: best of the last 3 reports 0.35, best before 0.3 (min_delta 0.01)"},
    /* Not before step 3 (n_warmup_steps), then above the upper bound. */
    {"pruner: {type: threshold, upper: 0.5, n_warmup_steps: 3}",
     {FLAT("0.9"), FLAT("0.2")},
     {3, 0},
     "step 3: loss 0.9 above the upper bound 0.5"},
    /* W&B: bands 2, 6, 18 (min_iter 2, eta 3); at band 2 the threshold is
     * the best of the 2 runs' 2nd values. */
    {"early_terminate: {type: hyperband, min_iter: 2}",
     {FLAT("0.1"), FLAT("0.5")},
     {0, 2},
     "step 2: loss 0.5 (at the band) worse than band-2 threshold 0.1 (2 runs with 2 values)"},
};

/* Each pruner of docs/pruning.md through the real runner: the options
 * decide which trial is stopped, at which step, with which reason. */
START_TEST(test_pruners_for_real)
{
    const prune_case *pc = &prune_cases[_i];
    tt_buf y = {0};
    tt_buf_printf(&y, "name: prune%d\nmethod: grid\nmetric: {name: loss}\n%s\n"
                      "command: [/bin/sh, -c, 's=0; for v in $1; do s=$((s+1)); "
                      "echo \"step=$s loss=$v\"; sleep 0.05; done', sh, '${curve}']\n"
                      "parameters:\n  curve:\n    values:\n",
                  _i, pc->pruner);
    size_t n = 0;
    while (n < 4 && pc->curves[n])
        tt_buf_printf(&y, "      - '%s'\n", pc->curves[n++]);
    char *yaml = tt_buf_take(&y);
    char *tmp = NULL;
    char *sweep = write_sweep(yaml, &tmp);
    char *study = run_ok(sweep, tmp, "study");
    char *all = e2e_study_sql(study, "SELECT group_concat(number || ' ' || state || ' step ' || "
                               "last_step || ': ' || coalesce(reason, ''), '; ') FROM trials");
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials"), (long)n);
    long pruned = 0;
    for (size_t t = 0; t < n; t++) {
        char *sql = tt_xasprintf("SELECT state || ' ' || last_step FROM trials WHERE number = %zu",
                                 t + 1);
        char *got = e2e_study_sql(study, sql);
        free(sql);
        int e = pc->expect[t], steps = 1;
        for (const char *q = pc->curves[t]; *q; q++)
            steps += *q == ' ';
        char *want = e == 0 ? tt_xasprintf("completed %d", steps) : tt_xasprintf("pruned %d", e);
        ck_assert_msg(got && strcmp(got, want) == 0, "%s: trial %zu: %s, want %s (all: %s)",
                      pc->pruner, t + 1, got, want, all);
        free(want);
        pruned += got && strncmp(got, "pruned", 6) == 0;
        free(got);
    }
    if (*pc->reason) {
        ck_assert_msg(pruned > 0, "%s: nothing pruned: %s", pc->pruner, all);
        char *sql = tt_xasprintf("SELECT count(*) FROM trials WHERE state = 'pruned' AND "
                                 "reason NOT LIKE '%s'",
                                 pc->reason);
        ck_assert_msg(e2e_study_long(study, sql) == 0, "%s: reasons: %s", pc->pruner, all);
        free(sql);
    } else {
        ck_assert_msg(pruned == 0, "%s: pruned: %s", pc->pruner, all);
    }
    free(all);
    free(study);
    free(sweep);
    free(yaml);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- retries of an interrupted trial ------------------------------------- */

/* The runner and the trial's supervisor both die (kill -9): the next run
 * finds trial 1 `interrupted` and, with `retries: 1`, runs it again. */
START_TEST(test_retries_interrupted)
{
    char *tmp = NULL;
    char *sweep = write_sweep(
        "name: intr\nmethod: random\nmetric: {name: loss}\nretries: 1\nrun_cap: 1\n"
        "command: [/bin/sh, -c, 'if [ -e \"$TUNETOP_TRIAL_DIR/../../again\" ]; then echo loss=2; "
        "else echo $$ > \"$TUNETOP_TRIAL_DIR/pid\"; echo loss=1; sleep 30; fi']\n"
        "parameters:\n  x: {min: 0.0, max: 1.0}\n",
        &tmp);
    char *study = tt_xasprintf("%s/study", tmp);
    pid_t runner = e2e_start_detached(sweep, study);
    char *pid_text = NULL;
    for (int i = 0; i < 200 && !pid_text; i++) {
        e2e_sleep(0.05);
        pid_text = e2e_trial_file(study, 1, "pid");
    }
    ck_assert_msg(pid_text != NULL, "trial 1 never started");
    pid_t trial = (pid_t)strtol(pid_text, NULL, 10);
    free(pid_text);
    long shim = 0; /* its supervisor: recorded once the runner hears of the start */
    for (int i = 0; i < 200 && shim <= 0; i++) {
        shim = e2e_study_long(study, "SELECT coalesce(pid, 0) FROM trials WHERE number = 1");
        if (shim <= 0)
            e2e_sleep(0.05);
    }
    ck_assert_int_gt(shim, 0);
    ck_assert_int_eq(kill(runner, SIGKILL), 0);
    ck_assert_int_eq(kill((pid_t)shim, SIGKILL), 0);
    ck_assert_int_eq(kill(-trial, SIGKILL), 0);
    e2e_sleep(0.3);

    char *again = tt_xasprintf("%s/again", study);
    e2e_write(again, "");
    const char *resume[] = {"tunetop", "run", study, NULL};
    e2e_result r = e2e_run(resume, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "trial 1 interrupted"), "%s", e2e_tail(r.out));
    ck_assert_msg(strstr(r.out, "attempt 2 of 2"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    char *row = e2e_study_sql(study, "SELECT state || ' ' || attempt || ' ' || value FROM trials");
    ck_assert_str_eq(row, "completed 2 2.0");
    free(row);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials"), 1);
    free(again);
    free(study);
    free(sweep);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *suite_keys_audit(void)
{
    Suite *s = suite_create("keys_audit");
    TCase *tc = tt_add_tcase(s, "keys", 120,
                             TT_TESTS(test_seed_same_suggestions, test_methods_change_what_runs,
                                      test_metric_goal_summary_metrics,
                                      test_name_description_project_entity,
                                      test_default_command_runs,
                                      test_nested_when_and_nni_reach_the_trial, test_devices_count,
                                      test_executor_options_reach_sbatch,
                                      test_pruner_needs_a_metric));
    tcase_add_loop_test(tc, test_pruners_for_real, 0,
                        (int)(sizeof prune_cases / sizeof prune_cases[0]));
    tcase_add_test(tc, test_retries_interrupted);
    return s;
}
