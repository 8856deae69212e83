"""The pre-commit hook of .pre-commit-hooks.yaml run by pre-commit itself (`pre-commit try-repo`
on this repository, with the built gilcheck first on PATH): a racy staged file fails the hook
with its findings, a clean one passes.

usage: python3 tests/cli/test_precommit.py PATH/TO/gilcheck
Exits 77 (skipped) when pre-commit (Debian's package, tools/deps.sh) or git is missing, or the
source tree is not a git work tree.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from racy import RACY  # tests/cli/racy.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GILCHECK = None



def git(*args, cwd):
    subprocess.run(["git"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


class PreCommit(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.repo = os.path.join(self.tmp.name, "repo")
        os.makedirs(self.repo)
        git("init", "-q", ".", cwd=self.repo)
        for name, text in (("racy.py", RACY), ("ok.py", "x = 1\n")):
            with open(os.path.join(self.repo, name), "w") as f:
                f.write(text)
        git("add", ".", cwd=self.repo)
        self.env = dict(os.environ, PRE_COMMIT_HOME=os.path.join(self.tmp.name, "home"),
                        PATH=os.path.dirname(GILCHECK) + os.pathsep + os.environ.get("PATH", ""))
        for k in ("NO_COLOR", "FORCE_COLOR"):
            self.env.pop(k, None)

    def tearDown(self):
        self.tmp.cleanup()

    def try_repo(self, *files):
        p = subprocess.run(["pre-commit", "try-repo", ROOT, "gilcheck", "--color", "never",
                            "--files"] + list(files), cwd=self.repo, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=600)
        return p.returncode, p.stdout

    def test_racy_file_fails_the_hook(self):
        rc, out = self.try_repo("racy.py", "ok.py")
        self.assertEqual(rc, 1, out)
        self.assertIn("gilcheck....", out)
        self.assertIn("racy.py:8:5: GIL101 ", out)
        self.assertIn("Found 1 finding in 1 file (2 files checked).", out)

    def test_clean_file_passes(self):
        rc, out = self.try_repo("ok.py")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"gilcheck\.+Passed")


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    if not shutil.which("pre-commit") or not shutil.which("git"):
        sys.stdout.write("SKIP: pre-commit or git is not installed\n")
        sys.exit(77)
    if subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        sys.stdout.write("SKIP: %s is not a git work tree\n" % ROOT)
        sys.exit(77)
    unittest.main(verbosity=2)
