/* Python source to a 3.11 .pyc image with the embedded libpython: compile, marshal, header. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include "input_int.h"

#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../common/mem.h"

static int started;    /* this stage initialised the interpreter (and finalizes it) */
static int start_failed;

/* Where the embedded interpreter's standard library is: the libpython gilcheck was built with
 * (CMakeLists.txt takes them from pkg-config's python3-embed: Debian's /usr/lib/python3.11). */
#ifndef GILCHECK_PYTHON_HOME
#error "GILCHECK_PYTHON_HOME (the embedded Python's prefix) is set by CMakeLists.txt"
#endif

static const char *const pinned_path[] = { GILCHECK_PYTHON_STDLIB, GILCHECK_PYTHON_DYNLOAD };

const char *in_python_path(size_t i)
{
    return i < sizeof pinned_path / sizeof *pinned_path ? pinned_path[i] : NULL;
}

/* Sets a PyConfig string from UTF-8 (the paths are the build's: ASCII in practice). */
static PyStatus set_string(PyConfig *c, wchar_t **field, const char *value)
{
    return PyConfig_SetBytesString(c, field, value);
}

/* 1 when sys.path is exactly the pinned list. */
static int path_is_pinned(void)
{
    PyObject *path = PySys_GetObject("path");   /* borrowed */
    size_t i, n = sizeof pinned_path / sizeof *pinned_path;
    if (!path || !PyList_Check(path) || (size_t)PyList_GET_SIZE(path) != n)
        return 0;
    for (i = 0; i < n; i++) {
        const char *s = PyUnicode_Check(PyList_GET_ITEM(path, (Py_ssize_t)i))
                            ? PyUnicode_AsUTF8(PyList_GET_ITEM(path, (Py_ssize_t)i)) : NULL;
        if (!s || strcmp(s, pinned_path[i])) {
            PyErr_Clear();
            return 0;
        }
    }
    return 1;
}

/* Starts the interpreter once, pinned: nothing about the machine, the environment or the current
 * directory decides what it imports.  Isolated (no environment variables, no user site, no
 * current directory on the path), no site, no signal handlers; its home, program name and
 * executable are the build's (so it never searches PATH for "python3", and never reads a
 * ._pth or pyvenv.cfg beside one), and sys.path is set to the build's standard library, then
 * checked. */
int in_python_start(void)
{
    PyConfig config;
    PyStatus st;
    size_t i;
    if (Py_IsInitialized())
        return 0;
    if (start_failed)
        return -1;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.install_signal_handlers = 0;
    config.write_bytecode = 0;
    config.user_site_directory = 0;
    config.use_environment = 0;
    config.safe_path = 1;
    config.pathconfig_warnings = 0;
    config.module_search_paths_set = 1;
    /* compile() warns (SyntaxWarning, DeprecationWarning) on stderr: not gilcheck's findings */
    st = PyWideStringList_Append(&config.warnoptions, L"ignore");
    if (!PyStatus_Exception(st))
        st = set_string(&config, &config.home, GILCHECK_PYTHON_HOME);
    if (!PyStatus_Exception(st))
        st = set_string(&config, &config.program_name, GILCHECK_PYTHON_EXECUTABLE);
    if (!PyStatus_Exception(st))
        st = set_string(&config, &config.executable, GILCHECK_PYTHON_EXECUTABLE);
    for (i = 0; !PyStatus_Exception(st) && i < sizeof pinned_path / sizeof *pinned_path; i++) {
        wchar_t *w = Py_DecodeLocale(pinned_path[i], NULL);
        st = w ? PyWideStringList_Append(&config.module_search_paths, w)
               : PyStatus_NoMemory();
        PyMem_RawFree(w);
    }
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        start_failed = 1;
        return -1;
    }
    if (!path_is_pinned()) {   /* never compile with an interpreter that imports from elsewhere */
        Py_FinalizeEx();
        start_failed = 1;
        return -1;
    }
    started = 1;
    if (getenv("GILCHECK_TEST_TRACE_PYTHON"))   /* tests: which process ran CPython */
        fprintf(stderr, "gilcheck: trace: embedded Python started in process %ld\n",
                (long)getpid());
    return 0;
}

void in_shutdown(void)
{
    in_compile_forget(NULL);    /* its code objects, before the interpreter goes */
    if (started && Py_IsInitialized())
        Py_FinalizeEx();
    started = 0;
}

int in_too_large(const char *path, size_t len, diag_ctx *d)
{
    return diag_add(d, G_EBAD, path, -1, "not analysed: %.1f MB of source; CPython's compiler "
                    "needs about 150 bytes of memory per byte, so sources over %u MB (generated "
                    "code or data) are skipped", len / 1048576.0, IN_MAX_SOURCE >> 20);
}

