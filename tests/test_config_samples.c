/*
 * The sample sweep files as a user meets them: every file under
 * samples/sweeps/ loads without an error, and the specific ones describe the
 * space, budget, executor and pruner they say they do. (The loader's error
 * reporting is tested in test_config.c.)
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/config.h"
#include "check_util.h"
#include "config_fixtures.h"
#include "e2e.h"

static tt_sweep *load_sample(const char *name)
{
    char path[1024];
    /* NNI search spaces are not sweeps (they name nothing to run): they
     * live in samples/spaces/. */
    size_t len = strlen(name);
    bool space = len > 5 && strcmp(name + len - 5, ".json") == 0;
    snprintf(path, sizeof path, "%s/samples/%s/%s", e2e_root(), space ? "spaces" : "sweeps",
             name);
    tt_diags d = {0};
    tt_sweep *s = tt_sweep_load(path, &d);
    char *all = diags_dump(&d);
    ck_assert_msg(s != NULL, "%s failed:\n%s", path, all);
    free(all);
    tt_diags_free(&d);
    return s;
}

/* ---- samples ---------------------------------------------------------- */

/* Loads every .yaml and .json file of samples/SUB; returns how many. */
static size_t load_every_file(const char *sub)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/samples/%s", e2e_root(), sub);
    DIR *dp = opendir(dir);
    ck_assert_msg(dp != NULL, "cannot open %s", dir);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t len = strlen(e->d_name);
        bool yaml = len > 5 && (strcmp(e->d_name + len - 5, ".yaml") == 0 ||
                                strcmp(e->d_name + len - 5, ".json") == 0);
        if (!yaml)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        tt_sweep_free(sweep_load_valid(path));
        count++;
    }
    closedir(dp);
    return count;
}

START_TEST(every_sample_loads_without_errors)
{
    ck_assert_uint_ge(load_every_file("sweeps"), 15);
    ck_assert_uint_ge(load_every_file("spaces"), 2);
}
END_TEST

START_TEST(sample_wandb_basic)
{
    tt_sweep *s = load_sample("wandb_basic.yaml");
    ck_assert_int_eq(s->format, TT_FORMAT_WANDB);
    ck_assert_str_eq(s->program, "samples/wandb_trainer.py");
    ck_assert_ptr_null(s->command);
    ck_assert_int_eq(s->method, TT_METHOD_RANDOM);
    ck_assert_str_eq(s->metric.name, "val_loss");
    ck_assert_int_eq(s->metric.goal, TT_GOAL_MINIMIZE);
    ck_assert_uint_eq(s->space->n, 3);
    const tt_param *lr = sweep_param(s, "learning_rate");
    ck_assert_int_eq(lr->dist, TT_DIST_UNIFORM);
    ck_assert(!lr->is_int);
    ck_assert_double_eq(lr->min, 0.0001);
    ck_assert_double_eq(lr->max, 0.1);
    const tt_param *bs = sweep_param(s, "batch_size");
    ck_assert_int_eq(bs->dist, TT_DIST_CATEGORICAL);
    ck_assert_uint_eq(bs->n_values, 4);
    ck_assert_int_eq(bs->values[3].kind, TT_VALUE_INT);
    ck_assert_int_eq(bs->values[3].i, 128);
    ck_assert_int_eq(sweep_param(s, "epochs")->dist, TT_DIST_CONSTANT);
    /* Defaults. */
    ck_assert_int_eq(s->parallel, 1);
    ck_assert_int_eq(s->repeats, 1);
    ck_assert_int_eq(s->retries, 0);
    ck_assert_int_eq(s->metric.summary, TT_SUMMARY_LAST);
    ck_assert_int_eq(s->executor.kind, TT_EXECUTOR_LOCAL);
    ck_assert_int_eq(s->pruner.kind, TT_PRUNER_NONE);
    ck_assert(!s->early_terminate.enabled);
    ck_assert_ptr_null(s->name);
    tt_sweep_free(s);
}
END_TEST

