//! Subword tokens: byte-level BPE through the `tokenizers` crate.

use std::borrow::Cow;
use std::str::FromStr;

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;

use crate::vocab::is_separator;
use crate::{Error, Tokenizer};

/// The smallest vocabulary [`Bpe::train`] accepts: the 256 byte symbols.
pub const MIN_BPE_VOCAB_SIZE: usize = 256;

/// Byte-level BPE (GPT-2 style), trained on the human text or loaded from a
/// `tokenizer.json`.
///
/// Tokens are the byte-level symbols of `tokenizers` (a space shows as `Ġ`),
/// so every text encodes without `<unk>`; [`Tokenizer::decode`] maps them
/// back to the original text exactly.
/// Training is deterministic: merges are ranked by count, ties by the pair,
/// with no dropout and no random state.
pub struct Bpe {
    inner: tokenizers::Tokenizer,
}

impl std::fmt::Debug for Bpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bpe").field("vocab_size", &self.vocab_size()).finish()
    }
}

fn bpe_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tokenizer(format!("bpe: {what}: {e}"))
}

impl Bpe {
    /// Trains a byte-level BPE with at most `vocab_size` tokens (at least
    /// [`MIN_BPE_VOCAB_SIZE`]) on `sentences`, on the calling thread: the
    /// `tokenizers` crate's parallelism (a rayon pool of one thread a core,
    /// whatever the caller's thread count) is turned off for the process.
    pub fn train<'a>(
        sentences: impl Iterator<Item = &'a str> + Send,
        vocab_size: usize,
    ) -> Result<Bpe, Error> {
        if vocab_size < MIN_BPE_VOCAB_SIZE {
            return Err(Error::Tokenizer(format!(
                "bpe vocabulary size must be at least {MIN_BPE_VOCAB_SIZE} (the byte alphabet), got {vocab_size}"
            )));
        }
        tokenizers::utils::parallelism::set_parallelism(false);
        let mut inner = tokenizers::Tokenizer::new(BPE::default());
        // No prefix space: decode(encode(s)) == s exactly.
        inner.with_pre_tokenizer(Some(ByteLevel::new(false, false, true)));
        inner.with_decoder(Some(ByteLevelDecoder::new(false, false, true)));
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .min_frequency(0)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        inner.train(&mut trainer, sentences).map_err(|e| bpe_error("training failed", e))?;
        Ok(Bpe { inner })
    }

    /// Loads a tokenizer from the JSON of a `tokenizer.json` file. Any model
    /// the `tokenizers` crate reads will do; its decoder is used to decode.
    pub fn from_json(json: &str) -> Result<Bpe, Error> {
        let inner =
            tokenizers::Tokenizer::from_str(json).map_err(|e| bpe_error("invalid tokenizer.json", e))?;
        Ok(Bpe { inner })
    }

    /// The tokenizer as the JSON of a `tokenizer.json` file.
    pub fn to_json(&self) -> Result<String, Error> {
        self.inner.to_string(true).map_err(|e| bpe_error("cannot serialize", e))
    }

    /// Number of tokens of the model.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }
}

impl Tokenizer for Bpe {
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error> {
        let encoding = self.inner.encode(text, false).map_err(|e| bpe_error("encode failed", e))?;
        let mut tokens = Vec::with_capacity(encoding.len());
        for token in encoding.get_tokens() {
            if token.is_empty() || token.contains(is_separator) {
                return Err(Error::Tokenizer(format!(
                    "bpe: the model made a token that is empty or holds whitespace: {token:?}"
                )));
            }
            tokens.push(Cow::Owned(token.clone()));
        }
        Ok(tokens)
    }

    fn decode(&self, tokens: &[&str]) -> Result<String, Error> {
        let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
        match self.inner.get_decoder() {
            Some(decoder) => {
                use tokenizers::Decoder;
                decoder.decode(tokens).map_err(|e| bpe_error("decode failed", e))
            }
            None => Ok(tokens.concat()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TRAIN: &str = include_str!("../tests/data/bpe-train.txt");

    fn trained(size: usize) -> Bpe {
        Bpe::train(TRAIN.lines(), size).unwrap()
    }

    /// The BPE of 300 tokens, trained once.
    fn bpe300() -> &'static Bpe {
        static BPE: std::sync::OnceLock<Bpe> = std::sync::OnceLock::new();
        BPE.get_or_init(|| trained(300))
    }

    /// Encodes `input` with a BPE of 300 tokens trained on the committed
    /// text, compares the tokens (space separated), decodes back to `input`.
    fn check(bpe: &Bpe, input: &str, expect: &str) {
        let tokens = bpe.encode(input).unwrap();
        let tokens: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
        assert_eq!(tokens.join(" "), expect, "encode {input:?}");
        assert_eq!(bpe.decode(&tokens).unwrap(), input);
    }

    #[test]
    fn encode_decode() {
        let bpe = bpe300();
        assert_eq!(bpe.vocab_size(), 300);
        check(bpe, "", "");
        check(bpe, "The cat sat.", "The \u{120}c at \u{120}s at .");
        check(bpe, "the  cat", "t he \u{120} \u{120}c at");
        // Unseen characters fall back to their bytes: no <unk>.
        check(bpe, "é\u{1f600}", "\u{c3} \u{a9} \u{f0} \u{141} \u{13a} \u{122}");
    }

    #[test]
    fn deterministic_and_json_roundtrip() {
        let a = trained(320).to_json().unwrap();
        let b = trained(320).to_json().unwrap();
        assert_eq!(a, b);
        let loaded = Bpe::from_json(&a).unwrap();
        let s = "The cat sat on the mat.";
        let ta: Vec<_> = trained(320).encode(s).unwrap().into_iter().map(Cow::into_owned).collect();
        let tb: Vec<_> = loaded.encode(s).unwrap().into_iter().map(Cow::into_owned).collect();
        assert_eq!(ta, tb);
    }

    #[test]
    fn errors() {
        let e = Bpe::train(TRAIN.lines(), 10).unwrap_err().to_string();
        assert_eq!(e, "tokenizer: bpe vocabulary size must be at least 256 (the byte alphabet), got 10");
        let e = Bpe::from_json("{").unwrap_err().to_string();
        assert!(e.starts_with("tokenizer: bpe: invalid tokenizer.json: "), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn roundtrip(s in "\\PC{0,30}") {
            let bpe = bpe300();
            let tokens: Vec<String> = bpe.encode(&s).unwrap().into_iter().map(Cow::into_owned).collect();
            let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
            prop_assert_eq!(bpe.decode(&refs).unwrap(), s);
        }
    }
}
