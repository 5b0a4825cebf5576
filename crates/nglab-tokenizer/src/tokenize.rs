//! The [`Tokenizer`] trait and the rule-based tokenizers: [`Whitespace`],
//! [`Words`] and [`Chars`].

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

use crate::vocab::is_separator;
use crate::Error;

/// Splits a sentence into tokens and joins tokens back into text.
///
/// Tokens are never empty and never contain a corpus separator (space, tab,
/// CR, LF), so a tokenized sentence written with single spaces between its
/// tokens reads back as the same tokens with [`Whitespace`].
pub trait Tokenizer {
    /// The tokens of `text` (one sentence), borrowed from it where possible.
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error>;

    /// Readable text from tokens, the inverse of [`Tokenizer::encode`] up to
    /// the tokenizer's normalization.
    fn decode(&self, tokens: &[&str]) -> Result<String, Error>;
}

/// Splits on spaces, tabs and carriage returns only, as KenLM does (line
/// feeds too, though a corpus sentence never holds one); decodes by joining
/// with single spaces. The tokenizer of pre-tokenized corpus files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Whitespace;

impl Tokenizer for Whitespace {
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error> {
        Ok(split_separators(text).map(Cow::Borrowed).collect())
    }

    fn decode(&self, tokens: &[&str]) -> Result<String, Error> {
        Ok(tokens.join(" "))
    }
}

/// The non-empty pieces of `text` between corpus separators. Scans bytes:
/// the separators are ASCII, so they never occur inside a multi-byte char
/// and every cut falls on a char boundary.
fn split_separators(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        if pos == bytes.len() {
            return None;
        }
        let start = pos;
        while pos < bytes.len() && !matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        Some(&text[start..pos])
    })
}

/// Whether [`Words`] lowercases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Case {
    /// Keep case.
    #[default]
    Keep,
    /// Lowercase (Unicode full lowercase mapping).
    Lower,
}

/// Whether [`Words`] normalizes to Unicode NFC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Normalization {
    /// Keep the text as it is.
    #[default]
    None,
    /// Canonical composition (NFC).
    Nfc,
}

/// Words by the Unicode word boundaries of UAX #29: words, numbers and each
/// punctuation mark are tokens; whitespace is dropped. Optionally NFC and
/// lowercase (NFC first, then lowercase, then NFC again).
///
/// Decoding puts a space between tokens except before closing punctuation
/// (`. , ; : ! ? ) ] } %` and closing quotes) and after opening brackets and
/// quotes, so `decode` gives readable text whose words encode to the same
/// tokens again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Words {
    /// Lowercase or not.
    pub case: Case,
    /// NFC or not.
    pub normalization: Normalization,
}

impl Words {
    /// `text` normalized as configured, borrowed when nothing changes.
    pub fn normalize<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        if self.normalization == Normalization::Nfc && is_nfc_quick(text.chars()) != IsNormalized::Yes {
            text = Cow::Owned(text.nfc().collect());
        }
        if self.case == Case::Lower && text.chars().any(|c| c.is_uppercase() || !c.is_ascii()) {
            let lower = text.to_lowercase();
            if lower != *text {
                text = Cow::Owned(match self.normalization {
                    Normalization::Nfc => lower.nfc().collect(),
                    Normalization::None => lower,
                });
            }
        }
        text
    }
}

/// Appends the word tokens of `text` to `out`.
fn push_words<'a>(text: &'a str, out: &mut Vec<&'a str>) {
    for seg in text.split_word_bounds() {
        if seg.chars().all(char::is_whitespace) {
            continue;
        }
        // A segment may start with a space followed by combining marks.
        out.extend(seg.split(is_separator).filter(|t| !t.is_empty()));
    }
}

impl Tokenizer for Words {
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error> {
        let mut tokens = Vec::new();
        match self.normalize(text) {
            Cow::Borrowed(text) => {
                let mut words = Vec::new();
                push_words(text, &mut words);
                tokens.extend(words.into_iter().map(Cow::Borrowed));
            }
            Cow::Owned(text) => {
                let mut words = Vec::new();
                push_words(&text, &mut words);
                tokens.extend(words.into_iter().map(|w| Cow::Owned(w.to_owned())));
            }
        }
        Ok(tokens)
    }

    fn decode(&self, tokens: &[&str]) -> Result<String, Error> {
        let mut out = String::new();
        let mut prev: Option<&str> = None;
        for &token in tokens {
            if let Some(prev) = prev {
                let attach = (is_closer(token) || is_opener(prev)) && stay_apart(prev, token);
                if !attach {
                    out.push(' ');
                }
            }
            out.push_str(token);
            prev = Some(token);
        }
        Ok(out)
    }
}

/// Whether `a` and `b` written without a space are still two words (`“` and
/// a combining mark are not).
fn stay_apart(a: &str, b: &str) -> bool {
    let joined = format!("{a}{b}");
    let mut segments = joined.split_word_bounds();
    segments.next() == Some(a) && segments.next() == Some(b) && segments.next().is_none()
}

/// Punctuation written without a space before it.
fn is_closer(token: &str) -> bool {
    let mut chars = token.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '%' | '\u{201d}' | '\u{bb}'), None)
    )
}

/// Punctuation written without a space after it.
fn is_opener(token: &str) -> bool {
    let mut chars = token.chars();
    matches!((chars.next(), chars.next()), (Some('(' | '[' | '{' | '\u{201c}' | '\u{ab}'), None))
}

/// The visible token that stands for a space in [`Chars`]: U+2581 `▁`.
pub const SPACE_TOKEN: &str = "\u{2581}";

