#!/usr/bin/env bash
# Side by side with KenLM, in one run, on the same input: wall time and peak
# memory of estimating modified Kneser-Ney (nglab train vs lmplz -S 1G) and of
# scoring Brown test from the ARPA file (nglab ppl vs query), and of sampling 1M tokens
# (nglab sample, one thread) vs scoring those 1M tokens (query), median of RUNS runs.
# Prints wall-time ratios (nglab / KenLM; below 1 means nglab is faster), and
# CPU seconds (user + system) and peak memory of both.
# usage: scripts/bench-kenlm.sh [ORDER...]   (default: 3 5); RUNS=5 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=("$@"); [[ $# -gt 0 ]] || ORDERS=(3 5)
RUNS=${RUNS:-5}
source scripts/kenlm-env.sh bench-kenlm

# measure CMD...: runs CMD RUNS times (stdin/stdout given by the caller via
# env IN/OUT); prints "median_wall_seconds peak_kib median_cpu_seconds" (CPU =
# user + system, which co-load disturbs less than wall time).
measure() {
  local times=() cpus=() mem=0 e m u s
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$WORK/time.txt" -f "%e %M %U %S" "$@" < "$IN" > "$OUT" 2>/dev/null
    read -r e m u s < <(tail -n 1 "$WORK/time.txt")
    times+=("$e"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
    (( m > mem )) && mem=$m
  done
  median() { printf '%s\n' "$@" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
  printf '%s %s %s\n' "$(median "${times[@]}")" "$mem" "$(median "${cpus[@]}")"
}

# Wall time on a shared machine depends on what else runs: say how loaded it was.
load() { printf '# load average (1, 5, 15 min) %s: %s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
load before
printf '%-28s %8s %8s %6s %10s %10s %10s %10s\n' "task" "nglab s" "KenLM s" "ratio" "nglab CPU" "KenLM CPU" "nglab MiB" "KenLM MiB"
row() {
  awk -v a="$1" -v b="$2" -v name="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%-28s %8.3f %8.3f %6.2f %10.2f %10.2f %10.0f %10.0f\n", name, x[1], y[1], x[1] / y[1], x[3], y[3], x[2] / 1024, y[2] / 1024 }'
}
for n in "${ORDERS[@]}"; do
  # Both write the ARPA file through standard output, the same I/O; `--out FILE`
  # also syncs the file to disk before renaming it into place (its own row).
  ours=$(IN=/dev/null OUT=$WORK/nglab.o$n.arpa measure "$NGLAB" train --input "$TRAIN" --order "$n" --out -)
  theirs=$(IN=$TRAIN OUT=$WORK/kenlm.o$n.arpa measure "$KENLM/lmplz" -o "$n" -S 1G --discount_fallback)
  row "$ours" "$theirs" "estimate MKN order $n"
  synced=$(IN=/dev/null OUT=/dev/null measure "$NGLAB" train --input "$TRAIN" --order "$n" --out "$WORK/nglab.o$n.arpa")
  row "$synced" "$theirs" "  same, --out FILE (fsync)"
  ours=$(IN=/dev/null OUT=/dev/null measure "$NGLAB" ppl --model "$WORK/kenlm.o$n.arpa" --input "$TEST")
  theirs=$(IN=$TEST OUT=/dev/null measure "$KENLM/query" -v summary "$WORK/kenlm.o$n.arpa")
  row "$ours" "$theirs" "score test, order $n ARPA"
  # Sampling 1M tokens (pure ancestral, one thread) against query scoring the same 1M tokens.
  SAMPLE=$WORK/sample.o$n.txt
  ours=$(IN=/dev/null OUT=/dev/null measure "$NGLAB" sample --model "$WORK/kenlm.o$n.arpa" --tokens 1000000 --seed 1 --threads 1 --out "$SAMPLE")
  theirs=$(IN=$SAMPLE OUT=/dev/null measure "$KENLM/query" -v summary "$WORK/kenlm.o$n.arpa")
  row "$ours" "$theirs" "sample 1M vs query, order $n"
done
load after
