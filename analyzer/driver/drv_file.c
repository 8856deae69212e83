/* One file or buffer through the pipeline: compile or load, decode, analyse, select, `# noqa`. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../common/mem.h"
#include "../input/input.h"
#include "driver.h"

int drv_open(drv_ctx *c, const char *argv0, diag_ctx *d)
{
    memset(c, 0, sizeof *c);
    if (arena_new(&c->c_arena))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    return rule_load_dir(&c->c_kb, rule_default_dir(argv0), c->c_arena, d);
}

void drv_close(drv_ctx *c)
{
    in_python_free(c->c_python);
    arena_free(c->c_arena);
    drv_settings_free(&c->c_set);
    memset(c, 0, sizeof *c);
}

void drv_result_free(drv_result *r)
{
    pyc_file_free(r->r_image);
    memset(r, 0, sizeof *r);
}

static const char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The length of the longest of the prefixes that matches code ("ALL" counts as 0), or -1. */
static int best_prefix(char **prefixes, size_t n, const char *code)
{
    size_t i;
    int best = -1;
    for (i = 0; i < n; i++) {
        int k = (int)strlen(prefixes[i]);
        if (!strcmp(prefixes[i], "ALL"))
            k = 0;
        else if (strncmp(code, prefixes[i], (size_t)k))
            continue;
        if (k > best)
            best = k;
    }
    return best;
}

/* `path` relative to the config's directory when it lies below it. */
static const char *relative_to(const char *path, const char *root)
{
    size_t n = root ? strlen(root) : 0;
    if (n && !strncmp(path, root, n) && path[n] == '/')
        return path + n + 1;
    if (path[0] == '.' && path[1] == '/')
        return path + 2;
    return path;
}

/* Like ruff: the most specific of select / extend-select and ignore / per-file-ignores decides
 * (`select = ["GIL201"]` with `ignore = ["GIL2"]` reports GIL201); on a tie, ignore wins. */
int drv_selected(const drv_settings *s, const char *path, const char *code)
{
    size_t i;
    int sel, ign, k;
    if (!strcmp(code, "GIL000"))   /* a syntax error is always reported */
        return 1;
    sel = s->s_select ? best_prefix(s->s_select, s->s_nselect, code) : 0;
    k = best_prefix(s->s_extend_select, s->s_nextend_select, code);
    if (k > sel)
        sel = k;
    ign = best_prefix(s->s_ignore, s->s_nignore, code);
    for (i = 0; i < s->s_nfile_ignores; i++) {
        const drv_file_ignore *fi = &s->s_file_ignores[i];
        const char *rel = relative_to(path, s->s_root);
        const char *base = strrchr(path, '/');
        if (!fnmatch(fi->fi_glob, rel, 0) || !fnmatch(fi->fi_glob, base ? base + 1 : path, 0)) {
            k = best_prefix(fi->fi_codes, fi->fi_ncodes, code);
            if (k > ign)
                ign = k;
        }
    }
    return sel >= 0 && sel > ign;
}

/* Drops findings the settings do not select, and those `# noqa` comments of the source (the
 * buffer src when not NULL, else the file src_path) suppress; GIL000 is never suppressed. */
static void filter(eng_result *res, const drv_settings *s, const char *path, const char *src_path,
                   const uint8_t *src, size_t len)
{
    in_noqa nq;
    uint32_t i, kept = 0;
    int have;
    if (!res->r_count)
        return;
    have = src ? !in_noqa_parse(&nq, src, len) : !in_noqa_load(&nq, src_path);
    for (i = 0; i < res->r_count; i++) {
        const finding *f = &res->r_findings[i];
        if (!drv_selected(s, path, f->f_rule))
            continue;
        if (have && strcmp(f->f_rule, "GIL000") && in_noqa_suppressed(&nq, f->f_line, f->f_rule))
            continue;
        res->r_findings[kept++] = *f;
    }
    res->r_count = kept;
    if (have)
        in_noqa_free(&nq);
}

/* Attaches the engine's two-thread schedule to every finding with a window, so that reports
 * built without the bytecode (a worker's or the cache's findings, SARIF, the LSP hover) show
 * it.  Allocations in a.  Returns G_OK or G_ENOMEM. */
