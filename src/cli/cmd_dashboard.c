/*
 * dashboard — the default command: `tunetop SWEEP.yaml` (create or open
 * the study, start its runner detached when none is alive, open the
 * dashboard), `tunetop DIR` (attach to a running or saved study),
 * `tunetop` alone (pick a study under ./tunetop-runs/), `tunetop DIR1 DIR2
 * …` (the first study's dashboard, the others beside it in the compare
 * view), `tunetop FILE.db|sqlite:///FILE.db [--study NAME]` (an Optuna
 * study, read-only: the study module's reader mirrors it). Leaving the dashboard never touches the sweep; afterwards we say
 * how to come back.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/study.h"
#include "tunetop/ui.h"

static int start_runner(const char *dir, long *pid, tt_error *err)
{
    return cli_start_runner(dir, pid, err);
}

static void send_reload(const char *dir)
{
    tt_error err = {0};
    tt_store *st = tt_study_open_store(dir, TT_STORE_READ, &err);
    if (st) {
        tt_store_add_command(st, "reload", NULL, &err);
        tt_store_close(st);
    }
}

static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* `tunetop DIR1 DIR2 …`: every target a study that can be read, none
 * twice (two paths to one folder included), at most TT_UI_COMPARE_MAX.
 * Returns CLI_EXIT_OK or the exit status, having said why. */
