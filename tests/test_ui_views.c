/*
 * test_ui_views — the contour and parallel-coordinate views drawn for real:
 * a study of f = 10·alpha + beta (+ an idle, a log and a categorical
 * parameter, an importance stored in that order) written with the store
 * API, the dashboard's model opened on it, and each view's draw called on a
 * 120×40 ncurses window of a terminal on /dev/null (newterm), then read
 * back cell by cell. The contour must name its pair, shade lowest at low
 * alpha, mark the best and change its axes with x / y; on a 256-colour
 * terminal its cells carry the ramp's colour pairs. Parallel coordinates
 * must name every axis in importance order with the objective last, draw
 * lines and mark the best. TUNETOP_VIEW_BENCH=1 also times a frame of each
 * view at 10,000 trials (first frame, and a frame after one more trial
 * completes) and prints it.
 */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/ui/internal.h"
#include "../src/ui/slice.h"
#include "../src/ui/views.h"
#include "check_util.h"
#include "tunetop/chart.h"
#include "tunetop/store.h"

static const char sweep_yaml[] =
    "name: views\nmethod: random\ncommand: [/bin/true]\n"
    "metric: {name: loss, goal: minimize}\n"
    "parameters:\n"
    "  alpha: {min: 0.0, max: 1.0}\n"
    "  beta: {min: 0.0, max: 1.0}\n"
    "  idle: {min: 0.0, max: 1.0}\n"
    "  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0}\n"
    "  opt: {values: [sgd, adam, adamw]}\n";

static char root[256], dir[300];

static double next_unit(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void add_completed(tt_store *st, uint64_t *seed)
{
    static const char *const opts[] = {"sgd", "adam", "adamw"};
    double a = next_unit(seed), b = next_unit(seed), idle = next_unit(seed);
    double lr = pow(10, -5 + 5 * next_unit(seed));
    int opt = (int)(next_unit(seed) * 3) % 3;
    char ta[32], tb[32], ti[32], tl[32];
    snprintf(ta, sizeof ta, "%.6g", a);
    snprintf(tb, sizeof tb, "%.6g", b);
    snprintf(ti, sizeof ti, "%.6g", idle);
    snprintf(tl, sizeof tl, "%.6g", lr);
    char *names[] = {"alpha", "beta", "idle", "lr", "opt"};
    char *texts[] = {ta, tb, ti, tl, (char *)opts[opt]};
    double x[] = {a, b, idle, lr, opt};
    tt_error err = {0};
    long n = tt_store_add_trial(st, 1, 5, names, texts, x, NULL, &err);
    ck_assert_msg(n > 0, "%s", err.msg);
    tt_store_trial_started(st, n, 0, 0, NULL, &err);
    ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, 10 * a + b,
                                             "exit code 0", &err), 0);
}

