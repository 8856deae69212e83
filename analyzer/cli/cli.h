/* The gilcheck command line: one binary, one function per subcommand. */
#ifndef GILCHECK_CLI_H
#define GILCHECK_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes every subcommand uses. */
#define EXIT_CLEAN 0     /* success, nothing found */
#define EXIT_FINDINGS 1  /* success, findings reported */
#define EXIT_ERROR 2     /* usage error, or an input could not be read or decoded */

/* `gilcheck dis [--json] FILE...`: argv[0] is "dis".  Returns an exit code. */
int cmd_dis(int argc, char **argv, FILE *out, FILE *err);

/* `gilcheck check [--scope concurrent|all] [--format full|concise|json|sarif|github] [-o FILE]
 * [--statistics] [--exit-zero] [--color auto|always|never] PATH...`. */
int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck rule GILnnn... | --all`: prints rules' documentation from their YAML. */
int cmd_rule(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck lsp [--stdio]`: the language server on stdin/stdout.  Returns an exit code. */
int cmd_lsp(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* check's output options (cli_output.c). */
enum { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };
typedef struct cli_output {
    int co_format;             /* rep_format; 0 when not given */
    const char *co_file;       /* -o FILE (argv's), or NULL for stdout */
    int co_statistics;         /* --statistics: counts per rule instead of findings */
    int co_exit_zero;          /* --exit-zero: findings alone exit 0 */
    int co_color;              /* CLI_COLOR_* */
} cli_output;

/* Consumes argv[*i] (and its value) when it is an output option: returns 1, 0 when it is not
 * one, -1 after printing a usage error to err. */
int cli_output_option(cli_output *o, int argc, char **argv, int *i, FILE *err);

/* Where the report goes: `out`, or the -o file opened for writing (NULL after printing an error;
 * the caller closes it). */
FILE *cli_output_open(const cli_output *o, FILE *out, FILE *err);

/* 1 when the text formats should colour their output on fp: --color always/never, else not when
 * NO_COLOR is set and non-empty, else when FORCE_COLOR is set and non-empty, else when fp is a
 * terminal. */
int cli_output_color(const cli_output *o, FILE *fp);

/* `gilcheck explain -c CODE | FILE:LINE`: why a statement is or is not atomic. */
int cmd_explain(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck table`: the atomicity table of the Python FAQ, computed per version. */
int cmd_table(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck clean`: removes .gilcheck_cache/.  Returns an exit code. */
int cmd_clean(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/***** talking to people (cli_text.c) *****/

/* Prints a usage error on one line -- "gilcheck: error: CMD: MESSAGE; try 'gilcheck CMD
 * --help'" -- and returns EXIT_ERROR.  cmd NULL: the top level. */
int cli_usage_error(FILE *err, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The usage error for an unknown option `arg`, with the closest of options[] (NULL-terminated)
 * as a "did you mean".  Returns EXIT_ERROR. */
int cli_unknown_option(FILE *err, const char *cmd, const char *arg, const char *const *options);

/* The width text written to fp wraps to: the terminal's, else $COLUMNS, else 80. */
size_t cli_width(FILE *fp);

/* Writes help text wrapped to `width` without breaking words: paragraphs flow, entries
 * ("  --opt VALUE   description", continued on lines indented to the description) keep their
 * description column. */
void cli_help(FILE *out, const char *text, size_t width);

/* Writes text (explain's, a rule's) wrapped to `width` without breaking words: a prose line that
 * does not fit continues at its indent (a paragraph is one line: txt_unwrap), a table row under
 * the column it was broken in; fenced code and lines that fit are left as they are. */
void cli_wrap_text(FILE *out, const char *text, size_t width);

/***** --add-noqa (cli_noqa.c) *****/

struct finding;
struct diag_ctx;

/* Adds `  # noqa: CODES` at the end of each line of the source file `path` that has findings
 * f[0..n) (GIL000 and GIL900 excepted), or the missing codes to a `# noqa: ...` already there;
 * comments are kept.  A line whose end is inside a string or after a backslash is left alone
 * with a warning.  The file is replaced atomically with its mode kept; a symbolic link or a
 * .pyc is not changed (a warning).  *out_added counts the lines changed.  Returns G_OK, or
 * G_EIO / G_ENOMEM with a message naming the file. */
int cli_add_noqa(unsigned long *out_added, const char *path, const struct finding *f,
                 unsigned int n, struct diag_ctx *d);

/* Prints every message of a diagnostics context as "gilcheck: error: FILE: TEXT". */
struct diag_ctx;
void cli_print_diags(const struct diag_ctx *d, FILE *err);

#endif
