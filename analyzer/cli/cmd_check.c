/* `gilcheck check`: options, the files to analyse, each with its configuration root's settings,
 * and the report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"
#include "../driver/driver.h"
#include "../input/input.h"
#include "../report/report.h"
#include "check_pool.h"
#include "cli.h"

static const char check_usage[] =
    "usage: gilcheck check [options] PATH...\n"
    "       gilcheck check [options] - --stdin-filename PATH < SOURCE\n"
    "\n"
    "Finds operations on shared state that are not atomic in .py and .pyc files.  Directories are "
    "searched for *.py and *.pyc, skipping what .gitignore ignores and the default excludes "
    "(.git, .venv, venv, build, dist, node_modules, site-packages, ...); a directory you name is "
    "searched even when .gitignore ignores it.  A .py is compiled by the embedded CPython 3.11 "
    "(or --python) and never run, unless a fresh __pycache__ pyc of that version exists; a syntax "
    "error is reported as GIL000.  A finding is dropped when its line ends with `# noqa` or "
    "`# noqa: GILnnn[, GILnnn]`; `# gilcheck: noqa[: GILnnn]` on any line applies to the whole "
    "file.  Each file takes its settings from the closest .gilcheck.toml, gilcheck.toml or "
    "pyproject.toml with [tool.gilcheck] in its directory or above (not above the repository's "
    "top), else from the current directory's; options win.\n"
    "\n"
    "  --scope concurrent   report in functions that run in threads, methods of classes that use "
    "a lock, and for state a lock protects somewhere (default)\n"
    "  --scope all          report in every function\n"
    "  --format FORMAT      full (default): findings with the source line, the related read or "
    "check, and where they show; concise: one line per finding, PATH:LINE:COL: GILnnn message; "
    "json: an array of records, findings and errors; sarif: a SARIF 2.1.0 log for GitHub code "
    "scanning; github: GitHub Actions annotations; html: one self-contained page with each "
    "finding's bytecode and a Thread A / Thread B interleaving\n"
    "  --select CODES       report only these rules (comma-separated codes or prefixes: "
    "GIL1,GIL201; an unknown code is an error)\n"
    "  --extend-select CODES  report these beside the selected ones (GIL900 reports unused "
    "`# noqa` directives)\n"
    "  --ignore CODES       never report these (the most specific code wins, as in ruff)\n"
    "  --exclude GLOBS      replace the default excludes (matched on names and relative paths)\n"
    "  --extend-exclude GLOBS  exclude these beside the defaults\n"
    "  --no-respect-gitignore  search what .gitignore ignores too\n"
    "  --follow-symlinks    follow symbolic links that lead outside the PATHs given (by default "
    "they are skipped with a warning)\n"
    "  --source-dir DIR     a .pyc's co_filename may name a file in DIR: read for `# noqa` and "
    "shown, DIR itself not searched (by default only a file inside the PATHs given, or the pyc's "
    "own NAME.py; else the pyc is named)\n"
    "  --python PATH        compile sources with this interpreter (CPython 3.6 or later), so the "
    "bytecode is your runtime's (also: $GILCHECK_PYTHON, or python in your own "
    "~/.config/gilcheck/gilcheck.toml)\n"
    "  --allow-project-python  let a project's configuration name the interpreter (it runs: only "
    "for repositories you trust)\n"
    "  --force-exclude      apply the excludes to the paths named on the command line too (for "
    "pre-commit, which names every file); --no-force-exclude: don't\n"
    "  --no-pycache         always compile; never reuse a fresh __pycache__ pyc (the default when "
    "the environment variable CI is set: a pull request's pyc must not stand for its source)\n"
    "  --pycache            reuse fresh __pycache__ pycs even when CI is set\n"
    "  --config FILE        read settings from this file only\n"
    "  --isolated           read no configuration file\n"
    "  --stdin-filename PATH  the name of the source read from standard input (`-`): its "
    "configuration and per-file-ignores, and the name findings carry\n"
    "  --add-noqa           add `# noqa: GILnnn` to every line with a finding (keeps existing "
    "comments; a second run adds nothing)\n"
    "  --show-settings      print the settings that apply to the first PATH, and exit\n"
    "  --show-files         print the files that would be checked, and exit\n"
    "  -o, --output-file FILE  write the report to FILE instead of stdout (errors stay on "
    "stderr); a symbolic link there is refused\n"
    "  --force              let -o write through a symbolic link\n"
    "  --statistics         count the findings per rule instead of listing them (a table; with "
    "--format json an array)\n"
    "  --exit-zero          exit 0 even when there are findings (errors still exit 2)\n"
    "  --color WHEN         auto (default), always or never: ANSI colour in the full and concise "
    "formats; auto: when writing to a terminal, unless NO_COLOR is set (FORCE_COLOR forces)\n"
    "  --jobs N             analyse in N processes (default: one per online core; the output is "
    "the same, in path order)\n"
    "  --no-cache           neither read nor write the result cache (.gilcheck_cache/; "
    "`gilcheck clean` removes it)\n"
    "\n"
    "exit codes: 0 no findings, 1 findings, 2 errors (usage, configuration, or an input that "
    "cannot be read or decoded -- named with its reason; the other inputs are still analysed)\n";

/* Every option, for "did you mean". */
static const char *const check_options[] = {
    "--scope", "--format", "--output-format", "--select", "--extend-select", "--ignore",
    "--exclude", "--extend-exclude", "--no-respect-gitignore", "--respect-gitignore", "--python",
    "--allow-project-python", "--no-pycache", "--pycache", "--follow-symlinks", "--source-dir",
    "--force", "--config", "--isolated", "--stdin-filename",
    "--add-noqa", "--show-settings", "--show-files", "--output-file", "--statistics",
    "--exit-zero", "--color", "--jobs", "--no-cache", "--help", NULL
};

