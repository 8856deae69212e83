/* Directory walks: the .py and .pyc files under a directory, with ruff's excludes, .gitignore
 * (input_ignore.c: libgit2, so git's own rules apply, with a bound on the work), symbolic links
 * followed inside the analysed roots, and every directory searched once. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "input_int.h"

/* Directories nobody wants searched: tools' state, builds, installed packages. */
static const char *const default_excludes[] = { ".git", ".hg", ".svn", ".venv", "venv", "build",
                                                "dist", "node_modules", "site-packages",
                                                ".tox", ".nox", ".mypy_cache", ".gilcheck_cache" };

/* The (device, inode) pairs of the directories searched: an open-addressing hash set, so that
 * links to the same directory (two per level, 2^depth paths) cost one search. */
typedef struct dir_key {
    dev_t dk_dev;
    ino_t dk_ino;
    int dk_used;
} dir_key;

typedef struct dir_set {
    dir_key *ds_keys;
    size_t ds_cap;             /* a power of two, or 0 */
    size_t ds_n;
} dir_set;

static size_t dir_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h ^ h >> 29);
}

/* 1 when (dev, ino) was added, 0 when it was there already, -1 when memory ran out. */
static int dir_set_add(dir_set *s, dev_t dev, ino_t ino)
{
    size_t i;
    if (2 * (s->ds_n + 1) > s->ds_cap) {
        size_t cap = s->ds_cap ? s->ds_cap * 2 : 64, k;
        dir_key *keys = calloc(cap, sizeof *keys);
        if (!keys)
            return -1;
        for (k = 0; k < s->ds_cap; k++) {
            if (!s->ds_keys[k].dk_used)
                continue;
            for (i = dir_hash(s->ds_keys[k].dk_dev, s->ds_keys[k].dk_ino) & (cap - 1);
                 keys[i].dk_used; i = (i + 1) & (cap - 1))
                ;
            keys[i] = s->ds_keys[k];
        }
        free(s->ds_keys);
        s->ds_keys = keys;
        s->ds_cap = cap;
    }
    for (i = dir_hash(dev, ino) & (s->ds_cap - 1); s->ds_keys[i].dk_used;
         i = (i + 1) & (s->ds_cap - 1))
        if (s->ds_keys[i].dk_dev == dev && s->ds_keys[i].dk_ino == ino)
            return 0;
    s->ds_keys[i].dk_dev = dev;
    s->ds_keys[i].dk_ino = ino;
    s->ds_keys[i].dk_used = 1;
    s->ds_n++;
    return 1;
}

/* A symbolic link to a directory, searched after the directories the walk reaches without
 * links: a directory reached both ways is then reported under its own path. */
typedef struct deferred {
    char *df_path;             /* the link, as the walk names it */
    char *df_real;             /* its target, resolved */
} deferred;

