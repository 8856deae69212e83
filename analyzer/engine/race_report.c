/* Races into findings: the instances of one location are paired, a window with a write that can
 * run at the same time with no common lock; an unlocked window is reported at its act with the
 * writes as the other side, a locked window's breaker as GIL301 at the write.  One finding per
 * race, ordered by file and position. */
#include "race_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/strbuf.h"

#define MAX_RELATED 6

/***** grouping by location *****/

/* Group key of an instance: its location with the root class replaced by its family's, so that
 * the locations of a class and of its bases meet (rc_related decides the pair). */
static uint32_t group_of(rc_run *r, const rc_inst *in)
{
    return rc_canonical(r, in->i_loc, in->i_cls);
}

typedef struct keyed {
    uint32_t k_group;
    uint32_t k_inst;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->k_group != y->k_group)
        return x->k_group < y->k_group ? -1 : 1;
    return x->k_inst < y->k_inst ? -1 : x->k_inst > y->k_inst;
}

/***** the pair *****/

static const rv_acc *access_of(const rc_run *r, const rc_inst *in);
static const rv_win *window_of(const rc_run *r, const rc_inst *in);

/* Does write x store the constant window w's act stores (`self.status = 'closed'` on both
 * sides)?  Then whichever runs last leaves the state the act meant: x breaks nothing.  (Strings
 * are interned: the same constant is the same id.) */
static int same_constant(const rc_run *r, const rc_inst *w, const rc_inst *x)
{
    const rv_acc *xa = access_of(r, x), *acc;
    const rv_win *sw;
    const rv_func *u;
    uint32_t k;
    if (x->i_kind != ACC_STORE || !xa->a_const)
        return 0;
    sw = window_of(r, w);
    u = rv_func_at(r, w->i_mod, w->i_code);
    acc = rv_accs(r, w->i_mod, u);
    for (k = 0; k < u->u_nacc; k++)
        if (acc[k].a_instr == sw->w_last && acc[k].a_kind == ACC_STORE)
            return acc[k].a_const && acc[k].a_const == xa->a_const;
    return 0;
}

/* Does x store the very constant window w's check `state == C` compares with?  Then the check
 * still holds after it, and the act's store overwrites it as it would have anyway
 * (`elif self._closing == 1: self._closing = 2` beside `stop()`'s `self._closing = 1`). */
static int checked_constant(const rc_run *r, const rc_inst *w, const rc_inst *x)
{
    const rv_acc *xa = access_of(r, x);
    const rv_win *sw = window_of(r, w);
    return x->i_kind == ACC_STORE && xa->a_const && sw->w_check && sw->w_check == xa->a_const;
}

static int add_key(rc_run *r, strset *s, const char *key);

/* Marks (i_value 4) the stores that end an in-place operator's window on a built-in container
 * (`L += y` stores back the list it changed): the same object, no other.  Not with --scope all,
 * which shows every read-modify-write as if any number of threads ran it -- there an in-place
 * operator is reported with the story of what it loses (nothing; `explain`, `table`: "safe"). */
static int mark_write_backs(rc_run *r)
{
    strset ends;
    uint32_t k;
    char key[48];
    if (r->r_opt && r->r_opt->o_scope_all)
        return G_OK;
    memset(&ends, 0, sizeof ends);
    for (k = 0; k < r->r_ninsts; k++) {
        const rc_inst *o = &r->r_insts[k];
        if (!o->i_window || !(o->i_value & 2))
            continue;
        snprintf(key, sizeof key, "%u:%u", o->i_frame, window_of(r, o)->w_last);
        if (add_key(r, &ends, key))
            return G_ENOMEM;
    }
    for (k = 0; ends.ss_used && k < r->r_ninsts; k++) {
        rc_inst *x = &r->r_insts[k];
        if (x->i_window || x->i_kind != ACC_STORE)
            continue;
        snprintf(key, sizeof key, "%u:%u", x->i_frame, access_of(r, x)->a_instr);
        if (set_has(&ends, key, NULL))
            x->i_value |= 4;
    }
    return G_OK;
}

/* Can two accesses of different threads reach one item?  `*` is any key; `@thread` is the
 * accessing thread's own (`D[threading.get_ident()]`): two threads never share it. */
static int keys_meet(const char *a, const char *b)
{
    int ta = !strcmp(a, "@thread"), tb = !strcmp(b, "@thread");
    if (ta && tb)
        return 0;
    return ta || tb || a[0] == '*' || b[0] == '*' || !strcmp(a, b);
}

/* Are w and x, in the same thread context, at the item of a parameter of the thread's own
 * function that each start of the thread gets another value of (`data[index]` in
 * `request(index)`, started as `for c in range(n): Thread(target=request, args=(c,))`)? */
static int own_index(const rc_run *r, const rc_inst *w, const rc_inst *x)
{
    const rc_ctx *c = &r->r_ctxs[w->i_ctx];
    unsigned long n;
    char *end;
    if (w->i_ctx != x->i_ctx || !w->i_key || !x->i_key || strncmp(w->i_key, "*p", 2) ||
        strcmp(w->i_key, x->i_key) || w->i_mod != x->i_mod || w->i_code != x->i_code ||
        c->x_entry_mod != w->i_mod || c->x_entry_code != w->i_code)
        return 0;
    n = strtoul(w->i_key + 2, &end, 10);
    return *end == '\0' && n < 64 && (c->x_distinct >> n & 1);
}

/* Can contexts a and b run at the same time?  A script's main thread only meets the contexts
 * that start in the modules its program reaches; two scripts' main threads never meet. */
static int concurrent(const rc_run *r, uint32_t a, uint32_t b)
{
    const rc_ctx *x = &r->r_ctxs[a], *y = &r->r_ctxs[b];
    if (x->x_kind == CTX_MAIN && y->x_kind == CTX_MAIN)
        return a == b;
    if (y->x_kind == CTX_MAIN) {
        const rc_ctx *t = x;
        x = y;
        y = t;
    }
    if (x->x_kind != CTX_MAIN)
        return 1;
    return y->x_home != RC_NONE && x->x_modules &&
           (x->x_modules[y->x_home / 8] >> (y->x_home % 8) & 1);
}

/* Does instance a run in the construction of the one object of a class that starts thread
 * context t: in `__init__` of a class made once in the run (module code, no loop, no subclass
 * in the run), whose plain methods are where t's thread starts -- the run() of a Thread
 * subclass whose every construction site is in such a method, or a thread a method starts --
 * and whose __init__ calls nothing on self?  A method is called on an object after its
 * construction, so what the constructor does comes first (MirrorTest's __init__ resetting the
 * class's counters before run_ping_test() starts the workers that count). */
static int in_constructor(rc_run *r, const rc_inst *a, const rc_ctx *x)
{
    uint32_t c = RC_NONE, fi, j, steps = 0;
    if (x->x_kind == CTX_SUBCLASS)
        c = r->r_classes[x->x_subclass].k_site_cls;
    else if (x->x_kind == CTX_THREAD && x->x_start_mod != RC_NONE) {
        const rv_func *u = rv_func_at(r, x->x_start_mod, x->x_start_code);
        if (u->u_class != SUM_NONE && !(u->u_flags & (FN_INIT | FN_STATIC | FN_CLASSMETHOD)))
            c = r->r_class_id[x->x_start_mod][u->u_class];
    }
    if (c == RC_NONE || c == RC_UNSET || !r->r_classes[c].k_once)
        return 0;
    for (fi = a->i_frame; fi != RC_NONE && steps++ < 32; fi = r->r_frames[fi].fr_parent) {
        const rc_frame *fr = &r->r_frames[fi];
        const rv_func *u = rv_func_at(r, fr->fr_mod, fr->fr_code);
        rv_calls it;
        sum_call call;
        if (fr->fr_starter)
            return 0;
        if (!(u->u_flags & FN_INIT) || u->u_class == SUM_NONE ||
            r->r_class_id[fr->fr_mod][u->u_class] != c)
            continue;
        rv_calls_start_bare(&it, r, fr->fr_mod, u);
        while (rv_calls_next(&it, &call))
            if (!strncmp(call.c_callee, "p:0.", 4))
                return 0;   /* a method of the object, run before the constructor ends */
        for (j = 0; j < r->r_nclasses; j++)
            if (j != c && rc_is_base(r, c, j))
                return 0;   /* a subclass's objects run this __init__ too */
        return 1;
    }
    return 0;
}

