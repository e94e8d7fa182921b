/*
 * study_view — what the read-only subcommands (status, best, export,
 * importance) need of a study: the study module's reader on a snapshot
 * (study row, newest sweep for the metric and goal, runner), every trial,
 * and the state and ranking derived from them. Never writes trial data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_view_open(const char *dir, cli_view *v, bool quiet)
{
    memset(v, 0, sizeof *v);
    tt_error err = {0};
    /* A study.db without a study (a crash right after creating it) says
     * how to make it one, for status, best, export and importance alike.
     * A folder that is no study at all is the reader's to say. */
    if (tt_study_is_dir(dir) && cli_study_ready(dir, &err) < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    if (tt_study_reader_open(&v->study, dir, TT_STORE_SNAPSHOT, &err) < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    if (tt_study_reader_poll(&v->study, &err) < 0 ||
        tt_study_reader_trials(&v->study, &v->trials, &v->n_trials, &v->cap_trials, &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    if (!v->study.sweep && !quiet)
        fprintf(stderr, "tunetop: warning: the study's sweep file does not load; "
                        "assuming the objective is minimised\n");
    tt_study_reader_runner(&v->study);
    return CLI_EXIT_OK;
}

void cli_view_close(cli_view *v)
{
    for (size_t i = 0; i < v->n_trials; i++)
        tt_trial_record_clear(&v->trials[i]);
    free(v->trials);
    tt_study_reader_close(&v->study);
    memset(v, 0, sizeof *v);
}

const char *cli_view_state(const cli_view *v)
{
    /* A study recorded running whose runner is gone is not running. */
    if (v->study.runner_pid == 0 &&
        (v->study.info.state == TT_STUDY_RUNNING || v->study.info.state == TT_STUDY_PAUSED))
        return "stopped";
    return tt_study_state_name(v->study.info.state);
}

static const cli_view *sort_view;

static int by_value(const void *a, const void *b)
{
    const tt_trial_record *x = *(tt_trial_record *const *)a, *y = *(tt_trial_record *const *)b;
    double vx = x->value, vy = y->value;
    if (vx != vy)
        return (sort_view->study.goal == TT_GOAL_MINIMIZE) == (vx < vy) ? -1 : 1;
    return x->number < y->number ? -1 : 1;
}

size_t cli_view_ranked(const cli_view *v, const tt_trial_record ***out)
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