typedef struct walker {
    in_paths *w_out;
    const in_walk_opts *w_opt;
    diag_ctx *w_d;
    in_ignore *w_ign;          /* .gitignore of the work tree the walk is in, or NULL */
    const in_roots *w_roots;   /* links are followed only inside these */
    int w_follow;              /* ... or wherever they lead (w_follow_symlinks of the start) */
    dir_set w_seen;            /* every directory searched */
    deferred *w_later;         /* links to directories, to search after the rest */
    size_t w_nlater, w_caplater;
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

/* 0 when a symbolic link at `path` resolving to `real` may be followed; otherwise says why not
 * (a warning) and returns 1. */
static int link_leaves(walker *w, const char *path, const char *real)
{
    if (w->w_follow || in_roots_holds(w->w_roots, real))
        return 0;
    diag_add(w->w_d, 0, path, -1, "symbolic link to %s, outside the paths being checked: not "
             "followed (--follow-symlinks follows it)", real);
    return 1;
}

/* Remembers the link at path to the directory real, searched after the rest (search_later). */
static void defer(walker *w, const char *path, const char *real)
{
    deferred *df;
    if (w->w_nlater == w->w_caplater) {
        size_t cap = w->w_caplater ? w->w_caplater * 2 : 16;
        deferred *grown = realloc(w->w_later, cap * sizeof *grown);
        if (!grown) {
            diag_add(w->w_d, G_ENOMEM, path, -1, "out of memory");
            return;
        }
        w->w_later = grown;
        w->w_caplater = cap;
    }
    df = &w->w_later[w->w_nlater];
    if (!(df->df_path = strdup(path)) || !(df->df_real = strdup(real))) {
        free(df->df_path);
        diag_add(w->w_d, G_ENOMEM, path, -1, "out of memory");
        return;
    }
    w->w_nlater++;
}

/* Searches the directory at path (resolved: real; st its status) unless it is one being
 * searched (a loop) or one searched already under another name. */
static void enter(walker *w, const char *path, const char *real, const struct stat *st)
{
    int i;
    for (i = 0; i < w->w_depth; i++)
        if (w->w_dev[i] == st->st_dev && w->w_ino[i] == st->st_ino) {
            diag_add(w->w_d, 0, path, -1, "symbolic link loop (back to %s), not followed", real);
            return;
        }
    switch (dir_set_add(&w->w_seen, st->st_dev, st->st_ino)) {
    case 0:
        diag_add(w->w_d, 0, path, -1, "the directory %s was already searched under another "
                 "name, not searched again", real);
        return;
    case -1:
        diag_add(w->w_d, G_ENOMEM, path, -1, "out of memory");
        return;
    }
    if (w->w_depth >= (int)(sizeof w->w_dev / sizeof *w->w_dev)) {
        diag_add(w->w_d, 0, path, -1, "directories nested too deeply, not searched");
        return;
    }
    w->w_dev[w->w_depth] = st->st_dev;
    w->w_ino[w->w_depth++] = st->st_ino;
    in_ign_enter(w->w_ign, real, w->w_d);
    walk_dir(w, path, real);
    in_ign_leave(w->w_ign);
    w->w_depth--;
}

/* The links to directories, in the order met (their targets may hold more): each target is
 * searched with the ignore files that apply where it is. */
static void search_later(walker *w)
{
    size_t i;
    for (i = 0; i < w->w_nlater; i++) {
        deferred *df = &w->w_later[i];
        char parent[PATH_MAX];
        struct stat st;
        const char *slash = strrchr(df->df_real, '/');
        if (!stat(df->df_real, &st)) {
            snprintf(parent, sizeof parent, "%.*s", (int)(slash && slash != df->df_real
                                                           ? slash - df->df_real : 1),
                     df->df_real);
            in_ign_rescope(w->w_ign, parent);
            w->w_depth = 0;
            enter(w, df->df_path, df->df_real, &st);
        }
    }
    for (i = 0; i < w->w_nlater; i++) {
        free(w->w_later[i].df_path);
        free(w->w_later[i].df_real);
    }
    free(w->w_later);
    w->w_later = NULL;
    w->w_nlater = w->w_caplater = 0;
}

/* One directory entry: a file to keep, a directory to enter, or something to report. */
static void walk_entry(walker *w, const char *dir, const char *abs, const char *name)
{
    char path[PATH_MAX], real[PATH_MAX];
    struct stat st, lst;
    int is_link;
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
        if (in_ign_ignored(w->w_ign, real, 1))
            return;
        if (is_link && link_leaves(w, path, real))
            return;
        if (is_link) {          /* a link up to a directory above this one: a loop */
            size_t n = strlen(real);
            if (!strncmp(abs, real, n) && (abs[n] == '/' || abs[n] == 0 || n == 1)) {
                diag_add(w->w_d, 0, path, -1, "symbolic link loop (back to %s), not followed",
                         real);
                return;
            }
        }
        if (is_link)
            defer(w, path, real);
        else
            enter(w, path, real, &st);
    } else if (S_ISREG(st.st_mode) && (ends_with(name, ".pyc") ||
                                       (ends_with(name, ".py") && !ends_with(dir, "__pycache__")))) {
        if (excluded(w, name, relative(w, path)))
            return;
        if (is_link && (!realpath(path, real) || link_leaves(w, path, real)))
            return;
        snprintf(real, sizeof real, "%s/%s", abs, name);
        if (!in_ign_ignored(w->w_ign, real, 0) && in_paths_add(w->w_out, path))
            diag_add(w->w_d, G_ENOMEM, path, -1, "out of memory");
    }
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The entries of a directory, in name order: which of two links to one directory is searched
 * must not depend on the order the file system lists them in. */
static void walk_dir(walker *w, const char *dir, const char *abs)
{
    const in_walk_opts *outer = w->w_opt;
    DIR *dp;
    struct dirent *e;
    in_paths names = { NULL, 0, 0 };
    size_t i;
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
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && in_paths_add(&names, e->d_name)) {
            diag_add(w->w_d, G_ENOMEM, dir, -1, "out of memory");
            break;
        }
    closedir(dp);
    if (names.p_n)
        qsort(names.p_items, names.p_n, sizeof *names.p_items, by_text);
    for (i = 0; i < names.p_n; i++)
        walk_entry(w, dir, abs, names.p_items[i]);
    in_paths_free(&names);
    w->w_opt = outer;
}

int in_pyc_source(const char *pyc, char *buf, size_t size)
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
        twin[i] = ends_with(p, ".pyc") && in_pyc_source(p, src, sizeof src) &&
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
    in_roots own = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    char abs[PATH_MAX];
    struct stat st;
    size_t before = out->p_n;
    memset(&w, 0, sizeof w);
    w.w_out = out;
    w.w_opt = opt;
    w.w_d = d;
    if (!realpath(dir, abs) || stat(abs, &st))
        return diag_add(d, G_EIO, dir, -1, "cannot open directory (%s)", strerror(errno));
    w.w_roots = opt->w_roots;
    w.w_follow = opt->w_follow_symlinks;
    if (!w.w_roots) {
        if (in_paths_add(&own.r_dirs, abs))
            return diag_add(d, G_ENOMEM, dir, -1, "out of memory");
        w.w_roots = &own;
    }
    if (opt->w_gitignore && in_ign_open(&w.w_ign, abs, d))
        diag_add(d, G_ENOMEM, dir, -1, "out of memory");
    w.w_dev[0] = st.st_dev;
    w.w_ino[0] = st.st_ino;
    w.w_depth = 1;
    if (dir_set_add(&w.w_seen, st.st_dev, st.st_ino) < 0)
        diag_add(d, G_ENOMEM, dir, -1, "out of memory");
    else
        walk_dir(&w, dir, abs);
    search_later(&w);
    in_ign_close(w.w_ign, d);
    free(w.w_seen.ds_keys);
    in_roots_free(&own);
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
