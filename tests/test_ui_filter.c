/*
 * test_ui_filter — the dashboard's pure helpers: the trial-list filter
 * language and sort order, cleaning what trials print of terminal control
 * sequences, and measuring text in columns.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/ui/internal.h"
#include "tunetop/importance.h"
#include "check_util.h"

static char *names[] = {"lr", "optimizer", "batch_size", "momentum"};

static tt_trial_record make(long number, tt_trial_state state, double value, const char *lr,
                            const char *opt, const char *bs, const char *mom)
{
    tt_trial_record r;
    memset(&r, 0, sizeof r);
    r.number = number;
    r.state = state;
    r.value = value;
    r.last_step = number * 10;
    r.started_at = 1000;
    r.finished_at = 1000 + (double)number;
    r.n_params = 4;
    r.param_names = names;
    static char *texts[16][4];
    static bool active[16][4];
    texts[number][0] = (char *)lr;
    texts[number][1] = (char *)opt;
    texts[number][2] = (char *)bs;
    texts[number][3] = (char *)(mom ? mom : "");
    for (int i = 0; i < 4; i++)
        active[number][i] = true;
    active[number][3] = mom != NULL;
    r.param_text = texts[number];
    r.param_active = active[number];
    return r;
}

static bool matches(const char *filter, const tt_trial_record *r)
{
    ui_filter f;
    char msg[128];
    ck_assert_int_eq(ui_filter_parse(filter, &f, msg, sizeof msg), 0);
    bool m = ui_filter_match(&f, r, "val_loss");
    ui_filter_free(&f);
    return m;
}

START_TEST(filter_terms)
{
    tt_trial_record a = make(1, TT_TRIAL_FAILED, NAN, "0.1", "adam", "32", NULL);
    tt_trial_record b = make(2, TT_TRIAL_COMPLETED, 0.25, "0.001", "sgd", "128", "0.9");
    ck_assert(matches("", &a));
    ck_assert(matches("state=failed", &a));
    ck_assert(!matches("state=failed", &b));
    ck_assert(matches("state=fail", &a)); /* a prefix names a state */
    ck_assert(matches("state!=failed", &b));
    ck_assert(matches("lr>0.01", &a));
    ck_assert(!matches("lr>0.01", &b));
    ck_assert(matches("lr<=0.001", &b));
    ck_assert(matches("optimizer=ADAM", &a)); /* case-insensitive text */
    ck_assert(matches("optimizer~ad", &a));
    ck_assert(matches("batch_size>=64 optimizer=sgd", &b));
    ck_assert(!matches("batch_size>=64 optimizer=adam", &b));
    ck_assert(matches("val_loss<0.5", &b));
    ck_assert(matches("value<0.5", &b));
    ck_assert(!matches("value<0.5", &a)); /* no value: no order */
    ck_assert(matches("trial=2", &b));
    ck_assert(matches("step>=20", &b));
    /* inactive parameters match nothing but != */
    ck_assert(!matches("momentum>0", &a));
    ck_assert(matches("momentum!=0.9", &a));
    ck_assert(matches("momentum=0.9", &b));
    /* free text: states, parameter values */
    ck_assert(matches("adam", &a));
    ck_assert(!matches("adam", &b));
    ck_assert(matches("sgd", &b));
    ck_assert(matches("completed", &b));
    /* unknown keys match nothing */
    ck_assert(!matches("nosuch=1", &a));
}
END_TEST

START_TEST(filter_errors)
{
    ui_filter f;
    char msg[128] = "";
    ck_assert_int_eq(ui_filter_parse("=3", &f, msg, sizeof msg), -1);
    ck_assert(strstr(msg, "KEY") != NULL);
    ck_assert_int_eq(ui_filter_parse("lr>", &f, msg, sizeof msg), -1);
    ck_assert_int_eq(ui_filter_parse("  lr>1  state=done ", &f, msg, sizeof msg), 0);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_str_eq(f.terms[0].key, "lr");
    ck_assert_int_eq(f.terms[0].op, UI_OP_GT);
    ck_assert(f.terms[0].numeric);
    ck_assert_str_eq(f.terms[1].text, "done");
    ui_filter_free(&f);
}
END_TEST

