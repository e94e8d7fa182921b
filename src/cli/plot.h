/*
 * plot.h — private to `tunetop plot` (cmd_plot.c and the plot_*.c files):
 * a text grid of W × H cells that every chart is written into (so no line
 * can ever be wider than W columns or the output longer than H rows), the
 * frame around a chart (tick labels, axis names), and one entry point per
 * kind. The charts themselves are the pure chart module's canvas.
 */
#ifndef TUNETOP_CLI_PLOT_H
#define TUNETOP_CLI_PLOT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "tunetop/chart.h"
#include "tunetop/importance.h"
#include "tunetop/space.h"

/* Columns left of the canvas: a tick label of at most 7 characters, then
 * the y axis (as in the dashboard's panels, src/ui/plot.c). */
#define CLI_PLOT_LABEL_W 8
/* A chart is a title row, at least 3 canvas rows, a row of x ticks and a
 * row with the x axis's name; its canvas at least 16 columns wide. */
#define CLI_PLOT_MIN_ROWS 6
#define CLI_PLOT_MIN_COLS (CLI_PLOT_LABEL_W + 16)

/* One code point per cell, UTF-8, NUL-terminated; "" is a blank. */
typedef struct cli_plot_grid {
    int w, h;
    bool ascii;          /* every byte written is < 0x80 */
    char (*cells)[5];
} cli_plot_grid;

cli_plot_grid *cli_plot_grid_new(int w, int h, bool ascii);
void cli_plot_grid_free(cli_plot_grid *g);
/* Write text at (row, col), clipped to the grid and to at most max_cols
 * columns (max_cols < 0: to the grid's edge). Text from a study (names,
 * category values) may hold anything: control characters become '?', and
 * so does every non-ASCII character in an ASCII grid. Returns the columns
 * written. */
int cli_plot_grid_put(cli_plot_grid *g, int row, int col, const char *text, int max_cols);
/* Columns text would take in g (one per code point). */
int cli_plot_text_width(const char *text);
/* Rows [0, rows) with trailing blanks dropped, each ended by '\n'. */
void cli_plot_grid_print(const cli_plot_grid *g, int rows, FILE *out);

/* What the x axis's values mean, for its tick labels. */
typedef enum cli_plot_xkind {
    CLI_PLOT_X_LINEAR,
    CLI_PLOT_X_LOG10,       /* the canvas holds log10(x): labels show 10^v */
    CLI_PLOT_X_CATEGORIES,  /* x = 0 .. n-1 on a range of -0.5 .. n-0.5 */
    CLI_PLOT_X_SECONDS      /* durations: 0s, 45s, 12m, 3.5h */
} cli_plot_xkind;

typedef struct cli_plot_xaxis {
    cli_plot_xkind kind;
    const char *name;                /* under the canvas */
    const char *const *categories;   /* CLI_PLOT_X_CATEGORIES: n_categories names */
    size_t n_categories;
} cli_plot_xaxis;

/* The whole request and where it is drawn. */
typedef struct cli_plot {
    cli_view view;            /* the study: every trial (history, slice, timeline), or
                                 the best few and the running ones (curves) */
    const char *dir;
    const char *param;        /* --param, NULL when not given */
    const char *params;       /* --params P,Q (contour), NULL when not given */
    const char *metric;       /* --metric, NULL when not given */
    bool braille;             /* canvases of braille dots; else ASCII */
    bool utf8;                /* the axes may use box-drawing characters */
    cli_plot_grid *grid;
    int rows_used;            /* rows of grid printed */
} cli_plot;

/* A blank canvas for a chart of `rows` grid rows across the grid. */
tt_canvas *cli_plot_canvas(const cli_plot *p, int rows);
/* Draw a chart into grid rows from top (its canvas's rows + 3): the title (the y axis's
 * name first), the y tick labels and axis, the canvas c (its cells where
 * mark has dots shown as '*': the best trial), the x tick labels and the x
 * axis's name. axes are those c was drawn with. */
void cli_plot_frame(cli_plot *p, int top, const char *title, const tt_canvas *c,
                    const tt_canvas *mark, const tt_chart_axes *axes, const cli_plot_xaxis *x);
/* The x axis alone: tick labels on row, the axis's name on row + 1, for
 * a chart of c's columns drawn with axes (the timeline draws its own rows). */
void cli_plot_x_axis(cli_plot *p, int row, const tt_canvas *c, const tt_chart_axes *axes,
                     const cli_plot_xaxis *x);
/* A canvas like c holding only the point (x, y) of a chart drawn with
 * axes on c: the mark for cli_plot_frame. The caller frees it. */
tt_canvas *cli_plot_mark(const tt_canvas *c, const tt_chart_axes *axes, double x, double y);
/* The canvas column of data value x (after any log), or -1 off the canvas. */
int cli_plot_col_of(const tt_chart_axes *axes, const tt_canvas *c, double x);
/* A duration as a short tick: "0s", "45s", "12m", "3.5h", "2.1d". */
void cli_plot_format_seconds(double s, char *buf, size_t n);
/* Prints "tunetop plot: MESSAGE" to stderr; returns CLI_EXIT_FAIL. */
int cli_plot_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The completed trials with a finite value, mapped onto the study's space
 * (plot_params.c), for the kinds over parameters (contour, parallel). */
typedef struct cli_plot_data {
    const tt_space *space;     /* borrowed from the view's sweep */
    bool maximize;
    tt_importance_data d;      /* x[t][param]: raw value, a categorical's choice index */
    size_t *rank;              /* rows of d by loss, best first */
} cli_plot_data;

/* v's sweep must have loaded. */
void cli_plot_data_collect(const cli_view *v, cli_plot_data *out);
void cli_plot_data_free(cli_plot_data *d);
/* Row's objective as reported (d.y is a loss). */
double cli_plot_data_value(const cli_plot_data *d, size_t row);
/* The axis of parameter param (a space index): a band per choice, else log
 * or linear over the values the trials took. False: no trial has a value. */
bool cli_plot_param_axis(const cli_plot_data *d, size_t param, tt_chart_axis *ax);
/* The non-constant parameters, most important first by the stored
 * importance (fANOVA, else PED-ANOVA, else rank correlation), the rest in
 * the space's order; imp_of[i] their importance (NAN: none). Returns how
 * many. order and imp_of hold sp->n. */
size_t cli_plot_param_order(const cli_view *v, const tt_space *sp, size_t *order,
                            double *imp_of);
/* The strongest stored fANOVA interaction "a × b" between two parameters
 * of sp; false when none is stored. */
bool cli_plot_strongest_pair(const cli_view *v, const tt_space *sp, size_t *a, size_t *b,
                             double *value);

/* The kinds. Each returns an exit status (bad --param / --metric: usage). */
int cli_plot_history(cli_plot *p);
int cli_plot_slice(cli_plot *p);
int cli_plot_curves(cli_plot *p);
int cli_plot_timeline(cli_plot *p);
int cli_plot_contour(cli_plot *p);
int cli_plot_parallel(cli_plot *p);

#endif
