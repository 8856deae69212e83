/* A module's summary from its module facts and windows: each function's writes, windows, calls,
 * locks and thread starts with paths relative to the function, the classes and the module-level
 * bindings (see sum_int.h for the path notation). */
#include "sum_int.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "eng_int.h"

#define CO_COROUTINE 0x0080
#define CO_ITERABLE_COROUTINE 0x0100
#define CO_ASYNC_GENERATOR 0x0200

typedef struct builder {
    eng_mod *b_m;
    eng_summary *b_s;
    arena *b_a;
    uint32_t *b_class_of;      /* class-body code index -> class index, SUM_NONE */
    strbuf b_text;             /* the path being written, reused from path to path (one
                                * malloc'd buffer instead of one per path) */
    int b_oom;
} builder;

/***** text *****/

static const char *dup(builder *b, const char *s, size_t n)
{
    char *p = arena_alloc(b->b_a, n + 1);
    if (!p) {
        b->b_oom = 1;
        return "";
    }
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* The text of b_text copied into the arena; NULL after a failure (b_oom). */
static const char *text_done(builder *b)
{
    if (b->b_text.sb_failed) {
        b->b_oom = 1;
        return NULL;
    }
    return dup(b, b->b_text.sb_buf, b->b_text.sb_len);
}

/* Appends the decimal digits of n (paths are built often enough that printf shows). */
static void put_num(strbuf *sb, uint32_t n)
{
    char buf[10];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    sb_putn(sb, buf + i, sizeof buf - i);
}

/* Appends prefix, then name. */
static void put_two(strbuf *sb, const char *prefix, const char *name)
{
    sb_putn(sb, prefix, strlen(prefix));
    sb_puts(sb, name);
}

static const char *obj_text(builder *b, const pyc_obj *o)
{
    return o && o->o_kind == PYC_STR ? dup(b, o->u.o_str.s, o->u.o_str.len) : "?";
}

/***** paths *****/

/* The code object that owns cell `name` seen from code ci: ci itself or the nearest enclosing
 * code with it among its cells; SUM_NONE when none does. */
static uint32_t cell_owner(const builder *b, uint32_t ci, const char *name)
{
    const bc_file *bf = b->b_m->m_bf;
    while (ci != SUM_NONE && ci < bf->bf_ncodes) {
        const pyc_code *c = bf->bf_codes[ci].bc_src;
        uint32_t i;
        for (i = 0; i < c->co_nderefnames; i++)
            if ((c->co_derefkinds[i] & PYC_FAST_CELL) && pyc_str_eq(c->co_derefnames[i], name))
                return ci;
        ci = bf->bf_codes[ci].bc_parent < 0 ? SUM_NONE : (uint32_t)bf->bf_codes[ci].bc_parent;
    }
    return SUM_NONE;
}

/* The parameter of code ci named `name`, or -1. */
static int param_named(const builder *b, uint32_t ci, const char *name)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const pyc_code *pc = c->c_ir.f_code->bc_src;
    uint32_t i;
    for (i = 0; i < c->c_nparams && i < pc->co_nlocalnames; i++)
        if (pyc_str_eq(pc->co_localnames[i], name))
            return (int)i;
    return -1;
}

/* Writes the root of p as seen from code ci; 0 when it is not a root a summary names. */
static int put_root(builder *b, strbuf *sb, uint32_t ci, const ir_path *root)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    int k;
    uint32_t owner;
    switch (root->p_kind) {
    case PATH_GLOBAL:
        put_two(sb, "g:", root->p_name);
        return 1;
    case PATH_LOCAL:
        if ((k = mod_param_index(c, root)) < 0)
            return 0;
        sb_putn(sb, "p:", 2);
        put_num(sb, (uint32_t)k);
        return 1;
    case PATH_DEREF:
        owner = cell_owner(b, ci, root->p_name);
        if (owner == SUM_NONE)
            return 0;
        if (owner == ci && (k = param_named(b, ci, root->p_name)) >= 0) {
            sb_putn(sb, "p:", 2);         /* a parameter some closure captures */
            put_num(sb, (uint32_t)k);
        } else {
            sb_putn(sb, "c:", 2);
            put_num(sb, owner);
            put_two(sb, ":", root->p_name);
        }
        return 1;
    default:
        return 0;
    }
}

static int put_path(builder *b, strbuf *sb, uint32_t ci, const ir_path *p)
{
    if (!p)
        return 0;
    switch (p->p_kind) {
    case PATH_ATTR:
        if (!put_path(b, sb, ci, p->p_base))
            return 0;
        put_two(sb, ".", p->p_name);
        return 1;
    case PATH_ITEM: {
        int param = p->p_key && p->p_key->p_kind != PATH_CONST
                        ? mod_param_index(&b->b_m->m_codes[ci], p->p_key) : -1;
        if (!put_path(b, sb, ci, p->p_base))
            return 0;
        if (p->p_key && p->p_key->p_kind == PATH_CONST) {
            const char *k;
            sb_putc(sb, '[');
            for (k = p->p_key->p_name; *k; k++) {   /* ']' and '\\' escaped: keys are reprs */
                if (*k == ']' || *k == '\\')
                    sb_putc(sb, '\\');
                sb_putc(sb, *k);
            }
            sb_putc(sb, ']');
        } else if (param >= 0) {
            /* the function's own parameter, never rebound: any key, but the one its caller
             * passed (threads started with distinct indexes have distinct keys) */
            char buf[16];
            snprintf(buf, sizeof buf, "[*p%d]", param);
            sb_puts(sb, buf);
        } else {
            sb_puts(sb, "[*]");
        }
        return 1;
    }
    default:
        return put_root(b, sb, ci, p);
    }
}

/* The summary path of p in code ci, with `suffix` appended; NULL when p is not one. */
static const char *spath(builder *b, uint32_t ci, const ir_path *p, const char *suffix)
{
    sb_clear(&b->b_text);
    if (!put_path(b, &b->b_text, ci, p))
        return NULL;
    if (suffix)
        sb_puts(&b->b_text, suffix);
    return text_done(b);
}

/* Are two summary paths the same item up to what the keys are: `g:D[*p1]['oids']` and
 * `g:D[*]['oids']` (a key from a parameter or a local is any key; a constant is itself)? */
static int same_item_shape(const char *a, const char *b)
{
    while (*a && *b) {
        if (a[0] == '[' && b[0] == '[' && a[1] == '*' && b[1] == '*') {
            a += strcspn(a, "]");
            b += strcspn(b, "]");
            continue;
        }
        if (*a++ != *b++)
            return 0;
    }
    return *a == *b;
}

/* Is the item at path p (the state of an in-place operator's window, `D[k]['oids'] -= gone`) a
 * built-in container wherever the file stores it: every store of an item of that shape is a
 * new list, dict, set... or the write-back of such an operator, and there is at least one new
 * one?  Then the operator changes that object in place and stores the same object back. */
static int item_container(builder *b, const char *p)
{
    eng_mod *m = b->b_m;
    char *want;
    uint32_t j, k, i;
    int made = 0;
    size_t n = strlen(p) + 1;
    if (!(want = arena_alloc(b->b_a, n))) {
        b->b_oom = 1;
        return 0;
    }
    memcpy(want, p, n);
    for (j = 0; j < m->m_ncodes; j++) {
        const eng_code *c = &m->m_codes[j];
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *e = &c->c_ir.f_events[k];
            const char *q;
            int kind, back = 0;
            if (e->ev_kind != EV_STORE || !e->ev_path || e->ev_path->p_kind != PATH_ITEM ||
                !(q = spath(b, j, e->ev_path, NULL)) || !same_item_shape(q, want))
                continue;
            kind = mod_value_kind(m, e);
            if ((kind & TY_CONT) && !(kind & (TY_UNKNOWN | TY_OTHER))) {
                made = 1;
                continue;
            }
            for (i = 0; i < m->m_nwin && !back; i++) {
                const eng_window *w = &m->m_win[i];
                back = w->w_code == j && w->w_last == e->ev_instr &&
                       eng_in_place_between(c->c_ir.f_code, w->w_first, w->w_last);
            }
            if (!back)
                return 0;
        }
    }
    return made;
}

/***** functions *****/

