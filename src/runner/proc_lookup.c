/*
 * proc_lookup — the /proc lookups only the runner makes: finding a trial
 * by its environment when its shim is gone, and the runner's own
 * executable (from which it finds tunetop-shim). They allocate (util), so
 * they are not in src/shim/proc.c, which the libc-only shim program links.
 */
#include "shim_client.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the NUL-separated environment block of pid holds entry. */
static bool environ_has(pid_t pid, const char *entry)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
    size_t len = 0;
    char *env = tt_read_file(path, &len, NULL);
    if (!env)
        return false;
    bool found = false;
    /* tt_read_file ends the text with one more NUL. */
    for (size_t i = 0; i < len && !found; i += strlen(env + i) + 1)
        found = strcmp(env + i, entry) == 0;
    free(env);
    return found;
}

int rn_proc_kill_groups_with_env(const char *entry, int sig)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int killed = 0;
    uid_t me = getuid();
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        struct stat st;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld", pid);
        if (*end || pid <= 1 || pid == (long)getpid() || stat(path, &st) != 0 ||
            st.st_uid != me || !environ_has((pid_t)pid, entry))
            continue;
        pid_t pgid = getpgid((pid_t)pid), sid = getsid((pid_t)pid);
        if (pgid > 1 && pgid != sid && tt_proc_kill_group(pgid, sig) == 0)
            killed++;
    }
    closedir(d);
    return killed;
}

char *rn_proc_self_exe(void)
{
    size_t cap = 256;
    for (;;) {
        char *buf = tt_xmalloc(cap);
        ssize_t n = readlink("/proc/self/exe", buf, cap);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if ((size_t)n < cap) {
            buf[n] = '\0';
            /* A binary replaced on disk (an upgrade) reads as "PATH
             * (deleted)"; PATH is where its successor lives. */
            static const char deleted[] = " (deleted)";
            size_t dl = sizeof deleted - 1;
            if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
                buf[n - dl] = '\0';
            return buf;
        }
        free(buf);
        if (cap > 1 << 20)
            return NULL;
        cap *= 2;
    }
}
