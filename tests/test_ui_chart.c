/*
 * Tests for the dashboard's chart canvas (src/ui/chart.c): braille dot bits
 * against the Unicode dot numbering, the ASCII form, automatic ranges and
 * their padding, log scale, NaN gaps, layering, decimation of long series,
 * tick labels, the best-so-far staircase, and whole charts compared with
 * their expected pictures; bands (shaded spans per dot column, under the
 * lines), markers, and the per-column quantiles a band is made of; the
 * parameter axes (linear, log, categorical bands), the contour's shading,
 * glyphs and points, and parallel coordinates' lines, tiers and thinning.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/chart.h"
#include "tunetop/space.h"
#include "tunetop/store.h"
#include "check_util.h"

static void ck_render(const tt_canvas *c, const char *want)
{
    char *got = tt_canvas_render(c);
    ck_assert_msg(strcmp(got, want) == 0, "got\n[%s]\nexpected\n[%s]", got, want);
    free(got);
}

#define ck_near(got, want)                                                             \
    do {                                                                               \
        double g_ = (got), w_ = (want);                                                \
        ck_assert_msg(fabs(g_ - w_) <= 1e-9 * fmax(1.0, fabs(w_)),                       \
                      "%s = %.17g, expected %.17g", #got, g_, w_);                      \
    } while (0)

START_TEST(test_braille_single_dots)
{
    /* (x, y) → the braille dot it is: 1 2 3 7 down the left, 4 5 6 8 down
     * the right; dot k is bit k-1 above U+2800. */
    static const struct {
        int x, y;
        const char *text;
    } cases[] = {
        {0, 0, "\u2801"}, {0, 1, "\u2802"}, {0, 2, "\u2804"}, {0, 3, "\u2840"},
        {1, 0, "\u2808"}, {1, 1, "\u2810"}, {1, 2, "\u2820"}, {1, 3, "\u2880"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tt_canvas *c = tt_canvas_new(1, 1, true);
        tt_canvas_dot(c, cases[i].x, cases[i].y, 5);
        char cell[8];
        int color;
        ck_assert_int_eq(tt_canvas_cell(c, 0, 0, cell, &color), 1);
        ck_assert_str_eq(cell, cases[i].text);
        ck_assert_int_eq(color, 5);
        tt_canvas_free(c);
    }
    /* All eight dots: U+28FF; an empty cell is a space with colour -1. */
    tt_canvas *c = tt_canvas_new(2, 1, true);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 2; x++)
            tt_canvas_dot(c, x, y, 1);
    char cell[8];
    int color;
    tt_canvas_cell(c, 0, 0, cell, &color);
    ck_assert_str_eq(cell, "\u28ff");
    ck_assert_int_eq(tt_canvas_cell(c, 1, 0, cell, &color), 0);
    ck_assert_str_eq(cell, " ");
    ck_assert_int_eq(color, -1);
    ck_assert_int_eq(tt_canvas_cell(c, 2, 0, cell, &color), -1);
    ck_assert_int_eq(tt_canvas_width(c), 4);
    ck_assert_int_eq(tt_canvas_height(c), 4);
    tt_canvas_clear(c);
    ck_render(c, "  ");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_braille_diagonal)
{
    /* (0,0)→(3,7) over 2×2 cells: Bresenham sets (0,0) (0,1) (1,2) (1,3) in
     * the top-left cell = dots 1 2 6 8 = 0xA3, and the same shape in the
     * bottom-right cell; the other two cells stay empty. */
    tt_canvas *c = tt_canvas_new(2, 2, true);
    tt_canvas_line(c, 0, 0, 3, 7, 2);
    ck_render(c, "\u28a3 \n \u28a3");
    /* The same line drawn backwards sets the same dots. */
    tt_canvas_clear(c);
    tt_canvas_line(c, 3, 7, 0, 0, 2);
    ck_render(c, "\u28a3 \n \u28a3");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_line_clipped)
{
    /* A line from far outside crosses the canvas; NaN and inf draw nothing. */
    tt_canvas *c = tt_canvas_new(3, 1, false);
    tt_canvas_line(c, -1e9, 1, 1e9, 1, 0);
    ck_render(c, "---");
    tt_canvas_clear(c);
    tt_canvas_line(c, NAN, 0, 2, 2, 0);
    tt_canvas_line(c, 0, 0, INFINITY, 2, 0);
    tt_canvas_line(c, -5, -5, -1, -1, 0);
    ck_render(c, "   ");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_ascii_lines)
{
    /* Sub-rows: ' top, - middle, _ bottom. */
    tt_canvas *c = tt_canvas_new(8, 2, false);
    ck_assert_int_eq(tt_canvas_width(c), 8);
    ck_assert_int_eq(tt_canvas_height(c), 6);
    tt_canvas_line(c, 0, 5, 7, 0, 1);
    ck_render(c, "    _--'\n_--'    ");
    tt_canvas_clear(c);
    tt_canvas_line(c, 0, 0, 7, 5, 1);
    ck_render(c, "'--_    \n    '--_");
    /* Steep segments: / rising, \ falling, | vertical. */
    tt_canvas_free(c);
    c = tt_canvas_new(4, 2, false);
    tt_canvas_line(c, 0, 5, 3, 0, 1);
    ck_render(c, "  /'\n_/  ");
    tt_canvas_clear(c);
    tt_canvas_line(c, 0, 0, 0, 5, 1);
    tt_canvas_line(c, 3, 0, 2, 5, 1);
    ck_render(c, "|  /\n| / ");
    tt_canvas_free(c);
}
END_TEST

