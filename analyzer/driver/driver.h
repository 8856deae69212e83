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
    char c_python_why[600];    /* why it could not ("PATH: cannot run the interpreter (...)") */
    int c_no_pycache;          /* always compile; never reuse __pycache__ */
} drv_ctx;

/* Loads the rules (rule_default_dir(argv0)) into a fresh context with empty settings.
 * Returns G_OK or a negative code with a message in d; *c needs drv_close either way. */
int drv_open(drv_ctx *c, const char *argv0, diag_ctx *d);
void drv_close(drv_ctx *c);

/* One analysed file. */
typedef struct drv_result {
    eng_result r_res;          /* drv_analyze: its findings (selected, not suppressed); a syntax
                                * error's GIL000 (also after drv_summarize) */
    eng_summary *r_sum;        /* its summary (drv_summarize), NULL for a syntax error */
    pyc_file *r_image;         /* a compiled .py's decoded image the findings point into, or NULL */
    const bc_file *r_bf;       /* the decoded code objects (f_code indexes them; the HTML bytecode),
                                * in r_image's arena or in `a`; NULL for a syntax error */
    const char *r_source;      /* a .pyc's source file whose `# noqa` comments apply, or NULL
                                  (in the arena) */
} drv_result;

/* Compiles or loads, decodes and summarizes `path`: a .pyc is loaded, anything else compiled as
 * Python source -- by the embedded 3.11, or by c_set.s_python when set -- unless a fresh
 * __pycache__/NAME.cpython-3X.pyc of that version exists (timestamp, or unchecked hash,
 * validated as import does).  When src is not NULL the source is src[0..len) (an editor's
 * buffer) and `path` only names it.  The summary (out->r_sum) names its module after the path
 * (in_module_name); its candidates carry their interleavings.  A syntax error is one GIL000 in
 * out->r_res and no summary.  Allocations in `a` (and out->r_image).  Returns G_OK, or a
 * negative code with a message naming the file in d (out is then empty).  Free with
 * drv_result_free before resetting `a`. */
int drv_summarize(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                  size_t len, arena *a, diag_ctx *d);

/* drv_summarize, then the races of that file alone (drv_compose of one unit) into out->r_res. */
int drv_analyze(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                size_t len, arena *a, diag_ctx *d);
void drv_result_free(drv_result *r);

/* One file of a run, for the composition. */
typedef struct drv_unit {
    const char *u_path;        /* the file as the run names it */
    int u_rc;                  /* G_OK, or its analysis failed (no summary, no findings) */
    eng_summary *u_sum;        /* its summary; NULL for a failure or a syntax error */
    eng_result u_res;          /* before drv_compose: a syntax error's GIL000; after: its
                                * findings, selected and not suppressed, in position order */
    const char *u_source;      /* a .pyc's source whose `# noqa` comments apply, or NULL */
    const uint8_t *u_text;     /* an editor's buffer holding the comments, or NULL (read them
                                * from u_source or u_path) */
    size_t u_len;
} drv_unit;

/* The races of a run: composes the summaries of units[0..n) (eng_compose) and appends each
 * finding to its unit's u_res, then drops what the settings do not select and `# noqa`
 * suppresses.  Allocations in a.  Returns G_OK; G_EBAD with a message in d when a configured
 * name matched nothing (the findings are there all the same); G_ENOMEM. */
int drv_compose(drv_unit *units, size_t n, drv_ctx *c, arena *a, diag_ctx *d);

/* 1 when drv_analyze of the source file `path` would analyse a fresh __pycache__ pyc instead of
 * compiling it (never with c_no_pycache). */
int drv_fresh_pycache(drv_ctx *c, const char *path);

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

/* ---- results as bytes, the result cache (drv_blob.c, drv_cache.c) ---- */

/* One file's outcome as bytes: what a worker process sends and what the cache stores. */
typedef struct drv_blob {
    uint8_t *b_data;           /* mem_alloc'd */
    size_t b_len;              /* bytes used */
    size_t b_cap;              /* bytes allocated */
} drv_blob;

/* Appends rc (G_OK or the analysis's failure), the outcome of drv_summarize r (when rc is
 * G_OK: the summary with its candidates, or a syntax error's GIL000) and every message of d to
 * *out.  Returns G_OK or G_ENOMEM (*out then holds a partial record). */
int drv_blob_put(drv_blob *out, int rc, const drv_result *r, const diag_ctx *d);

/* Decodes a record of drv_blob_put into the unit for `path` (u_rc, u_sum, u_res, u_source;
 * allocations in a) and appends its messages to d.  Returns G_OK, G_ETRUNC / G_EBAD for damaged
 * bytes (nothing usable then), or G_ENOMEM. */
int drv_blob_get(drv_unit *out, const char *path, const uint8_t *p, size_t n, arena *a,
                 diag_ctx *d);

void drv_blob_free(drv_blob *b);

/* The result cache: .gilcheck_cache/<gilcheck version>/<2 hex>/<30 hex> under the settings' root
 * (the config file's directory) or the current directory, one file per analysed file, keyed by
 * a hash of its path and content, gilcheck's version and executable (a rebuild is a new cache)
 * and a digest of the settings and the rules' text.  Entries are written atomically (temporary file + rename); a damaged one is a miss. */
typedef struct drv_cache {
    char *ca_dir;              /* ".../.gilcheck_cache/<version>" (malloc'd) */
    uint8_t ca_digest[16];     /* version + settings + rules */
    int ca_write_ok;           /* 0 after the directory could not be created: lookups only */
    unsigned long ca_hits;     /* lookups answered (this process) */
    unsigned long ca_stored;   /* entries written (this process) */
} drv_cache;

/* Prepares the cache for the run c (rules read from rule_default_dir(argv0)).  Every field of
 * drv_settings that changes a file's findings must be fed to the digest in drv_cache.c.
 * Returns G_OK, G_ENOMEM, or G_EIO with a message when the rules cannot be read. */
int drv_cache_open(drv_cache *cache, const drv_ctx *c, const char *argv0, diag_ctx *d);
void drv_cache_close(drv_cache *cache);

/* The cache's record for `path` as it is now: 1 with the record in *out (its buffer replaced),
 * 0 on a miss or when the file cannot be read (*out untouched).  Never analyses. */
int drv_cache_get(drv_blob *out, drv_cache *cache, const char *path);

/* One file, through the cache when `cache` is not NULL: its outcome as a record of drv_blob_put
 * in *out (a hit's stored bytes, or drv_analyze's result, stored when it has no error other than
 * a syntax error).  `a` is reset.  Returns G_OK, or G_ENOMEM when not even the record fits. */
int drv_run_file(drv_blob *out, drv_ctx *c, drv_cache *cache, const char *path, arena *a);

/* The directory the cache of settings s lives in: "<root>/.gilcheck_cache" into buf. */
const char *drv_cache_root(const drv_settings *s, char *buf, size_t size);

/* Removes the directory `dir` (a .gilcheck_cache) and everything below it, without following
 * symbolic links; *out_files counts the files removed.  Returns G_OK (also when it does not
 * exist) or G_EIO with a message. */
int drv_cache_clean(const char *dir, unsigned long *out_files, diag_ctx *d);

#endif
