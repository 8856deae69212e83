/* `gilcheck check`: analyse .pyc files and directories of them, report findings. */
#include <dirent.h>
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
    "usage: gilcheck check [--scope concurrent|all] [--format full|concise|json] [--jobs N]\n"
    "                      [--no-cache] PATH...\n"
    "\n"
    "Finds operations on shared state that are not atomic in .py and .pyc files (directories are\n"
    "searched for *.py and *.pyc; a .py is compiled in-process by the embedded CPython 3.11 and\n"
    "never run; a syntax error is reported as GIL000).  A finding is dropped when its line ends\n"
    "with `# noqa` or `# noqa: GILnnn[, GILnnn]`; `# gilcheck: noqa[: GILnnn]` on any line\n"
    "applies to the whole file.\n"
    "\n"
    "  --scope concurrent   report in functions that run in threads, methods of classes that use\n"
    "                       a lock, and for state a lock protects somewhere (default)\n"
    "  --scope all          report in every function\n"
    "  --format full        findings with the source line, the related read or check, and where\n"
    "                       they show (default)\n"
    "  --format concise     one line per finding: PATH:LINE:COL: GILnnn message\n"
    "  --format json        an array of findings\n"
    "  --jobs N             analyse in N processes (default: one per online core; the output\n"
    "                       is the same, in path order)\n"
    "  --no-cache           neither read nor write the result cache (.gilcheck_cache/ in the\n"
    "                       current directory; `gilcheck clean` removes it)\n"
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

/* Directories never searched for *.py: tools' state, builds, installed packages. */
static int skip_for_source(const char *name)
{
    static const char *const skip[] = { ".git", ".venv", "venv", "build", "dist", "node_modules",
                                        "site-packages", "__pycache__" };
    size_t i;
    for (i = 0; i < sizeof skip / sizeof *skip; i++)
        if (!strcmp(name, skip[i]))
            return 1;
    return 0;
}

/* Collects *.pyc under dir (recursively, not following symlinked directories), and *.py outside
 * the directories skip_for_source names (`sources` 0 below one of them). */
static void walk(paths *ps, const char *dir, diag_ctx *d, int depth, int sources)
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
            walk(ps, path, d, depth + 1, sources && !skip_for_source(e->d_name));
        else if (S_ISREG(st.st_mode) && (ends_with(e->d_name, ".pyc") ||
                                         (sources && ends_with(e->d_name, ".py"))))
            paths_add(ps, path);
    }
    closedir(dp);
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The source a walked .pyc was compiled from: dir/__pycache__/NAME.TAG.pyc -> dir/NAME.py,
 * dir/NAME.pyc -> dir/NAME.py.  0 when the path has no such form. */
static int source_of_pyc(const char *pyc, char *buf, size_t size)
{
    const char *slash = strrchr(pyc, '/'), *base = slash ? slash + 1 : pyc, *dot;
    size_t dirlen = (size_t)(base - pyc);
    if (dirlen >= 13 && !strncmp(base - 13, "/__pycache__/", 13)) {
        dot = strchr(base, '.');
        return snprintf(buf, size, "%.*s%.*s.py", (int)(dirlen - 12), pyc, (int)(dot - base),
                        base) < (int)size;
    }
    return snprintf(buf, size, "%.*s.py", (int)(strlen(pyc) - 4), pyc) < (int)size;
}

/* Drops from the sorted walked paths [from, n) every .pyc whose source .py is also there: the
 * source is analysed instead, so nothing is reported twice.  Marks first, then compacts, so the
 * binary search always sees the whole sorted range.  Keeps everything when memory runs out. */
static void drop_compiled_twins(paths *ps, size_t from)
{
    size_t i, kept = from, n = ps->p_n - from;
    unsigned char *twin = calloc(n ? n : 1, 1);
    char src[4096];
    if (!twin)
        return;
    for (i = 0; i < n; i++) {
        const char *key = src, *p = ps->p_items[from + i];
        twin[i] = ends_with(p, ".pyc") && source_of_pyc(p, src, sizeof src) &&
                  bsearch(&key, ps->p_items + from, n, sizeof *ps->p_items, by_text);
    }
    for (i = 0; i < n; i++) {
        if (twin[i])
            free(ps->p_items[from + i]);
        else
            ps->p_items[kept++] = ps->p_items[from + i];
    }
    ps->p_n = kept;
    free(twin);
}

int cmd_check(int argc, char **argv, const char *argv0, FILE *out, FILE *err)
{
    eng_options opt = { 0 };
    int format = REP_FULL, i, status = EXIT_CLEAN, jobs = check_default_jobs(), use_cache = 1;
    drv_cache cache;
    paths ps = { NULL, 0, 0 };
    diag_ctx d;
    arena *a = NULL;
    drv_ctx drv;
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
        } else if (!strcmp(s, "--jobs") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > 256) {
                fprintf(err, "gilcheck: error: check: --jobs takes a number from 1 to 256, not "
                        "'%s'\n", argv[i]);
                return EXIT_ERROR;
            }
            jobs = (int)v;
        } else if (!strcmp(s, "--no-cache")) {
            use_cache = 0;
        } else if (s[0] == '-' && s[1]) {
            fprintf(err, "gilcheck: error: check: unknown option '%s'\n\n%s", s, check_usage);
            return EXIT_ERROR;
        } else {
            struct stat st;
            if (stat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
                size_t before = ps.p_n;
                walk(&ps, s, &d, 0, 1);
                qsort(ps.p_items + before, ps.p_n - before, sizeof *ps.p_items, by_text);
                drop_compiled_twins(&ps, before);
            } else {
                paths_add(&ps, s);
            }
        }
    }
    if (!ps.p_n && !d.d_count) {
        fprintf(err, "gilcheck: error: check: no input files\n\n%s", check_usage);
        return EXIT_ERROR;
    }
    if (drv_open(&drv, argv0, &d) || arena_new(&a)) {
        cli_print_diags(&d, err);
        fprintf(err, "gilcheck: error: cannot load the rules\n");
        status = EXIT_ERROR;
        goto done;
    }
    drv.c_set.s_eng = opt;
    if (d.d_count) {
        cli_print_diags(&d, err);
        status = EXIT_ERROR;
        diag_free(&d);
        diag_init(&d);
    }
    memset(&cache, 0, sizeof cache);   /* after the settings are final: they are in its keys */
    if (use_cache && drv_cache_open(&cache, &drv, argv0, &d)) {
        cli_print_diags(&d, err);      /* the run goes on without the cache */
        diag_free(&d);
        diag_init(&d);
        drv_cache_close(&cache);
        use_cache = 0;
    }
    rep_begin(&rep, out, format, &drv.c_kb);
    if (check_run(ps.p_items, ps.p_n, &drv, use_cache ? &cache : NULL, jobs, &rep, err))
        status = EXIT_ERROR;
    rep_end(&rep);
    drv_cache_close(&cache);
    if (status == EXIT_CLEAN && rep.r_count)
        status = EXIT_FINDINGS;
done:
    for (k = 0; k < ps.p_n; k++)
        free(ps.p_items[k]);
    free(ps.p_items);
    arena_free(a);
    drv_close(&drv);
    diag_free(&d);
    in_shutdown();
    if (fflush(out) != 0 || ferror(out))
        status = EXIT_ERROR;
    return status;
}
