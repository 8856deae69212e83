"""Generates the man page gilcheck.1 from gilcheck's own help texts (`gilcheck --help` and
`gilcheck COMMAND --help` for every command the first lists), so the page says what the binary
says.  CMake runs it after building gilcheck; `cmake --install` installs the result.

usage: python3 tools/gen_man.py --gilcheck PATH/TO/gilcheck -o gilcheck.1

The help texts follow one layout, which is all this reads: a "usage:" block, paragraphs, blocks
of items indented by two spaces ("  --opt ARG   what it does", continued by deeper-indented
lines), sections introduced by a line "name:" (commands, options, environment) and a closing
"exit codes: ..." paragraph.  The date is the release date of this version in CHANGELOG.md
("unreleased" before that), never today's, so a build is reproducible.  Standard library only.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTION_RE = re.compile(r"^([a-z][a-z ]*):$")
ITEM_SPLIT_RE = re.compile(r"\S(\s{2,})\S")


def help_text(gilcheck, *args):
    # one line per paragraph: the help wraps to COLUMNS, and groff wraps the page itself
    env = dict(os.environ, COLUMNS="1000")
    p = subprocess.run([gilcheck] + list(args) + ["--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env)
    if p.returncode != 0:
        sys.exit("gen_man: %s %s --help exited %d: %s" % (gilcheck, " ".join(args), p.returncode,
                                                          p.stderr.strip()))
    return p.stdout


OPTION_RE = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def esc(text):
    """Text for a roff line: backslashes escaped, a leading control character neutralised, and
    the hyphens of options (--run-calls) made minus signs, where no line is broken."""
    text = text.replace("\\", "\\e")
    text = OPTION_RE.sub(lambda m: m.group(1).replace("-", "\\-"), text)
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def esc_term(text):
    """An option or argument name: hyphens are minus signs (so they can be searched and copied)."""
    return esc(text.replace("-", "\x00")).replace("\x00", "\\-")


def blocks(text):
    """The help text as a list of blocks: lists of lines between blank lines."""
    out, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def items(lines):
    """Indented lines as (term, description) pairs: an item starts at the smallest indent."""
    indent = min(len(l) - len(l.lstrip()) for l in lines)
    result = []
    for line in lines:
        ind = len(line) - len(line.lstrip())
        if ind == indent:
            body = line.strip()
            m = ITEM_SPLIT_RE.search(body)
            if m:
                result.append([body[:m.start(1)], [body[m.end(1):]]])
            else:
                result.append([body, []])
        elif result:
            result[-1][1].append(line.strip())
        else:
            result.append(["", [line.strip()]])
    return result


def render_items(out, lines):
    for term, desc in items(lines):
        out.append(".TP")
        out.append(".B " + esc_term(term) if term else ".B")
        out.append(esc(" ".join(desc)) if desc else "\\&")


def render_body(out, text, synopsis=None):
    """The blocks of one help text: usage into synopsis (when given) or a no-fill block,
    paragraphs, item lists, named sections as subheadings, exit codes."""
    for block in blocks(text):
        first = block[0]
        if first.startswith("usage:"):
            lines = [first[len("usage:"):].strip()] + [
                l[len("usage: "):] if l.startswith(" " * len("usage: ")) else l.strip()
                for l in block[1:]]
            target = synopsis if synopsis is not None else out
            if synopsis is None:
                out.append(".PP")
            target.append(".nf")
            target.extend(esc(l) for l in lines)
            target.append(".fi")
            continue
        m = SECTION_RE.match(first)
        if m and len(block) > 1:
            out.append(".PP")
            out.append(".I " + esc(m.group(1).capitalize()))
            render_items(out, block[1:])
            continue
        if first.startswith(" "):
            out.append(".PP" if not out or out[-1] != ".TP" else "")
            render_items(out, block)
            continue
        if first.startswith("exit codes:"):
            out.append(".PP")
            out.append("Exit status: " + esc(" ".join(l.strip() for l in block)[len("exit codes:"):]
                                             .strip()))
            continue
        out.append(".PP")
        out.append(esc(" ".join(l.strip() for l in block)))


def release_date(version):
    try:
        with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^## \[?v?%s\]?\s*[-\u2014]+\s*(\d{4}-\d\d-\d\d)" % re.escape(version),
                             line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return "unreleased"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gilcheck", required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    top = help_text(args.gilcheck)
    ver = subprocess.run([args.gilcheck, "--version"], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout.split()[-1]
    top_blocks = blocks(top)
    summary = next(" ".join(b) for b in top_blocks if not b[0].startswith("usage:"))
    # the commands, in the order the top-level help lists them
    commands = []
    for b in top_blocks:
        if b[0] == "commands:":
            commands = [t.split()[0] for t, _ in items(b[1:]) if t]
    if not commands:
        sys.exit("gen_man: the top-level help lists no commands")

    out = ['.\\" generated by tools/gen_man.py from the help texts of gilcheck %s; do not edit'
           % ver,
           '.TH GILCHECK 1 "%s" "gilcheck %s" "User Commands"' % (release_date(ver), ver),
           ".nh",
           ".ad l",
           ".SH NAME",
           "gilcheck \\- " + esc(summary[0].lower() + summary[1:].rstrip(".")),
           ".SH SYNOPSIS"]
    synopsis = []
    for cmd in commands:
        usage = next(b for b in blocks(help_text(args.gilcheck, cmd)) if b[0].startswith("usage:"))
        synopsis.append(".nf")
        synopsis.append(esc(usage[0][len("usage:"):].strip()))
        # continuation lines keep their alignment under the first line's words
        synopsis.extend(esc(l[len("usage: "):] if l.startswith(" " * len("usage: ")) else l.strip())
                        for l in usage[1:])
        synopsis.append(".fi")
    synopsis += [".nf", "gilcheck \\-\\-help | \\-\\-version", ".fi"]
    out.extend(synopsis)

    out.append(".SH DESCRIPTION")
    sections = {}
    for b in top_blocks:
        m = SECTION_RE.match(b[0])
        if b[0].startswith("usage:") or b[0] == "commands:":
            continue
        if m and len(b) > 1:
            sections[m.group(1)] = b[1:]
            continue
        if b[0].startswith("exit codes:"):
            sections["exit codes"] = b
            continue
        out.append(".PP")
        out.append(esc(" ".join(l.strip() for l in b)))

    out.append(".SH COMMANDS")
    for cmd in commands:
        out.append(".SS " + esc(cmd))
        render_body(out, help_text(args.gilcheck, cmd))

    for name, title in (("options", "OPTIONS"), ("environment", "ENVIRONMENT")):
        if name in sections:
            out.append(".SH " + title)
            render_items(out, sections.pop(name))
    if "exit codes" in sections:
        out.append(".SH EXIT STATUS")
        out.append(esc(" ".join(l.strip() for l in sections.pop("exit codes"))
                       [len("exit codes:"):].strip()))
    for name, lines in sections.items():
        out.append(".SH " + esc(name.upper()))
        render_items(out, lines)
    out.append(".SH SEE ALSO")
    out.append("PREFIX/share/doc/gilcheck: README.md, CHANGELOG.md and docs/ (configuration, CI, "
               "editors, the rules); https://github.com/gilcheck/gilcheck")

    text = "\n".join(l for l in out if l != "") + "\n"
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
