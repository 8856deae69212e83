/* The input stage: Python source compiled in-process to a 3.11 .pyc image (embedded libpython),
 * and `# noqa` comments read from source files.  Knows nothing of later stages. */
#ifndef GILCHECK_INPUT_H
#define GILCHECK_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../common/file.h"

/* What compiling one source file gave: a .pyc image, or the syntax error that stopped it. */
typedef struct in_compiled {
    uint8_t *ic_pyc;          /* malloc'd 3.11 .pyc image (16-byte header + marshal 4), or NULL */
    size_t ic_len;            /* bytes of ic_pyc */
    int ic_syntax;            /* 1: the source has a syntax error, ic_pyc is NULL */
    int32_t ic_line;          /* the error's line, 1-based (1 when CPython gives none) */
    int32_t ic_col;           /* the error's column, 1-based (1 when CPython gives none) */
    char ic_msg[512];         /* "invalid syntax", "unknown encoding: foo", ... */
} in_compiled;

/* The largest source compiled.  CPython's compiler takes ~150 bytes of memory and ~3.5 s per
 * source megabyte (3.11, measured on generated functions): a 50 MB file would take minutes and
 * gigabytes.  Larger sources are an error naming the file (in_too_large). */
#define IN_MAX_SOURCE (8u << 20)

/* The G_EBAD message for a source over IN_MAX_SOURCE. */
int in_too_large(const char *path, size_t len, diag_ctx *d);

/* Compiles src[0..len) as a module named `path` (its co_filename) with the embedded CPython 3.11,
 * honouring a PEP 263 coding cookie; the code is never executed.  The interpreter starts on the
 * first call (isolated, no site) and stays until in_shutdown.  Returns G_OK with either ic_pyc
 * (the caller frees it) or ic_syntax set; G_EBAD with a message naming `path` when CPython fails
 * otherwise (nesting too deep for it, out of memory in the interpreter), G_ENOMEM; *out then holds
 * no image. */
int in_compile_bytes(in_compiled *out, const uint8_t *src, size_t len, const char *path,
                     diag_ctx *d);

/* in_compile_bytes of an editor's buffer, typed in: the last text and module code of a few paths
 * are kept, and when src differs from the last text of path only inside the body of one function
 * (a module-level function or a method of a module-level class) on the same number of lines, that
 * function alone is compiled and put into the kept code -- the code objects of a whole compile,
 * at a fraction of its cost (input_edit.c says why they are the same).  Only one thread may call
 * it. */
int in_compile_edited(in_compiled *out, const uint8_t *src, size_t len, const char *path,
                      diag_ctx *d);

/* Forgets what in_compile_edited keeps of path (a closed document); of every path when NULL. */
void in_compile_forget(const char *path);

/* How many buffers in_compile_edited compiled whole, and how many by one function. */
void in_compile_edit_counts(size_t *whole, size_t *part);

/* in_compile_bytes of a file read from disk; G_EIO with a message naming it when unreadable. */
int in_compile_path(in_compiled *out, const char *path, diag_ctx *d);

/* The largest file in_read_file reads (sources are refused over IN_MAX_SOURCE anyway; rules,
 * configuration and gilcheck's own executable are far smaller). */
#define IN_MAX_READ (64u << 20)

/* Reads the whole regular file at path into *out (mem_alloc'd, the caller frees; NULL for an
 * empty file): file_read with IN_MAX_READ, so a FIFO, a device or /dev/zero is refused, never
 * read.  Returns G_OK, G_EIO (the reason in *out_errno, for file_strerror; *out_len is SIZE_MAX
 * when the file opened but could not be read) or G_ENOMEM; nothing to free on failure. */
int in_read_file(uint8_t **out, size_t *out_len, int *out_errno, const char *path);

/* Frees the image; *c may be reused afterwards. */
void in_compiled_free(in_compiled *c);


/* Finalizes the embedded interpreter if in_compile_* started it.  Safe to call when it did not. */
void in_shutdown(void);

