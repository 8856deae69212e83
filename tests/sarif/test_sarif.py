"""gilcheck's SARIF logs: what they say (--content) and that the official Microsoft validator
finds no error in any of them (--validate).

usage: python3 tests/sarif/test_sarif.py --content  PATH/TO/gilcheck
       python3 tests/sarif/test_sarif.py --validate PATH/TO/gilcheck

Both modes produce the same logs, from runs in a temporary directory that is the current
directory (so %SRCROOT%): the corpus/ directory, a syntax error, an unreadable and an
undecodable input beside a racy file, a symbolic link loop (a warning), non-ASCII lines in a file whose name needs percent-encoding,
a .pyc whose source is elsewhere, and a clean run.

--validate runs `Sarif.Multitool validate --rule-kind "Ghas;Sarif"` from
tests/sarif/node_modules (`npm ci` there; tools/deps.sh does it), or $GILCHECK_SARIF_MULTITOOL,
on every log and requires zero error-level results; it first checks that the validator does
report an error in a log GitHub would refuse.  The multitool exits 0 even when a log has errors,
so its own SARIF output is read.  Exits 77 (skipped) when the validator is not installed.
"""
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "resources", "fixtures", "pyc")
SKIP = 77
GILCHECK = None

RACY = """import threading

count = 0
totals = {}


def work(k):
    global count
    count += 1
    totals[k] += 1


def again():
    global count
    count += 1


threading.Thread(target=work).start()
"""

# Non-ASCII before and inside the reported ranges: 2-byte (e), 3-byte (Cyrillic is 2, CJK 3)
# and 4-byte (emoji, a UTF-16 surrogate pair) characters.
NON_ASCII = """import threading

count = 0
totals = {}


def work():
    global count
    label = "\u00e9\U0001f600\u540d"; count += 1
    totals["\u043a\U0001f600"] += 1


threading.Thread(target=work).start()
"""


def run(args, cwd):
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def utf16_column(line, byte_col):
    """A 1-based UTF-8 byte column of `line` (str) as a 1-based UTF-16 code unit column."""
    prefix = line.encode("utf-8")[:byte_col - 1].decode("utf-8")
    return len(prefix.encode("utf-16-le")) // 2 + 1


def sarif_escape(text):
    """Literal brackets escaped, as SARIF messages need them beside embedded links."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


class Logs(object):
    """Makes every log once: {name: (path, exit code, stderr)}, in a temporary directory."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="gilcheck-sarif-")
        self.dir = os.path.realpath(self.tmp)
        self.outside = None
        self.logs = {}
        shutil.copytree(os.path.join(ROOT, "corpus"), os.path.join(self.dir, "corpus"))
        self.make("corpus", ["--scope", "all", "corpus"])
        self.write("syntax/bad.py", "x = 1\n\ndef f(:\n    pass\n")
        self.make("syntax", ["syntax/bad.py"])
        self.write("errors/racy.py", RACY)
        with open(os.path.join(self.dir, "errors", "bad.pyc"), "wb") as f:
            f.write(b"\xa7\x0d\x0d\x0a" + b"\0" * 12 + b"\xe3garbage")
        self.make("errors", ["--scope", "all", "errors/missing.py", "errors/bad.pyc",
                             "errors/racy.py"])
        self.write("unicode/with space \u00e9.py", NON_ASCII)
        self.make("unicode", ["--scope", "all", "unicode"])
        self.write("loop/racy.py", RACY)
        os.makedirs(os.path.join(self.dir, "loop", "sub"))
        os.symlink("..", os.path.join(self.dir, "loop", "sub", "up"))   # back to loop/
        self.make("loop", ["--scope", "all", "loop"])
        for copy in ("a", "b"):    # one file vendored twice: one result naming the other copy
            self.write("copies/%s/racy.py" % copy, RACY)
        self.make("copies", ["--scope", "all", "copies"])
        self.write("clean/ok.py", "x = 1\n\n\ndef f():\n    return x\n")
        self.make("clean", ["clean"])
        shutil.copy(os.path.join(FIXTURES, "3.11", "threads.pyc"), self.dir)
        self.make("pyc", ["--scope", "all", "threads.pyc"])
        # a .pyc naming a source outside the current directory: an absolute file URI (the source
        # is one of the paths given, so the .pyc may name it; it is analysed itself too)
        self.outside = os.path.realpath(tempfile.mkdtemp(prefix="gilcheck-sarif-outside-"))
        self.outside_src = os.path.join(self.outside, "racy.py")
        with open(self.outside_src, "w") as f:
            f.write(RACY)
        py_compile.compile(self.outside_src, cfile=os.path.join(self.dir, "outside.pyc"),
                           doraise=True)
        self.make("outside", ["--scope", "all", "outside.pyc", self.outside_src])

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def make(self, name, args):
        out = os.path.join(self.dir, name + ".sarif")
        rc, stdout, err = run(["check", "--format", "sarif", "-o", out] + args, self.dir)
        rc2, js, _ = run(["check", "--format", "json"] + args, self.dir)
        self.logs[name] = (out, rc, err, json.loads(js))
        if stdout:
            raise AssertionError("%s: -o left output on stdout: %r" % (name, stdout[:200]))

    def load(self, name):
        with open(self.logs[name][0], encoding="utf-8") as f:
            return json.load(f)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.outside:
            shutil.rmtree(self.outside, ignore_errors=True)


