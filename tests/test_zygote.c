/*
 * The zygote (src/shim/zygote.c, and the runner's end of it,
 * src/runner/zygote_client.c): the runner's one process that starts
 * trials through a pool of shims. What a user would notice if it were
 * wrong: a trial that does not run as asked (argv, environment, logs,
 * status) or sees the one before it, a trial that dies with the runner, a
 * runner that hangs on a stopped zygote, a kill sent the instant a trial
 * starts that is lost, or a kill meant for a trial that ended which ends
 * the next one instead.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/runner/shim_client.h"
#include "e2e.h"
#include "check_util.h"

extern char **environ;

/* The standalone shim next to the binary under test (what the runner
 * uses), else the binary itself (`tunetop __zygote`). */
static char *shim_exe(void)
{
    char *bin = realpath(e2e_bin(), NULL);
    ck_assert_msg(bin != NULL, "no tunetop binary at %s", e2e_bin());
    char *exe = rn_shim_find_exe(bin);
    free(bin);
    return exe;
}

/* Waits until a trial's socket reads as ended; false after secs. */
static bool wait_ended(int sock, double secs)
{
    struct pollfd p = {.fd = sock, .events = POLLIN};
    return poll(&p, 1, (int)(secs * 1000)) == 1;
}

/* Waits for our child pid (the zygote) to exit; its wait status, or -1. */
static int wait_child(pid_t pid, double secs)
{
    for (double t = 0; t < secs; t += 0.01) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st;
        e2e_sleep(0.01);
    }
    return -1;
}

/* Field n (1-based) of /proc/PID/stat as a number; -1 when unreadable. */
static long stat_field(pid_t pid, int n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    char *t = tt_read_file(path, NULL, NULL);
    if (!t)
        return -1;
    char *p = strrchr(t, ')');
    long v = -1;
    for (int f = 3; p && f <= n; f++) {
        p = strchr(p + 1, ' ');
        if (p && f == n)
            v = strtol(p + 1, NULL, 10);
    }
    free(t);
    return v;
}

typedef struct started {
    pid_t pid;
    uint64_t start;
    int sock;
    int token;
} started;

static started spawn_ok(rn_zygote *z, const char *exe, const char *dir, char **argv,
                        char **envp)
{
    started s = {0, 0, -1, 0};
    tt_error err = {0};
    int rc = rn_zygote_spawn(z, exe, dir, 1, argv, envp, &s.pid, &s.start, &s.sock, &s.token, &err);
    ck_assert_msg(rc == 0, "rn_zygote_spawn: %d %s", rc, err.msg);
    ck_assert_int_gt(s.pid, 0);
    ck_assert_int_ge(s.sock, 0);
    return s;
}

/* Waits for the trial's end (its end fd) and reads exit.status. */
static tt_shim_status wait_status(started s, const char *dir)
{
    ck_assert_msg(wait_ended(s.sock, 5), "the shim did not end");
    close(s.sock);
    tt_shim_status st;
    ck_assert_int_eq(rn_shim_read_status(dir, &st), 0);
    return st;
}

/* Closes the runner's end and waits for the zygote to leave. */
static void stop_zygote(rn_zygote *z)
{
    pid_t zpid = z->pid;
    rn_zygote_stop(z);
    if (zpid > 0)
        wait_child(zpid, 5);
}

/* Three trials through one zygote: each runs with its own argv and
 * environment, its logs and exit status land in its folder, and its end
 * wakes a poll on its end fd. */
START_TEST(test_zygote_runs_trials)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    pid_t first_zygote = 0;
    for (int k = 0; k < 3; k++) {
        char *dir = e2e_tmpdir();
        char code[32];
        snprintf(code, sizeof code, "%d", k + 3);
        /* A hostile value stays one literal argument. */
        char *argv[] = {"/bin/sh", "-c", "echo \"$1 $TT_TEST\"; echo e >&2; exit $2", "sh",
                        "; rm -rf ~", code, NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", "TT_TEST=from-the-request", NULL};
        started s = spawn_ok(&z, exe, dir, argv, envp);
        if (k == 0)
            first_zygote = z.pid;
        ck_assert_int_eq(z.pid, first_zygote);
        ck_assert_msg(wait_ended(s.sock, 5), "trial %d did not end", k);
        close(s.sock);
        tt_shim_status st;
        ck_assert_int_eq(rn_shim_read_status(dir, &st), 0);
        ck_assert_int_eq(st.kind, TT_SHIM_EXIT);
        ck_assert_int_eq(st.code, k + 3);
        char *out = e2e_read(dir, TT_SHIM_STDOUT), *err = e2e_read(dir, TT_SHIM_STDERR);
        ck_assert_str_eq(out, "; rm -rf ~ from-the-request\n");
        ck_assert_str_eq(err, "e\n");
        free(out);
        free(err);
        e2e_rmtree(dir);
        free(dir);
    }
    rn_zygote_stop(&z);
    int st = wait_child(first_zygote, 5);
    ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "the zygote did not leave when its runner closed the socket (%d)", st);
    free(exe);
}
END_TEST

