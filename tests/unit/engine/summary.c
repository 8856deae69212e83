/* Unit tests for per-file summaries: what a function's summary records (paths relative to the
 * function, locks, calls, thread starts, classes), the bytes round trip, and damaged bytes --
 * every truncation and many flips -- read as an error, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "engine/sum_int.h"
#include "input/input.h"
#include "pyc/pyc.h"
#include "../helpers.h"

typedef struct fixture {
    arena *kba, *a;
    eng_kb kb;
    pyc_file *pf;
    eng_summary *sum;
} fixture;

static const char src[] =
    "import threading\n"                               /* 1 */
    "from .util import helper\n"                       /* 2 */
    "count = 0\n"                                      /* 3 */
    "class Pool(threading.Thread):\n"                  /* 4 */
    "    _cache = {}\n"                                /* 5 */
    "    def __init__(self, q):\n"                     /* 6 */
    "        self._lock = threading.Lock()\n"          /* 7 */
    "        self._cond = threading.Condition(self._lock)\n"
    "        self.q = q\n"                             /* 9 */
    "        self.items = []\n"                        /* 10 */
    "    def put(self, x):\n"                          /* 11 */
    "        with self._lock:\n"                       /* 12 */
    "            self.items.append(x)\n"               /* 13 */
    "            helper(self.items)\n"                 /* 14 */
    "    def run(self):\n"                             /* 15 */
    "        global count\n"                           /* 16 */
    "        count += 1\n"                             /* 17 */
    "def main(shared):\n"                              /* 18 */
    "    for _ in range(2):\n"                         /* 19 */
    "        threading.Thread(target=helper, args=(shared, 1)).start()\n"
    "class Server:\n"                                  /* 21 */
    "    def start(self):\n"                           /* 22 */
    "        t = threading.Thread(target=self.serve)\n"
    "        t.start()\n"                              /* 24 */
    "        self._thread = t\n"                       /* 25 */
    "        self.status = 'closed'\n"                 /* 26 */
    "    def serve(self):\n"                           /* 27 */
    "        pass\n"                                   /* 28 */
    "from concurrent.futures import ThreadPoolExecutor\n"
    "class Out:\n"                                     /* 30 */
    "    def __init__(self):\n"                        /* 31 */
    "        self.one = ThreadPoolExecutor(max_workers=1)\n"
    "        self.four = ThreadPoolExecutor(4)\n"      /* 33 */
    "    def error(self, m):\n"                        /* 34 */
    "        self.one.submit(self.serve, m)\n"         /* 35 */
    "        self.four.submit(self.serve, m)\n"        /* 36 */
    "def fan(n, table):\n"                             /* 37 */
    "    for i in range(n):\n"                         /* 38 */
    "        threading.Thread(target=helper, args=(i,)).start()\n"
    "    table[n] += 1\n"                               /* 40 */
    "class Link(threading.Thread):\n"                  /* 41 */
    "    def start(self):\n"                           /* 42 */
    "        self.state = 1\n"                         /* 43 */
    "        super().start()\n"                        /* 44 */
    "    def run(self):\n"                             /* 45 */
    "        if self.state == 1:\n"                    /* 46 */
    "            self.state = 2\n"                     /* 47 */
    "D = {}\n"                                        /* 48 */
    "def early(k):\n"                                 /* 49 */
    "    if k in D:\n"                                /* 50 */
    "        return\n"                                /* 51 */
    "    D[k] = 1\n"                                  /* 52 */
    "def other_key(k, j):\n"                          /* 53 */
    "    if k in D:\n"                                /* 54 */
    "        return\n"                                /* 55 */
    "    D[j] = 1\n"                                  /* 56 */
    "L = []\n"                                        /* 57 */
    "def by_size():\n"                                /* 58 */
    "    if len(L) > 0:\n"                            /* 59 */
    "        L.pop()\n"                               /* 60 */
    "def above(n):\n"                                 /* 61 */
    "    if len(L) >= n:\n"                           /* 62 */
    "        L.pop()\n"                               /* 63 */
    "def getter(k):\n"                                /* 64 */
    "    if k not in D:\n"                            /* 65 */
    "        D[k] = str(k)\n"                         /* 66 */
    "    return D[k]\n"                               /* 67 */
    "def bucket(k):\n"                                /* 68 */
    "    if k not in D:\n"                            /* 69 */
    "        D[k] = []\n"                             /* 70 */
    "    return D[k]\n"                               /* 71 */
    "S = set()\n"                                     /* 72 */
    "def record(k):\n"                                /* 73 */
    "    if k in S:\n"                                /* 74 */
    "        return\n"                                /* 75 */
    "    S.add(k)\n"                                  /* 76 */
    "G = None\n"                                      /* 77 */
    "def take():\n"                                   /* 78 */
    "    global G\n"                                  /* 79 */
    "    if G:\n"                                     /* 80 */
    "        g = G\n"                                 /* 81 */
    "        G = None\n"                              /* 82 */
    "        return g\n"                              /* 83 */
    "def take_any():\n"                               /* 84 */
    "    global G\n"                                  /* 85 */
    "    g = G\n"                                     /* 86 */
    "    G = None\n"                                  /* 87 */
    "    return g\n"                                 /* 88 */
    "def unobserve(o, section=None, option=None, n=0):\n"
    "    if section is not None:\n"                  /* 90 */
    "        D.pop(section)\n"                       /* 91 */
    "    D[o] = 1\n"                                 /* 92 */
    "    if not option:\n"                           /* 93 */
    "        return\n"                               /* 94 */
    "    S.add(o)\n"                                 /* 95 */
    "def call_ex(a):\n"                              /* 96 */
    "    unobserve(*a)\n"                            /* 97 */
    "    unobserve(a)\n"                             /* 98 */
    "def deco(f):\n"                                 /* 99 */
    "    return f\n"                                 /* 100 */
    "@deco\n"                                        /* 101 */
    "def wrapped(a=None):\n"                         /* 102 */
    "    pass\n"                                     /* 103 */
    "T = {}\n"                                       /* 104 */
    "def mk(k):\n"                                   /* 105 */
    "    T[k] = {}\n"                                /* 106 */
    "    T[k]['s'] = set()\n"                        /* 107 */
    "def upd(k, x):\n"                               /* 108 */
    "    T[k]['s'] |= x\n"                           /* 109 */
    "    T[k]['n'] += 1\n";                          /* 110 */

