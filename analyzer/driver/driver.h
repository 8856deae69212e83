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

struct json_t;
struct strbuf;
struct in_paths;

/* `per-file-ignores`: files matching a glob drop these codes. */
typedef struct drv_file_ignore {
    char *fi_glob;             /* fnmatch pattern, relative to the config's directory */
    char **fi_codes;           /* code prefixes ("GIL1", "GIL201") */
    size_t fi_ncodes;
} drv_file_ignore;

/* The settings of one configuration root: its file's [tool.gilcheck] under the command line's
 * (or the language client's) options.  A root's value is built once (drv_settings_for) and never
 * changes afterwards; check, lsp and explain all take it from there.  As a layer (the command
 * line's, one file's) it holds only the keys marked in s_given.  Every string is malloc'd and
 * owned (drv_settings_free).  A new key is a field here and one row of the key table in
 * drv_settings.c, which reads, merges, hashes (cache) and shows it. */
typedef struct drv_settings {
    eng_options s_eng;         /* scope, lock names, entry points (owned here) */
    char **s_select;           /* code prefixes to report; NULL: every rule but the opt-in ones */
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
    char *s_python;            /* interpreter compiling .py files (NULL: the embedded 3.11); only
                                * from a trusted source (see drv_settings_for) */
    char *s_output_format;     /* "full", "concise", ... (NULL: the front end's default) */
    char *s_config_path;       /* the configuration file read, or NULL */
    char *s_root;              /* directory of the config file (globs are relative to it) */
    uint64_t s_given;          /* bit k: key k of the key table is set in this layer */
    char *s_python_from;       /* where s_python came from ("--python", "GILCHECK_PYTHON", a
                                * user or project file, "client settings"), or NULL */
    const eng_kb *s_kb;        /* the run's rules (opt-in rules, code checks); not owned */
    uint8_t s_digest[16];      /* every key that changes findings, and s_root (the cache key) */
} drv_settings;

/* An interpreter that compiles sources for some settings (`python`), started on first use. */
typedef struct drv_python {
    char *dp_path;             /* as configured (malloc'd) */
    struct in_python *dp_py;   /* the compile server, or NULL */
    long dp_owner;             /* pid of the process that started it: a forked worker starts its
                                * own instead of sharing the parent's pipes */
    int dp_failed;             /* it could not start: every source is an error */
    char dp_why[600];          /* why ("PATH: cannot run the interpreter (...)") */
    char dp_ident[300];        /* "3.9 magic 3425 3.9.18 (main, ...)": what the cache keys on */
} drv_python;

#define DRV_MAX_PYTHONS 8

struct drv_registry;

/* A run: the rules and knowledge base, and where its settings come from. */
typedef struct drv_ctx {
    eng_kb c_kb;               /* loaded rules (allocations in c_arena) */
    arena *c_arena;
    drv_settings c_cli;        /* the command line's (the LSP client's) layer: wins over files */
    char *c_config;            /* --config FILE: the only configuration file, or NULL */
    int c_isolated;            /* --isolated: no configuration file at all */
    int c_allow_project_python; /* --allow-project-python: a project file may name `python` */
    int c_client_only_python;  /* the language server: `python` from the client's settings only
                                * (not the environment, nor any file) */
    int c_no_cwd_default;      /* files without a configuration of their own get the defaults,
                                * not the current directory's (the language server) */
    struct drv_registry *c_reg; /* the configuration roots found so far (drv_config.c) */
    drv_python c_py[DRV_MAX_PYTHONS];
    int c_npy;
    int c_no_pycache;          /* always compile; never reuse __pycache__ */
    int c_check_names;         /* a whole project (check): a configured entry point or class
                                * that matches nothing is an error (o_check_names) */
    const struct in_roots *c_roots; /* the files and directories the run was given (not owned):
                                * a .pyc's co_filename is read and shown only inside them */
    int c_follow_symlinks;     /* --follow-symlinks: walks follow links out of c_roots too */
    int c_no_schedules;        /* `check` in a format that shows no two-thread schedule (not
                                * SARIF or HTML): drv_summarize leaves the candidates' f_ilv NULL
                                * (their schedules were a tenth of a run over .pyc files), and
                                * the cache keys on it */
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
                                  (in the arena): its co_filename when drv_pyc_source allows it */
    const char *r_named;       /* a .pyc's co_filename, allowed or not, or NULL (in the arena):
                                  the cache records whether it was allowed */
    eng_result r_noqa;         /* drv_analyze: selected findings a `# noqa` comment suppressed
                                * (the hover says so); not part of the blob or the cache */
} drv_result;

