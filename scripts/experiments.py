#!/usr/bin/env python3
"""The lab's experiments: runs every config of experiments/ with `nglab run` and
writes EXPERIMENTS.md with its SVG figures from the runs' CSVs.

    scripts/experiments.py --nglab BIN --out WORK --doc DIR [--quick] [--threads N] [--doc-only]
    scripts/experiments.py --check DIR      # every figure and file the doc in DIR names exists
    scripts/experiments.py --doc DIR --world-large RUN   # only the 100M-word row of the world table

A world of WORLD_LARGE (100M) words is too slow for the full set on 2 shared
cores, so it is not one of WORLD_SIZES: its `world-n` run is made on its own
(the commands are in docs/EXPERIMENTS.md, section 4) and `--world-large RUN`
adds its row to the world table, from RUN's CSVs: alone (the other runs are
not needed: the doc in --doc is updated in place, nothing else changes), or
with a full run or --doc-only (the row is part of the table it writes).

scripts/experiments.sh is the way to call it (it builds nglab and picks the
directories). Standard library only. The figures are drawn here (a small SVG
writer: a line per cell, the mean over seeds, and its 95% Student t interval
as a band, both read from the run's summary.csv); the claims, the sensitivity
table and the theory checks are computed from summary.csv and metrics.csv, so
every number in the doc comes from the runs it names.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"

BROWN_TRAIN = ROOT / "corpora/brown/train.txt"
BROWN_TEST = ROOT / "corpora/brown/test.txt"
SMALL_TRAIN = ROOT / "tests/data/kenlm/brown-2k.train.txt"
SMALL_TEST = ROOT / "tests/data/kenlm/brown-300.test.txt"

# The full set's sizes (docs/EXPERIMENTS.md says why): the first SLICE_LINES
# sentences of Brown train for the order-3 experiments, a world of
# WORLD_TOKENS words with a truth sample of TRUTH_TOKENS.
SLICE_LINES = 20_000
TINY_LINES = 500
WORLD_TOKENS = 400_000
TRUTH_TOKENS = 400_000
# KL of generation 0 against the human text's size: worlds of these sizes (the same truth sample).
WORLD_SIZES = [WORLD_TOKENS, 1_000_000, 10_000_000]
# --quick: everything on the committed 2,000 sentences, few generations.
QUICK_GENERATIONS = 4
QUICK_HORIZON = 12
QUICK_WORLD_TOKENS = 20_000
QUICK_TRUTH_TOKENS = 20_000
QUICK_WORLD_SIZES = [QUICK_WORLD_TOKENS, 40_000]
# The world too large for the full set's time: its row comes from --world-large RUN.
WORLD_LARGE = 100_000_000

# name -> data: brown (full Brown), slice, small (the committed 2,000 sentences),
# tiny (their first TINY_LINES: the drift check needs a small text, since
# metrics.csv's six decimals must resolve H/n), world.
RUNS = {
    "theory-wf": "brown",
    "theory-tails": "brown",
    "theory-drift": "tiny",
    "regimes": "slice",
    "temperature": "slice",
    "top-p": "slice",
    "top-k": "slice",
    "orders": "slice",
    "smoothing": "slice",
    "bpe": "slice",
    "horizon": "small",
    "world": "world",
}

# Okabe and Ito's colour-blind-safe palette; the regimes take the colours the
# run report gives them.
PALETTE = ["#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
REGIME_COLOR = {
    "replace": "#D55E00",
    "accumulate": "#0072B2",
    "accumulate-subsample": "#009E73",
    "mix:0.1": "#E69F00",
}


def die(msg):
    print(f"experiments: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- running


def toml_generations(name):
    text = (EXPERIMENTS / f"{name}.toml").read_text()
    m = re.search(r"^generations\s*=\s*(\d+)", text, re.M)
    return int(m.group(1)) if m else 10


def make_slice(work, source=BROWN_TRAIN, lines=SLICE_LINES, name="brown-train"):
    """The first `lines` sentences of `source`, in WORK/data."""
    path = work / "data" / f"{name}-{lines}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(source, encoding="utf-8") as f:
            lines = [next(f) for _ in range(lines)]
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.rename(path)
    return path


def run_logged(cmd, log):
    """Runs cmd, its output appended to log; returns the wall seconds."""
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    start = time.monotonic()
    with open(log, "a") as out:
        out.write("+ " + " ".join(str(c) for c in cmd) + "\n")
        out.flush()
        rc = subprocess.call([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT)
    if rc != 0:
        die(f"{cmd[0]} exited with {rc}: see {log}")
    return time.monotonic() - start


def make_world(args, work, tokens=None, name="world"):
    """nglab world into WORK/NAME (kept when its command is unchanged); returns (dir, {"cmd", "secs"})."""
    default, truth = (QUICK_WORLD_TOKENS, QUICK_TRUTH_TOKENS) if args.quick else (WORLD_TOKENS, TRUTH_TOKENS)
    train = SMALL_TRAIN if args.quick else BROWN_TRAIN
    world = work / name
    cmd = [args.nglab, "world", "--out", world, "--train", train, "--tokens", tokens or default,
           "--truth-tokens", truth, "--threads", args.threads]
    return world, step(args, work, name, cmd, world / "world.json", world)


def step(args, work, name, cmd, product, out):
    """Runs cmd unless WORK/NAME.cmd holds the same command and `product` exists;
    returns {"cmd", "secs"} (the wall seconds of the run that made it)."""
    stamp, secs_file = work / f"{name}.cmd", work / f"{name}.secs"
    # The binary's hash too: a rebuilt nglab runs everything again.
    line = " ".join(map(str, cmd)) + f"\nnglab sha256 {args.nglab_sha}"
    if product.exists() and stamp.exists() and stamp.read_text() == line:
        if secs_file.exists():
            secs, load0, load1, when = secs_file.read_text().split()
            return {"cmd": cmd, "secs": float(secs), "load": (load0, load1), "when": when}
        return {"cmd": cmd, "secs": None, "load": None, "when": None}
    if args.doc_only:
        die(f"--doc-only: {name} was not made with this command in {work}")
    shutil.rmtree(out, ignore_errors=True)
    load0, when = f"{os.getloadavg()[0]:.2f}", time.strftime("%Y-%m-%dT%H:%M:%S%z")
    secs = run_logged(cmd, work / "log.txt")
    load1 = f"{os.getloadavg()[0]:.2f}"
    # A run's state only serves --resume; its outputs do not need it.
    shutil.rmtree(out / "state", ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(line)
    secs_file.write_text(f"{secs:.1f} {load0} {load1} {when}\n")
    return {"cmd": cmd, "secs": secs, "load": (load0, load1), "when": when}


def run_one(args, work, name, config, text, extra=()):
    """nglab run of experiments/CONFIG.toml into WORK/runs/NAME."""
    out = work / "runs" / name
    cmd = [args.nglab, "run", "--config", EXPERIMENTS / f"{config}.toml", "--out", out, *text, *extra,
           "--threads", args.threads]
    return step(args, work, f"runs/{name}", cmd, out / "summary.csv", out)


def run_all(args, work):
    """Runs every experiment (one whose command is unchanged and finished is kept);
    returns {name: {"cmd": [...], "secs": float or None}} in run order."""
    work.mkdir(parents=True, exist_ok=True)
    done = {}
    if not args.quick and not BROWN_TRAIN.exists():
        die(f"{BROWN_TRAIN.relative_to(ROOT)} is missing: run scripts/fetch-corpus.sh brown (or use --quick)")
    world = None
    for name, data in RUNS.items():
        if data == "world" and world is None:
            world, done["world-make"] = make_world(args, work)
        tiny = ["--train", make_slice(work, SMALL_TRAIN, TINY_LINES, "brown-2k"), "--heldout", SMALL_TEST]
        if args.quick:
            text = {"world": ["--world", world], "tiny": tiny}.get(
                data, ["--train", SMALL_TRAIN, "--heldout", SMALL_TEST])
        else:
            text = {
                "brown": ["--train", BROWN_TRAIN, "--heldout", BROWN_TEST],
                "slice": ["--train", make_slice(work), "--heldout", BROWN_TEST],
                "small": ["--train", SMALL_TRAIN, "--heldout", SMALL_TEST],
                "tiny": tiny,
                "world": ["--world", world],
            }[data]
        extra = []
        if args.quick:
            gens = QUICK_HORIZON if name == "horizon" else min(QUICK_GENERATIONS, toml_generations(name))
            extra = ["--generations", gens]
        done[name] = run_one(args, work, name, name, text, extra)
    for n in world_sizes(args.quick):
        if n == (QUICK_WORLD_TOKENS if args.quick else WORLD_TOKENS):
            wdir = world  # the world the `world` run uses
        else:
            wdir, done[f"world-make-{n}"] = make_world(args, work, n, f"world-{n}")
        done[f"world-n-{n}"] = run_one(args, work, f"world-n-{n}", "world-n", ["--world", wdir])
    return done


def world_sizes(quick):
    return QUICK_WORLD_SIZES if quick else WORLD_SIZES


# ---------------------------------------------------------------- reading

CELL_KEYS = ["regime", "order", "smoothing", "discount_fallback", "vocabulary", "temperature", "top_p", "top_k"]


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


class Run:
    """A finished run's summary.csv and metrics.csv."""

    def __init__(self, name, out):
        self.name = name
        self.out = out
        self.summary = {}  # (cell tuple, metric, generation) -> (n, mean, lo, hi)
        self.cells = []
        with open(out / "summary.csv", newline="") as f:
            for r in csv.DictReader(f):
                cell = tuple(r[k] for k in CELL_KEYS)
                if cell not in self.cells:
                    self.cells.append(cell)
                self.summary[(cell, r["metric"], int(r["generation"]))] = (
                    int(r["n_seeds"]), num(r["mean"]), num(r["lo95"]), num(r["hi95"]))
        self.rows = []
        with open(out / "metrics.csv", newline="") as f:
            self.rows = list(csv.DictReader(f))
        self.generations = 1 + max(int(r["generation"]) for r in self.rows)
        self.config = json.loads((out / "config.json").read_text())

    def cell(self, **want):
        """The one cell whose settings include `want` (values as the CSV writes them)."""
        found = [c for c in self.cells if all(c[CELL_KEYS.index(k)] == v for k, v in want.items())]
        if len(found) != 1:
            die(f"run {self.name}: {len(found)} cells match {want}")
        return found[0]

    def stat(self, cell, metric, g):
        return self.summary.get((cell, metric, g), (0, None, None, None))

    def mean(self, cell, metric, g):
        return self.stat(cell, metric, g)[1]

    def seeds(self, cell):
        """metrics.csv rows of a cell: {seed: [row by generation]}."""
        by = defaultdict(list)
        for r in self.rows:
            if tuple(r[k] for k in CELL_KEYS) == cell:
                by[int(r["seed"])].append(r)
        for rows in by.values():
            rows.sort(key=lambda r: int(r["generation"]))
        return dict(sorted(by.items()))