static int check_studies(const char *const *targets, size_t n, const char *dir)
{
    if (dir)
        return cli_usage_error("dashboard", "--dir is for a sweep file; %s and the others "
                                            "are study folders", targets[0]);
    if (n > TT_UI_COMPARE_MAX)
        return cli_usage_error("dashboard", "at most %d studies can be compared at once "
                                            "(%zu given)", TT_UI_COMPARE_MAX, n);
    char real[TT_UI_COMPARE_MAX][PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        tt_error err = {0};
        if (!tt_study_is_dir(targets[i])) {
            fprintf(stderr, "tunetop: %s is not a tunetop study (no study.db in it)%s\n",
                    targets[i], n > 1 ? "; several targets must all be study folders" : "");
            return CLI_EXIT_FAIL;
        }
        if (cli_study_ready(targets[i], &err) < 0) {
            fprintf(stderr, "tunetop: %s\n", err.msg);
            return CLI_EXIT_FAIL;
        }
        if (!realpath(targets[i], real[i]))
            snprintf(real[i], sizeof real[i], "%s", targets[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(real[i], real[j]) == 0)
                return cli_usage_error("dashboard", "%s and %s are the same study: give each "
                                                    "study once", targets[j], targets[i]);
    }
    return CLI_EXIT_OK;
}

/* Whether path starts like an SQLite database: such a file is never a
 * sweep file, so the reader says what it is instead of the YAML parser. */
static bool sqlite_file(const char *path)
{
    char head[16] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && memcmp(head, "SQLite format 3", 16) == 0;
}

/* The reader's words on a target it cannot open (exit 1). */
static int cannot_open(const char *target)
{
    tt_study_reader r;
    tt_error err = {0};
    if (tt_study_reader_open(&r, target, TT_STORE_SNAPSHOT, &err) == 0) {
        tt_study_reader_close(&r);
        return CLI_EXIT_OK;
    }
    tt_study_reader_close(&r);
    fprintf(stderr, "tunetop: %s\n", err.msg);
    return CLI_EXIT_FAIL;
}

int cli_cmd_dashboard(int argc, char **argv)
{
    const char *target = NULL, *dir = NULL, *study = NULL;
    /* every target, for `tunetop DIR1 DIR2 …`; only the first
     * TT_UI_COMPARE_MAX + 1 are kept (enough to say there are too many) */
    const char *targets[TT_UI_COMPARE_MAX + 1];
    size_t n_targets = 0;
    tt_ui_opts opts = {0};
    opts.start_runner = start_runner;
    int so;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cli_find("dashboard")->help, stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--ascii") == 0) {
            opts.ascii = true;
        } else if (strncmp(a, "--theme", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
            if (!(opts.theme = option_value(argc, argv, &i, "--theme")))
                return cli_usage_error("dashboard", "--theme needs a name or a path");
        } else if (strncmp(a, "--refresh", 9) == 0 && (a[9] == '\0' || a[9] == '=')) {
            const char *v = option_value(argc, argv, &i, "--refresh");
            char *end = NULL;
            double hz = v ? strtod(v, &end) : 0;
            if (!v || end == v || *end || !(hz > 0 && hz <= 60))
                return cli_usage_error("dashboard", "--refresh needs a rate in Hz, 0 < HZ <= 60");
            opts.refresh_hz = hz;
        } else if ((so = cli_study_option("dashboard", argc, argv, &i, &study)) != 0) {
            if (so < 0)
                return CLI_EXIT_USAGE;
        } else if (strncmp(a, "--dir", 5) == 0 && (a[5] == '\0' || a[5] == '=')) {
            if (!(dir = option_value(argc, argv, &i, "--dir")))
                return cli_usage_error("dashboard", "--dir needs a folder");
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("dashboard", "unknown option '%s'", a);
        } else {
            if (n_targets <= TT_UI_COMPARE_MAX)
                targets[n_targets] = a;
            n_targets++;
            target = targets[0];
        }
    }
    if (n_targets > 1) {
        int st = check_studies(targets, n_targets, dir);
        if (st != CLI_EXIT_OK)
            return st;
        opts.compare_dirs = targets + 1;
        opts.n_compare = n_targets - 1;
    }

    char *study_dir = NULL, *resolved = NULL, *hash_study = NULL;
    const char *note = NULL;
    tt_study_kind kind = target ? tt_study_target(target, &resolved, &hash_study) : TT_STUDY_NONE;
    bool optuna = kind == TT_STUDY_OPTUNA;
    free(hash_study);
    if (study && !optuna) {
        free(resolved);
        return cli_usage_error("dashboard", "--study picks a study of an Optuna file; %s is "
                               "none", target ? target : "(no target)");
    }
    if ((optuna || kind == TT_STUDY_FOLDER) && dir) {
        free(resolved);
        return cli_usage_error("dashboard", "--dir is for a sweep file; %s is a study", target);
    }
    if (optuna) {
        if (n_targets > 1) {
            free(resolved);
            return cli_usage_error("dashboard", "an Optuna study is shown alone (the compare "
                                   "view takes study folders)");
        }
        /* the reader opens it (and says why not: several studies, an
         * unknown revision) before the terminal is taken over */
        study_dir = tt_study_target_with(target, study);
        if (cannot_open(study_dir) != CLI_EXIT_OK) {
            free(resolved);
            free(study_dir);
            return CLI_EXIT_FAIL;
        }
    } else if (kind == TT_STUDY_FOLDER) {
        tt_error err = {0};
        if (cli_study_ready(resolved, &err) < 0) {
            fprintf(stderr, "tunetop: %s\n", err.msg);
            free(resolved);
            return CLI_EXIT_FAIL;
        }
        study_dir = tt_xstrdup(resolved);
    } else if (target && (strncmp(target, "sqlite:///", 10) == 0 || sqlite_file(resolved))) {
        free(resolved);
        if (cannot_open(target) == CLI_EXIT_OK) /* not expected: it is no study */
            fprintf(stderr, "tunetop: cannot show %s\n", target);
        return CLI_EXIT_FAIL;
    } else if (target) {
        tt_diags diags = {0};
        tt_error err = {0};
        int rc = tt_study_prepare(target, dir, &study_dir, &diags, &err);
        tt_diags_print(&diags, stderr);
        tt_diags_free(&diags);
        if (rc < 0) {
            fprintf(stderr, "tunetop: %s\n", err.msg);
            return CLI_EXIT_FAIL;
        }
        long pid = tt_study_runner_pid(study_dir);
        if (pid != 0) {
            send_reload(study_dir);
        } else {
            int src = cli_start_runner(study_dir, &pid, &err);
            if (src == -TT_ERR_EXHAUSTED) {
                /* a finished study: show it */
            } else if (src < 0) {
                fprintf(stderr, "tunetop: %s\n", err.msg);
                free(study_dir);
                return CLI_EXIT_FAIL;
            } else if (src == CLI_RUNNER_ELSEWHERE) {
                send_reload(study_dir); /* started by another tunetop meanwhile */
            } else {
                note = "started";
            }
        }
        opts.sweep_path = target;
    }
    opts.study_dir = study_dir;

    tt_ui_result res;
    tt_error err = {0};
    int rc = tt_ui_run(&opts, &res, &err);
    int status = CLI_EXIT_OK;
    if (rc < 0) {
        fprintf(stderr, "tunetop: %s\n", err.msg);
        if (study_dir && note)
            fprintf(stderr, "tunetop: the sweep runs in the background: tunetop status %s\n",
                    study_dir);
        status = CLI_EXIT_FAIL;
    } else if (res.hangup) {
        /* the terminal is gone: nothing to say, nobody to say it to */
    } else if (res.study_dir[0] && optuna) {
        printf("closed the Optuna study in %s (it was only read).\nlook again with: tunetop %s%s%s\n",
               resolved, target, study ? " --study " : "", study ? study : "");
    } else if (res.study_dir[0]) {
        long pid = tt_study_runner_pid(res.study_dir);
        if (res.stopped)
            printf("stopping the sweep in %s (tunetop status %s)\n", res.study_dir,
                   res.study_dir);
        else if (pid != 0)
            printf("detached; the sweep goes on (runner pid %ld).\nre-attach with: tunetop %s\n",
                   pid, res.study_dir);
        else if (strcmp(res.state, "finished") == 0)
            printf("the study in %s is finished.\nlook again with: tunetop %s\n",
                   res.study_dir, res.study_dir);
        else
            printf("detached from %s (%s; no runner is running).\nre-attach with: tunetop %s "
                   "(R resumes the study)\n",
                   res.study_dir, res.state, res.study_dir);
    }
    free(study_dir);
    free(resolved);
    return status;
}
