/*
 * study/target — what a path given on the command line names: a study
 * folder, a study folder's own study.db (that folder: `tunetop
 * DIR/study.db` opens the study, as `tunetop DIR` does), or an Optuna
 * database (a file, or SQLAlchemy's sqlite:///FILE as Optuna users write
 * it), optionally with #STUDY to pick one of the file's studies. A file
 * named study.db may be either tool's: the tables decide (the optuna
 * module's tt_optuna_is_db), never the name. The study module owns the
 * folder's layout, so this is where study.db is told apart.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The folder whose study.db path is, or NULL. */
static char *folder_of_db(const char *path)
{
    char *copy = tt_xstrdup(path);
    char *copy2 = tt_xstrdup(path);
    char *dir = tt_xstrdup(dirname(copy));
    char *db = tt_study_db_path(dir);
    /* the folder's own study.db, by the same path the layout builds */
    char *base_db = tt_xstrdup(basename(db));
    bool ours = strcmp(basename(copy2), base_db) == 0 && tt_study_is_dir(dir);
    free(copy);
    free(copy2);
    free(db);
    free(base_db);
    if (!ours) {
        free(dir);
        return NULL;
    }
    return dir;
}

tt_study_kind tt_study_target(const char *target, char **path, char **study)
{
    *study = NULL;
    char *file = tt_optuna_file(target);
    char *hash = strrchr(file, '#');
    /* '#' starts a study name only when the whole is no file */
    if (hash && !exists(file)) {
        *hash = '\0';
        *study = tt_xstrdup(hash + 1);
    }
    *path = file;
    if (tt_study_is_dir(file)) {
        /* a folder holding an Optuna file called study.db (Optuna users
         * name theirs so too) is that file's study, not a broken folder */
        char *db = tt_study_db_path(file);
        if (tt_optuna_is_db(db)) {
            free(*path);
            *path = db;
            return TT_STUDY_OPTUNA;
        }
        free(db);
        return TT_STUDY_FOLDER;
    }
    if (!is_file(file))
        return TT_STUDY_NONE;
    if (tt_optuna_is_db(file))
        return TT_STUDY_OPTUNA;
    char *dir = folder_of_db(file);
    if (dir) {
        free(*path);
        *path = dir;
        return TT_STUDY_FOLDER;
    }
    return TT_STUDY_NONE;
}

char *tt_study_target_with(const char *target, const char *study)
{
    return study ? tt_xasprintf("%s#%s", target, study) : tt_xstrdup(target);
}
