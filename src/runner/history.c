/*
 * history — what a sampler sees of the study: every trial, in number
 * order, its parameters mapped onto the current space by name (a parameter
 * a trial did not have is inactive), its state, value and last step.
 *
 * Kept up to date with the trial cache instead of rebuilt per suggestion:
 * mapping 100,000 trials' parameters by name (a string compare each, an
 * allocation per trial) for every suggestion made the runner's own work
 * per trial grow with the study (issue 18: TPE's bookkeeping 0.45 ms a
 * trial at 1,000 trials, 1.43 ms at 10,000). A trial's parameters never
 * change, so each is mapped once per space version; rn_history_update
 * refreshes the rest when its record changes; a new space version (a
 * reload) maps everything again, at the next snapshot.
 *
 * A snapshot is a copy of the entries (state, value, step) that borrows
 * the mapped assignments. The runner takes one only when no suggestion is
 * in flight and never changes or frees a mapped assignment while one is
 * (a remapping waits for the next snapshot), so the worker thread reads
 * them safely. The copy is kept between snapshots and only the entries
 * that changed since the last are copied again: copying all of them per
 * suggestion made TPE's bookkeeping grow with the study (issue 18: 1.2–1.5×
 * per trial at 10,000 trials). A study with a gap (a trial number not read
 * yet) is copied whole, compacted, as before.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether the value x a trial of an older space version stored for
 * parameter p (shown then as text) means the same in the current space:
 * the current parameter formats it to the same text. A parameter whose
 * values changed (categorical [0, 1] became [7, 8]: x is an index) does
 * not; its old trials then count as not having it, rather than as having
 * chosen 7 or 8 (the grid once skipped both as already run). */
static bool same_meaning(const tt_space *space, tt_assignment *scratch, size_t p, double x,
                         const char *text)
{
    if (!tt_param_contains(&space->params[p], x))
        return false;
    scratch->x[p] = x;
    scratch->active[p] = true;
    char buf[512];
    return strcmp(tt_space_format(space, scratch, p, buf, sizeof buf), text) == 0;
}

/* t's parameters on the current space. */
static tt_assignment map_params(const rn_runner *r, const tt_trial_record *t,
                                tt_assignment *scratch)
{
    const tt_space *space = r->sweep->space;
    bool older = t->space_version != r->space_version;
    tt_assignment a = tt_assignment_new(space->n);
    for (size_t p = 0; p < space->n; p++) {
        a.active[p] = false;
        for (size_t q = 0; q < t->n_params; q++)
            if (strcmp(t->param_names[q], space->params[p].name) == 0) {
                bool active = t->param_active[q];
                if (active && older)
                    active = same_meaning(space, scratch, p, t->param_x[q], t->param_text[q]);
                a.x[p] = active ? t->param_x[q] : a.x[p];
                a.active[p] = active;
                break;
            }
    }
    return a;
}

static void forget_mappings(rn_runner *r)
{
    for (size_t i = 0; i < r->n_hist; i++)
        if (r->hist[i].params.x)
            tt_assignment_free(&r->hist[i].params);
}

enum { HIST_KNOWN = 1, HIST_DIRTY = 2 };

void rn_history_update(rn_runner *r, size_t idx)
{
    if (idx >= r->cap_hist) {
        size_t old = r->cap_hist;
        tt_grow((void **)&r->hist, &r->cap_hist, idx + 1, sizeof *r->hist);
        memset(r->hist + old, 0, (r->cap_hist - old) * sizeof *r->hist);
        r->hist_flags = tt_xrealloc(r->hist_flags, r->cap_hist);
        memset(r->hist_flags + old, 0, r->cap_hist - old);
    }
    if (idx >= r->n_hist)
        r->n_hist = idx + 1;
    const tt_trial_record *t = &r->trials[idx];
    tt_observation *o = &r->hist[idx];
    o->state = t->state;
    o->value = t->value;
    o->last_step = t->last_step;
    /* the mapping, once per trial and space version (rn_history_snapshot) */
    if (t->number > 0 && !(r->hist_flags[idx] & HIST_KNOWN)) {
        r->hist_flags[idx] |= HIST_KNOWN;
        r->n_hist_known++;
    }
    if (!(r->hist_flags[idx] & HIST_DIRTY)) {
        r->hist_flags[idx] |= HIST_DIRTY;
        tt_grow((void **)&r->hist_dirty, &r->cap_hist_dirty, r->n_hist_dirty + 1,
                sizeof *r->hist_dirty);
        r->hist_dirty[r->n_hist_dirty++] = idx;
    }
}

/* Entry i of the history, its parameters mapped. */
static const tt_observation *mapped(rn_runner *r, size_t i, tt_assignment *scratch)
{
    tt_observation *o = &r->hist[i];
    if (!o->params.x)
        o->params = map_params(r, &r->trials[i], scratch);
    return o;
}

static void clear_dirty(rn_runner *r)
{
    for (size_t k = 0; k < r->n_hist_dirty; k++)
        r->hist_flags[r->hist_dirty[k]] &= (unsigned char)~HIST_DIRTY;
    r->n_hist_dirty = 0;
}

const tt_observation *rn_history_snapshot(rn_runner *r, size_t *n_out)
{
    if (r->hist_version != r->space_version || r->hist_space != r->sweep->space) {
        forget_mappings(r);
        r->hist_version = r->space_version;
        r->hist_space = r->sweep->space;
        r->snap_rebuild = true;
    }
    tt_grow((void **)&r->snap, &r->cap_snap, r->n_hist + 1, sizeof *r->snap);
    tt_assignment scratch = tt_assignment_new(r->sweep->space->n);
    /* without a gap, entry i of the snapshot is entry i of the history */
    bool dense = r->n_hist_known == r->n_hist && r->n_hist <= r->n_trials;
    if (dense && !r->snap_rebuild) {
        for (size_t k = 0; k < r->n_hist_dirty; k++) {
            size_t i = r->hist_dirty[k];
            r->snap[i] = *mapped(r, i, &scratch);
        }
        r->n_snap = r->n_hist;
    } else {
        size_t n = 0;
        for (size_t i = 0; i < r->n_hist && i < r->n_trials; i++)
            if (r->trials[i].number > 0)
                r->snap[n++] = *mapped(r, i, &scratch);
        r->n_snap = n;
        r->snap_rebuild = !dense;
    }
    clear_dirty(r);
    tt_assignment_free(&scratch);
    *n_out = r->n_snap;
    return r->snap;
}

void rn_history_free(rn_runner *r)
{
    forget_mappings(r);
    free(r->hist);
    free(r->hist_flags);
    free(r->hist_dirty);
    free(r->snap);
    r->hist = r->snap = NULL;
    r->hist_flags = NULL;
    r->hist_dirty = NULL;
    r->n_hist = r->cap_hist = r->n_hist_known = 0;
    r->n_hist_dirty = r->cap_hist_dirty = r->n_snap = r->cap_snap = 0;
}
