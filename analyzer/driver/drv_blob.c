/* One file's outcome (its summary and candidate findings, a syntax error, or the failure and its
 * messages) as bytes and back: the form a worker process sends to the parent and the result
 * cache stores.
 *
 * Layout, native byte order (a cache entry is only read by the build that wrote it, checked by
 * the entry's header): u32 BLOB_FORMAT, i32 rc, u32 findings, u32 messages, u8 1 when a summary
 * follows the findings, the string source (a .pyc's source for `# noqa`); per finding the
 * strings rule, file, message, target, function, related-what and the integers of `finding`
 * with its switch points, the string target type, u32 Python-code entries (u32 offset, string
 * why each), u32 caveats (strings), then u8 1 and its interleaving (strings kind, final,
 * expected; u32 switch_at, i32 gil, u32 steps; per step u8 thread, i32 instr, u32 offset, the
 * strings opname and sees, u8 switch, i32 line, i32 col, the string arg) or u8 0 when it has
 * none; then u32 length and the summary's bytes (eng_summary_write) when there is one -- the
 * findings are its candidates; without one they are a syntax error's GIL000; per message i32
 * code, i64 offset, the strings file and text.  A string is u32 length + bytes, length
 * 0xffffffff for NULL. */
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "driver.h"

#define NO_STRING 0xffffffffu
#define BLOB_FORMAT 4u         /* 3: a summary and its candidates, composed by the reader;
                                * 4: Python code inside the window, caveats, the target's type */
#define STEP_MIN_BYTES 30u     /* the smallest step in the blob: a bound before allocating */

void drv_blob_free(drv_blob *b)
{
    mem_free(b->b_data);
    memset(b, 0, sizeof *b);
}

/* ---- writing ---- */

