/*
 * store/export — a study as CSV or JSON, for pandas, spreadsheets, jq and
 * the `tunetop export` / `best` commands.
 *
 * Parameters become columns: the union of every trial's names, in the order
 * they first appear (trial 1's space order first, then names added by later
 * sweep-file versions), so a reloaded space adds columns at the end instead
 * of shuffling them. A trial that lacks a parameter (inactive, or from an
 * older space) has an empty cell. Metrics are those of each trial's current
 * attempt, the one its value and state describe.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct export_data {
    tt_trial_record *rows;
    size_t n, cap;
    char **columns;          /* param names, borrowed from rows */
    size_t n_columns, cap_columns;
} export_data;

static void export_data_free(export_data *d)
{
    for (size_t i = 0; i < d->n; i++)
        tt_trial_record_clear(&d->rows[i]);
    free(d->rows);
    free(d->columns);
}

static int load(tt_store *st, export_data *d, tt_error *err)
{
    memset(d, 0, sizeof *d);
    int rc = tt_store_trials_since(st, 0, 0, &d->rows, &d->n, &d->cap, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < d->n; i++) {
        const tt_trial_record *r = &d->rows[i];
        for (size_t p = 0; p < r->n_params; p++) {
            size_t c = 0;
            while (c < d->n_columns && strcmp(d->columns[c], r->param_names[p]) != 0)
                c++;
            if (c == d->n_columns) {
                tt_grow((void **)&d->columns, &d->cap_columns, d->n_columns + 1,
                        sizeof *d->columns);
                d->columns[d->n_columns++] = r->param_names[p];
            }
        }
    }
    return 0;
}

/* The text of param name in r, or NULL when r has none (or it is inactive). */
static const char *param_text(const tt_trial_record *r, const char *name)
{
    for (size_t p = 0; p < r->n_params; p++)
        if (strcmp(r->param_names[p], name) == 0)
            return r->param_active[p] ? r->param_text[p] : NULL;
    return NULL;
}

static void format_time(double t, char *buf, size_t n)
{
    if (t > 0)
        store_iso8601(t, buf, n);
    else
        buf[0] = '\0';
}

/* duration_s from the stored start and end. Those are wall-clock times,
 * kept for display (what a user compares with other logs): a step of the
 * clock back between them (NTP, a resumed VM) makes the end earlier than
 * the start, which is not a negative duration. Clamped at 0. */
static void format_duration(const tt_trial_record *r, char *buf, size_t n)
{
    if (r->started_at > 0 && r->finished_at > 0) {
        double d = r->finished_at - r->started_at;
        snprintf(buf, n, "%.3f", d > 0 ? d : 0.0);
    } else {
        buf[0] = '\0';
    }
}

static int finish_output(FILE *out, tt_error *err)
{
    if (fflush(out) != 0 || ferror(out))
        return tt_error_set(err, TT_ERR_IO, "cannot write the export: %s", strerror(errno));
    return 0;
}

int tt_store_export_trials_csv(tt_store *st, FILE *out, tt_error *err)
{
    export_data d;
    bool snapshot = store_read_begin(st);
    int rc = load(st, &d, err);
    store_read_end(st, snapshot);
    if (rc != 0) {
        export_data_free(&d);
        return rc;
    }
    fputs("trial,state,value", out);
    for (size_t c = 0; c < d.n_columns; c++) {
        fputc(',', out);
        tt_csv_field(out, d.columns[c]);
    }
    fputs(",started,finished,duration_s,reason,value_std\n", out);
    for (size_t i = 0; i < d.n; i++) {
        const tt_trial_record *r = &d.rows[i];
        char value[32] = "", started[32], finished[32], duration[32];
        if (!isnan(r->value))
            tt_format_double(r->value, value, sizeof value);
        format_time(r->started_at, started, sizeof started);
        format_time(r->finished_at, finished, sizeof finished);
        format_duration(r, duration, sizeof duration);
        fprintf(out, "%ld,%s,%s", tt_store_shown_number(st, r->number), tt_trial_state_name(r->state), value);
        for (size_t c = 0; c < d.n_columns; c++) {
            const char *text = param_text(r, d.columns[c]);
            fputc(',', out);
            tt_csv_field(out, text ? text : "");
        }
        fprintf(out, ",%s,%s,%s,", started, finished, duration);
        tt_csv_field(out, r->reason ? r->reason : "");
        char std[32] = "";
        if (isfinite(r->value_std))
            tt_format_double(r->value_std, std, sizeof std);
        fprintf(out, ",%s\n", std);
    }
    export_data_free(&d);
    return finish_output(out, err);
}

