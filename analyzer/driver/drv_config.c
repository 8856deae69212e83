/* Configuration roots: finding the configuration file that applies to a path (the closest
 * .gilcheck.toml, gilcheck.toml or pyproject.toml with [tool.gilcheck], no higher than the
 * repository root, never a file someone else could have planted), reading it (TOML through
 * input's tomllib reader) and building its settings value once, under the command line's. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "drv_int.h"

#define CONFIG_MAX (1u << 20)  /* a larger configuration file is an error, not a read */

/* The file names of a configuration, in the order they win within one directory (ruff's). */
static const char *const config_names[] = { ".gilcheck.toml", "gilcheck.toml", "pyproject.toml" };
#define NNAMES (sizeof config_names / sizeof *config_names)

/* One configuration root: a configuration file (or none) and its settings value. */
typedef struct root {
    char *rt_dir;              /* the file's directory ("" for a root without a file) */
    char *rt_file;             /* the file, or NULL: the defaults under the command line */
    int rt_user;               /* the file is the user's own (~/.config/gilcheck) */
    int rt_ok;                 /* rt_set is built */
    drv_settings rt_set;       /* the value (immutable once rt_ok) */
    diag_ctx rt_err;           /* why it could not be built: repeated on every lookup */
    in_walk_opts rt_walk;      /* how directories under it are searched (points into rt_set) */
} root;

/* A directory seen by a lookup and the root that applies to it (NULL: none up to the
 * repository root, the defaults apply). */
typedef struct dir_entry {
    char *de_dir;
    root *de_root;
} dir_entry;

struct drv_registry {
    root **g_roots;            /* every root built, in the order found */
    size_t g_nroots;
    dir_entry *g_dirs;         /* open addressing by XXH3-64 of the directory */
    size_t g_ndirs, g_cap;
    root *g_fallback;          /* for paths without a root of their own; NULL until needed */
    root *g_run;               /* the run's own (drv_settings_default), once decided */
    int g_user_read;           /* the user's configuration was looked for */
    root *g_user;              /* ... and found (NULL: none) */
};

/***** the registry *****/

static void root_free(root *r)
{
    if (!r)
        return;
    free(r->rt_dir);
    free(r->rt_file);
    drv_settings_free(&r->rt_set);
    diag_free(&r->rt_err);
    free(r);
}

void drv_settings_reset(drv_ctx *c)
{
    struct drv_registry *g = c->c_reg;
    size_t i;
    if (!g)
        return;
    for (i = 0; i < g->g_nroots; i++)
        root_free(g->g_roots[i]);
    free(g->g_roots);
    for (i = 0; i < g->g_cap; i++)
        free(g->g_dirs[i].de_dir);
    free(g->g_dirs);
    free(g);
    c->c_reg = NULL;
}

static struct drv_registry *registry(drv_ctx *c)
{
    if (!c->c_reg)
        c->c_reg = calloc(1, sizeof *c->c_reg);
    return c->c_reg;
}

static dir_entry *dir_slot(struct drv_registry *g, const char *dir)
{
    size_t i;
    if (!g->g_cap)
        return NULL;
    for (i = XXH3_64bits(dir, strlen(dir)) & (g->g_cap - 1);; i = (i + 1) & (g->g_cap - 1))
        if (!g->g_dirs[i].de_dir || !strcmp(g->g_dirs[i].de_dir, dir))
            return &g->g_dirs[i];
}

static int dir_remember(struct drv_registry *g, const char *dir, root *r)
{
    dir_entry *e;
    if (g->g_ndirs * 2 >= g->g_cap) {
        size_t cap = g->g_cap ? g->g_cap * 2 : 64, i, old = g->g_cap;
        dir_entry *prev = g->g_dirs;
        if (!(g->g_dirs = calloc(cap, sizeof *g->g_dirs))) {
            g->g_dirs = prev;
            return G_ENOMEM;
        }
        g->g_cap = cap;
        for (i = 0; i < old; i++)
            if (prev[i].de_dir)
                *dir_slot(g, prev[i].de_dir) = prev[i];
        free(prev);
    }
    e = dir_slot(g, dir);
    if (!e->de_dir) {
        if (!(e->de_dir = strdup(dir)))
            return G_ENOMEM;
        g->g_ndirs++;
    }
    e->de_root = r;
    return G_OK;
}