START_TEST(sample_nested_and_all_distributions)
{
    tt_sweep *s = load_sample("wandb_nested.yaml");
    ck_assert_int_eq(sweep_param(s, "optimizer.lr")->dist, TT_DIST_LOG_UNIFORM_VALUES);
    ck_assert_double_eq(sweep_param(s, "optimizer.lr")->min, 1e-5);
    ck_assert_int_eq(sweep_param(s, "model.layers")->dist, TT_DIST_INT_UNIFORM);
    ck_assert(sweep_param(s, "model.layers")->is_int);
    ck_assert_int_eq(sweep_param(s, "model.activation")->dist, TT_DIST_CATEGORICAL);
    tt_sweep_free(s);

    s = load_sample("wandb_all_distributions.yaml");
    ck_assert_uint_eq(s->space->n, TT_DIST_COUNT + 1);
    for (int d = 0; d < TT_DIST_COUNT; d++) {
        char name[64];
        snprintf(name, sizeof name, "p_%s", tt_dist_name((tt_dist)d));
        ck_assert_int_eq(sweep_param(s, name)->dist, d);
    }
    const tt_param *w = sweep_param(s, "p_categorical_w_probabilities");
    ck_assert_int_eq(w->dist, TT_DIST_CATEGORICAL);
    ck_assert_ptr_nonnull(w->probabilities);
    ck_assert_double_eq(w->probabilities[1], 0.75);
    ck_assert(sweep_param(s, "p_q_uniform")->is_int);
    ck_assert_double_eq(sweep_param(s, "p_q_uniform")->q, 5);
    ck_assert(!sweep_param(s, "p_q_log_normal")->is_int);
    ck_assert_double_eq(sweep_param(s, "p_normal")->sigma, 2);
    ck_assert_double_eq(sweep_param(s, "p_beta")->b, 5);
    tt_sweep_free(s);
}
END_TEST

START_TEST(sample_conditions)
{
    tt_sweep *s = load_sample("tunetop_conditions.yaml");
    const tt_param *m = sweep_param(s, "momentum");
    ck_assert_uint_eq(m->n_conditions, 1);
    ck_assert_str_eq(m->conditions[0].parent_name, "optimizer");
    ck_assert_uint_eq(m->conditions[0].parent, (size_t)tt_space_find(s->space, "optimizer"));
    ck_assert_uint_eq(m->conditions[0].n_values, 1);
    ck_assert_str_eq(m->conditions[0].values[0].s, "sgd");
    ck_assert_uint_eq(sweep_param(s, "beta2")->conditions[0].n_values, 2);
    const tt_param *w = sweep_param(s, "warmup");
    ck_assert_uint_eq(w->n_conditions, 2);
    ck_assert_int_eq(w->conditions[0].values[0].kind, TT_VALUE_BOOL);
    /* A group's `when` holds for each of its children. */
    const tt_param *k = sweep_param(s, "schedule.kind");
    ck_assert_uint_eq(k->n_conditions, 1);
    ck_assert_str_eq(k->conditions[0].parent_name, "use_schedule");
    ck_assert(k->conditions[0].values[0].b);
    ck_assert_uint_eq(sweep_param(s, "schedule.min_lr")->n_conditions, 1);
    tt_sweep_free(s);
}
END_TEST

