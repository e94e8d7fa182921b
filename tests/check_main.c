/*
 * The Check runner: collects every suite declared in the test files (the list is
 * generated into suites.h by the Makefile) and runs them in one SRunner, so
 * `make check` ends with Check's own summary line.
 */
#include <check.h>
#include <stdlib.h>

#define TT_SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef TT_SUITE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define TT_SUITE(fn) srunner_add_suite(sr, fn());
#include "suites.h"
#undef TT_SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
