/* Python code inside a window: what the analysed code shows about the types in a finding's
 * window (a property, a key class's __hash__/__eq__, __missing__, __iadd__, __del__, a Python
 * callee, a generator step), which makes the window a switch point on every GIL version; and,
 * where the types are unknown, the caveats that say what would.  Also the two shapes whose
 * detection rests on the same type facts: next() on a shared iterator and a check-then-act
 * through a KeyError handler. */
#include "eng_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"

#define CO_GENERATOR_ 0x20

/***** what the module shows about a value's type *****/

typedef enum tykind {
    TY_UNKNOWN = 0,
    TY_BUILTIN,     /* ty_name: "list", "dict", "int", "collections.Counter", ... */
    TY_CLASS,       /* an instance of a class defined in the module: ty_class */
    TY_GENERATOR,   /* a generator object of a module function: ty_name is the function */
    TY_CITER        /* an iterator written in C (itertools.count) */
} tykind;

typedef struct ptype {
    int ty_kind;
    const char *ty_name;       /* see tykind; the class's name for TY_CLASS */
    uint32_t ty_class;         /* class body code index for TY_CLASS */
} ptype;

static const char *const builtin_types[] = {
    "bool", "bytearray", "bytes", "collections.Counter", "collections.OrderedDict",
    "collections.defaultdict", "collections.deque", "dict", "float", "frozenset", "int", "list",
    "set", "str", "tuple",
};
static const char *const c_iterators[] = { "itertools.count", "itertools.repeat" };
/* Builtins whose call runs no Python code for built-in arguments. */
static const char *const c_functions[] = {
    "abs", "all", "any", "bool", "callable", "chr", "dict", "divmod", "float", "frozenset",
    "getattr", "hasattr", "id", "int", "isinstance", "issubclass", "len", "list", "max", "min",
    "ord", "pow", "range", "repr", "round", "set", "sorted", "str", "sum", "tuple", "type",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;
    for (i = 0; s && i < n; i++)
        if (!strcmp(s, list[i]))
            return 1;
    return 0;
}

static int32_t bind_of(const eng_mod *m, const char *name)
{
    int32_t b;
    return name && set_has(&m->m_bind_index, name, &b) ? b : -1;
}

/* The type of a value stored with kind `vk` (VAL_*), `what` (callee or display), aux (code or
 * constant index) in code `ci`. */
static ptype value_type(const eng_mod *m, uint32_t ci, int vk, const char *what, int32_t aux)
{
    ptype t = { TY_UNKNOWN, NULL, NO_CODE };
    int32_t b;
    if (vk == VAL_FRESH && what) {
        t.ty_kind = TY_BUILTIN;
        t.ty_name = what;
    } else if (vk == VAL_CONST) {
        const pyc_obj *o = bc_const(&m->m_bf->bf_codes[ci], aux);
        static const char *const kinds[] = {
            [PYC_INT] = "int", [PYC_FLOAT] = "float", [PYC_STR] = "str", [PYC_BYTES] = "bytes",
            [PYC_TUPLE] = "tuple", [PYC_TRUE] = "bool", [PYC_FALSE] = "bool",
        };
        if (o && (size_t)o->o_kind < sizeof kinds / sizeof *kinds && kinds[o->o_kind]) {
            t.ty_kind = TY_BUILTIN;
            t.ty_name = kinds[o->o_kind];
        }
    } else if (vk == VAL_CALL && what) {
        const char *r = mod_resolve(m, what);
        if (in_list(r, builtin_types, sizeof builtin_types / sizeof *builtin_types)) {
            t.ty_kind = TY_BUILTIN;
            t.ty_name = r;
        } else if (in_list(r, c_iterators, sizeof c_iterators / sizeof *c_iterators)) {
            t.ty_kind = TY_CITER;
            t.ty_name = r;
        } else if ((b = bind_of(m, r)) >= 0 && m->m_bind_kind[b] == VAL_CLASS &&
                   m->m_bind_aux[b] >= 0 && (uint32_t)m->m_bind_aux[b] < m->m_ncodes) {
            t.ty_kind = TY_CLASS;
            t.ty_name = r;
            t.ty_class = (uint32_t)m->m_bind_aux[b];
        } else if (b >= 0 && m->m_bind_kind[b] == VAL_FUNC && m->m_bind_aux[b] >= 0 &&
                   (uint32_t)m->m_bind_aux[b] < m->m_ncodes &&
                   (m->m_bf->bf_codes[m->m_bind_aux[b]].bc_src->co_flags & CO_GENERATOR_)) {
            t.ty_kind = TY_GENERATOR;
            t.ty_name = r;
        }
    }
    return t;
}