/* Compiles or loads, decodes and summarizes `path` with the settings that apply to it
 * (drv_settings_for): a .pyc is loaded, anything else compiled as Python source -- by the
 * embedded 3.11, or by the settings' `python` when set -- unless a fresh
 * __pycache__/NAME.cpython-3X.pyc of that version exists (a timestamp pyc validated as import
 * does, or a checked-hash pyc whose hash is the source's; an unchecked-hash pyc is never
 * trusted).  When src is not NULL the source is src[0..len) (an editor's
 * buffer) and `path` only names it.  The summary (out->r_sum) names its module after the path
 * (in_module_name); its candidates carry their interleavings (not with c_no_schedules).  A syntax error is one GIL000 in
 * out->r_res and no summary.  Allocations in `a` (and out->r_image).  Returns G_OK, or a
 * negative code with a message naming the file in d (out is then empty).  Free with
 * drv_result_free before resetting `a`. */
int drv_summarize(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                  size_t len, arena *a, diag_ctx *d);

/* drv_summarize of an editor's buffer (or a file when src is NULL), except that the candidates
 * carry no interleavings (f_ilv NULL): the language server makes a finding's schedule with
 * eng_interleave when its line is hovered, rather than every candidate's on every edit.  A
 * buffer is compiled by in_compile_edited: after an edit inside one function's body, that
 * function alone (until drv_buffer_closed). */
int drv_summarize_buffer(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                         size_t len, arena *a, diag_ctx *d);

/* The editor closed the buffer of `path`: what drv_summarize_buffer kept to compile its next
 * version by the edited function alone (in_compile_edited) is let go. */
void drv_buffer_closed(const char *path);

/* drv_summarize, then the races of that file alone (drv_compose of one unit) into out->r_res. */
int drv_analyze(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                size_t len, arena *a, diag_ctx *d);

/* drv_analyze with the settings value s (from drv_settings_for) instead of looking it up; the
 * file is composed alone with s's engine options. */
int drv_analyze_with(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                     const uint8_t *src, size_t len, arena *a, diag_ctx *d);

/* What compiles sources under settings s, as the cache keys on it: the interpreter's magic
 * number and full version ("3.9 magic 3425 3.9.18 (main, ...)"), never its path -- a symlink
 * switched to another version is another interpreter.  Starts s's interpreter (in a child
 * process) when it has not run yet.  NULL when it cannot start. */
const char *drv_python_identity(drv_ctx *c, const drv_settings *s);
void drv_result_free(drv_result *r);

/* 1 when the source file `name` that the .pyc at `pyc` names (its co_filename) may be read and
 * shown: it resolves to a regular file that is one of the roots or lies in one, or to the pyc's
 * own source by convention (in_pyc_source).  Anything else -- ~/.git-credentials, /dev/zero, a
 * file outside the checkout -- is never read: the findings name the .pyc instead. */
int drv_pyc_source(const struct in_roots *roots, const char *pyc, const char *name);

/* One file of a run, for the composition. */
typedef struct drv_unit {
    const char *u_path;        /* the file as the run names it */
    int u_rc;                  /* G_OK, or its analysis failed (no summary, no findings) */
    eng_summary *u_sum;        /* its summary; NULL for a failure or a syntax error */
    eng_result u_res;          /* before drv_compose: a syntax error's GIL000; after: its
                                * findings, selected and not suppressed, in position order */
    const char *u_source;      /* a .pyc's source whose `# noqa` comments apply, or NULL */
    const char *u_dep;         /* a .pyc's co_filename, allowed or not (its outcome depends on
                                * it: drv_cache), or NULL */
    const uint8_t *u_text;     /* an editor's buffer holding the comments, or NULL (read them
                                * from u_source or u_path) */
    size_t u_len;
    eng_result u_noqa;         /* after drv_compose: the selected findings `# noqa` suppressed */
} drv_unit;

