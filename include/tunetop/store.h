/*
 * store — a study's SQLite database (study.db, WAL mode): the study, every
 * version of its sweep file, trials and their parameters, metric points,
 * events, commands from the dashboard/CLI to the runner, and importance
 * results.
 *
 * One writer (the runner) batches each tick's writes into one transaction
 * (tt_store_begin/commit). Readers (dashboard, `status`, `export`) open the
 * same file read-only and read incrementally by `rowid > last seen` (metrics,
 * events) or `seq > last seen` (trials: every change to a trial row takes a
 * new value of a study-wide sequence), so a reader never re-reads what it
 * has and never blocks the runner. Only the command table is written by
 * readers (tt_store_add_command).
 *
 * The schema carries a version (PRAGMA user_version); opening an older
 * database migrates it forward in one transaction, and a newer one is
 * refused with a message saying which tunetop wrote it.
 *
 * Trial states are stored as their names from vocab.h (tt_trial_state_name),
 * the one table of them, which is why those names never change. The store
 * knows no other module: it includes util.h and vocab.h only.
 */
#ifndef TUNETOP_STORE_H
#define TUNETOP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tunetop/util.h"
#include "tunetop/vocab.h"

#define TT_STORE_SCHEMA_VERSION 2

typedef struct tt_store tt_store;

typedef enum tt_store_mode {
    TT_STORE_READ,        /* readers; never writes, except commands (the
                             connection is read-write when the file allows,
                             read-only otherwise; other writes are refused) */
    TT_STORE_WRITE,       /* the runner; fails if the file is not writable */
    TT_STORE_CREATE,      /* like WRITE, creating the file (mode 0600) */
    TT_STORE_SNAPSHOT,    /* a one-shot reader (status, best, export): READ,
                             and when the filesystem refuses the -shm file a
                             WAL reader needs (a full disk, no runner alive
                             to hold it) it reads under an exclusive lock
                             without shared memory instead. Close it soon:
                             that lock keeps a runner from writing. */
    TT_STORE_MEMORY       /* a private in-memory database (path ":memory:"
                             by convention; no file is touched): a mirror of
                             another tool's study (the optuna module), written
                             through this API and read like any study */
} tt_store_mode;

typedef enum tt_study_state {
    TT_STUDY_RUNNING,
    TT_STUDY_PAUSED,
    TT_STUDY_STOPPED,     /* stopped by the user, may be resumed */
    TT_STUDY_FINISHED     /* budget, run_cap or grid exhausted */
} tt_study_state;

typedef struct tt_study_info {
    char *name;
    char *sweep_path;     /* the file the study was created from */
    char *workdir;        /* where trials run (the creator's cwd); may be NULL */
    double created_at;    /* Unix seconds */
    tt_study_state state;
    long space_version;   /* newest version in `spaces` */
    double elapsed_s;     /* runner time accumulated over all sessions */
    char *stop_reason;    /* why it ended ("run_cap reached"…); NULL while it runs */
} tt_study_info;

/* Bytes of a trial's stdout.log, stderr.log and metrics.csv already
 * ingested, saved so a restarted runner resumes tailing where it stopped. */
#define TT_STORE_N_OFFSETS 3

/* One trial row. Strings and arrays are owned by the record
 * (tt_trial_record_clear). Times are Unix seconds, 0 when not yet. */
