#!/usr/bin/env python3
"""Benchmark (not a test): time from `textDocument/didChange` to the `publishDiagnostics` of that
version in `gilcheck lsp`, on a generated 2,000-line module of threaded code, over 100 edits --
alone, or inside a generated workspace of about 1,000 files that the server summarizes and
composes the module with.

    python3 tools/bench_lsp.py [--gilcheck build/gilcheck] [--lines 2000] [--edits 100]
                               [--workspace 1000] [--keep DIR] [--compare OLD/gilcheck]
                               [--rounds 4] [--callgrind] [--callgrind-edits 10]
                               [--edit-kind line|newline]

Each edit changes one line inside a function (incremental sync; with --edit-kind newline it adds
a line there, and the next edit takes it out again) and the next edit is sent once
the diagnostics of the previous one arrived, so each sample is one whole round: debounce (4 ms),
compiling the buffer with the embedded CPython, decoding, summarizing, composing and the JSON
out.  Prints the median and the 95th percentile.  Goal from the issue: p95 under 50 ms.

With --workspace N the module is app/big.py in a temporary workspace folder of N Python files
(20 packages of modules with classes, locks, module state and thread starts; each module
imports two others and the big module imports and is imported by some), opened once the server
has summarized the folder.  Also printed: the initial summarization (from `initialized` to the
end of its work-done progress) with a cold cache and again with the cache the first server
wrote, and the server's own timings of the compositions (GILCHECK_LSP_TIMING): the edited
module with its nearest files on each edit, and the whole folder in the background.

With --compare OLD the same workspace is also edited by an earlier build (its rules from
$GILCHECK_RULES or next to it), in --rounds interleaved rounds of edits/rounds edits each (a
fresh server per round, the two builds taking turns), so that both see the same load; printed
for each: median, p95 and the server's CPU per edit.

With --callgrind each build is also run under valgrind's callgrind, opened and edited
--callgrind-edits times, counting the instructions executed inside the server's analysis of a
document (doc_analyze: compiling, summarizing, composing with the workspace, the diagnostics
and sending them; not the background work), which do not depend on the machine's load.
Printed per edit (counted from the first edit on): the total and its parts.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def module(lines):
    """A module of about `lines` lines: locks, globals, classes and functions run in threads,
    some racy and some locked."""
    out = ["import threading", "from concurrent.futures import ThreadPoolExecutor", "",
           "lock = threading.Lock()", "hits = 0", "cache = {}", "items = []", ""]
    i = 0
    while True:
        block = [
            f"class Worker{i}(threading.Thread):",
            "    def __init__(self):",
            "        super().__init__()",
            "        self.count = 0",
            "        self.lock = threading.Lock()",
            "",
            "    def run(self):",
            "        global hits",
            f"        for k in range({i % 7 + 3}):",
            "            hits += 1",
            "            self.count += 1",
            "            with self.lock:",
            "                items.append(k)",
            f"            if k not in cache:",
            f"                cache[k] = k * {i}",
            "",
            f"def task{i}(n):",
            "    global hits",
            "    with lock:",
            "        hits += n",
            f"    total = sum(x * {i} for x in range(n))",
            "    return total",
            "",
        ]
        if len(out) + len(block) > lines - 3:
            break
        out += block
        i += 1
    out += ["with ThreadPoolExecutor() as ex:", "    ex.map(task0, range(4))"]
    out += ["# filler"] * (lines - len(out))
    return "\n".join(out) + "\n"


def cpu_ms(pid):
    """User + system CPU time of a process so far, in ms (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def workspace_module(pkg, mod, modules, rnd):
    """A module of the generated workspace: a service class with a lock, module state behind a
    lock and outside it, helpers, and every tenth module starting threads; it imports two
    modules of the workspace and calls their record()."""
    deps = []
    while len(deps) < 2:
        p, m = rnd.choice(modules)
        if (p, m) != (pkg, mod) and (p, m) not in deps:
            deps.append((p, m))
    out = [f'"""app.pkg{pkg}.mod{mod}: a service, its statistics and its workers."""',
           "import threading", "from concurrent.futures import ThreadPoolExecutor", ""]
    out += [f"from app.pkg{p} import mod{m} as dep{k}" for k, (p, m) in enumerate(deps)]
    out += ["", "_lock = threading.Lock()", "_stats = {}", "counter = 0", "pending = []", "", "",
            f"class Service{mod}:",
            "    def __init__(self, name):",
            "        self.name = name",
            "        self._lock = threading.Lock()",
            "        self.calls = 0",
            "        self.items = {}",
            "",
            "    def handle(self, key, value):",
            "        with self._lock:",
            "            self.calls += 1",
            "            self.items[key] = value",
            "        record(key)",
            "",
            "    def size(self):",
            "        return len(self.items)",
            "",
            "    def reset(self):",
            "        self.calls = 0",
            "", "",
            "def record(key):",
            "    global counter",
            "    counter += 1",
            "    if key not in _stats:",
            "        _stats[key] = 0",
            "    with _lock:",
            "        _stats[key] += 1",
            "", "",
            "def work(n):",
            "    for i in range(n):",
            "        record(i)"]
    out += [f"        dep{k}.record(i)" for k in range(len(deps))]
    out += ["    pending.append(n)", "", ""]
    for j in range(rnd.randrange(3, 8)):
        out += [f"def helper{j}(data):", "    total = 0", "    for x in data:",
                f"        total += x * {j + 1}", "    return total", "", ""]
    if mod % 10 == 0:
        out += ["def start():",
                "    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]",
                "    for t in threads:",
                "        t.start()",
                "    ex = ThreadPoolExecutor(4)",
                "    ex.submit(dep0.work, 3)",
                "    return threads", ""]
    return "\n".join(out) + "\n"


def make_workspace(root, nfiles, big, seed=1):
    """Writes the workspace (app/, N Python files in all, app/big.py the big module) and returns
    the big module's path."""
    rnd = random.Random(seed)
    npkg = 20
    left = max(npkg, nfiles - 2 - npkg)        # modules besides app/__init__, big and the packages
    nmod = (left + npkg - 1) // npkg
    os.makedirs(os.path.join(root, "app"), exist_ok=True)
    open(os.path.join(root, "app", "__init__.py"), "w").close()
    modules = [(p, m) for p in range(npkg) for m in range(min(nmod, left - p * nmod))]
    for p in range(npkg):
        d = os.path.join(root, "app", f"pkg{p}")
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "__init__.py"), "w").close()
    for p, m in modules:
        text = workspace_module(p, m, modules, rnd)
        if m == 1 and p < 3:   # a few modules use the big one
            text += "\n\nfrom app import big\n\n\ndef use_big(n):\n    return big.task0(n)\n"
        with open(os.path.join(root, "app", f"pkg{p}", f"mod{m}.py"), "w") as f:
            f.write(text)
    head = "from app.pkg0 import mod2 as dep_a\nfrom app.pkg1 import mod3 as dep_b\n"
    path = os.path.join(root, "app", "big.py")
    with open(path, "w") as f:
        f.write(head + big)
    return path