/* Options that set a key of the settings layer (their name is the key's). */
static const char *const layer_options[] = { "--scope", "--select", "--extend-select", "--ignore",
                                             "--exclude", "--extend-exclude", "--python", NULL };

/* Prints a diagnostics context to stderr and hands each message to the report (SARIF lists
 * them as notifications, github as annotations, json as records; warnings as warnings); leaves
 * d empty. */
static void report_diags(rep_ctx *rep, diag_ctx *d, FILE *err)
{
    size_t k;
    cli_print_diags(d, err);
    for (k = 0; k < d->d_count; k++)
        rep_error(rep, d->d_msgs[k].dm_code != 0, d->d_msgs[k].dm_file, d->d_msgs[k].dm_text);
    diag_free(d);
    diag_init(d);
}

/* 1 when d holds an error that is not about one input (a configuration error). */
static int config_failed(const diag_ctx *d)
{
    size_t i;
    for (i = 0; i < d->d_count; i++)
        if (d->d_msgs[i].dm_code && d->d_msgs[i].dm_code != G_EIO)
            return 1;
    return 0;
}

/* 1 when the environment says this is a CI job (CI set, and not to "false" or "0", as GitHub,
 * GitLab and most others set it): __pycache__ is then not reused unless --pycache. */
static int ci(void)
{
    const char *v = getenv("CI");
    return v && *v && strcmp(v, "false") && strcmp(v, "0");
}

/* The option's value: "--name VALUE" or "--name=VALUE"; NULL (and a usage error printed) when
 * it is missing.  *i moves past what was used. */
static const char *value_of(int argc, char **argv, int *i, const char *name, FILE *err)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    cli_usage_error(err, "check", "%s needs a value", name);
    return NULL;
}

/* 1 when argv[i] is option `name`, alone or as name=VALUE. */
static int is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(arg, name, n) && (arg[n] == 0 || arg[n] == '=');
}