/* Does instance a happen before thread context t starts, where it meets instance o of t: it
 * runs in the function that starts t (or in what that function calls) before the starting
 * call, and not in a loop with it -- or, in a context that runs once, in a function that later
 * calls what starts t (race_order.c)?  For the run() of a Thread subclass whose own start() hands
 * the object over with `super().start()`, only the object's own state counts: another object
 * of the class may be running already. */
static int before_start(rc_run *r, const rc_inst *a, uint32_t t, const rc_inst *o)
{
    const rc_ctx *x = &r->r_ctxs[t];
    uint32_t fi = a->i_frame, instr = a->i_instr, steps = 0;
    if (in_constructor(r, a, x))
        return 1;
    if (x->x_start_mod == RC_NONE || x->x_start_loop ||
        (x->x_kind != CTX_THREAD && (x->x_kind != CTX_SUBCLASS || !a->i_recv || !o->i_recv)))
        return 0;
    while (fi != RC_NONE && steps++ < 32) {
        const rc_frame *fr = &r->r_frames[fi];
        if (fr->fr_starter)
            return 0;   /* a's own context starts there: it runs in the started thread */
        if (fr->fr_mod == x->x_start_mod && fr->fr_code == x->x_start_code)
            return instr < x->x_start_instr;
        /* a caller that starts it later, `w = Watcher(); w.setup(); w.start()`, in a context
         * that runs once (many runs of it would start threads before another's set-up) */
        if (x->x_kind == CTX_THREAD && !r->r_ctxs[a->i_ctx].x_many &&
            rc_starts_after(r, fi, instr, t))
            return 1;
        instr = fr->fr_call_instr;
        fi = fr->fr_parent;
    }
    return 0;
}

/* Are weak "any caller" context ca and thread context ct about one object: ct runs on an
 * object of the class whose methods ca calls? */
static int same_object(const rc_run *r, const rc_ctx *ca, const rc_ctx *ct)
{
    if (ca->x_kind != CTX_ANY || !ca->x_weak || ca->x_owner_mod == RC_NONE ||
        (ct->x_kind != CTX_THREAD && ct->x_kind != CTX_SUBCLASS) || ct->x_owner_mod == RC_NONE)
        return 0;
    /* the owner of an object whose thread runs in a base class's run() drives that object */
    if (ca->x_by_owner)
        return rc_related(r, r->r_class_id[ct->x_owner_mod][ct->x_owner_cls],
                          r->r_class_id[ca->x_owner_mod][ca->x_owner_cls]);
    return ct->x_owner_mod == ca->x_owner_mod && ct->x_owner_cls == ca->x_owner_cls;
}

/* Is "any caller" context a the other way to drive what thread context t does: its entry
 * calls a function of t's main loop (r_drivers)? */
static int drives(const rc_run *r, uint32_t a, uint32_t t)
{
    char key[32];
    if (r->r_ctxs[a].x_kind != CTX_ANY || !r->r_drivers.ss_used)
        return 0;
    snprintf(key, sizeof key, "%u:%u", a, t);
    return set_has(&r->r_drivers, key, NULL);
}

/* Can write x land inside window w and break it? */
/* Is weak "any caller" context a's access in function (mod, code) code that thread context t,
 * started by an object of the same class, runs itself?  (paho's Client: loop_start()'s thread
 * runs loop()'s code; a caller of loop() is the other way to drive the same object, not a
 * second thread beside it.) */
static int thread_work(const rc_run *r, uint32_t a, uint32_t t, uint32_t mod, uint32_t code)
{
    const rc_ctx *ca = &r->r_ctxs[a], *ct = &r->r_ctxs[t];
    char key[48];
    if (!same_object(r, ca, ct))
        return 0;
    snprintf(key, sizeof key, "%u:%u:%u", mod, code, t);
    return set_has(&r->r_thread_code, key, NULL);
}

/* The owner of an object (x_by_owner) calls its methods beside the object's own threads:
 * does thread context t belong to an object of owner context o's class? */
static int owner_pair(const rc_run *r, const rc_ctx *o, const rc_ctx *t)
{
    char key[48];
    uint32_t oc;
    if ((t->x_kind != CTX_THREAD && t->x_kind != CTX_SUBCLASS) || t->x_runs_on == RC_NONE ||
        o->x_owner_mod == RC_NONE)
        return 0;
    oc = r->r_class_id[o->x_owner_mod][o->x_owner_cls];
    if (!rc_related(r, t->x_runs_on, oc))
        return 0;
    /* the run() of Thread subclass S runs on an S: its owner calls S's methods, or a base's */
    if (t->x_subclass != RC_NONE && t->x_subclass != oc && !rc_is_base(r, oc, t->x_subclass))
        return 0;
    /* a public method the thread calls itself is its work, not its owner's (a stream worker's
     * iter_segments(), run by its run()) */
    snprintf(key, sizeof key, "%u:%u:%u", o->x_entry_mod, o->x_entry_code,
             (uint32_t)(t - r->r_ctxs));
    return !set_has(&r->r_thread_code, key, NULL);
}

/* Is owner context o's method called, wherever the run calls it, before the start of thread
 * context t on the same object (race_order.c)? */
static int owner_before(const rc_run *r, uint32_t o, uint32_t t)
{
    char key[32];
    int32_t v;
    if (!r->r_ctxs[o].x_by_owner || !r->r_before_start.ss_used)
        return 0;
    snprintf(key, sizeof key, "%u:%u", o, t);
    return set_has(&r->r_before_start, key, &v) && v == 1;
}

/* Is a -- in its context's entry, method B.m, on that method's own `self` -- on an object that
 * b's cannot be?  b's object is of a class S that derives from B and overrides m (S, or a class
 * between them, defines m) without calling super(): calling m on an S runs the override, and
 * B.m would run on it only through `B.m(obj)`, a call, not the entry.  (distributed's vendored
 * executor: the base's shutdown() iterates the thread set that its subclass's own threads swap,
 * and the subclass replaces shutdown().) */
static int overridden(const rc_run *r, const rc_inst *a, const rc_inst *b)
{
    const rc_frame *fr = &r->r_frames[a->i_frame];
    const rv_func *u = rv_func_at(r, a->i_mod, a->i_code);
    uint32_t cls, mod = RC_NONE, code;
    if (fr->fr_parent != RC_NONE || r->r_ctxs[a->i_ctx].x_kind != CTX_ANY ||
        u->u_class == SUM_NONE || !u->u_name || !a->i_recv || b->i_cls == RC_NONE)
        return 0;
    cls = r->r_class_id[a->i_mod][u->u_class];
    if (b->i_cls == cls || !rc_is_base(r, cls, b->i_cls))
        return 0;
    code = rc_method(r, b->i_cls, rv_s(r, u->u_name), &mod);
    /* an override that calls super() may run B.m on the object after all */
    return code != RC_NONE && (code != a->i_code || mod != a->i_mod) &&
           !(rv_func_at(r, mod, code)->u_flags & FN_SUPER);
}

