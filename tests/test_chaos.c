/*
 * Fault injection against the real binary (issue 9, docs/reliability.md):
 * the runner SIGKILLed at random moments of one sweep and restarted, stopped
 * with SIGSTOP, hung up like a lost SSH session; the dashboard SIGKILLed;
 * the study database out of space; and trials that misbehave in every way
 * we know of. After each: every finished result kept exactly once, trials
 * in flight re-adopted rather than restarted, the database intact, the
 * runner's memory bounded.
 *
 * CI mode runs in `make check` (about a minute on a 2-core VM). The long
 * mode is the same code with bigger numbers:
 *     TUNETOP_CHAOS_LONG=1 CK_RUN_SUITE=chaos build/check_tunetop
 * (or bench/chaos/run.sh). TUNETOP_CHAOS_SEED=S replays a run of the
 * kill storm: the kill delays come from that seed (default 9).
 */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_util.h"
#include "e2e.h"
#include "tunetop/util.h"

/* ---- helpers ------------------------------------------------------------ */

/* TUNETOP_CHAOS_KEEP=1 keeps the studies for a post-mortem. */
static void cleanup(const char *tmp)
{
    const char *keep = getenv("TUNETOP_CHAOS_KEEP");
    if (keep && *keep && strcmp(keep, "0") != 0)
        fprintf(stderr, "chaos: kept %s\n", tmp);
    else
        e2e_rmtree(tmp);
}

static bool chaos_long(void)
{
    const char *e = getenv("TUNETOP_CHAOS_LONG");
    return e && *e && strcmp(e, "0") != 0;
}

static uint64_t rng_state;

static void rng_seed(void)
{
    const char *e = getenv("TUNETOP_CHAOS_SEED");
    rng_state = e && *e ? strtoull(e, NULL, 10) : 9;
    rng_state = rng_state * 0x9E3779B97F4A7C15ULL + 1;
}

/* xorshift64*: uniform in [0, 1). */
static double rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Rewrites the study behind the runner's back, as a tick that never
 * committed would have left it (the runner is dead by then). */
static void study_exec(const char *study, const char *sql)
{
    char *db = tt_xasprintf("%s/study.db", study);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg);
    sqlite3_close(h);
    free(db);
}

static bool wait_sql(const char *study, const char *sql, long want, double timeout)
{
    char *db = tt_xasprintf("%s/study.db", study);
    bool ok = false;
    for (double t0 = mono(); mono() - t0 < timeout; e2e_sleep(0.05))
        if (e2e_exists(db) && e2e_sql_long(db, sql) >= want) {
            ok = true;
            break;
        }
    free(db);
    return ok;
}

/* The state letter of a process from /proc/PID/stat; 0 when it is gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* Alive: exists and is not a zombie (a daemon's zombie may wait for a
 * reaper that never comes). */
static bool proc_alive(pid_t pid)
{
    char s = proc_state(pid);
    return s != 0 && s != 'Z' && s != 'X';
}

static bool wait_gone(pid_t pid, double timeout)
{
    for (double t0 = mono(); mono() - t0 < timeout; e2e_sleep(0.005))
        if (!proc_alive(pid))
            return true;
    return false;
}

