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

int exp_run_module(exp_run *out, const drv_ctx *c, const drv_settings *set, int minor,
                   const char *python, const uint8_t *src, size_t len, const uint8_t *pyc,
                   size_t pyclen, const char *name, arena *a, diag_ctx *d)
{
    in_compiled ic;
    eng_options opt = { .o_scope_all = 1 };
    int rc;
    if (set) {                 /* the settings' lock names and entry points; every function */
        opt = set->s_eng;
        opt.o_scope_all = 1;
    }
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
        if ((int32_t)f->f_code != ci || f->f_line < l0 || f->f_line > l1)
            continue;
        if (!best || rule_rank(f->f_rule) < rule_rank(best->f_rule) ||
            (rule_rank(f->f_rule) == rule_rank(best->f_rule) && f->f_first < best->f_first))
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
    if (!strncmp(rule, "GIL10", 5))
        return "read-modify-write";
    if (!strcmp(rule, "GIL201"))
        return "check-then-act";
    if (!strcmp(rule, "GIL202"))
        return "check-then-act (lazy initialisation)";
    if (!strcmp(rule, "GIL301"))
        return "written with and without a lock";
    return "syntax error";
}

/***** instruction descriptions *****/

static const char *const sem_names[SEM_COUNT_] = {
    [SEM_OTHER] = "other", [SEM_NOP] = "nop", [SEM_LOAD_FAST] = "load_fast",
    [SEM_LOAD_FAST_PAIR] = "load_fast_pair", [SEM_STORE_FAST] = "store_fast",
    [SEM_STORE_FAST_PAIR] = "store_fast_pair", [SEM_STORE_LOAD_FAST] = "store_load_fast",
    [SEM_DELETE_FAST] = "delete_fast", [SEM_LOAD_GLOBAL] = "load_global",
    [SEM_STORE_GLOBAL] = "store_global", [SEM_DELETE_GLOBAL] = "delete_global",
    [SEM_LOAD_NAME] = "load_name", [SEM_STORE_NAME] = "store_name",
    [SEM_DELETE_NAME] = "delete_name", [SEM_LOAD_DEREF] = "load_deref",
    [SEM_STORE_DEREF] = "store_deref", [SEM_DELETE_DEREF] = "delete_deref",
    [SEM_LOAD_CLOSURE] = "load_closure", [SEM_LOAD_CONST] = "load_const",
    [SEM_LOAD_INT] = "load_int", [SEM_LOAD_ATTR] = "load_attr",
    [SEM_LOAD_SUPER_ATTR] = "load_super_attr", [SEM_STORE_ATTR] = "store_attr",
    [SEM_DELETE_ATTR] = "delete_attr", [SEM_SUBSCR] = "subscr",
    [SEM_STORE_SUBSCR] = "store_subscr", [SEM_DELETE_SUBSCR] = "delete_subscr",
    [SEM_SLICE] = "slice", [SEM_STORE_SLICE] = "store_slice", [SEM_BUILD_SLICE] = "build_slice",
    [SEM_BINARY] = "binary", [SEM_UNARY] = "unary", [SEM_COMPARE] = "compare",
    [SEM_CONTAINS] = "contains", [SEM_IS] = "is", [SEM_EXC_MATCH] = "exc_match",
    [SEM_TO_BOOL] = "to_bool", [SEM_CALL] = "call", [SEM_CALL_EX] = "call_ex",
    [SEM_PUSH_NULL] = "push_null", [SEM_KW_NAMES] = "kw_names", [SEM_PRECALL] = "precall",
    [SEM_COPY] = "copy", [SEM_SWAP] = "swap", [SEM_ROT] = "rot", [SEM_DUP_TWO] = "dup_two",
    [SEM_POP] = "pop", [SEM_JUMP] = "jump", [SEM_JUMP_IF] = "jump_if",
    [SEM_FOR_ITER] = "for_iter", [SEM_GET_ITER] = "get_iter", [SEM_END_FOR] = "end_for",
    [SEM_RETURN] = "return", [SEM_RETURN_CONST] = "return_const", [SEM_YIELD] = "yield",
    [SEM_BUILD] = "build", [SEM_MAKE_FUNCTION] = "make_function",
    [SEM_WITH_ENTER] = "with_enter", [SEM_SETUP_HANDLER] = "setup_handler",
    [SEM_POP_BLOCK] = "pop_block", [SEM_RAISE] = "raise", [SEM_RERAISE] = "reraise",
    [SEM_IMPORT_NAME] = "import_name", [SEM_IMPORT_FROM] = "import_from",
    [SEM_UNPACK] = "unpack", [SEM_FORMAT] = "format", [SEM_LOAD_BUILD_CLASS] = "load_build_class",
    [SEM_SET_FUNC_ATTR] = "set_func_attr", [SEM_LOAD_SPECIAL] = "load_special",
    [SEM_COLLECT] = "collect",
};

