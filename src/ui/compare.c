/*
 * compare — the studies set side by side by the compare view
 * (view_compare.c): the extra studies of `tunetop DIR1 DIR2 …` or of the
 * picker's marks, each read by its own ui_model exactly as the dashboard
 * reads its study (incrementally, read-only, never blocking on a runner),
 * polled on the dashboard's cadence. Only the compare view looks at them;
 * the panels keep showing the dashboard's study.
 *
 * Enter in the view shows another study in the dashboard: its model and
 * the dashboard's trade places (a struct swap: a model holds no pointer
 * into itself, and its fANOVA job none into the model), so neither study
 * is read again from the start.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

struct ui_compare {
    /* One per position; NULL at the position the dashboard shows, whose
     * model is ui_app.model. */
    ui_model *m[UI_COMPARE_MAX];
    size_t n, shown;
};

/* A compared study computes no fANOVA of its own: the view shows no
 * importance, and eight studies' forests on worker threads would take
 * the machine from the sweeps. ui_fanova_maybe_start waits for 2 % more
 * completed trials than its last computation saw; a last count out of
 * reach keeps it waiting, and a count of 0 lets the dashboard's study
 * start at once (a job in flight is collected by the polls either way). */
static void fanova_hold(ui_model *m, bool hold)
{
    m->fanova_trials = hold ? LONG_MAX / 2 : 0;
    m->fanova_at = 0;
}

int ui_compare_open(ui_app *a, const char *const *dirs, size_t n, tt_error *err)
{
    if (n == 0)
        return 0;
    if (n + 1 > UI_COMPARE_MAX)
        return tt_error_set(err, TT_ERR_INVALID, "at most %d studies can be compared at once",
                            UI_COMPARE_MAX);
    struct ui_compare *c = tt_xcalloc(1, sizeof *c);
    c->n = n + 1;
    for (size_t i = 0; i < n; i++) {
        ui_model *m = tt_xcalloc(1, sizeof *m);
        c->m[i + 1] = m;
        /* the whole study at once: a compared study is not browsed, and
         * its best-so-far needs every completed trial (no curves are read) */
        int rc = ui_model_open(m, dirs[i], err);
        if (rc == 0) {
            fanova_hold(m, true);
            rc = ui_model_poll(m, 0, 1, a->now, err);
        }
        if (rc < 0) {
            ui_model_close(m);
            c->m[i + 1] = NULL;
            for (size_t k = 1; k <= i; k++) {
                ui_model_close(c->m[k]);
                free(c->m[k]);
            }
            free(m);
            free(c);
            return -TT_ERR_IO;
        }
    }
    ui_compare_close(a);
    a->compare = c;
    return 0;
}

bool ui_compare_poll(ui_app *a, double now)
{
    struct ui_compare *c = a->compare;
    if (!c)
        return false;
    bool changed = false;
    for (size_t i = 0; i < c->n; i++) {
        ui_model *m = c->m[i];
        if (!m)
            continue;
        /* what the view shows: trial states and values, the study row
         * (a point of a running trial is not, and comes every poll) */
        unsigned before = m->trials_gen + m->completed_gen + m->study_gen;
        tt_error err = {0};
        /* trial rows in slices as the dashboard's (a big study loads over
         * a few polls); metric points are skipped: the view draws none,
         * and a live study's points would be most of the read */
        if (ui_model_poll(m, UI_POLL_TRIAL_ROWS, 1, now, &err) < 0)
            continue; /* unreadable for now (a runner migrating it): next poll */
        changed |= m->trials_gen + m->completed_gen + m->study_gen != before;
    }
    return changed;
}

void ui_compare_close(ui_app *a)
{
    struct ui_compare *c = a->compare;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (c->m[i]) {
            ui_model_close(c->m[i]);
            free(c->m[i]);
        }
    free(c);
    a->compare = NULL;
}

size_t ui_compare_count(const ui_app *a)
{
    return a->compare ? a->compare->n : 0;
}

ui_model *ui_compare_model(ui_app *a, size_t i)
{
    struct ui_compare *c = a->compare;
    if (!c || i >= c->n)
        return NULL;
    return c->m[i] ? c->m[i] : &a->model;
}

size_t ui_compare_shown(const ui_app *a)
{
    return a->compare ? a->compare->shown : 0;
}

static unsigned max_u(unsigned x, unsigned y)
{
    return x > y ? x : y;
}

/* Every generation of m past both models' own: a panel or view that keyed
 * a cache on a generation of either study sees a change, whichever study
 * it was built from (generations only grow, so this holds however often
 * the studies trade places). */
static void bump_generations(ui_model *m, const ui_model *other)
{
    unsigned g = max_u(m->generation, other->generation);
    g = max_u(g, max_u(m->trials_gen, other->trials_gen));
    g = max_u(g, max_u(m->metrics_gen, other->metrics_gen));
    g = max_u(g, max_u(m->study_gen, other->study_gen));
    g = max_u(g, max_u(m->events_gen, other->events_gen));
    g = max_u(g, max_u(m->completed_gen, other->completed_gen));
    g = max_u(g, max_u(m->importance_gen, other->importance_gen));
    g++;
    m->generation = m->trials_gen = m->metrics_gen = m->study_gen = m->events_gen =
        m->completed_gen = m->importance_gen = g;
}

bool ui_compare_show(ui_app *a, size_t i)
{
    struct ui_compare *c = a->compare;
    /* an open detail or editor belongs to the shown study: close it first */
    if (!c || i >= c->n || i == c->shown || a->overlay != UI_OVERLAY_NONE)
        return false;
    ui_model *other = c->m[i];
    ui_model mine = a->model;
    a->model = *other;
    *other = mine;
    c->m[c->shown] = other;
    c->m[i] = NULL;
    c->shown = i;
    bump_generations(&a->model, other);
    fanova_hold(&a->model, false);
    fanova_hold(other, true);

    /* what the panels kept of the other study: selections, the sort
     * column (an index into its parameters), the curves' metric id, the
     * history's cache, the command whose answer was awaited */
    memset(&a->best, 0, sizeof a->best);
    memset(&a->trials, 0, sizeof a->trials);
    a->trials_sort = UI_COL_NUMBER;
    a->trials_desc = false;
    a->n_rows = 0;
    a->rows_stale = true;
    a->curves_metric = -1;
    ui_history_free(a);
    a->pending_cmd = 0;
    a->pending_kind[0] = '\0';
    /* the sweep file given on the command line was the first study's */
    a->opts.sweep_path = NULL;
    if (a->result)
        snprintf(a->result->study_dir, sizeof a->result->study_dir, "%s",
                 a->model.study.dir);
    ui_mark_all(a);
    return true;
}
