/*
 * metric_line — turns one line a trial printed into metric values.
 *
 * Trials are arbitrary programs, so the parser is generous and never
 * trusts its input: it accepts `k=v` and `k: v` pairs anywhere in a line
 * (which covers Keras progress bars and tqdm/Lightning postfixes), and a
 * JSON object when the line starts with `{` (nested objects flatten to
 * dotted names; Python dict reprs with single quotes and NaN/Infinity are
 * accepted too). Each byte is looked at a bounded number of times, nothing
 * is allocated, and no byte past `len` is read: the runner calls this for
 * every line of stdout and stderr, at hundreds of thousands of lines per
 * second.
 *
 * Decisions (documented in ingest.h too):
 *  - a value must be followed by the end of the line, whitespace or one of
 *    , ; ) ] } | " ' — so `0.25s`, `12%`, `3:20` and `0x1f` are not values;
 *  - names longer than TT_METRIC_NAME_MAX-1 are skipped, never truncated;
 *  - a step key with a non-integral value is ignored (neither step nor
 *    metric); an explicit step key wins over an `Epoch N` line prefix.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"

/* Longest number token handed to strtod; longer ones are not values. */
#define NUMBER_MAX 127
/* Deepest JSON nesting followed; deeper input ends the parse. */
#define JSON_DEPTH_MAX 32

enum { CH_NAME = 1, CH_START = 2, CH_SPACE = 4, CH_END = 8, CH_DIGIT = 16 };

/* Character classes, built at compile time so the hot loops are one load. */
static const unsigned char char_class[256] = {
    ['\t'] = CH_SPACE | CH_END, ['\n'] = CH_SPACE | CH_END, ['\v'] = CH_SPACE | CH_END,
    ['\f'] = CH_SPACE | CH_END, ['\r'] = CH_SPACE | CH_END, [' '] = CH_SPACE | CH_END,
    [','] = CH_END, [';'] = CH_END, [')'] = CH_END, [']'] = CH_END, ['}'] = CH_END,
    ['|'] = CH_END, ['"'] = CH_END, ['\''] = CH_END,
    ['.'] = CH_NAME, ['/'] = CH_NAME, ['-'] = CH_NAME,
    ['0'] = CH_NAME | CH_DIGIT, ['1'] = CH_NAME | CH_DIGIT, ['2'] = CH_NAME | CH_DIGIT,
    ['3'] = CH_NAME | CH_DIGIT, ['4'] = CH_NAME | CH_DIGIT, ['5'] = CH_NAME | CH_DIGIT,
    ['6'] = CH_NAME | CH_DIGIT, ['7'] = CH_NAME | CH_DIGIT, ['8'] = CH_NAME | CH_DIGIT,
    ['9'] = CH_NAME | CH_DIGIT,
    ['_'] = CH_NAME | CH_START,
#define L(c) [c] = CH_NAME | CH_START
    L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'), L('k'),
    L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'), L('v'),
    L('w'), L('x'), L('y'), L('z'),
    L('A'), L('B'), L('C'), L('D'), L('E'), L('F'), L('G'), L('H'), L('I'), L('J'), L('K'),
    L('L'), L('M'), L('N'), L('O'), L('P'), L('Q'), L('R'), L('S'), L('T'), L('U'), L('V'),
    L('W'), L('X'), L('Y'), L('Z'),
#undef L
};

static inline bool is_class(char c, int cls)
{
    return (char_class[(unsigned char)c] & cls) != 0;
}

/* Powers of ten exactly representable as doubles (Clinger's fast path). */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool word_at(const char *s, size_t len, size_t i, const char *word)
{
    size_t n = strlen(word);
    if (len - i < n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[i + k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[k])
            return false;
    }
    return true;
}

/* Scan the longest number at s[0..len): [+-] then nan | inf | infinity
 * (any case) or digits[.digits][e[+-]digits]. Returns its length (0 when
 * there is none) and its value. Simple decimals are converted exactly
 * without strtod; the rest go through strtod on a NUL-terminated copy. */
