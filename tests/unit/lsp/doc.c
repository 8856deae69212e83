/* Unit tests for the language server's documents: UTF-8/UTF-16 positions with non-ASCII text,
 * edits, file URIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/err.h"
#include "lsp/lsp.h"
#include "../helpers.h"

/* "a é 😀 z": bytes a0 ' '1 é2-3 ' '4 😀5-8 ' '9 z10;
 * UTF-16 units a0 ' '1 é2 ' '3 😀4-5 ' '6 z7 */
static const char line[] = "a \xC3\xA9 \xF0\x9F\x98\x80 z\r\nnext";

static void test_lsp_doc__positions(void **state)
{
    size_t len = strlen(line);
    (void)state;
    assert_int_equal(lsp_offset_of(line, len, 0, 7, LSP_UTF16), 10);
    assert_int_equal(lsp_offset_of(line, len, 0, 10, LSP_UTF8), 10);
    assert_int_equal(lsp_offset_of(line, len, 0, 4, LSP_UTF16), 5);
    assert_int_equal(lsp_offset_of(line, len, 0, 5, LSP_UTF16), 5);   /* inside the pair */
    assert_int_equal(lsp_offset_of(line, len, 0, 3, LSP_UTF8), 2);    /* inside é */
    assert_int_equal(lsp_offset_of(line, len, 0, 99, LSP_UTF16), 11); /* before \r\n */
    assert_int_equal(lsp_offset_of(line, len, 1, 2, LSP_UTF16), 15);
    assert_int_equal(lsp_offset_of(line, len, 7, 0, LSP_UTF16), len);
    assert_int_equal(lsp_char_of_col(line, len, 0, 10, LSP_UTF16), 7);
    assert_int_equal(lsp_char_of_col(line, len, 0, 10, LSP_UTF8), 10);
    assert_int_equal(lsp_char_of_col(line, len, 0, 5, LSP_UTF16), 4);
    assert_int_equal(lsp_char_of_col(line, len, 0, 9, LSP_UTF16), 6);
    assert_int_equal(lsp_char_of_col(line, len, 0, 99, LSP_UTF16), 8);
    assert_int_equal(lsp_char_of_col(line, len, 0, 99, LSP_UTF8), 11);
    assert_int_equal(lsp_line_start(line, len, 1), 13);
    /* an invalid byte is one character, one unit */
    assert_int_equal(lsp_char_of_col("\xFFz", 2, 0, 1, LSP_UTF16), 1);
    assert_int_equal(lsp_offset_of("\xFFz", 2, 0, 1, LSP_UTF16), 1);
}

static void test_lsp_doc__splice_and_uri(void **state)
{
    char *t = strdup("hello world"), buf[64];
    size_t n = strlen(t);
    (void)state;
    assert_int_equal(lsp_splice(&t, &n, 6, 11, "there, big world", 16), G_OK);
    assert_string_equal(t, "hello there, big world");
    assert_int_equal(lsp_splice(&t, &n, 0, 6, "", 0), G_OK);
    assert_string_equal(t, "there, big world");
    assert_int_equal(lsp_splice(&t, &n, 99, 3, "!", 1), G_OK);   /* clamped */
    assert_string_equal(t, "there, big world!");
    free(t);
    lsp_uri_path("file:///home/u/caf%C3%A9%20x.py", buf, sizeof buf);
    assert_string_equal(buf, "/home/u/caf\xC3\xA9 x.py");
    lsp_uri_path("file://host/share/a.py", buf, sizeof buf);
    assert_string_equal(buf, "/share/a.py");
    lsp_uri_path("untitled:Untitled-1", buf, sizeof buf);
    assert_string_equal(buf, "untitled:Untitled-1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lsp_doc__positions),
        cmocka_unit_test(test_lsp_doc__splice_and_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
