/* An editor's buffer compiled again after an edit.  Typing changes one function at a time, and
 * CPython's compile() of a whole 2,000-line module costs more than everything else the language
 * server does on an edit; so the last text and module code of a few buffers are kept, and when
 * the new text differs from the last only inside one function (a module-level function or a
 * method of a module-level class, the same number of lines), that function alone is compiled at
 * its place and put into the kept module code.
 *
 * Why the result is the whole compile's: the function is compiled from a text that has it at its
 * own lines and columns, alone in a class of the same name (a method: same qualified name, name
 * mangling and __class__ cell) or alone at the top (a function; under `if 1:` when it is
 * indented), with the module's __future__ flags.  The old text is compiled that way too, and
 * the splice is made only when (1) the old function compiled alone equals the one in the kept
 * module code, so the wrapping reproduces the whole compile for this function, and (2) the two
 * texts compiled alone differ in that function's code object and nowhere else -- the decorators,
 * defaults, annotations, name, cells, and where the function ends are all unchanged, which the
 * enclosing code (the class body or the module) would show.  Everything outside the function's
 * lines is the same text, so the whole compile of the new text differs from the kept module code
 * in that function's code object only.  Anything else -- other edits, a changed line count, a
 * syntax error, a coding cookie, CR line ends -- compiles the whole buffer, as before.
 *
 * Only the thread that compiles (the language server's main thread) calls this. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "input_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/mem.h"

#define EDIT_MEMOS 8   /* buffers remembered: an editor's open documents that are being typed in */

typedef struct memo {
    char *m_path;              /* mem_alloc'd; NULL: a free slot */
    uint8_t *m_text;           /* the last text compiled for m_path */
    size_t m_len;
    PyObject *m_code;          /* its module code object */
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
static void memo_put(const char *path, const uint8_t *src, size_t len, PyObject *code)
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
}

void in_compile_forget(const char *path)
{
    size_t i;
    for (i = 0; i < EDIT_MEMOS; i++)
        if (memos[i].m_path && (!path || !strcmp(memos[i].m_path, path)))
            memo_clear(&memos[i]);
}

void in_compile_edit_counts(size_t *whole, size_t *part)
{
    *whole = n_whole;
    *part = n_part;
}

/* ---- code objects ---- */

static long attr_long(PyObject *o, const char *name)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    long r = v && PyLong_Check(v) ? PyLong_AsLong(v) : -1;
    Py_XDECREF(v);
    PyErr_Clear();
    return r;
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
    return PyCode_Check(code) && (attr_long(code, "co_flags") & CO_OPTIMIZED) &&
           !anonymous(code);
}

