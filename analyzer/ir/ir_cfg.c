/* Basic blocks of a code object: leaders, normal edges, exception handlers, dominators. */
#include "ir.h"

#include <assert.h>
#include <string.h>

#include "../common/err.h"

#define NONE UINT32_MAX

/* A jump whose target is an exception handler, not a normal successor (pre-3.11 SETUP_*). */
static int is_setup(const bc_instr *in)
{
    return in->in_sem == SEM_SETUP_HANDLER ||
           (in->in_sem == SEM_WITH_ENTER && (in->in_flags & OPF_JUMP));
}

static uint32_t block_at(const ir_func *f, const bc_code *bc, int32_t target)
{
    int32_t k = target >= 0 && (uint32_t)target / 2 < bc->bc_nunits ? bc->bc_at[target / 2] : -1;
    /* a target inside inline caches cannot happen after decoding; be safe anyway */
    return k < 0 ? NONE : f->f_block_of[k];
}

/***** dominators (Cooper, Harvey, Kennedy: "A Simple, Fast Dominance Algorithm") *****/

static uint32_t intersect(const ir_func *f, const uint32_t *rpo_num, uint32_t a, uint32_t b)
{
    while (a != b) {
        while (rpo_num[a] > rpo_num[b])
            a = f->f_blocks[a].b_idom;
        while (rpo_num[b] > rpo_num[a])
            b = f->f_blocks[b].b_idom;
    }
    return a;
}

/* Successors for dominance: normal edges and the handler edge. */
static int succs(const ir_block *b, uint32_t out[3])
{
    int n = 0;
    if (b->b_succ[0] != NONE)
        out[n++] = b->b_succ[0];
    if (b->b_succ[1] != NONE)
        out[n++] = b->b_succ[1];
    if (b->b_handler != NONE)
        out[n++] = b->b_handler;
    return n;
}

static int dominators(ir_func *f, arena *a)
{
    uint32_t n = f->f_nblocks, i, k, nrpo = 0, *rpo, *rpo_num, *stack, *next, sp = 0;
    uint32_t *pstart, *plist, npred = 0;
    uint8_t *seen;
    int changed = 1;
    rpo = arena_array(a, n, sizeof *rpo);
    rpo_num = arena_array(a, n, sizeof *rpo_num);
    stack = arena_array(a, n, sizeof *stack);
    next = arena_array(a, n, sizeof *next);
    pstart = arena_array(a, n + 1, sizeof *pstart);
    plist = arena_array(a, 3 * (size_t)n + 1, sizeof *plist);
    seen = arena_alloc(a, n);
    if (!rpo || !rpo_num || !stack || !next || !seen || !pstart || !plist)
        return G_ENOMEM;
    memset(seen, 0, n);
    memset(next, 0, n * sizeof *next);
    memset(pstart, 0, (n + 1) * sizeof *pstart);
    /* predecessor lists (normal and handler edges), counting sort by target */
    for (i = 0; i < n; i++) {
        uint32_t s[3];
        int ns = succs(&f->f_blocks[i], s), j;
        for (j = 0; j < ns; j++)
            pstart[s[j] + 1]++;
    }
    for (i = 0; i < n; i++)
        pstart[i + 1] += pstart[i];
    for (i = 0; i < n; i++)
        next[i] = pstart[i];
    for (i = 0; i < n; i++) {
        uint32_t s[3];
        int ns = succs(&f->f_blocks[i], s), j;
        for (j = 0; j < ns; j++)
            plist[next[s[j]]++] = i;
        npred += (uint32_t)ns;
    }
    memset(next, 0, n * sizeof *next);
    /* iterative DFS for the post-order */
    stack[sp++] = 0;
    seen[0] = 1;
    while (sp) {
        uint32_t b = stack[sp - 1], s[3];
        int ns = succs(&f->f_blocks[b], s);
        if (next[b] < (uint32_t)ns) {
            uint32_t t = s[next[b]++];
            if (!seen[t]) {
                seen[t] = 1;
                stack[sp++] = t;
            }
        } else {
            rpo[nrpo++] = b;  /* post-order for now */
            sp--;
        }
    }
    for (i = 0; i < nrpo / 2; i++) {
        uint32_t t = rpo[i];
        rpo[i] = rpo[nrpo - 1 - i];
        rpo[nrpo - 1 - i] = t;
    }
    for (i = 0; i < n; i++) {
        rpo_num[i] = NONE;
        f->f_blocks[i].b_idom = NONE;
    }
    for (i = 0; i < nrpo; i++)
        rpo_num[rpo[i]] = i;
    f->f_blocks[0].b_idom = 0;
    while (changed) {
        changed = 0;
        for (i = 1; i < nrpo; i++) {
            uint32_t b = rpo[i], idom = NONE;
            for (k = pstart[b]; k < pstart[b + 1]; k++) {
                uint32_t p = plist[k];
                if (f->f_blocks[p].b_idom == NONE)
                    continue;
                idom = idom == NONE ? p : intersect(f, rpo_num, p, idom);
            }
            if (idom != NONE && f->f_blocks[b].b_idom != idom) {
                f->f_blocks[b].b_idom = idom;
                changed = 1;
            }
        }
    }
    f->f_blocks[0].b_idom = NONE;
    (void)npred;
    return G_OK;
}

