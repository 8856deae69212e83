/* One file's outcome (its summary and candidate findings, a syntax error, or the failure and its
 * messages) as bytes and back: the form a worker process sends to the parent and the result
 * cache stores.
 *
 * Layout, native byte order (a cache entry is only read by the build that wrote it, checked by
 * the entry's header): u32 BLOB_FORMAT, i32 rc, u32 findings, u32 messages, u8 1 when there is
 * a summary, the strings source (a .pyc's source for `# noqa`) and dependency (a .pyc's
 * co_filename, read or not: drv_cache records its state); then u32 length and the
 * summary's bytes (eng_summary_write) when there is one; u32 length of the findings that
 * follow -- the summary's candidates, or without one a syntax error's GIL000 -- so that a
 * reader who wants the summary alone skips them (drv_blob_head); per finding the strings rule,
 * file, message, target, function, related-what and the integers of `finding` with its switch
 * points, the string target type, u32 Python-code entries (u32 offset, string why each), u32
 * caveats (strings), then u8 1, u32 length and its interleaving packed (below), or u8 0 when it
 * has none; per message i32 code, i64 offset, the strings file and text.  A string is u32
 * length + bytes, length 0xffffffff for NULL.
 *
 * A packed interleaving is varints (LEB128; signed ones zigzag): the step count, the strings
 * kind, final, expected, switch_at, gil, and per step u8 thread, instr, offset, the strings
 * opname and sees, u8 switch, line, col, the string arg.  A string there is 0 for NULL, 1 followed
 * by length and bytes for a new one, or k + 2 for the k-th new one before it (opnames repeat).
 * A candidate's interleaving is shown only if the composition reports it, a few in a thousand:
 * the reader keeps the packed bytes as they are (packed_ilv), and the composition's findings
 * are unpacked when they are handed out (drv_blob_unpack). */
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/varint.h"
#include "drv_int.h"

#define NO_STRING 0xffffffffu
#define BLOB_FORMAT 7u         /* 3: a summary and its candidates, composed by the reader;
                                * 4: Python code inside the window, caveats, the target's type;
                                * 5: interleavings packed, unpacked when reported; 6: the
                                * summary first, the findings after their length; 7: the
                                * dependency */
#define STEP_MIN_BYTES 9u      /* the smallest packed step: a bound before allocating */
#define RECENT 16              /* strings the writer looks back at for a repeat */

void drv_blob_free(drv_blob *b)
{
    mem_free(b->b_data);
    memset(b, 0, sizeof *b);
}

/* ---- writing ---- */

static int put(drv_blob *b, const void *p, size_t n)
{
    if (b->b_cap - b->b_len < n) {   /* grows by doubling (rare) */
        size_t cap = b->b_cap ? b->b_cap : 256;
        uint8_t *grown;
        while (cap - b->b_len < n)
            cap *= 2;
        if (!(grown = mem_realloc(b->b_data, cap)))
            return G_ENOMEM;
        b->b_data = grown;
        b->b_cap = cap;
    }
    memcpy(b->b_data + b->b_len, p, n);
    b->b_len += n;
    return G_OK;
}

int drv_blob_append(drv_blob *b, const void *p, size_t n)
{
    return put(b, p, n);
}

static int put_u32(drv_blob *b, uint32_t v)
{
    return put(b, &v, sizeof v);
}

static int put_i32(drv_blob *b, int32_t v)
{
    return put(b, &v, sizeof v);
}

static int put_str(drv_blob *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!s)
        return put_u32(b, NO_STRING);
    if (n >= NO_STRING)
        return G_EBAD;
    return put_u32(b, (uint32_t)n) || put(b, s, n) ? G_ENOMEM : G_OK;
}

static int put_u8(drv_blob *b, uint8_t v)
{
    return put(b, &v, sizeof v);
}

static int put_var(drv_blob *b, uint64_t v)
{
    uint8_t buf[VARINT_MAX];
    return put(b, buf, varint_put(buf, v));
}

static int put_signed(drv_blob *b, int64_t v)
{
    return put_var(b, v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1);
}

/* Strings of one packed interleaving: how many were written new, and the last RECENT of them
 * to look for a repeat in. */
