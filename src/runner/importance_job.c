/*
 * importance_job — hyperparameter importance kept fresh while the sweep
 * runs. After trials complete, at a cadence that scales with the study
 * (importance_due), the loop hands a copy of the completed trials to a
 * worker thread that runs
 * fANOVA (src/importance) and wakes the loop with a byte on the self-pipe;
 * the next tick stores the result (method, trial count, intervals, and the
 * strongest interactions as "a × b" rows of method "fanova-pairs"), where
 * the dashboard and `tunetop importance` read it. The loop never waits for
 * the forest.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "tunetop/importance.h"

#define IMPORTANCE_EVERY_S 2.0
#define IMPORTANCE_MIN_TRIALS 5
/* A new computation waits for 1/IMPORTANCE_GROWTH (2 %) more completed
 * trials than the last one saw: any new one below 100 trials. */
#define IMPORTANCE_GROWTH 50
/* The worker thread's share of a core at most: computations are at least
 * IMPORTANCE_COST_FACTOR times as far apart as the last one took. */
#define IMPORTANCE_COST_FACTOR 10

struct rn_importance_job {
    pthread_t thread;
    const tt_sweep *sweep;
    tt_importance_data data;
    uint64_t seed;
    int wake_fd;
    tt_importance_result result;
    int rc;
    tt_error err;
    double seconds;          /* the computation's CPU seconds (its thread's) */
};

static void *job_main(void *arg)
{
    rn_importance_job *job = arg;
    const tt_importance_data *d = &job->data;
    double t0 = rn_thread_cpu();
    job->rc = tt_importance_compute(TT_IMPORTANCE_FANOVA, job->sweep->space,
                                    (const double *const *)d->x, (const bool *const *)d->active,
                                    d->y, d->n, job->seed, &job->result, &job->err);
    job->seconds = rn_thread_cpu() - t0;
    unsigned char b = RN_WAKE_IMPORTANCE;
    ssize_t w = write(job->wake_fd, &b, 1);
    (void)w;
    return NULL;
}

/* Whether a new computation is due: trials completed since the last one,
 * at least IMPORTANCE_EVERY_S apart and IMPORTANCE_COST_FACTOR times as
 * long apart as the last one took, and 2 % more completed trials than the
 * last one saw: a study of 100,000 trials recomputes every 2,000 trials,
 * not every 2 s (issue 18), while one of 100 sees every new trial. */
static bool importance_due(const rn_runner *r, size_t done, double now)
{
    if (r->imp_last > 0 && now - r->imp_last < IMPORTANCE_EVERY_S)
        return false;
    if (r->imp_last > 0 && now - r->imp_last < IMPORTANCE_COST_FACTOR * r->imp_cost)
        return false;
    return done >= r->imp_trials + r->imp_trials / IMPORTANCE_GROWTH;
}

/* Start a computation when one is due (force: whenever trials completed
 * since the last one, the runner's last word). */
static void start(rn_runner *r, bool force)
{
    if (r->imp_job || !r->sweep->metric.name)
        return;
    size_t done = (size_t)r->trial_counts[TT_TRIAL_COMPLETED];
    if (done < IMPORTANCE_MIN_TRIALS || done == r->imp_trials)
        return;
    double now = rn_now_mono();
    if (!force && !importance_due(r, done, now))
        return;
    rn_importance_job *job = tt_xcalloc(1, sizeof *job);
    job->sweep = r->sweep;
    job->seed = r->seed;
    job->wake_fd = r->sig_pipe[1];
    /* The thread gets copies (job->data): the loop changes r->trials meanwhile. */
    tt_importance_trial *in = tt_xcalloc(r->n_trials + 1, sizeof *in);
    for (size_t i = 0; i < r->n_trials; i++)
        in[i] = (tt_importance_trial){r->trials[i].number, r->trials[i].state, r->trials[i].value,
                                      tt_trial_record_params(&r->trials[i])};
    tt_importance_data_from_trials(r->sweep->space, in, r->n_trials,
                                   r->sweep->metric.goal == TT_GOAL_MAXIMIZE, &job->data);
    free(in);
    if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
        tt_importance_data_free(&job->data);
        free(job);
        return;
    }
    r->imp_job = job;
    r->imp_done = false;
    r->imp_trials = done;
    r->imp_last = now;
}

