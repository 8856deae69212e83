/* Module facts: what globals are bound to, classes and methods, locks, thread entry points,
 * which functions can run concurrently, and which state a lock protects somewhere. */
#include "eng_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"

static const char *const lock_ctors[] = {
    "threading.Lock", "threading.RLock", "threading.Condition", "threading.Semaphore",
    "threading.BoundedSemaphore", "_thread.allocate_lock", "_thread.LockType",
    "multiprocessing.Lock", "multiprocessing.RLock",
};

/***** small lists *****/

int mod_list_has(const char *const *list, uint32_t n, const char *s)
{
    uint32_t i;
    if (!s)
        return 0;
    for (i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211u;
    return h;
}

int set_has(const strset *s, const char *key, int32_t *val)
{
    uint32_t j;
    if (!key || !s->ss_cap)
        return 0;
    for (j = (uint32_t)str_hash(key) & (s->ss_cap - 1); s->ss_slots[j]; j = (j + 1) & (s->ss_cap - 1))
        if (!strcmp(s->ss_slots[j], key)) {
            if (val)
                *val = s->ss_vals[j];
            return 1;
        }
    return 0;
}

int set_add(strset *s, arena *a, const char *key, int32_t val)
{
    uint32_t j;
    if (!key || set_has(s, key, NULL))
        return G_OK;
    if ((s->ss_used + 1) * 2 > s->ss_cap) {
        uint32_t cap = s->ss_cap ? s->ss_cap * 2 : 64, i;
        const char **slots = arena_array(a, cap, sizeof *slots);
        int32_t *vals = arena_array(a, cap, sizeof *vals);
        if (!slots || !vals)
            return G_ENOMEM;
        memset((void *)slots, 0, cap * sizeof *slots);
        for (i = 0; i < s->ss_cap; i++) {
            if (!s->ss_slots[i])
                continue;
            for (j = (uint32_t)str_hash(s->ss_slots[i]) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
                ;
            slots[j] = s->ss_slots[i];
            vals[j] = s->ss_vals[i];
        }
        s->ss_slots = slots;
        s->ss_vals = vals;
        s->ss_cap = cap;
    }
    for (j = (uint32_t)str_hash(key) & (s->ss_cap - 1); s->ss_slots[j]; j = (j + 1) & (s->ss_cap - 1))
        ;
    s->ss_slots[j] = key;
    s->ss_vals[j] = val;
    s->ss_used++;
    return G_OK;
}

int kb_has(const char *const *sorted, size_t n, const char *s)
{
    return ir_name_in(s, sorted, n);
}

/* Appends s to a string list kept in the arena (capacity doubles at powers of two). */
static int list_add(arena *a, const char ***items, uint32_t *n, const char *s)
{
    if (!s || mod_list_has(*items, *n, s))
        return G_OK;
    if ((*n & (*n - 1)) == 0) {  /* n is 0 or a power of two: full */
        uint32_t cap = *n ? *n * 2 : 8;
        const char **grown = arena_array(a, cap, sizeof *grown);
        if (!grown)
            return G_ENOMEM;
        if (*n)
            memcpy(grown, *items, *n * sizeof *grown);
        *items = grown;
    }
    (*items)[(*n)++] = s;
    return G_OK;
}

static char *cat3(arena *a, const char *x, const char *y, const char *z)
{
    size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
    char *p = arena_alloc(a, nx + ny + nz + 1);
    if (p) {
        memcpy(p, x, nx);
        memcpy(p + nx, y, ny);
        memcpy(p + nx + ny, z, nz + 1);
    }
    return p;
}

static const char *obj_str(arena *a, const pyc_obj *o)
{
    char *p;
    if (!o || o->o_kind != PYC_STR)
        return "?";
    p = arena_alloc(a, o->u.o_str.len + 1);
    if (!p)
        return "?";
    memcpy(p, o->u.o_str.s, o->u.o_str.len);
    p[o->u.o_str.len] = 0;
    return p;
}

/***** names *****/

/* The binding of a module-level name, or -1. */
static int32_t binding(const eng_mod *m, const char *name);

/* binding() of a global path's name, cached in the path. */
static int32_t path_binding(const eng_mod *m, const ir_path *p)
{
    ir_path *w = (ir_path *)p;  /* p_user is scratch space for this stage */
    if (p->p_user == -2)
        w->p_user = binding(m, p->p_name);
    return p->p_user;
}

static int32_t binding(const eng_mod *m, const char *name)
{
    int32_t b;
    return set_has(&m->m_bind_index, name, &b) ? b : -1;
}

/* "th.Lock" with `import threading as th` -> "threading.Lock"; "Lock" with `from threading
 * import Lock` -> "threading.Lock".  Returns the input when nothing applies. */
const char *mod_resolve(const eng_mod *m, const char *dotted)
{
    char head[128];
    const char *dot;
    size_t n;
    int32_t b;
    if (!dotted)
        return NULL;
    dot = strchr(dotted, '.');
    n = dot ? (size_t)(dot - dotted) : strlen(dotted);
    if (n >= sizeof head)
        return dotted;
    memcpy(head, dotted, n);
    head[n] = 0;
    b = binding(m, head);
    if (b < 0 || m->m_bind_kind[b] != VAL_IMPORT || !m->m_bind_what[b])
        return dotted;
    if (!dot)
        return m->m_bind_what[b];
    {
        const char *full = cat3(m->m_arena, m->m_bind_what[b], "", dot);
        return full ? full : dotted;
    }
}

static int is_lock_name(const char *name)
{
    char low[64];
    size_t i, n;
    if (!name)
        return 0;
    while (*name == '_')
        name++;
    n = strlen(name);
    if (!n || n >= sizeof low)
        return 0;
    for (i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    return strstr(low, "lock") || strstr(low, "mutex") || !strcmp(low, "cond") ||
           !strcmp(low, "condition") || !strcmp(low, "cv") || !strcmp(low, "sem") ||
           !strcmp(low, "semaphore") || !strcmp(low, "not_empty") || !strcmp(low, "not_full");
}

static int is_lock_ctor(const eng_mod *m, const char *callee)
{
    const char *r = mod_resolve(m, callee);
    return r && mod_list_has(lock_ctors, sizeof lock_ctors / sizeof lock_ctors[0], r);
}

static int is_local_ctor(const eng_mod *m, const char *callee)
{
    const char *r = mod_resolve(m, callee);
    return r && !strcmp(r, "threading.local");
}

/* A name the configuration (`lock-names`) declares a lock: its last component or its display. */
static int is_configured_lock(const eng_mod *m, const ir_path *p)
{
    size_t i;
    for (i = 0; m->m_opt && i < m->m_opt->o_nlock_names; i++) {
        const char *want = m->m_opt->o_lock_names[i];
        if ((p->p_name && !strcmp(p->p_name, want)) || !strcmp(ir_path_display(p), want))
            return 1;
    }
    return 0;
}

int mod_is_lock(const eng_mod *m, const eng_code *c, const ir_acq *q)
{
    const ir_path *p = q->a_path;
    int32_t b;
    (void)c;
    if (q->a_callee && is_lock_ctor(m, q->a_callee))
        return 1;
    if (!p)
        return 0;
    if (is_lock_name(p->p_name) || is_configured_lock(m, p))
        return 1;
    if (p->p_kind == PATH_GLOBAL && (b = binding(m, p->p_name)) >= 0 &&
        m->m_bind_kind[b] == VAL_CALL && is_lock_ctor(m, m->m_bind_what[b]))
        return 1;
    if (p->p_kind == PATH_ATTR && mod_list_has(m->m_lock_attrs, m->m_nlock_attrs, p->p_name))
        return 1;
    return 0;
}

uint64_t mod_lock_mask(const eng_mod *m, const eng_code *c)
{
    uint64_t mask = 0;
    uint32_t i;
    for (i = 0; i < c->c_ir.f_nacqs; i++)
        if (mod_is_lock(m, c, &c->c_ir.f_acqs[i]))
            mask |= (uint64_t)1 << i;
    return mask;
}

static int is_self_root(const eng_code *c, const ir_path *root)
{
    return c->c_self && root->p_kind == PATH_LOCAL && root->p_version == 0 &&
           !strcmp(root->p_name, c->c_self);
}

int mod_is_shared(const eng_mod *m, const eng_code *c, const ir_path *p)
{
    const ir_path *root = ir_path_root(p), *q;
    int32_t b;
    if (!root)
        return 0;
    /* attributes of a threading.local() object are per-thread */
    for (q = p; q && q != root; q = q->p_base)
        if (q->p_base && q->p_base->p_kind == PATH_ATTR &&
            mod_list_has(m->m_local_attrs, m->m_nlocal_attrs, q->p_base->p_name))
            return 0;
    switch (root->p_kind) {
    case PATH_GLOBAL:
        b = path_binding(m, root);
        if (b >= 0 && m->m_bind_kind[b] == VAL_CALL && is_local_ctor(m, m->m_bind_what[b]))
            return 0;
        if (b >= 0 && (m->m_bind_kind[b] == VAL_FUNC || m->m_bind_kind[b] == VAL_CLASS ||
                       m->m_bind_kind[b] == VAL_IMPORT) && p == root)
            return 0;
        return 1;
    case PATH_DEREF:
        return 1;
    case PATH_LOCAL:
        return is_self_root(c, root) || mod_param_shared(m, c, root);
    default:
        return 0;
    }
}

/* The state a path belongs to, the same in every function of the module: items fold into their
 * container; `self` becomes the class ("Counter.self.hits"). */
const char *mod_normalize(const eng_mod *m, const eng_code *c, const ir_path *p)
{
    const ir_path *root;
    const char *attrs = "";
    while (p && p->p_kind == PATH_ITEM)
        p = p->p_base;
    if (!p)
        return NULL;
    root = ir_path_root(p);
    if (is_self_root(c, root) && c->c_class != NO_CODE) {
        const char *cls = m->m_codes[c->c_class].c_qualname;
        const char *disp = ir_path_display(p) + strlen(ir_path_display(root));
        attrs = cat3(m->m_arena, cls, ".self", disp);
        return attrs;
    }
    return ir_path_text(p);
}

/***** building *****/

static const char *qualname(eng_mod *m, uint32_t i)
{
    const bc_code *bc = &m->m_bf->bf_codes[i];
    const char *name = obj_str(m->m_arena, bc->bc_src->co_name);
    int32_t parent = bc->bc_parent;
    if (parent < 0)
        return name;
    if (m->m_codes[parent].c_is_module)
        return name;
    if (m->m_codes[parent].c_is_class_body)
        return cat3(m->m_arena, m->m_codes[parent].c_qualname, ".", name);
    return cat3(m->m_arena, m->m_codes[parent].c_qualname, ".<locals>.", name);
}

static int add_binding(eng_mod *m, const ir_event *e)
{
    const char *name = e->ev_path->p_name, *what = e->ev_callee;
    int32_t b = binding(m, name);
    uint32_t cap;
    if (e->ev_valkind == VAL_IMPORT && what) {
        /* `import a.b` binds a to module a */
        const char *dot = strchr(what, '.');
        if (dot && (size_t)(dot - what) == strlen(name) && !strncmp(what, name, strlen(name)))
            what = name;
    } else if (e->ev_valkind == VAL_CALL) {
        what = mod_resolve(m, what);
    }
    if (b < 0) {
        if ((m->m_nbind & (m->m_nbind - 1)) == 0) {
            cap = m->m_nbind ? m->m_nbind * 2 : 16;
            const char **n1 = arena_array(m->m_arena, cap, sizeof *n1);
            const char **n2 = arena_array(m->m_arena, cap, sizeof *n2);
            uint8_t *n3 = arena_alloc(m->m_arena, cap);
            int32_t *n4 = arena_array(m->m_arena, cap, sizeof *n4);
            if (!n1 || !n2 || !n3 || !n4)
                return G_ENOMEM;
            if (m->m_nbind) {
                memcpy(n1, m->m_bind_name, m->m_nbind * sizeof *n1);
                memcpy(n2, m->m_bind_what, m->m_nbind * sizeof *n2);
                memcpy(n3, m->m_bind_kind, m->m_nbind);
                memcpy(n4, m->m_bind_aux, m->m_nbind * sizeof *n4);
            }
            m->m_bind_name = n1;
            m->m_bind_what = n2;
            m->m_bind_kind = n3;
            m->m_bind_aux = n4;
        }
        b = (int32_t)m->m_nbind++;
        if (set_add(&m->m_bind_index, m->m_arena, name, b))
            return G_ENOMEM;
        m->m_bind_name[b] = name;
    }
    m->m_bind_what[b] = what;
    m->m_bind_kind[b] = e->ev_valkind;
    m->m_bind_aux[b] = e->ev_aux;
    return G_OK;
}

/* The method `name` of class body `cls`, or NO_CODE. */
static uint32_t method_of(const eng_mod *m, uint32_t cls, const char *name)
{
    uint32_t i;
    for (i = 0; cls != NO_CODE && i < m->m_ncodes; i++)
        if (m->m_codes[i].c_class == cls &&
            pyc_str_eq(m->m_bf->bf_codes[i].bc_src->co_name, name))
            return i;
    return NO_CODE;
}

/* The code a function-valued argument or callee stands for, or NO_CODE. */
static uint32_t function_at(const eng_mod *m, uint32_t ci, const ir_path *p, int32_t func)
{
    const eng_code *c = &m->m_codes[ci];
    const ir_path *root;
    uint32_t i, k;
    int32_t b;
    if (func >= 0 && (uint32_t)func < m->m_ncodes)
        return (uint32_t)func;
    if (!p)
        return NO_CODE;
    root = ir_path_root(p);
    if (p->p_kind == PATH_GLOBAL) {
        b = binding(m, p->p_name);
        if (b >= 0 && m->m_bind_kind[b] == VAL_FUNC && m->m_bind_aux[b] >= 0)
            return (uint32_t)m->m_bind_aux[b];
        return NO_CODE;
    }
    if (p->p_kind == PATH_ATTR && p->p_base == root && is_self_root(c, root))
        return method_of(m, c->c_class, p->p_name);
    if (p->p_kind == PATH_DEREF) {
        for (i = 0; i < m->m_ncodes; i++)
            for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
                const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
                if (e->ev_kind == EV_STORE && e->ev_path == p && e->ev_valkind == VAL_FUNC)
                    return (uint32_t)e->ev_aux;
            }
    }
    return NO_CODE;
}

static void mark_entry(eng_mod *m, uint32_t ci, const ir_event *e, int pos, const char *kw)
{
    uint32_t k, target = NO_CODE;
    for (k = 0; k < e->ev_nargs; k++) {
        const char *akw = e->ev_args[k].ar_kw;
        int match = kw && akw ? !strcmp(akw, kw) : (!akw && (int)k == pos);
        if (match) {
            target = function_at(m, ci, e->ev_args[k].ar_path, e->ev_args[k].ar_func);
            break;
        }
    }
    if (target == NO_CODE && kw && pos >= 0)
        return mark_entry(m, ci, e, pos, NULL);
    if (target != NO_CODE)
        m->m_codes[target].c_entry = 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix) && (n == k || s[n - k - 1] == '.');
}

/* The last name of the callables that start threads (a cheap test before resolving imports). */
static int is_entry_name(const char *name)
{
    static const char *const names[] = { "Thread", "Timer", "start_new_thread", "start_new",
                                         "to_thread", "run_in_executor", "submit", "map",
                                         "__build_class__" };
    size_t n = strlen(name), i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && !strcmp(name + n - k, names[i]))
            return 1;
    }
    return 0;
}