typedef struct packer {
    const char *pk_recent[RECENT];
    size_t pk_len[RECENT];     /* their lengths: most strings are new, compared by length */
    uint32_t pk_index[RECENT];
    uint32_t pk_n;
} packer;

static int put_packed_str(drv_blob *b, packer *pk, const char *s)
{
    uint32_t i;
    size_t n;
    if (!s)
        return put_var(b, 0);
    n = strlen(s);
    for (i = 0; i < RECENT && i < pk->pk_n; i++)
        if (pk->pk_recent[i] == s || (pk->pk_len[i] == n && !memcmp(pk->pk_recent[i], s, n)))
            return put_var(b, (uint64_t)pk->pk_index[i] + 2);
    pk->pk_recent[pk->pk_n % RECENT] = s;
    pk->pk_len[pk->pk_n % RECENT] = n;
    pk->pk_index[pk->pk_n % RECENT] = pk->pk_n;
    pk->pk_n++;
    return put_var(b, 1) || put_var(b, n) || put(b, s, n) ? G_ENOMEM : G_OK;
}

static int put_interleaving(drv_blob *b, const eng_interleaving *il)
{
    packer pk;
    size_t at;
    uint32_t i, len;
    if (!il)
        return put_u8(b, 0);
    pk.pk_n = 0;
    if (put_u8(b, 1) || put_u32(b, 0))
        return G_ENOMEM;
    at = b->b_len;
    if (put_var(b, il->il_nsteps) || put_packed_str(b, &pk, il->il_kind) ||
        put_packed_str(b, &pk, il->il_final) || put_packed_str(b, &pk, il->il_expected) ||
        put_var(b, il->il_switch_at) || put_signed(b, il->il_gil))
        return G_ENOMEM;
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
        if (put_u8(b, (uint8_t)s->st_thread) || put_signed(b, s->st_instr) ||
            put_var(b, s->st_offset) || put_packed_str(b, &pk, s->st_opname) ||
            put_packed_str(b, &pk, s->st_sees) || put_u8(b, s->st_switch) ||
            put_signed(b, s->st_line) || put_signed(b, s->st_col) ||
            put_packed_str(b, &pk, s->st_arg))
            return G_ENOMEM;
    }
    if (b->b_len - at >= UINT32_MAX)
        return G_EBAD;
    len = (uint32_t)(b->b_len - at);
    memcpy(b->b_data + at - sizeof len, &len, sizeof len);
    return G_OK;
}

static int put_finding(drv_blob *b, const finding *f)
{
    int bad = put_str(b, f->f_rule) || put_str(b, f->f_file) || put_str(b, f->f_message) ||
              put_str(b, f->f_target) || put_str(b, f->f_function) || put_str(b, f->f_rel_what) ||
              put_i32(b, f->f_line) || put_i32(b, f->f_col) || put_i32(b, f->f_end_line) ||
              put_i32(b, f->f_end_col) || put_i32(b, f->f_rel_line) || put_i32(b, f->f_rel_col) ||
              put_u32(b, f->f_code) || put_u32(b, f->f_first) || put_u32(b, f->f_last) ||
              put_i32(b, f->f_python_minor) || put_u32(b, f->f_nswitch) ||
              (f->f_nswitch && put(b, f->f_switch, f->f_nswitch * sizeof *f->f_switch)) ||
              put_str(b, f->f_target_type) || put_u32(b, f->f_npycode);
    uint32_t i;
    for (i = 0; !bad && i < f->f_npycode; i++)
        bad = put_u32(b, f->f_pycode[i].pc_offset) || put_str(b, f->f_pycode[i].pc_why);
    bad = bad || put_u32(b, f->f_ncaveats);
    for (i = 0; !bad && i < f->f_ncaveats; i++)
        bad = put_str(b, f->f_caveats[i]);
    bad = bad || put_interleaving(b, f->f_ilv);
    return bad ? G_ENOMEM : G_OK;
}

/* One message of the file's diagnostics: code, offset, file, text. */
static int put_message(drv_blob *out, const diag_msg *m)
{
    int64_t off = m->dm_offset;
    return put_i32(out, m->dm_code) || put(out, &off, sizeof off) || put_str(out, m->dm_file) ||
           put_str(out, m->dm_text);
}