/* The races of a run: composes the summaries of units[0..n) (eng_compose, with the engine
 * options of the run's own settings, drv_settings_default, and c_check_names) and appends each
 * finding to its unit's u_res, then drops what each file's settings do not select and moves what
 * `# noqa` suppresses to u_noqa (unknown codes in `# noqa` are warnings in d; GIL900 when
 * selected).  Allocations in a.  Returns G_OK; G_EBAD with a message in d when a configured name
 * matched nothing (the findings are there all the same); G_ENOMEM. */
int drv_compose(drv_unit *units, size_t n, drv_ctx *c, arena *a, diag_ctx *d);

/* After drv_compose, for a report of the whole run: a finding that byte-identical copies of one
 * file all have (a module vendored into several packages) is kept at the first copy in units'
 * order, with the other copies' paths in its f_copies, and dropped from them; a copy that lacks
 * it (a `# noqa` of its own) keeps what it has.  Reads the files that have findings (u_text
 * when set); one it cannot read stands alone.  Allocations in a.  G_OK or G_ENOMEM. */
int drv_fold_copies(drv_unit *units, size_t n, arena *a);

/* drv_compose with the composition's engine options from `run` and unit i's selection and
 * `# noqa` from sets[i] (NULL: the unit is not filtered -- its settings are broken).  Looks
 * nothing up and writes nothing but units, a and d: the language server runs it in a thread
 * of its own while its main thread summarizes (the settings must not be reset meanwhile). */
int drv_compose_with(drv_unit *units, size_t n, const drv_ctx *c, const drv_settings *run,
                     const drv_settings *const *sets, arena *a, diag_ctx *d);

/* Where a composition of records reads unit i's record: *out (valid until the next call) and
 * its length.  G_OK or a negative code. */
typedef int (*drv_read_fn)(const uint8_t **out, size_t *out_len, void *ctx, size_t i);

/* drv_compose of units[0..n) whose outcomes are records of drv_blob_put, read through `read`:
 * each record once, in order, to fill its unit (u_rc, u_source, a syntax error's GIL000) and
 * messages (appended to msgs[i], or dropped when msgs is NULL) and add its summary to the
 * composition in a compact form (eng_run) -- no summary is kept whole -- then again for the
 * few whose findings are reported.  Units keep u_path, u_text and u_len; u_sum stays NULL.  A
 * damaged record is its unit's failure (G_EBAD, with a message in msgs[i]).  Each unit is
 * filtered with sets[i] when sets is not NULL, else with its own settings; the composition
 * takes its engine options from `run` (NULL: the run's own settings, drv_settings_default).
 * Returns drv_compose's codes, or read's. */
int drv_compose_records(drv_unit *units, diag_ctx *msgs, size_t n, drv_ctx *c,
                        const drv_settings *run, const drv_settings *const *sets,
                        drv_read_fn read, void *ctx, arena *a, diag_ctx *d);

/* ---- the records of a run while it waits for all of them (drv_spill.c) ---- */

/* Records by index: the first megabyte in memory, the rest in an unnamed temporary file
 * ($TMPDIR, else /tmp; O_TMPFILE, mode 0600, gone with the process) -- or in memory when no
 * such file can be made or written. */
typedef struct drv_spill drv_spill;

/* A store for records 0..n-1.  G_OK or G_ENOMEM. */
int drv_spill_new(drv_spill **out, size_t n);
void drv_spill_free(drv_spill *s);

/* Stores p[0..n) as record i (replacing any).  G_OK or G_ENOMEM. */
int drv_spill_put(drv_spill *s, size_t i, const uint8_t *p, size_t n);

/* Record i (empty when never put) into *out, valid until the next drv_spill_get or put of i.
 * G_OK, G_ENOMEM or G_EIO (the file could not be read). */
int drv_spill_get(const uint8_t **out, size_t *out_len, drv_spill *s, size_t i);

/* 1 when some record went to the file. */
int drv_spill_in_file(const drv_spill *s);

/* ---- a workspace's summaries (drv_wset.c): what the language server composes ---- */

