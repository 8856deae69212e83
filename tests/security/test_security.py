"""Issue 15's reproductions, one test class per item, each run as its own ctest
(security/NN_name): an attacker's repository, pull request or shared machine against
`gilcheck`.  Items 1 and 2 (a project file naming a program, configuration discovery and
ownership) are tested with the configuration (tests/cli/test_config.py).  docs/security.md says
which class proves which guarantee.

usage: python3 tests/security/test_security.py PATH/TO/gilcheck [ClassName ...]
"""
import ctypes
import ctypes.util
import glob
import importlib.util
import json
import marshal
import os
import re
import resource
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
from racy import RACY  # noqa: E402  tests/cli/racy.py: GIL101 at 8:5
import aead  # noqa: E402  tests/security/aead.py: the cache entries' seal

GILCHECK = None
SECRET = "ghp_TOPSECRETTOKEN0123456789"
CLEAN = RACY.replace("count += 1", "count  = 1")    # same length, no finding
FORMATS = ("full", "concise", "json", "sarif", "github")


def sanitized():
    """1 when gilcheck is an AddressSanitizer build (memory limits and RSS figures do not apply)."""
    with open(GILCHECK, "rb") as f:
        return b"__asan_init" in f.read()


def limit_memory():
    """preexec_fn: at most 2 GiB of address space, so that a runaway read fails fast instead of
    taking the machine (not under ASan, which reserves terabytes of shadow)."""
    if not sanitized():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run(*args, cwd=None, env=None, timeout=120, text=True):
    e = dict(os.environ)
    e.pop("CI", None)
    e.update(env or {})
    p = subprocess.run([GILCHECK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=text, timeout=timeout, cwd=cwd, env=e,
                       preexec_fn=limit_memory)
    return p.returncode, p.stdout, p.stderr


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)
    return path


def pyc_of(source, co_filename, path, flags=0, source_hash=None):
    """Writes a 3.x .pyc (this Python's) of `source` whose co_filename is `co_filename`."""
    code = compile(source, co_filename, "exec", dont_inherit=True)
    if flags & 1:
        tail = source_hash if source_hash is not None else \
            importlib.util.source_hash(source.encode())
    else:
        tail = struct.pack("<II", 0, len(source.encode()))
    data = importlib.util.MAGIC_NUMBER + struct.pack("<I", flags) + tail + marshal.dumps(code)
    write(path, data, "wb")
    return path


class Tree(unittest.TestCase):
    """A temporary directory holding the attacker's repository and the victim's secrets."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)
        self.repo = os.path.join(self.dir, "repo")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.repo)
        # the victim's credentials: every line holds the secret (any line number will do)
        self.secret = write(os.path.join(self.home, ".git-credentials"),
                            "".join("https://user:%s@github.com # %d\n" % (SECRET, i)
                                    for i in range(40)))
        self.env = {"XDG_CACHE_HOME": os.path.join(self.dir, "xdg-cache")}

    def tearDown(self):
        for dirpath, dirnames, _ in os.walk(self.dir):
            for d in dirnames:
                p = os.path.join(dirpath, d)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
        self.tmp.cleanup()

    @staticmethod
    def finding_files(fmt, out):
        """The files the findings of one format's report name (warnings left out)."""
        if fmt in ("full", "concise"):
            return {m.group(1) for m in re.finditer(r"^(.*):\d+:\d+: GIL\d{3} ", out, re.M)}
        if fmt == "json":
            return {f["path"] for f in json.loads(out) if f["rule"]}   # not warnings
        if fmt == "sarif":
            return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    for r in json.loads(out)["runs"][0]["results"]}
        if fmt == "github":
            return {m.group(1) for m in re.finditer(r"^::\w+ file=([^,]*),.*title=GIL", out, re.M)}
        return set(re.findall(r"<h2[^>]*>(.*?)</h2>", out))

    def outputs(self, *paths, extra=(), cwd=None):
        """Every format's report of paths (and the HTML page), with stderr: {format: text}."""
        got = {}
        for fmt in FORMATS + ("html",):
            html = os.path.join(self.dir, "report.html")
            args = ["check", "--no-cache", "--isolated", "--format", fmt] + list(extra)
            if fmt == "html":
                args += ["-o", html]
            rc, out, err = run(*args, *paths, cwd=cwd or self.repo, env=self.env)
            if fmt == "html":
                with open(html, encoding="utf-8", errors="replace") as f:
                    out = f.read()
            got[fmt] = (rc, out, err)
        return got


