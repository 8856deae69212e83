"""How `gilcheck check` writes and selects paths: every output format names files without a
leading "./" however the input was spelled (GitHub attaches annotations only to paths as the pull
request names them), and `--force-exclude` applies the configured and default excludes to files
named on the command line (pre-commit names every file), including their parent directories.

usage: python3 tests/cli/test_paths.py PATH/TO/gilcheck
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from racy import RACY  # tests/cli/racy.py

GILCHECK = None


def run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    p = subprocess.run([GILCHECK, "check", "--no-cache"] + list(args), cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Paths(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)
        write(os.path.join(self.dir, "src", "app", "racy.py"), RACY)

    def tearDown(self):
        self.tmp.cleanup()

    def paths_of(self, fmt, out):
        """Every path a report in format fmt names for the racy file."""
        if fmt == "concise":
            return [l.split(":")[0] for l in out.splitlines()]
        if fmt == "full":
            return re.findall(r"^([^:\s]+):\d+:\d+: GIL", out, re.M) + \
                re.findall(r"= read at ([^:\s]+):\d+", out)
        if fmt == "json":
            return [f["path"] for f in json.loads(out)]
        if fmt == "sarif":
            return re.findall(r'"uri":"([^"]*racy[^"]*)"', out)
        if fmt == "github":
            return re.findall(r"file=([^,]+),", out)
        if fmt == "html":
            return re.findall(r"[\w./-]*racy\.py", out)
        raise AssertionError(fmt)

    def test_no_leading_dot_slash_in_any_format(self):
        for spelling in (".", "./", "./src", "src/", ".//src/./app", "./src/app/racy.py",
                         "src//app/racy.py"):
            for fmt in ("full", "concise", "json", "sarif", "github", "html"):
                with self.subTest(path=spelling, format=fmt):
                    rc, out, err = run("--format", fmt, spelling, cwd=self.dir)
                    self.assertEqual(rc, 1, err)
                    paths = self.paths_of(fmt, out)
                    self.assertTrue(paths, out)
                    for p in paths:
                        self.assertEqual(p, "src/app/racy.py", out)

    def test_unreadable_input_is_named_without_dot_slash(self):
        rc, out, err = run("--format", "github", "./src/missing.py", cwd=self.dir)
        self.assertEqual(rc, 2, err)
        self.assertIn("file=src/missing.py", out)
        self.assertNotIn("./src", out + err)

    def test_absolute_paths_stay_absolute(self):
        path = os.path.join(self.dir, "src", "app", "racy.py")
        rc, out, err = run("--format", "concise", path, cwd="/")
        self.assertEqual(rc, 1, err)
        self.assertTrue(out.startswith(path + ":8:5: GIL101"), out)


class ForceExclude(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)
        for rel in ("src/racy.py", "generated/racy.py", "build/lib/racy.py", "vendor/x/racy.py"):
            write(os.path.join(self.dir, rel), RACY + "# %s\n" % rel)    # not copies
        write(os.path.join(self.dir, "pyproject.toml"),
              '[tool.gilcheck]\nextend-exclude = ["generated", "vendor/x"]\n')
        self.files = ["src/racy.py", "generated/racy.py", "build/lib/racy.py", "vendor/x/racy.py"]

    def tearDown(self):
        self.tmp.cleanup()

    def reported(self, out):
        return sorted(set(l.split(":")[0] for l in out.splitlines()))

    def test_named_files_are_analysed_without_it(self):
        rc, out, err = run("--format", "concise", *self.files, cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.reported(out), sorted(self.files))

    def test_excludes_apply_to_named_files_and_their_directories(self):
        # "generated" by name (extend-exclude), "build" by the default excludes (a parent
        # directory), "vendor/x" by its path relative to the configuration's directory
        rc, out, err = run("--format", "concise", "--force-exclude", *self.files, cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.reported(out), ["src/racy.py"])

    def test_from_a_subdirectory_paths_are_relative_to_the_configuration(self):
        rc, out, err = run("--format", "concise", "--force-exclude", "../generated/racy.py",
                           "racy.py", cwd=os.path.join(self.dir, "src"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.reported(out), ["racy.py"])

    def test_command_line_excludes_and_no_force_exclude(self):
        rc, out, err = run("--format", "concise", "--force-exclude", "--extend-exclude", "src",
                           "src/racy.py", "generated/racy.py", cwd=self.dir)
        self.assertEqual((rc, out), (0, ""), err)
        rc, out, err = run("--format", "concise", "--force-exclude", "--no-force-exclude",
                           "generated/racy.py", cwd=self.dir)
        self.assertEqual(self.reported(out), ["generated/racy.py"])

    def test_an_excluded_directory_named_on_the_command_line(self):
        rc, out, err = run("--format", "concise", "--force-exclude", "generated", "src",
                           cwd=self.dir)
        self.assertEqual(self.reported(out), ["src/racy.py"])

    def test_directories_above_the_project_do_not_count(self):
        # a project that lives under a directory called "build" is not excluded by it
        proj = os.path.join(self.dir, "build", "proj")
        write(os.path.join(proj, "racy.py"), RACY)
        rc, out, err = run("--format", "concise", "--force-exclude", "--isolated", "racy.py",
                           cwd=proj)
        self.assertEqual(self.reported(out), ["racy.py"])


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
