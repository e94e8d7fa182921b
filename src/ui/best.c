/*
 * best — the best-so-far table: completed trials ranked by the objective
 * (best first), with their parameters as columns. Enter (or a click on the
 * selected row) opens the trial's detail. The ranking is the model's
 * cached one (sorted again only when the completed trials change).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "table.h"

static ui_table_geom geom;

static const size_t fixed[] = {UI_COL_NUMBER, UI_COL_VALUE, UI_COL_STEP, UI_COL_DURATION};

void ui_best_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    size_t total = 0;
    const long *ranked = ui_model_ranking(&a->model, &total);
    char right[96];
    snprintf(right, sizeof right, "%s %s, %zu completed", a->model.study.metric,
             a->model.study.goal == TT_GOAL_MAXIMIZE ? "max" : "min", total);
    bool focused = a->focus == UI_PANEL_BEST && a->overlay == UI_OVERLAY_NONE;
    ui_draw_title(a, w, "Best trials", right, focused);
    if (total == 0) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, 1, 1, "no completed trial yet", getmaxx(w) - 2, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
    } else {
        ui_table_draw(a, w, 1, 0, ranked, total, &a->best, fixed, sizeof fixed / sizeof *fixed,
                      focused, -1, false, &geom);
    }
}

static long selected(ui_app *a)
{
    size_t total = 0;
    const long *ranked = ui_model_ranking(&a->model, &total);
    return a->best.sel < total ? ranked[a->best.sel] : 0;
}

int ui_best_key(ui_app *a, int key)
{
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        long n = selected(a);
        if (n)
            ui_detail_open(a, n);
        return n ? UI_REDRAW_ALL : UI_HANDLED;
    }
    size_t total = 0;
    (void)ui_model_ranking(&a->model, &total);
    return ui_table_list_key(&a->best, total, key);
}

int ui_best_mouse(ui_app *a, int y, int x, int button)
{
    (void)x;
    (void)button;
    if (y < geom.first_row_y)
        return UI_HANDLED;
    size_t i = geom.top + (size_t)(y - geom.first_row_y);
    if (i == a->best.sel)
        return ui_best_key(a, '\n');
    a->best.sel = i;
    return UI_HANDLED | UI_REDRAW;
}
