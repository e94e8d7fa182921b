/*
 * study — the study folder (docs/architecture.md, "The study folder"): its
 * layout, who may use it and with which modes, the runner's lock, creating
 * or updating a study from a sweep file, and the one reader of a study that
 * the CLI's read-only commands and the dashboard share.
 *
 * It sits above store and config and below runner, ui and cli. Every path
 * inside a study folder is built here, so the layout has one owner: the
 * runner, the dashboard and the CLI ask for study.db, runner.lock or
 * trials/N instead of spelling them. The dashboard learns from here (never
 * from the runner) whether a folder is a study and whether its runner is
 * alive.
 */
#ifndef TUNETOP_STUDY_H
#define TUNETOP_STUDY_H

#include <stdbool.h>
#include <stddef.h>

#include "tunetop/config.h"
#include "tunetop/optuna.h"
#include "tunetop/store.h"
#include "tunetop/util.h"

/* ---- layout (paths.c) -------------------------------------------------------
 * Each returns a malloc'd path under study_dir (caller frees). */

/* Where studies go when no folder is given: ./tunetop-runs/<name>/ (and
 * where the picker looks for them). */
#define TT_STUDY_RUNS_DIR "tunetop-runs"

char *tt_study_db_path(const char *study_dir);        /* study.db */
char *tt_study_lock_path(const char *study_dir);      /* runner.lock */
char *tt_study_log_path(const char *study_dir);       /* runner.log */
char *tt_study_sweep_path(const char *study_dir, long version); /* sweep-vK.yaml */
char *tt_study_trials_dir(const char *study_dir);     /* trials */
char *tt_study_trial_dir(const char *study_dir, long trial); /* trials/N */
/* The folder of one run of a trial of several (`folds`, `repeats`):
 * trials/N/fold-F, trials/N/repeat-R or trials/N/fold-F-repeat-R. */
char *tt_study_run_dir(const char *study_dir, long trial, int folds, int repeats, int run);
/* trials/.unrecorded: trial folders set aside (docs/reliability.md). */
char *tt_study_unrecorded_dir(const char *study_dir);

/* Whether path is a study folder (holds study.db). */
bool tt_study_is_dir(const char *path);
/* When the study last changed as far as its files tell (the newer mtime of
 * study.db and its WAL), in Unix seconds; 0 when neither can be read. */
double tt_study_modified(const char *study_dir);
/* study_dir's study.db opened in mode (tt_store_open's errors). */
tt_store *tt_study_open_store(const char *study_dir, tt_store_mode mode, tt_error *err);

/* ---- modes and owner (modes.c) ---------------------------------------------
 * Modes of what tunetop creates in a study (folders, study.db, logs, trial
 * files): 0700 and 0600 — readable by their owner only, whatever the umask
 * — unless TUNETOP_SHARED=1 is in the environment, when they are 0777 and
 * 0666 and the umask decides (umask 027: group-readable). */
bool tt_study_shared(void);
unsigned tt_study_dir_mode(void);
unsigned tt_study_file_mode(void);
/* 0 when the study folder and its trials/ belong to us (trials/ a real
 * folder, not a symlink); else -TT_ERR_INVALID with err saying whose. */
int tt_study_check_owner(const char *study_dir, tt_error *err);

/* ---- the runner's lock (lock.c) --------------------------------------------
 * runner.lock is flocked for the runner's lifetime, so "is the sweep alive"
 * is "is the lock held"; it holds the runner's pid once its study is open. */

/* Take the lock: its fd (held until closed), or a negative code with err
 * filled ("a runner is already running for DIR (pid N)…" when another
 * holds it). The file is emptied: no pid until tt_study_lock_announce. */
int tt_study_lock(const char *study_dir, tt_error *err);
/* Write our pid into the held lock (fd from tt_study_lock). */
int tt_study_lock_announce(int fd, tt_error *err);
/* Pid of the runner holding the study's lock: 0 when none is alive, -1 when
 * one is but has not written its pid yet. */
long tt_study_runner_pid(const char *study_dir);

/* ---- creating a study (prepare.c) ------------------------------------------ */

/* Create the study for a sweep file, or open the existing one: the folder
 * is dir when given, else ./tunetop-runs/<name> (name from the file, else
 * its stem). A changed sweep file becomes a new space version. Problems with
 * the file go to diags; other failures to err. On success *study_dir is a
 * malloc'd path (caller frees). */
int tt_study_prepare(const char *sweep_path, const char *dir, char **study_dir,
                     tt_diags *diags, tt_error *err);

/* ---- changing the search space (save.c) ------------------------------------
 * A study's space changes one way, whoever changes it (the dashboard's
 * editor, `tunetop narrow`): the study's sweep file is written, then the
 * runner is asked to `reload` it; the runner validates it and records the
 * next space version (sweep-vK.yaml). */

/* The sweep file the study was created from (its row's sweep_path, made
 * absolute with its working folder); NULL when the row names none. The
 * caller frees. */
char *tt_study_sweep_file(const tt_study_info *info);
/* Write text to path atomically: a temporary file in the same folder with
 * the old file's mode (0666 & ~umask for a new one), fsync, the old file
 * kept as PATH~, rename over path (a symlink's target is written, the link
 * kept). Returns 0, or -TT_ERR_IO with err filled. */
