/* The driver: one file (or an editor's unsaved buffer) through the whole pipeline with a run's
 * settings -- compile or load, decode, analyse, then rule selection and `# noqa`.  Shared by the
 * front ends (check, lsp, explain); knows nothing of output formats. */
#ifndef GILCHECK_DRIVER_H
#define GILCHECK_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/diag.h"
#include "../bytecode/bytecode.h"
#include "../engine/engine.h"
#include "../pyc/pyc.h"

/* `per-file-ignores`: files matching a glob drop these codes. */
typedef struct drv_file_ignore {
    char *fi_glob;             /* fnmatch pattern, relative to the config's directory */
    char **fi_codes;           /* code prefixes ("GIL1", "GIL201") */
    size_t fi_ncodes;
} drv_file_ignore;

/* What a run is configured with: the config file's [tool.gilcheck] overlaid by the command line.
 * Every string is malloc'd and owned (drv_settings_free). */
typedef struct drv_settings {
    eng_options s_eng;         /* scope, lock names, entry points (owned here) */
    int s_scope_set;           /* s_eng.o_scope_all was given (command line or config) */
    char **s_select;           /* code prefixes to report; NULL: every rule */
    size_t s_nselect;
    char **s_extend_select;    /* code prefixes reported beside s_select */
    size_t s_nextend_select;
    char **s_ignore;           /* code prefixes never reported */
    size_t s_nignore;
    drv_file_ignore *s_file_ignores;
    size_t s_nfile_ignores;
    char **s_exclude;          /* globs replacing the default excludes (NULL: the defaults) */
    size_t s_nexclude;
    char **s_extend_exclude;   /* globs added to the excludes */
    size_t s_nextend_exclude;
    char *s_python;            /* interpreter compiling .py files (NULL: the embedded 3.11) */
    char *s_output_format;     /* "full", "concise", ... (NULL: the front end's default) */
    char *s_config_path;       /* the pyproject.toml / gilcheck.toml read, or NULL */
    char *s_root;              /* directory of the config file (globs are relative to it) */
} drv_settings;

/* A run: the rules and knowledge base, and the settings. */
typedef struct drv_ctx {
    eng_kb c_kb;               /* loaded rules (allocations in c_arena) */
    arena *c_arena;
    drv_settings c_set;
    struct in_python *c_python; /* the --python interpreter, started on first use, or NULL */
    int c_python_failed;       /* it could not start: every source is an error */
    int c_no_pycache;          /* always compile; never reuse __pycache__ */
} drv_ctx;

/* Loads the rules (rule_default_dir(argv0)) into a fresh context with empty settings.
 * Returns G_OK or a negative code with a message in d; *c needs drv_close either way. */
int drv_open(drv_ctx *c, const char *argv0, diag_ctx *d);
void drv_close(drv_ctx *c);

/* One analysed file. */
typedef struct drv_result {
    eng_result r_res;          /* findings (selected, not suppressed), allocations in the arena */
    pyc_file *r_image;         /* a compiled .py's decoded image the findings point into, or NULL */
    const bc_file *r_bf;       /* the decoded code objects (f_code indexes them; for eng_interleave),
                                * in r_image's arena or in `a`; NULL for a syntax error */
} drv_result;

/* Analyses `path`: a .pyc is loaded, anything else compiled as Python source -- by the embedded
 * 3.11, or by c_set.s_python when set -- unless a fresh __pycache__/NAME.cpython-3X.pyc of that
 * version exists (timestamp, or unchecked hash, validated as import does).  When src is not
 * NULL the source is src[0..len) (an editor's buffer) and `path` only names it.  Findings go to
 * out->r_res, allocated in `a` (and out->r_image); a syntax error is one GIL000 finding.  Returns
 * G_OK, or a negative code with a message naming the file in d (out is then empty).  Free with
 * drv_result_free before resetting `a`. */
int drv_analyze(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                size_t len, arena *a, diag_ctx *d);
void drv_result_free(drv_result *r);

/* 1 when the settings report `code` in the file at `path`. */
int drv_selected(const drv_settings *s, const char *path, const char *code);

/* Reads the configuration that applies to `start` (a file or directory): the closest
 * gilcheck.toml, or pyproject.toml with a [tool.gilcheck] table, in start's directory or above
 * (read with the embedded tomllib).  Settings already set in *s (the command line's) win.
 * Returns G_OK (also when there is none), or G_EBAD with a message naming the file, the key and
 * what was expected. */
int drv_config_find(drv_settings *s, const char *start, diag_ctx *d);

/* drv_config_find of one named file. */
int drv_config_load(drv_settings *s, const char *path, diag_ctx *d);

void drv_settings_free(drv_settings *s);

#endif