/* Starts the embedded interpreter once, pinned to the build's standard library: isolated
 * (PyConfig isolated mode: no environment variables, no user site, no current directory on the
 * path), no site, its home and executable set from the build (no PATH search, no ._pth or
 * pyvenv.cfg), sys.path exactly in_python_path(0..) and checked after start-up.  0, or -1 when
 * it cannot start.  Every function of this stage that needs Python calls it. */
int in_python_start(void);

/* The i-th entry of the embedded interpreter's sys.path (the build's standard library and its
 * lib-dynload), or NULL past the last. */
const char *in_python_path(size_t i);

/* Parses TOML text src[0..len) with the embedded interpreter's tomllib and gives it back as JSON
 * text in *out (malloc'd, the caller frees; dates and times as strings).  When this process has
 * not started the interpreter, a child process parses (the parent stays free of CPython, so
 * that it can fork workers; 20 s at most).  Returns G_OK, or G_EBAD with a message naming
 * `path` and the line and column of a syntax error. */
int in_toml_to_json(char **out, const uint8_t *src, size_t len, const char *path, diag_ctx *d);

/* The embedded interpreter's version, 3.<minor> (11), without starting it. */
int in_embedded_minor(void);

/* The 3.11 pyc magic number of the embedded interpreter (3495), starting it if needed; -1 when
 * it cannot start. */
int in_magic(void);

/* The hash a checked-hash pyc of the embedded interpreter records for the source src[0..len)
 * (_imp.source_hash keyed with its magic number, as importlib computes it).  0, or -1. */
int in_source_hash(uint8_t out[8], const uint8_t *src, size_t len);

/* A user's interpreter compiling sources for this run (`--python PATH`), in a child process. */
typedef struct in_python in_python;

/* Starts `python` (which must be CPython 3.6 or later) as a compile server.  Returns G_OK, or
 * G_EBAD with a message naming it when it cannot run or does not answer. */
int in_python_open(in_python **out, const char *python, diag_ctx *d);

/* The interpreter's version, 3.<minor>. */
int in_python_minor(const in_python *p);

/* What the interpreter is, as it said when it started: "3.<minor> magic <N> <sys.version>"
 * (sys.version on one line).  Caches key on it, never on the interpreter's path. */
const char *in_python_identity(const in_python *p);

/* The same for the embedded interpreter, without starting it. */
const char *in_embedded_identity(void);

/* Like in_compile_bytes, with that interpreter: a .pyc image of its version, or a syntax error.
 * The source is only compiled, never run.  A child that dies or hangs (2 minutes) is an error for
 * this file and is restarted for the next. */
int in_python_compile(in_compiled *out, in_python *p, const uint8_t *src, size_t len,
                      const char *path, diag_ctx *d);

/* The hash a checked-hash pyc of that interpreter's version records for the source
 * src[0..len) (importlib.util.source_hash, 3.7 and later).  0, or -1 when it cannot say. */
int in_python_source_hash(uint8_t out[8], in_python *p, const uint8_t *src, size_t len);

void in_python_free(in_python *p);

/* A list of file paths (malloc'd strings). */
typedef struct in_paths {
    char **p_items;
    size_t p_n, p_cap;
} in_paths;

int in_paths_add(in_paths *ps, const char *s);   /* G_OK or G_ENOMEM */
void in_paths_free(in_paths *ps);

/* The analysed roots: the resolved (realpath) files and directories a run was given.  What the
 * tree asks gilcheck to read -- a symbolic link's target, a .pyc's co_filename -- is read only
 * when it resolves inside them. */
typedef struct in_roots {
    in_paths r_dirs;           /* directories: everything below them is inside */
    in_paths r_files;          /* files: only themselves */
} in_roots;

/* Adds `path` (resolved) to the roots.  G_OK, G_EIO when it does not exist (it holds nothing),
 * G_ENOMEM. */
int in_roots_add(in_roots *r, const char *path);

/* 1 when the resolved path `real` is a root file or lies in a root directory; 0 for NULL r. */
int in_roots_holds(const in_roots *r, const char *real);

void in_roots_free(in_roots *r);