typedef struct tt_trial_record {
    long number;
    int attempt;          /* 1 for the first run; +1 per retry */
    long space_version;
    tt_trial_state state;
    double value;         /* objective (the mean over its runs); NAN when none */
    double value_std;     /* standard deviation over its runs; NAN for one run */
    int folds, repeats;   /* its runs: max(folds, 1) x repeats (0 and 1: one run) */
    char *reason;         /* why it ended; NULL while running */
    double queued_at, started_at, finished_at;
    long pid;             /* shim pid; 0 when none */
    uint64_t pid_start;   /* shim start time (/proc/PID/stat field 22) */
    char *job_id;         /* Slurm job id; NULL for local trials */
    long last_step;       /* highest metric step seen; -1 when none */
    long seq;             /* study-wide change sequence of this row */
    uint64_t offsets[TT_STORE_N_OFFSETS];   /* 0 for a new attempt */
    size_t n_params;
    char **param_names;   /* flattened names, in space order */
    char **param_text;    /* the text given to the trial ("" = inactive) */
    double *param_x;      /* tt_assignment.x (category index for categorical) */
    bool *param_active;
    void *param_block;    /* records the store reads: all four arrays and every
                             name and text live in this one allocation (a runner
                             keeps 100,000 of them); NULL when the caller
                             allocated them one by one */
} tt_trial_record;

typedef struct tt_metric_point {
    int64_t rowid;
    long trial;
    int attempt;
    int run;              /* which run of the trial (folds x repeats); 0 for one */
    long step;
    const char *name;     /* borrowed: valid during the callback only */
    double value;
    double t;
} tt_metric_point;

typedef struct tt_event {
    int64_t id;
    double t;
    long trial;           /* -1 when the event is about the study */
    const char *kind;     /* "state", "reload", "error", "runner", … */
    const char *message;
} tt_event;

typedef struct tt_command {
    int64_t id;
    double t;
    char *kind;           /* pause, resume, stop, stop_now, kill, parallel,
                             reload, enqueue */
    char *arg;            /* trial number, N, JSON params; NULL when none */
} tt_command;

/* Open (or create) the database at path. Returns NULL and fills err when
 * the file is missing (READ/WRITE), unreadable, not a tunetop study, or
 * from a newer schema. WRITE/CREATE give an empty file the schema; an older
 * schema is migrated in one transaction. Values: NaN is stored as NULL and
 * read back as NAN; infinities round-trip. */
tt_store *tt_store_open(const char *path, tt_store_mode mode, tt_error *err);
/* Rolls back an open transaction, then closes. NULL is a no-op. */
void tt_store_close(tt_store *st);
/* The path given to tt_store_open (borrowed). */
const char *tt_store_path(const tt_store *st);

/* Trial numbers as the user sees them. The store numbers trials 1, 2, …;
 * a mirror of a tool that numbers from 0 (Optuna) sets first = 0 on its
 * connection, and exports and tt_store_shown_number then show number - 1 +
 * first, so `export`, `status` and the dashboard say what that tool says.
 * The default is 1 (numbers shown as stored). */
void tt_store_set_first_number(tt_store *st, long first);
long tt_store_shown_number(const tt_store *st, long number);
/* Write a whole trial row as given — number (>= 1), attempt, space_version,
 * state, value, reason, queued/started/finished times, last_step and the
 * parameters (names, text, x, active) — replacing the row and parameters
 * that number had; the row takes a new seq. For mirrors of another tool's
 * study (the optuna module), whose trials arrive whole rather than through
 * the runner's state changes. Atomic, also inside a transaction. */
int tt_store_put_trial(tt_store *st, const tt_trial_record *r, tt_error *err);

/* One transaction around a tick's writes (in READ mode: one read snapshot).
 * Nested calls are counted; the outermost commit writes. When a write fails
 * with SQLite abandoning the transaction (disk full, I/O error), the rest of
 * the transaction and its commit fail with that cause: call rollback. */
int tt_store_begin(tt_store *st, tt_error *err);
int tt_store_commit(tt_store *st, tt_error *err);
/* Undoes the whole (outermost) transaction and resets the nesting. */
int tt_store_rollback(tt_store *st);

/* Study row: set at creation (again: renames, keeps history; workdir may be
 * NULL); state and elapsed are updated. */
int tt_store_init_study(tt_store *st, const char *name, const char *sweep_path,
                        const char *workdir, tt_error *err);
