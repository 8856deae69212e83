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

/* Pre-3.9 COMPARE_OP also encoded in / not in / is / is not / exception match. */
static void compare_kind(bc_instr *in, int64_t k)
{
    switch (k) {
    case 6: in->in_sem = SEM_CONTAINS; in->in_a = 0; break;
    case 7: in->in_sem = SEM_CONTAINS; in->in_a = 1; break;
    case 8: in->in_sem = SEM_IS; in->in_a = 0; break;
    case 9: in->in_sem = SEM_IS; in->in_a = 1; break;
    case 10: in->in_sem = SEM_EXC_MATCH; in->in_a = 0; break;
    default: in->in_a = (int32_t)k; break;
    }
}

int bc_neutral(bc_code *bc, const pyc_code *c, const char *name, diag_ctx *d)
{
    uint32_t i;
    for (i = 0; i < bc->bc_ninstrs; i++) {
        bc_instr *in = &bc->bc_instrs[i];
        const op_info *oi = &bc->bc_ver->ov_ops[in->in_opcode];
        int64_t arg = in->in_hasarg ? in->in_arg : 0;
        int sub = oi->oi_sub;

        if (oi->oi_flags & OPF_NAME) {
            int64_t k = arg >> oi->oi_argshift;
            if (!in_range(k, c->co_names->u.o_seq.n))
                return bad_arg(d, name, c, in, "name");
            in->in_a = (int32_t)k;
            in->in_b = (int32_t)(arg & ((1 << oi->oi_argshift) - 1));
        } else if (oi->oi_flags & OPF_PAIR) {
            if (!in_range(arg >> 4, c->co_nlocalnames) || !in_range(arg & 15, c->co_nlocalnames))
                return bad_arg(d, name, c, in, "local variable");
            in->in_a = (int32_t)(arg >> 4);
            in->in_b = (int32_t)(arg & 15);
        } else if (oi->oi_flags & OPF_LOCAL) {
            if (!in_range(arg, c->co_nlocalnames))
                return bad_arg(d, name, c, in, "local variable");
            in->in_a = (int32_t)arg;
        } else if (oi->oi_flags & OPF_FREE) {
            if (!in_range(arg, c->co_nderefnames))
                return bad_arg(d, name, c, in, "cell variable");
            in->in_a = (int32_t)arg;
        } else if (oi->oi_flags & OPF_CONST) {
            if (!in_range(arg, c->co_consts->u.o_seq.n))
                return bad_arg(d, name, c, in, "constant");
            in->in_a = (int32_t)arg;
        } else if (oi->oi_flags & OPF_COMPARE) {
            compare_kind(in, arg >> oi->oi_argshift);
        } else {
            in->in_a = (int32_t)(arg > INT32_MAX ? INT32_MAX : arg < INT32_MIN ? INT32_MIN : arg);
        }

        switch (in->in_sem) {
        case SEM_BINARY:
            if (sub >= 0)
                in->in_a = sub;
            if (in->in_a == BINOP_SUBSCR)
                in->in_sem = SEM_SUBSCR;
            else if (in->in_a < 0 || in->in_a >= BINOP_SUBSCR)
                return bad_arg(d, name, c, in, "binary operator");
            break;
        case SEM_UNARY:
            in->in_a = sub;
            break;
        case SEM_JUMP_IF:
            /* sub = condition, + 4 when the tested value stays on the stack on the jump edge */
            in->in_a = sub & 3;
            in->in_b = (sub >> 2) & 1;
            break;
        case SEM_CALL:
            in->in_b = sub > 0 ? sub : 0;
            break;
        case SEM_CALL_EX:
            in->in_a = (int32_t)(arg & 1);
            break;
        case SEM_ROT:
        case SEM_COPY:
            if (sub >= 0)
                in->in_a = sub;
            break;
        case SEM_BUILD:
            in->in_b = sub;
            break;
        case SEM_LOAD_ATTR:
            /* LOAD_METHOD (3.7-3.11) is the method form by its opcode, LOAD_ATTR 3.12+ by bit 0 */
            if (sub > 0)
                in->in_b = sub;
            break;
        default:
            break;
        }
    }
    return G_OK;
}
