/*
 * status — exit.status, the shim's record of how its trial ended: written
 * by the shim (shim.c) when the trial is over, read by the runner
 * (src/runner/shim_spawn.c) — possibly a runner started long after, or on
 * another node under Slurm. Both ends of the format live here, so they
 * cannot drift apart:
 *
 *   exit 3 | signal 9 SIGKILL | exec_error 2 No such file or directory
 *   end 1718000000.123
 *
 * The signal's name and the errno's text are for people; a reader relies on
 * the kind and the number only.
 */
#include "tunetop/shim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void signal_name(int sig, char *buf, size_t n)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        snprintf(buf, n, "SIG%s", abbrev);
    else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, n, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, n, "SIGUNKNOWN");
}

size_t tt_shim_status_format(tt_shim_kind kind, int code, const struct timespec *end,
                             char *buf, size_t n)
{
    char first[320];
    switch (kind) {
    case TT_SHIM_EXIT:
        snprintf(first, sizeof first, "exit %d", code);
        break;
    case TT_SHIM_SIGNAL: {
        char name[32];
        signal_name(code, name, sizeof name);
        snprintf(first, sizeof first, "signal %d %s", code, name);
        break;
    }
    default:
        snprintf(first, sizeof first, "exec_error %d %s", code, strerror(code));
        break;
    }
    int len = snprintf(buf, n, "%s\nend %lld.%03ld\n", first, (long long)end->tv_sec,
                       end->tv_nsec / 1000000L);
    if (len < 0 || n == 0)
        return 0;
    return (size_t)len < n ? (size_t)len : n - 1;
}

int tt_shim_status_parse(const char *status_text, tt_shim_status *st)
{
    memset(st, 0, sizeof *st);
    /* A copy to cut at the first newline: what a reader reads of the file
     * in one go (TT_SHIM_STATUS_MAX) fits. */
    char text[TT_SHIM_STATUS_MAX];
    snprintf(text, sizeof text, "%s", status_text);
    int rc = -TT_ERR_INVALID;
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    char *rest = NULL;
    char *end;
    if (strncmp(text, "exit ", 5) == 0) {
        st->kind = TT_SHIM_EXIT;
        rest = text + 5;
    } else if (strncmp(text, "signal ", 7) == 0) {
        st->kind = TT_SHIM_SIGNAL;
        rest = text + 7;
    } else if (strncmp(text, "exec_error ", 11) == 0) {
        st->kind = TT_SHIM_EXEC_ERROR;
        rest = text + 11;
    }
    if (rest) {
        errno = 0;
        long code = strtol(rest, &end, 10);
        if (!errno && end != rest && code >= 0 && code <= 0xffff &&
            (*end == '\0' || *end == ' ') && (st->kind != TT_SHIM_EXIT || *end == '\0')) {
            st->code = (int)code;
            snprintf(st->message, sizeof st->message, "%s", *end ? end + 1 : "");
            rc = 0;
        }
    }
    if (rc == 0 && nl && strncmp(nl + 1, "end ", 4) == 0) {
        double t = strtod(nl + 5, &end);
        if (end != nl + 5 && t > 0)
            st->end_time = t;
    }
    return rc;
}
