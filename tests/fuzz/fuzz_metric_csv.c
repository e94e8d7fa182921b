/*
 * libFuzzer target for the incremental metrics-CSV reader: any bytes must
 * be read without a crash, a leak or UB, and — the property the runner
 * relies on — feeding them in pieces cut at a few points derived from the
 * data must report exactly the points one feed reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_point(long step, const char *name, double value, void *ud)
{
    char num[64];
    /* NaN payloads and signs may differ only in bits no one reads. */
    if (value != value)
        snprintf(num, sizeof num, "nan");
    else
        snprintf(num, sizeof num, "%a", value);
    tt_buf_printf(ud, "%ld\x1f%s\x1f%s\n", step, name, num);
}

static char *read_all(const char *s, size_t n, const size_t *cuts, size_t n_cuts,
                      uint64_t *bad)
{
    tt_metric_csv *mc = tt_metric_csv_new();
    tt_buf out = {0};
    tt_error err = {0};
    size_t at = 0;
    for (size_t k = 0; k <= n_cuts; k++) {
        size_t end = k < n_cuts ? cuts[k] : n;
        if (tt_metric_csv_feed(mc, s + at, end - at, on_point, &out, &err) < 0)
            tt_buf_puts(&out, "error\n");
        at = end;
    }
    if (tt_metric_csv_finish(mc, on_point, &out, &err) < 0)
        tt_buf_puts(&out, "error\n");
    if (tt_metric_csv_consumed(mc) != n)
        abort();
    *bad = tt_metric_csv_bad_cells(mc) * 1000003u + tt_metric_csv_bad_rows(mc);
    tt_metric_csv_free(mc);
    return tt_buf_take(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    uint64_t bad_whole, bad_split;
    char *whole = read_all(s, size, NULL, 0, &bad_whole);

    /* Cut points from the data itself: a hash picks 1..4 sorted offsets,
     * so the fuzzer explores rows split mid-field, mid-quote, and between
     * '\r' and '\n'. */
    size_t cuts[4], n_cuts = 0;
    if (size > 0) {
        uint64_t h = 14695981039346656037u; /* FNV-1a */
        for (size_t k = 0; k < size; k++)
            h = (h ^ data[k]) * 1099511628211u;
        n_cuts = 1 + (size_t)(h & 3);
        for (size_t k = 0; k < n_cuts; k++) {
            h = h * 6364136223846793005u + 1442695040888963407u;
            cuts[k] = (size_t)((h >> 33) % (size + 1));
        }
        for (size_t k = 1; k < n_cuts; k++)
            for (size_t m = k; m > 0 && cuts[m - 1] > cuts[m]; m--) {
                size_t t = cuts[m];
                cuts[m] = cuts[m - 1];
                cuts[m - 1] = t;
            }
    }
    char *split = read_all(s, size, cuts, n_cuts, &bad_split);
    if (strcmp(whole, split) != 0 || bad_whole != bad_split)
        abort();

    /* And the same bytes one at a time, for short inputs. */
    if (size <= 256) {
        size_t every[256];
        for (size_t k = 0; k < size; k++)
            every[k] = k;
        char *bytes = read_all(s, size, every, size, &bad_split);
        if (strcmp(whole, bytes) != 0 || bad_whole != bad_split)
            abort();
        free(bytes);
    }
    free(split);
    free(whole);
    return 0;
}
