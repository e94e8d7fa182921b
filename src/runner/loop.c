/*
 * loop — the top of the runner: its life (lock, study, sweep, reconcile,
 * ticks, leaving) and its single-threaded event loop (Redis ae.c / tmux
 * style). Between ticks it sleeps in one poll() (wait.c); every tick reads
 * commands, lets the executors do their work, tails the files of every
 * running trial, ends finished trials, starts new ones, and commits
 * everything it wrote in one transaction. Signal handlers only write a
 * byte to the self-pipe (signals.c); what the byte means is acted on here.
 * It only orchestrates: the work is in the files it calls, and none of
 * them calls it back.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define COMMANDS_EVERY_S 0.05

/* Drain the self-pipe; reap our children; act on termination signals. */
static void handle_signals(rn_runner *r)
{
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(r->sig_pipe[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == RN_WAKE_SUGGEST) {
                r->job_done = true; /* the sampler thread finished */
            } else if (buf[i] == RN_WAKE_IMPORTANCE) {
                r->imp_done = true;
            } else if (buf[i] == SIGINT) {
                rn_runner_event(r, -1, "runner", "interrupted: stopping now");
                rn_schedule_stop_reason(r, "stopped by the user (Ctrl-C)");
                r->stop_after_running = true;
                rn_runs_stop_all(r, "stopped by the user (SIGINT)");
            } else if (buf[i] == SIGTERM || buf[i] == SIGHUP) {
                /* Leave trials running: the next runner re-adopts them. */
                r->quit = true;
            }
        }
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        /* Shims report through exit.status; reaping only clears zombies.
         * An executor's own children (Slurm's clients) need their status. */
        rn_executors_reaped(pid, status);
    }
}

/* One tick in one transaction. Returns -TT_ERR_IO with fatal set when its
 * commit failed: the runner must leave then (see below). */
static int tick(rn_runner *r, tt_error *fatal)
{
    tt_error err = {0};
    r->tick_at = rn_now_mono();
    if (tt_store_begin(r->store, &err) < 0) {
        rn_runner_say(r, "database busy: %s", err.msg);
        return 0;
    }
    /* Commands come from people: 50 ms is soon enough, and short trials
     * make ticks far more frequent than that. */
    double now = rn_now_mono();
    if (now - r->commands_at >= COMMANDS_EVERY_S) {
        rn_commands_poll(r);
        r->commands_at = now;
    }
    rn_executors_tick(r);
    rn_live_record_starts(r);
    for (size_t i = 0; i < r->n_live;) {
        rn_live *lv = r->live[i];
        rn_live_poll(r, lv);
        if (rn_live_check_end(r, lv)) {
            rn_live_free(lv);
            r->live[i] = r->live[--r->n_live];
            continue;
        }
        rn_live_flush(r, lv);
        i++;
    }
    rn_schedule_fill(r);
    rn_live_record_starts(r); /* starts that needed no answer (an idle shim) */
    rn_importance_collect(r);
    rn_importance_maybe_start(r);
    if (tt_store_commit(r->store, &err) < 0) {
        rn_runner_say(r, "cannot commit to study.db: %s", err.msg);
        tt_store_rollback(r->store);
        /* Fail-stop. The store is back at the last tick, but this tick's
         * effects on memory are not undone: offsets read past, trials whose
         * end was recorded and then forgotten, trials spawned under numbers
         * the store no longer has. Going on (as the runner once did) lost
         * those metric points for good and spawned a new shim into the same
         * trial folder at every tick while the disk stayed full (chaos test
         * test_disk_full_fsize: duplicate points, trials killed by SIGXFSZ).
         * Leaving keeps what the store has exact; the trials run on under
         * their shims, and the next runner re-adopts them and re-reads their
         * files from the persisted offsets (docs/reliability.md). */
        return tt_error_set(fatal, TT_ERR_IO,
                            "cannot write the study database: %s; the runner stopped, its "
                            "trials keep running: `tunetop run %s` re-adopts them once the "
                            "database can be written again",
                            err.msg, r->study_dir);
    }
    return 0;
}

static void save_elapsed(rn_runner *r)
{
    tt_error err = {0};
    double now = rn_now_mono();
    double spent = now - r->session_start;
    if (tt_store_add_elapsed(r->store, spent, &err) < 0)
        rn_runner_say(r, "cannot save elapsed time: %s", err.msg);
    /* The time budget counts from elapsed_before + (now - session_start):
     * what is saved moves from one to the other. */
    r->elapsed_before += spent;
    r->session_start = now;
}

static void runner_free(rn_runner *r)
{
    rn_suggest_abandon(r->job);
    r->job = NULL;
    rn_importance_abandon(r);
    rn_prune_free(r);
    rn_history_free(r);
    rn_executors_leave(r);
    free(r->study_name);
    free(r->stop_reason);
    rn_runs_free_all(r);
    for (size_t i = 0; i < r->n_retired; i++)
        tt_sweep_free(r->retired[i]);
    free(r->retired);
    for (size_t i = 0; i < r->n_live; i++)
        rn_live_free(r->live[i]);
    free(r->live);
    for (size_t i = 0; i < r->n_enqueued; i++)
        free(r->enqueued[i]);
    free(r->enqueued);
    for (size_t i = 0; i < r->n_trials; i++)
        tt_trial_record_clear(&r->trials[i]);
    free(r->trials);
    if (r->sweep)
        tt_sweep_free(r->sweep);
    if (r->store)
        tt_store_close(r->store);
    if (r->lock_fd >= 0)
        close(r->lock_fd);
    if (r->sig_pipe[0] >= 0) {
        close(r->sig_pipe[0]);
        close(r->sig_pipe[1]);
    }
    rn_executors_free(r);
    if (r->inotify_fd >= 0)
        close(r->inotify_fd);
    free(r->pollfds);
    free(r->self_exe);
    free(r->study_dir);
}

