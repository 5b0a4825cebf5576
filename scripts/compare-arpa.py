#!/usr/bin/env python3
"""Compare two ARPA files: same n-gram set, and every log10 probability and
backoff within a tolerance. Prints one summary line; exits 1 on a mismatch.

usage: compare-arpa.py OURS.arpa THEIRS.arpa [TOLERANCE]   (default 1e-5)
A missing backoff counts as 0; values <= -99 count as log10(0) (SRILM/KenLM).

The files are read in step, so two files listing their n-grams in the same
order (nglab writes KenLM's) are compared in constant memory, 51M n-grams in
a few minutes; from the first n-gram where the orders differ, the rest of
each file is held in a dict and compared by key.
"""
import itertools
import sys


def entries(path):
    """(n-gram, log10 p, log10 backoff) of each n-gram line of an ARPA file."""
    section = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("\\") and line.endswith("-grams:"):
                section = int(line[1:line.index("-")])
                continue
            if not line or line.startswith("\\") or section == 0:
                continue
            fields = line.split("\t")
            bo = float(fields[2]) if len(fields) > 2 else 0.0
            yield fields[1], max(float(fields[0]), -99.0), max(bo, -99.0)


class Diff:
    def __init__(self, tol):
        self.tol, self.n, self.worst, self.where, self.bad = tol, 0, 0.0, "", 0

    def add(self, gram, ours, theirs):
        self.n += 1
        d = max(abs(ours[0] - theirs[0]), abs(ours[1] - theirs[1]))
        if d > self.tol:
            self.bad += 1
        if d > self.worst:
            self.worst, self.where = d, gram


def main():
    ours_path, theirs_path = sys.argv[1], sys.argv[2]
    diff = Diff(float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5)
    ours, theirs = {}, {}
    pairs = itertools.zip_longest(entries(ours_path), entries(theirs_path))
    for o, t in pairs:
        if o is not None and t is not None and o[0] == t[0] and not ours and not theirs:
            diff.add(o[0], o[1:], t[1:])
            continue
        if o is not None:
            ours[o[0]] = o[1:]
        if t is not None:
            theirs[t[0]] = t[1:]
    for g, value in theirs.items():
        if g in ours:
            diff.add(g, ours[g], value)
    only_ours = len(ours.keys() - theirs.keys())
    only_theirs = len(theirs.keys() - ours.keys())
    n_theirs = diff.n + only_theirs
    ok = only_ours == 0 and only_theirs == 0 and diff.bad == 0
    print(f"{'OK' if ok else 'MISMATCH'}: {n_theirs} n-grams; only in ours {only_ours}, only in theirs "
          f"{only_theirs}; max |diff| {diff.worst:.3g} at '{diff.where}'; {diff.bad} beyond {diff.tol:g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
