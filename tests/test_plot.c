/*
 * test_plot — `tunetop plot` on the real binary. A study of f = 10·alpha
 * + beta with an idle parameter (and a log-uniform and a categorical one)
 * is written through the store API (deterministic values, metric curves,
 * a pruned, a failed and a running trial, a stored importance), and one is
 * run for real by `tunetop run`. Each kind must fit in W columns (one per
 * code point: a braille cell is one column) and H rows, print no escape
 * sequence, print 7-bit bytes only with --ascii; the slice of alpha must
 * rise from left to right and the idle parameter's must not; bad requests
 * must fail with a message and the usage exit status.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"
#include "e2e.h"
#include "tunetop/store.h"
#include "tunetop/util.h"

#define N_TRIALS 60

static const char sweep_yaml[] =
    "name: plot\nmethod: random\ncommand: [/bin/true]\n"
    "metric: {name: loss, goal: minimize}\n"
    "parameters:\n"
    "  alpha: {min: 0.0, max: 1.0}\n"
    "  beta: {min: 0.0, max: 1.0}\n"
    "  idle: {min: 0.0, max: 1.0}\n"
    "  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0}\n"
    "  opt: {values: [sgd, adam, adamw]}\n";

/* A fixed pseudo-random sequence (xorshift): the same study every run. */
static double next_unit(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static long add(tt_store *st, double a, double b, double idle, double lr, int opt)
{
    static const char *const opts[] = {"sgd", "adam", "adamw"};
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
    ck_assert_int_eq(tt_store_trial_started(st, n, 0, 0, NULL, &err), 0);
    return n;
}

/* The study in dir (see the file comment). */
static void make_study(const char *dir)
{
    char *db = tt_xasprintf("%s/study.db", dir);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "plot", "sweep.yaml", dir, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", sweep_yaml, &err), 1);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < N_TRIALS; i++) {
        double a = next_unit(&seed), b = next_unit(&seed), idle = next_unit(&seed);
        double lr = pow(10, -5 + 5 * next_unit(&seed));
        long n = add(st, a, b, idle, lr, i % 3);
        double f = 10 * a + b;
        for (long s = 1; s <= 8; s++)
            ck_assert_int_eq(tt_store_add_metric(st, n, 1, s, "loss", f * (1 + 2.0 / (double)s),
                                                 1.8e9 + s, &err), 0);
        ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, f, "exit code 0",
                                                 &err), 0);
    }
    long pruned = add(st, 0.5, 0.5, 0.5, 0.01, 0);
    ck_assert_int_eq(tt_store_trial_finished(st, pruned, TT_TRIAL_PRUNED, NAN, "pruned", &err), 0);
    long failed = add(st, 0.5, 0.5, 0.5, 0.01, 1);
    ck_assert_int_eq(tt_store_trial_finished(st, failed, TT_TRIAL_FAILED, NAN, "exit code 1",
                                             &err), 0);
    long running = add(st, 0.2, 0.2, 0.2, 0.01, 2);
    ck_assert_int_eq(tt_store_add_metric(st, running, 1, 1, "loss", 9, 1.8e9, &err), 0);
    char *params[] = {"alpha", "beta", "idle", "lr", "opt"};
    double v[] = {0.9, 0.08, 0.01, 0.005, 0.005};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", N_TRIALS, 5, params, v, v, v, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    tt_store_close(st);
    free(db);
}

static e2e_result plot(const char *dir, const char *kind, const char *extra, int w, int h,
                       bool ascii)
{
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", w);
    snprintf(hs, sizeof hs, "%d", h);
    const char *argv[16] = {"tunetop", "plot", dir, "--kind", kind, "--width", ws, "--height",
                            hs};
    int n = 9;
    if (ascii)
        argv[n++] = "--ascii";
    if (extra) {
        argv[n++] = strncmp(extra, "--", 2) == 0 ? extra : "--param";
        if (strncmp(extra, "--", 2) != 0)
            argv[n++] = extra;
    }
    argv[n] = NULL;
    return e2e_run(argv, 10);
}

/* Lines and the widest line (in code points) of out; asserts no escape
 * sequence and, when ascii, 7-bit bytes only. */
