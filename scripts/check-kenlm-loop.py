#!/usr/bin/env python3
"""The collapse loop under KenLM's conventions, run independently of nglab's
code, against `nglab run --regime replace --vocabulary open` (stdlib only).

The KenLM loop, for each seed: generation 0 is `lmplz -o ORDER -S 1G
--discount_fallback` on the human training text; every generation's model is
scored on the held-out text with `query`; the next generation's text is drawn
from the model's ARPA file by this script's exact sampler and trained with
lmplz again (the `replace` regime). The sampler follows ARPA backoff
semantics, p(w|h) = P(h w) if (h w) is listed, else b(h) p(w|h') (h' is h
without its first word, b(h) = 1 when h is not listed), and draws it exactly:
with probability M(h), the total mass of h's listed successors, one of them in
proportion to its probability; otherwise a draw from p(.|h') that is redrawn
while it is one of h's listed successors. `<s>` is never drawn, a drawn
`<unk>` is redrawn, and a sentence ends at `</s>` or after MAX_LEN words
(nglab's default, 256), without `</s>`. Each generation's text is whole
sentences until the number of words reaches the human training text's, the
last sentence kept whole (nglab's `Budget::Tokens`); an empty sentence is an
empty line, which lmplz reads as `<s> </s>`, as nglab's in-memory loop counts it.

Per generation both sides give: types of the training text; survival of the
human word types by their count in the human training text (1, 2-4, 5-16,
17+: the share present in the training text); held-out perplexity including
OOVs (query's convention). nglab's figures come from `nglab run --regime
replace --vocabulary open --discount-fallback kenlm` (KenLM's fallback, so
both sides use lmplz's discounts), read from its metrics.csv.

For each metric and generation the script prints both sides' means over the
seeds with the half-width of their t intervals (95% unless --level says
otherwise); the two agree when the difference of means is within the sum of
the half-widths (the intervals overlap), or within 1e-4 relative when neither
side varies (generation 0). When both sides draw from the same distribution,
95% intervals of 3 seeds a side fail to overlap about 0.5% of the time
(`--self-test` measures it by simulation), so the 36 gated comparisons of a
6-generation table (correlated, 6 of them deterministic) give a false alarm
in well under 1 run in 7; rerun with more seeds before believing one.
Diagnostics (sentences, tokens, perplexity excluding OOVs, OOV count, model
vocabulary, n-grams, sentences cut at MAX_LEN) are printed and flagged the
same way but do not set the exit status. The per-seed figures of the KenLM
loop are written to WORK/kenlm-loop.csv, and reused (with WORK/kenlm-loop.json)
while the inputs, the settings and this script are the same. Exit status: 0 every gated metric
agrees, 1 some disagree, 2 bad usage or a tool failed.

`--self-test` checks the sampler instead: on the committed order-3 ARPA of
2,000 Brown sentences, its draws after several contexts (sentence start, the
context with most successors, one with a large backoff mass, a trigram
context that is not listed) match p(.|h) computed by brute force over the
vocabulary (ARPA semantics, `<unk>` and `<s>` excluded, normalised) by a
chi-square test, and two wrong samplers (backing off without rejecting the
listed successors; drawing only among listed successors) fail it.

Usage: scripts/check-kenlm-loop.py [--seeds S] [--generations G] [--order N]
  [--max-len L] [--train FILE] [--test FILE] [--kenlm DIR] [--nglab PATH]
  [--work DIR] [--nglab-out DIR] [--jobs J]
  scripts/check-kenlm-loop.py --self-test
scripts/check-kenlm-loop.sh builds what it needs and runs this on Brown.
"""
import argparse
import bisect
import csv
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from multiprocessing import Pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BANDS = [("survival_hapax", 1, 1), ("survival_2_4", 2, 4), ("survival_5_16", 5, 16),
         ("survival_17_plus", 17, None)]
