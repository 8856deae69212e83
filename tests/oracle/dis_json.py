"""Reference disassembler for gilcheck's `dis --json`, built on the running interpreter's dis.

usage: dis_json.py FILE.pyc [FILE.pyc ...]

Runs unchanged on CPython 3.6 through 3.14 (so: no walrus, no match, no 3.7+-only syntax).
The pyc must have been written by this same interpreter version (its magic number is checked).
Prints one JSON document per file, one per line, in argument order:

  {"file": path, "version": "3.N", "magic": u16,
   "code": [{"name", "qualname", "firstlineno",
             "instructions": [{"offset", "opname", "arg", "line", "positions", "target"}],
             "exceptiontable": [{"start", "end", "target", "depth", "lasti"}]}]}

Code objects come in pre-order: a code object, then the code objects in its co_consts, recursively,
in co_consts order.  Instructions are those dis.get_instructions yields (no CACHE entries,
EXTENDED_ARG included).  `line` is computed from co_lines() (3.10+: the line of the range holding the
offset) or dis.findlinestarts() (<= 3.9: the line of the last start <= offset), not from dis's
starts_line/line_number.  `positions` is co_positions()[offset // 2] (3.11+), else null.  `target`
is dis's argval for jump opcodes (dis.hasjrel, dis.hasjabs and, 3.13+, dis.hasjump), else null.
`exceptiontable` is dis._parse_exception_table (3.11+; `end` exclusive), else [].

A file that cannot be loaded gives {"file": path, "error": "..."} and the run goes on; the exit
status is then 2 (0 when every file loaded).
"""
import bisect
import dis
import importlib.util
import json
import marshal
import sys
import types

VERSION = sys.version_info[:2]
HEADER_SIZE = 12 if VERSION < (3, 7) else 16
JUMP_OPS = frozenset(list(dis.hasjrel) + list(dis.hasjabs) + list(getattr(dis, "hasjump", [])))


def _line_table(code):
    """Return a function offset -> source line (or None)."""
    if VERSION >= (3, 10):
        lines = {}
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                lines[off] = line
        return lines.get
    starts = sorted(dis.findlinestarts(code))
    keys = [start for start, _ in starts]

    def line_at(offset):
        i = bisect.bisect_right(keys, offset)
        return starts[i - 1][1] if i else None
    return line_at


def _exception_table(code):
    if VERSION < (3, 11):
        return []
    out = []
    for e in dis._parse_exception_table(code):
        out.append({"start": e.start, "end": e.end, "target": e.target,
                    "depth": e.depth, "lasti": bool(e.lasti)})
    return out


def _code_doc(code):
    line_at = _line_table(code)
    positions = list(code.co_positions()) if VERSION >= (3, 11) else None
    insts = []
    for ins in dis.get_instructions(code):
        off = ins.offset
        pos = None
        if positions is not None:
            pos = list(positions[off // 2]) if off // 2 < len(positions) else [None] * 4
        target = None
        if ins.opcode in JUMP_OPS:
            target = ins.argval
        insts.append({"offset": off, "opname": ins.opname, "arg": ins.arg,
                      "line": line_at(off), "positions": pos, "target": target})
    return {"name": code.co_name,
            "qualname": getattr(code, "co_qualname", None) if VERSION >= (3, 11) else None,
            "firstlineno": code.co_firstlineno,
            "instructions": insts,
            "exceptiontable": _exception_table(code)}


def _walk(code, out):
    out.append(_code_doc(code))
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _walk(c, out)
    return out


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER_SIZE:
        raise ValueError("file too short for a pyc header (%d bytes)" % len(data))
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("magic %d does not match this interpreter's %d (%d.%d)" % (
            int.from_bytes(data[:2], "little"),
            int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"),
            VERSION[0], VERSION[1]))
    code = marshal.loads(data[HEADER_SIZE:])
    if not isinstance(code, types.CodeType):
        raise ValueError("marshalled object is %s, not code" % type(code).__name__)
    return {"file": path,
            "version": "%d.%d" % VERSION,
            "magic": int.from_bytes(data[:2], "little"),
            "code": _walk(code, [])}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 0 if argv else 2
    status = 0
    out = sys.stdout
    for path in argv:
        try:
            doc = load(path)
        except Exception as e:  # report and go on with the next file
            doc = {"file": path, "error": "%s: %s" % (type(e).__name__, e)}
            status = 2
        out.write(json.dumps(doc, separators=(",", ":")))
        out.write("\n")
    out.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
