//! `Chars`: decode(encode(s)) == Chars::normalize(s), one token per
//! grapheme cluster.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nglab_tokenizer::Chars;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, decoded) = common::round_trip(&Chars, text);
    assert_eq!(decoded, Chars::normalize(text), "input {text:?}");
});
