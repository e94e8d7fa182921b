/*
 * libFuzzer target for the metric-line parser: any bytes, as one line, must
 * parse without a crash, a read past len, or UB, and what comes out must
 * keep the header's promises (bounded count, well-formed names, no step
 * key reported as a metric).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool name_ok(const char *name)
{
    size_t n = strnlen(name, TT_METRIC_NAME_MAX);
    if (n == 0 || n >= TT_METRIC_NAME_MAX)
        return false;
    if (strcmp(name, "step") == 0 || strcmp(name, "epoch") == 0 || strcmp(name, "iter") == 0 ||
        strcmp(name, "iteration") == 0 || strcmp(name, "global_step") == 0)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = name[k];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool other = (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '-';
        if (!alpha && !(k > 0 && other))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_metric_line ml;
    size_t n = tt_metric_parse_line((const char *)data, size, &ml);
    if (n != ml.n || n > TT_METRIC_LINE_MAX_VALUES)
        abort();
    for (size_t k = 0; k < n; k++) {
        if (!name_ok(ml.kv[k].name))
            abort();
        for (size_t m = 0; m < k; m++)
            if (strcmp(ml.kv[k].name, ml.kv[m].name) == 0)
                abort();
    }
    double v;
    if (tt_metric_parse_number((const char *)data, size, &v) && size == 0)
        abort();
    return 0;
}
