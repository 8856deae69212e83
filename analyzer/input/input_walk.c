/* Directory walks: the .py and .pyc files under a directory, with ruff's excludes, .gitignore
 * (through libgit2, so git's own rules apply), symlinks followed and their loops reported. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "input.h"

/* Directories nobody wants searched: tools' state, builds, installed packages. */
static const char *const default_excludes[] = { ".git", ".hg", ".svn", ".venv", "venv", "build",
                                                "dist", "node_modules", "site-packages",
                                                ".tox", ".nox", ".mypy_cache", ".gilcheck_cache" };

typedef struct walker {
    in_paths *w_out;
    const in_walk_opts *w_opt;
    diag_ctx *w_d;
    git_repository *w_repo;    /* the work tree the walk is in, or NULL */
    const char *w_workdir;     /* its directory, absolute with a trailing '/' */
    dev_t w_dev[64];           /* the directories being walked, outermost first (loops) */
    ino_t w_ino[64];
    int w_depth;
} walker;

int in_paths_add(in_paths *ps, const char *s)
{
    if (ps->p_n == ps->p_cap) {
        size_t cap = ps->p_cap ? ps->p_cap * 2 : 64;
        char **grown = realloc(ps->p_items, cap * sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        ps->p_items = grown;
        ps->p_cap = cap;
    }
    ps->p_items[ps->p_n] = strdup(s);
    return ps->p_items[ps->p_n++] ? G_OK : G_ENOMEM;
}

void in_paths_free(in_paths *ps)
{
    size_t i;
    for (i = 0; i < ps->p_n; i++)
        free(ps->p_items[i]);
    free(ps->p_items);
    memset(ps, 0, sizeof *ps);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* 1 when a pattern matches the entry's name or its path relative to the root. */
static int matches(char *const *globs, size_t n, const char *name, const char *rel)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!fnmatch(globs[i], name, 0) || !fnmatch(globs[i], rel, 0))
            return 1;
    return 0;
}

static int excluded_by(const in_walk_opts *o, const char *name, const char *rel)
{
    if (o->w_exclude ? matches(o->w_exclude, o->w_nexclude, name, rel)
                     : matches((char *const *)default_excludes,
                               sizeof default_excludes / sizeof *default_excludes, name, rel))
        return 1;
    return matches(o->w_extend_exclude, o->w_nextend_exclude, name, rel);
}

static int excluded(const walker *w, const char *name, const char *rel)
{
    return excluded_by(w->w_opt, name, rel);
}

/* 1 when git ignores the entry at absolute path abs (a directory when is_dir). */
static int git_ignored(const walker *w, const char *abs, int is_dir)
{
    char rel[PATH_MAX + 2];
    size_t n = w->w_workdir ? strlen(w->w_workdir) : 0;
    int ignored = 0;
    if (!w->w_repo || strncmp(abs, w->w_workdir, n))
        return 0;
    snprintf(rel, sizeof rel, "%s%s", abs + n, is_dir ? "/" : "");
    if (git_ignore_path_is_ignored(&ignored, w->w_repo, rel) < 0)
        return 0;
    return ignored;
}

/* The path relative to the options' root (for exclude globs). */
static const char *relative(const walker *w, const char *path)
{
    const char *root = w->w_opt->w_root;
    size_t n = root ? strlen(root) : 0;
    if (n && !strncmp(path, root, n) && path[n] == '/')
        return path + n + 1;
    return path[0] == '.' && path[1] == '/' ? path + 2 : path;
}

static void walk_dir(walker *w, const char *dir, const char *abs);

