/*
 * importance — `tunetop importance DIR [--method fanova|ped-anova|corr]
 * [--json]`: which parameters matter, computed now from the study's
 * completed trials (a running study is read, never disturbed). The table
 * shows each parameter's importance, its interval and a bar, then (fANOVA)
 * the strongest interactions; the JSON is a stable interface documented in
 * the README. The computation itself is the pure importance module.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/importance.h"

#define BAR_WIDTH 30

/* Columns a UTF-8 name takes (one per code point; no locale needed). */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void print_padded(const char *s, int width)
{
    fputs(s, stdout);
    for (int i = text_width(s); i < width; i++)
        putchar(' ');
}

static void json_num(double v)
{
    char buf[40];
    if (isfinite(v))
        fputs(tt_format_double(v, buf, sizeof buf), stdout);
    else
        fputs("null", stdout);
}

static void print_json(const cli_view *v, const tt_space *sp, const tt_importance_result *r)
{
    printf("{\"study\": ");
    tt_json_string(stdout, v->study.info.name);
    printf(", \"method\": \"%s\", \"trials\": %zu, \"fitted\": %zu, \"metric\": ",
           tt_importance_method_name(r->method), r->n_trials, r->n_fitted);
    tt_json_string(stdout, v->study.metric);
    printf(", \"goal\": \"%s\", \"explained\": ", tt_goal_name(v->study.goal));
    json_num(r->explained);
    printf(", \"params\": [");
    for (size_t i = 0; i < r->n; i++) {
        const tt_importance_param *p = &r->params[i];
        printf("%s\n  {\"name\": ", i ? "," : "");
        tt_json_string(stdout, sp->params[p->param].name);
        printf(", \"importance\": ");
        json_num(p->value);
        printf(", \"low\": ");
        json_num(p->low);
        printf(", \"high\": ");
        json_num(p->high);
        printf(", \"raw\": ");
        json_num(p->raw);
        printf("}");
    }
    printf("%s], \"interactions\": [", r->n ? "\n" : "");
    for (size_t i = 0; i < r->n_pairs; i++) {
        const tt_importance_pair *q = &r->pairs[i];
        printf("%s\n  {\"params\": [", i ? "," : "");
        tt_json_string(stdout, sp->params[q->a].name);
        printf(", ");
        tt_json_string(stdout, sp->params[q->b].name);
        printf("], \"importance\": ");
        json_num(q->value);
        printf(", \"low\": ");
        json_num(q->low);
        printf(", \"high\": ");
        json_num(q->high);
        printf("}");
    }
    printf("%s]}\n", r->n_pairs ? "\n" : "");
}

static void print_table(const cli_view *v, const tt_space *sp, const tt_importance_result *r)
{
    const char *what = r->method == TT_IMPORTANCE_FANOVA      ? "fANOVA importance"
                       : r->method == TT_IMPORTANCE_PED_ANOVA ? "PED-ANOVA importance"
                                                              : "rank correlation";
    printf("%s of %s over %zu completed trial%s (%s, %s)\n", what, v->study.info.name,
           r->n_trials, r->n_trials == 1 ? "" : "s", v->study.metric,
           tt_goal_name(v->study.goal));
    if (r->n_fitted < r->n_trials)
        printf("(the forest was fitted on %zu of them, stratified on the objective)\n",
               r->n_fitted);
    if (r->n == 0) {
        printf("no parameter to rank (every parameter is a constant)\n");
        return;
    }
    int name_w = (int)strlen("parameter");
    for (size_t i = 0; i < r->n; i++) {
        int w = text_width(sp->params[r->params[i].param].name);
        name_w = w > name_w ? w : name_w;
    }
    double max = 0;
    for (size_t i = 0; i < r->n; i++)
        max = r->params[i].value > max ? r->params[i].value : max;
    /* corr values are |rho| in [0,1]: bars on that absolute scale */
    double scale = r->method == TT_IMPORTANCE_CORR || !(max > 0) ? 1 : max;
    print_padded("parameter", name_w);
    printf("  %-10s  %-13s\n", r->method == TT_IMPORTANCE_CORR ? "|rho|/eta" : "importance",
           "interval");
    for (size_t i = 0; i < r->n; i++) {
        const tt_importance_param *p = &r->params[i];
        print_padded(sp->params[p->param].name, name_w);
        char iv[40];
        snprintf(iv, sizeof iv, "%.3f-%.3f", p->low, p->high);
        printf("  %-10.3f  %-13s  ", p->value, iv);
        int bar = (int)(p->value / scale * BAR_WIDTH + 0.5);
        for (int k = 0; k < bar && k < BAR_WIDTH; k++)
            putchar('#');
        if (r->method == TT_IMPORTANCE_CORR && isfinite(p->raw))
            printf("%s(%s)", bar ? " " : "", p->raw > 0 ? "larger is worse" : "larger is better");
        putchar('\n');
    }
    if (r->n_trials < 3)
        printf("(too few trials to tell: importance needs at least 3)\n");
    else if (r->method != TT_IMPORTANCE_CORR && r->params[0].value <= 0)
        printf("(the objective does not vary: nothing to rank)\n");
    if (r->method != TT_IMPORTANCE_FANOVA)
        return;
    if (r->explained > 0)
        printf("main effects explain %.0f%% of the forest's variance\n", 100 * r->explained);
    if (r->n_pairs == 0)
        return;
    printf("top interactions (share of the variance beyond the main effects):\n");
    size_t shown = r->n_pairs < 5 ? r->n_pairs : 5;
    for (size_t i = 0; i < shown; i++) {
        const tt_importance_pair *q = &r->pairs[i];
        printf("  %s * %s  %.3f  (%.3f-%.3f)\n", sp->params[q->a].name, sp->params[q->b].name,
               q->value, q->low, q->high);
    }
}

