/* Abstract interpretation of the value stack: instructions become access events on paths.
 *
 * Each reachable block is interpreted once, in offset order, from the state its first
 * interpreted predecessor hands it.  Values remember the shared location they were read from
 * (their path) and the load events that flowed into them, which is what the engine's detectors
 * need: a store whose value came from a load of the same path is a read-modify-write.  Locks are
 * tracked as values too: `with X:` leaves an "exit" value on the stack, and X is held exactly
 * while that value is there, in every version's encoding of `with`. */
#include "ir.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/strbuf.h"

#define NONE UINT32_MAX

/***** abstract values *****/

typedef enum av_kind {
    AV_UNKNOWN = 0,
    AV_NULL,       /* the NULL of call sequences */
    AV_CONST,      /* a_aux = const index */
    AV_INT,        /* a small int (3.14 LOAD_SMALL_INT): a_aux */
    AV_OBJ,        /* an object; a_path where it was read from, if anywhere */
    AV_FUNC,       /* a function made here: a_aux = code index */
    AV_CLASS,      /* a class made here: a_aux = class-body code index */
    AV_METHOD,     /* a bound method a_name of the object at a_path */
    AV_SELFMARK,   /* the `self` slot that goes with an AV_METHOD or AV_EXIT */
    AV_EXIT,       /* the __exit__ of a `with`: a_aux = acquisition index */
    AV_BUILDCLASS, /* __build_class__ */
    AV_CALLRES,    /* a call's result: a_name is the dotted callee */
    AV_IMPORT,     /* an imported module or name: a_name dotted */
    AV_TEST,       /* the result of a test: a_aux = the EV_TEST event */
    AV_FRESH,      /* a container built here: a_path is its fresh path */
    AV_ACQRES      /* what lock.acquire(False) / acquire(timeout=...) returned: the lock is held
                    * where it is true; a_aux = acquisition index, a_neg = negated (`not ...`) */
} av_kind;

typedef struct aval {
    uint8_t a_kind;          /* av_kind */
    int32_t a_aux;           /* see av_kind */
    const ir_path *a_path;   /* where the value lives / was read from; NULL when nowhere */
    const char *a_name;      /* method name, dotted callee or import name */
    uint32_t a_id;           /* identity of a computed value (copies share it), 0 if none */
    uint8_t a_neg;           /* AV_ACQRES: the value is `not acquired` */
    const ir_path **a_alts;  /* the value is one of these paths (a loop variable over a tuple or
                              * list display: `for f in (a.work, b.work):`), a_nalts of them */
    uint8_t a_nalts;
    const char *a_recv;      /* AV_METHOD, or an attribute read: the dotted callee whose call
                              * made the object it belongs to (`x = Foo(); x.run()`), or NULL */
    ir_srcs a_src;           /* loads that flowed into the value */
    const ir_path *a_view;   /* a keys() / values() / items() view of this container */
    const ir_path *a_on;     /* AV_CALLRES of a method call: the object it was called on
                              * (`with self._lock.for_reading():` holds that lock) */
    const char *a_call;      /* a reader method's result, modelled as the item it reads
                              * (`D.get(k)` as `D[k]`): the dotted method called ("D.get") */
    const ir_path *a_sized;  /* `len(L)`'s result: L */
} aval;

/* A pre-3.11 block (SETUP_*), so POP_BLOCK knows whether it ends a `with`. */
typedef struct fblock {
    int32_t fb_acq;          /* acquisition of a `with` block, -1 for try blocks */
} fblock;

#define MAX_FBLOCKS 24

typedef struct state {
    aval *s_stack;           /* s_depth values, room for s_cap */
    uint32_t s_depth;
    uint32_t s_cap;
    aval *s_locals;          /* current value of each local, AV_UNKNOWN when not known */
    uint32_t *s_ver;         /* assignments seen per local (its path version) */
    uint64_t s_held;         /* acquisitions held */
    int32_t s_kwnames;       /* pending KW_NAMES constant (3.11-3.12), -1 */
    fblock s_fb[MAX_FBLOCKS];
    uint32_t s_nfb;
} state;

typedef struct interp {
    ir_func *i_f;
    const bc_code *i_bc;
    const bc_file *i_bf;
    const ir_kb *i_kb;
    ir_paths *i_paths;
    arena *i_arena;
    diag_ctx *i_diag;
    const char *i_name;
    uint32_t i_nlocals;
    uint32_t i_cap_events;
    uint32_t i_fresh;        /* fresh-object counter */
    uint32_t i_nextid;       /* computed-value counter */
    const ir_path *i_built[32];  /* containers built here that items were added to ... */
    ir_srcs i_built_srcs[32];    /* ... and the loads that flowed into those items */
    uint32_t i_nbuilt;
    const ir_path *i_disp[16];   /* tuple and list displays built here ... */
    const ir_path **i_disp_items[16]; /* ... the paths of their items (NULL where unknown) ... */
    uint8_t i_disp_n[16];        /* ... and how many (at most IR_MAX_ITEMS) */
    uint32_t i_ndisp;
    const ir_path *i_galt[8];    /* module-level loop variables over a display (`for t in (f,
                                  * g):` in module code): the global ... */
    const ir_path **i_galt_items[8]; /* ... and the items it takes in turn */
    uint8_t i_galt_n[8];
    uint32_t i_ngalt;
    state **i_in;            /* state handed to each block by a normal edge, NULL until reached */
    state **i_in_exc;        /* state handed by an exception edge, used when no normal one came */
    uint8_t *i_done;         /* block interpreted */
    int32_t i_cond_acq;      /* set by a conditional jump on an AV_ACQRES: its acquisition ... */
    int i_cond_on_jump;      /* ... and 1 when the lock is held on the jump edge, 0 on the
                              * fall-through edge */
    int i_oom;
} interp;

/***** helpers *****/

static void srcs_add(ir_srcs *s, uint32_t ev)
{
    uint16_t i;
    for (i = 0; i < s->s_n; i++)
        if (s->s_ev[i] == ev)
            return;
    if (s->s_n < IR_MAX_SRCS)
        s->s_ev[s->s_n++] = ev;
}

static void srcs_union(ir_srcs *s, const ir_srcs *t)
{
    uint16_t i;
    for (i = 0; i < t->s_n; i++)
        srcs_add(s, t->s_ev[i]);
}

/* Is method `name` called on `on` a method of f's own class called on its self (f_own)? */
static int own_method(const ir_func *f, const ir_path *on, const char *name)
{
    uint32_t k;
    if (!f->f_nown || !on || !name || on->p_kind != PATH_LOCAL || !f->f_self ||
        strcmp(on->p_name, f->f_self))
        return 0;
    for (k = 0; k < f->f_nown; k++)
        if (!strcmp(f->f_own[k], name))
            return 1;
    return 0;
}

static aval av_make(int kind)
{
    aval v;
    memset(&v, 0, sizeof v);
    v.a_kind = (uint8_t)kind;
    return v;
}

/* A computed value: it has an identity, so `D[f(x)] += 1` reads and writes one key. */
static aval av_new(interp *it, int kind)
{
    aval v = av_make(kind);
    v.a_id = ++it->i_nextid;
    return v;
}

