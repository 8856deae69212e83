/* `check --add-noqa`: writes `# noqa: GILnnn` on every line with a finding, so that gilcheck can
 * be adopted on an existing codebase and catch only new code -- as ruff's --add-noqa. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"
#include "../engine/engine.h"
#include "../input/input.h"
#include "cli.h"

/* One line to change: its number and the codes it needs ("GIL101,GIL104"). */
typedef struct noqa_edit {
    int32_t ne_line;
    char ne_codes[256];
    int ne_skip;               /* left alone (its end is inside a string, after a backslash) */
} noqa_edit;

static int by_line(const void *x, const void *y)
{
    const noqa_edit *a = x, *b = y;
    return (a->ne_line > b->ne_line) - (a->ne_line < b->ne_line);
}

/* Adds code to the comma list when it is not there yet. */
static void codes_add(char *list, size_t size, const char *code)
{
    const char *p = list;
    size_t k = strlen(code);
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == k && !strncmp(p, code, k))
            return;
        p += n + (p[n] == ',');
    }
    if (strlen(list) + k + 2 < size)
        snprintf(list + strlen(list), size - strlen(list), "%s%s", *list ? "," : "", code);
}

/* The directive of a line, or NULL. */
static const in_noqa_line *directive_on(const in_noqa *nq, int32_t line)
{
    size_t i;
    for (i = 0; i < nq->nq_count; i++)
        if (nq->nq_lines[i].nl_line == line)
            return &nq->nq_lines[i];
    return NULL;
}

/* The text with the edits applied into out.  Lines are found by "\n", "\r\n" or "\r". */
static void apply(strbuf *out, const char *text, size_t len, const noqa_edit *e, size_t ne,
                  const in_noqa *nq)
{
    size_t i = 0, k = 0;
    int32_t line = 1;
    while (i <= len) {
        size_t start = i, end, next;
        while (i < len && text[i] != '\n' && text[i] != '\r')
            i++;
        end = i;
        next = i < len ? i + (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : 1)
                       : len + 1;
        while (k < ne && e[k].ne_line < line)
            k++;
        if (k < ne && e[k].ne_line == line && !e[k].ne_skip && end > start &&
            text[end - 1] == '\\') {
            /* a backslash continues the line: nothing may follow it */
            ((noqa_edit *)e)[k].ne_skip = 2;
        }
        if (k < ne && e[k].ne_line == line && !e[k].ne_skip) {
            const in_noqa_line *nl = directive_on(nq, line);
            if (nl && nl->nl_codes) {
                /* `# noqa: GIL101` -> `# noqa: GIL101, GIL104`: the missing ones after the last */
                size_t at = start + (size_t)nl->nl_end_col - 1;
                const char *p = e[k].ne_codes;
                sb_putn(out, text + start, at - start);
                while (*p) {
                    size_t n = strcspn(p, ",");
                    char code[32];
                    snprintf(code, sizeof code, "%.*s", (int)(n < 31 ? n : 31), p);
                    if (!in_noqa_suppressed(nq, line, code))
                        sb_printf(out, ", %s", code);
                    p += n + (p[n] == ',');
                }
                sb_putn(out, text + at, end - at);
            } else {
                size_t stop = end;
                const char *p;
                while (stop > start && (text[stop - 1] == ' ' || text[stop - 1] == '\t'))
                    stop--;
                sb_putn(out, text + start, stop - start);
                sb_puts(out, stop > start ? "  # noqa: " : "# noqa: ");
                for (p = e[k].ne_codes; *p; p++) {
                    if (*p == ',')
                        sb_puts(out, ", ");
                    else
                        sb_putc(out, *p);
                }
            }
        } else {
            sb_putn(out, text + start, end - start);
        }
        if (next <= len)
            sb_putn(out, text + end, next - end);
        i = next;
        line++;
    }
}

/* Writes data to path through a temporary file in its directory, with the file's mode. */
static int replace_file(const char *path, const char *data, size_t len, mode_t mode,
                        diag_ctx *d)
{
    char tmp[4200];
    int fd;
    size_t done = 0;
    snprintf(tmp, sizeof tmp, "%s.gilcheck-noqa.%ld", path, (long)getpid());
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return diag_add(d, G_EIO, path, -1, "cannot write the `# noqa` comments (%s)",
                        strerror(errno));
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (done != len || fchmod(fd, mode & 07777) || close(fd) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return diag_add(d, G_EIO, path, -1, "cannot write the `# noqa` comments (%s)",
                        strerror(e));
    }
    return G_OK;
}

