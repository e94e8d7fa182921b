/*
 * sweep — the top of a sweep file: which format it is (W&B sweep YAML or an
 * NNI search space), the W&B keys (program, command, method, metric,
 * parameters, early_terminate, run_cap, name, …), and the whole-file checks
 * that need everything loaded first (command macros naming parameters, grid
 * search over continuous parameters). W&B's schema also allows apiVersion,
 * kind, controller, job, image_uri and scheduler, which only matter to W&B's
 * servers: they are accepted and ignored so that any W&B file loads as is.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tunetop/sampler.h" /* tt_method_available: which methods this build has */

static const char *const top_keys[] = {
    "program", "command", "method", "metric", "parameters", "early_terminate", "run_cap",
    "name", "description", "project", "entity",
    /* tunetop extensions */
    "parallel", "seed", "trial_timeout", "time_budget", "retries", "repeats", "folds",
    "max_consecutive_failures", "metrics", "executor", "devices", "pruner", "shell", "search_space", NULL};

static const char *const wandb_only_keys[] = {"apiVersion", "kind", "controller", "job",
                                              "image_uri", "scheduler", NULL};

/* Macros W&B expands in `command`, plus tunetop's own. */
static const char *const known_macros[] = {
    "env", "interpreter", "program", "args", "args_no_hyphens", "args_no_equals",
    "args_no_boolean_flags", "args_append_hydra", "args_override_hydra", "args_json",
    "args_json_file", "trial_id", "trial_dir", "fold", "repeat", NULL};

static tt_sweep *sweep_new(const char *path)
{
    tt_sweep *s = tt_xcalloc(1, sizeof *s);
    s->path = tt_xstrdup(path);
    s->format = TT_FORMAT_WANDB;
    s->space = tt_space_new();
    s->method = TT_METHOD_RANDOM;
    s->metric.goal = TT_GOAL_MINIMIZE;
    s->metric.summary = TT_SUMMARY_LAST;
    s->early_terminate = tt_early_terminate_default();
    s->pruner.kind = TT_PRUNER_NONE;
    s->executor.kind = TT_EXECUTOR_LOCAL;
    s->parallel = 1;
    s->repeats = 1;
    s->max_consecutive_failures = -1;
    return s;
}

void tt_sweep_free(tt_sweep *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->name);
    free(s->description);
    free(s->project);
    free(s->entity);
    free(s->program);
    cfg_free_strings(s->command, s->n_command);
    free(s->metric.name);
    cfg_free_strings(s->metrics, s->n_metrics);
    free(s->metric_goals);
    tt_space_free(s->space);
    free(s->early_terminate.type);
    tt_executor_spec *e = &s->executor;
    free(e->partition);
    free(e->time);
    free(e->mem);
    free(e->gres);
    free(e->account);
    free(e->qos);
    cfg_free_strings(e->sbatch_args, e->n_sbatch_args);
    cfg_free_strings(s->devices, s->n_devices);
    free(s);
}

static void method_list(tt_buf *b, bool only_available)
{
    for (int m = 0; m < TT_METHOD_COUNT; m++) {
        if (only_available && !tt_method_available((tt_method)m))
            continue;
        tt_buf_printf(b, "%s%s", b->len ? ", " : "", tt_method_name((tt_method)m));
    }
}

static void load_method(cfg_ctx *c, const cfg_node *root, const cfg_pair *p)
{
    tt_buf all = {0};
    method_list(&all, false);
    if (!p) {
        cfg_error(c, root, "method", "missing 'method': write one of %s", all.data);
        tt_buf_free(&all);
        return;
    }
    char *name = NULL;
    if (!cfg_read_string(c, p->value, "method", &name)) {
        tt_buf_free(&all);
        return;
    }
    int m = tt_method_from_name(name);
    if (m < 0) {
        const char *names[TT_METHOD_COUNT];
        for (int i = 0; i < TT_METHOD_COUNT; i++)
            names[i] = tt_method_name((tt_method)i);
        const char *s = cfg_suggest(name, names, TT_METHOD_COUNT);
        if (strcmp(name, "custom") == 0)
            cfg_error(c, p->value, "method",
                      "method 'custom' needs a W&B scheduler, which tunetop does not run; "
                      "write one of %s",
                      all.data);
        else if (s)
            cfg_error(c, p->value, "method", "unknown method '%s' (did you mean '%s'?)", name,
                      s);
        else
            cfg_error(c, p->value, "method", "unknown method '%s': write one of %s", name,
                      all.data);
    } else {
        c->sweep->method = (tt_method)m;
        if (!tt_method_available((tt_method)m)) {
            tt_buf avail = {0};
            method_list(&avail, true);
            cfg_warn(c, p->value, "method",
                     "'%s' is not implemented yet in this version (available: %s)",
                     name, avail.data ? avail.data : "none");
            tt_buf_free(&avail);
        }
    }
    free(name);
    tt_buf_free(&all);
}