int drv_blob_put(drv_blob *out, int rc, const drv_result *r, const diag_ctx *d)
{
    const eng_result *res = NULL;
    uint32_t nf, i;
    size_t k;
    int have_sum = !rc && r && r->r_sum;
    strbuf sb;
    if (!rc && r)
        res = r->r_sum ? eng_summary_candidates(r->r_sum) : &r->r_res;
    size_t at;
    nf = res ? res->r_count : 0;
    if (put_u32(out, BLOB_FORMAT) || put_i32(out, rc) || put_u32(out, nf) ||
        put_u32(out, (uint32_t)d->d_count) || put_u8(out, (uint8_t)have_sum) ||
        put_str(out, !rc && r ? r->r_source : NULL) || put_str(out, !rc && r ? r->r_named : NULL))
        return G_ENOMEM;
    if (have_sum) {
        sb_init(&sb);
        if (eng_summary_write(&sb, r->r_sum) || sb.sb_len >= UINT32_MAX ||
            put_u32(out, (uint32_t)sb.sb_len) || put(out, sb.sb_buf, sb.sb_len)) {
            sb_free(&sb);
            return G_ENOMEM;
        }
        sb_free(&sb);
    }
    if (put_u32(out, 0))
        return G_ENOMEM;
    at = out->b_len;
    for (i = 0; i < nf; i++)
        if (put_finding(out, &res->r_findings[i]))
            return G_ENOMEM;
    if (out->b_len - at >= UINT32_MAX)
        return G_EBAD;
    {
        uint32_t flen = (uint32_t)(out->b_len - at);
        memcpy(out->b_data + at - sizeof flen, &flen, sizeof flen);
    }
    for (k = 0; k < d->d_count; k++)
        if (put_message(out, &d->d_msgs[k]))
            return G_ENOMEM;
    return G_OK;
}

/* ---- reading ---- */

typedef struct cursor {
    const uint8_t *c_p;        /* next byte */
    const uint8_t *c_end;
    arena *c_arena;            /* strings and arrays go here */
    int c_rc;                  /* sticky: first failure */
} cursor;

static void get(cursor *c, void *out, size_t n)
{
    if (c->c_rc || (size_t)(c->c_end - c->c_p) < n) {
        if (!c->c_rc)
            c->c_rc = G_ETRUNC;
        memset(out, 0, n);
        return;
    }
    memcpy(out, c->c_p, n);
    c->c_p += n;
}

static uint32_t get_u32(cursor *c)
{
    uint32_t v;
    get(c, &v, sizeof v);
    return v;
}

static int32_t get_i32(cursor *c)
{
    int32_t v;
    get(c, &v, sizeof v);
    return v;
}

/* A string copied into the arena (NUL-terminated), NULL for the NULL mark or after a failure. */
static char *get_str(cursor *c)
{
    uint32_t n = get_u32(c);
    char *s;
    if (c->c_rc || n == NO_STRING)
        return NULL;
    if ((size_t)(c->c_end - c->c_p) < n) {
        c->c_rc = G_ETRUNC;
        return NULL;
    }
    if (!(s = arena_alloc(c->c_arena, (size_t)n + 1))) {
        c->c_rc = G_ENOMEM;
        return NULL;
    }
    memcpy(s, c->c_p, n);
    s[n] = 0;
    c->c_p += n;
    return s;
}

/* The same, but "" for NULL: fields the reporter prints unconditionally. */
static const char *get_text(cursor *c)
{
    const char *s = get_str(c);
    return s ? s : "";
}

static uint8_t get_u8(cursor *c)
{
    uint8_t v;
    get(c, &v, sizeof v);
    return v;
}

/***** packed interleavings *****/

/* What a candidate's f_ilv points at until drv_blob_unpack: the packed bytes. */
static const char packed_mark[] = "(packed)";
typedef struct packed_ilv {
    eng_interleaving pi_head;  /* il_kind is packed_mark, no steps: nothing to show */
    const uint8_t *pi_bytes;   /* the packed interleaving (in the arena) */
    uint32_t pi_len;
} packed_ilv;

/* Reads a packed interleaving, checking every count and index against the bytes. */
typedef struct unpacker {
    const uint8_t *up_p, *up_end;
    const char **up_strs;      /* the new strings so far, room for up_max */
    uint32_t up_nstrs;
    uint32_t up_max;           /* 3 + 3 per step: no more strings than that */
    arena *up_a;               /* where strings and steps go */
    int up_rc;                 /* sticky: G_ETRUNC, G_EBAD, G_ENOMEM */
} unpacker;