LOGS = None


def rule_yaml():
    """{id: severity} of rules/GIL*.yaml, read without a YAML library (the lines are simple)."""
    out = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "rules"))):
        if re.match(r"^GIL\d{3}\.yaml$", name):
            with open(os.path.join(ROOT, "rules", name), encoding="utf-8") as f:
                sev = re.search(r'^severity:\s*"?(\w+)"?', f.read(), re.M).group(1)
            out[name[:-5]] = sev
    return out


def unescape(text):
    """A SARIF message's text without the escapes of '\\', '[' and ']'."""
    return re.sub(r"\\([\\\[\]])", r"\1", text)


class Content(unittest.TestCase):
    def run_of(self, name):
        doc = LOGS.load(name)
        self.assertEqual(doc["version"], "2.1.0")
        self.assertEqual(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json")
        self.assertEqual(len(doc["runs"]), 1)
        return doc["runs"][0]

    def test_tool_and_rules_come_from_the_yaml(self):
        run_ = self.run_of("corpus")
        driver = run_["tool"]["driver"]
        version = subprocess.run([GILCHECK, "--version"], stdout=subprocess.PIPE,
                                 universal_newlines=True).stdout.split()[1]
        self.assertEqual((driver["name"], driver["version"], driver["semanticVersion"]),
                         ("gilcheck", version, version))
        rules = rule_yaml()
        self.assertEqual([r["id"] for r in driver["rules"]], sorted(rules))
        self.assertIn("GIL000", rules)
        for r in driver["rules"]:
            self.assertRegex(r["name"], r"^[A-Z][A-Za-z0-9]*$")
            for key in ("shortDescription", "fullDescription"):
                self.assertTrue(r[key]["text"].strip(), (r["id"], key))
            self.assertTrue(r["help"]["text"].strip())
            self.assertIn("## How to fix it", r["help"]["markdown"])
            self.assertTrue(r["helpUri"].endswith("/docs/rules/%s.md" % r["id"]))
            self.assertTrue(os.path.exists(os.path.join(ROOT, "docs", "rules", r["id"] + ".md")))
            self.assertEqual(r["defaultConfiguration"]["level"], rules[r["id"]])
            self.assertTrue(r["properties"]["tags"])
            self.assertIn(r["properties"]["precision"], ("very-high", "high", "medium", "low"))
        self.assertEqual(run_["columnKind"], "utf16CodeUnits")

    def test_identical_copies_are_related_locations(self):
        run_ = self.run_of("copies")
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in run_["results"]}
        self.assertEqual(uris, {"copies/a/racy.py"})
        for res in run_["results"]:
            copies = [l for l in res["relatedLocations"]
                      if l["message"]["text"] == "The same finding in an identical copy of this file"]
            self.assertEqual([l["physicalLocation"]["artifactLocation"]["uri"] for l in copies],
                             ["copies/b/racy.py"])
            self.assertEqual(copies[0]["physicalLocation"]["region"]["startLine"],
                             res["locations"][0]["physicalLocation"]["region"]["startLine"])

    def test_results_match_the_json_findings(self):
        run_ = self.run_of("corpus")
        rules = run_["tool"]["driver"]["rules"]
        findings = LOGS.logs["corpus"][3]
        self.assertEqual(LOGS.logs["corpus"][1], 1)
        self.assertEqual(len(run_["results"]), len(findings))
        self.assertGreater(len(findings), 50)
        base = run_["originalUriBaseIds"]["SRCROOT"]["uri"]
        self.assertEqual(base, "file://" + urllib.parse.quote(LOGS.dir) + "/")
        by_key = {(f["path"], f["line"], f["column"], f["rule"]): f for f in findings}
        flows, texts = 0, []
        for res in run_["results"]:
            self.assertEqual(rules[res["ruleIndex"]]["id"], res["ruleId"])
            self.assertEqual(res["level"], rules[res["ruleIndex"]]["defaultConfiguration"]["level"])
            loc = res["locations"][0]["physicalLocation"]
            self.assertEqual(loc["artifactLocation"]["uriBaseId"], "SRCROOT")
            path = urllib.parse.unquote(loc["artifactLocation"]["uri"])
            self.assertTrue(os.path.isfile(os.path.join(LOGS.dir, path)), path)
            reg = loc["region"]
            f = by_key[(path, reg["startLine"], reg["startColumn"], res["ruleId"])]  # ASCII files
            msg = sarif_escape(f["message"])
            if f["related"] is not None:   # GitHub shows related locations linked from the text
                msg += " ([%s](1))" % sarif_escape("the %s of %s" % (f["related"]["what"],
                                                                   f["target"]))
            self.assertEqual(res["message"]["text"], msg)
            self.assertEqual((reg["endLine"], reg["endColumn"]), (f["end_line"], f["end_column"]))
            self.assertRegex(res["partialFingerprints"]["primaryLocationLineHash"],
                             r"^[0-9a-f]{16}:[1-9]\d*$")
            # the other side of the race follows the read or check (GIL301: the window)
            others = [r for r in res.get("relatedLocations", []) if r["id"] >= 2]
            self.assertEqual(len(others), len(f["conflicts"]))
            for o, c in zip(others, f["conflicts"]):
                self.assertEqual(o["physicalLocation"]["region"]["startLine"], c["line"])
                self.assertIn(c["what"], unescape(o["message"]["text"]))
            if f["related"] is None:
                self.assertEqual(len(res.get("relatedLocations", [])), len(others))
                if f["rule"] == "GIL106":
                    # an iteration's window starts at the finding itself: the flow runs from it
                    texts.extend(self.check_flow(res, f))
                    flows += 1
                else:
                    self.assertNotIn("codeFlows", res)
                continue
            rel = res["relatedLocations"][0]
            self.assertEqual(rel["physicalLocation"]["region"]["startLine"], f["related"]["line"])
            self.assertEqual(rel["physicalLocation"]["region"]["startColumn"],
                             f["related"]["column"])
            self.assertIn(f["related"]["what"], rel["message"]["text"])
            texts.extend(self.check_flow(res, f))
            flows += 1
        self.assertGreater(flows, 30)
        ops = set(re.findall(r"^Thread [AB]: ([A-Z_]+)", "\n".join(texts), re.M))
        for op in ("LOAD_GLOBAL", "STORE_GLOBAL", "LOAD_ATTR", "STORE_ATTR", "STORE_SUBSCR"):
            self.assertIn(op, ops)

    def flow_steps(self, res):
        """The codeFlow's steps in executionOrder: [(thread, location)], checked to be the
        engine's schedule: two threadFlows A and B, each in increasing executionOrder, together
        1..n, every message naming the thread and an instruction (or another thread's write)."""
        tf = res["codeFlows"][0]["threadFlows"]
        self.assertEqual([t["id"] for t in tf], ["thread-A", "thread-B"])
        steps = {}
        for flow, thread in zip(tf, "AB"):
            self.assertTrue(flow["locations"], (res["ruleId"], thread))   # both threads run
            orders = [loc["executionOrder"] for loc in flow["locations"]]
            self.assertEqual(orders, sorted(orders))
            for loc in flow["locations"]:
                self.assertRegex(loc["location"]["message"]["text"],
                                 r"^Thread %s: ([A-Z][A-Z0-9_]+|another \w+)" % thread)
                steps[loc["executionOrder"]] = (thread, loc["location"])
        self.assertEqual(sorted(steps), list(range(1, len(steps) + 1)))
        self.assertGreaterEqual(len(steps), 3)
        return [steps[i] for i in sorted(steps)]

    def check_flow(self, res, f):
        """The engine's schedule: A starts, is interrupted, B runs, A finishes; A's read or
        check is on the finding's related line and the run ends at the write's line."""
        steps = self.flow_steps(res)
        threads = "".join(t for t, _ in steps)
        # A stops inside its window, B runs, A finishes -- except when two threads resume one
        # generator: A is still inside it when B's next() fails, so A has no steps after B's
        if res["codeFlows"][0]["message"]["text"].startswith("A concurrent-resume"):
            self.assertRegex(threads, r"^A+B+A*$", res["ruleId"])
        else:
            self.assertRegex(threads, r"^A+B+A+$", res["ruleId"])
        self.assertRegex(res["codeFlows"][0]["message"]["text"],
                         r"^A (lost-update|stale-read|check-then-act|double-init|in-place|concurrent-resume|check-then-use|changed-during-iteration|lost-value|lost-swap) schedule")
        lines = [loc["physicalLocation"]["region"]["startLine"] for _, loc in steps]
        self.assertIn(f["related"]["line"] if f["related"] else f["line"], lines)
        self.assertIn(f["line"], lines)
        return [loc["message"]["text"] for _, loc in steps]

    def test_flows_are_the_engines_schedule(self):
        """On `count += 1` of racy.py the SARIF steps are those of `gilcheck explain`'s
        interleaving (thread, opname, what it sees), in the same order."""
        run_ = self.run_of("errors")
        res = [r for r in run_["results"] if r["ruleId"] == "GIL101" and
               r["locations"][0]["physicalLocation"]["region"]["startLine"] == 9]
        self.assertEqual(len(res), 1)
        rc, out, err = run(["explain", "errors/racy.py:9", "--format", "json"], LOGS.dir)
        self.assertEqual(rc, 1, err)      # 1: not atomic
        want = json.loads(out)["interleaving"]
        got = self.flow_steps(res[0])
        self.assertEqual(len(got), len(want))
        for (thread, loc), w in zip(got, want):
            self.assertEqual(thread, w["thread"])
            text = loc["message"]["text"]
            self.assertTrue(text.startswith("Thread %s: %s" % (thread, w["opname"])), (text, w))
            if w["sees"]:
                self.assertIn("(%s)" % w["sees"], text)
            self.assertEqual(loc["physicalLocation"]["region"]["startLine"], 9)
        texts = [loc["message"]["text"] for _, loc in got]
        self.assertIn("Thread A: LOAD_GLOBAL count (reads count = 0); switch to thread B", texts)
        self.assertIn("Thread A: STORE_GLOBAL count (writes count = 1)", texts)

    def test_fingerprints_ignore_whitespace_and_count_repeats(self):
        run_ = self.run_of("errors")
        hashes = {}
        for res in run_["results"]:
            hashes[res["locations"][0]["physicalLocation"]["region"]["startLine"]] = \
                res["partialFingerprints"]["primaryLocationLineHash"]
        # `count += 1` on lines 9 and 15: the same text, its first and second occurrence
        h9, h15 = hashes[9].split(":"), hashes[15].split(":")
        self.assertEqual((h9[0], h9[1], h15[1]), (h15[0], "1", "2"))
        self.assertNotEqual(hashes[10].split(":")[0], h9[0])
        # re-indenting and re-spacing a line keeps its hash
        LOGS.write("errors2/racy.py", RACY.replace("    count += 1\n    totals",
                                                   "    count  +=  1\n    totals"))
        out = os.path.join(LOGS.dir, "ws.sarif")
        run(["check", "--scope", "all", "--format", "sarif", "-o", out, "errors2"], LOGS.dir)
        with open(out) as fh:
            other = json.load(fh)["runs"][0]["results"]
        self.assertIn(hashes[9], [r["partialFingerprints"]["primaryLocationLineHash"]
                                  for r in other])

    def test_syntax_error_is_a_gil000_result(self):
        run_ = self.run_of("syntax")
        self.assertEqual(LOGS.logs["syntax"][1], 1)
        (res,) = run_["results"]
        self.assertEqual((res["ruleId"], res["level"]), ("GIL000", "error"))
        self.assertEqual(run_["tool"]["driver"]["rules"][res["ruleIndex"]]["id"], "GIL000")
        reg = res["locations"][0]["physicalLocation"]["region"]
        self.assertEqual((reg["startLine"], reg["startColumn"]), (3, 7))
        self.assertTrue(run_["invocations"][0]["executionSuccessful"])

    def test_errors_are_notifications(self):
        run_ = self.run_of("errors")
        self.assertEqual(LOGS.logs["errors"][1], 2)
        inv = run_["invocations"][0]
        self.assertFalse(inv["executionSuccessful"])
        notes = inv["toolExecutionNotifications"]
        self.assertEqual(len(notes), 2)
        uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
        self.assertEqual(sorted(uris), ["errors/bad.pyc", "errors/missing.py"])
        for n in notes:
            self.assertEqual(n["level"], "error")
            self.assertTrue(n["message"]["text"])
        self.assertIn("bad marshal data", " ".join(n["message"]["text"] for n in notes))
        self.assertIn("missing.py", LOGS.logs["errors"][2])   # still on stderr
        self.assertTrue(any(r["ruleId"] == "GIL101" for r in run_["results"]))

    def test_walk_warnings_are_warning_notifications(self):
        run_ = self.run_of("loop")
        self.assertEqual(LOGS.logs["loop"][1], 1)      # a warning is not an error
        inv = run_["invocations"][0]
        self.assertTrue(inv["executionSuccessful"])
        (note,) = inv["toolExecutionNotifications"]
        self.assertEqual(note["level"], "warning")
        self.assertIn("loop", note["message"]["text"])
        self.assertEqual(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                         "loop/sub/up")

    def test_non_ascii_columns_are_utf16_and_uris_percent_encoded(self):
        run_ = self.run_of("unicode")
        findings = LOGS.logs["unicode"][3]
        lines = NON_ASCII.split("\n")
        self.assertEqual(len(run_["results"]), len(findings))
        self.assertGreaterEqual(len(findings), 2)
        for res, f in zip(run_["results"], findings):
            loc = res["locations"][0]["physicalLocation"]
            self.assertEqual(loc["artifactLocation"]["uri"], "unicode/with%20space%20%C3%A9.py")
            reg, line = loc["region"], lines[f["line"] - 1]
            self.assertEqual(reg["startColumn"], utf16_column(line, f["column"]))
            self.assertEqual(reg["endColumn"], utf16_column(line, f["end_column"]))
            self.assertNotEqual((reg["startColumn"], reg["endColumn"]),
                                (f["column"], f["end_column"]))
            # the region is exactly the target's text
            units = line.encode("utf-16-le")
            text = units[2 * (reg["startColumn"] - 1):2 * (reg["endColumn"] - 1)].decode("utf-16-le")
            self.assertTrue(text.startswith(f["target"].split("[")[0]), (text, f["target"]))

    def test_clean_run_has_no_results(self):
        run_ = self.run_of("clean")
        self.assertEqual(LOGS.logs["clean"][1], 0)
        self.assertEqual(run_["results"], [])
        self.assertEqual(len(run_["tool"]["driver"]["rules"]), len(rule_yaml()))
        self.assertTrue(run_["invocations"][0]["executionSuccessful"])

    def test_pyc_without_its_source_has_lines_only(self):
        run_ = self.run_of("pyc")
        self.assertTrue(run_["results"])
        for res in run_["results"]:
            reg = res["locations"][0]["physicalLocation"]["region"]
            self.assertNotIn("startColumn", reg)   # no source line to count UTF-16 units in
            self.assertNotIn("partialFingerprints", res)


