"""Model collapse in five generations: *replace* against *accumulate*.

Each generation trains an order-3 modified Kneser-Ney model on text sampled
from the previous generation's model. Under *replace* it sees only the last
generation's samples; under *accumulate* the human text and every synthetic
corpus so far (Gerstgrasser et al. 2024). The held-out perplexity of
*replace* climbs while *accumulate* stays near the human model's.

    python python/examples/collapse.py [TRAIN HELDOUT] [OUT_DIR]

Defaults: Brown's train and test splits (scripts/fetch-corpus.sh brown), or
the Brown slices under tests/data/kenlm when those are missing; the run goes
to runs/collapse-py. With matplotlib installed, the curves are saved as
OUT_DIR/collapse.png.
"""

import pathlib
import sys

import nglab

ROOT = pathlib.Path(__file__).resolve().parents[2]


def inputs(argv):
    if len(argv) >= 3:
        return argv[1], argv[2], argv[3] if len(argv) > 3 else ROOT / "runs" / "collapse-py"
    brown = ROOT / "corpora" / "brown"
    if (brown / "train.txt").is_file():
        return brown / "train.txt", brown / "test.txt", ROOT / "runs" / "collapse-py"
    slices = ROOT / "tests" / "data" / "kenlm"
    return slices / "brown-2k.train.txt", slices / "brown-300.test.txt", ROOT / "runs" / "collapse-py"


def main(argv):
    train, heldout, out = inputs(argv)
    config = {
        "train": str(train),
        "heldout": str(heldout),
        "order": 3,
        "smoothing": "mkn",
        "regime": ["replace", "accumulate"],
        "generations": 5,
        "seeds": 1,
    }
    out = pathlib.Path(out)
    records = nglab.run(config, out, resume=(out / "config.json").exists())
    curves = {}
    for r in records:
        curves.setdefault(r["regime"], []).append((r["generation"], r["heldout_ppl"]))
    print(f"held-out perplexity by generation ({train}):")
    for regime, points in curves.items():
        print(f"  {regime:<11} " + "  ".join(f"{ppl:8.1f}" for _, ppl in sorted(points)))
    print(f"report: {out / 'report.html'}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return 0
    fig, ax = plt.subplots(figsize=(6, 4))
    for regime, points in curves.items():
        gens, ppls = zip(*sorted(points))
        ax.plot(gens, ppls, marker="o", label=regime)
    ax.set_xlabel("generation")
    ax.set_ylabel("held-out perplexity")
    ax.set_title("replace vs accumulate (order-3 MKN)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "collapse.png", dpi=120)
    print(f"plot: {out / 'collapse.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
