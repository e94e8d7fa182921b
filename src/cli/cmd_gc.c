/*
 * `tunetop gc DIR [--dry-run]`: compact the folders of trials that have
 * ended, keeping what a person reads and nothing the study database
 * already holds (issue 18: a long sweep's folders outweighed its
 * database).
 *
 * For each trial that has ended for good — completed, pruned, failed,
 * killed, timeout; not queued, running or interrupted (a resumed runner
 * retries those) — and each of its runs' folders, it removes:
 *   params.json    the parameters, which study.db holds (trial_params);
 *   exit.status    the shim's record of the end, which study.db holds as
 *                  the trial's state and reason (a runner reads it only
 *                  for a trial recorded running);
 *   stdout.log, stderr.log, shim.log when empty;
 *   checkpoints/   when empty.
 * Logs with content, rotated logs (stdout.log.1…), checkpoints and any
 * file the trial wrote itself stay. Folders are opened without following
 * symbolic links and files removed relative to them, so a link planted as
 * a trial folder is skipped, not followed. It may run while the runner
 * runs: the runner never touches an ended trial's folder again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct gc_totals {
    long trials, files, skipped;
    long long bytes;       /* disk blocks of what went: what du would see */
    bool dry_run;
} gc_totals;

/* A state a runner will never run again. */
static bool ended_for_good(tt_trial_state s)
{
    return s == TT_TRIAL_COMPLETED || s == TT_TRIAL_PRUNED || s == TT_TRIAL_FAILED ||
           s == TT_TRIAL_KILLED || s == TT_TRIAL_TIMEOUT;
}

/* Remove name in dirfd (a regular file: always, or only when empty; a
 * folder: only when empty). Counts what went. */
static void drop(int dirfd, const char *name, bool only_empty, gc_totals *t)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !S_ISREG(st.st_mode))
        return;
    if (dir) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            if (fd >= 0)
                close(fd);
            return;
        }
        bool empty = true;
        for (struct dirent *e; empty && (e = readdir(d));)
            empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
        closedir(d);
        if (!empty)
            return;
    } else if (only_empty && st.st_size > 0) {
        return;
    }
    if (!t->dry_run && unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0) != 0)
        return;
    t->files++;
    t->bytes += (long long)st.st_blocks * 512;
}

/* One trial's (or run's) folder. */
static void compact(const char *path, gc_totals *t)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            t->skipped++;   /* a link, or no folder we may open */
        return;
    }
    drop(fd, "params.json", false, t);
    drop(fd, "exit.status", false, t);
    drop(fd, "stdout.log", true, t);
    drop(fd, "stderr.log", true, t);
    drop(fd, "shim.log", true, t);
    drop(fd, "checkpoints", true, t);
    close(fd);
}

int cli_cmd_gc(int argc, char **argv)
{
    const char *dir = NULL;
    gc_totals t = {0};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0)
            t.dry_run = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_find("gc")->help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-')
            return cli_usage_error("gc", "unknown option '%s'", argv[i]);
        else if (dir)
            return cli_usage_error("gc", "expected one study folder");
        else
            dir = argv[i];
    }
    if (!dir)
        return cli_usage_error("gc", "expected a study folder");
    cli_view v;
    if (cli_refuse_optuna("gc", dir) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    if (cli_view_open(dir, NULL, &v, true) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    long left = 0;
    for (size_t i = 0; i < v.n_trials; i++) {
        const tt_trial_record *r = &v.trials[i];
        if (r->number <= 0)
            continue;
        if (!ended_for_good(r->state)) {
            left++;
            continue;
        }
        long before = t.files;
        char *path = tt_study_trial_dir(dir, r->number);
        compact(path, &t);
        free(path);
        int runs = tt_runs_count(r->folds, r->repeats);
        for (int k = 0; runs > 1 && k < runs; k++) {
            path = tt_study_run_dir(dir, r->number, r->folds, r->repeats, k);
            compact(path, &t);
            free(path);
        }
        t.trials += t.files > before;
    }
    cli_view_close(&v);
    printf("%s %ld file%s of %ld ended trial%s (%.1f KB on disk)",
           t.dry_run ? "would remove" : "removed",
           t.files, t.files == 1 ? "" : "s", t.trials, t.trials == 1 ? "" : "s",
           (double)t.bytes / 1024);
    if (left)
        printf("; %ld trial%s not ended (queued, running, interrupted) left alone", left,
               left == 1 ? "" : "s");
    if (t.skipped)
        printf("; %ld folder%s skipped (a symbolic link, or not ours to open)", t.skipped,
               t.skipped == 1 ? " was" : "s were");
    printf("\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
