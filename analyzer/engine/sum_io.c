/* A summary as bytes and back: what a worker process sends and the result cache keeps.
 *
 * Layout: u8 SUM_FORMAT, varint count of strings, the strings (varint length + bytes), then the
 * body, where every string is a varint index into that table (0 for NULL, i + 1 for string i)
 * and every integer a varint (LEB128; 64-bit lock masks too).  The reader checks every count
 * against the bytes left before it allocates, so damaged or hostile bytes fail cleanly. */
#include "sum_int.h"

#include <string.h>

#include "../common/err.h"
#include "../common/varint.h"
#include "../common/mem.h"
#include "eng_int.h"

/***** writing *****/

typedef struct writer {
    strbuf *w_body;
    strbuf w_strings;          /* the table's bytes */
    strset w_index;            /* string -> index */
    uint32_t w_n;
    arena *w_a;
    int w_oom;
} writer;

static void put_var(strbuf *sb, uint64_t v)
{
    uint8_t b[VARINT_MAX];
    size_t n = varint_put(b, v);
    if (sb->sb_cap - sb->sb_len > n) {   /* room (and for the NUL): no call, most of the time */
        memcpy(sb->sb_buf + sb->sb_len, b, n);
        sb->sb_len += n;
        sb->sb_buf[sb->sb_len] = 0;
    } else {
        sb_putn(sb, (const char *)b, n);
    }
}

static void put_u(writer *w, uint64_t v)
{
    put_var(w->w_body, v);
}

static void put_s(writer *w, const char *s)
{
    int32_t i;
    if (!s) {
        put_var(w->w_body, 0);
        return;
    }
    switch (set_find_add(&w->w_index, w->w_a, s, (int32_t)w->w_n, &i)) {
    case 0:
        break;
    case 1: {
        size_t n = strlen(s);
        w->w_n++;
        put_var(&w->w_strings, n);
        sb_putn(&w->w_strings, s, n);
        break;
    }
    default:
        w->w_oom = 1;
    }
    put_var(w->w_body, (uint64_t)i + 1);
}

static void put_args(writer *w, const sum_arg *g, uint32_t n)
{
    uint32_t i, k;
    put_u(w, n);
    for (i = 0; i < n; i++) {
        put_s(w, g[i].g_kw);
        put_s(w, g[i].g_path);
        put_s(w, g[i].g_ctor);
        put_u(w, g[i].g_func == SUM_NONE ? 0 : (uint64_t)g[i].g_func + 1);
        put_u(w, g[i].g_nitems);
        for (k = 0; k < g[i].g_nitems; k++)
            put_s(w, g[i].g_items[k]);
        put_u(w, g[i].g_distinct);
    }
}

static uint64_t opt(uint32_t v)
{
    return v == SUM_NONE ? 0 : (uint64_t)v + 1;
}

