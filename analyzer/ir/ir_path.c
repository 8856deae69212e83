/* Access paths, interned per module so that equal paths are one pointer.
 *
 * Lookups hash the path's structure (kind, name, version, base and key pointers), never its
 * text: the canonical and display texts are built once, when a path is first seen. */
#include "ir.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

struct ir_paths {
    arena *t_arena;           /* paths and their text live here */
    const ir_path **t_slots;  /* open addressing; arena, replaced on growth */
    size_t t_cap;             /* slots (a power of two) */
    size_t t_used;            /* filled slots */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 1099511628211u;
}

static uint64_t bytes_hash(uint64_t h, const char *s, size_t n)
{
    while (n--)
        h = mix(h, (uint8_t)*s++);
    return h;
}

static uint64_t path_hash(int kind, const char *name, size_t len, uint32_t version,
                          const ir_path *base, const ir_path *key)
{
    uint64_t h = mix(1469598103934665603u, (uint64_t)kind);
    h = bytes_hash(h, name, len);
    h = mix(h, version);
    h = mix(h, (uint64_t)(uintptr_t)base);
    return mix(h, (uint64_t)(uintptr_t)key);
}

static int same(const ir_path *p, int kind, const char *name, size_t len, uint32_t version,
                const ir_path *base, const ir_path *key)
{
    return p->p_kind == kind && p->p_version == version && p->p_base == base && p->p_key == key &&
           strlen(p->p_name) == len && !memcmp(p->p_name, name, len);
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
        for (j = p->p_hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
            ;
        slots[j] = p;
    }
    t->t_slots = slots;
    t->t_cap = cap;
    return G_OK;
}

static char *text_dup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
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

/* Appends the NUL-terminated strings of `parts` (up to a NULL) to buf; returns the length.  The
 * caller sized buf for all of them.  Paths are printed often enough that snprintf showed. */
static size_t concat(char *buf, const char *const *parts)
{
    size_t n = 0, k;
    for (; *parts; parts++) {
        k = strlen(*parts);
        memcpy(buf + n, *parts, k);
        n += k;
    }
    buf[n] = 0;
    return n;
}

/* Builds the texts of a path (most paths are never printed, so this runs on first use). */
static int texts(arena *a, ir_path *p)
{
    char small[600], ver[16];
    const char *b = p->p_base ? ir_path_text(p->p_base) : "";
    const char *bd = p->p_base ? ir_path_display(p->p_base) : "";
    const char *k = p->p_key ? ir_path_text(p->p_key) : "?";
    /* a key computed here (`D[(a, b)]` through a local) is not the display it was built from:
     * `...`, as for a key not known at all; a slice's bounds and a known text stay */
    const char *kd = !p->p_key ? "..."
                     : p->p_key->p_kind == PATH_FRESH && p->p_key->p_name[0] != '.' &&
                       strncmp(p->p_key->p_name, "s:", 2) ? "..."
                     : ir_path_display(p->p_key);
    size_t need = strlen(b) + strlen(bd) + strlen(k) + strlen(kd) + strlen(p->p_name) * 2 + 64;
    char *buf = need <= sizeof small ? small : mem_alloc(need);
    size_t n;
    if (!buf)
        return G_ENOMEM;
    switch (p->p_kind) {
    case PATH_ATTR:
        n = concat(buf, (const char *[]){ "attr(", b, ",", p->p_name, ")", NULL });
        break;
    case PATH_ITEM: n = concat(buf, (const char *[]){ "item(", b, ",", k, ")", NULL }); break;
    case PATH_LOCAL: case PATH_FRESH:
        snprintf(ver, sizeof ver, "%u", p->p_version);
        n = concat(buf, (const char *[]){ kind_prefix(p->p_kind), ":", p->p_name, "#", ver, NULL });
        break;
    default:
        n = concat(buf, (const char *[]){ kind_prefix(p->p_kind), ":", p->p_name, NULL });
        break;
    }
    p->p_text_ = text_dup(a, buf, n);
    switch (p->p_kind) {
    case PATH_ATTR: n = concat(buf, (const char *[]){ bd, ".", p->p_name, NULL }); break;
    case PATH_ITEM: n = concat(buf, (const char *[]){ bd, "[", kd, "]", NULL }); break;
    case PATH_FRESH:
        /* as source text: a slice's bounds, a display, `...` for a value not known here */
        n = p->p_name[0] == '.' ? concat(buf, (const char *[]){ p->p_name, NULL })
            : !strncmp(p->p_name, "s:", 2) ? concat(buf, (const char *[]){ p->p_name + 2, NULL })
            : !strcmp(p->p_name, "dict") ? concat(buf, (const char *[]){ "{}", NULL })
            : !strcmp(p->p_name, "list") ? concat(buf, (const char *[]){ "[]", NULL })
            : !strcmp(p->p_name, "set") ? concat(buf, (const char *[]){ "set()", NULL })
            : !strcmp(p->p_name, "tuple") ? concat(buf, (const char *[]){ "()", NULL })
            : concat(buf, (const char *[]){ "...", NULL });
        break;
    case PATH_CONST:   /* the thread's own key (ir_interp.c) as the call that makes it */
        n = concat(buf, (const char *[]){ strcmp(p->p_name, "@thread") ? p->p_name
                                          : "threading.get_ident()", NULL });
        break;
    default: n = concat(buf, (const char *[]){ p->p_name, NULL }); break;
    }
    p->p_display_ = text_dup(a, buf, n);
    if (buf != small)
        mem_free(buf);
    return p->p_text_ && p->p_display_ ? G_OK : G_ENOMEM;
}

