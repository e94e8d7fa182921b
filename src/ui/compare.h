/*
 * compare.h — the studies the compare view sets side by side (compare.c).
 * The dashboard shows one study (ui_app.model); `tunetop DIR1 DIR2 …`, or
 * studies marked in the picker, add others, each read by a ui_model of its
 * own, read-only, polled on the dashboard's cadence. Positions are the
 * order the studies were given in and never change: position 0 is the
 * first study, whichever one the dashboard shows (after ui_compare_show
 * the dashboard's model is another position's). Kept apart from
 * internal.h so that the dashboard's shared header grows by one pointer.
 */
#ifndef TUNETOP_UI_COMPARE_H
#define TUNETOP_UI_COMPARE_H

#include "internal.h"

/* Studies compared at most (the dashboard's included): one trial colour
 * slot each, and a legend and a table that still fit a screen. */
#define UI_COMPARE_MAX TT_UI_COMPARE_MAX

/* Open the n studies of dirs, read-only, beside the dashboard's own (which
 * need not be open yet: it is position 0). A study that does not open, or
 * more than UI_COMPARE_MAX - 1 of them, fails the whole call with err
 * filled and nothing kept. Returns 0 or a negative code. */
int ui_compare_open(ui_app *a, const char *const *dirs, size_t n, tt_error *err);
/* Read what changed in each extra study (the dashboard's own is polled by
 * the loop); returns whether any of them changed. */
bool ui_compare_poll(ui_app *a, double now);
/* Close the extra studies (at exit; nothing when none were opened). */
void ui_compare_close(ui_app *a);

/* Studies compared: 0 when the dashboard shows one study alone. */
size_t ui_compare_count(const ui_app *a);
/* The model of position i (< ui_compare_count): the dashboard's own for
 * the position it shows. */
ui_model *ui_compare_model(ui_app *a, size_t i);
/* The position the dashboard shows. */
size_t ui_compare_shown(const ui_app *a);
/* Show position i in the dashboard: its model and the dashboard's trade
 * places, and what the panels kept of the old study (lists, caches, the
 * trial detail) is reset. Returns whether the dashboard changed study. */
bool ui_compare_show(ui_app *a, size_t i);

#endif