static void put_func(writer *w, const sum_func *u)
{
    uint32_t k;
    put_s(w, u->u_name);
    put_s(w, u->u_qualname);
    put_u(w, opt(u->u_class));
    put_u(w, opt(u->u_parent));
    put_u(w, u->u_flags);
    put_u(w, u->u_nparams);
    for (k = 0; k < u->u_nparams; k++)
        put_s(w, u->u_params ? u->u_params[k] : NULL);
    put_u(w, (uint64_t)(int64_t)u->u_line + 1);
    put_u(w, opt(u->u_escape));
    put_u(w, u->u_none_dflt);
    put_u(w, u->u_ncellparam);
    for (k = 0; k < u->u_ncellparam; k++) {
        put_s(w, u->u_cellparam[k].cp_name);
        put_u(w, u->u_cellparam[k].cp_param);
    }
    put_u(w, u->u_nacqs);
    for (k = 0; k < u->u_nacqs; k++) {
        put_s(w, u->u_acqs[k].q_path);
        put_s(w, u->u_acqs[k].q_ctor);
        put_u(w, u->u_acqs[k].q_named);
    }
    put_u(w, u->u_nacc);
    for (k = 0; k < u->u_nacc; k++) {
        const sum_access *a = &u->u_acc[k];
        put_s(w, a->a_path);
        put_s(w, a->a_text);
        put_s(w, a->a_method);
        put_s(w, a->a_const);
        put_u(w, a->a_kind);
        put_u(w, (uint64_t)a->a_loop | (uint64_t)a->a_recv << 1 | (uint64_t)a->a_falsy << 3 |
                     (uint64_t)a->a_ifparam << 5);
        put_u(w, a->a_instr);
        put_u(w, a->a_offset);
        put_u(w, (uint64_t)(int64_t)a->a_line + 1);
        put_u(w, (uint64_t)(int64_t)a->a_col + 1);
        put_u(w, (uint64_t)(int64_t)a->a_end_line + 1);
        put_u(w, (uint64_t)(int64_t)a->a_end_col + 1);
        put_u(w, a->a_locks);
    }
    put_u(w, u->u_nwin);
    for (k = 0; k < u->u_nwin; k++) {
        const sum_window *s = &u->u_win[k];
        put_u(w, s->w_finding);
        put_s(w, s->w_path);
        put_u(w, s->w_breaks);
        put_u(w, s->w_first);
        put_u(w, s->w_last);
        put_u(w, s->w_locks);
        put_s(w, s->w_method);
        put_u(w, (uint64_t)s->w_recv | (uint64_t)s->w_value << 2 |
                     (uint64_t)s->w_in_place << 3 | (uint64_t)s->w_ifparam << 4 |
                     (uint64_t)s->w_cont_item << 12);
        put_s(w, s->w_check);
    }
    put_u(w, u->u_ncalls);
    for (k = 0; k < u->u_ncalls; k++) {
        const sum_call *c = &u->u_calls[k];
        put_s(w, c->c_callee);
        put_args(w, c->c_args, c->c_nargs);
        put_u(w, c->c_instr);
        put_u(w, (uint64_t)(int64_t)c->c_line + 1);
        put_u(w, c->c_locks);
        put_u(w, (uint64_t)c->c_loop | (uint64_t)c->c_owned << 1 | (uint64_t)c->c_main << 2 |
                     (uint64_t)(c->c_npos < IR_MAX_ARGS ? c->c_npos : 15) << 3);
    }
    put_u(w, u->u_nheld_out);
    for (k = 0; k < u->u_nheld_out; k++)
        put_s(w, u->u_held_out[k]);
    put_u(w, u->u_nreleased);
    for (k = 0; k < u->u_nreleased; k++)
        put_s(w, u->u_released[k]);
    put_u(w, u->u_nexcl);
    for (k = 0; k < u->u_nexcl; k++)
        put_u(w, u->u_excl[k]);
}

