/*
 * Private state of the runner (prefix rn_): the study it owns, the trials
 * in flight and the files it tails for each, and the interfaces between its
 * files. loop.c is the top (it orchestrates; no file calls it) and say.c
 * the bottom (clocks, progress lines, events; it calls no runner file):
 *   loop.c        the runner's life and its tick
 *   wait.c        the poll() between ticks
 *   commands.c    commands from the store; reconcile.c: a restart's trials
 *   schedule.c    what to start next (worker threads: suggest.c,
 *                 importance_job.c); runs.c: trials of several runs;
 *                 prune.c: the pruner's decisions
 *   live.c        one running trial, whatever runs it: tailing, metrics,
 *                 timeout, end (outcome.c names the final state)
 *   executor.c    the executors' table (below): exec_local.c (zygote and
 *                 pooled shims), exec_slurm.c (sbatch jobs; slurm.h)
 *   sweep.c, signals.c: the sweep version, the self-pipe (the lock and the
 *                 study folder are the study module's, tunetop/study.h)
 * A trial's end goes back up: live.c records it through schedule.c (or
 * runs.c for a run). Executors call only say.c, except that the Slurm one
 * records a job id once sbatch answers (rn_live_record_start); the local
 * one leaves starts in lv for rn_live_record_starts.
 */
#ifndef TUNETOP_RUNNER_INTERNAL_H
#define TUNETOP_RUNNER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <sys/types.h>

#include "launch.h"
#include "shim_client.h"
#include "tunetop/config.h"
#include "tunetop/ingest.h"
#include "tunetop/runner.h"
#include "tunetop/sampler.h"
#include "tunetop/store.h"
#include "tunetop/study.h"

/* A file of a trial read incrementally. `consumed` is the offset up to which
 * every byte has been ingested (persisted with the trial so a restarted
 * runner neither loses nor duplicates metrics); `offset` is how far it has
 * been read. */
typedef struct rn_tail {
    const char *name;
    int fd;
    uint64_t offset;
    uint64_t consumed;
    ino_t ino;
    bool refused;       /* a symlink or not a regular file: said once, never read */
    double looked_at;   /* monotonic time of the last open attempt or replacement check */
    bool gone;               /* deletion already reported */
    unsigned char warnings;  /* deletions/replacements reported (capped) */
} rn_tail;

enum { RN_TAIL_STDOUT, RN_TAIL_STDERR, RN_TAIL_CSV, RN_TAIL_COUNT };

/* Why the runner itself asked a trial to end; decides the final state. */
typedef enum rn_end_request {
    RN_END_NONE,
    RN_END_KILL,      /* `kill TRIAL`, stop now → killed */
    RN_END_TIMEOUT,   /* trial_timeout → timeout */
    RN_END_PRUNE,     /* the pruner stopped it → pruned */
} rn_end_request;

#define RN_STDERR_KEEP 5
/* Seconds a trial gets between SIGTERM and SIGKILL (the shim enforces it;
 * the runner steps in only if the shim itself does not respond). */
#define RN_SHIM_GRACE_S 10.0