static void check_shape(const char *what, const char *out, int w, int h, bool ascii)
{
    int lines = 0, col = 0;
    for (const unsigned char *s = (const unsigned char *)out; *s; s++) {
        ck_assert_msg(*s != 0x1b, "%s: an escape character in\n%s", what, out);
        ck_assert_msg(!ascii || *s < 0x80, "%s: byte 0x%02x with --ascii in\n%s", what, *s,
                      out);
        if (*s == '\n') {
            lines++;
            col = 0;
        } else if ((*s & 0xC0) != 0x80) {
            col++;
            ck_assert_msg(col <= w, "%s: line %d wider than %d columns:\n%s", what, lines + 1, w,
                          out);
        }
    }
    ck_assert_msg(lines > 3 && lines <= h, "%s: %d lines for a height of %d:\n%s", what, lines,
                  h, out);
}

/* How much higher the points of the right third of the first chart's
 * canvas sit than those of the left third, in rows (text rows grow
 * downwards): the mean row on the left minus the mean row on the right.
 * A canvas row is a line whose 8th character is the axis, '|'. */
static double rise(const char *out, int w)
{
    int cols = w - 8, row = 0;
    double left = 0, right = 0;
    int nl = 0, nr = 0;
    bool seen = false;
    for (const char *line = out; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 7 && line[7] == '|') {
            seen = true;
            for (size_t c = 8; c < len; c++) {
                if (line[c] == ' ')
                    continue;
                int x = (int)c - 8;
                if (x < cols / 3) {
                    left += row;
                    nl++;
                } else if (x >= cols - cols / 3) {
                    right += row;
                    nr++;
                }
            }
            row++;
        } else if (seen) {
            break;   /* the first chart only */
        }
        line += len + (end ? 1 : 0);
    }
    ck_assert_msg(nl > 3 && nr > 3, "too few points on the sides (%d, %d):\n%s", nl, nr, out);
    return left / nl - right / nr;
}

static char *study_dir;

static void setup(void)
{
    char *tmp = e2e_tmpdir();
    study_dir = tt_xasprintf("%s/study", tmp);
    free(tmp);
    mkdir(study_dir, 0700);
    make_study(study_dir);
}

static void teardown(void)
{
    /* TUNETOP_KEEP_PLOT_STUDY=DIR: keep a copy of the fixture to look at */
    const char *keep = getenv("TUNETOP_KEEP_PLOT_STUDY");
    if (keep) {
        char *cmd = tt_xasprintf("rm -rf '%s' && cp -r '%s' '%s'", keep, study_dir, keep);
        if (system(cmd) != 0)
            fprintf(stderr, "could not keep the study in %s\n", keep);
        free(cmd);
    }
    char *slash = strrchr(study_dir, '/');
    *slash = 0;
    e2e_rmtree(study_dir);
    free(study_dir);
}

static const char *const kinds[] = {"history", "slice", "curves", "timeline", "contour",
                                    "parallel"};
#define N_KINDS (sizeof kinds / sizeof *kinds)

START_TEST(test_plot_kinds_fit_and_are_ascii)
{
    /* every kind, ASCII and braille, at a few sizes */
    const int sizes[][2] = {{60, 15}, {24, 6}, {80, 24}, {133, 41}};
    for (size_t k = 0; k < N_KINDS; k++)
        for (size_t s = 0; s < 4; s++)
            for (int ascii = 0; ascii < 2; ascii++) {
                int w = sizes[s][0], h = sizes[s][1];
                setenv("LC_ALL", "C.UTF-8", 1);
                e2e_result r = plot(study_dir, kinds[k], NULL, w, h, ascii);
                unsetenv("LC_ALL");
                char what[96];
                snprintf(what, sizeof what, "%s %dx%d%s", kinds[k], w, h, ascii ? " ascii" : "");
                ck_assert_msg(r.status == 0, "%s: exit %d: %s", what, r.status, r.err);
                check_shape(what, r.out, w, h, ascii);
                if (!ascii && strcmp(kinds[k], "contour") == 0)
                    ck_assert_msg(strstr(r.out, "\u2591") || strstr(r.out, "\u2592") ||
                                      strstr(r.out, "\u2593") || strstr(r.out, "\u2588"),
                                  "%s: no shade in\n%s", what, r.out);
                else if (!ascii && strcmp(kinds[k], "timeline") != 0)
                    ck_assert_msg(strstr(r.out, "\xe2\xa0") || strstr(r.out, "\xe2\xa1") ||
                                      strstr(r.out, "\xe2\xa2") || strstr(r.out, "\xe2\xa3"),
                                  "%s: no braille in\n%s", what, r.out);
                e2e_result_free(&r);
            }
}
END_TEST

