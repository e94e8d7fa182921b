/*
 * test_ui_layout — where the dashboard puts its panels at 80×24, 120×40
 * and 200×60 (inside the screen, not overlapping, every panel usable),
 * what it does below the minimum size, and theme files: the bundled ones
 * parse, errors name the line and column, unknown roles and colours are
 * refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/ui/internal.h"
#include "check_util.h"

static bool overlap(ui_rect a, ui_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void check_layout(int cols, int rows)
{
    ui_layout l;
    ui_layout_compute(cols, rows, &l);
    ck_assert(!l.too_small);
    int cells = 0;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        ui_rect r = l.r[p];
        ck_assert_msg(r.h > 0 && r.w > 0, "panel %d hidden at %dx%d", p, cols, rows);
        ck_assert(r.x >= 0 && r.y >= 0 && r.x + r.w <= cols && r.y + r.h <= rows);
        if (!(l.history_shared && p == UI_PANEL_HISTORY))
            cells += r.w * r.h;
        for (int q = 0; q < p; q++) {
            if (l.history_shared && ((p == UI_PANEL_HISTORY && q == UI_PANEL_IMPORTANCE) ||
                                     (q == UI_PANEL_HISTORY && p == UI_PANEL_IMPORTANCE)))
                continue;
            ck_assert_msg(!overlap(r, l.r[q]), "panels %d and %d overlap at %dx%d", p, q,
                          cols, rows);
        }
    }
    /* the panels tile the whole screen */
    ck_assert_int_eq(cells, cols * rows);
    ck_assert_int_eq(l.r[UI_PANEL_HEADER].y, 0);
    ck_assert_int_eq(l.r[UI_PANEL_STATUS].y, rows - 1);
    /* usable: a chart of at least 6 rows, a best table with 2 rows, a trial
     * list with 2 rows */
    ck_assert_int_ge(l.r[UI_PANEL_CURVES].h, 7);
    ck_assert_int_ge(l.r[UI_PANEL_BEST].h, 4);
    ck_assert_int_ge(l.r[UI_PANEL_TRIALS].h, 4);
    ck_assert_int_eq(l.body.y, 2);
    ck_assert_int_eq(l.body.h, rows - 3);
}

START_TEST(layouts)
{
    check_layout(80, 24);
    check_layout(UI_MIN_COLS, UI_MIN_ROWS);
    check_layout(120, 40);
    check_layout(200, 60);
    check_layout(400, 120);
    ui_layout l;
    ui_layout_compute(80, 24, &l);
    ck_assert(l.history_shared);
    ui_layout_compute(200, 60, &l);
    ck_assert(!l.history_shared);
    /* big screens give the trial list the room */
    ck_assert_int_gt(l.r[UI_PANEL_TRIALS].h, 20);
    /* deterministic */
    ui_layout l2;
    ui_layout_compute(200, 60, &l2);
    ck_assert(memcmp(&l, &l2, sizeof l) == 0);
}
END_TEST

START_TEST(too_small_and_hits)
{
    ui_layout l;
    ui_layout_compute(UI_MIN_COLS - 1, 40, &l);
    ck_assert(l.too_small);
    ui_layout_compute(100, UI_MIN_ROWS - 1, &l);
    ck_assert(l.too_small);
    ck_assert_int_eq(ui_layout_hit(&l, 1, 1, false), -1);
    ui_layout_compute(80, 24, &l);
    ck_assert_int_eq(ui_layout_hit(&l, 0, 0, false), UI_PANEL_HEADER);
    ck_assert_int_eq(ui_layout_hit(&l, 23, 5, false), UI_PANEL_STATUS);
    ui_rect imp = l.r[UI_PANEL_IMPORTANCE];
    ck_assert_int_eq(ui_layout_hit(&l, imp.y + 1, imp.x + 1, false), UI_PANEL_IMPORTANCE);
    ck_assert_int_eq(ui_layout_hit(&l, imp.y + 1, imp.x + 1, true), UI_PANEL_HISTORY);
    ui_rect tr = l.r[UI_PANEL_TRIALS];
    ck_assert_int_eq(ui_layout_hit(&l, tr.y + tr.h - 1, 0, false), UI_PANEL_TRIALS);
}
END_TEST