/* The shim is detached from the zygote as an exec'd one is: a session
 * leader of its own, and it runs on (and records its trial's end) when the
 * runner and the zygote are gone. */
START_TEST(test_zygote_shim_outlives_zygote)
{
    char *exe = shim_exe();
    char *dir = e2e_tmpdir();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *argv[] = {"/bin/sh", "-c", "sleep 0.5; echo done; exit 7", NULL};
    started s = spawn_ok(&z, exe, dir, argv, environ);
    /* The child calls setsid() itself, just after the zygote answered. */
    for (int i = 0; i < 200 && stat_field(s.pid, 6) != s.pid; i++)
        e2e_sleep(0.005);
    ck_assert_int_eq(stat_field(s.pid, 6), s.pid); /* session id */
    ck_assert_int_eq(stat_field(s.pid, 4), z.pid); /* parent: the zygote */
    pid_t zpid = z.pid;
    kill(zpid, SIGKILL);
    rn_zygote_stop(&z);
    ck_assert_int_ge(wait_child(zpid, 5), 0);
    ck_assert(tt_proc_alive(s.pid, s.start));
    tt_shim_status st = wait_status(s, dir);
    ck_assert_int_eq(st.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(st.code, 7);
    char *out = e2e_read(dir, TT_SHIM_STDOUT);
    ck_assert_str_eq(out, "done\n");
    free(out);
    e2e_rmtree(dir);
    free(dir);
    free(exe);
}
END_TEST

/* A zygote killed from outside between two trials is started again. */
START_TEST(test_zygote_restarted)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *argv[] = {"/bin/true", NULL};
    char *dir = e2e_tmpdir();
    started s = spawn_ok(&z, exe, dir, argv, environ);
    close(s.sock);
    pid_t old = z.pid;
    kill(old, SIGKILL);
    ck_assert_int_ge(wait_child(old, 5), 0);
    char *dir2 = e2e_tmpdir();
    s = spawn_ok(&z, exe, dir2, argv, environ);
    ck_assert_int_ne(z.pid, old);
    ck_assert(!z.broken);
    tt_shim_status st = wait_status(s, dir2);
    ck_assert_int_eq(st.code, 0);
    stop_zygote(&z);
    e2e_rmtree(dir);
    e2e_rmtree(dir2);
    free(dir);
    free(dir2);
    free(exe);
}
END_TEST

/* A SIGTERM sent the instant the spawn returns is forwarded to the trial
 * (recorded as its end), not fatal to a shim that is still starting. */
START_TEST(test_zygote_early_sigterm)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    for (int k = 0; k < 5; k++) {
        char *dir = e2e_tmpdir();
        char *argv[] = {"/bin/sleep", "30", NULL};
        started s = spawn_ok(&z, exe, dir, argv, environ);
        kill(s.pid, SIGTERM);
        ck_assert_msg(wait_ended(s.sock, 5), "the shim ignored SIGTERM");
        close(s.sock);
        tt_shim_status st;
        ck_assert_int_eq(rn_shim_read_status(dir, &st), 0);
        ck_assert_int_eq(st.kind, TT_SHIM_SIGNAL);
        ck_assert_int_eq(st.code, SIGTERM);
        e2e_rmtree(dir);
        free(dir);
    }
    stop_zygote(&z);
    free(exe);
}
END_TEST

/* What cannot run is recorded like with an exec'd shim. */
START_TEST(test_zygote_exec_error)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dir = e2e_tmpdir();
    char *argv[] = {"/nonexistent/train", "--x", NULL};
    started s = spawn_ok(&z, exe, dir, argv, environ);
    tt_shim_status st = wait_status(s, dir);
    ck_assert_int_eq(st.kind, TT_SHIM_EXEC_ERROR);
    ck_assert_int_eq(st.code, ENOENT);
    stop_zygote(&z);
    e2e_rmtree(dir);
    free(dir);
    free(exe);
}
END_TEST

