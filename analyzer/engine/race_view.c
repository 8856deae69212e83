/* The summaries of a run as the composition keeps them (eng_run): every string once for the
 * whole run, arrays of 32-bit indexes instead of pointers, the calls of each function as bytes
 * decoded when walked, and nothing that only a reported finding shows (candidates, an access's
 * text and columns), which is asked for again, whole, for the few summaries that need it.
 *
 * A call is, in its function's stream: varints of the callee's string, the instruction and the
 * line (each zigzag, from the previous call's; 0 before the first), a flags byte (1 in a loop,
 * 2 owned, 4 under `__main__`, 8 locks follow), the lock bits when flagged, the argument count,
 * and per argument a byte saying which of keyword, path and constructor follow (1, 2, 4), then
 * those strings.  An argument's function and display items are not kept: the composition does
 * not read them (g_func is SUM_NONE, g_items NULL). */
#include "race_int.h"

#include <string.h>
#include <xxhash.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/varint.h"

#define TEXT_BLOCK (64 * 1024)  /* strings are packed into blocks this big, without padding */
#define SEEN 8192               /* addresses of one summary's strings remembered (power of 2) */

struct eng_run {
    arena *n_a;                /* the view, then the composition */
    rv_sum **n_sums;           /* mem_realloc'd */
    uint32_t n_nsums, n_capsums;
    const char **n_strs;       /* id -> text; [0] is NULL (mem_realloc'd) */
    uint32_t n_nstrs, n_capstrs;
    uint32_t *n_slots;         /* open addressing over the strings: id, 0 for free (mem_alloc'd) */
    uint32_t n_nslots;         /* a power of two */
    char *n_text, *n_text_end; /* room left in the current block of text */
    strbuf n_calls;            /* one summary's call stream while it is built */
    /* the ids of the strings of the summary being added, by their address: a summary read
     * from bytes has one copy of each of its strings, interned once instead of at every use */
    const char *n_seen[SEEN];
    rv_str n_seen_id[SEEN];
    uint32_t n_seen_gen[SEEN]; /* entries of other summaries are stale */
    uint32_t n_gen;
    uint32_t n_nseen;
    int n_oom;
};

/***** strings *****/

