/*
 * contour — a shaded grid of a value over two axes (the random forest's
 * predicted objective over two parameters) with the trials as points on
 * top: the contour view of the dashboard and `tunetop plot --kind
 * contour`. One cell is one grid point: a terminal cell is the finest
 * shading it can show, and the caller evaluates its model once per cell.
 *
 * Levels cut the range of the finite values into equal steps, the lowest
 * value at level 0 (the lightest glyph, the darkest colour): on a loss, the
 * good region is the quiet one and the points of the trials stand out on
 * it. ASCII has 10 density glyphs; Unicode's shade blocks give 5 (a blank
 * and ░▒▓█); 256-colour terminals get a ramp of backgrounds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/chart.h"
#include "tunetop/util.h"

struct tt_contour {
    int cols, rows;
    tt_chart_axis x, y;
    bool utf8, color;
    signed char *level;     /* rows × cols; -1: blank */
    unsigned char *mark;    /* 0, 1 a point, 2 the best */
    double lo, hi;
};

static const char *const ascii_ramp[] = {" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"};
static const char *const block_ramp[] = {" ", "\u2591", "\u2592", "\u2593", "\u2588"};

tt_contour *tt_contour_new(int cols, int rows, const tt_chart_axis *x, const tt_chart_axis *y,
                           bool utf8, bool color)
{
    tt_contour *c = tt_xcalloc(1, sizeof *c);
    c->cols = cols > 0 ? cols : 1;
    c->rows = rows > 0 ? rows : 1;
    c->x = *x;
    c->y = *y;
    c->utf8 = utf8;
    c->color = color;
    size_t n = (size_t)c->cols * (size_t)c->rows;
    c->level = tt_xmalloc(n);
    memset(c->level, -1, n);
    c->mark = tt_xcalloc(n, 1);
    c->lo = c->hi = NAN;
    return c;
}

void tt_contour_free(tt_contour *c)
{
    if (!c)
        return;
    free(c->level);
    free(c->mark);
    free(c);
}

int tt_contour_cols(const tt_contour *c) { return c->cols; }
int tt_contour_rows(const tt_contour *c) { return c->rows; }

int tt_contour_levels(const tt_contour *c)
{
    return c->color ? TT_CONTOUR_COLORS : c->utf8 ? 5 : 10;
}

double tt_contour_x_at(const tt_contour *c, int col)
{
    return tt_chart_axis_value(&c->x, (col + 0.5) / c->cols);
}

double tt_contour_y_at(const tt_contour *c, int row)
{
    return tt_chart_axis_value(&c->y, 1.0 - (row + 0.5) / c->rows);
}

bool tt_contour_cell_of(const tt_contour *c, double x, double y, int *col, int *row)
{
    double px = tt_chart_axis_pos(&c->x, x), py = tt_chart_axis_pos(&c->y, y);
    if (isnan(px) || isnan(py))
        return false;
    int i = (int)floor(px * c->cols), j = (int)floor(py * c->rows);
    *col = i >= c->cols ? c->cols - 1 : i;
    *row = c->rows - 1 - (j >= c->rows ? c->rows - 1 : j);
    return true;
}

void tt_contour_shade(tt_contour *c, const double *values)
{
    size_t n = (size_t)c->cols * (size_t)c->rows;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++)
        if (isfinite(values[k])) {
            lo = fmin(lo, values[k]);
            hi = fmax(hi, values[k]);
        }
    int levels = tt_contour_levels(c);
    c->lo = lo <= hi ? lo : NAN;
    c->hi = lo <= hi ? hi : NAN;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(values[k])) {
            c->level[k] = -1;
            continue;
        }
        /* a constant grid is all level 0: nothing to tell apart */
        int l = hi > lo ? (int)floor((values[k] - lo) / (hi - lo) * levels) : 0;
        c->level[k] = (signed char)(l >= levels ? levels - 1 : l < 0 ? 0 : l);
    }
}

void tt_contour_range(const tt_contour *c, double *lo, double *hi)
{
    *lo = c->lo;
    *hi = c->hi;
}

void tt_contour_point(tt_contour *c, double x, double y, bool best)
{
    int col, row;
    if (!tt_contour_cell_of(c, x, y, &col, &row))
        return;
    unsigned char *m = &c->mark[(size_t)row * (size_t)c->cols + (size_t)col];
    if (best || *m == 0)
        *m = best ? 2 : 1;
}

const char *tt_contour_glyph(const tt_contour *c, int level)
{
    if (c->color || level < 0)
        return " ";
    if (c->utf8)
        return block_ramp[level > 4 ? 4 : level];
    return ascii_ramp[level > 9 ? 9 : level];
}

int tt_contour_cell(const tt_contour *c, int col, int row, char utf8[8], int *level)
{
    snprintf(utf8, 8, " ");
    if (level)
        *level = -1;
    if (col < 0 || row < 0 || col >= c->cols || row >= c->rows)
        return -1;
    size_t k = (size_t)row * (size_t)c->cols + (size_t)col;
    if (level)
        *level = c->level[k];
    if (c->mark[k]) {
        bool best = c->mark[k] == 2;
        snprintf(utf8, 8, "%s", c->utf8 ? (best ? "\u25c6" : "\u2022") : (best ? "X" : "o"));
        return c->mark[k];
    }
    snprintf(utf8, 8, "%s", tt_contour_glyph(c, c->level[k]));
    return 0;
}

int tt_contour_color256(int level, int levels)
{
    /* viridis at 10 steps (#440154 … #fde725), each the nearest entry of
     * xterm's 6×6×6 cube, two purples nudged apart so no step repeats */
    static const int ramp[] = {53, 54, 61, 67, 30, 36, 72, 77, 148, 220};
    int n = (int)(sizeof ramp / sizeof *ramp);
    if (levels <= 1 || level <= 0)
        return ramp[0];
    int k = (int)floor((double)level * (n - 1) / (levels - 1) + 0.5);
    return ramp[k >= n ? n - 1 : k];
}

char *tt_contour_render(const tt_contour *c)
{
    tt_buf b = {0};
    char cell[8];
    for (int r = 0; r < c->rows; r++) {
        for (int col = 0; col < c->cols; col++) {
            tt_contour_cell(c, col, r, cell, NULL);
            tt_buf_puts(&b, cell);
        }
        if (r + 1 < c->rows)
            tt_buf_puts(&b, "\n");
    }
    return tt_buf_take(&b);
}