class Item03PinnedInterpreter(Tree):
    """3. python3 + python3._pth, pyvenv.cfg, lib/python3.11/os.py and encodings/__init__.py in
    the current directory, with `.` and that directory on PATH and PYTHON* variables set: the
    embedded interpreter imports none of them (tests/unit/input/pinned.c checks sys.path)."""

    def plant(self):
        marker = os.path.join(self.dir, "PLANTED-CODE-RAN")
        payload = ("import posix\nposix.close(posix.open(%r, posix.O_CREAT | posix.O_WRONLY, "
                   "0o644))\n" % marker)
        write(os.path.join(self.repo, "python3"), "#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(self.repo, "python3"), 0o755)
        write(os.path.join(self.repo, "python3._pth"), ".\nlib\n")
        write(os.path.join(self.repo, "pyvenv.cfg"), "home = %s\n" % self.repo)
        write(os.path.join(self.repo, "lib", "python3.11", "os.py"), payload)
        write(os.path.join(self.repo, "encodings", "__init__.py"), payload)
        write(os.path.join(self.repo, "site.py"), payload)
        write(os.path.join(self.repo, "tomllib", "__init__.py"), payload)
        write(os.path.join(self.repo, "racy.py"), RACY)
        write(os.path.join(self.repo, "pyproject.toml"), "[tool.gilcheck]\nscope = \"all\"\n")
        env = dict(self.env)
        env.update({"PATH": ".:%s:%s" % (self.repo, os.environ.get("PATH", "")),
                    "PYTHONHOME": self.repo, "PYTHONPATH": self.repo,
                    "PYTHONSTARTUP": os.path.join(self.repo, "site.py"),
                    "PYTHONPLATLIBDIR": "lib"})
        return marker, env

    def test_nothing_planted_runs(self):
        marker, env = self.plant()
        rc, out, err = run("check", "--no-cache", "--format", "concise", "racy.py",
                           cwd=self.repo, env=env)
        self.assertFalse(os.path.exists(marker), "planted code ran")
        self.assertEqual(rc, 1, err)
        self.assertIn("racy.py:8:5: GIL101 ", out)     # compiled, and the config was read
        rc, out, err = run("explain", "-c", "count += 1", cwd=self.repo, env=env)
        self.assertFalse(os.path.exists(marker), "planted code ran")
        self.assertEqual(rc, 1, err)


class Item04CoFilename(Tree):
    """4. A .pyc whose co_filename names the victim's credentials: no format shows a line of it,
    the HTML page does not embed it, SARIF does not point at it; the .pyc's path is shown."""

    def test_co_filename_outside_the_tree_is_not_read(self):
        pyc = pyc_of(RACY, self.secret, os.path.join(self.repo, "app.pyc"))
        rel = pyc_of(RACY, os.path.relpath(self.secret, self.repo),
                     os.path.join(self.repo, "rel.pyc"))
        for fmt, (rc, out, err) in self.outputs(".").items():
            self.assertEqual(rc, 1, (fmt, err))
            self.assertNotIn(SECRET, out + err, fmt)
            self.assertNotIn(".git-credentials", out + err, fmt)
            if fmt != "html":
                self.assertIn("app.pyc", out, fmt)
                self.assertIn("rel.pyc", out, fmt)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "sarif", pyc, rel,
                           cwd=self.repo, env=self.env)
        doc = json.loads(out)
        for res in doc["runs"][0]["results"]:
            uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            self.assertTrue(uri.endswith(("app.pyc", "rel.pyc")), uri)
            self.assertNotIn("startColumn", json.dumps(res))   # no source line was read

    def test_co_filename_inside_the_roots_is_shown(self):
        """The control: a source inside the paths given (or the pyc's own NAME.py) is named."""
        src = write(os.path.join(self.repo, "src", "mod.py"), RACY)
        pyc_of(RACY, src, os.path.join(self.repo, "build", "mod.pyc"))
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "build/mod.pyc", "src", cwd=self.repo, env=self.env)
        self.assertEqual(out.count("%s:8:5: GIL101" % src), 1, out)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "build/mod.pyc", cwd=self.repo, env=self.env)
        self.assertIn("build/mod.pyc:8:5: GIL101", out)  # src/ was not given: not read
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "--source-dir", "src", "build/mod.pyc", cwd=self.repo, env=self.env)
        self.assertEqual(out.count("%s:8:5: GIL101" % src), 1, out)   # a source dir, not searched
        twin = write(os.path.join(self.repo, "pkg", "twin.py"), RACY)
        pyc_of(RACY, twin, os.path.join(self.repo, "pkg", "__pycache__", "twin.cpython-311.pyc"))
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "pkg/__pycache__/twin.cpython-311.pyc", cwd=self.repo, env=self.env)
        self.assertIn("%s:8:5: GIL101" % twin, out)

    def test_a_cached_result_does_not_name_what_these_roots_refuse(self):
        """A cache entry made when the credentials' directory was one of the paths given is not
        reused when it is not."""
        pyc_of(RACY, self.secret, os.path.join(self.repo, "app.pyc"))
        rc, out, err = run("check", "--isolated", "--format", "concise", "app.pyc", self.home,
                           cwd=self.repo, env=self.env)
        self.assertIn(".git-credentials:8:5: GIL101", out)   # allowed: the user named it
        rc, out, err = run("check", "--isolated", "--format", "concise", "app.pyc",
                           cwd=self.repo, env=self.env)
        self.assertIn("app.pyc:8:5: GIL101", out)
        self.assertNotIn(".git-credentials", out)