/* The files `gilcheck check ROOT` would check in a workspace folder, each kept as its record
 * (drv_blob_put) summarized through the folder's result cache, or an editor's buffer in its
 * place, in the walk's order (check's); buffers of files the walk does not list come after.
 * Used by one thread (the one that runs the embedded interpreter). */
typedef struct drv_wset drv_wset;

/* A composition of a set, or of one file's neighbourhood in it: a snapshot of the records
 * (shares nothing with the set), composed by drv_wcomp_compose, reference-counted. */
typedef struct drv_wcomp drv_wcomp;

/* An empty set for the directory `root`: compositions take the engine options of root's
 * settings (drv_settings_for(root)), files are summarized through the result cache of root's
 * configuration root, or of root itself when it has no configuration file (where `gilcheck
 * check` run in it keeps its cache).  Returns G_OK, G_EBAD (root's configuration is broken:
 * the message in d) or G_ENOMEM.  The set is valid until drv_settings_reset. */
int drv_wset_new(drv_wset **out, drv_ctx *c, const char *root, const char *argv0, diag_ctx *d);
void drv_wset_free(drv_wset *w);
const char *drv_wset_root(const drv_wset *w);

/* Walks the root again (drv_walk, .gitignore honoured): files found for the first time wait to
 * be summarized, files no longer found are dropped (unless a buffer stands for them).  At most
 * 10000 files (a warning in d says so).  Messages about directories go to d.  G_OK or
 * G_ENOMEM. */
int drv_wset_walk(drv_wset *w, diag_ctx *d);

/* Summarizes the first waiting file (drv_run_file through the cache; a few milliseconds, or
 * less on a hit).  Returns 1 when a file was summarized (its messages -- a file that cannot be
 * read, a syntax error's absence of summary -- in d), 0 when none waits. */
int drv_wset_step(drv_wset *w, diag_ctx *d);

size_t drv_wset_count(const drv_wset *w);    /* files in the set */
size_t drv_wset_waiting(const drv_wset *w);  /* ... waiting for drv_wset_step */
int drv_wset_has(const drv_wset *w, const char *path);

/* A number that changes whenever a summary the set composes changes (a file summarized again,
 * added, removed, a buffer put or dropped). */
uint64_t drv_wset_generation(const drv_wset *w);

/* The file at `path` changed on disk: it waits to be summarized again.  Returns 0 when the set
 * does not list it (a new file: drv_wset_walk finds it). */
int drv_wset_stale(drv_wset *w, const char *path);

/* The file at `path` is gone: dropped (an editor's buffer of it stays).  0 when not listed. */
int drv_wset_remove(drv_wset *w, const char *path);

/* An editor's buffer text[0..len) of `path`, summarized by drv_summarize (rc its return code, r
 * its result when rc is G_OK, msgs its messages) stands for the file from now on -- it joins
 * the set when the walk does not list it.  `tag` (the buffer's version) is handed back by
 * drv_wcomp_unit.  The set keeps its own copies.  G_OK or G_ENOMEM. */
int drv_wset_buffer(drv_wset *w, const char *path, int rc, const drv_result *r,
                    const diag_ctx *msgs, const uint8_t *text, size_t len, int64_t tag);

/* The buffer of `path` is closed: the file on disk stands for it again (summarized again, as
 * unsaved changes may have been thrown away), or it leaves the set when the walk does not list
 * it. */
void drv_wset_unbuffer(drv_wset *w, const char *path);

/* A snapshot of every file of the set that has a summary (focus NULL), or of the `max` files
 * nearest to `focus` by imports (breadth first, both directions; files of one module name
 * together), in the set's order.  Settings are looked up here; nothing else is.  *out has one
 * reference.  G_OK or G_ENOMEM. */
int drv_wset_snapshot(drv_wcomp **out, drv_wset *w, const char *focus, size_t max, diag_ctx *d);

/* Decodes the snapshot's records and composes them (drv_compose_with with the set's settings).
 * Reads nothing but the snapshot, the rules and the settings values: another thread may run it
 * while the set's thread goes on, as long as the settings are not reset meanwhile.  Returns
 * drv_compose_with's code; per-file messages are dropped (said when they were summarized). */
int drv_wcomp_compose(drv_wcomp *r, diag_ctx *d);