static const double loss_a[] = {10, 5, 3, 2, 1.5, 1.2, 1.1, 1.05, 1.0, 1.0};
static const double loss_b[] = {8, 6, 5, 4.5, 4.4, 4.3, 4.3, 4.2, 4.2, 4.2};

START_TEST(test_ranges_and_padding)
{
    const double y[] = {1, 2, 3}, x[] = {10, 20, 30};
    tt_chart_series s = {.x = x, .y = y, .n = 3};
    tt_canvas *c = tt_canvas_new(10, 4, true);
    tt_chart_axes ax;
    ck_assert_uint_eq(tt_chart_plot(c, &s, 1, NULL, &ax), 3);
    /* x tight, y padded by 5% of the span each side. */
    ck_near(ax.x_min, 10);
    ck_near(ax.x_max, 30);
    ck_near(ax.y_min, 0.9);
    ck_near(ax.y_max, 3.1);
    ck_assert(!ax.log_y);
    /* Fixed bounds are kept; y then spans the points inside the x range. */
    tt_chart_opts o = {.x_min = 20, .x_max = 30, .y_min = NAN, .y_max = NAN};
    tt_canvas_clear(c);
    tt_chart_plot(c, &s, 1, &o, &ax);
    ck_near(ax.x_min, 20);
    ck_near(ax.x_max, 30);
    ck_near(ax.y_min, 1.95);
    ck_near(ax.y_max, 3.05);
    o = (tt_chart_opts){.x_min = NAN, .x_max = NAN, .y_min = 0, .y_max = NAN};
    tt_chart_plot(c, &s, 1, &o, &ax);
    ck_near(ax.y_min, 0);
    ck_near(ax.y_max, 3.15);
    /* Tick positions follow the axes: top and bottom cell rows. */
    o = (tt_chart_opts){.x_min = 0, .x_max = 19, .y_min = 0, .y_max = 15};
    tt_chart_plot(c, &s, 1, &o, &ax);
    ck_near(tt_chart_y_at(&ax, c, 0), 15 - 1.5);
    ck_near(tt_chart_y_at(&ax, c, 3), 1.5);
    ck_near(tt_chart_x_at(&ax, c, 0), 0.5);
    tt_canvas_free(c);

    /* A constant series is a flat line through the middle row. */
    const double flat[] = {5, 5, 5, 5};
    s = (tt_chart_series){.y = flat, .n = 4};
    c = tt_canvas_new(2, 3, true);
    tt_chart_plot(c, &s, 1, NULL, &ax);
    ck_near(ax.y_min, 4.5);
    ck_near(ax.y_max, 5.5);
    ck_near(ax.x_min, 0);
    ck_near(ax.x_max, 3);
    ck_render(c, "  \n\u2824\u2824\n  ");
    tt_canvas_free(c);

    /* No plottable point: nothing drawn, unit ranges. */
    const double none[] = {NAN, INFINITY};
    s = (tt_chart_series){.y = none, .n = 2};
    c = tt_canvas_new(4, 2, false);
    ck_assert_uint_eq(tt_chart_plot(c, &s, 1, NULL, &ax), 0);
    ck_near(ax.x_min, 0);
    ck_near(ax.x_max, 1);
    ck_near(ax.y_min, 0);
    ck_near(ax.y_max, 1);
    ck_render(c, "    \n    ");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_log_scale)
{
    /* 0 and negatives have no place on a log axis: skipped. */
    const double y[] = {100, 10, 1, 0, -1};
    tt_chart_series s = {.y = y, .n = 5};
    tt_chart_opts o = {.log_y = true, .x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
    tt_canvas *c = tt_canvas_new(3, 3, false);
    tt_chart_axes ax;
    ck_assert_uint_eq(tt_chart_plot(c, &s, 1, &o, &ax), 3);
    ck_assert(ax.log_y);
    ck_near(ax.y_min, pow(10, -0.1));
    ck_near(ax.y_max, pow(10, 2.1));
    ck_near(ax.x_max, 2);
    /* Decades are evenly spaced: 10 sits in the middle row. */
    ck_near(tt_chart_y_at(&ax, c, 1), 10);
    ck_render(c, "\\_ \n \\ \n  \\");
    /* A non-positive fixed bound is ignored. */
    o.y_min = 0;
    tt_chart_plot(c, &s, 1, &o, &ax);
    ck_near(ax.y_min, pow(10, -0.1));
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_nan_breaks_line)
{
    const double y[] = {0, 0, 0, 0, NAN, NAN, 1, 1, 1, 1};
    tt_chart_series s = {.y = y, .n = 10};
    tt_chart_opts o = {.x_min = NAN, .x_max = NAN, .y_min = 0, .y_max = 1};
    tt_canvas *c = tt_canvas_new(10, 1, false);
    ck_assert_uint_eq(tt_chart_plot(c, &s, 1, &o, NULL), 8);
    ck_render(c, "____  ''''");
    /* Without the gap the rise is drawn. */
    const double joined[] = {0, 0, 0, 0, 0.5, 0.5, 1, 1, 1, 1};
    s.y = joined;
    tt_canvas_clear(c);
    tt_chart_plot(c, &s, 1, &o, NULL);
    ck_render(c, "____--''''");
    /* An isolated point between gaps is still a dot. */
    const double lone[] = {NAN, NAN, NAN, NAN, 0.5, NAN, NAN, NAN, NAN, 1};
    s.y = lone;
    o.x_min = 0;
    o.x_max = 9;
    tt_canvas_clear(c);
    tt_chart_plot(c, &s, 1, &o, NULL);
    ck_render(c, "    -    '");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_layers)
{
    /* Two series over the same cells: the higher layer's colour wins,
     * whatever the order in the array. */
    const double y[] = {1, 2, 3, 4};
    tt_chart_series s[2] = {{.y = y, .n = 4, .color = 7, .layer = 1},
                            {.y = y, .n = 4, .color = 3, .layer = 0}};
    tt_canvas *c = tt_canvas_new(4, 2, true);
    tt_chart_plot(c, s, 2, NULL, NULL);
    char cell[8];
    int color, cells = 0;
    for (int r = 0; r < 2; r++)
        for (int col = 0; col < 4; col++)
            if (tt_canvas_cell(c, col, r, cell, &color) == 1) {
                ck_assert_int_eq(color, 7);
                cells++;
            }
    ck_assert_int_gt(cells, 3);
    s[0].layer = -1;
    tt_canvas_clear(c);
    tt_chart_plot(c, s, 2, NULL, NULL);
    for (int r = 0; r < 2; r++)
        for (int col = 0; col < 4; col++)
            if (tt_canvas_cell(c, col, r, cell, &color) == 1)
                ck_assert_int_eq(color, 3);
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_decimation_keeps_spike)
{
    enum { N = 200000 };
    double *y = malloc(N * sizeof *y);
    for (size_t i = 0; i < N; i++)
        y[i] = 0.001 * (double)(i % 7);
    y[123457] = 5.0; /* one step out of 200,000 */
    tt_chart_series s = {.y = y, .n = N};
    tt_canvas *c = tt_canvas_new(20, 5, true);
    tt_chart_axes ax;
    ck_assert_uint_eq(tt_chart_plot(c, &s, 1, NULL, &ax), N);
    ck_assert(ax.y_max > 5.0);
    /* The spike's dot column is round(123457 / 199999 * 39) = 24: cell 12,
     * whose top row holds the peak. */
    char cell[8];
    ck_assert_int_eq(tt_canvas_cell(c, 12, 0, cell, NULL), 1);
    for (int col = 0; col < 20; col++)
        if (col != 12)
            ck_assert_int_eq(tt_canvas_cell(c, col, 0, cell, NULL), 0);
    /* The noise floor is drawn along the bottom across the whole width. */
    for (int col = 0; col < 20; col++)
        ck_assert_int_eq(tt_canvas_cell(c, col, 4, cell, NULL), 1);
    free(y);
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_chart_pictures)
{
    /* Two loss curves; the first (layer 1) is drawn over the second. */
    tt_chart_series s[2] = {{.y = loss_a, .n = 10, .color = 1, .layer = 1},
                            {.y = loss_b, .n = 10, .color = 2, .layer = 0}};
    tt_canvas *c = tt_canvas_new(20, 5, false);
    tt_chart_axes ax;
    tt_chart_plot(c, s, 2, NULL, &ax);
    ck_near(ax.y_min, 0.55);
    ck_near(ax.y_max, 10.45);
    ck_render(c, "\\                   \n"
                 "'\\                  \n"
                 " '\\-___             \n"
                 "   \\_  '''''''''''''\n"
                 "     ''-------------");
    tt_canvas_free(c);

    c = tt_canvas_new(12, 4, true);
    tt_chart_plot(c, s, 2, NULL, NULL);
    ck_render(c, "\u2886           \n"
                 "\u2819\u2886          \n"
                 " \u2808\u288f\u2811\u2812\u2812\u2812\u2812\u2812\u2812\u2812\u2812\n"
                 "   \u2809\u2822\u2824\u2824\u2824\u2824\u2824\u2824\u2824");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_format_tick)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},          {0.25, "0.25"},      {-3.5, "-3.5"},     {123.4, "123"},
        {999.4, "999"},    {999.7, "1k"},       {1000, "1k"},       {1234, "1.23k"},
        {12500, "12.5k"},  {3.2e6, "3.2M"},     {1.2e-5, "1.2e-05"}, {-1.2e-5, "-1.2e-05"},
        {0.00123, "0.00123"}, {0.001, "0.001"}, {1e25, "1e+25"},    {NAN, "nan"},
        {-INFINITY, "-inf"},
    };
    char buf[12];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tt_chart_format_tick(cases[i].v, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].text);
    }
    char small[3];
    tt_chart_format_tick(0.25, small, sizeof small);
    ck_assert_str_eq(small, "0.");
}
END_TEST

