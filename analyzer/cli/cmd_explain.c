/* `gilcheck explain`: why one statement is or is not atomic, on the user's own line of code. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"
#include "../explain/explain.h"
#include "../input/input.h"
#include "cli.h"

static const char explain_usage[] =
    "usage: gilcheck explain [-c CODE | FILE.py:LINE | FILE.pyc:LINE] [--global NAMES]\n"
    "                        [--shared NAMES]\n"
    "                        [--python-version 3.N[,3.M...]|all] [--python PATH]\n"
    "                        [--format text|json]\n"
    "\n"
    "Explains whether a statement is atomic: its bytecode with the instructions that touch\n"
    "shared state marked, where a thread switch can fall on a GIL build of that version and on\n"
    "a free-threaded build, the verdict (atomic, or not atomic: read-modify-write,\n"
    "read-then-write, check-then-act), a two-thread schedule that loses an update, and the fix.\n"
    "The code is compiled, never run.\n"
    "\n"
    "  -c CODE              a snippet, run in a thread as the body of a function; every name it\n"
    "                       uses is a global (shared) unless --global names them; the names the\n"
    "                       documentation uses are its types (L, L1, L2, lst: lists; D, D1, D2,\n"
    "                       d, other_dict: dicts), any other object is of unknown type\n"
    "  FILE.py:LINE         the statement at LINE of a file (analysed as if every function ran in\n"
    "                       a thread)\n"
    "  --global NAMES       comma-separated names that are globals (the others are locals)\n"
    "  --shared NAMES       comma-separated parameters whose arguments are shared state (a dict\n"
    "                       passed to threads in Thread(args=...)): \"cache\", or qualified\n"
    "                       \"worker.cache\"\n"
    "  --python-version V   compile with Python V (3.6 .. 3.14; several separated by commas, or\n"
    "                       all, newest first); the first is shown; default 3.11, the embedded\n"
    "                       interpreter;\n"
    "                       others come from pyenv ($PYENV_ROOT/versions/3.N.P) and pyodide (3.14)\n"
    "  --python PATH        compile with this interpreter instead\n"
    "  --format json        {\"verdict\", \"rule\", \"window\", \"switch_points\", \"interleaving\",\n"
    "                       \"fix\", \"bytecode\", ...}\n"
    "  --run                also EXECUTE the snippet (-c only): 4 threads call it --run-calls times\n"
    "                       each (default 100000) in the embedded CPython 3.11 under\n"
    "                       sys.setswitchinterval(1e-6); reports the updates lost against the same\n"
    "                       calls in one thread.  This runs the code: use it on snippets only\n"
    "\n"
    "exit codes: 0 atomic, 1 not atomic, 2 errors (also: the code does not compile, or the line\n"
    "has no bytecode)\n";

/* Adds the versions of a "3.9,3.12" or "all" list to minors; 0 on success. */
static int parse_versions(int *minors, int *n, const char *s)
{
    if (!strcmp(s, "all")) {
        int m;
        for (m = 14; m >= 6 && *n < EXP_MAX_VERSIONS; m--)
            minors[(*n)++] = m;
        return 0;
    }
    while (*s) {
        char *end;
        long minor;
        if (strncmp(s, "3.", 2))
            return -1;
        minor = strtol(s + 2, &end, 10);
        if (end == s + 2 || minor < 6 || minor > 14 || *n >= EXP_MAX_VERSIONS)
            return -1;
        minors[(*n)++] = (int)minor;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return 0;
}

/* Line `line` of the file at path (without its newline) into sb; 0 when there is none. */
static int file_line(strbuf *sb, const uint8_t *src, size_t len, long line)
{
    size_t i = 0;
    long k = 1;
    while (i < len && k < line) {
        if (src[i++] == '\n')
            k++;
    }
    if (k != line || i >= len)
        return 0;
    while (i < len && src[i] != '\n' && src[i] != '\r')
        sb_putc(sb, (char)src[i++]);
    return 1;
}

int cmd_explain(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    const char *code = NULL, *where = NULL, *globals_arg = NULL, *python = NULL, *config = NULL;
    const char *shared = NULL;
    const drv_settings *set = NULL;
    int isolated = 0;
    char *path_dup = NULL;
    int minors[EXP_MAX_VERSIONS], nminors = 0, json = 0, i, k, nruns = 0, status = EXIT_ERROR;
    exp_run runs[EXP_MAX_VERSIONS];
    strbuf module, text, globals;
    uint8_t *file = NULL, *pyc = NULL;
    size_t flen = 0;
    exp_target t;
    diag_ctx d;
    drv_ctx drv;
    arena *a = NULL;
    int drv_opened = 0, do_run = 0;
    long run_calls = 100000;
    in_run_result run_res;

    diag_init(&d);
    sb_init(&module);
    sb_init(&text);
    sb_init(&globals);
    memset(&t, 0, sizeof t);
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            cli_help(out, explain_usage, cli_width(out));
            status = EXIT_CLEAN;
            goto done;
        } else if (!strcmp(s, "-c") && i + 1 < argc) {
            code = argv[++i];
        } else if (!strcmp(s, "--shared") && i + 1 < argc) {
            shared = argv[++i];
        } else if (!strcmp(s, "--global") && i + 1 < argc) {
            if (globals.sb_len)
                sb_putc(&globals, ',');
            sb_puts(&globals, argv[++i]);
            globals_arg = globals.sb_buf;
        } else if (!strcmp(s, "--python-version") && i + 1 < argc) {
            if (parse_versions(minors, &nminors, argv[++i])) {
                cli_usage_error(err, "explain", "--python-version takes 3.6 .. 3.14 "
                                "(comma-separated) or all, not '%s'", argv[i]);
                goto done;
            }
        } else if (!strcmp(s, "--run")) {
            do_run = 1;
        } else if (!strcmp(s, "--run-calls") && i + 1 < argc) {
            run_calls = atol(argv[++i]);
            if (run_calls < 1 || run_calls > 100000000) {
                cli_usage_error(err, "explain", "--run-calls takes 1 .. 100000000");
                goto done;
            }
        } else if (!strcmp(s, "--python") && i + 1 < argc) {
            python = argv[++i];
        } else if (!strcmp(s, "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (!strcmp(s, "--isolated")) {
            isolated = 1;
        } else if (!strcmp(s, "--format") && i + 1 < argc) {
            s = argv[++i];
            if (!strcmp(s, "json"))
                json = 1;
            else if (strcmp(s, "text")) {
                cli_usage_error(err, "explain", "--format takes text or json, not '%s'", s);
                goto done;
            }
        } else if (s[0] == '-' && s[1]) {
            static const char *const opts[] = { "-c", "--global", "--python-version", "--run",
                                                "--run-calls", "--python", "--format", "--config",
                                                "--isolated", "--help", NULL };
            cli_unknown_option(err, "explain", s, opts);
            goto done;
        } else if (!where) {
            where = s;
        } else {
            cli_usage_error(err, "explain", "one FILE:LINE at a time");
            goto done;
        }
    }
    if (!code == !where) {
        cli_usage_error(err, "explain", "give -c CODE or FILE:LINE");
        goto done;
    }
    if (code && !code[strspn(code, " \t\r\n")]) {
        cli_usage_error(err, "explain", "-c got no code");
        goto done;
    }
    if (!nminors)
        minors[nminors++] = 11;
    if (do_run && !code) {
        cli_usage_error(err, "explain", "--run runs -c snippets only");
        goto done;
    }
    if (python && nminors > 1) {
        cli_usage_error(err, "explain", "--python compiles for one version only");
        goto done;
    }
    if (code) {
        int32_t first;
        const char *p;
        int32_t nlines = 1;
        sb_puts(&module, "import threading\n");
        exp_wrap(&module, EXP_SNIPPET_FUNC, code, globals_arg, &first);
        for (p = code; *p; p++)
            nlines += *p == '\n' && p[1];
        t.et_text = code;
        t.et_func = EXP_SNIPPET_FUNC;
        t.et_l0 = first;
        t.et_l1 = first + nlines - 1;
        t.et_shown_line = 1;
    } else {
        const char *colon = strrchr(where, ':');
        char *end, path[4096];
        long line = colon ? strtol(colon + 1, &end, 10) : 0;
        int e = 0;
        if (!colon || end == colon + 1 || *end || line < 1 || line > INT32_MAX ||
            (size_t)(colon - where) >= sizeof path) {
            cli_usage_error(err, "explain", "'%s' is not FILE:LINE", where);
            goto done;
        }
        snprintf(path, sizeof path, "%.*s", (int)(colon - where), where);
        if (in_read_file(&file, &flen, &e, path)) {
            fprintf(err, "gilcheck: error: %s: cannot read (%s)\n", path, file_strerror(e));
            goto done;
        }
        if (flen >= 4 && strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".pyc")) {
            pyc = file;
            nminors = 1;
            sb_printf(&text, "line %ld of %s", line, path);
        } else if (!file_line(&text, file, flen, line)) {
            fprintf(err, "gilcheck: error: %s: has no line %ld\n", path, line);
            goto done;
        }
        if (file && !pyc)
            sb_putn(&module, (const char *)file, flen);
        t.et_text = text.sb_buf;
        t.et_l0 = t.et_l1 = t.et_shown_line = (int32_t)line;
        where = path_dup = strdup(path);
    }
    if (drv_open(&drv, argv0, &d) || arena_new(&a)) {
        drv_opened = 1;
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        goto done;
    }
    drv_opened = 1;
    drv.c_isolated = isolated;
    if (config && !(drv.c_config = strdup(config))) {
        fprintf(err, "gilcheck: error: out of memory\n");
        goto done;
    }
    /* the settings check uses for this file (lock-names, thread-entry-points); a snippet takes
     * the current directory's */
    if ((code ? drv_settings_default(&set, &drv, NULL, &d)
              : drv_settings_for(&set, &drv, where, &d))) {
        cli_print_diags(&d, err);
        goto done;
    }
    if (d.d_count) {
        cli_print_diags(&d, err);
        diag_free(&d);
        diag_init(&d);
    }
    for (k = 0; k < nminors; k++) {
        int rc = exp_run_module(&runs[nruns], &drv, set, minors[k], python,
                                (const uint8_t *)module.sb_buf, module.sb_len, pyc, flen, shared,
                                code ? "<snippet>" : where, a, &d);
        if (rc) {
            cli_print_diags(&d, err);
            diag_free(&d);
            diag_init(&d);
            continue;     /* a missing interpreter: the other versions still count */
        }
        nruns++;
    }
    if (!nruns)
        goto done;
    if (do_run && !runs[0].er_syntax) {
        /* the module without its last line, the thread start: the driver starts the threads */
        char *cut = module.sb_buf + module.sb_len - 1;
        while (cut > module.sb_buf && cut[-1] != '\n')
            cut--;
        *cut = 0;
        if (in_run_threads(&run_res, module.sb_buf, EXP_SNIPPET_FUNC, 4, run_calls, &d)) {
            cli_print_diags(&d, err);
            goto done;
        }
        t.et_run = &run_res;
        t.et_run_threads = 4;
        t.et_run_iterations = run_calls;
    }
    if (!code && !pyc && !module.sb_failed)
        t.et_source = module.sb_buf;
    {
        /* text is written wrapped to the terminal: through a buffer */
        char *buf = NULL;
        size_t blen = 0;
        FILE *mem = json ? NULL : open_memstream(&buf, &blen);
        k = exp_write(mem ? mem : out, json, &t, runs, nruns, &drv.c_kb, a, &d);
        if (mem) {
            fclose(mem);
            if (k >= 0)
                cli_wrap_text(out, buf, cli_width(out));
            free(buf);
        }
    }
    if (k < 0) {
        cli_print_diags(&d, err);
        goto done;
    }
    /* the verdict printed decides, also when some version had no interpreter (said above) */
    status = k == 2 ? EXIT_ERROR : k ? EXIT_FINDINGS : EXIT_CLEAN;
done:
    for (k = 0; k < nruns; k++)
        exp_run_free(&runs[k]);
    free(path_dup);
    mem_free(file);
    sb_free(&module);
    sb_free(&text);
    sb_free(&globals);
    arena_free(a);
    if (drv_opened)
        drv_close(&drv);
    diag_free(&d);
    in_shutdown();
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
