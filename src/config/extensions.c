/*
 * extensions — the keys tunetop adds to a W&B sweep file (parallel, seed,
 * trial_timeout, time_budget, retries, repeats, folds, metrics, executor,
 * devices, pruner, shell), and W&B's own early_terminate, which is the other
 * way of asking for pruning. Each key is checked for type and range; pruner
 * options start from the pruner's own defaults (tt_pruner_spec_default in
 * pruner.h), which the file's values then replace.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cfg_load_early_terminate(cfg_ctx *c, const cfg_node *n, const char *path)
{
    static const char *const keys[] = {"type", "min_iter", "max_iter", "s", "eta", "strict", NULL};
    tt_early_terminate *e = &c->sweep->early_terminate;
    if (n->kind != CFG_MAP) {
        cfg_expected(c, n, path, "a mapping {type: hyperband, min_iter: ...}");
        return;
    }
    cfg_check_keys(c, n, path, keys, NULL);
    const cfg_pair *p = cfg_map_find(n, "type");
    char *kp;
    if (!p) {
        cfg_error(c, n, path, "missing 'type' (write `type: hyperband`)");
    } else if (p->value->kind == CFG_SCALAR && strcmp(p->value->text, "hyperband") == 0) {
        e->type = tt_xstrdup("hyperband");
    } else {
        kp = cfg_path(path, "type");
        cfg_expected(c, p->value, kp, "hyperband");
        free(kp);
    }
    static const char *const ints[] = {"min_iter", "max_iter", "s"};
    long *fields[] = {&e->min_iter, &e->max_iter, &e->s};
    for (size_t i = 0; i < 3; i++)
        if ((p = cfg_map_find(n, ints[i]))) {
            kp = cfg_path(path, ints[i]);
            cfg_read_long(c, p->value, kp, 1, LONG_MAX, fields[i]);
            free(kp);
        }
    if ((p = cfg_map_find(n, "eta"))) {
        kp = cfg_path(path, "eta");
        double eta;
        if (cfg_scalar_number(p->value, &eta, NULL) && eta > 1 && eta < 1e9)
            e->eta = eta;
        else
            cfg_expected(c, p->value, kp, "a number > 1");
        free(kp);
    }
    if ((p = cfg_map_find(n, "strict"))) {
        kp = cfg_path(path, "strict");
        cfg_read_bool(c, p->value, kp, &e->strict);
        free(kp);
    }
    bool has_min = cfg_map_find(n, "min_iter"), has_max = cfg_map_find(n, "max_iter"),
         has_s = cfg_map_find(n, "s");
    if (!has_min && !(has_max && has_s))
        cfg_error(c, n, path,
                  has_max ? "missing 's' (hyperband needs min_iter, or max_iter and s)"
                          : "missing 'min_iter' (hyperband needs min_iter, or max_iter and s)");
    e->enabled = true;
}

static const char *const slurm_keys[] = {"type", "partition", "time", "cpus_per_task", "mem",
                                         "gres", "account", "qos", "sbatch_args", NULL};

static bool read_kind(cfg_ctx *c, const cfg_node *n, const char *path, tt_executor_kind *out)
{
    if (n->kind == CFG_SCALAR && strcmp(n->text, "local") == 0)
        *out = TT_EXECUTOR_LOCAL;
    else if (n->kind == CFG_SCALAR && strcmp(n->text, "slurm") == 0)
        *out = TT_EXECUTOR_SLURM;
    else {
        cfg_expected(c, n, path, "local or slurm");
        return false;
    }
    return true;
}

static void load_executor(cfg_ctx *c, const cfg_node *n, const char *path)
{
    tt_executor_spec *e = &c->sweep->executor;
    if (n->kind == CFG_SCALAR) {
        read_kind(c, n, path, &e->kind);
        return;
    }
    if (n->kind != CFG_MAP) {
        cfg_expected(c, n, path, "local, slurm, or a mapping {type: slurm, partition: ...}");
        return;
    }
    cfg_check_keys(c, n, path, slurm_keys, NULL);
    const cfg_pair *p = cfg_map_find(n, "type");
    char *kp;
    if (!p) {
        cfg_error(c, n, path, "missing 'type' (local or slurm)");
        return;
    }
    kp = cfg_path(path, "type");
    bool ok = read_kind(c, p->value, kp, &e->kind);
    free(kp);
    if (!ok)
        return;
    static const char *const strs[] = {"partition", "time", "mem", "gres", "account", "qos"};
    char **fields[] = {&e->partition, &e->time, &e->mem, &e->gres, &e->account, &e->qos};
    for (size_t i = 1; slurm_keys[i]; i++) {
        p = cfg_map_find(n, slurm_keys[i]);
        if (p && e->kind == TT_EXECUTOR_LOCAL) {
            kp = cfg_path(path, slurm_keys[i]);
            cfg_warn(c, p->key, kp, "'%s' only applies to executor slurm (ignored)",
                     slurm_keys[i]);
            free(kp);
        }
    }
    if (e->kind == TT_EXECUTOR_LOCAL)
        return;
    for (size_t i = 0; i < 6; i++)
        if ((p = cfg_map_find(n, strs[i]))) {
            kp = cfg_path(path, strs[i]);
            cfg_read_string(c, p->value, kp, fields[i]);
            free(kp);
        }
    if ((p = cfg_map_find(n, "cpus_per_task"))) {
        kp = cfg_path(path, "cpus_per_task");
        cfg_read_long(c, p->value, kp, 1, 100000, &e->cpus_per_task);
        free(kp);
    }
    if ((p = cfg_map_find(n, "sbatch_args"))) {
        kp = cfg_path(path, "sbatch_args");
        cfg_read_strings(c, p->value, kp, false, &e->sbatch_args, &e->n_sbatch_args);
        free(kp);
    }
}

/* devices: a list of GPU ids, or N meaning 0..N-1. */
static void load_devices(cfg_ctx *c, const cfg_node *n, const char *path)
{
    tt_sweep *s = c->sweep;
    double v;
    bool is_int = false;
    if (n->kind == CFG_SCALAR && cfg_scalar_number(n, &v, &is_int)) {
        long count;
        if (!cfg_read_long(c, n, path, 1, 1024, &count))
            return;
        s->devices = tt_xcalloc((size_t)count, sizeof(char *));
        for (long i = 0; i < count; i++)
            s->devices[i] = tt_xasprintf("%ld", i);
        s->n_devices = (size_t)count;
        return;
    }
    if (n->kind != CFG_SEQ) {
        cfg_expected(c, n, path, "a list of GPU ids, or a number of GPUs");
        return;
    }
    if (n->n_items == 0) {
        cfg_error(c, n, path, "expected at least one GPU id, found an empty list");
        return;
    }
    cfg_read_strings(c, n, path, false, &s->devices, &s->n_devices);
}

