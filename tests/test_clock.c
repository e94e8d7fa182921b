/*
 * test_clock — the runner against a wall clock that steps while trials run
 * (NTP, a VM resumed after a pause): issue 16, item 4. `trial_timeout` and
 * every duration the runner acts on must be measured on a monotonic clock,
 * and no duration shown to a user may be negative.
 *
 * The wall clock is stepped by tests/preload/clockshift.c (built into
 * $(BUILD)/tests/clockshift.so, found through TUNETOP_CLOCKSHIFT or next
 * to TUNETOP_BIN), preloaded into a detached runner — and so into its
 * zygote when it is dynamically linked (under `make sanitize`) and into
 * the trials it starts, which inherit its environment: the whole study
 * sees one stepped clock, as on a real machine. The offset is the content
 * of a file the test rewrites while the runner runs.
 *
 * Under AddressSanitizer the preload needs ASAN_OPTIONS
 * verify_asan_link_order=0 (ASan wants its runtime first in the library
 * list; the library defines no allocator, so this is safe); set for every
 * preloaded process, harmless without ASan.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../src/ui/internal.h"
#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The test's own clocks: this process never has the preload. */
static double mono(void) { return clock_s(CLOCK_MONOTONIC); }
static double wall(void) { return clock_s(CLOCK_REALTIME); }

/* The preload library, as an absolute path (children chdir), or NULL. */
static char *clockshift_so(void)
{
    const char *env = getenv("TUNETOP_CLOCKSHIFT");
    char *cand;
    if (env && *env) {
        cand = tt_xstrdup(env);
    } else {
        /* BIN=build-g/tunetop goes with BUILD=build-g: the library is
         * build-g/tests/clockshift.so. */
        const char *bin = e2e_bin();
        const char *slash = strrchr(bin, '/');
        int dlen = slash ? (int)(slash - bin) : 1;
        cand = tt_xasprintf("%.*s/tests/clockshift.so", dlen, slash ? bin : ".");
    }
    if (cand[0] != '/') {
        char *rel = cand;
        cand = tt_xasprintf("%s/%s", e2e_root(), rel);
        free(rel);
    }
    char buf[PATH_MAX];
    char *abs = realpath(cand, buf) ? tt_xstrdup(buf) : NULL;
    free(cand);
    return abs;
}

/* Steps the clock of every preloaded process: the offset in seconds,
 * written whole (temporary file and rename) so it is never read half. */
static void set_offset(const char *file, const char *seconds)
{
    char *tmp = tt_xasprintf("%s.tmp", file);
    e2e_write(tmp, seconds);
    ck_assert_msg(rename(tmp, file) == 0, "rename %s: %s", tmp, strerror(errno));
    free(tmp);
}

static char *saved_asan;

/* The environment the next e2e_run passes on: the preload, its offset
 * file, and ASan told to accept a library before its runtime. */
