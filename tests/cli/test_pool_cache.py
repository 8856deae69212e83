"""End-to-end tests of `gilcheck check`'s worker processes (--jobs) and result cache
(.gilcheck_cache/, --no-cache, `gilcheck clean`): the output is byte for byte the same whatever
the number of workers and whether results come from the cache; a changed file, setting, rule or
noqa source invalidates; a damaged entry is a miss; a worker that dies is reported; a run over
unchanged files reads its whole outcome from one entry.

usage: python3 tests/cli/test_pool_cache.py PATH/TO/gilcheck PATH/TO/corpus PATH/TO/rules
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from racy import RACY_TEMPLATE as RACY  # tests/cli/racy.py

GILCHECK = CORPUS = RULES = None


PLAIN = b"""D = {}


def bump(k):
    D[k] = D[k] + 1
"""


def run(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("GILCHECK_TEST_WORKER_CRASH", None)
    e.update(env or {})
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300, cwd=cwd, env=e)
    return p.returncode, p.stdout, p.stderr


def entries(root):
    """{path: (inode, mtime_ns)} of every cache entry under root/.gilcheck_cache."""
    out = {}
    top = os.path.join(root, ".gilcheck_cache")
    for dirpath, _, files in os.walk(top):
        for f in files:
            if os.path.dirname(os.path.dirname(dirpath)) != top:   # in <version>/<2 hex>/
                continue
            p = os.path.join(dirpath, f)
            st = os.stat(p)
            out[p] = (st.st_ino, st.st_mtime_ns)
    return out


def runs(root):
    """{path: (inode, mtime_ns)} of the whole runs' entries (.gilcheck_cache/<version>/runs/)."""
    out = {}
    for p in glob.glob(os.path.join(root, ".gilcheck_cache", "*", "runs", "*", "*")):
        st = os.stat(p)
        out[p] = (st.st_ino, st.st_mtime_ns)
    return out


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.work = os.path.join(self.dir, "work")   # cwd of the runs: the cache lives here
        os.makedirs(self.work)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, "src", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def check(self, *args, env=None):
        return run("check", *args, cwd=self.work, env=env)

    def messy_tree(self):
        """Sources with findings, a clean one, a syntax error, an unreadable file, a bad pyc."""
        self.write("a_racy.py", RACY % b"")
        self.write("b_clean.py", b"x = 1\n")
        self.write("c_syntax.py", b"def f(:\n    pass\n")
        self.write("d_plain.py", PLAIN)
        self.write("e_bad.pyc", b"\xa7\r\r\n" + b"\0" * 12 + b"\xe3garbage")
        self.write("f_racy.py", RACY % b"  # noqa: GIL104")
        return os.path.join(self.dir, "src")


class Jobs(Base):
    def test_jobs_give_the_same_bytes_on_the_corpus(self):
        for fmt in ("concise", "full", "json"):
            one = self.check("--no-cache", "--jobs", "1", "--format", fmt, "--scope", "all", CORPUS)
            self.assertEqual(one[0], 1, one[2])
            self.assertGreater(one[1].count(b"GIL"), 20)
            for jobs in ("2", "3", "8"):
                many = self.check("--no-cache", "--jobs", jobs, "--format", fmt, "--scope", "all",
                                  CORPUS)
                self.assertEqual(many, one, (fmt, jobs))

    def test_jobs_give_the_same_bytes_with_errors(self):
        tree = self.messy_tree()
        missing = os.path.join(self.dir, "missing.py")
        one = self.check("--no-cache", "--jobs", "1", "--format", "concise", "--scope", "all",
                         tree, missing)
        self.assertEqual(one[0], 2)
        self.assertIn(b"c_syntax.py:1:7: GIL000 ", one[1])
        self.assertIn(b"e_bad.pyc", one[2])
        self.assertIn(b"missing.py: cannot open", one[2])
        for jobs in ("2", "4"):
            self.assertEqual(self.check("--no-cache", "--jobs", jobs, "--format", "concise",
                                        "--scope", "all", tree, missing), one)

    def test_jobs_must_be_a_number(self):
        for bad in ("0", "x", "-1", "257"):
            rc, _, err = self.check("--jobs", bad, CORPUS)
            self.assertEqual(rc, 2)
            self.assertIn(b"--jobs takes a number", err)

    def test_a_worker_that_dies_is_reported_and_the_run_completes(self):
        tree = self.messy_tree()
        for i in range(6):
            self.write("h%d.py" % i, RACY % b"" + b"# h%d\n" % i)    # not copies
        full = self.check("--no-cache", "--jobs", "1", "--format", "concise", tree)
        rc, out, err = self.check("--no-cache", "--jobs", "2", "--format", "concise", tree,
                                  env={"GILCHECK_TEST_WORKER_CRASH": "a_racy.py"})
        self.assertEqual(rc, 2)
        self.assertIn(b"a_racy.py: the worker process analysing it was killed by signal 9", err)
        # every other file is reported, in order, as without the crash
        expect = b"".join(l for l in full[1].splitlines(True) if b"a_racy.py" not in l)
        self.assertEqual(out, expect)
        self.assertEqual(out.count(b"GIL101"), 7)
        # every worker dies on every file: each file is named once, in order, and the run ends
        rc, out, err = self.check("--no-cache", "--jobs", "2", "--format", "concise", tree,
                                  env={"GILCHECK_TEST_WORKER_CRASH": "/"})
        self.assertEqual((rc, out), (2, b""))
        lines = err.decode().splitlines()
        self.assertEqual(len(lines), 12)
        self.assertEqual(lines, sorted(lines))
        self.assertTrue(all(l.endswith("killed by signal 9") for l in lines), lines)


