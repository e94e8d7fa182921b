/*
 * say — the bottom of the runner: its clocks, its progress lines and its
 * events. Every other runner file may call these; they call no runner
 * file back (only the store, for events), so the runner's files form a
 * hierarchy with the loop at the top and this file at the bottom.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

double rn_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double rn_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double rn_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void rn_runner_say(rn_runner *r, const char *fmt, ...)
{
    if (!r->progress)
        return;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[16];
    strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    fprintf(r->progress, "[%s] ", stamp);
    va_list ap;
    va_start(ap, fmt);
    char *msg = tt_xvasprintf(fmt, ap);
    va_end(ap);
    /* Parameter values, metric names and stderr lines in these messages
     * come from sweep files and trials: no escape sequence reaches the
     * terminal (or runner.log, which people `cat`). */
    char *safe = tt_text_printable(msg, strlen(msg));
    fputs(safe, r->progress);
    free(safe);
    free(msg);
    fputc('\n', r->progress);
    fflush(r->progress);
}

void rn_runner_event(rn_runner *r, long trial, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = tt_xvasprintf(fmt, ap);
    va_end(ap);
    tt_error err = {0};
    if (tt_store_add_event(r->store, trial, kind, msg, &err) < 0)
        rn_runner_say(r, "cannot record event: %s", err.msg);
    if (trial > 0)
        rn_runner_say(r, "trial %ld: %s", trial, msg);
    else
        rn_runner_say(r, "%s", msg);
    free(msg);
}
