/*
 * Tests of the sweep-file loader's diagnostics as a user meets them: every
 * mistake is reported at its exact line:column with its key path and a
 * message saying what was expected (and found) — all of them in one pass —
 * and the YAML corner cases (1.1 scalars, anchors, merge keys, alias bombs)
 * behave. The samples are tested in test_config_samples.c.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunetop/config.h"
#include "tunetop/sampler.h"
#include "check_util.h"
#include "config_fixtures.h"
#include "e2e.h"

static tt_sweep *load(const char *text, tt_diags *d)
{
    return tt_sweep_load_text("t.yaml", text, strlen(text), d);
}

/* Whether d holds a diag of severity sev at line:col with exactly path and
 * a message containing frag. */
static bool has_diag(const tt_diags *d, tt_severity sev, int line, int col, const char *path,
                     const char *frag)
{
    for (size_t i = 0; i < d->n; i++) {
        const tt_diag *g = &d->items[i];
        if (g->severity == sev && g->line == line && g->col == col &&
            strcmp(g->path, path) == 0 && strstr(g->message, frag))
            return true;
    }
    return false;
}

#define ck_diag(d, sev, line, col, path, frag)                                                   \
    do {                                                                                         \
        char *all_ = diags_dump(d);                                                              \
        bool ok_ = has_diag(d, sev, line, col, path, frag);                                      \
        ck_assert_msg(ok_, "no %s at %d:%d path '%s' with '%s'; got:\n%s",                       \
                      (sev) == TT_DIAG_ERROR ? "error" : "warning", line, col, path, frag, all_); \
        free(all_);                                                                              \
    } while (0)
#define ck_error(d, line, col, path, frag) ck_diag(d, TT_DIAG_ERROR, line, col, path, frag)
#define ck_warning(d, line, col, path, frag) ck_diag(d, TT_DIAG_WARNING, line, col, path, frag)

/* Load text that must fail with exactly one error at line:col/path/frag. */
static void expect_one_error(const char *text, int line, int col, const char *path,
                             const char *frag)
{
    tt_diags d = {0};
    tt_sweep *s = load(text, &d);
    char *all = diags_dump(&d);
    ck_assert_msg(s == NULL, "loaded despite: %s", text);
    ck_assert_msg(d.n_errors == 1, "expected 1 error, got %zu:\n%s", d.n_errors, all);
    free(all);
    ck_error(&d, line, col, path, frag);
    tt_diags_free(&d);
}

static tt_sweep *load_ok(const char *text)
{
    tt_diags d = {0};
    tt_sweep *s = load(text, &d);
    char *all = diags_dump(&d);
    ck_assert_msg(s != NULL && d.n_errors == 0, "failed:\n%s", all);
    free(all);
    tt_diags_free(&d);
    return s;
}

#define HEAD "method: random\nmetric: {name: loss}\nprogram: train.py\n"

/* ---- the document ----------------------------------------------------- */

START_TEST(syntax_error_at_libyaml_mark)
{
    expect_one_error("method: random\nparameters:\n  lr: {min: 1, max: 2\n", 4, 1, "",
                     "did not find expected ',' or '}'");
    expect_one_error("method: random\n  bad: indent\n", 2, 6,
                     "", "mapping values are not allowed in this context");
    /* The classic W&B mistake: an unquoted macro in a flow list. */
    expect_one_error("method: random\ncommand: [${program}, ${args}]\n", 2, 12, "",
                     "quote macros");
}
END_TEST

START_TEST(empty_and_non_mapping_documents)
{
    expect_one_error("", 0, 0, "", "the file is empty");
    expect_one_error("# only a comment\n", 0, 0, "", "the file is empty");
    expect_one_error("---\n", 0, 0, "", "the file is empty");
    expect_one_error("- method\n- random\n", 1, 1, "",
                     "expected a mapping of keys (method, parameters, …) at the top of the "
                     "file, found a list");
    expect_one_error("just text\n", 1, 1, "", "found 'just text'");
    expect_one_error(HEAD "parameters: {lr: {value: 1}}\n---\nmethod: grid\n", 5, 1, "",
                     "one YAML document");
}
END_TEST

START_TEST(missing_file_is_an_error)
{
    tt_diags d = {0};
    ck_assert_ptr_null(tt_sweep_load("/nonexistent/sweep.yaml", &d));
    ck_assert_uint_eq(d.n_errors, 1);
    ck_assert_int_eq(d.items[0].line, 0);
    ck_assert_str_eq(d.items[0].file, "/nonexistent/sweep.yaml");
    tt_diags_free(&d);
}
END_TEST

/* ---- top-level keys --------------------------------------------------- */

START_TEST(method_errors)
{
    expect_one_error("metric: {name: loss}\nparameters: {lr: {value: 1}}\n", 1, 1, "method",
                     "missing 'method': write one of grid, random");
    expect_one_error("method: radnom\nparameters: {lr: {value: 1}}\n", 1, 9, "method",
                     "unknown method 'radnom' (did you mean 'random'?)");
    expect_one_error("method: custom\nparameters: {lr: {value: 1}}\n", 1, 9, "method",
                     "needs a W&B scheduler");
    expect_one_error("method: [grid]\nparameters: {lr: {value: 1}}\n", 1, 9, "method",
                     "expected a string, found a list");
    /* A known method not built yet is a warning, and the sweep loads. */
    tt_diags d = {0};
    int m = -1;
    for (int i = 0; i < TT_METHOD_COUNT && m < 0; i++)
        if (!tt_method_available((tt_method)i))
            m = i;
    if (m >= 0) {
        char *text = tt_xasprintf("method: %s\nparameters: {lr: {value: 1}}\nprogram: x\n",
                                  tt_method_name((tt_method)m));
        tt_sweep *s = load(text, &d);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->method, m);
        ck_warning(&d, 1, 9, "method", "is not implemented yet in this version");
        tt_sweep_free(s);
        free(text);
    }
    tt_diags_free(&d);
}
END_TEST

