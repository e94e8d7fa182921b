/*
 * chart — dots on a cell grid, and line charts built from them (see
 * chart.h). The canvas stores per cell a bit mask of set dots, the colour of
 * the last line through it and, for the ASCII form, which way the lines
 * through it went; beside them the band's shaded dots and a marker, each
 * with its own colour, so that a line drawn before or after a band still
 * lies on top of it. Text is produced only when a cell is asked for.
 *
 * tt_chart_plot streams each series once: consecutive points that round to
 * the same dot column are gathered into one bucket (first, last, min, max),
 * drawn as a vertical stroke from min to max and joined to the neighbouring
 * buckets by their last and first points. That is the same set of dots as
 * drawing every segment, at the cost of one pass, so a series of 100,000
 * steps on an 80-column chart costs 160 strokes and still shows its spikes.
 */
#include "tunetop/chart.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

/* ASCII cells remember the direction of the segments that crossed them, to
 * choose between / \ and | when a cell has more than one sub-row set. */
enum { DIR_RISING = 1, DIR_FALLING = 2, DIR_VERTICAL = 4 };

typedef struct dot_cell {
    uint8_t bits;         /* dots of lines */
    uint8_t dirs;         /* DIR_* (ASCII only) */
    uint8_t shade;        /* dots of bands (tt_canvas_span) */
    int color;            /* of the last line, -1 */
    int shade_color;      /* of the last band, -1 */
    bool marked;          /* a marker (tt_canvas_mark) */
    int mark_color;
} dot_cell;

struct tt_canvas {
    int cols, rows;
    bool braille;
    int dot_w, dot_h;     /* dots per cell: 2×4 or 1×3 */
    dot_cell *cells;      /* rows × cols */
};

/* Braille dot numbering: dots 1, 2, 3, 7 down the left column, 4, 5, 6, 8
 * down the right; dot k is bit k-1 of the offset from U+2800. */
static const uint8_t braille_bit[4][2] = {
    {0x01, 0x08},
    {0x02, 0x10},
    {0x04, 0x20},
    {0x40, 0x80},
};

tt_canvas *tt_canvas_new(int cols, int rows, bool braille)
{
    tt_canvas *c = tt_xcalloc(1, sizeof *c);
    c->cols = cols > 0 ? cols : 1;
    c->rows = rows > 0 ? rows : 1;
    c->braille = braille;
    c->dot_w = braille ? 2 : 1;
    c->dot_h = braille ? 4 : 3;
    c->cells = tt_xmalloc((size_t)c->cols * (size_t)c->rows * sizeof *c->cells);
    tt_canvas_clear(c);
    return c;
}

void tt_canvas_free(tt_canvas *c)
{
    if (!c)
        return;
    free(c->cells);
    free(c);
}

void tt_canvas_clear(tt_canvas *c)
{
    size_t n = (size_t)c->cols * (size_t)c->rows;
    for (size_t i = 0; i < n; i++)
        c->cells[i] = (dot_cell){.color = -1, .shade_color = -1, .mark_color = -1};
}

int tt_canvas_cols(const tt_canvas *c) { return c->cols; }
int tt_canvas_rows(const tt_canvas *c) { return c->rows; }
bool tt_canvas_braille(const tt_canvas *c) { return c->braille; }
int tt_canvas_width(const tt_canvas *c) { return c->cols * c->dot_w; }
int tt_canvas_height(const tt_canvas *c) { return c->rows * c->dot_h; }

/* The cell holding dot (x, y), which must be on the canvas. */
static dot_cell *cell_of(tt_canvas *c, int x, int y)
{
    return &c->cells[(size_t)(y / c->dot_h) * (size_t)c->cols + (size_t)(x / c->dot_w)];
}

/* The bit of dot (x, y) in its cell's mask. */
static uint8_t dot_bit(const tt_canvas *c, int x, int y)
{
    int dx = x % c->dot_w, dy = y % c->dot_h;
    return c->braille ? braille_bit[dy][dx] : (uint8_t)(1u << dy);
}

static bool on_canvas(const tt_canvas *c, int x, int y)
{
    return x >= 0 && y >= 0 && x < c->cols * c->dot_w && y < c->rows * c->dot_h;
}

