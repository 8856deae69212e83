/* Unit tests for windows as edges (eng_window_edges), Python code inside a window and its
 * caveats (eng_pycode.c), the shapes found on the same facts (next() on a shared generator, a
 * KeyError handler's store), shared parameters, and the in-place story -- on code compiled by the
 * embedded 3.11. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "../helpers.h"
#include "compiled.h"

static const finding *on_line(const fixture *fx, const char *rule, int32_t line)
{
    uint32_t i;
    for (i = 0; i < fx->res.r_count; i++)
        if (!strcmp(fx->res.r_findings[i].f_rule, rule) && fx->res.r_findings[i].f_line == line)
            return &fx->res.r_findings[i];
    return NULL;
}

static int has_why(const finding *f, const char *part)
{
    uint32_t i;
    for (i = 0; i < f->f_npycode; i++)
        if (strstr(f->f_pycode[i].pc_why, part))
            return 1;
    return 0;
}

static int has_caveat(const finding *f, const char *part)
{
    uint32_t i;
    for (i = 0; i < f->f_ncaveats; i++)
        if (strstr(f->f_caveats[i], part))
            return 1;
    return 0;
}

/* `if k not in D: D[k] = v`: the window runs from the test through the fall-through edge of the
 * conditional jump (no switch on 3.11) to the store. */
static void test_engine_window__check_then_act_edges(void **state)
{
    fixture *fx = *state;
    const finding *f;
    const bc_code *bc;
    eng_wedge *w;
    uint32_t n, i;
    int fall = 0;
    analyse(fx, "D = {}\ndef f(k, v):\n    if k not in D:\n        D[k] = v\n");
    assert_non_null(f = on_line(fx, "GIL201", 4));
    bc = &fx->bf->bf_codes[f->f_code];
    assert_int_equal(eng_window_edges(&w, &n, bc, f->f_first, f->f_last, fx->a), G_OK);
    assert_true(n >= 3);
    for (i = 0; i < n; i++) {
        int32_t k = bc_index_at(bc, w[i].we_from);
        assert_true(k >= 0);
        assert_true(w[i].we_from >= f->f_first && w[i].we_from < f->f_last);
        if (bc->bc_instrs[k].in_sem == SEM_JUMP_IF) {
            assert_int_equal(w[i].we_edge, BC_EDGE_NEXT);
            fall = 1;
        }
        assert_false(w[i].we_switch);
    }
    assert_true(fall);
    assert_int_equal(f->f_nswitch, 0);
    assert_int_equal(eng_window_edges(&w, &n, bc, f->f_last, f->f_first, fx->a), G_EBAD);
}

/* Python code the module shows: a property, a key class's __hash__, a Counter's __missing__;
 * the window becomes a switch point on every version and says why. */
static void test_engine_window__python_code_in_window(void **state)
{
    fixture *fx = *state;
    const finding *f;
    analyse(fx,
            "import collections\n"
            "class Box:\n"
            "    def __init__(self):\n        self._n = 0\n"
            "    @property\n    def n(self):\n        return self._n\n"
            "    @n.setter\n    def n(self, v):\n        self._n = v\n"
            "class Key:\n    def __hash__(self):\n        return 1\n"
            "o = Box()\nK = Key()\nD = {}\nC = collections.Counter()\nP = {}\n"
            "def f(k):\n"
            "    o.n += 1\n"
            "    D[K] += 1\n"
            "    C[k] += 1\n"
            "    P['x'] += 1\n");
    assert_non_null(f = on_line(fx, "GIL103", 20));
    assert_true(has_why(f, "o.n is a property of class Box"));
    assert_true(f->f_nswitch > 0);
    assert_non_null(f = on_line(fx, "GIL104", 21));
    assert_true(has_why(f, "its __hash__ runs Python code"));
    assert_true(f->f_nswitch > 0);
    assert_non_null(f = on_line(fx, "GIL104", 22));
    assert_true(has_why(f, "Counter.__missing__"));
    assert_true(has_caveat(f, "the key k"));
    assert_non_null(f = on_line(fx, "GIL104", 23));   /* a dict, a str key: nothing runs */
    assert_int_equal(f->f_npycode, 0);
    assert_int_equal(f->f_ncaveats, 0);
    assert_int_equal(f->f_nswitch, 0);
    assert_null(f->f_target_type);            /* the item's type: not known */
}