/***** trusting and reading a file *****/

/* Opens a configuration file found by discovery and reads it, unless someone other than the
 * user could have written it: it must be a regular file owned by the user (or root) and not
 * writable by others (nor by a group other than the user's own), as git's safe.directory
 * checks a repository's owner.  Returns G_OK with the text (mem_alloc'd, NUL-terminated);
 * G_EIO when it is not to be read (a warning in d when `trust` found it untrustworthy); G_EBAD
 * (message) when it cannot be read. */
static int read_config(char **out, size_t *len, const char *path, int trust, diag_ctx *d)
{
    struct stat st;
    char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    *out = NULL;
    if (fd < 0)
        return errno == ENOENT ? G_EIO
                               : diag_add(d, G_EBAD, path, -1, "cannot read the configuration "
                                          "(%s)", strerror(errno));
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return G_EIO;
    }
    if (trust) {
        const char *why = NULL;
        char whybuf[160];
        if (st.st_uid != geteuid() && st.st_uid != 0) {
            snprintf(whybuf, sizeof whybuf, "it belongs to uid %ld, not to you (uid %ld) or root",
                     (long)st.st_uid, (long)geteuid());
            why = whybuf;
        } else if (st.st_mode & S_IWOTH) {
            why = "anyone can write it";
        } else if ((st.st_mode & S_IWGRP) && st.st_gid != getegid() && st.st_gid != 0) {
            snprintf(whybuf, sizeof whybuf, "group %ld, not yours, can write it",
                     (long)st.st_gid);
            why = whybuf;
        }
        if (why) {
            close(fd);
            diag_add(d, 0, path, -1, "configuration not read: %s (a configuration file must be "
                     "yours and writable only by you, as git's safe.directory requires)", why);
            return G_EIO;
        }
    }
    if ((size_t)st.st_size > CONFIG_MAX) {
        close(fd);
        return diag_add(d, G_EBAD, path, -1, "configuration larger than %u bytes", CONFIG_MAX);
    }
    if (!(buf = mem_alloc((size_t)st.st_size + 1))) {
        close(fd);
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    *out = buf;
    *len = got;
    return G_OK;
}

/* 1 when a pyproject.toml's text could hold a [tool.gilcheck] table: one that never mentions
 * gilcheck (nor escapes a key) is not parsed at all. */
static int may_mention(const char *text)
{
    return strstr(text, "gilcheck") || strstr(text, "\\u") || strstr(text, "\\U");
}

/* The [tool.gilcheck] table of a configuration file's text into *out (a new reference), or
 * NULL when a pyproject.toml has none.  *what names the table for messages.  G_OK, or G_EBAD /
 * G_ENOMEM with a message naming the file. */
static int config_table(json_t **out, const char **what, const char *path, const char *text,
                        size_t len, diag_ctx *d)
{
    const char *base = strrchr(path, '/');
    int standalone, rc;
    char *js = NULL;
    json_t *doc, *t;
    json_error_t je;
    *out = NULL;
    base = base ? base + 1 : path;
    standalone = strcmp(base, "pyproject.toml") != 0;
    *what = standalone ? "" : "[tool.gilcheck]";
    if (!standalone && !may_mention(text))
        return G_OK;
    if ((rc = in_toml_to_json(&js, (const uint8_t *)text, len, path, d)))
        return rc == G_ENOMEM ? rc : G_EBAD;
    doc = json_loads(js, 0, &je);
    free(js);
    if (!doc)
        return diag_add(d, G_EBAD, path, -1, "cannot read the configuration (%s)", je.text);
    /* gilcheck.toml holds the keys at the top, like ruff.toml; [tool.gilcheck] there too */
    t = json_object_get(json_object_get(doc, "tool"), "gilcheck");
    if (standalone && !(t && json_object_size(doc) == 1))
        t = doc;
    else if (standalone)
        *what = "[tool.gilcheck]";
    if (t && !json_is_object(t)) {
        json_decref(doc);
        return diag_add(d, G_EBAD, path, -1, "[tool.gilcheck] must be a table");
    }
    *out = t ? json_incref(t) : NULL;
    json_decref(doc);
    return G_OK;
}

/***** building a root's value *****/