static void set_dot(tt_canvas *c, int x, int y, int color, uint8_t dir)
{
    if (!on_canvas(c, x, y))
        return;
    dot_cell *k = cell_of(c, x, y);
    k->bits |= dot_bit(c, x, y);
    k->dirs |= dir;
    k->color = color;
}

/* Nearest dot; callers pass values already within the canvas. */
static int round_dot(double v) { return (int)floor(v + 0.5); }

void tt_canvas_dot(tt_canvas *c, double x, double y, int color)
{
    if (!(x > -0.5 && y > -0.5 && x < tt_canvas_width(c) - 0.5 && y < tt_canvas_height(c) - 0.5))
        return;
    set_dot(c, round_dot(x), round_dot(y), color, 0);
}

/* The dots of a band are shaded, not inked: in braille every other dot
 * (a checkerboard, so a filled cell reads as a light texture, ⢕, and any
 * line through it stays legible) plus both ends, so the band's edges are
 * exact; in ASCII each covered cell shows ':' (ascii_text). */
void tt_canvas_span(tt_canvas *c, double x, double y0, double y1, int color)
{
    if (!isfinite(x) || !isfinite(y0) || !isfinite(y1))
        return;
    if (y0 > y1) {
        double t = y0;
        y0 = y1;
        y1 = t;
    }
    double h = tt_canvas_height(c) - 1;
    if (x <= -0.5 || x >= tt_canvas_width(c) - 0.5 || y1 <= -0.5 || y0 >= h + 0.5)
        return;
    int dx = round_dot(x), top = round_dot(fmax(y0, 0.0)), bottom = round_dot(fmin(y1, h));
    for (int y = top; y <= bottom; y++) {
        if (c->braille && y != top && y != bottom && (dx + y) % 2)
            continue;
        dot_cell *k = cell_of(c, dx, y);
        k->shade |= dot_bit(c, dx, y);
        k->shade_color = color;
    }
}

void tt_canvas_mark(tt_canvas *c, double x, double y, int color)
{
    if (!(x > -0.5 && y > -0.5 && x < tt_canvas_width(c) - 0.5 && y < tt_canvas_height(c) - 0.5))
        return;
    dot_cell *k = cell_of(c, round_dot(x), round_dot(y));
    k->marked = true;
    k->mark_color = color;
}

/* Liang–Barsky: shrink [t0, t1] of p + t·d to the part where lo <= p <= hi. */
static bool clip_axis(double p, double d, double lo, double hi, double *t0, double *t1)
{
    if (d == 0.0)
        return p >= lo && p <= hi;
    double a = (lo - p) / d, b = (hi - p) / d;
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (a > *t0)
        *t0 = a;
    if (b < *t1)
        *t1 = b;
    return *t0 <= *t1;
}

void tt_canvas_line(tt_canvas *c, double x0, double y0, double x1, double y1, int color)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
        return;
    double w = tt_canvas_width(c) - 1, h = tt_canvas_height(c) - 1;
    double dx = x1 - x0, dy = y1 - y0, t0 = 0.0, t1 = 1.0;
    if (!clip_axis(x0, dx, 0.0, w, &t0, &t1) || !clip_axis(y0, dy, 0.0, h, &t0, &t1))
        return;
    int ax = round_dot(x0 + t0 * dx), ay = round_dot(y0 + t0 * dy);
    int bx = round_dot(x0 + t1 * dx), by = round_dot(y0 + t1 * dy);
    /* y grows downwards: a segment going up to the right is "rising". */
    uint8_t dir = 0;
    if (round_dot(x0) == round_dot(x1) && round_dot(y0) != round_dot(y1))
        dir = DIR_VERTICAL;
    else if (dx * dy < 0)
        dir = DIR_RISING;
    else if (dx * dy > 0)
        dir = DIR_FALLING;
    int sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1;
    int ex = abs(bx - ax), ey = -abs(by - ay), err = ex + ey;
    for (;;) {
        set_dot(c, ax, ay, color, dir);
        if (ax == bx && ay == by)
            break;
        int e2 = 2 * err;
        if (e2 >= ey) {
            err += ey;
            ax += sx;
        }
        if (e2 <= ex) {
            err += ex;
            ay += sy;
        }
    }
}