/* Is write x the one store of a value its location gets in the run, made once: x is the only
 * store of a value other than a falsy constant there (constructors aside, whose writes are not
 * the run's), not in a loop, in a thread that runs once (per object, for the object's own
 * state) and reaches it through no loop?  A window that starts where a test found the
 * location set (BRK_SEEN_SET) then starts after that store: it cannot land inside. */
static int stored_once(rc_run *r, const rc_inst *x)
{
    const rc_ctx *c = &r->r_ctxs[x->i_ctx];
    const rv_acc *xa = access_of(r, x);
    uint32_t i, fi, steps = 0, g = group_of(r, x);
    if (xa->a_loop || (c->x_kind != CTX_THREAD && c->x_kind != CTX_SUBCLASS) ||
        (x->i_recv ? c->x_self_many : c->x_many))
        return 0;
    for (fi = x->i_frame; fi != RC_NONE && steps++ < 64; fi = r->r_frames[fi].fr_parent)
        if (r->r_frames[fi].fr_loop)
            return 0;
    for (i = 0; i < r->r_ninsts; i++) {
        const rc_inst *o = &r->r_insts[i];
        if (o->i_window || o->i_kind != ACC_STORE || o->i_key || access_of(r, o)->a_falsy ||
            group_of(r, o) != g)
            continue;
        if (o->i_mod != x->i_mod || o->i_code != x->i_code || o->i_idx != x->i_idx)
            return 0;   /* another store of a value: the test may have seen that one */
    }
    return 1;
}

static int breaks(rc_run *r, const rc_inst *w, const rc_inst *x)
{
    const rc_ctx *cw = &r->r_ctxs[w->i_ctx];
    if (w->i_prop != x->i_prop)     /* a property's get/set pairs only with its own kind */
        return 0;
    if (w->i_cls != RC_NONE && x->i_cls != RC_NONE && !rc_related(r, w->i_cls, x->i_cls))
        return 0;
    if (w->i_key) {
        if (!x->i_key || !keys_meet(w->i_key, x->i_key))
            return 0;
        if ((w->i_value & 2) && (x->i_value & 4))
            return 0;   /* `D[k]['oids'] -= gone` on a set: the same set stored back */
    } else if (w->i_value & 2) {                /* `L += x` on a list: the same object */
        if ((x->i_kind != ACC_STORE && x->i_kind != ACC_DELETE) || x->i_key ||
            (x->i_value & 4))
            return 0;
    } else if (!w->i_value) {                   /* lazy init: another store of the value */
        if (x->i_key || (x->i_kind != ACC_STORE &&
                         !((w->i_kind & BRK_KIND) == BRK_FALSY && x->i_kind == ACC_DELETE)))
            return 0;
    }
    if ((w->i_kind & BRK_OTHERS) && w->i_mod == x->i_mod && w->i_code == x->i_code &&
        access_of(r, x)->a_instr == window_of(r, w)->w_last)
        return 0;   /* the window's own store, run by another thread */
    if ((w->i_kind & BRK_OTHERS) && same_constant(r, w, x))
        return 0;   /* `if self.status != 'closed': ... self.status = 'closed'` beside close() */
    if ((w->i_kind & BRK_OTHERS) && checked_constant(r, w, x))
        return 0;   /* `if self.state == 1: self.state = 2` beside another `self.state = 1` */
    switch (w->i_kind & BRK_KIND) {
    case BRK_REMOVE:
        if (x->i_kind != ACC_DELETE && x->i_kind != ACC_REMOVE)
            return 0;
        break;
    case BRK_INSERT:
        if (x->i_kind != ACC_STORE && x->i_kind != ACC_INSERT)
            return 0;
        break;
    case BRK_FALSY:                             /* check-then-use: `self.sock = None` */
        if (x->i_kind == ACC_STORE && !access_of(r, x)->a_falsy)
            return 0;
        break;
    case BRK_VALUE:                             /* take-and-reset: a producer's store */
        if (x->i_kind != ACC_STORE || access_of(r, x)->a_falsy)
            return 0;
        if ((w->i_kind & BRK_SEEN_SET) && stored_once(r, x))
            return 0;   /* the test saw the one store's value: it has happened */
        break;
    default:
        break;
    }
    if (w->i_ctx == x->i_ctx && !(w->i_recv && x->i_recv ? cw->x_self_many : cw->x_many))
        return 0;
    if (own_index(r, w, x))
        return 0;   /* each thread its own index */
    /* tasks of one pool of one worker, submitted from several places, run one at a time */
    if (cw->x_pool != RC_NONE && cw->x_pool == r->r_ctxs[x->i_ctx].x_pool)
        return 0;
    /* `self._thread.join()` before it: that thread has finished */
    if (rc_joined(r, w->i_joined, x->i_ctx) || rc_joined(r, x->i_joined, w->i_ctx))
        return 0;
    /* run() of two Thread subclasses (a server class and its subclass): each object runs its
     * own run() once, so the state of the receiver is one thread's either way */
    if (w->i_recv && x->i_recv && cw->x_kind == CTX_SUBCLASS &&
        r->r_ctxs[x->i_ctx].x_kind == CTX_SUBCLASS)
        return 0;
    /* a lock in a class or module is a hint, not a thread: callers of one that nobody declared
     * thread-safe race with the threads that use it, not with each other */
    if (cw->x_weak && r->r_ctxs[x->i_ctx].x_weak)
        return 0;
    if ((cw->x_by_owner && !owner_pair(r, cw, &r->r_ctxs[x->i_ctx])) ||
        (r->r_ctxs[x->i_ctx].x_by_owner && !owner_pair(r, &r->r_ctxs[x->i_ctx], cw)))
        return 0;
    /* the program calls that owner method only before it starts the thread */
    if (owner_before(r, w->i_ctx, x->i_ctx) || owner_before(r, x->i_ctx, w->i_ctx))
        return 0;
    if (thread_work(r, w->i_ctx, x->i_ctx, w->i_mod, w->i_code) ||
        thread_work(r, x->i_ctx, w->i_ctx, x->i_mod, x->i_code))
        return 0;
    if (drives(r, w->i_ctx, x->i_ctx) || drives(r, x->i_ctx, w->i_ctx))
        return 0;
    /* a context inferred from a lock alone has no thread of its own: against the main thread
     * of a script it is that thread (the threads the script starts are contexts of their own) */
    if ((cw->x_weak && r->r_ctxs[x->i_ctx].x_kind == CTX_MAIN) ||
        (r->r_ctxs[x->i_ctx].x_weak && cw->x_kind == CTX_MAIN))
        return 0;
    if (!concurrent(r, w->i_ctx, x->i_ctx))
        return 0;
    if (before_start(r, w, x->i_ctx, x) || before_start(r, x, w->i_ctx, w))
        return 0;   /* it happens before the other thread exists */
    if (r->r_texts[w->i_loc][0] == 'c' &&
        (w->i_ctx == x->i_ctx ? !w->i_cell_own : !w->i_cell_own && !x->i_cell_own))
        return 0;   /* another call's cell */
    if (r->r_texts[w->i_loc][0] == 'c' && w->i_mod == x->i_mod && w->i_code != x->i_code) {
        const rv_more *m = rv_more_of(r, w->i_mod, rv_func_at(r, w->i_mod, w->i_code));
        uint32_t k;
        for (k = 0; m && k < m->m_nexcl; k++)
            if (r->r_sums[w->i_mod]->s_ids[m->m_excl + k] == x->i_code)
                return 0;   /* closures of exclusive branches: one call makes one of them */
    }
    if (!rc_lockset_disjoint(r, w->i_locks, x->i_locks))
        return 0;
    return !overridden(r, w, x) && !overridden(r, x, w);
}

/***** findings *****/