/* The function a stored value or an argument stands for: a code index, or SUM_NONE. */
static uint32_t func_of(const builder *b, const ir_path *p, int32_t func)
{
    const eng_mod *m = b->b_m;
    uint32_t i, k;
    if (func >= 0 && (uint32_t)func < m->m_ncodes)
        return (uint32_t)func;
    if (!p || p->p_kind != PATH_DEREF)
        return SUM_NONE;
    /* a nested function kept in a cell: the store that made it */
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            if (e->ev_kind == EV_STORE && e->ev_path == p && e->ev_valkind == VAL_FUNC)
                return (uint32_t)e->ev_aux;
        }
    return SUM_NONE;
}

static int in_loop(const eng_code *c, const ir_event *e)
{
    return c->c_ir.f_blocks[e->ev_block].b_in_loop;
}

/* p + 1 when what runs in block `block` of code ci runs only where a test found parameter p
 * not None (`if section is not None:`, `if section:`), else 0. */
static uint8_t param_guard(const builder *b, uint32_t ci, uint32_t block)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const ir_func *f = &c->c_ir;
    uint32_t bl = block, steps = 0;
    while (bl != UINT32_MAX && bl < f->f_nblocks && steps++ <= f->f_nblocks) {
        int32_t g = ir_block_guard(f, bl);
        if (g >= 0) {
            const ir_event *t = &f->f_events[g];
            int holds = f->f_blocks[bl].b_guard_true, p;
            if ((((t->ev_test == TEST_IS_NOT_NONE || t->ev_test == TEST_TRUTH) && holds) ||
                 (t->ev_test == TEST_IS_NONE && !holds)) &&
                (p = mod_param_index(c, t->ev_path)) >= 0 && p < 64)
                return (uint8_t)(p + 1);
        }
        bl = f->f_blocks[bl].b_idom;
    }
    return 0;
}

/* Grows an array of `size`-byte items by one; returns the new item or NULL. */
static void *push_item(builder *b, void **items, uint32_t *n, size_t size)
{
    if ((*n & (*n - 1)) == 0) {   /* 0 or a power of two: full */
        uint32_t cap = *n ? *n * 2 : 4;
        char *grown = arena_array(b->b_a, cap, size);
        if (!grown) {
            b->b_oom = 1;
            return NULL;
        }
        if (*n)
            memcpy(grown, *items, *n * size);
        *items = grown;
    }
    memset((char *)*items + *n * size, 0, size);
    return (char *)*items + (*n)++ * size;
}

#define PUSH(b, arr, n) push_item((b), (void **)&(arr), &(n), sizeof *(arr))

/* Does argument g say anything the composition can use (a path, a function, a constructor, a
 * display of items)? */
static int arg_useful(const ir_arg *g)
{
    return g->ar_path || g->ar_func >= 0 || g->ar_ctor || g->ar_nitems;
}

/* The call's arguments from position `from` on: keyword arguments that say nothing are left out,
 * positional ones only at the end (positions count). */
static void put_args(builder *b, uint32_t ci, const ir_event *e, uint32_t from, sum_arg **out,
                     uint32_t *nout)
{
    uint32_t k, j, end = e->ev_nargs;
    while (end > from && !e->ev_args[end - 1].ar_kw && !arg_useful(&e->ev_args[end - 1]))
        end--;
    for (k = from; k < end; k++) {
        const ir_arg *g = &e->ev_args[k];
        sum_arg *s;
        if (g->ar_kw && !arg_useful(g))
            continue;
        if (!(s = PUSH(b, *out, *nout)))
            return;
        s->g_kw = g->ar_kw;
        s->g_path = spath(b, ci, g->ar_path, NULL);
        s->g_ctor = g->ar_ctor ? mod_resolve(b->b_m, g->ar_ctor) : NULL;
        s->g_func = func_of(b, g->ar_path, g->ar_func);
        if (g->ar_nitems) {
            s->g_items = arena_array(b->b_a, g->ar_nitems, sizeof *s->g_items);
            if (!s->g_items) {
                b->b_oom = 1;
                return;
            }
            for (j = 0; j < g->ar_nitems; j++)
                s->g_items[j] = spath(b, ci, g->ar_items[j], NULL);
            s->g_nitems = g->ar_nitems;
        }
    }
}

/* Does e pass `self` (param 0) out of __init__: as an argument, a bound method of it, or a
 * stored value?  Calls of its own methods and of base-class constructors do not count. */
static int self_escapes(const builder *b, uint32_t ci, const ir_event *e)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    uint32_t k;
    if (e->ev_kind == EV_STORE)
        return e->ev_valpath && mod_param_index(c, e->ev_valpath) == 0 &&
               e->ev_path && mod_param_index(c, ir_path_root(e->ev_path)) != 0;
    if (e->ev_kind != EV_CALL)
        return 0;
    if (e->ev_name && (!strcmp(e->ev_name, "__init__") || !strcmp(e->ev_name, "__new__") ||
                       !strcmp(e->ev_name, "super")))
        return 0;
    if (e->ev_method && e->ev_path && mod_param_index(c, e->ev_path) == 0)
        return 0;   /* self.helper(...) */
    if (!e->ev_method && e->ev_path && e->ev_path->p_kind == PATH_GLOBAL &&
        mod_binding(b->b_m, e->ev_path->p_name) < 0) {
        /* a built-in that looks at its arguments and keeps none (`repr(self)`) */
        static const char *const looks[] = {
            "bool", "callable", "format", "getattr", "hasattr", "hash", "id", "isinstance",
            "issubclass", "len", "print", "repr", "str", "type",
        };
        size_t j;
        for (j = 0; j < sizeof looks / sizeof looks[0]; j++)
            if (!strcmp(e->ev_path->p_name, looks[j]))
                return 0;
    }
    for (k = 0; k < e->ev_nargs; k++) {
        const ir_path *p = e->ev_args[k].ar_path;
        if (!p || mod_param_index(c, ir_path_root(p)) != 0)
            continue;
        if (p == ir_path_root(p))
            return 1;                      /* register(self) */
        if (p->p_kind == PATH_ATTR && p->p_base == ir_path_root(p) && c->c_class != NO_CODE &&
            mod_method_of(b->b_m, c->c_class, p->p_name) != NO_CODE)
            return 1;                      /* Thread(target=self.run): a bound method */
    }
    return 0;
}

/* The first instruction where a local escapes: passed to a call, stored somewhere, or a bound
 * method of it handed out; SUM_NONE when it never does. */
static uint32_t local_escape(const eng_code *c, const ir_path *local)
{
    uint32_t k, a;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (e->ev_kind == EV_STORE && e->ev_valpath && ir_path_root(e->ev_valpath) == local)
            return e->ev_instr;
        if (e->ev_kind != EV_CALL)
            continue;
        if (e->ev_method && e->ev_path == local && e->ev_name && !strcmp(e->ev_name, "start"))
            return e->ev_instr;   /* a thread object started: others see it now */
        for (a = 0; a < e->ev_nargs; a++)
            if (e->ev_args[a].ar_path && ir_path_root(e->ev_args[a].ar_path) == local)
                return e->ev_instr;
    }
    return SUM_NONE;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix) && (n == k || s[n - k - 1] == '.');
}

/* The callee's path of a call event of code ci, and whether its receiver is a fresh local that
 * has not escaped yet (*owned); NULL when the callee is nothing a summary can name. */
static const char *callee_of(builder *b, uint32_t ci, const ir_event *e, uint8_t *owned)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    *owned = 0;
    sb_clear(&b->b_text);
    if (e->ev_aux >= 0 && !(e->ev_name && !strcmp(e->ev_name, "__build_class__"))) {
        sb_putn(&b->b_text, "f:", 2);
        put_num(&b->b_text, (uint32_t)e->ev_aux);
        return text_done(b);
    }
    if (!e->ev_path)
        return NULL;
    if (e->ev_method && e->ev_name) {
        const ir_path *root = ir_path_root(e->ev_path);
        if (e->ev_recv && e->ev_path == root && root->p_kind == PATH_LOCAL &&
            mod_param_index(c, root) < 0) {
            uint32_t esc = local_escape(c, root);
            *owned = esc == SUM_NONE || esc > e->ev_instr;
            put_two(&b->b_text, "t:", e->ev_recv);
            put_two(&b->b_text, ".", e->ev_name);
            return text_done(b);
        }
        if (!put_path(b, &b->b_text, ci, e->ev_path))
            return NULL;
        put_two(&b->b_text, ".", e->ev_name);
        return text_done(b);
    }
    return spath(b, ci, e->ev_path, NULL);
}

