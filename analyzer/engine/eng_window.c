/* A finding's window as edges: the control-flow edges on a path from the read (or check) to the
 * write, and which of them a GIL build of the bytecode's version can switch threads on. */
#include "engine.h"

#include <string.h>

#include "../common/err.h"

int eng_window_edges(eng_wedge **out, uint32_t *n, const bc_code *bc, uint32_t first,
                     uint32_t last, arena *a)
{
    int32_t lo = bc_index_at(bc, first), hi = bc_index_at(bc, last);
    uint32_t span, i, k, cnt = 0, *stack, sp;
    uint8_t *fwd, *bwd;
    eng_wedge *edges;
    *out = NULL;
    *n = 0;
    if (lo < 0 || hi < 0 || lo >= hi)
        return G_EBAD;
    span = (uint32_t)(hi - lo) + 1;
    fwd = arena_alloc(a, span);
    bwd = arena_alloc(a, span);
    stack = arena_array(a, span, sizeof *stack);
    edges = arena_array(a, 3 * (size_t)span, sizeof *edges);
    if (!fwd || !bwd || !stack || !edges)
        return G_ENOMEM;
    memset(fwd, 0, span);
    memset(bwd, 0, span);
    /* forward from the read, inside [lo, hi] and not through the write */
    sp = 0;
    stack[sp++] = 0;
    fwd[0] = 1;
    while (sp) {
        uint32_t u = stack[--sp];
        int e;
        if (u == span - 1)
            continue;
        for (e = BC_EDGE_NEXT; e <= BC_EDGE_RAISE; e++) {
            int32_t t = bc_edge_target(bc, (uint32_t)lo + u, (bc_edge)e);
            if (t < lo || t > hi || fwd[t - lo])
                continue;
            fwd[t - lo] = 1;
            stack[sp++] = (uint32_t)(t - lo);
        }
    }
    /* backward from the write: repeat until nothing changes (windows are short) */
    bwd[span - 1] = 1;
    for (k = 1; k;) {
        k = 0;
        for (i = span - 1; i-- > 0;) {
            int e;
            if (bwd[i] || !fwd[i])
                continue;
            for (e = BC_EDGE_NEXT; e <= BC_EDGE_RAISE; e++) {
                int32_t t = bc_edge_target(bc, (uint32_t)lo + i, (bc_edge)e);
                if (t >= lo && t <= hi && bwd[t - lo]) {
                    bwd[i] = 1;
                    k = 1;
                    break;
                }
            }
        }
    }
    for (i = 0; i + 1 < span; i++) {
        int e;
        if (!fwd[i] || !bwd[i])
            continue;
        for (e = BC_EDGE_NEXT; e <= BC_EDGE_RAISE; e++) {
            int32_t t = bc_edge_target(bc, (uint32_t)lo + i, (bc_edge)e);
            eng_wedge *w;
            if (t < lo || t > hi || !fwd[t - lo] || !bwd[t - lo])
                continue;
            if (e == BC_EDGE_JUMP && t == lo + (int32_t)i + 1 &&
                bc_edge_target(bc, (uint32_t)lo + i, BC_EDGE_NEXT) == t)
                continue;          /* a jump to the next instruction: one edge */
            w = &edges[cnt++];
            w->we_from = bc->bc_instrs[lo + i].in_offset;
            w->we_to = bc->bc_instrs[t].in_offset;
            w->we_edge = (uint8_t)e;
            w->we_switch = (uint8_t)bc_switch_on_edge(bc, (uint32_t)lo + i, (bc_edge)e);
        }
    }
    *out = edges;
    *n = cnt;
    return G_OK;
}

int eng_window_fill(finding *f, const bc_code *bc, arena *a)
{
    eng_wedge *w;
    uint32_t n, i, k;
    int rc;
    f->f_switch = NULL;
    f->f_nswitch = 0;
    if (f->f_first >= f->f_last)
        return G_OK;
    if ((rc = eng_window_edges(&w, &n, bc, f->f_first, f->f_last, a)))
        return rc == G_EBAD ? G_OK : rc;
    if (!(f->f_switch = arena_array(a, n + 1, sizeof *f->f_switch)))
        return G_ENOMEM;
    for (i = 0; i < n; i++) {
        uint32_t at = f->f_nswitch;
        if (!w[i].we_switch)
            continue;
        for (k = 0; k < f->f_nswitch && f->f_switch[k] != w[i].we_from; k++)
            ;
        if (k < f->f_nswitch)
            continue;
        while (at > 0 && f->f_switch[at - 1] > w[i].we_from) {   /* keep them sorted */
            f->f_switch[at] = f->f_switch[at - 1];
            at--;
        }
        f->f_switch[at] = w[i].we_from;
        f->f_nswitch++;
    }
    return G_OK;
}
