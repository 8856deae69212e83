/* The whole-run composition: contexts (threads started, Thread subclasses, request handlers,
 * a script's main thread, any caller of a shared class or module), each traversed from its
 * entry down the calls with the callers' locks and arguments, recording every write and window
 * as an instance; then the races: a window and a write of the same location that can run at
 * the same time with no common lock (race_report.c turns them into findings). */
#include "race_int.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "../common/strbuf.h"

#define MAX_DEPTH 16            /* calls followed from an entry */
#define MAX_FRAMES_CTX 4000     /* frames of one context */
#define MAX_FRAMES 3000000      /* frames of the run */

/***** growable arrays *****/

static void *grow(rc_run *r, void *items, uint32_t n, uint32_t *cap, size_t size)
{
    uint32_t c;
    void *g;
    if (n < *cap)
        return items;
    c = *cap ? *cap * 2 : 64;
    if (!(g = arena_array(r->r_a, c, size))) {
        r->r_oom = 1;
        return NULL;
    }
    if (n)
        memcpy(g, items, (size_t)n * size);
    *cap = c;
    return g;
}

/***** lock sets *****/

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The interned lock set of locks[0..n) (any order, duplicates allowed); 0 is the empty set. */
uint32_t rc_lockset(rc_run *r, const uint32_t *locks, uint32_t n)
{
    uint32_t sorted[64], m = 0, i, *copy;
    strbuf sb;
    int32_t id;
    if (!r->r_nlsets) {   /* set 0: the empty one */
        if (!(r->r_lsets = grow(r, r->r_lsets, 0, &r->r_caplsets, sizeof *r->r_lsets)))
            return 0;
        r->r_lset_n = arena_array(r->r_a, r->r_caplsets, sizeof *r->r_lset_n);
        if (!r->r_lset_n) {
            r->r_oom = 1;
            return 0;
        }
        r->r_lsets[0] = NULL;
        r->r_lset_n[0] = 0;
        r->r_nlsets = 1;
    }
    for (i = 0; i < n && m < 64; i++)
        sorted[m++] = locks[i];
    if (!m)
        return 0;
    qsort(sorted, m, sizeof *sorted, cmp_u32);
    for (i = 1, n = 1; i < m; i++)
        if (sorted[i] != sorted[n - 1])
            sorted[n++] = sorted[i];
    sb_init(&sb);
    for (i = 0; i < n; i++)
        sb_printf(&sb, "%u,", sorted[i]);
    if (sb.sb_failed) {
        sb_free(&sb);
        r->r_oom = 1;
        return 0;
    }
    if (set_has(&r->r_lset_index, sb.sb_buf, &id)) {
        sb_free(&sb);
        return (uint32_t)id;
    }
    if (r->r_nlsets == r->r_caplsets) {
        uint32_t cap = r->r_caplsets;
        uint32_t **g = grow(r, r->r_lsets, r->r_nlsets, &cap, sizeof *r->r_lsets);
        uint32_t *gn = g ? arena_array(r->r_a, cap, sizeof *gn) : NULL;
        if (!g || !gn) {
            sb_free(&sb);
            r->r_oom = 1;
            return 0;
        }
        memcpy(gn, r->r_lset_n, r->r_nlsets * sizeof *gn);
        r->r_lsets = g;
        r->r_lset_n = gn;
        r->r_caplsets = cap;
    }
    copy = arena_array(r->r_a, n, sizeof *copy);
    if (!copy || set_add(&r->r_lset_index, r->r_a, rc_text(r, rc_intern(r, sb.sb_buf)),
                         (int32_t)r->r_nlsets)) {
        sb_free(&sb);
        r->r_oom = 1;
        return 0;
    }
    sb_free(&sb);
    memcpy(copy, sorted, n * sizeof *copy);
    r->r_lsets[r->r_nlsets] = copy;
    r->r_lset_n[r->r_nlsets] = n;
    return r->r_nlsets++;
}

/* No lock held in both sets?  A lock whose identity is unknown ("lock:?") may be any lock. */
int rc_lockset_disjoint(const rc_run *r, uint32_t a, uint32_t b)
{
    uint32_t i = 0, j = 0, na, nb;
    const uint32_t *x, *y;
    if (!a || !b)
        return 1;
    if (a == b)
        return 0;
    x = r->r_lsets[a];
    y = r->r_lsets[b];
    na = r->r_lset_n[a];
    nb = r->r_lset_n[b];
    for (i = 0; i < na; i++)
        if (!strcmp(rc_text(r, x[i]), "lock:?"))
            return 0;
    for (j = 0; j < nb; j++)
        if (!strcmp(rc_text(r, y[j]), "lock:?"))
            return 0;
    i = j = 0;
    while (i < na && j < nb) {
        if (x[i] == y[j])
            return 0;
        if (x[i] < y[j])
            i++;
        else
            j++;
    }
    return 1;
}

/* The union of lock set `base` and the locks of acquisition bits `bits` in frame fr, plus
 * extra[0..nextra). */
static uint32_t frame_locks(rc_run *r, const rc_frame *fr, uint64_t bits, const uint32_t *extra,
                            uint32_t nextra)
{
    const rv_func *u = rv_func_at(r, fr->fr_mod, fr->fr_code);
    const rv_acq *acqs;
    uint32_t buf[64], n = 0, i, id, nacqs = bits ? rv_acqs(r, fr->fr_mod, u, &acqs) : 0;
    for (i = 0; fr->fr_locks && i < r->r_lset_n[fr->fr_locks] && n < 64; i++)
        buf[n++] = r->r_lsets[fr->fr_locks][i];
    for (i = 0; i < nacqs && i < 64 && n < 64; i++)
        if ((bits >> i) & 1) {
            int kind = rc_lock_of(r, fr, rv_s(r, acqs[i].q_path), rv_s(r, acqs[i].q_ctor),
                                  acqs[i].q_named, &id);
            if (kind != LOCK_NOTLOCK && kind != LOCK_ASYNC && id != RC_NONE)
                buf[n++] = id;
        }
    for (i = 0; i < nextra && n < 64; i++)
        buf[n++] = extra[i];
    return rc_lockset(r, buf, n);
}

/***** contexts *****/

static uint32_t new_ctx(rc_run *r, int kind, int many, int self_many, const char *what)
{
    rc_ctx *x;
    if (!(r->r_ctxs = grow(r, r->r_ctxs, r->r_nctxs, &r->r_capctxs, sizeof *r->r_ctxs)))
        return RC_NONE;
    x = &r->r_ctxs[r->r_nctxs];
    memset(x, 0, sizeof *x);
    x->x_kind = (uint8_t)kind;
    x->x_many = (uint8_t)many;
    x->x_self_many = (uint8_t)self_many;
    x->x_what = what;
    x->x_obj = RC_NONE;
    x->x_pool = RC_NONE;
    x->x_entry_mod = x->x_entry_code = RC_NONE;
    x->x_home = RC_NONE;
    x->x_start_mod = x->x_start_code = RC_NONE;
    x->x_subclass = x->x_obj_cls = x->x_runs_on = RC_NONE;
    return r->r_nctxs++;
}

