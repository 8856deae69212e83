"""Nothing a repository's configuration says makes gilcheck run a program, and configuration is
only read where the user put it (issue 15, items 1 and 2):

- a project file's `python` (pyproject.toml, gilcheck.toml, .gilcheck.toml) is never run by
  `check` or `explain` -- a warning says it was ignored -- unless --allow-project-python; it is
  honoured from --python, $GILCHECK_PYTHON and the user's own ~/.config/gilcheck/gilcheck.toml;
- discovery stops at the repository's top: a configuration above it is not read;
- a configuration file not owned by the user (or root), or writable by others, is not read (a
  warning), as git's safe.directory -- also the one planted in a world-writable /tmp.

The language server's side (python from the client's settings only) is in
tests/lsp/test_settings.py.

usage: python3 tests/cli/test_trust.py PATH/TO/gilcheck
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from racy import RACY  # noqa: E402  GIL101 at 8:5

GILCHECK = None
NOBODY = 65534


def run(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("GILCHECK_PYTHON", None)
    e["XDG_CONFIG_HOME"] = "/nonexistent-config"
    e.update(env or {})
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300, cwd=cwd, env=e)
    return p.returncode, p.stdout, p.stderr


class Trust(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)
        os.chmod(self.dir, 0o755)
        self.marker = os.path.join(self.dir, "RAN")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def trap(self, name="repo/tools/py"):
        """A 'python' that records that it ran, then behaves as the real one."""
        return self.write(name, "#!/bin/sh\ntouch '%s'\nexec '%s' \"$@\"\n"
                          % (self.marker, sys.executable), 0o755)

    def ran(self):
        return os.path.exists(self.marker)

    # ---- item 1: a project file never names a program to run ----

    def test_project_python_is_never_run(self):
        self.trap()
        self.write("repo/racy.py", RACY)
        repo = os.path.join(self.dir, "repo")
        for name, text in (("pyproject.toml", '[tool.gilcheck]\npython = "./tools/py"\n'),
                           ("gilcheck.toml", 'python = "./tools/py"\n'),
                           (".gilcheck.toml", 'python = "tools/py"\n')):
            with self.subTest(name=name):
                cfg = self.write("repo/" + name, text)
                rc, out, err = run("check", "--no-pycache", "--format", "json", "racy.py",
                                   cwd=repo)
                self.assertFalse(self.ran(), err)
                self.assertEqual(rc, 1, err)
                self.assertIn("%s: python = " % cfg, err)
                self.assertIn("is ignored: a project's configuration cannot name a program to "
                              "run", err)
                found = [r for r in json.loads(out) if r["kind"] == "finding"]
                self.assertEqual([f["python"] for f in found], ["3.11"])   # the embedded one
                rc, out, err = run("explain", "racy.py:8", cwd=repo)
                self.assertFalse(self.ran(), err)
                self.assertEqual(rc, 1, err)
                os.unlink(cfg)

    def test_project_python_with_allow_project_python(self):
        self.trap()
        self.write("repo/racy.py", RACY)
        self.write("repo/pyproject.toml", '[tool.gilcheck]\npython = "./tools/py"\n')
        repo = os.path.join(self.dir, "repo")
        rc, out, err = run("check", "--no-pycache", "--allow-project-python", "--format",
                           "concise", "racy.py", cwd=repo)
        self.assertTrue(self.ran(), err)
        self.assertEqual(rc, 1, err)

    def test_python_from_trusted_places(self):
        trap = self.trap("bin/py")
        self.write("repo/racy.py", RACY)
        repo = os.path.join(self.dir, "repo")
        for how, args, env in (
                ("--python", ["--python", trap], {}),
                ("GILCHECK_PYTHON", [], {"GILCHECK_PYTHON": trap}),
                ("user configuration", [], {"XDG_CONFIG_HOME": os.path.join(self.dir, "cfg")})):
            with self.subTest(how=how):
                self.write("cfg/gilcheck/gilcheck.toml", 'python = "%s"\n' % trap)
                rc, out, err = run("check", "--no-pycache", "--format", "concise", *args,
                                   "racy.py", "--show-settings", cwd=repo, env=env)
                self.assertIn('python = "%s"  # from ' % trap, out, err)
                rc, out, err = run("check", "--no-pycache", "--format", "concise", *args,
                                   "racy.py", cwd=repo, env=env)
                self.assertTrue(self.ran(), (how, err))
                self.assertEqual(rc, 1, err)
                os.unlink(self.marker)

    # ---- item 2: where configuration is read ----

    def test_discovery_stops_at_the_repository_top(self):
        self.write("gilcheck.toml", 'ignore = ["GIL1"]\n')    # above the repository
        self.write("repo/pkg/racy.py", RACY)
        repo = os.path.join(self.dir, "repo")
        subprocess.run(["git", "init", "-q", repo], check=True)
        rc, out, err = run("check", "--format", "concise", "pkg", cwd=repo)
        self.assertEqual(rc, 1, err)
        self.assertIn("pkg/racy.py:8:5: GIL101", out)
        # the repository's own configuration is read, at its top
        self.write("repo/pyproject.toml", '[tool.gilcheck]\nignore = ["GIL101"]\n')
        self.assertEqual(run("check", "--format", "concise", "pkg", cwd=repo)[:2], (0, ""))
        # and outside a repository discovery goes on up
        os.rename(os.path.join(repo, ".git"), os.path.join(repo, "not-git"))
        os.unlink(os.path.join(repo, "pyproject.toml"))
        self.assertEqual(run("check", "--format", "concise", "pkg", cwd=repo)[:2], (0, ""))

    def test_writable_by_others_is_not_read(self):
        self.write("racy.py", RACY)
        cfg = self.write("gilcheck.toml", 'ignore = ["GIL1"]\n', 0o666)
        rc, out, err = run("check", "--format", "concise", "racy.py", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertIn("gilcheck: warning: %s: configuration not read: anyone can write it" % cfg,
                      err)
        os.chmod(cfg, 0o644)
        self.assertEqual(run("check", "racy.py", cwd=self.dir)[0], 0)

    @unittest.skipUnless(os.geteuid() == 0, "only root can give a file to another user")
    def test_another_users_file_is_not_read(self):
        self.write("racy.py", RACY)
        cfg = self.write("pyproject.toml", '[tool.gilcheck]\nignore = ["GIL1"]\n')
        os.chown(cfg, NOBODY, -1)
        rc, out, err = run("check", "--format", "concise", "racy.py", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertIn("configuration not read: it belongs to uid %d, not to you" % NOBODY, err)
        os.chown(cfg, 0, NOBODY)
        os.chmod(cfg, 0o664)              # writable by a group that is not the user's
        rc, out, err = run("check", "--format", "concise", "racy.py", cwd=self.dir)
        self.assertIn("configuration not read: group %d, not yours, can write it" % NOBODY, err)

    @unittest.skipUnless(os.geteuid() == 0, "only root can give a file to another user")
    def test_planted_in_a_world_writable_ancestor(self):
        # another user plants /tmp/gilcheck.toml: nobody running gilcheck below it runs its
        # python or takes its settings
        shared = os.path.join(self.dir, "shared")
        os.makedirs(shared)
        os.chmod(shared, 0o1777)
        self.trap("bin/py")
        planted = self.write("shared/gilcheck.toml", 'python = "%s"\nignore = ["GIL1"]\n'
                             % os.path.join(self.dir, "bin/py"))
        os.chown(planted, NOBODY, NOBODY)
        self.write("shared/work/racy.py", RACY)
        rc, out, err = run("check", "--allow-project-python", "--no-pycache", "--format",
                           "concise", "racy.py", cwd=os.path.join(shared, "work"))
        self.assertFalse(self.ran(), err)
        self.assertEqual(rc, 1, err)
        self.assertIn("racy.py:8:5: GIL101", out)


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
