/*
 * clockshift — test-only LD_PRELOAD library: steps the wall clock of a
 * process (and of every dynamically linked child that inherits
 * LD_PRELOAD) while it runs, the way NTP or a resumed VM steps it.
 *
 *   TUNETOP_CLOCKSHIFT_FILE=/tmp/x/offset LD_PRELOAD=.../clockshift.so prog
 *
 * The file holds an offset in seconds ("3600", "-3600", "0.5"; a missing
 * file is 0). It is read again at most every 50 ms (of CLOCK_MONOTONIC), so
 * a test steps the clock of a running process by rewriting the file (write
 * a temporary file and rename it over: a half-written file is ignored and
 * the previous offset kept). The offset is added to what
 * clock_gettime(CLOCK_REALTIME / CLOCK_REALTIME_COARSE), gettimeofday()
 * and time() return; CLOCK_MONOTONIC, CLOCK_BOOTTIME and every other clock
 * are untouched. Not covered: timespec_get(), raw syscalls, and statically
 * linked programs, which LD_PRELOAD does not reach: tunetop-shim outside
 * `make sanitize` (its one wall-clock read is the `end` time it writes in
 * exit.status, for display; its grace period is on CLOCK_MONOTONIC).
 *
 * The real functions come from dlsym(RTLD_NEXT): under AddressSanitizer
 * the next one is ASan's interceptor, which calls libc's. ASan wants its
 * runtime first in the library list and aborts otherwise; the tests set
 * ASAN_OPTIONS=verify_asan_link_order=0 (this library defines no
 * allocation function, so ASan still sees every malloc and free).
 *
 * Everything here is async-signal-safe (open/read/close, atomics, no
 * malloc, no stdio): clock_gettime may be called from a signal handler.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define REREAD_NS (50 * 1000000LL)

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);

static _Atomic long long offset_ns;   /* the shift in force */
static _Atomic long long next_read;   /* CLOCK_MONOTONIC ns of the next look at the file */

static clock_gettime_fn real_clock_gettime(void)
{
    static _Atomic(clock_gettime_fn) fn;
    clock_gettime_fn f = atomic_load(&fn);
    if (!f) {
        f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
        atomic_store(&fn, f);
    }
    return f;
}

static gettimeofday_fn real_gettimeofday(void)
{
    static _Atomic(gettimeofday_fn) fn;
    gettimeofday_fn f = atomic_load(&fn);
    if (!f) {
        f = (gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
        atomic_store(&fn, f);
    }
    return f;
}

/* "[+-]digits[.digits]" and blanks to nanoseconds; false when malformed. */
static int parse_seconds(const char *s, long long *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    long long sec = 0, frac = 0, scale = NS;
    int digits = 0;
    for (; *s >= '0' && *s <= '9' && sec < 1000000000LL; s++, digits++)
        sec = sec * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, digits++)
            if (scale > 1)
                frac += (*s - '0') * (scale /= 10);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (!digits || *s)
        return 0;
    *out = (neg ? -1 : 1) * (sec * NS + frac);
    return 1;
}

/* The offset now, reading the file when the last look is 50 ms old. One
 * thread wins the compare-exchange and reads; the others use the value in
 * force meanwhile. */
static long long offset(void)
{
    clock_gettime_fn cg = real_clock_gettime();
    struct timespec m;
    if (!cg || cg(CLOCK_MONOTONIC, &m) != 0)
        return atomic_load(&offset_ns);
    long long now = m.tv_sec * NS + m.tv_nsec;
    long long due = atomic_load(&next_read);
    if (now < due || !atomic_compare_exchange_strong(&next_read, &due, now + REREAD_NS))
        return atomic_load(&offset_ns);
    const char *path = getenv("TUNETOP_CLOCKSHIFT_FILE");
    int fd = path && *path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        atomic_store(&offset_ns, 0);
        return 0;
    }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long long v;
    if (n > 0) {
        buf[n] = '\0';
        if (parse_seconds(buf, &v))
            atomic_store(&offset_ns, v);
    }
    return atomic_load(&offset_ns);
}

static void shift(struct timespec *ts, long long by)
{
    long long t = ts->tv_sec * NS + ts->tv_nsec + by;
    long long sec = t / NS, ns = t % NS;
    if (ns < 0) {
        ns += NS;
        sec--;
    }
    ts->tv_sec = (time_t)sec;
    ts->tv_nsec = (long)ns;
}

/* Called directly by time(), not through clock_gettime's symbol: a
 * dlopen()ed copy (tests/test_clock.c) would otherwise reach libc's. */
static int shifted_clock_gettime(clockid_t clk, struct timespec *ts)
{
    clock_gettime_fn cg = real_clock_gettime();
    if (!cg)
        return -1;
    int rc = cg(clk, ts);
    if (rc == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
        shift(ts, offset());
    return rc;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    return shifted_clock_gettime(clk, ts);
}

int gettimeofday(struct timeval *tv, void *tz)
{
    gettimeofday_fn g = real_gettimeofday();
    if (!g)
        return -1;
    int rc = g(tv, tz);
    if (rc == 0) { /* tv is never NULL: glibc declares it nonnull */
        struct timespec ts = {tv->tv_sec, tv->tv_usec * 1000L};
        shift(&ts, offset());
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000L;
    }
    return rc;
}

time_t time(time_t *t)
{
    struct timespec ts;
    time_t v = shifted_clock_gettime(CLOCK_REALTIME, &ts) == 0 ? ts.tv_sec : (time_t)-1;
    if (t)
        *t = v;
    return v;
}