class Item05Symlinks(Tree):
    """5. Committed symlinks named *.py to files (and directories) outside the checkout are
    skipped with a warning; --follow-symlinks follows them."""

    def test_links_out_of_the_tree_are_not_followed(self):
        outside = write(os.path.join(self.home, "private", "creds.py"),
                        RACY.replace("import threading", "import threading\n# " + SECRET))
        os.symlink(outside, os.path.join(self.repo, "leak.py"))
        os.symlink(os.path.dirname(outside), os.path.join(self.repo, "private"))
        write(os.path.join(self.repo, "ok.py"), RACY)
        for fmt, (rc, out, err) in self.outputs(".").items():
            self.assertEqual(rc, 1, (fmt, err))
            self.assertNotIn(SECRET, out + err, fmt)
            self.assertEqual({os.path.basename(f) for f in self.finding_files(fmt, out)},
                             {"ok.py"}, fmt)
            self.assertIn("leak.py: symbolic link to %s, outside the paths being checked: not "
                          "followed (--follow-symlinks follows it)" % outside, err, fmt)
            self.assertIn("private: symbolic link to %s, outside" % os.path.dirname(outside), err)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "--follow-symlinks", ".", cwd=self.repo, env=self.env)
        # one file reached through two links: one finding, naming the other path
        self.assertIn("leak.py:9:5: GIL101", out)
        self.assertNotIn("private/creds.py:9:5: GIL101", out)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "json",
                           "--follow-symlinks", ".", cwd=self.repo, env=self.env)
        self.assertEqual([(f["path"], f["copies"]) for f in json.loads(out)
                          if f["path"].endswith("leak.py")], [("leak.py", ["private/creds.py"])])

    def test_links_inside_the_tree_are_followed(self):
        write(os.path.join(self.repo, "real", "mod.py"), RACY)
        os.symlink("real/mod.py", os.path.join(self.repo, "alias.py"))
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise", ".",
                           cwd=self.repo, env=self.env)
        self.assertIn("alias.py:8:5: GIL101", out)     # real/mod.py is the same file
        self.assertNotIn("real/mod.py:8:5: GIL101", out)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "full", ".",
                           cwd=self.repo, env=self.env)
        self.assertIn("= also in 1 identical copy of this file: real/mod.py", out)
        self.assertNotIn("symbolic link", err)


