/*
 * ui — the ncurses dashboard. A reader of one study's store (incremental:
 * rowid/seq > last seen) that sends commands to the runner through the
 * store's command table; it never writes trial data and never waits on the
 * runner, so closing it (or losing the SSH session) never touches a sweep.
 */
#ifndef TUNETOP_UI_H
#define TUNETOP_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "tunetop/util.h"

/* Starts a runner for study_dir, detached from the terminal (the CLI owns
 * processes: see src/cli/detach.c). Returns 0 or negative with err filled;
 * must not print. */
typedef int (*tt_ui_start_runner_fn)(const char *study_dir, long *pid, tt_error *err);

/* Studies the dashboard compares at most (its own included). */
#define TT_UI_COMPARE_MAX 8

typedef struct tt_ui_opts {
    const char *study_dir;   /* the study to show; NULL = pick one under runs_dir */
    const char *runs_dir;    /* where the picker looks; NULL = ./tunetop-runs */
    const char *sweep_path;  /* the file `e` edits; NULL = the study's own */
    const char *theme;       /* theme name or path; NULL = config/default */
    double refresh_hz;       /* 0 = config or 2 */
    bool ascii;              /* force ASCII charts (else from the locale) */
    tt_ui_start_runner_fn start_runner;   /* for `R`; NULL = not offered */
    /* More studies for the compare view (`tunetop DIR1 DIR2 …`), read-only
     * beside study_dir; at most TT_UI_COMPARE_MAX - 1, none twice. */
    const char *const *compare_dirs;
    size_t n_compare;
} tt_ui_opts;

typedef struct tt_ui_result {
    bool stopped;            /* the user stopped the sweep (Q) */
    bool hangup;             /* the terminal went away (SIGHUP) */
    bool interrupted;        /* SIGINT/SIGTERM */
    char study_dir[4096];    /* the study shown last ("" when none) */
    char state[16];          /* its state when the dashboard closed */
} tt_ui_result;

/* Run the dashboard until the user detaches (q) or stops the sweep (Q).
 * The terminal is restored on every exit path, crashes included. Returns
 * 0, or a negative code with err filled (not a terminal, terminal too
 * small or unable to run it, unreadable study). res may be NULL. */
int tt_ui_run(const tt_ui_opts *opts, tt_ui_result *res, tt_error *err);

#endif
