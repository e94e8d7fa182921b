/*
 * optuna — Optuna's RDB storage (SQLite files, schema of Optuna 3.x and
 * 4.x) read live, never written; the format is docs/algorithms.md §8.
 *
 * One Optuna study of a file is mirrored into a tunetop store held in
 * memory (TT_STORE_MEMORY), written through the store's public API: the
 * study row, a sweep file synthesized from the trials' distributions, the
 * trials (numbers + 1: the store numbers from 1; the mirror's
 * tt_store_set_first_number(0) shows them as Optuna does), their decoded
 * parameters, values, states and times, and intermediate values as metric
 * points of the objective. Everything that reads a study (the study
 * module's reader, and through it the CLI and the dashboard) then reads
 * the mirror like any study. tt_optuna_sync brings the mirror up to date
 * with what an Optuna process wrote since: new trials, trials that were
 * running or waiting, new intermediate values.
 *
 * The file is opened SQLITE_OPEN_READONLY and read in short transactions
 * with a short busy timeout: in Optuna's default rollback-journal mode a
 * reader's shared lock holds back the writer's commit, so a read must
 * never linger. A busy file is "nothing new yet", never a wait.
 *
 * It includes store.h and util.h only.
 */
#ifndef TUNETOP_OPTUNA_H
#define TUNETOP_OPTUNA_H

#include <stdbool.h>
#include <stddef.h>

#include "tunetop/store.h"
#include "tunetop/util.h"

typedef struct tt_optuna tt_optuna;

/* The file a target names: "sqlite:///PATH" (SQLAlchemy's URL, as Optuna
 * users write it; "sqlite:////abs" is absolute) gives PATH, anything else
 * is the path itself. Caller frees. */
char *tt_optuna_file(const char *target);

/* Whether path is an SQLite file with Optuna's tables (studies, trials,
 * trial_params, and alembic_version or version_info). Opens it read-only;
 * false for a missing or non-SQLite file and for any other database. */
bool tt_optuna_is_db(const char *path);

/* The names of the studies in an Optuna file, by study id: *names is a
 * malloc'd array of malloc'd strings (tt_optuna_names_free). Returns 0 or
 * a negative code with err filled (not an Optuna file, an unknown schema
 * revision naming the known ones, an unreadable file). */
int tt_optuna_studies(const char *path, char ***names, size_t *n, tt_error *err);
void tt_optuna_names_free(char **names, size_t n);

/* Open the study `study` of the Optuna file at path (NULL: the file's only
 * study; with several, an error naming them; a name that is none of them:
 * an error listing them) and build its mirror with a first sync. Returns
 * NULL with err filled. */
tt_optuna *tt_optuna_open(const char *path, const char *study, tt_error *err);
void tt_optuna_close(tt_optuna *o);

/* Bring the mirror up to date. Returns 1 when something changed, 0 when
 * nothing did (or the file was busy: the next sync reads it), or a
 * negative code with err filled. */
int tt_optuna_sync(tt_optuna *o, tt_error *err);

/* The mirror (borrowed; read it, never write it: tt_optuna_sync does). */
tt_store *tt_optuna_store(tt_optuna *o);
/* The file and the study's name (borrowed). */
const char *tt_optuna_path(const tt_optuna *o);
const char *tt_optuna_study_name(const tt_optuna *o);
/* The objective shown: its name ("value", or the first of the study's
 * metric names), its direction, and how many objectives the study has
 * (a multi-objective study shows its first). */
const char *tt_optuna_metric(const tt_optuna *o);
tt_goal tt_optuna_goal(const tt_optuna *o);
int tt_optuna_objectives(const tt_optuna *o);

#endif
