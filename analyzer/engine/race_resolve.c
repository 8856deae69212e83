/* Names across the run: modules by dotted name, what a module-level name is bound to (following
 * imports from module to module), classes with their bases and methods, and interned text. */
#include "race_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"

#include <xxhash.h>

#define MAX_DEPTH 12

/***** interned text *****/

#define TEXT_BLOCK (16 * 1024)  /* texts are packed into blocks this big, without padding */

static int islots_grow(rc_run *r)
{
    uint32_t cap = r->r_nislots ? r->r_nislots * 2 : 1u << 12, i, j;
    uint32_t *slots = mem_alloc((size_t)cap * sizeof *slots);
    if (!slots)
        return G_ENOMEM;
    memset(slots, 0, (size_t)cap * sizeof *slots);
    for (i = 0; i < r->r_ntexts; i++) {
        const char *t = r->r_texts[i];
        for (j = (uint32_t)XXH3_64bits(t, strlen(t)) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
            ;
        slots[j] = i + 1;
    }
    mem_free(r->r_islots);
    r->r_islots = slots;
    r->r_nislots = cap;
    return G_OK;
}

/* A copy of s[0..n) and its NUL, packed after the previous text. */
static const char *text_copy(rc_run *r, const char *s, size_t n)
{
    char *p;
    if ((size_t)(r->r_tend - r->r_tnext) < n + 1) {
        size_t size = n + 1 > TEXT_BLOCK / 4 ? n + 1 : TEXT_BLOCK;
        if (!(p = arena_alloc(r->r_a, size)))
            return NULL;
        if (size != TEXT_BLOCK) {
            memcpy(p, s, n + 1);
            return p;
        }
        r->r_tnext = p;
        r->r_tend = p + size;
    }
    p = r->r_tnext;
    memcpy(p, s, n + 1);
    r->r_tnext += n + 1;
    return p;
}

uint32_t rc_intern(rc_run *r, const char *s)
{
    uint32_t j, mask;
    size_t n = strlen(s);
    const char *copy;
    if ((r->r_ntexts + 1) * 2 > r->r_nislots && islots_grow(r)) {
        r->r_oom = 1;
        return 0;
    }
    mask = r->r_nislots - 1;
    for (j = (uint32_t)XXH3_64bits(s, n) & mask; r->r_islots[j]; j = (j + 1) & mask)
        if (!strcmp(r->r_texts[r->r_islots[j] - 1], s))
            return r->r_islots[j] - 1;
    if (r->r_ntexts == r->r_captexts) {
        uint32_t cap = r->r_captexts ? r->r_captexts * 2 : 1024;
        const char **grown = mem_realloc((void *)r->r_texts, (size_t)cap * sizeof *grown);
        if (!grown) {
            r->r_oom = 1;
            return 0;
        }
        r->r_texts = grown;
        r->r_captexts = cap;
    }
    if (!(copy = text_copy(r, s, n))) {
        r->r_oom = 1;
        return 0;
    }
    r->r_texts[r->r_ntexts] = copy;
    r->r_islots[j] = r->r_ntexts + 1;
    return r->r_ntexts++;
}

const char *rc_text(const rc_run *r, uint32_t id)
{
    return id < r->r_ntexts ? r->r_texts[id] : "?";
}

uint32_t rc_func_id(const rc_run *r, uint32_t mod, uint32_t code)
{
    return r->r_fbase[mod] + code;
}

/***** loading *****/

static const char *join(rc_run *r, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = arena_alloc(r->r_a, na + nb + 2);
    if (!p) {
        r->r_oom = 1;
        return a;
    }
    memcpy(p, a, na);
    p[na] = '.';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

static int families(rc_run *r);
static void construction_sites(rc_run *r);

/* A module's bindings and a class's methods by name: open addressing over slices of one pool
 * of 32-bit slots (an index + 1, 0 free), each slice a power of two at most two thirds full;
 * the first of a name is the one kept (a later binding of it is not looked up). */

/* The slots for n names. */
static uint32_t table_cap(uint32_t n)
{
    uint32_t cap = 1;
    if (!n)
        return 0;
    while (cap < n + n / 2 + 1)
        cap *= 2;
    return cap;
}

static uint32_t name_hash(const char *name)
{
    return (uint32_t)XXH3_64bits(name, strlen(name));
}

/* Adds index idx named `name` to the slots t[0..cap) unless the name is there; names(ctx, i)
 * gives the name of index i. */
static void table_add(uint32_t *t, uint32_t cap, const char *name, uint32_t idx,
                      const char *(*names)(const rc_run *, const void *, uint32_t),
                      const rc_run *r, const void *ctx)
{
    uint32_t j;
    for (j = name_hash(name) & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
        if (!strcmp(names(r, ctx, t[j] - 1), name))
            return;
    t[j] = idx + 1;
}

static uint32_t table_find(const uint32_t *t, uint32_t cap, const char *name,
                           const char *(*names)(const rc_run *, const void *, uint32_t),
                           const rc_run *r, const void *ctx)
{
    uint32_t j;
    if (!cap || !name)
        return RC_NONE;
    for (j = name_hash(name) & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
        if (!strcmp(names(r, ctx, t[j] - 1), name))
            return t[j] - 1;
    return RC_NONE;
}

static const char *bind_name(const rc_run *r, const void *s, uint32_t i)
{
    return rv_s(r, ((const rv_sum *)s)->s_binds[i].b_name);
}

static const char *func_name(const rc_run *r, const void *s, uint32_t i)
{
    return rv_s(r, ((const rv_sum *)s)->s_funcs[i].u_name);
}

/* Every module's binding table and every class's method table.  G_OK or G_ENOMEM. */
static int index_names(rc_run *r)
{
    uint32_t i, k, total = 0, at;
    uint32_t *nmeth = mem_alloc(((size_t)r->r_nclasses + 1) * sizeof *nmeth);
    if (!nmeth)
        return G_ENOMEM;
    memset(nmeth, 0, ((size_t)r->r_nclasses + 1) * sizeof *nmeth);
    for (i = 0; i < r->r_nsums; i++) {
        const rv_sum *s = r->r_sums[i];
        total += table_cap(s->s_nbinds);
        for (k = 0; k < s->s_nfuncs; k++)
            if (s->s_funcs[k].u_class != SUM_NONE && s->s_funcs[k].u_class < s->s_nclasses)
                nmeth[r->r_class_id[i][s->s_funcs[k].u_class]]++;
    }
    for (i = 0; i < r->r_nclasses; i++)
        total += table_cap(nmeth[i]);
    if (!(r->r_names = arena_array(r->r_a, (size_t)total + 1, sizeof *r->r_names))) {
        mem_free(nmeth);
        return G_ENOMEM;
    }
    memset(r->r_names, 0, ((size_t)total + 1) * sizeof *r->r_names);
    at = 0;
    for (i = 0; i < r->r_nclasses; i++) {
        r->r_classes[i].k_methods = at;
        r->r_classes[i].k_mcap = table_cap(nmeth[i]);
        at += r->r_classes[i].k_mcap;
    }
    for (i = 0; i < r->r_nsums; i++) {
        const rv_sum *s = r->r_sums[i];
        r->r_bind_base[i] = at;
        r->r_bind_cap[i] = table_cap(s->s_nbinds);
        for (k = 0; k < s->s_nbinds; k++)
            table_add(r->r_names + at, r->r_bind_cap[i], rv_s(r, s->s_binds[k].b_name), k,
                      bind_name, r, s);
        at += r->r_bind_cap[i];
        for (k = 0; k < s->s_nfuncs; k++) {
            const rc_class *cl;
            if (s->s_funcs[k].u_class == SUM_NONE || s->s_funcs[k].u_class >= s->s_nclasses)
                continue;
            cl = &r->r_classes[r->r_class_id[i][s->s_funcs[k].u_class]];
            table_add(r->r_names + cl->k_methods, cl->k_mcap, rv_s(r, s->s_funcs[k].u_name), k,
                      func_name, r, s);
        }
    }
    mem_free(nmeth);
    return G_OK;
}

int rc_bind(const rc_run *r, uint32_t mod, const char *name, int32_t *out)
{
    uint32_t k = table_find(r->r_names + r->r_bind_base[mod], r->r_bind_cap[mod], name,
                            bind_name, r, r->r_sums[mod]);
    if (k == RC_NONE)
        return 0;
    if (out)
        *out = (int32_t)k;
    return 1;
}

/* The code of class c's own method `name`, or RC_NONE. */
static uint32_t own_method(const rc_run *r, const rc_class *c, const char *name)
{
    return table_find(r->r_names + c->k_methods, c->k_mcap, name, func_name, r,
                      r->r_sums[c->k_mod]);
}

/* Another file of the run already has summary s's module name: s gets a name of its own,
 * "name~2" (then ~3, ...), so that its globals and classes are not the other file's -- two
 * scripts called worker.py in two directories share nothing -- while imports of the name
 * still find the first.  G_OK or G_ENOMEM. */
static int rename_module(rc_run *r, rv_sum *s)
{
    char buf[600];
    unsigned k;
    for (k = 2; k < 1000000; k++) {
        snprintf(buf, sizeof buf, "%s~%u", s->s_module, k);
        if (!set_has(&r->r_modules, buf, NULL))
            break;
    }
    s->s_module = rc_text(r, rc_intern(r, buf));
    return r->r_oom ? G_ENOMEM : G_OK;
}

int rc_load(rc_run *r)
{
    uint32_t i, k, n = 0, nfuncs = 0;
    int rc;
    r->r_class_id = arena_array(r->r_a, r->r_nsums + 1, sizeof *r->r_class_id);
    r->r_fbase = arena_array(r->r_a, r->r_nsums + 1, sizeof *r->r_fbase);
    r->r_bind_base = arena_array(r->r_a, r->r_nsums + 1, sizeof *r->r_bind_base);
    r->r_bind_cap = arena_array(r->r_a, r->r_nsums + 1, sizeof *r->r_bind_cap);
    if (!r->r_class_id || !r->r_fbase || !r->r_bind_base || !r->r_bind_cap)
        return G_ENOMEM;
    for (i = 0; i < r->r_nsums; i++) {
        rv_sum *s = r->r_sums[i];
        /* the first file of a module name is the one imports find (two roots, a .py and its
         * stale .pyc, top-level scripts of one name in two directories) */
        if (set_has(&r->r_modules, s->s_module, NULL) && (rc = rename_module(r, s)))
            return rc;
        if (set_add(&r->r_modules, r->r_a, s->s_module, (int32_t)i))
            return G_ENOMEM;
        r->r_fbase[i] = nfuncs;
        nfuncs += s->s_nfuncs;
        n += s->s_nclasses;
    }
    r->r_nfuncs = nfuncs;
    r->r_classes = arena_array(r->r_a, n + 1, sizeof *r->r_classes);
    r->r_ncalls_to = arena_array(r->r_a, nfuncs + 1, sizeof *r->r_ncalls_to);
    r->r_nforeign_to = arena_array(r->r_a, nfuncs + 1, sizeof *r->r_nforeign_to);
    r->r_nunlocked_to = arena_array(r->r_a, nfuncs + 1, sizeof *r->r_nunlocked_to);
    r->r_nloop_to = arena_array(r->r_a, nfuncs + 1, sizeof *r->r_nloop_to);
    r->r_isolated = arena_alloc(r->r_a, nfuncs + 1);
    if (!r->r_classes || !r->r_ncalls_to || !r->r_nforeign_to || !r->r_nunlocked_to ||
        !r->r_nloop_to || !r->r_isolated)
        return G_ENOMEM;
    memset(r->r_nforeign_to, 0, (nfuncs + 1) * sizeof *r->r_nforeign_to);
    memset(r->r_nunlocked_to, 0, (nfuncs + 1) * sizeof *r->r_nunlocked_to);
    memset(r->r_nloop_to, 0, (nfuncs + 1) * sizeof *r->r_nloop_to);
    memset(r->r_classes, 0, (n + 1) * sizeof *r->r_classes);
    memset(r->r_ncalls_to, 0, (nfuncs + 1) * sizeof *r->r_ncalls_to);
    memset(r->r_isolated, 0, nfuncs + 1);
    r->r_param_other = arena_alloc(r->r_a, nfuncs + 1);
    if (!r->r_param_other)
        return G_ENOMEM;
    memset(r->r_param_other, 0, nfuncs + 1);
    for (i = 0; i < r->r_nsums; i++) {
        const rv_sum *s = r->r_sums[i];
        r->r_class_id[i] = arena_array(r->r_a, s->s_nclasses + 1, sizeof **r->r_class_id);
        if (!r->r_class_id[i])
            return G_ENOMEM;
        for (k = 0; k < s->s_nclasses; k++) {
            rc_class *c = &r->r_classes[r->r_nclasses];
            c->k_mod = i;
            c->k_idx = k;
            c->k_full = join(r, s->s_module, rv_s(r, s->s_classes[k].k_qualname));
            r->r_class_id[i][k] = r->r_nclasses++;
        }
    }
    if (index_names(r))
        return G_ENOMEM;
    /* bases: resolved now that every class has an id */
    for (i = 0; i < r->r_nclasses; i++) {
        rc_class *c = &r->r_classes[i];
        const rv_sum *s = r->r_sums[c->k_mod];
        const rv_class *sk = &s->s_classes[c->k_idx];
        c->k_bases = arena_array(r->r_a, sk->k_nbases + 1, sizeof *c->k_bases);
        c->k_ext = arena_array(r->r_a, sk->k_nbases + 1, sizeof *c->k_ext);
        if (!c->k_bases || !c->k_ext)
            return G_ENOMEM;
        for (k = 0; k < sk->k_nbases; k++) {
            const char *p = rv_s(r, s->s_ids[sk->k_bases + k]);
            rc_sym y;
            if (strncmp(p, "g:", 2))
                continue;
            y = rc_resolve_dotted_in(r, c->k_mod, p + 2, 0);
            if (y.y_kind == SYM_CLASS && y.y_id != i)
                c->k_bases[c->k_nbases++] = y.y_id;
            else if (y.y_kind == SYM_EXTERNAL || y.y_kind == SYM_VAR)
                c->k_ext[c->k_next++] = y.y_name;
        }
    }
    if (families(r))
        return G_ENOMEM;
    construction_sites(r);
    return r->r_oom ? G_ENOMEM : G_OK;
}

/* The class of the object an argument is, when known: made by a constructor call in the caller
 * (`board = JobBoard(); Worker(board)`), or a module variable so made. */
uint32_t rc_arg_class(rc_run *r, uint32_t mod, const sum_arg *g)
{
    rc_sym y;
    if (g->g_ctor) {
        y = rc_ctor_class(r, mod, g->g_ctor);
        return y.y_kind == SYM_CLASS ? y.y_id : RC_NONE;
    }
    if (g->g_path && !strncmp(g->g_path, "g:", 2) && !strpbrk(g->g_path + 2, ".[")) {
        y = rc_resolve_name(r, mod, g->g_path + 2, 0);
        return y.y_kind == SYM_VAR ? y.y_id : RC_NONE;
    }
    return RC_NONE;
}

/* The module variable an argument is (`Worker(board)` with a module-level `board`): its
 * interned location, or RC_NONE. */
static uint32_t arg_global(rc_run *r, uint32_t mod, const sum_arg *g)
{
    rc_sym y;
    char buf[600];
    if (!g->g_path || strncmp(g->g_path, "g:", 2) || strpbrk(g->g_path + 2, ".["))
        return RC_NONE;
    y = rc_resolve_name(r, mod, g->g_path + 2, 0);
    if (y.y_kind != SYM_VAR)
        return RC_NONE;
    snprintf(buf, sizeof buf, "m:%s.%s", r->r_sums[y.y_mod]->s_module, y.y_name);
    return rc_intern(r, buf);
}

/* The class object argument g is (`create_window(MainWindow)`), or RC_NONE. */
static uint32_t arg_class_object(rc_run *r, uint32_t mod, const sum_arg *g)
{
    rc_sym y;
    if (!g->g_path || strncmp(g->g_path, "g:", 2) || strchr(g->g_path, '['))
        return RC_NONE;
    y = rc_resolve_dotted_in(r, mod, g->g_path + 2, 0);
    return y.y_kind == SYM_CLASS ? y.y_id : RC_NONE;
}

/* A call site of module function (fmod, fcode) with these arguments: r_param_cls and
 * r_param_other. */
static void param_site(rc_run *r, uint32_t mod, const sum_call *call, uint32_t fmod,
                       uint32_t fcode)
{
    uint32_t fid = rc_func_id(r, fmod, fcode), a, pos = 0;
    uint32_t nparams = r->r_sums[fmod]->s_funcs[fcode].u_nparams;
    char key[32];
    for (a = 0; a < call->c_nargs && pos < 8; a++) {
        uint32_t t;
        int32_t had;
        if (call->c_args[a].g_kw)
            break;              /* keywords: the positions after them are not known here */
        t = arg_class_object(r, mod, &call->c_args[a]);
        if (t == RC_NONE) {
            r->r_param_other[fid] |= (uint8_t)(1u << pos++);
            continue;
        }
        snprintf(key, sizeof key, "%u:%u", fid, pos);
        if (set_find_add(&r->r_param_cls, r->r_a, rc_text(r, rc_intern(r, key)), (int32_t)t,
                         &had) < 0) {
            r->r_oom = 1;
            return;
        }
        if ((uint32_t)had != t)
            r->r_param_other[fid] |= (uint8_t)(1u << pos);
        pos++;
    }
    for (; pos < 8 && pos < nparams; pos++)
        r->r_param_other[fid] |= (uint8_t)(1u << pos);
}

uint32_t rc_param_class(rc_run *r, const rc_frame *fr, const char *name)
{
    const rv_func *u = rv_func_at(r, fr->fr_mod, fr->fr_code);
    const uint32_t *params = rv_params(r, fr->fr_mod, u);
    uint32_t i, fid = rc_func_id(r, fr->fr_mod, fr->fr_code);
    int32_t cls;
    char key[32];
    if (u->u_flags & (FN_MODULE | FN_CLASS_BODY))
        return RC_NONE;
    for (i = 0; i < u->u_nparams && (!params[i] || strcmp(rv_s(r, params[i]), name)); i++)
        ;
    if (i == u->u_nparams)
        return RC_NONE;
    /* the class object this frame's caller passed */
    if (i < fr->fr_nparams) {
        const rc_val *v = &fr->fr_params[i];
        if (v->v_kind == VK_LOC && v->v_loc == 'k' && !v->v_key && v->v_cls != RC_NONE &&
            !strncmp(rc_text(r, v->v_text), "k:", 2) &&
            !strcmp(rc_text(r, v->v_text) + 2, r->r_classes[v->v_cls].k_full))
            return v->v_cls;
    }
    /* the class every call site of the run passes */
    snprintf(key, sizeof key, "%u:%u", fid, i);
    if (i >= 8 || !r->r_param_cls.ss_used || (r->r_param_other[fid] >> i & 1) ||
        !set_has(&r->r_param_cls, key, &cls))
        return RC_NONE;
    return (uint32_t)cls;
}

/* What every construction site of each class passes its constructor: k_argcls, k_argglob; what
 * every call site of a module function passes it as a class (r_param_cls). */
static void construction_sites(rc_run *r)
{
    uint32_t m, k, i, a;
    for (i = 0; i < r->r_nclasses; i++) {
        r->r_classes[i].k_site_cls = RC_UNSET;
        for (a = 0; a < 8; a++)
            r->r_classes[i].k_argcls[a] = r->r_classes[i].k_argglob[a] = RC_UNSET;
    }
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs; k++) {
            rv_calls it;
            sum_call sc;
            const sum_call *call = &sc;
            rv_calls_start(&it, r, m, &s->s_funcs[k]);
            while (rv_calls_next(&it, &sc)) {
                rc_class *cl;
                rc_sym y;
                uint32_t pos = 0;
                if (strncmp(call->c_callee, "g:", 2))
                    continue;
                y = rc_resolve_dotted_in(r, m, call->c_callee + 2, 0);
                if (y.y_kind == SYM_FUNC && y.y_id != RC_NONE) {
                    param_site(r, m, call, y.y_mod, y.y_id);
                    continue;
                }
                if (y.y_kind != SYM_CLASS)
                    continue;
                cl = &r->r_classes[y.y_id];
                cl->k_nsites++;
                cl->k_once = cl->k_nsites == 1 && !call->c_loop && (s->s_funcs[k].u_flags & FN_MODULE);
                {
                    const rv_func *u = &s->s_funcs[k];
                    uint32_t owner = u->u_class == SUM_NONE ||
                                     (u->u_flags & (FN_INIT | FN_STATIC | FN_CLASSMETHOD))
                                     ? RC_NONE : r->r_class_id[m][u->u_class];
                    cl->k_site_cls = cl->k_site_cls == RC_UNSET || cl->k_site_cls == owner
                                     ? owner : RC_NONE;
                }
                for (a = 0; a < call->c_nargs && pos < 8; a++) {
                    uint32_t t, g, *slot;
                    if (call->c_args[a].g_kw)
                        continue;       /* keywords: left unknown */
                    t = rc_arg_class(r, m, &call->c_args[a]);
                    g = arg_global(r, m, &call->c_args[a]);
                    slot = &cl->k_argcls[pos];
                    *slot = *slot == RC_UNSET || *slot == t ? t : RC_NONE;
                    slot = &cl->k_argglob[pos++];
                    *slot = *slot == RC_UNSET || *slot == g ? g : RC_NONE;
                }
            }
        }
    }
}

/***** names *****/

/* The absolute name of a relative import ("..x" from module pkg.sub.mod: "pkg.x"). */
static const char *absolute(rc_run *r, uint32_t mod, const char *what)
{
    const rv_sum *s = r->r_sums[mod];
    char buf[512];
    const char *abs = sum_absolute(buf, sizeof buf, s->s_module, s->s_package, what);
    return abs == buf ? rc_text(r, rc_intern(r, buf)) : abs;
}

static rc_sym sym(int kind, uint32_t mod, uint32_t id, const char *name)
{
    rc_sym y;
    y.y_kind = (uint8_t)kind;
    y.y_mod = mod;
    y.y_id = id;
    y.y_name = name;
    return y;
}

static rc_sym ctor_class(rc_run *r, uint32_t mod, const char *ctor, int depth)
{
    rc_sym y;
    if (!ctor || depth > MAX_DEPTH)
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    y = rc_resolve_dotted_in(r, mod, ctor, depth + 1);
    return y.y_kind == SYM_CLASS ? y : sym(SYM_NONE, 0, RC_NONE, NULL);
}

/* The class a constructor call makes (`Pool()`, `mod.Pool()`), or SYM_NONE. */
rc_sym rc_ctor_class(rc_run *r, uint32_t mod, const char *ctor)
{
    return ctor_class(r, mod, ctor, 0);
}

rc_sym rc_resolve_name(rc_run *r, uint32_t mod, const char *name, int depth)
{
    const rv_sum *s = r->r_sums[mod];
    const rv_bind *b;
    int32_t bi;
    if (depth > MAX_DEPTH || !rc_bind(r, mod, name, &bi))
        return sym(SYM_VAR, mod, RC_NONE, name);
    b = &s->s_binds[bi];
    switch (b->b_kind) {
    case VAL_FUNC:
        return b->b_code != SUM_NONE ? sym(SYM_FUNC, mod, b->b_code, name)
                                     : sym(SYM_VAR, mod, RC_NONE, name);
    case VAL_CLASS:
        return sym(SYM_CLASS, mod, r->r_class_id[mod][b->b_code], name);
    case VAL_IMPORT:
        return b->b_what ? rc_resolve_dotted(r, absolute(r, mod, rv_s(r, b->b_what)), depth + 1)
                         : sym(SYM_NONE, 0, RC_NONE, NULL);
    case VAL_CALL: {
        rc_sym c = ctor_class(r, mod, rv_s(r, b->b_what), depth + 1);
        return sym(SYM_VAR, mod, c.y_kind == SYM_CLASS ? c.y_id : RC_NONE, name);
    }
    default:
        return sym(SYM_VAR, mod, RC_NONE, name);
    }
}

/* The member `name` of what y stands for. */
rc_sym rc_member(rc_run *r, rc_sym y, const char *name, int depth)
{
    uint32_t mod, code;
    if (depth > MAX_DEPTH)
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    switch (y.y_kind) {
    case SYM_MODULE:
        return rc_resolve_name(r, y.y_mod, name, depth + 1);
    case SYM_CLASS:
        code = rc_method(r, y.y_id, name, &mod);
        if (code != RC_NONE && !(rv_func_at(r, mod, code)->u_flags & FN_CLASS_BODY))
            return sym(SYM_FUNC, mod, code, name);
        {
            /* a class defined in the class's body (`MirrorTest.PingWorker(...)`) */
            const rc_class *c = &r->r_classes[y.y_id];
            const rv_sum *s = r->r_sums[c->k_mod];
            const char *outer = rv_s(r, s->s_classes[c->k_idx].k_qualname);
            size_t n = strlen(outer);
            uint32_t k;
            for (k = 0; k < s->s_nclasses; k++) {
                const char *q = rv_s(r, s->s_classes[k].k_qualname);
                if (!strncmp(q, outer, n) && q[n] == '.' && !strcmp(q + n + 1, name))
                    return sym(SYM_CLASS, c->k_mod, r->r_class_id[c->k_mod][k], name);
            }
        }
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    case SYM_EXTERNAL:
        return sym(SYM_EXTERNAL, 0, RC_NONE, join(r, y.y_name, name));
    default:
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    }
}

rc_sym rc_resolve_dotted(rc_run *r, const char *dotted, int depth)
{
    char buf[512];
    size_t n = strlen(dotted);
    int32_t mod;
    const char *rest;
    rc_sym y;
    if (depth > MAX_DEPTH || n >= sizeof buf)
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    memcpy(buf, dotted, n + 1);
    /* the longest prefix that is a module of the run */
    for (;;) {
        if (set_has(&r->r_modules, buf, &mod))
            break;
        {
            char *dot = strrchr(buf, '.');
            if (!dot)
                return sym(SYM_EXTERNAL, 0, RC_NONE, dotted);
            *dot = 0;
        }
    }
    y = sym(SYM_MODULE, (uint32_t)mod, RC_NONE, NULL);
    rest = dotted + strlen(buf);
    while (*rest == '.' && y.y_kind != SYM_NONE) {
        const char *start = rest + 1, *end = strchr(start, '.');
        size_t k = end ? (size_t)(end - start) : strlen(start);
        char part[256];
        if (k >= sizeof part)
            return sym(SYM_NONE, 0, RC_NONE, NULL);
        memcpy(part, start, k);
        part[k] = 0;
        y = rc_member(r, y, rc_text(r, rc_intern(r, part)), depth + 1);
        rest = start + k;
    }
    return y;
}

/* A dotted name written in module `mod` ("Base", "threading.Thread", "m.Pool"): its first name
 * through the module's bindings, the rest as members. */
rc_sym rc_resolve_dotted_in(rc_run *r, uint32_t mod, const char *dotted, int depth)
{
    const char *dot;
    if (dotted[0] == '.')      /* a relative import's name ("._collections.Recently...") */
        return rc_resolve_dotted(r, absolute(r, mod, dotted), depth + 1);
    dot = strchr(dotted, '.');
    char head[256];
    size_t k = dot ? (size_t)(dot - dotted) : strlen(dotted);
    rc_sym y;
    if (k >= sizeof head || depth > MAX_DEPTH)
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    memcpy(head, dotted, k);
    head[k] = 0;
    y = rc_resolve_name(r, mod, rc_text(r, rc_intern(r, head)), depth + 1);
    if (y.y_kind == SYM_VAR && dot) {
        /* a module-level name this module does not bind: taken as an outside module */
        int32_t b;
        if (!rc_bind(r, mod, head, &b))
            return rc_resolve_dotted(r, dotted, depth + 1);
        return sym(SYM_NONE, 0, RC_NONE, NULL);
    }
    if (y.y_kind == SYM_VAR && !dot) {
        int32_t b;
        if (!rc_bind(r, mod, head, &b))  /* a builtin or a star import */
            return sym(SYM_EXTERNAL, 0, RC_NONE, y.y_name);
    }
    while (dot && y.y_kind != SYM_NONE && y.y_kind != SYM_VAR) {
        const char *start = dot + 1;
        dot = strchr(start, '.');
        k = dot ? (size_t)(dot - start) : strlen(start);
        if (k >= sizeof head)
            return sym(SYM_NONE, 0, RC_NONE, NULL);
        memcpy(head, start, k);
        head[k] = 0;
        y = rc_member(r, y, rc_text(r, rc_intern(r, head)), depth + 1);
    }
    return dot ? sym(SYM_NONE, 0, RC_NONE, NULL) : y;
}

/***** classes *****/

/* The code of method `name` of class cls or the first base (depth first, left to right) that
 * has it; RC_NONE when none.  *out_mod gets the summary holding it. */
uint32_t rc_method(const rc_run *r, uint32_t cls, const char *name, uint32_t *out_mod)
{
    uint32_t stack[32], n = 0, seen = 0;
    stack[n++] = cls;
    while (n && seen++ < 64) {
        const rc_class *c = &r->r_classes[stack[--n]];
        uint32_t k, code = own_method(r, c, name);
        if (code != RC_NONE) {
            *out_mod = c->k_mod;
            return code;
        }
        for (k = c->k_nbases; k-- > 0 && n < 32;)
            stack[n++] = c->k_bases[k];
    }
    return RC_NONE;
}

/* The facts of attribute `name` in class cls or its bases; NULL when none says anything. */
const rv_attr *rc_attr(const rc_run *r, uint32_t cls, const char *name)
{
    uint32_t stack[32], n = 0, seen = 0;
    stack[n++] = cls;
    while (n && seen++ < 64) {
        const rc_class *c = &r->r_classes[stack[--n]];
        const rv_class *sk = &r->r_sums[c->k_mod]->s_classes[c->k_idx];
        const rv_attr *at = rv_attrs(r, c->k_mod, sk);
        uint32_t k;
        for (k = 0; k < sk->k_nattrs; k++)
            if (!strcmp(rv_s(r, at[k].at_name), name))
                return &at[k];
        for (k = c->k_nbases; k-- > 0 && n < 32;)
            stack[n++] = c->k_bases[k];
    }
    return NULL;
}

/* Does class cls derive from the class named `external` ("threading.Thread"), outside the run
 * or inside it? */
int rc_derives(const rc_run *r, uint32_t cls, const char *external, int depth)
{
    const rc_class *c;
    uint32_t k;
    if (cls >= r->r_nclasses || depth > MAX_DEPTH)
        return 0;
    c = &r->r_classes[cls];
    if (!strcmp(c->k_full, external))
        return 1;
    for (k = 0; k < c->k_next; k++)
        if (!strcmp(c->k_ext[k], external))
            return 1;
    for (k = 0; k < c->k_nbases; k++)
        if (rc_derives(r, c->k_bases[k], external, depth + 1))
            return 1;
    return 0;
}

static int is_base_of(const rc_run *r, uint32_t base, uint32_t cls, int depth)
{
    const rc_class *c;
    uint32_t k;
    if (base == cls)
        return 1;
    if (cls >= r->r_nclasses || depth > MAX_DEPTH)
        return 0;
    c = &r->r_classes[cls];
    for (k = 0; k < c->k_nbases; k++)
        if (is_base_of(r, base, c->k_bases[k], depth + 1))
            return 1;
    return 0;
}

static uint32_t family_of(uint32_t *parent, uint32_t c)
{
    while (parent[c] != c) {
        parent[c] = parent[parent[c]];
        c = parent[c];
    }
    return c;
}

/* Joins classes related by inheritance into families (r_family). */
static int families(rc_run *r)
{
    uint32_t i, j;
    r->r_family = arena_array(r->r_a, r->r_nclasses + 1, sizeof *r->r_family);
    if (!r->r_family)
        return G_ENOMEM;
    for (i = 0; i < r->r_nclasses; i++)
        r->r_family[i] = i;
    for (i = 0; i < r->r_nclasses; i++)
        for (j = 0; j < r->r_classes[i].k_nbases; j++) {
            uint32_t a = family_of(r->r_family, i), b = family_of(r->r_family, r->r_classes[i].k_bases[j]);
            if (a != b)
                r->r_family[a < b ? b : a] = a < b ? a : b;
        }
    for (i = 0; i < r->r_nclasses; i++)
        r->r_family[i] = family_of(r->r_family, i);
    return G_OK;
}

/* The text of a location rooted at class `root` ('o:' or 'k:') with the root replaced by its
 * family's class: what locks and grouping compare (a lock of a base class's method is the lock
 * of the subclass's instance). */
uint32_t rc_canonical(rc_run *r, uint32_t text, uint32_t root)
{
    const char *t = rc_text(r, text), *full;
    size_t n;
    char buf[1200];
    if (root == RC_NONE || root >= r->r_nclasses || r->r_family[root] == root)
        return text;
    full = r->r_classes[root].k_full;
    n = strlen(full);
    if (strlen(t) < 2 || strncmp(t + 2, full, n) ||
        strlen(t) - n + strlen(r->r_classes[r->r_family[root]].k_full) + 1 >= sizeof buf)
        return text;
    snprintf(buf, sizeof buf, "%c:%s%s", t[0], r->r_classes[r->r_family[root]].k_full, t + 2 + n);
    return rc_intern(r, buf);
}

/* Can an instance of a be an instance of b: the same class, or one derives from the other. */
int rc_related(const rc_run *r, uint32_t a, uint32_t b)
{
    return a == b || is_base_of(r, a, b, 0) || is_base_of(r, b, a, 0);
}

int rc_is_base(const rc_run *r, uint32_t base, uint32_t cls)
{
    return is_base_of(r, base, cls, 0);
}

/* The lock kind a constructor makes (sum_lockkind), LOCK_NOTLOCK when it is not a lock. */
int rc_lock_kind_of_ctor(const char *ctor)
{
    static const char *const thread[] = {
        "threading.Lock", "threading.RLock", "threading.Condition", "threading.Semaphore",
        "threading.BoundedSemaphore", "_thread.allocate_lock", "_thread.LockType",
        "_thread.RLock", "threading._RLock", "threading._CRLock", "_thread.allocate",
    };
    size_t i;
    if (!ctor)
        return LOCK_NOTLOCK;
    for (i = 0; i < sizeof thread / sizeof thread[0]; i++)
        if (!strcmp(ctor, thread[i]))
            return LOCK_THREAD;
    if (!strncmp(ctor, "multiprocessing.", 16)) {
        const char *last = strrchr(ctor, '.') + 1;
        if (!strcmp(last, "Lock") || !strcmp(last, "RLock") || !strcmp(last, "Condition") ||
            !strcmp(last, "Semaphore") || !strcmp(last, "BoundedSemaphore"))
            return LOCK_PROCESS;
    }
    if (!strncmp(ctor, "asyncio.", 8) || !strncmp(ctor, "trio.", 5) || !strncmp(ctor, "anyio.", 6))
        return LOCK_ASYNC;
    return LOCK_NOTLOCK;
}
