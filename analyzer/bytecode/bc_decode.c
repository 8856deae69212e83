/* Instruction decoding: code units to instructions exactly as dis.get_instructions sees them. */
#include "bytecode.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
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
 * skipping inline caches, and resolves jump targets in the same pass.  Malformed units are
 * reported before any jump out of range (the first one), as when jumps were a pass of their own.
 * in_sem, in_a and in_b are left to bc_neutral; in_line and in_pos to bc_lines. */
static int split_units(bc_code *bc, const pyc_code *c, arena *a, const char *name, diag_ctx *d)
{
    const op_version *v = bc->bc_ver;
    const op_info *ops = v->ov_ops;
    const uint8_t *code = (const uint8_t *)c->co_code->u.o_str.s;
    const uint32_t nunits = c->co_code->u.o_str.len / 2, len = c->co_code->u.o_str.len;
    const int extended_arg = v->ov_extended_arg;
    const int arg_signed = (v->ov_flags & VF_ARG_SIGNED) != 0;
    const int extarg_reset = (v->ov_flags & VF_EXTARG_RESET) != 0;
    uint32_t i, n = 0, bad_jump = UINT32_MAX, cap, ncache;
    int64_t ext = 0;
    int32_t *at;
    bc_instr *ins, *in;

    /* one instruction per unit at most; the unused end (the inline caches' share) is given back
     * below */
    cap = nunits ? nunits : 1;
    bc->bc_nunits = nunits;
    bc->bc_at = at = arena_array(a, cap, sizeof *bc->bc_at);
    ins = arena_array(a, cap, sizeof *ins);
    if (!at || !ins)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    /* -1 everywhere (the cache units); instruction starts are overwritten below */
    memset(at, 0xff, (size_t)nunits * sizeof *at);

    for (i = 0, in = ins; i < nunits; i += 1 + ncache, in++) {
        const uint8_t op = code[2 * i];
        const op_info *oi = &ops[op];
        const unsigned flags = oi->oi_flags;
        int64_t arg = 0;
        ncache = oi->oi_caches;
        if (!oi->oi_name)
            return bad_code(d, name, c, 2 * i, "unknown or specialized opcode");
        if (flags & OPF_HASARG) {
            /* Python ints: a negative accumulator ORs like two's complement, as here. */
            arg = (int64_t)code[2 * i + 1] | ext;
            if (ext && (arg > INT32_MAX || arg < INT32_MIN))
                return bad_code(d, name, c, 2 * i, "argument out of range (too many EXTENDED_ARG)");
            ext = 0;
            if (op == extended_arg) {
                ext = (int64_t)((uint64_t)arg << 8);
                if (arg_signed && ext >= 0x80000000LL)
                    ext -= 0x100000000LL;
            }
        } else if (extarg_reset) {
            ext = 0;
        }
        if (ncache >= nunits - i)
            return bad_code(d, name, c, 2 * i, "inline caches run past the end of the code");
        at[i] = (int32_t)n++;
        in->in_offset = 2 * i;
        in->in_arg = (int32_t)arg;
        in->in_target = -1;
        in->in_flags = flags;
        in->in_opcode = op;
        in->in_hasarg = (flags & OPF_HASARG) != 0;
        in->in_ncache = (uint8_t)ncache;
        if (flags & OPF_JUMP) {
            int64_t t = (flags & OPF_JREL ? (int64_t)(2 * i) : 0) +
                        (int64_t)oi->oi_jscale * (int32_t)arg + oi->oi_jbias;
            if (t >= 0 && t < (int64_t)len && !(t & 1))
                in->in_target = (int32_t)t;
            else if (bad_jump == UINT32_MAX)
                bad_jump = (uint32_t)(in - ins);
        }
    }
    arena_shrink(a, ins, (size_t)cap * sizeof *ins, (size_t)(n ? n : 1) * sizeof *ins);
    bc->bc_instrs = ins;
    bc->bc_ninstrs = n;
    if (bad_jump != UINT32_MAX)
        return bad_code(d, name, c, ins[bad_jump].in_offset, "jump target out of range");
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
    if ((rc = split_units(out, c, a, name, d)) || (rc = bc_lines(out, c, v->ov_flags, a, name, d)) ||
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

static int by_src(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const bc_src_index *)x)->si_src;
    uintptr_t b = (uintptr_t)((const bc_src_index *)y)->si_src;
    return a < b ? -1 : a > b;
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
    if (!(bf->bf_by_src = arena_array(f->f_arena, w.w_n + 1, sizeof *bf->bf_by_src)))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    {
        uint32_t i;
        for (i = 0; i < w.w_n; i++) {
            bf->bf_by_src[i].si_src = w.w_codes[i].bc_src;
            bf->bf_by_src[i].si_index = i;
        }
        qsort(bf->bf_by_src, w.w_n, sizeof *bf->bf_by_src, by_src);
    }
    *out = bf;
    return G_OK;
}

