/*
 * slice.h — private to the slice view: its drawing (view_slice.c) and its
 * steering (slice_steer.c: range markers, dropped values, narrow and pin).
 */
#ifndef TUNETOP_UI_SLICE_H
#define TUNETOP_UI_SLICE_H

#include "internal.h"
#include "tunetop/chart.h"
#include "tunetop/space.h"

typedef struct ui_slice_state {
    size_t sel;             /* the selected parameter, in ui_view_param_order's order */
    bool full;              /* the selected chart full size */
    int grid_cols;          /* charts per row at the last draw: ↑↓ move by it */
    /* steering, for the parameter named param (reset when it changes) */
    char *param;
    int marker;             /* 0: the low marker moves, 1: the high one */
    int lo_dot, hi_dot;     /* the markers' dot columns; -1: not placed yet */
    int cursor;             /* a categorical's value under the cursor */
    bool *dropped;          /* per value of a categorical: dropped by x */
    size_t n_dropped;
    /* the full-size chart's last draw: where a dot column lies */
    tt_chart_axes axes;
    int dot_w;
    size_t n_values;
    int chart_top, chart_left;   /* the canvas's first cell in the view's window */
    int chart_cols, chart_rows;  /* its size in cells */
    int drag_dot;                /* the dot column a mouse press began on; -1: none */
} ui_slice_state;

ui_slice_state *ui_slice_state_get(void);

/* The points of a slice of P: completed trials with a finite objective
 * where P is active, x as tt_slice_x places them; best = the best's index
 * ((size_t)-1 when n == 0). */
typedef struct ui_slice_points_t {
    double *x, *y;
    long *number;
    size_t n, best;
    tt_slice_scale scale;
} ui_slice_points_t;

void ui_slice_points(const ui_model *m, const tt_param *P, ui_slice_points_t *out);
void ui_slice_points_free(ui_slice_points_t *p);
/* One chart of P in the h×w area at (y, x): a title row, the scatter, its
 * x axis row. full: the steering marks too. */
void ui_slice_chart(ui_app *a, void *win, int y, int x, int h, int w, const tt_param *P,
                    bool selected, bool full);

/* Steering (slice_steer.c). follow: the selected parameter is P (resets
 * the markers when it changed). overlay: draw the markers on c. label: the
 * title's right side (the range or the kept values, the keys). key: [ ] ←
 * → x n p in the full-size chart. */
void ui_slice_steer_follow(const tt_param *P);
void ui_slice_steer_overlay(ui_app *a, tt_canvas *c, const tt_chart_axes *axes,
                            const tt_param *P, tt_slice_scale scale);
void ui_slice_steer_label(ui_app *a, const tt_param *P, char *buf, size_t n);
int ui_slice_steer_key(ui_app *a, int key);
/* A mouse event (views.h's what) at (y, x) of the view's window, the chart
 * full size: a drag across a number's chart sets both markers to its ends,
 * a click moves the selected marker there; on a categorical a click moves
 * the cursor to the value under it. */
int ui_slice_steer_mouse(ui_app *a, int what, int y, int x);

#endif