static finding *push_finding(rc_run *r, eng_result *res)
{
    if (res->r_count == res->r_cap) {
        uint32_t cap = res->r_cap ? res->r_cap * 2 : 16;
        finding *g = arena_array(r->r_a, cap, sizeof *g);
        if (!g)
            return NULL;
        if (res->r_count)
            memcpy(g, res->r_findings, res->r_count * sizeof *g);
        res->r_findings = g;
        res->r_cap = cap;
    }
    return &res->r_findings[res->r_count++];
}

typedef struct site {
    uint32_t s_mod, s_code, s_idx;   /* a window (u_win) or a write (u_acc) */
    uint32_t s_w, s_x;               /* the first pair: window and write instances */
    uint32_t s_related[MAX_RELATED]; /* write instances (window sites) or window instances */
    uint32_t s_nrelated;
} site;

typedef struct sites {
    site *ss_items;
    uint32_t ss_n, ss_cap;
    strset ss_index;
} sites;

/* Appends the decimal digits of n at p; returns the end. */
static char *put_u32(char *p, uint32_t n)
{
    char digits[10];
    size_t k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k)
        *p++ = digits[--k];
    return p;
}

/* A site's key, "<kind><mod>.<code>.<idx>", into key (at least 40 bytes): built without
 * printf, which was most of rc_report's time (a lookup per pair of a window and a write:
 * 13 M of the 45 M instructions of composing a 2,000-line module with its 32 neighbours). */
static void site_key(char *key, char kind, uint32_t mod, uint32_t code, uint32_t idx)
{
    char *p = key;
    *p++ = kind;
    p = put_u32(p, mod);
    *p++ = '.';
    p = put_u32(p, code);
    *p++ = '.';
    p = put_u32(p, idx);
    *p = 0;
}

static site *site_get(rc_run *r, sites *ss, char kind, uint32_t mod, uint32_t code, uint32_t idx,
                      int *fresh)
{
    char key[64];
    int32_t at;
    site_key(key, kind, mod, code, idx);
    *fresh = 0;
    if (set_has(&ss->ss_index, key, &at))
        return &ss->ss_items[at];
    if (ss->ss_n == ss->ss_cap) {
        uint32_t cap = ss->ss_cap ? ss->ss_cap * 2 : 64;
        site *g = arena_array(r->r_a, cap, sizeof *g);
        if (!g)
            return NULL;
        if (ss->ss_n)
            memcpy(g, ss->ss_items, ss->ss_n * sizeof *g);
        ss->ss_items = g;
        ss->ss_cap = cap;
    }
    if (set_add(&ss->ss_index, r->r_a, rc_text(r, rc_intern(r, key)), (int32_t)ss->ss_n))
        return NULL;
    *fresh = 1;
    memset(&ss->ss_items[ss->ss_n], 0, sizeof ss->ss_items[0]);
    ss->ss_items[ss->ss_n].s_mod = mod;
    ss->ss_items[ss->ss_n].s_code = code;
    ss->ss_items[ss->ss_n].s_idx = idx;
    return &ss->ss_items[ss->ss_n++];
}

/* Adds instance i to a site's related list unless one from the same place is there. */
static void relate(const rc_run *r, site *s, uint32_t i)
{
    uint32_t k;
    const rc_inst *in = &r->r_insts[i];
    for (k = 0; k < s->s_nrelated; k++) {
        const rc_inst *o = &r->r_insts[s->s_related[k]];
        if (o->i_mod == in->i_mod && o->i_code == in->i_code && o->i_idx == in->i_idx)
            return;
    }
    if (s->s_nrelated < MAX_RELATED)
        s->s_related[s->s_nrelated++] = i;
}

static const char *dup_text(rc_run *r, const char *s)
{
    return s ? rc_text(r, rc_intern(r, s)) : NULL;
}

static const char *locks_text(rc_run *r, uint32_t ls);

/* The readable name of a lock location: "Pool._lock" for "o:pkg.mod.Pool._lock". */
static const char *lock_name(rc_run *r, uint32_t id)
{
    const char *t = rc_text(r, id), *end = t + strlen(t), *p = end;
    int dots = 0;
    if (!strncmp(t, "c:", 2))             /* a closure's lock: "c:mod:CODE:name" */
        return dup_text(r, strrchr(t, ':') + 1);
    if (!strcmp(t, "lock:?"))
        return "a lock it was given";
    while (p > t && dots < 2) {
        p--;
        if (*p == '.')
            dots++;
    }
    return dup_text(r, dots == 2 ? p + 1 : (t[1] == ':' ? t + 2 : t));
}

/* "without a lock", or "holding a, b" for lock set ls. */
static const char *holding_text(rc_run *r, uint32_t ls)
{
    char buf[600];
    if (!ls)
        return "without a lock";
    snprintf(buf, sizeof buf, "holding %s", locks_text(r, ls));
    return dup_text(r, buf);
}