static uint64_t unpack_var(unpacker *u)
{
    uint64_t v;
    if (!u->up_rc && u->up_p < u->up_end && *u->up_p < 0x80)
        return *u->up_p++;     /* one byte: most of them */
    if (u->up_rc || (u->up_rc = varint_get(&u->up_p, u->up_end, &v)))
        return 0;
    return v;
}

static uint32_t unpack_u32(unpacker *u)
{
    uint64_t v = unpack_var(u);
    if (v > UINT32_MAX && !u->up_rc)
        u->up_rc = G_EBAD;
    return (uint32_t)v;
}

static int32_t unpack_i32(unpacker *u)
{
    uint64_t z = unpack_var(u);
    int64_t v = (z & 1) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
    if ((v < INT32_MIN || v > INT32_MAX) && !u->up_rc)
        u->up_rc = G_EBAD;
    return (int32_t)v;
}

static uint8_t unpack_u8(unpacker *u)
{
    if (u->up_rc || u->up_p >= u->up_end) {
        if (!u->up_rc)
            u->up_rc = G_ETRUNC;
        return 0;
    }
    return *u->up_p++;
}

/* A string: NULL, a new one (copied into the arena) or a repeat. */
static const char *unpack_str(unpacker *u)
{
    uint64_t k = unpack_var(u), len;
    char *s;
    if (u->up_rc || !k)
        return NULL;
    if (k >= 2) {
        if (k - 2 >= u->up_nstrs) {
            u->up_rc = G_EBAD;
            return NULL;
        }
        return u->up_strs[k - 2];
    }
    len = unpack_var(u);
    if (!u->up_rc && len > (uint64_t)(u->up_end - u->up_p))
        u->up_rc = G_ETRUNC;
    if (!u->up_rc && u->up_nstrs >= u->up_max)
        u->up_rc = G_EBAD;
    if (u->up_rc)
        return NULL;
    if (!(s = arena_alloc(u->up_a, (size_t)len + 1))) {
        u->up_rc = G_ENOMEM;
        return NULL;
    }
    memcpy(s, u->up_p, (size_t)len);
    s[len] = 0;
    u->up_p += len;
    u->up_strs[u->up_nstrs++] = s;
    return s;
}

static const char *unpack_text(unpacker *u)
{
    const char *s = unpack_str(u);
    return s ? s : "";
}

/* Decodes the packed interleaving p[0..n) into out (strings and steps in a).  G_OK, G_ETRUNC,
 * G_EBAD or G_ENOMEM (out is then unchanged). */
static int unpack(eng_interleaving *out, const uint8_t *p, size_t n, arena *a)
{
    unpacker u;
    eng_interleaving il;
    eng_step *s;
    uint32_t i;
    memset(&u, 0, sizeof u);
    memset(&il, 0, sizeof il);
    u.up_p = p;
    u.up_end = p + n;
    u.up_a = a;
    il.il_nsteps = unpack_u32(&u);
    if (u.up_rc)
        return u.up_rc;
    if (!il.il_nsteps || n / STEP_MIN_BYTES < il.il_nsteps)
        return G_EBAD;
    u.up_max = 3 + 3 * il.il_nsteps;           /* and each new string takes 2 bytes at least */
    if (u.up_max > n / 2 + 1)
        u.up_max = (uint32_t)(n / 2 + 1);
    if (!(u.up_strs = mem_alloc(u.up_max * sizeof *u.up_strs)) ||
        !(il.il_steps = arena_array(a, il.il_nsteps, sizeof *il.il_steps))) {
        mem_free((void *)u.up_strs);
        return G_ENOMEM;
    }
    il.il_kind = unpack_text(&u);
    il.il_final = unpack_text(&u);
    il.il_expected = unpack_text(&u);
    il.il_switch_at = unpack_u32(&u);
    il.il_gil = unpack_i32(&u);
    for (i = 0; i < il.il_nsteps && !u.up_rc; i++) {
        s = &il.il_steps[i];
        s->st_thread = (char)unpack_u8(&u);
        s->st_instr = unpack_i32(&u);
        s->st_offset = unpack_u32(&u);
        s->st_opname = unpack_text(&u);
        s->st_sees = unpack_str(&u);
        s->st_switch = unpack_u8(&u);
        s->st_line = unpack_i32(&u);
        s->st_col = unpack_i32(&u);
        s->st_arg = unpack_str(&u);
    }
    mem_free((void *)u.up_strs);
    if (!u.up_rc && u.up_p != u.up_end)
        u.up_rc = G_EBAD;
    if (!u.up_rc)
        *out = il;
    return u.up_rc;
}

