use std::io::{Read, Write};

use hashbrown::HashMap;

use crate::Error;

/// A dense token id: an index into a [`Vocab`].
pub type TokenId = u32;

/// The id of `<unk>`, the unknown word.
pub const UNK: TokenId = 0;
/// The id of `<s>`, the sentence start (never predicted).
pub const BOS: TokenId = 1;
/// The id of `</s>`, the sentence end.
pub const EOS: TokenId = 2;

const SPECIALS: [&str; 3] = ["<unk>", "<s>", "</s>"];

/// A bijection between token strings and dense ids `0..len()`.
///
/// Ids 0, 1, 2 are `<unk>`, `<s>`, `</s>` (KenLM's order); other tokens get ids
/// in order of first insertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    tokens: Vec<String>,
    ids: HashMap<String, TokenId>,
}

impl Default for Vocab {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocab {
    /// A vocabulary holding only the three reserved tokens.
    pub fn new() -> Self {
        let mut v = Vocab { tokens: Vec::new(), ids: HashMap::new() };
        for s in SPECIALS {
            v.get_or_insert(s);
        }
        v
    }

    /// The id of `token`, inserting it if it is new.
    pub fn get_or_insert(&mut self, token: &str) -> TokenId {
        if let Some(&id) = self.ids.get(token) {
            return id;
        }
        let id = TokenId::try_from(self.tokens.len()).expect("vocabulary larger than u32::MAX");
        self.tokens.push(token.to_owned());
        self.ids.insert(token.to_owned(), id);
        id
    }

    /// The id of `token`, if present.
    pub fn get(&self, token: &str) -> Option<TokenId> {
        self.ids.get(token).copied()
    }

    /// The id of `token`, or [`UNK`] when it is absent (a frozen vocabulary).
    pub fn id_or_unk(&self, token: &str) -> TokenId {
        self.get(token).unwrap_or(UNK)
    }

    /// The string of `id`. Panics if `id` is out of range.
    pub fn token(&self, id: TokenId) -> &str {
        &self.tokens[id as usize]
    }

    /// Number of tokens, the three reserved ones included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Always false: the reserved tokens are always present.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// All tokens in id order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}

impl Vocab {
    /// Builds a vocabulary from its tokens in id order, as [`Vocab::tokens`]
    /// returns them. The first three must be `<unk>`, `<s>`, `</s>`; tokens
    /// must be unique, non-empty and free of the corpus separators (space,
    /// tab, CR, LF).
    pub fn from_tokens(tokens: Vec<String>) -> Result<Vocab, Error> {
        for (id, special) in SPECIALS.iter().enumerate() {
            match tokens.get(id) {
                Some(t) if t == special => {}
                Some(t) => {
                    return Err(Error::Vocab(format!("token {id} must be {special:?}, got {t:?}")));
                }
                None => {
                    return Err(Error::Vocab(format!(
                        "expected the reserved tokens <unk>, <s>, </s> first, got {} tokens",
                        tokens.len()
                    )));
                }
            }
        }
        let mut ids = HashMap::with_capacity(tokens.len());
        for (id, token) in tokens.iter().enumerate() {
            if token.is_empty() || token.contains(is_separator) {
                return Err(Error::Vocab(format!("token {id} is empty or holds whitespace: {token:?}")));
            }
            let id = TokenId::try_from(id)
                .map_err(|_| Error::Vocab(format!("more than {} tokens", TokenId::MAX)))?;
            if let Some(first) = ids.insert(token.clone(), id) {
                return Err(Error::Vocab(format!("token {token:?} appears twice, at ids {first} and {id}")));
            }
        }
        Ok(Vocab { tokens, ids })
    }

    /// Writes the vocabulary as JSON: an array of the tokens in id order.
    pub fn write_json(&self, mut out: impl Write) -> Result<(), Error> {
        serde_json::to_writer(&mut out, &self.tokens).map_err(|e| Error::Io(e.into()))?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// Reads a vocabulary written by [`Vocab::write_json`], validated as by
    /// [`Vocab::from_tokens`].
    pub fn read_json(input: impl Read) -> Result<Vocab, Error> {
        let tokens: Vec<String> = serde_json::from_reader(input)
            .map_err(|e| Error::Vocab(format!("expected a JSON array of strings: {e}")))?;
        Vocab::from_tokens(tokens)
    }
}

/// Whether `c` separates tokens in the corpus format.
pub(crate) fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `json` as a vocabulary and compares its tokens, or the error.
    fn check(json: &str, expect: Result<&[&str], &str>) {
        match (Vocab::read_json(json.as_bytes()), expect) {
            (Ok(v), Ok(want)) => {
                assert_eq!(v.tokens(), want);
                for (id, t) in want.iter().enumerate() {
                    assert_eq!(v.get(t), Some(id as TokenId));
                }
                let mut out = Vec::new();
                v.write_json(&mut out).unwrap();
                assert_eq!(Vocab::read_json(&out[..]).unwrap(), v);
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg),
            (got, want) => panic!("{json}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn json() {
        check(r#"["<unk>","<s>","</s>"]"#, Ok(&["<unk>", "<s>", "</s>"]));
        check(r#"["<unk>","<s>","</s>","the","\u00e9"]"#, Ok(&["<unk>", "<s>", "</s>", "the", "é"]));
        check(
            r#"["<unk>","<s>"]"#,
            Err("vocabulary: expected the reserved tokens <unk>, <s>, </s> first, got 2 tokens"),
        );
        check(r#"["<s>","<unk>","</s>"]"#, Err("vocabulary: token 0 must be \"<unk>\", got \"<s>\""));
        check(
            r#"["<unk>","<s>","</s>","a","a"]"#,
            Err("vocabulary: token \"a\" appears twice, at ids 3 and 4"),
        );
        check(
            r#"["<unk>","<s>","</s>","a b"]"#,
            Err("vocabulary: token 3 is empty or holds whitespace: \"a b\""),
        );
        check(r#"["<unk>","<s>","</s>",""]"#, Err("vocabulary: token 3 is empty or holds whitespace: \"\""));
        check(
            r#"{"a":1}"#,
            Err("vocabulary: expected a JSON array of strings: invalid type: map, expected a sequence at line 1 column 1"),
        );
    }

    #[test]
    fn insertion_order() {
        let mut v = Vocab::new();
        assert_eq!([v.get_or_insert("b"), v.get_or_insert("a"), v.get_or_insert("b")], [3, 4, 3]);
        assert_eq!(v.id_or_unk("zzz"), UNK);
        assert_eq!(v.token(EOS), "</s>");
    }
}
