/*
 * test_ui_model — the dashboard's study model against a real study built
 * with the store API in a temporary folder: the first poll reads
 * everything, later polls only what changed (trial updates by seq, metric
 * points and events by rowid), the metric backlog is read in slices, a
 * retry restarts a trial's curve, long series stay bounded, the picker
 * lists the study, the ranking and correlations are cached until the
 * completed trials change, the runner's stored importance is read (and,
 * with none stored, fANOVA is computed by the dashboard itself), and a
 * trial of several runs (folds) is one mean curve with its value shown
 * as "mean ± std".
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/ui/internal.h"
#include "../src/ui/table.h"
#include "tunetop/store.h"
#include "check_util.h"

static const char sweep[] = "name: modeltest\n"
                            "program: train.py\n"
                            "method: random\n"
                            "run_cap: 10\n"
                            "parallel: 3\n"
                            "metric: {name: loss, goal: minimize}\n"
                            "parameters:\n"
                            "  lr: {min: 0.001, max: 0.1}\n"
                            "  opt: {values: [adam, sgd]}\n";

static char root[256], dir[300];

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
}

static tt_store *create_study(void)
{
    snprintf(root, sizeof root, "/tmp/tt_ui_model_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/study", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char db[400];
    snprintf(db, sizeof db, "%s/study.db", dir);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "modeltest", "sweep.yaml", NULL, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", sweep, &err), 1);
    return st;
}

static long add_trial(tt_store *st, const char *lr, const char *opt)
{
    char *names[] = {"lr", "opt"};
    char *texts[] = {(char *)lr, (char *)opt};
    tt_error err = {0};
    long n = tt_store_add_trial(st, 1, 2, names, texts, NULL, NULL, &err);
    ck_assert_msg(n > 0, "%s", err.msg);
    return n;
}

START_TEST(incremental_poll)
{
    tt_store *st = create_study();
    tt_error err = {0};
    long t1 = add_trial(st, "0.01", "adam");
    long t2 = add_trial(st, "0.05", "sgd");
    tt_store_trial_started(st, t1, 0, 0, NULL, &err);
    for (long s = 1; s <= 5; s++)
        tt_store_add_metric(st, t1, 1, s, "loss", 1.0 / (double)s, 0, &err);
    tt_store_trial_finished(st, t1, TT_TRIAL_COMPLETED, 0.2, "exit code 0", &err);
    tt_store_add_event(st, -1, "runner", "runner started (pid 1), sweep v1, parallel 3", &err);

    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    ck_assert_str_eq(m.study.info.name, "modeltest");
    ck_assert_str_eq(m.study.metric, "loss");
    ck_assert_int_eq(m.study.goal, TT_GOAL_MINIMIZE);
    ck_assert_int_eq(m.total, 10);
    ck_assert_int_eq(m.parallel, 3);
    ck_assert_uint_eq(m.n_trials, 2);
    ck_assert_int_eq(m.counts[TT_TRIAL_COMPLETED], 1);
    ck_assert_int_eq(m.counts[TT_TRIAL_QUEUED], 1);
    ck_assert_int_eq(m.best, t1);
    ck_assert_uint_eq(m.n_params, 2);
    ck_assert_uint_eq(m.n_events, 1);
    int id = ui_model_metric_id(&m, "loss");
    ck_assert_int_eq(id, 0);
    const ui_series *s = ui_model_series(&m, t1, id);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->n, 5);
    ck_assert_int_eq(s->pts[4].step, 5);
    ck_assert_double_eq_tol(s->last, 0.2, 1e-12);
    ck_assert_str_eq(ui_model_state(&m), "stopped"); /* no runner holds the lock */

    /* nothing new: nothing changes */
    unsigned gen = m.generation;
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 101, &err), 0);
    ck_assert_uint_eq(m.generation, gen);

    /* new rows only */
    tt_store_trial_started(st, t2, 0, 0, NULL, &err);
    tt_store_add_metric(st, t2, 1, 1, "loss", 0.5, 0, &err);
    tt_store_add_metric(st, t2, 1, 1, "acc", 0.7, 0, &err);
    tt_store_add_event(st, -1, "state", "parallel set to 5", &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 102, &err), 0);
    ck_assert_uint_gt(m.generation, gen);
    ck_assert_int_eq(m.counts[TT_TRIAL_RUNNING], 1);
    ck_assert_int_eq(m.parallel, 5);
    ck_assert_uint_eq(m.n_metric_names, 2);
    ck_assert_uint_eq(ui_model_series(&m, t1, id)->n, 5);
    ck_assert_uint_eq(ui_model_series(&m, t2, id)->n, 1);
    ck_assert_str_eq(ui_model_event(&m, 0)->message, "parallel set to 5");

    /* a better trial becomes the best */
    tt_store_trial_finished(st, t2, TT_TRIAL_COMPLETED, 0.1, NULL, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 103, &err), 0);
    ck_assert_int_eq(m.best, t2);
    long *ranked = NULL;
    ck_assert_uint_eq(ui_model_ranked(&m, &ranked, 0), 2);
    ck_assert_int_eq(ranked[0], t2);
    ck_assert_int_eq(ranked[1], t1);
    free(ranked);

    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