static int attach_interleavings(eng_result *res, const bc_file *bf, arena *a)
{
    uint32_t i;
    for (i = 0; bf && i < res->r_count; i++) {
        finding *f = &res->r_findings[i];
        eng_interleaving *il;
        int rc;
        if (f->f_code >= bf->bf_ncodes)
            continue;
        if (!(il = arena_alloc(a, sizeof *il)))
            return G_ENOMEM;
        rc = eng_interleave(il, f, &bf->bf_codes[f->f_code], a);
        if (rc == G_ENOMEM)
            return rc;
        f->f_ilv = !rc && il->il_nsteps ? il : NULL;
    }
    return G_OK;
}

/* The module's co_filename as a C string in `a` ("" when unusable). */
static const char *source_name(const pyc_file *f, arena *a)
{
    const pyc_obj *fn = f->f_root->u.o_code->co_filename;
    char *s;
    if (!fn || fn->o_kind != PYC_STR || !(s = arena_alloc(a, fn->u.o_str.len + 1)))
        return "";
    memcpy(s, fn->u.o_str.s, fn->u.o_str.len);
    s[fn->u.o_str.len] = 0;
    return s;
}

/* The one finding a syntax error gives. */
static int syntax_finding(eng_result *res, const in_compiled *c, const char *path, arena *a,
                          diag_ctx *d)
{
    finding *g = arena_alloc(a, sizeof *g);
    char *msg = arena_alloc(a, strlen(c->ic_msg) + 16), *file = arena_alloc(a, strlen(path) + 1);
    if (!g || !msg || !file)
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    memset(g, 0, sizeof *g);
    sprintf(msg, "syntax error: %s", c->ic_msg);
    strcpy(file, path);
    g->f_rule = "GIL000";
    g->f_file = file;
    g->f_message = msg;
    g->f_target = g->f_function = "";
    g->f_line = g->f_end_line = c->ic_line;
    g->f_col = c->ic_col;
    g->f_end_col = g->f_rel_line = g->f_rel_col = -1;
    g->f_python_minor = 11;
    res->r_findings = g;
    res->r_count = res->r_cap = 1;
    return G_OK;
}

/* The version sources are compiled for: the --python interpreter's, else the embedded one's.
 * Starts the interpreter on first use; -1 (message in d) when it cannot. */
static int target_minor(drv_ctx *c, const char *path, diag_ctx *d)
{
    if (!c->c_set.s_python)
        return in_embedded_minor();
    if (!c->c_python && !c->c_python_failed) {
        diag_ctx why;
        diag_init(&why);
        if (in_python_open(&c->c_python, c->c_set.s_python, &why)) {
            c->c_python_failed = 1;
            if (why.d_count)
                diag_format(&why, 0, c->c_python_why, sizeof c->c_python_why);
            else
                snprintf(c->c_python_why, sizeof c->c_python_why, "%s: cannot start it",
                         c->c_set.s_python);
        }
        diag_free(&why);
    }
    if (c->c_python_failed) {
        diag_add(d, G_EBAD, path, -1, "not compiled: %s", c->c_python_why);
        return -1;
    }
    return in_python_minor(c->c_python);
}

/* dir/__pycache__/NAME.cpython-3<minor>.pyc into buf when it is fresh for the source at `path`,
 * as import decides: same version, and the source's mtime and size for a timestamp pyc, or a
 * hash-based pyc that does not ask for its source to be checked.  Returns 1 when fresh. */
static int fresh_pycache(char *buf, size_t size, const char *path, int minor)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    struct stat st;
    uint8_t head[16];
    pyc_file f;
    diag_ctx quiet;
    FILE *fp;
    int fresh = 0, got;
    if (n < 4 || strcmp(base + n - 3, ".py") ||
        snprintf(buf, size, "%.*s__pycache__/%.*s.cpython-3%d.pyc", (int)(base - path), path,
                 (int)(n - 3), base, minor) >= (int)size ||
        stat(path, &st) || !(fp = fopen(buf, "rb")))
        return 0;
    got = (int)fread(head, 1, sizeof head, fp);
    fclose(fp);
    diag_init(&quiet);
    memset(&f, 0, sizeof f);
    if (got >= 12 && !pyc_read_header(&f, head, (size_t)got, buf, &quiet) && f.f_minor == minor) {
        if (f.f_flags & PYC_FLAG_HASH)
            fresh = !(f.f_flags & PYC_FLAG_CHECK);
        else
            fresh = f.f_mtime == (uint32_t)st.st_mtime && f.f_srcsize == (uint32_t)st.st_size;
    }
    diag_free(&quiet);
    return fresh;
}

