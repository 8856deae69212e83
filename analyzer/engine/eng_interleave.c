/* Interleavings: a two-thread schedule that breaks a finding's window (the lost update of a
 * read-modify-write, the stale value of a read-then-write, the double act of a check-then-act),
 * built from the finding and the decoded instructions of its code object. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/strbuf.h"

/* What the schedule needs to know about the statement, read from its instructions. */
typedef struct shape {
    const bc_code *sh_bc;
    uint32_t sh_start;         /* first instruction of the statement */
    uint32_t sh_read;          /* the read / check (window start) */
    uint32_t sh_write;         /* the write (window end) */
    uint32_t *sh_seq;          /* the instructions a thread runs: the statement's start up to the
                                * read, then one path through the window's edges to the write */
    uint32_t sh_nseq;
    uint32_t sh_pread;         /* position of the read in sh_seq (the write is the last) */
    uint32_t sh_pswitch;       /* A stops after sh_seq[sh_pswitch] */
    uint32_t sh_switch;        /* that instruction */
    int sh_gil;                /* it is a GIL switch point (or Python code runs right after it) */
    long sh_addend;            /* `+ c` of an int constant, when sh_has_addend */
    int sh_has_addend;
    const char *sh_method;     /* the method a call in the window calls ("pop"), or NULL */
} shape;