START_TEST(metric_errors)
{
    expect_one_error("method: random\nmetric: loss\nparameters: {lr: {value: 1}}\n", 2, 9,
                     "metric", "expected a mapping, found 'loss' (write `metric: {name:");
    expect_one_error("method: random\nmetric: {name: loss, goal: minimise}\n"
                     "parameters: {lr: {value: 1}}\n",
                     2, 28, "metric.goal", "expected minimize or maximize, found 'minimise'");
    expect_one_error("method: random\nmetric:\n  goal: maximize\nparameters: {lr: {value: 1}}\n",
                     2, 1, "metric", "missing 'name'");
    expect_one_error("method: random\nmetric: {name: acc, summary: mean}\n"
                     "parameters: {lr: {value: 1}}\n",
                     2, 30, "metric.summary", "expected last or best, found 'mean'");
    expect_one_error("method: random\nmetric: {name: acc, target: high}\n"
                     "parameters: {lr: {value: 1}}\n",
                     2, 29, "metric.target", "expected a number, found 'high'");
    tt_sweep *s = load_ok("method: random\nmetric: {name: acc, goal: maximize, target: .inf}\n"
                          "parameters: {lr: {value: 1}}\nprogram: x\n");
    ck_assert(isinf(s->metric.target));
    tt_sweep_free(s);
}
END_TEST

