#!/usr/bin/env bash
# nglab's Python package against KenLM's `kenlm` Python module on full Brown:
# lmplz's ARPA of Brown train at each order, Brown test scored by both
# (scripts/kenlm-python-parity.py: corpus perplexity within 1e-6 relative,
# every sentence's score within 1e-5). Builds KenLM's binaries and fetches
# Brown when missing (scripts/kenlm-env.sh); the venv (target/kenlm-python/,
# kept between runs) gets `kenlm` built from PyPI's source distribution and
# nglab installed from ./python (release build).
#   scripts/kenlm-python-parity.sh [ORDER...]   (default: 3 5)
#   scripts/kenlm-python-parity.sh --fixtures   rewrite python/tests/data/kenlm-python.*.tsv
#                                               from tests/data/kenlm (KenLM's Brown-slice ARPAs)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/kenlm-python/venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import kenlm' 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    echo "kenlm-python-parity.sh: building kenlm 0.3.0 from its sdist (about 1.5 min of CPU)" >&2
    "$venv/bin/pip" install -q numpy "kenlm==0.3.0" --no-binary kenlm
fi
"$venv/bin/pip" install -q ./python
if [[ ${1:-} == --fixtures ]]; then
    for n in 3 5; do
        "$venv/bin/python" scripts/kenlm-python-parity.py "tests/data/kenlm/brown-2k.o$n.arpa" \
            tests/data/kenlm/brown-300.test.txt --fixture "python/tests/data/kenlm-python.brown-2k.o$n.tsv"
    done
    exit 0
fi
ORDERS=("${@:-3}"); [[ $# -gt 0 ]] || ORDERS=(3 5)
source scripts/kenlm-env.sh kenlm-python-parity
status=0
for n in "${ORDERS[@]}"; do
    echo "== order $n"
    "$KENLM/lmplz" -o "$n" -S 1G --discount_fallback < "$TRAIN" > "$WORK/kenlm.o$n.arpa" 2> "$WORK/lmplz.o$n.log"
    "$venv/bin/python" scripts/kenlm-python-parity.py "$WORK/kenlm.o$n.arpa" "$TEST" || status=1
done
exit $status