static void ascii_text(uint8_t bits, uint8_t dirs, char *out)
{
    char ch;
    int count = (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1);
    if (count == 1)
        ch = bits & 1 ? '\'' : bits & 2 ? '-' : '_';
    else if ((dirs & DIR_VERTICAL) || (dirs & (DIR_RISING | DIR_FALLING)) == (DIR_RISING | DIR_FALLING))
        ch = '|';
    else if (dirs & DIR_RISING)
        ch = '/';
    else if (dirs & DIR_FALLING)
        ch = '\\';
    else
        ch = '='; /* separate horizontal lines through one cell */
    out[0] = ch;
    out[1] = '\0';
}

static void braille_text(uint8_t bits, char *out)
{
    /* U+2800 + bits in UTF-8: E2, A0 + top two bits, 80 + low six. */
    out[0] = (char)0xE2;
    out[1] = (char)(0xA0 | (bits >> 6));
    out[2] = (char)(0x80 | (bits & 0x3F));
    out[3] = '\0';
}

/* What a cell shows, most important first: a marker; else its lines (a
 * line hides the band under it in its cells, the way an opaque line lies
 * on a shaded area); else its band. */
int tt_canvas_cell(const tt_canvas *c, int col, int row, char utf8[8], int *color)
{
    utf8[0] = ' ';
    utf8[1] = '\0';
    if (color)
        *color = -1;
    if (col < 0 || row < 0 || col >= c->cols || row >= c->rows)
        return -1;
    const dot_cell *k = &c->cells[(size_t)row * (size_t)c->cols + (size_t)col];
    int shown;
    if (k->marked) {
        snprintf(utf8, 8, "%s", c->braille ? "\u25c6" : "*");
        shown = k->mark_color;
    } else if (k->bits) {
        if (c->braille)
            braille_text(k->bits, utf8);
        else
            ascii_text(k->bits, k->dirs, utf8);
        shown = k->color;
    } else if (k->shade) {
        if (c->braille)
            braille_text(k->shade, utf8);
        else
            snprintf(utf8, 8, ":");
        shown = k->shade_color;
    } else {
        return 0;
    }
    if (color)
        *color = shown;
    return 1;
}

char *tt_canvas_render(const tt_canvas *c)
{
    tt_buf b = {0};
    char cell[8];
    for (int r = 0; r < c->rows; r++) {
        if (r)
            tt_buf_puts(&b, "\n");
        for (int col = 0; col < c->cols; col++) {
            tt_canvas_cell(c, col, r, cell, NULL);
            tt_buf_puts(&b, cell);
        }
    }
    return tt_buf_take(&b);
}

/* ---- charts ---- */

typedef struct frame {
    double x0, x1, t0, t1; /* x range and transformed y range */
    bool log_y;
    double w, h;           /* last dot column and row */
} frame;

static bool point_of(const tt_chart_series *s, size_t i, bool log_y, double *x, double *t)
{
    double xv = s->x ? s->x[i] : (double)i, yv = s->y[i];
    if (!isfinite(xv) || !isfinite(yv) || (log_y && yv <= 0.0))
        return false;
    *x = xv;
    *t = log_y ? log10(yv) : yv;
    return isfinite(*t);
}

/* A range of one value (or an inverted fixed one) gets room on both sides. */
static void widen(double *lo, double *hi)
{
    if (*lo < *hi)
        return;
    double v = *lo, d = v != 0.0 ? fabs(v) * 0.1 : 1.0;
    *lo = v - d;
    *hi = v + d;
}

static double fixed_bound(double v, bool log_y)
{
    if (isnan(v) || !isfinite(v))
        return NAN;
    if (log_y)
        return v > 0.0 ? log10(v) : NAN;
    return v;
}

/* Column k of a band, transformed for the frame; false when it has no
 * range to draw there (NaN, infinite, or not positive on a log axis). */
