/* Loading a whole .pyc: read the file into an arena, parse the header, unmarshal the module. */
#include "pyc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

/* Reads the whole file into `a`: one allocation sized by fstat for regular files, a growing
 * heap buffer copied once for anything else (pipes). */
static int read_file(uint8_t **out, size_t *out_len, arena *a, const char *path, diag_ctx *d)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int e;

    if (!fp)
        return diag_add(d, G_EIO, path, -1, "cannot open: %s", strerror(errno));
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return diag_add(d, G_EIO, path, -1, "cannot read: is a directory");
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)) {
        cap = (size_t)st.st_size;
        buf = arena_alloc(a, cap ? cap : 1);
        if (!buf) {
            fclose(fp);
            return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
        }
        len = fread(buf, 1, cap, fp);
    } else {
        uint8_t *heap = NULL;
        for (;;) {
            size_t got;
            if (len == cap) {
                size_t ncap = cap ? cap * 2 : 64 * 1024;
                uint8_t *grown = ncap > cap ? mem_realloc(heap, ncap) : NULL;
                if (!grown) {
                    mem_free(heap);
                    fclose(fp);
                    return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
                }
                heap = grown;
                cap = ncap;
            }
            got = fread(heap + len, 1, cap - len, fp);
            len += got;
            if (got == 0)
                break;
        }
        buf = arena_alloc(a, len ? len : 1);
        if (buf && len)
            memcpy(buf, heap, len);
        mem_free(heap);
        if (!buf) {
            fclose(fp);
            return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
        }
    }
    e = ferror(fp) ? errno : 0;
    fclose(fp);
    if (e)
        return diag_add(d, G_EIO, path, (long)len, "cannot read: %s", strerror(e));
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
