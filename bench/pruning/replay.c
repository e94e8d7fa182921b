/*
 * replay — the pruner of a sweep file replayed, in-process, over the curves
 * of an unpruned run of the same sweep (`tunetop export DIR --metrics`),
 * with an idealised runner: every epoch takes one time unit, P trials run
 * at once, trials start in number order, and a trial reports its epochs to
 * the pruner (tt_pruner_decide, the function the runner calls) one by one.
 * A pruned trial stops at once, or after --overrun K more epochs, which it
 * reports to the store but not to the decision it already got: what the
 * real runner does when the trainer outruns its 100 ms tick.
 *
 * It separates the pruner's decisions from the runner's reaction time: the
 * same curves, the same study name (Hyperband's brackets), no clock.
 *
 *   usage: replay SWEEP.yaml METRICS.csv [--parallel P] [--overrun K]
 *                 [--metric NAME] [--trace TRIAL]
 * Prints one line: trials pruned epochs decided best best_trial; --trace
 * also prints every decision about TRIAL (0: about every trial pruned).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/config.h"
#include "tunetop/pruner.h"

#define MAXT 4096

typedef struct full {
    long *steps;
    double *values;
    size_t n, cap;
} full;

static full curves[MAXT];
static long n_trials;

static void load_metrics(const char *path, const char *metric)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[512], name[128];
    long trial, step;
    double v;
    if (!fgets(line, sizeof line, f)) /* header */
        exit(2);
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%ld,%ld,%127[^,],%lf", &trial, &step, name, &v) != 4 ||
            strcmp(name, metric) != 0 || trial < 1 || trial > MAXT)
            continue;
        full *c = &curves[trial - 1];
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 32;
            c->steps = tt_xrealloc(c->steps, c->cap * sizeof *c->steps);
            c->values = tt_xrealloc(c->values, c->cap * sizeof *c->values);
        }
        c->steps[c->n] = step;
        c->values[c->n++] = v;
        if (trial > n_trials)
            n_trials = trial;
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: replay SWEEP.yaml METRICS.csv [--parallel P] [--overrun K]\n");
        return 2;
    }
    long parallel = 2, overrun = 0, trace = -1;
    const char *metric = "val_loss";
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--parallel"))
            parallel = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--overrun"))
            overrun = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--trace"))
            trace = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--metric"))
            metric = argv[i + 1];
    }
    tt_diags diags = {0};
    tt_sweep *sw = tt_sweep_load(argv[1], &diags);
    if (!sw) {
        tt_diags_print(&diags, stderr);
        return 2;
    }
    load_metrics(argv[2], metric);

    /* Per trial: how many reports it has made (shown), whether it is
     * running, its state, where the pruner stopped it, when it stops. */
    size_t *shown = tt_xcalloc((size_t)n_trials, sizeof *shown);
    size_t *stop_at = tt_xcalloc((size_t)n_trials, sizeof *stop_at);
    long *decided = tt_xcalloc((size_t)n_trials, sizeof *decided);
    tt_trial_state *state = tt_xcalloc((size_t)n_trials, sizeof *state);
    tt_curve *view = tt_xcalloc((size_t)n_trials, sizeof *view);
    long next = 0, running = 0, finished = 0, n_pruned = 0;
    for (long t = 0; t < n_trials; t++)
        state[t] = TT_TRIAL_QUEUED;
    while (finished < n_trials) {
        while (running < parallel && next < n_trials) {
            state[next] = TT_TRIAL_RUNNING;
            stop_at[next] = curves[next].n;
            next++;
            running++;
        }
        /* One epoch of every running trial, in trial order. */
        for (long t = 0; t < next; t++) {
            if (state[t] != TT_TRIAL_RUNNING && !(state[t] == TT_TRIAL_PRUNED &&
                                                   shown[t] < stop_at[t]))
                continue;
            shown[t]++;
            if (state[t] == TT_TRIAL_RUNNING) {
                size_t n = 0, cur = 0;
                for (long u = 0; u < next; u++) {
                    if (shown[u] == 0)
                        continue;
                    if (u == t)
                        cur = n;
                    /* What the pruner sees of a pruned trial: everything it
                     * reported, the overrun included (as the runner does). */
                    view[n++] = (tt_curve){u + 1, state[u], curves[u].steps, curves[u].values,
                                           shown[u]};
                }
                tt_prune_decision d;
                tt_error err = {0};
                if (tt_pruner_decide(&sw->pruner, &sw->early_terminate,
                                     sw->name ? sw->name : "", metric, sw->metric.goal, view, n,
                                     cur, &d, &err) < 0) {
                    fprintf(stderr, "replay: %s\n", err.msg);
                    return 1;
                }
                if (trace == t + 1 || (trace == 0 && d.prune))
                    printf("trial %ld step %ld: %s: %s\n", t + 1,
                           curves[t].steps[shown[t] - 1], d.prune ? "prune" : "keep", d.reason);
                if (d.prune && shown[t] < curves[t].n) {
                    state[t] = TT_TRIAL_PRUNED;
                    decided[t] = curves[t].steps[shown[t] - 1];
                    stop_at[t] = shown[t] + (size_t)overrun;
                    if (stop_at[t] > curves[t].n)
                        stop_at[t] = curves[t].n;
                    n_pruned++;
                } else if (d.prune) {
                    /* pruned at its last epoch: nothing saved, still pruned */
                    state[t] = TT_TRIAL_PRUNED;
                    decided[t] = curves[t].steps[shown[t] - 1];
                    stop_at[t] = shown[t];
                    n_pruned++;
                }
            }
            if (shown[t] >= stop_at[t]) {
                if (state[t] == TT_TRIAL_RUNNING) {
                    state[t] = TT_TRIAL_COMPLETED;
                    decided[t] = curves[t].steps[shown[t] - 1];
                }
                stop_at[t] = 0; /* done: never shown again */
                running--;
                finished++;
            }
        }
    }
    long epochs = 0, dec = 0, best_t = 0;
    double best = INFINITY;
    bool maximize = sw->metric.goal == TT_GOAL_MAXIMIZE;
    for (long t = 0; t < n_trials; t++) {
        if (shown[t] == 0)
            continue;
        epochs += curves[t].steps[shown[t] - 1];
        dec += decided[t];
        double v = curves[t].values[shown[t] - 1];
        double key = maximize ? -v : v;
        if (key < best) {
            best = key;
            best_t = t + 1;
        }
    }
    printf("trials %ld pruned %ld epochs %ld decided %ld best %.6g best_trial %ld\n", n_trials,
           n_pruned, epochs, dec, maximize ? -best : best, best_t);
    tt_sweep_free(sw);
    return 0;
}