START_TEST(unknown_keys_warn_with_suggestion)
{
    tt_diags d = {0};
    tt_sweep *s = load("method: random\nparamters:\n  lr: {value: 1}\nprogram: x\n", &d);
    ck_assert_ptr_null(s); /* no parameters at all */
    ck_warning(&d, 2, 1, "paramters", "unknown key 'paramters' (did you mean 'parameters'?)");
    ck_error(&d, 1, 1, "parameters", "missing 'parameters'");
    tt_diags_free(&d);

    s = load(HEAD "parameters:\n  lr: {min: 1, max: 2, distrbution: uniform}\n"
                  "paralel: 2\nzzz_custom: 1\n",
             &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(d.n_errors, 0);
    ck_assert_uint_eq(d.n_warnings, 3);
    ck_warning(&d, 5, 24, "parameters.lr.distrbution",
               "unknown key 'distrbution' (did you mean 'distribution'?)");
    ck_warning(&d, 6, 1, "paralel", "unknown key 'paralel' (did you mean 'parallel'?)");
    ck_warning(&d, 7, 1, "zzz_custom", "unknown key 'zzz_custom'");
    ck_assert(!has_diag(&d, TT_DIAG_WARNING, 7, 1, "zzz_custom", "did you mean"));
    tt_sweep_free(s);
    tt_diags_free(&d);
}
END_TEST

START_TEST(wandb_only_keys_are_silent)
{
    tt_diags d = {0};
    tt_sweep *s = load(HEAD "parameters: {lr: {value: 1}}\napiVersion: v1\nkind: sweep\n"
                            "controller: {type: local}\njob: a/b/c:latest\nimage_uri: x\n"
                            "scheduler: {engine: wandb}\n",
                       &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(d.n, 0);
    tt_sweep_free(s);
    tt_diags_free(&d);
    /* W&B's imputation is accepted but said to do nothing here. */
    tt_diags d2 = {0};
    s = load("method: random\nprogram: t.py\nmetric: {name: loss, impute: 9}\n"
             "parameters: {lr: {value: 1}}\n",
             &d2);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(d2.n_errors, 0);
    ck_warning(&d2, 3, 22, "metric.impute", "ignored: tunetop does not impute values");
    tt_sweep_free(s);
    tt_diags_free(&d2);
}
END_TEST

/* YAML requires unique keys; PyYAML would silently keep the last one. */
START_TEST(duplicate_keys_error)
{
    expect_one_error(HEAD "parallel: 2\nparallel: 3\nparameters: {lr: {value: 1}}\n", 5, 1, "",
                     "duplicate key 'parallel' (first at line 4, column 1)");
    expect_one_error(HEAD "parameters:\n  lr: {min: 0.1, max: 1}\n  lr: {value: 2}\n", 6, 3, "",
                     "duplicate key 'lr' (first at line 5, column 3)");
    expect_one_error(HEAD "parameters:\n  lr: {min: 0.1, max: 1, min: 0.2}\n", 5, 26, "",
                     "duplicate key 'min' (first at line 5, column 8)");
}
END_TEST

START_TEST(command_errors)
{
    expect_one_error(HEAD "command: python train.py\nparameters: {lr: {value: 1}}\n", 4, 10,
                     "command", "expected a list of strings, found 'python train.py'");
    expect_one_error(HEAD "command:\n  - ${env}\n  - ${lrr}\nparameters: {lr: {value: 1}}\n", 6,
                     5, "command[1]", "unknown macro '${lrr}' (did you mean '${lr}'?)");
    expect_one_error(HEAD "command: [\"${HOME}/x\"]\nparameters: {lr: {value: 1}}\n", 4, 11,
                     "command[0]", "write '${envvar:HOME}'");
    expect_one_error(HEAD "command: [\"${args\"]\nparameters: {lr: {value: 1}}\n", 4, 11,
                     "command[0]", "unterminated macro '${args'");
    expect_one_error(HEAD "command: []\nparameters: {lr: {value: 1}}\n", 4, 10, "command",
                     "the command is empty");
    expect_one_error("method: random\ncommand:\n  - ${program}\nparameters: {lr: {value: 1}}\n",
                     3, 5, "command[0]", "'${program}' is used but 'program' is not set");
    expect_one_error(HEAD "command: [\"${envvar:}\"]\nparameters: {lr: {value: 1}}\n", 4, 11,
                     "command[0]", "needs a variable name");
}
END_TEST

/* ---- parameters ------------------------------------------------------- */

START_TEST(parameter_shape_errors)
{
    expect_one_error(HEAD "parameters:\n  lr: 0.01\n", 5, 7, "parameters.lr",
                     "expected a mapping, found '0.01' (write `lr: {value: 0.01}` for a "
                     "constant");
    expect_one_error(HEAD "parameters:\n  bs: [16, 32]\n", 5, 7, "parameters.bs",
                     "expected a mapping, found a list (write `bs: {values: [...]}`");
    expect_one_error(HEAD "parameters: [lr]\n", 4, 13, "parameters",
                     "expected a mapping of parameter names");
    expect_one_error(HEAD "parameters: {}\n", 4, 1, "parameters", "no parameters");
    expect_one_error(HEAD "parameters:\n  lr: {q: 2}\n", 5, 3, "parameters.lr",
                     "cannot tell the distribution");
    expect_one_error(HEAD "parameters:\n  2lr: {value: 1}\n", 5, 3, "parameters.2lr",
                     "invalid parameter name '2lr'");
}
END_TEST

START_TEST(parameter_value_errors)
{
    expect_one_error(HEAD "parameters:\n  lr:\n    min: 0.1\n    max: 0.01\n", 6, 10,
                     "parameters.lr.min", "min (0.1) is greater than max (0.01)");
    expect_one_error(HEAD "parameters:\n  lr:\n    min: 0.1\n", 5, 3, "parameters.lr",
                     "missing 'max' (a range needs both min and max)");
    expect_one_error(HEAD "parameters:\n  lr: {min: abc, max: 1.0}\n", 5, 13,
                     "parameters.lr.min", "expected a number, found 'abc'");
    expect_one_error(HEAD "parameters:\n  n: {distribution: int_uniform, min: 1, max: 2.5}\n",
                     5, 47, "parameters.n.max", "expected an integer (int_uniform), found '2.5'");
    expect_one_error(HEAD "parameters:\n  lr: {distribution: log_uniform_values, min: 0, "
                          "max: 1}\n",
                     5, 47, "parameters.lr.min", "expected a number > 0 (log_uniform_values "
                                                 "takes values, not exponents), found '0'");
    expect_one_error(HEAD "parameters:\n  lr: {distribution: unifrom, min: 0, max: 1}\n", 5,
                     22, "parameters.lr.distribution",
                     "unknown distribution 'unifrom' (did you mean 'uniform'?)");
    expect_one_error(HEAD "parameters:\n  lr: {distribution: normal, sigma: -1}\n", 5, 37,
                     "parameters.lr.sigma", "expected a number > 0, found '-1'");
    expect_one_error(HEAD "parameters:\n  w: {distribution: q_uniform, min: 0, max: 8, q: 0}\n",
                     5, 51, "parameters.w.q", "expected a number > 0, found '0'");
    expect_one_error(HEAD "parameters:\n  lr: {distribution: log_uniform}\n", 5, 3,
                     "parameters.lr", "missing 'min' and 'max' (distribution log_uniform needs them)");
    expect_one_error(HEAD "parameters:\n  c: {distribution: constant}\n", 5, 3, "parameters.c",
                     "missing 'value'");
    /* Lists and mappings are values (W&B takes any JSON), but JSON keys
     * are strings. */
    expect_one_error(HEAD "parameters:\n  c: {value: {[1]: 2}}\n", 5, 15, "parameters.c.value",
                     "expected a key that is a string or number, found a list");
}
END_TEST

START_TEST(values_and_probabilities_errors)
{
    expect_one_error(HEAD "parameters:\n  opt: {values: []}\n", 5, 17, "parameters.opt.values",
                     "expected at least one value, found an empty list");
    expect_one_error(HEAD "parameters:\n  opt: {values: adam}\n", 5, 17,
                     "parameters.opt.values", "expected a list of values, found 'adam'");
    expect_one_error(HEAD "parameters:\n  opt:\n    values: [a, b, c]\n"
                          "    probabilities: [0.5, 0.5]\n",
                     7, 20, "parameters.opt.probabilities",
                     "expected 3 probabilities (one per value), found 2");
    expect_one_error(HEAD "parameters:\n  opt:\n    values: [a, b]\n"
                          "    probabilities: [0.5, 0.4]\n",
                     7, 20, "parameters.opt.probabilities", "the probabilities sum to 0.9, not 1");
    expect_one_error(HEAD "parameters:\n  opt:\n    values: [a, b]\n"
                          "    probabilities: [1.5, -0.5]\n",
                     7, 26, "parameters.opt.probabilities[1]", "expected a number >= 0");
    expect_one_error(HEAD "parameters:\n  opt: {values: [a, {[x]: 1}]}\n", 5, 22,
                     "parameters.opt.values[1]", "expected a key that is a string or number");
}
END_TEST

START_TEST(unused_keys_warn)
{
    tt_diags d = {0};
    tt_sweep *s = load(HEAD "parameters:\n  lr: {values: [1, 2], min: 0}\n", &d);
    ck_assert_ptr_nonnull(s);
    ck_warning(&d, 5, 24, "parameters.lr.min", "'min' is not used by distribution categorical");
    tt_sweep_free(s);
    tt_diags_free(&d);
}
END_TEST

START_TEST(inference_rules)
{
    tt_sweep *s = load_ok(HEAD "parameters:\n"
                               "  a: {min: 1, max: 10}\n"
                               "  b: {min: 1, max: 10.0}\n"
                               "  c: {values: [1, x, true, null, 2.5]}\n"
                               "  d: {value: hello}\n"
                               "  e: {distribution: q_uniform, min: 0, max: 1, q: 0.25}\n"
                               "  f: {distribution: q_log_uniform_values, min: 1, max: 64}\n"
                               "  g: {distribution: normal}\n");
    ck_assert_int_eq(sweep_param(s, "a")->dist, TT_DIST_INT_UNIFORM);
    ck_assert(sweep_param(s, "a")->is_int);
    ck_assert_int_eq(sweep_param(s, "b")->dist, TT_DIST_UNIFORM);
    const tt_param *c = sweep_param(s, "c");
    ck_assert_int_eq(c->values[0].kind, TT_VALUE_INT);
    ck_assert_int_eq(c->values[1].kind, TT_VALUE_STRING);
    ck_assert_int_eq(c->values[2].kind, TT_VALUE_BOOL);
    ck_assert_int_eq(c->values[3].kind, TT_VALUE_NULL);
    ck_assert_int_eq(c->values[4].kind, TT_VALUE_FLOAT);
    ck_assert_str_eq(sweep_param(s, "d")->values[0].s, "hello");
    ck_assert(!sweep_param(s, "e")->is_int);
    ck_assert(sweep_param(s, "f")->is_int); /* q defaults to 1, an integer */
    ck_assert_double_eq(sweep_param(s, "g")->mu, 0);
    ck_assert_double_eq(sweep_param(s, "g")->sigma, 1);
    tt_sweep_free(s);
}
END_TEST

START_TEST(yaml11_scalars)
{
    tt_sweep *s = load_ok(HEAD "parameters:\n"
                               "  lr: {min: 1e-5, max: 1E-4}\n"
                               "  s: {values: [\"1e-5\", '2', yes, Off, ~, 0x1F, 0o17, +.5, -.inf]}\n");
    ck_assert_double_eq(sweep_param(s, "lr")->min, 1e-5);
    ck_assert_double_eq(sweep_param(s, "lr")->max, 1e-4);
    const tt_param *v = sweep_param(s, "s");
    ck_assert_int_eq(v->values[0].kind, TT_VALUE_STRING); /* quoted stays text */
    ck_assert_str_eq(v->values[0].s, "1e-5");
    ck_assert_int_eq(v->values[1].kind, TT_VALUE_STRING);
    ck_assert(v->values[2].kind == TT_VALUE_BOOL && v->values[2].b);
    ck_assert(v->values[3].kind == TT_VALUE_BOOL && !v->values[3].b);
    ck_assert_int_eq(v->values[4].kind, TT_VALUE_NULL);
    ck_assert_int_eq(v->values[5].i, 31);
    ck_assert_int_eq(v->values[6].i, 15);
    ck_assert_double_eq(v->values[7].f, 0.5);
    ck_assert(isinf(v->values[8].f) && v->values[8].f < 0);
    tt_sweep_free(s);
}
END_TEST

START_TEST(anchors_aliases_merges)
{
    tt_sweep *s = load_ok(HEAD "parameters:\n"
                               "  a: &range {min: 1, max: 8}\n"
                               "  b: *range\n"
                               "  c: {<<: *range, max: 4}\n"
                               "  d: {<<: [{min: 2}, *range]}\n");
    ck_assert_double_eq(sweep_param(s, "b")->max, 8);
    ck_assert_double_eq(sweep_param(s, "c")->max, 4);
    ck_assert_double_eq(sweep_param(s, "d")->min, 2); /* earlier merges win */
    ck_assert_double_eq(sweep_param(s, "d")->max, 8);
    tt_sweep_free(s);
    expect_one_error(HEAD "parameters:\n  a: *nowhere\n", 5, 6, "", "unknown anchor '*nowhere'");
    expect_one_error(HEAD "parameters:\n  a: {<<: 3, min: 1}\n", 5, 11, "",
                     "merge key '<<' expects a mapping");
    /* An alias cannot refer to the node that contains it. */
    expect_one_error(HEAD "parameters: &p\n  a: *p\n", 5, 6, "", "unknown anchor '*p'");
}
END_TEST

START_TEST(billion_laughs_is_bounded)
{
    const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    clock_t t0 = clock();
    tt_diags d = {0};
    ck_assert_ptr_null(load(text, &d));
    ck_assert_uint_eq(d.n_errors, 1);
    ck_assert_ptr_nonnull(strstr(d.items[0].message, "more than 100000 nodes"));
    ck_assert_ptr_nonnull(strstr(d.items[0].message, "aliases nested too deeply"));
    ck_assert_int_eq(d.items[0].line, 5);
    ck_assert_double_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);
    tt_diags_free(&d);
}
END_TEST

START_TEST(deep_nesting_is_bounded)
{
    tt_buf b = {0};
    for (int i = 0; i < 200; i++)
        tt_buf_puts(&b, "[");
    for (int i = 0; i < 200; i++)
        tt_buf_puts(&b, "]");
    tt_diags d = {0};
    ck_assert_ptr_null(load(b.data, &d));
    ck_assert_uint_eq(d.n_errors, 1);
    ck_error(&d, 1, 65, "", "nests deeper than 64 levels");
    tt_diags_free(&d);
    tt_buf_free(&b);
}
END_TEST

/* Adversarial testing (issue 16): a NUL escaped into a scalar cut its text
 * wherever it was used (two values "a" from "a\0b" and "a\0c"); each one
 * is an error at the scalar, naming its key path. */
START_TEST(nul_characters_are_refused)
{
    tt_diags d = {0};
    ck_assert_ptr_null(load(HEAD "parameters:\n  x: {values: [\"a\\0b\", \"a\\0c\"]}\n", &d));
    ck_assert_uint_eq(d.n_errors, 2);
    ck_error(&d, 5, 16, "parameters.x.values[0]",
             "expected text without NUL characters, found 'a\\0b'");
    ck_error(&d, 5, 24, "parameters.x.values[1]", "found 'a\\0c'");
    tt_diags_free(&d);
    /* a key: the path names it with its NUL written \0 */
    d = (tt_diags){0};
    ck_assert_ptr_null(load(HEAD "parameters:\n  \"k\\x00y\": {value: 1}\n", &d));
    ck_error(&d, 5, 3, "parameters.k\\0y", "expected text without NUL characters");
    tt_diags_free(&d);
    expect_one_error("method: random\nmetric: {name: \"lo\\0ss\"}\nprogram: t.py\n"
                     "parameters: {x: {value: 1}}\n",
                     2, 16, "metric.name", "expected text without NUL characters");
    expect_one_error("method: random\nmetric: {name: loss}\ncommand: [\"python\", \"t\\0.py\"]\n"
                     "parameters: {x: {value: 1}}\n",
                     3, 21, "command[1]", "expected text without NUL characters");
    /* JSON (an NNI search space) says \u0000 */
    d = (tt_diags){0};
    const char *json = "{\"x\": {\"_type\": \"choice\", \"_value\": [\"a\\u0000b\", \"c\"]}}";
    ck_assert_ptr_null(tt_sweep_load_text("space.json", json, strlen(json), &d));
    ck_assert_uint_eq(d.n_errors, 1);
    ck_error(&d, 1, 38, "x._value[0]", "expected text without NUL characters, found 'a\\0b'");
    tt_diags_free(&d);
}
END_TEST

/* The node bound's alias hint only where aliases were used: a plain file
 * over the bound is said to be too large. */
START_TEST(too_many_nodes_without_aliases_is_too_large)
{
    tt_buf b = {0};
    tt_buf_puts(&b, HEAD "parameters:\n  x: {values: [0");
    for (int i = 1; i <= 100000; i++)
        tt_buf_printf(&b, ", %d", i);
    tt_buf_puts(&b, "]}\n");
    tt_diags d = {0};
    ck_assert_ptr_null(load(b.data, &d));
    ck_assert_uint_eq(d.n_errors, 1);
    ck_assert_msg(strstr(d.items[0].message, "too large") &&
                      strstr(d.items[0].message, "more than 100000 nodes") &&
                      !strstr(d.items[0].message, "alias"),
                  "%s", d.items[0].message);
    tt_diags_free(&d);
    tt_buf_free(&b);
}
END_TEST

/* ---- when: ------------------------------------------------------------ */

START_TEST(when_errors)
{
    expect_one_error(HEAD "parameters:\n  opt: {values: [sgd, adam]}\n"
                          "  mom:\n    min: 0.0\n    max: 0.9\n    when: {optimizer: sgd}\n",
                     9, 12, "parameters.mom.when.optimizer",
                     "unknown parameter 'optimizer'");
    expect_one_error(HEAD "parameters:\n  optimizer: {values: [sgd, adam]}\n"
                          "  mom: {min: 0.0, max: 0.9, when: {optimiser: sgd}}\n",
                     6, 36, "parameters.mom.when.optimiser",
                     "unknown parameter 'optimiser' (did you mean 'optimizer'?)");
    expect_one_error(HEAD "parameters:\n  optimizer: {values: [sgd, adam]}\n"
                          "  mom: {min: 0.0, max: 0.9, when: {optimizer: [adam, sgdd]}}\n",
                     6, 54, "parameters.mom.when.optimizer[1]",
                     "'sgdd' is not a value of 'optimizer' (sgd, adam)");
    expect_one_error(HEAD "parameters:\n  a: {values: [1, 2], when: {b: 1}}\n"
                          "  b: {values: [1, 2], when: {a: 1}}\n",
                     5, 3, "parameters.a", "cycle");
    expect_one_error(HEAD "parameters:\n  a: {values: [1, 2], when: {a: 1}}\n", 5, 30,
                     "parameters.a.when.a", "cannot depend on itself");
    expect_one_error(HEAD "parameters:\n  a: {values: [1, 2], when: [a]}\n", 5, 29,
                     "parameters.a.when", "expected a mapping of parent parameters");
    /* A parent declared after its child, numeric matches, and nested siblings. */
    tt_sweep *s = load_ok(HEAD "parameters:\n"
                               "  m: {min: 0.0, max: 1.0, when: {n: 2.0}}\n"
                               "  n: {values: [1, 2]}\n"
                               "  opt:\n"
                               "    parameters:\n"
                               "      kind: {values: [sgd, adam]}\n"
                               "      mom: {min: 0.0, max: 1.0, when: {kind: sgd}}\n");
    ck_assert_str_eq(sweep_param(s, "m")->conditions[0].parent_name, "n");
    ck_assert_int_eq(sweep_param(s, "m")->conditions[0].values[0].kind, TT_VALUE_INT);
    ck_assert_str_eq(sweep_param(s, "opt.mom")->conditions[0].parent_name, "opt.kind");
    tt_sweep_free(s);
}
END_TEST

START_TEST(grid_with_continuous_parameter)
{
    expect_one_error("method: grid\nprogram: x\nparameters:\n  a: {values: [1, 2]}\n"
                     "  lr: {min: 0.1, max: 1.0}\n",
                     5, 3, "parameters.lr",
                     "method grid needs a finite set of values, but 'lr' is continuous "
                     "(uniform)");
}
END_TEST

/* ---- NNI -------------------------------------------------------------- */

START_TEST(nni_errors)
{
    expect_one_error("{\"lr\": {\"_type\": \"loguniform\", \"_value\": [0.1]}}", 1, 42,
                     "lr._value", "expected [low, high] for loguniform, found 1 number");
    expect_one_error("{\"lr\": {\"_type\": \"logunifrom\", \"_value\": [0.1, 1]}}", 1, 18,
                     "lr._type", "unknown _type 'logunifrom' (did you mean 'loguniform'?)");
    expect_one_error("{\"n\": {\"_type\": \"randint\", \"_value\": [5, 5]}}", 1, 38, "n._value",
                     "upper bound (excluded) must exceed");
    expect_one_error("{\"n\": {\"_type\": \"randint\", \"_value\": [1, 2.5]}}", 1, 42,
                     "n._value[1]", "expected an integer (randint), found '2.5'");
    expect_one_error("{\"o\": {\"_type\": \"choice\", \"_value\": [{\"x\": 1}]}}", 1, 38,
                     "o._value[0]", "missing '_name'");
    expect_one_error("{\"o\": {\"_type\": \"choice\", \"_value\": [{\"_name\": \"a\",\n"
                     "  \"k\": {\"_type\": \"uniform\", \"_value\": [2, 1]}}]}}",
                     2, 39, "o._value[0].k._value", "low is greater than high");
    expect_one_error("{\"s\": {\"_type\": \"normal\", \"_value\": [0, 0]}}", 1, 41,
                     "s._value[1]", "expected a sigma > 0");
    expect_one_error("{\"s\": {\"_type\": \"quniform\", \"_value\": [0, 1, -1]}}", 1, 46,
                     "s._value[2]", "expected a q > 0");
    expect_one_error("{\"s\": {\"_type\": \"choice\", \"_value\": []}}", 1, 37,
                     "s._value", "expected at least one choice");
}
END_TEST

/* ---- extensions ------------------------------------------------------- */

START_TEST(extension_errors)
{
    const char *p = "parameters: {lr: {value: 1}}\n";
    char *t;
#define ONE(extra, line, col, path, frag)                                                        \
    t = tt_xasprintf(HEAD "%s%s", extra, p);                                                      \
    expect_one_error(t, line, col, path, frag);                                                  \
    free(t)
    ONE("parallel: 0\n", 4, 11, "parallel", "expected an integer >= 1, found '0'");
    ONE("parallel: two\n", 4, 11, "parallel", "expected an integer >= 1, found 'two'");
    ONE("seed: -1\n", 4, 7, "seed", "expected an integer >= 0, found '-1'");
    ONE("retries: 1.5\n", 4, 10, "retries", "expected an integer >= 0, found '1.5'");
    ONE("repeats: 0\n", 4, 10, "repeats", "expected an integer >= 1");
    ONE("folds: 1\n", 4, 8, "folds", "expected an integer >= 2, found '1'");
    ONE("folds: 0\n", 4, 8, "folds", "expected an integer >= 2, found '0'");
    ONE("repeats: -1\n", 4, 10, "repeats", "expected an integer >= 1, found '-1'");
    ONE("max_consecutive_failures: -2\n", 4, 27, "max_consecutive_failures",
        "expected an integer >= 0, found '-2'");
    ONE("max_consecutive_failures: many\n", 4, 27, "max_consecutive_failures",
        "expected an integer >= 0, found 'many'");
    ONE("trial_timeout: 10x\n", 4, 16, "trial_timeout",
        "expected a duration (seconds, or like 90s, 10m, 1h30m, 2d), found '10x'");
    ONE("time_budget: -5\n", 4, 14, "time_budget", "expected a duration");
    ONE("shell: maybe\n", 4, 8, "shell", "expected true or false, found 'maybe'");
    ONE("metrics: acc\n", 4, 10, "metrics", "expected a list of metric names, found 'acc'");
    ONE("executor: kubernetes\n", 4, 11, "executor", "expected local or slurm, found 'kubernetes'");
    ONE("executor: {partition: gpu}\n", 4, 11, "executor", "missing 'type'");
    ONE("executor: {type: slurm, cpus_per_task: 0}\n", 4, 40, "executor.cpus_per_task",
        "expected an integer from 1 to 100000, found '0'");
    ONE("executor: {type: slurm, sbatch_args: --x}\n", 4, 38, "executor.sbatch_args",
        "expected a list of strings, found '--x'");
    ONE("devices: []\n", 4, 10, "devices", "expected at least one GPU id");
    ONE("devices: 0\n", 4, 10, "devices", "expected an integer from 1 to 1024, found '0'");
    ONE("devices: {a: 1}\n", 4, 10, "devices", "expected a list of GPU ids, or a number of GPUs");
    ONE("run_cap: 0\n", 4, 10, "run_cap", "expected an integer >= 1, found '0'");
    ONE("pruner: medain\n", 4, 9, "pruner", "unknown pruner 'medain' (did you mean 'median'?)");
    ONE("pruner: percentile\n", 4, 9, "pruner", "pruner percentile needs options");
    ONE("pruner: {type: percentile}\n", 4, 9, "pruner", "missing 'percentile'");
    ONE("pruner: {type: percentile, percentile: 120}\n", 4, 40, "pruner.percentile",
        "expected a number from 0 to 100, found '120'");
    ONE("pruner: {type: patience}\n", 4, 9, "pruner", "missing 'patience'");
    ONE("pruner: {type: threshold}\n", 4, 9, "pruner", "missing 'lower' or 'upper'");
    ONE("pruner: {type: threshold, lower: 2, upper: 1}\n", 4, 34, "pruner.lower",
        "lower is greater than upper");
    ONE("pruner: {type: hyperband, reduction_factor: 1}\n", 4, 45, "pruner.reduction_factor",
        "expected a number > 1, found '1'");
    /* Optuna's constructors: bootstrap_count with an automatic resource is
     * refused; Hyperband's min_resource has no auto. */
    ONE("pruner: {type: asha, bootstrap_count: 2}\n", 4, 39, "pruner.bootstrap_count",
        "bootstrap_count needs a fixed min_resource (an integer, not auto), as in Optuna");
    ONE("pruner: {type: hyperband, max_resource: auto, bootstrap_count: 1}\n", 4, 64,
        "pruner.bootstrap_count", "bootstrap_count needs a fixed max_resource");
    ONE("pruner: {type: hyperband, min_resource: auto}\n", 4, 41, "pruner.min_resource",
        "expected an integer >= 1, found 'auto'");
    ONE("pruner: {type: median, n_startup_trials: -1}\n", 4, 42, "pruner.n_startup_trials",
        "expected an integer >= 0, found '-1'");
    ONE("early_terminate: {type: hyperband}\n", 4, 18, "early_terminate",
        "missing 'min_iter' (hyperband needs min_iter, or max_iter and s)");
    ONE("early_terminate: {type: hyperband, max_iter: 27}\n", 4, 18, "early_terminate",
        "missing 's'");
    ONE("early_terminate: {type: median, min_iter: 3}\n", 4, 25, "early_terminate.type",
        "expected hyperband, found 'median'");
    ONE("early_terminate: {type: hyperband, min_iter: 3, eta: 1}\n", 4, 54,
        "early_terminate.eta", "expected a number > 1, found '1'");
    ONE("early_terminate: {type: hyperband, min_iter: 0}\n", 4, 46, "early_terminate.min_iter",
        "expected an integer >= 1, found '0'");
    ONE("pruner: median\nearly_terminate: {type: hyperband, min_iter: 3}\n", 5, 1,
        "early_terminate", "give either 'pruner' or 'early_terminate', not both");
#undef ONE
    /* metric.target must be a number; ${fold} needs folds. */
    expect_one_error("method: random\nmetric: {name: loss, target: low}\nprogram: t.py\n"
                     "parameters: {lr: {value: 1}}\n",
                     2, 30, "metric.target", "expected a number, found 'low'");
    expect_one_error("method: random\nmetric: {name: loss}\nprogram: t.py\n"
                     "command: [t.py, '--fold=${fold}']\nparameters: {lr: {value: 1}}\n",
                     4, 17, "command[1]", "'${fold}' is used but 'folds' is not set");
    tt_sweep *s = load_ok("method: random\nmetric: {name: loss, target: 0.2}\nprogram: t.py\n"
                          "command: [t.py, '--fold=${fold}', '${repeat}']\nfolds: 3\n"
                          "repeats: 2\nmax_consecutive_failures: 0\n"
                          "parameters: {lr: {value: 1}}\n");
    ck_assert(s->metric.has_target);
    ck_assert_double_eq(s->metric.target, 0.2);
    ck_assert_int_eq(s->folds, 3);
    ck_assert_int_eq(s->repeats, 2);
    ck_assert_int_eq(s->max_consecutive_failures, 0);
    tt_sweep_free(s);
    s = load_ok(HEAD "parameters: {lr: {value: 1}}\n");
    ck_assert_int_eq(s->max_consecutive_failures, -1); /* the default rule */
    tt_sweep_free(s);
}
END_TEST

/* `metrics:` keeps each extra metric's goal (W&B's multi-objective
 * {name, goal}), else guesses it from the name, so a table's "best" of an
 * accuracy is its maximum; the objective keeps its own goal. */
START_TEST(metrics_goals)
{
    tt_sweep *s = load_ok(HEAD "metrics:\n  - val_acc\n  - {name: grad_norm, goal: maximize}\n"
                               "  - {name: top1, goal: minimize}\n  - {name: lr_now}\n"
                               "  - valAcc\nparameters: {lr: {value: 1}}\n");
    ck_assert_uint_eq(s->n_metrics, 5);
    ck_assert_ptr_nonnull(s->metric_goals);
    static const char *const names[] = {"val_acc", "grad_norm", "top1", "lr_now", "valAcc"};
    static const tt_goal goals[] = {TT_GOAL_MAXIMIZE, TT_GOAL_MAXIMIZE, TT_GOAL_MINIMIZE,
                                    TT_GOAL_MINIMIZE, TT_GOAL_MAXIMIZE};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(s->metrics[i], names[i]);
        ck_assert_msg(s->metric_goals[i] == goals[i], "%s", names[i]);
        ck_assert_msg(tt_sweep_metric_goal(s, names[i]) == goals[i], "%s", names[i]);
    }
    ck_assert_int_eq(tt_sweep_metric_goal(s, "loss"), TT_GOAL_MINIMIZE);
    tt_sweep_free(s);
    /* the objective's declared goal wins over its name */
    s = load_ok("method: random\nmetric: {name: val_acc, goal: minimize}\nprogram: x\n"
                "metrics: [train_acc]\nparameters: {lr: {value: 1}}\n");
    ck_assert_int_eq(tt_sweep_metric_goal(s, "val_acc"), TT_GOAL_MINIMIZE);
    ck_assert_int_eq(tt_sweep_metric_goal(s, "train_acc"), TT_GOAL_MAXIMIZE);
    tt_sweep_free(s);
    /* names alone: accuracy-like words (whole, numbered, camelCase) maximise,
     * a loss-like word minimises even beside one, anything else minimises */
    static const char *const up[] = {"acc", "val_acc", "accuracy", "test/F1", "roc_auc",
                                     "mAP50", "mIoU", "top1_accuracy", "valAcc", "r2",
                                     "episode_reward", "eval.score", "recall@10", NULL};
    static const char *const down[] = {"loss", "val_loss", "acc_loss", "top1_error",
                                       "grad_norm", "lr", "accumulate", "mapping", "scorer",
                                       "epoch_time", "", NULL};
    for (size_t i = 0; up[i]; i++)
        ck_assert_msg(tt_sweep_metric_goal(NULL, up[i]) == TT_GOAL_MAXIMIZE, "%s", up[i]);
    for (size_t i = 0; down[i]; i++)
        ck_assert_msg(tt_sweep_metric_goal(NULL, down[i]) == TT_GOAL_MINIMIZE, "%s", down[i]);

    /* a goal that is not minimize/maximize is an error at its node; a
     * {name, goal} without a name too; an unknown key warns */
    expect_one_error(HEAD "metrics: [val_loss, {name: acc, goal: up}]\n"
                          "parameters: {lr: {value: 1}}\n",
                     4, 39, "metrics[1].goal", "expected minimize or maximize, found 'up'");
    expect_one_error(HEAD "metrics: [{goal: maximize}]\nparameters: {lr: {value: 1}}\n", 4, 11,
                     "metrics[0]", "missing 'name'");
    tt_diags d = {0};
    s = load(HEAD "metrics:\n  - {name: acc, gaol: maximize}\nparameters: {lr: {value: 1}}\n",
             &d);
    ck_assert_ptr_nonnull(s);
    ck_warning(&d, 5, 17, "metrics[0].gaol", "unknown key 'gaol' (did you mean 'goal'?)");
    tt_sweep_free(s);
    tt_diags_free(&d);
}
END_TEST