static const char *fmt(rc_run *r, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static const char *fmt(rc_run *r, const char *f, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return rc_text(r, rc_intern(r, buf));
}

/***** frames *****/

static uint32_t new_frame(rc_run *r, uint32_t mod, uint32_t code, uint32_t parent, int32_t line,
                          uint32_t locks, uint32_t ctx)
{
    const rv_func *u = rv_func_at(r, mod, code);
    rc_frame *fr;
    uint32_t i;
    if (!(r->r_frames = grow(r, r->r_frames, r->r_nframes, &r->r_capframes, sizeof *r->r_frames)))
        return RC_NONE;
    fr = &r->r_frames[r->r_nframes];
    memset(fr, 0, sizeof *fr);
    fr->fr_mod = mod;
    fr->fr_code = code;
    fr->fr_parent = parent;
    fr->fr_line = line;
    fr->fr_locks = locks;
    fr->fr_joined = RC_NONE;
    fr->fr_ctx = ctx;
    fr->fr_nparams = u->u_nparams;
    if (u->u_nparams && r->r_reuse_params) {
        if (u->u_nparams > r->r_capparams) {
            rc_val *g = mem_realloc(r->r_params, u->u_nparams * sizeof *g);
            if (!g) {
                r->r_oom = 1;
                return RC_NONE;
            }
            r->r_params = g;
            r->r_capparams = u->u_nparams;
        }
        fr->fr_params = r->r_params;
    } else if (u->u_nparams) {
        fr->fr_params = arena_array(r->r_a, u->u_nparams, sizeof *fr->fr_params);
        if (!fr->fr_params) {
            r->r_oom = 1;
            return RC_NONE;
        }
    }
    for (i = 0; i < u->u_nparams; i++) {
        memset(&fr->fr_params[i], 0, sizeof fr->fr_params[i]);
        fr->fr_params[i].v_cls = fr->fr_params[i].v_attr_cls = RC_NONE;
        fr->fr_params[i].v_root = RC_NONE;
    }
    return r->r_nframes++;
}

static rc_val value_of(rc_run *r, const rc_frame *fr, const char *path)
{
    const char *rest;
    rc_val v = rc_path_value(r, fr, path, &rest);
    return rc_apply(r, v, rest);
}

/* Appends c then the decimal digits of n (frame_key runs once per call followed: no printf). */
static void put_num(strbuf *sb, char c, uint32_t n)
{
    char buf[11];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    if (c)
        buf[--i] = c;
    sb_putn(sb, buf + i, sizeof buf - i);
}

/* A frame's identity for the traversal's memo: function, lock set and what the parameters
 * are ("ctx|mod|code|locks", then "|" kind recv recv_attr ":" text ":" key per parameter). */
static const char *frame_key(rc_run *r, const rc_frame *fr)
{
    strbuf sb;
    uint32_t i;
    const char *key;
    sb_init(&sb);
    put_num(&sb, 0, fr->fr_ctx);
    put_num(&sb, '|', fr->fr_mod);
    put_num(&sb, '|', fr->fr_code);
    put_num(&sb, '|', fr->fr_locks);
    put_num(&sb, '|', fr->fr_construct);
    put_num(&sb, '|', fr->fr_joined);
    if (fr->fr_unpassed) {
        put_num(&sb, '~', (uint32_t)fr->fr_unpassed);
        put_num(&sb, '~', (uint32_t)(fr->fr_unpassed >> 32));
    }
    for (i = 0; i < fr->fr_nparams; i++) {
        const rc_val *v = &fr->fr_params[i];
        put_num(&sb, '|', v->v_kind);
        put_num(&sb, 0, v->v_recv);
        put_num(&sb, 0, v->v_recv_attr);
        put_num(&sb, ':', v->v_kind == VK_LOC ? v->v_text : 0);
        sb_putc(&sb, ':');
        if (v->v_key)
            sb_puts(&sb, v->v_key);
    }
    key = sb.sb_failed ? NULL : rc_text(r, rc_intern(r, sb.sb_buf));
    sb_free(&sb);
    return key;
}

/***** calls *****/

typedef rc_callee callee;

static int is_func(const rc_run *r, uint32_t mod, uint32_t code)
{
    const rv_func *u = rv_func_at(r, mod, code);
    return !(u->u_flags & (FN_MODULE | FN_CLASS_BODY));
}

/* The method `name` called on value v (an instance, or a class object); 0 when unknown. */
static int method_on(rc_run *r, rc_val v, const char *name, callee *out)
{
    uint32_t cls, code, mod;
    int class_object;
    const rv_func *u;
    if (v.v_kind != VK_LOC || v.v_key || (cls = v.v_cls) == RC_NONE)
        return 0;
    class_object = v.v_loc == 'k' && !v.v_attr;
    if ((code = rc_method(r, cls, name, &mod)) == RC_NONE)
        return 0;
    out->ce_mod = mod;
    out->ce_code = code;
    u = rv_func_at(r, mod, code);
    if (u->u_flags & FN_STATIC) {
        out->ce_bound = 0;
    } else if (u->u_flags & FN_CLASSMETHOD) {
        rc_val k = rc_val_class(r, cls, 0);
        k.v_loc = 'k';
        k.v_text = rc_intern(r, fmt(r, "k:%s", r->r_classes[cls].k_full));
        out->ce_bound = 1;
        out->ce_self = k;
    } else if (class_object) {
        out->ce_bound = 0;          /* Class.method(obj, ...): unbound */
    } else {
        out->ce_bound = 1;
        out->ce_self = v;
    }
    return 1;
}

/* What a call's callee path stands for in frame fr. */
static int resolve_call(rc_run *r, const rc_frame *fr, const sum_call *c, callee *out)
{
    const char *p = c->c_callee, *dot;
    memset(out, 0, sizeof *out);
    out->ce_self.v_cls = out->ce_self.v_attr_cls = out->ce_self.v_root = RC_NONE;
    if (!strncmp(p, "f:", 2)) {
        out->ce_mod = fr->fr_mod;
        out->ce_code = (uint32_t)strtoul(p + 2, NULL, 10);
        return out->ce_code < r->r_sums[fr->fr_mod]->s_nfuncs && is_func(r, out->ce_mod, out->ce_code);
    }
    if (!strncmp(p, "t:", 2)) {
        char ctor[512];
        const char *meth = strrchr(p, '.');
        rc_sym y;
        uint32_t mod, code;
        if (!meth || (size_t)(meth - p - 2) >= sizeof ctor)
            return 0;
        memcpy(ctor, p + 2, (size_t)(meth - p - 2));
        ctor[meth - p - 2] = 0;
        y = rc_ctor_class(r, fr->fr_mod, ctor);
        if (y.y_kind != SYM_CLASS && !strchr(ctor, '.')) {
            /* `main = WindowClass(...)` with a parameter given a class: by this frame's caller,
             * or by every caller the run has */
            uint32_t pc = rc_param_class(r, fr, ctor);
            if (pc != RC_NONE) {
                y.y_kind = SYM_CLASS;
                y.y_id = pc;
            }
        }
        if (y.y_kind != SYM_CLASS || (code = rc_method(r, y.y_id, meth + 1, &mod)) == RC_NONE)
            return 0;
        out->ce_mod = mod;
        out->ce_code = code;
        out->ce_bound = !(r->r_sums[mod]->s_funcs[code].u_flags & FN_STATIC);
        if (c->c_owned) {
            out->ce_self.v_kind = VK_OWNED;
        } else {
            out->ce_self = rc_val_class(r, y.y_id, 0);
        }
        return is_func(r, mod, code);
    }
    if (!strncmp(p, "g:", 2)) {
        /* through the symbols first: modules, classes, functions */
        char head[256];
        size_t n = strcspn(p + 2, ".[");
        rc_sym y;
        const char *segs;
        uint32_t last_cls = RC_NONE;
        if (n >= sizeof head)
            return 0;
        memcpy(head, p + 2, n);
        head[n] = 0;
        y = rc_resolve_name(r, fr->fr_mod, rc_text(r, rc_intern(r, head)), 0);
        segs = p + 2 + n;
        while (*segs == '.' && (y.y_kind == SYM_MODULE || y.y_kind == SYM_CLASS)) {
            const char *start = segs + 1;
            size_t k = strcspn(start, ".[");
            if (k >= sizeof head)
                return 0;
            memcpy(head, start, k);
            head[k] = 0;
            last_cls = y.y_kind == SYM_CLASS ? y.y_id : RC_NONE;
            y = rc_member(r, y, rc_text(r, rc_intern(r, head)), 0);
            segs = start + k;
        }
        if (!*segs && y.y_kind == SYM_FUNC) {
            const rv_func *u = rv_func_at(r, y.y_mod, y.y_id);
            out->ce_mod = y.y_mod;
            out->ce_code = y.y_id;
            if (last_cls != RC_NONE && (u->u_flags & FN_CLASSMETHOD)) {
                out->ce_bound = 1;
                out->ce_self = rc_val_class(r, last_cls, 0);
                out->ce_self.v_loc = 'k';
                out->ce_self.v_text = rc_intern(r, fmt(r, "k:%s", r->r_classes[last_cls].k_full));
            }
            return is_func(r, out->ce_mod, out->ce_code);
        }
        if (!*segs && y.y_kind == SYM_CLASS) {      /* a constructor: __init__ of a new object */
            uint32_t mod, code = rc_method(r, y.y_id, "__init__", &mod);
            if (code == RC_NONE)
                return 0;
            out->ce_mod = mod;
            out->ce_code = code;
            out->ce_bound = 1;
            out->ce_self.v_kind = VK_OWNED;
            return is_func(r, mod, code);
        }
        if (y.y_kind != SYM_VAR)
            return 0;
    }
    /* a method of an object: the value before the last attribute */
    dot = strrchr(p, '.');
    if (!dot || strchr(dot, '[') || strchr(dot, ']'))
        return 0;
    {
        char recv[1024];
        size_t n = (size_t)(dot - p);
        rc_val v;
        if (n >= sizeof recv)
            return 0;
        memcpy(recv, p, n);
        recv[n] = 0;
        v = value_of(r, fr, recv);
        if (v.v_kind == VK_OWNED)
            return 0;
        if (!method_on(r, v, dot + 1, out))
            return 0;
        return is_func(r, out->ce_mod, out->ce_code);
    }
}

/* Binds the arguments of call c (made in frame fr) to the parameters of the new frame nf.
 * When c is given and says which parameters it passes (c_npos is not SUM_PARTIAL), those
 * that default to None and that it passes nothing for are set in the frame's fr_unpassed. */
static void bind_args(rc_run *r, const rc_frame *fr, const sum_arg *args, uint32_t nargs,
                      const sum_call *c, const callee *ce, uint32_t nf)
{
    const rv_func *u = rv_func_at(r, ce->ce_mod, ce->ce_code);
    const uint32_t *params = rv_params(r, ce->ce_mod, u);
    uint32_t k, pos = 0, i;
    uint64_t passed = 0;
    rc_frame *f = &r->r_frames[nf];
    if (ce->ce_bound && f->fr_nparams) {
        f->fr_params[0] = ce->ce_self;
        pos = 1;
        passed = 1;
    }
    if (c && c->c_npos != SUM_PARTIAL)
        for (k = 0; k < c->c_npos && pos + k < 64; k++)
            passed |= (uint64_t)1 << (pos + k);
    for (k = 0; k < nargs; k++) {
        uint32_t at = RC_NONE;
        rc_val v;
        if (args[k].g_kw) {
            for (i = 0; i < u->u_nparams; i++)
                if (params[i] && !strcmp(rv_s(r, params[i]), args[k].g_kw))
                    at = i;
        } else {
            at = pos++;
        }
        if (at < 64)
            passed |= (uint64_t)1 << at;
        if (at == RC_NONE || at >= f->fr_nparams || !args[k].g_path)
            continue;
        v = value_of(r, fr, args[k].g_path);
        v.v_recv = v.v_recv && !args[k].g_path[strcspn(args[k].g_path, ".[")];
        r->r_frames[nf].fr_params[at] = v;
        f = &r->r_frames[nf];
    }
    if (c && c->c_npos != SUM_PARTIAL && u->u_none_dflt)
        f->fr_unpassed = ~passed & u->u_none_dflt;
}

/* Is an access or a window under a test that parameter p - 1 is not None (ifparam) dead in
 * frame fr: the call passed nothing there and the default is None? */
static int dead_branch(const rc_frame *fr, uint8_t ifparam)
{
    return ifparam && ifparam <= 64 && ((fr->fr_unpassed >> (ifparam - 1)) & 1);
}

/***** the traversal *****/

typedef struct walk {
    rc_run *w_r;
    uint32_t w_ctx;
    strset w_seen;             /* frame keys visited in this context */
    uint32_t w_frames;         /* frames made for this context */
    int w_stop_at_roots;       /* --scope all: do not descend into functions that are roots */
} walk;

static void add_inst(rc_run *r, const rc_frame *fr, uint32_t fi, rc_val v, int window, int kind,
                     int value, uint32_t locks, uint32_t idx, uint32_t instr)
{
    rc_inst *in;
    const rc_ctx *x = &r->r_ctxs[fr->fr_ctx];
    if (v.v_kind != VK_LOC)
        return;
    if (x->x_class_only && v.v_loc != 'k' && v.v_loc != 'm')
        return;
    if (!(r->r_insts = grow(r, r->r_insts, r->r_ninsts, &r->r_capinsts, sizeof *r->r_insts)))
        return;
    in = &r->r_insts[r->r_ninsts++];
    memset(in, 0, sizeof *in);
    in->i_loc = v.v_text;
    in->i_key = v.v_key;
    in->i_cls = v.v_loc == 'o' || v.v_loc == 'k' ? v.v_root : RC_NONE;
    in->i_window = (uint8_t)window;
    in->i_kind = (uint8_t)kind;
    in->i_value = (uint8_t)value;
    in->i_recv = v.v_recv_attr;
    in->i_prop = v.v_prop;
    in->i_ctx = fr->fr_ctx;
    in->i_joined = fr->fr_joined;
    in->i_frame = fi;
    in->i_locks = locks;
    in->i_mod = fr->fr_mod;
    in->i_code = fr->fr_code;
    in->i_idx = idx;
    in->i_instr = instr;
    if (v.v_loc == 'c') {
        /* "c:mod:CODE:name": each call of CODE has its own cell, shared with the closures it
         * starts as threads -- not with other calls of CODE in other threads */
        const char *t = strchr(rc_text(r, v.v_text) + 2, ':');
        uint32_t owner = t ? (uint32_t)strtoul(t + 1, NULL, 10) : RC_NONE;
        uint32_t starter = x->x_start_code;
        /* a comprehension that starts the threads is its maker's code */
        while (x->x_kind == CTX_THREAD && x->x_start_mod == fr->fr_mod && starter != owner &&
               starter < r->r_sums[fr->fr_mod]->s_nfuncs &&
               (rv_func_at(r, fr->fr_mod, starter)->u_flags & FN_COMPREHENSION) &&
               rv_func_at(r, fr->fr_mod, starter)->u_parent != SUM_NONE)
            starter = rv_func_at(r, fr->fr_mod, starter)->u_parent;
        /* --scope all: every function, a closure too, may run in several threads */
        in->i_cell_own = x->x_kind == CTX_ALL ||
                         (x->x_kind == CTX_THREAD && x->x_start_mod == fr->fr_mod &&
                          starter == owner);
    }
}

/* Is `path[...]`.method() a method of the receiver's class (`self.pools.clear()` where pools
 * is a class of the run defining clear), not a built-in container's operation? */
static int own_method(rc_run *r, const rc_frame *fr, const char *path, const char *method)
{
    const char *br;
    char recv[1024];
    rc_val v;
    uint32_t mod;
    if (!method || !(br = strrchr(path, '[')) || (size_t)(br - path) >= sizeof recv)
        return 0;
    memcpy(recv, path, (size_t)(br - path));
    recv[br - path] = 0;
    v = value_of(r, fr, recv);
    return v.v_kind == VK_LOC && v.v_cls != RC_NONE && rc_method(r, v.v_cls, method, &mod) != RC_NONE;
}

/* Does an in-place operator on value v work in place: did every store of it that says
 * anything make a built-in container (a list, dict, set, deque, bytearray)? */
static int in_place(const rc_run *r, rc_val v)
{
    int cont = rc_is_container(r, v);
    return (cont & TY_CONT) && !(cont & (TY_UNKNOWN | TY_OTHER));
}

/* A container method called on `path[...]` whose receiver the file could not type
 * (RECV_MAYBE: a parameter, an imported name): is what the receiver holds here a built-in
 * container?  Unknown receivers are not. */
static int recv_container(rc_run *r, const rc_frame *fr, const char *path)
{
    const char *br;
    char recv[1024];
    if (!(br = strrchr(path, '[')) || (size_t)(br - path) >= sizeof recv)
        return 0;
    memcpy(recv, path, (size_t)(br - path));
    recv[br - path] = 0;
    return rc_is_container(r, value_of(r, fr, recv));
}

/* The value of a path of frame fr at instruction `instr`: in __init__ of an object still being
 * made (parameter 0 owned), once `self` has escaped (handed to a thread, stored elsewhere) its
 * state is the class's like any instance's. */
static rc_val escaped_value(rc_run *r, const rc_frame *fr, const rv_func *u, uint32_t escape,
                            const char *path, uint32_t instr)
{
    if ((u->u_flags & FN_INIT) && escape != SUM_NONE && instr >= escape &&
        fr->fr_nparams && fr->fr_params[0].v_kind == VK_OWNED && u->u_class != SUM_NONE &&
        !strncmp(path, "p:0", 3) && (path[3] == '.' || path[3] == '[' || !path[3])) {
        rc_val self = rc_val_class(r, r->r_class_id[fr->fr_mod][u->u_class], 1);
        return rc_apply(r, self, path + 3);
    }
    return value_of(r, fr, path);
}

/* Does call c of frame fr (function u) run for the construction of fr's `self`: a method called
 * on self (`self._reset()`) while fr constructs it -- __init__ before self escapes, or a frame
 * that already does -- or `self.__init__()` called again (a re-initialisation, which the object's
 * threads must not run beside).  Not into a function that starts threads: what it does after
 * the start is shared. */
static int construct_call(const rc_run *r, const rc_frame *fr, const rv_func *u,
                          uint32_t escape, const sum_call *c, const callee *ce)
{
    const rv_func *cu = rv_func_at(r, ce->ce_mod, ce->ce_code);
    const rv_sum *cs = r->r_sums[ce->ce_mod];
    uint32_t i;
    if (!c->c_callee || strncmp(c->c_callee, "p:0.", 4) || strpbrk(c->c_callee + 4, ".[") ||
        !fr->fr_nparams)
        return 0;
    for (i = 0; i < cs->s_nstarts; i++)
        if (cs->s_starts[i].t_func == ce->ce_code)
            return 0;
    if ((cu->u_flags & FN_INIT) && !strcmp(c->c_callee + 4, "__init__"))
        return 1;
    return fr->fr_construct || ((u->u_flags & FN_INIT) && c->c_instr < escape);
}

/* Is v, an attribute of an object of class B (`o:m.B._t`), the attribute thread context c keeps
 * its thread at on an object of class A (`o:m.A._t`), A and B related: the base class starts
 * the thread, a subclass's method joins it? */
static int same_attr(const rc_run *r, const rc_ctx *c, const rc_val *v)
{
    const char *a, *b;
    size_t na, nb;
    if (c->x_obj == RC_NONE || c->x_obj_cls == RC_NONE || v->v_loc != 'o' ||
        v->v_root == RC_NONE || !rc_related(r, c->x_obj_cls, v->v_root))
        return 0;
    a = rc_text(r, c->x_obj);
    b = rc_text(r, v->v_text);
    na = strlen(r->r_classes[c->x_obj_cls].k_full);
    nb = strlen(r->r_classes[v->v_root].k_full);
    return !strncmp(a, "o:", 2) && !strncmp(b, "o:", 2) && strlen(a) > na + 2 &&
           strlen(b) > nb + 2 && !strcmp(a + 2 + na, b + 2 + nb);
}

/* `self._thread.join()`: when call c of frame fi joins the object a thread context keeps its
 * thread at, what frame fi does after it (and what it calls) happens after that thread. */
static void joins(rc_run *r, uint32_t fi, const sum_call *c)
{
    size_t n;
    char recv[512];
    rc_val v;
    uint32_t i;
    if (!c->c_callee || (n = strlen(c->c_callee)) <= 5 || n - 5 >= sizeof recv ||
        strcmp(c->c_callee + n - 5, ".join"))
        return;
    memcpy(recv, c->c_callee, n - 5);
    recv[n - 5] = 0;
    v = value_of(r, &r->r_frames[fi], recv);
    if (v.v_kind != VK_LOC || v.v_key)
        return;
    for (i = 0; i < r->r_nctxs; i++)
        if (r->r_ctxs[i].x_kind == CTX_THREAD &&
            (r->r_ctxs[i].x_obj == v.v_text || same_attr(r, &r->r_ctxs[i], &v))) {
            /* several joins in a row (a pool's join() of its three handler threads) */
            if (rc_joined(r, r->r_frames[fi].fr_joined, i) ||
                !(r->r_joins = grow(r, r->r_joins, r->r_njoins, &r->r_capjoins,
                                    sizeof *r->r_joins)))
                return;
            r->r_joins[r->r_njoins].j_ctx = i;
            r->r_joins[r->r_njoins].j_next = r->r_frames[fi].fr_joined;
            r->r_frames[fi].fr_joined = r->r_njoins++;
            return;
        }
}

int rc_joined(const rc_run *r, uint32_t joined, uint32_t ctx)
{
    for (; joined != RC_NONE; joined = r->r_joins[joined].j_next)
        if (r->r_joins[joined].j_ctx == ctx)
            return 1;
    return 0;
}

/* The function a call resolves to is a root of its own (--scope all). */
static int is_root_all(const rc_run *r, uint32_t mod, uint32_t code);

static void visit(walk *w, uint32_t fi, int depth)
{
    rc_run *r = w->w_r;
    rc_frame *fr = &r->r_frames[fi];
    const uint32_t mod = fr->fr_mod;
    const rv_func *u = rv_func_at(r, mod, fr->fr_code);
    const rv_acc *acc = rv_accs(r, mod, u);
    const rv_win *win;
    const uint32_t nwin = rv_wins(r, mod, u, &win), escape = rv_escape(r, mod, u);
    uint32_t ia = 0, iw = 0, held[16], nheld = 0, k;
    rv_calls it;
    sum_call call;             /* the next call, decoded ahead */
    int have_call;
    const char *key;
    rv_calls_start_bare(&it, r, mod, u);
    while (!fr->fr_construct && !(u->u_flags & FN_INIT) && rv_calls_next(&it, &call))
        if (call.c_callee && !strcmp(call.c_callee, "p:0.__init__"))
            fr->fr_construct = 1;   /* reinitialise(): makes the object anew, as __init__ */
    if (u->u_class != SUM_NONE && u->u_name && !strcmp(rv_s(r, u->u_name), "__del__"))
        fr->fr_construct = 1;       /* no one else holds an object being finalized */
    key = frame_key(r, fr);
    if (!key || set_has(&w->w_seen, key, NULL) || r->r_oom)
        return;
    if (set_add(&w->w_seen, r->r_a, key, 0)) {
        r->r_oom = 1;
        return;
    }
    if (r->r_ctxs[fr->fr_ctx].x_modules)
        r->r_ctxs[fr->fr_ctx].x_modules[fr->fr_mod / 8] |= (uint8_t)(1u << (fr->fr_mod % 8));
    /* accesses, windows and calls in program order, so that a lock taken by a helper
     * (`_acquireLock()`) covers what follows it */
    rv_calls_start(&it, r, mod, u);
    have_call = rv_calls_next(&it, &call);
    for (;;) {
        uint32_t na = ia < u->u_nacc ? acc[ia].a_instr : UINT32_MAX;
        uint32_t nw = iw < nwin ? win[iw].w_first : UINT32_MAX;
        uint32_t nc = have_call ? call.c_instr : UINT32_MAX;
        fr = &r->r_frames[fi];
        if (na == UINT32_MAX && nw == UINT32_MAX && nc == UINT32_MAX)
            break;
        if (na <= nw && na <= nc) {
            const rv_acc *a = &acc[ia++];
            const char *path = rv_s(r, a->a_path), *method = rv_s(r, a->a_method);
            rc_val v;
            if (dead_branch(fr, a->a_ifparam))
                continue;   /* `if section is not None:` where the caller passed no section */
            v = escaped_value(r, fr, u, escape, path, a->a_instr);
            if (((u->u_flags & FN_INIT) && a->a_instr < escape) || fr->fr_construct) {
                if (!strncmp(path, "p:0", 3))
                    continue;   /* construction: self has not been shared yet */
            }
            if (own_method(r, fr, path, method))
                continue;   /* the receiver class's own method runs */
            if (method && a->a_recv == RECV_MAYBE && !recv_container(r, fr, path))
                continue;   /* `h.update(b)` on what is not known to be a dict */
            if (v.v_kind == VK_LOC)
                add_inst(r, fr, fi, v, 0, a->a_kind, 0,
                         frame_locks(r, fr, a->a_locks, held, nheld), ia - 1, a->a_instr);
        } else if (nw <= nc) {
            const rv_win *sw = &win[iw++];
            const char *path = rv_s(r, sw->w_path), *method = rv_s(r, sw->w_method);
            rc_val v;
            if (dead_branch(fr, sw->w_ifparam))
                continue;
            v = escaped_value(r, fr, u, escape, path, sw->w_first);
            if ((((u->u_flags & FN_INIT) && sw->w_last < escape) || fr->fr_construct) &&
                !strncmp(path, "p:0", 3))
                continue;
            if (own_method(r, fr, path, method))
                continue;
            int brk = sw->w_breaks, cont = 0;
            if (method && sw->w_recv == RECV_MAYBE &&
                !(cont = recv_container(r, fr, path)))
                continue;
            if (cont && !strcmp(method, "__iter__") && (cont & TY_SEQ) && !(cont & TY_RAISE))
                brk = BRK_REMOVE;   /* a list: what another thread appends is iterated too */
            if (v.v_kind == VK_LOC)
                add_inst(r, fr, fi, v, 1, brk, (sw->w_value & 1) |
                                               ((sw->w_value & 2) && ((sw->w_value & 4) ||
                                                                      in_place(r, v)) ? 2 : 0),
                         frame_locks(r, fr, sw->w_locks, held, nheld), iw - 1, sw->w_first);
        } else {
            const sum_call *c = &call;
            callee ce;
            const rv_func *cu;
            const rv_more *cm;
            uint32_t nf;
            joins(r, fi, c);
            if (!resolve_call(r, fr, c, &ce)) {
                have_call = rv_calls_next(&it, &call);
                continue;
            }
            cu = rv_func_at(r, ce.ce_mod, ce.ce_code);
            if (depth < MAX_DEPTH && w->w_frames < MAX_FRAMES_CTX && r->r_nframes < MAX_FRAMES &&
                !(w->w_stop_at_roots && is_root_all(r, ce.ce_mod, ce.ce_code)) &&
                !(cu->u_flags & FN_ASYNC)) {
                nf = new_frame(r, ce.ce_mod, ce.ce_code, fi, c->c_line,
                               frame_locks(r, &r->r_frames[fi], c->c_locks, held, nheld),
                               r->r_frames[fi].fr_ctx);
                if (nf == RC_NONE)
                    return;
                r->r_frames[nf].fr_call_instr = c->c_instr;
                r->r_frames[nf].fr_loop = c->c_loop;
                r->r_frames[nf].fr_joined = r->r_frames[fi].fr_joined;
                r->r_frames[nf].fr_construct = (uint8_t)construct_call(r, &r->r_frames[fi], u,
                                                                        escape, c, &ce);
                w->w_frames++;
                bind_args(r, &r->r_frames[fi], c->c_args, c->c_nargs, c, &ce, nf);
                visit(w, nf, depth + 1);
            } else if (depth >= MAX_DEPTH || w->w_frames >= MAX_FRAMES_CTX ||
                       r->r_nframes >= MAX_FRAMES) {
                r->r_capped = 1;
            }
            /* locks a helper leaves held, or releases */
            if ((cm = rv_more_of(r, ce.ce_mod, cu)) && (cm->m_nheld || cm->m_nreleased)) {
                const uint32_t *ids = r->r_sums[ce.ce_mod]->s_ids;
                uint32_t tmp = new_frame(r, ce.ce_mod, ce.ce_code, fi, c->c_line, 0,
                                         r->r_frames[fi].fr_ctx);
                if (tmp == RC_NONE)
                    return;
                bind_args(r, &r->r_frames[fi], c->c_args, c->c_nargs, c, &ce, tmp);
                for (k = 0; k < cm->m_nheld && nheld < 16; k++) {
                    uint32_t id;
                    int kind = rc_lock_of(r, &r->r_frames[tmp], rv_s(r, ids[cm->m_held + k]),
                                          NULL, 1, &id);
                    if (kind != LOCK_NOTLOCK && kind != LOCK_ASYNC && id != RC_NONE)
                        held[nheld++] = id;
                }
                for (k = 0; k < cm->m_nreleased; k++) {
                    uint32_t id, j;
                    rc_lock_of(r, &r->r_frames[tmp], rv_s(r, ids[cm->m_released + k]), NULL, 1,
                               &id);
                    for (j = 0; j < nheld; j++)
                        if (held[j] == id)
                            held[j--] = held[--nheld];
                }
            }
            have_call = rv_calls_next(&it, &call);
        }
    }
}

/* Starts context ctx at function (mod, code) with parameter 0 bound to self (when given) and
 * the others to args; parent is the frame that starts it (closures find their cells there). */
static void run_ctx(rc_run *r, uint32_t ctx, uint32_t mod, uint32_t code, const rc_val *self,
                    const sum_arg *args, uint32_t nargs, uint32_t parent, int32_t line,
                    int stop_at_roots)
{
    walk w;
    uint32_t fi;
    if (ctx == RC_NONE || !is_func(r, mod, code) || (rv_func_at(r, mod, code)->u_flags & FN_ASYNC))
        return;
    if (r->r_ctxs[ctx].x_home == RC_NONE)
        r->r_ctxs[ctx].x_home = parent != RC_NONE ? r->r_frames[parent].fr_mod : mod;
    memset(&w, 0, sizeof w);
    w.w_r = r;
    w.w_ctx = ctx;
    w.w_stop_at_roots = stop_at_roots;
    fi = new_frame(r, mod, code, parent, line, 0, ctx);
    if (fi == RC_NONE)
        return;
    if (self && r->r_frames[fi].fr_nparams)
        r->r_frames[fi].fr_params[0] = *self;
    if (args && parent != RC_NONE) {
        callee ce;
        memset(&ce, 0, sizeof ce);
        ce.ce_mod = mod;
        ce.ce_code = code;
        ce.ce_bound = self != NULL;
        if (self)
            ce.ce_self = *self;
        bind_args(r, &r->r_frames[parent], args, nargs, NULL, &ce, fi);
    }
    visit(&w, fi, 0);
}

/* Does `want` ("cache" or "insert.cache") name parameter `name` of the function `qual`? */
static int names_param(const char *want, const char *qual, const char *name)
{
    size_t nq = strlen(qual);
    return !strcmp(want, name) || (!strncmp(want, qual, nq) && want[nq] == '.' &&
                                   !strcmp(want + nq + 1, name));
}

/* Binds the parameters named in o_shared_params (`explain --shared`) to their shared location:
 * every thread that runs the function gets the same object there. */
static void shared_params(rc_run *r, uint32_t mod, uint32_t code, uint32_t fi)
{
    const rv_sum *s = r->r_sums[mod];
    const rv_func *u = &s->s_funcs[code];
    const uint32_t *params = rv_params(r, mod, u);
    const char *qual = rv_s(r, u->u_qualname);
    uint32_t i;
    size_t k;
    if (!r->r_opt || !r->r_opt->o_nshared_params)
        return;
    for (i = 0; i < u->u_nparams && i < r->r_frames[fi].fr_nparams; i++)
        for (k = 0; k < r->r_opt->o_nshared_params; k++)
            if (params[i] && names_param(r->r_opt->o_shared_params[k], qual, rv_s(r, params[i])))
                r->r_frames[fi].fr_params[i] = rc_val_shared_arg(r, s->s_module, qual,
                                                                 rv_s(r, params[i]));
}

/* A frame for a function that starts a thread, as nobody in particular calls it: `self` is an
 * instance of its class; the other parameters are unknown (or shared when named so). */
static uint32_t static_frame(rc_run *r, uint32_t mod, uint32_t code, uint32_t ctx)
{
    const rv_func *u = rv_func_at(r, mod, code);
    uint32_t fi = new_frame(r, mod, code, RC_NONE, u->u_line, 0, ctx);
    if (fi == RC_NONE)
        return fi;
    r->r_frames[fi].fr_starter = 1;
    if (u->u_class != SUM_NONE && !(u->u_flags & FN_STATIC) && r->r_frames[fi].fr_nparams) {
        uint32_t cls = r->r_class_id[mod][u->u_class];
        if (u->u_flags & FN_CLASSMETHOD) {
            rc_val v = rc_val_class(r, cls, 0);
            v.v_loc = 'k';
            v.v_text = rc_intern(r, fmt(r, "k:%s", r->r_classes[cls].k_full));
            r->r_frames[fi].fr_params[0] = v;
        } else {
            r->r_frames[fi].fr_params[0] = rc_val_class(r, cls, 1);
        }
    }
    shared_params(r, mod, code, fi);
    return fi;
}

int rc_resolve_call(rc_run *r, const rc_frame *fr, const sum_call *c, rc_callee *out)
{
    return resolve_call(r, fr, c, out);
}

uint32_t rc_static_frame(rc_run *r, uint32_t mod, uint32_t code)
{
    return static_frame(r, mod, code, 0);
}

/***** where contexts come from *****/

static int any_caller_root(rc_run *r, uint32_t mod, uint32_t code);
static void count_calls(rc_run *r);
static void unmatched(rc_run *r, const char *key, const char *what, const char *const *names,
                      size_t n, const uint8_t *matched);

/* The function a thread's target path names, in the starting frame: *self gets the receiver of
 * a bound method. */
static int target_of(rc_run *r, const rc_frame *fr, const char *target, callee *out)
{
    sum_call c;
    memset(&c, 0, sizeof c);
    if (!target)
        return 0;
    c.c_callee = target;
    return resolve_call(r, fr, &c, out);
}

static int count_starts(uint32_t fid, const uint32_t *targets, uint32_t n)
{
    uint32_t i, k = 0;
    for (i = 0; i < n; i++)
        k += targets[i] == fid;
    return k;
}

/* A context for start st of summary m (fid: its target's function id; targets, total: every
 * start's target, to count the starts of one function). */
static void start_context(rc_run *r, uint32_t m, const sum_start *st, uint32_t fid,
                          const uint32_t *targets, uint32_t total)
{
    const rv_sum *s = r->r_sums[m];
    uint32_t sf, ctx, k;
    callee ce;
    int many, again;
    const char *what;
    if (fid == RC_NONE || st->t_kind == START_PROCESS || st->t_kind == START_AT_FORK ||
        st->t_kind == START_SERVER)
        return;
    sf = static_frame(r, m, st->t_func, 0);
    if (sf == RC_NONE || !target_of(r, &r->r_frames[sf], st->t_target, &ce))
        return;
    /* the starting function called in a loop (`for i in range(n):
     * self.add_worker_thread()`) starts a thread per round: as a start in a loop */
    again = !st->t_serial && r->r_nloop_to[rc_func_id(r, m, st->t_func)] > 0;
    /* an executor runs the tasks submitted to it on several workers at once: a task
     * submitted from code that runs more than once (an accept loop's handler) has
     * company, wherever the submit is written */
    many = !st->t_serial && (st->t_many || again || count_starts(fid, targets, total) > 1 ||
                             st->t_kind == START_EXECUTOR);
    if (st->t_kind == START_ROUTE)
        what = fmt(r, "request threads of the web route at %s:%d (one per request)", s->s_file,
                   st->t_line);
    else
        what = fmt(r, "%s started at %s:%d%s",
               st->t_kind == START_TIMER ? "timer thread"
               : st->t_kind == START_EXECUTOR ? "executor task" : "thread",
               s->s_file, st->t_line,
               st->t_serial ? " (a pool of one worker)"
               : many ? (st->t_many ? " (several, in a loop)"
                         : again ? " (several: its function is called in a loop)"
                         : " (several)") : "");
    /* a pool of one worker runs its tasks one after another: one thread, whatever
     * the number of submits */
    ctx = new_ctx(r, CTX_THREAD, 1,
                  st->t_many || again || (st->t_kind == START_EXECUTOR && !st->t_serial),
                  what);
    if (ctx == RC_NONE)
        return;
    r->r_ctxs[ctx].x_start_mod = m;
    r->r_ctxs[ctx].x_start_code = st->t_func;
    r->r_ctxs[ctx].x_start_instr = st->t_instr;
    r->r_ctxs[ctx].x_start_loop = st->t_many || again ||
                                  s->s_funcs[st->t_func].u_flags & FN_COMPREHENSION;
    if (st->t_obj && !st->t_many && !again) {
        rc_val ov = value_of(r, &r->r_frames[sf], st->t_obj);
        if (ov.v_kind == VK_LOC && !ov.v_key) {
            r->r_ctxs[ctx].x_obj = ov.v_text;
            r->r_ctxs[ctx].x_obj_cls = ov.v_loc == 'o' ? ov.v_root : RC_NONE;
        }
    }
    r->r_ctxs[ctx].x_entry_mod = ce.ce_mod;
    r->r_ctxs[ctx].x_entry_code = ce.ce_code;
    for (k = 0; k < st->t_nargs && k + (ce.ce_bound ? 1u : 0u) < 64; k++)
        if (st->t_args[k].g_distinct)
            r->r_ctxs[ctx].x_distinct |= (uint64_t)1 << (k + (ce.ce_bound ? 1 : 0));
    if (st->t_serial && st->t_pool) {
        rc_val pv = value_of(r, &r->r_frames[sf], st->t_pool);
        if (pv.v_kind == VK_LOC && !pv.v_key)
            r->r_ctxs[ctx].x_pool = pv.v_text;
    }
    /* a plain function started once runs in one thread; a method of an object runs
     * once per object, and objects are many */
    r->r_ctxs[ctx].x_many = (uint8_t)(many || ce.ce_bound);
    r->r_frames[sf].fr_ctx = ctx;
    run_ctx(r, ctx, ce.ce_mod, ce.ce_code, ce.ce_bound ? &ce.ce_self : NULL, st->t_args,
            st->t_nargs, sf, st->t_line, 0);
}

/* The constructor argument (position, from 0) that a Thread subclass of the run calls in its
 * run() -- `self.function = function` in __init__, `self.function(*self.args)` in run(), a
 * timer class of its own -- or -1.  Classes named ...Thread or ...Timer are not asked: their
 * construction is a start by name already (sum_build.c find_start). */
static int called_argument(rc_run *r, uint32_t i)
{
    const rc_class *cl = &r->r_classes[i];
    size_t n = strlen(cl->k_full);
    uint32_t mod, code;
    rv_calls it;
    sum_call sc;
    if ((n >= 6 && !strcmp(cl->k_full + n - 6, "Thread")) ||
        (n >= 5 && !strcmp(cl->k_full + n - 5, "Timer")) ||
        !rc_derives(r, i, "threading.Thread", 0) || !strcmp(cl->k_full, "threading.Thread"))
        return -1;
    code = rc_method(r, i, "run", &mod);
    if (code == RC_NONE || !strcmp(r->r_sums[mod]->s_module, "threading"))
        return -1;
    rv_calls_start(&it, r, mod, rv_func_at(r, mod, code));
    while (rv_calls_next(&it, &sc)) {
        const rv_attr *at;
        if (!sc.c_callee || strncmp(sc.c_callee, "p:0.", 4) || strpbrk(sc.c_callee + 4, ".[") ||
            !(at = rc_attr(r, i, sc.c_callee + 4)) || at->at_ctor || at->at_param < 1 ||
            at->at_param > 8)
            continue;
        return (int)at->at_param - 1;
    }
    return -1;
}

/* Calls fn for every call of every function of the run whose callee is a module-level name
 * (`g:...`): the constructions of classes, among others. */
static void each_global_call(rc_run *r,
                             void (*fn)(rc_run *r, uint32_t m, uint32_t k, const sum_call *c,
                                        void *arg),
                             void *arg)
{
    uint32_t m, k;
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs && !r->r_oom; k++) {
            rv_calls it;
            sum_call sc;
            rv_calls_start(&it, r, m, &s->s_funcs[k]);
            while (rv_calls_next(&it, &sc))
                if (sc.c_callee && !strncmp(sc.c_callee, "g:", 2))
                    fn(r, m, k, &sc, arg);
        }
    }
}

