#!/usr/bin/env python3
"""Check every switch-point edge a running interpreter shows against gilcheck's tables.

    python3 tools/switch_probe.py [--gilcheck PATH] [--seconds S] [--versions 3.9,3.12] [--json F]

CPython runs Python signal handlers exactly where its eval loop checks the eval breaker -- the
place where a GIL build also hands the GIL to a waiting thread.  So a SIGALRM handler that fires
every few dozen microseconds while a probe function runs sees, in the interrupted frame's
f_lasti, an instruction after which such a check happened.  To know on which EDGE (to the next
instruction, to the jump target, into the exception handler), the handler arms a one-shot opcode
trace (frame.f_trace_opcodes, 3.7+): the next opcode event names the instruction execution went
on with.  Every (instruction, edge) hit must be a switch edge in gilcheck's tables, as
`gilcheck dis --json --switch-edges` reports them for the probe compiled by that interpreter
(the same code the handler saw).  3.6 has no opcode tracing: a hit there must be on an
instruction with some switch edge.

Artefacts mapped back to the instruction whose check it is:
  * 3.6-3.9 run an EXTENDED_ARG-prefixed instruction with f_lasti still at the prefix;
  * 3.11 specialises PRECALL into forms that perform the call, check, and skip the CALL, and
    COMPARE_OP into forms that also perform the following POP_JUMP_*: f_lasti names the first;
  * offset -1 is the check at frame entry (3.6-3.10: "switch_at_entry").
C code that calls PyErr_CheckSignals() (int-to-decimal conversion, time.sleep) also runs
handlers without any GIL hand-over; the probe function avoids it.

Interpreters: CPython 3.6-3.13 from `pyenv root`/versions (the highest patch release of each);
a missing one is reported and skipped.  3.14 runs in pyodide, which has neither signals nor
threads: reported "not measurable" (its facts come from its sources, docs/switch-points.md).
Exit 0 when every hit agrees, 1 on a disagreement, 77 when no interpreter could be probed.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from interpreters import pyenv_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = 77

# The probe module: run by each interpreter, compiled by it for gilcheck.  Python 3.6 syntax.
PROBE_MODULE = r'''
import threading
LOCK = threading.Lock()
D = {"k": 0}
GLOB = 5


class Box(object):
    pass


O = Box()
O.n = 0


def leaf(a):
    return a


def gen():
    while True:
        yield 1


def body(rounds):
    d = {"k": 0}
    L = [0]
    t = True
    f = False
    one = 1
    zero = 0
    g = gen()
    total = 0
    for i in range(rounds):
        if t:
            total = total + 1
        if f:
            total = total + 2
        if one:
            total = total + 1
        if zero:
            total = total + 2
        if "k" in d:
            total = total + 1
        if "z" in d:
            total = total + 2
        if L:
            total = total + 1
        if not L:
            total = total + 2
        if one is None:
            total = total + 2
        if one is not None:
            total = total + 1
        v = one and zero
        v = zero or one
        x = abs(total)
        x = leaf(total)
        x = d["k"]
        d["k"] = x
        O.n += 1
        w = GLOB
        tup = (x, w)
        a, b = tup
        L.append(1)
        L.pop()
        try:
            d["missing"]
        except KeyError:
            total = total + 1
        try:
            raise ValueError
        except ValueError:
            total = total + 1
        with LOCK:
            total = total + 1
        j = 0
        while j < 2:
            j += 1
        k = 2
        while k:
            k -= 1
        n = 0
        while True:
            try:
                n += 1
                if n > 2:
                    break
            finally:
                total = total + 1
        x = next(g)
        for y in g:
            break
        lst = [e for e in L]
        import os as _os
        del tup
    return total
'''

# Run inside each interpreter: argv = module file, seconds.  Prints one JSON line.
RUNNER = r'''
import json, signal, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
ns = {"__name__": "switch_probe_module"}
with open(path) as f:
    exec(compile(f.read(), path, "exec"), ns)
codes = {}
for name in ("body", "leaf", "gen"):
    co = ns[name].__code__
    codes[co] = "%s:%d" % (co.co_name, co.co_firstlineno)
hits = {}
state = {"armed": None}
TRACE = sys.version_info >= (3, 7)

def tracer(frame, event, arg):
    if event == "call":
        return None
    if event == "opcode" or event == "line":
        src = state["armed"]
        if src is not None and frame is src[0]:
            key = "%s|%d|%d" % (src[1], src[2], frame.f_lasti)
            hits[key] = hits.get(key, 0) + 1
            state["armed"] = None
            frame.f_trace_opcodes = False
            frame.f_trace = None
            sys.settrace(None)
            return None
    return tracer

def handler(sig, frame):
    if frame is None:
        return
    name = codes.get(frame.f_code)
    if name is None:
        return
    if TRACE and state["armed"] is None:
        state["armed"] = (frame, name, frame.f_lasti)
        frame.f_trace_opcodes = True
        frame.f_trace = tracer
        sys.settrace(tracer)
    else:
        key = "%s|%d|" % (name, frame.f_lasti)
        hits[key] = hits.get(key, 0) + 1

signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
t0 = time.time()
rounds = 0
while time.time() - t0 < seconds:
    ns["body"](200)
    rounds += 200
signal.setitimer(signal.ITIMER_REAL, 0, 0)
sys.settrace(None)
print(json.dumps({"version": list(sys.version_info[:3]), "rounds": rounds, "hits": hits}))
'''


def find_interpreters(minors):
    found, missing = {}, {}
    root = pyenv_root()
    for m in minors:
        if m == 14:
            missing[m] = "not measurable: pyodide has neither signals nor threads (facts from " \
                         "the 3.14 sources)"
            continue
        best = None
        for path in glob.glob(os.path.join(root, "versions", "3.%d.*" % m, "bin", "python3")):
            ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
            mm = re.match(r"^3\.%d\.(\d+)$" % m, ver)
            if mm and os.access(path, os.X_OK) and (best is None or int(mm.group(1)) > best[0]):
                best = (int(mm.group(1)), path)
        if best:
            found[m] = best[1]
        else:
            missing[m] = "no %s/versions/3.%d.*/bin/python3" % (root, m)
    return found, missing


def run_json(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv[:3]), r.returncode,
                                                 (r.stderr.strip() or r.stdout.strip())[-600:]))
    return json.loads(lines[-1])


def tables(gilcheck, pyc):
    """code key ("body:25") -> {offset: instruction} from gilcheck dis --json --switch-edges."""
    doc = run_json([gilcheck, "dis", "--json", "--switch-edges", pyc], 120)
    if "error" in doc:
        raise RuntimeError("gilcheck dis: %s" % doc["error"])
    out = {}
    for c in doc["code"]:
        key = "%s:%d" % (c["name"], c["firstlineno"])
        out[key] = dict((i["offset"], i) for i in c["instructions"])
    return out, doc.get("switch_at_entry")


def edge_of(ins, offsets, src, dst):
    """The kind of edge from src to dst, or None when it is none of src's edges."""
    i = ins[src]
    nxt = next((o for o in offsets if o > src), None)
    kinds = []
    if dst == nxt:
        kinds.append("next")
    if i["target"] is not None and dst == i["target"]:
        kinds.append("jump")
    if i.get("handler") is not None and dst == i["handler"]:
        kinds.append("raise")
    return kinds


