/*
 * views — the exploration views `v` cycles through (views.h), in the order
 * it visits them. This table is the only place that names them all: adding
 * a view is one entry here (its object, its status-line keys, its help).
 * The loop (app.c) draws the shown view into the body's window instead of
 * the panels; keys.c gives it keys before the dashboard's own.
 */
#include <stdio.h>

#include "views.h"

static const ui_view_entry views[] = {
    {&ui_view_slice,
     "←→↑↓ select  Enter full size  Esc back  [ ] marker  n narrow  x drop  p pin",
     (const char *const[]){
         "← → ↑ ↓|select a parameter's chart (the grid of small charts)",
         "Enter  Esc|open the selected chart full size / back to the grid",
         "[  ]|full size, a number: select the low / high range marker (← → move it; "
         "a mouse drag across the chart sets both)",
         "x|full size, a categorical: drop / keep the value under the cursor (← → move it)",
         "n|narrow the parameter to the markers' range or the kept values (asks first; "
         "writes the next space version as `tunetop narrow` does)",
         "p|pin the parameter to the value under the cursor, else the best trial's (asks first)",
         NULL}},
    {&ui_view_contour,
     "x X  y Y axes  [ ] corner  ←→↑↓ move  n narrow  p pin  (or drag)",
     (const char *const[]){
         "x  X|step the x axis's parameter (importance order) / backwards",
         "y  Y|step the y axis's parameter / backwards",
         "[  ]|select the rectangle's low (bottom left) / high (top right) corner",
         "← →  ↑ ↓|move the corner: the x parameter's / the y parameter's bound "
         "(a mouse drag across the grid draws the rectangle)",
         "n|narrow both parameters to the rectangle in one new space version (a categorical "
         "axis: the values it covers; asks first)",
         "p|pin both parameters to the best trial's values (asks first)", NULL}},
    {&ui_view_parallel,
     "one axis per parameter, the objective last; the best 10 % bright",
     (const char *const[]){"|no keys of its own: lines are coloured by rank, best on top",
                           NULL}},
    {&ui_view_timeline,
     "↑↓ select trial  Enter detail  z whole study / newest window",
     (const char *const[]){
         "↑ ↓  ← →|select a trial's bar (up/down: slots, left/right: along the slot)",
         "Enter|open the selected trial's detail",
         "z|zoom out to the whole study / back to the newest window", NULL}},
    {&ui_view_compare,
     "↑↓ select study  Enter show it in the dashboard",
     (const char *const[]){
         "↑ ↓|select a study in the table (`tunetop DIR1 DIR2 …`, or Space in the picker)",
         "Enter|show the selected study in the dashboard's panels", NULL}},
};

size_t ui_views_count(void)
{
    return sizeof views / sizeof *views;
}

const ui_view_entry *ui_views_get(size_t i)
{
    return i < ui_views_count() ? &views[i] : NULL;
}

const ui_view_entry *ui_views_shown(const ui_app *a)
{
    return a->view > 0 ? ui_views_get((size_t)a->view - 1) : NULL;
}

int ui_views_cycle(ui_app *a, int dir)
{
    int n = (int)ui_views_count() + 1;
    a->view = ((a->view + dir) % n + n) % n;
    a->view_dirty = true;
    /* the status line names the view and its keys (header.c) */
    a->message[0] = '\0';
    return UI_REDRAW_ALL;
}

void ui_views_free(void)
{
    for (size_t i = 0; i < ui_views_count(); i++)
        if (views[i].view->free)
            views[i].view->free();
}