/* The names of the locks in lock set ls, "a, b", or "no lock". */
static const char *locks_text(rc_run *r, uint32_t ls)
{
    strbuf sb;
    uint32_t i;
    const char *out;
    if (!ls)
        return "no lock";
    sb_init(&sb);
    for (i = 0; i < r->r_lset_n[ls]; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", lock_name(r, r->r_lsets[ls][i]));
    out = sb.sb_failed ? "a lock" : dup_text(r, sb.sb_buf);
    sb_free(&sb);
    return out;
}

static const rv_acc *access_of(const rc_run *r, const rc_inst *in)
{
    return rv_accs(r, in->i_mod, rv_func_at(r, in->i_mod, in->i_code)) + in->i_idx;
}

static const rv_win *window_of(const rc_run *r, const rc_inst *in)
{
    const rv_win *win;
    rv_wins(r, in->i_mod, rv_func_at(r, in->i_mod, in->i_code), &win);
    return win + in->i_idx;
}

/* The access of write instance in, with its text and columns: from the whole summary; NULL
 * when it could not be had (r_full_rc). */
static const sum_access *full_access_of(rc_run *r, const rc_inst *in)
{
    const eng_summary *s = rc_full(r, in->i_mod);
    if (!s || in->i_code >= s->s_nfuncs || in->i_idx >= s->s_funcs[in->i_code].u_nacc)
        return NULL;
    return &s->s_funcs[in->i_code].u_acc[in->i_idx];
}

/* The candidate finding of window instance in (whole summary); NULL as full_access_of. */
static const finding *candidate_of(rc_run *r, const rc_inst *in)
{
    const eng_summary *s = rc_full(r, in->i_mod);
    uint32_t k = window_of(r, in)->w_finding;
    if (!s || k >= s->s_cand.r_count)
        return NULL;
    return &s->s_cand.r_findings[k];
}

static const char *kind_word(int kind, const char *method)
{
    switch (kind) {
    case ACC_STORE: return "stores";
    case ACC_DELETE: return "deletes";
    default: return method ? method : "changes";
    }
}

/* The place of write instance i as a related location. */
static int write_related(rc_run *r, eng_related *rl, uint32_t i)
{
    const rc_inst *in = &r->r_insts[i];
    const sum_access *a = full_access_of(r, in);
    const rv_sum *s = r->r_sums[in->i_mod];
    char buf[600];
    if (!a)
        return G_EBAD;
    rl->rl_file = s->s_file;
    rl->rl_line = a->a_line;
    rl->rl_col = a->a_col;
    rl->rl_function = rv_s(r, s->s_funcs[in->i_code].u_qualname);
    if (a->a_kind == ACC_INSERT || a->a_kind == ACC_REMOVE)
        snprintf(buf, sizeof buf, "%s() changes '%s' %s", a->a_method ? a->a_method : "a call",
                 a->a_text, holding_text(r, in->i_locks));
    else
        snprintf(buf, sizeof buf, "%s '%s' %s", kind_word(a->a_kind, NULL), a->a_text,
                 holding_text(r, in->i_locks));
    rl->rl_what = dup_text(r, buf);
    rl->rl_context = r->r_ctxs[in->i_ctx].x_what;
    return G_OK;
}

static void window_phrase(char *buf, size_t size, const finding *wf);

/* The place of window instance i as a related location. */
static int window_related(rc_run *r, eng_related *rl, uint32_t i)
{
    const rc_inst *in = &r->r_insts[i];
    const finding *f = candidate_of(r, in);
    const rv_sum *s = r->r_sums[in->i_mod];
    char buf[900], phrase[400];
    if (!f)
        return G_EBAD;
    rl->rl_file = s->s_file;
    rl->rl_line = f->f_rel_line >= 0 ? f->f_rel_line : f->f_line;
    rl->rl_col = f->f_rel_line >= 0 ? f->f_rel_col : f->f_col;
    rl->rl_function = f->f_function;
    window_phrase(phrase, sizeof phrase, f);
    snprintf(buf, sizeof buf, "%s holds %s over its %s", f->f_function,
             locks_text(r, in->i_locks), phrase);
    rl->rl_what = dup_text(r, buf);
    rl->rl_context = r->r_ctxs[in->i_ctx].x_what;
    return G_OK;
}

/* The calls from the context's entry down to the instance's frame, entry first. */
static void chain_of(rc_run *r, finding *f, uint32_t frame)
{
    uint32_t n = 0, fi, k;
    eng_related *c;
    char buf[600];
    for (fi = frame; fi != RC_NONE && n < 32 && !r->r_frames[fi].fr_starter;
         fi = r->r_frames[fi].fr_parent)
        n++;
    if (n <= 1 || !(c = arena_array(r->r_a, n, sizeof *c))) {
        f->f_chain = NULL;
        f->f_nchain = 0;
        return;
    }
    k = n;
    for (fi = frame; fi != RC_NONE && k > 0; fi = r->r_frames[fi].fr_parent) {
        const rc_frame *fr = &r->r_frames[fi];
        const rv_sum *s = r->r_sums[fr->fr_mod];
        const rc_frame *up = fr->fr_parent != RC_NONE && !r->r_frames[fr->fr_parent].fr_starter
                                 ? &r->r_frames[fr->fr_parent] : NULL;
        eng_related *rl = &c[--k];
        memset(rl, 0, sizeof *rl);
        rl->rl_function = rv_s(r, s->s_funcs[fr->fr_code].u_qualname);
        rl->rl_col = -1;
        if (up) {
            rl->rl_file = r->r_sums[up->fr_mod]->s_file;
            rl->rl_line = fr->fr_line;
            snprintf(buf, sizeof buf, "%s calls %s",
                     rv_s(r, rv_func_at(r, up->fr_mod, up->fr_code)->u_qualname),
                     rl->rl_function);
            rl->rl_what = dup_text(r, buf);
        } else {
            rl->rl_file = s->s_file;
            rl->rl_line = s->s_funcs[fr->fr_code].u_line;
            rl->rl_what = dup_text(r, "entry");
        }
    }
    f->f_chain = c;
    f->f_nchain = n;
}

/***** the findings *****/

/* The access that window instance w's window ends with (its act's store), or RC_NONE. */
static uint32_t window_act(const rc_run *r, const rc_inst *w)
{
    const rv_win *sw = window_of(r, w);
    const rv_func *u = rv_func_at(r, w->i_mod, w->i_code);
    const rv_acc *acc = rv_accs(r, w->i_mod, u);
    uint32_t k, act = RC_NONE;
    for (k = 0; k < u->u_nacc; k++)
        if (acc[k].a_instr == sw->w_last)
            act = k;
    return act;
}

/* Does window site st (in mod, code) have the write at access idx of (mod, code) among the
 * writes that break it? */
static int broken_by(const rc_run *r, const site *st, uint32_t mod, uint32_t code, uint32_t idx)
{
    uint32_t k;
    for (k = 0; k < st->s_nrelated; k++) {
        const rc_inst *x = &r->r_insts[st->s_related[k]];
        if (x->i_mod == mod && x->i_code == code && x->i_idx == idx)
            return 1;
    }
    return 0;
}

/* Does window site a show on GIL builds (a switch point inside its window)? */
static int site_shows(rc_run *r, const site *a)
{
    const finding *c = candidate_of(r, &r->r_insts[a->s_w]);
    return c && c->f_nswitch > 0;
}

/* Is unlocked window site i the mirror of another: two read-modify-writes (or a take and an
 * append) of one state, each breaking the other and only the other (`self.n += 1` in a
 * worker thread, `self.n = self.n - k` in its owner)?  One race, one fix: it is reported
 * once, and that finding names the other store among its other sides -- at the side that
 * shows on GIL builds if only one does, else at the first by summary and line.  acts maps
 * "mod.code.access" of each site's act to the site. */
static int mirrored(rc_run *r, const sites *win, const strset *acts, uint32_t i)
{
    const site *a = &win->ss_items[i];
    uint32_t acta = window_act(r, &r->r_insts[a->s_w]), k;
    char key[40];
    if (acta == RC_NONE)
        return 0;
    for (k = 0; k < a->s_nrelated; k++) {
        const rc_inst *x = &r->r_insts[a->s_related[k]];
        const site *b;
        int32_t j, la, lb, sa, sb;
        site_key(key, 'a', x->i_mod, x->i_code, x->i_idx);
        if (!set_has(acts, key, &j) || (uint32_t)j == i)
            continue;
        b = &win->ss_items[j];
        /* each side broken only by the other: two threads of one each (a reader thread and
         * its owner).  A window that also races with itself (`count += 1` in a handler that
         * runs in many threads) is a place to fix of its own. */
        if (!broken_by(r, b, a->s_mod, a->s_code, acta) ||
            broken_by(r, a, a->s_mod, a->s_code, acta) ||
            broken_by(r, b, b->s_mod, b->s_code, x->i_idx))
            continue;
        sa = site_shows(r, a);
        sb = site_shows(r, b);
        if (sa != sb) {
            if (sb)
                return 1;
            continue;
        }
        la = rv_accs(r, a->s_mod, rv_func_at(r, a->s_mod, a->s_code))[acta].a_line;
        lb = rv_accs(r, b->s_mod, rv_func_at(r, b->s_mod, b->s_code))[x->i_idx].a_line;
        if (b->s_mod < a->s_mod ||
            (b->s_mod == a->s_mod && (lb < la || (lb == la && (uint32_t)j < i))))
            return 1;
    }
    return 0;
}

/* A copy of the window's candidate finding with the race's other side. */
static int window_finding(rc_run *r, eng_result *res, const site *st)
{
    const rc_inst *w = &r->r_insts[st->s_w];
    const finding *cand = candidate_of(r, w);
    finding *f;
    eng_related *rel;
    uint32_t k;
    if (!cand)
        return G_EBAD;
    if (!(f = push_finding(r, res)))
        return G_ENOMEM;
    *f = *cand;
    f->f_unit = st->s_mod;
    f->f_context = r->r_ctxs[w->i_ctx].x_what;
    if (!(rel = arena_array(r->r_a, st->s_nrelated, sizeof *rel)))
        return G_ENOMEM;
    for (k = 0; k < st->s_nrelated; k++)
        if (write_related(r, &rel[k], st->s_related[k]))
            return G_EBAD;
    f->f_related = rel;
    f->f_nrelated = st->s_nrelated;
    chain_of(r, f, w->i_frame);
    return G_OK;
}

/* What kind of window a candidate finding is, for GIL301's message: "its check-then-act on
 * 'memo' (lines 64-66)". */
static void window_phrase(char *buf, size_t size, const finding *wf)
{
    const char *what;
    int32_t from = wf->f_rel_line >= 0 ? wf->f_rel_line : wf->f_line, to = wf->f_line;
    char lines[64];
    if (!strcmp(wf->f_rule, "GIL105"))
        what = "read and write-back of";
    else if (!strcmp(wf->f_rule, "GIL106"))
        what = "iteration over";
    else if (!strcmp(wf->f_rule, "GIL201"))
        what = "check-then-act on";
    else if (!strcmp(wf->f_rule, "GIL204"))
        what = "cache fill of";
    else if (!strcmp(wf->f_rule, "GIL202"))
        what = "check and store of";
    else if (!strcmp(wf->f_rule, "GIL203"))
        what = "check-then-use of";
    else if (!strcmp(wf->f_rule, "GIL107"))
        what = "take-and-reset of";
    else
        what = "read-modify-write of";
    if (!strcmp(wf->f_rule, "GIL106"))
        snprintf(lines, sizeof lines, "from line %d", (int)from);
    else if (from == to)
        snprintf(lines, sizeof lines, "line %d", (int)from);
    else
        snprintf(lines, sizeof lines, "lines %d-%d", (int)(from < to ? from : to),
                 (int)(from < to ? to : from));
    snprintf(buf, size, "%s '%s' (%s)", what, wf->f_target, lines);
}

/* GIL301 at a write that can land inside a window another function holds a lock across. */
static int breaker_finding(rc_run *r, eng_result *res, const site *st)
{
    const rc_inst *w = &r->r_insts[st->s_w], *x = &r->r_insts[st->s_x];
    const sum_access *a = full_access_of(r, x);
    const finding *wf = candidate_of(r, w);
    const rv_sum *s = r->r_sums[x->i_mod];
    finding *f;
    eng_related *rel;
    uint32_t k;
    char msg[900], phrase[400], what[64];
    if (!a || !wf)
        return G_EBAD;
    if (!(f = push_finding(r, res)))
        return G_ENOMEM;
    memset(f, 0, sizeof *f);
    f->f_rule = "GIL301";
    f->f_file = s->s_file;
    f->f_target = a->a_text;
    f->f_function = rv_s(r, s->s_funcs[x->i_code].u_qualname);
    f->f_line = a->a_line;
    f->f_col = a->a_col;
    f->f_end_line = a->a_end_line;
    f->f_end_col = a->a_end_col;
    f->f_rel_line = f->f_rel_col = -1;
    f->f_code = x->i_code;
    f->f_first = f->f_last = a->a_offset;
    f->f_python_minor = s->s_minor;
    f->f_unit = x->i_mod;
    f->f_context = r->r_ctxs[x->i_ctx].x_what;
    window_phrase(phrase, sizeof phrase, wf);
    if (a->a_kind == ACC_INSERT || a->a_kind == ACC_REMOVE)
        snprintf(what, sizeof what, "changed here by %s()", a->a_method ? a->a_method : "a call");
    else
        snprintf(what, sizeof what, "%s here", a->a_kind == ACC_DELETE ? "deleted" : "written");
    snprintf(msg, sizeof msg,
             "'%s' is %s %s, but %s holds %s over its %s: this can land in between",
             a->a_text, what, holding_text(r, x->i_locks), wf->f_function,
             locks_text(r, w->i_locks), phrase);
    f->f_message = dup_text(r, msg);
    if (!(rel = arena_array(r->r_a, st->s_nrelated, sizeof *rel)))
        return G_ENOMEM;
    for (k = 0; k < st->s_nrelated; k++)
        if (window_related(r, &rel[k], st->s_related[k]))
            return G_EBAD;
    f->f_related = rel;
    f->f_nrelated = st->s_nrelated;
    chain_of(r, f, x->i_frame);
    return G_OK;
}

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    int c;
    if (x->f_unit != y->f_unit)
        return x->f_unit < y->f_unit ? -1 : 1;
    if (x->f_line != y->f_line)
        return x->f_line < y->f_line ? -1 : 1;
    if (x->f_col != y->f_col)
        return x->f_col < y->f_col ? -1 : 1;
    if ((c = strcmp(x->f_rule, y->f_rule)))
        return c;
    return strcmp(x->f_target, y->f_target);
}

