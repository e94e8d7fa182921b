/*
 * metric_csv — reads $TUNETOP_METRICS_FILE incrementally as a trial
 * appends rows to it.
 *
 * libcsv does the CSV itself (quotes, embedded commas and newlines) and
 * keeps its own state between calls, so a row may be split anywhere across
 * reads. On top of it this file keeps the header, finds the step column,
 * turns cells into numbers and reports each complete row's points at once
 * (the step cell may come after the metric cells).
 *
 * Bounds, because the file is written by a program we do not trust: one
 * field is at most TT_METRIC_CSV_FIELD_MAX bytes (libcsv's buffer is grown
 * through a realloc that refuses more; the rest of that line is skipped and
 * counted as a bad row), and only the first TT_METRIC_CSV_COLUMNS_MAX
 * columns are read. Bytes are handed to libcsv up to each line end, so the
 * reader knows the offset just past the last complete row (`consumed`),
 * which a restarted runner needs to resume without duplicates.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"

typedef struct csv_column {
    char name[TT_METRIC_NAME_MAX];
    bool used;                /* a metric column (valid name, not the step) */
} csv_column;

typedef struct row_point {
    size_t column;
    double value;
} row_point;

struct tt_metric_csv {
    struct csv_parser parser;
    bool have_header;
    bool bom_done;            /* the stream's start was checked for a BOM */
    size_t bom_matched;       /* BOM bytes seen and held back so far */
    bool skip_line;           /* after an over-long field: up to the next line end */
    csv_column *columns;
    size_t n_columns, cap_columns;
    long step_column;         /* -1 when rows are numbered */
    /* the row being read */
    size_t cell;
    row_point *points;
    size_t n_points;
    bool row_has_step;
    long row_step;
    bool row_ended;
    /* counters */
    long rows;
    uint64_t bad_cells, bad_rows;
    uint64_t fed, consumed;
    /* the callback of the current feed */
    tt_metric_point_fn fn;
    void *ud;
};

/* libcsv grows its field buffer with this; refusing is how a field's size
 * is bounded (libcsv then stops with CSV_ENOMEM). */
static void *bounded_realloc(void *p, size_t n)
{
    if (n > TT_METRIC_CSV_FIELD_MAX)
        return NULL;
    return realloc(p, n);
}

static void parser_start(tt_metric_csv *mc)
{
    csv_init(&mc->parser, 0);
    csv_set_realloc_func(&mc->parser, bounded_realloc);
    csv_set_blk_size(&mc->parser, 1024);
}

tt_metric_csv *tt_metric_csv_new(void)
{
    tt_metric_csv *mc = tt_xcalloc(1, sizeof *mc);
    mc->step_column = -1;
    parser_start(mc);
    return mc;
}

void tt_metric_csv_reset(tt_metric_csv *mc)
{
    csv_free(&mc->parser);
    free(mc->columns);
    free(mc->points);
    memset(mc, 0, sizeof *mc);
    mc->step_column = -1;
    parser_start(mc);
}

void tt_metric_csv_free(tt_metric_csv *mc)
{
    if (!mc)
        return;
    csv_free(&mc->parser);
    free(mc->columns);
    free(mc->points);
    free(mc);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*s)[*n - 1]))
        (*n)--;
}

static bool is_step_name(const char *s)
{
    return strcmp(s, "step") == 0 || strcmp(s, "epoch") == 0 || strcmp(s, "iter") == 0 ||
           strcmp(s, "iteration") == 0 || strcmp(s, "global_step") == 0;
}

static void header_cell(tt_metric_csv *mc, const char *s, size_t n)
{
    if (mc->cell >= TT_METRIC_CSV_COLUMNS_MAX)
        return;
    trim(&s, &n);
    tt_grow((void **)&mc->columns, &mc->cap_columns, mc->cell + 1, sizeof *mc->columns);
    csv_column *col = &mc->columns[mc->cell];
    col->used = n > 0 && n < TT_METRIC_NAME_MAX;
    for (size_t k = 0; col->used && k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            col->used = false;
    col->name[0] = '\0';
    if (col->used) {
        memcpy(col->name, s, n);
        col->name[n] = '\0';
        if (mc->step_column < 0 && is_step_name(col->name)) {
            mc->step_column = (long)mc->cell;
            col->used = false;
        }
    }
    mc->n_columns = mc->cell + 1;
}

static void data_cell(tt_metric_csv *mc, const char *s, size_t n)
{
    if (mc->cell >= mc->n_columns)
        return;
    bool is_step = (long)mc->cell == mc->step_column;
    if (!is_step && !mc->columns[mc->cell].used)
        return;
    trim(&s, &n);
    double v;
    if (!tt_metric_parse_number(s, n, &v)) {
        mc->bad_cells++;
        return;
    }
    if (is_step) {
        if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == (double)(long)v) {
            mc->row_has_step = true;
            mc->row_step = (long)v;
        } else {
            mc->bad_cells++;
        }
        return;
    }
    mc->points[mc->n_points].column = mc->cell;
    mc->points[mc->n_points].value = v;
    mc->n_points++;
}

