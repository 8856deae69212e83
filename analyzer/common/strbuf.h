/* Growable text buffers for building output, with a sticky error flag checked once at the end. */
#ifndef GILCHECK_COMMON_STRBUF_H
#define GILCHECK_COMMON_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *sb_buf;    /* NUL-terminated text (owned); never NULL after sb_init */
    size_t sb_len;   /* bytes of text, without the NUL */
    size_t sb_cap;   /* bytes allocated */
    int sb_failed;   /* an append ran out of memory: later appends do nothing */
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_clear(strbuf *sb);
void sb_putn(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
