/* Unit tests for the language server's framing: Content-Length headers split at every byte,
 * framing errors, the buffered reader on a pipe. */
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
    const char two[] = "Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]"
                       "Content-Length: 9\r\n\r\n{";
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lsp_frame__whole_and_split),
        cmocka_unit_test(test_lsp_frame__errors),
        cmocka_unit_test(test_lsp_frame__reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
