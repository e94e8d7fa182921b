/*
 * csvout — writing CSV fields. libcsv always quotes; a field that needs no
 * quoting is written bare so that output stays readable in a terminal and
 * diffs cleanly, while anything with a comma, quote, newline or edge space
 * goes through libcsv's quoting.
 */
#include "tunetop/util.h"

#include <csv.h>
#include <string.h>

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

int tt_csv_field(FILE *out, const char *field)
{
    int rc;
    if (needs_quotes(field))
        rc = csv_fwrite(out, field, strlen(field));
    else
        rc = fputs(field, out) < 0 ? -1 : 0;
    return rc == 0 ? 0 : -TT_ERR_IO;
}
