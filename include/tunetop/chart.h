/*
 * chart — a character-cell canvas and the line charts drawn on it, for the
 * dashboard's loss curves and optimisation history. Pure: no ncurses, no
 * I/O, no clock; the panel asks each cell for its text and colour and draws
 * them itself, so the whole picture can be tested as a string.
 *
 * A canvas has cols × rows cells, and each cell holds a small grid of dots:
 *   braille  2 × 4 dots per cell, shown as U+2800 + the dot bits (dots
 *            1-2-3-7 are the left column top to bottom, 4-5-6-8 the right);
 *   ASCII    1 × 3 dots per cell (three sub-rows), shown as ' (top), -
 *            (middle), _ (bottom); a cell crossed by a steep segment over two
 *            or more sub-rows shows / or \ by the segment's direction, or |
 *            when it is vertical or both directions crossed it.
 * Dot coordinates: x grows rightwards from 0 to tt_canvas_width() - 1,
 * y grows downwards from 0 (the top) to tt_canvas_height() - 1.
 *
 * A cell has one colour: that of the last line that put a dot in it, so a
 * chart draws its most important series last (tt_chart_series.layer).
 *
 * Under the lines a canvas holds shaded dots (a band: a range per dot
 * column, tt_canvas_span) and over them markers (tt_canvas_mark). A cell
 * shows its marker if it has one, else its lines' dots, else its shade:
 * a line hides the band in the cells it crosses whatever the order they
 * were drawn in, as an opaque line lies on a shaded area.
 */
#ifndef TUNETOP_CHART_H
#define TUNETOP_CHART_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tt_canvas tt_canvas;

/* A blank canvas of cols × rows cells (each at least 1). Never NULL. */
tt_canvas *tt_canvas_new(int cols, int rows, bool braille);
void tt_canvas_free(tt_canvas *c);
/* Remove every dot and colour. */
void tt_canvas_clear(tt_canvas *c);
int tt_canvas_cols(const tt_canvas *c);
int tt_canvas_rows(const tt_canvas *c);
bool tt_canvas_braille(const tt_canvas *c);
/* Size in dots: cols × 2 and rows × 4 (braille), cols and rows × 3 (ASCII). */
int tt_canvas_width(const tt_canvas *c);
int tt_canvas_height(const tt_canvas *c);

/* Set the dot at (round(x), round(y)); dots off the canvas are ignored. */
void tt_canvas_dot(tt_canvas *c, double x, double y, int color);
/* A straight line of dots between two points in dot coordinates (ends
 * rounded to the nearest dot, Bresenham between them), clipped to the
 * canvas. A segment with a NaN or infinite end draws nothing. */
void tt_canvas_line(tt_canvas *c, double x0, double y0, double x1, double y1, int color);

/* Shade dot column round(x) from y0 to y1 (either order; clipped) in
 * color: in braille every other dot of the column (a checkerboard with its
 * neighbours, so a filled cell is ⢕, lighter than a line) and both ends,
 * so the band's edges are exact; in ASCII every dot, a cell with any
 * shown as ':'. A NaN or infinite argument shades nothing. */
void tt_canvas_span(tt_canvas *c, double x, double y0, double y1, int color);
/* A marker at (round(x), round(y)): its cell shows "◆" (braille) or "*"
 * (ASCII) in color instead of its dots. Off the canvas: ignored. */
void tt_canvas_mark(tt_canvas *c, double x, double y, int color);

/* The cell at (col, row): its UTF-8 text in utf8 (NUL-terminated; " " when
 * empty) and in *color (may be NULL) the colour of the last line that drew
 * in it, or -1 when empty. Returns 1 when the cell has dots, 0 when empty,
 * -1 (with " " and -1) when col/row are outside the canvas. */
int tt_canvas_cell(const tt_canvas *c, int col, int row, char utf8[8], int *color);
/* The whole canvas as text, rows separated by '\n' (no trailing newline),
 * for tests and logs. The caller frees it. */
char *tt_canvas_render(const tt_canvas *c);

/* One line of a chart: n points (x[i], y[i]). x may be NULL: the index is
 * then the x value. x should not decrease (steps, trial numbers). NaN and
 * infinite points are skipped and break the line there. Series are drawn in
 * increasing layer (ties in array order), so the highest layer is on top. */
typedef struct tt_chart_series {
    const double *x, *y;
    size_t n;
    int color;
    int layer;
} tt_chart_series;