int32_t bc_code_index(const bc_file *bf, const pyc_code *co)
{
    uint32_t lo = 0, hi = bf->bf_ncodes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const pyc_code *at = bf->bf_by_src[mid].si_src;
        if (at == co)
            return (int32_t)bf->bf_by_src[mid].si_index;
        if ((uintptr_t)at < (uintptr_t)co)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/***** lookups *****/

static const pyc_obj *seq_at(const pyc_obj *t, int32_t i)
{
    return t && i >= 0 && (uint32_t)i < t->u.o_seq.n ? t->u.o_seq.items[i] : NULL;
}

const pyc_obj *bc_name(const bc_code *bc, int32_t i) { return seq_at(bc->bc_src->co_names, i); }
const pyc_obj *bc_const(const bc_code *bc, int32_t i) { return seq_at(bc->bc_src->co_consts, i); }

int bc_const_falsy(const bc_code *bc, int32_t i)
{
    const pyc_obj *o = bc_const(bc, i);
    if (!o)
        return 0;
    switch (o->o_kind) {
    case PYC_NONE: return BC_NONE;
    case PYC_FALSE: return BC_FALSY;
    case PYC_INT: return o->u.o_int == 0 ? BC_FALSY : 0;
    case PYC_STR: case PYC_BYTES: return o->u.o_str.len == 0 ? BC_FALSY : 0;
    case PYC_TUPLE: case PYC_FROZENSET: return o->u.o_seq.n == 0 ? BC_FALSY : 0;
    default: return 0;
    }
}

uint32_t bc_const_none_tail(const bc_code *bc, int32_t i)
{
    const pyc_obj *o = bc_const(bc, i);
    uint32_t n, j, bits = 0;
    if (!o || o->o_kind != PYC_TUPLE)
        return 0;
    n = o->u.o_seq.n;
    for (j = 0; j < n && j < 32; j++) {
        const pyc_obj *item = o->u.o_seq.items[n - 1 - j];
        if (item && item->o_kind == PYC_NONE)
            bits |= 1u << j;
    }
    return bits;
}

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

int bc_stack_effect(const bc_code *bc, const bc_instr *in, int jump)
{
    const op_info *oi = &bc->bc_ver->ov_ops[in->in_opcode];
    int64_t arg = in->in_hasarg ? in->in_arg : 0, e;
    /* 3.11 splits a call in PRECALL (-argc) and CALL (-1); count the pair at the CALL */
    if (in->in_sem == SEM_PRECALL)
        return 0;
    if (in->in_sem == SEM_CALL && in > bc->bc_instrs && in[-1].in_sem == SEM_PRECALL) {
        const bc_instr *pre = &in[-1];
        const op_info *po = &bc->bc_ver->ov_ops[pre->in_opcode];
        e = po->oi_se_base + (int64_t)po->oi_se_arg * (pre->in_hasarg ? pre->in_arg : 0);
        e += oi->oi_se_base + (int64_t)oi->oi_se_arg * arg;
        return (int)e;
    }
    if (oi->oi_sem == SEM_OTHER && oi->oi_se_table && !strcmp(oi->oi_name, "UNPACK_EX"))
        e = (arg & 0xff) + (arg >> 8);  /* pops 1, pushes before + 1 + after */
    else if (oi->oi_se_table)
        e = oi->oi_se_table[arg & 15];
    else
        e = oi->oi_se_base + (int64_t)oi->oi_se_arg * arg;
    if (jump)
        e += oi->oi_se_jump;
    return e < -100000 ? -100000 : e > 100000 ? 100000 : (int)e;
}

const char *bc_opname(const bc_code *bc, const bc_instr *in)
{
    return bc->bc_ver->ov_ops[in->in_opcode].oi_name;
}

int bc_const_key(const bc_code *bc, int32_t i, char *buf, size_t size)
{
    const pyc_obj *o = bc_const(bc, i);
    int n;
    if (!o || !size)
        return -1;
    switch (o->o_kind) {
    case PYC_NONE: n = snprintf(buf, size, "None"); break;
    case PYC_TRUE: n = snprintf(buf, size, "True"); break;
    case PYC_FALSE: n = snprintf(buf, size, "False"); break;
    case PYC_INT: n = snprintf(buf, size, "i:%lld", (long long)o->u.o_int); break;
    case PYC_STR: case PYC_BYTES:
        if (memchr(o->u.o_str.s, 0, o->u.o_str.len))
            return -1;
        n = snprintf(buf, size, "%c:%.*s", o->o_kind == PYC_STR ? 's' : 'b',
                     (int)o->u.o_str.len, o->u.o_str.s);
        break;
    default: return -1;
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int bc_loads_assertion_error(const bc_code *bc, uint32_t i)
{
    const bc_instr *in;
    const pyc_obj *name;
    if (i >= bc->bc_ninstrs)
        return 0;
    in = &bc->bc_instrs[i];
    if (!strcmp(bc_opname(bc, in), "LOAD_ASSERTION_ERROR"))     /* 3.9+ */
        return 1;
    name = in->in_sem == SEM_LOAD_GLOBAL ? bc_name(bc, in->in_a) : NULL;   /* 3.6-3.8 */
    return name && name->o_kind == PYC_STR && name->u.o_str.len == 14 &&
           !memcmp(name->u.o_str.s, "AssertionError", 14);
}
