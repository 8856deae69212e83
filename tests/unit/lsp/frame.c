/* Unit tests for the language server's framing and positions: Content-Length headers split at
 * every byte, framing errors, UTF-8/UTF-16 conversions with non-ASCII text, edits, file URIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/err.h"
#include "lsp/lsp.h"
#include "../helpers.h"

static int parse(const char *s, size_t n, size_t *hdr, size_t *body)
{
    char err[128];
    return lsp_frame_parse((const uint8_t *)s, n, hdr, body, err, sizeof err);
}

static void test_lsp_frame__whole_and_split(void **state)
{
    const char msg[] = "Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc; "
                       "charset=utf-8\r\n\r\n{\"a\":1}trailing";
    size_t full = strlen(msg) - strlen("trailing"), hdr, body, i;
    (void)state;
    assert_int_equal(parse(msg, strlen(msg), &hdr, &body), 1);
    assert_int_equal(body, 7);
    assert_int_equal(hdr + body, full);
    assert_memory_equal(msg + hdr, "{\"a\":1}", 7);
    for (i = 0; i < full; i++)                 /* every prefix needs more bytes */
        assert_int_equal(parse(msg, i, &hdr, &body), 0);
    assert_int_equal(parse("content-length:0\n\n", 18, &hdr, &body), 1);  /* bare LF, any case */
    assert_int_equal(body, 0);
}

static void test_lsp_frame__errors(void **state)
{
    static const char *const bad[] = {
        "no colon here\r\n\r\n",
        "Content-Type: x\r\n\r\n{}",
        "Content-Length: \r\n\r\n",
        "Content-Length: 1 2\r\n\r\n",
        "Content-Length: -1\r\n\r\n",
        "Content-Length: 0x10\r\n\r\n",
        "Content-Length: 999999999999999999999999\r\n\r\n",
    };
    char big[LSP_MAX_HEADER + 10];
    size_t hdr, body, i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(parse(bad[i], strlen(bad[i]), &hdr, &body), G_EBAD);
    memset(big, 'a', sizeof big);
    assert_int_equal(parse(big, sizeof big, &hdr, &body), G_EBAD);
}

static void test_lsp_frame__reader(void **state)
{
    int fds[2];
    const uint8_t *b;
    size_t n;
    char err[128];
    lsp_reader r;
    const char two[] = "Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]Content-Length: 9\r\n\r\n{";
    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], two, strlen(two)), (ssize_t)strlen(two));
    close(fds[1]);
    lsp_reader_init(&r, fds[0]);
    assert_int_equal(lsp_reader_next(&r, &b, &n, err, sizeof err), 1);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "{}", 2);
    assert_int_equal(lsp_reader_next(&r, &b, &n, err, sizeof err), 1);
    assert_memory_equal(b, "[1]", 3);
    assert_int_equal(lsp_reader_next(&r, &b, &n, err, sizeof err), G_ETRUNC);
    lsp_reader_free(&r);
    close(fds[0]);
}

/* "a é 😀 z": bytes a0 ' '1 é2-3 ' '4 😀5-8 ' '9 z10; UTF-16 units a0 ' '1 é2 ' '3 😀4-5 ' '6 z7 */
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
        cmocka_unit_test(test_lsp_frame__whole_and_split),
        cmocka_unit_test(test_lsp_frame__errors),
        cmocka_unit_test(test_lsp_frame__reader),
        cmocka_unit_test(test_lsp_doc__positions),
        cmocka_unit_test(test_lsp_doc__splice_and_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
