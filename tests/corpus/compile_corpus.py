"""Byte-compiles Python sources with the interpreter that runs this script (CPython 3.6 to 3.14).

usage: compile_corpus.py [--root DIR] OUTDIR SRC...

Writes OUTDIR/<path of SRC below DIR>c for each SRC (OUTDIR/<basename of SRC>c without --root) with
py_compile, naming the absolute source path as the code objects' co_filename (dfile), so that a
package below DIR keeps its layout (and its module names); prints one line per source: "OK SRC" or
"ERR SRC: message".  Exits 1 when a source did not compile, 2 on bad usage.
"""
import os
import py_compile
import sys


def main(argv):
    root = None
    if argv[:1] == ["--root"] and len(argv) > 1:
        root, argv = os.path.abspath(argv[1]), argv[2:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    outdir, sources = argv[0], argv[1:]
    if not os.path.isdir(outdir):
        os.makedirs(outdir)
    failed = 0
    for src in sources:
        src = os.path.abspath(src)
        below = os.path.relpath(src, root) if root else os.path.basename(src)
        cfile = os.path.join(outdir, below + "c")
        if not os.path.isdir(os.path.dirname(cfile)):
            os.makedirs(os.path.dirname(cfile))
        try:
            py_compile.compile(src, cfile=cfile, dfile=src, doraise=True)
            print("OK %s" % src)
        except Exception as e:  # py_compile.PyCompileError, OSError: report and go on
            failed += 1
            print("ERR %s: %s" % (src, str(e).replace("\n", " ")))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
