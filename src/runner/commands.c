/*
 * commands — what the dashboard and the CLI ask of the runner. They insert
 * rows in the store's command table; the runner executes each on its next
 * tick, in order, and acknowledges it with "ok" or the reason it could not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static rn_live *find_live(rn_runner *r, long number)
{
    for (size_t i = 0; i < r->n_live; i++)
        if (r->live[i]->number == number)
            return r->live[i];
    return NULL;
}

static void set_state(rn_runner *r, tt_study_state s)
{
    r->state = s;
    tt_store_set_study_state(r->store, s, NULL);
}

/* What a reload cannot change while the study runs, named; NULL when sw
 * may replace old. The objective is what every stored value means, and
 * trials in flight run on the executor they were started on. */
static char *cannot_change_live(const tt_sweep *old, const tt_sweep *sw)
{
    char *why = tt_sweep_objective_change(old, sw);
    if (why)
        return why;
    if (old->executor.kind != sw->executor.kind)
        return tt_xasprintf("executor cannot change in a running study: its trials run on "
                            "the executor they started on; stop it first");
    return NULL;
}

static bool prunes(const tt_sweep *sw)
{
    return sw->metric.name && (sw->pruner.kind != TT_PRUNER_NONE || sw->early_terminate.enabled);
}

/* The new file's keys that need more than r->sweep replaced: what the
 * runner keeps outside the sweep (every other key is read from r->sweep
 * when it is used; README, "Reloading a sweep"). The new sweep is set
 * already; old_parallel and pruned_before are what the replaced one said. */
static void apply_reload(rn_runner *r, long old_parallel, bool pruned_before)
{
    const tt_sweep *sw = r->sweep;
    /* The file's parallel wins when it changed; a `+`/`-` from the
     * dashboard stays while the file's value does not change. */
    if (sw->parallel != old_parallel)
        r->parallel = sw->parallel > 0 ? sw->parallel : 1;
    if (sw->has_seed)
        r->seed = sw->seed;
    if (prunes(sw) && !pruned_before) {
        rn_prune_free(r); /* the curves of the history, for the new pruner */
        rn_prune_load(r);
    }
    /* Budgets, the target and the failure rule are judged again. */
    r->exhausted = false;
    r->no_new_trials = false;
    r->failed_in_row = 0;
    /* A sweep already stopping (the user, repeated failures) keeps why. */
    if (!r->stop_after_running) {
        free(r->stop_reason);
        r->stop_reason = NULL;
    }
    rn_schedule_check_target(r);
}

/* Re-read the sweep file the study was created from. An invalid file keeps
 * the current space; the errors are recorded as an event. */
static char *reload(rn_runner *r)
{
    tt_study_info info = {0};
    tt_error err = {0};
    if (tt_store_get_study(r->store, &info, &err) < 0)
        return tt_xstrdup(err.msg);
    char *result = NULL;
    tt_diags diags = {0};
    tt_sweep *sw = tt_sweep_load(info.sweep_path, &diags);
    if (!sw) {
        tt_buf b = {0};
        tt_buf_printf(&b, "reload of %s failed; keeping sweep v%ld:", info.sweep_path,
                      r->space_version);
        for (size_t i = 0; i < diags.n; i++)
            if (diags.items[i].severity == TT_DIAG_ERROR)
                tt_buf_printf(&b, " %d:%d: %s: %s;", diags.items[i].line, diags.items[i].col,
                              diags.items[i].path, diags.items[i].message);
        result = tt_buf_take(&b);
        rn_runner_event(r, -1, "reload", "%s", result);
        goto out;
    }
    char *why_not = cannot_change_live(r->sweep, sw);
    if (why_not) {
        result = tt_xasprintf("reload of %s refused; keeping sweep v%ld: %s", info.sweep_path,
                              r->space_version, why_not);
        rn_runner_event(r, -1, "reload", "%s", result);
        free(why_not);
        goto out;
    }
    char *text = tt_read_file(info.sweep_path, NULL, &err);
    char *latest = tt_store_get_space(r->store, 0, NULL);
    if (!text) {
        result = tt_xstrdup(err.msg);
    } else if (latest && strcmp(latest, text) == 0 && info.space_version == r->space_version) {
        result = tt_xstrdup("ok: unchanged");
    } else {
        long v = info.space_version;
        if (!latest || strcmp(latest, text) != 0)
            v = tt_store_add_space(r->store, info.sweep_path, text, &err);
        if (v < 0) {
            result = tt_xstrdup(err.msg);
        } else {
            /* Not fopen: a symlink planted as sweep-vN.yaml is not written
             * through, and the copy is private like the rest of the study. */
            char *copy = tt_study_sweep_path(r->study_dir, v);
            int fd = tt_open_regular(AT_FDCWD, copy, O_WRONLY | O_CREAT | O_TRUNC,
                                     tt_study_file_mode());
            size_t len = strlen(text);
            if (fd < 0 || write(fd, text, len) != (ssize_t)len)
                rn_runner_event(r, -1, "warning", "cannot write %s: %s", copy,
                                tt_open_error(errno));
            if (fd >= 0)
                close(fd);
            free(copy);
            long old_parallel = r->sweep->parallel;
            bool pruned_before = prunes(r->sweep);
            rn_sweep_set(r, sw);
            sw = NULL;
            apply_reload(r, old_parallel, pruned_before);
            r->space_version = v;
            result = tt_xasprintf("ok: sweep v%ld", v);
            rn_runner_event(r, -1, "reload", "sweep file reloaded as v%ld", v);
        }
    }
    free(text);
    free(latest);
out:
    if (sw)
        tt_sweep_free(sw);
    tt_diags_free(&diags);
    tt_study_info_clear(&info);
    return result;
}

