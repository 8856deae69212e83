/* An editor's buffer compiled again after an edit.  Typing changes one function at a time, and
 * CPython's compile() of a whole 2,000-line module costs more than everything else the language
 * server does on an edit; so the last text and module code of a few buffers are kept, and when
 * the new text differs from the last only inside one function (a module-level function or a
 * method of a module-level class, or the blank lines after it), that function alone is compiled
 * at its place and put into the kept module code -- and when lines were added or removed, the
 * code after it is moved down or up.
 *
 * Why the result is the whole compile's: the function is compiled from a text that has it at its
 * own lines and columns, alone in a class of the same name (a method: same qualified name, name
 * mangling and __class__ cell) or alone at the top (a function; under `if 1:` when it is
 * indented), after an `import` of the names the module imports (3.11 calls their methods with
 * LOAD_ATTR, not LOAD_METHOD), with the module's __future__ flags.  The old text is compiled
 * that way too, and the splice is made only when (1) the old function compiled alone equals the
 * one in the kept module code, so the wrapping reproduces the whole compile for this function,
 * and (2) the two texts compiled alone differ in that function's code object and in where its
 * `def` statement ends, nothing else -- the decorators, defaults, annotations, name, cells, and
 * the statements around it are unchanged, which the enclosing code (the class body or the
 * module) would show.  Everything outside the function's lines is the same text, so the whole
 * compile of the new text differs from the kept module code in that function's code object, in
 * the places of the statements ending with it, and in the lines of everything after it: those
 * are moved in the enclosing location tables (written as CPython's assembler writes them,
 * checked against co_positions) and in the first lines of the code objects that follow.
 * Anything else -- other edits, a syntax error, a coding cookie, CR line ends, lines added under
 * 3.13 (whose classes keep their first line as a constant) -- compiles the whole buffer.
 *
 * Only the thread that compiles (the language server's main thread) calls this. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "input_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

#define EDIT_MEMOS 8   /* buffers remembered: an editor's open documents that are being typed in */

typedef struct memo {
    char *m_path;              /* mem_alloc'd; NULL: a free slot */
    uint8_t *m_text;           /* the last text compiled for m_path */
    size_t m_len;
    PyObject *m_code;          /* its module code object */
    char *m_imports;           /* "import a, b": the names the module binds by import statements
                                * (the compiler calls a method of such a name differently: 3.11's
                                * is_import_originated), NULL when none; for every text of m_path
                                * whose module code is the same */
    int m_imports_known;       /* m_imports was read from m_code: on the first edit after a whole
                                * compile, not on every whole compile (a Python loop over the
                                * module's code) */
    uint64_t m_used;           /* the clock when last used, for the eviction */
} memo;

static memo memos[EDIT_MEMOS];
static uint64_t edit_clock;
static size_t n_whole, n_part;

/* Where a function's code object sits in a module's code. */
typedef struct place {
    PyObject *p_func;          /* borrowed from the module code */
    PyObject *p_class;         /* the class body holding it, or NULL for a module-level function */
    Py_ssize_t p_fi;           /* its index in the consts of p_class, or of the module */
    Py_ssize_t p_ci;           /* p_class's index in the module's consts */
    long p_first;              /* co_firstlineno: its first decorator, or its `def` */
} place;

static void memo_clear(memo *m)
{
    mem_free(m->m_imports);
    mem_free(m->m_path);
    mem_free(m->m_text);
    Py_XDECREF(m->m_code);
    memset(m, 0, sizeof *m);
}

static memo *memo_find(const char *path)
{
    size_t i;
    for (i = 0; i < EDIT_MEMOS; i++)
        if (memos[i].m_path && !strcmp(memos[i].m_path, path))
            return &memos[i];
    return NULL;
}

/* Remembers text and code (a reference taken over) for path, in its slot or the least recently
 * used one.  Out of memory: forgets path instead. */
static void memo_put(const char *path, const uint8_t *src, size_t len, PyObject *code, int whole)
{
    memo *m = memo_find(path);
    size_t i;
    if (!m) {
        m = &memos[0];
        for (i = 0; i < EDIT_MEMOS; i++)
            if (!memos[i].m_path || memos[i].m_used < m->m_used)
                m = &memos[i];
        memo_clear(m);
        if (!(m->m_path = mem_alloc(strlen(path) + 1))) {
            Py_DECREF(code);
            return;
        }
        strcpy(m->m_path, path);
    }
    mem_free(m->m_text);
    Py_XDECREF(m->m_code);
    m->m_text = mem_alloc(len ? len : 1);
    if (!m->m_text) {
        m->m_code = NULL;
        Py_DECREF(code);
        memo_clear(m);
        return;
    }
    memcpy(m->m_text, src, len);
    m->m_len = len;
    m->m_code = code;
    m->m_used = ++edit_clock;
    if (whole) {
        mem_free(m->m_imports);
        m->m_imports = NULL;
        m->m_imports_known = 0;
    }
}

