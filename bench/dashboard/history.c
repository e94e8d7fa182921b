/*
 * bench/dashboard/history — what one draw of the history panel costs,
 * alone: the study is read into the dashboard's model once, then
 * ui_history_draw runs into an off-screen ncurses window (newterm on
 * /dev/null, xterm-256color, braille) of the panel's size in the 120×40
 * layout (30×14) and in the 200×60 one (50×22), DRAWS times per round,
 * best of 5 rounds:
 *   unchanged  nothing moved since the last draw (a running trial's step,
 *              a key elsewhere: most frames of a live view);
 *   completed  completed_gen bumped before every draw, as when a trial
 *              completes (or a value changes) between two frames.
 *
 *   usage: history STUDY_DIR [DRAWS (20)] [BRAILLE (1)]
 * Build and run through bench/dashboard/history.sh; a big study comes from
 * bench/dashboard/run.sh --dir D (D/big).
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ms per draw, best of 5 rounds of n */
static double time_draws(ui_app *a, WINDOW *w, int n, bool completed)
{
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double t0 = now_mono();
        for (int i = 0; i < n; i++) {
            if (completed)
                a->model.completed_gen++;
            werase(w);
            ui_history_draw(a, w);
        }
        double ms = (now_mono() - t0) / n * 1e3;
        best = ms < best ? ms : best;
    }
    return best;
}

static void load(ui_app *a, const char *dir)
{
    tt_error err = {0};
    if (ui_model_open(&a->model, dir, &err) < 0) {
        fprintf(stderr, "history: %s\n", err.msg);
        exit(1);
    }
    do {
        if (ui_model_poll(&a->model, 0, 0, 0, &err) < 0) {
            fprintf(stderr, "history: %s\n", err.msg);
            exit(1);
        }
    } while (a->model.metrics_backlog);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: history STUDY_DIR [DRAWS] [BRAILLE]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 20;
    setlocale(LC_ALL, "C.UTF-8");
    ui_app *a = calloc(1, sizeof *a);
    load(a, argv[1]);
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *scr = newterm("xterm-256color", out, in);
    set_term(scr);
    a->utf8 = a->braille = argc > 3 ? atoi(argv[3]) != 0 : true;
    static const struct {
        int cols, rows, y, x, h, w;
    } sizes[] = {{120, 40, 2, 60, 14, 30}, {200, 60, 2, 100, 22, 50}};
    printf("history panel, %ld completed of %zu trials, %s, best of 5 x %d draws:\n",
           a->model.counts[TT_TRIAL_COMPLETED], a->model.n_trials,
           a->braille ? "braille" : "ASCII", n);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        resizeterm(sizes[k].rows, sizes[k].cols);
        WINDOW *w = newwin(sizes[k].h, sizes[k].w, sizes[k].y, sizes[k].x);
        double unchanged = time_draws(a, w, n, false);
        double completed = time_draws(a, w, n, true);
        printf("  at %dx%d (panel %dx%d): %7.3f ms unchanged, %7.3f ms after a completion\n",
               sizes[k].cols, sizes[k].rows, sizes[k].w, sizes[k].h, unchanged, completed);
        delwin(w);
    }
    endwin();
    delscreen(scr);
    return 0;
}