/* dir/rel when rel is a relative path with a slash (a program next to the configuration),
 * rel itself otherwise; malloc'd. */
static char *relative_program(const char *dir, const char *rel)
{
    char *p;
    if (!dir || !*dir || rel[0] == '/' || !strchr(rel, '/'))
        return strdup(rel);
    if (!(p = malloc(strlen(dir) + strlen(rel) + 2)))
        return NULL;
    sprintf(p, "%s/%s", dir, rel);
    return p;
}

static int set_python(drv_settings *s, const char *path, const char *from)
{
    free(s->s_python);
    free(s->s_python_from);
    s->s_python = path ? strdup(path) : NULL;
    s->s_python_from = from ? strdup(from) : NULL;
    s->s_given = path ? s->s_given | drv_key_bit("python") : s->s_given & ~drv_key_bit("python");
    return (path && !s->s_python) || (from && !s->s_python_from) ? G_ENOMEM : G_OK;
}

static root *user_root(drv_ctx *c, diag_ctx *d);

/* Which interpreter compiles for a root: the command line's (the client's), the environment's,
 * a project file's only when allowed, else the user's own configuration's.  A program named by
 * a project file otherwise is a warning, never run. */
static int resolve_python(drv_settings *v, const drv_settings *layer, const root *r, drv_ctx *c,
                          diag_ctx *d)
{
    const char *env = getenv("GILCHECK_PYTHON");
    int project = layer && r->rt_file && !r->rt_user && layer->s_python;
    root *u;
    if (c->c_cli.s_python)
        return set_python(v, c->c_cli.s_python, c->c_client_only_python ? "the client's settings"
                                                                         : "--python");
    if (c->c_client_only_python) {
        if (project)
            diag_add(d, 0, r->rt_file, -1, "python = \"%s\" is ignored: the language server "
                     "takes the interpreter from the editor's settings only", layer->s_python);
        return set_python(v, NULL, NULL);
    }
    if (env && *env)
        return set_python(v, env, "GILCHECK_PYTHON");
    if (project && c->c_allow_project_python) {
        char *p = relative_program(r->rt_dir, layer->s_python);
        int rc = p ? set_python(v, p, r->rt_file) : G_ENOMEM;
        free(p);
        return rc;
    }
    if (project)
        diag_add(d, 0, r->rt_file, -1, "python = \"%s\" is ignored: a project's configuration "
                 "cannot name a program to run (pass --python, set GILCHECK_PYTHON, put it in "
                 "your own ~/.config/gilcheck/gilcheck.toml, or pass --allow-project-python)",
                 layer->s_python);
    if (r->rt_user && layer && layer->s_python) {
        char *p = relative_program(r->rt_dir, layer->s_python);
        int rc = p ? set_python(v, p, r->rt_file) : G_ENOMEM;
        free(p);
        return rc;
    }
    u = r->rt_user ? NULL : user_root(c, d);
    if (u && u->rt_ok && u->rt_set.s_python)
        return set_python(v, u->rt_set.s_python, u->rt_set.s_python_from);
    return set_python(v, NULL, NULL);
}

/* Reads root r's file (when it has one) and builds its value under the command line's layer.
 * `table` is the file's [tool.gilcheck] when the caller has it already. */
