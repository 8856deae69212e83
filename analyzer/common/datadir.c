/* Where gilcheck's data files are: beside the running executable (<prefix>/share/gilcheck), or in
 * the source tree of the build tree it was built in. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

/* The data directory relative to the directory of the installed executable; CMake computes it
 * from the install layout (bin -> ../share/gilcheck). */
#ifndef GILCHECK_DATA_FROM_BIN
#define GILCHECK_DATA_FROM_BIN "../share/gilcheck"
#endif

/* The running executable's canonical path in out; 0, or -1 when it cannot be known. */
static int exe_path(char *out, size_t size, const char *argv0)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
    } else if (!argv0 || !strchr(argv0, '/') || !realpath(argv0, buf)) {
        return -1;
    }
    return snprintf(out, size, "%s", buf) < (int)size ? 0 : -1;
}

/* Removes "." and "dir/.." segments of an absolute path in place (the directory part came from
 * a canonical path, so no symbolic link is skipped over). */
static void tidy(char *p)
{
    char *src = p, *dst = p;
    while (*src) {
        size_t len;
        while (*src == '/')
            src++;
        len = strcspn(src, "/");
        if (len == 1 && src[0] == '.') {
            /* nothing */
        } else if (len == 2 && src[0] == '.' && src[1] == '.') {
            while (dst > p && *--dst != '/')
                ;
        } else if (len) {
            *dst++ = '/';
            memmove(dst, src, len);
            dst += len;
        }
        src += len;
    }
    if (dst == p)
        *dst++ = '/';
    *dst = 0;
}

/* Appends ", path" (or "path" first) to the list of paths tried. */
static void note_tried(char *tried, size_t size, const char *path)
{
    size_t n;
    if (!tried || !size)
        return;
    n = strlen(tried);
    if (n < size)
        snprintf(tried + n, size - n, "%s%s", n ? ", " : "", path);
}

/* 1 when the executable exe lies inside the build tree gilcheck was compiled in. */
static int in_build_tree(const char *exe)
{
#ifdef GILCHECK_BINARY_DIR
    char bin[PATH_MAX];
    size_t n;
    if (!realpath(GILCHECK_BINARY_DIR, bin))
        return 0;
    n = strlen(bin);
    return !strncmp(exe, bin, n) && exe[n] == '/';
#else
    (void)exe;
    return 0;
#endif
}

int data_find(char *out, size_t size, const char *installed, const char *in_source,
              const char *argv0, char *tried, size_t tried_size)
{
    char exe[PATH_MAX], cand[PATH_MAX + 256];
    int have_exe = exe_path(exe, sizeof exe, argv0) == 0;
    if (tried && tried_size)
        tried[0] = 0;
    if (size)
        out[0] = 0;
    if (have_exe) {
        char *slash = strrchr(exe, '/');
        snprintf(cand, sizeof cand, "%.*s/%s/%s", (int)(slash - exe), exe, GILCHECK_DATA_FROM_BIN,
                 installed);
        tidy(cand);
        snprintf(out, size, "%s", cand);
        if (access(cand, R_OK) == 0)
            return G_OK;
        note_tried(tried, tried_size, cand);
    } else {
        note_tried(tried, tried_size, "(beside the executable: its path is unknown)");
    }
#ifdef GILCHECK_SOURCE_DIR
    if (have_exe && in_build_tree(exe)) {
        snprintf(cand, sizeof cand, "%s/%s", GILCHECK_SOURCE_DIR, in_source);
        if (access(cand, R_OK) == 0)
            return snprintf(out, size, "%s", cand) < (int)size ? G_OK : G_EIO;
        note_tried(tried, tried_size, cand);
    }
#else
    (void)in_source;
#endif
    return G_EIO;
}
