/*
 * test_ui_compare — the compare view (issue 19) and the studies behind it.
 * Unit part: studies built with the store API in a temporary folder, the
 * view's draw function called on an ncurses window of a fixed size
 * (newterm on /dev/null, the screen read back with mvwinnwstr), since the
 * view is reached through `v` only once the views land: best-so-far
 * curves and legend, the table of best trials with the union of the
 * parameters (blank where a study has none), the warning when goals or
 * objectives differ, live updates, ↑/↓ and Enter (the dashboard switches
 * study), the limit of 8 studies. End-to-end part: `tunetop DIR1 DIR2` in
 * tmux starts the first study's dashboard; a DIR that is not a study,
 * the same study twice, too many studies and --dir are refused.
 */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "../src/ui/compare.h"
#include "../src/ui/views.h"
#include "e2e.h"
#include "tunetop/store.h"
#include "check_util.h"

static const char sweep_a[] = "name: %s\n"
                              "method: random\n"
                              "command: [/bin/true]\n"
                              "run_cap: 10\n"
                              "metric: {name: loss, goal: minimize}\n"
                              "parameters:\n"
                              "  lr: {min: 0.001, max: 0.1}\n"
                              "  opt: {values: [adam, sgd]}\n";
static const char sweep_b[] = "name: %s\n"
                              "method: random\n"
                              "command: [/bin/true]\n"
                              "metric: {name: loss, goal: minimize}\n"
                              "parameters:\n"
                              "  lr: {min: 0.001, max: 0.1}\n"
                              "  depth: {values: [2, 4, 8]}\n";
static const char sweep_c[] = "name: %s\n"
                              "method: random\n"
                              "command: [/bin/true]\n"
                              "metric: {name: acc, goal: maximize}\n"
                              "parameters:\n"
                              "  lr: {min: 0.001, max: 0.1}\n";

/* A study folder dir named name from sweep (a format with the name),
 * with n completed trials: values[i], parameters names = texts[i][...]. */
static tt_store *make_study(const char *dir, const char *name, const char *sweep, size_t np,
                            char **names, size_t n, const double *values, char *texts[][2])
{
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char *db = tt_xasprintf("%s/study.db", dir);
    char *text = tt_xasprintf(sweep, name);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, name, "sweep.yaml", dir, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", text, &err), 1);
    for (size_t i = 0; i < n; i++) {
        long t = tt_store_add_trial(st, 1, np, names, texts[i], NULL, NULL, &err);
        ck_assert_msg(t > 0, "%s", err.msg);
        tt_store_trial_started(st, t, 0, 0, NULL, &err);
        tt_store_trial_finished(st, t, TT_TRIAL_COMPLETED, values[i], "exit code 0", &err);
    }
    free(text);
    free(db);
    return st;
}

/* ---- a screen of a fixed size ----------------------------------------------- */

static SCREEN *scr;
static FILE *scr_out, *scr_in;

static WINDOW *screen_open(int cols, int rows)
{
    ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
    char c[16], r[16];
    snprintf(c, sizeof c, "%d", cols);
    snprintf(r, sizeof r, "%d", rows);
    setenv("COLUMNS", c, 1);
    setenv("LINES", r, 1);
    scr_out = fopen("/dev/null", "w");
    scr_in = fopen("/dev/null", "r");
    scr = newterm("xterm-256color", scr_out, scr_in);
    ck_assert_ptr_nonnull(scr);
    WINDOW *w = newwin(rows, cols, 0, 0);
    ck_assert_ptr_nonnull(w);
    return w;
}

static void screen_close(WINDOW *w)
{
    delwin(w);
    endwin();
    delscreen(scr);
    fclose(scr_out);
    fclose(scr_in);
}

/* Row y of w as UTF-8 (caller frees). */
static char *row_of(WINDOW *w, int y)
{
    wchar_t wb[512] = {0};
    int n = getmaxx(w) < 511 ? getmaxx(w) : 511;
    mvwinnwstr(w, y, 0, wb, n);
    char *out = tt_xmalloc(4 * 512 + 1);
    size_t k = wcstombs(out, wb, 4 * 512);
    ck_assert(k != (size_t)-1);
    out[k] = '\0';
    return out;
}

