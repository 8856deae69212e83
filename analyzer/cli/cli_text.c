/* How the command line talks to people: usage errors on one line with a "did you mean" and
 * where help is, the terminal's width, and help text wrapped to it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../common/strbuf.h"
#include "../common/text.h"
#include "cli.h"

int cli_usage_error(FILE *err, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(err, "gilcheck: error: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    va_start(ap, fmt);
    vfprintf(err, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(err, "; try 'gilcheck %s --help'\n", cmd);
    else
        fputs("; try 'gilcheck --help'\n", err);
    return EXIT_ERROR;
}

int cli_unknown_option(FILE *err, const char *cmd, const char *arg, const char *const *options)
{
    char name[128];
    const char *near;
    size_t n = 0;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    while (options && options[n])
        n++;
    near = txt_suggest(name, options, n);
    if (near)
        return cli_usage_error(err, cmd, "unknown option '%s' (did you mean '%s'?)", name, near);
    return cli_usage_error(err, cmd, "unknown option '%s'", name);
}

size_t cli_width(FILE *fp)
{
    struct winsize ws;
    const char *cols = getenv("COLUMNS");
    if (fp && isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    if (cols && atoi(cols) >= 20 && atoi(cols) <= 1000)
        return (size_t)atoi(cols);
    return 80;
}

/* Leading spaces of a line. */
static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* Where the description of an entry line ("  --opt VALUE   what it does") starts: after the
 * first run of two or more spaces past the indent; 0 when the line has none. */
static size_t desc_column(const char *s, size_t n)
{
    size_t i = indent_of(s, n);
    for (; i + 1 < n; i++)
        if (s[i] == ' ' && s[i + 1] == ' ') {
            while (i < n && s[i] == ' ')
                i++;
            return i < n ? i : 0;
        }
    return 0;
}

void cli_help(FILE *out, const char *text, size_t width)
{
    strbuf sb, para;
    const char *p = text;
    sb_init(&sb);
    sb_init(&para);
    while (*p) {
        const char *nl = strchr(p, '\n'), *next;
        size_t n = nl ? (size_t)(nl - p) : strlen(p), ind = indent_of(p, n), col;
        next = nl ? nl + 1 : p + n;
        if (ind == n) {                         /* a blank line */
            sb_putc(&sb, '\n');
            p = next;
            continue;
        }
        sb_clear(&para);
        col = ind ? desc_column(p, n) : 0;
        if (ind && col) {
            /* an entry: its name, then the description (and the lines that continue it,
             * indented to the description's column) flowed after it */
            size_t head = col;
            while (head > ind && p[head - 1] == ' ')
                head--;
            sb_putn(&para, p + col, n - col);
            while (*next && indent_of(next, strcspn(next, "\n")) >= col &&
                   indent_of(next, strcspn(next, "\n")) < strcspn(next, "\n")) {
                size_t m = strcspn(next, "\n");
                sb_putc(&para, ' ');
                sb_putn(&para, next + col, m - col);
                next += m + (next[m] == '\n');
            }
            if (col + 20 > width)               /* a narrow terminal: under the name */
                col = ind + 4 < width ? ind + 4 : ind;
            {
                strbuf w;
                sb_init(&w);
                txt_wrap(&w, para.sb_buf, width, col, col);
                if (head + 2 <= col && w.sb_len > head) {
                    memcpy(w.sb_buf, p, head);  /* the name in the first line's indent */
                } else {
                    sb_putn(&sb, p, head);
                    sb_putc(&sb, '\n');
                }
                sb_putn(&sb, w.sb_buf, w.sb_len);
                sb_free(&w);
            }
        } else {
            /* a paragraph: its lines (with the same indent) flowed together */
            sb_putn(&para, p + ind, n - ind);
            while (*next) {
                size_t m = strcspn(next, "\n"), i2 = indent_of(next, m);
                if (i2 == m || i2 != ind || desc_column(next, m) || !strncmp(next + i2, "usage", 5))
                    break;
                sb_putc(&para, ' ');
                sb_putn(&para, next + ind, m - ind);
                next += m + (next[m] == '\n');
            }
            txt_wrap(&sb, para.sb_buf, width, ind, ind + (strncmp(p + ind, "usage:", 6) ? 0 : 7));
        }
        p = next;
    }
    fputs(sb.sb_buf, out);
    sb_free(&sb);
    sb_free(&para);
}

/* 1 when the line (after its indent) has a gap of two spaces: a row of a table. */
static int is_row(const char *s, size_t n)
{
    size_t i = indent_of(s, n);
    for (; i + 1 < n; i++)
        if (s[i] == ' ' && s[i + 1] == ' ')
            return 1;
    return 0;
}

/* A table row too wide for the terminal: broken at blanks, each continuation under the start
 * of the column the break fell in (the text after the last two-space gap before it). */
static void wrap_row(strbuf *out, const char *s, size_t n, size_t width)
{
    size_t ind = indent_of(s, n);
    while (n) {
        size_t cut = 0, i, cols = 0, field = ind, hang;
        if (txt_width(s, n) <= width) {
            sb_putn(out, s, n);
            break;
        }
        for (i = ind; i < n; i++) {      /* the last blank that keeps the line within width */
            cols = txt_width(s, i);
            if (cols > width)
                break;
            if (s[i] == ' ' && i > ind && s[i - 1] != ' ')
                cut = i;
        }
        if (!cut)                        /* one long word: it stays whole */
            for (i = ind; i < n && !cut; i++)
                if (s[i] == ' ')
                    cut = i;
        if (!cut) {
            sb_putn(out, s, n);
            break;
        }
        for (i = ind; i + 1 < cut; i++)  /* the column holding the break */
            if (s[i] == ' ' && s[i + 1] == ' ') {
                while (i < cut && s[i] == ' ')
                    i++;
                field = i;
            }
        hang = field + 8 < width ? field : ind + 4;
        sb_putn(out, s, cut);
        sb_putc(out, '\n');
        while (cut < n && s[cut] == ' ')
            cut++;
        {   /* the rest, as a line of its own under that column */
            strbuf rest;
            size_t k;
            sb_init(&rest);
            for (k = 0; k < hang; k++)
                sb_putc(&rest, ' ');
            sb_putn(&rest, s + cut, n - cut);
            wrap_row(out, rest.sb_buf, rest.sb_len, width);
            sb_free(&rest);
        }
        return;
    }
}

void cli_wrap_text(FILE *out, const char *text, size_t width)
{
    strbuf sb;
    const char *p = text;
    int fence = 0;
    sb_init(&sb);
    while (*p) {
        size_t n = strcspn(p, "\n"), ind = indent_of(p, n);
        const char *next = p + n + (p[n] == '\n');
        int marker = !strncmp(p + ind, "```", 3);
        if (fence || marker || ind == n || txt_width(p, n) <= width) {
            sb_putn(&sb, p, n);        /* code, a blank line, or a line that fits */
            sb_putc(&sb, '\n');
        } else if (is_row(p, n)) {
            wrap_row(&sb, p, n, width);
            sb_putc(&sb, '\n');
        } else {                       /* prose: continued at its indent */
            strbuf line;
            sb_init(&line);
            sb_putn(&line, p + ind, n - ind);
            txt_wrap(&sb, line.sb_buf, width, ind, ind + (strncmp(p + ind, "- ", 2) ? 0 : 2));
            sb_free(&line);
        }
        if (marker)
            fence = !fence;
        p = next;
    }
    fputs(sb.sb_buf, out);
    sb_free(&sb);
}