/* 1 when the composition holds every file of its set that had a summary. */
int drv_wcomp_complete(const drv_wcomp *r);
/* The set's generation when the snapshot was taken. */
uint64_t drv_wcomp_generation(const drv_wcomp *r);
size_t drv_wcomp_count(const drv_wcomp *r);

/* The unit of `path` in the composition (after drv_wcomp_compose: its findings in u_res, those
 * `# noqa` suppressed in u_noqa), valid while the composition is; NULL when it is not there.
 * *out_tag (when not NULL) gets the buffer's tag, -1 for the file from disk. */
const drv_unit *drv_wcomp_unit(const drv_wcomp *r, const char *path, int64_t *out_tag);

void drv_wcomp_retain(drv_wcomp *r);
void drv_wcomp_release(drv_wcomp *r);

/* 1 when drv_analyze of the source file `path` would analyse a fresh __pycache__ pyc instead of
 * compiling it (never with c_no_pycache). */
int drv_fresh_pycache(drv_ctx *c, const char *path);

/* 1 when the settings report `code` in the file at `path`: the most specific of select /
 * extend-select and ignore / per-file-ignores decides, as in ruff; an opt-in rule only when a
 * select or extend-select entry names it. */
int drv_selected(const drv_settings *s, const char *path, const char *code);

/* ---- settings (drv_settings.c: keys; drv_config.c: configuration files and roots) ---- */

/* The settings value that applies to the file or directory `path`: the closest configuration
 * file in its directory or above -- `.gilcheck.toml`, `gilcheck.toml`, or a `pyproject.toml`
 * with a [tool.gilcheck] table -- searching no higher than the repository root (a directory with
 * `.git`) and skipping (with a warning) a file that is not owned by the user (or root) or is
 * writable by others; without one, the current directory's (unless c_no_cwd_default), else the
 * user's ($XDG_CONFIG_HOME/gilcheck/gilcheck.toml), else the defaults; always under c_cli.
 * `python` comes from c_cli, $GILCHECK_PYTHON, a project file only with
 * c_allow_project_python, or the user's file (c_client_only_python: c_cli only); a project's
 * value otherwise is a warning.  Each root's value is built once and kept until drv_close /
 * drv_settings_reset; *out points into c.  Returns G_OK (warnings may be in d) or G_EBAD /
 * G_ENOMEM with a message naming the file and key -- every lookup under a broken file fails the
 * same way. */
int drv_settings_for(const drv_settings **out, drv_ctx *c, const char *path, diag_ctx *d);

/* The run's own settings: those of the current directory (not for the language server), else
 * those of `first_input` when not NULL, else the defaults -- decided by the first call and the
 * same afterwards.  The result cache lives in its root; check takes output-format from it; the
 * composition of the run takes its engine options (entry points, thread-safe classes, scope)
 * from it. */
int drv_settings_default(const drv_settings **out, drv_ctx *c, const char *first_input,
                         diag_ctx *d);

/* Forgets every root (a configuration file changed): later lookups read the files again.
 * Pointers handed out before are invalid afterwards. */
void drv_settings_reset(drv_ctx *c);

/* Sets key `key` of a layer from text (the command line's): a comma-separated list for list
 * keys.  Code lists must be GIL, GIL1, GIL101 or ALL (drv_settings_check_codes checks that a
 * rule has them).  Returns G_OK, or G_EUSAGE / G_ENOMEM with a message (file NULL) in d. */
int drv_layer_set(drv_settings *layer, const char *key, const char *text, diag_ctx *d);

/* Sets key `key` of a layer from a JSON value, as a configuration file gives it (`what` names
 * the source in messages: "[tool.gilcheck]", "client settings").  G_OK or G_EBAD with a
 * message naming `file`. */
int drv_layer_set_json(drv_settings *layer, const char *key, const struct json_t *v,
                       const char *file, const char *what, diag_ctx *d);

/* Every code of the layer's code lists names at least one rule of kb ("ALL" always does).
 * Returns G_OK or G_EUSAGE with one message per unknown code ("unknown rule code 'GIL999'",
 * with "did you mean" when one is close), naming `file` (NULL for the command line). */