/* `auto` is written as Optuna writes it (and is the default): tunetop keeps
 * it as 0. A fixed resource lets bootstrap_count through. */
START_TEST(pruner_auto_resources)
{
    tt_sweep *s = load_ok(HEAD "pruner: {type: asha, min_resource: auto, reduction_factor: 3}\n"
                               "parameters: {lr: {value: 1}}\n");
    ck_assert_int_eq(s->pruner.kind, TT_PRUNER_ASHA);
    ck_assert_int_eq(s->pruner.min_resource, 0);
    tt_sweep_free(s);
    s = load_ok(HEAD "pruner: {type: hyperband, max_resource: auto}\n"
                     "parameters: {lr: {value: 1}}\n");
    ck_assert_int_eq(s->pruner.min_resource, 1);
    ck_assert_int_eq(s->pruner.max_resource, 0);
    tt_sweep_free(s);
    s = load_ok(HEAD "pruner: {type: hyperband, max_resource: 27, bootstrap_count: 2}\n"
                     "parameters: {lr: {value: 1}}\n");
    ck_assert_int_eq(s->pruner.bootstrap_count, 2);
    tt_sweep_free(s);
}
END_TEST

START_TEST(pruner_option_not_for_kind_warns)
{
    tt_diags d = {0};
    tt_sweep *s = load(HEAD "pruner: {type: median, patience: 3}\nparameters: {lr: {value: 1}}\n",
                       &d);
    ck_assert_ptr_nonnull(s);
    ck_warning(&d, 4, 24, "pruner.patience", "'patience' is not used by pruner median");
    tt_sweep_free(s);
    tt_diags_free(&d);
}
END_TEST