/* Unknown types: no Python code claimed, caveats instead. */
static void test_engine_window__caveats_for_unknown_types(void **state)
{
    fixture *fx = *state;
    const finding *f;
    analyse(fx, "def f(d, k, o):\n    global G\n    G[k] = G[k] + 1\n    G.x += 1\n");
    assert_non_null(f = on_line(fx, "GIL104", 3));
    assert_int_equal(f->f_npycode, 0);
    assert_true(has_caveat(f, "the type of G is not known"));
    assert_true(has_caveat(f, "the key k"));
    assert_non_null(f = on_line(fx, "GIL103", 4));
    assert_true(has_caveat(f, "property"));
}

/* next() on a shared generator is a finding whose Python code is the generator; on
 * itertools.count() it is not (a C iterator). */
static void test_engine_window__next_on_shared_iterators(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    analyse(fx, "import itertools\n"
                "def gen():\n    while True:\n        yield 1\n"
                "it = gen()\nids = itertools.count()\n"
                "def f():\n    a = next(it)\n    b = next(ids)\n");
    assert_non_null(f = on_line(fx, "GIL101", 8));
    assert_string_equal(f->f_target, "it");
    assert_true(has_why(f, "resumes the generator gen()"));
    assert_null(on_line(fx, "GIL101", 9));
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "concurrent-resume");
    assert_non_null(strstr(il.il_final, "generator already executing"));
}

/* `try: D[k] += 1 / except KeyError: D[k] = 1`: the handler's store is a check-then-act whose
 * window passes the raise edge of the read. */
static void test_engine_window__key_error_handler(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_wedge *w;
    uint32_t n, i;
    int raise = 0;
    eng_interleaving il;
    analyse(fx, "D = {}\ndef f(k):\n    try:\n        D[k] += 1\n    except KeyError:\n"
                "        D[k] = 1\n"
                "def g(k):\n    try:\n        del D[k]\n    except KeyError:\n        pass\n");
    assert_non_null(f = on_line(fx, "GIL201", 6));
    assert_string_equal(f->f_rel_what, "check");
    assert_int_equal(eng_window_edges(&w, &n, &fx->bf->bf_codes[f->f_code], f->f_first,
                                      f->f_last, fx->a), G_OK);
    for (i = 0; i < n; i++)
        raise |= w[i].we_edge == BC_EDGE_RAISE && w[i].we_from == f->f_first;
    assert_true(raise);
    assert_int_equal(f->f_nswitch, 0);            /* 3.11 enters handlers without a check */
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_non_null(strstr(il.il_steps[il.il_nsteps - 1].st_sees, "overwriting"));
    assert_null(on_line(fx, "GIL201", 9));      /* the documented fix */
}

/* `L += [1]` on a list: in place, nothing lost -- the story follows the type; on an unknown
 * type a caveat says both cases. */
static void test_engine_window__in_place_story(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    analyse(fx, "L = []\ndef f():\n    global L, M\n    L += [1]\n    M += [1]\n");
    assert_non_null(f = on_line(fx, "GIL101", 4));
    assert_string_equal(f->f_target_type, "list");
    assert_true(eng_in_place(f, &fx->bf->bf_codes[f->f_code]));
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "in-place");
    assert_non_null(strstr(il.il_final, "No update is lost"));
    assert_non_null(f = on_line(fx, "GIL101", 5));
    assert_false(eng_in_place(f, &fx->bf->bf_codes[f->f_code]));
    assert_true(has_caveat(f, "works in place"));
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "lost-update");
}

/* Parameters named shared (explain --shared, or the composition's hook) are shared state. */
static void test_engine_window__shared_parameters(void **state)
{
    fixture *fx = *state;
    static char *names[] = { "insert.cache" };
    eng_options opt = { .o_scope_all = 1, .o_shared_params = names, .o_nshared_params = 1 };
    const char *src = "def insert(cache, k, v):\n    if k not in cache:\n        cache[k] = v\n"
                      "def other(cache, k):\n    if k not in cache:\n        cache[k] = 1\n";
    analyse(fx, src);
    assert_null(on_line(fx, "GIL201", 3));
    analyse_opt(fx, src, &opt);
    assert_non_null(on_line(fx, "GIL201", 3));
    assert_null(on_line(fx, "GIL201", 6));      /* another function's parameter */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_window__check_then_act_edges),
        cmocka_unit_test(test_engine_window__python_code_in_window),
        cmocka_unit_test(test_engine_window__caveats_for_unknown_types),
        cmocka_unit_test(test_engine_window__next_on_shared_iterators),
        cmocka_unit_test(test_engine_window__key_error_handler),
        cmocka_unit_test(test_engine_window__in_place_story),
        cmocka_unit_test(test_engine_window__shared_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
