/*
 * plot_frame — the text around `tunetop plot`'s charts. Everything is
 * written into a grid of exactly W × H cells before it is printed, so the
 * size limits hold by construction whatever a chart or a name tries; and
 * every string that comes from a study passes through cli_plot_grid_put,
 * which lets no control character (no escape sequence) through and keeps
 * an --ascii grid 7-bit.
 *
 * A chart is laid out as the dashboard lays its panels out (src/ui/plot.c):
 * tick labels right-aligned in 7 columns, the y axis, the canvas; under it
 * a row of x tick labels and a row with the x axis's name.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tunetop/util.h"

cli_plot_grid *cli_plot_grid_new(int w, int h, bool ascii)
{
    cli_plot_grid *g = tt_xcalloc(1, sizeof *g);
    g->w = w;
    g->h = h;
    g->ascii = ascii;
    g->cells = tt_xcalloc((size_t)w * (size_t)h, sizeof *g->cells);
    return g;
}

void cli_plot_grid_free(cli_plot_grid *g)
{
    if (!g)
        return;
    free(g->cells);
    free(g);
}

/* The length of the UTF-8 sequence at s (1 for an invalid one, which the
 * caller then replaces), and whether it is safe to print. */
static int next_char(const unsigned char *s, bool ascii, bool *ok)
{
    unsigned c = s[0];
    int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                         : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0) {
        *ok = false;
        return 1;
    }
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) {
            *ok = false;
            return 1;
        }
    /* C0 controls and DEL, and C1 controls (U+0080..U+009F: 0x9B is a CSI
     * on some terminals) */
    *ok = !(c < 0x20 || c == 0x7F || (c == 0xC2 && s[1] < 0xA0)) && !(ascii && len > 1);
    return len;
}

int cli_plot_text_width(const char *text)
{
    int w = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        bool ok;
        s += next_char(s, false, &ok);
        w++;
    }
    return w;
}

int cli_plot_grid_put(cli_plot_grid *g, int row, int col, const char *text, int max_cols)
{
    if (row < 0 || row >= g->h)
        return 0;
    int end = max_cols < 0 ? g->w : col + max_cols;
    if (end > g->w)
        end = g->w;
    int n = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s && col + n < end;) {
        bool ok;
        int len = next_char(s, g->ascii, &ok);
        if (col + n >= 0) {
            char *cell = g->cells[(size_t)row * (size_t)g->w + (size_t)(col + n)];
            if (ok) {
                memcpy(cell, s, (size_t)len);
                cell[len] = 0;
            } else {
                strcpy(cell, "?");
            }
        }
        s += len;
        n++;
    }
    return n;
}

void cli_plot_grid_print(const cli_plot_grid *g, int rows, FILE *out)
{
    if (rows > g->h)
        rows = g->h;
    for (int r = 0; r < rows; r++) {
        const char(*line)[5] = g->cells + (size_t)r * (size_t)g->w;
        int last = g->w;
        while (last > 0 && (!line[last - 1][0] || strcmp(line[last - 1], " ") == 0))
            last--;
        for (int c = 0; c < last; c++)
            fputs(line[c][0] ? line[c] : " ", out);
        fputc('\n', out);
    }
}

tt_canvas *cli_plot_canvas(const cli_plot *p, int rows)
{
    return tt_canvas_new(p->grid->w - CLI_PLOT_LABEL_W, rows - 3, p->braille);
}

int cli_plot_col_of(const tt_chart_axes *axes, const tt_canvas *c, double x)
{
    double span = axes->x_max - axes->x_min;
    int dots = tt_canvas_width(c), dw = dots / tt_canvas_cols(c);
    if (!(span > 0) || !isfinite(x))
        return -1;
    double px = floor((x - axes->x_min) / span * (dots - 1) + 0.5);
    if (px < 0 || px > dots - 1)
        return -1;
    return (int)px / dw;
}