/* A script without "#!" runs under /bin/sh, as execvp runs it; a file
 * that is not executable is an exec error (EACCES), not a crash. */
START_TEST(test_zygote_script_without_shebang)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dir = e2e_tmpdir();
    char *script = tt_xasprintf("%s/train.sh", dir);
    e2e_write_exec(script, "echo loss=0.5\nexit 6\n");
    char *argv[] = {script, NULL};
    started s = spawn_ok(&z, exe, dir, argv, environ);
    tt_shim_status st = wait_status(s, dir);
    ck_assert_int_eq(st.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(st.code, 6);
    char *out = e2e_read(dir, TT_SHIM_STDOUT);
    ck_assert_str_eq(out, "loss=0.5\n");
    free(out);

    char *dir2 = e2e_tmpdir();
    ck_assert_int_eq(chmod(script, 0600), 0);
    s = spawn_ok(&z, exe, dir2, argv, environ);
    st = wait_status(s, dir2);
    ck_assert_int_eq(st.kind, TT_SHIM_EXEC_ERROR);
    ck_assert_int_eq(st.code, EACCES);
    stop_zygote(&z);
    e2e_rmtree(dir);
    e2e_rmtree(dir2);
    free(dir);
    free(dir2);
    free(script);
    free(exe);
}
END_TEST

/* A stopped zygote does not hang the runner: the request fails after the
 * time limit (it may have been taken, so the trial is not started twice),
 * and from then on the caller is told to start shims itself. */
START_TEST(test_zygote_stopped)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dir = e2e_tmpdir();
    char *argv[] = {"/bin/true", NULL};
    started s = spawn_ok(&z, exe, dir, argv, environ);
    close(s.sock);
    pid_t zpid = z.pid;
    kill(zpid, SIGSTOP);
    pid_t pid;
    uint64_t start;
    int sock = -1;
    tt_error err = {0};
    int rc = rn_zygote_spawn(&z, exe, dir, 1, argv, environ, &pid, &start, &sock, NULL, &err);
    ck_assert_int_eq(rc, -TT_ERR_IO);
    ck_assert_msg(strstr(err.msg, "zygote was lost") != NULL, "%s", err.msg);
    ck_assert(z.broken);
    ck_assert_int_ge(wait_child(zpid, 5), 0); /* killed, not left stopped */
    ck_assert_int_eq(
        rn_zygote_spawn(&z, exe, dir, 1, argv, environ, &pid, &start, &sock, NULL, &err), 1);
    e2e_rmtree(dir);
    free(dir);
    free(exe);
}
END_TEST

/* Requests in flight: the runner sends several and takes the answers
 * later, in request order; a zygote that dies owing answers has each of
 * them reported as lost, once. */
START_TEST(test_zygote_answers_in_order)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dirs[3];
    tt_error err = {0};
    for (int k = 0; k < 3; k++) {
        dirs[k] = e2e_tmpdir();
        char code[32];
        snprintf(code, sizeof code, "exit %d", 20 + k);
        char *argv[] = {"/bin/sh", "-c", code, NULL};
        ck_assert_int_eq(rn_zygote_send(&z, exe, dirs[k], 1, argv, environ, &err), 0);
    }
    ck_assert_uint_eq(z.pending, 3);
    for (int k = 0; k < 3; k++) {
        rn_zygote_answer a;
        ck_assert_int_eq(rn_zygote_receive(&z, 5000, &a, &err), 0);
        ck_assert(wait_ended(a.sock, 5));
        close(a.sock);
        tt_shim_status st;
        ck_assert_int_eq(rn_shim_read_status(dirs[k], &st), 0);
        ck_assert_int_eq(st.code, 20 + k); /* the answer is trial k's */
    }
    rn_zygote_answer a;
    ck_assert_int_eq(rn_zygote_receive(&z, 0, &a, &err), 1); /* nothing owed */

    /* Stopped with two requests: nothing comes; killed: two losses. */
    pid_t zpid = z.pid;
    kill(zpid, SIGSTOP);
    char *sleeper[] = {"/bin/sleep", "30", NULL};
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(rn_zygote_send(&z, exe, dirs[k], 1, sleeper, environ, &err), 0);
    ck_assert_int_eq(rn_zygote_receive(&z, 100, &a, &err), 1);
    kill(zpid, SIGKILL);
    ck_assert_int_ge(wait_child(zpid, 5), 0);
    for (int k = 0; k < 2; k++) {
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(rn_zygote_receive(&z, 1000, &a, &err), -TT_ERR_IO);
        ck_assert_msg(strstr(err.msg, "zygote") != NULL, "%s", err.msg);
    }
    ck_assert_int_eq(rn_zygote_receive(&z, 0, &a, &err), 1);
    ck_assert(z.broken);
    ck_assert_int_eq(rn_zygote_send(&z, exe, dirs[0], 1, sleeper, environ, &err), 1);
    for (int k = 0; k < 3; k++) {
        e2e_rmtree(dirs[k]);
        free(dirs[k]);
    }
    free(exe);
}
END_TEST

