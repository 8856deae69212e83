/* Module facts: the IR of every code object, what module-level names are bound to, classes and
 * their methods, and which paths of a function may reach shared state. */
#include "eng_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "../common/err.h"

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

/* XXH3 (Debian's libxxhash): the composition hashes many long location texts. */
static uint64_t str_hash(const char *s)
{
    return XXH3_64bits(s, strlen(s));
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

/* Makes room for one more key; G_OK or G_ENOMEM. */
static int set_grow(strset *s, arena *a)
{
    uint32_t j;
    if ((s->ss_used + 1) * 2 > s->ss_cap) {
        /* from 8: most sets are small (a module's bindings, a class's methods) and the run
         * has one per file and per class */
        uint32_t cap = s->ss_cap ? s->ss_cap * 2 : 8, i;
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
    return G_OK;
}

int set_add(strset *s, arena *a, const char *key, int32_t val)
{
    uint32_t j;
    if (!key || set_has(s, key, NULL))
        return G_OK;
    if (set_grow(s, a))
        return G_ENOMEM;
    for (j = (uint32_t)str_hash(key) & (s->ss_cap - 1); s->ss_slots[j]; j = (j + 1) & (s->ss_cap - 1))
        ;
    s->ss_slots[j] = key;
    s->ss_vals[j] = val;
    s->ss_used++;
    return G_OK;
}

int set_find_add(strset *s, arena *a, const char *key, int32_t val, int32_t *out)
{
    uint32_t j, h = (uint32_t)str_hash(key);
    if (s->ss_cap)
        for (j = h & (s->ss_cap - 1); s->ss_slots[j]; j = (j + 1) & (s->ss_cap - 1))
            if (!strcmp(s->ss_slots[j], key)) {
                *out = s->ss_vals[j];
                return 0;
            }
    if (set_grow(s, a))
        return G_ENOMEM;
    for (j = h & (s->ss_cap - 1); s->ss_slots[j]; j = (j + 1) & (s->ss_cap - 1))
        ;
    s->ss_slots[j] = key;
    s->ss_vals[j] = val;
    s->ss_used++;
    *out = val;
    return 1;
}

int set_or(strset *s, arena *a, const char *key, int32_t bits)
{
    uint32_t j;
    char *copy;
    size_t n;
    if (!key)
        return G_OK;
    if (s->ss_cap)
        for (j = (uint32_t)str_hash(key) & (s->ss_cap - 1); s->ss_slots[j];
             j = (j + 1) & (s->ss_cap - 1))
            if (!strcmp(s->ss_slots[j], key)) {
                s->ss_vals[j] |= bits;
                return G_OK;
            }
    n = strlen(key) + 1;
    if (!(copy = arena_alloc(a, n)))
        return G_ENOMEM;
    memcpy(copy, key, n);
    return set_add(s, a, copy, bits);
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
int32_t mod_binding(const eng_mod *m, const char *name)
{
    int32_t b;
    return set_has(&m->m_bind_index, name, &b) ? b : -1;
}

static int32_t binding(const eng_mod *m, const char *name)
{
    return mod_binding(m, name);
}

/* binding() of a global path's name, cached in the path. */
static int32_t path_binding(const eng_mod *m, const ir_path *p)
{
    ir_path *w = (ir_path *)p;  /* p_user is scratch space for this stage */
    if (p->p_user == -2)
        w->p_user = binding(m, p->p_name);
    return p->p_user;
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

int mod_is_lock_name(const char *name)
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

static int is_local_ctor(const eng_mod *m, const char *callee)
{
    const char *r = mod_resolve(m, callee);
    return r && !strcmp(r, "threading.local");
}

/* A name the configuration (`lock-names`) declares a lock: its last component or its display. */
int mod_is_configured_lock(const eng_mod *m, const ir_path *p)
{
    size_t i;
    for (i = 0; m->m_opt && i < m->m_opt->o_nlock_names; i++) {
        const char *want = m->m_opt->o_lock_names[i];
        if ((p->p_name && !strcmp(p->p_name, want)) || !strcmp(ir_path_display(p), want))
            return 1;
    }
    return 0;
}

/* The parameter a local path root is (0 for `self`), or -1: a local assigned in the function,
 * or a parameter assigned again (its version is not 0), is not one. */
int mod_param_index(const eng_code *c, const ir_path *root)
{
    const pyc_code *pc = c->c_ir.f_code->bc_src;
    uint32_t i;
    if (!root || root->p_kind != PATH_LOCAL || root->p_version != 0)
        return -1;
    for (i = 0; i < c->c_nparams && i < pc->co_nlocalnames; i++)
        if (pyc_str_eq(pc->co_localnames[i], root->p_name))
            return (int)i;
    return -1;
}

/* Is `self` of method c an instance of a built-in container (its class derives from dict,
 * list, set, deque...), so that `self.pop()` is a container operation rather than a method of
 * the class? */
int mod_self_is_container(const eng_mod *m, const eng_code *c)
{
    static const char *const containers[] = { "dict", "list", "set", "deque", "OrderedDict",
                                              "defaultdict", "Counter", "bytearray" };
    uint32_t i, k, a;
    if (c->c_class == NO_CODE)
        return 0;
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            if (e->ev_kind != EV_CALL || e->ev_aux != (int32_t)c->c_class || !e->ev_name ||
                strcmp(e->ev_name, "__build_class__"))
                continue;
            for (a = 1; a < e->ev_nargs; a++) {
                const ir_path *base = e->ev_args[a].ar_path;
                size_t j;
                if (!base || !base->p_name)
                    continue;
                for (j = 0; j < sizeof containers / sizeof containers[0]; j++)
                    if (!strcmp(base->p_name, containers[j]))
                        return 1;
                if (mod_is_container_ctor(m, ir_path_display(base)))
                    return 1;
            }
            return 0;
        }
    return 0;
}

/* Can p reach state that other threads may see?  Globals (not the functions, classes and
 * modules bound at module level themselves), closure cells, and what parameters point to (the
 * callers say what they are); never locals made here, nor attributes of a threading.local(). */
int mod_may_share(const eng_mod *m, const eng_code *c, const ir_path *p)
{
    const ir_path *root = ir_path_root(p), *q;
    int32_t b;
    if (!root)
        return 0;
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
        return mod_param_index(c, root) >= 0;
    default:
        return 0;
    }
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
            uint32_t *n5 = arena_array(m->m_arena, cap, sizeof *n5);
            if (!n1 || !n2 || !n3 || !n4 || !n5)
                return G_ENOMEM;
            if (m->m_nbind) {
                memcpy(n1, m->m_bind_name, m->m_nbind * sizeof *n1);
                memcpy(n2, m->m_bind_what, m->m_nbind * sizeof *n2);
                memcpy(n3, m->m_bind_kind, m->m_nbind);
                memcpy(n4, m->m_bind_aux, m->m_nbind * sizeof *n4);
                memcpy(n5, m->m_bind_block, m->m_nbind * sizeof *n5);
            }
            m->m_bind_name = n1;
            m->m_bind_what = n2;
            m->m_bind_kind = n3;
            m->m_bind_aux = n4;
            m->m_bind_block = n5;
        }
        b = (int32_t)m->m_nbind++;
        if (set_add(&m->m_bind_index, m->m_arena, name, b))
            return G_ENOMEM;
        m->m_bind_name[b] = name;
    } else if (!ir_dominates(&m->m_codes[0].c_ir, m->m_bind_block[b], e->ev_block)) {
        /* a binding in another branch is an alternative (`try: from _c import f / except
         * ImportError: def f()`, `if posix: import posixpath as path / elif nt: ...`): the
         * first one is the one this platform and build take */
        return G_OK;
    }
    m->m_bind_block[b] = e->ev_block;
    m->m_bind_what[b] = what;
    m->m_bind_kind[b] = e->ev_valkind;
    m->m_bind_aux[b] = e->ev_aux;
    return G_OK;
}

