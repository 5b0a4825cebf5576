//! Tokenization, the vocabulary and the corpus format of nglab.
//!
//! The principal types:
//! - [`CorpusText`]: a corpus file read and split into sentences (UTF-8, one
//!   sentence per line, a blank line the empty sentence as KenLM reads it),
//!   with errors that name the line.
//! - [`Tokenizer`]: `encode` a sentence into tokens, `decode` tokens into
//!   readable text. Implementations: [`Whitespace`] (KenLM's rule, the
//!   default), [`Words`] (Unicode word boundaries), [`Chars`] (grapheme
//!   clusters) and [`Bpe`] (byte-level BPE via the `tokenizers` crate);
//!   [`TokenizerSpec`] names one (`whitespace`, `words:lower`, `bpe:8000`, ...)
//!   and [`AnyTokenizer`] holds it.
//! - [`Vocab`]: token <-> [`TokenId`], dense ids from 0, with the reserved
//!   [`UNK`] (`<unk>`), [`BOS`] (`<s>`) and [`EOS`] (`</s>`) at ids 0, 1, 2;
//!   saved and loaded as a JSON array of tokens in id order.
//! - [`Corpus`]: sentences of token ids stored flat, the input of counting;
//!   [`Corpus::encode_growing`] builds the vocabulary of the human text,
//!   [`Corpus::encode_frozen`] maps later generations into it (unseen tokens
//!   become `<unk>`).
//! - [`BrownSplits`]: the Brown corpus's tagged files turned into the
//!   train/valid/test splits of `corpora/brown`.
//!
//! ```
//! use std::path::Path;
//! use nglab_tokenizer::{Corpus, CorpusText, Tokenizer, TokenizerSpec, Utf8Policy, Vocab, Words, UNK};
//!
//! // The blank line is the empty sentence, as KenLM reads it.
//! let file = "the cat sat\r\n\nthe dog\n";
//! let text = CorpusText::read(file.as_bytes(), Path::new("train.txt"), Utf8Policy::Strict)?;
//! assert_eq!(text.n_sentences(), 3);
//!
//! let spec: TokenizerSpec = "whitespace".parse()?;
//! assert_eq!(spec, TokenizerSpec::Whitespace);
//! let mut vocab = Vocab::new();
//! let human = Corpus::encode_growing(text.sentences(), &nglab_tokenizer::Whitespace, &mut vocab)?;
//! assert_eq!((human.n_sentences(), human.n_tokens(), vocab.len()), (3, 5, 3 + 4));
//!
//! // A later generation maps into the same ids; unseen words become <unk>.
//! let synthetic = Corpus::encode_frozen(["the bird sat"], &nglab_tokenizer::Whitespace, &vocab)?;
//! assert_eq!(synthetic.sentence(0), &[3, UNK, 5]);
//!
//! let words = Words::default();
//! let tokens = words.encode("Hello, world!")?;
//! assert_eq!(tokens, ["Hello", ",", "world", "!"]);
//! assert_eq!(words.decode(&["Hello", ",", "world", "!"])?, "Hello, world!");
//! # Ok::<(), nglab_tokenizer::Error>(())
//! ```

mod bpe;
mod brown;
mod corpus;
mod error;
mod sentence_split;
mod spec;
mod subvocab;
mod suggest;
mod text;
mod tokenize;
mod vocab;

pub use bpe::{Bpe, MIN_BPE_VOCAB_SIZE};
pub use brown::{is_brown_file_name, BrownSplits, Split, SplitText};
pub use corpus::Corpus;
pub use error::Error;
pub use sentence_split::split_sentences;
pub use spec::{AnyTokenizer, TokenizerSpec};
pub use subvocab::SubVocab;
pub use suggest::{did_you_mean, nearest};
pub use text::{CorpusText, SentenceReader, Utf8Policy};
pub use tokenize::{Case, Chars, Normalization, Tokenizer, Whitespace, Words, SPACE_TOKEN};
pub use vocab::{TokenId, Vocab, BOS, EOS, UNK};