int tt_store_get_study(tt_store *st, tt_study_info *out, tt_error *err);
void tt_study_info_clear(tt_study_info *info);
int tt_store_set_study_state(tt_store *st, tt_study_state state, tt_error *err);
int tt_store_add_elapsed(tt_store *st, double seconds, tt_error *err);
/* Why the study ended, in the user's words; cleared when it is set
 * running or paused again. */
int tt_store_set_stop_reason(tt_store *st, const char *reason, tt_error *err);
const char *tt_study_state_name(tt_study_state s);

/* Sweep-file versions. add returns the new version number (1, 2, …). */
long tt_store_add_space(tt_store *st, const char *path, const char *text, tt_error *err);
/* The text of a version (caller frees); version 0 = newest. */
char *tt_store_get_space(tt_store *st, long version, tt_error *err);

/* A new trial in state QUEUED (or RUNNING's predecessor) with its
 * parameters (x and active may be NULL: NAN / all active); returns its
 * number (1, 2, …) or a negative code. Atomic, also inside a transaction. */
long tt_store_add_trial(tt_store *st, long space_version, size_t n_params,
                        char *const *names, char *const *texts, const double *x,
                        const bool *active, tt_error *err);
/* State changes. Each bumps the row's seq. */
int tt_store_trial_started(tt_store *st, long number, long pid, uint64_t pid_start,
                           const char *job_id, tt_error *err);
int tt_store_trial_finished(tt_store *st, long number, tt_trial_state state, double value,
                            const char *reason, tt_error *err);
/* Back to QUEUED with attempt + 1 (a retry of an interrupted/failed trial),
 * clearing pid, times, value and reason; adds a "retry" event saying how
 * the previous attempt ended and why (reason). Old metrics keep their attempt. */
int tt_store_trial_retry(tt_store *st, long number, const char *reason, tt_error *err);
int tt_store_trial_set_value(tt_store *st, long number, double value, long last_step,
                             tt_error *err);
/* set_value plus the ingested offsets (TT_STORE_N_OFFSETS of them). */
int tt_store_trial_set_progress(tt_store *st, long number, double value, long last_step,
                                const uint64_t *offsets, tt_error *err);

/* The hot path (cheapest with points grouped by trial). Inside a
 * transaction the point is buffered in the connection and written with
 * others by one multi-row INSERT when the buffer fills, or at the latest
 * by the outermost commit; a rollback (or a close with the transaction
 * open) drops it, as it drops everything else of the transaction. Readers
 * see points only once committed, in the order they were added (this
 * connection's own metric reads and exports see them at once). Outside a
 * transaction the point is committed at once. Errors: no name or a NaN
 * time is refused (-TT_ERR_INVALID) and the transaction goes on; when
 * writing a batch fails (disk full, I/O error), the transaction is
 * abandoned like any failed write (see tt_store_begin), so the error may
 * come from this call or from the commit. */
int tt_store_add_metric(tt_store *st, long trial, int attempt, long step, const char *name,
                        double value, double t, tt_error *err);
/* The same for one run of a trial of several (run 0 is add_metric's). */
int tt_store_add_run_metric(tt_store *st, long trial, int attempt, int run, long step,
                            const char *name, double value, double t, tt_error *err);
/* trial < 0 for a study event; the time is now. */
int tt_store_add_event(tt_store *st, long trial, const char *kind, const char *message,
                       tt_error *err);

/* Runs: a trial of a sweep with `folds` or `repeats` is folds x repeats
 * runs of one configuration (run = fold x repeats + repetition). Each run
 * has a row per attempt of its trial once it has started; the trial row
 * holds the aggregate (value = mean, value_std). Every change to a run
 * bumps its trial's seq, so readers following trials see runs change. */