static size_t scan_number(const char *s, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i < len && !is_class(s[i], CH_DIGIT) && s[i] != '.') {
        double v;
        if (word_at(s, len, i, "nan")) {
            v = NAN;
            i += 3;
        } else if (word_at(s, len, i, "infinity")) {
            v = INFINITY;
            i += 8;
        } else if (word_at(s, len, i, "inf")) {
            v = INFINITY;
            i += 3;
        } else {
            return 0;
        }
        *out = neg ? -v : v;
        return i;
    }
    uint64_t mantissa = 0;
    int digits = 0, sig = 0, exp10 = 0;
    bool exact = true;
    while (i < len && is_class(s[i], CH_DIGIT)) {
        digits++;
        if (mantissa != 0 || s[i] != '0')
            sig++;
        if (sig <= 19)
            mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        else
            exact = false;
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_class(s[i], CH_DIGIT)) {
            digits++;
            if (mantissa != 0 || s[i] != '0')
                sig++;
            if (sig <= 19) {
                mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
                exp10--;
            } else {
                exact = false;
            }
            i++;
        }
    }
    if (digits == 0)
        return 0;
    if (i + 1 < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        bool eneg = false;
        if (s[j] == '+' || s[j] == '-') {
            eneg = s[j] == '-';
            j++;
        }
        if (j < len && is_class(s[j], CH_DIGIT)) {
            int e = 0;
            while (j < len && is_class(s[j], CH_DIGIT)) {
                if (e < 100000)
                    e = e * 10 + (s[j] - '0');
                j++;
            }
            exp10 += eneg ? -e : e;
            i = j;
        }
    }
    if (i > NUMBER_MAX)
        return 0;
    double v;
    if (exact && mantissa <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        v = (double)mantissa;
        v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
        if (neg)
            v = -v;
    } else {
        char buf[NUMBER_MAX + 1];
        memcpy(buf, s, i);
        buf[i] = '\0';
        v = strtod(buf, NULL);
    }
    *out = v;
    return i;
}

bool tt_metric_parse_number(const char *s, size_t len, double *out)
{
    double v;
    if (len == 0 || scan_number(s, len, &v) != len)
        return false;
    *out = v;
    return true;
}

/* The step keys of the trial protocol, lower case only. */
static bool is_step_key(const char *name, size_t n)
{
    switch (n) {
    case 4:
        return memcmp(name, "step", 4) == 0 || memcmp(name, "iter", 4) == 0;
    case 5:
        return memcmp(name, "epoch", 5) == 0;
    case 9:
        return memcmp(name, "iteration", 9) == 0;
    case 11:
        return memcmp(name, "global_step", 11) == 0;
    default:
        return false;
    }
}

/* A step must be integral and representable exactly. */
static bool step_value(double v, long *step)
{
    if (!(v >= -9007199254740992.0 && v <= 9007199254740992.0) || v != floor(v))
        return false;
    if (v > (double)LONG_MAX || v < (double)LONG_MIN)
        return false;
    *step = (long)v;
    return true;
}

typedef struct parse_ctx {
    tt_metric_line *out;
    unsigned char name_len[TT_METRIC_LINE_MAX_VALUES];
} parse_ctx;

/* Record name=value (name valid, shorter than TT_METRIC_NAME_MAX): a step
 * key sets the step, a repeated name overwrites, a full line drops it. */