static void preload_on(const char *so, const char *offset_file)
{
    setenv("LD_PRELOAD", so, 1);
    setenv("TUNETOP_CLOCKSHIFT_FILE", offset_file, 1);
    const char *asan = getenv("ASAN_OPTIONS");
    saved_asan = asan ? tt_xstrdup(asan) : NULL;
    char *opts = tt_xasprintf("%s%sverify_asan_link_order=0", asan ? asan : "",
                              asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    free(opts);
}

static void preload_off(void)
{
    unsetenv("LD_PRELOAD");
    unsetenv("TUNETOP_CLOCKSHIFT_FILE");
    if (saved_asan)
        setenv("ASAN_OPTIONS", saved_asan, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(saved_asan);
    saved_asan = NULL;
}

/* Whether the binary under test runs with the preload. It must, except
 * under the sanitizers, where a failure is a SKIP that says why. */
static bool preload_usable(const char *so, const char *offset_file, const char *test)
{
    preload_on(so, offset_file);
    const char *argv[] = {"tunetop", "--version", NULL};
    e2e_result r = e2e_run(argv, 20);
    preload_off();
    /* ld.so only warns about a library it cannot preload, and runs on. */
    bool ok = r.status == 0 && !strstr(r.err, "ld.so") && !strstr(r.err, "ASan");
    if (!ok && getenv("TUNETOP_SANITIZED"))
        fprintf(stderr, "SKIPPED: %s: the sanitized tunetop does not run with LD_PRELOAD=%s: %s\n",
                test, so, e2e_tail(r.err));
    else
        ck_assert_msg(ok, "tunetop --version with LD_PRELOAD=%s: exit %d, %s", so, r.status,
                      e2e_tail(r.err));
    e2e_result_free(&r);
    return ok;
}

/* One study of a clock test: its folder, sweep file and offset file. */
typedef struct {
    char *tmp, *sweep, *study, *offset, *so;
} clock_study;

/* False (after a SKIPPED line) when the test cannot run here. */
static bool study_new(clock_study *c, const char *yaml, const char *test)
{
    memset(c, 0, sizeof *c);
    c->so = clockshift_so();
    ck_assert_msg(c->so != NULL,
                  "clockshift.so not found: set TUNETOP_CLOCKSHIFT or build "
                  "$(BUILD)/tests/clockshift.so (make check does both)");
    c->tmp = e2e_tmpdir();
    c->sweep = tt_xasprintf("%s/sweep.yaml", c->tmp);
    c->study = tt_xasprintf("%s/study", c->tmp);
    c->offset = tt_xasprintf("%s/clock-offset", c->tmp);
    e2e_write(c->sweep, yaml);
    set_offset(c->offset, "0");
    return preload_usable(c->so, c->offset, test);
}

static void study_free(clock_study *c, bool remove)
{
    if (remove)
        e2e_rmtree(c->tmp);
    free(c->tmp);
    free(c->sweep);
    free(c->study);
    free(c->offset);
    free(c->so);
}

/* `tunetop run SWEEP --dir STUDY --detach` with the preload: the runner
 * daemon, its zygote and shims and the trials all inherit it. */
static void start_runner(const clock_study *c)
{
    preload_on(c->so, c->offset);
    const char *argv[] = {"tunetop", "run", c->sweep, "--dir", c->study, "--detach", NULL};
    e2e_result r = e2e_run(argv, 30);
    preload_off();
    ck_assert_msg(r.status == 0, "run --detach: %s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
}

static bool runner_gone(const char *study)
{
    char *js = e2e_status_json(study);
    bool gone = strstr(js, "\"runner_pid\": null") != NULL;
    free(js);
    return gone;
}

static bool wait_runner_gone(const char *study, double timeout)
{
    for (double end = mono() + timeout; mono() < end; e2e_sleep(0.1))
        if (runner_gone(study))
            return true;
    return false;
}

/* `stop --now` and wait: nothing of the test may outlive it. */
static void stop_study(const char *study)
{
    if (runner_gone(study))
        return;
    const char *argv[] = {"tunetop", "stop", study, "--now", NULL};
    e2e_result r = e2e_run(argv, 20);
    e2e_result_free(&r);
    wait_runner_gone(study, 20);
}

static bool wait_running(const char *study, long n, double timeout)
{
    return e2e_wait_study(study, "SELECT count(*) FROM trials WHERE state = 'running'", n, timeout);
}

static char *run_out(const char *const *argv)
{
    e2e_result r = e2e_run(argv, 20);
    ck_assert_msg(r.status == 0, "%s %s: %s", argv[1], argv[2], e2e_tail(r.err));
    free(r.err);
    return r.out;
}

/* Every "duration_s": value of a JSON text is null or >= 0; returns how
 * many numbers there were. */
static int json_durations_ok(const char *text, const char *what)
{
    int numbers = 0;
    for (const char *p = text; (p = strstr(p, "\"duration_s\"")) != NULL;) {
        p += strlen("\"duration_s\"");
        while (*p == ' ' || *p == ':')
            p++;
        if (strncmp(p, "null", 4) == 0)
            continue;
        char *end;
        double d = strtod(p, &end);
        ck_assert_msg(end != p, "%s: duration_s is not a number: %.40s", what, p);
        ck_assert_msg(d >= 0, "%s: negative duration_s %.40s in\n%s", what, p, e2e_tail(text));
        numbers++;
    }
    return numbers;
}

/* Field k of a CSV line whose fields hold no comma nor quote (the
 * sweeps here have numeric parameters only), or NULL. */
static const char *csv_field(const char *line, int k)
{
    for (; k > 0; k--) {
        line += strcspn(line, ",\n");
        if (*line != ',')
            return NULL;
        line++;
    }
    return line;
}

/* What a user sees of a study's durations after the clock stepped:
 * `export` (csv and json) and `status` (json and text). None is negative.
 * Returns the number of trials with a duration. */
static int assert_no_negative_duration(const char *study)
{
    const char *csv_argv[] = {"tunetop", "export", study, NULL};
    char *csv = run_out(csv_argv);
    int col = -1;
    for (int k = 0; col < 0 && csv_field(csv, k); k++)
        if (strncmp(csv_field(csv, k), "duration_s", 10) == 0 &&
            strchr(",\n", csv_field(csv, k)[10]))
            col = k;
    ck_assert_msg(col >= 0, "no duration_s column: %.*s", (int)strcspn(csv, "\n"), csv);
    int with_duration = 0;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line, '\n')) {
        line++;
        int len = (int)strcspn(line, "\n");
        const char *f = csv_field(line, col);
        ck_assert_msg(f != NULL, "short row: %.*s", len, line);
        if (*f == ',')
            continue; /* not started or not finished */
        char *end;
        double d = strtod(f, &end);
        ck_assert_msg(end != f && *end == ',', "duration_s not a number: %.*s", len, line);
        ck_assert_msg(d >= 0, "export: negative duration_s in row %.*s", len, line);
        with_duration++;
    }
    free(csv);

    const char *json_argv[] = {"tunetop", "export", study, "--format", "json", NULL};
    char *json = run_out(json_argv);
    ck_assert_int_eq(json_durations_ok(json, "export --format json"), with_duration);
    free(json);

    char *js = e2e_status_json(study);
    json_durations_ok(js, "status --json");
    const char *el = strstr(js, "\"elapsed_s\": ");
    ck_assert_msg(el != NULL, "%s", js);
    ck_assert_msg(strtod(el + 13, NULL) >= 0, "status --json: negative elapsed_s in %s", js);
    free(js);
    const char *st_argv[] = {"tunetop", "status", study, NULL};
    char *text = run_out(st_argv);
    el = strstr(text, "\nelapsed  ");
    ck_assert_msg(el && el[10] != '-', "status: negative elapsed in\n%s", text);
    free(text);
    return with_duration;
}

/* How far the library's clock_gettime(clk) is from the real one. */
static double shifted(int (*cg)(clockid_t, struct timespec *), clockid_t clk)
{
    struct timespec ts;
    ck_assert_int_eq(cg(clk, &ts), 0);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9 - clock_s(clk);
}

/* The library itself, dlopen()ed here: CLOCK_REALTIME (and its coarse
 * variant), gettimeofday and time() move by the file's offset, read again
 * within ~50 ms of a change; the monotonic clocks do not move; a missing
 * file is 0, a malformed one keeps the offset in force. */
START_TEST(test_clockshift_library)
{
    char *so = clockshift_so();
    ck_assert_msg(so != NULL, "clockshift.so not found (TUNETOP_CLOCKSHIFT)");
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "dlopen %s: %s", so, dlerror());
    int (*cg)(clockid_t, struct timespec *);
    int (*gtod)(struct timeval *, void *);
    time_t (*tm)(time_t *);
    *(void **)&cg = dlsym(h, "clock_gettime");
    *(void **)&gtod = dlsym(h, "gettimeofday");
    *(void **)&tm = dlsym(h, "time");
    ck_assert(cg && gtod && tm);
    char *tmp = e2e_tmpdir();
    char *file = tt_xasprintf("%s/offset", tmp);
    setenv("TUNETOP_CLOCKSHIFT_FILE", file, 1);

    /* No file yet: no shift. */
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME), 0, 0.05);

    set_offset(file, "3600\n");
    e2e_sleep(0.06);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME), 3600, 0.05);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME_COARSE), 3600, 0.05);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_MONOTONIC), 0, 0.05);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_BOOTTIME), 0, 0.05);
    struct timeval tv;
    ck_assert_int_eq(gtod(&tv, NULL), 0);
    ck_assert_double_eq_tol((double)tv.tv_sec + tv.tv_usec * 1e-6 - wall(), 3600, 0.05);
    time_t t_out = 0;
    time_t t = tm(&t_out);
    ck_assert(t == t_out);
    ck_assert_double_eq_tol((double)t - wall(), 3600, 1.01);

    /* A step back while the "process" runs, fractional. */
    set_offset(file, "-3600.25");
    e2e_sleep(0.06);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME), -3600.25, 0.05);
    ck_assert_int_eq(gtod(&tv, NULL), 0);
    ck_assert_double_eq_tol((double)tv.tv_sec + tv.tv_usec * 1e-6 - wall(), -3600.25, 0.05);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_MONOTONIC), 0, 0.05);

    /* Malformed: the offset in force stays. */
    set_offset(file, "soon");
    e2e_sleep(0.06);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME), -3600.25, 0.05);

    /* Removed: back to the real clock. */
    unlink(file);
    e2e_sleep(0.06);
    ck_assert_double_eq_tol(shifted(cg, CLOCK_REALTIME), 0, 0.05);

    unsetenv("TUNETOP_CLOCKSHIFT_FILE");
    dlclose(h);
    e2e_rmtree(tmp);
    free(tmp);
    free(file);
    free(so);
}
END_TEST

