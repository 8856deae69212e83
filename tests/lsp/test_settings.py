#!/usr/bin/env python3
"""Settings in `gilcheck lsp`: one value per configuration root, so two workspace folders with
different [tool.gilcheck] each keep their own (in any order, with extend-select and
per-file-ignores applied once); a broken configuration is a window/showMessage and a diagnostic on
the configuration file, and saving the fixed file takes effect; a project's `python` is never
run, the client's is; the hover says "not atomic (suppressed by `# noqa`)", shows no HTML
entities, and the code actions are one per distinct fix plus "suppress all on this line".

usage: test_settings.py GILCHECK
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_robust import check, note, parse_frames, req, results  # noqa: E402

GILCHECK = sys.argv[1]

RACY = """import threading

count = 0
D = {}


def work(k):
    global count
    count += 1
    D[k] = D[k] + 1


for k in (1, 2):
    threading.Thread(target=work, args=(k,)).start()
"""

# GIL101 and GIL104 on one line, and a lock to wrap it in.
TWO = """import threading

count = 0
D = {}
lock = threading.Lock()


def work(k):
    global count
    count += 1; D[k] = D[k] + 1


for k in (1, 2):
    threading.Thread(target=work, args=(k,)).start()
"""


def uri(path):
    return "file://" + path


_ids = [100]


def opened(path, text):
    """didOpen, then a pull for its diagnostics: the server analyses (and pushes) before it
    reads on."""
    _ids[0] += 1
    return (note("textDocument/didOpen", {"textDocument": {
        "uri": uri(path), "languageId": "python", "version": 1, "text": text}}) +
        req(_ids[0], "textDocument/diagnostic", {"textDocument": {"uri": uri(path)}}))


def run(data, env=None):
    e = dict(os.environ)
    e["XDG_CONFIG_HOME"] = "/nonexistent-config"
    e.pop("GILCHECK_PYTHON", None)
    e.update(env or {})
    p = subprocess.run([GILCHECK, "lsp"], input=data, capture_output=True, timeout=300, env=e)
    return p.returncode, parse_frames(p.stdout), p.stderr.decode(errors="replace")


def init(options=None, folders=()):
    params = {"capabilities": {}, "workspaceFolders": [
        {"uri": uri(f), "name": os.path.basename(f)} for f in folders]}
    if options is not None:
        params["initializationOptions"] = options
    return req(1, "initialize", params) + note("initialized")


def pushed(msgs, path):
    """The diagnostics pushed for path, one list per push."""
    return [m["params"]["diagnostics"] for m in msgs
            if m.get("method") == "textDocument/publishDiagnostics" and
            m["params"]["uri"] == uri(path)]


def codes(diags):
    return sorted(d.get("code") for d in diags)


def result(msgs, i):
    r = [m for m in msgs if m.get("id") == i]
    return r[0].get("result") if r else "missing"


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def two_folders(tmp):
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    write(os.path.join(a, "pyproject.toml"),
          '[tool.gilcheck]\nselect = ["GIL101"]\nextend-select = ["GIL104"]\n'
          'per-file-ignores = {"skip.py" = ["ALL"]}\n')
    write(os.path.join(b, "gilcheck.toml"), 'select = ["GIL104"]\n')
    pa, pb, skip = os.path.join(a, "m.py"), os.path.join(b, "m.py"), os.path.join(b, "skip.py")
    for p in (pa, pb, skip):
        write(p, RACY)
    data = (init(folders=(a, b)) + opened(pa, RACY) + opened(pb, RACY) + opened(skip, RACY) +
            note("textDocument/didClose", {"textDocument": {"uri": uri(pa)}}) +
            opened(pa, RACY) + req(9, "shutdown") + note("exit"))
    rc, msgs, err = run(data)
    check(rc == 0, "two folders: served", err[-300:])
    got_a = [codes(d) for d in pushed(msgs, pa) if d]
    got_b = [codes(d) for d in pushed(msgs, pb) if d]
    check(got_a == [["GIL101", "GIL104"], ["GIL101", "GIL104"]],
          "folder a: its own select + extend-select, the same after b was opened", got_a)
    check(got_b == [["GIL104"]], "folder b: its own select, nothing of a's", got_b)
    check([codes(d) for d in pushed(msgs, skip)] == [["GIL104"]],
          "a's per-file-ignores do not leak into b", pushed(msgs, skip))


def broken_configuration(tmp):
    d = os.path.join(tmp, "broken")
    cfg = os.path.join(d, "pyproject.toml")
    write(cfg, '[project]\nname = "x"\n\n[tool.gilcheck]\nselect = ["GIL1"]\nscope = "everything"\n')
    path = os.path.join(d, "m.py")
    write(path, RACY)
    # interactively: the file is fixed while the server runs
    e = dict(os.environ, XDG_CONFIG_HOME="/nonexistent-config")
    p = subprocess.Popen([GILCHECK, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=e)
    p.stdin.write(init() + opened(path, RACY))
    p.stdin.flush()
    msgs = []
    while not any(m.get("id") == _ids[0] for m in msgs):      # the pull answered
        msgs.append(read_frame(p.stdout))
    shown = [m["params"] for m in msgs if m.get("method") == "window/showMessage"]
    check(len(shown) == 1 and shown[0]["type"] == 1 and cfg in shown[0]["message"] and
          "'scope'" in shown[0]["message"], "a broken configuration: one showMessage error",
          shown)
    on_cfg = pushed(msgs, cfg)
    check(len(on_cfg) == 1 and len(on_cfg[0]) == 1 and on_cfg[0][0]["severity"] == 1 and
          on_cfg[0][0]["range"]["start"]["line"] == 5,
          "a diagnostic on the configuration file, at the key's line", on_cfg)
    mine = pushed(msgs, path)
    check(len(mine) == 1 and len(mine[0]) == 1 and "configuration" in mine[0][0]["message"],
          "the file says its configuration is broken (never silently the defaults)", mine)
    # the fixed file, saved, takes effect and withdraws the error
    with open(cfg, "w") as f:
        f.write('[tool.gilcheck]\nselect = ["GIL104"]\n')
    p.stdin.write(note("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri(cfg),
                                                                        "type": 2}]}) +
                  req(50, "textDocument/diagnostic", {"textDocument": {"uri": uri(path)}}) +
                  req(9, "shutdown") + note("exit"))
    p.stdin.close()
    rest = parse_frames(p.stdout.read())
    p.wait(timeout=60)
    on_cfg = pushed(rest, cfg)
    check(on_cfg == [[]], "the error on the configuration is withdrawn", on_cfg)
    check(codes(pushed(rest, path)[-1]) == ["GIL104"], "the fixed settings apply",
          pushed(rest, path))


def read_frame(stream):
    """One message from the server's output (blocking)."""
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        c = stream.read(1)
        if not c:
            raise EOFError("the server closed its output")
        header += c
    n = int(header.split(b":")[1].split(b"\r\n")[0])
    return json.loads(stream.read(n))


