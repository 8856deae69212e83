#!/usr/bin/env python3
"""Benchmark (not a test): `gilcheck check` on the CPython 3.11 standard library against CPython's
own compile() and marshal.loads, pyflakes beside it, ruff's published figure for context.

    python3 tools/bench_ci.py [--gilcheck build/gilcheck] [--baseline OTHER]... [--runs 5]
                              [--jobs N] [--json FILE]

File sets (copied into a temporary directory so that every tool sees the same bytes):
  - stdlib sources: every .py of pyenv's lib/python3.11 outside site-packages and the test
    directories (test, tests, idle_test);
  - stdlib pycs: the same sources compiled by CPython 3.11 (py_compile);
  - site-packages pycs: every *.cpython-311.pyc under lib/python3.11/site-packages.

Measured (medians; hyperfine when present for the gilcheck runs, else repeated runs):
  - gilcheck check source mode, cold (--no-cache) and warm (a filled .gilcheck_cache), and warm
    with one file changed before each run (a comment appended to one source of the set: the run's
    outcome is not in the cache, every other file's is);
  - gilcheck check pyc mode (--no-cache) on the stdlib pycs and on the site-packages pycs;
  - CPython 3.11 compile() of the sources, and read + marshal.loads of the pycs, each in one
    process and timed inside it (interpreter start-up excluded);
  - pyflakes (Debian's python3-pyflakes, `/usr/bin/python3 -m pyflakes`) on the sources;
  - peak memory: the largest process (wait4's ru_maxrss) and the sum over gilcheck's processes
    (sampled from /proc every 5 ms);
  - the composition of the run on its own (the step that reads every file's summary and finds
    the races, in the parent after the workers): its time and memory as GILCHECK_TIMINGS=1
    prints them, and the reading of the records back before it (records: ms, builds that print
    it), median over --runs runs with --no-cache (with a warm cache a run over unchanged files
    reads its outcome whole and composes nothing), on the stdlib sources and on the
    site-packages pycs.

--baseline OTHER (repeatable) measures other gilcheck binaries (older builds) in the same run:
the gilcheck runs of all are then timed in interleaved rounds (this, other, ..., this, other...)
so that all see the same load, and a table per baseline gets each figure's ratio (median of the
per-round ratios).

Goals (issue 4): cold <= 0.6 x compile(); warm <= 0.05 x compile(); pyc mode <= 0.5 x
marshal.loads; peak memory <= 100 MB; time per MB flat from the stdlib to site-packages pycs.
Issue 10: the stdlib's composition well under a second (<= 0.5 s here); with --baseline, cold
source mode at most 1.2 x the baseline's.
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIP_DIRS = {"site-packages", "__pycache__", "test", "tests", "idle_test"}

# ruff's own benchmark (astral-sh/ruff CONTRIBUTING.md, "Benchmarking"): `ruff check` of a CPython
# 3.10 checkout with hyperfine, on the maintainers' (many-core) machine.
RUFF = ("ruff (published, CPython 3.10 checkout, its machine): 293.8 ms cold (--no-cache, "
        "user 2384.6 ms), 48.0 ms warm -- astral-sh/ruff CONTRIBUTING.md, Benchmarking")

COMPILE_LOOP = r"""
import json, sys, time
paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
srcs = []
for p in paths:
    with open(p, "rb") as f:
        srcs.append((p, f.read()))
t0 = time.perf_counter(); c0 = time.process_time()
bad = 0
for p, s in srcs:
    try:
        compile(s, p, "exec", dont_inherit=True)
    except SyntaxError:
        bad += 1
