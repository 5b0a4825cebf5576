#!/usr/bin/env bash
# The Python package's tests (scripts/test.sh runs this): a fresh virtual
# environment, `pip install ./python` as a user would (pip fetches maturin
# for the build; maturin builds in the workspace's target/), then pytest,
# which compares with the `nglab` command built from the same checkout, and
# mypy.stubtest on the stubs. matplotlib is there for the example's plot.
# Needs python3 (>= 3.9, with venv and pip) and PyPI.
#   NGLAB_PY_PROFILE  cargo profile of the extension: dev (default: the
#                     crates `cargo test` already built are reused) or release
#   NGLAB_PY_VENV     where the environment goes (default target/python-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${NGLAB_PY_PROFILE:-dev}
venv=${NGLAB_PY_VENV:-target/python-venv}
start=$SECONDS
rm -rf "$venv"
python3 -m venv "$venv"
py=$venv/bin/python
"$py" -m pip install -q pytest numpy pandas mypy matplotlib
MATURIN_PEP517_ARGS="--profile $profile" "$py" -m pip install -q ./python
# Imported from elsewhere than the checkout, so that python/nglab/ (without
# the compiled extension) cannot shadow the installed package.
(cd / && "$OLDPWD/$py" -c 'import nglab; print("test-python.sh: nglab", nglab.__version__, "imports from", nglab.__file__)')
cargo build --locked -q -p nglab-driver --profile "$profile"
dir=$([[ $profile == dev ]] && echo debug || echo "$profile")
export NGLAB_BIN=$PWD/target/$dir/nglab
"$py" -m pytest -q -p no:cacheprovider python/tests
# The stubs (nglab/_nglab.pyi) against the extension as built, and the
# package's annotated Python: every name, signature and default.
# Run in an empty directory: no config is read and the cache goes there.
checks=$(mktemp -d)
trap 'rm -rf "$checks"' EXIT
(cd "$checks" && "$OLDPWD/$py" -m mypy.stubtest nglab)
echo "test-python.sh: $((SECONDS - start)) s"
