/* Growable text buffers for building output, with a sticky error flag checked once at the end. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

static char empty_text[1];

void sb_init(strbuf *sb)
{
    sb->sb_buf = empty_text;
    sb->sb_len = 0;
    sb->sb_cap = 0;
    sb->sb_failed = 0;
}

void sb_free(strbuf *sb)
{
    if (sb->sb_cap)
        mem_free(sb->sb_buf);
    sb_init(sb);
}

void sb_clear(strbuf *sb)
{
    sb->sb_len = 0;
    if (sb->sb_cap)
        sb->sb_buf[0] = 0;
}

/* Makes room for n more bytes plus the NUL; returns 0 when it cannot. */
static int grow(strbuf *sb, size_t n)
{
    size_t cap;
    char *p;
    if (sb->sb_failed)
        return 0;
    if (sb->sb_cap && sb->sb_cap - sb->sb_len > n)
        return 1;
    cap = sb->sb_cap ? sb->sb_cap : 64;
    while (cap - sb->sb_len <= n) {
        if (cap > ((size_t)-1) / 2) {
            sb->sb_failed = 1;
            return 0;
        }
        cap *= 2;
    }
    p = sb->sb_cap ? mem_realloc(sb->sb_buf, cap) : mem_alloc(cap);
    if (!p) {
        sb->sb_failed = 1;
        return 0;
    }
    if (!sb->sb_cap)
        p[0] = 0;
    sb->sb_buf = p;
    sb->sb_cap = cap;
    return 1;
}

void sb_putn(strbuf *sb, const char *s, size_t n)
{
    if (!grow(sb, n))
        return;
    memcpy(sb->sb_buf + sb->sb_len, s, n);
    sb->sb_len += n;
    sb->sb_buf[sb->sb_len] = 0;
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_putn(sb, s, strlen(s));
}

void sb_putc(strbuf *sb, char c)
{
    sb_putn(sb, &c, 1);
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->sb_failed = 1;
        return;
    }
    if (!grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->sb_buf + sb->sb_len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->sb_len += (size_t)n;
}