class Item06DevZero(Tree):
    """6. co_filename = /dev/zero (and a .py that is a FIFO or /dev/zero itself): every format
    ends, the .pyc is named, nothing reads without end."""

    def test_dev_zero_as_co_filename_terminates(self):
        pyc_of(RACY, "/dev/zero", os.path.join(self.repo, "zero.pyc"))
        t0 = time.time()
        for fmt, (rc, out, err) in self.outputs(".").items():
            self.assertEqual(rc, 1, (fmt, err))
            if fmt != "html":
                self.assertIn("zero.pyc", out, fmt)
        self.assertLess(time.time() - t0, 120)

    def test_special_files_are_refused_not_read(self):
        os.mkfifo(os.path.join(self.repo, "fifo.py"))
        os.symlink("/dev/zero", os.path.join(self.repo, "zero.py"))
        write(os.path.join(self.repo, "ok.py"), RACY)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise",
                           "--follow-symlinks", "fifo.py", "zero.py", "ok.py",
                           cwd=self.repo, env=self.env, timeout=60)
        self.assertEqual(rc, 2, err)
        self.assertIn("ok.py:8:5: GIL101", out)
        self.assertIn("fifo.py: cannot read (not a regular file)", err)
        self.assertIn("zero.py: cannot read (not a regular file)", err)
        rc, out, err = run("dis", "/dev/zero", timeout=60)
        self.assertEqual(rc, 2, err)


class Item07Writes(Tree):
    """7. A committed .gilcheck_cache symlink, a symlink at the -o path: nothing is written
    where they point; files are created 0644 and directories 0755 under the umask."""

    def test_cache_symlink_is_refused(self):
        target = os.path.join(self.home, "elsewhere")
        os.makedirs(target)
        write(os.path.join(self.repo, "racy.py"), RACY)
        os.symlink(target, os.path.join(self.repo, ".gilcheck_cache"))
        rc, out, err = run("check", "--isolated", "--format", "concise", ".", cwd=self.repo,
                           env=self.env)
        self.assertEqual(rc, 1, err)
        self.assertIn("racy.py:8:5: GIL101", out)
        self.assertEqual(os.listdir(target), [])
        self.assertIn(".gilcheck_cache: is a symbolic link: the result cache is not used", err)
        # a link one level down, at the version directory, is refused too
        os.remove(os.path.join(self.repo, ".gilcheck_cache"))
        rc, out, err = run("check", "--isolated", "--format", "concise", ".", cwd=self.repo,
                           env=self.env)
        (version,) = [d for d in os.listdir(os.path.join(self.repo, ".gilcheck_cache"))
                      if re.match(r"^\d", d)]
        vdir = os.path.join(self.repo, ".gilcheck_cache", version)
        shutil.rmtree(vdir)
        os.symlink(target, vdir)
        rc, out, err = run("check", "--isolated", "--format", "concise", ".", cwd=self.repo,
                           env=self.env)
        self.assertEqual(os.listdir(target), [])
        self.assertIn("is a symbolic link: the result cache is not used", err)

    def test_output_symlink_is_refused_unless_forced(self):
        write(os.path.join(self.repo, "racy.py"), RACY)
        precious = write(os.path.join(self.home, ".bashrc"), "precious\n")
        os.symlink(precious, os.path.join(self.repo, "report.txt"))
        os.symlink(self.home, os.path.join(self.repo, "out"))
        for dest in ("report.txt", "out/report.txt", os.path.join(self.repo, "report.txt")):
            rc, out, err = run("check", "--isolated", "--no-cache", "-o", dest, "racy.py",
                               cwd=self.repo, env=self.env)
            self.assertEqual(rc, 2, (dest, err))
            self.assertIn("%s: not writing the report through a symbolic link" % dest, err)
        with open(precious) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertFalse(os.path.exists(os.path.join(self.home, "report.txt")))
        rc, out, err = run("check", "--isolated", "--no-cache", "--force", "-o", "report.txt",
                           "racy.py", cwd=self.repo, env=self.env)
        self.assertEqual(rc, 1, err)
        with open(precious) as f:
            self.assertIn("GIL101", f.read())

    def test_modes_follow_the_umask(self):
        write(os.path.join(self.repo, "racy.py"), RACY)
        for umask, fmode, dmode in ((0o022, 0o644, 0o755), (0o077, 0o600, 0o700)):
            shutil.rmtree(os.path.join(self.repo, ".gilcheck_cache"), ignore_errors=True)
            report = os.path.join(self.repo, "report-%o.txt" % umask)
            old = os.umask(umask)
            try:
                run("check", "--isolated", "-o", report, "racy.py", cwd=self.repo, env=self.env)
            finally:
                os.umask(old)
            self.assertEqual(stat.S_IMODE(os.stat(report).st_mode), fmode)
            cache = os.path.join(self.repo, ".gilcheck_cache")
            modes = set()
            for dirpath, dirnames, files in os.walk(cache):
                modes.add(("d", stat.S_IMODE(os.stat(dirpath).st_mode)))
                for f in files:
                    modes.add(("f", stat.S_IMODE(os.stat(os.path.join(dirpath, f)).st_mode)))
            self.assertEqual(modes, {("d", dmode), ("f", fmode)}, umask)