/* One directory entry: a file to keep, a directory to enter, or something to report. */
static void walk_entry(walker *w, const char *dir, const char *abs, const char *name)
{
    char path[PATH_MAX], real[PATH_MAX];
    struct stat st, lst;
    int is_link, i;
    /* the children of "." are "name", not "./name": paths are shown as walked */
    if (snprintf(path, sizeof path, "%s%s%s", strcmp(dir, ".") ? dir : "",
                 strcmp(dir, ".") ? "/" : "", name) >= (int)sizeof path) {
        diag_add(w->w_d, 0, path, -1, "path too long, skipped");
        return;
    }
    if (lstat(path, &lst))
        return;                 /* removed while walking */
    is_link = S_ISLNK(lst.st_mode);
    if (is_link && stat(path, &st)) {
        diag_add(w->w_d, 0, path, -1, "broken symbolic link (%s), skipped", strerror(errno));
        return;
    }
    if (!is_link)
        st = lst;
    if (S_ISDIR(st.st_mode)) {
        if (excluded(w, name, relative(w, path)))
            return;
        if (is_link ? !realpath(path, real)
                    : snprintf(real, sizeof real, "%s/%s", abs, name) >= (int)sizeof real)
            return;
        if (git_ignored(w, real, 1))
            return;
        if (is_link) {          /* a link up to a directory above this one: a loop */
            size_t n = strlen(real);
            if (!strncmp(abs, real, n) && (abs[n] == '/' || abs[n] == 0 || n == 1)) {
                diag_add(w->w_d, 0, path, -1, "symbolic link loop (back to %s), not followed",
                         real);
                return;
            }
        }
        for (i = 0; i < w->w_depth; i++)
            if (w->w_dev[i] == st.st_dev && w->w_ino[i] == st.st_ino) {
                diag_add(w->w_d, 0, path, -1, "symbolic link loop (back to %s), not followed",
                         real);
                return;
            }
        if (w->w_depth >= (int)(sizeof w->w_dev / sizeof *w->w_dev)) {
            diag_add(w->w_d, 0, path, -1, "directories nested too deeply, not searched");
            return;
        }
        w->w_dev[w->w_depth] = st.st_dev;
        w->w_ino[w->w_depth++] = st.st_ino;
        walk_dir(w, path, real);
        w->w_depth--;
    } else if (S_ISREG(st.st_mode) && (ends_with(name, ".pyc") ||
                                       (ends_with(name, ".py") && !ends_with(dir, "__pycache__")))) {
        if (excluded(w, name, relative(w, path)))
            return;
        snprintf(real, sizeof real, "%s/%s", abs, name);
        if (!git_ignored(w, real, 0) && in_paths_add(w->w_out, path))
            diag_add(w->w_d, G_ENOMEM, path, -1, "out of memory");
    }
}