/* A formatted string in a; on failure "" and *oom set, so a chain of calls is checked once. */
static const char *text(arena *a, int *oom, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static const char *text(arena *a, int *oom, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    size_t n;
    char *p;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    n = strlen(buf) + 1;
    if (!(p = arena_alloc(a, n))) {
        *oom = 1;
        return "";
    }
    memcpy(p, buf, n);
    return p;
}

/* The source line of instruction i: its own, or the last one given before it. */
static int32_t line_at(const bc_code *bc, uint32_t i)
{
    for (;; i--) {
        if (bc->bc_instrs[i].in_line >= 0)
            return bc->bc_instrs[i].in_line;
        if (!i)
            return -1;
    }
}

uint32_t eng_stmt_start(const bc_code *bc, uint32_t i)
{
    int32_t line = line_at(bc, i);
    uint32_t s = i, k, start;
    long depth = 0, lowest = 0;
    while (s > 0 && i - s < ENG_STMT_LEAD && line_at(bc, s - 1) == line &&
           bc->bc_instrs[s - 1].in_sem != SEM_RETURN &&
           bc->bc_instrs[s - 1].in_sem != SEM_RETURN_CONST &&
           bc->bc_instrs[s - 1].in_sem != SEM_POP && !(bc->bc_instrs[s - 1].in_flags & OPF_NOFALL))
        s--;
    /* the function-entry RESUME belongs to the def line, not to a statement */
    /* Statements on one line (`c += 1; c += 1`) share it: the statement holding i starts where
     * the stack, counted from s, is last as low as it has been -- after the previous statement's
     * store, not at the line's first instruction -- so every schedule is as long as its own
     * statement, and a line of N statements costs N schedules of one statement each. */
    start = s;
    for (k = s; k < i; k++) {
        depth += bc_stack_effect(bc, &bc->bc_instrs[k], 0);
        if (depth <= lowest) {
            lowest = depth;
            start = k + 1;
        }
    }
    return start;
}

/* Index of the instruction at byte offset off, or -1. */
static int32_t index_at(const bc_code *bc, uint32_t off)
{
    int32_t k;
    if (off / 2 >= bc->bc_nunits || (off & 1))
        return -1;
    k = bc->bc_at[off / 2];
    return k >= 0 && bc->bc_instrs[k].in_offset == off ? k : -1;
}

/* An int constant pushed by instruction in, into *v. */
static int int_const(const bc_code *bc, const bc_instr *in, long *v)
{
    const pyc_obj *o;
    if (in->in_sem == SEM_LOAD_INT) {
        *v = in->in_a;
        return 1;
    }
    if (in->in_sem != SEM_LOAD_CONST || !(o = bc_const(bc, in->in_a)) || o->o_kind != PYC_INT)
        return 0;
    if (o->u.o_int < -1000000 || o->u.o_int > 1000000)
        return 0;
    *v = (long)o->u.o_int;
    return 1;
}

/* The instructions a thread runs: sh_start .. read - 1 in order, then from the read along the
 * window's edges (eng_window_edges) to the write.  At each instruction the path keeps to the
 * next edge, then the jump, then the raise edge -- except at a check that is a read whose
 * KeyError is the check (`try: D[k] ... except KeyError: D[k] = 1`), which raises.  Falls back
 * to the straight line when the edges do not lead to the write. */
static int read_path(shape *sh, const finding *f, arena *a)
{
    const bc_code *bc = sh->sh_bc;
    eng_wedge *w = NULL;
    uint32_t nw = 0, cap = 2 * (sh->sh_write - sh->sh_start + 1) + 2, n = 0, i, cur, steps = 0;
    int rc, raise_first = f->f_rel_what && !strcmp(f->f_rel_what, "check") &&
                          bc->bc_instrs[sh->sh_read].in_sem == SEM_SUBSCR;
    if (!(sh->sh_seq = arena_array(a, cap, sizeof *sh->sh_seq)))
        return G_ENOMEM;
    for (i = sh->sh_start; i < sh->sh_read; i++)
        sh->sh_seq[n++] = i;
    sh->sh_pread = n;
    rc = eng_window_edges(&w, &nw, bc, f->f_first, f->f_last, a);
    if (rc == G_ENOMEM)
        return rc;
    for (cur = sh->sh_read; cur != sh->sh_write && n + 1 < cap && steps++ <= cap;) {
        int best = -1, rank = 99;
        uint32_t k;
        sh->sh_seq[n++] = cur;
        for (k = 0; !rc && k < nw; k++) {
            int r;
            if (w[k].we_from != bc->bc_instrs[cur].in_offset)
                continue;
            r = w[k].we_edge == BC_EDGE_NEXT ? 1 : w[k].we_edge == BC_EDGE_JUMP ? 2 : 3;
            if (raise_first && cur == sh->sh_read && w[k].we_edge == BC_EDGE_RAISE)
                r = 0;
            if (r < rank)
                rank = r, best = (int)k;
        }
        if (best < 0)
            break;
        cur = (uint32_t)bc_index_at(bc, w[best].we_to);
    }
    if (cur != sh->sh_write) {         /* no path: the straight line */
        n = sh->sh_pread;
        for (i = sh->sh_read; i < sh->sh_write; i++)
            sh->sh_seq[n++] = i;
    }
    sh->sh_seq[n++] = sh->sh_write;
    sh->sh_nseq = n;
    return G_OK;
}

static void read_shape(shape *sh, const finding *f)
{
    const bc_code *bc = sh->sh_bc;
    uint32_t i, p;
    sh->sh_pswitch = sh->sh_pread;
    sh->sh_gil = 0;
    /* the first switch point of the window (eng_window_fill) on the path; Python code at the
     * write (a setter, a key's __hash__) runs before the write takes effect: A stops just
     * before it */
    for (p = sh->sh_pread; p < sh->sh_nseq && !sh->sh_gil; p++)
        for (i = 0; i < f->f_nswitch; i++)
            if (f->f_switch[i] == bc->bc_instrs[sh->sh_seq[p]].in_offset) {
                sh->sh_pswitch = p + 1 < sh->sh_nseq ? p : p - 1;
                sh->sh_gil = 1;
                break;
            }
    sh->sh_switch = sh->sh_seq[sh->sh_pswitch];
    /* `v + c` or `v += c` with an int constant c right before the add */
    for (p = sh->sh_pread + 1; p + 1 < sh->sh_nseq; p++) {
        const bc_instr *in = &bc->bc_instrs[sh->sh_seq[p]];
        long c;
        if (in->in_sem == SEM_BINARY && in->in_a % BINOP_INPLACE == BINOP_ADD &&
            int_const(bc, &bc->bc_instrs[sh->sh_seq[p - 1]], &c)) {
            sh->sh_addend = c;
            sh->sh_has_addend = 1;
        }
    }
}

/* Appends one step; the steps array is sized for the whole schedule up front. */
static void step(eng_interleaving *il, char thread, const bc_code *bc, int32_t instr,
                 const char *opname, const char *sees)
{
    eng_step *s = &il->il_steps[il->il_nsteps++];
    memset(s, 0, sizeof *s);
    s->st_thread = thread;
    s->st_instr = instr;
    s->st_offset = instr >= 0 ? bc->bc_instrs[instr].in_offset : 0;
    s->st_opname = instr >= 0 ? bc_opname(bc, &bc->bc_instrs[instr]) : opname;
    s->st_sees = sees;
    s->st_line = instr >= 0 ? line_at(bc, (uint32_t)instr) : -1;
    s->st_col = instr >= 0 && bc->bc_instrs[instr].in_pos.p_col >= 0 &&
                bc->bc_instrs[instr].in_pos.p_line == s->st_line
                ? bc->bc_instrs[instr].in_pos.p_col + 1 : -1;
}

/* The argument of instruction in, in words (the bytecode stage's plain value), or NULL. */
static const char *arg_words(arena *a, int *oom, const bc_code *bc, const bc_instr *in)
{
    strbuf sb;
    const char *t;
    sb_init(&sb);
    bc_argtext(&sb, bc, in, BC_ARG_VALUE);
    t = sb.sb_failed ? NULL : sb.sb_len ? text(a, oom, "%s", sb.sb_buf) : NULL;
    if (sb.sb_failed)
        *oom = 1;
    sb_free(&sb);
    return t;
}

/* What each thread sees at instruction i of a run of the statement. */
typedef struct seen {
    const char *se_read;       /* at the read / check */
    const char *se_write;      /* at the write */
} seen;

/* Thread `t` runs positions [from, to] of sh_seq. */
static void run(eng_interleaving *il, const shape *sh, char t, uint32_t from, uint32_t to,
                const seen *s)
{
    uint32_t p;
    for (p = from; p <= to && p < sh->sh_nseq; p++) {
        uint32_t i = sh->sh_seq[p];
        step(il, t, sh->sh_bc, (int32_t)i, NULL,
             p == sh->sh_pread ? s->se_read : p + 1 == sh->sh_nseq ? s->se_write : NULL);
    }
}

/* The method name a call in the window calls, copied (co_names strings are not terminated). */
static const char *method_name(arena *a, int *oom_, const shape *sh)
{
    const pyc_obj *n;
    uint32_t i;
    const char *found = NULL;
    int oom = 0;
    for (i = sh->sh_start; i <= sh->sh_write; i++) {
        const bc_instr *in = &sh->sh_bc->bc_instrs[i];
        if (in->in_sem == SEM_LOAD_ATTR && (n = bc_name(sh->sh_bc, in->in_a)) &&
            n->o_kind == PYC_STR)
            found = text(a, &oom, "%.*s", (int)n->u.o_str.len, n->u.o_str.s);
    }
    *oom_ |= oom;
    return found;
}

/* Does the container type work in place under augmented assignment (list +=, set |=, ...)? */
static int in_place_type(const char *t)
{
    static const char *const types[] = { "list", "set", "dict", "bytearray", "collections.deque",
                                         "collections.Counter", "collections.OrderedDict",
                                         "collections.defaultdict" };
    size_t i;
    for (i = 0; t && i < sizeof types / sizeof *types; i++)
        if (!strcmp(t, types[i]))
            return 1;
    return 0;
}

/* The in-place operator of the window (`+=`, `|=`, ...), or NULL. */
static const char *in_place_op(const shape *sh)
{
    static const char *const ops[] = { "+=", "&=", "//=", "<<=", "@=", "*=", "%=", "|=", "**=",
                                       ">>=", "-=", "/=", "^=" };
    uint32_t p;
    for (p = sh->sh_pread; p < sh->sh_nseq; p++) {
        const bc_instr *in = &sh->sh_bc->bc_instrs[sh->sh_seq[p]];
        if (in->in_sem == SEM_BINARY && in->in_a >= BINOP_INPLACE && in->in_a < BINOP_SUBSCR)
            return ops[in->in_a - BINOP_INPLACE];
    }
    return NULL;
}

int eng_in_place(const finding *f, const bc_code *bc)
{
    return in_place_type(f->f_target_type) && eng_in_place_op(f, bc);
}

int eng_in_place_op(const finding *f, const bc_code *bc)
{
    int32_t lo = index_at(bc, f->f_first), hi = index_at(bc, f->f_last);
    if (strncmp(f->f_rule, "GIL10", 5) || !strcmp(f->f_rule, "GIL105") || lo < 0 || hi < 0)
        return 0;
    return eng_in_place_between(bc, (uint32_t)lo, (uint32_t)hi);
}

int eng_in_place_between(const bc_code *bc, uint32_t lo, uint32_t hi)
{
    uint32_t i;
    for (i = lo; i < hi && i < bc->bc_ninstrs; i++)
        if (bc->bc_instrs[i].in_sem == SEM_BINARY && bc->bc_instrs[i].in_a >= BINOP_INPLACE &&
            bc->bc_instrs[i].in_a < BINOP_SUBSCR)
            return 1;
    return 0;
}

int eng_interleave(eng_interleaving *out, const finding *f, const bc_code *bc, arena *a)
{
    shape sh;
    int32_t lo, hi;
    const char *t = f->f_target && *f->f_target ? f->f_target : "the state";
    seen sa = { NULL, NULL }, sb = { NULL, NULL };
    uint32_t cap, last;
    const bc_instr *w;
    char kind;
    int oom = 0, rc;

    memset(out, 0, sizeof *out);
    memset(&sh, 0, sizeof sh);
    if (!strcmp(f->f_rule, "GIL000") || !strcmp(f->f_rule, "GIL301") || f->f_first >= f->f_last)
        return G_EBAD;
    lo = index_at(bc, f->f_first);
    hi = index_at(bc, f->f_last);
    if (lo < 0 || hi < 0 || lo >= hi)
        return G_EBAD;
    sh.sh_bc = bc;
    sh.sh_read = (uint32_t)lo;
    sh.sh_write = (uint32_t)hi;
    sh.sh_start = eng_stmt_start(bc, (uint32_t)lo);
    if ((rc = read_path(&sh, f, a)))
        return rc;
    read_shape(&sh, f);
    sh.sh_method = method_name(a, &oom, &sh);
    cap = 2 * sh.sh_nseq + 4;
    if (!(out->il_steps = arena_array(a, cap, sizeof *out->il_steps)))
        return G_ENOMEM;
    out->il_switch_at = bc->bc_instrs[sh.sh_switch].in_offset;
    out->il_gil = sh.sh_gil;
    last = sh.sh_nseq - 1;
    w = &bc->bc_instrs[sh.sh_write];
    kind = !strcmp(f->f_rule, "GIL106") ? 'e' : !strcmp(f->f_rule, "GIL107") ? 't' :
           !strcmp(f->f_rule, "GIL203") ? 'u' :
           !strncmp(f->f_rule, "GIL10", 5) && strcmp(f->f_rule, "GIL105") ? 'r' :
           !strcmp(f->f_rule, "GIL105") ? 's' : !strcmp(f->f_rule, "GIL202") ? 'i' : 'c';
    if (kind == 'r' && (w->in_sem == SEM_CALL || w->in_sem == SEM_CALL_EX))
        kind = 'n';                            /* next(it) on a shared iterator */
    if (kind == 'r' && in_place_type(f->f_target_type) && in_place_op(&sh))
        kind = 'p';                            /* L += [x] on a list: in place */

    if (kind == 'r') {                         /* read-modify-write: both read, one write lost */
        const char *v0, *v1, *v2;
        if (sh.sh_has_addend) {
            v0 = "0";
            v1 = text(a, &oom, "%ld", sh.sh_addend);
            v2 = text(a, &oom, "%ld", 2 * sh.sh_addend);
        } else {
            v0 = "v";
            v1 = "f(v)";
            v2 = "f(f(v))";
        }
        out->il_kind = "lost-update";
        sa.se_read = sb.se_read = text(a, &oom, "reads %s = %s", t, v0);
        sa.se_write = sb.se_write = text(a, &oom, "writes %s = %s", t, v1);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        run(out, &sh, 'B', 0, last, &sb);
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "%s = %s: B's update is lost", t, v1);
        out->il_expected = text(a, &oom, "%s = %s (the two updates one after the other)", t, v2);
    } else if (kind == 'p') {                  /* in place: nothing lost, a rebinding undone */
        const char *op = in_place_op(&sh);
        out->il_kind = "in-place";
        sa.se_read = text(a, &oom, "reads %s: the %s object", t, f->f_target_type);
        sa.se_write = text(a, &oom, "stores %s: the old %s, changed in place by %s", t,
                           f->f_target_type, op);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        step(out, 'B', bc, -1, "another thread", text(a, &oom, "rebinds %s to a new %s", t,
                                                       f->f_target_type));
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "%s is the old %s again: the other thread's rebinding is "
                             "undone. No update is lost: %s on a %s works in place, and two "
                             "threads doing it both keep their items", t, f->f_target_type, op,
                             f->f_target_type);
        out->il_expected = text(a, &oom, "%s is the new %s", t, f->f_target_type);
    } else if (kind == 'n') {                  /* two threads resume one iterator */
        out->il_kind = "concurrent-resume";
        sa.se_read = sb.se_read = text(a, &oom, "reads %s (the shared iterator)", t);
        sa.se_write = text(a, &oom, "next(%s): enters the generator; a switch falls inside its "
                           "code", t);
        sb.se_write = text(a, &oom, "next(%s): the generator is still running in A: ValueError", t);
        run(out, &sh, 'A', 0, last, &sa);
        run(out, &sh, 'B', 0, last, &sb);
        out->il_switch_at = w->in_offset;
        out->il_final = text(a, &oom, "B's next() raises ValueError: generator already executing "
                             "(a __next__ written in Python would interleave its updates "
                             "instead)");
        out->il_expected = "each call gets the next item";
    } else if (kind == 's') {                  /* read-then-write: A writes back a stale value */
        int call = w->in_sem == SEM_CALL || w->in_sem == SEM_CALL_EX;
        const char *m = sh.sh_method ? sh.sh_method : "the call";
        out->il_kind = "stale-read";
        sa.se_read = "reads x (the item as it is now)";
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        if (call) {
            sa.se_write = text(a, &oom, "%s(x) into %s: a stale copy", m, t);
            step(out, 'B', bc, -1, "another write",
                 text(a, &oom, "%s(y) into %s: the item A read is no longer the one it meant", m,
                      t));
            out->il_final = text(a, &oom, "%s ends ..., x, y, x: A's %s() added a stale copy of x; "
                                 "B's write is not lost", t, m);
            out->il_expected = text(a, &oom, "%s ends ..., x, y, y (A copies the item as it is "
                                    "when it writes)", t);
        } else {
            sa.se_write = text(a, &oom, "writes x into %s: a stale copy", t);
            step(out, 'B', bc, -1, "another write", "changes the item A read: it is now y");
            out->il_final = text(a, &oom, "%s got x, a stale copy of an item that is now y; B's "
                                 "write is not lost, but %s no longer matches it", t, t);
            out->il_expected = text(a, &oom, "%s gets the item's value at the time (x before B's "
                                    "write, y after it)", t);
        }
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
    } else if (kind == 'e') {                  /* iteration: B changes the size under A's loop */
        int seq = f->f_target_type && (!strcmp(f->f_target_type, "list") ||
                                       !strcmp(f->f_target_type, "bytearray"));
        out->il_kind = "changed-during-iteration";
        sa.se_read = text(a, &oom, "starts iterating over %s", t);
        sa.se_write = seq ? text(a, &oom, "goes on over %s, whose items moved: one is skipped or "
                                 "seen twice", t)
                          : text(a, &oom, "asks the iterator over %s for the next item: "
                                 "RuntimeError", t);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        step(out, 'B', bc, -1, "another thread", text(a, &oom, "adds an item to %s or removes one", t));
        {
            /* A goes round the loop to its FOR_ITER, where the iterator notices (the window's
             * last instruction is the loop's exit, which A does not reach) */
            uint32_t p, pfor = UINT32_MAX;
            for (p = sh.sh_pread; p < sh.sh_nseq; p++)
                if (bc->bc_instrs[sh.sh_seq[p]].in_sem == SEM_FOR_ITER) {
                    pfor = p;
                    break;
                }
            if (pfor != UINT32_MAX && pfor <= sh.sh_pswitch && last > 0) {
                seen none = { NULL, NULL };
                run(out, &sh, 'A', sh.sh_pswitch + 1, last - 1, &none);
                step(out, 'A', bc, (int32_t)sh.sh_seq[pfor], NULL, sa.se_write);
            } else {
                run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
            }
        }
        out->il_final = seq ? text(a, &oom, "A's loop skipped or repeated an item of %s", t)
                            : text(a, &oom, "A's loop raises RuntimeError: %s changed size during "
                                   "iteration", t);
        out->il_expected = text(a, &oom, "A's loop sees %s as it was, or as it is after B's change",
                                t);
    } else if (kind == 't' && f->f_message && !strncmp(f->f_message, "swap", 4)) {
        out->il_kind = "lost-swap";
        sa.se_read = text(a, &oom, "reads %s = old", t);
        sa.se_write = text(a, &oom, "stores the other name's value in %s: B's value is overwritten",
                           t);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        step(out, 'B', bc, -1, "another thread", text(a, &oom, "writes %s = new", t));
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "B's write of %s is lost, and the other name holds the old "
                             "value A read before it", t);
        out->il_expected = "the swap runs before or after B's write, and keeps it";
    } else if (kind == 't') {                  /* take-and-reset: a producer's value is lost */
        out->il_kind = "lost-value";
        sa.se_read = text(a, &oom, "takes %s = item1", t);
        sa.se_write = text(a, &oom, "resets %s, erasing item2", t);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        step(out, 'B', bc, -1, "another thread", text(a, &oom, "stores %s = item2", t));
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "A took item1 and erased item2: nobody ever takes item2");
        out->il_expected = text(a, &oom, "item2 stays in %s for the next take", t);
    } else if (kind == 'u') {                  /* check-then-use: B clears it after A's check */
        out->il_kind = "check-then-use";
        sa.se_read = text(a, &oom, "checks %s: it is set", t);
        sa.se_write = text(a, &oom, "reads %s again to use it: None now", t);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        step(out, 'B', bc, -1, "another thread", text(a, &oom, "sets %s = None", t));
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "A uses None: AttributeError ('NoneType' object has no "
                             "attribute ...) or TypeError, though it checked %s", t);
        out->il_expected = text(a, &oom, "A uses the object its check saw in %s", t);
    } else if (kind == 'i') {                  /* lazy init: both see None, both create */
        out->il_kind = "double-init";
        sa.se_read = sb.se_read = text(a, &oom, "checks %s: None", t);
        sa.se_write = text(a, &oom, "stores its own new object in %s (replacing B's)", t);
        sb.se_write = text(a, &oom, "stores a new object in %s", t);
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        run(out, &sh, 'B', 0, last, &sb);
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
        out->il_final = text(a, &oom, "two objects were created; %s holds A's and B's was handed out "
                             "and lost", t);
        out->il_expected = "one object, created by whichever thread checks first";
    } else {                                   /* check-then-act: both pass the check, both act */
        const bc_instr *c = &bc->bc_instrs[sh.sh_read];
        const char *cond = c->in_sem == SEM_CONTAINS ? (c->in_a ? "the key is absent"
                                                                : "the key is present")
                           : c->in_sem == SEM_SUBSCR ? "the read raises KeyError: the key is absent"
                                                     : "the test passes";
        out->il_kind = "check-then-act";
        sa.se_read = sb.se_read = text(a, &oom, "checks: %s", cond);
        if (w->in_sem == SEM_STORE_SUBSCR) {
            sb.se_write = text(a, &oom, "inserts %s = B's value", t);
            sa.se_write = text(a, &oom, "inserts %s = A's value, overwriting B's", t);
            out->il_final = text(a, &oom, "%s = A's value: both inserted, B's insert is lost", t);
            out->il_expected = "the second thread sees the key and does not insert";
        } else if (w->in_sem == SEM_DELETE_SUBSCR) {
            sb.se_write = text(a, &oom, "deletes %s", t);
            sa.se_write = text(a, &oom, "deletes %s again: KeyError", t);
            out->il_final = "A's delete raises KeyError: B already deleted the key";
            out->il_expected = "the second thread sees the key is gone and does nothing";
        } else if (w->in_sem == SEM_SUBSCR) {
            sa.se_write = text(a, &oom, "reads %s: KeyError", t);
            out->il_final = "A's read raises KeyError: another thread deleted the key after the "
                            "check";
            out->il_expected = "the read sees the key the check saw";
        } else {
            const char *m = sh.sh_method ? sh.sh_method : "the call";
            sb.se_write = text(a, &oom, "calls %s() on %s", m, t);
            sa.se_write = text(a, &oom, "calls %s() on %s, which B already changed", m, t);
            out->il_final = text(a, &oom, "%s() runs twice on a state the check no longer describes "
                                 "(pop from an emptied list raises)", m);
            out->il_expected = "the second thread's check sees the first one's action";
        }
        run(out, &sh, 'A', 0, sh.sh_pswitch, &sa);
        if (w->in_sem == SEM_SUBSCR)
            step(out, 'B', bc, -1, "another delete", "deletes the key");
        else
            run(out, &sh, 'B', 0, last, &sb);
        run(out, &sh, 'A', sh.sh_pswitch + 1, last, &sa);
    }
    {
        uint32_t i;
        for (i = 0; i + 1 < out->il_nsteps; i++)
            out->il_steps[i].st_switch = out->il_steps[i].st_thread != out->il_steps[i + 1].st_thread;
        for (i = 0; i < out->il_nsteps; i++) {
            eng_step *st = &out->il_steps[i];
            if (!st->st_opname)
                return G_ENOMEM;
            if (st->st_instr >= 0)
                st->st_arg = arg_words(a, &oom, bc, &bc->bc_instrs[st->st_instr]);
        }
    }
    return oom ? G_ENOMEM : G_OK;
}
