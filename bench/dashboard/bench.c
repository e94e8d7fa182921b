/*
 * bench/dashboard — what the dashboard costs on a big study, measured on
 * the real binary through a pseudo-terminal we own (forkpty at 120×40,
 * TERM=xterm-256color, a UTF-8 locale), so every byte the dashboard sends
 * to its terminal is counted and timestamped here.
 *
 * 1. A synthetic study written straight into a store with the store API:
 *    TRIALS completed trials × STEPS steps × 3 metrics (loss, val_loss,
 *    val_acc), 4 parameters, in transactions of 100 trials.
 * 2. Time to first frame: from fork to the last byte of the first burst of
 *    output that reaches the bottom row (the status line, which ncurses
 *    writes last); then the time until the whole study is loaded (the
 *    dashboard reads metric points in slices, redrawing between them): the
 *    last byte before the output goes quiet.
 * 3. Time per frame: keys that each cause one redraw (j: move the
 *    selection; s: re-sort the 10,000 rows by the next column; Ctrl-L:
 *    repaint everything), N of each; per key the wall time from writing it
 *    to the end of the answer and the dashboard's CPU time
 *    (/proc/PID/schedstat, ns) divided by the number of keys.
 *    Then each exploration view (v, then Ctrl-L N times): a view's frame
 *    (issue 19: < 20 ms of CPU on the 10,000-trial study).
 * 4. Peak RSS: VmHWM of the dashboard before it quits.
 * 5. Live view, bytes/s sent to the terminal over LIVE seconds at the
 *    default 2 Hz, after a 3 s warm-up:
 *    a. the big study with a simulated runner (this program holds the
 *       study's runner.lock and, like a runner with `parallel: 2`, adds 3
 *       points per step to 2 running trials at 10 steps/s each, finishing
 *       a trial after STEPS steps and starting the next);
 *    b. a real sweep: `tunetop run --detach` of the C sample trainer at
 *       0.1 s per epoch, parallel 2.
 *
 *   usage: bench [--trials N] [--steps N] [--live SECONDS] [--keys N]
 *                [--bin TUNETOP] [--dir D [--reuse]] [--root REPO]
 * --reuse keeps D/big/study.db when it exists (writing 100,000 trials takes
 * minutes); the simulated runner of 5a adds a few trials to it each run.
 * Build and run through bench/dashboard/run.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tunetop/store.h"

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const tt_error *err)
{
    fprintf(stderr, "bench/dashboard: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(1);
}

static const char *const metric_names[3] = {"loss", "val_loss", "val_acc"};
static const char *const optimizers[3] = {"sgd", "adam", "adamw"};

static const char sweep_yaml[] =
    "name: bench-10k\n"
    "method: random\n"
    "command: [/bin/true]\n"
    "metric: {name: val_loss, goal: minimize}\n"
    "parameters:\n"
    "  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0}\n"
    "  batch_size: {values: [16, 32, 64, 128, 256]}\n"
    "  dropout: {min: 0.0, max: 0.5}\n"
    "  optimizer: {values: [sgd, adam, adamw]}\n"
    "run_cap: %ld\n"
    "parallel: 2\n";

/* A plausible learning curve for trial parameters (lr, dropout). */
static void curve_point(double lr, double dropout, long step, long steps, double out[3])
{
    double q = fabs(log10(lr) + 2.5);       /* best lr near 3e-3 */
    double floor_ = 0.05 + 0.2 * q + 0.3 * (dropout - 0.2) * (dropout - 0.2);
    double s = (double)step / (double)steps;
    double loss = floor_ + exp(-4 * s) * (1.2 - floor_);
    out[0] = loss * 0.95;
    out[1] = loss;
    out[2] = 1 - loss / 1.5;
}

typedef struct trial_params {
    double lr, dropout;
    int batch, opt;
} trial_params;

static trial_params draw_params(unsigned *seed)
{
    trial_params p;
    p.lr = pow(10, -5 + 5 * (double)rand_r(seed) / RAND_MAX);
    p.dropout = 0.5 * (double)rand_r(seed) / RAND_MAX;
    p.batch = 16 << (rand_r(seed) % 5);
    p.opt = rand_r(seed) % 3;
    return p;
}