static bool band_range(const tt_chart_band *b, size_t k, bool log_y, double *t_lo, double *t_hi)
{
    double lo = b->lo[k], hi = b->hi[k];
    if (!isfinite(lo) || !isfinite(hi) || (log_y && (lo <= 0.0 || hi <= 0.0)))
        return false;
    *t_lo = log_y ? log10(lo) : lo;
    *t_hi = log_y ? log10(hi) : hi;
    return true;
}

/* Choose the ranges: x over every plottable point, y over those inside the
 * x range (so zooming to recent steps rescales y too) and over the band
 * (whose columns are inside the x range by construction). */
static size_t choose_frame(const tt_chart_series *s, size_t n, const tt_chart_band *band,
                           const tt_chart_opts *o, frame *f)
{
    double fx0 = fixed_bound(o->x_min, false), fx1 = fixed_bound(o->x_max, false);
    double ft0 = fixed_bound(o->y_min, o->log_y), ft1 = fixed_bound(o->y_max, o->log_y);
    double x0 = INFINITY, x1 = -INFINITY;
    size_t count = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x, t;
            if (!point_of(&s[k], i, o->log_y, &x, &t))
                continue;
            count++;
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
        }
    if (!isnan(fx0))
        x0 = fx0;
    if (!isnan(fx1))
        x1 = fx1;
    if (!count && (isnan(fx0) || isnan(fx1))) {
        x0 = isnan(fx0) ? 0.0 : fx0;
        x1 = isnan(fx1) ? x0 + 1.0 : fx1;
    }
    widen(&x0, &x1);
    double t0 = INFINITY, t1 = -INFINITY;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x, t;
            if (point_of(&s[k], i, o->log_y, &x, &t) && x >= x0 && x <= x1) {
                t0 = fmin(t0, t);
                t1 = fmax(t1, t);
            }
        }
    for (size_t k = 0; band && k < band->n; k++) {
        double lo, hi;
        if (band_range(band, k, o->log_y, &lo, &hi)) {
            count++;
            t0 = fmin(t0, fmin(lo, hi));
            t1 = fmax(t1, fmax(lo, hi));
        }
    }
    bool visible = t0 <= t1;
    if (!visible) {
        t0 = o->log_y ? -1.0 : 0.0;
        t1 = o->log_y ? 0.0 : 1.0;
    }
    if (!isnan(ft0))
        t0 = ft0;
    if (!isnan(ft1))
        t1 = ft1;
    /* Padding: 5% of the final span on each automatic side. */
    if (visible && t0 < t1) {
        double pad = (t1 - t0) * 0.05;
        if (isnan(ft0))
            t0 -= pad;
        if (isnan(ft1))
            t1 += pad;
    }
    widen(&t0, &t1);
    f->x0 = x0;
    f->x1 = x1;
    f->t0 = t0;
    f->t1 = t1;
    f->log_y = o->log_y;
    return count;
}

/* Dot coordinates of x and of a transformed y. Every mapping from data to
 * dots goes through these, so that a band's columns (computed apart, by
 * tt_chart_column_quantiles) fall exactly where the lines' points do. */
static double frame_x(const frame *f, double x)
{
    return (x - f->x0) / (f->x1 - f->x0) * f->w;
}

static double frame_y(const frame *f, double t)
{
    return (1.0 - (t - f->t0) / (f->t1 - f->t0)) * f->h;
}

/* The dot column of dot coordinate px >= -0.5, as a line's point is
 * bucketed: the nearest. px + 0.5 >= 0, where truncating is flooring
 * (and needs no call to floor(), which 100,000 points would notice). */
static long dot_column(double px)
{
    return (long)(px + 0.5);
}

typedef struct bucket {
    bool active;
    long col;
    double first_x, first_y, last_x, last_y, min_y, max_y;
} bucket;

typedef struct pen {
    tt_canvas *c;
    int color;
    bool has_prev;
    double prev_x, prev_y;
    bucket b;
} pen;