static PyObject *imports_fn;   /* imports_of's Python helper, made on first use */

void in_compile_forget(const char *path)
{
    size_t i;
    for (i = 0; i < EDIT_MEMOS; i++)
        if (memos[i].m_path && (!path || !strcmp(memos[i].m_path, path)))
            memo_clear(&memos[i]);
    if (!path)
        Py_CLEAR(imports_fn);   /* everything: the interpreter is about to go */
}

void in_compile_edit_counts(size_t *whole, size_t *part)
{
    *whole = n_whole;
    *part = n_part;
}

/* ---- code objects ---- */

/* What the module binds by import statements of its own code: a STORE_NAME or STORE_GLOBAL
 * right after an IMPORT_NAME or IMPORT_FROM, read with the embedded interpreter's dis (which
 * reads the code, never runs it). */
static const char imports_py[] =
    "def imported(code):\n"
    "    import dis\n"
    "    names, prev = set(), None\n"
    "    for ins in dis.get_instructions(code):\n"
    "        if ins.opname in ('STORE_NAME', 'STORE_GLOBAL') and \\\n"
    "                prev in ('IMPORT_NAME', 'IMPORT_FROM'):\n"
    "            names.add(ins.argval)\n"
    "        prev = ins.opname\n"
    "    return 'import ' + ', '.join(sorted(names)) if names else None\n";

/* "import a, b" for the names module binds by import (mem_alloc'd), NULL for none or when it
 * cannot tell -- the function compiled alone then differs where it calls their methods, and the
 * buffer is compiled whole. */
static char *imports_of(PyObject *module)
{
    PyObject *r;
    const char *t;
    char *out = NULL;
    if (!imports_fn) {
        PyObject *g = PyDict_New();
        if (g && !PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins())) {
            PyObject *done = PyRun_String(imports_py, Py_file_input, g, g);
            if (done && (imports_fn = PyDict_GetItemString(g, "imported")))
                Py_INCREF(imports_fn);
            Py_XDECREF(done);
        }
        Py_XDECREF(g);
        PyErr_Clear();
        if (!imports_fn)
            return NULL;
    }
    r = PyObject_CallOneArg(imports_fn, module);
    t = r && PyUnicode_Check(r) ? PyUnicode_AsUTF8(r) : NULL;
    if (t && (out = mem_alloc(strlen(t) + 1)))
        strcpy(out, t);
    Py_XDECREF(r);
    PyErr_Clear();
    return out;
}

/* A new reference to o.name, NULL (no exception pending) when it has none. */
static PyObject *attr(PyObject *o, const char *name)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    if (!v)
        PyErr_Clear();
    return v;
}

/* 1 when code's co_name starts with '<' (a lambda, a comprehension, the module). */
static int anonymous(PyObject *code)
{
    PyObject *n = attr(code, "co_name");
    const char *s = n && PyUnicode_Check(n) ? PyUnicode_AsUTF8(n) : NULL;
    int r = !s || s[0] == '<';
    Py_XDECREF(n);
    PyErr_Clear();
    return r;
}

static int is_function(PyObject *code)
{
    return PyCode_Check(code) && (in_py_long(code, "co_flags", -1) & CO_OPTIMIZED) &&
           !anonymous(code);
}

/* A module-level class body: not optimized, named, and its qualified name is its name. */
static int is_class_body(PyObject *code)
{
    PyObject *n, *q;
    int r;
    if (!PyCode_Check(code) || (in_py_long(code, "co_flags", -1) & CO_OPTIMIZED) || anonymous(code))
        return 0;
    n = attr(code, "co_name");
    q = attr(code, "co_qualname");
    r = n && q && PyObject_RichCompareBool(n, q, Py_EQ) == 1;
    Py_XDECREF(n);
    Py_XDECREF(q);
    PyErr_Clear();
    return r;
}

/* The function of the module whose first line is the last at or before `line`. */
static int find_place(place *out, PyObject *module, long line)
{
    PyObject *consts = attr(module, "co_consts");
    Py_ssize_t i, j;
    memset(out, 0, sizeof *out);
    out->p_first = -1;
    if (!consts || !PyTuple_Check(consts)) {
        Py_XDECREF(consts);
        return 0;
    }
    for (i = 0; i < PyTuple_GET_SIZE(consts); i++) {
        PyObject *c = PyTuple_GET_ITEM(consts, i);
        if (is_function(c)) {
            long f = in_py_long(c, "co_firstlineno", -1);
            if (f <= line && f > out->p_first) {
                out->p_func = c;
                out->p_class = NULL;
                out->p_fi = i;
                out->p_first = f;
            }
        } else if (is_class_body(c) && in_py_long(c, "co_firstlineno", -1) <= line) {
            PyObject *inner = attr(c, "co_consts");
            for (j = 0; inner && PyTuple_Check(inner) && j < PyTuple_GET_SIZE(inner); j++) {
                PyObject *m = PyTuple_GET_ITEM(inner, j);
                long f;
                if (!is_function(m))
                    continue;
                f = in_py_long(m, "co_firstlineno", -1);
                if (f <= line && f > out->p_first) {
                    out->p_func = m;
                    out->p_class = c;
                    out->p_fi = j;
                    out->p_ci = i;
                    out->p_first = f;
                }
            }
            Py_XDECREF(inner);
        }
    }
    Py_DECREF(consts);
    return out->p_func != NULL;
}