static const char *text_dup(interp *it, const char *s, size_t n)
{
    char *p = arena_alloc(it->i_arena, n + 1);
    if (!p) {
        it->i_oom = 1;
        return "";
    }
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static const char *obj_text(interp *it, const pyc_obj *o)
{
    return o && o->o_kind == PYC_STR ? text_dup(it, o->u.o_str.s, o->u.o_str.len) : "?";
}

/* The dotted name of a path built from globals and attributes ("threading.Lock"), or NULL. */
static const char *dotted(interp *it, const ir_path *p)
{
    const ir_path *chain[16];
    size_t n = 0, len[16];
    int depth = 0, i;
    char *out, *w;
    for (; p && depth < 16; p = p->p_base) {
        if (p->p_kind != PATH_ATTR && p->p_kind != PATH_GLOBAL && p->p_kind != PATH_LOCAL &&
            p->p_kind != PATH_DEREF)
            return NULL;
        len[depth] = strlen(p->p_name);
        n += len[depth] + 1;
        chain[depth++] = p;
        if (p->p_kind != PATH_ATTR)
            break;
    }
    if (!depth || chain[depth - 1]->p_kind == PATH_ATTR)
        return NULL;
    out = w = arena_alloc(it->i_arena, n);
    if (!out) {
        it->i_oom = 1;
        return NULL;
    }
    for (i = depth - 1; i >= 0; i--) {
        memcpy(w, chain[i]->p_name, len[i]);
        w += len[i];
        *w++ = i ? '.' : 0;
    }
    return out;
}

/* "a" "." "b" in the arena. */
static const char *join(interp *it, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *out = arena_alloc(it->i_arena, na + nb + 2);
    if (!out) {
        it->i_oom = 1;
        return a;
    }
    memcpy(out, a, na);
    out[na] = '.';
    memcpy(out + na + 1, b, nb + 1);
    return out;
}

static const ir_path *fresh_path(interp *it, const char *what)
{
    const ir_path *p = ir_path_name(it->i_paths, PATH_FRESH, what, strlen(what), ++it->i_fresh);
    if (!p)
        it->i_oom = 1;
    return p;
}

/* One bound of a slice as written: "" for None (omitted), a constant's repr, a name. */
static void slice_bound(interp *it, strbuf *sb, const aval *v)
{
    if (v->a_kind == AV_CONST) {
        if (bc_const_falsy(it->i_bc, v->a_aux) != BC_NONE)
            pyc_repr(sb, bc_const(it->i_bc, v->a_aux), 20);
    } else if (v->a_kind == AV_INT) {
        sb_printf(sb, "%d", v->a_aux);
    } else if (v->a_path) {
        sb_puts(sb, ir_path_display(v->a_path));
    } else {
        sb_puts(sb, "...");
    }
}

/* A slice key `lo:hi` or `lo:hi:step`, from its n bounds (top of the stack last), as a fresh
 * path named "s:TEXT" (shown as TEXT). */
static const ir_path *slice_path(interp *it, const aval *bounds, int n)
{
    strbuf sb;
    const ir_path *p;
    int i;
    sb_init(&sb);
    sb_puts(&sb, "s:");
    for (i = 0; i < n; i++) {
        if (i)
            sb_putc(&sb, ':');
        slice_bound(it, &sb, &bounds[i]);
    }
    p = sb.sb_failed ? NULL : ir_path_name(it->i_paths, PATH_FRESH, sb.sb_buf, sb.sb_len,
                                           ++it->i_fresh);
    sb_free(&sb);
    if (!p)
        it->i_oom = 1;
    return p;
}

/* Does a call of `name` return the calling thread's identity (threading.get_ident(),
 * current_thread(), get_native_id())? */
static int is_thread_id_call(const char *name)
{
    static const char *const ids[] = { "get_ident", "get_native_id", "current_thread",
                                       "currentThread" };
    size_t n = strlen(name), j;
    for (j = 0; j < sizeof ids / sizeof ids[0]; j++) {
        size_t k = strlen(ids[j]);
        if (n >= k && !strcmp(name + n - k, ids[j]) && (n == k || name[n - k - 1] == '.'))
            return 1;
    }
    return 0;
}

/* The path used when v is a subscript key: its own path, a constant's repr, or a unique path
 * (so two unknown keys are never taken for the same one). */
static const ir_path *key_path(interp *it, const aval *v)
{
    strbuf sb;
    const ir_path *p;
    if (v->a_kind == AV_CALLRES && v->a_name && is_thread_id_call(v->a_name)) {
        /* `D[threading.get_ident()]`: each thread its own key, written `@thread` (no repr
         * reads so) */
        p = ir_path_name(it->i_paths, PATH_CONST, "@thread", 7, 0);
        if (!p)
            it->i_oom = 1;
        return p;
    }
    if (v->a_path)
        return v->a_path;
    if (v->a_kind == AV_CONST || v->a_kind == AV_INT) {
        sb_init(&sb);
        if (v->a_kind == AV_CONST)
            pyc_repr(&sb, bc_const(it->i_bc, v->a_aux), 60);
        else
            sb_printf(&sb, "%d", v->a_aux);
        p = sb.sb_failed ? NULL : ir_path_name(it->i_paths, PATH_CONST, sb.sb_buf, sb.sb_len, 0);
        sb_free(&sb);
        if (!p)
            it->i_oom = 1;
        return p;
    }
    if (v->a_id) {
        p = ir_path_name(it->i_paths, PATH_FRESH, "...", 3, v->a_id);
        if (!p)
            it->i_oom = 1;
        return p;
    }
    return fresh_path(it, "key");
}

static int is_none_const(interp *it, const aval *v)
{
    const pyc_obj *o;
    if (v->a_kind != AV_CONST)
        return 0;
    o = bc_const(it->i_bc, v->a_aux);
    return o && o->o_kind == PYC_NONE;
}

/* Is v the constant 0 or 1 (what `len(L)` is compared with to test emptiness)? */
static int zero_or_one(interp *it, const aval *v)
{
    const pyc_obj *o;
    if (v->a_kind == AV_INT)
        return v->a_aux == 0 || v->a_aux == 1;
    if (v->a_kind != AV_CONST)
        return 0;
    o = bc_const(it->i_bc, v->a_aux);
    return o && o->o_kind == PYC_INT && (o->u.o_int == 0 || o->u.o_int == 1);
}

int ir_name_in(const char *name, const char *const *list, size_t n)
{
    size_t lo = 0, hi = n;
    if (!name)
        return 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, list[mid]);
        if (!c)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Items added to a container built in this function (a comprehension's list) count as its
 * sources wherever the container goes, even past the loop that added them. */
static void built_add(interp *it, const ir_path *p, const ir_srcs *srcs)
{
    uint32_t i;
    if (!p || p->p_kind != PATH_FRESH || !srcs->s_n)
        return;
    for (i = 0; i < it->i_nbuilt; i++)
        if (it->i_built[i] == p) {
            srcs_union(&it->i_built_srcs[i], srcs);
            return;
        }
    if (it->i_nbuilt < 32) {
        it->i_built[it->i_nbuilt] = p;
        it->i_built_srcs[it->i_nbuilt++] = *srcs;
    }
}

/* The sources of v, including what was added to it if it is a container built here. */
static ir_srcs srcs_of(const interp *it, const aval *v)
{
    ir_srcs out = v->a_src;
    uint32_t i;
    for (i = 0; v->a_path && i < it->i_nbuilt; i++)
        if (it->i_built[i] == v->a_path)
            srcs_union(&out, &it->i_built_srcs[i]);
    return out;
}

/* Remembers the item paths of a tuple or list display of n items on top of s (n small). */
static void display_note(interp *it, const state *s, const ir_path *p, int n)
{
    const ir_path **items;
    int i;
    if (n < 1 || n > IR_MAX_ITEMS || (uint32_t)n > s->s_depth || it->i_ndisp >= 16)
        return;
    items = arena_array(it->i_arena, (size_t)n, sizeof *items);
    if (!items) {
        it->i_oom = 1;
        return;
    }
    for (i = 0; i < n; i++)
        items[i] = s->s_stack[s->s_depth - (uint32_t)n + (uint32_t)i].a_path;
    it->i_disp[it->i_ndisp] = p;
    it->i_disp_items[it->i_ndisp] = items;
    it->i_disp_n[it->i_ndisp++] = (uint8_t)n;
}

/***** events *****/

static ir_event *event_new(interp *it, int kind, const ir_path *path, uint32_t instr,
                           const state *s)
{
    ir_func *f = it->i_f;
    ir_event *e;
    if (f->f_nevents == it->i_cap_events) {
        uint32_t cap = it->i_cap_events ? it->i_cap_events * 2 : 32;
        ir_event *grown = arena_array(it->i_arena, cap, sizeof *grown);
        if (!grown) {
            it->i_oom = 1;
            return NULL;
        }
        if (f->f_nevents)
            memcpy(grown, f->f_events, f->f_nevents * sizeof *grown);
        f->f_events = grown;
        it->i_cap_events = cap;
    }
    e = &f->f_events[f->f_nevents++];
    memset(e, 0, sizeof *e);
    e->ev_kind = (uint8_t)kind;
    e->ev_path = path;
    e->ev_instr = instr;
    e->ev_block = f->f_block_of[instr];
    e->ev_locks = s->s_held;
    return e;
}

static uint32_t event_index(interp *it, const ir_event *e)
{
    return (uint32_t)(e - it->i_f->f_events);
}

/* A load of path p: returns the value read, whose sources are this load (and `extra`). */
static aval load(interp *it, const ir_path *p, uint32_t instr, const state *s, const ir_srcs *extra)
{
    aval v = av_make(AV_OBJ);
    ir_event *e;
    v.a_path = p;
    if (extra)
        v.a_src = *extra;
    if (!p)
        return v;
    e = event_new(it, EV_LOAD, p, instr, s);
    if (e)
        srcs_add(&v.a_src, event_index(it, e));
    return v;
}

static void store(interp *it, int kind, const ir_path *p, const aval *v, uint32_t instr,
                  const state *s)
{
    ir_event *e;
    if (!p)
        return;
    e = event_new(it, kind, p, instr, s);
    if (!e || !v)
        return;
    e->ev_srcs = srcs_of(it, v);
    e->ev_valpath = v->a_path;
    switch (v->a_kind) {
    case AV_CONST:
        e->ev_valkind = VAL_CONST;
        e->ev_aux = v->a_aux;
        e->ev_falsy = (uint8_t)bc_const_falsy(it->i_bc, v->a_aux);
        break;
    case AV_INT:
        e->ev_valkind = VAL_CONST;
        e->ev_aux = v->a_aux;
        e->ev_int = 1;
        e->ev_falsy = v->a_aux == 0 ? BC_FALSY : 0;
        break;
    case AV_FUNC: e->ev_valkind = VAL_FUNC; e->ev_aux = v->a_aux; break;
    case AV_CLASS: e->ev_valkind = VAL_CLASS; e->ev_aux = v->a_aux; break;
    case AV_FRESH:
        e->ev_valkind = VAL_FRESH;
        e->ev_callee = v->a_path ? v->a_path->p_name : NULL;   /* "list", "dict", ... */
        break;
    case AV_CALLRES: e->ev_valkind = VAL_CALL; e->ev_callee = v->a_name; break;
    case AV_IMPORT: e->ev_valkind = VAL_IMPORT; e->ev_callee = v->a_name; break;
    default: break;
    }
}

/* `state == C`: test event t compares with constant c, kept as a store keeps its constant. */
static void compared_constant(ir_event *t, const aval *c)
{
    if (c->a_kind == AV_CONST || c->a_kind == AV_INT) {
        t->ev_valkind = VAL_CONST;
        t->ev_aux = c->a_aux;
        t->ev_int = c->a_kind == AV_INT;
    }
}

/* A test of value v (guarding a branch).  Returns the event index, or -1. */
static int32_t test_event(interp *it, int kind, const aval *v, const ir_path *key,
                          uint32_t instr, const state *s)
{
    const ir_path *p = v->a_path;
    ir_event *e;
    uint16_t i;
    /* a test of a computed value (len(L) > 0, D.get(k) is None) tests what it was read from */
    for (i = 0; !p && i < v->a_src.s_n; i++)
        p = it->i_f->f_events[v->a_src.s_ev[i]].ev_path;
    if (!p)
        return -1;
    e = event_new(it, EV_TEST, p, instr, s);
    if (!e)
        return -1;
    e->ev_test = (uint8_t)kind;
    e->ev_key = key;
    e->ev_srcs = v->a_src;
    return (int32_t)event_index(it, e);
}

/***** stack *****/

static int push(interp *it, state *s, aval v)
{
    if (s->s_depth >= s->s_cap) {
        uint32_t cap = s->s_cap * 2 + 8;
        aval *grown = arena_array(it->i_arena, cap, sizeof *grown);
        if (!grown) {
            it->i_oom = 1;
            return -1;
        }
        memcpy(grown, s->s_stack, s->s_depth * sizeof *grown);
        s->s_stack = grown;
        s->s_cap = cap;
    }
    s->s_stack[s->s_depth++] = v;
    return 0;
}

/* Pops a value; an empty abstract stack (code the model does not follow) yields an unknown. */
static aval pop(state *s)
{
    if (!s->s_depth)
        return av_make(AV_UNKNOWN);
    return s->s_stack[--s->s_depth];
}

static aval *peek(state *s, uint32_t n)  /* n = 1 for TOS */
{
    static aval dummy;
    if (n == 0 || n > s->s_depth) {
        memset(&dummy, 0, sizeof dummy);
        return &dummy;
    }
    return &s->s_stack[s->s_depth - n];
}

/* Releases acquisition `acq` when a value holding it leaves the stack. */
static void drop(state *s, const aval *v)
{
    if (v->a_kind == AV_EXIT && v->a_aux >= 0 && v->a_aux < 64)
        s->s_held &= ~((uint64_t)1 << v->a_aux);
}

/* Pops n values, folding their sources into *acc (when given). */
static void pop_n(state *s, int n, ir_srcs *acc)
{
    while (n-- > 0) {
        aval v = pop(s);
        drop(s, &v);
        if (acc)
            srcs_union(acc, &v.a_src);
    }
}

static state *state_copy(interp *it, const state *from)
{
    state *s = arena_alloc(it->i_arena, sizeof *s);
    if (!s) {
        it->i_oom = 1;
        return NULL;
    }
    *s = *from;
    s->s_cap = from->s_depth + 8;
    s->s_stack = arena_array(it->i_arena, s->s_cap, sizeof *s->s_stack);
    s->s_locals = arena_array(it->i_arena, it->i_nlocals + 1, sizeof *s->s_locals);
    s->s_ver = arena_array(it->i_arena, it->i_nlocals + 1, sizeof *s->s_ver);
    if (!s->s_stack || !s->s_locals || !s->s_ver) {
        it->i_oom = 1;
        return NULL;
    }
    memcpy(s->s_stack, from->s_stack, from->s_depth * sizeof *s->s_stack);
    memcpy(s->s_locals, from->s_locals, it->i_nlocals * sizeof *s->s_locals);
    memcpy(s->s_ver, from->s_ver, it->i_nlocals * sizeof *s->s_ver);
    return s;
}

/* Hands block b the state `s` with the stack cut or padded to `depth`, unless it has one.  An
 * exception edge (exc) only counts when no normal edge reaches the block before it runs: a
 * pre-3.11 `with` cleanup is both the handler and the fall-through successor of the body. */
static void hand_to(interp *it, uint32_t b, const state *s, int64_t depth, int exc)
{
    state *t;
    if (b == NONE || it->i_in[b] || (exc && it->i_in_exc[b]))
        return;
    t = state_copy(it, s);
    if (!t)
        return;
    if (depth < 0)
        depth = 0;
    while (t->s_depth > depth)
        pop(t);
    while (t->s_depth < depth && !it->i_oom)
        push(it, t, av_make(AV_UNKNOWN));
    if (exc)
        it->i_in_exc[b] = t;
    else
        it->i_in[b] = t;
}

/***** locks *****/

/* Records an acquisition of the object at p (or of a call's result, callee) and marks it held.
 * Returns its index, or -1 past the 64 tracked per function. */
static int32_t acquire(interp *it, state *s, const ir_path *p, const char *callee, uint32_t idx,
                       int with)
{
    ir_acq *q;
    if (it->i_f->f_nacqs >= 64)
        return -1;
    q = &it->i_f->f_acqs[it->i_f->f_nacqs];
    q->a_path = p;
    q->a_on = NULL;
    q->a_callee = callee;
    q->a_instr = idx;
    q->a_with = (uint8_t)with;
    s->s_held |= (uint64_t)1 << it->i_f->f_nacqs;
    return (int32_t)it->i_f->f_nacqs++;
}

/***** calls *****/

/* The names of keyword arguments: a constant tuple of strings, or none. */
static const pyc_obj *kw_tuple(interp *it, int32_t const_index)
{
    const pyc_obj *o = const_index >= 0 ? bc_const(it->i_bc, const_index) : NULL;
    return o && o->o_kind == PYC_TUPLE ? o : NULL;
}

static int32_t code_index_of(interp *it, const pyc_obj *o)
{
    if (!o || o->o_kind != PYC_CODE)
        return -1;
    return bc_code_index(it->i_bf, o->u.o_code);
}

/* Is a false constant (False, 0) the value? */
static int is_false_const(interp *it, const aval *v)
{
    const pyc_obj *o;
    if (v->a_kind == AV_INT)
        return v->a_aux == 0;
    if (v->a_kind != AV_CONST || !(o = bc_const(it->i_bc, v->a_aux)))
        return 0;
    return o->o_kind == PYC_FALSE || (o->o_kind == PYC_INT && o->u.o_int == 0);
}

/* Can lock.acquire(args) return without the lock: blocking false, or a timeout given?  The
 * last nkw of the nargs arguments are keywords named by kw. */
static int acquire_may_fail(interp *it, const aval *args, uint32_t nargs, const pyc_obj *kw,
                            uint32_t nkw)
{
    uint32_t k, npos = nargs - nkw;
    if (npos >= 2)
        return 1;                                  /* acquire(True, 5) */
    if (npos == 1 && is_false_const(it, &args[0]))
        return 1;
    for (k = 0; k < nkw; k++) {
        const pyc_obj *nm = kw->u.o_seq.items[kw->u.o_seq.n - nkw + k];
        if (pyc_str_eq(nm, "timeout"))
            return 1;
        if (pyc_str_eq(nm, "blocking") && is_false_const(it, &args[npos + k]))
            return 1;
    }
    return 0;
}

/* The value `with v as x:` binds: v itself when a call made it, else unknown. */
static aval entered(interp *it, const aval *v)
{
    aval x = av_new(it, v->a_kind == AV_CALLRES ? AV_CALLRES : AV_UNKNOWN);
    x.a_name = v->a_kind == AV_CALLRES ? v->a_name : NULL;
    return x;
}

static void do_call(interp *it, state *s, uint32_t idx, int npop, int kw_on_top)
{
    aval vals[64], callee, res = av_new(it, AV_CALLRES);
    const pyc_obj *kw = NULL;
    uint32_t nvals = 0, first = 0, nargs, nkw = 0, k, d;
    const ir_path *on = NULL;
    const char *mname = NULL, *cname = NULL;
    ir_event *e;
    int32_t i;

    if (kw_on_top) {
        aval t = pop(s);
        npop--;
        if (t.a_kind == AV_CONST)
            kw = kw_tuple(it, t.a_aux);
    } else if (s->s_kwnames >= 0) {
        kw = kw_tuple(it, s->s_kwnames);
    }
    s->s_kwnames = -1;
    if (npop < 1)
        npop = 1;
    /* the popped slice, bottom first, without the NULLs of the calling convention */
    for (i = npop; i >= 1; i--) {
        aval *v = peek(s, (uint32_t)i);
        if (v->a_kind != AV_NULL && nvals < 64)
            vals[nvals++] = *v;
    }
    for (i = 0; i < npop; i++) {
        aval v = pop(s);
        if (v.a_kind != AV_EXIT)  /* an __exit__ called here is released below */
            drop(s, &v);
    }
    if (!nvals)
        vals[nvals++] = av_make(AV_UNKNOWN);
    callee = vals[first++];
    if (first < nvals && vals[first].a_kind == AV_SELFMARK)
        first++;
    nargs = nvals - first;
    if (kw)
        nkw = kw->u.o_seq.n < nargs ? kw->u.o_seq.n : nargs;

    if (callee.a_kind == AV_EXIT) {
        if (callee.a_aux >= 0 && callee.a_aux < 64)
            s->s_held &= ~((uint64_t)1 << callee.a_aux);
        push(it, s, av_make(AV_UNKNOWN));
        return;
    }
    if (callee.a_kind == AV_METHOD) {
        on = callee.a_path;
        mname = callee.a_name;
    } else if (callee.a_kind == AV_OBJ && callee.a_path && callee.a_path->p_kind == PATH_ATTR) {
        on = callee.a_path->p_base;
        mname = callee.a_path->p_name;
    } else if (callee.a_kind == AV_OBJ && callee.a_path) {
        mname = callee.a_path->p_name;
        on = callee.a_path;
    } else if (callee.a_kind == AV_BUILDCLASS) {
        mname = "__build_class__";
    }
    if (callee.a_kind == AV_METHOD)
        cname = on ? dotted(it, on) : NULL;
    else if (callee.a_path)
        cname = dotted(it, callee.a_path);
    if (callee.a_kind == AV_METHOD && cname) {
        cname = join(it, cname, mname);
    } else if (callee.a_kind == AV_METHOD) {
        cname = mname;
    }

    e = event_new(it, EV_CALL, on, idx, s);
    if (!e)
        return;
    e->ev_name = mname;
    e->ev_callee = cname;
    e->ev_recv = callee.a_kind == AV_CALLRES ? callee.a_name
                 : callee.a_call && !e->ev_method ? callee.a_call : callee.a_recv;
    e->ev_method = callee.a_kind == AV_METHOD ||
                   (callee.a_kind == AV_OBJ && callee.a_path && callee.a_path->p_kind == PATH_ATTR);
    e->ev_srcs = callee.a_src;
    e->ev_aux = callee.a_kind == AV_FUNC ? callee.a_aux : -1;
    if (nargs > 0) {
        e->ev_args = arena_array(it->i_arena, nargs < IR_MAX_ARGS ? nargs : IR_MAX_ARGS,
                                 sizeof *e->ev_args);
        if (!e->ev_args) {
            it->i_oom = 1;
            return;
        }
        memset(e->ev_args, 0, (nargs < IR_MAX_ARGS ? nargs : IR_MAX_ARGS) * sizeof *e->ev_args);
    }
    for (k = 0; k < nargs && k < IR_MAX_ARGS; k++) {
        const aval *a = &vals[first + k];
        e->ev_args[k].ar_path = a->a_path;
        if (!a->a_path && (a->a_kind == AV_CONST || a->a_kind == AV_INT)) {
            const ir_path *cp = key_path(it, a);
            e->ev_args[k].ar_const = cp ? cp->p_name : NULL;
        }
        e->ev_args[k].ar_srcs = srcs_of(it, a);
        e->ev_args[k].ar_func = a->a_kind == AV_FUNC || a->a_kind == AV_CLASS ? a->a_aux : -1;
        e->ev_args[k].ar_ctor = a->a_kind == AV_CALLRES ? a->a_name : NULL;
        if (a->a_nalts) {
            e->ev_args[k].ar_items = a->a_alts;
            e->ev_args[k].ar_nitems = a->a_nalts;
            e->ev_args[k].ar_alts = 1;
        }
        for (d = 0; a->a_path && d < it->i_ndisp; d++)
            if (it->i_disp[d] == a->a_path) {
                e->ev_args[k].ar_items = it->i_disp_items[d];
                e->ev_args[k].ar_nitems = it->i_disp_n[d];
            }
        if (k >= nargs - nkw) {
            const pyc_obj *nm = kw->u.o_seq.items[kw->u.o_seq.n - nkw + (k - (nargs - nkw))];
            e->ev_args[k].ar_kw = obj_text(it, nm);
        }
        srcs_union(&e->ev_srcs, &e->ev_args[k].ar_srcs);
    }
    e->ev_nargs = (uint8_t)(nargs < IR_MAX_ARGS ? nargs : IR_MAX_ARGS);
    res.a_name = cname;
    res.a_src = e->ev_srcs;
    res.a_on = callee.a_kind == AV_METHOD ||
                       (callee.a_kind == AV_OBJ && callee.a_path &&
                        callee.a_path->p_kind == PATH_ATTR) ? on : NULL;
    if (callee.a_kind == AV_METHOD && mname && !strcmp(mname, "__enter__") && callee.a_recv) {
        aval self = av_make(AV_CALLRES);
        res = entered(it, &self);
        res.a_name = callee.a_recv;
    }

    /* class creation: __build_class__(body, name, *bases) */
    if (callee.a_kind == AV_BUILDCLASS && nargs >= 1 && vals[first].a_kind == AV_FUNC) {
        e->ev_aux = vals[first].a_aux;
        res = av_make(AV_CLASS);
        res.a_aux = vals[first].a_aux;
    }
    /* a lock function of the standard library (`logging._acquireLock()`): its module's lock */
    for (k = 0; cname && k < it->i_kb->k_nlockfns; k++) {
        const ir_lockfn *lf = &it->i_kb->k_lockfns[k];
        const ir_path *lp = NULL;
        const char *q = lf->lf_lock, *dot;
        uint32_t j;
        if (strcmp(cname, lf->lf_func))
            continue;
        for (; q && *q; q = dot ? dot + 1 : NULL) {
            size_t n = (dot = strchr(q, '.')) ? (size_t)(dot - q) : strlen(q);
            lp = lp ? ir_path_attr(it->i_paths, lp, q, n)
                    : ir_path_name(it->i_paths, PATH_GLOBAL, q, n, 0);
            if (!lp)
                break;
        }
        if (!lp)
            break;
        if (lf->lf_acquires) {
            acquire(it, s, lp, NULL, idx, 0);
        } else {
            for (j = 0; j < it->i_f->f_nacqs; j++)
                if (it->i_f->f_acqs[j].a_path == lp)
                    s->s_held &= ~((uint64_t)1 << j);
        }
        e->ev_locks = s->s_held;
        break;
    }
    /* locks taken and given back by hand; acquire(False) or with a timeout holds the lock only
     * where its result is true */
    if (on && mname && !strcmp(mname, "acquire")) {
        int32_t q = acquire(it, s, on, NULL, idx, 0);
        if (q >= 0 && acquire_may_fail(it, &vals[first], nargs, kw, nkw)) {
            s->s_held &= ~((uint64_t)1 << q);
            res = av_make(AV_ACQRES);
            res.a_aux = q;
        }
        e->ev_locks = s->s_held;
    } else if (on && mname && !strcmp(mname, "release")) {
        for (k = 0; k < it->i_f->f_nacqs; k++)
            if (it->i_f->f_acqs[k].a_path == on)
                s->s_held &= ~((uint64_t)1 << k);
    }
    /* readers: D.get(k) reads D[k]; len(L), sorted(L) read L's items -- but not a method of
     * the class itself called on self */
    if ((callee.a_kind == AV_METHOD || (callee.a_path && callee.a_path->p_kind == PATH_ATTR)) &&
        !own_method(it->i_f, on, mname)) {
        /* L.count(x), L.index(x), D.get(k) take an argument: `itertools.count()` is no read */
        if (on && ir_name_in(mname, it->i_kb->k_reader_methods, it->i_kb->k_nreader_methods) &&
            !(nargs == 0 && (!strcmp(mname, "count") || !strcmp(mname, "index") ||
                             !strcmp(mname, "get")))) {
            const ir_path *key = nargs ? key_path(it, &vals[first]) : fresh_path(it, "key");
            const ir_path *item = key ? ir_path_item(it->i_paths, on, key) : NULL;
            aval got = load(it, item, idx, s, &res.a_src);
            got.a_path = item;
            got.a_call = cname;
            if (!nargs && (!strcmp(mname, "keys") || !strcmp(mname, "values") ||
                           !strcmp(mname, "items")))
                got.a_view = on;    /* a live view: iterating it iterates `on` */
            if (!nargs && !strcmp(mname, "copy")) {
                /* D.copy() reads D's items into a new container: the result is not one of
                 * them (`msg = CONF[k].copy(); msg["type"] = ...` changes no shared state) */
                got.a_kind = AV_CALLRES;
                got.a_path = NULL;
                got.a_name = cname;
                got.a_id = res.a_id;
            }
            res = got;
        }
    } else if (nargs >= 1 && vals[first].a_path && callee.a_path &&
               callee.a_path->p_kind == PATH_GLOBAL &&
               ir_name_in(callee.a_path->p_name, it->i_kb->k_reader_funcs, it->i_kb->k_nreader_funcs)) {
        const ir_path *key = fresh_path(it, "key");
        const ir_path *item = key ? ir_path_item(it->i_paths, vals[first].a_path, key) : NULL;
        aval got = load(it, item, idx, s, &res.a_src);
        got.a_kind = AV_CALLRES;
        got.a_path = NULL;
        got.a_name = cname;
        got.a_id = res.a_id;
        if (!strcmp(callee.a_path->p_name, "len"))
            got.a_sized = vals[first].a_path;
        res = got;
    }
    push(it, s, res);
}

/***** imports *****/

/* "a" "b" in the arena. */
static const char *concat(interp *it, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *out = arena_alloc(it->i_arena, na + nb + 1);
    if (!out) {
        it->i_oom = 1;
        return a;
    }
    memcpy(out, a, na);
    memcpy(out + na, b, nb + 1);
    return out;
}

/* What IMPORT_NAME pushes, with its level and fromlist popped from s: the module named, written
 * with one leading dot per level of a relative import (".util", ".." for `from .. import x`);
 * without a fromlist (`import a.b`) the top-level package "a", which is what gets bound. */
static aval import_value(interp *it, state *s, const pyc_obj *nm)
{
    aval fromlist = pop(s), level = pop(s), x = av_make(AV_IMPORT);
    const pyc_obj *lv = level.a_kind == AV_CONST ? bc_const(it->i_bc, level.a_aux) : NULL;
    const pyc_obj *fl = fromlist.a_kind == AV_CONST ? bc_const(it->i_bc, fromlist.a_aux) : NULL;
    const char *name = obj_text(it, nm);
    int64_t dots = lv && lv->o_kind == PYC_INT ? lv->u.o_int : 0;
    char prefix[16];
    if (dots > 0) {
        if (dots > 15)
            dots = 15;
        memset(prefix, '.', (size_t)dots);
        prefix[dots] = 0;
        name = concat(it, prefix, name);
    } else if (fl && fl->o_kind == PYC_NONE && strchr(name, '.')) {
        name = text_dup(it, name, (size_t)(strchr(name, '.') - name));
    }
    x.a_name = name;
    return x;
}

/***** one instruction *****/

static void local_store(interp *it, state *s, int32_t k, aval v)
{
    if (k < 0 || (uint32_t)k >= it->i_nlocals)
        return;
    s->s_ver[k]++;
    /* a value with no path of its own becomes known by this local's new version */
    s->s_locals[k] = v;
}

/* A local about to keep v, read from shared-looking state (a global, an attribute, a cell): the
 * take of a take-and-reset (`item = self.pending`). */
static void take(interp *it, const state *s, uint32_t idx, const aval *v)
{
    const ir_path *p = v->a_path;
    ir_event *e;
    uint16_t i;
    if (!p || (p->p_kind != PATH_GLOBAL && p->p_kind != PATH_ATTR && p->p_kind != PATH_DEREF))
        return;
    for (i = 0; i < v->a_src.s_n; i++)
        if (it->i_f->f_events[v->a_src.s_ev[i]].ev_kind == EV_LOAD &&
            it->i_f->f_events[v->a_src.s_ev[i]].ev_path == p)
            break;
    if (i == v->a_src.s_n)
        return;                 /* not a value read here (a function, a class...) */
    if ((e = event_new(it, EV_TAKE, p, idx, s)))
        e->ev_srcs = v->a_src;
}

static aval local_load(interp *it, state *s, int32_t k)
{
    aval v;
    const pyc_obj *nm = bc_local(it->i_bc, k);
    if (k < 0 || (uint32_t)k >= it->i_nlocals)
        return av_make(AV_UNKNOWN);
    v = s->s_locals[k];
    if (v.a_kind == AV_UNKNOWN)
        v.a_kind = AV_OBJ;
    if (!v.a_path && v.a_kind != AV_FUNC && v.a_kind != AV_CLASS && nm) {
        v.a_path = ir_path_name(it->i_paths, PATH_LOCAL, nm->u.o_str.s, nm->u.o_str.len,
                                s->s_ver[k]);
        if (!v.a_path)
            it->i_oom = 1;
    }
    return v;
}

static const ir_path *named(interp *it, int kind, const pyc_obj *nm)
{
    const ir_path *p;
    if (!nm)
        return NULL;
    p = ir_path_name(it->i_paths, kind, nm->u.o_str.s, nm->u.o_str.len, 0);
    if (!p)
        it->i_oom = 1;
    return p;
}

static void generic(interp *it, state *s, const bc_instr *in)
{
    int e = bc_stack_effect(it->i_bc, in, 0);
    ir_srcs acc;
    memset(&acc, 0, sizeof acc);
    if (e < 0) {
        pop_n(s, -e, NULL);
    } else {
        while (e-- > 0)
            push(it, s, av_make(AV_UNKNOWN));
    }
}

/* The result of a test of v against w: its sources are both operands'. */
static aval test_value(const aval *v, const aval *w)
{
    aval x = av_make(AV_TEST);
    x.a_src = v->a_src;
    srcs_union(&x.a_src, &w->a_src);
    return x;
}

/* Interprets instruction idx on s.  *guard gets the test event a conditional jump consumes. */
static void step(interp *it, state *s, uint32_t idx, int32_t *guard)
{
    const bc_code *bc = it->i_bc;
    const bc_instr *in = &bc->bc_instrs[idx];
    aval v, w, x;
    const ir_path *p;
    ir_srcs acc;
    int32_t t;
    uint32_t k;

    memset(&acc, 0, sizeof acc);
    switch (in->in_sem) {
    case SEM_NOP: case SEM_PRECALL: case SEM_TO_BOOL:
        break;
    case SEM_LOAD_FAST:
        push(it, s, local_load(it, s, in->in_a));
        break;
    case SEM_LOAD_FAST_PAIR:
        push(it, s, local_load(it, s, in->in_a));
        push(it, s, local_load(it, s, in->in_b));
        break;
    case SEM_STORE_FAST:
        v = pop(s);
        take(it, s, idx, &v);
        local_store(it, s, in->in_a, v);
        break;
    case SEM_STORE_FAST_PAIR:
        v = pop(s);
        take(it, s, idx, &v);
        local_store(it, s, in->in_a, v);
        v = pop(s);
        take(it, s, idx, &v);
        local_store(it, s, in->in_b, v);
        break;
    case SEM_STORE_LOAD_FAST:
        v = pop(s);
        take(it, s, idx, &v);
        local_store(it, s, in->in_a, v);
        push(it, s, local_load(it, s, in->in_b));
        break;
    case SEM_DELETE_FAST:
        local_store(it, s, in->in_a, av_make(AV_UNKNOWN));
        break;
    case SEM_LOAD_GLOBAL: case SEM_LOAD_NAME:
        p = named(it, PATH_GLOBAL, bc_name(bc, in->in_a));
        if (in->in_sem == SEM_LOAD_GLOBAL && (in->in_b & 3) == 3)
            push(it, s, av_make(AV_NULL));
        v = load(it, p, idx, s, NULL);
        for (k = 0; p && k < it->i_ngalt; k++)
            if (it->i_galt[k] == p) {
                v.a_alts = it->i_galt_items[k];
                v.a_nalts = it->i_galt_n[k];
            }
        push(it, s, v);
        if (in->in_sem == SEM_LOAD_GLOBAL && (in->in_b & 3) == 1)
            push(it, s, av_make(AV_NULL));
        break;
    case SEM_STORE_GLOBAL: case SEM_STORE_NAME:
        v = pop(s);
        p = named(it, PATH_GLOBAL, bc_name(bc, in->in_a));
        store(it, EV_STORE, p, &v, idx, s);
        if (p && v.a_nalts && it->i_ngalt < 8) {
            it->i_galt[it->i_ngalt] = p;
            it->i_galt_items[it->i_ngalt] = v.a_alts;
            it->i_galt_n[it->i_ngalt++] = v.a_nalts;
        }
        break;
    case SEM_DELETE_GLOBAL: case SEM_DELETE_NAME:
        store(it, EV_DELETE, named(it, PATH_GLOBAL, bc_name(bc, in->in_a)), NULL, idx, s);
        break;
    case SEM_LOAD_DEREF:
        p = named(it, PATH_DEREF, bc_deref(bc, in->in_a));
        push(it, s, load(it, p, idx, s, NULL));
        break;
    case SEM_STORE_DEREF:
        v = pop(s);
        store(it, EV_STORE, named(it, PATH_DEREF, bc_deref(bc, in->in_a)), &v, idx, s);
        break;
    case SEM_DELETE_DEREF:
        store(it, EV_DELETE, named(it, PATH_DEREF, bc_deref(bc, in->in_a)), NULL, idx, s);
        break;
    case SEM_LOAD_CLOSURE:
        push(it, s, av_make(AV_UNKNOWN));
        break;
    case SEM_LOAD_CONST:
        v = av_make(AV_CONST);
        v.a_aux = in->in_a;
        push(it, s, v);
        break;
    case SEM_LOAD_INT:
        v = av_make(AV_INT);
        v.a_aux = in->in_a;
        push(it, s, v);
        break;
    case SEM_LOAD_ATTR: {
        const pyc_obj *nm = bc_name(bc, in->in_a);
        v = pop(s);
        p = v.a_path && nm ? ir_path_attr(it->i_paths, v.a_path, nm->u.o_str.s, nm->u.o_str.len)
                           : NULL;
        if (v.a_path && nm && !p)
            it->i_oom = 1;
        if (in->in_b) {  /* method form: (method, self) */
            w = av_make(AV_METHOD);
            w.a_path = v.a_path;
            w.a_name = obj_text(it, nm);
            w.a_src = v.a_src;
            w.a_recv = v.a_kind == AV_CALLRES ? v.a_name : NULL;
            push(it, s, w);
            push(it, s, av_make(AV_SELFMARK));
        } else if (p) {
            w = load(it, p, idx, s, &v.a_src);
            w.a_recv = v.a_kind == AV_CALLRES ? v.a_name : NULL;
            push(it, s, w);
        } else {
            w = av_make(AV_UNKNOWN);
            w.a_src = v.a_src;
            push(it, s, w);
        }
        break;
    }
    case SEM_LOAD_SUPER_ATTR:
        generic(it, s, in);
        break;
    case SEM_STORE_ATTR: {
        const pyc_obj *nm = bc_name(bc, in->in_a);
        w = pop(s);  /* the object */
        v = pop(s);  /* the value */
        p = w.a_path && nm ? ir_path_attr(it->i_paths, w.a_path, nm->u.o_str.s, nm->u.o_str.len)
                           : NULL;
        store(it, EV_STORE, p, &v, idx, s);
        break;
    }
    case SEM_DELETE_ATTR: {
        const pyc_obj *nm = bc_name(bc, in->in_a);
        w = pop(s);
        p = w.a_path && nm ? ir_path_attr(it->i_paths, w.a_path, nm->u.o_str.s, nm->u.o_str.len)
                           : NULL;
        store(it, EV_DELETE, p, NULL, idx, s);
        break;
    }
    case SEM_SUBSCR:
        w = pop(s);  /* key */
        v = pop(s);  /* container */
        p = v.a_path ? ir_path_item(it->i_paths, v.a_path, key_path(it, &w)) : NULL;
        if (p) {
            push(it, s, load(it, p, idx, s, &w.a_src));
        } else {
            x = av_make(AV_UNKNOWN);
            x.a_src = v.a_src;
            srcs_union(&x.a_src, &w.a_src);
            push(it, s, x);
        }
        break;
    case SEM_STORE_SUBSCR:
        w = pop(s);  /* key */
        v = pop(s);  /* container */
        x = pop(s);  /* value */
        p = v.a_path ? ir_path_item(it->i_paths, v.a_path, key_path(it, &w)) : NULL;
        store(it, EV_STORE, p, &x, idx, s);
        break;
    case SEM_DELETE_SUBSCR:
        w = pop(s);
        v = pop(s);
        p = v.a_path ? ir_path_item(it->i_paths, v.a_path, key_path(it, &w)) : NULL;
        store(it, EV_DELETE, p, NULL, idx, s);
        break;
    case SEM_SLICE: {
        aval bounds[2];
        bounds[1] = *peek(s, 1);
        bounds[0] = *peek(s, 2);
        pop_n(s, 2, &acc);
        v = pop(s);
        p = v.a_path ? ir_path_item(it->i_paths, v.a_path, slice_path(it, bounds, 2)) : NULL;
        push(it, s, p ? load(it, p, idx, s, &acc) : av_make(AV_UNKNOWN));
        break;
    }
    case SEM_STORE_SLICE: {
        aval bounds[2];
        bounds[1] = *peek(s, 1);
        bounds[0] = *peek(s, 2);
        pop_n(s, 2, NULL);
        v = pop(s);
        x = pop(s);
        p = v.a_path ? ir_path_item(it->i_paths, v.a_path, slice_path(it, bounds, 2)) : NULL;
        store(it, EV_STORE, p, &x, idx, s);
        break;
    }
    case SEM_BUILD_SLICE: {
        /* a slice object: as a key, `L[lo:hi]` */
        aval bounds[3];
        int n = in->in_a == 3 ? 3 : 2, i;
        for (i = 0; i < n; i++)
            bounds[n - 1 - i] = *peek(s, (uint32_t)i + 1);
        pop_n(s, n, &acc);
        x = av_make(AV_UNKNOWN);
        x.a_path = slice_path(it, bounds, n);
        x.a_src = acc;
        push(it, s, x);
        break;
    }
    case SEM_BINARY:
        w = pop(s);
        v = pop(s);
        x = av_new(it, AV_UNKNOWN);
        x.a_src = v.a_src;
        srcs_union(&x.a_src, &w.a_src);
        push(it, s, x);
        break;
    case SEM_UNARY:
        v = pop(s);
        if (v.a_kind == AV_ACQRES && in->in_a == UNARY_NOT_) {
            v.a_neg = (uint8_t)!v.a_neg;
        } else if (v.a_kind != AV_TEST && v.a_kind != AV_ACQRES) {
            x = av_new(it, AV_UNKNOWN);
            x.a_src = v.a_src;
            x.a_path = in->in_a == UNARY_NOT_ ? v.a_path : NULL;
            v = x;
        }
        push(it, s, v);
        break;
    case SEM_COMPARE:
        w = pop(s);
        v = pop(s);
        x = test_value(&v, &w);
        if ((v.a_sized && zero_or_one(it, &w)) || (w.a_sized && zero_or_one(it, &v))) {
            /* `len(L) > 0`, `len(L) == 0`: a truth test of L; a threshold (`len(L) >= n`)
             * tests no emptiness and is left as a comparison of a computed value */
            aval c = v.a_sized ? v : w;
            c.a_path = c.a_sized;
            t = test_event(it, TEST_TRUTH, &c, NULL, idx, s);
        } else {
            t = test_event(it, TEST_COMPARE, v.a_path || v.a_src.s_n ? &v : &w, NULL, idx, s);
            if (t >= 0 && in->in_a == CMP_EQ)
                compared_constant(&it->i_f->f_events[t], v.a_path || v.a_src.s_n ? &w : &v);
        }
        x.a_aux = t;
        push(it, s, x);
        break;
    case SEM_CONTAINS:
        w = pop(s);  /* container */
        v = pop(s);  /* key */
        x = test_value(&v, &w);
        x.a_aux = -1;
        if (w.a_path) {
            const ir_path *key = key_path(it, &v);
            const ir_path *item = key ? ir_path_item(it->i_paths, w.a_path, key) : NULL;
            aval got = load(it, item, idx, s, NULL);
            srcs_union(&x.a_src, &got.a_src);
            w.a_src = x.a_src;
            x.a_aux = test_event(it, in->in_a ? TEST_NOT_IN : TEST_IN, &w, key, idx, s);
        }
        push(it, s, x);
        break;
    case SEM_IS:
        w = pop(s);
        v = pop(s);
        x = test_value(&v, &w);
        x.a_aux = -1;
        if (is_none_const(it, &w) || is_none_const(it, &v))
            x.a_aux = test_event(it, in->in_a ? TEST_IS_NOT_NONE : TEST_IS_NONE,
                                 is_none_const(it, &w) ? &v : &w, NULL, idx, s);
        push(it, s, x);
        break;
    case SEM_JUMP_IF:
        v = in->in_b ? *peek(s, 1) : pop(s);
        if (v.a_kind == AV_ACQRES && (in->in_a == COND_TRUE || in->in_a == COND_FALSE)) {
            /* the jump is taken when the value is true (COND_TRUE); the lock is held where
             * the acquisition succeeded */
            it->i_cond_acq = v.a_aux;
            it->i_cond_on_jump = (in->in_a == COND_TRUE) != v.a_neg;
        } else if (v.a_kind == AV_TEST)
            *guard = v.a_aux;
        else if (in->in_a == COND_NONE || in->in_a == COND_NOT_NONE)
            *guard = test_event(it, TEST_IS_NONE, &v, NULL, idx, s);
        else
            *guard = test_event(it, TEST_TRUTH, &v, NULL, idx, s);
        break;
    case SEM_FOR_ITER:
        x = av_new(it, AV_UNKNOWN);
        x.a_src = peek(s, 1)->a_src;
        x.a_alts = peek(s, 1)->a_alts;
        x.a_nalts = peek(s, 1)->a_nalts;
        push(it, s, x);
        break;
    case SEM_GET_ITER:
        /* iterating reads every item: `[r for r in L]` flows L's items into the result */
        v = pop(s);
        x = av_new(it, AV_UNKNOWN);
        x.a_src = v.a_src;
        for (k = 0; v.a_path && k < it->i_ndisp; k++)
            if (it->i_disp[k] == v.a_path) {     /* iterating a display: its items, in turn */
                x.a_alts = it->i_disp_items[k];
                x.a_nalts = it->i_disp_n[k];
            }
        if (v.a_path) {
            const ir_path *item = ir_path_item(it->i_paths, v.a_path, fresh_path(it, "..."));
            aval got = load(it, item, idx, s, NULL);
            srcs_union(&x.a_src, &got.a_src);
        }
        {
            /* the iteration goes over the container's live items (its keys(), values() or
             * items() view too); a slice, a copy or a display is a new object */
            const ir_path *c = v.a_view ? v.a_view : v.a_path;
            if (c && (c->p_kind == PATH_FRESH || c->p_kind == PATH_CONST ||
                      (c->p_kind == PATH_ITEM && c->p_key && c->p_key->p_kind == PATH_FRESH) ||
                      (!v.a_view && v.a_kind == AV_FRESH)))
                c = NULL;
            if (c)
                event_new(it, EV_ITER, c, idx, s);
        }
        push(it, s, x);
        break;
    case SEM_BUILD: {
        int n = 1 - bc_stack_effect(bc, in, 0);
        x = av_make(in->in_b == BUILD_STRING_ || in->in_b == BUILD_OTHER_ ? AV_UNKNOWN : AV_FRESH);
        if (x.a_kind == AV_FRESH)
            x.a_path = fresh_path(it, in->in_b == BUILD_LIST_ ? "list" : in->in_b == BUILD_SET_ ?
                                  "set" : in->in_b == BUILD_TUPLE_ ? "tuple" : "dict");
        if (x.a_path && (in->in_b == BUILD_TUPLE_ || in->in_b == BUILD_LIST_))
            display_note(it, s, x.a_path, n);
        pop_n(s, n, &x.a_src);
        push(it, s, x);
        break;
    }
    case SEM_MAKE_FUNCTION: {
        int n = 1 - bc_stack_effect(bc, in, 0), i;
        x = av_make(AV_UNKNOWN);
        for (i = 1; i <= n; i++) {
            aval *c = peek(s, (uint32_t)i);
            if (c->a_kind == AV_CONST && code_index_of(it, bc_const(bc, c->a_aux)) >= 0) {
                x = av_make(AV_FUNC);
                x.a_aux = code_index_of(it, bc_const(bc, c->a_aux));
            }
        }
        if (x.a_kind == AV_FUNC) {
            ir_event *e = event_new(it, EV_MAKE, NULL, idx, s);
            if (e) {
                e->ev_aux = x.a_aux;
                /* before 3.13 the defaults tuple is the deepest operand (flag 0x01) */
                if ((in->in_a & 1) && n >= 2 && peek(s, (uint32_t)n)->a_kind == AV_CONST)
                    e->ev_none_dflt = bc_const_none_tail(bc, peek(s, (uint32_t)n)->a_aux);
            }
        }
        pop_n(s, n, NULL);
        push(it, s, x);
        break;
    }
    case SEM_SET_FUNC_ATTR:
        v = pop(s);  /* the function */
        x = pop(s);  /* the attribute */
        if (in->in_a == 1 && v.a_kind == AV_FUNC && x.a_kind == AV_CONST) {
            /* 3.13+: the defaults, set on the function MAKE_FUNCTION made just before */
            uint32_t ek = it->i_f->f_nevents;
            while (ek-- > 0)
                if (it->i_f->f_events[ek].ev_kind == EV_MAKE &&
                    it->i_f->f_events[ek].ev_aux == v.a_aux) {
                    it->i_f->f_events[ek].ev_none_dflt = bc_const_none_tail(bc, x.a_aux);
                    break;
                }
        }
        push(it, s, v);
        break;
    case SEM_COLLECT: {
        /* a comprehension or display adds to the container it builds: the container's value
         * now depends on what was added */
        int n = -bc_stack_effect(bc, in, 0);
        aval *c;
        pop_n(s, n, &acc);
        c = peek(s, (uint32_t)in->in_a);
        srcs_union(&c->a_src, &acc);
        built_add(it, c->a_path, &acc);
        break;
    }
    case SEM_LOAD_BUILD_CLASS:
        push(it, s, av_make(AV_BUILDCLASS));
        break;
    case SEM_CALL:
        do_call(it, s, idx, 1 - bc_stack_effect(bc, in, 0), (in->in_b & OP_CALL_KW) != 0 &&
                s->s_kwnames < 0 && peek(s, 1)->a_kind == AV_CONST &&
                kw_tuple(it, peek(s, 1)->a_aux) != NULL);
        break;
    case SEM_CALL_EX: {
        uint32_t before = it->i_f->f_nevents;
        do_call(it, s, idx, 1 - bc_stack_effect(bc, in, 0), 0);
        while (before < it->i_f->f_nevents)
            if (it->i_f->f_events[before++].ev_kind == EV_CALL &&
                it->i_f->f_events[before - 1].ev_instr == idx)
                it->i_f->f_events[before - 1].ev_unpack = 1;
        break;
    }
    case SEM_PUSH_NULL:
        push(it, s, av_make(AV_NULL));
        break;
    case SEM_KW_NAMES:
        s->s_kwnames = in->in_a;
        break;
    case SEM_COPY:
        push(it, s, *peek(s, (uint32_t)in->in_a));
        break;
    case SEM_SWAP: {
        aval *a = peek(s, 1), *b = peek(s, (uint32_t)in->in_a);
        x = *a;
        *a = *b;
        *b = x;
        break;
    }
    case SEM_ROT: {
        uint32_t n = (uint32_t)in->in_a, i;
        if (n >= 2 && n <= s->s_depth) {
            x = s->s_stack[s->s_depth - 1];
            for (i = 1; i < n; i++)
                s->s_stack[s->s_depth - i] = s->s_stack[s->s_depth - i - 1];
            s->s_stack[s->s_depth - n] = x;
        }
        break;
    }
    case SEM_DUP_TWO:
        v = *peek(s, 2);
        w = *peek(s, 1);
        push(it, s, v);
        push(it, s, w);
        break;
    case SEM_POP:
        v = pop(s);
        drop(s, &v);
        break;
    case SEM_WITH_ENTER:
        v = pop(s);
        x = av_make(AV_EXIT);
        x.a_aux = acquire(it, s, v.a_path, v.a_kind == AV_CALLRES ? v.a_name : NULL, idx, 1);
        if (x.a_aux >= 0 && v.a_kind == AV_CALLRES)
            it->i_f->f_acqs[x.a_aux].a_on = v.a_on;
        if ((in->in_flags & OPF_JUMP) && s->s_nfb < MAX_FBLOCKS)
            s->s_fb[s->s_nfb++].fb_acq = x.a_aux;
        push(it, s, x);
        /* what __enter__ returned; pre-3.11 the handler setup hides it under nothing else.
         * Taken to be the object itself when it was made by a call (`with Pool() as p:`), as
         * executors, files and most context managers return self */
        if (bc_stack_effect(bc, in, 0) >= 1)
            push(it, s, entered(it, &v));
        break;
    case SEM_LOAD_SPECIAL:
        v = pop(s);
        if (in->in_a == 1 || in->in_a == 3) {
            x = av_make(AV_EXIT);
            x.a_aux = acquire(it, s, v.a_path, v.a_kind == AV_CALLRES ? v.a_name : NULL, idx, 1);
            if (x.a_aux >= 0 && v.a_kind == AV_CALLRES)
                it->i_f->f_acqs[x.a_aux].a_on = v.a_on;
        } else {
            x = av_make(AV_METHOD);
            x.a_path = v.a_path;
            x.a_name = "__enter__";
            x.a_recv = v.a_kind == AV_CALLRES ? v.a_name : NULL;
        }
        push(it, s, x);
        push(it, s, av_make(AV_SELFMARK));
        break;
    case SEM_SETUP_HANDLER:
        if (s->s_nfb < MAX_FBLOCKS)
            s->s_fb[s->s_nfb++].fb_acq = -1;
        break;
    case SEM_POP_BLOCK:
        if (s->s_nfb) {
            int32_t q = s->s_fb[--s->s_nfb].fb_acq;
            if (q >= 0 && q < 64)
                s->s_held &= ~((uint64_t)1 << q);
        }
        break;
    case SEM_IMPORT_NAME:
        push(it, s, import_value(it, s, bc_name(bc, in->in_a)));
        break;
    case SEM_IMPORT_FROM: {
        const pyc_obj *nm = bc_name(bc, in->in_a);
        const char *mod = peek(s, 1)->a_kind == AV_IMPORT ? peek(s, 1)->a_name : "?";
        size_t n = strlen(mod);
        x = av_make(AV_IMPORT);
        /* after the dots of a relative import the name follows without another dot */
        x.a_name = n && mod[n - 1] == '.' ? concat(it, mod, obj_text(it, nm))
                                          : join(it, mod, obj_text(it, nm));
        push(it, s, x);
        break;
    }
    case SEM_UNPACK: {
        int32_t n = in->in_a, i;
        v = pop(s);
        for (i = 0; i < n && i < 4096; i++) {
            x = av_new(it, AV_UNKNOWN);
            x.a_src = v.a_src;
            push(it, s, x);
        }
        break;
    }
    default:
        generic(it, s, in);
        break;
    }
}

/***** blocks *****/

/* Records that an edge into block t leaves test `guard` with outcome `holds`.  The block is
 * guarded when every edge into it leaves a test of the same state with the same outcome (the
 * test of `while L:` sits before the loop and again at its end). */
static void edge_guard(ir_func *f, uint32_t t, int32_t guard, int holds)
{
    ir_block *blk = &f->f_blocks[t];
    if (!blk->b_nguard) {
        blk->b_guard = guard;
        blk->b_guard_true = (uint8_t)holds;
        blk->b_nguard = 1;
    } else if (f->f_events[blk->b_guard].ev_path == f->f_events[guard].ev_path &&
               blk->b_guard_true == (uint8_t)holds) {
        blk->b_nguard++;
    }
}

static void run_block(interp *it, uint32_t b)
{
    ir_func *f = it->i_f;
    const bc_code *bc = it->i_bc;
    ir_block *blk = &f->f_blocks[b];
    /* each block runs once: it may consume the state it was handed */
    state *s = it->i_in[b] ? it->i_in[b] : it->i_in_exc[b];
    const bc_instr *last = &bc->bc_instrs[blk->b_last];
    uint32_t i, k;
    int32_t guard = -1;
    if (!s)
        return;
    blk->b_reached = 1;
    for (i = blk->b_first; i <= blk->b_last && !it->i_oom; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        int64_t jump_depth = 0;
        uint32_t t = NONE;
        /* 3.11+: the first covered instruction seen hands the handler the stack below the
         * recorded depth (plus lasti and the exception) and the locks held there */
        if (blk->b_handler != NONE && !it->i_in_exc[blk->b_handler] && bc->bc_nhandlers) {
            uint32_t h;
            for (h = 0; h < bc->bc_nhandlers; h++) {
                const bc_handler *eh = &bc->bc_handlers[h];
                if (eh->h_start <= in->in_offset && in->in_offset < eh->h_end) {
                    hand_to(it, blk->b_handler, s, (int64_t)eh->h_depth + eh->h_lasti + 1, 1);
                    break;
                }
            }
        }
        if ((in->in_flags & OPF_JUMP) && in->in_target >= 0 && bc->bc_at[in->in_target / 2] >= 0) {
            t = f->f_block_of[bc->bc_at[in->in_target / 2]];
            jump_depth = (int64_t)s->s_depth + bc_stack_effect(bc, in, 1);
        }
        if (t != NONE && (in->in_sem == SEM_SETUP_HANDLER || in->in_sem == SEM_WITH_ENTER)) {
            /* pre-3.11 SETUP_*: the handler starts from the stack before the setup */
            hand_to(it, t, s, jump_depth, 1);
            step(it, s, i, &guard);
            continue;
        }
        it->i_cond_acq = -1;
        step(it, s, i, &guard);
        if (t == NONE)
            continue;
        /* the jump edge: the stack as the compiler models it, values kept where they stay; after
         * a conditional acquire the lock is held on one edge only */
        if (it->i_cond_acq >= 0 && it->i_cond_acq < 64) {
            uint64_t bit = (uint64_t)1 << it->i_cond_acq;
            if (it->i_cond_on_jump)
                s->s_held |= bit;
            hand_to(it, t, s, jump_depth, 0);
            s->s_held &= ~bit;
            if (!it->i_cond_on_jump)
                s->s_held |= bit;
        } else {
            hand_to(it, t, s, jump_depth, 0);
        }
        if (in->in_sem == SEM_JUMP_IF && in->in_b) {
            aval v = pop(s);  /* JUMP_IF_X_OR_POP pops only when it falls through */
            drop(s, &v);
        }
    }
    /* the fall-through successor takes this block's state as it is: no copy */
    if (blk->b_succ[0] != NONE && !it->i_in[blk->b_succ[0]]) {
        it->i_in[blk->b_succ[0]] = s;
        it->i_in[b] = NULL;
        if (it->i_in_exc[b] == s)
            it->i_in_exc[b] = NULL;
    }
    /* the edges out of this block carry a guard: the test its conditional jump consumed, with
     * the outcome of each edge, or else the guard of the block itself */
    {
        int32_t own = ir_block_guard(f, b);
        int jump_when_true = last->in_a == COND_TRUE || last->in_a == COND_NONE;
        for (k = 0; k < 2; k++) {
            uint32_t sb = blk->b_succ[k];
            if (sb == NONE)
                continue;
            if (guard >= 0 && last->in_sem == SEM_JUMP_IF)
                edge_guard(f, sb, guard, k == 1 ? jump_when_true : !jump_when_true);
            else if (own >= 0)
                edge_guard(f, sb, own, blk->b_guard_true);
        }
    }
}

/* Could a not yet interpreted block that has a state hand b a normal state later? */
static int waiting_normal(const interp *it, uint32_t b)
{
    uint32_t k;
    for (k = 0; k < b; k++)
        if (!it->i_done[k] && it->i_in[k])
            return 1;
    return 0;
}

int ir_interpret(ir_func *f, const bc_file *bf, const ir_kb *kb, ir_paths *paths, arena *a,
                 diag_ctx *d, const char *name)
{
    interp it;
    state *entry;
    uint32_t progress = 1, b;
    const pyc_code *c = f->f_code->bc_src;

    memset(&it, 0, sizeof it);
    it.i_f = f;
    it.i_bc = f->f_code;
    it.i_bf = bf;
    it.i_kb = kb;
    it.i_paths = paths;
    it.i_arena = a;
    it.i_diag = d;
    it.i_name = name;
    it.i_nlocals = c->co_nlocalnames;
    f->f_events = NULL;
    f->f_nevents = 0;
    f->f_nacqs = 0;
    f->f_acqs = arena_array(a, 64, sizeof *f->f_acqs);
    it.i_in = arena_array(a, f->f_nblocks + 1, sizeof *it.i_in);
    it.i_in_exc = arena_array(a, f->f_nblocks + 1, sizeof *it.i_in_exc);
    entry = arena_alloc(a, sizeof *entry);
    if (!f->f_acqs || !it.i_in || !it.i_in_exc || !entry)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(it.i_in, 0, (f->f_nblocks + 1) * sizeof *it.i_in);
    memset(it.i_in_exc, 0, (f->f_nblocks + 1) * sizeof *it.i_in_exc);
    memset(entry, 0, sizeof *entry);
    entry->s_kwnames = -1;
    entry->s_locals = arena_array(a, it.i_nlocals + 1, sizeof *entry->s_locals);
    entry->s_ver = arena_array(a, it.i_nlocals + 1, sizeof *entry->s_ver);
    entry->s_cap = 8;
    entry->s_stack = arena_array(a, entry->s_cap, sizeof *entry->s_stack);
    if (!entry->s_locals || !entry->s_ver || !entry->s_stack)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(entry->s_locals, 0, (it.i_nlocals + 1) * sizeof *entry->s_locals);
    memset(entry->s_ver, 0, (it.i_nlocals + 1) * sizeof *entry->s_ver);
    if (!f->f_nblocks)
        return G_OK;
    it.i_in[0] = entry;
    it.i_done = arena_alloc(a, f->f_nblocks);
    if (!it.i_done)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(it.i_done, 0, f->f_nblocks);
    /* offset order, again and again, until no block with a state is left */
    while (progress && !it.i_oom) {
        progress = 0;
        for (b = 0; b < f->f_nblocks && !it.i_oom; b++) {
            if (it.i_done[b] || (!it.i_in[b] && !it.i_in_exc[b]))
                continue;
            /* a block reached only by an exception edge so far waits while normal blocks
             * before it can still reach it */
            if (!it.i_in[b] && waiting_normal(&it, b))
                continue;
            it.i_done[b] = 1;
            run_block(&it, b);
            progress = 1;
        }
    }
    if (it.i_oom)
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    return G_OK;
}