static void flush(pen *p)
{
    bucket *b = &p->b;
    if (!b->active)
        return;
    if (p->has_prev)
        tt_canvas_line(p->c, p->prev_x, p->prev_y, b->first_x, b->first_y, p->color);
    if (b->min_y < b->max_y)
        tt_canvas_line(p->c, (double)b->col, b->min_y, (double)b->col, b->max_y, p->color);
    else
        tt_canvas_line(p->c, b->first_x, b->first_y, b->first_x, b->first_y, p->color);
    p->has_prev = true;
    p->prev_x = b->last_x;
    p->prev_y = b->last_y;
    b->active = false;
}

static void plot_series(tt_canvas *c, const tt_chart_series *s, const frame *f)
{
    pen p = {.c = c, .color = s->color};
    for (size_t i = 0; i < s->n; i++) {
        double x, t;
        if (!point_of(s, i, f->log_y, &x, &t)) {
            flush(&p);
            p.has_prev = false;
            continue;
        }
        double px = frame_x(f, x), py = frame_y(f, t);
        if (!isfinite(px) || !isfinite(py)) { /* a range too wide for doubles */
            flush(&p);
            p.has_prev = false;
            continue;
        }
        /* Everything left (right) of the canvas shares one column off it. */
        long col = px < -0.5 ? -1 : px >= f->w + 0.5 ? (long)f->w + 1 : dot_column(px);
        bucket *b = &p.b;
        if (b->active && b->col == col) {
            b->last_x = px;
            b->last_y = py;
            b->min_y = fmin(b->min_y, py);
            b->max_y = fmax(b->max_y, py);
            continue;
        }
        flush(&p);
        *b = (bucket){.active = true, .col = col, .first_x = px, .first_y = py,
                      .last_x = px, .last_y = py, .min_y = py, .max_y = py};
    }
    flush(&p);
}

static void plot_band(tt_canvas *c, const tt_chart_band *b, const frame *f)
{
    size_t n = b->n < (size_t)tt_canvas_width(c) ? b->n : (size_t)tt_canvas_width(c);
    for (size_t k = 0; k < n; k++) {
        double lo, hi;
        if (band_range(b, k, f->log_y, &lo, &hi))
            tt_canvas_span(c, (double)k, frame_y(f, hi), frame_y(f, lo), b->color);
    }
}

size_t tt_chart_plot(tt_canvas *c, const tt_chart_series *s, size_t n,
                     const tt_chart_opts *opts, tt_chart_axes *out)
{
    return tt_chart_plot_band(c, NULL, s, n, opts, out);
}

size_t tt_chart_plot_band(tt_canvas *c, const tt_chart_band *band, const tt_chart_series *s,
                          size_t n, const tt_chart_opts *opts, tt_chart_axes *out)
{
    tt_chart_opts auto_opts = {.x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
    if (!opts)
        opts = &auto_opts;
    frame f;
    size_t count = choose_frame(s, n, band, opts, &f);
    f.w = tt_canvas_width(c) - 1;
    f.h = tt_canvas_height(c) - 1;
    if (out) {
        out->x_min = f.x0;
        out->x_max = f.x1;
        out->y_min = f.log_y ? pow(10.0, f.t0) : f.t0;
        out->y_max = f.log_y ? pow(10.0, f.t1) : f.t1;
        out->log_y = f.log_y;
    }
    if (!count)
        return 0;
    if (band)
        plot_band(c, band, &f);
    /* Lowest layer first; ties in array order (a stable insertion sort:
     * a chart has tens of series, not thousands). */
    size_t *order = tt_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && s[order[j - 1]].layer > s[i].layer) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t i = 0; i < n; i++)
        plot_series(c, &s[order[i]], &f);
    free(order);
    return count;
}

/* The frame a chart was drawn with, back from its axes. */
static void frame_of(const tt_chart_axes *a, const tt_canvas *c, frame *f)
{
    f->x0 = a->x_min;
    f->x1 = a->x_max;
    f->log_y = a->log_y;
    f->t0 = a->log_y ? log10(a->y_min) : a->y_min;
    f->t1 = a->log_y ? log10(a->y_max) : a->y_max;
    f->w = tt_canvas_width(c) - 1;
    f->h = tt_canvas_height(c) - 1;
}