static int put(drv_blob *b, const void *p, size_t n)
{
    if (b->b_cap - b->b_len < n) {
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

static int put_interleaving(drv_blob *b, const eng_interleaving *il)
{
    uint32_t i;
    if (!il)
        return put_u8(b, 0);
    if (put_u8(b, 1) || put_str(b, il->il_kind) || put_str(b, il->il_final) ||
        put_str(b, il->il_expected) || put_u32(b, il->il_switch_at) || put_i32(b, il->il_gil) ||
        put_u32(b, il->il_nsteps))
        return G_ENOMEM;
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
        if (put_u8(b, (uint8_t)s->st_thread) || put_i32(b, s->st_instr) ||
            put_u32(b, s->st_offset) || put_str(b, s->st_opname) || put_str(b, s->st_sees) ||
            put_u8(b, s->st_switch) || put_i32(b, s->st_line) || put_i32(b, s->st_col) ||
            put_str(b, s->st_arg))
            return G_ENOMEM;
    }
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

int drv_blob_put(drv_blob *out, int rc, const drv_result *r, const diag_ctx *d)
{
    const eng_result *res = NULL;
    uint32_t nf, i;
    size_t k;
    int have_sum = !rc && r && r->r_sum;
    strbuf sb;
    if (!rc && r)
        res = r->r_sum ? eng_summary_candidates(r->r_sum) : &r->r_res;
    nf = res ? res->r_count : 0;
    if (put_u32(out, BLOB_FORMAT) || put_i32(out, rc) || put_u32(out, nf) ||
        put_u32(out, (uint32_t)d->d_count) || put_u8(out, (uint8_t)have_sum) ||
        put_str(out, !rc && r ? r->r_source : NULL))
        return G_ENOMEM;
    for (i = 0; i < nf; i++)
        if (put_finding(out, &res->r_findings[i]))
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
    for (k = 0; k < d->d_count; k++) {
        const diag_msg *m = &d->d_msgs[k];
        int64_t off = m->dm_offset;
        if (put_i32(out, m->dm_code) || put(out, &off, sizeof off) || put_str(out, m->dm_file) ||
            put_str(out, m->dm_text))
            return G_ENOMEM;
    }
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

/* The interleaving put_interleaving wrote, or NULL (none, or a failure in c->c_rc). */
static const eng_interleaving *get_interleaving(cursor *c)
{
    eng_interleaving *il;
    uint32_t i;
    uint8_t have = get_u8(c);
    if (c->c_rc || !have)
        return NULL;
    if (have != 1 || !(il = arena_alloc(c->c_arena, sizeof *il))) {
        c->c_rc = have != 1 ? G_EBAD : G_ENOMEM;
        return NULL;
    }
    memset(il, 0, sizeof *il);
    il->il_kind = get_text(c);
    il->il_final = get_text(c);
    il->il_expected = get_text(c);
    il->il_switch_at = get_u32(c);
    il->il_gil = get_i32(c);
    il->il_nsteps = get_u32(c);
    if (c->c_rc)
        return NULL;
    if (!il->il_nsteps || (size_t)(c->c_end - c->c_p) / STEP_MIN_BYTES < il->il_nsteps) {
        c->c_rc = G_EBAD;
        return NULL;
    }
    if (!(il->il_steps = arena_array(c->c_arena, il->il_nsteps, sizeof *il->il_steps))) {
        c->c_rc = G_ENOMEM;
        return NULL;
    }
    for (i = 0; i < il->il_nsteps; i++) {
        eng_step *s = &il->il_steps[i];
        s->st_thread = (char)get_u8(c);
        s->st_instr = get_i32(c);
        s->st_offset = get_u32(c);
        s->st_opname = get_text(c);
        s->st_sees = get_str(c);
        s->st_switch = get_u8(c);
        s->st_line = get_i32(c);
        s->st_col = get_i32(c);
        s->st_arg = get_str(c);
    }
    return c->c_rc ? NULL : il;
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

static void get_finding(cursor *c, finding *f)
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
    f->f_ilv = get_interleaving(c);
}

int drv_blob_get(drv_unit *out, const char *path, const uint8_t *p, size_t n, arena *a,
                 diag_ctx *d)
{
    cursor c = { p, p + n, a, G_OK };
    uint32_t nf, nd, i;
    uint8_t have_sum;
    eng_result res;
    memset(out, 0, sizeof *out);
    memset(&res, 0, sizeof res);
    out->u_path = path;
    if (get_u32(&c) != BLOB_FORMAT)
        return c.c_rc ? c.c_rc : G_EBAD;
    out->u_rc = get_i32(&c);
    nf = get_u32(&c);
    nd = get_u32(&c);
    have_sum = get_u8(&c);
    out->u_source = get_str(&c);
    if (c.c_rc)
        return c.c_rc;
    /* every finding and message takes at least 40 bytes: a bound before allocating */
    if (nf > n / 40 || nd > n / 16 || (out->u_rc && (nf || have_sum)) || have_sum > 1)
        return G_EBAD;
    if (nf && !(res.r_findings = arena_array(a, nf, sizeof *res.r_findings)))
        return G_ENOMEM;
    for (i = 0; i < nf && !c.c_rc; i++)
        get_finding(&c, &res.r_findings[i]);
    res.r_count = res.r_cap = c.c_rc ? 0 : nf;
    if (have_sum && !c.c_rc) {
        uint32_t len = get_u32(&c);
        int rc;
        if (!c.c_rc && (size_t)(c.c_end - c.c_p) < len)
            c.c_rc = G_ETRUNC;
        if (!c.c_rc && (rc = eng_summary_read(&out->u_sum, c.c_p, len, a)))
            c.c_rc = rc;
        if (!c.c_rc && eng_summary_set_candidates(out->u_sum, &res))
            c.c_rc = G_EBAD;
        c.c_p += c.c_rc ? 0 : len;
    } else {
        out->u_res = res;
    }
    for (i = 0; i < nd && !c.c_rc; i++) {
        int code = get_i32(&c);
        int64_t off;
        const char *file, *text;
        get(&c, &off, sizeof off);
        file = get_str(&c);
        text = get_text(&c);
        if (!c.c_rc)
            diag_add(d, code, file, (long)off, "%s", text);
    }
    if (!c.c_rc && c.c_p != c.c_end)
        c.c_rc = G_EBAD;
    if (c.c_rc) {
        memset(out, 0, sizeof *out);
        out->u_path = path;
    }
    return c.c_rc;
}
