/* The explain front end: one statement (a snippet or FILE:LINE) compiled for chosen Python
 * versions, its bytecode with shared-state accesses and switch points marked, the verdict, an
 * interleaving that breaks it and the fix; and the atomicity table of the Python FAQ and the
 * free-threading guarantees page, computed by the engine. */
#ifndef GILCHECK_EXPLAIN_H
#define GILCHECK_EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "../common/strbuf.h"
#include "../driver/driver.h"

#define EXP_MAX_VERSIONS 16

/***** module text (exp_module.c) *****/

/* The name of the function a snippet is wrapped in, and the prefix of the table's rows. */
#define EXP_SNIPPET_FUNC "_gilcheck_snippet"
#define EXP_ROW_FUNC "_gilcheck_row"

/* Appends to sb a function `def NAME():` whose body is `code` (lines indented), declaring
 * `globals` (comma-separated) global -- or, when globals is NULL, every name the code uses that
 * is not an attribute, a keyword or a builtin -- and a line starting it in a thread.  *first_line
 * receives the module line of the code's first line. */
void exp_wrap(strbuf *sb, const char *name, const char *code, const char *globals,
              int32_t *first_line);

/* The module line count so far (1 + newlines in sb). */
int32_t exp_lines(const strbuf *sb);

/***** one version's analysis (exp_analyze.c) *****/

/* The module compiled by one Python version and analysed (scope all). */
typedef struct exp_run {
    int er_minor;              /* 3.<minor>; 11 for the embedded interpreter */
    char er_python[4096];      /* the interpreter that compiled it ("embedded", IN_PYODIDE, a path) */
    pyc_file *er_pyc;          /* the image (owned) */
    bc_file *er_bf;            /* its decoded code objects (in er_pyc's arena) */
    eng_result er_res;         /* every finding of the module (in the run's arena) */
    int er_syntax;             /* the source did not compile for this version */
    char er_msg[600];          /* the syntax error */
    int32_t er_syntax_line;    /* its line in the module */
} exp_run;

/* Compiles src for Python 3.<minor> (`python` overrides the interpreter: a path, IN_PYODIDE, or
 * NULL to find one -- the embedded libpython for 3.11, pyenv's or python3.<minor> on PATH,
 * pyodide for 3.14; a .pyc image given in pyc/pyclen is used as is), decodes and analyses it
 * with scope all and the engine options of settings `set` (lock names, entry points; NULL: the
 * defaults) -- the same settings value check uses for that file -- the parameters named in
 * `shared` (comma-separated, "cache" or "worker.cache"; NULL for none) taken as shared state.
 * Returns G_OK, or G_EIO when no interpreter for that version is here (message in d), or another
 * negative code with a message.  Free with exp_run_free. */
int exp_run_module(exp_run *out, const drv_ctx *c, const drv_settings *set, int minor,
                   const char *python, const uint8_t *src, size_t len, const uint8_t *pyc,
                   size_t pyclen, const char *shared, const char *name, arena *a, diag_ctx *d);
void exp_run_free(exp_run *r);

/* The code object whose qualname is `func`, or the innermost non-module code object with an
 * instruction on a line in [l0, l1] when func is NULL; -1 when none. */
int32_t exp_find_code(const exp_run *r, const char *func, int32_t l0, int32_t l1);

/* Instructions [*lo, *hi] of code ci that lie on lines [l0, l1] (the first to the last); 0 when
 * none. */
int exp_line_range(const exp_run *r, int32_t ci, int32_t l0, int32_t l1, uint32_t *lo,
                   uint32_t *hi);

/* The finding of code ci on lines [l0, l1] that explains the statement (GIL301 last, then one
 * whose window a GIL build of this version can switch in, then the first by position), or NULL. */
const finding *exp_pick(const exp_run *r, int32_t ci, int32_t l0, int32_t l1);

/* "read-modify-write", "read-then-write", "check-then-act", ... for a rule id. */
const char *exp_reason(const char *rule);


/***** output (exp_write.c) *****/

/* What to explain: the statement's text and where it sits in the module. */
typedef struct exp_target {
    const char *et_text;       /* the statement as the user wrote it */
    const char *et_func;       /* function holding it (EXP_SNIPPET_FUNC) or NULL (FILE:LINE) */
    const char *et_source;     /* FILE:LINE of a .py: the file's text (NUL-terminated), for the
                                * fix; NULL otherwise */
    int32_t et_l0, et_l1;      /* its lines in the module */
    int32_t et_shown_line;     /* first line shown to the user (1 for a snippet, LINE) */
    const struct in_run_result *et_run; /* --run's measurement, or NULL */
    int et_run_threads;        /* its threads and calls per thread */
    long et_run_iterations;
} exp_target;

/* Writes the explanation of the target over runs[0..n) (runs[0] is the version whose bytecode
 * is shown) as text (json 0) or JSON (json 1).  Returns 1 when the statement is not atomic, 0
 * when it is, 2 when it does not compile or has no bytecode, a negative code on failure (message
 * in d). */
int exp_write(FILE *out, int json, const exp_target *t, const exp_run *runs, int n,
              const eng_kb *kb, arena *a, diag_ctx *d);

/* The fix for f written with the statement's own names (markdown: the statement under a lock
 * named after the state, or the one-call replacement), il_kind the interleaving's kind; NULL
 * when the statement's source is not at hand.  Allocated in a. */
const char *exp_fix_here(const finding *f, const exp_target *t, const char *il_kind, arena *a);

/***** the atomicity table (exp_table.c) *****/

/* Computes the table for Python 3.<minors[i]> (those without an interpreter are left out with a
 * note on stderr) and writes it as "text" (no wider than `width` columns: when the versions do
 * not fit side by side, the table continues below with the rest of its columns), "markdown" or
 * "json".  Returns G_OK or a negative code with a message; *out_printed is 1 once the table was
 * written. */
int exp_table(FILE *out, const char *format, const int *minors, int nminors, const drv_ctx *c,
              size_t width, int *out_printed, FILE *err, diag_ctx *d);

#endif
