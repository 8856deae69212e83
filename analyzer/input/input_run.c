/* `explain --run`: the snippet EXECUTED in threads in the embedded interpreter, counting the
 * updates lost against a sequential run.  The only place gilcheck runs analysed code, and only
 * when asked. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "input.h"

#include <stdio.h>
#include <string.h>

#include "../common/err.h"

/* Runs with _src, _func, _threads, _n in its globals; leaves _result = (seq, thr, eseq, ethr,
 * first_error). */
static const char driver[] =
    "import ast, collections, sys, threading\n"
    "LIST_METHODS = {'append', 'pop', 'extend', 'sort', 'insert', 'remove', 'clear', 'copy',\n"
    "                'index', 'count', 'reverse'}\n"
    "class _Obj(object):\n"
    "    pass\n"
    "def _setup(g):\n"
    "    tree = ast.parse(_src)\n"
    "    fn = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == _func][0]\n"
    "    kinds, attrs = {}, {}\n"
    "    for n in ast.walk(fn):\n"
    "        if isinstance(n, ast.Global):\n"
    "            for name in n.names:\n"
    "                kinds.setdefault(name, 'int')\n"
    "    for n in ast.walk(fn):\n"
    "        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):\n"
    "            v = n.value.id\n"
    "            if n.attr in LIST_METHODS:\n"
    "                kinds[v] = 'list'\n"
    "            elif n.attr in ('keys', 'values', 'items', 'update', 'get', 'setdefault',\n"
    "                            'popitem'):\n"
    "                kinds[v] = 'dict'\n"
    "            elif kinds.get(v) not in ('list', 'dict'):\n"
    "                kinds[v] = 'obj'\n"
    "                attrs.setdefault(v, set()).add(n.attr)\n"
    "        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):\n"
    "            if kinds.get(n.value.id) != 'list':\n"
    "                kinds[n.value.id] = 'dict'\n"
    "    for name, kind in kinds.items():\n"
    "        if kind == 'list':\n"
    "            g[name] = [0]\n"
    "        elif kind == 'dict':\n"
    "            g[name] = collections.defaultdict(int)\n"
    "        elif kind == 'obj':\n"
    "            o = _Obj()\n"
    "            for a in attrs.get(name, ()):\n"
    "                setattr(o, a, 0)\n"
    "            g[name] = o\n"
    "        else:\n"
    "            g[name] = 0\n"
    "    return kinds\n"
    "def _total(g, kinds):\n"
    "    t = 0\n"
    "    for name in kinds:\n"
    "        v = g.get(name)\n"
    "        if isinstance(v, bool):\n"
    "            continue\n"
    "        if isinstance(v, int):\n"
    "            t += v\n"
    "        elif isinstance(v, list):\n"
    "            t += len(v)\n"
    "        elif isinstance(v, dict):\n"
    "            t += sum(x for x in v.values() if isinstance(x, int))\n"
    "        elif isinstance(v, _Obj):\n"
    "            t += sum(x for x in vars(v).values() if isinstance(x, int))\n"
    "    return t\n"
    "def _fresh():\n"
    "    g = {'__name__': '_gilcheck_run'}\n"
    "    exec(compile(_src, '<snippet>', 'exec'), g)\n"
    "    kinds = _setup(g)\n"
    "    return g, kinds\n"
    "def _calls(f, n, errs):\n"
    "    for _ in range(n):\n"
    "        try:\n"
    "            f()\n"
    "        except Exception as e:\n"
    "            errs.append(repr(e))\n"
    "g, kinds = _fresh()\n"
    "eseq = []\n"
    "_calls(g[_func], _threads * _n, eseq)\n"
    "seq = _total(g, kinds)\n"
    "g, kinds = _fresh()\n"
    "ethr = []\n"
    "old = sys.getswitchinterval()\n"
    "sys.setswitchinterval(1e-6)\n"
    "try:\n"
    "    ts = [threading.Thread(target=_calls, args=(g[_func], _n, ethr)) for _ in range(_threads)]\n"
    "    for t in ts:\n"
    "        t.start()\n"
    "    for t in ts:\n"
    "        t.join()\n"
    "finally:\n"
    "    sys.setswitchinterval(old)\n"
    "_result = (seq, _total(g, kinds), len(eseq), len(ethr), ethr[0] if ethr else '')\n";

/* g[key] = obj, taking the reference; -1 on failure (obj NULL included). */
static int set_new(PyObject *g, const char *key, PyObject *obj)
{
    int r = obj ? PyDict_SetItemString(g, key, obj) : -1;
    Py_XDECREF(obj);
    return r;
}

int in_run_threads(in_run_result *out, const char *src, const char *func, int threads,
                   long iterations, diag_ctx *d)
{
    PyObject *g = NULL, *r = NULL, *res;
    int rc = G_OK;
    memset(out, 0, sizeof *out);
    if (in_python_start())
        return diag_add(d, G_EBAD, NULL, -1, "cannot start the embedded Python to run the code");
    g = PyDict_New();
    if (!g || PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins()) ||
        set_new(g, "_src", PyUnicode_FromString(src)) ||
        set_new(g, "_func", PyUnicode_FromString(func)) ||
        set_new(g, "_threads", PyLong_FromLong(threads)) ||
        set_new(g, "_n", PyLong_FromLong(iterations))) {
        rc = diag_add(d, G_ENOMEM, NULL, -1, "out of memory");
        goto done;
    }
    r = PyRun_String(driver, Py_file_input, g, g);
    res = r ? PyDict_GetItemString(g, "_result") : NULL;
    if (!res || !PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 5) {
        PyObject *type, *value, *tb, *s;
        const char *u;
        PyErr_Fetch(&type, &value, &tb);
        s = value ? PyObject_Str(value) : NULL;
        u = s ? PyUnicode_AsUTF8(s) : NULL;
        rc = diag_add(d, G_EBAD, NULL, -1, "running the code failed (%s%s%s)",
                      type ? ((PyTypeObject *)type)->tp_name : "error", u ? ": " : "", u ? u : "");
        Py_XDECREF(s);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        PyErr_Clear();
        goto done;
    }
    out->rr_sequential = PyLong_AsLongLong(PyTuple_GET_ITEM(res, 0));
    out->rr_threaded = PyLong_AsLongLong(PyTuple_GET_ITEM(res, 1));
    out->rr_errors_seq = PyLong_AsLong(PyTuple_GET_ITEM(res, 2));
    out->rr_errors_thr = PyLong_AsLong(PyTuple_GET_ITEM(res, 3));
    snprintf(out->rr_first_error, sizeof out->rr_first_error, "%s",
             PyUnicode_AsUTF8(PyTuple_GET_ITEM(res, 4)) ? PyUnicode_AsUTF8(PyTuple_GET_ITEM(res, 4))
                                                        : "");
    PyErr_Clear();
done:
    Py_XDECREF(r);
    Py_XDECREF(g);
    return rc;
}
