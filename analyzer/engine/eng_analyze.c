/* The engine's entry points: a file's summary (module facts, then the window detectors), the
 * composition of a run's summaries into findings, and both for one file alone. */
#include "race_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/mem.h"

/* Debugging aid (GILCHECK_DEBUG_IR=1): every function's events on stderr. */
static void dump(const eng_mod *m)
{
    static const char *const kinds[] = { "?", "load", "store", "delete", "call", "test", "iter",
                                         "take", "make" };
    uint32_t i, k;
    for (i = 0; i < m->m_ncodes; i++) {
        const eng_code *c = &m->m_codes[i];
        fprintf(stderr, "== %s%s\n", c->c_qualname, c->c_is_class_body ? " [class]" : "");
        for (k = 0; k < c->c_ir.f_nevents; k++) {
            const ir_event *e = &c->c_ir.f_events[k];
            const bc_instr *in = &c->c_ir.f_code->bc_instrs[e->ev_instr];
            uint16_t s;
            fprintf(stderr, "  %3u @%-4u L%-4d %-6s %s", k, in->in_offset, in->in_line,
                    kinds[e->ev_kind], e->ev_path ? ir_path_text(e->ev_path) : "-");
            if (e->ev_name)
                fprintf(stderr, " .%s", e->ev_name);
            if (e->ev_callee)
                fprintf(stderr, " callee=%s", e->ev_callee);
            if (e->ev_locks)
                fprintf(stderr, " locks=%llx", (unsigned long long)e->ev_locks);
            for (s = 0; s < e->ev_srcs.s_n; s++)
                fprintf(stderr, "%s%u", s ? "," : " srcs=", e->ev_srcs.s_ev[s]);
            for (s = 0; s < e->ev_nargs; s++) {
                const ir_arg *g = &e->ev_args[s];
                fprintf(stderr, " arg%u=%s%s%s", s, g->ar_kw ? g->ar_kw : "", g->ar_kw ? "=" : "",
                        g->ar_path ? ir_path_text(g->ar_path) : g->ar_func >= 0 ? "<func>" : "?");
            }
            fprintf(stderr, " blk=%u%s\n", e->ev_block,
                    c->c_ir.f_blocks[e->ev_block].b_in_loop ? " loop" : "");
        }
    }
}

/* Debugging aid (GILCHECK_DEBUG_SUM=1): a summary on stderr. */
static void dump_summary(const eng_summary *s)
{
    uint32_t i, k;
    fprintf(stderr, "== summary of %s (%s)\n", s->s_module, s->s_file);
    for (i = 0; i < s->s_nbinds; i++)
        fprintf(stderr, "  bind %s kind=%d what=%s code=%d\n", s->s_binds[i].b_name,
                s->s_binds[i].b_kind, s->s_binds[i].b_what ? s->s_binds[i].b_what : "-",
                (int)s->s_binds[i].b_code);
    for (i = 0; i < s->s_nclasses; i++) {
        const sum_class *c = &s->s_classes[i];
        fprintf(stderr, "  class %s body=%u", c->k_qualname, c->k_body);
        for (k = 0; k < c->k_nbases; k++)
            fprintf(stderr, " base=%s", c->k_bases[k]);
        for (k = 0; k < c->k_nattrs; k++)
            fprintf(stderr, " attr=%s%s%s%s%s", c->k_attrs[k].at_name,
                    c->k_attrs[k].at_class_level ? "[class]" : "",
                    c->k_attrs[k].at_ctor ? ":" : "", c->k_attrs[k].at_ctor ? c->k_attrs[k].at_ctor : "",
                    c->k_attrs[k].at_from_param ? "[param]" : "");
        fputc('\n', stderr);
    }
    for (i = 0; i < s->s_nstarts; i++)
        fprintf(stderr, "  start kind=%d many=%d serial=%d pool=%s in=%u target=%s nargs=%u\n",
                s->s_starts[i].t_kind, s->s_starts[i].t_many, s->s_starts[i].t_serial,
                s->s_starts[i].t_pool ? s->s_starts[i].t_pool : "-", s->s_starts[i].t_func,
                s->s_starts[i].t_target ? s->s_starts[i].t_target : "-", s->s_starts[i].t_nargs);
    for (i = 0; i < s->s_nfuncs; i++) {
        const sum_func *u = &s->s_funcs[i];
        fprintf(stderr, "  func %u %s flags=%x class=%d params=%u escape=%d\n", i, u->u_qualname,
                u->u_flags, (int)u->u_class, u->u_nparams, (int)u->u_escape);
        for (k = 0; k < u->u_nacqs; k++)
            fprintf(stderr, "    acq %u %s ctor=%s named=%d\n", k,
                    u->u_acqs[k].q_path ? u->u_acqs[k].q_path : "-",
                    u->u_acqs[k].q_ctor ? u->u_acqs[k].q_ctor : "-", u->u_acqs[k].q_named);
        for (k = 0; k < u->u_nacc; k++)
            fprintf(stderr, "    write %s kind=%d L%d locks=%llx\n", u->u_acc[k].a_path,
                    u->u_acc[k].a_kind, u->u_acc[k].a_line,
                    (unsigned long long)u->u_acc[k].a_locks);
        for (k = 0; k < u->u_nwin; k++)
            fprintf(stderr, "    window %s %s breaks=%d locks=%llx\n",
                    s->s_cand.r_findings[u->u_win[k].w_finding].f_rule, u->u_win[k].w_path,
                    u->u_win[k].w_breaks, (unsigned long long)u->u_win[k].w_locks);
        for (k = 0; k < u->u_ncalls; k++)
            fprintf(stderr, "    call %s L%d nargs=%u locks=%llx%s%s%s\n", u->u_calls[k].c_callee,
                    u->u_calls[k].c_line, u->u_calls[k].c_nargs,
                    (unsigned long long)u->u_calls[k].c_locks, u->u_calls[k].c_owned ? " owned" : "",
                    u->u_calls[k].c_loop ? " loop" : "", u->u_calls[k].c_main ? " main" : "");
    }
}

