#!/usr/bin/env python3
"""Features of `gilcheck lsp` beyond the end-to-end client test: the `with <lock>:` action of a
check-then-act wraps the whole `if` block with the method's `self.<lock>`, hovers on a line
without code and on a syntax error, the hover's interleaving table, a configuration-free `# gilcheck: noqa` file directive,
pull diagnostics answered for the newest text, didSave.

usage: test_features.py GILCHECK
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_robust import INIT, check, note, req, results, run  # noqa: E402

URI = "file:///tmp/features.py"
SRC = """import threading

cache = {}

class Store:
    def __init__(self):
        self._lock = threading.RLock()
        self.n = 0

    def get(self, k):
        if k not in cache:
            cache[k] = k * 2
            print("miss")
        self.n += 1
        return cache[k]

def worker():
    store.get(1)
store = Store()
[threading.Thread(target=worker).start() for _ in range(2)]
"""


def opened(text, version=1):
    return note("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "python", "version": version, "text": text}})


def pos(line, ch=0):
    return {"line": line, "character": ch}


def result(msgs, i):
    r = [m for m in msgs if m.get("id") == i]
    return r[0].get("result") if r else "missing"


def main():
    whole = {"start": pos(0), "end": pos(40)}
    data = (INIT + note("initialized") + opened(SRC) +
            req(2, "textDocument/codeAction", {"textDocument": {"uri": URI}, "range": whole,
                                               "context": {"diagnostics": []}}) +
            req(3, "textDocument/hover", {"textDocument": {"uri": URI}, "position": pos(1)}) +
            req(4, "textDocument/hover", {"textDocument": {"uri": URI}, "position": pos(13, 9)}) +
            note("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                            "contentChanges": [{"text": SRC + "def (\n"}]}) +
            req(5, "textDocument/hover", {"textDocument": {"uri": URI}, "position": pos(20)}) +
            note("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3},
                                            "contentChanges": [{"text": "# gilcheck: noqa\n" + SRC}]}) +
            req(6, "textDocument/diagnostic", {"textDocument": {"uri": URI}}) +
            req(9, "textDocument/diagnostic", {"textDocument": {"uri": URI},
                                               "previousResultId": "3"}) +
            note("textDocument/didSave", {"textDocument": {"uri": URI}}) +
            req(8, "textDocument/hover", {"textDocument": {"uri": URI}, "position": pos(0)}) +
            req(7, "shutdown") + note("exit"))
    rc, msgs, err = run(data)
    check(rc == 0, "served and exited with 0", (rc, err[-300:]))
    pushed = [m["params"] for m in msgs if m.get("method") == "textDocument/publishDiagnostics"]
    first = pushed[0]["diagnostics"] if pushed else []
    check(sorted(d["code"] for d in first) == ["GIL103", "GIL201"], "GIL201 and GIL103 pushed",
          first)
    actions = result(msgs, 2) or []
    wraps = [a for a in actions if a["title"] == "Wrap in `with self._lock:`"]
    edit = wraps[0]["edit"]["changes"][URI][0] if wraps else None
    check(edit is not None and edit["range"] == {"start": pos(10), "end": pos(12, 25)} and
          edit["newText"] == "        with self._lock:\n            if k not in cache:\n"
                             "                cache[k] = k * 2\n                print(\"miss\")",
          "check-then-act: the whole if block goes under self._lock", edit)
    check(len([a for a in actions if "noqa" in a["title"]]) == 2, "one noqa action per finding",
          [a["title"] for a in actions])
    h = result(msgs, 3)
    check(h and "touches no shared state" in h["contents"]["value"] or
          h and "No bytecode on line 2" in h["contents"]["value"], "hover on a blank line", h)
    h = result(msgs, 4)
    check(h and "GIL103" in h["contents"]["value"] and "STORE_ATTR" in h["contents"]["value"],
          "hover on self.n += 1: the attribute's read and write", h)
    v = h["contents"]["value"] if h else ""
    rows = [r for r in v.split("\n") if r.startswith("| ")]
    check("**Interleaving** (lost-update" in v and "| Thread A | Thread B | sees |" in v and
          "| `80 LOAD_ATTR n` \u21c4 switch |  | reads self.n = 0 |" in v and
          "|  | `98 STORE_ATTR n` \u21c4 switch | writes self.n = 1 |" in v and
          "Final: self.n = 1" in v and len(rows) == 15,
          "hover on self.n += 1: the engine's interleaving as a table (A reads, B runs it all, "
          "A writes over it)", v)
    h = result(msgs, 5)
    check(h and "GIL000" in h["contents"]["value"], "hover on a syntax error", h)
    pulled = result(msgs, 6)
    check(pulled and pulled["items"] == [], "file-level `# gilcheck: noqa`, pulled for the newest "
          "version right after the change", pulled)
    check(result(msgs, 9) == {"kind": "unchanged", "resultId": "3"},
          "pull with the current resultId: unchanged", result(msgs, 9))
    check(len([p for p in pushed if p["version"] == 3]) == 2 and pushed[-1]["diagnostics"] == [],
          "didSave analyses again", [p["version"] for p in pushed])
    # a buffer CPython cannot compile at all (not a syntax error): one diagnostic saying why
    deep = "x = " + "-" * 200000 + "1\n"
    rc, msgs, err = run(INIT + note("initialized") + opened(deep) +
                        req(2, "textDocument/diagnostic", {"textDocument": {"uri": URI}}) +
                        req(3, "shutdown") + note("exit"))
    items = (result(msgs, 2) or {}).get("items")
    check(rc == 0 and items and len(items) == 1 and items[0]["severity"] == 3 and
          items[0]["message"].startswith("gilcheck could not analyse this file: ") and
          "code" not in items[0], "a buffer that cannot be analysed: one message why", items)
    # configuration as in CI: the server reports what `gilcheck check` reports for the file
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "pyproject.toml"), "w") as f:
            f.write('[tool.gilcheck]\nignore = ["GIL201"]\n')
        path = os.path.join(tmp, "store.py")
        with open(path, "w") as f:
            f.write(SRC)
        cli = subprocess.run([sys.argv[1], "check", "--format", "concise", path],
                             capture_output=True, text=True)
        want = sorted(line.split()[1] for line in cli.stdout.splitlines() if ": GIL" in line)
        rc, msgs, err = run(INIT + note("textDocument/didOpen", {"textDocument": {
            "uri": "file://" + path, "languageId": "python", "version": 1, "text": SRC}}) +
            req(2, "textDocument/diagnostic", {"textDocument": {"uri": "file://" + path}}) +
            req(3, "shutdown") + note("exit"))
        got = sorted(d["code"] for d in (result(msgs, 2) or {}).get("items", []))
        check(want and got == want, f"pyproject.toml applies as in `check` ({want})", (got, want))
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
