"""Tests of `gilcheck explain` and `gilcheck table`: the FAQ's classification on every Python
version present, the JSON shape, every rule's examples, and the interleavings replayed on a tiny
model of the stack machine (the interleaved run must end differently from the sequential one).

usage: python3 tests/explain/test_explain.py PATH/TO/gilcheck
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_rule_docs  # noqa: E402  (the rules' YAML reader)

GILCHECK = None

# docs.python.org/3/faq/library.html, "What kinds of global value mutation are thread-safe?"
FAQ_ATOMIC = ["L.append(x)", "L1.extend(L2)", "x = L[i]", "x = L.pop()", "L1[i:j] = L2",
              "L.sort()", "x = y", "x.field = y", "D[x] = y", "D1.update(D2)", "D.keys()"]
FAQ_NOT_ATOMIC = ["i = i+1", "L.append(L[-1])", "L[i] = L[j]", "D[x] = D[x] + 1"]


def pyenv_versions():
    """Minor versions with an interpreter here (pyenv 3.6-3.13, pyodide 3.14), plus 3.11."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = {11}
    for m in range(6, 14):
        if glob.glob(os.path.join(root, "versions", "3.%d.*" % m, "bin", "python3")):
            found.add(m)
    if os.path.isdir(os.path.join(ROOT, "tools", "node", "node_modules", "pyodide")):
        found.add(14)
    return sorted(found)


VERSIONS = pyenv_versions()


def run(*args):
    # wide lines: these tests read the layout (tests/cli/test_settings.py checks the wrap)
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600, env=dict(os.environ, COLUMNS="300"))
    return p.returncode, p.stdout, p.stderr


def explain_json(*args):
    rc, out, err = run("explain", "--format", "json", *args)
    if rc not in (0, 1, 2) or not out.startswith("{"):
        raise AssertionError("explain %r failed (%d): %s" % (args, rc, err))
    return rc, json.loads(out)


def vlist(minors):
    return ",".join("3.%d" % m for m in minors)