/* NAN in a bound means automatic. log_y plots log10(y) and skips points
 * with y <= 0 (a loss of exactly 0 has no place on a log axis); a
 * non-positive y bound is then treated as automatic. A fixed range where
 * min >= max is widened as a constant one is. */
typedef struct tt_chart_opts {
    bool log_y;
    double x_min, x_max, y_min, y_max;
} tt_chart_opts;

/* The ranges a chart was drawn with, in data units (not logarithms): the
 * left/right dot columns are x_min/x_max, the bottom/top dot rows
 * y_min/y_max. Use them (with tt_chart_y_at) to place tick labels. */
typedef struct tt_chart_axes {
    double x_min, x_max, y_min, y_max;
    bool log_y;
} tt_chart_axes;

/* Draw n series onto c (which is not cleared first). Automatic ranges span
 * the plotted points: x exactly, y with 5% of the span added above and
 * below (in log10 units for log_y) so that extremes do not sit on the
 * frame. A constant range (one value) is widened by 10% of the value (1
 * when the value is 0) on each side, so a constant series is a flat line in
 * the middle. Every series costs O(n) however long: points are reduced to
 * one vertical min–max stroke per dot column joined to its neighbours, which
 * is exactly what drawing each segment would show, so a one-step spike in
 * 100,000 points stays visible. out (may be NULL) receives the ranges;
 * with no plottable point they are 0..1. Returns the number of points
 * plotted (0: the caller may say "no data"). */
size_t tt_chart_plot(tt_canvas *c, const tt_chart_series *s, size_t n,
                     const tt_chart_opts *opts, tt_chart_axes *out);

/* A band under a chart's lines: in dot column k (0 ≤ k < n) the range
 * between lo[k] and hi[k], in data units (NaN: nothing in that column; on
 * a log axis a bound ≤ 0 is nothing too). Its columns are the canvas's
 * dot columns, so they must have been computed for the chart's x range
 * and width: tt_chart_column_quantiles with the opts the chart is drawn
 * with, whose x_min and x_max should then be fixed (not NaN) so the lines
 * are scaled to the same range. */
typedef struct tt_chart_band {
    const double *lo, *hi;
    size_t n;
    int color;
} tt_chart_band;

/* tt_chart_plot with a band (may be NULL) shaded under the series: the
 * automatic y range spans the band too, and each of its columns with a
 * range counts as a point plotted. */
size_t tt_chart_plot_band(tt_canvas *c, const tt_chart_band *band, const tt_chart_series *s,
                          size_t n, const tt_chart_opts *opts, tt_chart_axes *out);

/* Mark the point (x, y), in data units, of a chart drawn with axes on c
 * (tt_canvas_mark); on a log axis y ≤ 0 is not marked. */
void tt_chart_mark(tt_canvas *c, const tt_chart_axes *axes, double x, double y, int color);

/* Per dot column quantiles of points, for a band: each point (x[i], y[i])
 * goes to the dot column in which tt_chart_plot would draw it on a canvas
 * `width` dots wide with range's x range (range->x_min/x_max; NaN: the
 * points' own, as for a chart of these points alone) and log_y; then in
 * each column, for each j < nq, out[j][col] gets the q[j] quantile of the
 * column's y values: linear between the order statistics around rank
 * (count - 1)·q (R's default, type 7; numpy's "linear"), so q = 0 and 1
 * are the column's minimum and maximum. A column without points gets NaN.
 * Points with a NaN or infinite coordinate, off the x range, or (log_y)
 * with y ≤ 0 are left out. x need not be sorted. Ask the q in increasing
 * order: the column's order statistics are then found together, O(n)
 * expected in all (Hoare's selection, no sort). Returns the points used. */
size_t tt_chart_column_quantiles(const tt_chart_series *points, const tt_chart_opts *range,
                                 int width, const double *q, size_t nq, double *const *out);

/* The y value (data units) at the centre of cell row `row` (0 = top) of a
 * chart drawn with axes on a canvas of `rows` rows of cells, following the
 * log scale; likewise x at cell column `col`. For tick labels. */
double tt_chart_y_at(const tt_chart_axes *axes, const tt_canvas *c, int row);
double tt_chart_x_at(const tt_chart_axes *axes, const tt_canvas *c, int col);

/* A compact tick label, at most 7 characters for finite values: "0", "0.25",
 * "-3.5", "123", "1.2e-05", "1k", "12.5k", "3.2M". buf of 12 bytes is enough;
 * shorter buffers truncate. */
