/*
 * exec_slurm — the Slurm executor (rn_exec_slurm, internal.h has the
 * interface): submitting a trial's job, watching every job with one squeue
 * per poll, cancelling, re-adopting jobs by id, and deciding how a job
 * ended (slurm.h has Slurm's side: scripts, parsers, commands as children).
 * A Slurm trial is an rn_live like a local one (tailed the same, counted
 * against `parallel` from its submission, pending or running), with its
 * job (lv->exec_trial) instead of a local shim pid.
 *
 * Nothing here waits for Slurm. sbatch, squeue, scontrol and scancel run as
 * background children (rn_slurm_cmd); each tick looks at whether they are
 * done. A submission that fails is retried with exponential back-off (2, 4,
 * 8, 16 s), recorded as an event each time, and the whole executor holds
 * off for as long: when the controller is down, one sbatch at a time finds
 * out, not `parallel` of them. After RN_SLURM_SUBMIT_TRIES failures the
 * trial fails with sbatch's message (and is retried per `retries` like
 * any failed trial).
 *
 * squeue runs every POLL_S seconds (POLL_URGENT_S while a trial waits for
 * Slurm's word on how it ended), for all jobs at once: `squeue -h -t all -o
 * '%i %T' -j ID,ID…`. A job it no longer lists is gone (ended MinJobAge
 * ago, or the cluster was reset). A job that ended without exit.status gets
 * one `scontrol -o show job ID` for its Reason and ExitCode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "slurm.h"

#define RN_SLURM_SUBMIT_TRIES 5
#define SUBMIT_TIMEOUT_S 30.0   /* sbatch: 9 s of retries to a dead controller, then some */
#define QUERY_TIMEOUT_S 20.0    /* squeue, scontrol, scancel */
#define POLL_S 2.0
#define POLL_URGENT_S 0.5
#define BACKOFF_MAX_S 60.0

typedef struct rn_slurm_job {
    char id[32];               /* "" until sbatch answered */
    char **sbatch_argv;        /* kept for resubmission */
    char **sbatch_envp;
    char *out_dir;             /* trial folder: sbatch.out, scancel.out, scontrol.out */
    rn_slurm_cmd *submit;
    int submit_failures;
    double next_submit;        /* monotonic */

    rn_slurm_phase phase;
    char state[32];            /* squeue's last JobState text */
    bool asked;                /* in the squeue in flight */
    bool seen_running;
    double final_since;        /* monotonic; 0 while not final */
    double status_since;       /* monotonic; 0 while no exit.status */

    bool want_cancel;
    rn_slurm_cmd *cancel;
    int cancel_failures;
    double next_cancel;

    rn_slurm_cmd *detail;      /* scontrol of an ended job */
    bool have_info, detail_tried;
    rn_slurm_job_info info;
} rn_slurm_job;

/* The trial's job, when the Slurm executor runs lv (else NULL). */
static rn_slurm_job *job_of(const rn_live *lv)
{
    return lv->exec == &rn_exec_slurm ? lv->exec_trial : NULL;
}

typedef struct rn_slurm_exec {
    rn_slurm_cmd *poll;
    double next_poll;
    double submit_hold;        /* no sbatch before this (monotonic): back-off */
    bool poll_failing;         /* an error was reported; say when it recovers */
    char *poll_out;            /* study/slurm.squeue.out */
} rn_slurm_exec;

static rn_slurm_exec *exec_of(rn_runner *r)
{
    if (!r->slurm) {
        r->slurm = tt_xcalloc(1, sizeof *r->slurm);
        r->slurm->poll_out = tt_xasprintf("%s/slurm.squeue.out", r->study_dir);
    }
    return r->slurm;
}

static rn_slurm_job *job_new(const char *dir)
{
    rn_slurm_job *j = tt_xcalloc(1, sizeof *j);
    j->out_dir = tt_xstrdup(dir);
    return j;
}

