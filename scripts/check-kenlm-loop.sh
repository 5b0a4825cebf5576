#!/usr/bin/env bash
# The collapse loop under KenLM's conventions (lmplz, query and an exact ARPA
# sampler that redraws <unk>, independent of nglab's code) against `nglab run
# --regime replace --vocabulary open --discount-fallback kenlm` on Brown, order
# 3, modified Kneser-Ney: types, survival per band and held-out perplexity per
# generation must agree within seed noise (see scripts/check-kenlm-loop.py).
# Builds KenLM and fetches Brown when they are missing, builds nglab (release).
# usage: scripts/check-kenlm-loop.sh [--seeds S] [--generations G] [--jobs J] ...
#        (default 3 seeds, 6 generations; every option of check-kenlm-loop.py)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/kenlm-env.sh check-kenlm-loop
rm -rf "$WORK/nglab-run"
exec python3 scripts/check-kenlm-loop.py --kenlm "$KENLM" --nglab "$NGLAB" --train "$TRAIN" --test "$TEST" \
  --work "$WORK" "$@"
