/* .gitignore matching for directory walks: libgit2 (git_ignore_path_is_ignored, so git's own
 * rules apply), with a bound on the work per path.  libgit2's wildmatch, like git's, tries every
 * way the '*'s of a pattern can split a name: `*a*a*a*a*a*a*a*a*b` against an 80-character name
 * takes minutes, and libgit2 has no step limit.  So the ignore files that apply to a directory
 * are read here first, their patterns' wildcards counted, and a path whose worst case (its
 * length choose the wildcards) is over IN_IGNORE_STEPS is not handed to the matcher. */
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../common/file.h"
#include "../common/mem.h"
#include "input_int.h"

#define MAX_DEPTH 256              /* directories below the opened one that are tracked */
#define IGNORE_FILE_MAX (4u << 20) /* a larger ignore file is not read: treated as the worst */

struct in_ignore {
    git_repository *ig_repo;
    const char *ig_workdir;    /* the work tree, resolved, with a trailing '/' */
    int ig_wild[MAX_DEPTH][2]; /* wildcards of the worst pattern in scope, per depth: [0] of
                                * those matched against a name (no '/'), [1] against a path */
    int ig_depth;              /* entries of ig_wild in use (the opened directory is 1) */
    unsigned long ig_skipped;  /* paths not matched: over the bound */
    int ig_worst;              /* wildcards of the worst pattern seen */
    char ig_why[600];          /* "FILE:LINE: PATTERN" of that pattern */
};

/* Runs of '*' in one pattern (a run of stars is one wildcard; `\*` and `[*]` are not). */
static int wildcards(const char *p, size_t n)
{
    size_t i;
    int runs = 0, in_run = 0;
    for (i = 0; i < n; i++) {
        if (p[i] == '\\') {
            i++;
            in_run = 0;
        } else if (p[i] == '[') {   /* a bracket expression: up to its ']' (a first ']' is in it) */
            size_t j = i + 1;
            if (j < n && (p[j] == '!' || p[j] == '^'))
                j++;
            if (j < n && p[j] == ']')
                j++;
            while (j < n && p[j] != ']')
                j++;
            i = j < n ? j : i;
            in_run = 0;
        } else if (p[i] == '*') {
            runs += !in_run;
            in_run = 1;
        } else {
            in_run = 0;
        }
    }
    return runs;
}

/* Raises wild[0] (patterns matched against names) and wild[1] (against paths: those with a
 * '/' before their end) to the wildcards of the worst pattern of the ignore file at path; a
 * file that cannot be read adds nothing (libgit2 cannot read it either), one too large to scan
 * counts as the worst. */
static void scan_file(in_ignore *ig, const char *path, int wild[2])
{
    uint8_t *buf;
    size_t len, i = 0;
    int err, line = 0;
    if (file_read(&buf, &len, &err, path, IGNORE_FILE_MAX)) {
        if (err != EFBIG)
            return;
        if (ig->ig_worst < 1000) {
            ig->ig_worst = 1000;
            snprintf(ig->ig_why, sizeof ig->ig_why, "%s: larger than %u MB", path,
                     IGNORE_FILE_MAX >> 20);
        }
        wild[0] = wild[1] = 1000;
        return;
    }
    while (i < len) {
        const char *p = (const char *)buf + i;
        size_t n = 0;
        int k;
        while (i + n < len && buf[i + n] != '\n')
            n++;
        i += n + 1;
        line++;
        if (!n || p[0] == '#')
            continue;
        k = wildcards(p, n);
        {
            const char *slash = memchr(p, '/', n);
            int full = slash && slash < p + n - 1 - (p[n - 1] == '\r');
            if (k > wild[full])
                wild[full] = k;
        }
        if (k > ig->ig_worst) {
            ig->ig_worst = k;
            snprintf(ig->ig_why, sizeof ig->ig_why, "%s:%d: %.*s", path, line,
                     (int)(n > 200 ? 200 : n), p);
        }
    }
    mem_free(buf);
}

/* scan_file of abs/.gitignore. */
static void scan_dir(in_ignore *ig, const char *abs, int wild[2])
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/.gitignore", abs) < (int)sizeof path)
        scan_file(ig, path, wild);
}

/* Puts in ig_wild[0] the wildcards of info/exclude and of every .gitignore from the top of the
 * work tree down to abs (when abs lies in it), the ignore files that apply inside abs. */
static void scan_down(in_ignore *ig, const char *abs)
{
    char dir[4200];
    size_t n = strlen(ig->ig_workdir);
    ig->ig_wild[0][0] = ig->ig_wild[0][1] = 0;
    ig->ig_depth = 1;
    snprintf(dir, sizeof dir, "%sinfo/exclude", git_repository_path(ig->ig_repo));
    scan_file(ig, dir, ig->ig_wild[0]);
    snprintf(dir, sizeof dir, "%.*s", (int)(n > 1 ? n - 1 : n), ig->ig_workdir);
    if (strncmp(abs, dir, strlen(dir)))
        return;
    for (;;) {
        const char *next;
        size_t len = strlen(dir);
        scan_dir(ig, dir, ig->ig_wild[0]);
        if (strncmp(abs, dir, len) || abs[len] != '/' || len + 1 >= sizeof dir)
            break;
        next = strchr(abs + len + 1, '/');
        snprintf(dir, sizeof dir, "%.*s", (int)(next ? (size_t)(next - abs) : strlen(abs)), abs);
    }
}

