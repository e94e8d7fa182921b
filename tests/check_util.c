/*
 * Building Check suites from lists of tests (see check_util.h).
 */
#include "check_util.h"

TCase *tt_add_tcase(Suite *s, const char *name, double timeout, const TTest *const *tests)
{
    TCase *tc = tcase_create(name);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    for (const TTest *const *t = tests; *t; t++)
        tcase_add_test(tc, *t);
    suite_add_tcase(s, tc);
    return tc;
}

Suite *tt_suite_of(const char *name, const char *tcase, double timeout,
                   const TTest *const *tests)
{
    Suite *s = suite_create(name);
    tt_add_tcase(s, tcase, timeout, tests);
    return s;
}