START_TEST(sample_nni)
{
    tt_sweep *s = load_sample("nni_search_space.json");
    ck_assert_int_eq(s->format, TT_FORMAT_NNI);
    ck_assert_int_eq(s->method, TT_METHOD_RANDOM);
    ck_assert_ptr_null(s->metric.name);
    const tt_param *p = sweep_param(s, "layers"); /* randint [1, 5) */
    ck_assert_int_eq(p->dist, TT_DIST_INT_UNIFORM);
    ck_assert_double_eq(p->min, 1);
    ck_assert_double_eq(p->max, 4);
    ck_assert_int_eq(sweep_param(s, "lr")->dist, TT_DIST_LOG_UNIFORM_VALUES);
    ck_assert_int_eq(sweep_param(s, "batch_size")->dist, TT_DIST_CATEGORICAL);
    ck_assert_int_eq(sweep_param(s, "dropout")->dist, TT_DIST_UNIFORM);
    p = sweep_param(s, "hidden");
    ck_assert_int_eq(p->dist, TT_DIST_Q_UNIFORM);
    ck_assert_double_eq(p->q, 32);
    ck_assert(p->is_int);
    ck_assert_int_eq(sweep_param(s, "decay")->dist, TT_DIST_Q_LOG_UNIFORM_VALUES);
    ck_assert_int_eq(sweep_param(s, "shift")->dist, TT_DIST_NORMAL);
    p = sweep_param(s, "offset");
    ck_assert_int_eq(p->dist, TT_DIST_Q_NORMAL);
    ck_assert_double_eq(p->mu, 10);
    ck_assert_double_eq(p->sigma, 2);
    ck_assert_int_eq(sweep_param(s, "scale")->dist, TT_DIST_LOG_NORMAL);
    ck_assert_int_eq(sweep_param(s, "steps")->dist, TT_DIST_Q_LOG_NORMAL);
    tt_sweep_free(s);

    s = load_sample("nni_nested_choice.json");
    p = sweep_param(s, "optimizer");
    ck_assert_uint_eq(p->n_values, 3);
    ck_assert_str_eq(p->values[2].s, "lbfgs");
    p = sweep_param(s, "optimizer.adam.beta1");
    ck_assert_uint_eq(p->n_conditions, 1);
    ck_assert_str_eq(p->conditions[0].parent_name, "optimizer");
    ck_assert_str_eq(p->conditions[0].values[0].s, "adam");
    ck_assert_str_eq(sweep_param(s, "optimizer.sgd.momentum")->conditions[0].values[0].s, "sgd");
    ck_assert_int_eq(sweep_param(s, "optimizer.adam.amsgrad")->dist, TT_DIST_CATEGORICAL);
    ck_assert_uint_eq(sweep_param(s, "lr")->n_conditions, 0);
    tt_sweep_free(s);

    s = load_sample("search_space_key.yaml");
    ck_assert_int_eq(sweep_param(s, "layers")->max, 3);
    tt_sweep_free(s);
}
END_TEST

START_TEST(sample_extensions)
{
    tt_sweep *s = load_sample("tunetop_extensions.yaml");
    ck_assert_str_eq(s->name, "extensions-demo");
    ck_assert_int_eq(s->method, TT_METHOD_SOBOL);
    ck_assert_int_eq(s->parallel, 4);
    ck_assert(s->has_seed);
    ck_assert_uint_eq(s->seed, 42);
    ck_assert_double_eq(s->trial_timeout, 600);
    ck_assert_double_eq(s->time_budget, 5400);
    ck_assert_int_eq(s->retries, 2);
    ck_assert_int_eq(s->repeats, 3);
    ck_assert_int_eq(s->folds, 5);
    ck_assert_uint_eq(s->n_devices, 2);
    ck_assert_str_eq(s->devices[1], "1");
    ck_assert(s->shell);
    ck_assert_uint_eq(s->n_metrics, 2);
    ck_assert_str_eq(s->metrics[1], "grad_norm");
    ck_assert_uint_eq(s->n_command, 5);
    ck_assert_str_eq(s->command[2], "${lr}");
    ck_assert_int_eq(s->pruner.kind, TT_PRUNER_ASHA);
    ck_assert_int_eq(s->pruner.min_resource, 1);
    ck_assert_double_eq(s->pruner.reduction_factor, 3);
    tt_sweep_free(s);

    s = load_sample("tunetop_slurm.yaml");
    const tt_executor_spec *e = &s->executor;
    ck_assert_int_eq(e->kind, TT_EXECUTOR_SLURM);
    /* Options any cluster accepts (it runs as it is: test_samples_run.c);
     * every executor option reaching sbatch: test_keys_audit.c. */
    ck_assert_ptr_null(e->partition);
    ck_assert_str_eq(e->time, "00:10:00");
    ck_assert_str_eq(e->mem, "256M");
    ck_assert_int_eq(e->cpus_per_task, 1);
    ck_assert_uint_eq(e->n_sbatch_args, 1);
    ck_assert_str_eq(e->sbatch_args[0], "--job-name=tunetop-sample");
    tt_sweep_free(s);

    s = load_sample("tunetop_pruner.yaml");
    ck_assert_int_eq(s->pruner.kind, TT_PRUNER_PERCENTILE);
    ck_assert_double_eq(s->pruner.percentile, 25);
    ck_assert_int_eq(s->pruner.n_startup_trials, 10);
    ck_assert_int_eq(s->pruner.n_warmup_steps, 5);
    ck_assert_int_eq(s->pruner.interval_steps, 2);
    ck_assert_int_eq(s->pruner.n_min_trials, 3);
    ck_assert_int_eq(s->metric.summary, TT_SUMMARY_BEST);
    tt_sweep_free(s);

    s = load_sample("tunetop_pruner_short.yaml");
    ck_assert_int_eq(s->pruner.kind, TT_PRUNER_MEDIAN);
    ck_assert_int_eq(s->pruner.n_startup_trials, 5);
    ck_assert_int_eq(s->pruner.n_warmup_steps, 0);
    ck_assert_int_eq(s->pruner.interval_steps, 1);
    ck_assert_double_eq(s->pruner.percentile, 50);
    tt_sweep_free(s);

    s = load_sample("wandb_hyperband.yaml");
    ck_assert(s->early_terminate.enabled);
    ck_assert_str_eq(s->early_terminate.type, "hyperband");
    ck_assert_int_eq(s->early_terminate.min_iter, 3);
    ck_assert_double_eq(s->early_terminate.eta, 2);
    ck_assert(s->early_terminate.strict);
    ck_assert_int_eq(s->run_cap, 50);
    ck_assert_int_eq(s->metric.goal, TT_GOAL_MAXIMIZE);
    ck_assert(s->metric.has_target);
    ck_assert_double_eq(s->metric.target, 0.99);
    tt_sweep_free(s);

    s = load_sample("wandb_hyperband_max_iter.yaml");
    ck_assert_int_eq(s->early_terminate.max_iter, 27);
    ck_assert_int_eq(s->early_terminate.s, 2);
    ck_assert_double_eq(s->early_terminate.eta, 3);
    tt_sweep_free(s);
}
END_TEST