/* The class a factory function makes from the arguments it is given as they are (`def
 * TimerReset(*args, **kwargs): return _TimerReset(*args, **kwargs)`: no named parameter, one
 * call, of a class, with the starred arguments only), or y itself. */
static rc_sym factory_of(rc_run *r, rc_sym y)
{
    const rv_func *u = rv_func_at(r, y.y_mod, y.y_id);
    rv_calls it;
    sum_call sc;
    rc_sym made;
    int n = 0;
    if (u->u_nparams)
        return y;
    made.y_kind = SYM_NONE;
    rv_calls_start(&it, r, y.y_mod, u);
    while (rv_calls_next(&it, &sc)) {
        uint32_t a;
        if (n++ || !sc.c_callee || strncmp(sc.c_callee, "g:", 2) || !sc.c_nargs ||
            (made = rc_resolve_dotted_in(r, y.y_mod, sc.c_callee + 2, 0)).y_kind != SYM_CLASS)
            return y;
        for (a = 0; a < sc.c_nargs; a++)   /* `*args`, `**kwargs`: no value of their own */
            if (sc.c_args[a].g_path || sc.c_args[a].g_kw)
                return y;
    }
    return n == 1 ? made : y;
}

typedef struct given {
    const int *g_slot;              /* per class: called_argument */
    const uint32_t *g_targets;      /* every start's target (start_context) */
    uint32_t g_total;
} given;

