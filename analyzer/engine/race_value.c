/* A summary's paths as values while composing: the root bound through the frame (parameters,
 * cells, module names), then attribute and item steps, hopping to the class of an attribute
 * whose constructor is known, so that `self.pool.items` and Pool's own `self.items` are one
 * location.  Also the identity and kind of a lock. */
#include "race_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/strbuf.h"

static rc_val none(void)
{
    rc_val v;
    memset(&v, 0, sizeof v);
    v.v_root = v.v_cls = v.v_attr_cls = RC_NONE;
    return v;
}

static rc_val loc(rc_run *r, char kind, uint32_t root, const char *text)
{
    rc_val v = none();
    v.v_kind = VK_LOC;
    v.v_loc = kind;
    v.v_root = root;
    v.v_text = rc_intern(r, text);
    return v;
}

/* An instance (or the class object, for 'k') of class cls. */
static rc_val of_class(rc_run *r, char kind, uint32_t cls)
{
    char buf[600];
    rc_val v;
    snprintf(buf, sizeof buf, "%c:%s", kind, r->r_classes[cls].k_full);
    v = loc(r, kind, cls, buf);
    v.v_cls = cls;
    return v;
}

rc_val rc_val_shared_arg(rc_run *r, const char *module, const char *qualname, const char *param)
{
    char buf[600];
    snprintf(buf, sizeof buf, "m:%s.%s(%s)", module, qualname, param);
    return loc(r, 'm', RC_NONE, buf);
}

rc_val rc_val_class(rc_run *r, uint32_t cls, int recv)
{
    rc_val v = of_class(r, 'o', cls);
    v.v_recv = (uint8_t)recv;
    return v;
}

/* The TY_CONT | TY_SEQ | TY_RAISE bits of the containers stores of module mod made its
 * variable `name` (0: none). */
static int bind_cont(const rc_run *r, uint32_t mod, const char *name)
{
    int32_t b;
    return rc_bind(r, mod, name, &b) ? r->r_sums[mod]->s_binds[b].b_cont : 0;
}

/* ... the module variable at interned location `text` ("m:pkg.mod.name")? */
static int global_cont(rc_run *r, uint32_t text)
{
    const char *t = rc_text(r, text), *dot;
    uint32_t mod;
    if (strncmp(t, "m:", 2) || !(dot = strrchr(t, '.')))
        return 0;
    for (mod = 0; mod < r->r_nsums; mod++) {
        const char *name = r->r_sums[mod]->s_module;
        size_t n = strlen(name);
        if ((size_t)(dot - (t + 2)) == n && !strncmp(t + 2, name, n))
            return bind_cont(r, mod, dot + 1);
    }
    return 0;
}

int rc_is_container(const rc_run *r, rc_val v)
{
    uint32_t todo[32], n = 0, steps = 0;
    if (v.v_kind != VK_LOC)
        return 0;
    if (v.v_cont)
        return v.v_cont;
    if (v.v_cls == RC_NONE || v.v_key)
        return 0;
    todo[n++] = v.v_cls;
    while (n && steps++ < 64) {
        const rc_class *c = &r->r_classes[todo[--n]];
        uint32_t k;
        if (r->r_sums[c->k_mod]->s_classes[c->k_idx].k_cont)
            return r->r_sums[c->k_mod]->s_classes[c->k_idx].k_cont;   /* class Registry(dict) */
        for (k = 0; k < c->k_nbases && n < 32; k++)
            todo[n++] = c->k_bases[k];
    }
    return 0;
}

/* Folds a pending item key into the text: `D[k]` followed by `.x`. */
static void fold_key(rc_run *r, rc_val *v)
{
    strbuf sb;
    if (!v->v_key)
        return;
    sb_init(&sb);
    sb_printf(&sb, "%s[%s]", rc_text(r, v->v_text), v->v_key);
    v->v_text = sb.sb_failed ? v->v_text : rc_intern(r, sb.sb_buf);
    sb_free(&sb);
    v->v_key = NULL;
    v->v_attr = NULL;
    v->v_attr_cls = RC_NONE;
    v->v_cls = RC_NONE;
    v->v_cont = 0;
}

