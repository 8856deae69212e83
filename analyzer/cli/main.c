/* gilcheck's entry point: dispatches to the subcommands and handles --help and --version. */
#include <stdio.h>
#include <string.h>

#include "../common/diag.h"
#include "../common/text.h"
#include "cli.h"

#ifndef GILCHECK_VERSION
#define GILCHECK_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: gilcheck <command> [options] [args]\n"
    "\n"
    "Finds operations on shared state that are not atomic in CPython 3.6-3.14 bytecode.\n"
    "\n"
    "commands:\n"
    "  check [--scope concurrent|all] [--format full|concise|json|sarif|github|html] PATH...\n"
    "                             find non-atomic operations on shared state in .py and .pyc\n"
    "                             files (.py compiled in-process, never run; `# noqa` honoured)\n"
    "  dis [--json] FILE.pyc...   disassemble .pyc files (text, or one JSON document per file)\n"
    "  rule GILnnn... | --all     print a rule's documentation (summary, fix, examples)\n"
    "  lsp [--stdio]              the language server (LSP over stdio) for editors\n"
    "  explain -c CODE | FILE:LINE [--python-version 3.N,...] [--format text|json]\n"
    "                             why a statement is or is not atomic: bytecode, switch points,\n"
    "                             a schedule that loses an update, the fix\n"
    "  table [--format text|markdown|json]\n"
    "                             the Python FAQ's atomic / not atomic operations, per version\n"
    "  clean                      remove the result cache (.gilcheck_cache/)\n"
    "\n"
    "options:\n"
    "  -h, --help       show this help (also: gilcheck <command> --help)\n"
    "  -V, --version    show the version\n"
    "\n"
    "environment:\n"
    "  GILCHECK_RULES   the directory of the rules (GIL*.yaml and atomicity.yaml); by default\n"
    "                   PREFIX/share/gilcheck/rules for the binary PREFIX/bin/gilcheck (a\n"
    "                   binary in its build tree falls back to the source tree's rules/)\n"
    "  GILCHECK_PYODIDE_RUN  the runner of CPython 3.14 in pyodide for explain and table;\n"
    "                   by default PREFIX/share/gilcheck/pyodide_run.mjs, with pyodide in\n"
    "                   node_modules/ beside it\n"
    "  PYENV_ROOT       where explain and table find pyenv's interpreters (default ~/.pyenv)\n"
    "  NO_COLOR, FORCE_COLOR  turn colour off or on (check --color overrides both)\n"
    "\n"
    "exit codes: 0 clean, 1 findings, 2 errors\n";

void cli_print_diags(const diag_ctx *d, FILE *err)
{
    char buf[1400];
    size_t i;
    for (i = 0; i < d->d_count; i++)
        fprintf(err, "gilcheck: %s: %s\n", d->d_msgs[i].dm_code < 0 ? "error" : "warning",
                diag_format(d, i, buf, sizeof buf));
    if (d->d_oom)
        fprintf(err, "gilcheck: error: out of memory (some messages were lost)\n");
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd)
        return cli_usage_error(stderr, NULL, "name a command (check, dis, rule, lsp, explain, "
                               "table, clean)");
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        cli_help(stdout, usage, cli_width(stdout));
        return EXIT_CLEAN;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("gilcheck %s\n", GILCHECK_VERSION);
        return EXIT_CLEAN;
    }
    if (!strcmp(cmd, "dis"))
        return cmd_dis(argc - 1, argv + 1, stdout, stderr);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1, argv[0], stdout, stderr);
    if (!strcmp(cmd, "clean"))
        return cmd_clean(argc - 1, argv + 1, argv[0], stdout, stderr);
    if (!strcmp(cmd, "rule"))
        return cmd_rule(argc - 1, argv + 1, argv[0], stdout, stderr);
    if (!strcmp(cmd, "lsp"))
        return cmd_lsp(argc - 1, argv + 1, argv[0], stdout, stderr);
    if (!strcmp(cmd, "explain"))
        return cmd_explain(argc - 1, argv + 1, argv[0], stdout, stderr);
    if (!strcmp(cmd, "table"))
        return cmd_table(argc - 1, argv + 1, argv[0], stdout, stderr);
    {
        static const char *const cmds[] = { "check", "dis", "rule", "lsp", "explain", "table",
                                            "clean", NULL };
        const char *near = txt_suggest(cmd, cmds, 7);
        if (cmd[0] == '-')
            return cli_unknown_option(stderr, NULL, cmd, (const char *const[]){ "--help",
                                                                             "--version", NULL });
        if (near)
            return cli_usage_error(stderr, NULL, "unknown command '%s' (did you mean '%s'?)", cmd,
                                   near);
        return cli_usage_error(stderr, NULL, "unknown command '%s'", cmd);
    }
}
