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
