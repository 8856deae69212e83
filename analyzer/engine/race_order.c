/* Program order before a thread starts: what a function does before its call that starts a
 * thread happens before everything that thread does, also when the start is a call away
 * (`w = Watcher(); w.configure(); w.start()`, start() making the thread) -- rc_starts_after,
 * asked for one access by race_report.c before_start -- and the owner's call order.
 *
 * The owner of an object with a thread of its own calls its public methods while its thread
 * runs (race_compose.c contexts_owner), and nothing tells when -- unless the run holds the
 * program that uses the object.  There, the call of configure() above comes before the thread
 * exists.  A method is taken as called before the start only when every call of it the run
 * resolves is such a call: on a receiver (a parameter, a global, a local made by a
 * constructor) that the same function then starts, neither call in a loop.  A call the run
 * does not resolve is not seen, as everywhere in the composition, nor is a call in test code
 * (a test sets an object up the way it needs); a method called nowhere else keeps its owner
 * context as before.
 *
 * What starts the thread: for a thread a method of the class starts (`Thread(target=
 * self._loop).start()` in start()), a call of that method, or of a method that calls it on
 * `self`; for a Thread subclass, a call of `start()`. */
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "race_int.h"

/* The receiver text of a method call ("t:Foo" of "t:Foo.run"), as a length; 0 when the callee
 * is no method call. */
static size_t receiver_len(const char *callee, const char **name)
{
    const char *dot = strrchr(callee, '.');
    if (!dot || dot == callee || strchr(dot, '[') || strchr(dot, ']'))
        return 0;
    *name = dot + 1;
    return (size_t)(dot - callee);
}

/* Does function (mod, code) start thread context t: it is the function that starts it, or a
 * method that calls that function on its own `self` (`def start(self): self._spawn()`)? */
int rc_starts(rc_run *r, uint32_t mod, uint32_t code, const rc_ctx *t)
{
    const rv_func *u = rv_func_at(r, mod, code), *s;
    const char *sname;
    rv_calls it;
    sum_call c;
    if (t->x_kind == CTX_SUBCLASS)
        return !strcmp(rv_s(r, u->u_name), "start");
    if (mod == t->x_start_mod && code == t->x_start_code)
        return 1;
    s = rv_func_at(r, t->x_start_mod, t->x_start_code);
    if (s->u_class == SUM_NONE || u->u_class == SUM_NONE || (u->u_flags & FN_STATIC))
        return 0;
    sname = rv_s(r, s->u_name);
    rv_calls_start_bare(&it, r, mod, u);
    while (rv_calls_next(&it, &c))
        if (!strncmp(c.c_callee, "p:0.", 4) && !strcmp(c.c_callee + 4, sname))
            return 1;
    return 0;
}

/* Is the call of (mod, code), a function that starts thread context x, the only way the run
 * starts it: (mod, code) has this one call site, and so has the function that starts x when it
 * is another?  Otherwise a thread started from elsewhere may be running already. */
static int only_start(const rc_run *r, uint32_t mod, uint32_t code, const rc_ctx *x)
{
    if (!r->r_counted || r->r_ncalls_to[rc_func_id(r, mod, code)] != 1)
        return 0;
    return (mod == x->x_start_mod && code == x->x_start_code) ||
           r->r_ncalls_to[rc_func_id(r, x->x_start_mod, x->x_start_code)] == 1;
}

/* Is the call of u at index `at` (c_instr instr) followed, in u and on the same receiver
 * (recv, n bytes), by a call that starts thread context t, neither in a loop?  frame: u's. */
static int started_after(rc_run *r, uint32_t mod, const rv_func *u, uint32_t frame,
                         const char *recv, size_t n, uint32_t instr, const rc_ctx *t)
{
    rv_calls it;
    sum_call c;
    rv_calls_start_bare(&it, r, mod, u);
    while (rv_calls_next(&it, &c)) {
        const char *name;
        rc_callee ce;
        if (c.c_instr <= instr || c.c_loop || receiver_len(c.c_callee, &name) != n ||
            strncmp(c.c_callee, recv, n))
            continue;
        if (t->x_kind == CTX_SUBCLASS) {
            if (!strcmp(name, "start"))
                return 1;
            continue;
        }
        if (rc_resolve_call(r, &r->r_frames[frame], &c, &ce) &&
            rc_starts(r, ce.ce_mod, ce.ce_code, t) && only_start(r, ce.ce_mod, ce.ce_code, t))
            return 1;
    }
    return 0;
}

int rc_starts_after(rc_run *r, uint32_t fi, uint32_t instr, uint32_t t)
{
    const rc_frame *fr = &r->r_frames[fi];
    const rc_ctx *x = &r->r_ctxs[t];
    const rv_func *u = rv_func_at(r, fr->fr_mod, fr->fr_code);
    uint32_t first = UINT32_MAX;
    int32_t at;
    char key[32];
    rv_calls it;
    sum_call c;
    if (x->x_kind != CTX_THREAD || x->x_start_mod == RC_NONE || x->x_start_loop || !u->u_ncalls)
        return 0;
    /* the first starting call of the frame's function, found once per frame and context */
    snprintf(key, sizeof key, "%u:%u", fi, t);
    if (!set_has(&r->r_start_calls, key, &at)) {
        rv_calls_start_bare(&it, r, fr->fr_mod, u);
        while (rv_calls_next(&it, &c)) {
            rc_callee ce;
            if (c.c_loop || c.c_instr >= first)
                continue;
            if (rc_resolve_call(r, fr, &c, &ce) &&
                (ce.ce_mod != fr->fr_mod || ce.ce_code != fr->fr_code) &&
                rc_starts(r, ce.ce_mod, ce.ce_code, x) && only_start(r, ce.ce_mod, ce.ce_code, x))
                first = c.c_instr;
        }
        at = first == UINT32_MAX ? -1 : (int32_t)first;
        if (set_add(&r->r_start_calls, r->r_a, rc_text(r, rc_intern(r, key)), at) < 0)
            r->r_oom = 1;
    }
    return at >= 0 && instr < (uint32_t)at;
}

