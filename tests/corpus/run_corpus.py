"""Checks gilcheck's verdicts on the labelled corpus with every CPython present, 3.6 to 3.14.

usage: run_corpus.py --gilcheck PATH [--versions 3.6,3.12] [--no-examples] [--keep]
       run_corpus.py --self-test [--versions ...]

Every file under corpus/ labels its lines: a line ending "# expect: GIL101" (or
"# expect: GIL101, GIL301") must get exactly those findings, a line ending "# ok" must get none, and
a finding on an unlabelled line is a false positive.  The file's scope comes from a
"# gilcheck-scope: concurrent|all" line at its top (concurrent when absent).  The examples of every
rules/*.yaml are checked the same way in --scope all: each unsafe example marks its finding line
with "# expect: GILnnn", a safe example must produce nothing.

For each interpreter (pyenv's 3.6-3.13, CPython 3.14 from pyodide through node) the sources are
byte-compiled inside that interpreter (co_filename = the source path), then
`gilcheck check --scope S --format concise PYC...` runs once per scope; its output is one line per
finding, "PATH:LINE:COL: GILnnn message".  Prints TP, FP, FN, precision and recall per version,
every false positive and false negative, and the lines whose verdict differs between versions.

Exit status: 0 when every version has no false positive and no false negative, 77 when no
interpreter is present (a ctest skip), 1 otherwise, 2 on bad usage.  --self-test replaces gilcheck
with a fake that answers from the labels (once exactly, once with planted mistakes) and checks that
this script counts and lists them right.

Runs on the host python3 (3.11); standard library only.
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "corpus")
RULES = os.path.join(ROOT, "rules")
COMPILER = os.path.join(HERE, "compile_corpus.py")
PYODIDE_RUNNER = os.path.join(ROOT, "tools", "node", "pyodide_run.mjs")
PYODIDE_PKG = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
ALL_VERSIONS = ["3.%d" % n for n in range(6, 15)]
SKIP = 77

EXPECT_RE = re.compile(r"#\s*expect:\s*(GIL\d{3}(?:\s*,\s*GIL\d{3})*)\s*$")
OK_RE = re.compile(r"#\s*ok\s*$")
SCOPE_RE = re.compile(r"^#\s*gilcheck-scope:\s*(\S+)\s*$")
FINDING_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)?\s+(?P<rule>GIL\d{3})\b(?P<msg>.*)$")


def vkey(v):
    return tuple(int(p) for p in v.split("."))


def rel(path):
    """A path for messages: relative to the repository when inside it."""
    p = os.path.relpath(path, ROOT)
    return path if p.startswith("..") else p


# ---------------------------------------------------------------------------------------------
# Sources and their labels
# ---------------------------------------------------------------------------------------------

class Source(object):
    """One labelled Python file: where it is, what it is called in messages, its scope and labels."""

    def __init__(self, path, name, text, root=None):
        self.path = os.path.abspath(path)   # the file compiled (co_filename)
        self.name = name                    # how messages name it
        self.root = os.path.abspath(root or os.path.dirname(path))  # its pyc keeps the path below
        self.scope = "concurrent"
        self.expect = {}                    # line -> set of rule ids
        self.ok = set()                     # lines labelled "# ok"
        self.errors = []                    # malformed labels or headers
        self._parse(text)

    def _parse(self, text):
        for n, line in enumerate(text.splitlines(), 1):
            m = SCOPE_RE.match(line)
            if m and n <= 5:
                if m.group(1) not in ("concurrent", "all"):
                    self.errors.append("%s:%d: unknown scope %r" % (self.name, n, m.group(1)))
                else:
                    self.scope = m.group(1)
                continue
            m = EXPECT_RE.search(line)
            if m:
                self.expect[n] = set(r.strip() for r in m.group(1).split(","))
            elif OK_RE.search(line):
                self.ok.add(n)
            elif re.search(r"#\s*expect\b", line):
                self.errors.append("%s:%d: malformed label: %s" % (self.name, n, line.strip()))


def corpus_sources(corpus_dir):
    """The labelled files: corpus/*.py, and every file of the packages in corpus/ (a directory
    with an __init__.py: a program of several modules, compiled keeping its layout)."""
    out = []
    paths = sorted(glob.glob(os.path.join(corpus_dir, "*.py")))
    for pkg in sorted(glob.glob(os.path.join(corpus_dir, "*", "__init__.py"))):
        for top, dirs, files in os.walk(os.path.dirname(pkg)):
            dirs.sort()
            paths.extend(os.path.join(top, f) for f in sorted(files) if f.endswith(".py"))
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out.append(Source(path, rel(path), f.read(), corpus_dir))
    return out


def load_rule_examples(rules_dir, workdir):
    """Write every example of rules/*.yaml to workdir as a .py file; returns (sources, errors)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    sys.dont_write_bytecode = True          # leave no __pycache__ in the source tree
    try:
        import gen_rule_docs
    finally:
        sys.path.pop(0)
    sources, errors = [], []
    for path in sorted(glob.glob(os.path.join(rules_dir, "GIL*.yaml"))):
        try:
            rule = gen_rule_docs.load_yaml(path)
        except Exception as e:  # a broken YAML file is a test failure, not a crash
            errors.append("%s: %s" % (rel(path), e))
            continue
        rid = rule.get("id", "?")
        if (rule.get("detector") or {}).get("kind") == "syntax":
            continue    # no bytecode to compile: tests/cli/test_outputs.py checks them from source
        if rule.get("opt_in") and rid not in OPT_IN_DETECTORS:
            continue    # not in the default selection: tests/cli/test_settings.py checks them
        examples = rule.get("examples") or {}
        for kind in ("unsafe", "safe"):
            codes = examples.get(kind) or []
            if not codes:
                errors.append("%s: no %s examples" % (rel(path), kind))
            for k, code in enumerate(codes, 1):
                fname = "%s_%s_%d.py" % (rid, kind, k)
                fpath = os.path.join(workdir, fname)
                body = code if SCOPE_RE.match(code.splitlines()[0] if code else "") else \
                    "# gilcheck-scope: all\n" + code
                with open(fpath, "w", encoding="utf-8") as f:
                    f.write(body)
                src = Source(fpath, "%s examples.%s[%d]" % (rel(path), kind, k), body)
                # Line numbers in messages should match the YAML example, not the header we added.
                src.line_offset = 0 if body is code else 1
                if kind == "unsafe" and not any(rid in rules for rules in src.expect.values()):
                    errors.append("%s: unsafe example %d marks no '# expect: %s' line"
                                  % (rel(path), k, rid))
                if kind == "safe" and src.expect:
                    errors.append("%s: safe example %d has '# expect' labels" % (rel(path), k))
                errors.extend(src.errors)
                sources.append(src)
    return sources, errors


# ---------------------------------------------------------------------------------------------
# Interpreters
# ---------------------------------------------------------------------------------------------

class Interpreter(object):
    def __init__(self, version, argv, detail):
        self.version = version      # "3.N"
        self.argv = argv            # command prefix that runs a script: [python] or [node, runner]
        self.detail = detail

    def run(self, script, args, timeout=900):
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("SOURCE_DATE_EPOCH", None)   # it would make py_compile write hash-based pycs
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        return subprocess.run(self.argv + [script] + list(args), env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout)


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root and os.path.isdir(root):
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            p = subprocess.run([exe, "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               universal_newlines=True, timeout=30)
            if p.returncode == 0 and os.path.isdir(p.stdout.strip()):
                return p.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    root = os.path.expanduser("~/.pyenv")
    return root if os.path.isdir(root) else None


def find_interpreters(wanted):
    """Map "3.N" -> Interpreter for each wanted version present (newest patch release wins)."""
    found = {}
    root = pyenv_root()
    if root:
        best = {}
        for exe in glob.glob(os.path.join(root, "versions", "*", "bin", "python3")):
            m = re.match(r"^3\.(\d+)\.(\d+)$", os.path.basename(os.path.dirname(os.path.dirname(exe))))
            if m and os.access(exe, os.X_OK):
                v, patch = "3." + m.group(1), int(m.group(2))
                if v in wanted and (v not in best or patch > best[v][0]):
                    best[v] = (patch, exe)
        for v, (patch, exe) in best.items():
            found[v] = Interpreter(v, [exe], "%s.%d" % (v, patch))
    node = shutil.which("node")
    if ("3.14" in wanted and "3.14" not in found and node and os.path.exists(PYODIDE_RUNNER)
            and os.path.exists(os.path.join(PYODIDE_PKG, "pyodide.mjs"))):
        found["3.14"] = Interpreter("3.14", [node, PYODIDE_RUNNER], "3.14 (pyodide)")
    return found


def pyc_below(source):
    """Where a source's pyc goes below the output directory: its path below its root."""
    return os.path.relpath(source.path, source.root) + "c"


def compile_all(interp, sources, outdir):
    """Compile every source inside interp into outdir (each below its root); returns
    ({source path: pyc}, errors)."""
    pycs, errors, roots = {}, [], {}
    for s in sources:
        roots.setdefault(s.root, []).append(s)
    for root, group in sorted(roots.items()):
        p = interp.run(COMPILER, ["--root", root, outdir] + [s.path for s in group])
        done = set()
        for line in p.stdout.splitlines():
            if line.startswith("OK "):
                done.add(line[3:].strip())
            elif line.startswith("ERR "):
                errors.append("%s: cannot compile %s" % (interp.version, line[4:]))
        for s in group:
            if s.path in done:
                pycs[s.path] = os.path.join(outdir, pyc_below(s))
            elif not any(s.path in e for e in errors):
                errors.append("%s: %s was not compiled (exit %d): %s"
                              % (interp.version, s.name, p.returncode, p.stderr.strip()[-500:]))
    return pycs, errors


# ---------------------------------------------------------------------------------------------
# Running gilcheck and scoring its answers
# ---------------------------------------------------------------------------------------------

# Rules of races that are not in the default selection (GIL204's cache fills): the corpus
# labels what they find too, so every run selects them.
OPT_IN_DETECTORS = ("GIL204",)


def run_check(command, scope, pycs, env=None, source_dirs=()):
    """Run `check` over pycs, whose sources (their co_filename) lie in source_dirs; returns
    (findings [(path, line, rule)], errors)."""
    argv = list(command) + ["check", "--scope", scope, "--format", "concise",
                            "--extend-select", ",".join(OPT_IN_DETECTORS)]
    for d in source_dirs:
        argv += ["--source-dir", d]
    argv += list(pycs)
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=600, env=env)
    except (OSError, subprocess.SubprocessError) as e:
        return [], ["cannot run %s: %s" % (" ".join(command), e)]
    findings, errors = [], []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        m = FINDING_RE.match(line)
        if not m:
            errors.append("output line not in the concise format: %.200s" % line)
            continue
        findings.append((m.group("path"), int(m.group("line")), m.group("rule")))
    if p.returncode == 2 or p.returncode not in (0, 1):
        errors.append("gilcheck check --scope %s exited %d: %s"
                      % (scope, p.returncode, p.stderr.strip()[-1000:]))
    elif (p.returncode == 1) != bool(findings):
        errors.append("gilcheck check --scope %s exited %d with %d findings (want 1 iff findings)"
                      % (scope, p.returncode, len(findings)))
    return findings, errors


class Score(object):
    """The comparison of one version's findings with the labels."""

    def __init__(self, version):
        self.version = version
        self.tp = 0
        self.fp = []            # (source, line, rule, why)
        self.fn = []            # (source, line, rule)
        self.per_rule = collections.defaultdict(lambda: [0, 0, 0])   # rule -> [tp, fp, fn]
        self.errors = []
        self.verdicts = {}      # (source name, line) -> tuple of rules found

    def precision(self):
        return 1.0 if self.tp + len(self.fp) == 0 else self.tp / float(self.tp + len(self.fp))

    def recall(self):
        return 1.0 if self.tp + len(self.fn) == 0 else self.tp / float(self.tp + len(self.fn))


def score(version, sources, findings, errors):
    """Compare findings [(path, line, rule)] with the labels of sources."""
    sc = Score(version)
    sc.errors.extend(errors)
    by_path = {}
    for s in sources:
        by_path[s.path] = s
        by_path[os.path.realpath(s.path)] = s
    found = collections.defaultdict(set)    # (source, line) -> rules; duplicates count once
    for path, line, rule in findings:
        s = by_path.get(path) or by_path.get(os.path.realpath(os.path.join(ROOT, path)))
        if s is None:
            sc.errors.append("finding names a file that was not checked: %s:%d %s" % (path, line, rule))
            continue
        found[(s, line)].add(rule)
    for s in sources:
        for line, want in sorted(s.expect.items()):
            got = found.get((s, line), set())
            for rule in sorted(want & got):
                sc.tp += 1
                sc.per_rule[rule][0] += 1
            for rule in sorted(want - got):
                sc.fn.append((s, line, rule))
                sc.per_rule[rule][2] += 1
    for (s, line), rules in sorted(found.items(), key=lambda kv: (kv[0][0].name, kv[0][1])):
        sc.verdicts[(s.name, line)] = tuple(sorted(rules))
        want = s.expect.get(line, set())
        for rule in sorted(rules - want):
            why = ("labelled ok" if line in s.ok else
                   "labelled expect %s" % ", ".join(sorted(want)) if want else "unlabelled")
            sc.fp.append((s, line, rule, why))
            sc.per_rule[rule][1] += 1
    return sc


def shown_line(s, line):
    return line - getattr(s, "line_offset", 0)


def report(scores, sources, out=sys.stdout):
    """Print the per-version table, every mistake and the verdicts that differ; returns ok."""
    ok = True
    n_expect = sum(len(r) for s in sources for r in s.expect.values())
    n_ok = sum(len(s.ok) for s in sources)
    out.write("%d files, %d expected findings on %d lines, %d lines labelled ok\n"
              % (len(sources), n_expect, sum(len(s.expect) for s in sources), n_ok))
    for sc in scores:
        out.write("%-5s TP %4d  FP %3d  FN %3d  precision %.3f  recall %.3f\n"
                  % (sc.version, sc.tp, len(sc.fp), len(sc.fn), sc.precision(), sc.recall()))
        out.write("      " + "  ".join("%s %d/%d/%d" % (r, v[0], v[1], v[2])
                                       for r, v in sorted(sc.per_rule.items())) + "  (tp/fp/fn)\n")
        for e in sc.errors:
            out.write("  ERROR %s\n" % e)
        for s, line, rule in sc.fn:
            out.write("  FN %s:%d %s\n" % (s.name, shown_line(s, line), rule))
        for s, line, rule, why in sc.fp:
            out.write("  FP %s:%d %s (%s)\n" % (s.name, shown_line(s, line), rule, why))
        if sc.fp or sc.fn or sc.errors:
            ok = False
    if len(scores) > 1:
        keys = set()
        for sc in scores:
            keys.update(sc.verdicts)
        names = {s.name: s for s in sources}
        diffs = []
        for key in sorted(keys):
            per = [(sc.version, sc.verdicts.get(key, ())) for sc in scores]
            if len(set(v for _, v in per)) > 1:
                diffs.append((key, per))
        out.write("verdicts that differ between versions: %d\n" % len(diffs))
        for (name, line), per in diffs:
            groups = collections.OrderedDict()
            for v, rules in per:
                groups.setdefault(rules, []).append(v)
            s = names.get(name)
            out.write("  %s:%d  %s\n" % (name, shown_line(s, line) if s else line, "  ".join(
                "%s: %s" % (",".join(vs), ", ".join(r) or "-") for r, vs in groups.items())))
    return ok


def evaluate(command, interps, sources, workdir, env_for=None):
    """Compile and check with every interpreter; returns the list of Score, oldest version first."""
    scores = []
    for v in sorted(interps, key=vkey):
        interp = interps[v]
        outdir = os.path.join(workdir, "pyc-" + v)
        pycs, errors = compile_all(interp, sources, outdir)
        findings = []
        # the pycs name their sources (co_filename): gilcheck reads and shows them only inside
        # the paths it is given or a --source-dir
        dirs = sorted({os.path.dirname(s.path) for s in sources})
        dirs = [d for d in dirs if not any(d.startswith(o + os.sep) for o in dirs)]
        for scope in ("concurrent", "all"):
            files = [pycs[s.path] for s in sources if s.scope == scope and s.path in pycs]
            if files:
                f, e = run_check(command, scope, files, env_for(v) if env_for else None, dirs)
                findings.extend(f)
                errors.extend(e)
        scores.append(score(v, sources, findings, errors))
    return scores


# ---------------------------------------------------------------------------------------------
# Self-test: a fake gilcheck that answers from the labels
# ---------------------------------------------------------------------------------------------

FAKE = r'''
import json, os, sys
args = sys.argv[1:]
assert args[0] == "check" and args[1] == "--scope" and args[3:5] == ["--format", "concise"], args
scope, pycs = args[2], args[5:]
if pycs[:1] == ["--extend-select"]:
    pycs = pycs[2:]
while pycs and pycs[0] == "--source-dir":
    pycs = pycs[2:]
with open(os.environ["GILCHECK_FAKE_MAP"]) as f:
    table = json.load(f)             # pyc basename -> {"src", "scope", "expect": {line: [rules]}}
version = os.environ["GILCHECK_FAKE_VERSION"]
plants = json.loads(os.environ.get("GILCHECK_FAKE_PLANT", "[]"))
n = 0
for pyc in pycs:
    entry = table[pyc.split(os.sep + "pyc-" + version + os.sep, 1)[1]]
    assert entry["scope"] == scope, (pyc, scope)
    lines = {int(k): list(v) for k, v in entry["expect"].items()}
    for p in plants:
        if p["file"] == entry["name"] and p.get("version", version) == version:
            rules = lines.setdefault(p["line"], [])
            if p["op"] == "drop":
                rules.remove(p["rule"])
            else:
                rules.append(p["rule"])
    for line in sorted(lines):
        for rule in lines[line]:
            print("%s:%d:1: %s fake finding" % (entry["src"], line, rule))
            n += 1
sys.exit(1 if n else 0)
'''


def self_test(interps, workdir, sources):
    fake = os.path.join(workdir, "fake_gilcheck.py")
    with open(fake, "w") as f:
        f.write(FAKE)
    table = {}
    for s in sources:
        table[pyc_below(s)] = {
            "src": s.path, "name": s.name, "scope": s.scope,
            "expect": {str(k): sorted(v) for k, v in s.expect.items()}}
    mapfile = os.path.join(workdir, "fake_map.json")
    with open(mapfile, "w") as f:
        json.dump(table, f)
    versions = sorted(interps, key=vkey)
    # Pick lines to plant mistakes on: an expected finding, an ok line, an unlabelled line.
    s_exp = next(s for s in sources if s.expect)
    line_exp = min(s_exp.expect)
    rule_exp = sorted(s_exp.expect[line_exp])[0]
    s_ok = next(s for s in sources if s.ok)
    line_ok = min(s_ok.ok)
    s_un = sources[-1]
    line_un = 1
    while line_un in s_un.expect or line_un in s_un.ok:
        line_un += 1
    plants = [
        {"op": "drop", "file": s_exp.name, "line": line_exp, "rule": rule_exp},       # FN
        {"op": "add", "file": s_ok.name, "line": line_ok, "rule": "GIL104"},          # FP (ok line)
        {"op": "add", "file": s_un.name, "line": line_un, "rule": "GIL202"},          # FP (unlabelled)
        {"op": "add", "file": s_exp.name, "line": line_exp, "rule": "GIL105"},        # FP (wrong rule)
        {"op": "add", "file": s_un.name, "line": line_un + 0, "rule": "GIL202",
         "version": versions[-1]},                                                     # duplicate, once
    ]
    only_last = {"op": "add", "file": s_ok.name, "line": line_ok, "rule": "GIL201",
                 "version": versions[-1]}                                              # differs
    failures = []

    def env_for(plant):
        def f(v):
            env = dict(os.environ)
            env["GILCHECK_FAKE_MAP"] = mapfile
            env["GILCHECK_FAKE_VERSION"] = v
            env["GILCHECK_FAKE_PLANT"] = json.dumps(plant)
            return env
        return f

    command = [sys.executable, fake]
    n_expect = sum(len(r) for s in sources for r in s.expect.values())

    sys.stdout.write("self-test 1: a fake gilcheck that answers exactly from the labels\n")
    scores = evaluate(command, interps, sources, workdir, env_for([]))
    ok = report(scores, sources)
    if not ok:
        failures.append("the exact fake was not accepted")
    for sc in scores:
        if sc.tp != n_expect or sc.fp or sc.fn:
            failures.append("%s: exact fake scored TP %d FP %d FN %d, want TP %d"
                            % (sc.version, sc.tp, len(sc.fp), len(sc.fn), n_expect))

    sys.stdout.write("\nself-test 2: the same fake with planted mistakes\n")
    scores = evaluate(command, interps, sources, workdir, env_for(plants + [only_last]))
    ok = report(scores, sources)
    if ok:
        failures.append("planted mistakes were accepted")
    for sc in scores:
        last = sc.version == versions[-1]
        want_fp = {(s_ok.name, line_ok, "GIL104", "labelled ok"),
                   (s_un.name, line_un, "GIL202", "unlabelled"),
                   (s_exp.name, line_exp, "GIL105",
                    "labelled expect %s" % ", ".join(sorted(s_exp.expect[line_exp])))}
        if last:
            want_fp.add((s_ok.name, line_ok, "GIL201", "labelled ok"))
        got_fp = set((s.name, line, rule, why) for s, line, rule, why in sc.fp)
        got_fn = set((s.name, line, rule) for s, line, rule in sc.fn)
        if got_fp != want_fp:
            failures.append("%s: false positives %s, want %s" % (sc.version, sorted(got_fp),
                                                                  sorted(want_fp)))
        if got_fn != {(s_exp.name, line_exp, rule_exp)}:
            failures.append("%s: false negatives %s" % (sc.version, sorted(got_fn)))
        if sc.tp != n_expect - 1:
            failures.append("%s: TP %d, want %d" % (sc.version, sc.tp, n_expect - 1))
        if sc.errors:
            failures.append("%s: errors %s" % (sc.version, sc.errors))
    if len(scores) > 1:
        differ = [k for k in scores[0].verdicts if scores[0].verdicts[k] != scores[-1].verdicts.get(k)]
        if differ != [(s_ok.name, line_ok)]:
            failures.append("verdicts differing between versions: %s, want %s"
                            % (differ, [(s_ok.name, line_ok)]))

    sys.stdout.write("\nself-test 3: output that breaks the contract\n")
    bad = os.path.join(workdir, "bad_gilcheck.py")
    with open(bad, "w") as f:
        f.write("import sys\nprint('3 findings')\nsys.exit(0)\n")
    v = versions[0]
    scores = evaluate([sys.executable, bad], {v: interps[v]}, sources, workdir)
    report(scores, sources)
    if not any("concise format" in e for e in scores[0].errors):
        failures.append("a line outside the concise format was not reported")
    if scores[0].tp != 0 or len(scores[0].fn) != n_expect:
        failures.append("silent gilcheck: FN %d, want %d" % (len(scores[0].fn), n_expect))

    sys.stdout.write("\n")
    for f in failures:
        sys.stdout.write("SELF-TEST FAILED: %s\n" % f)
    if not failures:
        sys.stdout.write("self-test passed (%s)\n" % ", ".join(versions))
    return 0 if not failures else 1


# ---------------------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gilcheck", help="the gilcheck binary")
    ap.add_argument("--self-test", action="store_true", help="check this script with a fake gilcheck")
    ap.add_argument("--versions", help="comma-separated subset of 3.6..3.14")
    ap.add_argument("--corpus", default=CORPUS, help="directory of labelled files (default corpus/)")
    ap.add_argument("--rules", default=RULES, help="directory of rule YAML files (default rules/)")
    ap.add_argument("--no-examples", action="store_true", help="skip the rules' examples")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    if not args.gilcheck and not args.self_test:
        ap.error("--gilcheck PATH or --self-test is required")

    wanted = args.versions.split(",") if args.versions else ALL_VERSIONS
    interps = find_interpreters(wanted)
    missing = [v for v in wanted if v not in interps]
    if missing:
        sys.stdout.write("interpreters missing, not checked: %s\n" % ", ".join(missing))
    if not interps:
        sys.stdout.write("SKIP: no CPython interpreter 3.6-3.14 found\n")
        return SKIP

    workdir = tempfile.mkdtemp(prefix="gilcheck-corpus-", dir="/tmp")
    try:
        sources = corpus_sources(args.corpus)
        errors = [e for s in sources for e in s.errors]
        if not args.no_examples:
            exdir = os.path.join(workdir, "examples")
            os.makedirs(exdir)
            ex_sources, ex_errors = load_rule_examples(args.rules, exdir)
            sources += ex_sources
            errors += ex_errors
        if not sources:
            sys.stdout.write("no labelled files found\n")
            return 1
        seen = {}
        for s in sources:
            base = os.path.basename(s.path)
            if base in seen:
                errors.append("%s and %s share a file name (their pycs would collide)"
                              % (seen[base], s.name))
            seen[base] = s.name
        if errors:
            for e in errors:
                sys.stdout.write("LABEL ERROR %s\n" % e)
            return 1
        sys.stdout.write("interpreters: %s\n" % ", ".join(interps[v].detail
                                                          for v in sorted(interps, key=vkey)))
        if args.self_test:
            return self_test(interps, workdir, sources)
        scores = evaluate([os.path.abspath(args.gilcheck)], interps, sources, workdir)
        ok = report(scores, sources)
        sys.stdout.write("PASS\n" if ok else "FAIL\n")
        return 0 if ok else 1
    finally:
        if args.keep:
            sys.stdout.write("kept %s\n" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