/* Is there a `.git` (a directory, or the file of a linked work tree) in abs or a directory above
 * it?  Without one there is no work tree, and libgit2 is not started: its start-up reads every CA
 * certificate of the system for its TLS streams (Debian's build, mbedtls: some 50 M
 * instructions, a quarter of a small run), which no walk needs.  1 when unsure (a path too long). */
static int git_above(const char *abs)
{
    char dir[4200], probe[4208];
    struct stat st;
    if (snprintf(dir, sizeof dir, "%s", abs) >= (int)sizeof dir || dir[0] != '/')
        return 1;
    for (;;) {
        char *slash;
        snprintf(probe, sizeof probe, "%s/.git", dir[1] ? dir : "");
        if (!lstat(probe, &st))
            return 1;
        if (!dir[1] || !(slash = strrchr(dir, '/')))
            return 0;
        slash[slash == dir] = 0;    /* "/a/b" -> "/a"; "/a" -> "/" */
    }
}

int in_ign_open(in_ignore **out, const char *abs, diag_ctx *d)
{
    in_ignore *ig;
    git_repository *repo = NULL;
    const char *wd;
    (void)d;
    *out = NULL;
    if (!git_above(abs))
        return G_OK;
    git_libgit2_init();
    if (git_repository_open_ext(&repo, abs, 0, NULL) || !(wd = git_repository_workdir(repo))) {
        git_repository_free(repo);
        git_libgit2_shutdown();
        return G_OK;
    }
    if (!(ig = calloc(1, sizeof *ig))) {
        git_repository_free(repo);
        git_libgit2_shutdown();
        return G_ENOMEM;
    }
    ig->ig_repo = repo;
    ig->ig_workdir = wd;
    scan_down(ig, abs);
    /* the user named this directory: when git ignores it (or a directory above it), its
     * contents are judged by the ignore files from it downwards, as if it were the work tree
     * (the repository's info/exclude and core.excludesFile still apply) */
    if (in_ign_ignored(ig, abs, 1)) {
        char top[4200];
        snprintf(top, sizeof top, "%s/", abs);
        if (git_repository_set_workdir(repo, top, 0) == 0) {
            ig->ig_workdir = git_repository_workdir(repo);
            scan_down(ig, abs);
        }
    }
    ig->ig_skipped = 0;
    *out = ig;
    return G_OK;
}

void in_ign_rescope(in_ignore *ig, const char *abs)
{
    if (ig)
        scan_down(ig, abs);
}

void in_ign_enter(in_ignore *ig, const char *abs, diag_ctx *d)
{
    (void)d;
    if (!ig)
        return;
    if (ig->ig_depth < MAX_DEPTH) {     /* deeper: the deepest tracked level's */
        memcpy(ig->ig_wild[ig->ig_depth], ig->ig_wild[ig->ig_depth - 1], sizeof *ig->ig_wild);
        scan_dir(ig, abs, ig->ig_wild[ig->ig_depth]);
    }
    ig->ig_depth++;
}

void in_ign_leave(in_ignore *ig)
{
    if (ig && ig->ig_depth > 1)
        ig->ig_depth--;
}

/* An upper bound on the matcher's work for a path of n bytes against patterns of k wildcards:
 * the ways k stars can split it, (n + k choose k), times n; stops counting above the limit. */
static double steps(size_t n, int k)
{
    double c = 1;
    int i;
    for (i = 1; i <= k && c <= IN_IGNORE_STEPS; i++)
        c = c * (double)(n + (size_t)i) / (double)i;
    return c * (double)(n ? n : 1);
}

int in_ign_ignored(in_ignore *ig, const char *abs, int is_dir)
{
    char rel[4200];
    const char *base;
    size_t n;
    int ignored = 0;
    const int *k;
    if (!ig)
        return 0;
    n = strlen(ig->ig_workdir);
    if (strncmp(abs, ig->ig_workdir, n))
        return 0;
    if (snprintf(rel, sizeof rel, "%s%s", abs + n, is_dir ? "/" : "") >= (int)sizeof rel)
        return 0;
    k = ig->ig_wild[(ig->ig_depth < MAX_DEPTH ? ig->ig_depth : MAX_DEPTH) - 1];
    base = strrchr(abs, '/');
    base = base ? base + 1 : abs;
    if (steps(strlen(base) + 1, k[0]) + steps(strlen(rel), k[1]) > IN_IGNORE_STEPS) {
        ig->ig_skipped++;
        return 0;
    }
    if (git_ignore_path_is_ignored(&ignored, ig->ig_repo, rel) < 0)
        return 0;
    return ignored;
}

void in_ign_close(in_ignore *ig, diag_ctx *d)
{
    if (!ig)
        return;
    if (ig->ig_skipped)
        diag_add(d, 0, NULL, -1, "%lu path%s not checked against the ignore files: a pattern with "
                 "%d wildcards (%s) would take git's matcher too long on %s (its work grows "
                 "exponentially with the wildcards); %s searched", ig->ig_skipped,
                 ig->ig_skipped == 1 ? " was" : "s were", ig->ig_worst, ig->ig_why,
                 ig->ig_skipped == 1 ? "it" : "them", ig->ig_skipped == 1 ? "it was" : "they were");
    git_repository_free(ig->ig_repo);
    git_libgit2_shutdown();
    free(ig);
}
