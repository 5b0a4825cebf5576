#!/usr/bin/env bash
# The main job of nglab: the default model-collapse experiment.
#
#   scripts/demo.sh [extra nglab run flags...]
#
# Builds nglab (release), fetches the Brown corpus if corpora/brown/train.txt
# is missing, and runs the default experiment into runs/demo: Brown train and
# test, whitespace tokens, order 3, modified Kneser-Ney, regimes replace,
# accumulate and mix:0.1, 10 generations, 3 seeds, plain sampling. An
# interrupted demo continues where it stopped (--resume); a finished one is
# rebuilt from its saved state in seconds. Delete runs/demo to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "demo: cargo not found (install Rust: https://rustup.rs)" >&2; exit 1; }
cargo build --release --quiet -p nglab-driver --bin nglab
if [[ ! -f corpora/brown/train.txt ]]; then
  scripts/fetch-corpus.sh brown
fi

start=$(date +%s)
target/release/nglab run --out runs/demo --resume "$@"
echo "demo: finished in $(( $(date +%s) - start )) s"
echo "demo: report at runs/demo/report.html (tables: runs/demo/metrics.csv, runs/demo/summary.csv; plots: runs/demo/plots/)"