static void root_build(root *r, json_t *table, const char *what, drv_ctx *c)
{
    drv_settings layer;
    diag_ctx *d = &r->rt_err;
    int rc = G_OK;
    memset(&layer, 0, sizeof layer);
    if (r->rt_file && !table) {
        char *text = NULL;
        size_t len = 0;
        rc = read_config(&text, &len, r->rt_file, 0, d);
        if (rc == G_EIO)
            rc = diag_add(d, G_EBAD, r->rt_file, -1, "cannot read the configuration");
        if (!rc && !(rc = config_table(&table, &what, r->rt_file, text, len, d)) && !table)
            rc = diag_add(d, G_EBAD, r->rt_file, -1, "no [tool.gilcheck] table in this file");
        mem_free(text);
    } else if (table) {
        json_incref(table);
    }
    if (!rc && r->rt_file) {
        if (!(layer.s_config_path = strdup(r->rt_file)) || !(layer.s_root = strdup(r->rt_dir)))
            rc = diag_add(d, G_ENOMEM, r->rt_file, -1, "out of memory");
        if (!rc)
            rc = drv_layer_apply(&layer, table, r->rt_file, what, d);
        if (!rc)
            rc = drv_settings_check_codes(&layer, &c->c_kb, r->rt_file, d) ? G_EBAD : G_OK;
    }
    json_decref(table);
    if (!rc && drv_settings_merge(&r->rt_set, r->rt_file ? &layer : NULL, &c->c_cli))
        rc = diag_add(d, G_ENOMEM, r->rt_file, -1, "out of memory");
    if (!rc && (rc = resolve_python(&r->rt_set, r->rt_file ? &layer : NULL, r, c, d)))
        rc = diag_add(d, G_ENOMEM, r->rt_file, -1, "out of memory");
    drv_settings_free(&layer);
    if (rc) {
        drv_settings_free(&r->rt_set);
        return;
    }
    r->rt_set.s_kb = &c->c_kb;
    drv_settings_digest(&r->rt_set);
    r->rt_walk.w_exclude = r->rt_set.s_exclude;
    r->rt_walk.w_nexclude = r->rt_set.s_exclude ? r->rt_set.s_nexclude : 0;
    r->rt_walk.w_extend_exclude = r->rt_set.s_extend_exclude;
    r->rt_walk.w_nextend_exclude = r->rt_set.s_nextend_exclude;
    r->rt_walk.w_root = r->rt_set.s_root;
    r->rt_ok = 1;
}

/* A new root for `file` in `dir` (both may be NULL), registered, and built -- unless reading
 * the file already failed with the messages of `failed`, which become the root's. */
static root *root_new(drv_ctx *c, const char *dir, const char *file, int user, json_t *table,
                      const char *what, const diag_ctx *failed, diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    root *r = calloc(1, sizeof *r), **grown;
    size_t i;
    if (!g || !r || !(r->rt_dir = strdup(dir ? dir : "")) || (file && !(r->rt_file = strdup(file))) ||
        !(grown = realloc(g->g_roots, (g->g_nroots + 1) * sizeof *grown))) {
        root_free(r);
        diag_add(d, G_ENOMEM, file, -1, "out of memory");
        return NULL;
    }
    g->g_roots = grown;
    g->g_roots[g->g_nroots++] = r;
    r->rt_user = user;
    diag_init(&r->rt_err);
    if (failed) {
        for (i = 0; i < failed->d_count; i++)
            diag_add(&r->rt_err, failed->d_msgs[i].dm_code, failed->d_msgs[i].dm_file, -1, "%s",
                     failed->d_msgs[i].dm_text);
        if (!diag_has_error(&r->rt_err))
            diag_add(&r->rt_err, G_EBAD, file, -1, "cannot read the configuration");
        return r;
    }
    root_build(r, table, what, c);
    /* the build's warnings (a project's python ignored) are told once, with the first lookup */
    for (i = 0; i < r->rt_err.d_count; i++)
        if (r->rt_err.d_msgs[i].dm_code == 0)
            diag_add(d, 0, r->rt_err.d_msgs[i].dm_file, -1, "%s", r->rt_err.d_msgs[i].dm_text);
    return r;
}

/* Hands root r's value to a lookup, or its errors. */
static int root_value(const drv_settings **out, const root *r, diag_ctx *d)
{
    size_t i;
    *out = NULL;
    if (!r)
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    if (r->rt_ok) {
        *out = &r->rt_set;
        return G_OK;
    }
    for (i = 0; i < r->rt_err.d_count; i++)
        if (r->rt_err.d_msgs[i].dm_code)
            diag_add(d, r->rt_err.d_msgs[i].dm_code, r->rt_err.d_msgs[i].dm_file, -1, "%s",
                     r->rt_err.d_msgs[i].dm_text);
    if (r->rt_err.d_oom)
        diag_add(d, G_ENOMEM, r->rt_file, -1, "out of memory");
    return G_EBAD;
}

/***** discovery *****/

/* The configuration file in `dir` itself, as a root; NULL when there is none (or only ones not
 * to be trusted: warned about in d). */