static void find_entries(eng_mod *m, uint32_t ci)
{
    const eng_code *c = &m->m_codes[ci];
    uint32_t k;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        const char *r;
        if (e->ev_kind != EV_CALL || !e->ev_name || !is_entry_name(e->ev_name))
            continue;
        r = mod_resolve(m, e->ev_callee);
        if (r && (!strcmp(r, "threading.Thread") || ends_with(r, "Thread")))
            mark_entry(m, ci, e, 1, "target");
        else if (r && (!strcmp(r, "threading.Timer") || ends_with(r, "Timer")))
            mark_entry(m, ci, e, 1, "function");
        else if (r && (ends_with(r, "start_new_thread") || !strcmp(r, "_thread.start_new")))
            mark_entry(m, ci, e, 0, NULL);
        else if (r && ends_with(r, "to_thread"))
            mark_entry(m, ci, e, 0, NULL);
        else if (r && ends_with(r, "run_in_executor"))
            mark_entry(m, ci, e, 1, NULL);
        else if (r && strchr(r, '.') && (ends_with(r, "submit") || ends_with(r, "map")))
            mark_entry(m, ci, e, 0, NULL);
        else if (e->ev_name && !strcmp(e->ev_name, "__build_class__") && e->ev_aux >= 0) {
            uint32_t a;
            for (a = 1; a < e->ev_nargs; a++) {
                const ir_path *base = e->ev_args[a].ar_path;
                const char *br = base ? mod_resolve(m, ir_path_display(base)) : NULL;
                if (br && (!strcmp(br, "threading.Thread") || ends_with(br, "Thread"))) {
                    uint32_t run = method_of(m, (uint32_t)e->ev_aux, "run");
                    if (run != NO_CODE)
                        m->m_codes[run].c_entry = 1;
                }
            }
        }
    }
}