/* A module-level `name = f(...)` whose value the interpretation did not keep as a call result
 * (`itertools.count(1)` reads like `L.count(x)` to it): the call right before the store. */
static ptype stored_call(const eng_mod *m, const ir_path *p)
{
    ptype t = { TY_UNKNOWN, NULL, NO_CODE };
    const eng_code *c = &m->m_codes[0];
    uint32_t k, j;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        if (e->ev_kind != EV_STORE || e->ev_path != p || !e->ev_instr)
            continue;
        t.ty_kind = TY_UNKNOWN;
        for (j = 0; j < c->c_ir.f_nevents; j++) {
            const ir_event *f = &c->c_ir.f_events[j];
            if (f->ev_kind == EV_CALL && f->ev_instr == e->ev_instr - 1 && f->ev_callee)
                t = value_type(m, 0, VAL_CALL, f->ev_callee, -1);
        }
    }
    return t;
}

static int is_self(const eng_code *c, const ir_path *root)
{
    return c->c_self && root && root->p_kind == PATH_LOCAL && root->p_version == 0 &&
           !strcmp(root->p_name, c->c_self);
}

/* What the module shows about the type of the object at path p, seen from code ci: a global
 * bound once at module level, or an attribute every store of the module gives the same type. */
static ptype type_of(const eng_mod *m, uint32_t ci, const ir_path *p)
{
    ptype t = { TY_UNKNOWN, NULL, NO_CODE }, u;
    const eng_code *c = &m->m_codes[ci];
    uint32_t i, k;
    int seen = 0;
    int32_t b;
    if (!p)
        return t;
    if (p->p_kind == PATH_GLOBAL && (b = bind_of(m, p->p_name)) >= 0) {
        t = value_type(m, 0, m->m_bind_kind[b], m->m_bind_what[b], m->m_bind_aux[b]);
        if (t.ty_kind == TY_UNKNOWN)
            t = stored_call(m, p);
        return t;
    }
    if (p->p_kind == PATH_DEREF) {
        /* a closure's cell: the stores of the function that makes it and of its closures */
        for (i = 0; i < m->m_ncodes; i++)
            for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
                const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
                if (e->ev_kind != EV_STORE || e->ev_path != p)
                    continue;
                u = value_type(m, i, e->ev_valkind, e->ev_callee, e->ev_aux);
                if (seen && u.ty_kind != t.ty_kind) {
                    t.ty_kind = TY_UNKNOWN;
                    return t;
                }
                t = u;
                seen = 1;
            }
        return t;
    }
    if (p->p_kind != PATH_ATTR || !p->p_base)
        return t;
    /* self.x of a method: the stores in the class's methods; o.x of a global: anywhere */
    if (p->p_base->p_kind == PATH_LOCAL && !(is_self(c, p->p_base) && c->c_class != NO_CODE))
        return t;
    for (i = 0; i < m->m_ncodes; i++) {
        const eng_code *o = &m->m_codes[i];
        if (p->p_base->p_kind == PATH_LOCAL && o->c_class != c->c_class)
            continue;
        for (k = 0; k < o->c_ir.f_nevents; k++) {
            const ir_event *e = &o->c_ir.f_events[k];
            if (e->ev_kind != EV_STORE || e->ev_path != p)
                continue;
            u = value_type(m, i, e->ev_valkind, e->ev_callee, e->ev_aux);
            if (seen && (u.ty_kind != t.ty_kind || (u.ty_name && t.ty_name &&
                                                      strcmp(u.ty_name, t.ty_name)))) {
                t.ty_kind = TY_UNKNOWN;
                return t;
            }
            t = u;
            seen = 1;
        }
    }
    return t;
}

/* The method `name` of class body cls, or NO_CODE. */
static uint32_t class_method(const eng_mod *m, uint32_t cls, const char *name)
{
    uint32_t i;
    for (i = 0; cls != NO_CODE && i < m->m_ncodes; i++)
        if (m->m_codes[i].c_class == cls && pyc_str_eq(m->m_bf->bf_codes[i].bc_src->co_name, name))
            return i;
    return NO_CODE;
}

/* Is attribute `attr` of class body cls a property (property(...), @property, @x.setter,
 * functools.cached_property)? */
static int class_property(const eng_mod *m, uint32_t cls, const char *attr)
{
    const eng_code *c = &m->m_codes[cls];
    uint32_t k;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        const char *cal = e->ev_callee;
        size_t n;
        if (e->ev_kind != EV_STORE || !e->ev_path || !e->ev_path->p_name ||
            strcmp(e->ev_path->p_name, attr) || e->ev_valkind != VAL_CALL || !cal)
            continue;
        n = strlen(cal);
        if (!strcmp(cal, "property") || !strcmp(cal, "functools.cached_property") ||
            !strcmp(cal, "cached_property") ||
            (n > 7 && (!strcmp(cal + n - 7, ".setter") || !strcmp(cal + n - 7, ".getter"))) ||
            (n > 8 && !strcmp(cal + n - 8, ".deleter")))
            return 1;
    }
    return 0;
}