int drv_blob_unpack(finding *f, arena *a)
{
    const packed_ilv *pi = (const packed_ilv *)f->f_ilv;
    eng_interleaving *il;
    int rc;
    if (!pi || pi->pi_head.il_kind != packed_mark)
        return G_OK;
    if (!(il = arena_alloc(a, sizeof *il)))
        return G_ENOMEM;
    rc = unpack(il, pi->pi_bytes, pi->pi_len, a);
    f->f_ilv = rc ? NULL : il;        /* damaged bytes: no schedule (see get_interleaving) */
    return rc == G_ENOMEM ? G_ENOMEM : G_OK;
}

/* The interleaving put_interleaving wrote, or NULL (none, or a failure in c->c_rc): decoded, or
 * when `keep` kept packed for drv_blob_unpack. */
static const eng_interleaving *get_interleaving(cursor *c, int keep)
{
    uint8_t have = get_u8(c);
    uint32_t len;
    int rc;
    if (c->c_rc || !have)
        return NULL;
    if (have != 1) {
        c->c_rc = G_EBAD;
        return NULL;
    }
    len = get_u32(c);
    if (!c->c_rc && (size_t)(c->c_end - c->c_p) < len)
        c->c_rc = G_ETRUNC;
    if (c->c_rc)
        return NULL;
    if (keep) {
        packed_ilv *pi;
        uint8_t *copy;
        /* only its step count is checked here: drv_blob_unpack checks the rest, and bad bytes
         * would cost the finding its schedule, nothing else (records come from our own workers
         * or from cache entries under a checksum: damage is for tests) -- checking them all
         * cost the parent a third of reading the stdlib's records */
        if (!len || *c->c_p == 0 || (*c->c_p < 0x80 && len / STEP_MIN_BYTES < *c->c_p)) {
            c->c_rc = G_EBAD;
            return NULL;
        }
        if (!(pi = arena_alloc(c->c_arena, sizeof *pi)) || !(copy = arena_alloc(c->c_arena, len))) {
            c->c_rc = G_ENOMEM;
            return NULL;
        }
        memset(pi, 0, sizeof *pi);
        memcpy(copy, c->c_p, len);
        pi->pi_head.il_kind = packed_mark;
        pi->pi_bytes = copy;
        pi->pi_len = len;
        c->c_p += len;
        return &pi->pi_head;
    } else {
        eng_interleaving *il = arena_alloc(c->c_arena, sizeof *il);
        if (!il) {
            c->c_rc = G_ENOMEM;
            return NULL;
        }
        if ((rc = unpack(il, c->c_p, len, c->c_arena))) {
            c->c_rc = rc;
            return NULL;
        }
        c->c_p += len;
        return il;
    }
}

/* The target type, the Python code inside the window and the caveats of f. */
static void get_tail(cursor *c, finding *f)
{
    uint32_t i, n;
    eng_pycode *py;
    const char **cav;
    f->f_target_type = get_str(c);
    n = get_u32(c);
    /* an entry takes at least 8 bytes: a bound before allocating */
    if (c->c_rc || (size_t)(c->c_end - c->c_p) / 8 < n) {
        c->c_rc = c->c_rc ? c->c_rc : G_EBAD;
        return;
    }
    if (n && !(py = arena_array(c->c_arena, n, sizeof *py))) {
        c->c_rc = G_ENOMEM;
        return;
    }
    for (i = 0; i < n && !c->c_rc; i++) {
        py[i].pc_offset = get_u32(c);
        py[i].pc_why = get_text(c);
    }
    f->f_pycode = n ? py : NULL;
    f->f_npycode = c->c_rc ? 0 : n;
    n = get_u32(c);
    if (c->c_rc || (size_t)(c->c_end - c->c_p) / 4 < n) {
        c->c_rc = c->c_rc ? c->c_rc : G_EBAD;
        return;
    }
    if (n && !(cav = arena_array(c->c_arena, n, sizeof *cav))) {
        c->c_rc = G_ENOMEM;
        return;
    }
    for (i = 0; i < n && !c->c_rc; i++)
        cav[i] = get_text(c);
    f->f_caveats = n ? cav : NULL;
    f->f_ncaveats = c->c_rc ? 0 : n;
}

