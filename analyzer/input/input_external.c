/* Python source compiled by an external interpreter (pyenv's 3.6-3.13, pyodide's 3.14) into a
 * .pyc image: a child process compiles and marshals, never runs the analysed code. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/datadir.h"
#include "../common/err.h"
#include "../common/mem.h"

#define OUT_LIMIT (64u << 20)      /* bytes of child output accepted (hex of the image) */
#define TIMEOUT_MS 20000           /* a CPython child */
#define TIMEOUT_PYODIDE_MS 90000   /* node + pyodide start slowly */

/* The child's program, for every Python from 3.6 on: reads the source file, compiles it (never
 * runs it), prints the .pyc image (header + marshal) as hex between markers, or the syntax
 * error.  Warnings are ignored (-W ignore on the command line does that for CPython; pyodide
 * gets it here). */
static const char child_script[] =
    "import sys, marshal, binascii, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "import importlib.util\n"
    "src_path, name = sys.argv[1], sys.argv[2]\n"
    "with open(src_path, 'rb') as f:\n"
    "    src = f.read()\n"
    "try:\n"
    "    code = compile(src, name, 'exec', dont_inherit=True)\n"
    "except (SyntaxError, ValueError) as e:\n"
    "    line = getattr(e, 'lineno', None) or 1\n"
    "    col = getattr(e, 'offset', None) or 1\n"
    "    msg = getattr(e, 'msg', None) or str(e)\n"
    "    print('GILCHECK-SYNTAX %d %d %s' % (line, col, str(msg).replace('\\n', ' ')))\n"
    "    sys.exit(0)\n"
    "head = importlib.util.MAGIC_NUMBER + b'\\0' * (12 if sys.version_info >= (3, 7) else 8)\n"
    "data = binascii.hexlify(head + marshal.dumps(code)).decode('ascii')\n"
    "print('GILCHECK-PYC-BEGIN')\n"
    "for i in range(0, len(data), 4096):\n"
    "    print(data[i:i + 4096])\n"
    "print('GILCHECK-PYC-END')\n"
    "sys.stdout.flush()\n";

const char *in_pyodide_runner(void)
{
    static char buf[4096];
    const char *env = getenv("GILCHECK_PYODIDE_RUN");
    if (env && *env)
        return env;
    /* <prefix>/share/gilcheck/pyodide_run.mjs, or tools/node/ of the source tree for a build
     * tree; when neither exists, buf holds the first (which the caller finds missing) */
    data_find(buf, sizeof buf, "pyodide_run.mjs", "tools/node/pyodide_run.mjs", NULL, NULL, 0);
    return buf;
}

/* python3.<minor> in an absolute directory of $PATH (a relative entry would let the current
 * directory choose the program), as a shell would find it. */
static int find_on_path(char *out, size_t size, int minor)
{
    const char *path = getenv("PATH"), *p = path;
    char exe[4200];
    while (p && *p) {
        size_t n = strcspn(p, ":");
        if (n && p[0] == '/' && n < 4000) {
            snprintf(exe, sizeof exe, "%.*s/python3.%d", (int)n, p, minor);
            if (!access(exe, X_OK) && strlen(exe) < size) {
                snprintf(out, size, "%s", exe);
                return G_OK;
            }
        }
        p += n + (p[n] == ':');
    }
    return G_EIO;
}

int in_find_python(char *out, size_t size, int minor)
{
    const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
    char dir[4096], best[4200] = "";
    int best_patch = -1, patch;
    if (minor == 14) {
        /* pyodide is installed next to the runner: tools/node/node_modules/pyodide */
        const char *run = in_pyodide_runner(), *slash = strrchr(run, '/');
        char mods[4200];
        snprintf(mods, sizeof mods, "%.*s/node_modules/pyodide", slash ? (int)(slash - run) : 1,
                 slash ? run : ".");
        if (access(run, R_OK) || access(mods, R_OK))
            return G_EIO;
        snprintf(out, size, "%s", IN_PYODIDE);
        return G_OK;
    }
    if (root && *root)
        snprintf(dir, sizeof dir, "%s/versions", root);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.pyenv/versions", home);
    else
        return find_on_path(out, size, minor);
    /* the highest patch release 3.<minor>.P with a bin/python3 */
    for (patch = 0; patch < 64; patch++) {
        char exe[4200];
        snprintf(exe, sizeof exe, "%s/3.%d.%d/bin/python3", dir, minor, patch);
        if (!access(exe, X_OK)) {
            best_patch = patch;
            snprintf(best, sizeof best, "%s", exe);
        }
    }
    if (best_patch < 0 || strlen(best) >= size)
        return find_on_path(out, size, minor);
    snprintf(out, size, "%s", best);
    return G_OK;
}

