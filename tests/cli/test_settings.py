"""End-to-end tests of what a ruff user expects from `gilcheck check`: a directory named on the
command line is searched even under a .gitignored parent, the summary counts files and zero files
is a warning, unknown rule codes are errors, `# noqa` naming unknown codes and the opt-in
unused-noqa rule (GIL900), --add-noqa, `check -` with --stdin-filename, --show-settings,
--show-files, .gilcheck.toml, the closest configuration per file, errors as records of
--format json, one-line usage errors with "did you mean", the 80-column wrap, the cache keyed on
the interpreter's identity (a switched --python symlink), workers forked before CPython starts,
and explain reading the same settings as check.

usage: python3 tests/cli/test_settings.py PATH/TO/gilcheck
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
sys.dont_write_bytecode = True
from racy import RACY  # noqa: E402  tests/cli/racy.py: GIL101 at 8:5
import gen_rule_docs  # noqa: E402  reads the rules' YAML

GILCHECK = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Two findings on line 10 (GIL101 and GIL104) and one on line 11 (GIL201), scope all.
MULTI = """import threading

count = 0
D = {}


def work(k):
    global count
    x = 1  # keep me
    count += 1; D[k] = D[k] + 1
    if k not in D: D[k] = 0
    return x


for k in (1, 2):
    threading.Thread(target=work, args=(k,)).start()
"""

# Racy only when `guard` is not known to be a lock.
GUARDED = """count = 0
guard = make_guard()


def locked():
    global count
    with guard:
        count = count + 1