static void on_field(void *field, size_t n, void *ud)
{
    tt_metric_csv *mc = ud;
    const char *s = field ? field : "";
    if (mc->have_header)
        data_cell(mc, s, n);
    else
        header_cell(mc, s, n);
    mc->cell++;
}

static void on_row(int c, void *ud)
{
    (void)c;
    tt_metric_csv *mc = ud;
    mc->row_ended = true;
    if (!mc->have_header) {
        mc->have_header = true;
        mc->points = tt_xcalloc(mc->n_columns ? mc->n_columns : 1, sizeof *mc->points);
    } else {
        /* A step cell that is missing or bad: the row keeps its number. */
        long step = mc->row_has_step ? mc->row_step : mc->rows;
        for (size_t k = 0; k < mc->n_points; k++)
            if (mc->fn)
                mc->fn(step, mc->columns[mc->points[k].column].name, mc->points[k].value, mc->ud);
        mc->rows++;
    }
    mc->cell = 0;
    mc->n_points = 0;
    mc->row_has_step = false;
}

/* A field outgrew TT_METRIC_CSV_FIELD_MAX: drop the row and the parser's
 * state, and skip to the next line end. */
static void drop_row(tt_metric_csv *mc)
{
    csv_free(&mc->parser);
    parser_start(mc);
    mc->bad_rows++;
    mc->skip_line = true;
    mc->cell = 0;
    mc->n_points = 0;
    mc->row_has_step = false;
    if (!mc->have_header) {
        mc->n_columns = 0;
        mc->step_column = -1;
    }
}

static const char *find_line_end(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] == '\n' || s[k] == '\r')
            return s + k;
    return NULL;
}

static int feed_bytes(tt_metric_csv *mc, const char *data, size_t n, tt_error *err)
{
    while (n > 0) {
        const char *end = find_line_end(data, n);
        size_t piece = end ? (size_t)(end - data) + 1 : n;
        if (mc->skip_line) {
            if (end) {
                mc->skip_line = false;
                mc->consumed = mc->fed + piece;
            }
            mc->fed += piece;
            data += piece;
            n -= piece;
            continue;
        }
        mc->row_ended = false;
        size_t used = csv_parse(&mc->parser, data, piece, on_field, on_row, mc);
        if (used < piece) {
            int status = csv_error(&mc->parser);
            if (status != CSV_ENOMEM && status != CSV_ETOOBIG)
                return tt_error_set(err, TT_ERR_INVALID, "metrics file: %s",
                                    csv_strerror(status));
            drop_row(mc);
            mc->fed += used;
            data += used;
            n -= used;
            continue;
        }
        mc->fed += piece;
        if (mc->row_ended)
            mc->consumed = mc->fed;
        data += piece;
        n -= piece;
    }
    return 0;
}

static const char utf8_bom[3] = {'\xEF', '\xBB', '\xBF'};

/* A UTF-8 byte-order mark (Excel, pandas' utf-8-sig) before the header is
 * dropped: in front of a quoted name it would unquote it. It may arrive
 * split across feeds, so matched bytes are held back until decided. */
static int skip_bom(tt_metric_csv *mc, const char **data, size_t *n, tt_error *err)
{
    while (*n > 0 && mc->bom_matched < sizeof utf8_bom && **data == utf8_bom[mc->bom_matched]) {
        mc->bom_matched++;
        (*data)++;
        (*n)--;
    }
    if (mc->bom_matched == sizeof utf8_bom) {
        mc->bom_done = true;
        mc->fed += sizeof utf8_bom;
        return 0;
    }
    if (*n == 0)
        return 0;
    mc->bom_done = true;
    return feed_bytes(mc, utf8_bom, mc->bom_matched, err);
}

int tt_metric_csv_feed(tt_metric_csv *mc, const char *data, size_t n, tt_metric_point_fn fn,
                       void *ud, tt_error *err)
{
    mc->fn = fn;
    mc->ud = ud;
    int rc = 0;
    if (!mc->bom_done)
        rc = skip_bom(mc, &data, &n, err);
    if (rc == 0)
        rc = feed_bytes(mc, data, n, err);
    mc->fn = NULL;
    return rc;
}

int tt_metric_csv_finish(tt_metric_csv *mc, tt_metric_point_fn fn, void *ud, tt_error *err)
{
    mc->fn = fn;
    mc->ud = ud;
    int rc = 0;
    if (!mc->bom_done) {
        mc->bom_done = true;
        rc = feed_bytes(mc, utf8_bom, mc->bom_matched, err);
    }
    if (!mc->skip_line)
        csv_fini(&mc->parser, on_field, on_row, mc);
    mc->skip_line = false;
    mc->consumed = mc->fed;
    mc->fn = NULL;
    return rc;
}

uint64_t tt_metric_csv_bad_cells(const tt_metric_csv *mc)
{
    return mc->bad_cells;
}

uint64_t tt_metric_csv_bad_rows(const tt_metric_csv *mc)
{
    return mc->bad_rows;
}

long tt_metric_csv_rows(const tt_metric_csv *mc)
{
    return mc->rows;
}

uint64_t tt_metric_csv_consumed(const tt_metric_csv *mc)
{
    return mc->consumed;
}
