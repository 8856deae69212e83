/* Loading a whole .pyc: read the file into an arena, parse the header, unmarshal the module. */
#include "pyc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/mem.h"

/* Decodes the image at data[0..len), which lives in `a`.  The file owns `a` when `owns`. */
static int load_image(pyc_file **out, arena *a, int owns, const uint8_t *data, size_t len,
                      const char *name, diag_ctx *d)
{
    pyc_file *f = arena_alloc(a, sizeof *f);
    int rc;
    if (!f)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(f, 0, sizeof *f);
    f->f_arena = a;
    f->f_owns_arena = owns;
    f->f_data = data;
    f->f_size = len;
    rc = pyc_read_header(f, data, len, name, d);
    if (!rc)
        rc = pyc_unmarshal(&f->f_root, &f->f_nrefs, a, data + f->f_header_size,
                           len - f->f_header_size, f->f_header_size, f->f_minor, name, d);
    if (!rc && f->f_root->o_kind != PYC_CODE)
        rc = diag_add(d, G_EBAD, name, (long)f->f_header_size,
                      "bad marshal data at offset %zu (the module is not a code object)",
                      f->f_header_size);
    if (rc)
        return rc;
    *out = f;
    return G_OK;
}

int pyc_load_bytes(pyc_file **out, const uint8_t *data, size_t len, const char *name, diag_ctx *d)
{
    arena *a;
    uint8_t *copy;
    int rc;

    *out = NULL;
    if (arena_new(&a))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    copy = arena_alloc(a, len ? len : 1);
    if (!copy) {
        arena_free(a);
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    }
    if (len)
        memcpy(copy, data, len);
    rc = load_image(out, a, 1, copy, len, name, d);
    if (rc)
        arena_free(a);
    return rc;
}

/* read(2) until n bytes or end of file, retrying after signals; *out_got is the bytes read.
 * Returns 0, or -1 with errno set. */
static int read_full(int fd, uint8_t *buf, size_t n, size_t *out_got)
{
    *out_got = 0;
    while (*out_got < n) {
        ssize_t k = read(fd, buf + *out_got, n - *out_got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        *out_got += (size_t)k;
    }
    return 0;
}

/* Reads the whole file into `a`: one allocation sized by fstat for regular files, a growing
 * heap buffer copied once for anything else (pipes).  Plain open/fstat/read/close: stdio would
 * add a buffer allocation and two more fstat calls per file, which shows over a whole stdlib
 * (mmap costs far more than the copy on the machines measured: docs/benchmarks.md). */
static int read_file(uint8_t **out, size_t *out_len, arena *a, const char *path, diag_ctx *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    int e;

    if (fd < 0)
        return diag_add(d, G_EIO, path, -1, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        e = errno;
        close(fd);
        return diag_add(d, G_EIO, path, -1, "cannot read: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return diag_add(d, G_EIO, path, -1, "cannot read: is a directory");
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {   /* /dev/zero, /dev/urandom, a disk */
        close(fd);
        return diag_add(d, G_EIO, path, -1, "cannot read: a device, not a file");
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > PYC_MAX_FILE) {
        close(fd);
        return diag_add(d, G_EIO, path, -1, "not read: larger than %zu MB, no .pyc is",
                        PYC_MAX_FILE >> 20);
    }
    if (S_ISREG(st.st_mode)) {
        cap = (size_t)st.st_size;
        buf = arena_alloc(a, cap ? cap : 1);
        if (!buf) {
            close(fd);
            return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
        }
        if (read_full(fd, buf, cap, &len) != 0) {
            e = errno;
            close(fd);
            return diag_add(d, G_EIO, path, (long)len, "cannot read: %s", strerror(e));
        }
    } else {
        uint8_t *heap = NULL;
        for (;;) {
            if (len == cap) {
                size_t ncap = cap ? cap * 2 : 64 * 1024;
                uint8_t *grown;
                if (cap >= PYC_MAX_FILE) {
                    mem_free(heap);
                    close(fd);
                    return diag_add(d, G_EIO, path, -1, "not read: more than %zu MB, no .pyc is",
                                    PYC_MAX_FILE >> 20);
                }
                grown = ncap > cap ? mem_realloc(heap, ncap) : NULL;
                if (!grown) {
                    mem_free(heap);
                    close(fd);
                    return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
                }
                heap = grown;
                cap = ncap;
            }
            if (read_full(fd, heap + len, cap - len, &got) != 0) {
                e = errno;
                mem_free(heap);
                close(fd);
                return diag_add(d, G_EIO, path, (long)(len + got), "cannot read: %s",
                                strerror(e));
            }
            len += got;
            if (len < cap)
                break;  /* read_full stops short only at end of file */
        }
        buf = arena_alloc(a, len ? len : 1);
        if (buf && len)
            memcpy(buf, heap, len);
        mem_free(heap);
        if (!buf) {
            close(fd);
            return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
        }
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return G_OK;
}

int pyc_load_path_in(pyc_file **out, arena *a, const char *path, diag_ctx *d)
{
    uint8_t *buf;
    size_t len;
    int rc;
    *out = NULL;
    rc = read_file(&buf, &len, a, path, d);
    return rc ? rc : load_image(out, a, 0, buf, len, path, d);
}

int pyc_load_path(pyc_file **out, const char *path, diag_ctx *d)
{
    arena *a;
    uint8_t *buf;
    size_t len;
    int rc;
    *out = NULL;
    if (arena_new(&a))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    rc = read_file(&buf, &len, a, path, d);
    if (!rc)
        rc = load_image(out, a, 1, buf, len, path, d);
    if (rc)
        arena_free(a);
    return rc;
}

void pyc_file_free(pyc_file *f)
{
    if (f && f->f_owns_arena)
        arena_free(f->f_arena);
}

int pyc_str_eq(const pyc_obj *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->o_kind == PYC_STR && o->u.o_str.len == n && memcmp(o->u.o_str.s, s, n) == 0;
}