/* Marks everything reachable from the entry points (calls, self.method(), functions passed as
 * callbacks, comprehensions and lambdas run by their parent). */
static int reach(eng_mod *m)
{
    uint32_t *work = arena_array(m->m_arena, m->m_ncodes + 1, sizeof *work), n = 0, i, k;
    if (!work)
        return G_ENOMEM;
    for (i = 0; i < m->m_ncodes; i++)
        if (m->m_codes[i].c_entry && !m->m_codes[i].c_reachable) {
            m->m_codes[i].c_reachable = 1;
            work[n++] = i;
        }
    while (n) {
        uint32_t ci = work[--n];
        const eng_code *c = &m->m_codes[ci];
        for (k = 0; k < c->c_ir.f_nevents + m->m_ncodes; k++) {
            uint32_t t = NO_CODE;
            if (k < c->c_ir.f_nevents) {
                const ir_event *e = &c->c_ir.f_events[k];
                uint32_t a;
                if (e->ev_kind != EV_CALL)
                    continue;
                if (e->ev_aux >= 0 && !(e->ev_name && !strcmp(e->ev_name, "__build_class__")))
                    t = (uint32_t)e->ev_aux;
                else if (e->ev_path && e->ev_name && e->ev_path->p_kind == PATH_LOCAL &&
                         is_self_root(c, e->ev_path))
                    t = method_of(m, c->c_class, e->ev_name);
                else if (e->ev_path && e->ev_path->p_kind == PATH_GLOBAL)
                    t = function_at(m, ci, e->ev_path, -1);
                for (a = 0; a < e->ev_nargs; a++) {
                    int32_t af = e->ev_args[a].ar_func;
                    uint32_t f = af >= 0 ? (uint32_t)af : NO_CODE;
                    if (f != NO_CODE && f < m->m_ncodes && !m->m_codes[f].c_reachable &&
                        !m->m_codes[f].c_is_class_body) {
                        m->m_codes[f].c_reachable = 1;
                        work[n++] = f;
                    }
                }
            } else {
                uint32_t child = k - c->c_ir.f_nevents;
                const pyc_obj *nm = m->m_bf->bf_codes[child].bc_src->co_name;
                if ((uint32_t)m->m_bf->bf_codes[child].bc_parent == ci && nm->u.o_str.len &&
                    nm->u.o_str.s[0] == '<')
                    t = child;
            }
            if (t != NO_CODE && t < m->m_ncodes && !m->m_codes[t].c_reachable &&
                !m->m_codes[t].c_is_class_body) {
                m->m_codes[t].c_reachable = 1;
                work[n++] = t;
            }
        }
    }
    return G_OK;
}

