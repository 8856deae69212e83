/* Unit tests for drv_spill, a run's records while it waits for all of them: records come back
 * as they were put, whether they stayed in memory or went to the temporary file; without a
 * usable temporary directory everything stays in memory; allocation failures leak nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "driver/driver.h"

#define N 8
#define SIZE ((size_t)1 << 20)   /* 8 records of 1 MB: more than stays in memory */

/* Record i's bytes: a pattern of its own. */
static uint8_t *record(size_t i, size_t n)
{
    uint8_t *p = malloc(n);
    size_t k;
    assert_non_null(p);
    for (k = 0; k < n; k++)
        p[k] = (uint8_t)(k * 31 + i * 7 + (k >> 12));
    return p;
}

static void put_and_get(int expect_file)
{
    drv_spill *s;
    const uint8_t *got;
    size_t len, i;
    assert_int_equal(drv_spill_new(&s, N + 1), G_OK);
    for (i = 0; i < N; i++) {
        uint8_t *p = record(i, SIZE - i);
        assert_int_equal(drv_spill_put(s, i, p, SIZE - i), G_OK);
        free(p);
    }
    assert_int_equal(drv_spill_in_file(s), expect_file);
    for (i = N; i-- > 0;) {              /* in any order */
        uint8_t *p = record(i, SIZE - i);
        assert_int_equal(drv_spill_get(&got, &len, s, i), G_OK);
        assert_int_equal(len, SIZE - i);
        assert_memory_equal(got, p, len);
        free(p);
    }
    /* a record put again replaces the first; one never put is empty */
    {
        static const uint8_t small[] = "small";
        assert_int_equal(drv_spill_put(s, 3, small, sizeof small), G_OK);
        assert_int_equal(drv_spill_get(&got, &len, s, 3), G_OK);
        assert_int_equal(len, sizeof small);
        assert_memory_equal(got, small, sizeof small);
        assert_int_equal(drv_spill_get(&got, &len, s, N), G_OK);
        assert_int_equal(len, 0);
    }
    drv_spill_free(s);
}

static void test_driver_spill__memory_then_file(void **state)
{
    (void)state;
    unsetenv("TMPDIR");
    put_and_get(1);
}

static void test_driver_spill__no_temporary_directory(void **state)
{
    (void)state;
    setenv("TMPDIR", "/nonexistent/gilcheck-test", 1);
    put_and_get(0);
    unsetenv("TMPDIR");
}

static void test_driver_spill__allocation_failures(void **state)
{
    long n, before = mem_live();
    int rc = G_ENOMEM;
    uint8_t *p = record(0, SIZE);
    (void)state;
    for (n = 0; rc == G_ENOMEM && n < 100; n++) {
        drv_spill *s;
        size_t i;
        const uint8_t *got;
        size_t len;
        if (drv_spill_new(&s, N))
            continue;
        mem_fail_after(n);
        rc = G_OK;
        for (i = 0; i < N && !rc; i++)
            rc = drv_spill_put(s, i, p, SIZE);
        for (i = 0; i < N && !rc; i++)
            rc = drv_spill_get(&got, &len, s, i);
        mem_fail_after(-1);
        assert_true(rc == G_OK || rc == G_ENOMEM);
        drv_spill_free(s);
        assert_int_equal(mem_live(), before);
    }
    assert_int_equal(rc, G_OK);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_spill__memory_then_file),
        cmocka_unit_test(test_driver_spill__no_temporary_directory),
        cmocka_unit_test(test_driver_spill__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
