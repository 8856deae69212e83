/* Instruction decoding: code units to instructions exactly as dis.get_instructions sees them. */
#include "bytecode.h"

#include <string.h>

#include "../common/err.h"
#include "op_tables.h"

const op_version *bc_version(int minor)
{
    int i;
    for (i = 0; i < OP_NVERSIONS; i++)
        if (op_versions[i].ov_minor == minor)
            return &op_versions[i];
    return NULL;
}

static int bad_code(diag_ctx *d, const char *name, const pyc_code *c, uint32_t off,
                    const char *why)
{
    /* The offset named is the code unit's file offset: the bytes object's payload starts after
     * its type code and 4-byte length. */
    long at = (long)c->co_code->o_offset + 5 + (long)off;
    return diag_add(d, G_EBAD, name, at, "bad bytecode at offset %ld (%s, instruction %u of %.*s)",
                    at, why, off, (int)c->co_name->u.o_str.len, c->co_name->u.o_str.s);
}

/* Splits the code into instructions, folding EXTENDED_ARG the way this version's dis does and
 * skipping inline caches. */
static int split_units(bc_code *bc, const pyc_code *c, arena *a, const char *name, diag_ctx *d)
{
    const op_version *v = bc->bc_ver;
    const uint8_t *code = (const uint8_t *)c->co_code->u.o_str.s;
    uint32_t nunits = c->co_code->u.o_str.len / 2, i, n = 0;
    int64_t ext = 0;
    bc_instr *ins;

    bc->bc_nunits = nunits;
    bc->bc_at = arena_array(a, nunits ? nunits : 1, sizeof *bc->bc_at);
    ins = arena_array(a, nunits ? nunits : 1, sizeof *ins);
    if (!bc->bc_at || !ins)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");

    for (i = 0; i < nunits; i++) {
        uint8_t op = code[2 * i];
        const op_info *oi = &v->ov_ops[op];
        bc_instr *in = &ins[n];
        uint32_t k;
        if (!oi->oi_name)
            return bad_code(d, name, c, 2 * i, "unknown or specialized opcode");
        in->in_offset = 2 * i;
        in->in_opcode = op;
        in->in_flags = oi->oi_flags;
        in->in_sem = oi->oi_sem;
        in->in_hasarg = 0;
        in->in_arg = 0;
        in->in_a = in->in_b = 0;
        in->in_target = -1;
        in->in_line = -1;
        in->in_pos.p_line = in->in_pos.p_end_line = in->in_pos.p_col = in->in_pos.p_end_col = -1;
        if (oi->oi_flags & OPF_HASARG) {
            /* Python ints: a negative accumulator ORs like two's complement, as here. */
            int64_t arg = (int64_t)code[2 * i + 1] | ext;
            if (arg > INT32_MAX || arg < INT32_MIN)
                return bad_code(d, name, c, 2 * i, "argument out of range (too many EXTENDED_ARG)");
            in->in_hasarg = 1;
            in->in_arg = (int32_t)arg;
            ext = op == v->ov_extended_arg ? (int64_t)((uint64_t)arg << 8) : 0;
            if ((v->ov_flags & VF_ARG_SIGNED) && ext >= 0x80000000LL)
                ext -= 0x100000000LL;
        } else if (v->ov_flags & VF_EXTARG_RESET) {
            ext = 0;
        }
        bc->bc_at[i] = (int32_t)n;
        in->in_ncache = oi->oi_caches;
        if ((uint32_t)oi->oi_caches > nunits - 1 - i)
            return bad_code(d, name, c, 2 * i, "inline caches run past the end of the code");
        for (k = 1; k <= oi->oi_caches; k++)
            bc->bc_at[i + k] = -1;
        i += oi->oi_caches;
        n++;
    }
    bc->bc_instrs = ins;
    bc->bc_ninstrs = n;
    return G_OK;
}

static int resolve_jumps(bc_code *bc, const pyc_code *c, const char *name, diag_ctx *d)
{
    uint32_t i, len = c->co_code->u.o_str.len;
    for (i = 0; i < bc->bc_ninstrs; i++) {
        bc_instr *in = &bc->bc_instrs[i];
        const op_info *oi = &bc->bc_ver->ov_ops[in->in_opcode];
        int64_t t;
        if (!(oi->oi_flags & OPF_JUMP))
            continue;
        t = (oi->oi_flags & OPF_JREL ? (int64_t)in->in_offset : 0) +
            (int64_t)oi->oi_jscale * in->in_arg + oi->oi_jbias;
        if (t < 0 || t >= (int64_t)len || (t & 1))
            return bad_code(d, name, c, in->in_offset, "jump target out of range");
        in->in_target = (int32_t)t;
    }
    return G_OK;
}

