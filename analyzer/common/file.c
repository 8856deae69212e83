/* Reading files named by the analysed tree: regular files only, under a size cap. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "mem.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

const char *file_strerror(int err)
{
    if (err == FILE_ENOTREG)
        return "not a regular file";
    if (err == EFBIG)
        return "larger than the size limit";
    return strerror(err ? err : EIO);
}

/* Fails with G_EIO and errno e after closing fd. */
static int fail(int fd, int *out_errno, int e, size_t *out_len, size_t len_mark)
{
    close(fd);
    *out_errno = e;
    *out_len = len_mark;
    return G_EIO;
}

int file_read(uint8_t **out, size_t *out_len, int *out_errno, const char *path, size_t max)
{
    struct stat st;
    uint8_t *buf;
    size_t cap, n = 0;
    int fd;

    *out = NULL;
    *out_len = 0;
    *out_errno = 0;
    if (!path || !*path) {
        *out_errno = ENOENT;
        return G_EIO;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore the flag */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        *out_errno = errno;
        return G_EIO;
    }
    if (fstat(fd, &st))
        return fail(fd, out_errno, errno, out_len, SIZE_MAX);
    if (S_ISDIR(st.st_mode))
        return fail(fd, out_errno, EISDIR, out_len, SIZE_MAX);
    if (!S_ISREG(st.st_mode))
        return fail(fd, out_errno, FILE_ENOTREG, out_len, SIZE_MAX);
    if ((uintmax_t)st.st_size > max)
        return fail(fd, out_errno, EFBIG, out_len, 0);
    /* one byte more than fstat says, to see a file that grew; never more than max + 1 */
    cap = (size_t)st.st_size + 1;
    if (!(buf = mem_alloc(cap + 1))) {
        close(fd);
        return G_ENOMEM;
    }
    for (;;) {
        ssize_t got;
        if (n == cap) {
            uint8_t *grown;
            if (cap > max) {
                mem_free(buf);
                return fail(fd, out_errno, EFBIG, out_len, 0);
            }
            cap = cap * 2 > max + 1 || cap * 2 < cap ? max + 1 : cap * 2;
            if (!(grown = mem_realloc(buf, cap + 1))) {
                mem_free(buf);
                close(fd);
                return G_ENOMEM;
            }
            buf = grown;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            mem_free(buf);
            return fail(fd, out_errno, e, out_len, SIZE_MAX);
        }
        if (!got)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n > max) {
        mem_free(buf);
        *out_errno = EFBIG;
        return G_EIO;
    }
    if (!n) {
        mem_free(buf);
        return G_OK;
    }
    buf[n] = 0;
    *out = buf;
    *out_len = n;
    return G_OK;
}