const char *exp_sem_name(int sem)
{
    return sem >= 0 && sem < SEM_COUNT_ && sem_names[sem] ? sem_names[sem] : "other";
}

static const char *const binops[] = {
    "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^",
};
static const char *const cmps[] = { "<", "<=", "==", "!=", ">", ">=" };

static const char *name_text(const pyc_obj *o, char *buf, size_t size)
{
    if (!o || o->o_kind != PYC_STR)
        return NULL;
    snprintf(buf, size, "%.*s", (int)o->u.o_str.len, o->u.o_str.s);
    return buf;
}

const char *exp_argval(const bc_code *bc, const bc_instr *in, char *buf, size_t size)
{
    buf[0] = 0;
    switch (in->in_sem) {
    case SEM_LOAD_GLOBAL: case SEM_STORE_GLOBAL: case SEM_DELETE_GLOBAL: case SEM_LOAD_NAME:
    case SEM_STORE_NAME: case SEM_DELETE_NAME: case SEM_LOAD_ATTR: case SEM_STORE_ATTR:
    case SEM_DELETE_ATTR: case SEM_IMPORT_NAME: case SEM_IMPORT_FROM: case SEM_LOAD_SUPER_ATTR:
        return name_text(bc_name(bc, in->in_a), buf, size);
    case SEM_LOAD_FAST: case SEM_STORE_FAST: case SEM_DELETE_FAST:
        return name_text(bc_local(bc, in->in_a), buf, size);
    case SEM_LOAD_DEREF: case SEM_STORE_DEREF: case SEM_DELETE_DEREF: case SEM_LOAD_CLOSURE:
        return name_text(bc_deref(bc, in->in_a), buf, size);
    case SEM_LOAD_CONST: case SEM_RETURN_CONST: {
        strbuf sb;
        sb_init(&sb);
        pyc_repr(&sb, bc_const(bc, in->in_a), 60);
        snprintf(buf, size, "%s", sb.sb_failed ? "?" : sb.sb_buf);
        sb_free(&sb);
        return buf;
    }
    case SEM_LOAD_INT:
        snprintf(buf, size, "%d", in->in_a);
        return buf;
    case SEM_BINARY:
        if (in->in_a >= 0 && in->in_a < 26)
            snprintf(buf, size, "%s%s", binops[in->in_a % 13], in->in_a >= 13 ? "=" : "");
        return buf[0] ? buf : NULL;
    case SEM_COMPARE:
        return in->in_a >= 0 && in->in_a < 6 ? cmps[in->in_a] : NULL;
    case SEM_CONTAINS:
        return in->in_a ? "not in" : "in";
    case SEM_IS:
        return in->in_a ? "is not" : "is";
    case SEM_COPY: case SEM_SWAP: case SEM_ROT: case SEM_CALL: case SEM_BUILD: case SEM_UNPACK:
    case SEM_BUILD_SLICE:
        snprintf(buf, size, "%d", in->in_a);
        return buf;
    default:
        return NULL;
    }
}