/* A module-level class body: not optimized, named, and its qualified name is its name. */
static int is_class_body(PyObject *code)
{
    PyObject *n, *q;
    int r;
    if (!PyCode_Check(code) || (attr_long(code, "co_flags") & CO_OPTIMIZED) || anonymous(code))
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
            long f = attr_long(c, "co_firstlineno");
            if (f <= line && f > out->p_first) {
                out->p_func = c;
                out->p_class = NULL;
                out->p_fi = i;
                out->p_first = f;
            }
        } else if (is_class_body(c) && attr_long(c, "co_firstlineno") <= line) {
            PyObject *inner = attr(c, "co_consts");
            for (j = 0; inner && PyTuple_Check(inner) && j < PyTuple_GET_SIZE(inner); j++) {
                PyObject *m = PyTuple_GET_ITEM(inner, j);
                long f;
                if (!is_function(m))
                    continue;
                f = attr_long(m, "co_firstlineno");
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
    long last = attr_long(code, "co_firstlineno");
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

/* Are b's instruction places a's, with every place that ends at `from` ending at `to`? */
static int ends_moved(PyObject *a, PyObject *b, end_at from, end_at to)
{
    PyObject *pa = positions(a), *pb = pa ? positions(b) : NULL;
    Py_ssize_t i;
    int same = pa && pb && PyList_GET_SIZE(pa) == PyList_GET_SIZE(pb);
    for (i = 0; same && i < PyList_GET_SIZE(pa); i++) {
        PyObject *x = PyList_GET_ITEM(pa, i), *y = PyList_GET_ITEM(pb, i);
        int j, moved = item_long(x, 1) == from.e_line && item_long(x, 3) == from.e_col;
        for (j = 0; same && j < 4; j++) {
            PyObject *u = PyTuple_GET_ITEM(x, j), *v = PyTuple_GET_ITEM(y, j);
            if (moved && (j == 1 || j == 3))
                same = item_long(y, j) == (j == 1 ? to.e_line : to.e_col);
            else
                same = PyObject_RichCompareBool(u, v, Py_EQ) == 1;
        }
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
 * bytes, column and end column; 0-9: line delta 0 and one byte.  Varints are 6 bits a byte,
 * 0x40 meaning more. */
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

/* A copy of code whose location table has every multi-line place that ends at `from` end at
 * `to` (such places are always written in the long form 14); a new reference, or NULL. */
static PyObject *with_ends_moved(PyObject *code, end_at from, end_at to)
{
    PyObject *lt = attr(code, "co_linetable"), *nlt = NULL, *kw = NULL, *meth = NULL;
    PyObject *args = NULL, *out = NULL;
    const uint8_t *t;
    uint8_t *buf = NULL;
    size_t n, i = 0, o = 0;
    long line = attr_long(code, "co_firstlineno");
    if (!lt || !PyBytes_Check(lt) || line < 0)
        goto done;
    t = (const uint8_t *)PyBytes_AS_STRING(lt);
    n = (size_t)PyBytes_GET_SIZE(lt);
    if (!(buf = mem_alloc(2 * n + 64)))  /* an end grows by at most 2 bytes per entry (5+) */
        goto done;
    while (i < n) {
        size_t start = i;
        uint8_t b = t[i++];
        int code_kind = b >> 3 & 15;
        unsigned long u, ed, c, ec;
        if (!(b & 128))
            goto done;
        if (code_kind == 14) {
            long delta;
            if (get_varint(t, n, &i, &u) || get_varint(t, n, &i, &ed) ||
                get_varint(t, n, &i, &c) || get_varint(t, n, &i, &ec))
                goto done;
            delta = (u & 1) ? -(long)(u >> 1) : (long)(u >> 1);
            line += delta;
            if (line + (long)ed == from.e_line && (long)ec - 1 == from.e_col &&
                to.e_line >= line && to.e_col >= 0) {
                buf[o++] = b;
                o += put_varint(buf + o, u);
                o += put_varint(buf + o, (unsigned long)(to.e_line - line));
                o += put_varint(buf + o, c);
                o += put_varint(buf + o, (unsigned long)to.e_col + 1);
                continue;
            }
        } else if (code_kind == 13) {
            if (get_varint(t, n, &i, &u))
                goto done;
            line += (u & 1) ? -(long)(u >> 1) : (long)(u >> 1);
        } else if (code_kind >= 10 && code_kind <= 12) {
            line += code_kind - 10;
            i += 2;
        } else if (code_kind < 10) {
            i += 1;
        }
        if (i > n)
            goto done;
        memcpy(buf + o, t + start, i - start);
        o += i - start;
    }
    if ((nlt = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)o)) &&
        (kw = PyDict_New()) && !PyDict_SetItemString(kw, "co_linetable", nlt) &&
        (meth = PyObject_GetAttrString(code, "replace")) && (args = PyTuple_New(0)))
        out = PyObject_Call(meth, args, kw);
    /* what the table now says must be what was meant */
    if (out && !ends_moved(code, out, from, to))
        Py_CLEAR(out);
done:
    mem_free(buf);
    Py_XDECREF(lt);
    Py_XDECREF(nlt);
    Py_XDECREF(kw);
    Py_XDECREF(meth);
    Py_XDECREF(args);
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
    long line = attr_long(fn, "co_firstlineno");
    Py_ssize_t i;
    for (i = 0; want && !found && consts && PyTuple_Check(consts) &&
                i < PyTuple_GET_SIZE(consts); i++) {
        PyObject *c = PyTuple_GET_ITEM(consts, i), *n;
        if (!PyCode_Check(c))
            continue;
        n = attr(c, "co_name");
        if (n && PyObject_RichCompareBool(n, want, Py_EQ) == 1)
            found = cls ? find_like(c, fn, NULL)
                        : attr_long(c, "co_firstlineno") == line ? c : NULL;
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

/* Lines first..last of t (1-based) at their own places: blank lines before them, `wrap` (when
 * not NULL) on the line before the first.  NUL-terminated, mem_alloc'd; NULL when out of memory. */
static char *lone_text(const uint8_t *t, size_t len, long first, long last, const char *wrap)
{
    size_t from = line_offset(t, len, first), to = line_offset(t, len, last + 1);
    size_t pad = (size_t)(first - 1), wl = wrap ? strlen(wrap) : 0, n = 0;
    char *s = mem_alloc(pad + wl + (to - from) + 2);
    if (!s)
        return NULL;
    if (wrap) {
        memset(s, '\n', pad - 1);
        n = pad - 1;
        memcpy(s + n, wrap, wl);
        n += wl;
        s[n++] = '\n';
    } else {
        memset(s, '\n', pad);
        n = pad;
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
                              const char *wrap, PyObject *name, int future)
{
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    char *s = lone_text(t, len, first, last, wrap);
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

/* A copy of code with its constant i replaced by v; a new reference or NULL. */
static PyObject *with_const(PyObject *code, Py_ssize_t i, PyObject *v)
{
    PyObject *consts = attr(code, "co_consts"), *copy = NULL, *kw = NULL, *meth = NULL;
    PyObject *args = NULL, *out = NULL;
    Py_ssize_t k;
    if (!consts || !PyTuple_Check(consts) || i >= PyTuple_GET_SIZE(consts))
        goto done;
    if (!(copy = PyTuple_New(PyTuple_GET_SIZE(consts))))
        goto done;
    for (k = 0; k < PyTuple_GET_SIZE(consts); k++) {
        PyObject *c = k == i ? v : PyTuple_GET_ITEM(consts, k);
        Py_INCREF(c);
        PyTuple_SET_ITEM(copy, k, c);
    }
    if ((kw = PyDict_New()) && !PyDict_SetItemString(kw, "co_consts", copy) &&
        (meth = PyObject_GetAttrString(code, "replace")) && (args = PyTuple_New(0)))
        out = PyObject_Call(meth, args, kw);
done:
    Py_XDECREF(consts);
    Py_XDECREF(copy);
    Py_XDECREF(kw);
    Py_XDECREF(meth);
    Py_XDECREF(args);
    PyErr_Clear();
    return out;
}

/* The module code of src made from m's by compiling one function again, a new reference; NULL
 * when the edit is not of that kind. */
static PyObject *splice(const memo *m, const uint8_t *src, size_t len, const char *path)
{
    size_t lo = m->m_len, pre = 0, suf = 0, col = 0, at;
    long first_line, last_changed, last;
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
    if (count_lines(m->m_text + pre, lo - suf - pre) != count_lines(src + pre, len - suf - pre))
        return NULL;
    first_line = 1 + (long)count_lines(m->m_text, pre);
    last_changed = lo - suf > pre ? 1 + (long)count_lines(m->m_text, lo - suf - 1) : first_line;
    if (!find_place(&pl, m->m_code, first_line) || pl.p_first < 1)
        return NULL;
    last = last_line(pl.p_func);
    if (last < 0 || last_changed > last || first_line <= pl.p_first)
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
    future = (int)(attr_long(m->m_code, "co_flags") & PyCF_MASK);
    if (!(name = PyUnicode_DecodeUTF8(path, (Py_ssize_t)strlen(path), "surrogateescape"))) {
        PyErr_Clear();
        return NULL;
    }
    old_lone = compile_lone(m->m_text, lo, pl.p_first, last, wrap, name, future);
    new_lone = old_lone ? compile_lone(src, len, pl.p_first, last, wrap, name, future) : NULL;
    if (new_lone) {
        PyObject *fo = find_like(old_lone, pl.p_func, cls);
        PyObject *fn = find_like(new_lone, pl.p_func, cls);
        PyObject *ob = cls ? lone_class(old_lone) : old_lone;   /* the enclosing code, alone */
        PyObject *nb = cls ? lone_class(new_lone) : new_lone;
        cmp_ctx k = { fo, fn, { old_lone, cls ? ob : NULL } };
        cmp_ctx exact = { NULL, NULL, { NULL, NULL } };
        end_at from = furthest_end(ob ? ob : old_lone), to = furthest_end(nb ? nb : new_lone);
        if (fo && fn && ob && nb && from.e_line > 0 && to.e_line > 0 &&
            same_code(fo, pl.p_func, &exact) && same_code(old_lone, new_lone, &k) &&
            ends_moved(old_lone, new_lone, from, to) && ends_moved(ob, nb, from, to)) {
            PyObject *body = pl.p_class ? with_const(pl.p_class, pl.p_fi, fn) : NULL;
            PyObject *mod = pl.p_class && !body ? NULL
                          : with_const(m->m_code, pl.p_class ? pl.p_ci : pl.p_fi,
                                       pl.p_class ? body : fn);
            if (mod &&
                (from.e_line != to.e_line || from.e_col != to.e_col)) {
                /* the `def` statement (and a class or `if` ending with it) ends elsewhere */
                PyObject *moved = body ? with_ends_moved(body, from, to) : NULL;
                Py_CLEAR(mod);
                if (!body || moved)
                    mod = with_const(m->m_code, pl.p_class ? pl.p_ci : pl.p_fi,
                                     pl.p_class ? moved : fn);
                if (mod) {
                    PyObject *m2 = with_ends_moved(mod, from, to);
                    Py_DECREF(mod);
                    mod = m2;
                }
                Py_XDECREF(moved);
            }
            out = mod;
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
            memo_put(path, src, len, code);
            return rc;
        }
        Py_DECREF(code);
        in_compiled_free(out);
    }
    rc = in_compile_code(out, &code, src, len, path, d);
    n_whole++;
    if (code)       /* a syntax error keeps the last text that compiled: the fix is diffed to it */
        memo_put(path, src, len, code);
    return rc;
}
