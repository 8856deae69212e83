/* Unit tests for .pyc headers: magic numbers, the 12- and 16-byte layouts, hash-based pycs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "pyc/pyc.h"
#include "../helpers.h"

static void test_pyc_header__final_magics_map_to_their_versions(void **state)
{
    static const int magic[] = { 3379, 3394, 3413, 3425, 3439, 3495, 3531, 3571, 3627 };
    int i, minor;
    (void)state;
    for (i = 0; i < 9; i++) {
        assert_int_equal(pyc_magic_minor(&minor, magic[i]), G_OK);
        assert_int_equal(minor, 6 + i);
    }
}

static void test_pyc_header__prerelease_magics_map_to_their_versions(void **state)
{
    int minor;
    (void)state;
    assert_int_equal(pyc_magic_minor(&minor, 3360), G_OK);
    assert_int_equal(minor, 6);
    assert_int_equal(pyc_magic_minor(&minor, 3450), G_OK);
    assert_int_equal(minor, 11);
    assert_int_equal(pyc_magic_minor(&minor, 3550), G_OK);
    assert_int_equal(minor, 13);
    assert_int_equal(pyc_magic_minor(&minor, 3600), G_OK);
    assert_int_equal(minor, 14);
}

static void test_pyc_header__unknown_magics_are_rejected(void **state)
{
    int minor;
    (void)state;
    assert_int_equal(pyc_magic_minor(&minor, 3350), G_EVERSION);  /* 3.5 */
    assert_int_equal(pyc_magic_minor(&minor, 3440), G_EVERSION);  /* between 3.10 and 3.11 */
    assert_int_equal(pyc_magic_minor(&minor, 3650), G_EVERSION);  /* 3.15 */
    assert_int_equal(pyc_magic_minor(&minor, 62211), G_EVERSION); /* Python 2.7 */
}

static int read_header(bytes *b, pyc_file *f, diag_ctx *d)
{
    memset(f, 0, sizeof *f);
    return pyc_read_header(f, b->b, b->n, "x.pyc", d);
}

static void test_pyc_header__timestamp_layouts(void **state)
{
    bytes b = { .n = 0 };
    pyc_file f;
    diag_ctx d;
    (void)state;
    diag_init(&d);
    put_u8(&b, 3379 & 0xff); put_u8(&b, 3379 >> 8); put_u8(&b, '\r'); put_u8(&b, '\n');
    put_i32(&b, 1700000000);
    put_i32(&b, 1234);
    assert_int_equal(read_header(&b, &f, &d), G_OK);
    assert_int_equal(f.f_minor, 6);
    assert_int_equal(f.f_header_size, 12);
    assert_int_equal(f.f_mtime, 1700000000);
    assert_int_equal(f.f_srcsize, 1234);

    b.n = 0;
    put_u8(&b, 3495 & 0xff); put_u8(&b, 3495 >> 8); put_u8(&b, '\r'); put_u8(&b, '\n');
    put_i32(&b, 0);
    put_i32(&b, 1700000001);
    put_i32(&b, 99);
    assert_int_equal(read_header(&b, &f, &d), G_OK);
    assert_int_equal(f.f_minor, 11);
    assert_int_equal(f.f_header_size, 16);
    assert_int_equal(f.f_flags, 0);
    assert_int_equal(f.f_mtime, 1700000001);
    assert_int_equal(f.f_srcsize, 99);
    diag_free(&d);
}

static void test_pyc_header__hash_based(void **state)
{
    bytes b = { .n = 0 };
    pyc_file f;
    diag_ctx d;
    (void)state;
    diag_init(&d);
    put_u8(&b, 3571 & 0xff); put_u8(&b, 3571 >> 8); put_u8(&b, '\r'); put_u8(&b, '\n');
    put_i32(&b, PYC_FLAG_HASH | PYC_FLAG_CHECK);
    put_raw(&b, "ABCDEFGH", 8);
    assert_int_equal(read_header(&b, &f, &d), G_OK);
    assert_int_equal(f.f_minor, 13);
    assert_int_equal(f.f_flags, 3);
    assert_memory_equal(f.f_hash, "ABCDEFGH", 8);
    diag_free(&d);
}

static void test_pyc_header__bad_headers_name_file_and_offset(void **state)
{
    bytes b = { .n = 0 };
    pyc_file f;
    diag_ctx d;
    char buf[256];
    (void)state;
    diag_init(&d);
    put_u8(&b, 3495 & 0xff); put_u8(&b, 3495 >> 8); put_u8(&b, '\r'); put_u8(&b, '\n');
    put_i32(&b, 4); /* an undefined flag bit */
    put_i32(&b, 0);
    put_i32(&b, 0);
    assert_int_equal(read_header(&b, &f, &d), G_EBAD);
    assert_non_null(strstr(diag_format(&d, 0, buf, sizeof buf), "x.pyc: bad header at offset 4"));

    b.n = 10; /* 16-byte header cut short */
    assert_int_equal(read_header(&b, &f, &d), G_ETRUNC);
    assert_non_null(strstr(diag_format(&d, 1, buf, sizeof buf), "offset 10"));

    b.b[2] = 'x';
    assert_int_equal(read_header(&b, &f, &d), G_EBAD);
    b.b[2] = '\r';
    b.b[0] = 0; b.b[1] = 0;
    assert_int_equal(read_header(&b, &f, &d), G_EVERSION);
    b.n = 3;
    assert_int_equal(read_header(&b, &f, &d), G_ETRUNC);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyc_header__final_magics_map_to_their_versions),
        cmocka_unit_test(test_pyc_header__prerelease_magics_map_to_their_versions),
        cmocka_unit_test(test_pyc_header__unknown_magics_are_rejected),
        cmocka_unit_test(test_pyc_header__timestamp_layouts),
        cmocka_unit_test(test_pyc_header__hash_based),
        cmocka_unit_test(test_pyc_header__bad_headers_name_file_and_offset),
    };
    return cmocka_run_group_tests_name("pyc_header", tests, NULL, NULL);
}