class Cache(Base):
    def test_cache_hit_gives_the_same_bytes_and_rewrites_nothing(self):
        args = ("--jobs", "2", "--format", "full", "--scope", "all", CORPUS)
        plain = self.check("--no-cache", *args)
        self.assertFalse(os.path.exists(os.path.join(self.work, ".gilcheck_cache")))
        first = self.check(*args)
        self.assertEqual(first, plain)
        stored = entries(self.work)
        sources = [f for _, _, fs in os.walk(CORPUS) for f in fs if f.endswith(".py")]
        self.assertEqual(len(stored), len(sources))   # one entry per module, packages included
        second = self.check(*args)
        self.assertEqual(second, plain)
        self.assertEqual(entries(self.work), stored)   # hits: not one entry written again
        self.assertEqual(self.check("--jobs", "1", *args[2:]), plain)
        top = os.path.join(self.work, ".gilcheck_cache")
        with open(os.path.join(top, "CACHEDIR.TAG")) as f:
            self.assertTrue(f.read().startswith("Signature: 8a477f597d28d172789f06886806bc55"))
        with open(os.path.join(top, ".gitignore")) as f:
            self.assertIn("*\n", f.read())

    def test_sarif_flows_survive_workers_and_the_cache(self):
        """The engine's interleavings travel with the findings: SARIF codeFlows from --jobs 2
        workers, from a cold cache and from a warm one are byte for byte those of one
        in-process run."""
        args = ("--format", "sarif", "--scope", "all", CORPUS)
        plain = self.check("--no-cache", "--jobs", "1", *args)
        self.assertEqual(plain[0], 1, plain[2])
        self.assertIn(b'"threadFlows"', plain[1])
        self.assertIn(b"Thread A: LOAD_GLOBAL", plain[1])     # the engine's steps, not a guess
        self.assertIn(b"Thread B: STORE_ATTR", plain[1])
        self.assertEqual(self.check("--no-cache", "--jobs", "2", *args), plain)
        self.assertFalse(entries(self.work))
        self.assertEqual(self.check("--jobs", "2", *args), plain)     # cold: stores
        self.assertTrue(entries(self.work))
        self.assertEqual(self.check("--jobs", "2", *args), plain)     # warm: reads
        self.assertEqual(self.check("--jobs", "1", *args), plain)

    def test_hits_and_misses_mixed_keep_the_order(self):
        tree = os.path.join(self.dir, "corpus")
        shutil.copytree(CORPUS, tree)
        args = ("--jobs", "2", "--format", "concise", "--scope", "all", tree)
        self.check(*args)
        names = sorted(f for f in os.listdir(tree) if f.endswith(".py"))
        for name in names[1::3]:          # every third file changes: misses among hits
            with open(os.path.join(tree, name), "ab") as f:
                f.write(b"\n\ndef _late():\n    global _n\n    _n += 1\n")
        before = entries(self.work)
        mixed = self.check(*args)
        self.assertEqual(mixed, self.check("--no-cache", *args))
        self.assertEqual(len(entries(self.work)), len(before) + len(names[1::3]))
        self.assertEqual(mixed[1].count(b"'_n'"), len(names[1::3]))

    def test_no_cache_neither_reads_nor_writes(self):
        src = self.write("m.py", RACY % b"")
        self.check("--format", "concise", src)
        stored = entries(self.work)
        self.assertEqual(len(stored), 1)
        for p in stored:   # an entry that would fail the run if it were read
            with open(p, "wb") as f:
                f.write(b"junk")
        rc, out, err = self.check("--no-cache", "--format", "concise", src)
        self.assertEqual(rc, 1, err)
        for p in stored:
            with open(p, "rb") as f:
                self.assertEqual(f.read(), b"junk")

    def test_changed_file_is_analysed_again(self):
        src = self.write("m.py", PLAIN)
        rc, out, _ = self.check("--format", "concise", src)
        self.assertEqual((rc, out), (0, b""))
        with open(src, "ab") as f:
            f.write(RACY % b"")
        rc, out, err = self.check("--format", "concise", src)
        self.assertEqual(rc, 1, err)
        self.assertIn(b"GIL101", out)
        self.assertEqual(len(entries(self.work)), 2)

    def test_changed_settings_and_rules_invalidate(self):
        src = self.write("m.py", PLAIN)
        concurrent = self.check("--format", "concise", src)
        self.assertEqual(concurrent[0], 0)
        everywhere = self.check("--format", "concise", "--scope", "all", src)
        self.assertEqual(everywhere[0], 1)
        self.assertIn(b"GIL104", everywhere[1])
        self.assertEqual(self.check("--format", "concise", src), concurrent)
        self.assertEqual(len(entries(self.work)), 2)
        # a copy of the rules, then one byte more in a rule's YAML: a new key for every file
        rules = os.path.join(self.dir, "rules")
        shutil.copytree(RULES, rules)
        env = {"GILCHECK_RULES": rules}
        self.assertEqual(self.check("--format", "concise", src, env=env), concurrent)
        self.assertEqual(len(entries(self.work)), 2)   # same rules, same key
        with open(os.path.join(rules, "GIL104.yaml"), "ab") as f:
            f.write(b"\n# edited\n")
        self.assertEqual(self.check("--format", "concise", src, env=env), concurrent)
        self.assertEqual(len(entries(self.work)), 3)

    def test_another_build_does_not_read_these_entries(self):
        src = self.write("m.py", PLAIN)
        env = {"GILCHECK_RULES": RULES}
        first = self.check("--format", "concise", src, env=env)
        self.assertEqual(len(entries(self.work)), 1)
        other = os.path.join(self.dir, "gilcheck-rebuilt")
        shutil.copyfile(GILCHECK, other)
        with open(other, "ab") as f:    # the same program, other bytes: another build
            f.write(b"\0rebuilt")
        os.chmod(other, 0o755)
        p = subprocess.run([other, "check", "--format", "concise", src], cwd=self.work,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                           env=dict(os.environ, **env))
        self.assertEqual((p.returncode, p.stdout, p.stderr), first)
        self.assertEqual(len(entries(self.work)), 2)

    def test_damaged_entries_are_misses(self):
        tree = self.messy_tree()
        args = ("--jobs", "2", "--format", "json", "--scope", "all", tree)
        plain = self.check("--no-cache", *args)
        self.check(*args)
        stored = entries(self.work)
        self.assertGreater(len(stored), 3)   # errors other than syntax errors are not stored
        self.assertLess(len(stored), 7)
        for n, p in enumerate(sorted(stored)):
            with open(p, "rb") as f:
                data = bytearray(f.read())
            if n % 3 == 0:
                data = data[:len(data) // 2]          # truncated
            elif n % 3 == 1:
                data[len(data) // 2] ^= 0x40          # a flipped bit
            else:
                data = bytearray(b"GILCACH2") + bytearray(len(data))   # zeros after the magic
            with open(p, "wb") as f:
                f.write(data)
        self.assertEqual(self.check(*args), plain)
        after = entries(self.work)
        self.assertEqual(sorted(after), sorted(stored))
        for p in stored:   # each one was written again
            self.assertNotEqual(after[p], stored[p])
        self.assertEqual(self.check(*args), plain)

    def test_pyc_entry_follows_its_noqa_source(self):
        src = self.write("mod.py", RACY % b"")
        pyc = os.path.join(self.dir, "src", "mod.pyc")   # beside it: its source by convention
        subprocess.run([sys.executable, "-c", "import py_compile, sys; "
                        "py_compile.compile(sys.argv[1], sys.argv[2], doraise=True)", src, pyc],
                       check=True)
        rc, out, _ = self.check("--format", "concise", pyc)
        self.assertIn(b" GIL101 ", out)
        with open(src, "wb") as f:
            f.write(RACY % b"  # noqa")
        rc, out, _ = self.check("--format", "concise", pyc)
        self.assertEqual((rc, out), (0, b""))
        os.remove(src)
        rc, out, _ = self.check("--format", "concise", pyc)
        self.assertIn(b" GIL101 ", out)


class RunCache(Base):
    def corpus(self):
        tree = os.path.join(self.dir, "corpus")
        shutil.copytree(CORPUS, tree)
        return tree

    def test_an_unchanged_run_reads_its_outcome_whole(self):
        tree = self.corpus()
        args = ("--jobs", "2", "--format", "json", "--scope", "all", tree)
        plain = self.check("--no-cache", *args)
        self.assertEqual(plain[0], 1, plain[2])
        self.assertFalse(runs(self.work))
        self.assertEqual(self.check(*args), plain)      # cold: every file, then the outcome
        self.assertEqual(len(runs(self.work)), 1)
        for p in entries(self.work):                    # the files' own entries go away ...
            os.unlink(p)
        self.assertEqual(self.check(*args), plain)      # ... and are not needed:
        self.assertEqual(entries(self.work), {})        # nothing was analysed again
        self.assertEqual(len(runs(self.work)), 1)
        # the outcome is the findings, not the report: another format reads it too
        concise = ("--jobs", "1", "--format", "concise", "--scope", "all", tree)
        self.assertEqual(self.check(*concise), self.check("--no-cache", *concise))
        self.assertEqual(entries(self.work), {})
        # one file changes: another run, composed again from the files' entries
        name = sorted(f for f in os.listdir(tree) if f.endswith(".py"))[0]
        with open(os.path.join(tree, name), "ab") as f:
            f.write(b"\n\ndef _late():\n    global _n\n    _n += 1\n")
        changed = self.check(*args)
        self.assertEqual(changed, self.check("--no-cache", *args))
        self.assertIn(b"'_n'", changed[1])
        self.assertEqual(len(runs(self.work)), 2)

    def test_a_damaged_run_entry_is_a_miss(self):
        tree = self.corpus()
        args = ("--format", "json", "--scope", "all", tree)
        plain = self.check("--no-cache", *args)
        self.check(*args)
        (path,) = runs(self.work)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        for damaged in (data[:len(data) // 2], data[:-1] + bytes([data[-1] ^ 1]),
                        data[:40] + bytes([data[40] ^ 0x10]) + data[41:]):
            with open(path, "wb") as f:
                f.write(damaged)
            self.assertEqual(self.check(*args), plain)

    def test_a_failed_file_stores_no_outcome(self):
        """A file that could not be analysed may be the machine's fault, not the file's: the run
        is not stored whole (its other files are, one by one)."""
        tree = self.messy_tree()
        args = ("--format", "json", tree)
        first = self.check(*args)
        self.assertEqual(first[0], 2)
        self.assertFalse(runs(self.work))
        self.assertEqual(self.check(*args), first)


class Clean(Base):
    def test_clean_removes_the_cache_and_only_it(self):
        src = self.write("m.py", RACY % b"")
        keep = os.path.join(self.work, "keep.txt")
        with open(keep, "w") as f:
            f.write("x")
        self.check(src)
        rc, out, err = run("clean", cwd=self.work)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out.decode(), r"^removed \./\.gilcheck_cache \(\d+ files\)\n$")
        self.assertFalse(os.path.exists(os.path.join(self.work, ".gilcheck_cache")))
        self.assertTrue(os.path.exists(keep))
        rc, out, err = run("clean", cwd=self.work)
        self.assertEqual((rc, out), (0, b"nothing to remove: no ./.gilcheck_cache\n"))
        rc, _, err = run("clean", "extra", cwd=self.work)
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    CORPUS = os.path.abspath(sys.argv.pop(1))
    RULES = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