int eng_summary_write(strbuf *out, const eng_summary *s)
{
    writer w;
    strbuf body;
    uint32_t i, k;
    memset(&w, 0, sizeof w);
    sb_init(&body);
    sb_init(&w.w_strings);
    w.w_body = &body;
    if (arena_new(&w.w_a))
        return G_ENOMEM;
    put_s(&w, s->s_module);
    put_u(&w, s->s_package);
    put_s(&w, s->s_file);
    put_u(&w, (uint64_t)(int64_t)s->s_minor + 1);
    put_u(&w, s->s_nfuncs);
    for (i = 0; i < s->s_nfuncs; i++)
        put_func(&w, &s->s_funcs[i]);
    put_u(&w, s->s_nclasses);
    for (i = 0; i < s->s_nclasses; i++) {
        const sum_class *c = &s->s_classes[i];
        put_s(&w, c->k_qualname);
        put_u(&w, c->k_body);
        put_u(&w, (uint64_t)(int64_t)c->k_line + 1);
        put_u(&w, (uint64_t)c->k_thread_safe | (uint64_t)c->k_cont << 1);   /* 5 bits */
        put_u(&w, c->k_nbases);
        for (k = 0; k < c->k_nbases; k++)
            put_s(&w, c->k_bases[k]);
        put_u(&w, c->k_nattrs);
        for (k = 0; k < c->k_nattrs; k++) {
            const sum_attr *at = &c->k_attrs[k];
            put_s(&w, at->at_name);
            put_s(&w, at->at_ctor);
            put_s(&w, at->at_alias);
            put_u(&w, (uint64_t)at->at_class_level | (uint64_t)at->at_instance << 1 |
                          (uint64_t)at->at_from_param << 2 | (uint64_t)at->at_property << 3 |
                          (uint64_t)at->at_cont << 4);   /* 5 bits */
            put_u(&w, at->at_param);
        }
    }
    put_u(&w, s->s_nbinds);
    for (i = 0; i < s->s_nbinds; i++) {
        put_s(&w, s->s_binds[i].b_name);
        put_u(&w, (uint64_t)s->s_binds[i].b_kind | (uint64_t)s->s_binds[i].b_cont << 8);
        put_s(&w, s->s_binds[i].b_what);
        put_u(&w, opt(s->s_binds[i].b_code));
    }
    put_u(&w, s->s_nstarts);
    for (i = 0; i < s->s_nstarts; i++) {
        const sum_start *t = &s->s_starts[i];
        put_u(&w, t->t_kind);
        put_u(&w, (uint64_t)(t->t_many & 1) | (uint64_t)(t->t_serial & 1) << 1);
        put_u(&w, t->t_func);
        put_u(&w, t->t_instr);
        put_u(&w, (uint64_t)(int64_t)t->t_line + 1);
        put_s(&w, t->t_target);
        put_args(&w, t->t_args, t->t_nargs);
        put_s(&w, t->t_obj);
        put_s(&w, t->t_pool);
    }
    sb_putc(out, (char)SUM_FORMAT);
    put_var(out, w.w_n);
    sb_putn(out, w.w_strings.sb_buf, w.w_strings.sb_len);
    sb_putn(out, body.sb_buf, body.sb_len);
    k = w.w_oom || body.sb_failed || w.w_strings.sb_failed;
    sb_free(&body);
    sb_free(&w.w_strings);
    arena_free(w.w_a);
    return k || out->sb_failed ? G_ENOMEM : G_OK;
}

/***** reading *****/

typedef struct reader {
    const uint8_t *r_p, *r_end;
    const char **r_strs;
    uint64_t r_nstrs;
    arena *r_a;
    int r_err;                 /* G_ETRUNC, G_EBAD or G_ENOMEM once something failed */
} reader;

/* get_var of more than one byte, or at the end, or after an error. */
static uint64_t get_var_long(reader *r)
{
    uint64_t v;
    if (r->r_err || (r->r_err = varint_get(&r->r_p, r->r_end, &v)))
        return 0;
    return v;
}

static inline uint64_t get_var(reader *r)
{
    if (r->r_p < r->r_end && *r->r_p < 0x80 && !r->r_err)
        return *r->r_p++;      /* one byte: most of them */
    return get_var_long(r);
}

/* A 32-bit value, SUM_NONE for an optional 0, or fails. */
static uint32_t get_u32(reader *r)
{
    uint64_t v = get_var(r);
    if (v > UINT32_MAX && !r->r_err)
        r->r_err = G_EBAD;
    return (uint32_t)v;
}

static uint32_t get_opt(reader *r)
{
    uint64_t v = get_var(r);
    if (v > (uint64_t)UINT32_MAX + 1 && !r->r_err)
        r->r_err = G_EBAD;
    return v ? (uint32_t)(v - 1) : SUM_NONE;
}

static int32_t get_i32(reader *r)
{
    uint64_t v = get_var(r);
    int64_t x = (int64_t)v - 1;
    if ((x < INT32_MIN || x > INT32_MAX) && !r->r_err)
        r->r_err = G_EBAD;
    return (int32_t)x;
}