/* The class of the value attribute `attr` of class cls holds, from its constructor; RC_NONE. */
static uint32_t attr_class(rc_run *r, uint32_t cls, const char *attr)
{
    const rv_attr *at = rc_attr(r, cls, attr);
    rc_sym y;
    if (at && !at->at_ctor && at->at_param >= 1 && at->at_param <= 8) {
        /* `self.board = board` in __init__: what the constructor's callers pass */
        uint32_t t = r->r_classes[cls].k_argcls[at->at_param - 1];
        return t == RC_UNSET ? RC_NONE : t;
    }
    if (!at || !at->at_ctor)
        return RC_NONE;
    y = rc_ctor_class(r, r->r_classes[cls].k_mod, rv_s(r, at->at_ctor));
    return y.y_kind == SYM_CLASS ? y.y_id : RC_NONE;
}

/* One attribute step.  The location is the access path from its root (the sub-objects of two
 * owners stay apart, as RacerD's access paths do); class-level state is the class's wherever it
 * is reached from; the object's class, when known, follows for calling its methods. */
static rc_val step_attr(rc_run *r, rc_val v, const char *name)
{
    strbuf sb;
    int from_recv = v.v_recv || v.v_recv_attr, recv_attr = 0;
    uint32_t cls, alias = RC_NONE;
    const rv_attr *at = NULL;
    if (v.v_kind != VK_LOC)
        return v;
    fold_key(r, &v);
    if (v.v_global && v.v_cls != RC_NONE) {
        /* `pool = Pool()` at module level: its attributes are those of any Pool, where Pool's
         * own methods (run by any caller) meet the threads that use this one */
        rc_val o = of_class(r, 'o', v.v_cls);
        v = o;
    }
    cls = v.v_cls;
    if (cls != RC_NONE)
        at = rc_attr(r, cls, name);
    if (at && at->at_param >= 1 && at->at_param <= 8 && !at->at_ctor)
        alias = r->r_classes[cls].k_argglob[at->at_param - 1];
    sb_init(&sb);
    if (alias != RC_NONE && alias != RC_UNSET) {
        /* `self.board = board`, and every constructor call passes the module's `board`: the
         * attribute is that variable, shared by every instance */
        sb_puts(&sb, rc_text(r, alias));
        v.v_loc = 'm';
        v.v_root = RC_NONE;
        v.v_global = 2;            /* set below, after the class of the attribute is known */
    } else if (cls != RC_NONE && ((at && at->at_class_level && !at->at_instance) || v.v_loc == 'k')) {
        /* state of the class object: the same from every instance and path */
        sb_puts(&sb, "k:");      /* "k:%s.%s" without printf's cost: a hot path */
        sb_puts(&sb, r->r_classes[cls].k_full);
        sb_putc(&sb, '.');
        sb_puts(&sb, name);
        v.v_loc = 'k';
        v.v_root = cls;
    } else {
        sb_puts(&sb, rc_text(r, v.v_text));
        sb_putc(&sb, '.');
        sb_puts(&sb, name);
        /* what the receiver holds, at any depth, is the receiver's own: the thread of an
         * object touches its own state */
        recv_attr = from_recv && v.v_loc == 'o';
    }
    v.v_prop = at && at->at_property;
    v.v_text = sb.sb_failed ? v.v_text : rc_intern(r, sb.sb_buf);
    if (sb.sb_failed)
        r->r_oom = 1;
    sb_free(&sb);
    v.v_attr = cls != RC_NONE ? name : NULL;
    v.v_attr_cls = cls;
    v.v_cls = cls != RC_NONE ? attr_class(r, cls, name) : RC_NONE;
    v.v_cont = (uint8_t)(alias != RC_NONE && alias != RC_UNSET ? global_cont(r, alias)
                         : at ? at->at_cont : 0);
    v.v_global = v.v_global == 2;
    v.v_recv = 0;
    v.v_recv_attr = (uint8_t)recv_attr;
    return v;
}

/* The next segment of a path: `.name` or `[key]` (']' and '\' escaped in keys).  Returns the
 * position after it, NULL at the end; *key says which kind it was. */
static const char *segment(const char *p, char *out, size_t size, int *key)
{
    size_t n = 0;
    if (!*p)
        return NULL;
    if (*p == '.') {
        *key = 0;
        for (p++; *p && *p != '.' && *p != '['; p++)
            if (n + 1 < size)
                out[n++] = *p;
    } else if (*p == '[') {
        *key = 1;
        for (p++; *p && *p != ']'; p++) {
            if (*p == '\\' && p[1])
                p++;
            if (n + 1 < size)
                out[n++] = *p;
        }
        if (*p == ']')
            p++;
    } else {
        return NULL;
    }
    out[n] = 0;
    return p;
}