/***** the lists *****/

typedef struct acc {
    eng_pycode *a_py;          /* Python code found */
    uint32_t a_npy, a_cappy;
    const char **a_cav;        /* caveats */
    uint32_t a_ncav, a_capcav;
    arena *a_arena;
    int a_oom;
} acc;

static const char *fmt(acc *a, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static const char *fmt(acc *a, const char *f, ...)
{
    char buf[400];
    va_list ap;
    size_t n;
    char *p;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    n = strlen(buf) + 1;
    if (!(p = arena_alloc(a->a_arena, n))) {
        a->a_oom = 1;
        return NULL;
    }
    memcpy(p, buf, n);
    return p;
}

static void add_py(acc *a, uint32_t off, const char *why)
{
    uint32_t i;
    if (!why)
        return;
    for (i = 0; i < a->a_npy; i++)
        if (a->a_py[i].pc_offset == off && !strcmp(a->a_py[i].pc_why, why))
            return;
    if (a->a_npy == a->a_cappy) {
        uint32_t cap = a->a_cappy ? 2 * a->a_cappy : 8;
        eng_pycode *g = arena_array(a->a_arena, cap, sizeof *g);
        if (!g) {
            a->a_oom = 1;
            return;
        }
        if (a->a_npy)
            memcpy(g, a->a_py, a->a_npy * sizeof *g);
        a->a_py = g;
        a->a_cappy = cap;
    }
    a->a_py[a->a_npy].pc_offset = off;
    a->a_py[a->a_npy++].pc_why = why;
}

static void add_cav(acc *a, const char *why)
{
    uint32_t i;
    if (!why)
        return;
    for (i = 0; i < a->a_ncav; i++)
        if (!strcmp(a->a_cav[i], why))
            return;
    if (a->a_ncav == a->a_capcav) {
        uint32_t cap = a->a_capcav ? 2 * a->a_capcav : 4;
        const char **g = arena_array(a->a_arena, cap, sizeof *g);
        if (!g) {
            a->a_oom = 1;
            return;
        }
        if (a->a_ncav)
            memcpy(g, a->a_cav, a->a_ncav * sizeof *g);
        a->a_cav = g;
        a->a_capcav = cap;
    }
    a->a_cav[a->a_ncav++] = why;
}

/* A key that is a str / int / float / tuple constant runs no Python __hash__ / __eq__. */
static int builtin_key(const eng_mod *m, uint32_t ci, const ir_path *k)
{
    ptype t;
    if (!k)
        return 0;
    if (k->p_kind == PATH_CONST)
        return 1;
    t = type_of(m, ci, k);
    return t.ty_kind == TY_BUILTIN;
}

/* Is the path a module, a class or a function of the module (not an object with state)? */
static int is_namespace(const eng_mod *m, const ir_path *p)
{
    int32_t b;
    if (!p || p->p_kind != PATH_GLOBAL || (b = bind_of(m, p->p_name)) < 0)
        return 0;
    return m->m_bind_kind[b] == VAL_IMPORT || m->m_bind_kind[b] == VAL_CLASS ||
           m->m_bind_kind[b] == VAL_FUNC;
}

static void attr_code(acc *a, const eng_mod *m, uint32_t ci, const ir_event *e, uint32_t off)
{
    const ir_path *p = e->ev_path, *owner = p->p_base;
    ptype t;
    if (is_namespace(m, owner))
        return;
    t = type_of(m, ci, owner);
    if (t.ty_kind == TY_CLASS) {
        if (class_property(m, t.ty_class, p->p_name))
            add_py(a, off, fmt(a, "%s is a property of class %s: its %s runs Python code",
                               ir_path_display(p), t.ty_name,
                               e->ev_kind == EV_LOAD ? "getter" : e->ev_kind == EV_STORE
                                                                  ? "setter" : "deleter"));
        if (e->ev_kind == EV_STORE && class_method(m, t.ty_class, "__setattr__") != NO_CODE)
            add_py(a, off, fmt(a, "class %s defines __setattr__: storing %s runs Python code",
                               t.ty_name, ir_path_display(p)));
        if (e->ev_kind == EV_LOAD && class_method(m, t.ty_class, "__getattribute__") != NO_CODE)
            add_py(a, off, fmt(a, "class %s defines __getattribute__: reading %s runs Python "
                               "code", t.ty_name, ir_path_display(p)));
    } else if (t.ty_kind == TY_UNKNOWN && owner) {
        add_cav(a, fmt(a, "the type of %s is not known here: if its class makes %s a property "
                       "or defines __setattr__ / __getattr__ in Python, that code runs inside "
                       "the window and a GIL build of any version can switch there",
                       ir_path_display(owner), p->p_name));
    }
}

static void item_code(acc *a, const eng_mod *m, uint32_t ci, const ir_event *e, uint32_t off)
{
    const ir_path *p = e->ev_path, *cont = p->p_base, *key = p->p_key;
    ptype t = type_of(m, ci, cont), k = type_of(m, ci, key);
    if (t.ty_kind == TY_CLASS) {
        static const char *const hooks[] = { "__getitem__", "__missing__", "__setitem__",
                                             "__delitem__" };
        int h, lo = e->ev_kind == EV_LOAD ? 0 : e->ev_kind == EV_STORE ? 2 : 3;
        int hi = e->ev_kind == EV_LOAD ? 1 : lo;
        for (h = lo; h <= hi; h++)
            if (class_method(m, t.ty_class, hooks[h]) != NO_CODE)
                add_py(a, off, fmt(a, "%s is a %s: its %s runs Python code", ir_path_display(cont),
                                   t.ty_name, hooks[h]));
    } else if (t.ty_kind == TY_BUILTIN && !strcmp(t.ty_name, "collections.Counter") &&
               e->ev_kind == EV_LOAD) {
        add_py(a, off, fmt(a, "%s is a collections.Counter: Counter.__missing__ (Python code) "
                           "runs when the key is missing", ir_path_display(cont)));
    } else if (t.ty_kind == TY_BUILTIN && !strcmp(t.ty_name, "collections.defaultdict") &&
               e->ev_kind == EV_LOAD) {
        add_cav(a, fmt(a, "%s is a collections.defaultdict: when the key is missing its factory "
                       "runs, Python code if the factory is a Python function or class",
                       ir_path_display(cont)));
    } else if (t.ty_kind == TY_UNKNOWN && cont && !is_namespace(m, cont)) {
        add_cav(a, fmt(a, "the type of %s is not known here: a dict subclass with __missing__, "
                       "or __getitem__ / __setitem__ written in Python, would run inside the "
                       "window", ir_path_display(cont)));
    }
    if (k.ty_kind == TY_CLASS) {
        if (class_method(m, k.ty_class, "__hash__") != NO_CODE)
            add_py(a, off, fmt(a, "the key %s is a %s: its __hash__ runs Python code",
                               ir_path_display(key), k.ty_name));
        else if (class_method(m, k.ty_class, "__eq__") != NO_CODE)
            add_py(a, off, fmt(a, "the key %s is a %s: its __eq__ runs Python code on a hash "
                               "match", ir_path_display(key), k.ty_name));
    } else if (!builtin_key(m, ci, key) && !(t.ty_kind == TY_BUILTIN &&
                                             (!strcmp(t.ty_name, "list") ||
                                              !strcmp(t.ty_name, "tuple") ||
                                              !strcmp(t.ty_name, "collections.deque")))) {
        add_cav(a, fmt(a, "the type of the key %s is not known here: a __hash__ or __eq__ "
                       "written in Python would run inside the window (str, int and float "
                       "keys run none)", key ? ir_path_display(key) : "?"));
    }
}

/* Is call event e a call of a plain function name (`f(...)`), not a method (`obj.f(...)`, where
 * the event's path is obj)? */
static int plain_call(const ir_event *e)
{
    return !e->ev_path || (e->ev_name && e->ev_path->p_kind != PATH_ATTR &&
                           e->ev_path->p_kind != PATH_ITEM && e->ev_path->p_name &&
                           !strcmp(e->ev_path->p_name, e->ev_name));
}

/* A call inside the window: what runs. */
static void call_code(acc *a, const eng_mod *m, uint32_t ci, const ir_event *e, uint32_t off)
{
    const char *name = e->ev_name ? e->ev_name : "?";
    ptype t;
    int32_t b;
    if (!strcmp(name, "next") && e->ev_nargs >= 1 && e->ev_args[0].ar_path && plain_call(e)) {
        const ir_path *it = e->ev_args[0].ar_path;
        t = type_of(m, ci, it);
        if (t.ty_kind == TY_GENERATOR)
            add_py(a, off, fmt(a, "next(%s) resumes the generator %s(): its code runs here",
                               ir_path_display(it), t.ty_name));
        else if (t.ty_kind != TY_CITER)
            add_py(a, off, fmt(a, "next(%s): the type of %s is not known here; a generator or a "
                               "__next__ written in Python runs code", ir_path_display(it),
                               ir_path_display(it)));
        return;
    }
    if (!plain_call(e)) {                                      /* obj.method(...) */
        const ir_path *obj = e->ev_path;
        if (is_namespace(m, obj))
            goto function;
        t = type_of(m, ci, obj);
        if (t.ty_kind == TY_BUILTIN || t.ty_kind == TY_CITER)
            return;
        if (t.ty_kind == TY_CLASS && class_method(m, t.ty_class, name) != NO_CODE)
            add_py(a, off, fmt(a, "call of %s.%s(): a method of class %s, Python code",
                               ir_path_display(obj), name, t.ty_name));
        else if (t.ty_kind == TY_UNKNOWN && !kb_has(m->m_kb->k_mutators, m->m_kb->k_nmutators,
                                                    name) &&
                 !kb_has(m->m_kb->k_ir.k_reader_methods, m->m_kb->k_ir.k_nreader_methods, name))
            add_py(a, off, fmt(a, "call of %s.%s(): may run Python code", ir_path_display(obj),
                               name));
        return;
    }
function:
    if (in_list(name, c_functions, sizeof c_functions / sizeof *c_functions) &&
        bind_of(m, name) < 0)
        return;
    b = bind_of(m, e->ev_path ? e->ev_path->p_name : name);
    if (b >= 0 && m->m_bind_kind[b] == VAL_FUNC)
        add_py(a, off, fmt(a, "call of %s(): a function of this module, Python code", name));
    else if (b >= 0 && m->m_bind_kind[b] == VAL_CLASS)
        add_py(a, off, fmt(a, "call of %s(): creates an instance, its __init__ is Python code",
                           name));
    else
        add_py(a, off, fmt(a, "call of %s(): may run Python code", name));
}

/* The load event that feeds the iterator of the FOR_ITER at instruction index i, or NULL. */
static const ir_event *iterable_load(const eng_code *c, uint32_t i)
{
    const bc_code *bc = c->c_ir.f_code;
    uint32_t k, g;
    for (g = i; g > 0 && bc->bc_instrs[g].in_sem != SEM_GET_ITER; g--)
        ;
    if (!g || bc->bc_instrs[g].in_sem != SEM_GET_ITER)
        return NULL;
    for (k = 0; k < c->c_ir.f_nevents; k++)
        if (c->c_ir.f_events[k].ev_instr == g - 1 && c->c_ir.f_events[k].ev_kind == EV_LOAD)
            return &c->c_ir.f_events[k];
    return NULL;
}

int pycode_fill(eng_mod *m, uint32_t ci, finding *f, const ir_path *target)
{
    const eng_code *c = &m->m_codes[ci];
    const bc_code *bc = c->c_ir.f_code;
    int32_t lo = bc_index_at(bc, f->f_first), hi = bc_index_at(bc, f->f_last);
    eng_wedge *w = NULL;
    uint32_t nw = 0, k, i;
    uint8_t *inwin;
    acc a;
    ptype tt;
    memset(&a, 0, sizeof a);
    a.a_arena = m->m_arena;
    tt = type_of(m, ci, target);
    f->f_target_type = tt.ty_kind == TY_UNKNOWN ? NULL : tt.ty_name;
    if (lo < 0 || hi < 0 || lo >= hi)
        return G_OK;
    if (eng_window_edges(&w, &nw, bc, f->f_first, f->f_last, m->m_arena) == G_ENOMEM)
        return G_ENOMEM;
    if (!(inwin = arena_alloc(m->m_arena, (size_t)(hi - lo) + 1)))
        return G_ENOMEM;
    memset(inwin, 0, (size_t)(hi - lo) + 1);
    inwin[hi - lo] = 1;
    inwin[0] = 1;
    for (k = 0; k < nw; k++) {
        int32_t x = bc_index_at(bc, w[k].we_from);
        if (x >= lo && x <= hi)
            inwin[x - lo] = 1;
    }
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *e = &c->c_ir.f_events[k];
        uint32_t at = e->ev_instr, off;
        if ((int32_t)at < lo || (int32_t)at > hi || !inwin[at - (uint32_t)lo])
            continue;
        off = bc->bc_instrs[at].in_offset;
        if (e->ev_kind == EV_CALL)          /* the write's own call too: next(it) */
            call_code(&a, m, ci, e, off);
        else if (e->ev_path && e->ev_path->p_kind == PATH_ATTR &&
                 (e->ev_kind == EV_LOAD || e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE))
            attr_code(&a, m, ci, e, off);
        else if (e->ev_path && e->ev_path->p_kind == PATH_ITEM &&
                 (e->ev_kind == EV_LOAD || e->ev_kind == EV_STORE || e->ev_kind == EV_DELETE))
            item_code(&a, m, ci, e, off);
        if (e->ev_kind == EV_STORE && (int32_t)at > lo && (int32_t)at < hi && e->ev_path &&
            e->ev_path != target) {
            ptype r = type_of(m, ci, e->ev_path);
            if (r.ty_kind == TY_CLASS && class_method(m, r.ty_class, "__del__") != NO_CODE)
                add_py(&a, off, fmt(&a, "storing %s replaces a %s, whose __del__ is Python code",
                                    ir_path_display(e->ev_path), r.ty_name));
        }
    }
    for (i = (uint32_t)lo; i <= (uint32_t)hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        if (!inwin[i - (uint32_t)lo])
            continue;
        if (in->in_sem == SEM_YIELD && (int32_t)i < hi)
            add_py(&a, in->in_offset, "yield suspends this generator: other code runs before it "
                   "resumes");
        if (in->in_sem == SEM_FOR_ITER && (int32_t)i < hi) {
            const ir_event *l = iterable_load(c, i);
            ptype t = l ? type_of(m, ci, l->ev_path) : (ptype){ TY_UNKNOWN, NULL, NO_CODE };
            if (t.ty_kind == TY_GENERATOR)
                add_py(&a, in->in_offset, fmt(&a, "the loop steps the generator %s(): its code "
                                              "runs here", t.ty_name));
            else if (t.ty_kind == TY_UNKNOWN)
                add_cav(&a, "the loop's iterator is of a type not known here: a generator or a "
                        "__next__ written in Python would run inside the window");
        }
        if (in->in_sem == SEM_BINARY && in->in_a >= BINOP_INPLACE && in->in_a < BINOP_SUBSCR &&
            tt.ty_kind == TY_UNKNOWN && target && target->p_kind != PATH_ITEM)
            add_cav(&a, fmt(&a, "the type of %s is not known here: for an int, str or tuple the "
                            "augmented assignment makes a new object and stores it (B's update "
                            "is lost); for a list, set or dict it works in place and nothing is "
                            "lost (only another thread's rebinding of %s in between is undone)",
                            ir_path_display(target), ir_path_display(target)));
        if (in->in_sem == SEM_BINARY && in->in_a >= BINOP_INPLACE && in->in_a < BINOP_SUBSCR &&
            tt.ty_kind == TY_CLASS) {
            static const char *const names[] = { "add", "and", "floordiv", "lshift", "matmul",
                                                 "mul", "mod", "or", "pow", "rshift", "sub",
                                                 "truediv", "xor" };
            char meth[32];
            snprintf(meth, sizeof meth, "__i%s__", names[in->in_a - BINOP_INPLACE]);
            if (class_method(m, tt.ty_class, meth) != NO_CODE)
                add_py(&a, in->in_offset, fmt(&a, "%s is a %s: its %s runs Python code",
                                              target ? ir_path_display(target) : "the target",
                                              tt.ty_name, meth));
        }
    }
    if (a.a_oom)
        return G_ENOMEM;
    f->f_pycode = a.a_py;
    f->f_npycode = a.a_npy;
    f->f_caveats = a.a_cav;
    f->f_ncaveats = a.a_ncav;
    /* Python code is a switch point on every version: add its offsets */
    for (i = 0; i < a.a_npy; i++) {
        uint32_t off = a.a_py[i].pc_offset, at, n;
        for (k = 0; k < f->f_nswitch && f->f_switch[k] != off; k++)
            ;
        if (k < f->f_nswitch)
            continue;
        n = f->f_nswitch;
        {
            uint32_t *g = arena_array(m->m_arena, n + 1, sizeof *g);
            if (!g)
                return G_ENOMEM;
            memcpy(g, f->f_switch, n * sizeof *g);
            for (at = n; at > 0 && g[at - 1] > off; at--)
                g[at] = g[at - 1];
            g[at] = off;
            f->f_switch = g;
            f->f_nswitch = n + 1;
        }
    }
    return G_OK;
}