/* A thread context for call c of function (m, k) when it constructs a Thread subclass that
 * calls the callable it passes (each_global_call). */
static void given_callable(rc_run *r, uint32_t m, uint32_t k, const sum_call *c, void *arg)
{
    const given *g = arg;
    sum_start st;
    rc_sym y = rc_resolve_dotted_in(r, m, c->c_callee + 2, 0);
    uint32_t a, pos = 0, sf;
    callee ce;
    if (y.y_kind == SYM_FUNC)
        y = factory_of(r, y);
    if (y.y_kind != SYM_CLASS || g->g_slot[y.y_id] < 0)
        return;
    memset(&st, 0, sizeof st);
    for (a = 0; a < c->c_nargs && !st.t_target; a++)
        if (!c->c_args[a].g_kw && pos++ == (uint32_t)g->g_slot[y.y_id])
            st.t_target = c->c_args[a].g_path;
    if (!st.t_target)
        return;
    st.t_kind = START_THREAD;
    st.t_many = c->c_loop;
    st.t_func = k;
    st.t_instr = c->c_instr;
    st.t_line = c->c_line;
    sf = static_frame(r, m, k, 0);
    if (sf == RC_NONE || !target_of(r, &r->r_frames[sf], st.t_target, &ce))
        return;
    count_calls(r);
    start_context(r, m, &st, rc_func_id(r, ce.ce_mod, ce.ce_code), g->g_targets, g->g_total);
}