int eng_summarize(eng_summary **out, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
                  const eng_options *opt, const char *module, int package, arena *a,
                  diag_ctx *d, const char *name)
{
    eng_mod m;
    eng_result cand;
    uint32_t i;
    int rc = mod_build(&m, pf, bf, kb, opt, a, d, name);
    *out = NULL;
    memset(&cand, 0, sizeof cand);
    if (!rc && getenv("GILCHECK_DEBUG_IR"))
        dump(&m);
    for (i = 0; !rc && i < m.m_ncodes; i++)
        rc = detect_code(&cand, &m, i, d, name);
    if (rc)
        return rc;
    if ((rc = sum_build(out, &m, module, package, a)))
        return diag_add(d, rc, name, -1, "out of memory");
    (*out)->s_cand = cand;
    for (i = 0; i < (*out)->s_nfuncs; i++) {
        sum_func *u = &(*out)->s_funcs[i];
        uint32_t k;
        for (k = 0; k < u->u_nwin; k++) {
            const finding *f = &cand.r_findings[u->u_win[k].w_finding];
            const char *rule = f->f_rule;
            u->u_win[k].w_value = !strcmp(rule, "GIL101") || !strcmp(rule, "GIL102") ||
                                  !strcmp(rule, "GIL103");
            /* `self.items += batch`: on a list, changed in place and the same object stored
             * back, so only a store of another object loses anything -- whether it is a list
             * the composition says */
            u->u_win[k].w_in_place = (u->u_win[k].w_value || u->u_win[k].w_cont_item) &&
                                     f->f_code < m.m_ncodes &&
                                     eng_in_place_op(f, m.m_codes[f->f_code].c_ir.f_code);
        }
    }
    if (getenv("GILCHECK_DEBUG_SUM"))
        dump_summary(*out);
    return G_OK;
}

eng_result *eng_summary_candidates(eng_summary *s)
{
    return &s->s_cand;
}

int eng_summary_set_candidates(eng_summary *s, const eng_result *cand)
{
    uint32_t i, k;
    for (i = 0; i < s->s_nfuncs; i++)
        for (k = 0; k < s->s_funcs[i].u_nwin; k++)
            if (s->s_funcs[i].u_win[k].w_finding >= cand->r_count)
                return G_EBAD;
    s->s_cand = *cand;
    return G_OK;
}

void eng_summary_set_file(eng_summary *s, const char *file)
{
    s->s_file = file;
}

const char *eng_summary_module(const eng_summary *s)
{
    return s->s_module;
}

const char *sum_absolute(char *buf, size_t size, const char *module, int package,
                         const char *what)
{
    const char *base = module;
    size_t dots = 0, n;
    while (what[dots] == '.')
        dots++;
    if (!dots)
        return what;
    n = strlen(base);
    if (!package) {            /* a plain module: its package is its parent */
        while (n && base[n - 1] != '.')
            n--;
        n = n ? n - 1 : 0;
    }
    while (--dots > 0) {
        while (n && base[n - 1] != '.')
            n--;
        n = n ? n - 1 : 0;
    }
    if (!n)
        return what + strspn(what, ".");
    if (n + strlen(what) + 2 > size)
        return what;
    snprintf(buf, size, "%.*s%s%s", (int)n, base, what[strspn(what, ".")] ? "." : "",
             what + strspn(what, "."));
    return buf;
}