START_TEST(test_plot_ascii_without_utf8_locale)
{
    setenv("LC_ALL", "C", 1);
    for (size_t k = 0; k < N_KINDS; k++) {
        e2e_result r = plot(study_dir, kinds[k], NULL, 70, 20, false);
        ck_assert_msg(r.status == 0, "%s: %s", kinds[k], r.err);
        check_shape(kinds[k], r.out, 70, 20, true);
        e2e_result_free(&r);
    }
    unsetenv("LC_ALL");
}
END_TEST

START_TEST(test_plot_slice_shows_the_trend)
{
    e2e_result a = plot(study_dir, "slice", "alpha", 60, 15, true);
    ck_assert_msg(a.status == 0, "%s", a.err);
    double up = rise(a.out, 60);
    /* 11 canvas rows: f spans them, and alpha is nearly all of f */
    ck_assert_msg(up > 4, "alpha rises by %.2f rows only:\n%s", up, a.out);
    ck_assert_msg(strstr(a.out, "*") != NULL, "no best mark in\n%s", a.out);
    e2e_result i = plot(study_dir, "slice", "idle", 60, 15, true);
    ck_assert_msg(i.status == 0, "%s", i.err);
    double flat = rise(i.out, 60);
    ck_assert_msg(fabs(flat) < 2, "idle 'rises' by %.2f rows:\n%s", flat, i.out);
    /* the log axis names powers of ten; the categorical one its values */
    e2e_result l = plot(study_dir, "slice", "lr", 60, 15, true);
    ck_assert_msg(strstr(l.out, "(log x)") && strstr(l.out, "0.01"), "%s", l.out);
    e2e_result c = plot(study_dir, "slice", "opt", 60, 15, true);
    ck_assert_msg(strstr(c.out, "sgd") && strstr(c.out, "adam") && strstr(c.out, "adamw"), "%s",
                  c.out);
    /* without --param: the stored importance's order, alpha first */
    e2e_result all = plot(study_dir, "slice", NULL, 60, 24, true);
    ck_assert_msg(strncmp(all.out, "loss by alpha", 13) == 0, "%s", all.out);
    ck_assert_msg(strstr(all.out, "more parameters") != NULL, "%s", all.out);
    e2e_result_free(&a);
    e2e_result_free(&i);
    e2e_result_free(&l);
    e2e_result_free(&c);
    e2e_result_free(&all);
}
END_TEST

START_TEST(test_plot_timeline_and_curves_say_what_they_show)
{
    e2e_result t = plot(study_dir, "timeline", NULL, 100, 20, true);
    ck_assert_msg(t.status == 0, "%s", t.err);
    /* one each of completed, pruned, failed, running: four fill characters */
    ck_assert_msg(strstr(t.out, "63 trials") && strstr(t.out, "= completed 60") &&
                      strstr(t.out, "~ pruned 1") && strstr(t.out, "x failed 1") &&
                      strstr(t.out, "> running 1"),
                  "%s", t.out);
    e2e_result c = plot(study_dir, "curves", NULL, 60, 15, true);
    ck_assert_msg(c.status == 0, "%s", c.err);
    ck_assert_msg(strstr(c.out, "loss by step: best 3 trials") && strstr(c.out, "1 running") &&
                      strstr(c.out, "step"),
                  "%s", c.out);
    e2e_result_free(&t);
    e2e_result_free(&c);
}
END_TEST

