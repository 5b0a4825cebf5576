//! `Bpe`: a byte-level BPE of 300 tokens trained once on the tokenizer
//! crate's committed text; decode(encode(s)) == s exactly, as its docs promise.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nglab_tokenizer::Bpe;

mod common;

const TRAIN: &str = include_str!("../../crates/nglab-tokenizer/tests/data/bpe-train.txt");

fn bpe() -> &'static Bpe {
    static BPE: OnceLock<Bpe> = OnceLock::new();
    BPE.get_or_init(|| Bpe::train(TRAIN.lines(), 300).expect("training on the committed text"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, decoded) = common::round_trip(bpe(), text);
    assert_eq!(decoded, text);
});