/* Functions the configuration (`thread-entry-points`) says run in threads. */
static void mark_configured_entries(eng_mod *m)
{
    uint32_t i;
    size_t k;
    for (i = 1; m->m_opt && i < m->m_ncodes; i++)
        for (k = 0; k < m->m_opt->o_nentry_points; k++)
            if (!m->m_codes[i].c_is_class_body &&
                !fnmatch(m->m_opt->o_entry_points[k], m->m_codes[i].c_qualname, 0))
                m->m_codes[i].c_entry = 1;
}

int mod_build(eng_mod *m, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
              const eng_options *opt, arena *a, diag_ctx *d, const char *name)
{
    uint32_t i, k;
    int rc;
    memset(m, 0, sizeof *m);
    m->m_pyc = pf;
    m->m_bf = bf;
    m->m_kb = kb;
    m->m_opt = opt;
    m->m_arena = a;
    m->m_ncodes = bf->bf_ncodes;
    m->m_codes = arena_array(a, m->m_ncodes + 1, sizeof *m->m_codes);
    if (!m->m_codes || ir_paths_new(&m->m_paths, a))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    memset(m->m_codes, 0, (m->m_ncodes + 1) * sizeof *m->m_codes);

    /* blocks and events of every code object */
    for (i = 0; i < m->m_ncodes; i++) {
        eng_code *c = &m->m_codes[i];
        c->c_class = NO_CODE;
        c->c_ir.f_index = i;
        if ((rc = cfg_build(&c->c_ir, &bf->bf_codes[i], a, d, name)) ||
            (rc = ir_interpret(&c->c_ir, bf, &kb->k_ir, m->m_paths, a, d, name)))
            return rc;
    }
    m->m_codes[0].c_is_module = 1;

    /* module-level bindings (imports first, so calls resolve), then class bodies */
    for (k = 0; k < m->m_codes[0].c_ir.f_nevents; k++) {
        const ir_event *e = &m->m_codes[0].c_ir.f_events[k];
        if (e->ev_kind == EV_STORE && e->ev_path->p_kind == PATH_GLOBAL &&
            e->ev_valkind == VAL_IMPORT && (rc = add_binding(m, e)))
            return diag_add(d, rc, name, -1, "out of memory");
    }
    for (k = 0; k < m->m_codes[0].c_ir.f_nevents; k++) {
        const ir_event *e = &m->m_codes[0].c_ir.f_events[k];
        if (e->ev_kind == EV_STORE && e->ev_path->p_kind == PATH_GLOBAL &&
            e->ev_valkind != VAL_IMPORT && (rc = add_binding(m, e)))
            return diag_add(d, rc, name, -1, "out of memory");
    }
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            if (e->ev_kind == EV_CALL && e->ev_name && !strcmp(e->ev_name, "__build_class__") &&
                e->ev_aux >= 0 && (uint32_t)e->ev_aux < m->m_ncodes)
                m->m_codes[e->ev_aux].c_is_class_body = 1;
        }
    /* names, classes, methods (parents come before children in the file's order) */
    for (i = 0; i < m->m_ncodes; i++) {
        eng_code *c = &m->m_codes[i];
        const pyc_code *pc = bf->bf_codes[i].bc_src;
        int32_t parent = bf->bf_codes[i].bc_parent;
        c->c_qualname = i == 0 ? "<module>" : qualname(m, i);
        c->c_ir.f_is_class_body = c->c_is_class_body;
        if (parent >= 0 && m->m_codes[parent].c_is_class_body) {
            c->c_class = (uint32_t)parent;
            if (pc->co_argcount >= 1 && pc->co_nlocalnames >= 1)
                c->c_self = obj_str(a, pc->co_localnames[0]);
            c->c_is_init = pyc_str_eq(pc->co_name, "__init__");
        }
    }
    /* attributes bound to locks and to threading.local() objects */
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            if (e->ev_kind != EV_STORE || e->ev_valkind != VAL_CALL ||
                e->ev_path->p_kind != PATH_ATTR)
                continue;
            if (is_lock_ctor(m, e->ev_callee)) {
                if (list_add(a, &m->m_lock_attrs, &m->m_nlock_attrs, e->ev_path->p_name))
                    return diag_add(d, G_ENOMEM, name, -1, "out of memory");
                m->m_codes[i].c_uses_lock = 1;
            } else if (is_local_ctor(m, e->ev_callee) &&
                       list_add(a, &m->m_local_attrs, &m->m_nlocal_attrs, e->ev_path->p_name)) {
                return diag_add(d, G_ENOMEM, name, -1, "out of memory");
            }
        }
    /* threads and what they reach */
    for (i = 0; i < m->m_ncodes; i++)
        find_entries(m, i);
    mark_configured_entries(m);
    if (reach(m))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    /* locks in use, state they protect, containers something deletes from */
    for (i = 0; i < m->m_ncodes; i++) {
        eng_code *c = &m->m_codes[i];
        uint64_t mask = mod_lock_mask(m, c);
        if (mask)
            c->c_uses_lock = 1;
        if (c->c_is_module || c->c_is_class_body)
            continue;
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *e = &c->c_ir.f_events[k];
            int locked_here, deletes, writes;
            const char *key;
            if (!e->ev_path)
                continue;
            locked_here = (e->ev_locks & mask) && e->ev_kind != EV_TEST;
            deletes = (e->ev_kind == EV_DELETE && e->ev_path->p_kind == PATH_ITEM) ||
                      (e->ev_kind == EV_CALL && e->ev_name &&
                       kb_has(kb->k_deleters, kb->k_ndeleters, e->ev_name));
            if (!locked_here && !deletes)
                continue;
            key = mod_normalize(m, c, e->ev_path);
            writes = e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE ||
                     (e->ev_kind == EV_CALL && e->ev_name &&
                      kb_has(kb->k_mutators, kb->k_nmutators, e->ev_name));
            if (locked_here && mod_is_shared(m, c, e->ev_path) &&
                ((rc = set_add(&m->m_protected, a, key, 0)) ||
                 (writes && (rc = set_add(&m->m_locked_writes, a, key,
                                          c->c_ir.f_code->bc_instrs[e->ev_instr].in_line)))))
                return diag_add(d, G_ENOMEM, name, -1, "out of memory");
            if (deletes && set_add(&m->m_deleted, a, key, 0))
                return diag_add(d, G_ENOMEM, name, -1, "out of memory");
        }
    }
    for (i = 0; i < m->m_ncodes; i++) {
        eng_code *c = &m->m_codes[i];
        if (c->c_class != NO_CODE && c->c_uses_lock)
            m->m_codes[c->c_class].c_uses_lock = 1;
    }
    return G_OK;
}
