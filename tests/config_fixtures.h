/*
 * Helpers shared by the sweep-file loader tests (test_config.c,
 * test_config_samples.c, test_realworld.c).
 */
#ifndef TUNETOP_TESTS_CONFIG_FIXTURES_H
#define TUNETOP_TESTS_CONFIG_FIXTURES_H

#include "tunetop/config.h"

/* What tt_diags_print writes for d (caller frees). */
char *diags_dump(const tt_diags *d);
/* The sweep file at path, asserted to load without an error and with at
 * least one parameter. */
tt_sweep *sweep_load_valid(const char *path);
/* s's parameter name, asserted to exist. */
const tt_param *sweep_param(const tt_sweep *s, const char *name);

#endif