int drv_fresh_pycache(drv_ctx *c, const char *path)
{
    char cached[PATH_MAX];
    diag_ctx quiet;
    int minor;
    if (c->c_no_pycache)
        return 0;
    diag_init(&quiet);
    minor = target_minor(c, path, &quiet);
    diag_free(&quiet);
    return minor >= 0 && fresh_pycache(cached, sizeof cached, path, minor);
}

/* Summarizes a decoded file as the module its path names: the candidates get `shown` (the name
 * findings carry) as their file and their interleavings; classes marked `# gilcheck:
 * thread-safe` in the source text (src, or else the file src_path) are marked. */
static int summarize(drv_result *out, drv_ctx *c, const char *path, const char *shown,
                     const pyc_file *f, const bc_file *bf, const uint8_t *src, size_t len,
                     const char *src_path, arena *a, diag_ctx *d)
{
    char module[512];
    int package, rc;
    uint32_t i;
    eng_result *cand;
    const char *file = arena_strdup(a, shown);
    in_noqa nq;
    if (!file)
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    if (in_module_name(module, sizeof module, path, &package))
        snprintf(module, sizeof module, "%s", "__main__");
    rc = eng_summarize(&out->r_sum, f, bf, &c->c_kb, &c->c_set.s_eng, module, package, a, d,
                       path);
    if (rc)
        return rc;
    eng_summary_set_file(out->r_sum, file);
    cand = eng_summary_candidates(out->r_sum);
    for (i = 0; i < cand->r_count; i++)
        cand->r_findings[i].f_file = file;
    if (attach_interleavings(cand, bf, a))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    if (src ? !in_noqa_parse(&nq, src, len) : (src_path && !in_noqa_load(&nq, src_path))) {
        size_t k;
        for (k = 0; k < nq.nq_nsafe; k++)
            eng_summary_mark_safe(out->r_sum, nq.nq_safe_lines[k]);
        in_noqa_free(&nq);
    }
    return G_OK;
}

/* A .py file or buffer: compile in-process, then the .pyc pipeline. */
static int analyze_source(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                          size_t len, arena *a, diag_ctx *d)
{
    in_compiled ic;
    bc_file *bf = NULL;
    uint8_t *text = NULL;
    int rc, err = 0;
    if (c->c_set.s_python && !c->c_python)
        return G_EBAD;          /* target_minor said why */
    if (!src) {
        if ((rc = in_read_file(&text, &len, &err, path)))
            return rc == G_ENOMEM ? diag_add(d, rc, path, -1, "out of memory")
                                  : diag_add(d, G_EIO, path, -1, "cannot %s (%s)",
                                             len == SIZE_MAX || c->c_set.s_python ? "read"
                                                                                  : "open",
                                             strerror(err ? err : EIO));
        src = text ? text : (const uint8_t *)"";
    }
    rc = c->c_set.s_python ? in_python_compile(&ic, c->c_python, src, len, path, d)
                           : in_compile_bytes(&ic, src, len, path, d);
    if (!rc && ic.ic_syntax) {
        rc = syntax_finding(&out->r_res, &ic, path, a, d);
        in_compiled_free(&ic);
        mem_free(text);
        return rc;
    }
    if (!rc) {
        rc = pyc_load_bytes(&out->r_image, ic.ic_pyc, ic.ic_len, path, d);
        in_compiled_free(&ic);
    }
    if (!rc)
        rc = bc_decode_file(&bf, out->r_image, path, d);
    if (!rc)
        rc = summarize(out, c, path, path, out->r_image, bf, src, len, NULL, a, d);
    out->r_bf = bf;
    mem_free(text);
    return rc;
}