int in_embedded_minor(void)
{
    return PY_MINOR_VERSION;
}

const char *in_embedded_identity(void)
{
    static char ident[300];
    if (!ident[0]) {            /* Py_GetVersion needs no running interpreter */
        const char *v = Py_GetVersion();
        size_t i, k = 0;
        int blank = 0;
        k = (size_t)snprintf(ident, sizeof ident, "3.%d embedded ", PY_MINOR_VERSION);
        for (i = 0; v[i] && k + 1 < sizeof ident; i++) {  /* on one line */
            int b = v[i] == ' ' || v[i] == '\n' || v[i] == '\t';
            if (!(b && blank))
                ident[k++] = b ? ' ' : v[i];
            blank = b;
        }
        ident[k] = 0;
    }
    return ident;
}

int in_magic(void)
{
    if (in_python_start())
        return -1;
    return (int)(PyImport_GetMagicNumber() & 0xffff);
}

int in_source_hash(uint8_t out[8], const uint8_t *src, size_t len)
{
    PyObject *imp, *h = NULL;
    int rc = -1;
    if (in_python_start())
        return -1;
    if ((imp = PyImport_ImportModule("_imp"))) {
        h = PyObject_CallMethod(imp, "source_hash", "ly#", PyImport_GetMagicNumber(),
                                (const char *)src, (Py_ssize_t)len);
        Py_DECREF(imp);
    }
    if (h && PyBytes_Check(h) && PyBytes_GET_SIZE(h) == 8) {
        memcpy(out, PyBytes_AS_STRING(h), 8);
        rc = 0;
    }
    Py_XDECREF(h);
    PyErr_Clear();
    return rc;
}

void in_compiled_free(in_compiled *c)
{
    mem_free(c->ic_pyc);
    c->ic_pyc = NULL;
    c->ic_len = 0;
}

long in_py_long(PyObject *obj, const char *name, long dflt)
{
    PyObject *v = PyObject_GetAttrString(obj, name);
    long r = dflt;
    if (v && PyLong_Check(v)) {
        r = PyLong_AsLong(v);
        if (r == -1 && PyErr_Occurred())
            r = dflt;
    }
    Py_XDECREF(v);
    PyErr_Clear();
    return r;
}

/* str(obj) as UTF-8 into buf; "" when it has none. */
static void text_of(PyObject *obj, char *buf, size_t size)
{
    PyObject *s = obj ? PyObject_Str(obj) : NULL;
    const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(buf, size, "%s", u ? u : "");
    Py_XDECREF(s);
    PyErr_Clear();
}

/* Turns the pending exception into *out's syntax error (G_OK) or a message in d (G_EBAD). */
static int compile_error(in_compiled *out, const char *path, diag_ctx *d)
{
    PyObject *type, *value, *tb;
    int rc = G_OK;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && PyErr_GivenExceptionMatches(type, PyExc_SyntaxError)) {
        PyObject *msg = PyObject_GetAttrString(value, "msg");
        PyErr_Clear();
        text_of(msg ? msg : value, out->ic_msg, sizeof out->ic_msg);
        Py_XDECREF(msg);
        out->ic_syntax = 1;
        out->ic_line = (int32_t)in_py_long(value, "lineno", 1);
        out->ic_col = (int32_t)in_py_long(value, "offset", 1);
    } else if (value && PyErr_GivenExceptionMatches(type, PyExc_ValueError)) {
        /* UnicodeDecodeError of a wrong cookie, null bytes: the source is not valid Python */
        text_of(value, out->ic_msg, sizeof out->ic_msg);
        out->ic_syntax = 1;
        out->ic_line = out->ic_col = 1;
    } else if (value && PyErr_GivenExceptionMatches(type, PyExc_MemoryError)) {
        /* 3.11's parser raises a bare MemoryError when its stack runs out on deep nesting */
        rc = diag_add(d, G_EBAD, path, -1, "cannot compile (MemoryError: nested too deeply for "
                      "CPython's parser, or out of memory)");
    } else {
        char what[400];
        text_of(value, what, sizeof what);
        rc = diag_add(d, G_EBAD, path, -1, "cannot compile (%s%s%s)",
                      type ? ((PyTypeObject *)type)->tp_name : "error", *what ? ": " : "", what);
    }
    if (out->ic_syntax) {
        if (out->ic_line < 1)
            out->ic_line = 1;
        if (out->ic_col < 1)
            out->ic_col = 1;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return rc;
}