class Item08Pycache(Tree):
    """8. A committed __pycache__ pyc of a harmless twin: an unchecked-hash one is never
    analysed in place of the source; a checked-hash one only when its hash is the source's;
    none at all when CI is set (unless --pycache)."""

    def twin(self, flags, source_hash=None, source=RACY):
        app = write(os.path.join(self.repo, "app.py"), source)
        cached = os.path.join(self.repo, "__pycache__", "app.cpython-311.pyc")
        harmless = CLEAN if source == RACY else RACY
        pyc_of(harmless, app, cached, flags=flags, source_hash=source_hash)
        return app

    def rules(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise", *args,
                           "app.py", cwd=self.repo, env=e)
        return rc, [l.split()[1] for l in out.splitlines()], err

    def test_unchecked_hash_twin_is_not_trusted(self):
        self.twin(flags=0b01)                  # hash-based, check_source off
        rc, rules, err = self.rules()
        self.assertEqual((rc, rules), (1, ["GIL101"]), err)   # the racy source, not "All clear"

    def test_checked_hash_twin_is_verified(self):
        self.twin(flags=0b11, source_hash=importlib.util.source_hash(CLEAN.encode()))
        self.assertEqual(self.rules()[:2], (1, ["GIL101"]))   # not the source's hash: compiled
        # the control: a checked-hash pyc whose hash is the source's is what is analysed (its
        # code is the racy twin, the source the clean one)
        self.twin(flags=0b11, source=CLEAN, source_hash=importlib.util.source_hash(CLEAN.encode()))
        self.assertEqual(self.rules()[:2], (1, ["GIL101"]))
        self.assertEqual(self.rules("--no-pycache")[:2], (0, []))

    def test_no_pycache_when_ci_is_set(self):
        self.twin(flags=0, source=CLEAN)       # a timestamp pyc of the racy twin...
        app = os.path.join(self.repo, "app.py")
        cached = os.path.join(self.repo, "__pycache__", "app.cpython-311.pyc")
        st = os.stat(app)
        with open(cached, "r+b") as f:          # ... fresh for the clean source
            f.seek(8)
            f.write(struct.pack("<II", int(st.st_mtime) & 0xffffffff, st.st_size))
        self.assertEqual(self.rules()[:2], (1, ["GIL101"]))              # reused, as import
        self.assertEqual(self.rules(env={"CI": "true"})[:2], (0, []))     # CI: compiled
        self.assertEqual(self.rules("--pycache", env={"CI": "true"})[:2], (1, ["GIL101"]))
        self.assertEqual(self.rules(env={"CI": "false"})[:2], (1, ["GIL101"]))


