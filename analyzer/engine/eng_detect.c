/* The detectors: read-modify-write (GIL101-104), read-then-write (GIL105), check-then-act
 * (GIL201), lazy initialisation (GIL202) and inconsistent locking (GIL301), over one function's
 * access events. */
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
    uint64_t x_lockmask;       /* acquisitions in this function that are locks */
    eng_result *x_res;
    int x_report_all;          /* scope all, or a function that runs concurrently */
    uint8_t *x_done;           /* events that already have a finding */
} ctx;

/* Do two events run under one acquisition of a lock (so nothing can come between them)? */
static int same_lock(const ctx *x, const ir_event *a, const ir_event *b)
{
    return (a->ev_locks & b->ev_locks & x->x_lockmask) != 0;
}

static int locked(const ctx *x, const ir_event *e)
{
    return (e->ev_locks & x->x_lockmask) != 0;
}

static const char *dup_text(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Reported in this function?  Concurrent scope: it runs in a thread, is a method of a class
 * that uses a lock, or the state is protected by a lock somewhere in the module. */
static int in_scope(const ctx *x, const ir_path *p)
{
    if (x->x_report_all)
        return 1;
    return set_has(&x->x_m->m_protected, mod_normalize(x->x_m, x->x_c, p), NULL);
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

static int add_finding(ctx *x, const char *rule, const ir_event *at, const ir_event *rel,
                       const char *rel_what, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static int add_finding(ctx *x, const char *rule, const ir_event *at, const ir_event *rel,
                       const char *rel_what, const char *fmt, ...)
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
    res->r_count++;
    x->x_done[at - x->x_c->c_ir.f_events] = 1;
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

/* A load among e's sources that reads exactly `p` (and is not under a lock shared with e). */
static const ir_event *read_of(const ctx *x, const ir_event *e, const ir_path *p)
{
    uint16_t i;
    for (i = 0; i < e->ev_srcs.s_n; i++) {
        const ir_event *l = ev(x, e->ev_srcs.s_ev[i]);
        if (l->ev_kind == EV_LOAD && l->ev_path == p && !same_lock(x, l, e))
            return l;
    }
    return NULL;
}

/* A load among the sources that reads inside container c (an item or attribute of it, not c
 * itself), other than `except`. */
static const ir_event *read_within(const ctx *x, const ir_srcs *srcs, const ir_event *e,
                                   const ir_path *c, const ir_path *except)
{
    uint16_t i;
    for (i = 0; i < srcs->s_n; i++) {
        const ir_event *l = ev(x, srcs->s_ev[i]);
        if (l->ev_kind == EV_LOAD && l->ev_path != c && l->ev_path != except &&
            ir_path_within(l->ev_path, c) && !same_lock(x, l, e))
            return l;
    }
    return NULL;
}

/* A test guarding e (on the dominator chain of its block) on state within `c`, or NULL.  When
 * any such test runs under a lock shared with e, the check and act are atomic: *safe is set. */
static const ir_event *guard_on(const ctx *x, const ir_event *e, const ir_path *c, int *safe)
{
    const ir_func *f = &x->x_c->c_ir;
    const ir_event *found = NULL;
    uint32_t b = e->ev_block, steps = 0;
    *safe = 0;
    while (b != UINT32_MAX && steps++ <= f->f_nblocks) {
        const ir_block *blk = &f->f_blocks[b];
        int32_t g = ir_block_guard(f, b);
        if (g >= 0) {
            const ir_event *t = ev(x, (uint32_t)g);
            if (t->ev_path && (ir_path_within(t->ev_path, c) || ir_path_within(c, t->ev_path))) {
                if (same_lock(x, t, e))
                    *safe = 1;
                else if (!found)
                    found = t;
            }
        }
        b = blk->b_idom;
    }
    return *safe ? NULL : found;
}

static int check_store(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *r;
    const ir_path *p = e->ev_path;
    const char *what, *rule = rmw_rule(p, &what);
    int safe;
    if (!rule)
        return G_OK;
    /* read-modify-write: the stored value was read from the same place */
    if ((r = read_of(x, e, p)))
        return add_finding(x, rule, e, r, "read",
                           "read-modify-write of %s '%s' is not atomic: another thread can write "
                           "it between the read (line %d) and this write", what, ir_path_display(p),
                           line_of(x, r));
    if (p->p_kind == PATH_ITEM) {
        /* read-then-write: L[i] = L[j] */
        if ((r = read_within(x, &e->ev_srcs, e, p->p_base, p)))
            return add_finding(x, "GIL105", e, r, "read",
                               "'%s' is read (%s, line %d) and written back here in separate "
                               "steps: another thread can change it in between",
                               ir_path_display(p->p_base), ir_path_display(r->ev_path), line_of(x, r));
        /* check-then-act: if k not in D: D[k] = v */
        if (e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE) {
            const ir_event *t = guard_on(x, e, p->p_base, &safe);
            if (t)
                return add_finding(x, "GIL201", e, t, "check",
                                   "check-then-act on '%s': the check (line %d) and this %s are "
                                   "separate steps; another thread can act in between",
                                   ir_path_display(p->p_base), line_of(x, t),
                                   e->ev_kind == EV_DELETE ? "delete" : "write");
            if ((t = shape_handler_check(x->x_m, x->x_ci, e)) && !same_lock(x, t, e))
                return add_finding(x, "GIL201", e, t, "check",
                                   "check-then-act on '%s': the read (line %d) that raised "
                                   "KeyError is the check and this %s in its handler the act; "
                                   "another thread can act in between",
                                   ir_path_display(p->p_base), line_of(x, t),
                                   e->ev_kind == EV_DELETE ? "delete" : "write");
        }
        return G_OK;
    }
    /* lazy initialisation: if _inst is None: _inst = make() */
    if (e->ev_kind == EV_STORE) {
        const ir_event *t = guard_on(x, e, p, &safe);
        if (t && t->ev_path == p)
            return add_finding(x, "GIL202", e, t, "check",
                               "lazy initialisation of %s '%s' is not atomic: two threads can "
                               "both pass the check (line %d) and both store", what,
                               ir_path_display(p), line_of(x, t));
    }
    return G_OK;
}

static int check_call(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *r, *t;
    const ir_path *c = e->ev_path;
    const eng_kb *kb = x->x_m->m_kb;
    int safe;
    uint32_t a;
    if ((r = shape_next_iter(x->x_m, x->x_ci, e)) && !same_lock(x, r, e)) {
        const char *what, *rule = rmw_rule(r->ev_path, &what);
        int rc = rule ? add_finding(x, rule, e, r, "read",
                                    "next() on the shared iterator '%s' is not atomic: it resumes "
                                    "the iterator's code (a generator or a Python __next__), "
                                    "which another thread can enter at the same time",
                                    ir_path_display(r->ev_path)) : G_OK;
        if (rule && !rc)
            x->x_res->r_findings[x->x_res->r_count - 1].f_target = ir_path_display(r->ev_path);
        if (rule)
            return rc;
    }
    if (!c || !e->ev_name || !kb_has(kb->k_mutators, kb->k_nmutators, e->ev_name))
        return G_OK;
    /* read-then-write: L.append(L[-1]) */
    for (a = 0; a < e->ev_nargs; a++)
        if ((r = read_within(x, &e->ev_args[a].ar_srcs, e, c, NULL)))
            return add_finding(x, "GIL105", e, r, "read",
                               "'%s' is read (%s, line %d) and written back by %s() in separate "
                               "steps: another thread can change it in between", ir_path_display(c),
                               ir_path_display(r->ev_path), line_of(x, r), e->ev_name);
    /* check-then-act: if L: L.pop() */
    if ((t = guard_on(x, e, c, &safe)))
        return add_finding(x, "GIL201", e, t, "check",
                           "check-then-act on '%s': the check (line %d) and %s() are separate "
                           "steps; another thread can act in between", ir_path_display(c),
                           line_of(x, t), e->ev_name);
    return G_OK;
}

/* if k in D: v = D[k], where something in the module deletes from D */
static int check_load(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k), *t;
    const ir_path *p = e->ev_path;
    int safe;
    if (p->p_kind != PATH_ITEM || !p->p_base)
        return G_OK;
    if (!set_has(&x->x_m->m_deleted, mod_normalize(x->x_m, x->x_c, p->p_base), NULL))
        return G_OK;
    t = guard_on(x, e, p->p_base, &safe);
    if (t && (t->ev_test == TEST_IN || t->ev_test == TEST_NOT_IN) && t->ev_key == p->p_key)
        return add_finding(x, "GIL201", e, t, "check",
                           "check-then-act on '%s': the key can be deleted by another thread "
                           "between the check (line %d) and this read", ir_path_display(p->p_base),
                           line_of(x, t));
    return G_OK;
}

/* Is e a write of shared state (a store, a delete, or a mutating method call)? */
static int is_write(const eng_mod *m, const ir_event *e)
{
    const eng_kb *kb = m->m_kb;
    if (!e->ev_path)
        return 0;
    if (e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE)
        return 1;
    return e->ev_kind == EV_CALL && e->ev_name &&
           kb_has(kb->k_mutators, kb->k_nmutators, e->ev_name);
}

/* A store into a closure cell by the function that owns the cell: its initialisation. */
static int owns_cell(const ctx *x, const ir_path *p)
{
    const pyc_code *c = x->x_c->c_ir.f_code->bc_src;
    uint32_t i;
    if (p->p_kind != PATH_DEREF)
        return 0;
    for (i = 0; i < c->co_nderefnames; i++)
        if (pyc_str_eq(c->co_derefnames[i], p->p_name))
            return (c->co_derefkinds[i] & PYC_FAST_CELL) != 0;
    return 0;
}

/* GIL301: a write without a lock to state that is written under a lock elsewhere. */
static int check_inconsistent(ctx *x, uint32_t k)
{
    const ir_event *e = ev(x, k);
    const char *key;
    int32_t line;
    if (locked(x, e) || x->x_c->c_is_init || owns_cell(x, e->ev_path))
        return G_OK;
    key = mod_normalize(x->x_m, x->x_c, e->ev_path);
    if (!set_has(&x->x_m->m_locked_writes, key, &line))
        return G_OK;
    return add_finding(x, "GIL301", e, NULL, NULL,
                       "'%s' is written under a lock at line %d but without one here",
                       ir_path_display(e->ev_path), line);
}

int detect_code(eng_result *res, eng_mod *m, uint32_t ci, const eng_options *opt, diag_ctx *d,
                const char *name)
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
    x.x_lockmask = mod_lock_mask(m, c);
    x.x_report_all = opt->o_scope_all || c->c_reachable ||
                     (c->c_class != NO_CODE && m->m_codes[c->c_class].c_uses_lock);
    x.x_done = arena_alloc(m->m_arena, c->c_ir.f_nevents + 1);
    if (!x.x_done)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(x.x_done, 0, c->c_ir.f_nevents + 1);
    for (k = 0; k < c->c_ir.f_nevents && !rc; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (!e->ev_path || !mod_is_shared(m, c, e->ev_path) || !in_scope(&x, e->ev_path))
            continue;
        if (e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE)
            rc = check_store(&x, k);
        else if (e->ev_kind == EV_CALL)
            rc = check_call(&x, k);
        else if (e->ev_kind == EV_LOAD)
            rc = check_load(&x, k);
    }
    for (k = 0; k < c->c_ir.f_nevents && !rc; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (is_write(m, e) && mod_is_shared(m, c, e->ev_path) && in_scope(&x, e->ev_path))
            rc = check_inconsistent(&x, k);
    }
    return rc ? diag_add(d, rc, name, -1, "out of memory") : G_OK;
}

/* Debugging aid (GILCHECK_DEBUG_IR=1): every function's facts and events on stderr. */
static void dump(const eng_mod *m)
{
    static const char *const kinds[] = { "?", "load", "store", "delete", "call", "test" };
    uint32_t i, k;
    for (i = 0; i < m->m_ncodes; i++) {
        const eng_code *c = &m->m_codes[i];
        fprintf(stderr, "== %s%s%s%s%s\n", c->c_qualname, c->c_entry ? " [entry]" : "",
                c->c_reachable ? " [reachable]" : "", c->c_uses_lock ? " [lock]" : "",
                c->c_is_class_body ? " [class]" : "");
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *e = &c->c_ir.f_events[k];
            const bc_instr *in = &c->c_ir.f_code->bc_instrs[e->ev_instr];
            uint16_t s;
            fprintf(stderr, "  %3u @%-4u L%-4d %-6s %s", k, in->in_offset, in->in_line,
                    kinds[e->ev_kind], e->ev_path ? ir_path_text(e->ev_path) : "-");
            if (e->ev_name)
                fprintf(stderr, " .%s", e->ev_name);
            if (e->ev_callee)
                fprintf(stderr, " callee=%s", e->ev_callee);
            if (e->ev_locks)
                fprintf(stderr, " locks=%llx", (unsigned long long)e->ev_locks);
            for (s = 0; s < e->ev_srcs.s_n; s++)
                fprintf(stderr, "%s%u", s ? "," : " srcs=", e->ev_srcs.s_ev[s]);
            for (s = 0; s < e->ev_nargs; s++) {
                const ir_arg *g = &e->ev_args[s];
                fprintf(stderr, " arg%u=%s%s%s", s, g->ar_kw ? g->ar_kw : "", g->ar_kw ? "=" : "",
                        g->ar_path ? ir_path_text(g->ar_path) : g->ar_func >= 0 ? "<func>" : "?");
            }
            fprintf(stderr, " blk=%u\n", e->ev_block);
        }
    }
}

int eng_analyze(eng_result *res, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
                const eng_options *opt, arena *a, diag_ctx *d, const char *name)
{
    eng_mod m;
    uint32_t i;
    int rc = mod_build(&m, pf, bf, kb, opt, a, d, name);
    if (!rc && getenv("GILCHECK_DEBUG_IR"))
        dump(&m);
    for (i = 0; !rc && i < m.m_ncodes; i++)
        rc = detect_code(res, &m, i, opt, d, name);
    return rc;
}