/* Thread subclasses that call a callable given to their constructor: each construction site
 * starts a thread running what it passes there (slixmpp's `TimerReset(t, self._timeout)`). */
static void contexts_from_given_callables(rc_run *r, const uint32_t *targets, uint32_t total)
{
    int *slot = arena_array(r->r_a, r->r_nclasses + 1, sizeof *slot);
    uint32_t i;
    int any = 0;
    given g;
    if (!slot) {
        r->r_oom = 1;
        return;
    }
    for (i = 0; i < r->r_nclasses; i++)
        any |= (slot[i] = called_argument(r, i)) >= 0;
    g.g_slot = slot;
    g.g_targets = targets;
    g.g_total = total;
    if (any)
        each_global_call(r, given_callable, &g);
}

static void contexts_from_starts(rc_run *r)
{
    uint32_t m, i, n = 0, total = 0, *targets;
    for (m = 0; m < r->r_nsums; m++)
        total += r->r_sums[m]->s_nstarts;
    targets = arena_array(r->r_a, total + 1, sizeof *targets);
    if (!targets) {
        r->r_oom = 1;
        return;
    }
    /* first the targets, to know which are started more than once */
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (i = 0; i < s->s_nstarts; i++) {
            const sum_start *st = &s->s_starts[i];
            uint32_t sf = static_frame(r, m, st->t_func, 0);
            callee ce;
            targets[n++] = sf != RC_NONE && target_of(r, &r->r_frames[sf], st->t_target, &ce)
                               ? rc_func_id(r, ce.ce_mod, ce.ce_code) : RC_NONE;
            if (targets[n - 1] != RC_NONE &&
                (st->t_kind == START_PROCESS || st->t_kind == START_AT_FORK))
                r->r_isolated[targets[n - 1]] = 1;
        }
    }
    if (total)
        count_calls(r);     /* which starting functions are called in a loop */
    n = 0;
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (i = 0; i < s->s_nstarts; i++, n++)
            start_context(r, m, &s->s_starts[i], targets[n], targets, total);
    }
    contexts_from_given_callables(r, targets, total);
}