static char *execute(rn_runner *r, const tt_command *c)
{
    const char *k = c->kind;
    if (strcmp(k, "pause") == 0) {
        set_state(r, TT_STUDY_PAUSED);
        rn_runner_event(r, -1, "state", "paused: no new trials until resumed");
    } else if (strcmp(k, "resume") == 0) {
        r->stop_after_running = false;
        free(r->stop_reason);
        r->stop_reason = NULL;
        set_state(r, TT_STUDY_RUNNING);
        rn_runner_event(r, -1, "state", "resumed");
    } else if (strcmp(k, "stop") == 0) {
        rn_schedule_stop_reason(r, "stopped by the user");
        r->stop_after_running = true;
        rn_runner_event(r, -1, "state", "stopping: running trials finish, no new ones");
    } else if (strcmp(k, "stop_now") == 0) {
        rn_schedule_stop_reason(r, "stopped by the user (running trials killed)");
        r->stop_after_running = true;
        rn_runs_stop_all(r, "stopped by the user");
        rn_runner_event(r, -1, "state", "stopping now: running trials are killed");
    } else if (strcmp(k, "kill") == 0) {
        long n = c->arg ? strtol(c->arg, NULL, 10) : 0;
        rn_live *lv = find_live(r, n);
        if (!lv)
            return tt_xasprintf("trial %s is not running", c->arg ? c->arg : "?");
        /* Every run of it, and none starts after. */
        rn_runs_request_end(r, n, RN_END_KILL, "killed by the user");
    } else if (strcmp(k, "parallel") == 0) {
        long n = c->arg ? strtol(c->arg, NULL, 10) : 0;
        if (n < 1 || n > 4096)
            return tt_xasprintf("parallel must be 1..4096, got '%s'", c->arg ? c->arg : "");
        r->parallel = n;
        rn_runner_event(r, -1, "state", "parallel set to %ld", n);
    } else if (strcmp(k, "reload") == 0) {
        return reload(r);
    } else if (strcmp(k, "enqueue") == 0) {
        if (!c->arg)
            return tt_xstrdup("enqueue needs parameters");
        tt_assignment a = tt_assignment_new(r->sweep->space->n);
        tt_error err = {0};
        int rc = tt_config_parse_params(r->sweep->space, c->arg, &a, &err);
        tt_assignment_free(&a);
        if (rc < 0)
            return tt_xasprintf("rejected: %s", err.msg);
        tt_grow((void **)&r->enqueued, &r->cap_enqueued, r->n_enqueued + 1, sizeof *r->enqueued);
        r->enqueued[r->n_enqueued++] = tt_xstrdup(c->arg);
        r->exhausted = false;
    } else {
        return tt_xasprintf("unknown command '%s'", k);
    }
    return tt_xstrdup("ok");
}

void rn_commands_poll(rn_runner *r)
{
    tt_command *cmds = NULL;
    size_t n = 0;
    tt_error err = {0};
    if (tt_store_pending_commands(r->store, &cmds, &n, &err) < 0) {
        rn_runner_say(r, "cannot read commands: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *result = execute(r, &cmds[i]);
        if (tt_store_ack_command(r->store, cmds[i].id, result, &err) < 0)
            rn_runner_say(r, "cannot acknowledge a command: %s", err.msg);
        free(result);
    }
    tt_command_list_free(cmds, n);
}