static const char *get_s(reader *r)
{
    uint64_t i = get_var(r);
    if (!i || r->r_err)
        return NULL;
    if (i > r->r_nstrs) {
        r->r_err = G_EBAD;
        return NULL;
    }
    return r->r_strs[i - 1];
}

/* An array of n items of `size` bytes for a count read from the bytes, each item taking at least
 * `min` bytes there: the count is checked against what is left before allocating. */
static void *get_array(reader *r, uint32_t n, size_t size, size_t min)
{
    void *p;
    if (r->r_err)
        return NULL;
    if (min && n > (size_t)(r->r_end - r->r_p) / min) {
        r->r_err = G_ETRUNC;
        return NULL;
    }
    if (!n)
        return NULL;
    if (!(p = arena_array(r->r_a, n, size))) {
        r->r_err = G_ENOMEM;
        return NULL;
    }
    memset(p, 0, (size_t)n * size);
    return p;
}

static sum_arg *get_args(reader *r, uint32_t *n)
{
    uint32_t i, k;
    sum_arg *g;
    *n = get_u32(r);
    g = get_array(r, *n, sizeof *g, 4);
    for (i = 0; g && i < *n && !r->r_err; i++) {
        g[i].g_kw = get_s(r);
        g[i].g_path = get_s(r);
        g[i].g_ctor = get_s(r);
        g[i].g_func = get_opt(r);
        g[i].g_nitems = get_u32(r);
        g[i].g_items = get_array(r, g[i].g_nitems, sizeof *g[i].g_items, 1);
        for (k = 0; g[i].g_items && k < g[i].g_nitems; k++)
            g[i].g_items[k] = get_s(r);
        g[i].g_distinct = (uint8_t)get_u32(r);
    }
    if (r->r_err)
        *n = 0;
    return g;
}

