"""nglab.Model against the `kenlm` Python module on one ARPA file.

usage: python kenlm-python-parity.py MODEL.arpa TEXT [--fixture OUT.tsv]

Scores every non-blank line of TEXT with both: per-sentence `score` (bos and
eos on and off) and corpus perplexity summed the same way from kenlm's
per-sentence scores, 10 ** (-sum(score) / sum(len(words) + 1)). Exits 1 when
the perplexities differ by 1e-6 relative or more, or a sentence's score by
more than 1e-5 relative (KenLM sums a sentence in single precision). With
--fixture, writes kenlm's scores (repr of each float) for the package's tests.
"""

import sys
import time

import kenlm
import nglab


def main(argv):
    arpa, text_path = argv[1], argv[2]
    fixture = argv[argv.index("--fixture") + 1] if "--fixture" in argv else None
    with open(text_path, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f if line.strip(" \t\r\n")]
    t = time.perf_counter()
    ken = kenlm.Model(arpa)
    ken_load = time.perf_counter() - t
    t = time.perf_counter()
    ours = nglab.Model.load(arpa)
    our_load = time.perf_counter() - t
    ok = True
    worst = 0.0
    for bos, eos in ((True, True), (False, True), (True, False), (False, False)):
        theirs = [ken.score(s, bos=bos, eos=eos) for s in sentences]
        mine = ours.scores(sentences, bos=bos, eos=eos)
        for s, a, b in zip(sentences, theirs, mine):
            rel = abs(a - b) / max(abs(a), 1e-30)
            worst = max(worst, rel)
            if rel > 1e-5:
                ok = False
                print(f"MISMATCH bos={bos} eos={eos}: kenlm {a!r} nglab {b!r} rel {rel:.3g}: {s[:60]}")
    theirs = [ken.score(s) for s in sentences]
    tokens = sum(len(s.split()) + 1 for s in sentences)
    ken_ppl = 10.0 ** (-sum(theirs) / tokens)
    our_ppl = ours.perplexity(sentences)
    rel = abs(our_ppl - ken_ppl) / ken_ppl
    ok &= rel < 1e-6
    single = [ken.perplexity(s) for s in sentences[:200]]
    single_rel = max(abs(ours.perplexity(s) - p) / p for s, p in zip(sentences[:200], single))
    print(
        f"{'OK' if rel < 1e-6 else 'MISMATCH'}: perplexity of {len(sentences)} sentences ({tokens} tokens): "
        f"nglab {our_ppl!r}, kenlm summed {ken_ppl!r}, rel {rel:.3g}; "
        f"worst sentence score rel {worst:.3g}; Model.perplexity(str) vs kenlm rel {single_rel:.3g} "
        f"(first 200); load {our_load:.2f} s vs kenlm {ken_load:.2f} s"
    )
    if fixture:
        with open(fixture, "w", encoding="utf-8") as out:
            out.write("# kenlm.Model(ARPA): score(s), score(s, bos=False, eos=False), perplexity(s); a line per sentence\n")
            for s in sentences:
                out.write(f"{ken.score(s)!r}\t{ken.score(s, bos=False, eos=False)!r}\t{ken.perplexity(s)!r}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
