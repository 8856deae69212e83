/* `gilcheck lsp`: the language server on standard input and output. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../lsp/lsp.h"
#include "cli.h"

static const char lsp_usage[] =
    "usage: gilcheck lsp [--stdio]\n"
    "\n"
    "Runs the gilcheck language server (LSP 3.17, JSON-RPC over standard input and output):\n"
    "diagnostics of the unsaved buffer as you type, hover with a line's bytecode and verdict,\n"
    "code actions (`# noqa: GILnnn`, `with <lock>:`).  The configuration (gilcheck.toml or\n"
    "pyproject.toml [tool.gilcheck]) of each opened file applies, and `# noqa` as in check.\n"
    "See docs/editors.md for VS Code, Neovim, Helix and Emacs.\n"
    "\n"
    "exit codes: 0 after shutdown and exit, 1 otherwise\n";

int cmd_lsp(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    int i;
    (void)out;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            cli_help(stdout, lsp_usage, cli_width(stdout));
            return EXIT_CLEAN;
        }
        if (strcmp(argv[i], "--stdio")) {
            static const char *const opts[] = { "--stdio", "--help", NULL };
            cli_unknown_option(err, "lsp", argv[i], opts);
            return EXIT_ERROR;
        }
    }
    signal(SIGPIPE, SIG_IGN);   /* a client that goes away: write fails, the server stops */
    return lsp_serve(STDIN_FILENO, STDOUT_FILENO, argv0, err);
}