/* The whole window, rows joined by '\n' (caller frees). */
static char *screen_text(WINDOW *w)
{
    size_t cap = 1 << 16, len = 0;
    char *all = tt_xmalloc(cap);
    all[0] = '\0';
    for (int y = 0; y < getmaxy(w); y++) {
        char *r = row_of(w, y);
        len += (size_t)snprintf(all + len, cap - len, "%s\n", r);
        free(r);
    }
    return all;
}

/* The first row holding text, or -1. */
static int row_with(WINDOW *w, const char *text)
{
    for (int y = 0; y < getmaxy(w); y++) {
        char *r = row_of(w, y);
        bool has = strstr(r, text) != NULL;
        free(r);
        if (has)
            return y;
    }
    return -1;
}

/* The table's row of a study: the first row under the table's header
 * holding text (the warning line names the studies too). */
static char *table_row(WINDOW *w, const char *text)
{
    int head = row_with(w, "done");  /* the header's */
    ck_assert_int_ge(head, 0);
    for (int y = head + 1; y < getmaxy(w); y++) {
        char *r = row_of(w, y);
        if (strstr(r, text))
            return r;
        free(r);
    }
    ck_abort_msg("no table row with %s", text);
    return NULL;
}

static bool has_braille(const char *s)
{
    /* U+2801..U+28FF: E2 A0 81 .. E2 A3 BF */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (p[0] == 0xE2 && p[1] >= 0xA0 && p[1] <= 0xA3)
            return true;
    return false;
}

#define SCREEN_ASSERT(cond, text, ...)                                                           \
    do {                                                                                         \
        if (!(cond))                                                                             \
            fprintf(stderr, "---- screen ----\n%s----\n", (text));                              \
        ck_assert_msg((cond), __VA_ARGS__);                                                      \
    } while (0)

/* ---- fixtures: three studies ------------------------------------------------- */

static char *tmp, *dir_a, *dir_b, *dir_c;
static tt_store *st_b;

static void studies(void)
{
    tmp = e2e_tmpdir();
    dir_a = tt_xasprintf("%s/a", tmp);
    dir_b = tt_xasprintf("%s/b", tmp);
    dir_c = tt_xasprintf("%s/c", tmp);
    char *na[] = {"lr", "opt"}, *nb[] = {"lr", "depth"}, *nc[] = {"lr"};
    double va[] = {0.9, 0.5, 0.7, 0.4};
    char *ta[][2] = {{"0.01", "adam"}, {"0.02", "sgd"}, {"0.03", "adam"}, {"0.04", "sgd"}};
    double vb[] = {0.8, 0.3, 0.6};
    char *tb[][2] = {{"0.05", "2"}, {"0.06", "8"}, {"0.07", "4"}};
    double vc[] = {0.6, 0.8};
    char *tc[][2] = {{"0.01", NULL}, {"0.09", NULL}};
    tt_store_close(make_study(dir_a, "alpha", sweep_a, 2, na, 4, va, ta));
    st_b = make_study(dir_b, "beta", sweep_b, 2, nb, 3, vb, tb);
    tt_store_close(make_study(dir_c, "gamma", sweep_c, 1, nc, 2, vc, tc));
}

static void studies_free(void)
{
    if (st_b)
        tt_store_close(st_b);
    st_b = NULL;
    e2e_rmtree(tmp);
    free(tmp);
    free(dir_a);
    free(dir_b);
    free(dir_c);
}

/* An app showing first, with the others beside it, as tt_ui_run builds it. */
static ui_app *app_of(const char *first, const char *const *others, size_t n)
{
    ui_app *a = tt_xcalloc(1, sizeof *a);
    a->utf8 = a->braille = true;
    a->now = 100;
    a->curves_metric = -1;
    tt_error err = {0};
    ck_assert_msg(ui_model_open(&a->model, first, &err) == 0, "%s", err.msg);
    a->model_open = true;
    ck_assert_int_eq(ui_model_poll(&a->model, 0, 0, a->now, &err), 0);
    ck_assert_msg(ui_compare_open(a, others, n, &err) == 0, "%s", err.msg);
    return a;
}

