"""End-to-end tests of configuration and file discovery: [tool.gilcheck] in pyproject.toml and
gilcheck.toml (select, ignore, extend-select, per-file-ignores, exclude, extend-exclude, scope,
lock-names, thread-entry-points, output-format), command-line overrides, errors naming the file
and key, .gitignore, symlink loops and broken links.

usage: python3 tests/cli/test_config.py PATH/TO/gilcheck
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

GILCHECK = None

# One finding of each of three rules, in a function a thread runs.
THREE = """import threading

count = 0
D = {}
L = []


def work(k):
    global count
    count += 1
    D[k] = D[k] + 1
    if k not in D:
        D[k] = 0


for k in range(2):
    threading.Thread(target=work, args=(k,)).start()
"""

# Racy only when `loop` is known to run in a thread, and locked only when `guard` is a lock.
UNKNOWN = """count = 0
guard = make_guard()


def loop():
    global count
    count += 1


def locked():
    global count
    with guard:
        count = count + 1
"""


def run(*args, cwd=None):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def codes(out):
    """The rule codes of concise output, sorted."""
    return sorted(line.split()[1] for line in out.splitlines() if ": GIL" in line)


class Config(unittest.TestCase):
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

    def check(self, *args, cwd=None):
        return run("check", "--format", "concise", *args, cwd=cwd or self.dir)

    def test_without_configuration_every_rule(self):
        self.write("src/a.py", THREE)
        rc, out, err = self.check("src")
        self.assertEqual(rc, 1, err)
        self.assertEqual(codes(out), ["GIL101", "GIL104", "GIL201"])

    def test_select_and_ignore_in_pyproject(self):
        self.write("src/a.py", THREE)
        self.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.gilcheck]\n'
                   'select = ["GIL1", "GIL201"]\nignore = ["GIL104"]\n')
        rc, out, err = self.check("src")
        self.assertEqual(codes(out), ["GIL101", "GIL201"], err)

    def test_most_specific_code_wins(self):
        self.write("src/a.py", THREE)
        self.write("gilcheck.toml", 'select = ["GIL201"]\nignore = ["GIL2"]\n')
        self.assertEqual(codes(self.check("src")[1]), ["GIL201"])

    def test_command_line_overrides_configuration(self):
        self.write("src/a.py", THREE)
        self.write("gilcheck.toml", 'select = ["GIL101"]\n')
        self.assertEqual(codes(self.check("src")[1]), ["GIL101"])
        self.assertEqual(codes(self.check("--select", "GIL104", "src")[1]), ["GIL104"])
        self.assertEqual(codes(self.check("--extend-select", "GIL2", "src")[1]),
                         ["GIL101", "GIL201"])
        self.assertEqual(codes(self.check("--isolated", "--ignore", "GIL1", "src")[1]),
                         ["GIL201"])

    def test_config_found_from_a_subdirectory_and_explicit_config(self):
        self.write("src/pkg/a.py", THREE)
        self.write("pyproject.toml", '[tool.gilcheck]\nignore = ["GIL1"]\n')
        rc, out, err = self.check("a.py", cwd=os.path.join(self.dir, "src/pkg"))
        self.assertEqual(codes(out), ["GIL201"], err)
        other = self.write("other/conf.toml", 'select = ["GIL104"]\n')
        self.assertEqual(codes(self.check("--config", other, "src")[1]), ["GIL104"])

    def test_per_file_ignores(self):
        self.write("src/a.py", THREE)
        self.write("tests/test_a.py", THREE)
        self.write("pyproject.toml", '[tool.gilcheck.per-file-ignores]\n"tests/*" = ["GIL1"]\n'
                   '"a.py" = ["GIL201"]\n')
        rc, out, err = self.check("src", "tests")
        got = sorted((line.split(":")[0], line.split()[1]) for line in out.splitlines()
                     if ": GIL" in line)
        self.assertEqual(got, [("src/a.py", "GIL101"), ("src/a.py", "GIL104"),
                               ("tests/test_a.py", "GIL201")], err)

    def test_exclude_and_extend_exclude(self):
        for name in ("src/a.py", "src/gen/b.py", "build/c.py", "src/old_d.py"):
            self.write(name, THREE)
        files = lambda out: sorted({l.split(":")[0] for l in out.splitlines() if ": GIL" in l})
        self.assertEqual(files(self.check(".")[1]),
                         ["src/a.py", "src/gen/b.py", "src/old_d.py"])
        self.write("gilcheck.toml", 'extend-exclude = ["gen", "old_*"]\n')
        self.assertEqual(files(self.check(".")[1]), ["src/a.py"])
        # exclude replaces the defaults: build/ is searched again
        self.write("gilcheck.toml", 'exclude = ["src"]\n')
        self.assertEqual(files(self.check(".")[1]), ["build/c.py"])
        # a file named on the command line is always analysed
        self.assertEqual(files(self.check("src/old_d.py")[1]), ["src/old_d.py"])
        self.assertEqual(files(self.check("--isolated", "--extend-exclude", "a.py,gen", "src")[1]),
                         ["src/old_d.py"])

    def test_scope_lock_names_and_entry_points(self):
        self.write("m.py", UNKNOWN)
        self.assertEqual(codes(self.check("m.py")[1]), [])
        self.write("gilcheck.toml", 'thread-entry-points = ["loop", "lock*"]\n')
        self.assertEqual(codes(self.check("m.py")[1]), ["GIL101", "GIL101"])
        # with the lock known, locked() is safe, and loop() writes the state a lock protects
        self.write("gilcheck.toml", 'thread-entry-points = ["loop", "lock*"]\n'
                   'lock-names = ["guard"]\n')
        self.assertEqual(codes(self.check("m.py")[1]), ["GIL101"])
        self.write("gilcheck.toml", 'scope = "all"\nlock-names = ["guard"]\n')
        self.assertEqual(codes(self.check("m.py")[1]), ["GIL101"])
        # the command line's scope wins; a module that locks its globals is a hint, not a
        # thread: without an entry point nothing runs loop() in a thread
        self.assertEqual(codes(self.check("--scope", "concurrent", "m.py")[1]), [])
        self.write("gilcheck.toml", 'scope = "all"\n')
        self.assertEqual(codes(self.check("--scope", "concurrent", "m.py")[1]), [])

    def test_output_format_from_configuration(self):
        self.write("a.py", THREE)
        self.write("gilcheck.toml", 'output-format = "json"\n')
        rc, out, err = run("check", "a.py", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertTrue(out.lstrip().startswith("["), out)
        rc, out, err = run("check", "--format", "concise", "a.py", cwd=self.dir)
        self.assertTrue(out.startswith("a.py:"), out)

    def test_invalid_configuration_names_file_and_key(self):
        self.write("a.py", THREE)
        cases = [
            ("gilcheck.toml", 'selct = ["GIL1"]\n', "unknown key 'selct'"),
            ("gilcheck.toml", 'select = "GIL1"\n', "'select': expected a list of rule codes"),
            ("gilcheck.toml", 'select = ["E501"]\n', "not 'E501'"),
            ("gilcheck.toml", 'scope = "everything"\n', "'scope': expected one of \"concurrent\", \"all\""),
            ("gilcheck.toml", 'output-format = "xml"\n', "'output-format': expected one of"),
            ("gilcheck.toml", 'per-file-ignores = ["x"]\n', "'per-file-ignores': expected a table"),
            ("pyproject.toml", '[tool.gilcheck\nselect = []\n', "invalid TOML"),
            ("pyproject.toml", '[tool.gilcheck]\nlock-names = "lock"\n', "'lock-names': expected"),
            ("pyproject.toml", '[tool]\ngilcheck = 3\n', "[tool.gilcheck] must be a table"),
            ("pyproject.toml", b'[tool.gilcheck]\nselect = ["\xff"]\n', "not UTF-8"),
        ]
        for name, text, want in cases:
            with self.subTest(text=text):
                for other in ("gilcheck.toml", "pyproject.toml"):
                    if os.path.exists(os.path.join(self.dir, other)):
                        os.unlink(os.path.join(self.dir, other))
                path = os.path.join(self.dir, name)
                with open(path, "wb") as f:
                    f.write(text if isinstance(text, bytes) else text.encode())
                rc, out, err = self.check("a.py")
                self.assertEqual(rc, 2, out + err)
                self.assertIn(path, err)
                self.assertIn(want, err)
                self.assertEqual(out, "")

    def test_pyproject_without_gilcheck_table_is_skipped(self):
        self.write("src/a.py", THREE)
        self.write("src/pyproject.toml", '[project]\nname = "x"\n')
        self.write("gilcheck.toml", 'select = ["GIL201"]\n')
        self.assertEqual(codes(self.check("a.py", cwd=os.path.join(self.dir, "src"))[1]),
                         ["GIL201"])

    def test_bad_command_line_codes(self):
        rc, out, err = self.check("--select", "GIL1,XYZ", ".")
        self.assertEqual(rc, 2)
        self.assertIn("not 'XYZ'", err)


class Walk(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text=THREE):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if name.endswith(".py") and "import threading" in text:
            text += "\n# %s\n" % name     # not a copy of another file (check folds those)
        with open(path, "w") as f:
            f.write(text)

    def files(self, *args):
        rc, out, err = run("check", "--format", "concise", "--isolated", *args, cwd=self.dir)
        return rc, sorted({l.split(":")[0] for l in out.splitlines() if ": GIL" in l}), err

    @unittest.skipUnless(shutil.which("git"), "git not installed")
    def test_gitignore_in_a_work_tree(self):
        subprocess.run(["git", "init", "-q", self.dir], check=True)
        for name in ("a.py", "gen/b.py", "pkg/c.py", "pkg/d_pb2.py"):
            self.write(name)
        self.write(".gitignore", "gen/\n*_pb2.py\n")
        self.write("pkg/.gitignore", "c.py\n")
        rc, files, err = self.files(".")
        self.assertEqual(files, ["a.py"], err)
        rc, files, err = self.files("--no-respect-gitignore", ".")
        self.assertEqual(files, ["a.py", "gen/b.py", "pkg/c.py", "pkg/d_pb2.py"], err)

    @unittest.skipUnless(shutil.which("git"), "git not installed")
    def test_gitignore_found_from_a_subdirectory_and_a_linked_work_tree(self):
        # the work tree is found above the path given, by its .git directory or, in a linked
        # work tree, its .git file
        repo = os.path.join(self.dir, "repo")
        os.makedirs(repo)
        subprocess.run(["git", "init", "-q", repo], check=True)
        self.write("repo/.gitignore", "*_pb2.py\n")
        for name in ("repo/pkg/c.py", "repo/pkg/d_pb2.py"):
            self.write(name)
        rc, files, err = self.files("repo/pkg")
        self.assertEqual(files, ["repo/pkg/c.py"], err)
        git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "x"], check=True)
        subprocess.run(git + ["worktree", "add", "-q", os.path.join(self.dir, "linked")],
                       check=True)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "linked", ".git")))
        self.write("linked/pkg/e_pb2.py")
        rc, files, err = self.files("linked/pkg")
        self.assertEqual(files, ["linked/pkg/c.py"], err)

    def test_gitignore_outside_a_work_tree_is_not_read(self):
        self.write("a.py")
        self.write("b.py")
        self.write(".gitignore", "b.py\n")
        rc, files, err = self.files(".")
        self.assertEqual(files, ["a.py", "b.py"], err)

    def test_symlink_loop_and_broken_link_are_warnings(self):
        self.write("pkg/a.py")
        os.symlink("..", os.path.join(self.dir, "pkg/up"))
        os.symlink("missing.py", os.path.join(self.dir, "pkg/gone.py"))
        os.makedirs(os.path.join(self.dir, "real"))
        self.write("real/r.py")
        os.symlink(os.path.join(self.dir, "real"), os.path.join(self.dir, "pkg/linked"))
        rc, files, err = self.files("pkg", "--follow-symlinks")
        self.assertEqual(rc, 1, err)
        self.assertEqual(files, ["pkg/a.py", "pkg/linked/r.py"], err)
        self.assertIn("gilcheck: warning: pkg/up: symbolic link loop", err)
        self.assertIn("gilcheck: warning: pkg/gone.py: broken symbolic link", err)
        # without --follow-symlinks, links that leave the paths given are not followed
        rc, files, err = self.files("pkg")
        self.assertEqual(files, ["pkg/a.py"], err)
        self.assertIn("gilcheck: warning: pkg/linked: symbolic link to %s, outside the paths "
                      "being checked: not followed (--follow-symlinks follows it)"
                      % os.path.realpath(os.path.join(self.dir, "real")), err)
        # ... and those that stay inside them are
        # (real/r.py and pkg/linked/r.py are one file: one finding, at the first path)
        rc, files, err = self.files("pkg", "real")
        self.assertEqual(files, ["pkg/a.py", "pkg/linked/r.py"], err)

    @unittest.skipIf(os.geteuid() == 0 and not shutil.which("setpriv"), "needs setpriv as root")
    def test_unreadable_directory_is_an_error_and_the_rest_goes_on(self):
        self.write("ok/a.py")
        self.write("locked/b.py")
        os.chmod(os.path.join(self.dir, "locked"), 0)
        cmd = [GILCHECK, "check", "--format", "concise", "--isolated", "."]
        if os.geteuid() == 0:   # root reads everything: drop to nobody
            os.chmod(self.dir, 0o755)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, cwd=self.dir, timeout=60)
        os.chmod(os.path.join(self.dir, "locked"), 0o755)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("ok/a.py:", p.stdout)
        self.assertIn("gilcheck: error: locked: cannot open directory (Permission denied)",
                      p.stderr)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