static int is_public(const char *name)
{
    static const char *const not_public[] = {
        "__init__", "__new__", "__del__", "__init_subclass__", "__class_getitem__",
        "__set_name__", "__getstate__", "__setstate__", "__reduce__", "__reduce_ex__",
        "__copy__", "__deepcopy__", "__getnewargs__", "__getnewargs_ex__",
    };
    size_t i, n = strlen(name);
    if (name[0] != '_')
        return 1;
    if (n < 5 || name[1] != '_' || name[n - 1] != '_' || name[n - 2] != '_')
        return 0;
    for (i = 0; i < sizeof not_public / sizeof not_public[0]; i++)
        if (!strcmp(name, not_public[i]))
            return 0;
    return 1;
}

/* A context `what` in which an object of class cls is made per request and its methods named
 * names[0..n) or starting with prefix (when not NULL) run, one after the other, in the
 * request's thread: their self is that object, not shared with other requests. */
static void run_handler(rc_run *r, uint32_t cls, const char *const *names, size_t n,
                        const char *prefix, const char *what)
{
    const rc_class *hc = &r->r_classes[cls];
    const rv_sum *hs = r->r_sums[hc->k_mod];
    uint32_t j, ctx = new_ctx(r, CTX_HANDLER, 1, 0, what);
    rc_val self = rc_val_class(r, cls, 1);
    for (j = 0; ctx != RC_NONE && j < hs->s_nfuncs; j++) {
        const rv_func *hu = &hs->s_funcs[j];
        const char *hname = rv_s(r, hu->u_name);
        size_t e;
        int is_entry = prefix && !strncmp(hname, prefix, strlen(prefix));
        if (hu->u_class == SUM_NONE || r->r_class_id[hc->k_mod][hu->u_class] != cls)
            continue;
        for (e = 0; e < n; e++)
            is_entry |= !strcmp(hname, names[e]);
        if (is_entry)
            run_ctx(r, ctx, hc->k_mod, j, &self, NULL, 0, RC_NONE, 0, 0);
    }
}

/* A handler context for call of function (m, k) when it makes a threading server with a
 * handler class (each_global_call). */
static void server_handlers(rc_run *r, uint32_t m, uint32_t k, const sum_call *call, void *arg)
{
    const rv_sum *s = r->r_sums[m];
    const char *hpath = NULL;
    rc_sym srv, h;
    uint32_t a, pos = 0;
    int threading = 0;
    (void)k;
    (void)arg;
    if (call->c_nargs < 2)
        return;
    srv = rc_resolve_dotted_in(r, m, call->c_callee + 2, 0);
    if (srv.y_kind == SYM_CLASS)
        threading = rc_derives(r, srv.y_id, "socketserver.ThreadingMixIn", 0);
    else if (srv.y_kind == SYM_EXTERNAL)
        threading = strstr(srv.y_name, "Threading") && strstr(srv.y_name, "Server");
    if (!threading)
        return;
    for (a = 0; a < call->c_nargs; a++) {
        if (call->c_args[a].g_kw ? !strcmp(call->c_args[a].g_kw, "RequestHandlerClass")
                                 : pos++ == 1)
            hpath = call->c_args[a].g_path;
    }
    if (!hpath || strncmp(hpath, "g:", 2))
        return;
    h = rc_resolve_dotted_in(r, m, hpath + 2, 0);
    if (h.y_kind != SYM_CLASS)
        return;
    {
        /* one context per handler class: setup, handle, finish and the do_* methods run one
         * after the other in the request's thread */
        static const char *const entry[] = { "handle", "setup", "finish" };
        run_handler(r, h.y_id, entry, sizeof entry / sizeof *entry, "do_",
                    fmt(r, "a request handler thread of %s (one per request, server made at "
                        "%s:%d)", r->r_classes[h.y_id].k_full, s->s_file, call->c_line));
    }
}

/* A request context for each class-based view a Django URL conf names (each_global_call):
 * `path("report/", views.ReportView.as_view())`.  Django makes an instance of the class per
 * request and calls its dispatch(), which calls the method of the request's HTTP verb, in the
 * request's thread: the view's own methods of those names run there, on an object of their
 * own (as a threading server's handler does); the class's state and the module's are shared
 * by the requests. */
static void django_views(rc_run *r, uint32_t m, uint32_t k, const sum_call *call, void *arg)
{
    uint8_t *seen = arg;       /* by class: a view named by several patterns is one context */
    static const char *const verbs[] = { "dispatch", "get", "post", "put", "patch", "delete",
                                         "head", "options" };
    const char *ctor = NULL;
    char cls[512];
    size_t n;
    uint32_t a, pos = 0;
    rc_sym y;
    (void)k;
    if (call->c_nargs < 2)
        return;
    y = rc_resolve_dotted_in(r, m, call->c_callee + 2, 0);
    if (y.y_kind != SYM_EXTERNAL || !sum_django_route(y.y_name))
        return;
    for (a = 0; a < call->c_nargs; a++)
        if (call->c_args[a].g_kw ? !strcmp(call->c_args[a].g_kw, "view") : pos++ == 1)
            ctor = call->c_args[a].g_ctor;
    if (!ctor || (n = strlen(ctor)) <= 8 || n - 8 >= sizeof cls ||
        strcmp(ctor + n - 8, ".as_view"))
        return;
    memcpy(cls, ctor, n - 8);
    cls[n - 8] = 0;
    y = rc_ctor_class(r, m, cls);
    if (y.y_kind != SYM_CLASS || seen[y.y_id])
        return;
    seen[y.y_id] = 1;
    run_handler(r, y.y_id, verbs, sizeof verbs / sizeof *verbs, NULL,
                fmt(r, "request threads of the class-based view %s (one per request, URL conf "
                    "at %s:%d)", r->r_classes[y.y_id].k_full, r->r_sums[m]->s_file,
                    call->c_line));
}

/* Thread subclasses' run(), and the handlers of threading servers. */
static void contexts_from_classes(rc_run *r)
{
    uint32_t i;
    for (i = 0; i < r->r_nclasses; i++) {
        uint32_t mod, code, ctx;
        rc_val self;
        if (!rc_derives(r, i, "threading.Thread", 0) || !strcmp(r->r_classes[i].k_full,
                                                               "threading.Thread"))
            continue;
        code = rc_method(r, i, "run", &mod);
        if (code == RC_NONE || !strcmp(r->r_sums[mod]->s_module, "threading"))
            continue;
        /* many threads of the class, unless the run makes it once (module code, no loop) */
        ctx = new_ctx(r, CTX_SUBCLASS, !r->r_classes[i].k_once, 0,
                      fmt(r, "thread of %s.run (a Thread subclass)", r->r_classes[i].k_full));
        if (ctx == RC_NONE)
            return;
        r->r_ctxs[ctx].x_subclass = i;
        /* a start() of the class's own that hands the object over with `super().start()`:
         * what it does before runs before this object's run() (race_report.c before_start) */
        {
            uint32_t smod, scode = rc_method(r, i, "start", &smod);
            uint32_t esc = scode == RC_NONE || !strcmp(r->r_sums[smod]->s_module, "threading")
                               ? SUM_NONE : rv_escape(r, smod, rv_func_at(r, smod, scode));
            if (esc != SUM_NONE) {
                r->r_ctxs[ctx].x_start_mod = smod;
                r->r_ctxs[ctx].x_start_code = scode;
                r->r_ctxs[ctx].x_start_instr = esc;
            }
        }
        self = rc_val_class(r, i, 1);
        run_ctx(r, ctx, mod, code, &self, NULL, 0, RC_NONE, 0, 0);
    }
    /* servers: an external threading server, or a class of the run with ThreadingMixIn,
     * constructed with a handler class */
    each_global_call(r, server_handlers, NULL);
    {
        uint8_t *seen = arena_alloc(r->r_a, r->r_nclasses + 1);
        if (!seen) {
            r->r_oom = 1;
            return;
        }
        memset(seen, 0, r->r_nclasses + 1);
        each_global_call(r, django_views, seen);
    }
}

/* Calls a script's `if __name__ == "__main__":` makes run in the main thread. */
static void contexts_main(rc_run *r)
{
    uint32_t m;
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        const rv_func *u = s->s_nfuncs ? &s->s_funcs[0] : NULL;
        uint32_t sf = RC_NONE, ctx = RC_NONE;
        rv_calls it;
        sum_call call;
        if (!s->s_nfuncs || !(u->u_flags & FN_MODULE))
            continue;
        rv_calls_start(&it, r, m, u);
        while (rv_calls_next(&it, &call)) {
            callee ce;
            if (!call.c_main)
                continue;
            if (ctx == RC_NONE) {
                /* each script is a program of its own: its main thread meets the threads of
                 * the modules it reaches, not the other scripts' */
                ctx = new_ctx(r, CTX_MAIN, 0, 0, fmt(r, "the main thread of %s (line %d)",
                                                     s->s_file, call.c_line));
                if (ctx == RC_NONE ||
                    !(r->r_ctxs[ctx].x_modules = arena_alloc(r->r_a, r->r_nsums / 8 + 1)))
                    return;
                memset(r->r_ctxs[ctx].x_modules, 0, r->r_nsums / 8 + 1);
                r->r_ctxs[ctx].x_modules[m / 8] |= (uint8_t)(1u << (m % 8));
                r->r_ctxs[ctx].x_home = m;
            }
            if (sf == RC_NONE && (sf = new_frame(r, m, 0, RC_NONE, 0, 0, ctx)) == RC_NONE)
                return;
            r->r_frames[sf].fr_starter = 1;
            if (!resolve_call(r, &r->r_frames[sf], &call, &ce))
                continue;
            run_ctx(r, ctx, ce.ce_mod, ce.ce_code, ce.ce_bound ? &ce.ce_self : NULL,
                    call.c_args, call.c_nargs, sf, call.c_line, 0);
        }
    }
}

/* Is the lock at frame fr's acquisition q one of the receiver's own (an instance lock), a
 * class-level one, or a module-level one?  Returns 'o', 'k', 'm' or 0. */