START_TEST(test_best_so_far)
{
    const double y[] = {NAN, 3, 4, 2, NAN, 2.5, 1, 5};
    double out[8];
    ck_assert_uint_eq(tt_chart_best_so_far(y, 8, true, out), 6);
    ck_assert(isnan(out[0]));
    const double want_min[] = {NAN, 3, 3, 2, 2, 2, 1, 1};
    for (int i = 1; i < 8; i++)
        ck_near(out[i], want_min[i]);
    ck_assert_uint_eq(tt_chart_best_so_far(y, 8, false, out), 7);
    const double want_max[] = {NAN, 3, 4, 4, 4, 4, 4, 5};
    for (int i = 1; i < 8; i++)
        ck_near(out[i], want_max[i]);
    const double none[] = {NAN, NAN};
    ck_assert_uint_eq(tt_chart_best_so_far(none, 2, true, out), 2);
    /* In place. */
    double inplace[] = {3, 1, 2};
    tt_chart_best_so_far(inplace, 3, true, inplace);
    ck_near(inplace[2], 1);
}
END_TEST

START_TEST(test_span_shade)
{
    /* Braille: every other dot (a checkerboard across the two dot columns
     * of a cell: ⢕ when filled) and both ends of the span. Dot column 0
     * keeps even rows, column 1 odd rows, plus rows 0 and 15 (the ends). */
    tt_canvas *c = tt_canvas_new(1, 4, true);
    tt_canvas_span(c, 0, 0, 15, 4);
    tt_canvas_span(c, 1, 15, 0, 4); /* either order */
    ck_render(c, "\u289d\n\u2895\n\u2895\n\u28d5");
    char cell[8];
    int color;
    ck_assert_int_eq(tt_canvas_cell(c, 0, 1, cell, &color), 1);
    ck_assert_int_eq(color, 4);
    /* A line hides the shade in the cells it crosses, whichever came
     * first, and gives them its colour. */
    tt_canvas_line(c, 0, 6, 1, 6, 7);
    tt_canvas_span(c, 0, 0, 15, 4);
    ck_render(c, "\u289d\n\u2824\n\u2895\n\u28d5");
    tt_canvas_cell(c, 0, 1, cell, &color);
    ck_assert_int_eq(color, 7);
    tt_canvas_cell(c, 0, 2, cell, &color);
    ck_assert_int_eq(color, 4);
    /* A span of one dot is that dot; off the canvas or NaN: nothing;
     * clipped at the edges. */
    tt_canvas_clear(c);
    tt_canvas_span(c, 1, 9, 9, 1);
    tt_canvas_span(c, 2, 0, 15, 1);
    tt_canvas_span(c, NAN, 0, 15, 1);
    tt_canvas_span(c, 0, INFINITY, 3, 1);
    tt_canvas_span(c, 0, -9, -2, 1);
    ck_render(c, " \n \n\u2810\n ");
    tt_canvas_span(c, 0, -9, 0.2, 1);
    ck_render(c, "\u2801\n \n\u2810\n ");
    tt_canvas_free(c);

    /* ASCII: a cell with any shaded dot is ':'; lines still win. */
    c = tt_canvas_new(3, 2, false);
    tt_canvas_span(c, 1, 1, 4, 2);
    tt_canvas_span(c, 2, 5, 5, 2);
    ck_render(c, " : \n ::");
    tt_canvas_line(c, 0, 4, 2, 4, 3);
    ck_render(c, " : \n---");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_mark)
{
    /* A marker replaces its cell's dots, lines and shade alike. */
    tt_canvas *c = tt_canvas_new(3, 1, true);
    tt_canvas_line(c, 0, 1, 5, 1, 2);
    tt_canvas_mark(c, 2.4, 1.4, 9);
    tt_canvas_mark(c, 6, 0, 9); /* off the canvas */
    ck_render(c, "\u2812\u25c6\u2812");
    char cell[8];
    int color;
    ck_assert_int_eq(tt_canvas_cell(c, 1, 0, cell, &color), 1);
    ck_assert_int_eq(color, 9);
    tt_canvas_clear(c);
    ck_render(c, "   ");
    tt_canvas_free(c);
    c = tt_canvas_new(3, 1, false);
    tt_canvas_mark(c, 0, 2, 1);
    ck_render(c, "*  ");
    tt_canvas_free(c);

    /* tt_chart_mark places a data point as the chart placed it. */
    const double x[] = {0, 10}, y[] = {1, 100};
    tt_chart_series s = {.x = x, .y = y, .n = 2};
    tt_chart_opts o = {.log_y = true, .x_min = NAN, .x_max = NAN, .y_min = 1, .y_max = 100};
    c = tt_canvas_new(11, 3, false);
    tt_chart_axes ax;
    tt_chart_plot(c, &s, 0, &o, &ax); /* just the frame */
    ax.x_min = 0;
    ax.x_max = 10;
    tt_chart_mark(c, &ax, 5, 10, 1);  /* middle column, middle decade */
    tt_chart_mark(c, &ax, 10, 1, 1);  /* bottom right */
    tt_chart_mark(c, &ax, 0, 0, 1);   /* no place on a log axis */
    ck_render(c, "           \n     *     \n          *");
    tt_canvas_free(c);
}
END_TEST

