#!/usr/bin/env python3
"""Benchmark (not a test): `gilcheck check --scope all` over every 3.11 standard-library pyc,
beside decoding alone (`gilcheck dis --count`) over the same files.

    python3 tools/bench_check.py [--gilcheck build/gilcheck] [--runs 5] [--callgrind]

Prints median wall times, peak memory (max RSS of the process), the ratio of analysis to
decoding, and with --callgrind the instruction counts of both (repeatable on a noisy machine).
Goal from the issue: the analysis adds at most 50% to decoding (check <= 1.5 x decode).
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def stdlib_pycs():
    root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    libs = sorted(glob.glob(os.path.join(root, "versions", "3.11*", "lib", "python3.11")))
    if not libs:
        sys.exit("bench_check: no 3.11 standard library under pyenv")
    files = []
    for dirpath, dirnames, filenames in os.walk(libs[-1]):
        dirnames[:] = [d for d in dirnames if d != "site-packages"]
        files += [os.path.join(dirpath, f) for f in filenames if f.endswith(".cpython-311.pyc")]
    return libs[-1], sorted(files)


def timed(cmd):
    """Runs cmd; returns (seconds, max RSS in KiB, exit code)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def callgrind(cmd):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gilcheck", default=os.path.join(HERE, "..", "build", "gilcheck"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--callgrind", action="store_true", help="also count instructions")
    a = ap.parse_args()
    lib, files = stdlib_pycs()
    size = sum(os.path.getsize(f) for f in files)
    decode = [a.gilcheck, "dis", "--count"] + files
    check = [a.gilcheck, "check", "--scope", "all", "--format", "concise"] + files
    print("3.11 standard library: %s, %d pycs, %.1f MB" % (lib, len(files), size / 1e6))
    rows = {}
    for name, cmd in (("decode (dis --count)", decode), ("check --scope all", check)):
        timed(cmd)  # warm the page cache
        runs = [timed(cmd) for _ in range(a.runs)]
        rows[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[0][2])
    for name, (secs, rss, rc) in rows.items():
        print("%-22s median %6.3f s  peak RSS %6.1f MB  (exit %d)" % (name, secs, rss / 1024, rc))
    d, c = rows["decode (dis --count)"][0], rows["check --scope all"][0]
    print("check / decode (wall): %.2fx; analysis adds %.0f%% to decoding (goal: at most 50%%)"
          % (c / d, (c - d) / d * 100))
    if a.callgrind:
        di, ci = callgrind(decode), callgrind(check)
        print("callgrind: decode %s Ir, check %s Ir, check / decode %.2fx"
              % (format(di, ","), format(ci, ","), ci / di))
    return 0


if __name__ == "__main__":
    sys.exit(main())