/* Writes n bytes to a new file; 0 on success. */
static int write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const char *p = data;
    if (fd < 0)
        return -1;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return close(fd);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs argv with stdout into *buf (malloc'd, NUL-terminated), stderr's tail into errbuf; kills it
 * after timeout_ms or when it writes more than OUT_LIMIT.  Returns 0 and the exit status in
 * *status, or -1 with a reason in errbuf. */
static int run_child(char *const argv[], char **buf, size_t *len, int *status, long timeout_ms,
                     char *errbuf, size_t errsize)
{
    int outp[2], errp[2];
    pid_t pid;
    size_t cap = 1 << 16, n = 0, en = 0;
    long deadline = now_ms() + timeout_ms;
    int open_fds = 2, killed = 0;
    char *b = malloc(cap);
    *buf = NULL;
    errbuf[0] = 0;
    if (!b)
        return -1;
    if (pipe(outp)) {
        free(b);
        return -1;
    }
    if (pipe(errp)) {
        close(outp[0]);
        close(outp[1]);
        free(b);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(outp[0]); close(outp[1]); close(errp[0]); close(errp[1]);
        free(b);
        snprintf(errbuf, errsize, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        close(outp[0]); close(outp[1]); close(errp[0]); close(errp[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    while (open_fds) {
        struct pollfd pf[2];
        int np = 0, k;
        long left = deadline - now_ms();
        if (left <= 0 || n > OUT_LIMIT) {
            kill(pid, SIGKILL);
            killed = left <= 0 ? 1 : 2;
            break;
        }
        if (outp[0] >= 0)
            pf[np++] = (struct pollfd){ outp[0], POLLIN, 0 };
        if (errp[0] >= 0)
            pf[np++] = (struct pollfd){ errp[0], POLLIN, 0 };
        k = poll(pf, (nfds_t)np, (int)left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            continue;
        for (k = 0; k < np; k++) {
            char tmp[8192];
            ssize_t r;
            if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            r = read(pf[k].fd, tmp, sizeof tmp);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(pf[k].fd);
                if (pf[k].fd == outp[0])
                    outp[0] = -1;
                else
                    errp[0] = -1;
                open_fds--;
                continue;
            }
            if (pf[k].fd == outp[0]) {
                if (n + (size_t)r + 1 > cap) {
                    char *g;
                    while (n + (size_t)r + 1 > cap)
                        cap *= 2;
                    if (!(g = realloc(b, cap))) {
                        kill(pid, SIGKILL);
                        killed = 3;
                        open_fds = 0;
                        break;
                    }
                    b = g;
                }
                memcpy(b + n, tmp, (size_t)r);
                n += (size_t)r;
            } else {     /* keep the last bytes of stderr for the message */
                size_t m = (size_t)r < errsize - 1 ? (size_t)r : errsize - 1;
                if (en + m > errsize - 1) {
                    size_t drop = en + m - (errsize - 1);
                    memmove(errbuf, errbuf + drop, en - drop);
                    en -= drop;
                }
                memcpy(errbuf + en, tmp + (size_t)r - m, m);
                en += m;
                errbuf[en] = 0;
            }
        }
    }
    if (outp[0] >= 0)
        close(outp[0]);
    if (errp[0] >= 0)
        close(errp[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    if (killed) {
        free(b);
        snprintf(errbuf, errsize, "%s", killed == 1 ? "timed out" : killed == 2 ?
                 "output too large" : "out of memory");
        return -1;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses the child's output into *out: the image between the markers, or the syntax error. */
static int parse_output(in_compiled *out, const char *text, const char *path, const char *python,
                        diag_ctx *d)
{
    const char *syn = strstr(text, "GILCHECK-SYNTAX "), *beg = strstr(text, "GILCHECK-PYC-BEGIN\n");
    const char *end = beg ? strstr(beg, "GILCHECK-PYC-END") : NULL, *p;
    size_t nbytes = 0;
    int hi = -1;
    if (syn && (!beg || syn < beg)) {
        long line = 1, col = 1;
        int used = 0;
        const char *nl;
        if (sscanf(syn + 16, "%ld %ld %n", &line, &col, &used) < 2)
            return diag_add(d, G_EBAD, path, -1, "cannot compile with %s (garbled answer)", python);
        nl = strchr(syn + 16 + used, '\n');
        snprintf(out->ic_msg, sizeof out->ic_msg, "%.*s",
                 (int)(nl ? nl - (syn + 16 + used) : (long)strlen(syn + 16 + used)), syn + 16 + used);
        out->ic_syntax = 1;
        out->ic_line = line > 0 && line < INT32_MAX ? (int32_t)line : 1;
        out->ic_col = col > 0 && col < INT32_MAX ? (int32_t)col : 1;
        return G_OK;
    }
    if (!beg || !end)
        return diag_add(d, G_EBAD, path, -1, "cannot compile with %s (no image in its answer)",
                        python);
    beg += strlen("GILCHECK-PYC-BEGIN\n");
    if (!(out->ic_pyc = mem_alloc((size_t)(end - beg) / 2 + 1)))
        return diag_add(d, G_ENOMEM, path, -1, "out of memory");
    for (p = beg; p < end; p++) {
        int v;
        if (*p == '\n' || *p == '\r')
            continue;
        if ((v = hexval(*p)) < 0) {
            in_compiled_free(out);
            return diag_add(d, G_EBAD, path, -1, "cannot compile with %s (garbled image)", python);
        }
        if (hi < 0) {
            hi = v;
        } else {
            out->ic_pyc[nbytes++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    out->ic_len = nbytes;
    if (hi >= 0 || nbytes < 16) {
        in_compiled_free(out);
        return diag_add(d, G_EBAD, path, -1, "cannot compile with %s (short image)", python);
    }
    return G_OK;
}

int in_compile_external(in_compiled *out, const char *python, const uint8_t *src, size_t len,
                        const char *path, diag_ctx *d)
{
    char tmpl[] = "/tmp/gilcheck-compile-XXXXXX", errbuf[512];
    const char *tmpdir = getenv("TMPDIR");
    char dirbuf[4096];
    char *argv[8], *text = NULL;
    size_t tlen = 0;
    int status = 0, rc, pyodide = !strcmp(python, IN_PYODIDE);
    char *dir;

    memset(out, 0, sizeof *out);
    if (tmpdir && *tmpdir && strlen(tmpdir) < sizeof dirbuf - 32) {
        snprintf(dirbuf, sizeof dirbuf, "%s/gilcheck-compile-XXXXXX", tmpdir);
        dir = mkdtemp(dirbuf);
    } else {
        dir = mkdtemp(tmpl);
    }
    if (!dir)
        return diag_add(d, G_EIO, path, -1, "cannot compile with %s (no temporary directory: %s)",
                        python, strerror(errno));
    {
        char sp[4200], srcp[4200];
        snprintf(sp, sizeof sp, "%s/compile.py", dir);
        snprintf(srcp, sizeof srcp, "%s/source.py", dir);
        if (write_file(sp, child_script, sizeof child_script - 1) ||
            write_file(srcp, src ? (const void *)src : "", src ? len : 0)) {
            rc = diag_add(d, G_EIO, path, -1, "cannot compile with %s (cannot write %s)", python, dir);
            goto done;
        }
        if (pyodide) {
            argv[0] = (char *)"node";
            argv[1] = (char *)in_pyodide_runner();
            argv[2] = sp;
            argv[3] = srcp;
            argv[4] = (char *)path;
            argv[5] = NULL;
        } else {
            argv[0] = (char *)python;
            argv[1] = (char *)"-I";
            argv[2] = (char *)"-S";
            argv[3] = (char *)"-W";
            argv[4] = (char *)"ignore";
            argv[5] = sp;
            argv[6] = srcp;
            argv[7] = (char *)path;
        }
        {
            char *full[9];
            int i, k = pyodide ? 5 : 8;
            for (i = 0; i < k; i++)
                full[i] = argv[i];
            full[k] = NULL;
            const char *env = getenv("GILCHECK_COMPILE_TIMEOUT_MS");   /* for tests */
            long timeout = env && atol(env) > 0 ? atol(env)
                                                : pyodide ? TIMEOUT_PYODIDE_MS : TIMEOUT_MS;
            if (run_child(full, &text, &tlen, &status, timeout, errbuf, sizeof errbuf)) {
                rc = diag_add(d, G_EIO, path, -1, "cannot compile with %s (%s)", python,
                              errbuf[0] ? errbuf : "cannot run it");
                goto done;
            }
        }
        (void)tlen;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char *nl;
            while ((nl = strrchr(errbuf, '\n')) && !nl[1])
                *nl = 0;
            nl = strrchr(errbuf, '\n');
            rc = diag_add(d, G_EIO, path, -1, "cannot compile with %s (exit status %d%s%s)", python,
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                          errbuf[0] ? ": " : "", nl ? nl + 1 : errbuf);
            goto done;
        }
        rc = parse_output(out, text, path, python, d);
    done:
        free(text);
        unlink(sp);
        unlink(srcp);
        rmdir(dir);
    }
    return rc;
}
