/*
 * narrow — `tunetop narrow DIR --param NAME [--min A] [--max B]
 * [--values a,b,…] [--pin V]`: the options and the messages. The narrowing
 * is study's (tt_study_narrow: the sweep file checked against the recorded
 * version, narrowed by config's tt_sweep_narrow, saved by
 * tt_study_save_sweep), which the dashboard's slice view calls too, the
 * same path the editor saves through, so a narrowed space is recorded and
 * taken by the runner exactly as an edited one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/study.h"

typedef struct narrow_opts {
    const char *dir;
    tt_narrow req;
    char *values_copy;       /* --values split in place */
    const char **values;
} narrow_opts;

/* The value of option name at argv[*i] ("--min A" or "--min=A"); NULL
 * when argv[*i] is not that option. *missing when it has no value. */
static const char *option(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];  /* taken as is: --min -0.5 is a value */
}

/* Split "a,b,c" into o->values; empty items are usage errors. */
static int split_values(narrow_opts *o, const char *text)
{
    o->values_copy = tt_xstrdup(text);
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    o->values = tt_xcalloc(n, sizeof *o->values);
    char *s = o->values_copy;
    for (size_t k = 0; k < n; k++) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        if (!*s)
            return cli_usage_error("narrow", "--values needs a comma-separated list of values, "
                                             "found '%s'", text);
        o->values[k] = s;
        s = comma ? comma + 1 : s + strlen(s);
    }
    o->req.values = o->values;
    o->req.n_values = n;
    return 0;
}

static int parse(int argc, char **argv, narrow_opts *o)
{
    static const char *const names[] = {"--param", "--min", "--max", "--values", "--pin"};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("narrow")->help, stdout);
            return -1;
        }
        const char *v = NULL;
        bool missing = false;
        size_t k = 0;
        for (; k < 5 && !v && !missing; k++)
            v = option(argc, argv, &i, names[k], &missing);
        if (missing)
            return cli_usage_error("narrow", "%s needs a value", argv[i]);
        if (v) {
            switch (k - 1) {
            case 0: o->req.param = v; break;
            case 1: o->req.min = v; break;
            case 2: o->req.max = v; break;
            case 3:
                if (o->values)
                    return cli_usage_error("narrow", "--values is given twice");
                if (split_values(o, v) != 0)
                    return CLI_EXIT_USAGE;
                break;
            default: o->req.pin = v; break;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("narrow", "unknown option '%s'", argv[i]);
        } else if (o->dir) {
            return cli_usage_error("narrow", "expected one study folder");
        } else {
            o->dir = argv[i];
        }
    }
    if (!o->dir)
        return cli_usage_error("narrow", "expected a study folder");
    if (!o->req.param)
        return cli_usage_error("narrow", "--param NAME says which parameter to narrow");
    bool range = o->req.min || o->req.max;
    if (!range && !o->req.n_values && !o->req.pin)
        return cli_usage_error("narrow", "nothing to change: give --min/--max, --values or --pin");
    if (o->req.pin && (range || o->req.n_values))
        return cli_usage_error("narrow", "--pin fixes one value: it goes alone, without "
                                         "--min, --max or --values");
    if (range && o->req.n_values)
        return cli_usage_error("narrow", "--values is for a categorical, --min/--max for a "
                                         "number: give one of them");
    return 0;
}

static int narrow(narrow_opts *o)
{
    tt_error err = {0};
    if (cli_refuse_optuna("narrow", o->dir) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    if (!tt_study_is_dir(o->dir)) {
        fprintf(stderr, "tunetop narrow: %s is not a tunetop study (no study.db in it)\n",
                o->dir);
        return CLI_EXIT_FAIL;
    }
    if (cli_study_ready(o->dir, &err) < 0) {
        fprintf(stderr, "tunetop narrow: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    tt_store *st = tt_study_open_store(o->dir, TT_STORE_READ, &err);
    if (!st) {
        fprintf(stderr, "tunetop narrow: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    int status = CLI_EXIT_FAIL;
    tt_study_info info = {0};
    char *path = NULL;
    if (tt_store_get_study(st, &info, &err) < 0) {
        fprintf(stderr, "tunetop narrow: %s\n", err.msg);
        goto done;
    }
    long pid = tt_study_runner_pid(o->dir);
    int64_t id = tt_study_narrow(st, &info, &o->req, &path, &err);
    if (id < 0) {
        fprintf(stderr, "tunetop narrow: %s\n", err.msg);
        goto done;
    }
    printf("%s: narrowed '%s' (previous file in %s~)\n", path, o->req.param, path);
    if (pid != 0) {
        status = cli_wait_answer("narrow", o->dir, st, id, pid, "reload", NULL);
    } else {
        /* As the editor does: the reload waits for the next runner. */
        printf("no runner is alive for %s: `tunetop run %s` resumes the study in the "
               "narrowed space (space v%ld)\n",
               o->dir, o->dir, info.space_version + 1);
        status = CLI_EXIT_OK;
    }
done:
    free(path);
    tt_study_info_clear(&info);
    tt_store_close(st);
    return status;
}

int cli_cmd_narrow(int argc, char **argv)
{
    narrow_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = narrow(&o);
    else if (rc < 0)
        rc = CLI_EXIT_OK; /* --help */
    free(o.values_copy);
    free(o.values);
    return rc;
}
