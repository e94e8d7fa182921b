/*
 * config — a sweep file (W&B sweep YAML, tunetop extensions, or an NNI
 * search_space.json) turned into a tt_space and a tt_sweep spec.
 *
 * Loading never stops at the first problem: every error and warning found in
 * one pass is collected as a tt_diag with the file, line and column of the
 * node it is about, the dotted key path, and what was expected and found.
 * Unknown keys are warnings with a "did you mean". A sweep with any error is
 * not returned.
 *
 * config sits above the pure modules it fills: the sweep's pruning options
 * are the pruner's own types (pruner.h, with their defaults), the method
 * and goal come from vocab.h, and which methods this build implements is
 * asked of the sampler (sampler.h, in sweep.c only).
 */
#ifndef TUNETOP_CONFIG_H
#define TUNETOP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tunetop/pruner.h" /* tt_pruner_spec, tt_early_terminate: the pruner's options */
#include "tunetop/space.h"
#include "tunetop/util.h"
#include "tunetop/vocab.h"

typedef enum tt_severity { TT_DIAG_ERROR, TT_DIAG_WARNING } tt_severity;

typedef struct tt_diag {
    tt_severity severity;
    char *file;
    int line, col;        /* 1-based; 0 when the problem has no position */
    char *path;           /* "parameters.lr.min"; "" for the document */
    char *message;        /* "expected a number, found 'abc'" */
} tt_diag;

typedef struct tt_diags {
    tt_diag *items;
    size_t n, cap;
    size_t n_errors, n_warnings;
} tt_diags;

void tt_diags_add(tt_diags *d, tt_severity sev, const char *file, int line, int col,
                  const char *path, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Writes each as "FILE:LINE:COL: error: PATH: MESSAGE", in file order. */
void tt_diags_print(const tt_diags *d, FILE *out);
void tt_diags_free(tt_diags *d);

typedef enum tt_sweep_format { TT_FORMAT_WANDB, TT_FORMAT_NNI } tt_sweep_format;

typedef enum tt_summary { TT_SUMMARY_LAST, TT_SUMMARY_BEST } tt_summary;

typedef struct tt_metric_spec {
    char *name;           /* NULL when the file names no metric */
    tt_goal goal;
    bool has_target;
    double target;
    tt_summary summary;
} tt_metric_spec;

typedef enum tt_executor_kind { TT_EXECUTOR_LOCAL, TT_EXECUTOR_SLURM } tt_executor_kind;

typedef struct tt_executor_spec {
    tt_executor_kind kind;
    char *partition, *time, *mem, *gres, *account, *qos; /* NULL when absent */
    long cpus_per_task;      /* 0 when absent */
    char **sbatch_args;
    size_t n_sbatch_args;
} tt_executor_spec;

typedef struct tt_sweep {
    char *path;              /* as given to tt_sweep_load */
    tt_sweep_format format;
    char *name, *description, *project, *entity;
    char *program;
    char **command;          /* tokens, macros unexpanded; NULL = W&B default */
    size_t n_command;
    bool shell;              /* run command through /bin/sh (values quoted) */
    tt_method method;
    tt_metric_spec metric;
    char **metrics;          /* extra metric names to collect */
    tt_goal *metric_goals;   /* parallel to metrics: each one's `goal`, or the
                                one its name suggests (tt_sweep_metric_goal) */
    size_t n_metrics;
    tt_space *space;
    tt_early_terminate early_terminate;
    tt_pruner_spec pruner;
    tt_executor_spec executor;
    long run_cap;            /* 0 = unlimited */
    long parallel;           /* default 1 */
    bool has_seed;
    uint64_t seed;
    double trial_timeout;    /* seconds; 0 = none */
    double time_budget;      /* seconds; 0 = none */
    long retries;            /* default 0 */
    long repeats;            /* runs per fold (default 1) */
    long folds;              /* default 0 (no folds); a trial is folds x repeats runs */
    long max_consecutive_failures; /* stop the sweep after this many failed trials in
                                      a row; 0 = never; -1 (default): when the first 5
                                      all fail, or 10 in a row later */
    char **devices;          /* GPU ids, one per slot */
    size_t n_devices;
} tt_sweep;

/* Load and validate a sweep file. Problems go to diags (never NULL). Returns
 * the sweep (caller frees with tt_sweep_free) when there is no error, else
 * NULL. The format (W&B YAML or NNI JSON) is detected from the content. */
tt_sweep *tt_sweep_load(const char *path, tt_diags *diags);
/* Same, from text already in memory; name is used in messages. */
tt_sweep *tt_sweep_load_text(const char *name, const char *text, size_t len,
                             tt_diags *diags);
void tt_sweep_free(tt_sweep *s);

/* Which way metric name is better, for whatever picks its "best": the
 * objective's goal for the objective, the declared goal of an extra metric
 * (`metrics: [{name, goal}]`), else the one its name suggests: maximize for
 * accuracy-like names (acc, accuracy, auc, f1, precision, recall, iou, map,
 * r2, score, reward, … as a word of the name: val_acc, top1_accuracy,
 * valAcc, mAP50), minimize otherwise and whenever a loss-like word is there
 * too (loss, error, mse, …: acc_loss). sweep may be NULL (the name alone). */
tt_goal tt_sweep_metric_goal(const tt_sweep *sweep, const char *name);

/* Why sw cannot replace old in a study that has trials — its objective
 * (metric.name or goal) differs, so stored values would mean something
 * else — as a malloc'd message; NULL when it can. */
char *tt_sweep_objective_change(const tt_sweep *old, const tt_sweep *sw);

/* Parameters given as text (a JSON or YAML mapping of flattened names to
 * values, as `enqueue` sends them) into out (sized to space->n). Every
 * active parameter needs a value the space can produce; unknown names and
 * out-of-range values are errors. */
int tt_config_parse_params(const tt_space *space, const char *text, tt_assignment *out,
                           tt_error *err);

/* Parse a duration: a number of seconds, or "90s", "10m", "1h30m", "2d".
 * Returns -1 when text is not a duration. */
double tt_parse_duration(const char *text);

/* A narrowing of one parameter of a search space (`tunetop narrow`): a
 * smaller range of a numeric parameter (min and/or max, in the values the
 * trial sees, also for a log_uniform written in exponents), a subset of a
 * categorical's values, or one value (pin). Values are given as text, as
 * typed; exactly one kind of change per request. */
typedef struct tt_narrow {
    const char *param;       /* flattened name ("optimizer.lr") */
    const char *min, *max;   /* NULL when not given */
    const char *const *values;
    size_t n_values;         /* 0 when not given */
    const char *pin;         /* NULL when not given */
} tt_narrow;

/* The sweep file text (named name in messages) with req applied: only that
 * parameter's mapping changes (a pin becomes `value: V`, W&B's constant),
 * the rest of the text, comments included, stays byte for byte. The result
 * is checked with the loader: it must load, with every other parameter
 * unchanged. Returns the new text (caller frees), or NULL with err filled
 * (-TT_ERR_INVALID): an invalid file, an unknown parameter (the known ones
 * listed), a change of the wrong kind for the parameter, a value that is
 * not a number or not one of its values, a widening (the old range named). */
char *tt_sweep_narrow(const char *name, const char *text, size_t len, const tt_narrow *req,
                      tt_error *err);

#endif
