/*
 * optuna — private interface between the files of the optuna module
 * (prefix opt_): the open file (file.c), the search space rebuilt from
 * the trials' distributions and the sweep file written from it (space.c),
 * and the incremental copy of trials into the mirror (sync.c).
 */
#ifndef TUNETOP_OPTUNA_INTERNAL_H
#define TUNETOP_OPTUNA_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "tunetop/optuna.h"

/* How long a read waits for an Optuna writer's lock. Optuna's own
 * transactions are short (one trial's update); a reader that waited
 * longer would only delay the dashboard's frame, so a busy file is read
 * on the next poll instead. */
#define OPT_BUSY_MS 100
/* The first sync (the CLI's only one) waits longer for a busy file before
 * saying so: it has nothing to show without it. */
#define OPT_FIRST_SYNC_MS 5000

/* One parameter of the space, as the union of the distributions the
 * study's trials used for it (define-by-run: a name may come with another
 * range in a later trial). */
typedef enum { OPT_FLOAT, OPT_INT, OPT_CATEGORICAL } opt_kind;

typedef struct opt_param {
    char *name;
    opt_kind kind;
    double low, high;     /* numeric: the union of the ranges seen */
    double step;          /* 0 when continuous (float) or 1 (int) */
    bool log;
    char **choices;       /* categorical: every choice's text, in order of first sight */
    bool *quoted;         /* whether a choice is a string (quoted in the sweep file) */
    size_t n_choices;
} opt_param;

/* One parameter of one trial, decoded (space.c). */
typedef struct opt_value {
    opt_kind kind;
    double low, high, step;   /* this trial's distribution */
    bool log;
    char *text;           /* as the trial got it: "0.01", "3", "adam" */
    bool quoted;          /* categorical: a string */
    char **choices;       /* categorical: this distribution's choices */
    bool *choice_quoted;
    size_t n_choices;
} opt_value;

/* A distribution's JSON text and what it decodes to. */
typedef struct opt_decoded {
    char *json;
    opt_value dist;
} opt_decoded;

typedef struct opt_space {
    opt_param *params;
    size_t n, cap;
    bool changed;         /* since the sweep file was last written */
    opt_decoded *cache;   /* distributions repeat across trials: decoded once */
    size_t n_cache, cap_cache;
} opt_space;

void opt_value_clear(opt_value *v);
/* Decode one trial_params row: dist_json is its distribution_json,
 * internal its param_value (a category's index, an int as a float).
 * Uses db for SQLite's JSON functions only. Returns 0, or -TT_ERR_INVALID
 * with err naming the distribution it does not know. */
int opt_decode(sqlite3 *db, opt_space *s, const char *name, const char *dist_json,
               double internal, opt_value *out, tt_error *err);
/* Merge a decoded value's distribution into the space (marks it changed
 * when it grows); returns the parameter's index. */
size_t opt_space_add(opt_space *s, const char *name, const opt_value *v);
/* The value's coordinate in the space: the number, or the category's
 * index in the union of choices. */
double opt_space_x(const opt_space *s, size_t i, const opt_value *v);
/* The space as a tunetop sweep file (caller frees). */
char *opt_space_yaml(const opt_space *s, const char *study, const char *metric, tt_goal goal,
                     int n_objectives);
void opt_space_free(opt_space *s);

struct tt_optuna {
    sqlite3 *db;           /* the Optuna file, read-only */
    char *path;
    char *study;
    int64_t study_id;
    char *metric;
    tt_goal goal;
    int n_objectives;
    tt_store *mirror;
    opt_space space;
    long space_version;    /* the mirror's newest sweep version (0: none yet) */
    int64_t last_trial_id; /* trials up to this id have been read once */
    int64_t last_iv_id;    /* intermediate values read up to this id */
    int64_t *open;         /* trials read RUNNING or WAITING: read again each sync */
    size_t n_open, cap_open;
    char **attrs;          /* "number\tkey\tvalue" of user attributes recorded as events */
    size_t n_attrs, cap_attrs;
};

/* Open path read-only with the busy timeout; check it is an Optuna file of
 * a revision we know. Returns the connection or NULL with err filled. */
sqlite3 *opt_open_file(const char *path, tt_error *err);
/* "cannot read FILE: why" for SQLite result rc. */
int opt_fail(sqlite3 *db, int rc, const char *path, tt_error *err);

/* The first sync and every later one (sync.c). */
int opt_sync(tt_optuna *o, tt_error *err);

#endif