static void job_free(rn_slurm_job *j)
{
    if (!j)
        return;
    rn_slurm_cmd_free(j->submit);
    rn_slurm_cmd_free(j->cancel);
    rn_slurm_cmd_free(j->detail);
    rn_launch_strv_free(j->sbatch_argv);
    rn_launch_strv_free(j->sbatch_envp);
    free(j->out_dir);
    free(j);
}

static void slurm_free_trial(rn_live *lv)
{
    job_free(job_of(lv));
    lv->exec_trial = NULL;
}

/* A child the loop reaped: Slurm's clients (sbatch, squeue…) need their
 * exit status. */
static void slurm_reaped(pid_t pid, int status)
{
    rn_slurm_cmd_reaped(pid, status);
}

/* ---- submission ------------------------------------------------------------ */

/* The job name: tt-STUDY-N, Slurm-safe (squeue shows 8 characters by
 * default; the number is what tells jobs apart). */
static char *job_name(const rn_runner *r, long number)
{
    const char *study = r->study_name ? r->study_name : "study";
    char clean[40];
    size_t k = 0;
    for (const char *p = study; *p && k < sizeof clean - 1; p++) {
        unsigned char c = (unsigned char)*p;
        clean[k++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                                ? c
                                : '_');
    }
    clean[k] = '\0';
    return tt_xasprintf("tt-%s-%ld", clean, number);
}

static bool is_trial_var(const char *e)
{
    return strncmp(e, "TUNETOP_", 8) == 0 || strncmp(e, "CUDA_VISIBLE_DEVICES=", 21) == 0;
}

/* Write trials/N/job.sh and start its sbatch (retried with back-off by
 * slurm_poll_end on later ticks). */
static int slurm_start(rn_runner *r, rn_live *lv, char *const *argv, char *const *envp,
                       tt_error *err)
{
    /* The trial's own variables go into the script (so job.sh alone
     * reruns the trial); sbatch gets the runner's environment without
     * them and exports it (--export=ALL, Slurm's default), as a local
     * trial inherits it. */
    size_t n_env = 0;
    while (envp && envp[n_env])
        n_env++;
    char **exports = tt_xcalloc(n_env + 1, sizeof *exports);
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (is_trial_var(envp[i]))
            exports[k++] = envp[i];
    char *script = rn_slurm_script(r->self_exe, lv->dir, RN_SHIM_GRACE_S, argv, exports);
    free(exports);
    char *path = tt_xasprintf("%s/job.sh", lv->dir);
    int fd = tt_open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    size_t len = strlen(script);
    bool ok = fd >= 0 && write(fd, script, len) == (ssize_t)len;
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(script);
    if (!ok) {
        int rc = tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", path, strerror(e));
        free(path);
        return rc;
    }
    extern char **environ;
    size_t n_base = 0;
    while (environ && environ[n_base])
        n_base++;
    rn_slurm_job *j = job_new(lv->dir);
    j->sbatch_envp = tt_xcalloc(n_base + 1, sizeof *j->sbatch_envp);
    k = 0;
    for (size_t i = 0; i < n_base; i++)
        if (!is_trial_var(environ[i]))
            j->sbatch_envp[k++] = tt_xstrdup(environ[i]);
    char cwd[PATH_MAX];
    char *name = job_name(r, lv->number);
    j->sbatch_argv = rn_slurm_sbatch_argv(&r->sweep->executor, name,
                                          getcwd(cwd, sizeof cwd) ? cwd : NULL, lv->dir, path);
    free(name);
    free(path);
    lv->exec_trial = j;
    lv->pid = 0;
    lv->started_mono = 0; /* the trial's clock (trial_timeout) starts when the job runs */
    return 0;
}

static void slurm_adopt(rn_runner *r, rn_live *lv, const char *job_id)
{
    rn_slurm_job *j = job_new(lv->dir);
    snprintf(j->id, sizeof j->id, "%s", job_id);
    lv->exec_trial = j;
    lv->pid = 0;
    exec_of(r)->next_poll = 0; /* learn the adopted jobs' states at once */
}

/* The first back-off, 2 s; TUNETOP_SLURM_BACKOFF (seconds) changes it, so
 * that tests of a failing sbatch take a second, not half a minute. */