void rn_importance_maybe_start(rn_runner *r)
{
    start(r, false);
}

static void store_result(rn_runner *r, const tt_importance_result *res)
{
    const tt_space *space = r->sweep->space;
    size_t n = res->n;
    char **names = tt_xcalloc(n + 1, sizeof *names);
    double *v = tt_xcalloc(n + 1, sizeof *v), *lo = tt_xcalloc(n + 1, sizeof *lo),
           *hi = tt_xcalloc(n + 1, sizeof *hi);
    for (size_t i = 0; i < n; i++) {
        names[i] = space->params[res->params[i].param].name;
        v[i] = res->params[i].value;
        lo[i] = res->params[i].low;
        hi[i] = res->params[i].high;
    }
    tt_error err = {0};
    if (tt_store_set_importance(r->store, "fanova", (long)res->n_trials, n, names, v, lo, hi,
                                &err) < 0)
        rn_runner_say(r, "cannot store importance: %s", err.msg);
    free(names);
    size_t np = res->n_pairs;
    char **pairs = tt_xcalloc(np + 1, sizeof *pairs);
    double *pv = tt_xcalloc(np + 1, sizeof *pv), *pl = tt_xcalloc(np + 1, sizeof *pl),
           *ph = tt_xcalloc(np + 1, sizeof *ph);
    for (size_t i = 0; i < np; i++) {
        pairs[i] = tt_xasprintf("%s × %s", space->params[res->pairs[i].a].name,
                                space->params[res->pairs[i].b].name);
        pv[i] = res->pairs[i].value;
        pl[i] = res->pairs[i].low;
        ph[i] = res->pairs[i].high;
    }
    if (np > 0 && tt_store_set_importance(r->store, "fanova-pairs", (long)res->n_trials, np, pairs,
                                          pv, pl, ph, &err) < 0)
        rn_runner_say(r, "cannot store interactions: %s", err.msg);
    for (size_t i = 0; i < np; i++)
        free(pairs[i]);
    free(pairs);
    free(v);
    free(lo);
    free(hi);
    free(pv);
    free(pl);
    free(ph);
}

/* Free a job whose thread has been joined. */
static void job_free(rn_importance_job *job)
{
    tt_importance_data_free(&job->data);
    tt_importance_result_free(&job->result);
    free(job);
}

void rn_importance_collect(rn_runner *r)
{
    if (!r->imp_job || !r->imp_done)
        return;
    rn_importance_job *job = r->imp_job;
    pthread_join(job->thread, NULL);
    /* A result computed on a space since replaced names old parameters. */
    r->imp_cost = job->seconds;
    r->importance_cpu += job->seconds;
    if (job->rc == 0 && job->sweep == r->sweep)
        store_result(r, &job->result);
    else if (job->rc < 0)
        rn_runner_say(r, "importance: %s", job->err.msg);
    job_free(job);
    r->imp_job = NULL;
    r->imp_done = false;
    rn_sweep_free_retired(r);
}

void rn_importance_abandon(rn_runner *r)
{
    if (r->imp_job) {
        pthread_join(r->imp_job->thread, NULL);
        job_free(r->imp_job);
    }
    r->imp_job = NULL;
}

void rn_importance_flush(rn_runner *r)
{
    for (int round = 0; round < 2; round++) {
        if (r->imp_job) {
            r->imp_done = true; /* join waits for it */
            rn_importance_collect(r);
        }
        start(r, true); /* no throttle for the last word */
        if (!r->imp_job)
            break;
    }
}
