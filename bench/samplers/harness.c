/*
 * harness — the sampler benchmark (issue "bench/samplers"). Calls tunetop's
 * samplers in-process, the way the runner does: one suggestion at a time,
 * each completed observation appended to the history before the next
 * suggestion, for every method × function × seed. Records the simple regret
 * (best value so far − the known minimum) after 25, 50 and 100 trials and
 * prints median [q1, q3] over the seeds.
 *
 * With --latency it instead times one suggestion with a random history of
 * 100, 500 and 1000 completed trials (Hartmann-6 by default), for every
 * available method.
 *
 * --raw FILE writes one tab-separated line per measurement (per seed for
 * regret), which run.sh joins with optuna_bench.py's lines into the
 * tunetop/Optuna table; quartiles are recomputed there from these raw values.
 *
 *   usage: harness [--seeds N] [--trials N] [--methods m,m,...]
 *                  [--functions f,f,...] [--raw FILE]
 *          harness --latency [--sizes 100,500,1000] [--function NAME]
 *                  [--methods ...] [--raw FILE]
 * Seeds are the integers 1..N (Optuna gets the same integers).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "functions.h"
#include "tunetop/sampler.h"
#include "tunetop/space.h"
#include "tunetop/util.h"

static const size_t checkpoints[] = {25, 50, 100};
#define N_CHECKPOINTS (sizeof checkpoints / sizeof checkpoints[0])

/* The methods benchmarked by default, in table order. `bayes` is the
 * sampler a W&B sweep file's `method: bayes` gets: tunetop's default
 * model-based sampler. */
static const tt_method default_methods[] = {
    TT_METHOD_RANDOM, TT_METHOD_SOBOL, TT_METHOD_GRID,  TT_METHOD_BAYES,
    TT_METHOD_TPE,    TT_METHOD_GP,    TT_METHOD_EVOLUTION, TT_METHOD_CMAES,
};

typedef struct options {
    size_t seeds, trials;
    tt_method methods[TT_METHOD_COUNT];
    size_t n_methods;
    const bench_function *functions[16];
    size_t n_functions;
    const char *raw_path;
    bool latency;
    size_t sizes[16];
    size_t n_sizes;
    const bench_function *latency_function;
} options;

/* Whether o->methods[m] is an alias of another method in the list (bayes
 * runs gp): then it is not run twice; the raw file says whose figures are
 * its (join.py copies them), and the tables say so. */