GATED = ["types"] + [b[0] for b in BANDS] + ["heldout_ppl"]
DIAGNOSTIC = ["train_sentences", "train_tokens", "heldout_ppl_excl_oov", "heldout_oovs", "model_vocab", "ngrams",
              "max_len_hits"]
MAX_REJECTIONS = 1_000_000


class Arpa:
    """An ARPA model as the sampler and the brute-force check read it. Word ids
    follow the unigram section; an n-gram's key is its ids folded base V."""

    def __init__(self, path):
        self.words, self.logprob, self.backoff = [], [], []
        counts = []
        section = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                if line.startswith("ngram ") and section == 0:
                    counts.append(int(line.split("=")[1]))
                    continue
                if line.startswith("\\") and line.endswith("-grams:"):
                    section = int(line[1:line.index("-")])
                    self.logprob.append({})
                    self.backoff.append({})
                    if section == 2:
                        self.V = len(self.words)
                        self.id = {w: i for i, w in enumerate(self.words)}
                    continue
                if section == 0 or line == "\\end\\":
                    continue
                parts = line.split("\t")
                ngram = parts[1].split(" ")
                if section == 1:
                    key = len(self.words)
                    self.words.append(ngram[0])
                else:
                    key = 0
                    for w in ngram:
                        key = key * self.V + self.id[w]
                self.logprob[-1][key] = float(parts[0])
                if len(parts) > 2 and float(parts[2]) != 0.0:
                    self.backoff[-1][key] = float(parts[2])
        if section == 1:
            self.V = len(self.words)
            self.id = {w: i for i, w in enumerate(self.words)}
        self.order = len(self.logprob)
        self.counts = counts
        self.bos, self.eos, self.unk = self.id["<s>"], self.id["</s>"], self.id["<unk>"]

    def key(self, ids):
        k = 0
        for w in ids:
            k = k * self.V + w
        return k

    def log10p(self, hist, w):
        """log10 p(w | hist) by ARPA backoff semantics (hist: ids, oldest first)."""
        hist = tuple(hist)[-(self.order - 1):] if self.order > 1 else ()
        bo = 0.0
        while True:
            if not hist and w not in self.logprob[0]:
                raise KeyError(f"word id {w} is not in the vocabulary")
            lp = self.logprob[len(hist)].get(self.key(hist + (w,)))
            if lp is not None:
                return bo + lp
            bo += self.backoff[len(hist) - 1].get(self.key(hist), 0.0)
            hist = hist[1:]


