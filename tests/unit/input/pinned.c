/* Unit tests for the pinned embedded interpreter: every decoy of issue 15's item 3 planted in the
 * current directory, `.` and that directory on PATH, PYTHONHOME and PYTHONPATH pointing at it;
 * the interpreter's sys.path, prefix and modules are the build's and nothing planted runs. */
#define _DEFAULT_SOURCE  /* mkdtemp, setenv */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "input/input.h"
#include "../helpers.h"

#ifndef GILCHECK_TEST_PYTHON_HOME
#error "GILCHECK_TEST_PYTHON_HOME / _STDLIB / _DYNLOAD are the build's (tests/CMakeLists.txt)"
#endif

static char dir[256], marker[320];

static void plant(const char *rel, const char *text, mode_t mode)
{
    char path[512], *slash;
    FILE *fp;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        mkdir(path, 0755);
        *slash = '/';
    }
    assert_non_null(fp = fopen(path, "w"));
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

/* str(x) of an object, as UTF-8, into buf. */
static const char *text_of(PyObject *o, char *buf, size_t size)
{
    PyObject *s = o ? PyObject_Str(o) : NULL;
    snprintf(buf, size, "%s", s && PyUnicode_AsUTF8(s) ? PyUnicode_AsUTF8(s) : "?");
    Py_XDECREF(s);
    PyErr_Clear();
    return buf;
}

static void test_input_pinned__decoys_in_the_current_directory(void **state)
{
    char payload[600], path[4096], buf[1024];
    const char *old_path = getenv("PATH");
    PyObject *sp, *enc, *file;
    (void)state;
    snprintf(dir, sizeof dir, "%s", "/tmp/gilcheck-pinned-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(marker, sizeof marker, "%s/PLANTED-CODE-RAN", dir);
    snprintf(payload, sizeof payload, "import posix\nposix.close(posix.open(%s%s%s, "
             "posix.O_CREAT | posix.O_WRONLY, 0o644))\n", "'", marker, "'");
    plant("python3", "#!/bin/sh\nexit 0\n", 0755);
    plant("python3._pth", ".\nlib\n", 0644);
    snprintf(buf, sizeof buf, "home = %s\n", dir);
    plant("pyvenv.cfg", buf, 0644);
    plant("lib/python3.11/os.py", payload, 0644);
    plant("lib/python3.11/lib-dynload/.keep", "", 0644);
    plant("encodings/__init__.py", payload, 0644);
    plant("codecs.py", payload, 0644);
    plant("site.py", payload, 0644);
    plant("tomllib/__init__.py", payload, 0644);
    assert_int_equal(chdir(dir), 0);
    snprintf(path, sizeof path, ".:%s:%s", dir, old_path ? old_path : "/usr/bin");
    setenv("PATH", path, 1);
    setenv("PYTHONHOME", dir, 1);
    setenv("PYTHONPATH", dir, 1);
    setenv("PYTHONSTARTUP", "site.py", 1);

    assert_int_equal(in_python_start(), 0);
    assert_int_equal(access(marker, F_OK), -1);          /* nothing planted ran */

    /* sys.path is exactly the build's standard library and lib-dynload */
    sp = PySys_GetObject("path");
    assert_non_null(sp);
    assert_int_equal(PyList_Size(sp), 2);
    assert_string_equal(text_of(PyList_GetItem(sp, 0), buf, sizeof buf), GILCHECK_TEST_PYTHON_STDLIB);
    assert_string_equal(text_of(PyList_GetItem(sp, 1), buf, sizeof buf), GILCHECK_TEST_PYTHON_DYNLOAD);
    assert_string_equal(text_of(PySys_GetObject("prefix"), buf, sizeof buf), GILCHECK_TEST_PYTHON_HOME);
    assert_string_equal(text_of(PySys_GetObject("base_prefix"), buf, sizeof buf),
                        GILCHECK_TEST_PYTHON_HOME);
    assert_null(strstr(text_of(PySys_GetObject("executable"), buf, sizeof buf), dir));
    assert_int_equal(PyObject_IsTrue(PyObject_GetAttrString(PySys_GetObject("flags"),
                                                            "isolated")), 1);
    /* the encodings package came from the standard library (codecs is frozen or built in) */
    enc = PyImport_ImportModule("encodings");
    assert_non_null(enc);
    file = PyObject_GetAttrString(enc, "__file__");
    assert_non_null(file);
    assert_memory_equal(text_of(file, buf, sizeof buf), GILCHECK_TEST_PYTHON_STDLIB "/",
                        strlen(GILCHECK_TEST_PYTHON_STDLIB) + 1);
    Py_DECREF(file);
    Py_DECREF(enc);
    /* ... and so does what gilcheck imports itself: tomllib for configuration */
    {
        char *js = NULL;
        diag_ctx d;
        diag_init(&d);
        assert_int_equal(in_toml_to_json(&js, (const uint8_t *)"a = 1\n", 6, "x.toml", &d), G_OK);
        assert_string_equal(js, "{\"a\": 1}");
        free(js);
        diag_free(&d);
    }
    assert_int_equal(access(marker, F_OK), -1);
    in_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_pinned__decoys_in_the_current_directory),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[400];
    if (dir[0]) {               /* the planted tree */
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
