/* Run settings: [tool.gilcheck] in pyproject.toml or gilcheck.toml, read with the embedded
 * tomllib, overlaid by the command line. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

static void strv_free(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void drv_settings_free(drv_settings *s)
{
    size_t i;
    strv_free(s->s_select, s->s_nselect);
    strv_free(s->s_extend_select, s->s_nextend_select);
    strv_free(s->s_ignore, s->s_nignore);
    for (i = 0; i < s->s_nfile_ignores; i++) {
        free(s->s_file_ignores[i].fi_glob);
        strv_free(s->s_file_ignores[i].fi_codes, s->s_file_ignores[i].fi_ncodes);
    }
    free(s->s_file_ignores);
    strv_free(s->s_exclude, s->s_nexclude);
    strv_free(s->s_extend_exclude, s->s_nextend_exclude);
    strv_free(s->s_eng.o_lock_names, s->s_eng.o_nlock_names);
    strv_free(s->s_eng.o_entry_points, s->s_eng.o_nentry_points);
    strv_free(s->s_eng.o_safe_classes, s->s_eng.o_nsafe_classes);
    free(s->s_python);
    free(s->s_output_format);
    free(s->s_config_path);
    free(s->s_root);
    memset(s, 0, sizeof *s);
}

/***** Reading [tool.gilcheck] *****/

/* The keys of [tool.gilcheck], as ruff spells its own (kebab-case). */
static const char *const known_keys[] = {
    "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
    "scope", "python", "lock-names", "thread-entry-points", "thread-safe-classes",
    "output-format",
};

static const char *const formats[] = { "full", "concise", "json", "sarif", "github", "html" };

/* "GIL", "GIL1", "GIL101" or "ALL". */
static int is_code_prefix(const char *s)
{
    size_t i;
    if (!strcmp(s, "ALL"))
        return 1;
    if (strncmp(s, "GIL", 3))
        return 0;
    for (i = 3; s[i]; i++)
        if (s[i] < '0' || s[i] > '9' || i >= 6)
            return 0;
    return 1;
}

typedef struct cfg_reader {
    const char *cr_file;       /* the config file, for messages */
    const char *cr_table;      /* "[tool.gilcheck]" or "gilcheck.toml" */
    diag_ctx *cr_d;
} cfg_reader;

static int bad(const cfg_reader *r, const char *key, const char *expected)
{
    return diag_add(r->cr_d, G_EBAD, r->cr_file, -1, "%s%s'%s': expected %s",
                    r->cr_table, *r->cr_table ? " " : "key ", key, expected);
}

/* A list of strings (codes when `codes`) into a fresh vector; G_EBAD naming the key otherwise. */
static int read_list(char ***out, size_t *n, const cfg_reader *r, const char *key, json_t *v,
                     int codes)
{
    size_t i;
    json_t *item;
    char **vec;
    if (!json_is_array(v))
        return bad(r, key, codes ? "a list of rule codes such as [\"GIL101\", \"GIL2\"]"
                                 : "a list of strings");
    vec = calloc(json_array_size(v) + 1, sizeof *vec);
    if (!vec)
        return diag_add(r->cr_d, G_ENOMEM, r->cr_file, -1, "out of memory");
    json_array_foreach(v, i, item) {
        const char *t = json_string_value(item);
        if (!t || (codes && !is_code_prefix(t)) || !(vec[i] = strdup(t))) {
            char what[300];
            strv_free(vec, i);
            if (t && codes) {
                snprintf(what, sizeof what, "rule codes (GIL, GIL1, GIL101 or ALL), not '%s'", t);
                return bad(r, key, what);
            }
            return bad(r, key, codes ? "a list of rule codes" : "a list of strings");
        }
    }
    strv_free(*out, *n);
    *out = vec;
    *n = json_array_size(v);
    return G_OK;
}

/* read_list appending to what *vec holds (the command line's extend-select adds to the file's). */
static int extend_list(char ***vec, size_t *n, const cfg_reader *r, const char *key, json_t *v,
                       int codes)
{
    char **more = NULL, **grown;
    size_t nmore = 0, i;
    int rc = read_list(&more, &nmore, r, key, v, codes);
    if (rc)
        return rc;
    if (!(grown = realloc(*vec, (*n + nmore + 1) * sizeof *grown))) {
        strv_free(more, nmore);
        return diag_add(r->cr_d, G_ENOMEM, r->cr_file, -1, "out of memory");
    }
    for (i = 0; i < nmore; i++)
        grown[(*n)++] = more[i];
    *vec = grown;
    free(more);
    return G_OK;
}