int bc_decode(bc_code *out, const pyc_code *c, int minor, arena *a, const char *name,
              diag_ctx *d)
{
    const op_version *v = bc_version(minor);
    int rc;
    memset(out, 0, sizeof *out);
    out->bc_parent = -1;
    if (!v)
        return diag_add(d, G_EVERSION, name, -1, "no opcode table for Python 3.%d", minor);
    out->bc_src = c;
    out->bc_ver = v;
    out->bc_has_positions = (v->ov_flags & VF_LOCTABLE) != 0;
    if ((rc = split_units(out, c, a, name, d)) || (rc = resolve_jumps(out, c, name, d)) ||
        (rc = bc_lines(out, c, v->ov_flags, a, name, d)) ||
        (rc = bc_exctable(out, c, a, name, d)) || (rc = bc_neutral(out, c, name, d)))
        return rc;
    return G_OK;
}

/***** whole files *****/

typedef struct walk {
    const pyc_file *w_pyc;
    bc_code *w_codes;     /* grown by doubling in the arena (old blocks stay until the end) */
    uint32_t w_n;
    uint32_t w_cap;
    const char *w_name;
    diag_ctx *w_diag;
} walk;

static int walk_code(walk *w, const pyc_code *c, int32_t parent, int depth)
{
    uint32_t i, self;
    int rc;
    if (depth > 200)
        return diag_add(w->w_diag, G_EDEPTH, w->w_name, -1, "code objects nested too deeply");
    if (w->w_n == w->w_cap) {
        uint32_t cap = w->w_cap ? w->w_cap * 2 : 16;
        bc_code *grown = arena_array(w->w_pyc->f_arena, cap, sizeof *grown);
        if (!grown)
            return diag_add(w->w_diag, G_ENOMEM, w->w_name, -1, "out of memory");
        if (w->w_n)
            memcpy(grown, w->w_codes, w->w_n * sizeof *grown);
        w->w_codes = grown;
        w->w_cap = cap;
    }
    self = w->w_n++;
    rc = bc_decode(&w->w_codes[self], c, w->w_pyc->f_minor, w->w_pyc->f_arena, w->w_name,
                   w->w_diag);
    if (rc)
        return rc;
    w->w_codes[self].bc_parent = parent;
    for (i = 0; i < c->co_consts->u.o_seq.n; i++) {
        const pyc_obj *k = c->co_consts->u.o_seq.items[i];
        if (k->o_kind == PYC_CODE && (rc = walk_code(w, k->u.o_code, (int32_t)self, depth + 1)))
            return rc;
    }
    return G_OK;
}

int bc_decode_file(bc_file **out, const pyc_file *f, const char *name, diag_ctx *d)
{
    walk w;
    bc_file *bf = arena_alloc(f->f_arena, sizeof *bf);
    int rc;
    *out = NULL;
    if (!bf)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(&w, 0, sizeof w);
    w.w_pyc = f;
    w.w_name = name;
    w.w_diag = d;
    rc = walk_code(&w, f->f_root->u.o_code, -1, 0);
    if (rc)
        return rc;
    bf->bf_pyc = f;
    bf->bf_codes = w.w_codes;
    bf->bf_ncodes = w.w_n;
    *out = bf;
    return G_OK;
}

/***** lookups *****/

static const pyc_obj *seq_at(const pyc_obj *t, int32_t i)
{
    return t && i >= 0 && (uint32_t)i < t->u.o_seq.n ? t->u.o_seq.items[i] : NULL;
}

const pyc_obj *bc_name(const bc_code *bc, int32_t i) { return seq_at(bc->bc_src->co_names, i); }
const pyc_obj *bc_const(const bc_code *bc, int32_t i) { return seq_at(bc->bc_src->co_consts, i); }

const pyc_obj *bc_local(const bc_code *bc, int32_t i)
{
    const pyc_code *c = bc->bc_src;
    return i >= 0 && (uint32_t)i < c->co_nlocalnames ? c->co_localnames[i] : NULL;
}

const pyc_obj *bc_deref(const bc_code *bc, int32_t i)
{
    const pyc_code *c = bc->bc_src;
    return i >= 0 && (uint32_t)i < c->co_nderefnames ? c->co_derefnames[i] : NULL;
}

const char *bc_opname(const bc_code *bc, const bc_instr *in)
{
    return bc->bc_ver->ov_ops[in->in_opcode].oi_name;
}