typedef struct pruner_kind_info {
    const char *name;
    tt_pruner_kind kind;
    const char *keys;   /* space-separated options the kind uses */
} pruner_kind_info;

static const pruner_kind_info pruner_kinds[] = {
    {"median", TT_PRUNER_MEDIAN, " n_startup_trials n_warmup_steps interval_steps n_min_trials "},
    {"percentile", TT_PRUNER_PERCENTILE,
     " n_startup_trials n_warmup_steps interval_steps n_min_trials percentile "},
    {"asha", TT_PRUNER_ASHA,
     " min_resource reduction_factor min_early_stopping_rate bootstrap_count "},
    {"hyperband", TT_PRUNER_HYPERBAND,
     " min_resource max_resource reduction_factor bootstrap_count "},
    {"patience", TT_PRUNER_PATIENCE, " patience min_delta n_warmup_steps "},
    {"threshold", TT_PRUNER_THRESHOLD, " lower upper n_warmup_steps interval_steps "},
};
#define N_PRUNER_KINDS (sizeof pruner_kinds / sizeof pruner_kinds[0])

static const char *const pruner_keys[] = {
    "type", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials",
    "percentile", "min_resource", "max_resource", "reduction_factor",
    "min_early_stopping_rate", "bootstrap_count", "patience", "min_delta", "lower", "upper",
    NULL};

