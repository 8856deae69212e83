#!/usr/bin/env python3
"""Measures, on every CPython interpreter present, which ways of reading a container while
another thread adds and removes items raise RuntimeError (GIL106's facts): a `for` loop and a
comprehension over a dict, its items() view, a set and a deque, against the one-call copies
list(d), sorted(d), list(d.items()), tuple(s), list(q) and d.copy().

    python3 tools/iteration_probe.py [--seconds 0.6]

Prints one line per interpreter: each form with the number of RuntimeErrors seen in the time
given (a writer thread adds and removes one item of each container in a tight loop, with the
switch interval at its minimum).  Run it; nothing here is a test.
"""
import argparse
import glob
import os
import subprocess
import sys

PROBE = r'''
import sys, threading, time
from collections import deque

FORMS = ["for-dict", "for-items", "comp-dict", "for-set", "for-deque",
         "list(d)", "sorted(d)", "list(d.items())", "tuple(s)", "list(q)", "d.copy()"]


def run(kind, seconds):
    d = {i: i for i in range(50)}
    s = set(range(50))
    q = deque(range(50))
    stop = []

    def writer():
        i = 1000
        while not stop:
            d[i] = i; s.add(i); q.append(i)
            del d[i]; s.discard(i); q.pop()
            i += 1

    errors = 0
    t = threading.Thread(target=writer)
    t.start()
    end = time.time() + seconds
    while time.time() < end:
        try:
            if kind == "for-dict":
                for k in d:
                    pass
            elif kind == "for-items":
                for k, v in d.items():
                    pass
            elif kind == "comp-dict":
                [k for k in d]
            elif kind == "for-set":
                for k in s:
                    pass
            elif kind == "for-deque":
                for k in q:
                    pass
            elif kind == "list(d)":
                list(d)
            elif kind == "sorted(d)":
                sorted(d)
            elif kind == "list(d.items())":
                list(d.items())
            elif kind == "tuple(s)":
                tuple(s)
            elif kind == "list(q)":
                list(q)
            elif kind == "d.copy()":
                d.copy()
        except RuntimeError:
            errors += 1
    stop.append(1)
    t.join()
    return errors


sys.setswitchinterval(1e-6)
seconds = float(sys.argv[1])
print(sys.version.split()[0], " ".join("%s=%d" % (k, run(k, seconds)) for k in FORMS))
'''


def interpreters():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = []
    for path in glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")):
        ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
        try:
            key = tuple(int(x) for x in ver.split("."))
        except ValueError:
            continue
        found.append((key, path))
    return [p for _, p in sorted(found)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.6)
    args = ap.parse_args()
    pythons = interpreters() or [sys.executable]
    for py in pythons:
        r = subprocess.run([py, "-c", PROBE, str(args.seconds)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        print(r.stdout.strip() if r.returncode == 0 else "%s: failed: %s" % (py, r.stdout.strip()))


if __name__ == "__main__":
    main()
