/* `gilcheck check`: options and configuration, the files to analyse, the report. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../driver/driver.h"
#include "../input/input.h"
#include "../report/report.h"
#include "check_pool.h"
#include "cli.h"

static const char check_usage[] =
    "usage: gilcheck check [options] PATH...\n"
    "\n"
    "Finds operations on shared state that are not atomic in .py and .pyc files.  Directories are\n"
    "searched for *.py and *.pyc, skipping what .gitignore ignores and the default excludes (.git,\n"
    ".venv, venv, build, dist, node_modules, site-packages, ...).  A .py is compiled by the\n"
    "embedded CPython 3.11 (or --python) and never run, unless a fresh __pycache__ pyc of that\n"
    "version exists; a syntax error is reported as GIL000.  A finding is dropped when its line\n"
    "ends with `# noqa` or `# noqa: GILnnn[, GILnnn]`; `# gilcheck: noqa[: GILnnn]` on any line\n"
    "applies to the whole file.  Settings come from [tool.gilcheck] in the closest pyproject.toml,\n"
    "or gilcheck.toml (current directory upward, else the first PATH's); options win.\n"
    "\n"
    "  --scope concurrent   report in functions that run in threads, methods of classes that use\n"
    "                       a lock, and for state a lock protects somewhere (default)\n"
    "  --scope all          report in every function\n"
    "  --format full        findings with the source line, the related read or check, and where\n"
    "                       they show (default)\n"
    "  --format concise     one line per finding: PATH:LINE:COL: GILnnn message\n"
    "  --format json        an array of findings\n"
    "  --format sarif       a SARIF 2.1.0 log for GitHub code scanning (paths relative to the\n"
    "                       current directory, %SRCROOT%)\n"
    "  --format github      GitHub Actions annotations (::warning file=...,line=...::message)\n"
    "  --select CODES       report only these rules (comma-separated codes or prefixes: GIL1,GIL201)\n"
    "  --extend-select CODES  report these beside the selected ones\n"
    "  --ignore CODES       never report these (the most specific code wins, as in ruff)\n"
    "  --exclude GLOBS      replace the default excludes (matched on names and relative paths)\n"
    "  --extend-exclude GLOBS  exclude these beside the defaults\n"
    "  --no-respect-gitignore  search what .gitignore ignores too\n"
    "  --python PATH        compile sources with this interpreter (CPython 3.6 or later), so the\n"
    "                       bytecode is your runtime's\n"
    "  --no-pycache         always compile; never reuse a fresh __pycache__ pyc\n"
    "  --config FILE        read settings from this file only\n"
    "  --isolated           read no configuration file\n"
    "  -o, --output-file FILE  write the report to FILE instead of stdout (errors stay on stderr)\n"
    "  --statistics         count the findings per rule instead of listing them (a table; with\n"
    "                       --format json an array)\n"
    "  --exit-zero          exit 0 even when there are findings (errors still exit 2)\n"
    "  --color auto|always|never  ANSI colour in the full and concise formats; auto (default):\n"
    "                       when writing to a terminal, unless NO_COLOR is set (FORCE_COLOR forces)\n"
    "  --format html        one self-contained page: the source with findings marked, each\n"
    "                       finding's bytecode and a Thread A / Thread B interleaving\n"
    "  --jobs N             analyse in N processes (default: one per online core; the output\n"
    "                       is the same, in path order)\n"
    "  --no-cache           neither read nor write the result cache (.gilcheck_cache/ in the\n"
    "                       current directory; `gilcheck clean` removes it)\n"
    "\n"
    "exit codes: 0 no findings, 1 findings, 2 errors (usage, configuration, or an input that cannot\n"
    "be read or decoded -- named with its reason; the other inputs are still analysed)\n";

/* Prints a diagnostics context to stderr and hands each message to the report (SARIF lists
 * them as notifications, github as annotations; warnings as warnings); leaves d empty. */
static void report_diags(rep_ctx *rep, diag_ctx *d, FILE *err)
{
    size_t k;
    cli_print_diags(d, err);
    for (k = 0; k < d->d_count; k++)
        rep_error(rep, d->d_msgs[k].dm_code != 0, d->d_msgs[k].dm_file, d->d_msgs[k].dm_text);
    diag_free(d);
    diag_init(d);
}

/* "GIL101,GIL2" appended to a vector of codes; 0, or -1 naming the bad code on err. */
static int add_list(char ***vec, size_t *n, const char *arg, int codes, const char *opt, FILE *err)
{
    char *copy = strdup(arg), *tok, *save = NULL;
    if (!copy)
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char **grown;
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (codes && strcmp(tok, "ALL") &&
            (strncmp(tok, "GIL", 3) || strspn(tok + 3, "0123456789") != strlen(tok + 3) ||
             strlen(tok) > 6)) {
            fprintf(err, "gilcheck: error: check: %s takes rule codes (GIL, GIL1, GIL101 or ALL), "
                    "not '%s'\n", opt, tok);
            free(copy);
            return -1;
        }
        if (!(grown = realloc(*vec, (*n + 2) * sizeof *grown)) || !(grown[*n] = strdup(tok))) {
            if (grown)
                *vec = grown;
            free(copy);
            return -1;
        }
        *vec = grown;
        (*n)++;
    }
    free(copy);
    return 0;
}

