/*
 * control — `tunetop stop|pause|resume DIR [--now]` and
 * `tunetop kill DIR TRIAL`: a row in the study's command table, then a wait
 * (≤ 10 s) for the runner to acknowledge it, so the user learns whether it
 * happened. With no runner alive there is nobody to ask: that is an error,
 * and no command is left behind to surprise the next runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tunetop/study.h"

int cli_ask_runner(const char *name, const char *dir, const char *kind, const char *arg)
{
    long pid = tt_study_runner_pid(dir);
    if (!tt_study_is_dir(dir)) {
        fprintf(stderr, "tunetop %s: %s is not a tunetop study\n", name, dir);
        return CLI_EXIT_FAIL;
    }
    if (pid == 0) {
        fprintf(stderr, "tunetop %s: no runner is alive for %s (`tunetop run %s` starts one)\n",
                name, dir, dir);
        return CLI_EXIT_FAIL;
    }
    tt_error err = {0};
    tt_store *st = tt_study_open_store(dir, TT_STORE_READ, &err);
    if (!st) {
        fprintf(stderr, "tunetop %s: %s\n", name, err.msg);
        return CLI_EXIT_FAIL;
    }
    int64_t id = tt_store_add_command(st, kind, arg, &err);
    if (id < 0) {
        fprintf(stderr, "tunetop %s: %s\n", name, err.msg);
        tt_store_close(st);
        return CLI_EXIT_FAIL;
    }
    int status = cli_wait_answer(name, dir, st, id, pid, kind, arg);
    tt_store_close(st);
    return status;
}

int cli_wait_answer(const char *name, const char *dir, tt_store *st, int64_t id, long pid,
                    const char *kind, const char *arg)
{
    tt_error err = {0};
    int status = CLI_EXIT_FAIL;
    char *result = NULL;
    for (int i = 0; i < 400; i++) {
        if (tt_store_get_command_result(st, id, &result, &err) == 0 && result)
            break;
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (!result) {
        fprintf(stderr, "tunetop %s: the runner (pid %ld) has not answered in 10 s; "
                        "the request stays queued\n", name, pid);
    } else if (strncmp(result, "ok", 2) == 0) {
        /* "ok: sweep v2" says what happened: shown after the request. */
        printf("%s: %s%s%s%s\n", dir, kind, arg ? " " : "", arg ? arg : "",
               strncmp(result, "ok: ", 4) == 0 ? result + 2 : "");
        status = CLI_EXIT_OK;
    } else {
        fprintf(stderr, "tunetop %s: %s\n", name, result);
    }
    free(result);
    return status;
}

static int simple(const char *name, int argc, char **argv, const char *kind, const char *now_kind)
{
    const char *dir = NULL;
    bool now = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--now") == 0 && now_kind)
            now = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find(name)->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-')
            return cli_usage_error(name, "unknown option '%s'", argv[i]);
        else if (dir)
            return cli_usage_error(name, "expected one study folder");
        else
            dir = argv[i];
    }
    if (!dir)
        return cli_usage_error(name, "expected a study folder");
    if (cli_refuse_optuna(name, dir) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    return cli_ask_runner(name, dir, now ? now_kind : kind, NULL);
}

int cli_cmd_stop(int argc, char **argv)
{
    return simple("stop", argc, argv, "stop", "stop_now");
}

int cli_cmd_pause(int argc, char **argv)
{
    return simple("pause", argc, argv, "pause", NULL);
}

int cli_cmd_resume(int argc, char **argv)
{
    return simple("resume", argc, argv, "resume", NULL);
}

int cli_cmd_kill(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(cli_find("kill")->help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 2)
        return cli_usage_error("kill", "expected a study folder and a trial number");
    if (cli_parse_count(argv[1]) < 1)
        return cli_usage_error("kill", "expected a trial number, found '%s'", argv[1]);
    if (cli_refuse_optuna("kill", argv[0]) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    return cli_ask_runner("kill", argv[0], "kill", argv[1]);
}