class Table(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rc, out, err = run("table", "--format", "json", "--python-version", vlist(VERSIONS))
        if rc != 0:
            raise AssertionError("table failed: %s" % err)
        cls.rows = json.loads(out)

    def test_faq_rows_spelled_as_the_faq(self):
        faq = [r["code"] for r in self.rows if r["source"] == "faq"]
        self.assertEqual(faq, FAQ_ATOMIC + FAQ_NOT_ATOMIC)

    def test_faq_classification_on_every_version(self):
        # GIL builds: the FAQ's classification; free-threaded: the guarantees page's, which
        # calls L.sort() not atomic and extend / slice assignment / update safe
        free = {"L.sort()": "not-atomic", "L1.extend(L2)": "safe", "L1[i:j] = L2": "safe",
                "D1.update(D2)": "safe"}
        for r in self.rows:
            if r["source"] != "faq":
                continue
            want = "atomic" if r["code"] in FAQ_ATOMIC else "not-atomic"
            keys = ["3.%d" % m for m in VERSIONS]
            self.assertEqual(sorted(r["verdicts"]), sorted(keys + ["free-threaded"]), r)
            for k in keys:
                self.assertEqual(r["verdicts"][k], want, "%s on %s" % (r["code"], k))
            self.assertEqual(r["verdicts"]["free-threaded"], free.get(r["code"], want), r)
            self.assertEqual(r["rule"] is None, want == "atomic", r)
            self.assertIn(r["says"], ("atomic", "not atomic"))

    def test_threadsafety_examples_match_the_page(self):
        rows = [r for r in self.rows if r["source"] == "threadsafety"]
        kb = gen_rule_docs.load_yaml(os.path.join(ROOT, "rules", "atomicity.yaml"))
        page = [(e["type"], e["code"].rstrip("\n"), e["category"]) for e in kb["free_threading"]]
        # every example of the page, in its order, with its own category and words
        self.assertEqual([(r["type"], r["code"], r["documented"]) for r in rows], page)
        for c in ("for item in lst:\n    process(item)", "for key, value in d.items():\n    process(key)",
                  "lst.insert(idx, item)", "lst.remove(x)", "lst *= x", "d.copy()", "d | other",
                  "d.update(iterable)"):
            self.assertIn(c, [r["code"] for r in rows])
        for r in rows:
            self.assertTrue(r["says"], r)
            self.assertEqual(r["verdicts"]["free-threaded"], r["documented"], r["code"])
            for k, v in r["verdicts"].items():
                if k == "free-threaded":
                    continue
                if r["documented"] == "not-thread-safe":
                    self.assertEqual(v, "not-thread-safe", (r["code"], k))
                elif r["rule"]:                    # the page's multi-step "NOT atomic" examples
                    self.assertEqual(v, "not-atomic", (r["code"], k))
                else:                              # one operation: atomic under the GIL
                    self.assertIn(v, ("atomic", "safe"), (r["code"], k))
        # in place: `lst += iterable` loses nothing; the page calls it safe
        row = [r for r in rows if r["code"] == "lst += iterable"][0]
        self.assertEqual(set(row["verdicts"].values()), {"safe"})
        sort = [r for r in rows if r["code"] == "lst.sort()"][0]
        self.assertEqual(sort["verdicts"]["free-threaded"], "not-atomic")
        self.assertIn("appears empty", sort["says"])

    def test_rules_of_the_not_atomic_rows(self):
        rules = {r["code"]: r["rule"] for r in self.rows}
        self.assertEqual(rules["i = i+1"], "GIL101")
        self.assertEqual(rules["D[x] = D[x] + 1"], "GIL104")
        self.assertEqual(rules["L.append(L[-1])"], "GIL105")
        self.assertEqual(rules["L[i] = L[j]"], "GIL105")
        self.assertEqual(rules["if key in d:\n    del d[key]"], "GIL201")

    def test_gil_switch_only_before_3_10_for_plain_rmw(self):
        # docs/switch-points.md, measured: D[k] = D[k] + 1 loses updates on 3.6-3.9 only
        row = [r for r in self.rows if r["code"] == "D[x] = D[x] + 1"][0]
        for m in VERSIONS:
            self.assertEqual(row["gil_switch"]["3.%d" % m], m <= 9, m)

    def test_text_and_markdown(self):
        rc, out, err = run("table", "--python-version", "3.11")
        self.assertEqual(rc, 0, err)
        self.assertIn("D[x] = D[x] + 1", out)
        self.assertIn("free-threaded", out)
        rc, out, err = run("table", "--format", "markdown", "--python-version", "3.11")
        self.assertEqual(rc, 0, err)
        self.assertIn("| `D[x] = D[x] + 1` | not-atomic | **no** | **no** | GIL104 |", out)
        rc, out, err = run("table", "--format", "yaml")
        self.assertEqual(rc, 2)
        self.assertIn("--format takes text, markdown or json", err)


# A tiny stack machine over the version-neutral instruction kinds explain reports ("sem").
class Unsupported(Exception):
    pass


class Machine:
    def __init__(self, code, ints):
        self.by_offset = {i["offset"]: i for i in code}
        self.globals = {}
        self.heap = {}
        self.ints = ints

    def load_name(self, name):
        if name in self.globals:
            return self.globals[name]
        return 0 if name in self.ints else ("obj", name)

    def step(self, stack, ins):
        sem, val = ins["sem"], ins["argval"]
        if sem in ("nop", "precall", "to_bool"):
            return
        if sem == "push_null":
            stack.append(None)
        elif sem in ("load_global", "load_name", "load_deref"):
            if ins["b"] & 1 and ins["b"] & 2:
                stack.append(None)
            stack.append(self.load_name(val))
            if ins["b"] & 1 and not ins["b"] & 2:
                stack.append(None)
        elif sem in ("store_global", "store_name", "store_deref"):
            self.globals[val] = stack.pop()
        elif sem == "load_const":
            stack.append(int(val) if val.lstrip("-").isdigit() else val)
        elif sem == "load_int":
            stack.append(int(val))
        elif sem == "binary":
            b, a = stack.pop(), stack.pop()
            if val in ("+", "+="):
                stack.append(a + b)
            else:
                raise Unsupported(val)
        elif sem == "subscr":
            k, o = stack.pop(), stack.pop()
            stack.append(self.heap.get((o, k), 0))
        elif sem == "store_subscr":
            k, o, v = stack.pop(), stack.pop(), stack.pop()
            self.heap[(o, k)] = v
        elif sem == "load_attr":
            if ins["b"]:
                raise Unsupported("method")
            o = stack.pop()
            stack.append(self.heap.get((o, val), 0))
        elif sem == "store_attr":
            o, v = stack.pop(), stack.pop()
            self.heap[(o, val)] = v
        elif sem == "copy":
            stack.append(stack[-int(val)])
        elif sem == "swap":
            n = int(val)
            stack[-1], stack[-n] = stack[-n], stack[-1]
        elif sem == "rot":
            n = int(val)
            v = stack.pop()
            stack.insert(len(stack) - (n - 1), v)
        elif sem == "dup_two":
            stack.extend(stack[-2:])
        else:
            raise Unsupported(sem)

    def state(self):
        return dict(self.globals), dict(self.heap)


def replay(doc, ints):
    """(interleaved state, sequential state) of the explained statement's interleaving."""
    steps = doc["interleaving"]
    inter = Machine(doc["bytecode"], ints)
    stacks = {"A": [], "B": []}
    for s in steps:
        inter.step(stacks[s["thread"]], inter.by_offset[s["offset"]])
    seq = Machine(doc["bytecode"], ints)
    for t in ("A", "B"):
        stack = []
        for s in steps:
            if s["thread"] == t:
                seq.step(stack, seq.by_offset[s["offset"]])
    return inter.state(), seq.state()


RMW_SNIPPETS = [
    ("i = i+1", {"i"}),
    ("D[x] = D[x] + 1", set()),
    ("count += 1", {"count"}),
    ("o.n += 1", set()),
    ("D[k] += 1", set()),
    ("lst[i] = lst[i] + 1", set()),
]


class Explain(unittest.TestCase):
    def test_json_shape(self):
        vs = [m for m in (9, 12) if m in VERSIONS]
        rc, doc = explain_json("-c", "D[x] = D[x] + 1", "--python-version", vlist([11] + vs))
        self.assertEqual(rc, 1)
        for key in ("verdict", "rule", "window", "switch_points", "interleaving", "fix"):
            self.assertIn(key, doc)
        self.assertEqual(doc["verdict"], "not-atomic")
        self.assertEqual(doc["rule"], "GIL104")
        first, last = doc["window"]
        self.assertLess(first, last)
        self.assertEqual(sorted(doc["switch_points"]),
                         sorted(["3.%d" % m for m in [11] + vs] + ["free-threaded"]))
        self.assertEqual(doc["switch_points"]["3.11"], [])
        if 9 in vs:
            self.assertTrue(doc["switch_points"]["3.9"])
        self.assertTrue(doc["switch_points"]["free-threaded"])
        for off in doc["switch_points"]["free-threaded"]:
            self.assertTrue(first <= off < last)
        for s in doc["interleaving"]:
            self.assertEqual(sorted(s), ["offset", "opname", "sees", "switch", "thread"])
            self.assertIn(s["thread"], ("A", "B"))
        self.assertEqual(doc["interleaving"][0]["thread"], "A")
        self.assertIn("D[x] = 1", doc["final"])
        self.assertIn("D[x] = 2", doc["expected"])
        self.assertTrue(doc["fix"])
        marks = [i["access"] for i in doc["bytecode"]]
        self.assertEqual(marks.count("read"), 1)
        self.assertEqual(marks.count("write"), 1)

    def test_atomic_statement(self):
        rc, doc = explain_json("-c", "D[x] = y")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["verdict"], "atomic")
        self.assertIsNone(doc["rule"])
        self.assertIsNone(doc["window"])
        self.assertIsNone(doc["interleaving"])

    def test_every_faq_row_on_several_versions(self):
        vs = [m for m in (6, 9, 11, 12, 13) if m in VERSIONS]
        for code in FAQ_ATOMIC + FAQ_NOT_ATOMIC:
            rc, doc = explain_json("-c", code, "--python-version", vlist(vs))
            want = "atomic" if code in FAQ_ATOMIC else "not-atomic"
            for m in vs:
                self.assertEqual(doc["verdicts"]["3.%d" % m], want, "%s on 3.%d" % (code, m))
            self.assertEqual(rc, 0 if want == "atomic" else 1, code)
            if want == "not-atomic":
                self.assertTrue(doc["interleaving"], code)
                threads = [s["thread"] for s in doc["interleaving"]]
                self.assertIn("B", threads)
                self.assertEqual(threads[-1], "A")

    def test_local_names_are_not_shared(self):
        rc, doc = explain_json("-c", "i = i+1", "--global", "D")
        self.assertEqual(doc["verdict"], "atomic")
        rc, doc = explain_json("-c", "i = i+1", "--global", "i")
        self.assertEqual(doc["verdict"], "not-atomic")

    def test_interleavings_lose_an_update_on_the_stack_machine(self):
        vs = [m for m in (6, 8, 9, 10, 11, 12, 13, 14) if m in VERSIONS]
        replayed = 0
        for code, ints in RMW_SNIPPETS:
            for m in vs:
                rc, doc = explain_json("-c", code, "--python-version", "3.%d" % m)
                self.assertEqual(doc["verdict"], "not-atomic", (code, m))
                try:
                    inter, seq = replay(doc, ints)
                except Unsupported as e:
                    self.fail("%s on 3.%d: the model lacks %s" % (code, m, e))
                self.assertNotEqual(inter, seq, "%s on 3.%d" % (code, m))
                # the sequential run adds twice, the interleaved one once
                seq_vals = list(seq[0].values()) + list(seq[1].values())
                int_vals = list(inter[0].values()) + list(inter[1].values())
                self.assertIn(2, seq_vals, (code, m, seq))
                self.assertIn(1, int_vals, (code, m, inter))
                self.assertNotIn(2, int_vals, (code, m, inter))
                replayed += 1
        self.assertEqual(replayed, len(RMW_SNIPPETS) * len(vs))

    def test_switch_falls_on_a_gil_switch_point_before_3_10(self):
        for m in [v for v in (6, 9, 10, 12) if v in VERSIONS]:
            rc, doc = explain_json("-c", "count += 1", "--python-version", "3.%d" % m)
            self.assertEqual(doc["switch_on_gil_build"], m <= 9, m)
            if m <= 9:
                self.assertIn(doc["switch_after"], doc["switch_points"]["3.%d" % m])

    def test_check_then_act_interleaving(self):
        rc, doc = explain_json("-c", "if k not in D:\n    D[k] = v")
        self.assertEqual(doc["rule"], "GIL201")
        sees = [s["sees"] for s in doc["interleaving"] if s["sees"]]
        self.assertEqual(sees[0], "checks: the key is absent")
        self.assertEqual(sees[1], "checks: the key is absent")
        self.assertIn("B's insert is lost", doc["final"])

    def test_text_output(self):
        rc, out, err = run("explain", "-c", "D[x] = D[x] + 1", "--python-version", "3.11")
        self.assertEqual(rc, 1, err)
        for text in ("Bytecode (Python 3.11)", "BINARY_SUBSCR", "STORE_SUBSCR", "Thread A",
                     "Thread B", "thread switch", "NOT ATOMIC", "read-modify-write",
                     "D[x] = 1: B's update is lost", "Fix:"):
            self.assertIn(text, out)
        self.assertRegex(out, r"BINARY_SUBSCR\s+read\s+free-threaded")
        self.assertRegex(out, r"LOAD_GLOBAL\s+D\s+shared")
        if 9 in VERSIONS:
            rc, out, err = run("explain", "-c", "count += 1", "--python-version", "3.9")
            self.assertRegex(out, r"LOAD_GLOBAL\s+count\s+read\s+GIL \(next\), free-threaded")
            self.assertRegex(out, r"STORE_GLOBAL\s+count\s+write\s+GIL \(next\)\n")
        if 9 in VERSIONS and 12 in VERSIONS:
            rc, out, err = run("explain", "-c", "D[x] = D[x] + 1", "--python-version", "3.9,3.12")
            self.assertIn("window: BINARY_SUBSCR* LOAD_CONST BINARY_ADD* LOAD_GLOBAL* "
                          "LOAD_GLOBAL* STORE_SUBSCR\n", out)
            self.assertIn("3.12  not-atomic  GIL switch points in the window: none\n", out)
        rc, out, err = run("explain", "-c", "L.append(x)")
        self.assertEqual(rc, 0, err)
        self.assertIn("Verdict: ATOMIC", out)

    def test_python_path_and_pyc_input(self):
        root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
        found = sorted(glob.glob(os.path.join(root, "versions", "3.8.*", "bin", "python3")))
        if not found:
            self.skipTest("no pyenv 3.8")
        rc, doc = explain_json("-c", "count += 1", "--python", found[-1])
        self.assertEqual(doc["python"], "3.8")
        self.assertEqual(doc["rule"], "GIL101")
        self.assertTrue(doc["switch_points"]["3.8"])
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "racy.py")
            with open(src, "w") as f:
                f.write("import threading\nn = 0\n\ndef work():\n    global n\n    n += 1\n\n"
                        "threading.Thread(target=work).start()\n")
            subprocess.check_call([found[-1], "-m", "py_compile", src])
            pyc = glob.glob(os.path.join(tmp, "__pycache__", "racy.*.pyc"))[0]
            rc, doc = explain_json("%s:6" % pyc)
            self.assertEqual(doc["python"], "3.8")
            self.assertEqual(doc["verdict"], "not-atomic")
            self.assertEqual(doc["rule"], "GIL101")
            rc, doc = explain_json("%s:6" % src)
            self.assertEqual(doc["python"], "3.11")
            self.assertEqual(doc["statement"], "    n += 1")
            self.assertEqual(doc["rule"], "GIL101")
            rc, doc = explain_json("%s:2" % src)   # module code runs under the import lock
            self.assertEqual(doc["verdict"], "atomic")
            rc, out, err = run("explain", "--format", "json", "%s:3" % src)
            self.assertEqual(rc, 2)
            self.assertEqual(json.loads(out)["verdict"], "not-found")

    def test_run_measures_lost_updates(self):
        # `count = abs(count) + 1`: the call is a switch point on 3.11 (docs/switch-points.md).
        # A loaded machine can run a whole stress run without a handover: a few tries.
        for attempt in range(5):
            rc, doc = explain_json("-c", "count = abs(count) + 1", "--run")
            run_ = doc["run"]
            self.assertTrue(run_["executed"])
            self.assertEqual(run_["sequential_total"], 400000)
            if run_["lost_updates"] > 0:
                break
        self.assertGreater(run_["lost_updates"], 0)
        self.assertEqual(run_["threaded_total"] + run_["lost_updates"], 400000)
        rc, doc = explain_json("-c", "L.append(x)", "--run", "--run-calls", "20000")
        self.assertEqual(doc["run"]["lost_updates"], 0)
        self.assertEqual(doc["run"]["sequential_total"], 80001)
        rc, out, err = run("explain", "-c", "D[x] = D[x] + 1", "--run", "--run-calls", "1000")
        self.assertIn("the code WAS EXECUTED", out)
        rc, out, err = run("explain", "/tmp/x.py:1", "--run")
        self.assertEqual(rc, 2)
        self.assertIn("--run runs -c snippets only", err)

    def test_errors(self):
        rc, out, err = run("explain")
        self.assertEqual(rc, 2)
        rc, out, err = run("explain", "/nonexistent/x.py:3")
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/x.py: cannot read", err)
        rc, out, err = run("explain", "foo.py")
        self.assertEqual(rc, 2)
        self.assertIn("is not FILE:LINE", err)
        rc, out, err = run("explain", "-c", "x = 1", "--python-version", "2.7")
        self.assertEqual(rc, 2)
        rc, out, err = run("explain", "-c", "  ")
        self.assertEqual(rc, 2)
        self.assertIn("-c got no code", err)
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.pyc")
            with open(bad, "wb") as f:
                f.write(b"\x00\x01garbage" * 10)
            rc, out, err = run("explain", bad + ":1")
            self.assertEqual(rc, 2)
            self.assertIn(bad + ": bad magic number", err)
        rc, out, err = run("explain", "-c", "D[x] = (")
        self.assertEqual(rc, 2, err)
        self.assertIn("cannot compile it", out)
        rc, out, err = run("explain", "-c", "x = 1", "--python", "/nonexistent/python3")
        self.assertEqual(rc, 2)
        self.assertIn("cannot compile with /nonexistent/python3", err)


