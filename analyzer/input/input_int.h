/* Internal to the input stage: the walk's .gitignore matching (input_ignore.c), which
 * input_walk.c calls; the compile that keeps its code object (input_compile.c), which the
 * compile of an edited buffer (input_edit.c) builds on. */
#ifndef GILCHECK_INPUT_INT_H
#define GILCHECK_INPUT_INT_H

#include "input.h"

/* .gitignore matching for one walk: libgit2's rules, with a bound on the work per path. */
typedef struct in_ignore in_ignore;

/* Opens the work tree that holds the directory abs (resolved) and reads the ignore files that
 * apply to it (info/exclude, every .gitignore from the top of the work tree down to abs).
 * *out is NULL when abs is in no work tree.  G_OK or G_ENOMEM. */
int in_ign_open(in_ignore **out, const char *abs, diag_ctx *d);

/* The walk enters the directory abs (resolved, below the one opened): reads its .gitignore. */
void in_ign_enter(in_ignore *ig, const char *abs, diag_ctx *d);

/* ... and leaves it again. */
void in_ign_leave(in_ignore *ig);

/* Starts over at the directory abs (resolved): the ignore files in scope are those that apply
 * inside abs, as for in_ign_open (a link's target is searched after the tree it is in). */
void in_ign_rescope(in_ignore *ig, const char *abs);

/* 1 when git ignores the entry at resolved path abs (a directory when is_dir), 0 when it does
 * not, or when finding out could take too long: libgit2's matcher, like git's, backtracks over
 * every way a pattern's '*'s can split the path, so its work grows as (path length choose
 * wildcards); a path whose bound is over IN_IGNORE_STEPS for the ignore files in scope is not
 * matched (counted, and reported once by in_ign_close). */
int in_ign_ignored(in_ignore *ig, const char *abs, int is_dir);

/* Reports the paths that were not matched (a warning naming the pattern) and frees ig. */
void in_ign_close(in_ignore *ig, diag_ctx *d);

/* The most matching work a path may cost: about 10 ms of libgit2's matcher (measured: 0.05 to
 * 0.8 ns per counted step for 2 to 8 wildcards). */
#define IN_IGNORE_STEPS 2e7

struct _object;   /* CPython's PyObject: this header does not need Python.h */

/* An int attribute of a Python object (a code object's co_firstlineno, a SyntaxError's lineno),
 * or dflt when it is missing, None or not an int; no exception is left pending. */
long in_py_long(struct _object *obj, const char *name, long dflt);

/* in_compile_bytes, and when it gave an image and keep is not NULL, the module's code object
 * in *keep (a new reference; NULL otherwise). */
int in_compile_code(in_compiled *out, struct _object **keep, const uint8_t *src, size_t len,
                    const char *path, diag_ctx *d);

/* The .pyc image of a module's code object (marshalled, with a header for a source of len
 * bytes) into *out, which the caller zeroed: G_OK, or G_EBAD / G_ENOMEM with a message. */
int in_code_pyc(in_compiled *out, struct _object *code, size_t len, const char *path,
                diag_ctx *d);

#endif