static bool runs_as_other(const options *o, size_t m, FILE *raw, const char *what)
{
    tt_method target = tt_method_resolve(o->methods[m]);
    if (target == o->methods[m])
        return false;
    for (size_t k = 0; k < o->n_methods; k++)
        if (o->methods[k] == target) {
            printf("  %-10s  = %s (the same sampler; %s not run twice)\n",
                   tt_method_name(o->methods[m]), tt_method_name(target), what);
            if (raw)
                fprintf(raw, "alias\ttunetop\t%s\t%s\n", tt_method_name(o->methods[m]),
                        tt_method_name(target));
            return true;
        }
    return false;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of sorted v[0..n), linear interpolation between order
 * statistics (numpy's default, "type 7"), as join.py computes it. */
static double quantile(const double *v, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "harness: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static size_t parse_count(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 1000000)
        die("%s must be a positive integer", what);
    return v;
}

/* A growing history whose observations own their assignments. */
typedef struct history_buf {
    tt_observation *obs;
    size_t n, cap;
} history_buf;

static void history_push(history_buf *h, tt_assignment *a, double value)
{
    tt_grow((void **)&h->obs, &h->cap, h->n + 1, sizeof *h->obs);
    /* A compound literal, so fields added to tt_observation later start
     * zeroed; ownership of a moves into the history. */
    h->obs[h->n++] = (tt_observation){.params = *a, .state = TT_TRIAL_COMPLETED, .value = value};
}

static void history_clear(history_buf *h)
{
    for (size_t i = 0; i < h->n; i++)
        tt_assignment_free(&h->obs[i].params);
    h->n = 0;
}

/* ---- regret ---- */

/* One study: `trials` suggestions of method on f with seed; regret[k] is the
 * regret after checkpoints[k] trials. Returns 0, or the sampler's error. */
static int run_study(tt_method method, const bench_function *f, const tt_space *space,
                     uint64_t seed, size_t trials, history_buf *h, double *regret,
                     double *suggest_seconds, tt_error *err)
{
    double best = INFINITY;
    history_clear(h);
    for (size_t t = 0; t < trials; t++) {
        tt_history view = {.obs = h->obs, .n = h->n, .goal = TT_GOAL_MINIMIZE};
        tt_assignment a = tt_assignment_new(space->n);
        double t0 = now_seconds();
        int rc = tt_sampler_suggest(method, space, &view, seed, &a, err);
        *suggest_seconds += now_seconds() - t0;
        if (rc != 0) {
            tt_assignment_free(&a);
            return rc;
        }
        double value = f->eval(a.x);
        if (value < best)
            best = value;
        history_push(h, &a, value);
        for (size_t k = 0; k < N_CHECKPOINTS; k++)
            if (checkpoints[k] == t + 1)
                regret[k] = best - f->minimum;
    }
    return 0;
}

static void format_cell(char *buf, size_t n, double *v, size_t count)
{
    qsort(v, count, sizeof *v, compare_double);
    snprintf(buf, n, "%.3g [%.3g, %.3g]", quantile(v, count, 0.5), quantile(v, count, 0.25),
             quantile(v, count, 0.75));
}

static int run_regret(const options *o, FILE *raw)
{
    size_t n_cp = 0;
    while (n_cp < N_CHECKPOINTS && checkpoints[n_cp] <= o->trials)
        n_cp++;
    double *regret = tt_xcalloc(o->seeds * N_CHECKPOINTS, sizeof *regret);
    double *column = tt_xcalloc(o->seeds, sizeof *column);
    history_buf h = {0};
    double start = now_seconds();

    printf("simple regret (best so far - minimum), median [q1, q3] over %zu seeds, "
           "%zu trials\n",
           o->seeds, o->trials);
    for (size_t m = 0; m < o->n_methods; m++)
        if (!tt_method_available(o->methods[m])) {
            printf("  note: %s is not available in this build yet (skipped)\n",
                   tt_method_name(o->methods[m]));
            if (raw)
                fprintf(raw, "note\ttunetop\t%s\t*\tnot available in this build yet\n",
                        tt_method_name(o->methods[m]));
        }

    for (size_t fi = 0; fi < o->n_functions; fi++) {
        const bench_function *f = o->functions[fi];
        tt_error err = {0};
        tt_space *space = bench_function_space(f, &err);
        if (!space) {
            fprintf(stderr, "harness: %s\n", err.msg);
            return 1;
        }
        printf("\n%s (%zu-D, minimum %.10g)\n", f->name, f->dim, f->minimum);
        printf("  %-10s", "method");
        for (size_t k = 0; k < n_cp; k++) {
            char head[32];
            snprintf(head, sizeof head, "@%zu trials", checkpoints[k]);
            printf("  %-30s", head);
        }
        printf("  %s\n", "ms/suggest");
        for (size_t m = 0; m < o->n_methods; m++) {
            tt_method method = o->methods[m];
            const char *name = tt_method_name(method);
            if (!tt_method_available(method) || runs_as_other(o, m, raw, "its regret"))
                continue;
            double seconds = 0.0;
            int rc = 0;
            for (size_t s = 0; s < o->seeds && rc == 0; s++) {
                rc = run_study(method, f, space, s + 1, o->trials, &h,
                               &regret[s * N_CHECKPOINTS], &seconds, &err);
                for (size_t k = 0; rc == 0 && k < n_cp; k++)
                    if (raw)
                        fprintf(raw, "regret\ttunetop\t%s\t%s\t%zu\t%zu\t%.17g\n", name,
                                f->name, s + 1, checkpoints[k], regret[s * N_CHECKPOINTS + k]);
            }
            if (rc != 0) {
                /* A grid over a continuous space, for instance. */
                printf("  %-10s  not applicable: %s\n", name, err.msg);
                if (raw)
                    fprintf(raw, "note\ttunetop\t%s\t%s\tnot applicable: %s\n", name, f->name,
                            err.msg);
                continue;
            }
            printf("  %-10s", name);
            for (size_t k = 0; k < n_cp; k++) {
                char cell[96];
                for (size_t s = 0; s < o->seeds; s++)
                    column[s] = regret[s * N_CHECKPOINTS + k];
                format_cell(cell, sizeof cell, column, o->seeds);
                printf("  %-30s", cell);
            }
            printf("  %.4f\n", 1e3 * seconds / (double)(o->seeds * o->trials));
            fflush(stdout);
        }
        tt_space_free(space);
    }
    printf("\ntotal %.1f s\n", now_seconds() - start);
    history_clear(&h);
    free(h.obs);
    free(regret);
    free(column);
    return 0;
}

/* ---- latency ---- */

/* Time one suggestion of method with the first n observations of h. Repeats
 * (with a different seed each time) until 0.5 s have passed and at least 3
 * suggestions were timed, or 200 were, or one took over 2 s; *median_ms gets
 * the median. Returns the number of repetitions, or 0 with err filled. */
static size_t time_suggestion(tt_method method, const tt_space *space, const history_buf *h,
                              size_t n, double *median_ms, tt_error *err)
{
    double times[200];
    size_t reps = 0;
    double total = 0.0;
    tt_history view = {.obs = h->obs, .n = n, .goal = TT_GOAL_MINIMIZE};
    tt_assignment a = tt_assignment_new(space->n);
    while (reps < 200) {
        double t0 = now_seconds();
        int rc = tt_sampler_suggest(method, space, &view, 1000 + reps, &a, err);
        double dt = now_seconds() - t0;
        if (rc != 0) {
            tt_assignment_free(&a);
            return 0;
        }
        times[reps++] = dt;
        total += dt;
        if ((total >= 0.5 && reps >= 3) || dt > 2.0)
            break;
    }
    tt_assignment_free(&a);
    qsort(times, reps, sizeof *times, compare_double);
    *median_ms = 1e3 * quantile(times, reps, 0.5);
    return reps;
}

static int run_latency(const options *o, FILE *raw)
{
    const bench_function *f = o->latency_function;
    tt_error err = {0};
    tt_space *space = bench_function_space(f, &err);
    if (!space) {
        fprintf(stderr, "harness: %s\n", err.msg);
        return 1;
    }
    size_t max_n = 0;
    for (size_t i = 0; i < o->n_sizes; i++)
        if (o->sizes[i] > max_n)
            max_n = o->sizes[i];
    /* A random history: prior draws and their values, as after a random
     * search of max_n trials. */
    history_buf h = {0};
    tt_rng rng;
    tt_rng_seed(&rng, 20240601);
    for (size_t i = 0; i < max_n; i++) {
        tt_assignment a = tt_assignment_new(space->n);
        tt_space_sample(space, &rng, &a);
        double value = f->eval(a.x);
        history_push(&h, &a, value);
    }

    printf("suggestion latency on %s (%zu-D), random history; median ms per suggestion\n",
           f->name, f->dim);
    printf("  %-10s", "method");
    for (size_t i = 0; i < o->n_sizes; i++) {
        char head[32];
        snprintf(head, sizeof head, "n=%zu", o->sizes[i]);
        printf("  %12s", head);
    }
    printf("\n");
    for (size_t m = 0; m < o->n_methods; m++) {
        tt_method method = o->methods[m];
        const char *name = tt_method_name(method);
        if (!tt_method_available(method)) {
            printf("  %-10s  not available in this build yet\n", name);
            continue;
        }
        if (runs_as_other(o, m, raw, "its latency"))
            continue;
        printf("  %-10s", name);
        fflush(stdout);
        for (size_t i = 0; i < o->n_sizes; i++) {
            double ms = 0.0;
            size_t reps = time_suggestion(method, space, &h, o->sizes[i], &ms, &err);
            if (reps == 0) {
                printf("  not applicable: %s", err.msg);
                if (raw)
                    fprintf(raw, "note\ttunetop\t%s\t%s\tlatency not applicable: %s\n", name,
                            f->name, err.msg);
                break;
            }
            printf("  %12.4f", ms);
            fflush(stdout);
            if (raw)
                fprintf(raw, "latency\ttunetop\t%s\t%s\t%zu\t%.6g\t%zu\n", name, f->name,
                        o->sizes[i], ms, reps);
        }
        printf("\n");
    }
    history_clear(&h);
    free(h.obs);
    tt_space_free(space);
    return 0;
}

/* ---- options ---- */

static void parse_methods(options *o, const char *list)
{
    char *copy = tt_xstrdup(list), *save = NULL;
    o->n_methods = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int m = tt_method_from_name(tok);
        if (m < 0)
            die("unknown method '%s'", tok);
        if (o->n_methods < TT_METHOD_COUNT)
            o->methods[o->n_methods++] = (tt_method)m;
    }
    free(copy);
}

static void parse_functions(options *o, const char *list)
{
    char *copy = tt_xstrdup(list), *save = NULL;
    o->n_functions = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const bench_function *f = bench_function_find(tok);
        if (!f)
            die("unknown function '%s'", tok);
        if (o->n_functions < sizeof o->functions / sizeof o->functions[0])
            o->functions[o->n_functions++] = f;
    }
    free(copy);
}