static void get_func(reader *r, sum_func *u)
{
    uint32_t k, flags;
    u->u_name = get_s(r);
    u->u_qualname = get_s(r);
    u->u_class = get_opt(r);
    u->u_parent = get_opt(r);
    u->u_flags = get_u32(r);
    u->u_nparams = get_u32(r);
    u->u_params = get_array(r, u->u_nparams, sizeof *u->u_params, 1);
    for (k = 0; u->u_params && k < u->u_nparams; k++)
        u->u_params[k] = get_s(r);
    u->u_line = get_i32(r);
    u->u_escape = get_opt(r);
    u->u_none_dflt = get_var(r);
    u->u_ncellparam = get_u32(r);
    u->u_cellparam = get_array(r, u->u_ncellparam, sizeof *u->u_cellparam, 2);
    for (k = 0; u->u_cellparam && k < u->u_ncellparam; k++) {
        u->u_cellparam[k].cp_name = get_s(r);
        u->u_cellparam[k].cp_param = get_u32(r);
    }
    u->u_nacqs = get_u32(r);
    u->u_acqs = get_array(r, u->u_nacqs, sizeof *u->u_acqs, 3);
    for (k = 0; u->u_acqs && k < u->u_nacqs; k++) {
        u->u_acqs[k].q_path = get_s(r);
        u->u_acqs[k].q_ctor = get_s(r);
        u->u_acqs[k].q_named = (uint8_t)get_u32(r);
    }
    u->u_nacc = get_u32(r);
    u->u_acc = get_array(r, u->u_nacc, sizeof *u->u_acc, 12);
    for (k = 0; u->u_acc && k < u->u_nacc; k++) {
        sum_access *a = &u->u_acc[k];
        a->a_path = get_s(r);
        a->a_text = get_s(r);
        a->a_method = get_s(r);
        a->a_const = get_s(r);
        a->a_kind = (uint8_t)get_u32(r);
        flags = get_u32(r);
        a->a_loop = flags & 1;
        a->a_recv = (flags >> 1) & 3;
        a->a_falsy = (flags >> 3) & 3;
        a->a_ifparam = (uint8_t)(flags >> 5);
        a->a_instr = get_u32(r);
        a->a_offset = get_u32(r);
        a->a_line = get_i32(r);
        a->a_col = get_i32(r);
        a->a_end_line = get_i32(r);
        a->a_end_col = get_i32(r);
        a->a_locks = get_var(r);
    }
    u->u_nwin = get_u32(r);
    u->u_win = get_array(r, u->u_nwin, sizeof *u->u_win, 6);
    for (k = 0; u->u_win && k < u->u_nwin; k++) {
        sum_window *s = &u->u_win[k];
        s->w_finding = get_u32(r);
        s->w_path = get_s(r);
        s->w_breaks = (uint8_t)get_u32(r);
        s->w_first = get_u32(r);
        s->w_last = get_u32(r);
        s->w_locks = get_var(r);
        s->w_method = get_s(r);
        flags = get_u32(r);
        s->w_recv = (uint8_t)(flags & 3);
        s->w_value = (uint8_t)((flags >> 2) & 1);
        s->w_in_place = (uint8_t)((flags >> 3) & 1);
        s->w_ifparam = (uint8_t)((flags >> 4) & 0xff);
        s->w_cont_item = (uint8_t)((flags >> 12) & 1);
        s->w_check = get_s(r);
    }
    u->u_ncalls = get_u32(r);
    u->u_calls = get_array(r, u->u_ncalls, sizeof *u->u_calls, 6);
    for (k = 0; u->u_calls && k < u->u_ncalls; k++) {
        sum_call *c = &u->u_calls[k];
        c->c_callee = get_s(r);
        c->c_args = get_args(r, &c->c_nargs);
        c->c_instr = get_u32(r);
        c->c_line = get_i32(r);
        c->c_locks = get_var(r);
        flags = get_u32(r);
        c->c_loop = flags & 1;
        c->c_owned = (flags >> 1) & 1;
        c->c_main = (flags >> 2) & 1;
        c->c_npos = (flags >> 3) < IR_MAX_ARGS ? (uint8_t)(flags >> 3) : SUM_PARTIAL;
    }
    u->u_nheld_out = get_u32(r);
    u->u_held_out = get_array(r, u->u_nheld_out, sizeof *u->u_held_out, 1);
    for (k = 0; u->u_held_out && k < u->u_nheld_out; k++)
        u->u_held_out[k] = get_s(r);
    u->u_nreleased = get_u32(r);
    u->u_released = get_array(r, u->u_nreleased, sizeof *u->u_released, 1);
    for (k = 0; u->u_released && k < u->u_nreleased; k++)
        u->u_released[k] = get_s(r);
    u->u_nexcl = get_u32(r);
    u->u_excl = get_array(r, u->u_nexcl, sizeof *u->u_excl, 1);
    for (k = 0; u->u_excl && k < u->u_nexcl; k++)
        u->u_excl[k] = get_u32(r);
    if (r->r_err)
        memset(u, 0, sizeof *u);
}

