/*
 * optuna/space — Optuna's distributions turned into tunetop's words.
 *
 * Optuna has no search space of its own: each trial records, per
 * parameter, the distribution it was sampled from (trial_params.
 * distribution_json) and the value in Optuna's internal form (param_value:
 * a float, an int as a float, a category's index). We decode each value
 * to the text a trial got ("0.01", "3", "adam"), and keep the union of the
 * distributions seen per name as the space, written as a tunetop sweep
 * file so that everything reading a study (importance, the slice and
 * contour views, the axes of the charts) finds the space it expects:
 *
 *   Float {low, high}             → uniform
 *   Float {log}                   → log_uniform_values
 *   Float {step}                  → q_uniform (q = step)
 *   Int {low, high}               → int_uniform
 *   Int {step > 1}                → q_uniform (integral q and bounds: ints)
 *   Int {log}                     → q_log_uniform_values, q = 1 (ints)
 *   Categorical {choices}         → values
 *   low == high                   → value (a constant)
 *
 * and the names Optuna used before 3.0 (Uniform, LogUniform,
 * DiscreteUniform {q}, IntUniform, IntLogUniform). A q_uniform rounds to
 * multiples of q where Optuna steps from low; the two grids differ only
 * when low is not a multiple of the step, and a mirror never samples.
 *
 * The JSON is read with SQLite's own JSON functions on the Optuna
 * connection (no tables touched); distributions repeat across trials, so
 * each distinct text is decoded once (the space's cache).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void opt_value_clear(opt_value *v)
{
    free(v->text);
    for (size_t i = 0; i < v->n_choices; i++)
        free(v->choices[i]);
    free(v->choices);
    free(v->choice_quoted);
    memset(v, 0, sizeof *v);
}

/* A choice of a categorical, from json_each's value and type columns. */
static char *choice_text(sqlite3_stmt *s, int col, const char *type, bool *quoted)
{
    char buf[32];
    *quoted = false;
    if (strcmp(type, "text") == 0) {
        *quoted = true;
        const char *t = (const char *)sqlite3_column_text(s, col);
        return tt_xstrdup(t ? t : "");
    }
    if (strcmp(type, "real") == 0)
        return tt_xstrdup(tt_format_double(sqlite3_column_double(s, col), buf, sizeof buf));
    if (strcmp(type, "true") == 0 || strcmp(type, "false") == 0 || strcmp(type, "null") == 0)
        return tt_xstrdup(type);
    const char *t = (const char *)sqlite3_column_text(s, col); /* integer */
    return tt_xstrdup(t ? t : "");
}

static int read_choices(sqlite3 *db, const char *dist_json, opt_value *out, tt_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0, cap_q = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT value, type FROM json_each(?1, '$.attributes.choices')"
                                    " ORDER BY key", -1, &s, NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_text(s, 1, dist_json, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        rc = SQLITE_OK; /* the next row */
        const char *type = (const char *)sqlite3_column_text(s, 1);
        tt_grow((void **)&out->choices, &cap, out->n_choices + 1, sizeof *out->choices);
        tt_grow((void **)&out->choice_quoted, &cap_q, out->n_choices + 1,
                sizeof *out->choice_quoted);
        out->choices[out->n_choices] =
            choice_text(s, 0, type ? type : "null", &out->choice_quoted[out->n_choices]);
        out->n_choices++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return tt_error_set(err, TT_ERR_INVALID, "cannot read the choices of %s", dist_json);
    return 0;
}

/* The distribution alone (no value): kind, range, step, log, choices. */
static int parse_distribution(sqlite3 *db, const char *name, const char *dist_json,
                              opt_value *out, tt_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "SELECT json_extract(?1, '$.name'), json_extract(?1, '$.attributes.low'),"
        " json_extract(?1, '$.attributes.high'), json_extract(?1, '$.attributes.log'),"
        " json_extract(?1, '$.attributes.step'), json_extract(?1, '$.attributes.q')",
        -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, dist_json, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return tt_error_set(err, TT_ERR_INVALID, "parameter '%s': cannot read its distribution "
                            "%s", name, dist_json ? dist_json : "(none)");
    }
    char kind[64] = "";
    if (sqlite3_column_text(s, 0))
        snprintf(kind, sizeof kind, "%s", (const char *)sqlite3_column_text(s, 0));
    out->low = sqlite3_column_double(s, 1);
    out->high = sqlite3_column_double(s, 2);
    out->log = sqlite3_column_int(s, 3) != 0;
    double step = sqlite3_column_type(s, 4) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 4);
    double q = sqlite3_column_type(s, 5) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 5);
    sqlite3_finalize(s);

    rc = 0;
    if (strcmp(kind, "FloatDistribution") == 0) {
        out->kind = OPT_FLOAT;
        out->step = step;
    } else if (strcmp(kind, "UniformDistribution") == 0) {
        out->kind = OPT_FLOAT;
    } else if (strcmp(kind, "LogUniformDistribution") == 0) {
        out->kind = OPT_FLOAT;
        out->log = true;
    } else if (strcmp(kind, "DiscreteUniformDistribution") == 0) {
        out->kind = OPT_FLOAT;
        out->step = q;
    } else if (strcmp(kind, "IntDistribution") == 0 ||
               strcmp(kind, "IntUniformDistribution") == 0) {
        out->kind = OPT_INT;
        out->step = step > 0 ? step : 1;
    } else if (strcmp(kind, "IntLogUniformDistribution") == 0) {
        out->kind = OPT_INT;
        out->log = true;
        out->step = 1;
    } else if (strcmp(kind, "CategoricalDistribution") == 0) {
        out->kind = OPT_CATEGORICAL;
        rc = read_choices(db, dist_json, out, err);
        if (rc == 0 && out->n_choices == 0)
            rc = tt_error_set(err, TT_ERR_INVALID, "parameter '%s': a categorical distribution "
                              "without choices", name);
    } else {
        rc = tt_error_set(err, TT_ERR_UNSUPPORTED, "parameter '%s': unknown Optuna "
                          "distribution '%s'", name, kind[0] ? kind : dist_json);
    }
    return rc;
}

