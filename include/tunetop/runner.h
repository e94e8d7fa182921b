/*
 * runner — the background process manager of one study: event loop,
 * executors, the shim, file tailing, metric parsing and commands.
 *
 * This header starts with the ingest layer: turning the bytes a trial writes
 * (stdout.log, stderr.log, $TUNETOP_METRICS_FILE) into metric points. It is
 * pure (no I/O): the runner reads whatever new bytes a file has on each tick
 * and feeds them here, so a line or CSV row split across two reads, a 10 MB
 * line without a newline, binary garbage or NaN never confuse it.
 */
#ifndef TUNETOP_RUNNER_H
#define TUNETOP_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/util.h"

/* ---- metric lines (stdout/stderr) ---------------------------------------- */

#define TT_METRIC_NAME_MAX 64
#define TT_METRIC_LINE_MAX_VALUES 64

typedef struct tt_metric_kv {
    char name[TT_METRIC_NAME_MAX];
    double value;         /* may be NAN or ±inf: "nan", "inf" are values */
} tt_metric_kv;

typedef struct tt_metric_line {
    bool has_step;
    long step;            /* from step/epoch/iter/iteration/global_step */
    size_t n;
    tt_metric_kv kv[TT_METRIC_LINE_MAX_VALUES];
} tt_metric_line;

/* Parse one line (without its newline; need not be NUL-terminated; any
 * bytes, NULs included) in any of the trial-protocol forms: `k=v` and
 * `k: v` pairs separated by anything else (blanks, commas, Keras' ` - `,
 * tqdm's `, `), or, when the line starts with `{` after blanks, a JSON
 * object (numbers only; nested objects flatten to dotted names; arrays,
 * strings, booleans and null are skipped; Python dict reprs with single
 * quotes, NaN and Infinity are read too; a syntax error ends the parse but
 * keeps what came before it).
 * Names: [A-Za-z_][A-Za-z0-9_./-]*, at most TT_METRIC_NAME_MAX-1 bytes
 * (longer ones are skipped, not truncated); a name must be a whole word
 * (`2ms/step` is not `ms/step`). Values: decimal numbers with optional
 * exponent, nan, inf, infinity (any case, optional sign); no hex. A value
 * must be followed by the end of the line, a blank, or one of , ; ) ] } | " '
 * — so `0.25s`, `12%` and `3:20` are not values.
 * Steps: the keys step, epoch, iter, iteration, global_step (lower case;
 * top level only in JSON) with an integral value (3.0 is 3; 2.5 is
 * ignored) fill step and are not metrics; a line starting with `Epoch N`
 * (`Epoch 3:`, `Epoch 3/10`, `Epoch [3/10]`) gives step N unless a step key
 * follows. At most TT_METRIC_LINE_MAX_VALUES names (more are dropped); a
 * repeated name keeps its last value. Returns the number of metric values
 * found (0 for a line with none; a line may set has_step and still
 * return 0, like Keras' `Epoch 3/10`). */
size_t tt_metric_parse_line(const char *line, size_t len, tt_metric_line *out);

/* Whether s[0..len) is exactly one value as tt_metric_parse_line reads it
 * (no blanks around it); stores it in *out. */
bool tt_metric_parse_number(const char *s, size_t len, double *out);

/* ---- line splitting ------------------------------------------------------- */

/* Splits a byte stream into lines across feeds; "\r\n" ends a line like
 * "\n" (one trailing '\r' is dropped, also across feeds). A line longer
 * than max_line is delivered truncated to max_line bytes once (flag set)
 * and the rest of it skipped, so memory stays bounded whatever the trial
 * prints: pending never holds more than max_line + 1 bytes, allocated once,
 * when a first line is left unfinished by a feed. Bytes fed but not yet delivered = pending.len (0 while
 * skipping). */
typedef struct tt_line_splitter {
    tt_buf pending;
    size_t max_line;
    bool skipping;        /* inside an over-long line */
    uint64_t lines, truncated;
} tt_line_splitter;

void tt_line_splitter_init(tt_line_splitter *ls, size_t max_line);
/* fn(line, len, truncated, ud) for each complete line in data; line is
 * borrowed for the call only and is not NUL-terminated. Empty lines are
 * delivered too. */