static void load_metric(cfg_ctx *c, const cfg_node *key, const cfg_node *n)
{
    static const char *const keys[] = {"name", "goal", "target", "summary", NULL};
    static const char *const wandb_only[] = {"impute", "impute_while_running", NULL};
    tt_metric_spec *m = &c->sweep->metric;
    if (n->kind != CFG_MAP) {
        char buf[80];
        cfg_error(c, n, "metric",
                  "expected a mapping, found %s (write `metric: {name: loss, goal: minimize}`)",
                  cfg_found(n, buf, sizeof buf));
        return;
    }
    cfg_check_keys(c, n, "metric", keys, wandb_only);
    /* W&B's controller imputes a value for runs that report none; here
     * such a trial fails with its reason instead. Accepted (the file is
     * W&B's), but not in silence. */
    for (size_t i = 0; wandb_only[i]; i++) {
        const cfg_pair *w = cfg_map_find(n, wandb_only[i]);
        if (w) {
            char *path = tt_xasprintf("metric.%s", wandb_only[i]);
            cfg_warn(c, w->key, path,
                     "ignored: tunetop does not impute values (a trial that reports no "
                     "value fails, with the reason)");
            free(path);
        }
    }
    const cfg_pair *p = cfg_map_find(n, "name");
    if (!p)
        cfg_error(c, key, "metric", "missing 'name' (the metric to optimize)");
    else
        cfg_read_string(c, p->value, "metric.name", &m->name);
    if ((p = cfg_map_find(n, "goal"))) {
        const cfg_node *v = p->value;
        int goal = v->kind == CFG_SCALAR ? tt_goal_from_name(v->text) : -1;
        if (goal >= 0)
            m->goal = (tt_goal)goal;
        else
            cfg_expected(c, v, "metric.goal", "minimize or maximize");
    }
    if ((p = cfg_map_find(n, "target")))
        m->has_target = cfg_read_number(c, p->value, "metric.target", &m->target, NULL);
    if ((p = cfg_map_find(n, "summary"))) {
        const cfg_node *v = p->value;
        if (v->kind == CFG_SCALAR && strcmp(v->text, "last") == 0)
            m->summary = TT_SUMMARY_LAST;
        else if (v->kind == CFG_SCALAR && strcmp(v->text, "best") == 0)
            m->summary = TT_SUMMARY_BEST;
        else
            cfg_expected(c, v, "metric.summary", "last or best");
    }
}

/* Check one `${...}` macro of a command token. */
static void check_macro(cfg_ctx *c, const cfg_node *n, const char *path, const char *name)
{
    for (size_t i = 0; known_macros[i]; i++)
        if (strcmp(name, known_macros[i]) == 0) {
            if (strcmp(name, "program") == 0 && !c->sweep->program)
                cfg_error(c, n, path, "'${program}' is used but 'program' is not set");
            /* Without folds every run would be told fold 0 and train on
             * one split only: say so rather than run it. */
            if (strcmp(name, "fold") == 0 && c->sweep->folds == 0)
                cfg_error(c, n, path, "'${fold}' is used but 'folds' is not set");
            return;
        }
    if (strncmp(name, "envvar:", 7) == 0) {
        if (!name[7])
            cfg_error(c, n, path, "'${envvar:}' needs a variable name: ${envvar:NAME}");
        return;
    }
    const tt_space *sp = c->sweep->space;
    if (tt_space_find(sp, name) >= 0 || cfg_is_failed_param(c, name))
        return;
    size_t n_cands = 0;
    while (known_macros[n_cands])
        n_cands++;
    const char **cands = tt_xcalloc(n_cands + sp->n + 1, sizeof(char *));
    memcpy(cands, known_macros, n_cands * sizeof(char *));
    for (size_t i = 0; i < sp->n; i++)
        cands[n_cands + i] = sp->params[i].name;
    const char *s = cfg_suggest(name, cands, n_cands + sp->n);
    bool upper = true;
    for (const char *q = name; *q; q++)
        upper &= !(*q >= 'a' && *q <= 'z');
    if (s)
        cfg_error(c, n, path, "unknown macro '${%s}' (did you mean '${%s}'?)", name, s);
    else if (upper && name[0])
        cfg_error(c, n, path,
                  "unknown macro '${%s}' (write '${envvar:%s}' for an environment variable)",
                  name, name);
    else
        cfg_error(c, n, path, "unknown macro '${%s}': neither a W&B macro nor a parameter",
                  name);
    free(cands);
}

