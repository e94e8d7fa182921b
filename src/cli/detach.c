/*
 * detach — start a study's runner as a daemon that survives the terminal:
 * fork, setsid, fork again (so it can never regain a controlling
 * terminal), output to the study's runner.log. Shared by `tunetop run
 * --detach`, `tunetop SWEEP.yaml` and the dashboard's `R` key. Prints
 * nothing: the caller says what happened (the dashboard is in curses mode).
 *
 * The daemon must not inherit what its parent holds: every signal handler
 * goes back to the default (the dashboard's would write into a pipe that
 * is not the runner's), the signal mask is emptied, and every descriptor
 * above stderr is closed (an SQLite connection must not cross a fork).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tunetop/runner.h"

static void close_from(int lowest)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        for (int fd = lowest; fd < 1024; fd++)
            close(fd);
        return;
    }
    int dfd = dirfd(d);
    int fds[1024];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof fds / sizeof *fds) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd >= lowest && fd != dfd)
            fds[n++] = fd;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

static void reset_signals(void)
{
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    signal(SIGHUP, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void log_tail(const char *dir, char *out, size_t n)
{
    char *path = tt_xasprintf("%s/runner.log", dir);
    char *text = tt_read_file(path, NULL, NULL);
    free(path);
    out[0] = '\0';
    if (!text)
        return;
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    const char *start = text;
    int lines = 0;
    for (size_t i = len; i > 0; i--)
        if (text[i - 1] == '\n' && ++lines >= 4) {
            start = text + i;
            break;
        }
    snprintf(out, n, "%s", start);
    free(text);
}

/* A runner that exits at once on a finished study did its job. */
static bool study_finished(const char *dir)
{
    char *db = tt_xasprintf("%s/study.db", dir);
    tt_store *st = tt_store_open(db, TT_STORE_READ, NULL);
    free(db);
    if (!st)
        return false;
    tt_study_info info = {0};
    bool done = tt_store_get_study(st, &info, NULL) == 0 && info.state == TT_STUDY_FINISHED;
    tt_study_info_clear(&info);
    tt_store_close(st);
    return done;
}

int tt_cli_start_runner(const char *dir, long *pid_out, tt_error *err)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return tt_error_set(err, TT_ERR_IO, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return tt_error_set(err, TT_ERR_IO, "fork: %s", strerror(errno));
    }
    if (child == 0) {
        close(pfd[0]);
        reset_signals();
        setsid();
        pid_t gc = fork();
        if (gc != 0) {
            long v = gc;
            if (write(pfd[1], &v, sizeof v) != (ssize_t)sizeof v)
                _exit(1);
            _exit(gc > 0 ? 0 : 1);
        }
        close(pfd[1]);
        /* the runner proper: no terminal, output to runner.log */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char *log = tt_xasprintf("%s/runner.log", dir);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                       (mode_t)tt_study_file_mode());
        free(log);
        if (null >= 0)
            dup2(null, 0);
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        close_from(3);
        /* stdio may hold a buffered copy of the parent's output */
        tt_runner_opts o = {.study_dir = dir, .progress = stdout};
        tt_error rerr = {0};
        int rc = tt_runner_run(&o, &rerr);
        if (rc < 0)
            fprintf(stderr, "tunetop run: %s\n", rerr.msg);
        fflush(NULL);
        _exit(rc < 0 ? 1 : 0);
    }
    close(pfd[1]);
    long gc = 0;
    ssize_t n;
    do
        n = read(pfd[0], &gc, sizeof gc);
    while (n < 0 && errno == EINTR);
    close(pfd[0]);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof gc || gc <= 0)
        return tt_error_set(err, TT_ERR_IO, "cannot start the runner");
    /* wait until the daemon holds the study's lock, or died trying */
    for (int i = 0; i < 200; i++) {
        long pid = tt_study_runner_pid(dir);
        if (pid == gc) {
            if (pid_out)
                *pid_out = gc;
            return 0;
        }
        if (kill((pid_t)gc, 0) != 0) {
            if (study_finished(dir))
                return tt_error_set(err, TT_ERR_EXHAUSTED,
                                    "the study is finished: nothing left to run (raise its "
                                    "budget in the sweep file to go on)");
            char tail[800];
            log_tail(dir, tail, sizeof tail);
            return tt_error_set(err, TT_ERR_IO, "the runner exited at once; its log says:\n%s",
                                tail);
        }
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
    }
    return tt_error_set(err, TT_ERR_IO,
                        "the runner (pid %ld) did not take the study's lock in 5 s", gc);
}