static int slots_grow(eng_run *n)
{
    uint32_t cap = n->n_nslots ? n->n_nslots * 2 : 1u << 12, i, j;
    uint32_t *slots = mem_alloc((size_t)cap * sizeof *slots);
    if (!slots)
        return G_ENOMEM;
    memset(slots, 0, (size_t)cap * sizeof *slots);
    for (i = 1; i < n->n_nstrs; i++) {
        const char *t = n->n_strs[i];
        for (j = (uint32_t)XXH3_64bits(t, strlen(t)) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
            ;
        slots[j] = i;
    }
    mem_free(n->n_slots);
    n->n_slots = slots;
    n->n_nslots = cap;
    return G_OK;
}

/* A copy of t[0..len) and its NUL in the current text block (or a new one). */
static const char *text_copy(eng_run *n, const char *t, size_t len)
{
    char *p;
    if ((size_t)(n->n_text_end - n->n_text) < len + 1) {
        size_t size = len + 1 > TEXT_BLOCK / 4 ? len + 1 : TEXT_BLOCK;
        if (!(p = arena_alloc(n->n_a, size)))
            return NULL;
        if (size != TEXT_BLOCK) {      /* a long one alone: the block keeps its room */
            memcpy(p, t, len);
            p[len] = 0;
            return p;
        }
        n->n_text = p;
        n->n_text_end = p + size;
    }
    p = n->n_text;
    memcpy(p, t, len);
    p[len] = 0;
    n->n_text += len + 1;
    return p;
}

/* The id of text t (NULL: 0), added when new.  Sets n_oom and returns 0 when memory runs out. */
static rv_str intern(eng_run *n, const char *t)
{
    uint32_t j, mask;
    size_t len;
    uint64_t h;
    if (!t || n->n_oom)
        return 0;
    if ((n->n_nstrs + 1) * 2 > n->n_nslots && slots_grow(n)) {
        n->n_oom = 1;
        return 0;
    }
    len = strlen(t);
    h = XXH3_64bits(t, len);
    mask = n->n_nslots - 1;
    for (j = (uint32_t)h & mask; n->n_slots[j]; j = (j + 1) & mask) {
        const char *o = n->n_strs[n->n_slots[j]];
        if (!strcmp(o, t))
            return n->n_slots[j];
    }
    if (n->n_nstrs == n->n_capstrs) {
        uint32_t cap = n->n_capstrs * 2;
        const char **g = mem_realloc((void *)n->n_strs, (size_t)cap * sizeof *g);
        if (!g) {
            n->n_oom = 1;
            return 0;
        }
        n->n_strs = g;
        n->n_capstrs = cap;
    }
    if (!(n->n_strs[n->n_nstrs] = text_copy(n, t, len))) {
        n->n_oom = 1;
        return 0;
    }
    n->n_slots[j] = n->n_nstrs;
    return n->n_nstrs++;
}

/* intern(n, t), remembering t's address for the rest of the summary being added. */
static rv_str intern_seen(eng_run *n, const char *t)
{
    uint32_t j;
    rv_str id;
    if (!t)
        return 0;
    for (j = (uint32_t)(((uintptr_t)t >> 3) * 0x9E3779B1u) & (SEEN - 1);
         n->n_seen_gen[j] == n->n_gen; j = (j + 1) & (SEEN - 1))
        if (n->n_seen[j] == t)
            return n->n_seen_id[j];
    id = intern(n, t);
    if (id && n->n_nseen < SEEN / 2) {
        n->n_seen[j] = t;
        n->n_seen_id[j] = id;
        n->n_seen_gen[j] = n->n_gen;
        n->n_nseen++;
    }
    return id;
}

static const char *itext(eng_run *n, const char *t)
{
    rv_str id = intern(n, t);  /* first: interning may move n_strs */
    return n->n_strs[id];
}

/***** the run *****/

int eng_run_new(eng_run **out, arena *a)
{
    eng_run *n = mem_alloc(sizeof *n);
    *out = NULL;
    if (!n)
        return G_ENOMEM;
    memset(n, 0, sizeof *n);
    n->n_a = a;
    sb_init(&n->n_calls);
    n->n_capstrs = 1024;
    if (!(n->n_strs = mem_alloc(n->n_capstrs * sizeof *n->n_strs))) {
        mem_free(n);
        return G_ENOMEM;
    }
    n->n_strs[0] = NULL;
    n->n_nstrs = 1;
    *out = n;
    return G_OK;
}

void eng_run_free(eng_run *n)
{
    if (!n)
        return;
    mem_free(n->n_sums);
    mem_free((void *)n->n_strs);
    mem_free(n->n_slots);
    sb_free(&n->n_calls);
    mem_free(n);
}

uint32_t eng_run_count(const eng_run *n)
{
    return n->n_nsums;
}

/***** adding a summary *****/

static void put_var(strbuf *sb, uint64_t v)
{
    uint8_t b[VARINT_MAX];
    sb_putn(sb, (const char *)b, varint_put(b, v));
}

static uint64_t zigzag(int64_t v)
{
    return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1;
}

/* Appends u's calls to the stream. */
static void put_calls(eng_run *n, const sum_func *u)
{
    strbuf *sb = &n->n_calls;
    uint32_t k, i, instr = 0;
    int32_t line = 0;
    for (k = 0; k < u->u_ncalls; k++) {
        const sum_call *c = &u->u_calls[k];
        put_var(sb, intern_seen(n, c->c_callee));
        put_var(sb, zigzag((int64_t)c->c_instr - instr));
        put_var(sb, zigzag((int64_t)c->c_line - line));
        instr = c->c_instr;
        line = c->c_line;
        sb_putc(sb, (char)((c->c_loop ? 1 : 0) | (c->c_owned ? 2 : 0) | (c->c_main ? 4 : 0) |
                           (c->c_locks ? 8 : 0)));
        if (c->c_locks)
            put_var(sb, c->c_locks);
        put_var(sb, c->c_nargs);
        for (i = 0; i < c->c_nargs; i++) {
            const sum_arg *g = &c->c_args[i];
            sb_putc(sb, (char)((g->g_kw ? 1 : 0) | (g->g_path ? 2 : 0) | (g->g_ctor ? 4 : 0)));
            if (g->g_kw)
                put_var(sb, intern_seen(n, g->g_kw));
            if (g->g_path)
                put_var(sb, intern_seen(n, g->g_path));
            if (g->g_ctor)
                put_var(sb, intern_seen(n, g->g_ctor));
        }
    }
}

/* Arguments with their strings interned (thread starts keep theirs as sum_arg), without what
 * the composition does not read (as in the call streams). */
static sum_arg *copy_args(eng_run *n, const sum_arg *g, uint32_t count)
{
    sum_arg *out;
    uint32_t i;
    if (!count)
        return NULL;
    if (!(out = arena_array(n->n_a, count, sizeof *out))) {
        n->n_oom = 1;
        return NULL;
    }
    for (i = 0; i < count; i++) {
        out[i].g_kw = itext(n, g[i].g_kw);
        out[i].g_path = itext(n, g[i].g_path);
        out[i].g_ctor = itext(n, g[i].g_ctor);
        out[i].g_func = SUM_NONE;
        out[i].g_items = NULL;
        out[i].g_nitems = 0;
        out[i].g_distinct = g[i].g_distinct;
    }
    return out;
}

static void *array(eng_run *n, uint32_t count, size_t size)
{
    void *p;
    if (!count)
        return NULL;
    if (!(p = arena_array(n->n_a, count, size)))
        n->n_oom = 1;
    return p;
}

/* Does u need an rv_more? */
static int has_more(const sum_func *u)
{
    return u->u_escape != SUM_NONE || u->u_nwin || u->u_nacqs || u->u_ncellparam ||
           u->u_nheld_out || u->u_nreleased || u->u_nexcl;
}

int eng_run_add(eng_run *n, const eng_summary *s)
{
    rv_sum *v;
    uint32_t i, k, nacc = 0, nwin = 0, nacqs = 0, ncells = 0, nmore = 0, nids = 0, nattrs = 0;
    uint32_t iacc = 0, iwin = 0, iacqs = 0, icells = 0, imore = 0, iids = 0, iattrs = 0;
    if (n->n_oom)
        return G_ENOMEM;
    n->n_gen++;                /* a new summary: the addresses remembered are stale */
    n->n_nseen = 0;
    if (n->n_nsums == n->n_capsums) {
        uint32_t cap = n->n_capsums ? n->n_capsums * 2 : 256;
        rv_sum **g = mem_realloc(n->n_sums, (size_t)cap * sizeof *g);
        if (!g)
            return G_ENOMEM;
        n->n_sums = g;
        n->n_capsums = cap;
    }
    for (i = 0; i < s->s_nfuncs; i++) {
        const sum_func *u = &s->s_funcs[i];
        nacc += u->u_nacc;
        nwin += u->u_nwin;
        nacqs += u->u_nacqs;
        ncells += u->u_ncellparam;
        nids += u->u_nparams + u->u_nheld_out + u->u_nreleased + u->u_nexcl;
        nmore += (uint32_t)has_more(u);
    }
    for (i = 0; i < s->s_nclasses; i++) {
        nids += s->s_classes[i].k_nbases;
        nattrs += s->s_classes[i].k_nattrs;
    }
    if (!(v = arena_alloc(n->n_a, sizeof *v)))
        return G_ENOMEM;
    memset(v, 0, sizeof *v);
    v->s_module = itext(n, s->s_module);
    v->s_file = itext(n, s->s_file);
    v->s_minor = s->s_minor;
    v->s_package = s->s_package;
    v->s_nfuncs = s->s_nfuncs;
    v->s_nclasses = s->s_nclasses;
    v->s_nbinds = s->s_nbinds;
    v->s_nstarts = s->s_nstarts;
    v->s_funcs = array(n, s->s_nfuncs, sizeof *v->s_funcs);
    v->s_classes = array(n, s->s_nclasses, sizeof *v->s_classes);
    v->s_binds = array(n, s->s_nbinds, sizeof *v->s_binds);
    v->s_starts = array(n, s->s_nstarts, sizeof *v->s_starts);
    v->s_acc = array(n, nacc, sizeof *v->s_acc);
    v->s_win = array(n, nwin, sizeof *v->s_win);
    v->s_acqs = array(n, nacqs, sizeof *v->s_acqs);
    v->s_cells = array(n, ncells, sizeof *v->s_cells);
    v->s_more = array(n, nmore, sizeof *v->s_more);
    v->s_attrs = array(n, nattrs, sizeof *v->s_attrs);
    v->s_ids = array(n, nids, sizeof *v->s_ids);
    if (n->n_oom)
        return G_ENOMEM;
    sb_clear(&n->n_calls);
    for (i = 0; i < s->s_nfuncs; i++) {
        const sum_func *u = &s->s_funcs[i];
        rv_func *f = &v->s_funcs[i];
        f->u_name = intern_seen(n, u->u_name);
        f->u_qualname = intern_seen(n, u->u_qualname);
        f->u_class = u->u_class;
        f->u_parent = u->u_parent;
        f->u_flags = (uint8_t)u->u_flags;
        f->u_line = u->u_line;
        f->u_params = iids;
        f->u_nparams = u->u_nparams;
        for (k = 0; k < u->u_nparams; k++)
            v->s_ids[iids++] = intern_seen(n, u->u_params ? u->u_params[k] : NULL);
        f->u_acc = iacc;
        f->u_nacc = u->u_nacc;
        for (k = 0; k < u->u_nacc; k++) {
            const sum_access *a = &u->u_acc[k];
            rv_acc *o = &v->s_acc[iacc++];
            o->a_path = intern_seen(n, a->a_path);
            o->a_method = intern_seen(n, a->a_method);
            o->a_const = intern_seen(n, a->a_const);
            o->a_instr = a->a_instr;
            o->a_line = a->a_line;
            o->a_kind = a->a_kind;
            o->a_recv = a->a_recv;
            o->a_falsy = a->a_falsy;
            o->a_locks = a->a_locks;
        }
        if (n->n_calls.sb_len >= UINT32_MAX)
            return G_ENOMEM;
        f->u_calls = (uint32_t)n->n_calls.sb_len;
        f->u_ncalls = u->u_ncalls;
        put_calls(n, u);
        f->u_more = SUM_NONE;
        if (has_more(u)) {
            rv_more *m = &v->s_more[imore];
            f->u_more = imore++;
            m->m_escape = u->u_escape;
            m->m_win = iwin;
            m->m_nwin = u->u_nwin;
            for (k = 0; k < u->u_nwin; k++) {
                const sum_window *w = &u->u_win[k];
                rv_win *o = &v->s_win[iwin++];
                o->w_path = intern_seen(n, w->w_path);
                o->w_method = intern_seen(n, w->w_method);
                o->w_first = w->w_first;
                o->w_last = w->w_last;
                o->w_finding = w->w_finding;
                o->w_breaks = w->w_breaks;
                o->w_recv = w->w_recv;
                o->w_value = w->w_value;
                o->w_locks = w->w_locks;
            }
            m->m_acqs = iacqs;
            m->m_nacqs = u->u_nacqs;
            for (k = 0; k < u->u_nacqs; k++) {
                rv_acq *o = &v->s_acqs[iacqs++];
                o->q_path = intern_seen(n, u->u_acqs[k].q_path);
                o->q_ctor = intern_seen(n, u->u_acqs[k].q_ctor);
                o->q_named = u->u_acqs[k].q_named;
            }
            m->m_cells = icells;
            m->m_ncells = u->u_ncellparam;
            for (k = 0; k < u->u_ncellparam; k++) {
                v->s_cells[icells].cp_name = intern_seen(n, u->u_cellparam[k].cp_name);
                v->s_cells[icells++].cp_param = u->u_cellparam[k].cp_param;
            }
            m->m_held = iids;
            m->m_nheld = u->u_nheld_out;
            for (k = 0; k < u->u_nheld_out; k++)
                v->s_ids[iids++] = intern_seen(n, u->u_held_out[k]);
            m->m_released = iids;
            m->m_nreleased = u->u_nreleased;
            for (k = 0; k < u->u_nreleased; k++)
                v->s_ids[iids++] = intern_seen(n, u->u_released[k]);
            m->m_excl = iids;
            m->m_nexcl = u->u_nexcl;
            for (k = 0; k < u->u_nexcl; k++)
                v->s_ids[iids++] = u->u_excl[k];
        }
    }
    for (i = 0; i < s->s_nclasses; i++) {
        const sum_class *c = &s->s_classes[i];
        rv_class *o = &v->s_classes[i];
        o->k_qualname = intern_seen(n, c->k_qualname);
        o->k_thread_safe = c->k_thread_safe;
        o->k_cont = c->k_cont;
        o->k_bases = iids;
        o->k_nbases = c->k_nbases;
        for (k = 0; k < c->k_nbases; k++)
            v->s_ids[iids++] = intern_seen(n, c->k_bases[k]);
        o->k_attrs = iattrs;
        o->k_nattrs = c->k_nattrs;
        for (k = 0; k < c->k_nattrs; k++) {
            const sum_attr *at = &c->k_attrs[k];
            rv_attr *t = &v->s_attrs[iattrs++];
            t->at_name = intern_seen(n, at->at_name);
            t->at_ctor = intern_seen(n, at->at_ctor);
            t->at_alias = intern_seen(n, at->at_alias);
            t->at_param = at->at_param;
            t->at_class_level = at->at_class_level;
            t->at_instance = at->at_instance;
            t->at_property = at->at_property;
            t->at_cont = at->at_cont;
        }
    }
    for (i = 0; i < s->s_nbinds; i++) {
        const sum_bind *b = &s->s_binds[i];
        rv_bind *o = &v->s_binds[i];
        o->b_name = intern_seen(n, b->b_name);
        o->b_what = intern_seen(n, b->b_what);
        o->b_code = b->b_code;
        o->b_kind = b->b_kind;
        o->b_cont = b->b_cont;
    }
    for (i = 0; i < s->s_nstarts; i++) {
        sum_start *t = &v->s_starts[i];
        *t = s->s_starts[i];
        t->t_target = itext(n, t->t_target);
        t->t_obj = itext(n, t->t_obj);
        t->t_pool = itext(n, t->t_pool);
        t->t_args = copy_args(n, s->s_starts[i].t_args, t->t_nargs);
    }
    if (n->n_calls.sb_failed || n->n_oom)
        return G_ENOMEM;
    if (n->n_calls.sb_len) {
        uint8_t *calls = arena_alloc(n->n_a, n->n_calls.sb_len);
        if (!calls)
            return G_ENOMEM;
        memcpy(calls, n->n_calls.sb_buf, n->n_calls.sb_len);
        v->s_calls = calls;
    }
    n->n_sums[n->n_nsums++] = v;
    return G_OK;
}

/***** reading calls *****/

void rv_calls_start(rv_calls *it, rc_run *r, uint32_t mod, const rv_func *u)
{
    it->it_p = r->r_sums[mod]->s_calls ? r->r_sums[mod]->s_calls + u->u_calls : NULL;
    it->it_left = u->u_ncalls;
    it->it_instr = 0;
    it->it_line = 0;
    it->it_strs = r->r_strs;
    it->it_a = r->r_a;
    it->it_oom = &r->r_oom;
}

/* The stream was written by put_calls from a checked summary: it is read without bounds. */
static uint64_t get_var(rv_calls *it)
{
    uint64_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *it->it_p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int64_t get_signed(rv_calls *it)
{
    uint64_t z = get_var(it);
    return (z & 1) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
}

int rv_calls_next(rv_calls *it, sum_call *out)
{
    uint32_t i, nargs;
    uint8_t flags;
    sum_arg *args = it->it_args;
    if (!it->it_left)
        return 0;
    it->it_left--;
    memset(out, 0, sizeof *out);
    out->c_callee = it->it_strs[get_var(it)];
    it->it_instr = (uint32_t)((int64_t)it->it_instr + get_signed(it));
    it->it_line = (int32_t)(it->it_line + get_signed(it));
    out->c_instr = it->it_instr;
    out->c_line = it->it_line;
    flags = *it->it_p++;
    out->c_loop = flags & 1;
    out->c_owned = (flags >> 1) & 1;
    out->c_main = (flags >> 2) & 1;
    out->c_locks = (flags & 8) ? get_var(it) : 0;
    nargs = (uint32_t)get_var(it);
    if (nargs > RV_ARGS && !(args = arena_array(it->it_a, nargs, sizeof *args))) {
        *it->it_oom = 1;
        return 0;
    }
    for (i = 0; i < nargs; i++) {
        sum_arg *g = &args[i];
        uint8_t tag = *it->it_p++;
        g->g_kw = (tag & 1) ? it->it_strs[get_var(it)] : NULL;
        g->g_path = (tag & 2) ? it->it_strs[get_var(it)] : NULL;
        g->g_ctor = (tag & 4) ? it->it_strs[get_var(it)] : NULL;
        g->g_func = SUM_NONE;
        g->g_nitems = 0;
        g->g_items = NULL;
    }
    out->c_args = nargs ? args : NULL;
    out->c_nargs = nargs;
    return 1;
}

/***** whole summaries for the findings *****/

const eng_summary *rc_full(rc_run *r, uint32_t mod)
{
    const eng_summary *s = NULL;
    int rc;
    if (r->r_fulls[mod])
        return r->r_fulls[mod];
    if (r->r_full_rc)
        return NULL;
    if ((rc = r->r_full(&s, r->r_full_ctx, mod, r->r_a)) || !s) {
        r->r_full_rc = rc ? rc : G_EBAD;
        return NULL;
    }
    r->r_fulls[mod] = s;
    return s;
}

/***** composing *****/

int eng_run_compose(eng_result *res, eng_run *n, const eng_options *opt, eng_full_fn full,
                    void *ctx, diag_ctx *d)
{
    int rc;
    mem_free(n->n_slots);      /* nothing more is added: the index goes before the composition */
    n->n_slots = NULL;
    n->n_nslots = 0;
    sb_free(&n->n_calls);
    sb_init(&n->n_calls);
    rc = n->n_oom ? G_ENOMEM
                  : eng_compose_view(res, (rv_sum *const *)n->n_sums, n->n_nsums, n->n_strs, opt,
                                     full, ctx, n->n_a, d);
    eng_run_free(n);
    return rc;
}