static void app_free(ui_app *a)
{
    ui_view_compare.free();
    ui_compare_close(a);
    ui_history_free(a);
    ui_model_close(&a->model);
    free(a);
}

START_TEST(two_studies_curves_legend_table)
{
    studies();
    const char *others[] = {dir_b};
    ui_app *a = app_of(dir_a, others, 1);
    ck_assert_uint_eq(ui_compare_count(a), 2);
    ck_assert_ptr_eq(ui_compare_model(a, 0), &a->model);
    ck_assert_str_eq(ui_compare_model(a, 1)->study.dir, dir_b);

    WINDOW *w = screen_open(100, 30);
    ui_view_compare.draw(a, w);
    char *s = screen_text(w);
    SCREEN_ASSERT(strstr(s, "Compare") && strstr(s, "2 studies"), s, "no title");
    SCREEN_ASSERT(!strstr(s, "differ"), s, "a warning for the same objective");
    SCREEN_ASSERT(has_braille(s), s, "no curve drawn");
    /* legend: each study and its best value */
    int leg = row_with(w, "alpha 0.4");
    SCREEN_ASSERT(leg > 0 && row_with(w, "beta 0.3") == leg, s, "no legend row");
    /* the table: header, then a row per study; parameters as a union */
    int head = row_with(w, "objective");
    SCREEN_ASSERT(head > leg, s, "no table header under the legend");
    char *h = row_of(w, head);
    SCREEN_ASSERT(strstr(h, "study") && strstr(h, "best") && strstr(h, "trial") &&
                      strstr(h, "done") && strstr(h, "lr") && strstr(h, "opt") &&
                      strstr(h, "depth"),
                  s, "table header: %s", h);
    char *ra = row_of(w, head + 1), *rb = row_of(w, head + 2);
    /* alpha's best is trial 4 (0.4, lr 0.04, sgd); beta's trial 2 (0.3, depth 8) */
    SCREEN_ASSERT(strstr(ra, "●") && strstr(ra, "alpha") && strstr(ra, "min loss") &&
                      strstr(ra, "0.4") && strstr(ra, "#4") && strstr(ra, "4/10") &&
                      strstr(ra, "0.04") && strstr(ra, "sgd"),
                  s, "alpha's row: %s", ra);
    SCREEN_ASSERT(!strstr(rb, "●") && strstr(rb, "beta") && strstr(rb, "0.3") &&
                      strstr(rb, "#2") && strstr(rb, "3/3") && strstr(rb, "0.06") &&
                      strstr(rb, " 8"),
                  s, "beta's row: %s", rb);
    /* blank where a study lacks a parameter: alpha has no depth, beta no opt */
    const char *opt_col = strstr(h, "opt"), *depth_col = strstr(h, "depth");
    size_t oc = (size_t)(opt_col - h), dc = (size_t)(depth_col - h);
    /* the rows hold "●" (3 bytes, 1 column) in alpha's: compare by columns */
    ck_assert_int_eq(strncmp(rb + oc, "   ", 3), 0);
    ck_assert_int_eq(strncmp(ra + dc + 2, "     ", 5), 0);
    free(ra);
    free(rb);
    free(h);
    free(s);
    screen_close(w);
    app_free(a);
    studies_free();
}
END_TEST