/* The same, preloaded into a real program (date(1)), started after the
 * offset was written: what the study's processes get. */
START_TEST(test_clockshift_preloaded)
{
    char *so = clockshift_so();
    ck_assert_msg(so != NULL, "clockshift.so not found (TUNETOP_CLOCKSHIFT)");
    char *tmp = e2e_tmpdir();
    char *file = tt_xasprintf("%s/offset", tmp);
    set_offset(file, "-7200");
    preload_on(so, file);
    const char *argv[] = {"date", "+%s", NULL};
    e2e_result r = e2e_run(argv, 10);
    preload_off();
    ck_assert_msg(r.status == 0, "date: %s", r.err);
    ck_assert_double_eq_tol(strtod(r.out, NULL) - wall(), -7200, 2);
    e2e_result_free(&r);
    e2e_rmtree(tmp);
    free(tmp);
    free(file);
    free(so);
}
END_TEST

/* A step forward by an hour while two trials run must not time them out:
 * `trial_timeout: 5`, trials of ~2 s. On a wall-clock timeout every trial
 * running at the step ends `timeout after 5 s` at once. */
START_TEST(test_step_forward_no_timeout)
{
    clock_study c;
    if (!study_new(&c,
                   "name: forward\nmethod: random\nmetric: {name: loss}\nparallel: 2\n"
                   "run_cap: 4\ntrial_timeout: 5\n"
                   "command: [/bin/sh, -c, 'echo loss=$1; sleep 2; echo loss=$1', sh, '${x}']\n"
                   "parameters:\n  x: {min: 0.0, max: 1.0}\n",
                   "test_step_forward_no_timeout")) {
        study_free(&c, true);
        return;
    }
    start_runner(&c);
    ck_assert_msg(wait_running(c.study, 2, 20), "two trials never ran together");
    e2e_sleep(0.5);
    double stepped_at = wall();
    set_offset(c.offset, "3600");
    bool ended = wait_runner_gone(c.study, 60);
    stop_study(c.study);
    ck_assert_msg(ended, "the sweep did not end within 60 s");

    long timeouts = e2e_study_long(c.study, "SELECT count(*) FROM trials WHERE state = 'timeout'");
    char *reasons = e2e_study_sql(c.study, "SELECT group_concat(number || ' ' || state || ': ' || "
                                           "coalesce(reason, ''), '; ') FROM trials");
    ck_assert_msg(timeouts == 0,
                  "%ld trial(s) timed out after a +1 h step of the wall clock (trial_timeout "
                  "measured on the wall clock?): %s",
                  timeouts, reasons);
    ck_assert_msg(e2e_study_long(c.study, "SELECT count(*) FROM trials WHERE state = 'completed'") ==
                      4,
                  "not all 4 trials completed: %s", reasons);
    free(reasons);
    /* The step reached the runner: trials started after it have their
     * start an hour ahead of this (unshifted) process's clock. */
    char *sql = tt_xasprintf("SELECT count(*) FROM trials WHERE started_at > %.3f", stepped_at + 3000);
    ck_assert_msg(e2e_study_long(c.study, sql) >= 1, "no trial started on the shifted clock");
    free(sql);
    ck_assert_int_eq(assert_no_negative_duration(c.study), 4);
    study_free(&c, true);
}
END_TEST