# ---------------------------------------------------------------- theory (mirrors crates/nglab-driver/src/theory.rs)


def hapax_survival(g):
    s = 1.0
    for _ in range(g):
        s = -math.expm1(-s)
    return s


def count_survival(c, g):
    return 1.0 - (1.0 - hapax_survival(g)) ** c


def exp_approximation(c, g):
    return 1.0 if g == 0 else -math.expm1(-c / g)


def drift_expected(regime, human, sizes):
    """E sum_w (p_w - h_w)^2 / H at generation len(sizes) (theory.rs, Drift::expected)."""
    g = len(sizes)
    if regime == "replace":
        return 1.0 - math.prod(1.0 - 1.0 / n for n in sizes)
    if regime == "accumulate":
        pool, keep = human, 1.0
        for n in sizes:
            pool += n
            keep *= 1.0 - n / (pool * pool)
        return 1.0 - keep
    if regime == "accumulate-subsample":
        if g == 0:
            return 0.0
        n = human
        pool = sum((2.0 - 1.0 / j) / (j + 1) ** 2 / n for j in range(1, g + 1))
        return pool + (1.0 - 1.0 / (g + 1)) / n
    if regime.startswith("mix:"):
        f = float(regime[4:])
        v = 0.0
        for _ in range(g):
            v = (1.0 - f) ** 2 * v + (1.0 - f * f) / human
        return v
    raise ValueError(regime)


def word_counts(path):
    counts = Counter()
    for line in open(path, encoding="utf-8"):
        counts.update(line.split())
    return counts


# ---------------------------------------------------------------- statistics


def t975(df):
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
    return table.get(df, 1.96 + 2.5 / df)


def mean_ci(values):
    v = [x for x in values if x is not None]
    if not v:
        return None, None
    m = sum(v) / len(v)
    if len(v) < 2:
        return m, None
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
    return m, t975(len(v) - 1) * sd / math.sqrt(len(v))


def fmt(v, digits=3):
    if v is None:
        return "—"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def pct(v):
    return "—" if v is None else f"{100 * v:+.1f}%"


# ---------------------------------------------------------------- SVG figures


def nice_ticks(lo, hi, n=6):
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = start
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 12))
        t += step
    return ticks