static char lock_scope(rc_run *r, const rc_frame *fr, const rv_acq *q)
{
    uint32_t id;
    int kind = rc_lock_of(r, fr, rv_s(r, q->q_path), rv_s(r, q->q_ctor), q->q_named, &id);
    const char *t;
    if (id == RC_NONE || (kind != LOCK_THREAD && kind != LOCK_UNKNOWN))
        return 0;
    t = rc_text(r, id);
    return t[0] && t[1] == ':' ? t[0] : 0;
}

/* Marks class c and its bases of the run as test code. */
static void mark_test(rc_run *r, uint32_t c, int depth)
{
    uint32_t k;
    if (depth > 12 || r->r_classes[c].k_test)
        return;
    r->r_classes[c].k_test = 1;
    for (k = 0; k < r->r_classes[c].k_nbases; k++)
        mark_test(r, r->r_classes[c].k_bases[k], depth + 1);
}

/* Marks the classes whose instances are shared and the modules that lock their globals. */
static void find_shared(rc_run *r, uint8_t *module_shared)
{
    uint32_t m, k, i, j;
    size_t c;
    uint8_t *safe_matched = arena_alloc(r->r_a, r->r_opt ? r->r_opt->o_nsafe_classes + 1 : 1);
    if (!safe_matched) {
        r->r_oom = 1;
        return;
    }
    memset(safe_matched, 0, r->r_opt ? r->r_opt->o_nsafe_classes + 1 : 1);
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            const rv_acc *acc = rv_accs(r, m, u);
            const rv_acq *acqs;
            const rv_win *win;
            uint32_t fi, nacqs = rv_acqs(r, m, u, &acqs), nwin = rv_wins(r, m, u, &win);
            const char *qual = rv_s(r, u->u_qualname);
            /* a coroutine's locks order tasks of one event loop, not threads */
            if (!nacqs || (u->u_flags & (FN_MODULE | FN_CLASS_BODY | FN_ASYNC)))
                continue;
            fi = static_frame(r, m, k, 0);
            if (fi == RC_NONE)
                return;
            for (i = 0; i < nacqs; i++) {
                char scope = lock_scope(r, &r->r_frames[fi], &acqs[i]);
                uint64_t bit = (uint64_t)1 << i;
                rv_calls it;
                sum_call call;
                if (!scope || i >= 64)
                    continue;
                for (j = 0; j < u->u_nacc + nwin; j++) {
                    const char *p = rv_s(r, j < u->u_nacc ? acc[j].a_path : win[j - u->u_nacc].w_path);
                    uint64_t held = j < u->u_nacc ? acc[j].a_locks : win[j - u->u_nacc].w_locks;
                    rc_val v;
                    if (!(held & bit))
                        continue;
                    v = value_of(r, &r->r_frames[fi], p);
                    if (v.v_kind != VK_LOC)
                        continue;
                    if (scope == 'o' && v.v_loc == 'o' && u->u_class != SUM_NONE &&
                        !strncmp(p, "p:0.", 4)) {
                        rc_class *cl = &r->r_classes[r->r_class_id[m][u->u_class]];
                        if (!cl->k_shared) {
                            cl->k_shared = 1;
                            cl->k_why = fmt(r, "%s is locked in %s", p + 4, qual);
                        }
                    } else if (scope == 'k' && v.v_loc == 'k' && u->u_class != SUM_NONE) {
                        r->r_classes[r->r_class_id[m][u->u_class]].k_class_shared = 1;
                    } else if (scope == 'm' && v.v_loc == 'm' && u->u_class == SUM_NONE) {
                        module_shared[m] = 1;
                    }
                }
                /* a helper of the object called holding its lock (`with self._lock:
                 * self._drop()`): the helper's state is what the lock guards */
                rv_calls_start_bare(&it, r, m, u);
                while (scope == 'o' && u->u_class != SUM_NONE && rv_calls_next(&it, &call)) {
                    const char *p = call.c_callee;
                    rc_class *cl;
                    if (!(call.c_locks & bit) || !p || strncmp(p, "p:0.", 4) ||
                        strpbrk(p + 4, ".[") || !strcmp(p + 4, "__init__"))
                        continue;
                    cl = &r->r_classes[r->r_class_id[m][u->u_class]];
                    if (!cl->k_shared) {
                        cl->k_shared = 1;
                        cl->k_why = fmt(r, "%s() is called holding a lock in %s", p + 4, qual);
                    }
                }
            }
        }
    }
    /* a test case's methods, and its mixins', are called one at a time by the test runner */
    for (i = 0; i < r->r_nclasses; i++)
        if (rc_derives(r, i, "unittest.TestCase", 0) || rc_derives(r, i, "unittest.case.TestCase", 0))
            mark_test(r, i, 0);
    for (i = 0; i < r->r_nclasses; i++)
        if (r->r_classes[i].k_test)
            r->r_classes[i].k_shared = r->r_classes[i].k_class_shared = 0;
    /* configured and marked classes; subclasses of shared classes */
    for (i = 0; i < r->r_nclasses; i++) {
        rc_class *cl = &r->r_classes[i];
        const rv_class *sk = &r->r_sums[cl->k_mod]->s_classes[cl->k_idx];
        if (sk->k_thread_safe) {
            cl->k_shared = cl->k_declared = 1;
            cl->k_why = "marked `# gilcheck: thread-safe`";
        }
        for (c = 0; r->r_opt && c < r->r_opt->o_nsafe_classes; c++)
            if (!fnmatch(r->r_opt->o_safe_classes[c], cl->k_full, 0) ||
                !fnmatch(r->r_opt->o_safe_classes[c], rv_s(r, sk->k_qualname), 0)) {
                safe_matched[c] = 1;
                cl->k_shared = cl->k_declared = 1;
                cl->k_why = "listed in thread-safe-classes";
            }
    }
    if (r->r_opt)
        unmatched(r, "thread-safe-classes", "class", (const char *const *)r->r_opt->o_safe_classes,
                  r->r_opt->o_nsafe_classes, safe_matched);
    for (k = 0; k < 8; k++)   /* inheritance, a few levels */
        for (i = 0; i < r->r_nclasses; i++)
            for (j = 0; j < r->r_classes[i].k_nbases; j++) {
                const rc_class *b = &r->r_classes[r->r_classes[i].k_bases[j]];
                if (b->k_shared && !r->r_classes[i].k_shared && !r->r_classes[i].k_test) {
                    r->r_classes[i].k_shared = 1;
                    r->r_classes[i].k_declared = b->k_declared;
                    /* "it derives from A, which derives from B (_x is locked in B.set)" */
                    if (b->k_why && !strncmp(b->k_why, "it derives from ", 16))
                        r->r_classes[i].k_why = fmt(r, "it derives from %s, which derives from %s",
                                                    b->k_full, b->k_why + 16);
                    else if (b->k_why)
                        r->r_classes[i].k_why = fmt(r, "it derives from %s (%s)", b->k_full,
                                                    b->k_why);
                    else
                        r->r_classes[i].k_why = fmt(r, "it derives from %s, which is shared",
                                                    b->k_full);
                }
            }
}

/* The class whose method thread context c runs on an object of the class (`Thread(target=
 * self._loop)` in one of its methods, a Timer of `self._fire`), or RC_NONE. */
static uint32_t own_thread_class(const rc_run *r, const rc_ctx *c)
{
    uint32_t a, b;
    if (c->x_kind != CTX_THREAD || c->x_start_mod == RC_NONE || c->x_entry_mod == RC_NONE)
        return RC_NONE;
    a = rv_func_at(r, c->x_start_mod, c->x_start_code)->u_class;
    b = rv_func_at(r, c->x_entry_mod, c->x_entry_code)->u_class;
    if (a == SUM_NONE || b == SUM_NONE)
        return RC_NONE;
    a = r->r_class_id[c->x_start_mod][a];
    b = r->r_class_id[c->x_entry_mod][b];
    return a == b || rc_is_base(r, b, a) ? a : RC_NONE;
}

/* The owner of an object that runs a thread of its own: whoever made it calls its public
 * methods while the thread runs (a watcher's add() beside its loop; a Thread subclass's
 * stop() beside its run()).  One caller, not many, and inferred: two such contexts never
 * pair, and one pairs with the object's thread only where both touch the same state. */
static void contexts_owner(rc_run *r)
{
    uint32_t i, n = r->r_nctxs, k, first = r->r_nctxs;
    uint8_t *owns = arena_alloc(r->r_a, r->r_nclasses + 1);
    if (!owns) {
        r->r_oom = 1;
        return;
    }
    memset(owns, 0, r->r_nclasses + 1);
    for (i = 0; i < n; i++) {
        rc_ctx *c = &r->r_ctxs[i];
        c->x_runs_on = c->x_kind == CTX_SUBCLASS ? c->x_subclass : own_thread_class(r, c);
        if (c->x_runs_on != RC_NONE)
            owns[c->x_runs_on] = 1;
    }
    for (i = 0; i < r->r_nclasses; i++)
        if (rc_derives(r, i, "threading.Thread", 0) &&
            strcmp(r->r_classes[i].k_full, "threading.Thread"))
            owns[i] = 1;
    for (k = 0; k < 8; k++)     /* its subclasses run the same thread, a few levels */
        for (i = 0; i < r->r_nclasses; i++) {
            uint32_t j;
            for (j = 0; j < r->r_classes[i].k_nbases && !owns[i]; j++)
                owns[i] = owns[r->r_classes[i].k_bases[j]];
        }
    for (i = 0; i < r->r_nclasses; i++) {
        const rc_class *cl = &r->r_classes[i];
        const rv_sum *s = r->r_sums[cl->k_mod];
        const char *runner = NULL;
        if (!owns[i] || cl->k_shared || cl->k_test)
            continue;
        for (k = 0; k < n && !runner; k++) {
            uint32_t oc = r->r_ctxs[k].x_runs_on;
            if (r->r_ctxs[k].x_kind == CTX_THREAD && oc != RC_NONE &&
                (oc == i || rc_is_base(r, oc, i)))
                runner = r->r_ctxs[k].x_what;
        }
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            const char *name = rv_s(r, u->u_name);
            uint32_t ctx;
            rc_val self;
            if (u->u_class != cl->k_idx || !is_public(name) ||
                (u->u_flags & (FN_ASYNC | FN_CLASSMETHOD | FN_STATIC)) ||
                !strcmp(name, "run") || !any_caller_root(r, cl->k_mod, k))
                continue;
            ctx = new_ctx(r, CTX_ANY, 0, 0,
                          fmt(r, "the owner of a %s, calling %s (its %s)", cl->k_full, name,
                              runner ? runner : "run() runs in a thread of its own"));
            if (ctx == RC_NONE)
                return;
            r->r_ctxs[ctx].x_weak = r->r_ctxs[ctx].x_by_owner = 1;
            r->r_ctxs[ctx].x_entry_mod = cl->k_mod;
            r->r_ctxs[ctx].x_entry_code = k;
            self = rc_val_class(r, i, 1);
            run_ctx(r, ctx, cl->k_mod, k, &self, NULL, 0, RC_NONE, 0, 0);
        }
    }
    if (rc_owner_order(r, first))
        r->r_oom = 1;
}

