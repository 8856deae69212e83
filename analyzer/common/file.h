/* Reading files named by the analysed tree: regular files only, never more than a cap, never a
 * read that blocks (FIFOs) or never ends (devices). */
#ifndef GILCHECK_COMMON_FILE_H
#define GILCHECK_COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>

/* file_read's *out_errno when the path is not a regular file (a directory, FIFO, device, socket):
 * not an errno value, file_strerror names it. */
#define FILE_ENOTREG (-1000)

/* Reads the regular file at path whole into *out (mem_alloc'd with a NUL byte after the last
 * one, the caller frees; NULL for an empty file) and its length into *out_len.  Anything that is
 * not a regular file is refused without reading (FILE_ENOTREG; a FIFO is opened without blocking),
 * and so is a file of more than max bytes (EFBIG), also when it grows while being read.
 * Returns G_OK, G_EIO with the reason in *out_errno (an errno value or FILE_ENOTREG; *out_len is
 * SIZE_MAX when the file opened but could not be read), or G_ENOMEM; nothing to free on failure. */
int file_read(uint8_t **out, size_t *out_len, int *out_errno, const char *path, size_t max);

/* What *out_errno of file_read means: strerror's text, "not a regular file" for FILE_ENOTREG,
 * "larger than the size limit" for EFBIG. */
const char *file_strerror(int err);

#endif
