"""`cmake --install` and where an installed gilcheck finds its data: the install tree (binary,
rules, pyodide runner, docs, man page), the tree moved elsewhere and reached through a symbolic
link (data is found relative to the executable), the error naming every path tried when the
rules are gone (an installed binary never falls back to the source tree), GILCHECK_RULES, and
the man page: valid roff (groff -ww) that carries every command and option of the help texts.

usage: python3 tests/install/test_cmake_install.py BUILD_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import install_lib
from install_lib import ROOT, VERSION, run

BUILD = None


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GILCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


class CmakeInstall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.prefix = os.path.join(cls.tmp.name, "prefix")
        rc, out, err = run(["cmake", "--install", BUILD, "--prefix", cls.prefix], cwd=cls.tmp.name)
        if rc != 0:
            raise AssertionError(out + err)
        cls.work = os.path.join(cls.tmp.name, "work")
        cls.racy = install_lib.write_racy(cls.work)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_install_tree(self):
        p = self.prefix
        self.assertTrue(os.access(os.path.join(p, "bin", "gilcheck"), os.X_OK))
        rules = sorted(os.path.basename(f) for f in glob.glob(os.path.join(ROOT, "rules", "*.yaml")))
        self.assertEqual(sorted(os.listdir(os.path.join(p, "share", "gilcheck", "rules"))), rules)
        for rel in ("share/gilcheck/pyodide_run.mjs", "share/man/man1/gilcheck.1",
                    "share/doc/gilcheck/README.md", "share/doc/gilcheck/CHANGELOG.md",
                    "share/doc/gilcheck/LICENSE", "share/doc/gilcheck/docs/ci.md",
                    "share/doc/gilcheck/docs/rules/GIL101.md"):
            self.assertTrue(os.path.isfile(os.path.join(p, rel)), rel)

    def relocated(self):
        """A copy of the install tree somewhere else, with a symbolic link to its binary in
        another bin directory (as /usr/local/bin -> /opt/...); returns (prefix, link)."""
        top = tempfile.mkdtemp(dir=self.tmp.name)
        prefix = os.path.join(top, "moved")
        shutil.copytree(self.prefix, prefix, symlinks=True)
        os.makedirs(os.path.join(top, "links"))
        link = os.path.join(top, "links", "gilcheck")
        os.symlink(os.path.join(prefix, "bin", "gilcheck"), link)
        return prefix, link

    def test_moved_tree_runs_from_anywhere(self):
        prefix, link = self.relocated()
        for exe in (os.path.join(prefix, "bin", "gilcheck"), link):
            rc, out, err = run([exe, "check", "--no-cache", "--format", "concise", "racy.py"],
                               cwd=self.work, env=clean_env())
            self.assertEqual(rc, 1, err)
            self.assertRegex(out, r"^racy\.py:8:5: GIL101 ")
            rc, out, err = run([exe, "rule", "--all"], cwd="/", env=clean_env())
            self.assertEqual(rc, 0, err)
            self.assertIn("GIL301", out)
        # through PATH, as a user runs it
        rc, out, err = run(["gilcheck", "--version"], cwd=self.work,
                           env=clean_env(PATH=os.path.dirname(link) + ":/usr/bin:/bin"))
        self.assertEqual(out, "gilcheck %s\n" % VERSION, err)

    def test_missing_rules_name_every_path_tried(self):
        prefix, link = self.relocated()
        shutil.rmtree(os.path.join(prefix, "share", "gilcheck", "rules"))
        for cmd in (["check", "--no-cache", "racy.py"], ["rule", "GIL101"]):
            rc, out, err = run([link] + cmd, cwd=self.work, env=clean_env())
            self.assertEqual(rc, 2, out + err)
            tried = os.path.join(os.path.realpath(prefix), "share", "gilcheck", "rules")
            self.assertIn("cannot find gilcheck's rules (tried %s)" % tried, err)
            self.assertIn("set GILCHECK_RULES", err)
            # an installed binary does not read the source tree it was built from
            self.assertNotIn(ROOT, err)
        # GILCHECK_RULES points elsewhere
        rc, out, err = run([link, "check", "--no-cache", "--format", "concise", "racy.py"],
                           cwd=self.work, env=clean_env(GILCHECK_RULES=os.path.join(ROOT, "rules")))
        self.assertEqual(rc, 1, err)
        self.assertIn("GIL101", out)
        rc, out, err = run([link, "rule", "GIL101"], cwd=self.work,
                           env=clean_env(GILCHECK_RULES="/nonexistent/rules"))
        self.assertEqual(rc, 2, out)
        self.assertIn("/nonexistent/rules: cannot open the rules directory", err)
        self.assertIn("(from GILCHECK_RULES)", err)

    def test_binary_copied_out_of_the_build_tree_does_not_use_the_source_tree(self):
        top = tempfile.mkdtemp(dir=self.tmp.name)
        os.makedirs(os.path.join(top, "bin"))
        exe = shutil.copy2(os.path.join(BUILD, "gilcheck"), os.path.join(top, "bin"))
        rc, out, err = run([exe, "rule", "GIL101"], cwd=self.work, env=clean_env())
        self.assertEqual(rc, 2, out)
        self.assertIn("tried %s)" % os.path.join(os.path.realpath(top), "share", "gilcheck",
                                                  "rules"), err)
        # ... while the binary in the build tree reads the source tree's rules
        rc, out, err = run([os.path.join(BUILD, "gilcheck"), "rule", "GIL101"], cwd=self.work,
                           env=clean_env())
        self.assertEqual(rc, 0, err)

    def test_pyodide_runner_is_found_beside_the_rules(self):
        # explain --python-version 3.14 looks for PREFIX/share/gilcheck/pyodide_run.mjs and
        # node_modules/pyodide beside it; without pyodide the error says 3.14 is unavailable
        prefix, link = self.relocated()
        rc, out, err = run([link, "explain", "-c", "x += 1", "--python-version", "3.14"],
                           cwd=self.work, env=clean_env())
        self.assertEqual(rc, 2, out + err)
        self.assertIn("3.14", err)
        pyodide = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
        if not shutil.which("node") or not os.path.isdir(pyodide):
            return
        os.makedirs(os.path.join(prefix, "share", "gilcheck", "node_modules"))
        os.symlink(pyodide, os.path.join(prefix, "share", "gilcheck", "node_modules", "pyodide"))
        rc, out, err = run([link, "explain", "-c", "x += 1", "--global", "x", "--python-version",
                            "3.14", "--format", "json"], cwd=self.work, env=clean_env())
        self.assertEqual(rc, 1, out + err)
        self.assertIn('"python": "3.14"', out)


class ManPage(unittest.TestCase):
    page = None

    def setUp(self):
        self.page = os.path.join(BUILD, "gilcheck.1")
        if not os.path.isfile(self.page):
            self.fail("%s was not generated (configure with python3 present)" % self.page)
        self.exe = os.path.join(BUILD, "gilcheck")

    def rendered(self):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", self.page], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           env=clean_env(GROFF_NO_SGR="1"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "", "groff warnings")
        # undo overstriking and hyphenation at line ends
        text = re.sub(r".\x08", "", p.stdout)
        return text.replace("\u2010\n", "").replace("\u2212", "-")

    def help(self, *args):
        rc, out, err = run([self.exe] + list(args) + ["--help"], cwd="/")
        self.assertEqual(rc, 0, err)
        return out

    def test_every_command_and_option_of_the_help_texts(self):
        if not shutil.which("groff"):
            self.skipTest("groff is not installed")
        text = self.rendered()
        flat = " ".join(text.split())
        top = self.help()
        commands = re.findall(r"^  (\w+) ", top.split("commands:")[1].split("\n\n")[0], re.M)
        self.assertIn("check", commands)
        self.assertIn("GILCHECK(1)", text)
        self.assertIn("gilcheck %s" % VERSION, flat)
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ENVIRONMENT",
                        "EXIT STATUS"):
            self.assertRegex(text, r"(?m)^%s$" % section)
        self.assertIn("GILCHECK_RULES", flat)
        for cmd in commands:
            self.assertRegex(text, r"(?m)^   %s$" % cmd)          # a subsection per command
            for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", self.help(cmd)))):
                self.assertIn(opt, flat, "%s %s" % (cmd, opt))

    def test_regenerated_page_is_the_built_one(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "gilcheck.1")
            rc, o, err = run([sys.executable, os.path.join(ROOT, "tools", "gen_man.py"),
                              "--gilcheck", self.exe, "-o", out], cwd=tmp)
            self.assertEqual(rc, 0, err)
            with open(out) as a, open(self.page) as b:
                self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