static void record(parse_ctx *ctx, const char *name, size_t n, double v, bool step_keys)
{
    tt_metric_line *out = ctx->out;
    if (step_keys && is_step_key(name, n)) {
        long step;
        if (step_value(v, &step)) {
            out->has_step = true;
            out->step = step;
        }
        return;
    }
    for (size_t k = 0; k < out->n; k++) {
        if (ctx->name_len[k] == n && memcmp(out->kv[k].name, name, n) == 0) {
            out->kv[k].value = v;
            return;
        }
    }
    if (out->n == TT_METRIC_LINE_MAX_VALUES)
        return;
    tt_metric_kv *kv = &out->kv[out->n];
    memcpy(kv->name, name, n);
    kv->name[n] = '\0';
    kv->value = v;
    ctx->name_len[out->n] = (unsigned char)n;
    out->n++;
}

/* ---- k=v / k: v ----------------------------------------------------------- */

/* `Epoch 3:`, `Epoch 3/10`, `Epoch [3/10]` at the start of a line (after
 * blanks) give the step; explicit step keys later on the line win. */
static void parse_epoch_prefix(const char *s, size_t len, size_t i, tt_metric_line *out)
{
    if (!word_at(s, len, i, "epoch"))
        return;
    i += 5;
    size_t blanks = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) {
        i++;
        blanks++;
    }
    if (i < len && s[i] == '[') {
        i++;
    } else if (blanks == 0) {
        return;
    }
    long v = 0;
    size_t d = 0;
    while (i < len && is_class(s[i], CH_DIGIT) && d < 15) {
        v = v * 10 + (s[i] - '0');
        i++;
        d++;
    }
    if (d == 0 || (i < len && is_class(s[i], CH_DIGIT)))
        return;
    if (i == len || s[i] == ':' || s[i] == '/' || is_class(s[i], CH_END)) {
        out->has_step = true;
        out->step = v;
    }
}

static void parse_pairs(parse_ctx *ctx, const char *s, size_t len, size_t i)
{
    parse_epoch_prefix(s, len, i, ctx->out);
    while (i < len) {
        if (!is_class(s[i], CH_NAME)) {
            i++;
            continue;
        }
        /* One maximal run of name characters is one word: `2ms/step` is
         * never read as the name `ms/step`. */
        size_t start = i;
        while (i < len && is_class(s[i], CH_NAME))
            i++;
        size_t n = i - start;
        if (!is_class(s[start], CH_START) || n >= TT_METRIC_NAME_MAX)
            continue;
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j == len || (s[j] != '=' && s[j] != ':'))
            continue;
        j++;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        double v;
        size_t used = scan_number(s + j, len - j, &v);
        if (used == 0)
            continue;
        j += used;
        if (j < len && !is_class(s[j], CH_END))
            continue;
        record(ctx, s + start, n, v, true);
        i = j;
    }
}

/* ---- JSON (and Python dict reprs) ---------------------------------------- */

typedef struct json_ctx {
    parse_ctx *pc;
    const char *s;
    size_t len, pos;
    char path[TT_METRIC_NAME_MAX];
    size_t path_len;
} json_ctx;

static void json_blank(json_ctx *j)
{
    while (j->pos < j->len && is_class(j->s[j->pos], CH_SPACE))
        j->pos++;
}

/* Skip a string at pos (opening quote q); *plain tells whether it had no
 * escapes. Returns false when it does not end on the line. */
static bool json_string(json_ctx *j, size_t *start, size_t *n, bool *plain)
{
    char q = j->s[j->pos++];
    *start = j->pos;
    *plain = true;
    while (j->pos < j->len) {
        char c = j->s[j->pos];
        if (c == q) {
            *n = j->pos - *start;
            j->pos++;
            return true;
        }
        if (c == '\\') {
            *plain = false;
            if (j->pos + 1 == j->len)
                break;
            j->pos++;
        }
        j->pos++;
    }
    return false;
}

static bool valid_name(const char *name, size_t n)
{
    if (n == 0 || n >= TT_METRIC_NAME_MAX || !is_class(name[0], CH_START))
        return false;
    for (size_t k = 1; k < n; k++)
        if (!is_class(name[k], CH_NAME))
            return false;
    return true;
}

static bool json_value(json_ctx *j, int depth, bool named);