/* Whether the trial of s is still running after secs (its socket quiet). */
static bool still_running(started s, double secs)
{
    return !wait_ended(s.sock, secs);
}

/* Starts a trial as the runner does: on an idle shim when there is one,
 * else through the zygote. */
static started start_ok(rn_zygote *z, const char *exe, const char *dir, char **argv,
                        char **envp)
{
    rn_zygote_answer a;
    tt_error err = {0};
    int rc = rn_zygote_reuse(z, dir, 1, argv, envp, &a, &err);
    ck_assert_msg(rc >= 0, "rn_zygote_reuse: %s", err.msg);
    if (rc == 1)
        return spawn_ok(z, exe, dir, argv, envp);
    return (started){a.pid, a.start, a.sock, a.token};
}

/* Waits for the trial's end, reads exit.status and gives the shim back, as
 * the runner does. */
static tt_shim_status finish_trial(rn_zygote *z, started s, const char *dir)
{
    ck_assert_msg(wait_ended(s.sock, 5), "the trial did not end");
    tt_shim_status st;
    ck_assert_int_eq(rn_shim_read_status(dir, &st), 0);
    rn_zygote_release(z, s.pid, s.start, s.sock);
    return st;
}

/* Removes and frees n trial folders. */
static void free_folders(char **dirs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        e2e_rmtree(dirs[i]);
        free(dirs[i]);
    }
}

/* Trials one after the other run in one shim, each with its own argv and
 * environment only: nothing of the trial before reaches the next. */
START_TEST(test_zygote_reuses_shims)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    pid_t shim = 0;
    for (int k = 0; k < 4; k++) {
        char *dir = e2e_tmpdir();
        char *argv[] = {"/bin/sh", "-c", "echo \"${TT_FIRST:-unset} $0\"", k == 0 ? "a" : "b",
                        NULL};
        char *first_env[] = {"PATH=/usr/bin:/bin", "TT_FIRST=leaked", NULL};
        char *later_env[] = {"PATH=/usr/bin:/bin", NULL};
        started s = start_ok(&z, exe, dir, argv, k == 0 ? first_env : later_env);
        if (k == 0)
            shim = s.pid;
        ck_assert_msg(s.pid == shim, "trial %d got a new shim (%ld, not %ld)", k, (long)s.pid,
                      (long)shim);
        tt_shim_status st = finish_trial(&z, s, dir);
        ck_assert_int_eq(st.kind, TT_SHIM_EXIT);
        ck_assert_int_eq(st.code, 0);
        char *out = e2e_read(dir, TT_SHIM_STDOUT);
        ck_assert_str_eq(out, k == 0 ? "leaked a\n" : "unset b\n");
        free(out);
        e2e_rmtree(dir);
        free(dir);
    }
    ck_assert_int_eq(z.n_idle, 1);
    stop_zygote(&z);
    /* Idle, it leaves with its runner's end of the socket. */
    for (int i = 0; i < 500 && kill(shim, 0) == 0; i++)
        e2e_sleep(0.01);
    ck_assert_msg(kill(shim, 0) != 0, "an idle shim outlived its runner's end");
    free(exe);
}
END_TEST

/* The runner asks a pooled shim to end a trial with that trial's token: a
 * request that comes after the trial ended, when the shim already runs the
 * next one, is ignored; the right token ends the trial, and the shim takes
 * the trial after it. */
