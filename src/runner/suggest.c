/*
 * suggest — running a slow sampler off the loop. GP-BO can take up to a
 * second per suggestion at hundreds of trials; the loop must keep tailing
 * trial files and answering commands meanwhile (nothing slow stalls the
 * runner). A suggestion for such a method runs on a worker thread that
 * reads the runner's snapshot of the history; when it is done it writes a
 * zero byte to the runner's self-pipe (signal numbers are never zero), and
 * the next tick picks the result up. Only the samplers whose cost does not grow with the
 * study run inline (random, sobol, grid): every model-based one can pass a
 * few milliseconds (CMA-ES took 5 s a suggestion at 500 parameters inside
 * the tick's transaction, and `pause` or `stop --now` found the database
 * locked), and no tick may hold the write lock while a model computes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct rn_suggest_job {
    pthread_t thread;
    /* Inputs: the sweep is kept alive by the runner; obs is the runner's
     * snapshot of its history and the assignments it points to the
     * history's (history.c): the runner takes no other snapshot and
     * changes no assignment until the job is collected. */
    const tt_sweep *sweep;
    long space_version;
    const tt_observation *obs;
    size_t n_obs;
    uint64_t seed;
    int wake_fd;
    /* Outputs, read by the loop after the wake-up byte. */
    tt_assignment out;
    int rc;
    tt_error err;
    double cpu;              /* the sampler's CPU seconds on this thread */
};

bool rn_suggest_is_slow(tt_method m)
{
    return m != TT_METHOD_RANDOM && m != TT_METHOD_SOBOL && m != TT_METHOD_GRID;
}

static void *job_main(void *arg)
{
    rn_suggest_job *job = arg;
    tt_history h = {.obs = job->obs, .n = job->n_obs, .goal = job->sweep->metric.goal};
    double t0 = rn_thread_cpu();
    job->rc = tt_sampler_suggest(job->sweep->method, job->sweep->space, &h, job->seed, &job->out,
                                 &job->err);
    job->cpu = rn_thread_cpu() - t0;
    unsigned char wake = RN_WAKE_SUGGEST;
    /* The pipe is non-blocking; if it is full the loop is awake anyway. */
    ssize_t w = write(job->wake_fd, &wake, 1);
    (void)w;
    return NULL;
}

rn_suggest_job *rn_suggest_start(const tt_sweep *sweep, long space_version,
                                 const tt_observation *obs, size_t n_obs, uint64_t seed,
                                 int wake_fd, tt_error *err)
{
    rn_suggest_job *job = tt_xcalloc(1, sizeof *job);
    job->sweep = sweep;
    job->space_version = space_version;
    job->obs = obs;
    job->n_obs = n_obs;
    job->seed = seed;
    job->wake_fd = wake_fd;
    job->out = tt_assignment_new(sweep->space->n);
    int rc = pthread_create(&job->thread, NULL, job_main, job);
    if (rc != 0) {
        tt_error_set(err, TT_ERR_IO, "cannot start the sampler thread: %s", strerror(rc));
        tt_assignment_free(&job->out);
        free(job);
        return NULL;
    }
    return job;
}

/* Free a joined job with everything it owns. */
static void release(rn_suggest_job *job)
{
    tt_assignment_free(&job->out);
    free(job);
}

int rn_suggest_finish(rn_suggest_job *job, long *space_version, tt_assignment *out, double *cpu,
                      tt_error *err)
{
    pthread_join(job->thread, NULL);
    int rc = job->rc;
    *space_version = job->space_version;
    *cpu = job->cpu;
    if (rc == 0)
        tt_assignment_copy(out, &job->out);
    else if (err)
        *err = job->err;
    release(job);
    return rc;
}

void rn_suggest_abandon(rn_suggest_job *job)
{
    if (!job)
        return;
    pthread_join(job->thread, NULL);
    release(job);
}
