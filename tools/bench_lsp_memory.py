#!/usr/bin/env python3
"""Benchmark (not a test): the resident memory of `gilcheck lsp` over many edits, and after many
documents were opened and closed.

    python3 tools/bench_lsp_memory.py [--gilcheck build/gilcheck] [--edits 30000] [--docs 2000]
                                      [--lines 200] [--every 1000]

The module is a generated module of threaded code (tools/bench_lsp.py's), written to a temporary
project directory with a pyproject.toml [tool.gilcheck] table (--list-items entries in its
extend-select and extend-exclude lists), as in an editor.  Phase 1 opens
it and sends --edits edits to one line (incremental sync), each followed by a
textDocument/diagnostic request, so every edit is analysed (compiled by the embedded CPython,
decoded, analysed, its diagnostics built); VmRSS is read from /proc every --every edits.
Phase 2 opens, analyses and closes the project's files --docs times, one at a time.  Prints the samples, then
the growth over phase 1 after its first tenth (allocator warm-up) and over phase 2.  Goal from
issue 15: flat over 30,000 edits, and closing a document frees what it held.

With --max-growth-kb N the script exits 1 when either growth is over N KiB (tests/security uses
it with fewer edits).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_lsp import module  # noqa: E402  (the same generated module)


def rss_kb(pid):
    """VmRSS of a process in KiB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Client:
    def __init__(self, gilcheck):
        self.p = subprocess.Popen([gilcheck, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, msg):
        msg["jsonrpc"] = "2.0"
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def recv(self):
        n = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                sys.exit("bench_lsp_memory: the server stopped")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(n))

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            m = self.recv()
            if m.get("id") == self.next_id:
                return m


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gilcheck", default=os.path.join(HERE, "..", "build", "gilcheck"))
    ap.add_argument("--edits", type=int, default=30000)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--list-items", type=int, default=2,
                    help="entries of the project's extend-select and extend-exclude lists")
    ap.add_argument("--max-growth-kb", type=int, default=None)
    args = ap.parse_args()

    text = module(args.lines)
    project = tempfile.mkdtemp(prefix="bench_lsp_memory-")
    with open(os.path.join(project, "pyproject.toml"), "w") as f:
        f.write("[tool.gilcheck]\nextend-select = [%s]\nextend-exclude = [%s]\n" % (
            ", ".join('"GIL1%02d"' % (i % 100) for i in range(args.list_items)),
            ", ".join('"gen%d/*.py"' % i for i in range(args.list_items))))
    names = ["mod%d.py" % i for i in range(10)]
    for name in names:
        with open(os.path.join(project, name), "w") as f:
            f.write(text)
    try:
        return run(args, text, project, names)
    finally:
        shutil.rmtree(project, ignore_errors=True)


def run(args, text, project, names):
    c = Client(args.gilcheck)
    c.request("initialize", {"capabilities": {"general": {"positionEncodings": ["utf-16"]}},
                             "rootUri": "file://" + project})
    c.send({"method": "initialized", "params": {}})
    uri = "file://" + os.path.join(project, names[0])
    c.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}}})
    c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    line = [i for i, l in enumerate(text.split("\n")) if l == "        hits += n"][0]

    t0 = time.perf_counter()
    samples = [(0, rss_kb(c.p.pid))]
    for k in range(1, args.edits + 1):
        new = f"        hits += n + {k}"      # a new text every time: nothing can be reused
        c.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": k + 1},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": 10**6}},
                                "text": new}]}})
        r = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        if not r.get("result", {}).get("items"):
            sys.exit("bench_lsp_memory: no diagnostics for edit %d" % k)
        if k % args.every == 0 or k == args.edits:
            samples.append((k, rss_kb(c.p.pid)))
    t_edits = time.perf_counter() - t0
    c.send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})

    docs = [(0, rss_kb(c.p.pid))]
    for k in range(1, args.docs + 1):
        u = "file://" + os.path.join(project, names[k % len(names)])
        c.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": u, "languageId": "python", "version": 1, "text": text}}})
        c.request("textDocument/diagnostic", {"textDocument": {"uri": u}})
        c.send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": u}}})
        if k % max(1, args.docs // 10) == 0 or k == args.docs:
            docs.append((k, rss_kb(c.p.pid)))
    c.request("shutdown", None)
    c.send({"method": "exit"})
    rc = c.p.wait(timeout=60)

    print(f"module: {args.lines} lines; {args.edits} edits in {t_edits:.1f} s "
          f"({t_edits / max(1, args.edits) * 1000:.2f} ms per edit and diagnostic request)")
    print("edits      VmRSS KiB")
    for k, r in samples:
        print(f"{k:>6}  {r:>12}")
    print("documents opened and closed   VmRSS KiB")
    for k, r in docs:
        print(f"{k:>6}  {r:>12}")
    warm = samples[min(len(samples) - 1, max(1, len(samples) // 10))]
    growth_edits = samples[-1][1] - warm[1]
    growth_docs = docs[-1][1] - docs[min(len(docs) - 1, 1)][1]
    print(f"growth over edits {warm[0]}..{samples[-1][0]}: {growth_edits} KiB; "
          f"over documents {docs[min(len(docs) - 1, 1)][0]}..{docs[-1][0]}: {growth_docs} KiB; "
          f"server exit code {rc}")
    if args.max_growth_kb is not None and max(growth_edits, growth_docs) > args.max_growth_kb:
        print(f"FAIL: more than {args.max_growth_kb} KiB")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