/* The last line any instruction of code (and of the code nested in it) covers; -1 on error. */
static long last_line(PyObject *code)
{
    PyObject *it = PyObject_CallMethod(code, "co_positions", NULL), *pos, *consts;
    long last = in_py_long(code, "co_firstlineno", -1);
    Py_ssize_t i;
    if (!it) {
        PyErr_Clear();
        return -1;
    }
    while ((pos = PyIter_Next(it))) {
        if (PyTuple_Check(pos) && PyTuple_GET_SIZE(pos) >= 2) {
            PyObject *end = PyTuple_GET_ITEM(pos, 1);
            if (PyLong_Check(end) && PyLong_AsLong(end) > last)
                last = PyLong_AsLong(end);
        }
        Py_DECREF(pos);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    consts = attr(code, "co_consts");
    for (i = 0; consts && PyTuple_Check(consts) && i < PyTuple_GET_SIZE(consts); i++)
        if (PyCode_Check(PyTuple_GET_ITEM(consts, i))) {
            long l = last_line(PyTuple_GET_ITEM(consts, i));
            if (l < 0) {
                last = -1;
                break;
            }
            if (l > last)
                last = l;
        }
    Py_XDECREF(consts);
    return last;
}

/* What same_code takes as equal: skip_a in a for skip_b in b (the function compiled again),
 * and the location tables of the code objects in loose_a (the enclosing code of a function
 * compiled alone, whose `def` statement ends where the function's body ends). */
typedef struct cmp_ctx {
    PyObject *skip_a, *skip_b;
    PyObject *loose_a[2];
} cmp_ctx;

static int same_const(PyObject *a, PyObject *b, const cmp_ctx *k);

/* Are code objects a and b the same compile's result, with k's exceptions?  Every field that
 * marshal writes, and the constants compared by type and value (0.0 is not -0.0, 1 is not True),
 * the nested code objects by this same comparison.  (CPython's own == on code compares nested
 * code objects by identity.) */
static int same_code(PyObject *a, PyObject *b, const cmp_ctx *k)
{
    static const char *const fields[] = {
        "co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_stacksize", "co_flags",
        "co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_filename",
        "co_name", "co_qualname", "co_firstlineno", "co_exceptiontable", "co_linetable",
    };
    size_t i, n = sizeof fields / sizeof *fields;
    int same = 1;
    PyObject *ca, *cb;
    if (a == k->skip_a && b == k->skip_b)
        return 1;
    if (a == k->loose_a[0] || a == k->loose_a[1])
        n--;                    /* co_linetable is the last */
    for (i = 0; same && i < n; i++) {
        PyObject *x = PyObject_GetAttrString(a, fields[i]);
        PyObject *y = x ? PyObject_GetAttrString(b, fields[i]) : NULL;
        same = y && Py_TYPE(x) == Py_TYPE(y) && PyObject_RichCompareBool(x, y, Py_EQ) == 1;
        Py_XDECREF(x);
        Py_XDECREF(y);
    }
    PyErr_Clear();
    if (!same)
        return 0;
    ca = attr(a, "co_consts");
    cb = attr(b, "co_consts");
    same = ca && cb && same_const(ca, cb, k);
    Py_XDECREF(ca);
    Py_XDECREF(cb);
    return same;
}

static int same_const(PyObject *a, PyObject *b, const cmp_ctx *k)
{
    int r;
    if (a == b)
        return 1;
    if (Py_TYPE(a) != Py_TYPE(b))
        return 0;
    if (PyCode_Check(a))
        return same_code(a, b, k);
    if (PyTuple_Check(a)) {
        Py_ssize_t i;
        if (PyTuple_GET_SIZE(a) != PyTuple_GET_SIZE(b))
            return 0;
        for (i = 0; i < PyTuple_GET_SIZE(a); i++)
            if (!same_const(PyTuple_GET_ITEM(a, i), PyTuple_GET_ITEM(b, i), k))
                return 0;
        return 1;
    }
    if (PyFloat_Check(a) || PyComplex_Check(a) || PyFrozenSet_Check(a)) {
        /* the text tells -0.0 from 0.0 and NaN from itself; a frozenset's items by their own */
        PyObject *x = PyObject_Repr(a), *y = x ? PyObject_Repr(b) : NULL;
        r = y && PyObject_RichCompareBool(x, y, Py_EQ) == 1;
        Py_XDECREF(x);
        Py_XDECREF(y);
        PyErr_Clear();
        return r;
    }
    r = PyObject_RichCompareBool(a, b, Py_EQ) == 1;
    PyErr_Clear();
    return r;
}

/* ---- where a `def` statement ends ---- */

/* A place in the source: where a node ends (1-based line, 0-based column). */
typedef struct end_at {
    long e_line, e_col;
} end_at;

/* code.co_positions() as a list of 4-tuples; a new reference or NULL. */
static PyObject *positions(PyObject *code)
{
    PyObject *it = PyObject_CallMethod(code, "co_positions", NULL);
    PyObject *list = it ? PySequence_List(it) : NULL;
    Py_XDECREF(it);
    if (!list)
        PyErr_Clear();
    return list;
}

static long item_long(PyObject *t, Py_ssize_t i)
{
    PyObject *v = PyTuple_Check(t) && PyTuple_GET_SIZE(t) > i ? PyTuple_GET_ITEM(t, i) : NULL;
    return v && PyLong_Check(v) ? PyLong_AsLong(v) : -1;
}

/* The furthest end among code's own instructions: in the code enclosing a function compiled
 * alone, where its `def` statement ends.  {-1, -1} when there is none. */
static end_at furthest_end(PyObject *code)
{
    PyObject *pos = positions(code);
    end_at e = { -1, -1 };
    Py_ssize_t i;
    for (i = 0; pos && i < PyList_GET_SIZE(pos); i++) {
        long l = item_long(PyList_GET_ITEM(pos, i), 1), c = item_long(PyList_GET_ITEM(pos, i), 3);
        if (l > e.e_line || (l == e.e_line && c > e.e_col)) {
            e.e_line = l;
            e.e_col = c;
        }
    }
    Py_XDECREF(pos);
    PyErr_Clear();
    return e;
}

/* How places move from the old text to the new: a place that ended where the edited function's
 * `def` statement ended (m_from) ends where it ends now (m_to) -- the statement itself, and a
 * class or `if` that ends with it -- and lines after m_after move by m_delta (lines were added
 * to or removed from the function). */
typedef struct moves {
    end_at m_from, m_to;
    long m_after, m_delta;
} moves;

static void move(const moves *mv, long *line, long *end_line, long *end_col)
{
    int at_end = *end_line == mv->m_from.e_line && *end_col == mv->m_from.e_col;
    if (*line > mv->m_after)
        *line += mv->m_delta;
    if (at_end) {
        *end_line = mv->m_to.e_line;
        *end_col = mv->m_to.e_col;
    } else if (*end_line > mv->m_after) {
        *end_line += mv->m_delta;
    }
}

/* Are b's instruction places a's, moved by mv?  (A missing value reads -1 and stays.) */
static int places_moved(PyObject *a, PyObject *b, const moves *mv)
{
    PyObject *pa = positions(a), *pb = pa ? positions(b) : NULL;
    Py_ssize_t i;
    int same = pa && pb && PyList_GET_SIZE(pa) == PyList_GET_SIZE(pb);
    for (i = 0; same && i < PyList_GET_SIZE(pa); i++) {
        PyObject *x = PyList_GET_ITEM(pa, i), *y = PyList_GET_ITEM(pb, i);
        long l = item_long(x, 0), el = item_long(x, 1), c = item_long(x, 2), ec = item_long(x, 3);
        if (l >= 0)
            move(mv, &l, &el, &ec);
        same = l == item_long(y, 0) && el == item_long(y, 1) && c == item_long(y, 2) &&
               ec == item_long(y, 3);
    }
    Py_XDECREF(pa);
    Py_XDECREF(pb);
    PyErr_Clear();
    return same;
}

/* The location table (CPython 3.11-3.13, Objects/locations.md): entries of a first byte
 * 1CCCCLLL (code C, L+1 code units) and what the code says follows -- 15: nothing (no
 * location), 14: a signed varint line delta, varints for the end line delta, column + 1 and end
 * column + 1; 13: a signed varint line delta (no columns); 10-12: line delta C - 10 and two
 * bytes, column and end column; 0-9: line delta 0 and one byte, column C * 8 + its high nibble,
 * end column that plus its low nibble.  Varints are 6 bits a byte, 0x40 meaning more; a
 * signed one is the magnitude shifted left by one, the sign in bit 0.  Line deltas are from the
 * previous entry with a line (the first from co_firstlineno); the short form leaves it. */
static int get_varint(const uint8_t *t, size_t n, size_t *i, unsigned long *v)
{
    unsigned shift = 0;
    uint8_t b;
    *v = 0;
    do {
        if (*i >= n || shift > 42)
            return -1;
        b = t[(*i)++];
        *v |= (unsigned long)(b & 63) << shift;
        shift += 6;
    } while (b & 64);
    return 0;
}

static size_t put_varint(uint8_t *out, unsigned long v)
{
    size_t n = 0;
    while (v >= 64) {
        out[n++] = (uint8_t)(64 | (v & 63));
        v >>= 6;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static size_t put_svarint(uint8_t *out, long v)
{
    return put_varint(out, v < 0 ? ((unsigned long)-v << 1) | 1 : (unsigned long)v << 1);
}

/* One entry of `units` code units the way CPython's assembler writes it (its
 * write_location_info_entry), with *prev the line the deltas are from; bytes written. */
static size_t put_entry(uint8_t *out, int units, long *prev, long line, long end_line, long col,
                        long end_col)
{
    long delta = line - *prev;
    size_t n = 0;
    uint8_t head = (uint8_t)(128 | (units - 1));
    if (col < 0 || end_col < 0) {
        if (end_line == line || end_line < 0) {
            out[n++] = (uint8_t)(head | 13 << 3);
            n += put_svarint(out + n, delta);
            *prev = line;
            return n;
        }
    } else if (end_line == line) {
        if (delta == 0 && col < 80 && end_col - col < 16 && end_col >= col) {
            out[n++] = (uint8_t)(head | (col >> 3) << 3);
            out[n++] = (uint8_t)((col & 7) << 4 | (end_col - col));
            return n;
        }
        if (delta >= 0 && delta < 3 && col < 128 && end_col < 128) {
            out[n++] = (uint8_t)(head | (10 + delta) << 3);
            out[n++] = (uint8_t)col;
            out[n++] = (uint8_t)end_col;
            *prev = line;
            return n;
        }
    }
    out[n++] = (uint8_t)(head | 14 << 3);
    n += put_svarint(out + n, delta);
    n += put_varint(out + n, (unsigned long)(end_line - line));
    n += put_varint(out + n, (unsigned long)(col + 1));
    n += put_varint(out + n, (unsigned long)(end_col + 1));
    *prev = line;
    return n;
}

/* code.replace(k1=v1[, k2=v2]): a new reference, or NULL. */
static PyObject *replaced(PyObject *code, const char *k1, PyObject *v1, const char *k2,
                          PyObject *v2)
{
    PyObject *kw = PyDict_New(), *meth = NULL, *args = NULL, *out = NULL;
    if (kw && !PyDict_SetItemString(kw, k1, v1) && (!k2 || !PyDict_SetItemString(kw, k2, v2)) &&
        (meth = PyObject_GetAttrString(code, "replace")) && (args = PyTuple_New(0)))
        out = PyObject_Call(meth, args, kw);
    Py_XDECREF(kw);
    Py_XDECREF(meth);
    Py_XDECREF(args);
    PyErr_Clear();
    return out;
}

/* A copy of code (a class body or a module enclosing the edited function) whose location table
 * has its places moved by mv -- each entry whose place or delta changes written again as CPython
 * writes it, the others copied -- and checked against co_positions; a new reference, or NULL. */
static PyObject *with_places_moved(PyObject *code, const moves *mv)
{
    PyObject *lt = attr(code, "co_linetable"), *nlt = NULL, *out = NULL;
    const uint8_t *t;
    uint8_t *buf = NULL;
    size_t n, i = 0, o = 0;
    long first = in_py_long(code, "co_firstlineno", -1), line = first, prev_new = first;
    if (!lt || !PyBytes_Check(lt) || first < 0)
        goto done;
    t = (const uint8_t *)PyBytes_AS_STRING(lt);
    n = (size_t)PyBytes_GET_SIZE(lt);
    if (!(buf = mem_alloc(4 * n + 64)))    /* an entry grows by at most 3 bytes, and has 2+ */
        goto done;
    while (i < n) {
        size_t start = i;
        uint8_t b = t[i++];
        int kind = b >> 3 & 15, units = (b & 7) + 1, sets = 1;
        unsigned long u, ed, c, ec;
        long l, el, col = -1, ecol = -1, nl, nel, necol, delta;
        if (!(b & 128))
            goto done;
        if (kind == 15) {
            buf[o++] = b;
            continue;
        }
        if (kind == 14) {
            if (get_varint(t, n, &i, &u) || get_varint(t, n, &i, &ed) ||
                get_varint(t, n, &i, &c) || get_varint(t, n, &i, &ec))
                goto done;
            l = line + ((u & 1) ? -(long)(u >> 1) : (long)(u >> 1));
            el = l + (long)ed;
            col = (long)c - 1;
            ecol = (long)ec - 1;
        } else if (kind == 13) {
            if (get_varint(t, n, &i, &u))
                goto done;
            l = el = line + ((u & 1) ? -(long)(u >> 1) : (long)(u >> 1));
        } else if (kind >= 10) {
            if (i + 2 > n)
                goto done;
            l = el = line + kind - 10;
            col = t[i];
            ecol = t[i + 1];
            i += 2;
        } else {
            if (i + 1 > n)
                goto done;
            l = el = line;
            col = kind * 8 + (t[i] >> 4);
            ecol = col + (t[i] & 15);
            i += 1;
            sets = 0;
        }
        delta = l - line;
        nl = l;
        nel = el;
        necol = ecol;
        move(mv, &nl, &nel, &necol);
        if (nl == l && nel == el && necol == ecol && nl - prev_new == delta) {
            memcpy(buf + o, t + start, i - start);      /* as it was */
            o += i - start;
            if (sets)
                prev_new = nl;
        } else {
            o += put_entry(buf + o, units, &prev_new, nl, nel, col, necol);
        }
        if (sets)
            line = l;
    }
    if ((nlt = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)o)))
        out = replaced(code, "co_linetable", nlt, NULL, NULL);
    /* what the table now says must be what was meant */
    if (out && !places_moved(code, out, mv))
        Py_CLEAR(out);
done:
    mem_free(buf);
    Py_XDECREF(lt);
    Py_XDECREF(nlt);
    PyErr_Clear();
    return out;
}

/* code moved down by delta lines, and the code nested in it; a new reference, or NULL. */
static PyObject *shifted(PyObject *code, long delta)
{
    PyObject *consts = attr(code, "co_consts"), *copy = NULL, *first = NULL, *out = NULL;
    Py_ssize_t k;
    if (!consts || !PyTuple_Check(consts) || !(copy = PyTuple_New(PyTuple_GET_SIZE(consts))))
        goto done;
    for (k = 0; k < PyTuple_GET_SIZE(consts); k++) {
        PyObject *c = PyTuple_GET_ITEM(consts, k);
        if (PyCode_Check(c)) {
            if (!(c = shifted(c, delta)))
                goto done;
        } else {
            Py_INCREF(c);
        }
        PyTuple_SET_ITEM(copy, k, c);
    }
    if ((first = PyLong_FromLong(in_py_long(code, "co_firstlineno", -1) + delta)))
        out = replaced(code, "co_consts", copy, "co_firstlineno", first);
done:
    Py_XDECREF(consts);
    Py_XDECREF(copy);
    Py_XDECREF(first);
    PyErr_Clear();
    return out;
}

/* Enclosing code (the edited function's class body, or the module) made anew: constant i is v,
 * the code objects after mv->m_after moved down, the location table moved; a new reference, or
 * NULL. */
static PyObject *rebuilt(PyObject *code, Py_ssize_t i, PyObject *v, const moves *mv)
{
    PyObject *consts = attr(code, "co_consts"), *copy = NULL, *tmp = NULL, *out = NULL;
    Py_ssize_t k;
    if (!consts || !PyTuple_Check(consts) || i >= PyTuple_GET_SIZE(consts) ||
        !(copy = PyTuple_New(PyTuple_GET_SIZE(consts))))
        goto done;
    for (k = 0; k < PyTuple_GET_SIZE(consts); k++) {
        PyObject *c = k == i ? v : PyTuple_GET_ITEM(consts, k);
        if (k != i && mv->m_delta && PyCode_Check(c) &&
            in_py_long(c, "co_firstlineno", -1) > mv->m_after) {
            if (!(c = shifted(c, mv->m_delta)))
                goto done;
        } else {
            Py_INCREF(c);
        }
        PyTuple_SET_ITEM(copy, k, c);
    }
    tmp = replaced(code, "co_consts", copy, NULL, NULL);
    if (tmp && !mv->m_delta && mv->m_from.e_line == mv->m_to.e_line &&
        mv->m_from.e_col == mv->m_to.e_col) {
        out = tmp;              /* nothing moves */
        tmp = NULL;
    } else if (tmp) {
        out = with_places_moved(tmp, mv);
    }
done:
    Py_XDECREF(consts);
    Py_XDECREF(copy);
    Py_XDECREF(tmp);
    PyErr_Clear();
    return out;
}

/* The code object named like fn with fn's first line among code's constants -- inside the class
 * body named like cls when cls is not NULL (the one class of a text compiled alone, whose line
 * is not the real class's) -- borrowed, or NULL. */
static PyObject *find_like(PyObject *code, PyObject *fn, PyObject *cls)
{
    PyObject *consts = attr(code, "co_consts"), *found = NULL;
    PyObject *want = attr(cls ? cls : fn, "co_name");
    long line = in_py_long(fn, "co_firstlineno", -1);
    Py_ssize_t i;
    for (i = 0; want && !found && consts && PyTuple_Check(consts) &&
                i < PyTuple_GET_SIZE(consts); i++) {
        PyObject *c = PyTuple_GET_ITEM(consts, i), *n;
        if (!PyCode_Check(c))
            continue;
        n = attr(c, "co_name");
        if (n && PyObject_RichCompareBool(n, want, Py_EQ) == 1)
            found = cls ? find_like(c, fn, NULL)
                        : in_py_long(c, "co_firstlineno", -1) == line ? c : NULL;
        Py_XDECREF(n);
    }
    Py_XDECREF(consts);
    Py_XDECREF(want);
    PyErr_Clear();
    return found;
}

/* The class body of a method compiled alone: the one code object among the module's constants
 * (borrowed), or NULL. */
static PyObject *lone_class(PyObject *module)
{
    PyObject *consts = attr(module, "co_consts"), *found = NULL;
    Py_ssize_t i;
    for (i = 0; consts && PyTuple_Check(consts) && i < PyTuple_GET_SIZE(consts); i++)
        if (PyCode_Check(PyTuple_GET_ITEM(consts, i))) {
            if (found) {
                found = NULL;
                break;
            }
            found = PyTuple_GET_ITEM(consts, i);
        }
    Py_XDECREF(consts);
    return found;
}

/* ---- texts ---- */

static size_t line_offset(const uint8_t *t, size_t len, long line)
{
    size_t off = 0;
    const uint8_t *nl;
    while (line > 1 && off < len && (nl = memchr(t + off, '\n', len - off))) {
        off = (size_t)(nl - t) + 1;
        line--;
    }
    return line > 1 ? len : off;
}

static size_t count_lines(const uint8_t *t, size_t n)
{
    size_t c = 0;
    const uint8_t *p = t, *end = t + n, *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
        c++;
        p = nl + 1;
    }
    return c;
}