int cli_cmd_importance(int argc, char **argv)
{
    const char *dir = NULL, *method = "fanova", *study = NULL;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        int so = cli_study_option("importance", argc, argv, &i, &study);
        if (so < 0)
            return CLI_EXIT_USAGE;
        if (so > 0)
            continue;
        if (strcmp(argv[i], "--method") == 0 || strcmp(argv[i], "-m") == 0) {
            if (++i >= argc)
                return cli_usage_error("importance", "--method needs fanova, ped-anova or corr");
            method = argv[i];
        } else if (strncmp(argv[i], "--method=", 9) == 0) {
            method = argv[i] + 9;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("importance")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("importance", "unknown option '%s'", argv[i]);
        } else if (dir) {
            return cli_usage_error("importance", "expected one study folder");
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("importance", "expected a study folder");
    int m = tt_importance_method_from_name(method);
    if (m < 0)
        return cli_usage_error("importance", "unknown method '%s' (fanova, ped-anova, corr)",
                               method);
    cli_view v;
    if (cli_view_open(dir, study, &v, true) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    if (!v.study.sweep || !v.study.sweep->space) {
        fprintf(stderr, "tunetop importance: %s: the study's sweep file does not load, so its "
                        "parameters are unknown (`tunetop validate` the sweep file, then "
                        "`tunetop run` it again)\n",
                dir);
        cli_view_close(&v);
        return CLI_EXIT_FAIL;
    }
    const tt_space *sp = v.study.sweep->space;
    tt_importance_trial *in = tt_xcalloc(v.n_trials + 1, sizeof *in);
    for (size_t i = 0; i < v.n_trials; i++)
        in[i] = (tt_importance_trial){v.trials[i].number, v.trials[i].state, v.trials[i].value,
                                      tt_trial_record_params(&v.trials[i])};
    tt_importance_data data;
    tt_importance_data_from_trials(sp, in, v.n_trials, v.study.goal == TT_GOAL_MAXIMIZE, &data);
    free(in);
    tt_importance_result r;
    tt_error err = {0};
    uint64_t seed = v.study.sweep->has_seed ? v.study.sweep->seed : 0;
    int rc = tt_importance_compute((tt_importance_method)m, sp, (const double *const *)data.x,
                                   (const bool *const *)data.active, data.y, data.n, seed, &r,
                                   &err);
    tt_importance_data_free(&data);
    if (rc < 0) {
        fprintf(stderr, "tunetop importance: %s\n", err.msg);
        cli_view_close(&v);
        return CLI_EXIT_FAIL;
    }
    if (json)
        print_json(&v, sp, &r);
    else
        print_table(&v, sp, &r);
    tt_importance_result_free(&r);
    cli_view_close(&v);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