static root *config_in(drv_ctx *c, const char *dir, diag_ctx *d, int user)
{
    size_t i;
    char path[PATH_MAX + 32];
    for (i = 0; i < NNAMES; i++) {
        char *text = NULL;
        size_t len = 0;
        json_t *table = NULL;
        const char *what = "";
        diag_ctx err;
        int rc;
        root *r;
        if (user && i == 2)
            break;              /* ~/.config/gilcheck holds no pyproject.toml */
        if (snprintf(path, sizeof path, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
                     config_names[i]) >= (int)sizeof path)
            continue;
        diag_init(&err);
        rc = read_config(&text, &len, path, 1, &err);
        if (!rc)
            rc = config_table(&table, &what, path, text, len, &err);
        mem_free(text);
        if (rc == G_EIO || (!rc && !table)) {   /* absent, untrusted, or no table */
            size_t k;
            for (k = 0; k < err.d_count; k++)   /* the untrusted file's warning */
                diag_add(d, err.d_msgs[k].dm_code, err.d_msgs[k].dm_file, -1, "%s",
                         err.d_msgs[k].dm_text);
            diag_free(&err);
            continue;
        }
        /* unreadable or invalid: the root fails with that message */
        r = root_new(c, dir, path, user, table, what, rc ? &err : NULL, d);
        json_decref(table);
        diag_free(&err);
        return r;
    }
    return NULL;
}

/* 1 when dir is the top of a repository (holds .git, a directory or a worktree's file). */
static int repo_top(const char *dir)
{
    char path[PATH_MAX + 8];
    struct stat st;
    snprintf(path, sizeof path, "%s%s.git", dir, strcmp(dir, "/") ? "/" : "");
    return lstat(path, &st) == 0;
}

/* The root of the closest configuration at or above the absolute directory `dir`, stopping at
 * the repository's top; NULL when there is none.  Every directory passed is remembered. */
static root *find_upward(drv_ctx *c, const char *dir, diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    char cur[PATH_MAX];
    dir_entry *e;
    root *r = NULL;
    size_t n;
    if (!g)
        return NULL;
    snprintf(cur, sizeof cur, "%s", dir);
    if ((e = dir_slot(g, cur)) && e->de_dir)
        return e->de_root;
    if (!(r = config_in(c, cur, d, 0)) && !repo_top(cur) && strcmp(cur, "/")) {
        char parent[PATH_MAX];
        char *slash;
        snprintf(parent, sizeof parent, "%s", cur);
        slash = strrchr(parent, '/');
        if (slash)
            *(slash == parent ? slash + 1 : slash) = 0;
        n = strlen(parent);
        if (n && strcmp(parent, cur))
            r = find_upward(c, parent, d);
    }
    dir_remember(g, cur, r);
    return r;
}

/* ~/.config/gilcheck's configuration (its own root), or NULL. */
static root *user_root(drv_ctx *c, diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    if (!g || g->g_user_read)
        return g ? g->g_user : NULL;
    g->g_user_read = 1;
    if (xdg && *xdg == '/')
        snprintf(dir, sizeof dir, "%s/gilcheck", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.config/gilcheck", home);
    else
        return NULL;
    g->g_user = config_in(c, dir, d, 1);
    return g->g_user;
}

/* The absolute directory of `path` (itself when a directory) into buf; 0 when it does not
 * exist (its parent is tried then, for an editor's unsaved file). */
static int abs_dir(char *buf, const char *path)
{
    char tmp[PATH_MAX];
    struct stat st;
    if (realpath(path, buf)) {
        if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
            char *slash = strrchr(buf, '/');
            if (slash)
                *(slash == buf ? slash + 1 : slash) = 0;
        }
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s", path);
    {
        char *slash = strrchr(tmp, '/');
        if (!slash)
            return getcwd(buf, PATH_MAX) != NULL;
        *(slash == tmp ? slash + 1 : slash) = 0;
    }
    return realpath(tmp, buf) != NULL;
}

/* The root of paths without a configuration of their own. */
static root *fallback_root(drv_ctx *c, diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    char cwd[PATH_MAX];
    root *r = NULL;
    if (!g)
        return NULL;
    if (g->g_fallback)
        return g->g_fallback;
    if (!c->c_isolated && !c->c_no_cwd_default && getcwd(cwd, sizeof cwd))
        r = find_upward(c, cwd, d);
    if (!r && !c->c_isolated)
        r = user_root(c, d);
    if (!r)
        r = root_new(c, NULL, NULL, 0, NULL, "", NULL, d);
    return g->g_fallback = r;
}

/* --config FILE: the only root. */
static root *explicit_root(drv_ctx *c, diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    char abs[PATH_MAX], *slash;
    if (!g)
        return NULL;
    if (g->g_fallback)
        return g->g_fallback;
    if (!realpath(c->c_config, abs))
        snprintf(abs, sizeof abs, "%s", c->c_config);
    slash = strrchr(abs, '/');
    if (slash) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", slash == abs ? 1 : (int)(slash - abs), abs);
        return g->g_fallback = root_new(c, dir, c->c_config, 0, NULL, "", NULL, d);
    }
    return g->g_fallback = root_new(c, ".", c->c_config, 0, NULL, "", NULL, d);
}