class Outside(unittest.TestCase):
    def test_source_outside_srcroot_is_an_absolute_uri(self):
        doc = LOGS.load("outside")
        results = doc["runs"][0]["results"]
        self.assertTrue(results)
        for res in results:
            art = res["locations"][0]["physicalLocation"]["artifactLocation"]
            self.assertEqual(art, {"uri": "file://" + urllib.parse.quote(LOGS.outside_src)})
            self.assertIn("startColumn", res["locations"][0]["physicalLocation"]["region"])
            self.assertIn("partialFingerprints", res)


def multitool():
    exe = os.environ.get("GILCHECK_SARIF_MULTITOOL")
    if exe:
        return exe
    plat = {"linux": "linux", "darwin": "darwin"}.get(sys.platform)
    exe = os.path.join(HERE, "node_modules", "@microsoft", "sarif-multitool-%s" % plat,
                       "Sarif.Multitool")
    return exe if plat and os.path.isfile(exe) else None


def validate(exe, logs, workdir):
    """Runs the validator on logs; returns its results as [(level, rule id, log, message)] and
    fails on configuration errors (which the multitool also reports with exit status 0)."""
    out = os.path.join(workdir, "validation-%d.sarif" % len(os.listdir(workdir)))
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    os.chmod(exe, 0o755)   # npm >= 11 skips the package's `chmod u+x` install script
    p = subprocess.run([exe, "validate", "--rule-kind", "Ghas;Sarif", "-o", out] + logs,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=600, env=env)
    if not os.path.exists(out):
        raise AssertionError("the validator wrote no report (exit %d):\n%s" % (p.returncode, p.stdout))
    with open(out, encoding="utf-8-sig") as f:
        doc = json.load(f)
    run_ = doc["runs"][0]
    for inv in run_.get("invocations", []):
        for n in inv.get("toolConfigurationNotifications", []) + \
                inv.get("toolExecutionNotifications", []):
            if n.get("level", "warning") == "error":
                raise AssertionError("validator failed: %s\n%s" % (n["message"], p.stdout))
    rules = run_["tool"]["driver"].get("rules", [])
    found = []
    for r in run_.get("results", []):
        rid = r.get("ruleId") or rules[r["ruleIndex"]]["id"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] \
            if r.get("locations") else "?"
        msg = r["message"].get("text") or "%s %s" % (r["message"].get("id"),
                                                     r["message"].get("arguments"))
        found.append((r.get("level", "warning"), rid, uri, msg))
    return found, p.stdout