def project_python(tmp):
    d = os.path.join(tmp, "py")
    marker = os.path.join(d, "RAN")
    trap = os.path.join(d, "tools", "py")
    write(trap, "#!/bin/sh\ntouch '%s'\nexec '%s' \"$@\"\n" % (marker, sys.executable), 0o755)
    write(os.path.join(d, "pyproject.toml"), '[tool.gilcheck]\npython = "./tools/py"\n')
    path = os.path.join(d, "m.py")
    write(path, RACY)
    rc, msgs, err = run(init(folders=(d,)) + opened(path, RACY) + req(9, "shutdown") +
                        note("exit"), env={"GILCHECK_PYTHON": trap})
    check(not os.path.exists(marker), "a project's python (or the environment's) never runs",
          err[-300:])
    check(codes(pushed(msgs, path)[-1]) == ["GIL101", "GIL104"], "analysed with the embedded "
          "interpreter", pushed(msgs, path))
    shown = [m["params"]["message"] for m in msgs if m.get("method") == "window/showMessage"]
    check(any("is ignored" in s for s in shown), "the ignored python is said", shown)
    rc, msgs, err = run(init({"settings": {"python": trap}}, folders=(d,)) + opened(path, RACY) +
                        req(9, "shutdown") + note("exit"))
    check(os.path.exists(marker), "the client's python is used", err[-300:])
    check(codes(pushed(msgs, path)[-1]) == ["GIL101", "GIL104"], "... and compiles", msgs[-3:])


def hover_and_actions(tmp):
    path = os.path.join(tmp, "h", "m.py")
    text = TWO.replace("D[k] + 1\n", "D[k] + 1  # noqa\n")
    write(path, text)
    line = {"line": 9, "character": 4}
    data = (init() + opened(path, text) +
            req(2, "textDocument/hover", {"textDocument": {"uri": uri(path)}, "position": line}))
    data += note("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": 2},
                                            "contentChanges": [{"text": TWO}]})
    data += (req(3, "textDocument/hover", {"textDocument": {"uri": uri(path)}, "position": line}) +
             req(4, "textDocument/codeAction", {
                 "textDocument": {"uri": uri(path)},
                 "range": {"start": line, "end": line}, "context": {"diagnostics": []}}) +
             req(9, "shutdown") + note("exit"))
    rc, msgs, err = run(data)
    h = result(msgs, 2)
    value = h["contents"]["value"] if h else ""
    check("**Not atomic** (suppressed by `# noqa`)" in value, "suppressed: not atomic, "
          "suppressed by noqa", value[-400:])
    value = (result(msgs, 3) or {}).get("contents", {}).get("value", "")
    check("&#" not in value and "&amp;" not in value and "\u21c4 switch" in value,
          "no HTML entities in the hover", value)
    titles = [a["title"] for a in result(msgs, 4) or []]
    check(len(titles) == len(set(titles)), "no action twice", titles)
    check(titles.count("Wrap in `with lock:`") == 1, "one wrap for the two findings", titles)
    check("Suppress all on this line (# noqa: GIL101, GIL104)" in titles,
          "suppress all on this line", titles)
    check("Suppress GIL101 on this line (# noqa)" in titles and
          "Suppress GIL104 on this line (# noqa)" in titles, "one suppression per rule", titles)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = os.path.realpath(tmp)
        two_folders(tmp)
        broken_configuration(tmp)
        project_python(tmp)
        hover_and_actions(tmp)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
