"""gilcheck as a Python package: the C binary and its data, installed inside this package by
setup.py (bin/gilcheck, share/gilcheck/rules, share/gilcheck/pyodide_run.mjs -- the layout of
`cmake --install`, so the binary finds its data beside it); the `gilcheck` command runs it."""
import os
import sys

__all__ = ["binary", "main"]


def binary():
    """The path of the gilcheck executable inside this package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "gilcheck")


def main():
    """Replaces this process with the binary, passing the arguments on; returns 2 only when it
    cannot be run."""
    exe = binary()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(exe, [exe] + sys.argv[1:])
    except OSError as e:
        sys.stderr.write("gilcheck: error: cannot run %s (%s)\n" % (exe, e.strerror))
    return 2