static const pruner_kind_info *find_pruner(cfg_ctx *c, const cfg_node *n, const char *path)
{
    for (size_t i = 0; i < N_PRUNER_KINDS && n->kind == CFG_SCALAR; i++)
        if (strcmp(n->text, pruner_kinds[i].name) == 0)
            return &pruner_kinds[i];
    const char *names[N_PRUNER_KINDS];
    for (size_t i = 0; i < N_PRUNER_KINDS; i++)
        names[i] = pruner_kinds[i].name;
    const char *s = n->kind == CFG_SCALAR ? cfg_suggest(n->text, names, N_PRUNER_KINDS) : NULL;
    if (s)
        cfg_error(c, n, path, "unknown pruner '%s' (did you mean '%s'?)", n->text, s);
    else
        cfg_expected(c, n, path,
                     "a pruner (median, percentile, asha, hyperband, patience, threshold)");
    return NULL;
}

static void load_pruner(cfg_ctx *c, const cfg_node *n, const char *path)
{
    tt_pruner_spec *pr = &c->sweep->pruner;
    if (n->kind == CFG_SCALAR) {
        const pruner_kind_info *k = find_pruner(c, n, path);
        if (k && (k->kind == TT_PRUNER_PERCENTILE || k->kind == TT_PRUNER_PATIENCE ||
                  k->kind == TT_PRUNER_THRESHOLD))
            cfg_error(c, n, path, "pruner %s needs options: write `pruner: {type: %s, %s: ...}`",
                      k->name, k->name,
                      k->kind == TT_PRUNER_PERCENTILE ? "percentile"
                      : k->kind == TT_PRUNER_PATIENCE ? "patience"
                                                      : "lower");
        else if (k)
            *pr = tt_pruner_spec_default(k->kind);
        return;
    }
    if (n->kind != CFG_MAP) {
        cfg_expected(c, n, path, "a pruner name or a mapping {type: median, ...}");
        return;
    }
    cfg_check_keys(c, n, path, pruner_keys, NULL);
    const cfg_pair *p = cfg_map_find(n, "type");
    if (!p) {
        cfg_error(c, n, path,
                  "missing 'type' (median, percentile, asha, hyperband, patience, threshold)");
        return;
    }
    char *kp = cfg_path(path, "type");
    const pruner_kind_info *k = find_pruner(c, p->value, kp);
    free(kp);
    if (!k)
        return;
    *pr = tt_pruner_spec_default(k->kind);
    struct {
        const char *key;
        long *l;
        double *d;
        long lo;
        double dlo, dhi;
    } opts[] = {
        {"n_startup_trials", &pr->n_startup_trials, NULL, 0, 0, 0},
        {"n_warmup_steps", &pr->n_warmup_steps, NULL, 0, 0, 0},
        {"interval_steps", &pr->interval_steps, NULL, 1, 0, 0},
        {"n_min_trials", &pr->n_min_trials, NULL, 1, 0, 0},
        {"percentile", NULL, &pr->percentile, 0, 0, 100},
        {"min_resource", &pr->min_resource, NULL, k->kind == TT_PRUNER_HYPERBAND ? 1 : 0, 0, 0},
        {"max_resource", &pr->max_resource, NULL, 0, 0, 0},
        {"reduction_factor", NULL, &pr->reduction_factor, 0, 1, 1e9},
        {"min_early_stopping_rate", &pr->min_early_stopping_rate, NULL, 0, 0, 0},
        {"bootstrap_count", &pr->bootstrap_count, NULL, 0, 0, 0},
        {"patience", &pr->patience, NULL, 0, 0, 0},
        {"min_delta", NULL, &pr->min_delta, 0, 0, 1e300},
        {"lower", NULL, &pr->lower, 0, -1e300, 1e300},
        {"upper", NULL, &pr->upper, 0, -1e300, 1e300},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        p = cfg_map_find(n, opts[i].key);
        if (!p)
            continue;
        kp = cfg_path(path, opts[i].key);
        char word[40];
        snprintf(word, sizeof word, " %s ", opts[i].key);
        if (!strstr(k->keys, word)) {
            cfg_warn(c, p->key, kp, "'%s' is not used by pruner %s (ignored)", opts[i].key,
                     k->name);
        } else if (opts[i].l && p->value->kind == CFG_SCALAR &&
                   strcmp(p->value->text, "auto") == 0 &&
                   ((k->kind == TT_PRUNER_ASHA && strcmp(opts[i].key, "min_resource") == 0) ||
                    (k->kind == TT_PRUNER_HYPERBAND && strcmp(opts[i].key, "max_resource") == 0))) {
            *opts[i].l = 0; /* Optuna's "auto", the default */
        } else if (opts[i].l) {
            cfg_read_long(c, p->value, kp, opts[i].lo, LONG_MAX, opts[i].l);
        } else {
            double v;
            bool ok = cfg_scalar_number(p->value, &v, NULL) && v >= opts[i].dlo &&
                      v <= opts[i].dhi;
            if (strcmp(opts[i].key, "reduction_factor") == 0)
                ok = ok && v > 1;
            if (ok) {
                *opts[i].d = v;
                pr->has_lower |= strcmp(opts[i].key, "lower") == 0;
                pr->has_upper |= strcmp(opts[i].key, "upper") == 0;
            } else {
                char what[64];
                if (strcmp(opts[i].key, "reduction_factor") == 0)
                    snprintf(what, sizeof what, "a number > 1");
                else if (strcmp(opts[i].key, "percentile") == 0)
                    snprintf(what, sizeof what, "a number from 0 to 100");
                else if (strcmp(opts[i].key, "min_delta") == 0)
                    snprintf(what, sizeof what, "a number >= 0");
                else
                    snprintf(what, sizeof what, "a number");
                cfg_expected(c, p->value, kp, what);
            }
        }
        free(kp);
    }
    if (k->kind == TT_PRUNER_PERCENTILE && !cfg_map_find(n, "percentile"))
        cfg_error(c, n, path, "missing 'percentile' (pruner percentile needs it)");
    if (k->kind == TT_PRUNER_PATIENCE && !cfg_map_find(n, "patience"))
        cfg_error(c, n, path, "missing 'patience' (pruner patience needs it)");
    if (k->kind == TT_PRUNER_THRESHOLD && !cfg_map_find(n, "lower") && !cfg_map_find(n, "upper"))
        cfg_error(c, n, path, "missing 'lower' or 'upper' (pruner threshold needs a bound)");
    if (pr->has_lower && pr->has_upper && pr->lower > pr->upper)
        cfg_error(c, cfg_map_find(n, "lower")->value, "pruner.lower",
                  "lower is greater than upper");
    /* Optuna refuses bootstrap_count with an automatic resource (its
     * SuccessiveHalvingPruner and HyperbandPruner constructors). */
    if (pr->bootstrap_count > 0 &&
        ((k->kind == TT_PRUNER_ASHA && pr->min_resource == 0) ||
         (k->kind == TT_PRUNER_HYPERBAND && pr->max_resource == 0))) {
        const char *res = k->kind == TT_PRUNER_ASHA ? "min_resource" : "max_resource";
        kp = cfg_path(path, "bootstrap_count");
        cfg_error(c, cfg_map_find(n, "bootstrap_count")->value, kp,
                  "bootstrap_count needs a fixed %s (an integer, not auto), as in Optuna", res);
        free(kp);
    }
    if (k->kind == TT_PRUNER_HYPERBAND && pr->max_resource &&
        pr->max_resource < pr->min_resource)
        cfg_error(c, cfg_map_find(n, "max_resource")->value, "pruner.max_resource",
                  "max_resource is smaller than min_resource");
}