int drv_summarize(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                  size_t len, arena *a, diag_ctx *d)
{
    const char *pyc_path = path;
    char cached[PATH_MAX];
    pyc_file *f = NULL;
    bc_file *bf = NULL;
    int rc, is_source = src || !ends_with(path, ".pyc"), minor;
    memset(out, 0, sizeof *out);
    if (is_source && !src && (minor = target_minor(c, path, d)) < 0)
        return G_EBAD;
    if (is_source && !src && !c->c_no_pycache &&
        fresh_pycache(cached, sizeof cached, path, minor)) {
        is_source = 0;          /* the fresh pyc stands for the source */
        pyc_path = cached;
    }
    if (is_source) {
        if (src && c->c_set.s_python && target_minor(c, path, d) < 0)
            return G_EBAD;
        rc = analyze_source(out, c, path, src, len, a, d);
    } else {
        /* `# noqa` comments and marks come from the source: the one a fresh __pycache__ pyc
         * stands for, or the one a .pyc names */
        const char *src_path = pyc_path == path ? NULL : path;
        rc = pyc_load_path_in(&f, a, pyc_path, d);
        if (!rc)
            rc = bc_decode_file(&bf, f, path, d);
        if (!rc && !src_path)
            src_path = source_name(f, a);
        if (!rc && pyc_path == path)
            out->r_source = src_path;
        /* a .pyc given as such is reported under the source it names */
        if (!rc)
            rc = summarize(out, c, path, pyc_path == path && *src_path ? src_path : path, f, bf,
                           NULL, 0, src_path, a, d);
        out->r_bf = bf;
    }
    if (rc)
        drv_result_free(out);
    return rc;
}

/***** the composition of a run *****/

/* Drops findings the settings do not select in the unit's file and those its `# noqa`
 * comments suppress. */
static void filter_unit(drv_unit *u, const drv_settings *s)
{
    const char *src_path = u->u_source ? u->u_source : u->u_path;
    filter(&u->u_res, s, u->u_path, src_path, u->u_text, u->u_len);
}

int drv_compose(drv_unit *units, size_t n, drv_ctx *c, arena *a, diag_ctx *d)
{
    eng_summary **sums = arena_array(a, n + 1, sizeof *sums);
    uint32_t *unit_of = arena_array(a, n + 1, sizeof *unit_of);
    eng_result all;
    uint32_t ns = 0, i;
    int rc;
    if (!sums || !unit_of)
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; i < n; i++)
        if (units[i].u_sum) {
            unit_of[ns] = i;
            sums[ns++] = units[i].u_sum;
        }
    memset(&all, 0, sizeof all);
    if ((rc = eng_compose(&all, sums, ns, &c->c_set.s_eng, a, d)) && rc != G_EBAD)
        return rc;             /* G_EBAD: a configured name matched nothing; findings stand */
    /* each finding to its unit, in order */
    for (i = 0; i < all.r_count; i++) {
        drv_unit *u = &units[unit_of[all.r_findings[i].f_unit]];
        eng_result *r = &u->u_res;
        if (r->r_count == r->r_cap) {
            uint32_t cap = r->r_cap ? r->r_cap * 2 : 8;
            finding *g = arena_array(a, cap, sizeof *g);
            if (!g)
                return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
            if (r->r_count)
                memcpy(g, r->r_findings, r->r_count * sizeof *g);
            r->r_findings = g;
            r->r_cap = cap;
        }
        r->r_findings[r->r_count++] = all.r_findings[i];
    }
    for (i = 0; i < n; i++)
        filter_unit(&units[i], &c->c_set);
    return rc;
}

int drv_analyze(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                size_t len, arena *a, diag_ctx *d)
{
    drv_unit u;
    int rc = drv_summarize(out, c, path, src, len, a, d);
    if (rc)
        return rc;
    memset(&u, 0, sizeof u);
    u.u_path = path;
    u.u_sum = out->r_sum;
    u.u_res = out->r_res;       /* a syntax error's GIL000 */
    u.u_source = out->r_source;
    u.u_text = src;
    u.u_len = len;
    if (out->r_sum && (rc = drv_compose(&u, 1, c, a, d))) {
        drv_result_free(out);
        return rc;
    }
    if (!out->r_sum)
        filter_unit(&u, &c->c_set);
    out->r_res = u.u_res;
    return G_OK;
}
