/*
 * util — the small things every module needs: checked allocation, an error
 * value that carries a message a user can act on, a growable string, and a
 * seedable random number generator.
 *
 * The RNG is the only source of randomness in the pure modules (space,
 * sampler, pruner, importance): the same seed gives the same stream on every
 * machine, which is what makes a resumed study suggest exactly what it would
 * have suggested without the interruption.
 */
#ifndef TUNETOP_UTIL_H
#define TUNETOP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TT_VERSION "0.1.0"

/* Error codes returned (negated) by fallible functions. */
enum {
    TT_OK = 0,
    TT_ERR_INVALID = 1,   /* the input is wrong; the tt_error says how */
    TT_ERR_IO = 2,        /* a file could not be read or written */
    TT_ERR_NOMEM = 3,
    TT_ERR_EXHAUSTED = 4, /* nothing left to suggest (a finished grid) */
    TT_ERR_UNSUPPORTED = 5,
    TT_ERR_BUSY = 6,      /* a resource of ours ran short (descriptors): try again later */
};

/* A caller-owned error: functions that fail fill it with one message. */
typedef struct tt_error {
    int code;
    char msg[1024];
} tt_error;

/* Set err (when not NULL) to code and a printf-style message; returns -code. */
int tt_error_set(tt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checked allocators: on failure they print a message and exit(1), so no
 * caller has to handle out-of-memory half-way through building a structure. */
void *tt_xmalloc(size_t n);
void *tt_xcalloc(size_t count, size_t size);
void *tt_xrealloc(void *p, size_t n);
char *tt_xstrdup(const char *s);
char *tt_xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; the caller frees it. */
char *tt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *tt_xvasprintf(const char *fmt, va_list ap);

/* Grow *items (of elem_size bytes each) so that it holds at least need. */
void tt_grow(void **items, size_t *cap, size_t need, size_t elem_size);

/* A growable NUL-terminated string. Zero-initialise, then append. */
typedef struct tt_buf {
    char *data;
    size_t len, cap;
} tt_buf;

void tt_buf_append(tt_buf *b, const char *s, size_t n);
void tt_buf_puts(tt_buf *b, const char *s);
void tt_buf_printf(tt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (who frees it) and resets b. Never NULL. */
char *tt_buf_take(tt_buf *b);
void tt_buf_free(tt_buf *b);

/* Read a whole file into a malloc'd NUL-terminated buffer (caller frees).
 * Returns NULL and fills err on failure. *len_out may be NULL. */
char *tt_read_file(const char *path, size_t *len_out, tt_error *err);

/* Open name (relative to dirfd; AT_FDCWD for a path) as a regular file and
 * nothing else: a symlink is not followed (errno ELOOP) and a FIFO, device
 * or folder planted under the name is neither waited on nor used (errno
 * ENXIO), so no open(2) of a file a trial could have put there can hang
 * its caller. flags and mode are open(2)'s; O_NOFOLLOW and O_CLOEXEC are
 * added, and O_NONBLOCK for the open only. Returns the fd or -1. */
int tt_open_regular(int dirfd, const char *name, int flags, unsigned mode);
/* A user's name or path as put into a message (a tt_error holds 1024
 * bytes: a 10 KB sweep name cut off the reason after it): s itself, or,
 * when long, its start and end around "…" in buf, cut at character
 * boundaries. */
#define TT_SHORT_TEXT_SIZE 104
const char *tt_short_text(const char *s, char buf[TT_SHORT_TEXT_SIZE]);
/* strerror(e), with tt_open_regular's ENXIO and ELOOP said plainly. */
const char *tt_open_error(int e);

/* Format a double the shortest way that reads back exactly ("0.1", "1e-05",
 * "3"). buf needs 32 bytes. Returns buf. */
char *tt_format_double(double v, char *buf, size_t n);

/* Write one CSV field (RFC 4180): plain when it needs no quoting, else
 * quoted by libcsv. Returns 0, or -TT_ERR_IO when the stream fails. */
int tt_csv_field(FILE *out, const char *field);

/* Levenshtein distance between a and b, for "did you mean" hints. */
size_t tt_edit_distance(const char *a, const char *b);

/* Decode the UTF-8 character at s[0..n): its length (1-4) with *cp set,
 * or 0 when the bytes are not valid UTF-8 (a stray continuation byte, an
 * overlong form, a surrogate, above U+10FFFF, or cut short by n or by a
 * byte that is not a continuation, such as the terminating NUL). */
size_t tt_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Copy of s[0..n) safe to print on a terminal: C0 controls, DEL, C1
 * controls (raw or UTF-8 encoded) and bytes that are not valid UTF-8 become
 * '?', so no escape sequence gets through (tables of the CLI, the runner's
 * progress lines). Caller frees. */
char *tt_text_printable(const char *s, size_t n);

/* xoshiro256** seeded through splitmix64: fast, small state, and the same
 * stream everywhere. */
typedef struct tt_rng {
    uint64_t s[4];
} tt_rng;

void tt_rng_seed(tt_rng *rng, uint64_t seed);
/* Seed from several words (e.g. study seed and trial number), so that
 * independent streams can be derived without sharing state. */
void tt_rng_seed2(tt_rng *rng, uint64_t seed, uint64_t stream);
uint64_t tt_rng_u64(tt_rng *rng);
/* Uniform in the open interval (0, 1): never exactly 0 or 1. */
double tt_rng_uniform(tt_rng *rng);
/* Uniform integer in [0, n), without modulo bias. n > 0. */
uint64_t tt_rng_below(tt_rng *rng, uint64_t n);
double tt_rng_normal(tt_rng *rng);

/* A 64-bit hash of bytes (FNV-1a folded through splitmix64). */
uint64_t tt_hash_bytes(const void *data, size_t n, uint64_t seed);

/* JSON output. */
/* Write s quoted: controls as \u00XX, invalid UTF-8 as U+FFFD; 0 or -TT_ERR_IO. */
int tt_json_string(FILE *out, const char *s);
/* Whether text is a number exactly as JSON spells one
 * (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?), so it can be written unquoted. */
bool tt_json_is_number(const char *text);

#endif
