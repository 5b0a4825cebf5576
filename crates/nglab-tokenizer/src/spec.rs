//! The closed set of tokenizers, named by strings on the command line.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::{Bpe, Case, Chars, Error, Normalization, Tokenizer, Whitespace, Words, MIN_BPE_VOCAB_SIZE};

/// Which tokenizer to use, as written on the command line and in reports:
///
/// | spec | tokenizer |
/// | --- | --- |
/// | `whitespace` | [`Whitespace`] (the default) |
/// | `words`, `words:lower`, `words:nfc`, `words:lower,nfc` | [`Words`] with its options |
/// | `chars` | [`Chars`] |
/// | `bpe:SIZE` | [`Bpe`] trained on the training text, `SIZE` tokens (>= 256) |
/// | `bpe-file:PATH` | [`Bpe`] loaded from a `tokenizer.json` |
///
/// `Display` writes the canonical spec, which parses back to the same value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum TokenizerSpec {
    /// [`Whitespace`].
    #[default]
    Whitespace,
    /// [`Words`] with its options.
    Words(Words),
    /// [`Chars`].
    Chars,
    /// [`Bpe::train`] with this vocabulary size.
    Bpe {
        /// The number of BPE tokens, at least [`MIN_BPE_VOCAB_SIZE`].
        vocab_size: usize,
    },
    /// [`Bpe::from_json`] of this file.
    BpeFile(PathBuf),
}

impl TokenizerSpec {
    /// Every form a spec takes, as every help text and error message shows
    /// it (`SIZE` is a number, `PATH` a file). A test parses each form.
    pub const GRAMMAR: &'static str =
        "whitespace | words | words:lower | words:nfc | words:lower,nfc | chars | bpe:SIZE | bpe-file:PATH";

    /// The names before `:`, for suggestions.
    const NAMES: [&'static str; 5] = ["whitespace", "words", "chars", "bpe", "bpe-file"];
}

impl FromStr for TokenizerSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, arg) = match s.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (s, None),
        };
        let bad = |why: String| {
            Error::Spec(format!("unknown tokenizer {s:?}{why}; expected {}", TokenizerSpec::GRAMMAR))
        };
        match (name, arg) {
            ("whitespace", None) => Ok(TokenizerSpec::Whitespace),
            ("chars", None) => Ok(TokenizerSpec::Chars),
            ("words", None) => Ok(TokenizerSpec::Words(Words::default())),
            ("words", Some(opts)) => {
                let mut words = Words::default();
                for opt in opts.split(',') {
                    match opt {
                        "lower" => words.case = Case::Lower,
                        "nfc" => words.normalization = Normalization::Nfc,
                        _ => {
                            let hint = crate::did_you_mean(opt, ["lower", "nfc"]);
                            return Err(bad(format!(" (unknown option {opt:?}{hint})")));
                        }
                    }
                }
                Ok(TokenizerSpec::Words(words))
            }
            ("bpe", Some(size)) => {
                let vocab_size: usize =
                    size.parse().map_err(|_| bad(format!(" (vocabulary size {size:?} is not a number)")))?;
                if vocab_size < MIN_BPE_VOCAB_SIZE {
                    return Err(Error::Spec(format!(
                        "bpe vocabulary size must be at least {MIN_BPE_VOCAB_SIZE} (the byte alphabet), got \
                         {vocab_size}"
                    )));
                }
                Ok(TokenizerSpec::Bpe { vocab_size })
            }
            ("bpe-file", Some(path)) if !path.is_empty() => Ok(TokenizerSpec::BpeFile(path.into())),
            ("bpe", None) => Err(bad(" (bpe needs its vocabulary size, as in bpe:8000)".into())),
            ("bpe-file", _) => Err(bad(" (bpe-file needs a path, as in bpe-file:tokenizer.json)".into())),
            ("whitespace" | "chars", Some(_)) => Err(bad(format!(" ({name} takes no option)"))),
            _ => Err(bad(crate::did_you_mean(name, TokenizerSpec::NAMES))),
        }
    }
}

impl fmt::Display for TokenizerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenizerSpec::Whitespace => f.write_str("whitespace"),
            TokenizerSpec::Chars => f.write_str("chars"),
            TokenizerSpec::Words(w) => {
                f.write_str("words")?;
                match (w.case, w.normalization) {
                    (Case::Keep, Normalization::None) => Ok(()),
                    (Case::Lower, Normalization::None) => f.write_str(":lower"),
                    (Case::Keep, Normalization::Nfc) => f.write_str(":nfc"),
                    (Case::Lower, Normalization::Nfc) => f.write_str(":lower,nfc"),
                }
            }
            TokenizerSpec::Bpe { vocab_size } => write!(f, "bpe:{vocab_size}"),
            TokenizerSpec::BpeFile(path) => write!(f, "bpe-file:{}", path.display()),
        }
    }
}

/// Any of the tokenizers, built from a [`TokenizerSpec`].
#[derive(Debug)]
pub enum AnyTokenizer {
    /// [`Whitespace`].
    Whitespace(Whitespace),
    /// [`Words`].
    Words(Words),
    /// [`Chars`].
    Chars(Chars),
    /// [`Bpe`].
    Bpe(Box<Bpe>),
}