rc_val rc_apply(rc_run *r, rc_val v, const char *segs)
{
    char part[256];
    int key;
    while (segs && v.v_kind == VK_LOC && (segs = segment(segs, part, sizeof part, &key))) {
        if (key) {
            fold_key(r, &v);
            v.v_key = rc_text(r, rc_intern(r, part));
            v.v_recv = 0;
            v.v_cls = RC_NONE;
        } else {
            v = step_attr(r, v, rc_text(r, rc_intern(r, part)));
        }
    }
    return v;
}

/* The value of module-level name `name` of summary mod followed by segments *segs: modules are
 * walked through; a variable whose value a known class's constructor made is that class's
 * instance when something follows.  *segs is advanced past what was used. */
static rc_val global_value(rc_run *r, uint32_t mod, const char *name, const char **segs)
{
    rc_sym y = rc_resolve_name(r, mod, name, 0);
    char part[256], buf[600];
    int key;
    for (;;) {
        const char *next;
        switch (y.y_kind) {
        case SYM_MODULE:
            if (!*segs || !(next = segment(*segs, part, sizeof part, &key)) || key)
                return none();
            *segs = next;
            y = rc_member(r, y, rc_text(r, rc_intern(r, part)), 0);
            continue;
        case SYM_VAR: {
            rc_val v;
            snprintf(buf, sizeof buf, "m:%s.%s", r->r_sums[y.y_mod]->s_module, y.y_name);
            v = loc(r, 'm', RC_NONE, buf);
            v.v_cls = y.y_id;      /* `pool = Pool()`: pool's methods are Pool's */
            v.v_global = 1;
            v.v_cont = (uint8_t)bind_cont(r, y.y_mod, y.y_name);
            return v;
        }
        case SYM_CLASS:
            return of_class(r, 'k', y.y_id);   /* its methods: through rc_member */
        case SYM_EXTERNAL:
            snprintf(buf, sizeof buf, "m:%s", y.y_name);
            return loc(r, 'm', RC_NONE, buf);
        default:
            return none();
        }
    }
}

/* The frame of code `code` of the same summary among fr and its callers, or NULL. */
static const rc_frame *owner_frame(const rc_run *r, const rc_frame *fr, uint32_t code)
{
    uint32_t mod = fr->fr_mod, steps = 0;
    while (fr && steps++ < 64) {
        if (fr->fr_mod == mod && fr->fr_code == code)
            return fr;
        fr = fr->fr_parent == RC_NONE ? NULL : &r->r_frames[fr->fr_parent];
    }
    return NULL;
}

rc_val rc_path_value(rc_run *r, const rc_frame *fr, const char *path, const char **rest)
{
    const char *p = path;
    char name[256];
    size_t n;
    rc_val v = none();
    *rest = "";
    if (!path)
        return v;
    if (!strncmp(p, "g:", 2)) {
        p += 2;
        n = strcspn(p, ".[");
        if (n >= sizeof name)
            return v;
        memcpy(name, p, n);
        name[n] = 0;
        p += n;
        v = global_value(r, fr->fr_mod, rc_text(r, rc_intern(r, name)), &p);
    } else if (!strncmp(p, "p:", 2)) {
        unsigned long k = strtoul(p + 2, (char **)&p, 10);
        if (k < fr->fr_nparams)
            v = fr->fr_params[k];
    } else if (!strncmp(p, "c:", 2)) {
        unsigned long code = strtoul(p + 2, (char **)&p, 10);
        const rv_func *owner = code < r->r_sums[fr->fr_mod]->s_nfuncs
                                   ? rv_func_at(r, fr->fr_mod, (uint32_t)code) : NULL;
        const rv_more *more = owner ? rv_more_of(r, fr->fr_mod, owner) : NULL;
        const rv_cell *cells = more ? r->r_sums[fr->fr_mod]->s_cells + more->m_cells : NULL;
        uint32_t ncells = more ? more->m_ncells : 0;
        const rc_frame *of;
        uint32_t k;
        if (*p != ':' || !owner)
            return v;
        p++;
        n = strcspn(p, ".[");
        if (n >= sizeof name)
            return v;
        memcpy(name, p, n);
        name[n] = 0;
        p += n;
        for (k = 0; k < ncells; k++)
            if (!strcmp(rv_s(r, cells[k].cp_name), name)) {
                of = owner_frame(r, fr, (uint32_t)code);
                if (of && cells[k].cp_param < of->fr_nparams)
                    v = of->fr_params[cells[k].cp_param];
                *rest = p;
                return v;
            }
        {
            char buf[600];
            snprintf(buf, sizeof buf, "c:%s:%lu:%s", r->r_sums[fr->fr_mod]->s_module, code, name);
            v = loc(r, 'c', RC_NONE, buf);
        }
    } else {
        return v;
    }
    *rest = p;
    return v;
}