typedef struct rn_live {
    long number;
    int attempt;
    int run;                 /* which run of a trial of several (runs.c); -1: the
                              * trial is this one run */
    pid_t pid;
    uint64_t pid_start;
    int end_fd;              /* reads as ended with the trial, -1 when none (the
                              * executor's: a pooled shim's socket, a shim's
                              * pidfd); the loop polls it */
    int token;               /* local executor: a pooled shim's token for this
                              * trial (SIGTERMs carry it); 0 when the shim runs
                              * only this trial */
    int inotify_fd;          /* the runner's inotify instance (-1: none) ... */
    int watch;               /* ... and the watch on this trial's folder (-1: none) */
    bool end_fired;          /* it read as ended: not polled again */
    bool starting;           /* its executor is still starting it (a zygote's
                              * answer due): not timed, not looked at */
    bool start_unrecorded;   /* its executor started it (pid known): not yet
                              * in the store (rn_live_record_starts) */
    char *start_error;       /* its executor could not start it: why (it ends
                              * as failed at the executor's next record) */
    double started_mono;     /* monotonic time it started (trial_timeout counts
                              * from it: a step of the wall clock must not time
                              * out every trial, nor none); 0 while a Slurm job
                              * is pending */
    char *dir;
    int dirfd;
    int slot;                /* device slot, -1 when no devices */
    rn_tail tails[RN_TAIL_COUNT];
    tt_line_splitter lines[2];
    tt_metric_csv *csv;
    long next_report;        /* numbering of reports without a step */
    bool csv_needs_header;   /* resumed mid-file: replay what was ingested */
    bool has_line_step;      /* a step-only line ("Epoch 3/10") was seen */
    long line_step;
    bool has_value;
    double value;            /* objective as summarised so far */
    long last_step;
    char *stderr_last[RN_STDERR_KEEP];
    size_t n_stderr_last;
    rn_end_request end_request;
    char *end_reason;        /* reason given with the request */
    double end_sent_at;
    bool kill_escalated;     /* local executor: the shim was SIGKILLed */
    bool dirty;              /* value/offsets changed since last flush */
    const struct rn_executor_ops *exec; /* what runs it (executor.c) */
    void *exec_trial;        /* its executor's own state for it (a Slurm job),
                              * freed by exec->free_trial */
} rn_live;

typedef struct rn_runner {
    char *study_dir;
    int lock_fd;
    tt_store *store;
    tt_sweep *sweep;
    long space_version;
    char *self_exe;
    FILE *progress;          /* one line per trial state change; NULL = quiet */

    rn_live **live;
    size_t n_live, cap_live;
    /* Trials of several runs that have started and not ended (runs.c). */
    struct rn_trial_runs **multi;
    size_t n_multi, cap_multi;
    /* Why the study ends, once that is known (stop_reason in the store). */
    char *stop_reason;
    /* Trials that failed in a row, and how many trials have ended in all
     * this session and before (schedule.c: stopping on repeated failures). */
    long failed_in_row, ended_total;
    bool no_new_trials;      /* metric.target reached: running trials finish */
    /* Trials the descriptor limit leaves room for (0: no limit), and
     * whether the cap was said (loop.c, schedule.c). */
    long fd_cap;
    bool fd_cap_said;

    tt_study_state state;
    long parallel;
    bool stop_after_running; /* `stop`: no new trials, exit when idle */
    bool exhausted;          /* sampler or run_cap has nothing more */
    long prepared;           /* number whose folder was made ahead (schedule.c) */
    bool prepared_made;      /* ... by this runner, so no shim has used it */
    bool quit;               /* leave the loop now (signal) */
    double session_start;    /* monotonic clock at start */
    double commands_at;      /* monotonic time of the last look at commands */
    double elapsed_before;   /* elapsed_s stored by earlier sessions */

    char **enqueued;         /* JSON params from `enqueue`, FIFO */
    size_t n_enqueued, cap_enqueued;

    /* Every trial of the study, by number - 1, kept current from the
     * store's change sequence so scheduling never re-reads the table. */
    tt_trial_record *trials;
    size_t n_trials, cap_trials;
    /* How many of them are in each state, and known at all (number > 0):
     * kept exact by every change to r->trials (rn_schedule_set_state and
     * the sync), so no event walks every trial (issue 18). */
    long trial_counts[TT_TRIAL_STATE_COUNT];
    long n_known;
    long seen_seq;
    uint64_t seed;           /* sampler seed: the file's, else derived from
                                the study's creation, stable across resumes */
    /* The sampler's view of r->trials, same index (history.c). */
    tt_observation *hist;
    size_t n_hist, cap_hist;
    long hist_version;       /* the space version its mappings are for */
    const tt_space *hist_space;
    unsigned char *hist_flags; /* per entry: known trial, changed since the snapshot */
    size_t n_hist_known;     /* entries of a known trial (no gap when == n_hist) */
    size_t *hist_dirty;      /* entries changed since the last snapshot */
    size_t n_hist_dirty, cap_hist_dirty;
    tt_observation *snap;    /* the last snapshot, the sampler's (history.c) */
    size_t n_snap, cap_snap;
    bool snap_rebuild;       /* copy every entry at the next snapshot */
    long best_trial;         /* 0 when none */
    double best_value;

    /* A slow sampler's suggestion in flight (suggest.c), and the sweeps it
     * may still read after a reload replaced them. */
    struct rn_suggest_job *job;
    bool job_done;
    /* Importance computed on a worker thread (importance_job.c). */
    struct rn_importance_job *imp_job;
    bool imp_done;
    size_t imp_trials;       /* completed trials of the last computation */
    double imp_last;         /* monotonic time it started */
    double imp_cost;         /* seconds the last one took (importance_job.c) */
    double sampler_cpu;      /* CPU seconds spent in samplers, any thread (schedule.c) */
    double importance_cpu;   /* CPU seconds spent computing importance (importance_job.c) */
    tt_sweep **retired;
    size_t n_retired, cap_retired;

    /* The objective's reports of every trial (current attempt), by number
     * - 1, for the pruner (prune.c). */
    struct rn_objective_curve *curves;
    size_t n_curves, cap_curves;
    char *study_name;        /* Hyperband hashes it with the trial number */
    bool warned_pruner;

    /* Each executor's own state, made when first used (NULL before). */
    struct rn_local_exec *local; /* the zygote, its starts in flight (exec_local.c) */
    struct rn_slurm_exec *slurm; /* squeue polling, back-off (exec_slurm.c) */

    int sig_pipe[2];
    int inotify_fd;          /* trial folders written to wake the loop; -1: ticks only */
    double tick_at;          /* monotonic time the last tick began */
    struct pollfd *pollfds;  /* the poll set between ticks (wait.c): sig_pipe,
                              * executors' answers, inotify, end fds */
    size_t cap_pollfds;
} rn_runner;