/* Lines first..last of t (1-based) at their own places: blank lines before them, `head` (when
 * not NULL) on the first line, `wrap` (when not NULL) on the line before the first.  NUL-
 * terminated, mem_alloc'd; NULL when out of memory or when there is no room for them. */
static char *lone_text(const uint8_t *t, size_t len, long first, long last, const char *wrap,
                       const char *head)
{
    size_t from = line_offset(t, len, first), to = line_offset(t, len, last + 1);
    size_t pad = (size_t)(first - 1), wl = wrap ? strlen(wrap) : 0, hl = head ? strlen(head) : 0;
    size_t n = 0, blank = pad - (wrap ? 1 : 0);
    char *s;
    if (pad < (wrap ? 1u : 0u) + (head ? 1u : 0u) || !(s = mem_alloc(pad + wl + hl + (to - from) + 2)))
        return NULL;
    if (head) {
        memcpy(s, head, hl);
        n = hl;
        s[n++] = '\n';
        blank--;
    }
    memset(s + n, '\n', blank);
    n += blank;
    if (wrap) {
        memcpy(s + n, wrap, wl);
        n += wl;
        s[n++] = '\n';
    }
    memcpy(s + n, t + from, to - from);
    n += to - from;
    if (!n || s[n - 1] != '\n')
        s[n++] = '\n';
    s[n] = 0;
    return s;
}

