#!/usr/bin/env bash
# The Python package's overhead over the `nglab` command, side by side on
# this machine: training Brown train at order 5 (written as ARPA) and
# sampling 1M tokens from that model (written as text), each timed as a
# whole process (interpreter start and `import nglab` included), REPS times
# alternately; prints the fastest of each and the ratio Python/CLI (issue
# 17's bar: <= 1.1), and checks that both wrote the same bytes.
#   scripts/bench-python.sh [REPS]        (default 3)
#   NGLAB_PY   a python with nglab installed [default: target/bench-python/venv,
#              made with `pip install ./python`: a release build]
#   NGLAB_BIN  the nglab command [default: target/release/nglab, built here]
# Run it under `nice` on a shared machine and quote `uptime` with the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
scripts/fetch-corpus.sh brown >/dev/null
train=$PWD/corpora/brown/train.txt
if [[ -z ${NGLAB_PY:-} ]]; then
    venv=target/bench-python/venv
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy ./python
    NGLAB_PY=$venv/bin/python
fi
if [[ -z ${NGLAB_BIN:-} ]]; then
    cargo build -q --release --locked -p nglab-driver
    NGLAB_BIN=target/release/nglab
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Wall seconds of a command (its output discarded).
seconds() {
    /usr/bin/time -f %e -o "$work/time" "$@" >/dev/null 2>&1
    cat "$work/time"
}
min() { printf '%s\n' "$@" | sort -g | head -1; }
py_train="import sys, nglab; nglab.train(sys.argv[1], order=5).save(sys.argv[2])"
py_sample="import sys, nglab
m = nglab.Model.load(sys.argv[1])
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    f.writelines(s + '\n' for s in m.sample(n_tokens=1_000_000, seed=1))"
declare -a cli_train=() py_train_t=() cli_sample=() py_sample_t=()
for ((i = 0; i < reps; i++)); do
    cli_train+=("$(seconds "$NGLAB_BIN" train --order 5 --input "$train" --out "$work/cli.arpa")")
    py_train_t+=("$(seconds "$NGLAB_PY" -c "$py_train" "$train" "$work/py.arpa")")
    cli_sample+=("$(seconds "$NGLAB_BIN" sample --model "$work/cli.arpa" --tokens 1000000 --seed 1 --out "$work/cli.txt")")
    py_sample_t+=("$(seconds "$NGLAB_PY" -c "$py_sample" "$work/cli.arpa" "$work/py.txt")")
done
cmp -s "$work/cli.arpa" "$work/py.arpa" || { echo "bench-python.sh: the ARPA files differ" >&2; exit 1; }
cmp -s "$work/cli.txt" "$work/py.txt" || { echo "bench-python.sh: the samples differ" >&2; exit 1; }
report() {
    local what=$1 cli=$2 py=$3
    printf '%-28s CLI %7.2f s  Python %7.2f s  ratio %.3f\n' "$what" "$cli" "$py" "$(echo "$py / $cli" | bc -l)"
}
echo "bench-python.sh: fastest of $reps, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
report "train Brown order 5" "$(min "${cli_train[@]}")" "$(min "${py_train_t[@]}")"
report "sample 1M tokens" "$(min "${cli_sample[@]}")" "$(min "${py_sample_t[@]}")"
