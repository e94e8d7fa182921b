/*
 * status and best — `tunetop status DIR [--json]` and
 * `tunetop best DIR [-n K] [--format table|csv|json]`: plain-text views of
 * a study for scripts and SSH sessions. The JSON of `status` is a stable
 * interface documented in the README; its state keys and goal are the
 * vocab.h names, which never change for that reason.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/study.h"

static void json_number(FILE *out, double v)
{
    char buf[40];
    if (isfinite(v))
        fputs(tt_format_double(v, buf, sizeof buf), out);
    else
        fputs("null", out);
}


/* A parameter text as a JSON value: numbers and booleans typed. */
static void json_param(FILE *out, const char *text)
{
    if (tt_json_is_number(text))
        fputs(text, out);
    else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        fputs(text, out);
    else
        tt_json_string(out, text);
}

static void json_params(FILE *out, const tt_trial_record *t)
{
    fputc('{', out);
    bool first = true;
    for (size_t i = 0; i < t->n_params; i++) {
        if (!t->param_active[i])
            continue;
        fputs(first ? "" : ", ", out);
        first = false;
        tt_json_string(out, t->param_names[i]);
        fputs(": ", out);
        json_param(out, t->param_text[i]);
    }
    fputc('}', out);
}

/* elapsed_s is the runners' time, summed from CLOCK_MONOTONIC intervals:
 * a step of the wall clock does not reach it, and it is never negative in
 * a study a runner wrote. A database edited or damaged by hand still shows
 * 0, never "-5.0s", like every duration tunetop displays. */
static double elapsed_shown(double s)
{
    return isfinite(s) && s < 0 ? 0 : s;
}

static void format_elapsed(double s, char *buf, size_t n)
{
    s = elapsed_shown(s);
    long t = (long)s;
    if (t >= 3600)
        snprintf(buf, n, "%ldh %02ldm %02lds", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60)
        snprintf(buf, n, "%ldm %02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%.1fs", s);
}

/* A trial of several runs (folds x repeats): ", \"std\": S, \"runs\": [v…]",
 * the runs' values in run order (fold-major: fold 0 repeat 0, fold 0
 * repeat 1, …); null for a run that has no value. Nothing for one run. */
static void json_runs(FILE *o, const cli_view *v, const tt_trial_record *t)
{
    if (tt_runs_count(t->folds, t->repeats) <= 1)
        return;
    fputs(", \"std\": ", o);
    json_number(o, t->value_std);
    fputs(", \"runs\": [", o);
    tt_run_record *runs = NULL;
    size_t n = 0;
    if (tt_store_runs_of(v->study.store, t->number, t->attempt, &runs, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", " : "", o);
            json_number(o, runs[i].value);
        }
    tt_run_records_free(runs, n);
    fputc(']', o);
}

/* An Optuna study's own words: its file and name, how many objectives
 * (the first is the one shown), and the counts under Optuna's state
 * names, so a script can compare them with optuna's without a table. */
static void optuna_json(FILE *o, const cli_view *v)
{
    static const struct {
        const char *name;
        tt_trial_state state;
    } states[] = {{"COMPLETE", TT_TRIAL_COMPLETED}, {"PRUNED", TT_TRIAL_PRUNED},
                  {"FAIL", TT_TRIAL_FAILED},        {"RUNNING", TT_TRIAL_RUNNING},
                  {"WAITING", TT_TRIAL_QUEUED}};
    fputs(", \"optuna\": {\"file\": ", o);
    tt_json_string(o, tt_optuna_path(v->study.optuna));
    fputs(", \"study\": ", o);
    tt_json_string(o, tt_optuna_study_name(v->study.optuna));
    fprintf(o, ", \"objectives\": %d, \"counts\": {", tt_optuna_objectives(v->study.optuna));
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        fprintf(o, "%s\"%s\": %ld", i ? ", " : "", states[i].name, v->counts[states[i].state]);
    fputs("}}", o);
}

