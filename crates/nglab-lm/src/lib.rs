//! N-gram language models for nglab: counting, smoothing, perplexity, ARPA.
//!
//! The principal types:
//! - [`NgramCounts`]: raw counts of orders 1..=N over token ids, padded as
//!   KenLM pads (`<s>` ... `</s>`); mutable while corpora are added or merged.
//! - [`Smoothing`] and [`EstimateConfig`]: the method (MLE, add-k, Witten-Bell,
//!   absolute discounting, Kneser-Ney, KenLM-compatible modified Kneser-Ney,
//!   stupid backoff) and its [`DiscountFallback`] (KenLM's rule, a clamp,
//!   or constants) for orders whose closed-form discounts fail.
//! - [`estimate`]: counts -> [`Model`], the immutable model that scores
//!   ([`Model::score`], [`Model::perplexity`]) and reads/writes ARPA.
//! - [`Sampler`], [`sample_corpus`]: exact, seeded sampling from a model's full
//!   distribution (temperature, top-k, top-p, min-p, greedy; beam search and
//!   prefix continuation), byte-identical for any thread count.
//!
//! ```
//! use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts, Smoothing};
//! use nglab_tokenizer::{Corpus, Vocab};
//!
//! let mut vocab = Vocab::new();
//! let mut corpus = Corpus::new();
//! for line in ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] {
//!     let ids: Vec<_> = line.split(' ').map(|w| vocab.get_or_insert(w)).collect();
//!     corpus.push(&ids);
//! }
//! let mut counts = NgramCounts::new(3)?;
//! counts.add_corpus(&corpus, 1);
//! let model = estimate(&counts, &vocab, &EstimateConfig::new(Smoothing::WittenBell)?, 1)?;
//! let ppl = model.perplexity(&corpus)?;
//! assert!(ppl.perplexity().unwrap() > 1.0);
//!
//! let mut arpa = Vec::new();
//! model.write_arpa(&mut arpa, 1)?;
//! let again = Model::read_arpa(&arpa[..], 1)?;
//! assert_eq!(again.n_grams_total(), model.n_grams_total());
//! # Ok::<(), nglab_lm::Error>(())
//! ```

mod arpa;
mod counts;
mod discount;
mod error;
mod estimate;
mod model;
pub mod par;
mod runs;
mod sample;
mod smoothing;
mod sort;
mod window;

pub use counts::{NgramCounts, MAX_ORDER};
pub use discount::{DiscountFallback, Fallback, OrderDiscounts, KENLM_FALLBACK, MIN_DISCOUNT};
pub use error::{Error, Result};
pub use estimate::{estimate, estimate_owned};
pub use model::{Model, ModelInfo, Perplexity, SentenceScore, State};
/// Seeds a [`ChaCha8Rng`]: `ChaCha8Rng::seed_from_u64(0)`.
pub use rand::SeedableRng;
/// The project's one RNG type, to give a [`Sampler`]; re-exported so that a
/// caller uses the `rand` version this crate is built with.
pub use rand_chacha::ChaCha8Rng;
pub use runs::{CountEvent, CountStream, SpillConfig};
pub use sample::{
    beam_search, sample_continuations, sample_corpus, Budget, Cancel, Ending, Hypothesis, SampleConfig,
    SampleStats, Sampler, UnkPolicy, CHUNK_SENTENCES,
};
pub use smoothing::{EstimateConfig, Smoothing};

/// The README's library example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