static double first_backoff_s(void)
{
    const char *e = getenv("TUNETOP_SLURM_BACKOFF");
    char *end;
    double v = e ? strtod(e, &end) : 0;
    return e && end != e && v > 0 && v <= BACKOFF_MAX_S ? v : 2.0;
}

static double backoff_s(int failures)
{
    double d = first_backoff_s();
    for (int i = 1; i < failures && d < BACKOFF_MAX_S; i++)
        d *= 2;
    return d < BACKOFF_MAX_S ? d : BACKOFF_MAX_S;
}

/* A failed sbatch: record it, hold off, or give up on the trial. Returns
 * true when the trial failed for good (*reason set). */
static bool submit_failed(rn_runner *r, rn_live *lv, const char *msg, char **reason)
{
    rn_slurm_job *j = job_of(lv);
    rn_slurm_exec *x = exec_of(r);
    j->submit_failures++;
    if (j->submit_failures >= RN_SLURM_SUBMIT_TRIES) {
        *reason = tt_xasprintf("sbatch failed %d times; last: %s", j->submit_failures, msg);
        rn_runner_event(r, lv->number, "error", "sbatch failed (attempt %d of %d), giving up: %s",
                        j->submit_failures, RN_SLURM_SUBMIT_TRIES, msg);
        return true;
    }
    double wait = backoff_s(j->submit_failures);
    rn_runner_event(r, lv->number, "error", "sbatch failed (attempt %d of %d), retrying in %.0f s: %s",
                    j->submit_failures, RN_SLURM_SUBMIT_TRIES, wait, msg);
    j->next_submit = rn_now_mono() + wait;
    if (x->submit_hold < j->next_submit)
        x->submit_hold = j->next_submit;
    return false;
}

/* Drive a submission: start sbatch when allowed, read its answer. Returns
 * true when the trial failed for good (*reason set). */
static bool drive_submit(rn_runner *r, rn_live *lv, char **reason)
{
    rn_slurm_job *j = job_of(lv);
    rn_slurm_exec *x = exec_of(r);
    double now = rn_now_mono();
    if (!j->submit) {
        if (now < j->next_submit || now < x->submit_hold)
            return false;
        char *out = tt_xasprintf("%s/sbatch.out", j->out_dir);
        tt_error err = {0};
        j->submit = rn_slurm_cmd_start(j->sbatch_argv, j->sbatch_envp, out, SUBMIT_TIMEOUT_S, &err);
        free(out);
        if (!j->submit)
            return submit_failed(r, lv, err.msg, reason);
        return false;
    }
    if (!rn_slurm_cmd_done(j->submit))
        return false;
    const char *out = rn_slurm_cmd_output(j->submit);
    int code = rn_slurm_cmd_exit_code(j->submit);
    char id[32];
    bool ok = code == 0 && rn_slurm_parse_sbatch(out, id, sizeof id) == 0;
    char msg[256];
    if (!ok) {
        if (rn_slurm_cmd_timed_out(j->submit))
            snprintf(msg, sizeof msg, "no answer after %.0f s", SUBMIT_TIMEOUT_S);
        else
            rn_slurm_output_summary(out, msg, sizeof msg);
    }
    rn_slurm_cmd_free(j->submit);
    j->submit = NULL;
    if (!ok)
        return submit_failed(r, lv, msg, reason);
    snprintf(j->id, sizeof j->id, "%s", id);
    j->phase = RN_SLURM_PENDING;
    rn_live_record_start(r, lv, 0, 0, j->id);
    rn_runner_say(r, "trial %ld: Slurm job %s submitted", lv->number, j->id);
    if (x->next_poll > now + POLL_S / 2)
        x->next_poll = now + POLL_S / 2;
    return false;
}

/* ---- polling --------------------------------------------------------------- */

static bool is_urgent(const rn_slurm_job *j)
{
    return j->status_since > 0 || j->final_since > 0 || j->want_cancel;
}

