/*
 * cli — private interface between main.c and the subcommands. Each command
 * takes argc/argv after its own name and returns the process exit status:
 * 0 ok, 1 the request failed, 2 usage error. Only this module prints to the
 * user and picks exit codes.
 */
#ifndef TUNETOP_CLI_H
#define TUNETOP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tunetop/config.h"
#include "tunetop/store.h"
#include "tunetop/study.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;   /* one line for `tunetop --help` */
    const char *help;       /* full text for `tunetop help NAME` */
} cli_command;

/* The table of subcommands, terminated by a zero entry. */
extern const cli_command cli_commands[];

const cli_command *cli_find(const char *name);
void cli_print_usage(FILE *out);
/* Prints "tunetop NAME: MESSAGE" and a pointer to `tunetop help NAME`;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses a non-negative integer option value; returns -1 on garbage. */
long long cli_parse_count(const char *text);

/* A study opened for reading by status/best/export/importance: the study
 * module's reader (from a snapshot) and every trial. */
typedef struct cli_view {
    tt_study_reader study;    /* dir, store, info, sweep, metric, goal, runner_pid */
    /* cli_view_open: every trial, by number. cli_view_open_summary: the
     * best ones, best first, then the running ones (from n_best on). */
    tt_trial_record *trials;
    size_t n_trials, cap_trials;
    /* cli_view_open_summary only: trials per state and in all; trials[0,
     * n_best) are the best. */
    long counts[TT_TRIAL_STATE_COUNT];
    long total;
    size_t n_best;
} cli_view;

/* Opens dir — a study folder, its study.db, or an Optuna file (study: the
 * --study NAME given, or NULL) — or prints why not; returns CLI_EXIT_OK or
 * CLI_EXIT_FAIL. */
int cli_view_open(const char *dir, const char *study, cli_view *v, bool quiet);
/* The same without reading every trial (`status`, `best`: under 100 ms at
 * 100,000 trials, issue 18): the counts, the best_k best trials and the
 * running ones, by query. */
int cli_view_open_summary(const char *dir, const char *study, cli_view *v, bool quiet,
                          size_t best_k);
/* A trial's number as the user knows it (Optuna's from 0). */
long cli_view_number(const cli_view *v, long number);
/* `--study NAME` or `--study=NAME` at argv[*i]: 1 with *study set (and *i
 * past the value), 0 when argv[*i] is something else, or -1 after printing
 * the usage error (return CLI_EXIT_USAGE). */
int cli_study_option(const char *cmd, int argc, char **argv, int *i, const char **study);
/* Commands that write a study refuse an Optuna file: prints "tunetop
 * CMD: read-only: …" and returns CLI_EXIT_FAIL when target is one, else
 * CLI_EXIT_OK. */
int cli_refuse_optuna(const char *cmd, const char *target);
void cli_view_close(cli_view *v);
/* running|paused|stopped|finished, seen from outside the runner. */
const char *cli_view_state(const cli_view *v);

/* Start the study's runner as a daemon (detach.c); waits until it holds
 * the study's lock. Prints nothing. Returns 0 with *pid set, or negative
 * with err filled (with what it wrote to runner.log when it died at once;
 * -TT_ERR_EXHAUSTED when it left because the study is finished), or
 * CLI_RUNNER_ELSEWHERE with *pid set to the runner that holds the lock
 * when another one got the study first (two starts at once). */
enum { CLI_RUNNER_ELSEWHERE = 1 };
/* Ask dir's live runner to do kind (with arg, may be NULL) and wait
 * (≤ 10 s) for its answer, printed as "DIR: kind[: what it did]" or, when
 * refused, as "tunetop NAME: why" on stderr. Returns an exit status. */
int cli_ask_runner(const char *name, const char *dir, const char *kind, const char *arg);
/* The waiting half of cli_ask_runner: command id, already in st, sent to
 * the runner pid; prints its answer the same way. */
int cli_wait_answer(const char *name, const char *dir, tt_store *st, int64_t id, long pid,
                    const char *kind, const char *arg);

int cli_start_runner(const char *dir, long *pid, tt_error *err);
/* 0 when dir's study.db holds a study (or cannot be read: the caller's
 * own open says why); else -TT_ERR_INVALID with err saying how to make
 * it one (`tunetop run SWEEP.yaml --dir DIR`). */
int cli_study_ready(const char *dir, tt_error *err);

/* The dashboard: `tunetop SWEEP.yaml | DIR | (nothing)` (cmd_dashboard.c).
 * argv holds everything after the program name. */
int cli_cmd_dashboard(int argc, char **argv);

int cli_cmd_validate(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_status(int argc, char **argv);
int cli_cmd_best(int argc, char **argv);
int cli_cmd_export(int argc, char **argv);
int cli_cmd_importance(int argc, char **argv);
int cli_cmd_stop(int argc, char **argv);
int cli_cmd_pause(int argc, char **argv);
int cli_cmd_resume(int argc, char **argv);
int cli_cmd_kill(int argc, char **argv);
int cli_cmd_gc(int argc, char **argv);
int cli_cmd_narrow(int argc, char **argv);
int cli_cmd_suggest(int argc, char **argv);
int cli_cmd_plot(int argc, char **argv);
int cli_cmd_help(int argc, char **argv);

#endif