/***** shapes *****/

const ir_event *shape_next_iter(const eng_mod *m, uint32_t ci, const ir_event *call)
{
    const eng_code *c = &m->m_codes[ci];
    const ir_path *it;
    ptype t;
    uint16_t s;
    if (call->ev_kind != EV_CALL || !call->ev_name || strcmp(call->ev_name, "next") ||
        call->ev_nargs < 1 || !(it = call->ev_args[0].ar_path) || !plain_call(call) ||
        bind_of(m, "next") >= 0)
        return NULL;
    if (!mod_may_share(m, c, it))
        return NULL;
    t = type_of(m, ci, it);
    if (t.ty_kind == TY_CITER)
        return NULL;
    for (s = 0; s < call->ev_args[0].ar_srcs.s_n; s++) {
        const ir_event *l = &c->c_ir.f_events[call->ev_args[0].ar_srcs.s_ev[s]];
        if (l->ev_kind == EV_LOAD && l->ev_path == it && l->ev_instr < call->ev_instr)
            return l;
    }
    return NULL;
}

/* Does the handler starting at instruction h (up to instruction s) catch KeyError: a bare
 * `except:`, or a match against KeyError, LookupError, Exception or BaseException? */
/* Is instruction i the load of a name that catches KeyError? */
static int loads_key_error(const bc_code *bc, uint32_t i)
{
    const bc_instr *in = &bc->bc_instrs[i];
    const pyc_obj *n;
    return (in->in_sem == SEM_LOAD_GLOBAL || in->in_sem == SEM_LOAD_NAME) &&
           (n = bc_name(bc, in->in_a)) &&
           (pyc_str_eq(n, "KeyError") || pyc_str_eq(n, "LookupError") ||
            pyc_str_eq(n, "Exception") || pyc_str_eq(n, "BaseException"));
}