class Sampler:
    """Draws w ~ p(.|h) exactly from an Arpa (see the module docs)."""

    def __init__(self, arpa, rng, reject=True, backoff=True):
        self.arpa, self.rng, self.reject, self.allow_backoff = arpa, rng, reject, backoff
        V = arpa.V
        # Unigrams: every word but <s>, cumulative.
        self.uni_words, self.uni_cum, total = [], [], 0.0
        for w in range(V):
            if w != arpa.bos:
                total += 10.0 ** arpa.logprob[0][w]
                self.uni_words.append(w)
                self.uni_cum.append(total)
        # Contexts of length k >= 1: the listed successors, grouped by context.
        self.spans, self.succ, self.cum, self.listed = [None], [None], [None], [None]
        for k in range(1, arpa.order):
            grouped = sorted((key // V, key % V, 10.0 ** lp) for key, lp in arpa.logprob[k].items())
            spans, succ, cum = {}, [], []
            i = 0
            while i < len(grouped):
                ctx, start, mass = grouped[i][0], i, 0.0
                while i < len(grouped) and grouped[i][0] == ctx:
                    mass += grouped[i][2]
                    succ.append(grouped[i][1])
                    cum.append(mass)
                    i += 1
                spans[ctx] = (start, i)
            self.spans.append(spans)
            self.succ.append(succ)
            self.cum.append(cum)
            self.listed.append(arpa.logprob[k])

    def draw(self, keys, k):
        """A word after the context whose last j words have key keys[j], using
        its last k words (its n-gram context)."""
        rnd = self.rng.random
        if k == 0:
            return self.uni_words[bisect.bisect_right(self.uni_cum, rnd() * self.uni_cum[-1])]
        span = self.spans[k].get(keys[k])
        if span is None:
            return self.draw(keys, k - 1)
        start, end = span
        cum = self.cum[k]
        u = rnd()
        if u < cum[end - 1]:
            return self.succ[k][bisect.bisect_right(cum, u, start, end)]
        if not self.allow_backoff:
            return self.succ[k][bisect.bisect_right(cum, rnd() * cum[end - 1], start, end)]
        if not self.reject:
            return self.draw(keys, k - 1)
        base, listed = keys[k] * self.arpa.V, self.listed[k]
        for _ in range(MAX_REJECTIONS):
            w = self.draw(keys, k - 1)
            if base + w not in listed:
                return w
        raise RuntimeError(f"{MAX_REJECTIONS} rejections in a row after context key {keys[k]}")

    def next_word(self, hist):
        """A word after hist (ids, oldest first, starting with <s>), <unk> redrawn."""
        arpa = self.arpa
        k = min(arpa.order - 1, len(hist))
        keys, key, mult = [0] * (k + 1), 0, 1
        for j in range(1, k + 1):
            key += hist[-j] * mult
            mult *= arpa.V
            keys[j] = key
        while True:
            w = self.draw(keys, k)
            if w != arpa.unk:
                return w

    def sentence(self, max_len):
        hist, words = [self.arpa.bos], []
        while len(words) < max_len:
            w = self.next_word(hist)
            if w == self.arpa.eos:
                break
            words.append(w)
            hist.append(w)
        return words


# ---------------------------------------------------------------- statistics

def t_quantile(p, df):
    """The p-quantile (p > 0.5) of Student's t with df degrees of freedom:
    its density integrated by Simpson's rule, inverted by bisection."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(x, n=4000):
        h = x / n
        f = lambda t: c * (1 + t * t / df) ** (-(df + 1) / 2)
        s = f(0) + f(x) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, n))
        return 0.5 + s * h / 3

    lo, hi = 0.0, 1000.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def chi2_sf(x, df):
    """P(X > x) for X ~ chi-square(df): the regularised upper incomplete gamma."""
    a, x = df / 2, x / 2
    if x <= 0:
        return 1.0
    lead = math.exp(-x + a * math.log(x) - math.lgamma(a))
    if x < a + 1:  # series for the lower function
        term = total = 1.0 / a
        n = a
        while term > total * 1e-15:
            n += 1
            term *= x / n
            total += term
        return 1.0 - lead * total
    # Continued fraction for the upper function (modified Lentz).
    b, c, d = x + 1 - a, 1e300, 1.0 / (x + 1 - a)
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return lead * h


def mean_halfwidth(values, t):
    n = len(values)
    m = math.fsum(values) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - 1))
    return m, t * sd / math.sqrt(n)


def agrees(a, ha, b, hb):
    return abs(a - b) <= ha + hb + 1e-4 * max(abs(a), abs(b))


# ---------------------------------------------------------------- the KenLM loop

class ToolFailure(Exception):
    """A tool exited with an error (an Exception, so that it crosses the
    process pool instead of killing a worker)."""


def run_tool(cmd, stdin_path, stdout_path=None):
    with open(stdin_path, "rb") as fin:
        out = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
        try:
            r = subprocess.run(cmd, stdin=fin, stdout=out, stderr=subprocess.PIPE)
        finally:
            if stdout_path:
                out.close()
    if r.returncode != 0:
        raise ToolFailure(f"{' '.join(cmd)} < {stdin_path} failed ({r.returncode}): "
                          f"{r.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    return r.stdout.decode() if not stdout_path else None


def query(kenlm, arpa_path, test):
    out = run_tool([os.path.join(kenlm, "query"), "-v", "summary", arpa_path], test)
    vals = {}
    for line in out.splitlines():
        if ":\t" in line:
            name, value = line.split(":\t", 1)
            vals[name] = value
    return {"heldout_ppl": float(vals["Perplexity including OOVs"]),
            "heldout_ppl_excl_oov": float(vals["Perplexity excluding OOVs"]),
            "heldout_oovs": int(vals["OOVs"])}


def text_metrics(sentences, human_counts):
    """types, survival per band, sentences, tokens of a text (lists of words)."""
    present = set(w for s in sentences for w in s)
    out = {"types": len(present), "train_sentences": len(sentences),
           "train_tokens": sum(len(s) for s in sentences)}
    for name, lo, hi in BANDS:
        band = [w for w, c in human_counts.items() if c >= lo and (hi is None or c <= hi)]
        out[name] = sum(1 for w in band if w in present) / len(band)
    return out


def lmplz(a, text, arpa_path):
    run_tool([os.path.join(a.kenlm, "lmplz"), "-o", str(a.order), "-S", a.memory, "-T", os.path.dirname(arpa_path),
              "--discount_fallback"], text, arpa_path)


def model_metrics(a, arpa_path):
    out = query(a.kenlm, arpa_path, a.test)
    with open(arpa_path, encoding="utf-8") as f:
        counts = []
        for line in f:
            if line.startswith("ngram "):
                counts.append(int(line.split("=")[1]))
            elif line.startswith("\\1-grams"):
                break
    out["model_vocab"], out["ngrams"] = counts[0], sum(counts)
    return out


def kenlm_seed(job):
    """Generations 1..G-1 of one seed (generation 0 is shared): their metrics."""
    a, seed, gen0_arpa, human_counts, budget = job
    d = os.path.join(a.work, f"seed{seed}")
    os.makedirs(d, exist_ok=True)
    rows, arpa_path = [], gen0_arpa
    for g in range(1, a.generations):
        arpa = Arpa(arpa_path)
        sampler = Sampler(arpa, random.Random(f"kenlm-loop seed {seed} generation {g}"))
        sentences, tokens = [], 0
        while tokens < budget:
            s = sampler.sentence(a.max_len)
            sentences.append([arpa.words[w] for w in s])
            tokens += len(s)
        del sampler, arpa
        text = os.path.join(d, f"gen{g}.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.writelines(" ".join(s) + "\n" for s in sentences)
        new_arpa = os.path.join(d, f"gen{g}.arpa")
        lmplz(a, text, new_arpa)
        row = {"seed": seed, "generation": g, **text_metrics(sentences, human_counts), **model_metrics(a, new_arpa)}
        row["max_len_hits"] = sum(1 for s in sentences if len(s) >= a.max_len)
        row["empty_sentences"] = sum(1 for s in sentences if not s)
        rows.append(row)
        print(f"kenlm loop: seed {seed} gen {g}: types {row['types']}, held-out ppl {row['heldout_ppl']:.3f}",
              file=sys.stderr, flush=True)
        if arpa_path != gen0_arpa and not a.keep:
            os.remove(arpa_path)
        if not a.keep:
            os.remove(text)
        arpa_path = new_arpa
    if arpa_path != gen0_arpa and not a.keep:
        os.remove(arpa_path)
    return rows


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def kenlm_loop(a):
    """The KenLM loop's rows, from WORK/kenlm-loop.csv when it was made by
    this script with the same inputs and settings."""
    os.makedirs(a.work, exist_ok=True)
    key = {"script": sha256(os.path.abspath(__file__)), "train": sha256(a.train), "test": sha256(a.test),
           "lmplz": sha256(os.path.join(a.kenlm, "lmplz")), "query": sha256(os.path.join(a.kenlm, "query")),
           "order": a.order, "max_len": a.max_len, "seeds": a.seeds, "generations": a.generations}
    csv_path, key_path = os.path.join(a.work, "kenlm-loop.csv"), os.path.join(a.work, "kenlm-loop.json")
    if os.path.exists(key_path) and os.path.exists(csv_path):
        with open(key_path) as f:
            same = json.load(f) == key
        if same:
            print(f"check-kenlm-loop: the KenLM loop's figures from {csv_path}", file=sys.stderr)
            with open(csv_path, newline="") as f:
                return [{k: (float(v) if k not in ("seed", "generation") else int(v)) for k, v in r.items() if v != ""}
                        for r in csv.DictReader(f)]
    if os.path.exists(key_path):
        os.remove(key_path)
    rows = run_kenlm_loop(a)
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[-1].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(key_path, "w") as f:
        json.dump(key, f, indent=1)
    return rows


def run_kenlm_loop(a):
    with open(a.train, encoding="utf-8") as f:
        human = [line.split() for line in f.read().splitlines()]
    human_counts = Counter(w for s in human for w in s)
    budget = sum(human_counts.values())
    gen0_arpa = os.path.join(a.work, "gen0.arpa")
    lmplz(a, a.train, gen0_arpa)
    gen0 = {"generation": 0, **text_metrics(human, human_counts), **model_metrics(a, gen0_arpa)}
    jobs = [(a, seed, gen0_arpa, human_counts, budget) for seed in range(a.seeds)]
    if a.jobs > 1:
        with Pool(a.jobs) as pool:
            per_seed = pool.map(kenlm_seed, jobs)
    else:
        per_seed = [kenlm_seed(j) for j in jobs]
    rows = [dict(gen0, seed=seed) for seed in range(a.seeds)] + [r for rs in per_seed for r in rs]
    return sorted(rows, key=lambda r: (r["seed"], r["generation"]))


# ---------------------------------------------------------------- nglab

def nglab_rows(a):
    out = a.nglab_out or os.path.join(a.work, "nglab-run")
    csv_path = os.path.join(out, "metrics.csv")
    if not os.path.exists(csv_path):
        if os.path.exists(out):
            shutil.rmtree(out)
        cmd = [a.nglab, "run", "--train", a.train, "--heldout", a.test, "--regime", "replace",
               "--vocabulary", "open", "--unk", "resample", "--discount-fallback", "kenlm",
               "--order", str(a.order), "--smoothing", "mkn", "--max-len", str(a.max_len),
               "--generations", str(a.generations), "--seeds", str(a.seeds), "--out", out]
        print("check-kenlm-loop: " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd).returncode != 0:
            sys.exit(2)
        # What a resume needs (a few MB a generation and job); metrics.csv is final.
        shutil.rmtree(os.path.join(out, "state"), ignore_errors=True)
    rows = []
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            row = {"seed": int(r["seed"]), "generation": int(r["generation"])}
            for name in GATED + ["heldout_ppl_excl_oov", "train_tokens", "train_sentences", "model_vocab",
                                 "ngrams", "heldout_oov_rate", "sampled_max_len_hits"]:
                row[name] = float(r[name]) if r[name] not in ("", "off") else float("nan")
            rows.append(row)
    return rows


# ---------------------------------------------------------------- comparison

def compare(a, ken, ngl):
    t = t_quantile((1 + a.level) / 2, a.seeds - 1)
    # nglab gives the OOV rate; query the OOV count over its tokens (every word and </s>).
    with open(a.test, encoding="utf-8") as f:
        test_tokens = sum(len(line.split()) + 1 for line in f)
    # nglab's row g counts the cut sentences of the text it samples for g + 1.
    cut = {(r["seed"], r["generation"] + 1): r["sampled_max_len_hits"] for r in ngl}
    for r in ngl:
        r["heldout_oovs"] = round(r["heldout_oov_rate"] * test_tokens)
        r["max_len_hits"] = cut.get((r["seed"], r["generation"]), float("nan"))
    print(f"{a.seeds} seeds a side; +- is the half-width of the {a.level:.0%} t interval; they agree when "
          f"|diff| <= the sum of the half-widths (+ 1e-4 relative)")
    print(f"{'metric':<22}{'gen':>4}{'KenLM loop mean':>18}{'+-':>10}{'nglab mean':>18}{'+-':>10}"
          f"{'diff':>12}  agree")
    failed = []
    for names, gated in ((GATED, True), (DIAGNOSTIC, False)):
        if not gated:
            print("diagnostics (not gated):")
        for name in names:
            for g in range(a.generations):
                kv = [r[name] for r in ken if r["generation"] == g and r.get(name) is not None]
                nv = [r[name] for r in ngl if r["generation"] == g and not math.isnan(r[name])]
                if len(kv) != a.seeds or len(nv) != a.seeds:
                    continue  # undefined at this generation (max_len_hits of the human text)
                km, kh = mean_halfwidth(kv, t)
                nm, nh = mean_halfwidth(nv, t)
                ok = agrees(km, kh, nm, nh)
                if gated and not ok:
                    failed.append((name, g))
                print(f"{name:<22}{g:>4}{km:>18.6g}{kh:>10.3g}{nm:>18.6g}{nh:>10.3g}{nm - km:>12.4g}  "
                      f"{'yes' if ok else 'NO'}")
    return failed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--generations", type=int, default=6)
    p.add_argument("--order", type=int, default=3)
    p.add_argument("--max-len", type=int, default=256)
    p.add_argument("--train", default="corpora/brown/train.txt")
    p.add_argument("--test", default="corpora/brown/test.txt")
    p.add_argument("--kenlm", default=os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                                   "nglab-peers", "kenlm", "bin"))
    p.add_argument("--nglab", default=os.path.join(ROOT, "target", "release", "nglab"))
    p.add_argument("--work", default=os.path.join(ROOT, "target", "check-kenlm-loop"))
    p.add_argument("--nglab-out", help="an existing `nglab run` output to read instead of running one")
    p.add_argument("--jobs", type=int, default=1, help="seeds of the KenLM loop run at once")
    p.add_argument("--memory", default="1G", help="lmplz -S")
    p.add_argument("--level", type=float, default=0.95, help="confidence of each side's t interval")
    p.add_argument("--keep", action="store_true", help="keep the sampled texts and ARPA files")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        sys.exit(self_test())
    if a.seeds < 2 or a.generations < 1 or not 0 < a.level < 1:
        p.error("need --seeds >= 2 (for a spread), --generations >= 1 and --level in (0, 1)")
    for path in (a.train, a.test, os.path.join(a.kenlm, "lmplz"), os.path.join(a.kenlm, "query")):
        if not os.path.isfile(path):
            p.error(f"{path}: no such file")
    try:
        ken = kenlm_loop(a)
    except ToolFailure as e:
        print(f"check-kenlm-loop: {e}", file=sys.stderr)
        sys.exit(2)
    ngl = nglab_rows(a)
    failed = compare(a, ken, ngl)
    if failed:
        print("disagree beyond seed noise: " + ", ".join(f"{n} gen {g}" for n, g in failed))
        sys.exit(1)
    print(f"every gated metric agrees within seed noise ({a.seeds} seeds, generations 0..{a.generations - 1})")


# ---------------------------------------------------------------- self-test

def chi_square(sampler, arpa, hist, n):
    """The p-value of n draws after hist against the brute-force p(.|hist)."""
    exact = {w: 10.0 ** arpa.log10p(hist, w) for w in range(arpa.V) if w not in (arpa.bos, arpa.unk)}
    z = math.fsum(exact.values())
    drawn = Counter(sampler.next_word(list(hist)) for _ in range(n))
    big = [w for w, p in exact.items() if p / z * n >= 5]
    rest_e = n - math.fsum(exact[w] / z * n for w in big)
    rest_o = n - sum(drawn[w] for w in big)
    x2 = math.fsum((drawn[w] - exact[w] / z * n) ** 2 / (exact[w] / z * n) for w in big)
    bins = len(big)
    if rest_e >= 5:
        x2 += (rest_o - rest_e) ** 2 / rest_e
        bins += 1
    elif rest_o > 0 and rest_e <= 0:
        return 0.0, abs(z - 1)
    return chi2_sf(x2, bins - 1), abs(z - 1)


def overlap_false_alarm(seeds, trials, rng):
    """Share of trials where two samples of `seeds` N(0,1) draws have
    non-overlapping 95% t intervals."""
    t975 = t_quantile(0.975, seeds - 1)
    bad = 0
    for _ in range(trials):
        a = mean_halfwidth([rng.gauss(0, 1) for _ in range(seeds)], t975)
        b = mean_halfwidth([rng.gauss(0, 1) for _ in range(seeds)], t975)
        bad += abs(a[0] - b[0]) > a[1] + b[1]
    return bad / trials


def self_test():
    ok = True
    for p, df, want in ((0.975, 2, 4.302653), (0.975, 4, 2.776445), (0.975, 30, 2.042272)):
        got = t_quantile(p, df)
        ok &= abs(got - want) < 1e-4
        print(f"t quantile {p} df {df}: {got:.6f} (tables: {want})")
    for x, df, want in ((3.841459, 1, 0.05), (124.342, 100, 0.05), (10.0, 20, 0.968172)):
        got = chi2_sf(x, df)
        ok &= abs(got - want) < 1e-5
        print(f"chi-square sf({x}, {df}): {got:.6f} (tables: {want})")
    rate = overlap_false_alarm(3, 200000, random.Random(1))
    print(f"95% t intervals of 3 seeds a side fail to overlap under the null in {rate:.4f} of 200000 trials")

    arpa = Arpa(os.path.join(ROOT, "tests", "data", "kenlm", "brown-2k.o3.arpa"))
    spans = Sampler(arpa, random.Random(0)).spans[2]
    V = arpa.V
    by_size = sorted(spans.items(), key=lambda kv: kv[1][1] - kv[1][0])
    widest = by_size[-1][0]
    mass = Sampler(arpa, random.Random(0))
    backoffy = max((ctx for ctx, (s, e) in spans.items() if e - s >= 5),
                   key=lambda ctx: 1 - mass.cum[2][spans[ctx][1] - 1])
    unlisted = next((x, y) for x in range(3, V) for y in (arpa.id["the"],) if x * V + y not in spans)
    contexts = {"sentence start": (arpa.bos,),
                "most successors": (widest // V, widest % V),
                "most backoff mass": (backoffy // V, backoffy % V),
                "unlisted trigram context": unlisted,
                "a trigram context at sentence start": (arpa.bos, arpa.id["The"])}
    n = 100000
    for name, hist in contexts.items():
        words = " ".join(arpa.words[w] for w in hist)
        pval, dz = chi_square(Sampler(arpa, random.Random(name)), arpa, hist, n)
        good = pval > 1e-3
        ok &= good
        print(f"{'OK' if good else 'FAIL'}: exact sampler after '{words}': chi-square p = {pval:.3g} "
              f"({n} draws; the ARPA's p(.|h) sums to 1 within {dz:.1g})")
    for wrong, kwargs in (("backs off without rejection", {"reject": False}),
                          ("draws only listed successors", {"backoff": False})):
        hist = contexts["most backoff mass"]
        pval, _ = chi_square(Sampler(arpa, random.Random(wrong), **kwargs), arpa, hist, n)
        good = pval < 1e-6
        ok &= good
        print(f"{'OK' if good else 'FAIL'}: a sampler that {wrong} is rejected: p = {pval:.3g}")
    print("self-test passed" if ok else "self-test FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    main()