t1 = time.perf_counter(); c1 = time.process_time()
print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "files": len(srcs), "syntax_errors": bad}))
"""

COMPILE_READ_LOOP = COMPILE_LOOP.replace("srcs = []\nfor p in paths:\n    with open(p, \"rb\") as f:\n"
                                         "        srcs.append((p, f.read()))\nt0 = time.perf_counter();"
                                         " c0 = time.process_time()",
                                         "t0 = time.perf_counter(); c0 = time.process_time()\n"
                                         "srcs = []\nfor p in paths:\n    with open(p, \"rb\") as f:\n"
                                         "        srcs.append((p, f.read()))")

MARSHAL_LOOP = r"""
import json, marshal, sys, time
paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
t0 = time.perf_counter(); c0 = time.process_time()
for p in paths:
    with open(p, "rb") as f:
        data = f.read()
    marshal.loads(memoryview(data)[16:])
t1 = time.perf_counter(); c1 = time.process_time()
print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "files": len(paths)}))
"""

PY_COMPILE = r"""
import py_compile, sys
pairs = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
for src, dst in pairs:
    py_compile.compile(src, cfile=dst, doraise=True)
"""


def python311():
    try:
        root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    vers = sorted(glob.glob(os.path.join(root, "versions", "3.11*")))
    if not vers:
        sys.exit("bench_ci: no CPython 3.11 under pyenv")
    return os.path.join(vers[-1], "bin", "python3"), os.path.join(vers[-1], "lib", "python3.11")


def tree_files(top, want, skip):
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        out += [os.path.join(dirpath, f) for f in sorted(filenames) if want(f)]
    return out


def copy_tree(files, top, dest):
    """Copies files (below top) to dest, keeping their relative paths; returns the copies."""
    out = []
    for f in files:
        d = os.path.join(dest, os.path.relpath(f, top))
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copyfile(f, d)
        out.append(d)
    return out


def mb(files):
    return sum(os.path.getsize(f) for f in files) / 1e6


def write_list(path, items):
    with open(path, "w") as f:
        f.write("\n".join(items) + "\n")
    return path


class Sampler(threading.Thread):
    """Samples the summed VmRSS of a process and its children (by /proc) until it ends."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, False

    @staticmethod
    def children(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    @staticmethod
    def rss(pid):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self):
        while not self.stop:
            total = self.rss(self.pid) + sum(self.rss(c) for c in self.children(self.pid))
            self.peak = max(self.peak, total)
            time.sleep(0.005)