int eng_summary_imports(const char ***out, uint32_t *out_n, const eng_summary *s, arena *a)
{
    uint32_t i, n = 0;
    const char **v = arena_array(a, s->s_nbinds + 1, sizeof *v);
    if (!v)
        return G_ENOMEM;
    for (i = 0; i < s->s_nbinds; i++) {
        const sum_bind *b = &s->s_binds[i];
        char buf[512];
        const char *abs;
        size_t len;
        char *copy;
        if (b->b_kind != VAL_IMPORT || !b->b_what)
            continue;
        abs = sum_absolute(buf, sizeof buf, s->s_module, s->s_package, b->b_what);
        len = strlen(abs);
        if (!(copy = arena_alloc(a, len + 1)))
            return G_ENOMEM;
        memcpy(copy, abs, len + 1);
        v[n++] = copy;
    }
    *out = v;
    *out_n = n;
    return G_OK;
}

void eng_summary_mark_safe(eng_summary *s, int32_t line)
{
    uint32_t i;
    for (i = 0; i < s->s_nclasses; i++)
        if (s->s_classes[i].k_line == line || s->s_classes[i].k_line == line + 1)
            s->s_classes[i].k_thread_safe = 1;
}

int eng_compose_view(eng_result *res, rv_sum *const *sums, uint32_t n, const char *const *strs,
                     const eng_options *opt, eng_full_fn full, void *ctx, arena *a, diag_ctx *d)
{
    rc_run r;
    int rc;
    struct timespec t0, t1;
    size_t used0 = arena_used(a);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&r, 0, sizeof r);
    r.r_a = a;
    r.r_d = d;
    r.r_opt = opt;
    r.r_sums = sums;
    r.r_nsums = n;
    r.r_strs = strs;
    r.r_full = full;
    r.r_full_ctx = ctx;
    if (!(r.r_fulls = arena_array(a, n + 1, sizeof *r.r_fulls)))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    memset(r.r_fulls, 0, (n + 1) * sizeof *r.r_fulls);
    rc = rc_load(&r);
    if (!rc)
        rc = rc_contexts(&r);
    if (!rc)
        rc = rc_report(&r, res);
    mem_free(r.r_params);
    mem_free(r.r_islots);
    mem_free((void *)r.r_texts);   /* the texts themselves are in the arena, as findings need */
    if (rc == G_ENOMEM)
        return diag_add(d, rc, NULL, -1, "out of memory");
    if (rc)       /* a summary could not be read again (its messages are the caller's) */
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("GILCHECK_TIMINGS"))   /* for tools/bench_ci.py: the composition on its own */
        fprintf(stderr, "gilcheck: composition: %.1f ms, %u summaries, %u contexts, %u frames, "
                "%u instances, %.1f MB (summaries %.1f MB)\n",
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                n, r.r_nctxs, r.r_nframes, r.r_ninsts,
                (double)(arena_used(a) - used0) / 1048576.0, (double)used0 / 1048576.0);
    if (r.r_bad_names)
        rc = G_EBAD;
    if (r.r_capped)
        diag_add(d, 0, NULL, -1, "some call chains were not followed to the end (more than %d "
                 "calls deep, or a context with more than %d calls): races there may be missed",
                 16, 4000);
    return rc;
}

/* eng_full_fn of summaries held in memory: ctx is the array. */
static int full_in_memory(const eng_summary **out, void *ctx, uint32_t index, arena *a)
{
    (void)a;
    *out = ((eng_summary *const *)ctx)[index];
    return G_OK;
}

int eng_compose(eng_result *res, eng_summary *const *sums, uint32_t n, const eng_options *opt,
                arena *a, diag_ctx *d)
{
    eng_run *run;
    uint32_t i;
    if (eng_run_new(&run, a))
        return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; i < n; i++)
        if (eng_run_add(run, sums[i])) {
            eng_run_free(run);
            return diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
        }
    return eng_run_compose(res, run, opt, full_in_memory, (void *)sums, d);
}

int eng_analyze(eng_result *res, const pyc_file *pf, const bc_file *bf, const eng_kb *kb,
                const eng_options *opt, arena *a, diag_ctx *d, const char *name)
{
    eng_summary *s;
    int rc = eng_summarize(&s, pf, bf, kb, opt, "__main__", 0, a, d, name);
    if (rc)
        return rc;
    return eng_compose(res, &s, 1, opt, a, d);
}
