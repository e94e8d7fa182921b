/*
 * The loader against sweep files written the way people write them:
 * tests/data/realworld/wandb/ (W&B sweep YAML in every style met in public
 * repositories: comments, anchors and merge keys, flow mappings, CRLF, a
 * BOM, tabs in comments, `---`, tags, lists as values, nested parameters)
 * and tests/data/realworld/nni/ (search_space.json files, nested `_name`
 * choices). Every such file loads without an error, and 200 random and 200
 * Sobol suggestions of each stay inside every distribution's type and range.
 * Every file of tests/data/realworld/bad/ is refused with an error at the
 * line:column the table below names. Adding a bad file needs a table row.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/runner/launch.h"
#include "tunetop/config.h"
#include "tunetop/sampler.h"
#include "check_util.h"
#include "config_fixtures.h"
#include "e2e.h"

static bool is_sweep_file(const char *name)
{
    size_t len = strlen(name);
    static const char *const ext[] = {".yaml", ".yml", ".json"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(ext[i]);
        if (len > n && strcmp(name + len - n, ext[i]) == 0)
            return true;
    }
    return false;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sweep files of tests/data/realworld/SUB, sorted, as full paths. */
static char **list_files(const char *sub, size_t *n_out)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/realworld/%s", e2e_root(), sub);
    DIR *dp = opendir(dir);
    ck_assert_msg(dp != NULL, "cannot open %s", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!is_sweep_file(e->d_name))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        ck_assert_ptr_nonnull(names);
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        ck_assert_ptr_nonnull(names[n]);
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(dp);
    if (n)
        qsort(names, n, sizeof *names, compare_names);
    *n_out = n;
    return names;
}