START_TEST(backlog_retry_and_bounds)
{
    tt_store *st = create_study();
    tt_error err = {0};
    long t = add_trial(st, "0.01", "adam");
    tt_store_trial_started(st, t, 0, 0, NULL, &err);
    tt_store_begin(st, &err);
    for (long s = 0; s < 2000; s++)
        tt_store_add_metric(st, t, 1, s, "loss", (double)s, 0, &err);
    tt_store_commit(st, &err);

    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    /* the points before the first poll are read when the trial is shown;
     * those after it by the polls, in slices of 1000 rows: three polls */
    ck_assert_int_eq(ui_model_poll(&m, 0, 1000, 0, &err), 0);
    ck_assert(!m.metrics_backlog);
    ck_assert_ptr_nonnull(ui_model_series(&m, t, 0));
    tt_store_begin(st, &err);
    for (long s = 2000; s < 5000; s++)
        tt_store_add_metric(st, t, 1, s, "loss", (double)s, 0, &err);
    tt_store_commit(st, &err);
    int polls = 0;
    do {
        ck_assert_int_eq(ui_model_poll(&m, 0, 1000, 0, &err), 0);
        polls++;
    } while (m.metrics_backlog && polls < 20);
    ck_assert_int_ge(polls, 3);
    const ui_series *s = ui_model_series(&m, t, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_le(s->n, UI_SERIES_MAX);
    ck_assert_uint_ge(s->n, UI_SERIES_MAX / 4);
    ck_assert_double_eq(s->last, 4999);
    ck_assert_int_eq(s->last_step, 4999);
    ck_assert_int_eq(s->pts[0].step, 0);
    ck_assert_int_eq(s->pts[s->n - 1].step, 4999);
    for (size_t i = 1; i < s->n; i++)
        ck_assert_int_gt(s->pts[i].step, s->pts[i - 1].step);

    /* a retry: the curve starts over with attempt 2 */
    tt_store_trial_finished(st, t, TT_TRIAL_FAILED, NAN, "boom", &err);
    tt_store_trial_retry(st, t, "boom", &err);
    tt_store_trial_started(st, t, 0, 0, NULL, &err);
    tt_store_add_metric(st, t, 2, 0, "loss", 42, 0, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 0, &err), 0);
    s = ui_model_series(&m, t, 0);
    ck_assert_uint_eq(s->n, 1);
    ck_assert_int_eq(s->attempt, 2);
    ck_assert_double_eq(s->last, 42);
    ck_assert_int_eq(ui_model_trial(&m, t)->rec.attempt, 2);
    ck_assert_int_eq(m.counts[TT_TRIAL_RUNNING], 1);

    ui_model_close(&m);
    tt_store_close(st);

    /* the picker finds the study */
    ui_study_entry *e = NULL;
    size_t n = ui_picker_scan(root, &e);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(e[0].name, "modeltest");
    ck_assert_int_eq(e[0].n_trials, 1);
    ck_assert_int_eq(e[0].counts[TT_TRIAL_RUNNING], 1);
    ui_picker_entries_free(e, n);
    rm_rf(root);
}
END_TEST

