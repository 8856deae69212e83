/* Unit tests for the report stage's source helper: lines, UTF-16 and character columns, line
 * fingerprints, and reading under failing allocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

#include "common/mem.h"
#include "report/rep_int.h"
#include "../helpers.h"

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void test_report_source__columns_count_utf16_units_and_characters(void **state)
{
    /* "é" 2 bytes, "名" 3, "😀" 4 (a surrogate pair in UTF-16) */
    const char *line = "s = \"\xc3\xa9\xe5\x90\x8d\xf0\x9f\x98\x80\"; n += 1";
    size_t len = strlen(line);
    (void)state;
    assert_int_equal(rep_column(line, len, 1, 1), 1);
    assert_int_equal(rep_column(line, len, 6, 1), 6);      /* "é" starts at byte 6 */
    assert_int_equal(rep_column(line, len, 8, 1), 7);      /* "名" */
    assert_int_equal(rep_column(line, len, 11, 1), 8);     /* "😀" */
    assert_int_equal(rep_column(line, len, 15, 1), 10);    /* the closing quote: 2 units back */
    assert_int_equal(rep_column(line, len, 15, 0), 9);     /* ...and 1 character */
    assert_int_equal(rep_column(line, len, 18, 1), 13);    /* "n" */
    assert_int_equal(rep_column(line, len, (int32_t)len + 1, 1), 19);  /* end, exclusive */
    assert_int_equal(rep_column(line, len, (int32_t)len + 3, 0), 20);  /* past the end */
    assert_int_equal(rep_column(line, len, -1, 1), -1);    /* unknown stays unknown */
}

static void test_report_source__lines_and_fingerprints(void **state)
{
    char path[] = "/tmp/gilcheck-source-XXXXXX", a[64], b[64], c[64];
    const char text[] = "x = 1\r\n    count += 1\n\rcount  +=  1\ncount += 2\n";
    rep_source s;
    size_t len;
    const char *l;
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, text, sizeof text - 1);
    assert_int_equal(rep_source_load(&s, path), 0);
    assert_int_equal(s.rs_nlines, 5);                      /* "\r\n", "\n", lone "\r" */
    l = rep_source_line(&s, 1, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(l, "x = 1", 5);
    l = rep_source_line(&s, 4, &len);
    assert_memory_equal(l, "count  +=  1", len);
    assert_null(rep_source_line(&s, 6, &len));
    assert_null(rep_source_line(&s, 0, &len));
    /* whitespace does not count; the second "count += 1" is occurrence 2 */
    assert_non_null(rep_line_fingerprint(&s, 2, a, sizeof a));
    assert_non_null(rep_line_fingerprint(&s, 4, b, sizeof b));
    assert_non_null(rep_line_fingerprint(&s, 5, c, sizeof c));
    assert_int_equal(strlen(a), 18);
    assert_memory_equal(a, b, 16);
    assert_string_equal(a + 16, ":1");
    assert_string_equal(b + 16, ":2");
    assert_memory_not_equal(a, c, 16);
    assert_null(rep_line_fingerprint(&s, 9, c, sizeof c));
    rep_source_free(&s);
    assert_null(s.rs_text);

    write_file(path, "", 0);                                /* empty: one empty line */
    assert_int_equal(rep_source_load(&s, path), 0);
    assert_int_equal(s.rs_nlines, 1);
    rep_source_free(&s);
    unlink(path);
    assert_int_equal(rep_source_load(&s, path), -1);       /* unreadable: empty, no lines */
    assert_null(rep_source_line(&s, 1, &len));
    assert_null(rep_line_fingerprint(&s, 1, a, sizeof a));
    rep_source_free(&s);
}

/* Fail the Nth allocation for N = 0, 1, 2 ... until loading succeeds: never a crash or a leak. */
static void test_report_source__failing_allocations(void **state)
{
    char path[] = "/tmp/gilcheck-source-XXXXXX";
    rep_source s;
    long n, live = mem_live();
    int fd = mkstemp(path), ok = 0;
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "a\nb\nc\n", 6);
    for (n = 0; n < 20 && !ok; n++) {
        mem_fail_after(n);
        ok = rep_source_load(&s, path) == 0;
        mem_fail_after(-1);
        if (ok)
            assert_int_equal(s.rs_nlines, 3);
        else
            assert_null(s.rs_text);
        rep_source_free(&s);
        assert_int_equal(mem_live(), live);
    }
    assert_true(ok);
    assert_true(n > 1);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_source__columns_count_utf16_units_and_characters),
        cmocka_unit_test(test_report_source__lines_and_fingerprints),
        cmocka_unit_test(test_report_source__failing_allocations),
    };
    return cmocka_run_group_tests_name("report_source", tests, NULL, NULL);
}
