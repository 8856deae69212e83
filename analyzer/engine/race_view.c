/* The summaries of a run as the composition keeps them (eng_run): every string once for the
 * whole run, arrays of 32-bit indexes instead of pointers, the calls of each function as bytes
 * decoded when walked, and nothing that only a reported finding shows (candidates, an access's
 * text and columns), which is asked for again, whole, for the few summaries that need it.
 *
 * A call is, in its function's stream: varints of the callee's string, the instruction and the
 * line (each zigzag, from the previous call's; 0 before the first), a flags byte (1 in a loop,
 * 2 owned, 4 under `__main__`, 8 locks follow), the lock bits when flagged, the argument count
 * and, when there are arguments, the bytes they take (a walk that does not need them skips them:
 * rv_calls_start_bare), then per argument a byte saying which of keyword, path and constructor
 * follow (1, 2, 4), then those strings.  An argument's function and display items are not kept: the composition does
 * not read them (g_func is SUM_NONE, g_items NULL). */
#include "race_int.h"

#include <string.h>
#include <xxhash.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/varint.h"

#define TEXT_BLOCK (64 * 1024)  /* strings are packed into blocks this big, without padding */

typedef struct vec {
    void *v_items;             /* mem_realloc'd */
    uint32_t v_n, v_cap;
} vec;

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
    strbuf n_args;             /* one call's arguments while they are encoded */
    rv_str *n_ids;             /* eng_run_add_bytes: the record's strings as the run's */
    uint32_t n_capids;
    vec n_vfuncs, n_vacc, n_vwin, n_vacqs, n_vcells, n_vmore, n_vattrs, n_vids, n_vclasses,
        n_vbinds, n_vstarts;  /* ... and its items (mem_realloc'd, reused) */
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

/* The id of the text t[0..len) (no NUL inside), added when new; 0 (n_oom) when memory runs
 * out. */
