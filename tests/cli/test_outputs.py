"""End-to-end tests of `gilcheck check`'s outputs: the github format, --statistics, --exit-zero,
-o, colour (NO_COLOR, FORCE_COLOR, --color, a real terminal), the closing summary line, and
GIL000's examples from rules/GIL000.yaml compiled from source.

usage: python3 tests/cli/test_outputs.py PATH/TO/gilcheck
"""
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import unittest

GILCHECK = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RACY = """import threading

count = 0
lock = threading.Lock()
stats = {}


def work(k):
    global count
    count += 1
    with lock:
        stats[k] = stats.get(k, 0) + 1


def other(k):
    stats[k] = 2


for k in range(2):
    threading.Thread(target=work, args=(k,)).start()
threading.Thread(target=other, args=(0,)).start()
"""

COLOR_ENV = ("NO_COLOR", "FORCE_COLOR")


def run(*args, env=None, cwd=None):
    e = {k: v for k, v in os.environ.items() if k not in COLOR_ENV}
    e.update(env or {})
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120, env=e, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def run_tty(*args, env=None):
    """Runs gilcheck with stdout on a pseudo-terminal; returns (exit code, output)."""
    master, slave = pty.openpty()
    e = {k: v for k, v in os.environ.items() if k not in COLOR_ENV}
    e.update(env or {})
    p = subprocess.Popen([GILCHECK] + list(args), stdout=slave, stderr=subprocess.DEVNULL, env=e)
    os.close(slave)
    chunks = []
    while True:
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            break
        try:
            data = os.read(master, 65536)
        except OSError:     # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


class Outputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.racy = self.write("racy.py", RACY)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def concise(self, *paths):
        rc, out, err = run("check", "--scope", "all", "--format", "concise", *paths)
        return [l for l in out.splitlines() if l]

    # --- github ---------------------------------------------------------------------------

    def test_github_annotations(self):
        rc, out, err = run("check", "--scope", "all", "--format", "github", self.racy)
        self.assertEqual(rc, 1, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), len(self.concise(self.racy)))
        want = "::warning file=%s,line=10,col=5,endLine=10,endColumn=10,title=GIL101 rmw-global::" \
               % self.racy
        self.assertTrue(any(l.startswith(want) for l in lines), out)
        for l in lines:
            self.assertRegex(l, r"^::(warning|error|notice) file=[^,]+,line=\d+,col=\d+,"
                                r"endLine=\d+,endColumn=\d+,title=GIL\d{3} [a-z-]+::\S")
        # GIL301 is an error in its YAML: ::error
        self.assertTrue(any(l.startswith("::error ") and "title=GIL301 " in l for l in lines), out)

    def test_github_escapes_properties_and_data(self):
        odd = self.write("a,b:c%d.py", RACY)
        rc, out, err = run("check", "--scope", "all", "--format", "github", odd)
        self.assertEqual(rc, 1, err)
        self.assertIn("file=%s/a%%2Cb%%3Ac%%25d.py,line=" % self.dir.replace(":", "%3A"), out)
        # ':' stays as it is in the message (data), and ',' too
        self.assertRegex(out, r"::read-modify-write of global 'count' is not atomic: another")

    def test_github_errors_are_annotations_too(self):
        missing = os.path.join(self.dir, "missing.py")
        rc, out, err = run("check", "--format", "github", missing, self.racy)
        self.assertEqual(rc, 2)
        self.assertIn("::error file=%s,title=gilcheck error::cannot open" % missing, out)
        self.assertIn("missing.py", err)

    def test_github_columns_count_characters(self):
        path = self.write("u.py", "count = 0\n\n\ndef f():\n    global count\n"
                                  "    s = \"\u00e9\u540d\"; count += 1\n")
        rc, out, err = run("check", "--scope", "all", "--format", "github", path)
        self.assertEqual(rc, 1, err)
        # bytes: count starts at 18 (é is 2 bytes, 名 3); characters: 15
        self.assertIn(",line=6,col=15,endLine=6,endColumn=20,", out)
        self.assertIn("%s:6:18: GIL101" % path, "\n".join(self.concise(path)))

    # --- statistics, exit codes, -o ---------------------------------------------------------

    def test_statistics_counts_per_rule(self):
        findings = self.concise(self.racy, os.path.join(ROOT, "corpus"))
        want = {}
        for l in findings:
            code = re.search(r": (GIL\d{3}) ", l).group(1)
            want[code] = want.get(code, 0) + 1
        rc, out, err = run("check", "--scope", "all", "--statistics", self.racy,
                           os.path.join(ROOT, "corpus"))
        self.assertEqual(rc, 1, err)
        got, counts = {}, []
        for l in out.splitlines():
            m = re.match(r"^\s+(\d+)  (GIL\d{3})\s+ ([a-z-]+)$", l)
            self.assertTrue(m, l)
            got[m.group(2)] = int(m.group(1))
            counts.append(int(m.group(1)))
        self.assertEqual(got, want)
        self.assertEqual(counts, sorted(counts, reverse=True))
        rc, out, err = run("check", "--scope", "all", "--statistics", "--format", "json",
                           self.racy)
        rows = json.loads(out)
        self.assertEqual({r["code"]: r["count"] for r in rows}, {"GIL101": 1, "GIL301": 1})
        self.assertEqual({r["code"]: r["name"] for r in rows},
                         {"GIL101": "rmw-global", "GIL301": "lock-inconsistent"})
        self.assertEqual(run("check", "--statistics", "--format", "sarif", self.racy)[0], 2)

    def test_exit_zero(self):
        self.assertEqual(run("check", "--scope", "all", self.racy)[0], 1)
        rc, out, err = run("check", "--scope", "all", "--exit-zero", self.racy)
        self.assertEqual(rc, 0, err)
        self.assertIn("GIL101", out)
        # errors are not findings: still 2
        missing = os.path.join(self.dir, "missing.py")
        self.assertEqual(run("check", "--exit-zero", missing, self.racy)[0], 2)

    def test_output_file(self):
        target = os.path.join(self.dir, "report.txt")
        rc, out, err = run("check", "--scope", "all", "--format", "concise", "-o", target,
                           self.racy)
        self.assertEqual((rc, out), (1, ""), err)
        with open(target) as f:
            self.assertEqual(f.read(), run("check", "--scope", "all", "--format", "concise",
                                           self.racy)[1])
        rc, out, err = run("check", "--scope", "all", "--output-file=" + target, "--format=json",
                           self.racy)
        with open(target) as f:
            self.assertEqual(len(json.load(f)), 2)
        rc, out, err = run("check", "-o", os.path.join(self.dir, "no", "such", "dir.txt"),
                           self.racy)
        self.assertEqual(rc, 2)
        self.assertIn("cannot open for writing", err)
        self.assertEqual(run("check", "-o")[0], 2)
        self.assertEqual(run("check", "--format", "xml", self.racy)[0], 2)

    # --- summary line and colour ------------------------------------------------------------

    def test_summary_line(self):
        other = self.write("b/racy2.py", RACY + "# not a copy\n")
        rc, out, _ = run("check", "--scope", "all", self.racy, other)
        self.assertTrue(out.endswith("\nFound 4 findings in 2 files (2 files checked).\n"),
                        out[-200:])
        one = self.write("one.py", "count = 0\n\n\ndef f():\n    global count\n    count += 1\n")
        rc, out, _ = run("check", "--scope", "all", one)
        self.assertTrue(out.endswith("\nFound 1 finding in 1 file (1 file checked).\n"), out)
        clean = self.write("clean.py", "x = 1\n")
        self.assertEqual(run("check", clean), (0, "All clear: 1 file checked.\n", ""))
        # an input that failed is not "all clear"
        missing = os.path.join(self.dir, "missing.py")
        self.assertEqual(run("check", clean, missing)[:2],
                         (2, "No findings in 2 files checked; 1 error.\n"))
        rc, out, _ = run("check", "--scope", "all", self.racy, missing)
        self.assertTrue(out.endswith("\nFound 2 findings in 1 file (2 files checked); 1 error.\n"),
                        out[-200:])
        # machine formats carry no summary
        self.assertEqual(run("check", "--format", "concise", clean)[1], "")
        for fmt in ("concise", "github"):
            out = run("check", "--scope", "all", "--format", fmt, self.racy)[1]
            self.assertNotIn("Found", out)
        self.assertEqual(run("check", "--format", "json", clean)[1], "[]\n")

    def test_colour_only_when_asked_or_on_a_terminal(self):
        args = ("check", "--scope", "all", "--format", "concise", self.racy)
        esc = "\x1b["
        self.assertNotIn(esc, run(*args)[1])                       # a pipe: no colour
        self.assertIn(esc, run(*args, env={"FORCE_COLOR": "1"})[1])
        self.assertNotIn(esc, run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1])
        self.assertIn(esc, run("check", "--color", "always", *args[1:])[1])
        self.assertIn(esc, run("check", "--color=always", *args[1:], env={"NO_COLOR": "1"})[1])
        self.assertNotIn(esc, run("check", "--color", "never", *args[1:],
                                  env={"FORCE_COLOR": "1"})[1])
        self.assertEqual(run("check", "--color", "sometimes", self.racy)[0], 2)
        # colour never reaches the machine formats
        self.assertNotIn(esc, run("check", "--color", "always", "--format", "json", self.racy)[1])
        self.assertNotIn(esc, run("check", "--color", "always", "--format", "github",
                                  self.racy)[1])
        # stripped of colour, the text is the plain text
        plain = re.sub(r"\x1b\[[0-9;]*m", "", run("check", "--color", "always", *args[1:])[1])
        self.assertEqual(plain, run(*args)[1])
        full = run("check", "--scope", "all", "--color", "always", self.racy)[1]
        self.assertEqual(re.sub(r"\x1b\[[0-9;]*m", "", full),
                         run("check", "--scope", "all", self.racy)[1])

    def test_colour_on_a_terminal(self):
        args = ("check", "--scope", "all", "--format", "concise", self.racy)
        esc = "\x1b["
        try:
            for fd in os.openpty():
                os.close(fd)
        except OSError as e:
            self.skipTest("no pseudo-terminal here: %s" % e)
        # a terminal: colour, unless NO_COLOR is set (an empty NO_COLOR does not count)
        rc, out = run_tty(*args)
        self.assertEqual(rc, 1)
        self.assertIn(esc + "1;31mGIL101" + esc + "0m", out)
        self.assertNotIn(esc, run_tty(*args, env={"NO_COLOR": "1"})[1])
        self.assertIn(esc, run_tty(*args, env={"NO_COLOR": ""})[1])
        # -o writes a file, never a terminal: no colour even when stdout is one
        target = os.path.join(self.dir, "r.txt")
        self.assertEqual(run_tty("check", "-o", target, *args[1:])[0], 1)
        with open(target) as f:
            self.assertNotIn(esc, f.read())


