/*
 * bench/store/metrics — the store's metric hot path alone, without the
 * runner: what tt_store_add_metric costs per point, and what reading costs.
 *
 * 1. ingest: TRIALS trials of LINES lines of 3 points each (loss, val_loss,
 *    val_acc, as bench/runner's spam trials print), two trials at a time like
 *    `parallel: 2`, in transactions of BATCH points grouped by trial (what one
 *    runner tick writes: a chunk of each live trial's lines, each with
 *    tt_store_set_progress). Prints points/s and lines/s (points / 3) of CPU
 *    time (user + sys) and of wall time.
 * 2. read: every point back through tt_store_metrics_since (the dashboard's
 *    incremental read), one trial's curve (trial = N, since 0), and the
 *    CSV and JSON exports with metrics (to /dev/null).
 * 3. with --curve: a 10 000 trials x 100 steps x 3 metrics study, eight
 *    trials at a time interleaved line by line (each trial's points spread
 *    over 100 places in the file), then the median time of reading one
 *    trial's curve (goal < 5 ms).
 *
 *   usage: metrics [--trials N] [--lines N] [--batch N] [--curve] [--dir D]
 * Build and run through bench/store/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tunetop/store.h"

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void die(const char *what, const tt_error *err)
{
    fprintf(stderr, "bench/store: %s: %s\n", what, err->msg);
    exit(1);
}

static const char *const names[3] = {"loss", "val_loss", "val_acc"};

static tt_store *new_study(const char *path)
{
    tt_error err = {0};
    unlink(path);
    char aux[4200];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
    tt_store *st = tt_store_open(path, TT_STORE_CREATE, &err);
    if (st == NULL)
        die("open", &err);
    if (tt_store_init_study(st, "bench", "sweep.yaml", NULL, &err) != 0 ||
        tt_store_add_space(st, "sweep.yaml", "method: random\n", &err) != 1)
        die("init", &err);
    return st;
}

static long add_trial(tt_store *st)
{
    tt_error err = {0};
    char *pn[] = {"a"}, *pt[] = {"0.5"};
    long n = tt_store_add_trial(st, 1, 1, pn, pt, NULL, NULL, &err);
    if (n < 0)
        die("add trial", &err);
    return n;
}

static int count_point(const tt_metric_point *p, void *ud)
{
    long *n = ud;
    (*n) += p->name[0] != '\0';
    return 0;
}

static void ingest(const char *path, long trials, long lines, long batch)
{
    tt_store *st = new_study(path);
    tt_error err = {0};
    long *number = calloc((size_t)trials, sizeof *number);
    for (long i = 0; i < trials; i++)
        number[i] = add_trial(st);
    /* two live trials; each tick takes batch / 2 points from each */
    long lines_per_tick = batch / 3 / 2;
    if (lines_per_tick < 1)
        lines_per_tick = 1;
    double c0 = cpu_s(), w0 = now_mono(), t = 1.8e9;
    long points = 0, ticks = 0;
    for (long pair = 0; pair < trials; pair += 2) {
        long live = trials - pair < 2 ? trials - pair : 2;
        for (long line = 0; line < lines; line += lines_per_tick) {
            if (tt_store_begin(st, &err) != 0)
                die("begin", &err);
            for (long k = 0; k < live; k++) {
                long trial = number[pair + k];
                long end = line + lines_per_tick < lines ? line + lines_per_tick : lines;
                for (long step = line; step < end; step++) {
                    t += 1e-6;
                    for (int m = 0; m < 3; m++) {
                        double v = 1.0 / (double)(step + 1) + m;
                        if (tt_store_add_metric(st, trial, 1, step, names[m], v, t, &err) != 0)
                            die("add metric", &err);
                        points++;
                    }
                }
                uint64_t off[TT_STORE_N_OFFSETS] = {(uint64_t)end * 60, 0, 0};
                if (tt_store_trial_set_progress(st, trial, 1.0 / (double)end, end - 1, off,
                                                &err) != 0)
                    die("progress", &err);
            }
            if (tt_store_commit(st, &err) != 0)
                die("commit", &err);
            ticks++;
        }
    }
    double cpu = cpu_s() - c0, wall = now_mono() - w0;
    printf("ingest: %ld trials x %ld lines x 3 = %ld points in %ld transactions (~%ld points each)\n",
           trials, lines, points, ticks, points / (ticks ? ticks : 1));
    printf("  cpu  %7.3f s  %9.0f points/s  %8.0f lines/s  %.3f us/point\n", cpu,
           (double)points / cpu, (double)points / 3 / cpu, 1e6 * cpu / (double)points);
    printf("  wall %7.3f s  %9.0f points/s  %8.0f lines/s\n", wall, (double)points / wall,
           (double)points / 3 / wall);
    tt_store_close(st); /* the last connection: checkpoints the WAL into the file */
    struct stat sb;
    if (stat(path, &sb) == 0)
        printf("  file %.1f MB (%.1f bytes/point)\n", (double)sb.st_size / 1e6,
               (double)sb.st_size / (double)points);

    tt_store *r = tt_store_open(path, TT_STORE_READ, &err);
    if (r == NULL)
        die("open for reading", &err);
    long seen = 0;
    c0 = cpu_s();
    if (tt_store_metrics_since(r, 0, -1, count_point, &seen, &err) != 0)
        die("read", &err);
    cpu = cpu_s() - c0;
    printf("read all: %ld points, cpu %.3f s (%.0f points/s)\n", seen, cpu, (double)seen / cpu);
    seen = 0;
    w0 = now_mono();
    if (tt_store_metrics_since(r, 0, number[trials - 1], count_point, &seen, &err) != 0)
        die("read", &err);
    printf("read one trial: %ld points, %.2f ms\n", seen, 1e3 * (now_mono() - w0));
    FILE *null = fopen("/dev/null", "w");
    c0 = cpu_s();
    if (tt_store_export_metrics_csv(r, null, &err) != 0)
        die("export csv", &err);
    double csv = cpu_s() - c0;
    c0 = cpu_s();
    if (tt_store_export_json(r, null, true, &err) != 0)
        die("export json", &err);
    printf("export --metrics (CSV): cpu %.3f s; JSON with metrics: cpu %.3f s\n", csv,
           cpu_s() - c0);
    fclose(null);
    tt_store_close(r);
    free(number);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void curve(const char *path)
{
    const long n_trials = 10000, steps = 100;
    tt_store *st = new_study(path);
    tt_error err = {0};
    /* Eight trials at a time, one line (3 points) of each in turn: every
     * trial's curve is scattered over 100 short runs, the worst case for a
     * per-trial read. */
    double c0 = cpu_s();
    for (long g = 0; g < n_trials; g += 8) {
        if (tt_store_begin(st, &err) != 0)
            die("begin", &err);
        long first = 0;
        for (long k = 0; k < 8; k++) {
            long n = add_trial(st);
            first = k == 0 ? n : first;
        }
        for (long s = 0; s < steps; s++)
            for (long k = 0; k < 8; k++)
                for (int m = 0; m < 3; m++)
                    if (tt_store_add_metric(st, first + k, 1, s, names[m], (double)s, 1.8e9,
                                            &err) != 0)
                        die("add metric", &err);
        if (tt_store_commit(st, &err) != 0)
            die("commit", &err);
    }
    double build = cpu_s() - c0;
    tt_store_close(st);
    tt_store *r = tt_store_open(path, TT_STORE_READ, &err);
    if (r == NULL)
        die("open for reading", &err);
    enum { N = 101 };
    double ms[N];
    long seen = 0;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        long trial = 1 + (long)((seed >> 8) % (unsigned)n_trials);
        long got = 0;
        double w0 = now_mono();
        if (tt_store_metrics_since(r, 0, trial, count_point, &got, &err) != 0)
            die("read", &err);
        ms[i] = 1e3 * (now_mono() - w0);
        seen += got;
    }
    double cold = ms[0];
    qsort(ms + 1, N - 1, sizeof ms[0], cmp_double);
    printf("curve: 10000 trials x 100 steps x 3 metrics, 8 trials interleaved line by line"
           " (built in %.2f s cpu)\n  one trial's curve (%ld points): first read %.3f ms,"
           " then median %.3f ms, max %.3f ms (goal < 5 ms)\n",
           build, seen / N, cold, ms[N / 2], ms[N - 1]);
    tt_store_close(r);
}

int main(int argc, char **argv)
{
    long trials = 4, lines = 100000, batch = 30000;
    int want_curve = 0;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = atol(argv[++i]);
        else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            lines = atol(argv[++i]);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = atol(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--curve") == 0)
            want_curve = 1;
        else {
            fprintf(stderr, "usage: %s [--trials N] [--lines N] [--batch N] [--curve] [--dir D]\n",
                    argv[0]);
            return 2;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/tt_bench_store_%ld.db", dir, (long)getpid());
    ingest(path, trials, lines, batch);
    if (want_curve)
        curve(path);
    unlink(path);
    char aux[4200];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
    return 0;
}