void cli_plot_format_seconds(double s, char *buf, size_t n)
{
    if (s < 9.95 && s != floor(s))
        snprintf(buf, n, "%.2gs", s);
    else if (s < 59.5)
        snprintf(buf, n, "%.0fs", s);
    else if (s < 3600 - 30)
        snprintf(buf, n, "%.3gm", s / 60);
    else if (s < 86400 * 2)
        snprintf(buf, n, "%.3gh", s / 3600);
    else
        snprintf(buf, n, "%.3gd", s / 86400);
}

int cli_plot_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tunetop plot: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_FAIL;
}

/* A tick label centred on col (the first flush left, the last flush right),
 * unless it would overlap the previous one: *free_col is the first column
 * after the last label written (plus a space). */
static void put_tick(cli_plot_grid *g, int row, int left, int cols, int col, const char *label,
                     int *free_col, int align)
{
    int w = cli_plot_text_width(label);
    int start = align < 0 ? col : align > 0 ? col - w + 1 : col - w / 2;
    if (start < 0)
        start = 0;
    if (start + w > cols)
        start = cols - w;
    if (start < *free_col || start < 0)
        return;
    cli_plot_grid_put(g, row, left + start, label, cols - start);
    *free_col = start + w + 1;
}

/* 1, 2 or 5 × 10^k, the smallest at least raw. */
static double nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw))
        return 0;
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* A step a clock reader expects: seconds, minutes, hours, days. */
static double seconds_step(double raw)
{
    static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
                                   3600, 7200, 10800, 21600, 43200, 86400};
    if (raw < 1)
        return nice_step(raw);
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] >= raw)
            return steps[i];
    return 86400 * nice_step(raw / 86400);
}

static void x_ticks(cli_plot *p, int row, const tt_canvas *c, const tt_chart_axes *axes,
                    const cli_plot_xaxis *x)
{
    cli_plot_grid *g = p->grid;
    int cols = tt_canvas_cols(c), free_col = 0;
    char label[64];
    if (x->kind == CLI_PLOT_X_CATEGORIES) {
        /* one label per value, at its column, shortened to the room between
         * neighbouring columns */
        size_t n = x->n_categories;
        int room = n ? cols / (int)n - 1 : cols;
        if (room < 1)
            room = 1;
        for (size_t i = 0; i < n; i++) {
            int col = cli_plot_col_of(axes, c, (double)i);
            if (col < 0)
                continue;
            char cut[64];
            int k = 0;
            /* keep whole code points, at most room of them */
            const char *s = x->categories[i];
            int seen = 0;
            while (s[k] && seen < room && k < (int)sizeof cut - 5) {
                int len = 1;
                while (s[k + len] && ((unsigned char)s[k + len] & 0xC0) == 0x80)
                    len++;
                k += len;
                seen++;
            }
            memcpy(cut, s, (size_t)k);
            cut[k] = 0;
            put_tick(g, row, CLI_PLOT_LABEL_W, cols, col, cut, &free_col, 0);
        }
        return;
    }
    /* round values (1, 2 or 5 × 10^k apart; whole powers of ten on a log
     * axis; whole seconds, minutes, hours for durations) at their columns,
     * about one per 12 columns */
    int want = cols / 12 + 1;
    want = want < 2 ? 2 : want > 8 ? 8 : want;
    double lo = axes->x_min, hi = axes->x_max;
    double step = x->kind == CLI_PLOT_X_SECONDS ? seconds_step((hi - lo) / (want - 1))
                                                : nice_step((hi - lo) / (want - 1));
    if (x->kind == CLI_PLOT_X_LOG10 && step < 1 && floor(hi) - ceil(lo) >= 1)
        step = 1;
    if (!(step > 0) || !isfinite(step))
        return;
    for (double k = ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-9)
            v = 0;
        int col = cli_plot_col_of(axes, c, v);
        if (col < 0)
            continue;
        if (x->kind == CLI_PLOT_X_LOG10)
            tt_chart_format_tick(pow(10.0, v), label, sizeof label);
        else if (x->kind == CLI_PLOT_X_SECONDS)
            cli_plot_format_seconds(v, label, sizeof label);
        else
            tt_chart_format_tick(v, label, sizeof label);
        put_tick(g, row, CLI_PLOT_LABEL_W, cols, col, label, &free_col,
                 col == 0 ? -1 : col == cols - 1 ? 1 : 0);
    }
}