static const sum_func *func(const eng_summary *s, const char *qualname)
{
    uint32_t i;
    for (i = 0; i < s->s_nfuncs; i++)
        if (!strcmp(s->s_funcs[i].u_qualname, qualname))
            return &s->s_funcs[i];
    fail_msg("no function %s", qualname);
    return NULL;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    eng_options none;
    in_compiled c;
    bc_file *bf;
    diag_ctx d;
    diag_init(&d);
    memset(&none, 0, sizeof none);
    if (!fx || arena_new(&fx->kba) || arena_new(&fx->a) ||
        rule_load_dir(&fx->kb, GILCHECK_RULES_DIR, fx->kba, &d) ||
        in_compile_bytes(&c, (const uint8_t *)src, strlen(src), "pkg/pool.py", &d) ||
        pyc_load_bytes(&fx->pf, c.ic_pyc, c.ic_len, "pkg/pool.py", &d))
        return -1;
    in_compiled_free(&c);
    if (bc_decode_file(&bf, fx->pf, "pkg/pool.py", &d) ||
        eng_summarize(&fx->sum, fx->pf, bf, &fx->kb, &none, "pkg.pool", 0, fx->a, &d,
                      "pkg/pool.py"))
        return -1;
    diag_free(&d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    pyc_file_free(fx->pf);
    arena_free(fx->a);
    arena_free(fx->kba);
    free(fx);
    in_shutdown();
    return 0;
}

static void test_engine_summary__what_a_function_records(void **state)
{
    const fixture *fx = *state;
    const eng_summary *s = fx->sum;
    const sum_func *put = func(s, "Pool.put"), *run = func(s, "Pool.run"), *init;
    uint32_t i;
    int saw_helper = 0, saw_append = 0;
    assert_string_equal(s->s_module, "pkg.pool");
    /* the lock by its path relative to the method; the append a write of the items of self.items
     * holding it; the call of the imported helper with self.items as its argument */
    assert_int_equal(put->u_nacqs, 1);
    assert_string_equal(put->u_acqs[0].q_path, "p:0._lock");
    for (i = 0; i < put->u_nacc; i++)
        if (!strcmp(put->u_acc[i].a_path, "p:0.items[*]") && put->u_acc[i].a_kind == ACC_INSERT &&
            put->u_acc[i].a_locks == 1 && !strcmp(put->u_acc[i].a_method, "append"))
            saw_append = 1;
    for (i = 0; i < put->u_ncalls; i++)
        if (!strcmp(put->u_calls[i].c_callee, "g:helper") && put->u_calls[i].c_nargs == 1 &&
            !strcmp(put->u_calls[i].c_args[0].g_path, "p:0.items") && put->u_calls[i].c_locks == 1)
            saw_helper = 1;
    assert_true(saw_append);
    assert_true(saw_helper);
    /* count += 1: a read-modify-write window on the module global */
    assert_int_equal(run->u_nwin, 1);
    assert_string_equal(run->u_win[0].w_path, "g:count");
    assert_string_equal(s->s_cand.r_findings[run->u_win[0].w_finding].f_rule, "GIL101");
    assert_true(run->u_win[0].w_value);   /* any write of count breaks it */
    /* __init__ does not let self escape; the class's attributes and bases */
    init = func(s, "Pool.__init__");
    assert_int_equal(init->u_flags & FN_INIT, FN_INIT);
    assert_int_equal(init->u_escape, SUM_NONE);
    assert_int_equal(s->s_nclasses, 4);        /* Pool, Server, Out, Link */
    assert_int_equal(s->s_classes[0].k_nbases, 1);
    assert_string_equal(s->s_classes[0].k_bases[0], "g:threading.Thread");
    for (i = 0; i < s->s_classes[0].k_nattrs; i++) {
        const sum_attr *at = &s->s_classes[0].k_attrs[i];
        if (!strcmp(at->at_name, "_cond")) {
            assert_string_equal(at->at_ctor, "threading.Condition");
            assert_string_equal(at->at_alias, "p:0._lock");
        } else if (!strcmp(at->at_name, "q")) {
            assert_int_equal(at->at_param, 1);
        } else if (!strcmp(at->at_name, "_cache")) {
            assert_true(at->at_class_level);
        }
    }
}

static void test_engine_summary__thread_starts_and_imports(void **state)
{
    const fixture *fx = *state;
    const eng_summary *s = fx->sum;
    uint32_t i;
    int rel = 0;
    /* Thread(target=helper, args=(shared, 1)) in a loop: many, the parameter as argument */
    assert_int_equal(s->s_nstarts, 5);
    assert_int_equal(s->s_starts[0].t_kind, START_THREAD);
    assert_true(s->s_starts[0].t_many);
    assert_string_equal(s->s_starts[0].t_target, "g:helper");
    assert_int_equal(s->s_starts[0].t_nargs, 2);
    assert_string_equal(s->s_starts[0].t_args[0].g_path, "p:0");
    for (i = 0; i < s->s_nbinds; i++)
        if (!strcmp(s->s_binds[i].b_name, "helper"))
            rel = !strcmp(s->s_binds[i].b_what, ".util.helper");
    assert_true(rel);          /* a relative import keeps its dot for the composition */
    /* t = Thread(target=self.serve); t.start(); self._thread = t: started once, the thread
     * object kept at self._thread (a join() of it orders what follows) */
    assert_int_equal(s->s_starts[1].t_kind, START_THREAD);
    assert_false(s->s_starts[1].t_many);
    assert_string_equal(s->s_starts[1].t_target, "p:0.serve");
    assert_non_null(s->s_starts[1].t_obj);
    assert_string_equal(s->s_starts[1].t_obj, "p:0._thread");
    assert_null(s->s_starts[0].t_obj);
    /* a pool of one worker runs its tasks one after another: serial, and which pool */
    assert_int_equal(s->s_starts[2].t_kind, START_EXECUTOR);
    assert_true(s->s_starts[2].t_serial);
    assert_string_equal(s->s_starts[2].t_pool, "p:0.one");
    assert_int_equal(s->s_starts[3].t_kind, START_EXECUTOR);
    assert_false(s->s_starts[3].t_serial);
    assert_null(s->s_starts[3].t_pool);
    /* the index of the range() loop around a start differs from one start to the next; a
     * parameter passed along does not */
    assert_int_equal(s->s_starts[4].t_nargs, 1);
    assert_true(s->s_starts[4].t_args[0].g_distinct);
    assert_false(s->s_starts[0].t_args[0].g_distinct);
    /* an item keyed by a parameter names it: [*p0] */
    {
        const sum_func *u = func(s, "fan");
        assert_int_equal(u->u_nwin, 1);
        assert_string_equal(u->u_win[0].w_path, "p:1[*p0]");
    }
    /* a store of a constant keeps it: two stores of 'closed' leave the same state */
    {
        const sum_func *u = func(s, "Server.start");
        uint32_t k;
        int found = 0;
        for (k = 0; k < u->u_nacc; k++)
            if (!strcmp(u->u_acc[k].a_path, "p:0.status")) {
                assert_non_null(u->u_acc[k].a_const);
                assert_string_equal(u->u_acc[k].a_const, "s:closed");
                found = 1;
            } else if (!strcmp(u->u_acc[k].a_path, "p:0._thread")) {
                assert_null(u->u_acc[k].a_const);
            }
        assert_true(found);
    }
}

/* A start() of a class's own records where it hands the object to its thread; a check
 * `state == C` records C in the form a store of C has. */
static void test_engine_summary__handover_and_checked_constant(void **state)
{
    const fixture *fx = *state;
    const sum_func *start = func(fx->sum, "Link.start"), *run = func(fx->sum, "Link.run");
    const sum_func *other = func(fx->sum, "Server.start");
    uint32_t k;
    const char *stored = NULL;
    assert_int_not_equal(start->u_escape, SUM_NONE);
    for (k = 0; k < start->u_nacc; k++)
        if (start->u_acc[k].a_kind == ACC_STORE && start->u_acc[k].a_line == 43) {
            assert_true(start->u_acc[k].a_instr < start->u_escape);  /* before super().start() */
            stored = start->u_acc[k].a_const;
        }
    assert_non_null(stored);
    assert_int_equal(other->u_escape, SUM_NONE);  /* t.start() of a thread it made: no hand-over */
    assert_int_equal(run->u_nwin, 1);
    assert_non_null(run->u_win[0].w_check);
    assert_string_equal(run->u_win[0].w_check, stored);
    assert_null(func(fx->sum, "fan")->u_win[0].w_check);   /* `+=`: no check */
}

/* What a check-then-act's check is: the branch the act is on, the key it tests, a size. */
static void test_engine_summary__checks(void **state)
{
    const fixture *fx = *state;
    const sum_func *early = func(fx->sum, "early"), *by_size = func(fx->sum, "by_size");
    /* after `if k in D: return`, the write needs k absent: another insertion breaks it */
    assert_int_equal(early->u_nwin, 1);
    assert_string_equal(fx->sum->s_cand.r_findings[early->u_win[0].w_finding].f_rule, "GIL201");
    assert_int_equal(early->u_win[0].w_breaks & BRK_KIND, BRK_INSERT);
    /* a test of k guards no write of j */
    assert_int_equal(func(fx->sum, "other_key")->u_nwin, 0);
    /* `len(L) > 0` tests L; a threshold does not */
    assert_int_equal(by_size->u_nwin, 1);
    assert_string_equal(fx->sum->s_cand.r_findings[by_size->u_win[0].w_finding].f_rule, "GIL201");
    assert_int_equal(func(fx->sum, "above")->u_nwin, 0);
}

static const char *rule_of(const fixture *fx, const char *name)
{
    const sum_func *f = func(fx->sum, name);
    assert_int_equal(f->u_nwin, 1);
    return fx->sum->s_cand.r_findings[f->u_win[0].w_finding].f_rule;
}

/* A getter's cache fill and a set's record of work done are GIL204; a fill with a list, whose
 * identity callers rely on, stays GIL201.  A take-and-reset after a test that found the state
 * set says so (BRK_SEEN_SET); one without the test does not. */
static void test_engine_summary__fills_and_seen_set(void **state)
{
    const fixture *fx = *state;
    assert_string_equal(rule_of(fx, "getter"), "GIL204");
    assert_string_equal(rule_of(fx, "bucket"), "GIL201");
    assert_string_equal(rule_of(fx, "record"), "GIL204");
    assert_string_equal(rule_of(fx, "take"), "GIL107");
    assert_int_equal(func(fx->sum, "take")->u_win[0].w_breaks, BRK_VALUE | BRK_SEEN_SET);
    assert_string_equal(rule_of(fx, "take_any"), "GIL107");
    assert_int_equal(func(fx->sum, "take_any")->u_win[0].w_breaks, BRK_VALUE);
}

/* Parameters that default to None; what runs only where a test found one not None; calls that
 * unpack their arguments. */
static void test_engine_summary__none_defaults(void **state)
{
    const fixture *fx = *state;
    const sum_func *u = func(fx->sum, "unobserve"), *c = func(fx->sum, "call_ex");
    uint32_t i;
    int saw_pop = 0, saw_store = 0, saw_add = 0;
    assert_int_equal(u->u_none_dflt, 6);       /* section and option, not n = 0 */
    assert_int_equal(func(fx->sum, "wrapped")->u_none_dflt, 0);   /* a decorator's wrapper */
    assert_int_equal(func(fx->sum, "getter")->u_none_dflt, 0);
    for (i = 0; i < u->u_nacc; i++) {
        const sum_access *a = &u->u_acc[i];
        if (a->a_method && !strcmp(a->a_method, "pop")) {
            assert_int_equal(a->a_ifparam, 2);  /* under `section is not None` */
            saw_pop = 1;
        } else if (a->a_kind == ACC_STORE) {
            assert_int_equal(a->a_ifparam, 0);
            saw_store = 1;
        } else if (a->a_method && !strcmp(a->a_method, "add")) {
            assert_int_equal(a->a_ifparam, 3);  /* after `if not option: return` */
            saw_add = 1;
        }
    }
    assert_true(saw_pop && saw_store && saw_add);
    assert_int_equal(c->u_ncalls, 2);
    assert_int_equal(c->u_calls[0].c_npos, SUM_PARTIAL);
    assert_int_equal(c->u_calls[1].c_npos, 1);
}

/* An augmented operator on an item the file only ever makes a set: the same set stored back. */
static void test_engine_summary__in_place_item(void **state)
{
    const fixture *fx = *state;
    const sum_func *u = func(fx->sum, "upd");
    uint32_t i;
    int saw_set = 0, saw_num = 0;
    for (i = 0; i < u->u_nwin; i++) {
        if (strstr(u->u_win[i].w_path, "['s']")) {
            assert_int_equal(u->u_win[i].w_cont_item, 1);
            assert_int_equal(u->u_win[i].w_in_place, 1);
            saw_set = 1;
        } else if (strstr(u->u_win[i].w_path, "['n']")) {
            assert_int_equal(u->u_win[i].w_cont_item, 0);   /* never made: not known */
            saw_num = 1;
        }
    }
    assert_true(saw_set && saw_num);
}

/* The bytes of a summary read back write the same bytes. */
static void test_engine_summary__round_trip(void **state)
{
    const fixture *fx = *state;
    strbuf a, b;
    eng_summary *back;
    arena *ar;
    sb_init(&a);
    sb_init(&b);
    assert_int_equal(arena_new(&ar), G_OK);
    assert_int_equal(eng_summary_write(&a, fx->sum), G_OK);
    assert_int_equal(eng_summary_read(&back, (const uint8_t *)a.sb_buf, a.sb_len, ar), G_OK);
    assert_int_equal(eng_summary_set_candidates(back, &fx->sum->s_cand), G_OK);
    assert_int_equal(eng_summary_write(&b, back), G_OK);
    assert_int_equal(a.sb_len, b.sb_len);
    assert_memory_equal(a.sb_buf, b.sb_buf, a.sb_len);
    /* a summary whose windows name more candidates than it is given is refused */
    {
        eng_result few;
        memset(&few, 0, sizeof few);
        assert_int_equal(eng_summary_set_candidates(back, &few), G_EBAD);
    }
    sb_free(&a);
    sb_free(&b);
    arena_free(ar);
}

/* Every truncation is an error; a flipped byte is an error or a summary that holds together. */
static void test_engine_summary__damaged_bytes(void **state)
{
    const fixture *fx = *state;
    strbuf a;
    arena *ar;
    size_t n, i;
    eng_summary *back;
    sb_init(&a);
    assert_int_equal(arena_new(&ar), G_OK);
    assert_int_equal(eng_summary_write(&a, fx->sum), G_OK);
    for (n = 0; n < a.sb_len; n++) {
        arena_reset(ar);
        assert_int_not_equal(eng_summary_read(&back, (const uint8_t *)a.sb_buf, n, ar), G_OK);
        assert_null(back);
    }
    for (i = 0; i < a.sb_len; i += 1 + i / 64) {
        uint8_t *copy = mem_alloc(a.sb_len);
        memcpy(copy, a.sb_buf, a.sb_len);
        copy[i] ^= 0x5a;
        arena_reset(ar);
        if (eng_summary_read(&back, copy, a.sb_len, ar) == G_OK) {
            uint32_t k;
            assert_non_null(back->s_module);
            for (k = 0; k < back->s_nfuncs; k++)
                assert_non_null(back->s_funcs[k].u_qualname);
        }
        mem_free(copy);
    }
    sb_free(&a);
    arena_free(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_summary__what_a_function_records),
        cmocka_unit_test(test_engine_summary__thread_starts_and_imports),
        cmocka_unit_test(test_engine_summary__handover_and_checked_constant),
        cmocka_unit_test(test_engine_summary__checks),
        cmocka_unit_test(test_engine_summary__fills_and_seen_set),
        cmocka_unit_test(test_engine_summary__none_defaults),
        cmocka_unit_test(test_engine_summary__in_place_item),
        cmocka_unit_test(test_engine_summary__round_trip),
        cmocka_unit_test(test_engine_summary__damaged_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
