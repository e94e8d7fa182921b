/*
 * table.h — the trial table shared by best.c and trials.c (table.c).
 */
#ifndef TUNETOP_UI_TABLE_H
#define TUNETOP_UI_TABLE_H

#include "internal.h"

#define UI_TABLE_MAX_COLS 64

/* Where the last draw put each column, for mouse clicks. */
typedef struct ui_table_geom {
    int header_y, first_row_y;
    size_t top;
    size_t n;
    int x[UI_TABLE_MAX_COLS], w[UI_TABLE_MAX_COLS];
    size_t col[UI_TABLE_MAX_COLS];
} ui_table_geom;

/* The text of one cell (column UI_COL_* or UI_COL_FIXED + parameter). */
void ui_table_cell(const ui_app *a, const tt_trial_record *r, size_t col, char *buf, size_t n);
const char *ui_table_header(const ui_app *a, size_t col);
/* Draw the header at row y0 and the rows below it (trial numbers),
 * keeping list->sel visible; the fixed columns first, then parameters from
 * list->left. sort_col (-1 = none) gets an arrow. */
void ui_table_draw(ui_app *a, void *win, int y0, int x0, const long *numbers, size_t n,
                   ui_list *list, const size_t *fixed, size_t n_fixed, bool focused,
                   long sort_col, bool desc, ui_table_geom *geom);
/* Movement keys of a list of n rows (arrows, jk, PgUp/PgDn, Home/End, g/G,
 * h/l scroll the parameter columns). Returns UI_* flags. */
int ui_table_list_key(ui_list *list, size_t n, int key);

#endif