static int catches_key_error(const bc_code *bc, uint32_t h, uint32_t s)
{
    uint32_t i, k;
    int matched = 0;
    for (i = h; i < s; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        if (in->in_sem != SEM_EXC_MATCH)
            continue;
        matched = 1;
        if (i > h && loads_key_error(bc, i - 1))
            return 1;
        /* `except (RuntimeError, KeyError):` -- the names, then BUILD_TUPLE */
        if (i > h && in[-1].in_sem == SEM_BUILD && in[-1].in_a <= 8)
            for (k = 1; k <= (uint32_t)in[-1].in_a && i >= h + 1 + k; k++)
                if (loads_key_error(bc, i - 1 - k))
                    return 1;
    }
    return !matched;
}

int shape_key_error_caught(const eng_mod *m, uint32_t ci, const ir_event *act)
{
    const bc_code *bc = m->m_codes[ci].c_ir.f_code;
    int32_t h = bc_handler_index(bc, act->ev_instr);
    uint32_t i, end;
    if (h < 0 || (uint32_t)h <= act->ev_instr)
        return 0;
    /* the first clause's match opens the handler (DUP_TOP or PUSH_EXC_INFO, the name -- or
     * the names and BUILD_TUPLE of `except (A, B):` --, the match); a handler without one -- a
     * bare `except:`, or 3.11's cleanup around an `except` body -- is not taken for a KeyError
     * handler */
    end = (uint32_t)h + 14 < bc->bc_ninstrs ? (uint32_t)h + 14 : bc->bc_ninstrs;
    for (i = (uint32_t)h; i < end; i++) {
        uint8_t sem = bc->bc_instrs[i].in_sem;
        if (sem == SEM_EXC_MATCH)
            return catches_key_error(bc, (uint32_t)h, i + 1);
        if (i >= (uint32_t)h + 3 && sem != SEM_LOAD_GLOBAL && sem != SEM_LOAD_NAME &&
            sem != SEM_BUILD)
            return 0;
    }
    return 0;
}

