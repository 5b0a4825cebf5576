#!/usr/bin/env python3
"""Checks `nglab metrics --json` against an independent computation (stdlib only).

Counts-based metrics of a whole text (tokens, types, hapax, TTR, distinct-1..4
within sentences, unigram entropy in bits) must agree to 1e-12.

Usage: scripts/check-metrics.py [TEXT] [--nglab PATH]
TEXT defaults to corpora/brown/test.txt when present, else the committed
fixture crates/nglab-metrics/tests/data/human.txt. The `nglab` binary defaults
to target/debug/nglab (built with `cargo build -p nglab-driver` if missing).
"""
import json
import math
import os
import subprocess
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def expected(path):
    with open(path, encoding="utf-8") as f:
        # One sentence per non-blank line, tokens split on whitespace.
        sentences = [line.split() for line in f.read().split("\n")]
    sentences = [s for s in sentences if s]
    words = [w for s in sentences for w in s]
    counts = Counter(words)
    n = len(words)
    out = {
        "tokens": n,
        "sentences": len(sentences),
        "types": len(counts),
        "hapax": sum(1 for c in counts.values() if c == 1),
        "ttr": len(counts) / n,
        "entropy_bits": math.fsum(-(c / n) * math.log2(c / n) for c in counts.values()),
    }
    for order in range(1, 5):
        grams = [tuple(s[i:i + order]) for s in sentences for i in range(len(s) - order + 1)]
        out[f"distinct_{order}"] = len(set(grams)) / len(grams) if grams else None
    return out


def main():
    args = sys.argv[1:]
    nglab = os.path.join(ROOT, "target", "debug", "nglab")
    if "--nglab" in args:
        i = args.index("--nglab")
        nglab = args[i + 1]
        del args[i:i + 2]
    if args:
        text = args[0]
    else:
        brown = os.path.join(ROOT, "corpora", "brown", "test.txt")
        text = brown if os.path.exists(brown) else os.path.join(ROOT, "crates/nglab-metrics/tests/data/human.txt")
    if not os.path.exists(nglab):
        subprocess.run(["cargo", "build", "-q", "-p", "nglab-driver", "--bin", "nglab"], cwd=ROOT, check=True)
    got = json.loads(subprocess.run([nglab, "metrics", "--input", text, "--json"],
                                    check=True, capture_output=True, text=True).stdout)
    want = expected(text)
    assert got["sample"]["whole_text"], "the sample must be the whole text"
    failures = 0
    print(f"{text}: {want['tokens']} tokens")
    for key, value in want.items():
        g = got[key]
        if value is None or g is None:
            ok = value is None and g is None
            diff = 0.0
        else:
            diff = abs(g - value)
            ok = diff <= 1e-12
        failures += not ok
        print(f"  {key:<14} nglab {g!r:<24} python {value!r:<24} |diff| {diff:.1e} {'ok' if ok else 'MISMATCH'}")
    if failures:
        sys.exit(f"{failures} mismatches")
    print("all equal to 1e-12")


if __name__ == "__main__":
    main()
