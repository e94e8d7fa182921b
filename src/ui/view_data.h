/*
 * view_data.h — what the contour and parallel-coordinate views share
 * (view_data.c): the completed trials mapped onto the sweep's space, the
 * way `tunetop plot` maps them (src/cli/plot_params.c), cached until the
 * completed trials change; a parameter's axis; the parameters in
 * importance order; the strongest interaction "a × b".
 */
#ifndef TUNETOP_UI_VIEW_DATA_H
#define TUNETOP_UI_VIEW_DATA_H

#include "internal.h"
#include "tunetop/chart.h"
#include "tunetop/importance.h"

typedef struct ui_view_data {
    const tt_space *space;     /* the model's sweep's: valid while gen holds */
    bool maximize;
    uint64_t seed;             /* the sweep's: the same forest as `tunetop plot` */
    tt_importance_data d;      /* x[t][param]: raw value, a categorical's choice index */
    size_t *rank;              /* rows of d by loss, best first */
    unsigned gen;              /* bumped whenever the data is rebuilt */
} ui_view_data;

/* The model's data, rebuilt only when completed_gen (or the sweep) moved;
 * NULL when the study has no loaded sweep or no objective. Borrowed until
 * the next call. */
const ui_view_data *ui_view_data_get(ui_model *m);
/* Drop the cache (the views' free; idempotent). */
void ui_view_data_free(void);
/* Row's objective as reported (d.y is a loss). */
double ui_view_data_value(const ui_view_data *v, size_t row);
/* The axis of parameter param: a band per choice, else log (log-distributed
 * parameters) or linear over the values the trials took. False when no
 * trial has a value of it. */
bool ui_view_param_axis(const ui_view_data *v, size_t param, tt_chart_axis *ax);
/* The non-constant parameters, the most important first (the model's
 * importance: stored or computed here), the rest in the space's order.
 * order holds space->n. Returns how many. */
size_t ui_view_param_order(const ui_model *m, const tt_space *sp, size_t *order);
/* The strongest interaction of the model's "a × b" pairs between two
 * non-constant parameters of sp; false when there is none. */
bool ui_view_strongest_pair(const ui_model *m, const tt_space *sp, size_t *a, size_t *b,
                            double *value);

#endif