int drv_settings_check_codes(const drv_settings *layer, const eng_kb *kb, const char *file,
                             diag_ctx *d);

/* The settings as `--show-settings` prints them: one `key = value` line per key (TOML
 * values), after the file they came from. */
void drv_settings_show(const drv_settings *s, struct strbuf *out);

/* The names of the keys, NULL-terminated (did-you-mean, documentation). */
const char *const *drv_settings_keys(void);

void drv_settings_free(drv_settings *s);

/* Appends the .py and .pyc files under `dir` to *out (in_walk), each directory searched with
 * the excludes of the settings that apply to it; a directory under a broken configuration is
 * skipped with the error in d.  `gitignore`: honour .gitignore.  Returns in_walk's code. */
int drv_walk(struct in_paths *out, drv_ctx *c, const char *dir, int gitignore, diag_ctx *d);

/* 1 when the excludes of the configuration root that applies to `path` exclude it or one of its
 * parent directories (`check --force-exclude`: pre-commit names every file). */
int drv_excluded(drv_ctx *c, const char *path, diag_ctx *d);

/* 1 when a file named `base` can be a configuration file (.gilcheck.toml, gilcheck.toml,
 * pyproject.toml): the language server forgets its roots when one is saved. */
int drv_config_name(const char *base);

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

/* What a record of drv_blob_put says of its file without decoding its summary's candidates:
 * u_rc, u_source, a syntax error's GIL000 in u_res, the messages (appended to d, or dropped
 * when d is NULL), and the summary's bytes (eng_summary_read) in *out_sum / *out_sumlen --
 * pointing into p, NULL when there is none.  Allocations in a.  Returns drv_blob_get's codes. */
int drv_blob_head(drv_unit *out, const uint8_t **out_sum, size_t *out_sumlen, const char *path,
                  const uint8_t *p, size_t n, arena *a, diag_ctx *d);

void drv_blob_free(drv_blob *b);

/* Appends p[0..n) to *b.  G_OK or G_ENOMEM. */
int drv_blob_append(drv_blob *b, const void *p, size_t n);

/* The outcome of a whole run as `check` reports it -- every unit's u_rc, messages (msgs[i]) and
 * findings after composition, selection and `# noqa`, the run's own messages (d) and whether it
 * failed -- as bytes (appended to *out; G_OK or G_ENOMEM) and back (into units[0..n), whose
 * u_path stay; messages appended, or dropped when msgs or d is NULL; allocations in a; G_OK,
 * G_ETRUNC, G_EBAD or G_ENOMEM). */
int drv_run_put(drv_blob *out, const drv_unit *units, const diag_ctx *msgs, size_t n,
                const diag_ctx *d, int failed);
int drv_run_get(drv_unit *units, diag_ctx *msgs, size_t n, diag_ctx *d, int *failed,
                const uint8_t *p, size_t len, arena *a);

/* Bytes of the per-user secret the cache's entries are authenticated with. */
#define DRV_KEY_SIZE 32

/* Reads the user's cache secret ($XDG_CACHE_HOME/gilcheck/cache-key, else
 * ~/.cache/gilcheck/cache-key), creating it (0600, its directory 0700) on first use; a key file
 * or directory that is a link, not owned by the user or open to others is not used.  Returns
 * G_OK, or G_EIO with a warning (code 0) saying why the cache is off. */
int drv_key_load(uint8_t out[DRV_KEY_SIZE], diag_ctx *d);

/* The result cache: .gilcheck_cache/<gilcheck version>/<2 hex>/<30 hex> in the root of the run's
 * own settings (drv_settings_default) or the current directory, one file per analysed file,
 * keyed by a hash of its path and content, gilcheck's version and executable (a rebuild is a
 * new cache), the rules' text, the digest of the settings that apply to the file and what
 * compiles it (the interpreter's magic number and version).  Entries are written atomically
 * (temporary file + rename) and carry a MAC keyed with the user's secret: a damaged one, or one
 * gilcheck did not write, is a miss.  The directories are opened without following links. */
