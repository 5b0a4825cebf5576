//! Metrics of text for nglab: lexical diversity, the unigram distribution,
//! tails and repetition, computed on token ids; and model-based metrics, the
//! distribution of a text's per-sentence perplexities under an `nglab_lm` model.
//!
//! The principal types:
//! - [`MetricsConfig`]: the knobs (sample budget, draws, MATTR window, MTLD
//!   threshold, gzip level), validated once into a [`TextMetrics`].
//! - [`Reference`]: the n-gram tables of a text to compare against (the human
//!   training text, a held-out text), built once and reused every generation.
//! - [`TextMetrics::compute`]: one text (and optional reference / held-out
//!   text) in, one serializable [`MetricsReport`] out.
//! - [`SentencePerplexities`] (mean and quantiles) and
//!   [`LogPerplexityHistogram`]: each sentence's perplexity under a model
//!   ([`nglab_lm::SentenceScore::perplexity`], KenLM `query`'s conventions).
//!
//! Definitions (see each function for details):
//! - Lexical metrics are computed on an equal-size sample: whole sentences
//!   drawn at random without replacement until the token budget is reached,
//!   the last one cut, laid end to end in the order drawn (a random order:
//!   [`SentenceOrder::Shuffled`], the default, also when the budget covers
//!   the whole text); `draws` draws give a mean, a standard deviation, a
//!   2.5-97.5 percentile interval and the 95% half-width of the mean. So
//!   MATTR and MTLD do not depend on the order of the text's sentences (a
//!   document's topic runs, or independent synthetic sentences).
//!   [`SentenceOrder::Text`] puts each draw back in text order, and a budget
//!   covering the text then makes one draw, the text itself.
//!   TTR, [`mattr`] and [`mtld`] see the sample as one flat word list (like the
//!   `lexicalrichness` package; the functions themselves read the text in
//!   its order); [`distinct_n`] counts n-grams within sentences.
//! - Distribution metrics use the whole text: [`entropy_bits`], [`heterozygosity`]
//!   (`1 - sum p^2`), [`zipf_exponent`] (least squares on log rank-log frequency
//!   over all ranks), [`sq_l2_distance`] (unsmoothed, `sum (p - q)^2`),
//!   [`kl_divergence_bits`] (second argument add-one smoothed over the union of
//!   supports) and [`js_divergence_bits`] (unsmoothed, in `[0, 1]`).
//! - Tails: survival of the reference's 1- to 4-gram types by reference count
//!   band (1, 2-4, 5-16, 17+); novelty as a share of the text's n-gram
//!   occurrences; recall as a share of the held-out text's n-gram types.
//! - Repetition: gzip ratio of the text's bytes (level 6, at most 1 MiB: a
//!   longer text is thinned to every k-th sentence), and Shaib et al. (2024)'s
//!   self-repetition of 4-grams with each sentence a document.
//!
//! Undefined values (empty text, a sample shorter than the MATTR window, ...)
//! are `None` with a reason in [`MetricsReport::undefined`], never NaN.
//!
//! ```
//! use nglab_metrics::{ChaCha8Rng, MetricsConfig, Reference, SeedableRng, TextMetrics};
//! use nglab_tokenizer::{Corpus, Vocab};
//!
//! let mut vocab = Vocab::new();
//! let mut read = |lines: &[&str]| {
//!     let mut corpus = Corpus::new();
//!     for line in lines {
//!         let ids: Vec<_> = line.split(' ').map(|w| vocab.get_or_insert(w)).collect();
//!         corpus.push(&ids);
//!     }
//!     corpus
//! };
//! let human = read(&["the cat sat on the mat", "a dog barked"]);
//! let synthetic = read(&["the cat sat", "the cat sat on the cat"]);
//!
//! let metrics = TextMetrics::new(MetricsConfig { mattr_window: 3, ..MetricsConfig::default() })?;
//! let reference = Reference::new(&human);
//! let mut rng = ChaCha8Rng::seed_from_u64(0);
//! let report = metrics.compute(&synthetic, &vocab, Some(&reference), None, &mut rng)?;
//! assert_eq!((report.tokens, report.types), (9, 4));
//! assert_eq!(report.ttr, Some(4.0 / 9.0));
//! assert!(report.js_to_reference.is_some_and(|js| js > 0.0 && js < 1.0));
//! // Of the 7 words seen once in the reference, "mat", "a", "dog", "barked" are gone.
//! let once = &report.survival_by_band.as_ref().unwrap()[0].bands[0];
//! assert_eq!((once.reference_types, once.surviving), (7, 3));
//! # Ok::<(), nglab_metrics::Error>(())
//! ```

mod distribution;
mod error;
mod lexical;
mod metrics;
mod model;
mod ngrams;
mod repetition;
mod report;
mod sample;
mod tails;

pub use distribution::{
    entropy_bits, heterozygosity, js_divergence_bits, kl_divergence_bits, sq_l2_distance, unigram_counts,
    zipf_exponent,
};
pub use error::Error;
pub use lexical::{distinct_n, mattr, mtld, ttr};
pub use metrics::{MetricsConfig, Reference, SentenceOrder, TextCounts, TextMetrics};
pub use model::{LogPerplexityHistogram, SentencePerplexities};
/// Seeds a [`ChaCha8Rng`]: `ChaCha8Rng::seed_from_u64(0)`.
pub use rand::SeedableRng;
/// The project's one RNG type, to give [`TextMetrics::compute`]; re-exported
/// so that a caller uses the `rand` version this crate is built with.
pub use rand_chacha::ChaCha8Rng;
pub use report::{
    BandSurvival, CorpusSize, Interval, MetricsReport, OrderNovelty, OrderRecall, OrderSurvival, SampleInfo,
    Undefined,
};
pub use sample::t95;
pub use tails::{survival_band, SURVIVAL_BANDS};