void tt_chart_mark(tt_canvas *c, const tt_chart_axes *axes, double x, double y, int color)
{
    if (!isfinite(x) || !isfinite(y) || (axes->log_y && y <= 0.0))
        return;
    frame f;
    frame_of(axes, c, &f);
    tt_canvas_mark(c, frame_x(&f, x), frame_y(&f, axes->log_y ? log10(y) : y), color);
}

/* ---- per-column quantiles ---- */

/* Move the k-th smallest of v[0..n) to v[k], the smaller ones before it and
 * the larger after (Hoare's FIND in Wirth's form: expected O(n), and runs
 * of equal values, common among trial values, split evenly). */
static void select_kth(double *v, ptrdiff_t n, ptrdiff_t k)
{
    ptrdiff_t l = 0, r = n - 1;
    while (l < r) {
        double pivot = v[k];
        ptrdiff_t i = l, j = r;
        do {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < k)
            l = i;
        if (k < i)
            r = j;
    }
}

/* Quantile q of v[0..m) (m >= 1), linear between the order statistics
 * around rank (m - 1)·q (R's default type 7, numpy's "linear"). v[0..*done)
 * must already be the *done smallest values, each ≤ all after it, v[*done
 * - 1] in its sorted place (from the call before); the order statistics
 * found are added to them, so the quantiles of one column, asked in
 * increasing q, cost O(m) together. */
static double quantile(double *v, size_t m, double q, size_t *done)
{
    double h = (double)(m - 1) * fmin(fmax(q, 0.0), 1.0);
    size_t k = (size_t)h;
    if (k >= m)
        k = m - 1;
    if (k + 1 < *done) { /* a lower q after a higher one: start over */
        select_kth(v, (ptrdiff_t)m, (ptrdiff_t)k);
        *done = k + 1;
    } else if (k >= *done) {
        select_kth(v + *done, (ptrdiff_t)(m - *done), (ptrdiff_t)(k - *done));
        *done = k + 1;
    }
    double frac = h - (double)k;
    if (frac <= 0.0 || k + 1 >= m)
        return v[k];
    double next = v[k + 1];
    for (size_t i = k + 2; i < m; i++)
        if (v[i] < next)
            next = v[i];
    return v[k] + frac * (next - v[k]);
}

/* The smallest (or largest) of v[0..m): quantile 0 (1) by one scan,
 * moving nothing, so quantile()'s *done stays true. */
static double extreme(const double *v, size_t m, bool largest)
{
    double e = v[0];
    for (size_t i = 1; i < m; i++)
        if (largest ? v[i] > e : v[i] < e)
            e = v[i];
    return e;
}

/* Whether point i counts in the quantiles: finite, and positive on a log
 * axis (no log10 here: 100,000 of them would cost more than the rest). */
static bool quantile_point(const tt_chart_series *p, size_t i, bool log_y, double *x, double *y)
{
    *x = p->x ? p->x[i] : (double)i;
    *y = p->y[i];
    return isfinite(*x) && isfinite(*y) && (!log_y || *y > 0.0);
}

/* The x range of the columns: range's bounds, the points' own where NaN,
 * widened as choose_frame widens it. */
static void quantile_frame(const tt_chart_series *p, const tt_chart_opts *range, int width,
                           frame *f)
{
    double x0 = INFINITY, x1 = -INFINITY, x, y;
    for (size_t i = 0; (!isfinite(range->x_min) || !isfinite(range->x_max)) && i < p->n; i++)
        if (quantile_point(p, i, range->log_y, &x, &y)) {
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
        }
    if (isfinite(range->x_min))
        x0 = range->x_min;
    if (isfinite(range->x_max))
        x1 = range->x_max;
    if (!(x0 <= x1)) {
        x0 = 0.0;
        x1 = 1.0;
    }
    widen(&x0, &x1);
    *f = (frame){.x0 = x0, .x1 = x1, .log_y = range->log_y, .w = width - 1};
}

/* The dot column of point i, or -1 when it is not counted or off the range. */
static long quantile_column(const tt_chart_series *p, size_t i, const frame *f, double *y)
{
    double x;
    if (!quantile_point(p, i, f->log_y, &x, y))
        return -1;
    double px = frame_x(f, x);
    if (!(px >= -0.5 && px < f->w + 0.5))
        return -1;
    long col = dot_column(px);
    return col >= 0 && col <= (long)f->w ? col : -1;
}

