//! `CorpusText`: any bytes either read as sentences (one a line, a blank line
//! as the empty sentence `""`, a blank tail after the last line end not a
//! sentence; no line ends, consecutive line numbers) or give a one-line error; strict
//! reading fails exactly on NUL bytes and invalid UTF-8, lossy only on NUL.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nglab_tokenizer::{CorpusText, Utf8Policy};

fuzz_target!(|data: &[u8]| {
    let has_nul = data.contains(&0);
    let valid = std::str::from_utf8(data).is_ok();
    for policy in [Utf8Policy::Strict, Utf8Policy::Lossy] {
        let should_read = !has_nul && (valid || policy == Utf8Policy::Lossy);
        match CorpusText::from_bytes(data.to_vec(), Path::new("f.txt"), policy) {
            Ok(text) => {
                assert!(should_read, "{policy:?} read {data:?}");
                let n_lines = data.split(|&b| b == b'\n').count() as u64;
                let mut last = 0;
                for i in 0..text.n_sentences() {
                    let s = text.sentence(i);
                    // No line end; a CR may remain ("a\r\r\n"): tokenizers split on it.
                    assert!(!s.contains('\n'), "sentence {s:?}");
                    let blank = !s.chars().any(|c| !matches!(c, ' ' | '\t' | '\r'));
                    assert!(!blank || s.is_empty(), "a blank line must read as \"\", not {s:?}");
                    let line = text.line_number(i);
                    assert!(line == last + 1 && line <= n_lines, "line {line} after {last} of {n_lines}");
                    last = line;
                }
                // Every line is a sentence but a blank tail after the last line end.
                assert!(last == n_lines || last + 1 == n_lines, "{last} sentences of {n_lines} lines");
                assert_eq!(text.sentences().count(), text.n_sentences());
            }
            Err(e) => {
                assert!(!should_read, "{policy:?} failed on {data:?}: {e}");
                let msg = e.to_string();
                assert!(msg.starts_with("f.txt:") && !msg.contains('\n'), "{msg:?}");
            }
        }
    }
});
