/* LEB128 varints, the encoding of the cache's records and summaries: seven bits a byte, least
 * significant first, the high bit set on every byte but the last. */
#ifndef GILCHECK_VARINT_H
#define GILCHECK_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Writes v into buf (room for VARINT_MAX bytes); returns the bytes written. */
#define VARINT_MAX 10
static inline size_t varint_put(uint8_t *buf, uint64_t v)
{
    size_t n = 0;
    do {
        buf[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* Reads one varint from *p (not past end) into *out and moves *p past it.  G_OK, G_ETRUNC when the
 * bytes end inside it, or G_EBAD when it is longer than 64 bits. */
static inline int varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    int shift = 0;
    *out = 0;
    for (;;) {
        uint8_t b;
        if (*p >= end)
            return G_ETRUNC;
        if (shift > 63)
            return G_EBAD;
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return G_OK;
        }
        shift += 7;
    }
}

#endif