def main_validate():
    exe = multitool()
    if not exe:
        sys.stdout.write("SKIP: the SARIF validator is not installed (cd tests/sarif && npm ci)\n")
        return SKIP
    work = tempfile.mkdtemp(prefix="gilcheck-sarif-validate-")
    try:
        # The validator must see an error where there is one: no rules array (GH1018).
        bad = os.path.join(work, "bad.sarif")
        with open(bad, "w") as f:
            json.dump({"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                       "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                     "results": []}]}, f)
        found, _ = validate(exe, [bad], work)
        if not any(level == "error" and rid == "GH1018" for level, rid, _, _ in found):
            sys.stdout.write("FAIL: the validator found no GH1018 error in a log without rules: "
                             "%r\n" % found)
            return 1
        logs = [LOGS.logs[name][0] for name in sorted(LOGS.logs)]
        found, text = validate(exe, logs, work)
        errors = [x for x in found if x[0] == "error"]
        for level, rid, uri, msg in found:
            sys.stdout.write("%s %s %s: %s\n" % (level, rid, uri, msg))
        scanned = re.search(r"(\d+) files scanned", text)
        if not scanned or int(scanned.group(1)) != len(logs):
            sys.stdout.write("FAIL: the validator did not scan the %d logs:\n%s" % (len(logs), text))
            return 1
        sys.stdout.write("%d logs validated (%s): %d errors, %d warnings\n"
                         % (len(logs), ", ".join(sorted(LOGS.logs)), len(errors),
                            len(found) - len(errors)))
        return 1 if errors else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("--content", "--validate"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    mode = sys.argv.pop(1)
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    LOGS = Logs()
    try:
        if mode == "--validate":
            rc = main_validate()
        else:
            rc = 0 if unittest.main(verbosity=2, exit=False).result.wasSuccessful() else 1
    finally:
        LOGS.cleanup()
    sys.exit(rc)
