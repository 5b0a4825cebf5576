#!/usr/bin/env bash
# Compares nglab's MATTR and MTLD with the `lexicalrichness` PyPI package on two
# texts (the committed fixtures unless paths are given). lexicalrichness is
# installed into a venv under ~/.cache/nglab (needs PyPI the first time).
# Both see each text as one whitespace-split word list in its order (no preprocessing;
# nglab with --sentence-order text).
# Usage: scripts/check-lexicalrichness.sh [TEXT...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/nglab/lexvenv"
if ! "$venv/bin/python" -c "import lexicalrichness" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q lexicalrichness
fi
[ -x target/debug/nglab ] || cargo build -q -p nglab-driver --bin nglab
texts=("$@")
[ ${#texts[@]} -gt 0 ] || texts=(crates/nglab-metrics/tests/data/human.txt crates/nglab-metrics/tests/data/synthetic.txt)
status=0
for text in "${texts[@]}"; do
  for window in 100 1000; do
    json=$(target/debug/nglab metrics --input "$text" --mattr-window "$window" --sentence-order text --json)
    NGLAB_JSON="$json" "$venv/bin/python" - "$text" "$window" <<'PY' || status=1
import json, os, sys
from lexicalrichness import LexicalRichness
path, window = sys.argv[1], int(sys.argv[2])
words = open(path, encoding="utf-8").read().split()
lex = LexicalRichness(words, preprocessor=None, tokenizer=None)
got = json.loads(os.environ["NGLAB_JSON"])
assert got["sample"]["whole_text"]
ref = {"mattr": lex.mattr(window_size=window), "mtld": lex.mtld(threshold=0.72)}
bad = 0
for key, want in ref.items():
    diff = abs(got[key] - want)
    ok = diff <= 1e-9 * max(1.0, abs(want))
    bad += not ok
    print(f"{path} window {window}: {key:<5} nglab {got[key]!r:<22} lexicalrichness {want!r:<22} |diff| {diff:.1e} {'ok' if ok else 'MISMATCH'}")
sys.exit(bad)
PY
  done
done
exit $status
