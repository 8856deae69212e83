/* The dotted module name a file is imported as: its name, below the packages (directories with an
 * __init__.py, or __init__.pyc in a tree shipped without sources) that hold it. */
#include "input.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"

/* Does directory dir[0..n) hold __init__.py or __init__.pyc? */
static int is_package(const char *dir, size_t n)
{
    char path[4096];
    struct stat st;
    if (n + 16 >= sizeof path)
        return 0;
    snprintf(path, sizeof path, "%.*s/__init__.py", (int)n, n ? dir : ".");
    if (!stat(path, &st) && S_ISREG(st.st_mode))
        return 1;
    strcat(path, "c");
    return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Prepends name[0..n) and a dot to buf (which holds len bytes); 0, or -1 when it does not fit. */
static int prepend(char *buf, size_t size, size_t *len, const char *name, size_t n)
{
    size_t extra = n + (*len ? 1 : 0);
    if (*len + extra + 1 > size)
        return -1;
    memmove(buf + extra, buf, *len + 1);
    memcpy(buf, name, n);
    if (*len)
        buf[n] = '.';
    *len += extra;
    return 0;
}

int in_module_name(char *buf, size_t size, const char *path, int *out_package)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path, *dot;
    size_t dirlen = slash ? (size_t)(slash - path) : 0, n, len = 0;
    int depth = 0;
    *out_package = 0;
    if (!size)
        return G_EBAD;
    buf[0] = 0;
    /* dir/__pycache__/name.cpython-311.pyc is dir/name */
    if (dirlen >= 11 && !strncmp(path + dirlen - 11, "__pycache__", 11) &&
        (dirlen == 11 || path[dirlen - 12] == '/'))
        dirlen = dirlen == 11 ? 0 : dirlen - 12;
    dot = strchr(base, '.');
    n = dot ? (size_t)(dot - base) : strlen(base);
    if (n == 8 && !strncmp(base, "__init__", 8)) {
        *out_package = 1;
    } else if (prepend(buf, size, &len, base, n)) {
        return G_EBAD;
    }
    /* up through the packages */
    while (depth++ < 64 && is_package(path, dirlen)) {
        const char *up = dirlen ? path + dirlen : path;
        const char *start = up;
        while (start > path && start[-1] != '/')
            start--;
        if (start == up || (up - start == 1 && *start == '.') ||
            (up - start == 2 && !strncmp(start, "..", 2)))
            break;                         /* "." or ".." name no package */
        if (prepend(buf, size, &len, start, (size_t)(up - start)))
            return G_EBAD;
        dirlen = start > path ? (size_t)(start - path - 1) : 0;
        if (start == path)
            break;
    }
    if (!len && *out_package)  /* an __init__ whose directory has no name here */
        return prepend(buf, size, &len, "__init__", 8) ? G_EBAD : G_OK;
    return G_OK;
}
