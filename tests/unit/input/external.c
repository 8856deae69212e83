/* Unit tests for compiling with an external interpreter (input_external.c): a real pyenv
 * interpreter when present, and fake ones that fail, answer garbage, hang or flood. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "input/input.h"
#include "pyc/pyc.h"
#include "../helpers.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gilcheck-ext-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* An executable shell script in tmpdir standing in for an interpreter. */
static const char *fake(const char *name, const char *body)
{
    static char path[128];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static int compile(in_compiled *c, const char *python, const char *src, diag_ctx *d)
{
    return in_compile_external(c, python, (const uint8_t *)src, strlen(src), "t.py", d);
}

static void test_input_external__real_interpreter_gives_its_version(void **state)
{
    char py[4096], marker[128], src[256];
    in_compiled c;
    pyc_file *f = NULL;
    diag_ctx d;
    int minor;
    (void)state;
    for (minor = 9; minor >= 6; minor--)
        if (!in_find_python(py, sizeof py, minor))
            break;
    if (minor < 6)
        skip();
    snprintf(marker, sizeof marker, "%s/ran", tmpdir);
    /* compiling must not run the code: the marker file must not appear */
    snprintf(src, sizeof src, "open(%c%s%c, 'w').write('x')\ncount = 0\n", '"', marker, '"');
    diag_init(&d);
    assert_int_equal(compile(&c, py, src, &d), G_OK);
    assert_false(c.ic_syntax);
    assert_non_null(c.ic_pyc);
    assert_int_equal(pyc_load_bytes(&f, c.ic_pyc, c.ic_len, "t.py", &d), G_OK);
    assert_int_equal(f->f_minor, minor);
    assert_int_not_equal(access(marker, F_OK), 0);
    pyc_file_free(f);
    in_compiled_free(&c);
    /* a syntax error comes back as one, with its line */
    assert_int_equal(compile(&c, py, "x = 1\ny = (\n", &d), G_OK);
    assert_true(c.ic_syntax);
    assert_null(c.ic_pyc);
    assert_true(c.ic_line >= 2);
    assert_true(strlen(c.ic_msg) > 0);
    diag_free(&d);
}

static void expect_failure(const char *python, int code, const char *text)
{
    in_compiled c;
    diag_ctx d;
    char buf[1400];
    diag_init(&d);
    assert_int_equal(compile(&c, python, "x = 1\n", &d), code);
    assert_null(c.ic_pyc);
    assert_int_equal(d.d_count, 1);
    diag_format(&d, 0, buf, sizeof buf);
    if (!strstr(buf, text) || !strstr(buf, "t.py"))
        fail_msg("message '%s' lacks '%s'", buf, text);
    diag_free(&d);
}

static void test_input_external__missing_interpreter_is_named(void **state)
{
    (void)state;
    expect_failure("/nonexistent/python3", G_EIO, "cannot compile with /nonexistent/python3");
}

static void test_input_external__failing_interpreter_gives_its_status(void **state)
{
    (void)state;
    expect_failure(fake("fails", "echo 'Traceback: boom' >&2; exit 3"), G_EIO,
                   "exit status 3: Traceback: boom");
}

static void test_input_external__garbage_answer(void **state)
{
    (void)state;
    expect_failure(fake("garbage", "echo hello"), G_EBAD, "no image");
    expect_failure(fake("badhex", "printf 'GILCHECK-PYC-BEGIN\\nzz\\nGILCHECK-PYC-END\\n'"), G_EBAD,
                   "garbled image");
    expect_failure(fake("short", "printf 'GILCHECK-PYC-BEGIN\\n00ff\\nGILCHECK-PYC-END\\n'"),
                   G_EBAD, "short image");
}

static void test_input_external__hanging_interpreter_times_out(void **state)
{
    (void)state;
    setenv("GILCHECK_COMPILE_TIMEOUT_MS", "300", 1);
    expect_failure(fake("hangs", "exec sleep 30"), G_EIO, "timed out");
    unsetenv("GILCHECK_COMPILE_TIMEOUT_MS");
}

static void test_input_external__flooding_interpreter_is_cut_off(void **state)
{
    (void)state;
    expect_failure(fake("floods", "exec yes 0123456789abcdef0123456789abcdef"), G_EIO,
                   "output too large");
}

static void test_input_external__finds_pyenv_layout(void **state)
{
    char out[4096], dir[200];
    const char *old = getenv("PYENV_ROOT");
    char *saved = old ? strdup(old) : NULL;
    (void)state;
    snprintf(dir, sizeof dir, "%s/versions/3.8.3/bin", tmpdir);
    {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "mkdir -p %s %s/versions/3.8.12/bin && touch %s/python3 "
                 "%s/versions/3.8.12/bin/python3 && chmod +x %s/python3 "
                 "%s/versions/3.8.12/bin/python3", dir, tmpdir, dir, tmpdir, dir, tmpdir);
        assert_int_equal(system(cmd), 0);
    }
    setenv("PYENV_ROOT", tmpdir, 1);
    assert_int_equal(in_find_python(out, sizeof out, 8), G_OK);
    assert_non_null(strstr(out, "/versions/3.8.12/bin/python3"));
    {   /* not in pyenv: python3.7 on PATH, in an absolute directory only */
        const char *oldpath = getenv("PATH");
        char *savedpath = oldpath ? strdup(oldpath) : NULL, cmd[1024], path[600];
        snprintf(cmd, sizeof cmd, "mkdir -p %s/pathbin && touch %s/pathbin/python3.7 && "
                 "chmod +x %s/pathbin/python3.7", tmpdir, tmpdir, tmpdir);
        assert_int_equal(system(cmd), 0);
        setenv("PATH", "/nonexistent", 1);
        assert_int_equal(in_find_python(out, sizeof out, 7), G_EIO);
        snprintf(path, sizeof path, "/nonexistent:%s/pathbin", tmpdir);
        setenv("PATH", path, 1);
        assert_int_equal(in_find_python(out, sizeof out, 7), G_OK);
        assert_non_null(strstr(out, "/pathbin/python3.7"));
        assert_int_equal(chdir(tmpdir), 0);
        setenv("PATH", "pathbin", 1);   /* a relative entry: never searched */
        assert_int_equal(in_find_python(out, sizeof out, 7), G_EIO);
        if (savedpath)
            setenv("PATH", savedpath, 1);
        free(savedpath);
    }
    if (saved)
        setenv("PYENV_ROOT", saved, 1);
    else
        unsetenv("PYENV_ROOT");
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_external__real_interpreter_gives_its_version),
        cmocka_unit_test(test_input_external__missing_interpreter_is_named),
        cmocka_unit_test(test_input_external__failing_interpreter_gives_its_status),
        cmocka_unit_test(test_input_external__garbage_answer),
        cmocka_unit_test(test_input_external__hanging_interpreter_times_out),
        cmocka_unit_test(test_input_external__flooding_interpreter_is_cut_off),
        cmocka_unit_test(test_input_external__finds_pyenv_layout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
