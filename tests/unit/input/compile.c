/* Unit tests for compiling Python source in-process (embedded libpython 3.11) into a .pyc image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode/bytecode.h"
#include "common/err.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "input/input.h"
#include "pyc/pyc.h"
#include "../helpers.h"

/* Findings of a .pyc image under --scope all, as "RULE LINE:COL message" lines sorted. */
static char *findings_of(const uint8_t *pyc, size_t len, arena *a, const eng_kb *kb)
{
    eng_options opt = { .o_scope_all = 1 };
    eng_result res = { NULL, 0, 0 };
    pyc_file *f = NULL;
    bc_file *bf = NULL;
    diag_ctx d;
    char *text = calloc(1, 1 << 16);
    size_t used = 0;
    uint32_t i, j;
    diag_init(&d);
    assert_int_equal(pyc_load_bytes(&f, pyc, len, "x", &d), G_OK);
    assert_int_equal(bc_decode_file(&bf, f, "x", &d), G_OK);
    assert_int_equal(eng_analyze(&res, f, bf, kb, &opt, a, &d, "x"), G_OK);
    /* insertion sort by line, column, rule: the order rep_file would print */
    for (i = 1; i < res.r_count; i++)
        for (j = i; j > 0; j--) {
            finding *p = &res.r_findings[j - 1], *q = &res.r_findings[j], t;
            int after = p->f_line != q->f_line ? p->f_line > q->f_line
                        : p->f_col != q->f_col ? p->f_col > q->f_col
                        : strcmp(p->f_rule, q->f_rule) > 0;
            if (!after)
                break;
            t = *p, *p = *q, *q = t;
        }
    for (i = 0; i < res.r_count; i++)
        used += (size_t)snprintf(text + used, (1 << 16) - used, "%s %d:%d %s\n",
                                 res.r_findings[i].f_rule, res.r_findings[i].f_line,
                                 res.r_findings[i].f_col, res.r_findings[i].f_message);
    pyc_file_free(f);
    diag_free(&d);
    return text;
}

static void compile_text(in_compiled *c, const char *src, size_t len)
{
    diag_ctx d;
    diag_init(&d);
    assert_int_equal(in_compile_bytes(c, (const uint8_t *)src, len, "t.py", &d), G_OK);
    diag_free(&d);
}

static void test_input_compile__source_finds_what_the_fixture_pyc_finds(void **state)
{
    size_t srclen, pyclen;
    uint8_t *src = slurp(resource("fixtures/src/threads.py"), &srclen);
    uint8_t *pyc = slurp(resource("fixtures/pyc/3.11/threads.pyc"), &pyclen);
    in_compiled c;
    diag_ctx d;
    arena *a, *kba;
    eng_kb kb;
    char *ours, *theirs;
    (void)state;
    assert_non_null(src);
    assert_non_null(pyc);
    assert_int_equal(arena_new(&a), G_OK);
    assert_int_equal(arena_new(&kba), G_OK);
    diag_init(&d);
    assert_int_equal(rule_load_dir(&kb, GILCHECK_RULES_DIR, kba, &d), G_OK);
    assert_int_equal(in_compile_bytes(&c, src, srclen, "threads.py", &d), G_OK);
    assert_false(c.ic_syntax);
    assert_non_null(c.ic_pyc);
    assert_int_equal(c.ic_pyc[0] | c.ic_pyc[1] << 8, 3495);
    assert_int_equal(in_magic(), 3495);
    ours = findings_of(c.ic_pyc, c.ic_len, a, &kb);
    theirs = findings_of(pyc, pyclen, a, &kb);
    assert_true(strlen(ours) > 0);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    in_compiled_free(&c);
    free(src);
    free(pyc);
    diag_free(&d);
    arena_free(a);
    arena_free(kba);
}

static void test_input_compile__syntax_error_has_line_and_column(void **state)
{
    static const char src[] = "x = 1\n\ndef f(:\n    pass\n";
    in_compiled c;
    (void)state;
    compile_text(&c, src, sizeof src - 1);
    assert_true(c.ic_syntax);
    assert_null(c.ic_pyc);
    assert_int_equal(c.ic_line, 3);
    assert_int_equal(c.ic_col, 7);
    assert_string_equal(c.ic_msg, "invalid syntax");

    compile_text(&c, "if x:\ny = 1\n", 12);
    assert_true(c.ic_syntax);
    assert_int_equal(c.ic_line, 2);
    assert_int_equal(c.ic_col, 1);
    assert_non_null(strstr(c.ic_msg, "expected an indented block"));
}