class Client:
    def __init__(self, gilcheck, env=None, prefix=()):
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen([*prefix, gilcheck, "lsp"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE if env else None, env=e)
        self.next_id = 0
        self.progress_end = None
        self.stderr = []
        if env:
            threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.p.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def send(self, msg):
        msg["jsonrpc"] = "2.0"
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def recv(self):
        n = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                sys.exit("bench_lsp: the server stopped")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
        m = json.loads(self.p.stdout.read(n))
        if "method" in m and "id" in m:         # the server's requests: accepted
            self.send({"id": m["id"], "result": None})
        if m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "end":
            self.progress_end = time.perf_counter()
        return m

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            m = self.recv()
            if m.get("id") == self.next_id and "method" not in m:
                return m

    def wait_diagnostics(self, version, uri=None):
        while True:
            m = self.recv()
            if (m.get("method") == "textDocument/publishDiagnostics" and
                    m["params"].get("version") == version and (uri is None or m["params"]["uri"] == uri)):
                return m["params"]["diagnostics"]

    def wait_progress_end(self):
        while self.progress_end is None:
            self.recv()
        return self.progress_end


def percentile(samples, q):
    s = sorted(samples)
    return s[max(0, int(round(q / 100 * len(s))) - 1)]


EDIT_KIND = "line"      # --edit-kind


def edits(c, uri, text, n, first_k=0, after_open=None):
    """Opens the module and makes n edits (numbered from first_k, an even number), each once the
    previous one's diagnostics arrived (after_open() is called in between).  Returns the
    milliseconds of each round, the server's CPU ms per edit, the first diagnostics and the
    seconds from didOpen to them."""
    t0 = time.perf_counter()
    c.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}}})
    first = c.wait_diagnostics(1, uri)
    t_open = time.perf_counter() - t0
    if after_open:
        after_open()
    # the lines `        hits += n` of the task functions: edit the number of one of them
    targets = [i for i, l in enumerate(text.split("\n")) if l == "        hits += n"]
    samples = []
    cpu0 = cpu_ms(c.p.pid)
    for k in range(first_k, first_k + n):
        line = targets[k % len(targets)]
        new = f"        hits += n + {k}" if k % 2 == 0 else "        hits += n"
        rng = {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 10**6}}
        if EDIT_KIND == "newline":
            # Enter at the end of the line and a statement typed there; then that line taken out
            line = targets[(k - k % 2) % len(targets)]
            end = len("        hits += n")
            if k % 2 == 0:
                rng = {"start": {"line": line, "character": end},
                       "end": {"line": line, "character": end}}
                new = f"\n        hits += {k}"
            else:
                rng = {"start": {"line": line, "character": end},
                       "end": {"line": line + 1, "character": 10**6}}
                new = ""
        version = k - first_k + 2
        t0 = time.perf_counter()
        c.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": rng, "text": new}]}})
        c.wait_diagnostics(version, uri)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, (cpu_ms(c.p.pid) - cpu0) / n, first, t_open


