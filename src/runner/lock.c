/*
 * lock — one runner per study: an exclusive flock on runner.lock, held for
 * the runner's lifetime, with the runner's pid written into it once the
 * study is open ("is the sweep alive?" is "is the lock held?").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "internal.h"

int rn_lock_take(rn_runner *r, tt_error *err)
{
    char *path = tt_xasprintf("%s/runner.lock", r->study_dir);
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
                            r->study_dir, holder);
    }
    /* Held, and empty until announce_runner: a starter waiting for our pid
     * (detach.c) must not take a runner that cannot open its study for one
     * that runs. */
    if (ftruncate(fd, 0) != 0) {
        close(fd);
        return tt_error_set(err, TT_ERR_IO, "cannot write the runner lock: %s", strerror(errno));
    }
    r->lock_fd = fd;
    return 0;
}

/* The study is open and loaded: our pid into the lock, for `status` and
 * for the starter waiting on it. */
int rn_lock_announce(rn_runner *r, tt_error *err)
{
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (pwrite(r->lock_fd, pid, (size_t)len, 0) != len)
        return tt_error_set(err, TT_ERR_IO, "cannot write the runner lock: %s", strerror(errno));
    return 0;
}
