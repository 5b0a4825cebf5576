# Sourced by the KenLM comparison scripts (run from the top of the repo): builds
# KenLM when it is missing, fetches Brown when it is missing, builds nglab, and
# sets KENLM (KenLM's bin dir), NGLAB, TRAIN, TEST and WORK (made if absent;
# default target/$1).
SHARED=${NGLAB_SHARED:-../shared}
PEERS=${PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/nglab-peers}
KENLM=$PEERS/kenlm/bin
[[ -x $KENLM/lmplz && -x $KENLM/query ]] || PEERS=$PEERS bash "$SHARED/peers/build-kenlm.sh"
[[ -s corpora/brown/train.txt ]] || bash scripts/fetch-corpus.sh brown
cargo build --release --locked -q -p nglab-driver
NGLAB=target/release/nglab
WORK=${WORK:-target/$1}
mkdir -p "$WORK"
TRAIN=corpora/brown/train.txt TEST=corpora/brown/test.txt