class Copies(unittest.TestCase):
    """A file vendored into several packages: one finding, at the first copy, naming the rest."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.paths = {}
        for pkg, tail in (("one", ""), ("two", ""), ("three", "  # noqa"), ("four", "")):
            os.makedirs(os.path.join(self.tmp.name, pkg))
            open(os.path.join(self.tmp.name, pkg, "__init__.py"), "w").close()
            text = RACY.replace("    count += 1\n", "    count += 1%s\n" % tail)
            if pkg == "four":
                text += "# not a copy: one more line\n"
            self.paths[pkg] = os.path.join(self.tmp.name, pkg, "shared.py")
            with open(self.paths[pkg], "w") as f:
                f.write(text)

    def tearDown(self):
        self.tmp.cleanup()

    def test_identical_copies_fold_into_the_first(self):
        for jobs in ("1", "2"):
            rc, out, err = run("check", "--no-cache", "--jobs", jobs, "--format", "json",
                               self.tmp.name)
            self.assertEqual(rc, 1, err)
            rows = [(os.path.relpath(f["path"], self.tmp.name), f["rule"], f["copies"])
                    for f in json.loads(out) if f["rule"] == "GIL101"]
            # "three" has its own `# noqa`, "four" is not byte-identical: neither is folded
            self.assertEqual(sorted(rows), [("four/shared.py", "GIL101", []),
                                           ("one/shared.py", "GIL101", [self.paths["two"]])],
                             jobs)
        rc, out, err = run("check", "--no-cache", self.tmp.name)
        self.assertIn("= also in 1 identical copy of this file: " + self.paths["two"],
                      out.replace("\n         ", " "))
        rc, out, err = run("check", "--no-cache", "--format", "concise", self.tmp.name)
        self.assertEqual(sorted(l.split(":")[0] for l in out.splitlines() if " GIL101 " in l),
                         [self.paths["four"], self.paths["one"]])

    def test_sarif_names_the_copies(self):
        rc, out, err = run("check", "--no-cache", "--format", "sarif", self.tmp.name)
        self.assertEqual(rc, 1, err)
        results = json.loads(out)["runs"][0]["results"]
        folded = [r for r in results if r["ruleId"] == "GIL101" and
                  r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  .endswith("one/shared.py")]
        self.assertEqual(len(folded), 1)
        copies = [l for l in folded[0]["relatedLocations"]
                  if l["message"]["text"].startswith("The same finding in an identical copy")]
        self.assertEqual(len(copies), 1)
        loc = copies[0]["physicalLocation"]
        self.assertTrue(loc["artifactLocation"]["uri"].endswith("two/shared.py"), loc)
        self.assertEqual(loc["region"]["startLine"],
                         folded[0]["locations"][0]["physicalLocation"]["region"]["startLine"])
        ids = [l["id"] for l in folded[0]["relatedLocations"]]
        self.assertEqual(len(ids), len(set(ids)))

    def test_add_noqa_marks_every_copy(self):
        rc, out, err = run("check", "--no-cache", "--select", "GIL101", "--add-noqa",
                           self.tmp.name)
        self.assertEqual(rc, 0, err)
        for pkg in ("one", "two", "four"):
            with open(self.paths[pkg]) as f:
                self.assertIn("count += 1  # noqa: GIL101", f.read(), pkg)


class SyntaxRule(unittest.TestCase):
    """GIL000 has no bytecode, so the corpus runner leaves its examples to this test."""

    def test_gil000_examples_from_source(self):
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        sys.dont_write_bytecode = True
        try:
            import gen_rule_docs
        finally:
            sys.path.pop(0)
        rule = gen_rule_docs.load_yaml(os.path.join(ROOT, "rules", "GIL000.yaml"))
        self.assertEqual(rule["detector"]["kind"], "syntax")
        with tempfile.TemporaryDirectory() as tmp:
            for kind in ("unsafe", "safe"):
                for n, code in enumerate(rule["examples"][kind], 1):
                    path = os.path.join(tmp, "%s_%d.py" % (kind, n))
                    with open(path, "w") as f:
                        f.write(code)
                    rc, out, err = run("check", "--scope", "all", "--format", "concise", path)
                    want = [i for i, l in enumerate(code.split("\n"), 1)
                            if re.search(r"#\s*expect:\s*GIL000", l)]
                    got = [int(l.split(":")[1]) for l in out.splitlines() if " GIL000 " in l]
                    self.assertEqual(got, want, (kind, n, out, err))
                    self.assertEqual(rc, 1 if want else 0)
        rc, out, err = run("rule", "GIL000")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("GIL000 syntax-error (error)\n"), out[:100])


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