/* Reads standard input whole. */
static int read_stdin(uint8_t **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *buf = mem_alloc(cap);
    if (!buf)
        return G_ENOMEM;
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *g = cap <= IN_MAX_SOURCE ? mem_realloc(buf, cap * 2) : NULL;
            if (!g) {
                mem_free(buf);
                return cap > IN_MAX_SOURCE ? G_EBAD : G_ENOMEM;
            }
            buf = g;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (!got)
            break;
    }
    if (ferror(stdin)) {
        mem_free(buf);
        return G_EIO;
    }
    *out = buf;
    *len = n;
    return G_OK;
}

/* The HTML page and --add-noqa need each finding with the decoded code objects or the source at
 * hand: the files are analysed here, one after the other, kept until the whole run is composed
 * (the workers' and the cache's records hold summaries only). */
static int analyse_here(in_paths *ps, drv_ctx *drv, arena *a, rep_ctx *rep, int add_noqa,
                        unsigned long *added, unsigned long *files_changed, diag_ctx *d,
                        FILE *err)
{
    drv_result *res = calloc(ps->p_n ? ps->p_n : 1, sizeof *res);
    drv_unit *units = calloc(ps->p_n ? ps->p_n : 1, sizeof *units);
    size_t k;
    int failed = 0;
    if (!res || !units) {
        free(res);
        free(units);
        fprintf(err, "gilcheck: error: out of memory\n");
        return 1;
    }
    for (k = 0; k < ps->p_n; k++) {
        units[k].u_path = ps->p_items[k];
        if ((units[k].u_rc = drv_summarize(&res[k], drv, ps->p_items[k], NULL, 0, a, d))) {
            report_diags(rep, d, err);
            failed = 1;
            continue;
        }
        units[k].u_sum = res[k].r_sum;
        units[k].u_res = res[k].r_res;
        units[k].u_source = res[k].r_source;
    }
    if (drv_compose(units, ps->p_n, drv, a, d) ||
        (!add_noqa && drv_fold_copies(units, ps->p_n, a)))   /* each copy gets its `# noqa` */
        failed = 1;
    if (d->d_count)
        report_diags(rep, d, err);      /* warnings: unknown `# noqa` codes */
    for (k = 0; k < ps->p_n; k++) {
        const eng_result *r = &units[k].u_res;
        if (!units[k].u_rc && r->r_count && add_noqa) {
            unsigned long n = 0;
            if (cli_add_noqa(&n, ps->p_items[k], r->r_findings, r->r_count, d))
                failed = 1;
            else if (n) {
                *added += n;
                (*files_changed)++;
            }
            if (d->d_count)
                report_diags(rep, d, err);
        } else if (!units[k].u_rc && r->r_count) {
            rep_file_code(rep, r->r_findings, r->r_count, res[k].r_bf);
        }
        drv_result_free(&res[k]);
    }
    free(res);
    free(units);
    return failed;
}