/* Issue 18: a big study loads in slices of trial rows (the screen stays
 * live), and a trial's points are read only when it is shown — each point
 * once, whether it came before the first poll or after — with at most
 * UI_LOADED_MAX trials' series kept. */
START_TEST(trials_in_slices)
{
    tt_store *st = create_study();
    tt_error err = {0};
    tt_store_begin(st, &err);
    for (int i = 0; i < 25; i++)
        add_trial(st, "0.01", "adam");
    tt_store_commit(st, &err);
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    int polls = 0;
    do {
        ck_assert_int_eq(ui_model_poll(&m, 10, 0, 0, &err), 0);
        polls++;
        ck_assert_int_eq(m.trials_known, 25);
        ck_assert_int_eq(m.counts[TT_TRIAL_QUEUED], polls * 10 < 25 ? polls * 10 : 25);
    } while (m.trials_backlog && polls < 10);
    ck_assert_int_eq(polls, 3);
    ck_assert_uint_eq(m.n_trials, 25);
    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

START_TEST(series_read_when_shown)
{
    tt_store *st = create_study();
    tt_error err = {0};
    size_t n_trials = UI_LOADED_MAX + 100;
    tt_store_begin(st, &err);
    for (size_t i = 1; i <= n_trials; i++) {
        add_trial(st, "0.01", "adam");
        tt_store_trial_started(st, (long)i, 0, 0, NULL, &err);
        tt_store_add_metric(st, (long)i, 1, 1, "loss", (double)i, 0, &err);
        tt_store_trial_finished(st, (long)i, TT_TRIAL_COMPLETED, (double)i, NULL, &err);
    }
    tt_store_commit(st, &err);
    /* trial 1 runs again with a second attempt: it stays loaded */
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 0, &err), 0);
    ck_assert_uint_eq(m.n_metric_names, 1);   /* the names, without reading points */
    ck_assert_uint_eq(m.n_loaded, 0);
    ck_assert(!ui_model_trial(&m, 7)->loaded);
    ck_assert_uint_eq(ui_model_trial(&m, 7)->n_series, 0);

    /* a point after the first poll, for a trial not shown yet: read with
     * the rest when it is shown, once */
    tt_store_add_metric(st, 7, 1, 2, "loss", 0.5, 0, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 1, &err), 0);
    ck_assert(!ui_model_trial(&m, 7)->loaded);
    const ui_series *s = ui_model_series(&m, 7, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->n, 2);
    ck_assert_double_eq(s->last, 0.5);
    /* then kept up to date by the polls, once */
    tt_store_add_metric(st, 7, 1, 3, "loss", 0.25, 0, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 2, &err), 0);
    s = ui_model_series(&m, 7, 0);
    ck_assert_uint_eq(s->n, 3);
    ck_assert_int_eq(s->pts[2].step, 3);

    /* showing every trial keeps at most UI_LOADED_MAX of them */
    for (size_t i = 1; i <= n_trials; i++) {
        s = ui_model_series(&m, (long)i, 0);
        ck_assert_ptr_nonnull(s);
        ck_assert_double_eq(s->last, i == 7 ? 0.25 : (double)i);
        ck_assert_uint_le(m.n_loaded, UI_LOADED_MAX);
    }
    /* the least recently shown went first; shown again, read again */
    ck_assert(!ui_model_trial(&m, 7)->loaded);
    ck_assert(ui_model_trial(&m, (long)n_trials)->loaded);
    s = ui_model_series(&m, 7, 0);
    ck_assert_uint_eq(s->n, 3);
    ck_assert_double_eq(s->last, 0.25);
    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