/* A step back by an hour right after a trial started must not stop its
 * timeout: `trial_timeout: 2` ends a 30 s trial after ~2 s of elapsed time
 * (asserted within 2-8 s of starting the runner). On a wall-clock timeout
 * it would only fire an hour later. A second trial, started entirely on
 * the stepped-back clock, times out the same way. */
START_TEST(test_step_back_timeout_fires)
{
    clock_study c;
    if (!study_new(&c,
                   "name: back\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
                   "run_cap: 2\ntrial_timeout: 2\n"
                   "command: [/bin/sh, -c, 'echo loss=$1; sleep 30', sh, '${x}']\n"
                   "parameters:\n  x: {min: 0.0, max: 1.0}\n",
                   "test_step_back_timeout_fires")) {
        study_free(&c, true);
        return;
    }
    double launched = mono();
    start_runner(&c);
    ck_assert_msg(wait_running(c.study, 1, 20), "trial 1 never ran");
    set_offset(c.offset, "-3600");
    double stepped_at = wall();

    /* Trial 1 ends `timeout` about 2 s after it started: poll for 12 s. */
    double ended_after = -1;
    for (double end = mono() + 12; mono() < end; e2e_sleep(0.05)) {
        char *s = e2e_study_sql(c.study, "SELECT state FROM trials WHERE number = 1");
        bool running = s && strcmp(s, "running") == 0;
        free(s);
        if (!running) {
            ended_after = mono() - launched;
            break;
        }
    }
    bool second = ended_after >= 0 &&
                  e2e_wait_study(c.study, "SELECT count(*) FROM trials WHERE number = 2 AND "
                                          "state NOT IN ('queued', 'running')",
                                 1, 12);
    stop_study(c.study);

    char *state = e2e_study_sql(c.study, "SELECT state || ': ' || coalesce(reason, '') FROM "
                                         "trials WHERE number = 1");
    ck_assert_msg(ended_after >= 0,
                  "trial 1 (trial_timeout: 2, sleeps 30 s) still running 12 s after a -1 h step "
                  "of the wall clock (trial_timeout measured on the wall clock?); now %s",
                  state);
    ck_assert_msg(state && strncmp(state, "timeout: ", 9) == 0, "trial 1 ended %s", state);
    ck_assert_msg(ended_after >= 2 && ended_after <= 8,
                  "trial 1 timed out %.2f s after the runner was started (want 2-8 s)", ended_after);
    free(state);
    ck_assert_msg(second, "trial 2 did not end within 12 s");
    state = e2e_study_sql(c.study, "SELECT state || ': ' || coalesce(reason, '') FROM trials "
                                   "WHERE number = 2");
    ck_assert_msg(state && strncmp(state, "timeout: ", 9) == 0, "trial 2 ended %s", state);
    free(state);
    /* The step reached the runner: trial 2 started an hour behind. */
    char *sql = tt_xasprintf("SELECT count(*) FROM trials WHERE number = 2 AND started_at < %.3f",
                             stepped_at - 3000);
    ck_assert_msg(e2e_study_long(c.study, sql) == 1, "trial 2 did not start on the shifted clock");
    free(sql);
    assert_no_negative_duration(c.study);
    study_free(&c, true);
}
END_TEST

