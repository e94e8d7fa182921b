/*
 * study/prepare — creating a study from a sweep file, or updating one: the
 * folder (./tunetop-runs/<name>/ or the one given), trials/, study.db, the
 * study row and, when the file changed, a new space version and its
 * sweep-vK.yaml. It runs in the CLI process of `tunetop run FILE` and
 * `tunetop SWEEP.yaml`, under a flock on the folder, also while a runner
 * is alive (which the caller then asks to reload).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The study name when the file gives none: its stem ("sweep.yaml" → "sweep"). */
static char *file_stem(const char *path)
{
    char *copy = tt_xstrdup(path);
    char *base = tt_xstrdup(basename(copy));
    free(copy);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return base;
}

/* Study names become folder names: keep them to a safe alphabet. */
static char *safe_name(const char *name)
{
    char *s = tt_xstrdup(name);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    if (s[0] == '.' || s[0] == '\0') {
        char *t = tt_xasprintf("study%s", s);
        free(s);
        s = t;
    }
    return s;
}

/* The folder of a study named name under tunetop-runs/. A name longer
 * than a folder name may be (NAME_MAX bytes, a 10 KB `name`) could never
 * be one: it keeps its first 64 bytes and gets a hash of the whole, so
 * that it names a folder of its own. Shorter names are kept as they are
 * (the folders of existing studies). */
static char *folder_name(const char *name)
{
    size_t len = strlen(name);
    if (len <= NAME_MAX)
        return tt_xstrdup(name);
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    return tt_xasprintf("%.64s-%016llx", name, (unsigned long long)h);
}

static int write_sweep_copy(const char *dir, long version, const char *text, tt_error *err)
{
    char *path = tt_study_sweep_path(dir, version);
    int fd = tt_open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, tt_study_file_mode());
    int rc = 0;
    if (fd < 0) {
        char buf[TT_SHORT_TEXT_SIZE];
        rc = tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", tt_short_text(path, buf),
                          tt_open_error(errno));
    } else {
        size_t len = strlen(text), done = 0;
        while (done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0) {
                char buf[TT_SHORT_TEXT_SIZE];
                rc = tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", tt_short_text(path, buf),
                                  strerror(errno));
                break;
            }
            done += (size_t)w;
        }
        close(fd);
    }
    free(path);
    return rc;
}

/* Record text as a new space version unless it equals the newest one. */
static int add_version_if_changed(tt_store *st, const char *dir, const char *abs_path,
                                  const char *text, const tt_sweep *sw, tt_error *err)
{
    char *latest = tt_store_get_space(st, 0, NULL);
    bool same = latest && strcmp(latest, text) == 0;
    /* A new version may not change what the stored trials' values mean. */
    char *why = NULL;
    if (latest && !same) {
        tt_diags diags = {0};
        tt_sweep *old = tt_sweep_load_text("latest", latest, strlen(latest), &diags);
        tt_diags_free(&diags);
        tt_trial_record *rows = NULL;
        size_t n = 0, cap = 0;
        if (old && tt_store_trials_since(st, 0, 0, &rows, &n, &cap, NULL) == 0 && n > 0)
            why = tt_sweep_objective_change(old, sw);
        for (size_t i = 0; i < n; i++)
            tt_trial_record_clear(&rows[i]);
        free(rows);
        tt_sweep_free(old);
    }
    free(latest);
    if (why) {
        char buf[TT_SHORT_TEXT_SIZE];
        int rc = tt_error_set(err, TT_ERR_INVALID, "%s: %s", tt_short_text(abs_path, buf), why);
        free(why);
        return rc;
    }
    if (same)
        return 0;
    long v = tt_store_add_space(st, abs_path, text, err);
    if (v < 0)
        return (int)v;
    return write_sweep_copy(dir, v, text, err);
}

/* Two `tunetop run SWEEP --dir D` of a new study at once both created,
 * migrated and recorded D/study.db: SQLite refused one of them ("database
 * is locked" while the other switched it to WAL, or a schema seen half
 * made). Preparing a folder is short, so one process at a time does it:
 * an exclusive flock on the folder itself, released when fd is closed.
 * Returns the fd, or -1 with err set. */