START_TEST(test_plot_band)
{
    /* Five columns with ranges, one without; the y range spans the band
     * (padded), a line over it hides the band where it crosses. */
    const double lo[] = {0, 1, NAN, 2, 3}, hi[] = {4, 3, NAN, 2, 8};
    tt_chart_band b = {lo, hi, 5, 6};
    tt_chart_opts o = {.x_min = 0, .x_max = 4, .y_min = NAN, .y_max = NAN};
    tt_canvas *c = tt_canvas_new(5, 3, false);
    tt_chart_axes ax;
    ck_assert_uint_eq(tt_chart_plot_band(c, &b, NULL, 0, &o, &ax), 4);
    ck_near(ax.y_min, -0.4);
    ck_near(ax.y_max, 8.4);
    ck_near(ax.x_min, 0);
    ck_near(ax.x_max, 4);
    /* 9 dot rows over -0.4..8.4, 1.1 per dot: column 0 (0..4) covers dot
     * rows 4..8, column 3 (2) row 6 only, column 4 (3..8) rows 0..5. */
    ck_render(c, "    :\n::  :\n:: : ");
    /* A line on top: the cells it crosses show the line. */
    const double ly[] = {6, 6};
    const double lx[] = {0, 4};
    tt_chart_series s = {.x = lx, .y = ly, .n = 2, .color = 1};
    tt_canvas_clear(c);
    ck_assert_uint_eq(tt_chart_plot_band(c, &b, &s, 1, &o, &ax), 6);
    ck_render(c, "_____\n::  :\n:: : ");
    char cell[8];
    int color;
    tt_canvas_cell(c, 4, 0, cell, &color);
    ck_assert_int_eq(color, 1);
    tt_canvas_cell(c, 4, 1, cell, &color);
    ck_assert_int_eq(color, 6);
    /* Log axis: a column whose range reaches 0 or below has no place. */
    o.log_y = true;
    tt_canvas_clear(c);
    ck_assert_uint_eq(tt_chart_plot_band(c, &b, NULL, 0, &o, &ax), 3);
    ck_near(ax.y_max, pow(10, log10(8) + 0.05 * (log10(8) - log10(1))));
    char *text = tt_canvas_render(c);
    ck_assert_msg(text[0] == ' ' && text[6] == ' ' && text[12] == ' ', "column 0 drawn: [%s]",
                  text);
    free(text);
    /* A band with nothing to show: no data. */
    const double none[] = {NAN};
    tt_chart_band empty = {none, none, 1, 6};
    ck_assert_uint_eq(tt_chart_plot_band(c, &empty, NULL, 0, NULL, NULL), 0);
    tt_canvas_free(c);
}
END_TEST

