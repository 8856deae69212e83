/* The analysed roots: the files and directories a run was given, resolved, so that reads the
 * tree asks for (a symbolic link, a .pyc's co_filename) can be kept inside them. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "input.h"

int in_roots_add(in_roots *r, const char *path)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st))
        return G_EIO;                   /* nothing there: it contains nothing */
    return in_paths_add(S_ISDIR(st.st_mode) ? &r->r_dirs : &r->r_files, real);
}

void in_roots_free(in_roots *r)
{
    in_paths_free(&r->r_dirs);
    in_paths_free(&r->r_files);
}

/* 1 when the resolved path `real` is the directory `dir` or below it. */
static int below(const char *real, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 1;
    return !strncmp(real, dir, n) && (real[n] == '/' || real[n] == 0);
}

int in_roots_holds(const in_roots *r, const char *real)
{
    size_t i;
    if (!r || !real)
        return 0;
    for (i = 0; i < r->r_dirs.p_n; i++)
        if (below(real, r->r_dirs.p_items[i]))
            return 1;
    for (i = 0; i < r->r_files.p_n; i++)
        if (!strcmp(real, r->r_files.p_items[i]))
            return 1;
    return 0;
}
