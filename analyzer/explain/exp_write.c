/* The explanation of one statement as text or JSON: bytecode with the shared accesses and switch
 * points marked, the verdict per version, the interleaving and the fix. */
#include "explain.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../bytecode/bytecode.h"
#include "../common/err.h"
#include "../common/escape.h"
#include "../common/text.h"
#include "../input/input.h"
#include "../report/report.h"

/* The argument's plain value (the bytecode stage's renderer) in buf, or NULL when none. */
static const char *argval(const bc_code *bc, const bc_instr *in, char *buf, size_t size)
{
    strbuf sb;
    sb_init(&sb);
    bc_argtext(&sb, bc, in, BC_ARG_VALUE);
    snprintf(buf, size, "%s", sb.sb_failed ? "?" : sb.sb_buf ? sb.sb_buf : "");
    sb_free(&sb);
    return buf[0] ? buf : NULL;
}

/* Is the instruction at offset off one of f's switch points? */
static int is_switch(const finding *f, uint32_t off)
{
    uint32_t i;
    for (i = 0; f && i < f->f_nswitch; i++)
        if (f->f_switch[i] == off)
            return 1;
    return 0;
}

/* "read", "write", "check" for the window's ends, "shared" for other accesses, or NULL. */
static const char *mark_of(const finding *f, const bc_instr *in)
{
    if (f && in->in_offset == f->f_first && f->f_first != f->f_last)
        return f->f_rel_what && !strcmp(f->f_rel_what, "check") ? "check" : "read";
    if (f && in->in_offset == f->f_last)
        return "write";
    return bc_access_of(in) != BC_ACC_NONE ? "shared" : NULL;
}

typedef struct view {
    const exp_run *v_run;
    int32_t v_code;            /* code index, -1 when the statement was not found */
    uint32_t v_lo, v_hi;       /* its instructions */
    const finding *v_f;        /* the finding explaining it, or NULL (atomic) */
} view;

static void view_of(view *v, const exp_target *t, const exp_run *r)
{
    memset(v, 0, sizeof *v);
    v->v_run = r;
    v->v_code = r->er_bf ? exp_find_code(r, t->et_func, t->et_l0, t->et_l1) : -1;
    if (v->v_code < 0 || !exp_line_range(r, v->v_code, t->et_l0, t->et_l1, &v->v_lo, &v->v_hi)) {
        v->v_code = -1;
        return;
    }
    v->v_f = exp_pick(r, v->v_code, t->et_l0, t->et_l1);
}

static const char *verdict_of(const view *v)
{
    if (v->v_run->er_syntax)
        return "syntax-error";
    if (v->v_code < 0)
        return "not-found";
    return v->v_f ? "not-atomic" : "atomic";
}

/* The view whose verdict stands for free-threaded builds: the newest bytecode analysed (3.13t and
 * 3.14t run the bytecode of their version; the engine's verdicts already count them). */
static const view *newest(const view *views, int n)
{
    int k, best = 0;
    for (k = 1; k < n; k++)
        if (views[k].v_run->er_minor > views[best].v_run->er_minor)
            best = k;
    return &views[best];
}

/* The indexes of views, newest version first (the order every per-version list is shown in). */
static void newest_first(int *ord, const view *views, int n)
{
    int k, j;
    for (k = 0; k < n; k++)
        ord[k] = k;
    for (k = 1; k < n; k++)
        for (j = k; j > 0 && views[ord[j]].v_run->er_minor > views[ord[j - 1]].v_run->er_minor; j--) {
            int x = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = x;
        }
}

static const char *version_key(int minor, char *buf, size_t size)
{
    snprintf(buf, size, "3.%d", minor);
    return buf;
}

/* The finding's message with its "line N" references moved to the lines the user sees (a
 * snippet's module has a few lines of wrapping before it). */