/* The root that applies to `path`. */
static root *root_for(drv_ctx *c, const char *path, diag_ctx *d)
{
    char dir[PATH_MAX];
    root *r = NULL;
    if (c->c_config)
        return explicit_root(c, d);
    if (c->c_isolated)
        return fallback_root(c, d);
    if (path && abs_dir(dir, path))
        r = find_upward(c, dir, d);
    return r ? r : fallback_root(c, d);
}

int drv_settings_for(const drv_settings **out, drv_ctx *c, const char *path, diag_ctx *d)
{
    return root_value(out, root_for(c, path, d), d);
}

int drv_settings_default(const drv_settings **out, drv_ctx *c, const char *first_input,
                         diag_ctx *d)
{
    struct drv_registry *g = registry(c);
    char cwd[PATH_MAX];
    root *r = NULL;
    if (g && g->g_run)          /* decided once per run */
        return root_value(out, g->g_run, d);
    if (c->c_config)
        r = explicit_root(c, d);
    if (!r && !c->c_isolated && !c->c_no_cwd_default && getcwd(cwd, sizeof cwd))
        r = find_upward(c, cwd, d);
    if (!r && !c->c_isolated && first_input) {
        char dir[PATH_MAX];
        if (abs_dir(dir, first_input))
            r = find_upward(c, dir, d);
    }
    if (!r)
        r = fallback_root(c, d);
    if (g)
        g->g_run = r;
    return root_value(out, r, d);
}

/***** walking with each directory's settings *****/

typedef struct walk_arg {
    drv_ctx *wa_c;
    diag_ctx *wa_d;
    int wa_gitignore;
    in_walk_opts wa_opts;      /* the root's, with the run's gitignore choice */
} walk_arg;

/* in_walk's callback: the options of the root that applies to directory `abs`; NULL (the
 * directory is skipped) when its configuration is broken (the error is in d). */
static const in_walk_opts *walk_opts(void *arg, const char *abs)
{
    walk_arg *wa = arg;
    root *r = root_for(wa->wa_c, abs, wa->wa_d);
    const drv_settings *s;
    if (root_value(&s, r, wa->wa_d))
        return NULL;
    wa->wa_opts = r->rt_walk;
    wa->wa_opts.w_gitignore = wa->wa_gitignore;
    wa->wa_opts.w_dir_opts = walk_opts;
    wa->wa_opts.w_dir_arg = wa;
    return &wa->wa_opts;
}

int drv_walk(in_paths *out, drv_ctx *c, const char *dir, int gitignore, diag_ctx *d)
{
    walk_arg wa;
    in_walk_opts start;
    memset(&wa, 0, sizeof wa);
    memset(&start, 0, sizeof start);
    wa.wa_c = c;
    wa.wa_d = d;
    wa.wa_gitignore = gitignore;
    start.w_gitignore = gitignore;
    start.w_dir_opts = walk_opts;
    start.w_dir_arg = &wa;
    return in_walk(out, dir, &start, d);
}

int drv_excluded(drv_ctx *c, const char *path, diag_ctx *d)
{
    root *r = root_for(c, path, d);
    const drv_settings *s;
    if (!r || root_value(&s, r, d))
        return 0;
    return in_walk_excluded(&r->rt_walk, path);
}

int drv_config_name(const char *base)
{
    size_t i;
    for (i = 0; i < NNAMES; i++)
        if (!strcmp(base, config_names[i]))
            return 1;
    return 0;
}
