"""End-to-end tests of `--python PATH` (compiling with the user's interpreter, in a child process
that only compiles) and of __pycache__ reuse (a fresh NAME.cpython-3X.pyc stands for its source,
checked the way import checks it).

usage: python3 tests/cli/test_python.py PATH/TO/gilcheck
"""
import glob
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import unittest
from racy import RACY  # tests/cli/racy.py

GILCHECK = None

# Same length as RACY, no finding: `count = 1` stores without reading.
CLEAN = RACY.replace("count += 1", "count  = 1")
assert len(CLEAN) == len(RACY)


def interpreters():
    """{"3.6": path, ...} for the pyenv interpreters present."""
    root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, universal_newlines=True)
    found = {}
    for py in sorted(glob.glob(os.path.join(root.stdout.strip() or "/nonexistent",
                                            "versions", "3.*", "bin", "python3"))):
        ver = ".".join(py.split(os.sep)[-3].split(".")[:2])
        if ver not in ("3.14",):
            found[ver] = py
    return found


def run(*args, cwd=None):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


class Python(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.pys = interpreters()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_each_interpreter_compiles_its_own_bytecode(self):
        if not self.pys:
            self.skipTest("no pyenv interpreters")
        path = self.write("racy.py", RACY)
        for ver, py in self.pys.items():
            with self.subTest(ver=ver):
                rc, out, err = run("check", "--isolated", "--no-pycache", "--python", py,
                                   "--format", "json", path)
                self.assertEqual(rc, 1, err)
                found = json.loads(out)
                self.assertEqual([(f["rule"], f["line"], f["python"]) for f in found],
                                 [("GIL101", 8, ver)])
                self.assertEqual(found[0]["path"], path)

    def test_syntax_error_from_the_users_interpreter(self):
        if "3.6" not in self.pys:
            self.skipTest("no 3.6")
        # assignment expressions are 3.8 syntax: an error for 3.6, fine for the embedded 3.11
        path = self.write("new.py", "x = 1\nif (y := x):\n    pass\n")
        rc, out, err = run("check", "--isolated", "--python", self.pys["3.6"], "--format",
                           "concise", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("%s:2:" % path, out)
        self.assertIn("GIL000 syntax error", out)
        rc, out, err = run("check", "--isolated", "--format", "concise", path)
        self.assertEqual((rc, out), (0, ""), err)

    def test_python_from_configuration_and_bad_interpreters(self):
        path = self.write("racy.py", RACY)
        rc, out, err = run("check", "--isolated", "--python", "/nonexistent/python3", path)
        self.assertEqual(rc, 2)
        self.assertIn("racy.py: not compiled: /nonexistent/python3: cannot run the interpreter", err)
        rc, out, err = run("check", "--isolated", "--python", "/bin/true", path)
        self.assertEqual(rc, 2)
        self.assertIn("not a CPython 3.6 or later interpreter", err)
        if self.pys:
            # a project's file may name the interpreter only with --allow-project-python
            # (tests/cli/test_settings.py checks that it is never run otherwise)
            ver, py = sorted(self.pys.items())[0]
            self.write("gilcheck.toml", 'python = "%s"\n' % py)
            rc, out, err = run("check", "--no-pycache", "--allow-project-python", "--format",
                               "json", "racy.py", cwd=self.dir)
            self.assertEqual([f["python"] for f in json.loads(out)], [ver], err)


class Pycache(unittest.TestCase):
    """A fresh pyc is analysed instead of compiling: proven by a pyc of other code."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.path = os.path.join(self.dir, "mod.py")

    def tearDown(self):
        self.tmp.cleanup()

    def stale_twin(self, python, mode):
        """mod.py holds CLEAN, its __pycache__ pyc was compiled from RACY (same size and mtime)."""
        with open(self.path, "w") as f:
            f.write(RACY)
        os.utime(self.path, (1700000000, 1700000000))
        subprocess.run([python, "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], "
                        "doraise=True, invalidation_mode=py_compile.PycInvalidationMode.%s)"
                        % mode, self.path], check=True)
        with open(self.path, "w") as f:
            f.write(CLEAN)
        os.utime(self.path, (1700000000, 1700000000))

    def rules(self, *args):
        rc, out, err = run("check", "--isolated", "--format", "concise", *args, self.path)
        return [l.split()[1] for l in out.splitlines()], err

    def test_fresh_timestamp_pyc_is_reused_and_a_stale_one_is_not(self):
        self.stale_twin(sys.executable, "TIMESTAMP")   # the tests' python is 3.11, like ours
        if sys.version_info[:2] != (3, 11):
            self.skipTest("the embedded interpreter is 3.11")
        self.assertEqual(self.rules()[0], ["GIL101"])           # from the pyc
        self.assertEqual(self.rules("--no-pycache")[0], [])     # from the source
        os.utime(self.path, (1700000001, 1700000001))
        self.assertEqual(self.rules()[0], [])                   # stale: recompiled

    def test_hash_based_pycs(self):
        if sys.version_info[:2] != (3, 11):
            self.skipTest("the embedded interpreter is 3.11")
        self.stale_twin(sys.executable, "UNCHECKED_HASH")
        self.assertEqual(self.rules()[0], ["GIL101"])           # unchecked: trusted, as import
        self.stale_twin(sys.executable, "CHECKED_HASH")
        self.assertEqual(self.rules()[0], [])                   # checked: not trusted here

    def test_pyc_of_the_python_interpreters_version(self):
        pys = interpreters()
        if "3.9" not in pys:
            self.skipTest("no 3.9")
        self.stale_twin(pys["3.9"], "TIMESTAMP")
        self.assertEqual(self.rules("--python", pys["3.9"])[0], ["GIL101"])
        self.assertEqual(self.rules()[0], [])    # the embedded 3.11 has no pyc of its own here

    def test_corrupt_pycache_is_an_error_naming_it(self):
        if sys.version_info[:2] != (3, 11):
            self.skipTest("the embedded interpreter is 3.11")
        self.stale_twin(sys.executable, "TIMESTAMP")
        pyc = glob.glob(os.path.join(self.dir, "__pycache__", "*.pyc"))[0]
        with open(pyc, "r+b") as f:
            f.truncate(40)
        rc, out, err = run("check", "--isolated", self.path)
        self.assertEqual(rc, 2)
        self.assertIn(pyc, err)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
