#!/usr/bin/env python3
"""Build the pyc fixtures and their golden disassemblies.

usage: tools/make_fixtures.py [--versions 3.6,3.11,...] [--check]

For every source tests/resources/fixtures/src/NAME.py and every interpreter present whose version is
at least the source's `# min-version: 3.N` header, compiles
tests/resources/fixtures/pyc/3.N/NAME.pyc with py_compile inside that interpreter (3.14: pyodide),
plus, for 3.7+, one checked-hash pyc (HASH_FIXTURE.hash.pyc).  Then runs tests/oracle/dis_json.py
under the same interpreter and writes tests/resources/fixtures/pyc/3.N/NAME.json, the oracle's
document without its "file" key, one instruction a line as a row [offset, opname, arg, line,
positions, target] (see oracle_lib.format_golden / expand_golden).

Deterministic: the sources are copied to a temporary directory with a fixed mtime before compiling
(so the timestamp header is stable) and PYTHONHASHSEED=0 fixes the order of frozenset constants.
A version whose interpreter is missing is reported and its committed files are left alone.

--check builds everything in a temporary directory and compares it with the committed files,
exiting 1 on any difference (nothing is written).
"""
import argparse
import filecmp
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "oracle"))
import oracle_lib  # noqa: E402

ROOT = oracle_lib.ROOT
SRC_DIR = os.path.join(ROOT, "tests", "resources", "fixtures", "src")
PYC_DIR = os.path.join(ROOT, "tests", "resources", "fixtures", "pyc")
FIXED_MTIME = 1700000000          # 2023-11-14T22:13:20Z, stored in every timestamp pyc header
HASH_FIXTURE = "small"            # the fixture also compiled as a checked-hash pyc (3.7+)


def min_version(path):
    with open(path, encoding="utf-8") as f:
        for _ in range(10):
            m = re.match(r"#\s*min-version:\s*(3\.\d+)\s*$", f.readline())
            if m:
                return m.group(1)
    return "3.6"


def fixture_sources():
    out = []
    for name in sorted(os.listdir(SRC_DIR)):
        if name.endswith(".py"):
            out.append((name[:-3], os.path.join(SRC_DIR, name), min_version(os.path.join(SRC_DIR, name))))
    return out


def build_version(interp, sources, tmp, dest):
    """Compile and disassemble every applicable fixture into `dest` (a fresh directory)."""
    v = interp.version
    jobs = []
    for name, _, minv in sources:
        if oracle_lib.version_key(minv) > oracle_lib.version_key(v):
            continue
        src = os.path.join(tmp, "src", name + ".py")
        jobs.append((src, os.path.join(dest, name + ".pyc"), name + ".py", "timestamp"))
        if name == HASH_FIXTURE and oracle_lib.version_key(v) >= (3, 7):
            jobs.append((src, os.path.join(dest, name + ".hash.pyc"), name + ".py", "checked-hash"))
    os.makedirs(dest, exist_ok=True)
    oracle_lib.compile_pycs(interp, jobs, mount=[tmp, dest])
    pycs = [j[1] for j in jobs]
    for chunk, docs in oracle_lib.run_oracle(interp, pycs):
        for path, doc in zip(chunk, docs):
            if "error" in doc:
                raise RuntimeError("oracle %s cannot load %s: %s" % (v, path, doc["error"]))
            with open(path[:-4] + ".json", "w", encoding="utf-8", newline="\n") as f:
                f.write(oracle_lib.format_golden(doc))
    return sorted(os.listdir(dest))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", help="comma-separated 3.N list (default: 3.6 to 3.14)")
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = ap.parse_args(argv)
    versions = args.versions.split(",") if args.versions else oracle_lib.ALL_VERSIONS
    interps = oracle_lib.find_interpreters(versions)
    sources = fixture_sources()
    status = 0
    with tempfile.TemporaryDirectory(prefix="gilcheck-fixtures-", dir="/tmp") as tmp:
        os.makedirs(os.path.join(tmp, "src"))
        for name, path, _ in sources:
            copy = os.path.join(tmp, "src", name + ".py")
            shutil.copyfile(path, copy)
            os.utime(copy, (FIXED_MTIME, FIXED_MTIME))
        for v in versions:
            if v not in interps:
                print("skipped: %s not installed" % v)
                continue
            interp = interps[v]
            staged = os.path.join(tmp, "out", v)
            names = build_version(interp, sources, tmp, staged)
            final = os.path.join(PYC_DIR, v)
            old = sorted(os.listdir(final)) if os.path.isdir(final) else []
            changed = [n for n in names if n not in old
                       or not filecmp.cmp(os.path.join(staged, n), os.path.join(final, n), shallow=False)]
            stale = [n for n in old if n not in names]
            if args.check:
                if changed or stale:
                    status = 1
                    print("%s: out of date: %s" % (v, " ".join(changed + ["(stale) " + n for n in stale])))
                else:
                    print("%s: %d files up to date (%s)" % (v, len(names), interp.detail))
                continue
            os.makedirs(final, exist_ok=True)
            for n in changed:
                shutil.copyfile(os.path.join(staged, n), os.path.join(final, n))
            for n in stale:
                os.unlink(os.path.join(final, n))
            print("%s: %d files, %d written, %d removed (%s)" % (
                v, len(names), len(changed), len(stale), interp.detail))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
