#!/usr/bin/env bash
# Parity of nglab's modified Kneser-Ney with KenLM on the full Brown corpus.
# For each order: our ARPA vs lmplz's (same n-gram set, every value within 1e-5),
# and perplexity of Brown test both ways (query on our ARPA, nglab ppl on lmplz's)
# against query on lmplz's, within 1e-4 relative. Builds KenLM and fetches Brown
# when they are missing. usage: scripts/kenlm-parity.sh [ORDER...]   (default: 3 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=("${@:-3}"); [[ $# -gt 0 ]] || ORDERS=(3 5)
source scripts/kenlm-env.sh kenlm-parity
status=0
for n in "${ORDERS[@]}"; do
  echo "== order $n"
  "$KENLM/lmplz" -o "$n" -S 1G --discount_fallback < "$TRAIN" > "$WORK/kenlm.o$n.arpa" 2> "$WORK/lmplz.o$n.log"
  "$NGLAB" train --input "$TRAIN" --order "$n" --smoothing mkn --out "$WORK/nglab.o$n.arpa"
  python3 scripts/compare-arpa.py "$WORK/nglab.o$n.arpa" "$WORK/kenlm.o$n.arpa" 1e-5 || status=1
  ref=$("$KENLM/query" -v summary "$WORK/kenlm.o$n.arpa" < "$TEST" 2>/dev/null | tail -n 4)
  ken_on_ours=$("$KENLM/query" -v summary "$WORK/nglab.o$n.arpa" < "$TEST" 2>/dev/null | tail -n 4)
  ours_on_ken=$("$NGLAB" ppl --model "$WORK/kenlm.o$n.arpa" --input "$TEST" | head -n 4)
  python3 - "$ref" "$ken_on_ours" "$ours_on_ken" <<'PY' || status=1
import sys
def parse(block):
    vals = [l.split("\t")[1] for l in block.splitlines()[:4]]
    return float(vals[0]), float(vals[1]), int(vals[2]), int(vals[3])
ref, a, b = (parse(x) for x in sys.argv[1:4])
ok = True
for name, got in (("query on nglab's ARPA", a), ("nglab ppl on lmplz's ARPA", b)):
    r_incl = abs(got[0] - ref[0]) / ref[0]; r_excl = abs(got[1] - ref[1]) / ref[1]
    good = r_incl < 1e-4 and r_excl < 1e-4 and got[2:] == ref[2:]
    ok &= good
    print(f"{'OK' if good else 'MISMATCH'}: {name}: ppl {got[0]:.6f} (KenLM {ref[0]:.6f}, rel {r_incl:.2g}), "
          f"excl. OOV {got[1]:.6f} (KenLM {ref[1]:.6f}, rel {r_excl:.2g}), OOVs {got[2]}/{ref[2]}, tokens {got[3]}/{ref[3]}")
sys.exit(0 if ok else 1)
PY
done
exit $status
