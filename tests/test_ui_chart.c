/*
 * Tests for the dashboard's chart canvas (src/ui/chart.c): braille dot bits
 * against the Unicode dot numbering, the ASCII form, automatic ranges and
 * their padding, log scale, NaN gaps, layering, decimation of long series,
 * tick labels, the best-so-far staircase, and whole charts compared with
 * their expected pictures.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/chart.h"
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

Suite *suite_ui_chart(void)
{
    return tt_suite_of("ui_chart", "core", 0,
                       TT_TESTS(test_braille_single_dots, test_braille_diagonal, test_line_clipped,
                                test_ascii_lines, test_ranges_and_padding, test_log_scale,
                                test_nan_breaks_line, test_layers, test_decimation_keeps_spike,
                                test_chart_pictures, test_format_tick, test_best_so_far));
}
