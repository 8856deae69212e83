/* The gilcheck command line: one binary, one function per subcommand. */
#ifndef GILCHECK_CLI_H
#define GILCHECK_CLI_H

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
    int co_force;              /* --force: -o writes through a symbolic link */
} cli_output;

/* Consumes argv[*i] (and its value) when it is an output option: returns 1, 0 when it is not
 * one, -1 after printing a usage error to err. */
int cli_output_option(cli_output *o, int argc, char **argv, int *i, FILE *err);

/* Where the report goes: `out`, or the -o file opened for writing, created 0644 under the umask
 * (NULL after printing an error; the caller closes it).  Unless --force, a symbolic link at the
 * path (or, for a relative path, at a directory on the way) is refused: a repository's committed
 * link must not make the report overwrite the file it points to. */
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
int cmd_clean(int argc, char **argv, FILE *out, FILE *err);

/* Prints every message of a diagnostics context as "gilcheck: error: FILE: TEXT", one line each
 * (control characters in file names and messages escaped). */
struct diag_ctx;
void cli_print_diags(const struct diag_ctx *d, FILE *err);

#endif