/* The class of the object thread context t runs on, or RC_NONE. */
static int runs_on(const rc_run *r, const rc_ctx *t, uint32_t cls)
{
    if (t->x_runs_on == RC_NONE || (t->x_kind != CTX_THREAD && t->x_kind != CTX_SUBCLASS) ||
        (t->x_kind == CTX_THREAD && t->x_start_mod == RC_NONE))
        return 0;
    return rc_related(r, t->x_runs_on, cls);
}

/* One call of an owner context's method, at index `instr` of u: for every thread context t of
 * the object, "o:t" in r_before_start gets bit 1, and bit 2 unless t's start follows it. */
static int owner_call(rc_run *r, uint32_t o, uint32_t cls, uint32_t mod, const rv_func *u,
                      uint32_t frame, const sum_call *c, size_t n)
{
    uint32_t t;
    char key[32];
    for (t = 0; t < r->r_nctxs; t++) {
        int ok;
        if (!runs_on(r, &r->r_ctxs[t], cls))
            continue;
        ok = !c->c_loop && started_after(r, mod, u, frame, c->c_callee, n, c->c_instr,
                                         &r->r_ctxs[t]);
        snprintf(key, sizeof key, "%u:%u", o, t);
        if (set_or(&r->r_before_start, r->r_a, key, ok ? 1 : 3) < 0)
            return G_ENOMEM;
    }
    return G_OK;
}

/* Is function u of summary m test code: in a test module (a `test`/`tests` package, `test_x`,
 * `x_test`) or a test case's class?  A test sets an object up the way the test needs, which
 * says nothing of when the program calls the method. */
static int test_code(const rc_run *r, uint32_t m, const rv_func *u)
{
    const char *p = r->r_sums[m]->s_module;
    if (u->u_class != SUM_NONE && r->r_classes[r->r_class_id[m][u->u_class]].k_test)
        return 1;
    while (*p) {
        size_t n = strcspn(p, ".");
        if ((n >= 4 && !strncmp(p, "test", 4) &&
             (n == 4 || p[4] == '_' || (n == 5 && p[4] == 's'))) ||
            (n > 5 && !strncmp(p + n - 5, "_test", 5)))
            return 1;
        p += n + (p[n] == '.');
    }
    return 0;
}

int rc_owner_order(rc_run *r, uint32_t first)
{
    strset names, entries;
    uint32_t i, m, k;
    char key[32];
    memset(&names, 0, sizeof names);
    memset(&entries, 0, sizeof entries);
    for (i = first; i < r->r_nctxs; i++) {
        const rc_ctx *x = &r->r_ctxs[i];
        if (!x->x_by_owner || x->x_entry_mod == RC_NONE)
            continue;
        snprintf(key, sizeof key, "%u:%u", x->x_entry_mod, x->x_entry_code);
        if (set_add(&names, r->r_a,
                    rv_s(r, rv_func_at(r, x->x_entry_mod, x->x_entry_code)->u_name), 0) < 0 ||
            set_add(&entries, r->r_a, rc_text(r, rc_intern(r, key)), (int32_t)i) < 0)
            return G_ENOMEM;
    }
    if (!names.ss_used)
        return G_OK;
    for (m = 0; m < r->r_nsums; m++) {
        const rv_sum *s = r->r_sums[m];
        for (k = 0; k < s->s_nfuncs; k++) {
            const rv_func *u = &s->s_funcs[k];
            uint32_t frame = RC_NONE, mark = r->r_nframes;
            rv_calls it;
            sum_call c;
            if (!u->u_ncalls || test_code(r, m, u))
                continue;
            rv_calls_start_bare(&it, r, m, u);
            while (rv_calls_next(&it, &c)) {
                const char *name;
                size_t n = receiver_len(c.c_callee, &name);
                rc_callee ce;
                int32_t o;
                uint32_t cls;
                if (!n || !set_has(&names, name, NULL))
                    continue;
                if (frame == RC_NONE) {
                    r->r_reuse_params = 1;  /* the frame goes with the function (mark) */
                    frame = rc_static_frame(r, m, k);
                    r->r_reuse_params = 0;
                    if (frame == RC_NONE)
                        return G_ENOMEM;
                }
                if (!rc_resolve_call(r, &r->r_frames[frame], &c, &ce))
                    continue;
                snprintf(key, sizeof key, "%u:%u", ce.ce_mod, ce.ce_code);
                if (!set_has(&entries, key, &o))
                    continue;
                cls = rv_func_at(r, ce.ce_mod, ce.ce_code)->u_class;
                cls = r->r_class_id[ce.ce_mod][cls];
                if (owner_call(r, (uint32_t)o, cls, m, u, frame, &c, n))
                    return G_ENOMEM;
            }
            r->r_nframes = mark;       /* the frame was only needed here */
        }
    }
    return r->r_oom ? G_ENOMEM : G_OK;
}
