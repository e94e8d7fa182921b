/*
 * Helpers for end-to-end tests that drive the real tunetop binary
 * ($TUNETOP_BIN) from the repository root ($TUNETOP_ROOT), the way a user
 * or a script would: run it, read what it prints, look at the study.
 */
#ifndef TUNETOP_TESTS_E2E_H
#define TUNETOP_TESTS_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct e2e_result {
    int status;       /* exit status, or 128+signal, or -1 on timeout */
    char *out, *err;  /* everything written to stdout / stderr */
} e2e_result;

/* The binary under test and the repository root (from the environment,
 * defaulting to ./tunetop and .). */
const char *e2e_bin(void);
const char *e2e_root(void);
/* Run argv (argv[0] = "tunetop" means the binary under test) from the
 * repository root, with a time limit in seconds. */
e2e_result e2e_run(const char *const *argv, double timeout_s);
void e2e_result_free(e2e_result *r);
/* The last part of a long text, for assertion messages (Check refuses
 * messages of more than a few KB). Borrowed pointer into text. */
const char *e2e_tail(const char *text);
/* A fresh temporary folder (caller frees the path). */
char *e2e_tmpdir(void);
/* Write text to path. */
void e2e_write(const char *path, const char *text);
/* Write text to path as a program (mode 0700). */
void e2e_write_exec(const char *path, const char *text);
/* The text of dir/leaf (caller frees), NULL when it cannot be read. */
char *e2e_read(const char *dir, const char *leaf);
/* Whether path exists. */
bool e2e_exists(const char *path);
/* Remove a folder tree. */
void e2e_rmtree(const char *path);
/* Sleep for seconds. */
void e2e_sleep(double seconds);
/* Run SQL on a study database and return the first column of the first
 * row as text (caller frees; NULL when no row). */
char *e2e_sql(const char *db, const char *sql);
/* Integer result of e2e_sql. */
long e2e_sql_long(const char *db, const char *sql);
/* The same on the study in folder study (its study.db). */
char *e2e_study_sql(const char *study, const char *sql);
long e2e_study_long(const char *study, const char *sql);
/* Polls until e2e_study_long(study, sql) == want; false after timeout s. */
bool e2e_wait_study(const char *study, const char *sql, long want, double timeout);
/* `tunetop status STUDY --json`, asserted to succeed (caller frees). */
char *e2e_status_json(const char *study);
/* Polls until the study has n trials in state (NULL: in any state); false
 * after timeout s. */
bool e2e_wait_trials(const char *study, const char *state, long n, double timeout);
/* The text of trial n's file leaf in the study (caller frees), NULL when it
 * cannot be read. */
char *e2e_trial_file(const char *study, long n, const char *leaf);

/* ---- runner fixtures ---- */

/* A fresh temporary folder tmp holding the sweep file tmp/sweep.yaml and
 * the place tmp/study of its study. */
typedef struct e2e_sweep {
    char *tmp, *sweep, *study;
} e2e_sweep;
/* A new e2e_sweep whose sweep file holds text (not written when NULL). */
e2e_sweep e2e_sweep_new(const char *text);
/* Removes the temporary folder and frees the paths. */
void e2e_sweep_free(e2e_sweep *w);
/* `tunetop run SWEEP --dir STUDY` (study NULL: `tunetop run SWEEP`) in the
 * foreground, until it ends or timeout s pass. */
e2e_result e2e_run_sweep(const char *sweep, const char *study, double timeout);
/* e2e_run_sweep asserted to exit 0 (its output is dropped). */
void e2e_run_sweep_ok(const char *sweep, const char *study, double timeout);
/* `tunetop run SWEEP --dir STUDY --detach` (study NULL: without --dir),
 * asserted to succeed and to name the runner: its pid. */
pid_t e2e_start_detached(const char *sweep, const char *study);
/* `tunetop stop STUDY --now`: its exit status. */
int e2e_stop_now(const char *study);
/* e2e_stop_now, then asserts that no trial is running within 20 s. */
void e2e_stop_now_and_wait(const char *study);

#endif
