//! `Whitespace`: decode(encode(s)) is s's non-empty pieces between
//! separators joined by single spaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nglab_tokenizer::Whitespace;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, decoded) = common::round_trip(&Whitespace, text);
    let pieces: Vec<&str> = text.split(common::is_separator).filter(|t| !t.is_empty()).collect();
    assert_eq!(decoded, pieces.join(" "), "input {text:?}");
});