class Item09CacheMac(Tree):
    """9. A committed (or another user's) .gilcheck_cache entry saying "no findings" for a racy
    file is a miss: entries carry a MAC keyed with the user's own secret."""

    def entry(self, name, text, xdg):
        """Runs check on repo/name holding text with a fresh cache: its one entry (path, bytes)."""
        shutil.rmtree(os.path.join(self.repo, ".gilcheck_cache"), ignore_errors=True)
        write(os.path.join(self.repo, name), text)
        run("check", "--isolated", "--format", "concise", name, cwd=self.repo,
            env={"XDG_CACHE_HOME": xdg})
        (path,) = [p for p in glob.glob(os.path.join(self.repo, ".gilcheck_cache", "*", "*", "*"))
                   if os.path.isfile(p)]
        with open(path, "rb") as f:
            return path, f.read()

    @staticmethod
    def record(entry):
        """The drv_blob record of an entry without a dependency."""
        (dlen,) = struct.unpack_from("<I", entry, 24)
        assert dlen == 0xffffffff
        (blen,) = struct.unpack_from("<Q", entry, 28)
        return entry[36:36 + blen]

    def forge(self, path, magic, key, record, trailer):
        head = entry = magic + key + struct.pack("<IQ", 0xffffffff, len(record)) + record
        with open(path, "wb") as f:
            f.write(entry + trailer(head))

    def test_the_seal_is_rfc_8439(self):
        """The helper that forges seals computes RFC 8439's own example (section 2.8.2)."""
        text = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                b"for the future, sunscreen would be it.")
        ct = bytes.fromhex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca967"
            "1282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee32809"
            "1b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116")
        self.assertEqual(len(text), len(ct))
        self.assertEqual(aead.tag(bytes(range(0x80, 0xa0)),
                                  bytes.fromhex("070000004041424344454647"),
                                  bytes.fromhex("50515253c0c1c2c3c4c5c6c7"), ct).hex(),
                         "1ae10b594f09e26a7e902ecbd0600691")

    def test_a_forged_entry_is_a_miss(self):
        attacker = os.path.join(self.dir, "attacker-cache")
        victim = os.path.join(self.dir, "victim-cache")
        _, clean = self.entry("app.py", CLEAN, attacker)
        nothing = self.record(clean)                 # "no findings"
        path, racy = self.entry("app.py", RACY, attacker)
        magic, key = racy[:8], racy[8:24]

        def checks(xdg):
            rc, out, err = run("check", "--isolated", "--format", "concise", "app.py",
                               cwd=self.repo, env={"XDG_CACHE_HOME": xdg})
            return rc, out

        # the attacker can compute a public checksum (the XXH3-64 gilcheck used to store) ...
        xxh = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
        xxh.XXH3_64bits.restype = ctypes.c_uint64
        xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        self.forge(path, magic, key, nothing, lambda b: struct.pack("<Q", xxh.XXH3_64bits(b, len(b))))
        self.assertEqual(checks(victim)[0], 1, "a forged entry hid the finding")
        # ... and a MAC with a key of their own, but not the victim's
        with open(os.path.join(attacker, "gilcheck", "cache-key"), "rb") as f:
            attacker_key = f.read()
        self.forge(path, magic, key, nothing, lambda b: aead.seal(attacker_key, b))
        self.assertEqual(checks(victim)[0], 1, "another user's entry hid the finding")
        # the control: with the secret it was made with, the same entry is believed (the miss
        # above stored the victim's own entry over it: forged again)
        self.forge(path, magic, key, nothing, lambda b: aead.seal(attacker_key, b))
        self.assertEqual(checks(attacker)[0], 0)
        self.assertTrue(os.stat(os.path.join(victim, "gilcheck")).st_mode & 0o777 == 0o700)
        key_file = os.path.join(victim, "gilcheck", "cache-key")
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        self.assertFalse(glob.glob(os.path.join(self.repo, "**", "cache-key"), recursive=True))

    def test_a_forged_run_outcome_is_a_miss(self):
        """The outcome of a whole run (<version>/runs/, read instead of every file's entry when
        nothing changed) carries the same MAC: one rewritten to "no findings" is a miss."""
        attacker = os.path.join(self.dir, "attacker-cache")
        victim = os.path.join(self.dir, "victim-cache")

        def outcome(name, text, xdg):
            self.entry(name, text, xdg)
            (path,) = glob.glob(os.path.join(self.repo, ".gilcheck_cache", "*", "runs", "*", "*"))
            with open(path, "rb") as f:
                data = f.read()
            (ndeps,) = struct.unpack_from("<I", data, 24)
            assert ndeps == 0
            (blen,) = struct.unpack_from("<Q", data, 28)
            return path, data[:28], data[36:36 + blen]

        _, _, nothing = outcome("app.py", CLEAN, attacker)       # "no findings"
        path, head, _ = outcome("app.py", RACY, attacker)        # the racy run's key

        def forge(key):
            body = head + struct.pack("<Q", len(nothing)) + nothing
            with open(path, "wb") as f:
                f.write(body + aead.seal(key, body))

        def checks(xdg):
            return run("check", "--isolated", "--format", "concise", "app.py", cwd=self.repo,
                       env={"XDG_CACHE_HOME": xdg})[0]

        with open(os.path.join(attacker, "gilcheck", "cache-key"), "rb") as f:
            attacker_key = f.read()
        forge(attacker_key)
        self.assertEqual(checks(victim), 1, "another user's run outcome hid the finding")
        forge(attacker_key)     # the control: with the secret it was made with, it is believed
        self.assertEqual(checks(attacker), 0)

    def test_a_key_others_can_read_is_not_used(self):
        xdg = os.path.join(self.dir, "shared-cache")
        write(os.path.join(self.repo, "app.py"), RACY)
        run("check", "--isolated", "app.py", cwd=self.repo, env={"XDG_CACHE_HOME": xdg})
        os.chmod(os.path.join(xdg, "gilcheck", "cache-key"), 0o644)
        rc, out, err = run("check", "--isolated", "--format", "concise", "app.py",
                           cwd=self.repo, env={"XDG_CACHE_HOME": xdg})
        self.assertEqual(rc, 1, err)
        self.assertIn("the result cache is off: its key gilcheck/cache-key is unusable", err)