static int status_json(const cli_view *v, const tt_trial_record *best)
{
    FILE *o = stdout;
    fputs("{\"study\": ", o);
    tt_json_string(o, v->study.info.name);
    fputs(", \"dir\": ", o);
    tt_json_string(o, v->study.dir);
    fputs(", \"description\": ", o);
    if (v->study.sweep && v->study.sweep->description)
        tt_json_string(o, v->study.sweep->description);
    else
        fputs("null", o);
    fprintf(o, ", \"state\": \"%s\", \"counts\": {", cli_view_state(v));
    for (int s = 0; s < TT_TRIAL_STATE_COUNT; s++)
        fprintf(o, "%s\"%s\": %ld", s ? ", " : "", tt_trial_state_name((tt_trial_state)s),
                v->counts[s]);
    fprintf(o, "}, \"total\": %ld, \"metric\": ", v->total);
    tt_json_string(o, v->study.metric);
    fprintf(o, ", \"goal\": \"%s\", \"best\": ", tt_goal_name(v->study.goal));
    if (best) {
        fprintf(o, "{\"trial\": %ld, \"value\": ", cli_view_number(v, best->number));
        json_number(o, best->value);
        json_runs(o, v, best);
        fputs(", \"params\": ", o);
        json_params(o, best);
        fputc('}', o);
    } else {
        fputs("null", o);
    }
    fputs(", \"stop_reason\": ", o);
    if (v->study.info.stop_reason && strcmp(cli_view_state(v), "running") != 0 &&
        strcmp(cli_view_state(v), "paused") != 0)
        tt_json_string(o, v->study.info.stop_reason);
    else
        fputs("null", o);
    fputs(", \"run_cap\": ", o);
    if (v->study.sweep && v->study.sweep->run_cap > 0)
        fprintf(o, "%ld", v->study.sweep->run_cap);
    else
        fputs("null", o);
    fputs(", \"elapsed_s\": ", o);
    json_number(o, elapsed_shown(v->study.info.elapsed_s));
    fputs(", \"runner_pid\": ", o);
    if (v->study.runner_pid > 0)
        fprintf(o, "%ld", v->study.runner_pid);
    else
        fputs("null", o);
    fprintf(o, ", \"space_version\": %ld", v->study.info.space_version);
    if (v->study.optuna)
        optuna_json(o, v);
    fputs("}\n", o);
    return CLI_EXIT_OK;
}

/* The text tables are for terminals: parameter values and names come from
 * sweep files (someone else's, maybe) and are printed through
 * tt_text_printable, so no escape sequence reaches the terminal. csv and
 * json keep the exact text (json escapes controls). */
static void print_printable(char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        char *safe = tt_text_printable(text + i, n);
        fputs(safe, stdout);
        free(safe);
        if (nl)
            putchar('\n');
        i += n + (nl ? 1 : 0);
    }
    free(text);
}

/* The sweep's `description` (W&B shows it on the sweep's page) under the
 * study line; the lines of a multi-line one stay lines, indented, without
 * the trailing newline a YAML block scalar leaves. */
static void print_description(FILE *o, const tt_sweep *sw)
{
    const char *d = sw ? sw->description : NULL;
    size_t len = d ? strlen(d) : 0;
    while (len && strchr(" \t\r\n", d[len - 1]))
        len--;
    if (len == 0)
        return;
    fputs("about    ", o);
    for (size_t i = 0; i < len; i++) {
        fputc(d[i], o);
        if (d[i] == '\n')
            fputs("         ", o);
    }
    fputc('\n', o);
}

static void status_text(FILE *o, const cli_view *v, const tt_trial_record *best)
{
    char el[64];
    format_elapsed(v->study.info.elapsed_s, el, sizeof el);
    fprintf(o, "study    %s (%s)\n", v->study.info.name, v->study.dir);
    print_description(o, v->study.sweep);
    fprintf(o, "state    %s", cli_view_state(v));
    if (v->study.optuna) {
        int k = tt_optuna_objectives(v->study.optuna);
        fprintf(o, " (read-only), %s %s", tt_goal_name(v->study.goal), v->study.metric);
        if (k > 1)
            fprintf(o, ", objective 1 of %d shown", k);
    }
    if (v->study.runner_pid > 0)
        fprintf(o, ", runner pid %ld", v->study.runner_pid);
    if (!v->study.optuna)
        fprintf(o, ", sweep v%ld", v->study.info.space_version);
    if (v->study.sweep && !v->study.optuna)
        fprintf(o, ", method %s", tt_method_name(v->study.sweep->method));
    fprintf(o, "\ntrials   %ld", v->total);
    if (v->study.sweep && v->study.sweep->run_cap > 0)
        fprintf(o, " of %ld", v->study.sweep->run_cap);
    for (int s = 0; s < TT_TRIAL_STATE_COUNT; s++)
        if (v->counts[s])
            fprintf(o, ", %ld %s", v->counts[s], tt_trial_state_name((tt_trial_state)s));
    fprintf(o, "\nbest     ");
    if (best) {
        fprintf(o, "trial %ld, %s=%.6g ", cli_view_number(v, best->number), v->study.metric,
                best->value);
        if (tt_runs_count(best->folds, best->repeats) > 1)
            fprintf(o, "± %.3g over %d runs ", best->value_std,
                    tt_runs_count(best->folds, best->repeats));
        for (size_t i = 0; i < best->n_params; i++)
            if (best->param_active[i])
                fprintf(o, " %s=%s", best->param_names[i], best->param_text[i]);
    } else {
        fprintf(o, "none yet");
    }
    if (v->study.optuna)
        fputc('\n', o); /* Optuna records no runner time */
    else
        fprintf(o, "\nelapsed  %s\n", el);
    const char *state = cli_view_state(v);
    if (v->study.info.stop_reason && strcmp(state, "running") != 0 && strcmp(state, "paused") != 0)
        fprintf(o, "ended    %s\n", v->study.info.stop_reason);
    /* Slurm executor: which job runs which trial (for squeue, scontrol, scancel). */
    bool any_job = false;
    for (size_t i = v->n_best; i < v->n_trials; i++) {   /* the running trials */
        const tt_trial_record *t = &v->trials[i];
        if (t->number <= 0 || t->state != TT_TRIAL_RUNNING || !t->job_id || !*t->job_id)
            continue;
        fprintf(o, "%strial %ld: Slurm job %s", any_job ? ", " : "jobs     ", t->number, t->job_id);
        any_job = true;
    }
    if (any_job)
        fprintf(o, "\n");
}

