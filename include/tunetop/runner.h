/*
 * runner — the background process manager of one study: event loop,
 * executors, trial folders, file tailing, reconcile and commands.
 *
 * What a trial writes is turned into metric points by the ingest module
 * (tunetop/ingest.h); each trial runs under a shim (tunetop/shim.h).
 */
#ifndef TUNETOP_RUNNER_H
#define TUNETOP_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/util.h"

struct tt_diags;

/* ---- studies and the runner ------------------------------------------------ */

/* Create the study for a sweep file, or open the existing one: the folder
 * is dir when given, else ./tunetop-runs/<name> (name from the file, else
 * its stem). A changed sweep file becomes a new space version. Problems with
 * the file go to diags; other failures to err. On success *study_dir is a
 * malloc'd path (caller frees). */
int tt_study_prepare(const char *sweep_path, const char *dir, char **study_dir,
                     struct tt_diags *diags, tt_error *err);
/* 0 when the study folder and its trials/ belong to us (trials/ a real
 * folder, not a symlink); else -TT_ERR_INVALID with err saying whose. */
int tt_study_check_owner(const char *study_dir, tt_error *err);
/* Whether path is a study folder (holds study.db). */
bool tt_study_is_dir(const char *path);
/* Pid of the runner holding the study's lock: 0 when none is alive, -1 when
 * one is but has not written its pid yet. */
long tt_study_runner_pid(const char *study_dir);

typedef struct tt_runner_opts {
    const char *study_dir;
    FILE *progress;       /* one line per trial state change; NULL = quiet */
} tt_runner_opts;

/* Run the study until it finishes, is stopped, or a signal asks the runner
 * to leave (SIGTERM/SIGHUP: trials keep running and are re-adopted by the
 * next runner; SIGINT: stop now). Returns 0, or a negative code with err
 * filled (lock held by another runner, unreadable study, ...). */
int tt_runner_run(const tt_runner_opts *opts, tt_error *err);

#endif
