/*
 * chart — dots on a cell grid, and line charts built from them (see
 * chart.h). The canvas stores a bit mask of set dots per cell, the colour of
 * the last line through it and, for the ASCII form, which way the lines
 * through it went; text is produced only when a cell is asked for.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/util.h"

/* ASCII cells remember the direction of the segments that crossed them, to
 * choose between / \ and | when a cell has more than one sub-row set. */
enum { DIR_RISING = 1, DIR_FALLING = 2, DIR_VERTICAL = 4 };

struct tt_canvas {
    int cols, rows;
    bool braille;
    int dot_w, dot_h;     /* dots per cell: 2×4 or 1×3 */
    uint8_t *bits;        /* per cell: set dots */
    uint8_t *dirs;        /* per cell: DIR_* (ASCII only) */
    int *colors;          /* per cell: colour of the last line, -1 */
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
    size_t cells = (size_t)c->cols * (size_t)c->rows;
    c->bits = tt_xcalloc(cells, 1);
    c->dirs = tt_xcalloc(cells, 1);
    c->colors = tt_xmalloc(cells * sizeof *c->colors);
    tt_canvas_clear(c);
    return c;
}

void tt_canvas_free(tt_canvas *c)
{
    if (!c)
        return;
    free(c->bits);
    free(c->dirs);
    free(c->colors);
    free(c);
}

void tt_canvas_clear(tt_canvas *c)
{
    size_t cells = (size_t)c->cols * (size_t)c->rows;
    memset(c->bits, 0, cells);
    memset(c->dirs, 0, cells);
    for (size_t i = 0; i < cells; i++)
        c->colors[i] = -1;
}

int tt_canvas_cols(const tt_canvas *c) { return c->cols; }
int tt_canvas_rows(const tt_canvas *c) { return c->rows; }
bool tt_canvas_braille(const tt_canvas *c) { return c->braille; }
int tt_canvas_width(const tt_canvas *c) { return c->cols * c->dot_w; }
int tt_canvas_height(const tt_canvas *c) { return c->rows * c->dot_h; }

static void set_dot(tt_canvas *c, int x, int y, int color, uint8_t dir)
{
    if (x < 0 || y < 0 || x >= c->cols * c->dot_w || y >= c->rows * c->dot_h)
        return;
    size_t cell = (size_t)(y / c->dot_h) * (size_t)c->cols + (size_t)(x / c->dot_w);
    int dx = x % c->dot_w, dy = y % c->dot_h;
    c->bits[cell] |= c->braille ? braille_bit[dy][dx] : (uint8_t)(1u << dy);
    c->dirs[cell] |= dir;
    c->colors[cell] = color;
}

/* Nearest dot; callers pass values already within the canvas. */
static int round_dot(double v) { return (int)floor(v + 0.5); }

void tt_canvas_dot(tt_canvas *c, double x, double y, int color)
{
    if (!(x > -0.5 && y > -0.5 && x < tt_canvas_width(c) - 0.5 && y < tt_canvas_height(c) - 0.5))
        return;
    set_dot(c, round_dot(x), round_dot(y), color, 0);
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

int tt_canvas_cell(const tt_canvas *c, int col, int row, char utf8[8], int *color)
{
    utf8[0] = ' ';
    utf8[1] = '\0';
    if (color)
        *color = -1;
    if (col < 0 || row < 0 || col >= c->cols || row >= c->rows)
        return -1;
    size_t cell = (size_t)row * (size_t)c->cols + (size_t)col;
    uint8_t bits = c->bits[cell];
    if (!bits)
        return 0;
    if (c->braille) {
        /* U+2800 + bits in UTF-8: E2, A0 + top two bits, 80 + low six. */
        utf8[0] = (char)0xE2;
        utf8[1] = (char)(0xA0 | (bits >> 6));
        utf8[2] = (char)(0x80 | (bits & 0x3F));
        utf8[3] = '\0';
    } else {
        ascii_text(bits, c->dirs[cell], utf8);
    }
    if (color)
        *color = c->colors[cell];
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

/* Choose the ranges: x over every plottable point, y over those inside the
 * x range (so zooming to recent steps rescales y too). */
static size_t choose_frame(const tt_chart_series *s, size_t n, const tt_chart_opts *o, frame *f)
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
        double px = (x - f->x0) / (f->x1 - f->x0) * f->w;
        double py = (1.0 - (t - f->t0) / (f->t1 - f->t0)) * f->h;
        if (!isfinite(px) || !isfinite(py)) { /* a range too wide for doubles */
            flush(&p);
            p.has_prev = false;
            continue;
        }
        /* Everything left (right) of the canvas shares one column off it. */
        long col = px < -0.5 ? -1 : px >= f->w + 0.5 ? (long)f->w + 1 : (long)floor(px + 0.5);
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

size_t tt_chart_plot(tt_canvas *c, const tt_chart_series *s, size_t n,
                     const tt_chart_opts *opts, tt_chart_axes *out)
{
    tt_chart_opts auto_opts = {.x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
    if (!opts)
        opts = &auto_opts;
    frame f;
    size_t count = choose_frame(s, n, opts, &f);
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
    /* Lowest layer first; ties in array order (a stable insertion sort:
     * a chart has tens of series, not thousands). */
    size_t *order = tt_xmalloc(n * sizeof *order);
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