/* A trial's objective curve; for a trial of several runs, the mean over
 * its runs at each step all of them reached, with each run's own curve. */
typedef struct rn_objective_curve {
    long *steps;
    double *values;
    size_t n, cap;
    struct rn_objective_curve *runs;
    int n_runs;
} rn_objective_curve;

/* runs.c: a trial made of several runs (folds x repeats). */
typedef struct rn_trial_runs {
    long number;
    int attempt;
    int folds, repeats, n;    /* n = max(folds, 1) x repeats */
    int started;              /* runs started so far, in run order */
    int running;
    int ended;
    double *values;           /* per run: its value once ended, NAN before */
    long *last_step;          /* per run */
    tt_trial_state end_state; /* COMPLETED until a run ends otherwise or the
                                 runner stops the trial: then no run starts */
    char *end_reason;
} rn_trial_runs;

rn_trial_runs *rn_runs_find(rn_runner *r, long number);
/* A trial's first run is about to start: its runs as the sweep has them now. */
rn_trial_runs *rn_runs_begin(rn_runner *r, long number, int attempt);
/* A started trial with a run left to start, or NULL. */
rn_trial_runs *rn_runs_next(rn_runner *r);
rn_launch_run rn_runs_launch(const rn_trial_runs *tr, int run);
/* A run ended: recorded; the trial ends once its runs are over. */
void rn_runs_run_ended(rn_runner *r, long number, int run, tt_trial_state state, double value,
                       long last_step, const char *reason);
/* Ask every running run of the trial to end; no run of it starts after. */
void rn_runs_request_end(rn_runner *r, long number, rn_end_request why, const char *reason);
/* Stop now: every running trial and run is asked to end (killed), and
 * no run of a started trial starts after. */
void rn_runs_stop_all(rn_runner *r, const char *reason);
/* A restarted runner: a trial recorded running that has runs. */
void rn_runs_resume(rn_runner *r, const tt_trial_record *t, size_t *adopted);
void rn_runs_free_all(rn_runner *r);

/* say.c: the bottom of the runner, calling no other runner file. */
/* Clocks: wall (what is stored) and monotonic (what durations count on). */
double rn_now_wall(void);
double rn_now_mono(void);
/* CPU seconds the calling thread has used (the samplers' share of the
 * runner's CPU, reported apart in its last line). */
