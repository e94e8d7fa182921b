/*
 * test_study — the study module on its own, in temporary folders: the
 * folder's layout is spelled as the architecture describes it, a folder is
 * a study when it holds study.db, study.db gets the study's mode, the
 * runner's lock says who holds it (and says nobody once it is released),
 * a symlinked trials/ is refused, and the shared reader reads the study
 * row, the newest sweep's objective and the trial rows incrementally.
 * The same behaviour end to end is in the runner, dashboard and security
 * suites.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tunetop/study.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tt_study_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void check_path(char *got, const char *want)
{
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(layout)
{
    check_path(tt_study_db_path("s"), "s/study.db");
    check_path(tt_study_lock_path("s"), "s/runner.lock");
    check_path(tt_study_log_path("s"), "s/runner.log");
    check_path(tt_study_sweep_path("s", 3), "s/sweep-v3.yaml");
    check_path(tt_study_trials_dir("s"), "s/trials");
    check_path(tt_study_trial_dir("s", 12), "s/trials/12");
    check_path(tt_study_unrecorded_dir("s"), "s/trials/.unrecorded");
    /* folds 3 x repeats 2: run 5 is fold 2, repetition 1 */
    check_path(tt_study_run_dir("s", 4, 3, 2, 5), "s/trials/4/fold-2-repeat-1");
    check_path(tt_study_run_dir("s", 4, 3, 0, 2), "s/trials/4/fold-2");
    check_path(tt_study_run_dir("s", 4, 0, 3, 2), "s/trials/4/repeat-2");
}
END_TEST

/* _i == 0: private (0600 whatever the umask); _i == 1: TUNETOP_SHARED=1,
 * 0666 less the umask. */
START_TEST(is_dir_and_modes)
{
    bool shared = _i == 1;
    if (shared)
        setenv("TUNETOP_SHARED", "1", 1);
    else
        unsetenv("TUNETOP_SHARED");
    mode_t old = umask(shared ? 027 : 022);
    ck_assert(!tt_study_is_dir(dir));
    ck_assert_uint_eq(tt_study_dir_mode(), shared ? 0777 : 0700);
    tt_error err = {0};
    tt_store *st = tt_study_open_store(dir, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    tt_store_close(st);
    umask(old);
    unsetenv("TUNETOP_SHARED");
    ck_assert(tt_study_is_dir(dir));
    char *db = tt_study_db_path(dir);
    struct stat sb;
    ck_assert_int_eq(stat(db, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, shared ? 0640 : 0600);
    free(db);
    ck_assert_double_gt(tt_study_modified(dir), 0);
}
END_TEST

START_TEST(runner_lock)
{
    ck_assert_int_eq(tt_study_runner_pid(dir), 0); /* no runner.lock at all */
    tt_error err = {0};
    int fd = tt_study_lock(dir, &err);
    ck_assert_msg(fd >= 0, "%s", err.msg);
    ck_assert_int_eq(tt_study_runner_pid(dir), -1); /* held, no pid yet */
    ck_assert_int_eq(tt_study_lock_announce(fd, &err), 0);
    ck_assert_int_eq(tt_study_runner_pid(dir), (long)getpid());
    /* a second runner is told who has the study */
    char want[400];
    snprintf(want, sizeof want, "a runner is already running for %s (pid %ld)", dir,
             (long)getpid());
    ck_assert_int_eq(tt_study_lock(dir, &err), -TT_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, want), "%s", err.msg);
    close(fd);
    ck_assert_int_eq(tt_study_runner_pid(dir), 0); /* the pid stays, the lock does not */
}
END_TEST

START_TEST(owner_and_symlinked_trials)
{
    tt_error err = {0};
    ck_assert_int_eq(tt_study_check_owner(dir, &err), 0); /* no trials/ yet */
    char *trials = tt_study_trials_dir(dir);
    ck_assert_int_eq(symlink("/tmp", trials), 0);
    ck_assert_int_eq(tt_study_check_owner(dir, &err), -TT_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "is not a folder; refusing to use it"), "%s", err.msg);
    free(trials);
}
END_TEST

static const char sweep_v1[] = "name: readertest\nprogram: train.py\nmethod: random\n"
                               "metric: {name: acc, goal: maximize}\n"
                               "parameters:\n  lr: {min: 0.001, max: 0.1}\n";

START_TEST(reader_incremental)
{
    tt_study_reader r;
    tt_error err = {0};
    ck_assert_int_lt(tt_study_reader_open(&r, dir, TT_STORE_READ, &err), 0);
    char want[400];
    snprintf(want, sizeof want, "%s is not a tunetop study (no study.db in it)", dir);
    ck_assert_str_eq(err.msg, want);
    tt_study_reader_close(&r);

    tt_store *st = tt_study_open_store(dir, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "readertest", "sweep.yaml", NULL, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", sweep_v1, &err), 1);
    char *names[] = {"lr"}, *texts[] = {"0.01"};
    long t1 = tt_store_add_trial(st, 1, 1, names, texts, NULL, NULL, &err);
    long t2 = tt_store_add_trial(st, 1, 1, names, texts, NULL, NULL, &err);
    ck_assert_int_gt(t2, t1);

    ck_assert_int_eq(tt_study_reader_open(&r, dir, TT_STORE_READ, &err), 0);
    ck_assert_str_eq(r.metric, "value"); /* until the sweep is read */
    int changed = tt_study_reader_poll(&r, &err);
    ck_assert_int_eq(changed, TT_STUDY_READ_INFO | TT_STUDY_READ_SWEEP);
    ck_assert_str_eq(r.info.name, "readertest");
    ck_assert_str_eq(r.metric, "acc");
    ck_assert_int_eq(r.goal, TT_GOAL_MAXIMIZE);
    ck_assert_int_eq(tt_study_reader_poll(&r, &err), 0); /* nothing moved */

    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(tt_study_reader_trials(&r, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 2);
    size_t before = n;
    ck_assert_int_eq(tt_study_reader_trials(&r, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, before); /* nothing new */
    ck_assert_int_eq(tt_store_trial_started(st, t2, 0, 0, NULL, &err), 0);
    ck_assert_int_eq(tt_study_reader_trials(&r, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, before + 1);
    ck_assert_int_eq(rows[n - 1].number, t2);
    ck_assert_int_eq(rows[n - 1].state, TT_TRIAL_RUNNING);
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);

    ck_assert_int_eq(tt_study_reader_runner(&r), 0);
    ck_assert_int_eq(tt_store_set_study_state(st, TT_STUDY_STOPPED, &err), 0);
    ck_assert_int_eq(tt_study_reader_poll(&r, &err), TT_STUDY_READ_INFO);
    ck_assert_int_eq(r.info.state, TT_STUDY_STOPPED);
    tt_study_reader_close(&r);
    tt_store_close(st);
}
END_TEST

extern Suite *suite_study(void);

Suite *suite_study(void)
{
    Suite *s = suite_create("study");
    TCase *tc = tcase_create("folder");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, layout);
    tcase_add_loop_test(tc, is_dir_and_modes, 0, 2);
    tcase_add_test(tc, runner_lock);
    tcase_add_test(tc, owner_and_symlinked_trials);
    tcase_add_test(tc, reader_incremental);
    suite_add_tcase(s, tc);
    return s;
}
