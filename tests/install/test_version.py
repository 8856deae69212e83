"""One version number in one place: VERSION holds it; CMake (and so `gilcheck --version`, the
man page and the .deb) and setup.py read it; no source file repeats it; CHANGELOG.md has its
entry with a date; every pinned reference in the docs and the action (`@vX.Y.Z`, `rev: vX.Y.Z`,
`--branch vX.Y.Z`, `gilcheck_X.Y.Z_amd64.deb`) names it; every release tag has a changelog entry
and a tag on the current commit is this version.

usage: python3 tests/install/test_version.py PATH/TO/gilcheck
"""
import glob
import os
import re
import subprocess
import sys
import unittest

from install_lib import ROOT, VERSION, run

GILCHECK = None
PIN_RES = (r"gilcheck/gilcheck@v([\w.]+)", r"\brev: v?([\w.]+)", r"--branch v([\w.]+)",
           r"gilcheck_([\d.]+)_\w+\.deb", r"gilcheck-(\d[\d.]*\d)-debian")


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def git(*args):
    p = subprocess.run(["git"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, universal_newlines=True)
    return p.stdout if p.returncode == 0 else ""


class Version(unittest.TestCase):
    def test_version_file(self):
        self.assertRegex(read("VERSION"), r"^\d+\.\d+\.\d+\n$")

    def test_binary_says_it(self):
        rc, out, err = run([GILCHECK, "--version"], cwd="/")
        self.assertEqual((rc, out), (0, "gilcheck %s\n" % VERSION), err)

    def test_build_files_read_it(self):
        cmake = read("CMakeLists.txt")
        self.assertIn('file(STRINGS "${CMAKE_CURRENT_SOURCE_DIR}/VERSION"', cmake)
        self.assertRegex(cmake, r"project\(gilcheck VERSION \$\{GILCHECK_VERSION_TEXT\}")
        self.assertRegex(read("pyproject.toml"), r'(?m)^version = \{ file = "VERSION" \}$')
        self.assertRegex(read("pyproject.toml"), r'(?m)^dynamic = \["version"\]$')

    def test_no_source_file_repeats_it(self):
        literal = re.compile(r"(?<![\d.])%s(?![\d.])" % re.escape(VERSION))
        files = ["CMakeLists.txt", "setup.py", "pyproject.toml", ".pre-commit-hooks.yaml"]
        for pattern in ("analyzer/**/*.[ch]", "python/**/*.py", "tools/*.py", "tools/*.sh",
                        "tests/CMakeLists.txt"):
            files += [os.path.relpath(f, ROOT)
                      for f in glob.glob(os.path.join(ROOT, pattern), recursive=True)]
        for rel in files:
            self.assertIsNone(literal.search(read(rel)), rel)

    def test_changelog_entry(self):
        log = read("CHANGELOG.md")
        headings = re.findall(r"(?m)^## \[([^\]]+)\](.*)$", log)
        self.assertEqual(headings[0][0], "Unreleased")
        self.assertEqual(headings[1][0], VERSION)
        self.assertRegex(headings[1][1], r"^ - \d{4}-\d\d-\d\d$")

    def test_pins_name_this_version(self):
        files = ["README.md", "action.yml"] + [os.path.relpath(f, ROOT) for f in
                                               glob.glob(os.path.join(ROOT, "docs", "*.md"))]
        seen = 0
        for rel in files:
            text = read(rel)
            for pattern in PIN_RES:
                for m in re.finditer(pattern, text):
                    if m.group(1) == "X.Y.Z":       # docs/releasing.md's placeholder
                        continue
                    self.assertEqual(m.group(1), VERSION, "%s: %s" % (rel, m.group(0)))
                    seen += 1
            self.assertNotRegex(text, r"gilcheck/gilcheck@main|rev: main", rel)
        self.assertGreaterEqual(seen, 6)

    def test_release_tags(self):
        log = read("CHANGELOG.md")
        for tag in git("tag", "--list", "v*").split():
            self.assertIn("## [%s]" % tag[1:], log, "tag %s has no changelog entry" % tag)
        for tag in git("tag", "--points-at", "HEAD", "--list", "v*").split():
            self.assertEqual(tag, "v" + VERSION)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