#define CURRENT_METRICS                                                                      \
    "SELECT m.trial, m.step, n.name, m.value, m.run FROM metric_points m"                    \
    " JOIN trials t ON t.number = m.trial AND t.attempt = m.attempt"                         \
    " JOIN metric_names n ON n.id = m.name_id"

int tt_store_export_runs_csv(tt_store *st, FILE *out, tt_error *err)
{
    export_data d;
    bool snapshot = store_read_begin(st);
    int rc = load(st, &d, err);
    fputs("trial,fold,repeat,value,state\n", out);
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        const tt_trial_record *t = &d.rows[i];
        char value[32] = "";
        if (tt_runs_count(t->folds, t->repeats) <= 1) {
            /* A trial of one run is that run. */
            if (!isnan(t->value))
                tt_format_double(t->value, value, sizeof value);
            fprintf(out, "%ld,%s,0,%s,%s\n", tt_store_shown_number(st, t->number), t->folds > 0 ? "0" : "", value,
                    tt_trial_state_name(t->state));
            continue;
        }
        tt_run_record *runs = NULL;
        size_t n = 0;
        rc = tt_store_runs_of(st, t->number, t->attempt, &runs, &n, err);
        for (size_t k = 0; rc == 0 && k < n; k++) {
            value[0] = '\0';
            if (!isnan(runs[k].value))
                tt_format_double(runs[k].value, value, sizeof value);
            char fold[16] = "";
            if (t->folds > 0)
                snprintf(fold, sizeof fold, "%d", runs[k].fold);
            fprintf(out, "%ld,%s,%d,%s,%s\n", tt_store_shown_number(st, t->number), fold, runs[k].repeat, value,
                    tt_trial_state_name(runs[k].state));
        }
        tt_run_records_free(runs, n);
    }
    store_read_end(st, snapshot);
    export_data_free(&d);
    return rc != 0 ? rc : finish_output(out, err);
}

int tt_store_export_metrics_csv(tt_store *st, FILE *out, tt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_metrics_flush(st, err);
    if (rc != 0)
        return rc;
    rc = sqlite3_prepare_v2(st->db, CURRENT_METRICS " ORDER BY m.trial, m.run, m.step, m.id", -1,
                                &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return store_fail(st, rc, err, "cannot export metrics");
    }
    fputs("trial,step,name,value,run\n", out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char value[32] = "";
        if (sqlite3_column_type(s, 3) != SQLITE_NULL)
            tt_format_double(sqlite3_column_double(s, 3), value, sizeof value);
        fprintf(out, "%ld,%lld,", tt_store_shown_number(st, (long)sqlite3_column_int64(s, 0)),
                (long long)sqlite3_column_int64(s, 1));
        const char *name = (const char *)sqlite3_column_text(s, 2);
        tt_csv_field(out, name ? name : "");
        fprintf(out, ",%s,%d\n", value, sqlite3_column_int(s, 4));
    }
    int ret = rc == SQLITE_DONE ? 0 : store_fail(st, rc, err, "cannot export metrics");
    sqlite3_finalize(s);
    return ret != 0 ? ret : finish_output(out, err);
}


static void json_number(FILE *out, double v)
{
    char buf[32];
    if (isfinite(v))
        fputs(tt_format_double(v, buf, sizeof buf), out);
    else
        fputs("null", out);
}

/* A parameter as its JSON type: booleans, numbers when the whole text is a
 * finite decimal number (kept verbatim when JSON already spells it that
 * way, so large integers stay exact), strings otherwise. */
static void json_param(FILE *out, const char *text)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0) {
        fputs("true", out);
        return;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0) {
        fputs("false", out);
        return;
    }
    if (tt_json_is_number(text)) {
        double v = strtod(text, NULL);
        if (isfinite(v)) {
            fputs(text, out);
            return;
        }
    }
    if (text[0] != '\0' && !isspace((unsigned char)text[0]) && strpbrk(text, "xXpP") == NULL) {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (*end == '\0' && errno == 0 && isfinite(v)) {
            json_number(out, v);
            return;
        }
    }
    tt_json_string(out, text);
}

static void json_time(FILE *out, const char *key, double t)
{
    char buf[32];
    fprintf(out, ",\"%s\":", key);
    if (t > 0) {
        store_iso8601(t, buf, sizeof buf);
        fprintf(out, "\"%s\"", buf);
    } else {
        fputs("null", out);
    }
}

