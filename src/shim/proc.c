/*
 * proc — the small process facts the runner and the shim rely on.
 *
 * A pid alone does not name a process across a runner restart: the kernel
 * recycles pids. A pid plus its start time (from /proc/PID/stat) does, which
 * is how a restarted runner tells "my shim is still running" from "some other
 * program now has that number" before re-adopting a trial or signalling it.
 * The fork-to-exec helpers live here too, written to be async-signal-safe so
 * they are correct even when the runner has a worker thread.
 *
 * libc only, like all of src/shim/ (tunetop-shim links it); the /proc
 * lookups that allocate, which only the runner makes, are
 * src/runner/proc_lookup.c.
 */
#include "tunetop/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Reads /proc/PID/stat; fills the state letter and start time. Returns false
 * when the process does not exist or the line cannot be parsed. */
static bool read_stat(pid_t pid, char *state, uint64_t *start)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[2048];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    /* comm (field 2) is in parentheses and may itself hold spaces and ')':
     * the real end is the LAST ')' of the line. */
    char *rp = strrchr(buf, ')');
    if (!rp || rp[1] != ' ')
        return false;
    char *p = rp + 2;
    /* p is at field 3 (state); starttime is field 22. */
    int field = 3;
    char *fields[23] = {0};
    while (*p && field <= 22) {
        fields[field] = p;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
        field++;
    }
    if (field <= 22 || !fields[22])
        return false;
    *state = fields[3][0];
    char *end;
    errno = 0;
    unsigned long long v = strtoull(fields[22], &end, 10);
    if (errno || end == fields[22])
        return false;
    *start = (uint64_t)v;
    return true;
}

uint64_t tt_proc_start_time(pid_t pid)
{
    char state;
    uint64_t start;
    if (pid <= 0 || !read_stat(pid, &state, &start))
        return 0;
    return start;
}

bool tt_proc_alive(pid_t pid, uint64_t start)
{
    char state;
    uint64_t now;
    if (pid <= 0 || start == 0 || !read_stat(pid, &state, &now))
        return false;
    /* 'Z' zombie, 'X' dead: exited, only waiting to be reaped. */
    return now == start && state != 'Z' && state != 'X';
}

int tt_proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    if (pid <= 0)
        return -1;
    /* pidfds are close-on-exec from birth. */
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

size_t tt_proc_children(pid_t pid, pid_t *out, size_t max)
{
    char path[80];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    size_t k = 0;
    char *p = buf, *end;
    while (k < max) {
        long child = strtol(p, &end, 10);
        if (end == p)
            break;
        if (child > 1 && child <= 0x7fffffff)
            out[k++] = (pid_t)child;
        p = end;
    }
    return k;
}

pid_t tt_proc_first_child(pid_t pid)
{
    pid_t child;
    return tt_proc_children(pid, &child, 1) == 1 ? child : 0;
}

void tt_proc_spawnattr_clean(posix_spawnattr_t *attr, const sigset_t *mask, short flags)
{
    sigset_t all, none;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    sigemptyset(&none);
    posix_spawnattr_init(attr);
    posix_spawnattr_setsigdefault(attr, &all);
    posix_spawnattr_setsigmask(attr, mask ? mask : &none);
    posix_spawnattr_setflags(attr, (short)(flags | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
}

int tt_proc_kill_group(pid_t pgid, int sig)
{
    /* kill(-1) and kill(0) mean "everything I may signal" and "my own
     * group": a corrupt pgid file must never turn into either. */
    if (pgid <= 1)
        return -TT_ERR_INVALID;
    if (kill(-pgid, sig) == 0 || errno == ESRCH)
        return 0;
    return -TT_ERR_IO;
}


/* close_range(2) when the kernel has it, else a close() per possible fd
 * (no opendir: it allocates, which is not safe after fork). */
static void close_span(unsigned lo, unsigned hi)
{
    if (lo > hi)
        return;
    if (close_range(lo, hi, 0) == 0)
        return;
    struct rlimit rl;
    unsigned max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < max)
        max = (unsigned)rl.rlim_cur;
    if (hi > max)
        hi = max;
    for (unsigned fd = lo; fd <= hi; fd++)
        close((int)fd);
}

void tt_proc_close_fds(int keep)
{
    if (keep < 3) {
        close_span(3, ~0U);
        return;
    }
    close_span(3, (unsigned)keep - 1);
    close_span((unsigned)keep + 1, ~0U);
}

void tt_proc_reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        sigaction(sig, &sa, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}
