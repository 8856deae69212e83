/* .pyc headers: magic number to Python version, the 12-byte (3.6) and PEP 552 16-byte layouts. */
#include "pyc.h"

#include <string.h>

#include "../common/err.h"
#include "pyc_magic.h"

int pyc_magic_minor(int *out_minor, int magic)
{
    size_t i;
    for (i = 0; i < sizeof pyc_magic_ranges / sizeof pyc_magic_ranges[0]; i++) {
        if (magic >= pyc_magic_ranges[i].mr_lo && magic <= pyc_magic_ranges[i].mr_hi) {
            *out_minor = pyc_magic_ranges[i].mr_minor;
            return G_OK;
        }
    }
    return G_EVERSION;
}

int pyc_magic_final(int minor)
{
    size_t i;
    for (i = 0; i < sizeof pyc_magic_ranges / sizeof pyc_magic_ranges[0]; i++)
        if (pyc_magic_ranges[i].mr_minor == minor)
            return pyc_magic_ranges[i].mr_final;
    return -1;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pyc_read_header(pyc_file *f, const uint8_t *data, size_t len, const char *name, diag_ctx *d)
{
    int magic;
    if (len < 4)
        return diag_add(d, G_ETRUNC, name, (long)len,
                        "truncated header at offset %ld (a .pyc starts with 4 magic bytes)",
                        (long)len);
    magic = data[0] | data[1] << 8;
    if (data[2] != '\r' || data[3] != '\n')
        return diag_add(d, G_EBAD, name, 0,
                        "bad magic number at offset 0 (not a .pyc file: bytes 2-3 are not \\r\\n)");
    if (pyc_magic_minor(&f->f_minor, magic))
        return diag_add(d, G_EVERSION, name, 0,
                        "unsupported magic number %d at offset 0 (gilcheck reads CPython 3.6-3.14)",
                        magic);
    f->f_magic = magic;
    f->f_header_size = f->f_minor >= 7 ? 16 : 12;
    if (len < f->f_header_size)
        return diag_add(d, G_ETRUNC, name, (long)len,
                        "truncated header at offset %ld (Python 3.%d headers are %zu bytes)",
                        (long)len, f->f_minor, f->f_header_size);
    if (f->f_minor >= 7) {
        f->f_flags = le32(data + 4);
        if (f->f_flags & ~(uint32_t)(PYC_FLAG_HASH | PYC_FLAG_CHECK))
            return diag_add(d, G_EBAD, name, 4,
                            "bad header at offset 4 (invalid flags 0x%x)", (unsigned)f->f_flags);
        if (f->f_flags & PYC_FLAG_HASH) {
            memcpy(f->f_hash, data + 8, 8);
        } else {
            f->f_mtime = le32(data + 8);
            f->f_srcsize = le32(data + 12);
        }
    } else {
        f->f_mtime = le32(data + 4);
        f->f_srcsize = le32(data + 8);
    }
    return G_OK;
}
