/* Line numbers and source positions: 3.6-3.9 co_lnotab, 3.10 co_linetable, 3.11+ location table. */
#include "bytecode.h"

#include <string.h>

#include "../common/err.h"

static int bad_table(diag_ctx *d, const char *name, const pyc_code *c, uint32_t at,
                     const char *why)
{
    long off = (long)c->co_linetable->o_offset + 5 + (long)at;
    return diag_add(d, G_EBAD, name, off, "bad line table at offset %ld (%s in %.*s)", off, why,
                    (int)c->co_name->u.o_str.len, c->co_name->u.o_str.s);
}

/* Where no table gives a position: CPython reports None in every field. */
static const bc_pos no_pos = { -1, -1, -1, -1 };

/* Gives the instructions from index k on whose offset is below `end` the line `line` (-1: none)
 * and the span *pos; returns the index of the first instruction left.  The tables describe
 * consecutive ranges from offset 0 and instructions are sorted by offset, so a cursor suffices:
 * every instruction before a range's start was covered by the ranges before it. */
static uint32_t assign(bc_instr *ins, uint32_t k, uint32_t n, uint32_t end, int32_t line,
                       const bc_pos *pos)
{
    for (; k < n && ins[k].in_offset < end; k++) {
        ins[k].in_line = line;
        ins[k].in_pos = *pos;
    }
    return k;
}

/* ≤3.9: dis.findlinestarts over (byte delta u8, line delta i8) pairs; an instruction's line is
 * that of the last start at or before it.  Returns the number of instructions given a line (all
 * of them). */
static uint32_t lines_lnotab(bc_code *bc, const pyc_code *c)
{
    const uint8_t *t = (const uint8_t *)c->co_linetable->u.o_str.s;
    uint32_t n = c->co_linetable->u.o_str.len / 2, i, k = 0;
    int64_t line = c->co_firstlineno, last = INT64_MIN;
    uint32_t addr = 0;
    int32_t cur = -1;

    for (i = 0; i < n; i++) {
        uint8_t byte_incr = t[2 * i];
        int8_t line_incr = (int8_t)t[2 * i + 1];
        if (byte_incr) {
            if (line != last) {
                /* start (addr, line): instructions before addr keep the previous line */
                k = assign(bc->bc_instrs, k, bc->bc_ninstrs, addr, cur, &no_pos);
                cur = (int32_t)line;
                last = line;
            }
            addr += byte_incr;
        }
        line += line_incr;
    }
    if (line != last) {
        k = assign(bc->bc_instrs, k, bc->bc_ninstrs, addr, cur, &no_pos);
        cur = (int32_t)line;
    }
    return assign(bc->bc_instrs, k, bc->bc_ninstrs, UINT32_MAX, cur, &no_pos);
}

/* 3.10: PEP 626 (byte delta u8, line delta i8) pairs; delta -128 means no line.  Returns the
 * number of instructions the table covers. */
static uint32_t lines_310(bc_code *bc, const pyc_code *c)
{
    const uint8_t *t = (const uint8_t *)c->co_linetable->u.o_str.s;
    uint32_t n = c->co_linetable->u.o_str.len / 2, i, k = 0;
    int64_t computed = c->co_firstlineno;
    uint32_t start, end = 0;

    for (i = 0; i < n; i++) {
        int8_t ldelta = (int8_t)t[2 * i + 1];
        int32_t line;
        start = end;
        end += t[2 * i];
        if (ldelta == -128) {
            line = -1;
        } else {
            computed += ldelta;
            line = (int32_t)computed;
        }
        if (start != end)
            k = assign(bc->bc_instrs, k, bc->bc_ninstrs, end, line, &no_pos);
    }
    return k;
}

/* 3.11+ location table reader: a bounded cursor; a read past the end sets l_bad and gives 0. */
typedef struct loc {
    const uint8_t *l_p;
    const uint8_t *l_end;
    int l_bad;          /* a field ran past the end of the table */
} loc;

static inline uint32_t loc_byte(loc *l)
{
    if (l->l_p >= l->l_end) {
        l->l_bad = 1;
        return 0;
    }
    return *l->l_p++;
}

