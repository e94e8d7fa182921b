/*
 * exit.status, the one record of how a trial ended (src/shim/status.c):
 * what the shim writes is what the runner reads back, for every kind of
 * end, and text that is not a status is refused. Both ends are pure
 * functions, tested here without processes; test_launch.c and
 * test_zygote.c read the files real shims write.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "tunetop/shim.h"

extern Suite *suite_shim(void);

static tt_shim_status round_trip(tt_shim_kind kind, int code, char *text, size_t n)
{
    struct timespec end = {1718000000, 123456789};
    size_t len = tt_shim_status_format(kind, code, &end, text, n);
    ck_assert_uint_eq(len, strlen(text));
    tt_shim_status st;
    ck_assert_int_eq(tt_shim_status_parse(text, &st), 0);
    ck_assert_int_eq(st.kind, kind);
    ck_assert_int_eq(st.code, code);
    ck_assert(st.end_time > 1718000000.12 && st.end_time < 1718000000.124);
    return st;
}

START_TEST(test_status_round_trip)
{
    char text[TT_SHIM_STATUS_MAX];
    tt_shim_status st = round_trip(TT_SHIM_EXIT, 3, text, sizeof text);
    ck_assert_str_eq(text, "exit 3\nend 1718000000.123\n");
    ck_assert_str_eq(st.message, "");

    st = round_trip(TT_SHIM_SIGNAL, SIGKILL, text, sizeof text);
    ck_assert_str_eq(text, "signal 9 SIGKILL\nend 1718000000.123\n");
    ck_assert_str_eq(st.message, "SIGKILL");

    st = round_trip(TT_SHIM_EXEC_ERROR, ENOENT, text, sizeof text);
    ck_assert_str_eq(st.message, strerror(ENOENT));

    st = round_trip(TT_SHIM_SIGNAL, SIGRTMIN + 2, text, sizeof text);
    ck_assert_str_eq(st.message, "SIGRTMIN+2");
}
END_TEST

START_TEST(test_status_format_bounded)
{
    char small[8];
    struct timespec end = {1718000000, 0};
    size_t len = tt_shim_status_format(TT_SHIM_EXIT, 0, &end, small, sizeof small);
    ck_assert_uint_eq(len, sizeof small - 1);
    ck_assert_str_eq(small, "exit 0\n");
}
END_TEST

START_TEST(test_status_parse_refuses)
{
    static const char *bad[] = {
        "", "\n", "exit\n", "exit \n5\n", "exit 3 extra\n", "exit -1\n", "exit 70000\n",
        "signal\n", "signal x\n", "died 3\n", "EXIT 3\n", "exec_error 2x\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tt_shim_status st;
        ck_assert_msg(tt_shim_status_parse(bad[i], &st) == -TT_ERR_INVALID,
                      "accepted \"%s\"", bad[i]);
    }
    /* The end line is optional, and only a positive time counts. */
    tt_shim_status st;
    ck_assert_int_eq(tt_shim_status_parse("exit 0", &st), 0);
    ck_assert(st.end_time == 0);
    ck_assert_int_eq(tt_shim_status_parse("exit 0\nend -5\n", &st), 0);
    ck_assert(st.end_time == 0);
    ck_assert_int_eq(tt_shim_status_parse("signal 15\nend 12.5\n", &st), 0);
    ck_assert_int_eq(st.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(st.code, 15);
    ck_assert_str_eq(st.message, "");
    ck_assert(st.end_time == 12.5);
}
END_TEST

Suite *suite_shim(void)
{
    Suite *s = suite_create("shim");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, test_status_round_trip);
    tcase_add_test(tc, test_status_format_bounded);
    tcase_add_test(tc, test_status_parse_refuses);
    suite_add_tcase(s, tc);
    return s;
}
