/* TOML configuration text to JSON with the embedded interpreter's tomllib, so that no TOML parser
 * is written here and the configuration reads exactly as Python tools read it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "input.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* The pending exception's text into buf, cleared. */
static void error_text(char *buf, size_t size)
{
    PyObject *type, *value, *tb, *s;
    const char *u;
    PyErr_Fetch(&type, &value, &tb);
    s = value ? PyObject_Str(value) : NULL;
    u = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(buf, size, "%s", u && *u ? u : type ? ((PyTypeObject *)type)->tp_name : "error");
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
}

int in_toml_to_json(char **out, const uint8_t *src, size_t len, const char *path, diag_ctx *d)
{
    PyObject *text = NULL, *tomllib = NULL, *json = NULL, *doc = NULL, *dumped = NULL;
    const char *u;
    char why[600];
    int rc = G_OK;
    *out = NULL;
    if (in_python_start())
        return diag_add(d, G_EBAD, path, -1, "cannot start the embedded Python to read TOML");
    if (!(text = PyUnicode_DecodeUTF8((const char *)src, (Py_ssize_t)len, "strict"))) {
        error_text(why, sizeof why);
        return diag_add(d, G_EBAD, path, -1, "not UTF-8 text (%s)", why);
    }
    if (!(tomllib = PyImport_ImportModule("tomllib")) ||
        !(json = PyImport_ImportModule("json"))) {
        error_text(why, sizeof why);
        rc = diag_add(d, G_EBAD, path, -1, "cannot load tomllib (%s)", why);
        goto done;
    }
    if (!(doc = PyObject_CallMethod(tomllib, "loads", "O", text))) {
        error_text(why, sizeof why);
        rc = diag_add(d, G_EBAD, path, -1, "invalid TOML: %s", why);
        goto done;
    }
    /* dates and times have no JSON form: str() them (`default=str`) */
    {
        PyObject *builtins = PyEval_GetBuiltins(), *str = PyDict_GetItemString(builtins, "str");
        PyObject *kw = Py_BuildValue("{s:O}", "default", str), *args = PyTuple_Pack(1, doc);
        PyObject *fn = PyObject_GetAttrString(json, "dumps");
        dumped = kw && args && fn ? PyObject_Call(fn, args, kw) : NULL;
        Py_XDECREF(kw);
        Py_XDECREF(args);
        Py_XDECREF(fn);
    }
    if (!dumped || !(u = PyUnicode_AsUTF8(dumped)) || !(*out = strdup(u))) {
        error_text(why, sizeof why);
        rc = diag_add(d, G_EBAD, path, -1, "cannot convert the TOML document (%s)", why);
    }
done:
    Py_XDECREF(dumped);
    Py_XDECREF(doc);
    Py_XDECREF(json);
    Py_XDECREF(tomllib);
    Py_XDECREF(text);
    return rc;
}