int tt_study_write_sweep(const char *path, const char *text, size_t len, tt_error *err);
/* tt_study_write_sweep, then a `reload` row in st's commands (st may be a
 * reader's: readers may write commands). The live runner takes it at its
 * next tick; with none alive, the next runner to start does. An invalid
 * text is written too: the runner refuses it and keeps its space, so ask
 * before saving one. Returns the command's id (> 0, for its answer:
 * tt_store_get_command_result), or a negative code with err filled. */
int64_t tt_study_save_sweep(tt_store *st, const char *path, const char *text, size_t len,
                            tt_error *err);
/* Narrow one parameter of the study (narrow.c; `tunetop narrow`, the
 * dashboard's slice view): the study's sweep file, which must be the space
 * version info records or one saved for the next runner (a pending
 * reload), narrowed by tt_sweep_narrow, then tt_study_save_sweep. *path
 * gets the sweep file written (caller frees; NULL on failure). Returns the
 * reload command's id, or a negative code with err filled (the refusal's
 * words: an edited file, an unknown parameter, a widening…). */
int64_t tt_study_narrow(tt_store *st, const tt_study_info *info, const tt_narrow *req,
                        char **path, tt_error *err);
/* tt_study_narrow of several parameters at once (the contour view narrows
 * both of its axes): reqs[0..n) applied in turn to the text, each checked
 * as tt_sweep_narrow checks one, the result written and reloaded once —
 * one new space version. Any refusal writes nothing. */
int64_t tt_study_narrow_many(tt_store *st, const tt_study_info *info, const tt_narrow *reqs,
                             size_t n, char **path, tt_error *err);

/* ---- what a target names (target.c) ----------------------------------------
 * A reader opens a study folder or an Optuna database (read through the
 * optuna module's mirror): `DIR`, `DIR/study.db` (the folder's own
 * database: the folder), `FILE` or `sqlite:///FILE` (an Optuna file, told
 * apart from a tunetop study.db by its tables), each optionally followed
 * by `#STUDY` (the Optuna study to read, when the file has several; the
 * CLI's --study). */
typedef enum tt_study_kind {
    TT_STUDY_NONE,        /* neither (missing, another file, another database) */
    TT_STUDY_FOLDER,
    TT_STUDY_OPTUNA
} tt_study_kind;

/* *path: the folder or the Optuna file the target names (for NONE: the
 * target without sqlite:/// and #STUDY); *study: the name after '#', or
 * NULL. Both malloc'd (caller frees). */
tt_study_kind tt_study_target(const char *target, char **path, char **study);
/* "TARGET#STUDY" (study NULL: the target itself); caller frees. */
char *tt_study_target_with(const char *target, const char *study);

/* ---- reading a study (reader.c) --------------------------------------------
 * What every reader of a study needs, read incrementally: the study row,
 * the newest sweep version (for the objective's name and goal), trial rows
 * changed since the last read (by seq), and whether its runner is alive.
 * `status`, `best`, `export` and `importance` read once from a snapshot;
 * the dashboard polls the same reader. Metric points, events and the rest
 * are read through store with the reader's store.
 *
 * On an Optuna file the store is the optuna module's in-memory mirror,
 * synced by every poll; there is no runner (runner_pid stays 0), nothing
 * may be written (check `optuna` before sending commands or saving a
 * sweep file), and trial numbers are shown as Optuna shows them, from 0
 * (tt_store_shown_number). */
typedef struct tt_study_reader {
    char *dir;              /* the study folder, or the Optuna file */
    tt_store *store;
    tt_optuna *optuna;      /* an Optuna study's mirror; NULL for a tunetop study */
    tt_study_info info;     /* as of the last tt_study_reader_poll */
    tt_sweep *sweep;        /* newest version that loads; NULL while none does */
    long sweep_version;     /* the study's space version when sweep was last read */
    const char *metric;     /* objective name (borrowed from sweep; "value" when none) */
    tt_goal goal;           /* minimize when the sweep does not say */
    long last_seq;          /* trial rows read up to this seq */
    long runner_pid;        /* 0 = none alive, -1 = starting (tt_study_reader_runner) */
} tt_study_reader;

/* What tt_study_reader_poll found changed (a bit mask). */
enum {
    TT_STUDY_READ_INFO = 1,   /* the study row: first read, state, version, time, reason */
    TT_STUDY_READ_SWEEP = 2   /* a newer sweep version was loaded */
};

/* Open the study a target names (tt_study_target) for reading, a folder's
 * store in mode (TT_STORE_READ or TT_STORE_SNAPSHOT). Returns 0, or a
 * negative code with err filled ("DIR is not a tunetop study (no study.db
 * in it)", "FILE is neither a tunetop study nor an Optuna database (…)",
 * the optuna module's words on studies and revisions, or the store's). */
int tt_study_reader_open(tt_study_reader *r, const char *dir, tt_store_mode mode,
                         tt_error *err);
void tt_study_reader_close(tt_study_reader *r);
/* Read the study row again, and the newest sweep when the study's space
 * version moved (or none has loaded yet; one that no longer loads keeps
 * the previous sweep). Returns a TT_STUDY_READ_* mask, or a negative code. */
int tt_study_reader_poll(tt_study_reader *r, tt_error *err);
/* The trial rows changed since the last call (all of them on the first),
 * appended to *rows as tt_store_trials_since does; with limit > 0 at most
 * that many, the rest on the next calls. */
int tt_study_reader_trials(tt_study_reader *r, size_t limit, tt_trial_record **rows, size_t *n,
                           size_t *cap, tt_error *err);
/* Look at the runner's lock again: r->runner_pid, which it returns. */
long tt_study_reader_runner(tt_study_reader *r);

#endif