/* The receiver's constructor of `X.submit(...)`: a typed local, a module global bound to a call,
 * a closure variable bound to a call by an enclosing function (`with ProcessPoolExecutor() as
 * ex: [ex.submit(f, x) for x in xs]`, a comprehension of its own before 3.12), or an attribute
 * set from a call in some method.  *code and *instr say where the binding is (the call made the
 * value before that instruction of that code object), SUM_NONE for a module global. */
static const char *receiver_ctor(const builder *b, uint32_t ci, const ir_event *e,
                                 const char **raw, uint32_t *code, uint32_t *instr)
{
    const eng_mod *m = b->b_m;
    int32_t bi, p;
    uint32_t i, k, steps = 0;
    *code = *instr = SUM_NONE;
    *raw = NULL;
    if (e->ev_recv) {
        *raw = e->ev_recv;
        *code = ci;
        *instr = e->ev_instr;
        return mod_resolve(m, e->ev_recv);
    }
    if (!e->ev_path)
        return NULL;
    if (e->ev_path->p_kind == PATH_DEREF)
        for (p = m->m_bf->bf_codes[ci].bc_parent; p >= 0 && (uint32_t)p < m->m_ncodes &&
                                                  steps++ < 16;
             p = m->m_bf->bf_codes[p].bc_parent)
            for (k = 0; k < m->m_codes[p].c_ir.f_nevents; k++) {
                const ir_event *s = &m->m_codes[p].c_ir.f_events[k];
                if (s->ev_kind == EV_STORE && s->ev_valkind == VAL_CALL && s->ev_path &&
                    s->ev_path->p_kind == PATH_DEREF && s->ev_callee &&
                    !strcmp(s->ev_path->p_name, e->ev_path->p_name)) {
                    *raw = s->ev_callee;
                    *code = (uint32_t)p;
                    *instr = s->ev_instr;
                    return mod_resolve(m, s->ev_callee);
                }
            }
    if (e->ev_path->p_kind == PATH_GLOBAL && (bi = mod_binding(m, e->ev_path->p_name)) >= 0 &&
        m->m_bind_kind[bi] == VAL_CALL)
        return m->m_bind_what[bi];
    if (e->ev_path->p_kind == PATH_ATTR)
        for (i = 0; i < m->m_ncodes; i++)
            for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
                const ir_event *s = &m->m_codes[i].c_ir.f_events[k];
                if (s->ev_kind == EV_STORE && s->ev_valkind == VAL_CALL &&
                    s->ev_path->p_kind == PATH_ATTR && !strcmp(s->ev_path->p_name,
                                                               e->ev_path->p_name)) {
                    *raw = s->ev_callee;
                    *code = i;
                    *instr = s->ev_instr;
                    return mod_resolve(m, s->ev_callee);
                }
            }
    return NULL;
}

/* Does the constructor call of a pool (found by receiver_ctor) ask for one worker:
 * `ThreadPoolExecutor(max_workers=1)`, `ThreadPool(1)`?  Its tasks then run one after another. */
static int one_worker(const builder *b, const char *raw, uint32_t code, uint32_t instr)
{
    const ir_event *call = NULL;
    const ir_func *f;
    uint32_t k, j;
    if (!raw || code == SUM_NONE)
        return 0;
    f = &b->b_m->m_codes[code].c_ir;
    for (k = 0; k < f->f_nevents; k++) {
        const ir_event *c = &f->f_events[k];
        if (c->ev_kind == EV_CALL && c->ev_instr < instr && c->ev_callee &&
            !strcmp(c->ev_callee, raw))
            call = c;
    }
    if (!call)
        return 0;
    for (j = 0; j < call->ev_nargs; j++) {
        const ir_arg *g = &call->ev_args[j];
        int workers = g->ar_kw ? !strcmp(g->ar_kw, "max_workers") || !strcmp(g->ar_kw, "processes")
                               : j == 0;
        if (workers)
            return g->ar_const && !strcmp(g->ar_const, "1");
    }
    return 0;
}

static int is_process_ctor(const char *r)
{
    return r && (ends_with(r, "ProcessPoolExecutor") || !strcmp(r, "multiprocessing.Pool") ||
                 ends_with(r, "pool.Pool") || ends_with(r, "get_context.Pool"));
}

/* The argument at keyword kw or position pos of e, or NULL. */
static const ir_arg *arg_at(const ir_event *e, int pos, const char *kw)
{
    uint32_t k;
    for (k = 0; kw && k < e->ev_nargs; k++)
        if (e->ev_args[k].ar_kw && !strcmp(e->ev_args[k].ar_kw, kw))
            return &e->ev_args[k];
    if (pos >= 0 && (uint32_t)pos < e->ev_nargs && !e->ev_args[pos].ar_kw)
        return &e->ev_args[pos];
    return NULL;
}

/* Is `p` the index of a `for i in range(...)` loop that holds the starting call e of ci, as the
 * innermost loop: a local stored only by that loop's FOR_ITER, so each start of the loop gets
 * another value? */
static int loop_index(const builder *b, uint32_t ci, const ir_path *p, const ir_event *e)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const bc_code *bc = c->c_ir.f_code;
    const pyc_code *pc = bc->bc_src;
    int32_t local = -1, fi = -1;
    uint32_t k, stores = 0, at;
    if (!p || p->p_kind != PATH_LOCAL || e->ev_instr >= bc->bc_ninstrs)
        return 0;
    for (k = 0; k < pc->co_nlocalnames; k++)
        if (pyc_str_eq(pc->co_localnames[k], p->p_name))
            local = (int32_t)k;
    if (local < 0)
        return 0;
    for (k = 0; k < bc->bc_ninstrs; k++) {
        const bc_instr *in = &bc->bc_instrs[k];
        int st = ((in->in_sem == SEM_STORE_FAST || in->in_sem == SEM_STORE_LOAD_FAST ||
                   in->in_sem == SEM_DELETE_FAST) && in->in_a == local) ||
                 (in->in_sem == SEM_STORE_FAST_PAIR && (in->in_a == local || in->in_b == local));
        if (!st)
            continue;
        stores++;
        if (k > 0 && bc->bc_instrs[k - 1].in_sem == SEM_FOR_ITER &&
            in->in_sem != SEM_DELETE_FAST && in->in_sem != SEM_STORE_FAST_PAIR)
            fi = (int32_t)k - 1;
    }
    if (stores != 1 || fi < 0)
        return 0;
    /* the start is inside that loop, and no loop nested in it holds the start */
    at = bc->bc_instrs[e->ev_instr].in_offset;
    if (e->ev_instr <= (uint32_t)fi || bc->bc_instrs[fi].in_target < 0 ||
        at >= (uint32_t)bc->bc_instrs[fi].in_target)
        return 0;
    for (k = (uint32_t)fi + 1; k < e->ev_instr; k++)
        if (bc->bc_instrs[k].in_sem == SEM_FOR_ITER && bc->bc_instrs[k].in_target >= 0 &&
            at < (uint32_t)bc->bc_instrs[k].in_target)
            return 0;
    /* over range(): each value once */
    {
        const ir_event *last = NULL;
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *x = &c->c_ir.f_events[k];
            if (x->ev_kind == EV_CALL && x->ev_instr < (uint32_t)fi)
                last = x;
        }
        return last && last->ev_callee && !strcmp(last->ev_callee, "range") &&
               mod_binding(b->b_m, "range") < 0;
    }
}

/* Records a start whose target is argument (pos, kw) of call e, with the target's arguments
 * taken from the tuple at (apos, akw), or from the positionals from `rest` on. */
/* Where the object that call e makes is kept: the first store after e of a value that call
 * made (`self._thread = threading.Thread(...)`, or `t = Thread(...)` ... `self._thread = t`)
 * to a path other than a local, as a summary path; NULL when there is none. */
static const char *kept_at(builder *b, uint32_t ci, const ir_event *e)
{
    const ir_func *f = &b->b_m->m_codes[ci].c_ir;
    uint32_t k;
    for (k = 0; k < f->f_nevents; k++) {
        const ir_event *o = &f->f_events[k];
        if (o->ev_instr <= e->ev_instr || o->ev_kind != EV_STORE || !o->ev_path ||
            o->ev_path->p_kind == PATH_LOCAL || o->ev_valkind != VAL_CALL || !o->ev_callee ||
            !e->ev_callee || strcmp(o->ev_callee, e->ev_callee))
            continue;
        return spath(b, ci, o->ev_path, NULL);
    }
    return NULL;
}