START_TEST(executor_local_with_slurm_options_warns)
{
    tt_diags d = {0};
    tt_sweep *s =
        load(HEAD "executor: {type: local, partition: gpu}\nparameters: {lr: {value: 1}}\n", &d);
    ck_assert_ptr_nonnull(s);
    ck_warning(&d, 4, 25, "executor.partition", "only applies to executor slurm");
    ck_assert_ptr_null(s->executor.partition);
    tt_sweep_free(s);
    tt_diags_free(&d);
}
END_TEST

START_TEST(durations)
{
    ck_assert_double_eq(tt_parse_duration("90"), 90);
    ck_assert_double_eq(tt_parse_duration("1.5"), 1.5);
    ck_assert_double_eq(tt_parse_duration("90s"), 90);
    ck_assert_double_eq(tt_parse_duration("10m"), 600);
    ck_assert_double_eq(tt_parse_duration("1h30m"), 5400);
    ck_assert_double_eq(tt_parse_duration("2d"), 172800);
    ck_assert_double_eq(tt_parse_duration("1d2h3m4s"), 93784);
    ck_assert_double_eq(tt_parse_duration("1.5h"), 5400);
    ck_assert_double_eq(tt_parse_duration(" 5m "), 300);
    const char *bad[] = {"", "m", "10x", "1m1h", "1h1h", "-5", "5 m", "1e3s", "h1", "inf", ".inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(tt_parse_duration(bad[i]) < 0, "'%s' parsed", bad[i]);
    ck_assert(tt_parse_duration(NULL) < 0);
}
END_TEST

/* ---- reporting -------------------------------------------------------- */

START_TEST(all_errors_in_one_pass_in_file_order)
{
    tt_diags d = {0};
    const char *text = "method: grdi\n"
                       "parallel: 0\n"
                       "parameters:\n"
                       "  lr: {min: 1, max: x}\n"
                       "  bs: 32\n"
                       "  opt: {values: [a], when: {nope: 1}}\n"
                       "pruner: {type: percentile}\n"
                       "metric: {goal: up}\n";
    ck_assert_ptr_null(load(text, &d));
    ck_assert_uint_eq(d.n_errors, 8);
    ck_error(&d, 1, 9, "method", "did you mean 'grid'?");
    ck_error(&d, 2, 11, "parallel", "expected an integer >= 1");
    ck_error(&d, 4, 21, "parameters.lr.max", "expected a number, found 'x'");
    ck_error(&d, 5, 7, "parameters.bs", "expected a mapping");
    ck_error(&d, 6, 29, "parameters.opt.when.nope", "unknown parameter 'nope'");
    ck_error(&d, 7, 9, "pruner", "missing 'percentile'");
    ck_error(&d, 8, 1, "metric", "missing 'name'");
    ck_error(&d, 8, 16, "metric.goal", "expected minimize or maximize, found 'up'");
    for (size_t i = 1; i < d.n; i++)
        ck_assert(d.items[i - 1].line < d.items[i].line ||
                  (d.items[i - 1].line == d.items[i].line &&
                   d.items[i - 1].col <= d.items[i].col));
    tt_diags_free(&d);
}
END_TEST

START_TEST(print_format)
{
    tt_diags d = {0};
    tt_diags_add(&d, TT_DIAG_WARNING, "s.yaml", 3, 5, "paramters", "unknown key '%s'", "paramters");
    tt_diags_add(&d, TT_DIAG_ERROR, "s.yaml", 2, 9, "parameters.lr.min", "expected a number");
    tt_diags_add(&d, TT_DIAG_ERROR, "s.yaml", 0, 0, "", "the file is empty");
    char *out = diags_dump(&d);
    ck_assert_str_eq(out, "s.yaml: error: the file is empty\n"
                          "s.yaml:2:9: error: parameters.lr.min: expected a number\n"
                          "s.yaml:3:5: warning: paramters: unknown key 'paramters'\n");
    ck_assert_uint_eq(d.n_errors, 2);
    ck_assert_uint_eq(d.n_warnings, 1);
    free(out);
    tt_diags_free(&d);
}
END_TEST

/* Files under tests/data/bad/ hold one mistake each (or several). */
START_TEST(bad_files)
{
    struct {
        const char *file;
        int line, col;
        const char *path, *frag;
        size_t errors;
    } cases[] = {
        {"syntax.yaml", 5, 23, "", "did not find expected ',' or ']'", 1},
        {"types.yaml", 5, 13, "parameters.lr.min", "expected a number, found 'small'", 4},
        {"billion_laughs.yaml", 6, 8, "", "more than 100000 nodes", 1},
        {"nni_bad.json", 3, 14, "lr._type", "did you mean 'loguniform'?", 2},
        {"grid_continuous.yaml", 6, 3, "parameters.lr", "method grid needs", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/data/bad/%s", e2e_root(), cases[i].file);
        tt_diags d = {0};
        ck_assert_ptr_null(tt_sweep_load(path, &d));
        char *all = diags_dump(&d);
        ck_assert_msg(d.n_errors == cases[i].errors, "%s: %zu errors:\n%s", path, d.n_errors,
                      all);
        bool found = false;
        for (size_t k = 0; k < d.n; k++)
            found |= d.items[k].line == cases[i].line &&
                     (cases[i].col == 0 || d.items[k].col == cases[i].col) &&
                     strcmp(d.items[k].path, cases[i].path) == 0 &&
                     strstr(d.items[k].message, cases[i].frag) != NULL &&
                     strcmp(d.items[k].file, path) == 0;
        ck_assert_msg(found, "%s: expected %d:%d %s '%s'; got:\n%s", path, cases[i].line,
                      cases[i].col, cases[i].path, cases[i].frag, all);
        free(all);
        tt_diags_free(&d);
    }
}
END_TEST

/* A sweep file's own text quoted in a diagnostic cannot drive the
 * terminal: escape sequences are printed as '?'. */
START_TEST(print_strips_control_sequences)
{
    tt_diags d = {0};
    tt_sweep *sw = load("method: random\nparameters:\n  lr: {min: \"\\e]0;pwned\\a\", max: 1}\n", &d);
    ck_assert_ptr_null(sw);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tt_diags_print(&d, f);
    fclose(f);
    ck_assert_msg(strstr(buf, "error") != NULL, "%s", buf);
    ck_assert_ptr_null(strchr(buf, '\x1b'));
    ck_assert_ptr_null(strchr(buf, '\x07'));
    ck_assert_ptr_nonnull(strstr(buf, "?]0;pwned?"));
    free(buf);
    tt_diags_free(&d);
}
END_TEST

Suite *suite_config(void)
{
    return tt_suite_of("config", "errors", 0,
                       TT_TESTS(syntax_error_at_libyaml_mark, empty_and_non_mapping_documents,
                                missing_file_is_an_error, method_errors, metric_errors,
                                unknown_keys_warn_with_suggestion, wandb_only_keys_are_silent,
                                duplicate_keys_error, command_errors, parameter_shape_errors,
                                parameter_value_errors, values_and_probabilities_errors,
                                unused_keys_warn, inference_rules, yaml11_scalars,
                                anchors_aliases_merges, billion_laughs_is_bounded,
                                deep_nesting_is_bounded, nul_characters_are_refused,
                                too_many_nodes_without_aliases_is_too_large, when_errors,
                                grid_with_continuous_parameter, nni_errors, extension_errors,
                                metrics_goals, pruner_auto_resources,
                                pruner_option_not_for_kind_warns,
                                executor_local_with_slurm_options_warns, durations,
                                all_errors_in_one_pass_in_file_order, print_format,
                                print_strips_control_sequences, bad_files));
}
