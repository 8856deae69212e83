"""`pip install .` and `pip wheel .` as a Python user runs them, offline: fresh virtual
environments of pyenv's 3.11 and 3.12, setuptools and wheel from Debian's wheelhouse
(/usr/share/python-wheels: python3-setuptools-whl, python3-wheel-whl), `--no-build-isolation
--no-index`, a copy of the source tree.  3.11 installs straight from the tree; 3.12 builds a wheel,
which is inspected (tag py3-none-<platform>, the binary executable, the rules, the console
command) and installed into another fresh environment that has neither setuptools nor a
compiler's help.  Each installed `gilcheck` (the console command, and `python -m gilcheck`) checks
a racy file from a directory of its own; `pip uninstall` leaves nothing behind.

usage: python3 tests/install/test_pip.py
Exits 77 (skipped) when neither pyenv's 3.11 nor its 3.12 is present, Debian's setuptools and
wheel wheels are missing, or outside a git work tree.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zipfile

import install_lib
from install_lib import VERSION, run

WHEELHOUSE = "/usr/share/python-wheels"


def pyenv_python(minor):
    """pyenv's highest 3.<minor>.P interpreter, or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    try:
        root = subprocess.check_output(["pyenv", "root"], universal_newlines=True,
                                       stderr=subprocess.DEVNULL).strip() or root
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for exe in glob.glob(os.path.join(root, "versions", "3.%d.*" % minor, "bin", "python3")):
        m = re.search(r"/3\.%d\.(\d+)/bin/" % minor, exe)
        if m and os.access(exe, os.X_OK):
            found.append((int(m.group(1)), exe))
    return max(found)[1] if found else None


def pip_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "GILCHECK_")) and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_CONFIG_FILE=os.devnull)
    return env


def venv(python, path, build_tools=True):
    """A fresh virtual environment at path; with setuptools and wheel from the wheelhouse."""
    rc, out, err = run([python, "-m", "venv", path], cwd="/", env=pip_env())
    assert rc == 0, out + err
    if build_tools:
        rc, out, err = run([os.path.join(path, "bin", "python"), "-m", "pip", "install", "-q",
                            "--no-index", "--find-links", WHEELHOUSE, "setuptools", "wheel"],
                           cwd="/", env=pip_env())
        assert rc == 0, out + err
    return os.path.join(path, "bin", "python")


class PipMixin(object):
    def assert_gilcheck_works(self, env_dir):
        work = tempfile.mkdtemp(dir=self.tmp.name)
        racy = install_lib.write_racy(work)
        exe = os.path.join(env_dir, "bin", "gilcheck")
        rc, out, err = run([exe, "check", "--no-cache", "--format", "concise", "racy.py"],
                           cwd=work, env=pip_env())
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"^racy\.py:8:5: GIL101 ")
        rc, out, err = run([os.path.join(env_dir, "bin", "python"), "-m", "gilcheck", "check",
                            "--no-cache", racy], cwd=work, env=pip_env())
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Found 1 finding in 1 file (1 file checked).", out)
        rc, out, err = run([exe, "--version"], cwd=work, env=pip_env())
        self.assertEqual(out, "gilcheck %s\n" % VERSION, err)
        rc, out, err = run([exe, "rule", "GIL202"], cwd=work, env=pip_env())
        self.assertEqual(rc, 0, err)

    def assert_uninstall_leaves_nothing(self, python, env_dir):
        site = subprocess.check_output([python, "-c", "import gilcheck, os; "
                                        "print(os.path.dirname(gilcheck.__file__))"],
                                       cwd="/", env=pip_env(), universal_newlines=True).strip()
        self.assertTrue(os.path.isfile(os.path.join(site, "share", "gilcheck", "rules",
                                                    "atomicity.yaml")))
        rc, out, err = run([python, "-m", "pip", "uninstall", "-y", "gilcheck"], cwd="/",
                           env=pip_env())
        self.assertEqual(rc, 0, out + err)
        self.assertFalse(os.path.exists(site), os.listdir(site) if os.path.exists(site) else "")
        self.assertFalse(os.path.exists(os.path.join(env_dir, "bin", "gilcheck")))


