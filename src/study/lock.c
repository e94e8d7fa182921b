/*
 * study/lock — runner.lock, which makes a study's runner the only one: an
 * exclusive flock held for the runner's lifetime (the kernel drops it when
 * the runner dies, however it dies), so "is the sweep alive?" is "is the
 * lock held?", and the runner's pid written in it once the runner has
 * opened and loaded its study, for `status` and for a starter waiting on
 * it (cli/detach.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "internal.h"

int tt_study_lock(const char *study_dir, tt_error *err)
{
    char *path = tt_study_lock_path(study_dir);
    int fd = tt_open_regular(AT_FDCWD, path, O_RDWR | O_CREAT, tt_study_file_mode());
    if (fd < 0) {
        int rc = tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", path, tt_open_error(errno));
        free(path);
        return rc;
    }
    free(path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        /* The lock holds "PID\n": its text printed as it is put the
         * newline inside the parentheses. Read it as the number it is. */
        char buf[32] = {0}, holder[32] = "?";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        long held_by = n > 0 ? strtol(buf, NULL, 10) : 0;
        if (held_by > 0)
            snprintf(holder, sizeof holder, "%ld", held_by);
        return tt_error_set(err, TT_ERR_INVALID,
                            "a runner is already running for %s (pid %s); use `tunetop status`",
                            study_dir, holder);
    }
    /* Held, and empty until tt_study_lock_announce: a starter waiting for
     * our pid (detach.c) must not take a runner that cannot open its study
     * for one that runs. */
    if (ftruncate(fd, 0) != 0) {
        close(fd);
        return tt_error_set(err, TT_ERR_IO, "cannot write the runner lock: %s", strerror(errno));
    }
    return fd;
}

int tt_study_lock_announce(int fd, tt_error *err)
{
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (pwrite(fd, pid, (size_t)len, 0) != len)
        return tt_error_set(err, TT_ERR_IO, "cannot write the runner lock: %s", strerror(errno));
    return 0;
}

long tt_study_runner_pid(const char *study_dir)
{
    char *path = tt_study_lock_path(study_dir);
    /* A FIFO planted as runner.lock must not hang `status`. */
    int fd = tt_open_regular(AT_FDCWD, path, O_RDONLY, 0);
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