static void load_command(cfg_ctx *c, const cfg_node *n)
{
    tt_sweep *s = c->sweep;
    if (n->kind == CFG_SCALAR && !cfg_is_null(n)) {
        char buf[80];
        cfg_error(c, n, "command",
                  "expected a list of strings, found %s (write one argument per item: "
                  "`command: [${env}, python, train.py, ${args}]`)",
                  cfg_found(n, buf, sizeof buf));
        return;
    }
    if (!cfg_read_strings(c, n, "command", false, &s->command, &s->n_command))
        return;
    if (s->n_command == 0) {
        cfg_error(c, n, "command", "the command is empty");
        return;
    }
    for (size_t i = 0; i < s->n_command; i++) {
        char *path = tt_xasprintf("command[%zu]", i);
        const char *p = s->command[i];
        while ((p = strstr(p, "${")) != NULL) {
            const char *end = strchr(p + 2, '}');
            if (!end) {
                cfg_error(c, n->items[i], path, "unterminated macro '%s' (missing '}')", p);
                break;
            }
            char *name = tt_xstrndup(p + 2, (size_t)(end - p - 2));
            check_macro(c, n->items[i], path, name);
            free(name);
            p = end + 1;
        }
        free(path);
    }
}

static void load_wandb(cfg_ctx *c, const cfg_node *root)
{
    tt_sweep *s = c->sweep;
    cfg_check_keys(c, root, "", top_keys, wandb_only_keys);
    const cfg_pair *params = cfg_map_find(root, "parameters");
    const cfg_pair *nni = cfg_map_find(root, "search_space");
    const cfg_node *space_at = root;
    if (params) {
        space_at = params->key;
        cfg_load_parameters(c, params->key, params->value, "parameters");
        if (nni)
            cfg_error(c, nni->key, "search_space",
                      "give either 'parameters' or 'search_space', not both");
    } else if (nni) {
        space_at = nni->key;
        if (nni->value->kind == CFG_MAP && nni->value->n_pairs > 0)
            cfg_load_nni(c, nni->value, "search_space");
        else
            cfg_expected(c, nni->value, "search_space", "an NNI search space mapping");
    } else {
        cfg_error(c, root, "parameters", "missing 'parameters' (the search space)");
    }
    load_method(c, root, cfg_map_find(root, "method"));
    const cfg_pair *p;
    if ((p = cfg_map_find(root, "metric")))
        load_metric(c, p->key, p->value);
    static const char *const strings[] = {"program", "name", "description", "project",
                                          "entity"};
    char **fields[] = {&s->program, &s->name, &s->description, &s->project, &s->entity};
    for (size_t i = 0; i < 5; i++)
        if ((p = cfg_map_find(root, strings[i])))
            cfg_read_string(c, p->value, strings[i], fields[i]);
    if ((p = cfg_map_find(root, "run_cap")))
        cfg_read_long(c, p->value, "run_cap", 1, LONG_MAX, &s->run_cap);
    if ((p = cfg_map_find(root, "early_terminate")))
        cfg_load_early_terminate(c, p->value, "early_terminate");
    cfg_load_extensions(c, root);
    cfg_finish_space(c, space_at, space_at == root ? "" : space_at->text);
    if ((p = cfg_map_find(root, "command")))
        load_command(c, p->value);
    else if (!s->program)
        cfg_warn(c, NULL, "", "neither 'program' nor 'command' is set: there is nothing to run");
}

