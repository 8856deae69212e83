/* `# noqa` comments: a lexer that finds the comments of a Python source (outside strings), and
 * the per-line and per-file suppressions they declare. */
#include "input.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

void in_noqa_free(in_noqa *nq)
{
    size_t i;
    for (i = 0; i < nq->nq_count; i++)
        mem_free(nq->nq_lines[i].nl_codes);
    mem_free(nq->nq_lines);
    mem_free(nq->nq_file_codes);
    mem_free(nq->nq_safe_lines);
    memset(nq, 0, sizeof *nq);
}

/* Case-insensitive: does s[0..n) start with the NUL-terminated word w? */
static int starts_with_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w), i;
    if (n < k)
        return 0;
    for (i = 0; i < k; i++)
        if (tolower((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

static size_t skip_blanks(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Parses `noqa` at s[i..n) (after the `#` and blanks): returns 0 when it is not a noqa directive,
 * else 1 with *codes NULL (every code) or a malloc'd "GIL101,GIL104" list (-1: out of memory);
 * *end is the offset just after the directive. */
static int parse_noqa(const char *s, size_t i, size_t n, char **codes, size_t *end)
{
    size_t j, len = 0;
    char *list;
    *codes = NULL;
    if (!starts_with_ci(s + i, n - i, "noqa"))
        return 0;
    i += 4;
    *end = i;
    if (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
        return 0;                       /* `# noqaX` is not a directive */
    j = skip_blanks(s, i, n);
    if (j >= n || s[j] != ':')
        return 1;                       /* bare `# noqa` */
    *end = j + 1;
    j = skip_blanks(s, j + 1, n);
    list = mem_alloc(n - j + 1);
    if (!list)
        return -1;
    /* codes: letters then digits, separated by commas and/or blanks */
    while (j < n) {
        size_t start = j;
        while (j < n && isalpha((unsigned char)s[j]))
            j++;
        if (j == start)
            break;
        while (j < n && isdigit((unsigned char)s[j]))
            j++;
        if (j == start || !isdigit((unsigned char)s[j - 1]))
            break;
        if (len)
            list[len++] = ',';
        for (; start < j; start++)
            list[len++] = (char)toupper((unsigned char)s[start]);
        *end = j;
        while (j < n && (s[j] == ',' || s[j] == ' ' || s[j] == '\t'))
            j++;
    }
    list[len] = 0;
    if (!len) {                         /* `# noqa:` without codes means every code, as flake8 */
        mem_free(list);
        return 1;
    }
    *codes = list;
    return 1;
}

/* Appends `add` to the comma list *list (NULL: empty).  Returns 0 or -1 (out of memory). */
static int codes_append(char **list, const char *add)
{
    size_t a = *list ? strlen(*list) : 0, b = strlen(add);
    char *grown = mem_realloc(*list, a + b + 2);
    if (!grown)
        return -1;
    if (a)
        grown[a++] = ',';
    memcpy(grown + a, add, b + 1);
    *list = grown;
    return 0;
}

/* Reads one comment s[0..n) (starting at its `#`, byte column `col`) found on `line`. */
static int comment(in_noqa *nq, const char *s, size_t n, int32_t line, int32_t col)
{
    size_t i, end = 0;
    char *codes;
    int r;
    /* each `#` in the comment may start a directive: `# type: ignore  # noqa: GIL101` */
    for (i = 0; i < n; i++) {
        size_t j;
        if (s[i] != '#')
            continue;
        j = skip_blanks(s, i + 1, n);
        if (starts_with_ci(s + j, n - j, "gilcheck:")) {
            j = skip_blanks(s, j + 9, n);
            if (starts_with_ci(s + j, n - j, "thread-safe")) {
                int32_t *grown = mem_realloc(nq->nq_safe_lines,
                                             (nq->nq_nsafe + 1) * sizeof *grown);
                if (!grown)
                    return -1;
                nq->nq_safe_lines = grown;
                grown[nq->nq_nsafe++] = line;
                continue;
            }
            r = parse_noqa(s, j, n, &codes, &end);
            if (r < 0)
                return -1;
            if (r && !codes)
                nq->nq_file_all = 1;
            if (r && codes) {
                r = codes_append(&nq->nq_file_codes, codes);
                mem_free(codes);
                if (r)
                    return -1;
            }
            continue;
        }
        r = parse_noqa(s, j, n, &codes, &end);
        if (r < 0)
            return -1;
        if (r) {
            in_noqa_line *grown = mem_realloc(nq->nq_lines, (nq->nq_count + 1) * sizeof *grown);
            if (!grown) {
                mem_free(codes);
                return -1;
            }
            nq->nq_lines = grown;
            grown[nq->nq_count].nl_line = line;
            grown[nq->nq_count].nl_codes = codes;
            grown[nq->nq_count].nl_col = col + (int32_t)i;
            grown[nq->nq_count].nl_end_col = col + (int32_t)end;
            nq->nq_count++;
            return 0;                   /* one directive per line */
        }
    }
    return 0;
}

/* 1 when "noqa" or "thread-safe" appears after a '#' on a line, in any case: most files have
 * neither, and this pass is far cheaper than lexing them. */
static int mentions_noqa(const uint8_t *s, size_t len)
{
    const uint8_t *p = s, *end = s + len, *hash;
    while ((hash = memchr(p, '#', (size_t)(end - p)))) {
        for (p = hash + 1; p + 4 <= end && *p != '\n'; p++)
            if (((p[0] | 0x20) == 'n' && (p[1] | 0x20) == 'o' && (p[2] | 0x20) == 'q' &&
                 (p[3] | 0x20) == 'a') ||
                (p + 11 <= end && (p[0] | 0x20) == 't' && !memcmp(p + 1, "hread-safe", 10)))
                return 1;
    }
    return 0;
}

int in_noqa_parse(in_noqa *out, const uint8_t *src, size_t len)
{
    const char *s = (const char *)src;
    size_t i = 0;
    int32_t line = 1;
    size_t line_start = 0;
    memset(out, 0, sizeof *out);
    if (!mentions_noqa(src, len))
        return G_OK;
    while (i < len) {
        char c = s[i];
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
                i++;
            line++;
            i++;
            line_start = i;
        } else if (c == '#') {
            size_t j = i;
            while (j < len && s[j] != '\n' && s[j] != '\r')
                j++;
            if (comment(out, s + i, j - i, line, (int32_t)(i - line_start) + 1)) {
                in_noqa_free(out);
                return G_ENOMEM;
            }
            i = j;
        } else if (c == '\'' || c == '"') {
            /* a string: triple-quoted ones span lines; a backslash escapes the next character
             * (in raw strings too, as far as the tokenizer is concerned) */
            int triple = i + 2 < len && s[i + 1] == c && s[i + 2] == c;
            i += triple ? 3 : 1;
            while (i < len) {
                if (s[i] == '\\' && i + 1 < len) {
                    if (s[i + 1] == '\n' || s[i + 1] == '\r') {
                        if (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n')
                            i++;
                        line++;
                        line_start = i + 2;
                    }
                    i += 2;
                } else if (s[i] == c && (!triple || (i + 2 < len && s[i + 1] == c &&
                                                     s[i + 2] == c))) {
                    i += triple ? 3 : 1;
                    break;
                } else if (s[i] == '\n' || s[i] == '\r') {
                    if (!triple)
                        break;          /* unterminated single-quoted string ends the line */
                    if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
                        i++;
                    line++;
                    i++;
                    line_start = i;
                } else {
                    i++;
                }
            }
        } else {
            i++;
        }
    }
    return G_OK;
}

int in_noqa_load(in_noqa *out, const char *path)
{
    uint8_t *buf;
    size_t n;
    int rc, e;
    memset(out, 0, sizeof *out);
    rc = in_read_file(&buf, &n, &e, path);
    if (rc)
        return rc;
    rc = in_noqa_parse(out, buf ? buf : (const uint8_t *)"", n);
    mem_free(buf);
    return rc;
}

/* Is `code` in the comma list? */
static int list_has(const char *list, const char *code)
{
    size_t k = strlen(code);
    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        size_t i;
        int same = n == k;
        for (i = 0; same && i < n; i++)
            same = toupper((unsigned char)list[i]) == toupper((unsigned char)code[i]);
        if (same)
            return 1;
        list = end ? end + 1 : NULL;
    }
    return 0;
}

int in_noqa_suppressed(const in_noqa *nq, int32_t line, const char *code)
{
    size_t i;
    if (nq->nq_file_all || list_has(nq->nq_file_codes, code))
        return 1;
    for (i = 0; i < nq->nq_count; i++)
        if (nq->nq_lines[i].nl_line == line)
            return !nq->nq_lines[i].nl_codes || list_has(nq->nq_lines[i].nl_codes, code);
    return 0;
}