static tt_store *make_study(size_t n_trials, uint64_t *seed)
{
    snprintf(root, sizeof root, "/tmp/tt_ui_views_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/study", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char db[400];
    snprintf(db, sizeof db, "%s/study.db", dir);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "views", "sweep.yaml", dir, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", sweep_yaml, &err), 1);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    for (size_t i = 0; i < n_trials; i++)
        add_completed(st, seed);
    char *params[] = {"alpha", "beta", "idle", "lr", "opt"};
    double v[] = {0.9, 0.08, 0.01, 0.005, 0.005};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", (long)n_trials, 5, params, v, v, v,
                                             &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    return st;
}

static void remove_study(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

static SCREEN *screen;
static FILE *term_out, *term_in;

/* A 120×40 terminal of type `type` writing to /dev/null. */
static void open_terminal(const char *type)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("LINES", "40", 1);
    setenv("COLUMNS", "120", 1);
    term_out = fopen("/dev/null", "w");
    term_in = fopen("/dev/null", "r");
    screen = newterm(type, term_out, term_in);
    ck_assert_ptr_nonnull(screen);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
}

static void close_terminal(void)
{
    endwin();
    delscreen(screen);
    fclose(term_out);
    fclose(term_in);
}

static void open_app(ui_app *a, bool utf8)
{
    memset(a, 0, sizeof *a);
    tt_error err = {0};
    ck_assert_int_eq(ui_model_open(&a->model, dir, &err), 0);
    do
        ck_assert_int_eq(ui_model_poll(&a->model, 0, 0, 100, &err), 0);
    while (a->model.trials_backlog);
    a->utf8 = a->braille = utf8;
    a->colors = has_colors();
    a->now = 100;
    ui_theme_builtin("dark", &a->theme);
}

/* Row y of w as UTF-8 text. */
static char *row_text(WINDOW *w, int y)
{
    static char out[4096];
    size_t len = 0;
    for (int x = 0; x < getmaxx(w); x++) {
        cchar_t cc;
        wchar_t wc[CCHARW_MAX + 1];
        attr_t attr;
        short pair;
        mvwin_wch(w, y, x, &cc);
        getcchar(&cc, wc, &attr, &pair, NULL);
        char mb[16];
        int n = (int)wctomb(mb, wc[0] ? wc[0] : L' ');
        if (n > 0 && len + (size_t)n < sizeof out) {
            memcpy(out + len, mb, (size_t)n);
            len += (size_t)n;
        }
    }
    out[len] = 0;
    return out;
}

/* TUNETOP_VIEW_DUMP=1: print the window (to look at a view). */
static void dump(WINDOW *w)
{
    if (!getenv("TUNETOP_VIEW_DUMP"))
        return;
    for (int y = 0; y < getmaxy(w); y++)
        fprintf(stderr, "%s\n", row_text(w, y));
}

static bool window_has(WINDOW *w, const char *text)
{
    for (int y = 0; y < getmaxy(w); y++)
        if (strstr(row_text(w, y), text))
            return true;
    return false;
}

START_TEST(test_contour_view_draws)
{
    uint64_t seed = 0x9E3779B97F4A7C15u;
    tt_store *st = make_study(80, &seed);
    open_terminal("vt100");
    ui_app a;
    open_app(&a, false);
    WINDOW *w = newwin(40, 120, 0, 0);
    ui_view_contour.draw(&a, w);
    dump(w);
    char *title = row_text(w, 0);
    ck_assert_msg(strstr(title, "contour · loss by alpha (x) × beta (y)"), "%s", title);
    ck_assert_msg(window_has(w, "loss by alpha (x)") && window_has(w, "low [ .:-=+*#%@] high") &&
                      window_has(w, "X best #"),
                  "title: %s", title);
    /* the lightest shades (' ', '.') lie in the left fifth of the grid */
    static const char ramp[] = " .:-=+*#%@";
    double sum = 0;
    int n = 0;
    for (int y = 1; y < 36; y++) {
        char *r = row_text(w, y);
        for (int x = 8; x < 120; x++) {
            const char *at = strchr(ramp, r[x]);
            if (r[x] && at && at - ramp <= 1) {
                sum += (x - 8) / 112.0;
                n++;
            }
        }
    }
    ck_assert_msg(n > 10 && sum / n < 0.2, "light cells: %d, mean column %.2f", n,
                  n ? sum / n : 0);
    /* x steps the x axis past beta (the y axis) to idle */
    ck_assert_int_eq(ui_view_contour.key(&a, 'x'), UI_REDRAW);
    ui_view_contour.draw(&a, w);
    ck_assert_msg(window_has(w, "by idle (x) × beta (y)"), "%s", row_text(w, 0));
    ck_assert_int_eq(ui_view_contour.key(&a, 'Y'), UI_REDRAW);
    ui_view_contour.draw(&a, w);
    ck_assert_msg(window_has(w, "by idle (x) × alpha (y)"), "%s", row_text(w, 0));
    ck_assert_int_eq(ui_view_contour.key(&a, 'q'), UI_IGNORED);
    ui_view_contour.free();
    delwin(w);
    ui_model_close(&a.model);
    close_terminal();

    /* 256 colours: every grid cell is painted with a ramp pair */
    open_terminal("xterm-256color");
    if (COLORS >= 256) {
        open_app(&a, true);
        w = newwin(40, 120, 0, 0);
        ui_view_contour.draw(&a, w);
        int painted = 0;
        for (int x = 8; x < 120; x++) {
            chtype ch = mvwinch(w, 5, x);
            int pair = PAIR_NUMBER(ch & A_COLOR);
            painted += pair >= 48 && pair < 48 + TT_CONTOUR_COLORS;
        }
        ck_assert_int_eq(painted, 112);
        ui_view_contour.free();
        delwin(w);
        ui_model_close(&a.model);
    }
    close_terminal();
    tt_store_close(st);
    remove_study();
}
END_TEST

START_TEST(test_parallel_view_draws)
{
    uint64_t seed = 0x9E3779B97F4A7C15u;
    tt_store *st = make_study(80, &seed);
    open_terminal("vt100");
    ui_app a;
    open_app(&a, true);
    WINDOW *w = newwin(40, 120, 0, 0);
    ui_view_parallel.draw(&a, w);
    dump(w);
    ck_assert_msg(strstr(row_text(w, 0), "parallel coordinates · loss of 80 trials"), "%s",
                  row_text(w, 0));
    char names[4096];
    snprintf(names, sizeof names, "%s", row_text(w, 1));
    const char *al = strstr(names, "alpha"), *be = strstr(names, "beta"),
               *lr = strstr(names, "lr (log)"), *lo = strstr(names, "loss");
    ck_assert_msg(al && be && lr && lo && al < be && be < lr && lr < lo, "%s", names);
    ck_assert_msg(window_has(w, "adamw") && window_has(w, "◆ best #"), "legend missing");
    /* braille lines on the canvas rows */
    int dots = 0;
    for (int y = 3; y < 38; y++)
        dots += strstr(row_text(w, y), "\xe2\xa3") != NULL || strstr(row_text(w, y), "\xe2\xa0");
    ck_assert_msg(dots > 20, "%d rows with braille", dots);
    ck_assert_int_eq(ui_view_parallel.key(&a, 'x'), UI_IGNORED);
    ui_view_parallel.free();
    delwin(w);
    ui_model_close(&a.model);
    close_terminal();
    tt_store_close(st);
    remove_study();
}
END_TEST


/* Say yes to the question the view asked (the prompt's y). */
static void say_yes(ui_app *a)
{
    ck_assert_int_eq(a->prompt, UI_PROMPT_CONFIRM);
    a->prompt = UI_PROMPT_NONE;
    a->confirm_fn(a, a->confirm_arg);
}

/* The sweep file the steering wrote (the study's sweep.yaml). */
static char *sweep_text(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    char *text = tt_read_file(path, NULL, NULL);
    ck_assert_msg(text != NULL, "no %s", path);
    return text;
}

/* The full-size slice of alpha: a mouse drag (press, release) across the
 * chart sets both range markers to its ends, whichever way it goes; a
 * click moves the selected marker; a release with no press, or a press
 * off the chart, does nothing; n then asks to narrow alpha to the dragged
 * range and y writes it. */
START_TEST(test_slice_mouse_drag)
{
    uint64_t seed = 0x9E3779B97F4A7C15u;
    tt_store *st = make_study(80, &seed);
    open_terminal("xterm-256color");
    ui_app a;
    open_app(&a, true);
    WINDOW *w = newwin(40, 120, 0, 0);
    ui_view_slice.draw(&a, w);
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_PRESS, 10, 20), UI_IGNORED); /* the grid */
    ck_assert_int_eq(ui_view_slice.key(&a, '\n'), UI_HANDLED);
    ui_view_slice.draw(&a, w);
    dump(w);
    ui_slice_state *s = ui_slice_state_get();
    ck_assert_int_eq(s->chart_left, 8);
    ck_assert_int_eq(s->lo_dot, 0);
    ck_assert_int_eq(s->hi_dot, s->dot_w - 1);
    int per = s->dot_w / s->chart_cols;
    ck_assert_int_eq(per, 2); /* braille: two dot columns a cell */
    /* a release alone is no drag */
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_RELEASE, 10, 8 + 40), UI_IGNORED);
    /* right to left: the markers take the drag's ends, each cell whole */
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_PRESS, 10, 8 + 70), UI_HANDLED);
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_RELEASE, 12, 8 + 20), UI_HANDLED);
    ck_assert_int_eq(s->lo_dot, 20 * per);
    ck_assert_int_eq(s->hi_dot, 70 * per + per - 1);
    /* a click moves the selected (low) marker */
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_PRESS, 10, 8 + 30), UI_HANDLED);
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_RELEASE, 10, 8 + 30), UI_HANDLED);
    ck_assert_int_eq(s->lo_dot, 30 * per);
    ck_assert_int_eq(s->hi_dot, 70 * per + per - 1);
    /* off the chart (the title row): nothing */
    ck_assert_int_eq(ui_view_slice.mouse(&a, UI_MOUSE_PRESS, 0, 8 + 5), UI_IGNORED);
    ck_assert_int_eq(s->lo_dot, 30 * per);
    ui_view_slice.draw(&a, w);
    ck_assert_msg(strstr(row_text(w, 0), "range >0.2"), "%s", row_text(w, 0));
    /* the keys still move the markers */
    ck_assert_int_eq(ui_view_slice.key(&a, KEY_RIGHT), UI_HANDLED);
    ck_assert_int_eq(s->lo_dot, 30 * per + 1);
    ck_assert_int_eq(ui_view_slice.key(&a, 'n'), UI_HANDLED);
    ck_assert_msg(strstr(a.confirm_text, "Narrow alpha to 0.") &&
                      !strstr(a.confirm_text, "(min)") && !strstr(a.confirm_text, "(max)"),
                  "%s", a.confirm_text);
    say_yes(&a);
    ck_assert_msg(strstr(a.message, "alpha narrowed in sweep.yaml") &&
                      strstr(a.message, "space v2"), "%s", a.message);
    char *text = sweep_text();
    ck_assert_msg(!strstr(text, "alpha: {min: 0.0, max: 1.0}") &&
                      strstr(text, "beta: {min: 0.0, max: 1.0}"), "%s", text);
    free(text);
    ui_view_slice.free();
    delwin(w);
    ui_model_close(&a.model);
    close_terminal();
    tt_store_close(st);
    remove_study();
}
END_TEST

