/* Version-neutral operands: each instruction's semantic operation and decoded arguments, so that
 * no stage after this one needs to know which Python produced the code. */
#include "bytecode.h"

#include "../common/err.h"

static int bad_arg(diag_ctx *d, const char *name, const pyc_code *c, const bc_instr *in,
                   const char *what)
{
    long at = (long)c->co_code->o_offset + 5 + (long)in->in_offset;
    return diag_add(d, G_EBAD, name, at, "bad bytecode at offset %ld (%s index %d out of range, "
                    "instruction %u of %.*s)", at, what, in->in_arg, in->in_offset,
                    (int)c->co_name->u.o_str.len, c->co_name->u.o_str.s);
}

static int in_range(int64_t i, uint32_t n)
{
    return i >= 0 && i < (int64_t)n;
}

/* Opcode flags whose argument indexes a table or encodes a comparison. */
#define OPF_OPERAND (OPF_NAME | OPF_PAIR | OPF_LOCAL | OPF_FREE | OPF_CONST | OPF_COMPARE)

/* Sets in_sem, in_a and in_b of every instruction from its opcode and argument alone (in_sem
 * starts as the opcode's op_sem, in_b as 0), so a second call gives the same result.  Returns
 * G_OK, or G_EBAD for the first argument that indexes past its table; the instructions after it
 * are left as they were. */
int bc_neutral(bc_code *bc, const pyc_code *c, const char *name, diag_ctx *d)
{
    const op_info *ops = bc->bc_ver->ov_ops;
    const uint32_t nnames = c->co_names->u.o_seq.n, nconsts = c->co_consts->u.o_seq.n;
    const uint32_t nlocals = c->co_nlocalnames, nderefs = c->co_nderefnames;
    bc_instr *in = bc->bc_instrs, *end = in + bc->bc_ninstrs;

    for (; in < end; in++) {
        const op_info *oi = &ops[in->in_opcode];
        const unsigned flags = oi->oi_flags;
        const int64_t arg = in->in_hasarg ? in->in_arg : 0;
        const int sub = oi->oi_sub;
        int sem = oi->oi_sem;
        int32_t a, b = 0;

        if (!(flags & OPF_OPERAND)) {
            a = (int32_t)(arg > INT32_MAX ? INT32_MAX : arg < INT32_MIN ? INT32_MIN : arg);
        } else if (flags & OPF_NAME) {
            int64_t k = arg >> oi->oi_argshift;
            if (!in_range(k, nnames))
                return bad_arg(d, name, c, in, "name");
            a = (int32_t)k;
            b = (int32_t)(arg & ((1 << oi->oi_argshift) - 1));
        } else if (flags & OPF_PAIR) {
            if (!in_range(arg >> 4, nlocals) || !in_range(arg & 15, nlocals))
                return bad_arg(d, name, c, in, "local variable");
            a = (int32_t)(arg >> 4);
            b = (int32_t)(arg & 15);
        } else if (flags & OPF_LOCAL) {
            if (!in_range(arg, nlocals))
                return bad_arg(d, name, c, in, "local variable");
            a = (int32_t)arg;
        } else if (flags & OPF_FREE) {
            if (!in_range(arg, nderefs))
                return bad_arg(d, name, c, in, "cell variable");
            a = (int32_t)arg;
        } else if (flags & OPF_CONST) {
            if (!in_range(arg, nconsts))
                return bad_arg(d, name, c, in, "constant");
            a = (int32_t)arg;
        } else {
            /* OPF_COMPARE.  Pre-3.9 COMPARE_OP also encoded in / not in / is / is not /
             * exception match. */
            int64_t k = arg >> oi->oi_argshift;
            switch (k) {
            case 6: sem = SEM_CONTAINS; a = 0; break;
            case 7: sem = SEM_CONTAINS; a = 1; break;
            case 8: sem = SEM_IS; a = 0; break;
            case 9: sem = SEM_IS; a = 1; break;
            case 10: sem = SEM_EXC_MATCH; a = 0; break;
            default: a = (int32_t)k; break;
            }
        }

        switch (sem) {
        case SEM_BINARY:
            if (sub >= 0)
                a = sub;
            if (a == BINOP_SUBSCR)
                sem = SEM_SUBSCR;
            else if (a < 0 || a >= BINOP_SUBSCR)
                return bad_arg(d, name, c, in, "binary operator");
            break;
        case SEM_UNARY:
            a = sub;
            break;
        case SEM_JUMP_IF:
            /* sub = condition, + 4 when the tested value stays on the stack on the jump edge */
            a = sub & 3;
            b = (sub >> 2) & 1;
            break;
        case SEM_CALL:
            b = sub > 0 ? sub : 0;
            break;
        case SEM_CALL_EX:
            a = (int32_t)(arg & 1);
            break;
        case SEM_ROT:
        case SEM_COPY:
            if (sub >= 0)
                a = sub;
            break;
        case SEM_BUILD:
            b = sub;
            break;
        case SEM_LOAD_GLOBAL:
            /* 3.11-3.12 push the NULL of a call below the global, 3.13+ above it
             * (Python/bytecodes.c: `-- null if (oparg & 1), v` vs `-- res, null if (oparg & 1)`) */
            if (b && bc->bc_ver->ov_minor <= 12)
                b |= 2;
            break;
        case SEM_LOAD_ATTR:
            /* LOAD_METHOD (3.7-3.11) is the method form by its opcode, LOAD_ATTR 3.12+ by bit 0 */
            if (sub > 0)
                b = sub;
            break;
        default:
            break;
        }
        in->in_sem = (uint8_t)sem;
        in->in_a = a;
        in->in_b = b;
    }
    return G_OK;
}
