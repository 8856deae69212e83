/* Unit tests for `# noqa` comments: per-line codes, file-level directives, strings, labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/mem.h"
#include "input/input.h"
#include "../helpers.h"

static void parse(in_noqa *nq, const char *src)
{
    assert_int_equal(in_noqa_parse(nq, (const uint8_t *)src, strlen(src)), G_OK);
}

static void test_input_noqa__bare_and_coded(void **state)
{
    in_noqa nq;
    (void)state;
    parse(&nq, "a += 1  # noqa\n"
               "b += 1  # noqa: GIL101\n"
               "c += 1  # NOQA:gil104, gil101\n"
               "d += 1  # noqa: GIL104 GIL105\n"
               "e += 1  # type: ignore  # noqa: GIL201\n"
               "f += 1  # noqa:\n"
               "g += 1  # noqa is for linters\n"
               "h += 1  # noqahere\n");
    assert_true(in_noqa_suppressed(&nq, 1, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 1, "GIL301"));
    assert_true(in_noqa_suppressed(&nq, 2, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 2, "GIL301"));
    assert_true(in_noqa_suppressed(&nq, 3, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 3, "GIL104"));
    assert_false(in_noqa_suppressed(&nq, 3, "GIL105"));
    assert_true(in_noqa_suppressed(&nq, 4, "GIL105"));
    assert_false(in_noqa_suppressed(&nq, 4, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 5, "GIL201"));
    assert_false(in_noqa_suppressed(&nq, 5, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 6, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 7, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 8, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 9, "GIL101"));
    in_noqa_free(&nq);
}

static void test_input_noqa__corpus_labels_are_not_noqa(void **state)
{
    in_noqa nq;
    (void)state;
    parse(&nq, "# gilcheck-scope: all\n"
               "count += 1  # expect: GIL101\n"
               "total += 1  # ok\n");
    assert_false(nq.nq_file_all);
    assert_int_equal(nq.nq_count, 0);
    assert_false(in_noqa_suppressed(&nq, 2, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 3, "GIL101"));
    in_noqa_free(&nq);
}

static void test_input_noqa__strings_are_not_comments(void **state)
{
    in_noqa nq;
    (void)state;
    parse(&nq, "s = '# noqa'\n"
               "t = \"\"\"\n"
               "x  # noqa\n"
               "# gilcheck: noqa\n"
               "\"\"\"\n"
               "u = 'it\\'s # noqa'  \n"
               "v = r'\\' # noqa'\n"
               "w = 1  # noqa: GIL104\r\n"
               "x = 2  # noqa: GIL105\r"
               "y = 3  # noqa: GIL201\n");
    assert_false(nq.nq_file_all);
    assert_false(in_noqa_suppressed(&nq, 1, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 3, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 6, "GIL101"));
    assert_false(in_noqa_suppressed(&nq, 7, "GIL101"));
    assert_true(in_noqa_suppressed(&nq, 8, "GIL104"));
    assert_true(in_noqa_suppressed(&nq, 9, "GIL105"));
    assert_true(in_noqa_suppressed(&nq, 10, "GIL201"));
    in_noqa_free(&nq);
}

static void test_input_noqa__file_level(void **state)
{
    in_noqa nq;
    (void)state;
    parse(&nq, "x = 1\n# gilcheck: noqa: GIL201, gil202\n");
    assert_false(nq.nq_file_all);
    assert_true(in_noqa_suppressed(&nq, 40, "GIL201"));
    assert_true(in_noqa_suppressed(&nq, 1, "GIL202"));
    assert_false(in_noqa_suppressed(&nq, 1, "GIL101"));
    in_noqa_free(&nq);
    parse(&nq, "import threading  # gilcheck: noqa\n");
    assert_true(nq.nq_file_all);
    assert_true(in_noqa_suppressed(&nq, 7, "GIL101"));
    in_noqa_free(&nq);
}

static void test_input_noqa__unreadable_source_suppresses_nothing(void **state)
{
    in_noqa nq;
    (void)state;
    assert_int_equal(in_noqa_load(&nq, "/nonexistent/x.py"), G_EIO);
    assert_false(in_noqa_suppressed(&nq, 1, "GIL101"));
    in_noqa_free(&nq);
    assert_int_equal(in_noqa_load(&nq, ""), G_EIO);
    in_noqa_free(&nq);
}

/* Fail the Nth allocation for N = 0, 1, ... until parsing succeeds: G_ENOMEM, nothing leaks. */
static void test_input_noqa__allocation_failures(void **state)
{
    static const char src[] = "a  # noqa: GIL101, GIL104\nb  # noqa\n# gilcheck: noqa: GIL201\n"
                              "# gilcheck: noqa: GIL202\n";
    long n, before = mem_live();
    int rc = G_ENOMEM;
    in_noqa nq;
    (void)state;
    for (n = 0; rc == G_ENOMEM && n < 1000; n++) {
        mem_fail_after(n);
        rc = in_noqa_parse(&nq, (const uint8_t *)src, sizeof src - 1);
        mem_fail_after(-1);
        if (rc == G_ENOMEM)
            assert_int_equal(nq.nq_count, 0);
        in_noqa_free(&nq);
        assert_int_equal(mem_live(), before);
    }
    assert_int_equal(rc, G_OK);
    assert_true(n > 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_noqa__bare_and_coded),
        cmocka_unit_test(test_input_noqa__corpus_labels_are_not_noqa),
        cmocka_unit_test(test_input_noqa__strings_are_not_comments),
        cmocka_unit_test(test_input_noqa__file_level),
        cmocka_unit_test(test_input_noqa__unreadable_source_suppresses_nothing),
        cmocka_unit_test(test_input_noqa__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