def explain_file(text, line, *args):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "m.py")
        with open(src, "w") as f:
            f.write(text)
        return explain_json("%s:%d" % (src, line), *args)


SHAPES = """import threading
import collections
class Box:
    def __init__(self):
        self._n = 0
    @property
    def n(self):
        return self._n
    @n.setter
    def n(self, v):
        self._n = v
def numbers():
    while True:
        yield 1
o = Box()
C = collections.Counter()
D = {}
L = []
it = numbers()
def work(k):
    global L
    o.n += 1
    C[k] += 1
    v = next(it)
    L += [1]
    if L:
        x = L.pop()
    try:
        D[k] += 1
    except KeyError:
        D[k] = 1
def insert(cache, k, v):
    if k not in cache:
        cache[k] = v
threading.Thread(target=work, args=(1,)).start()
threading.Thread(target=insert, args=(D, 1, 2)).start()
"""


class VersionModel(unittest.TestCase):
    """The issue's shapes: which GIL builds can switch inside each window, and why."""

    def test_python_code_in_window_on_every_version(self):
        for line, why in ((22, "property of class Box"), (23, "Counter.__missing__"),
                          (24, "resumes the generator numbers()")):
            rc, doc = explain_file(SHAPES, line, "--python-version", vlist(VERSIONS))
            self.assertEqual(doc["verdict"], "not-atomic", line)
            self.assertTrue(any(why in p["why"] for p in doc["python_code_in_window"]), doc)
            for p in doc["python_code_in_window"]:
                self.assertEqual(sorted(p), ["offset", "why"])
            for m in VERSIONS:
                self.assertTrue(doc["gil_switch"]["3.%d" % m], (line, m))
            self.assertTrue(doc["switch_on_gil_build"], line)

    def test_edges_decide_the_claims(self):
        # `if L: x = L.pop()`: 3.10 checks only a taken jump; the body is entered falling through
        rc, doc = explain_file(SHAPES, 27, "--python-version", vlist(VERSIONS))
        for m in VERSIONS:
            self.assertEqual(doc["gil_switch"]["3.%d" % m], m <= 9, m)
        # the KeyError handler's store: entered through a check up to 3.10
        rc, doc = explain_file(SHAPES, 31, "--python-version", vlist(VERSIONS))
        self.assertEqual(doc["rule"], "GIL201")
        for m in VERSIONS:
            self.assertEqual(doc["gil_switch"]["3.%d" % m], m <= 10, m)
        if 10 in VERSIONS:
            rc, doc = explain_file(SHAPES, 31, "--python-version", "3.10")
            self.assertTrue(any(e["edge"] == "raise" and e["switch"] for e in doc["window_edges"]))
            sees = [st["sees"] for st in doc["interleaving"] if st["sees"]]
            self.assertIn("KeyError", sees[0])

    def test_in_place_story_follows_the_type(self):
        rc, doc = explain_file(SHAPES, 25)
        self.assertEqual(doc["target_type"], "list")
        self.assertEqual(doc["interleaving_kind"], "in-place")
        self.assertIn("No update is lost", doc["final"])
        self.assertIn("L.extend([1])", doc["fix"])
        rc, doc = explain_json("-c", "items += [1]")     # of unknown type
        self.assertEqual(doc["interleaving_kind"], "lost-update")
        self.assertTrue(any("works in place" in c for c in doc["caveats"]), doc["caveats"])
        rc, doc = explain_json("-c", "L += [1]")         # L is the FAQ's list
        self.assertEqual(doc["interleaving_kind"], "in-place")

    def test_shared_parameters(self):
        rc, doc = explain_file(SHAPES, 34)
        self.assertEqual(doc["verdict"], "atomic")
        rc, doc = explain_file(SHAPES, 34, "--shared", "cache", "--python-version",
                               vlist(VERSIONS))
        self.assertEqual(rc, 1)
        self.assertEqual(doc["rule"], "GIL201")
        for m in VERSIONS:       # 3.6-3.8's `in` ends in DISPATCH(); 3.9's is fast
            self.assertEqual(doc["gil_switch"]["3.%d" % m], m <= 8, m)
        rc, doc = explain_file(SHAPES, 34, "--shared", "other.cache")
        self.assertEqual(doc["verdict"], "atomic")

    def test_caveats_for_unknown_types(self):
        # D would be a dict (the documentation's name); an object of unknown type gets caveats
        rc, doc = explain_json("-c", "counts[x] = counts[x] + 1", "--python-version", "3.12")
        self.assertEqual(doc["python_code_in_window"], [])
        self.assertTrue(any("type of counts is not known" in c for c in doc["caveats"]),
                        doc["caveats"])
        self.assertTrue(any("key x" in c for c in doc["caveats"]))
        rc, out, err = run("explain", "-c", "counts[x] = counts[x] + 1", "--python-version", "3.12")
        self.assertIn("Unless the types are not known here:", out)
        rc, doc = explain_json("-c", "D[x] = D[x] + 1", "--python-version", "3.12")
        self.assertFalse(any("type of D is not known" in c for c in doc["caveats"]),
                         doc["caveats"])

    def test_teaching_texts(self):
        vs = [m for m in (9, 12) if m in VERSIONS]
        rc, out, err = run("explain", "-c", "D[x] = D[x] + 1", "--python-version",
                           vlist(sorted(vs)))
        self.assertRegex(out, r"Shows on GIL builds of Python 3\.\d+: a thread switch|"
                              r"Shows on GIL builds of Python 3\.\d+ only when")
        if len(vs) == 2:
            self.assertIn("Shows on GIL builds of Python 3.9: a thread switch can fall inside", out)
            self.assertLess(out.index("  3.12  "), out.index("  3.9   "))   # newest first
        self.assertIn("with D_lock:\n    D[x] = D[x] + 1", out)
        rc, doc = explain_json("-c", "count = abs(count) + 1")
        self.assertIn("with count_lock:\n    count = abs(count) + 1", doc["fix"])
        rc, doc = explain_json("-c", "if k not in D:\n    D[k] = v")
        self.assertIn("with D_lock:\n    if k not in D:\n        D[k] = v", doc["fix"])
        self.assertIn("D.setdefault(k, value)", doc["fix"])
        rc, doc = explain_json("-c", "L.append(L[-1])")
        self.assertIn("stale copy", doc["final"])
        self.assertIn("B's write is not lost", doc["final"])


