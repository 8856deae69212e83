/* Document text for the language server: LSP positions (UTF-8 or UTF-16) to byte offsets and
 * back, edits, file URIs.  Invalid UTF-8 bytes count as one character each (one UTF-16 unit). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "lsp.h"

/* Bytes of the UTF-8 sequence starting at s[0] (1 for an invalid or truncated one). */
static size_t seq_len(const unsigned char *s, size_t avail)
{
    size_t n, i;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0)
        n = 2;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4;
    else
        return 1;
    if (n > avail)
        return 1;
    for (i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* Units of the character in the encoding: a 4-byte sequence is a surrogate pair in UTF-16. */
static size_t units(size_t seq, int enc)
{
    if (enc == LSP_UTF8)
        return seq;
    return seq == 4 ? 2 : 1;
}

size_t lsp_line_start(const char *text, size_t len, uint32_t line)
{
    size_t pos = 0;
    while (line) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl)
            return len;
        pos = (size_t)(nl - text) + 1;
        line--;
    }
    return pos;
}

/* End of the line starting at start, before its "\n" or "\r\n". */
static size_t line_end(const char *text, size_t len, size_t start)
{
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (end > start && text[end - 1] == '\r')
        end--;
    return end;
}

size_t lsp_offset_of(const char *text, size_t len, uint32_t line, uint32_t character, int enc)
{
    size_t pos = lsp_line_start(text, len, line), end, used = 0;
    if (pos >= len)
        return len;
    end = line_end(text, len, pos);
    while (pos < end) {
        size_t n = seq_len((const unsigned char *)text + pos, end - pos), u = units(n, enc);
        if (used + u > character)
            break;
        used += u;
        pos += n;
    }
    return pos;
}

uint32_t lsp_char_of_col(const char *text, size_t len, size_t start, size_t col, int enc)
{
    size_t end = start < len ? line_end(text, len, start) : len, pos = start, used = 0;
    if (enc == LSP_UTF8)
        return (uint32_t)(col < end - start ? col : end - start);
    while (pos < end && pos < start + col) {
        size_t n = seq_len((const unsigned char *)text + pos, end - pos);
        used += units(n, enc);
        pos += n;
    }
    return (uint32_t)used;
}

int lsp_splice(char **text, size_t *len, size_t from, size_t to, const char *ins, size_t n)
{
    size_t newlen;
    char *t = *text;
    if (from > *len)
        from = *len;
    if (to > *len)
        to = *len;
    if (to < from)
        to = from;
    newlen = *len - (to - from) + n;
    if (newlen > *len) {
        char *grown = realloc(t, newlen + 1);
        if (!grown)
            return G_ENOMEM;
        t = grown;
    }
    memmove(t + from + n, t + to, *len - to);
    memcpy(t + from, ins, n);
    t[newlen] = 0;
    *text = t;
    *len = newlen;
    return G_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void lsp_uri_path(const char *uri, char *buf, size_t size)
{
    size_t o = 0;
    const char *p = uri;
    if (!size)
        return;
    if (!strncmp(uri, "file://", 7)) {
        p = uri + 7;
        if (*p != '/')                  /* file://host/path: drop the host */
            p = strchr(p, '/') ? strchr(p, '/') : p + strlen(p);
        for (; *p && o + 1 < size; p++) {
            int hi, lo;
            if (*p == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
                buf[o++] = (char)(hi * 16 + lo);
                p += 2;
            } else {
                buf[o++] = *p;
            }
        }
        buf[o] = 0;
        return;
    }
    strncpy(buf, uri, size - 1);
    buf[size - 1] = 0;
}

void lsp_path_uri(const char *path, char *buf, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    char cwd[4096];
    size_t o = 0;
    const char *p;
    if (!size)
        return;
    buf[0] = 0;
    if (path[0] != '/' && getcwd(cwd, sizeof cwd)) {
        lsp_path_uri(cwd, buf, size);
        o = strlen(buf);
        if (o + 1 < size)
            buf[o++] = '/';
    } else {
        o = (size_t)snprintf(buf, size, "file://");
        if (o >= size)
            o = size - 1;
    }
    for (p = path; *p && o + 4 < size; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("/-._~", c)) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    buf[o] = 0;
}