"""


# A finding's first line in the full format stays whole, as ruff's: editors and scripts match it.
HEADER_RE = re.compile(r"^\S+:\d+:\d+: GIL\d{3} ")


def env():
    """The environment of every run: no user configuration, no terminal width."""
    e = dict(os.environ)
    for k in ("COLUMNS", "GILCHECK_PYTHON", "NO_COLOR", "FORCE_COLOR"):
        e.pop(k, None)
    e["XDG_CONFIG_HOME"] = "/nonexistent-config"
    return e


def run(*args, cwd=None, stdin=None, extra_env=None):
    e = env()
    e.update(extra_env or {})
    p = subprocess.run([GILCHECK] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=300, cwd=cwd,
                       env=e)
    return p.returncode, p.stdout, p.stderr


def codes(out):
    return sorted(line.split()[1] for line in out.splitlines() if ": GIL" in line)


def interpreters():
    """{"3.9": path, ...}: the pyenv interpreters present."""
    try:
        root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout.strip()
    except OSError:
        return {}
    found = {}
    for py in sorted(glob.glob(os.path.join(root or "/nonexistent", "versions", "3.*", "bin",
                                            "python3"))):
        found[".".join(py.split(os.sep)[-3].split(".")[:2])] = py
    return found


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if name.endswith(".py") and "import threading" in text:
            text += "\n# %s\n" % name     # not a copy of another file (check folds those)
        with open(path, "w") as f:
            f.write(text)
        return path

    def git_init(self):
        subprocess.run(["git", "init", "-q", self.dir], check=True)


class Files(Base):
    def test_named_directory_under_a_gitignored_parent_is_analysed(self):
        # pyenv's own .gitignore lists /versions: naming a stdlib below it must still check it
        self.git_init()
        self.write(".gitignore", "/versions\n")
        self.write("versions/3.11/lib/racy.py", RACY)
        self.write("versions/3.11/lib/.gitignore", "skipped.py\n")
        self.write("versions/3.11/lib/skipped.py", RACY)
        rc, out, err = run("check", "versions/3.11", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertIn("versions/3.11/lib/racy.py:8:5: GIL101", out)
        self.assertNotIn("skipped.py", out)         # ignore files inside it still apply
        self.assertTrue(out.endswith("Found 1 finding in 1 file (1 file checked).\n"), out)
        # searching the parent still honours the .gitignore
        rc, out, err = run("check", ".", cwd=self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("no Python files to check in .", err)

    def test_zero_files_is_a_warning_naming_the_paths(self):
        os.makedirs(os.path.join(self.dir, "empty"))
        self.write("only/x.py", RACY)
        rc, out, err = run("check", "empty", cwd=self.dir)
        self.assertEqual(rc, 0)
        self.assertEqual(out, "No files checked.\n")
        self.assertIn("gilcheck: warning: no Python files to check in empty", err)
        rc, out, err = run("check", "--extend-exclude", "x.py", "only", cwd=self.dir)
        self.assertIn("no Python files to check in only", err)
        # machine formats carry the warning too
        rc, out, err = run("check", "--format", "json", "empty", cwd=self.dir)
        self.assertEqual([r["kind"] for r in json.loads(out)], ["warning"])

    def test_summary_counts_files(self):
        for i in range(3):
            self.write("pkg/clean%d.py" % i, "x = %d\n" % i)
        rc, out, err = run("check", "pkg", cwd=self.dir)
        self.assertEqual((rc, out), (0, "All clear: 3 files checked.\n"), err)
        self.write("pkg/racy.py", RACY)
        rc, out, err = run("check", "pkg", cwd=self.dir)
        self.assertTrue(out.endswith("Found 1 finding in 1 file (4 files checked).\n"), out)

    def test_show_files_and_show_settings(self):
        self.write("pyproject.toml", '[tool.gilcheck]\nselect = ["GIL1"]\n'
                   'extend-exclude = ["gen_*"]\n')
        self.write("src/b.py", "x = 1\n")
        self.write("src/a.py", "x = 1\n")
        self.write("src/gen_x.py", "x = 1\n")
        rc, out, err = run("check", "--show-files", "src", cwd=self.dir)
        self.assertEqual((rc, out), (0, "src/a.py\nsrc/b.py\n"), err)
        rc, out, err = run("check", "--show-settings", "--scope", "all", "src/a.py", cwd=self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("# configuration file: %s/pyproject.toml\n" % self.dir, out)
        self.assertIn('\nselect = ["GIL1"]\n', out)
        self.assertIn('\nextend-exclude = ["gen_*"]\n', out)
        self.assertIn('\nscope = "all"\n', out)            # the command line's, over the file
        self.assertIn("\n# ignore: not set", out)


class Codes(Base):
    def test_unknown_codes_are_errors(self):
        path = self.write("racy.py", RACY)
        for opt in ("--select", "--ignore", "--extend-select"):
            rc, out, err = run("check", opt, "GIL999", path)
            self.assertEqual(rc, 2, (opt, err))
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn("unknown rule code 'GIL999'", err)
            self.assertIn("try 'gilcheck check --help'", err)
        rc, out, err = run("check", "--select", "GIL10", path)     # a prefix of real rules
        self.assertEqual(rc, 1, err)
        cfg = self.write("pyproject.toml", '[tool.gilcheck]\nselect = ["GIL1", "GIL4"]\n')
        rc, out, err = run("check", path, cwd=self.dir)
        self.assertEqual((rc, out), (2, ""), err)
        self.assertIn(cfg, err)
        self.assertIn("unknown rule code 'GIL4'", err)
        self.write("pyproject.toml", '[tool.gilcheck]\nper-file-ignores = {"x" = ["GIL301", '
                   '"GIL302"]}\n')
        rc, out, err = run("check", path, cwd=self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("unknown rule code 'GIL302' (did you mean 'GIL301'?)", err)

    def test_unknown_codes_in_noqa_are_reported(self):
        path = self.write("racy.py",
                          RACY.replace("count += 1", "count += 1  # noqa: GIL101, GIL191"))
        rc, out, err = run("check", "--format", "json", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("line 8: `# noqa` names unknown rule code 'GIL191'", err)
        recs = json.loads(out)
        self.assertEqual([(r["kind"], r["path"]) for r in recs], [("warning", path)])

    def test_unused_noqa_is_opt_in(self):
        src = RACY.replace("count += 1", "count += 1  # noqa: GIL101, GIL104")
        path = self.write("racy.py", src)
        self.assertEqual(run("check", "--format", "concise", path)[:2], (0, ""))
        rc, out, err = run("check", "--format", "concise", "--extend-select", "GIL900", path)
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, "%s:8:17: GIL900 unused `# noqa` directive (unused: GIL104)\n"
                         % path)
        rc, out, err = run("check", "--format", "concise", "--select", "GIL9", path)
        self.assertIn("GIL900 unused `# noqa` directive (non-enabled: GIL101, GIL104)", out)

    def test_unused_noqa_examples(self):
        # the rule's own examples, from its YAML (the corpus runner leaves opt-in rules out)
        rule = gen_rule_docs.load_yaml(os.path.join(ROOT, "rules", "GIL900.yaml"))
        self.assertTrue(rule["opt_in"])
        for kind in ("unsafe", "safe"):
            for code in rule["examples"][kind]:
                path = self.write("example.py", code)
                rc, out, err = run("check", "--format", "concise", "--scope", "all",
                                   "--extend-select", "GIL900", path)
                want = ["%s:%d" % (path, n) for n, line in enumerate(code.splitlines(), 1)
                        if "# expect: GIL900" in line]
                got = [":".join(l.split(":")[:2]) for l in out.splitlines() if "GIL900" in l]
                self.assertEqual(got, want, (kind, out, err))


class AddNoqa(Base):
    def test_add_noqa_keeps_comments_and_is_idempotent(self):
        path = self.write("m.py", MULTI)
        rc, out, err = run("check", "--scope", "all", "--add-noqa", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("Added 2 noqa directives to 1 file.", err)
        with open(path) as f:
            text = f.read()
        self.assertIn("    count += 1; D[k] = D[k] + 1  # noqa: GIL101, GIL104\n", text)
        self.assertIn("    if k not in D: D[k] = 0  # noqa: GIL201\n", text)
        self.assertIn("    x = 1  # keep me\n", text)
        self.assertEqual(run("check", "--scope", "all", path)[0], 0)
        rc, out, err = run("check", "--scope", "all", "--add-noqa", path)
        self.assertIn("Added 0 noqa directives to 0 files.", err)
        with open(path) as f:
            self.assertEqual(f.read(), text)

    def test_add_noqa_extends_an_existing_directive(self):
        path = self.write("m.py", MULTI.replace("D[k] + 1\n", "D[k] + 1  # noqa: GIL104  # why\n"))
        run("check", "--scope", "all", "--add-noqa", path)
        with open(path) as f:
            self.assertIn("D[k] + 1  # noqa: GIL104, GIL101  # why\n", f.read())

    def test_add_noqa_leaves_a_backslash_line_alone(self):
        src = RACY.replace("count += 1", "count += \\\n        1")
        path = self.write("m.py", src)
        with open(path) as f:
            src = f.read()
        rc, out, err = run("check", "--add-noqa", path)
        self.assertIn("line 8: no `# noqa` added: the line continues with a backslash", err)
        with open(path) as f:
            self.assertEqual(f.read(), src)


class Stdin(Base):
    def test_stdin_with_its_file_name(self):
        self.write("pkg/pyproject.toml", '[tool.gilcheck]\nignore = ["GIL1"]\n')
        rc, out, err = run("check", "--format", "concise", "-", "--stdin-filename", "src/x.py",
                           stdin=RACY, cwd=self.dir)
        self.assertEqual((rc, out), (1, "src/x.py:8:5: GIL101 " + out.split(" GIL101 ")[1]), err)
        # the configuration of the name given applies (per-file settings, as ruff)
        rc, out, err = run("check", "--format", "concise", "--stdin-filename", "pkg/x.py",
                           stdin=RACY, cwd=self.dir)
        self.assertEqual((rc, out), (0, ""), err)
        rc, out, err = run("check", "-", stdin=RACY, cwd=self.dir)
        self.assertIn("-:8:5: GIL101", out)
        rc, out, err = run("check", "--format", "concise", "-", stdin="def (\n", cwd=self.dir)
        self.assertEqual(rc, 1)
        self.assertIn("-:1:", out)
        self.assertIn("GIL000", out)


class Configuration(Base):
    def test_dot_gilcheck_toml_wins(self):
        self.write("racy.py", MULTI)
        self.write("pyproject.toml", '[tool.gilcheck]\nselect = ["GIL104"]\n')
        self.write("gilcheck.toml", 'select = ["GIL201"]\n')
        self.write(".gilcheck.toml", 'select = ["GIL101"]\n')
        self.assertEqual(codes(run("check", "--scope", "all", "--format", "concise", "racy.py",
                                   cwd=self.dir)[1]), ["GIL101"])
        os.unlink(os.path.join(self.dir, ".gilcheck.toml"))
        self.assertEqual(codes(run("check", "--scope", "all", "--format", "concise", "racy.py",
                                   cwd=self.dir)[1]), ["GIL201"])

    def test_closest_configuration_per_file(self):
        self.write("pyproject.toml", '[tool.gilcheck]\nselect = ["GIL101"]\nscope = "all"\n')
        self.write("a/m.py", MULTI)
        self.write("b/pyproject.toml", '[tool.gilcheck]\nselect = ["GIL201"]\nscope = "all"\n'
                   'extend-exclude = ["skip_*"]\n')
        self.write("b/m.py", MULTI)
        self.write("b/skip_me.py", MULTI)
        self.write("b/c/m.py", MULTI)
        self.write("b/c/pyproject.toml", '[project]\nname = "no gilcheck table"\n')
        rc, out, err = run("check", "--format", "concise", ".", cwd=self.dir)
        found = sorted((l.split(":")[0], l.split()[1]) for l in out.splitlines())
        self.assertEqual(found, [("a/m.py", "GIL101"), ("b/c/m.py", "GIL201"),
                                 ("b/m.py", "GIL201")], (out, err))
        # the command line applies over each of them
        rc, out, err = run("check", "--format", "concise", "--extend-select", "GIL104", ".",
                           cwd=self.dir)
        self.assertEqual(codes(out), ["GIL101", "GIL104", "GIL104", "GIL104", "GIL201",
                                      "GIL201"])

    def test_explain_reads_the_same_settings(self):
        path = self.write("g.py", GUARDED)
        rc, out, err = run("check", "--scope", "all", "--format", "concise", path)
        self.assertEqual(codes(out), ["GIL101"])
        rc, out, err = run("explain", "%s:8" % path, "--format", "json")
        self.assertEqual((rc, json.loads(out)["verdict"]), (1, "not-atomic"), err)
        self.write("pyproject.toml", '[tool.gilcheck]\nlock-names = ["guard"]\n')
        rc, out, err = run("check", "--scope", "all", "--format", "concise", path)
        self.assertEqual((rc, out), (0, ""), err)
        rc, out, err = run("explain", "%s:8" % path, "--format", "json")
        self.assertEqual((rc, json.loads(out)["verdict"]), (0, "atomic"), err)


class Outputs(Base):
    def test_errors_are_records_of_the_json_array(self):
        racy = self.write("racy.py", RACY)
        bad = self.write("bad.pyc", "not a pyc")
        rc, out, err = run("check", "--format", "json", racy, bad, "missing.py", cwd=self.dir)
        self.assertEqual(rc, 2)
        recs = json.loads(out)
        self.assertEqual([(r["kind"], r["rule"]) for r in recs],
                         [("finding", "GIL101"), ("error", None), ("error", None)])
        # a script written for the old array still reads it: every record has every key
        keys = set(recs[0])
        for r in recs:
            self.assertEqual(set(r), keys)
        self.assertEqual(recs[1]["path"], bad)
        self.assertEqual(recs[2]["severity"], "error")

    def test_usage_errors_are_one_line(self):
        cases = [
            (["check", "--selct", "GIL1", "x.py"], "unknown option '--selct' (did you mean "
             "'--select'?); try 'gilcheck check --help'"),
            (["check", "--format", "jsn", "x.py"], "did you mean 'json'?"),
            (["check"], "no input files"),
            (["chek", "x.py"], "unknown command 'chek' (did you mean 'check'?); try "
             "'gilcheck --help'"),
            (["explain", "--formt", "json"], "unknown option '--formt' (did you mean "
             "'--format'?); try 'gilcheck explain --help'"),
            (["rule", "--al"], "did you mean '--all'?"),
            (["dis", "--jsn"], "did you mean '--json'?"),
            (["table", "--python-versions", "3.11"], "did you mean '--python-version'?"),
            (["clean", "--hepl"], "did you mean '--help'?"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                rc, out, err = run(*args, cwd=self.dir)
                self.assertEqual(rc, 2)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertTrue(err.startswith("gilcheck: error: "), err)
                self.assertIn(want, err)
                self.assertIn("--help'", err)

    def assert_wrapped(self, args, width=80, cwd=None):
        """Every line fits in `width` columns unless it is one word (or source code), and the
        words are those of the unwrapped text: none was broken."""
        rc, narrow, err = run(*args, cwd=cwd)
        wide = run(*args, cwd=cwd, extra_env={"COLUMNS": "1000"})[1]
        for line in narrow.splitlines():
            if len(line) > width and not HEADER_RE.match(line):
                self.assertEqual(len(line.split()), 1, (args, line))
        self.assertEqual(narrow.split(), wide.split(), args)
        self.assertNotEqual(narrow, wide, args)          # it did wrap
        return narrow

    def test_text_wraps_to_80_columns(self):
        path = self.write("racy.py", RACY)
        self.assert_wrapped(["check", "--help"])
        self.assert_wrapped(["--help"])
        self.assert_wrapped(["explain", "--help"])
        out = self.assert_wrapped(["check", path])
        self.assertIn("\n         (__eq__, __hash__, __del__, a property)", out)
        self.assert_wrapped(["explain", "-c", "D[x] = D[x] + 1"])
        self.assert_wrapped(["table", "--python-version", "3.11"])
        self.assert_wrapped(["rule", "GIL201"])


class Rules(Base):
    def test_rule_docs_without_internals_with_options(self):
        rc, out, err = run("rule", "GIL201")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("expect:", out)
        self.assertNotIn("Detector", out)
        self.assertIn("# reported: GIL201", out)
        self.assertIn("Options (docs/configuration.md):\n\n  - scope\n", out)
        for path in glob.glob(os.path.join(ROOT, "docs", "rules", "GIL*.md")):
            with open(path) as f:
                text = f.read()
            self.assertNotIn("# expect", text, path)
            self.assertNotIn("Detector:", text, path)
            self.assertNotIn("atomicity.yaml", text, path)
        with open(os.path.join(ROOT, "docs", "rules", "GIL101.md")) as f:
            self.assertIn("## Options\n\n- [`scope`](../configuration.md#scope)\n", f.read())

    def test_rule_as_json(self):
        rc, out, err = run("rule", "GIL900", "--format", "json")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual((doc["code"], doc["name"], doc["opt_in"]), ("GIL900", "unused-noqa", True))
        self.assertEqual(set(doc), {"code", "name", "summary", "severity", "explanation", "fix",
                                    "options", "opt_in", "references", "examples"})
        rc, out, err = run("rule", "--all", "--format", "json")
        rules = json.loads(out)
        self.assertEqual(len(rules), len(glob.glob(os.path.join(ROOT, "rules", "GIL*.yaml"))))
        self.assertEqual(next(r for r in rules if r["code"] == "GIL301")["options"],
                         ["lock-names"])
        self.assertFalse(any("# expect" in c for r in rules for c in r["examples"]["unsafe"]))


class Interpreters(Base):
    def fake_path(self):
        """A PATH whose only python3.X is pyenv's 3.12 (or 3.13) under its plain name, and no
        pyenv: explain and table must find it there."""
        pys = interpreters()
        ver = "3.12" if "3.12" in pys else "3.13" if "3.13" in pys else None
        if not ver:
            self.skipTest("needs pyenv's 3.12 or 3.13")
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        os.symlink(pys[ver], os.path.join(bindir, "python" + ver))
        return ver, {"PYENV_ROOT": "/nonexistent", "HOME": self.dir,
                     "PATH": bindir + ":/usr/bin:/bin"}

    def test_explain_finds_python3x_on_path(self):
        ver, e = self.fake_path()
        rc, out, err = run("explain", "-c", "count += 1", "--python-version", ver, "--format",
                           "json", extra_env=e)
        self.assertEqual(rc, 1, err)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "not-atomic")
        self.assertIn(ver, json.dumps(doc))

    def test_explain_and_table_exit_by_the_verdict_printed(self):
        ver, e = self.fake_path()
        # 3.9 has no interpreter here: said on stderr, the verdicts printed decide the exit
        rc, out, err = run("explain", "-c", "x = y", "--python-version", "%s,3.9" % ver,
                           extra_env=e)
        self.assertEqual(rc, 0, err)
        self.assertIn("Verdict: ATOMIC", out)
        self.assertIn("no interpreter for Python 3.9", err)
        rc, out, err = run("explain", "-c", "count += 1", "--python-version", "3.9,%s" % ver,
                           extra_env=e)
        self.assertEqual(rc, 1, err)
        rc, out, err = run("table", "--python-version", "%s,3.9" % ver, extra_env=e)
        self.assertEqual(rc, 0, err)
        self.assertIn(ver, out.splitlines()[0])


class Cache(Base):
    def test_switched_python_symlink_is_another_interpreter(self):
        pys = interpreters()
        old, new = pys.get("3.9"), pys.get("3.13") or pys.get("3.12")
        if not old or not new:
            self.skipTest("needs pyenv's 3.9 and 3.12 or 3.13")
        path = self.write("racy.py", RACY)
        link = os.path.join(self.dir, "python")
        os.symlink(old, link)
        args = ["check", "--isolated", "--no-pycache", "--python", link, "--format", "json",
                "racy.py"]
        rc, out, err = run(*args, cwd=self.dir)
        self.assertEqual([f["python"] for f in json.loads(out)], ["3.9"], err)
        self.assertTrue(os.path.isdir(os.path.join(self.dir, ".gilcheck_cache")))
        os.unlink(link)
        os.symlink(new, link)
        want = ".".join(new.split(os.sep)[-3].split(".")[:2])
        rc, out, err = run(*args, cwd=self.dir)
        self.assertEqual([f["python"] for f in json.loads(out)], [want], err)
        rc, out, err = run(*args, cwd=self.dir)       # and that is cached in turn
        self.assertEqual([f["python"] for f in json.loads(out)], [want], err)

    def test_workers_fork_before_cpython_starts(self):
        # with a configuration file (read with tomllib) and several workers, the parent process
        # never starts the embedded interpreter: only workers (and the reader child) do
        self.write("pyproject.toml", '[tool.gilcheck]\nscope = "all"\n')
        for i in range(4):
            self.write("pkg/m%d.py" % i, RACY)
        p = subprocess.Popen([GILCHECK, "check", "--jobs", "2", "--no-cache", "--format",
                              "concise", "pkg"], cwd=self.dir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True,
                             env=dict(env(), GILCHECK_TEST_TRACE_PYTHON="1"))
        out, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 1, err)
        self.assertEqual(len(out.splitlines()), 4, out)
        pids = [int(m) for m in re.findall(r"embedded Python started in process (\d+)", err)]
        self.assertTrue(pids, err)
        self.assertNotIn(p.pid, pids, err)


def main():
    global GILCHECK
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    prog = unittest.main(exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