/* Cross-references must point inside the summary: classes, codes, windows' findings. */
static int check(const eng_summary *s)
{
    uint32_t i, k;
    for (i = 0; i < s->s_nfuncs; i++) {
        const sum_func *u = &s->s_funcs[i];
        if (!u->u_name || !u->u_qualname || (u->u_class != SUM_NONE && u->u_class >= s->s_nclasses) ||
            (u->u_parent != SUM_NONE && u->u_parent >= s->s_nfuncs))
            return 0;
        if (u->u_nparams && !u->u_params)
            return 0;
        for (k = 0; k < u->u_nacc; k++)
            if (!u->u_acc[k].a_path || !u->u_acc[k].a_text)
                return 0;
        for (k = 0; k < u->u_nwin; k++)
            if (!u->u_win[k].w_path)
                return 0;
        for (k = 0; k < u->u_ncalls; k++)
            if (!u->u_calls[k].c_callee)
                return 0;
        for (k = 0; k < u->u_ncellparam; k++)
            if (!u->u_cellparam[k].cp_name || u->u_cellparam[k].cp_param >= u->u_nparams)
                return 0;
        for (k = 0; k < u->u_nheld_out; k++)
            if (!u->u_held_out[k])
                return 0;
        for (k = 0; k < u->u_nreleased; k++)
            if (!u->u_released[k])
                return 0;
        for (k = 0; k < u->u_nexcl; k++)
            if (u->u_excl[k] >= s->s_nfuncs)
                return 0;
    }
    for (i = 0; i < s->s_nclasses; i++) {
        if (!s->s_classes[i].k_qualname || s->s_classes[i].k_body >= s->s_nfuncs)
            return 0;
        for (k = 0; k < s->s_classes[i].k_nbases; k++)
            if (!s->s_classes[i].k_bases[k])
                return 0;
        for (k = 0; k < s->s_classes[i].k_nattrs; k++)
            if (!s->s_classes[i].k_attrs[k].at_name)
                return 0;
    }
    for (i = 0; i < s->s_nbinds; i++)
        if (!s->s_binds[i].b_name ||
            (s->s_binds[i].b_kind == VAL_CLASS && s->s_binds[i].b_code >= s->s_nclasses) ||
            (s->s_binds[i].b_kind == VAL_FUNC && s->s_binds[i].b_code >= s->s_nfuncs))
            return 0;
    for (i = 0; i < s->s_nstarts; i++)
        if (s->s_starts[i].t_func >= s->s_nfuncs)
            return 0;
    return s->s_module != NULL && s->s_file != NULL && s->s_nfuncs > 0;
}

/* The string table: its strings copied into one block of the arena (NUL-terminated, no
 * padding between them), r_strs pointing at each -- an index array the caller frees with
 * mem_free, as the body no longer needs it once read. */
static int get_strings(reader *r)
{
    const uint8_t *start;
    uint64_t i, total = 0;
    char *block;
    r->r_nstrs = get_var(r);
    if (!r->r_err && r->r_nstrs > (uint64_t)(r->r_end - r->r_p))
        return G_ETRUNC;
    if (r->r_err || !r->r_nstrs)
        return r->r_err;
    start = r->r_p;
    for (i = 0; i < r->r_nstrs; i++) {       /* the lengths first: one allocation */
        uint64_t len = get_var(r);
        if (r->r_err)
            return r->r_err;
        if (len > (uint64_t)(r->r_end - r->r_p))
            return G_ETRUNC;
        r->r_p += len;
        total += len + 1;
    }
    if (!(r->r_strs = mem_alloc((size_t)r->r_nstrs * sizeof *r->r_strs)) ||
        !(block = arena_alloc(r->r_a, (size_t)total)))
        return G_ENOMEM;
    r->r_p = start;
    for (i = 0; i < r->r_nstrs; i++) {
        uint64_t len = get_var(r);
        memcpy(block, r->r_p, (size_t)len);
        block[len] = 0;
        r->r_strs[i] = block;
        block += len + 1;
        r->r_p += len;
    }
    return G_OK;
}

static int read_summary(eng_summary **out, reader *rp);

int eng_summary_read(eng_summary **out, const uint8_t *p, size_t n, arena *a)
{
    reader r;
    int rc;
    *out = NULL;
    memset(&r, 0, sizeof r);
    r.r_p = p;
    r.r_end = p + n;
    r.r_a = a;
    if (!n)
        return G_ETRUNC;
    if (*r.r_p++ != SUM_FORMAT)
        return G_EBAD;
    rc = get_strings(&r);
    if (!rc)
        rc = read_summary(out, &r);
    mem_free((void *)r.r_strs);
    return rc;
}