static void set_phase(rn_runner *r, rn_live *lv, rn_slurm_phase p, const char *state)
{
    rn_slurm_job *j = job_of(lv);
    snprintf(j->state, sizeof j->state, "%s", state);
    if (p == j->phase)
        return;
    j->phase = p;
    if (p == RN_SLURM_RUNNING && !j->seen_running) {
        j->seen_running = true;
        if (lv->started_mono == 0)
            lv->started_mono = rn_now_mono();
        rn_runner_say(r, "trial %ld: Slurm job %s running", lv->number, j->id);
    }
    if (rn_slurm_phase_is_final(p) && j->final_since == 0)
        j->final_since = rn_now_mono();
}

static void read_poll(rn_runner *r)
{
    rn_slurm_exec *x = r->slurm;
    const char *out = rn_slurm_cmd_output(x->poll);
    int code = rn_slurm_cmd_exit_code(x->poll);
    bool all_gone = code != 0 && rn_slurm_says_invalid_job(out);
    if (code != 0 && !all_gone) {
        char msg[256];
        if (rn_slurm_cmd_timed_out(x->poll))
            snprintf(msg, sizeof msg, "no answer after %.0f s", QUERY_TIMEOUT_S);
        else
            rn_slurm_output_summary(out, msg, sizeof msg);
        if (!x->poll_failing)
            rn_runner_event(r, -1, "warning", "squeue failed, job states unknown for now: %s",
                            msg);
        x->poll_failing = true;
        for (size_t i = 0; i < r->n_live; i++)
            if (job_of(r->live[i]))
                job_of(r->live[i])->asked = false;
        return;
    }
    if (x->poll_failing)
        rn_runner_event(r, -1, "runner", "squeue answers again");
    x->poll_failing = false;
    for (size_t i = 0; i < r->n_live; i++) {
        rn_live *lv = r->live[i];
        rn_slurm_job *j = job_of(lv);
        if (!j || !j->asked)
            continue;
        j->asked = false;
        char state[32];
        if (!all_gone && rn_slurm_squeue_state(out, j->id, state, sizeof state))
            set_phase(r, lv, rn_slurm_phase_of(state), state);
        else
            set_phase(r, lv, RN_SLURM_GONE, "");
    }
}

/* Once per tick: ask squeue about the jobs in flight, read its answer. */
static void slurm_tick(rn_runner *r)
{
    rn_slurm_exec *x = r->slurm;
    if (!x)
        return;
    if (x->poll) {
        if (!rn_slurm_cmd_done(x->poll))
            return;
        read_poll(r);
        rn_slurm_cmd_free(x->poll);
        x->poll = NULL;
    }
    double now = rn_now_mono();
    bool urgent = false;
    tt_buf ids = {0};
    for (size_t i = 0; i < r->n_live; i++) {
        rn_slurm_job *j = job_of(r->live[i]);
        if (!j || !j->id[0] || j->phase == RN_SLURM_GONE)
            continue;
        urgent |= is_urgent(j);
        tt_buf_printf(&ids, "%s%s", ids.len ? "," : "", j->id);
    }
    double due = x->next_poll;
    if (urgent && due > now + POLL_URGENT_S)
        due = now + POLL_URGENT_S;
    if (!ids.data || now < due) {
        tt_buf_free(&ids);
        return;
    }
    char *argv[] = {"squeue", "-h", "-t", "all", "-o", "%i %T", "-j", ids.data, NULL};
    tt_error err = {0};
    x->poll = rn_slurm_cmd_start(argv, NULL, x->poll_out, QUERY_TIMEOUT_S, &err);
    x->next_poll = now + POLL_S;
    if (!x->poll) {
        if (!x->poll_failing)
            rn_runner_event(r, -1, "warning", "cannot ask Slurm about its jobs: %s", err.msg);
        x->poll_failing = true;
    } else {
        for (size_t i = 0; i < r->n_live; i++) {
            rn_slurm_job *j = job_of(r->live[i]);
            if (j && j->id[0] && j->phase != RN_SLURM_GONE)
                j->asked = true;
        }
    }
    tt_buf_free(&ids);
}

