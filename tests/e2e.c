/*
 * e2e — running the real binary for end-to-end tests (see e2e.h). Output is
 * captured through files, not pipes, so a chatty child can never block on
 * a full pipe while the test waits for it.
 */
#include "e2e.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tunetop/util.h"

const char *e2e_bin(void)
{
    const char *b = getenv("TUNETOP_BIN");
    return b && *b ? b : "./tunetop";
}

const char *e2e_root(void)
{
    const char *r = getenv("TUNETOP_ROOT");
    return r && *r ? r : ".";
}

void e2e_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

e2e_result e2e_run(const char *const *argv, double timeout_s)
{
    e2e_result r = {0};
    char outp[] = "/tmp/tt-e2e-out-XXXXXX", errp[] = "/tmp/tt-e2e-err-XXXXXX";
    int out = mkstemp(outp), err = mkstemp(errp);
    ck_assert_int_ge(out, 0);
    ck_assert_int_ge(err, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(e2e_root()) != 0)
            _exit(126);
        dup2(out, 1);
        dup2(err, 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        const char *prog = strcmp(argv[0], "tunetop") == 0 ? e2e_bin() : argv[0];
        execvp(prog, (char *const *)argv);
        _exit(127);
    }
    double deadline = now() + timeout_s;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            r.status = -1;
            break;
        }
        e2e_sleep(0.01);
    }
    if (r.status != -1)
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    close(out);
    close(err);
    r.out = tt_read_file(outp, NULL, NULL);
    r.err = tt_read_file(errp, NULL, NULL);
    unlink(outp);
    unlink(errp);
    if (!r.out)
        r.out = tt_xstrdup("");
    if (!r.err)
        r.err = tt_xstrdup("");
    return r;
}

void e2e_result_free(e2e_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *e2e_tail(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    return !text ? "(null)" : n > 1200 ? text + n - 1200 : text;
}

char *e2e_tmpdir(void)
{
    char tmpl[] = "/tmp/tt-e2e-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return tt_xstrdup(d);
}

void e2e_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

void e2e_write_exec(const char *path, const char *text)
{
    e2e_write(path, text);
    ck_assert_int_eq(chmod(path, 0700), 0);
}

char *e2e_read(const char *dir, const char *leaf)
{
    char *p = tt_xasprintf("%s/%s", dir, leaf);
    char *t = tt_read_file(p, NULL, NULL);
    free(p);
    return t;
}

bool e2e_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void e2e_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *e2e_sql(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
        /* A study being created has a file before it has tables: pollers
         * see "no row" until the schema is there. */
        bool creating = strstr(sqlite3_errmsg(h), "no such table") != NULL;
        ck_assert_msg(creating, "%s: %s", sql, sqlite3_errmsg(h));
        sqlite3_close(h);
        return NULL;
    }
    char *res = NULL;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        res = tt_xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(h);
    return res;
}

long e2e_sql_long(const char *db, const char *sql)
{
    char *t = e2e_sql(db, sql);
    long v = t ? strtol(t, NULL, 10) : -1;
    free(t);
    return v;
}

char *e2e_study_sql(const char *study, const char *sql)
{
    char *db = tt_xasprintf("%s/study.db", study);
    char *v = e2e_sql(db, sql);
    free(db);
    return v;
}

long e2e_study_long(const char *study, const char *sql)
{
    char *db = tt_xasprintf("%s/study.db", study);
    long v = e2e_sql_long(db, sql);
    free(db);
    return v;
}

bool e2e_wait_study(const char *study, const char *sql, long want, double timeout)
{
    for (double t = 0; t < timeout; t += 0.05) {
        if (e2e_study_long(study, sql) == want)
            return true;
        e2e_sleep(0.05);
    }
    return false;
}

char *e2e_status_json(const char *study)
{
    const char *argv[] = {"tunetop", "status", study, "--json", NULL};
    e2e_result r = e2e_run(argv, 20);
    ck_assert_msg(r.status == 0, "status failed: %s", e2e_tail(r.err));
    free(r.err);
    return r.out;
}

bool e2e_wait_trials(const char *study, const char *state, long n, double timeout)
{
    char *sql = state ? tt_xasprintf("SELECT count(*) FROM trials WHERE state = '%s'", state)
                      : tt_xstrdup("SELECT count(*) FROM trials");
    bool ok = e2e_wait_study(study, sql, n, timeout);
    free(sql);
    return ok;
}

char *e2e_trial_file(const char *study, long n, const char *leaf)
{
    char *p = tt_xasprintf("%s/trials/%ld/%s", study, n, leaf);
    char *t = tt_read_file(p, NULL, NULL);
    free(p);
    return t;
}

e2e_sweep e2e_sweep_new(const char *text)
{
    e2e_sweep w;
    w.tmp = e2e_tmpdir();
    w.sweep = tt_xasprintf("%s/sweep.yaml", w.tmp);
    w.study = tt_xasprintf("%s/study", w.tmp);
    if (text)
        e2e_write(w.sweep, text);
    return w;
}

void e2e_sweep_free(e2e_sweep *w)
{
    e2e_rmtree(w->tmp);
    free(w->tmp);
    free(w->sweep);
    free(w->study);
    w->tmp = w->sweep = w->study = NULL;
}

e2e_result e2e_run_sweep(const char *sweep, const char *study, double timeout)
{
    const char *with_dir[] = {"tunetop", "run", sweep, "--dir", study, NULL};
    const char *plain[] = {"tunetop", "run", sweep, NULL};
    return e2e_run(study ? with_dir : plain, timeout);
}

void e2e_run_sweep_ok(const char *sweep, const char *study, double timeout)
{
    e2e_result r = e2e_run_sweep(sweep, study, timeout);
    ck_assert_msg(r.status == 0, "run (%d): %s\n%s", r.status, e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
}

pid_t e2e_start_detached(const char *sweep, const char *study)
{
    const char *with_dir[] = {"tunetop", "run", sweep, "--dir", study, "--detach", NULL};
    const char *plain[] = {"tunetop", "run", sweep, "--detach", NULL};
    e2e_result r = e2e_run(study ? with_dir : plain, 30);
    ck_assert_msg(r.status == 0, "run --detach (%d): %s\n%s", r.status, e2e_tail(r.out),
                  e2e_tail(r.err));
    const char *p = strstr(r.out, "runner pid ");
    ck_assert_msg(p != NULL, "run --detach named no runner: %s", e2e_tail(r.out));
    pid_t pid = (pid_t)strtol(p + 11, NULL, 10);
    e2e_result_free(&r);
    return pid;
}

int e2e_stop_now(const char *study)
{
    const char *argv[] = {"tunetop", "stop", study, "--now", NULL};
    e2e_result r = e2e_run(argv, 20);
    int st = r.status;
    e2e_result_free(&r);
    return st;
}

void e2e_stop_now_and_wait(const char *study)
{
    e2e_stop_now(study);
    ck_assert(e2e_wait_trials(study, "running", 0, 20));
}