static void add_start(builder *b, uint32_t ci, const ir_event *e, int kind, int many, int pos,
                      const char *kw, int apos, const char *akw, int rest)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const ir_arg *t = arg_at(e, pos, kw), *ar;
    sum_start *st;
    uint32_t f, j;
    if (!t)
        return;
    if (t->ar_alts) {
        /* `for f in (a.work, b.work): Thread(target=f)`: a start per function */
        for (j = 0; j < t->ar_nitems; j++) {
            ir_arg one = *t;
            ir_event copy = *e;
            ir_arg args[IR_MAX_ARGS];
            uint32_t k;
            if (!t->ar_items[j])
                continue;
            one.ar_path = t->ar_items[j];
            one.ar_alts = 0;
            one.ar_nitems = 0;
            one.ar_func = -1;
            for (k = 0; k < e->ev_nargs && k < IR_MAX_ARGS; k++)
                args[k] = &e->ev_args[k] == t ? one : e->ev_args[k];
            copy.ev_args = args;
            add_start(b, ci, &copy, kind, 1, pos, kw, apos, akw, rest);
        }
        return;
    }
    f = func_of(b, t->ar_path, t->ar_func);
    st = PUSH(b, b->b_s->s_starts, b->b_s->s_nstarts);
    if (!st)
        return;
    st->t_kind = (uint8_t)kind;
    st->t_many = (uint8_t)(many || in_loop(c, e) ||
                           ((b->b_s->s_funcs[ci].u_flags & FN_COMPREHENSION) &&
                            strcmp(b->b_s->s_funcs[ci].u_name, "<lambda>")));
    st->t_func = ci;
    st->t_instr = e->ev_instr;
    st->t_obj = kept_at(b, ci, e);
    st->t_line = c->c_ir.f_code->bc_instrs[e->ev_instr].in_line;
    if (f != SUM_NONE) {
        char buf[16];
        snprintf(buf, sizeof buf, "f:%u", f);
        st->t_target = dup(b, buf, strlen(buf));
    } else {
        st->t_target = spath(b, ci, t->ar_path, NULL);
    }
    if ((ar = arg_at(e, apos, akw)) && ar->ar_nitems) {
        st->t_args = arena_array(b->b_a, ar->ar_nitems, sizeof *st->t_args);
        if (!st->t_args) {
            b->b_oom = 1;
            return;
        }
        memset(st->t_args, 0, ar->ar_nitems * sizeof *st->t_args);
        for (j = 0; j < ar->ar_nitems; j++) {
            st->t_args[j].g_path = spath(b, ci, ar->ar_items[j], NULL);
            st->t_args[j].g_func = SUM_NONE;
            st->t_args[j].g_distinct = (uint8_t)loop_index(b, ci, ar->ar_items[j], e);
        }
        st->t_nargs = ar->ar_nitems;
    } else if (rest >= 0) {
        for (j = (uint32_t)rest; j < e->ev_nargs && !e->ev_args[j].ar_kw; j++) {
            sum_arg *g = PUSH(b, st->t_args, st->t_nargs);
            if (!g)
                return;
            g->g_path = spath(b, ci, e->ev_args[j].ar_path, NULL);
            g->g_func = SUM_NONE;
            g->g_distinct = (uint8_t)loop_index(b, ci, e->ev_args[j].ar_path, e);
        }
    }
}

/* Is method call e a function of an imported module (`ops.map(f)`, `from rx import operators
 * as ops`) rather than a method of an object? */
static int module_function(const builder *b, const ir_event *e)
{
    int32_t bi;
    return e->ev_path && e->ev_path->p_kind == PATH_GLOBAL &&
           (bi = mod_binding(b->b_m, e->ev_path->p_name)) >= 0 &&
           b->b_m->m_bind_kind[bi] == VAL_IMPORT;
}

/* Is module name `base` a web application or router whose routes run in request threads: a
 * module global bound to a Flask, Blueprint, FastAPI or APIRouter, or -- for Flask's own names
 * (`route`, `add_url_rule`) -- one imported from another module (`from app import app` in the
 * views module)? */
static int web_app(const eng_mod *m, const char *base, const char *method)
{
    static const char *const apps[] = { "flask.Flask", "flask.Blueprint", "fastapi.FastAPI",
                                        "fastapi.APIRouter", "fastapi.routing.APIRouter" };
    int32_t bi = mod_binding(m, base);
    const char *what;
    size_t i;
    if (bi < 0)
        return 0;
    what = m->m_bind_what[bi];
    if (m->m_bind_kind[bi] == VAL_CALL && (what = mod_resolve(m, what)))
        for (i = 0; i < sizeof apps / sizeof *apps; i++)
            if (!strcmp(what, apps[i]))
                return 1;
    return m->m_bind_kind[bi] == VAL_IMPORT &&
           (!strcmp(method, "route") || !strcmp(method, "add_url_rule"));
}

/* Django serves each request in a thread of its own (`runserver` is threaded, and so are the
 * threaded WSGI servers it is deployed on), so a view a URL conf names runs in many threads at
 * once. */
int sum_django_route(const char *dotted)
{
    static const char *const makers[] = { "django.urls.path", "django.urls.re_path",
                                          "django.urls.conf.path", "django.urls.conf.re_path",
                                          "django.conf.urls.url", "django.conf.urls.re_path" };
    size_t i;
    for (i = 0; dotted && i < sizeof makers / sizeof *makers; i++)
        if (!strcmp(dotted, makers[i]))
            return 1;
    return 0;
}

/* Is call e Django's `path()`, `re_path()` or `url()`? */
static int django_route(const eng_mod *m, const ir_event *e)
{
    return e->ev_kind == EV_CALL && sum_django_route(mod_resolve(m, e->ev_callee));
}

/* Is the function argument a a coroutine function (made here, or a module function)? */
static int async_target(const builder *b, const ir_arg *a)
{
    int32_t f = a->ar_func, bi;
    if (f < 0 && a->ar_path && a->ar_path->p_kind == PATH_GLOBAL &&
        (bi = mod_binding(b->b_m, a->ar_path->p_name)) >= 0 &&
        b->b_m->m_bind_kind[bi] == VAL_FUNC)
        f = b->b_m->m_bind_aux[bi];
    return f >= 0 && (uint32_t)f < b->b_s->s_nfuncs && (b->b_s->s_funcs[f].u_flags & FN_ASYNC);
}

/* A web route: decorator call e of ci (`@app.route("/")`, `@router.get("/items")`) applied to a
 * function made there, or `app.add_url_rule("/", view_func=index)` / `app.add_api_route(path,
 * endpoint)`.  Flask serves each request in a thread of its own (the development server's
 * default since 1.0, and the threaded WSGI servers), FastAPI runs a route that is not a
 * coroutine in its thread pool: the function runs in many threads at once.  A coroutine route
 * runs on the server's event loop, one thread. */
static int find_route(builder *b, uint32_t ci, const ir_event *e)
{
    static const char *const verbs[] = { "route", "get", "post", "put", "delete", "patch",
                                         "head", "options", "api_route" };
    const ir_arg *t;
    const char *dot, *method;
    char base[128];
    size_t n, i;
    int verb = 0, pos = 0;
    const char *kw = NULL;
    if (django_route(b->b_m, e)) {
        /* `path("items/", views.items)` in a URL conf: the view is a function (a class's
         * as_view() is a call, not one); an include() is no view either */
        if (!(t = arg_at(e, 1, "view")) || (t->ar_func < 0 && !t->ar_path) ||
            async_target(b, t))
            return 0;
        add_start(b, ci, e, START_ROUTE, 1, 1, "view", -1, NULL, -1);
        return 1;
    }
    if (e->ev_method && e->ev_name && e->ev_path && e->ev_path->p_kind == PATH_GLOBAL &&
        (!strcmp(e->ev_name, "add_url_rule") || !strcmp(e->ev_name, "add_api_route"))) {
        method = e->ev_name;
        if (strlen(e->ev_path->p_name) >= sizeof base)
            return 0;
        strcpy(base, e->ev_path->p_name);
        pos = !strcmp(method, "add_url_rule") ? 2 : 1;
        kw = !strcmp(method, "add_url_rule") ? "view_func" : "endpoint";
    } else {
        if (e->ev_method || !e->ev_recv || !(dot = strrchr(e->ev_recv, '.')) ||
            (n = (size_t)(dot - e->ev_recv)) >= sizeof base || memchr(e->ev_recv, '.', n) ||
            e->ev_nargs < 1 || e->ev_args[0].ar_func < 0)
            return 0;
        method = dot + 1;
        for (i = 0; i < sizeof verbs / sizeof *verbs; i++)
            verb |= !strcmp(method, verbs[i]);
        if (!verb)
            return 0;
        memcpy(base, e->ev_recv, n);
        base[n] = 0;
    }
    if (!(t = arg_at(e, pos, kw)) || async_target(b, t) || !web_app(b->b_m, base, method))
        return 0;
    add_start(b, ci, e, START_ROUTE, 1, pos, kw, -1, NULL, -1);
    return 1;
}

