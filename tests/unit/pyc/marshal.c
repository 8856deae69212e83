/* Unit tests for the marshal reader: every type code, references, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/arena.h"
#include "common/err.h"
#include "common/mem.h"
#include "pyc/pyc.h"
#include "../helpers.h"

typedef struct fixture {
    arena *a;
    diag_ctx d;
    bytes b;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx || arena_new(&fx->a))
        return -1;
    diag_init(&fx->d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    arena_free(fx->a);
    diag_free(&fx->d);
    free(fx);
    return 0;
}

static int load(fixture *fx, int minor, const pyc_obj **out)
{
    return pyc_unmarshal(out, NULL, fx->a, fx->b.b, fx->b.n, 16, minor, "t.pyc", &fx->d);
}

static const char *last_msg(fixture *fx)
{
    static char buf[512];
    assert_true(fx->d.d_count > 0);
    return diag_format(&fx->d, fx->d.d_count - 1, buf, sizeof buf);
}

static void test_pyc_marshal__scalars(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    double g = 2.5;
    uint64_t bits;
    put_u8(&fx->b, ')');
    put_u8(&fx->b, 9);
    put_u8(&fx->b, 'N');
    put_u8(&fx->b, 'T');
    put_u8(&fx->b, 'F');
    put_u8(&fx->b, '.');
    put_u8(&fx->b, 'S');
    put_u8(&fx->b, 'i');
    put_i32(&fx->b, -7);
    put_u8(&fx->b, 'g');
    memcpy(&bits, &g, 8);
    put_raw(&fx->b, &bits, 8);
    put_u8(&fx->b, 'f');
    put_u8(&fx->b, 4);
    put_raw(&fx->b, "-0.5", 4);
    put_u8(&fx->b, 'x');
    put_u8(&fx->b, 1);
    put_raw(&fx->b, "1", 1);
    put_u8(&fx->b, 3);
    put_raw(&fx->b, "2.0", 3);
    assert_int_equal(load(fx, 11, &o), G_OK);
    assert_int_equal(o->o_kind, PYC_TUPLE);
    assert_int_equal(o->u.o_seq.n, 9);
    assert_int_equal(o->u.o_seq.items[0]->o_kind, PYC_NONE);
    assert_int_equal(o->u.o_seq.items[1]->o_kind, PYC_TRUE);
    assert_int_equal(o->u.o_seq.items[2]->o_kind, PYC_FALSE);
    assert_int_equal(o->u.o_seq.items[3]->o_kind, PYC_ELLIPSIS);
    assert_int_equal(o->u.o_seq.items[4]->o_kind, PYC_STOPITER);
    assert_int_equal(o->u.o_seq.items[5]->u.o_int, -7);
    assert_true(o->u.o_seq.items[6]->u.o_float == 2.5);
    assert_true(o->u.o_seq.items[7]->u.o_float == -0.5);
    assert_true(o->u.o_seq.items[8]->u.o_complex.re == 1.0);
    assert_true(o->u.o_seq.items[8]->u.o_complex.im == 2.0);
    assert_int_equal(o->u.o_seq.items[5]->o_offset, 16 + 7);
}

static void test_pyc_marshal__long_digits_and_checks(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    /* -(1 + 2*2^15) */
    put_u8(&fx->b, 'l');
    put_i32(&fx->b, -2);
    put_u8(&fx->b, 1); put_u8(&fx->b, 0);
    put_u8(&fx->b, 2); put_u8(&fx->b, 0);
    assert_int_equal(load(fx, 9, &o), G_OK);
    assert_int_equal(o->o_kind, PYC_LONG);
    assert_int_equal(o->u.o_long.n, -2);
    assert_int_equal(o->u.o_long.digits[1], 2);

    fx->b.n = 0;  /* a digit of 2^15 is out of range */
    put_u8(&fx->b, 'l');
    put_i32(&fx->b, 1);
    put_u8(&fx->b, 0); put_u8(&fx->b, 0x80);
    assert_int_equal(load(fx, 9, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "digit out of range in long"));

    fx->b.n = 0;  /* a zero top digit is unnormalized */
    put_u8(&fx->b, 'l');
    put_i32(&fx->b, 2);
    put_u8(&fx->b, 1); put_u8(&fx->b, 0);
    put_u8(&fx->b, 0); put_u8(&fx->b, 0);
    assert_int_equal(load(fx, 9, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "unnormalized long data"));
}

