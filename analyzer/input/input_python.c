/* Compiling with the user's own interpreter (`--python PATH`): one child process per run, started
 * on first use, that compiles each source it is sent and sends back the .pyc image.  The child
 * only calls compile(); the analysed code is never executed. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/mem.h"
#include "input.h"

extern char **environ;

/* The child: says its version, then answers each request (b"C", path, source) with
 * b"P" + .pyc image, b"S" + JSON syntax error, or b"E" + text.  Runs on Python 3.6 and later. */
static const char child_script[] =
    "import sys, marshal, struct, json, importlib.util\n"
    "r = sys.stdin.buffer\n"
    "w = sys.stdout.buffer\n"
    "def send(t, b):\n"
    "    w.write(t + struct.pack('<I', len(b)) + b)\n"
    "    w.flush()\n"
    "def rd(n):\n"
    "    b = r.read(n)\n"
    "    if len(b) != n:\n"
    "        raise SystemExit(0)\n"
    "    return b\n"
    "send(b'V', ('%d.%d magic %d %s' % (sys.version_info[:2] + (int.from_bytes(\n"
    "    importlib.util.MAGIC_NUMBER[:2], 'little'), ' '.join(sys.version.split())))).encode())\n"
    "pad = b'\\0' * (8 if sys.version_info < (3, 7) else 12)\n"
    "while True:\n"
    "    if not r.read(1):\n"
    "        break\n"
    "    path = rd(struct.unpack('<I', rd(4))[0]).decode('utf-8', 'surrogateescape')\n"
    "    src = rd(struct.unpack('<I', rd(4))[0])\n"
    "    try:\n"
    "        code = compile(src, path, 'exec', dont_inherit=True)\n"
    "    except (SyntaxError, ValueError) as e:\n"
    "        m = getattr(e, 'msg', None) or str(e)\n"
    "        send(b'S', json.dumps({'msg': m, 'line': getattr(e, 'lineno', None) or 1,\n"
    "                               'col': getattr(e, 'offset', None) or 1}).encode())\n"
    "        continue\n"
    "    except BaseException as e:\n"
    "        send(b'E', ('%s: %s' % (type(e).__name__, e)).encode('utf-8', 'replace'))\n"
    "        continue\n"
    "    send(b'P', importlib.util.MAGIC_NUMBER + pad + marshal.dumps(code))\n";

#define REPLY_LIMIT (512u << 20)   /* no .pyc is this large: a confused child */
#define TIMEOUT_MS 120000          /* one file's compilation */

struct in_python {
    char *py_path;             /* the interpreter */
    pid_t py_pid;              /* the child, or 0 */
    int py_in;                 /* its stdin (we write) */
    int py_out;                /* its stdout (we read) */
    int py_minor;              /* 3.<minor> it reported */
    char py_ident[300];        /* "3.<minor> magic N <sys.version>", as it reported */
};

static void child_stop(in_python *p)
{
    if (p->py_pid > 0) {
        close(p->py_in);
        close(p->py_out);
        kill(p->py_pid, SIGKILL);
        waitpid(p->py_pid, NULL, 0);
    }
    p->py_pid = 0;
}

void in_python_free(in_python *p)
{
    if (!p)
        return;
    child_stop(p);
    free(p->py_path);
    free(p);
}

/* Reads exactly n bytes within the deadline; 0, or -1 on EOF, error or timeout. */
static int read_full(int fd, uint8_t *buf, size_t n, long deadline_ms)
{
    while (n) {
        struct pollfd pf = { fd, POLLIN, 0 };
        struct timespec ts;
        long now;
        ssize_t got;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
        if (now >= deadline_ms || poll(&pf, 1, (int)(deadline_ms - now)) <= 0)
            return -1;
        got = read(fd, buf, n);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            return -1;
        }
        buf += got;
        n -= (size_t)got;
    }
    return 0;
}

static int write_full(int fd, const uint8_t *buf, size_t n)
{
    while (n) {
        ssize_t put = write(fd, buf, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        buf += put;
        n -= (size_t)put;
    }
    return 0;
}

static long deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L + TIMEOUT_MS;
}

/* One reply: kind and malloc'd payload (NUL-terminated). */
static int reply_read(in_python *p, char *kind, uint8_t **out, uint32_t *len)
{
    uint8_t head[5];
    long dl = deadline();
    *out = NULL;
    if (read_full(p->py_out, head, 5, dl))
        return -1;
    *kind = (char)head[0];
    *len = (uint32_t)head[1] | (uint32_t)head[2] << 8 | (uint32_t)head[3] << 16 |
           (uint32_t)head[4] << 24;
    if (*len > REPLY_LIMIT || !(*out = mem_alloc((size_t)*len + 1)))
        return -1;
    if (read_full(p->py_out, *out, *len, dl)) {
        mem_free(*out);
        *out = NULL;
        return -1;
    }
    (*out)[*len] = 0;
    return 0;
}