class Item10Escaping(Tree):
    """10. A newline in a file name, a name starting with '::', escape sequences in a comment:
    no output line starts a GitHub workflow command, no control character reaches the
    terminal; github escapes per the workflow-command rules; SARIF and JSON are JSON."""

    NAMES = ("a\n::warning file=README.md,line=1::injected.py",
             "::error title=pwned::x.py",
             "b\x1b]0;title\x07\u202e.py",
             "  ::notice::c.py",
             "p" * 70 + " ::error::wrapped.py")     # the full format wraps at the blank

    def setUp(self):
        super().setUp()
        self.paths = [write(os.path.join(self.repo, n),    # not copies of one another
                            RACY.replace("count += 1", "count += 1  # \x1b[8mhidden\x1b[0m") +
                            "# %d\n" % i)
                      for i, n in enumerate(self.NAMES)]

    @staticmethod
    def commands(text):
        """Lines the Actions runner would take as commands (after leading blanks)."""
        return [l for l in re.split(r"\r\n|\r|\n", text)
                if l.lstrip().startswith("::") or l.lstrip().startswith("##[")]

    def test_text_formats(self):
        for fmt in ("full", "concise"):
            for args in ([], list(self.NAMES)):
                rc, out, err = run("check", "--isolated", "--no-cache", "--format", fmt,
                                   "--color", "never", *(args or ["."]), cwd=self.repo,
                                   env=self.env)
                self.assertEqual(rc, 1, err)
                self.assertEqual(self.commands(out + err), [], (fmt, out))
                for ch in "\x1b\x07\u202e":
                    self.assertNotIn(ch, out + err, fmt)
                self.assertIn("a\\n::warning file=README.md,line=1::injected.py:8:5: GIL101",
                              out)
                self.assertIn("b\\x1b]0;title\\x07\\u202e.py:8:5", out)
                self.assertIn("./::error title=pwned::x.py:8:5", out)
                self.assertIn("./  ::notice::c.py:8:5", out)
                if fmt == "full":
                    self.assertIn("count += 1  # \\x1b[8mhidden\\x1b[0m", out)
        self.assertEqual(len([l for l in out.splitlines() if ": GIL101 " in l]), 5)

    def test_github_format(self):
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "github", ".",
                           cwd=self.repo, env=self.env)
        self.assertEqual(rc, 1, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 5, out)
        files = []
        for l in lines:
            m = re.match(r"^::warning file=([^,]*),line=8,col=5,endLine=8,endColumn=\d+,"
                         r"title=GIL101 rmw-global::[^\r\n]*$", l)
            self.assertTrue(m, l)
            files.append(m.group(1).replace("%0A", "\n").replace("%0D", "\r")
                         .replace("%3A", ":").replace("%2C", ",").replace("%25", "%"))
        self.assertEqual(sorted(files), sorted(self.NAMES))

    def test_json_and_sarif(self):
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "json", ".",
                           cwd=self.repo, env=self.env)
        self.assertEqual(sorted(f["path"] for f in json.loads(out) if f["rule"]),
                         sorted(self.NAMES))
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "sarif", ".",
                           cwd=self.repo, env=self.env)
        results = json.loads(out)["runs"][0]["results"]
        self.assertEqual(len(results), 5)
        self.assertEqual(self.commands(out), [])