START_TEST(rank_correlation)
{
    tt_store *st = create_study();
    tt_error err = {0};
    const char *lrs[] = {"0.001", "0.002", "0.005", "0.01", "0.02", "0.05"};
    for (int i = 0; i < 6; i++) {
        long t = add_trial(st, lrs[i], i % 2 ? "sgd" : "adam");
        /* the loss grows with lr */
        tt_store_trial_finished(st, t, TT_TRIAL_COMPLETED, (double)i, NULL, &err);
    }
    long failed = add_trial(st, "0.1", "adam");
    tt_store_trial_finished(st, failed, TT_TRIAL_FAILED, NAN, "x", &err);
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 0, &err), 0);
    ui_corr *c = NULL;
    long nt = 0;
    size_t n = ui_rank_correlations(&m, &c, &nt);
    ck_assert_int_eq(nt, 6);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(c[0].param, "lr");
    ck_assert_double_eq_tol(c[0].value, 1.0, 1e-12);
    ck_assert(!c[0].categorical);
    ck_assert_str_eq(c[1].param, "opt");
    ck_assert(c[1].categorical);
    ck_assert(c[1].value >= 0 && c[1].value <= 1);
    free(c);
    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

/* The ranking and the rank correlations are cached on completed_gen: a
 * running trial that reports a step (its row changes: trials_gen moves)
 * leaves them alone; a trial that completes, or a completed trial whose
 * value changes, rebuilds them. */
START_TEST(completed_caches)
{
    tt_store *st = create_study();
    tt_error err = {0};
    const char *lrs[] = {"0.001", "0.002", "0.005", "0.01"};
    for (int i = 0; i < 4; i++) {
        long t = add_trial(st, lrs[i], i % 2 ? "sgd" : "adam");
        tt_store_trial_finished(st, t, TT_TRIAL_COMPLETED, (double)(4 - i), NULL, &err);
    }
    long run = add_trial(st, "0.05", "adam");
    tt_store_trial_started(st, run, 0, 0, NULL, &err);
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    size_t n = 0;
    const long *r1 = ui_model_ranking(&m, &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(r1[0], 4); /* value 1: the best */
    ck_assert_int_eq(r1[3], 1);
    size_t nc = 0;
    long nt = 0;
    const ui_corr *c1 = ui_model_correlations(&m, &nc, &nt);
    ck_assert_int_eq(nt, 4);
    ck_assert_str_eq(c1[0].param, "lr");
    ck_assert_double_eq_tol(c1[0].value, -1.0, 1e-12);

    /* a running trial reports steps: its row changes, the caches stay */
    unsigned trials_gen = m.trials_gen, completed_gen = m.completed_gen;
    for (long s = 1; s <= 3; s++) {
        ck_assert_int_eq(tt_store_trial_set_value(st, run, 0.5 / (double)s, s, &err), 0);
        ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100 + (double)s, &err), 0);
        ck_assert_uint_gt(m.trials_gen, trials_gen);
        trials_gen = m.trials_gen;
        ck_assert_uint_eq(m.completed_gen, completed_gen);
        size_t n2 = 0;
        ck_assert_ptr_eq(ui_model_ranking(&m, &n2), r1);
        ck_assert_uint_eq(n2, 4);
        ck_assert_ptr_eq(ui_model_correlations(&m, &nc, &nt), c1);
    }

    /* it completes with the best value: both are rebuilt */
    tt_store_trial_finished(st, run, TT_TRIAL_COMPLETED, 0.1, NULL, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 110, &err), 0);
    ck_assert_uint_gt(m.completed_gen, completed_gen);
    const long *r2 = ui_model_ranking(&m, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(r2[0], run);
    ui_model_correlations(&m, &nc, &nt);
    ck_assert_int_eq(nt, 5);

    /* a queued trial, then a failed one: no completed trial changed */
    completed_gen = m.completed_gen;
    long failed = add_trial(st, "0.1", "sgd");
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 111, &err), 0);
    tt_store_trial_finished(st, failed, TT_TRIAL_FAILED, NAN, "x", &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 112, &err), 0);
    ck_assert_uint_eq(m.completed_gen, completed_gen);
    ui_model_ranking(&m, &n);
    ck_assert_uint_eq(n, 5);

    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

/* The stored importance (fANOVA) and its interactions come in with the
 * model's poll, at most every 5 s; "not yet stable" when the top
 * parameters' intervals overlap. */