/* The constant of event e of c (a store of a constant, a test `== C`) as an access's a_const
 * ("i:3" for 3.14's small ints, else the constant's key), or NULL. */
static const char *const_key(builder *b, const eng_code *c, const ir_event *e)
{
    char key[128];
    if (e->ev_int)
        snprintf(key, sizeof key, "i:%d", (int)e->ev_aux);
    else if (bc_const_key(c->c_ir.f_code, e->ev_aux, key, sizeof key))
        return NULL;
    return dup(b, key, strlen(key));
}

/* The constant C of a check `state == C` at instruction instr of ci, in an access's a_const
 * form, or NULL. */
static const char *check_constant(builder *b, uint32_t ci, uint32_t instr)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const bc_code *bc = c->c_ir.f_code;
    uint32_t k;
    if (instr >= bc->bc_ninstrs || bc->bc_instrs[instr].in_sem != SEM_COMPARE)
        return NULL;    /* most windows: no comparison to look for */
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (e->ev_kind == EV_TEST && e->ev_instr == instr && e->ev_test == TEST_COMPARE &&
            e->ev_valkind == VAL_CONST)
            return const_key(b, c, e);
    }
    return NULL;
}

/* In the start() method of a class (the caller asks only there), the call that hands the
 * object to its new thread: the first `super(...)` call (`super().start()`, on 3.12 and later
 * one LOAD_SUPER_ATTR) or a call of `threading.Thread.start` (`threading.Thread.start(self)`).
 * Taking the first super() call errs early: what comes before it surely comes before the
 * thread. */
static int thread_handover(const builder *b, const ir_event *e)
{
    const char *r;
    if (e->ev_kind != EV_CALL)
        return 0;
    if (!e->ev_method && e->ev_name && !strcmp(e->ev_name, "super"))
        return 1;
    r = mod_resolve(b->b_m, e->ev_callee);
    return r && (!strcmp(r, "threading.Thread.start") || ends_with(r, ".Thread.start"));
}

/* Threads, timers, executor tasks, processes and after-fork hooks started by call e of ci. */
static void find_start(builder *b, uint32_t ci, const ir_event *e)
{
    const eng_mod *m = b->b_m;
    const char *r = mod_resolve(m, e->ev_callee), *name = e->ev_name;
    if (find_route(b, ci, e))
        return;
    if (!name || !r)
        return;
    if (ends_with(r, "Process") && (strstr(r, "multiprocessing") || strstr(r, "context") ||
                                    strstr(r, "ctx") || !strcmp(r, "Process")))
        add_start(b, ci, e, START_PROCESS, 0, 1, "target", 3, "args", -1);
    else if (!strcmp(r, "threading.Thread") || ends_with(r, "Thread"))
        add_start(b, ci, e, START_THREAD, 0, 1, "target", 3, "args", -1);
    else if (!strcmp(r, "threading.Timer") || ends_with(r, "Timer"))
        add_start(b, ci, e, START_TIMER, 0, 1, "function", 2, "args", -1);
    else if (ends_with(r, "start_new_thread") || !strcmp(r, "_thread.start_new"))
        add_start(b, ci, e, START_THREAD, 0, 0, NULL, 1, NULL, -1);
    else if (ends_with(r, "to_thread"))
        add_start(b, ci, e, START_THREAD, 0, 0, NULL, -1, NULL, 1);
    else if (ends_with(r, "run_in_executor"))
        add_start(b, ci, e, START_THREAD, 0, 1, NULL, -1, NULL, 2);
    else if (!strcmp(r, "os.register_at_fork"))
        add_start(b, ci, e, START_AT_FORK, 0, -1, "after_in_child", -1, NULL, -1);
    else if (ends_with(r, "register_after_fork"))
        add_start(b, ci, e, START_AT_FORK, 0, 1, "func", -1, NULL, 0);
    else if (e->ev_method && strchr(r, '.') && !module_function(b, e) &&
             (!strcmp(name, "submit") || !strcmp(name, "apply_async") ||
              ((!strcmp(name, "map") || !strcmp(name, "imap_unordered")) && e->ev_nargs >= 2))) {
        const char *raw;
        uint32_t code, instr, first = b->b_s->s_nstarts;
        int process = is_process_ctor(receiver_ctor(b, ci, e, &raw, &code, &instr));
        int kind = process ? START_PROCESS : START_EXECUTOR;
        if (!strcmp(name, "submit") || !strcmp(name, "apply_async"))
            add_start(b, ci, e, kind, 0, 0, NULL, 1, "args", 1);
        else
            add_start(b, ci, e, kind, 1, 0, NULL, -1, NULL, -1);
        if (one_worker(b, raw, code, instr) && e->ev_path) {
            const char *pool = spath(b, ci, e->ev_path, NULL);
            for (; pool && first < b->b_s->s_nstarts; first++) {
                b->b_s->s_starts[first].t_serial = 1;
                b->b_s->s_starts[first].t_pool = pool;
            }
        }
    } else if (strstr(r, "Threading") && strstr(r, "Server")) {
        add_start(b, ci, e, START_SERVER, 1, 1, "RequestHandlerClass", -1, NULL, -1);
    }
}

/* Is e in module code that only a script runs: guarded by a test of `__name__`? */
static int under_main(const eng_code *c, const ir_event *e)
{
    const ir_func *f = &c->c_ir;
    uint32_t b = e->ev_block, steps = 0;
    while (b != UINT32_MAX && steps++ <= f->f_nblocks) {
        int32_t g = ir_block_guard(f, b);
        if (g >= 0 && f->f_events[g].ev_path && f->f_events[g].ev_path->p_kind == PATH_GLOBAL &&
            !strcmp(f->f_events[g].ev_path->p_name, "__name__"))
            return 1;
        b = f->f_blocks[b].b_idom;
    }
    return 0;
}

/* A call of a built-in function the module does not rebind (`len(x)`, `print(...)`): nothing
 * of the run, so not kept. */