const ir_event *shape_handler_check(const eng_mod *m, uint32_t ci, const ir_event *act)
{
    const eng_code *c = &m->m_codes[ci];
    const bc_code *bc = c->c_ir.f_code;
    uint32_t k, j;
    if ((act->ev_kind != EV_STORE && act->ev_kind != EV_DELETE) || !act->ev_path ||
        act->ev_path->p_kind != PATH_ITEM)
        return NULL;
    for (k = 0; k < c->c_ir.f_nevents; k++) {
        const ir_event *l = &c->c_ir.f_events[k];
        int32_t h;
        eng_wedge *w;
        uint32_t nw;
        if (l->ev_kind != EV_LOAD || l->ev_path != act->ev_path || l->ev_instr >= act->ev_instr ||
            bc->bc_instrs[l->ev_instr].in_sem != SEM_SUBSCR ||
            (h = bc_handler_index(bc, l->ev_instr)) < 0 || (uint32_t)h > act->ev_instr ||
            !catches_key_error(bc, (uint32_t)h, act->ev_instr))
            continue;
        if (eng_window_edges(&w, &nw, bc, bc->bc_instrs[l->ev_instr].in_offset,
                             bc->bc_instrs[act->ev_instr].in_offset, m->m_arena))
            continue;
        for (j = 0; j < nw; j++)
            if (w[j].we_edge == BC_EDGE_RAISE &&
                w[j].we_from == bc->bc_instrs[l->ev_instr].in_offset)
                return l;
    }
    return NULL;
}