static void copy_distribution(opt_value *to, const opt_value *from)
{
    *to = *from;
    to->text = NULL;
    to->choices = from->n_choices ? tt_xcalloc(from->n_choices, sizeof *to->choices) : NULL;
    to->choice_quoted =
        from->n_choices ? tt_xcalloc(from->n_choices, sizeof *to->choice_quoted) : NULL;
    for (size_t i = 0; i < from->n_choices; i++) {
        to->choices[i] = tt_xstrdup(from->choices[i]);
        to->choice_quoted[i] = from->choice_quoted[i];
    }
}

#define CACHE_MAX 4096 /* past this, decode without keeping (a pathological study) */

int opt_decode(sqlite3 *db, opt_space *s, const char *name, const char *dist_json,
               double internal, opt_value *out, tt_error *err)
{
    const opt_value *dist = NULL;
    opt_value fresh;
    for (size_t i = 0; dist_json && i < s->n_cache; i++)
        if (strcmp(s->cache[i].json, dist_json) == 0)
            dist = &s->cache[i].dist;
    if (!dist) {
        int rc = parse_distribution(db, name, dist_json, &fresh, err);
        if (rc < 0) {
            opt_value_clear(&fresh);
            return rc;
        }
        if (dist_json && s->n_cache < CACHE_MAX) {
            tt_grow((void **)&s->cache, &s->cap_cache, s->n_cache + 1, sizeof *s->cache);
            s->cache[s->n_cache].json = tt_xstrdup(dist_json);
            s->cache[s->n_cache].dist = fresh;
            dist = &s->cache[s->n_cache++].dist;
        } else {
            dist = &fresh;
        }
    }
    copy_distribution(out, dist);
    if (dist == &fresh)
        opt_value_clear(&fresh);
    char buf[32];
    if (out->kind == OPT_CATEGORICAL) {
        double idx = floor(internal);
        if (!(idx >= 0 && idx < (double)out->n_choices)) {
            opt_value_clear(out);
            return tt_error_set(err, TT_ERR_INVALID, "parameter '%s': choice %g of %zu", name,
                                internal, out->n_choices);
        }
        out->text = tt_xstrdup(out->choices[(size_t)idx]);
        out->quoted = out->choice_quoted[(size_t)idx];
    } else if (out->kind == OPT_INT) {
        snprintf(buf, sizeof buf, "%lld", llround(internal));
        out->text = tt_xstrdup(buf);
    } else {
        out->text = tt_xstrdup(tt_format_double(internal, buf, sizeof buf));
    }
    return 0;
}

size_t opt_space_add(opt_space *s, const char *name, const opt_value *v)
{
    size_t i = 0;
    while (i < s->n && strcmp(s->params[i].name, name) != 0)
        i++;
    if (i == s->n) {
        tt_grow((void **)&s->params, &s->cap, s->n + 1, sizeof *s->params);
        opt_param *p = &s->params[s->n++];
        memset(p, 0, sizeof *p);
        p->name = tt_xstrdup(name);
        p->kind = v->kind;
        p->low = v->low;
        p->high = v->high;
        p->step = v->step;
        p->log = v->log;
        s->changed = true;
    }
    opt_param *p = &s->params[i];
    if (p->kind != v->kind) {
        /* the same name with another kind in a later trial: the latest wins
         * (its values are shown as text either way) */
        p->kind = v->kind;
        p->low = v->low;
        p->high = v->high;
        s->changed = true;
    }
    if (p->kind != OPT_CATEGORICAL) {
        if (v->low < p->low || v->high > p->high || v->log != p->log || v->step != p->step)
            s->changed = true;
        p->low = fmin(p->low, v->low);
        p->high = fmax(p->high, v->high);
        p->log = v->log;
        p->step = v->step;
    }
    for (size_t c = 0; c < v->n_choices; c++) {
        size_t k = 0;
        while (k < p->n_choices && strcmp(p->choices[k], v->choices[c]) != 0)
            k++;
        if (k < p->n_choices)
            continue;
        p->choices = tt_xrealloc(p->choices, (p->n_choices + 1) * sizeof *p->choices);
        p->quoted = tt_xrealloc(p->quoted, (p->n_choices + 1) * sizeof *p->quoted);
        p->choices[p->n_choices] = tt_xstrdup(v->choices[c]);
        p->quoted[p->n_choices++] = v->choice_quoted[c];
        s->changed = true;
    }
    return i;
}