static long add_trial(tt_store *st, const trial_params *p)
{
    tt_error err = {0};
    char lr[32], batch[16], dropout[32];
    snprintf(lr, sizeof lr, "%.6g", p->lr);
    snprintf(batch, sizeof batch, "%d", p->batch);
    snprintf(dropout, sizeof dropout, "%.4f", p->dropout);
    char *names[] = {"lr", "batch_size", "dropout", "optimizer"};
    char *texts[] = {lr, batch, dropout, (char *)optimizers[p->opt]};
    double x[] = {p->lr, p->batch, p->dropout, p->opt};
    long n = tt_store_add_trial(st, 1, 4, names, texts, x, NULL, &err);
    if (n < 0)
        die("add trial", &err);
    return n;
}

/* 1. The synthetic study. */
static void write_study(const char *dir, long trials, long steps, bool reuse)
{
    tt_error err = {0};
    mkdir(dir, 0700);
    char *db = tt_xasprintf("%s/study.db", dir);
    struct stat sb;
    if (reuse && stat(db, &sb) == 0) {
        /* --reuse: a study of 100,000 trials takes minutes to write */
        printf("study: reused %s (%.0f MB)\n", db, (double)sb.st_size / 1e6);
        free(db);
        return;
    }
    unlink(db);
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    if (!st)
        die("create", &err);
    char *yaml = tt_xasprintf(sweep_yaml, trials + 1000);
    if (tt_store_init_study(st, "bench-10k", "sweep.yaml", dir, &err) != 0 ||
        tt_store_add_space(st, "sweep.yaml", yaml, &err) != 1)
        die("init", &err);
    free(yaml);
    double t0 = now_mono(), t = 1.8e9;
    unsigned seed = 42;
    long points = 0;
    for (long first = 0; first < trials; first += 100) {
        if (tt_store_begin(st, &err) != 0)
            die("begin", &err);
        for (long k = first; k < first + 100 && k < trials; k++) {
            trial_params p = draw_params(&seed);
            long n = add_trial(st, &p);
            if (tt_store_trial_started(st, n, 0, 0, NULL, &err) != 0)
                die("start", &err);
            double v[3] = {0};
            for (long s = 1; s <= steps; s++) {
                curve_point(p.lr, p.dropout, s, steps, v);
                for (int m = 0; m < 3; m++) {
                    if (tt_store_add_metric(st, n, 1, s, metric_names[m], v[m], t, &err) != 0)
                        die("metric", &err);
                    points++;
                }
                t += 0.01;
            }
            if (tt_store_trial_set_value(st, n, v[1], steps, &err) != 0 ||
                tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, v[1], "exit code 0", &err) != 0)
                die("finish", &err);
        }
        if (tt_store_commit(st, &err) != 0)
            die("commit", &err);
    }
    if (tt_store_set_study_state(st, TT_STUDY_FINISHED, &err) != 0)
        die("state", &err);
    tt_store_close(st);
    stat(db, &sb);
    printf("study: %ld trials x %ld steps x 3 metrics = %ld points written in %.1f s "
           "(study.db %.0f MB)\n",
           trials, steps, points, now_mono() - t0, (double)sb.st_size / 1e6);
    free(db);
}

/* ---- the dashboard on a pty --------------------------------------------------- */

typedef struct dash {
    pid_t pid;
    int fd;             /* pty master */
    double t0;          /* fork */
    size_t bytes;       /* read so far */
    double last_byte;   /* when */
    char tail[256];     /* the last bytes, to look for text across reads */
} dash;

static void dash_start(dash *d, const char *bin, const char *dir, const char *root)
{
    struct winsize ws = {.ws_row = 40, .ws_col = 120};
    memset(d, 0, sizeof *d);
    d->t0 = now_mono();
    d->pid = forkpty(&d->fd, NULL, NULL, &ws);
    if (d->pid < 0)
        die("forkpty", NULL);
    if (d->pid == 0) {
        if (root && chdir(root) != 0)
            _exit(126);
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        unsetenv("LC_ALL");
        unsetenv("NO_COLOR");
        setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
        execl(bin, bin, dir, (char *)NULL);
        _exit(127);
    }
    fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) | O_NONBLOCK);
}

/* Read what is there within timeout_ms; returns bytes read (0 on quiet,
 * -1 when the pty is closed). found is set when text appeared. */
