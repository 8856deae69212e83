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

/* `gilcheck check [--scope concurrent|all] [--format full|concise|json] PATH...`. */
int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck rule GILnnn... | --all`: prints rules' documentation from their YAML. */
int cmd_rule(int argc, char **argv, const char *argv0, FILE *out, FILE *err);

/* `gilcheck clean`: removes .gilcheck_cache/.  Returns an exit code. */
int cmd_clean(int argc, char **argv, FILE *out, FILE *err);

/* Prints every message of a diagnostics context as "gilcheck: error: FILE: TEXT". */
struct diag_ctx;
void cli_print_diags(const struct diag_ctx *d, FILE *err);

#endif