/* Is a the state b names, or the container b is an item of ("D" and "D[k]")?  A check tests one
 * container; its acts may name the container (`D.pop(k)`) or the item (`D[k]`). */
static int same_state(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > nb)
        return same_state(b, a);
    return !strncmp(a, b, na) && (b[na] == '\0' || b[na] == '[');
}

/* Are all of f's other sides in f's own function (and is there one)? */
static int sides_at_home(const finding *f)
{
    uint32_t k;
    for (k = 0; k < f->f_nrelated; k++)
        if (strcmp(f->f_related[k].rl_file, f->f_file) ||
            strcmp(f->f_related[k].rl_function, f->f_function))
            return 0;
    return f->f_nrelated > 0;
}

static int names_line(const finding *f, int32_t line)
{
    uint32_t k;
    for (k = 0; k < f->f_nrelated; k++)
        if (f->f_related[k].rl_line == line)
            return 1;
    return 0;
}

/* Has f's race been reported already among findings [first, kept)?  One function's several
 * unlocked writes into the same locked window (GIL301: the `except` branches of a thread's
 * run() each storing the error), or one check's several acts (GIL201: `if k in D:` then the read
 * `D[k]` and `del D[k]`; GIL202: `if self._timer is None:` then a store on each of two branches;
 * GIL203: one test, then two uses) or one read's several writes back (GIL105: `v = D[k]` then
 * `D.pop(k)` on two branches), are one race: it is reported at the first, whose other side names
 * the window.  So are two locked windows of one function on one state that break each other and
 * nothing else (the two halves of a barrier, each under its own lock): one pair of locks that
 * disagree.  The fix -- the lock around that function's writes, one step instead of the check,
 * one lock for both halves -- is the same for all of them.  (Two unlocked read-modify-writes of
 * one state in one function, `n += 1` then `n -= 1`, stay two findings: each loses updates of
 * its own.) */
static int same_race(const eng_result *res, uint32_t first, uint32_t kept, const finding *f)
{
    uint32_t j;
    int check = (!strcmp(f->f_rule, "GIL201") || !strcmp(f->f_rule, "GIL105") ||
                 !strcmp(f->f_rule, "GIL204") ||
                 !strcmp(f->f_rule, "GIL202") || !strcmp(f->f_rule, "GIL203")) &&
                f->f_rel_line > 0;
    int home = !strcmp(f->f_rule, "GIL301") && sides_at_home(f);
    if (!check && !home && (strcmp(f->f_rule, "GIL301") || !f->f_nrelated))
        return 0;
    for (j = first; j < kept; j++) {
        const finding *g = &res->r_findings[j];
        if (g->f_unit != f->f_unit || g->f_code != f->f_code || strcmp(g->f_rule, f->f_rule))
            continue;
        if (check && g->f_rel_line == f->f_rel_line && g->f_rel_col == f->f_rel_col &&
            same_state(g->f_target, f->f_target))
            return 1;
        if (home && sides_at_home(g) && !strcmp(g->f_target, f->f_target) &&
            (names_line(f, g->f_line) || names_line(g, f->f_line)))
            return 1;
        if (!check && !strcmp(f->f_rule, "GIL301") && g->f_nrelated &&
            g->f_related[0].rl_line == f->f_related[0].rl_line &&
            g->f_related[0].rl_col == f->f_related[0].rl_col &&
            !strcmp(g->f_related[0].rl_file, f->f_related[0].rl_file))
            return 1;
    }
    return 0;
}

/* Is rule a window's (a read-modify-write, a check-then-act, an iteration...), not a write
 * that lands in a locked window (GIL301) or a file-level note? */
static int window_rule(const char *rule)
{
    return !strncmp(rule, "GIL1", 4) || !strncmp(rule, "GIL2", 4);
}

