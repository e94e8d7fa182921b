/*
 * export — `tunetop export DIR [--format csv|json] [--metrics] [-o FILE]`:
 * the trials (or, with --metrics, every metric point in long format) for
 * pandas, spreadsheets and jq. The output file is written beside its final
 * name and renamed, so a failed export never leaves half a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_cmd_export(int argc, char **argv)
{
    const char *dir = NULL, *format = "csv", *path = NULL, *study = NULL;
    bool metrics = false, runs = false;
    for (int i = 0; i < argc; i++) {
        int so = cli_study_option("export", argc, argv, &i, &study);
        if (so < 0)
            return CLI_EXIT_USAGE;
        if (so > 0)
            continue;
        if (strcmp(argv[i], "--metrics") == 0) {
            metrics = true;
        } else if (strcmp(argv[i], "--runs") == 0) {
            runs = true;
        } else if (strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("export", "%s needs a value", argv[i]);
            if (argv[i][1] == 'o')
                path = argv[++i];
            else
                format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("export")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("export", "unknown option '%s'", argv[i]);
        } else if (dir) {
            return cli_usage_error("export", "expected one study folder");
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("export", "expected a study folder");
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "csv") != 0)
        return cli_usage_error("export", "unknown format '%s' (csv, json)", format);
    if (runs && (json || metrics))
        return cli_usage_error("export", "--runs is a CSV of its own: not with --metrics "
                                            "or --format json");

    cli_view v;
    if (cli_view_open(dir, study, &v, true) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    FILE *out = stdout;
    char *tmp = NULL;
    if (path && strcmp(path, "-") != 0) {
        tmp = tt_xasprintf("%s.tmp.%ld", path, (long)getpid());
        out = fopen(tmp, "w");
        if (!out) {
            fprintf(stderr, "tunetop export: cannot write %s: %s\n", tmp, strerror(errno));
            free(tmp);
            cli_view_close(&v);
            return CLI_EXIT_FAIL;
        }
    }
    tt_error err = {0};
    int rc;
    if (json)
        rc = tt_store_export_json(v.study.store, out, metrics, &err);
    else if (metrics)
        rc = tt_store_export_metrics_csv(v.study.store, out, &err);
    else if (runs)
        rc = tt_store_export_runs_csv(v.study.store, out, &err);
    else
        rc = tt_store_export_trials_csv(v.study.store, out, &err);
    if (rc == 0 && fflush(out) != 0)
        rc = tt_error_set(&err, TT_ERR_IO, "cannot write the export: %s", strerror(errno));
    if (out != stdout) {
        if (fclose(out) != 0 && rc == 0)
            rc = tt_error_set(&err, TT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        if (rc == 0 && rename(tmp, path) != 0)
            rc = tt_error_set(&err, TT_ERR_IO, "cannot rename to %s: %s", path, strerror(errno));
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    }
    if (rc != 0)
        fprintf(stderr, "tunetop export: %s\n", err.msg);
    cli_view_close(&v);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