static int is_builtin_call(const builder *b, const char *callee)
{
    static const char *const names[] = {
        "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr",
        "delattr", "dict", "dir", "divmod", "enumerate", "filter", "float", "format",
        "frozenset", "getattr", "globals", "hasattr", "hash", "hex", "id", "input", "int",
        "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max", "min", "next",
        "object", "oct", "open", "ord", "pow", "print", "range", "repr", "reversed", "round",
        "set", "setattr", "slice", "sorted", "str", "sum", "super", "tuple", "type", "vars", "zip",
    };
    size_t lo = 0, hi = sizeof names / sizeof names[0];
    const char *name;
    if (strncmp(callee, "g:", 2) || strpbrk(callee + 2, ".[") ||
        mod_binding(b->b_m, callee + 2) >= 0)
        return 0;
    name = callee + 2;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(name, names[mid]);
        if (!cmp)
            return 1;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/***** the summary of one function *****/

static void build_func(builder *b, uint32_t ci)
{
    eng_mod *m = b->b_m;
    eng_code *c = &m->m_codes[ci];
    sum_func *u = &b->b_s->s_funcs[ci];
    const pyc_code *pc = c->c_ir.f_code->bc_src;
    const eng_kb *kb = m->m_kb;
    uint32_t k, i, first_closure;
    int start_method;
    char own_cell[32];

    /* acquisitions */
    if (c->c_ir.f_nacqs) {
        u->u_acqs = arena_array(b->b_a, c->c_ir.f_nacqs, sizeof *u->u_acqs);
        if (!u->u_acqs) {
            b->b_oom = 1;
            return;
        }
        u->u_nacqs = c->c_ir.f_nacqs;
        for (k = 0; k < c->c_ir.f_nacqs; k++) {
            const ir_acq *q = &c->c_ir.f_acqs[k];
            if (q->a_callee && q->a_on && q->a_on->p_kind == PATH_ATTR &&
                (mod_is_lock_name(q->a_on->p_name) || mod_is_configured_lock(m, q->a_on))) {
                /* `with self._lock.for_heartbeat():` -- a method of a lock that returns a
                 * context manager holds that lock (oslo.messaging's ConnectionLock) */
                u->u_acqs[k].q_path = spath(b, ci, q->a_on, NULL);
                u->u_acqs[k].q_ctor = NULL;
                u->u_acqs[k].q_named = 1;
                continue;
            }
            u->u_acqs[k].q_path = q->a_callee ? NULL : spath(b, ci, q->a_path, NULL);
            u->u_acqs[k].q_ctor = q->a_callee ? mod_resolve(m, q->a_callee) : NULL;
            u->u_acqs[k].q_named = q->a_path && (mod_is_lock_name(q->a_path->p_name) ||
                                                 mod_is_configured_lock(m, q->a_path));
        }
    }
    /* cells that are parameters of this function (captured by its closures) */
    for (i = 0; i < pc->co_nderefnames; i++) {
        const char *name;
        sum_cellparam *cp;
        int p;
        if (!(pc->co_derefkinds[i] & PYC_FAST_CELL))
            continue;
        name = obj_text(b, pc->co_derefnames[i]);
        if ((p = param_named(b, ci, name)) >= 0 && (cp = PUSH(b, u->u_cellparam, u->u_ncellparam))) {
            cp->cp_name = name;
            cp->cp_param = (uint32_t)p;
        }
    }
    u->u_escape = SUM_NONE;
    start_method = u->u_class != SUM_NONE && !strcmp(u->u_name, "start");
    /* the cells this function owns are its own until a closure that shares them is made */
    for (first_closure = 0; first_closure < c->c_ir.f_code->bc_ninstrs; first_closure++)
        if (c->c_ir.f_code->bc_instrs[first_closure].in_sem == SEM_MAKE_FUNCTION)
            break;
    sb_clear(&b->b_text);           /* "c:CI:", once per function: no printf */
    sb_putn(&b->b_text, "c:", 2);
    put_num(&b->b_text, ci);
    sb_putc(&b->b_text, ':');
    if (b->b_text.sb_failed || b->b_text.sb_len >= sizeof own_cell) {
        b->b_oom = 1;
        return;
    }
    memcpy(own_cell, b->b_text.sb_buf, b->b_text.sb_len + 1);
    for (k = 0; k < c->c_ir.f_nevents && !b->b_oom; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        const bc_instr *in = &c->c_ir.f_code->bc_instrs[e->ev_instr];
        sum_access *acc = NULL;
        int recv;
        if ((u->u_flags & FN_INIT) && u->u_escape == SUM_NONE && self_escapes(b, ci, e))
            u->u_escape = e->ev_instr;
        else if (start_method && u->u_escape == SUM_NONE && thread_handover(b, e))
            u->u_escape = e->ev_instr;
        if (!e->ev_path) {
        } else if ((e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE) &&
                   mod_may_share(m, c, e->ev_path)) {
            const char *p = spath(b, ci, e->ev_path, NULL);
            if (p && e->ev_instr < first_closure && !strncmp(p, own_cell, strlen(own_cell)))
                p = NULL;   /* `total = 0` before the closures that share it exist */
            if (p && (acc = PUSH(b, u->u_acc, u->u_nacc))) {
                acc->a_path = p;
                acc->a_kind = e->ev_kind == EV_STORE ? ACC_STORE : ACC_DELETE;
                acc->a_falsy = e->ev_kind == EV_STORE ? e->ev_falsy : 0;
                if (e->ev_kind == EV_STORE && e->ev_valkind == VAL_CONST)
                    acc->a_const = const_key(b, c, e);
            }
        } else if (e->ev_kind == EV_CALL && shape_next_iter(m, ci, e)) {
            /* next(it) advances the iterator: a removal from it (eng_pycode.c) */
            const char *p = spath(b, ci, e->ev_args[0].ar_path, "[*]");
            if (p && (acc = PUSH(b, u->u_acc, u->u_nacc))) {
                acc->a_path = p;
                acc->a_kind = ACC_REMOVE;
                acc->a_method = "next";
            }
        } else if ((recv = mod_container_call(m, c, e)) != RECV_NOT &&
                   mod_may_share(m, c, e->ev_path)) {
            const char *p = spath(b, ci, e->ev_path, "[*]");
            if (p && (acc = PUSH(b, u->u_acc, u->u_nacc))) {
                acc->a_recv = (uint8_t)recv;
                acc->a_path = p;
                acc->a_kind = kb_has(kb->k_deleters, kb->k_ndeleters, e->ev_name) ? ACC_REMOVE
                                                                                 : ACC_INSERT;
                acc->a_method = e->ev_name;
            }
        }
        if (acc) {
            acc->a_text = ir_path_display(acc->a_method && !strcmp(acc->a_method, "next")
                                          ? e->ev_args[0].ar_path : e->ev_path);
            acc->a_loop = (uint8_t)in_loop(c, e);
            acc->a_instr = e->ev_instr;
            acc->a_offset = in->in_offset;
            acc->a_locks = e->ev_locks;
            acc->a_ifparam = param_guard(b, ci, e->ev_block);
            eng_position(in, &acc->a_line, &acc->a_col, &acc->a_end_line, &acc->a_end_col);
        }
        if (e->ev_kind == EV_CALL) {
            uint8_t owned;
            const char *callee = callee_of(b, ci, e, &owned);
            if (!e->ev_method && e->ev_name && !strcmp(e->ev_name, "super"))
                u->u_flags |= FN_SUPER;
            find_start(b, ci, e);
            if (callee && !is_builtin_call(b, callee)) {
                sum_call *call = PUSH(b, u->u_calls, u->u_ncalls);
                if (!call)
                    return;
                call->c_callee = callee;
                call->c_owned = owned;
                call->c_instr = e->ev_instr;
                call->c_line = in->in_line;
                call->c_locks = e->ev_locks;
                call->c_loop = (uint8_t)(in_loop(c, e) || ((u->u_flags & FN_COMPREHENSION) &&
                                                           strcmp(u->u_name, "<lambda>")));
                call->c_main = (uint8_t)((u->u_flags & FN_MODULE) && under_main(c, e));
                put_args(b, ci, e, 0, &call->c_args, &call->c_nargs);
                {
                    uint32_t j, nkw = 0, kept = 0;
                    for (j = 0; j < e->ev_nargs; j++)
                        nkw += e->ev_args[j].ar_kw != NULL;
                    for (j = 0; j < call->c_nargs; j++)
                        kept += call->c_args[j].g_kw != NULL;
                    call->c_npos = e->ev_unpack || e->ev_nargs >= IR_MAX_ARGS || kept != nkw
                                       ? SUM_PARTIAL : (uint8_t)(e->ev_nargs - nkw);
                }
            }
        }
    }
    /* windows */
    for (i = 0; i < m->m_nwin; i++) {
        const eng_window *w = &m->m_win[i];
        sum_window *sw;
        const char *p;
        if (w->w_code != ci || !(p = spath(b, ci, w->w_state, NULL)))
            continue;
        if (!(sw = PUSH(b, u->u_win, u->u_nwin)))
            return;
        sw->w_finding = i;
        sw->w_path = p;
        sw->w_breaks = w->w_breaks;
        sw->w_first = w->w_first;
        sw->w_last = w->w_last;
        sw->w_locks = w->w_locks;
        sw->w_method = w->w_method;
        sw->w_recv = w->w_recv;
        sw->w_check = check_constant(b, ci, w->w_first);
        if (w->w_first < c->c_ir.f_code->bc_ninstrs)
            sw->w_ifparam = param_guard(b, ci, c->c_ir.f_block_of[w->w_first]);
        if (strchr(p, '[') && eng_in_place_between(c->c_ir.f_code, w->w_first, w->w_last))
            sw->w_cont_item = (uint8_t)item_container(b, p);
    }
    /* locks acquired by hand and never released here (`_acquireLock()`), and released here
     * without being acquired (`_releaseLock()`) */
    for (k = 0; k < c->c_ir.f_nacqs; k++) {
        const ir_acq *q = &c->c_ir.f_acqs[k];
        uint32_t j;
        int released = 0;
        if (q->a_with || !u->u_acqs[k].q_path)
            continue;
        for (j = 0; j < c->c_ir.f_nevents && !released; j++) {
            const ir_event *e = &c->c_ir.f_events[j];
            released = e->ev_kind == EV_CALL && e->ev_path == q->a_path && e->ev_name &&
                       !strcmp(e->ev_name, "release");
        }
        if (!released) {
            const char **h = PUSH(b, u->u_held_out, u->u_nheld_out);
            if (h)
                *h = u->u_acqs[k].q_path;
        }
    }
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        const char *p, **r;
        uint32_t j;
        int acquired = 0;
        if (e->ev_kind != EV_CALL || !e->ev_method || !e->ev_name ||
            strcmp(e->ev_name, "release") || !(p = spath(b, ci, e->ev_path, NULL)))
            continue;
        for (j = 0; j < c->c_ir.f_nacqs && !acquired; j++)
            acquired = c->c_ir.f_acqs[j].a_path == e->ev_path;
        if (!acquired && (r = PUSH(b, u->u_released, u->u_nreleased)))
            *r = p;
    }
}

