/* One file or buffer through the pipeline: compile or load, decode, analyse, select, `# noqa`. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"
#include "../input/input.h"
#include "drv_int.h"

int drv_open(drv_ctx *c, const char *argv0, diag_ctx *d)
{
    memset(c, 0, sizeof *c);
    if (arena_new(&c->c_arena))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    return rule_load_dir(&c->c_kb, rule_default_dir(argv0), c->c_arena, d);
}

void drv_close(drv_ctx *c)
{
    int i;
    for (i = 0; i < c->c_npy; i++) {
        if (c->c_py[i].dp_owner == (long)getpid())
            in_python_free(c->c_py[i].dp_py);
        free(c->c_py[i].dp_path);
    }
    drv_settings_reset(c);
    arena_free(c->c_arena);
    drv_settings_free(&c->c_cli);
    free(c->c_config);
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
 * (`select = ["GIL201"]` with `ignore = ["GIL2"]` reports GIL201); on a tie, ignore wins.  An
 * opt-in rule is not in the default selection. */
int drv_selected(const drv_settings *s, const char *path, const char *code)
{
    size_t i;
    int sel, ign, k;
    const eng_rule *r = s->s_kb ? rule_find(s->s_kb, code) : NULL;
    if (!strcmp(code, "GIL000"))   /* a syntax error is always reported */
        return 1;
    sel = s->s_select ? best_prefix(s->s_select, s->s_nselect, code) : r && r->r_opt_in ? -1 : 0;
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

/***** `# noqa` *****/

/* The rule code of the unused-noqa rule (rules/GIL900.yaml). */
#define UNUSED_NOQA "GIL900"

/* Appends to the comma list `sb` ("unused: GIL104, GIL105"). */
static void list_add(strbuf *sb, const char *label, const char *code)
{
    if (!strstr(sb->sb_buf, label))
        sb_printf(sb, "%s%s: %s", sb->sb_len ? "; " : "", label, code);
    else
        sb_printf(sb, ", %s", code);
}

/* The unused-noqa finding for directive nl (what it names that suppressed nothing), unless it
 * suppressed everything it names; allocated in a.  G_OK or G_ENOMEM. */
static int unused_noqa(eng_result *res, const in_noqa_line *nl, const uint8_t *used,
                       const drv_settings *s, const char *path, int minor, arena *a)
{
    strbuf why;
    finding *g;
    char *msg;
    int any = 0;
    sb_init(&why);
    if (!nl->nl_codes) {
        any = !used[0];
    } else {
        const char *p = nl->nl_codes;
        size_t k = 0;
        while (*p) {
            size_t n = strcspn(p, ",");
            char code[32];
            snprintf(code, sizeof code, "%.*s", (int)(n < 31 ? n : 31), p);
            if (strcmp(code, UNUSED_NOQA) && !used[k]) {
                const eng_rule *r = s->s_kb ? rule_find(s->s_kb, code) : NULL;
                list_add(&why, !r ? "unknown" : !drv_selected(s, path, code) ? "non-enabled"
                                                                             : "unused", code);
                any = 1;
            }
            p += n + (p[n] == ',');
            k++;
        }
    }
    if (!any) {
        sb_free(&why);
        return G_OK;
    }
    if (res->r_count == res->r_cap) {
        uint32_t cap = res->r_cap ? res->r_cap * 2 : 8;
        finding *grown = arena_array(a, cap, sizeof *grown);
        if (!grown) {
            sb_free(&why);
            return G_ENOMEM;
        }
        if (res->r_count)
            memcpy(grown, res->r_findings, res->r_count * sizeof *grown);
        res->r_findings = grown;
        res->r_cap = cap;
    }
    msg = arena_alloc(a, why.sb_len + 40);
    if (!msg || why.sb_failed) {
        sb_free(&why);
        return G_ENOMEM;
    }
    if (why.sb_len)
        sprintf(msg, "unused `# noqa` directive (%s)", why.sb_buf);
    else
        sprintf(msg, "unused `# noqa` directive");
    sb_free(&why);
    g = &res->r_findings[res->r_count++];
    memset(g, 0, sizeof *g);
    g->f_rule = UNUSED_NOQA;
    g->f_file = path;
    g->f_message = msg;
    g->f_target = g->f_function = "";
    g->f_line = g->f_end_line = nl->nl_line;
    g->f_col = nl->nl_col;
    g->f_end_col = nl->nl_end_col;
    g->f_rel_line = g->f_rel_col = -1;
    g->f_code = UINT32_MAX;     /* no code object: no bytecode, no interleaving */
    g->f_python_minor = minor;
    return G_OK;
}

/* Warns about codes a directive names that no rule has (once per directive). */
static void unknown_codes(const in_noqa *nq, const eng_kb *kb, const char *src_path,
                          diag_ctx *d)
{
    size_t i;
    for (i = 0; kb && d && i < nq->nq_count; i++) {
        const char *p = nq->nq_lines[i].nl_codes;
        while (p && *p) {
            size_t n = strcspn(p, ",");
            char code[32];
            snprintf(code, sizeof code, "%.*s", (int)(n < 31 ? n : 31), p);
            if (!rule_find(kb, code))
                diag_add(d, 0, src_path, -1, "line %d: `# noqa` names unknown rule code '%s'",
                         nq->nq_lines[i].nl_line, code);
            p += n + (p[n] == ',');
        }
    }
}

/* Drops findings the settings do not select, and moves those `# noqa` comments of the source
 * (the buffer src when not NULL, else the file src_path, none when that is NULL) suppress to
 * *noqa; GIL000 is never
 * suppressed.  Codes a directive names that no rule has are warnings in d; with the unused-noqa
 * rule selected, directives that suppressed nothing they name are findings.  G_OK or
 * G_ENOMEM. */
static int filter(eng_result *res, eng_result *noqa, const drv_settings *s, const char *path,
                  const char *src_path, const uint8_t *src, size_t len, int minor, arena *a,
                  diag_ctx *d)
{
    in_noqa nq;
    uint32_t i, kept = 0;
    size_t k;
    int have, check_unused = drv_selected(s, path, UNUSED_NOQA), rc = G_OK;
    uint8_t **used = NULL;
    memset(noqa, 0, sizeof *noqa);
    if (!res->r_count && !check_unused)
        return G_OK;
    have = src ? !in_noqa_parse(&nq, src, len) : src_path && !in_noqa_load(&nq, src_path);
    if (have && nq.nq_count) {  /* per directive, per code it names: did it suppress one? */
        used = arena_array(a, nq.nq_count, sizeof *used);
        for (k = 0; used && k < nq.nq_count; k++) {
            const char *p = nq.nq_lines[k].nl_codes;
            size_t n = 1;
            while (p && *p)
                n += *p++ == ',';
            if ((used[k] = arena_alloc(a, n)))
                memset(used[k], 0, n);
            else
                used = NULL;
        }
        if (!used)
            rc = G_ENOMEM;
    }
    if (!rc && res->r_count && !(noqa->r_findings = arena_array(a, res->r_count,
                                                                sizeof *noqa->r_findings)))
        rc = G_ENOMEM;
    for (i = 0; !rc && i < res->r_count; i++) {
        const finding *f = &res->r_findings[i];
        if (!drv_selected(s, path, f->f_rule))
            continue;
        if (have && strcmp(f->f_rule, "GIL000") && in_noqa_suppressed(&nq, f->f_line, f->f_rule)) {
            for (k = 0; used && k < nq.nq_count; k++) {   /* which directive, which code */
                const in_noqa_line *nl = &nq.nq_lines[k];
                const char *p = nl->nl_codes;
                size_t c = 0;
                if (nl->nl_line != f->f_line)
                    continue;
                if (!p)
                    used[k][0] = 1;
                while (p && *p) {
                    size_t n = strcspn(p, ",");
                    if (n == strlen(f->f_rule) && !strncmp(p, f->f_rule, n))
                        used[k][c] = 1;
                    p += n + (p[n] == ',');
                    c++;
                }
            }
            noqa->r_findings[noqa->r_count++] = *f;
            continue;
        }
        res->r_findings[kept++] = *f;
    }
    if (!rc)
        res->r_count = kept;
    if (have && !rc) {
        unknown_codes(&nq, s->s_kb, src ? path : src_path, d);
        for (k = 0; check_unused && k < nq.nq_count && !rc; k++)
            rc = unused_noqa(res, &nq.nq_lines[k], used[k], s, path, minor, a);
    }
    if (have)
        in_noqa_free(&nq);
    return rc;
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

int drv_pyc_source(const in_roots *roots, const char *pyc, const char *name)
{
    char real[PATH_MAX], twin[PATH_MAX], twin_real[PATH_MAX];
    struct stat st;
    if (!name || !*name || !realpath(name, real) || stat(real, &st) || !S_ISREG(st.st_mode))
        return 0;
    if (in_roots_holds(roots, real))
        return 1;
    return in_pyc_source(pyc, twin, sizeof twin) && realpath(twin, twin_real) &&
           !strcmp(twin_real, real);
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

/* The interpreter for settings s (their `python`), started on first use in this process; NULL
 * for the embedded one. */
static drv_python *python_of(drv_ctx *c, const drv_settings *s)
{
    int i;
    if (!s->s_python)
        return NULL;
    for (i = 0; i < c->c_npy; i++)
        if (!strcmp(c->c_py[i].dp_path, s->s_python))
            break;
    if (i == c->c_npy) {
        if (c->c_npy == DRV_MAX_PYTHONS)
            i = DRV_MAX_PYTHONS - 1;   /* (never in practice) reuse the last slot */
        else
            c->c_npy++;
        if (c->c_py[i].dp_owner == (long)getpid())
            in_python_free(c->c_py[i].dp_py);
        free(c->c_py[i].dp_path);
        memset(&c->c_py[i], 0, sizeof c->c_py[i]);
        if (!(c->c_py[i].dp_path = strdup(s->s_python))) {
            c->c_py[i].dp_failed = 1;
            snprintf(c->c_py[i].dp_why, sizeof c->c_py[i].dp_why, "out of memory");
            c->c_py[i].dp_path = NULL;
            c->c_npy = i;
            return NULL;
        }
    }
    return &c->c_py[i];
}

/* Starts p's compile server when this process has none (a worker forked after the parent
 * started one does not share its pipes).  0, or -1 with p->dp_why set. */
static int python_start(drv_python *p)
{
    diag_ctx why;
    if (p->dp_py && p->dp_owner != (long)getpid())
        p->dp_py = NULL;        /* the parent's: not ours to use or stop */
    if (p->dp_py || p->dp_failed)
        return p->dp_failed ? -1 : 0;
    diag_init(&why);
    if (in_python_open(&p->dp_py, p->dp_path, &why)) {
        p->dp_failed = 1;
        if (why.d_count)
            diag_format(&why, 0, p->dp_why, sizeof p->dp_why);
        else
            snprintf(p->dp_why, sizeof p->dp_why, "%s: cannot start it", p->dp_path);
    } else {
        p->dp_owner = (long)getpid();
        snprintf(p->dp_ident, sizeof p->dp_ident, "%s", in_python_identity(p->dp_py));
    }
    diag_free(&why);
    return p->dp_failed ? -1 : 0;
}

/* The version sources are compiled for: the settings' interpreter's, else the embedded one's.
 * Starts the interpreter on first use; -1 (message in d) when it cannot. */
static int target_minor(drv_ctx *c, const drv_settings *s, const char *path, diag_ctx *d)
{
    drv_python *p = python_of(c, s);
    if (!s->s_python)
        return in_embedded_minor();
    if (!p || python_start(p)) {
        diag_add(d, G_EBAD, path, -1, "not compiled: %s", p ? p->dp_why : "out of memory");
        return -1;
    }
    return in_python_minor(p->dp_py);
}

const char *drv_python_identity(drv_ctx *c, const drv_settings *s)
{
    drv_python *p = python_of(c, s);
    static char embedded[360];
    if (!s->s_python) {
        if (!embedded[0])
            snprintf(embedded, sizeof embedded, "3.%d magic %d %s", in_embedded_minor(),
                     pyc_magic_final(in_embedded_minor()), in_embedded_identity());
        return embedded;
    }
    if (!p || python_start(p))
        return NULL;
    return p->dp_ident;
}

/* 1 when the checked-hash pyc's recorded hash is the source's, as the interpreter the pyc is
 * for computes it (the embedded one, or the settings' `python` child). */
static int hash_matches(drv_ctx *c, const drv_settings *s, const char *path,
                        const uint8_t want[8])
{
    drv_python *p = python_of(c, s);
    uint8_t *src, got[8];
    size_t len;
    int err, ok;
    if ((s->s_python && (!p || python_start(p))) || in_read_file(&src, &len, &err, path))
        return 0;
    ok = !(s->s_python ? in_python_source_hash(got, p->dp_py, src ? src : (uint8_t *)"", len)
                       : in_source_hash(got, src ? src : (uint8_t *)"", len)) &&
         !memcmp(got, want, 8);
    mem_free(src);
    return ok;
}

/* dir/__pycache__/NAME.cpython-3<minor>.pyc into buf when it is fresh for the source at `path`:
 * same version, a regular file (not a link), and either a timestamp pyc with the source's mtime
 * and size (as import decides), or a checked-hash pyc whose hash is the source's.  An
 * unchecked-hash pyc is never fresh: nothing ties it to the source, and a committed one would
 * be analysed in place of the code it claims to be.  Returns 1 when fresh. */
static int fresh_pycache(drv_ctx *c, const drv_settings *s, char *buf, size_t size,
                         const char *path, int minor)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    struct stat st, pst;
    uint8_t head[16];
    pyc_file f;
    diag_ctx quiet;
    int fresh = 0, got, fd;
    if (n < 4 || strcmp(base + n - 3, ".py") ||
        snprintf(buf, size, "%.*s__pycache__/%.*s.cpython-3%d.pyc", (int)(base - path), path,
                 (int)(n - 3), base, minor) >= (int)size ||
        stat(path, &st) ||
        (fd = open(buf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
        return 0;
    got = fstat(fd, &pst) || !S_ISREG(pst.st_mode) ? 0 : (int)read(fd, head, sizeof head);
    close(fd);
    diag_init(&quiet);
    memset(&f, 0, sizeof f);
    if (got >= 12 && !pyc_read_header(&f, head, (size_t)got, buf, &quiet) && f.f_minor == minor) {
        if (f.f_flags & PYC_FLAG_HASH)
            fresh = (f.f_flags & PYC_FLAG_CHECK) && hash_matches(c, s, path, f.f_hash);
        else
            fresh = f.f_mtime == (uint32_t)st.st_mtime && f.f_srcsize == (uint32_t)st.st_size;
    }
    diag_free(&quiet);
    return fresh;
}

int drv_fresh_pycache(drv_ctx *c, const char *path)
{
    char cached[PATH_MAX];
    const drv_settings *s;
    diag_ctx quiet;
    int minor = -1;
    if (c->c_no_pycache)
        return 0;
    diag_init(&quiet);
    if (!drv_settings_for(&s, c, path, &quiet))
        minor = target_minor(c, s, path, &quiet);
    diag_free(&quiet);
    return minor >= 0 && fresh_pycache(c, s, cached, sizeof cached, path, minor);
}

/* Summarizes a decoded file as the module its path names, with the engine options of the
 * file's settings: the candidates get `shown` (the name findings carry) as their file and, when
 * `schedules`, their interleavings; classes marked `# gilcheck: thread-safe` in the source text
 * (src, or else the file src_path) are marked. */
static int summarize(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                     const char *shown, const pyc_file *f, const bc_file *bf, const uint8_t *src,
                     size_t len, const char *src_path, int schedules, arena *a, diag_ctx *d)
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
    rc = eng_summarize(&out->r_sum, f, bf, &c->c_kb, &s->s_eng, module, package, a, d, path);
    if (rc)
        return rc;
    eng_summary_set_file(out->r_sum, file);
    cand = eng_summary_candidates(out->r_sum);
    for (i = 0; i < cand->r_count; i++)
        cand->r_findings[i].f_file = file;
    if (schedules && attach_interleavings(cand, bf, a))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    if (src ? !in_noqa_parse(&nq, src, len) : (src_path && !in_noqa_load(&nq, src_path))) {
        size_t k;
        for (k = 0; k < nq.nq_nsafe; k++)
            eng_summary_mark_safe(out->r_sum, nq.nq_safe_lines[k]);
        in_noqa_free(&nq);
    }
    return G_OK;
}

/* What summarize_with is asked for. */
enum {
    HOW_SCHEDULES = 1,         /* the candidates' interleavings */
    HOW_EDITED = 2             /* src is an editor's buffer being typed in: in_compile_edited */
};

/* A .py file or buffer: compile in-process (or with the settings' interpreter), then the .pyc
 * pipeline. */
static int analyze_source(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                          const uint8_t *src, size_t len, int how, arena *a, diag_ctx *d)
{
    in_compiled ic;
    bc_file *bf = NULL;
    uint8_t *text = NULL;
    int rc, err = 0;
    drv_python *p = python_of(c, s);
    if (s->s_python && (!p || python_start(p)))
        return G_EBAD;          /* target_minor said why */
    if (!src) {
        if ((rc = in_read_file(&text, &len, &err, path)))
            return rc == G_ENOMEM ? diag_add(d, rc, path, -1, "out of memory")
                                  : diag_add(d, G_EIO, path, -1, "cannot %s (%s)",
                                             len == SIZE_MAX || s->s_python ? "read"
                                                                                  : "open",
                                             file_strerror(err));
        src = text ? text : (const uint8_t *)"";
    }
    rc = s->s_python           ? in_python_compile(&ic, p->dp_py, src, len, path, d)
         : how & HOW_EDITED ? in_compile_edited(&ic, src, len, path, d)
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
        rc = summarize(out, c, s, path, path, out->r_image, bf, src, len, NULL,
                       how & HOW_SCHEDULES, a, d);
    out->r_bf = bf;
    mem_free(text);
    return rc;
}

static int summarize_with(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                          const uint8_t *src, size_t len, int how, arena *a, diag_ctx *d);

int drv_summarize(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                  size_t len, arena *a, diag_ctx *d)
{
    const drv_settings *s;
    memset(out, 0, sizeof *out);
    if (drv_settings_for(&s, c, path, d))
        return G_EBAD;
    return summarize_with(out, c, s, path, src, len, c->c_no_schedules ? 0 : HOW_SCHEDULES, a,
                          d);
}

int drv_summarize_buffer(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                         size_t len, arena *a, diag_ctx *d)
{
    const drv_settings *s;
    memset(out, 0, sizeof *out);
    if (drv_settings_for(&s, c, path, d))
        return G_EBAD;
    return summarize_with(out, c, s, path, src, len, src ? HOW_EDITED : 0, a, d);
}

void drv_buffer_closed(const char *path)
{
    in_compile_forget(path);
}

/* drv_summarize with the settings s; `how`: HOW_* */
static int summarize_with(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                          const uint8_t *src, size_t len, int how, arena *a, diag_ctx *d)
{
    const char *pyc_path = path;
    char cached[PATH_MAX];
    pyc_file *f = NULL;
    bc_file *bf = NULL;
    int rc, is_source = src || !ends_with(path, ".pyc"), minor = 0, refused = 0;
    memset(out, 0, sizeof *out);
    if (is_source && !src && (minor = target_minor(c, s, path, d)) < 0)
        return G_EBAD;
    if (is_source && !src && !c->c_no_pycache &&
        fresh_pycache(c, s, cached, sizeof cached, path, minor)) {
        is_source = 0;          /* the fresh pyc stands for the source */
        pyc_path = cached;
    }
    if (is_source) {
        if (src && s->s_python && target_minor(c, s, path, d) < 0)
            return G_EBAD;
        rc = analyze_source(out, c, s, path, src, len, how, a, d);
    } else {
        /* `# noqa` comments and marks come from the source: the one a fresh __pycache__ pyc
         * stands for, or the one a .pyc names */
        const char *src_path = pyc_path == path ? NULL : path;
        rc = pyc_load_path_in(&f, a, pyc_path, d);
        if (!rc)
            rc = bc_decode_file(&bf, f, path, d);
        if (!rc && !src_path) {
            src_path = source_name(f, a);
            out->r_named = src_path;
            /* ~/.git-credentials, /dev/zero: never read, never shown */
            refused = !drv_pyc_source(c->c_roots, path, src_path);
        }
        if (!rc && pyc_path == path)
            out->r_source = refused ? NULL : src_path;
        /* a .pyc given as such is reported under the source it names, when that is allowed */
        if (!rc)
            rc = summarize(out, c, s, path,
                           pyc_path == path && !refused && *src_path ? src_path : path, f, bf,
                           NULL, 0, refused ? NULL : src_path, how & HOW_SCHEDULES, a, d);
        out->r_bf = bf;
    }
    if (rc)
        drv_result_free(out);
    return rc;
}

/***** the composition of a run *****/

/* Drops the findings of the unit's file its settings do not select and moves those its `# noqa`
 * comments suppress to u_noqa (unknown codes in them are warnings in d; GIL900 reports the
 * comments that suppress nothing).  G_OK or G_ENOMEM. */
static int filter_unit(drv_unit *u, const drv_settings *s, arena *a, diag_ctx *d)
{
    /* a .pyc without a source it may read has no comments (its own bytes are not Python) */
    const char *src_path = u->u_source ? u->u_source
                                       : ends_with(u->u_path, ".pyc") ? NULL : u->u_path;
    int minor = u->u_res.r_count ? u->u_res.r_findings[0].f_python_minor : in_embedded_minor();
    if (u->u_rc)
        return G_OK;
    return filter(&u->u_res, &u->u_noqa, s, u->u_path, src_path, u->u_text, u->u_len, minor, a,
                  d);
}

/* Hands each finding of `all` to its unit (unit_of maps a summary's index to its unit) with
 * its schedule unpacked, then filters every unit: with sets[i] when sets is not NULL, else with
 * `own` when not NULL, else with its own settings (looked up: only then is c written to).
 * G_OK or G_ENOMEM. */
static int distribute(drv_unit *units, size_t n, const uint32_t *unit_of, const eng_result *all,
                      drv_ctx *c, const drv_settings *own, const drv_settings *const *sets,
                      arena *a, diag_ctx *d)
{
    uint32_t i;
    for (i = 0; i < all->r_count; i++) {
        drv_unit *u = &units[unit_of[all->r_findings[i].f_unit]];
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
        r->r_findings[r->r_count] = all->r_findings[i];
        if (drv_blob_unpack(&r->r_findings[r->r_count++], a))   /* a candidate's schedule */
            return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const drv_settings *s = sets ? sets[i] : own;
        if (!s && (sets || drv_settings_for(&s, c, units[i].u_path, d)))
            continue;           /* reported where the file was read */
        if (filter_unit(&units[i], s, a, d))
            return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    return G_OK;
}

/* The run's engine options; check asks that configured names exist. */
static eng_options run_options(const drv_ctx *c, const drv_settings *run)
{
    eng_options opt = run->s_eng;
    opt.o_check_names = c->c_check_names;
    return opt;
}

/* drv_compose with the composition's engine options from `run`; units carry their summaries in
 * memory (u_sum); filtering as distribute. */
static int compose_with(drv_unit *units, size_t n, drv_ctx *c, const drv_settings *run,
                        const drv_settings *own, const drv_settings *const *sets, arena *a,
                        diag_ctx *d)
{
    eng_summary **sums = arena_array(a, n + 1, sizeof *sums);
    uint32_t *unit_of = arena_array(a, n + 1, sizeof *unit_of);
    eng_result all;
    eng_options opt = run_options(c, run);
    uint32_t ns = 0, i;
    int rc, rd;
    if (!sums || !unit_of)
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; i < n; i++)
        if (units[i].u_sum) {
            unit_of[ns] = i;
            sums[ns++] = units[i].u_sum;
        }
    memset(&all, 0, sizeof all);
    /* G_EBAD: a configured name matched nothing; the findings stand */
    if ((rc = eng_compose(&all, sums, ns, &opt, a, d)) && rc != G_EBAD)
        return rc;
    rd = distribute(units, n, unit_of, &all, c, own, sets, a, d);
    return rd ? rd : rc;
}

/* What a composition of records reads its whole summaries with (eng_full_fn). */
typedef struct records {
    drv_unit *rs_units;
    const uint32_t *rs_unit_of;
    drv_read_fn rs_read;
    void *rs_ctx;
} records;

static int full_from_record(const eng_summary **out, void *ctx, uint32_t index, arena *a)
{
    const records *rs = ctx;
    uint32_t i = rs->rs_unit_of[index];
    const uint8_t *p;
    size_t len;
    drv_unit u;
    diag_ctx quiet;             /* its messages were read the first time */
    int rc = rs->rs_read(&p, &len, rs->rs_ctx, i);
    if (rc)
        return rc;
    diag_init(&quiet);
    rc = drv_blob_get(&u, rs->rs_units[i].u_path, p, len, a, &quiet);
    diag_free(&quiet);
    if (!rc && !u.u_sum)
        rc = G_EBAD;
    *out = rc ? NULL : u.u_sum;
    return rc;
}

int drv_compose_records(drv_unit *units, diag_ctx *msgs, size_t n, drv_ctx *c,
                        const drv_settings *run, const drv_settings *const *sets,
                        drv_read_fn read, void *ctx, arena *a, diag_ctx *d)
{
    uint32_t *unit_of = arena_array(a, n + 1, sizeof *unit_of);
    eng_run *er = NULL;
    eng_result all;
    eng_options opt;
    records rs;
    size_t i;
    int rc, rd;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!run && drv_settings_default(&run, c, n ? units[0].u_path : NULL, d))
        return G_EBAD;
    if (!unit_of || eng_run_new(&er, a)) {
        eng_run_free(er);
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    }
    for (i = 0; i < n; i++) {
        drv_unit *u = &units[i];
        const char *path = u->u_path;
        const uint8_t *text = u->u_text, *p, *sum;
        size_t len = u->u_len, rlen, sumlen;
        if ((rc = read(&p, &rlen, ctx, i)) ||
            (rc = drv_blob_head(u, &sum, &sumlen, path, p, rlen, a, msgs ? &msgs[i] : NULL)) ==
                G_ENOMEM)
            goto fail;
        u->u_text = text;       /* an editor's buffer: its `# noqa` comments */
        u->u_len = len;
        if (rc) {               /* damaged: the file's failure */
            u->u_rc = G_EBAD;
            if (msgs)
                diag_add(&msgs[i], G_EBAD, path, -1, "the result for it was damaged");
            continue;
        }
        if (!sum)
            continue;
        unit_of[eng_run_count(er)] = (uint32_t)i;
        if ((rc = eng_run_add_bytes(er, sum, sumlen)) == G_ENOMEM)
            goto fail;
        if (rc) {
            u->u_rc = G_EBAD;
            if (msgs)
                diag_add(&msgs[i], G_EBAD, path, -1, "the result for it was damaged");
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("GILCHECK_TIMINGS"))    /* for tools/bench_ci.py: reading the records back */
        fprintf(stderr, "gilcheck: records: %.1f ms, %zu files\n",
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                n);
    memset(&all, 0, sizeof all);
    rs.rs_units = units;
    rs.rs_unit_of = unit_of;
    rs.rs_read = read;
    rs.rs_ctx = ctx;
    opt = run_options(c, run);
    rc = eng_run_compose(&all, er, &opt, full_from_record, &rs, d);
    if (rc && rc != G_EBAD)
        return rc == G_ENOMEM ? rc : diag_add(d, rc, NULL, -1, "a result could not be read again");
    rd = distribute(units, n, unit_of, &all, c, NULL, sets, a, d);
    return rd ? rd : rc;
fail:
    eng_run_free(er);
    return rc == G_ENOMEM ? diag_add(d, G_ENOMEM, NULL, -1, "out of memory")
                          : diag_add(d, rc, NULL, -1, "a result could not be read");
}

int drv_compose(drv_unit *units, size_t n, drv_ctx *c, arena *a, diag_ctx *d)
{
    const drv_settings *run;
    /* the composition spans the run: its entry points, thread-safe classes and scope are the
     * run's own settings' (each file's selection and `# noqa` are its own) */
    if (drv_settings_default(&run, c, n ? units[0].u_path : NULL, d))
        return G_EBAD;
    return compose_with(units, n, c, run, NULL, NULL, a, d);
}

int drv_compose_with(drv_unit *units, size_t n, const drv_ctx *c, const drv_settings *run,
                     const drv_settings *const *sets, arena *a, diag_ctx *d)
{
    /* with every unit's settings given, compose_with only reads c */
    return compose_with(units, n, (drv_ctx *)c, run, NULL, sets, a, d);
}

int drv_analyze(drv_result *out, drv_ctx *c, const char *path, const uint8_t *src,
                size_t len, arena *a, diag_ctx *d)
{
    const drv_settings *s;
    memset(out, 0, sizeof *out);
    if (drv_settings_for(&s, c, path, d))
        return G_EBAD;
    return drv_analyze_with(out, c, s, path, src, len, a, d);
}

int drv_analyze_with(drv_result *out, drv_ctx *c, const drv_settings *s, const char *path,
                     const uint8_t *src, size_t len, arena *a, diag_ctx *d)
{
    drv_unit u;
    int rc = summarize_with(out, c, s, path, src, len, c->c_no_schedules ? 0 : HOW_SCHEDULES,
                            a, d);
    if (rc)
        return rc;
    memset(&u, 0, sizeof u);
    u.u_path = path;
    u.u_sum = out->r_sum;
    u.u_res = out->r_res;       /* a syntax error's GIL000 */
    u.u_source = out->r_source;
    u.u_text = src;
    u.u_len = len;
    if ((rc = compose_with(&u, 1, c, s, s, NULL, a, d))) {
        drv_result_free(out);
        return rc;
    }
    out->r_res = u.u_res;
    out->r_noqa = u.u_noqa;
    return G_OK;
}