static void expect_error(const char *const *argv, int status, const char *words)
{
    e2e_result r = e2e_run(argv, 10);
    ck_assert_msg(r.status == status, "%s: exit %d, not %d: %s", words,
                  r.status, status, r.err);
    ck_assert_msg(strstr(r.err, words) != NULL, "'%s' not in: %s", words, r.err);
    ck_assert_msg(r.out[0] == 0, "printed on stdout: %s", r.out);
    e2e_result_free(&r);
}

START_TEST(test_plot_refuses_bad_requests)
{
    const char *d = study_dir;
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "pie", NULL}, 2,
                 "unknown kind 'pie'");
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "slice", "--param", "gamma",
                                  NULL},
                 2, "no parameter 'gamma'");
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "curves", "--metric", "acc",
                                  NULL},
                 2, "no trial has reported a metric 'acc'");
    expect_error((const char *[]){"tunetop", "plot", d, "--width", "20", NULL}, 2,
                 "at least 24");
    expect_error((const char *[]){"tunetop", "plot", d, "--height", "5", NULL}, 2, "at least 6");
    expect_error((const char *[]){"tunetop", "plot", d, "--width", "wide", NULL}, 2, "--width");
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", NULL}, 2, "needs a value");
    expect_error((const char *[]){"tunetop", "plot", "/", "--kind", "history", NULL}, 1,
                 "not a tunetop study");
    expect_error((const char *[]){"tunetop", "plot", NULL}, 2, "expected a study folder");
    e2e_result h = e2e_run((const char *[]){"tunetop", "help", "plot", NULL}, 10);
    ck_assert_msg(h.status == 0 && strstr(h.out, "usage: tunetop plot DIR"), "%s", h.out);
    e2e_result_free(&h);
    e2e_result u = e2e_run((const char *[]){"tunetop", "--help", NULL}, 10);
    ck_assert_msg(strstr(u.out, "plot DIR") != NULL, "%s", u.out);
    e2e_result_free(&u);
}
END_TEST

/* Where the contour's lightest shades lie: the mean column (0 = left) and
 * mean row from the bottom (0 = bottom) of the cells at the lowest two
 * levels of " .:-=+*#%@", as fractions of the grid. */
static void lightest(const char *out, int w, double *col, double *row)
{
    static const char ramp[] = " .:-=+*#%@";
    int cols = w - 8, rows = 0;
    double sc = 0, sr = 0;
    int n = 0;
    const char *first = NULL;
    for (const char *line = out; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 7 && line[7] == '|') {
            if (!first)
                first = line;
            rows++;
        }
        line += len + (end ? 1 : 0);
    }
    int r = 0;
    for (const char *line = first; line && r < rows; r++) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        for (int c = 0; c < cols; c++) {
            char ch = 8 + (size_t)c < len ? line[8 + c] : ' ';
            const char *at = strchr(ramp, ch);
            if (ch && at && at - ramp <= 1) {
                sc += (double)c / (cols - 1);
                sr += (double)(rows - 1 - r) / (rows - 1);
                n++;
            }
        }
        line = end ? end + 1 : line + len;
    }
    ck_assert_msg(n > 3, "no light cells in\n%s", out);
    *col = sc / n;
    *row = sr / n;
}

START_TEST(test_plot_contour_lowest_at_low_alpha_and_beta)
{
    e2e_result r = plot(study_dir, "contour", "--params=alpha,beta", 70, 20, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    check_shape("contour", r.out, 70, 20, true);
    double col, row;
    lightest(r.out, 70, &col, &row);
    /* f = 10 alpha + beta: the light region hugs the left edge; beta
     * tilts it towards the bottom */
    ck_assert_msg(col < 0.25 && row < 0.5, "lightest at column %.2f, row %.2f:\n%s", col, row,
                  r.out);
    ck_assert_msg(strstr(r.out, "loss by alpha (x) and beta (y)") && strstr(r.out, "X best #") &&
                      strstr(r.out, "low [ .:-=+*#%@] high"),
                  "%s", r.out);
    e2e_result_free(&r);
    /* categorical and log axes: the choices named, powers of ten */
    r = plot(study_dir, "contour", "--params=opt,lr", 70, 20, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "sgd") && strstr(r.out, "adamw") && strstr(r.out, "(log y)"),
                  "%s", r.out);
    e2e_result_free(&r);
    /* without --params: the two most important (stored: alpha, beta) */
    r = plot(study_dir, "contour", NULL, 70, 20, true);
    ck_assert_msg(strstr(r.out, "by alpha (x) and beta (y)"), "%s", r.out);
    e2e_result_free(&r);
    const char *d = study_dir;
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "contour", "--params", "alpha",
                                  NULL},
                 2, "two parameters");
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "contour", "--params",
                                  "alpha,gamma", NULL},
                 2, "no parameter 'gamma'");
    expect_error((const char *[]){"tunetop", "plot", d, "--kind", "slice", "--params",
                                  "alpha,beta", NULL},
                 2, "--params is for --kind contour");
}
END_TEST