/***** classes *****/

/* The class index of attribute facts: the attribute `name` of class k, created on demand. */
static sum_attr *class_attr(builder *b, sum_class *k, const char *name)
{
    uint32_t i;
    sum_attr *at;
    for (i = 0; i < k->k_nattrs; i++)
        if (!strcmp(k->k_attrs[i].at_name, name))
            return &k->k_attrs[i];
    if (!(at = PUSH(b, k->k_attrs, k->k_nattrs)))
        return NULL;
    at->at_name = name;
    return at;
}

/* The first argument's path of the call that made the value stored by event si of code ci
 * (`Condition(self._lock)`), or NULL. */
static const char *ctor_arg(builder *b, uint32_t ci, uint32_t si)
{
    const eng_code *c = &b->b_m->m_codes[ci];
    const ir_event *s = &c->c_ir.f_events[si];
    uint32_t k = si;
    while (k-- > 0) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (e->ev_kind == EV_CALL && e->ev_callee && s->ev_callee &&
            !strcmp(e->ev_callee, s->ev_callee))
            return e->ev_nargs && !e->ev_args[0].ar_kw
                       ? spath(b, ci, e->ev_args[0].ar_path, NULL) : NULL;
    }
    return NULL;
}

static void build_classes(builder *b)
{
    eng_mod *m = b->b_m;
    eng_summary *s = b->b_s;
    uint32_t i, k, a;
    /* one class per class body, its bases from the __build_class__ call that makes it */
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            sum_class *cl;
            uint32_t body;
            if (e->ev_kind != EV_CALL || !e->ev_name || strcmp(e->ev_name, "__build_class__") ||
                e->ev_aux < 0 || (uint32_t)e->ev_aux >= m->m_ncodes ||
                b->b_class_of[e->ev_aux] != SUM_NONE)
                continue;
            body = (uint32_t)e->ev_aux;
            if (!(cl = PUSH(b, s->s_classes, s->s_nclasses)))
                return;
            b->b_class_of[body] = s->s_nclasses - 1;
            cl->k_qualname = m->m_codes[body].c_qualname;
            cl->k_body = body;
            cl->k_line = m->m_bf->bf_codes[body].bc_src->co_firstlineno;
            for (a = 1; a < e->ev_nargs; a++) {
                const char *p;
                if (e->ev_args[a].ar_kw || !(p = spath(b, i, e->ev_args[a].ar_path, NULL)))
                    continue;
                {
                    const char **base = PUSH(b, cl->k_bases, cl->k_nbases);
                    if (base)
                        *base = p;
                }
                if (mod_is_container_ctor(m, ir_path_display(e->ev_args[a].ar_path)))
                    cl->k_cont = TY_CONT;   /* class Registry(dict) */
            }
        }
    /* attributes: set in the class body, or on `self` in a method */
    for (i = 0; i < m->m_ncodes && !b->b_oom; i++) {
        const eng_code *c = &m->m_codes[i];
        uint32_t cls = c->c_is_class_body ? b->b_class_of[i]
                       : c->c_class != NO_CODE ? b->b_class_of[c->c_class] : SUM_NONE;
        if (cls == SUM_NONE)
            continue;
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *e = &c->c_ir.f_events[k];
            const ir_path *p = e->ev_path;
            sum_attr *at;
            int class_level;
            if (e->ev_kind != EV_STORE || !p)
                continue;
            if (c->c_is_class_body && p->p_kind == PATH_GLOBAL)
                class_level = 1;
            else if (!c->c_is_class_body && p->p_kind == PATH_ATTR && p->p_base &&
                     mod_param_index(c, p->p_base) == 0 &&
                     !(b->b_s->s_funcs[i].u_flags & FN_STATIC))
                class_level = (b->b_s->s_funcs[i].u_flags & FN_CLASSMETHOD) != 0;
            else
                continue;
            if (!(at = class_attr(b, &s->s_classes[cls], p->p_name)))
                return;
            if (class_level) {
                at->at_class_level = 1;
                if (c->c_is_class_body && e->ev_valkind == VAL_CALL && e->ev_callee &&
                    (!strcmp(e->ev_callee, "property") || ends_with(e->ev_callee, "setter") ||
                     ends_with(e->ev_callee, "getter") || ends_with(e->ev_callee, "deleter") ||
                     ends_with(e->ev_callee, "cached_property")))
                    at->at_property = 1;
            } else {
                at->at_instance = 1;
                if (e->ev_valpath && mod_param_index(c, ir_path_root(e->ev_valpath)) > 0) {
                    at->at_from_param = 1;
                    if (c->c_is_init && e->ev_valpath == ir_path_root(e->ev_valpath))
                        at->at_param = (uint32_t)mod_param_index(c, e->ev_valpath);
                }
            }
            if (mod_value_kind(m, e) & TY_CONT)
                at->at_cont |= (uint8_t)(mod_value_kind(m, e) & (TY_CONT | TY_SEQ | TY_RAISE));
            if (e->ev_valkind == VAL_CALL && e->ev_callee && !at->at_ctor) {
                at->at_ctor = mod_resolve(m, e->ev_callee);
                at->at_alias = ctor_arg(b, i, k);
            }
        }
    }
}

/* Can block `to` of f be reached from block `from` (normal and exception edges)? */
static int reaches(builder *b, const ir_func *f, uint32_t from, uint32_t to)
{
    uint32_t *stack, n = 0, k;
    uint8_t *seen;
    int found = 0;
    if (from == to)
        return 1;
    stack = arena_array(b->b_a, f->f_nblocks * 3 + 1, sizeof *stack);
    seen = arena_alloc(b->b_a, f->f_nblocks + 1);
    if (!stack || !seen) {
        b->b_oom = 1;
        return 1;
    }
    memset(seen, 0, f->f_nblocks + 1);
    stack[n++] = from;
    seen[from] = 1;
    while (n && !found) {
        const ir_block *blk = &f->f_blocks[stack[--n]];
        uint32_t next[3] = { blk->b_succ[0], blk->b_succ[1], blk->b_handler };
        for (k = 0; k < 3; k++) {
            if (next[k] >= f->f_nblocks || seen[next[k]])
                continue;
            if (next[k] == to)
                found = 1;
            seen[next[k]] = 1;
            stack[n++] = next[k];
        }
    }
    return found;
}

/* Closures a function makes on branches that exclude each other: neither making site reaches
 * the other, so one call makes at most one of them (and their shared cells are that call's). */
static void find_exclusive(builder *b)
{
    eng_mod *m = b->b_m;
    uint32_t i, k, j;
    for (i = 0; i < m->m_ncodes && !b->b_oom; i++) {
        const ir_func *f = &m->m_codes[i].c_ir;
        if (m->m_codes[i].c_is_module || m->m_codes[i].c_is_class_body)
            continue;
        for (k = 0; k < f->f_nevents; k++) {
            const ir_event *e = &f->f_events[k];
            if (e->ev_kind != EV_MAKE || e->ev_aux < 0 || (uint32_t)e->ev_aux >= m->m_ncodes)
                continue;
            for (j = 0; j < f->f_nevents; j++) {
                const ir_event *o = &f->f_events[j];
                uint32_t *slot;
                if (j == k || o->ev_kind != EV_MAKE || o->ev_aux < 0 ||
                    (uint32_t)o->ev_aux >= m->m_ncodes || o->ev_aux == e->ev_aux ||
                    reaches(b, f, e->ev_block, o->ev_block) ||
                    reaches(b, f, o->ev_block, e->ev_block))
                    continue;
                if ((slot = PUSH(b, b->b_s->s_funcs[e->ev_aux].u_excl,
                                 b->b_s->s_funcs[e->ev_aux].u_nexcl)))
                    *slot = (uint32_t)o->ev_aux;
            }
        }
    }
}