/* Object at pos ('{'). Keys extend the dotted path while named. */
static bool json_object(json_ctx *j, int depth, bool named)
{
    j->pos++;
    json_blank(j);
    if (j->pos < j->len && j->s[j->pos] == '}') {
        j->pos++;
        return true;
    }
    size_t base = j->path_len;
    for (;;) {
        json_blank(j);
        if (j->pos >= j->len || (j->s[j->pos] != '"' && j->s[j->pos] != '\''))
            return false;
        size_t kstart, kn;
        bool plain;
        if (!json_string(j, &kstart, &kn, &plain))
            return false;
        json_blank(j);
        if (j->pos >= j->len || j->s[j->pos] != ':')
            return false;
        j->pos++;
        bool key_named = named && plain && kn > 0 &&
                         base + (base ? 1 : 0) + kn < TT_METRIC_NAME_MAX;
        if (key_named) {
            if (base)
                j->path[base] = '.';
            memcpy(j->path + base + (base ? 1 : 0), j->s + kstart, kn);
            j->path_len = base + (base ? 1 : 0) + kn;
        }
        bool ok = json_value(j, depth + 1, key_named);
        j->path_len = base;
        if (!ok)
            return false;
        json_blank(j);
        if (j->pos >= j->len)
            return false;
        char c = j->s[j->pos++];
        if (c == '}')
            return true;
        if (c != ',')
            return false;
    }
}

static bool json_array(json_ctx *j, int depth)
{
    j->pos++;
    json_blank(j);
    if (j->pos < j->len && j->s[j->pos] == ']') {
        j->pos++;
        return true;
    }
    for (;;) {
        if (!json_value(j, depth + 1, false))
            return false;
        json_blank(j);
        if (j->pos >= j->len)
            return false;
        char c = j->s[j->pos++];
        if (c == ']')
            return true;
        if (c != ',')
            return false;
    }
}

/* One value; numbers are recorded under the current path when named.
 * Returns false on anything that is not JSON-ish: parsing stops there and
 * what was recorded so far stays (a truncated line still gives values). */
static bool json_value(json_ctx *j, int depth, bool named)
{
    if (depth > JSON_DEPTH_MAX)
        return false;
    json_blank(j);
    if (j->pos >= j->len)
        return false;
    char c = j->s[j->pos];
    if (c == '{')
        return json_object(j, depth, named);
    if (c == '[')
        return json_array(j, depth);
    if (c == '"' || c == '\'') {
        size_t start, n;
        bool plain;
        return json_string(j, &start, &n, &plain);
    }
    double v;
    size_t used = scan_number(j->s + j->pos, j->len - j->pos, &v);
    if (used > 0) {
        j->pos += used;
        /* A number running into the end of the line is cut (a truncated
         * line): its digits may be missing, so it is not a value. */
        if (j->pos == j->len || !is_class(j->s[j->pos], CH_END))
            return false;
        if (named && valid_name(j->path, j->path_len))
            record(j->pc, j->path, j->path_len, v, depth == 1);
        return true;
    }
    /* true, false, null, None, True, False: skipped words. */
    size_t start = j->pos;
    while (j->pos < j->len && is_class(j->s[j->pos], CH_START))
        j->pos++;
    return j->pos > start && (j->pos == j->len || is_class(j->s[j->pos], CH_END));
}

size_t tt_metric_parse_line(const char *line, size_t len, tt_metric_line *out)
{
    out->has_step = false;
    out->step = 0;
    out->n = 0;
    parse_ctx ctx = {.out = out};
    size_t i = 0;
    while (i < len && is_class(line[i], CH_SPACE))
        i++;
    if (i < len && line[i] == '{') {
        json_ctx j = {.pc = &ctx, .s = line, .len = len, .pos = i};
        json_value(&j, 0, true);
    } else {
        parse_pairs(&ctx, line, len, i);
    }
    return out->n;
}
