/*
 * run — `tunetop run FILE|DIR [--dir DIR] [--detach]`: the runner in the
 * foreground (one line per trial state change), or as a daemon that
 * survives the terminal (detach.c: double fork + setsid, output to
 * runner.log).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tunetop/runner.h"
#include "tunetop/study.h"

/* The pid of dir's runner, 0 when none. A runner that has just taken the
 * lock writes its pid a moment later (-1 until then): wait that moment,
 * so that what we say names it. */
static long runner_pid(const char *dir)
{
    long pid = tt_study_runner_pid(dir);
    for (int i = 0; i < 40 && pid == -1; i++) {
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
        pid = tt_study_runner_pid(dir);
    }
    return pid;
}

/* A runner (pid) has the study already. A file given again is a reload:
 * its answer (the new version, or the key that cannot change live) decides
 * the exit status; a --detach that finds the sweep running did its job. */
static int already_running(const char *dir, long pid, bool was_file, bool daemon)
{
    fprintf(stderr, "tunetop run: a runner is already running for %s (pid %ld)%s\n", dir, pid,
            was_file ? "; asked it to reload the sweep file" : "");
    int status;
    if (was_file)
        status = cli_ask_runner("run", dir, "reload", NULL);
    else
        status = daemon ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (daemon && status == CLI_EXIT_OK)
        printf("%s\nrunner pid %ld\n", dir, pid);
    return status;
}

/* The daemon (detach.c); says where it runs. Another start of the same
 * study at the same moment may have won the lock: then that runner is the
 * one running. */
static int detach(const char *dir, bool was_file)
{
    tt_error err = {0};
    long pid = 0;
    int rc = cli_start_runner(dir, &pid, &err);
    if (rc == CLI_RUNNER_ELSEWHERE)
        return already_running(dir, pid, was_file, true);
    if (rc < 0) {
        fprintf(stderr, "tunetop run: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    printf("%s\nrunner pid %ld\n", dir, pid);
    return CLI_EXIT_OK;
}

int cli_cmd_run(int argc, char **argv)
{
    const char *target = NULL, *dir = NULL;
    bool daemon = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("run")->help, stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--detach") == 0 || strcmp(argv[i], "-d") == 0) {
            daemon = true;
        } else if (strcmp(argv[i], "--dir") == 0) {
            if (++i >= argc)
                return cli_usage_error("run", "--dir needs a folder");
            dir = argv[i];
        } else if (strncmp(argv[i], "--dir=", 6) == 0) {
            dir = argv[i] + 6;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("run", "unknown option '%s'", argv[i]);
        } else if (target) {
            return cli_usage_error("run", "expected one sweep file or study folder");
        } else {
            target = argv[i];
        }
    }
    if (!target)
        return cli_usage_error("run", "expected a sweep file or a study folder");

    if (cli_refuse_optuna("run", target) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    char *study_dir = NULL;
    bool was_file = !tt_study_is_dir(target);
    if (!was_file) {
        if (dir)
            return cli_usage_error("run", "--dir is for a sweep file; %s is a study already",
                                   target);
        tt_error err = {0};
        if (cli_study_ready(target, &err) < 0) {
            fprintf(stderr, "tunetop run: %s\n", err.msg);
            return CLI_EXIT_FAIL;
        }
        study_dir = tt_xstrdup(target);
    } else {
        tt_diags diags = {0};
        tt_error err = {0};
        int rc = tt_study_prepare(target, dir, &study_dir, &diags, &err);
        tt_diags_print(&diags, stderr);
        tt_diags_free(&diags);
        if (rc < 0) {
            fprintf(stderr, "tunetop run: %s\n", err.msg);
            return CLI_EXIT_FAIL;
        }
    }
    int status;
    long pid = runner_pid(study_dir);
    if (pid != 0) {
        status = already_running(study_dir, pid, was_file, daemon);
    } else if (daemon) {
        status = detach(study_dir, was_file);
    } else {
        printf("study %s\n", study_dir);
        fflush(stdout);
        tt_runner_opts o = {.study_dir = study_dir, .progress = stdout};
        tt_error err = {0};
        if (tt_runner_run(&o, &err) < 0) {
            fprintf(stderr, "tunetop run: %s\n", err.msg);
            status = CLI_EXIT_FAIL;
        } else {
            status = CLI_EXIT_OK;
        }
    }
    free(study_dir);
    return status;
}