/* The contour of alpha × beta: the high corner moved left with ← and down
 * with ↓ draws a rectangle (Unicode corners; '+' in ASCII) and n asks to
 * narrow both parameters; y writes both in one file version. A mouse drag
 * sets the rectangle too; an axis the rectangle spans whole is left
 * alone; p pins both to the best trial's values. */
START_TEST(test_contour_steer)
{
    uint64_t seed = 0x9E3779B97F4A7C15u;
    tt_store *st = make_study(80, &seed);
    open_terminal("vt100");
    ui_app a;
    open_app(&a, true);
    WINDOW *w = newwin(40, 120, 0, 0);
    ui_view_contour.draw(&a, w);
    ck_assert_msg(strstr(row_text(w, 39), "[ ] corner"), "%s", row_text(w, 39));
    ck_assert_int_eq(ui_view_contour.key(&a, 'n'), UI_HANDLED); /* the whole grid: nothing */
    ck_assert_int_eq(a.prompt, UI_PROMPT_NONE);
    ck_assert_int_eq(ui_view_contour.key(&a, ']'), UI_HANDLED);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(ui_view_contour.key(&a, KEY_LEFT), UI_HANDLED);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(ui_view_contour.key(&a, KEY_DOWN), UI_HANDLED);
    ui_view_contour.draw(&a, w);
    dump(w);
    /* the grid is 112 × 36 from (1, 8): the high corner at column 71, row 12 */
    ck_assert_msg(strstr(row_text(w, 13), "┐"), "%s", row_text(w, 13));
    ck_assert_msg(strstr(row_text(w, 36), "└"), "%s", row_text(w, 36));
    ck_assert_msg(strstr(row_text(w, 39), "alpha 0") && strstr(row_text(w, 39), "× beta 0"),
                  "%s", row_text(w, 39));
    ck_assert_int_eq(ui_view_contour.key(&a, 'n'), UI_HANDLED);
    ck_assert_msg(strstr(a.confirm_text, "Narrow alpha to (min) .. 0.") &&
                      strstr(a.confirm_text, " and beta to (min) .. 0."), "%s", a.confirm_text);
    say_yes(&a);
    ck_assert_msg(strstr(a.message, "alpha and beta narrowed in sweep.yaml") &&
                      strstr(a.message, "space v2"), "%s", a.message);
    char *text = sweep_text();
    ck_assert_msg(!strstr(text, "alpha: {min: 0.0, max: 1.0}") &&
                      !strstr(text, "beta: {min: 0.0, max: 1.0}") &&
                      strstr(text, "idle: {min: 0.0, max: 1.0}"), "%s", text);
    free(text);
    /* one write: one reload command waits for a runner */
    tt_command *cmds = NULL;
    size_t n = 0;
    tt_error err = {0};
    ck_assert_int_eq(tt_store_pending_commands(st, &cmds, &n, &err), 0);
    size_t reloads = 0;
    for (size_t i = 0; i < n; i++)
        reloads += strcmp(cmds[i].kind, "reload") == 0;
    tt_command_list_free(cmds, n);
    ck_assert_int_eq(reloads, 1);

    /* the mouse: a drag inside the grid; the rectangle spans every row, so
     * only alpha would narrow */
    ui_view_contour.draw(&a, w);
    ck_assert_int_eq(ui_view_contour.mouse(&a, UI_MOUSE_PRESS, 1, 8 + 30), UI_HANDLED);
    ck_assert_int_eq(ui_view_contour.mouse(&a, UI_MOUSE_RELEASE, 36, 8 + 10), UI_HANDLED);
    ck_assert_int_eq(ui_view_contour.key(&a, 'n'), UI_HANDLED);
    ck_assert_msg(strstr(a.confirm_text, "Narrow alpha to 0.") &&
                      !strstr(a.confirm_text, "beta"), "%s", a.confirm_text);
    a.prompt = UI_PROMPT_NONE; /* cancel */
    /* ASCII: the rectangle's corners are '+' */
    a.utf8 = a.braille = false;
    ui_view_contour.draw(&a, w);
    ck_assert_msg(strstr(row_text(w, 1), "+"), "%s", row_text(w, 1));
    ck_assert_int_eq(ui_view_contour.key(&a, 'p'), UI_HANDLED);
    ck_assert_msg(strstr(a.confirm_text, "Pin alpha to ") && strstr(a.confirm_text, " and beta to "),
                  "%s", a.confirm_text);
    a.prompt = UI_PROMPT_NONE;
    ui_view_contour.free();
    delwin(w);
    ui_model_close(&a.model);
    close_terminal();
    tt_store_close(st);
    remove_study();
}
END_TEST

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* CPU per frame at 10,000 trials (TUNETOP_VIEW_BENCH=1 only). */
START_TEST(test_views_frame_cost)
{
    if (!getenv("TUNETOP_VIEW_BENCH"))
        return;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    tt_store *st = make_study(10000, &seed);
    open_terminal("xterm-256color");
    const ui_view *views[] = {&ui_view_contour, &ui_view_parallel};
    for (size_t k = 0; k < 2; k++) {
        ui_app a;
        open_app(&a, true);
        WINDOW *w = newwin(40, 120, 0, 0);
        struct timespec t0;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        views[k]->draw(&a, w);
        double first = ms_since(&t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        for (int i = 0; i < 20; i++)
            views[k]->draw(&a, w);
        double same = ms_since(&t0) / 20;
        /* one more completed trial: the data and the picture are rebuilt */
        tt_error err = {0};
        tt_store_begin(st, &err);
        add_completed(st, &seed);
        tt_store_commit(st, &err);
        ui_model_poll(&a.model, 0, 0, 101, &err);
        a.now = 101;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        views[k]->draw(&a, w);
        double changed = ms_since(&t0);
        a.now = 104;
        tt_store_begin(st, &err);
        add_completed(st, &seed);
        tt_store_commit(st, &err);
        ui_model_poll(&a.model, 0, 0, 104, &err);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        views[k]->draw(&a, w);
        double refit = ms_since(&t0);
        fprintf(stderr,
                "%s at 10,000 trials, 120x40: first frame %.1f ms, unchanged %.2f ms, "
                "one more trial %.1f ms, with a refit %.1f ms (CPU)\n",
                views[k]->name, first, same, changed, refit);
        views[k]->free();
        delwin(w);
        ui_model_close(&a.model);
    }
    close_terminal();
    tt_store_close(st);
    remove_study();
}
END_TEST

Suite *suite_ui_views(void)
{
    return tt_suite_of("ui_views", "views", 120,
                       TT_TESTS(test_contour_view_draws, test_parallel_view_draws,
                                test_slice_mouse_drag, test_contour_steer,
                                test_views_frame_cost));
}
