/* Reading a whole source file into memory, for the compiler and the # noqa scanner. */
#include "input.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/err.h"
#include "../common/mem.h"

int in_read_file(uint8_t **out, size_t *out_len, int *out_errno, const char *path)
{
    FILE *fp = path && *path ? fopen(path, "rb") : NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    *out_len = 0;
    *out_errno = 0;
    if (!fp) {
        *out_errno = errno;
        return G_EIO;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *grown;
            cap = cap ? cap * 2 : 65536;
            grown = mem_realloc(buf, cap);
            if (!grown) {
                mem_free(buf);
                fclose(fp);
                return G_ENOMEM;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (!got)
            break;
    }
    if (ferror(fp)) {
        *out_errno = errno ? errno : EIO;
        *out_len = SIZE_MAX;  /* opened, but could not be read (a directory, say) */
        mem_free(buf);
        fclose(fp);
        return G_EIO;
    }
    fclose(fp);
    *out = buf;
    *out_len = n;
    return G_OK;
}