static void walk_dir(walker *w, const char *dir, const char *abs)
{
    const in_walk_opts *outer = w->w_opt;
    DIR *dp;
    struct dirent *e;
    if (outer->w_dir_opts) {   /* this directory's own settings decide about its entries */
        const in_walk_opts *mine = outer->w_dir_opts(outer->w_dir_arg, abs);
        if (!mine)
            return;
        w->w_opt = mine;
    }
    if (!(dp = opendir(dir))) {
        diag_add(w->w_d, G_EIO, dir, -1, "cannot open directory (%s)", strerror(errno));
        w->w_opt = outer;
        return;
    }
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            walk_entry(w, dir, abs, e->d_name);
    closedir(dp);
    w->w_opt = outer;
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The source a walked .pyc was compiled from: dir/__pycache__/NAME.TAG.pyc -> dir/NAME.py,
 * dir/NAME.pyc -> dir/NAME.py.  0 when the path has no such form. */
static int source_of_pyc(const char *pyc, char *buf, size_t size)
{
    const char *slash = strrchr(pyc, '/'), *base = slash ? slash + 1 : pyc, *dot;
    size_t dirlen = (size_t)(base - pyc);
    if (dirlen >= 13 && !strncmp(base - 13, "/__pycache__/", 13)) {
        dot = strchr(base, '.');
        return snprintf(buf, size, "%.*s%.*s.py", (int)(dirlen - 12), pyc, (int)(dot - base),
                        base) < (int)size;
    }
    return snprintf(buf, size, "%.*s.py", (int)(strlen(pyc) - 4), pyc) < (int)size;
}

/* Drops from the sorted paths [from, n) every .pyc whose source .py is also there: the source
 * is analysed instead, so nothing is reported twice. */
static void drop_compiled_twins(in_paths *ps, size_t from)
{
    size_t i, kept = from, n = ps->p_n - from;
    unsigned char *twin = calloc(n ? n : 1, 1);
    char src[PATH_MAX];
    if (!twin)
        return;
    for (i = 0; i < n; i++) {
        const char *key = src, *p = ps->p_items[from + i];
        twin[i] = ends_with(p, ".pyc") && source_of_pyc(p, src, sizeof src) &&
                  bsearch(&key, ps->p_items + from, n, sizeof *ps->p_items, by_text);
    }
    for (i = 0; i < n; i++) {
        if (twin[i])
            free(ps->p_items[from + i]);
        else
            ps->p_items[kept++] = ps->p_items[from + i];
    }
    ps->p_n = kept;
    free(twin);
}

int in_walk(in_paths *out, const char *dir, const in_walk_opts *opt, diag_ctx *d)
{
    walker w;
    char abs[PATH_MAX];
    struct stat st;
    size_t before = out->p_n;
    memset(&w, 0, sizeof w);
    w.w_out = out;
    w.w_opt = opt;
    w.w_d = d;
    if (!realpath(dir, abs) || stat(abs, &st))
        return diag_add(d, G_EIO, dir, -1, "cannot open directory (%s)", strerror(errno));
    if (opt->w_gitignore) {
        git_libgit2_init();
        if (git_repository_open_ext(&w.w_repo, abs, 0, NULL) == 0) {
            const char *wd = git_repository_workdir(w.w_repo);
            if (!wd) {
                git_repository_free(w.w_repo);
                w.w_repo = NULL;
            }
            w.w_workdir = wd;
            /* the user named this directory: when git ignores it (or a directory above it),
             * its contents are judged by the ignore files from it downwards, as if it were the
             * work tree (the repository's info/exclude and core.excludesFile still apply) */
            if (wd && git_ignored(&w, abs, 1)) {
                char top[PATH_MAX + 2];
                snprintf(top, sizeof top, "%s/", abs);
                if (git_repository_set_workdir(w.w_repo, top, 0) == 0)
                    w.w_workdir = git_repository_workdir(w.w_repo);
            }
        }
    }
    w.w_dev[0] = st.st_dev;
    w.w_ino[0] = st.st_ino;
    w.w_depth = 1;
    walk_dir(&w, dir, abs);
    if (w.w_repo)
        git_repository_free(w.w_repo);
    if (opt->w_gitignore)
        git_libgit2_shutdown();
    if (out->p_n > before) {   /* nothing found: p_items may still be NULL */
        qsort(out->p_items + before, out->p_n - before, sizeof *out->p_items, by_text);
        drop_compiled_twins(out, before);
    }
    return G_OK;
}

void in_path_tidy(char *path)
{
    char *src = path, *dst = path;
    int absolute = path[0] == '/';
    while (*src) {
        size_t len;
        while (*src == '/')
            src++;
        len = strcspn(src, "/");
        if (len && !(len == 1 && src[0] == '.')) {
            if (dst > path || absolute)
                *dst++ = '/';
            memmove(dst, src, len);
            dst += len;
        }
        src += len;
    }
    if (dst == path) {
        if (absolute)
            *dst++ = '/';
        else if (*path || src != path)
            *dst++ = '.';
    }
    *dst = 0;
}

int in_walk_excluded(const in_walk_opts *opt, const char *path)
{
    char rel[PATH_MAX], abs[PATH_MAX], base[PATH_MAX];
    size_t n, i;
    /* relative to the configuration's directory (its globs are written so), else to the
     * current directory; a path outside both is judged by its name only */
    if (opt->w_root && *opt->w_root)
        snprintf(base, sizeof base, "%s", opt->w_root);
    else if (!getcwd(base, sizeof base))
        base[0] = 0;
    if (path[0] == '/')
        snprintf(abs, sizeof abs, "%s", path);
    else if (!getcwd(abs, sizeof abs) ||
             strlen(abs) + strlen(path) + 2 > sizeof abs)
        abs[0] = 0;
    else
        strcat(strcat(abs, "/"), path);
    in_path_tidy(abs);
    in_path_tidy(base);
    n = strlen(base);
    if (n > 1 && !strncmp(abs, base, n) && abs[n] == '/') {
        snprintf(rel, sizeof rel, "%s", abs + n + 1);
    } else {
        const char *slash = strrchr(path, '/');
        snprintf(rel, sizeof rel, "%s", slash && slash[1] ? slash + 1 : path);
    }
    /* rel and each of its parents, outermost first: "a", "a/b", "a/b/c.py" */
    for (i = 0;; i++) {
        if (rel[i] == '/' || rel[i] == 0) {
            char save = rel[i];
            const char *name;
            rel[i] = 0;
            name = strrchr(rel, '/');
            name = name ? name + 1 : rel;
            if (*name && strcmp(name, ".") && strcmp(name, "..") && excluded_by(opt, name, rel)) {
                rel[i] = save;
                return 1;
            }
            rel[i] = save;
            if (!save)
                return 0;
        }
    }
}