/* Is f a second window of one function on one state that the same writes elsewhere break
 * as an earlier finding of that function, [first, kept) (`self.buf = self.buf[i:]` on two
 * branches of a reader, each against the one listener thread that appends to it; a check and a
 * read-modify-write of one attribute against one `close()`)?  One race, one fix -- that function's
 * steps under the lock the writer takes, or one step instead of several -- reported once, at the
 * first window, which names this one among its other sides.  Windows that break each other or
 * themselves (`n -= k` and `n |= m` in one function that many threads run, the rows of the
 * FAQ's table) are places to fix of their own.  The index of that finding plus one, or 0. */
static uint32_t same_window(const eng_result *res, uint32_t first, uint32_t kept,
                            const finding *f)
{
    uint32_t j, k, m;
    if (!window_rule(f->f_rule) || !f->f_nrelated)
        return 0;
    for (k = 0; k < f->f_nrelated; k++)
        if (!f->f_related[k].rl_file || !f->f_related[k].rl_function ||
            (!strcmp(f->f_related[k].rl_file, f->f_file) &&
             !strcmp(f->f_related[k].rl_function, f->f_function)))
            return 0;
    for (j = first; j < kept; j++) {
        const finding *g = &res->r_findings[j];
        if (g->f_unit != f->f_unit || g->f_code != f->f_code || !window_rule(g->f_rule) ||
            !same_state(g->f_target, f->f_target))
            continue;
        for (k = 0; k < f->f_nrelated; k++) {
            const eng_related *x = &f->f_related[k];
            for (m = 0; m < g->f_nrelated; m++)
                if (g->f_related[m].rl_line == x->rl_line && g->f_related[m].rl_col == x->rl_col &&
                    g->f_related[m].rl_file && !strcmp(g->f_related[m].rl_file, x->rl_file))
                    break;
            if (m == g->f_nrelated)
                break;
        }
        if (k == f->f_nrelated)
            return j + 1;
    }
    return 0;
}

/* Names window f, one race with g's, among g's other sides. */
static int also_window(rc_run *r, finding *g, const finding *f)
{
    eng_related *rel = arena_array(r->r_a, g->f_nrelated + 1, sizeof *rel);
    char buf[600], phrase[400];
    if (!rel)
        return G_ENOMEM;
    memcpy(rel, g->f_related, g->f_nrelated * sizeof *rel);
    window_phrase(phrase, sizeof phrase, f);
    snprintf(buf, sizeof buf, "the same writes also break its %s", phrase);
    rel[g->f_nrelated].rl_file = f->f_file;
    rel[g->f_nrelated].rl_line = f->f_line;
    rel[g->f_nrelated].rl_col = f->f_col;
    rel[g->f_nrelated].rl_function = f->f_function;
    rel[g->f_nrelated].rl_what = dup_text(r, buf);
    rel[g->f_nrelated].rl_context = f->f_context;
    g->f_related = rel;
    g->f_nrelated++;
    return G_OK;
}

/* Is frame fi its context's entry (its parent, if any, only the function that started it)? */
static int entry_frame(const rc_run *r, uint32_t fi)
{
    uint32_t p = r->r_frames[fi].fr_parent;
    return p == RC_NONE || r->r_frames[p].fr_starter;
}

static int add_key(rc_run *r, strset *s, const char *key)
{
    return !set_has(s, key, NULL) && set_add(s, r->r_a, rc_text(r, rc_intern(r, key)), 0)
               ? G_ENOMEM : G_OK;
}

/* Is frame fr a method of the class (or a related class) of the object thread context c runs
 * on? */
static int method_of(const rc_run *r, const rc_frame *fr, const rc_ctx *c)
{
    uint32_t cls = rv_func_at(r, fr->fr_mod, fr->fr_code)->u_class;
    return cls != SUM_NONE && rc_related(r, r->r_class_id[fr->fr_mod][cls],
                                         r->r_class_id[c->x_owner_mod][c->x_owner_cls]);
}

/* r_drivers.  A thread's main loop is what its entry calls in a loop, or -- for an entry that
 * only hands over -- what the function it hands over to calls in a loop (paho's
 * `_thread_main(): self.loop_forever()`, then `while run: rc = self._loop(timeout)`).  A public
 * method of the same object whose entry calls one of those methods itself (loop(): reset the
 * wake-up sockets, then `return self._loop(timeout)`) is the other way to drive the object: its
 * callers run the loop that the thread would run, instead of the thread, not beside it. */
static int drivers(rc_run *r)
{
    strset loops, any;
    uint32_t i, t;
    char key[48];
    uint8_t *loops_at;
    memset(&loops, 0, sizeof loops);
    memset(&any, 0, sizeof any);
    if (!r->r_nframes)
        return G_OK;
    /* the entries that loop themselves; an entry that does not hands over to what it calls
     * (`def _thread_main(self): self.loop_forever()`) */
    if (!(loops_at = arena_array(r->r_a, r->r_nframes, 1)))
        return G_ENOMEM;
    memset(loops_at, 0, r->r_nframes);
    for (i = 0; i < r->r_nframes; i++)
        if (r->r_frames[i].fr_loop && r->r_frames[i].fr_parent != RC_NONE)
            loops_at[r->r_frames[i].fr_parent] = 1;
    for (i = 0; i < r->r_nframes; i++) {
        const rc_frame *fr = &r->r_frames[i];
        const rc_ctx *c = &r->r_ctxs[fr->fr_ctx];
        uint32_t p = fr->fr_parent;
        if (!fr->fr_loop || fr->fr_starter || p == RC_NONE ||
            (c->x_kind != CTX_THREAD && c->x_kind != CTX_SUBCLASS) || c->x_owner_mod == RC_NONE)
            continue;
        if (!entry_frame(r, p) && (r->r_frames[p].fr_loop || r->r_frames[p].fr_parent == RC_NONE ||
                                   !entry_frame(r, r->r_frames[p].fr_parent) ||
                                   loops_at[r->r_frames[p].fr_parent]))
            continue;
        if (!method_of(r, fr, c))
            continue;   /* a helper of the module (`format_addresses(ws)`) drives nothing */
        snprintf(key, sizeof key, "%u:%u:%u", fr->fr_mod, fr->fr_code, fr->fr_ctx);
        if (add_key(r, &loops, key))
            return G_ENOMEM;
        snprintf(key, sizeof key, "%u:%u", fr->fr_mod, fr->fr_code);
        if (add_key(r, &any, key))
            return G_ENOMEM;
    }
    if (!any.ss_used)
        return G_OK;
    for (i = 0; i < r->r_nframes; i++) {
        const rc_frame *fr = &r->r_frames[i];
        const rc_ctx *c = &r->r_ctxs[fr->fr_ctx];
        if (fr->fr_starter || fr->fr_parent == RC_NONE || r->r_frames[fr->fr_parent].fr_starter ||
            r->r_frames[fr->fr_parent].fr_parent != RC_NONE || c->x_kind != CTX_ANY ||
            !c->x_weak || c->x_owner_mod == RC_NONE)
            continue;
        snprintf(key, sizeof key, "%u:%u", fr->fr_mod, fr->fr_code);
        if (!set_has(&any, key, NULL))
            continue;
        for (t = 0; t < r->r_nctxs; t++) {
            if (!same_object(r, c, &r->r_ctxs[t]))
                continue;
            snprintf(key, sizeof key, "%u:%u:%u", fr->fr_mod, fr->fr_code, t);
            if (!set_has(&loops, key, NULL))
                continue;
            snprintf(key, sizeof key, "%u:%u", fr->fr_ctx, t);
            if (add_key(r, &r->r_drivers, key))
                return G_ENOMEM;
        }
    }
    return G_OK;
}

