/*
 * reconcile — a runner's first act: make the store agree with the world.
 * Every trial recorded `running` is either still supervised by its shim
 * (same pid and start time: re-adopted, tailing resumes at the persisted
 * offsets), ended while no runner watched (its exit.status is there:
 * finished from it on the first tick), or lost (no shim, no status:
 * `interrupted`, retried per policy).
 */
#include <math.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The sampler seed when the file gives none: derived from the study's name
 * and creation time, so it differs between studies but not across resumes.
 * Also remembers the study's name (Hyperband hashes it). */
static uint64_t derive_seed(rn_runner *r)
{
    tt_study_info info = {0};
    uint64_t seed = 0;
    if (tt_store_get_study(r->store, &info, NULL) == 0) {
        seed = tt_hash_bytes(info.name, strlen(info.name), (uint64_t)(info.created_at * 1000));
        free(r->study_name);
        r->study_name = tt_xstrdup(info.name);
        tt_study_info_clear(&info);
    }
    return r->sweep->has_seed ? r->sweep->seed : seed;
}

static void adopt(rn_runner *r, const tt_trial_record *t)
{
    char *dir = tt_study_trial_dir(r->study_dir, t->number);
    rn_live *lv = rn_live_new(r, t->number, t->attempt, dir);
    free(dir);
    rn_live_resume(r, lv, t->pid, t->pid_start, t->job_id, t->started_at, t->last_step,
                   t->value, t->offsets);
}

void rn_reconcile(rn_runner *r)
{
    rn_schedule_sync(r);
    r->seed = derive_seed(r);
    rn_prune_load(r);
    size_t adopted = 0, lost = 0;
    for (size_t i = 0; i < r->n_trials; i++) {
        tt_trial_record *t = &r->trials[i];
        if (t->number <= 0)
            continue;
        if (t->state >= TT_TRIAL_COMPLETED)
            r->ended_total++; /* "the first 5 trials all failed" counts the study's */
        if (t->state == TT_TRIAL_COMPLETED && isfinite(t->value)) {
            bool better = r->best_trial == 0 ||
                          (r->sweep->metric.goal == TT_GOAL_MINIMIZE ? t->value < r->best_value
                                                                      : t->value > r->best_value);
            if (better) {
                r->best_trial = t->number;
                r->best_value = t->value;
            }
        }
        if (t->state != TT_TRIAL_RUNNING)
            continue;
        if (tt_runs_count(t->folds, t->repeats) > 1) {
            /* Its runs are adopted, kept or ended one by one (runs.c). */
            rn_runs_resume(r, t, &adopted); /* may move r->trials: t is not used after */
            continue;
        }
        char *dir = tt_study_trial_dir(r->study_dir, t->number);
        tt_shim_status st;
        /* Could not look (no descriptor left): adopted, its end looked at later. */
        int looked = rn_shim_read_status(dir, &st);
        bool ended = looked == 0 || looked == -TT_ERR_BUSY;
        free(dir);
        /* Its executor tells whether it may still run: a local shim alive
         * with the same start time; a Slurm job (squeue tells later). */
        const rn_executor_ops *x = rn_executor_of_record(t->job_id);
        if (ended || x->may_run(t->pid, t->pid_start)) {
            adopt(r, t);
            adopted++;
        } else {
            lost++;
        }
    }
    /* Marking lost trials changes r->trials; do it after the scan. */
    for (size_t i = 0; i < r->n_trials && lost > 0; i++) {
        tt_trial_record *t = &r->trials[i];
        if (t->number <= 0 || t->state != TT_TRIAL_RUNNING)
            continue;
        bool is_live = rn_runs_find(r, t->number) != NULL;
        for (size_t k = 0; k < r->n_live; k++)
            is_live |= r->live[k]->number == t->number;
        if (is_live || tt_runs_count(t->folds, t->repeats) > 1)
            continue;
        long number = t->number;
        int attempt = t->attempt;
        /* Its supervisor is gone; its trial may not be (kill -9 of the
         * shim): stopped before a retry could run the command twice. */
        char *dir = tt_study_trial_dir(r->study_dir, number);
        bool orphans = rn_executor_of_record(t->job_id)->stop_lost(dir);
        free(dir);
        char *reason =
            t->pid > 0
                ? tt_xasprintf("its supervisor (pid %ld) was gone when the runner restarted%s",
                               t->pid, orphans ? "; its processes, left running, were stopped" : "")
                : tt_xstrdup("it had no Slurm job id when the runner restarted");
        rn_schedule_finished(r, number, attempt, TT_TRIAL_INTERRUPTED, NAN, reason);
        free(reason);
        lost--;
        i = (size_t)-1; /* r->trials may have moved; rescan */
    }
    if (adopted)
        rn_runner_event(r, -1, "runner", "re-adopted %zu running trial%s", adopted,
                        adopted == 1 ? "" : "s");
}