/* The dotted name a constructor written in module mod stands for ("threading.Lock"). */
static const char *ctor_name(rc_run *r, uint32_t mod, const char *ctor)
{
    rc_sym y = rc_resolve_dotted_in(r, mod, ctor, 0);
    if (y.y_kind == SYM_EXTERNAL)
        return y.y_name;
    if (y.y_kind == SYM_CLASS)
        return r->r_classes[y.y_id].k_full;
    return ctor;
}

/* The lock acquisition q of frame fr: its identity (an interned location) in *out_lock and its
 * kind.  Returns the sum_lockkind; LOCK_NOTLOCK (or LOCK_ASYNC) when it protects nothing from
 * threads.  *out_lock is RC_NONE for a lock without identity. */
int rc_lock_of(rc_run *r, const rc_frame *fr, const char *path, const char *ctor, int named,
               uint32_t *out_lock)
{
    const char *rest;
    rc_val v;
    int kind = LOCK_NOTLOCK;
    *out_lock = RC_NONE;
    if (ctor)                /* `with threading.Lock():` a new lock each time: no identity */
        return LOCK_NOTLOCK;
    v = rc_path_value(r, fr, path, &rest);
    v = rc_apply(r, v, rest);
    if (v.v_kind == VK_LOC && !v.v_key) {
        uint32_t text = v.v_text;
        if (v.v_attr && v.v_attr_cls != RC_NONE) {
            const rv_attr *at = rc_attr(r, v.v_attr_cls, v.v_attr);
            const char *alias = at ? rv_s(r, at->at_alias) : NULL;
            if (at && at->at_ctor)
                kind = rc_lock_kind_of_ctor(ctor_name(r, r->r_classes[v.v_attr_cls].k_mod,
                                                      rv_s(r, at->at_ctor)));
            if (kind == LOCK_THREAD && alias && !strncmp(alias, "p:0.", 4) &&
                !strpbrk(alias + 4, ".[")) {
                /* Condition(self._lock): the lock it wraps, beside it in the same object */
                const char *t = rc_text(r, text), *dot = strrchr(t, '.');
                char buf[1024];
                if (dot && (size_t)(dot - t) + strlen(alias + 4) + 2 < sizeof buf) {
                    snprintf(buf, sizeof buf, "%.*s.%s", (int)(dot - t), t, alias + 4);
                    text = rc_intern(r, buf);
                }
            }
        } else if (v.v_loc == 'm' && !strncmp(path, "g:", 2) && !strpbrk(path + 2, ".[")) {
            int32_t b;
            if (rc_bind(r, fr->fr_mod, path + 2, &b) &&
                r->r_sums[fr->fr_mod]->s_binds[b].b_kind == VAL_CALL)
                kind = rc_lock_kind_of_ctor(
                    ctor_name(r, fr->fr_mod, rv_s(r, r->r_sums[fr->fr_mod]->s_binds[b].b_what)));
        }
        if (kind == LOCK_NOTLOCK && named)
            kind = LOCK_UNKNOWN;
        if (kind != LOCK_NOTLOCK && kind != LOCK_ASYNC)
            *out_lock = rc_canonical(r, text, v.v_root);
        return kind;
    }
    /* a lock whose identity is not known here (a parameter no caller explains) */
    if (named) {
        *out_lock = rc_intern(r, "lock:?");
        return LOCK_UNKNOWN;
    }
    return LOCK_NOTLOCK;
}
