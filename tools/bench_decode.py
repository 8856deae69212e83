#!/usr/bin/env python3
"""Benchmark (not a test): gilcheck's decoder against CPython 3.11's own marshal.loads and dis.

Decodes every pyc of the 3.11 standard library (`__pycache__/*.cpython-311.pyc`, no .opt-1/.opt-2,
no site-packages) with `gilcheck dis --count` — header, marshal, code objects, instructions, lines,
positions, exception tables and the version-neutral form — and, in the same run and with the same
warm page cache, times CPython 3.11 reading and unmarshalling the same files in one process, and a
`dis.get_instructions` walk over every code object.  Runs are interleaved round by round so that
a change in the machine's load hits every contender alike; the figures are medians.

usage: python3 tools/bench_decode.py [--gilcheck build/gilcheck] [--baseline OTHER_GILCHECK]
           [-n 5] [--dis-runs N] [--callgrind] [--hyperfine] [--json FILE]

Goal (the issue): gilcheck's whole run takes at most half the time CPython needs for the
read+marshal.loads loop alone (interpreter start-up excluded).
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL = 0.5

# Run by the CPython 3.11 under test: the read + marshal.loads loop, timed from inside so that
# interpreter start-up is excluded.  Prints one JSON object.
MARSHAL_LOOP = r"""
import json, marshal, sys, time
paths = open(sys.argv[1]).read().split("\n")
paths = [p for p in paths if p]
t0 = time.perf_counter(); c0 = time.process_time()
nbytes = 0
for p in paths:
    with open(p, "rb") as f:
        data = f.read()
    nbytes += len(data)
    marshal.loads(memoryview(data)[16:])
t1 = time.perf_counter(); c1 = time.process_time()
print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "files": len(paths), "bytes": nbytes}))
"""

# The same loop plus a dis.get_instructions walk over every code object (through co_consts).
DIS_WALK = r"""
import dis, json, marshal, sys, time, types
paths = open(sys.argv[1]).read().split("\n")
paths = [p for p in paths if p]
def walk(co):
    ncodes, nins = 1, 0
    for _ in dis.get_instructions(co):
        nins += 1
    for k in co.co_consts:
        if isinstance(k, types.CodeType):
            c, i = walk(k)
            ncodes += c
            nins += i
    return ncodes, nins
t0 = time.perf_counter(); c0 = time.process_time()
ncodes = nins = 0
for p in paths:
    with open(p, "rb") as f:
        data = f.read()
    c, i = walk(marshal.loads(memoryview(data)[16:]))
    ncodes += c
    nins += i