static void test_input_compile__latin1_cookie_is_honoured(void **state)
{
    static const char src[] = "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n";
    static const char wrong[] = "# coding: ascii\ns = 'caf\xe9'\n";
    in_compiled c;
    pyc_file *f = NULL;
    diag_ctx d;
    const pyc_obj *consts;
    uint32_t i;
    int found = 0;
    (void)state;
    compile_text(&c, src, sizeof src - 1);
    assert_false(c.ic_syntax);
    diag_init(&d);
    assert_int_equal(pyc_load_bytes(&f, c.ic_pyc, c.ic_len, "t.py", &d), G_OK);
    consts = f->f_root->u.o_code->co_consts;
    for (i = 0; i < consts->u.o_seq.n; i++)
        found |= pyc_str_eq(consts->u.o_seq.items[i], "caf\xc3\xa9");  /* UTF-8 of café */
    assert_true(found);
    pyc_file_free(f);
    in_compiled_free(&c);
    diag_free(&d);

    compile_text(&c, wrong, sizeof wrong - 1);
    assert_true(c.ic_syntax);
    assert_non_null(strstr(c.ic_msg, "ascii"));
}

static void test_input_compile__nul_bytes_and_garbage_are_syntax_errors(void **state)
{
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    in_compiled c;
    (void)state;
    compile_text(&c, "x = 1\ny = 2\0\n", 13);
    assert_true(c.ic_syntax);
    assert_int_equal(c.ic_line, 2);
    assert_int_equal(c.ic_col, 6);
    assert_non_null(strstr(c.ic_msg, "null bytes"));
    compile_text(&c, png, sizeof png - 1);
    assert_true(c.ic_syntax);
    compile_text(&c, "\xff\xfe\xfd garbage \x80\n", 14);
    assert_true(c.ic_syntax);
}

static void test_input_compile__empty_source_compiles(void **state)
{
    in_compiled c;
    pyc_file *f = NULL;
    diag_ctx d;
    (void)state;
    compile_text(&c, "", 0);
    assert_false(c.ic_syntax);
    diag_init(&d);
    assert_int_equal(pyc_load_bytes(&f, c.ic_pyc, c.ic_len, "t.py", &d), G_OK);
    assert_int_equal(f->f_minor, 11);
    pyc_file_free(f);
    in_compiled_free(&c);
    diag_free(&d);
}

/* Nesting CPython refuses: a GIL000 or an error naming the file, never a crash. */
static void test_input_compile__deep_nesting_does_not_crash(void **state)
{
    static const char *const heads[] = { "(", "[", "-", "not ", "f(", "1+" };
    size_t k, i, n = 200000;
    char *src = malloc(n * 4 + 16);
    (void)state;
    for (k = 0; k < sizeof heads / sizeof *heads; k++) {
        size_t len = 0, h = strlen(heads[k]);
        in_compiled c;
        diag_ctx d;
        int rc;
        char buf[512];
        for (i = 0; i < n / h; i++, len += h)
            memcpy(src + len, heads[k], h);
        src[len++] = 'x';
        diag_init(&d);
        rc = in_compile_bytes(&c, (const uint8_t *)src, len, "deep.py", &d);
        if (rc) {
            assert_int_equal(rc, G_EBAD);
            assert_non_null(strstr(diag_format(&d, 0, buf, sizeof buf), "deep.py: cannot compile"));
        } else {
            assert_true(c.ic_syntax || c.ic_pyc);
        }
        in_compiled_free(&c);
        diag_free(&d);
    }
    free(src);
}

static void test_input_compile__unreadable_file_is_named(void **state)
{
    in_compiled c;
    diag_ctx d;
    char buf[512];
    (void)state;
    diag_init(&d);
    assert_int_equal(in_compile_path(&c, "/nonexistent/dir/x.py", &d), G_EIO);
    assert_non_null(strstr(diag_format(&d, 0, buf, sizeof buf),
                           "/nonexistent/dir/x.py: cannot open"));
    diag_free(&d);
}

/* Fail the Nth allocation of ours for N = 0, 1, ... until compiling succeeds: G_ENOMEM with a
 * message, no image, nothing leaked. */
static void test_input_compile__allocation_failures(void **state)
{
    static const char src[] = "import threading\nn = 0\ndef f():\n    global n\n    n += 1\n";
    long n, before = mem_live();
    int rc = G_ENOMEM;
    (void)state;
    for (n = 0; rc == G_ENOMEM && n < 100; n++) {
        in_compiled c;
        diag_ctx d;
        diag_init(&d);
        mem_fail_after(n);
        rc = in_compile_bytes(&c, (const uint8_t *)src, sizeof src - 1, "t.py", &d);
        mem_fail_after(-1);
        if (rc == G_ENOMEM)
            assert_null(c.ic_pyc);
        else
            assert_non_null(c.ic_pyc);
        in_compiled_free(&c);
        diag_free(&d);
        assert_int_equal(mem_live(), before);
    }
    assert_int_equal(rc, G_OK);
}

static int teardown(void **state)
{
    (void)state;
    in_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_compile__source_finds_what_the_fixture_pyc_finds),
        cmocka_unit_test(test_input_compile__syntax_error_has_line_and_column),
        cmocka_unit_test(test_input_compile__latin1_cookie_is_honoured),
        cmocka_unit_test(test_input_compile__nul_bytes_and_garbage_are_syntax_errors),
        cmocka_unit_test(test_input_compile__empty_source_compiles),
        cmocka_unit_test(test_input_compile__deep_nesting_does_not_crash),
        cmocka_unit_test(test_input_compile__unreadable_file_is_named),
        cmocka_unit_test(test_input_compile__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