/* W&B grids enumerate every parameter; a continuous one has no grid. */
static void check_grid(cfg_ctx *c)
{
    const tt_space *sp = c->sweep->space;
    if (c->sweep->method != TT_METHOD_GRID)
        return;
    for (size_t i = 0; i < sp->n && i < c->n_info; i++) {
        const tt_param *p = &sp->params[i];
        if (tt_param_grid_count(p) == 0)
            cfg_error(c, c->info[i].key, c->info[i].path,
                      "method grid needs a finite set of values, but '%s' is continuous "
                      "(%s): give 'values', or use int_uniform or q_uniform",
                      p->name, tt_dist_name(p->dist));
    }
}

tt_sweep *tt_sweep_load_text(const char *name, const char *text, size_t len, tt_diags *diags)
{
    if (!name)
        name = "<input>";
    size_t errors_before = diags->n_errors;
    cfg_doc doc;
    if (cfg_parse(&doc, name, text ? text : "", text ? len : 0, diags) < 0) {
        cfg_doc_free(&doc);
        return NULL;
    }
    const cfg_node *root = doc.root;
    if (!root || cfg_is_null(root)) {
        tt_diags_add(diags, TT_DIAG_ERROR, name, 0, 0, "",
                     "the file is empty: expected a mapping with 'method' and 'parameters' "
                     "(a W&B sweep) or an NNI search space");
        cfg_doc_free(&doc);
        return NULL;
    }
    if (root->kind != CFG_MAP) {
        char buf[80];
        tt_diags_add(diags, TT_DIAG_ERROR, name, root->line, root->col, "",
                     "expected a mapping of keys (method, parameters, …) at the top of the "
                     "file, found %s",
                     cfg_found(root, buf, sizeof buf));
        cfg_doc_free(&doc);
        return NULL;
    }
    cfg_ctx c = {.file = name, .diags = diags, .sweep = sweep_new(name),
                 .errors_before = errors_before};
    if (cfg_is_nni(root)) {
        c.sweep->format = TT_FORMAT_NNI;
        cfg_load_nni(&c, root, "");
        cfg_finish_space(&c, root, "");
        cfg_warn(&c, NULL, "",
                 "an NNI search space names no command (NNI keeps it in the experiment's "
                 "config): `validate` and `suggest` use it as it is; to run it, put it under "
                 "`search_space:` in a sweep file with `program` or `command` "
                 "(samples/sweeps/nni_nested_choice.yaml)");
    } else {
        load_wandb(&c, root);
    }
    check_grid(&c);
    for (size_t i = 0; i < c.n_info; i++)
        free(c.info[i].path);
    free(c.info);
    cfg_free_strings(c.failed, c.n_failed);
    cfg_doc_free(&doc);
    if (diags->n_errors > errors_before) {
        tt_sweep_free(c.sweep);
        return NULL;
    }
    return c.sweep;
}

tt_sweep *tt_sweep_load(const char *path, tt_diags *diags)
{
    tt_error err = {0};
    size_t len = 0;
    char *text = tt_read_file(path, &len, &err);
    if (!text) {
        tt_diags_add(diags, TT_DIAG_ERROR, path, 0, 0, "", "%s", err.msg);
        return NULL;
    }
    tt_sweep *s = tt_sweep_load_text(path, text, len, diags);
    free(text);
    return s;
}

char *tt_sweep_objective_change(const tt_sweep *old, const tt_sweep *sw)
{
    const char *on = old->metric.name ? old->metric.name : "";
    const char *nn = sw->metric.name ? sw->metric.name : "";
    if (strcmp(on, nn) != 0)
        return tt_xasprintf("metric.name cannot change in a study that has trials ('%s' to "
                            "'%s'): their values measure '%s'; start a new study (--dir)",
                            on, nn, on);
    if (old->metric.goal != sw->metric.goal)
        return tt_xasprintf("metric.goal cannot change in a study that has trials: their "
                            "ranking would turn over; start a new study (--dir)");
    return NULL;
}