/* Durations shown to users after steps both ways: trial 1 runs across a
 * step back (it ends, on the wall clock, before it started), trial 2
 * across a step forward. `export` (csv, json) and `status` show no
 * negative duration. */
START_TEST(test_no_negative_durations)
{
    clock_study c;
    if (!study_new(&c,
                   "name: durations\nmethod: random\nmetric: {name: loss}\nparallel: 1\n"
                   "run_cap: 3\n"
                   "command: [/bin/sh, -c, 'echo loss=$1; sleep 1.5; echo loss=$1', sh, '${x}']\n"
                   "parameters:\n  x: {min: 0.0, max: 1.0}\n",
                   "test_no_negative_durations")) {
        study_free(&c, true);
        return;
    }
    start_runner(&c);
    ck_assert_msg(e2e_wait_study(c.study, "SELECT count(*) FROM trials WHERE number = 1 AND "
                                          "state = 'running'",
                                 1, 20),
                  "trial 1 never ran");
    e2e_sleep(0.5);
    set_offset(c.offset, "-3600");
    bool two = e2e_wait_study(c.study, "SELECT count(*) FROM trials WHERE number = 2 AND "
                                       "state = 'running'",
                              1, 20);
    if (two) {
        e2e_sleep(0.5);
        set_offset(c.offset, "0");
    }
    bool ended = two && wait_runner_gone(c.study, 30);
    stop_study(c.study);
    ck_assert_msg(two, "trial 2 never ran");
    ck_assert_msg(ended, "the sweep did not end within 30 s");
    ck_assert_int_eq(
        e2e_study_long(c.study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 3);
    ck_assert_int_eq(assert_no_negative_duration(c.study), 3);
    study_free(&c, true);
}
END_TEST

/* The dashboard's duration of a trial (list column, sort, filter, detail)
 * from two wall-clock times: never negative. */
START_TEST(test_ui_duration_not_negative)
{
    tt_trial_record r;
    memset(&r, 0, sizeof r);
    r.started_at = 1795431044;
    r.finished_at = 1795431044 - 3600 + 2;
    ck_assert_double_eq(ui_trial_duration(&r, 0), 0);
    r.finished_at = 1795431056.5;
    ck_assert_double_eq_tol(ui_trial_duration(&r, 0), 12.5, 1e-9);
    /* Running, and the clock now is behind its start. */
    r.finished_at = 0;
    ck_assert_double_eq(ui_trial_duration(&r, 1795431044 - 3600), 0);
    ck_assert_double_eq_tol(ui_trial_duration(&r, 1795431054), 10, 1e-9);
    r.started_at = 0;
    ck_assert(isnan(ui_trial_duration(&r, 1795431054)));
}
END_TEST

Suite *suite_clock(void)
{
    Suite *s = suite_create("clock");
    tt_add_tcase(s, "clockshift", 20,
                 TT_TESTS(test_clockshift_library, test_clockshift_preloaded,
                          test_ui_duration_not_negative));
    tt_add_tcase(s, "stepped", 120,
                 TT_TESTS(test_step_forward_no_timeout, test_step_back_timeout_fires,
                          test_no_negative_durations));
    return s;
}