/* The goal of metrics[i] from its `goal:` node, as metric.goal reads. */
static void load_metric_goal(cfg_ctx *c, const cfg_node *v, const char *path, tt_goal *out)
{
    int goal = v->kind == CFG_SCALAR ? tt_goal_from_name(v->text) : -1;
    if (goal >= 0)
        *out = (tt_goal)goal;
    else
        cfg_expected(c, v, path, "minimize or maximize");
}

/* One entry of `metrics:`, a name or W&B's multi-objective {name, goal},
 * appended to the sweep's metrics with its goal. The goal is kept because
 * whatever shows a metric's "best" needs it (the detail view's table);
 * without one the name decides (tt_sweep_metric_goal: val_acc maximises). */
static void load_metrics_item(cfg_ctx *c, const cfg_node *item, const char *path)
{
    static const char *const keys[] = {"name", "goal", NULL};
    tt_sweep *s = c->sweep;
    const cfg_node *name = item, *goal = NULL;
    char *np = NULL;
    if (item->kind == CFG_MAP) {
        cfg_check_keys(c, item, path, keys, NULL);
        const cfg_pair *p = cfg_map_find(item, "name");
        if (!p) {
            cfg_error(c, item, path, "missing 'name' (write `{name: val_acc, goal: maximize}`)");
            return;
        }
        name = p->value;
        np = cfg_path(path, "name");
        goal = (p = cfg_map_find(item, "goal")) ? p->value : NULL;
    }
    size_t i = s->n_metrics;
    if (cfg_read_string(c, name, np ? np : path, &s->metrics[i])) {
        s->metric_goals[i] = tt_sweep_metric_goal(NULL, s->metrics[i]);
        if (goal) {
            char *gp = cfg_path(path, "goal");
            load_metric_goal(c, goal, gp, &s->metric_goals[i]);
            free(gp);
        }
        s->n_metrics++;
    }
    free(np);
}