/***** a cache fill that returns what it stored *****/

/* The local whose load pushed the value that store st (STORE_SUBSCR: value, container, key)
 * stores, when the value is that one load; -1 otherwise.  Walks back over the loads of the
 * container and the key. */
static int32_t stored_local(const bc_code *bc, uint32_t st)
{
    int need = 3;
    uint32_t i = st;
    while (i-- > 0 && st - i < 24) {
        const bc_instr *in = &bc->bc_instrs[i];
        switch (in->in_sem) {
        case SEM_NOP:
            continue;
        case SEM_LOAD_FAST:
            if (need == 1)
                return in->in_a;
            need--;
            continue;
        case SEM_LOAD_FAST_PAIR:
            if (need <= 2)
                return need == 2 ? in->in_a : in->in_b;
            need -= 2;
            continue;
        case SEM_LOAD_CONST: case SEM_LOAD_INT: case SEM_LOAD_NAME: case SEM_LOAD_DEREF:
            if (need == 1)
                return -1;
            need--;
            continue;
        case SEM_LOAD_GLOBAL:
            if (need == 1 || (in->in_b & 1))
                return -1;
            need--;
            continue;
        case SEM_LOAD_ATTR:           /* pops the object, pushes the attribute */
            if (need == 1 || in->in_b)
                return -1;
            continue;
        default:
            return -1;
        }
    }
    return -1;
}