/* Starts the child and reads its version.  G_OK or G_EBAD with a message. */
static int child_start(in_python *p, diag_ctx *d)
{
    int to_child[2], from_child[2];
    char *argv[] = { p->py_path, "-I", "-S", "-W", "ignore", "-c", (char *)child_script, NULL };
    posix_spawn_file_actions_t fa;
    char kind = 0;
    uint8_t *ver = NULL;
    uint32_t len = 0;
    int rc, major = 0, minor = 0;
    if (pipe(to_child))
        return diag_add(d, G_EBAD, p->py_path, -1, "cannot start the interpreter (%s)",
                        strerror(errno));
    if (pipe(from_child)) {
        close(to_child[0]);
        close(to_child[1]);
        return diag_add(d, G_EBAD, p->py_path, -1, "cannot start the interpreter (%s)",
                        strerror(errno));
    }
    fcntl(to_child[1], F_SETFD, FD_CLOEXEC);
    fcntl(from_child[0], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    rc = posix_spawn(&p->py_pid, p->py_path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(to_child[0]);
    close(from_child[1]);
    p->py_in = to_child[1];
    p->py_out = from_child[0];
    if (rc) {
        close(p->py_in);
        close(p->py_out);
        p->py_pid = 0;
        return diag_add(d, G_EBAD, p->py_path, -1, "cannot run the interpreter (%s)", strerror(rc));
    }
    if (reply_read(p, &kind, &ver, &len) || kind != 'V' ||
        sscanf((char *)ver, "%d.%d", &major, &minor) != 2 || major != 3 || minor < 6) {
        mem_free(ver);
        child_stop(p);
        return diag_add(d, G_EBAD, p->py_path, -1, "not a CPython 3.6 or later interpreter (it "
                        "did not answer the compile protocol)");
    }
    snprintf(p->py_ident, sizeof p->py_ident, "%s", (char *)ver);
    mem_free(ver);
    p->py_minor = minor;
    return G_OK;
}

int in_python_open(in_python **out, const char *python, diag_ctx *d)
{
    in_python *p = calloc(1, sizeof *p);
    int rc;
    *out = NULL;
    if (!p || !(p->py_path = strdup(python))) {
        free(p);
        return diag_add(d, G_ENOMEM, python, -1, "out of memory");
    }
    signal(SIGPIPE, SIG_IGN);   /* a dead child is a write error, not the end of gilcheck */
    if ((rc = child_start(p, d))) {
        in_python_free(p);
        return rc;
    }
    *out = p;
    return G_OK;
}

int in_python_minor(const in_python *p)
{
    return p->py_minor;
}

const char *in_python_identity(const in_python *p)
{
    return p->py_ident;
}

int in_python_compile(in_compiled *out, in_python *p, const uint8_t *src, size_t len,
                      const char *path, diag_ctx *d)
{
    uint8_t head[5];
    size_t plen = strlen(path);
    char kind = 0;
    uint8_t *body = NULL;
    uint32_t blen = 0;
    memset(out, 0, sizeof *out);
    if (len > IN_MAX_SOURCE)
        return in_too_large(path, len, d);
    if (plen > 65536)
        return diag_add(d, G_EBAD, path, -1, "path too long to compile");
    if (!p->py_pid && child_start(p, d))
        return G_EBAD;
    head[0] = 'C';
    head[1] = (uint8_t)plen, head[2] = (uint8_t)(plen >> 8), head[3] = (uint8_t)(plen >> 16);
    head[4] = (uint8_t)(plen >> 24);
    if (write_full(p->py_in, head, 5) || write_full(p->py_in, (const uint8_t *)path, plen) ||
        (head[1] = (uint8_t)len, head[2] = (uint8_t)(len >> 8), head[3] = (uint8_t)(len >> 16),
         head[4] = (uint8_t)(len >> 24), write_full(p->py_in, head + 1, 4)) ||
        write_full(p->py_in, src, len) || reply_read(p, &kind, &body, &blen)) {
        child_stop(p);          /* restarted for the next file */
        return diag_add(d, G_EBAD, path, -1, "%s did not compile it (it died, timed out or "
                        "answered garbage)", p->py_path);
    }
    if (kind == 'P') {
        out->ic_pyc = body;
        out->ic_len = blen;
        return G_OK;
    }
    if (kind == 'S') {
        json_error_t je;
        json_t *o = json_loads((const char *)body, 0, &je);
        out->ic_syntax = 1;
        out->ic_line = out->ic_col = 1;
        snprintf(out->ic_msg, sizeof out->ic_msg, "invalid syntax");
        if (o) {
            const char *m = json_string_value(json_object_get(o, "msg"));
            json_int_t l = json_integer_value(json_object_get(o, "line"));
            json_int_t c = json_integer_value(json_object_get(o, "col"));
            if (m)
                snprintf(out->ic_msg, sizeof out->ic_msg, "%s", m);
            out->ic_line = l > 0 && l < INT32_MAX ? (int32_t)l : 1;
            out->ic_col = c > 0 && c < INT32_MAX ? (int32_t)c : 1;
            json_decref(o);
        }
        mem_free(body);
        return G_OK;
    }
    {
        int rc = diag_add(d, G_EBAD, path, -1, "cannot compile with %s (%s)", p->py_path,
                          kind == 'E' ? (char *)body : "unexpected answer");
        mem_free(body);
        if (kind != 'E')
            child_stop(p);
        return rc;
    }
}
