/*
 * study_view — what the read-only subcommands (status, best, export) need
 * of a study: its store opened for reading, its newest sweep (for the
 * metric and goal), every trial, and the counts and ranking derived from
 * them. Never writes trial data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/runner.h"

int tt_view_open(const char *dir, tt_view *v, bool quiet)
{
    memset(v, 0, sizeof *v);
    tt_error err = {0};
    if (!tt_study_is_dir(dir)) {
        fprintf(stderr, "tunetop: %s is not a tunetop study (no study.db in it)\n", dir);
        return TT_EXIT_FAIL;
    }
    /* A study.db without a study (a crash right after creating it) says
     * how to make it one, for status, best, export and importance alike. */
    if (tt_cli_study_ready(dir, &err) < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        return TT_EXIT_FAIL;
    }
    char *db = tt_xasprintf("%s/study.db", dir);
    v->store = tt_store_open(db, TT_STORE_SNAPSHOT, &err);
    free(db);
    if (!v->store) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        return TT_EXIT_FAIL;
    }
    v->dir = dir;
    if (tt_store_get_study(v->store, &v->info, &err) < 0 ||
        tt_store_trials_since(v->store, 0, &v->trials, &v->n_trials, &v->cap_trials, &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        tt_view_close(v);
        return TT_EXIT_FAIL;
    }
    char *text = tt_store_get_space(v->store, 0, &err);
    if (text) {
        tt_diags diags = {0};
        v->sweep = tt_sweep_load_text("sweep", text, strlen(text), &diags);
        tt_diags_free(&diags);
        free(text);
    }
    if (!v->sweep && !quiet)
        fprintf(stderr, "tunetop: warning: the study's sweep file does not load; "
                        "assuming the objective is minimised\n");
    v->goal = v->sweep ? v->sweep->metric.goal : TT_GOAL_MINIMIZE;
    v->metric = v->sweep && v->sweep->metric.name ? v->sweep->metric.name : "value";
    v->runner_pid = tt_study_runner_pid(dir);
    return TT_EXIT_OK;
}

void tt_view_close(tt_view *v)
{
    for (size_t i = 0; i < v->n_trials; i++)
        tt_trial_record_clear(&v->trials[i]);
    free(v->trials);
    tt_study_info_clear(&v->info);
    if (v->sweep)
        tt_sweep_free(v->sweep);
    if (v->store)
        tt_store_close(v->store);
    memset(v, 0, sizeof *v);
}

const char *tt_view_state(const tt_view *v)
{
    /* A study recorded running whose runner is gone is not running. */
    if (v->runner_pid == 0 &&
        (v->info.state == TT_STUDY_RUNNING || v->info.state == TT_STUDY_PAUSED))
        return "stopped";
    return tt_study_state_name(v->info.state);
}

static const tt_view *sort_view;

static int by_value(const void *a, const void *b)
{
    const tt_trial_record *x = *(tt_trial_record *const *)a, *y = *(tt_trial_record *const *)b;
    double vx = x->value, vy = y->value;
    if (vx != vy)
        return (sort_view->goal == TT_GOAL_MINIMIZE) == (vx < vy) ? -1 : 1;
    return x->number < y->number ? -1 : 1;
}

size_t tt_view_ranked(const tt_view *v, const tt_trial_record ***out)
{
    const tt_trial_record **list = tt_xcalloc(v->n_trials + 1, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < v->n_trials; i++)
        if (v->trials[i].state == TT_TRIAL_COMPLETED && isfinite(v->trials[i].value))
            list[n++] = &v->trials[i];
    sort_view = v;
    qsort(list, n, sizeof *list, by_value);
    *out = list;
    return n;
}