void cli_plot_frame(cli_plot *p, int top, const char *title, const tt_canvas *c,
                    const tt_canvas *mark, const tt_chart_axes *axes, const cli_plot_xaxis *x)
{
    cli_plot_grid *g = p->grid;
    int cr = tt_canvas_rows(c), cc = tt_canvas_cols(c);
    cli_plot_grid_put(g, top, 0, title, -1);
    /* y ticks on about every fourth row, always the top and bottom ones */
    int n_ticks = cr / 4 + 1;
    n_ticks = n_ticks < 2 ? 2 : n_ticks > 6 ? 6 : n_ticks;
    /* which rows carry a tick, for the axis glyph (a taller canvas: its
     * lower rows just get the plain axis) */
    bool tick_row[512] = {0};
    for (int k = 0; k < n_ticks && cr > 1; k++) {
        int r = (int)floor((double)k * (cr - 1) / (n_ticks - 1) + 0.5);
        if (r < (int)sizeof tick_row)
            tick_row[r] = true;
        char label[16];
        tt_chart_format_tick(tt_chart_y_at(axes, c, r), label, sizeof label);
        int w = cli_plot_text_width(label);
        cli_plot_grid_put(g, top + 1 + r, CLI_PLOT_LABEL_W - 1 - w, label, w);
    }
    char cell[8];
    for (int r = 0; r < cr; r++) {
        bool tick = r < (int)sizeof tick_row && tick_row[r];
        cli_plot_grid_put(g, top + 1 + r, CLI_PLOT_LABEL_W - 1,
                          p->utf8 ? (tick ? "┤" : "│") : "|", 1);
        for (int col = 0; col < cc; col++) {
            if (mark && tt_canvas_cell(mark, col, r, cell, NULL) > 0)
                cli_plot_grid_put(g, top + 1 + r, CLI_PLOT_LABEL_W + col, "*", 1);
            else if (tt_canvas_cell(c, col, r, cell, NULL) > 0)
                cli_plot_grid_put(g, top + 1 + r, CLI_PLOT_LABEL_W + col, cell, 1);
        }
    }
    cli_plot_x_axis(p, top + 1 + cr, c, axes, x);
}

void cli_plot_x_axis(cli_plot *p, int row, const tt_canvas *c, const tt_chart_axes *axes,
                     const cli_plot_xaxis *x)
{
    cli_plot_grid *g = p->grid;
    cli_plot_grid_put(g, row, CLI_PLOT_LABEL_W - 1, p->utf8 ? "└" : "+", 1);
    x_ticks(p, row, c, axes, x);
    if (x->name) {
        int w = cli_plot_text_width(x->name);
        int start = CLI_PLOT_LABEL_W + (tt_canvas_cols(c) - w) / 2;
        cli_plot_grid_put(g, row + 1, start < CLI_PLOT_LABEL_W ? CLI_PLOT_LABEL_W : start,
                          x->name, -1);
    }
}

tt_canvas *cli_plot_mark(const tt_canvas *c, const tt_chart_axes *axes, double x, double y)
{
    tt_canvas *m = tt_canvas_new(tt_canvas_cols(c), tt_canvas_rows(c), tt_canvas_braille(c));
    /* the same ranges, fixed: the point lands on the dot it has in c */
    tt_chart_opts opts = {axes->log_y, axes->x_min, axes->x_max, axes->y_min, axes->y_max};
    tt_chart_series s = {&x, &y, 1, 0, 0};
    tt_chart_plot(m, &s, 1, &opts, NULL);
    return m;
}
