/*
 * json — writing JSON strings. Text in a study (parameter values, reasons,
 * log lines) comes from user programs and may hold control characters or
 * bytes that are not UTF-8; the output must still be valid JSON that any
 * parser accepts, so control characters are escaped and each byte that
 * does not belong to a valid UTF-8 sequence becomes U+FFFD.
 */
#include "tunetop/util.h"

#include <ctype.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0. s is NUL-terminated:
 * the decoder stops at the first byte that is not a continuation, so it
 * never reads past the NUL. */
static size_t utf8_valid_len(const unsigned char *s)
{
    uint32_t cp;
    return tt_utf8_decode((const char *)s, 4, &cp);
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