START_TEST(bundled_themes)
{
    const char *root = getenv("TUNETOP_ROOT");
    const char *names[] = {"dark", "light", "monochrome", "high-contrast"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/themes/%s.yaml", root ? root : ".", names[i]);
        ui_theme_spec t;
        tt_error err = {0};
        ck_assert_msg(ui_theme_load(path, &t, &err) == 0, "%s: %s", path, err.msg);
        ck_assert_str_eq(t.name, names[i]);
    }
    ui_theme_spec t;
    ui_theme_builtin("dark", &t);
    ck_assert_str_eq(t.name, "dark");
    ck_assert_int_eq(t.role[UI_ROLE_BEST].fg, 2);
    ck_assert(t.role[UI_ROLE_BEST].attrs & UI_ATTR_BOLD);
    ui_theme_builtin("monochrome", &t);
    ck_assert_int_eq(t.role[UI_ROLE_SELECTION].fg, -1);
    ck_assert(t.role[UI_ROLE_SELECTION].attrs & UI_ATTR_REVERSE);
}
END_TEST

START_TEST(theme_parsing)
{
    ui_theme_spec t;
    tt_error err = {0};
    const char *ok = "name: mine\n"
                     "roles:\n"
                     "  best: {fg: brightgreen, bg: 236, attrs: [bold, underline]}\n"
                     "  axis: {fg: grey}\n";
    ck_assert_int_eq(ui_theme_parse(ok, strlen(ok), "mine.yaml", &t, &err), 0);
    ck_assert_str_eq(t.name, "mine");
    ck_assert_int_eq(t.role[UI_ROLE_BEST].fg, 10);
    ck_assert_int_eq(t.role[UI_ROLE_BEST].bg, 236);
    ck_assert_uint_eq(t.role[UI_ROLE_BEST].attrs, UI_ATTR_BOLD | UI_ATTR_UNDERLINE);
    ck_assert_int_eq(t.role[UI_ROLE_AXIS].fg, 8);
    ck_assert_int_eq(t.role[UI_ROLE_AXIS].bg, -1);
    /* roles left out keep the dark defaults */
    ck_assert_int_eq(t.role[UI_ROLE_FAILED].fg, 1);

    const char *bad_role = "roles:\n  bestest: {fg: red}\n";
    ck_assert_int_lt(ui_theme_parse(bad_role, strlen(bad_role), "t.yaml", &t, &err), 0);
    ck_assert_msg(strstr(err.msg, "t.yaml:2:3") && strstr(err.msg, "bestest"), "%s", err.msg);
    const char *bad_color = "roles:\n  best: {fg: chartreuse}\n";
    ck_assert_int_lt(ui_theme_parse(bad_color, strlen(bad_color), "t.yaml", &t, &err), 0);
    ck_assert_msg(strstr(err.msg, "t.yaml:2:") && strstr(err.msg, "chartreuse"), "%s", err.msg);
    const char *bad_attr = "roles:\n  best: {attrs: [shiny]}\n";
    ck_assert_int_lt(ui_theme_parse(bad_attr, strlen(bad_attr), "t.yaml", &t, &err), 0);
    ck_assert(strstr(err.msg, "shiny") != NULL);
    const char *big = "roles:\n  best: {fg: 256}\n";
    ck_assert_int_lt(ui_theme_parse(big, strlen(big), "t.yaml", &t, &err), 0);
    const char *not_yaml = "roles: [\n";
    ck_assert_int_lt(ui_theme_parse(not_yaml, strlen(not_yaml), "t.yaml", &t, &err), 0);
    ck_assert(strstr(err.msg, "t.yaml:") != NULL);
    ck_assert_int_lt(ui_theme_load("no-such-theme", &t, &err), 0);
    ck_assert(strstr(err.msg, "no-such-theme") != NULL);
}
END_TEST

Suite *suite_ui_layout(void)
{
    return tt_suite_of("ui_layout", "core", 0,
                       TT_TESTS(layouts, too_small_and_hits, bundled_themes, theme_parsing));
}
