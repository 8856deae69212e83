"""Host-side helpers shared by tools/make_fixtures.py and tests/conformance/conformance.py.

Runs on the host python3 (3.11); stdlib only.  Finds the CPython interpreters (pyenv's 3.6-3.13,
pyodide's 3.14 through node), runs tests/oracle/dis_json.py and tests/oracle/compile_pyc.py inside
them in batches, and formats golden files.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORACLE = os.path.join(ROOT, "tests", "oracle", "dis_json.py")
COMPILER = os.path.join(ROOT, "tests", "oracle", "compile_pyc.py")
NODE_DIR = os.path.join(ROOT, "tools", "node")
PYODIDE_RUNNER = os.path.join(NODE_DIR, "pyodide_run.mjs")
PYODIDE_PKG = os.path.join(NODE_DIR, "node_modules", "pyodide")
PYODIDE_STDLIB_ZIP = os.path.join(PYODIDE_PKG, "python_stdlib.zip")

ALL_VERSIONS = ["3.%d" % n for n in range(6, 15)]


def version_key(v):
    return tuple(int(p) for p in v.split("."))


def _pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root and os.path.isdir(root):
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and os.path.isdir(out.stdout.strip()):
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    root = os.path.expanduser("~/.pyenv")
    return root if os.path.isdir(root) else None


class Interpreter:
    """One CPython X.Y: either a native binary or pyodide run through node."""

    def __init__(self, version, kind, exe, detail):
        self.version = version      # "3.N"
        self.kind = kind            # "native" or "pyodide"
        self.exe = exe              # python binary, or node
        self.detail = detail        # full version / path, for messages

    def argv(self, script, args):
        if self.kind == "pyodide":
            return [self.exe, PYODIDE_RUNNER, script] + list(args)
        return [self.exe, script] + list(args)

    def env(self):
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"          # frozensets of str constants marshal in hash order
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("SOURCE_DATE_EPOCH", None)   # it would switch py_compile to checked-hash pycs
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        return env

    def run(self, script, args, cwd=None, check=True):
        p = subprocess.run(self.argv(script, args), cwd=cwd or ROOT, env=self.env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and p.returncode not in (0, 2):
            raise RuntimeError("%s %s failed (exit %d): %s" % (
                self.version, os.path.basename(script), p.returncode,
                p.stderr.decode("utf-8", "replace")[-2000:]))
        return p

    def __repr__(self):
        return "Interpreter(%s, %s, %s)" % (self.version, self.kind, self.detail)


def find_interpreters(versions=None):
    """Map "3.N" -> Interpreter for every requested version present on this machine."""
    wanted = versions or ALL_VERSIONS
    found = {}
    root = _pyenv_root()
    if root:
        best = {}
        for exe in glob.glob(os.path.join(root, "versions", "*", "bin", "python3")):
            m = re.match(r"^3\.(\d+)\.(\d+)$", os.path.basename(os.path.dirname(os.path.dirname(exe))))
            if not m or not os.access(exe, os.X_OK):
                continue
            v = "3.%s" % m.group(1)
            patch = int(m.group(2))
            if v not in best or patch > best[v][0]:
                best[v] = (patch, exe)
        for v, (patch, exe) in best.items():
            if v in wanted:
                found[v] = Interpreter(v, "native", exe, "%s.%d (%s)" % (v, patch, exe))
    node = shutil.which("node")
    if ("3.14" in wanted and "3.14" not in found and node and os.path.exists(PYODIDE_RUNNER)
            and os.path.exists(os.path.join(PYODIDE_PKG, "pyodide.mjs"))):
        found["3.14"] = Interpreter("3.14", "pyodide", node, "pyodide (%s)" % PYODIDE_PKG)
    return found


def batches(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def parse_json_lines(text, expected, what):
    """Parse one JSON document per line; `expected` is the list of file arguments."""
    docs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except ValueError as e:
            docs.append({"file": None, "error": "%s printed a line that is not JSON (%s): %.200s"
                         % (what, e, line)})
    if len(docs) != len(expected):
        raise RuntimeError("%s printed %d JSON lines for %d files" % (what, len(docs), len(expected)))
    return docs


def run_oracle(interp, files, batch_size=400):
    """Run dis_json.py under `interp` over `files` (absolute paths); yield (batch_files, docs)."""
    for chunk in batches(list(files), batch_size):
        p = interp.run(ORACLE, chunk)
        docs = parse_json_lines(p.stdout.decode("utf-8"), chunk, "oracle %s" % interp.version)
        yield chunk, docs


def compile_pycs(interp, jobs, keep_going=False, mount=()):
    """Compile (src, cfile, dfile, mode) jobs inside `interp` with compile_pyc.py.

    mode: "timestamp", "checked-hash" or "unchecked-hash".  Returns (ok, failed) counts.
    `mount` lists directories the pyodide runner must mount (all absolute paths).
    """
    fd, listfile = tempfile.mkstemp(prefix="gilcheck-compile-", suffix=".tsv", dir="/tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for src, cfile, dfile, mode in jobs:
                f.write("%s\t%s\t%s\t%s\n" % (mode, src, cfile, dfile))
        args = [listfile]
        if keep_going:
            args.append("--keep-going")
        for d in mount:
            args += ["--mount", d]
        p = interp.run(COMPILER, args, check=False)
        err = p.stderr.decode("utf-8", "replace")
        m = re.search(r"compiled (\d+), failed (\d+)", err)
        if p.returncode != 0 or not m:
            raise RuntimeError("compiling with %s failed (exit %d): %s" % (
                interp.version, p.returncode, err[-3000:]))
        return int(m.group(1)), int(m.group(2))
    finally:
        os.unlink(listfile)


INSTRUCTION_FIELDS = ["offset", "opname", "arg", "line", "positions", "target"]


def strip_file(doc):
    return {k: v for k, v in doc.items() if k != "file"}


def _dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def format_golden(doc):
    """Golden text for one oracle document: the document without "file", with each instruction
    written as a row [offset, opname, arg, line, positions, target] (named by the top-level
    "instruction_fields" key) on a line of its own.  Rows halve the size of the committed goldens;
    expand_golden() turns a golden back into the oracle's shape."""
    doc = strip_file(doc)
    head = {k: v for k, v in doc.items() if k != "code"}
    head["instruction_fields"] = INSTRUCTION_FIELDS
    out = [_dump(head)[:-1] + ',"code":[\n']
    codes = doc.get("code", [])
    for i, code in enumerate(codes):
        meta = {k: v for k, v in code.items() if k not in ("instructions", "exceptiontable")}
        out.append(_dump(meta)[:-1] + ',"instructions":[\n')
        insts = code.get("instructions", [])
        for j, ins in enumerate(insts):
            row = [ins.get(k) for k in INSTRUCTION_FIELDS]
            out.append(_dump(row) + (",\n" if j + 1 < len(insts) else "\n"))
        out.append('],"exceptiontable":' + _dump(code.get("exceptiontable", [])) + "}")
        out.append(",\n" if i + 1 < len(codes) else "\n")
    out.append("]}\n")
    return "".join(out)


def expand_golden(golden):
    """Inverse of format_golden (after json.loads): the oracle's document shape, without "file"."""
    fields = golden.get("instruction_fields")
    doc = {k: v for k, v in golden.items() if k not in ("instruction_fields", "code")}
    doc["code"] = []
    for code in golden.get("code", []):
        c = dict(code)
        c["instructions"] = [dict(zip(fields, ins)) if isinstance(ins, list) else ins
                             for ins in code.get("instructions", [])]
        doc["code"].append(c)
    return doc