static void get_finding(cursor *c, finding *f, int keep)
{
    memset(f, 0, sizeof *f);
    f->f_rule = get_text(c);
    f->f_file = get_text(c);
    f->f_message = get_text(c);
    f->f_target = get_text(c);
    f->f_function = get_text(c);
    f->f_rel_what = get_str(c);
    f->f_line = get_i32(c);
    f->f_col = get_i32(c);
    f->f_end_line = get_i32(c);
    f->f_end_col = get_i32(c);
    f->f_rel_line = get_i32(c);
    f->f_rel_col = get_i32(c);
    f->f_code = get_u32(c);
    f->f_first = get_u32(c);
    f->f_last = get_u32(c);
    f->f_python_minor = get_i32(c);
    f->f_nswitch = get_u32(c);
    if (c->c_rc)
        return;
    if (f->f_nswitch) {
        if ((size_t)(c->c_end - c->c_p) / sizeof *f->f_switch < f->f_nswitch) {
            c->c_rc = G_ETRUNC;
            f->f_nswitch = 0;
            return;
        }
        if (!(f->f_switch = arena_array(c->c_arena, f->f_nswitch, sizeof *f->f_switch))) {
            c->c_rc = G_ENOMEM;
            f->f_nswitch = 0;
            return;
        }
        get(c, f->f_switch, f->f_nswitch * sizeof *f->f_switch);
    }
    get_tail(c, f);
    f->f_ilv = get_interleaving(c, keep);
}

/* The bytes a string takes, and a byte range of the record; out of range: c_rc. */
static const uint8_t *get_bytes(cursor *c, uint32_t len)
{
    const uint8_t *p = c->c_p;
    if (!c->c_rc && (size_t)(c->c_end - c->c_p) < len)
        c->c_rc = G_ETRUNC;
    if (c->c_rc)
        return NULL;
    c->c_p += len;
    return p;
}

/* The record's head: u_rc and u_source into out, the counts, the summary's bytes. */
static void get_head(cursor *c, drv_unit *out, uint32_t *nf, uint32_t *nd,
                     const uint8_t **sum, uint32_t *sumlen, uint32_t *flen)
{
    size_t n = (size_t)(c->c_end - c->c_p);
    uint8_t have_sum;
    *sum = NULL;
    *sumlen = *flen = 0;
    if (get_u32(c) != BLOB_FORMAT) {
        c->c_rc = c->c_rc ? c->c_rc : G_EBAD;
        return;
    }
    out->u_rc = get_i32(c);
    *nf = get_u32(c);
    *nd = get_u32(c);
    have_sum = get_u8(c);
    out->u_source = get_str(c);
    out->u_dep = get_str(c);
    if (c->c_rc)
        return;
    /* every finding and message takes at least 40 bytes: a bound before allocating */
    if (*nf > n / 40 || *nd > n / 16 || (out->u_rc && (*nf || have_sum)) || have_sum > 1) {
        c->c_rc = G_EBAD;
        return;
    }
    if (have_sum) {
        *sumlen = get_u32(c);
        *sum = get_bytes(c, *sumlen);
    }
    *flen = get_u32(c);
}

/* The messages at the record's end, appended to d (NULL: read and dropped). */
static void get_messages(cursor *c, uint32_t nd, diag_ctx *d)
{
    uint32_t i;
    for (i = 0; i < nd && !c->c_rc; i++) {
        int code = get_i32(c);
        int64_t off;
        const char *file, *text;
        get(c, &off, sizeof off);
        file = get_str(c);
        text = get_text(c);
        if (!c->c_rc && d)
            diag_add(d, code, file, (long)off, "%s", text);
    }
}

