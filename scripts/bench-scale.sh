#!/usr/bin/env bash
# nglab against KenLM on large texts, side by side: wall time and peak memory
# (/usr/bin/time -v's maximum resident set size) of estimating an order-ORDER
# modified Kneser-Ney model (nglab train vs lmplz -S $LMPLZ_MEMORY) and of
# loading that ARPA file and scoring Brown test with it (nglab ppl vs query),
# with the ratios nglab / KenLM (below 1: nglab is faster or smaller), and the
# bytes per n-gram of each (peak resident bytes / n-grams of the model).
# Then checks that both wrote the same model: the same n-grams, every value
# within 1e-5 (scripts/compare-arpa.py), and query's perplexity of Brown test
# on the two files within 1e-6 relative; exits 1 when they differ.
#
# The texts are made reproducibly: an order-5 model of Brown train (nglab
# train), sampled with a fixed seed (nglab sample --tokens SIZE --seed 1: the
# same text for any thread count), cached in $WORK.
#
# usage: scripts/bench-scale.sh [SIZE...]   (default: 20M; 1M, 20M and 100M are known sizes)
#   ORDER=5 (the model's order), THREADS=0 (nglab's --threads; 0 = all cores),
#   LMPLZ_MEMORY=4G (lmplz -S), RUNS=1 (measurements per row; the minimum wall time,
#   the peak memory of all runs).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@"); [[ $# -gt 0 ]] || SIZES=(20M)
ORDER=${ORDER:-5}
THREADS=${THREADS:-0}
LMPLZ_MEMORY=${LMPLZ_MEMORY:-4G}
RUNS=${RUNS:-1}
source scripts/kenlm-env.sh bench-scale

tokens_of() {
  case "$1" in
    *M) echo $(( ${1%M} * 1000000 )) ;;
    *k) echo $(( ${1%k} * 1000 )) ;;
    *) echo "$1" ;;
  esac
}

# measure IN OUT CMD...: runs CMD RUNS times with standard input IN and output
# OUT; prints "min_wall_seconds peak_kib".
measure() {
  local in=$1 out=$2 best="" mem=0 e m
  shift 2
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$WORK/time.txt" "$@" < "$in" > "$out" 2> "$WORK/stderr.txt" || {
      echo "bench-scale: failed: $*" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
    e=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
          for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$WORK/time.txt")
    m=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
    if [[ -z $best ]] || awk -v a="$e" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$e; fi
    (( m > mem )) && mem=$m
  done
  printf '%s %s\n' "$best" "$mem"
}

# n-grams of an ARPA file, from its header.
ngrams_of() { awk -F= '/^ngram / { n += $2 } /^\\1-grams:/ { print n; exit }' "$1"; }

load() { printf '# load average (1, 5, 15 min) %s: %s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }

# The source model: order 5 on Brown train.
SOURCE=$WORK/brown.o5.arpa
[[ -s $SOURCE ]] || "$NGLAB" train --input "$TRAIN" --order 5 --out "$SOURCE" 2>/dev/null

# query's perplexity (including OOVs) of Brown test with the model ARPA.
ppl_of() { "$KENLM/query" -v summary "$1" < "$TEST" 2>/dev/null | awk -F'\t' 'NR == 1 { print $2 }'; }

load before
status=0
printf '%-26s %9s %9s %6s %9s %9s %6s %8s %8s\n' \
  task "nglab s" "KenLM s" ratio "nglab MiB" "KenLM MiB" ratio "nglab B/" "KenLM B/"
row() {
  awk -v a="$1" -v b="$2" -v name="$3" -v grams="$4" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%-26s %9.2f %9.2f %6.2f %9.0f %9.0f %6.2f %8.1f %8.1f\n", name, x[1], y[1], x[1] / y[1],
      x[2] / 1024, y[2] / 1024, x[2] / y[2], x[2] * 1024 / grams, y[2] * 1024 / grams }'
}
for size in "${SIZES[@]}"; do
  n=$(tokens_of "$size")
  TEXT=$WORK/brown-o5-sample.$size.txt
  if [[ ! -s $TEXT ]]; then
    "$NGLAB" sample --model "$SOURCE" --tokens "$n" --seed 1 --threads "$THREADS" --out "$TEXT.tmp" 2>/dev/null
    mv "$TEXT.tmp" "$TEXT"
  fi
  OURS=$WORK/nglab.$size.o$ORDER.arpa THEIRS=$WORK/kenlm.$size.o$ORDER.arpa
  ours=$(measure /dev/null "$OURS" "$NGLAB" train --input "$TEXT" --order "$ORDER" --threads "$THREADS" --out -)
  theirs=$(measure "$TEXT" "$THEIRS" "$KENLM/lmplz" -o "$ORDER" -S "$LMPLZ_MEMORY" --discount_fallback)
  grams=$(ngrams_of "$THEIRS")
  echo "# $size tokens ($(wc -w < "$TEXT") words), order $ORDER: $grams n-grams"
  row "$ours" "$theirs" "train o$ORDER $size" "$grams"
  same=$(python3 scripts/compare-arpa.py "$OURS" "$THEIRS" 1e-5) || status=1
  echo "# same model: $same"
  awk -v a="$(ppl_of "$OURS")" -v b="$(ppl_of "$THEIRS")" 'BEGIN { d = (a - b) / b; d = d < 0 ? -d : d;
    printf "# same perplexity (query, Brown test): %s on ours, %s on lmplz'"'"'s, relative diff %.2g: %s\n",
      a, b, d, d <= 1e-6 ? "OK" : "MISMATCH"; exit d > 1e-6 }' || status=1
  ours=$(measure /dev/null /dev/null "$NGLAB" ppl --model "$THEIRS" --input "$TEST" --threads "$THREADS")
  theirs=$(measure "$TEST" /dev/null "$KENLM/query" -v summary "$THEIRS")
  row "$ours" "$theirs" "load+score o$ORDER $size" "$grams"
done
load after
exit $status