static int json_metrics(tt_store *st, FILE *out, sqlite3_stmt *s, const tt_trial_record *r,
                        tt_error *err)
{
    sqlite3_bind_int64(s, 1, r->number);
    sqlite3_bind_int(s, 2, r->attempt);
    fputs(",\"metrics\":[", out);
    int rc;
    bool first = true;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        fprintf(out, "%s{\"step\":%lld,\"name\":", first ? "" : ",",
                (long long)sqlite3_column_int64(s, 0));
        tt_json_string(out, (const char *)sqlite3_column_text(s, 1));
        fputs(",\"value\":", out);
        json_number(out, store_column_double(s, 2));
        fputc('}', out);
        first = false;
    }
    fputc(']', out);
    int ret = rc == SQLITE_DONE ? 0
                                : store_fail(st, rc, err, "cannot export metrics of trial %ld",
                                             r->number);
    sqlite3_reset(s);
    return ret;
}

static int json_trial(tt_store *st, FILE *out, const tt_trial_record *r, sqlite3_stmt *metrics,
                      tt_error *err)
{
    fprintf(out, "{\"trial\":%ld,\"attempt\":%d,\"state\":\"%s\",\"value\":",
            tt_store_shown_number(st, r->number),
            r->attempt, tt_trial_state_name(r->state));
    json_number(out, r->value);
    fputs(",\"value_std\":", out);
    json_number(out, r->value_std);
    if (tt_runs_count(r->folds, r->repeats) > 1) {
        /* Each run of its current attempt, in run order. */
        tt_run_record *runs = NULL;
        size_t n = 0;
        int rc = tt_store_runs_of(st, r->number, r->attempt, &runs, &n, err);
        if (rc != 0)
            return rc;
        fputs(",\"runs\":[", out);
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%s{\"fold\":%d,\"repeat\":%d,\"state\":\"%s\",\"value\":",
                    i ? "," : "", runs[i].fold, runs[i].repeat,
                    tt_trial_state_name(runs[i].state));
            json_number(out, runs[i].value);
            fputc('}', out);
        }
        fputc(']', out);
        tt_run_records_free(runs, n);
    }
    fputs(",\"params\":{", out);
    bool first = true;
    for (size_t p = 0; p < r->n_params; p++) {
        if (!r->param_active[p])
            continue;
        if (!first)
            fputc(',', out);
        tt_json_string(out, r->param_names[p]);
        fputc(':', out);
        json_param(out, r->param_text[p]);
        first = false;
    }
    fputc('}', out);
    json_time(out, "started", r->started_at);
    json_time(out, "finished", r->finished_at);
    char duration[32];
    format_duration(r, duration, sizeof duration);
    fprintf(out, ",\"duration_s\":%s,\"reason\":", duration[0] ? duration : "null");
    if (r->reason)
        tt_json_string(out, r->reason);
    else
        fputs("null", out);
    int rc = metrics ? json_metrics(st, out, metrics, r, err) : 0;
    fputc('}', out);
    return rc;
}

int tt_store_export_json(tt_store *st, FILE *out, bool with_metrics, tt_error *err)
{
    export_data d;
    sqlite3_stmt *metrics = NULL;
    int rc = store_metrics_flush(st, err);
    if (rc != 0)
        return rc;
    bool snapshot = store_read_begin(st);
    rc = load(st, &d, err);
    if (rc == 0 && with_metrics) {
        /* One trial's points through its runs (metric_runs, open.c). */
        int src = sqlite3_prepare_v2(st->db,
                                     "SELECT p.step, n.name, p.value FROM metric_runs r"
                                     " JOIN metric_points p"
                                     " ON p.id BETWEEN r.first_id AND r.last_id"
                                     " JOIN metric_names n ON n.id = p.name_id"
                                     " WHERE r.trial = ?1 AND p.trial = ?1 AND p.attempt = ?2"
                                     " ORDER BY p.step, p.id",
                                     -1, &metrics, NULL);
        if (src != SQLITE_OK)
            rc = store_fail(st, src, err, "cannot export metrics");
    }
    if (rc == 0) {
        fputs("[", out);
        for (size_t i = 0; rc == 0 && i < d.n; i++) {
            fputs(i ? ",\n  " : "\n  ", out);
            rc = json_trial(st, out, &d.rows[i], metrics, err);
        }
        fputs(d.n ? "\n]\n" : "]\n", out);
    }
    sqlite3_finalize(metrics);
    store_read_end(st, snapshot);
    export_data_free(&d);
    return rc != 0 ? rc : finish_output(out, err);
}