static long dash_read(dash *d, int timeout_ms, const char *text, bool *found)
{
    struct pollfd pfd = {.fd = d->fd, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);
    if (n <= 0)
        return 0;
    char buf[65536];
    ssize_t r = read(d->fd, buf, sizeof buf);
    if (r <= 0)
        return r < 0 && errno == EAGAIN ? 0 : -1;
    d->bytes += (size_t)r;
    d->last_byte = now_mono();
    if (text && found) {
        /* search the previous tail + this chunk */
        size_t tl = strlen(d->tail);
        char *joined = malloc(tl + (size_t)r + 1);
        memcpy(joined, d->tail, tl);
        memcpy(joined + tl, buf, (size_t)r);
        joined[tl + (size_t)r] = '\0';
        for (size_t i = 0; i < tl + (size_t)r; i++)
            if (joined[i] == '\0')
                joined[i] = ' ';
        if (strstr(joined, text))
            *found = true;
        size_t keep = tl + (size_t)r < sizeof d->tail - 1 ? tl + (size_t)r : sizeof d->tail - 1;
        memcpy(d->tail, joined + tl + (size_t)r - keep, keep);
        d->tail[keep] = '\0';
        free(joined);
    }
    return r;
}

/* Read until the output has been quiet for quiet_ms (or max_s passed). */
static void dash_settle(dash *d, int quiet_ms, double max_s)
{
    double end = now_mono() + max_s;
    double quiet_since = now_mono();
    while (now_mono() < end) {
        long r = dash_read(d, 5, NULL, NULL);
        if (r < 0)
            return;
        if (r > 0)
            quiet_since = now_mono();
        else if ((now_mono() - quiet_since) * 1000 >= quiet_ms)
            return;
    }
}

/* ns the process has run on a CPU (all threads: the main one suffices,
 * the dashboard has one). */
static double cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    FILE *f = fopen(path, "r");
    double ns = 0;
    if (f) {
        if (fscanf(f, "%lf", &ns) != 1)
            ns = 0;
        fclose(f);
    }
    return ns;
}

static long vm_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static void dash_quit(dash *d)
{
    if (write(d->fd, "q", 1) != 1)
        kill(d->pid, SIGTERM);
    double end = now_mono() + 5;
    int st;
    while (waitpid(d->pid, &st, WNOHANG) == 0) {
        dash_read(d, 10, NULL, NULL);
        if (now_mono() > end) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &st, 0);
            break;
        }
    }
    close(d->fd);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct key_result {
    const char *name;
    double median_ms, p95_ms, max_ms, cpu_ms, bytes;
} key_result;

/* N presses of one key, each waited for. */
static key_result time_key(dash *d, const char *name, const char *key, int n)
{
    key_result res = {.name = name};
    double *lat = calloc((size_t)n, sizeof *lat);
    double c0 = cpu_ns(d->pid);
    size_t b0 = d->bytes;
    for (int i = 0; i < n; i++) {
        double t = now_mono();
        size_t before = d->bytes;
        if (write(d->fd, key, strlen(key)) != (ssize_t)strlen(key))
            die("write key", NULL);
        /* the answer: bytes, then 15 ms of quiet */
        double end = t + 2;
        while (d->bytes == before && now_mono() < end)
            dash_read(d, 5, NULL, NULL);
        dash_settle(d, 15, 2);
        lat[i] = (d->bytes == before ? NAN : d->last_byte - t) * 1000;
    }
    res.cpu_ms = (cpu_ns(d->pid) - c0) / 1e6 / n;
    res.bytes = (double)(d->bytes - b0) / n;
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    res.median_ms = lat[n / 2];
    res.p95_ms = lat[(int)(0.95 * (n - 1))];
    res.max_ms = lat[n - 1];   /* sort: the costliest column, which an average hides */
    free(lat);
    return res;
}

typedef struct live_result {
    double bytes_per_s, frames_per_s, cpu_ms_per_frame, cpu_pct;
} live_result;

/* Count bytes and bursts (frames: output separated by ≥ 50 ms quiet) for
 * secs seconds. */
static live_result measure_live(dash *d, double secs)
{
    live_result res = {0};
    size_t b0 = d->bytes;
    double c0 = cpu_ns(d->pid), t0 = now_mono(), end = t0 + secs;
    long bursts = 0;
    double last = 0;
    while (now_mono() < end) {
        long r = dash_read(d, 10, NULL, NULL);
        if (r < 0)
            break;
        if (r > 0) {
            if (d->last_byte - last > 0.05)
                bursts++;
            last = d->last_byte;
        }
    }
    double wall = now_mono() - t0, cpu = (cpu_ns(d->pid) - c0) / 1e6;
    res.bytes_per_s = (double)(d->bytes - b0) / wall;
    res.frames_per_s = (double)bursts / wall;
    res.cpu_ms_per_frame = bursts ? cpu / (double)bursts : NAN;
    res.cpu_pct = cpu / 10 / wall;
    return res;
}

