#!/usr/bin/env bash
# The lab's experiments: every config in experiments/ run with `nglab run`, then
# docs/EXPERIMENTS.md and its figures (docs/experiments/*.svg) regenerated from the
# runs' CSVs by scripts/experiments.py (claims, theory checks, sensitivity).
#
#   scripts/experiments.sh                    # the full set: about 50 min on 2 busy cores;
#                                             # needs Brown (scripts/fetch-corpus.sh brown)
#   scripts/experiments.sh --quick [--doc DIR]  # every run on the committed 2,000 Brown sentences,
#                                             # 4 generations: a consistency check (scripts/test.sh),
#                                             # its doc in DIR (default: a temporary directory)
#   scripts/experiments.sh --doc-only         # the doc again from the finished runs in --out
#
# Options: --out WORK (runs, default runs/experiments or runs/experiments-quick),
# --threads N (default 2). NGLAB=path uses that binary instead of building the release one.
# A run whose command is unchanged and finished is not run again (delete WORK to redo it).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 doc_only=0 out="" doc="" threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --doc-only) doc_only=1 ;;
    --out) out=$2; shift ;;
    --doc) doc=$2; shift ;;
    --threads) threads=$2; shift ;;
    *) echo "usage: $0 [--quick] [--doc-only] [--out WORK] [--doc DIR] [--threads N]" >&2; exit 2 ;;
  esac
  shift
done

if [[ -z "${NGLAB:-}" ]]; then
  cargo build --release --quiet --locked -p nglab-driver --bin nglab
  NGLAB=target/release/nglab
fi
args=(--nglab "$NGLAB" --threads "$threads")
command="scripts/experiments.sh"
if [[ $quick == 1 ]]; then
  out=${out:-runs/experiments-quick}
  if [[ -z "$doc" ]]; then
    doc=$(mktemp -d)
    trap 'rm -rf "$doc"' EXIT
  fi
  args+=(--quick)
  command+=" --quick"
else
  out=${out:-runs/experiments}
  doc=${doc:-docs}
fi
[[ $doc_only == 1 ]] && args+=(--doc-only)
start=$SECONDS
python3 scripts/experiments.py "${args[@]}" --out "$out" --doc "$doc" --command "$command"
echo "experiments.sh: $((SECONDS - start)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