void cfg_load_extensions(cfg_ctx *c, const cfg_node *root)
{
    tt_sweep *s = c->sweep;
    const cfg_pair *p;
    struct {
        const char *key;
        long *out;
        long lo;
    } longs[] = {
        {"parallel", &s->parallel, 1}, {"retries", &s->retries, 0},
        {"repeats", &s->repeats, 1},   {"folds", &s->folds, 2},
        {"max_consecutive_failures", &s->max_consecutive_failures, 0},
    };
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if ((p = cfg_map_find(root, longs[i].key)))
            cfg_read_long(c, p->value, longs[i].key, longs[i].lo, LONG_MAX, longs[i].out);
    if ((p = cfg_map_find(root, "seed"))) {
        long seed;
        if (cfg_read_long(c, p->value, "seed", 0, LONG_MAX, &seed)) {
            s->has_seed = true;
            s->seed = (uint64_t)seed;
        }
    }
    if ((p = cfg_map_find(root, "trial_timeout")))
        cfg_read_duration(c, p->value, "trial_timeout", &s->trial_timeout);
    if ((p = cfg_map_find(root, "time_budget")))
        cfg_read_duration(c, p->value, "time_budget", &s->time_budget);
    if ((p = cfg_map_find(root, "shell")))
        cfg_read_bool(c, p->value, "shell", &s->shell);
    if ((p = cfg_map_find(root, "metrics"))) {
        /* Names; W&B's multi-objective form (a list of {name, goal}) too. */
        const cfg_node *n = p->value;
        if (n->kind == CFG_SEQ) {
            s->metrics = tt_xcalloc(n->n_items + 1, sizeof(char *));
            s->metric_goals = tt_xcalloc(n->n_items + 1, sizeof *s->metric_goals);
            for (size_t i = 0; i < n->n_items; i++) {
                char *ip = tt_xasprintf("metrics[%zu]", i);
                load_metrics_item(c, n->items[i], ip);
                free(ip);
            }
        } else {
            cfg_expected(c, n, "metrics", "a list of metric names");
        }
    }
    if ((p = cfg_map_find(root, "executor")))
        load_executor(c, p->value, "executor");
    if ((p = cfg_map_find(root, "devices")))
        load_devices(c, p->value, "devices");
    if ((p = cfg_map_find(root, "pruner"))) {
        load_pruner(c, p->value, "pruner");
        const cfg_pair *et = cfg_map_find(root, "early_terminate");
        if (et)
            cfg_error(c, p->key->line > et->key->line ? p->key : et->key,
                      p->key->line > et->key->line ? "pruner" : "early_terminate",
                      "give either 'pruner' or 'early_terminate', not both");
    }
    /* A pruner watches the objective and nothing else (docs/pruning.md):
     * without a metric no report would ever reach it, and the sweep would
     * run unpruned without a word. (A `metric` without its name is
     * reported by load_metric.) W&B refuses early_terminate without a
     * metric too. */
    if (!cfg_map_find(root, "metric")) {
        static const char *const pruning_keys[] = {"pruner", "early_terminate"};
        for (size_t i = 0; i < 2; i++)
            if ((p = cfg_map_find(root, pruning_keys[i])))
                cfg_error(c, p->key, pruning_keys[i],
                          "missing 'metric' (a pruner watches the metric named by "
                          "metric.name): add `metric: {name: val_loss, goal: minimize}`");
    }
}