int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    drv_settings cli;
    int format = 0, i, status = EXIT_CLEAN, isolated = 0, gitignore = 1, no_pycache = ci(), oc,
        jobs = check_default_jobs(), use_cache = 1, allow_python = 0, add_noqa = 0,
        show_settings = 0, show_files = 0, from_stdin = 0, drv_opened = 0, force_exclude = 0,
        follow_symlinks = 0;
    in_roots roots = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    drv_cache cache;
    cli_output oo = { 0 };
    FILE *dest = out;           /* the report: out, or the -o file */
    const char *config = NULL, *stdin_name = NULL;
    const drv_settings *run = NULL;
    in_paths args = { NULL, 0, 0 }, ps = { NULL, 0, 0 };
    diag_ctx d;
    arena *a = NULL;
    drv_ctx drv;
    rep_ctx rep;
    size_t k;
    uint8_t *src = NULL;
    size_t src_len = 0;

    diag_init(&d);
    memset(&cli, 0, sizeof cli);
    memset(&cache, 0, sizeof cache);
    memset(&drv, 0, sizeof drv);
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        int is_layer = 0;
        for (k = 0; layer_options[k]; k++)
            if (is_opt(s, layer_options[k]))
                is_layer = 1;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            cli_help(out, check_usage, cli_width(out));
            goto done;
        } else if (is_layer) {
            const char *name = s;
            size_t n = strcspn(s, "=");
            char key[64];
            const char *v = value_of(argc, argv, &i, name, err);
            if (!v)
                goto usage;
            snprintf(key, sizeof key, "%.*s", (int)(n - 2), name + 2);
            if (drv_layer_set(&cli, key, v, &d)) {
                cli_usage_error(err, "check", "%s", d.d_count ? d.d_msgs[0].dm_text : "bad value");
                goto usage;
            }
        } else if ((oc = cli_output_option(&oo, argc, argv, &i, err)) != 0) {
            if (oc < 0)
                goto usage;
            format = oo.co_format ? oo.co_format : format;
        } else if (!strcmp(s, "--no-pycache")) {
            no_pycache = 1;
        } else if (!strcmp(s, "--pycache")) {
            no_pycache = 0;
        } else if (!strcmp(s, "--follow-symlinks")) {
            follow_symlinks = 1;
        } else if (is_opt(s, "--source-dir")) {
            struct stat st;
            const char *v = value_of(argc, argv, &i, "--source-dir", err);
            if (!v)
                goto usage;
            if (stat(v, &st) || !S_ISDIR(st.st_mode)) {
                cli_usage_error(err, "check", "--source-dir takes a directory, not '%s'", v);
                goto usage;
            }
            if (in_roots_add(&roots, v) == G_ENOMEM)
                goto usage;
        } else if (is_opt(s, "--config")) {
            if (!(config = value_of(argc, argv, &i, "--config", err)))
                goto usage;
        } else if (!strcmp(s, "--isolated")) {
            isolated = 1;
        } else if (!strcmp(s, "--allow-project-python")) {
            allow_python = 1;
        } else if (!strcmp(s, "--no-respect-gitignore")) {
            gitignore = 0;
        } else if (!strcmp(s, "--respect-gitignore")) {
            gitignore = 1;
        } else if (!strcmp(s, "--force-exclude")) {
            force_exclude = 1;
        } else if (!strcmp(s, "--no-force-exclude")) {
            force_exclude = 0;
        } else if (is_opt(s, "--jobs")) {
            char *end;
            const char *v = value_of(argc, argv, &i, "--jobs", err);
            long n;
            if (!v)
                goto usage;
            n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > 256) {
                cli_usage_error(err, "check", "--jobs takes a number from 1 to 256, not '%s'", v);
                goto usage;
            }
            jobs = (int)n;
        } else if (!strcmp(s, "--no-cache")) {
            use_cache = 0;
        } else if (is_opt(s, "--stdin-filename")) {
            if (!(stdin_name = value_of(argc, argv, &i, "--stdin-filename", err)))
                goto usage;
        } else if (!strcmp(s, "--add-noqa")) {
            add_noqa = 1;
        } else if (!strcmp(s, "--show-settings")) {
            show_settings = 1;
        } else if (!strcmp(s, "--show-files")) {
            show_files = 1;
        } else if (!strcmp(s, "-")) {
            from_stdin = 1;
        } else if (s[0] == '-' && s[1]) {
            cli_unknown_option(err, "check", s, check_options);
            goto usage;
        } else if (in_paths_add(&args, s)) {
            fprintf(err, "gilcheck: error: out of memory\n");
            goto usage;
        } else {
            in_path_tidy(args.p_items[args.p_n - 1]);   /* "./src/x.py" is shown "src/x.py" */
        }
    }
    if (stdin_name && !args.p_n)
        from_stdin = 1;           /* `--stdin-filename X` alone reads standard input, as ruff */
    if (from_stdin && args.p_n) {
        cli_usage_error(err, "check", "read either standard input (-) or PATHs, not both");
        goto usage;
    }
    if (from_stdin && add_noqa) {
        cli_usage_error(err, "check", "--add-noqa changes files: it cannot take standard input");
        goto usage;
    }
    if (!args.p_n && !from_stdin) {
        cli_usage_error(err, "check", "no input files (name files or directories, or - for "
                        "standard input)");
        goto usage;
    }
    if (add_noqa && (format || oo.co_statistics || oo.co_file)) {
        cli_usage_error(err, "check", "--add-noqa writes `# noqa` comments, not a report");
        goto usage;
    }

    /* the rules, then each configuration root's settings under the command line's */
    if (drv_open(&drv, argv0, &d) || arena_new(&a)) {
        drv_opened = 1;
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto close;
    }
    drv_opened = 1;
    drv.c_cli = cli;
    memset(&cli, 0, sizeof cli);
    if (drv.c_cli.s_python && !(drv.c_cli.s_python_from = strdup("--python")))
        goto oom;
    drv.c_isolated = isolated;
    drv.c_allow_project_python = allow_python;
    drv.c_check_names = 1;      /* a whole project: configured names must exist */
    drv.c_no_pycache = no_pycache;
    /* the roots: what the tree may make gilcheck read (links, co_filename) stays inside them */
    for (k = 0; k < args.p_n; k++)
        if (in_roots_add(&roots, args.p_items[k]) == G_ENOMEM)
            goto oom;
    drv.c_roots = &roots;
    drv.c_follow_symlinks = follow_symlinks;
    if (config && !(drv.c_config = strdup(config)))
        goto oom;
    if (drv_settings_check_codes(&drv.c_cli, &drv.c_kb, NULL, &d)) {
        for (k = 0; k < d.d_count; k++)
            cli_usage_error(err, "check", "%s", d.d_msgs[k].dm_text);
        status = EXIT_ERROR;
        goto close;
    }
    if (drv_settings_default(&run, &drv, from_stdin ? stdin_name : args.p_items[0], &d)) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
        goto close;
    }

    if (show_settings) {
        const drv_settings *s = NULL;
        const char *what = from_stdin ? (stdin_name ? stdin_name : "-") : args.p_items[0];
        strbuf sb;
        if (drv_settings_for(&s, &drv, what, &d)) {
            cli_print_diags(&d, err);
            status = EXIT_ERROR;
            goto close;
        }
        cli_print_diags(&d, err);
        sb_init(&sb);
        sb_printf(&sb, "# settings for: %s\n", what);
        drv_settings_show(s, &sb);
        fputs(sb.sb_buf, out);
        sb_free(&sb);
        goto close;
    }

    /* the files: directories searched with their own settings, named files as they are */
    for (k = 0; k < args.p_n; k++) {
        struct stat st;
        const char *s = args.p_items[k];
        if (force_exclude && drv_excluded(&drv, s, &d))
            continue;
        if (stat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
            drv_walk(&ps, &drv, s, gitignore, &d);
        } else {
            const drv_settings *fs;
            if (drv_settings_for(&fs, &drv, s, &d) == G_ENOMEM || in_paths_add(&ps, s))
                diag_add(&d, G_ENOMEM, s, -1, "out of memory");
        }
    }
    if (config_failed(&d)) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
        goto close;
    }
    if (!ps.p_n && !from_stdin) {
        strbuf names;
        sb_init(&names);
        for (k = 0; k < args.p_n; k++)
            sb_printf(&names, "%s%s", k ? ", " : "", args.p_items[k]);
        diag_add(&d, 0, NULL, -1, "no Python files to check in %s (none there, or all excluded "
                 "or ignored by .gitignore; a directory named on the command line is searched "
                 "even when ignored)", names.sb_buf);
        sb_free(&names);
    }
    if (show_files) {
        cli_print_diags(&d, err);
        for (k = 0; k < ps.p_n; k++)
            fprintf(out, "%s\n", ps.p_items[k]);
        if (diag_has_error(&d))
            status = EXIT_ERROR;
        goto close;
    }

    if (!format && run->s_output_format) {
        if (!(format = rep_format_parse(run->s_output_format))) {
            fprintf(err, "gilcheck: error: %s: output-format '%s' is not supported by this "
                    "build\n", run->s_config_path, run->s_output_format);
            status = EXIT_ERROR;
            goto close;
        }
    }
    if (!format)
        format = REP_FULL;
    /* only SARIF (codeFlows) and the HTML page show the engine's two-thread schedules */
    drv.c_no_schedules = format != REP_SARIF && format != REP_HTML;
    if (oo.co_statistics && (format == REP_SARIF || format == REP_GITHUB || format == REP_HTML)) {
        cli_usage_error(err, "check", "--statistics works with the full, concise and json formats");
        status = EXIT_ERROR;
        goto close;
    }
    if (!add_noqa && !(dest = cli_output_open(&oo, out, err))) {
        status = EXIT_ERROR;
        goto close;
    }
    rep_begin(&rep, add_noqa ? out : dest, format, &drv.c_kb);
    rep.r_statistics = oo.co_statistics;
    rep.r_color = (format == REP_FULL || format == REP_CONCISE) && cli_output_color(&oo, dest);
    rep.r_width = cli_width(dest);
    if (d.d_count) {
        if (diag_has_error(&d))
            status = EXIT_ERROR;
        report_diags(&rep, &d, err);
    }
    if (from_stdin) {
        const char *name = stdin_name ? stdin_name : "-";
        const drv_settings *s;
        drv_result res;
        int rc = read_stdin(&src, &src_len);
        rep.r_checked = 1;
        if (rc)
            diag_add(&d, rc, name, -1, rc == G_EBAD ? "standard input is larger than %u bytes"
                     : "cannot read standard input", IN_MAX_SOURCE);
        else if (!drv_settings_for(&s, &drv, name, &d) &&
                 !drv_analyze_with(&res, &drv, s, name, src, src_len, a, &d)) {
            if (d.d_count)
                report_diags(&rep, &d, err);
            rep_file(&rep, res.r_res.r_findings, res.r_res.r_count);
            drv_result_free(&res);
        }
        if (diag_has_error(&d))
            status = EXIT_ERROR;
        if (d.d_count)
            report_diags(&rep, &d, err);
    } else if (format == REP_HTML || add_noqa) {
        unsigned long added = 0, changed = 0;
        rep.r_checked = ps.p_n;
        if (analyse_here(&ps, &drv, a, &rep, add_noqa, &added, &changed, &d, err))
            status = EXIT_ERROR;
        if (add_noqa)
            fprintf(err, "Added %lu noqa directive%s to %lu file%s.\n", added,
                    added == 1 ? "" : "s", changed, changed == 1 ? "" : "s");
    } else {
        rep.r_checked = ps.p_n;
        if (use_cache && drv_cache_open(&cache, &drv, run, argv0, &d)) {
            report_diags(&rep, &d, err);   /* the run goes on without the cache */
            drv_cache_close(&cache);
            use_cache = 0;
        }
        if (check_run(ps.p_items, ps.p_n, &drv, use_cache ? &cache : NULL, jobs, &rep, err))
            status = EXIT_ERROR;
    }
    if (add_noqa)
        rep.r_format = REP_GITHUB;     /* nothing to summarise: the count is on stderr */
    rep_end(&rep);
    drv_cache_close(&cache);
    if (status == EXIT_CLEAN && rep.r_count && !oo.co_exit_zero && !add_noqa)
        status = EXIT_FINDINGS;
    goto close;
oom:
    fprintf(err, "gilcheck: error: out of memory\n");
usage:
    status = EXIT_ERROR;
close:
    if (drv_opened)
        drv_close(&drv);
done:
    mem_free(src);
    in_paths_free(&ps);
    in_paths_free(&args);
    in_roots_free(&roots);
    drv_settings_free(&cli);
    arena_free(a);
    diag_free(&d);
    in_shutdown();
    if (dest && dest != out && (ferror(dest) | fclose(dest)))
        status = EXIT_ERROR;
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
