/*
 * tt_format_double: how every number reaches a person or a trial (argv,
 * TUNETOP_PARAM_*, params.json, exports). It must read back exactly and be
 * as short as that allows: `lr=0.1`, never `lr=0.10000000000000001`.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"
#include "check_util.h"

static const char *fmt(double v)
{
    static char buf[64];
    return tt_format_double(v, buf, sizeof buf);
}

START_TEST(test_format_known_values)
{
    ck_assert_str_eq(fmt(0.1), "0.1");
    ck_assert_str_eq(fmt(2.5), "2.5");
    ck_assert_str_eq(fmt(3.0), "3");
    ck_assert_str_eq(fmt(-0.0), "0");
    ck_assert_str_eq(fmt(1e-5), "1e-05");
    ck_assert_str_eq(fmt(0.0003), "0.0003");
    ck_assert_str_eq(fmt(1.0 / 3.0), "0.3333333333333333");
    ck_assert_str_eq(fmt(2.0 / 3.0), "0.6666666666666666");
    ck_assert_str_eq(fmt(0.1 + 0.2), "0.30000000000000004");
    ck_assert_str_eq(fmt(1e20), "1e+20");
    ck_assert_str_eq(fmt(123456.5), "123456.5");
    ck_assert_str_eq(fmt(1e15 + 0.5), "1000000000000000.5");
    ck_assert_str_eq(fmt(NAN), "nan");
    ck_assert_str_eq(fmt(-INFINITY), "-inf");
    ck_assert_str_eq(fmt(4.9406564584124654e-324), "5e-324");
}
END_TEST

/* The shortest %g text that reads back, found the slow way. */
static void shortest(double v, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Random bit patterns (subnormals and huge exponents included), uniform
 * fractions, and short decimals: always the shortest exact text. */
START_TEST(test_format_shortest_round_trip)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    long checked = 0;
    for (long i = 0; i < 200000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double v;
        if (i % 3 == 0) {
            memcpy(&v, &s, sizeof v);
        } else if (i % 3 == 1) {
            v = (double)(s >> 11) / 9007199254740992.0;
        } else {
            v = round((double)(s >> 11) / 9007199254740992.0 * 1e6) / pow(10, (double)(s % 12));
        }
        if (!isfinite(v) || (v == floor(v) && fabs(v) < 9007199254740992.0))
            continue;
        char want[64];
        shortest(v, want, sizeof want);
        const char *got = fmt(v);
        ck_assert_msg(strcmp(got, want) == 0, "%a: got %s, shortest is %s", v, got, want);
        ck_assert(strtod(got, NULL) == v);
        checked++;
    }
    ck_assert_int_gt(checked, 100000);
}
END_TEST

Suite *suite_format(void)
{
    return tt_suite_of("format", "double", 0,
                       TT_TESTS(test_format_known_values, test_format_shortest_round_trip));
}