static const char *user_message(const finding *f, const exp_target *t, arena *a)
{
    const char *p = f->f_message, *hit;
    strbuf sb;
    char *out;
    if (t->et_l0 == t->et_shown_line)
        return f->f_message;
    sb_init(&sb);
    while ((hit = strstr(p, "line "))) {
        char *end;
        long n = strtol(hit + 5, &end, 10);
        sb_putn(&sb, p, (size_t)(hit - p));
        if (end == hit + 5) {
            sb_puts(&sb, "line ");
            p = hit + 5;
            continue;
        }
        sb_printf(&sb, "line %ld", n - t->et_l0 + t->et_shown_line);
        p = end;
    }
    sb_puts(&sb, p);
    out = sb.sb_failed ? NULL : arena_alloc(a, sb.sb_len + 1);
    if (out)
        memcpy(out, sb.sb_buf, sb.sb_len + 1);
    sb_free(&sb);
    return out ? out : f->f_message;
}

/***** JSON *****/

static json_t *json_opt(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int write_json(FILE *out, const exp_target *t, const view *views, int n, const eng_kb *kb,
                      arena *a)
{
    const view *v = &views[0];
    const finding *f = v->v_f;
    const bc_code *bc = v->v_code >= 0 ? &v->v_run->er_bf->bf_codes[v->v_code] : NULL;
    json_t *o = json_object(), *sp = json_object(), *verd = json_object(), *code = json_array();
    json_t *ilv = json_array(), *ft = json_array(), *gs = json_object(), *edges = json_array();
    const eng_rule *er = f ? rule_find(kb, f->f_rule) : NULL;
    eng_interleaving il;
    char key[16], buf[256];
    uint32_t i;
    int k, ord[EXP_MAX_VERSIONS], have_il = 0;

    json_object_set_new(o, "statement", json_string(t->et_text));
    json_object_set_new(o, "python", json_string(version_key(v->v_run->er_minor, key, sizeof key)));
    json_object_set_new(o, "verdict", json_string(verdict_of(v)));
    if (v->v_run->er_syntax) {
        json_t *se = json_object();
        json_object_set_new(se, "line", json_integer(v->v_run->er_syntax_line - t->et_l0 +
                                                     t->et_shown_line));
        json_object_set_new(se, "message", json_string(v->v_run->er_msg));
        json_object_set_new(o, "syntax_error", se);
    }
    json_object_set_new(o, "rule", f ? json_string(f->f_rule) : json_null());
    json_object_set_new(o, "reason", json_opt(f ? exp_reason(f->f_rule) : NULL));
    json_object_set_new(o, "message", json_opt(f ? user_message(f, t, a) : NULL));
    if (f) {
        json_t *w = json_array();
        json_array_append_new(w, json_integer(f->f_first));
        json_array_append_new(w, json_integer(f->f_last));
        json_object_set_new(o, "window", w);
    } else {
        json_object_set_new(o, "window", json_null());
    }
    newest_first(ord, views, n);
    for (k = 0; k < n; k++) {
        const view *u = &views[ord[k]];
        json_t *pts = json_array();
        if (u->v_f)
            for (i = 0; i < u->v_f->f_nswitch; i++)
                json_array_append_new(pts, json_integer(u->v_f->f_switch[i]));
        version_key(u->v_run->er_minor, key, sizeof key);
        json_object_set_new(sp, key, pts);
        json_object_set_new(verd, key, json_string(verdict_of(u)));
        json_object_set_new(gs, key, u->v_f ? json_boolean(u->v_f->f_nswitch > 0) : json_null());
    }
    if (f && bc)
        for (i = v->v_lo; i <= v->v_hi; i++)
            if (bc->bc_instrs[i].in_offset >= f->f_first && bc->bc_instrs[i].in_offset < f->f_last)
                json_array_append_new(ft, json_integer(bc->bc_instrs[i].in_offset));
    json_object_set_new(sp, "free-threaded", ft);
    json_object_set_new(o, "switch_points", sp);
    json_object_set_new(verd, "free-threaded", json_string(verdict_of(newest(views, n))));
    json_object_set_new(o, "verdicts", verd);
    json_object_set_new(gs, "free-threaded", f ? json_true() : json_null());
    json_object_set_new(o, "gil_switch", gs);
    /* the shown version's window: its edges, the Python code in it, what types could add */
    if (f && bc) {
        eng_wedge *w;
        uint32_t nw;
        if (!eng_window_edges(&w, &nw, bc, f->f_first, f->f_last, a))
            for (i = 0; i < nw; i++) {
                json_t *e = json_object();
                json_object_set_new(e, "from", json_integer(w[i].we_from));
                json_object_set_new(e, "to", json_integer(w[i].we_to));
                json_object_set_new(e, "edge", json_string(bc_edge_name((bc_edge)w[i].we_edge)));
                json_object_set_new(e, "switch", json_boolean(w[i].we_switch));
                json_array_append_new(edges, e);
            }
    }
    json_object_set_new(o, "window_edges", edges);
    json_object_set_new(o, "python_code_in_window", f ? rep_pycode_json(f) : json_array());
    json_object_set_new(o, "caveats", f ? rep_caveats_json(f) : json_array());
    json_object_set_new(o, "target_type", json_opt(f ? f->f_target_type : NULL));
    if (bc) {
        for (i = v->v_lo; i <= v->v_hi; i++) {
            const bc_instr *in = &bc->bc_instrs[i];
            json_t *j = json_object();
            const char *mark = mark_of(f, in), *av = argval(bc, in, buf, sizeof buf);
            json_object_set_new(j, "offset", json_integer(in->in_offset));
            json_object_set_new(j, "opname", json_string(bc_opname(bc, in)));
            json_object_set_new(j, "arg", in->in_hasarg ? json_integer(in->in_arg) : json_null());
            json_object_set_new(j, "argval", json_opt(av));
            json_object_set_new(j, "sem", json_string(bc_sem_name(in->in_sem)));
            json_object_set_new(j, "a", json_integer(in->in_a));
            json_object_set_new(j, "b", json_integer(in->in_b));
            json_object_set_new(j, "line", in->in_line >= 0 ? json_integer(in->in_line - t->et_l0 +
                                                                          t->et_shown_line)
                                                           : json_null());
            json_object_set_new(j, "access", json_opt(mark));
            {
                /* in the window: one of its switch points; elsewhere: any edge out of it */
                int in_window = f && in->in_offset >= f->f_first && in->in_offset < f->f_last;
                json_t *sw = json_array();
                int e;
                for (e = BC_EDGE_NEXT; e <= BC_EDGE_RAISE; e++)
                    if (bc_switch_on_edge(bc, i, (bc_edge)e))
                        json_array_append_new(sw, json_string(bc_edge_name((bc_edge)e)));
                json_object_set_new(j, "gil_switch",
                                    json_boolean(in_window ? is_switch(f, in->in_offset)
                                                           : bc_switch_any(bc, i)));
                json_object_set_new(j, "switch_edges", sw);
                json_object_set_new(j, "runs_code", json_boolean(bc_runs_code(bc, i)));
            }
            json_array_append_new(code, j);
        }
    }
    json_object_set_new(o, "bytecode", code);
    if (f && bc && !eng_interleave(&il, f, bc, a)) {
        have_il = 1;
        for (i = 0; i < il.il_nsteps; i++) {
            const eng_step *s = &il.il_steps[i];
            json_t *j = json_object();
            char th[2] = { s->st_thread, 0 };
            json_object_set_new(j, "thread", json_string(th));
            json_object_set_new(j, "offset", s->st_instr >= 0 ? json_integer(s->st_offset)
                                                              : json_null());
            json_object_set_new(j, "opname", json_string(s->st_opname));
            json_object_set_new(j, "sees", json_opt(s->st_sees));
            json_object_set_new(j, "switch", json_boolean(s->st_switch));
            json_array_append_new(ilv, j);
        }
        json_object_set_new(o, "interleaving", ilv);
        json_object_set_new(o, "interleaving_kind", json_string(il.il_kind));
        json_object_set_new(o, "final", json_string(il.il_final));
        json_object_set_new(o, "expected", json_string(il.il_expected));
        json_object_set_new(o, "switch_after", json_integer(il.il_switch_at));
        json_object_set_new(o, "switch_on_gil_build", json_boolean(il.il_gil));
    } else {
        json_decref(ilv);
        json_object_set_new(o, "interleaving", json_null());
    }
    {
        const char *here = exp_fix_here(f, t, have_il ? il.il_kind : NULL, a);
        json_object_set_new(o, "fix", json_opt(here ? here : er ? er->r_fix : NULL));
        json_object_set_new(o, "rule_fix", json_opt(er ? er->r_fix : NULL));
    }
    if (t->et_run) {
        json_t *r = json_object();
        json_object_set_new(r, "executed", json_true());
        json_object_set_new(r, "python", json_string("3.11 (embedded)"));
        json_object_set_new(r, "threads", json_integer(t->et_run_threads));
        json_object_set_new(r, "calls_per_thread", json_integer(t->et_run_iterations));
        json_object_set_new(r, "switch_interval", json_real(1e-6));
        json_object_set_new(r, "sequential_total", json_integer(t->et_run->rr_sequential));
        json_object_set_new(r, "threaded_total", json_integer(t->et_run->rr_threaded));
        json_object_set_new(r, "lost_updates", json_integer(t->et_run->rr_sequential -
                                                            t->et_run->rr_threaded));
        json_object_set_new(r, "exceptions_sequential", json_integer(t->et_run->rr_errors_seq));
        json_object_set_new(r, "exceptions_threaded", json_integer(t->et_run->rr_errors_thr));
        json_object_set_new(o, "run", r);
    }
    if (json_dumpf(o, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0) {
        json_decref(o);
        return G_EIO;
    }
    fputc('\n', out);
    json_decref(o);
    return G_OK;
}

/***** text *****/

static void write_bytecode(FILE *out, const view *v, const exp_target *t)
{
    const bc_code *bc = &v->v_run->er_bf->bf_codes[v->v_code];
    const finding *f = v->v_f;
    char buf[256];
    uint32_t i;
    int opw = 11, argw = 8;    /* column widths: the widest shown (fits 80 columns) */
    for (i = v->v_lo; i <= v->v_hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        const char *av = argval(bc, in, buf, sizeof buf);
        if ((int)strlen(bc_opname(bc, in)) > opw)
            opw = (int)strlen(bc_opname(bc, in));
        if (av && (int)strlen(av) > argw)
            argw = strlen(av) > 14 ? 14 : (int)strlen(av);
    }
    fprintf(out, "Bytecode (Python 3.%d):\n\n", v->v_run->er_minor);
    fprintf(out, "  line  offset  %-*s  %-*s  access   switch\n", opw, "instruction", argw,
            "argument");
    for (i = v->v_lo; i <= v->v_hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        const char *mark = mark_of(f, in), *av = argval(bc, in, buf, sizeof buf);
        int in_window = f && in->in_offset >= f->f_first && in->in_offset < f->f_last;
        if (!in->in_hasarg && (in->in_sem == SEM_COPY || in->in_sem == SEM_SWAP ||
                               in->in_sem == SEM_ROT))
            av = NULL;   /* DUP_TOP, ROT_TWO: the depth is the opcode's, not an argument */
        char line[16] = "";
        if (in->in_line >= 0 && (i == v->v_lo || in->in_line != bc->bc_instrs[i - 1].in_line))
            snprintf(line, sizeof line, "%d", in->in_line - t->et_l0 + t->et_shown_line);
        {
            char sw[96];
            strbuf ed;
            int gil = in_window ? is_switch(f, in->in_offset) : bc_switch_any(bc, i);
            sb_init(&ed);
            bc_switch_words(&ed, bc, i);
            snprintf(sw, sizeof sw, "%s%s%s%s%s", gil ? "GIL" : "",
                     gil && ed.sb_len ? " (" : "", gil && ed.sb_len ? ed.sb_buf : "",
                     gil && ed.sb_len ? ")" : "", gil && in_window ? ", " : "");
            snprintf(sw + strlen(sw), sizeof sw - strlen(sw), "%s",
                     in_window ? "free-threaded" : "");
            sb_free(&ed);
            fprintf(out, "  %4s  %6u  %-*s  %-*.14s  %-7s  %s\n", line, in->in_offset, opw,
                    bc_opname(bc, in), argw, av ? av : "", mark ? mark : "", sw);
        }
    }
    /* one line per item: the front end wraps them to the terminal */
    fprintf(out, "\n  access: read / check / write = the finding's window; shared = other shared "
            "state.\n  switch: where the interpreter can hand over to another thread after the "
            "instruction -- "
            "GIL: on a GIL build of Python 3.%d, on the edge named -- next, jump (taken) or "
            "raise (into the handler) -- where its eval loop checks the eval breaker, or "
            "\"runs code\" for a call, a generator step, __enter__ or an import; "
            "free-threaded: on a free-threaded build, at every instruction boundary (threads run "
            "in parallel; marked in the window).\n\n", v->v_run->er_minor);
}

/* One step of the schedule as the text table shows it. */
static void step_text(char *cell, size_t size, const eng_step *s)
{
    if (s->st_instr >= 0)
        snprintf(cell, size, "%u %s%s%s", s->st_offset, s->st_opname, s->st_sees ? ": " : "",
                 s->st_sees ? s->st_sees : "");
    else
        snprintf(cell, size, "(%s) %s", s->st_opname, s->st_sees ? s->st_sees : "");
}

static void write_interleaving(FILE *out, const eng_interleaving *il, int minor)
{
    uint32_t i;
    fprintf(out, "A schedule that %s (%s):\n\n",
            !strcmp(il->il_kind, "lost-update") ? "loses an update" : "breaks it",
            il->il_gil ? "possible on a GIL build of this version and on free-threaded builds"
                       : "free-threaded builds; on a GIL build of this version only if Python "
                         "code (__eq__, __hash__, a property, __del__) runs inside the window");
    int wa = 8;                /* Thread A's column: as wide as its widest step, at most 30
                                * (a row holds one thread's step: a longer A step runs into the
                                * empty B column, and B's steps keep room on an 80-column
                                * terminal) */
    (void)minor;
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
        char cell[160];
        step_text(cell, sizeof cell, s);
        if (s->st_thread == 'A' && (int)strlen(cell) > wa)
            wa = (int)strlen(cell);
    }
    if (wa > 30)
        wa = 30;
    fprintf(out, "  step  %-*s  %s\n", wa, "Thread A", "Thread B");
    for (i = 0; i < il->il_nsteps; i++) {
        const eng_step *s = &il->il_steps[i];
        char cell[160];
        step_text(cell, sizeof cell, s);
        if (s->st_thread == 'A')
            fprintf(out, "  %4u  %s\n", i + 1, cell);
        else
            fprintf(out, "  %4u  %-*s  %s\n", i + 1, wa, "", cell);
        if (s->st_switch)
            fprintf(out, "        %s\n", "------------------ thread switch ------------------");
    }
    fprintf(out, "\n  Final: %s.\n  One after the other: %s.\n\n", il->il_final, il->il_expected);
}

/* The window's instructions of one version on one line, a GIL switch point starred. */
static void window_line(FILE *out, const view *u)
{
    const bc_code *bc = &u->v_run->er_bf->bf_codes[u->v_code];
    uint32_t i;
    fputs("\n        window:", out);
    for (i = u->v_lo; i <= u->v_hi; i++) {
        const bc_instr *in = &bc->bc_instrs[i];
        if (in->in_offset < u->v_f->f_first || in->in_offset > u->v_f->f_last)
            continue;
        fprintf(out, " %s%s", bc_opname(bc, in),
                is_switch(u->v_f, in->in_offset) && in->in_offset < u->v_f->f_last ? "*" : "");
    }
}

/* Which case applies on the shown version: the window's edges a GIL build switches on, the
 * Python code inside it, or neither -- and then what the types could add (the caveats). */
static void write_why(FILE *out, const finding *f, const bc_code *bc, int minor, arena *a)
{
    eng_wedge *w;
    uint32_t nw = 0, i, nsw = 0;
    if (eng_window_edges(&w, &nw, bc, f->f_first, f->f_last, a))
        nw = 0;
    for (i = 0; i < nw; i++)
        nsw += w[i].we_switch;
    if (nsw || f->f_npycode) {
        fprintf(out, "  Where a GIL build of 3.%d can switch inside the window:\n", minor);
        for (i = 0; i < nw; i++) {
            int32_t k = bc_index_at(bc, w[i].we_from);
            if (w[i].we_switch && k >= 0)
                fprintf(out, "    - after %u %s, on its %s edge to %u%s\n", w[i].we_from,
                        bc_opname(bc, &bc->bc_instrs[k]), bc_edge_name((bc_edge)w[i].we_edge),
                        w[i].we_to, bc_runs_code(bc, (uint32_t)k) ? " (it runs other code)" : "");
        }
        for (i = 0; i < f->f_npycode; i++)
            fprintf(out, "    - inside %u: %s (Python code: a switch point on every version)\n",
                    f->f_pycode[i].pc_offset, f->f_pycode[i].pc_why);
    } else {
        fprintf(out, "  No edge of the window checks the eval breaker on 3.%d, and no Python code "
                "that this\n  code shows runs inside it: a GIL build of 3.%d does not switch "
                "there.\n", minor, minor);
    }
    if (f->f_ncaveats) {
        fprintf(out, "  %s the types are not known here:\n", nsw || f->f_npycode ? "Besides,"
                                                                                 : "Unless");
        for (i = 0; i < f->f_ncaveats; i++)
            fprintf(out, "    - %s\n", f->f_caveats[i]);
    }
    fputc('\n', out);
}

static int write_text(FILE *out, const exp_target *t, const view *views, int n, const eng_kb *kb,
                      arena *a)
{
    const view *v = &views[0];
    const finding *f = v->v_f;
    const eng_rule *er = f ? rule_find(kb, f->f_rule) : NULL;
    eng_interleaving il;
    char where[512];
    const char *here;
    int k, have_il;

    fprintf(out, "Statement:\n\n");
    {
        const char *p = t->et_text;
        while (*p) {
            size_t len = strcspn(p, "\n");
            fputs("    ", out);          /* the file's text: control characters escaped */
            esc_write(out, p, len, ESC_KEEP_TAB);
            fputc('\n', out);
            p += len + (p[len] == '\n');
        }
    }
    fputc('\n', out);
    if (v->v_run->er_syntax) {
        fprintf(out, "Python 3.%d cannot compile it: line %d: %s\n", v->v_run->er_minor,
                v->v_run->er_syntax_line - t->et_l0 + t->et_shown_line, v->v_run->er_msg);
        return G_OK;
    }
    if (v->v_code < 0) {
        fprintf(out, "No bytecode on that line for Python 3.%d.\n", v->v_run->er_minor);
        return G_OK;
    }
    write_bytecode(out, v, t);
    if (f) {
        fprintf(out, "Verdict: NOT ATOMIC -- %s (%s %s).\n  %s\n", exp_reason(f->f_rule),
                f->f_rule, er ? er->r_name : "", user_message(f, t, a));
        fprintf(out, "  Shows %s.\n\n", rep_where(f, where, sizeof where));
        write_why(out, f, &v->v_run->er_bf->bf_codes[v->v_code], v->v_run->er_minor, a);
    } else {
        fprintf(out, "Verdict: ATOMIC -- no other thread can come between the parts of this "
                "statement that touch shared state (one instruction does the shared read or "
                "write).\n\n");
    }
    if (n > 1) {
        int ord[EXP_MAX_VERSIONS];
        newest_first(ord, views, n);
        fprintf(out, "Per version (newest first):\n");
        for (k = 0; k < n; k++) {
            const view *u = &views[ord[k]];
            uint32_t i;
            fprintf(out, "  3.%-3d %-11s", u->v_run->er_minor, verdict_of(u));
            if (u->v_f) {
                fprintf(out, " GIL switch points in the window:");
                if (!u->v_f->f_nswitch)
                    fprintf(out, " none");
                for (i = 0; i < u->v_f->f_nswitch; i++)
                    fprintf(out, " %u", u->v_f->f_switch[i]);
                window_line(out, u);
            }
            fputc('\n', out);
        }
        fprintf(out, "  free-threaded %s\n  (window: the instructions from the read or check to "
                "the write; * = a GIL build\n  of that version can switch threads after it)\n\n",
                verdict_of(newest(views, n)));
    }
    have_il = f && !eng_interleave(&il, f, &v->v_run->er_bf->bf_codes[v->v_code], a);
    if (have_il)
        write_interleaving(out, &il, v->v_run->er_minor);
    here = f ? exp_fix_here(f, t, have_il ? il.il_kind : NULL, a) : NULL;
    if (here || (er && er->r_fix)) {
        strbuf fix;            /* a paragraph per line: the front end wraps them */
        sb_init(&fix);
        txt_unwrap(&fix, here ? here : er->r_fix);
        fprintf(out, "Fix:\n\n%s\n", fix.sb_buf);
        if (here)
            fprintf(out, "More ways and why: gilcheck rule %s\n", f->f_rule);
        sb_free(&fix);
    }
    if (t->et_run) {
        const in_run_result *r = t->et_run;
        fprintf(out, "\nRunning it (--run: the code WAS EXECUTED, in the embedded CPython 3.11, a GIL "
                "build;\n%d threads x %ld calls, sys.setswitchinterval(1e-6)):\n"
                "  state total after the calls in one thread: %lld\n"
                "  state total after the calls in %d threads:  %lld\n"
                "  lost updates: %lld\n", t->et_run_threads, t->et_run_iterations,
                r->rr_sequential, t->et_run_threads, r->rr_threaded,
                r->rr_sequential - r->rr_threaded);
        if (r->rr_errors_seq || r->rr_errors_thr)
            fprintf(out, "  exceptions: %ld in one thread, %ld in threads%s%s\n", r->rr_errors_seq,
                    r->rr_errors_thr, r->rr_first_error[0] ? " (first: " : "",
                    r->rr_first_error[0] ? r->rr_first_error : "");
        if (r->rr_first_error[0])
            fputs("  )\n", out);
        if (r->rr_sequential == r->rr_threaded)
            fputs("  Nothing was lost in this run.  That does not make it atomic: a race need not "
                  "show\n  in every run, and the verdict above is what the bytecode allows.\n", out);
    }
    return G_OK;
}

int exp_write(FILE *out, int json, const exp_target *t, const exp_run *runs, int n,
              const eng_kb *kb, arena *a, diag_ctx *d)
{
    view views[EXP_MAX_VERSIONS];
    int k, rc;
    if (n < 1 || n > EXP_MAX_VERSIONS)
        return diag_add(d, G_EUSAGE, NULL, -1, "explain: 1 to %d versions", EXP_MAX_VERSIONS);
    for (k = 0; k < n; k++)
        view_of(&views[k], t, &runs[k]);
    rc = json ? write_json(out, t, views, n, kb, a) : write_text(out, t, views, n, kb, a);
    if (rc)
        return diag_add(d, rc, NULL, -1, "cannot write the explanation");
    if (views[0].v_run->er_syntax || views[0].v_code < 0)
        return 2;
    return views[0].v_f ? 1 : 0;
}