/* The positional parameters that default to None (u_none_dflt): the same wherever the file
 * makes the function, and the function not handed to a decorator other than staticmethod or
 * classmethod (a wrapper may call it with arguments the run's calls do not show). */
static void find_none_defaults(builder *b)
{
    eng_mod *m = b->b_m;
    uint8_t *made = arena_array(b->b_a, m->m_ncodes + 1, 1);
    uint32_t i, k, j;
    if (!made) {
        b->b_oom = 1;
        return;
    }
    memset(made, 0, m->m_ncodes + 1);
    for (i = 0; i < m->m_ncodes; i++) {
        const ir_func *f = &m->m_codes[i].c_ir;
        for (k = 0; k < f->f_nevents; k++) {
            const ir_event *e = &f->f_events[k];
            uint32_t t, npos, bit;
            uint64_t mask = 0;
            if (e->ev_kind != EV_MAKE || e->ev_aux < 0 || (uint32_t)e->ev_aux >= m->m_ncodes)
                continue;
            t = (uint32_t)e->ev_aux;
            npos = (uint32_t)m->m_bf->bf_codes[t].bc_src->co_argcount;
            for (bit = 0; bit < 32 && bit < npos; bit++)
                if ((e->ev_none_dflt >> bit) & 1 && npos - 1 - bit < 64)
                    mask |= (uint64_t)1 << (npos - 1 - bit);
            for (j = 0; j < f->f_nevents && mask; j++) {
                const ir_event *o = &f->f_events[j];
                uint32_t a;
                if (o->ev_kind != EV_CALL || (o->ev_name && (!strcmp(o->ev_name, "staticmethod") ||
                                                             !strcmp(o->ev_name, "classmethod"))))
                    continue;
                for (a = 0; a < o->ev_nargs; a++)
                    if (o->ev_args[a].ar_func == (int32_t)t)
                        mask = 0;
            }
            b->b_s->s_funcs[t].u_none_dflt = made[t] ? b->b_s->s_funcs[t].u_none_dflt & mask : mask;
            made[t] = 1;
        }
    }
}

/* @staticmethod / @classmethod applied in a class body to a function made there. */
static void find_decorators(builder *b)
{
    eng_mod *m = b->b_m;
    uint32_t i, k;
    for (i = 0; i < m->m_ncodes; i++) {
        if (!m->m_codes[i].c_is_class_body)
            continue;
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            int32_t f;
            if (e->ev_kind != EV_CALL || !e->ev_name || e->ev_nargs < 1 ||
                (f = e->ev_args[0].ar_func) < 0 || (uint32_t)f >= m->m_ncodes)
                continue;
            if (!strcmp(e->ev_name, "staticmethod"))
                b->b_s->s_funcs[f].u_flags |= FN_STATIC;
            else if (!strcmp(e->ev_name, "classmethod"))
                b->b_s->s_funcs[f].u_flags |= FN_CLASSMETHOD;
        }
    }
}

/***** the module *****/

static void build_binds(builder *b)
{
    eng_mod *m = b->b_m;
    uint32_t i;
    for (i = 0; i < m->m_nbind; i++) {
        sum_bind *sb = PUSH(b, b->b_s->s_binds, b->b_s->s_nbinds);
        if (!sb)
            return;
        sb->b_name = m->m_bind_name[i];
        sb->b_kind = m->m_bind_kind[i];
        sb->b_what = m->m_bind_what[i];
        sb->b_code = SUM_NONE;
        if (sb->b_kind == VAL_FUNC && m->m_bind_aux[i] >= 0)
            sb->b_code = (uint32_t)m->m_bind_aux[i];
        else if (sb->b_kind == VAL_CLASS && m->m_bind_aux[i] >= 0 &&
                 (uint32_t)m->m_bind_aux[i] < m->m_ncodes)
            sb->b_code = b->b_class_of[m->m_bind_aux[i]];
        if (sb->b_kind == VAL_CLASS && sb->b_code == SUM_NONE)
            sb->b_kind = VAL_UNKNOWN;
        {
            char key[300];
            int32_t seen = 0;
            snprintf(key, sizeof key, "g:%s", sb->b_name);
            if (set_has(&m->m_types, key, &seen) && (seen & TY_CONT))
                sb->b_cont = (uint8_t)(seen & (TY_CONT | TY_SEQ | TY_RAISE));
        }
    }
}

static int build(eng_summary **out, builder *b, eng_mod *m, const char *module, int package,
                 arena *a);

int sum_build(eng_summary **out, eng_mod *m, const char *module, int package, arena *a)
{
    builder b;
    int rc;
    *out = NULL;
    memset(&b, 0, sizeof b);
    sb_init(&b.b_text);
    rc = build(out, &b, m, module, package, a);
    sb_free(&b.b_text);
    return rc;
}

/* sum_build with the builder b (its scratch text freed by the caller). */
static int build(eng_summary **out, builder *b, eng_mod *m, const char *module, int package,
                 arena *a)
{
    eng_summary *s = arena_alloc(a, sizeof *s);
    uint32_t i;
    b->b_m = m;
    b->b_a = a;
    b->b_s = s;
    if (!s)
        return G_ENOMEM;
    memset(s, 0, sizeof *s);
    s->s_module = module ? dup(b, module, strlen(module)) : "";
    s->s_package = (uint8_t)package;
    s->s_file = obj_text(b, m->m_bf->bf_codes[0].bc_src->co_filename);
    s->s_minor = m->m_pyc->f_minor;
    s->s_nfuncs = m->m_ncodes;
    s->s_funcs = arena_array(a, m->m_ncodes + 1, sizeof *s->s_funcs);
    b->b_class_of = arena_array(a, m->m_ncodes + 1, sizeof *b->b_class_of);
    if (!s->s_funcs || !b->b_class_of)
        return G_ENOMEM;
    memset(s->s_funcs, 0, (m->m_ncodes + 1) * sizeof *s->s_funcs);
    for (i = 0; i <= m->m_ncodes; i++)
        b->b_class_of[i] = SUM_NONE;
    for (i = 0; i < m->m_ncodes; i++) {
        const eng_code *c = &m->m_codes[i];
        const bc_code *bc = &m->m_bf->bf_codes[i];
        sum_func *u = &s->s_funcs[i];
        int32_t parent = bc->bc_parent;
        u->u_name = obj_text(b, bc->bc_src->co_name);
        u->u_qualname = c->c_qualname;
        u->u_parent = parent < 0 ? SUM_NONE : (uint32_t)parent;
        u->u_nparams = c->c_nparams;
        if (c->c_nparams && (u->u_params = arena_array(a, c->c_nparams, sizeof *u->u_params))) {
            uint32_t k;
            for (k = 0; k < c->c_nparams; k++)
                u->u_params[k] = k < bc->bc_src->co_nlocalnames
                                     ? obj_text(b, bc->bc_src->co_localnames[k]) : "?";
        } else if (c->c_nparams) {
            return G_ENOMEM;
        }
        u->u_line = bc->bc_src->co_firstlineno;
        u->u_class = SUM_NONE;
        u->u_flags = (c->c_is_module ? FN_MODULE : 0) | (c->c_is_class_body ? FN_CLASS_BODY : 0) |
                     (c->c_is_init ? FN_INIT : 0);
        if (bc->bc_src->co_flags & (CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR))
            u->u_flags |= FN_ASYNC;
        if (parent >= 0 && !m->m_codes[parent].c_is_module && !m->m_codes[parent].c_is_class_body)
            u->u_flags |= FN_NESTED;
        if (!strcmp(u->u_name, "<listcomp>") || !strcmp(u->u_name, "<setcomp>") ||
            !strcmp(u->u_name, "<dictcomp>") || !strcmp(u->u_name, "<genexpr>") ||
            !strcmp(u->u_name, "<lambda>"))
            u->u_flags |= FN_COMPREHENSION;
    }
    find_decorators(b);
    find_exclusive(b);
    find_none_defaults(b);
    build_classes(b);
    for (i = 0; i < m->m_ncodes; i++)
        if (m->m_codes[i].c_class != NO_CODE)
            s->s_funcs[i].u_class = b->b_class_of[m->m_codes[i].c_class];
    for (i = 0; i < m->m_ncodes && !b->b_oom; i++)
        build_func(b, i);
    build_binds(b);
    if (b->b_oom)
        return G_ENOMEM;
    *out = s;
    return G_OK;
}