typedef struct tt_run_record {
    long trial;
    int attempt, run, fold, repeat;
    tt_trial_state state;  /* RUNNING until it ends */
    double value;          /* its summarised objective; NAN when none */
    char *reason;          /* why it ended; NULL while running */
    double started_at, finished_at;
    long pid;
    uint64_t pid_start;
    char *job_id;
    long last_step;
    uint64_t offsets[TT_STORE_N_OFFSETS];
} tt_run_record;

/* Runs of a trial with these folds and repeats: max(folds, 1) x repeats. */
int tt_runs_count(int folds, int repeats);
/* Run `run` of such a trial is fold run / repeats (-1 without folds) and
 * repetition run % repeats (-1 without repeats), and its label ("fold 2",
 * "repeat 1", "fold 2, repeat 1"). Its folder is the study module's
 * (tt_study_run_dir). */
int tt_run_fold(int folds, int repeats, int run);
int tt_run_repeat(int folds, int repeats, int run);
void tt_run_label(int folds, int repeats, int run, char *buf, size_t n);

int tt_store_run_started(tt_store *st, long trial, int attempt, int run, int fold, int repeat,
                         long pid, uint64_t pid_start, const char *job_id, tt_error *err);
int tt_store_run_finished(tt_store *st, long trial, int attempt, int run, tt_trial_state state,
                          double value, const char *reason, tt_error *err);
int tt_store_run_progress(tt_store *st, long trial, int attempt, int run, double value,
                          long last_step, const uint64_t *offsets, tt_error *err);
/* The runs of one attempt of a trial (attempt 0: every attempt), by
 * attempt then run; *rows malloc'd (free with tt_run_records_free). */
int tt_store_runs_of(tt_store *st, long trial, int attempt, tt_run_record **rows, size_t *n,
                     tt_error *err);
void tt_run_records_free(tt_run_record *rows, size_t n);
/* The standard deviation of a finished trial's value over its runs. */
int tt_store_trial_set_std(tt_store *st, long number, double std, tt_error *err);
/* The runs a trial is made of, set when its first run starts. */
int tt_store_trial_set_runs(tt_store *st, long number, int folds, int repeats, tt_error *err);

/* Readers. Trials with seq > since_seq, appended to *rows (grown with
 * tt_grow; *n and *cap updated) ordered by number. Pass 0 for all. With
 * limit > 0, only the limit rows of lowest seq: the next read resumes after
 * the highest seq returned (a dashboard loads 100,000 trials in slices). */
int tt_store_trials_since(tt_store *st, long since_seq, size_t limit, tt_trial_record **rows,
                          size_t *n, size_t *cap, tt_error *err);
int tt_store_get_trial(tt_store *st, long number, tt_trial_record *out, tt_error *err);
/* What a summary needs without reading every trial (`status` and `best` on
 * a study of 100,000 trials, issue 18): how many trials are in each state
 * (counts[state], *total all of them), one aggregate query. */
int tt_store_trial_counts(tt_store *st, long counts[TT_TRIAL_STATE_COUNT], long *total,
                          tt_error *err);
/* The best k completed trials with a finite value (lowest first when
 * minimising; ties: lower number first), appended to *rows like
 * tt_store_trials_since. */
int tt_store_best_trials(tt_store *st, tt_goal goal, size_t k, tt_trial_record **rows,
                         size_t *n, size_t *cap, tt_error *err);
/* The trials in one state, ordered by number, appended to *rows. */
int tt_store_trials_in_state(tt_store *st, tt_trial_state state, tt_trial_record **rows,
                             size_t *n, size_t *cap, tt_error *err);
void tt_trial_record_clear(tt_trial_record *r);
/* r's parameters in the shared form (vocab.h) that modules which must not
 * know the store take them in (importance: tt_importance_trial). Borrowed
 * from r: valid until r is cleared. */
tt_named_params tt_trial_record_params(const tt_trial_record *r);
/* Metric points with rowid > since (optionally of one trial; trial < 0 =
 * all), in rowid order; the callback returns non-zero to stop. */
