/* TOML configuration text to JSON with the embedded interpreter's tomllib, so that no TOML parser
 * is written here and the configuration reads exactly as Python tools read it.  A process that
 * has not started the interpreter parses in a child process, so that `check` can still fork its
 * workers from a parent in which no CPython ever ran. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "input.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static int toml_here(char **out, const uint8_t *src, size_t len, const char *path, diag_ctx *d)
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

#define CHILD_TIMEOUT_MS 20000     /* reading a configuration file never takes this long */
#define CHILD_MAX_OUT (64u << 20)  /* nor gives this much */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* toml_here in a child process: it answers "J" + JSON or "E" + the message on a pipe. */
static int toml_in_child(char **out, const uint8_t *src, size_t len, const char *path,
                         diag_ctx *d)
{
    int fds[2], status = 0;
    pid_t pid;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    long deadline;
    if (pipe(fds))
        return diag_add(d, G_EBAD, path, -1, "cannot read the configuration (%s)",
                        strerror(errno));
    fflush(NULL);              /* nothing buffered may be written twice */
    if ((pid = fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
        return diag_add(d, G_EBAD, path, -1, "cannot read the configuration (%s)",
                        strerror(errno));
    }
    if (pid == 0) {
        diag_ctx cd;
        char *js = NULL;
        int bad;
        close(fds[0]);
        diag_init(&cd);
        if (toml_here(&js, src, len, path, &cd))
            bad = write_all(fds[1], "E", 1) ||
                  write_all(fds[1], cd.d_count ? cd.d_msgs[0].dm_text : "cannot read it",
                            strlen(cd.d_count ? cd.d_msgs[0].dm_text : "cannot read it"));
        else
            bad = write_all(fds[1], "J", 1) || write_all(fds[1], js, strlen(js));
        _exit(bad ? 3 : 0);    /* no interpreter finalization, no atexit handlers */
    }
    close(fds[1]);
    deadline = now_ms() + CHILD_TIMEOUT_MS;
    for (;;) {
        struct pollfd pf = { fds[0], POLLIN, 0 };
        long left = deadline - now_ms();
        ssize_t r;
        if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
            kill(pid, SIGKILL);
            n = 0;
            break;
        }
        if (n + 65536 + 1 > cap) {
            char *g;
            if (cap >= CHILD_MAX_OUT || !(g = realloc(buf, cap = cap ? cap * 2 : 65536 * 2))) {
                kill(pid, SIGKILL);
                n = 0;
                break;
            }
            buf = g;
        }
        r = read(fds[0], buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!n || !buf || !WIFEXITED(status) || WEXITSTATUS(status)) {
        free(buf);
        return diag_add(d, G_EBAD, path, -1, "cannot read the configuration (the process "
                        "reading it failed)");
    }
    buf[n] = 0;
    if (buf[0] == 'E') {
        int rc = diag_add(d, G_EBAD, path, -1, "%s", buf + 1);
        free(buf);
        return rc;
    }
    memmove(buf, buf + 1, n);
    *out = buf;
    return G_OK;
}

int in_toml_to_json(char **out, const uint8_t *src, size_t len, const char *path, diag_ctx *d)
{
    *out = NULL;
    if (Py_IsInitialized())
        return toml_here(out, src, len, path, d);
    return toml_in_child(out, src, len, path, d);
}