static int read_string(char **out, const cfg_reader *r, const char *key, json_t *v,
                       const char *const *allowed, size_t nallowed, const char *expected)
{
    const char *t = json_string_value(v);
    size_t i;
    if (!t)
        return bad(r, key, expected);
    for (i = 0; i < nallowed && strcmp(allowed[i], t); i++)
        ;
    if (nallowed && i == nallowed)
        return bad(r, key, expected);
    free(*out);
    return (*out = strdup(t)) ? G_OK : diag_add(r->cr_d, G_ENOMEM, r->cr_file, -1, "out of memory");
}

static int read_file_ignores(drv_settings *s, const cfg_reader *r, json_t *v)
{
    const char *glob;
    json_t *codes;
    size_t n = 0;
    if (!json_is_object(v))
        return bad(r, "per-file-ignores", "a table of glob = [codes], such as "
                   "{\"tests/*.py\" = [\"GIL101\"]}");
    s->s_file_ignores = calloc(json_object_size(v) + 1, sizeof *s->s_file_ignores);
    if (!s->s_file_ignores)
        return diag_add(r->cr_d, G_ENOMEM, r->cr_file, -1, "out of memory");
    json_object_foreach(v, glob, codes) {
        drv_file_ignore *fi = &s->s_file_ignores[n];
        char key[600];
        int rc;
        snprintf(key, sizeof key, "per-file-ignores.\"%s\"", glob);
        if ((rc = read_list(&fi->fi_codes, &fi->fi_ncodes, r, key, codes, 1)))
            return rc;
        if (!(fi->fi_glob = strdup(glob)))
            return diag_add(r->cr_d, G_ENOMEM, r->cr_file, -1, "out of memory");
        s->s_nfile_ignores = ++n;
    }
    return G_OK;
}

/* Applies the table t to s; settings already in s (from the command line) win. */
static int apply_table(drv_settings *s, const cfg_reader *r, json_t *t)
{
    const char *key;
    json_t *v;
    int rc = G_OK;
    json_object_foreach(t, key, v) {
        size_t i;
        for (i = 0; i < sizeof known_keys / sizeof *known_keys && strcmp(known_keys[i], key); i++)
            ;
        if (i == sizeof known_keys / sizeof *known_keys) {
            char what[600] = "one of the keys";
            for (i = 0; i < sizeof known_keys / sizeof *known_keys; i++)
                snprintf(what + strlen(what), sizeof what - strlen(what), "%s %s",
                         i ? "," : "", known_keys[i]);
            return diag_add(r->cr_d, G_EBAD, r->cr_file, -1, "%s%sunknown key '%s' (expected %s)",
                            r->cr_table, *r->cr_table ? ": " : "", key, what);
        }
    }
    json_object_foreach(t, key, v) {
        if (!strcmp(key, "select")) {
            if (!s->s_select)
                rc = read_list(&s->s_select, &s->s_nselect, r, key, v, 1);
            else if (!json_is_array(v))
                rc = bad(r, key, "a list of rule codes");
        } else if (!strcmp(key, "extend-select")) {
            rc = extend_list(&s->s_extend_select, &s->s_nextend_select, r, key, v, 1);
        } else if (!strcmp(key, "ignore")) {
            if (!s->s_ignore)
                rc = read_list(&s->s_ignore, &s->s_nignore, r, key, v, 1);
            else if (!json_is_array(v))
                rc = bad(r, key, "a list of rule codes");
        } else if (!strcmp(key, "per-file-ignores")) {
            rc = read_file_ignores(s, r, v);
        } else if (!strcmp(key, "exclude")) {
            if (!s->s_exclude)
                rc = read_list(&s->s_exclude, &s->s_nexclude, r, key, v, 0);
        } else if (!strcmp(key, "extend-exclude")) {
            rc = extend_list(&s->s_extend_exclude, &s->s_nextend_exclude, r, key, v, 0);
        } else if (!strcmp(key, "scope")) {
            static const char *const scopes[] = { "concurrent", "all" };
            char *scope = NULL;
            if (!(rc = read_string(&scope, r, key, v, scopes, 2, "\"concurrent\" or \"all\"")) &&
                !s->s_scope_set) {
                s->s_eng.o_scope_all = !strcmp(scope, "all");
                s->s_scope_set = 1;
            }
            free(scope);
        } else if (!strcmp(key, "python")) {
            char *py = NULL;
            if (!(rc = read_string(&py, r, key, v, NULL, 0, "the path of a Python interpreter")) &&
                !s->s_python) {
                s->s_python = py;
                py = NULL;
            }
            free(py);
        } else if (!strcmp(key, "lock-names")) {
            if (!s->s_eng.o_lock_names)
                rc = read_list(&s->s_eng.o_lock_names, &s->s_eng.o_nlock_names, r, key, v, 0);
        } else if (!strcmp(key, "thread-entry-points")) {
            if (!s->s_eng.o_entry_points)
                rc = read_list(&s->s_eng.o_entry_points, &s->s_eng.o_nentry_points, r, key, v, 0);
        } else if (!strcmp(key, "thread-safe-classes")) {
            if (!s->s_eng.o_safe_classes)
                rc = read_list(&s->s_eng.o_safe_classes, &s->s_eng.o_nsafe_classes, r, key, v, 0);
        } else if (!strcmp(key, "output-format")) {
            char *f = NULL;
            if (!(rc = read_string(&f, r, key, v, formats, sizeof formats / sizeof *formats,
                                   "one of \"full\", \"concise\", \"json\", \"sarif\", "
                                   "\"github\", \"html\"")) && !s->s_output_format) {
                s->s_output_format = f;
                f = NULL;
            }
            free(f);
        }
        if (rc)
            return rc;
    }
    return G_OK;
}