static void test_pyc_marshal__strings(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    put_u8(&fx->b, '(');
    put_i32(&fx->b, 4);
    put_u8(&fx->b, 'u');
    put_i32(&fx->b, 3);
    put_raw(&fx->b, "\xc3\xa9x", 3);           /* "éx" */
    put_u8(&fx->b, 't');
    put_i32(&fx->b, 3);
    put_raw(&fx->b, "\xed\xa0\x80", 3);        /* a lone surrogate: allowed */
    put_u8(&fx->b, 'a');
    put_i32(&fx->b, 2);
    put_raw(&fx->b, "h\xe9", 2);               /* Latin-1 in an ASCII type */
    put_u8(&fx->b, 's');
    put_i32(&fx->b, 2);
    put_raw(&fx->b, "\0\xff", 2);
    assert_int_equal(load(fx, 12, &o), G_OK);
    assert_int_equal(o->u.o_seq.items[0]->o_kind, PYC_STR);
    assert_int_equal(o->u.o_seq.items[0]->u.o_str.len, 3);
    assert_int_equal(o->u.o_seq.items[1]->u.o_str.len, 3);
    assert_int_equal(o->u.o_seq.items[2]->u.o_str.len, 3);
    assert_memory_equal(o->u.o_seq.items[2]->u.o_str.s, "h\xc3\xa9", 3);
    assert_int_equal(o->u.o_seq.items[3]->o_kind, PYC_BYTES);

    fx->b.n = 0;
    put_u8(&fx->b, 'u');
    put_i32(&fx->b, 2);
    put_raw(&fx->b, "\xc0\x80", 2);            /* overlong NUL */
    assert_int_equal(load(fx, 12, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "invalid UTF-8"));
}

static void test_pyc_marshal__containers(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    put_u8(&fx->b, '[');
    put_i32(&fx->b, 3);
    put_u8(&fx->b, '{');
    put_short_str(&fx->b, "k");
    put_u8(&fx->b, 'N');
    put_u8(&fx->b, '0');
    put_u8(&fx->b, '<');
    put_i32(&fx->b, 1);
    put_u8(&fx->b, 'T');
    put_u8(&fx->b, '>');
    put_i32(&fx->b, 0);
    assert_int_equal(load(fx, 10, &o), G_OK);
    assert_int_equal(o->o_kind, PYC_LIST);
    assert_int_equal(o->u.o_seq.items[0]->o_kind, PYC_DICT);
    assert_int_equal(o->u.o_seq.items[0]->u.o_seq.n, 1);
    assert_true(pyc_str_eq(o->u.o_seq.items[0]->u.o_seq.items[0], "k"));
    assert_int_equal(o->u.o_seq.items[1]->o_kind, PYC_SET);
    assert_int_equal(o->u.o_seq.items[2]->o_kind, PYC_FROZENSET);
    assert_int_equal(o->u.o_seq.items[2]->u.o_seq.n, 0);
}

static void test_pyc_marshal__slice_only_in_314(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    put_u8(&fx->b, ':');
    put_u8(&fx->b, 'N');
    put_u8(&fx->b, 'i');
    put_i32(&fx->b, 3);
    put_u8(&fx->b, 'N');
    assert_int_equal(load(fx, 14, &o), G_OK);
    assert_int_equal(o->o_kind, PYC_SLICE);
    assert_int_equal(o->u.o_seq.items[1]->u.o_int, 3);
    assert_int_equal(load(fx, 13, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "at offset 16 (unknown type code)"));
}

static void test_pyc_marshal__references(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    uint32_t nrefs;
    /* (ref0 = 'abc', r0, r1 = 5, r1) */
    put_u8(&fx->b, ')' | 0x80);       /* the tuple itself is ref 0 */
    put_u8(&fx->b, 4);
    put_u8(&fx->b, 'z' | 0x80);       /* ref 1 */
    put_u8(&fx->b, 3);
    put_raw(&fx->b, "abc", 3);
    put_u8(&fx->b, 'r');
    put_i32(&fx->b, 1);
    put_u8(&fx->b, 'i' | 0x80);       /* ref 2 */
    put_i32(&fx->b, 5);
    put_u8(&fx->b, 'r');
    put_i32(&fx->b, 2);
    assert_int_equal(pyc_unmarshal(&o, &nrefs, fx->a, fx->b.b, fx->b.n, 0, 11, "t", &fx->d),
                     G_OK);
    assert_int_equal(nrefs, 3);
    assert_ptr_equal(o->u.o_seq.items[0], o->u.o_seq.items[1]);
    assert_ptr_equal(o->u.o_seq.items[2], o->u.o_seq.items[3]);
}

