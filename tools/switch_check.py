#!/usr/bin/env python3
"""Check gilcheck's claims about each racy shape against stress runs on every interpreter.

    python3 tools/switch_check.py [--iterations N] [--quick] [--gilcheck PATH]
                                  [--versions 3.9,3.12] [--shapes NAME,...] [--json FILE]
                                  [--markdown]

For each shape (SHAPES below: counters, attributes, dict items, a list chain, swaps, next() on a
shared generator, a property, a key class with Python __hash__/__eq__, a Counter, an exception
handler, `L += [1]`, check-then-act on a list and on a dict passed to threads as an argument)
and each interpreter (CPython 3.6 .. 3.13 from `pyenv root`/versions, the highest patch release
of each; 3.14 runs in pyodide, which has no threads: claims only):

  claim     what `gilcheck explain --format json --python INTERPRETER FILE:LINE` says about the
            racy line, compiled by that interpreter: not atomic, a GIL build of that version can
            switch inside the window (its `gil_switch`: a switching edge or Python code), and
            whether the interleaving loses something (an in-place `+=` on a list does not).
            "S" = claims it breaks on this GIL build, "-" = claims it does not (it still breaks
            on free-threaded builds when not atomic).
  measured  4 threads run the shape N times each under sys.setswitchinterval(1e-6); the shape
            counts what broke (lost updates, double inserts, exceptions).

A claim "S" with nothing broken is retried once with 4x the iterations (a short run can miss a
narrow window; the check-then-acts on a shared dict, whose window a thread is in only when another
one is on the same key, run 4x as long to begin with); a claim "-" with something broken is a
disagreement.  --quick is for development: its short runs can miss the rare windows.  Prints the claim/measured
table; exit 1 when a claim disagrees, 0 otherwise.  --markdown prints the table for
docs/switch-points.md.
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

from interpreters import pyenv_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYODIDE_RUN = os.path.join(ROOT, "tools", "node", "pyodide_run.mjs")
PYODIDE_PKG = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
MINORS = tuple(range(6, 15))
THREADS = 4

# Each shape is a module: shared state, worker(n, tid) and broken(threads, n) -> what broke.
# The racy line carries "# RACY"; `shared` lists parameters passed to threads (explain --shared);
# `pending` names a claim another issue owns.
SHAPES = [
    {"name": "count += 1", "source": """
        count = 0
        def worker(n, tid):
            global count
            for _ in range(n):
                count += 1  # RACY
        def broken(threads, n):
            return threads * n - count
        """},
    {"name": "count = abs(count) + 1", "source": """
        count = 0
        def worker(n, tid):
            global count
            for _ in range(n):
                count = abs(count) + 1  # RACY
        def broken(threads, n):
            return threads * n - count
        """},
    {"name": "o.n += 1", "source": """
        class Box(object):
            pass
        o = Box()
        o.n = 0
        def worker(n, tid):
            for _ in range(n):
                o.n += 1  # RACY
        def broken(threads, n):
            return threads * n - o.n
        """},
    {"name": "D[k] = D[k] + 1", "source": """
        D = {"k": 0}
        def worker(n, tid):
            k = "k"
            for _ in range(n):
                D[k] = D[k] + 1  # RACY
        def broken(threads, n):
            return threads * n - D["k"]
        """},
    {"name": "L.append(L[-1] + 1)", "source": """
        L = [0]
        def worker(n, tid):
            for _ in range(n):
                L.append(L[-1] + 1)  # RACY
        def broken(threads, n):
            return sum(1 for a, b in zip(L, L[1:]) if b != a + 1)
        """},
    {"name": "x, y = y, x (swap)", "source": """
        x = 0
        y = 1
        seen = []
        def worker(n, tid):
            global x, y
            for _ in range(n):
                x, y = y, x  # RACY
                if x == y:
                    seen.append(1)
                    x, y = 0, 1
        def broken(threads, n):
            return len(seen)
        """},
    {"name": "next(gen) shared", "source": """
        def numbers():
            i = 0
            while True:
                i += 1
                yield i
        it = numbers()
        errors = []
        def worker(n, tid):
            for _ in range(n):
                try:
                    v = next(it)  # RACY
                except ValueError:
                    errors.append(1)
        def broken(threads, n):
            return len(errors)
        """},
    {"name": "o.n += 1 (property)", "source": """
        class Box(object):
            def __init__(self):
                self._n = 0
            @property
            def n(self):
                return self._n
            @n.setter
            def n(self, v):
                self._n = v
        o = Box()
        def worker(n, tid):
            for _ in range(n):
                o.n += 1  # RACY
        def broken(threads, n):
            return threads * n - o.n
        """},
    {"name": "D[K] += 1 (key class)", "source": """
        class Key(object):
            def __init__(self, v):
                self.v = v
            def __hash__(self):
                return hash(self.v)
            def __eq__(self, other):
                return self.v == other.v
        K = Key(1)
        D = {K: 0}
        def worker(n, tid):
            for _ in range(n):
                D[K] += 1  # RACY
        def broken(threads, n):
            return threads * n - D[K]
        """},
    {"name": "C[i] += 1 (Counter)", "source": """
        import collections
        C = collections.Counter()
        def worker(n, tid):
            for i in range(n):
                C[i] += 1  # RACY
        def broken(threads, n):
            return threads * n - sum(C.values())
        """},
    {"name": "try: D[k] += 1 / except KeyError", "source": """
        D = {}
        def worker(n, tid):
            for i in range(n):
                k = i // 64                # a new key every 64 steps: the threads meet on it
                try:
                    D[k] += 1
                except KeyError:
                    D[k] = 1  # RACY
        def broken(threads, n):
            return threads * n - sum(D.values())
        """},
    {"name": "L += [1]", "source": """
        L = []
        def worker(n, tid):
            global L
            for _ in range(n):
                L += [1]  # RACY
        def broken(threads, n):
            return threads * n - len(L)
        """},
    {"name": "if L: x = L.pop()", "source": """
        L = []
        errors = []
        def worker(n, tid):
            for _ in range(n):
                L.append(1)                # one item in, two tries to take one out:
                for _ in range(2):         # the list is empty most of the time
                    try:
                        if L:
                            x = L.pop()  # RACY
                    except IndexError:
                        errors.append(1)
        def broken(threads, n):
            return len(errors)
        """},
    {"name": "if k not in cache: cache[k] = v (argument)", "shared": "cache", "scale": 4,
     "source": """
        D = {}
        inserted = []
        def insert(cache, n):
            for i in range(n):
                k = len(cache)             # the next new key: the threads meet on it
                if k not in cache:
                    cache[k] = 1  # RACY
                    inserted.append(1)
        def worker(n, tid):
            insert(D, n)
        def broken(threads, n):
            return len(inserted) - len(D)  # one insert per key, unless two saw it absent
        """},
    {"name": "if k in cache: del cache[k] (argument)", "shared": "cache", "scale": 4,
     "source": """
        D = {}
        errors = []
        def drop(cache, n):
            k = 0                          # one key every thread puts in and takes out
            for i in range(n):
                cache[k] = 1
                try:
                    if k in cache:
                        del cache[k]  # RACY
                except KeyError:
                    errors.append(1)
        def worker(n, tid):
            drop(D, n)
        def broken(threads, n):
            return len(errors)
        """},
    {"name": "L.append(1) (atomic control)", "source": """
        L = []
        def worker(n, tid):
            for _ in range(n):
                L.append(1)  # RACY
        def broken(threads, n):
            return threads * n - len(L)
        """},
]

# Run inside each interpreter (3.6+ syntax only): argv = shape file, threads, iterations.
RUNNER = r'''
import json, sys, threading, time
path, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ns = {"__name__": "shape"}
with open(path) as f:
    exec(compile(f.read(), path, "exec"), ns)
sys.setswitchinterval(1e-6)
barrier = threading.Barrier(threads)
def run(tid):
    barrier.wait()
    ns["worker"](n, tid)
ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
t0 = time.time()
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps({"broken": ns["broken"](threads, n), "seconds": time.time() - t0}))
'''


def find_interpreters(minors):
    """minor -> {"python" (for explain --python), "argv" (to run), "threads"}; minor -> why."""
    found, missing = {}, {}
    root = pyenv_root()
    for m in minors:
        if m == 14:
            node = shutil.which("node")
            if node and os.path.isdir(PYODIDE_PKG) and os.path.exists(PYODIDE_RUN):
                found[m] = {"python": None, "argv": [node, PYODIDE_RUN], "threads": False,
                            "desc": "pyodide"}
            else:
                missing[m] = "node or tools/node/node_modules missing"
            continue
        best = None
        for path in glob.glob(os.path.join(root, "versions", "3.%d.*" % m, "bin", "python3")):
            ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
            mm = re.match(r"^3\.%d\.(\d+)$" % m, ver)
            if mm and os.access(path, os.X_OK) and (best is None or int(mm.group(1)) > best[0]):
                best = (int(mm.group(1)), path)
        if best:
            found[m] = {"python": best[1], "argv": [best[1]], "threads": True, "desc": best[1]}
        else:
            missing[m] = "no %s/versions/3.%d.*/bin/python3" % (root, m)
    return found, missing


def run_json(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout, cwd=ROOT)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv[:3]), r.returncode,
                                                 (r.stderr.strip() or r.stdout.strip())[-600:]))
    return r.returncode, json.loads(lines[-1])


def claim_of(gilcheck, interp, m, path, line, shape):
    """(claim dict, error) from gilcheck explain --format json on the racy line."""
    argv = [gilcheck, "explain", "--format", "json", "%s:%d" % (path, line)]
    if interp["python"]:
        argv += ["--python", interp["python"]]
    else:
        argv += ["--python-version", "3.%d" % m]
    if shape.get("shared"):
        argv += ["--shared", shape["shared"]]
    env = dict(os.environ)
    env.setdefault("GILCHECK_RULES", os.path.join(ROOT, "rules"))
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300, env=env)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        return None, "explain failed (%d): %s" % (r.returncode, r.stderr.strip()[-300:])
    key = "3.%d" % m
    c = {"verdict": doc.get("verdicts", {}).get(key, doc.get("verdict")),
         "gil_switch": bool((doc.get("gil_switch") or {}).get(key)),
         "kind": doc.get("interleaving_kind"),
         "python_code": [p["why"] for p in doc.get("python_code_in_window") or []],
         "caveats": doc.get("caveats") or [],
         "rule": doc.get("rule")}
    # it breaks on this GIL build: not atomic, can switch inside, and something is lost
    c["breaks"] = c["verdict"] == "not-atomic" and c["gil_switch"] and c["kind"] != "in-place"
    return c, None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iterations", type=int, default=100000,
                    help="iterations per thread (default 100000; 4 threads)")
    ap.add_argument("--quick", action="store_true", help="20000 iterations")
    ap.add_argument("--gilcheck", default=os.path.join(ROOT, "build", "gilcheck"))
    ap.add_argument("--versions", help="comma-separated subset, e.g. 3.9,3.12")
    ap.add_argument("--shapes", help="comma-separated substrings of shape names")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    a = ap.parse_args(argv)
    iterations = 20000 if a.quick and a.iterations == 100000 else a.iterations
    minors = MINORS
    if a.versions:
        try:
            minors = tuple(sorted(set(int(v.strip().split(".")[1])
                                      for v in a.versions.split(",") if v.strip())))
        except (IndexError, ValueError):
            ap.error("--versions takes 3.N,3.M,...")
    shapes = SHAPES
    if a.shapes:
        want = [w.strip() for w in a.shapes.split(",") if w.strip()]
        shapes = [s for s in SHAPES if any(w in s["name"] for w in want)]
    if not os.access(a.gilcheck, os.X_OK):
        sys.stderr.write("switch_check: %s not built\n" % a.gilcheck)
        return 2
    t_start = time.time()
    found, missing = find_interpreters(minors)
    for m in minors:
        print("3.%d: %s" % (m, found[m]["desc"] if m in found else "skipped (%s)" % missing[m]))
    tmp = tempfile.mkdtemp(prefix="switch_check.")
    results, disagreements, pending = {}, [], []
    try:
        runner = os.path.join(tmp, "runner.py")
        with open(runner, "w") as f:
            f.write(RUNNER)
        files = []
        for i, sh in enumerate(shapes):
            src = textwrap.dedent(sh["source"]).lstrip("\n")
            path = os.path.join(tmp, "shape%d.py" % i)
            with open(path, "w") as f:
                f.write(src)
            line = [n + 1 for n, l in enumerate(src.splitlines()) if "# RACY" in l][0]
            files.append((path, line))
        for m in sorted(found):
            interp = found[m]
            for i, sh in enumerate(shapes):
                path, line = files[i]
                cell = results.setdefault((sh["name"], m), {})
                claim, err = claim_of(a.gilcheck, interp, m, path, line, sh)
                if err:
                    cell["error"] = err
                    disagreements.append("3.%d %s: %s" % (m, sh["name"], err))
                    continue
                cell["claim"] = claim
                if not interp["threads"]:
                    cell["measured"] = "n/m"
                    continue
                try:
                    n = iterations * sh.get("scale", 1)   # rare windows run longer
                    _, r = run_json(interp["argv"] + [runner, path, str(THREADS), str(n)], 900)
                    cell["measured"], cell["seconds"] = r["broken"], r["seconds"]
                    if r["broken"] <= 0 and claim["breaks"]:
                        _, r2 = run_json(interp["argv"] + [runner, path, str(THREADS),
                                                           str(4 * n)], 1800)
                        cell["retry"] = r2["broken"]
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    cell["error"] = str(e)
                    disagreements.append("3.%d %s: run failed: %s" % (m, sh["name"], e))
                    continue
                broke = cell["measured"] > 0 or cell.get("retry", 0) > 0
                if broke != claim["breaks"]:
                    what = ("claims a GIL build of 3.%d %s, measured %d broken%s"
                            % (m, "breaks it" if claim["breaks"] else "cannot break it",
                               cell["measured"], " (retry %d)" % cell["retry"]
                               if "retry" in cell else ""))
                    if sh.get("pending"):
                        cell["pending"] = True
                        pending.append("3.%d %s: %s -- %s" % (m, sh["name"], what, sh["pending"]))
                    else:
                        cell["disagree"] = True
                        disagreements.append("DISAGREES: 3.%d %s: %s" % (m, sh["name"], what))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    cols = [m for m in reversed(minors) if m in found]      # newest first
    def cell_text(c):
        if "claim" not in c:
            return "error"
        cl = c["claim"]
        claim = "S" if cl["breaks"] else ("-" if cl["verdict"] == "not-atomic" else "atomic")
        meas = c.get("measured")
        meas = "n/m" if meas == "n/m" else "%d" % meas if meas is not None else "?"
        if c.get("retry") is not None:
            meas += "(+%d)" % c["retry"]
        mark = " !" if c.get("disagree") else " p" if c.get("pending") else ""
        return "%s / %s%s" % (meas, claim, mark)
    print()
    print("Claim / measured (%d threads x %d iterations, switch interval 1 us): measured = lost "
          "updates, double inserts or exceptions; S = gilcheck claims a GIL build of that "
          "version breaks it, - = not atomic but no switch inside on that GIL build, atomic = "
          "atomic; ! = disagreement; p = claim pending elsewhere; n/m = not measurable (pyodide)"
          % (THREADS, iterations))
    if a.markdown:
        print("| shape | %s |" % " | ".join("3.%d" % m for m in cols))
        print("|---|%s" % ("---|" * len(cols)))
        for sh in shapes:
            print("| `%s` | %s |" % (sh["name"], " | ".join(
                cell_text(results.get((sh["name"], m), {})) for m in cols)))
    else:
        w = max(len(s["name"]) for s in shapes)
        print("%-*s  %s" % (w, "shape", "".join("%-16s" % ("3.%d" % m) for m in cols)))
        for sh in shapes:
            print("%-*s  %s" % (w, sh["name"], "".join(
                "%-16s" % cell_text(results.get((sh["name"], m), {})) for m in cols)))
    print()
    for sh in shapes:
        for m in cols:
            c = results.get((sh["name"], m), {}).get("claim")
            if c and (c["python_code"] or c["kind"] == "in-place") and m == cols[0]:
                print("  %s: %s" % (sh["name"], "; ".join(c["python_code"]) or
                                    "in place: nothing lost"))
    for p in pending:
        print("pending: %s" % p)
    for d in disagreements:
        print(d)
    print("%d disagreement(s), %d pending, %.0f s" % (len(disagreements), len(pending),
                                                      time.time() - t_start))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"iterations": iterations, "threads": THREADS,
                       "results": [dict(shape=k[0], version="3.%d" % k[1], **v)
                                   for k, v in sorted(results.items(), key=lambda kv: kv[0])],
                       "disagreements": disagreements, "pending": pending}, f, indent=1)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
