/* Loading a whole .pyc: read the file into an arena, parse the header, unmarshal the module. */
#include "pyc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

int pyc_load_bytes(pyc_file **out, const uint8_t *data, size_t len, const char *name, diag_ctx *d)
{
    arena *a;
    pyc_file *f;
    uint8_t *copy;
    int rc;

    *out = NULL;
    if (arena_new(&a))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    f = arena_alloc(a, sizeof *f);
    copy = arena_alloc(a, len ? len : 1);
    if (!f || !copy) {
        arena_free(a);
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    }
    memset(f, 0, sizeof *f);
    if (len)
        memcpy(copy, data, len);
    f->f_arena = a;
    f->f_data = copy;
    f->f_size = len;
    rc = pyc_read_header(f, copy, len, name, d);
    if (!rc)
        rc = pyc_unmarshal(&f->f_root, &f->f_nrefs, a, copy + f->f_header_size,
                           len - f->f_header_size, f->f_header_size, f->f_minor, name, d);
    if (!rc && f->f_root->o_kind != PYC_CODE)
        rc = diag_add(d, G_EBAD, name, (long)f->f_header_size,
                      "bad marshal data at offset %zu (the module is not a code object)",
                      f->f_header_size);
    if (rc) {
        arena_free(a);
        return rc;
    }
    *out = f;
    return G_OK;
}

int pyc_load_path(pyc_file **out, const char *path, diag_ctx *d)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    if (!fp)
        return diag_add(d, G_EIO, path, -1, "cannot open: %s", strerror(errno));
    for (;;) {
        size_t got;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            uint8_t *grown = ncap > cap ? mem_realloc(buf, ncap) : NULL;
            if (!grown) {
                mem_free(buf);
                fclose(fp);
                return diag_add(d, G_ENOMEM, path, -1, "out of memory reading the file");
            }
            buf = grown;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        int e = errno;
        mem_free(buf);
        fclose(fp);
        return diag_add(d, G_EIO, path, (long)len, "cannot read: %s", strerror(e));
    }
    fclose(fp);
    rc = pyc_load_bytes(out, buf, len, path, d);
    mem_free(buf);
    return rc;
}

void pyc_file_free(pyc_file *f)
{
    if (f)
        arena_free(f->f_arena);
}

int pyc_str_eq(const pyc_obj *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->o_kind == PYC_STR && o->u.o_str.len == n && memcmp(o->u.o_str.s, s, n) == 0;
}