static void test_pyc_marshal__bad_references(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    put_u8(&fx->b, ')');
    put_u8(&fx->b, 1);
    put_u8(&fx->b, 'r');
    put_i32(&fx->b, 0);               /* nothing registered yet: dangling */
    assert_int_equal(load(fx, 11, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "at offset 18 (invalid reference)"));

    fx->b.n = 0;                      /* a tuple that contains itself */
    put_u8(&fx->b, ')' | 0x80);
    put_u8(&fx->b, 1);
    put_u8(&fx->b, 'r');
    put_i32(&fx->b, 0);
    assert_int_equal(load(fx, 11, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "invalid reference"));

    fx->b.n = 0;
    put_u8(&fx->b, 'r');
    put_i32(&fx->b, -1);
    assert_int_equal(load(fx, 11, &o), G_EBAD);
}

static void test_pyc_marshal__huge_declared_lengths_fail_before_allocating(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    static const char types[] = "(s[<>ual";
    const char *t;
    for (t = types; *t; t++) {
        fx->b.n = 0;
        put_u8(&fx->b, (unsigned char)*t);
        put_i32(&fx->b, INT32_MAX);   /* 2^31 - 1 items, a few bytes of data */
        put_u8(&fx->b, 'N');
        mem_fail_after(4);            /* a huge allocation would need more than that anyway */
        assert_int_not_equal(load(fx, 11, &o), G_OK);
        mem_fail_after(-1);
        assert_int_not_equal(fx->d.d_msgs[fx->d.d_count - 1].dm_code, G_ENOMEM);
        assert_non_null(strstr(last_msg(fx), "out of range"));
    }
}

static void test_pyc_marshal__deep_nesting_is_refused(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    size_t depth = 100000, i;
    uint8_t *deep = malloc(depth * 2 + 1);
    assert_non_null(deep);
    for (i = 0; i < depth; i++) {
        deep[2 * i] = ')';
        deep[2 * i + 1] = 1;
    }
    deep[2 * depth] = 'N';
    assert_int_equal(pyc_unmarshal(&o, NULL, fx->a, deep, depth * 2 + 1, 0, 11, "t", &fx->d),
                     G_EDEPTH);
    assert_non_null(strstr(last_msg(fx), "at offset 4000 (nested too deeply)"));
    free(deep);
}

static void test_pyc_marshal__truncation_and_unknown_codes(void **state)
{
    fixture *fx = *state;
    const pyc_obj *o;
    put_u8(&fx->b, 'i');
    put_u8(&fx->b, 1);
    assert_int_equal(load(fx, 11, &o), G_ETRUNC);
    fx->b.n = 0;
    assert_int_equal(load(fx, 11, &o), G_ETRUNC);
    assert_non_null(strstr(last_msg(fx), "EOF read where object expected"));
    put_u8(&fx->b, 'Q');
    assert_int_equal(load(fx, 11, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "t.pyc: bad marshal data at offset 16 (unknown type code)"));
    fx->b.n = 0;
    put_u8(&fx->b, '0');              /* NULL is only a dict terminator */
    assert_int_equal(load(fx, 11, &o), G_EBAD);
    fx->b.n = 0;
    put_u8(&fx->b, ')');
    put_u8(&fx->b, 1);
    put_u8(&fx->b, '0');
    assert_int_equal(load(fx, 11, &o), G_EBAD);
    assert_non_null(strstr(last_msg(fx), "NULL object in tuple"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pyc_marshal__scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__long_digits_and_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__containers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__slice_only_in_314, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__bad_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__huge_declared_lengths_fail_before_allocating,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__deep_nesting_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pyc_marshal__truncation_and_unknown_codes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("pyc_marshal", tests, NULL, NULL);
}
