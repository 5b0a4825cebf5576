//! `Words` (all four settings, chosen by the first byte): its decoded text
//! encodes to the same tokens again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nglab_tokenizer::{Case, Normalization, Words};

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let words = Words {
        case: if first & 1 == 1 { Case::Lower } else { Case::Keep },
        normalization: if first & 2 == 2 { Normalization::Nfc } else { Normalization::None },
    };
    let (tokens, decoded) = common::round_trip(&words, text);
    let (again, _) = common::round_trip(&words, &decoded);
    assert_eq!(tokens, again, "input {text:?}, decoded {decoded:?}");
});
