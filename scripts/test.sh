#!/usr/bin/env bash
# The project's test command (README): format, lints, every test, docs, the Python package's
# tests, a few seconds of fuzzing. Needs no network beyond crates.io, PyPI (the Python test
# environment) and Debian's archive (Chromium for the report's browser test, and munge and Slurm for
# the sweep tests' one-node cluster, installed when missing); tests use committed data only.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Headless Chromium renders a run's report in tests/tests/report_browser.rs.
NGLAB_CHROMIUM=$(scripts/chromium.sh)
export NGLAB_CHROMIUM
# A one-node Slurm cluster on this machine (scripts/slurm-local.sh: Debian's munge and Slurm, installed
# when missing; needs root) for tests/tests/sweep_slurm.rs, which submit sweeps with sbatch; stopped after
# the tests, and on any exit before (the trap), so that no daemon is left behind; a failed stop fails.
# Measured here: start 1.7 s with the packages present, 16.9 s when they must be installed; stop 1.6 s;
# the two Slurm tests about 21 s (load 7-9 on 2 cores).
trap 'rc=$?; scripts/slurm-local.sh stop || rc=1; exit $rc' EXIT
eval "$(scripts/slurm-local.sh start)"
export NGLAB_SLURM_TESTS=1
cargo test --workspace --locked
trap - EXIT
scripts/slurm-local.sh stop
# The lab's experiments end to end on committed data: every config of experiments/, short, with the
# binary the tests built, and EXPERIMENTS.md regenerated into a temporary directory and checked (every
# figure it names exists); the committed docs/EXPERIMENTS.md is not touched, only checked the same way.
# About a minute.
quick_work=$(mktemp -d)
NGLAB=target/debug/nglab-e2e scripts/experiments.sh --quick --out "$quick_work"
rm -rf "$quick_work"
python3 scripts/experiments.py --check docs
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
# The Python package: a fresh venv, `pip install ./python`, pytest (needs python3 and PyPI).
scripts/test-python.sh
# The fuzz targets build, and each fuzzes a few seconds (installs cargo-fuzz when missing).
scripts/fuzz.sh "${NGLAB_FUZZ_SECONDS:-5}"
