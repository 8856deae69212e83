/* Hostile input: every truncation, random bit flips and every allocation failure, on a fixture of
 * each version.  Each must end in an error naming the file and a byte offset (or, for flips that
 * happen to keep the file valid, in success), never a crash, a hang or a leak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "common/mem.h"
#include "pyc/pyc.h"
#include "../helpers.h"

static const int minors[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14 };

/* Load and decode; returns the first error or G_OK.  *msg gets the last message, if any. */
static int decode(const uint8_t *data, size_t len, char *msg, size_t size)
{
    diag_ctx d;
    pyc_file *f = NULL;
    bc_file *bf;
    int rc;
    diag_init(&d);
    rc = pyc_load_bytes(&f, data, len, "hostile.pyc", &d);
    if (!rc)
        rc = bc_decode_file(&bf, f, "hostile.pyc", &d);
    msg[0] = 0;
    if (d.d_count)
        diag_format(&d, d.d_count - 1, msg, size);
    pyc_file_free(f);
    diag_free(&d);
    return rc;
}

static uint8_t *fixture(int minor, const char *name, size_t *len)
{
    char rel[128];
    uint8_t *data;
    snprintf(rel, sizeof rel, "fixtures/pyc/3.%d/%s.pyc", minor, name);
    data = slurp(resource(rel), len);
    if (!data)
        fail_msg("cannot read %s", rel);
    return data;
}

static void test_pyc_hostile__every_truncation_is_an_error_with_an_offset(void **state)
{
    size_t i, len, cut;
    char msg[600];
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        uint8_t *data = fixture(minors[i], "control", &len);
        long before = mem_live();
        assert_int_equal(decode(data, len, msg, sizeof msg), G_OK);
        for (cut = 0; cut < len; cut++) {
            int rc = decode(data, cut, msg, sizeof msg);
            if (rc == G_OK)
                fail_msg("3.%d: %zu of %zu bytes decoded without error", minors[i], cut, len);
            if (!strstr(msg, "hostile.pyc: ") || !strstr(msg, "offset"))
                fail_msg("3.%d cut at %zu: message without file and offset: %s", minors[i], cut,
                         msg);
        }
        assert_int_equal(mem_live(), before);
        free(data);
    }
}

static void test_pyc_hostile__random_bit_flips_never_crash(void **state)
{
    size_t i, len;
    uint32_t seed = 12345;
    char msg[600];
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        uint8_t *data = fixture(minors[i], "basics", &len);
        long before = mem_live();
        int round, errors = 0;
        for (round = 0; round < 3000; round++) {
            int flips = 1 + round % 4, k, rc;
            size_t at[4];
            uint8_t bit[4];
            for (k = 0; k < flips; k++) {
                seed = seed * 1103515245u + 12345u;
                at[k] = (seed >> 8) % len;
                bit[k] = (uint8_t)(1u << ((seed >> 4) & 7));
                data[at[k]] ^= bit[k];
            }
            rc = decode(data, len, msg, sizeof msg);
            if (rc != G_OK) {
                errors++;
                if (!strstr(msg, "hostile.pyc: "))
                    fail_msg("3.%d: message without the file name: %s", minors[i], msg);
            }
            for (k = flips - 1; k >= 0; k--)
                data[at[k]] ^= bit[k];
        }
        print_message("3.%d: 3000 mutants, %d rejected\n", minors[i], errors);
        assert_true(errors > 0);
        assert_int_equal(mem_live(), before);
        free(data);
    }
}

static void test_pyc_hostile__every_allocation_failure_is_clean(void **state)
{
    size_t i, len;
    char msg[600];
    (void)state;
    for (i = 0; i < sizeof minors / sizeof minors[0]; i++) {
        uint8_t *data = fixture(minors[i], "scopes", &len);
        long before = mem_live(), n;
        int rc = G_ENOMEM;
        for (n = 0; rc == G_ENOMEM; n++) {
            mem_fail_after(n);
            rc = decode(data, len, msg, sizeof msg);
            mem_fail_after(-1);
            if (rc != G_OK && rc != G_ENOMEM)
                fail_msg("3.%d: failing allocation %ld gave %s: %s", minors[i], n, err_name(rc),
                         msg);
            assert_int_equal(mem_live(), before);
        }
        print_message("3.%d: decoded after %ld injected failures\n", minors[i], n - 1);
        assert_true(n > 3);
        free(data);
    }
}

static void test_pyc_hostile__wrong_magic_and_empty_files(void **state)
{
    size_t len;
    char msg[600];
    uint8_t *data = fixture(11, "small", &len);
    (void)state;
    data[0] ^= 0xff;
    assert_int_equal(decode(data, len, msg, sizeof msg), G_EVERSION);
    assert_non_null(strstr(msg, "hostile.pyc: unsupported magic number"));
    assert_non_null(strstr(msg, "offset 0"));
    assert_int_equal(decode(data, 0, msg, sizeof msg), G_ETRUNC);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyc_hostile__every_truncation_is_an_error_with_an_offset),
        cmocka_unit_test(test_pyc_hostile__random_bit_flips_never_crash),
        cmocka_unit_test(test_pyc_hostile__every_allocation_failure_is_clean),
        cmocka_unit_test(test_pyc_hostile__wrong_magic_and_empty_files),
    };
    return cmocka_run_group_tests_name("pyc_hostile", tests, NULL, NULL);
}