START_TEST(test_plot_parallel_axes)
{
    e2e_result r = plot(study_dir, "parallel", NULL, 70, 20, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    check_shape("parallel", r.out, 70, 20, true);
    /* importance order, the objective last, the choices named, the best marked */
    const char *a = strstr(r.out, "alpha"), *b = strstr(r.out, "beta"), *l = strstr(r.out, "loss\n");
    ck_assert_msg(a && b && a < b && strstr(r.out, "lr (log)") && strstr(r.out, "sgd") &&
                      strstr(r.out, "* best #"),
                  "%s", r.out);
    (void)l;
    ck_assert_msg(strstr(r.out, "parallel coordinates of the best 15 of 60 trials"), "%s", r.out);
    e2e_result_free(&r);
    /* narrow: fewer axes, and it says so */
    r = plot(study_dir, "parallel", NULL, 40, 12, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    check_shape("parallel 40x12", r.out, 40, 12, true);
    ck_assert_msg(strstr(r.out, "more (--width)"), "%s", r.out);
    e2e_result_free(&r);
}
END_TEST

/* A real sweep of f = 10·alpha + beta: the slice of alpha rises. */
START_TEST(test_plot_real_run)
{
    e2e_sweep w = e2e_sweep_new(
        "name: plot-run\nmethod: random\nseed: 3\nrun_cap: 30\nparallel: 3\n"
        "metric: {name: loss, goal: minimize}\n"
        "command: [/bin/sh, -c, 'awk -v a=$1 -v b=$2 \"BEGIN { print \\\"loss=\\\" 10*a+b }\"', "
        "sh, '${alpha}', '${beta}']\n"
        "parameters:\n  alpha: {min: 0.0, max: 1.0}\n  beta: {min: 0.0, max: 1.0}\n"
        "  idle: {min: 0.0, max: 1.0}\n");
    e2e_run_sweep_ok(w.sweep, w.study, 60);
    e2e_result a = plot(w.study, "slice", "alpha", 60, 15, true);
    ck_assert_msg(a.status == 0, "%s", a.err);
    double up = rise(a.out, 60);
    ck_assert_msg(up > 4, "alpha rises by %.2f rows only:\n%s", up, a.out);
    for (size_t k = 0; k < N_KINDS; k++) {
        e2e_result r = plot(w.study, kinds[k], NULL, 60, 15, true);
        ck_assert_msg(r.status == 0, "%s: %s", kinds[k], r.err);
        check_shape(kinds[k], r.out, 60, 15, true);
        e2e_result_free(&r);
    }
    e2e_result_free(&a);
    e2e_sweep_free(&w);
}
END_TEST

Suite *suite_plot(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tt_add_tcase(s, "plot", 30,
                             TT_TESTS(test_plot_kinds_fit_and_are_ascii,
                                      test_plot_ascii_without_utf8_locale,
                                      test_plot_slice_shows_the_trend,
                                      test_plot_timeline_and_curves_say_what_they_show,
                                      test_plot_refuses_bad_requests,
                                      test_plot_contour_lowest_at_low_alpha_and_beta,
                                      test_plot_parallel_axes));
    tcase_add_checked_fixture(tc, setup, teardown);
    tt_add_tcase(s, "plot_run", 60, TT_TESTS(test_plot_real_run));
    return s;
}