typedef struct drv_cache {
    char *ca_dir;              /* ".../.gilcheck_cache/<version>" (malloc'd) */
    int ca_fd;                 /* that directory, opened without following links; -1: none */
    int ca_runs_fd;            /* its runs/ (whole runs' outcomes), opened when first needed */
    int ca_runs_tried;         /* ... tried already */
    uint8_t ca_key[DRV_KEY_SIZE]; /* the user's secret: entries carry its ChaCha20-Poly1305 tag */
    uint8_t ca_digest[16];     /* version + executable + rules */
    drv_ctx *ca_ctx;           /* the run: each file's settings and interpreter (not owned) */
    int ca_write_ok;           /* 0 after the directory could not be created: lookups only */
    unsigned long ca_hits;     /* lookups answered (this process) */
    unsigned long ca_stored;   /* entries written (this process) */
    const struct in_roots *ca_roots; /* the run's roots (drv_pyc_source), not owned */
} drv_cache;

/* Prepares the cache for the run c (rules read from rule_default_dir(argv0)) in the root of
 * the settings `run`.  Returns G_OK, G_ENOMEM, or G_EIO with a message when the rules cannot be
 * read. */
int drv_cache_open(drv_cache *cache, drv_ctx *c, const drv_settings *run, const char *argv0,
                   diag_ctx *d);
/* drv_cache_open with the cache in the directory `root` (".../.gilcheck_cache") instead of the
 * root of a run's settings: the language server's for a workspace folder without a
 * configuration file of its own. */
int drv_cache_open_in(drv_cache *cache, drv_ctx *c, const char *root, const char *argv0,
                      diag_ctx *d);
void drv_cache_close(drv_cache *cache);

/* The cache's record for `path` as it is now: 1 with the record in *out (its buffer replaced),
 * 0 on a miss or when the file cannot be read (*out untouched).  Never analyses. */
int drv_cache_get(drv_blob *out, drv_cache *cache, const char *path);

/* One file, through the cache when `cache` is not NULL: its outcome as a record of drv_blob_put
 * in *out (a hit's stored bytes, or drv_analyze's result, stored when it has no error other than
 * a syntax error).  `a` is reset.  Returns G_OK, or G_ENOMEM when not even the record fits. */
int drv_run_file(drv_blob *out, drv_ctx *c, drv_cache *cache, const char *path, arena *a);

/* The key of `path`'s entry as the file is now (read and hashed) into out: 0, or -1 when it has
 * none (unreadable, broken settings, an interpreter that does not start, or a source a fresh
 * __pycache__ pyc stands for: drv_run_file does not cache those). */
int drv_cache_key(uint8_t out[16], drv_cache *cache, const char *path);

/* drv_cache_get with the key drv_cache_key gave (the file is not read again). */
int drv_cache_get_keyed(drv_blob *out, drv_cache *cache, const char *path,
                        const uint8_t key[16]);

/* The key of a whole run's outcome: the cache's digest, the run's own settings (the
 * composition's engine options), check_names, and every file's path and key in order. */
void drv_cache_run_key(uint8_t out[16], const drv_cache *cache, const drv_settings *run,
                       int check_names, char *const *paths, const uint8_t (*keys)[16], size_t n);

/* The outcome (drv_run_put) stored under run key `key` for the files paths[0..n): 1 with it in
 * *out, 0 on a miss -- absent, damaged, not ours, or a .pyc's dependency changed (read again and
 * hashed, as a file's entry does). */
int drv_cache_run_get(drv_blob *out, drv_cache *cache, const uint8_t key[16],
                      char *const *paths, size_t n);

/* Stores a run's outcome under run key `key`, with the state of every unit's u_dep; failures
 * only cost the next run a miss. */
void drv_cache_run_store(drv_cache *cache, const uint8_t key[16], char *const *paths,
                         const drv_unit *units, size_t n, const drv_blob *outcome);

/* The directory the cache of settings s lives in: "<root>/.gilcheck_cache" into buf. */
const char *drv_cache_root(const drv_settings *s, char *buf, size_t size);

/* Removes the directory `dir` (a .gilcheck_cache) and everything below it, without following
 * symbolic links; *out_files counts the files removed.  Returns G_OK (also when it does not
 * exist) or G_EIO with a message. */
int drv_cache_clean(const char *dir, unsigned long *out_files, diag_ctx *d);

#endif