START_TEST(stored_importance)
{
    tt_store *st = create_study();
    tt_error err = {0};
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    ck_assert_uint_eq(m.importance.n, 0);

    char *names[] = {"lr", "opt"};
    double v[] = {0.7, 0.3}, lo[] = {0.5, 0.1}, hi[] = {0.9, 0.45};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 12, 2, names, v, lo, hi, &err), 0);
    char *pairs[] = {"lr × opt"};
    double pv[] = {0.05}, pl[] = {0.01}, ph[] = {0.08};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova-pairs", 12, 1, pairs, pv, pl, ph, &err),
                     0);
    /* not read again within 5 s of the last read */
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 103, &err), 0);
    ck_assert_uint_eq(m.importance.n, 0);
    unsigned gen = m.importance_gen;
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 106, &err), 0);
    ck_assert_uint_gt(m.importance_gen, gen);
    ck_assert_str_eq(m.importance_method, "fanova");
    ck_assert_uint_eq(m.importance.n, 2);
    ck_assert_int_eq(m.importance.n_trials, 12);
    ck_assert_str_eq(m.importance.params[0], "lr");
    ck_assert_uint_eq(m.pairs.n, 1);
    ck_assert_str_eq(m.pairs.params[0], "lr × opt");
    ck_assert(!ui_importance_unstable(&m.importance, 3, NULL));
    /* the same result read again: nothing to redraw */
    gen = m.importance_gen;
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 112, &err), 0);
    ck_assert_uint_eq(m.importance_gen, gen);

    /* a newer result whose intervals overlap */
    double lo2[] = {0.4, 0.2}, hi2[] = {0.8, 0.5};
    double v2[] = {0.6, 0.4};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 13, 2, names, v2, lo2, hi2, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 118, &err), 0);
    ck_assert_uint_gt(m.importance_gen, gen);
    ck_assert_int_eq(m.importance.n_trials, 13);
    size_t at = 99;
    ck_assert(ui_importance_unstable(&m.importance, 3, &at));
    ck_assert_uint_eq(at, 0);
    ck_assert(!ui_importance_unstable(&m.importance, 1, NULL));

    /* without intervals nothing can be said */
    tt_importance none = m.importance;
    none.low = none.high = NULL;
    ck_assert(!ui_importance_unstable(&none, 3, NULL));

    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

/* Issue 18: with nothing stored the dashboard computes fANOVA itself, on
 * a worker thread, instead of showing rank correlation as importance: a
 * U-shaped lr, which Spearman's rho calls unimportant, comes first. A
 * result the runner stores later replaces it. */
START_TEST(fanova_when_none_stored)
{
    tt_store *st = create_study();
    tt_error err = {0};
    char *names[] = {"lr", "opt"};
    for (int i = 0; i < 40; i++) {
        double lr = 0.001 + 0.099 * i / 39.0;
        double x[] = {lr, (double)(i % 2)};
        char text[32];
        snprintf(text, sizeof text, "%.6g", lr);
        char *texts[] = {text, i % 2 ? "sgd" : "adam"};
        long t = tt_store_add_trial(st, 1, 2, names, texts, x, NULL, &err);
        ck_assert_msg(t > 0, "%s", err.msg);
        double loss = 1000 * (lr - 0.05) * (lr - 0.05) + (i % 2 ? 0.01 : 0);
        ck_assert_int_eq(tt_store_trial_finished(st, t, TT_TRIAL_COMPLETED, loss, NULL, &err), 0);
    }
    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    ui_corr *c = NULL;
    long nt = 0;
    size_t nc = ui_rank_correlations(&m, &c, &nt);
    for (size_t i = 0; i < nc; i++)
        if (strcmp(c[i].param, "lr") == 0)
            ck_assert_msg(c[i].value < 0.2, "rank correlation of a U: %g", c[i].value);
    free(c);
    for (int i = 0; i < 500 && !m.importance_here; i++) {
        usleep(10000);
        ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    }
    ck_assert_msg(m.importance_here, "no fANOVA computed by the dashboard");
    ck_assert_str_eq(m.importance_method, "fanova");
    ck_assert_int_eq(m.importance.n_trials, 40);
    ck_assert_uint_eq(m.importance.n, 2);
    ck_assert_str_eq(m.importance.params[0], "lr");
    ck_assert_double_gt(m.importance.value[0], 0.8);

    /* the runner's result wins once stored */
    char *stored[] = {"opt", "lr"};
    double v[] = {0.6, 0.4}, lo[] = {0.5, 0.3}, hi[] = {0.7, 0.5};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 41, 2, stored, v, lo, hi, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 106, &err), 0);
    ck_assert(!m.importance_here);
    ck_assert_int_eq(m.importance.n_trials, 41);
    ck_assert_str_eq(m.importance.params[0], "opt");
    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

