/* The 3.11+ exception table: (start, length, target, depth<<1|lasti) entries in code units. */
#include "bytecode.h"

#include <string.h>

#include "../common/err.h"

typedef struct ex_reader {
    const uint8_t *x_p;
    const uint8_t *x_end;
} ex_reader;

/* A big-endian 6-bit varint (0x40 = more follows).  Returns -1 when the table ends inside it
 * or the value does not fit. */
static int64_t ex_varint(ex_reader *x)
{
    int64_t val;
    uint8_t b;
    if (x->x_p >= x->x_end)
        return -1;
    b = *x->x_p++;
    val = b & 63;
    while (b & 64) {
        if (x->x_p >= x->x_end || val > (INT32_MAX >> 6))
            return -1;
        b = *x->x_p++;
        val = val << 6 | (b & 63);
    }
    return val;
}

int bc_exctable(bc_code *bc, const pyc_code *c, arena *a, const char *name, diag_ctx *d)
{
    const pyc_obj *t = c->co_exceptiontable;
    const uint8_t *base;
    ex_reader x;
    uint32_t n = 0, cap, len = c->co_code->u.o_str.len;

    if (!t || t->u.o_str.len == 0)
        return G_OK;
    base = (const uint8_t *)t->u.o_str.s;
    x.x_p = base;
    x.x_end = base + t->u.o_str.len;
    cap = t->u.o_str.len / 4 + 1;  /* every entry takes at least four bytes */
    bc->bc_handlers = arena_array(a, cap, sizeof *bc->bc_handlers);
    if (!bc->bc_handlers)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");

    while (x.x_p < x.x_end) {
        const uint8_t *entry = x.x_p;
        int64_t start = ex_varint(&x), size = ex_varint(&x), target = ex_varint(&x),
                dl = ex_varint(&x);
        long off = (long)t->o_offset + 5 + (long)(entry - base);
        bc_handler *h;
        if (!(*entry & 0x80))
            return diag_add(d, G_EBAD, name, off,
                            "bad exception table at offset %ld (entry without its start bit)", off);
        if (start < 0 || size < 0 || target < 0 || dl < 0)
            return diag_add(d, G_EBAD, name, off,
                            "bad exception table at offset %ld (truncated entry)", off);
        if ((start + size) * 2 > len || target * 2 >= len)
            return diag_add(d, G_EBAD, name, off,
                            "bad exception table at offset %ld (offsets outside the code)", off);
        h = &bc->bc_handlers[n++];
        h->h_start = (uint32_t)start * 2;
        h->h_end = (uint32_t)(start + size) * 2;
        h->h_target = (uint32_t)target * 2;
        h->h_depth = (uint32_t)(dl >> 1);
        h->h_lasti = (uint8_t)(dl & 1);
    }
    bc->bc_nhandlers = n;
    return G_OK;
}