/* 10,000 trials, 100 dot columns: on the x range 50.5..9950.5, dot column
 * k = round((x - 50.5) / 100) holds exactly trials 100k+1 .. 100k+100
 * (no trial number is at a column's edge, k + 0.5 = (x - 50.5) / 100 at
 * x = 100k + 100.5). Column k's values are 1000k + a permutation of
 * 1..100, so its quantiles are known: type 7 puts the 10th percentile at
 * rank 99·0.1 = 9.9 (between 10 and 11: 10.9), the median at 50.5 and
 * the 90th at 90.1. */
static void quantile_study(double *x, double *y)
{
    for (int i = 0; i < 10000; i++) {
        int k = i / 100, j = i % 100;
        x[i] = i + 1;
        y[i] = 1000.0 * k + (double)((j * 37) % 100 + 1); /* 37 is prime to 100 */
    }
}

START_TEST(test_column_quantiles)
{
    enum { N = 10000, W = 100 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    quantile_study(x, y);
    double lo[W], mid[W], hi[W], *out[3] = {lo, mid, hi};
    const double q[3] = {0.1, 0.5, 0.9};
    tt_chart_series p = {.x = x, .y = y, .n = N};
    tt_chart_opts r = {.x_min = 50.5, .x_max = 9950.5, .y_min = NAN, .y_max = NAN};
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, W, q, 3, out), N);
    for (int k = 0; k < W; k++) {
        ck_near(lo[k], 1000.0 * k + 10.9);
        ck_near(mid[k], 1000.0 * k + 50.5);
        ck_near(hi[k], 1000.0 * k + 90.1);
    }
    /* The same in reverse order and shuffled: x need not be sorted, and
     * the answer does not depend on the order of the values. */
    for (int i = 0; i < N; i++) {
        int j = (int)(((long)i * 7919) % N);
        double tx = x[i], ty = y[i];
        x[i] = x[j];
        y[i] = y[j];
        x[j] = tx;
        y[j] = ty;
    }
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, W, q, 3, out), N);
    for (int k = 0; k < W; k++)
        ck_near(mid[k], 1000.0 * k + 50.5);
    /* q = 0 and 1: each column's minimum and maximum; asked out of
     * order, still right. */
    const double ends[3] = {1, 0, 0.5};
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, W, ends, 3, out), N);
    for (int k = 0; k < W; k++) {
        ck_near(lo[k], 1000.0 * k + 100);
        ck_near(mid[k], 1000.0 * k + 1);
        ck_near(hi[k], 1000.0 * k + 50.5);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_column_quantiles_skips)
{
    /* Columns of 4 on a width of 3 over x 0..2; NaN, infinite and, on a
     * log axis, non-positive values are left out; a column with nothing
     * left is NaN; points off the x range are left out. */
    const double x[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 5};
    const double y[] = {4, 1, 3, 2, -1, 0, NAN, INFINITY, -3, 6, NAN, 9, 100};
    tt_chart_series p = {.x = x, .y = y, .n = 13};
    tt_chart_opts r = {.x_min = 0, .x_max = 2, .y_min = NAN, .y_max = NAN};
    double lo[3], mid[3], hi[3], *out[3] = {lo, mid, hi};
    const double q[3] = {0.25, 0.5, 1};
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, 3, q, 3, out), 9);
    ck_near(lo[0], 1.75); /* 1 2 3 4: rank 0.75 */
    ck_near(mid[0], 2.5);
    ck_near(hi[0], 4);
    ck_near(lo[1], -0.75); /* -1 0: rank 0.25 */
    ck_near(hi[1], 0);
    ck_near(lo[2], 1.5); /* -3 6 9: rank 0.5 */
    ck_near(mid[2], 6);
    r.log_y = true;
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, 3, q, 3, out), 6);
    ck_assert(isnan(lo[1]) && isnan(mid[1]) && isnan(hi[1]));
    ck_near(lo[2], 6.75); /* 6 9 */
    /* Automatic x range: the points' own (x 0..5, so trial 5 is counted
     * and 1 lands in column round(1 / 5 · 2) = 0). */
    r = (tt_chart_opts){.x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, 3, q, 3, out), 10);
    ck_near(hi[2], 100);
    ck_near(hi[0], 4);
    ck_near(lo[0], 0.25); /* -1 0 1 2 3 4: rank 1.25 */
    /* No points, or no width: nothing, no harm. */
    p.n = 0;
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, 3, q, 3, out), 0);
    ck_assert(isnan(mid[1]));
    ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, 0, q, 3, out), 0);
}
END_TEST

