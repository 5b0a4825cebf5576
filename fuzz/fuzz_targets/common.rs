//! Checks shared by the tokenizer targets.

// Each target uses a different subset.
#![allow(dead_code)]

use nglab_tokenizer::Tokenizer;

/// The separators of the corpus format: a token never holds one.
pub fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Encodes `text` (which must succeed), checks the tokenizer's invariant
/// (tokens are non-empty and hold no separator), decodes the tokens back
/// (which must succeed); returns the tokens and the decoded text.
pub fn round_trip(tok: &dyn Tokenizer, text: &str) -> (Vec<String>, String) {
    let tokens: Vec<String> = match tok.encode(text) {
        Ok(tokens) => tokens.into_iter().map(|t| t.into_owned()).collect(),
        Err(e) => panic!("encode {text:?} failed: {e}"),
    };
    for t in &tokens {
        assert!(!t.is_empty() && !t.contains(is_separator), "bad token {t:?} of {text:?}");
    }
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let decoded = match tok.decode(&refs) {
        Ok(decoded) => decoded,
        Err(e) => panic!("decode of the tokens of {text:?} failed: {e}"),
    };
    (tokens, decoded)
}