int cli_cmd_status(int argc, char **argv)
{
    const char *dir = NULL, *study = NULL;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        int so = cli_study_option("status", argc, argv, &i, &study);
        if (so < 0)
            return CLI_EXIT_USAGE;
        if (so > 0)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("status")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-')
            return cli_usage_error("status", "unknown option '%s'", argv[i]);
        else if (dir)
            return cli_usage_error("status", "expected one study folder");
        else
            dir = argv[i];
    }
    if (!dir)
        return cli_usage_error("status", "expected a study folder");
    cli_view v;
    if (cli_view_open_summary(dir, study, &v, json, 1) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    const tt_trial_record *best = v.n_best ? &v.trials[0] : NULL;
    if (json)
        status_json(&v, best);
    else {
        char *text = NULL;
        size_t len = 0;
        FILE *o = open_memstream(&text, &len);
        status_text(o ? o : stdout, &v, best);
        if (o && fclose(o) == 0)
            print_printable(text, len);
    }
    cli_view_close(&v);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* Parameter columns: the union of names over the trials shown, in order. */
static size_t param_columns(const tt_trial_record **list, size_t n, const char ***out)
{
    const char **cols = NULL;
    size_t nc = 0, cap = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < list[k]->n_params; i++) {
            bool seen = false;
            for (size_t c = 0; c < nc && !seen; c++)
                seen = strcmp(cols[c], list[k]->param_names[i]) == 0;
            if (!seen) {
                tt_grow((void **)&cols, &cap, nc + 1, sizeof *cols);
                cols[nc++] = list[k]->param_names[i];
            }
        }
    *out = cols;
    return nc;
}

static const char *param_of(const tt_trial_record *t, const char *name)
{
    for (size_t i = 0; i < t->n_params; i++)
        if (strcmp(t->param_names[i], name) == 0)
            return t->param_active[i] ? t->param_text[i] : "";
    return "";
}

/* For the table: numbers to 6 significant digits, so a column of random
 * floats stays readable (csv and json keep the exact text). */
static const char *param_short(const tt_trial_record *t, const char *name, char *buf, size_t n)
{
    const char *text = param_of(t, name);
    char *end;
    double v = strtod(text, &end);
    if (*text && !*end && isfinite(v) && strchr(text, '.') != NULL) {
        snprintf(buf, n, "%.6g", v);
        return buf;
    }
    return text;
}

/* Whether any of the trials is several runs: the tables then give the
 * standard deviation over them next to the value. */
static bool any_runs(const tt_trial_record **list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (tt_runs_count(list[k]->folds, list[k]->repeats) > 1)
            return true;
    return false;
}