static void free_files(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static bool integral(double x)
{
    return isfinite(x) && x == floor(x);
}

/* x within [lo, hi], allowing for the last bit of a log/exp round trip. */
static bool within(double x, double lo, double hi)
{
    double tol = 1e-12 * fmax(1.0, fmax(fabs(lo), fabs(hi)));
    return x >= lo - tol && x <= hi + tol;
}

static bool quantized(tt_dist d)
{
    return d == TT_DIST_Q_UNIFORM || d == TT_DIST_Q_LOG_UNIFORM ||
           d == TT_DIST_Q_LOG_UNIFORM_VALUES || d == TT_DIST_Q_NORMAL ||
           d == TT_DIST_Q_LOG_NORMAL || d == TT_DIST_Q_BETA;
}

/* The check of one value, written from the W&B definitions rather than
 * through the space's own code (tt_param_contains is asserted as well). */
static void check_value(const char *file, const tt_space *sp, const tt_assignment *a, size_t i)
{
    const tt_param *p = &sp->params[i];
    double x = a->x[i];
    char buf[128];
    tt_space_format(sp, a, i, buf, sizeof buf);
    ck_assert_msg(tt_param_contains(p, x), "%s: %s = %s (x=%.17g) is outside its %s space",
                  file, p->name, buf, x, tt_dist_name(p->dist));
    ck_assert_msg(isfinite(x), "%s: %s is not finite", file, p->name);
    tt_value v = tt_space_value(sp, a, i);
    switch (p->dist) {
    case TT_DIST_CONSTANT:
        ck_assert_msg(x == 0 && p->n_values == 1, "%s: constant %s", file, p->name);
        return;
    case TT_DIST_CATEGORICAL:
        ck_assert_msg(integral(x) && x >= 0 && x < (double)p->n_values,
                      "%s: %s index %g out of %zu", file, p->name, x, p->n_values);
        ck_assert_msg(tt_value_equal(&v, &p->values[(size_t)x]), "%s: %s", file, p->name);
        return;
    case TT_DIST_INT_UNIFORM:
        ck_assert_msg(integral(x) && x >= p->min && x <= p->max, "%s: %s = %g not in [%g, %g]",
                      file, p->name, x, p->min, p->max);
        break;
    case TT_DIST_UNIFORM:
    case TT_DIST_Q_UNIFORM:
    case TT_DIST_LOG_UNIFORM_VALUES:
    case TT_DIST_Q_LOG_UNIFORM_VALUES:
    case TT_DIST_INV_LOG_UNIFORM_VALUES:
        ck_assert_msg(within(x, p->min, p->max), "%s: %s = %.17g not in [%g, %g]", file,
                      p->name, x, p->min, p->max);
        break;
    case TT_DIST_LOG_UNIFORM:
    case TT_DIST_Q_LOG_UNIFORM:
        ck_assert_msg(within(x, exp(p->min), exp(p->max)), "%s: %s = %.17g not in [e^%g, e^%g]",
                      file, p->name, x, p->min, p->max);
        break;
    case TT_DIST_INV_LOG_UNIFORM:
        ck_assert_msg(within(x, exp(-p->max), exp(-p->min)),
                      "%s: %s = %.17g not in [e^-%g, e^-%g]", file, p->name, x, p->max, p->min);
        break;
    case TT_DIST_LOG_NORMAL:
    case TT_DIST_Q_LOG_NORMAL:
        ck_assert_msg(x >= 0, "%s: %s = %g is negative", file, p->name, x);
        break;
    case TT_DIST_BETA:
    case TT_DIST_Q_BETA:
        ck_assert_msg(x >= 0 && x <= 1, "%s: %s = %g not in [0, 1]", file, p->name, x);
        break;
    default:
        break;
    }
    if (quantized(p->dist)) {
        double k = x / p->q;
        ck_assert_msg(fabs(k - round(k)) <= 1e-9 * fmax(1.0, fabs(k)),
                      "%s: %s = %.17g is not a multiple of q = %g", file, p->name, x, p->q);
    }
    if (p->is_int) {
        ck_assert_msg(integral(x), "%s: %s = %.17g should be an integer", file, p->name, x);
        ck_assert_msg(v.kind == TT_VALUE_INT, "%s: %s should read as an integer", file, p->name);
        ck_assert_msg(strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL,
                      "%s: integer %s prints as %s", file, p->name, buf);
    } else {
        ck_assert_msg(v.kind == TT_VALUE_FLOAT, "%s: %s should read as a float", file, p->name);
    }
}

/* A parameter is active exactly when all its conditions hold. */
static void check_active(const char *file, const tt_space *sp, const tt_assignment *a, size_t i)
{
    const tt_param *p = &sp->params[i];
    bool want = true;
    for (size_t c = 0; c < p->n_conditions && want; c++) {
        const tt_condition *cond = &p->conditions[c];
        if (!a->active[cond->parent]) {
            want = false;
            break;
        }
        tt_value pv = tt_space_value(sp, a, cond->parent);
        bool any = false;
        for (size_t k = 0; k < cond->n_values; k++)
            any |= tt_value_equal(&pv, &cond->values[k]);
        want = any;
    }
    ck_assert_msg(a->active[i] == want, "%s: %s is %sactive against its conditions", file,
                  p->name, a->active[i] ? "" : "in");
}

static void check_suggestions(const char *file, const tt_sweep *s, tt_method method, size_t n)
{
    const tt_space *sp = s->space;
    tt_observation *obs = calloc(n, sizeof *obs);
    ck_assert_ptr_nonnull(obs);
    tt_history h = {.obs = obs, .n = 0, .goal = s->metric.goal};
    for (size_t k = 0; k < n; k++) {
        tt_assignment a = tt_assignment_new(sp->n);
        tt_error err = {0};
        int rc = tt_sampler_suggest(method, sp, &h, 42, &a, &err);
        ck_assert_msg(rc == 0, "%s: %s suggestion %zu: %s", file, tt_method_name(method), k,
                      err.msg);
        for (size_t i = 0; i < sp->n; i++) {
            check_active(file, sp, &a, i);
            if (a.active[i])
                check_value(file, sp, &a, i);
        }
        /* The trial's JSON (TUNETOP_PARAMS) is well formed enough to hold
         * every active name. */
        char *json = rn_launch_params_json(sp, &a);
        ck_assert_msg(json[0] == '{' && json[strlen(json) - 1] == '}', "%s: %s", file, json);
        free(json);
        obs[h.n].params = a;
        obs[h.n].state = TT_TRIAL_RUNNING;
        obs[h.n].value = NAN;
        h.n++;
    }
    for (size_t k = 0; k < h.n; k++)
        tt_assignment_free(&obs[k].params);
    free(obs);
}

static void check_folder(const char *sub, size_t at_least)
{
    size_t n = 0;
    char **files = list_files(sub, &n);
    ck_assert_msg(n >= at_least, "tests/data/realworld/%s holds %zu files, expected %zu or more",
                  sub, n, at_least);
    for (size_t f = 0; f < n; f++) {
        tt_sweep *s = sweep_load_valid(files[f]);
        check_suggestions(files[f], s, TT_METHOD_RANDOM, 200);
        check_suggestions(files[f], s, TT_METHOD_SOBOL, 200);
        tt_sweep_free(s);
    }
    free_files(files, n);
}

START_TEST(wandb_files_load_and_sample_in_range)
{
    check_folder("wandb", 15);
}
END_TEST

START_TEST(nni_files_load_and_sample_in_range)
{
    check_folder("nni", 8);
}
END_TEST

/* ---- what specific files must mean ------------------------------------ */

static tt_sweep *load_named(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/realworld/%s", e2e_root(), name);
    return sweep_load_valid(path);
}

/* W&B takes any JSON value as a choice: kept as JSON text, given to argv as
 * that text and embedded as JSON in TUNETOP_PARAMS. */
START_TEST(lists_and_mappings_are_values)
{
    tt_sweep *s = load_named("wandb/07_list_values.yaml");
    const tt_param *h = sweep_param(s, "hidden_sizes");
    ck_assert_uint_eq(h->n_values, 3);
    ck_assert(h->values[0].kind == TT_VALUE_STRING && h->values[0].json);
    ck_assert_str_eq(h->values[0].s, "[64, 64]");
    ck_assert_str_eq(h->values[2].s, "[256, 128, 64]");
    const tt_param *sch = sweep_param(s, "scheduler");
    ck_assert_str_eq(sch->values[0].s, "{\"name\": \"cosine\", \"warmup\": 500}");
    ck_assert_str_eq(sch->values[1].s, "{\"name\": \"step\", \"step_size\": 10, \"gamma\": 0.5}");
    ck_assert_int_eq(sch->values[2].kind, TT_VALUE_NULL);
    ck_assert_str_eq(sweep_param(s, "kernel")->values[0].s, "{\"size\": 3, \"stride\": 1}");
    ck_assert_str_eq(sweep_param(s, "augment")->values[2].s, "[]");

    tt_assignment a = tt_assignment_new(s->space->n);
    long hi = tt_space_find(s->space, "hidden_sizes");
    a.x[hi] = 2;
    char *text = rn_launch_param_text(s->space, &a, (size_t)hi);
    ck_assert_str_eq(text, "[256, 128, 64]");
    free(text);
    char *json = rn_launch_params_json(s->space, &a);
    ck_assert_msg(strstr(json, "\"hidden_sizes\": [256, 128, 64]") != NULL, "%s", json);
    ck_assert_msg(strstr(json, "\"kernel\": {\"size\": 3, \"stride\": 1}") != NULL, "%s", json);
    free(json);

    /* enqueue-style parameters name such a choice by its value. */
    tt_error err = {0};
    ck_assert_int_eq(tt_config_parse_params(s->space,
                                            "{hidden_sizes: [128, 128], scheduler: null, "
                                            "kernel: {size: 3, stride: 1}, augment: [flip], "
                                            "seed: 2}",
                                            &a, &err),
                     0);
    ck_assert_double_eq(a.x[hi], 1);
    tt_assignment_free(&a);
    tt_sweep_free(s);
}
END_TEST

/* min/max make an int_uniform exactly when both are integers, as W&B
 * infers it; `distribution: int_uniform` takes integral floats. */
START_TEST(int_and_float_inference)
{
    tt_sweep *s = load_named("wandb/20_int_vs_float_inference.yaml");
    ck_assert_int_eq(sweep_param(s, "int_both")->dist, TT_DIST_INT_UNIFORM);
    ck_assert_int_eq(sweep_param(s, "float_max")->dist, TT_DIST_UNIFORM);
    ck_assert_int_eq(sweep_param(s, "float_min")->dist, TT_DIST_UNIFORM);
    ck_assert_int_eq(sweep_param(s, "exp_form")->dist, TT_DIST_UNIFORM);
    ck_assert_int_eq(sweep_param(s, "negative")->dist, TT_DIST_INT_UNIFORM);
    ck_assert_int_eq(sweep_param(s, "tagged")->dist, TT_DIST_UNIFORM); /* !!float 1 */
    ck_assert_int_eq(sweep_param(s, "big_ints")->dist, TT_DIST_INT_UNIFORM);
    ck_assert_double_eq(sweep_param(s, "big_ints")->max, 100000);
    ck_assert_int_eq(sweep_param(s, "quoted_value")->values[0].kind, TT_VALUE_STRING);
    tt_sweep_free(s);

    s = load_named("wandb/10_continuous_families.yaml");
    const tt_param *depth = sweep_param(s, "depth");
    ck_assert_int_eq(depth->dist, TT_DIST_INT_UNIFORM);
    ck_assert(depth->is_int);
    ck_assert_double_eq(depth->min, 1);
    ck_assert_double_eq(depth->max, 12);
    ck_assert_int_eq(sweep_param(s, "width")->dist, TT_DIST_INT_UNIFORM);
    tt_sweep_free(s);

    /* A quantized parameter is an integer exactly when q is. */
    s = load_named("wandb/09_all_quantized.yaml");
    ck_assert(sweep_param(s, "prefetch")->is_int);   /* min 0.0, max 8.0, q 2 */
    ck_assert(!sweep_param(s, "ratio")->is_int);     /* q 0.05 */
    ck_assert(sweep_param(s, "batch")->is_int);
    ck_assert(!sweep_param(s, "jitter")->is_int);
    tt_sweep_free(s);
}
END_TEST

START_TEST(encodings_and_markers)
{
    tt_sweep *s = load_named("wandb/12_bom_utf8.yaml");
    ck_assert_str_eq(s->program, "entra\xc3\xaenement.py");
    ck_assert_str_eq(sweep_param(s, "langue")->values[2].s, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    tt_sweep_free(s);
    s = load_named("wandb/11_crlf.yaml");
    ck_assert_str_eq(sweep_param(s, "note")->values[0].s, "run from windows");
    ck_assert_double_eq(sweep_param(s, "lr")->max, 0.01);
    tt_sweep_free(s);
    s = load_named("wandb/15_multiline_description.yaml");
    ck_assert_str_eq(s->description,
                     "Fine-tune a small language model.\n"
                     "Learning rate on a log scale; warmup as a fraction.\n\n"
                     "Second paragraph: \"quotes\" and colons: fine.\n");
    ck_assert_str_eq(s->name, "lm-finetune: sweep #3");
    ck_assert_int_eq(s->run_cap, 200);
    tt_sweep_free(s);
    s = load_named("wandb/14_anchors_merge.yaml");
    ck_assert_double_eq(sweep_param(s, "decoder_lr")->max, 5.0e-2);
    ck_assert_double_eq(sweep_param(s, "decoder_lr")->min, 1.0e-6);
    ck_assert_int_eq(sweep_param(s, "head_lr")->dist, TT_DIST_LOG_UNIFORM_VALUES);
    ck_assert_uint_eq(sweep_param(s, "proj_size")->n_values, 3);
    tt_sweep_free(s);
    s = load_named("nni/03_nested_choice.json");
    ck_assert_int_eq(s->format, TT_FORMAT_NNI);
    ck_assert_uint_eq(sweep_param(s, "layer1.Conv.stride")->n_conditions, 1);
    ck_assert_double_eq(sweep_param(s, "layer1.Conv.stride")->max, 2); /* randint [1, 3) */
    tt_sweep_free(s);
}
END_TEST

/* ---- broken files -------------------------------------------------------- */

typedef struct bad_case {
    const char *file;     /* under tests/data/realworld/bad/ */
    const char *at;       /* "LINE:COL" of the error */
    const char *fragment; /* part of its message */
} bad_case;

static const bad_case bad_cases[] = {
    {"nni_duplicate_key.json", "4:3", "duplicate key 'lr' (first at line 2, column 3)"},
    {"nni_missing_type.json", "3:3", "missing '_type'"},
    {"nni_missing_value.json", "3:5", "missing '_value'"},
    {"nni_randint_reversed.json", "2:46", "upper bound (excluded) must exceed"},
    {"nni_trailing_comma.json", "3:53", "trailing comma"},
    {"nni_uniform_arity.json", "2:45", "expected [low, high] for uniform, found 1 number"},
    {"nni_unknown_type.json", "2:21", "unknown _type 'log_uniform' (did you mean 'loguniform'?)"},
    {"wandb_bad_indentation.yaml", "6:4", "did not find expected key"},
    {"wandb_bad_method.yaml", "2:9", "unknown method 'bayesian'"},
    {"wandb_bad_probabilities.yaml", "6:20", "the probabilities sum to 1.1, not 1"},
    {"wandb_duplicate_key_in_param.yaml", "6:5", "duplicate key 'values' (first at line 5, column 5)"},
    {"wandb_duplicate_param.yaml", "9:3", "duplicate key 'lr' (first at line 4, column 3)"},
    {"wandb_early_terminate.yaml", "4:3", "missing 'min_iter'"},
    {"wandb_int_uniform_float.yaml", "7:10", "expected an integer (int_uniform), found '4.5'"},
    {"wandb_log_values_zero.yaml", "6:10", "expected a number > 0"},
    {"wandb_min_gt_max.yaml", "6:10", "min (0.9) is greater than max (0.1)"},
    {"wandb_tab_indentation.yaml", "5:1", "never tabs"},
    {"wandb_unknown_distribution.yaml", "6:19",
     "unknown distribution 'log_uniform_value' (did you mean 'log_uniform_values'?)"},
    {"wandb_unquoted_macro.yaml", "5:12", "quote macros"},
    {"wandb_values_scalar.yaml", "5:13", "expected a list of values, found 'adam'"},
    {"wandb_wrong_type.yaml", "8:10", "expected a number, found 'small'"},
};
#define N_BAD_CASES (sizeof bad_cases / sizeof bad_cases[0])

static const bad_case *find_case(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < N_BAD_CASES; i++)
        if (strcmp(bad_cases[i].file, base) == 0)
            return &bad_cases[i];
    return NULL;
}

START_TEST(bad_files_fail_at_their_position)
{
    size_t n = 0;
    char **files = list_files("bad", &n);
    ck_assert_msg(n >= N_BAD_CASES, "only %zu bad files for %zu cases", n, (size_t)N_BAD_CASES);
    for (size_t f = 0; f < n; f++) {
        const bad_case *bc = find_case(files[f]);
        ck_assert_msg(bc != NULL, "%s has no row in bad_cases", files[f]);
        tt_diags d = {0};
        tt_sweep *s = tt_sweep_load(files[f], &d);
        char *all = diags_dump(&d);
        ck_assert_msg(s == NULL && d.n_errors >= 1, "%s loaded:\n%s", files[f], all);
        int line = 0, col = 0;
        ck_assert(sscanf(bc->at, "%d:%d", &line, &col) == 2);
        bool found = false;
        for (size_t i = 0; i < d.n && !found; i++) {
            const tt_diag *g = &d.items[i];
            found = g->severity == TT_DIAG_ERROR && g->line == line && g->col == col &&
                    strcmp(g->file, files[f]) == 0 && strstr(g->message, bc->fragment);
        }
        ck_assert_msg(found, "%s: no error at %s with '%s'; got:\n%s", files[f], bc->at,
                      bc->fragment, all);
        /* As `tunetop validate` prints it: FILE:LINE:COL: error: ... */
        char want[2048];
        snprintf(want, sizeof want, "%s:%s: error: ", files[f], bc->at);
        ck_assert_msg(strstr(all, want) != NULL, "%s: no '%s' in:\n%s", files[f], want, all);
        free(all);
        tt_diags_free(&d);
    }
    free_files(files, n);
}
END_TEST

Suite *suite_realworld(void)
{
    return tt_suite_of("realworld", "files", 60,
                       TT_TESTS(wandb_files_load_and_sample_in_range,
                                nni_files_load_and_sample_in_range, lists_and_mappings_are_values,
                                int_and_float_inference, encodings_and_markers,
                                bad_files_fail_at_their_position));
}
