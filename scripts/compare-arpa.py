#!/usr/bin/env python3
"""Compare two ARPA files: same n-gram set, and every log10 probability and
backoff within a tolerance. Prints one summary line; exits 1 on a mismatch.

usage: compare-arpa.py OURS.arpa THEIRS.arpa [TOLERANCE]   (default 1e-5)
A missing backoff counts as 0; values <= -99 count as log10(0) (SRILM/KenLM).
"""
import sys


def read(path):
    entries = {}
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
            entries[fields[1]] = (max(float(fields[0]), -99.0), max(bo, -99.0))
    return entries


def main():
    ours_path, theirs_path = sys.argv[1], sys.argv[2]
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    ours, theirs = read(ours_path), read(theirs_path)
    only_ours = len(ours.keys() - theirs.keys())
    only_theirs = len(theirs.keys() - ours.keys())
    worst, where, n_bad = 0.0, "", 0
    for g, (p, b) in theirs.items():
        if g not in ours:
            continue
        op, ob = ours[g]
        d = max(abs(op - p), abs(ob - b))
        if d > tol:
            n_bad += 1
        if d > worst:
            worst, where = d, g
    ok = only_ours == 0 and only_theirs == 0 and n_bad == 0
    print(f"{'OK' if ok else 'MISMATCH'}: {len(theirs)} n-grams; only in ours {only_ours}, only in theirs "
          f"{only_theirs}; max |diff| {worst:.3g} at '{where}'; {n_bad} beyond {tol:g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