START_TEST(goals_differ_warns)
{
    studies();
    const char *others[] = {dir_b, dir_c};
    ui_app *a = app_of(dir_a, others, 2);
    WINDOW *w = screen_open(120, 30);
    ui_view_compare.draw(a, w);
    char *s = screen_text(w);
    int y = row_with(w, "goals differ");
    SCREEN_ASSERT(y == 1, s, "no warning line under the title");
    char *r = row_of(w, y);
    SCREEN_ASSERT(strstr(r, "own objective") && strstr(r, "alpha: min loss") &&
                      strstr(r, "gamma: max acc"),
                  s, "warning: %s", r);
    free(r);
    /* gamma maximises: its best is 0.8, trial 2 */
    r = table_row(w, "gamma");
    SCREEN_ASSERT(strstr(r, "gamma") && strstr(r, "0.8") && strstr(r, "#2"), s,
                  "gamma's row: %s", r);
    free(r);
    free(s);
    screen_close(w);
    app_free(a);

    /* same goal, another metric name: still said */
    const char *ac[] = {dir_a};
    a = app_of(dir_c, ac, 1);
    w = screen_open(120, 30);
    ui_view_compare.draw(a, w);
    s = screen_text(w);
    SCREEN_ASSERT(row_with(w, "goals differ") == 1, s, "min and max mixed silently");
    free(s);
    screen_close(w);
    app_free(a);
    studies_free();
}
END_TEST

START_TEST(live_select_and_switch)
{
    studies();
    const char *others[] = {dir_b, dir_c};
    ui_app *a = app_of(dir_a, others, 2);
    /* nothing new: no change */
    ck_assert(!ui_compare_poll(a, 101));
    /* beta gets a better trial while we watch */
    tt_error err = {0};
    char *names[] = {"lr", "depth"}, *texts[] = {"0.08", "4"};
    long t = tt_store_add_trial(st_b, 1, 2, names, texts, NULL, NULL, &err);
    tt_store_trial_started(st_b, t, 0, 0, NULL, &err);
    tt_store_trial_finished(st_b, t, TT_TRIAL_COMPLETED, 0.1, "exit code 0", &err);
    ck_assert(ui_compare_poll(a, 102));
    ck_assert_int_eq(ui_compare_model(a, 1)->best, 4);

    WINDOW *w = screen_open(120, 30);
    ui_view_compare.draw(a, w);
    char *s = screen_text(w);
    SCREEN_ASSERT(row_with(w, "beta 0.1") > 0, s, "the legend did not follow beta");
    free(s);

    /* ↓ twice: gamma; Enter: the dashboard shows gamma */
    ck_assert_int_eq(ui_view_compare.key(a, KEY_DOWN) & UI_REDRAW, UI_REDRAW);
    ck_assert_int_eq(ui_view_compare.key(a, 'j') & UI_REDRAW, UI_REDRAW);
    ck_assert_int_eq(ui_view_compare.key(a, KEY_DOWN), UI_HANDLED); /* at the end */
    ck_assert_int_eq(ui_view_compare.key(a, 'x'), UI_IGNORED);
    unsigned before = a->model.completed_gen;
    a->trials_sort = UI_COL_FIXED + 1;   /* alpha's "opt": gamma has no such column */
    int f = ui_view_compare.key(a, '\n');
    ck_assert_int_eq(f & UI_REDRAW_ALL, UI_REDRAW_ALL);
    ck_assert_str_eq(a->model.study.dir, dir_c);
    ck_assert_str_eq(a->model.study.metric, "acc");
    ck_assert_uint_eq(ui_compare_shown(a), 2);
    ck_assert_str_eq(ui_compare_model(a, 0)->study.dir, dir_a);
    ck_assert_ptr_eq(ui_compare_model(a, 2), &a->model);
    ck_assert_uint_gt(a->model.completed_gen, before);
    ck_assert_uint_eq(a->trials_sort, UI_COL_NUMBER);
    ck_assert(strstr(a->message, dir_c) != NULL);
    /* the moved studies still poll (alpha now lives in the compare set) */
    ck_assert(!ui_compare_poll(a, 103));

    werase(w);
    ui_view_compare.draw(a, w);
    s = screen_text(w);
    char *r = table_row(w, "gamma");
    SCREEN_ASSERT(strstr(r, "●") && strstr(r, "gamma"), s, "gamma is not marked shown: %s", r);
    free(r);
    r = table_row(w, "alpha");
    SCREEN_ASSERT(!strstr(r, "●"), s, "alpha is still marked shown: %s", r);
    free(r);
    free(s);
    /* and back to alpha (↑ ↑, Enter): the same study, not re-read */
    ui_view_compare.key(a, KEY_UP);
    ui_view_compare.key(a, 'k');
    ui_view_compare.key(a, KEY_ENTER);
    ck_assert_str_eq(a->model.study.dir, dir_a);
    ck_assert_int_eq(a->model.best, 4);
    screen_close(w);
    app_free(a);
    studies_free();
}
END_TEST