impl AnyTokenizer {
    /// Builds the tokenizer `spec` names.
    ///
    /// `training` is the human training text, one sentence per item; only
    /// `bpe:SIZE` consumes it. `read_file` reads the file of `bpe-file:PATH` (pass
    /// `|p| std::fs::read_to_string(p)`):
    /// the caller owns file access (this crate opens a path only in the
    /// `read_path` conveniences, which the caller names).
    pub fn build<'a>(
        spec: &TokenizerSpec,
        training: impl Iterator<Item = &'a str> + Send,
        read_file: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<AnyTokenizer, Error> {
        Ok(match spec {
            TokenizerSpec::Whitespace => AnyTokenizer::Whitespace(Whitespace),
            TokenizerSpec::Words(w) => AnyTokenizer::Words(*w),
            TokenizerSpec::Chars => AnyTokenizer::Chars(Chars),
            TokenizerSpec::Bpe { vocab_size } => {
                AnyTokenizer::Bpe(Box::new(Bpe::train(training, *vocab_size)?))
            }
            TokenizerSpec::BpeFile(path) => {
                let json = read_file(path).map_err(|e| {
                    Error::Tokenizer(format!("cannot read tokenizer file {}: {e}", path.display()))
                })?;
                AnyTokenizer::Bpe(Box::new(Bpe::from_json(&json)?))
            }
        })
    }

    fn inner(&self) -> &dyn Tokenizer {
        match self {
            AnyTokenizer::Whitespace(t) => t,
            AnyTokenizer::Words(t) => t,
            AnyTokenizer::Chars(t) => t,
            AnyTokenizer::Bpe(t) => t.as_ref(),
        }
    }
}

impl Tokenizer for AnyTokenizer {
    fn encode<'a>(&self, text: &'a str) -> Result<Vec<Cow<'a, str>>, Error> {
        self.inner().encode(text)
    }

    fn decode(&self, tokens: &[&str]) -> Result<String, Error> {
        self.inner().decode(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `input` and compares with `expect`, then checks `Display`
    /// round-trips; or compares the error message.
    fn check(input: &str, expect: Result<TokenizerSpec, &str>) {
        match (input.parse::<TokenizerSpec>(), expect) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, want, "{input}");
                assert_eq!(got.to_string().parse::<TokenizerSpec>().unwrap(), got);
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg, "{input}"),
            (got, want) => panic!("{input}: got {got:?}, expected {want:?}"),
        }
    }

    const EXPECTED: &str =
        "expected whitespace | words | words:lower | words:nfc | words:lower,nfc | chars | \
                            bpe:SIZE | bpe-file:PATH";

    #[test]
    fn parse() {
        let words = |case, normalization| Ok(TokenizerSpec::Words(Words { case, normalization }));
        check("whitespace", Ok(TokenizerSpec::Whitespace));
        check("chars", Ok(TokenizerSpec::Chars));
        check("words", words(Case::Keep, Normalization::None));
        check("words:lower", words(Case::Lower, Normalization::None));
        check("words:nfc", words(Case::Keep, Normalization::Nfc));
        check("words:nfc,lower", words(Case::Lower, Normalization::Nfc));
        check("bpe:8000", Ok(TokenizerSpec::Bpe { vocab_size: 8000 }));
        check("bpe-file:a/tokenizer.json", Ok(TokenizerSpec::BpeFile("a/tokenizer.json".into())));
        check("bpe:100", Err("bpe vocabulary size must be at least 256 (the byte alphabet), got 100"));
        check(
            "bpe:x",
            Err(&format!("unknown tokenizer \"bpe:x\" (vocabulary size \"x\" is not a number); {EXPECTED}")),
        );
        check(
            "bpe",
            Err(&format!(
                "unknown tokenizer \"bpe\" (bpe needs its vocabulary size, as in bpe:8000); {EXPECTED}"
            )),
        );
        check(
            "bpe-file:",
            Err(&format!(
                "unknown tokenizer \"bpe-file:\" (bpe-file needs a path, as in bpe-file:tokenizer.json); {EXPECTED}"
            )),
        );
        check("Words", Err(&format!("unknown tokenizer \"Words\" (did you mean \"words\"?); {EXPECTED}")));
        check("wrds", Err(&format!("unknown tokenizer \"wrds\" (did you mean \"words\"?); {EXPECTED}")));
        check(
            "whitspace",
            Err(&format!("unknown tokenizer \"whitspace\" (did you mean \"whitespace\"?); {EXPECTED}")),
        );
        check("sentencepiece", Err(&format!("unknown tokenizer \"sentencepiece\"; {EXPECTED}")));
        check(
            "words:upper",
            Err(&format!("unknown tokenizer \"words:upper\" (unknown option \"upper\"); {EXPECTED}")),
        );
        check(
            "words:lowr",
            Err(&format!(
                "unknown tokenizer \"words:lowr\" (unknown option \"lowr\" (did you mean \"lower\"?)); {EXPECTED}"
            )),
        );
        check("chars:x", Err(&format!("unknown tokenizer \"chars:x\" (chars takes no option); {EXPECTED}")));
    }

    /// Every form of the grammar parses, its placeholders filled in, and
    /// prints back as itself.
    #[test]
    fn every_form_of_the_grammar_parses() {
        let forms: Vec<&str> = TokenizerSpec::GRAMMAR.split(" | ").collect();
        assert_eq!(forms.len(), 8);
        for form in forms {
            let filled = form.replace("SIZE", "2000").replace("PATH", "tokenizer.json");
            let spec: TokenizerSpec = filled.parse().unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(spec.to_string(), filled);
        }
    }

    #[test]
    fn build() {
        let no_file = |_: &Path| -> std::io::Result<String> { Err(std::io::ErrorKind::NotFound.into()) };
        let t = AnyTokenizer::build(&"words".parse().unwrap(), std::iter::empty(), no_file).unwrap();
        let tokens: Vec<_> = t.encode("Hi, you.").unwrap();
        assert_eq!(tokens, ["Hi", ",", "you", "."]);
        let e = AnyTokenizer::build(&"bpe-file:nope.json".parse().unwrap(), std::iter::empty(), no_file);
        assert_eq!(
            e.unwrap_err().to_string(),
            "tokenizer: cannot read tokenizer file nope.json: entity not found"
        );
    }
}