/* ---- cancel and end -------------------------------------------------------- */

/* scancel (driven by slurm_poll_end): Slurm signals the shim and the trial. */
static void slurm_request_end(rn_runner *r, rn_live *lv)
{
    (void)r;
    if (job_of(lv))
        job_of(lv)->want_cancel = true;
}

static void drive_cancel(rn_runner *r, rn_live *lv)
{
    rn_slurm_job *j = job_of(lv);
    if (j->cancel) {
        if (!rn_slurm_cmd_done(j->cancel))
            return;
        int code = rn_slurm_cmd_exit_code(j->cancel);
        if (code != 0 && !rn_slurm_says_invalid_job(rn_slurm_cmd_output(j->cancel))) {
            char msg[256];
            rn_slurm_output_summary(rn_slurm_cmd_output(j->cancel), msg, sizeof msg);
            j->cancel_failures++;
            rn_runner_event(r, lv->number, "warning", "scancel %s failed: %s", j->id, msg);
            j->next_cancel = rn_now_mono() + backoff_s(j->cancel_failures);
        } else {
            j->next_cancel = INFINITY; /* sent; squeue tells when it is over */
        }
        rn_slurm_cmd_free(j->cancel);
        j->cancel = NULL;
        return;
    }
    if (!j->id[0] || rn_slurm_phase_is_final(j->phase) || rn_now_mono() < j->next_cancel)
        return;
    char *argv[] = {"scancel", j->id, NULL};
    char *out = tt_xasprintf("%s/scancel.out", j->out_dir);
    tt_error err = {0};
    j->cancel = rn_slurm_cmd_start(argv, NULL, out, QUERY_TIMEOUT_S, &err);
    free(out);
    if (!j->cancel) {
        j->cancel_failures++;
        rn_runner_event(r, lv->number, "warning", "cannot cancel Slurm job %s: %s", j->id, err.msg);
        j->next_cancel = rn_now_mono() + backoff_s(j->cancel_failures);
    }
}

/* scontrol's Reason and ExitCode for a job that ended without exit.status;
 * true once there is an answer (or none to be had). */
static bool drive_detail(rn_live *lv)
{
    rn_slurm_job *j = job_of(lv);
    if (j->phase == RN_SLURM_GONE || j->detail_tried)
        return true;
    if (!j->detail) {
        char *argv[] = {"scontrol", "-o", "show", "job", j->id, NULL};
        char *out = tt_xasprintf("%s/scontrol.out", j->out_dir);
        j->detail = rn_slurm_cmd_start(argv, NULL, out, QUERY_TIMEOUT_S, NULL);
        free(out);
        if (!j->detail) {
            j->detail_tried = true;
            return true;
        }
    }
    if (!rn_slurm_cmd_done(j->detail))
        return false;
    j->have_info = rn_slurm_cmd_exit_code(j->detail) == 0 &&
                   rn_slurm_parse_scontrol(rn_slurm_cmd_output(j->detail), &j->info) == 0;
    rn_slurm_cmd_free(j->detail);
    j->detail = NULL;
    j->detail_tried = true;
    return true;
}

/* Whether lv's job has ended: RN_SLURM_WAIT, RN_SLURM_USE_STATUS (finish it
 * from exit.status as a local trial) or RN_SLURM_DECIDED (*state and
 * *reason, malloc'd). Also drives its submission and cancel. */