static int lock_folder(const char *target, tt_error *err)
{
    int fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    int rc = 0;
    while (fd >= 0 && (rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (fd < 0 || rc != 0) {
        char buf[TT_SHORT_TEXT_SIZE];
        tt_error_set(err, TT_ERR_IO, "cannot lock %s: %s", tt_short_text(target, buf),
                     strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* 1 when the study's row is there, 0 when the database holds none yet (a
 * run killed between creating study.db and recording the study, or
 * `: > D/study.db`), or a negative code. */
static int study_recorded(tt_store *st, tt_error *err)
{
    tt_study_info info = {0};
    tt_error e = {0};
    int rc = tt_store_get_study(st, &info, &e);
    tt_study_info_clear(&info);
    if (rc == -TT_ERR_INVALID)
        return 0;
    if (rc < 0 && err)
        *err = e;
    return rc < 0 ? rc : 1;
}

/* A folder that becomes a new study (made by hand beforehand, umask 022,
 * or holding an empty study.db) is made private too, unless sharing was
 * asked: the folders 0700, the database and its WAL files 0600. */
static int make_private(const char *target, tt_error *err)
{
    static const char *const parts[] = {"", "/trials", "/study.db", "/study.db-wal",
                                        "/study.db-shm"};
    int rc = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && rc == 0; i++) {
        char *path = tt_xasprintf("%s%s", target, parts[i]);
        if (chmod(path, i < 2 ? 0700 : 0600) != 0 && (i < 2 || errno != ENOENT)) {
            char buf[TT_SHORT_TEXT_SIZE];
            rc = tt_error_set(err, TT_ERR_IO, "cannot make %s private: %s",
                              tt_short_text(path, buf), strerror(errno));
        }
        free(path);
    }
    return rc;
}

/* Whether the study is recorded with text as its newest space version: the
 * usual case (the same file run again, the dashboard opened on it), which
 * needs no write, so it does not wait for a runner's tick to commit. */
static bool study_unchanged(tt_store *st, const char *text)
{
    if (study_recorded(st, NULL) != 1)
        return false;
    char *latest = tt_store_get_space(st, 0, NULL);
    bool same = latest && strcmp(latest, text) == 0;
    free(latest);
    return same;
}

/* The study row (when the database has none yet) and the sweep's space
 * version, in one transaction: two `tunetop run` of a new study at once
 * record one study and one version, and a crash leaves both or neither. */
static int record_study(tt_store *st, const char *target, const char *name,
                        const char *abs_sweep, const char *text, const tt_sweep *sw,
                        tt_error *err)
{
    if (study_unchanged(st, text))
        return 0;
    if (tt_store_begin(st, err) < 0)
        return -TT_ERR_IO;
    int rc = study_recorded(st, err);
    if (rc == 0) {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, ".");
        rc = tt_store_init_study(st, name, abs_sweep, cwd, err);
    }
    if (rc >= 0)
        rc = add_version_if_changed(st, target, abs_sweep, text, sw, err);
    if (rc < 0) {
        tt_store_rollback(st);
        return rc;
    }
    return tt_store_commit(st, err) < 0 ? -TT_ERR_IO : 0;
}

int tt_study_prepare(const char *sweep_path, const char *dir, char **study_dir,
                     tt_diags *diags, tt_error *err)
{
    *study_dir = NULL;
    char buf[TT_SHORT_TEXT_SIZE];
    const char *sweep_shown = tt_short_text(sweep_path, buf);
    tt_sweep *sweep = tt_sweep_load(sweep_path, diags);
    if (!sweep)
        return tt_error_set(err, TT_ERR_INVALID, "%s is not a valid sweep file", sweep_shown);
    /* Every trial would fail for want of a command: say so once, before a
     * study exists, rather than through five failed trials. */
    if (!sweep->program && !sweep->command) {
        bool nni = sweep->format == TT_FORMAT_NNI;
        tt_sweep_free(sweep);
        return tt_error_set(err, TT_ERR_INVALID,
                            "%s has nothing to run: give `program` or `command`%s", sweep_shown,
                            nni ? " in a sweep file whose `search_space:` is this NNI search "
                                  "space (NNI keeps the command in its experiment config)"
                                : "");
    }
    char *text = tt_read_file(sweep_path, NULL, err);
    if (!text) {
        tt_sweep_free(sweep);
        return -TT_ERR_IO;
    }
    char *stem = sweep->name ? tt_xstrdup(sweep->name) : file_stem(sweep_path);
    char *name = safe_name(stem);
    free(stem);
    char *target;
    int rc = 0;
    if (dir) {
        target = tt_xstrdup(dir);
    } else {
        if ((rc = study_mkdir_owned(TT_STUDY_RUNS_DIR, err)) < 0)
            goto out_name;
        char *folder = folder_name(name);
        target = tt_xasprintf("%s/%s", TT_STUDY_RUNS_DIR, folder);
        free(folder);
    }
    char *abs_sweep = realpath(sweep_path, NULL);
    if (!abs_sweep)
        abs_sweep = tt_xstrdup(sweep_path);

    if ((rc = study_mkdir_owned(target, err)) < 0)
        goto out;
    int lock = lock_folder(target, err);
    if (lock < 0) {
        rc = -TT_ERR_IO;
        goto out;
    }
    bool existed = tt_study_is_dir(target);
    char *trials = tt_study_trials_dir(target);
    rc = study_mkdir_owned(trials, err);
    free(trials);
    if (rc < 0)
        goto out_unlock;

    tt_store *st = tt_study_open_store(target, existed ? TT_STORE_WRITE : TT_STORE_CREATE, err);
    if (!st) {
        rc = -TT_ERR_IO;
        goto out_unlock;
    }
    /* Whether this is a new study is what the database says, not whether
     * study.db exists: one without a study row becomes the study now. */
    rc = study_recorded(st, err);
    if (rc == 0 && !tt_study_shared())
        rc = make_private(target, err);
    if (rc >= 0)
        rc = record_study(st, target, name, abs_sweep, text, sweep, err);
    tt_store_close(st);
    if (rc == 0)
        *study_dir = tt_xstrdup(target);
out_unlock:
    close(lock);
out:
    free(abs_sweep);
    free(target);
out_name:
    free(name);
    free(text);
    tt_sweep_free(sweep);
    return rc;
}
