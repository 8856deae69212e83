/* Which receivers are built-in containers: what one module's own stores say about its globals,
 * attributes and closure cells (a display, or a constructor of the knowledge base's
 * `constructors`), so that `D.pop(k)` is a container operation on a dict and `h.update(b)` on a
 * hashlib object is not.  What a module cannot know (a parameter, an imported name) is left to
 * the whole-run composition, which follows values across calls (race_value.c). */
#include "sum_int.h"
#include "eng_int.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"

int mod_is_container_ctor(const eng_mod *m, const char *dotted)
{
    const char *r;
    if (!dotted)
        return 0;
    r = mod_resolve(m, dotted);
    return kb_has(m->m_kb->k_containers, m->m_kb->k_ncontainers, r ? r : dotted);
}

/* TY_CONT with TY_SEQ (a list-like one) or TY_RAISE when `name` makes a built-in container,
 * else 0. */
static int ctor_kind(const eng_mod *m, const char *name)
{
    const char *r = mod_resolve(m, name);
    if (!r)
        r = name;
    if (!kb_has(m->m_kb->k_containers, m->m_kb->k_ncontainers, r))
        return 0;
    return kb_has(m->m_kb->k_sequences, m->m_kb->k_nsequences, r) ? TY_CONT | TY_SEQ
                                                                    : TY_CONT | TY_RAISE;
}

int mod_value_kind(const eng_mod *m, const ir_event *e)
{
    int k;
    switch (e->ev_valkind) {
    case VAL_FRESH:
        /* a list, dict or set display (its fresh path is named after the type); a tuple is none */
        if (e->ev_valpath && e->ev_valpath->p_kind == PATH_FRESH && e->ev_valpath->p_name &&
            (k = ctor_kind(m, e->ev_valpath->p_name)))
            return k;
        return TY_OTHER;
    case VAL_CALL:
        return e->ev_callee && (k = ctor_kind(m, e->ev_callee)) ? k : TY_OTHER;
    case VAL_CONST:
        return 0;       /* `self._cache = None` until it is made: says nothing */
    case VAL_FUNC: case VAL_CLASS:
        return TY_OTHER;
    default:
        return TY_UNKNOWN;
    }
}

/* The key a store's target is known by: "g:NAME" (a global), "a:NAME" (an attribute of any
 * object, a class body's name), "c:NAME" (a cell), or NULL. */
static const char *type_key(char *buf, size_t size, const eng_code *c, const ir_path *p)
{
    char kind;
    if (!p || !p->p_name)
        return NULL;
    switch (p->p_kind) {
    case PATH_GLOBAL: kind = c->c_is_class_body ? 'a' : 'g'; break;
    case PATH_ATTR: kind = 'a'; break;
    case PATH_DEREF: kind = 'c'; break;
    default: return NULL;
    }
    snprintf(buf, size, "%c:%s", kind, p->p_name);
    return buf;
}

int mod_types_build(eng_mod *m)
{
    uint32_t i, k;
    char buf[300];
    for (i = 0; i < m->m_ncodes; i++)
        for (k = 0; k < m->m_codes[i].c_ir.f_nevents; k++) {
            const ir_event *e = &m->m_codes[i].c_ir.f_events[k];
            const char *key;
            int kind;
            if (e->ev_kind != EV_STORE ||
                !(key = type_key(buf, sizeof buf, &m->m_codes[i], e->ev_path)))
                continue;
            kind = mod_value_kind(m, e);
            if (set_or(&m->m_types, m->m_arena, key, kind))
                return G_ENOMEM;
        }
    return G_OK;
}

/* RECV_CONT when some store made it a container, RECV_NOT when every store that says anything
 * made it something else, RECV_MAYBE when nothing here says (or a store of unknown type). */
static int judge(const eng_mod *m, const char *key)
{
    int32_t seen = 0;
    if (!set_has(&m->m_types, key, &seen))
        return RECV_MAYBE;
    if (seen & TY_CONT)
        return RECV_CONT;
    if (seen & TY_UNKNOWN || !seen)
        return RECV_MAYBE;
    return RECV_NOT;
}

int mod_recv_type(const eng_mod *m, const eng_code *c, const ir_path *recv)
{
    char buf[300];
    const char *key;
    int32_t b;
    if (!recv)
        return RECV_NOT;
    switch (recv->p_kind) {
    case PATH_LOCAL:
        if (mod_param_index(c, recv) == 0 && c->c_class != NO_CODE)
            return mod_self_is_container(m, c) ? RECV_CONT : RECV_NOT;
        return RECV_MAYBE;       /* a parameter: what the callers pass */
    case PATH_GLOBAL:
        b = mod_binding(m, recv->p_name);
        if (b >= 0 && m->m_bind_kind[b] == VAL_IMPORT)
            return RECV_MAYBE;   /* `from state import cache`: that module says */
        break;
    case PATH_ATTR:
        /* `state.cache` on an imported module: that module says */
        if (recv->p_base && recv->p_base->p_kind == PATH_GLOBAL &&
            (b = mod_binding(m, recv->p_base->p_name)) >= 0 && m->m_bind_kind[b] == VAL_IMPORT)
            return RECV_MAYBE;
        break;
    case PATH_DEREF:
        break;
    default:
        return RECV_MAYBE;       /* an item (`D[k].append`), a call's result */
    }
    key = type_key(buf, sizeof buf, c, recv);
    if (key && recv->p_kind == PATH_GLOBAL && c->c_is_class_body)
        key = NULL;
    if (!key)
        return RECV_MAYBE;
    if (recv->p_kind == PATH_GLOBAL)
        buf[0] = 'g';
    return judge(m, key);
}

int mod_container_call(const eng_mod *m, const eng_code *c, const ir_event *e)
{
    const eng_kb *kb = m->m_kb;
    if (e->ev_kind != EV_CALL || !e->ev_path || !e->ev_method || !e->ev_name ||
        !kb_has(kb->k_mutators, kb->k_nmutators, e->ev_name))
        return RECV_NOT;
    return mod_recv_type(m, c, e->ev_path);
}

int mod_recv_seq(const eng_mod *m, const eng_code *c, const ir_path *recv)
{
    char buf[300];
    const char *key = type_key(buf, sizeof buf, c, recv);
    int32_t seen = 0;
    if (!key || !recv || recv->p_kind == PATH_LOCAL)
        return 0;
    if (recv->p_kind == PATH_GLOBAL)
        buf[0] = 'g';
    /* every container stored to it was list-like */
    return set_has(&m->m_types, key, &seen) && (seen & TY_SEQ) && !(seen & TY_RAISE);
}
