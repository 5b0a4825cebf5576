//! Tokenization, the vocabulary and the corpus format of nglab.
//!
//! The principal types:
//! - [`Vocab`]: token <-> [`TokenId`], dense ids from 0, with the reserved
//!   [`UNK`] (`<unk>`), [`BOS`] (`<s>`) and [`EOS`] (`</s>`) at ids 0, 1, 2.
//! - [`Corpus`]: sentences of token ids stored flat, the input of counting.
//!
//! ```
//! use nglab_tokenizer::{Corpus, Vocab};
//!
//! let mut vocab = Vocab::new();
//! let mut corpus = Corpus::new();
//! for line in ["the cat sat", "the dog"] {
//!     let ids: Vec<_> = line.split(' ').map(|w| vocab.get_or_insert(w)).collect();
//!     corpus.push(&ids);
//! }
//! assert_eq!(corpus.n_sentences(), 2);
//! assert_eq!(corpus.n_tokens(), 5);
//! assert_eq!(vocab.len(), 3 + 4);
//! ```

mod corpus;
mod error;
mod vocab;

pub use corpus::Corpus;
pub use error::Error;
pub use vocab::{TokenId, Vocab, BOS, EOS, UNK};
