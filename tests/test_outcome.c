/*
 * The trial state machine's last step: how the end of a trial becomes a
 * state and a reason (src/runner/outcome.c), branch by branch.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../src/runner/internal.h"
#include "check_util.h"

static tt_shim_status status(tt_shim_kind kind, int code, const char *msg)
{
    tt_shim_status st = {.kind = kind, .code = code};
    strcpy(st.message, msg);
    return st;
}

static tt_trial_state run(const rn_outcome_in *in, const char *want_reason)
{
    char *reason = NULL;
    tt_trial_state s = rn_trial_outcome(in, &reason);
    ck_assert_ptr_nonnull(reason);
    ck_assert_msg(strcmp(reason, want_reason) == 0, "reason '%s', expected '%s'", reason,
                  want_reason);
    free(reason);
    return s;
}

START_TEST(test_clean_exit_with_value)
{
    tt_shim_status st = status(TT_SHIM_EXIT, 0, "");
    rn_outcome_in in = {.have_status = true, .status = &st, .metric = "loss", .has_value = true,
                        .value = 0.25};
    ck_assert_int_eq(run(&in, "exit code 0"), TT_TRIAL_COMPLETED);
}
END_TEST

START_TEST(test_no_metric_declared)
{
    tt_shim_status st = status(TT_SHIM_EXIT, 0, "");
    rn_outcome_in in = {.have_status = true, .status = &st};
    ck_assert_int_eq(run(&in, "exit code 0"), TT_TRIAL_COMPLETED);
}
END_TEST

START_TEST(test_missing_and_non_finite_values)
{
    tt_shim_status st = status(TT_SHIM_EXIT, 0, "");
    rn_outcome_in in = {.have_status = true, .status = &st, .metric = "val_loss"};
    ck_assert_int_eq(run(&in, "no value reported for metric val_loss"), TT_TRIAL_FAILED);
    in.has_value = true;
    in.value = NAN;
    ck_assert_int_eq(run(&in, "objective val_loss is not finite (nan)"), TT_TRIAL_FAILED);
    in.value = -INFINITY;
    ck_assert_int_eq(run(&in, "objective val_loss is not finite (-inf)"), TT_TRIAL_FAILED);
}
END_TEST

START_TEST(test_failures_carry_stderr)
{
    char *lines[] = {"Traceback (most recent call last):", "MemoryError"};
    tt_shim_status st = status(TT_SHIM_EXIT, 3, "");
    rn_outcome_in in = {.have_status = true, .status = &st, .metric = "loss",
                        .stderr_last = lines, .n_stderr_last = 2};
    ck_assert_int_eq(run(&in, "exit code 3; stderr: Traceback (most recent call last): | MemoryError"),
                     TT_TRIAL_FAILED);
    st = status(TT_SHIM_SIGNAL, SIGSEGV, "SIGSEGV");
    in.n_stderr_last = 0;
    ck_assert_int_eq(run(&in, "killed by signal 11 (Segmentation fault)"), TT_TRIAL_FAILED);
    /* A non-zero exit fails the trial even when it reported a good value. */
    st = status(TT_SHIM_EXIT, 137, "");
    in.has_value = true;
    in.value = 0.1;
    ck_assert_int_eq(run(&in, "exit code 137"), TT_TRIAL_FAILED);
}
END_TEST

START_TEST(test_exec_error)
{
    tt_shim_status st = status(TT_SHIM_EXEC_ERROR, 2, "No such file or directory");
    rn_outcome_in in = {.have_status = true, .status = &st, .metric = "loss"};
    ck_assert_int_eq(run(&in, "cannot run the command: No such file or directory"),
                     TT_TRIAL_FAILED);
}
END_TEST

START_TEST(test_runner_requests_win)
{
    tt_shim_status st = status(TT_SHIM_SIGNAL, SIGTERM, "SIGTERM");
    rn_outcome_in in = {.have_status = true, .status = &st, .metric = "loss", .has_value = true,
                        .value = 0.5, .end_request = RN_END_TIMEOUT,
                        .end_reason = "timeout after 600 s"};
    ck_assert_int_eq(run(&in, "timeout after 600 s"), TT_TRIAL_TIMEOUT);
    in.end_request = RN_END_KILL;
    in.end_reason = "killed by the user";
    ck_assert_int_eq(run(&in, "killed by the user"), TT_TRIAL_KILLED);
    /* Even when the shim died before writing its status. */
    in.have_status = false;
    ck_assert_int_eq(run(&in, "killed by the user"), TT_TRIAL_KILLED);
}
END_TEST

START_TEST(test_vanished_supervisor)
{
    rn_outcome_in in = {.have_status = false, .metric = "loss", .shim_pid = 4242};
    ck_assert_int_eq(run(&in, "its supervisor (pid 4242) vanished without an exit status"),
                     TT_TRIAL_INTERRUPTED);
}
END_TEST

Suite *suite_outcome(void)
{
    return tt_suite_of("outcome", "state", 0,
                       TT_TESTS(test_clean_exit_with_value, test_no_metric_declared,
                                test_missing_and_non_finite_values, test_failures_carry_stderr,
                                test_exec_error, test_runner_requests_win,
                                test_vanished_supervisor));
}