/* Where the configuration is looked for: the current directory, else the first input. */
static int find_config(drv_settings *s, const char *first_input, diag_ctx *d)
{
    int rc = drv_config_find(s, ".", d);
    if (!rc && !s->s_config_path && first_input)
        rc = drv_config_find(s, first_input, d);
    return rc;
}

int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    drv_settings set;
    int format = 0, i, status = EXIT_CLEAN, isolated = 0, gitignore = 1, no_pycache = 0, oc,
        jobs = check_default_jobs(), use_cache = 1;
    drv_cache cache;
    cli_output oo = { 0 };
    FILE *dest = out;           /* the report: out, or the -o file */
    const char *config = NULL;
    in_paths args = { NULL, 0, 0 }, ps = { NULL, 0, 0 };
    diag_ctx d;
    arena *a = NULL;
    drv_ctx drv;
    rep_ctx rep;
    size_t k;

    diag_init(&d);
    memset(&set, 0, sizeof set);
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(check_usage, out);
            return EXIT_CLEAN;
        } else if (!strcmp(s, "--scope") && i + 1 < argc) {
            s = argv[++i];
            set.s_scope_set = 1;
            if (!strcmp(s, "all"))
                set.s_eng.o_scope_all = 1;
            else if (strcmp(s, "concurrent")) {
                fprintf(err, "gilcheck: error: check: --scope takes concurrent or all, not '%s'\n", s);
                status = EXIT_ERROR;
                goto done;
            }
        } else if ((oc = cli_output_option(&oo, argc, argv, &i, err)) != 0) {
            if (oc < 0) {
                status = EXIT_ERROR;
                goto done;
            }
            format = oo.co_format ? oo.co_format : format;
        } else if ((!strcmp(s, "--select") || !strcmp(s, "--extend-select") ||
                    !strcmp(s, "--ignore") || !strcmp(s, "--exclude") ||
                    !strcmp(s, "--extend-exclude")) && i + 1 < argc) {
            int rc;
            if (!strcmp(s, "--select"))
                rc = add_list(&set.s_select, &set.s_nselect, argv[++i], 1, s, err);
            else if (!strcmp(s, "--extend-select"))
                rc = add_list(&set.s_extend_select, &set.s_nextend_select, argv[++i], 1, s, err);
            else if (!strcmp(s, "--ignore"))
                rc = add_list(&set.s_ignore, &set.s_nignore, argv[++i], 1, s, err);
            else if (!strcmp(s, "--exclude"))
                rc = add_list(&set.s_exclude, &set.s_nexclude, argv[++i], 0, s, err);
            else
                rc = add_list(&set.s_extend_exclude, &set.s_nextend_exclude, argv[++i], 0, s, err);
            if (rc) {
                status = EXIT_ERROR;
                goto done;
            }
        } else if (!strcmp(s, "--python") && i + 1 < argc) {
            free(set.s_python);
            if (!(set.s_python = strdup(argv[++i]))) {
                status = EXIT_ERROR;
                goto done;
            }
        } else if (!strcmp(s, "--no-pycache")) {
            no_pycache = 1;
        } else if (!strcmp(s, "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (!strcmp(s, "--isolated")) {
            isolated = 1;
        } else if (!strcmp(s, "--no-respect-gitignore")) {
            gitignore = 0;
        } else if (!strcmp(s, "--respect-gitignore")) {
            gitignore = 1;
        } else if (!strcmp(s, "--jobs") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > 256) {
                fprintf(err, "gilcheck: error: check: --jobs takes a number from 1 to 256, not "
                        "'%s'\n", argv[i]);
                status = EXIT_ERROR;
                goto done;
            }
            jobs = (int)v;
        } else if (!strcmp(s, "--no-cache")) {
            use_cache = 0;
        } else if (s[0] == '-' && s[1]) {
            fprintf(err, "gilcheck: error: check: unknown option '%s' (or its value is missing)"
                    "\n\n%s", s, check_usage);
            status = EXIT_ERROR;
            goto done;
        } else if (in_paths_add(&args, s)) {
            fprintf(err, "gilcheck: error: out of memory\n");
            status = EXIT_ERROR;
            goto done;
        }
    }
    if (!args.p_n) {
        fprintf(err, "gilcheck: error: check: no input files\n\n%s", check_usage);
        status = EXIT_ERROR;
        goto done;
    }
    /* the configuration: settings given on the command line win */
    if (config ? drv_config_load(&set, config, &d)
               : !isolated && find_config(&set, args.p_items[0], &d)) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
        goto done;
    }
    if (!format && set.s_output_format) {
        if (!(format = rep_format_parse(set.s_output_format))) {
            fprintf(err, "gilcheck: error: %s: output-format '%s' is not supported by this "
                    "build\n", set.s_config_path, set.s_output_format);
            status = EXIT_ERROR;
            goto done;
        }
    }
    if (!format)
        format = REP_FULL;
    if (oo.co_statistics && (format == REP_SARIF || format == REP_GITHUB || format == REP_HTML)) {
        fprintf(err, "gilcheck: error: check: --statistics works with the full, concise and json "
                "formats\n");
        status = EXIT_ERROR;
        goto done;
    }
    {
        in_walk_opts wo;
        memset(&wo, 0, sizeof wo);
        wo.w_exclude = set.s_exclude;
        wo.w_nexclude = set.s_nexclude;
        wo.w_extend_exclude = set.s_extend_exclude;
        wo.w_nextend_exclude = set.s_nextend_exclude;
        wo.w_root = set.s_root;
        wo.w_gitignore = gitignore;
        for (k = 0; k < args.p_n; k++) {
            struct stat st;
            const char *s = args.p_items[k];
            if (stat(s, &st) == 0 && S_ISDIR(st.st_mode))
                in_walk(&ps, s, &wo, &d);
            else if (in_paths_add(&ps, s))
                diag_add(&d, G_ENOMEM, s, -1, "out of memory");
        }
    }
    if (drv_open(&drv, argv0, &d) || arena_new(&a)) {
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto close;
    }
    drv.c_set = set;
    drv.c_set.s_eng.o_check_names = 1;   /* a whole project: configured names must exist */
    drv.c_no_pycache = no_pycache;
    memset(&set, 0, sizeof set);
    if (!(dest = cli_output_open(&oo, out, err))) {
        status = EXIT_ERROR;
        goto close;
    }
    rep_begin(&rep, dest, format, &drv.c_kb);
    rep.r_statistics = oo.co_statistics;
    rep.r_color = (format == REP_FULL || format == REP_CONCISE) && cli_output_color(&oo, dest);
    if (d.d_count) {
        if (diag_has_error(&d))
            status = EXIT_ERROR;
        report_diags(&rep, &d, err);
    }
    memset(&cache, 0, sizeof cache);   /* after the settings are final: they are in its keys */
    if (format == REP_HTML) {
        /* the page shows each finding's bytecode: analysed here, where the decoded code
         * objects are at hand (the workers' and the cache's records hold summaries only), and
         * kept until the whole run is composed */
        drv_result *res = calloc(ps.p_n ? ps.p_n : 1, sizeof *res);
        drv_unit *units = calloc(ps.p_n ? ps.p_n : 1, sizeof *units);
        if (!res || !units) {
            fprintf(err, "gilcheck: error: out of memory\n");
            status = EXIT_ERROR;
        }
        for (k = 0; res && units && k < ps.p_n; k++) {
            units[k].u_path = ps.p_items[k];
            if ((units[k].u_rc = drv_summarize(&res[k], &drv, ps.p_items[k], NULL, 0, a, &d))) {
                report_diags(&rep, &d, err);
                status = EXIT_ERROR;
                continue;
            }
            units[k].u_sum = res[k].r_sum;
            units[k].u_res = res[k].r_res;
            units[k].u_source = res[k].r_source;
        }
        if (res && units && drv_compose(units, ps.p_n, &drv, a, &d))
            status = EXIT_ERROR;
        if (d.d_count)
            report_diags(&rep, &d, err);
        for (k = 0; res && units && k < ps.p_n; k++) {
            if (!units[k].u_rc && units[k].u_res.r_count)
                rep_file_code(&rep, units[k].u_res.r_findings, units[k].u_res.r_count,
                              res[k].r_bf);
            drv_result_free(&res[k]);
        }
        free(res);
        free(units);
    } else {
        if (use_cache && drv_cache_open(&cache, &drv, argv0, &d)) {
            report_diags(&rep, &d, err);   /* the run goes on without the cache */
            drv_cache_close(&cache);
            use_cache = 0;
        }
        if (check_run(ps.p_items, ps.p_n, &drv, use_cache ? &cache : NULL, jobs, &rep, err))
            status = EXIT_ERROR;
    }
    rep_end(&rep);
    drv_cache_close(&cache);
    if (status == EXIT_CLEAN && rep.r_count && !oo.co_exit_zero)
        status = EXIT_FINDINGS;
close:
    drv_close(&drv);
done:
    in_paths_free(&ps);
    in_paths_free(&args);
    drv_settings_free(&set);
    arena_free(a);
    diag_free(&d);
    in_shutdown();
    if (dest && dest != out && (ferror(dest) | fclose(dest)))
        status = EXIT_ERROR;
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
