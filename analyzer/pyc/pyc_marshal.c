/* Our own marshal reader: every type code up to marshal version 5, bounded and hostile-input safe.
 *
 * Modelled on CPython's Python/marshal.c (a ptr/end cursor, a depth counter, a reference table
 * numbered in pre-order) with two deliberate differences: every declared length is checked
 * against the bytes left before anything is allocated, and a reference to an object that is still
 * being read is rejected, so the decoded tree is always acyclic (CPython accepts a tuple that
 * contains itself; no compiler writes one). */
#include "pyc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

#define FLAG_REF 0x80
#define MAX_DEPTH 2000          /* CPython's MAX_MARSHAL_STACK_DEPTH */

typedef struct reader {
    const uint8_t *r_ptr;       /* next byte to read */
    const uint8_t *r_start;     /* first byte of the marshal data */
    const uint8_t *r_end;       /* one past the last byte */
    size_t r_base;              /* file offset of r_start, for messages */
    int r_depth;                /* objects being read right now */
    int r_minor;                /* Python 3.<minor>: selects the code-object layout */
    arena *r_arena;             /* where objects go */
    const pyc_obj **r_refs;     /* FLAG_REF table; NULL = reserved, still being read */
    uint32_t r_nrefs;           /* used entries of r_refs */
    uint32_t r_refcap;          /* allocated entries of r_refs (heap, freed at the end) */
    pyc_obj *r_slab;            /* next free object of the current slab */
    uint32_t r_slab_left;       /* objects left in r_slab */
    const char *r_name;         /* file name for messages */
    diag_ctx *r_diag;
} reader;

/* Objects are taken from the arena in slabs of this many (one allocation per slab instead of one
 * per object); a debug-pool build gives each its own block so that ASan sees its bounds. */
#ifdef GILCHECK_DEBUG_POOL
#define OBJ_SLAB 1
#else
#define OBJ_SLAB 64
#endif

/***** errors *****/

/* The one shape of every parser error: "bad marshal data at offset N (reason)". */
static int bad(reader *r, int code, const uint8_t *at, const char *why)
{
    long off = (long)(r->r_base + (size_t)(at - r->r_start));
    if (code == G_ENOMEM)
        return diag_add(r->r_diag, code, r->r_name, off, "out of memory at offset %ld", off);
    return diag_add(r->r_diag, code, r->r_name, off, "bad marshal data at offset %ld (%s)", off,
                    why);
}

#define NEED(r, n, what) \
    do { \
        if ((size_t)((r)->r_end - (r)->r_ptr) < (size_t)(n)) \
            return bad((r), G_ETRUNC, (r)->r_ptr, "truncated " what); \
    } while (0)

/***** primitive reads *****/

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int read_i32(reader *r, int32_t *out, const char *what)
{
    NEED(r, 4, "int");
    (void)what;
    *out = (int32_t)get_u32(r->r_ptr);
    r->r_ptr += 4;
    return G_OK;
}

/* A length field: a non-negative int32 that must not exceed the bytes left divided by the
 * smallest encoding of one element (min_elem bytes each), checked before allocating. */
static int read_len(reader *r, uint32_t *out, size_t min_elem, const char *what)
{
    const uint8_t *at = r->r_ptr;
    int32_t n = 0;
    int rc = read_i32(r, &n, what);
    if (rc)
        return rc;
    if (n < 0)
        return bad(r, G_EBAD, at, what);
    if (min_elem && (size_t)n > (size_t)(r->r_end - r->r_ptr) / min_elem)
        return bad(r, G_ETRUNC, at, what);
    *out = (uint32_t)n;
    return G_OK;
}

/* Starts a new slab of objects; 0 when memory runs out. */
static int slab_refill(reader *r)
{
    r->r_slab = arena_array(r->r_arena, OBJ_SLAB, sizeof *r->r_slab);
    if (!r->r_slab)
        return 0;
    r->r_slab_left = OBJ_SLAB;
    return 1;
}