START_TEST(sample_anchors_and_yaml11)
{
    tt_sweep *s = load_sample("anchors.yaml");
    const tt_param *dec = sweep_param(s, "decoder_lr");
    ck_assert_int_eq(dec->dist, TT_DIST_LOG_UNIFORM_VALUES);
    ck_assert_double_eq(dec->min, 1e-5);
    ck_assert_double_eq(dec->max, 1e-2); /* the explicit key wins over the merge */
    ck_assert_double_eq(sweep_param(s, "encoder_lr")->max, 1e-1);
    ck_assert_uint_eq(sweep_param(s, "encoder_width")->n_values, 3);
    tt_sweep_free(s);

    s = load_sample("yaml11_numbers.yaml");
    const tt_param *lr = sweep_param(s, "lr");
    ck_assert_int_eq(lr->dist, TT_DIST_UNIFORM);
    ck_assert_double_eq(lr->min, 1e-5);
    ck_assert_double_eq(lr->max, 1e-1);
    ck_assert_double_eq(sweep_param(s, "wd")->min, 0.5);
    ck_assert_double_eq(sweep_param(s, "wd")->max, 1.0);
    const tt_param *h = sweep_param(s, "hidden");
    ck_assert_int_eq(h->dist, TT_DIST_INT_UNIFORM);
    ck_assert_double_eq(h->max, 256);
    const tt_param *f = sweep_param(s, "flag");
    for (size_t i = 0; i < f->n_values; i++)
        ck_assert_int_eq(f->values[i].kind, TT_VALUE_BOOL);
    ck_assert(f->values[0].b && !f->values[1].b && f->values[2].b && !f->values[3].b);
    ck_assert_int_eq(sweep_param(s, "big")->values[0].i, 1000000);
    tt_sweep_free(s);
}
END_TEST

START_TEST(grid_and_macros_samples)
{
    tt_sweep *s = load_sample("wandb_grid.yaml");
    ck_assert_int_eq(s->method, TT_METHOD_GRID);
    tt_sweep_free(s);
    s = load_sample("wandb_command_macros.yaml");
    ck_assert_uint_eq(s->n_command, 15);
    ck_assert_str_eq(s->command[11], "--home=${envvar:HOME}");
    tt_sweep_free(s);
}
END_TEST

Suite *suite_config_samples(void)
{
    return tt_suite_of("config_samples", "samples", 0,
                       TT_TESTS(every_sample_loads_without_errors, sample_wandb_basic,
                                sample_nested_and_all_distributions, sample_conditions, sample_nni,
                                sample_extensions, sample_anchors_and_yaml11,
                                grid_and_macros_samples));
}
