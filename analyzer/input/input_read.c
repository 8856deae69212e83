/* Reading a whole source file into memory, for the compiler and the # noqa scanner: regular
 * files only, at most IN_MAX_READ bytes (common/file.c). */
#include "input.h"

#include "../common/file.h"

int in_read_file(uint8_t **out, size_t *out_len, int *out_errno, const char *path)
{
    return file_read(out, out_len, out_errno, path, IN_MAX_READ);
}
