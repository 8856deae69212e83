/* Differential test: our marshal reader against CPython 3.11's marshal.loads (embedded libpython)
 * on every 3.11 .pyc of the tests, and on the 3.11 standard library when it is installed. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "pyc/pyc.h"
#include "../helpers.h"

/* Objects of ours already matched, and the Python object each matched: a shared reference on
 * our side must be the very same object on CPython's. */
typedef struct seen {
    const pyc_obj **s_ours;
    PyObject **s_theirs;
    size_t s_n, s_cap;
} seen;

static char where[512];  /* path of the first difference, for the failure message */

static int differ(const char *what)
{
    snprintf(where + strlen(where), sizeof where - strlen(where), " <- %s", what);
    return 1;
}

static int compare(const pyc_obj *o, PyObject *p, seen *s);

static PyObject *long_value(const pyc_obj *o)
{
    int32_t n = o->u.o_long.n, count = n < 0 ? -n : n, i;
    PyObject *v = PyLong_FromLong(0), *shift = PyLong_FromLong(15);
    for (i = count - 1; i >= 0 && v; i--) {
        PyObject *t = PyNumber_Lshift(v, shift), *d = PyLong_FromLong(o->u.o_long.digits[i]);
        Py_DECREF(v);
        v = t && d ? PyNumber_Add(t, d) : NULL;
        Py_XDECREF(t);
        Py_XDECREF(d);
    }
    if (v && n < 0) {
        PyObject *neg = PyNumber_Negative(v);
        Py_DECREF(v);
        v = neg;
    }
    Py_DECREF(shift);
    return v;
}

/* Our str or bytes as CPython would hold them. */
static PyObject *text_value(const pyc_obj *o)
{
    if (o->o_kind == PYC_BYTES)
        return PyBytes_FromStringAndSize(o->u.o_str.s, o->u.o_str.len);
    return PyUnicode_DecodeUTF8(o->u.o_str.s, o->u.o_str.len, "surrogatepass");
}

static int compare_seq(const pyc_obj *o, PyObject *p, seen *s)
{
    uint32_t i;
    PyObject *fast = PySequence_Fast(p, "not a sequence");
    int rc = 0;
    if (!fast)
        return differ("sequence");
    if ((size_t)PySequence_Fast_GET_SIZE(fast) != o->u.o_seq.n)
        rc = differ("length");
    for (i = 0; !rc && i < o->u.o_seq.n; i++)
        if (compare(o->u.o_seq.items[i], PySequence_Fast_GET_ITEM(fast, i), s))
            rc = differ("item");
    Py_DECREF(fast);
    return rc;
}

/* Set elements in code objects are constants: find the equal element on CPython's side (same
 * type too, so 1 and 1.0 and True are told apart) and compare the two. */
static int compare_set(const pyc_obj *o, PyObject *p, seen *s)
{
    uint32_t i;
    if ((size_t)PySet_Size(p) != o->u.o_seq.n)
        return differ("set size");
    for (i = 0; i < o->u.o_seq.n; i++) {
        PyObject *it = PyObject_GetIter(p), *e;
        int found = 0;
        while (it && (e = PyIter_Next(it))) {
            char saved[sizeof where];
            memcpy(saved, where, sizeof where);
            if (!found && !compare(o->u.o_seq.items[i], e, s))
                found = 1;
            memcpy(where, saved, sizeof where);
            Py_DECREF(e);
        }
        Py_XDECREF(it);
        if (!found)
            return differ("set element");
    }
    return 0;
}

static int compare_int_attr(PyObject *p, const char *attr, long want)
{
    PyObject *v = PyObject_GetAttrString(p, attr);
    long got = v ? PyLong_AsLong(v) : -12345;
    Py_XDECREF(v);
    return got != want ? differ(attr) : 0;
}

static int compare_attr(PyObject *p, const char *attr, const pyc_obj *o, seen *s)
{
    PyObject *v = PyObject_GetAttrString(p, attr);
    int rc = v ? compare(o, v, s) : 1;
    Py_XDECREF(v);
    return rc ? differ(attr) : 0;
}

