/*
 * steer.h — steering the sweep from a view (issue 19 ★), shared by the
 * slice view (slice_steer.c) and the contour view (contour_steer.c): a view
 * turns its markers into requests (one per parameter: a range, kept values
 * or a pin), and this module asks the user, narrows every parameter in one
 * new sweep version (tt_study_narrow_many: the path `tunetop narrow` takes)
 * and says the outcome on the status line. One place, so that both views
 * ask, refuse and report alike.
 */
#ifndef TUNETOP_UI_STEER_H
#define TUNETOP_UI_STEER_H

#include "internal.h"
#include "tunetop/space.h"

/* At most this many parameters in one narrowing: the contour's two axes. */
#define UI_STEER_MAX 2

/* One parameter's change, as texts (tt_narrow's, owned here). */
typedef struct ui_steer_req {
    char param[256];
    char min[40], max[40], pin[256];
    bool has_min, has_max, has_pin;
    char **values;
    size_t n_values;
} ui_steer_req;

/* Forget the requests of an earlier question and start new ones. */
void ui_steer_begin(void);
/* A new request for parameter P (NULL beyond UI_STEER_MAX). */
ui_steer_req *ui_steer_add(const tt_param *P);
/* Drop the last request added (one that turned out to change nothing). */
void ui_steer_drop_last(void);
size_t ui_steer_count(void);
/* The i-th request (i < ui_steer_count()). */
ui_steer_req *ui_steer_get(size_t i);

/* The range [lo, hi] (values a trial sees) as bounds of r: a side whose
 * at_edge is set (the marker left at the chart's edge) or that does not
 * narrow the space's range sets no bound; an integer parameter rounds
 * inwards. Returns how many bounds were set (0: nothing to narrow). */
int ui_steer_range(ui_steer_req *r, const tt_param *P, double lo, bool lo_edge, double hi,
                   bool hi_edge);
/* Keep value k of a categorical P. */
void ui_steer_keep(ui_steer_req *r, const tt_param *P, size_t k);
/* Pin r to the value of P in the best trial. False (and a message) when
 * no completed trial has one. */
bool ui_steer_pin_best(ui_app *a, ui_steer_req *r, const tt_param *P);
/* Pin r to categorical value k of P. */
void ui_steer_pin_value(ui_steer_req *r, const tt_param *P, size_t k);

/* Ask "what? y = write …" (ui_confirm); on yes, narrow every request in
 * one write and say so; done (may be NULL) runs after a successful write,
 * for the view to reset its markers for the new space. */
void ui_steer_ask(ui_app *a, const char *what, void (*done)(void));

#endif