int cli_add_noqa(unsigned long *out_added, const char *path, const finding *f, unsigned int n,
                 diag_ctx *d)
{
    struct stat st;
    uint8_t *text = NULL;
    size_t len = 0, ne = 0, k;
    noqa_edit *e = NULL;
    in_noqa nq, after;
    strbuf sb;
    int err = 0, rc = G_OK, round;
    unsigned int i;
    *out_added = 0;
    if (lstat(path, &st))
        return diag_add(d, G_EIO, path, -1, "cannot read (%s)", strerror(errno));
    if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
        return diag_add(d, 0, path, -1, "no `# noqa` added: not a regular file (a symbolic "
                        "link is not followed for writing)");
    if (strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".pyc"))
        return diag_add(d, 0, path, -1, "no `# noqa` added: a .pyc has no comments (check its "
                        ".py)");
    if (!(e = calloc(n ? n : 1, sizeof *e)))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    for (i = 0; i < n; i++) {
        if (!strcmp(f[i].f_rule, "GIL000") || !strcmp(f[i].f_rule, "GIL900") || f[i].f_line < 1)
            continue;
        for (k = 0; k < ne && e[k].ne_line != f[i].f_line; k++)
            ;
        if (k == ne)
            e[ne++].ne_line = f[i].f_line;
        codes_add(e[k].ne_codes, sizeof e[k].ne_codes, f[i].f_rule);
    }
    if (!ne) {
        free(e);
        return G_OK;
    }
    qsort(e, ne, sizeof *e, by_line);
    if ((rc = in_read_file(&text, &len, &err, path))) {
        free(e);
        return diag_add(d, rc, path, -1, "cannot read (%s)", strerror(err));
    }
    if (in_noqa_parse(&nq, text ? text : (const uint8_t *)"", len)) {
        free(e);
        mem_free(text);
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    }
    sb_init(&sb);
    /* a comment only counts where the tokenizer sees one: an edit whose line ends inside a
     * string or after a backslash is checked by reading the result back, and left out */
    for (round = 0;; round++) {
        size_t bad = 0;
        sb_clear(&sb);
        apply(&sb, text ? (const char *)text : "", len, e, ne, &nq);
        if (sb.sb_failed || in_noqa_parse(&after, (const uint8_t *)sb.sb_buf, sb.sb_len)) {
            rc = diag_add(d, G_ENOMEM, path, -1, "out of memory");
            break;
        }
        for (k = 0; k < ne; k++) {
            const char *p = e[k].ne_codes;
            int ok = 1;
            if (e[k].ne_skip == 2) {
                diag_add(d, 0, path, -1, "line %d: no `# noqa` added: the line continues with "
                         "a backslash", e[k].ne_line);
                e[k].ne_skip = 1;
                continue;
            }
            if (e[k].ne_skip)
                continue;
            while (*p) {
                size_t m = strcspn(p, ",");
                char code[32];
                snprintf(code, sizeof code, "%.*s", (int)(m < 31 ? m : 31), p);
                ok &= in_noqa_suppressed(&after, e[k].ne_line, code);
                p += m + (p[m] == ',');
            }
            if (!ok) {
                e[k].ne_skip = 1;
                bad++;
                diag_add(d, 0, path, -1, "line %d: no `# noqa` added: the line ends inside a "
                         "string", e[k].ne_line);
            }
        }
        in_noqa_free(&after);
        if (!bad)
            break;
        if (round == 3) {
            rc = diag_add(d, G_EIO, path, -1, "cannot place the `# noqa` comments");
            break;
        }
    }
    for (k = 0; !rc && k < ne; k++)
        *out_added += !e[k].ne_skip && !(directive_on(&nq, e[k].ne_line) &&
                                         !directive_on(&nq, e[k].ne_line)->nl_codes);
    if (!rc && *out_added && (sb.sb_len != len || memcmp(sb.sb_buf, text, len)))
        rc = replace_file(path, sb.sb_buf, sb.sb_len, st.st_mode, d);
    else if (!rc)
        *out_added = 0;
    in_noqa_free(&nq);
    sb_free(&sb);
    mem_free(text);
    free(e);
    return rc;
}