START_TEST(sort_columns)
{
    tt_trial_record a = make(1, TT_TRIAL_FAILED, NAN, "0.1", "adam", "32", NULL);
    tt_trial_record b = make(2, TT_TRIAL_COMPLETED, 0.25, "0.001", "sgd", "128", "0.9");
    tt_trial_record c = make(3, TT_TRIAL_COMPLETED, 0.5, "0.01", "adam", "32", "0.5");
    /* value: missing last in both directions */
    ck_assert_int_lt(ui_trial_compare(&b, &c, UI_COL_VALUE, names, false, 0), 0);
    ck_assert_int_gt(ui_trial_compare(&b, &c, UI_COL_VALUE, names, true, 0), 0);
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_VALUE, names, false, 0), 0);
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_VALUE, names, true, 0), 0);
    /* parameters compare as numbers when they are ("0.001" < "0.01" < "0.1") */
    ck_assert_int_lt(ui_trial_compare(&b, &c, UI_COL_FIXED + 0, names, false, 0), 0);
    ck_assert_int_lt(ui_trial_compare(&c, &a, UI_COL_FIXED + 0, names, false, 0), 0);
    /* "32" < "128" numerically */
    ck_assert_int_lt(ui_trial_compare(&a, &b, UI_COL_FIXED + 2, names, false, 0), 0);
    /* ties break on the number */
    ck_assert_int_lt(ui_trial_compare(&a, &c, UI_COL_FIXED + 2, names, false, 0), 0);
    /* text */
    ck_assert_int_lt(ui_trial_compare(&a, &b, UI_COL_FIXED + 1, names, false, 0), 0);
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_FIXED + 1, names, true, 0), 0);
    /* inactive last */
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_FIXED + 3, names, false, 0), 0);
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_FIXED + 3, names, true, 0), 0);
    /* number, reversed */
    ck_assert_int_gt(ui_trial_compare(&a, &b, UI_COL_NUMBER, names, true, 0), 0);
    /* duration: 1 s vs 2 s */
    ck_assert_int_lt(ui_trial_compare(&a, &b, UI_COL_DURATION, names, false, 0), 0);
    ck_assert_int_lt(ui_trial_compare(&b, &a, UI_COL_STATE, names, false, 0), 0);
}
END_TEST

static void clean_is(const char *in, const char *want)
{
    char *got = ui_text_clean(in, strlen(in));
    ck_assert_msg(strcmp(got, want) == 0, "clean(%s) = '%s', want '%s'", in, got, want);
    free(got);
}

START_TEST(clean_controls)
{
    clean_is("plain text", "plain text");
    clean_is("\033[31mred\033[0m", "red");
    clean_is("\033[2J\033[Hhome", "home");
    clean_is("a\033]0;title\007b", "ab");          /* OSC set title, BEL */
    clean_is("a\033]8;;http://x\033\\link\033]8;;\033\\b", "alinkb"); /* hyperlink, ST */
    clean_is("a\033Pdcs\033\\b", "ab");
    clean_is("a\033(Bb", "ab");                      /* charset designation */
    clean_is("a\033=b", "ab");
    clean_is("tab\there", "tab here");
    clean_is("cr\rlf\nbell\007", "crlfbell");
    clean_is("del\177x", "delx");
    clean_is("\xc2\x9b" "31mx", "x");               /* C1 CSI */
    clean_is("caf\xc3\xa9 \xe6\xbc\xa2", "caf\xc3\xa9 \xe6\xbc\xa2"); /* UTF-8 kept */
    clean_is("bad\xff\xfe", "bad??");
    clean_is("\xe2\x80\xae" "evil", "evil");           /* RLO dropped */
    clean_is("trailing\033", "trailing");
    clean_is("\033[", "");
}
END_TEST

START_TEST(text_width)
{
    setlocale(LC_ALL, "C.UTF-8");
    ck_assert_int_eq(ui_text_width("abc"), 3);
    ck_assert_int_eq(ui_text_width("\xe6\xbc\xa2\xe5\xad\x97"), 4); /* two wide */
    ck_assert_int_eq(ui_text_width("e\xcc\x81"), 1);                 /* combining */
    int used = 0;
    ck_assert_uint_eq(ui_text_fit("\xe6\xbc\xa2\xe5\xad\x97", 3, &used), 3);
    ck_assert_int_eq(used, 2);
    ck_assert_uint_eq(ui_text_fit("abcdef", 4, &used), 4);
    ck_assert_int_eq(used, 4);
}
END_TEST

START_TEST(spearman)
{
    double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 6, 8, 10}, z[] = {5, 4, 3, 2, 1};
    ck_assert_double_eq_tol(tt_importance_spearman(x, y, 5), 1.0, 1e-12);
    ck_assert_double_eq_tol(tt_importance_spearman(x, z, 5), -1.0, 1e-12);
    double c[] = {1, 1, 1, 1, 1};
    ck_assert(isnan(tt_importance_spearman(x, c, 5)));
    ck_assert(isnan(tt_importance_spearman(x, y, 2)));
    /* monotone but not linear: still 1 */
    double e[] = {1, 10, 100, 1000, 10000};
    ck_assert_double_eq_tol(tt_importance_spearman(x, e, 5), 1.0, 1e-12);
    /* ties get average ranks */
    double t[] = {1, 1, 2, 2, 3};
    double r = tt_importance_spearman(t, y, 5);
    ck_assert(r > 0.9 && r < 1.0);
    /* eta of the ranks across choices: ranks 1,2 | 3,4,5 -> sqrt(7.5 / 10) */
    double cat[] = {0, 0, 1, 1, 1}, loss[] = {1, 2, 10, 11, 12};
    ck_assert_double_eq_tol(tt_importance_eta(cat, 2, loss, 5), sqrt(0.75), 1e-12);
    double one[] = {0, 0, 0, 0, 0}, bad[] = {0, 1, 2, 1, 0};
    ck_assert(isnan(tt_importance_eta(one, 1, loss, 5)));
    ck_assert(isnan(tt_importance_eta(bad, 2, loss, 5)));
}
END_TEST

Suite *suite_ui_filter(void)
{
    return tt_suite_of("ui_filter", "core", 0,
                       TT_TESTS(filter_terms, filter_errors, sort_columns, clean_controls,
                                text_width, spearman));
}