/* The source a .pyc at `pyc` was compiled from by convention: dir/__pycache__/NAME.TAG.pyc ->
 * dir/NAME.py, dir/NAME.pyc -> dir/NAME.py, into buf.  0 when the path has no such form or buf
 * is too small. */
int in_pyc_source(const char *pyc, char *buf, size_t size);

/* How a directory is searched. */
typedef struct in_walk_opts {
    char *const *w_exclude;    /* globs replacing the default excludes, or NULL for them */
    size_t w_nexclude;
    char *const *w_extend_exclude; /* globs excluded beside them */
    size_t w_nextend_exclude;
    const char *w_root;        /* globs may name paths relative to this directory */
    int w_gitignore;           /* skip what .gitignore (git's rules, via libgit2) ignores */
    const in_roots *w_roots;   /* symbolic links are followed only to what lies inside these
                                * (NULL: inside the directory walked) */
    int w_follow_symlinks;     /* follow symbolic links wherever they lead */
    /* when set, called on entering each directory (its absolute path) for the options of its
     * entries -- each directory's own settings; NULL from it skips the directory */
    const struct in_walk_opts *(*w_dir_opts)(void *arg, const char *abs_dir);
    void *w_dir_arg;
} in_walk_opts;

/* Appends the *.py and *.pyc files under dir to *out, sorted; a .pyc whose .py is also found is
 * left out (the source is analysed).  `dir` itself is searched even when .gitignore ignores it
 * or a directory above it (the user named it); ignore rules still apply below it.  A glob
 * excludes an entry when it matches its name or its path relative to w_root.  Symbolic links
 * are followed when they resolve inside w_roots (or always, with w_follow_symlinks); a link
 * leading outside them, a loop, a broken link, a directory already searched under another name
 * (each (device, inode) is searched once, so links cannot multiply the work) or a too deep tree
 * is a warning (code 0) in d; an unreadable directory is an error (G_EIO), and the walk goes on.
 * .gitignore matching is bounded (input_int.h).  Returns G_OK, or G_EIO when dir itself cannot
 * be opened. */
int in_walk(in_paths *out, const char *dir, const in_walk_opts *opt, diag_ctx *d);

/* 1 when the excludes of opt exclude path or one of its parent directories -- what `check
 * --force-exclude` applies to the paths named on the command line.  Each component is matched
 * as in_walk matches entries: by name, and by its path relative to w_root (or, outside w_root,
 * as given).  .gitignore is not consulted (a named file is one the user means). */
int in_walk_excluded(const in_walk_opts *opt, const char *path);

/* Tidies a path in place for display: "./" segments, repeated and trailing slashes go
 * ("./src//x.py" -> "src/x.py", "./" -> ".").  ".." is kept (it may cross a symbolic link). */
void in_path_tidy(char *path);

/* `# noqa` comments of one source file. */
typedef struct in_noqa_line {
    int32_t nl_line;          /* 1-based line whose comment holds `# noqa` */
    char *nl_codes;           /* "GIL101,GIL104" upper-cased, or NULL: every code */
    int32_t nl_col;           /* 1-based byte column of the directive's `#` */
    int32_t nl_end_col;       /* 1-based byte column just after the directive (its last code) */
} in_noqa_line;

typedef struct in_noqa {
    in_noqa_line *nq_lines;   /* sorted by line */
    size_t nq_count;
    int nq_file_all;          /* `# gilcheck: noqa` somewhere: every finding of the file */
    char *nq_file_codes;      /* `# gilcheck: noqa: GIL201, ...`: these codes in the whole file */
    int32_t *nq_safe_lines;   /* lines with `# gilcheck: thread-safe` (a class meant to be
                               * shared between threads), in order */
    size_t nq_nsafe;
} in_noqa;

/* Reads the comments of src[0..len) (outside strings, triple-quoted ones included): `# noqa`
 * directives and `# gilcheck: thread-safe` marks.  Returns G_OK
 * or G_ENOMEM; *out is empty after a failure and always needs in_noqa_free. */
int in_noqa_parse(in_noqa *out, const uint8_t *src, size_t len);