def start(gilcheck, folder, env, prefix=()):
    """A server on folder (or none); returns the client and the seconds from `initialized` to
    the end of the summarization's progress."""
    c = Client(gilcheck, env, prefix)
    caps = {"general": {"positionEncodings": ["utf-16"]}, "window": {"workDoneProgress": True}}
    c.request("initialize", {"capabilities": caps, "workspaceFolders":
                             [{"uri": "file://" + folder, "name": "ws"}] if folder else None})
    t0 = time.perf_counter()
    c.send({"method": "initialized", "params": {}})
    return c, (c.wait_progress_end() - t0 if folder else None)


def stop(c):
    c.request("shutdown", None)
    c.send({"method": "exit"})
    return c.p.wait(timeout=60)


def wait_composed(c, timeout=60):
    """Waits for the server's first composition of the whole folder (logged with
    GILCHECK_LSP_TIMING), so that it does not run during the edits measured."""
    end = time.time() + timeout
    while time.time() < end and not any("timing: composition of" in l for l in c.stderr):
        time.sleep(0.01)


def compare(builds, folder, uri, text, n, rounds, env):
    """The builds edit the same workspace in interleaved rounds (a fresh server each, warm
    cache); prints each one's median, p95 and CPU per edit."""
    per = max(2, n // rounds // 2 * 2)
    got = {name: ([], []) for name, _ in builds}
    for name, g in builds:             # each build's own cache (keyed by its executable)
        c, _ = start(g, folder, env)
        stop(c)
    for r in range(rounds):
        order = builds if r % 2 == 0 else builds[::-1]
        for name, g in order:
            c, _ = start(g, folder, env)
            wait_composed(c)
            samples, cpu, _, _ = edits(c, uri, text, per, first_k=r * per)
            stop(c)
            got[name][0].extend(samples)
            got[name][1].append(cpu)
    print(f"interleaved rounds: {rounds} x {per} edits per build, a fresh server each round")
    for name, g in builds:
        samples, cpus = got[name]
        print(f"  {name} ({g}): median {statistics.median(samples):.1f} ms, "
              f"p95 {percentile(samples, 95):.1f} ms, max {max(samples):.1f} ms; server CPU per edit "
              f"{statistics.mean(cpus):.1f} ms")
    if len(builds) == 2:
        (a, _), (b, _) = builds
        ma, mb = statistics.median(got[a][0]), statistics.median(got[b][0])
        print(f"  {b} / {a}: median {mb / ma:.2f}x, p95 "
              f"{percentile(got[b][0], 95) / percentile(got[a][0], 95):.2f}x, CPU "
              f"{statistics.mean(got[b][1]) / statistics.mean(got[a][1]):.2f}x")


# The parts of an analysis shown by count_instructions: (label, function as callgrind names it).
PARTS = [("CPython's compile()", "Py_CompileStringObject"),
         ("summarizing (compile, decode, summary)", "summarize_with"),
         ("composing with the nearest files", "lw_compose_doc"),
         ("diagnostics: JSON and sending", "lsp_publish")]


def count_instructions(name, gilcheck, folder, uri, text, n):
    """Runs the build under callgrind counting only inside doc_analyze (main thread), opens the
    module and makes n edits, the counts zeroed after the open (callgrind_control -z); prints the
    instructions per edit and their parts."""
    out = tempfile.mkdtemp(prefix="bench_lsp_cg_")
    prefix = ["valgrind", "-q", "--tool=callgrind", "--separate-threads=yes", "--collect-atstart=no",
              "--toggle-collect=doc_analyze", f"--callgrind-out-file={out}/cg.out"]
    c, _ = start(gilcheck, folder, None, prefix)
    edits(c, uri, text, n, after_open=lambda: subprocess.run(
        ["callgrind_control", "-z", str(c.p.pid)], capture_output=True))
    stop(c)
    main_thread = [f for f in os.listdir(out) if f.endswith("-01")]
    report = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                             os.path.join(out, main_thread[0])],
                            capture_output=True, text=True).stdout if main_thread else ""
    shutil.rmtree(out, ignore_errors=True)
    total = re.search(r"^\s*([\d,]+) .*PROGRAM TOTALS", report, re.M)
    if not total:
        print(f"callgrind ({name}): no profile (is valgrind installed?)")
        return
    def per(ir):
        return int(ir.replace(",", "")) / n / 1e6
    print(f"callgrind ({name}, {gilcheck}): {per(total.group(1)):.1f} M instructions per edit "
          f"({n} edits, inside doc_analyze)")
    for label, fn in PARTS:
        m = re.search(r"^\s*([\d,]+) \([ \d.]+%\)\s+\S*[:]" + re.escape(fn) + r" \[", report, re.M)
        print(f"  {label}: {per(m.group(1)) if m else 0.0:.1f} M")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gilcheck", default=os.path.join(HERE, "..", "build", "gilcheck"))
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--workspace", type=int, default=0, metavar="N",
                    help="edit the module inside a generated workspace of N Python files")
    ap.add_argument("--keep", metavar="DIR", help="generate the workspace in DIR and keep it")
    ap.add_argument("--compare", metavar="OLD",
                    help="also measure this earlier build, in interleaved rounds (with --workspace)")
    ap.add_argument("--rounds", type=int, default=4, help="rounds of --compare (default 4)")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count the instructions of the server's analyses (valgrind)")
    ap.add_argument("--callgrind-edits", type=int, default=10, metavar="N")
    ap.add_argument("--edit-kind", choices=("line", "newline"), default="line",
                    help="line: change a statement's text (default); newline: add a line after "
                         "it, then take it out again")
    args = ap.parse_args()
    global EDIT_KIND
    EDIT_KIND = args.edit_kind
    gilcheck = os.path.abspath(args.gilcheck)
    if (args.compare or args.callgrind) and not args.workspace:
        ap.error("--compare and --callgrind need --workspace")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    text = module(args.lines)
    tmp = folder = None
    env = {"GILCHECK_LSP_TIMING": "1"} if args.workspace else None
    if args.workspace:
        folder = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="bench_lsp_")
        if args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            tmp = folder
        path = make_workspace(folder, args.workspace, text)
        text = open(path).read()
        nfiles = sum(f.endswith(".py") for _, _, fs in os.walk(folder) for f in fs)
        uri = "file://" + path
        # a cold cache first: the server writes it; then the one that is measured reads it
        c, cold = start(gilcheck, folder, env)
        stop(c)
        c, warm = start(gilcheck, folder, env)
    else:
        uri = "file:///tmp/bench_lsp_module.py"
        c, _ = start(gilcheck, None, None)
    if args.workspace:   # the baseline, in the same run: the module alone, no folder
        b, _ = start(gilcheck, None, None)
        base, base_cpu, _, _ = edits(b, uri, text, args.edits)
        stop(b)
    samples, cpu, first, t_open = edits(c, uri, text, args.edits)
    if args.workspace:   # let the whole folder be composed once more after the last edit
        time.sleep(2.0)
    rc = stop(c)

    p95 = percentile(samples, 95)
    print(f"module: {args.lines} lines, {len(text)} bytes, {len(first)} findings")
    if args.workspace:
        print(f"workspace: {nfiles} Python files in {folder}")
        print(f"initial summarization (initialized -> progress end): cold cache {cold * 1000:.0f} ms, "
              f"warm cache {warm * 1000:.0f} ms")
        near = [float(m.group(2)) for m in (re.search(r"composed with (\d+) of \d+ files .* in ([\d.]+) ms", l)
                                            for l in c.stderr) if m]
        sizes = {m.group(1) for m in (re.search(r"composed with (\d+) of", l) for l in c.stderr) if m}
        whole = [float(m.group(1)) for m in (re.search(r"composition of .*: \d+ files, ([\d.]+) ms", l)
                                             for l in c.stderr) if m]
        if near:
            print(f"per edit, the module composed with its {'/'.join(sorted(sizes))} nearest files "
                  f"(server side): median {statistics.median(near):.1f} ms, max {max(near):.1f} ms")
        if whole:
            print(f"the whole folder composed in the background ({len(whole)} times): "
                  f"median {statistics.median(whole):.0f} ms")
    print(f"open -> diagnostics: {t_open * 1000:.1f} ms")
    if args.workspace:
        print(f"baseline, the module alone (no folder): didChange -> publishDiagnostics median "
              f"{statistics.median(base):.1f} ms, p95 {percentile(base, 95):.1f} ms; server CPU "
              f"per edit {base_cpu:.1f} ms")
    print(f"didChange -> publishDiagnostics over {len(samples)} edits{' in the workspace' if args.workspace else ''}: "
          f"median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, "
          f"min {min(samples):.1f} ms, max {max(samples):.1f} ms")
    print(f"server CPU time per edit: {cpu:.1f} ms (user + system; independent of the load)")
    if args.workspace:
        print(f"workspace / alone: median {statistics.median(samples) / statistics.median(base):.2f}x, "
              f"CPU {cpu / base_cpu:.2f}x")
    print(f"goal p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'}; server exit code {rc}")
    builds = [("new", gilcheck)]
    if args.compare:
        builds.insert(0, ("old", os.path.abspath(args.compare)))
        compare(builds, folder, uri, text, args.edits, args.rounds, env)
    if args.callgrind:
        for name, g in builds:
            count_instructions(name, g, folder, uri, text, args.callgrind_edits)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
