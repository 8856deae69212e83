/* Switch points on edges: whether a GIL build of the code's version can hand the GIL to another
 * thread between an instruction and its successor along one edge (next, jump, raise), from the
 * generated OPF_SW_* / VF_SW_* facts (tools/switch_facts.py, docs/switch-points.md). */
#include "bytecode.h"

#include <string.h>

/* Index of the instruction at byte offset off, or -1. */
static int32_t index_at(const bc_code *bc, int64_t off)
{
    int32_t k;
    if (off < 0 || (off & 1) || (uint64_t)off / 2 >= bc->bc_nunits)
        return -1;
    k = bc->bc_at[off / 2];
    return k >= 0 && bc->bc_instrs[k].in_offset == (uint32_t)off ? k : -1;
}

int32_t bc_index_at(const bc_code *bc, int64_t offset)
{
    return index_at(bc, offset);
}

/* Does the value a conditional jump at i tests come straight from an operation that always
 * produces a bool (a comparison, `in`, `is`, `not`, an exception match, TO_BOOL)?  Only when i
 * is reached by falling through from that operation: at a jump target the value may come from
 * elsewhere.  A comparison of objects whose rich comparison returns a non-bool runs through
 * PyObject_IsTrue instead; comparisons are counted as bools (see docs/switch-points.md). */
static int tests_a_bool(const bc_code *bc, uint32_t i)
{
    const bc_instr *p;
    uint32_t k;
    if (i == 0)
        return 0;
    for (k = 0; k < bc->bc_ninstrs; k++)
        if (bc->bc_instrs[k].in_target == (int32_t)bc->bc_instrs[i].in_offset)
            return 0;
    p = &bc->bc_instrs[i - 1];
    switch (p->in_sem) {
    case SEM_COMPARE: case SEM_CONTAINS: case SEM_IS: case SEM_EXC_MATCH: case SEM_TO_BOOL:
        return 1;
    case SEM_UNARY:
        return p->in_a == UNARY_NOT_;
    default:
        return 0;
    }
}

/* Can instruction i raise (so that an exception edge leaves it)?  Conservative: everything but
 * the few instructions that only move values between the stack, locals and constants. */
static int can_raise(const bc_instr *in)
{
    switch (in->in_sem) {
    case SEM_NOP: case SEM_LOAD_CONST: case SEM_LOAD_INT: case SEM_COPY: case SEM_SWAP:
    case SEM_ROT: case SEM_DUP_TWO: case SEM_POP: case SEM_STORE_FAST: case SEM_JUMP:
    case SEM_POP_BLOCK: case SEM_SETUP_HANDLER: case SEM_PUSH_NULL: case SEM_KW_NAMES:
    case SEM_PRECALL: case SEM_JUMP_IF:
        return 0;
    default:
        return 1;
    }
}

static int is_name(const bc_code *bc, const bc_instr *in, const char *name)
{
    const char *n = bc_opname(bc, in);
    return n && !strcmp(n, name);
}

/* A pre-3.11 SETUP_* that installs an exception handler (SETUP_EXCEPT, SETUP_FINALLY,
 * SETUP_WITH, SETUP_ASYNC_WITH), or a block that POP_BLOCK also pops (3.6-3.7 SETUP_LOOP). */
static int pushes_block(const bc_code *bc, const bc_instr *in, int *handler)
{
    *handler = in->in_sem == SEM_SETUP_HANDLER ||
               (in->in_sem == SEM_WITH_ENTER && (in->in_flags & OPF_JUMP));
    return *handler || is_name(bc, in, "SETUP_LOOP");
}

