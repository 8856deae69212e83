/* Control characters in text from the analysed tree shown as escapes (terminal and CI-log
 * safety). */
#include "escape.h"

#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence at s[0..n) and its code point, or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and truncated sequences included). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len, i;
    uint32_t c;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, c = s[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
        (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0;
    *cp = c;
    return len;
}

/* Unicode's bidirectional formatting characters: they reorder what a terminal shows. */
static int is_bidi_control(uint32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

int esc_char(const char *s, size_t n, int flags, char *buf, size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = 0;
    size_t len = utf8_decode(u, n, &c);
    if (!len) {                          /* not UTF-8: the byte as \xNN */
        buf[0] = '\\', buf[1] = 'x', buf[2] = hex[u[0] >> 4], buf[3] = hex[u[0] & 15];
        buf[4] = 0;
        *used = 1;
        return 1;
    }
    *used = len;
    if (c == '\t' && (flags & ESC_KEEP_TAB))
        return 0;
    if (c == '\n' || c == '\r' || c == '\t') {
        buf[0] = '\\', buf[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't', buf[2] = 0;
        return 1;
    }
    if (c < 0x20 || c == 0x7F) {
        buf[0] = '\\', buf[1] = 'x', buf[2] = hex[c >> 4], buf[3] = hex[c & 15], buf[4] = 0;
        return 1;
    }
    if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(c)) {
        buf[0] = '\\', buf[1] = 'u', buf[2] = hex[c >> 12 & 15], buf[3] = hex[c >> 8 & 15];
        buf[4] = hex[c >> 4 & 15], buf[5] = hex[c & 15], buf[6] = 0;
        return 1;
    }
    return 0;
}

void esc_write(FILE *out, const char *s, size_t n, int flags)
{
    size_t i = 0, plain = 0;   /* s[plain..i) is written as it is, in one call */
    char buf[8];
    while (i < n) {
        size_t used;
        if (!esc_char(s + i, n - i, flags, buf, &used)) {
            i += used;
            continue;
        }
        fwrite(s + plain, 1, i - plain, out);
        fputs(buf, out);
        i += used;
        plain = i;
    }
    fwrite(s + plain, 1, i - plain, out);
}

void esc_sb(strbuf *sb, const char *s)
{
    size_t i = 0, plain = 0, n = s ? strlen(s) : 0;
    char buf[8];
    while (i < n) {
        size_t used;
        if (!esc_char(s + i, n - i, 0, buf, &used)) {
            i += used;
            continue;
        }
        sb_printf(sb, "%.*s%s", (int)(i - plain), s + plain, buf);
        i += used;
        plain = i;
    }
    sb_printf(sb, "%.*s", (int)(i - plain), s ? s + plain : "");
}

void esc_lines(FILE *out, const char *text)
{
    while (text && *text) {
        size_t n = strcspn(text, "\n"), blank = strspn(text, " \t");
        if (blank < n && (text[blank] == ':' || text[blank] == '#')) {
            fwrite(text, 1, blank, out);
            fputs(text[blank] == ':' ? "\\x3a" : "\\x23", out);
            fwrite(text + blank + 1, 1, n - blank - 1, out);
        } else {
            fwrite(text, 1, n, out);
        }
        if (text[n] == '\n')
            fputc('\n', out);
        text += n + (text[n] == '\n');
    }
}

void esc_puts(FILE *out, const char *s)
{
    if (s)
        esc_write(out, s, strlen(s), 0);
}

/* Characters .NET's char.IsWhiteSpace accepts (the Actions runner trims them before looking for
 * "::"): the ASCII blanks and Unicode's space separators, line and paragraph separators. */
static int is_blank(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

void esc_path(FILE *out, const char *path)
{
    uint32_t c = 0;
    if (!path)
        return;
    if (*path && *path != '/' && (*path == ':' || *path == '#' ||
        (utf8_decode((const unsigned char *)path, strlen(path), &c) && is_blank(c))))
        fputs("./", out);
    esc_puts(out, path);
}
