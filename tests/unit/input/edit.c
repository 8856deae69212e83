/* Unit tests for compiling an edited buffer by one function (in_compile_edited): after each edit
 * the image must hold the code objects a whole compile of the new text gives -- compared field by
 * field in Python, nested code included -- and the edits that stay inside one function's body
 * must have taken the short way (in_compile_edit_counts), the others the whole compile. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "input/input.h"
#include "../helpers.h"

/* Python's own view of "the same compile": every co_* field, constants by type and repr,
 * nested code objects the same way.  Independent of the C comparison in input_edit.c. */
static const char same_py[] =
    "import marshal, types\n"
    "def _same(a, b):\n"
    "    if type(a) is not type(b):\n"
    "        return False\n"
    "    if isinstance(a, types.CodeType):\n"
    "        for k in dir(a):\n"
    "            if k.startswith('co_') and k not in ('co_consts', 'co_lnotab'):\n"
    "                x, y = getattr(a, k), getattr(b, k)\n"
    "                if callable(x):\n"
    "                    x, y = list(x()), list(y())\n"
    "                if x != y:\n"
    "                    return False\n"
    "        return _same(a.co_consts, b.co_consts)\n"
    "    if isinstance(a, tuple):\n"
    "        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))\n"
    "    return repr(a) == repr(b)\n"
    "def same_images(a, b):\n"
    "    return _same(marshal.loads(a[16:]), marshal.loads(b[16:]))\n";

static PyObject *same_images_fn;

static int setup(void **state)
{
    PyObject *g;
    (void)state;
    if (in_python_start())
        return -1;
    g = PyDict_New();
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    if (!PyRun_String(same_py, Py_file_input, g, g))
        return -1;
    same_images_fn = PyDict_GetItemString(g, "same_images");
    Py_INCREF(same_images_fn);
    Py_DECREF(g);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    Py_XDECREF(same_images_fn);
    in_shutdown();
    return 0;
}

static const char base_src[] =
    "from __future__ import annotations\n"                         /* 1 */
    "import threading\n"
    "count = 0\n"
    "\n"
    "def work(n: int = 3) -> int:\n"                               /* 5 */
    "    global count\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        count += 1\n"
    "        total += sum(x for x in range(i))\n"                  /* 10 */
    "    return total\n"
    "\n"
    "class Pool(object):\n"
    "    def __init__(self):\n"
    "        self.__lock = threading.Lock()\n"                     /* 15 */
    "        self.items = []\n"
    "\n"
    "    @property\n"
    "    def size(self):\n"
    "        n = len(self.items)\n"                                /* 20 */
    "        return n\n"
    "\n"
    "    def put(self, x,\n"
    "            y=None):\n"
    "        with self.__lock:\n"                                  /* 25 */
    "            self.items.append(x)\n"
    "        return [i * 2 for i in self.items]\n"
    "\n"
    "if count:\n"
    "    def late():\n"                                           /* 30 */
    "        return 0.0\n"
    "\n"
    "x = work()\n";

/* base_src with the first occurrence of `from` replaced by `to`. */
static char *edited(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    size_t n = strlen(src) - strlen(from) + strlen(to);
    char *out = mem_alloc(n + 1);
    assert_non_null(at);
    assert_non_null(out);
    memcpy(out, src, (size_t)(at - src));
    strcpy(out + (at - src), to);
    strcat(out, at + strlen(from));
    return out;
}

/* Compiles text as the next version of the buffer, and whole; asserts the images are the same
 * compile and returns which way the buffer went (1: by one function). */
static int step(const char *text)
{
    in_compiled e, w;
    diag_ctx d;
    size_t whole0, part0, whole1, part1;
    PyObject *a, *b, *r;
    diag_init(&d);
    in_compile_edit_counts(&whole0, &part0);
    assert_int_equal(in_compile_edited(&e, (const uint8_t *)text, strlen(text), "pkg/pool.py",
                                       &d), G_OK);
    in_compile_edit_counts(&whole1, &part1);
    assert_int_equal(in_compile_bytes(&w, (const uint8_t *)text, strlen(text), "pkg/pool.py", &d),
                     G_OK);
    assert_int_equal(e.ic_syntax, w.ic_syntax);
    if (!w.ic_syntax) {
        a = PyBytes_FromStringAndSize((const char *)e.ic_pyc, (Py_ssize_t)e.ic_len);
        b = PyBytes_FromStringAndSize((const char *)w.ic_pyc, (Py_ssize_t)w.ic_len);
        r = PyObject_CallFunctionObjArgs(same_images_fn, a, b, NULL);
        assert_non_null(r);
        assert_true(r == Py_True);
        Py_DECREF(r);
        Py_DECREF(a);
        Py_DECREF(b);
    }
    in_compiled_free(&e);
    in_compiled_free(&w);
    diag_free(&d);
    assert_int_equal(whole1 + part1, whole0 + part0 + 1);
    return part1 == part0 + 1;
}

