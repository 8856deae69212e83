/* `gilcheck check`: analyse .pyc files and directories of them, report findings. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../engine/engine.h"
#include "../pyc/pyc.h"
#include "../report/report.h"
#include "cli.h"

static const char check_usage[] =
    "usage: gilcheck check [--scope concurrent|all] [--format full|concise|json] PATH...\n"
    "\n"
    "Finds operations on shared state that are not atomic in .pyc files (directories are searched\n"
    "for *.pyc).\n"
    "\n"
    "  --scope concurrent   report in functions that run in threads, methods of classes that use\n"
    "                       a lock, and for state a lock protects somewhere (default)\n"
    "  --scope all          report in every function\n"
    "  --format full        findings with the source line, the related read or check, and where\n"
    "                       they show (default)\n"
    "  --format concise     one line per finding: PATH:LINE:COL: GILnnn message\n"
    "  --format json        an array of findings\n"
    "\n"
    "exit codes: 0 no findings, 1 findings, 2 errors (an input that cannot be read or decoded is\n"
    "reported with its reason; the other inputs are still analysed)\n";

typedef struct paths {
    char **p_items;
    size_t p_n, p_cap;
} paths;

static int paths_add(paths *ps, const char *s)
{
    if (ps->p_n == ps->p_cap) {
        size_t cap = ps->p_cap ? ps->p_cap * 2 : 64;
        char **grown = realloc(ps->p_items, cap * sizeof *grown);
        if (!grown)
            return -1;
        ps->p_items = grown;
        ps->p_cap = cap;
    }
    ps->p_items[ps->p_n] = strdup(s);
    return ps->p_items[ps->p_n++] ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Collects *.pyc under dir (recursively, not following symlinked directories). */
static void walk(paths *ps, const char *dir, diag_ctx *d, int depth)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    if (!dp) {
        diag_add(d, G_EIO, dir, -1, "cannot open directory");
        return;
    }
    while ((e = readdir(dp))) {
        char path[4096];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode) && depth < 64)
            walk(ps, path, d, depth + 1);
        else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".pyc"))
            paths_add(ps, path);
    }
    closedir(dp);
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    eng_options opt = { 0 };
    int format = REP_FULL, i, status = EXIT_CLEAN;
    paths ps = { NULL, 0, 0 };
    diag_ctx d;
    arena *kba = NULL, *a = NULL;
    eng_kb kb;
    rep_ctx rep;
    size_t k;

    diag_init(&d);
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(check_usage, out);
            return EXIT_CLEAN;
        } else if (!strcmp(s, "--scope") && i + 1 < argc) {
            s = argv[++i];
            if (!strcmp(s, "all"))
                opt.o_scope_all = 1;
            else if (strcmp(s, "concurrent")) {
                fprintf(err, "gilcheck: error: check: --scope takes concurrent or all, not '%s'\n", s);
                return EXIT_ERROR;
            }
        } else if (!strcmp(s, "--format") && i + 1 < argc) {
            s = argv[++i];
            if (!strcmp(s, "full"))
                format = REP_FULL;
            else if (!strcmp(s, "concise"))
                format = REP_CONCISE;
            else if (!strcmp(s, "json"))
                format = REP_JSON;
            else {
                fprintf(err, "gilcheck: error: check: --format takes full, concise or json, not "
                        "'%s'\n", s);
                return EXIT_ERROR;
            }
        } else if (s[0] == '-' && s[1]) {
            fprintf(err, "gilcheck: error: check: unknown option '%s'\n\n%s", s, check_usage);
            return EXIT_ERROR;
        } else {
            struct stat st;
            if (stat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
                size_t before = ps.p_n;
                walk(&ps, s, &d, 0);
                qsort(ps.p_items + before, ps.p_n - before, sizeof *ps.p_items, by_text);
            } else {
                paths_add(&ps, s);
            }
        }
    }
    if (!ps.p_n && !d.d_count) {
        fprintf(err, "gilcheck: error: check: no input files\n\n%s", check_usage);
        return EXIT_ERROR;
    }
    if (arena_new(&kba) || arena_new(&a) ||
        rule_load_dir(&kb, rule_default_dir(argv0), kba, &d)) {
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto done;
    }
    if (d.d_count) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
        diag_free(&d);
        diag_init(&d);
    }
    rep_begin(&rep, out, format, &kb);
    for (k = 0; k < ps.p_n; k++) {
        const char *path = ps.p_items[k];
        pyc_file *f = NULL;
        bc_file *bf = NULL;
        eng_result res = { NULL, 0, 0 };
        arena_reset(a);
        if (pyc_load_path_in(&f, a, path, &d) || bc_decode_file(&bf, f, path, &d) ||
            eng_analyze(&res, f, bf, &kb, &opt, a, &d, path)) {
            cli_print_diags(&d, err);
            diag_free(&d);
            diag_init(&d);
            status = EXIT_ERROR;
            continue;
        }
        rep_file(&rep, res.r_findings, res.r_count);
    }
    rep_end(&rep);
    if (status == EXIT_CLEAN && rep.r_count)
        status = EXIT_FINDINGS;
done:
    for (k = 0; k < ps.p_n; k++)
        free(ps.p_items[k]);
    free(ps.p_items);
    arena_free(a);
    arena_free(kba);
    diag_free(&d);
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
