/* `gilcheck table`: the atomicity of the Python FAQ's operations, per Python version. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../explain/explain.h"
#include "../input/input.h"
#include "cli.h"

static const char table_usage[] =
    "usage: gilcheck table [--format text|markdown|json] [--python-version 3.N[,3.M...]|all]\n"
    "\n"
    "Compiles each operation of the Python FAQ's list (\"What kinds of global value mutation\n"
    "are thread-safe?\": 11 atomic, 4 not atomic) and the examples of the free-threading\n"
    "guarantees page with every Python version present (default: all of 3.6 .. 3.14 that\n"
    "pyenv and pyodide provide; 3.11 is embedded) and prints gilcheck's verdict per version and\n"
    "for free-threaded builds.  A version without an interpreter is left out with a note.\n"
    "\n"
    "  --format json   [{\"code\", \"source\", \"documented\", \"verdicts\": {\"3.6\": \"atomic\", ...,\n"
    "                  \"free-threaded\": ...}, \"rule\"}]\n";

int cmd_table(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    const char *format = "text";
    int minors[EXP_MAX_VERSIONS], nminors = 0, i, status = EXIT_CLEAN, printed = 0;
    drv_ctx drv;
    diag_ctx d;

    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            cli_help(out, table_usage, cli_width(out));
            return EXIT_CLEAN;
        } else if (!strcmp(s, "--format") && i + 1 < argc) {
            format = argv[++i];
            if (strcmp(format, "text") && strcmp(format, "markdown") && strcmp(format, "json")) {
                return cli_usage_error(err, "table", "--format takes text, markdown or json, "
                                       "not '%s'", format);
            }
        } else if (!strcmp(s, "--python-version") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "all")) {
                nminors = 0;
            } else {
                while (*v) {
                    char *end;
                    long m = strncmp(v, "3.", 2) ? -1 : strtol(v + 2, &end, 10);
                    if (m < 6 || m > 14 || nminors >= EXP_MAX_VERSIONS) {
                        return cli_usage_error(err, "table", "--python-version takes 3.6 .. 3.14 "
                                               "(comma-separated) or all, not '%s'", argv[i]);
                    }
                    minors[nminors++] = (int)m;
                    v = *end == ',' ? end + 1 : end;
                    if (*v && *end != ',') {
                        return cli_usage_error(err, "table", "--python-version takes 3.6 .. 3.14 "
                                               "(comma-separated) or all, not '%s'", argv[i]);
                    }
                }
            }
        } else if (s[0] == '-') {
            static const char *const opts[] = { "--format", "--python-version", "--help", NULL };
            return cli_unknown_option(err, "table", s, opts);
        } else {
            return cli_usage_error(err, "table", "unexpected argument '%s'", s);
        }
    }
    if (!nminors)
        for (i = 6; i <= 14; i++)
            minors[nminors++] = i;
    diag_init(&d);
    if (drv_open(&drv, argv0, &d)) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
    } else if (exp_table(out, format, minors, nminors, &drv, cli_width(out), &printed, err,
                         &d)) {
        cli_print_diags(&d, err);
        status = printed ? EXIT_CLEAN : EXIT_ERROR;  /* a table printed is the answer */
    }
    drv_close(&drv);
    diag_free(&d);
    in_shutdown();
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
