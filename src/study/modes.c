/*
 * study/modes — who may read a study and use its folder. Folders are
 * created 0700 and files 0600: a study holds a user's code paths,
 * parameters and results, which are nobody else's business
 * (TUNETOP_SHARED=1: 0777/0666 less the umask). A folder or trials/ that
 * belongs to another user, or a trials/ that is a symlink, is refused:
 * their commands would run as us.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

bool tt_study_shared(void)
{
    const char *v = getenv("TUNETOP_SHARED");
    return v && strcmp(v, "1") == 0;
}

unsigned tt_study_dir_mode(void)
{
    return tt_study_shared() ? 0777 : 0700;
}

unsigned tt_study_file_mode(void)
{
    return tt_study_shared() ? 0666 : 0600;
}

int tt_study_check_owner(const char *study_dir, tt_error *err)
{
    static const char *const parts[] = {"", "/trials"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *path = i == 0 ? tt_xstrdup(study_dir) : tt_study_trials_dir(study_dir);
        char buf[TT_SHORT_TEXT_SIZE];
        const char *shown = tt_short_text(path, buf);
        struct stat st;
        int rc = 0;
        /* lstat: trials/ replaced by a symlink is refused as well */
        if (lstat(path, &st) != 0)
            rc = errno == ENOENT && i > 0 ? 0
                                          : tt_error_set(err, TT_ERR_IO, "cannot open %s: %s",
                                                         shown, strerror(errno));
        else if (i > 0 && !S_ISDIR(st.st_mode))
            rc = tt_error_set(err, TT_ERR_INVALID, "%s is not a folder; refusing to use it",
                              shown);
        else if (st.st_uid != geteuid())
            rc = tt_error_set(err, TT_ERR_INVALID,
                              "%s belongs to another user (uid %u); refusing to use it", shown,
                              (unsigned)st.st_uid);
        free(path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int study_mkdir_owned(const char *path, tt_error *err)
{
    if (mkdir(path, (mode_t)tt_study_dir_mode()) == 0)
        return 0;
    char buf[TT_SHORT_TEXT_SIZE];
    const char *shown = tt_short_text(path, buf);
    if (errno != EEXIST)
        return tt_error_set(err, TT_ERR_IO, "cannot create %s: %s", shown, strerror(errno));
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return tt_error_set(err, TT_ERR_IO, "%s exists and is not a folder", shown);
    if (st.st_uid != geteuid())
        return tt_error_set(err, TT_ERR_INVALID,
                            "%s belongs to another user (uid %u); refusing to use it", shown,
                            (unsigned)st.st_uid);
    return 0;
}

/* Created here rather than by SQLite so that it is 0600 whatever the
 * umask; SQLite gives the -wal and -shm files the database's mode. */
int study_create_file(const char *path, tt_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  (mode_t)tt_study_file_mode());
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return tt_error_set(err, TT_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    }
    int rc = 0;
    if (!tt_study_shared() && fchmod(fd, 0600) != 0)
        rc = tt_error_set(err, TT_ERR_IO, "cannot set the mode of %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}