static void test_input_edit__a_body_edit_compiles_one_function(void **state)
{
    char *t1, *t2, *t3, *t4, *t5, *t6;
    (void)state;
    in_compile_forget(NULL);
    assert_false(step(base_src));                       /* first sight: whole */
    /* inside a module-level function, with a generator expression nested in it */
    t1 = edited(base_src, "count += 1\n", "count += 2\n");
    assert_true(step(t1));
    /* inside a method: name mangling (self.__lock) and a comprehension */
    t2 = edited(t1, "self.items.append(x)", "self.items.append(y)");
    assert_true(step(t2));
    t3 = edited(t2, "[i * 2 for", "[i * 3 for");
    assert_true(step(t3));
    /* a decorated method's body; a function indented under `if` */
    t4 = edited(t3, "n = len(self.items)", "n = len(self.items) + 1");
    assert_true(step(t4));
    t5 = edited(t4, "return 0.0", "return -0.0");
    assert_true(step(t5));
    /* the same text again */
    assert_true(step(t5));
    /* a function's last line, longer: the `def` statement's place in the class body ends where
     * its body ends (and the class statement's in the module, for the last method), so their
     * location tables change too */
    mem_free(t1);
    t1 = edited(t5, "return n\n", "return n + 1\n");
    assert_true(step(t1));
    mem_free(t2);
    t2 = edited(t1, "for i in self.items]\n", "for i in self.items if i]\n");
    assert_true(step(t2));
    mem_free(t1);
    t1 = edited(t2, "return total\n", "return total + 10000\n");
    assert_true(step(t1));
    mem_free(t5);
    t5 = t1;
    t1 = NULL;
    /* super() gives the method a __class__ cell the class body must provide: whole */
    t6 = edited(t5, "with self.__lock:", "with super().x:");
    assert_false(step(t6));
    mem_free(t1);
    mem_free(t2);
    mem_free(t3);
    mem_free(t4);
    mem_free(t5);
    mem_free(t6);
}

static void test_input_edit__other_edits_compile_whole(void **state)
{
    char *t[8];
    size_t i;
    (void)state;
    in_compile_forget(NULL);
    assert_false(step(base_src));
    /* a default value, an annotation (a string under the __future__ import), the name */
    t[0] = edited(base_src, "n: int = 3", "n: int = 4");
    assert_false(step(t[0]));
    t[1] = edited(t[0], "-> int:", "-> float:");
    assert_false(step(t[1]));
    /* the second line of a two-line signature */
    t[2] = edited(t[1], "y=None):", "y=1):");
    assert_false(step(t[2]));
    /* module code; a new statement after a function */
    t[3] = edited(t[2], "x = work()", "x = work(2)");
    assert_false(step(t[3]));
    t[4] = edited(t[3], "    return total\n", "    return total\ntotal = 1\n");
    assert_false(step(t[4]));
    /* a syntax error, then its fix, which is diffed to the last text that compiled */
    mem_free(t[4]);
    t[4] = mem_alloc(strlen(t[3]) + 1);
    assert_non_null(t[4]);
    strcpy(t[4], t[3]);
    assert_false(step(t[4]));   /* module code removed */
    t[5] = edited(t[4], "return total\n", "return total)\n");
    assert_false(step(t[5]));
    t[6] = edited(t[4], "return total\n", "return totl\n");
    assert_true(step(t[6]));
    /* a body line dedented out of the function: the rest is module code now */
    t[7] = edited(t[6], "    return totl\n", "x = totl\n");
    assert_false(step(t[7]));
    for (i = 0; i < 8; i++)
        mem_free(t[i]);
}

/* Lines added to a function and taken out again: everything after it moves, and the code
 * objects after it are the whole compile's at their new lines. */