static void parse_sizes(options *o, const char *list)
{
    char *copy = tt_xstrdup(list), *save = NULL;
    o->n_sizes = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (o->n_sizes < sizeof o->sizes / sizeof o->sizes[0])
            o->sizes[o->n_sizes++] = parse_count(tok, "--sizes");
    free(copy);
}

static const char usage[] =
    "usage: harness [--seeds N] [--trials N] [--methods m,...] [--functions f,...] "
    "[--raw FILE]\n"
    "       harness --latency [--sizes 100,500,1000] [--function NAME] [--methods m,...] "
    "[--raw FILE]\n";

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.seeds = 20;
    o.trials = 100;
    o.n_methods = sizeof default_methods / sizeof default_methods[0];
    memcpy(o.methods, default_methods, sizeof default_methods);
    for (size_t i = 0; i < bench_function_count; i++)
        o.functions[o.n_functions++] = &bench_functions[i];
    o.sizes[0] = 100, o.sizes[1] = 500, o.sizes[2] = 1000, o.n_sizes = 3;
    o.latency_function = bench_function_find("hartmann6");

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--latency") == 0) {
            o.latency = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (!val) {
            fputs(usage, stderr);
            return 2;
        }
        i++;
        if (strcmp(arg, "--seeds") == 0)
            o.seeds = parse_count(val, "--seeds");
        else if (strcmp(arg, "--trials") == 0)
            o.trials = parse_count(val, "--trials");
        else if (strcmp(arg, "--methods") == 0)
            parse_methods(&o, val);
        else if (strcmp(arg, "--functions") == 0)
            parse_functions(&o, val);
        else if (strcmp(arg, "--raw") == 0)
            o.raw_path = val;
        else if (strcmp(arg, "--sizes") == 0)
            parse_sizes(&o, val);
        else if (strcmp(arg, "--function") == 0) {
            o.latency_function = bench_function_find(val);
            if (!o.latency_function)
                die("unknown function '%s'", val);
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }

    FILE *raw = NULL;
    if (o.raw_path) {
        raw = fopen(o.raw_path, "a");
        if (!raw) {
            fprintf(stderr, "harness: cannot open %s: %s\n", o.raw_path, strerror(errno));
            return 1;
        }
    }
    int rc = o.latency ? run_latency(&o, raw) : run_regret(&o, raw);
    if (raw && fclose(raw) != 0) {
        fprintf(stderr, "harness: cannot write %s: %s\n", o.raw_path, strerror(errno));
        return 1;
    }
    return rc;
}
