/* Source files as the report formats need them: lines by number, UTF-8 byte columns converted to
 * UTF-16 code units or code points, and whitespace-insensitive line fingerprints. */
#include "rep_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/file.h"
#include "../common/mem.h"

/* Larger files get no source lines, columns or fingerprints: gilcheck compiles no source over
 * 8 MB, and a .pyc's source is only a name it carries. */
#define SOURCE_MAX ((size_t)16 << 20)

/* FNV-1a over the bytes of [p, end) that are not whitespace: a line keeps its fingerprint when
 * it is re-indented or its spacing changes. */
static uint64_t hash_line(const char *p, const char *end)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; p < end; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v')
            continue;
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int rep_source_load(rep_source *s, const char *path)
{
    size_t len, i, k = 0, lines = 1, n = path ? strlen(path) : 0;
    uint8_t *text;
    int err;
    memset(s, 0, sizeof *s);
    /* a finding of a .pyc whose source is not known names the .pyc: bytes, not lines */
    if (!n || (n >= 4 && !strcmp(path + n - 4, ".pyc")) ||
        file_read(&text, &len, &err, path, SOURCE_MAX))
        return -1;
    if (!text && !(text = mem_alloc(1)))
        return -1;
    text[len] = 0;
    s->rs_text = (char *)text;
    for (i = 0; i < len; i++)   /* "\n", "\r\n" and a lone "\r" end a line, as for CPython */
        if (s->rs_text[i] == '\n' || (s->rs_text[i] == '\r' && s->rs_text[i + 1] != '\n'))
            lines++;
    s->rs_starts = mem_alloc((lines + 1) * sizeof *s->rs_starts);
    s->rs_hash = mem_alloc(lines * sizeof *s->rs_hash);
    if (!s->rs_starts || !s->rs_hash) {
        rep_source_free(s);
        return -1;
    }
    s->rs_starts[k++] = 0;
    for (i = 0; i < len; i++)
        if (s->rs_text[i] == '\n' || (s->rs_text[i] == '\r' && s->rs_text[i + 1] != '\n'))
            s->rs_starts[k++] = i + 1;
    if (k > 1 && s->rs_starts[k - 1] == len)
        k--;                    /* the end of the last line is not the start of another */
    s->rs_nlines = (int32_t)k;
    s->rs_starts[k] = len;
    for (i = 0; i < k; i++)
        s->rs_hash[i] = hash_line(s->rs_text + s->rs_starts[i], s->rs_text + s->rs_starts[i + 1]);
    return 0;
}

void rep_source_free(rep_source *s)
{
    mem_free(s->rs_text);
    mem_free(s->rs_starts);
    mem_free(s->rs_hash);
    memset(s, 0, sizeof *s);
}

const char *rep_source_line(const rep_source *s, int32_t line, size_t *len)
{
    const char *p;
    size_t n;
    if (!s->rs_text || line < 1 || line > s->rs_nlines)
        return NULL;
    p = s->rs_text + s->rs_starts[line - 1];
    n = s->rs_starts[line] - s->rs_starts[line - 1];
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    *len = n;
    return p;
}

int32_t rep_column(const char *line, size_t len, int32_t byte_col, int utf16)
{
    int32_t col = 1;
    size_t i, stop;
    if (byte_col < 1)
        return byte_col;
    stop = (size_t)byte_col - 1;
    for (i = 0; i < stop && i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c & 0xC0) == 0x80)
            continue;           /* continuation byte: part of the character before */
        col += utf16 && c >= 0xF0 ? 2 : 1;   /* 4-byte sequences are surrogate pairs */
    }
    return col + (int32_t)(stop > len ? stop - len : 0);
}

const char *rep_line_fingerprint(const rep_source *s, int32_t line, char *buf, size_t size)
{
    uint64_t h;
    unsigned long occ = 0;
    int32_t i;
    if (!s->rs_text || line < 1 || line > s->rs_nlines)
        return NULL;
    h = s->rs_hash[line - 1];
    for (i = 0; i < line; i++)
        occ += s->rs_hash[i] == h;
    snprintf(buf, size, "%016llx:%lu", (unsigned long long)h, occ);
    return buf;
}