START_TEST(test_column_quantiles_match_plot)
{
    /* A point's quantile column is the dot column tt_chart_plot draws it
     * in, also at the edges between columns. */
    enum { W = 37 };
    tt_chart_opts r = {.x_min = 3, .x_max = 1003, .y_min = 0, .y_max = 1};
    for (int i = 0; i <= 400; i++) {
        double x = 3 + i * 2.5, y = 0.5;
        tt_chart_series p = {.x = &x, .y = &y, .n = 1};
        double v[W], *out[1] = {v};
        const double half = 0.5;
        ck_assert_uint_eq(tt_chart_column_quantiles(&p, &r, W, &half, 1, out), 1);
        tt_canvas *c = tt_canvas_new(W, 1, false);
        tt_chart_plot(c, &p, 1, &r, NULL);
        for (int k = 0; k < W; k++) {
            char cell[8];
            bool drawn = tt_canvas_cell(c, k, 0, cell, NULL) == 1;
            ck_assert_msg(drawn == !isnan(v[k]), "x %g: column %d drawn %d, quantile %g", x, k,
                          drawn, v[k]);
        }
        tt_canvas_free(c);
    }
}
END_TEST

/* ---- slice placement and timeline slots (slice.c, slots.c) ---------------- */

/* A record of one trial with one parameter "p" (text, x, active). */
static tt_trial_record slice_rec(tt_trial_state st, double value, const char *text, double x,
                                 bool active, char **names, char **texts, double *xs,
                                 bool *act)
{
    names[0] = "other";
    names[1] = "p";
    texts[0] = "0";
    texts[1] = (char *)text;
    xs[0] = 0;
    xs[1] = x;
    act[0] = true;
    act[1] = active;
    tt_trial_record r = {.number = 1, .state = st, .value = value, .n_params = 2,
                         .param_names = names, .param_text = texts, .param_x = xs,
                         .param_active = act};
    return r;
}

START_TEST(test_slice_scale_and_x)
{
    tt_param lin = {.name = "p", .dist = TT_DIST_UNIFORM, .min = 0, .max = 1};
    tt_param lg = {.name = "p", .dist = TT_DIST_LOG_UNIFORM_VALUES, .min = 1e-4, .max = 1};
    tt_value vals[3] = {{.kind = TT_VALUE_STRING, .s = "sgd"},
                        {.kind = TT_VALUE_STRING, .s = "adam"},
                        {.kind = TT_VALUE_STRING, .s = "adamw"}};
    tt_param cat = {.name = "p", .dist = TT_DIST_CATEGORICAL, .values = vals, .n_values = 3};
    ck_assert_int_eq(tt_slice_scale_of(&lin), TT_SLICE_LINEAR);
    ck_assert_int_eq(tt_slice_scale_of(&lg), TT_SLICE_LOG10);
    ck_assert_int_eq(tt_slice_scale_of(&cat), TT_SLICE_CATEGORIES);

    char *names[2], *texts[2];
    double xs[2], x = -1;
    bool act[2];
    size_t hint = 0;
    tt_trial_record r = slice_rec(TT_TRIAL_COMPLETED, 1.5, "0.25", 0.25, true, names, texts, xs,
                                  act);
    ck_assert(tt_slice_x(&lin, TT_SLICE_LINEAR, &r, &hint, &x));
    ck_assert_double_eq(x, 0.25);
    ck_assert_uint_eq(hint, 1); /* found at index 1: remembered */
    /* log: log10 of the value; and back */
    r = slice_rec(TT_TRIAL_COMPLETED, 1.5, "0.001", 0.001, true, names, texts, xs, act);
    ck_assert(tt_slice_x(&lg, TT_SLICE_LOG10, &r, &hint, &x));
    ck_assert_double_eq_tol(x, -3, 1e-12);
    ck_assert_double_eq_tol(tt_slice_value(TT_SLICE_LOG10, x), 0.001, 1e-15);
    ck_assert_double_eq(tt_slice_value(TT_SLICE_LINEAR, 0.5), 0.5);
    /* a categorical: the stored index, else the value's text (an older space) */
    r = slice_rec(TT_TRIAL_COMPLETED, 1.5, "adamw", 2, true, names, texts, xs, act);
    ck_assert(tt_slice_x(&cat, TT_SLICE_CATEGORIES, &r, &hint, &x));
    ck_assert_double_eq(x, 2);
    r = slice_rec(TT_TRIAL_COMPLETED, 1.5, "adam", NAN, true, names, texts, xs, act);
    ck_assert(tt_slice_x(&cat, TT_SLICE_CATEGORIES, &r, &hint, &x));
    ck_assert_double_eq(x, 1);
    r = slice_rec(TT_TRIAL_COMPLETED, 1.5, "rmsprop", NAN, true, names, texts, xs, act);
    ck_assert(!tt_slice_x(&cat, TT_SLICE_CATEGORIES, &r, &hint, &x));
    /* no point: not completed, no value, inactive, a log value <= 0, absent */
    r = slice_rec(TT_TRIAL_RUNNING, 1.5, "0.25", 0.25, true, names, texts, xs, act);
    ck_assert(!tt_slice_x(&lin, TT_SLICE_LINEAR, &r, &hint, &x));
    r = slice_rec(TT_TRIAL_COMPLETED, NAN, "0.25", 0.25, true, names, texts, xs, act);
    ck_assert(!tt_slice_x(&lin, TT_SLICE_LINEAR, &r, &hint, &x));
    r = slice_rec(TT_TRIAL_COMPLETED, 1, "0.25", 0.25, false, names, texts, xs, act);
    ck_assert(!tt_slice_x(&lin, TT_SLICE_LINEAR, &r, &hint, &x));
    r = slice_rec(TT_TRIAL_COMPLETED, 1, "0", 0, true, names, texts, xs, act);
    ck_assert(!tt_slice_x(&lg, TT_SLICE_LOG10, &r, &hint, &x));
    tt_param other = {.name = "q", .dist = TT_DIST_UNIFORM};
    ck_assert(!tt_slice_x(&other, TT_SLICE_LINEAR, &r, &hint, &x));
    /* the text when x is not stored */
    r = slice_rec(TT_TRIAL_COMPLETED, 1, "0.75", NAN, true, names, texts, xs, act);
    ck_assert(tt_slice_x(&lin, TT_SLICE_LINEAR, &r, &hint, &x));
    ck_assert_double_eq(x, 0.75);
}
END_TEST

