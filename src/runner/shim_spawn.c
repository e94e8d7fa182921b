/*
 * shim_spawn — the runner's end of a shim started by exec: finding the
 * program (tunetop-shim next to tunetop, else tunetop itself), starting
 * `PROGRAM __shim TRIAL_DIR --grace G -- ARGV...` detached, and reading the
 * exit.status a shim leaves (any shim: exec'd, pooled or a Slurm job's).
 *
 * The local runner mostly starts trials on pooled shims
 * (zygote_client.c); an exec per trial is the fallback when the zygote
 * cannot serve. The argv, the signals kept blocked and the status format
 * are the shim module's contract (tunetop/shim.h).
 */
#include "shim_client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Whether exe is the standalone tunetop-shim (by its file name). */
static bool is_standalone(const char *exe)
{
    const char *slash = strrchr(exe, '/');
    return strcmp(slash ? slash + 1 : exe, TT_SHIM_PROGRAM) == 0;
}

char *rn_shim_find_exe(const char *self_exe)
{
    const char *slash = strrchr(self_exe, '/');
    if (slash) {
        char *path = tt_xasprintf("%.*s/%s", (int)(slash - self_exe), self_exe,
                                  TT_SHIM_PROGRAM);
        if (access(path, X_OK) == 0)
            return path;
        free(path);
    }
    return tt_xstrdup(self_exe);
}

int rn_shim_spawn(const char *self_exe, const char *trial_dir, double grace_s,
                  char *const *trial_argv, char *const *envp, pid_t *pid_out,
                  uint64_t *start_out, tt_error *err)
{
    if (!trial_argv || !trial_argv[0])
        return tt_error_set(err, TT_ERR_INVALID, "no command to run");
    size_t n = 0;
    while (trial_argv[n])
        n++;
    char grace[32];
    tt_format_double(grace_s >= 0 ? grace_s : TT_SHIM_DEFAULT_GRACE, grace, sizeof grace);
    /* Everything the child needs is built before the spawn. Both programs
     * take the same argv: tunetop-shim skips the "__shim" as tunetop does. */
    char **argv = tt_xcalloc(n + 7, sizeof *argv);
    size_t k = 0;
    argv[k++] = (char *)"tunetop";
    argv[k++] = (char *)TT_SHIM_COMMAND;
    argv[k++] = (char *)trial_dir;
    argv[k++] = (char *)"--grace";
    argv[k++] = grace;
    argv[k++] = (char *)"--";
    for (size_t j = 0; j < n; j++)
        argv[k++] = trial_argv[j];
    argv[k] = NULL;
    if (!envp)
        envp = environ;

    /* `tunetop __shim` gets shim.log as stdout/stderr up front: the dynamic
     * loader may have something to say (a missing library) before main.
     * tunetop-shim is linked statically: nothing speaks before main, and
     * main writes shim.log itself when needed, so it gets /dev/null and the
     * trial folder one inode less. */
    bool quiet = is_standalone(self_exe);
    int dirfd = open(trial_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int logfd = dirfd < 0 || quiet
                    ? -1
                    : openat(dirfd, TT_SHIM_LOG,
                             O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                             tt_shim_file_mode());
    int e = errno;
    if (dirfd >= 0)
        close(dirfd);
    if (dirfd < 0 || (!quiet && logfd < 0)) {
        free(argv);
        return tt_error_set(err, TT_ERR_IO, "trial folder %s: %s", trial_dir, strerror(e));
    }
    /* posix_spawn (clone with CLONE_VM|CLONE_VFORK in glibc) instead of
     * fork: the runner's page tables are never copied, which made fork the
     * runner's biggest per-trial cost once its trial cache grew. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", quiet ? O_RDWR : O_RDONLY,
                                     0);
    posix_spawn_file_actions_adddup2(&fa, quiet ? STDIN_FILENO : logfd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, quiet ? STDIN_FILENO : logfd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    /* Every handler back to default, and the shim's signals blocked
     * through exec: it takes them with sigtimedwait, so a SIGTERM sent the
     * moment we return is forwarded, not fatal to a shim still starting. */
    sigset_t shim_set;
    tt_shim_signal_set(&shim_set);
    tt_proc_spawnattr_clean(&attr, &shim_set, POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    e = posix_spawn(&pid, self_exe, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (logfd >= 0)
        close(logfd);
    free(argv);
    if (e != 0)
        return tt_error_set(err, TT_ERR_IO, "cannot run the shim %s: %s", self_exe,
                            strerror(e));
    /* The start time is fixed at spawn; exec does not change it. */
    uint64_t start = tt_proc_start_time(pid);
    *pid_out = pid;
    if (start_out)
        *start_out = start;
    return 0;
}

static char *trial_file(const char *trial_dir, const char *leaf)
{
    size_t n = strlen(trial_dir);
    return tt_xasprintf("%s%s%s", trial_dir, n && trial_dir[n - 1] == '/' ? "" : "/", leaf);
}

int rn_shim_read_status(const char *trial_dir, tt_shim_status *st)
{
    memset(st, 0, sizeof *st);
    /* A status the shim wrote is two short lines: one read of at most
     * this much takes it (one system call, not four, per trial end), and
     * whatever else a trial may have put under that name — a FIFO, a huge
     * file — cannot hang or flood the runner. */
    char text[TT_SHIM_STATUS_MAX];
    char *path = trial_file(trial_dir, TT_SHIM_STATUS);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    free(path);
    /* Out of descriptors (ours, or the system's) says nothing about the
     * trial: "no status" would record a trial that exited 0 as vanished. */
    if (fd < 0)
        return errno == EMFILE || errno == ENFILE || errno == ENOMEM ? -TT_ERR_BUSY
                                                                      : -TT_ERR_IO;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got < 0)
        return -TT_ERR_IO;
    text[got] = '\0';
    return tt_shim_status_parse(text, st);
}