int drv_blob_head(drv_unit *out, const uint8_t **out_sum, size_t *out_sumlen, const char *path,
                  const uint8_t *p, size_t n, arena *a, diag_ctx *d)
{
    cursor c = { p, p + n, a, G_OK };
    uint32_t nf = 0, nd = 0, i, sumlen, flen;
    const uint8_t *sum, *fstart;
    memset(out, 0, sizeof *out);
    out->u_path = path;
    *out_sum = NULL;
    *out_sumlen = 0;
    get_head(&c, out, &nf, &nd, &sum, &sumlen, &flen);
    fstart = c.c_p;
    if (!c.c_rc && !sum && nf) {       /* a syntax error's GIL000 */
        eng_result *res = &out->u_res;
        if (!(res->r_findings = arena_array(a, nf, sizeof *res->r_findings)))
            return G_ENOMEM;
        for (i = 0; i < nf && !c.c_rc; i++)
            get_finding(&c, &res->r_findings[i], 0);
        res->r_count = res->r_cap = c.c_rc ? 0 : nf;
    } else {
        get_bytes(&c, flen);           /* the candidates: read again when reported */
    }
    if (!c.c_rc && (size_t)(c.c_p - fstart) != flen)
        c.c_rc = G_EBAD;
    get_messages(&c, nd, d);
    if (!c.c_rc && c.c_p != c.c_end)
        c.c_rc = G_EBAD;
    if (c.c_rc) {
        memset(out, 0, sizeof *out);
        out->u_path = path;
        return c.c_rc;
    }
    *out_sum = sum;
    *out_sumlen = sumlen;
    return G_OK;
}

int drv_blob_get(drv_unit *out, const char *path, const uint8_t *p, size_t n, arena *a,
                 diag_ctx *d)
{
    cursor c = { p, p + n, a, G_OK };
    uint32_t nf = 0, nd = 0, i, sumlen, flen;
    const uint8_t *sum, *fstart;
    eng_result res;
    memset(out, 0, sizeof *out);
    memset(&res, 0, sizeof res);
    out->u_path = path;
    get_head(&c, out, &nf, &nd, &sum, &sumlen, &flen);
    if (c.c_rc)
        return c.c_rc;
    fstart = c.c_p;
    if (nf && !(res.r_findings = arena_array(a, nf, sizeof *res.r_findings)))
        return G_ENOMEM;
    for (i = 0; i < nf && !c.c_rc; i++)
        get_finding(&c, &res.r_findings[i], sum != NULL);
    res.r_count = res.r_cap = c.c_rc ? 0 : nf;
    if (!c.c_rc && (size_t)(c.c_p - fstart) != flen)
        c.c_rc = G_EBAD;
    if (sum && !c.c_rc) {
        int rc;
        if ((rc = eng_summary_read(&out->u_sum, sum, sumlen, a)))
            c.c_rc = rc;
        if (!c.c_rc && eng_summary_set_candidates(out->u_sum, &res))
            c.c_rc = G_EBAD;
    } else {
        out->u_res = res;
    }
    get_messages(&c, nd, d);
    if (!c.c_rc && c.c_p != c.c_end)
        c.c_rc = G_EBAD;
    if (c.c_rc) {
        memset(out, 0, sizeof *out);
        out->u_path = path;
    }
    return c.c_rc;
}

/***** a run's outcome *****/

/* The outcome of a whole run as `check` reports it (drv_run_put): u32 RUN_FORMAT, u32 units,
 * u8 1 when the run failed, u32 run messages and the messages (as a record's); per unit i32 rc,
 * u32 messages and the messages, u32 findings and per finding what a record's has, then the
 * strings context, u32 related and per place the strings file, function, what, context and i32
 * line and column, the same for the chain; interleavings unpacked when read. */
#define RUN_FORMAT 1u

static int put_messages(drv_blob *out, const diag_ctx *d)
{
    size_t k;
    if (put_u32(out, (uint32_t)d->d_count))
        return G_ENOMEM;
    for (k = 0; k < d->d_count; k++)
        if (put_message(out, &d->d_msgs[k]))
            return G_ENOMEM;
    return G_OK;
}

static int put_places(drv_blob *out, const eng_related *p, uint32_t n)
{
    uint32_t i;
    if (put_u32(out, n))
        return G_ENOMEM;
    for (i = 0; i < n; i++)
        if (put_str(out, p[i].rl_file) || put_str(out, p[i].rl_function) ||
            put_str(out, p[i].rl_what) || put_str(out, p[i].rl_context) ||
            put_i32(out, p[i].rl_line) || put_i32(out, p[i].rl_col))
            return G_ENOMEM;
    return G_OK;
}

