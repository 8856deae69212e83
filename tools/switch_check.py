#!/usr/bin/env python3
"""Check gilcheck's switch-point facts (OPF_BREAKER) against running interpreters.

    python3 tools/switch_check.py [--iterations N] [--quick] [--gilcheck PATH]
                                  [--versions 3.9,3.12] [--no-probe]

Two measurements per interpreter (CPython 3.6 .. 3.13 from `pyenv root`/versions/3.N.P, the
highest patch release of each; a missing one is reported and skipped; 3.14 runs in pyodide, which
has no threads, so it is predicted but reported "not measurable"):

1. Racy snippets (SNIPPETS below): each is a small module with a shared counter and a worker();
   4 threads run worker(N) under sys.setswitchinterval(1e-6) and the snippet reports its lost
   updates (or, for the list chain, how many links are broken).  For each snippet the script also
   predicts whether a GIL build of that version can switch threads inside the read-modify-write:
     - from the table: the worker is disassembled with that interpreter's own dis, the window runs
       from the instruction that reads the shared value to the one that writes it, and a switch is
       possible if an instruction in [read, write) has OPF_BREAKER in analyzer/bytecode/op_tables.h;
     - from gilcheck: the snippet is byte-compiled by that interpreter and
       `gilcheck check --scope all --format json FILE.pyc` is asked for the finding on the racy
       line, whose "window" object carries "gil_switch" (when `check` is not there yet this column
       says so and the rest goes on).
   A prediction of "no switch" with lost updates measured is a hard disagreement.  A prediction of
   "switch" with nothing lost is retried once with 4x the iterations (a short run can miss a
   narrow window) and is a disagreement only if nothing is lost again.

2. The eval-breaker probe (skip with --no-probe): a function with many kinds of instruction runs
   in a loop while SIGALRM fires every 50 us; Python runs signal handlers exactly where the eval
   loop checks its eval breaker -- the place where a GIL build also hands the GIL over -- so the
   handler's view of the interrupted frame's f_lasti names an instruction after which a check
   happened.  Every such instruction must have OPF_BREAKER (after mapping EXTENDED_ARG and two
   3.11 superinstructions to the instruction whose check it is, see attribute_hit).  C code that
   calls PyErr_CheckSignals() also runs handlers without any GIL hand-over (int-to-decimal
   conversion does), so the probe function avoids such operations.

Any disagreement prints "BUG IN FACTS" and the exit status is 1; otherwise 0.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OP_TABLES = os.path.join(ROOT, "analyzer", "bytecode", "op_tables.h")
PYODIDE_RUN = os.path.join(ROOT, "tools", "node", "pyodide_run.mjs")
PYODIDE_PKG = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
MINORS = tuple(range(6, 15))
THREADS = 4

# ---------------------------------------------------------------------------------------------
# The snippets.  Each module defines worker(n) and lost(threads, n); the racy statement carries
# the comment "# RACY".  read / write pick the window's ends in the worker's disassembly:
# (opnames, argval or None); write is searched after read.  An atomic snippet has no window.

def _subscr(ins):
    return ins["opname"] == "BINARY_SUBSCR" or (ins["opname"] == "BINARY_OP"
                                                and "[]" in ins["argrepr"])


def _name(opnames, name):
    return lambda ins: ins["opname"] in opnames and ins["argval"] == name


def _call(ins):
    return ins["opname"].startswith("CALL")


_LOAD_COUNT = _name(("LOAD_GLOBAL", "LOAD_NAME"), "count")
_STORE_COUNT = _name(("STORE_GLOBAL", "STORE_NAME"), "count")

SNIPPETS = [
    {"name": "count += 1", "read": _LOAD_COUNT, "write": _STORE_COUNT, "source": """
        count = 0
        def worker(n):
            global count
            for _ in range(n):
                count += 1  # RACY
        def lost(threads, n):
            return threads * n - count
        """},
    {"name": "count = count + 1", "read": _LOAD_COUNT, "write": _STORE_COUNT, "source": """
        count = 0
        def worker(n):
            global count
            for _ in range(n):
                count = count + 1  # RACY
        def lost(threads, n):
            return threads * n - count
        """},
    {"name": "count = abs(count) + 1", "read": _LOAD_COUNT, "write": _STORE_COUNT, "source": """
        count = 0
        def worker(n):
            global count
            for _ in range(n):
                count = abs(count) + 1  # RACY
        def lost(threads, n):
            return threads * n - count
        """},
    {"name": "o.n += 1", "read": _name(("LOAD_ATTR",), "n"), "write": _name(("STORE_ATTR",), "n"),
     "source": """
        class Box(object):
            pass
        o = Box()
        o.n = 0
        def worker(n):
            for _ in range(n):
                o.n += 1  # RACY
        def lost(threads, n):
            return threads * n - o.n
        """},
    {"name": "D[k] += 1", "read": _subscr, "write": lambda ins: ins["opname"] == "STORE_SUBSCR",
     "source": """
        D = {"k": 0}
        def worker(n):
            k = "k"
            for _ in range(n):
                D[k] += 1  # RACY
        def lost(threads, n):
            return threads * n - D["k"]
        """},
    {"name": "D[k] = D[k] + 1", "read": _subscr,
     "write": lambda ins: ins["opname"] == "STORE_SUBSCR", "source": """
        D = {"k": 0}
        def worker(n):
            k = "k"
            for _ in range(n):
                D[k] = D[k] + 1  # RACY
        def lost(threads, n):
            return threads * n - D["k"]
        """},
    {"name": "L.append(L[-1] + 1)", "read": _subscr, "write": _call, "source": """
        L = [0]
        def worker(n):
            for _ in range(n):
                L.append(L[-1] + 1)  # RACY
        def lost(threads, n):
            # links of the chain that are not "previous + 1"
            return sum(1 for a, b in zip(L, L[1:]) if b != a + 1)
        """},
    {"name": "L.append(1) (atomic control)", "read": None, "write": None, "source": """
        L = []
        def worker(n):
            for _ in range(n):
                L.append(1)  # RACY
        def lost(threads, n):
            return threads * n - len(L)
        """},
]

# Run inside each interpreter (3.6+ syntax only): argv = snippet file, threads, iterations.
RUNNER = r'''
import json, sys, threading, time
path, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ns = {"__name__": "snippet"}
with open(path) as f:
    exec(compile(f.read(), path, "exec"), ns)
sys.setswitchinterval(1e-6)
barrier = threading.Barrier(threads)
def run():
    barrier.wait()
    ns["worker"](n)
ts = [threading.Thread(target=run) for _ in range(threads)]
t0 = time.time()
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps({"lost": ns["lost"](threads, n), "seconds": time.time() - t0}))
'''

# Run inside each interpreter: argv = pairs of (snippet file, pyc to write).  Prints each
# worker's instructions and byte-compiles each snippet.
DISASM = r'''
import dis, json, py_compile, sys
res = []
for path, pyc in zip(sys.argv[1::2], sys.argv[2::2]):
    ns = {"__name__": "snippet"}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    out, line = [], None
    for ins in dis.get_instructions(ns["worker"]):
        ln = getattr(ins, "line_number", None)
        if ln is None and not isinstance(ins.starts_line, bool) and ins.starts_line is not None:
            ln = ins.starts_line
        if ln is not None:
            line = ln
        argval = ins.argval if isinstance(ins.argval, (int, str, type(None))) else repr(ins.argval)
        out.append({"offset": ins.offset, "opname": ins.opname, "argval": argval,
                    "argrepr": ins.argrepr, "line": line})
    py_compile.compile(path, cfile=pyc, doraise=True)
    res.append(out)
print(json.dumps({"version": list(sys.version_info[:3]), "snippets": res}))
'''

# The eval-breaker probe, run inside each interpreter: argv = iterations.  Prints
# {"version", "instructions": [[offset, opname], ...], "hits": {offset: count}}.
PROBE = r'''
import dis, json, signal, sys, threading
GLOB = 5
LOCK = threading.Lock()
class Obj(object):
    pass
O = Obj()
O.n = 0
def leaf(a):
    return a
def body(n):
    x = 0
    d = {"k": 0}
    L = [0]
    t = True
    lock = LOCK
    for i in range(n):
        x = x + 1
        y = d["k"]
        d["k"] = y
        if x:
            pass
        if t:
            pass
        z = abs(x)
        z = leaf(x)
        w = GLOB
        O.n += 1
        tup = (x, y)
        a, b = tup
        L.append(1)
        L.pop()
        q = x is None
        r = "k" in d
        s = -x
        u = not x
        v = x and y
        v = x or y
        f = x % 7
        m = {"a": x}
        with lock:
            pass
        try:
            raise KeyError
        except KeyError:
            pass
        j = 0
        while j < 2:
            j += 1
        k = 2
        while k:
            k -= 1
        c = 0
        done = False
        while not done:
            c += 1
            done = c >= 3
        lst = [e for e in L]
        import os as _os
        del tup
hits = {}
codes = {body.__code__: "body", leaf.__code__: "leaf"}
def handler(sig, frame):
    name = codes.get(frame.f_code) if frame is not None else None
    if name is not None:
        key = "%s:%d" % (name, frame.f_lasti)
        hits[key] = hits.get(key, 0) + 1
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
body(int(sys.argv[1]))
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print(json.dumps({"version": list(sys.version_info[:3]),
                  "instructions": dict((n, [[i.offset, i.opname] for i in dis.get_instructions(f)])
                                       for n, f in (("body", body), ("leaf", leaf))),
                  "hits": hits}))
'''


# ---------------------------------------------------------------------------------------------
# Interpreters

def pyenv_root():
    try:
        r = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True, timeout=30)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def find_interpreters(minors):
    """minor -> {"argv", "desc", "threads"}; and minor -> why missing."""
    found, missing = {}, {}
    root = pyenv_root()
    for m in minors:
        if m == 14:
            node = shutil.which("node")
            if node and os.path.isdir(PYODIDE_PKG) and os.path.exists(PYODIDE_RUN):
                found[m] = {"argv": [node, PYODIDE_RUN], "desc": "pyodide", "threads": False}
            else:
                missing[m] = ("node not found" if not node else
                              "tools/node/node_modules missing (npm install --prefix tools/node)")
            continue
        best = None
        for path in glob.glob(os.path.join(root, "versions", "3.%d.*" % m, "bin", "python3")):
            ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
            mm = re.match(r"^3\.%d\.(\d+)$" % m, ver)  # releases only: no 3.13.0t, no rc
            if mm and os.access(path, os.X_OK) and (best is None or int(mm.group(1)) > best[0]):
                best = (int(mm.group(1)), path)
        if best:
            found[m] = {"argv": [best[1]], "desc": best[1], "threads": True}
        else:
            missing[m] = "no %s/versions/3.%d.*/bin/python3" % (root, m)
    return found, missing


def run_json(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout, cwd=ROOT)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv[:2]), r.returncode,
                                                 (r.stderr.strip() or r.stdout.strip())[-800:]))
    return json.loads(lines[-1])


# ---------------------------------------------------------------------------------------------
# The generated table

def load_breakers(path=OP_TABLES):
    """minor -> set of opnames with OPF_BREAKER, parsed from op_tables.h."""
    with open(path) as f:
        text = f.read()
    out = {}
    for m, body in re.findall(r"static const op_info op_ops_3_(\d+)\[256\] = \{(.*?)\n\};",
                              text, re.S):
        names = set()
        for name, flags in re.findall(r'\.oi_name = "([A-Z_0-9]+)", \.oi_flags = ([^,]+),', body):
            if "OPF_BREAKER" in flags:
                names.add(name)
        out[int(m)] = names
    return out


def table_prediction(snippet, instructions, breakers):
    """(can_switch, window description, offsets of the OPF_BREAKER instructions in it)."""
    if snippet["read"] is None:
        return False, "no window (one instruction)", []
    ri = next((i for i, ins in enumerate(instructions) if snippet["read"](ins)), None)
    if ri is None:
        raise RuntimeError("%s: read instruction not found" % snippet["name"])
    wi = next((i for i in range(ri + 1, len(instructions))
               if snippet["write"](instructions[i])), None)
    if wi is None:
        raise RuntimeError("%s: write instruction not found" % snippet["name"])
    window = instructions[ri:wi]
    points = [ins for ins in window if ins["opname"] in breakers]
    desc = "%d..%d: %s" % (instructions[ri]["offset"], instructions[wi]["offset"],
                           " ".join(ins["opname"] + ("*" if ins in points else "")
                                    for ins in window + [instructions[wi]]))
    return bool(points), desc, [ins["offset"] for ins in points]


# ---------------------------------------------------------------------------------------------
# gilcheck check

class Gilcheck(object):
    def __init__(self, path):
        self.path = path
        self.unavailable = None
        self.last_points = None  # switch_points of the last window read
        self.env = dict(os.environ)
        if "GILCHECK_RULES" not in self.env and os.path.isdir(os.path.join(ROOT, "rules")):
            self.env["GILCHECK_RULES"] = os.path.join(ROOT, "rules")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            self.unavailable = "%s not built" % path

    def predict(self, pyc, line):
        """True / False (gil_switch), None when the finding or its window is missing, or the
        string "n/a" when `gilcheck check` cannot be used."""
        if self.unavailable:
            return "n/a"
        for attempt in (1, 2):  # a binary being rebuilt right now can fail to start once
            try:
                r = subprocess.run([self.path, "check", "--scope", "all", "--format", "json",
                                    pyc], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True, timeout=120, env=self.env)
                break
            except (OSError, subprocess.SubprocessError) as e:
                if attempt == 2:
                    self.unavailable = str(e)
                    return "n/a"
                time.sleep(2)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            docs = []
            for l in r.stdout.splitlines():
                try:
                    docs.append(json.loads(l))
                except ValueError:
                    pass
            if not docs:
                msg = (r.stderr.strip() or r.stdout.strip() or "no output").splitlines()
                self.unavailable = "exit %d: %s" % (r.returncode, msg[0] if msg else "")
                return "n/a"
            doc = docs
        windows = []
        for node in walk(doc):
            if isinstance(node, dict) and isinstance(node.get("window"), dict):
                windows.append((finding_line(node), node["window"]))
        on_line = [w for l, w in windows if l == line]
        if not on_line and len(windows) == 1 and windows[0][0] is None:
            on_line = [windows[0][1]]
        self.last_points = None
        if not on_line:
            return None
        vals = [w.get("gil_switch") for w in on_line if isinstance(w.get("gil_switch"), bool)]
        if not vals:
            return None
        self.last_points = sorted(set(p for w in on_line for p in (w.get("switch_points") or [])
                                      if isinstance(p, int)))
        return any(vals)


def walk(node):
    yield node
    if isinstance(node, dict):
        for v in node.values():
            for x in walk(v):
                yield x
    elif isinstance(node, list):
        for v in node:
            for x in walk(v):
                yield x


def finding_line(d):
    for key in ("line", "lineno", "start_line"):
        if isinstance(d.get(key), int):
            return d[key]
    for key in ("location", "loc", "position", "positions", "start", "range"):
        sub = d.get(key)
        if isinstance(sub, dict):
            got = finding_line(sub)
            if got is not None:
                return got
    return None


# ---------------------------------------------------------------------------------------------
# The probe's verdict

def attribute_hit(m, instructions, idx):
    """Index of the instruction whose eval-breaker check a probe hit at instructions[idx] is.
    3.6-3.9 run an EXTENDED_ARG-prefixed instruction with f_lasti still at the prefix.
    3.11 runs two pairs as one: a specialized PRECALL may perform the call, check the breaker
    and skip the following CALL; COMPARE_OP_*_JUMP performs the following conditional jump too
    (and checks after a backward one).  f_lasti then still names the first instruction."""
    while instructions[idx][1] == "EXTENDED_ARG" and idx + 1 < len(instructions):
        idx += 1  # 3.6-3.9: the prefixed instruction runs with f_lasti at its EXTENDED_ARG
    name = instructions[idx][1]
    nxt = instructions[idx + 1][1] if idx + 1 < len(instructions) else None
    if m == 11 and name == "PRECALL" and nxt == "CALL":
        return idx + 1
    if m == 11 and name == "COMPARE_OP" and nxt and nxt.startswith("POP_JUMP_BACKWARD_IF_"):
        return idx + 1
    return idx


def judge_probe(m, res, breakers):
    """(bad, unhit): opnames hit without OPF_BREAKER, flagged opnames never hit."""
    hit_names, bad, seen = set(), {}, set()
    for key, n in res["hits"].items():
        fname, off = key.rsplit(":", 1)
        if int(off) == -1:
            continue  # 3.6-3.10: the check at frame entry, before the first instruction
        ins = res["instructions"][fname]
        index = dict((o, i) for i, (o, _) in enumerate(ins))
        i = index.get(int(off))
        if i is None:
            bad["%s offset %s (not an instruction)" % (fname, off)] = n
            continue
        j = attribute_hit(m, ins, i)
        name = ins[j][1]
        hit_names.add(name)
        if name not in breakers:
            k = "%s@%s:%d" % (name, fname, ins[j][0])
            bad[k] = bad.get(k, 0) + n
    for ins in res["instructions"].values():
        seen.update(n for _, n in ins if n in breakers)
    return bad, sorted(seen - hit_names)


# ---------------------------------------------------------------------------------------------

def fmt_lost(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return "%d" % v


def fmt_pred(v):
    return {True: "switch", False: "none", None: "no-finding", "n/a": "n/a"}.get(v, str(v))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iterations", type=int, default=200000,
                    help="iterations per thread (default 200000; 4 threads)")
    ap.add_argument("--quick", action="store_true", help="50000 iterations, shorter probe")
    ap.add_argument("--gilcheck", default=os.path.join(ROOT, "build", "gilcheck"),
                    help="gilcheck binary (default build/gilcheck)")
    ap.add_argument("--versions", help="comma-separated subset, e.g. 3.9,3.12")
    ap.add_argument("--no-probe", action="store_true", help="skip the eval-breaker probe")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args(argv)
    iterations = 50000 if a.quick and a.iterations == 200000 else a.iterations
    probe_n = 100000 if a.quick else 300000
    minors = MINORS
    if a.versions:
        try:
            minors = tuple(sorted(set(int(v.strip().split(".")[1])
                                      for v in a.versions.split(",") if v.strip())))
        except (IndexError, ValueError):
            ap.error("--versions takes 3.N,3.M,...")
        if any(m not in MINORS for m in minors):
            ap.error("versions are 3.6 .. 3.14")

    t_start = time.time()
    breakers = load_breakers()
    found, missing = find_interpreters(minors)
    for m in minors:
        if m in missing:
            print("3.%d: skipped, interpreter not found (%s)" % (m, missing[m]))
        else:
            print("3.%d: %s" % (m, found[m]["desc"]))
        if m not in breakers:
            print("3.%d: not in %s" % (m, os.path.relpath(OP_TABLES, ROOT)))
    gil = Gilcheck(os.path.abspath(a.gilcheck))
    tmp = tempfile.mkdtemp(prefix="switch_check.")
    disagreements, warnings = [], []
    results = {}
    try:
        scripts = {}
        for name, text in (("runner.py", RUNNER), ("disasm.py", DISASM), ("probe.py", PROBE)):
            scripts[name] = os.path.join(tmp, name)
            with open(scripts[name], "w") as f:
                f.write(text)
        snippet_files = []
        for i, sn in enumerate(SNIPPETS):
            src = textwrap.dedent(sn["source"]).lstrip("\n")
            path = os.path.join(tmp, "snippet%d.py" % i)
            with open(path, "w") as f:
                f.write(src)
            racy = [n + 1 for n, l in enumerate(src.splitlines()) if "# RACY" in l]
            snippet_files.append((path, racy[0]))

        for m in sorted(found):
            interp = found[m]
            pycs = [os.path.join(tmp, "snippet%d.%d.pyc" % (i, m)) for i in range(len(SNIPPETS))]
            try:
                args = []
                for (path, _), pyc in zip(snippet_files, pycs):
                    args += [path, pyc]
                disasm = run_json(interp["argv"] + [scripts["disasm.py"]] + args, 300)["snippets"]
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                disasm = None
                disasm_error = e
            for i, sn in enumerate(SNIPPETS):
                path, racy_line = snippet_files[i]
                cell = results.setdefault((sn["name"], m), {})
                pyc = pycs[i]
                try:
                    if disasm is None:
                        raise RuntimeError("disassembly failed: %s" % disasm_error)
                    table, window, points = table_prediction(sn, disasm[i],
                                                             breakers.get(m, set()))
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    cell["error"] = str(e)
                    disagreements.append("3.%d %s: cannot predict: %s" % (m, sn["name"], e))
                    continue
                cell["table"], cell["window"] = table, window
                cell["gilcheck"] = gil.predict(pyc, racy_line)
                if isinstance(cell["gilcheck"], bool) and gil.last_points is not None \
                        and gil.last_points != points:
                    warnings.append("3.%d %s: gilcheck's switch_points %s, the table's %s "
                                    "(window %s)" % (m, sn["name"], gil.last_points, points,
                                                     window))
                if not interp["threads"]:
                    cell["lost"] = "n/m"
                    continue
                try:
                    r = run_json(interp["argv"] + [scripts["runner.py"], path, str(THREADS),
                                                   str(iterations)], 600)
                    cell["lost"], cell["seconds"] = r["lost"], r["seconds"]
                    preds = [p for p in (table, cell["gilcheck"]) if isinstance(p, bool)]
                    if r["lost"] == 0 and any(preds):
                        r2 = run_json(interp["argv"] + [scripts["runner.py"], path, str(THREADS),
                                                        str(4 * iterations)], 600)
                        cell["retry"] = r2["lost"]
                        cell["seconds"] += r2["seconds"]
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    cell["error"] = str(e)
                    disagreements.append("3.%d %s: run failed: %s" % (m, sn["name"], e))
                    continue
                measured = cell["lost"] if not cell.get("retry") else cell["retry"]
                for who, p in (("table", table), ("gilcheck", cell["gilcheck"])):
                    if not isinstance(p, bool):
                        continue
                    if not p and cell["lost"] > 0:
                        disagreements.append(
                            "BUG IN FACTS: 3.%d %s: %s predicts no switch, %d lost updates "
                            "measured (window %s)" % (m, sn["name"], who, cell["lost"], window))
                    elif p and measured == 0:
                        disagreements.append(
                            "BUG IN FACTS: 3.%d %s: %s predicts a switch, nothing lost in %d + "
                            "%d iterations x %d threads (window %s)"
                            % (m, sn["name"], who, iterations, 4 * iterations, THREADS, window))
                if isinstance(cell["gilcheck"], bool) and cell["gilcheck"] != table:
                    warnings.append("3.%d %s: gilcheck says %s, the table says %s (window %s)"
                                    % (m, sn["name"], fmt_pred(cell["gilcheck"]),
                                       fmt_pred(table), window))
                if sn["read"] is not None and cell["gilcheck"] is None:
                    warnings.append("3.%d %s: gilcheck reports no window on line %d"
                                    % (m, sn["name"], racy_line))

        probe = {}
        if not a.no_probe:
            for m in sorted(found):
                if not found[m]["threads"]:
                    probe[m] = "not measurable (no signals/threads in pyodide)"
                    continue
                try:
                    res = run_json(found[m]["argv"] + [scripts["probe.py"], str(probe_n)], 600)
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    probe[m] = "failed: %s" % e
                    disagreements.append("3.%d probe failed: %s" % (m, e))
                    continue
                bad, unhit = judge_probe(m, res, breakers.get(m, set()))
                probe[m] = {"hits": sum(res["hits"].values()), "bad": bad, "unhit": unhit}
                if bad:
                    disagreements.append(
                        "BUG IN FACTS: 3.%d probe: eval-breaker checks after instructions "
                        "without OPF_BREAKER: %s" % (m, ", ".join(
                            "%s (%d hits)" % kv for kv in sorted(bad.items()))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # -- report
    cols = [m for m in minors if m in found or m in missing]
    print()
    print("Lost updates per snippet (4 threads x %d iterations, switch interval 1 us);"
          % iterations)
    print("each cell: measured / predicted by the table / predicted by gilcheck check")
    if gil.unavailable:
        print("gilcheck check not available (%s)" % gil.unavailable)
    width = max(len(sn["name"]) for sn in SNIPPETS)
    cellw = 34
    print("%-*s  %s" % (width, "snippet", "".join("%-*s" % (cellw, "3.%d" % m) for m in cols)))
    for sn in SNIPPETS:
        row = []
        for m in cols:
            if m in missing:
                row.append("skipped (no interpreter)")
                continue
            c = results.get((sn["name"], m), {})
            if "error" in c and "table" not in c:
                row.append("error")
                continue
            lost = c.get("lost")
            if lost == "n/m":
                meas = "n/m"
            else:
                meas = fmt_lost(lost)
                if c.get("retry") is not None:
                    meas += "(retry %s)" % fmt_lost(c["retry"])
            row.append("%s / %s / %s" % (meas, fmt_pred(c.get("table")),
                                         fmt_pred(c.get("gilcheck"))))
        print("%-*s  %s" % (width, sn["name"], "".join("%-*s" % (cellw, x) for x in row)))
    if 14 in found:
        print("3.14: not measurable (no threads in pyodide); predictions only")
    print()
    print("Windows (from the read to the write; * = OPF_BREAKER):")
    for sn in SNIPPETS:
        for m in cols:
            c = results.get((sn["name"], m), {})
            if c.get("window"):
                print("  3.%-2d %-*s %s" % (m, width, sn["name"], c["window"]))
    if not a.no_probe:
        print()
        print("Eval-breaker probe (SIGALRM every 50 us; a hit = a check after that instruction):")
        for m in cols:
            p = probe.get(m)
            if p is None:
                continue
            if isinstance(p, str):
                print("  3.%d: %s" % (m, p))
                continue
            print("  3.%d: %d hits, %s; flagged but not seen here: %s"
                  % (m, p["hits"], "all on OPF_BREAKER instructions" if not p["bad"]
                     else "BAD: %s" % ", ".join(sorted(p["bad"])), ", ".join(p["unhit"]) or "-"))
    for w in warnings:
        print("warning: %s" % w)
    for d in disagreements:
        print(d)
    print()
    print("%d disagreement(s), %.0f s" % (len(disagreements), time.time() - t_start))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"iterations": iterations, "gilcheck": gil.unavailable or "available",
                       "results": [dict(snippet=k[0], version="3.%d" % k[1], **v)
                                   for k, v in sorted(results.items(), key=lambda kv: kv[0])],
                       "probe": dict(("3.%d" % m, p) for m, p in probe.items()) if not a.no_probe
                       else {},
                       "disagreements": disagreements, "warnings": warnings}, f, indent=1)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