const char *ir_path_text(const ir_path *p)
{
    ir_path *w = (ir_path *)p;  /* the texts are a cache: filling it does not change the path */
    if (!p->p_text_ && texts(p->p_table->t_arena, w))
        return "?";
    return p->p_text_;
}

const char *ir_path_display(const ir_path *p)
{
    ir_path *w = (ir_path *)p;
    if (!p->p_display_ && texts(p->p_table->t_arena, w))
        return "?";
    return p->p_display_;
}

static const ir_path *intern(ir_paths *t, int kind, const char *name, size_t len, uint32_t version,
                             const ir_path *base, const ir_path *key)
{
    uint64_t h = path_hash(kind, name, len, version, base, key);
    size_t j;
    ir_path *p;
    if (t->t_used * 2 >= t->t_cap && grow(t))
        return NULL;
    for (j = h & (t->t_cap - 1); t->t_slots[j]; j = (j + 1) & (t->t_cap - 1))
        if (t->t_slots[j]->p_hash == h && same(t->t_slots[j], kind, name, len, version, base, key))
            return t->t_slots[j];
    p = arena_alloc(t->t_arena, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    p->p_kind = (uint8_t)kind;
    p->p_version = version;
    p->p_base = base;
    p->p_key = key;
    p->p_hash = h;
    p->p_user = -2;
    p->p_table = t;
    p->p_name = text_dup(t->t_arena, name, len);
    if (!p->p_name)
        return NULL;
    t->t_slots[j] = p;
    t->t_used++;
    return p;
}

const ir_path *ir_path_name(ir_paths *t, int kind, const char *name, size_t len, uint32_t version)
{
    if (len > 500)
        len = 500;
    return intern(t, kind, name, len, version, NULL, NULL);
}

const ir_path *ir_path_attr(ir_paths *t, const ir_path *base, const char *name, size_t len)
{
    if (len > 500)
        len = 500;
    return intern(t, PATH_ATTR, name, len, 0, base, NULL);
}

const ir_path *ir_path_item(ir_paths *t, const ir_path *base, const ir_path *key)
{
    return intern(t, PATH_ITEM, "", 0, 0, base, key);
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
