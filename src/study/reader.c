/*
 * study/reader — the one reader of a study that the CLI's read-only
 * commands (status, best, export, importance: once, from a snapshot) and
 * the dashboard (polled, ui/model.c) share: the same checks and messages
 * when opening, the study row, the newest sweep version (which names the
 * objective and its goal), the trial rows changed since the last read, and
 * whether the runner is alive. Reads are incremental — trial rows by seq,
 * the sweep only when the study's space version moved — so the dashboard
 * can poll it every frame. It never writes.
 *
 * An Optuna file is read through the optuna module: its mirror is the
 * reader's store, each poll syncs it first, and the objective's name and
 * goal are the optuna module's (the mirror's sweep file may not load: a
 * study without parameters yet has an empty space).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Why path, an existing file, is not something we read: the optuna
 * module's probe says (not SQLite, no Optuna tables). */
static int not_a_study_file(const char *path, tt_error *err)
{
    char **names = NULL;
    size_t n = 0;
    int rc = tt_optuna_studies(path, &names, &n, err);
    tt_optuna_names_free(names, n);
    if (rc == 0) /* cannot happen: the probe said no */
        rc = tt_error_set(err, TT_ERR_INVALID, "%s is neither a tunetop study nor an Optuna "
                          "database", path);
    return rc;
}

static int open_optuna(tt_study_reader *r, const char *path, const char *study, tt_error *err)
{
    r->optuna = tt_optuna_open(path, study, err);
    if (!r->optuna)
        return -TT_ERR_INVALID;
    r->store = tt_optuna_store(r->optuna);
    r->dir = tt_xstrdup(path);
    r->metric = tt_optuna_metric(r->optuna);
    r->goal = tt_optuna_goal(r->optuna);
    return 0;
}

int tt_study_reader_open(tt_study_reader *r, const char *target, tt_store_mode mode,
                         tt_error *err)
{
    memset(r, 0, sizeof *r);
    r->metric = "value";
    r->goal = TT_GOAL_MINIMIZE;
    char *dir = NULL, *study = NULL;
    tt_study_kind kind = tt_study_target(target, &dir, &study);
    int rc = 0;
    if (kind == TT_STUDY_OPTUNA) {
        rc = open_optuna(r, dir, study, err);
    } else if (kind == TT_STUDY_FOLDER && study) {
        rc = tt_error_set(err, TT_ERR_INVALID, "%s is a tunetop study: a study name (--study "
                          "%s) picks one of an Optuna file's studies", dir, study);
    } else if (kind == TT_STUDY_FOLDER) {
        r->store = tt_study_open_store(dir, mode, err);
        rc = r->store ? 0 : -TT_ERR_IO;
        if (r->store)
            r->dir = tt_xstrdup(dir);
    } else {
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISREG(sb.st_mode))
            rc = not_a_study_file(dir, err);
        else
            rc = tt_error_set(err, TT_ERR_INVALID, "%s is not a tunetop study (no study.db in it)",
                              dir);
    }
    free(dir);
    free(study);
    return rc;
}

void tt_study_reader_close(tt_study_reader *r)
{
    tt_study_info_clear(&r->info);
    if (r->sweep)
        tt_sweep_free(r->sweep);
    if (r->optuna)
        tt_optuna_close(r->optuna); /* and its mirror, r->store */
    else if (r->store)
        tt_store_close(r->store);
    free(r->dir);
    memset(r, 0, sizeof *r);
}

/* The newest sweep version: objective name and goal. One that does not
 * load (a tunetop that no longer accepts it) leaves the previous one;
 * returns whether a new one was loaded. */
static bool load_sweep(tt_study_reader *r)
{
    char *text = tt_store_get_space(r->store, 0, NULL);
    r->sweep_version = r->info.space_version;
    if (!text)
        return false;
    tt_diags diags = {0};
    char name[64];
    snprintf(name, sizeof name, "sweep-v%ld.yaml", r->info.space_version);
    tt_sweep *sw = tt_sweep_load_text(name, text, strlen(text), &diags);
    tt_diags_free(&diags);
    free(text);
    if (!sw)
        return false;
    if (r->sweep)
        tt_sweep_free(r->sweep);
    r->sweep = sw;
    if (!r->optuna) {
        r->metric = sw->metric.name ? sw->metric.name : "value";
        r->goal = sw->metric.goal;
    }
    return true;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int tt_study_reader_poll(tt_study_reader *r, tt_error *err)
{
    if (r->optuna && tt_optuna_sync(r->optuna, err) < 0)
        return -TT_ERR_IO;
    tt_study_info info = {0};
    int rc = tt_store_get_study(r->store, &info, err);
    if (rc < 0) {
        tt_study_info_clear(&info);
        return rc;
    }
    int changed = 0;
    if (!r->info.name || info.state != r->info.state ||
        info.space_version != r->info.space_version || info.elapsed_s != r->info.elapsed_s ||
        !same_text(info.stop_reason, r->info.stop_reason))
        changed |= TT_STUDY_READ_INFO;
    tt_study_info_clear(&r->info);
    r->info = info;
    if ((!r->sweep || r->sweep_version != r->info.space_version) && load_sweep(r))
        changed |= TT_STUDY_READ_SWEEP;
    return changed;
}

int tt_study_reader_trials(tt_study_reader *r, size_t limit, tt_trial_record **rows, size_t *n,
                           size_t *cap, tt_error *err)
{
    size_t from = *n;
    if (tt_store_trials_since(r->store, r->last_seq, limit, rows, n, cap, err) < 0)
        return -TT_ERR_IO;
    for (size_t i = from; i < *n; i++)
        if ((*rows)[i].seq > r->last_seq)
            r->last_seq = (*rows)[i].seq;
    return 0;
}

long tt_study_reader_runner(tt_study_reader *r)
{
    /* Optuna's own process is no tunetop runner */
    r->runner_pid = r->optuna ? 0 : tt_study_runner_pid(r->dir);
    return r->runner_pid;
}