/* The detail view's metric table (ui_detail_metric_stats): "best" follows
 * each metric's own goal, not the objective's. A minimised loss objective
 * beside an accuracy: the accuracy's best is its maximum (its goal guessed
 * from the name), a metric declared `goal: maximize` too, anything else
 * and the objective their minimum. */
START_TEST(detail_metric_best)
{
    tt_store *st = create_study();
    tt_error err = {0};
    static const char with_metrics[] = "name: modeltest\n"
                                       "program: train.py\n"
                                       "method: random\n"
                                       "metric: {name: loss, goal: minimize}\n"
                                       "metrics: [val_acc, {name: margin, goal: maximize}, lr_now]\n"
                                       "parameters:\n"
                                       "  lr: {min: 0.001, max: 0.1}\n"
                                       "  opt: {values: [adam, sgd]}\n";
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", with_metrics, &err), 2);
    long t = add_trial(st, "0.01", "adam");
    tt_store_trial_started(st, t, 0, 0, NULL, &err);
    static const char *const names[] = {"loss", "val_acc", "margin", "lr_now", "test_f1"};
    /* each metric goes 0.5, 0.9, 0.2, 0.6 over steps 1..4 */
    static const double vals[] = {0.5, 0.9, 0.2, 0.6};
    for (long step = 1; step <= 4; step++)
        for (size_t k = 0; k < 5; k++)
            tt_store_add_metric(st, t, 1, step, names[k], vals[step - 1], 0, &err);

    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    ck_assert_ptr_nonnull(m.study.sweep);
    ck_assert_uint_eq(m.study.sweep->n_metrics, 3);
    static const double best[] = {0.2, 0.9, 0.9, 0.2, 0.9};
    for (size_t k = 0; k < 5; k++) {
        const ui_series *s = ui_model_series(&m, t, ui_model_metric_id(&m, names[k]));
        ck_assert_ptr_nonnull(s);
        ui_metric_stats row;
        ui_detail_metric_stats(&m, names[k], s, &row);
        ck_assert_msg(fabs(row.best - best[k]) < 1e-6, "%s: best %g, want %g", names[k],
                      row.best, best[k]);
        ck_assert_double_eq_tol(row.last, 0.6, 1e-12);
        ck_assert_double_eq_tol(row.min, 0.2, 1e-6);
        ck_assert_double_eq_tol(row.max, 0.9, 1e-6);
        ck_assert_int_eq(row.step, 4);
    }
    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

/* A series of points (step, value) of one attempt, as the model keeps them. */
static void fill_series(ui_series *s, int attempt, const long *steps, const double *values,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        ui_series_add(s, attempt, steps[i], values[i]);
}

/* ui_series_mean: the mean over the steps every run has reached, a run
 * between two of its points interpolated, the runs of an older attempt
 * left out, a run without points too. */
START_TEST(runs_mean_curve)
{
    ui_series r[4] = {{0}};
    static const long s0[] = {1, 2, 3, 4, 5}, s1[] = {2, 4, 6}, s2[] = {1, 2, 3, 4, 5, 6, 7};
    static const double v0[] = {10, 20, 30, 40, 50}, v1[] = {2, 4, 6};
    double v2[7];
    for (int i = 0; i < 7; i++)
        v2[i] = 100;
    fill_series(&r[0], 1, s0, v0, 5);
    fill_series(&r[1], 1, s1, v1, 3);
    fill_series(&r[2], 1, s2, v2, 7);
    const ui_series *runs[] = {&r[0], &r[1], &r[2], &r[3]};
    ui_series mean = {0};
    ui_series_mean(runs, 4, &mean);
    /* steps 2..5: where all three have been (run 1 starts at 2, run 0 ends
     * at 5); run 1 at 3 and 5 is on its line: 3 and 5 */
    static const long want_steps[] = {2, 3, 4, 5};
    static const double want[] = {(20 + 2 + 100) / 3.0, (30 + 3 + 100) / 3.0,
                                  (40 + 4 + 100) / 3.0, (50 + 5 + 100) / 3.0};
    ck_assert_uint_eq(mean.n, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(mean.pts[i].step, want_steps[i]);
        ck_assert_double_eq_tol(mean.pts[i].value, want[i], 1e-4);
    }
    ck_assert_int_eq(mean.last_step, 5);
    ck_assert_double_eq_tol(mean.last, want[3], 1e-12);
    ck_assert_int_eq(mean.attempt, 1);

    /* a retry: run 0 starts over (attempt 2); the others' old curves are
     * not the trial's any more */
    ui_series_add(&r[0], 2, 1, 7);
    ui_series_add(&r[0], 2, 2, 9);
    ui_series_mean(runs, 4, &mean);
    ck_assert_uint_eq(mean.n, 2);
    ck_assert_int_eq(mean.attempt, 2);
    ck_assert_double_eq_tol(mean.last, 9, 1e-12);
    for (int i = 0; i < 4; i++)
        ui_series_free(&r[i]);
    ui_series_free(&mean);
}
END_TEST

static const char folds_sweep[] = "name: foldstest\n"
                                  "program: train.py\n"
                                  "method: random\n"
                                  "metric: {name: loss, goal: minimize}\n"
                                  "folds: 3\n"
                                  "parameters:\n"
                                  "  lr: {min: 0.001, max: 0.1}\n"
                                  "  opt: {values: [adam, sgd]}\n";

/* Fold f of the trial reports loss = 1/step + f at steps 1..last. */
static void fold_points(tt_store *st, long t, int f, long from, long last)
{
    tt_error err = {0};
    for (long step = from; step <= last; step++)
        ck_assert_int_eq(tt_store_add_run_metric(st, t, 1, f, step, "loss",
                                                 1.0 / (double)step + f, 0, &err),
                         0);
}

/* A trial of three folds as the dashboard sees it: one curve, the mean of
 * its folds over the steps all of them have reached (not the folds' points
 * in one zig-zag line); its value "mean ± std" in the tables; once it has
 * ended, the folds' own points dropped and the mean kept; the study's
 * stop reason read with the study row. */
START_TEST(folds_mean_and_std)
{
    tt_store *st = create_study();
    tt_error err = {0};
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", folds_sweep, &err), 2);
    long t = add_trial(st, "0.01", "adam");
    ck_assert_int_eq(tt_store_trial_started(st, t, 0, 0, NULL, &err), 0);
    ck_assert_int_eq(tt_store_trial_set_runs(st, t, 3, 0, &err), 0);
    for (int f = 0; f < 3; f++)
        ck_assert_int_eq(tt_store_run_started(st, t, 1, f, f, 0, 0, 0, NULL, &err), 0);
    /* folds 0 and 1 at step 4, fold 2 only at step 2 */
    fold_points(st, t, 0, 1, 4);
    fold_points(st, t, 1, 1, 4);
    fold_points(st, t, 2, 1, 2);

    ui_model m;
    ck_assert_int_eq(ui_model_open(&m, dir, &err), 0);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 100, &err), 0);
    const ui_trial *tr = ui_model_trial(&m, t);
    ck_assert_int_eq(tr->rec.folds, 3);
    const ui_series *s = ui_model_series(&m, t, ui_model_metric_id(&m, "loss"));
    ck_assert_ptr_nonnull(s);
    /* mean of 1/step + 0, + 1, + 2 = 1/step + 1, at steps 1 and 2 only */
    ck_assert_uint_eq(s->n, 2);
    for (size_t i = 0; i < s->n; i++) {
        ck_assert_int_eq(s->pts[i].step, (int)i + 1);
        ck_assert_double_eq_tol(s->pts[i].value, 1.0 / (double)(i + 1) + 1, 1e-6);
    }
    ck_assert_uint_eq(tr->n_runs, 3);

    /* fold 2 catches up; the trial ends: mean 1.25, std sqrt(2/3) */
    fold_points(st, t, 2, 3, 4);
    static const double fold_value[] = {0.25, 1.25, 2.25};
    for (int f = 0; f < 3; f++)
        ck_assert_int_eq(tt_store_run_finished(st, t, 1, f, TT_TRIAL_COMPLETED, fold_value[f],
                                               "exit code 0", &err),
                         0);
    ck_assert_int_eq(tt_store_trial_finished(st, t, TT_TRIAL_COMPLETED, 1.25,
                                             "3 runs completed", &err),
                     0);
    ck_assert_int_eq(tt_store_trial_set_std(st, t, sqrt(2.0 / 3.0), &err), 0);
    ck_assert_int_eq(tt_store_set_study_state(st, TT_STUDY_FINISHED, &err), 0);
    ck_assert_int_eq(tt_store_set_stop_reason(st, "target 1.3 reached by trial 1 (loss=1.25)",
                                              &err),
                     0);
    unsigned study_gen = m.study_gen;
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 101, &err), 0);
    ck_assert_uint_gt(m.study_gen, study_gen);
    ck_assert_str_eq(m.study.info.stop_reason, "target 1.3 reached by trial 1 (loss=1.25)");
    tr = ui_model_trial(&m, t);
    s = ui_model_series(&m, t, ui_model_metric_id(&m, "loss"));
    ck_assert_uint_eq(s->n, 4);
    ck_assert_int_eq(s->last_step, 4);
    ck_assert_double_eq_tol(s->last, 1.25, 1e-12);
    /* ended: its folds' points are gone, the mean stays */
    ck_assert_uint_eq(tr->n_runs, 0);
    ck_assert_int_eq(m.best, t);

    /* the tables' value cell */
    ui_app *a = calloc(1, sizeof *a);
    a->model = m;
    a->utf8 = true;
    char cell[64];
    ui_table_cell(a, &tr->rec, UI_COL_VALUE, cell, sizeof cell);
    ck_assert_str_eq(cell, "1.25 ± 0.816");
    a->utf8 = false;
    ui_table_cell(a, &tr->rec, UI_COL_VALUE, cell, sizeof cell);
    ck_assert_str_eq(cell, "1.25 +- 0.816");
    free(a);
    /* sorting and filtering go by the mean */
    ui_filter f;
    char msg[128];
    ck_assert_int_eq(ui_filter_parse("loss<1.3", &f, msg, sizeof msg), 0);
    ck_assert(ui_filter_match(&f, &tr->rec, m.study.metric));
    ui_filter_free(&f);
    ck_assert_int_eq(ui_filter_parse("loss<1.2", &f, msg, sizeof msg), 0);
    ck_assert(!ui_filter_match(&f, &tr->rec, m.study.metric));
    ui_filter_free(&f);

    /* a trial of one run keeps its plain value */
    long t2 = add_trial(st, "0.05", "sgd");
    tt_store_trial_started(st, t2, 0, 0, NULL, &err);
    tt_store_trial_finished(st, t2, TT_TRIAL_COMPLETED, 0.5, NULL, &err);
    ck_assert_int_eq(ui_model_poll(&m, 0, 0, 102, &err), 0);
    ui_format_value_std(&ui_model_trial(&m, t2)->rec, true, cell, sizeof cell);
    ck_assert_str_eq(cell, "0.5");

    ui_model_close(&m);
    tt_store_close(st);
    rm_rf(root);
}
END_TEST

Suite *suite_ui_model(void)
{
    return tt_suite_of("ui_model", "core", 0,
                       TT_TESTS(incremental_poll, backlog_retry_and_bounds, trials_in_slices,
                                series_read_when_shown, rank_correlation,
                                completed_caches, stored_importance, fanova_when_none_stored,
                                detail_metric_best, runs_mean_curve, folds_mean_and_std));
}