START_TEST(one_study_and_limits)
{
    studies();
    ui_app *a = app_of(dir_a, NULL, 0);
    ck_assert_uint_eq(ui_compare_count(a), 0);
    WINDOW *w = screen_open(100, 24);
    ui_view_compare.draw(a, w);
    char *s = screen_text(w);
    SCREEN_ASSERT(strstr(s, "tunetop DIR1 DIR2") && strstr(s, "Space"), s,
                  "one study: no word on how to compare");
    free(s);
    ck_assert_int_eq(ui_view_compare.key(a, '\n'), UI_IGNORED);
    screen_close(w);

    /* 8 studies at most, the dashboard's included */
    const char *many[8];
    for (size_t i = 0; i < 8; i++)
        many[i] = dir_b;
    tt_error err = {0};
    ck_assert_int_lt(ui_compare_open(a, many, 8, &err), 0);
    ck_assert(strstr(err.msg, "at most 8") != NULL);
    ck_assert_uint_eq(ui_compare_count(a), 0);
    /* a folder that is not a study: nothing kept */
    const char *bad[] = {dir_b, tmp};
    ck_assert_int_lt(ui_compare_open(a, bad, 2, &err), 0);
    ck_assert(strstr(err.msg, "not a tunetop study") != NULL);
    ck_assert_uint_eq(ui_compare_count(a), 0);
    app_free(a);
    studies_free();
}
END_TEST

START_TEST(same_name_labels)
{
    /* the same sweep run twice into two folders: told apart by folder */
    tmp = e2e_tmpdir();
    dir_a = tt_xasprintf("%s/run-old", tmp);
    dir_b = tt_xasprintf("%s/run-new", tmp);
    dir_c = NULL;
    char *na[] = {"lr", "opt"};
    double v1[] = {0.5}, v2[] = {0.2};
    char *t1[][2] = {{"0.01", "adam"}}, *t2[][2] = {{"0.02", "sgd"}};
    tt_store_close(make_study(dir_a, "same", sweep_a, 2, na, 1, v1, t1));
    tt_store_close(make_study(dir_b, "same", sweep_a, 2, na, 1, v2, t2));
    const char *others[] = {dir_b};
    ui_app *a = app_of(dir_a, others, 1);
    WINDOW *w = screen_open(100, 24);
    ui_view_compare.draw(a, w);
    char *s = screen_text(w);
    SCREEN_ASSERT(row_with(w, "run-old 0.5") > 0 && row_with(w, "run-new 0.2") > 0, s,
                  "two studies of one name are not told apart");
    free(s);
    screen_close(w);
    app_free(a);
    studies_free();
}
END_TEST

/* ---- end to end: the command line ------------------------------------------ */