/* Compiles lines first..last of t alone (see lone_text), a new reference or NULL. */
static PyObject *compile_lone(const uint8_t *t, size_t len, long first, long last,
                              const char *wrap, const char *head, PyObject *name, int future)
{
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    char *s = lone_text(t, len, first, last, wrap, head);
    PyObject *code;
    if (!s)
        return NULL;
    flags.cf_flags = future;
    code = Py_CompileStringObject(s, name, Py_file_input, &flags, 0);
    mem_free(s);
    if (!code)
        PyErr_Clear();
    return code;
}

/* Are lines from..to of t (1-based) blank or comments only? */
static int quiet_lines(const uint8_t *t, size_t len, long from, long to)
{
    size_t at = line_offset(t, len, from);
    long line;
    for (line = from; line <= to && at < len; line++) {
        while (at < len && (t[at] == ' ' || t[at] == '\t' || t[at] == '\f'))
            at++;
        if (at < len && t[at] != '\n' && t[at] != '#')
            return 0;
        while (at < len && t[at] != '\n')
            at++;
        at++;
    }
    return 1;
}

/* The module code of src made from m's by compiling one function again, a new reference; NULL
 * when the edit is not of that kind. */
static PyObject *splice(memo *m, const uint8_t *src, size_t len, const char *path)
{
    size_t lo = m->m_len, pre = 0, suf = 0, col = 0, at;
    long first_line, last_changed, last, end, delta;
    int future;
    place pl;
    const char *wrap = NULL;
    char wbuf[300];
    PyObject *name = NULL, *old_lone = NULL, *new_lone = NULL, *out = NULL;
    PyObject *cls = NULL;

    if (memchr(src, '\r', len) || memchr(m->m_text, '\r', lo) ||
        (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3)))
        return NULL;
    /* a coding cookie (PEP 263) on the first two lines: the whole compile decodes by it */
    at = line_offset(src, len, 3);
    if (memmem(src, at, "coding", 6) || memmem(m->m_text, line_offset(m->m_text, lo, 3),
                                               "coding", 6))
        return NULL;
    if (lo == len && !memcmp(m->m_text, src, len)) {
        Py_INCREF(m->m_code);   /* the same text again */
        return m->m_code;
    }
    while (pre < lo && pre < len && m->m_text[pre] == src[pre])
        pre++;
    while (suf < lo - pre && suf < len - pre && m->m_text[lo - 1 - suf] == src[len - 1 - suf])
        suf++;
    delta = (long)count_lines(src + pre, len - suf - pre) -
            (long)count_lines(m->m_text + pre, lo - suf - pre);