class RuleExamples(unittest.TestCase):
    def test_unsafe_examples_explained_on_their_lines(self):
        vs = [m for m in (6, 9, 11, 12, 13) if m in VERSIONS]
        checked = 0
        with tempfile.TemporaryDirectory() as tmp:
            for path in sorted(glob.glob(os.path.join(ROOT, "rules", "GIL*.yaml"))):
                rule = gen_rule_docs.load_yaml(path)
                if rule["id"] == "GIL000" or rule.get("opt_in"):
                    # a syntax error has no bytecode to explain; an opt-in rule (GIL900,
                    # unused-noqa) is about comments, not atomicity
                    continue
                for n, example in enumerate(rule["examples"]["unsafe"]):
                    src = os.path.join(tmp, "%s_%d.py" % (rule["id"], n))
                    with open(src, "w") as f:
                        f.write(example)
                    for lineno, line in enumerate(example.splitlines(), 1):
                        if "# expect: " not in line:
                            continue
                        want = line.split("# expect: ")[1].split()[0].rstrip(",")
                        rc, doc = explain_json("%s:%d" % (src, lineno), "--python-version",
                                               vlist(vs))
                        for m in vs:
                            self.assertEqual(doc["verdicts"]["3.%d" % m], "not-atomic",
                                             "%s line %d on 3.%d" % (src, lineno, m))
                        if want != "GIL301":
                            self.assertEqual(doc["rule"], want, "%s line %d" % (src, lineno))
                            self.assertTrue(doc["interleaving"], "%s line %d" % (src, lineno))
                        checked += 1
        self.assertGreater(checked, 10)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