/* ---- 5a: a simulated runner on the big study ------------------------------------ */

static pid_t start_fake_runner(const char *dir, long steps, volatile int *stop_unused)
{
    (void)stop_unused;
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    tt_error err = {0};
    char *lock = tt_xasprintf("%s/runner.lock", dir);
    int fd = open(lock, O_RDWR | O_CREAT, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0)
        _exit(1);
    char pidtxt[32];
    int len = snprintf(pidtxt, sizeof pidtxt, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pidtxt, (size_t)len, 0) != len)
        _exit(1);
    char *db = tt_xasprintf("%s/study.db", dir);
    tt_store *st = tt_store_open(db, TT_STORE_WRITE, &err);
    if (!st || tt_store_set_study_state(st, TT_STUDY_RUNNING, &err) != 0)
        _exit(1);
    unsigned seed = 7;
    long live[2] = {0, 0}, step[2] = {0, 0};
    trial_params p[2];
    double t = 1.9e9;
    for (;;) {
        /* one tick: 100 ms, one step of each running trial */
        if (tt_store_begin(st, &err) != 0)
            _exit(1);
        for (int k = 0; k < 2; k++) {
            if (!live[k]) {
                p[k] = draw_params(&seed);
                live[k] = add_trial(st, &p[k]);
                tt_store_trial_started(st, live[k], getpid(), 0, NULL, &err);
                step[k] = 0;
            }
            double v[3];
            step[k]++;
            curve_point(p[k].lr, p[k].dropout, step[k], steps, v);
            for (int m = 0; m < 3; m++)
                tt_store_add_metric(st, live[k], 1, step[k], metric_names[m], v[m], t, &err);
            tt_store_trial_set_value(st, live[k], v[1], step[k], &err);
            if (step[k] >= steps) {
                tt_store_trial_finished(st, live[k], TT_TRIAL_COMPLETED, v[1], "exit code 0",
                                        &err);
                live[k] = 0;
            }
        }
        t += 0.1;
        if (tt_store_commit(st, &err) != 0)
            _exit(1);
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
}

/* ---- 5b: a real sweep of the sample trainer --------------------------------------- */

static int run_cmd(const char *root, char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        if (root && chdir(root) != 0)
            _exit(126);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static long study_runner_pid(const char *dir)
{
    char *lock = tt_xasprintf("%s/runner.lock", dir);
    int fd = open(lock, O_RDONLY);
    free(lock);
    if (fd < 0)
        return 0;
    long pid = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        char buf[32] = {0};
        if (pread(fd, buf, sizeof buf - 1, 0) > 0)
            pid = strtol(buf, NULL, 10);
        if (pid <= 0)
            pid = -1;
    }
    close(fd);
    return pid;
}

static void print_live(const char *what, const live_result *r)
{
    printf("  %-44s %7.0f B/s  %4.2f frames/s  %6.2f ms CPU/frame  CPU %4.1f%%\n", what,
           r->bytes_per_s, r->frames_per_s, r->cpu_ms_per_frame, r->cpu_pct);
}

