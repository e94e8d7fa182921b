/*
 * Helpers shared by the sweep-file loader tests (see config_fixtures.h).
 */
#include "config_fixtures.h"

#include <stdio.h>

char *diags_dump(const tt_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tt_diags_print(d, f);
    fclose(f);
    return buf;
}
