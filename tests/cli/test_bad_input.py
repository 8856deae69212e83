"""Bad input never stops a run: binary garbage named .py, NUL bytes, invalid UTF-8, a wrong coding
cookie, a 50 MB generated file, nesting CPython's compiler refuses, an empty file, a directory
symlink loop, a file removed mid-run, a broken pyproject.toml.  Each is named with a clear
message, the good file beside them is still analysed, and gilcheck exits 1 or 2, never by a signal.

usage: python3 tests/cli/test_bad_input.py PATH/TO/gilcheck
"""
import os
import re
import stat
import subprocess
import sys
import tempfile
import unittest
from racy import RACY_BYTES as RACY  # tests/cli/racy.py

GILCHECK = None



def run(*args, cwd=None):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600, cwd=cwd)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_every_kind_of_bad_source_in_one_run(self):
        self.write("good.py", RACY)
        syntax = {
            "garbage.py": b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\xff\xfe\xfd",
            "nul.py": b"x = 1\n\0y = 2\n",
            "utf8.py": b"s = 'caf\xc3'\n",
            "cookie.py": b"# -*- coding: utf-16 -*-\nx = 1\n",
            "blocks.py": b"".join(b"    " * i + b"for x%d in y:\n" % i for i in range(101))
                         + b"    " * 101 + b"pass\n",
            "parens.py": b"x = " + b"[" * 250 + b"]" * 250 + b"\n",
        }
        for name, data in syntax.items():
            self.write(name, data)
        self.write("empty.py", b"")
        # a 50 MB generated module of valid Python
        line = b"def f%07d(a):\n    return a + 1\n\n"
        with open(os.path.join(self.dir, "huge.py"), "wb") as f:
            i = 0
            while f.tell() < 50 << 20:
                f.write(line % i)
                i += 1
        os.symlink(".", os.path.join(self.dir, "loop"))
        rc, out, err = run("check", "--isolated", "--format", "concise", ".", cwd=self.dir)
        self.assertEqual(rc, 2, err)                         # the huge file is an error
        self.assertIn("good.py:8:5: GIL101 ", out)          # the rest goes on
        for name in syntax:
            self.assertRegex(out, r"(?m)^%s:\d+:\d+: GIL000 syntax error: \S" % re.escape(name))
        self.assertNotIn("empty.py", out + err)
        self.assertIn("gilcheck: error: huge.py: not analysed: 50.0 MB of source", err)
        self.assertIn("gilcheck: warning: loop: symbolic link loop", err)
        self.assertNotIn("Traceback", err)
        for line in err.splitlines():
            self.assertRegex(line, r"^gilcheck: (error|warning): [^./]\S*: ")

    def test_file_removed_mid_run(self):
        """The --python interpreter starts after the walk: a wrapper removes a walked file."""
        self.write("a_good.py", RACY)
        victim = self.write("z_gone.py", RACY)
        wrapper = self.write("bin/python3", b"#!/bin/sh\nrm -f '%s'\nexec '%s' \"$@\"\n"
                             % (victim.encode(), sys.executable.encode()))
        os.chmod(wrapper, stat.S_IRWXU)
        # one process, no cache: the cache would read every file before the interpreter starts
        rc, out, err = run("check", "--isolated", "--no-pycache", "--jobs", "1", "--no-cache",
                           "--python", wrapper,
                           "--format", "concise", "a_good.py", "z_gone.py", cwd=self.dir)
        self.assertFalse(os.path.exists(victim))
        self.assertEqual(rc, 2, err)
        self.assertIn("a_good.py:8:5: GIL101 ", out)
        self.assertIn("gilcheck: error: z_gone.py: cannot read (No such file or directory)", err)

    def test_broken_pyproject_stops_the_run_naming_it(self):
        self.write("good.py", RACY)
        pyproject = self.write("pyproject.toml", b"[tool.gilcheck]\nselect = [\"GIL1\"\n")
        rc, out, err = run("check", "good.py", cwd=self.dir)
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertIn("gilcheck: error: %s: invalid TOML: " % os.path.realpath(pyproject), err)

    def test_hostile_pyc_beside_good_source(self):
        self.write("good.py", RACY)
        self.write("bad.pyc", b"\xa7\r\r\n" + b"\0" * 12 + b"\xe3" + b"\xff" * 40)
        self.write("short.pyc", b"\xa7\r")
        rc, out, err = run("check", "--isolated", "--format", "concise", ".", cwd=self.dir)
        self.assertEqual(rc, 2, err)
        self.assertIn("good.py:8:5: GIL101 ", out)
        self.assertIn("bad.pyc: ", err)
        self.assertIn("short.pyc: ", err)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
