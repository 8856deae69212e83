"""Scores a run of tools/precision_run.py against hand verdicts: each finding of the run that a
verdict file judges (same file, line and rule) counts as real, plausible, false or duplicate; the
others are listed as untriaged.  The figures of docs/precision.md come from here.

usage: python3 tools/precision_score.py RUN_DIR VERDICTS.json [--markdown]

VERDICTS.json is a list of {"rule", "path", "line", "verdict", "reason"}, paths relative to the
standard library or to the dist-packages folder (docs/precision/round-3.json).  --markdown prints
the table of the judged findings of the run.  Exit status 1 when some finding is untriaged.
"""
import collections
import json
import os
import sys

ROOTS = ("/lib/python3.11/", "/usr/lib/python3/dist-packages/")


def rel(path):
    for r in ROOTS:
        i = path.find(r)
        if i >= 0:
            return path[i + len(r):]
    return path


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    with open(os.path.join(args[0], "ALL.json")) as f:
        run = json.load(f)
    with open(args[1]) as f:
        verdicts = {(v["path"], v["line"], v["rule"]): v for v in json.load(f)}
    counts = collections.Counter()
    rows, untriaged = [], []
    for x in run:
        v = verdicts.get((rel(x["path"]), x["line"], x["rule"]))
        if not v:
            untriaged.append(x)
            continue
        counts[v["verdict"]] += 1
        rows.append((x, v))
    n = sum(counts.values())
    good = counts["real"] + counts["plausible"]
    print("%d findings, %d judged: real %d, plausible %d, false %d, duplicate %d; "
          "real or plausible %d/%d = %.1f%%" % (
              len(run), n, counts["real"], counts["plausible"], counts["false"],
              counts["duplicate"], good, n, 100.0 * good / n if n else 0.0))
    for x in untriaged:
        print("untriaged: %s %s:%d %s" % (x["rule"], rel(x["path"]), x["line"], x["message"][:80]))
    if "--markdown" in sys.argv:
        print("\n| rule | location | verdict | reason |\n|---|---|---|---|")
        for x, v in rows:
            print("| %s | %s:%d | %s | %s |" % (x["rule"], rel(x["path"]), x["line"], v["verdict"],
                                               v["reason"].replace("|", "\\|")))
    return 1 if untriaged else 0


if __name__ == "__main__":
    sys.exit(main())