/* Any caller of the public methods of shared classes, and of the public functions of modules
 * that lock their globals. */
static void contexts_any_caller(rc_run *r)
{
    uint8_t *module_shared = arena_alloc(r->r_a, r->r_nsums + 1);
    uint32_t i, m, k;
    if (!module_shared) {
        r->r_oom = 1;
        return;
    }
    memset(module_shared, 0, r->r_nsums + 1);
    find_shared(r, module_shared);
    for (i = 0; i < r->r_nclasses; i++) {
        const rc_class *cl = &r->r_classes[i];
        const rv_sum *s = r->r_sums[cl->k_mod];
        if (!cl->k_shared && !cl->k_class_shared)
            continue;
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            const char *name = rv_s(r, u->u_name);
            uint32_t ctx;
            rc_val self;
            int init = !strcmp(name, "__init__");
            if (u->u_class != cl->k_idx || (!is_public(name) && !init) ||
                (u->u_flags & FN_ASYNC))
                continue;
            /* a thread's own body, and the class's own helpers, are not its callers' API */
            if ((!strcmp(name, "run") && rc_derives(r, i, "threading.Thread", 0)) ||
                (!init && !any_caller_root(r, cl->k_mod, k)))
                continue;
            ctx = new_ctx(r, CTX_ANY, 1, 1,
                          cl->k_shared ? fmt(r, "any caller of %s.%s (%s is shared: %s)",
                                             cl->k_full, name, cl->k_full, cl->k_why)
                                       : fmt(r, "any caller of %s.%s (a class-level lock guards "
                                             "its class-level state)", cl->k_full, name));
            if (ctx == RC_NONE)
                return;
            r->r_ctxs[ctx].x_class_only = !cl->k_shared;
            r->r_ctxs[ctx].x_weak = !cl->k_declared;
            self = rc_val_class(r, i, 1);
            if (u->u_flags & FN_CLASSMETHOD) {
                self.v_loc = 'k';
                self.v_recv = 0;
                self.v_text = rc_intern(r, fmt(r, "k:%s", cl->k_full));
            } else if (init) {
                /* threads can make instances at once: the object being made is theirs alone,
                 * but class and module state are not */
                memset(&self, 0, sizeof self);
                self.v_kind = VK_OWNED;
            }
            run_ctx(r, ctx, cl->k_mod, k, (u->u_flags & FN_STATIC) ? NULL : &self, NULL, 0,
                    RC_NONE, 0, 0);
        }
    }
    contexts_owner(r);
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        if (!module_shared[m])
            continue;
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            uint32_t ctx;
            if (u->u_parent != 0 || u->u_class != SUM_NONE || !is_public(rv_s(r, u->u_name)) ||
                (u->u_flags & (FN_MODULE | FN_CLASS_BODY | FN_ASYNC | FN_COMPREHENSION)) ||
                !any_caller_root(r, m, k))
                continue;
            ctx = new_ctx(r, CTX_MODULE, 1, 1, fmt(r, "any caller of %s.%s (the module locks "
                                                   "its globals)", s->s_module, rv_s(r, u->u_name)));
            if (ctx == RC_NONE)
                return;
            r->r_ctxs[ctx].x_weak = 1;
            run_ctx(r, ctx, m, k, NULL, NULL, 0, RC_NONE, 0, 0);
        }
    }
}

/* Names of the configuration key `key` that matched nothing: an error for a plain name (a typo
 * would silently drop the evidence), a warning for a pattern; only when the run is a whole
 * project (o_check_names), not an editor's one file. */
static void unmatched(rc_run *r, const char *key, const char *what, const char *const *names,
                      size_t n, const uint8_t *matched)
{
    size_t e;
    for (e = 0; r->r_opt->o_check_names && e < n; e++) {
        int pattern = strpbrk(names[e], "*?[") != NULL;
        if (matched[e])
            continue;
        diag_add(r->r_d, pattern ? 0 : G_EBAD, NULL, -1, "%s: no %s %s '%s' in the files "
                 "analysed", key, what, pattern ? "matches" : "is named", names[e]);
        if (!pattern)
            r->r_bad_names = 1;
    }
}

/* thread-entry-points: "pkg.mod.func", "pkg.mod.Class.method", or a pattern of qualnames. */
static void contexts_configured(rc_run *r)
{
    uint32_t m, k;
    size_t e;
    uint8_t *matched;
    if (!r->r_opt || !r->r_opt->o_nentry_points)
        return;
    if (!(matched = arena_alloc(r->r_a, r->r_opt->o_nentry_points))) {
        r->r_oom = 1;
        return;
    }
    memset(matched, 0, r->r_opt->o_nentry_points);
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 1; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            const char *full, *qual = rv_s(r, u->u_qualname);
            if (u->u_flags & (FN_MODULE | FN_CLASS_BODY))
                continue;
            full = fmt(r, "%s.%s", s->s_module, qual);
            for (e = 0; e < r->r_opt->o_nentry_points; e++) {
                const char *want = r->r_opt->o_entry_points[e];
                if (!fnmatch(want, full, 0) || !fnmatch(want, qual, 0)) {
                    uint32_t sf = static_frame(r, m, k, 0);
                    matched[e] = 1;
                    uint32_t ctx = new_ctx(r, CTX_CONFIG, 1, 1,
                                           fmt(r, "threads running %s (thread-entry-points)", full));
                    if (sf == RC_NONE || ctx == RC_NONE)
                        return;
                    r->r_frames[sf].fr_ctx = ctx;
                    run_ctx(r, ctx, m, k, r->r_frames[sf].fr_nparams ? &r->r_frames[sf].fr_params[0]
                                                                     : NULL,
                            NULL, 0, RC_NONE, 0, 0);
                    break;
                }
            }
        }
    }
    unmatched(r, "thread-entry-points", "function", (const char *const *)r->r_opt->o_entry_points,
              r->r_opt->o_nentry_points, matched);
}

/* The family of the class a function is a method of, or RC_NONE. */
static uint32_t family_of_func(const rc_run *r, uint32_t mod, uint32_t code)
{
    const rv_func *u = rv_func_at(r, mod, code);
    while (u->u_class == SUM_NONE && u->u_parent != SUM_NONE &&
           (u->u_flags & (FN_NESTED | FN_COMPREHENSION)))
        u = rv_func_at(r, mod, u->u_parent);   /* a closure counts as its maker */
    if (u->u_class == SUM_NONE)
        return RC_NONE;
    return r->r_family[r->r_class_id[mod][u->u_class]];
}

/* Counts the call sites of every function found with its caller's own view of `self`: how
 * many, how many from outside the callee's class family, how many holding no lock, how many
 * in a loop. */
static void count_calls(rc_run *r)
{
    uint32_t m, k;
    if (r->r_counted)
        return;
    r->r_counted = 1;
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            uint32_t sf, mark = r->r_nframes, fam;
            rv_calls it;
            sum_call call;
            if (!u->u_ncalls)
                continue;
            r->r_reuse_params = 1;     /* the frame goes with the function (r_nframes = mark) */
            sf = static_frame(r, m, k, 0);
            r->r_reuse_params = 0;
            if (sf == RC_NONE)
                return;
            fam = family_of_func(r, m, k);
            rv_calls_start_bare(&it, r, m, u);     /* resolving calls reads no argument */
            while (rv_calls_next(&it, &call)) {
                callee ce;
                uint32_t f;
                if (!resolve_call(r, &r->r_frames[sf], &call, &ce))
                    continue;
                f = rc_func_id(r, ce.ce_mod, ce.ce_code);
                r->r_ncalls_to[f]++;
                if (fam == RC_NONE || family_of_func(r, ce.ce_mod, ce.ce_code) != fam)
                    r->r_nforeign_to[f]++;
                if (!frame_locks(r, &r->r_frames[sf], call.c_locks, NULL, 0))
                    r->r_nunlocked_to[f]++;
                if (call.c_loop)
                    r->r_nloop_to[f]++;
            }
            r->r_nframes = mark;   /* the frame was only needed here */
        }
    }
}

/* Does the public method or function (mod, code) run in any caller's thread?  Not when the run
 * shows it is its class's own business: every call of it comes from the class, or holds a
 * lock. */
static int any_caller_root(rc_run *r, uint32_t mod, uint32_t code)
{
    uint32_t f = rc_func_id(r, mod, code);
    count_calls(r);
    if (!r->r_ncalls_to[f])
        return 1;
    return r->r_nforeign_to[f] && r->r_nunlocked_to[f];
}

static int is_root_all(const rc_run *r, uint32_t mod, uint32_t code)
{
    const rv_func *u = rv_func_at(r, mod, code);
    const char *name = rv_s(r, u->u_name);
    if (u->u_flags & (FN_MODULE | FN_CLASS_BODY | FN_COMPREHENSION | FN_ASYNC))
        return 0;
    if ((name[0] == '_' && !is_public(name)) || (u->u_flags & FN_NESTED))
        return !r->r_ncalls_to[rc_func_id(r, mod, code)];
    return 1;
}

/* --scope all: every function that is not a helper with known callers runs in threads. */
static void contexts_all(rc_run *r)
{
    uint32_t m, k;
    count_calls(r);
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs; k++) {
            uint32_t sf, ctx;
            if (!is_root_all(r, m, k))
                continue;
            ctx = new_ctx(r, CTX_ALL, 1, 1, fmt(r, "any thread calling %s (--scope all)",
                                                rv_s(r, s->s_funcs[k].u_qualname)));
            sf = static_frame(r, m, k, ctx);
            if (sf == RC_NONE || ctx == RC_NONE)
                return;
            run_ctx(r, ctx, m, k, r->r_frames[sf].fr_nparams ? &r->r_frames[sf].fr_params[0] : NULL,
                    NULL, 0, RC_NONE, 0, 1);
        }
    }
}

int rc_contexts(rc_run *r)
{
    if (r->r_opt && r->r_opt->o_scope_all) {
        contexts_all(r);
    } else {
        contexts_from_starts(r);
        contexts_from_classes(r);
        contexts_main(r);
        contexts_any_caller(r);
        contexts_configured(r);
    }
    return r->r_oom ? G_ENOMEM : G_OK;
}
