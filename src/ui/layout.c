/*
 * layout — where each panel goes for a terminal size. Pure and
 * deterministic (the same size always gives the same rectangles, which the
 * end-to-end tests rely on), computed only at start and on SIGWINCH.
 *
 *   header (2 rows)
 *   curves | history | importance      (history shares importance's place
 *   best trials                          below 120 columns; Tab shows it)
 *   trial list
 *   status line (1 row)
 *
 * The chart band takes ~40% of the body, the best table ~35% of the rest,
 * the trial list what remains; every panel keeps a usable minimum at 80×24.
 */
#include <string.h>

#include "internal.h"

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static ui_rect rect(int y, int x, int h, int w)
{
    ui_rect r = {y, x, h, w};
    return r;
}

void ui_layout_compute(int cols, int rows, ui_layout *out)
{
    memset(out, 0, sizeof *out);
    out->cols = cols;
    out->rows = rows;
    if (cols < UI_MIN_COLS || rows < UI_MIN_ROWS) {
        out->too_small = true;
        return;
    }
    out->r[UI_PANEL_HEADER] = rect(0, 0, 2, cols);
    out->r[UI_PANEL_STATUS] = rect(rows - 1, 0, 1, cols);
    int body_y = 2, body_h = rows - 3;
    out->body = rect(body_y, 0, body_h, cols);

    int top = clamp(body_h * 40 / 100, 7, 30);
    int rest = body_h - top;
    int best = clamp(rest * 40 / 100, 4, 14);
    int trials = rest - best;
    if (trials < 4) {
        trials = 4;
        best = rest - trials;
    }
    out->history_shared = cols < 120;
    if (out->history_shared) {
        int cw = cols * 60 / 100;
        out->r[UI_PANEL_CURVES] = rect(body_y, 0, top, cw);
        out->r[UI_PANEL_IMPORTANCE] = rect(body_y, cw, top, cols - cw);
        out->r[UI_PANEL_HISTORY] = out->r[UI_PANEL_IMPORTANCE];
    } else {
        int cw = cols * 50 / 100, hw = cols * 25 / 100;
        out->r[UI_PANEL_CURVES] = rect(body_y, 0, top, cw);
        out->r[UI_PANEL_HISTORY] = rect(body_y, cw, top, hw);
        out->r[UI_PANEL_IMPORTANCE] = rect(body_y, cw + hw, top, cols - cw - hw);
    }
    out->r[UI_PANEL_BEST] = rect(body_y + top, 0, best, cols);
    out->r[UI_PANEL_TRIALS] = rect(body_y + top + best, 0, trials, cols);
}

int ui_layout_hit(const ui_layout *l, int y, int x, bool show_history)
{
    if (l->too_small)
        return -1;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        const ui_rect *r = &l->r[p];
        if (r->h == 0 || y < r->y || y >= r->y + r->h || x < r->x || x >= r->x + r->w)
            continue;
        if (l->history_shared && p == UI_PANEL_HISTORY && !show_history)
            continue;
        if (l->history_shared && p == UI_PANEL_IMPORTANCE && show_history)
            continue;
        return p;
    }
    return -1;
}