/* Does the function return, right after store `act` (`D[k] = v`), the value it stored: `return
 * v` (the local the stored value was loaded from) or `return D[k]` read back -- or read the
 * entry back into a local (`v = D[k]`) to go on with it?  Only loads,
 * no-ops, block and handler ends and forward jumps may come between -- no call, no other store:
 * a getter that fills its cache and hands the value out. */
int shape_returns_stored(const eng_mod *m, uint32_t ci, const ir_event *act)
{
    const eng_code *c = &m->m_codes[ci];
    const bc_code *bc = c->c_ir.f_code;
    uint32_t i = act->ev_instr + 1, steps, last = UINT32_MAX, k;
    int32_t local;
    if (act->ev_kind != EV_STORE || !act->ev_path || act->ev_path->p_kind != PATH_ITEM ||
        bc->bc_instrs[act->ev_instr].in_sem != SEM_STORE_SUBSCR)
        return 0;
    local = stored_local(bc, act->ev_instr);
    for (steps = 0; i < bc->bc_ninstrs && steps < 32; steps++) {
        const bc_instr *in = &bc->bc_instrs[i];
        int32_t t;
        switch (in->in_sem) {
        case SEM_NOP: case SEM_POP_BLOCK:
            i++;
            continue;
        case SEM_OTHER:               /* END_FINALLY, POP_EXCEPT: handler and block ends */
            if (bc_stack_effect(bc, in, 0) > 0)
                return 0;
            i++;
            continue;
        case SEM_SWAP: case SEM_ROT: case SEM_POP:
            /* `return v` inside a loop or a handler: the value goes under the iterator or the
             * exception, which are popped */
            if (last == UINT32_MAX)
                return 0;
            i++;
            continue;
        case SEM_JUMP:
            t = bc_index_at(bc, in->in_target);
            if (t < 0 || (uint32_t)t <= i || last != UINT32_MAX)
                return 0;
            i = (uint32_t)t;
            continue;
        case SEM_LOAD_ATTR:
            if (in->in_b)
                return 0;             /* a method about to be called */
            /* fall through */
        case SEM_LOAD_FAST: case SEM_LOAD_GLOBAL: case SEM_LOAD_NAME: case SEM_LOAD_DEREF:
        case SEM_LOAD_CONST: case SEM_SUBSCR:
            last = i++;
            continue;
        case SEM_STORE_FAST: case SEM_STORE_LOAD_FAST:
            /* `value = D[k]` after the fill: the getter's body written inline -- the function
             * goes on with the entry whoever stored it */
            if (last == UINT32_MAX || bc->bc_instrs[last].in_sem != SEM_SUBSCR)
                return 0;
            /* fall through */
        case SEM_RETURN:
            if (last == UINT32_MAX)
                return 0;
            in = &bc->bc_instrs[last];
            if (in->in_sem == SEM_LOAD_FAST)
                return local >= 0 && in->in_a == local;
            if (in->in_sem != SEM_SUBSCR)
                return 0;
            for (k = 0; k < c->c_ir.f_nevents; k++)
                if (c->c_ir.f_events[k].ev_instr == last)
                    return c->c_ir.f_events[k].ev_kind == EV_LOAD &&
                           c->c_ir.f_events[k].ev_path == act->ev_path;
            return 0;
        default:
            return 0;
        }
    }
    return 0;
}