static rv_str intern_n(eng_run *n, const char *t, size_t len)
{
    uint32_t j, mask;
    uint64_t h;
    if (n->n_oom)
        return 0;
    if ((n->n_nstrs + 1) * 2 > n->n_nslots && slots_grow(n)) {
        n->n_oom = 1;
        return 0;
    }
    h = XXH3_64bits(t, len);
    mask = n->n_nslots - 1;
    for (j = (uint32_t)h & mask; n->n_slots[j]; j = (j + 1) & mask) {
        const char *o = n->n_strs[n->n_slots[j]];
        if (!strncmp(o, t, len) && !o[len])
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
    sb_init(&n->n_args);
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
    sb_free(&n->n_args);
    mem_free(n->n_ids);
    mem_free(n->n_vfuncs.v_items);
    mem_free(n->n_vacc.v_items);
    mem_free(n->n_vwin.v_items);
    mem_free(n->n_vacqs.v_items);
    mem_free(n->n_vcells.v_items);
    mem_free(n->n_vmore.v_items);
    mem_free(n->n_vattrs.v_items);
    mem_free(n->n_vids.v_items);
    mem_free(n->n_vclasses.v_items);
    mem_free(n->n_vbinds.v_items);
    mem_free(n->n_vstarts.v_items);
    mem_free(n);
}

uint32_t eng_run_count(const eng_run *n)
{
    return n->n_nsums;
}

/***** adding a summary *****/

static uint64_t zigzag(int64_t v)
{
    return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1;
}

/* Appends a varint to sb (without a call when there is room: most of the time). */
static inline void put_var(strbuf *sb, uint64_t v)
{
    if (v < 0x80 && sb->sb_cap - sb->sb_len > 1) {
        sb->sb_buf[sb->sb_len++] = (char)v;
    } else {
        uint8_t b[VARINT_MAX];
        sb_putn(sb, (const char *)b, varint_put(b, v));
    }
}

static inline void put_byte(strbuf *sb, uint8_t c)
{
    if (sb->sb_cap - sb->sb_len > 1)
        sb->sb_buf[sb->sb_len++] = (char)c;
    else
        sb_putn(sb, (const char *)&c, 1);
}

/* Appends one argument to sb: its tag and strings. */
static void put_arg(strbuf *sb, rv_str kw, rv_str path, rv_str ctor)
{
    put_byte(sb, (uint8_t)((kw ? 1 : 0) | (path ? 2 : 0) | (ctor ? 4 : 0)));
    if (kw)
        put_var(sb, kw);
    if (path)
        put_var(sb, path);
    if (ctor)
        put_var(sb, ctor);
}

/* Appends one call to the stream, its nargs arguments already in n_args; *instr and *line are
 * the previous call's, updated. */
/* flags as the summary's bytes have them: bit 0 c_loop, 1 c_owned, 2 c_main, c_npos from bit 3 */
static void emit_call(eng_run *n, rv_str callee, uint32_t c_instr, int32_t c_line,
                      uint32_t flags, uint64_t locks, uint32_t nargs, uint32_t *instr,
                      int32_t *line)
{
    strbuf *sb = &n->n_calls;
    put_var(sb, callee);
    put_var(sb, zigzag((int64_t)c_instr - *instr));
    put_var(sb, zigzag((int64_t)c_line - *line));
    *instr = c_instr;
    *line = c_line;
    uint32_t npos = flags >> 3;  /* fewer than IR_MAX_ARGS, or 15: SUM_PARTIAL */
    put_byte(sb, (uint8_t)((flags & 7) | (locks ? 8 : 0) | (npos < IR_MAX_ARGS ? npos : 15) << 4));
    if (locks)
        put_var(sb, locks);
    put_var(sb, nargs);
    if (nargs) {
        put_var(sb, n->n_args.sb_len);
        sb_putn(sb, n->n_args.sb_buf, n->n_args.sb_len);
    }
}

int eng_run_add(eng_run *n, const eng_summary *s)
{
    /* through its bytes: one reader fills the run's form, whichever way a summary arrives */
    strbuf sb;
    int rc;
    if (n->n_oom)
        return G_ENOMEM;
    sb_init(&sb);
    rc = eng_summary_write(&sb, s);
    if (!rc)
        rc = eng_run_add_bytes(n, (const uint8_t *)sb.sb_buf, sb.sb_len);
    sb_free(&sb);
    return rc ? G_ENOMEM : G_OK;
}

/***** adding a summary from its bytes *****/

/* eng_run_add_bytes reads eng_summary_write's layout (sum_io.c) straight into the view: each of
 * the record's strings interned once, the items into vectors reused from one summary to the
 * next, then copied to the arena at their size; the checks are those of eng_summary_read. */

typedef struct rd {
    const uint8_t *d_p, *d_end;
    rv_str *d_ids;             /* the record's strings as the run's: [i] for index i + 1 */
    uint64_t d_nstrs;
    int d_err;                 /* G_ETRUNC, G_EBAD or G_ENOMEM once something failed */
} rd;

/* rd_var of more than one byte, at the end, or after an error. */
static uint64_t rd_var_long(rd *d)
{
    uint64_t v;
    if (d->d_err || (d->d_err = varint_get(&d->d_p, d->d_end, &v)))
        return 0;
    return v;
}

static inline uint64_t rd_var(rd *d)
{
    if (d->d_p < d->d_end && *d->d_p < 0x80 && !d->d_err)
        return *d->d_p++;      /* one byte: most of them */
    return rd_var_long(d);
}

static uint32_t rd_u32(rd *d)
{
    uint64_t v = rd_var(d);
    if (v > UINT32_MAX && !d->d_err)
        d->d_err = G_EBAD;
    return (uint32_t)v;
}

static uint32_t rd_opt(rd *d)
{
    uint64_t v = rd_var(d);
    if (v > (uint64_t)UINT32_MAX + 1 && !d->d_err)
        d->d_err = G_EBAD;
    return v ? (uint32_t)(v - 1) : SUM_NONE;
}

static int32_t rd_i32(rd *d)
{
    int64_t x = (int64_t)rd_var(d) - 1;
    if ((x < INT32_MIN || x > INT32_MAX) && !d->d_err)
        d->d_err = G_EBAD;
    return (int32_t)x;
}

/* A string of the record as the run's id (0 for none). */
static rv_str rd_s(rd *d)
{
    uint64_t i = rd_var(d);
    if (!i || d->d_err)
        return 0;
    if (i > d->d_nstrs) {
        d->d_err = G_EBAD;
        return 0;
    }
    return d->d_ids[i - 1];
}

/* A string that must be there. */
static rv_str rd_s1(rd *d)
{
    rv_str id = rd_s(d);
    if (!id && !d->d_err)
        d->d_err = G_EBAD;
    return id;
}

/* Room for one more item of `size` bytes at the end of v (zeroed); NULL (n_oom) when memory
 * runs out. */
static void *push(eng_run *n, vec *v, size_t size)
{
    char *item;
    if (v->v_n == v->v_cap) {
        uint32_t cap = v->v_cap ? v->v_cap * 2 : 64;
        void *g = mem_realloc(v->v_items, (size_t)cap * size);
        if (!g) {
            n->n_oom = 1;
            return NULL;
        }
        v->v_items = g;
        v->v_cap = cap;
    }
    item = (char *)v->v_items + (size_t)v->v_n++ * size;
    memset(item, 0, size);
    return item;
}

/* v's items copied to the arena (NULL for none). */
static void *settle(eng_run *n, const vec *v, size_t size)
{
    void *p;
    if (!v->v_n)
        return NULL;
    if (!(p = arena_array(n->n_a, v->v_n, size))) {
        n->n_oom = 1;
        return NULL;
    }
    memcpy(p, v->v_items, (size_t)v->v_n * size);
    return p;
}

/* The string table: each string interned (cut at a NUL, as eng_summary_read's C strings are). */
static int rd_strings(eng_run *n, rd *d)
{
    uint64_t i;
    d->d_nstrs = rd_var(d);
    if (d->d_err || d->d_nstrs > (uint64_t)(d->d_end - d->d_p))
        return d->d_err ? d->d_err : G_ETRUNC;
    if (d->d_nstrs > n->n_capids) {
        rv_str *g = mem_realloc(n->n_ids, (size_t)d->d_nstrs * sizeof *g);
        if (!g)
            return G_ENOMEM;
        n->n_ids = g;
        n->n_capids = (uint32_t)d->d_nstrs;
    }
    d->d_ids = n->n_ids;
    for (i = 0; i < d->d_nstrs; i++) {
        uint64_t len = rd_var(d);
        if (d->d_err)
            return d->d_err;
        if (len > (uint64_t)(d->d_end - d->d_p))
            return G_ETRUNC;
        if (!(d->d_ids[i] = intern_n(n, (const char *)d->d_p, strnlen((const char *)d->d_p, len))))
            return G_ENOMEM;
        d->d_p += len;
    }
    return G_OK;
}

/* Arguments: into the call stream (calls) or as sum_args in the arena (starts: *out). */
static void rd_args(eng_run *n, rd *d, int to_stream, sum_arg **out, uint32_t *out_n)
{
    uint32_t count = rd_u32(d), i, k;
    sum_arg *g = NULL;
    if (to_stream)
        sb_clear(&n->n_args);
    else if (count && !d->d_err && count <= (uint64_t)(d->d_end - d->d_p) &&
             !(g = arena_array(n->n_a, count, sizeof *g)))
        n->n_oom = 1;
    for (i = 0; i < count && !d->d_err && !n->n_oom; i++) {
        rv_str kw = rd_s(d), path = rd_s(d), ctor = rd_s(d);
        uint32_t nitems;
        uint8_t distinct;
        (void)rd_opt(d);                           /* the function: not read by the view */
        nitems = rd_u32(d);
        for (k = 0; k < nitems && !d->d_err; k++)  /* nor the display's items */
            (void)rd_s(d);
        distinct = (uint8_t)rd_u32(d);
        if (to_stream) {
            put_arg(&n->n_args, kw, path, ctor);
        } else if (g) {
            g[i].g_kw = n->n_strs[kw];
            g[i].g_path = n->n_strs[path];
            g[i].g_ctor = n->n_strs[ctor];
            g[i].g_func = SUM_NONE;
            g[i].g_distinct = distinct;
        }
    }
    if (!to_stream) {
        *out = d->d_err ? NULL : g;
        *out_n = d->d_err || !g ? 0 : count;
    } else if (out_n) {
        *out_n = count;
    }
}

/* One function of the record. */
static void rd_func(eng_run *n, rd *d, rv_func *f, uint32_t nfuncs_left)
{
    rv_more m;
    uint32_t k, count, flags, instr = 0;
    int32_t line = 0;
    (void)nfuncs_left;
    memset(&m, 0, sizeof m);
    f->u_name = rd_s1(d);
    f->u_qualname = rd_s1(d);
    f->u_class = rd_opt(d);
    f->u_parent = rd_opt(d);
    f->u_flags = (uint16_t)rd_u32(d);
    f->u_nparams = rd_u32(d);
    f->u_params = n->n_vids.v_n;
    for (k = 0; k < f->u_nparams && !d->d_err; k++) {
        rv_str *id = push(n, &n->n_vids, sizeof *id);
        if (!id)
            return;
        *id = rd_s(d);
    }
    f->u_line = rd_i32(d);
    m.m_escape = rd_opt(d);
    f->u_none_dflt = (uint16_t)rd_var(d);
    m.m_ncells = rd_u32(d);
    m.m_cells = n->n_vcells.v_n;
    for (k = 0; k < m.m_ncells && !d->d_err; k++) {
        rv_cell *c = push(n, &n->n_vcells, sizeof *c);
        if (!c)
            return;
        c->cp_name = rd_s1(d);
        c->cp_param = rd_u32(d);
        if (c->cp_param >= f->u_nparams && !d->d_err)
            d->d_err = G_EBAD;
    }
    m.m_nacqs = rd_u32(d);
    m.m_acqs = n->n_vacqs.v_n;
    for (k = 0; k < m.m_nacqs && !d->d_err; k++) {
        rv_acq *q = push(n, &n->n_vacqs, sizeof *q);
        if (!q)
            return;
        q->q_path = rd_s(d);
        q->q_ctor = rd_s(d);
        q->q_named = (uint8_t)rd_u32(d);
    }
    f->u_nacc = rd_u32(d);
    f->u_acc = n->n_vacc.v_n;
    for (k = 0; k < f->u_nacc && !d->d_err; k++) {
        rv_acc *a = push(n, &n->n_vacc, sizeof *a);
        if (!a)
            return;
        a->a_path = rd_s1(d);
        (void)rd_s1(d);                            /* its text: read from the whole summary */
        a->a_method = rd_s(d);
        a->a_const = rd_s(d);
        a->a_kind = (uint8_t)rd_u32(d);
        flags = rd_u32(d);
        a->a_loop = flags & 1;
        a->a_recv = (flags >> 1) & 3;
        a->a_falsy = (flags >> 3) & 3;
        a->a_ifparam = (uint8_t)(flags >> 5);
        a->a_instr = rd_u32(d);
        (void)rd_u32(d);                           /* offset, columns: the whole summary's */
        a->a_line = rd_i32(d);
        (void)rd_i32(d);
        (void)rd_i32(d);
        (void)rd_i32(d);
        a->a_locks = rd_var(d);
    }
    m.m_nwin = rd_u32(d);
    m.m_win = n->n_vwin.v_n;
    for (k = 0; k < m.m_nwin && !d->d_err; k++) {
        rv_win *w = push(n, &n->n_vwin, sizeof *w);
        if (!w)
            return;
        w->w_finding = rd_u32(d);
        w->w_path = rd_s1(d);
        w->w_breaks = (uint8_t)rd_u32(d);
        w->w_first = rd_u32(d);
        w->w_last = rd_u32(d);
        w->w_locks = rd_var(d);
        w->w_method = rd_s(d);
        flags = rd_u32(d);
        w->w_recv = (uint8_t)(flags & 3);
        w->w_value = (uint8_t)(((flags >> 2) & 1) | (((flags >> 3) & 1) << 1));
        w->w_ifparam = (uint8_t)((flags >> 4) & 0xff);
        w->w_value |= (uint8_t)(((flags >> 12) & 1) << 2);
        w->w_check = rd_s(d);
    }
    count = rd_u32(d);
    if (n->n_calls.sb_len >= UINT32_MAX && !d->d_err)
        d->d_err = G_ENOMEM;
    f->u_calls = (uint32_t)n->n_calls.sb_len;
    f->u_ncalls = count;
    for (k = 0; k < count && !d->d_err; k++) {     /* into the stream: as put_calls writes it */
        rv_str callee = rd_s1(d);
        uint32_t c_instr, c_flags, nargs = 0;
        int32_t c_line;
        uint64_t locks;
        rd_args(n, d, 1, NULL, &nargs);
        c_instr = rd_u32(d);
        c_line = rd_i32(d);
        locks = rd_var(d);
        c_flags = rd_u32(d);
        if (d->d_err)
            break;
        emit_call(n, callee, c_instr, c_line, c_flags, locks, nargs, &instr, &line);
    }
    m.m_nheld = rd_u32(d);
    m.m_held = n->n_vids.v_n;
    for (k = 0; k < m.m_nheld && !d->d_err; k++) {
        rv_str *id = push(n, &n->n_vids, sizeof *id);
        if (!id)
            return;
        *id = rd_s1(d);
    }
    m.m_nreleased = rd_u32(d);
    m.m_released = n->n_vids.v_n;
    for (k = 0; k < m.m_nreleased && !d->d_err; k++) {
        rv_str *id = push(n, &n->n_vids, sizeof *id);
        if (!id)
            return;
        *id = rd_s1(d);
    }
    m.m_nexcl = rd_u32(d);
    m.m_excl = n->n_vids.v_n;
    for (k = 0; k < m.m_nexcl && !d->d_err; k++) {
        rv_str *id = push(n, &n->n_vids, sizeof *id);
        if (!id)
            return;
        *id = rd_u32(d);            /* a code index: checked against the count at the end */
    }
    f->u_more = SUM_NONE;
    if (m.m_escape != SUM_NONE || m.m_nwin || m.m_nacqs || m.m_ncells || m.m_nheld ||
        m.m_nreleased || m.m_nexcl) {
        rv_more *mm = push(n, &n->n_vmore, sizeof *mm);
        if (!mm)
            return;
        *mm = m;
        f->u_more = n->n_vmore.v_n - 1;
    }
}

int eng_run_add_bytes(eng_run *n, const uint8_t *p, size_t len)
{
    rd d;
    rv_sum *v;
    uint32_t i, k, nfuncs, nclasses, nbinds, nstarts;
    rv_str module, file;
    int32_t minor;
    uint8_t package;
    int rc;
    if (n->n_oom)
        return G_ENOMEM;
    memset(&d, 0, sizeof d);
    d.d_p = p;
    d.d_end = p + len;
    if (!len)
        return G_ETRUNC;
    if (*d.d_p++ != SUM_FORMAT)
        return G_EBAD;
    if ((rc = rd_strings(n, &d)))
        return rc;
    n->n_vfuncs.v_n = n->n_vacc.v_n = n->n_vwin.v_n = n->n_vacqs.v_n = n->n_vcells.v_n = 0;
    n->n_vmore.v_n = n->n_vattrs.v_n = n->n_vids.v_n = n->n_vclasses.v_n = 0;
    n->n_vbinds.v_n = n->n_vstarts.v_n = 0;
    sb_clear(&n->n_calls);
    module = rd_s1(&d);
    package = (uint8_t)rd_u32(&d);
    file = rd_s1(&d);
    minor = rd_i32(&d);
    nfuncs = rd_u32(&d);
    if (!nfuncs && !d.d_err)
        d.d_err = G_EBAD;
    for (i = 0; i < nfuncs && !d.d_err && !n->n_oom; i++) {
        rv_func *f = push(n, &n->n_vfuncs, sizeof *f);
        if (f)
            rd_func(n, &d, f, nfuncs - i);
    }
    nclasses = rd_u32(&d);
    for (i = 0; i < nclasses && !d.d_err && !n->n_oom; i++) {
        rv_class *c = push(n, &n->n_vclasses, sizeof *c);
        uint32_t flags, body;
        if (!c)
            break;
        c->k_qualname = rd_s1(&d);
        body = rd_u32(&d);
        if (body >= nfuncs && !d.d_err)
            d.d_err = G_EBAD;
        (void)rd_i32(&d);                          /* its line */
        flags = rd_u32(&d);
        c->k_thread_safe = flags & 1;
        c->k_cont = (flags >> 1) & 0x1f;
        c->k_nbases = rd_u32(&d);
        c->k_bases = n->n_vids.v_n;
        for (k = 0; k < c->k_nbases && !d.d_err; k++) {
            rv_str *id = push(n, &n->n_vids, sizeof *id);
            if (!id)
                break;
            *id = rd_s1(&d);
            c = &((rv_class *)n->n_vclasses.v_items)[i];
        }
        c->k_nattrs = rd_u32(&d);
        c->k_attrs = n->n_vattrs.v_n;
        for (k = 0; k < c->k_nattrs && !d.d_err; k++) {
            rv_attr *at = push(n, &n->n_vattrs, sizeof *at);
            if (!at)
                break;
            at->at_name = rd_s1(&d);
            at->at_ctor = rd_s(&d);
            at->at_alias = rd_s(&d);
            flags = rd_u32(&d);
            at->at_class_level = flags & 1;
            at->at_instance = (flags >> 1) & 1;
            at->at_property = (flags >> 3) & 1;
            at->at_cont = (flags >> 4) & 0x1f;
            at->at_param = rd_u32(&d);
        }
    }
    nbinds = rd_u32(&d);
    for (i = 0; i < nbinds && !d.d_err && !n->n_oom; i++) {
        rv_bind *b = push(n, &n->n_vbinds, sizeof *b);
        uint32_t flags;
        if (!b)
            break;
        b->b_name = rd_s1(&d);
        flags = rd_u32(&d);
        b->b_kind = (uint8_t)(flags & 0xff);
        b->b_cont = (flags >> 8) & 0x1f;
        b->b_what = rd_s(&d);
        b->b_code = rd_opt(&d);
        if (!d.d_err && ((b->b_kind == VAL_CLASS && b->b_code >= nclasses) ||
                         (b->b_kind == VAL_FUNC && b->b_code >= nfuncs)))
            d.d_err = G_EBAD;
    }
    nstarts = rd_u32(&d);
    for (i = 0; i < nstarts && !d.d_err && !n->n_oom; i++) {
        sum_start *t = push(n, &n->n_vstarts, sizeof *t);
        if (!t)
            break;
        t->t_kind = (uint8_t)rd_u32(&d);
        t->t_many = (uint8_t)rd_u32(&d);
        t->t_serial = (uint8_t)(t->t_many >> 1 & 1);
        t->t_many &= 1;
        t->t_func = rd_u32(&d);
        if (t->t_func >= nfuncs && !d.d_err)
            d.d_err = G_EBAD;
        t->t_instr = rd_u32(&d);
        t->t_line = rd_i32(&d);
        t->t_target = n->n_strs[rd_s(&d)];
        rd_args(n, &d, 0, &t->t_args, &t->t_nargs);
        t->t_obj = n->n_strs[rd_s(&d)];
        t->t_pool = n->n_strs[rd_s(&d)];
    }
    if (!d.d_err && d.d_p != d.d_end)
        d.d_err = G_EBAD;
    /* what refers to what comes later: classes of functions, excluded closures */
    for (i = 0; i < n->n_vfuncs.v_n && !d.d_err; i++) {
        const rv_func *f = &((const rv_func *)n->n_vfuncs.v_items)[i];
        if ((f->u_class != SUM_NONE && f->u_class >= nclasses) ||
            (f->u_parent != SUM_NONE && f->u_parent >= nfuncs))
            d.d_err = G_EBAD;
        if (f->u_more != SUM_NONE) {
            const rv_more *m = &((const rv_more *)n->n_vmore.v_items)[f->u_more];
            for (k = 0; k < m->m_nexcl; k++)
                if (((const uint32_t *)n->n_vids.v_items)[m->m_excl + k] >= nfuncs)
                    d.d_err = G_EBAD;
        }
    }
    if (n->n_oom || n->n_calls.sb_failed)
        return G_ENOMEM;
    if (d.d_err)
        return d.d_err;
    if (n->n_nsums == n->n_capsums) {
        uint32_t cap = n->n_capsums ? n->n_capsums * 2 : 256;
        rv_sum **g = mem_realloc(n->n_sums, (size_t)cap * sizeof *g);
        if (!g)
            return G_ENOMEM;
        n->n_sums = g;
        n->n_capsums = cap;
    }
    if (!(v = arena_alloc(n->n_a, sizeof *v)))
        return G_ENOMEM;
    memset(v, 0, sizeof *v);
    v->s_module = n->n_strs[module];
    v->s_file = n->n_strs[file];
    v->s_minor = minor;
    v->s_package = package;
    v->s_nfuncs = nfuncs;
    v->s_nclasses = nclasses;
    v->s_nbinds = nbinds;
    v->s_nstarts = nstarts;
    v->s_funcs = settle(n, &n->n_vfuncs, sizeof *v->s_funcs);
    v->s_classes = settle(n, &n->n_vclasses, sizeof *v->s_classes);
    v->s_binds = settle(n, &n->n_vbinds, sizeof *v->s_binds);
    v->s_starts = settle(n, &n->n_vstarts, sizeof *v->s_starts);
    v->s_acc = settle(n, &n->n_vacc, sizeof *v->s_acc);
    v->s_win = settle(n, &n->n_vwin, sizeof *v->s_win);
    v->s_acqs = settle(n, &n->n_vacqs, sizeof *v->s_acqs);
    v->s_cells = settle(n, &n->n_vcells, sizeof *v->s_cells);
    v->s_more = settle(n, &n->n_vmore, sizeof *v->s_more);
    v->s_attrs = settle(n, &n->n_vattrs, sizeof *v->s_attrs);
    v->s_ids = settle(n, &n->n_vids, sizeof *v->s_ids);
    if (n->n_calls.sb_len) {
        uint8_t *calls = arena_alloc(n->n_a, n->n_calls.sb_len);
        if (!calls)
            return G_ENOMEM;
        memcpy(calls, n->n_calls.sb_buf, n->n_calls.sb_len);
        v->s_calls = calls;
    }
    if (n->n_oom)
        return G_ENOMEM;
    n->n_sums[n->n_nsums++] = v;
    return G_OK;
}

/***** reading calls *****/

void rv_calls_start_bare(rv_calls *it, rc_run *r, uint32_t mod, const rv_func *u)
{
    rv_calls_start(it, r, mod, u);
    it->it_bare = 1;
}

void rv_calls_start(rv_calls *it, rc_run *r, uint32_t mod, const rv_func *u)
{
    it->it_bare = 0;
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
    out->c_npos = (uint8_t)(flags >> 4) < IR_MAX_ARGS ? (uint8_t)(flags >> 4) : SUM_PARTIAL;
    nargs = (uint32_t)get_var(it);
    if (nargs) {
        uint64_t bytes = get_var(it);
        if (it->it_bare) {     /* the walk does not read them */
            it->it_p += bytes;
            out->c_nargs = nargs;
            return 1;
        }
    }
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
