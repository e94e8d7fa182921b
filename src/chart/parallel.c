/*
 * parallel — parallel coordinates: one vertical axis per parameter (and the
 * objective), each trial a polyline through its values, drawn on the same
 * braille/ASCII canvas as the other charts, for the dashboard's view and
 * `tunetop plot --kind parallel`.
 *
 * Colour is rank: a cell takes the colour of the last line through it, so
 * lines are drawn worst first and the best tiers lie on top of the crowd.
 * Past max_lines, every line of the best 10 % is kept and the others are
 * thinned evenly by rank: 10,000 polylines would fill the canvas solid (no
 * picture) and cost a frame ~6 segments × 10,000 lines of dot walking.
 */
#include <math.h>
#include <stdlib.h>

#include "tunetop/chart.h"
#include "tunetop/util.h"

int tt_parallel_axis_x(const tt_canvas *c, size_t k, size_t n)
{
    int w = tt_canvas_width(c);
    if (n <= 1)
        return (w - 1) / 2;
    return (int)floor((double)k * (w - 1) / (double)(n - 1) + 0.5);
}

double tt_parallel_y(const tt_canvas *c, const tt_chart_axis *ax, double v)
{
    double p = tt_chart_axis_pos(ax, v);
    if (isnan(p))
        return NAN;
    return (1.0 - p) * (tt_canvas_height(c) - 1);
}

void tt_parallel_line(tt_canvas *c, const tt_chart_axis *axes, size_t n, const double *values,
                      int color)
{
    double px = NAN, py = NAN;
    for (size_t k = 0; k < n; k++) {
        double x = tt_parallel_axis_x(c, k, n), y = tt_parallel_y(c, &axes[k], values[k]);
        if (!isnan(y) && !isnan(py))
            tt_canvas_line(c, px, py, x, y, color);
        else if (!isnan(y) && n == 1)
            tt_canvas_dot(c, x, y, color);
        px = x;
        py = y;
    }
}

/* The tier of rank r (0 = best) of n lines. */
static int tier_of(size_t r, size_t n, size_t top)
{
    if (r == 0)
        return 0;
    if (r < top)
        return 1;
    return r < (n + 1) / 2 ? 2 : 3;
}

size_t tt_parallel_plot(tt_canvas *c, const tt_chart_axis *axes, size_t n_axes,
                        const double *values, size_t n_lines, const int tier_color[4],
                        size_t max_lines)
{
    if (n_lines == 0 || n_axes == 0)
        return 0;
    /* the best 10 % (at least the best line) always; the rest thinned to
     * what max_lines leaves, evenly by rank */
    size_t top = (n_lines + 9) / 10;
    size_t rest = n_lines - top, keep = rest;
    if (max_lines && n_lines > max_lines)
        keep = max_lines > top ? max_lines - top : 0;
    size_t drawn = 0;
    /* worst first: the rest (thinned), then the top 10 % from its worst */
    for (size_t i = keep; i-- > 0;) {
        size_t r = top + (keep == rest ? i : (size_t)((double)i * (double)rest / (double)keep));
        tt_parallel_line(c, axes, n_axes, values + r * n_axes,
                         tier_color[tier_of(r, n_lines, top)]);
        drawn++;
    }
    for (size_t r = top; r-- > 0;) {
        tt_parallel_line(c, axes, n_axes, values + r * n_axes,
                         tier_color[tier_of(r, n_lines, top)]);
        drawn++;
    }
    return drawn;
}
