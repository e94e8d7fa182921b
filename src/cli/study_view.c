/*
 * study_view — what the read-only subcommands need of a study: the study
 * module's reader on a snapshot (study row, newest sweep for the metric and
 * goal, runner), and either every trial (export, importance) or a summary
 * read by query — counts per state, the best trials, the running ones —
 * for `status` and `best`, which must stay fast at 100,000 trials. Never
 * writes trial data.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The reader on a snapshot of dir's study; prints why not. */
static int open_study(const char *dir, const char *study, cli_view *v, bool quiet)
{
    memset(v, 0, sizeof *v);
    tt_error err = {0};
    char *target = tt_study_target_with(dir, study);
    /* A study.db without a study (a crash right after creating it) says
     * how to make it one, for status, best, export and importance alike.
     * A folder that is no study at all is the reader's to say. */
    if (tt_study_is_dir(dir) && cli_study_ready(dir, &err) < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    int rc = tt_study_reader_open(&v->study, target, TT_STORE_SNAPSHOT, &err);
    free(target);
    if (rc < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    if (tt_study_reader_poll(&v->study, &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    if (!v->study.sweep && !quiet && !v->study.optuna)
        fprintf(stderr, "tunetop: warning: the study's sweep file does not load; "
                        "assuming the objective is minimised\n");
    tt_study_reader_runner(&v->study);
    return CLI_EXIT_OK;
}

int cli_view_open(const char *dir, const char *study, cli_view *v, bool quiet)
{
    if (open_study(dir, study, v, quiet) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    tt_error err = {0};
    if (tt_study_reader_trials(&v->study, 0, &v->trials, &v->n_trials, &v->cap_trials, &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

int cli_view_open_summary(const char *dir, const char *study, cli_view *v, bool quiet,
                          size_t best_k)
{
    if (open_study(dir, study, v, quiet) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    tt_error err = {0};
    tt_store *st = v->study.store;
    if (tt_store_trial_counts(st, v->counts, &v->total, &err) < 0 ||
        tt_store_best_trials(st, v->study.goal, best_k, &v->trials, &v->n_trials, &v->cap_trials,
                             &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
    v->n_best = v->n_trials;
    if (tt_store_trials_in_state(st, TT_TRIAL_RUNNING, &v->trials, &v->n_trials, &v->cap_trials,
                                 &err) < 0) {
        fprintf(stderr, "tunetop: %s: %s\n", dir, err.msg);
        cli_view_close(v);
        return CLI_EXIT_FAIL;
    }
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

long cli_view_number(const cli_view *v, long number)
{
    return tt_store_shown_number(v->study.store, number);
}

int cli_study_option(const char *cmd, int argc, char **argv, int *i, const char **study)
{
    const char *a = argv[*i];
    if (strncmp(a, "--study=", 8) == 0) {
        *study = a + 8;
    } else if (strcmp(a, "--study") == 0) {
        if (*i + 1 >= argc) {
            cli_usage_error(cmd, "--study needs the name of a study in the Optuna file");
            return -1;
        }
        *study = argv[++*i];
    } else {
        return 0;
    }
    if (!**study) {
        cli_usage_error(cmd, "--study needs the name of a study in the Optuna file");
        return -1;
    }
    return 1;
}

int cli_refuse_optuna(const char *cmd, const char *target)
{
    char *path = NULL, *study = NULL;
    tt_study_kind kind = tt_study_target(target, &path, &study);
    if (kind == TT_STUDY_OPTUNA)
        fprintf(stderr, "tunetop %s: read-only: %s is an Optuna study; tunetop reads it "
                        "(tunetop %s, status, best, export, importance) and never writes it\n",
                cmd, path, path);
    free(path);
    free(study);
    return kind == TT_STUDY_OPTUNA ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

const char *cli_view_state(const cli_view *v)
{
    /* An Optuna study has no state of its own, and no tunetop runner:
     * say whose it is. */
    if (v->study.optuna)
        return "optuna";
    /* A study recorded running whose runner is gone is not running. */
    if (v->study.runner_pid == 0 &&
        (v->study.info.state == TT_STUDY_RUNNING || v->study.info.state == TT_STUDY_PAUSED))
        return "stopped";
    return tt_study_state_name(v->study.info.state);
}
