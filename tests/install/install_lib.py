"""What the installation tests share: a copy of the source tree as a clean clone would have it,
a racy module, a short language-server session, and the helpers to run an installed gilcheck
from a directory of its own."""
import json
import os
import select
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
from racy import RACY  # noqa: E402  (tests/cli/racy.py: GIL101 at 8:5)

with open(os.path.join(ROOT, "VERSION")) as _f:
    VERSION = _f.read().strip()


def copy_source(dest):
    """Copies the source tree into dest as a clone would have it: the files git tracks plus the
    new files it does not ignore (so uncommitted work is tested too), never build directories or
    node_modules.  Returns dest."""
    p = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError("%s is not a git work tree" % ROOT)
    for rel in p.stdout.decode().split("\0"):
        src = os.path.join(ROOT, rel)
        if not rel or not os.path.lexists(src):
            continue                      # deleted in the work tree
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    return dest


def is_git_tree():
    return subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def write_racy(directory, name="racy.py"):
    path = os.path.join(directory, name)
    os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        f.write(RACY)
    return path


def _frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class _Reader(object):
    def __init__(self, fd):
        self.fd, self.buf = fd, b""

    def next(self, deadline):
        """The next message, or None at the deadline or end of output."""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                n = int(self.buf[:end].split(b":")[1])
                if len(self.buf) >= end + 4 + n:
                    msg = json.loads(self.buf[end + 4:end + 4 + n])
                    self.buf = self.buf[end + 4 + n:]
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk


def lsp_diagnostics(cmd, cwd, path, env=None, timeout=60):
    """Runs a language-server session: initialize, open the file at path, wait for its
    diagnostics, shutdown, exit.  Returns (exit code, diagnostics, initialize result, stderr)."""
    uri = "file://" + os.path.abspath(path)
    with open(path) as f:
        text = f.read()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    reader, deadline = _Reader(p.stdout.fileno()), time.monotonic() + timeout
    diags, init = None, None
    try:
        p.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": "file://" + os.path.dirname(os.path.abspath(path)),
            "capabilities": {}}}))
        p.stdin.flush()
        while init is None:
            m = reader.next(deadline)
            if m is None:
                break
            if m.get("id") == 1:
                init = m.get("result")
        p.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        p.stdin.write(_frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}}))
        p.stdin.flush()
        while diags is None:
            m = reader.next(deadline)
            if m is None:
                break
            if m.get("method") == "textDocument/publishDiagnostics" and \
                    m["params"]["uri"] == uri:
                diags = m["params"]["diagnostics"]
        p.stdin.write(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        p.stdin.flush()
        while True:
            m = reader.next(deadline)
            if m is None or m.get("id") == 2:
                break
        p.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit"}))
        p.stdin.close()
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = p.stderr.read().decode(errors="replace")
    p.stdout.close()
    p.stderr.close()
    return rc, diags, init, err


def run(cmd, cwd, env=None, timeout=600, input=None):
    """Runs cmd; returns (exit code, stdout, stderr) as text."""
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout, input=input)
    return p.returncode, p.stdout, p.stderr