/* The first NUL byte's line and column (CPython refuses such sources). */
static void nul_position(in_compiled *out, const uint8_t *src, size_t len)
{
    size_t i;
    int32_t line = 1, col = 1;
    for (i = 0; i < len && src[i]; i++) {
        if (src[i] == '\n' || (src[i] == '\r' && !(i + 1 < len && src[i + 1] == '\n'))) {
            line++;
            col = 1;
        } else if (src[i] != '\r' && (src[i] & 0xc0) != 0x80) {
            col++;
        }
    }
    out->ic_syntax = 1;
    out->ic_line = line;
    out->ic_col = col;
    snprintf(out->ic_msg, sizeof out->ic_msg, "source code cannot contain null bytes");
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8 & 0xff;
    p[2] = v >> 16 & 0xff;
    p[3] = v >> 24 & 0xff;
}

int in_code_pyc(in_compiled *out, PyObject *code, size_t len, const char *path, diag_ctx *d)
{
    PyObject *data = PyMarshal_WriteObjectToString(code, Py_MARSHAL_VERSION);
    int rc = G_OK;
    if (!data) {
        rc = compile_error(out, path, d);
        if (!rc && out->ic_syntax) /* marshal raises ValueError only for unmarshallable objects */
            rc = diag_add(d, G_EBAD, path, -1, "cannot marshal the compiled code (%s)",
                          out->ic_msg);
        out->ic_syntax = 0;
        PyErr_Clear();
        return rc;
    }
    out->ic_len = 16 + (size_t)PyBytes_GET_SIZE(data);
    out->ic_pyc = mem_alloc(out->ic_len);
    if (!out->ic_pyc) {
        out->ic_len = 0;
        rc = diag_add(d, G_ENOMEM, path, -1, "out of memory");
    } else {
        put_u32(out->ic_pyc, (uint32_t)PyImport_GetMagicNumber());  /* 3495 | '\r\n' << 16 */
        put_u32(out->ic_pyc + 4, 0);                                /* flags: timestamp pyc */
        put_u32(out->ic_pyc + 8, 0);                                /* mtime: none */
        put_u32(out->ic_pyc + 12, (uint32_t)len);                   /* source size */
        memcpy(out->ic_pyc + 16, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data));
    }
    Py_DECREF(data);
    return rc;
}

int in_compile_code(in_compiled *out, PyObject **keep, const uint8_t *src, size_t len,
                    const char *path, diag_ctx *d)
{
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    PyObject *name = NULL, *code = NULL;
    char *text;
    int rc = G_OK;

    memset(out, 0, sizeof *out);
    if (keep)
        *keep = NULL;
    if (len > IN_MAX_SOURCE)
        return in_too_large(path, len, d);
    if (memchr(src, 0, len)) {
        nul_position(out, src, len);
        return G_OK;
    }
    if (in_python_start())
        return diag_add(d, G_EBAD, path, -1, "cannot start the embedded Python to compile it");
    text = mem_alloc(len + 1);
    if (!text)
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    memcpy(text, src, len);
    text[len] = 0;
    /* Bytes in, no PyCF_IGNORE_COOKIE: CPython decodes by the coding cookie (UTF-8 without one). */
    /* UTF-8, not the file system encoding: the isolated interpreter's is ASCII under the C
     * locale, which would turn "é" into surrogates and every reported path into bad UTF-8 */
    name = PyUnicode_DecodeUTF8(path, (Py_ssize_t)strlen(path), "surrogateescape");
    if (name)
        code = Py_CompileStringObject(text, name, Py_file_input, &flags, 0);
    mem_free(text);
    if (!code)
        rc = compile_error(out, path, d);
    else
        rc = in_code_pyc(out, code, len, path, d);
    if (!rc && code && keep && out->ic_pyc) {
        *keep = code;
        code = NULL;
    }
    Py_XDECREF(code);
    Py_XDECREF(name);
    PyErr_Clear();
    return rc;
}

int in_compile_bytes(in_compiled *out, const uint8_t *src, size_t len, const char *path,
                     diag_ctx *d)
{
    return in_compile_code(out, NULL, src, len, path, d);
}

int in_compile_path(in_compiled *out, const char *path, diag_ctx *d)
{
    uint8_t *buf;
    size_t n;
    int rc, e;

    memset(out, 0, sizeof *out);
    rc = file_read(&buf, &n, &e, path, IN_MAX_SOURCE);
    if (rc == G_ENOMEM)
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    if (rc && e == EFBIG) {
        struct stat st;
        return in_too_large(path, stat(path, &st) ? IN_MAX_SOURCE + 1 : (size_t)st.st_size, d);
    }
    if (rc)
        return diag_add(d, G_EIO, path, -1, "cannot %s (%s)", n == SIZE_MAX ? "read" : "open",
                        file_strerror(e));
    rc = in_compile_bytes(out, buf ? buf : (const uint8_t *)"", n, path, d);
    mem_free(buf);
    return rc;
}