/* A kB figure of /proc/PID/status ("VmHWM", "VmRSS"); -1 when unreadable. */
static long proc_status_kb(pid_t pid, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* A foreground runner we watch: `tunetop ARGS...` from the repository root,
 * output to log, optionally under a file size limit (SIGXFSZ ignored, so a
 * write past it fails with EFBIG as on a full disk). */
static pid_t spawn_tunetop(const char *const *args, const char *log, rlim_t fsize)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(e2e_root()) != 0)
            _exit(126);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (out < 0 || null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        if (fsize) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {fsize, fsize};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        const char *argv[32] = {"tunetop"};
        size_t n = 1;
        for (; args[n - 1] && n < 31; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(e2e_bin(), (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for our child pid, sampling its peak resident memory (VmHWM) until
 * it exits. Returns its exit status (128+signal), -1 on timeout (then it
 * is killed). */
static int wait_sampling(pid_t pid, double timeout, long *hwm_kb)
{
    double t0 = mono();
    int st = 0;
    for (;;) {
        long h = proc_status_kb(pid, "VmHWM");
        if (hwm_kb && h > *hwm_kb)
            *hwm_kb = h;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (mono() - t0 > timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        e2e_sleep(0.02);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *read_text(const char *path)
{
    char *t = tt_read_file(path, NULL, NULL);
    return t ? t : tt_xstrdup("");
}

/* Trial n's file leaf, "" when it cannot be read. */
static char *trial_file(const char *study, long n, const char *leaf)
{
    char *t = e2e_trial_file(study, n, leaf);
    return t ? t : tt_xstrdup("");
}

/* Occurrences of needle in text. */
static long count_of(const char *text, const char *needle)
{
    long n = 0;
    size_t len = strlen(needle);
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += len)
        n++;
    return n;
}

/* The number after the last "KEY=" in text (NAN when none). */
static double last_value(const char *text, const char *key)
{
    char *k = tt_xasprintf("%s=", key);
    const char *last = NULL;
    for (const char *p = text; (p = strstr(p, k)) != NULL; p++)
        if (p == text || p[-1] == ' ' || p[-1] == '\n')
            last = p;
    double v = last ? strtod(last + strlen(k), NULL) : NAN;
    free(k);
    return v;
}

static void check_integrity(const char *study)
{
    char *ok = e2e_study_sql(study, "PRAGMA integrity_check");
    ck_assert_msg(ok && strcmp(ok, "ok") == 0, "integrity_check: %s", ok);
    free(ok);
}

static void assert_no_duplicate_points(const char *study)
{
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM (SELECT 1 FROM metrics GROUP BY "
                                       "trial, attempt, step, name HAVING count(*) > 1)"),
                     0);
}

/* Every completed trial: its value is what its stdout.log says last for
 * loss, each of its loss lines stored exactly once, and it ran once (one
 * "epoch=1" line, attempt 1). Returns the number of completed trials. */
static long check_completed_trials(const char *study, bool csv_acc)
{
    long total = e2e_study_long(study, "SELECT count(*) FROM trials");
    long completed = 0;
    for (long n = 1; n <= total; n++) {
        char *sql = tt_xasprintf("SELECT state FROM trials WHERE number = %ld", n);
        char *state = e2e_study_sql(study, sql);
        free(sql);
        ck_assert_msg(state != NULL, "trial %ld missing", n);
        bool done = strcmp(state, "completed") == 0;
        free(state);
        if (!done)
            continue;
        completed++;
        char *out = trial_file(study, n, "stdout.log");
        ck_assert_msg(count_of(out, "epoch=1 ") == 1, "trial %ld ran %ld times", n,
                      count_of(out, "epoch=1 "));
        double printed = last_value(out, "loss");
        sql = tt_xasprintf("SELECT value FROM trials WHERE number = %ld", n);
        char *v = e2e_study_sql(study, sql);
        free(sql);
        ck_assert_msg(v && fabs(strtod(v, NULL) - printed) <= 1e-9 * (1 + fabs(printed)),
                      "trial %ld: stored %s, printed %g", n, v, printed);
        free(v);
        sql = tt_xasprintf("SELECT count(*) FROM metrics WHERE trial = %ld AND name = 'loss'", n);
        ck_assert_int_eq(e2e_study_long(study, sql), count_of(out, " loss="));
        free(sql);
        if (csv_acc) {
            sql = tt_xasprintf("SELECT count(*) FROM metrics WHERE trial = %ld AND name = 'acc'",
                               n);
            ck_assert_msg(e2e_study_long(study, sql) == count_of(out, " loss="),
                          "trial %ld: %ld acc points for %ld epochs", n, e2e_study_long(study, sql),
                          count_of(out, " loss="));
            free(sql);
        }
        free(out);
    }
    return completed;
}

/* All n trials completed; else which did not, and why. */
static void assert_all_completed(const char *study, long n)
{
    long done = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'");
    char *why = e2e_study_sql(study, "SELECT group_concat(number || ' ' || state || ' attempt ' || "
                                 "attempt || ': ' || coalesce(reason, ''), '; ') FROM trials "
                                 "WHERE state != 'completed'");
    ck_assert_msg(done == n && e2e_study_long(study, "SELECT count(*) FROM trials") == n,
                  "%ld of %ld completed; the others: %s", done, n, why ? why : "none");
    free(why);
}

/* Processes whose command line holds marker. */
static long processes_with(const char *marker)
{
    DIR *d = opendir("/proc");
    long n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], buf[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[len > 0 ? len : 0] = '\0';
        if (strstr(buf, marker) && proc_alive((pid_t)atol(e->d_name)))
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* ---- kill -9 storm ----------------------------------------------------- */

/* A trial of a few epochs: loss on stdout (the parameter's text followed by
 * the epoch, so every value is distinct), acc through metrics.csv. */
static const char storm_script[] =
    "x=$1; n=$2; f=$TUNETOP_METRICS_FILE\n"
    "echo step,acc > \"$f\"\n"
    "e=1\n"
    "while [ $e -le $n ]; do\n"
    "  echo \"epoch=$e loss=$x$e\"\n"
    "  echo \"$e,0.$e\" >> \"$f\"\n"
    "  sleep 0.05\n"
    "  e=$((e + 1))\n"
    "done\n";

START_TEST(test_kill9_storm)
{
    rng_seed();
    const int kills = chaos_long() ? 100 : 20;
    const long cap = 4L * kills + 20;
    char *tmp = e2e_tmpdir();
    char *script = tt_xasprintf("%s/trial.sh", tmp);
    e2e_write(script, storm_script);
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    char *yaml = tt_xasprintf("name: storm\nmethod: sobol\nseed: 11\nmetric: {name: loss}\n"
                              "metrics: [acc]\nparallel: 3\nrun_cap: %ld\n"
                              "command: [/bin/sh, '%s', '${x}', '${n}']\n"
                              "parameters:\n  x: {min: 0.0, max: 1.0}\n"
                              "  n: {values: [1, 2, 3, 4, 5]}\n",
                              cap, script);
    e2e_write(sweep, yaml);
    char *study = tt_xasprintf("%s/study", tmp);

    double restart_total = 0, restart_max = 0;
    int killed = 0;
    for (int k = 0; k < kills; k++) {
        double t0 = mono();
        pid_t runner = e2e_start_detached(k == 0 ? sweep : study, k == 0 ? study : NULL);
        double took = mono() - t0;
        restart_total += took;
        if (took > restart_max)
            restart_max = took;
        /* A random moment of its life: often within its first tick
         * (reconcile, the first starts), else anywhere in a few ticks. */
        double delay = rnd() < 0.3 ? rnd() * 0.03 : rnd() * 0.4;
        e2e_sleep(delay);
        if (kill(runner, SIGKILL) == 0)
            killed++;
        ck_assert_msg(wait_gone(runner, 10), "runner %ld survived SIGKILL", (long)runner);
    }
    /* The sweep must still have been going for the kills to mean much. */
    long done_at_end = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'");

    double t0 = mono();
    const char *finish[] = {"tunetop", "run", study, NULL};
    e2e_result r = e2e_run(finish, 180);
    double final_run = mono() - t0;
    ck_assert_msg(r.status == 0, "final run (%d): %s\n%s", r.status, e2e_tail(r.out),
                  e2e_tail(r.err));
    e2e_result_free(&r);

    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials"), cap);
    /* Trial folders and rows agree: no trial was started twice under one
     * number behind the store's back. */
    for (long n = 1; n <= cap + 1; n++) {
        char *dir = tt_xasprintf("%s/trials/%ld", study, n);
        ck_assert_msg(e2e_exists(dir) == (n <= cap), "trial folder %ld", n);
        free(dir);
    }
    assert_all_completed(study, cap);
    ck_assert_int_eq(e2e_study_long(study, "SELECT max(attempt) FROM trials"), 1);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(check_completed_trials(study, true), cap);
    check_integrity(study);
    long adopted = e2e_study_long(study, "SELECT count(*) FROM events WHERE message LIKE "
                                     "'re-adopted %'");
    long adopted_trials = e2e_study_long(study, "SELECT coalesce(sum(CAST(substr(message, 12) AS "
                                            "INTEGER)), 0) FROM events WHERE message LIKE "
                                            "'re-adopted %'");
    long unrecorded = e2e_study_long(study, "SELECT count(*) FROM events WHERE message LIKE "
                                        "'%never recorded%'");
    fprintf(stderr,
            "chaos: kill storm: %d SIGKILLs (seed %s), %ld trials, %ld completed before the "
            "last kill, %ld restarts re-adopted %ld trials in flight, 0 restarted, 0 lost, "
            "0 duplicate points, %ld kills between a spawn and its commit; restart (run "
            "--detach until the lock is held) mean %.0f ms, max %.0f ms; final run %.1f s\n",
            killed, getenv("TUNETOP_CHAOS_SEED") ? getenv("TUNETOP_CHAOS_SEED") : "9", cap,
            done_at_end, adopted, adopted_trials, unrecorded, 1000 * restart_total / kills,
            1000 * restart_max, final_run);
    ck_assert_int_gt(adopted, 0);
    free(yaml);
    free(sweep);
    free(script);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* The one moment of a kill that the storm rarely hits: between spawning a
 * trial's shim and committing the tick that records it. Simulated exactly:
 * trial 1 runs, the runner is SIGKILLed, and the store is put back as if
 * that tick had never committed (no trial 1). The next runner hands out
 * number 1 again; it must not start a second trial into the first one's
 * folder (two writers of one stdout.log, the old exit.status ending the new
 * trial): the old folder is set aside and its trial stopped. */
START_TEST(test_kill_between_spawn_and_commit)
{
    char *tmp = e2e_tmpdir();
    char marker[64];
    snprintf(marker, sizeof marker, "tt-chaos-unrecorded-%ld", (long)getpid());
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    char *yaml = tt_xasprintf("name: window\nmethod: grid\nmetric: {name: loss}\nrun_cap: 1\n"
                              "command: [/bin/sh, -c, 'echo epoch=1 loss=0.5; sh -c \"sleep 1; "
                              ":\" %s; echo epoch=2 loss=0.25', sh]\n"
                              "parameters:\n  a: {values: [1]}\n",
                              marker);
    e2e_write(sweep, yaml);
    char *study = tt_xasprintf("%s/study", tmp);
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE state = 'running'", 1, 10));
    ck_assert(wait_sql(study, "SELECT count(*) FROM metrics WHERE trial = 1", 1, 10));
    kill(runner, SIGKILL);
    ck_assert(wait_gone(runner, 10));
    ck_assert_int_ge(processes_with(marker), 1);
    study_exec(study, "BEGIN; DELETE FROM metric_runs WHERE trial = 1; "
                      "DELETE FROM metric_points WHERE trial = 1; "
                      "DELETE FROM trial_params WHERE trial = 1; "
                      "DELETE FROM trials WHERE number = 1; COMMIT;");

    const char *again[] = {"tunetop", "run", study, NULL};
    e2e_result r = e2e_run(again, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "never recorded"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    assert_all_completed(study, 1);
    ck_assert_int_eq(check_completed_trials(study, false), 1);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM metrics WHERE trial = 1"), 2);
    char *aside = tt_xasprintf("%s/trials/.unrecorded/1-1/stdout.log", study);
    ck_assert_msg(e2e_exists(aside), "the unrecorded start's folder was not set aside");
    free(aside);
    /* The old trial's processes were stopped; nothing of it is left. */
    for (int i = 0; i < 50 && processes_with(marker) > 0; i++)
        e2e_sleep(0.05);
    ck_assert_int_eq(processes_with(marker), 0);
    check_integrity(study);
    free(yaml);
    free(sweep);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* A pooled shim (src/shim/zygote.c) takes the next trial as soon as the
 * last one's exit.status is written. A runner killed between that and the
 * tick that records the end leaves the store saying the first trial runs,
 * under a shim that is alive — busy with the next trial. The next runner
 * must finish the first trial from its exit.status at once, not wait for
 * the shim to be done with the second (hours, for a long trial). Simulated
 * exactly: the store is put back to "trial 1 running under trial 2's
 * shim", as that uncommitted tick left it. */
START_TEST(test_kill_after_shim_moved_on)
{
    char *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, "name: moved\nmethod: grid\nmetric: {name: loss}\nparallel: 1\n"
                     "command: [/bin/sh, -c, 'echo epoch=1 loss=$1; "
                     "if [ $1 = 2 ]; then sleep 4; fi', sh, '${a}']\n"
                     "parameters:\n  a: {values: [1, 2]}\n");
    char *study = tt_xasprintf("%s/study", tmp);
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE number = 2 AND pid > 0", 1, 10));
    kill(runner, SIGKILL);
    ck_assert(wait_gone(runner, 10));
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 1);
    /* The premise: one shim ran both. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(DISTINCT pid) FROM trials"), 1);
    study_exec(study, "UPDATE trials SET state = 'running', finished_at = NULL, "
                      "reason = NULL WHERE number = 1");

    double t0 = mono();
    runner = e2e_start_detached(study, NULL);
    ck_assert_msg(wait_sql(study, "SELECT count(*) FROM trials WHERE number = 1 AND "
                                  "state = 'completed'",
                           1, 2),
                  "trial 1 waited for its shim's next trial");
    ck_assert_msg(mono() - t0 < 3, "trial 1 was finished only after trial 2");
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE number = 2 AND "
                                       "state = 'running'"),
                     1);
    ck_assert_msg(wait_gone(runner, 30), "runner did not finish");
    assert_all_completed(study, 2);
    ck_assert_int_eq(e2e_study_long(study, "SELECT max(attempt) FROM trials"), 1);
    ck_assert_int_eq(check_completed_trials(study, false), 2);
    assert_no_duplicate_points(study);
    check_integrity(study);
    free(sweep);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- SIGSTOP / SIGCONT ------------------------------------------------- */

START_TEST(test_sigstop_runner)
{
    const double stop_s = chaos_long() ? 60 : 3;
    char *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, "name: stopped\nmethod: sobol\nseed: 3\nmetric: {name: loss}\nparallel: 3\n"
                     "run_cap: 9\n"
                     "command: [/bin/sh, -c, 'for e in 1 2 3; do echo epoch=$e loss=$1$e; "
                     "sleep 0.2; done', sh, '${x}']\n"
                     "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    char *study = tt_xasprintf("%s/study", tmp);
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE state = 'running'", 3, 10));
    ck_assert_int_eq(kill(runner, SIGSTOP), 0);
    long before = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'");
    e2e_sleep(stop_s);
    /* Nobody recorded anything meanwhile, but the trials ran to their end. */
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     before);
    long ended_meanwhile = 0;
    for (long n = 1; n <= 9; n++) {
        char *p = tt_xasprintf("%s/trials/%ld/exit.status", study, n);
        char *q = tt_xasprintf("SELECT state = 'running' FROM trials WHERE number = %ld", n);
        ended_meanwhile += e2e_exists(p) && e2e_study_long(study, q) == 1;
        free(q);
        free(p);
    }
    ck_assert_int_ge(ended_meanwhile, 1);
    double t0 = mono();
    ck_assert_int_eq(kill(runner, SIGCONT), 0);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE state = 'completed'",
                       before + ended_meanwhile, 10));
    double caught_up = mono() - t0;
    ck_assert_msg(wait_gone(runner, 60), "runner did not finish");
    assert_all_completed(study, 9);
    ck_assert_int_eq(e2e_study_long(study, "SELECT max(attempt) FROM trials"), 1);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(check_completed_trials(study, false), 9);
    check_integrity(study);
    fprintf(stderr,
            "chaos: SIGSTOP: runner stopped %.0f s; %ld trials ended meanwhile, recorded %.2f s "
            "after SIGCONT; 9/9 completed, values as printed\n",
            stop_s, ended_meanwhile, caught_up);
    free(sweep);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- tmux: dashboard killed, hang-up of a foreground runner ------------ */

static int tmux(const char *sock, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int tmux(const char *sock, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *rest = tt_xvasprintf(fmt, ap);
    va_end(ap);
    char *cmd = tt_xasprintf("tmux -L %s %s >/dev/null 2>&1", sock, rest);
    int rc = system(cmd);
    free(cmd);
    free(rest);
    return rc;
}

/* The first child of pid whose command name is comm (0 when none). */
static pid_t child_named(pid_t parent, const char *comm)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && !found) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
        if (!lp || !rp)
            continue;
        long ppid = strtol(rp + 4, NULL, 10);
        if (ppid == parent && (size_t)(rp - lp - 1) == strlen(comm) &&
            strncmp(lp + 1, comm, strlen(comm)) == 0)
            found = (pid_t)atol(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

static bool have_tmux(void)
{
    return system("tmux -V >/dev/null 2>&1") == 0;
}

START_TEST(test_dashboard_killed)
{
    if (!have_tmux()) {
        fprintf(stderr, "test_dashboard_killed: SKIPPED: tmux is not installed\n");
        return;
    }
    char sock[64];
    snprintf(sock, sizeof sock, "tt-chaos-dash-%ld", (long)getpid());
    char *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, "name: watched\nmethod: sobol\nmetric: {name: loss}\nparallel: 2\n"
                     "run_cap: 8\ncommand: [/bin/sh, -c, 'for e in 1 2 3; do echo epoch=$e "
                     "loss=$1$e; sleep 0.3; done', sh, '${x}']\n"
                     "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    char *study = tt_xasprintf("%s/study", tmp);
    pid_t runner = e2e_start_detached(sweep, study);
    char *stty = tt_xasprintf("%s/stty.txt", tmp);
    /* An interactive shell in a private tmux server, as a user would have. */
    ck_assert_int_eq(tmux(sock, "-f /dev/null new-session -d -x 120 -y 40 'env -i PATH=%s "
                                "HOME=%s TERM=screen-256color LANG=C.UTF-8 bash --norc -i'",
                          getenv("PATH"), tmp),
                     0);
    char *pane = NULL;
    pid_t shell = 0;
    for (int i = 0; i < 100 && !shell; i++) {
        char *cmd = tt_xasprintf("tmux -L %s list-panes -F '#{pane_pid}'", sock);
        FILE *p = popen(cmd, "r");
        char line[64] = "";
        if (p && fgets(line, sizeof line, p))
            shell = (pid_t)atol(line);
        if (p)
            pclose(p);
        free(cmd);
        if (!shell)
            e2e_sleep(0.05);
    }
    ck_assert_int_gt(shell, 0);
    ck_assert_int_eq(tmux(sock, "send-keys 'cd %s && %s %s' Enter", e2e_root(), e2e_bin(),
                          study),
                     0);
    pid_t dash = 0;
    for (int i = 0; i < 200 && !dash; i++) {
        dash = child_named(shell, "tunetop");
        if (!dash)
            e2e_sleep(0.05);
    }
    ck_assert_msg(dash > 0, "the dashboard did not start");
    e2e_sleep(1.0);
    ck_assert(proc_alive(dash));
    ck_assert_int_eq(kill(dash, SIGKILL), 0);
    ck_assert(wait_gone(dash, 5));
    /* The runner did not notice; the shell's terminal is usable again:
     * bash restores the modes of a job killed by a signal. */
    ck_assert(proc_alive(runner));
    ck_assert_int_eq(tmux(sock, "send-keys 'stty -a > %s' Enter", stty), 0);
    char *modes = NULL;
    for (int i = 0; i < 100; i++) {
        free(modes);
        modes = read_text(stty);
        if (strstr(modes, "icanon"))
            break;
        e2e_sleep(0.05);
    }
    ck_assert_msg(strstr(modes, " icanon") && strstr(modes, " echo ") && !strstr(modes, "-icanon"),
                  "terminal left in raw mode: %s", modes);
    free(modes);
    tmux(sock, "kill-server");
    ck_assert_msg(wait_gone(runner, 60), "runner did not finish");
    assert_all_completed(study, 8);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(check_completed_trials(study, false), 8);
    check_integrity(study);
    fprintf(stderr, "chaos: dashboard SIGKILLed: runner unaffected, 8/8 completed; the "
                    "shell's terminal modes restored (icanon echo)\n");
    free(pane);
    free(stty);
    free(sweep);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

START_TEST(test_hangup_foreground_runner)
{
    if (!have_tmux()) {
        fprintf(stderr, "test_hangup_foreground_runner: SKIPPED: tmux is not installed\n");
        return;
    }
    char sock[64];
    snprintf(sock, sizeof sock, "tt-chaos-hup-%ld", (long)getpid());
    char *tmp = e2e_tmpdir();
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, "name: hungup\nmethod: sobol\nmetric: {name: loss}\nparallel: 2\n"
                     "run_cap: 6\ncommand: [/bin/sh, -c, 'for e in 1 2 3 4; do echo epoch=$e "
                     "loss=$1$e; sleep 0.4; done', sh, '${x}']\n"
                     "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    char *study = tt_xasprintf("%s/study", tmp);
    ck_assert_int_eq(tmux(sock, "-f /dev/null new-session -d -x 100 -y 30 'cd %s && %s run %s "
                                "--dir %s'",
                          e2e_root(), e2e_bin(), sweep, study),
                     0);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE state = 'running'", 2, 10));
    char *lock = tt_xasprintf("%s/runner.lock", study);
    char *pidtext = read_text(lock);
    pid_t runner = (pid_t)atol(pidtext);
    free(pidtext);
    free(lock);
    ck_assert_int_gt(runner, 1);
    /* The SSH session goes away: tmux's server dies, the pane's terminal
     * hangs up and its foreground job gets SIGHUP. */
    tmux(sock, "kill-server");
    ck_assert_msg(wait_gone(runner, 10), "the runner ignored the hang-up");
    long running = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'running'");
    ck_assert_int_ge(running, 1);
    char *ev = e2e_study_sql(study, "SELECT message FROM events ORDER BY id DESC LIMIT 1");
    ck_assert_msg(ev && strstr(ev, "runner leaving"), "%s", ev);
    free(ev);
    /* Its trials went on, supervised by their shims. */
    long alive = 0;
    for (long n = 1; n <= 6; n++) {
        char *q = tt_xasprintf("SELECT coalesce(pid, 0) FROM trials WHERE number = %ld AND "
                               "state = 'running'",
                               n);
        long pid = e2e_study_long(study, q);
        free(q);
        alive += pid > 0 && proc_alive((pid_t)pid);
    }
    ck_assert_int_ge(alive, 1);
    const char *again[] = {"tunetop", "run", study, NULL};
    e2e_result r = e2e_run(again, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "re-adopted"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    assert_all_completed(study, 6);
    ck_assert_int_eq(e2e_study_long(study, "SELECT max(attempt) FROM trials"), 1);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(check_completed_trials(study, false), 6);
    check_integrity(study);
    fprintf(stderr, "chaos: hang-up: foreground runner left on SIGHUP with %ld trials running "
                    "(%ld shims alive); the next run re-adopted them, 6/6 completed once\n",
            running, alive);
    free(sweep);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- disk full --------------------------------------------------------- */

/* Trials that report many points, so every tick has pages to write. */
static const char full_sweep[] =
    "name: full\nmethod: sobol\nseed: 4\nmetric: {name: loss}\nparallel: 2\nrun_cap: %d\n"
    "command: [/bin/sh, -c, 'e=1; while [ $e -le 400 ]; do echo \"epoch=$e loss=$1$e\"; "
    "[ $((e %% 100)) = 0 ] && sleep 0.1; e=$((e + 1)); done', sh, '${x}']\n"
    "parameters:\n  x: {min: 0.0, max: 1.0}\n";

/* Waits until every trial recorded running has an exit.status (its shim
 * has ended); false after timeout seconds. */
static bool wait_running_ended(const char *study, double timeout)
{
    for (double t0 = mono(); mono() - t0 < timeout; e2e_sleep(0.05)) {
        char *list = e2e_study_sql(study, "SELECT group_concat(number, ' ') FROM trials "
                                      "WHERE state = 'running'");
        bool all = true;
        for (char *p = list, *end; p && *p; p = end) {
            long n = strtol(p, &end, 10);
            if (end == p)
                break;
            char *status = tt_xasprintf("%s/trials/%ld/exit.status", study, n);
            all = all && e2e_exists(status);
            free(status);
        }
        free(list);
        if (all)
            return true;
    }
    return false;
}

/* Values of the completed trials, as "N=V;" text. */
static char *completed_values(const char *study)
{
    return e2e_study_sql(study, "SELECT group_concat(number || '=' || value, ';') FROM (SELECT "
                            "number, value FROM trials WHERE state = 'completed' ORDER BY number)");
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Phase A: a few trials recorded. Phase B: the runner under `limit` (a file
 * size limit when fsize, else whatever fills the folder's filesystem) must
 * say the disk is full; then the study opens, is intact, and keeps what it
 * had. Phase C (after `release`): the sweep completes, nothing lost. */
static void disk_full_case(const char *tmp, const char *study, bool use_fsize,
                           void (*fill)(const char *), void (*release)(const char *))
{
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    char *yaml = tt_xasprintf(full_sweep, 12);
    e2e_write(sweep, yaml);
    free(yaml);
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(wait_sql(study, "SELECT count(*) FROM trials WHERE state = 'completed'", 3, 60));
    kill(runner, SIGTERM); /* leaves its trials running: finished below */
    ck_assert(wait_gone(runner, 10));
    /* Their output complete before the disk fills: what a trial cannot
     * write on a full disk is lost to it, not to tunetop, and would fail
     * the line-for-line checks below. */
    ck_assert(wait_running_ended(study, 30));
    char *before = completed_values(study);
    long n_before = e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'");
    long points_before = e2e_study_long(study, "SELECT count(*) FROM metric_points");

    char *db = tt_xasprintf("%s/study.db", study);
    char *log = tt_xasprintf("%s/runner-full.log", tmp);
    rlim_t limit = 0;
    if (use_fsize)
        limit = (rlim_t)file_size(db) + 96 * 1024;
    else
        fill(tmp);
    const char *args[] = {"run", study, NULL};
    pid_t pid = spawn_tunetop(args, log, limit);
    /* It says so and leaves (fail-stop): its trials run on. */
    long hwm = 0;
    int st = wait_sampling(pid, 60, &hwm);
    char *text = read_text(log);
    ck_assert_msg(strstr(text, "disk full"), "no 'disk full' in the runner's output: %s",
                  e2e_tail(text));
    /* Full at once: its first commit (reconcile) fails and it does not
     * start; full later: it stops at the first tick it cannot commit. */
    ck_assert_msg(st == 1 && (strstr(text, "the runner stopped, its trials keep running") ||
                              strstr(text, "tunetop run: cannot commit")),
                  "runner exit %d: %s", st, e2e_tail(text));
    if (use_fsize)
        ck_assert_msg(strstr(text, "file size limit"), "%s", e2e_tail(text));
    const char *line = strstr(text, "disk full");
    const char *bol = line;
    while (bol > text && bol[-1] != '\n')
        bol--;
    const char *eol = strchr(line, '\n');
    fprintf(stderr, "chaos: disk full (%s): the runner said: %.*s\n",
            use_fsize ? "file size limit" : "tmpfs", (int)(eol ? eol - bol : 200), bol);

    /* The study opens while the filesystem is still full, is intact, and
     * still has everything it had. A reader needs study.db-shm, which a
     * runner normally holds; with none alive it must be created, and a full
     * filesystem refuses that: the reader then reads without it. Removed
     * here so that this is what is tested (with no process using the
     * database it is only a cache of the WAL). */
    if (!use_fsize) {
        char *shm = tt_xasprintf("%s/study.db-shm", study);
        unlink(shm);
        free(shm);
    }
    const char *status[] = {"tunetop", "status", study, NULL};
    e2e_result r = e2e_run(status, 20);
    ck_assert_msg(r.status == 0, "status while the disk is full: %s", e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "completed"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    const char *best[] = {"tunetop", "best", study, "--format", "csv", NULL};
    r = e2e_run(best, 20);
    ck_assert_msg(r.status == 0, "best while the disk is full: %s", e2e_tail(r.err));
    e2e_result_free(&r);
    check_integrity(study);
    char *after = completed_values(study);
    ck_assert_msg(strncmp(after, before, strlen(before)) == 0, "before %s\nafter %s", before,
                  after);
    ck_assert_int_ge(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     n_before);
    ck_assert_int_ge(e2e_study_long(study, "SELECT count(*) FROM metric_points"), points_before);
    free(after);

    /* Room again: the sweep completes, every point stored once. */
    if (release)
        release(tmp);
    const char *again[] = {"tunetop", "run", study, NULL};
    r = e2e_run(again, 120);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    assert_all_completed(study, 12);
    assert_no_duplicate_points(study);
    ck_assert_int_eq(check_completed_trials(study, false), 12);
    check_integrity(study);
    free(text);
    free(log);
    free(db);
    free(before);
    free(sweep);
}

START_TEST(test_disk_full_fsize)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    disk_full_case(tmp, study, true, NULL, NULL);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* Fill the tmpfs mounted on tmp/mnt but for a few KB. */
static void fill_tmpfs(const char *tmp)
{
    char *path = tt_xasprintf("%s/mnt/filler", tmp);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    static char block[4096];
    memset(block, 'f', sizeof block);
    while (write(fd, block, sizeof block) == (ssize_t)sizeof block) {
    }
    close(fd);
    free(path);
}

static void release_tmpfs(const char *tmp)
{
    char *path = tt_xasprintf("%s/mnt/filler", tmp);
    unlink(path);
    free(path);
}

START_TEST(test_disk_full_tmpfs)
{
    char *tmp = e2e_tmpdir();
    char *mnt = tt_xasprintf("%s/mnt", tmp);
    mkdir(mnt, 0700);
    if (geteuid() != 0 || mount("tt-chaos", mnt, "tmpfs", 0, "size=8m,mode=0700") != 0) {
        fprintf(stderr, "test_disk_full_tmpfs: SKIPPED: cannot mount a tmpfs (%s; needs root "
                        "and CAP_SYS_ADMIN); the file size limit variant ran instead\n",
                geteuid() != 0 ? "not root" : strerror(errno));
        cleanup(tmp);
        free(mnt);
        free(tmp);
        return;
    }
    char *study = tt_xasprintf("%s/study", mnt);
    disk_full_case(tmp, study, false, fill_tmpfs, release_tmpfs);
    umount2(mnt, MNT_DETACH);
    cleanup(tmp);
    free(study);
    free(mnt);
    free(tmp);
}
END_TEST

/* ---- trial misbehaviour matrix ----------------------------------------- */

static const struct {
    const char *name, *state, *reason;
} cases[] = {
    {"segv", "failed", "killed by signal 11"},
    {"exit137", "failed", "exit code 137"},
    {"hang", "timeout", "timeout after 4 s"},
    {"ignore_term", "timeout", "timeout after 4 s"},
    {"orphan", "completed", "exit code 0"},
    {"longline", "completed", "exit code 0"},
    {"binary", "completed", "exit code 0"},
    {"nan", "failed", "objective loss is not finite (nan)"},
    {"inf", "failed", "objective loss is not finite (inf)"},
    {"csv_deleted", "completed", "exit code 0"},
    {"csv_truncated", "completed", "exit code 0"},
    {"flood", "completed", "exit code 0"},
    {"burst", "completed", "exit code 0"},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static long case_trial(const char *study, const char *name)
{
    size_t i = 0;
    while (i < N_CASES && strcmp(cases[i].name, name) != 0)
        i++;
    ck_assert(i < N_CASES);
    char *q = tt_xasprintf("SELECT trial FROM trial_params WHERE name = 'case' AND text = '%zu'",
                           i + 1);
    long n = e2e_study_long(study, q);
    free(q);
    return n;
}

START_TEST(test_misbehaving_trials)
{
    const long flood_lines = chaos_long() ? 5000000 : 400000;
    char *tmp = e2e_tmpdir();
    char marker[64];
    snprintf(marker, sizeof marker, "tt-chaos-orphan-%ld", (long)getpid());
    /* Binary output: 1 MB of seeded random bytes. */
    char *bin = tt_xasprintf("%s/random.bin", tmp);
    {
        rng_seed();
        FILE *f = fopen(bin, "wb");
        ck_assert_ptr_nonnull(f);
        for (int i = 0; i < (1 << 20); i++)
            fputc((int)(rnd() * 256), f);
        fclose(f);
    }
    /* A burst: 1 M metric lines (21 MB) written at once just before the
     * trial exits, more than the runner reads in a tick (8 MB a file). */
    char *burst = tt_xasprintf("%s/burst.txt", tmp);
    {
        FILE *f = fopen(burst, "w");
        ck_assert_ptr_nonnull(f);
        for (long i = 1; i <= 1000000; i++)
            fprintf(f, "step=%ld loss=%.6f\n", i, 1.0 / (double)i);
        fclose(f);
    }
    char *script = tt_xasprintf("%s/trial.sh", tmp);
    /* The case is a number (an int_uniform grid), its name the n-th word. */
    tt_buf names = {0};
    for (size_t i = 0; i < N_CASES; i++)
        tt_buf_printf(&names, "%s%s", i ? " " : "", cases[i].name);
    /* How long the CSV cases keep their first rows before deleting or
     * truncating the file: the runner must have read them by then, beside a
     * trial flooding its output. Under ASan a tick of that flood can take
     * over a second, so the window is wider there (still inside the 4 s
     * trial_timeout). */
    const char *hold = getenv("TUNETOP_SANITIZED") ? "2.7" : "1.5";
    char *body = tt_xasprintf(
        "f=$TUNETOP_METRICS_FILE\n"
        "i=$1\n"
        "set -- %s\n"
        "eval c=\\${$i}\n"
        "case $c in\n"
        "segv) echo loss=1; kill -SEGV $$ ;;\n"
        "exit137) echo loss=1; exit 137 ;;\n"
        "hang) echo loss=1; exec sleep 60 ;;\n"
        "ignore_term) trap '' TERM; echo loss=1; while :; do sleep 0.1; done ;;\n"
        "orphan) sh -c 'sleep 300; :' %s & echo loss=4 ;;\n"
        "longline) head -c 10485760 /dev/zero | tr '\\000' x; printf '\\nloss=2\\n' ;;\n"
        "binary) cat '%s'; printf '\\nloss=3\\n'; cat '%s' >&2 ;;\n"
        "nan) echo loss=nan ;;\n"
        "inf) echo loss=inf ;;\n"
        "csv_deleted) printf 'step,loss\\n1,0.9\\n2,0.8\\n3,0.7\\n' > \"$f\"; sleep %s;"
        " rm -f \"$f\"; sleep 0.5 ;;\n"
        "csv_truncated) printf 'step,loss\\n1,0.9\\n2,0.8\\n3,0.7\\n' > \"$f\"; sleep %s;"
        " : > \"$f\"; sleep 0.3; printf 'step,loss\\n4,0.6\\n5,0.5\\n' >> \"$f\"; sleep 0.5 ;;\n"
        "flood) awk -v max=%ld 'BEGIN { t = systime(); for (n = 1; n <= max; n++) {"
        " printf \"step=%%d loss=%%.6f\\n\", n, 1 / n; if (n %% 10000 == 0 && systime() - t >= 2)"
        " break } }' ;;\n"
        "burst) cat '%s' ;;\n"
        "esac\n",
        names.data, marker, bin, bin, hold, hold, flood_lines, burst);
    e2e_write(script, body);
    free(body);
    tt_buf_free(&names);
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    char *yaml = tt_xasprintf("name: matrix\nmethod: grid\nmetric: {name: loss}\nparallel: %zu\n"
                              "trial_timeout: 4\ncommand: [/bin/sh, '%s', '${case}']\n"
                              "parameters:\n  case: {distribution: int_uniform, min: 1, max: %zu}\n",
                              N_CASES, script, N_CASES);
    e2e_write(sweep, yaml);
    char *study = tt_xasprintf("%s/study", tmp);
    char *log = tt_xasprintf("%s/runner.out", tmp);
    const char *args[] = {"run", sweep, "--dir", study, NULL};
    double t0 = mono();
    pid_t pid = spawn_tunetop(args, log, 0);
    long hwm = 0;
    int st = wait_sampling(pid, 120, &hwm);
    double took = mono() - t0;
    char *out = read_text(log);
    ck_assert_msg(st == 0, "runner exit %d: %s", st, e2e_tail(out));

    for (size_t i = 0; i < N_CASES; i++) {
        long n = case_trial(study, cases[i].name);
        ck_assert_msg(n > 0, "no trial for %s", cases[i].name);
        char *q = tt_xasprintf("SELECT state FROM trials WHERE number = %ld", n);
        char *state = e2e_study_sql(study, q);
        free(q);
        q = tt_xasprintf("SELECT reason FROM trials WHERE number = %ld", n);
        char *reason = e2e_study_sql(study, q);
        free(q);
        ck_assert_msg(state && strcmp(state, cases[i].state) == 0, "%s: state %s (%s)",
                      cases[i].name, state, reason);
        ck_assert_msg(reason && strstr(reason, cases[i].reason), "%s: reason '%s'",
                      cases[i].name, reason);
        free(state);
        free(reason);
    }
    /* SIGTERM ignored: SIGKILL after the shim's grace period. */
    char *shimlog = trial_file(study, case_trial(study, "ignore_term"), "shim.log");
    ck_assert_msg(strstr(shimlog, "grace period over, sending SIGKILL"), "%s", shimlog);
    free(shimlog);
    /* Nothing the trials forked outlives them. */
    ck_assert_int_eq(processes_with(marker), 0);
    /* Values, and what was kept of the odd outputs. */
    char *q = tt_xasprintf("SELECT value FROM trials WHERE number = %ld",
                           case_trial(study, "longline"));
    char *v = e2e_study_sql(study, q);
    ck_assert_msg(v && strtod(v, NULL) == 2, "longline value %s", v);
    free(v);
    free(q);
    q = tt_xasprintf("SELECT value FROM trials WHERE number = %ld", case_trial(study, "binary"));
    v = e2e_study_sql(study, q);
    ck_assert_msg(v && strtod(v, NULL) == 3, "binary value %s", v);
    free(v);
    free(q);
    long del = case_trial(study, "csv_deleted"), trunc = case_trial(study, "csv_truncated");
    q = tt_xasprintf("SELECT group_concat(step || ':' || value, ' ') FROM (SELECT step, value "
                     "FROM metrics WHERE trial = %ld AND name = 'loss' ORDER BY step)",
                     del);
    v = e2e_study_sql(study, q);
    ck_assert_msg(v && strcmp(v, "1:0.9 2:0.8 3:0.7") == 0, "csv_deleted points: %s", v);
    free(v);
    free(q);
    q = tt_xasprintf("SELECT group_concat(step || ':' || value, ' ') FROM (SELECT step, value "
                     "FROM metrics WHERE trial = %ld AND name = 'loss' ORDER BY step)",
                     trunc);
    v = e2e_study_sql(study, q);
    ck_assert_msg(v && strcmp(v, "1:0.9 2:0.8 3:0.7 4:0.6 5:0.5") == 0,
                  "csv_truncated points: %s", v);
    free(v);
    free(q);
    /* Deletion and truncation are said, as warnings on the trial. */
    q = tt_xasprintf("SELECT count(*) FROM events WHERE trial = %ld AND kind = 'warning'", del);
    ck_assert_msg(e2e_study_long(study, q) >= 1, "no warning for the deleted metrics.csv");
    free(q);
    q = tt_xasprintf("SELECT count(*) FROM events WHERE trial = %ld AND kind = 'warning'", trunc);
    ck_assert_msg(e2e_study_long(study, q) >= 1, "no warning for the truncated metrics.csv");
    free(q);
    /* The flood: every line printed stored once. */
    long fl = case_trial(study, "flood");
    char *flood_out = trial_file(study, fl, "stdout.log");
    long printed = count_of(flood_out, "\n");
    free(flood_out);
    q = tt_xasprintf("SELECT count(*) FROM metrics WHERE trial = %ld AND name = 'loss'", fl);
    long stored = e2e_study_long(study, q);
    free(q);
    ck_assert_int_eq(stored, printed);
    q = tt_xasprintf("SELECT count(DISTINCT step) FROM metrics WHERE trial = %ld", fl);
    ck_assert_int_eq(e2e_study_long(study, q), printed);
    free(q);
    /* The burst: all of it, though the trial ended before it was read. */
    q = tt_xasprintf("SELECT count(*) FROM metrics WHERE trial = %ld AND name = 'loss'",
                     case_trial(study, "burst"));
    long burst_stored = e2e_study_long(study, q);
    free(q);
    ck_assert_int_eq(burst_stored, 1000000);
    assert_no_duplicate_points(study);
    check_integrity(study);
    /* AddressSanitizer's shadow memory and quarantine multiply the heap:
     * the bound is for the plain build (make check). */
    long bound_kb = getenv("TUNETOP_SANITIZED") ? 400 * 1024 : 100 * 1024;
    ck_assert_msg(hwm > 0 && hwm < bound_kb, "runner peak RSS %ld kB", hwm);
    fprintf(stderr,
            "chaos: misbehaving trials: %zu cases, each ended with its state and reason in "
            "%.1f s; flood %ld lines printed, %ld stored; burst of 1000000 lines at exit, "
            "%ld stored; runner peak RSS (VmHWM) %.1f MB\n",
            N_CASES, took, printed, stored, burst_stored, hwm / 1024.0);
    free(out);
    free(log);
    free(yaml);
    free(sweep);
    free(script);
    free(bin);
    free(burst);
    cleanup(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- planted files, resources, killed supervisors (issue 16) ------------ */

static char *write_sweep(const char *tmp, const char *text)
{
    char *sweep = tt_xasprintf("%s/sweep.yaml", tmp);
    e2e_write(sweep, text);
    return sweep;
}

/* A FIFO planted as the next trial's params.json fails that trial with the
 * reason; the sweep goes on and the runner never hangs. A FIFO as
 * runner.lock does not hang `status`. */
START_TEST(test_planted_fifo)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = write_sweep(tmp, "name: fifo\nmethod: random\nmetric: {name: loss}\nrun_cap: 5\n"
                                   "parameters:\n  a: {min: 0.0, max: 1.0}\n"
                                   "command: [/bin/sh, -c, 'sleep 0.4; echo loss=1']\n");
    e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_trials(study, "running", 1, 10));
    /* The runner made trials/2 ahead; the FIFO goes where it writes. */
    char *dir2 = tt_xasprintf("%s/trials/2", study);
    mkdir(dir2, 0700);
    char *fifo = tt_xasprintf("%s/params.json", dir2);
    unlink(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_msg(e2e_wait_study(study, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 30),
                  "the sweep did not finish");
    char *why = e2e_study_sql(study, "SELECT state || ': ' || reason FROM trials WHERE number = 2");
    ck_assert_msg(why && strstr(why, "failed: cannot write params.json: not a regular file"), "%s",
                  why ? why : "(none)");
    free(why);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     4);
    char *lock = tt_xasprintf("%s/runner.lock", study);
    unlink(lock);
    ck_assert_int_eq(mkfifo(lock, 0600), 0);
    const char *st[] = {"tunetop", "status", study, NULL};
    e2e_result r = e2e_run(st, 10);
    ck_assert_msg(r.status == 0, "status on a FIFO runner.lock: %d %s", r.status, r.err);
    e2e_result_free(&r);
    /* A FIFO as runner.log does not hold a detached runner, nor send its
     * lines to the caller's terminal. */
    char *study2 = tt_xasprintf("%s/study2", tmp);
    ck_assert_int_eq(mkdir(study2, 0700), 0);
    char *log = tt_xasprintf("%s/runner.log", study2);
    ck_assert_int_eq(mkfifo(log, 0600), 0);
    const char *again[] = {"tunetop", "run", sweep, "--dir", study2, "--detach", NULL};
    r = e2e_run(again, 20);
    ck_assert_msg(r.status == 0 && !strstr(r.out, "runner started"), "run --detach with a FIFO "
                  "runner.log: %d\n%s\n%s", r.status, r.out, r.err);
    e2e_result_free(&r);
    ck_assert(e2e_wait_study(study2, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 30));
    free(log);
    free(study2);
    free(lock);
    free(fifo);
    free(dir2);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* A study.db the runner cannot write: `run` says so and no runner loops
 * on it (its log stops growing). */
START_TEST(test_readonly_study_db)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = write_sweep(tmp, "name: ro\nmethod: random\nmetric: {name: loss}\nrun_cap: 50\n"
                                   "parameters:\n  a: {min: 0.0, max: 1.0}\n"
                                   "command: [/bin/sh, -c, 'sleep 0.2; echo loss=1']\n");
    pid_t runner = e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) > 1 FROM trials WHERE state = 'completed'", 1,
                             10));
    const char *stop[] = {"tunetop", "stop", study, "--now", NULL};
    e2e_result r = e2e_run(stop, 20);
    e2e_result_free(&r);
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM study WHERE state = 'stopped'", 1, 20));
    /* The state is written before the runner leaves: wait until it is gone,
     * or the next run finds it still holding the study. */
    ck_assert(wait_gone(runner, 20));
    char *db = tt_xasprintf("%s/study.db", study);
    char *cmd = tt_xasprintf("chattr +i '%s' 2>/dev/null", db);
    if (system(cmd) != 0) {
        printf("SKIPPED: test_readonly_study_db: chattr +i is not supported on %s\n", tmp);
    } else {
        const char *again[] = {"tunetop", "run", study, "--detach", NULL};
        r = e2e_run(again, 20);
        ck_assert_msg(r.status == 1 && strstr(r.err, "the file is read-only"), "%d: %s%s",
                      r.status, r.out, r.err);
        e2e_result_free(&r);
        char *log = tt_xasprintf("%s/runner.log", study);
        off_t before = file_size(log);
        e2e_sleep(1.5);
        ck_assert_msg(file_size(log) == before, "runner.log still grows");
        free(log);
        free(cmd);
        cmd = tt_xasprintf("chattr -i '%s'", db);
        ck_assert_int_eq(system(cmd), 0);
    }
    free(cmd);
    free(db);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* `ulimit -n 64` and parallel 16: as many trials run as descriptors allow
 * (said once), every trial completes, none is misrecorded. */
START_TEST(test_descriptor_limit)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = write_sweep(tmp, "name: fd\nmethod: random\nmetric: {name: loss}\nrun_cap: 48\n"
                                   "parallel: 16\nparameters:\n  a: {min: 0.0, max: 1.0}\n"
                                   "command: [/bin/sh, -c, 'sleep 0.2; echo loss=1']\n");
    char *bin = e2e_bin()[0] == '/' ? tt_xstrdup(e2e_bin())
                                    : tt_xasprintf("%s/%s", e2e_root(), e2e_bin());
    const char *argv[] = {"/bin/sh", "-c", "ulimit -n 64 && exec \"$0\" run \"$1\" --dir \"$2\"",
                          bin, sweep, study, NULL};
    e2e_result r = e2e_run(argv, 120);
    ck_assert_msg(r.status == 0, "%d: %s\n%s", r.status, e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "needs more file descriptors than the limit allows (ulimit -n 64)"),
                  "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     48);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials"), 48);
    free(bin);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* kill -9 of a trial's supervisor: the trial it left running is stopped
 * before the retry starts, so the command runs to its end once. */
START_TEST(test_shim_killed_trial_runs_once)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *marks = tt_xasprintf("%s/marks", tmp);
    ck_assert_int_eq(mkdir(marks, 0700), 0);
    char *text = tt_xasprintf("name: orphan\nmethod: grid\nmetric: {name: loss}\nretries: 1\n"
                              "parameters:\n  a: {values: [1]}\n"
                              "command: [/bin/sh, -c, 'sleep 2; touch %s/end-$$; echo loss=1']\n",
                              marks);
    char *sweep = write_sweep(tmp, text);
    e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM trials WHERE state = 'running' AND pid > 0",
                             1, 10));
    long shim = e2e_study_long(study, "SELECT pid FROM trials WHERE number = 1");
    ck_assert_int_gt(shim, 1);
    ck_assert_int_eq(kill((pid_t)shim, SIGKILL), 0);
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 30));
    ck_assert_int_eq(e2e_study_long(study, "SELECT attempt FROM trials WHERE number = 1"), 2);
    char *ev = e2e_study_sql(study, "SELECT message FROM events WHERE kind = 'retry'");
    ck_assert_msg(ev && strstr(ev, "were stopped"), "%s", ev ? ev : "(none)");
    free(ev);
    e2e_sleep(2.5); /* an orphan of attempt 1 would have ended by now */
    DIR *d = opendir(marks);
    int ends = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        ends += strncmp(e->d_name, "end-", 4) == 0;
    if (d)
        closedir(d);
    ck_assert_msg(ends == 1, "the command ran to its end %d times", ends);
    free(text);
    free(marks);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* `rm -rf DIR/trials` mid-sweep: the folder is made again with a warning;
 * the trial that ran then is interrupted, the others run and complete. */
START_TEST(test_trials_folder_removed)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = write_sweep(tmp, "name: rmt\nmethod: random\nmetric: {name: loss}\nrun_cap: 8\n"
                                   "parameters:\n  a: {min: 0.0, max: 1.0}\n"
                                   "command: [/bin/sh, -c, 'sleep 0.3; echo loss=1']\n");
    e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) > 1 FROM trials WHERE state = 'completed'", 1,
                             10));
    char *trials = tt_xasprintf("%s/trials", study);
    e2e_rmtree(trials);
    ck_assert(e2e_wait_study(study, "SELECT count(*) FROM study WHERE state = 'finished'", 1, 30));
    ck_assert_int_ge(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     6);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM trials WHERE state = 'failed'"), 0);
    ck_assert_int_eq(e2e_study_long(study, "SELECT count(*) FROM events WHERE message LIKE "
                                           "'%was removed while the sweep ran%'"),
                     1);
    ck_assert(e2e_exists(trials));
    free(trials);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* Whether the study's database can be written at once (no writer holds it):
 * what a `pause` or `stop --now` needs to get its command in. */
static bool db_free(const char *study)
{
    char *db = tt_xasprintf("%s/study.db", study);
    sqlite3 *h = NULL;
    bool ok = sqlite3_open(db, &h) == SQLITE_OK &&
              sqlite3_exec(h, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(h);
    free(db);
    return ok;
}

/* A model-based sampler computes off the loop: CMA-ES on 200 parameters
 * (a suggestion grows to a tenth of a second and more) once held the
 * study's write lock while it computed, and commands found the database
 * locked. Sampled while it runs, the database is free nearly always. */
START_TEST(test_slow_sampler_leaves_db_free)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    tt_buf b = {0};
    tt_buf_puts(&b, "name: cm\nmethod: cmaes\nseed: 1\nmetric: {name: loss}\nrun_cap: 400\n"
                    "command: [/bin/sh, -c, 'echo loss=1']\nparameters:\n");
    for (int i = 0; i < 200; i++)
        tt_buf_printf(&b, "  p%d: {min: 0.0, max: 1.0}\n", i);
    char *sweep = write_sweep(tmp, b.data);
    tt_buf_free(&b);
    e2e_start_detached(sweep, study);
    ck_assert(e2e_wait_study(study, "SELECT count(*) >= 20 FROM trials", 1, 60));
    int busy = 0, looks = 0;
    for (double t0 = mono(); mono() - t0 < 3; e2e_sleep(0.03), looks++)
        busy += !db_free(study);
    const char *stop[] = {"tunetop", "stop", study, "--now", NULL};
    e2e_result r = e2e_run(stop, 30);
    ck_assert_msg(r.status == 0, "stop --now: %s", r.err);
    e2e_result_free(&r);
    ck_assert_msg(busy * 5 < looks, "the database was locked at %d of %d looks", busy, looks);
    free(sweep);
    free(study);
    cleanup(tmp);
    free(tmp);
}
END_TEST

/* TUNETOP_CHAOS_ONLY=WORD runs only the tests whose name holds WORD. */
static void add(TCase *tc, const TTest *t)
{
    const char *only = getenv("TUNETOP_CHAOS_ONLY");
    if (!only || !*only || strstr(t->name, only))
        tcase_add_test(tc, t);
}

Suite *suite_chaos(void)
{
    Suite *s = suite_create("chaos");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, chaos_long() ? 3600 : 240);
    add(tc, test_kill9_storm);
    add(tc, test_kill_between_spawn_and_commit);
    add(tc, test_kill_after_shim_moved_on);
    add(tc, test_sigstop_runner);
    add(tc, test_dashboard_killed);
    add(tc, test_hangup_foreground_runner);
    add(tc, test_disk_full_fsize);
    add(tc, test_disk_full_tmpfs);
    add(tc, test_misbehaving_trials);
    add(tc, test_planted_fifo);
    add(tc, test_readonly_study_db);
    add(tc, test_descriptor_limit);
    add(tc, test_shim_killed_trial_runs_once);
    add(tc, test_trials_folder_removed);
    add(tc, test_slow_sampler_leaves_db_free);
    suite_add_tcase(s, tc);
    return s;
}