void tt_chart_format_tick(double v, char *buf, size_t n);

/* The best-so-far staircase of y (for the optimisation history): out[i] is
 * the lowest (minimize) or highest y[0..i], ignoring NaN; NaN before the
 * first number. out may be y. Returns the index of the best point, or n
 * when there is none. */
size_t tt_chart_best_so_far(const double *y, size_t n, bool minimize, double *out);


/* ---- what the charts of several kinds share (slice.c, slots.c) ---------
 * `tunetop plot` (src/cli) and the dashboard's views (src/ui) draw the same
 * charts; the parts that turn a study's records into chart coordinates
 * live here, once, so the two cannot drift apart. */

struct tt_param;
struct tt_trial_record;

/* How a parameter's values lie along a slice chart's x axis: as they are,
 * as log10 (a log-distributed parameter, spread as the sampler drew it),
 * or as category indices 0..n-1 (a categorical or constant: one column of
 * points per value). */
typedef enum tt_slice_scale {
    TT_SLICE_LINEAR,
    TT_SLICE_LOG10,
    TT_SLICE_CATEGORIES
} tt_slice_scale;

tt_slice_scale tt_slice_scale_of(const struct tt_param *p);
/* The x of trial r in a slice of parameter p: false when r has no point
 * there (not completed, no finite objective, p inactive or absent, a value
 * that is no category of p, a log value <= 0). Matched by parameter name;
 * *hint (start it at 0) remembers where p was in the last record, so a
 * study of one space version costs one comparison per trial. A categorical
 * value is its stored index, else the category whose text matches (a
 * trial of an older space version). */
bool tt_slice_x(const struct tt_param *p, tt_slice_scale scale,
                const struct tt_trial_record *r, size_t *hint, double *x);
/* The x range of a slice of n points x[] (after tt_slice_x): -0.5..n-0.5
 * for n_values categories; else the points' span with 3% of it added on
 * each side, so that no point sits on the y axis; NaN (automatic) when the
 * points do not span a range. */
void tt_slice_x_range(tt_slice_scale scale, size_t n_values, const double *x, size_t n,
                      double *lo, double *hi);
/* A slice x back to the parameter's value (10^x on a log scale). */
double tt_slice_value(tt_slice_scale scale, double x);

/* Slots of a timeline: intervals [start[i], end[i]] taken in order of
 * order[] (indices sorted by start), each put in the lowest slot free by
 * its start (a slot is free once its last interval ended at or before
 * it), as a sweep's parallel slots fill. slot[i] gets interval i's slot;
 * returns the number of slots. The store does not record which slot ran a
 * trial: this packs the bars into as few rows as their overlaps need. */
size_t tt_chart_assign_slots(const double *start, const double *end, const size_t *order,
                             size_t n, size_t *slot);

/* ---- axes of parameters (axis.c) -------------------------------------------
 * An axis of a parameter's values, for the contour and parallel-coordinate
 * charts: linear, log10 (min and max > 0) or categorical (n_categories > 0:
 * value k, 0 ≤ k < n, is the band k of n equal bands, its centre at
 * (k + 0.5) / n). */
typedef struct tt_chart_axis {
    double min, max;        /* data units; ignored for a categorical axis */
    bool log;
    size_t n_categories;
} tt_chart_axis;

/* The position of v along the axis in [0, 1] (0 at min); NAN when v is not
 * finite, off the range (beyond a relative 1e-9), ≤ 0 on a log axis, or not
 * a category's index. A degenerate range (min ≥ max) puts every value at
 * 0.5. */
double tt_chart_axis_pos(const tt_chart_axis *ax, double v);
/* The data value at position p in [0, 1]: the inverse of tt_chart_axis_pos
 * (a categorical axis gives the index of the band holding p). */
double tt_chart_axis_value(const tt_chart_axis *ax, double p);
/* The axis of parameter p (index param of each row) over n rows x[t] /
 * active[t]: a band per choice for a categorical, else log (the parameter's
 * distribution says, tt_dist_log_axis) or linear over the values the rows
 * took (≤ 0 left out on log). False when no row has a value: no axis. */
bool tt_chart_param_axis(const struct tt_param *p, double *const *x, bool *const *active,
                         size_t n, size_t param, tt_chart_axis *ax);

