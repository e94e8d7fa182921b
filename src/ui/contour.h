/*
 * contour.h — private to the contour view: its drawing (view_contour.c)
 * tells its steering (contour_steer.c: a selection rectangle over the two
 * parameters, narrow and pin) what the last frame showed.
 */
#ifndef TUNETOP_UI_CONTOUR_H
#define TUNETOP_UI_CONTOUR_H

#include "internal.h"
#include "tunetop/chart.h"
#include "tunetop/space.h"

/* The grid of the last frame: where its cells are in the view's window,
 * the parameters on its axes, and the data value at the centre of each
 * column (x) and row (y, row 0 the top: the highest value). */
typedef struct ui_contour_frame {
    const tt_param *pa, *pb;     /* x and y; valid while the space is */
    tt_chart_axis ax, ay;
    int top, left, cols, rows;
    const double *xs, *ys;       /* cols and rows values, copied by _frame */
} ui_contour_frame;

/* The frame just drawn (NULL: none, the view shows a message): markers of
 * another pair of parameters or another grid size start afresh. */
void ui_contour_steer_frame(const ui_contour_frame *f);
/* Draw the selection rectangle's edges over the cells (when it is not the
 * whole grid). */
void ui_contour_steer_overlay(ui_app *a, void *win);
/* The selection, or how to make one, for the legend line. */
void ui_contour_steer_label(const ui_app *a, char *buf, size_t n);
/* [ ] ← → ↑ ↓ (h l j k) n p; UI_IGNORED for the rest. */
int ui_contour_steer_key(ui_app *a, int key);
/* A mouse event (views.h's what) at (y, x) of the view's window: a drag
 * across the grid sets the rectangle, a click moves the selected corner. */
int ui_contour_steer_mouse(ui_app *a, int what, int y, int x);
/* Forget everything (the view is freed). */
void ui_contour_steer_free(void);

#endif