int ir_dominates(const ir_func *f, uint32_t g, uint32_t b)
{
    uint32_t steps = 0;
    while (b != NONE && steps++ <= f->f_nblocks) {
        if (b == g)
            return 1;
        b = f->f_blocks[b].b_idom;
    }
    return 0;
}

int32_t ir_block_guard(const ir_func *f, uint32_t b)
{
    const ir_block *blk = &f->f_blocks[b];
    return blk->b_guard >= 0 && blk->b_nguard == blk->b_npreds ? blk->b_guard : -1;
}

/* Marks the blocks that lie on a cycle (b_in_loop): Tarjan's strongly connected components,
 * iteratively, over normal and exception edges.  Returns G_OK or G_ENOMEM. */
static int loops(ir_func *f, arena *a)
{
    uint32_t n = f->f_nblocks, idx = 1, sp = 0, cs = 0, i;
    uint32_t *num = arena_array(a, n, sizeof *num), *low = arena_array(a, n, sizeof *low);
    uint32_t *stk = arena_array(a, n, sizeof *stk), *call = arena_array(a, n, sizeof *call);
    uint8_t *edge = arena_alloc(a, n), *on = arena_alloc(a, n);
    if (!num || !low || !stk || !call || !edge || !on)
        return G_ENOMEM;
    memset(num, 0, n * sizeof *num);
    memset(on, 0, n);
    for (i = 0; i < n; i++) {
        if (num[i])
            continue;
        call[cs] = i;
        edge[cs++] = 0;
        num[i] = low[i] = idx++;
        stk[sp++] = i;
        on[i] = 1;
        while (cs) {
            uint32_t v = call[cs - 1], w = NONE;
            const ir_block *b = &f->f_blocks[v];
            while (edge[cs - 1] < 3 && w == NONE) {
                uint8_t k = edge[cs - 1]++;
                w = k < 2 ? b->b_succ[k] : b->b_handler;
                if (w != NONE && num[w]) {
                    if (on[w] && num[w] < low[v])
                        low[v] = num[w];
                    if (w == v)
                        f->f_blocks[v].b_in_loop = 1;   /* a block jumping to itself */
                    w = NONE;
                }
            }
            if (w != NONE) {                 /* descend into w */
                num[w] = low[w] = idx++;
                stk[sp++] = w;
                on[w] = 1;
                call[cs] = w;
                edge[cs++] = 0;
                continue;
            }
            cs--;                            /* v is done */
            if (low[v] == num[v]) {
                uint32_t size = 0, top = sp;
                do {
                    on[stk[--sp]] = 0;
                    size++;
                } while (stk[sp] != v);
                if (size > 1)
                    while (top > sp)
                        f->f_blocks[stk[--top]].b_in_loop = 1;
            }
            if (cs && low[v] < low[call[cs - 1]])
                low[call[cs - 1]] = low[v];
        }
    }
    return G_OK;
}

/***** construction *****/

