/*
 * Building Check suites from lists of tests, so that a test file's suite
 * function names its test cases and their tests and nothing else.
 */
#ifndef TUNETOP_TESTS_CHECK_UTIL_H
#define TUNETOP_TESTS_CHECK_UTIL_H

#include <check.h>

/* Every suite's prototype (for -Wmissing-prototypes), from the list the
 * Makefile generates from the definitions' first lines. */
#define TT_SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef TT_SUITE

/* A NULL-terminated list of tests (the names START_TEST defined). */
#define TT_TESTS(...) ((const TTest *const[]){__VA_ARGS__, NULL})

/* Adds to s a test case named name holding tests, with a timeout in
 * seconds (0: Check's default); returns it (for fixtures). */
TCase *tt_add_tcase(Suite *s, const char *name, double timeout, const TTest *const *tests);
/* A suite named name with one such test case. */
Suite *tt_suite_of(const char *name, const char *tcase, double timeout,
                   const TTest *const *tests);

#endif