int main(int argc, char **argv)
{
    long trials = 10000, steps = 100, n_keys = 40;
    double live_s = 20;
    const char *bin = "./tunetop", *base = NULL, *root = ".";
    bool reuse = false;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--reuse")) {
            reuse = true;
            i--;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: bench [--trials N] [--steps N] [--live S] [--keys N] "
                            "[--bin TUNETOP] [--dir D [--reuse]] [--root REPO]\n");
            return 2;
        }
        if (!strcmp(a, "--trials"))
            trials = atol(v);
        else if (!strcmp(a, "--steps"))
            steps = atol(v);
        else if (!strcmp(a, "--live"))
            live_s = atof(v);
        else if (!strcmp(a, "--keys"))
            n_keys = atol(v);
        else if (!strcmp(a, "--bin"))
            bin = v;
        else if (!strcmp(a, "--dir"))
            base = v;
        else if (!strcmp(a, "--root"))
            root = v;
        else {
            fprintf(stderr, "bench: unknown option %s\n", a);
            return 2;
        }
    }
    char tmpl[] = "/tmp/tt-bench-dash-XXXXXX";
    char *dir = base ? (char *)base : mkdtemp(tmpl);
    if (!dir)
        die("mkdtemp", NULL);
    char *big = tt_xasprintf("%s/big", dir);
    write_study(big, trials, steps, reuse && base);

    /* 2. first frame, full load */
    dash d;
    dash_start(&d, bin, big, root);
    bool found = false;
    double end = now_mono() + 30;
    while (!found && now_mono() < end)
        if (dash_read(&d, 50, "q detach", &found) < 0)
            die("the dashboard exited", NULL);
    dash_settle(&d, 20, 5);
    double first_frame = (d.last_byte - d.t0) * 1000;
    size_t first_bytes = d.bytes;
    /* keys while the study loads (a big one loads in slices) */
    key_result loading_keys = time_key(&d, "j while loading", "j", 10);
    dash_settle(&d, 1500, 60);
    double loaded = (d.last_byte - d.t0) * 1000;
    double load_cpu = cpu_ns(d.pid) / 1e6;
    long rss_loaded = vm_kb(d.pid, "VmRSS");

    /* 3. frames on key presses */
    key_result keys[4];
    keys[0] = time_key(&d, "j (selection down)", "j", (int)n_keys);
    keys[1] = time_key(&d, "s (sort every row by the next column)", "s", (int)n_keys);
    keys[2] = time_key(&d, "m (curves: next metric)", "m", (int)n_keys);
    keys[3] = time_key(&d, "Ctrl-L (repaint everything)", "\014", (int)n_keys);
    /* 3b. the exploration views (issue 19): v to each in turn, then
     * Ctrl-L, which redraws the whole view, N times; v after the last
     * brings the panels back. The names are src/ui/views.c's, in order;
     * a view is known to be shown by its title ("Slice: …"). */
    static const char *const view_names[] = {"slice", "contour", "parallel", "timeline",
                                             "compare"};
    static const char *const view_titles[] = {"Slice:", "contour", "parallel coordinates",
                                              "Timeline:", "Compare"};
    enum { N_VIEWS = sizeof view_names / sizeof *view_names };
    key_result views[N_VIEWS];
    char *view_labels[N_VIEWS];
    for (int i = 0; i < N_VIEWS; i++) {
        char *shown = tt_xstrdup(view_titles[i]);
        bool found = false;
        if (write(d.fd, "v", 1) != 1)
            die("write key", NULL);
        for (double end = now_mono() + 5; !found && now_mono() < end;)
            dash_read(&d, 20, shown, &found);
        if (!found)
            die(shown, NULL);
        dash_settle(&d, 50, 5);
        view_labels[i] = tt_xasprintf("Ctrl-L in the %s view", view_names[i]);
        views[i] = time_key(&d, view_labels[i], "\014", (int)n_keys);
        free(shown);
    }
    if (write(d.fd, "v", 1) != 1)
        die("write key", NULL);
    dash_settle(&d, 200, 5);
    /* idle on a finished study */
    live_result idle = measure_live(&d, 5);

    /* 5a. live view of the big study with a simulated runner */
    pid_t fake = start_fake_runner(big, steps, NULL);
    for (int i = 0; i < 50 && study_runner_pid(big) <= 0; i++)
        dash_read(&d, 20, NULL, NULL);
    measure_live(&d, 3);
    live_result live_big = measure_live(&d, live_s);
    long hwm = vm_kb(d.pid, "VmHWM");
    dash_quit(&d);
    kill(fake, SIGKILL);
    waitpid(fake, NULL, 0);

    /* 5b. a real sweep */
    char *sweep = tt_xasprintf("%s/trainer.yaml", dir), *live_dir = tt_xasprintf("%s/live", dir);
    FILE *f = fopen(sweep, "w");
    if (!f)
        die(sweep, NULL);
    fprintf(f, "name: bench-live\n"
               "program: samples/bin/trainer\n"
               "command: [\"${program}\", \"${args}\", --epoch_time, \"0.1\", --epochs, \"30\"]\n"
               "method: random\n"
               "metric: {name: val_loss, goal: minimize}\n"
               "parameters:\n"
               "  lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.5}\n"
               "  hidden: {distribution: int_uniform, min: 4, max: 64}\n"
               "  optimizer: {values: [sgd, adam]}\n"
               "run_cap: 200\n"
               "parallel: 2\n");
    fclose(f);
    char *run[] = {(char *)bin, "run", sweep, "--dir", live_dir, "--detach", NULL};
    if (run_cmd(root, run) != 0)
        die("tunetop run --detach failed", NULL);
    dash d2;
    dash_start(&d2, bin, live_dir, root);
    measure_live(&d2, 3);
    live_result live_real = measure_live(&d2, live_s);
    long hwm2 = vm_kb(d2.pid, "VmHWM");
    dash_quit(&d2);
    char *stop[] = {(char *)bin, "stop", live_dir, "--now", NULL};
    run_cmd(root, stop);
    for (int i = 0; i < 100 && study_runner_pid(live_dir) != 0; i++)
        usleep(50000);

    printf("dashboard at 120x40, TERM=xterm-256color, C.UTF-8, refresh 2 Hz (default)\n");
    printf("  time to first frame                          %7.1f ms  (%zu bytes)\n", first_frame,
           first_bytes);
    printf("  time until all %ld points are shown       %7.1f ms  (CPU %.0f ms)\n",
           trials * steps * 3, loaded, load_cpu);
    printf("  RSS after loading                            %7.1f MB\n", rss_loaded / 1024.0);
    printf("  frames after a key (%ld each): wall median / p95 / max, dashboard CPU per frame, "
           "bytes\n",
           n_keys);
    printf("    %-36s %6.2f / %6.2f / %6.2f ms  %6.2f ms CPU  %6.0f B\n", loading_keys.name,
           loading_keys.median_ms, loading_keys.p95_ms, loading_keys.max_ms, loading_keys.cpu_ms,
           loading_keys.bytes);
    for (int i = 0; i < 4; i++)
        printf("    %-36s %6.2f / %6.2f / %6.2f ms  %6.2f ms CPU  %6.0f B\n", keys[i].name,
               keys[i].median_ms, keys[i].p95_ms, keys[i].max_ms, keys[i].cpu_ms, keys[i].bytes);
    for (int i = 0; i < N_VIEWS; i++)
        printf("    %-36s %6.2f / %6.2f / %6.2f ms  %6.2f ms CPU  %6.0f B\n", views[i].name,
               views[i].median_ms, views[i].p95_ms, views[i].max_ms, views[i].cpu_ms,
               views[i].bytes);
    printf("  live view (%.0f s each):\n", live_s);
    print_live("idle, finished 10k study", &idle);
    print_live("10k study + simulated runner (2 x 10 steps/s)", &live_big);
    print_live("real sweep (trainer, 0.1 s/epoch, parallel 2)", &live_real);
    printf("  peak RSS (VmHWM): 10k study %.1f MB; real sweep %.1f MB\n", hwm / 1024.0,
           hwm2 / 1024.0);

    double worst_frame = 0;
    for (int i = 0; i < 4; i++)
        worst_frame = keys[i].cpu_ms > worst_frame ? keys[i].cpu_ms : worst_frame;
    if (live_big.cpu_ms_per_frame > worst_frame)
        worst_frame = live_big.cpu_ms_per_frame;
    double worst_bps = live_big.bytes_per_s > live_real.bytes_per_s ? live_big.bytes_per_s
                                                                    : live_real.bytes_per_s;
    double peak = (hwm > hwm2 ? hwm : hwm2) / 1024.0;
    printf("\n| measure | goal | measured | |\n|---|---|---|---|\n");
    printf("| time to first frame | < 150 ms | %.0f ms | %s |\n", first_frame,
           first_frame < 150 ? "met" : "MISSED");
    printf("| time per frame (worst CPU per frame above) | < 10 ms | %.2f ms | %s |\n",
           worst_frame, worst_frame < 10 ? "met" : "MISSED");
    double worst_view = 0;
    for (int i = 0; i < N_VIEWS; i++)
        worst_view = views[i].cpu_ms > worst_view ? views[i].cpu_ms : worst_view;
    printf("| a view's frame (worst CPU per Ctrl-L above, issue 19) | < 20 ms | %.2f ms | %s |\n",
           worst_view, worst_view < 20 ? "met" : "MISSED");
    printf("| peak RSS | < 150 MB | %.0f MB | %s |\n", peak, peak < 150 ? "met" : "MISSED");
    printf("| live view bytes/s at 120x40, 2 Hz (worst above) | < 3 KB/s | %.2f KB/s | %s |\n",
           worst_bps / 1000, worst_bps < 3000 ? "met" : "MISSED");

    if (!base) {
        char *rm[] = {"/bin/rm", "-rf", dir, NULL};
        run_cmd(NULL, rm);
    }
    for (int i = 0; i < N_VIEWS; i++)
        free(view_labels[i]);
    free(big);
    free(sweep);
    free(live_dir);
    return 0;
}
