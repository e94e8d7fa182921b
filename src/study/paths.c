/*
 * study/paths — the layout of a study folder (docs/architecture.md, "The
 * study folder"), in one place: every other module asks for a path here
 * rather than spelling it, so the layout can change without a hunt.
 *   study.db, sweep-vK.yaml, runner.lock, runner.log,
 *   trials/N/ (trials/N/fold-F/, repeat-R/, fold-F-repeat-R/ for a trial
 *   of several runs), trials/.unrecorded/
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"

char *tt_study_db_path(const char *study_dir)
{
    return tt_xasprintf("%s/study.db", study_dir);
}

char *tt_study_lock_path(const char *study_dir)
{
    return tt_xasprintf("%s/runner.lock", study_dir);
}

char *tt_study_log_path(const char *study_dir)
{
    return tt_xasprintf("%s/runner.log", study_dir);
}

char *tt_study_sweep_path(const char *study_dir, long version)
{
    return tt_xasprintf("%s/sweep-v%ld.yaml", study_dir, version);
}

char *tt_study_trials_dir(const char *study_dir)
{
    return tt_xasprintf("%s/trials", study_dir);
}

char *tt_study_trial_dir(const char *study_dir, long trial)
{
    return tt_xasprintf("%s/trials/%ld", study_dir, trial);
}

char *tt_study_run_dir(const char *study_dir, long trial, int folds, int repeats, int run)
{
    int f = tt_run_fold(folds, repeats, run), r = tt_run_repeat(folds, repeats, run);
    if (f >= 0 && r >= 0)
        return tt_xasprintf("%s/trials/%ld/fold-%d-repeat-%d", study_dir, trial, f, r);
    if (f >= 0)
        return tt_xasprintf("%s/trials/%ld/fold-%d", study_dir, trial, f);
    return tt_xasprintf("%s/trials/%ld/repeat-%d", study_dir, trial, r >= 0 ? r : run);
}

char *tt_study_unrecorded_dir(const char *study_dir)
{
    return tt_xasprintf("%s/trials/.unrecorded", study_dir);
}

bool tt_study_is_dir(const char *path)
{
    struct stat st;
    char *db = tt_study_db_path(path);
    bool ok = stat(path, &st) == 0 && S_ISDIR(st.st_mode) && stat(db, &st) == 0;
    free(db);
    return ok;
}

double tt_study_modified(const char *study_dir)
{
    /* The runner's commits land in the WAL first: its mtime is the newer
     * one while a sweep runs. */
    char *db = tt_study_db_path(study_dir);
    char *wal = tt_xasprintf("%s-wal", db);
    struct stat st;
    double t = 0;
    if (stat(db, &st) == 0)
        t = (double)st.st_mtime;
    if (stat(wal, &st) == 0 && (double)st.st_mtime > t)
        t = (double)st.st_mtime;
    free(db);
    free(wal);
    return t;
}

tt_store *tt_study_open_store(const char *study_dir, tt_store_mode mode, tt_error *err)
{
    char *db = tt_study_db_path(study_dir);
    /* A new study.db gets the study's file mode (TUNETOP_SHARED), which the
     * store does not know of. */
    tt_store *st = NULL;
    if (mode != TT_STORE_CREATE || study_create_file(db, err) == 0)
        st = tt_store_open(db, mode, err);
    free(db);
    return st;
}
