/*
 * json — writing JSON strings. Text in a study (parameter values, reasons,
 * log lines) comes from user programs and may hold control characters or
 * bytes that are not UTF-8; the output must still be valid JSON that any
 * parser accepts, so control characters are escaped and each byte that
 * does not belong to a valid UTF-8 sequence becomes U+FFFD.
 */
#include "tunetop/util.h"

#include <ctype.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when s does not start
 * one (a stray continuation, an overlong form, a surrogate, > U+10FFFF, a
 * truncated sequence). */
static size_t utf8_valid_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

int tt_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (fputc('"', out) == EOF)
        return -TT_ERR_IO;
    while (*p) {
        unsigned char c = *p;
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            fputs(esc, out);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            p++;
        } else {
            /* The NUL terminator fails every continuation test, so the
             * look-ahead never runs past the end of the string. */
            size_t n = utf8_valid_len(p);
            if (n == 0) {
                fputs("\xEF\xBF\xBD", out);
                n = 1;
            } else {
                fwrite(p, 1, n, out);
            }
            p += n;
        }
    }
    if (fputc('"', out) == EOF || ferror(out))
        return -TT_ERR_IO;
    return 0;
}

bool tt_json_is_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (isdigit((unsigned char)*p))
        while (isdigit((unsigned char)*p))
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}
