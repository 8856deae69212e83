#!/usr/bin/env python3
"""Compare `gilcheck dis --json` with the CPython dis oracle (tests/oracle/dis_json.py).

usage:
  conformance.py --gilcheck PATH [--fixtures] [--check-golden] [--stdlib] [--versions 3.6,3.11]
  conformance.py --self-test [--fixtures] [--check-golden] [--stdlib] [...]
  conformance.py --oracle-only --stdlib [...]        # time the oracle alone

--fixtures      every committed tests/resources/fixtures/pyc/3.N/*.pyc against its golden .json
                (needs no interpreter).  The default when neither --fixtures nor --stdlib is given.
--check-golden  also re-run the oracle (when that interpreter is present) and check that each
                golden is current (implies --fixtures).
--stdlib        every standard-library pyc of every interpreter present, gilcheck against the
                oracle run in the same batches.  3.6-3.13: lib/python3.N/**/__pycache__/
                *.cpython-3N.pyc (no .opt-N, no site-packages), compiled into the build dir when
                the install has none; 3.14: every .py of pyodide's python_stdlib.zip compiled inside
                pyodide into BUILD/stdlib314/ (cached).
--self-test     use the oracle itself as "gilcheck" (exercises the whole machinery; expects zero
                mismatches) and check that the comparer does see planted differences.
--oracle-only   run only the oracle over the stdlib (for timing); nothing is compared.

gilcheck's contract: `gilcheck dis --json F1.pyc F2.pyc ...` prints one JSON document per line per
file in argument order; a file it cannot decode gives {"file": ..., "error": ...} (and exit 2).

Exit status: 0 when nothing mismatched, 1 otherwise, 77 (ctest's skip code) when every requested
version was skipped, 2 on bad usage.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "oracle"))
import oracle_lib  # noqa: E402

ROOT = oracle_lib.ROOT
FIXTURE_PYC = os.path.join(ROOT, "tests", "resources", "fixtures", "pyc")
DEFAULT_BUILD = os.path.join(ROOT, "build", "conformance")
INSTRUCTION_FIELDS = ["offset", "opname", "arg", "line", "positions", "target"]
CODE_FIELDS = ["name", "qualname", "firstlineno"]
EXC_FIELDS = ["start", "end", "target", "depth", "lasti"]
MISSING = "<missing>"
SKIP = 77


# ---------------------------------------------------------------------------------------------
# Comparison

def same(a, b):
    """JSON equality that keeps bool, int, float and null apart (True != 1, 1 != 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def show(v):
    return v if v is MISSING else json.dumps(v)


class Tally:
    """Counts for one version and the first `limit` mismatch messages."""

    def __init__(self, version, limit):
        self.version = version
        self.limit = limit
        self.files = self.codes = self.instructions = 0
        self.mismatches = 0
        self.oracle_failed = self.gilcheck_failed = 0
        self.messages = []
        self.notes = []
        self.oracle_seconds = self.gilcheck_seconds = 0.0
        self.skipped = None

    def mismatch(self, msg):
        self.mismatches += 1
        if len(self.messages) < self.limit:
            self.messages.append(msg)


def compare_doc(tally, path, expected, actual, left="oracle", right="gilcheck"):
    """Compare one file's documents field by field; record mismatches in `tally`."""
    where = "%s %s" % (tally.version, path)
    tally.files += 1
    ecodes = expected.get("code", [])
    tally.codes += len(ecodes)
    tally.instructions += sum(len(c.get("instructions", [])) for c in ecodes)
    if "error" in actual:
        tally.gilcheck_failed += 1
        tally.mismatch("%s: %s failed to load it: %s" % (where, right, actual.get("error")))
        return
    for key in ("version", "magic"):
        if not same(expected.get(key), actual.get(key, MISSING)):
            tally.mismatch("%s: %s: %s=%s %s=%s" % (where, key, left, show(expected.get(key)),
                                                    right, show(actual.get(key, MISSING))))
    acodes = actual.get("code")
    if not isinstance(acodes, list):
        tally.mismatch("%s: no \"code\" list from %s" % (where, right))
        return
    if len(ecodes) != len(acodes):
        tally.mismatch("%s: number of code objects: %s=%d %s=%d" % (
            where, left, len(ecodes), right, len(acodes)))
    for i, ec in enumerate(ecodes):
        einsts = ec.get("instructions", [])
        if i >= len(acodes):
            continue
        ac = acodes[i]
        cname = "code #%d %s" % (i, ec.get("qualname") or ec.get("name"))
        if not isinstance(ac, dict):
            tally.mismatch("%s: %s: not an object from %s" % (where, cname, right))
            continue
        for key in CODE_FIELDS:
            if not same(ec.get(key), ac.get(key, MISSING)):
                tally.mismatch("%s: %s: %s: %s=%s %s=%s" % (where, cname, key, left, show(ec.get(key)),
                                                           right, show(ac.get(key, MISSING))))
        ainsts = ac.get("instructions")
        if not isinstance(ainsts, list):
            tally.mismatch("%s: %s: no instruction list from %s" % (where, cname, right))
            ainsts = []
        # Align by offset so that one missing or extra instruction is one mismatch, not a cascade.
        aby = {}
        for ins in ainsts:
            if isinstance(ins, dict) and isinstance(ins.get("offset"), int):
                aby.setdefault(ins["offset"], ins)
        eoffsets = set()
        for ei in einsts:
            off = ei["offset"]
            eoffsets.add(off)
            ai = aby.get(off)
            if ai is None:
                tally.mismatch("%s: %s: offset %d: %s has %s, %s has no instruction there" % (
                    where, cname, off, left, ei.get("opname"), right))
                continue
            for key in INSTRUCTION_FIELDS[1:]:
                if not same(ei.get(key), ai.get(key, MISSING)):
                    tally.mismatch("%s: %s: offset %d (%s): %s: %s=%s %s=%s" % (
                        where, cname, off, ei.get("opname"), key, left, show(ei.get(key)),
                        right, show(ai.get(key, MISSING))))
        for off in sorted(set(aby) - eoffsets):
            tally.mismatch("%s: %s: offset %d: %s has %s, %s has no instruction there" % (
                where, cname, off, right, aby[off].get("opname"), left))
        if len(aby) != len(ainsts):
            tally.mismatch("%s: %s: %s printed %d instructions with %d distinct offsets" % (
                where, cname, right, len(ainsts), len(aby)))
        etab = ec.get("exceptiontable", [])
        atab = ac.get("exceptiontable")
        if not isinstance(atab, list):
            tally.mismatch("%s: %s: no exceptiontable list from %s" % (where, cname, right))
            continue
        if len(etab) != len(atab):
            tally.mismatch("%s: %s: exceptiontable entries: %s=%d %s=%d" % (
                where, cname, left, len(etab), right, len(atab)))
        for j, (ee, ae) in enumerate(zip(etab, atab)):
            for key in EXC_FIELDS:
                av = ae.get(key, MISSING) if isinstance(ae, dict) else MISSING
                if not same(ee.get(key), av):
                    tally.mismatch("%s: %s: exceptiontable[%d] (start %s): %s: %s=%s %s=%s" % (
                        where, cname, j, ee.get("start"), key, left, show(ee.get(key)), right, show(av)))


# ---------------------------------------------------------------------------------------------
# The program under test

class BinaryRunner:
    """The real thing: `gilcheck dis --json FILES...`."""

    def __init__(self, path):
        self.path = path

    def available(self, version, interps):
        return True

    def run(self, version, files, interps):
        p = subprocess.run([self.path, "dis", "--json"] + list(files),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode not in (0, 2):
            msg = "gilcheck exited %d: %s" % (p.returncode, err.strip()[-500:])
            return [{"file": f, "error": msg} for f in files]
        try:
            docs = oracle_lib.parse_json_lines(p.stdout.decode("utf-8", "replace"), files, "gilcheck")
        except RuntimeError as e:
            return [{"file": f, "error": str(e)} for f in files]
        if p.returncode == 2 and not any("error" in d for d in docs):
            docs[0] = {"file": files[0], "error": "gilcheck exited 2 but reported no failed file"}
        return docs


class OracleRunner:
    """--self-test: the oracle plays gilcheck (it needs the interpreter for each version)."""

    def available(self, version, interps):
        return version in interps

    def run(self, version, files, interps):
        docs = []
        for _, chunk_docs in oracle_lib.run_oracle(interps[version], files, batch_size=len(files) or 1):
            docs.extend(chunk_docs)
        return docs


def run_under_test(runner, tally, files, interps):
    t = time.time()
    docs = runner.run(tally.version, files, interps)
    tally.gilcheck_seconds += time.time() - t
    return docs


def check_file_keys(tally, files, docs):
    for f, d in zip(files, docs):
        if d.get("file") != f and "error" not in d:
            tally.mismatch("%s %s: gilcheck's \"file\" is %s (output out of order?)" % (
                tally.version, f, show(d.get("file"))))


# ---------------------------------------------------------------------------------------------
# --fixtures

def fixture_versions():
    if not os.path.isdir(FIXTURE_PYC):
        return []
    return sorted((d for d in os.listdir(FIXTURE_PYC) if os.path.isdir(os.path.join(FIXTURE_PYC, d))),
                  key=oracle_lib.version_key)


def run_fixtures(version, runner, interps, check_golden, limit):
    tally = Tally(version, limit)
    vdir = os.path.join(FIXTURE_PYC, version)
    pycs = sorted(glob.glob(os.path.join(vdir, "*.pyc"))) if os.path.isdir(vdir) else []
    if not pycs:
        tally.skipped = "no fixtures for %s" % version
        return tally
    goldens = {}
    for p in pycs:
        gpath = p[:-4] + ".json"
        try:
            with open(gpath, encoding="utf-8") as f:
                text = f.read()
            goldens[p] = (text, oracle_lib.expand_golden(json.loads(text)))
        except (OSError, ValueError) as e:
            goldens[p] = (None, None)
            tally.mismatch("%s %s: golden %s unreadable: %s" % (version, p, os.path.basename(gpath), e))
    if runner is not None:
        if not runner.available(version, interps):
            tally.skipped = "%s not installed" % version
            return tally
        docs = run_under_test(runner, tally, pycs, interps)
        check_file_keys(tally, pycs, docs)
        for p, d in zip(pycs, docs):
            if goldens[p][1] is not None:
                compare_doc(tally, os.path.relpath(p, ROOT), goldens[p][1], d, left="golden")
    if runner is None:  # only the golden check: count what the goldens hold
        for p in pycs:
            g = goldens[p][1]
            if g is not None:
                tally.files += 1
                tally.codes += len(g["code"])
                tally.instructions += sum(len(c["instructions"]) for c in g["code"])
    if check_golden:
        if version not in interps:
            tally.notes.append("golden check skipped: %s not installed" % version)
        else:
            t = time.time()
            stale = 0
            for chunk, docs in oracle_lib.run_oracle(interps[version], pycs):
                for p, d in zip(chunk, docs):
                    text, golden = goldens[p]
                    if "error" in d:
                        tally.oracle_failed += 1
                        tally.mismatch("%s %s: oracle cannot load it: %s" % (version, p, d["error"]))
                        continue
                    if golden is None:
                        continue
                    if oracle_lib.format_golden(d) != text:
                        stale += 1
                        sub = Tally(version, limit)
                        compare_doc(sub, os.path.relpath(p, ROOT), d, oracle_lib.strip_file(golden),
                                    left="oracle", right="golden")
                        tally.mismatch("%s %s: golden is stale (%d differences; rerun tools/make_fixtures.py)"
                                       % (version, os.path.relpath(p, ROOT), sub.mismatches))
                        for m in sub.messages[:3]:
                            tally.notes.append("  " + m)
            tally.oracle_seconds += time.time() - t
            tally.notes.append("golden check: %d of %d goldens current" % (len(pycs) - stale, len(pycs)))
    return tally


# ---------------------------------------------------------------------------------------------
# --stdlib

def native_stdlib_pycs(interp, build):
    """The install's own pycs, or (when it has none) pycs compiled into the build dir."""
    prefix = os.path.dirname(os.path.dirname(interp.exe))
    lib = os.path.join(prefix, "lib", "python" + interp.version)
    tag = "cpython-%s" % interp.version.replace(".", "")
    out = []
    for dirpath, dirnames, filenames in os.walk(lib):
        dirnames[:] = sorted(d for d in dirnames if d != "site-packages")
        if os.path.basename(dirpath) != "__pycache__":
            continue
        for n in sorted(filenames):
            if n.endswith("." + tag + ".pyc"):
                out.append(os.path.join(dirpath, n))
    if out:
        return out, "installed pycs"
    cache = os.path.join(build, "stdlib" + interp.version.replace(".", ""))
    jobs = []
    for dirpath, dirnames, filenames in os.walk(lib):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for n in sorted(filenames):
            if n.endswith(".py"):
                src = os.path.join(dirpath, n)
                rel = os.path.relpath(src, lib)
                jobs.append((src, os.path.join(cache, "pyc", rel[:-3] + ".pyc"), rel, "timestamp"))
    return compiled_cache(interp, cache, jobs, "%s %s" % (interp.exe, len(jobs)))


def compiled_cache(interp, cache, jobs, stamp_key):
    stamp = os.path.join(cache, "stamp.json")
    try:
        with open(stamp) as f:
            st = json.load(f)
        if st.get("key") == stamp_key:
            files = [j[1] for j in jobs if os.path.exists(j[1])]
            return files, "cached compile in %s (%d sources, %d failed)" % (
                os.path.relpath(cache, ROOT), len(jobs), st.get("failed", 0))
    except (OSError, ValueError):
        pass
    shutil.rmtree(os.path.join(cache, "pyc"), ignore_errors=True)
    os.makedirs(cache, exist_ok=True)
    ok, failed = oracle_lib.compile_pycs(interp, jobs, keep_going=True, mount=[cache])
    with open(stamp, "w") as f:
        json.dump({"key": stamp_key, "ok": ok, "failed": failed}, f)
    files = [j[1] for j in jobs if os.path.exists(j[1])]
    return files, "compiled into %s (%d sources, %d failed)" % (os.path.relpath(cache, ROOT), len(jobs), failed)


def pyodide_stdlib_pycs(interp, build):
    zpath = oracle_lib.PYODIDE_STDLIB_ZIP
    cache = os.path.join(build, "stdlib314")
    st = os.stat(zpath)
    key = "%s %d %d" % (zpath, st.st_size, int(st.st_mtime))
    src_root = os.path.join(cache, "src")
    jobs = []
    with zipfile.ZipFile(zpath) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".py"))
        stamp_ok = False
        try:
            with open(os.path.join(cache, "stamp.json")) as f:
                stamp_ok = json.load(f).get("key") == key
        except (OSError, ValueError):
            pass
        if not stamp_ok:
            shutil.rmtree(src_root, ignore_errors=True)
            for n in names:
                dest = os.path.join(src_root, n)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with z.open(n) as fin, open(dest, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
    for n in names:
        jobs.append((os.path.join(src_root, n), os.path.join(cache, "pyc", n[:-3] + ".pyc"), n, "timestamp"))
    return compiled_cache(interp, cache, jobs, key)


def run_stdlib(version, runner, interps, build, batch, limit):
    tally = Tally(version, limit)
    if version not in interps:
        tally.skipped = "%s not installed" % version
        return tally
    interp = interps[version]
    t0 = time.time()
    try:
        if interp.kind == "pyodide":
            pycs, how = pyodide_stdlib_pycs(interp, build)
        else:
            pycs, how = native_stdlib_pycs(interp, build)
    except Exception as e:  # a broken interpreter must not hide the other versions' results
        tally.mismatch("%s: cannot collect the stdlib pycs: %s" % (version, e))
        return tally
    tally.notes.append("%d pycs: %s (%.1fs)" % (len(pycs), how, time.time() - t0))
    for chunk in oracle_lib.batches(pycs, batch):
        t = time.time()
        odocs = []
        for _, d in oracle_lib.run_oracle(interp, chunk, batch_size=len(chunk)):
            odocs.extend(d)
        tally.oracle_seconds += time.time() - t
        if runner is None:  # --oracle-only
            for d in odocs:
                if "error" in d:
                    tally.oracle_failed += 1
                    continue
                tally.files += 1
                tally.codes += len(d["code"])
                tally.instructions += sum(len(c["instructions"]) for c in d["code"])
            continue
        gdocs = run_under_test(runner, tally, chunk, interps)
        check_file_keys(tally, chunk, gdocs)
        for path, od, gd in zip(chunk, odocs, gdocs):
            if "error" in od:
                tally.oracle_failed += 1
                tally.notes.append("oracle cannot load %s: %s" % (path, od["error"]))
                if "error" in gd:
                    tally.gilcheck_failed += 1
                continue
            compare_doc(tally, path, od, gd)
    return tally


# ---------------------------------------------------------------------------------------------
# Comparer self-check (--self-test)

def comparer_self_check():
    """Plant differences in a golden and check that compare_doc sees each of them."""
    goldens = sorted(glob.glob(os.path.join(FIXTURE_PYC, "*", "*.json")))
    goldens = [g for g in goldens if "3.11" in g or "3.12" in g] or goldens
    if not goldens:
        return ["no golden to self-check the comparer with"]
    with open(goldens[0], encoding="utf-8") as f:
        base = oracle_lib.expand_golden(json.load(f))
    problems = []

    def count(mutate):
        doc = json.loads(json.dumps(base))
        mutate(doc)
        t = Tally("self", 5)
        compare_doc(t, "x.pyc", base, doc)
        return t.mismatches

    def first_with(pred):
        for c in base["code"]:
            for i, ins in enumerate(c["instructions"]):
                if pred(ins):
                    return base["code"].index(c), i
        return None

    def setter(field, value):
        def m(doc):
            doc["code"][0]["instructions"][1][field] = value
        return m

    checks = {
        "identical": (lambda d: None, 0),
        "arg": (setter("arg", 12345), 1),
        "opname": (setter("opname", "NOP_X"), 1),
        "line": (setter("line", -1), 1),
        "positions": (setter("positions", None), 1),
        "target": (setter("target", 4), 1),
        "missing key": (lambda d: d["code"][0]["instructions"][1].pop("line"), 1),
        "dropped instruction": (lambda d: d["code"][0]["instructions"].pop(1), 1),
        "name": (lambda d: d["code"][-1].__setitem__("name", "zzz"), 1),
        "firstlineno as string": (lambda d: d["code"][0].__setitem__("firstlineno", "1"), 1),
        "magic": (lambda d: d.__setitem__("magic", 1), 1),
        "dropped code object": (lambda d: d["code"].pop(), 1),
        "error": (lambda d: d.__setitem__("error", "boom"), 1),
    }
    loc = first_with(lambda ins: ins["arg"] is None)
    if loc:
        checks["arg 0 for no-arg op"] = (
            lambda d: d["code"][loc[0]]["instructions"][loc[1]].__setitem__("arg", 0), 1)
    for ci, c in enumerate(base["code"]):
        if c["exceptiontable"]:
            checks["lasti as int"] = (lambda d, ci=ci: d["code"][ci]["exceptiontable"][0].__setitem__(
                "lasti", int(d["code"][ci]["exceptiontable"][0]["lasti"])), 1)
            checks["exception end"] = (lambda d, ci=ci: d["code"][ci]["exceptiontable"][0].__setitem__(
                "end", d["code"][ci]["exceptiontable"][0]["end"] - 2), 1)
            break
    for name, (mutate, want) in checks.items():
        got = count(mutate)
        if (got == 0) != (want == 0) or (want and got > 2 and name != "dropped code object"):
            problems.append("comparer self-check %r: %d mismatches, expected %s" % (
                name, got, "none" if want == 0 else "about %d" % want))
    return problems


# ---------------------------------------------------------------------------------------------

def print_table(title, tallies, show_times):
    print("== %s" % title)
    hdr = "%-7s %7s %8s %10s %10s %9s %9s" % ("version", "files", "codeobjs", "instrs", "mismatches",
                                               "failed:o", "failed:g")
    if show_times:
        hdr += " %9s %9s" % ("oracle_s", "gilchk_s")
    print(hdr)
    for t in tallies:
        if t.skipped:
            continue
        line = "%-7s %7d %8d %10d %10d %9d %9d" % (t.version, t.files, t.codes, t.instructions,
                                                   t.mismatches, t.oracle_failed, t.gilcheck_failed)
        if show_times:
            line += " %9.1f %9.1f" % (t.oracle_seconds, t.gilcheck_seconds)
        print(line)
    for t in tallies:
        if t.skipped:
            print("skipped: %s" % t.skipped)
    for t in tallies:
        for n in t.notes[:25]:
            print("note %s: %s" % (t.version, n))
        if len(t.notes) > 25:
            print("note %s: ... and %d more notes" % (t.version, len(t.notes) - 25))
        for m in t.messages:
            print("MISMATCH %s" % m)
        if t.mismatches > len(t.messages):
            print("MISMATCH %s: ... and %d more mismatches" % (t.version, t.mismatches - len(t.messages)))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    who = ap.add_mutually_exclusive_group()
    who.add_argument("--gilcheck", metavar="PATH", help="the gilcheck binary")
    who.add_argument("--self-test", action="store_true", help="use the oracle as gilcheck")
    who.add_argument("--oracle-only", action="store_true", help="only run the oracle (timing)")
    ap.add_argument("--fixtures", action="store_true")
    ap.add_argument("--check-golden", action="store_true")
    ap.add_argument("--stdlib", action="store_true")
    ap.add_argument("--versions", help="comma-separated list, e.g. 3.6,3.11,3.14 (default: 3.6-3.14)")
    ap.add_argument("--build-dir", default=DEFAULT_BUILD, help="caches for compiled stdlibs (default %(default)s)")
    ap.add_argument("--batch", type=int, default=300, help="files per oracle/gilcheck process")
    ap.add_argument("--jobs", type=int, default=2, help="versions checked in parallel for --stdlib")
    ap.add_argument("--max-report", type=int, default=20, help="mismatches printed per version")
    args = ap.parse_args(argv)

    if args.check_golden:
        args.fixtures = True
    if not args.fixtures and not args.stdlib:
        args.fixtures = True
    if args.gilcheck:
        if not (os.path.isfile(args.gilcheck) and os.access(args.gilcheck, os.X_OK)):
            print("conformance: %s is not an executable file" % args.gilcheck, file=sys.stderr)
            return 2
        runner = BinaryRunner(os.path.abspath(args.gilcheck))
    elif args.self_test:
        runner = OracleRunner()
    elif args.oracle_only:
        runner = None
        if args.fixtures and not args.check_golden and not args.stdlib:
            print("conformance: --oracle-only needs --stdlib or --check-golden", file=sys.stderr)
            return 2
    else:
        if args.check_golden and not args.stdlib:
            runner = None   # only check the goldens
        else:
            print("conformance: give --gilcheck PATH, --self-test or --oracle-only", file=sys.stderr)
            return 2
    versions = args.versions.split(",") if args.versions else list(oracle_lib.ALL_VERSIONS)
    bad = [v for v in versions if v not in oracle_lib.ALL_VERSIONS]
    if bad:
        print("conformance: unknown version(s) %s (known: %s)" % (", ".join(bad), ",".join(oracle_lib.ALL_VERSIONS)),
              file=sys.stderr)
        return 2
    interps = oracle_lib.find_interpreters(versions)
    for v in versions:
        if v in interps:
            print("interpreter %s: %s" % (v, interps[v].detail))
    status_parts = []
    ran_any = False
    failed = False

    if args.self_test:
        problems = comparer_self_check()
        for p in problems:
            print("SELF-CHECK FAILED: %s" % p)
        print("comparer self-check: %s" % ("ok" if not problems else "%d problems" % len(problems)))
        failed |= bool(problems)

    if args.fixtures:
        t0 = time.time()
        fx_runner = runner if not args.oracle_only else None
        tallies = [run_fixtures(v, fx_runner, interps, args.check_golden, args.max_report) for v in versions]
        print_table("fixtures (%.1fs)" % (time.time() - t0), tallies, show_times=False)
        ran_any |= any(not t.skipped for t in tallies)
        failed |= any(t.mismatches for t in tallies)

    if args.stdlib:
        t0 = time.time()
        os.makedirs(args.build_dir, exist_ok=True)
        order = sorted(versions, key=lambda v: (v not in ("3.14", "3.11", "3.12", "3.13"), v))
        results = {}
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = {pool.submit(run_stdlib, v, runner, interps, os.path.abspath(args.build_dir),
                                args.batch, args.max_report): v for v in order}
            for fut in concurrent.futures.as_completed(futs):
                v = futs[fut]
                try:
                    results[v] = fut.result()
                except Exception as e:
                    t = Tally(v, args.max_report)
                    t.mismatch("%s: stdlib run crashed: %s: %s" % (v, type(e).__name__, e))
                    results[v] = t
                t = results[v]
                print("stdlib %s done after %.0fs%s" % (v, time.time() - t0,
                      " (skipped)" if t.skipped else ""), file=sys.stderr, flush=True)
        tallies = [results[v] for v in versions]
        print_table("stdlib (%.1fs wall, %d jobs)" % (time.time() - t0, args.jobs), tallies, show_times=True)
        ran_any |= any(not t.skipped for t in tallies)
        failed |= any(t.mismatches for t in tallies)

    if failed:
        print("conformance: FAILED")
        return 1
    if not ran_any:
        print("conformance: every requested version was skipped")
        return SKIP
    print("conformance: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