/* ---- contour: a shaded grid (contour.c) ------------------------------------
 * A grid of cols × rows cells over an x and a y axis, each cell shaded by a
 * value (lowest: level 0) with the points of trials on top. Three looks:
 *   ASCII    10 levels " .:-=+*#%@", points 'o', the best 'X';
 *   Unicode  5 levels " ░▒▓█", points '•', the best '◆';
 *   colour   TT_CONTOUR_COLORS levels, the cell's glyph a blank (the
 *            caller paints its background with tt_contour_color256), the
 *            points as in Unicode or ASCII.
 * The dashboard paints the cells, `tunetop plot` prints their glyphs. */
#define TT_CONTOUR_COLORS 10

typedef struct tt_contour tt_contour;

tt_contour *tt_contour_new(int cols, int rows, const tt_chart_axis *x, const tt_chart_axis *y,
                           bool utf8, bool color);
void tt_contour_free(tt_contour *c);
int tt_contour_cols(const tt_contour *c);
int tt_contour_rows(const tt_contour *c);
/* Shading levels of this look (10, 5 or TT_CONTOUR_COLORS). */
int tt_contour_levels(const tt_contour *c);
/* The data value at the centre of column col (row row, 0 = top): where the
 * caller evaluates what it shades. */
double tt_contour_x_at(const tt_contour *c, int col);
double tt_contour_y_at(const tt_contour *c, int row);
/* The cell of data point (x, y): *col, *row; false when off the grid. */
bool tt_contour_cell_of(const tt_contour *c, double x, double y, int *col, int *row);
/* Shade every cell from values[row * cols + col] (NaN: left blank): the
 * finite values' range cut into equal levels, the lowest value level 0. */
void tt_contour_shade(tt_contour *c, const double *values);
/* The range the shading spans (NAN, NAN before any finite value). */
void tt_contour_range(const tt_contour *c, double *lo, double *hi);
/* A trial's point at (x, y) in data units; best marks the best trial,
 * which no later point hides. Off the grid: ignored. */
void tt_contour_point(tt_contour *c, double x, double y, bool best);
/* The cell's text in utf8 (its marker, else its shade glyph; " " when
 * blank) and level (-1 when blank). Returns 2 for the best trial's marker,
 * 1 for a point, 0 for a shade or a blank, -1 off the grid. */
int tt_contour_cell(const tt_contour *c, int col, int row, char utf8[8], int *level);
/* The glyph of level (0 .. levels - 1) in this look (" " in colour). */
const char *tt_contour_glyph(const tt_contour *c, int level);
/* The xterm 256-colour palette index of level of levels: a ramp from dark
 * blue (low) through teal and green to yellow (high), as viridis, whose
 * steps stay distinct in lightness for readers with a colour deficiency. */
int tt_contour_color256(int level, int levels);
/* The grid as text, rows separated by '\n' (tests, logs). Caller frees. */
char *tt_contour_render(const tt_contour *c);

/* ---- parallel coordinates (parallel.c) -------------------------------------
 * One vertical axis per dimension spread evenly across a canvas, each line
 * a polyline through its value on every axis (top: the axis's max; a
 * categorical value at its band's centre). */

/* The dot column of axis k of n (the first at 0, the last at the right
 * edge; a single axis in the middle). */
int tt_parallel_axis_x(const tt_canvas *c, size_t k, size_t n);
/* The dot row of value v on axis ax (0 = top), NAN when v has no place. */
double tt_parallel_y(const tt_canvas *c, const tt_chart_axis *ax, double v);
/* One polyline through values[0..n) on axes[0..n); a NaN value leaves out
 * the segments on either side of it. */
void tt_parallel_line(tt_canvas *c, const tt_chart_axis *axes, size_t n, const double *values,
                      int color);
/* Lines by rank: values holds n_lines rows of n_axes values, the best line
 * first. Tiers: tier_color[0] the best line, [1] the rest of the best 10 %,
 * [2] up to the best half, [3] the rest; drawn worst first so that the
 * best lie on top. At most max_lines are drawn (0: all): every line of the
 * best 10 %, the rest thinned evenly by rank, so that 10,000 lines stay a
 * picture and a frame stays cheap. Returns the lines drawn. */
size_t tt_parallel_plot(tt_canvas *c, const tt_chart_axis *axes, size_t n_axes,
                        const double *values, size_t n_lines, const int tier_color[4],
                        size_t max_lines);

#endif
