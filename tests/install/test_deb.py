"""The Debian package, as a user gets it: tools/package_deb.sh builds gilcheck_VERSION_ARCH.deb
from a copy of the source tree (cpack, Depends from dpkg-shlibdeps), the copy is deleted (so no
compiled-in source path can help), `apt-get install ./gilcheck_*.deb` installs it into this
machine, and from a directory of its own the installed gilcheck runs `check`, `rule`, `explain
-c` and a language-server session (initialize, diagnostics, shutdown) on a racy file; then
`apt-get purge` removes it again and nothing of it is left.

usage: python3 tests/install/test_deb.py
Exits 77 (skipped) when not root, without apt-get/dpkg, outside a git work tree, or when a
gilcheck package is already installed (the test will not replace someone's installation).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import install_lib
from install_lib import ROOT, VERSION, run

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def dpkg_installed(name):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, universal_newlines=True)
    return p.returncode == 0 and "install ok installed" in p.stdout


def apt_env():
    return dict(os.environ, DEBIAN_FRONTEND="noninteractive")


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        top = cls.tmp.name
        src = install_lib.copy_source(os.path.join(top, "src"))
        rc, out, err = run([os.path.join(src, "tools", "package_deb.sh"), os.path.join(top, "out")],
                           cwd=top, timeout=1200)
        if rc != 0:
            raise AssertionError("package_deb.sh failed:\n" + out + err)
        cls.deb = out.strip().splitlines()[-1]
        shutil.rmtree(src)              # the clone is out of the way
        cls.installed = False
        rc, out, err = run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                            "./" + os.path.basename(cls.deb)], cwd=os.path.dirname(cls.deb),
                           env=apt_env(), timeout=600)
        if rc != 0:
            raise AssertionError("apt-get install failed:\n" + out + err)
        cls.installed = True
        cls.work = os.path.join(top, "elsewhere")
        cls.racy = install_lib.write_racy(cls.work)
        cls.env = {k: v for k, v in os.environ.items()
                   if not k.startswith("GILCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR")}
        cls.env["PATH"] = SYSTEM_PATH

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.installed:
                rc, out, err = run(["apt-get", "purge", "-y", "-q", "gilcheck"], cwd="/",
                                   env=apt_env(), timeout=600)
                assert rc == 0, out + err
        finally:
            cls.tmp.cleanup()

    def gilcheck(self, *args, timeout=300):
        return run(["gilcheck"] + list(args), cwd=self.work, env=self.env, timeout=timeout)

    def test_package_metadata(self):
        rc, out, err = run(["dpkg-deb", "-f", self.deb, "Package", "Version", "Depends"], cwd="/")
        self.assertEqual(rc, 0, err)
        self.assertIn("Package: gilcheck", out)
        self.assertIn("Version: %s" % VERSION, out)
        # computed by dpkg-shlibdeps from the binary's libraries, with versions
        for lib in ("libpython3.11", "libyaml-0-2", "libjansson4", "libgit2-", "libxxhash0",
                    "libc6 (>="):
            self.assertIn(lib, out)
        self.assertEqual(os.path.basename(self.deb),
                         "gilcheck_%s_%s.deb" % (VERSION, subprocess.check_output(
                             ["dpkg", "--print-architecture"], universal_newlines=True).strip()))

    def test_installed_files(self):
        rc, out, err = run(["dpkg", "-L", "gilcheck"], cwd="/")
        files = set(out.split())
        for f in ("/usr/bin/gilcheck", "/usr/share/gilcheck/rules/GIL101.yaml",
                  "/usr/share/gilcheck/rules/atomicity.yaml", "/usr/share/gilcheck/pyodide_run.mjs",
                  "/usr/share/man/man1/gilcheck.1", "/usr/share/doc/gilcheck/README.md",
                  "/usr/share/doc/gilcheck/docs/ci.md"):
            self.assertIn(f, files)
        self.assertEqual(shutil.which("gilcheck", path=SYSTEM_PATH), "/usr/bin/gilcheck")
        rc, out, err = self.gilcheck("--version")
        self.assertEqual((rc, out), (0, "gilcheck %s\n" % VERSION), err)

    def test_check_finds_the_race(self):
        rc, out, err = self.gilcheck("check", "--no-cache", "--format", "concise", "racy.py")
        self.assertEqual(rc, 1, err)
        self.assertRegex(out, r"^racy\.py:8:5: GIL101 ")
        rc, out, err = self.gilcheck("check", "--no-cache", self.racy)
        self.assertEqual(rc, 1, err)
        self.assertIn("Found 1 finding in 1 file (1 file checked).", out)

    def test_rule(self):
        rc, out, err = self.gilcheck("rule", "GIL101")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("GIL101 rmw-global (warning)"), out)

    def test_explain(self):
        rc, out, err = self.gilcheck("explain", "-c", "count += 1", "--global", "count",
                                     "--format", "json")
        self.assertEqual(rc, 1, err)
        doc = json.loads(out)
        self.assertEqual((doc["verdict"], doc["rule"]), ("not-atomic", "GIL101"), out[:400])

    def test_lsp_session(self):
        rc, diags, init, err = install_lib.lsp_diagnostics(["gilcheck", "lsp"], self.work,
                                                           self.racy, env=self.env)
        self.assertEqual(rc, 0, err)
        self.assertTrue(init and "capabilities" in init, init)
        self.assertEqual([d.get("code") for d in diags or []], ["GIL101"], (diags, err))

    def test_man_page(self):
        if not shutil.which("man"):
            self.skipTest("man is not installed")
        rc, out, err = run(["man", "-w", "gilcheck"], cwd=self.work, env=self.env)
        self.assertEqual((rc, out.strip()), (0, "/usr/share/man/man1/gilcheck.1"), err)

    def test_explain_on_314_with_pyodide_beside_the_runner(self):
        # what `npm install --prefix /usr/share/gilcheck pyodide` gives: node_modules beside the
        # installed runner; copied from tools/node, as this machine reaches no registry here
        pyodide = os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")
        if not shutil.which("node", path=SYSTEM_PATH) or not os.path.isdir(pyodide):
            self.skipTest("node or tools/node/node_modules/pyodide is missing")
        dest = "/usr/share/gilcheck/node_modules"
        self.assertFalse(os.path.exists(dest))
        shutil.copytree(pyodide, os.path.join(dest, "pyodide"))
        try:
            rc, out, err = self.gilcheck("explain", "-c", "count += 1", "--global", "count",
                                         "--python-version", "3.14", "--format", "json")
            self.assertEqual(rc, 1, out + err)
            self.assertEqual(json.loads(out)["python"], "3.14", out[:400])
        finally:
            shutil.rmtree(dest)


class Purged(unittest.TestCase):
    """Runs after DebianPackage (unittest orders classes by name): nothing is left behind."""

    def test_nothing_left(self):
        self.assertFalse(dpkg_installed("gilcheck"))
        for p in ("/usr/bin/gilcheck", "/usr/share/gilcheck", "/usr/share/doc/gilcheck",
                  "/usr/share/man/man1/gilcheck.1"):
            self.assertFalse(os.path.lexists(p), p)


if __name__ == "__main__":
    if os.geteuid() != 0 or not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        print("SKIP: needs root, apt-get and dpkg")
        sys.exit(77)
    if not install_lib.is_git_tree():
        print("SKIP: %s is not a git work tree" % ROOT)
        sys.exit(77)
    if dpkg_installed("gilcheck"):
        print("SKIP: a gilcheck package is installed on this machine; the test does not replace it")
        sys.exit(77)
    unittest.main(verbosity=2)
