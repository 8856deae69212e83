"""End-to-end tests of source input: `gilcheck check` on .py files and directories, syntax errors
as GIL000, `# noqa` comments, the directories a walk skips, and `gilcheck rule`.

usage: python3 tests/cli/test_input.py PATH/TO/gilcheck
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
from racy import RACY_TEMPLATE as RACY  # tests/cli/racy.py

GILCHECK = None



def run(*args, cwd=None):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


class Source(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if name.endswith(".py") and b"import threading" in data:
            data += b"\n# %s\n" % name.encode()   # not a copy of another file (check folds those)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def concise(self, *paths):
        return run("check", "--format", "concise", *paths)

    def test_racy_source_exits_1(self):
        path = self.write("racy.py", RACY % b"")
        rc, out, err = self.concise(path)
        self.assertEqual(rc, 1, err)
        self.assertIn("%s:8:5: GIL101 " % path, out)

    def test_clean_and_empty_sources_exit_0(self):
        clean = self.write("clean.py", b"x = 1\n\ndef f():\n    return x\n")
        empty = self.write("empty.py", b"")
        self.assertEqual(self.concise(clean, empty)[:2], (0, ""))

    def test_syntax_error_is_gil000_and_the_rest_goes_on(self):
        bad = self.write("bad.py", b"x = 1\n\ndef f(:\n    pass\n")
        good = self.write("racy.py", RACY % b"")
        rc, out, err = self.concise(bad, good)
        self.assertEqual(rc, 1, err)
        self.assertIn("%s:3:7: GIL000 syntax error: invalid syntax\n" % bad, out)
        self.assertIn("racy.py:8:5: GIL101 ", out)
        for line in out.splitlines():
            self.assertRegex(line, r"^[^:]+:\d+:\d+: GIL\d{3} \S")

    def test_bad_sources_never_crash(self):
        paths = [
            self.write("indent.py", b"if x:\ny = 1\n"),
            self.write("nul.py", b"x = 1\0\n"),
            self.write("garbage.py", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe"),
            self.write("cookie.py", b"# coding: ascii\ns = 'caf\xe9'\n"),
            self.write("unknown_cookie.py", b"# coding: nonesuch\nx = 1\n"),
            self.write("parens.py", b"x = " + b"(" * 300 + b")" * 300 + b"\n"),
            self.write("unary.py", b"x = " + b"-" * 100000 + b"1\n"),
            self.write("calls.py", b"x = " + b"f(" * 150 + b")" * 150 + b"\n"),
        ]
        rc, out, err = self.concise(*paths)
        self.assertIn(rc, (1, 2), err)
        self.assertNotIn("Traceback", err)
        for p in paths[:6]:
            self.assertRegex(out, re.escape(p) + r":\d+:\d+: GIL000 syntax error: ")
        self.assertIn(":2:1: GIL000 syntax error: expected an indented block", out)
        # a NUL byte is reported where it is
        self.assertIn("nul.py:1:6: GIL000 syntax error: source code cannot contain null bytes", out)
        for line in err.splitlines():
            self.assertRegex(line, r"^gilcheck: error: \S+\.py: ")

    def test_compiler_warnings_stay_quiet(self):
        path = self.write("warns.py", b"x = 1\nif x is 1:\n    pass\ny = '\\d'\n")
        self.assertEqual(self.concise(path), (0, "", ""))

    def test_latin1_cookie_compiles(self):
        path = self.write("latin.py", b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n")
        self.assertEqual(self.concise(path)[:2], (0, ""))

    def test_unreadable_file_is_named_exit_2(self):
        missing = os.path.join(self.dir, "missing.py")
        good = self.write("racy.py", RACY % b"")
        rc, out, err = self.concise(missing, good)
        self.assertEqual(rc, 2)
        self.assertIn("missing.py: cannot open", err)
        self.assertIn("racy.py:8:5: GIL101 ", out)

    def test_noqa_variants(self):
        cases = [
            (b"  # noqa", False),
            (b"  # noqa: GIL101", False),
            (b"  # NOQA:gil104, gil101", False),
            (b"  # noqa: GIL104", True),
            (b"  # expect: GIL101", True),
            (b"  # ok", True),
            (b"  # type: ignore  # noqa", False),
        ]
        for i, (comment, reported) in enumerate(cases):
            path = self.write("n%d.py" % i, RACY % comment)
            rc, out, err = self.concise(path)
            self.assertEqual(" GIL101 " in out, reported, (comment, out, err))
        whole = self.write("whole.py", RACY % b"" + b"# gilcheck: noqa\n")
        self.assertEqual(self.concise(whole)[:2], (0, ""))
        some = self.write("some.py", RACY % b"" + b"# gilcheck: noqa: GIL101\n")
        rc, out, _ = self.concise(some)
        self.assertNotIn(" GIL101 ", out)
        other = self.write("other.py", RACY % b"" + b"# gilcheck: noqa: GIL201\n")
        self.assertIn(" GIL101 ", self.concise(other)[1])

    def test_noqa_applies_to_pyc_with_readable_source(self):
        src = self.write("mod.py", RACY % b"  # noqa: GIL101")
        pyc = os.path.join(self.dir, "mod.pyc")
        subprocess.run([sys.executable, "-c", "import py_compile, sys; "
                        "py_compile.compile(sys.argv[1], sys.argv[2], doraise=True)", src, pyc],
                       check=True)
        rc, out, err = self.concise(pyc)
        self.assertNotIn(" GIL101 ", out, err)
        os.remove(src)
        rc, out, err = self.concise(pyc)
        self.assertIn(" GIL101 ", out, err)

    def test_directory_walk_finds_py_and_skips_tool_dirs(self):
        self.write("pkg/a.py", RACY % b"")
        self.write("pkg/sub/b.py", RACY % b"")
        for skipped in (".git", ".venv", "venv", "build", "dist", "node_modules",
                        "lib/site-packages", "__pycache__"):
            self.write(skipped + "/s.py", RACY % b"")
        rc, out, err = run("check", "--format", "concise", ".", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        files = sorted(set(line.split(":")[0] for line in out.splitlines()))
        self.assertEqual(files, ["pkg/a.py", "pkg/sub/b.py"])

    def test_walk_reports_a_source_once_not_also_its_pyc(self):
        src = self.write("m.py", RACY % b"")
        subprocess.run([sys.executable, "-c", "import py_compile, sys; "
                        "py_compile.compile(sys.argv[1], doraise=True)", src], check=True)
        self.assertTrue(os.listdir(os.path.join(self.dir, "__pycache__")))
        rc, out, err = run("check", "--format", "concise", self.dir)
        self.assertEqual(rc, 1, err)
        self.assertEqual(len([l for l in out.splitlines() if " GIL101 " in l]), 1, out)


class Rule(unittest.TestCase):
    def test_one_rule(self):
        rc, out, err = run("rule", "GIL101")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("GIL101 rmw-global (warning)\n"))
        for part in ("Explanation:", "Fix:", "References:", "Unsafe example:", "Safe example:",
                     "https://docs.python.org/"):
            self.assertIn(part, out)
        self.assertEqual(run("rule", "gil201")[0], 0)

    def test_all_rules(self):
        rc, out, err = run("rule", "--all")
        self.assertEqual(rc, 0, err)
        ids = re.findall(r"^(GIL\d{3}) \S+ \((?:error|warning|note)\)$", out, re.M)
        self.assertEqual(ids, sorted(ids))
        self.assertGreaterEqual(len(ids), 8)

    def test_unknown_rule_exits_2(self):
        rc, out, err = run("rule", "GIL999")
        self.assertEqual(rc, 2)
        self.assertIn("unknown rule 'GIL999'", err)
        self.assertEqual(run("rule")[0], 2)
        rc, out, _ = run("--help")
        self.assertIn("rule GILnnn", out)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