double rn_thread_cpu(void);
/* One progress line (when r->progress is set), made printable. */
void rn_runner_say(rn_runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a study-level (trial <= 0) or trial event, and say it. */
void rn_runner_event(rn_runner *r, long trial, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* sweep.c: the sweep version the runner works with. */
/* Load the newest sweep version recorded in the study (and enter its
 * working folder). */
int rn_sweep_load(rn_runner *r, tt_error *err);
/* Replace r->sweep by sw; the old one is freed once no job can read it. */
void rn_sweep_set(rn_runner *r, tt_sweep *sw);
/* Free replaced sweeps once no worker thread can still read them. */
void rn_sweep_free_retired(rn_runner *r);

/* wait.c: sleeps until a signal, a trial's end (its end fd), an
 * executor's answer, trial output or the next tick. Returns > 0 when
 * something needs a tick; *signalled says whether the self-pipe was among
 * it (a signal, or a worker thread done). */
int rn_wait_for_events(rn_runner *r, bool *signalled);

/* signals.c: the self-pipe signal handlers write to. */
int rn_signals_open(rn_runner *r, tt_error *err);
void rn_signals_install(rn_runner *r);
void rn_signals_restore(void);

/* live.c */
rn_live *rn_live_new(rn_runner *r, long number, int attempt, const char *dir);
void rn_live_free(rn_live *lv);
/* Read what the trial's files gained since the last call; store metrics. */
void rn_live_poll(rn_runner *r, rn_live *lv);
/* Times the trial out when due, and asks its executor whether it ended.
 * Returns true when it was finished and recorded (lv can be freed). */
bool rn_live_check_end(rn_runner *r, rn_live *lv);
/* Ask the trial to end (its executor: SIGTERM to its shim, which
 * escalates; scancel). */
void rn_live_request_end(rn_runner *r, rn_live *lv, rn_end_request why, const char *reason);
/* Persist value and offsets when they changed. */
void rn_live_flush(rn_runner *r, rn_live *lv);
/* Record that lv started (its shim's pid, or its Slurm job), as a trial
 * or as a run of one. */
void rn_live_record_start(rn_runner *r, rn_live *lv, long pid, uint64_t pid_start,
                          const char *job_id);
/* Stores what executors learnt about starts (in a transaction): each
 * start_unrecorded start; a failed end for each trial with a start_error. */
void rn_live_record_starts(rn_runner *r);
/* lv ended in state: the trial's end, or its run's (runs.c). */
void rn_live_finished(rn_runner *r, rn_live *lv, tt_trial_state state, double value,
                      const char *reason);
/* A restarted runner takes over lv, recorded running with these: its
 * executor (by job_id) adopts it, tailing resumes at the offsets, added to
 * r->live. */
void rn_live_resume(rn_runner *r, rn_live *lv, long pid, uint64_t pid_start, const char *job_id,
                    double started_at, long last_step, double value, const uint64_t *offsets);

/* outcome.c: what ended a trial, as the runner saw it. */
typedef struct rn_outcome_in {
    rn_end_request end_request;
    const char *end_reason;
    bool have_status;              /* exit.status was found */
    const tt_shim_status *status;  /* valid when have_status */
    const char *metric;            /* the objective; NULL when none declared */
    bool has_value;
    double value;
    char *const *stderr_last;
    size_t n_stderr_last;
    long shim_pid;
    bool orphans_stopped;          /* its processes outlived the shim and were killed */
} rn_outcome_in;

/* The final state and its reason (malloc'd, caller frees). */
tt_trial_state rn_trial_outcome(const rn_outcome_in *in, char **reason);

/* prune.c */
/* Load the objective curves of the study (once, at start). */
void rn_prune_load(rn_runner *r);
/* A new objective report of a running trial (or run): remember it, and
 * ask the pruner whether the trial should stop (then it is asked to end,
 * every run of it). With runs, the pruner sees the mean curve, which
 * grows once every run has reached a step. */
void rn_prune_report(rn_runner *r, rn_live *lv, long step, double value);
/* A retried trial starts a new curve. */
void rn_prune_forget(rn_runner *r, long number);
void rn_prune_free(rn_runner *r);

/* suggest.c: a suggestion computed on a worker thread. */
typedef struct rn_suggest_job rn_suggest_job;
/* Methods too slow to run inside a tick. */
bool rn_suggest_is_slow(tt_method m);
/* Start a suggestion on obs (n_obs entries: the runner's history snapshot,
 * which, like the assignments it borrows and sweep, must not change until
 * the job is finished). The worker writes a zero byte to wake_fd when
 * done. NULL with err on failure. */
rn_suggest_job *rn_suggest_start(const tt_sweep *sweep, long space_version,
                                 const tt_observation *obs, size_t n_obs, uint64_t seed,
                                 int wake_fd, tt_error *err);
/* Collect a finished job (joins the thread, frees the job): the sampler's
 * return code, the space version it ran on, and its suggestion in out. */
int rn_suggest_finish(rn_suggest_job *job, long *space_version, tt_assignment *out, double *cpu,
                      tt_error *err);
/* Wait for a job and drop its result (runner shutting down). */
void rn_suggest_abandon(rn_suggest_job *job);


/* Bytes the worker threads write to the self-pipe (signal numbers are
 * 1..64, so these never collide). */
#define RN_WAKE_SUGGEST 0
#define RN_WAKE_IMPORTANCE 255

/* importance_job.c */
typedef struct rn_importance_job rn_importance_job;
/* Start a computation when trials completed since the last one (throttled). */
void rn_importance_maybe_start(rn_runner *r);
/* Store a finished computation. */
void rn_importance_collect(rn_runner *r);
/* Bring the stored importance up to date before the runner leaves. */
void rn_importance_flush(rn_runner *r);
/* Wait for a computation in flight and drop it (runner leaving). */
void rn_importance_abandon(rn_runner *r);

/* schedule.c */
/* Bring r->trials up to date with the store. */
void rn_schedule_sync(rn_runner *r);
/* Set the cached state of trial t (in r->trials), keeping the counts. */
void rn_schedule_set_state(rn_runner *r, tt_trial_record *t, tt_trial_state state);
/* Trials that have ended (completed, pruned, failed, killed, timeout,
 * interrupted), from the counts. */
long rn_schedule_ended(const rn_runner *r);
/* Record the end of a trial (state, reason), apply the retry policy and
 * update the best-so-far. */
void rn_schedule_finished(rn_runner *r, long number, int attempt, tt_trial_state state,
                          double value, const char *reason);
/* Keep why the sweep ends (the first reason given wins). */
void rn_schedule_stop_reason(rn_runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether the best trial reaches metric.target. */
bool rn_schedule_target_reached(const rn_runner *r);
/* When it does: no new trial starts (running ones finish), and why. */
void rn_schedule_check_target(rn_runner *r);
/* Descriptors the runner holds per running trial (its folder, its end fd,
 * the three files it tails) plus one for a start in progress, and those
 * kept free for everything else (SQLite, the zygote, commands). */
#define RN_FDS_PER_TRIAL 6
#define RN_FDS_RESERVED 24
/* The descriptor limit raised to its hard maximum, and the number of
 * trials that fit under it (0: no limit worth mentioning). */
long rn_schedule_fd_capacity(void);
/* Start trials while there is room; returns how many were started. */
int rn_schedule_fill(rn_runner *r);
/* Whether the study has work left (running trials, or new ones allowed). */
bool rn_schedule_has_work(rn_runner *r);
/* Removes the folder made ahead for a trial that never started (the study
 * ended first), when it is still empty. */
void rn_schedule_drop_prepared(rn_runner *r);

/* history.c: what a sampler sees, kept with the trial cache. */
/* r->trials[idx] changed (a new row, a new state or value). */
void rn_history_update(rn_runner *r, size_t idx);
/* Every known trial, in number order, mapped onto the current space: the
 * runner's snapshot array (not the caller's to free), borrowing the
 * cache's assignments; both stay unchanged until the next snapshot. */
const tt_observation *rn_history_snapshot(rn_runner *r, size_t *n_out);
void rn_history_free(rn_runner *r);

/* commands.c */
void rn_commands_poll(rn_runner *r);

/* reconcile.c */
void rn_reconcile(rn_runner *r);

/* ---- executors (executor.c) -------------------------------------------
 * What runs a trial, behind one table of operations: the local executor
 * (exec_local.c: pooled shims forked by the zygote) and the Slurm executor
 * (exec_slurm.c: one sbatch job per trial). The rest of the runner knows a
 * trial only as an rn_live (tailed, timed and ended the same whatever runs
 * it) with lv->exec; a third executor is one more file with one more table,
 * listed in executor.c. Operations marked optional may be NULL. */

/* How a trial's end looked to its executor. */
typedef struct rn_exec_end {
    bool have_status;         /* exit.status was found ... */
    tt_shim_status status;    /* ... and says this */
    bool orphans_stopped;     /* its processes outlived their supervisor and
                                 were killed */
    bool decided;             /* the executor knows how it ended (Slurm:
                                 cancelled outside, node failure, time limit):
                                 state and reason (malloc'd); else the outcome
                                 is read from the above (outcome.c) */
    tt_trial_state state;
    char *reason;
} rn_exec_end;

typedef struct rn_executor_ops {
    const char *name;
    tt_executor_kind kind;    /* the sweep's executor.kind it serves */
    const char *starting;     /* said as a trial starts ("running") */
    bool prepares_folders;    /* the next trial's folder is made ahead while
                                 trials run (schedule.c) */
    /* ---- per trial */
    /* Start lv, its folder ready, with argv and envp. 0, or < 0 with err
     * (lv is then freed by the caller). */
    int (*start)(rn_runner *r, rn_live *lv, char *const *argv, char *const *envp,
                 tt_error *err);
    /* Whether this executor ran a trial recorded with job_id (a restarted
     * runner's; job_id NULL or "" for none). */
    bool (*owns_record)(const char *job_id);
    /* Whether such a trial, without exit.status, may still run (else it is
     * lost: interrupted). */
    bool (*may_run)(long pid, uint64_t pid_start);
    /* A lost trial: stop what it left running in dir; whether there was any. */
    bool (*stop_lost)(const char *dir);
    /* Take over lv, recorded running with lv->pid, lv->pid_start, job_id. */
    void (*adopt)(rn_runner *r, rn_live *lv, const char *job_id);
    /* Whether lv has ended (false while it runs, or cannot be looked at
     * now); *end says how. Also drives what the executor does for a trial
     * in flight (submission, cancel, escalation to SIGKILL). */
    bool (*poll_end)(rn_runner *r, rn_live *lv, rn_exec_end *end);
    /* The runner wants lv to end (lv->end_request is set). */
    void (*request_end)(rn_runner *r, rn_live *lv);
    /* optional: lv's end was recorded (a pooled shim goes back to the pool). */
    void (*ended)(rn_runner *r, rn_live *lv);
    /* optional: free lv->exec_trial. */
    void (*free_trial)(rn_live *lv);
    /* ---- per runner, all optional */
    /* An fd whose readiness means collect has something (-1: none now). */
    int (*wake_fd)(rn_runner *r);
    /* Take answers that came (waiting up to timeout_ms for the first):
     * memory only, outside a transaction. */
    void (*collect)(rn_runner *r, int timeout_ms);
    /* Once per tick, in its transaction, before running trials are looked at. */
    void (*tick)(rn_runner *r);
    /* A child the loop reaped (sbatch, squeue…): its status, if it is ours. */
    void (*reaped)(pid_t pid, int status);
    /* The runner leaves, trials and store still there: settle what is in
     * flight (a submission's job id recorded). */
    void (*leave)(rn_runner *r);
    /* Free the executor's state (the runner's last act). */
    void (*free)(rn_runner *r);
} rn_executor_ops;

extern const rn_executor_ops rn_exec_local, rn_exec_slurm;

/* The executor a sweep asks for (executor.kind; sw may be NULL). */
const rn_executor_ops *rn_executor_for(const tt_sweep *sw);
/* The executor that ran a trial recorded with job_id. */
const rn_executor_ops *rn_executor_of_record(const char *job_id);
/* Every executor, NULL-terminated: the per-runner operations run for each. */
extern const rn_executor_ops *const rn_executors[];
/* The per-runner operations, for every executor that has them. */
void rn_executors_collect(rn_runner *r, int timeout_ms);
void rn_executors_tick(rn_runner *r);
void rn_executors_reaped(pid_t pid, int status);
void rn_executors_leave(rn_runner *r);
void rn_executors_free(rn_runner *r);


#endif