size_t tt_chart_column_quantiles(const tt_chart_series *points, const tt_chart_opts *range,
                                 int width, const double *q, size_t nq, double *const *out)
{
    for (size_t j = 0; j < nq; j++)
        for (int k = 0; k < width; k++)
            out[j][k] = NAN;
    if (width < 1 || !points->n)
        return 0;
    frame f;
    quantile_frame(points, range, width, &f);
    /* Counting sort of the values by column: count, then place; no
     * comparison. */
    size_t *start = tt_xcalloc((size_t)width + 1, sizeof *start);
    long *col_of = tt_xmalloc(points->n * sizeof *col_of);
    double y;
    for (size_t i = 0; i < points->n; i++) {
        col_of[i] = quantile_column(points, i, &f, &y);
        if (col_of[i] >= 0)
            start[col_of[i] + 1]++;
    }
    for (int k = 0; k < width; k++)
        start[k + 1] += start[k];
    size_t used = start[width];
    double *v = tt_xmalloc((used ? used : 1) * sizeof *v);
    size_t *fill = tt_xmalloc((size_t)width * sizeof *fill);
    memcpy(fill, start, (size_t)width * sizeof *fill);
    for (size_t i = 0; i < points->n; i++)
        if (col_of[i] >= 0)
            v[fill[col_of[i]]++] = points->y[i];
    free(col_of);
    for (int k = 0; k < width; k++) {
        size_t m = start[k + 1] - start[k], done = 0;
        for (size_t j = 0; m && j < nq; j++)
            out[j][k] = q[j] <= 0.0   ? extreme(v + start[k], m, false)
                        : q[j] >= 1.0 ? extreme(v + start[k], m, true)
                                      : quantile(v + start[k], m, q[j], &done);
    }
    free(fill);
    free(v);
    free(start);
    return used;
}

double tt_chart_y_at(const tt_chart_axes *a, const tt_canvas *c, int row)
{
    int dh = c->dot_h, h = tt_canvas_height(c) - 1;
    double t0 = a->log_y ? log10(a->y_min) : a->y_min;
    double t1 = a->log_y ? log10(a->y_max) : a->y_max;
    double y = row * dh + (dh - 1) / 2.0;
    double t = h > 0 ? t1 - y / h * (t1 - t0) : (t0 + t1) / 2.0;
    return a->log_y ? pow(10.0, t) : t;
}

double tt_chart_x_at(const tt_chart_axes *a, const tt_canvas *c, int col)
{
    int dw = c->dot_w, w = tt_canvas_width(c) - 1;
    double x = col * dw + (dw - 1) / 2.0;
    return w > 0 ? a->x_min + x / w * (a->x_max - a->x_min) : (a->x_min + a->x_max) / 2.0;
}

void tt_chart_format_tick(double v, char *buf, size_t n)
{
    static const char suffix[] = "kMGTPE";
    if (!n)
        return;
    if (isnan(v)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return;
    }
    double a = fabs(v);
    if (a == 0.0) {
        snprintf(buf, n, "0");
    } else if (a >= 999.5) {
        /* Thousands get an SI suffix; the threshold is the rounding point of
         * %.3g, so 999.7 reads "1k", not "1e+03". */
        int k = 0;
        double s = v;
        while (fabs(s) >= 999.5 && k < 6) {
            s /= 1000.0;
            k++;
        }
        if (fabs(s) >= 999.5)
            snprintf(buf, n, "%.2g", v);
        else
            snprintf(buf, n, "%.3g%c", s, suffix[k - 1]);
    } else if (a < 1e-3) {
        snprintf(buf, n, "%.2g", v);
    } else {
        snprintf(buf, n, "%.3g", v);
    }
}

size_t tt_chart_best_so_far(const double *y, size_t n, bool minimize, double *out)
{
    size_t best = n;
    double cur = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = y[i];
        if (!isnan(v) && (best == n || (minimize ? v < cur : v > cur))) {
            cur = v;
            best = i;
        }
        out[i] = cur;
    }
    return best;
}