int tt_store_metrics_since(tt_store *st, int64_t since, long trial,
                           int (*fn)(const tt_metric_point *p, void *ud), void *ud,
                           tt_error *err);
/* The points of one trial with rowid <= upto, in rowid order: with
 * tt_store_metrics_since(upto, …) after it, every point exactly once (the
 * dashboard reads a trial's curve when it is first shown, issue 18). */
int tt_store_metrics_upto(tt_store *st, long trial, int64_t upto,
                          int (*fn)(const tt_metric_point *p, void *ud), void *ud,
                          tt_error *err);
/* The rowid of the newest point (0 when there is none). */
int tt_store_metrics_last_id(tt_store *st, int64_t *id, tt_error *err);
/* Every metric name reported so far, in the order first reported. */
int tt_store_metric_names(tt_store *st, int (*fn)(const char *name, void *ud), void *ud,
                          tt_error *err);
int tt_store_events_since(tt_store *st, int64_t since,
                          int (*fn)(const tt_event *e, void *ud), void *ud, tt_error *err);

/* Commands: readers add, the runner fetches unacknowledged ones in id order
 * and acknowledges each with a result ("ok" or an error message). */
int64_t tt_store_add_command(tt_store *st, const char *kind, const char *arg, tt_error *err);
int tt_store_pending_commands(tt_store *st, tt_command **cmds, size_t *n, tt_error *err);
void tt_command_list_free(tt_command *cmds, size_t n);
int tt_store_ack_command(tt_store *st, int64_t id, const char *result, tt_error *err);
/* 0 with *result NULL while command id is pending, or its result once
 * acknowledged (caller frees); negative when there is no such command. */
int tt_store_get_command_result(tt_store *st, int64_t id, char **result, tt_error *err);

/* Importance: one result set (method, trial count) replaces the previous
 * one of the same method. */
int tt_store_set_importance(tt_store *st, const char *method, long n_trials, size_t n,
                            char *const *params, const double *value, const double *low,
                            const double *high, tt_error *err);

/* One method's latest importance result, most important first. */
typedef struct tt_importance {
    long n_trials;        /* trials the result was computed from */
    double t;             /* when (Unix seconds) */
    size_t n;
    char **params;
    double *value, *low, *high;   /* NAN when not given */
} tt_importance;

/* Fill out (cleared first; n = 0 when the method has no result yet). */
int tt_store_get_importance(tt_store *st, const char *method, tt_importance *out,
                            tt_error *err);
void tt_importance_clear(tt_importance *imp);

/* Exports. Trials CSV: one row per trial, columns
 * trial,state,value,<params in space order>,started,finished,duration_s,reason,value_std
 * (params: the union over trials in order of first appearance; times
 * ISO 8601 UTC; duration with 3 decimals; empty when unknown or NaN).
 * Metrics CSV (long format, each trial's current attempt):
 * trial,step,name,value,run (run: which of the trial's runs; 0 for one). JSON: an array of trial objects with the same
 * fields plus "attempt" ("runs": [{fold, repeat, state, value}] for a trial
 * of several runs; params as an object of typed values: booleans,
 * numbers, strings; inactive ones left out; non-finite numbers and unknown
 * times are null; "metrics": [{step,name,value}] per trial when
 * with_metrics). Written with libcsv quoting / proper JSON escaping. */
int tt_store_export_trials_csv(tt_store *st, FILE *out, tt_error *err);
int tt_store_export_metrics_csv(tt_store *st, FILE *out, tt_error *err);
/* One row per run (folds x repeats) of each trial's current attempt:
 * trial,fold,repeat,value,state (fold empty without folds); a trial of
 * one run is one row. */
int tt_store_export_runs_csv(tt_store *st, FILE *out, tt_error *err);
int tt_store_export_json(tt_store *st, FILE *out, bool with_metrics, tt_error *err);

#endif
