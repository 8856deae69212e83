/* Shared helpers for the unit tests: building marshal bytes by hand and locating test resources. */
#ifndef GILCHECK_TEST_HELPERS_H
#define GILCHECK_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GILCHECK_TEST_RESOURCES
#error "GILCHECK_TEST_RESOURCES must name tests/resources"
#endif

/* A byte buffer a test appends marshal fields to. */
typedef struct bytes {
    uint8_t b[4096];
    size_t n;
} bytes;

static inline void put_u8(bytes *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static inline void put_i32(bytes *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    put_u8(b, u & 0xff);
    put_u8(b, u >> 8 & 0xff);
    put_u8(b, u >> 16 & 0xff);
    put_u8(b, u >> 24 & 0xff);
}
static inline void put_raw(bytes *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}
/* A short ASCII string object ('z'). */
static inline void put_short_str(bytes *b, const char *s)
{
    put_u8(b, 'z');
    put_u8(b, (unsigned)strlen(s));
    put_raw(b, s, strlen(s));
}

/* Reads a whole file into a malloc'd buffer; NULL when it cannot. */
static inline uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Path of a file under tests/resources, in a static buffer. */
static inline const char *resource(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", GILCHECK_TEST_RESOURCES, rel);
    return path;
}

#endif