/* The directory part of path ("." when none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    if (!(dir = malloc((size_t)(slash - path) + 1)))
        return NULL;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    return dir;
}

/* Reads the file: *found 1 when it holds gilcheck settings (gilcheck.toml always; a
 * pyproject.toml only with [tool.gilcheck]). */
static int load_file(drv_settings *s, const char *path, int *found, diag_ctx *d)
{
    uint8_t *text = NULL;
    size_t len = 0;
    int err = 0, rc, standalone;
    char *js = NULL;
    json_t *doc, *t;
    json_error_t je;
    const char *base = strrchr(path, '/');
    cfg_reader r;
    *found = 0;
    base = base ? base + 1 : path;
    standalone = strcmp(base, "pyproject.toml") != 0;
    r.cr_file = path;
    r.cr_table = standalone ? "" : "[tool.gilcheck]";
    r.cr_d = d;
    if ((rc = in_read_file(&text, &len, &err, path)))
        return rc == G_ENOMEM ? diag_add(d, rc, path, -1, "out of memory")
                              : diag_add(d, G_EBAD, path, -1, "cannot read the configuration (%s)",
                                         strerror(err));
    rc = in_toml_to_json(&js, text ? text : (const uint8_t *)"", len, path, d);
    mem_free(text);
    if (rc)
        return G_EBAD;
    doc = json_loads(js, 0, &je);
    free(js);
    if (!doc)
        return diag_add(d, G_EBAD, path, -1, "cannot read the configuration (%s)", je.text);
    /* gilcheck.toml holds the keys at the top, like ruff.toml; [tool.gilcheck] there too */
    t = json_object_get(json_object_get(doc, "tool"), "gilcheck");
    if (standalone && !(t && json_object_size(doc) == 1))
        t = doc;
    else if (standalone)
        r.cr_table = "[tool.gilcheck]";
    if (t && !json_is_object(t))
        rc = diag_add(d, G_EBAD, path, -1, "[tool.gilcheck] must be a table");
    else if (t) {
        *found = 1;
        rc = apply_table(s, &r, t);
        if (!rc && !s->s_config_path) {
            s->s_config_path = strdup(path);
            s->s_root = dir_of(path);
            if (!s->s_config_path || !s->s_root)
                rc = diag_add(d, G_ENOMEM, path, -1, "out of memory");
        }
    }
    json_decref(doc);
    return rc;
}

int drv_config_load(drv_settings *s, const char *path, diag_ctx *d)
{
    int found;
    int rc = load_file(s, path, &found, d);
    if (!rc && !found)
        rc = diag_add(d, G_EBAD, path, -1, "no [tool.gilcheck] table in this file");
    return rc;
}

int drv_config_find(drv_settings *s, const char *start, diag_ctx *d)
{
    static const char *const names[] = { "gilcheck.toml", "pyproject.toml" };
    char dir[PATH_MAX], cand[PATH_MAX + 32];
    struct stat st;
    size_t i;
    if (!realpath(start, dir))
        return G_OK;            /* a missing input is reported where it is read */
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = 0;
    }
    for (;;) {
        for (i = 0; i < 2; i++) {
            int found = 0, rc;
            snprintf(cand, sizeof cand, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", names[i]);
            if (stat(cand, &st) || !S_ISREG(st.st_mode))
                continue;
            if ((rc = load_file(s, cand, &found, d)) || found)
                return rc;
        }
        if (!strcmp(dir, "/"))
            return G_OK;
        {
            char *slash = strrchr(dir, '/');
            *(slash == dir ? slash + 1 : slash) = 0;
        }
    }
}