static inline uint32_t loc_varint(loc *l)
{
    uint32_t b = loc_byte(l), val = b & 63, shift = 0;
    while ((b & 64) && !l->l_bad) {
        b = loc_byte(l);
        shift += 6;
        if (shift > 30) {
            l->l_bad = 1;
            return 0;
        }
        val |= (b & 63) << shift;
    }
    return val;
}

static inline int32_t loc_svarint(loc *l)
{
    uint32_t u = loc_varint(l);
    return u & 1 ? -(int32_t)(u >> 1) : (int32_t)(u >> 1);
}

/* Returns G_OK or G_EBAD; *out_k is the number of instructions the table covers (0 after a
 * failure).  Most entries are the two-byte short form or the three-byte one-line form, read here
 * without the bounds-checked cursor; the long forms go through it. */
static int lines_loctable(uint32_t *out_k, bc_code *bc, const pyc_code *c, const char *name,
                          diag_ctx *d)
{
    const uint8_t *base = (const uint8_t *)c->co_linetable->u.o_str.s;
    const uint8_t *p = base, *const end = base + c->co_linetable->u.o_str.len;
    int64_t computed = c->co_firstlineno;
    bc_instr *in = bc->bc_instrs, *const in_end = in + bc->bc_ninstrs;
    uint32_t stop = 0;

    *out_k = 0;
    while (p < end) {
        const uint8_t *entry = p;
        const uint32_t first = *p++, code = (first >> 3) & 15;
        int32_t line, end_line, col, end_col;
        if (!(first & 0x80))
            return bad_table(d, name, c, (uint32_t)(entry - base), "entry without its start bit");
        stop += ((first & 7) + 1) * 2;
        if (code < 10) {
            /* short form: line unchanged, column code*8 + high nibble, length in the low one */
            uint32_t second;
            if (p >= end)
                return bad_table(d, name, c, (uint32_t)(entry - base), "truncated entry");
            second = *p++;
            line = end_line = (int32_t)computed;
            col = (int32_t)(code << 3 | second >> 4);
            end_col = col + (int32_t)(second & 15);
        } else if (code < 13) {
            /* one-line form: line + 0..2, start and end columns one byte each */
            if (end - p < 2)
                return bad_table(d, name, c, (uint32_t)(entry - base), "truncated entry");
            computed += code - 10;
            if (computed > INT32_MAX)
                return bad_table(d, name, c, (uint32_t)(entry - base), "line number out of range");
            line = end_line = (int32_t)computed;
            col = p[0];
            end_col = p[1];
            p += 2;
        } else if (code == 15) {
            line = end_line = col = end_col = -1;
        } else {
            loc l = { p, end, 0 };
            computed += loc_svarint(&l);
            line = end_line = (int32_t)computed;
            col = end_col = -1;
            if (code == 14) {
                end_line = (int32_t)(computed + loc_varint(&l));
                col = (int32_t)loc_varint(&l) - 1;
                end_col = (int32_t)loc_varint(&l) - 1;
            }
            if (l.l_bad)
                return bad_table(d, name, c, (uint32_t)(entry - base), "truncated entry");
            if (computed > INT32_MAX || computed < INT32_MIN)
                return bad_table(d, name, c, (uint32_t)(entry - base), "line number out of range");
            p = l.l_p;
        }
        for (; in < in_end && in->in_offset < stop; in++) {
            in->in_line = line;
            in->in_pos.p_line = line;
            in->in_pos.p_end_line = end_line;
            in->in_pos.p_col = col;
            in->in_pos.p_end_col = end_col;
        }
    }
    *out_k = (uint32_t)(in - bc->bc_instrs);
    return G_OK;
}

/* Sets in_line and in_pos of every instruction; those no table covers get -1 (None). */
int bc_lines(bc_code *bc, const pyc_code *c, int flags, arena *a, const char *name, diag_ctx *d)
{
    uint32_t k = 0;
    int rc = G_OK;
    (void)a;
    if (flags & VF_LNOTAB)
        k = lines_lnotab(bc, c);
    else if (flags & VF_LINETABLE)
        k = lines_310(bc, c);
    else if (flags & VF_LOCTABLE)
        rc = lines_loctable(&k, bc, c, name, d);
    assign(bc->bc_instrs, k, bc->bc_ninstrs, UINT32_MAX, -1, &no_pos);
    return rc;
}
