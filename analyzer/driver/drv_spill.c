/* A run's records while it waits for all of them: the first megabyte in memory, the rest in a
 * temporary file nobody else can open (O_TMPFILE: it has no name, and goes away with the
 * process), so that a run over ten thousand files holds neither their records nor their
 * summaries while its workers analyse; read back one at a time to be composed, and again for the
 * few whose findings are reported.  Without a temporary file (no writable $TMPDIR, a full disk)
 * every record stays in memory, as before this store existed. */
#define _GNU_SOURCE            /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "driver.h"

#define IN_MEMORY ((size_t)1 << 20)   /* records kept in memory before the file is used: they
                                       * stay until the end, beside the composition */

typedef struct rec {
    uint8_t *r_mem;            /* the record in memory (mem_alloc'd), or NULL: in the file */
    uint64_t r_off;            /* its offset in the file */
    size_t r_len;
} rec;

struct drv_spill {
    rec *s_recs;               /* by index */
    size_t s_n;
    int s_fd;                  /* the file, -1 until needed (or when it cannot be had) */
    int s_no_file;             /* it could not be made: memory only */
    uint64_t s_end;            /* bytes written to the file */
    size_t s_in_memory;        /* bytes of records held in memory */
    uint8_t *s_buf;            /* drv_spill_get's buffer */
    size_t s_cap;
};

int drv_spill_new(drv_spill **out, size_t n)
{
    drv_spill *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(s->s_recs = calloc(n ? n : 1, sizeof *s->s_recs))) {
        free(s);
        return G_ENOMEM;
    }
    s->s_n = n;
    s->s_fd = -1;
    *out = s;
    return G_OK;
}

void drv_spill_free(drv_spill *s)
{
    size_t i;
    if (!s)
        return;
    for (i = 0; i < s->s_n; i++)
        mem_free(s->s_recs[i].r_mem);
    if (s->s_fd >= 0)
        close(s->s_fd);
    mem_free(s->s_buf);
    free(s->s_recs);
    free(s);
}

/* An unnamed file in $TMPDIR (else /tmp), readable and writable by its process only; -1 when
 * none can be made there. */
static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;
    if (!dir || !*dir || strlen(dir) > sizeof path - 32)
        dir = "/tmp";
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    /* a file system without O_TMPFILE: a random name, unlinked at once */
    snprintf(path, sizeof path, "%s/gilcheck-records-XXXXXX", dir);
    if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
        unlink(path);
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

int drv_spill_put(drv_spill *s, size_t i, const uint8_t *p, size_t n)
{
    rec *r = &s->s_recs[i];
    mem_free(r->r_mem);
    memset(r, 0, sizeof *r);
    r->r_len = n;
    if (s->s_in_memory + n > IN_MEMORY && !s->s_no_file) {
        if (s->s_fd < 0 && (s->s_fd = temp_file()) < 0)
            s->s_no_file = 1;
        if (s->s_fd >= 0 && !write_all(s->s_fd, p, n, s->s_end)) {
            r->r_off = s->s_end;
            s->s_end += n;
            return G_OK;
        }
        /* a failed write (a full disk): this one and the later ones stay in memory */
        s->s_no_file = 1;
    }
    if (!(r->r_mem = mem_alloc(n ? n : 1)))
        return G_ENOMEM;
    memcpy(r->r_mem, p, n);
    s->s_in_memory += n;
    return G_OK;
}

int drv_spill_get(const uint8_t **out, size_t *out_len, drv_spill *s, size_t i)
{
    const rec *r = &s->s_recs[i];
    size_t got = 0;
    *out_len = r->r_len;
    if (r->r_mem || !r->r_len) {
        *out = r->r_mem;
        return G_OK;
    }
    if (s->s_cap < r->r_len) {
        uint8_t *g = mem_realloc(s->s_buf, r->r_len);
        if (!g)
            return G_ENOMEM;
        s->s_buf = g;
        s->s_cap = r->r_len;
    }
    while (got < r->r_len) {
        ssize_t k = pread(s->s_fd, s->s_buf + got, r->r_len - got, (off_t)(r->r_off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return G_EIO;
        got += (size_t)k;
    }
    *out = s->s_buf;
    return G_OK;
}

int drv_spill_in_file(const drv_spill *s)
{
    return s->s_fd >= 0 && s->s_end > 0;
}
