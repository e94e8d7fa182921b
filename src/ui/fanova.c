/*
 * fanova — the dashboard's own fANOVA when the study has no stored
 * importance (its runner has not computed one yet, is gone, or ran before
 * tunetop stored it). Rank correlation ranks a U-shaped learning rate last
 * when fANOVA gives it nearly all the variance (issue 18), so once fANOVA
 * can be had the panel never shows correlation as "importance".
 *
 * The forest takes up to ~0.2 s (4096 trials at most, docs/algorithms.md
 * §3.1.3), far more than a key may (10 ms): it runs on a worker thread on
 * a copy of the completed trials, and the model's next poll collects it
 * (an atomic flag, no wake-up needed: polls come at least twice a second).
 * It is recomputed on the same cadence as the runner's (at least 2 s apart,
 * once 2 % more trials have completed); a result the runner stores later
 * replaces it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tunetop/importance.h"

#define FANOVA_MIN_TRIALS 5
#define FANOVA_EVERY_S 2.0
#define FANOVA_GROWTH 50     /* 1/50 = 2 % more completed trials */

struct ui_fanova_job {
    pthread_t thread;
    tt_importance_data data;
    tt_sweep *sweep;         /* its own copy: a reload may replace the model's */
    uint64_t seed;
    tt_importance_result result;
    int rc;
    atomic_bool done;
};

static void *job_main(void *arg)
{
    ui_fanova_job *job = arg;
    const tt_importance_data *d = &job->data;
    tt_error err = {0};
    job->rc = tt_importance_compute(TT_IMPORTANCE_FANOVA, job->sweep->space,
                                    (const double *const *)d->x, (const bool *const *)d->active,
                                    d->y, d->n, job->seed, &job->result, &err);
    atomic_store(&job->done, true);
    return NULL;
}

static void job_free(ui_fanova_job *job)
{
    pthread_join(job->thread, NULL);
    tt_importance_data_free(&job->data);
    tt_importance_result_free(&job->result);
    tt_sweep_free(job->sweep);
    free(job);
}

/* imp sized for n rows, stamped like a stored result. */
static void panel_rows(tt_importance *imp, size_t n, long n_trials, double now)
{
    imp->n_trials = n_trials;
    imp->t = now;
    imp->n = n;
    imp->params = tt_xcalloc(n + 1, sizeof *imp->params);
    imp->value = tt_xcalloc(n + 1, sizeof *imp->value);
    imp->low = tt_xcalloc(n + 1, sizeof *imp->low);
    imp->high = tt_xcalloc(n + 1, sizeof *imp->high);
}

/* The result as the panel draws a stored one: parameter names, shares and
 * intervals; interactions as "a × b". */
static void to_panel(ui_model *m, const tt_space *sp, const tt_importance_result *r,
                     double now)
{
    tt_importance_clear(&m->importance);
    tt_importance_clear(&m->pairs);
    tt_importance *imp = &m->importance, *p = &m->pairs;
    panel_rows(imp, r->n, (long)r->n_trials, now);
    for (size_t i = 0; i < r->n; i++) {
        imp->params[i] = tt_xstrdup(sp->params[r->params[i].param].name);
        imp->value[i] = r->params[i].value;
        imp->low[i] = r->params[i].low;
        imp->high[i] = r->params[i].high;
    }
    panel_rows(p, r->n_pairs, (long)r->n_trials, now);
    for (size_t i = 0; i < r->n_pairs; i++) {
        p->params[i] = tt_xasprintf("%s × %s", sp->params[r->pairs[i].a].name,
                                    sp->params[r->pairs[i].b].name);
        p->value[i] = r->pairs[i].value;
        p->low[i] = r->pairs[i].low;
        p->high[i] = r->pairs[i].high;
    }
    snprintf(m->importance_method, sizeof m->importance_method, "fanova");
    m->importance_here = true;
    m->importance_gen++;
    m->generation++;
}

void ui_fanova_collect(ui_model *m, double now)
{
    ui_fanova_job *job = m->fanova_job;
    if (!job || !atomic_load(&job->done))
        return;
    /* Shown only while the runner has stored nothing. */
    bool stored = m->importance.n > 0 && !m->importance_here;
    if (job->rc == 0 && !stored && job->result.n > 0)
        to_panel(m, job->sweep->space, &job->result, now);
    job_free(job);
    m->fanova_job = NULL;
}

void ui_fanova_maybe_start(ui_model *m, double now)
{
    if (m->fanova_job || !m->study.sweep || !m->study.metric)
        return;
    long done = m->counts[TT_TRIAL_COMPLETED];
    if (done < FANOVA_MIN_TRIALS || done == m->fanova_trials)
        return;
    if (m->fanova_at > 0 && now - m->fanova_at < FANOVA_EVERY_S)
        return;
    if (done < m->fanova_trials + m->fanova_trials / FANOVA_GROWTH)
        return;
    /* The sweep as the study stores it, parsed for the job alone. */
    long version = m->study.info.space_version;
    char *text = tt_store_get_space(m->study.store, version, NULL);
    tt_diags diags = {0};
    tt_sweep *sweep = text ? tt_sweep_load_text("sweep", text, strlen(text), &diags) : NULL;
    tt_diags_free(&diags);
    free(text);
    if (!sweep)
        return;
    ui_fanova_job *job = tt_xcalloc(1, sizeof *job);
    job->sweep = sweep;
    job->seed = 0;
    atomic_init(&job->done, false);
    tt_importance_trial *in = tt_xcalloc(m->n_trials + 1, sizeof *in);
    size_t n = 0;
    for (size_t i = 0; i < m->n_trials; i++) {
        const tt_trial_record *r = &m->trials[i].rec;
        if (r->number > 0)
            in[n++] = (tt_importance_trial){r->number, r->state, r->value,
                                            tt_trial_record_params(r)};
    }
    tt_importance_data_from_trials(sweep->space, in, n, m->study.goal == TT_GOAL_MAXIMIZE,
                                   &job->data);
    free(in);
    if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
        tt_importance_data_free(&job->data);
        tt_sweep_free(sweep);
        free(job);
        return;
    }
    m->fanova_job = job;
    m->fanova_trials = done;
    m->fanova_at = now;
}

void ui_fanova_free(ui_model *m)
{
    if (m->fanova_job)
        job_free(m->fanova_job);
    m->fanova_job = NULL;
}