int cfg_build(ir_func *f, const bc_code *bc, arena *a, diag_ctx *d, const char *name)
{
    uint32_t n = bc->bc_ninstrs, i, nb = 0;
    uint8_t *leader;
    ir_block *blocks;

    f->f_code = bc;
    f->f_block_of = arena_array(a, n ? n : 1, sizeof *f->f_block_of);
    leader = arena_alloc(a, n + 1);
    if (!f->f_block_of || !leader)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(leader, 0, n + 1);
    if (n)
        leader[0] = 1;
    for (i = 0; i < n; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        if (in->in_target >= 0) {
            int32_t k = bc->bc_at[in->in_target / 2];
            if (k >= 0)
                leader[k] = 1;
        }
        if ((in->in_flags & (OPF_JUMP | OPF_NOFALL)) && i + 1 < n)
            leader[i + 1] = 1;
    }
    for (i = 0; i < bc->bc_nhandlers; i++) {
        const bc_handler *h = &bc->bc_handlers[i];
        int32_t k;
        if ((k = bc->bc_at[h->h_target / 2]) >= 0)
            leader[k] = 1;
        if (h->h_start / 2 < bc->bc_nunits && (k = bc->bc_at[h->h_start / 2]) >= 0)
            leader[k] = 1;
        if (h->h_end / 2 < bc->bc_nunits && (k = bc->bc_at[h->h_end / 2]) >= 0)
            leader[k] = 1;
    }
    for (i = 0; i < n; i++)
        nb += leader[i];
    blocks = arena_array(a, nb ? nb : 1, sizeof *blocks);
    if (!blocks)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    f->f_blocks = blocks;
    f->f_nblocks = nb;
    nb = 0;
    for (i = 0; i < n; i++) {
        if (leader[i]) {
            ir_block *b = &blocks[nb++];
            memset(b, 0, sizeof *b);
            b->b_first = i;
            b->b_succ[0] = b->b_succ[1] = b->b_handler = b->b_pred = b->b_idom = NONE;
            b->b_guard = -1;
        }
        blocks[nb - 1].b_last = i;
        f->f_block_of[i] = nb - 1;
    }
    /* the innermost handler of each block's first instruction: one sweep over the table
     * (entries are listed innermost first), instead of a search per block */
    for (i = 0; i < bc->bc_nhandlers; i++) {
        const bc_handler *h = &bc->bc_handlers[i];
        uint32_t u, target = block_at(f, bc, (int32_t)h->h_target);
        for (u = h->h_start / 2; u < h->h_end / 2 && u < bc->bc_nunits; u++) {
            int32_t k = bc->bc_at[u];
            if (k >= 0 && blocks[f->f_block_of[k]].b_first == (uint32_t)k &&
                blocks[f->f_block_of[k]].b_handler == NONE)
                blocks[f->f_block_of[k]].b_handler = target;
        }
    }
    for (i = 0; i < nb; i++) {
        ir_block *b = &blocks[i];
        const bc_instr *last = &bc->bc_instrs[b->b_last];
        int falls = !(last->in_flags & OPF_NOFALL) && i + 1 < nb;
        if (last->in_target >= 0) {
            uint32_t t = block_at(f, bc, last->in_target);
            if (is_setup(last))
                b->b_handler = t;
            else
                b->b_succ[1] = t;
        }
        if (falls)
            b->b_succ[0] = i + 1;
    }
    for (i = 0; i < nb; i++) {
        int k;
        for (k = 0; k < 2; k++) {
            uint32_t s = blocks[i].b_succ[k];
            if (s == NONE)
                continue;
            if (k == 1 && s == blocks[i].b_succ[0]) {
                blocks[i].b_succ[1] = NONE;  /* a jump to the next block: one edge */
                continue;
            }
            blocks[s].b_npreds++;
            blocks[s].b_pred = i;
        }
    }
    if (nb && (dominators(f, a) || loops(f, a)))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    assert(cfg_check(f));
    return G_OK;
}

int cfg_check(const ir_func *f)
{
    uint32_t i, expect = 0;
    for (i = 0; i < f->f_nblocks; i++) {
        const ir_block *b = &f->f_blocks[i];
        uint32_t k;
        if (b->b_first != expect || b->b_last < b->b_first)
            return 0;
        for (k = b->b_first; k <= b->b_last; k++)
            if (f->f_block_of[k] != i)
                return 0;
        for (k = 0; k < 2; k++)
            if (b->b_succ[k] != NONE && b->b_succ[k] >= f->f_nblocks)
                return 0;
        if (b->b_handler != NONE && b->b_handler >= f->f_nblocks)
            return 0;
        if (b->b_idom != NONE && (b->b_idom >= f->f_nblocks || !ir_dominates(f, b->b_idom, i)))
            return 0;
        expect = b->b_last + 1;
    }
    return expect == f->f_code->bc_ninstrs;
}