int tt_runner_run(const tt_runner_opts *opts, tt_error *err)
{
    rn_runner r = {0};
    r.inotify_fd = -1;
    r.lock_fd = -1;
    r.sig_pipe[0] = r.sig_pipe[1] = -1;
    r.progress = opts->progress;
    char *abs = realpath(opts->study_dir, NULL);
    r.study_dir = abs ? abs : tt_xstrdup(opts->study_dir);
    int rc = 0;
    if (!tt_study_is_dir(r.study_dir)) {
        rc = tt_error_set(err, TT_ERR_INVALID, "%s is not a tunetop study (no study.db)",
                          opts->study_dir);
        goto out;
    }
    /* `tunetop run DIR` on someone else's study is refused as a sweep file
     * aimed at their folder is (study/prepare.c): their command would run as us. */
    if ((rc = tt_study_check_owner(r.study_dir, err)) < 0)
        goto out;
    if ((r.lock_fd = tt_study_lock(r.study_dir, err)) < 0) {
        rc = r.lock_fd;
        r.lock_fd = -1;
        goto out;
    }
    r.store = tt_study_open_store(r.study_dir, TT_STORE_WRITE, err);
    if (!r.store) {
        rc = -TT_ERR_IO;
        goto out;
    }
    /* The study is open and loaded: our pid into the lock, for `status`
     * and for the starter waiting on it. */
    if ((rc = rn_sweep_load(&r, err)) < 0 || (rc = tt_study_lock_announce(r.lock_fd, err)) < 0)
        goto out;
    char *self = rn_proc_self_exe();
    if (!self) {
        rc = tt_error_set(err, TT_ERR_IO, "cannot find the tunetop executable (/proc/self/exe)");
        goto out;
    }
    /* From here on self_exe is the program that runs shims: tunetop-shim
     * next to us when installed (half the start-up cost per trial), else
     * this binary's `__shim`. */
    r.self_exe = rn_shim_find_exe(self);
    free(self);
    if ((rc = rn_signals_open(&r, err)) < 0)
        goto out;
    r.parallel = r.sweep->parallel > 0 ? r.sweep->parallel : 1;
    r.fd_cap = rn_schedule_fd_capacity();
    r.session_start = rn_now_mono();
    rn_signals_install(&r);

    if (tt_store_begin(r.store, err) < 0) {
        rc = -TT_ERR_IO;
        goto out_signals;
    }
    /* A stopped or finished study that is run again is resumed. */
    if (r.state != TT_STUDY_PAUSED)
        r.state = TT_STUDY_RUNNING;
    tt_store_set_study_state(r.store, r.state, NULL);
    rn_runner_event(&r, -1, "runner", "runner started (pid %ld), sweep v%ld, parallel %ld",
                    (long)getpid(), r.space_version, r.parallel);
    rn_reconcile(&r);
    if (tt_store_commit(r.store, err) < 0) {
        rc = -TT_ERR_IO;
        goto out_signals;
    }

    double last_elapsed_save = rn_now_mono();
    while (!r.quit) {
        if ((rc = tick(&r, err)) < 0) {
            r.quit = true;
            break;
        }
        if (!rn_schedule_has_work(&r))
            break;
        if (rn_now_mono() - last_elapsed_save > 1) {
            save_elapsed(&r);
            last_elapsed_save = rn_now_mono();
        }
        bool signalled;
        if (rn_wait_for_events(&r, &signalled) > 0 && signalled)
            handle_signals(&r);
    }
    rn_schedule_drop_prepared(&r);
    /* Leaving with shims being forked: their pids go to the store, so the
     * next runner re-adopts them instead of setting them aside. */
    rn_executors_collect(&r, 5000);
    /* After a failed tick, err holds why the runner stops: keep it. */
    if (tt_store_begin(r.store, rc < 0 ? NULL : err) == 0) {
        rn_live_record_starts(&r);
        rn_importance_flush(&r);
        tt_store_commit(r.store, NULL);
    }
    save_elapsed(&r);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* The samplers' and importance's shares apart: a model-based
     * sampler's cost grows with the history by design, importance is
     * bounded by its cadence, the bookkeeping around them must not grow
     * (bench/scale). */
    rn_runner_say(&r,
                  "runner cpu %.3f s (user %.3f, system %.3f; in samplers %.3f, importance %.3f)",
                  (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6,
                  (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6,
                  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6, r.sampler_cpu,
                  r.importance_cpu);
    if (!r.quit) {
        tt_study_state final = r.stop_after_running ? TT_STUDY_STOPPED : TT_STUDY_FINISHED;
        rn_schedule_stop_reason(&r, "%s", final == TT_STUDY_STOPPED ? "stopped by the user"
                                                                    : "no work left");
        tt_store_set_study_state(r.store, final, NULL);
        tt_store_set_stop_reason(r.store, r.stop_reason, NULL);
        rn_runner_event(&r, -1, "runner", "study %s: %s", tt_study_state_name(final),
                        r.stop_reason);
    } else {
        rn_runner_event(&r, -1, "runner",
                        "runner leaving; %zu trial%s keep running and will be re-adopted",
                        r.n_live, r.n_live == 1 ? "" : "s");
    }
out_signals:
    rn_signals_restore();
out:
    runner_free(&r);
    return rc;
}