#if PY_VERSION_HEX >= 0x030D0000
    if (delta)
        return NULL;   /* 3.13 keeps a class's first line as a constant (__firstlineno__) */
#endif
    first_line = 1 + (long)count_lines(m->m_text, pre);
    last_changed = lo - suf > pre ? 1 + (long)count_lines(m->m_text, lo - suf - 1) : first_line;
    if (!find_place(&pl, m->m_code, first_line) || pl.p_first < 1)
        return NULL;
    last = last_line(pl.p_func);

    if (last < 0 || first_line <= pl.p_first)
        return NULL;
    /* the old text compiled alone runs to the end of the edit: blank lines or comments after
     * the function, where typing at its end goes on */
    end = last_changed > last ? last_changed : last;
    if (end > last && !quiet_lines(m->m_text, lo, last + 1, end))
        return NULL;
    /* the function's indentation, and what puts it at that indentation alone */
    at = line_offset(src, len, pl.p_first);
    while (at + col < len && (src[at + col] == ' ' || src[at + col] == '\t'))
        col++;
    if (pl.p_class) {
        PyObject *cn = attr(pl.p_class, "co_name");
        const char *s = cn && PyUnicode_Check(cn) ? PyUnicode_AsUTF8(cn) : NULL;
        if (s && strlen(s) < sizeof wbuf - 10)
            snprintf(wbuf, sizeof wbuf, "class %s:", s);
        Py_XDECREF(cn);
        PyErr_Clear();
        if (!s || !col)
            return NULL;
        wrap = wbuf;
        cls = pl.p_class;
    } else if (col) {
        wrap = "if 1:";
    }
    if (wrap && pl.p_first < 2)
        return NULL;
    if (!m->m_imports_known) {
        m->m_imports = imports_of(m->m_code);
        m->m_imports_known = 1;
    }
    future = (int)(in_py_long(m->m_code, "co_flags", -1) & PyCF_MASK);
    if (!(name = PyUnicode_DecodeUTF8(path, (Py_ssize_t)strlen(path), "surrogateescape"))) {
        PyErr_Clear();
        return NULL;
    }
    old_lone = compile_lone(m->m_text, lo, pl.p_first, end, wrap, m->m_imports, name, future);
    new_lone = old_lone ? compile_lone(src, len, pl.p_first, end + delta, wrap, m->m_imports,
                                       name, future)
                        : NULL;
    if (new_lone) {
        PyObject *fo = find_like(old_lone, pl.p_func, cls);
        PyObject *fn = find_like(new_lone, pl.p_func, cls);
        PyObject *ob = cls ? lone_class(old_lone) : old_lone;   /* the enclosing code, alone */
        PyObject *nb = cls ? lone_class(new_lone) : new_lone;
        cmp_ctx k = { fo, fn, { old_lone, cls ? ob : NULL } };
        cmp_ctx exact = { NULL, NULL, { NULL, NULL } };
        moves mv;
        mv.m_from = furthest_end(ob ? ob : old_lone);
        mv.m_to = furthest_end(nb ? nb : new_lone);
        mv.m_after = end;
        mv.m_delta = delta;
        if (fo && fn && ob && nb && mv.m_from.e_line > 0 && mv.m_to.e_line > 0 &&
            same_code(fo, pl.p_func, &exact) && same_code(old_lone, new_lone, &k) &&
            places_moved(old_lone, new_lone, &mv) && places_moved(ob, nb, &mv)) {
            PyObject *body = pl.p_class ? rebuilt(pl.p_class, pl.p_fi, fn, &mv) : NULL;
            if (!pl.p_class || body)
                out = rebuilt(m->m_code, pl.p_class ? pl.p_ci : pl.p_fi,
                              pl.p_class ? body : fn, &mv);
            Py_XDECREF(body);
        }
    }
    Py_XDECREF(old_lone);
    Py_XDECREF(new_lone);
    Py_DECREF(name);
    PyErr_Clear();
    return out;
}

int in_compile_edited(in_compiled *out, const uint8_t *src, size_t len, const char *path,
                      diag_ctx *d)
{
    memo *m = memo_find(path);
    PyObject *code = NULL;
    int rc;
    if (m && len <= IN_MAX_SOURCE && !memchr(src, 0, len) && !in_python_start() &&
        (code = splice(m, src, len, path))) {
        memset(out, 0, sizeof *out);
        rc = in_code_pyc(out, code, len, path, d);
        if (!rc) {
            n_part++;
            memo_put(path, src, len, code, 0);
            return rc;
        }
        Py_DECREF(code);
        in_compiled_free(out);
    }
    rc = in_compile_code(out, &code, src, len, path, d);
    n_whole++;
    if (code)       /* a syntax error keeps the last text that compiled: the fix is diffed to it */
        memo_put(path, src, len, code, 1);
    return rc;
}
