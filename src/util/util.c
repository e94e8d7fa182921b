/*
 * util — checked allocation, error values, growable strings, file reading,
 * number formatting and edit distance. See include/tunetop/util.h.
 */
#include "tunetop/util.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tt_error_set(tt_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return -code;
}

static void out_of_memory(size_t n)
{
    fprintf(stderr, "tunetop: out of memory (allocating %zu bytes)\n", n);
    exit(1);
}

void *tt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *tt_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *tt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *tt_xstrdup(const char *s)
{
    return tt_xstrndup(s, strlen(s));
}

char *tt_xstrndup(const char *s, size_t n)
{
    char *p = tt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tt_xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *p = tt_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *tt_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = tt_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void tt_grow(void **items, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    *items = tt_xrealloc(*items, c * elem_size);
    *cap = c;
}

void tt_buf_append(tt_buf *b, const char *s, size_t n)
{
    tt_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tt_buf_puts(tt_buf *b, const char *s)
{
    tt_buf_append(b, s, strlen(s));
}

void tt_buf_printf(tt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = tt_xvasprintf(fmt, ap);
    va_end(ap);
    tt_buf_puts(b, s);
    free(s);
}

char *tt_buf_take(tt_buf *b)
{
    char *s = b->data ? b->data : tt_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void tt_buf_free(tt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *tt_read_file(const char *path, size_t *len_out, tt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tt_error_set(err, TT_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    tt_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        tt_buf_append(&b, chunk, n);
    if (ferror(f)) {
        tt_error_set(err, TT_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        tt_buf_free(&b);
        return NULL;
    }
    fclose(f);
    if (len_out)
        *len_out = b.len;
    return tt_buf_take(&b);
}

int tt_open_regular(int dirfd, const char *name, int flags, unsigned mode)
{
    /* O_NONBLOCK: opening a FIFO blocks until its other end is opened
     * (a write-only open without a reader fails with ENXIO instead). */
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, (mode_t)mode);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = ENXIO;
        return -1;
    }
    if (!(flags & O_NONBLOCK)) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    return fd;
}

const char *tt_short_text(const char *s, char buf[TT_SHORT_TEXT_SIZE])
{
    size_t len = strlen(s);
    if (len < TT_SHORT_TEXT_SIZE - 4)
        return s;
    /* The start says where, the end says which file. */
    size_t head = 60, tail = len - 36;
    while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
        head--;
    while (tail < len && ((unsigned char)s[tail] & 0xC0) == 0x80)
        tail++;
    snprintf(buf, TT_SHORT_TEXT_SIZE, "%.*s…%s", (int)head, s, s + tail);
    return buf;
}

const char *tt_open_error(int e)
{
    if (e == ENXIO)
        return "not a regular file (a FIFO, a device or a folder was put there)";
    if (e == ELOOP)
        return "a symbolic link (not followed)";
    return strerror(e);
}

char *tt_format_double(double v, char *buf, size_t n)
{
    if (isnan(v)) {
        snprintf(buf, n, "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return buf;
    }
    /* Integers print without exponent or decimal point up to 2^53. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, n, "%.0f", v);
        if (strcmp(buf, "-0") == 0)
            snprintf(buf, n, "0");
        return buf;
    }
    /* Shortest %g precision that reads back exactly. Starting at 15 gives
     * the same text as starting at 1: when k <= 15 digits read back, v is
     * within half an ulp of that k-digit number, so rounding v to 15 digits
     * lands on it too and %g drops the trailing zeros. Most doubles need 17
     * digits, and 15 + 2 tries instead of 17 is a runner's CPU per trial
     * (every parameter is formatted for argv, env, JSON and the store).
     * Not for subnormals, whose ulp is no longer tiny next to v. */
    for (int prec = fabs(v) >= DBL_MIN ? 15 : 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

size_t tt_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = tt_xmalloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

size_t tt_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c = s[0], min;
    size_t len;
    if (n == 0)
        return 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        len = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, min = 0x10000, c &= 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Length of the valid UTF-8 character at s[0..n) that is not a control
 * (C0, DEL or C1), or 0. */
static size_t printable_utf8(const char *s, size_t n)
{
    uint32_t cp;
    size_t len = tt_utf8_decode(s, n, &cp);
    if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return 0;
    return len;
}

char *tt_text_printable(const char *s, size_t n)
{
    char *out = tt_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = printable_utf8(s + i, n - i);
        if (k == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    return out;
}