/* The body after the string table (eng_summary_read). */
static int read_summary(eng_summary **out, reader *rp)
{
    reader r = *rp;
    arena *a = r.r_a;
    eng_summary *s;
    uint32_t i, k, flags;
    if (!(s = arena_alloc(a, sizeof *s)))
        return G_ENOMEM;
    memset(s, 0, sizeof *s);
    s->s_module = get_s(&r);
    s->s_package = (uint8_t)get_u32(&r);
    s->s_file = get_s(&r);
    s->s_minor = get_i32(&r);
    s->s_nfuncs = get_u32(&r);
    s->s_funcs = get_array(&r, s->s_nfuncs, sizeof *s->s_funcs, 16);
    for (i = 0; s->s_funcs && i < s->s_nfuncs && !r.r_err; i++)
        get_func(&r, &s->s_funcs[i]);
    s->s_nclasses = get_u32(&r);
    s->s_classes = get_array(&r, s->s_nclasses, sizeof *s->s_classes, 6);
    for (i = 0; s->s_classes && i < s->s_nclasses && !r.r_err; i++) {
        sum_class *c = &s->s_classes[i];
        c->k_qualname = get_s(&r);
        c->k_body = get_u32(&r);
        c->k_line = get_i32(&r);
        flags = get_u32(&r);
        c->k_thread_safe = flags & 1;
        c->k_cont = (flags >> 1) & 0x1f;
        c->k_nbases = get_u32(&r);
        c->k_bases = get_array(&r, c->k_nbases, sizeof *c->k_bases, 1);
        for (k = 0; c->k_bases && k < c->k_nbases; k++)
            c->k_bases[k] = get_s(&r);
        c->k_nattrs = get_u32(&r);
        c->k_attrs = get_array(&r, c->k_nattrs, sizeof *c->k_attrs, 4);
        for (k = 0; c->k_attrs && k < c->k_nattrs; k++) {
            sum_attr *at = &c->k_attrs[k];
            at->at_name = get_s(&r);
            at->at_ctor = get_s(&r);
            at->at_alias = get_s(&r);
            flags = get_u32(&r);
            at->at_class_level = flags & 1;
            at->at_instance = (flags >> 1) & 1;
            at->at_from_param = (flags >> 2) & 1;
            at->at_property = (flags >> 3) & 1;
            at->at_cont = (flags >> 4) & 0x1f;
            at->at_param = get_u32(&r);
        }
    }
    s->s_nbinds = get_u32(&r);
    s->s_binds = get_array(&r, s->s_nbinds, sizeof *s->s_binds, 4);
    for (i = 0; s->s_binds && i < s->s_nbinds && !r.r_err; i++) {
        s->s_binds[i].b_name = get_s(&r);
        flags = get_u32(&r);
        s->s_binds[i].b_kind = (uint8_t)(flags & 0xff);
        s->s_binds[i].b_cont = (flags >> 8) & 0x1f;
        s->s_binds[i].b_what = get_s(&r);
        s->s_binds[i].b_code = get_opt(&r);
    }
    s->s_nstarts = get_u32(&r);
    s->s_starts = get_array(&r, s->s_nstarts, sizeof *s->s_starts, 7);
    for (i = 0; s->s_starts && i < s->s_nstarts && !r.r_err; i++) {
        sum_start *t = &s->s_starts[i];
        t->t_kind = (uint8_t)get_u32(&r);
        t->t_many = (uint8_t)get_u32(&r);
        t->t_serial = (uint8_t)(t->t_many >> 1 & 1);
        t->t_many &= 1;
        t->t_func = get_u32(&r);
        t->t_instr = get_u32(&r);
        t->t_line = get_i32(&r);
        t->t_target = get_s(&r);
        t->t_args = get_args(&r, &t->t_nargs);
        t->t_obj = get_s(&r);
        t->t_pool = get_s(&r);
    }
    if (r.r_err)
        return r.r_err;
    if (r.r_p != r.r_end || !check(s))
        return G_EBAD;
    *out = s;
    return G_OK;
}