START_TEST(cli_refusals)
{
    studies();
    /* a folder that is not a study: the usual message, exit 1 */
    const char *bad[] = {"tunetop", dir_a, tmp, NULL};
    e2e_result r = e2e_run(bad, 20);
    ck_assert_msg(r.status == 1, "exit %d: %s", r.status, e2e_tail(r.err));
    ck_assert_msg(strstr(r.err, "is not a tunetop study (no study.db in it)"), "%s", r.err);
    e2e_result_free(&r);
    char *missing = tt_xasprintf("%s/nope", tmp);
    const char *gone[] = {"tunetop", missing, dir_a, NULL};
    r = e2e_run(gone, 20);
    ck_assert_msg(r.status == 1 && strstr(r.err, missing), "exit %d: %s", r.status, r.err);
    e2e_result_free(&r);
    free(missing);
    /* the same study twice, by two paths: refused, exit 2 */
    char *again = tt_xasprintf("%s/../a/", dir_b);
    const char *twice[] = {"tunetop", dir_a, dir_b, again, NULL};
    r = e2e_run(twice, 20);
    ck_assert_msg(r.status == 2 && strstr(r.err, "same study"), "exit %d: %s", r.status, r.err);
    e2e_result_free(&r);
    free(again);
    /* nine studies: more than 8 */
    const char *nine[] = {"tunetop", dir_a, dir_b, dir_c, dir_a, dir_b, dir_c, dir_a, dir_b,
                          dir_c, NULL};
    r = e2e_run(nine, 20);
    ck_assert_msg(r.status == 2 && strstr(r.err, "at most 8 studies"), "exit %d: %s", r.status,
                  r.err);
    e2e_result_free(&r);
    /* --dir is for a sweep file */
    const char *withdir[] = {"tunetop", dir_a, dir_b, "--dir", tmp, NULL};
    r = e2e_run(withdir, 20);
    ck_assert_msg(r.status == 2 && strstr(r.err, "--dir"), "exit %d: %s", r.status, r.err);
    e2e_result_free(&r);
    studies_free();
}
END_TEST

