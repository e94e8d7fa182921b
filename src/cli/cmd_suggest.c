/*
 * suggest — `tunetop suggest FILE [-n N] [--seed S] [--method M]`: the first
 * N suggestions of a sampler with an empty history, as CSV. Each suggestion
 * is added to the history as a running trial, exactly as the runner will do
 * when it fills parallel slots, so the output is what a sweep would start.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/config.h"
#include "tunetop/sampler.h"

typedef struct suggest_opts {
    const char *file;
    long long n;
    bool has_seed;
    uint64_t seed;
    int method;              /* -1 = the file's */
} suggest_opts;

static int parse_args(int argc, char **argv, suggest_opts *o)
{
    o->file = NULL;
    o->n = 10;
    o->has_seed = false;
    o->seed = 0;
    o->method = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "-n") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--method") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("suggest", "%s needs a value", a);
            val = argv[++i];
        } else if (strncmp(a, "--seed=", 7) == 0 || strncmp(a, "--method=", 9) == 0) {
            val = strchr(a, '=') + 1;
        }
        if (strcmp(a, "-n") == 0) {
            o->n = cli_parse_count(val);
            if (o->n < 0)
                return cli_usage_error("suggest", "-n expects a count, found '%s'", val);
        } else if (strncmp(a, "--seed", 6) == 0 && val) {
            long long s = cli_parse_count(val);
            if (s < 0)
                return cli_usage_error("suggest", "--seed expects a non-negative integer, found '%s'",
                                       val);
            o->has_seed = true;
            o->seed = (uint64_t)s;
        } else if (strncmp(a, "--method", 8) == 0 && val) {
            o->method = tt_method_from_name(val);
            if (o->method < 0)
                return cli_usage_error("suggest", "unknown method '%s' (grid, random, sobol, bayes, tpe, gp, evolution, cmaes)", val);
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("suggest", "unknown option '%s'", a);
        } else if (o->file) {
            return cli_usage_error("suggest", "expected one sweep file, found '%s' too", a);
        } else {
            o->file = a;
        }
    }
    if (!o->file)
        return cli_usage_error("suggest", "expected a sweep file");
    return CLI_EXIT_OK;
}

static int write_header(const tt_space *space)
{
    int rc = 0;
    for (size_t i = 0; i < space->n; i++) {
        if (i && fputc(',', stdout) == EOF)
            rc = -1;
        rc |= tt_csv_field(stdout, space->params[i].name);
    }
    if (fputc('\n', stdout) == EOF)
        rc = -1;
    return rc;
}

static int write_row(const tt_space *space, const tt_assignment *a)
{
    char buf[512];
    int rc = 0;
    for (size_t i = 0; i < space->n; i++) {
        if (i && fputc(',', stdout) == EOF)
            rc = -1;
        rc |= tt_csv_field(stdout, tt_space_format(space, a, i, buf, sizeof buf));
    }
    if (fputc('\n', stdout) == EOF)
        rc = -1;
    return rc;
}

static int suggest_all(const tt_sweep *sweep, tt_method method, uint64_t seed, long long n)
{
    const tt_space *space = sweep->space;
    tt_observation *obs = tt_xcalloc((size_t)n ? (size_t)n : 1, sizeof *obs);
    tt_history history = {.obs = obs, .n = 0, .goal = sweep->metric.goal};
    int status = CLI_EXIT_OK;
    if (write_header(space) != 0)
        status = CLI_EXIT_FAIL;
    for (long long k = 0; k < n && status == CLI_EXIT_OK; k++) {
        tt_assignment a = tt_assignment_new(space->n);
        tt_error err = {0};
        int rc = tt_sampler_suggest(method, space, &history, seed, &a, &err);
        if (rc == -TT_ERR_EXHAUSTED) {
            fprintf(stderr, "tunetop suggest: the grid is exhausted after %lld suggestion%s\n", k,
                    k == 1 ? "" : "s");
            tt_assignment_free(&a);
            break;
        }
        if (rc < 0) {
            fprintf(stderr, "tunetop suggest: %s: %s\n", sweep->path, err.msg);
            tt_assignment_free(&a);
            status = CLI_EXIT_FAIL;
            break;
        }
        if (write_row(space, &a) != 0)
            status = CLI_EXIT_FAIL;
        obs[history.n].params = a;
        obs[history.n].state = TT_TRIAL_RUNNING;
        obs[history.n].value = NAN;
        history.n++;
    }
    for (size_t i = 0; i < history.n; i++)
        tt_assignment_free(&obs[i].params);
    free(obs);
    if (fflush(stdout) != 0) {
        perror("tunetop suggest: writing output");
        status = CLI_EXIT_FAIL;
    }
    return status;
}

int cli_cmd_suggest(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(cli_find("suggest")->help, stdout);
        return CLI_EXIT_OK;
    }
    suggest_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != CLI_EXIT_OK)
        return rc;

    tt_diags diags = {0};
    tt_sweep *sweep = tt_sweep_load(o.file, &diags);
    tt_diags_print(&diags, stderr);
    tt_diags_free(&diags);
    if (!sweep)
        return CLI_EXIT_FAIL;

    tt_method method = o.method >= 0 ? (tt_method)o.method : sweep->method;
    uint64_t seed = o.has_seed ? o.seed : sweep->has_seed ? sweep->seed : 0;
    if (!tt_method_available(method)) {
        fprintf(stderr,
                "tunetop suggest: method '%s' is not implemented in this version; "
                "use --method grid, random or sobol\n",
                tt_method_name(method));
        tt_sweep_free(sweep);
        return CLI_EXIT_FAIL;
    }
    rc = suggest_all(sweep, method, seed, o.n);
    tt_sweep_free(sweep);
    return rc;
}
