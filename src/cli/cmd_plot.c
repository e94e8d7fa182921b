/*
 * plot — `tunetop plot DIR --kind history|slice|curves|timeline|contour|
 * parallel [--param P] [--params P,Q] [--metric M] [--width W] [--height H]
 * [--ascii]`: one of the dashboard's
 * charts (and two it does not have) as plain text on stdout, for a script,
 * a log, a CI job or a terminal without the dashboard. The command never
 * starts ncurses and prints no escape sequence: braille dots in a UTF-8
 * locale (decided as the dashboard decides, src/ui/app.c), ASCII otherwise
 * or with --ascii. At most W columns by H rows: the terminal's size when
 * stdout is one, else 80 × 24.
 *
 * This file reads the options, chooses the size and the glyphs, opens the
 * study the way the other read-only commands do (study_view.c) and hands
 * the chart to one plot_KIND.c file; plot_frame.c draws the axes.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "plot.h"

/* Beyond this a grid is a mistake, not a chart (W × H cells of 5 bytes). */
#define MAX_SIDE 2000

typedef struct plot_kind {
    const char *name;
    int (*draw)(cli_plot *p);
    bool all_trials;   /* reads every trial row; else the best few and running ones */
} plot_kind;

static const plot_kind kinds[] = {
    {"history", cli_plot_history, true},
    {"slice", cli_plot_slice, true},
    {"curves", cli_plot_curves, false},
    {"timeline", cli_plot_timeline, true},
    {"contour", cli_plot_contour, true},
    {"parallel", cli_plot_parallel, true},
};

/* How many of the best trials `curves` shows (as the dashboard: src/ui/curves.c). */
#define CURVES_BEST 3

static int parse_side(const char *opt, const char *text, long *out)
{
    long long v = cli_parse_count(text);
    if (v <= 0 || v > MAX_SIDE)
        return cli_usage_error("plot", "%s expects a number of %s from 1 to %d, not '%s'", opt,
                               strcmp(opt, "--width") == 0 ? "columns" : "rows", MAX_SIDE,
                               text);
    *out = (long)v;
    return CLI_EXIT_OK;
}

/* An option's value: "--opt VALUE" or "--opt=VALUE"; NULL when this
 * argument is not opt. *bad is set when the value is missing. */
static const char *option(int argc, char **argv, int *i, const char *opt, bool *bad)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != 0)
        return NULL;
    if (*i + 1 >= argc) {
        *bad = true;
        return NULL;
    }
    return argv[++*i];
}

int cli_cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *kind_name = "history", *param = NULL, *params = NULL;
    const char *metric = NULL, *study = NULL;
    long width = 0, height = 0;
    bool ascii = false;
    for (int i = 0; i < argc; i++) {
        bool bad = false;
        const char *v;
        int so = cli_study_option("plot", argc, argv, &i, &study);
        if (so < 0)
            return CLI_EXIT_USAGE;
        if (so > 0)
            continue;
        if ((v = option(argc, argv, &i, "--kind", &bad)))
            kind_name = v;
        else if ((v = option(argc, argv, &i, "--params", &bad)))
            params = v;
        else if ((v = option(argc, argv, &i, "--param", &bad)))
            param = v;
        else if ((v = option(argc, argv, &i, "--metric", &bad)))
            metric = v;
        else if ((v = option(argc, argv, &i, "--width", &bad))) {
            if (parse_side("--width", v, &width) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
        } else if ((v = option(argc, argv, &i, "--height", &bad))) {
            if (parse_side("--height", v, &height) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
        } else if (bad) {
            return cli_usage_error("plot", "%s needs a value", argv[i]);
        } else if (strcmp(argv[i], "--ascii") == 0) {
            ascii = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("plot")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("plot", "unknown option '%s'", argv[i]);
        } else if (dir) {
            return cli_usage_error("plot", "expected one study folder");
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("plot", "expected a study folder");
    const plot_kind *kind = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (strcmp(kinds[k].name, kind_name) == 0)
            kind = &kinds[k];
    if (!kind)
        return cli_usage_error("plot", "unknown kind '%s' (history, slice, curves, timeline, "
                                       "contour, parallel)",
                               kind_name);
    if (param && strcmp(kind->name, "slice") != 0)
        return cli_usage_error("plot", "--param is for --kind slice");
    if (params && strcmp(kind->name, "contour") != 0)
        return cli_usage_error("plot", "--params is for --kind contour");
    if (metric && strcmp(kind->name, "curves") != 0)
        return cli_usage_error("plot", "--metric is for --kind curves");

    /* The size: given, else the terminal's, else 80 x 24. */
    struct winsize ws;
    bool tty = isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
               ws.ws_col > 0 && ws.ws_row > 0;
    if (!width)
        width = tty ? ws.ws_col : 80;
    if (!height)
        height = tty ? ws.ws_row : 24;
    if (width < CLI_PLOT_MIN_COLS)
        return cli_usage_error("plot", "%ld columns are too few: a chart needs at least %d "
                                       "(--width)", width, CLI_PLOT_MIN_COLS);
    if (height < CLI_PLOT_MIN_ROWS)
        return cli_usage_error("plot", "%ld rows are too few: a chart needs at least %d "
                                       "(--height)", height, CLI_PLOT_MIN_ROWS);
    if (width > MAX_SIDE || height > MAX_SIDE) {
        width = width > MAX_SIDE ? MAX_SIDE : width;
        height = height > MAX_SIDE ? MAX_SIDE : height;
    }

    /* Braille only where the locale's encoding can carry it, as the
     * dashboard decides (src/ui/app.c). */
    setlocale(LC_ALL, "");
    bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !ascii;

    cli_plot p = {.dir = dir, .param = param, .params = params, .metric = metric, .braille = utf8, .utf8 = utf8};
    int rc = kind->all_trials ? cli_view_open(dir, study, &p.view, true)
                              : cli_view_open_summary(dir, study, &p.view, true, CURVES_BEST);
    if (rc != CLI_EXIT_OK)
        return rc;
    p.grid = cli_plot_grid_new((int)width, (int)height, !utf8);
    rc = kind->draw(&p);
    if (rc == CLI_EXIT_OK) {
        cli_plot_grid_print(p.grid, p.rows_used, stdout);
        if (fflush(stdout) != 0)
            rc = CLI_EXIT_FAIL;
    }
    cli_plot_grid_free(p.grid);
    cli_view_close(&p.view);
    return rc;
}
