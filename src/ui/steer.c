/*
 * steer — the requests a view builds from its markers, the question, the
 * write and the status line's answer (steer.h). Nothing is written before
 * the user says yes (ui_confirm); then tt_study_narrow_many does what
 * `tunetop narrow` does — the sweep file checked against the recorded
 * version, each parameter narrowed by config (a widening, an unknown value
 * refused), saved atomically once (FILE~ kept), reloaded by the live
 * runner or the next one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steer.h"
#include "tunetop/study.h"

/* The requests waiting for the user's yes. */
static struct {
    ui_steer_req req[UI_STEER_MAX];
    size_t n;
    void (*done)(void);
} pending;

static void req_clear(ui_steer_req *r)
{
    for (size_t i = 0; i < r->n_values; i++)
        free(r->values[i]);
    free(r->values);
    memset(r, 0, sizeof *r);
}

void ui_steer_begin(void)
{
    for (size_t i = 0; i < UI_STEER_MAX; i++)
        req_clear(&pending.req[i]);
    pending.n = 0;
    pending.done = NULL;
}

ui_steer_req *ui_steer_add(const tt_param *P)
{
    if (pending.n >= UI_STEER_MAX)
        return NULL;
    ui_steer_req *r = &pending.req[pending.n++];
    snprintf(r->param, sizeof r->param, "%s", P->name);
    return r;
}

void ui_steer_drop_last(void)
{
    if (pending.n)
        req_clear(&pending.req[--pending.n]);
}

size_t ui_steer_count(void)
{
    return pending.n;
}

ui_steer_req *ui_steer_get(size_t i)
{
    return i < pending.n ? &pending.req[i] : NULL;
}

/* The parameter's range in the values a trial sees; ±inf when unbounded. */
static void space_bounds(const tt_param *P, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    switch (P->dist) {
    case TT_DIST_INT_UNIFORM:
    case TT_DIST_UNIFORM:
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
        *lo = P->min;
        *hi = P->max;
        break;
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
        *lo = exp(P->min);
        *hi = exp(P->max);
        break;
    default:
        break;
    }
}

int ui_steer_range(ui_steer_req *r, const tt_param *P, double lo, bool lo_edge, double hi,
                   bool hi_edge)
{
    double blo, bhi;
    space_bounds(P, &blo, &bhi);
    if (P->is_int) {
        lo = ceil(lo);
        hi = floor(hi);
    }
    /* the text written is what the loader reads back: compare that, so a
     * bound that rounds onto the space's own is not a narrowing */
    const char *fmt = P->is_int ? "%.0f" : "%.4g";
    r->has_min = r->has_max = false;
    if (!lo_edge && lo > blo) {
        snprintf(r->min, sizeof r->min, fmt, lo);
        r->has_min = strtod(r->min, NULL) > blo;
    }
    if (!hi_edge && hi < bhi) {
        snprintf(r->max, sizeof r->max, fmt, hi);
        r->has_max = strtod(r->max, NULL) < bhi;
    }
    return r->has_min + r->has_max;
}

void ui_steer_keep(ui_steer_req *r, const tt_param *P, size_t k)
{
    if (k >= P->n_values)
        return;
    if (!r->values)
        r->values = tt_xcalloc(P->n_values + 1, sizeof *r->values);
    char buf[256];
    r->values[r->n_values++] = tt_xstrdup(tt_value_format(&P->values[k], buf, sizeof buf));
}

bool ui_steer_pin_best(ui_app *a, ui_steer_req *r, const tt_param *P)
{
    const ui_trial *best = a->model.best ? ui_model_trial(&a->model, a->model.best) : NULL;
    const char *v = best ? ui_trial_param(&best->rec, P->name) : NULL;
    if (!v || !*v) {
        ui_message(a, true, "no completed trial has %s: nothing to pin it to", P->name);
        return false;
    }
    snprintf(r->pin, sizeof r->pin, "%s", v);
    r->has_pin = true;
    return true;
}

void ui_steer_pin_value(ui_steer_req *r, const tt_param *P, size_t k)
{
    char buf[256];
    if (k >= P->n_values)
        return;
    snprintf(r->pin, sizeof r->pin, "%s", tt_value_format(&P->values[k], buf, sizeof buf));
    r->has_pin = true;
}

static void narrow_now(ui_app *a, void *arg)
{
    (void)arg;
    ui_model *m = &a->model;
    tt_narrow reqs[UI_STEER_MAX];
    const char **values[UI_STEER_MAX] = {0};
    char names[600] = "";
    size_t len = 0;
    for (size_t i = 0; i < pending.n; i++) {
        const ui_steer_req *r = &pending.req[i];
        if (r->n_values) {
            values[i] = tt_xcalloc(r->n_values, sizeof *values[i]);
            for (size_t k = 0; k < r->n_values; k++)
                values[i][k] = r->values[k];
        }
        reqs[i] = (tt_narrow){.param = r->param,
                              .min = r->has_min ? r->min : NULL,
                              .max = r->has_max ? r->max : NULL,
                              .values = values[i],
                              .n_values = r->n_values,
                              .pin = r->has_pin ? r->pin : NULL};
        int w = snprintf(names + len, sizeof names - len, "%s%s",
                         i == 0 ? "" : i + 1 == pending.n ? " and " : ", ", r->param);
        if (w > 0 && (size_t)w < sizeof names - len)
            len += (size_t)w;
    }
    tt_error err = {0};
    char *path = NULL;
    long version = m->study.info.space_version;
    int64_t id = tt_study_narrow_many(m->study.store, &m->study.info, reqs, pending.n, &path,
                                      &err);
    for (size_t i = 0; i < pending.n; i++)
        free(values[i]);
    if (id < 0) {
        ui_message(a, true, "narrow %s refused: %s", names, err.msg);
    } else {
        ui_track(a, "reload", id);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (m->study.runner_pid == 0)
            ui_message(a, false, "%s narrowed in %s (old file %s~): space v%ld once a runner "
                                 "starts (R)", names, base, base, version + 1);
        else
            ui_message(a, false, "%s narrowed in %s (old file %s~): space v%ld when the runner "
                                 "reloads it", names, base, base, version + 1);
        if (pending.done)
            pending.done();
    }
    free(path);
    ui_steer_begin();
}

void ui_steer_ask(ui_app *a, const char *what, void (*done)(void))
{
    if (ui_read_only(a))   /* an Optuna study: says so in the status line */
        return;
    pending.done = done;
    char q[200];
    snprintf(q, sizeof q, "%.120s? y = write the next space version (old file kept as FILE~), "
                          "other = cancel", what);
    ui_confirm(a, q, narrow_now, NULL);
}