/* Run `tmux -L sock ARGS…`; returns its result. */
static e2e_result tmux(const char *sock, const char *const *args)
{
    const char *argv[24] = {"tmux", "-u", "-L", sock, "-f", "/dev/null"};
    size_t n = 6;
    for (size_t i = 0; args[i] && n + 1 < sizeof argv / sizeof *argv; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return e2e_run(argv, 10);
}

/* Poll the pane until it shows text (at most timeout s); returns it. */
static char *pane_wait(const char *sock, const char *text, double timeout)
{
    const char *cap[] = {"capture-pane", "-p", "-J", "-S", "-50", "-t", "tt", NULL};
    for (double t = 0;; t += 0.05) {
        e2e_result r = tmux(sock, cap);
        free(r.err);
        if (r.status == 0 && strstr(r.out, text))
            return r.out;
        if (t > timeout) {
            fprintf(stderr, "---- pane ----\n%s\n----\n", r.out);
            free(r.out);
            ck_abort_msg("the pane did not show %s (pane on stderr)", text);
        }
        free(r.out);
        e2e_sleep(0.05);
    }
}

/* `tunetop A B C` in a terminal: the dashboard of the first study starts
 * (its header, its trials); q detaches as with one study. */
START_TEST(cli_several_studies_dashboard)
{
    const char *probe[] = {"tmux", "-V", NULL};
    e2e_result v = e2e_run(probe, 10);
    bool have_tmux = v.status == 0;
    e2e_result_free(&v);
    if (!have_tmux) {
        fprintf(stderr, "SKIPPED: %s: tmux is not installed\n", __func__);
        return;
    }
    studies();
    unsetenv("TMUX");
    setenv("TMUX_TMPDIR", tmp, 1);
    char sock[64];
    snprintf(sock, sizeof sock, "tt-compare-%ld", (long)getpid());
    char *line = tt_xasprintf("cd '%s' && env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 "
                              "XDG_CONFIG_HOME='%s' '%s' '%s' '%s' '%s'; echo \"[exit $?]\"; "
                              "exec sleep 300",
                              e2e_root(), tmp, e2e_bin(), dir_a, dir_b, dir_c);
    const char *start[] = {"new-session", "-d", "-s", "tt", "-x", "120", "-y", "40", line, NULL};
    e2e_result r = tmux(sock, start);
    ck_assert_msg(r.status == 0, "tmux: %s", e2e_tail(r.err));
    e2e_result_free(&r);
    char *s = pane_wait(sock, "4 completed", 10);
    ck_assert_msg(strstr(s, "alpha") && !strstr(s, "[exit"), "%s", s);
    free(s);
    const char *q[] = {"send-keys", "-t", "tt", "q", NULL};
    r = tmux(sock, q);
    e2e_result_free(&r);
    s = pane_wait(sock, "[exit 0]", 10);
    ck_assert_msg(strstr(s, "tunetop ") && strstr(s, dir_a), "%s", s);
    free(s);
    const char *kill[] = {"kill-server", NULL};
    r = tmux(sock, kill);
    e2e_result_free(&r);
    free(line);
    studies_free();
}
END_TEST

/* `tunetop` alone: Space marks two studies in the picker, Enter opens
 * them together — the dashboard of one starts (no error in the footer). */
START_TEST(cli_picker_marks)
{
    const char *probe[] = {"tmux", "-V", NULL};
    e2e_result v = e2e_run(probe, 10);
    bool have_tmux = v.status == 0;
    e2e_result_free(&v);
    if (!have_tmux) {
        fprintf(stderr, "SKIPPED: %s: tmux is not installed\n", __func__);
        return;
    }
    tmp = e2e_tmpdir();
    char *runs = tt_xasprintf("%s/tunetop-runs", tmp);
    ck_assert_int_eq(mkdir(runs, 0700), 0);
    dir_a = tt_xasprintf("%s/a", runs);
    dir_b = tt_xasprintf("%s/b", runs);
    dir_c = NULL;
    char *na[] = {"lr", "opt"};
    double v1[] = {0.5}, v2[] = {0.2, 0.3};
    char *t1[][2] = {{"0.01", "adam"}}, *t2[][2] = {{"0.02", "sgd"}, {"0.03", "adam"}};
    tt_store_close(make_study(dir_a, "alpha", sweep_a, 2, na, 1, v1, t1));
    tt_store_close(make_study(dir_b, "beta", sweep_a, 2, na, 2, v2, t2));
    unsetenv("TMUX");
    setenv("TMUX_TMPDIR", tmp, 1);
    char sock[64];
    snprintf(sock, sizeof sock, "tt-picker-%ld", (long)getpid());
    char *line = tt_xasprintf("cd '%s' && env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 "
                              "XDG_CONFIG_HOME='%s' '%s'; echo \"[exit $?]\"; exec sleep 300",
                              tmp, tmp, e2e_bin());
    const char *start[] = {"new-session", "-d", "-s", "tt", "-x", "120", "-y", "40", line, NULL};
    e2e_result r = tmux(sock, start);
    ck_assert_msg(r.status == 0, "tmux: %s", e2e_tail(r.err));
    e2e_result_free(&r);
    free(pane_wait(sock, "Space mark to compare", 10));
    const char *space[] = {"send-keys", "-t", "tt", "Space", NULL};
    r = tmux(sock, space);
    e2e_result_free(&r);
    r = tmux(sock, space);
    e2e_result_free(&r);
    char *s = pane_wait(sock, "2 marked: Enter opens them together", 10);
    ck_assert_msg(strstr(s, "● alpha") && strstr(s, "● beta"), "%s", s);
    free(s);
    const char *enter[] = {"send-keys", "-t", "tt", "Enter", NULL};
    r = tmux(sock, enter);
    e2e_result_free(&r);
    s = pane_wait(sock, "completed", 10);
    ck_assert_msg(!strstr(s, "marked") && !strstr(s, "[exit"), "%s", s);
    free(s);
    const char *q[] = {"send-keys", "-t", "tt", "q", NULL};
    r = tmux(sock, q);
    e2e_result_free(&r);
    free(pane_wait(sock, "[exit 0]", 10));
    const char *kill[] = {"kill-server", NULL};
    r = tmux(sock, kill);
    e2e_result_free(&r);
    free(line);
    free(runs);
    studies_free();
}
END_TEST

Suite *suite_ui_compare(void)
{
    Suite *s = suite_create("ui_compare");
    tt_add_tcase(s, "view", 30,
                 TT_TESTS(two_studies_curves_legend_table, goals_differ_warns,
                          live_select_and_switch, one_study_and_limits, same_name_labels));
    tt_add_tcase(s, "cli", 60, TT_TESTS(cli_refusals, cli_several_studies_dashboard, cli_picker_marks));
    return s;
}
