/* The one view of an instruction the front ends show: its argument in words, what it does to
 * state other threads can see (its access kind), its version-neutral kind and where a GIL build
 * can switch after it.  dis, explain, the hover, the HTML report and the interleavings all
 * render from here. */
#include "bytecode.h"

#include <stdio.h>

static const char *const cmp_names[] = { "<", "<=", "==", "!=", ">", ">=" };
static const char *const binop_names[] = {
    "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^",
    "+=", "&=", "//=", "<<=", "@=", "*=", "%=", "|=", "**=", ">>=", "-=", "/=", "^=",
};

static void put_name(strbuf *sb, const pyc_obj *o)
{
    if (o && o->o_kind == PYC_STR)
        sb_putn(sb, o->u.o_str.s, o->u.o_str.len);
}

/* The meaning of an instruction's argument as CPython's dis prints it in parentheses. */
static void argtext_dis(strbuf *sb, const bc_code *bc, const bc_instr *in)
{
    const pyc_obj *o = NULL;
    if (!in->in_hasarg)
        return;
    if (in->in_flags & OPF_JUMP) {
        sb_printf(sb, "to %d", in->in_target);
        return;
    }
    switch (in->in_sem) {
    case SEM_CONTAINS: sb_puts(sb, in->in_a ? "not in" : "in"); return;
    case SEM_IS: sb_puts(sb, in->in_a ? "is not" : "is"); return;
    case SEM_EXC_MATCH: sb_puts(sb, "exception match"); return;
    case SEM_COMPARE:
        if (in->in_a >= 0 && in->in_a < 6)
            sb_puts(sb, cmp_names[in->in_a]);
        return;
    case SEM_BINARY:
        if (in->in_a >= 0 && in->in_a < 26)
            sb_puts(sb, binop_names[in->in_a]);
        return;
    case SEM_SUBSCR: sb_puts(sb, "[]"); return;
    default: break;
    }
    if (in->in_flags & OPF_CONST) {
        pyc_repr(sb, bc_const(bc, in->in_a), 60);
        return;
    }
    if (in->in_flags & OPF_PAIR) {
        const pyc_obj *x = bc_local(bc, in->in_a), *y = bc_local(bc, in->in_b);
        put_name(sb, x);
        sb_puts(sb, ", ");
        put_name(sb, y);
        return;
    }
    if (in->in_flags & OPF_NAME)
        o = bc_name(bc, in->in_a);
    else if (in->in_flags & OPF_LOCAL)
        o = bc_local(bc, in->in_a);
    else if (in->in_flags & OPF_FREE)
        o = bc_deref(bc, in->in_a);
    if (o) {
        if ((in->in_sem == SEM_LOAD_ATTR && in->in_b))
            sb_puts(sb, "NULL|self + ");
        if (in->in_sem == SEM_LOAD_GLOBAL && (in->in_b & 3) == 3)
            sb_puts(sb, "NULL + ");
        put_name(sb, o);
        if (in->in_sem == SEM_LOAD_GLOBAL && (in->in_b & 3) == 1)
            sb_puts(sb, " + NULL");
    }
}

/* The argument's plain value, by the instruction's version-neutral kind. */
static void argtext_value(strbuf *sb, const bc_code *bc, const bc_instr *in)
{
    switch (in->in_sem) {
    case SEM_LOAD_GLOBAL: case SEM_STORE_GLOBAL: case SEM_DELETE_GLOBAL: case SEM_LOAD_NAME:
    case SEM_STORE_NAME: case SEM_DELETE_NAME: case SEM_LOAD_ATTR: case SEM_STORE_ATTR:
    case SEM_DELETE_ATTR: case SEM_IMPORT_NAME: case SEM_IMPORT_FROM: case SEM_LOAD_SUPER_ATTR:
        put_name(sb, bc_name(bc, in->in_a));
        return;
    case SEM_LOAD_FAST: case SEM_STORE_FAST: case SEM_DELETE_FAST:
        put_name(sb, bc_local(bc, in->in_a));
        return;
    case SEM_LOAD_DEREF: case SEM_STORE_DEREF: case SEM_DELETE_DEREF: case SEM_LOAD_CLOSURE:
        put_name(sb, bc_deref(bc, in->in_a));
        return;
    case SEM_LOAD_CONST: case SEM_RETURN_CONST:
        pyc_repr(sb, bc_const(bc, in->in_a), 60);
        return;
    case SEM_LOAD_INT:
        sb_printf(sb, "%d", in->in_a);
        return;
    case SEM_BINARY:
        if (in->in_a >= 0 && in->in_a < 26)
            sb_puts(sb, binop_names[in->in_a]);
        return;
    case SEM_COMPARE:
        if (in->in_a >= 0 && in->in_a < 6)
            sb_puts(sb, cmp_names[in->in_a]);
        return;
    case SEM_CONTAINS:
        sb_puts(sb, in->in_a ? "not in" : "in");
        return;
    case SEM_IS:
        sb_puts(sb, in->in_a ? "is not" : "is");
        return;
    case SEM_COPY: case SEM_SWAP: case SEM_ROT: case SEM_CALL: case SEM_BUILD: case SEM_UNPACK:
    case SEM_BUILD_SLICE:
        sb_printf(sb, "%d", in->in_a);
        return;
    default:
        return;
    }
}