START_TEST(test_zygote_stale_sigterm_ignored)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dirs[3] = {e2e_tmpdir(), e2e_tmpdir(), e2e_tmpdir()};
    char *dir = dirs[0], *dir2 = dirs[1], *dir3 = dirs[2];
    char *quick[] = {"/bin/true", NULL};
    char *slow[] = {"/bin/sleep", "30", NULL};
    started a = start_ok(&z, exe, dir, quick, environ);
    ck_assert_int_eq(finish_trial(&z, a, dir).code, 0);
    started b = start_ok(&z, exe, dir2, slow, environ);
    ck_assert_int_eq(b.pid, a.pid);
    ck_assert_int_ne(b.token, a.token);
    ck_assert_int_eq(sigqueue(b.pid, SIGTERM, (union sigval){.sival_int = a.token}), 0);
    ck_assert_msg(still_running(b, 0.5), "a SIGTERM for the trial before ended this one");
    ck_assert_int_eq(sigqueue(b.pid, SIGTERM, (union sigval){.sival_int = b.token}), 0);
    tt_shim_status st = finish_trial(&z, b, dir2);
    ck_assert_int_eq(st.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(st.code, SIGTERM);
    started c = start_ok(&z, exe, dir3, quick, environ);
    ck_assert_int_eq(c.pid, a.pid);
    ck_assert_int_eq(finish_trial(&z, c, dir3).code, 0);
    stop_zygote(&z);
    free_folders(dirs, 3);
    free(exe);
}
END_TEST

/* A SIGTERM from outside (a person, a shutdown) ends the trial and the
 * shim: it takes no other trial. A shim killed while idle is replaced. */
START_TEST(test_zygote_shim_retired)
{
    char *exe = shim_exe();
    rn_zygote z = TT_ZYGOTE_INIT;
    char *dirs[3] = {e2e_tmpdir(), e2e_tmpdir(), e2e_tmpdir()};
    char *dir = dirs[0], *dir2 = dirs[1], *dir3 = dirs[2];
    char *slow[] = {"/bin/sleep", "30", NULL};
    char *quick[] = {"/bin/true", NULL};
    started a = start_ok(&z, exe, dir, slow, environ);
    kill(a.pid, SIGTERM);
    tt_shim_status st = finish_trial(&z, a, dir);
    ck_assert_int_eq(st.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(z.n_idle, 0);
    for (int i = 0; i < 500 && tt_proc_alive(a.pid, a.start); i++)
        e2e_sleep(0.01);
    ck_assert_msg(!tt_proc_alive(a.pid, a.start), "the shim stayed after a SIGTERM from outside");
    started b = start_ok(&z, exe, dir2, quick, environ);
    ck_assert_int_ne(b.pid, a.pid);
    ck_assert_int_eq(finish_trial(&z, b, dir2).code, 0);
    ck_assert_int_eq(z.n_idle, 1);
    kill(b.pid, SIGKILL);
    for (int i = 0; i < 500 && tt_proc_alive(b.pid, b.start); i++)
        e2e_sleep(0.01);
    started c = start_ok(&z, exe, dir3, quick, environ);
    ck_assert_int_ne(c.pid, b.pid);
    ck_assert_int_eq(finish_trial(&z, c, dir3).code, 0);
    stop_zygote(&z);
    free_folders(dirs, 3);
    free(exe);
}
END_TEST

/* No program to be a zygote: the caller falls back, nothing started. */
START_TEST(test_zygote_missing_program)
{
    rn_zygote z = TT_ZYGOTE_INIT;
    char *argv[] = {"/bin/true", NULL};
    pid_t pid = 0;
    uint64_t start;
    int sock = -1;
    tt_error err = {0};
    ck_assert_int_eq(rn_zygote_spawn(&z, "/nonexistent/tunetop-shim", "/tmp", 1, argv, environ,
                                     &pid, &start, &sock, NULL, &err),
                     1);
    ck_assert(z.broken);
    ck_assert_int_eq(pid, 0);
}
END_TEST

Suite *suite_zygote(void)
{
    return tt_suite_of("zygote", "zygote", 30,
                       TT_TESTS(test_zygote_runs_trials, test_zygote_shim_outlives_zygote,
                                test_zygote_restarted, test_zygote_early_sigterm,
                                test_zygote_exec_error, test_zygote_script_without_shebang,
                                test_zygote_stopped, test_zygote_answers_in_order,
                                test_zygote_missing_program, test_zygote_reuses_shims,
                                test_zygote_stale_sigterm_ignored, test_zygote_shim_retired));
}