/* A new object, zeroed but for its kind, type code and offset; NULL when memory runs out. */
static inline pyc_obj *obj_new(reader *r, int kind, int type, const uint8_t *at)
{
    pyc_obj *o;
    if (!r->r_slab_left && !slab_refill(r))
        return NULL;
    o = r->r_slab++;
    r->r_slab_left--;
    o->o_kind = (uint8_t)kind;
    o->o_type = (uint8_t)type;
    o->o_offset = (uint32_t)(r->r_base + (size_t)(at - r->r_start));
    memset(&o->u, 0, sizeof o->u);
    return o;
}

/***** references *****/

/* Reserves the next reference slot (pre-order numbering, as CPython).  *out_idx = -1 when the
 * object was not flagged. */
static int ref_reserve(reader *r, int flagged, int64_t *out_idx, const uint8_t *at)
{
    *out_idx = -1;
    if (!flagged)
        return G_OK;
    if (r->r_nrefs == r->r_refcap) {
        uint32_t cap = r->r_refcap ? r->r_refcap * 2 : 64;
        const pyc_obj **grown;
        if (cap < r->r_refcap)
            return bad(r, G_EBAD, at, "too many references");
        grown = mem_realloc((void *)r->r_refs, (size_t)cap * sizeof *grown);
        if (!grown)
            return bad(r, G_ENOMEM, at, NULL);
        r->r_refs = grown;
        r->r_refcap = cap;
    }
    r->r_refs[r->r_nrefs] = NULL;
    *out_idx = r->r_nrefs++;
    return G_OK;
}

static void ref_fill(reader *r, int64_t idx, const pyc_obj *o)
{
    if (idx >= 0)
        r->r_refs[idx] = o;
}

/***** text *****/

/* Bytes from the start of s[0..n) that are ASCII, counted a word at a time (the common case:
 * names and most text in a pyc are ASCII). */
static size_t ascii_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (w & 0x8080808080808080u)
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* Checks UTF-8 the way CPython's "surrogatepass" decoder accepts it: shortest forms only, code
 * points up to U+10FFFF, lone surrogates allowed.  Returns the offset of the first bad byte, or
 * -1 when s is valid. */
static long utf8_check(const uint8_t *s, size_t n)
{
    size_t i = ascii_prefix(s, n);
    while (i < n) {
        uint8_t c = s[i];
        size_t len, k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return (long)i;
        }
        if (n - i < len)
            return (long)i;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return (long)i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return (long)i;
        i += len;
    }
    return -1;
}

/* Marshal's ASCII types are read as Latin-1 by CPython without a check; keep the bytes when
 * they are ASCII (the normal case, no copy) and transcode to UTF-8 otherwise. */