def tick_label(v):
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e6):
        return f"{v:.1e}"
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def svg_figure(path, title, ylabel, series, xlabel="generation", note=None):
    """series: [{label, color, dash, points: [(x, mean, lo, hi)]}]; lo/hi may be None.
    A line per series with its interval as a band; the legend above the chart."""
    W, H = 720, 440
    left, right, bottom = 78, 20, 52
    # Legend rows, about 7 px a character.
    rows, width = [[]], 0
    for i, s in enumerate(series):
        w = 40 + 7 * len(s["label"])
        if rows[-1] and width + w > W - left - right:
            rows.append([])
            width = 0
        rows[-1].append(i)
        width += w
    top = 40 + 20 * len(rows) + 8
    pts = [p for s in series for p in s["points"] if p[1] is not None]
    xs = [p[0] for p in pts] or [0, 1]
    ys = [y for p in pts for y in (p[1], p[2], p[3]) if y is not None] or [0, 1]
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    y0, y1 = min(ys), max(ys)
    pad = max((y1 - y0) * 0.05, abs(y1) * 0.02, 1e-9)
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = W - left - right, H - top - bottom

    def X(x):
        return left + (x - x0) / (x1 - x0) * pw

    def Y(y):
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="16">{esc(title)}</text>']
    for r, row in enumerate(rows):
        y, x = 44 + 20 * r, left
        for i in row:
            s = series[i]
            dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
            out.append(f'<line x1="{x}" y1="{y}" x2="{x + 26}" y2="{y}" stroke="{s["color"]}" stroke-width="2.5"{dash}/>')
            out.append(f'<text x="{x + 32}" y="{y + 4}" font-size="12">{esc(s["label"])}</text>')
            x += 40 + 7 * len(s["label"])
    # Axes, grid and ticks.
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    for t in nice_ticks(y0, y1):
        if y0 <= t <= y1:
            out.append(f'<line x1="{left}" y1="{Y(t):.1f}" x2="{left + pw}" y2="{Y(t):.1f}" stroke="#e4e4e4"/>')
            out.append(f'<text x="{left - 6}" y="{Y(t) + 4:.1f}" text-anchor="end" font-size="12">{tick_label(t)}</text>')
    integer_x = all(float(x).is_integer() for x in xs)
    xt = nice_ticks(x0, x1, 10)
    if integer_x:
        xt = sorted({int(round(t)) for t in xt if abs(t - round(t)) < 1e-9})
    for t in xt:
        if x0 <= t <= x1:
            out.append(f'<line x1="{X(t):.1f}" y1="{top + ph}" x2="{X(t):.1f}" y2="{top + ph + 5}" stroke="#444"/>')
            out.append(f'<text x="{X(t):.1f}" y="{top + ph + 19}" text-anchor="middle" font-size="12">{tick_label(t)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{H - 12}" text-anchor="middle" font-size="13">{esc(xlabel)}</text>')
    out.append(f'<text transform="translate(16 {top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">'
               f'{esc(ylabel)}</text>')
    for s in series:
        band = [p for p in s["points"] if p[2] is not None and p[3] is not None]
        if len(band) >= 2:
            poly = [(X(p[0]), Y(p[2])) for p in band] + [(X(p[0]), Y(p[3])) for p in reversed(band)]
            out.append(f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in poly)}" fill="{s["color"]}" '
                       f'fill-opacity="0.18" stroke="none"/>')
    for s in series:
        line = [(X(p[0]), Y(p[1])) for p in s["points"] if p[1] is not None]
        dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
        if len(line) >= 2:
            out.append(f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in line)}" fill="none" '
                       f'stroke="{s["color"]}" stroke-width="2"{dash}/>')
        elif line:
            out.append(f'<circle cx="{line[0][0]:.1f}" cy="{line[0][1]:.1f}" r="3" fill="{s["color"]}"/>')
    if note:
        out.append(f'<text x="{W - right}" y="{H - 12}" text-anchor="end" font-size="11" fill="#555">{esc(note)}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


# ---------------------------------------------------------------- the document


class Doc:
    def __init__(self, runs, docdir, quick):
        self.runs = runs
        self.dir = docdir
        self.quick = quick
        self.figdir = docdir / "experiments"
        self.figdir.mkdir(parents=True, exist_ok=True)
        self.lines = []
        self.figures = []

    def p(self, *lines):
        self.lines.extend(lines)

    def table(self, header, rows):
        self.p("| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |")
        for r in rows:
            self.p("| " + " | ".join(str(c) for c in r) + " |")
        self.p("")

    def series(self, run, cell, metric, label, color, dash=None):
        r = self.runs[run]
        pts = []
        for g in range(r.generations):
            n, m, lo, hi = r.stat(cell, metric, g)
            if m is not None:
                pts.append((g, m, lo, hi))
        return {"label": label, "color": color, "dash": dash, "points": pts}

    def figure(self, name, title, ylabel, series, caption, note=None):
        series = [s for s in series if s["points"]]
        if not series:
            return
        file = f"{name}.svg"
        svg_figure(self.figdir / file, title, ylabel, series, note=note)
        self.figures.append(file)
        self.p(f"![{title}](experiments/{file})", "", f"*{caption}*", "")


def cell_label(cell):
    """A cell as a reader says it: regime, order, smoothing, and the sampling when not plain."""
    regime, order, smoothing, _, _, t, top_p, top_k = cell
    parts = [regime, f"order {order}", smoothing.upper()]
    if float(t) != 1.0:
        parts.append(f"T={float(t):g}")
    if top_p != "off":
        parts.append(f"top-p {float(top_p):g}")
    if top_k != "off":
        parts.append(f"top-k {top_k}")
    return ", ".join(parts)


def rel(a, b):
    return None if a is None or b is None or a == 0 else b / a - 1.0


def theory_section(doc, brown_counts):
    wf = doc.runs["theory-wf"]
    cell = wf.cells[0]
    seeds = wf.seeds(cell)
    G = wf.generations
    doc.p("## 1. Theory checks", "",
          "An order-1 maximum-likelihood model resamples its training words, so under `replace` each generation is a "
          "Wright-Fisher step with exact predictions. Each check below is a test in `tests/tests/theory.rs` (small "
          "data, seeded, a tolerance of 4.5 standard deviations of the mean, and a rival formula that must fail at it); "
          "the formulas are in `crates/nglab-driver/src/theory.rs`. Here they are checked again on the runs of this "
          "document.", "")
    doc.table(["check (test)", "formula", "source"], [
        ["hapax survival (`order_1_mle_replace_is_wright_fisher`)",
         "s_0 = 1, s_{g+1} = 1 - exp(-s_g) (Poisson limit of same-size resampling)",
         "Shumailov et al., Nature 2024 (sketch); Suresh et al. 2024; Seddik et al. 2024"],
        ["count-c survival (same test, bands 2-4 and 5-16)", "1 - (1 - s_g)^c, averaged over the band's human types",
         "same; each of the c copies starts an independent line"],
        ["the rival `1 - exp(-c/g)` (same test, must fail)", "1 - exp(-c/g)", "Suresh et al. 2024, as often quoted"],
        ["types never rise, nothing comes back (same test)", "types_{g+1} <= types_g, resurrected_types = 0",
         "absorbing states of Wright-Fisher"],
        ["heterozygosity (`a_small_support_collapses_to_one_word`)", "E[1 - sum p_w^2] falls by prod_j (1 - 1/n_j)",
         "Wright 1931; Seddik et al. 2024 (fully synthetic variance trajectory)"],
        ["absorption in one word (same test)", "entropy reaches 0 and stays; the share of a word is a martingale",
         "Wright-Fisher fixation"],
        ["drift by regime (`drift_by_regime_follows_the_closed_forms`)",
         "E sum (p_w - h_w)^2 / H: replace 1 - prod(1 - 1/n_j) ~ g/n; accumulate 1 - prod(1 - n_j/M_j^2) "
         "< (pi^2/6 - 1)/n; accumulate-subsample between; mix:F settles at (1 - F^2)/(F(2 - F))/n",
         "Gerstgrasser et al. 2024; Kazdan et al. 2025; Seddik et al. 2024 (partially synthetic)"],
        ["truncation (`truncation_and_temperature_cut_the_tail`)",
         "types of generation 1 = sum_w 1 - (1 - p_w)^n, p the tempered (p^(1/T), normalized) or truncated shares",
         "Dohmatob et al. 2024 (tails)"],
    ])
    # Hapax survival and the bands.
    bands = {"survival_hapax": (1, 1), "survival_2_4": (2, 4), "survival_5_16": (5, 16)}
    band_counts = {k: [c for c in brown_counts.values() if lo <= c <= hi] for k, (lo, hi) in bands.items()}
    rows = []
    worst3, worst_all = 0.0, 0.0
    worst_band = {}
    for g in range(1, G):
        meas = [float(s[g]["survival_hapax"]) for s in seeds.values()]
        m3 = sum(meas[:3]) / len(meas[:3])
        m, ci = mean_ci(meas)
        sg = hapax_survival(g)
        worst3 = max(worst3, abs(m3 - sg))
        worst_all = max(worst_all, abs(m - sg))
        cells = [g, f"{m:.4f} ± {ci:.4f}" if ci is not None else f"{m:.4f}", f"{m3:.4f}", f"{sg:.4f}",
                 f"{exp_approximation(1, g):.4f}"]
        for k in ("survival_2_4", "survival_5_16"):
            mk = sum(float(s[g][k]) for s in seeds.values()) / len(seeds)
            pk = sum(count_survival(c, g) for c in band_counts[k]) / len(band_counts[k])
            worst_band[k] = max(worst_band.get(k, 0.0), abs(mk - pk))
            cells.append(f"{mk:.4f} / {pk:.4f}")
        rows.append(cells)
    wf_train = next((os.path.relpath(i["path"], ROOT) for i in wf.config.get("inputs", []) if i.get("role") == "train"),
                    "Brown train")
    doc.p(f"**Hapax survival on Brown** (run `theory-wf`: order 1, MLE, `replace`, {len(seeds)} seeds, "
          f"{wf_train}). "
          f"`survival_hapax` against `s_g`: the mean of seeds 0-2 is within **{worst3:.4f}** of `s_g` at every "
          f"generation 1-{G - 1}, the mean of all {len(seeds)} seeds within {worst_all:.4f} (the issue's bar: 0.006 "
          f"over 3 seeds). Bands 2-4 and 5-16: measured / predicted `1 - (1 - s_g)^c` over the band's human types "
          f"(largest gaps {worst_band.get('survival_2_4', 0):.4f} and {worst_band.get('survival_5_16', 0):.4f}).", "")
    doc.table(["generation", f"survival_hapax ({len(seeds)} seeds, 95%)", "seeds 0-2", "s_g", "1 - exp(-1/g)",
               "band 2-4 measured / predicted", "band 5-16 measured / predicted"], rows)
    s_series = [doc.series("theory-wf", cell, "survival_hapax", "measured survival_hapax", PALETTE[0])]
    s_series.append({"label": "s_g (Wright-Fisher)", "color": "#000000", "dash": "6,4",
                     "points": [(g, hapax_survival(g), None, None) for g in range(G)]})
    s_series.append({"label": "1 - exp(-1/g) (rival)", "color": PALETTE[5], "dash": "2,4",
                     "points": [(g, exp_approximation(1, g), None, None) for g in range(G)]})
    doc.figure("theory-hapax", "Survival of Brown's hapaxes, order-1 MLE, replace", "share of human hapaxes present",
               s_series, f"Measured (mean over {len(seeds)} seeds, 95% band, too narrow to see) against s_g and the "
               "rival 1 - exp(-c/g). Run theory-wf.")
    # Heterozygosity along the same chain.
    hrows = []
    for g in (1, 2, 5, G - 1):
        if g >= G:
            continue
        meas, pred = [], []
        for s in seeds.values():
            sizes = [float(s[j]["train_tokens"]) for j in range(1, g + 1)]
            meas.append(float(s[g]["heterozygosity"]))
            pred.append(float(s[0]["heterozygosity"]) * math.prod(1 - 1 / n for n in sizes))
        m, ci = mean_ci(meas)
        hrows.append([g, f"{m:.7f} ± {ci:.7f}", f"{sum(pred) / len(pred):.7f}"])
    doc.p("**Heterozygosity** on the same run (`1 - sum p_w^2`, measured vs `H_0 prod_j (1 - 1/n_j)`; on a "
          "vocabulary this large the fall is tiny, which is why the test uses a 4-word support):", "")
    doc.table(["generation", "measured (95%)", "predicted"], hrows)

    # Drift by regime.
    dr = doc.runs["theory-drift"]
    drows = []
    dseries = []
    for i, regime in enumerate(["replace", "accumulate", "accumulate-subsample", "mix:0.1"]):
        c = dr.cell(regime=regime)
        sd = dr.seeds(c)
        meas_g, pred_g = [], []
        for g in range(dr.generations):
            ms, ps = [], []
            for rows_ in sd.values():
                het = float(rows_[0]["heterozygosity"])
                human = float(rows_[0]["train_tokens"])
                sizes = [float(rows_[j]["new_tokens"]) for j in range(1, g + 1)]
                ms.append(float(rows_[g]["sq_l2_to_human"]) / het * human)
                ps.append(drift_expected(regime, human, sizes) * human)
            m, ci = mean_ci(ms)
            meas_g.append((g, m, None if ci is None else m - ci, None if ci is None else m + ci))
            pred_g.append((g, sum(ps) / len(ps), None, None))
        color = REGIME_COLOR[regime]
        dseries.append({"label": f"{regime} measured", "color": color, "dash": None, "points": meas_g})
        dseries.append({"label": f"{regime} predicted", "color": color, "dash": "5,4", "points": pred_g})
        last = dr.generations - 1
        def ci(p):
            return f"{p[1]:.3f}" if p[2] is None else f"{p[1]:.3f} ± {(p[3] - p[2]) / 2:.3f}"
        drows.append([regime, ci(meas_g[1]), f"{pred_g[1][1]:.3f}", ci(meas_g[last]), f"{pred_g[last][1]:.3f}"])
    dseeds = len(dr.seeds(dr.cells[0]))
    dtrain = next((os.path.relpath(i["path"], ROOT) for i in dr.config.get("inputs", []) if i.get("role") == "train"),
                  "?")
    dwords = int(dr.rows[0]["train_tokens"])
    doc.p(f"**Drift by regime** (run `theory-drift`: order 1, MLE, {dr.generations} generations, {dseeds} seeds, "
          f"`{dtrain}`, {dwords:,} words: a small text, because `metrics.csv`'s six decimals must resolve "
          "`H/n`): "
          "`sq_l2_to_human` in units of the human heterozygosity over the training size, `n sum (p_w - h_w)^2 / H`. "
          "The formulas treat words as independent draws; `mix` and `accumulate-subsample` draw whole human "
          "sentences, whose words are correlated, which the formulas leave out (the test uses a text of independent "
          "words).", "")
    doc.table(["regime", "gen 1 measured", "gen 1 predicted", f"gen {dr.generations - 1} measured",
               f"gen {dr.generations - 1} predicted"], drows)
    doc.figure("theory-drift", "Drift from the human word distribution, order-1 MLE", "n · Σ(p−h)² / H", dseries,
               "Solid: measured, mean over seeds with 95% band; dashed: the closed form of each regime. "
               "Run theory-drift.")

    # Temperature: generation 1's types.
    tt = doc.runs["theory-tails"]
    total = sum(brown_counts.values())
    plain = [c / total for c in brown_counts.values()]
    trows = []
    for c in tt.cells:
        t = float(c[CELL_KEYS.index("temperature")])
        w = [p ** (1 / t) for p in plain]
        z = sum(w)
        shares = [x / z for x in w]
        sd = tt.seeds(c)
        meas, pred = [], []
        for rows_ in sd.values():
            n = float(rows_[1]["train_tokens"])
            meas.append(float(rows_[1]["types"]))
            pred.append(sum(-math.expm1(n * math.log1p(-p)) for p in shares if p > 0))
        m, ci = mean_ci(meas)
        trows.append([f"{t:g}", f"{m:,.0f} ± {ci:.0f}" if ci else f"{m:,.0f}", f"{sum(pred) / len(pred):,.0f}"])
    doc.p("**Temperature cuts the tail** (run `theory-tails`: order 1, MLE, full Brown): types of generation 1 "
          "against `sum_w 1 - (1 - p_w)^n` of the tempered word shares `p^(1/T)`.", "")
    doc.table(["temperature", "types of generation 1 (95%)", "predicted"], trows)
    return {"worst3": worst3, "worst_all": worst_all}


def main_regime_figures(doc):
    r = doc.runs["regimes"]
    cells = [(reg, r.cell(regime=reg)) for reg in ["replace", "mix:0.1", "accumulate", "accumulate-subsample"]]
    for metric, title, unit, cap in [
        ("heldout_ppl_fixed", "Held-out perplexity on Brown test (human-vocabulary tokens)", "perplexity",
         "Collapse pushes it up."),
        ("survival_hapax", "Human hapaxes present in the training text", "share", "Collapse pushes it down."),
        ("persistent_hapax", "Human hapaxes present in every generation so far", "share", "Collapse pushes it down."),
        ("new_types", "Word types of the newest text", "types", "Collapse pushes it down."),
        ("new_distinct_2", "distinct-2 of the newest text", "share", "Collapse pushes it down."),
    ]:
        doc.figure(f"regimes-{metric}", title, unit,
                   [doc.series("regimes", c, metric, reg, REGIME_COLOR[reg]) for reg, c in cells],
                   f"`{metric}`, order-3 MKN on the Brown slice; mean over seeds, 95% bands. {cap} Run regimes.")


def compare_figure(doc, name, title, metric, unit, specs, caption):
    series = [doc.series(run, doc.runs[run].cell(**want), metric, label, PALETTE[i % len(PALETTE)])
              for i, (run, want, label) in enumerate(specs)]
    doc.figure(name, title, unit, series, caption)


def ratio_series(run, cell, metric):
    g0 = run.mean(cell, metric, 0)
    return [None if run.mean(cell, metric, g) is None or not g0 else run.mean(cell, metric, g) / g0
            for g in range(run.generations)]


DIVERSITY = ["ttr", "mattr", "mtld", "distinct_1", "distinct_2", "distinct_3", "distinct_4", "new_ttr", "new_mattr",
             "new_mtld", "new_distinct_2", "types", "new_types", "entropy_bits", "new_entropy_bits", "heterozygosity",
             "survival_hapax", "persistent_hapax"]


def diversity_claim(doc):
    """The best match over every metric and cell with generation 9 to 0.85/0.65/0.30/<0.10 at 2/3/5/9."""
    target = {2: 0.85, 3: 0.65, 5: 0.30, 9: 0.10}
    best = []
    for name, run in doc.runs.items():
        if run.generations < 10 or name.startswith("theory"):
            continue
        for cell in run.cells:
            for metric in DIVERSITY:
                ratios = ratio_series(run, cell, metric)
                if any(ratios[g] is None for g in target):
                    continue
                err = max(abs(ratios[g] - t) if g != 9 else max(0.0, ratios[g] - t) for g, t in target.items())
                best.append((err, name, cell, metric, [ratios[g] for g in target]))
    best.sort(key=lambda x: x[0])
    return best


def claims_section(doc, theory):
    r = doc.runs["regimes"]
    L = r.generations - 1
    rep, mix, acc, sub = (r.cell(regime=x) for x in ["replace", "mix:0.1", "accumulate", "accumulate-subsample"])
    m = r.mean
    rows = []
    # 1. Rare events vanish first.
    bands = ["survival_hapax", "survival_2_4", "survival_5_16", "survival_17_plus"]
    vals = [m(rep, b, L) for b in bands]
    ordered = all(a is not None and b is not None and a < b for a, b in zip(vals, vals[1:]))
    rows.append(["Rare events vanish first", "Shumailov et al. 2024",
                 f"`replace`, generation {L}: present share of human types seen once / 2-4 / 5-16 / 17+ times: "
                 + " / ".join(fmt(v) for v in vals),
                 "holds" if ordered else "does not hold"])
    # 2. Tail fraction lost by generation 5 and 9.
    lost = []
    mid = min(5, L // 2 + 1)
    for reg, c in [("replace", rep), ("mix:0.1", mix), ("accumulate", acc)]:
        a5 = m(c, "persistent_hapax", mid)
        a9 = m(c, "persistent_hapax", L)
        lost.append(f"{reg} {fmt(1 - a5 if a5 is not None else None)} / {fmt(1 - a9 if a9 is not None else None)}")
    wf_lost = f"order-1 MLE theory 1 - s_g: {1 - hapax_survival(mid):.3f} / {1 - hapax_survival(L):.3f}"
    rows.append([f"The tail is lost: share of human hapaxes gone by generation {mid} / {L}",
                 "Shumailov et al. 2024; Dohmatob et al. 2024",
                 "lost from the newest text at least once (`1 - persistent_hapax`): " + "; ".join(lost) + "; " + wf_lost,
                 "measured (no single published figure to compare)"])
    # 3. The popular diversity numbers.
    best = diversity_claim(doc)
    if best:
        err, run, cell, metric, ratios = best[0]
        plain = [b for b in best if b[2][5:] == ("1.000000", "off", "off")]
        what = (f"searched {len(best)} (metric, cell) curves of 10 generations or more. Closest: `{metric}` in run "
                f"`{run}` ({cell_label(cell)}): " + " / ".join(f"{x:.2f}" for x in ratios)
                + f" of generation 0 at 2 / 3 / 5 / 9 (largest miss {err:.2f})")
        if plain:
            pe, prun, pcell, pmetric, pratios = plain[0]
            what += (f"; closest under plain sampling: `{pmetric}` in `{prun}` ({cell_label(pcell)}): "
                     + " / ".join(f"{x:.2f}" for x in pratios) + f" (miss {pe:.2f})")
        rp = ratio_series(r, rep, "distinct_1")
        what += ("; `distinct_1` (= TTR) under plain `replace`: "
                 + " / ".join(fmt(rp[g]) for g in (2, 3, 5, 9) if g < len(rp)))
        if err <= 0.1 and (not plain or plain[0][0] > 0.1):
            verdict = ("not under plain sampling; only a truncated sampler comes close, on one metric of "
                       f"{len(best)} searched (a match found by search, not a prediction)")
        elif err <= 0.1:
            verdict = "reproduced by that setting (found by search over the curves)"
        else:
            verdict = "not reproduced by any metric or setting here"
    else:
        what, verdict = "needs runs of 10 generations", "—"
    rows.append(['"Lexical diversity falls to 85% by generation 2, 65% by 3, 30% by 5, under 10% by 9"',
                 "popular accounts of model collapse", what, verdict])
    # 4. Shumailov's perplexity.
    p0 = m(rep, "heldout_ppl_fixed", 0)
    pr, pm, pa, ps = (m(c, "heldout_ppl_fixed", L) for c in (rep, mix, acc, sub))
    rise_r, rise_m = rel(p0, pr), rel(p0, pm)
    share = None if not rise_r else rise_m / rise_r
    rows.append(["No real data kept: held-out perplexity rises (34 → 54-62 for OPT-125m over 9 generations, +60-80%); "
                 "a fresh 10% gives only minor degradation",
                 "Shumailov et al. 2024",
                 f"`heldout_ppl_fixed`, generation 0 → {L}: replace {fmt(p0)} → {fmt(pr)} ({pct(rise_r)}); "
                 f"mix:0.1 → {fmt(pm)} ({pct(rise_m)})",
                 "does not hold" if share is None or rise_r <= 0 else
                 f"holds: replace rises, mix:0.1 prevents {100 * (1 - share):.0f}% of the rise" if share <= 0.3 else
                 f"replace rises as reported; mix:0.1 prevents {100 * (1 - share):.0f}% of the rise, so more than a "
                 "minor degradation remains"])
    # 5. Collapse only when induced.
    late = min(5, L // 2 + 1)
    inc = {k: (m(c, "heldout_ppl_fixed", L) - m(c, "heldout_ppl_fixed", late))
           for k, c in [("replace", rep), ("accumulate", acc), ("accumulate-subsample", sub)]}
    rows.append(["Collapse happens only when data is replaced; accumulating keeps error bounded",
                 "Gerstgrasser et al. 2024; Kazdan et al. 2025",
                 f"`heldout_ppl_fixed` at generation {L}: replace {fmt(pr)}, accumulate-subsample {fmt(ps)}, "
                 f"accumulate {fmt(pa)} (from {fmt(p0)}); rise over generations {late}-{L}: "
                 + ", ".join(f"{k} {inc[k]:+.1f}" for k in inc),
                 f"holds in shape: accumulate rises far less and slows down, but still rises by generation {L} "
                 "(not yet bounded here)"
                 if inc["accumulate"] < 0.5 * inc["replace"] else "does not hold"])
    # 6. A 10% fresh share prevents most of it (types, survival, world KL).
    t0 = m(rep, "new_types", 0)
    tr, tm = m(rep, "new_types", L), m(mix, "new_types", L)
    w = doc.runs["world"]
    wrep, wmix = w.cell(regime="replace"), w.cell(regime="mix:0.1")
    WL = w.generations - 1
    k0, kr, km = w.mean(wrep, "kl_to_truth", 0), w.mean(wrep, "kl_to_truth", WL), w.mean(wmix, "kl_to_truth", WL)
    kept = None if None in (k0, kr, km) or kr == k0 else 1 - (km - k0) / (kr - k0)
    rows.append(["A 10% fresh share of real data prevents most of the collapse",
                 "Shumailov et al. 2024; Seddik et al. 2024; Alemohammad et al. 2024",
                 f"world, `kl_to_truth` generation 0 → {WL}: replace {fmt(k0)} → {fmt(kr)}, mix:0.1 → {fmt(km)} bits/token; "
                 f"Brown slice, types of the newest text: {fmt(t0)} → replace {fmt(tr)}, mix:0.1 {fmt(tm)}",
                 "—" if kept is None else
                 (f"holds ({100 * kept:.0f}% of the divergence's rise prevented)" if kept >= 0.6 else
                  f"half: {100 * kept:.0f}% of the divergence's rise prevented, not most" if kept >= 0.4 else
                  f"does not hold: {100 * kept:.0f}% of the divergence's rise prevented")
                 + f"; types of the newest text: mix:0.1 keeps {fmt(tm)} against {fmt(tr)} under replace"])
    # 7. Truncation cuts the tail.
    t = doc.runs["temperature"]
    base1 = m(rep, "new_types", 1)
    dec = [("T=0.7", t, t.cell(temperature="0.700000")), ("T=1.3", t, t.cell(temperature="1.300000")),
           ("top-p 0.9", doc.runs["top-p"], doc.runs["top-p"].cells[0]),
           ("top-k 50", doc.runs["top-k"], doc.runs["top-k"].cells[0])]
    parts = [f"T=1 {fmt(base1)}"] + [f"{lab} {fmt(run.mean(c, 'new_types', 1))}" for lab, run, c in dec]
    z = [f"T=1 {fmt(m(rep, 'zipf_exponent', 1))}"] + [f"{lab} {fmt(run.mean(c, 'zipf_exponent', 1))}"
                                                       for lab, run, c in dec]
    cut = all((run.mean(c, "new_types", 1) or 1e18) < base1 for lab, run, c in dec if lab != "T=1.3")
    rows.append(["Top-k, top-p and temperature < 1 cut the tail; the Zipf exponent follows the cut",
                 "Dohmatob et al. 2024",
                 "types of generation 1's text: " + ", ".join(parts) + "; Zipf exponent: " + ", ".join(z),
                 "holds: each cut writes fewer types" if cut else "does not hold"])
    # 8. Precision kept, recall lost at T < 1.
    c07 = t.cell(temperature="0.700000")
    sp1, sp07 = m(rep, "synthetic_ppl_gen0", 1), t.mean(c07, "synthetic_ppl_gen0", 1)
    sv1, sv07 = m(rep, "survival_hapax", 1), t.mean(c07, "survival_hapax", 1)
    rows.append(["Quality-seeking sampling (T < 1) keeps precision and loses recall fast", "Alemohammad et al. 2024",
                 f"generation 1: perplexity of the text under generation 0 (precision) T=1 {fmt(sp1)}, T=0.7 {fmt(sp07)}; "
                 f"human hapaxes kept (recall) T=1 {fmt(sv1)}, T=0.7 {fmt(sv07)}",
                 "holds" if sp07 is not None and sp1 is not None and sp07 < sp1 and sv07 < sv1 else "does not hold"])
    # 9. Suresh's rate.
    rows.append(["A word seen c times survives k generations with probability about 1 - exp(-c/k)",
                 "Suresh et al. 2024 (as quoted)",
                 f"order-1 MLE on Brown: hapax survival follows s_g (within {theory['worst_all']:.4f}), "
                 f"s_9 = {hapax_survival(9):.3f} against 1 - exp(-1/9) = {exp_approximation(1, 9):.3f}; "
                 "for large g, s_g ~ 2/g, so survival is about 1 - exp(-2c/g)",
                 "time to forget is linear in c, as claimed, at twice the quoted rate"])
    # 10. Guo: diversity falls steadily.
    d2 = [m(rep, "distinct_2", g) for g in range(r.generations)]
    steady = all(a is not None and b is not None and b < a for a, b in zip(d2, d2[1:]))
    d1 = [m(rep, "distinct_1", g) for g in range(r.generations)]
    peak = max(range(len(d2)), key=lambda g: d2[g] if d2[g] is not None else -1)
    rows.append(["Lexical diversity (distinct-n on fixed-size samples) falls steadily over generations",
                 "Guo et al. 2024",
                 "replace, by generation: `distinct_1` " + " → ".join(fmt(x) for x in d1)
                 + "; `distinct_2` " + " → ".join(fmt(x) for x in d2),
                 "holds for distinct-1 and distinct-2" if steady else
                 f"holds for distinct-1; distinct-2 rises until generation {peak} before it falls"
                 if all(b < a for a, b in zip(d1, d1[1:])) else "does not hold"])
    doc.p("## 2. The published claims, point by point", "",
          f"From the runs below (`regimes` unless named: order-3 MKN, Brown slice, {len(r.seeds(rep))} seeds). "
          "Verdicts are computed by `scripts/experiments.py` from the numbers shown.", "")
    doc.table(["claim", "source", "what nglab measured", "verdict"], rows)
    if best:
        doc.p("Closest curves to the popular diversity numbers (ratio to generation 0 at generations 2 / 3 / 5 / 9):", "")
        doc.table(["metric", "run", "cell", "ratios", "largest miss"],
                  [[f"`{b[3]}`", b[1], cell_label(b[2]), " / ".join(f"{x:.2f}" for x in b[4]), f"{b[0]:.2f}"]
                   for b in best[:5]])


SENSITIVE = ["types", "survival_hapax", "survival_2_4", "survival_bigram_hapax", "persistent_hapax",
             "heldout_ppl_fixed", "ttr", "distinct_1", "distinct_2", "mattr", "mtld", "entropy_bits", "zipf_exponent",
             "js_to_human", "compression_ratio", "self_repetition_4", "synthetic_ppl_gen0"]


def collapse_directions():
    """Column -> 'up', 'down', 'either' or 'neither', from docs/OUTPUTS.md's tables of metrics.csv."""
    out = {}
    for line in (ROOT / "docs/OUTPUTS.md").read_text().splitlines():
        m = re.match(r"\| `([a-z0-9_]+)` \|[^|]*\| (up|down|either|neither) \|", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def sensitivity_section(doc):
    direction = collapse_directions()
    r = doc.runs["regimes"]
    L = r.generations - 1
    rep, acc = r.cell(regime="replace"), r.cell(regime="accumulate")
    rows = []
    for metric in SENSITIVE:
        n, g0, _, _ = r.stat(rep, metric, 0)
        _, g1, lo1, hi1 = r.stat(rep, metric, 1)
        _, gl, lol, hil = r.stat(rep, metric, L)
        _, al, loa, hia = r.stat(acc, metric, L)
        if g0 is None or g1 is None:
            continue
        width = (hi1 - lo1) / 2 if hi1 is not None and lo1 is not None else None
        snr = None if not width else abs(g1 - g0) / width
        apart = None if None in (lol, hil, loa, hia) else (hil < loa or hia < lol)
        way = direction.get(metric, "neither")
        moved = None if gl is None else (gl > g0 if way == "up" else gl < g0 if way == "down" else None)
        rows.append([f"`{metric}`", way, "—" if moved is None else ("yes" if moved else "**no**"), fmt(g0),
                     pct(rel(g0, g1)), "—" if snr is None else f"{snr:.0f}",
                     pct(rel(g0, gl)), fmt(al), "yes" if apart else "no",
                     "sensitive" if snr is not None and snr >= 3 and (g0 == 0 or abs(rel(g0, gl)) >= 0.02)
                     else "weak"])
    wrong = [r[0] for r in rows if r[2] == "**no**"]
    doc.p("## 3. Which instruments are sensitive", "",
          f"Run `regimes` (order-3 MKN, Brown slice). For each metric: which way collapse pushes it (docs/OUTPUTS.md) "
          f"and whether `replace` moved it that way by generation {L}, its value at generation 0, the change under "
          f"`replace` after one generation in per cent and in half-widths of its 95% interval (signal to noise), the "
          f"change by generation {L}, and whether its intervals separate `replace` from `accumulate` at generation "
          f"{L}. *Sensitive*: one generation moves it by 3 half-widths or more and {L} generations by 2% or more."
          + (f" Moved against the direction docs/OUTPUTS.md gives for collapse: {', '.join(wrong)}: read alone, "
             "each would say the opposite of the survival and perplexity columns about the same run." if wrong else ""),
          "")
    doc.table(["metric", "collapse way (docs/OUTPUTS.md)", f"moved that way by gen {L}", "gen 0", "gen 1 change", "gen 1 change / half-width", f"gen {L} change",
               f"accumulate, gen {L}", "replace vs accumulate apart", "verdict"], rows)


def experiments_section(doc):
    doc.p("## 4. The experiments", "")
    main_regime_figures(doc)
    base = ("regimes", {"regime": "replace"})
    compare_figure(doc, "decoding-new_types", "Decoding: word types of the newest text", "new_types", "types",
                   [(*base, "T=1"), ("temperature", {"temperature": "0.700000"}, "T=0.7"),
                    ("temperature", {"temperature": "1.300000"}, "T=1.3"), ("top-p", {}, "top-p 0.9"),
                    ("top-k", {}, "top-k 50")],
                   "replace, order-3 MKN, Brown slice; mean over seeds, 95% bands. Runs regimes, temperature, top-p, top-k.")
    compare_figure(doc, "decoding-heldout_ppl_fixed", "Decoding: held-out perplexity", "heldout_ppl_fixed",
                   "perplexity",
                   [(*base, "T=1"), ("temperature", {"temperature": "0.700000"}, "T=0.7"),
                    ("temperature", {"temperature": "1.300000"}, "T=1.3"), ("top-p", {}, "top-p 0.9"),
                    ("top-k", {}, "top-k 50")],
                   "replace; held-out perplexity on Brown test over human-vocabulary tokens. Collapse pushes it up.")
    for metric, unit in [("heldout_ppl_fixed", "perplexity"), ("survival_hapax", "share")]:
        compare_figure(doc, f"orders-{metric}", f"Orders 2, 3, 5: {metric}", metric, unit,
                       [("orders", {"order": "2"}, "order 2"), (*base, "order 3"), ("orders", {"order": "5"}, "order 5")],
                       "replace, MKN, Brown slice. Runs orders and regimes.")
        compare_figure(doc, f"smoothing-{metric}", f"Smoothing: {metric}", metric, unit,
                       [("smoothing", {"smoothing": "mle"}, "MLE"), ("smoothing", {"smoothing": "wb"}, "Witten-Bell"),
                        ("smoothing", {"smoothing": "kn"}, "Kneser-Ney"), (*base, "modified Kneser-Ney")],
                       "replace, order 3, Brown slice (MLE's held-out perplexity is undefined: unseen n-grams). "
                       "Runs smoothing and regimes.")
    compare_figure(doc, "tokens-survival_hapax", "Word vs BPE tokens: hapax survival", "survival_hapax", "share",
                   [(*base, "words"), ("bpe", {}, "BPE 8000")],
                   "replace, order 3, MKN, Brown slice; for BPE the survival of the human text's BPE-token hapaxes. "
                   "Runs regimes and bpe.")
    compare_figure(doc, "tokens-new_distinct_2", "Word vs BPE tokens: distinct-2 of the newest text",
                   "new_distinct_2", "share", [(*base, "words"), ("bpe", {}, "BPE 8000")],
                   "replace; distinct-2 counts token bigrams, so the two are on different scales: compare shapes.")
    h = doc.runs["horizon"]
    for metric, unit in [("new_types", "types"), ("heldout_ppl_fixed", "perplexity"), ("survival_hapax", "share")]:
        compare_figure(doc, f"horizon-{metric}", f"{h.generations}-generation horizon: {metric}", metric, unit,
                       [("horizon", {"order": "2"}, "order 2"), ("horizon", {"order": "3"}, "order 3")],
                       "replace, MKN, the committed 2,000 Brown sentences (43,111 words). Run horizon.")
    shown = sorted({g for g in (0, 1, 10, 25, 50, h.generations - 1) if g < h.generations})
    hrows = []
    for order in ("2", "3"):
        c = h.cell(order=order)
        for metric in ("new_types", "survival_hapax", "heldout_ppl_fixed", "new_distinct_2"):
            hrows.append([f"order {order}", f"`{metric}`"] + [fmt(h.mean(c, metric, g)) for g in shown])
    doc.table(["cell", "metric"] + [f"gen {g}" for g in shown], hrows)
    w = doc.runs["world"]
    for metric, unit in [("kl_to_truth", "bits/token"), ("new_types", "types")]:
        doc.figure(f"world-{metric}", f"World: {metric}", unit,
                   [doc.series("world", w.cell(regime=reg), metric, reg, REGIME_COLOR[reg])
                    for reg in ["replace", "mix:0.1", "accumulate"]],
                   "order-3 MKN generations of a world (order-5 MKN on Brown train); KL(truth || generation) "
                   "on the truth sample. Run world.")
    # A table of the main numbers.
    table_cells = [("regimes", {"regime": "replace"}, "replace (T=1, order 3, MKN)"),
                             ("regimes", {"regime": "mix:0.1"}, "mix:0.1"),
                             ("regimes", {"regime": "accumulate"}, "accumulate"),
                             ("regimes", {"regime": "accumulate-subsample"}, "accumulate-subsample"),
                             ("temperature", {"temperature": "0.700000"}, "replace, T=0.7"),
                             ("temperature", {"temperature": "1.300000"}, "replace, T=1.3"),
                             ("top-p", {}, "replace, top-p 0.9"), ("top-k", {}, "replace, top-k 50"),
                             ("orders", {"order": "2"}, "replace, order 2"), ("orders", {"order": "5"}, "replace, order 5"),
                             ("smoothing", {"smoothing": "mle"}, "replace, MLE"),
                             ("smoothing", {"smoothing": "wb"}, "replace, Witten-Bell"),
                             ("smoothing", {"smoothing": "kn"}, "replace, Kneser-Ney"),
                             ("bpe", {}, "replace, BPE 8000 tokens")]
    rows = []
    for run, want, label in table_cells:
        run_ = doc.runs[run]
        c = run_.cell(**want)
        L = run_.generations - 1
        rows.append([label, run] + [fmt(run_.mean(c, k, g)) for k, g in
                                    [("heldout_ppl_fixed", 0), ("heldout_ppl_fixed", L), ("new_types", L),
                                     ("persistent_hapax", L), ("new_distinct_2", L)]])
    collapsed = []
    for run, want, label in table_cells:
        run_ = doc.runs[run]
        c = run_.cell(**want)
        t0, tl = run_.mean(c, "new_types", 0), run_.mean(c, "new_types", run_.generations - 1)
        p0, pl = run_.mean(c, "heldout_ppl_fixed", 0), run_.mean(c, "heldout_ppl_fixed", run_.generations - 1)
        if t0 and tl is not None and tl < 0.05 * t0 and p0 and pl is not None and pl < p0:
            collapsed.append(f"{label} ({fmt(tl)} types, held-out perplexity {fmt(p0)} → {fmt(pl)})")
    doc.p("Generation 0 and the last generation of each cell (means over seeds):", "")
    doc.table(["cell", "run", "held-out ppl gen 0", "held-out ppl last", "types of newest text, last",
               "persistent hapax, last", "distinct-2 newest, last"], rows)
    if collapsed:
        doc.p("Held-out perplexity stops being a collapse instrument once the vocabulary collapses; it fell here "
              "while the vocabulary went: "
              + "; ".join(collapsed) + ". Every held-out word the model lacks is scored as `<unk>`, whose share grows "
              "as words are lost, so a model that knows a handful of words scores the held-out text well. "
              "KL to the truth (the world) and the types and survival columns do not have this blind spot.", "")


def world_section(doc, work):
    w = doc.runs["world"]
    c = w.cell(regime="replace")
    info = json.loads((work / "world" / "world.json").read_text())
    doc.p("### The world: KL to the truth against the human text's size", "")
    doc.p(f"The world: order-{info['order']} {info['smoothing'].upper()} on "
          f"`{os.path.relpath(info['source'], ROOT)}`; its human text {info['human']['tokens']:,} words, truth sample "
          f"{info['truth']['tokens']:,} words, entropy rate {info['entropy_rate']['mean']:.3f} ± "
          f"{info['entropy_rate']['half_width']:.3f} bits/token. Generation 0 (order-3 MKN) of a human text of N words "
          "drawn from the same world, against the same truth sample (run `world-n`, one seed: the interval is the truth "
          "sample's):", "")
    rows = [world_row(n, doc.runs[f"world-n-{n}"]) for n in world_sizes(doc.quick)]
    large = doc.runs.get(f"world-n-{WORLD_LARGE}")
    if large is not None:
        rows.append(world_row(WORLD_LARGE, large))
    doc.table(WORLD_HEADER, rows)
    doc.p(world_large_note(large), "")


WORLD_HEADER = ["N (human words)", "KL(truth ‖ gen 0), bits/token", "95% half-width", "cross-entropy, bits/token",
                "truth entropy rate"]


def world_row(n, r):
    """The world table's row of a `world-n` run of a world of N words."""
    rc = r.cells[0]
    return [f"{n:,}", fmt(r.mean(rc, "kl_to_truth", 0)), fmt(r.mean(rc, "kl_to_truth_ci", 0)),
            fmt(r.mean(rc, "cross_entropy_to_truth", 0)), fmt(r.mean(rc, "truth_entropy_rate", 0))]


def world_large_note(large):
    """The line under the world table: how its 100M-word row was made, or that it is missing."""
    if large is None:
        return (f"A world of {WORLD_LARGE:,} words: see README (\"A ground-truth world\") for what this machine "
                "allows; its row is added by `scripts/experiments.py --world-large RUN`.")
    t = large.timing
    run = "`nglab run --config experiments/world-n.toml --world W --out RUN`" if t is None else (
        f"`{t['cmd']}` in {t['wall']} (peak resident {t['peak']})")
    return (f"The {WORLD_LARGE:,}-word row is its own run (not part of the set's wall time below): "
            f"`nglab world --out W --tokens {WORLD_LARGE} --truth-tokens {TRUTH_TOKENS} --train corpora/brown/train.txt` "
            f"and {run}, added with `scripts/experiments.py --doc docs --world-large RUN`.")


def load_world_large(path, quick):
    """The finished `world-n` run of a world of WORLD_LARGE words in PATH, checked."""
    if quick:
        die("--world-large is not part of --quick")
    out = Path(path)
    if not (out / "summary.csv").exists():
        die(f"--world-large {out}: no summary.csv (not a finished run)")
    r = Run(f"world-n-{WORLD_LARGE}", out)
    exp = r.config.get("experiment", {})
    want = {"order": [3], "generations": 1, "seeds": 1}
    got = {k: exp.get(k) for k in want}
    if got != want or exp.get("world") is None:
        die(f"--world-large {out}: not a run of experiments/world-n.toml with --world ({got})")
    world = json.loads((Path(exp["world"]) / "world.json").read_text())
    if world["human"]["tokens"] < WORLD_LARGE or world["truth"]["tokens"] < TRUTH_TOKENS * 0.99:
        die(f"--world-large {out}: its world has {world['human']['tokens']:,} human words and a truth sample of "
            f"{world['truth']['tokens']:,}, not {WORLD_LARGE:,} and about {TRUTH_TOKENS:,}")
    # /usr/bin/time -v's report beside the run (RUN.time), when it was measured so.
    r.timing = None
    timed = out.parent / (out.name + ".time")
    if timed.exists():
        text = timed.read_text()
        cmd = re.search(r'Command being timed: "(.*)"', text)
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if cmd and wall and peak:
            words = cmd.group(1).split()
            words[0] = "nglab"
            paths = {str(out.resolve()): "RUN", str(Path(exp["world"]).resolve()): "W"}
            words = [paths.get(str(Path(w).resolve()), w) if w.startswith(("/", ".")) else w for w in words]
            words = [os.path.relpath(w, ROOT) if w.startswith(str(ROOT)) else w for w in words]
            r.timing = {"cmd": " ".join(words), "wall": wall.group(1),
                        "peak": f"{int(peak.group(1)) / 2**20:.2f} GiB"}
    return r


def add_world_large(docdir, run):
    """Puts RUN's row into the world table of the doc in DOCDIR (replacing an older one) and its note
    under the table; fails when its truth sample is not the table's."""
    md = Path(docdir) / "EXPERIMENTS.md"
    lines = md.read_text().splitlines()
    try:
        head = lines.index("| " + " | ".join(WORLD_HEADER) + " |")
    except ValueError:
        die(f"{md}: no world table")
    end = head + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    rows = [line for line in lines[head + 2:end] if not line.startswith(f"| {WORLD_LARGE:,} |")]
    row = world_row(WORLD_LARGE, run)
    if any(r.split(" | ")[-1] != row[-1] + " |" for r in rows):
        die(f"{md}: the world table's truth entropy rate is not {row[-1]}: RUN's truth sample is another one")
    rows.append("| " + " | ".join(row) + " |")
    lines[head + 2:end] = rows
    note = head + 2 + len(rows) + 1  # after the table's blank line
    if note >= len(lines) or not lines[note].startswith(("A world of", f"The {WORLD_LARGE:,}-word row")):
        die(f"{md}: no note under the world table")
    lines[note] = world_large_note(run)
    md.write_text("\n".join(lines) + "\n")
    print(f"wrote the {WORLD_LARGE:,}-word row of {md}")


def slice_words(work, quick):
    if quick:
        return "--quick: the committed 2,000 sentences instead"
    words = sum(len(line.split()) for line in open(work / "data" / f"brown-train-{SLICE_LINES}.txt", encoding="utf-8"))
    total = sum(len(line.split()) for line in open(BROWN_TRAIN, encoding="utf-8"))
    return f"{words:,} words, {100 * words / total:.0f}% of it"


def write_doc(args, work, done):
    docdir = Path(args.doc)
    docdir.mkdir(parents=True, exist_ok=True)
    figdir = docdir / "experiments"
    if figdir.exists():
        shutil.rmtree(figdir)
    names = list(RUNS) + [f"world-n-{n}" for n in world_sizes(args.quick)]
    runs = {name: Run(name, work / "runs" / name) for name in names}
    if args.world_large:
        runs[f"world-n-{WORLD_LARGE}"] = load_world_large(args.world_large, args.quick)
    doc = Doc(runs, docdir, args.quick)
    brown = SMALL_TRAIN if args.quick else BROWN_TRAIN
    counts = word_counts(brown)
    head = "# EXPERIMENTS: what the lab finds"
    doc.p(head, "")
    if args.quick:
        doc.p("**This is the `--quick` document**: every run on the committed 2,000 Brown sentences with "
              f"{QUICK_GENERATIONS} generations ({QUICK_HORIZON} for the horizon): a check that the pipeline runs "
              "end to end, not the lab's results (those are `docs/EXPERIMENTS.md`).", "")
    doc.p("Regenerated by `scripts/experiments.sh` (runs, figures and every number below; nothing here is typed by "
          "hand). Figures: the mean over seeds of each cell with its 95% Student t interval as a band.", "")
    theory = theory_section(doc, counts)
    claims_section(doc, theory)
    sensitivity_section(doc)
    experiments_section(doc)
    world_section(doc, work)
    # How it was made.
    doc.p("## 5. How this document was made", "")
    mem = next((int(x.split()[1]) for x in open("/proc/meminfo") if x.startswith("MemTotal")), 0) / 2**20
    doc.p(f"Command: `{args.command}`. Machine: {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} "
          f"{platform.machine()}, shared with other jobs (the load averages below). "
          f"Wall time of the runs: {args.total_secs:.0f} s in all ({args.total_secs / 60:.1f} min).", "")
    rows = []
    for name, d in done.items():
        cmd = " ".join(["nglab"] + [os.path.relpath(str(c), ROOT) if str(c).startswith(str(ROOT)) else str(c)
                                    for c in d["cmd"][1:]])
        cmd = cmd.replace(str(work), "WORK")
        rows.append([name, f"`{cmd}`", "—" if d["secs"] is None else f"{d['secs']:.0f}",
                     "—" if not d.get("load") else f"{d['load'][0]} → {d['load'][1]}", d.get("when") or "—"])
    doc.table(["run", "command (WORK: the script's work directory; nglab: the release binary)", "wall s", "load average (1 min) before → after",
               "started"], rows)
    doc.p("What was chosen, and why: the machine has 2 cores shared with other jobs, so the order-3 experiments run "
          f"on the first {SLICE_LINES:,} sentences of Brown train ({{slice_words}}), held out on all of Brown test; the "
          "order-1 theory runs on full Brown (the drift check on 500 sentences, see above); the 100-generation horizon on "
          "the committed 2,000 sentences; the "
          f"world has {WORLD_TOKENS:,} human words and a truth sample of {TRUTH_TOKENS:,}. Every cell has 5 seeds; "
          "the synthetic corpora have the human text's size (matched budgets); the cells `regimes` already holds "
          "(T=1, order 3, MKN, words) are not run again.", "")
    text = "\n".join(doc.lines) + "\n"
    text = text.replace("{slice_words}", slice_words(work, args.quick))
    # Paths in the work directory read as the runs table writes them.
    text = text.replace(f"`{os.path.relpath(work, ROOT)}/", "`WORK/")
    (docdir / "EXPERIMENTS.md").write_text(text)
    print(f"wrote {docdir / 'EXPERIMENTS.md'} and {len(doc.figures)} figures in {figdir}")
    check(docdir)


def check(docdir):
    """Every figure the doc names exists and is an SVG; every table row has its columns; no figure is orphaned."""
    docdir = Path(docdir)
    md = docdir / "EXPERIMENTS.md"
    if not md.exists():
        die(f"{md} is missing")
    text = md.read_text()
    named = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    if not named:
        die(f"{md}: no figure")
    for f in named:
        p = docdir / f
        if not p.is_file() or not p.read_text().lstrip().startswith("<svg"):
            die(f"{md}: figure {f} is missing or not an SVG")
    on_disk = {str(p.relative_to(docdir)) for p in (docdir / "experiments").glob("*.svg")}
    orphans = on_disk - set(named)
    if orphans:
        die(f"{docdir / 'experiments'}: figures the doc does not name: {sorted(orphans)}")
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith("|"):
            if "nan" in line.split("|") or " nan " in line or "None" in line:
                die(f"{md}:{i}: an undefined number: {line[:80]}")
    for section in ("## 1. Theory checks", "## 2. The published claims", "## 3. Which instruments", "## 5. How"):
        if section not in text:
            die(f"{md}: no section '{section}'")
    print(f"{md}: {len(named)} figures, all present")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nglab")
    ap.add_argument("--out", help="work directory (runs, the slice, the world)")
    ap.add_argument("--doc", help="where EXPERIMENTS.md and experiments/*.svg are written")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--doc-only", action="store_true", help="no runs: the doc from the finished runs in --out")
    ap.add_argument("--check", metavar="DIR", help="only check the doc in DIR")
    ap.add_argument("--command", default="scripts/experiments.sh", help="the command to print in the doc")
    ap.add_argument("--world-large", metavar="RUN",
                    help=f"a finished world-n run of a {WORLD_LARGE:,}-word world: its row in the world table "
                         "(alone with --doc: only that row, from RUN; else as part of the doc written)")
    args = ap.parse_args()
    if args.check:
        check(args.check)
        return
    if args.world_large and args.doc and not args.out:
        add_world_large(args.doc, load_world_large(args.world_large, args.quick))
        check(args.doc)
        return
    if not (args.nglab and args.out and args.doc):
        die("--nglab, --out and --doc are needed (or --check DIR)")
    work = Path(args.out).resolve()
    args.nglab_sha = hashlib.sha256(Path(args.nglab).read_bytes()).hexdigest()
    start = time.monotonic()
    done = run_all(args, work)
    args.total_secs = sum(d["secs"] or 0 for d in done.values())
    write_doc(args, work, done)
    print(f"experiments: {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