START_TEST(test_slice_x_range)
{
    double lo, hi;
    tt_slice_x_range(TT_SLICE_CATEGORIES, 3, NULL, 0, &lo, &hi);
    ck_assert_double_eq(lo, -0.5);
    ck_assert_double_eq(hi, 2.5);
    double x[] = {1, 3, 2};
    tt_slice_x_range(TT_SLICE_LINEAR, 0, x, 3, &lo, &hi);
    ck_assert_double_eq_tol(lo, 1 - 0.06, 1e-12);
    ck_assert_double_eq_tol(hi, 3 + 0.06, 1e-12);
    /* one value, or none: automatic (NaN) */
    tt_slice_x_range(TT_SLICE_LOG10, 0, x, 1, &lo, &hi);
    ck_assert(isnan(lo) && isnan(hi));
    tt_slice_x_range(TT_SLICE_LINEAR, 0, x, 0, &lo, &hi);
    ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

START_TEST(test_assign_slots)
{
    /* three trials at once, then a fourth when the second ends: it takes
     * the second's slot (the lowest free), a fifth the first's */
    double start[] = {0, 0, 0, 5, 10};
    double end[] = {10, 5, 20, 30, 12};
    size_t order[] = {0, 1, 2, 3, 4}, slot[5];
    ck_assert_uint_eq(tt_chart_assign_slots(start, end, order, 5, slot), 3);
    ck_assert_uint_eq(slot[0], 0);
    ck_assert_uint_eq(slot[1], 1);
    ck_assert_uint_eq(slot[2], 2);
    ck_assert_uint_eq(slot[3], 1); /* free at 5, when it starts */
    ck_assert_uint_eq(slot[4], 0);
    /* the order given is the order taken: indices need not be sorted */
    double s2[] = {5, 0}, e2[] = {6, 5};
    size_t o2[] = {1, 0}, sl2[2];
    ck_assert_uint_eq(tt_chart_assign_slots(s2, e2, o2, 2, sl2), 1);
    ck_assert_uint_eq(sl2[0], 0);
    ck_assert_uint_eq(sl2[1], 0);
    ck_assert_uint_eq(tt_chart_assign_slots(NULL, NULL, NULL, 0, NULL), 0);
}
END_TEST

START_TEST(test_axis_positions)
{
    tt_chart_axis lin = {0, 10, false, 0}, lg = {1e-5, 1, true, 0}, cat = {0, 0, false, 4};
    ck_near(tt_chart_axis_pos(&lin, 2.5), 0.25);
    ck_assert(isnan(tt_chart_axis_pos(&lin, 11)));
    ck_assert(isnan(tt_chart_axis_pos(&lin, NAN)));
    ck_near(tt_chart_axis_pos(&lg, 1e-3), 0.4);
    ck_assert(isnan(tt_chart_axis_pos(&lg, 0)));
    ck_near(tt_chart_axis_value(&lg, 0.4), 1e-3);
    ck_near(tt_chart_axis_pos(&cat, 1), 0.375);
    ck_assert(isnan(tt_chart_axis_pos(&cat, 4)));
    ck_assert(isnan(tt_chart_axis_pos(&cat, 0.5)));
    ck_near(tt_chart_axis_value(&cat, 0.3), 1);
    ck_near(tt_chart_axis_value(&cat, 1.0), 3);
    tt_chart_axis flat = {3, 3, false, 0};
    ck_near(tt_chart_axis_pos(&flat, 3), 0.5);
}
END_TEST

START_TEST(test_contour_shade_and_points)
{
    /* value = column: the lowest level on the left, the highest on the right */
    tt_chart_axis x = {0, 10, false, 0}, y = {0, 1, false, 0};
    tt_contour *c = tt_contour_new(10, 2, &x, &y, false, false);
    ck_assert_int_eq(tt_contour_levels(c), 10);
    double v[20];
    for (int r = 0; r < 2; r++)
        for (int col = 0; col < 10; col++)
            v[r * 10 + col] = tt_contour_x_at(c, col);
    v[19] = NAN;
    tt_contour_shade(c, v);
    double lo, hi;
    tt_contour_range(c, &lo, &hi);
    ck_near(lo, 0.5);
    ck_near(hi, 9.5);
    char *got = tt_contour_render(c);
    ck_assert_str_eq(got, " .:-=+*#%@\n .:-=+*#% ");
    free(got);
    /* the centre of the top row is high on y; points and the best on top */
    ck_assert(tt_contour_y_at(c, 0) > tt_contour_y_at(c, 1));
    tt_contour_point(c, 0.2, 0.9, false);
    tt_contour_point(c, 9.9, 0.1, true);
    tt_contour_point(c, 9.9, 0.1, false);   /* hides no best */
    tt_contour_point(c, 11, 0.1, false);    /* off the grid */
    char cell[8];
    int level;
    ck_assert_int_eq(tt_contour_cell(c, 0, 0, cell, &level), 1);
    ck_assert_str_eq(cell, "o");
    ck_assert_int_eq(level, 0);
    ck_assert_int_eq(tt_contour_cell(c, 9, 1, cell, &level), 2);
    ck_assert_str_eq(cell, "X");
    ck_assert_int_eq(tt_contour_cell(c, 10, 0, cell, &level), -1);
    int col, row;
    ck_assert(tt_contour_cell_of(c, 10, 1, &col, &row));
    ck_assert_int_eq(col, 9);
    ck_assert_int_eq(row, 0);
    tt_contour_free(c);

    /* Unicode: 5 levels and its markers; colour: blanks, a ramp of distinct colours */
    c = tt_contour_new(5, 1, &x, &y, true, false);
    tt_contour_shade(c, (double[]){1, 2, 3, 4, 5});
    tt_contour_point(c, 9.9, 0.5, true);
    got = tt_contour_render(c);
    ck_assert_str_eq(got, " \u2591\u2592\u2593\u25c6");
    free(got);
    tt_contour_free(c);
    c = tt_contour_new(3, 1, &x, &y, true, true);
    tt_contour_shade(c, (double[]){1, 2, 3});
    ck_assert_int_eq(tt_contour_cell(c, 2, 0, cell, &level), 0);
    ck_assert_str_eq(cell, " ");
    ck_assert_int_eq(level, TT_CONTOUR_COLORS - 1);
    for (int l = 1; l < TT_CONTOUR_COLORS; l++)
        ck_assert_int_ne(tt_contour_color256(l, TT_CONTOUR_COLORS),
                         tt_contour_color256(l - 1, TT_CONTOUR_COLORS));
    tt_contour_free(c);

    /* categorical and log axes: a band per value, decades evenly spread */
    tt_chart_axis cat = {0, 0, false, 3}, lg = {1e-4, 1, true, 0};
    c = tt_contour_new(6, 4, &cat, &lg, false, false);
    ck_near(tt_contour_x_at(c, 0), 0);
    ck_near(tt_contour_x_at(c, 3), 1);
    ck_near(tt_contour_x_at(c, 5), 2);
    ck_near(tt_contour_y_at(c, 0), pow(10, -0.5));   /* a decade per row: row centres */
    ck_near(tt_contour_y_at(c, 3), pow(10, -3.5));
    ck_assert(tt_contour_cell_of(c, 2, 1e-4, &col, &row));
    ck_assert_int_eq(col, 5);
    ck_assert_int_eq(row, 3);
    tt_contour_free(c);
}
END_TEST

START_TEST(test_parallel_lines)
{
    tt_chart_axis ax[3] = {{0, 1, false, 0}, {0, 0, false, 2}, {1e-3, 1, true, 0}};
    tt_canvas *c = tt_canvas_new(9, 3, false);   /* 9 × 9 dots */
    ck_assert_int_eq(tt_parallel_axis_x(c, 0, 3), 0);
    ck_assert_int_eq(tt_parallel_axis_x(c, 1, 3), 4);
    ck_assert_int_eq(tt_parallel_axis_x(c, 2, 3), 8);
    ck_near(tt_parallel_y(c, &ax[0], 1), 0);
    ck_near(tt_parallel_y(c, &ax[0], 0), 8);
    ck_near(tt_parallel_y(c, &ax[1], 0), 6);    /* band 0 of 2: centre at 0.25 */
    ck_near(tt_parallel_y(c, &ax[2], 0.1), 8.0 / 3);
    /* a flat line at the top, then one with a gap (NaN in the middle) */
    tt_parallel_line(c, ax, 3, (double[]){1, 1, 1}, 4);
    char cell[8];
    int color;
    ck_assert_int_eq(tt_canvas_cell(c, 0, 0, cell, &color), 1);
    ck_assert_int_eq(color, 4);
    tt_canvas_clear(c);
    tt_parallel_line(c, ax, 3, (double[]){0, NAN, 1}, 4);
    char *got = tt_canvas_render(c);
    ck_assert_str_eq(got, "         \n         \n         ");
    free(got);
    tt_canvas_free(c);

    /* ranks: 100 lines, the best on top in the best colour; thinning */
    enum { N = 100 };
    static double v[N * 3];
    for (int i = 0; i < N; i++) {
        v[i * 3 + 0] = 0.5;                /* all cross the middle of axis 0 */
        v[i * 3 + 1] = i % 2;
        v[i * 3 + 2] = 0.01;
    }
    c = tt_canvas_new(20, 5, true);
    const int tiers[4] = {7, 6, 5, 4};
    ck_assert_uint_eq(tt_parallel_plot(c, ax, 3, v, N, tiers, 0), N);
    int mid = (int)floor(tt_parallel_y(c, &ax[0], 0.5) + 0.5) / 4;
    ck_assert_int_eq(tt_canvas_cell(c, 0, mid, cell, &color), 1);
    ck_assert_int_eq(color, 7);
    tt_canvas_clear(c);
    ck_assert_uint_eq(tt_parallel_plot(c, ax, 3, v, N, tiers, 30), 30);
    ck_assert_uint_eq(tt_parallel_plot(c, ax, 3, v, N, tiers, 5), 10);  /* the top 10 % stays */
    ck_assert_uint_eq(tt_parallel_plot(c, ax, 3, v, 0, tiers, 5), 0);
    tt_canvas_free(c);
}
END_TEST

Suite *suite_ui_chart(void)
{
    return tt_suite_of("ui_chart", "core", 0,
                       TT_TESTS(test_braille_single_dots, test_braille_diagonal, test_line_clipped,
                                test_ascii_lines, test_ranges_and_padding, test_log_scale,
                                test_nan_breaks_line, test_layers, test_decimation_keeps_spike,
                                test_chart_pictures, test_format_tick, test_best_so_far,
                                test_span_shade, test_mark, test_plot_band, test_column_quantiles,
                                test_column_quantiles_skips, test_column_quantiles_match_plot,
                                test_slice_scale_and_x, test_slice_x_range, test_assign_slots,
                                test_axis_positions, test_contour_shade_and_points,
                                test_parallel_lines));
}