class Pip311Install(PipMixin, unittest.TestCase):
    """pip install --no-build-isolation . in a fresh venv of pyenv's 3.11."""

    def setUp(self):
        self.python = pyenv_python(11)
        if not self.python:
            self.skipTest("pyenv's 3.11 is not installed")
        self.tmp = tempfile.TemporaryDirectory()
        self.src = install_lib.copy_source(os.path.join(self.tmp.name, "src"))

    def tearDown(self):
        self.tmp.cleanup()

    def test_pip_install_dot(self):
        env_dir = os.path.join(self.tmp.name, "venv311")
        py = venv(self.python, env_dir)
        rc, out, err = run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index", "."],
                           cwd=self.src, env=pip_env(), timeout=1200)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("Successfully installed gilcheck-%s" % VERSION, out)
        self.assert_gilcheck_works(env_dir)
        self.assert_uninstall_leaves_nothing(py, env_dir)


class Pip312Wheel(PipMixin, unittest.TestCase):
    """pip wheel --no-build-isolation . with pyenv's 3.12, then the wheel alone installed."""

    def setUp(self):
        self.python = pyenv_python(12)
        if not self.python:
            self.skipTest("pyenv's 3.12 is not installed")
        self.tmp = tempfile.TemporaryDirectory()
        self.src = install_lib.copy_source(os.path.join(self.tmp.name, "src"))

    def tearDown(self):
        self.tmp.cleanup()

    def test_pip_wheel_dot_and_install_the_wheel(self):
        build_py = venv(self.python, os.path.join(self.tmp.name, "build312"))
        wheels = os.path.join(self.tmp.name, "wheels")
        rc, out, err = run([build_py, "-m", "pip", "wheel", "--no-build-isolation", "--no-index",
                            "--no-deps", "-w", wheels, "."], cwd=self.src, env=pip_env(),
                           timeout=1200)
        self.assertEqual(rc, 0, out + err)
        found = os.listdir(wheels)
        self.assertEqual(len(found), 1, found)
        name = found[0]
        self.assertRegex(name, r"^gilcheck-%s-py3-none-linux_[a-z0-9_]+\.whl$" % re.escape(VERSION))
        with zipfile.ZipFile(os.path.join(wheels, name)) as z:
            infos = {i.filename: i for i in z.infolist()}
            self.assertEqual((infos["gilcheck/bin/gilcheck"].external_attr >> 16) & 0o111, 0o111)
            for f in ("gilcheck/__init__.py", "gilcheck/__main__.py",
                      "gilcheck/share/gilcheck/rules/GIL101.yaml",
                      "gilcheck/share/gilcheck/rules/atomicity.yaml",
                      "gilcheck/share/gilcheck/pyodide_run.mjs",
                      "gilcheck/share/man/man1/gilcheck.1"):
                self.assertIn(f, infos)
            dist = "gilcheck-%s.dist-info/" % VERSION
            self.assertIn("Root-Is-Purelib: false", z.read(dist + "WHEEL").decode())
            self.assertRegex(z.read(dist + "entry_points.txt").decode(),
                             r"\[console_scripts\]\s+gilcheck = gilcheck:main")
            self.assertIn("Version: %s" % VERSION, z.read(dist + "METADATA").decode())
        # the wheel alone, in an environment without setuptools
        env_dir = os.path.join(self.tmp.name, "venv312")
        py = venv(self.python, env_dir, build_tools=False)
        rc, out, err = run([py, "-m", "pip", "install", "--no-index", os.path.join(wheels, name)],
                           cwd="/", env=pip_env())
        self.assertEqual(rc, 0, out + err)
        self.assert_gilcheck_works(env_dir)
        self.assert_uninstall_leaves_nothing(py, env_dir)


if __name__ == "__main__":
    if not pyenv_python(11) and not pyenv_python(12):
        print("SKIP: neither pyenv's 3.11 nor its 3.12 is installed")
        sys.exit(77)
    if not glob.glob(os.path.join(WHEELHOUSE, "setuptools-*.whl")) or \
            not glob.glob(os.path.join(WHEELHOUSE, "wheel-*.whl")):
        print("SKIP: %s lacks setuptools or wheel (python3-setuptools-whl, python3-wheel-whl)"
              % WHEELHOUSE)
        sys.exit(77)
    if not install_lib.is_git_tree():
        print("SKIP: not a git work tree")
        sys.exit(77)
    unittest.main(verbosity=2)
