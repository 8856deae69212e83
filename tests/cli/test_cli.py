"""End-to-end tests of the gilcheck binary's command line: exit codes, messages, JSON lines.

usage: python3 tests/cli/test_cli.py PATH/TO/gilcheck
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

GILCHECK = None
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "resources", "fixtures", "pyc")


def run(*args):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_version_and_help(self):
        rc, out, _ = run("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^gilcheck \d+\.\d+\.\d+\n$")
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("dis", out)
        rc, out, _ = run("dis", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--json", out)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run()[0], 2)
        rc, _, err = run("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("unknown command 'frobnicate'", err)
        rc, _, err = run("dis")
        self.assertEqual(rc, 2)
        self.assertIn("no input files", err)
        rc, _, err = run("dis", "--bogus", "x.pyc")
        self.assertEqual(rc, 2)
        self.assertIn("unknown option '--bogus'", err)

    def test_text_disassembly(self):
        rc, out, err = run("dis", os.path.join(FIXTURES, "3.11", "threads.pyc"))
        self.assertEqual(rc, 0, err)
        self.assertIn("Disassembly of unsafe_increment", out)
        self.assertRegex(out, r"LOAD_GLOBAL +\d+ \(counter\)")
        self.assertRegex(out, r"BINARY_OP +13 \(\+=\)")
        self.assertRegex(out, r"STORE_GLOBAL +\d+ \(counter\)")

    def test_bad_files_are_named_and_the_rest_goes_on(self):
        good = os.path.join(FIXTURES, "3.12", "small.pyc")
        with open(good, "rb") as f:
            data = f.read()
        truncated = self.write("truncated.pyc", data[: len(data) // 2])
        garbage = self.write("garbage.pyc", b"\x00\x01garbage")
        missing = os.path.join(self.tmp.name, "missing.pyc")
        rc, out, err = run("dis", "--json", truncated, good, garbage, missing, self.tmp.name)
        self.assertEqual(rc, 2)
        docs = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(docs), 5)
        self.assertIn("error", docs[0])
        self.assertEqual(docs[1]["version"], "3.12")
        self.assertEqual(docs[1]["magic"], 3531)
        self.assertTrue(docs[1]["code"])
        self.assertRegex(err, r"truncated\.pyc: bad marshal data at offset \d+ \(")
        self.assertIn("garbage.pyc: bad magic number at offset 0", err)
        self.assertIn("missing.pyc: cannot open", err)
        self.assertIn("is a directory", err)

    def test_json_shape(self):
        rc, out, err = run("dis", "--json", os.path.join(FIXTURES, "3.11", "control.pyc"))
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(set(["version", "magic", "code"]) - set(doc), set())
        code = doc["code"][0]
        for key in ("name", "qualname", "firstlineno", "instructions", "exceptiontable"):
            self.assertIn(key, code)
        ins = code["instructions"][0]
        for key in ("offset", "opname", "arg", "line", "positions", "target"):
            self.assertIn(key, ins)
        self.assertTrue(any(c["exceptiontable"] for c in doc["code"]))


class Check(unittest.TestCase):
    """gilcheck check: exit codes, the concise contract, scopes, JSON, bad inputs."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_concise_lines_and_exit_1(self):
        pyc = os.path.join(FIXTURES, "3.11", "threads.pyc")
        rc, out, err = run("check", "--scope", "all", "--format", "concise", pyc)
        self.assertEqual(rc, 1, err)
        lines = out.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^[^:]+:\d+:\d+: GIL\d{3} \S")
        self.assertTrue(any(" GIL101 " in l for l in lines))
        self.assertEqual(lines, sorted(lines, key=lambda l: (l.split(":")[0], int(l.split(":")[1]),
                                                             int(l.split(":")[2]))))

    def test_clean_file_exits_0(self):
        pyc = os.path.join(FIXTURES, "3.11", "small.pyc")
        rc, out, err = run("check", "--format", "concise", pyc)
        self.assertEqual((rc, out), (0, ""), err)

    def test_scope_concurrent_reports_less_than_all(self):
        pyc = os.path.join(FIXTURES, "3.12", "threads.pyc")
        rc_all, out_all, _ = run("check", "--scope", "all", "--format", "concise", pyc)
        rc_con, out_con, _ = run("check", "--format", "concise", pyc)
        self.assertLessEqual(len(out_con.splitlines()), len(out_all.splitlines()))
        self.assertEqual(rc_all, 1)

    def test_json_findings_carry_their_window(self):
        pyc = os.path.join(FIXTURES, "3.9", "threads.pyc")
        rc, out, err = run("check", "--scope", "all", "--format", "json", pyc)
        self.assertEqual(rc, 1, err)
        findings = json.loads(out)
        f = [f for f in findings if f["rule"] == "GIL101"][0]
        for key in ("name", "severity", "path", "line", "column", "message", "related", "window",
                    "python"):
            self.assertIn(key, f)
        self.assertEqual(f["python"], "3.9")
        self.assertLessEqual(f["window"]["first"], f["window"]["last"])
        # 3.6-3.9 can switch threads between the load and the store of `counter += 1`
        self.assertTrue(f["window"]["gil_switch"])

    def test_undecodable_input_is_named_and_the_rest_analysed(self):
        bad = os.path.join(self.tmp.name, "bad.pyc")
        with open(bad, "wb") as fh:
            fh.write(b"\xa7\x0d\x0d\x0a" + b"\0" * 12 + b"\xe3garbage")
        good = os.path.join(FIXTURES, "3.11", "threads.pyc")
        rc, out, err = run("check", "--scope", "all", "--format", "concise", bad, good)
        self.assertEqual(rc, 2)
        self.assertIn("bad.pyc: bad marshal data at offset", err)
        self.assertIn(" GIL101 ", out)

    def test_directories_are_searched(self):
        rc, out, err = run("check", "--scope", "all", "--format", "concise",
                           os.path.join(FIXTURES, "3.10"))
        self.assertEqual(rc, 1, err)
        self.assertIn("threads.py", out)

    def test_usage_errors(self):
        self.assertEqual(run("check")[0], 2)
        self.assertEqual(run("check", "--scope", "some", "x.pyc")[0], 2)
        self.assertEqual(run("check", "--format", "xml", "x.pyc")[0], 2)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