/// Extended grapheme clusters (UAX #29): every user-perceived character is
/// a token, spaces included.
///
/// A space, tab, CR or LF is written as [`SPACE_TOKEN`] (`▁`, as in
/// SentencePiece), so that tokenized lines stay space-separated; decoding
/// turns every `▁` back into a space. So a literal `▁` in the input decodes
/// as a space, and tabs and line ends as spaces: see [`Chars::normalize`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chars;

impl Chars {
    /// What `decode(encode(text))` gives: `text` with each tab, CR, LF and
    /// `▁` replaced by a space.
    pub fn normalize(text: &str) -> String {
        text.chars().map(|c| if is_separator(c) || c == '\u{2581}' { ' ' } else { c }).collect()
    }
}

impl Tokenizer for Chars {
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error> {
        Ok(text
            .graphemes(true)
            .map(|g| {
                if g.contains(is_separator) {
                    Cow::Owned(g.replace(is_separator, SPACE_TOKEN))
                } else {
                    Cow::Borrowed(g)
                }
            })
            .collect())
    }

    fn decode(&self, tokens: &[&str]) -> Result<String, Error> {
        let mut out = String::with_capacity(tokens.iter().map(|t| t.len()).sum());
        for token in tokens {
            out.extend(token.chars().map(|c| if c == '\u{2581}' { ' ' } else { c }));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Encodes `input` with `tok`, compares the tokens with `expect` (space
    /// separated), and decodes them back to `decoded`.
    fn check(tok: &dyn Tokenizer, input: &str, expect: &str, decoded: &str) {
        let tokens = tok.encode(input).unwrap();
        let tokens: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
        assert_eq!(tokens.join(" "), expect, "encode {input:?}");
        for t in &tokens {
            assert!(!t.is_empty() && !t.contains(is_separator), "bad token {t:?} of {input:?}");
        }
        assert_eq!(tok.decode(&tokens).unwrap(), decoded, "decode {input:?}");
    }

    #[test]
    fn whitespace() {
        let w = &Whitespace;
        check(w, "", "", "");
        check(w, "  a\tb\r c  ", "a b c", "a b c");
        check(w, "don't stop.", "don't stop.", "don't stop.");
        check(w, "a\u{a0}b \u{3000}", "a\u{a0}b \u{3000}", "a\u{a0}b \u{3000}");
    }

    #[test]
    fn words() {
        let w = &Words::default();
        check(w, "", "", "");
        check(w, "Hello, world!", "Hello , world !", "Hello, world!");
        check(
            w,
            "The cat's 3.5 kg (roughly).",
            "The cat's 3.5 kg ( roughly ) .",
            "The cat's 3.5 kg (roughly).",
        );
        check(w, "a\t\tb\u{a0}c", "a b c", "a b c");
        check(
            w,
            "\u{201c}Hi\u{201d} -- e-mail",
            "\u{201c} Hi \u{201d} - - e - mail",
            "\u{201c}Hi\u{201d} - - e - mail",
        );
        check(w, "a \u{301}b", "a \u{301} b", "a \u{301} b");
        let lower = &Words { case: Case::Lower, normalization: Normalization::Nfc };
        check(lower, "Cafe\u{301} ÉTÉ", "caf\u{e9} \u{e9}t\u{e9}", "caf\u{e9} \u{e9}t\u{e9}");
        check(lower, "ΣΑΣ", "σας", "σας");
        let nfc = &Words { case: Case::Keep, normalization: Normalization::Nfc };
        check(nfc, "Cafe\u{301}!", "Caf\u{e9} !", "Caf\u{e9}!");
    }

    #[test]
    fn chars() {
        let c = &Chars;
        check(c, "", "", "");
        check(c, "ab c", "a b \u{2581} c", "ab c");
        check(
            c,
            "e\u{301}\t\u{1f468}\u{200d}\u{1f469}",
            "e\u{301} \u{2581} \u{1f468}\u{200d}\u{1f469}",
            "e\u{301} \u{1f468}\u{200d}\u{1f469}",
        );
        check(c, "a\r\nb", "a \u{2581}\u{2581} b", "a  b");
        check(c, "\u{2581}", "\u{2581}", " ");
    }

    /// Text drawn from letters, digits, punctuation, spaces and a few
    /// combining and non-Latin characters.
    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 \t.,;:!?'\"()\\[\\]%$\u{301}\u{e9}\u{c9}\u{3a3}\u{201c}\u{201d}\u{2581}\u{a0}_-]{0,40}")
            .expect("valid regex")
    }

    fn roundtrip(tok: &dyn Tokenizer, s: &str) -> (Vec<String>, String) {
        let tokens: Vec<String> = tok.encode(s).unwrap().into_iter().map(Cow::into_owned).collect();
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        (tokens.clone(), tok.decode(&refs).unwrap())
    }

    proptest! {
        #[test]
        fn whitespace_roundtrip(s in text()) {
            let (_, decoded) = roundtrip(&Whitespace, &s);
            let normal: Vec<&str> = s.split(is_separator).filter(|t| !t.is_empty()).collect();
            prop_assert_eq!(decoded, normal.join(" "));
        }

        #[test]
        fn chars_roundtrip(s in text()) {
            let (_, decoded) = roundtrip(&Chars, &s);
            prop_assert_eq!(decoded, Chars::normalize(&s));
        }

        #[test]
        fn words_decode_encodes_to_the_same_tokens(s in text(), lower in any::<bool>(), nfc in any::<bool>()) {
            let w = Words {
                case: if lower { Case::Lower } else { Case::Keep },
                normalization: if nfc { Normalization::Nfc } else { Normalization::None },
            };
            let (tokens, decoded) = roundtrip(&w, &s);
            let (again, _) = roundtrip(&w, &decoded);
            prop_assert_eq!(tokens, again, "decoded {:?}", decoded);
        }
    }
}