/* co_varnames / co_cellvars / co_freevars are derived from localsplus by kind in 3.11. */
static int compare_names_by_kind(PyObject *p, const char *attr, const pyc_code *c, int kind)
{
    PyObject *v = PyObject_GetAttrString(p, attr);
    Py_ssize_t k = 0;
    uint32_t i;
    int rc = 0;
    if (!v || !PyTuple_Check(v))
        rc = 1;
    for (i = 0; !rc && i < c->co_nlocalnames; i++) {
        PyObject *mine;
        if (!(c->co_localkinds[i] & kind))
            continue;
        mine = text_value(c->co_localnames[i]);
        if (k >= PyTuple_GET_SIZE(v) || !mine ||
            PyObject_RichCompareBool(mine, PyTuple_GET_ITEM(v, k), Py_EQ) != 1)
            rc = 1;
        Py_XDECREF(mine);
        k++;
    }
    if (!rc && k != PyTuple_GET_SIZE(v))
        rc = 1;
    Py_XDECREF(v);
    return rc ? differ(attr) : 0;
}

static int compare_code(const pyc_code *c, PyObject *p, seen *s)
{
    if (!PyCode_Check(p))
        return differ("code type");
    return compare_int_attr(p, "co_argcount", c->co_argcount) ||
           compare_int_attr(p, "co_posonlyargcount", c->co_posonlyargcount) ||
           compare_int_attr(p, "co_kwonlyargcount", c->co_kwonlyargcount) ||
           compare_int_attr(p, "co_nlocals", c->co_nlocals) ||
           compare_int_attr(p, "co_stacksize", c->co_stacksize) ||
           compare_int_attr(p, "co_flags", c->co_flags) ||
           compare_int_attr(p, "co_firstlineno", c->co_firstlineno) ||
           compare_attr(p, "co_code", c->co_code, s) ||
           compare_attr(p, "co_consts", c->co_consts, s) ||
           compare_attr(p, "co_names", c->co_names, s) ||
           compare_attr(p, "co_filename", c->co_filename, s) ||
           compare_attr(p, "co_name", c->co_name, s) ||
           compare_attr(p, "co_qualname", c->co_qualname, s) ||
           compare_attr(p, "co_linetable", c->co_linetable, s) ||
           compare_attr(p, "co_exceptiontable", c->co_exceptiontable, s) ||
           compare_names_by_kind(p, "co_varnames", c, PYC_FAST_LOCAL) ||
           compare_names_by_kind(p, "co_cellvars", c, PYC_FAST_CELL) ||
           compare_names_by_kind(p, "co_freevars", c, PYC_FAST_FREE);
}

static int compare(const pyc_obj *o, PyObject *p, seen *s)
{
    size_t i;
    int rc = 0;
    PyObject *v = NULL;

    for (i = 0; i < s->s_n; i++)
        if (s->s_ours[i] == o)
            return s->s_theirs[i] == p ? 0 : differ("shared reference");

    switch (o->o_kind) {
    case PYC_NONE: rc = p != Py_None; break;
    case PYC_TRUE: rc = p != Py_True; break;
    case PYC_FALSE: rc = p != Py_False; break;
    case PYC_ELLIPSIS: rc = p != Py_Ellipsis; break;
    case PYC_STOPITER: rc = p != PyExc_StopIteration; break;
    case PYC_INT:
        rc = !PyLong_CheckExact(p) || PyLong_AsLongLong(p) != o->u.o_int;
        break;
    case PYC_LONG:
        v = long_value(o);
        rc = !PyLong_CheckExact(p) || !v || PyObject_RichCompareBool(v, p, Py_EQ) != 1;
        break;
    case PYC_FLOAT: {
        double d = PyFloat_Check(p) ? PyFloat_AsDouble(p) : 0;
        rc = !PyFloat_CheckExact(p) || memcmp(&d, &o->u.o_float, sizeof d) != 0;
        break;
    }
    case PYC_COMPLEX: {
        Py_complex z = PyComplex_Check(p) ? PyComplex_AsCComplex(p) : (Py_complex){ 0, 0 };
        rc = !PyComplex_CheckExact(p) || memcmp(&z.real, &o->u.o_complex.re, 8) != 0 ||
             memcmp(&z.imag, &o->u.o_complex.im, 8) != 0;
        break;
    }
    case PYC_BYTES: case PYC_STR:
        v = text_value(o);
        rc = !v || Py_TYPE(v) != Py_TYPE(p) || PyObject_RichCompareBool(v, p, Py_EQ) != 1;
        break;
    case PYC_TUPLE:
        rc = !PyTuple_CheckExact(p) || compare_seq(o, p, s);
        break;
    case PYC_LIST:
        rc = !PyList_CheckExact(p) || compare_seq(o, p, s);
        break;
    case PYC_SET:
        rc = !PySet_CheckExact(p) || compare_set(o, p, s);
        break;
    case PYC_FROZENSET:
        rc = !PyFrozenSet_CheckExact(p) || compare_set(o, p, s);
        break;
    case PYC_DICT:
        rc = !PyDict_CheckExact(p) || (size_t)PyDict_Size(p) != o->u.o_seq.n;
        for (i = 0; !rc && i < o->u.o_seq.n; i++) {
            PyObject *key = NULL, *val;
            /* keys in code constants are never nested containers: rebuild simple ones */
            if (o->u.o_seq.items[2 * i]->o_kind == PYC_STR)
                key = text_value(o->u.o_seq.items[2 * i]);
            val = key ? PyDict_GetItem(p, key) : NULL;
            rc = !val || compare(o->u.o_seq.items[2 * i + 1], val, s);
            Py_XDECREF(key);
        }
        break;
    case PYC_CODE:
        rc = compare_code(o->u.o_code, p, s);
        break;
    default:
        rc = 1;
        break;
    }
    Py_XDECREF(v);
    if (PyErr_Occurred())
        PyErr_Clear();
    if (rc)
        return differ(o->o_kind == PYC_CODE ? "code" : "value");
    if (s->s_n == s->s_cap) {
        s->s_cap = s->s_cap ? s->s_cap * 2 : 256;
        s->s_ours = realloc((void *)s->s_ours, s->s_cap * sizeof *s->s_ours);
        s->s_theirs = realloc(s->s_theirs, s->s_cap * sizeof *s->s_theirs);
        assert_non_null(s->s_ours);
        assert_non_null(s->s_theirs);
    }
    s->s_ours[s->s_n] = o;
    s->s_theirs[s->s_n++] = p;
    return 0;
}

