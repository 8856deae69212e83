"""The HTML report: `gilcheck check --format html -o FILE` writes one self-contained page, which
headless Chromium (Debian's chromium package) renders without console errors into a screenshot
that is not blank.  Exits 77 (skipped) when chromium is not installed.

usage: python3 tests/explain/test_html.py PATH/TO/gilcheck
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

GILCHECK = None
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

RACY = """import threading

count = 0
hits = {}


def work(k):
    global count
    count += 1
    hits[k] = hits[k] + 1
    if k not in hits:
        hits[k] = 0


for _ in range(2): threading.Thread(target=work, args=("a",)).start()
"""


def png_pixels(path):
    """(width, height, rows of bytes) of an 8-bit RGB/RGBA PNG, unfiltered."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def render(html_path, png_path):
    """Renders the page; returns the console messages Chromium logged."""
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--screenshot=" + png_path, "--window-size=1200,1600",
                        "--enable-logging=stderr", "--v=0", "file://" + html_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=120)
    return [l for l in p.stderr.splitlines() if ":CONSOLE" in l]


class Html(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def report(self):
        src = os.path.join(self.dir, "racy.py")
        with open(src, "w") as f:
            f.write(RACY)
        out = os.path.join(self.dir, "report.html")
        p = subprocess.run([GILCHECK, "check", "--format", "html", "-o", out, src],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, "")
        with open(out) as f:
            return out, f.read()

    def test_page_is_self_contained_and_complete(self):
        _, page = self.report()
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        self.assertIn("</html>", page)
        self.assertNotIn("<script", page)
        self.assertNotIn("<link", page)
        self.assertIsNone(re.search(r"(src|href)=\"(https?:)?//", page))
        for text in ("GIL101", "GIL104", "GIL201", "Thread A", "Thread B", "BINARY_SUBSCR",
                     "class=\"hit\"", "Final: count = 1: B's update is lost"):
            self.assertIn(text, page)
        self.assertEqual(page.count("class=\"finding\""), 3)

    def test_no_findings_page(self):
        src = os.path.join(self.dir, "clean.py")
        with open(src, "w") as f:
            f.write("x = 1\n")
        p = subprocess.run([GILCHECK, "check", "--format", "html", src], stdout=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
        self.assertEqual(p.returncode, 0)
        self.assertIn("All clear: 1 file checked.", p.stdout)

    @unittest.skipUnless(CHROMIUM, "chromium not installed")
    def test_console_detection_works(self):
        bad = os.path.join(self.dir, "bad.html")
        with open(bad, "w") as f:
            f.write("<html><body><script>console.error('boom')</script>x</body></html>")
        self.assertTrue(render(bad, os.path.join(self.dir, "bad.png")))

    @unittest.skipUnless(CHROMIUM, "chromium not installed")
    def test_renders_in_chromium(self):
        out, _ = self.report()
        png = os.path.join(self.dir, "shot.png")
        console = render(out, png)
        self.assertEqual(console, [])
        width, height, bpp, rows = png_pixels(png)
        self.assertEqual((width, height), (1200, 1600))
        colours = set()
        for row in rows[::8]:
            for x in range(0, len(row), bpp * 4):
                colours.add(row[x:x + 3])
        # a blank page has one colour; the report has text, red, orange, blue and green lanes
        self.assertGreater(len(colours), 20)
        self.assertTrue(any(c[2] > c[0] + 20 for c in colours), "no blue lane")
        self.assertTrue(any(c[1] > c[0] + 20 and c[1] > c[2] + 10 for c in colours),
                        "no green lane")


# Measured in the browser on a copy of the page (the report itself has no scripts): the source
# font is monospace (a run of "i" as wide as one of "M"), a marked line's text starts where an
# unmarked line's does, every link of the page leads to an element that exists.
PROBE = """<script>
window.addEventListener('load', function () {
  var src = document.querySelector('.src');
  function width(t) {
    var s = document.createElement('span'); s.textContent = t; src.appendChild(s);
    var w = s.getBoundingClientRect().width; src.removeChild(s); return w;
  }
  function textLeft(div) {
    var node = div.childNodes[div.childNodes.length - 1], r = document.createRange();
    r.setStart(node, 0); r.setEnd(node, 1); return r.getBoundingClientRect().left;
  }
  var hit = document.querySelector('.src .hit'), plain = document.querySelector('.src div:not(.hit):not(.rel)');
  var family = getComputedStyle(src).fontFamily;
  var broken = [];
  document.querySelectorAll('a[href^="#"]').forEach(function (a) {
    if (!document.getElementById(a.getAttribute('href').slice(1))) broken.push(a.getAttribute('href'));
  });
  document.body.setAttribute('data-probe', JSON.stringify({
    iw: width('iiiiiiiiii'), mw: width('MMMMMMMMMM'), family: family,
    hitLeft: textLeft(hit), plainLeft: textLeft(plain), broken: broken,
    links: document.querySelectorAll('a[href^="#"]').length}));
});
</script>"""


def probe(page_path, tmpdir):
    """The measurements of PROBE in headless Chromium (a dict)."""
    with open(page_path) as f:
        page = f.read()
    probed = os.path.join(tmpdir, "probed.html")
    with open(probed, "w") as f:
        f.write(page.replace("</body>", PROBE + "</body>"))
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--virtual-time-budget=3000", "--window-size=1200,1600", "--dump-dom",
                        "file://" + probed], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    m = re.search(r"data-probe=\"([^\"]*)\"", p.stdout)
    assert m, p.stdout[-500:] + p.stderr[-500:]
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def gil301_example():
    """GIL301's first unsafe example, from its YAML (kept right as the engine grows)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "tools"))
    sys.dont_write_bytecode = True
    import gen_rule_docs
    rule = gen_rule_docs.load_yaml(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "..", "..", "rules", "GIL301.yaml"))
    return rule["examples"]["unsafe"][0]


class Layout(unittest.TestCase):
    """What a reader of the page needs: a summary with links first, the source in monospace,
    marked lines linked to their findings, the source text of each step of the lanes, and the
    labels of each finding's own accesses."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def page(self, text, name="racy.py", *args):
        src = os.path.join(self.dir, name)
        with open(src, "w") as f:
            f.write(text)
        out = os.path.join(self.dir, name + ".html")
        p = subprocess.run([GILCHECK, "check", "--format", "html", "-o", out, src] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        with open(out) as f:
            return out, f.read()

    def test_summary_first_with_links(self):
        _, page = self.page(RACY)
        summary = page.index('<table class="summary" id="files">')
        self.assertLess(summary, page.index('<div class="src">'))
        self.assertIn('<a href="#file-0">', page)
        self.assertIn('id="file-0"', page)
        for i in range(3):      # each finding listed and linked
            self.assertIn('<a href="#f0-%d">' % i, page)
            self.assertIn('id="f0-%d"' % i, page)
        self.assertIn("Found 3 findings in 1 file (1 file checked).", page)

    def test_lines_link_to_their_findings(self):
        _, page = self.page(RACY)
        self.assertRegex(page, r'<div id="L0-9" class="hit"><a class="ln" href="#f0-0"')
        self.assertIn('<a href="#L0-9">line 9</a>', page)

    def test_each_step_shows_its_source(self):
        _, page = self.page(RACY)
        lanes = page[page.index('class="lanes"'):]
        self.assertIn('<span class="stepsrc" title="line 9">count += 1</span>', lanes)

    def test_labels_are_the_findings_own_accesses(self):
        # GIL301's window is the unlocked store alone: it is a write, never "read"
        # (the rules' examples are checked with --scope all, as the corpus runner does)
        _, page = self.page(gil301_example(), "gil301.py", "--scope", "all")
        table = page[page.index('<table class="bc">'):]
        table = table[:table.index("</table>")]
        self.assertIn("<td>write</td>", table)
        self.assertNotIn("<td>read</td>", table)

    @unittest.skipUnless(CHROMIUM, "chromium not installed")
    def test_monospace_source_and_aligned_lines_in_chromium(self):
        out, _ = self.page(RACY)
        m = probe(out, self.dir)
        self.assertGreater(m["iw"], 0, m)
        self.assertAlmostEqual(m["iw"], m["mw"], delta=0.5, msg=m)     # monospace
        self.assertAlmostEqual(m["hitLeft"], m["plainLeft"], delta=0.5, msg=m)
        self.assertEqual(m["broken"], [], m)
        self.assertGreaterEqual(m["links"], 8, m)


if __name__ == "__main__":
    GILCHECK = os.path.abspath(sys.argv.pop(1))
    if not CHROMIUM:
        print("skip: chromium is not installed")
        # the page checks still run without a browser
    result = unittest.main(verbosity=1, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if not CHROMIUM else 0)
