/*
 * line_splitter — cuts the bytes the runner reads from a trial's stdout.log
 * and stderr.log into lines, whatever the read boundaries were.
 *
 * A trial may print a progress bar that never ends a line, or megabytes of
 * binary junk: memory must stay bounded. Only the unfinished tail of a line
 * is buffered, never more than max_line + 1 bytes (the extra byte is a
 * possible '\r' of a "\r\n" that straddles two reads). A longer line is
 * delivered once, truncated to max_line bytes and flagged, and the rest of
 * it is skipped up to the next '\n'. Complete lines inside one read are
 * passed straight from the caller's bytes, without a copy.
 */
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"

typedef void (*line_fn)(const char *line, size_t len, bool truncated, void *ud);

void tt_line_splitter_init(tt_line_splitter *ls, size_t max_line)
{
    memset(ls, 0, sizeof *ls);
    ls->max_line = max_line > 0 ? max_line : 1;
}

/* The buffer, allocated at full size the first time a line is unfinished
 * (it never grows or moves then). Not before: most trials end every line
 * within one read, and a megabyte per stream per trial cost a brk and
 * page faults for each of a thousand short trials. */
static void ensure_buffer(tt_line_splitter *ls)
{
    if (ls->pending.data)
        return;
    ls->pending.cap = ls->max_line + 2;
    ls->pending.data = tt_xmalloc(ls->pending.cap);
    ls->pending.data[0] = '\0';
}

/* Deliver line[0..len) (without its '\n'): strip one trailing '\r', and
 * truncate what is still longer than max_line. */
static void emit(tt_line_splitter *ls, const char *line, size_t len, line_fn fn, void *ud)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    ls->lines++;
    if (len > ls->max_line) {
        ls->truncated++;
        fn(line, ls->max_line, true, ud);
    } else {
        fn(line, len, false, ud);
    }
}

/* The line being buffered is over-long: deliver its first max_line bytes
 * (topped up from more, which must hold enough) and skip the rest. */
static void overflow(tt_line_splitter *ls, const char *more, line_fn fn, void *ud)
{
    ensure_buffer(ls);
    size_t have = ls->pending.len < ls->max_line ? ls->pending.len : ls->max_line;
    memcpy(ls->pending.data + have, more, ls->max_line - have);
    ls->lines++;
    ls->truncated++;
    fn(ls->pending.data, ls->max_line, true, ud);
    ls->pending.len = 0;
}

static void pending_append(tt_line_splitter *ls, const char *s, size_t n)
{
    ensure_buffer(ls);
    memcpy(ls->pending.data + ls->pending.len, s, n);
    ls->pending.len += n;
    ls->pending.data[ls->pending.len] = '\0';
}

void tt_line_splitter_feed(tt_line_splitter *ls, const char *data, size_t n, line_fn fn, void *ud)
{
    size_t limit = ls->max_line + 1;
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        if (ls->skipping) {
            if (nl)
                ls->skipping = false;
        } else if (ls->pending.len == 0 && nl) {
            emit(ls, data, seg, fn, ud);
        } else if (ls->pending.len + seg <= limit) {
            pending_append(ls, data, seg);
            if (nl) {
                emit(ls, ls->pending.data, ls->pending.len, fn, ud);
                ls->pending.len = 0;
            }
        } else {
            overflow(ls, data, fn, ud);
            ls->skipping = nl == NULL;
        }
        if (!nl)
            return;
        data += seg + 1;
        n -= seg + 1;
    }
}

void tt_line_splitter_finish(tt_line_splitter *ls, line_fn fn, void *ud)
{
    if (!ls->skipping && ls->pending.len > 0)
        emit(ls, ls->pending.data, ls->pending.len, fn, ud);
    ls->pending.len = 0;
    ls->skipping = false;
}

void tt_line_splitter_free(tt_line_splitter *ls)
{
    tt_buf_free(&ls->pending);
    ls->skipping = false;
}