int32_t bc_handler_index(const bc_code *bc, uint32_t i)
{
    const bc_instr *in = &bc->bc_instrs[i];
    uint32_t h, s;
    int32_t best = -1, best_setup = -1;
    if (bc->bc_ver->ov_flags & VF_EXCTABLE) {
        /* 3.11+: the exception table (entries do not overlap) */
        for (h = 0; h < bc->bc_nhandlers; h++)
            if (in->in_offset >= bc->bc_handlers[h].h_start &&
                in->in_offset < bc->bc_handlers[h].h_end)
                return index_at(bc, bc->bc_handlers[h].h_target);
        return -1;
    }
    /* Before 3.11 a SETUP_* protects the instructions after it up to the last POP_BLOCK of its
     * own nesting level before its handler (the compiler lays the body out before the handler;
     * a `return` inside the body pops the block early, hence the last one).  The innermost
     * protecting SETUP is the latest one. */
    for (s = 0; s < i; s++) {
        const bc_instr *st = &bc->bc_instrs[s];
        int32_t target, end = -1;
        uint32_t k;
        int depth = 0, handler;
        if (!pushes_block(bc, st, &handler) || !handler || st->in_target < 0)
            continue;
        target = index_at(bc, st->in_target);
        if (target < 0 || (uint32_t)target <= i)
            continue;
        for (k = s + 1; k < (uint32_t)target; k++) {
            const bc_instr *q = &bc->bc_instrs[k];
            int hh;
            if (pushes_block(bc, q, &hh))
                depth++;
            else if (q->in_sem == SEM_POP_BLOCK && depth-- == 0)
                end = (int32_t)k, depth = 0;
        }
        if (end < 0)
            end = target - 1;      /* the body never falls out of the block (it raises) */
        if (end >= 0 && i <= (uint32_t)end && (int32_t)s > best_setup) {
            best_setup = (int32_t)s;
            best = target;
        }
    }
    return best;
}

/* 3.6-3.7 BREAK_LOOP leaves the loop for the target of the innermost SETUP_LOOP around it. */
static int32_t break_target(const bc_code *bc, uint32_t i)
{
    uint32_t s;
    int32_t best = -1;
    for (s = 0; s < i; s++) {
        const bc_instr *st = &bc->bc_instrs[s];
        int32_t t;
        if (!is_name(bc, st, "SETUP_LOOP") || (t = index_at(bc, st->in_target)) < 0 ||
            (uint32_t)t <= i)
            continue;
        best = t;                  /* later ones are nested deeper */
    }
    return best;
}

int bc_runs_code(const bc_code *bc, uint32_t i)
{
    return (bc->bc_instrs[i].in_flags & OPF_RUNS_CODE) != 0;
}

int32_t bc_edge_target(const bc_code *bc, uint32_t i, bc_edge e)
{
    const bc_instr *in = &bc->bc_instrs[i];
    switch (e) {
    case BC_EDGE_NEXT:
        return !(in->in_flags & OPF_NOFALL) && i + 1 < bc->bc_ninstrs ? (int32_t)i + 1 : -1;
    case BC_EDGE_JUMP:
        if (in->in_target < 0 && is_name(bc, in, "BREAK_LOOP"))
            return break_target(bc, i);
        if (in->in_target < 0 || in->in_sem == SEM_SETUP_HANDLER ||
            (in->in_sem == SEM_WITH_ENTER && (in->in_flags & OPF_JUMP)))
            return -1;
        return index_at(bc, in->in_target);
    case BC_EDGE_RAISE:
        return can_raise(in) ? bc_handler_index(bc, i) : -1;
    }
    return -1;
}

int bc_switch_on_edge(const bc_code *bc, uint32_t i, bc_edge e)
{
    const bc_instr *in = &bc->bc_instrs[i];
    const int vf = bc->bc_ver->ov_flags;
    int32_t to = bc_edge_target(bc, i, e);
    int sw;
    if (to < 0)
        return 0;
    if (in->in_flags & OPF_RUNS_CODE)
        return 1;
    switch (e) {
    case BC_EDGE_NEXT: sw = (in->in_flags & OPF_SW_NEXT) != 0; break;
    case BC_EDGE_JUMP: sw = (in->in_flags & OPF_SW_JUMP) != 0; break;
    default: sw = (vf & VF_SW_HANDLER) != 0; break;
    }
    if (sw && e != BC_EDGE_RAISE && (in->in_flags & OPF_SW_BOOL) && tests_a_bool(bc, i))
        sw = 0;
    if (sw && (in->in_flags & OPF_SW_ARG01) && (in->in_arg & 3) >= 2)
        sw = 0;
    if (sw && (vf & VF_SW_LOOPHEAD) && (bc->bc_instrs[to].in_flags & OPF_SW_SKIP))
        sw = 0;
    return sw;
}

int bc_switch_any(const bc_code *bc, uint32_t i)
{
    return bc_switch_on_edge(bc, i, BC_EDGE_NEXT) || bc_switch_on_edge(bc, i, BC_EDGE_JUMP) ||
           bc_switch_on_edge(bc, i, BC_EDGE_RAISE);
}

const char *bc_edge_name(bc_edge e)
{
    static const char *const names[] = { "next", "jump", "raise" };
    return (unsigned)e < 3 ? names[e] : "?";
}
