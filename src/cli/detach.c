/*
 * detach — start a study's runner as a daemon that survives the terminal:
 * fork, setsid, fork again (so it can never regain a controlling
 * terminal), output to the study's runner.log. Shared by `tunetop run
 * --detach`, `tunetop SWEEP.yaml` and the dashboard's `R` key. Prints
 * nothing: the caller says what happened (the dashboard is in curses mode).
 * Also whether a folder holds a study at all (cli_study_ready), which
 * `tunetop run DIR` and `tunetop DIR` ask before starting or attaching.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tunetop/runner.h"
#include "tunetop/study.h"

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

/* runner.log's size before our runner starts: what it writes comes after. */
static size_t log_size(const char *dir)
{
    char *path = tt_study_log_path(dir);
    struct stat st;
    size_t size = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    free(path);
    return size;
}

/* The last lines of what runner.log gained from byte from on: our runner's
 * words, not those of an earlier runner (nor, mostly, of another one
 * writing there at the same time). */
static void log_tail(const char *dir, size_t from, char *out, size_t n)
{
    char *path = tt_study_log_path(dir);
    size_t len = 0;
    char *text = tt_read_file(path, &len, NULL);
    free(path);
    out[0] = '\0';
    if (!text)
        return;
    if (from > len)
        from = 0; /* the log was replaced meanwhile */
    memmove(text, text + from, len - from + 1);
    len = strlen(text);
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
    tt_store *st = tt_study_open_store(dir, TT_STORE_READ, NULL);
    if (!st)
        return false;
    tt_study_info info = {0};
    bool done = tt_store_get_study(st, &info, NULL) == 0 && info.state == TT_STUDY_FINISHED;
    tt_study_info_clear(&info);
    tt_store_close(st);
    return done;
}

/* Whether pid has exited. Our runner is a grandchild that init adopts: an
 * init that reaps late leaves it a zombie, which kill(pid, 0) still finds,
 * and we waited the whole 5 s for a runner that was long gone. */
static bool process_gone(long pid)
{
    if (kill((pid_t)pid, 0) != 0)
        return true;
    char *path = tt_xasprintf("/proc/%ld/stat", pid);
    char *text = tt_read_file(path, NULL, NULL);
    free(path);
    /* "PID (COMM) STATE …": COMM may hold spaces and parentheses */
    const char *end = text ? strrchr(text, ')') : NULL;
    bool gone = end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
    free(text);
    return gone;
}

/* Why the runner we started left at once. Two starts of a new study at
 * once (`tunetop run sweep.yaml --dir D --detach` twice) both fork a
 * runner; the one that takes the lock first runs the study and the other
 * leaves. Its starter used to quote runner.log, whose last lines are the
 * winner's, as if they were its own runner's failure: the lock says what
 * happened. holder is the lock's pid now (0: free, -1: not written yet). */
static int runner_left(const char *dir, long holder, size_t log_from, long *pid_out,
                       tt_error *err)
{
    if (holder > 0) {
        if (pid_out)
            *pid_out = holder;
        return CLI_RUNNER_ELSEWHERE;
    }
    if (study_finished(dir))
        return tt_error_set(err, TT_ERR_EXHAUSTED,
                            "the study is finished: nothing left to run (raise its "
                            "budget in the sweep file to go on)");
    char tail[800];
    log_tail(dir, log_from, tail, sizeof tail);
    return tt_error_set(err, TT_ERR_IO, "the runner exited at once; its log says:\n%s",
                        tail[0] ? tail : "(nothing)");
}

int cli_start_runner(const char *dir, long *pid_out, tt_error *err)
{
    size_t log_from = log_size(dir);
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
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        char *log = tt_study_log_path(dir);
        /* A FIFO planted as runner.log must not hold the runner before it
         * starts: without a log it runs all the same (study.db has it all). */
        int out = tt_open_regular(AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND,
                                  tt_study_file_mode());
        free(log);
        if (null >= 0)
            dup2(null, 0);
        /* No log (a FIFO, a full disk): nowhere, never the caller's terminal. */
        if (out < 0)
            out = null;
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
    long holder = 0;
    for (int i = 0; i < 200; i++) {
        holder = tt_study_runner_pid(dir);
        if (holder == gc) {
            if (pid_out)
                *pid_out = gc;
            return 0;
        }
        /* -1: a runner holds the lock but has not written its pid yet:
         * ours, or the one ours lost to; wait for the pid */
        if (holder != -1 && process_gone(gc))
            return runner_left(dir, holder, log_from, pid_out, err);
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (holder > 0)
        return runner_left(dir, holder, log_from, pid_out, err);
    return tt_error_set(err, TT_ERR_IO,
                        "the runner (pid %ld) did not take the study's lock in 5 s", gc);
}

/* Whether path (study.db) is an empty file with no WAL content either: a
 * database SQLite has not even given a schema. */
static bool db_empty(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
        return false;
    char *wal = tt_xasprintf("%s-wal", path);
    bool empty = stat(wal, &st) != 0 || st.st_size == 0;
    free(wal);
    return empty;
}

/* A folder whose study.db holds no study (a run killed between creating
 * the file and recording the study, `: > D/study.db`) made the runner and
 * the dashboard fail with the store's words ("…/study.db holds no study
 * yet", "not a tunetop study database (the file is empty)"): say what to
 * do instead. Any other failure to read is left to the caller's own open,
 * which says it in context. */
int cli_study_ready(const char *dir, tt_error *err)
{
    char *db = tt_study_db_path(dir);
    bool none = false;
    tt_store *st = tt_store_open(db, TT_STORE_READ, NULL);
    if (!st) {
        none = db_empty(db);
    } else {
        tt_study_info info = {0};
        none = tt_store_get_study(st, &info, NULL) == -TT_ERR_INVALID;
        tt_study_info_clear(&info);
        tt_store_close(st);
    }
    free(db);
    if (!none)
        return 0;
    char buf[TT_SHORT_TEXT_SIZE];
    const char *shown = tt_short_text(dir, buf);
    return tt_error_set(err, TT_ERR_INVALID,
                        "%s holds no study yet: run `tunetop run SWEEP.yaml --dir %s` to start "
                        "one there",
                        shown, shown);
}
