"""Runs gilcheck's default scope over code we did not write and counts the findings per rule:
the measurement behind docs/precision.md.

usage: python3 tools/precision_run.py --gilcheck PATH --out DIR [--set libs|wide]
           [--extend-select GIL204]
       python3 tools/precision_run.py --sample N --seed S --out DIR   (after a run)

--set libs (default): the CPython 3.11 standard library, the eleven threaded libraries of the
  precision issue and fourteen more, each checked as its own project.
--set wide: the standard library and every top-level package of Debian's dist-packages folder;
  the Debian packages docs/precision/packages-*.txt list should be installed first (a run names
  the ones that are not: on a fresh machine the set is not the one the census judged).
Each project's findings go to DIR/<project>.json (check --format json); DIR/ALL.json holds every
finding (GIL000 left out) with its project.  --sample draws N of them with random.seed(S) into
DIR/sample.json, in the order of ALL.json.  --extend-select adds rules that are not in the
default selection (GIL204's cache fills), to measure them on their own.  Standard library only; nothing analysed is run.
"""
import argparse
import collections
import glob
import json
import os
import random
import subprocess
import sys

from interpreters import pyenv_root

DIST = "/usr/lib/python3/dist-packages"
ELEVEN = ("tornado urllib3 requests sqlalchemy twisted paramiko kombu cherrypy apscheduler "
          "cachetools werkzeug").split()
FOURTEEN = ("cheroot waitress watchdog pika kazoo redis pymongo diskcache distributed "
            "concurrent_log_handler prometheus_client sentry_sdk pebble joblib").split()


def stdlib():
    return os.path.join(pyenv_root(), "versions", "3.11.7", "lib", "python3.11")


def projects(which):
    out = [("stdlib", stdlib())]
    if which == "libs":
        names = ELEVEN + FOURTEEN
    else:
        names = []
        for p in sorted(os.listdir(DIST)):
            full = os.path.join(DIST, p)
            if p == "__pycache__" or p.endswith((".dist-info", ".egg-info")) or \
                    not os.path.isdir(full) or not glob.glob(os.path.join(full, "*.py")):
                continue
            names.append(p)
    out += [(n, os.path.join(DIST, n)) for n in names if os.path.isdir(os.path.join(DIST, n))]
    return out


def missing_packages():
    """The packages of docs/precision/packages-*.txt that dpkg does not have installed."""
    lists = glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                                   "precision", "packages-*.txt"))
    names = sorted({p for path in lists for p in open(path).read().split()})
    try:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n"] + names,
                             capture_output=True, text=True)
    except OSError:
        return names
    have = {line.split()[0] for line in res.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in names if p not in have]


def run(gilcheck, which, out, extend=None):
    os.makedirs(out, exist_ok=True)
    if which == "wide":
        gone = missing_packages()
        if gone:
            print("note: %d package(s) of docs/precision/packages-*.txt are not installed, so "
                  "this is not the census's set: %s" % (len(gone), " ".join(gone[:10]) +
                                                       (" ..." if len(gone) > 10 else "")),
                  file=sys.stderr)
    rows = []
    for name, path in projects(which):
        res = subprocess.run([gilcheck, "check", "--isolated", "--no-cache",
                              "--no-respect-gitignore", "--format", "json"] +
                             (["--extend-select", extend] if extend else []) + [path],
                             capture_output=True, text=True)
        with open(os.path.join(out, name + ".json"), "w") as f:
            f.write(res.stdout)
        try:
            found = json.loads(res.stdout or "[]")
        except ValueError:
            print("%s: no JSON (exit %d): %s" % (name, res.returncode, res.stderr[:200]),
                  file=sys.stderr)
            continue
        found = [x for x in found if x.get("kind", "finding") == "finding" and x["rule"] != "GIL000"]
        for x in found:
            x["project"] = name
        rows += found
        if which == "libs" or found:
            c = collections.Counter(x["rule"] for x in found)
            print("%-24s %4d  %s" % (name, len(found),
                                     " ".join("%s:%d" % kv for kv in sorted(c.items()))))
    with open(os.path.join(out, "ALL.json"), "w") as f:
        json.dump(rows, f, indent=1)
    c = collections.Counter(x["rule"] for x in rows)
    if which == "libs":
        first = [x for x in rows if x["project"] in ["stdlib"] + ELEVEN]
        c1 = collections.Counter(x["rule"] for x in first)
        print("%-24s %4d  %s" % ("= stdlib + eleven", len(first),
                                 " ".join("%s:%d" % kv for kv in sorted(c1.items()))))
    print("%-24s %4d  %s" % ("= all", len(rows), " ".join("%s:%d" % kv for kv in sorted(c.items()))))


def sample(out, n, seed):
    with open(os.path.join(out, "ALL.json")) as f:
        rows = json.load(f)
    random.seed(seed)
    picked = [rows[i] for i in sorted(random.sample(range(len(rows)), min(n, len(rows))))]
    with open(os.path.join(out, "sample.json"), "w") as f:
        json.dump(picked, f, indent=1)
    print("%d of %d findings (seed %d) in %s" % (len(picked), len(rows), seed,
                                                 os.path.join(out, "sample.json")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gilcheck")
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", choices=("libs", "wide"), default="libs")
    ap.add_argument("--sample", type=int)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--extend-select", help="rules beyond the default selection (GIL204)")
    a = ap.parse_args()
    if a.sample:
        sample(a.out, a.sample, a.seed)
    elif a.gilcheck:
        run(a.gilcheck, a.set, a.out, a.extend_select)
    else:
        ap.error("give --gilcheck PATH (a run) or --sample N (after one)")


if __name__ == "__main__":
    main()
