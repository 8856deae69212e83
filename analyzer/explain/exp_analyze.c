/* One Python version's view of the explained module: compile (embedded, pyenv, pyodide, or a
 * given .pyc), decode, analyse with scope all, and find the statement's code and finding. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../input/input.h"

void exp_run_free(exp_run *r)
{
    pyc_file_free(r->er_pyc);
    r->er_pyc = NULL;
    r->er_bf = NULL;
}

/* The comma-separated names of s as an array in a; *n set; NULL when there are none. */
static char **split_names(const char *s, size_t *n, arena *a)
{
    char **v;
    size_t k = 0, cap = 1;
    const char *p;
    *n = 0;
    if (!s || !*s)
        return NULL;
    for (p = s; *p; p++)
        cap += *p == ',';
    if (!(v = arena_array(a, cap, sizeof *v)))
        return NULL;
    for (p = s; *p;) {
        size_t len = strcspn(p, ",");
        const char *b = p, *e = p + len;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        if (e > b && (v[k] = arena_alloc(a, (size_t)(e - b) + 1))) {
            memcpy(v[k], b, (size_t)(e - b));
            v[k++][e - b] = 0;
        }
        p += len + (p[len] == ',');
    }
    *n = k;
    return v;
}

int exp_run_module(exp_run *out, const drv_ctx *c, const drv_settings *set, int minor,
                   const char *python, const uint8_t *src, size_t len, const uint8_t *pyc,
                   size_t pyclen, const char *shared, const char *name, arena *a, diag_ctx *d)
{
    in_compiled ic;
    eng_options opt = { .o_scope_all = 1 };
    int rc;
    if (set) {                 /* the settings' lock names and entry points; every function */
        opt = set->s_eng;
        opt.o_scope_all = 1;
    }
    opt.o_shared_params = split_names(shared, &opt.o_nshared_params, a);
    memset(out, 0, sizeof *out);
    memset(&ic, 0, sizeof ic);
    out->er_minor = minor;
    if (pyc) {
        snprintf(out->er_python, sizeof out->er_python, "%s", name);
        rc = pyc_load_bytes(&out->er_pyc, pyc, pyclen, name, d);
    } else {
        if (python)
            snprintf(out->er_python, sizeof out->er_python, "%s", python);
        else if (minor == 11)
            snprintf(out->er_python, sizeof out->er_python, "embedded");
        else if (in_find_python(out->er_python, sizeof out->er_python, minor))
            return diag_add(d, G_EIO, name, -1, "no interpreter for Python 3.%d here (pyenv's "
                            "3.%d.x, python3.%d on PATH, or pyodide for 3.14)", minor, minor,
                            minor);
        rc = !strcmp(out->er_python, "embedded")
                 ? in_compile_bytes(&ic, src, len, name, d)
                 : in_compile_external(&ic, out->er_python, src, len, name, d);
        if (rc)
            return rc;
        if (ic.ic_syntax) {
            out->er_syntax = 1;
            snprintf(out->er_msg, sizeof out->er_msg, "%s", ic.ic_msg);
            out->er_syntax_line = ic.ic_line;
            return G_OK;
        }
        rc = pyc_load_bytes(&out->er_pyc, ic.ic_pyc, ic.ic_len, name, d);
        in_compiled_free(&ic);
    }
    if (!rc) {
        out->er_minor = out->er_pyc->f_minor;
        rc = bc_decode_file(&out->er_bf, out->er_pyc, name, d);
    }
    if (!rc)
        rc = eng_analyze(&out->er_res, out->er_pyc, out->er_bf, &c->c_kb, &opt, a, d, name);
    if (rc)
        exp_run_free(out);
    return rc;
}

static int name_is(const pyc_obj *o, const char *s)
{
    return o && o->o_kind == PYC_STR && o->u.o_str.len == strlen(s) &&
           !memcmp(o->u.o_str.s, s, o->u.o_str.len);
}

int exp_line_range(const exp_run *r, int32_t ci, int32_t l0, int32_t l1, uint32_t *lo,
                   uint32_t *hi)
{
    const bc_code *bc = &r->er_bf->bf_codes[ci];
    int32_t line = -1;
    uint32_t i;
    int found = 0;
    for (i = 0; i < bc->bc_ninstrs; i++) {
        if (bc->bc_instrs[i].in_line >= 0)
            line = bc->bc_instrs[i].in_line;
        if (line >= l0 && line <= l1 && bc->bc_instrs[i].in_sem != SEM_NOP) {
            if (!found)
                *lo = i;
            *hi = i;
            found = 1;
        }
    }
    /* the implicit `return None` a function body ends with is not the statement's */
    while (found && *hi > *lo && (bc->bc_instrs[*hi].in_sem == SEM_RETURN ||
                                  bc->bc_instrs[*hi].in_sem == SEM_RETURN_CONST)) {
        int ret = bc->bc_instrs[*hi].in_sem == SEM_RETURN;
        (*hi)--;
        if (ret && *hi > *lo && bc->bc_instrs[*hi].in_sem == SEM_LOAD_CONST)
            (*hi)--;
    }
    return found;
}

int32_t exp_find_code(const exp_run *r, const char *func, int32_t l0, int32_t l1)
{
    uint32_t i, lo, hi;
    int32_t best = -1;
    if (!r->er_bf)
        return -1;
    for (i = 0; i < r->er_bf->bf_ncodes; i++) {
        const bc_code *bc = &r->er_bf->bf_codes[i];
        if (func) {
            if (name_is(bc->bc_src->co_name, func))
                return (int32_t)i;
        } else if (exp_line_range(r, (int32_t)i, l0, l1, &lo, &hi)) {
            best = (int32_t)i;   /* pre-order: later ones are nested deeper */
        }
    }
    return best;
}

static int rule_rank(const char *rule)
{
    return !strcmp(rule, "GIL301") ? 1 : 0;
}

const finding *exp_pick(const exp_run *r, int32_t ci, int32_t l0, int32_t l1)
{
    const finding *best = NULL;
    uint32_t i;
    for (i = 0; i < r->er_res.r_count; i++) {
        const finding *f = &r->er_res.r_findings[i];
        int fr, br;
        if ((int32_t)f->f_code != ci || f->f_line < l0 || f->f_line > l1)
            continue;
        /* GIL301 last; then the window a GIL build of this version can switch in (of
         * `try: D[k] += 1 / except KeyError: D[k] = 1` on 3.10, the handler's); then the first */
        fr = 2 * rule_rank(f->f_rule) + (f->f_nswitch == 0);
        br = best ? 2 * rule_rank(best->f_rule) + (best->f_nswitch == 0) : 0;
        if (!best || fr < br || (fr == br && f->f_first < best->f_first))
            best = f;
    }
    return best;
}

const char *exp_reason(const char *rule)
{
    if (!rule)
        return NULL;
    if (!strcmp(rule, "GIL105"))
        return "read-then-write";
    if (!strcmp(rule, "GIL106"))
        return "iteration while another thread changes it";
    if (!strcmp(rule, "GIL107"))
        return "take-and-reset";
    if (!strncmp(rule, "GIL10", 5))
        return "read-modify-write";
    if (!strcmp(rule, "GIL201"))
        return "check-then-act";
    if (!strcmp(rule, "GIL204"))
        return "check-then-act (cache fill)";
    if (!strcmp(rule, "GIL202"))
        return "check-then-act (lazy initialisation)";
    if (!strcmp(rule, "GIL203"))
        return "check-then-use";
    if (!strcmp(rule, "GIL301"))
        return "written with and without a lock";
    if (!strcmp(rule, "GIL000"))
        return "syntax error";
    return rule;
}