static int latin1_text(reader *r, pyc_obj *o, const uint8_t *s, uint32_t n)
{
    uint32_t i = (uint32_t)ascii_prefix(s, n), high = 0;
    char *out, *w;
    for (; i < n; i++)
        high += s[i] >> 7;
    if (!high) {
        o->u.o_str.s = (const char *)s;
        o->u.o_str.len = n;
        return G_OK;
    }
    out = arena_alloc(r->r_arena, (size_t)n + high);
    if (!out)
        return bad(r, G_ENOMEM, s, NULL);
    for (w = out, i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            *w++ = (char)s[i];
        } else {
            *w++ = (char)(0xC0 | s[i] >> 6);
            *w++ = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    o->u.o_str.s = out;
    o->u.o_str.len = n + high;
    return G_OK;
}

/* A text float ('f', 'x'): u8 length, then the digits; parsed as CPython's
 * PyOS_string_to_double would (no leading/trailing junk). */
static int text_float(reader *r, double *out)
{
    const uint8_t *at = r->r_ptr;
    char buf[257];
    char *end;
    uint8_t n;
    NEED(r, 1, "float");
    n = *r->r_ptr++;
    NEED(r, n, "float");
    memcpy(buf, r->r_ptr, n);
    buf[n] = 0;
    r->r_ptr += n;
    *out = strtod(buf, &end);
    if (n == 0 || end != buf + n || (n > 1 && (buf[0] == ' ' || buf[0] == '\t')))
        return bad(r, G_EBAD, at, "invalid float text");
    return G_OK;
}

static int bin_float(reader *r, double *out)
{
    uint64_t bits = 0;
    int i;
    NEED(r, 8, "float");
    for (i = 7; i >= 0; i--)
        bits = bits << 8 | r->r_ptr[i];
    memcpy(out, &bits, sizeof *out);
    r->r_ptr += 8;
    return G_OK;
}

/***** objects *****/

static const pyc_obj singletons[] = {
    { PYC_NONE, 'N', 0, { 0 } }, { PYC_FALSE, 'F', 0, { 0 } },
    { PYC_TRUE, 'T', 0, { 0 } }, { PYC_ELLIPSIS, '.', 0, { 0 } },
    { PYC_STOPITER, 'S', 0, { 0 } },
};

/* The shared object of a singleton type code ('N', 'F', 'T', '.', 'S'), NULL for any other. */
static inline const pyc_obj *singleton(int type)
{
    switch (type) {
    case 'N': return &singletons[0];
    case 'F': return &singletons[1];
    case 'T': return &singletons[2];
    case '.': return &singletons[3];
    case 'S': return &singletons[4];
    default: return NULL;
    }
}

static int read_any(reader *r, const pyc_obj **out);

/* Reads one object into *out (NULL for marshal's '0').  The objects that need no allocation,
 * references and singletons (half of all objects in a pyc), are done here where the caller can
 * inline them; everything else, and every error, goes to read_any. */
static inline int read_object(reader *r, const pyc_obj **out)
{
    const uint8_t *at = r->r_ptr;
    if (at < r->r_end && r->r_depth < MAX_DEPTH) {
        const int type = *at & ~FLAG_REF;
        if (type == 'r') {
            if (r->r_end - at >= 5) {
                int32_t i = (int32_t)get_u32(at + 1);
                if (i >= 0 && (uint32_t)i < r->r_nrefs && r->r_refs[i]) {
                    *out = r->r_refs[i];
                    r->r_ptr = at + 5;
                    return G_OK;
                }
            }
        } else if ((*out = singleton(type)) != NULL) {
            r->r_ptr = at + 1;
            return G_OK;
        }
    }
    return read_any(r, out);
}

/* Reads n items into a fresh array of o.  *null_ok set: a NULL item ends a dict. */
static int read_items(reader *r, pyc_obj *o, uint32_t n, const char *what)
{
    const pyc_obj **items = arena_array(r->r_arena, n ? n : 1, sizeof *items);
    uint32_t i;
    if (!items)
        return bad(r, G_ENOMEM, r->r_ptr, NULL);
    for (i = 0; i < n; i++) {
        const uint8_t *at = r->r_ptr;
        int rc = read_object(r, &items[i]);
        if (rc)
            return rc;
        if (!items[i])
            return bad(r, G_EBAD, at, what);
    }
    o->u.o_seq.items = items;
    o->u.o_seq.n = n;
    return G_OK;
}

/* Dict: key, value pairs until a NULL key (or NULL value, which CPython also takes as the end).
 * The count is unknown up front, so pairs go to a heap buffer and are copied to the arena. */
static int read_dict(reader *r, pyc_obj *o)
{
    const pyc_obj **buf = NULL, **items;
    size_t n = 0, cap = 0;
    int rc = G_OK;
    for (;;) {
        const pyc_obj *key, *val;
        rc = read_object(r, &key);
        if (rc || !key)
            break;
        rc = read_object(r, &val);
        if (rc || !val)
            break;
        if (n + 2 > cap) {
            size_t ncap = cap ? cap * 2 : 16;
            const pyc_obj **grown = mem_realloc((void *)buf, ncap * sizeof *grown);
            if (!grown) {
                rc = bad(r, G_ENOMEM, r->r_ptr, NULL);
                break;
            }
            buf = grown;
            cap = ncap;
        }
        buf[n++] = key;
        buf[n++] = val;
    }
    if (!rc) {
        items = arena_array(r->r_arena, n ? n : 1, sizeof *items);
        if (!items) {
            rc = bad(r, G_ENOMEM, r->r_ptr, NULL);
        } else {
            if (n)
                memcpy(items, buf, n * sizeof *items);
            o->u.o_seq.items = items;
            o->u.o_seq.n = (uint32_t)(n / 2);
        }
    }
    mem_free((void *)buf);
    return rc;
}

static int read_long(reader *r, pyc_obj *o, const uint8_t *at)
{
    int32_t n = 0;
    uint32_t count, i;
    uint16_t *digits;
    int rc = read_i32(r, &n, "long");
    if (rc)
        return rc;
    if (n == INT32_MIN)
        return bad(r, G_EBAD, at, "long size out of range");
    count = (uint32_t)(n < 0 ? -n : n);
    if (count > (size_t)(r->r_end - r->r_ptr) / 2)
        return bad(r, G_ETRUNC, at, "long size out of range");
    digits = arena_array(r->r_arena, count ? count : 1, sizeof *digits);
    if (!digits)
        return bad(r, G_ENOMEM, at, NULL);
    for (i = 0; i < count; i++) {
        uint16_t dg = (uint16_t)(r->r_ptr[0] | r->r_ptr[1] << 8);
        if (dg >= 0x8000)
            return bad(r, G_EBAD, r->r_ptr, "digit out of range in long");
        digits[i] = dg;
        r->r_ptr += 2;
    }
    if (count && digits[count - 1] == 0)
        return bad(r, G_EBAD, r->r_ptr - 2, "unnormalized long data");
    o->u.o_long.n = n;
    o->u.o_long.digits = digits;
    return G_OK;
}

static int read_code(reader *r, pyc_obj *o, const uint8_t *at);

/* read_object without the shortcuts: every type code, every error. */
static int read_any(reader *r, const pyc_obj **out)
{
    const uint8_t *at = r->r_ptr;
    pyc_obj *o = NULL;
    int64_t idx = -1;
    int code, type, flagged, rc = G_OK;
    uint32_t n;

    *out = NULL;
    if (r->r_ptr >= r->r_end)
        return bad(r, G_ETRUNC, at, "EOF read where object expected");
    code = *r->r_ptr++;
    flagged = code & FLAG_REF;
    type = code & ~FLAG_REF;

    if (r->r_depth >= MAX_DEPTH)
        return bad(r, G_EDEPTH, at, "nested too deeply");

    switch (type) {
    case '0':
        return G_OK;  /* NULL: the caller decides whether it may stand here */
    case 'N': case 'F': case 'T': case '.': case 'S':
        *out = singleton(type);
        return G_OK;  /* never registered as a reference, as in CPython */
    case 'r': {
        int32_t i = 0;
        rc = read_i32(r, &i, "reference");
        if (rc)
            return rc;
        if (i < 0 || (uint32_t)i >= r->r_nrefs || !r->r_refs[i])
            return bad(r, G_EBAD, at, "invalid reference");
        *out = r->r_refs[i];
        return G_OK;
    }
    default:
        break;
    }

    rc = ref_reserve(r, flagged, &idx, at);
    if (rc)
        return rc;
    r->r_depth++;

    switch (type) {
    case 'i': {
        int32_t v = 0;
        if (!(o = obj_new(r, PYC_INT, type, at)))
            break;
        rc = read_i32(r, &v, "int");
        o->u.o_int = v;
        break;
    }
    case 'I': {
        uint32_t lo, hi;
        if (!(o = obj_new(r, PYC_INT, type, at)))
            break;
        if ((size_t)(r->r_end - r->r_ptr) < 8) {
            rc = bad(r, G_ETRUNC, r->r_ptr, "truncated int64");
            break;
        }
        lo = get_u32(r->r_ptr);
        hi = get_u32(r->r_ptr + 4);
        r->r_ptr += 8;
        o->u.o_int = (int64_t)((uint64_t)hi << 32 | lo);
        break;
    }
    case 'l':
        if (!(o = obj_new(r, PYC_LONG, type, at)))
            break;
        rc = read_long(r, o, at);
        break;
    case 'f':
        if (!(o = obj_new(r, PYC_FLOAT, type, at)))
            break;
        rc = text_float(r, &o->u.o_float);
        break;
    case 'g':
        if (!(o = obj_new(r, PYC_FLOAT, type, at)))
            break;
        rc = bin_float(r, &o->u.o_float);
        break;
    case 'x':
        if (!(o = obj_new(r, PYC_COMPLEX, type, at)))
            break;
        rc = text_float(r, &o->u.o_complex.re);
        if (!rc)
            rc = text_float(r, &o->u.o_complex.im);
        break;
    case 'y':
        if (!(o = obj_new(r, PYC_COMPLEX, type, at)))
            break;
        rc = bin_float(r, &o->u.o_complex.re);
        if (!rc)
            rc = bin_float(r, &o->u.o_complex.im);
        break;
    case 's':
        if (!(o = obj_new(r, PYC_BYTES, type, at)))
            break;
        rc = read_len(r, &n, 1, "bytes object size out of range");
        if (rc)
            break;
        o->u.o_str.s = (const char *)r->r_ptr;
        o->u.o_str.len = n;
        r->r_ptr += n;
        break;
    case 'u': case 't': {
        long badpos;
        if (!(o = obj_new(r, PYC_STR, type, at)))
            break;
        rc = read_len(r, &n, 1, "string size out of range");
        if (rc)
            break;
        badpos = utf8_check(r->r_ptr, n);
        if (badpos >= 0) {
            rc = bad(r, G_EBAD, r->r_ptr + badpos, "invalid UTF-8 in string");
            break;
        }
        o->u.o_str.s = (const char *)r->r_ptr;
        o->u.o_str.len = n;
        r->r_ptr += n;
        break;
    }
    case 'a': case 'A': case 'z': case 'Z':
        if (!(o = obj_new(r, PYC_STR, type, at)))
            break;
        if (type == 'z' || type == 'Z') {
            if (r->r_ptr >= r->r_end) {
                rc = bad(r, G_ETRUNC, r->r_ptr, "truncated string size");
                break;
            }
            n = *r->r_ptr++;
            if (n > (size_t)(r->r_end - r->r_ptr)) {
                rc = bad(r, G_ETRUNC, at, "string size out of range");
                break;
            }
        } else {
            rc = read_len(r, &n, 1, "string size out of range");
            if (rc)
                break;
        }
        rc = latin1_text(r, o, r->r_ptr, n);
        r->r_ptr += n;
        break;
    case '(': case ')': case '[': case '<': case '>': {
        const int kind = type == '(' || type == ')' ? PYC_TUPLE : type == '[' ? PYC_LIST
                       : type == '<' ? PYC_SET : PYC_FROZENSET;
        const char *what = kind == PYC_TUPLE ? "tuple size out of range"
                         : kind == PYC_LIST ? "list size out of range" : "set size out of range";
        if (!(o = obj_new(r, kind, type, at)))
            break;
        if (type == ')') {
            if (r->r_ptr >= r->r_end) {
                rc = bad(r, G_ETRUNC, r->r_ptr, "truncated tuple size");
                break;
            }
            n = *r->r_ptr++;
            if (n > (size_t)(r->r_end - r->r_ptr)) {
                rc = bad(r, G_ETRUNC, at, what);
                break;
            }
        } else {
            rc = read_len(r, &n, 1, what);
            if (rc)
                break;
        }
        rc = read_items(r, o, n, type == '(' || type == ')' ? "NULL object in tuple"
                                  : type == '[' ? "NULL object in list" : "NULL object in set");
        break;
    }
    case '{':
        if (!(o = obj_new(r, PYC_DICT, type, at)))
            break;
        rc = read_dict(r, o);
        break;
    case ':':
        if (r->r_minor < 14) {
            rc = bad(r, G_EBAD, at, "unknown type code");
            break;
        }
        if (!(o = obj_new(r, PYC_SLICE, type, at)))
            break;
        rc = read_items(r, o, 3, "NULL object in slice");
        break;
    case 'c':
        if (!(o = obj_new(r, PYC_CODE, type, at)))
            break;
        rc = read_code(r, o, at);
        break;
    default:
        rc = bad(r, G_EBAD, at, "unknown type code");
        break;
    }
    r->r_depth--;
    if (!rc && !o)
        rc = bad(r, G_ENOMEM, at, NULL);
    if (rc)
        return rc;
    ref_fill(r, idx, o);
    *out = o;
    return G_OK;
}

/***** code objects *****/

/* Reads a field that must be an object of the given kind (or, with kind2, of either kind). */
static int code_field(reader *r, const pyc_obj **out, int kind, int kind2, const char *field)
{
    const uint8_t *at = r->r_ptr;
    char why[96];
    int rc = read_object(r, out);
    if (rc)
        return rc;
    if (*out && ((*out)->o_kind == kind || (*out)->o_kind == kind2))
        return G_OK;
    snprintf(why, sizeof why, "code object field '%s' has the wrong type", field);
    return bad(r, G_EBAD, at, why);
}

/* A tuple whose items are all strings. */
static int name_tuple(reader *r, const pyc_obj **out, const char *field)
{
    const uint8_t *at = r->r_ptr;
    uint32_t i;
    char why[96];
    int rc = code_field(r, out, PYC_TUPLE, PYC_TUPLE, field);
    if (rc)
        return rc;
    for (i = 0; i < (*out)->u.o_seq.n; i++) {
        if ((*out)->u.o_seq.items[i]->o_kind != PYC_STR) {
            snprintf(why, sizeof why, "code object field '%s' holds a non-string", field);
            return bad(r, G_EBAD, at, why);
        }
    }
    return G_OK;
}

/* Fills the version-neutral name arrays from varnames/cellvars/freevars (≤3.10) or localsplus
 * (3.11+): co_localnames is what LOAD_FAST arguments index, co_derefnames what LOAD_DEREF's do. */
static int code_name_arrays(reader *r, pyc_code *c, const uint8_t *at)
{
    uint32_t i, nl, nc, nf;
    const pyc_obj **names;
    uint8_t *kinds, *dkinds;
    if (c->co_localsplusnames) {
        /* the kinds are the bytes of co_localspluskinds, which live as long as the file */
        const uint8_t *lkinds = (const uint8_t *)c->co_localspluskinds->u.o_str.s;
        nl = c->co_localsplusnames->u.o_seq.n;
        if (c->co_localspluskinds->u.o_str.len != nl)
            return bad(r, G_EBAD, at, "code object localsplus names and kinds differ in length");
        c->co_localnames = c->co_localsplusnames->u.o_seq.items;
        c->co_nlocalnames = nl;
        c->co_localkinds = lkinds;
        c->co_derefnames = c->co_localnames;
        c->co_derefkinds = lkinds;
        c->co_nderefnames = nl;
        c->co_nlocals = 0;
        for (i = 0; i < nl; i++)
            c->co_nlocals += (lkinds[i] & PYC_FAST_LOCAL) != 0;
        return G_OK;
    }
    nl = c->co_varnames->u.o_seq.n;
    nc = c->co_cellvars->u.o_seq.n;
    nf = c->co_freevars->u.o_seq.n;
    kinds = arena_alloc(r->r_arena, (size_t)nl + 1);
    names = arena_array(r->r_arena, (size_t)nc + nf + 1, sizeof *names);
    if (!kinds || !names)
        return bad(r, G_ENOMEM, at, NULL);
    memset(kinds, PYC_FAST_LOCAL, nl);
    dkinds = arena_alloc(r->r_arena, (size_t)nc + nf + 1);
    if (!dkinds)
        return bad(r, G_ENOMEM, at, NULL);
    memset(dkinds, PYC_FAST_CELL, nc);
    memset(dkinds + nc, PYC_FAST_FREE, nf);
    for (i = 0; i < nc; i++)
        names[i] = c->co_cellvars->u.o_seq.items[i];
    for (i = 0; i < nf; i++)
        names[nc + i] = c->co_freevars->u.o_seq.items[i];
    c->co_localnames = c->co_varnames->u.o_seq.items;
    c->co_nlocalnames = nl;
    c->co_localkinds = kinds;
    c->co_derefnames = names;
    c->co_derefkinds = dkinds;
    c->co_nderefnames = nc + nf;
    return G_OK;
}

static int read_code(reader *r, pyc_obj *o, const uint8_t *at)
{
    pyc_code *c = arena_alloc(r->r_arena, sizeof *c);
    int rc;
    if (!c)
        return bad(r, G_ENOMEM, at, NULL);
    memset(c, 0, sizeof *c);
    o->u.o_code = c;

#define INT(field) do { if ((rc = read_i32(r, &c->field, #field))) return rc; } while (0)
#define OBJ(field, kind, name) do { if ((rc = code_field(r, &c->field, kind, kind, name))) return rc; } while (0)
#define NAMES(field, name) do { if ((rc = name_tuple(r, &c->field, name))) return rc; } while (0)

    INT(co_argcount);
    if (r->r_minor >= 8)
        INT(co_posonlyargcount);
    INT(co_kwonlyargcount);
    if (r->r_minor <= 10)
        INT(co_nlocals);
    INT(co_stacksize);
    INT(co_flags);
    OBJ(co_code, PYC_BYTES, "code");
    OBJ(co_consts, PYC_TUPLE, "consts");
    NAMES(co_names, "names");
    if (r->r_minor <= 10) {
        NAMES(co_varnames, "varnames");
        NAMES(co_freevars, "freevars");
        NAMES(co_cellvars, "cellvars");
    } else {
        NAMES(co_localsplusnames, "localsplusnames");
        OBJ(co_localspluskinds, PYC_BYTES, "localspluskinds");
    }
    OBJ(co_filename, PYC_STR, "filename");
    OBJ(co_name, PYC_STR, "name");
    if (r->r_minor >= 11)
        OBJ(co_qualname, PYC_STR, "qualname");
    INT(co_firstlineno);
    OBJ(co_linetable, PYC_BYTES, "linetable");
    if (r->r_minor >= 11)
        OBJ(co_exceptiontable, PYC_BYTES, "exceptiontable");
#undef INT
#undef OBJ
#undef NAMES

    if (c->co_argcount < 0 || c->co_posonlyargcount < 0 || c->co_kwonlyargcount < 0 ||
        c->co_nlocals < 0 || c->co_stacksize < 0 || c->co_posonlyargcount > c->co_argcount)
        return bad(r, G_EBAD, at, "code object argument counts out of range");
    if (c->co_code->u.o_str.len % 2)
        return bad(r, G_EBAD, r->r_start + (c->co_code->o_offset - r->r_base),
                   "code object bytecode has an odd length");
    return code_name_arrays(r, c, at);
}

/***** entry point *****/

int pyc_unmarshal(const pyc_obj **out, uint32_t *out_nrefs, arena *a, const uint8_t *data,
                  size_t len, size_t base_offset, int minor, const char *name, diag_ctx *d)
{
    reader r;
    int rc;
    memset(&r, 0, sizeof r);
    r.r_ptr = r.r_start = data;
    r.r_end = data + len;
    r.r_base = base_offset;
    r.r_minor = minor;
    r.r_arena = a;
    r.r_name = name;
    r.r_diag = d;
    *out = NULL;
    rc = read_object(&r, out);
    if (!rc && !*out)
        rc = bad(&r, G_EBAD, data, "NULL object at top level");
    if (out_nrefs)
        *out_nrefs = r.r_nrefs;
    mem_free((void *)r.r_refs);
    if (rc)
        *out = NULL;
    return rc;
}