def attribute(m, ins, offsets, src, dst):
    """(instruction offset, [edge kinds]) a hit at f_lasti=src going on to dst stands for."""
    pos = offsets.index(src)
    while ins[src]["opname"] == "EXTENDED_ARG" and pos + 1 < len(offsets):
        pos += 1                            # 3.6-3.9: f_lasti stays at the prefix
        src = offsets[pos]
    name = ins[src]["opname"]
    nxt = offsets[pos + 1] if pos + 1 < len(offsets) else None
    if m == 11 and nxt is not None:
        nname = ins[nxt]["opname"]
        if (name == "PRECALL" and nname == "CALL") or \
                (name == "COMPARE_OP" and nname.startswith("POP_JUMP_")):
            if dst is None or not edge_of(ins, offsets, src, dst):
                src = nxt                   # the pair ran as one; its check is the second's
    if dst is None:
        return src, None
    return src, edge_of(ins, offsets, src, dst)


def judge(m, res, codes, at_entry):
    """Counts and disagreements of one interpreter's hits."""
    bad, seen, unexplained = {}, set(), {}
    by_edge = {"next": 0, "jump": 0, "raise": 0, "instruction": 0, "entry": 0}
    for key, n in res["hits"].items():
        code, src, dst = key.split("|")
        src = int(src)
        dst = int(dst) if dst else None
        ins = codes.get(code)
        if ins is None:
            unexplained[key] = n
            continue
        offsets = sorted(ins)
        if src < 0:
            by_edge["entry"] += n
            if not at_entry:
                bad["%s frame entry (no check at entry in this version)" % code] = n
            continue
        if src not in ins:
            unexplained[key] = n
            continue
        src, kinds = attribute(m, ins, offsets, src, dst)
        i = ins[src]
        where = "%s %d %s" % (code, src, i["opname"])
        if kinds is None:                   # 3.6: no opcode events, the edge is unknown
            by_edge["instruction"] += n
            if not i["switch"]:
                bad["%s (no switch edge at all)" % where] = bad.get(where, 0) + n
            else:
                seen.add((code, src, "any"))
            continue
        if not kinds:
            unexplained["%s -> %s" % (where, dst)] = n
            continue
        ok = [k for k in kinds if k in i["switch"]]
        by_edge[kinds[0]] += n
        if ok:
            seen.add((code, src, ok[0]))
        else:
            k = "%s, %s edge to %d" % (where, "/".join(kinds), dst)
            bad[k] = bad.get(k, 0) + n
    claimed = set()
    for code, ins in codes.items():
        for off, i in ins.items():
            for e in i["switch"]:
                if e != "raise" or i.get("handler") is not None:
                    claimed.add((code, off, e))
    return {"hits": sum(res["hits"].values()), "rounds": res["rounds"], "by_edge": by_edge,
            "bad": bad, "unexplained": unexplained,
            "confirmed": len(set((c, o, e) for c, o, e in seen if e != "any")),
            "claimed": len(claimed)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gilcheck", default=os.path.join(ROOT, "build", "gilcheck"))
    ap.add_argument("--seconds", type=float, default=4.0, help="probe time per interpreter")
    ap.add_argument("--versions", help="comma-separated subset, e.g. 3.9,3.12")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args(argv)
    minors = tuple(range(6, 15))
    if a.versions:
        try:
            minors = tuple(sorted(set(int(v.strip().split(".")[1]) for v in a.versions.split(",")
                                      if v.strip())))
        except (IndexError, ValueError):
            ap.error("--versions takes 3.N,3.M,...")
    if not os.access(a.gilcheck, os.X_OK):
        sys.stderr.write("switch_probe: %s not built\n" % a.gilcheck)
        return 2
    t0 = time.time()
    found, missing = find_interpreters(minors)
    results, failures = {}, []
    with tempfile.TemporaryDirectory(prefix="switch_probe.") as tmp:
        mod = os.path.join(tmp, "switch_probe_module.py")
        runner = os.path.join(tmp, "runner.py")
        with open(mod, "w") as f:
            f.write(PROBE_MODULE)
        with open(runner, "w") as f:
            f.write(RUNNER)
        procs = {}
        for m in sorted(found):
            pyc = os.path.join(tmp, "probe.3%d.pyc" % m)
            try:
                subprocess.run([found[m], "-c", "import py_compile, sys; "
                                "py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                                mod, pyc], check=True, timeout=120, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
                codes, at_entry = tables(a.gilcheck, pyc)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                failures.append("3.%d: cannot compile or decode the probe: %s" % (m, e))
                continue
            procs[m] = (codes, at_entry)
        # two interpreters at a time (the machine may have two cores)
        pending = sorted(procs)
        while pending:
            batch, pending = pending[:2], pending[2:]
            running = {}
            for m in batch:
                running[m] = subprocess.Popen([found[m], runner, mod, str(a.seconds)],
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              universal_newlines=True)
            for m in batch:
                out, errtext = running[m].communicate(timeout=a.seconds * 10 + 120)
                lines = [l for l in out.splitlines() if l.startswith("{")]
                if running[m].returncode != 0 or not lines:
                    failures.append("3.%d: the probe failed: %s" % (m, errtext.strip()[-600:]))
                    continue
                res = json.loads(lines[-1])
                codes, at_entry = procs[m]
                results[m] = judge(m, res, codes, at_entry)
                results[m]["python"] = ".".join(map(str, res["version"]))
    print("Eval-breaker probe: SIGALRM every 50 us for %.0f s per interpreter; a hit is a check "
          "between two instructions, on the edge execution went on by." % a.seconds)
    print("%-5s %-8s %7s %7s %7s %7s %7s %6s  %s" % ("ver", "python", "hits", "next", "jump",
                                                  "raise", "entry", "edges", "verdict"))
    for m in minors:
        if m in missing:
            print("3.%-3d %s" % (m, missing[m]))
            continue
        r = results.get(m)
        if r is None:
            print("3.%-3d failed" % m)
            continue
        be = r["by_edge"]
        verdict = "every hit on a switch edge of the tables" if not r["bad"] else \
            "DISAGREES: %d edge(s)" % len(r["bad"])
        print("3.%-3d %-8s %7d %7d %7d %7d %7d %6s  %s" % (
            m, r["python"], r["hits"], be["next"], be["jump"], be["raise"], be["entry"],
            "%d/%d" % (r["confirmed"], r["claimed"]), verdict))
        if be["instruction"]:
            print("      (%d hits without opcode tracing: checked per instruction)"
                  % be["instruction"])
        for k, n in sorted(r["bad"].items()):
            failures.append("3.%d: a check on %s (%d hits), which the tables say cannot switch"
                            % (m, k, n))
        if r["unexplained"]:
            print("      not attributable (ignored): %s" % ", ".join(
                "%s (%d)" % kv for kv in sorted(r["unexplained"].items())[:6]))
    print("edges = switch edges of the probe seen hit / switch edges the tables claim in it")
    for f in failures:
        print("BUG IN FACTS: %s" % f if "tables say" in f else "error: %s" % f)
    print("%d disagreement(s) or error(s), %.0f s" % (len(failures), time.time() - t0))
    if a.json:
        with open(a.json, "w") as fp:
            json.dump({"results": dict(("3.%d" % m, r) for m, r in results.items()),
                       "missing": dict(("3.%d" % m, w) for m, w in missing.items()),
                       "failures": failures}, fp, indent=1)
    if failures:
        return 1
    return 0 if results else SKIP


if __name__ == "__main__":
    sys.exit(main())
