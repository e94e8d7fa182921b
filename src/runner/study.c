/*
 * study — a study's folder: creating it from a sweep file, recognising it,
 * and the lock that makes its runner the only one. Layout (DESIGN.md):
 *   study.db, sweep-v<k>.yaml, runner.lock, runner.log, trials/<n>/
 * Folders are created 0700 and files 0600: a study holds a user's code
 * paths, parameters and results, which are nobody else's business
 * (TUNETOP_SHARED=1: 0777/0666 less the umask; tt_study_dir_mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

bool tt_study_is_dir(const char *path)
{
    struct stat st;
    char *db = tt_xasprintf("%s/study.db", path);
    bool ok = stat(path, &st) == 0 && S_ISDIR(st.st_mode) && stat(db, &st) == 0;
    free(db);
    return ok;
}

long tt_study_runner_pid(const char *study_dir)
{
    char *path = tt_xasprintf("%s/runner.lock", study_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(path);
    if (fd < 0)
        return 0;
    long pid = 0;
    /* The lock is held for the runner's lifetime: if we can take it, no
     * runner is alive, whatever pid the file still names. */
    if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
        flock(fd, LOCK_UN);
    } else if (errno == EWOULDBLOCK) {
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        pid = n > 0 ? strtol(buf, NULL, 10) : 0;
        if (pid <= 0)
            pid = -1; /* alive, pid not yet written */
    }
    close(fd);
    return pid;
}

int tt_study_check_owner(const char *study_dir, tt_error *err)
{
    static const char *const parts[] = {"", "/trials"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *path = tt_xasprintf("%s%s", study_dir, parts[i]);
        struct stat st;
        int rc = 0;
        /* lstat: trials/ replaced by a symlink is refused as well */
        if (lstat(path, &st) != 0)
            rc = errno == ENOENT && i > 0 ? 0
                                          : tt_error_set(err, TT_ERR_IO, "cannot open %s: %s",
                                                         path, strerror(errno));
        else if (i > 0 && !S_ISDIR(st.st_mode))
            rc = tt_error_set(err, TT_ERR_INVALID, "%s is not a folder; refusing to use it",
                              path);
        else if (st.st_uid != geteuid())
            rc = tt_error_set(err, TT_ERR_INVALID,
                              "%s belongs to another user (uid %u); refusing to use it", path,
                              (unsigned)st.st_uid);
        free(path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

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

static int mkdir_owned(const char *path, tt_error *err)
{
    if (mkdir(path, (mode_t)tt_study_dir_mode()) == 0)
        return 0;
    if (errno != EEXIST)
        return tt_error_set(err, TT_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return tt_error_set(err, TT_ERR_IO, "%s exists and is not a folder", path);
    if (st.st_uid != geteuid())
        return tt_error_set(err, TT_ERR_INVALID,
                            "%s belongs to another user (uid %u); refusing to use it", path,
                            (unsigned)st.st_uid);
    return 0;
}

static int write_sweep_copy(const char *dir, long version, const char *text, tt_error *err)
{
    char *path = tt_xasprintf("%s/sweep-v%ld.yaml", dir, version);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  (mode_t)tt_study_file_mode());
    int rc = 0;
    if (fd < 0) {
        rc = tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    } else {
        size_t len = strlen(text), done = 0;
        while (done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0) {
                rc = tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
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
        if (old && tt_store_trials_since(st, 0, &rows, &n, &cap, NULL) == 0 && n > 0)
            why = tt_sweep_objective_change(old, sw);
        for (size_t i = 0; i < n; i++)
            tt_trial_record_clear(&rows[i]);
        free(rows);
        tt_sweep_free(old);
    }
    free(latest);
    if (why) {
        int rc = tt_error_set(err, TT_ERR_INVALID, "%s: %s", abs_path, why);
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

int tt_study_prepare(const char *sweep_path, const char *dir, char **study_dir,
                     struct tt_diags *diags, tt_error *err)
{
    *study_dir = NULL;
    tt_sweep *sweep = tt_sweep_load(sweep_path, diags);
    if (!sweep)
        return tt_error_set(err, TT_ERR_INVALID, "%s is not a valid sweep file", sweep_path);
    /* Every trial would fail for want of a command: say so once, before a
     * study exists, rather than through five failed trials. */
    if (!sweep->program && !sweep->command) {
        bool nni = sweep->format == TT_FORMAT_NNI;
        tt_sweep_free(sweep);
        return tt_error_set(err, TT_ERR_INVALID,
                            "%s has nothing to run: give `program` or `command`%s", sweep_path,
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
        if ((rc = mkdir_owned("tunetop-runs", err)) < 0)
            goto out_name;
        target = tt_xasprintf("tunetop-runs/%s", name);
    }
    char *abs_sweep = realpath(sweep_path, NULL);
    if (!abs_sweep)
        abs_sweep = tt_xstrdup(sweep_path);

    bool existed = tt_study_is_dir(target);
    if ((rc = mkdir_owned(target, err)) < 0)
        goto out;
    char *trials = tt_xasprintf("%s/trials", target);
    rc = mkdir_owned(trials, err);
    /* A folder that was there already (mkdir -p by hand, umask 022) and
     * becomes a new study is made private too, unless sharing was asked. */
    if (rc == 0 && !existed && !tt_study_shared() &&
        (chmod(target, 0700) != 0 || chmod(trials, 0700) != 0))
        rc = tt_error_set(err, TT_ERR_IO, "cannot make %s private: %s", target, strerror(errno));
    free(trials);
    if (rc < 0)
        goto out;

    char *db = tt_xasprintf("%s/study.db", target);
    tt_store *st = tt_store_open(db, existed ? TT_STORE_WRITE : TT_STORE_CREATE, err);
    free(db);
    if (!st) {
        rc = -TT_ERR_IO;
        goto out;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    if (!existed)
        rc = tt_store_init_study(st, name, abs_sweep, cwd, err);
    if (rc == 0)
        rc = add_version_if_changed(st, target, abs_sweep, text, sweep, err);
    tt_store_close(st);
    if (rc == 0)
        *study_dir = tt_xstrdup(target);
out:
    free(abs_sweep);
    free(target);
out_name:
    free(name);
    free(text);
    tt_sweep_free(sweep);
    return rc;
}