t1 = time.perf_counter(); c1 = time.process_time()
print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "codes": ncodes, "instructions": nins}))
"""


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, check=True).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    return os.path.expanduser("~/.pyenv")


def collect(stdlib):
    """The 3.11 pycs of the standard library, sorted: __pycache__/*.cpython-311.pyc without
    .opt-N, site-packages left out."""
    files = []
    for d, dirs, names in os.walk(stdlib):
        if d == stdlib and "site-packages" in dirs:
            dirs.remove("site-packages")
        dirs.sort()
        if os.path.basename(d) != "__pycache__":
            continue
        for n in sorted(names):
            if n.endswith(".cpython-311.pyc") and ".opt-" not in n:
                files.append(os.path.join(d, n))
    return files


def gilcheck_argv(gilcheck, listfile, files):
    """`gilcheck dis --count --files-from LIST`, or the files as arguments for a gilcheck that
    predates --files-from."""
    usage = subprocess.run([gilcheck, "dis", "--help"], stdout=subprocess.PIPE,
                           universal_newlines=True).stdout
    if "--files-from" in usage:
        return [gilcheck, "dis", "--count", "--files-from", listfile]
    return [gilcheck, "dis", "--count"] + files


def run_child(argv, stdout_path):
    """Runs argv with stdout to a file; returns (wall seconds, rusage, exit status).  The wall
    time covers spawn to exit, so it includes the child's start-up."""
    with open(stdout_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    if p.returncode != 0:
        sys.exit("bench_decode: %s exited with %d:\n%s" % (argv[0], p.returncode, err[-2000:]))
    return wall, ru


def peak_rss_kb(argv, stdout_path):
    """Peak RSS in KiB of one run of argv.  Measured through /usr/bin/time because a child's
    ru_maxrss as wait4 reports it starts at the RSS of the process that forked it (Linux keeps
    the high-water mark across exec), which here is this Python; /usr/bin/time is small."""
    if not os.access("/usr/bin/time", os.X_OK):
        return run_child(argv, stdout_path)[1].ru_maxrss
    rss = stdout_path + ".rss"
    run_child(["/usr/bin/time", "-f", "%M", "-o", rss] + argv, stdout_path)
    with open(rss) as f:
        return int(f.read().split()[-1])


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x):
    return "%7.3f s" % x


def callgrind(g_argv, tmp, top):
    """Instructions executed (Ir) by one gilcheck run under callgrind, and the top functions."""
    out = os.path.join(tmp, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + g_argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    total = None
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    lines = []
    if top and shutil.which("callgrind_annotate"):
        ann = subprocess.run(["callgrind_annotate", "--inclusive=no", out],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True).stdout.splitlines()
        body = False
        for l in ann:
            if "file:function" in l:
                body = True
                continue
            if body and l.strip() and not l.startswith("-"):
                lines.append(l.rstrip())
                if len(lines) >= top:
                    break
    return total, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gilcheck", default=os.path.join(ROOT, "build", "gilcheck"))
    ap.add_argument("--baseline", metavar="GILCHECK",
                    help="another gilcheck (e.g. an older build) timed in the same rounds")
    ap.add_argument("--stdlib", help="the 3.11 standard library (default: $(pyenv root)"
                    "/versions/3.11.7/lib/python3.11)")
    ap.add_argument("--python", help="CPython 3.11 to compare with (default: this interpreter "
                    "when it is 3.11, else the pyenv 3.11.7)")
    ap.add_argument("-n", "--runs", type=int, default=5, help="rounds (default 5); medians")
    ap.add_argument("--dis-runs", type=int, default=None,
                    help="rounds that include the (slow) dis walk (default: all; 0 = none)")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count gilcheck's instructions with valgrind --tool=callgrind")
    ap.add_argument("--top", type=int, default=12, help="functions listed with --callgrind")
    ap.add_argument("--hyperfine", action="store_true",
                    help="also time gilcheck and the marshal script end to end with hyperfine")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON to FILE")
    args = ap.parse_args()

    root = pyenv_root()
    stdlib = args.stdlib or os.path.join(root, "versions", "3.11.7", "lib", "python3.11")
    python = args.python
    if not python:
        python = sys.executable if sys.version_info[:2] == (3, 11) else \
            os.path.join(root, "versions", "3.11.7", "bin", "python3.11")
    if not os.access(args.gilcheck, os.X_OK):
        sys.exit("bench_decode: no gilcheck at %s (build it first)" % args.gilcheck)
    ver = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    if not ver.startswith("3.11."):
        sys.exit("bench_decode: %s is Python %s, not 3.11" % (python, ver))
    files = collect(stdlib)
    if not files:
        sys.exit("bench_decode: no 3.11 pycs under %s" % stdlib)
    dis_runs = args.runs if args.dis_runs is None else min(args.dis_runs, args.runs)

    tmp = tempfile.mkdtemp(prefix="bench_decode.")
    try:
        listfile = os.path.join(tmp, "files.txt")
        with open(listfile, "w") as f:
            f.write("\n".join(files) + "\n")
        scripts = {}
        for name, text in (("marshal", MARSHAL_LOOP), ("dis", DIS_WALK)):
            scripts[name] = os.path.join(tmp, "bench_%s_loop.py" % name)
            with open(scripts[name], "w") as f:
                f.write(text)
        outp = os.path.join(tmp, "stdout")
        g_argv = gilcheck_argv(args.gilcheck, listfile, files)
        b_argv = gilcheck_argv(args.baseline, listfile, files) if args.baseline else None
        m_argv = [python, scripts["marshal"], listfile]
        d_argv = [python, scripts["dis"], listfile]
        s_argv = [python, "-c", "pass"]

        # Warm the page cache and check that everything decodes.
        nbytes = 0
        for p in files:
            with open(p, "rb") as f:
                nbytes += len(f.read())
        run_child(g_argv, outp)
        with open(outp) as f:
            counts = f.read().split()
        counts = dict(zip(counts[::2], map(int, counts[1::2])))
        if counts.get("failed") or counts.get("files") != len(files):
            sys.exit("bench_decode: gilcheck did not decode every file: %s" % counts)
        run_child(m_argv, outp)

        load0 = os.getloadavg()
        res = {k: [] for k in ("g_wall", "g_cpu", "b_wall", "b_cpu", "m_loop", "m_loop_cpu",
                               "m_total", "m_cpu", "d_loop", "d_loop_cpu", "d_total", "d_cpu",
                               "s_wall", "s_cpu")}
        dis_counts = None
        for r in range(args.runs):
            order = ["g", "m", "d", "s"] + (["b"] if b_argv else [])
            order = order[r % len(order):] + order[:r % len(order)]  # nobody always runs first
            for who in order:
                if who in ("g", "b"):
                    wall, ru = run_child(g_argv if who == "g" else b_argv, outp)
                    res[who + "_wall"].append(wall)
                    res[who + "_cpu"].append(ru.ru_utime + ru.ru_stime)
                elif who == "m":
                    wall, ru = run_child(m_argv, outp)
                    with open(outp) as f:
                        inner = json.load(f)
                    res["m_loop"].append(inner["wall"])
                    res["m_loop_cpu"].append(inner["cpu"])
                    res["m_total"].append(wall)
                    res["m_cpu"].append(ru.ru_utime + ru.ru_stime)
                elif who == "d" and r < dis_runs:
                    wall, ru = run_child(d_argv, outp)
                    with open(outp) as f:
                        inner = json.load(f)
                    dis_counts = inner
                    res["d_loop"].append(inner["wall"])
                    res["d_loop_cpu"].append(inner["cpu"])
                    res["d_total"].append(wall)
                    res["d_cpu"].append(ru.ru_utime + ru.ru_stime)
                elif who == "s":
                    wall, ru = run_child(s_argv, outp)
                    res["s_wall"].append(wall)
                    res["s_cpu"].append(ru.ru_utime + ru.ru_stime)
        load1 = os.getloadavg()

        # Peak memory, one run each (it does not vary from run to run).
        rss = {"g": peak_rss_kb(g_argv, outp), "m": peak_rss_kb(m_argv, outp),
               "s": peak_rss_kb(s_argv, outp)}
        if dis_runs:
            rss["d"] = peak_rss_kb(d_argv, outp)
        if b_argv:
            rss["b"] = peak_rss_kb(b_argv, outp)

        cg_total, cg_top, cg_base = (None, [], None)
        if args.callgrind:
            cg_total, cg_top = callgrind(g_argv, tmp, args.top)
            if b_argv:
                cg_base = callgrind(b_argv, tmp, 0)[0]

        hf = None
        if args.hyperfine and shutil.which("hyperfine") and "--files-from" in g_argv:
            hf_json = os.path.join(tmp, "hyperfine.json")
            subprocess.run(["hyperfine", "-N", "--warmup", "1", "--runs", str(args.runs),
                            "--export-json", hf_json, shlex.join(g_argv), shlex.join(m_argv)],
                           check=True)
            with open(hf_json) as f:
                hf = json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: median(v) for k, v in res.items()}
    mb = nbytes / 1e6
    print("gilcheck decode benchmark: %d pycs of the 3.11 standard library, %.1f MB" %
          (len(files), mb))
    print("  stdlib   %s" % stdlib)
    print("  gilcheck %s: %d code objects, %d instructions" %
          (args.gilcheck, counts["code-objects"], counts["instructions"]))
    print("  python   %s (%s)" % (python, ver))
    print("  machine  %d CPUs, load average %.2f at the start, %.2f at the end" %
          (os.cpu_count() or 0, load0[0], load1[0]))
    print("  medians of %d interleaved rounds (dis walk: %d)" % (args.runs, dis_runs))
    print()
    print("%-44s %10s %10s %12s" % ("", "wall", "cpu", "peak RSS"))
    rows = [
        ("gilcheck dis --count (whole process)", med["g_wall"], med["g_cpu"], rss["g"]),
        ("marshal.loads loop (read+loads, in-process)", med["m_loop"], med["m_loop_cpu"], None),
        ("marshal.loads, whole python3 process", med["m_total"], med["m_cpu"], rss["m"]),
        ("python3 -c pass (start-up alone)", med["s_wall"], med["s_cpu"], rss["s"]),
    ]
    if b_argv:
        rows.insert(1, ("baseline: %s" % args.baseline[-35:], med["b_wall"], med["b_cpu"],
                        rss["b"]))
    if dis_runs:
        rows += [
            ("dis.get_instructions walk (in-process)", med["d_loop"], med["d_loop_cpu"], None),
            ("dis walk, whole python3 process", med["d_total"], med["d_cpu"], rss["d"]),
        ]
    for name, wall, cpu, kb in rows:
        print("%-44s %10s %10s %12s" % (name, fmt_s(wall), fmt_s(cpu) if cpu is not None else "",
                                        "%.1f MB" % (kb / 1024) if kb is not None else ""))
    print()
    ratio = med["g_wall"] / med["m_loop"]
    ratio_cpu = med["g_cpu"] / med["m_loop_cpu"]
    print("ratios (gilcheck / CPython):")
    print("  wall, vs the marshal.loads loop          %.2f" % ratio)
    print("  cpu,  vs the marshal.loads loop          %.2f" % ratio_cpu)
    print("  wall, vs the whole marshal process       %.2f" % (med["g_wall"] / med["m_total"]))
    if dis_runs:
        print("  wall, vs the dis.get_instructions walk   %.3f" % (med["g_wall"] / med["d_loop"]))
    if b_argv:
        print("  wall, baseline vs the marshal.loads loop %.2f" % (med["b_wall"] / med["m_loop"]))
        print("  cpu,  baseline vs the marshal.loads loop %.2f" %
              (med["b_cpu"] / med["m_loop_cpu"]))
    print("  throughput: gilcheck %.0f MB/s, marshal.loads loop %.0f MB/s" %
          (mb / med["g_wall"], mb / med["m_loop"]))
    if dis_counts and (dis_counts["codes"], dis_counts["instructions"]) != \
            (counts["code-objects"], counts["instructions"]):
        print("  WARNING: dis saw %d code objects, %d instructions" %
              (dis_counts["codes"], dis_counts["instructions"]))
    elif dis_counts:
        print("  dis agrees on the counts: %d code objects, %d instructions" %
              (dis_counts["codes"], dis_counts["instructions"]))
    if cg_total is not None:
        print()
        print("callgrind: %s instructions (Ir) for the whole gilcheck run, %.0f per decoded "
              "instruction" % (format(cg_total, ","), cg_total / counts["instructions"]))
        if cg_base is not None:
            print("           baseline %s Ir (%.0f per instruction)" %
                  (format(cg_base, ","), cg_base / counts["instructions"]))
        for l in cg_top:
            print("  " + l)
    if hf:
        print()
        for r in hf["results"]:
            print("hyperfine: %-60s mean %.3f s ± %.3f, median %.3f s" %
                  (r["command"][:60], r["mean"], r["stddev"], r["median"]))
    print()
    met = ratio <= GOAL
    print("goal: gilcheck <= %.1f x the marshal.loads loop (wall medians): %s (%.2f)" %
          (GOAL, "MET" if met else "NOT MET", ratio))
    print("      on cpu time (user+sys, insensitive to other load):      %s (%.2f)" %
          ("MET" if ratio_cpu <= GOAL else "NOT MET", ratio_cpu))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"files": len(files), "bytes": nbytes, "counts": counts, "runs": args.runs,
                       "medians": med, "samples": res, "peak_rss_kb": rss, "ratio_wall": ratio,
                       "ratio_cpu": ratio_cpu, "goal_met": met, "callgrind_ir": cg_total, "callgrind_ir_baseline": cg_base,
                       "load": [load0, load1]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
