#!/usr/bin/env bash
# Fuzz nglab's parsers with cargo-fuzz (libFuzzer) on the stable toolchain.
#
#   scripts/fuzz.sh SECONDS [TARGET...]   build, then fuzz each target for SECONDS
#   scripts/fuzz.sh --build [TARGET...]   only build (as does SECONDS = 0)
#   scripts/fuzz.sh --list                the targets
#
# Targets (fuzz/fuzz_targets/): arpa, corpus, tok_whitespace, tok_words,
# tok_chars, tok_bpe, run_config; all of them when none is named.
# Installs cargo-fuzz (pinned below) when it is missing. cargo-fuzz passes
# nightly-only -Z flags; no nightly toolchain is available here, so the
# stable one runs with RUSTC_BOOTSTRAP=1.
# Each run reads the committed seeds (fuzz/seeds/TARGET) and grows its own
# corpus in fuzz/corpus/TARGET (not committed). A crash stops the script with
# exit code 1 and names the input that caused it (under fuzz/artifacts/);
# replay it with `scripts/fuzz.sh --replay TARGET FILE`.
# Environment: FUZZ_JOBS (default 1) targets run at once, FUZZ_ARGS extra
# libFuzzer flags (e.g. "-max_len=100000").
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

usage() { sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 2; }
[ $# -ge 1 ] || usage

targets_all() { sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^nglab-fuzz$'; }

if [ "$1" = --list ]; then targets_all; exit 0; fi

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

# Built once for all targets; `cargo fuzz run` would rebuild with the same flags.
build() { cargo fuzz build --release --debug-assertions "$@"; }

if [ "$1" = --replay ]; then
    [ $# -eq 3 ] || usage
    build "$2"
    exec cargo fuzz run --release --debug-assertions "$2" "$3"
fi

seconds=$1
shift
if [ "$seconds" = --build ]; then seconds=0; fi
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(targets_all); fi
for t in "${targets[@]}"; do
    targets_all | grep -qx "$t" || { echo "fuzz.sh: unknown target '$t' (see --list)" >&2; exit 2; }
done

if [ $# -gt 0 ]; then
    for t in "${targets[@]}"; do build "$t"; done
else
    build
fi
[ "$seconds" -gt 0 ] || exit 0

# Fuzzes target $1 for $seconds; its log goes to fuzz/artifacts/logs/$1.log.
fuzz_one() {
    local t=$1 log=fuzz/artifacts/logs/$1.log
    mkdir -p "fuzz/corpus/$t" fuzz/artifacts/logs
    # Shell words on purpose: FUZZ_ARGS is a list of flags.
    # shellcheck disable=SC2086
    if cargo fuzz run --release --debug-assertions "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
        local execs
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "fuzz.sh: $t: no crash in ${seconds}s, ${execs:-?} executions (log $log)"
    else
        local crash
        crash=$(grep -ao 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
        echo "fuzz.sh: $t: CRASH; input ${crash:-not saved}; log $log" >&2
        grep -a -m1 -A3 "panicked\|ERROR: libFuzzer\|ERROR: AddressSanitizer" "$log" >&2 || true
        return 1
    fi
}

jobs_max=${FUZZ_JOBS:-1}
rm -f fuzz/artifacts/logs/*.crashed
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
    { fuzz_one "$t" || touch "fuzz/artifacts/logs/$t.crashed"; } &
done
wait
if compgen -G 'fuzz/artifacts/logs/*.crashed' >/dev/null; then exit 1; fi