class Item11Interleavings(Tree):
    """11. N statements on one line: memory linear in the file, not N^2 (a 24 KB file took
    10 GB; a 36 KB one ran out of memory)."""

    def test_one_line_of_statements(self):
        # (the composition pairs every access to `c` with every other: its time, not its
        # memory, is quadratic in them, so the slower builds check the smaller file only)
        for size, formats in ((24000, ("concise", "sarif")), (36000, ("concise",))):
            if sanitized() and size > 24000:
                continue
            n = size // 7
            write(os.path.join(self.repo, "line.py"),
                  "import threading\nc = 0\ndef work():\n    global c\n    " +
                  ";".join(["c += 1"] * n) +
                  "\nfor _ in range(2):\n    threading.Thread(target=work).start()\n")
            for fmt in formats:
                before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                rc, out, err = run("check", "--isolated", "--no-cache", "--format", fmt,
                                   "line.py", cwd=self.repo, env=self.env, timeout=300)
                self.assertEqual(rc, 1, err[-2000:])
                if fmt == "concise":
                    self.assertEqual(out.count(": GIL101 "), n)
                else:
                    self.assertEqual(len(json.loads(out)["runs"][0]["results"]), n)
                peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                if not sanitized() and peak > before:
                    self.assertLess(peak, 400 * 1024, (size, fmt, "KiB peak"))


class Item12Walk(Tree):
    """12. Two symlinks per level to the next directory (no loop), 16 levels: each directory is
    searched once (it was 2^16 walks: 65,536 copies of one file, 18 s)."""

    def test_links_do_not_multiply_the_walk(self):
        tree = os.path.join(self.repo, "tree")
        for i in range(17):
            os.makedirs(os.path.join(tree, "d%02d" % i))
        for i in range(16):
            for name in ("x", "y"):
                os.symlink("../d%02d" % (i + 1), os.path.join(tree, "d%02d" % i, name))
        write(os.path.join(tree, "d16", "f.py"), RACY)
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise", "tree",
                           cwd=self.repo, env=self.env, timeout=120)
        self.assertEqual(rc, 1, err[-2000:])
        self.assertEqual(out, "tree/d16/f.py:8:5: GIL101 read-modify-write of global 'count' "
                         "is not atomic: another thread can write it between the read (line 8) "
                         "and this write\n")
        self.assertEqual(err.count("was already searched under another name"), 32, err)


class Item13Gitignore(Tree):
    """13. `*a*a*a*a*a*a*a*a*b` in .gitignore and an 80-character name: libgit2's matcher
    (git's too) backtracks for minutes; gilcheck bounds the work per path and says so."""

    @unittest.skipUnless(shutil.which("git"), "git not installed")
    def test_pathological_pattern(self):
        subprocess.run(["git", "init", "-q", self.repo], check=True)
        write(os.path.join(self.repo, ".gitignore"), "*a*a*a*a*a*a*a*a*b\ngen/\n")
        write(os.path.join(self.repo, "a" * 77 + ".py"), RACY)
        write(os.path.join(self.repo, "gen", "generated.py"), RACY + "# generated\n")
        write(os.path.join(self.repo, "kept.py"), RACY + "# kept\n")
        t0 = time.time()
        rc, out, err = run("check", "--isolated", "--no-cache", "--format", "concise", ".",
                           cwd=self.repo, env=self.env, timeout=60)
        self.assertLess(time.time() - t0, 30)
        self.assertEqual(rc, 1, err)
        files = sorted(l.split(":")[0] for l in out.splitlines())
        self.assertEqual(files, ["a" * 77 + ".py", "kept.py"])   # gen/ still ignored
        self.assertIn("1 path was not checked against the ignore files: a pattern with 9 "
                      "wildcards (%s/.gitignore:1: *a*a*a*a*a*a*a*a*b)" % self.repo, err)


class Item14LspMemory(unittest.TestCase):
    """14. The language server's memory stays flat over edits, and over documents opened and
    closed (tools/bench_lsp_memory.py with fewer edits than its 30,000)."""

    def test_flat(self):
        args = [sys.executable, os.path.join(ROOT, "tools", "bench_lsp_memory.py"),
                "--gilcheck", GILCHECK, "--every", "250", "--list-items", "200"]
        if sanitized():     # much slower, and ASan's quarantine holds freed memory: no figure
            args += ["--edits", "300", "--docs", "100"]
        else:
            args += ["--edits", "1500", "--docs", "500", "--max-growth-kb", "1024"]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=900)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("server exit code 0", p.stdout)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