static size_t files_checked;

static void check_file(const char *path)
{
    size_t len;
    uint8_t *data = slurp(path, &len);
    pyc_file *f = NULL;
    diag_ctx d;
    PyObject *theirs;
    seen s = { NULL, NULL, 0, 0 };
    char buf[600];
    assert_non_null(data);
    diag_init(&d);
    if (pyc_load_bytes(&f, data, len, path, &d) != G_OK)
        fail_msg("%s", diag_format(&d, 0, buf, sizeof buf));
    theirs = PyMarshal_ReadObjectFromString((const char *)data + 16, (Py_ssize_t)len - 16);
    assert_non_null(theirs);
    where[0] = 0;
    if (compare(f->f_root, theirs, &s))
        fail_msg("%s differs from marshal.loads:%s", path, where);
    Py_DECREF(theirs);
    free((void *)s.s_ours);
    free(s.s_theirs);
    pyc_file_free(f);
    diag_free(&d);
    free(data);
    files_checked++;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every *<suffix> file under dir, recursively, skipping site-packages. */
static void check_tree(const char *dir, const char *suffix)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    if (!dp)
        return;
    while ((e = readdir(dp))) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "site-packages"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            check_tree(path, suffix);
        else if (S_ISREG(st.st_mode) && ends_with(e->d_name, suffix))
            check_file(path);
    }
    closedir(dp);
}

static void test_pyc_differential__fixtures_match_marshal_loads(void **state)
{
    (void)state;
    files_checked = 0;
    check_tree(resource("fixtures/pyc/3.11"), ".pyc");
    print_message("3.11 fixtures: %zu files identical to marshal.loads\n", files_checked);
    assert_true(files_checked > 0);
}

static void test_pyc_differential__stdlib_matches_marshal_loads(void **state)
{
    const char *lib = getenv("GILCHECK_STDLIB_311");
    (void)state;
    if (!lib || access(lib, R_OK) != 0) {
        print_message("skipped: no 3.11 standard library (GILCHECK_STDLIB_311)\n");
        skip();
    }
    files_checked = 0;
    check_tree(lib, ".cpython-311.pyc");
    print_message("3.11 standard library: %zu files identical to marshal.loads\n", files_checked);
    assert_true(files_checked > 100);
}

static int py_up(void **state)
{
    PyConfig config;
    (void)state;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    if (PyStatus_Exception(Py_InitializeFromConfig(&config)))
        return -1;
    PyConfig_Clear(&config);
    return 0;
}

static int py_down(void **state)
{
    (void)state;
    return Py_FinalizeEx();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyc_differential__fixtures_match_marshal_loads),
        cmocka_unit_test(test_pyc_differential__stdlib_matches_marshal_loads),
    };
    return cmocka_run_group_tests_name("pyc_differential", tests, py_up, py_down);
}