def timed(cmd, cwd=None, sample=False):
    """Runs cmd; returns (seconds, max RSS of the largest process in KiB, summed RSS KiB, rc,
    CPU seconds of the process and its children)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    s = Sampler(p.pid) if sample else None
    if s:
        s.start()
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t
    if s:
        s.stop = True
        s.join()
    return (secs, usage.ru_maxrss, s.peak if s else 0, os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime)


def hyperfine(cmds, runs, cwd):
    """{name: (median wall seconds, mean CPU seconds)} by hyperfine, or None when it is absent."""
    if not shutil.which("hyperfine"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", "1",
                "-i", "--export-json", out.name]
        for name, cmd in cmds:
            args += ["-n", name, " ".join(cmd)]
        subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
        data = json.load(open(out.name))
    return {r["command"]: (r["median"], r["user"] + r["system"]) for r in data["results"]}


def rounds(cmds, runs, cwd):
    """Times every (name, cmd) once per round, in order, for runs rounds after one warm-up
    round: {name: [(wall, CPU), ...]}, the i-th entries of two names measured side by side."""
    for _, cmd in cmds:
        timed(cmd, cwd)
    out = {name: [] for name, _ in cmds}
    for _ in range(runs):
        for name, cmd in cmds:
            t = timed(cmd, cwd)
            out[name].append((t[0], t[4]))
    return out


def paired_ratio(xs, ys, k):
    """Median over rounds of ys[i][k] / xs[i][k]."""
    return statistics.median(y[k] / x[k] for x, y in zip(xs, ys))


COMPOSITION = re.compile(r"composition: ([0-9.]+) ms, (\d+) summaries, .*?([0-9.]+) MB "
                         r"\(summaries ([0-9.]+) MB\)")
RECORDS = re.compile(r"records: ([0-9.]+) ms")


def composition(cmd, runs, cwd):
    """(median ms, summaries, MB the composition allocated, MB of the summaries, median ms of
    reading the records back or None) from GILCHECK_TIMINGS=1 over runs runs, or None when the
    binary does not print it."""
    env = dict(os.environ, GILCHECK_TIMINGS="1")
    times, reads, m = [], [], None
    for _ in range(runs):
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, universal_newlines=True)
        m = COMPOSITION.search(p.stderr)
        if not m:
            return None
        times.append(float(m.group(1)))
        r = RECORDS.search(p.stderr)
        if r:
            reads.append(float(r.group(1)))
    return (statistics.median(times), int(m.group(2)), float(m.group(3)), float(m.group(4)),
            statistics.median(reads) if reads else None)


def changed_warm(cmd, runs, cwd, victim):
    """(median wall, median CPU) of runs of cmd, each after appending a new comment to victim:
    a warm cache where one file changed."""
    out = []
    for k in range(runs + 1):
        with open(victim, "a") as f:
            f.write("# bench_ci %d %f\n" % (k, time.time()))
        out.append(timed(cmd, cwd))
    rs = out[1:]
    return statistics.median(r[0] for r in rs), statistics.median(r[4] for r in rs)


def median_runs(cmd, runs, cwd=None):
    """(median wall seconds, median CPU seconds) of runs after one warm-up."""
    timed(cmd, cwd)
    rs = [timed(cmd, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in rs), statistics.median(r[4] for r in rs)


def inproc(py, script, listfile, runs):
    """(median wall, median CPU) of a loop run by interpreter py, timed inside it."""
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run([py, "-c", script, listfile], stdout=subprocess.PIPE, check=True,
                             universal_newlines=True).stdout
        info = json.loads(out)
        walls.append(info["wall"])
        cpus.append(info["cpu"])
    return statistics.median(walls), statistics.median(cpus)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gilcheck", default=os.path.join(ROOT, "build", "gilcheck"))
    ap.add_argument("--baseline", metavar="OTHER", action="append", default=[],
                    help="another gilcheck binary, measured in the same run for ratios "
                         "(repeatable)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=0, help="gilcheck --jobs (default: its own)")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    gil = os.path.abspath(a.gilcheck)
    others = [os.path.abspath(b) for b in a.baseline]
    other = others[0] if others else None
    jobs = ["--jobs", str(a.jobs)] if a.jobs else []
    py, lib = python311()
    tmp = tempfile.mkdtemp(prefix="gilcheck-bench-")
    try:
        src_orig = tree_files(lib, lambda f: f.endswith(".py"), SKIP_DIRS)
        srcs = copy_tree(src_orig, lib, os.path.join(tmp, "src"))
        pycs = [os.path.join(tmp, "pyc", os.path.relpath(s, os.path.join(tmp, "src"))) + "c"
                for s in srcs]
        for p in pycs:
            os.makedirs(os.path.dirname(p), exist_ok=True)
        subprocess.run([py, "-c", PY_COMPILE,
                        write_list(os.path.join(tmp, "pairs.txt"),
                                   ["%s\t%s" % sp for sp in zip(srcs, pycs)])], check=True)
        site = os.path.join(lib, "site-packages")
        site_orig = tree_files(site, lambda f: f.endswith(".cpython-311.pyc"), set())
        sites = copy_tree(site_orig, site, os.path.join(tmp, "site"))
        src_list = write_list(os.path.join(tmp, "src.txt"), srcs)
        pyc_list = write_list(os.path.join(tmp, "pyc.txt"), pycs)
        site_list = write_list(os.path.join(tmp, "site.txt"), sites)
        work = os.path.join(tmp, "work")     # cwd of gilcheck: the cache lives here
        os.makedirs(work)
        for f in srcs + pycs + sites:        # warm the page cache
            with open(f, "rb") as fh:
                fh.read()

        print("CPython 3.11: %s" % py)
        print("stdlib sources: %d files, %.1f MB (no site-packages, no test dirs)"
              % (len(srcs), mb(srcs)))
        print("stdlib pycs:    %d files, %.1f MB (compiled by 3.11)" % (len(pycs), mb(pycs)))
        print("site-packages pycs: %d files, %.1f MB%s" % (
            len(sites), mb(sites), "" if len(sites) >= 15000 else
            " (the issue expects ~15,000: this machine's 3.11 site-packages has fewer)"))
        print("machine: %d online cores, load average %.2f; gilcheck %s"
              % (os.cpu_count(), os.getloadavg()[0], " ".join(jobs) or "--jobs default"))

        def commands(binary):
            base = [binary, "check", "--format", "concise"] + jobs
            return {"cold": base + ["--no-cache", os.path.join(tmp, "src")],
                    "warm": base + [os.path.join(tmp, "src")],
                    "pyc": base + ["--no-cache", os.path.join(tmp, "pyc")],
                    "site": base + ["--no-cache", os.path.join(tmp, "site")],
                    "pyc_warm": base + [os.path.join(tmp, "pyc")],
                    "site_warm": base + [os.path.join(tmp, "site")],
                    "one": base + ["--jobs", "1", "--no-cache", os.path.join(tmp, "src")]}

        names = ["cold", "warm", "pyc", "site", "pyc_warm"]
        binaries = [("this", gil)] + [("base%d" % k, b) for k, b in enumerate(others)]
        cmds = {who: commands(b) for who, b in binaries}
        for who, _ in binaries:              # fills the caches (keyed by the executable too)
            for n in ("warm", "pyc_warm", "site_warm"):
                timed(cmds[who][n], work)
        per_round = None
        if other:
            per_round = rounds([("%s %s" % (who, n), cmds[who][n]) for n in names
                                for who, _ in binaries], a.runs, work)
            hfs = {who: {n: (statistics.median(x[0] for x in per_round["%s %s" % (who, n)]),
                             statistics.median(x[1] for x in per_round["%s %s" % (who, n)]))
                         for n in names} for who, _ in binaries}
        else:
            hf = hyperfine([(n, cmds["this"][n]) for n in names], a.runs, work)
            if hf is None:
                hf = {n: median_runs(cmds["this"][n], a.runs, work) for n in names}
            hfs = {"this": hf}
        mems, ones, comps, changed = {}, {}, {}, {}
        victim = os.path.join(tmp, "src", "json", "encoder.py")
        for who, _ in binaries:
            mems[who] = {n: timed(cmds[who][n], work, sample=True)
                         for n in ("cold", "warm", "pyc", "site")}
            one = timed(cmds[who]["one"], work)
            ones[who] = (one[0], one[4])
            comps[who] = {n: composition(cmds[who][n], a.runs, work)
                          for n in ("cold", "site")}
        for who, _ in binaries:              # last: it changes a file of the set
            changed[who] = changed_warm(cmds[who]["warm"], a.runs, work, victim)
        hf, mem, one = hfs["this"], mems["this"], ones["this"]

        comp = inproc(py, COMPILE_LOOP, src_list, a.runs)
        comp_read = inproc(py, COMPILE_READ_LOOP, src_list, a.runs)
        mar = inproc(py, MARSHAL_LOOP, pyc_list, a.runs)
        mar_site = inproc(py, MARSHAL_LOOP, site_list, a.runs)
        # Debian's CPython 3.11 (PGO + LTO): the libpython gilcheck embeds, so the like-for-like
        # baseline for the compile step (pyenv's build has no --enable-optimizations)
        deb = None
        if os.path.exists("/usr/bin/python3"):
            deb = inproc("/usr/bin/python3", COMPILE_LOOP, src_list, a.runs)
        pyflakes = None
        if os.path.exists("/usr/bin/python3") and subprocess.run(
                ["/usr/bin/python3", "-c", "import pyflakes"], stderr=subprocess.DEVNULL).returncode == 0:
            pyflakes = median_runs(["/usr/bin/python3", "-m", "pyflakes", os.path.join(tmp, "src")],
                                   max(1, min(a.runs, 3)))

        peak_one = max(m[1] for m in mem.values()) / 1024
        peak_sum = max(m[2] for m in mem.values()) / 1024
        per_mb_std = hf["pyc"][0] / mb(pycs)
        per_mb_site = hf["site"][0] / mb(sites)
        rows = [
            ("gilcheck source, cold (--no-cache)", hf["cold"], mem["cold"]),
            ("gilcheck source, cold, --jobs 1 (one run)", one, None),
            ("gilcheck source, warm cache", hf["warm"], mem["warm"]),
            ("gilcheck source, warm cache, one file changed", changed["this"], None),
            ("gilcheck pyc mode, stdlib pycs", hf["pyc"], mem["pyc"]),
            ("gilcheck pyc mode, stdlib pycs, warm cache", hf["pyc_warm"], None),
            ("gilcheck pyc mode, site-packages pycs", hf["site"], mem["site"]),
            ("CPython 3.11 compile(), in-process (files read before)", comp, None),
            ("CPython 3.11 read + compile(), in-process", comp_read, None),
            ("CPython 3.11 read + marshal.loads, stdlib pycs", mar, None),
            ("CPython 3.11 read + marshal.loads, site-packages pycs", mar_site, None),
        ]
        if deb is not None:
            rows.append(("Debian's CPython 3.11 compile() (gilcheck's libpython)", deb, None))
        if pyflakes is not None:
            rows.append(("pyflakes (Debian python3-pyflakes), whole process", pyflakes, None))
        print()
        print("%-58s %9s %9s %13s %10s" % ("", "wall", "CPU", "largest proc", "all procs"))
        for name, (secs, cpu), m in rows:
            print("%-58s %8.3fs %8.3fs %13s %10s" % (
                name, secs, cpu, "%.1f MB" % (m[1] / 1024) if m else "",
                "%.1f MB" % (m[2] / 1024) if m else ""))
        print()
        goals = [
            ("source cold / compile()", hf["cold"][0] / comp[0], 0.6),
            ("warm cache / compile()", hf["warm"][0] / comp[0], 0.05),
            ("pyc mode / marshal.loads (stdlib)", hf["pyc"][0] / mar[0], 0.5),
            ("peak memory, all processes (MB)", peak_sum, 100),
            ("time per MB, site-packages / stdlib pycs", per_mb_site / per_mb_std, 1.25),
        ]
        ctime = comps["this"]["cold"]
        if ctime is not None:
            goals.append(("composition of the stdlib (s)", ctime[0] / 1e3, 0.5))
        for k, b in enumerate(others):
            goals.append(("source cold / baseline %d's (wall, paired)" % k,
                          paired_ratio(per_round["base%d cold" % k], per_round["this cold"], 0),
                          1.2))
        for name, value, limit in goals:
            print("%-44s %8.3f  (goal <= %s)  %s" % (name, value, limit, verdict(value <= limit)))
        print("  time per MB of pyc: stdlib %.1f ms/MB, site-packages %.1f ms/MB"
              % (per_mb_std * 1e3, per_mb_site * 1e3))
        print("  largest single process: %.1f MB" % peak_one)
        print("  CPU time ratios (all gilcheck processes): cold / compile() %.2f, warm / compile() "
              "%.3f, pyc / marshal.loads %.2f" % (hf["cold"][1] / comp[1], hf["warm"][1] / comp[1],
                                                  hf["pyc"][1] / mar[1]))
        if deb is not None:
            print("  cold / Debian's compile(): %.2f wall, %.2f CPU"
                  % (hf["cold"][0] / deb[0], hf["cold"][1] / deb[1]))
        if pyflakes is not None:
            print("  pyflakes / gilcheck cold: %.1fx" % (pyflakes[0] / hf["cold"][0]))
        print("  " + RUFF)
        print()
        for who, b in binaries:
            for n, what in (("cold", "stdlib sources"), ("site", "site-packages pycs")):
                c = comps[who][n]
                print("composition (GILCHECK_TIMINGS=1, median of %d, --no-cache), %s, %s: %s" % (
                    a.runs, what, "this build" if who == "this" else b,
                    ("%.1f ms, %d summaries, %.1f MB allocated (summaries %.1f MB)" % c[:4] +
                     ("; reading the records back %.1f ms" % c[4] if c[4] is not None else ""))
                    if c else "not printed (a build before the composition)"))
        for k, b in enumerate(others):
            base = "base%d" % k
            print()
            print("against the baseline %s (same run, interleaved rounds):" % b)
            print("%-44s %9s %9s %7s %7s %11s %11s %7s" % (
                "", "this", "baseline", "wall x", "CPU x", "mem this", "mem base", "mem x"))
            labels = {"cold": "source, cold (--no-cache)", "warm": "source, warm cache",
                      "pyc": "pyc mode, stdlib pycs", "site": "pyc mode, site-packages pycs",
                      "pyc_warm": "pyc mode, stdlib pycs, warm cache"}
            for n in names:
                mt, mbase = mems["this"].get(n), mems[base].get(n)
                print("%-44s %8.3fs %8.3fs %7.3f %7.3f %11s %11s %7s" % (
                    labels[n], hfs["this"][n][0], hfs[base][n][0],
                    paired_ratio(per_round[base + " " + n], per_round["this " + n], 0),
                    paired_ratio(per_round[base + " " + n], per_round["this " + n], 1),
                    "%.1f MB" % (mt[2] / 1024) if mt else "",
                    "%.1f MB" % (mbase[2] / 1024) if mbase else "",
                    "%.3f" % (mt[2] / mbase[2]) if mt and mbase and mbase[2] else ""))
            print("%-44s %8.3fs %8.3fs %7.3f %7.3f" % (
                "source, warm cache, one file changed", changed["this"][0], changed[base][0],
                changed["this"][0] / changed[base][0], changed["this"][1] / changed[base][1]))
            print("%-44s %8.3fs %8.3fs %7.3f %7.3f" % (
                "source, cold, --jobs 1 (one run each)", ones["this"][0], ones[base][0],
                ones["this"][0] / ones[base][0], ones["this"][1] / ones[base][1]))
            print("  peak memory, all processes, largest of the four sets: %.1f MB against %.1f MB"
                  " (%.3f x); largest single process %.1f MB against %.1f MB" % (
                      peak_sum, max(m[2] for m in mems[base].values()) / 1024,
                      peak_sum / (max(m[2] for m in mems[base].values()) / 1024),
                      peak_one, max(m[1] for m in mems[base].values()) / 1024))
        print("  load average at the end: %.2f" % os.getloadavg()[0])
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"files": {"src": len(srcs), "src_mb": mb(srcs), "pyc": len(pycs),
                                     "pyc_mb": mb(pycs), "site": len(sites), "site_mb": mb(sites)},
                           "gilcheck": hf, "gilcheck_jobs1_cold": one,
                           "memory_kib": {k: {"largest": v[1], "sum": v[2]} for k, v in mem.items()},
                           "compile": comp, "compile_read": comp_read, "marshal": mar,
                           "marshal_site": mar_site, "pyflakes": pyflakes,
                           "compile_debian": deb, "composition": comps.get("this"),
                           "warm_one_changed": changed["this"],
                           "baselines": [{
                               "binary": b, "gilcheck": hfs["base%d" % k],
                               "gilcheck_jobs1_cold": ones["base%d" % k],
                               "warm_one_changed": changed["base%d" % k],
                               "memory_kib": {n: {"largest": v[1], "sum": v[2]}
                                              for n, v in mems["base%d" % k].items()},
                               "composition": comps["base%d" % k]}
                               for k, b in enumerate(others)],
                           "rounds": per_round,
                           "load": os.getloadavg()}, f, indent=1)
        return 0
    finally:
        if a.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
