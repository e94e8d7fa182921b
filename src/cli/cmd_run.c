/*
 * run — `tunetop run FILE|DIR [--dir DIR] [--detach]`: the runner in the
 * foreground (one line per trial state change), or as a daemon that
 * survives the terminal: double fork + setsid, output to runner.log.
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

/* Ask a live runner to re-read its sweep file (a new version may exist). */
static void send_reload(const char *dir)
{
    char *db = tt_xasprintf("%s/study.db", dir);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_READ, &err);
    free(db);
    if (st) {
        tt_store_add_command(st, "reload", NULL, &err);
        tt_store_close(st);
    }
}

static void print_log_tail(const char *dir)
{
    char *path = tt_xasprintf("%s/runner.log", dir);
    char *text = tt_read_file(path, NULL, NULL);
    free(path);
    if (!text)
        return;
    size_t len = strlen(text);
    const char *start = text;
    int lines = 0;
    for (size_t i = len; i > 0; i--)
        if (text[i - 1] == '\n' && ++lines > 8) {
            start = text + i;
            break;
        }
    fprintf(stderr, "%s", start);
    free(text);
}

/* The daemon: returns only in the original process. */
static int detach(const char *dir)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        perror("tunetop run: pipe");
        return TT_EXIT_FAIL;
    }
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("tunetop run: fork");
        return TT_EXIT_FAIL;
    }
    if (child == 0) {
        close(pfd[0]);
        setsid();
        pid_t gc = fork();
        if (gc != 0) {
            long v = gc;
            if (write(pfd[1], &v, sizeof v) != (ssize_t)sizeof v)
                _exit(1);
            _exit(gc > 0 ? 0 : 1);
        }
        close(pfd[1]);
        /* The runner proper: no terminal, output to runner.log. */
        signal(SIGHUP, SIG_IGN);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char *log = tt_xasprintf("%s/runner.log", dir);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        free(log);
        if (null >= 0)
            dup2(null, 0);
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        tt_runner_opts o = {.study_dir = dir, .progress = stdout};
        tt_error err = {0};
        int rc = tt_runner_run(&o, &err);
        if (rc < 0)
            fprintf(stderr, "tunetop run: %s\n", err.msg);
        fflush(NULL);
        _exit(rc < 0 ? 1 : 0);
    }
    close(pfd[1]);
    long gc = 0;
    ssize_t n = read(pfd[0], &gc, sizeof gc);
    close(pfd[0]);
    waitpid(child, NULL, 0);
    if (n != (ssize_t)sizeof gc || gc <= 0) {
        fprintf(stderr, "tunetop run: cannot start the runner\n");
        return TT_EXIT_FAIL;
    }
    /* Wait until the daemon holds the study's lock, or died trying. */
    for (int i = 0; i < 200; i++) {
        long pid = tt_study_runner_pid(dir);
        if (pid == gc) {
            printf("%s\nrunner pid %ld\n", dir, gc);
            return TT_EXIT_OK;
        }
        if (kill((pid_t)gc, 0) != 0) {
            fprintf(stderr, "tunetop run: the runner exited at once; its log says:\n");
            print_log_tail(dir);
            return TT_EXIT_FAIL;
        }
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "tunetop run: the runner (pid %ld) did not take the study's lock in 5 s\n",
            gc);
    return TT_EXIT_FAIL;
}

int tt_cmd_run(int argc, char **argv)
{
    const char *target = NULL, *dir = NULL;
    bool daemon = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(tt_cli_find("run")->help, stdout);
            return TT_EXIT_OK;
        } else if (strcmp(argv[i], "--detach") == 0 || strcmp(argv[i], "-d") == 0) {
            daemon = true;
        } else if (strcmp(argv[i], "--dir") == 0) {
            if (++i >= argc)
                return tt_cli_usage_error("run", "--dir needs a folder");
            dir = argv[i];
        } else if (strncmp(argv[i], "--dir=", 6) == 0) {
            dir = argv[i] + 6;
        } else if (argv[i][0] == '-') {
            return tt_cli_usage_error("run", "unknown option '%s'", argv[i]);
        } else if (target) {
            return tt_cli_usage_error("run", "expected one sweep file or study folder");
        } else {
            target = argv[i];
        }
    }
    if (!target)
        return tt_cli_usage_error("run", "expected a sweep file or a study folder");

    char *study_dir = NULL;
    bool was_file = !tt_study_is_dir(target);
    if (!was_file) {
        if (dir)
            return tt_cli_usage_error("run", "--dir is for a sweep file; %s is a study already",
                                      target);
        study_dir = tt_xstrdup(target);
    } else {
        tt_diags diags = {0};
        tt_error err = {0};
        int rc = tt_study_prepare(target, dir, &study_dir, &diags, &err);
        tt_diags_print(&diags, stderr);
        tt_diags_free(&diags);
        if (rc < 0) {
            fprintf(stderr, "tunetop run: %s\n", err.msg);
            return TT_EXIT_FAIL;
        }
    }
    int status;
    long pid = tt_study_runner_pid(study_dir);
    if (pid != 0) {
        if (was_file)
            send_reload(study_dir);
        fprintf(stderr, "tunetop run: a runner is already running for %s (pid %ld)%s\n",
                study_dir, pid, was_file ? "; asked it to reload the sweep file" : "");
        status = daemon ? TT_EXIT_OK : TT_EXIT_FAIL;
        if (daemon)
            printf("%s\nrunner pid %ld\n", study_dir, pid);
    } else if (daemon) {
        status = detach(study_dir);
    } else {
        printf("study %s\n", study_dir);
        fflush(stdout);
        tt_runner_opts o = {.study_dir = study_dir, .progress = stdout};
        tt_error err = {0};
        if (tt_runner_run(&o, &err) < 0) {
            fprintf(stderr, "tunetop run: %s\n", err.msg);
            status = TT_EXIT_FAIL;
        } else {
            status = TT_EXIT_OK;
        }
    }
    free(study_dir);
    return status;
}