/* The owners of the contexts (x_owner_*) and the functions each thread context runs on an
 * object of its own class (r_thread_code): what thread_work asks. */
static int thread_owners(rc_run *r)
{
    uint32_t i;
    char key[48];
    for (i = 0; i < r->r_nctxs; i++) {
        rc_ctx *c = &r->r_ctxs[i];
        c->x_owner_mod = c->x_owner_cls = RC_NONE;
        if (c->x_kind == CTX_THREAD && c->x_start_mod != RC_NONE) {
            uint32_t cls = rv_func_at(r, c->x_start_mod, c->x_start_code)->u_class;
            if (cls != SUM_NONE) {
                c->x_owner_mod = c->x_start_mod;
                c->x_owner_cls = cls;
            }
        }
    }
    for (i = 0; i < r->r_nframes; i++) {
        const rc_frame *fr = &r->r_frames[i];
        rc_ctx *c = &r->r_ctxs[fr->fr_ctx];
        if (fr->fr_parent == RC_NONE && !fr->fr_starter &&
            (c->x_kind == CTX_SUBCLASS || (c->x_kind == CTX_ANY && c->x_weak)) &&
            c->x_owner_mod == RC_NONE) {
            uint32_t cls = rv_func_at(r, fr->fr_mod, fr->fr_code)->u_class;
            if (cls != SUM_NONE) {
                c->x_owner_mod = fr->fr_mod;
                c->x_owner_cls = cls;
            }
        }
    }
    for (i = 0; i < r->r_nframes; i++) {
        const rc_frame *fr = &r->r_frames[i];
        const rc_ctx *c = &r->r_ctxs[fr->fr_ctx];
        /* not the frames that only stand for the starting function (fr_starter) */
        if (fr->fr_starter || (c->x_kind != CTX_THREAD && c->x_kind != CTX_SUBCLASS) ||
            c->x_owner_mod == RC_NONE)
            continue;
        snprintf(key, sizeof key, "%u:%u:%u", fr->fr_mod, fr->fr_code, fr->fr_ctx);
        if (add_key(r, &r->r_thread_code, key))
            return G_ENOMEM;
    }
    return drivers(r);
}

int rc_report(rc_run *r, eng_result *res)
{
    keyed *ks = arena_array(r->r_a, r->r_ninsts + 1, sizeof *ks);
    sites win, wr;
    strset pairs, acts;
    uint32_t i, j, g0, first = res->r_count, kept;
    int rc;
    if (!ks || thread_owners(r) || mark_write_backs(r))
        return G_ENOMEM;
    memset(&win, 0, sizeof win);
    memset(&wr, 0, sizeof wr);
    memset(&pairs, 0, sizeof pairs);
    for (i = 0; i < r->r_ninsts; i++) {
        ks[i].k_group = group_of(r, &r->r_insts[i]);
        ks[i].k_inst = i;
    }
    qsort(ks, r->r_ninsts, sizeof *ks, cmp_keyed);
    for (g0 = 0; g0 < r->r_ninsts; g0 = j) {
        uint32_t a, b;
        for (j = g0; j < r->r_ninsts && ks[j].k_group == ks[g0].k_group; j++)
            ;
        for (a = g0; a < j; a++) {
            const rc_inst *w = &r->r_insts[ks[a].k_inst];
            site *stw = NULL;   /* the unlocked window's site, looked up once for all its writes
                                 * (nothing else is added to `win` meanwhile) */
            if (!w->i_window)
                continue;
            for (b = g0; b < j; b++) {
                const rc_inst *x = &r->r_insts[ks[b].k_inst];
                site *st;
                int fresh = 0;
                if (x->i_window || !breaks(r, w, x))
                    continue;
                if (!w->i_locks)
                    st = stw ? stw
                             : (stw = site_get(r, &win, 'w', w->i_mod, w->i_code, w->i_idx, &fresh));
                else
                    st = site_get(r, &wr, 'x', x->i_mod, x->i_code, x->i_idx, &fresh);
                if (!st)
                    return G_ENOMEM;
                if (fresh) {
                    st->s_w = ks[a].k_inst;
                    st->s_x = ks[b].k_inst;
                }
                relate(r, st, w->i_locks ? ks[a].k_inst : ks[b].k_inst);
            }
        }
    }
    memset(&acts, 0, sizeof acts);
    for (i = 0; i < win.ss_n; i++) {
        const site *a = &win.ss_items[i];
        uint32_t act = window_act(r, &r->r_insts[a->s_w]);
        char key[40];
        if (act == RC_NONE)
            continue;
        site_key(key, 'a', a->s_mod, a->s_code, act);
        if (!set_has(&acts, key, NULL) && set_add(&acts, r->r_a, rc_text(r, rc_intern(r, key)),
                                                  (int32_t)i))
            return G_ENOMEM;
    }
    for (i = 0; i < win.ss_n; i++)
        if (!mirrored(r, &win, &acts, i) && (rc = window_finding(r, res, &win.ss_items[i])))
            return rc == G_EBAD && r->r_full_rc ? r->r_full_rc : rc;
    for (i = 0; i < wr.ss_n; i++) {
        const site *st = &wr.ss_items[i];
        const rv_acc *a = rv_accs(r, st->s_mod, rv_func_at(r, st->s_mod, st->s_code)) + st->s_idx;
        const rc_inst *w = &r->r_insts[st->s_w];
        char key[64];
        int dup = 0;
        /* the window is reported as a race of its own where it runs without the lock: this
         * write is one of its other sides there */
        site_key(key, 'w', w->i_mod, w->i_code, w->i_idx);
        if (set_has(&win.ss_index, key, NULL))
            continue;
        /* a write that is itself reported as an unlocked window: one finding for that line */
        for (j = first; j < res->r_count && !dup; j++)
            dup = res->r_findings[j].f_unit == st->s_mod &&
                  res->r_findings[j].f_code == st->s_code && res->r_findings[j].f_line == a->a_line;
        if (!dup) {
            /* two locked windows each breaking the other (`with a: n += 1` here, `with b: n += 1`
             * there): one race, one finding, at the first */
            char pair[96];
            uint32_t act = window_act(r, w);
            if (act != RC_NONE) {
                uint64_t ka = (uint64_t)st->s_mod << 40 | (uint64_t)st->s_code << 20 | st->s_idx;
                uint64_t kb = (uint64_t)w->i_mod << 40 | (uint64_t)w->i_code << 20 | act;
                snprintf(pair, sizeof pair, "%llx|%llx", (unsigned long long)(ka < kb ? ka : kb),
                         (unsigned long long)(ka < kb ? kb : ka));
                if (set_has(&pairs, pair, NULL))
                    continue;
                if (set_add(&pairs, r->r_a, rc_text(r, rc_intern(r, pair)), 0))
                    return G_ENOMEM;
            }
            if ((rc = breaker_finding(r, res, st)))
                return rc == G_EBAD && r->r_full_rc ? r->r_full_rc : rc;
        }
    }
    /* ordered; one finding per place and rule (a `finally:` body is compiled twice) */
    if (res->r_count > first)   /* no findings: r_findings may be NULL, which qsort must not get */
        qsort(res->r_findings + first, res->r_count - first, sizeof *res->r_findings, cmp_finding);
    for (i = kept = first; i < res->r_count; i++) {
        const finding *f = &res->r_findings[i];
        if (kept > first && !cmp_finding(&res->r_findings[kept - 1], f))
            continue;
        if (same_race(res, first, kept, f))
            continue;
        if ((j = same_window(res, first, kept, f))) {
            if (also_window(r, &res->r_findings[j - 1], f))
                return G_ENOMEM;
            continue;
        }
        res->r_findings[kept++] = *f;
    }
    res->r_count = kept;
    return r->r_oom ? G_ENOMEM : G_OK;
}
