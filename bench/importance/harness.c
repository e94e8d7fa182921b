/*
 * harness — the importance benchmark's C side (bench/importance/run.sh):
 * draws N uniform points of Hartmann-6 (docs/algorithms.md §5.1) on [0,1]^6,
 * writes them as CSV for optuna_importance.py (so both sides rank the same
 * trials), then times tt_importance_compute for each method on one core:
 * the median wall and CPU time of REPEATS runs, and the ranking.
 *
 *   usage: harness N SEED CSV_OUT [REPEATS]
 *   output, one line per method (tab-separated):
 *     tunetop METHOD N wall_ms_median cpu_ms_median name=value,...
 *   (names most important first; fANOVA adds a line "pairs" with the top
 *   interactions, and "explained" with the main effects' share).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunetop/importance.h"

static double hartmann6(const double *x)
{
    static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                   {0.05, 10, 17, 0.1, 8, 14},
                                   {3, 3.5, 1.7, 10, 17, 8},
                                   {17, 8, 0.05, 10, 0.1, 14}};
    static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                   {2329, 4135, 8307, 3736, 1004, 9991},
                                   {2348, 1451, 3522, 2883, 3047, 6650},
                                   {4047, 8828, 8732, 5743, 1091, 381}};
    static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
    double s = 0;
    for (int i = 0; i < 4; i++) {
        double e = 0;
        for (int j = 0; j < 6; j++) {
            double d = x[j] - 1e-4 * P[i][j];
            e += A[i][j] * d * d;
        }
        s += alpha[i] * exp(-e);
    }
    return -s;
}

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: harness N SEED CSV_OUT [REPEATS]\n");
        return 2;
    }
    size_t n = (size_t)strtoul(argv[1], NULL, 10);
    uint64_t seed = strtoull(argv[2], NULL, 10);
    int repeats = argc > 4 ? atoi(argv[4]) : 11;
    tt_space *sp = tt_space_new();
    for (int j = 0; j < 6; j++) {
        tt_param p = {0};
        p.name = tt_xasprintf("x%d", j + 1);
        p.dist = TT_DIST_UNIFORM;
        p.min = 0;
        p.max = 1;
        p.sigma = 1;
        p.q = 1;
        p.a = p.b = 1;
        tt_space_add(sp, &p);
    }
    tt_error err = {0};
    if (tt_space_finish(sp, &err) < 0) {
        fprintf(stderr, "harness: %s\n", err.msg);
        return 1;
    }
    FILE *csv = fopen(argv[3], "w");
    if (!csv) {
        perror(argv[3]);
        return 1;
    }
    fprintf(csv, "x1,x2,x3,x4,x5,x6,y\n");
    tt_rng rng;
    tt_rng_seed(&rng, seed);
    double **x = tt_xcalloc(n, sizeof *x), *y = tt_xcalloc(n, sizeof *y);
    for (size_t t = 0; t < n; t++) {
        x[t] = tt_xcalloc(6, sizeof **x);
        for (int j = 0; j < 6; j++)
            x[t][j] = tt_rng_uniform(&rng);
        y[t] = hartmann6(x[t]);
        for (int j = 0; j < 6; j++)
            fprintf(csv, "%.17g,", x[t][j]);
        fprintf(csv, "%.17g\n", y[t]);
    }
    fclose(csv);
    double *wall = tt_xcalloc((size_t)repeats, sizeof *wall);
    double *cpu = tt_xcalloc((size_t)repeats, sizeof *cpu);
    for (int m = 0; m < TT_IMPORTANCE_METHOD_COUNT; m++) {
        tt_importance_result r = {0};
        for (int k = 0; k < repeats; k++) {
            tt_importance_result_free(&r);
            double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
            if (tt_importance_compute((tt_importance_method)m, sp, (const double *const *)x,
                                      NULL, y, n, 0, &r, &err) < 0) {
                fprintf(stderr, "harness: %s\n", err.msg);
                return 1;
            }
            cpu[k] = 1e3 * (seconds(CLOCK_PROCESS_CPUTIME_ID) - c0);
            wall[k] = 1e3 * (seconds(CLOCK_MONOTONIC) - w0);
        }
        printf("tunetop\t%s\t%zu\t%.3f\t%.3f\t", tt_importance_method_name(m), n,
               median(wall, (size_t)repeats), median(cpu, (size_t)repeats));
        for (size_t i = 0; i < r.n; i++)
            printf("%s%s=%.4f[%.4f-%.4f]", i ? "," : "", sp->params[r.params[i].param].name,
                   r.params[i].value, r.params[i].low, r.params[i].high);
        printf("\n");
        if (m == TT_IMPORTANCE_FANOVA) {
            printf("tunetop\tpairs\t%zu\t", n);
            for (size_t i = 0; i < r.n_pairs && i < 5; i++)
                printf("%s%s*%s=%.4f", i ? "," : "", sp->params[r.pairs[i].a].name,
                       sp->params[r.pairs[i].b].name, r.pairs[i].value);
            printf("\ntunetop\texplained\t%zu\t%.4f\n", n, r.explained);
        }
        tt_importance_result_free(&r);
    }
    for (size_t t = 0; t < n; t++)
        free(x[t]);
    free(x);
    free(y);
    free(wall);
    free(cpu);
    tt_space_free(sp);
    return 0;
}