void tt_line_splitter_feed(tt_line_splitter *ls, const char *data, size_t n,
                           void (*fn)(const char *line, size_t len, bool truncated, void *ud),
                           void *ud);
/* Deliver a final unterminated line (at trial end); the splitter can then
 * be fed again. */
void tt_line_splitter_finish(tt_line_splitter *ls,
                             void (*fn)(const char *line, size_t len, bool truncated, void *ud),
                             void *ud);
void tt_line_splitter_free(tt_line_splitter *ls);

/* ---- metrics CSV ($TUNETOP_METRICS_FILE) ---------------------------------- */

/* Incremental CSV reader (libcsv): the first row is the header (names
 * trimmed of blanks, a UTF-8 BOM dropped; a name may hold anything but
 * control characters, quoted commas included; empty or over-long names
 * make their column ignored); the first column named step/epoch/iter/
 * iteration/global_step gives the step, otherwise data rows are numbered
 * from 0 (a row whose step cell is empty or not an integer keeps its
 * number, and the cell counts as bad). Every other cell that is a number
 * (as tt_metric_parse_number, after trimming; nan/inf included) is a
 * metric point; empty or non-numeric cells are skipped and counted in
 * bad_cells. Cells past the header's width are ignored. A row split
 * anywhere across feeds gives the same points as in one feed; each row's
 * points are reported together, in column order, when it ends.
 * Bounds: only the first TT_METRIC_CSV_COLUMNS_MAX columns are read; a
 * field of TT_METRIC_CSV_FIELD_MAX bytes or more drops its row (counted in
 * bad_rows) and the rest of its line. */
#define TT_METRIC_CSV_COLUMNS_MAX 1024
#define TT_METRIC_CSV_FIELD_MAX (64 * 1024)

typedef struct tt_metric_csv tt_metric_csv;

typedef void (*tt_metric_point_fn)(long step, const char *name, double value, void *ud);

tt_metric_csv *tt_metric_csv_new(void);
void tt_metric_csv_free(tt_metric_csv *mc);
/* Forget everything (header, partial row, counters): the file was
 * truncated or recreated, and the next bytes fed start with a header. */
void tt_metric_csv_reset(tt_metric_csv *mc);
/* Feed new bytes; points are reported for each complete row. Returns 0, or
 * -TT_ERR_INVALID (err filled) when the stream cannot be CSV any more
 * (libcsv's own failure; not expected in its lenient mode). */
int tt_metric_csv_feed(tt_metric_csv *mc, const char *data, size_t n, tt_metric_point_fn fn,
                       void *ud, tt_error *err);
/* End of stream: a last row without a newline is reported. Feeding may go
 * on afterwards (the next bytes start a new row). */
int tt_metric_csv_finish(tt_metric_csv *mc, tt_metric_point_fn fn, void *ud, tt_error *err);
uint64_t tt_metric_csv_bad_cells(const tt_metric_csv *mc);
/* Rows dropped for an over-long field. */
uint64_t tt_metric_csv_bad_rows(const tt_metric_csv *mc);
/* Data rows reported so far (the number the next unnumbered row gets). */
long tt_metric_csv_rows(const tt_metric_csv *mc);
/* Bytes fed (since new/reset) up to the end of the last complete row,
 * header included. A restarted runner can resume exactly by feeding bytes
 * [0, consumed) again with a callback that ignores points, then going on
 * from there. */
uint64_t tt_metric_csv_consumed(const tt_metric_csv *mc);

/* ---- the runner ------------------------------------------------------------ */

typedef struct tt_runner_opts {
    const char *study_dir;
    FILE *progress;       /* one line per trial state change; NULL = quiet */
} tt_runner_opts;

/* Run the study until it finishes, is stopped, or a signal asks the runner
 * to leave (SIGTERM/SIGHUP: trials keep running and are re-adopted by the
 * next runner; SIGINT: stop now). Returns 0, or a negative code with err
 * filled (lock held by another runner, unreadable study, ...). */
int tt_runner_run(const tt_runner_opts *opts, tt_error *err);

/* The hidden `tunetop __shim` subcommand (see src/runner/shim.c); argv
 * starts at "__shim". Returns the process exit status. */
int tt_shim_main(int argc, char **argv);

#endif