/* in_noqa_parse of a file; G_EIO (and an empty *out, no message) when it cannot be read. */
int in_noqa_load(in_noqa *out, const char *path);

/* 1 when a finding of rule `code` on `line` is suppressed. */
int in_noqa_suppressed(const in_noqa *nq, int32_t line, const char *code);

void in_noqa_free(in_noqa *nq);

/***** module names (input_module.c) *****/

/* The dotted name the file at `path` is imported as ("pkg.sub.mod" for pkg/sub/mod.py where
 * pkg/ and pkg/sub/ hold an __init__.py; "pkg.sub" for pkg/sub/__init__.py, *out_package set),
 * written into buf.  A file in __pycache__ is named after its source.  Returns G_OK, or G_EBAD
 * when the name does not fit. */
int in_module_name(char *buf, size_t size, const char *path, int *out_package);

/***** compiling with an external interpreter (input_external.c) *****/

/* The `python` value of in_compile_external that means CPython 3.14 in pyodide (node). */
#define IN_PYODIDE "pyodide"

/* Compiles src[0..len) as a module named `path` with another Python: `python` is an interpreter's
 * path (3.6 or later; run as `python -I -S -W ignore`, no shell) or IN_PYODIDE (node and
 * the runner of in_pyodide_runner).  The child only compiles and marshals --
 * the analysed code is never executed -- and prints the image as hex; it is killed after a
 * timeout (20 s, 90 s for pyodide; $GILCHECK_COMPILE_TIMEOUT_MS overrides) or 64 MiB of output.  The source goes through a private
 * temporary directory that is removed afterwards.  Returns G_OK with either ic_pyc (the .pyc image
 * of that interpreter's version, which the caller frees with in_compiled_free) or ic_syntax set;
 * G_EIO / G_EBAD with a message naming `path` and the interpreter when it cannot be run or answers
 * garbage; *out then holds no image. */
int in_compile_external(in_compiled *out, const char *python, const uint8_t *src, size_t len,
                        const char *path, diag_ctx *d);

/* The interpreter that compiles for Python 3.<minor> on this machine: the highest patch release
 * of $PYENV_ROOT (or ~/.pyenv)/versions/3.<minor>.P/bin/python3, else python3.<minor> in an
 * absolute directory of $PATH, or IN_PYODIDE for 3.14 when node_modules/pyodide is installed
 * beside the runner (in_pyodide_runner).  Writes it into out; G_OK, or G_EIO when there is none. */
int in_find_python(char *out, size_t size, int minor);

/* Path of the pyodide runner: $GILCHECK_PYODIDE_RUN, else <prefix>/share/gilcheck/pyodide_run.mjs
 * beside the executable, else the source tree's tools/node/pyodide_run.mjs for a build tree
 * (common/datadir.h).  pyodide itself is looked for in node_modules/ beside it. */
const char *in_pyodide_runner(void);

/***** running a snippet (input_run.c; only for `explain --run`) *****/

/* What running a function in threads measured. */
typedef struct in_run_result {
    long long rr_sequential;   /* the state's total after threads * iterations calls in one thread */
    long long rr_threaded;     /* ... and after the same calls split over `threads` threads */
    long rr_errors_seq;        /* calls that raised, sequentially */
    long rr_errors_thr;        /* calls that raised, in threads */
    char rr_first_error[256];  /* the first exception in threads, "" when none */
} in_run_result;

/* EXECUTES the module src (the analysed code!) in the embedded interpreter: twice from a fresh
 * state -- the module's names set up from how the function uses them (subscripted names are
 * dicts of ints or lists, attributes of names objects with int fields, other names ints) -- then
 * calls function `func` threads * iterations times in one thread, and iterations times in each of
 * `threads` threads under sys.setswitchinterval(1e-6).  The state's total (ints, dict values,
 * list lengths, int attributes) of the two runs differs by the updates lost.  Returns G_OK, or
 * G_EBAD with Python's message in d. */
int in_run_threads(in_run_result *out, const char *src, const char *func, int threads,
                   long iterations, diag_ctx *d);

#endif
