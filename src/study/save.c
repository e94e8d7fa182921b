/*
 * study/save — the one way a reader changes a study's search space: write
 * the study's sweep file atomically (the previous one kept as FILE~), then
 * leave a `reload` row in `commands`. The runner alive reloads it on its
 * next tick — it validates the file, keeps its space when the file is
 * invalid, and otherwise records the next space version and its
 * sweep-vK.yaml (runner/commands.c); with none alive the row waits for the
 * next runner (`tunetop run DIR`, the dashboard's R), which does the same
 * at its first tick. The dashboard's editor (Ctrl-S) and `tunetop narrow`
 * both save through here, so a space changes one way whoever changes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

char *tt_study_sweep_file(const tt_study_info *info)
{
    const char *p = info->sweep_path;
    if (!p || !*p)
        return NULL;
    /* A relative path means what it meant where the study was created. */
    if (p[0] != '/' && info->workdir)
        return tt_xasprintf("%s/%s", info->workdir, p);
    return tt_xstrdup(p);
}

static mode_t current_umask(void)
{
    /* umask() cannot be read without setting it, which would race with
     * other threads creating files; Linux shows it in /proc. */
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return mask;
    char buf[256];
    while (fgets(buf, sizeof buf, f))
        if (strncmp(buf, "Umask:", 6) == 0) {
            mask = (mode_t)strtoul(buf + 6, NULL, 8);
            break;
        }
    fclose(f);
    return mask;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Keep the current file as backup: a hard link when the filesystem has
 * them (instant, and the rename below then leaves it the old file), else a
 * copy. */
static int keep_backup(const char *target, const char *backup, tt_error *err)
{
    if (unlink(backup) < 0 && errno != ENOENT)
        return tt_error_set(err, TT_ERR_IO, "cannot replace the backup %s: %s", backup,
                            strerror(errno));
    if (link(target, backup) == 0)
        return 0;
    size_t len;
    tt_error rerr;
    char *old = tt_read_file(target, &len, &rerr);
    if (!old)
        return tt_error_set(err, TT_ERR_IO, "cannot keep a backup of %s: %s", target, rerr.msg);
    int fd = open(backup, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = fd < 0 || write_all(fd, old, len) < 0 || fsync(fd) < 0 ? -1 : 0;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    free(old);
    if (rc < 0)
        return tt_error_set(err, TT_ERR_IO, "cannot write the backup %s: %s", backup,
                            strerror(saved));
    return 0;
}

int tt_study_write_sweep(const char *path, const char *text, size_t len, tt_error *err)
{
    /* Write through a symlink to its target, keeping the link. */
    struct stat st;
    char *target = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        target = realpath(path, NULL);
    if (!target)
        target = tt_xstrdup(path);
    bool exists = stat(target, &st) == 0;
    /* The user's file keeps its mode: it is theirs, not the study's. */
    mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~current_umask());

    char *dir_copy = tt_xstrdup(target), *base_copy = tt_xstrdup(target);
    const char *dir = dirname(dir_copy), *base = basename(base_copy);
    char *tmp = tt_xasprintf("%s/.%s.XXXXXX", dir, base);
    char *backup = tt_xasprintf("%s~", target);
    int rc = 0;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = tt_error_set(err, TT_ERR_IO, "cannot save %s: cannot create a file in %s: %s",
                          path, dir, strerror(errno));
        goto out;
    }
    bool ok = write_all(fd, text, len) == 0 && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) < 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        rc = tt_error_set(err, TT_ERR_IO, "cannot save %s: %s", path, strerror(saved));
        goto out;
    }
    if (exists && (rc = keep_backup(target, backup, err)) < 0) {
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, target) < 0) {
        saved = errno;
        unlink(tmp);
        rc = tt_error_set(err, TT_ERR_IO, "cannot save %s: %s", path, strerror(saved));
        goto out;
    }
    /* The rename itself reaches the disk with the directory. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
out:
    free(dir_copy);
    free(base_copy);
    free(tmp);
    free(backup);
    free(target);
    return rc;
}

int64_t tt_study_save_sweep(tt_store *st, const char *path, const char *text, size_t len,
                            tt_error *err)
{
    int rc = tt_study_write_sweep(path, text, len, err);
    if (rc < 0)
        return rc;
    return tt_store_add_command(st, "reload", NULL, err);
}
