"""The pre-commit hook of .pre-commit-hooks.yaml, run by pre-commit itself (`pre-commit try-repo`)
on a machine where gilcheck is not on PATH: the hook is `language: python`, so pre-commit
installs gilcheck into a virtual environment of its own (`pip install .`, CMake building the
binary) and runs that.  Offline, pip takes setuptools and wheel for the isolated build from a
local wheelhouse: PIP_NO_INDEX=1 PIP_FIND_LINKS=/usr/share/python-wheels (Debian's
python3-setuptools-whl and python3-wheel-whl) -- what docs/install.md tells offline users.

Checked: racy staged files fail the hook with their findings, all in one gilcheck run with one
summary (require_serial), leaving out a file under a configured exclude (--force-exclude); a clean
file and an excluded racy one pass.

usage: python3 tests/install/test_precommit.py
Exits 77 (skipped) when pre-commit or git is missing, outside a git work tree, when the
wheelhouse lacks setuptools or wheel, or when gilcheck is installed in a directory of PATH that
cannot be left out (such as /usr/bin, next to git and the compiler).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import install_lib
from install_lib import RACY

WHEELHOUSE = "/usr/share/python-wheels"


def path_without_gilcheck():
    """PATH less every directory that holds a gilcheck; None when that would drop what the
    build needs."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    kept = [d for d in dirs if not os.path.exists(os.path.join(d, "gilcheck"))]
    path = os.pathsep.join(kept)
    for tool in ("git", "cmake", "cc", "pre-commit", "python3"):
        if not shutil.which(tool, path=path):
            return None
    return path


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "-c", "commit.gpgsign=false"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class PreCommit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        # the hook repository: this tree as a clean clone would have it, committed, so every
        # try-repo below names the same revision and reuses one installed environment
        cls.hook_repo = install_lib.copy_source(os.path.join(cls.tmp.name, "hook-repo"))
        git("init", "-q", ".", cwd=cls.hook_repo)
        git("add", "-A", cwd=cls.hook_repo)
        git("commit", "-q", "-m", "snapshot", cwd=cls.hook_repo)
        cls.home = os.path.join(cls.tmp.name, "pre-commit-home")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "GILCHECK_")) and k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(PRE_COMMIT_HOME=cls.home, PATH=path_without_gilcheck(),
                   PIP_NO_INDEX="1", PIP_FIND_LINKS=WHEELHOUSE, PIP_CONFIG_FILE=os.devnull,
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        cls.env = env

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def repo(self, files):
        """A git repository with these files staged; returns its path."""
        path = tempfile.mkdtemp(dir=self.tmp.name)
        git("init", "-q", ".", cwd=path)
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(path, name)), exist_ok=True)
            with open(os.path.join(path, name), "w") as f:
                f.write(text)
        git("add", ".", cwd=path)
        return path

    def try_repo(self, repo, *files):
        p = subprocess.run(["pre-commit", "try-repo", self.hook_repo, "gilcheck", "--color",
                            "never", "--files"] + list(files), cwd=repo, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=1200)
        return p.returncode, p.stdout

    # try-repo installs the hook into a fresh store each time (a CMake build): two runs only
    def test_racy_files_fail_the_hook_in_one_run_excludes_applied(self):
        self.assertIsNone(shutil.which("gilcheck", path=self.env["PATH"]))
        files = {"m%02d.py" % i: RACY for i in range(24)}
        files.update({"racy.py": RACY, "ok.py": "x = 1\n", "generated/racy.py": RACY,
                      "pyproject.toml": '[tool.gilcheck]\nextend-exclude = ["generated"]\n'})
        rc, out = self.try_repo(self.repo(files), *sorted(f for f in files if f.endswith(".py")))
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"gilcheck\.+Failed")
        self.assertIn("racy.py:8:5: GIL101 ", out)
        self.assertNotIn("generated/", out)                  # --force-exclude
        # one gilcheck run with one summary: without require_serial pre-commit splits the
        # files over one run per CPU
        self.assertEqual(out.count("Found "), 1, out)
        self.assertIn("Found 25 findings in 25 files (26 files checked).", out)

    def test_clean_and_excluded_files_pass(self):
        self.assertIsNone(shutil.which("gilcheck", path=self.env["PATH"]))
        repo = self.repo({"ok.py": "x = 1\n", "generated/racy.py": RACY,
                          "pyproject.toml": '[tool.gilcheck]\nextend-exclude = ["generated"]\n'})
        rc, out = self.try_repo(repo, "ok.py", "generated/racy.py")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"gilcheck\.+Passed")

    def test_hook_definition(self):
        import yaml     # python3-yaml (tools/deps.sh)
        with open(os.path.join(install_lib.ROOT, ".pre-commit-hooks.yaml")) as f:
            hooks = yaml.safe_load(f)
        self.assertEqual(len(hooks), 1)
        h = hooks[0]
        self.assertEqual((h["id"], h["language"], h["require_serial"]), ("gilcheck", "python", True))
        self.assertEqual(h["entry"].split(), ["gilcheck", "check", "--force-exclude"])


if __name__ == "__main__":
    if not shutil.which("pre-commit") or not shutil.which("git"):
        print("SKIP: pre-commit or git is not installed")
        sys.exit(77)
    if not install_lib.is_git_tree():
        print("SKIP: %s is not a git work tree" % install_lib.ROOT)
        sys.exit(77)
    if not glob.glob(os.path.join(WHEELHOUSE, "setuptools-*.whl")) or \
            not glob.glob(os.path.join(WHEELHOUSE, "wheel-*.whl")):
        print("SKIP: %s lacks setuptools or wheel" % WHEELHOUSE)
        sys.exit(77)
    if path_without_gilcheck() is None:
        print("SKIP: gilcheck is installed beside git and the compiler (%s); the test needs a "
              "machine where it is not on PATH" % shutil.which("gilcheck"))
        sys.exit(77)
    unittest.main(verbosity=2)
