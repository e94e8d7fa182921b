/*
 * views.h — the exploration views (issue 19): `v` cycles the dashboard's
 * main area from its panels (curves, history, importance, best, trials)
 * through slice, contour, parallel coordinates, timeline and compare. Each
 * view is one file (view_<name>.c) that exports one ui_view; views.c lists
 * them in the order `v` visits them and is the only file that names them
 * all. A view draws from the model (ui_model, internal.h) and the pure
 * chart module (tunetop/chart.h), never from the store, and keeps what it
 * must remember (selection, cached grids) in state private to its file.
 */
#ifndef TUNETOP_UI_VIEWS_H
#define TUNETOP_UI_VIEWS_H

#include "internal.h"

typedef struct ui_view {
    const char *name;   /* "slice", "contour", …: the title, the help, `v`'s message */
    /* Draw into win (a WINDOW * covering the main area, between the header
     * and the status line), whole: the view owns the area while shown. */
    void (*draw)(ui_app *a, void *win);
    /* A key while the view is shown: UI_* flags (internal.h), UI_IGNORED
     * for the keys the dashboard handles itself (q, ?, v, Tab, …). */
    int (*key)(ui_app *a, int key);
    /* Free what the view keeps (may be NULL), when the dashboard closes. */
    void (*free)(void);
    /* A mouse button 1 event (may be NULL: the view ignores the mouse):
     * what is UI_MOUSE_PRESS, UI_MOUSE_DRAG or UI_MOUSE_RELEASE, at (y, x)
     * inside the view's window. A drag is a press, perhaps moves, and a
     * release — terminals that report no motion send the two ends only.
     * Returns UI_* flags as key does. */
    int (*mouse)(ui_app *a, int what, int y, int x);
} ui_view;

enum { UI_MOUSE_PRESS, UI_MOUSE_DRAG, UI_MOUSE_RELEASE };

extern const ui_view ui_view_slice;
extern const ui_view ui_view_contour;
extern const ui_view ui_view_parallel;
extern const ui_view ui_view_timeline;
extern const ui_view ui_view_compare;

/* ---- the list `v` visits (views.c) ---------------------------------------- */

/* A view as the dashboard lists it: the status line's keys while it is
 * shown, and its lines of the help overlay ("KEYS|what they do", the
 * help's format; NULL-terminated). Kept beside the table rather than in
 * ui_view so the views' files need not change when the help does. */
typedef struct ui_view_entry {
    const ui_view *view;
    const char *hints;
    const char *const *help;
} ui_view_entry;

/* How many views there are, and the i-th (0-based) in `v`'s order. */
size_t ui_views_count(void);
const ui_view_entry *ui_views_get(size_t i);
/* The view shown (a->view: 0 = the panels, k = the k-th view), or NULL. */
const ui_view_entry *ui_views_shown(const ui_app *a);
/* v (dir 1) and V (dir -1): the next or previous view, the panels counted
 * as one more place in the cycle. Says which in the status line. */
int ui_views_cycle(ui_app *a, int dir);
/* Each view's free, when the dashboard closes. */
void ui_views_free(void);

#endif
