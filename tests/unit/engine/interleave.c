/* Unit tests for eng_interleave: the schedules it builds from real findings (compiled by the
 * embedded 3.11), their order and values, findings without a window, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/mem.h"
#include "../helpers.h"
#include "compiled.h"

static const finding *only(const fixture *fx, const char *rule)
{
    uint32_t i;
    for (i = 0; i < fx->res.r_count; i++)
        if (!strcmp(fx->res.r_findings[i].f_rule, rule))
            return &fx->res.r_findings[i];
    fail_msg("no %s finding", rule);
    return NULL;
}

static void test_engine_interleave__lost_update_of_a_counter(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    uint32_t i, switches = 0, reads = 0, writes = 0;
    analyse(fx, "count = 0\n\ndef work():\n    global count\n    count += 1\n");
    f = only(fx, "GIL101");
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "lost-update");
    assert_true(il.il_nsteps >= 6);
    assert_int_equal(il.il_steps[0].st_thread, 'A');
    assert_int_equal(il.il_steps[il.il_nsteps - 1].st_thread, 'A');
    assert_int_equal(il.il_steps[il.il_nsteps - 1].st_offset, f->f_last);
    for (i = 0; i < il.il_nsteps; i++) {
        const eng_step *s = &il.il_steps[i];
        switches += s->st_switch;
        if (s->st_sees && !strcmp(s->st_sees, "reads count = 0"))
            reads++;
        if (s->st_sees && !strcmp(s->st_sees, "writes count = 1"))
            writes++;
        assert_true(s->st_instr >= 0);
        assert_non_null(s->st_opname);
    }
    assert_int_equal(switches, 2);
    assert_int_equal(reads, 2);
    assert_int_equal(writes, 2);
    /* 3.11 has no GIL switch point between LOAD_GLOBAL and STORE_GLOBAL: A stops at the read */
    assert_false(il.il_gil);
    assert_int_equal(il.il_switch_at, f->f_first);
    assert_string_equal(il.il_final, "count = 1: B's update is lost");
    pyc_file_free(fx->pf);
    fx->pf = NULL;
}

static void test_engine_interleave__call_in_the_window_is_a_gil_switch(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    analyse(fx, "count = 0\n\ndef work():\n    global count\n    count = abs(count) + 1\n");
    f = only(fx, "GIL101");
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_true(il.il_gil);
    assert_true(il.il_switch_at > f->f_first && il.il_switch_at < f->f_last);
    pyc_file_free(fx->pf);
    fx->pf = NULL;
}

static void test_engine_interleave__check_then_act_and_stale_read(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    analyse(fx, "D = {}\nL = []\n\ndef work(k, v):\n    if k not in D:\n        D[k] = v\n"
                "    L.append(L[-1])\n");
    f = only(fx, "GIL201");
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "check-then-act");
    assert_non_null(strstr(il.il_final, "B's insert is lost"));
    f = only(fx, "GIL105");
    assert_int_equal(eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], fx->a), G_OK);
    assert_string_equal(il.il_kind, "stale-read");
    {
        uint32_t i, other = 0;
        for (i = 0; i < il.il_nsteps; i++)
            other += il.il_steps[i].st_instr < 0 && il.il_steps[i].st_thread == 'B';
        assert_int_equal(other, 1);
    }
    pyc_file_free(fx->pf);
    fx->pf = NULL;
}

static void test_engine_interleave__no_window_is_refused(void **state)
{
    fixture *fx = *state;
    eng_interleaving il;
    finding f;
    analyse(fx, "count = 0\n\ndef work():\n    global count\n    count += 1\n");
    f = *only(fx, "GIL101");
    f.f_rule = "GIL301";
    assert_int_equal(eng_interleave(&il, &f, &fx->bf->bf_codes[f.f_code], fx->a), G_EBAD);
    assert_int_equal(il.il_nsteps, 0);
    f = *only(fx, "GIL101");
    f.f_first = 1;   /* not an instruction */
    assert_int_equal(eng_interleave(&il, &f, &fx->bf->bf_codes[f.f_code], fx->a), G_EBAD);
    pyc_file_free(fx->pf);
    fx->pf = NULL;
}

static void test_engine_interleave__allocation_failures(void **state)
{
    fixture *fx = *state;
    const finding *f;
    eng_interleaving il;
    long n;
    int rc;
    analyse(fx, "count = 0\n\ndef work():\n    global count\n    count += 1\n");
    f = only(fx, "GIL101");
    for (n = 0;; n++) {
        arena *a;
        assert_int_equal(arena_new(&a), G_OK);
        mem_fail_after(n);
        rc = eng_interleave(&il, f, &fx->bf->bf_codes[f->f_code], a);
        mem_fail_after(-1);
        arena_free(a);
        if (rc == G_OK)
            break;
        assert_int_equal(rc, G_ENOMEM);
        assert_true(n < 1000);
    }
    pyc_file_free(fx->pf);
    fx->pf = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_interleave__lost_update_of_a_counter),
        cmocka_unit_test(test_engine_interleave__call_in_the_window_is_a_gil_switch),
        cmocka_unit_test(test_engine_interleave__check_then_act_and_stale_read),
        cmocka_unit_test(test_engine_interleave__no_window_is_refused),
        cmocka_unit_test(test_engine_interleave__allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