static void best_table(FILE *o, const cli_view *v, const tt_trial_record **list, size_t n)
{
    bool runs = any_runs(list, n);
    const char **cols;
    size_t nc = param_columns(list, n, &cols);
    size_t *w = tt_xcalloc(nc + 1, sizeof *w);
    char buf[64];
    for (size_t c = 0; c < nc; c++) {
        w[c] = strlen(cols[c]);
        for (size_t k = 0; k < n; k++) {
            size_t l = strlen(param_short(list[k], cols[c], buf, sizeof buf));
            if (l > w[c])
                w[c] = l;
        }
    }
    fprintf(o, "%4s  %5s  %-12s", "rank", "trial", v->study.metric);
    if (runs)
        fprintf(o, "  %-10s", "± std");
    for (size_t c = 0; c < nc; c++)
        fprintf(o, "  %-*s", (int)w[c], cols[c]);
    fprintf(o, "\n");
    for (size_t k = 0; k < n; k++) {
        fprintf(o, "%4zu  %5ld  %-12.6g", k + 1, cli_view_number(v, list[k]->number),
                list[k]->value);
        if (runs && isfinite(list[k]->value_std))
            fprintf(o, "  ± %-8.3g", list[k]->value_std);
        else if (runs)
            fprintf(o, "  %-10s", "");
        for (size_t c = 0; c < nc; c++)
            fprintf(o, "  %-*s", (int)w[c], param_short(list[k], cols[c], buf, sizeof buf));
        fprintf(o, "\n");
    }
    free(w);
    free(cols);
}

static void best_csv(const cli_view *v, const tt_trial_record **list, size_t n)
{
    const char **cols;
    size_t nc = param_columns(list, n, &cols);
    bool runs = any_runs(list, n);
    printf("rank,trial,");
    tt_csv_field(stdout, v->study.metric);
    if (runs) {
        char *std = tt_xasprintf("%s_std", v->study.metric);
        putchar(',');
        tt_csv_field(stdout, std);
        free(std);
    }
    for (size_t c = 0; c < nc; c++) {
        putchar(',');
        tt_csv_field(stdout, cols[c]);
    }
    putchar('\n');
    char buf[40];
    for (size_t k = 0; k < n; k++) {
        printf("%zu,%ld,%s", k + 1, cli_view_number(v, list[k]->number),
               tt_format_double(list[k]->value, buf, sizeof buf));
        if (runs)
            printf(",%s", isfinite(list[k]->value_std)
                              ? tt_format_double(list[k]->value_std, buf, sizeof buf)
                              : "");
        for (size_t c = 0; c < nc; c++) {
            putchar(',');
            tt_csv_field(stdout, param_of(list[k], cols[c]));
        }
        putchar('\n');
    }
    free(cols);
}

static void best_json(const cli_view *v, const tt_trial_record **list, size_t n)
{
    printf("[");
    for (size_t k = 0; k < n; k++) {
        printf("%s\n  {\"rank\": %zu, \"trial\": %ld, \"metric\": ", k ? "," : "", k + 1,
               cli_view_number(v, list[k]->number));
        tt_json_string(stdout, v->study.metric);
        printf(", \"value\": ");
        json_number(stdout, list[k]->value);
        json_runs(stdout, v, list[k]);
        printf(", \"params\": ");
        json_params(stdout, list[k]);
        printf("}");
    }
    printf("%s]\n", n ? "\n" : "");
}

int cli_cmd_best(int argc, char **argv)
{
    const char *dir = NULL, *format = "table", *study = NULL;
    long long k = 10;
    for (int i = 0; i < argc; i++) {
        int so = cli_study_option("best", argc, argv, &i, &study);
        if (so < 0)
            return CLI_EXIT_USAGE;
        if (so > 0)
            continue;
        if (strcmp(argv[i], "-n") == 0) {
            if (++i >= argc || (k = cli_parse_count(argv[i])) < 1)
                return cli_usage_error("best", "-n expects a positive count");
        } else if (strcmp(argv[i], "--format") == 0) {
            if (++i >= argc)
                return cli_usage_error("best", "--format needs table, csv or json");
            format = argv[i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("best")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("best", "unknown option '%s'", argv[i]);
        } else if (dir) {
            return cli_usage_error("best", "expected one study folder");
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("best", "expected a study folder");
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error("best", "unknown format '%s' (table, csv, json)", format);
    cli_view v;
    if (cli_view_open_summary(dir, study, &v, strcmp(format, "table") != 0, (size_t)k) !=
        CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    size_t n = v.n_best;
    const tt_trial_record **ranked = tt_xcalloc(n + 1, sizeof *ranked);
    for (size_t i = 0; i < n; i++)
        ranked[i] = &v.trials[i];
    if (strcmp(format, "csv") == 0)
        best_csv(&v, ranked, n);
    else if (strcmp(format, "json") == 0)
        best_json(&v, ranked, n);
    else if (n == 0)
        printf("no completed trial yet\n");
    else {
        char *text = NULL;
        size_t len = 0;
        FILE *o = open_memstream(&text, &len);
        best_table(o ? o : stdout, &v, ranked, n);
        if (o && fclose(o) == 0)
            print_printable(text, len);
    }
    free(ranked);
    cli_view_close(&v);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