void bc_argtext(strbuf *sb, const bc_code *bc, const bc_instr *in, bc_argstyle style)
{
    if (style == BC_ARG_DIS)
        argtext_dis(sb, bc, in);
    else
        argtext_value(sb, bc, in);
}

bc_access bc_access_of(const bc_instr *in)
{
    switch (in->in_sem) {
    case SEM_LOAD_GLOBAL: case SEM_LOAD_NAME: case SEM_LOAD_DEREF: case SEM_LOAD_ATTR:
    case SEM_LOAD_SUPER_ATTR: case SEM_SUBSCR: case SEM_SLICE:
        return BC_ACC_READ;
    case SEM_STORE_GLOBAL: case SEM_STORE_NAME: case SEM_STORE_DEREF: case SEM_STORE_ATTR:
    case SEM_STORE_SUBSCR: case SEM_STORE_SLICE:
        return BC_ACC_WRITE;
    case SEM_DELETE_GLOBAL: case SEM_DELETE_NAME: case SEM_DELETE_DEREF: case SEM_DELETE_ATTR:
    case SEM_DELETE_SUBSCR:
        return BC_ACC_DELETE;
    case SEM_CONTAINS:
        return BC_ACC_TEST;
    case SEM_CALL: case SEM_CALL_EX:
        return BC_ACC_CALL;
    default:
        return BC_ACC_NONE;
    }
}

const char *bc_access_words(const bc_instr *in)
{
    /* [access][what]: what = global, closure cell, attribute, item, slice */
    static const char *const words[4][5] = {
        { "reads a global", "reads a closure cell", "reads an attribute", "reads an item",
          "reads a slice" },
        { "writes a global", "writes a closure cell", "writes an attribute", "writes an item",
          "writes a slice" },
        { "deletes a global", "deletes a closure cell", "deletes an attribute",
          "deletes an item", "deletes a slice" },
    };
    int what;
    bc_access acc = bc_access_of(in);
    if (acc == BC_ACC_TEST)
        return "tests membership";
    if (acc == BC_ACC_CALL)
        return "calls (the callee may read or write shared state)";
    if (acc == BC_ACC_NONE)
        return NULL;
    switch (in->in_sem) {
    case SEM_LOAD_GLOBAL: case SEM_STORE_GLOBAL: case SEM_DELETE_GLOBAL:
    case SEM_LOAD_NAME: case SEM_STORE_NAME: case SEM_DELETE_NAME:
        what = 0;
        break;
    case SEM_LOAD_DEREF: case SEM_STORE_DEREF: case SEM_DELETE_DEREF:
        what = 1;
        break;
    case SEM_LOAD_ATTR: case SEM_LOAD_SUPER_ATTR: case SEM_STORE_ATTR: case SEM_DELETE_ATTR:
        what = 2;
        break;
    case SEM_SLICE: case SEM_STORE_SLICE:
        what = 4;
        break;
    default:
        what = 3;
        break;
    }
    return words[acc - BC_ACC_READ][what];
}

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

const char *bc_sem_name(int sem)
{
    return sem >= 0 && sem < SEM_COUNT_ && sem_names[sem] ? sem_names[sem] : "other";
}

void bc_switch_words(strbuf *sb, const bc_code *bc, uint32_t i)
{
    int e, n = 0;
    if (bc_runs_code(bc, i)) {
        sb_puts(sb, "runs code");
        return;
    }
    for (e = BC_EDGE_NEXT; e <= BC_EDGE_RAISE; e++) {
        if (!bc_switch_on_edge(bc, i, (bc_edge)e))
            continue;
        sb_puts(sb, n++ ? "+" : "");
        sb_puts(sb, bc_edge_name((bc_edge)e));
    }
}
