// Runs a Python script under CPython 3.14 (pyodide) with host directories mounted at the same paths.
// usage: node pyodide_run.mjs SCRIPT.py [ARGS...]
// The script's directory, the current directory, /tmp and every absolute path among the arguments
// (or its parent, if it does not exist yet) are mounted, so host paths work unchanged inside.
import { loadPyodide } from "pyodide";
import fs from "node:fs";
import path from "node:path";

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write("usage: node pyodide_run.mjs SCRIPT.py [ARGS...]\n");
  process.exit(2);
}

const py = await loadPyodide({
  stdout: (s) => process.stdout.write(s + "\n"),
  stderr: (s) => process.stderr.write(s + "\n"),
});

const want = new Set([path.dirname(path.resolve(script)), process.cwd(), "/tmp"]);
for (const a of args) {
  if (a.startsWith("/")) {
    let p = a;
    while (!fs.existsSync(p)) p = path.dirname(p);
    want.add(fs.statSync(p).isDirectory() ? p : path.dirname(p));
  }
}
// Mount outermost directories only: a mount inside another mount would hide nothing but is redundant.
const dirs = [...want].sort();
const mounted = [];
for (const d of dirs) {
  if (mounted.some((m) => d === m || d.startsWith(m + "/"))) continue;
  py.FS.mkdirTree(d);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: d }, d);
  mounted.push(d);
}

py.globals.set("_gc_argv", py.toPy([path.resolve(script), ...args]));
let code = 0;
try {
  py.runPython(`
import sys, os
sys.argv = list(_gc_argv)
os.chdir(${JSON.stringify(process.cwd())})
sys.path.insert(0, os.path.dirname(sys.argv[0]))
_gc_status = 0
try:
    with open(sys.argv[0], "rb") as _f:
        _gc_src = _f.read()
    exec(compile(_gc_src, sys.argv[0], "exec"), {"__name__": "__main__", "__file__": sys.argv[0]})
except SystemExit as e:
    _gc_status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    if not isinstance(e.code, int) and e.code is not None:
        print(e.code, file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
`);
  code = py.globals.get("_gc_status");
} catch (e) {
  process.stderr.write(String(e.message || e) + "\n");
  code = 1;
}
process.exitCode = code;
