/* The window detectors: read-modify-write (GIL101-104), read-then-write (GIL105), iteration
 * (GIL106), check-then-act (GIL201) and lazy initialisation (GIL202) over one function's access
 * events.  Each window is a
 * candidate finding, whatever the locks and whoever calls the function: the composition over the
 * whole run (race_*.c) reports the ones another thread's write can break. */
#include "sum_int.h"
#include "eng_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

typedef struct ctx {
    eng_mod *x_m;
    eng_code *x_c;
    uint32_t x_ci;
    eng_result *x_res;
    uint8_t *x_done;           /* events that already have a finding */
} ctx;

/* The acquisitions held at both events: what is held over a window from one to the other (an
 * acquisition released and taken again in between is a different one). */
static uint64_t common_locks(const ir_event *a, const ir_event *b)
{
    return a->ev_locks & b->ev_locks;
}

static const char *dup_text(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static const bc_instr *instr_of(const ctx *x, const ir_event *e)
{
    return &x->x_c->c_ir.f_code->bc_instrs[e->ev_instr];
}

static void position(const bc_instr *in, int32_t *line, int32_t *col, int32_t *end_line,
                     int32_t *end_col)
{
    *line = in->in_pos.p_line >= 0 ? in->in_pos.p_line : in->in_line;
    *col = in->in_pos.p_col >= 0 ? in->in_pos.p_col + 1 : -1;
    if (end_line)
        *end_line = in->in_pos.p_end_line >= 0 ? in->in_pos.p_end_line : *line;
    if (end_col)
        *end_col = in->in_pos.p_end_col >= 0 ? in->in_pos.p_end_col + 1 : -1;
}

void eng_position(const bc_instr *in, int32_t *line, int32_t *col, int32_t *end_line,
                  int32_t *end_col)
{
    position(in, line, col, end_line, end_col);
}

/* Appends the window's record beside the finding just added. */
static int add_window(ctx *x, const ir_path *state, int breaks, uint32_t first, uint32_t last,
                      uint64_t locks)
{
    eng_mod *m = x->x_m;
    eng_window *w;
    if (m->m_nwin == m->m_capwin) {
        uint32_t cap = m->m_capwin ? m->m_capwin * 2 : 16;
        eng_window *grown = arena_array(m->m_arena, cap, sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        if (m->m_nwin)
            memcpy(grown, m->m_win, m->m_nwin * sizeof *grown);
        m->m_win = grown;
        m->m_capwin = cap;
    }
    w = &m->m_win[m->m_nwin++];
    w->w_code = x->x_ci;
    w->w_state = state;
    w->w_breaks = (uint8_t)breaks;
    w->w_first = first;
    w->w_last = last;
    w->w_locks = locks;
    w->w_method = NULL;
    w->w_recv = RECV_CONT;
    return G_OK;
}

/* A candidate finding: the window from `rel` (the read or check) to `at` (the write or act) on
 * `state`, which `breaks` writes of another thread can break. */
static int add_finding(ctx *x, const char *rule, const ir_event *at, const ir_event *rel,
                       const char *rel_what, const ir_path *state, int breaks, const char *fmt,
                       ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

static int add_finding(ctx *x, const char *rule, const ir_event *at, const ir_event *rel,
                       const char *rel_what, const ir_path *state, int breaks, const char *fmt,
                       ...)
{
    eng_result *res = x->x_res;
    arena *a = x->x_m->m_arena;
    const bc_code *bc = x->x_c->c_ir.f_code;
    finding *f;
    char msg[512];
    va_list ap;
    uint32_t lo, hi;

    if (res->r_count == res->r_cap) {
        uint32_t cap = res->r_cap ? res->r_cap * 2 : 16;
        finding *grown = arena_array(a, cap, sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        if (res->r_count)
            memcpy(grown, res->r_findings, res->r_count * sizeof *grown);
        res->r_findings = grown;
        res->r_cap = cap;
    }
    f = &res->r_findings[res->r_count];
    memset(f, 0, sizeof *f);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->f_rule = rule;
    f->f_message = dup_text(a, msg);
    f->f_file = "";
    {
        const pyc_obj *fn = bc->bc_src->co_filename;
        char *p = arena_alloc(a, fn->u.o_str.len + 1);
        if (p) {
            memcpy(p, fn->u.o_str.s, fn->u.o_str.len);
            p[fn->u.o_str.len] = 0;
            f->f_file = p;
        }
    }
    f->f_target = at->ev_path ? ir_path_display(at->ev_path) : "";
    f->f_function = x->x_c->c_qualname;
    f->f_code = x->x_ci;
    f->f_python_minor = x->x_m->m_pyc->f_minor;
    position(instr_of(x, at), &f->f_line, &f->f_col, &f->f_end_line, &f->f_end_col);
    f->f_rel_what = rel_what;
    f->f_rel_line = f->f_rel_col = -1;
    lo = hi = at->ev_instr;
    if (rel) {
        position(instr_of(x, rel), &f->f_rel_line, &f->f_rel_col, NULL, NULL);
        lo = rel->ev_instr < at->ev_instr ? rel->ev_instr : at->ev_instr;
        hi = rel->ev_instr < at->ev_instr ? at->ev_instr : rel->ev_instr;
    }
    f->f_first = bc->bc_instrs[lo].in_offset;
    f->f_last = bc->bc_instrs[hi].in_offset;
    if (!f->f_message || eng_window_fill(f, bc, a) || pycode_fill(x->x_m, x->x_ci, f, at->ev_path))
        return G_ENOMEM;
    if (add_window(x, state, breaks, lo, hi, rel ? common_locks(rel, at) : at->ev_locks))
        return G_ENOMEM;
    if (at->ev_kind == EV_CALL && at->ev_method) {
        x->x_m->m_win[x->x_m->m_nwin - 1].w_method = at->ev_name;
        x->x_m->m_win[x->x_m->m_nwin - 1].w_recv = (uint8_t)mod_container_call(x->x_m, x->x_c, at);
    }
    res->r_count++;
    x->x_done[at - x->x_c->c_ir.f_events] = 1;
    if (rel && rel->ev_kind == EV_TEST)
        x->x_done[rel - x->x_c->c_ir.f_events] = 1;   /* a check is one finding's */
    return G_OK;
}

/* What kind of shared state p is, for the read-modify-write rules. */
static const char *rmw_rule(const ir_path *p, const char **what)
{
    switch (p->p_kind) {
    case PATH_GLOBAL: *what = "global"; return "GIL101";
    case PATH_DEREF: *what = "nonlocal"; return "GIL102";
    case PATH_ATTR: *what = "attribute"; return "GIL103";
    case PATH_ITEM: *what = "item"; return "GIL104";
    default: *what = "state"; return NULL;
    }
}

static const ir_event *ev(const ctx *x, uint32_t i)
{
    return &x->x_c->c_ir.f_events[i];
}

/* The line of an event, for messages. */
static int32_t line_of(const ctx *x, const ir_event *e)
{
    int32_t line, col;
    position(instr_of(x, e), &line, &col, NULL, NULL);
    return line;
}

/* A load among e's sources that reads exactly `p`. */
static const ir_event *read_of(const ctx *x, const ir_event *e, const ir_path *p)
{
    uint16_t i;
    for (i = 0; i < e->ev_srcs.s_n; i++) {
        const ir_event *l = ev(x, e->ev_srcs.s_ev[i]);
        if (l->ev_kind == EV_LOAD && l->ev_path == p)
            return l;
    }
    return NULL;
}

/* A load among e's sources that reads a slice of `p` (`self.buf = self.buf[n:]`: the new value
 * is what was read of the old one), else a load of p itself. */
static const ir_event *read_or_slice_of(const ctx *x, const ir_event *e, const ir_path *p)
{
    uint16_t i;
    const ir_event *l = read_of(x, e, p);
    for (i = 0; !l && i < e->ev_srcs.s_n; i++) {
        const ir_event *o = ev(x, e->ev_srcs.s_ev[i]);
        if (o->ev_kind == EV_LOAD && o->ev_path->p_kind == PATH_ITEM && o->ev_path->p_base == p &&
            o->ev_path->p_key && o->ev_path->p_key->p_kind == PATH_FRESH &&
            !strncmp(o->ev_path->p_key->p_name, "s:", 2))
            l = o;
    }
    return l;
}

/* A load among the sources that reads inside container c (an item or attribute of it, not c
 * itself), other than `except`. */
static const ir_event *read_within(const ctx *x, const ir_srcs *srcs, const ir_path *c,
                                   const ir_path *except)
{
    uint16_t i;
    for (i = 0; i < srcs->s_n; i++) {
        const ir_event *l = ev(x, srcs->s_ev[i]);
        if (l->ev_kind == EV_LOAD && l->ev_path != c && l->ev_path != except &&
            ir_path_within(l->ev_path, c))
            return l;
    }
    return NULL;
}

/* A test guarding e (on the dominator chain of its block) on state within `c`, or NULL.  A test
 * that shares a held lock with e is preferred (double-checked locking: the inner check is the
 * one the act depends on), else the nearest. */
static const ir_event *guard_block(const ctx *x, const ir_event *e, const ir_path *c, int *holds,
                                   uint32_t *gblock);

static const ir_event *guard_on(const ctx *x, const ir_event *e, const ir_path *c, int *holds)
{
    return guard_block(x, e, c, holds, NULL);
}

/* guard_on, with the block the test guards in *gblock. */
static const ir_event *guard_block(const ctx *x, const ir_event *e, const ir_path *c, int *holds,
                                   uint32_t *gblock)
{
    const ir_func *f = &x->x_c->c_ir;
    const ir_event *found = NULL;
    uint32_t b = e->ev_block, steps = 0, found_b = UINT32_MAX;
    int found_holds = 0;
    while (b != UINT32_MAX && steps++ <= f->f_nblocks) {
        const ir_block *blk = &f->f_blocks[b];
        int32_t g = ir_block_guard(f, b);
        if (g >= 0) {
            const ir_event *t = ev(x, (uint32_t)g);
            if (t->ev_path && (ir_path_within(t->ev_path, c) || ir_path_within(c, t->ev_path))) {
                if (common_locks(t, e)) {
                    if (holds)
                        *holds = blk->b_guard_true;
                    if (gblock)
                        *gblock = b;
                    return t;
                }
                if (!found) {
                    found = t;
                    found_holds = blk->b_guard_true;
                    found_b = b;
                }
            }
        }
        b = blk->b_idom;
    }
    if (holds)
        *holds = found_holds;
    if (gblock)
        *gblock = found_b;
    return found;
}

/* The other outcome of the test that guards block gb raises: `if self.queue is not None: raise
 * RuntimeError(...)` before `self.queue = []`, or `assert not self.items` (*is_assert set).  A
 * guard against a second start, not the creation of something missing.  Follows the other
 * branch through straight-line blocks only. */
static int other_side_raises(const ctx *x, uint32_t gb, int *is_assert)
{
    const ir_func *f = &x->x_c->c_ir;
    const bc_code *bc = f->f_code;
    const ir_block *blk, *pred;
    uint32_t sib, steps, i;
    *is_assert = 0;
    if (gb == UINT32_MAX || (blk = &f->f_blocks[gb])->b_npreds != 1 || blk->b_pred >= f->f_nblocks)
        return 0;
    pred = &f->f_blocks[blk->b_pred];
    sib = pred->b_succ[0] == gb ? pred->b_succ[1] : pred->b_succ[0];
    for (steps = 0; steps < 4 && sib < f->f_nblocks; steps++) {
        const ir_block *sb = &f->f_blocks[sib];
        for (i = sb->b_first; i <= sb->b_last && i < bc->bc_ninstrs; i++) {
            uint8_t sem = bc->bc_instrs[i].in_sem;
            if (bc_loads_assertion_error(bc, i))
                *is_assert = 1;
            if (sem == SEM_RAISE)
                return 1;
            if (sem == SEM_RETURN || sem == SEM_RETURN_CONST || sem == SEM_YIELD ||
                sem == SEM_STORE_ATTR || sem == SEM_STORE_GLOBAL || sem == SEM_STORE_DEREF)
                return 0;
        }
        if (sb->b_succ[1] != UINT32_MAX)
            return 0;
        sib = sb->b_succ[0];
    }
    return 0;
}

/* What an act guarded by test t needs of the state: the entry present (a removal breaks it) or
 * absent (an insertion breaks it).  holds: the act runs where the test is true; where it is
 * false (`if k in D: return` before `D[k] = v`), the other way round. */
static int breaks_of(const ir_event *t, int holds, int act_removes)
{
    if (act_removes)
        return BRK_REMOVE;
    switch (t->ev_test) {
    case TEST_IN: case TEST_IS_NOT_NONE: return holds ? BRK_REMOVE : BRK_INSERT;
    case TEST_NOT_IN: case TEST_IS_NONE: return holds ? BRK_INSERT : BRK_REMOVE;
    default: return BRK_WRITE;
    }
}

/* Any item of container c: the state of a window over its contents. */
static const ir_path *any_item(const ctx *x, const ir_path *c)
{
    const ir_path *key = ir_path_name(x->x_m->m_paths, PATH_FRESH, "*", 1, 0);
    const ir_path *p = key ? ir_path_item(x->x_m->m_paths, c, key) : NULL;
    return p ? p : c;
}

/* The items a check-then-act on container c is about: c[k] for `k in c` (or a test of c[k]
 * itself, `D.get(k) is None`), else any item of c. */
static const ir_path *checked_state(const ctx *x, const ir_event *t, const ir_path *c)
{
    const ir_path *p;
    if ((t->ev_test == TEST_IN || t->ev_test == TEST_NOT_IN) && t->ev_key && t->ev_path == c &&
        (p = ir_path_item(x->x_m->m_paths, c, t->ev_key)))
        return p;
    if (t->ev_path && t->ev_path->p_kind == PATH_ITEM && t->ev_path->p_base == c)
        return t->ev_path;
    return any_item(x, c);
}

/* `item = self.pending` before the store k of p: a load of p whose value a local keeps (an
 * EV_TAKE), on every path to k (its block dominates k's), with no store of p in between; or
 * NULL. */
static const ir_event *taken(const ctx *x, uint32_t k, const ir_path *p)
{
    const ir_func *f = &x->x_c->c_ir;
    const ir_event *e = ev(x, k);
    uint32_t j;
    for (j = k; j-- > 0;) {
        const ir_event *o = ev(x, j);
        const ir_event *l;
        if ((o->ev_kind == EV_STORE || o->ev_kind == EV_DELETE) && o->ev_path == p)
            return NULL;
        if (o->ev_kind != EV_TAKE || o->ev_path != p || !(l = read_of(x, o, p)))
            continue;
        return ir_dominates(f, l->ev_block, e->ev_block) ? l : NULL;
    }
    return NULL;
}

/* The read of item p before event k that found the key (`entry = D[k]`, then `del D[k]`): it
 * dominates k, and no store or delete of p between them dominates k.  (Instruction order is
 * not program order: 3.12 moves `except` bodies after the rest of the function, so the other
 * branch's delete can come first.)  NULL when there is none. */
static const ir_event *read_before(const ctx *x, uint32_t k, const ir_path *p)
{
    const ir_func *f = &x->x_c->c_ir;
    const ir_event *e = ev(x, k);
    uint32_t j;
    for (j = k; j-- > 0;) {
        const ir_event *o = ev(x, j);
        if ((o->ev_kind == EV_STORE || o->ev_kind == EV_DELETE) && o->ev_path == p &&
            ir_dominates(f, o->ev_block, e->ev_block))
            return NULL;
        if (o->ev_kind == EV_LOAD && o->ev_path == p)
            return ir_dominates(f, o->ev_block, e->ev_block) ? o : NULL;
    }
    return NULL;
}

/* `a, b = b, a` on shared state: the store k of p, an earlier store of another shared q on the
 * same line from a read of p, and k's value read from q.  Returns the read of p, or NULL. */
static const ir_event *swapped(const ctx *x, uint32_t k, const ir_path *p)
{
    const ir_event *e = ev(x, k);
    int32_t line = instr_of(x, e)->in_line;
    uint32_t j;
    for (j = k; j-- > 0;) {
        const ir_event *o = ev(x, j), *lp;
        if (instr_of(x, o)->in_line != line)
            break;
        if (o->ev_kind != EV_STORE || !o->ev_path || o->ev_path == p ||
            o->ev_path->p_kind == PATH_LOCAL || o->ev_path->p_kind == PATH_ITEM)
            continue;
        if ((lp = read_of(x, o, p)) && read_of(x, e, o->ev_path))
            return lp;
    }
    return NULL;
}

/* Between check t and removal e of the entry `key` from container c, does the function insert
 * that very entry itself (`if obj not in S: S.add(obj)`, then `S.remove(obj)`)?  Then the
 * removal rests on the function's own insert -- a claim -- not on the check; the check and the
 * insert are a check-then-act of their own, reported there when nothing makes them one step. */
static int own_insert(const ctx *x, const ir_event *t, const ir_event *e, const ir_path *c,
                      const ir_path *key)
{
    const eng_kb *kb = x->x_m->m_kb;
    uint32_t j;
    if (!key)
        return 0;
    for (j = 0; j < x->x_c->c_ir.f_nevents; j++) {
        const ir_event *o = ev(x, j);
        if (o->ev_instr <= t->ev_instr || o->ev_instr >= e->ev_instr)
            continue;
        if (o->ev_kind == EV_CALL && o->ev_path == c && o->ev_nargs && o->ev_name &&
            o->ev_args[0].ar_path == key &&
            kb_has(kb->k_mutators, kb->k_nmutators, o->ev_name) &&
            !kb_has(kb->k_deleters, kb->k_ndeleters, o->ev_name))
            return 1;
        if (o->ev_kind == EV_STORE && o->ev_path && o->ev_path->p_kind == PATH_ITEM &&
            o->ev_path->p_base == c && o->ev_path->p_key == key)
            return 1;
    }
    return 0;
}

/* A fill of a cache rather than a check-then-act (GIL204, not in the default selection): the
 * act stores under the key a test found absent a value the function made -- not a parameter
 * (another thread's may differ), not a display or a container (a place to put things, whose
 * identity is the point), not a threading, queue or multiprocessing object -- and then returns
 * what it stored.  Two threads that both miss make the value twice, the last store wins and
 * each hands out its own: harmless when the values are equal, the price functools.lru_cache
 * documents for a lock-free cache. */
#define MEMO_MSG "cache fill of '%s' is not atomic: two threads can both miss the key (line " \
                 "%d) and both make the value; the last store wins, and a thread may go on " \
                 "with the value that was replaced"

static int memo_fill(const ctx *x, const ir_event *e, int breaks)
{
    static const char *const shared[] = { "threading.", "_thread.", "queue.", "multiprocessing.",
                                          "asyncio.", "concurrent." };
    size_t i;
    if (breaks != BRK_INSERT || e->ev_kind != EV_STORE || e->ev_valkind == VAL_FRESH ||
        mod_param_index(x->x_c, e->ev_valpath) >= 0)
        return 0;
    if (e->ev_valkind == VAL_CALL && e->ev_callee) {
        const char *r = mod_resolve(x->x_m, e->ev_callee);
        if (mod_is_container_ctor(x->x_m, e->ev_callee))
            return 0;
        for (i = 0; i < sizeof shared / sizeof shared[0]; i++)
            if (!strncmp(r ? r : e->ev_callee, shared[i], strlen(shared[i])))
                return 0;
    }
    if (shape_returns_stored(x->x_m, x->x_ci, e))
        return 1;
    /* a `finally:` body is compiled twice (3.9+): the copy on the exception's way out returns
     * nothing, the copy on the normal way decides */
    {
        const bc_instr *at = instr_of(x, e);
        uint32_t j;
        for (j = 0; j < x->x_c->c_ir.f_nevents; j++) {
            const ir_event *o = ev(x, j);
            const bc_instr *oi = instr_of(x, o);
            if (o != e && o->ev_kind == EV_STORE && o->ev_path == e->ev_path &&
                oi->in_line == at->in_line && oi->in_pos.p_col == at->in_pos.p_col &&
                shape_returns_stored(x->x_m, x->x_ci, o))
                return 1;
        }
    }
    return 0;
}

/* BRK_SEEN_SET when read r of p runs only where a test found p set (`if self.server:` before
 * `server = self.server`), else 0. */
static int seen_set(const ctx *x, const ir_event *r, const ir_path *p)
{
    int holds = 0;
    uint32_t gb = UINT32_MAX;
    const ir_event *t = guard_block(x, r, p, &holds, &gb);
    if (!t || t->ev_path != p)
        return 0;
    return (t->ev_test == TEST_TRUTH && holds) || (t->ev_test == TEST_IS_NOT_NONE && holds) ||
           (t->ev_test == TEST_IS_NONE && !holds) ? BRK_SEEN_SET : 0;
}

static int check_store(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *r;
    const ir_path *p = e->ev_path;
    const char *what, *rule = rmw_rule(p, &what);
    if (!rule)
        return G_OK;
    /* read-modify-write: the stored value was read from the same place */
    if (e->ev_kind == EV_STORE && (r = read_or_slice_of(x, e, p)))
        return add_finding(x, rule, e, r, "read", p, BRK_WRITE,
                           "read-modify-write of %s '%s' is not atomic: another thread can write "
                           "it between the read (line %d) and this write", what, ir_path_display(p),
                           line_of(x, r));
    /* swap: a, b = b, a */
    if (e->ev_kind == EV_STORE && p->p_kind != PATH_ITEM && (r = swapped(x, k, p)))
        return add_finding(x, "GIL107", e, r, "read", p, BRK_WRITE,
                           "swap of %s '%s' is not atomic: another thread can write it between "
                           "the read (line %d) and this write, and its value is lost", what,
                           ir_path_display(p), line_of(x, r));
    /* take-and-reset: item = self.pending; self.pending = None */
    /* a reset is a store of None (or another falsy constant) or of a new empty container: a
     * store of another value (`self._last = now`) is an update of what was taken */
    if (e->ev_kind == EV_STORE && p->p_kind != PATH_ITEM &&
        (e->ev_falsy || e->ev_valkind == VAL_FRESH ||
         (e->ev_valkind == VAL_CALL && e->ev_callee &&
          mod_is_container_ctor(x->x_m, e->ev_callee))) &&
        (r = taken(x, k, p)))
        return add_finding(x, "GIL107", e, r, "read", p, BRK_VALUE | seen_set(x, r, p),
                           "take-and-reset of %s '%s' is not atomic: a value another thread "
                           "stores between the read (line %d) and this reset is lost", what,
                           ir_path_display(p), line_of(x, r));
    if (p->p_kind == PATH_ITEM) {
        /* read-then-write: L[i] = L[j] */
        if (e->ev_kind == EV_STORE && (r = read_within(x, &e->ev_srcs, p->p_base, p)))
            return add_finding(x, "GIL105", e, r, "read", any_item(x, p->p_base), BRK_WRITE,
                               "'%s' is read (%s, line %d) and written back here in separate "
                               "steps: another thread can change it in between",
                               ir_path_display(p->p_base), ir_path_display(r->ev_path), line_of(x, r));
        /* check-then-act: if k not in D: D[k] = v */
        {
            int holds = 1;
            const ir_event *t = guard_on(x, e, p->p_base, &holds);
            /* a delete whose KeyError is caught works whether the key is there or not */
            int caught = e->ev_kind == EV_DELETE && shape_key_error_caught(x->x_m, x->x_ci, e);
            /* a test of another key guards nothing of this one: `if url in D: ... else:
             * D[final_url] = page` */
            if (t && (t->ev_test == TEST_IN || t->ev_test == TEST_NOT_IN) && t->ev_key &&
                t->ev_path == p->p_base && p->p_key && t->ev_key != p->p_key)
                t = NULL;
            if (t && !caught &&
                !(e->ev_kind == EV_DELETE && own_insert(x, t, e, p->p_base, p->p_key))) {
                int brk = breaks_of(t, holds, e->ev_kind == EV_DELETE);
                if (memo_fill(x, e, brk))
                    return add_finding(x, "GIL204", e, t, "check",
                                       checked_state(x, t, p->p_base), brk, MEMO_MSG,
                                       ir_path_display(p->p_base), line_of(x, t));
                return add_finding(x, "GIL201", e, t, "check", checked_state(x, t, p->p_base),
                                   brk,
                                   "check-then-act on '%s': the check (line %d) and this %s are "
                                   "separate steps; another thread can act in between",
                                   ir_path_display(p->p_base), line_of(x, t),
                                   e->ev_kind == EV_DELETE ? "delete" : "write");
            }
            /* try: D[k] ... except KeyError: D[k] = v -- the failed read is the check */
            if ((t = shape_handler_check(x->x_m, x->x_ci, e)) && memo_fill(x, e, BRK_INSERT))
                return add_finding(x, "GIL204", e, t, "check", p, BRK_INSERT, MEMO_MSG,
                                   ir_path_display(p->p_base), line_of(x, t));
            if (t)
                return add_finding(x, "GIL201", e, t, "check", p,
                                   e->ev_kind == EV_DELETE ? BRK_REMOVE : BRK_INSERT,
                                   "check-then-act on '%s': the read (line %d) that raised "
                                   "KeyError is the check and this %s in its handler the act; "
                                   "another thread can act in between",
                                   ir_path_display(p->p_base), line_of(x, t),
                                   e->ev_kind == EV_DELETE ? "delete" : "write");
            /* entry = D[k] ... del D[k]: the read that found the key is the check; two threads
             * can both read it, and the second delete raises KeyError (linecache.checkcache
             * before 3.7, bpo-25872) */
            if (e->ev_kind == EV_DELETE && !caught && (t = read_before(x, k, p)))
                return add_finding(x, "GIL201", e, t, "check", p, BRK_REMOVE,
                                   "check-then-act on '%s': the read (line %d) that found the key "
                                   "and this delete are separate steps; another thread can "
                                   "delete it in between", ir_path_display(p->p_base),
                                   line_of(x, t));
        }
        return G_OK;
    }
    if (e->ev_kind == EV_STORE) {
        int holds = 0, absent, raises, is_assert;
        uint32_t gb = UINT32_MAX;
        const ir_event *t = guard_block(x, e, p, &holds, &gb);
        if (!t || t->ev_path != p)
            return G_OK;
        raises = other_side_raises(x, gb, &is_assert);
        if (is_assert)
            return G_OK;    /* an assertion states what the code expects; it decides nothing */
        absent = (t->ev_test == TEST_IS_NONE && holds) || (t->ev_test == TEST_IS_NOT_NONE && !holds) ||
                 (t->ev_test == TEST_TRUTH && !holds);
        /* lazy initialisation: if _inst is None: _inst = make() -- a new object each time; not
         * a guard whose other side raises (`if self.queue is not None: raise ...`), which is a
         * check-then-act when another context writes the state */
        if (absent && !raises && (e->ev_valkind == VAL_CALL || e->ev_valkind == VAL_FRESH))
            return add_finding(x, "GIL202", e, t, "check", p, BRK_WRITE,
                               "lazy initialisation of %s '%s' is not atomic: two threads can "
                               "both pass the check (line %d) and both store", what,
                               ir_path_display(p), line_of(x, t));
        /* `if not self.done: self.done = True`, `self.fp = None` after a test of it: storing
         * a constant that settles the check is the same whoever stores it */
        if (e->ev_valkind == VAL_CONST && t->ev_test != TEST_COMPARE)
            return G_OK;
        /* `if self.state == RUNNING: self.state = PAUSED`: another thread's different write
         * between the check and this one is overwritten */
        return add_finding(x, "GIL201", e, t, "check", p, BRK_WRITE | BRK_OTHERS,
                           "check-then-act on %s '%s': the check (line %d) and this write "
                           "are separate steps; another thread can change it in between",
                           what, ir_path_display(p), line_of(x, t));
    }
    return G_OK;
}

/* A set's record of work done (GIL204, as a cache fill): `S.add(k)` after a test that found the
 * element absent, with no call after it in the code it leads to.  Adding is idempotent -- two
 * adds of one element are one, of two elements keep both -- so the set ends the same whoever
 * adds last; what two threads that both miss repeat is the work between the test and the add,
 * as two fills of a cache make the value twice.  An add followed by work (`if k not in S:
 * S.add(k); build(k)`) claims the element: doing that work twice is the race, GIL201. */
static int set_record(const ctx *x, const ir_event *e, int breaks)
{
    const ir_func *f = &x->x_c->c_ir;
    uint32_t j;
    if (breaks != BRK_INSERT || strcmp(e->ev_name, "add") || e->ev_nargs != 1)
        return 0;
    for (j = 0; j < f->f_nevents; j++) {
        const ir_event *o = ev(x, j);
        if (o->ev_kind == EV_CALL && o != e && o->ev_instr > e->ev_instr &&
            ir_dominates(f, e->ev_block, o->ev_block))
            return 0;
    }
    return 1;
}

/* Does call e work whether the entry is there or not (`D.setdefault(k, v)`, `S.discard(e)`,
 * `D.pop(k, None)`), so that no check has to hold before it? */
static int either_way(const eng_kb *kb, const ir_event *e)
{
    size_t i, n = strlen(e->ev_name);
    for (i = 0; i < kb->k_neither_way; i++) {
        const char *w = kb->k_either_way[i];
        if (!strncmp(w, e->ev_name, n) && w[n] == '/' && e->ev_nargs >= (uint32_t)(w[n + 1] - '0'))
            return 1;
    }
    return 0;
}

static int check_call(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *r, *t;
    const ir_path *c = e->ev_path;
    const eng_kb *kb = x->x_m->m_kb;
    uint32_t a;
    int removes, holds = 1;
    /* next(it) on a shared generator or iterator of unknown type: its state is read and
     * advanced by code another thread's next(it) can enter at the same time */
    if ((r = shape_next_iter(x->x_m, x->x_ci, e))) {
        const char *what, *rule = rmw_rule(r->ev_path, &what);
        int rc = rule ? add_finding(x, rule, e, r, "read", any_item(x, r->ev_path), BRK_REMOVE,
                                    "next() on the shared iterator '%s' is not atomic: it resumes "
                                    "the iterator's code (a generator or a Python __next__), "
                                    "which another thread can enter at the same time",
                                    ir_path_display(r->ev_path)) : G_OK;
        if (rule && !rc)
            x->x_res->r_findings[x->x_res->r_count - 1].f_target = ir_path_display(r->ev_path);
        if (rule)
            return rc;
    }
    if (!mod_container_call(x->x_m, x->x_c, e))
        return G_OK;
    removes = kb_has(kb->k_deleters, kb->k_ndeleters, e->ev_name);
    /* read-then-write: L.append(L[-1]) */
    for (a = 0; a < e->ev_nargs; a++)
        if ((r = read_within(x, &e->ev_args[a].ar_srcs, c, NULL)))
            return add_finding(x, "GIL105", e, r, "read", any_item(x, c), BRK_WRITE,
                               "'%s' is read (%s, line %d) and written back by %s() in separate "
                               "steps: another thread can change it in between", ir_path_display(c),
                               ir_path_display(r->ev_path), line_of(x, r), e->ev_name);
    /* check-then-act: if L: L.pop(); not `if k not in D: D.setdefault(k, v)`, whose act needs
     * no check */
    if (!either_way(kb, e) && (t = guard_on(x, e, c, &holds)) &&
        !(removes && own_insert(x, t, e, c, e->ev_nargs ? e->ev_args[0].ar_path : NULL))) {
        int brk = breaks_of(t, holds, removes);
        if (set_record(x, e, brk))
            return add_finding(x, "GIL204", e, t, "check", checked_state(x, t, c), brk,
                               "cache fill of '%s' is not atomic: two threads can both miss the "
                               "element (line %d) and both do the work before add(); the set "
                               "ends the same", ir_path_display(c), line_of(x, t));
        return add_finding(x, "GIL201", e, t, "check", checked_state(x, t, c), brk,
                           "check-then-act on '%s': the check (line %d) and %s() are separate "
                           "steps; another thread can act in between", ir_path_display(c),
                           line_of(x, t), e->ev_name);
    }
    return G_OK;
}

/* if k in D: v = D[k]: the entry can be removed in between */
static int check_load(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *t;
    const ir_path *p = e->ev_path;
    if (p->p_kind != PATH_ITEM || !p->p_base)
        return G_OK;
    t = guard_on(x, e, p->p_base, NULL);
    if (t && (t->ev_test == TEST_IN || t->ev_test == TEST_NOT_IN) && t->ev_key == p->p_key)
        return add_finding(x, "GIL201", e, t, "check", p, BRK_REMOVE,
                           "check-then-act on '%s': the key can be deleted by another thread "
                           "between the check (line %d) and this read", ir_path_display(p->p_base),
                           line_of(x, t));
    return G_OK;
}

/* Is p read again after check t, up to and including use e (not only through a local that
 * kept the value the check saw)? */
static const ir_event *reread(const ctx *x, const ir_event *t, const ir_event *e,
                              const ir_path *p)
{
    uint32_t j;
    for (j = (uint32_t)(t - x->x_c->c_ir.f_events) + 1; j < x->x_c->c_ir.f_nevents; j++) {
        const ir_event *o = ev(x, j);
        if (o->ev_instr > e->ev_instr)
            break;
        if (o->ev_kind == EV_LOAD && o->ev_path == p && o->ev_instr > t->ev_instr)
            return o;
    }
    return NULL;
}

/* `if self.sock is not None: self.sock.sendall(data)`: a use that needs the state set (a
 * method called on it, an attribute or item of it read, a call of it), guarded by a check that
 * it is set (not None, truthy) -- another thread's `self.sock = None` in between makes the use
 * fail.  One finding per check. */
static int check_use(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *t, *again;
    const ir_path *p;
    int holds = 0;
    if (e->ev_kind == EV_CALL)
        p = e->ev_path;                 /* X.method() or X() */
    else if (e->ev_kind == EV_LOAD && e->ev_path->p_base &&
             (e->ev_path->p_kind == PATH_ATTR || e->ev_path->p_kind == PATH_ITEM))
        p = e->ev_path->p_base;         /* X.attr, X[k] */
    else
        return G_OK;
    if (!p || (p->p_kind != PATH_GLOBAL && p->p_kind != PATH_ATTR && p->p_kind != PATH_DEREF) ||
        !mod_may_share(x->x_m, x->x_c, p))
        return G_OK;
    if (!(t = guard_on(x, e, p, &holds)) || t->ev_path != p || x->x_done[t - x->x_c->c_ir.f_events])
        return G_OK;
    if (!(again = reread(x, t, e, p)))
        return G_OK;            /* `sock = self.sock; if sock: sock.send()`: read once */
    if (!((t->ev_test == TEST_IS_NOT_NONE && holds) || (t->ev_test == TEST_IS_NONE && !holds) ||
          (t->ev_test == TEST_TRUTH && holds)))
        return G_OK;
    x->x_done[t - x->x_c->c_ir.f_events] = 1;
    /* the window ends at the second read: once it has the object, a store of None no longer
     * matters (the call that uses it may switch, harmlessly) */
    return add_finding(x, "GIL203", again, t, "check", p, BRK_FALSY,
                       "check-then-use of %s '%s': the check (line %d) and this use are separate "
                       "steps; another thread can set it to None in between",
                       p->p_kind == PATH_GLOBAL ? "global" : p->p_kind == PATH_DEREF ? "nonlocal"
                                                                                    : "attribute",
                       ir_path_display(p), line_of(x, t));
}

/* Where an iteration that begins at instruction `from` (GET_ITER) ends: the exit of the `for`
 * loop (its FOR_ITER's target), or the call that runs a comprehension made as a function
 * (before 3.12). */
static uint32_t iteration_end(const bc_code *bc, uint32_t from)
{
    uint32_t i;
    for (i = from + 1; i < bc->bc_ninstrs; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        if (in->in_sem == SEM_CALL || in->in_sem == SEM_CALL_EX)
            return i;
        if (in->in_sem == SEM_FOR_ITER) {
            int32_t t = in->in_target >= 0 && (uint32_t)in->in_target / 2 < bc->bc_nunits
                            ? bc->bc_at[in->in_target / 2] : -1;
            return t > (int32_t)i ? (uint32_t)t : i;
        }
    }
    return from;
}

/* for k in D: / [v for v in D.values()]: the iteration reads the items one by one, and another
 * thread's insertion or removal in between breaks it (a dict, set or deque raises RuntimeError,
 * a list skips or repeats items). */
static int check_iter(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k);
    const bc_code *bc = x->x_c->c_ir.f_code;
    int recv = mod_recv_type(x->x_m, x->x_c, e->ev_path);
    uint32_t end, i;
    eng_window *w;
    finding *f;
    int rc;
    if (recv == RECV_NOT)
        return G_OK;
    /* `L[:] = [x for x in L if keep(x)]`, `L = [x for x in L]`: the statement's
     * read-then-write (GIL105) or read-modify-write (GIL101-103) is the race */
    for (i = k + 1; i < x->x_c->c_ir.f_nevents; i++) {
        const ir_event *o = ev(x, i);
        if (instr_of(x, o)->in_line != instr_of(x, e)->in_line)
            break;
        if ((o->ev_kind == EV_STORE || o->ev_kind == EV_DELETE) && o->ev_path &&
            ir_path_within(o->ev_path, e->ev_path))
            return G_OK;
    }
    /* `local = self.items; self.items = {}` ... `for k in local:`: the loop runs over the object
     * taken out before the reset, which the attribute no longer reaches */
    for (i = k; i-- > 0;) {
        const ir_event *o = ev(x, i);
        if (o->ev_kind == EV_LOAD && o->ev_path == e->ev_path)
            break;              /* the latest read of it: what the loop runs over */
        if ((o->ev_kind == EV_STORE || o->ev_kind == EV_DELETE) && o->ev_path == e->ev_path)
            return G_OK;        /* stored after that read: the loop has the old object (not by
                                 * dominance: before 3.11 the `with` the swap is made in has an
                                 * edge from its body to its end, for an __exit__ that swallows) */
    }
    end = iteration_end(bc, e->ev_instr);
    /* a list iterated while another thread appends sees the new items: only a removal (or an
     * insertion before the iterator) makes it skip or repeat */
    if ((rc = add_finding(x, "GIL106", e, NULL, NULL, any_item(x, e->ev_path),
                          recv == RECV_CONT && mod_recv_seq(x->x_m, x->x_c, e->ev_path)
                              ? BRK_REMOVE : BRK_WRITE,
                          "'%s' is iterated here while another thread can add or remove its "
                          "items: a dict, set or deque raises RuntimeError (changed size during "
                          "iteration), a list skips or repeats items", ir_path_display(e->ev_path))))
        return rc;
    /* the window runs to the end of the loop */
    w = &x->x_m->m_win[x->x_m->m_nwin - 1];
    w->w_last = end;
    w->w_method = "__iter__";
    w->w_recv = (uint8_t)recv;
    f = &x->x_res->r_findings[x->x_res->r_count - 1];
    f->f_last = bc->bc_instrs[end].in_offset;
    /* the switch points of the whole loop, the backward jump's among them */
    if ((rc = eng_window_fill(f, bc, x->x_m->m_arena)))
        return rc;
    return G_OK;
}

int detect_code(eng_result *res, eng_mod *m, uint32_t ci, diag_ctx *d, const char *name)
{
    ctx x;
    uint32_t k;
    int rc = G_OK;
    eng_code *c = &m->m_codes[ci];
    if (c->c_is_module || c->c_is_class_body)
        return G_OK;  /* run under the import lock */
    memset(&x, 0, sizeof x);
    x.x_m = m;
    x.x_c = c;
    x.x_ci = ci;
    x.x_res = res;
    x.x_done = arena_alloc(m->m_arena, c->c_ir.f_nevents + 1);
    if (!x.x_done)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(x.x_done, 0, c->c_ir.f_nevents + 1);
    for (k = 0; k < c->c_ir.f_nevents && !rc; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (!e->ev_path || !mod_may_share(m, c, e->ev_path))
            continue;
        if (e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE)
            rc = check_store(&x, k);
        else if (e->ev_kind == EV_CALL)
            rc = check_call(&x, k);
        else if (e->ev_kind == EV_LOAD)
            rc = check_load(&x, k);
        else if (e->ev_kind == EV_ITER)
            rc = check_iter(&x, k);
        if (!rc && !x.x_done[k] && (e->ev_kind == EV_CALL || e->ev_kind == EV_LOAD))
            rc = check_use(&x, k);
    }
    return rc ? diag_add(d, rc, name, -1, "out of memory") : G_OK;
}