int drv_run_put(drv_blob *out, const drv_unit *units, const diag_ctx *msgs, size_t n,
                const diag_ctx *d, int failed)
{
    size_t i;
    uint32_t k;
    if (n >= UINT32_MAX || put_u32(out, RUN_FORMAT) || put_u32(out, (uint32_t)n) ||
        put_u8(out, (uint8_t)(failed != 0)) || put_messages(out, d))
        return G_ENOMEM;
    for (i = 0; i < n; i++) {
        const eng_result *r = &units[i].u_res;
        if (put_i32(out, units[i].u_rc) || put_messages(out, &msgs[i]) || put_u32(out, r->r_count))
            return G_ENOMEM;
        for (k = 0; k < r->r_count; k++) {
            const finding *f = &r->r_findings[k];
            if (put_finding(out, f) || put_str(out, f->f_context) ||
                put_places(out, f->f_related, f->f_nrelated) ||
                put_places(out, f->f_chain, f->f_nchain))
                return G_ENOMEM;
        }
    }
    return G_OK;
}

/* Places written by put_places, into the arena; NULL and *n 0 for none or after a failure. */
static const eng_related *get_places(cursor *c, uint32_t *out_n)
{
    uint32_t n = get_u32(c), i;
    eng_related *p;
    *out_n = 0;
    /* a place takes at least 24 bytes: a bound before allocating */
    if (c->c_rc || (size_t)(c->c_end - c->c_p) / 24 < n) {
        c->c_rc = c->c_rc ? c->c_rc : G_EBAD;
        return NULL;
    }
    if (!n)
        return NULL;
    if (!(p = arena_array(c->c_arena, n, sizeof *p))) {
        c->c_rc = G_ENOMEM;
        return NULL;
    }
    for (i = 0; i < n && !c->c_rc; i++) {
        p[i].rl_file = get_str(c);
        p[i].rl_function = get_str(c);
        p[i].rl_what = get_str(c);
        p[i].rl_context = get_str(c);
        p[i].rl_line = get_i32(c);
        p[i].rl_col = get_i32(c);
    }
    *out_n = c->c_rc ? 0 : n;
    return p;
}

int drv_run_get(drv_unit *units, diag_ctx *msgs, size_t n, diag_ctx *d, int *failed,
                const uint8_t *p, size_t len, arena *a)
{
    cursor c = { p, p + len, a, G_OK };
    uint32_t nd, nf, k;
    size_t i;
    if (get_u32(&c) != RUN_FORMAT || get_u32(&c) != n)
        return c.c_rc ? c.c_rc : G_EBAD;
    *failed = get_u8(&c);
    nd = get_u32(&c);
    if (!c.c_rc && nd > len / 16)
        return G_EBAD;
    get_messages(&c, nd, d);
    for (i = 0; i < n && !c.c_rc; i++) {
        eng_result *r = &units[i].u_res;
        units[i].u_rc = get_i32(&c);
        nd = get_u32(&c);
        if (!c.c_rc && nd > len / 16)
            return G_EBAD;
        get_messages(&c, nd, msgs ? &msgs[i] : NULL);
        nf = get_u32(&c);
        /* every finding takes at least 40 bytes: a bound before allocating */
        if (c.c_rc || nf > len / 40)
            return c.c_rc ? c.c_rc : G_EBAD;
        memset(r, 0, sizeof *r);
        if (nf && !(r->r_findings = arena_array(a, nf, sizeof *r->r_findings)))
            return G_ENOMEM;
        for (k = 0; k < nf && !c.c_rc; k++) {
            finding *f = &r->r_findings[k];
            get_finding(&c, f, 0);
            f->f_context = get_str(&c);
            f->f_related = get_places(&c, &f->f_nrelated);
            f->f_chain = get_places(&c, &f->f_nchain);
        }
        r->r_count = r->r_cap = c.c_rc ? 0 : nf;
    }
    if (!c.c_rc && c.c_p != c.c_end)
        c.c_rc = G_EBAD;
    return c.c_rc;
}
