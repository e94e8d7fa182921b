/*
 * text — the two things the dashboard does to every string a trial (or a
 * user, or a sweep file) wrote before it reaches the terminal: clean it of
 * anything the terminal would interpret (escape sequences could move the
 * cursor, retitle the window or worse), and measure it in columns, not
 * bytes (tmux's utf8.c): a parameter value with a wide character must not
 * shift a table.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"

/* One UTF-8 character at s[0..n) (tt_utf8_decode): its length, or 0. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
    uint32_t c;
    size_t len = tt_utf8_decode((const char *)s, n, &c);
    *cp = c;
    return len;
}

/* Skip an escape sequence starting after its introducer; returns the index
 * after it. kind: '[' CSI, ']' OSC, 'P' (and X ^ _) string, else plain. */
static size_t skip_sequence(const unsigned char *s, size_t i, size_t n, int kind)
{
    if (kind == '[') {
        /* parameters and intermediates, then one final byte 0x40..0x7E */
        while (i < n && s[i] >= 0x20 && s[i] <= 0x3F)
            i++;
        while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
            i++;
        if (i < n && s[i] >= 0x40 && s[i] <= 0x7E)
            i++;
        return i;
    }
    if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
        /* up to BEL (OSC) or ST (ESC \ or 0x9C) */
        while (i < n) {
            if (s[i] == 0x07)
                return i + 1;
            if (s[i] == 0x1B)
                return i + 1 < n && s[i + 1] == '\\' ? i + 2 : i + 1;
            if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x9C)
                return i + 2;
            i++;
        }
        return i;
    }
    return i;
}

static bool invisible_format(unsigned cp)
{
    /* bidirectional overrides and isolates: they reorder what follows */
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

char *ui_text_clean(const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    char *out = tt_xmalloc(len + 1);
    size_t o = 0, i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0x1B) {
            if (i + 1 >= len) {
                i++;
                continue;
            }
            unsigned k = s[i + 1];
            if (k == '[' || k == ']' || k == 'P' || k == 'X' || k == '^' || k == '_') {
                i = skip_sequence(s, i + 2, len, (int)k);
            } else {
                /* ESC, intermediates 0x20..0x2F, one final byte */
                i++;
                while (i < len && s[i] >= 0x20 && s[i] <= 0x2F)
                    i++;
                if (i < len && s[i] >= 0x30 && s[i] <= 0x7E)
                    i++;
            }
            continue;
        }
        if (c == '\t') {
            out[o++] = ' ';
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++;
            continue;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        unsigned cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            /* C1 controls: CSI and OSC introducers start sequences */
            if (cp == 0x9B)
                i = skip_sequence(s, i + n, len, '[');
            else if (cp == 0x9D)
                i = skip_sequence(s, i + n, len, ']');
            else if (cp == 0x90)
                i = skip_sequence(s, i + n, len, 'P');
            else
                i += n;
            continue;
        }
        if (!invisible_format(cp)) {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

static int char_width(unsigned cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

int ui_text_width(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0;
    int w = 0;
    while (i < n) {
        unsigned cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            w++;
            i++;
            continue;
        }
        w += char_width(cp);
        i += k;
    }
    return w;
}

size_t ui_text_fit(const char *str, int width, int *used)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0;
    int w = 0;
    while (i < n) {
        unsigned cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        int cw = 1;
        if (k == 0)
            k = 1;
        else
            cw = char_width(cp);
        if (w + cw > width)
            break;
        w += cw;
        i += k;
    }
    if (used)
        *used = w;
    return i;
}