static void test_input_edit__lines_added_and_removed(void **state)
{
    char *t[8];
    size_t i;
    (void)state;
    in_compile_forget(NULL);
    assert_false(step(base_src));
    /* a line in a module-level function: the class after it moves down */
    t[0] = edited(base_src, "    total = 0\n", "    total = 0\n    total += 1\n");
    assert_true(step(t[0]));
    /* two lines in a method; one taken out of another */
    t[1] = edited(t[0], "        self.items = []\n",
                  "        self.items = []\n        self.seen = set()\n        self.n = 0\n");
    assert_true(step(t[1]));
    t[2] = edited(t[1], "        n = len(self.items)\n", "");
    assert_true(step(t[2]));
    /* Enter at the end of a function's last line, then typing there */
    t[3] = edited(t[2], "        return [i * 2 for i in self.items]\n",
                  "        return [i * 2 for i in self.items]\n        \n");
    assert_true(step(t[3]));    /* a line of spaces after the function: what follows moves */
    t[4] = edited(t[2], "        return [i * 2 for i in self.items]\n",
                  "        r = [i * 2 for i in self.items]\n        return r\n");
    assert_true(step(t[4]));
    /* a multi-line statement split across lines, in the function indented under `if` */
    t[5] = edited(t[4], "        return 0.0\n", "        return (0.0 +\n                1)\n");
    assert_true(step(t[5]));
    /* a blank line inside a function, then a line joined */
    t[6] = edited(t[5], "    global count\n", "    global count\n\n");
    assert_true(step(t[6]));
    t[7] = edited(t[6], "    total = 0\n    total += 1\n", "    total = 0; total += 1\n");
    assert_true(step(t[7]));
    for (i = 0; i < 8; i++)
        mem_free(t[i]);
}

static void test_input_edit__paths_are_kept_apart(void **state)
{
    in_compiled c;
    diag_ctx d;
    size_t whole0, part0, whole1, part1;
    char *t = edited(base_src, "count += 1\n", "count += 5\n");
    (void)state;
    in_compile_forget(NULL);
    diag_init(&d);
    assert_false(step(base_src));
    /* another path's first sight is whole, even with the text the first path had */
    in_compile_edit_counts(&whole0, &part0);
    assert_int_equal(in_compile_edited(&c, (const uint8_t *)t, strlen(t), "other.py", &d), G_OK);
    in_compile_edit_counts(&whole1, &part1);
    assert_int_equal(whole1, whole0 + 1);
    assert_int_equal(part1, part0);
    in_compiled_free(&c);
    /* the first path still diffs to its own text */
    assert_true(step(t));
    in_compile_forget("pkg/pool.py");
    assert_false(step(base_src));
    diag_free(&d);
    mem_free(t);
}

/* Every `return X` line of the embedded Python's threading.py made `return (X)`, and a `pass`
 * line added before it -- each edit and its undoing compiled by the buffer's way and whole: the
 * same code (a line that continues makes a syntax error both ways), and most of them by one
 * function. */
static void test_input_edit__every_return_of_threading_py(void **state)
{
    char path[4096];
    size_t len, i, at = 0, tried = 0, part = 0;
    uint8_t *src;
    int e;
    (void)state;
    in_compile_forget(NULL);
    snprintf(path, sizeof path, "%s/threading.py", in_python_path(0));
    assert_int_equal(in_read_file(&src, &len, &e, path), G_OK);
    src = mem_realloc(src, len + 1);
    assert_non_null(src);
    src[len] = 0;
    assert_false(step((const char *)src));
    for (i = 0; i < len; i = at + 1) {
        const char *line = (const char *)src + i, *nl = strchr(line, '\n'), *r;
        size_t n;
        char *text;
        at = nl ? (size_t)(nl - (const char *)src) : len;
        n = (size_t)(at - i);
        r = line;
        while (r < line + n && *r == ' ')
            r++;
        if (r == line || (size_t)(line + n - r) < 8 || strncmp(r, "return ", 7) ||
            memchr(r, '#', (size_t)(line + n - r)))
            continue;
        text = mem_alloc(len + (size_t)(r - line) + 6);
        assert_non_null(text);
        memcpy(text, src, (size_t)(r - (const char *)src) + 7);
        text[r - (const char *)src + 7] = '(';
        memcpy(text + (r - (const char *)src) + 8, r + 7, (size_t)(line + n - r) - 7);
        text[at + 1] = ')';
        memcpy(text + at + 2, src + at, len - at);
        text[len + 2] = 0;
        tried++;
        part += (size_t)step(text);
        part += (size_t)step((const char *)src);
        /* a line added before it, and taken out again: all that follows moves */
        memcpy(text, src, i);
        memcpy(text + i, line, (size_t)(r - line));
        memcpy(text + i + (r - line), "pass\n", 5);
        memcpy(text + i + (r - line) + 5, src + i, len - i);
        text[len + (size_t)(r - line) + 5] = 0;
        part += (size_t)step(text);
        part += (size_t)step((const char *)src);
        mem_free(text);
    }
    print_message("threading.py: %zu lines, %zu of %zu compiles by one function\n", tried, part,
                  4 * tried);
    assert_true(tried >= 40);
    assert_true(part >= 2 * tried);     /* at least half of the edits and undoings */
    mem_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_edit__a_body_edit_compiles_one_function),
        cmocka_unit_test(test_input_edit__other_edits_compile_whole),
        cmocka_unit_test(test_input_edit__lines_added_and_removed),
        cmocka_unit_test(test_input_edit__paths_are_kept_apart),
        cmocka_unit_test(test_input_edit__every_return_of_threading_py),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