double opt_space_x(const opt_space *s, size_t i, const opt_value *v)
{
    const opt_param *p = &s->params[i];
    if (p->kind == OPT_CATEGORICAL) {
        for (size_t k = 0; k < p->n_choices; k++)
            if (strcmp(p->choices[k], v->text) == 0)
                return (double)k;
        return NAN;
    }
    return strtod(v->text, NULL);
}

void opt_space_free(opt_space *s)
{
    for (size_t i = 0; i < s->n; i++) {
        opt_param *p = &s->params[i];
        free(p->name);
        for (size_t k = 0; k < p->n_choices; k++)
            free(p->choices[k]);
        free(p->choices);
        free(p->quoted);
    }
    free(s->params);
    for (size_t i = 0; i < s->n_cache; i++) {
        free(s->cache[i].json);
        opt_value_clear(&s->cache[i].dist);
    }
    free(s->cache);
    memset(s, 0, sizeof *s);
}

/* A YAML double-quoted scalar (JSON's escapes are YAML's). */
static void put_quoted(tt_buf *b, const char *t)
{
    tt_buf_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
        if (*c == '"' || *c == '\\')
            tt_buf_printf(b, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            tt_buf_printf(b, "\\x%02x", *c);
        else
            tt_buf_append(b, (const char *)c, 1);
    }
    tt_buf_puts(b, "\"");
}

/* A number that YAML and tunetop read back as a float (1 → 1.0), or as an
 * integer when it is one. */
static void put_number(tt_buf *b, double v, bool integer)
{
    char buf[40];
    if (integer) {
        tt_buf_printf(b, "%lld", llround(v));
        return;
    }
    tt_format_double(v, buf, sizeof buf);
    tt_buf_puts(b, buf);
    if (!strpbrk(buf, ".eEni"))
        tt_buf_puts(b, ".0");
}

static void put_param(tt_buf *b, const opt_param *p)
{
    tt_buf_puts(b, "  ");
    put_quoted(b, p->name);
    tt_buf_puts(b, ":\n");
    bool integer = p->kind == OPT_INT;
    if (p->kind == OPT_CATEGORICAL) {
        tt_buf_puts(b, "    values: [");
        for (size_t k = 0; k < p->n_choices; k++) {
            tt_buf_puts(b, k ? ", " : "");
            if (p->quoted[k])
                put_quoted(b, p->choices[k]);
            else
                tt_buf_puts(b, p->choices[k]);
        }
        tt_buf_puts(b, "]\n");
        return;
    }
    if (p->low == p->high) {
        tt_buf_puts(b, "    value: ");
        put_number(b, p->low, integer);
        tt_buf_puts(b, "\n");
        return;
    }
    const char *dist = integer ? (p->log ? "q_log_uniform_values"
                                         : p->step > 1 ? "q_uniform" : "int_uniform")
                               : (p->log ? "log_uniform_values"
                                         : p->step > 0 ? "q_uniform" : "uniform");
    tt_buf_printf(b, "    distribution: %s\n    min: ", dist);
    put_number(b, p->low, integer);
    tt_buf_puts(b, "\n    max: ");
    put_number(b, p->high, integer);
    tt_buf_puts(b, "\n");
    if (integer && (p->log || p->step > 1)) {
        tt_buf_puts(b, "    q: ");
        put_number(b, p->log ? 1 : p->step, true);
        tt_buf_puts(b, "\n");
    } else if (!integer && p->step > 0 && !p->log) {
        tt_buf_puts(b, "    q: ");
        put_number(b, p->step, false);
        tt_buf_puts(b, "\n");
    }
}

char *opt_space_yaml(const opt_space *s, const char *study, const char *metric, tt_goal goal,
                     int n_objectives)
{
    tt_buf b = {0};
    tt_buf_puts(&b, "# The search space of an Optuna study, as its trials' distributions\n"
                    "# say (written by tunetop to read it; Optuna does not read this).\n"
                    "name: ");
    put_quoted(&b, study);
    tt_buf_puts(&b, "\ndescription: ");
    char desc[160];
    if (n_objectives > 1)
        snprintf(desc, sizeof desc, "Optuna study (read-only), %d objectives: the first is "
                 "shown", n_objectives);
    else
        snprintf(desc, sizeof desc, "Optuna study (read-only)");
    put_quoted(&b, desc);
    tt_buf_puts(&b, "\nmethod: random\nmetric:\n  name: ");
    put_quoted(&b, metric);
    tt_buf_printf(&b, "\n  goal: %s\nparameters:\n", tt_goal_name(goal));
    for (size_t i = 0; i < s->n; i++)
        put_param(&b, &s->params[i]);
    return tt_buf_take(&b);
}
