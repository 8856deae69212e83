/* Access paths, interned per module so that equal paths are one pointer. */
#include "ir.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

struct ir_paths {
    arena *t_arena;       /* paths and their text live here */
    const ir_path **t_slots;  /* open addressing on p_text; heap, grown by doubling */
    size_t t_cap;         /* slots (a power of two) */
    size_t t_used;        /* filled slots */
};

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211u;
    return h;
}

int ir_paths_new(ir_paths **out, arena *a)
{
    ir_paths *t = arena_alloc(a, sizeof *t);
    *out = NULL;
    if (!t)
        return G_ENOMEM;
    t->t_arena = a;
    t->t_cap = 256;
    t->t_used = 0;
    /* the slot array lives in the arena too: simpler ownership, a little waste on growth */
    t->t_slots = arena_array(a, t->t_cap, sizeof *t->t_slots);
    if (!t->t_slots)
        return G_ENOMEM;
    memset((void *)t->t_slots, 0, t->t_cap * sizeof *t->t_slots);
    *out = t;
    return G_OK;
}

static int grow(ir_paths *t)
{
    size_t cap = t->t_cap * 2, i;
    const ir_path **slots = arena_array(t->t_arena, cap, sizeof *slots);
    if (!slots)
        return G_ENOMEM;
    memset((void *)slots, 0, cap * sizeof *slots);
    for (i = 0; i < t->t_cap; i++) {
        const ir_path *p = t->t_slots[i];
        size_t j;
        if (!p)
            continue;
        for (j = text_hash(p->p_text) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
            ;
        slots[j] = p;
    }
    t->t_slots = slots;
    t->t_cap = cap;
    return G_OK;
}

static char *text_dup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Finds the path with this canonical text, or adds `proto` under it.  NULL on no memory. */
static const ir_path *intern(ir_paths *t, const char *text, const ir_path *proto,
                             const char *display)
{
    size_t j;
    ir_path *p;
    if (t->t_used * 2 >= t->t_cap && grow(t))
        return NULL;
    for (j = text_hash(text) & (t->t_cap - 1); t->t_slots[j]; j = (j + 1) & (t->t_cap - 1))
        if (!strcmp(t->t_slots[j]->p_text, text))
            return t->t_slots[j];
    p = arena_alloc(t->t_arena, sizeof *p);
    if (!p)
        return NULL;
    *p = *proto;
    p->p_text = text_dup(t->t_arena, text);
    p->p_display = text_dup(t->t_arena, display);
    if (!p->p_text || !p->p_display)
        return NULL;
    t->t_slots[j] = p;
    t->t_used++;
    return p;
}

static const char *kind_prefix(int kind)
{
    switch (kind) {
    case PATH_GLOBAL: return "global";
    case PATH_LOCAL: return "local";
    case PATH_DEREF: return "deref";
    case PATH_CONST: return "const";
    case PATH_FRESH: return "fresh";
    default: return "path";
    }
}

const ir_path *ir_path_name(ir_paths *t, int kind, const char *name, size_t len, uint32_t version)
{
    char text[600], display[600], *nm;
    ir_path proto;
    if (len > 500)
        len = 500;
    memset(&proto, 0, sizeof proto);
    proto.p_kind = (uint8_t)kind;
    proto.p_version = version;
    if (kind == PATH_LOCAL || kind == PATH_FRESH)
        snprintf(text, sizeof text, "%s:%.*s#%u", kind_prefix(kind), (int)len, name, version);
    else
        snprintf(text, sizeof text, "%s:%.*s", kind_prefix(kind), (int)len, name);
    if (kind == PATH_FRESH && name[0] != '.')
        snprintf(display, sizeof display, "<new %.*s>", (int)len, name);
    else
        snprintf(display, sizeof display, "%.*s", (int)len, name);
    nm = arena_alloc(t->t_arena, len + 1);
    if (!nm)
        return NULL;
    memcpy(nm, name, len);
    nm[len] = 0;
    proto.p_name = nm;
    return intern(t, text, &proto, display);
}

const ir_path *ir_path_attr(ir_paths *t, const ir_path *base, const char *name, size_t len)
{
    char *text, *display, *nm;
    size_t tn = strlen(base->p_text) + len + 16, dn = strlen(base->p_display) + len + 4;
    ir_path proto;
    const ir_path *p;
    text = mem_alloc(tn);
    display = mem_alloc(dn);
    nm = arena_alloc(t->t_arena, len + 1);
    if (!text || !display || !nm) {
        mem_free(text);
        mem_free(display);
        return NULL;
    }
    memcpy(nm, name, len);
    nm[len] = 0;
    snprintf(text, tn, "attr(%s,%s)", base->p_text, nm);
    snprintf(display, dn, "%s.%s", base->p_display, nm);
    memset(&proto, 0, sizeof proto);
    proto.p_kind = PATH_ATTR;
    proto.p_name = nm;
    proto.p_base = base;
    p = intern(t, text, &proto, display);
    mem_free(text);
    mem_free(display);
    return p;
}

const ir_path *ir_path_item(ir_paths *t, const ir_path *base, const ir_path *key)
{
    const char *ktext = key ? key->p_text : "?", *kdisp = key ? key->p_display : "...";
    size_t tn = strlen(base->p_text) + strlen(ktext) + 16;
    size_t dn = strlen(base->p_display) + strlen(kdisp) + 4;
    char *text = mem_alloc(tn), *display = mem_alloc(dn);
    ir_path proto;
    const ir_path *p;
    if (!text || !display) {
        mem_free(text);
        mem_free(display);
        return NULL;
    }
    snprintf(text, tn, "item(%s,%s)", base->p_text, ktext);
    snprintf(display, dn, "%s[%s]", base->p_display, kdisp);
    memset(&proto, 0, sizeof proto);
    proto.p_kind = PATH_ITEM;
    proto.p_name = "";
    proto.p_base = base;
    proto.p_key = key;
    p = intern(t, text, &proto, display);
    mem_free(text);
    mem_free(display);
    return p;
}

const ir_path *ir_path_root(const ir_path *p)
{
    while (p && p->p_base)
        p = p->p_base;
    return p;
}

int ir_path_within(const ir_path *p, const ir_path *inner)
{
    for (; p; p = p->p_base)
        if (p == inner)
            return 1;
    return 0;
}
