"""Compile Python sources to pyc files with the running interpreter (CPython 3.6 to 3.14).

usage: compile_pyc.py LISTFILE [--keep-going] [--mount DIR ...]

LISTFILE has one job a line, tab-separated: MODE SRC CFILE DFILE, where MODE is timestamp,
checked-hash or unchecked-hash (the hash modes need 3.7+).  Each job runs
py_compile.compile(SRC, cfile=CFILE, dfile=DFILE, doraise=True).  --mount is ignored here: it only
makes the pyodide runner mount DIR.  Prints "compiled N, failed M" to stderr; exits 1 when a job
failed, unless --keep-going.
"""
import os
import py_compile
import sys


def main(argv):
    keep_going = False
    listfile = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--keep-going":
            keep_going = True
        elif a == "--mount":
            i += 1
        elif listfile is None:
            listfile = a
        else:
            sys.stderr.write("unexpected argument %r\n" % a)
            return 2
        i += 1
    if listfile is None:
        sys.stderr.write(__doc__)
        return 2
    modes = {"timestamp": None}
    if hasattr(py_compile, "PycInvalidationMode"):
        modes = {"timestamp": py_compile.PycInvalidationMode.TIMESTAMP,
                 "checked-hash": py_compile.PycInvalidationMode.CHECKED_HASH,
                 "unchecked-hash": py_compile.PycInvalidationMode.UNCHECKED_HASH}
    ok = failed = 0
    with open(listfile, encoding="utf-8") as f:
        jobs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for mode, src, cfile, dfile in jobs:
        try:
            d = os.path.dirname(cfile)
            if d and not os.path.isdir(d):
                os.makedirs(d)
            kwargs = {}
            if modes[mode] is not None:
                kwargs["invalidation_mode"] = modes[mode]
            py_compile.compile(src, cfile=cfile, dfile=dfile, doraise=True, **kwargs)
            ok += 1
        except Exception as e:
            failed += 1
            sys.stderr.write("cannot compile %s: %s: %s\n" % (src, type(e).__name__, e))
            if not keep_going:
                break
    sys.stderr.write("compiled %d, failed %d\n" % (ok, failed))
    return 1 if failed and not keep_going else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
