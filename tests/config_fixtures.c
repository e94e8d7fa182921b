/*
 * Helpers shared by the sweep-file loader tests (see config_fixtures.h).
 */
#include "config_fixtures.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

char *diags_dump(const tt_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tt_diags_print(d, f);
    fclose(f);
    return buf;
}

tt_sweep *sweep_load_valid(const char *path)
{
    tt_diags d = {0};
    tt_sweep *s = tt_sweep_load(path, &d);
    char *all = diags_dump(&d);
    ck_assert_msg(s != NULL && d.n_errors == 0, "%s should load:\n%s", path, all);
    ck_assert_msg(s->space->n > 0, "%s has no parameter", path);
    free(all);
    tt_diags_free(&d);
    return s;
}

const tt_param *sweep_param(const tt_sweep *s, const char *name)
{
    long i = tt_space_find(s->space, name);
    ck_assert_msg(i >= 0, "no parameter %s", name);
    return &s->space->params[i];
}
