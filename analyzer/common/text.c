/* Text for people: "did you mean" suggestions and word wrapping. */
#include "text.h"

#include <string.h>

/* Damerau-Levenshtein distance (optimal string alignment) of a and b, at most 64 bytes each;
 * longer names are never close. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), i, j;
    size_t d[65][65];
    if (n > 64 || m > 64)
        return (size_t)-1;
    for (i = 0; i <= n; i++)
        d[i][0] = i;
    for (j = 0; j <= m; j++)
        d[0][j] = j;
    for (i = 1; i <= n; i++)
        for (j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

/* Bytes a and b share at their start. */
static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && a[n] == b[n])
        n++;
    return n;
}

const char *txt_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, best_p = 0, i, wl = strlen(word);
    for (i = 0; i < n; i++) {
        size_t dd = distance(word, cands[i]), cl = strlen(cands[i]);
        size_t longer = wl > cl ? wl : cl, pre = common_prefix(word, cands[i]);
        if (dd == 0 || dd * 3 > longer || dd >= wl)
            continue;
        /* the closest; between equally close ones, the one sharing a longer start (a typo is
         * more often at the end: GIL302 is GIL301 rather than GIL102) */
        if (dd < best_d || (dd == best_d && pre > best_p)) {
            best_d = dd;
            best_p = pre;
            best = cands[i];
        }
    }
    return best;
}

size_t txt_width(const char *s, size_t n)
{
    size_t w = 0, i;
    for (i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static void spaces(strbuf *out, size_t n)
{
    while (n--)
        sb_putc(out, ' ');
}

void txt_wrap(strbuf *out, const char *text, size_t width, size_t indent, size_t hang)
{
    size_t col = indent, start_col = indent;
    int fresh = 1;              /* nothing on the current line yet */
    spaces(out, indent);
    while (*text) {
        size_t wlen, ww;
        if (*text == '\n') {
            sb_putc(out, '\n');
            spaces(out, hang);
            col = start_col = hang;
            fresh = 1;
            text++;
            continue;
        }
        if (*text == ' ' || *text == '\t') {
            text++;
            continue;
        }
        wlen = strcspn(text, " \t\n");
        ww = txt_width(text, wlen);
        if (!fresh && col + 1 + ww > width) {
            sb_putc(out, '\n');
            spaces(out, hang);
            col = start_col = hang;
            fresh = 1;
        }
        if (!fresh) {
            sb_putc(out, ' ');
            col++;
        }
        sb_putn(out, text, wlen);
        col += ww;
        fresh = 0;
        text += wlen;
    }
    (void)start_col;
    sb_putc(out, '\n');
}

void txt_unwrap(strbuf *out, const char *text)
{
    const char *p = text;
    int fence = 0;
    size_t prev_ind = 0;
    int in_para = 0;           /* the last line written is prose that may go on */
    while (*p) {
        size_t n = strcspn(p, "\n"), ind = 0;
        int marker;
        while (ind < n && p[ind] == ' ')
            ind++;
        marker = !strncmp(p + ind, "```", 3);
        if (!fence && !marker && ind < n && in_para && ind == prev_ind &&
            strncmp(p + ind, "- ", 2)) {
            sb_putc(out, ' ');         /* the paragraph goes on */
            sb_putn(out, p + ind, n - ind);
        } else {
            if (p != text)
                sb_putc(out, '\n');
            sb_putn(out, p, n);
            in_para = !fence && !marker && ind < n;
            prev_ind = ind + (!strncmp(p + ind, "- ", 2) ? 2 : 0);
        }
        if (marker)
            fence = !fence;
        p += n + (p[n] == '\n');
    }
    if (text[0] && text[strlen(text) - 1] == '\n')
        sb_putc(out, '\n');
}