static int slurm_check(rn_runner *r, rn_live *lv, bool have_status, const tt_shim_status *st,
                       tt_trial_state *state, char **reason)
{
    rn_slurm_job *j = job_of(lv);
    if (!j->id[0]) {
        /* Not submitted yet. A trial asked to end before it had a job
         * ends here (nothing to cancel once sbatch has answered). */
        if (lv->end_request != RN_END_NONE && !j->submit)
            return RN_SLURM_USE_STATUS;
        if (drive_submit(r, lv, reason)) {
            *state = TT_TRIAL_FAILED;
            return RN_SLURM_DECIDED;
        }
        return RN_SLURM_WAIT;
    }
    if (lv->end_request != RN_END_NONE)
        j->want_cancel = true;
    if (j->want_cancel)
        drive_cancel(r, lv);
    double now = rn_now_mono();
    if (have_status && j->status_since == 0)
        j->status_since = now;
    if (!have_status && rn_slurm_phase_is_final(j->phase) && !drive_detail(lv))
        return RN_SLURM_WAIT;
    rn_slurm_end_in in = {
        .job_id = j->id,
        .end_requested = lv->end_request != RN_END_NONE,
        .have_status = have_status,
        .status = st,
        .status_age = have_status ? now - j->status_since : 0,
        .phase = j->phase,
        .state = j->state,
        .final_age = j->final_since > 0 ? now - j->final_since : 0,
        .info = j->have_info ? &j->info : NULL,
    };
    return (int)rn_slurm_decide(&in, state, reason);
}

static bool slurm_poll_end(rn_runner *r, rn_live *lv, rn_exec_end *end)
{
    /* No local shim to watch: exit.status (on the shared filesystem) and
     * Slurm's word together say whether it is over, and Slurm may decide
     * how it ended (cancelled outside, node failure, time limit). */
    int looked = rn_shim_read_status(lv->dir, &end->status);
    if (looked == -TT_ERR_BUSY)
        return false; /* could not look (no descriptor left): the next tick will */
    end->have_status = looked == 0;
    int v = slurm_check(r, lv, end->have_status, &end->status, &end->state, &end->reason);
    if (v == RN_SLURM_WAIT)
        return false;
    end->decided = v == RN_SLURM_DECIDED;
    return true;
}

/* ---- leaving --------------------------------------------------------------- */

static void slurm_leave(rn_runner *r)
{
    /* An sbatch in flight may have created a job: wait for its answer
     * (bounded by its timeout) and record the id, so that the next runner
     * re-adopts the job instead of submitting the trial twice. */
    for (size_t i = 0; i < r->n_live; i++) {
        rn_live *lv = r->live[i];
        rn_slurm_job *j = job_of(lv);
        if (!j || !j->submit)
            continue;
        while (!rn_slurm_cmd_done(j->submit))
            usleep(20 * 1000);
        char id[32];
        if (rn_slurm_cmd_exit_code(j->submit) == 0 &&
            rn_slurm_parse_sbatch(rn_slurm_cmd_output(j->submit), id, sizeof id) == 0 &&
            r->store)
            rn_live_record_start(r, lv, 0, 0, id);
        rn_slurm_cmd_free(j->submit);
        j->submit = NULL;
    }
}

static void slurm_free(rn_runner *r)
{
    if (!r->slurm)
        return;
    rn_slurm_cmd_free(r->slurm->poll);
    free(r->slurm->poll_out);
    free(r->slurm);
    r->slurm = NULL;
}

/* ---- the table ------------------------------------------------------------- */

/* A trial recorded with a job id is a Slurm job, whatever the sweep says now. */
static bool slurm_owns_record(const char *job_id)
{
    return job_id && *job_id;
}

/* squeue, on the first tick, tells whether the job still runs. */
static bool slurm_may_run(long pid, uint64_t pid_start)
{
    (void)pid;
    (void)pid_start;
    return true;
}

/* A job is never lost (slurm_may_run), and Slurm ends what its jobs ran. */
static bool slurm_stop_lost(const char *dir)
{
    (void)dir;
    return false;
}

const rn_executor_ops rn_exec_slurm = {
    .name = "slurm",
    .kind = TT_EXECUTOR_SLURM,
    .starting = "submitting to Slurm",
    .prepares_folders = false,
    .start = slurm_start,
    .owns_record = slurm_owns_record,
    .may_run = slurm_may_run,
    .stop_lost = slurm_stop_lost,
    .adopt = slurm_adopt,
    .poll_end = slurm_poll_end,
    .request_end = slurm_request_end,
    .free_trial = slurm_free_trial,
    .tick = slurm_tick,
    .reaped = slurm_reaped,
    .leave = slurm_leave,
    .free = slurm_free,
};