/* The method `name` of class body `cls`, or NO_CODE. */
uint32_t mod_method_of(const eng_mod *m, uint32_t cls, const char *name)
{
    uint32_t i;
    for (i = 0; cls != NO_CODE && i < m->m_ncodes; i++)
        if (m->m_codes[i].c_class == cls &&
            pyc_str_eq(m->m_bf->bf_codes[i].bc_src->co_name, name))
            return i;
    return NO_CODE;
}

/* If method c calls on its self a method its class defines under the name of a container's
 * reader (`self.get(section, option)` of a configuration class), interprets c again with
 * those names (f_own), so that their results are not taken as items of self.  G_OK or a
 * negative code. */
static int own_readers(eng_mod *m, eng_code *c, arena *a, diag_ctx *d, const char *name)
{
    const ir_kb *kb = &m->m_kb->k_ir;
    const char **own = NULL;
    uint32_t k, n = 0, j;
    if (c->c_class == NO_CODE || !c->c_self)
        return G_OK;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (e->ev_kind != EV_CALL || !e->ev_method || !e->ev_name || !e->ev_path ||
            e->ev_path->p_kind != PATH_LOCAL || strcmp(e->ev_path->p_name, c->c_self) ||
            !ir_name_in(e->ev_name, kb->k_reader_methods, kb->k_nreader_methods) ||
            mod_method_of(m, c->c_class, e->ev_name) == NO_CODE)
            continue;
        for (j = 0; j < n && strcmp(own[j], e->ev_name); j++)
            ;
        if (j < n)
            continue;
        if (!own && !(own = arena_array(a, c->c_ir.f_nevents, sizeof *own)))
            return diag_add(d, G_ENOMEM, name, -1, "out of memory");
        own[n++] = e->ev_name;
    }
    if (!n)
        return G_OK;
    c->c_ir.f_self = c->c_self;
    c->c_ir.f_own = own;
    c->c_ir.f_nown = n;
    return ir_interpret(&c->c_ir, m->m_bf, kb, m->m_paths, a, d, name);
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
        c->c_nparams = (uint32_t)(pc->co_argcount + pc->co_kwonlyargcount);
        if (parent >= 0 && m->m_codes[parent].c_is_class_body) {
            c->c_class = (uint32_t)parent;
            if (pc->co_argcount >= 1 && pc->co_nlocalnames >= 1)
                c->c_self = obj_str(a, pc->co_localnames[0]);
            c->c_is_init = pyc_str_eq(pc->co_name, "__init__");
        }
    }
    /* `self.get(k)` in a class that defines get(): the class's own method, not a read of an
     * item of self -- such methods are interpreted again, knowing it */
    for (i = 0; i < m->m_ncodes; i++)
        if ((rc = own_readers(m, &m->m_codes[i], a, d, name)))
            return rc;
    if (mod_types_build(m))
        return diag_add(d, G_ENOMEM, name, -1, "out of memory");
    /* attributes bound to threading.local() objects (per thread, never shared) */
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            if (e->ev_kind == EV_STORE && e->ev_valkind == VAL_CALL &&
                e->ev_path->p_kind == PATH_ATTR && is_local_ctor(m, e->ev_callee) &&
                list_add(a, &m->m_local_attrs, &m->m_nlocal_attrs, e->ev_path->p_name))
                return diag_add(d, G_ENOMEM, name, -1, "out of memory");
        }
    return G_OK;
}
