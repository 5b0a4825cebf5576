//! The serializable records [`TextMetrics::compute`](crate::TextMetrics::compute) returns.
//! A value that is undefined for the input is `None` (JSON `null`) and its
//! reason is listed in [`MetricsReport::undefined`]; no field is ever NaN or infinite.

use serde::{Deserialize, Serialize};

use crate::SentenceOrder;

/// All metrics of one text, optionally against a reference and a held-out text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsReport {
    /// Tokens of the whole text (words, no padding).
    pub tokens: usize,
    /// Sentences of the whole text.
    pub sentences: usize,
    /// Distinct tokens of the whole text (vocabulary size).
    pub types: usize,
    /// Types occurring exactly once in the whole text.
    pub hapax: usize,
    /// How the lexical metrics were sampled.
    pub sample: SampleInfo,
    /// Type-token ratio of the sample (mean over draws).
    pub ttr: Option<f64>,
    /// Moving-average TTR of the sample (mean over draws).
    pub mattr: Option<f64>,
    /// MTLD of the sample (mean over draws).
    pub mtld: Option<f64>,
    /// distinct-1 of the sample (within sentences; equals `ttr`).
    pub distinct_1: Option<f64>,
    /// distinct-2 of the sample.
    pub distinct_2: Option<f64>,
    /// distinct-3 of the sample.
    pub distinct_3: Option<f64>,
    /// distinct-4 of the sample.
    pub distinct_4: Option<f64>,
    /// n-gram diversity: distinct-1 + ... + distinct-4 (mean over draws).
    pub ngram_diversity: Option<f64>,
    /// Spread over the draws of each lexical metric that is defined, in the order above.
    pub intervals: Vec<Interval>,
    /// Entropy of the whole text's unigram distribution, in bits.
    pub entropy_bits: Option<f64>,
    /// Heterozygosity of the whole text's unigram distribution: `1 - sum p^2`.
    pub heterozygosity: Option<f64>,
    /// Zipf exponent of the whole text (least squares of ln frequency on ln rank, all ranks).
    pub zipf_exponent: Option<f64>,
    /// Bytes of the text (tokens joined by single spaces) / bytes of its gzip stream
    /// (at most `gzip_max_bytes` of text: every k-th sentence of a longer one).
    pub compression_ratio: Option<f64>,
    /// Self-repetition of 4-grams across sentences (Shaib et al. 2024), natural log.
    pub self_repetition_4: Option<f64>,
    /// Size of the reference, when one was given.
    pub reference: Option<CorpusSize>,
    /// `KL(text || reference)` in bits, the reference add-one smoothed.
    pub kl_to_reference: Option<f64>,
    /// `KL(reference || text)` in bits, the text add-one smoothed (grows as tails vanish).
    pub kl_from_reference: Option<f64>,
    /// Jensen-Shannon divergence between the unigram distributions, in bits.
    pub js_to_reference: Option<f64>,
    /// Squared L2 distance between the unigram distributions, `sum (p - q)^2`.
    pub sq_l2_to_reference: Option<f64>,
    /// Share of the reference's types still present in the text, per order and band.
    pub survival_by_band: Option<Vec<OrderSurvival>>,
    /// Share of the text's n-gram occurrences never seen in the reference, per order.
    pub novelty: Option<Vec<OrderNovelty>>,
    /// Size of the held-out text, when one was given.
    pub heldout: Option<CorpusSize>,
    /// Share of the held-out text's n-gram types present in the text, per order.
    pub heldout_recall: Option<Vec<OrderRecall>>,
    /// Why each `null` metric is undefined.
    pub undefined: Vec<Undefined>,
}

impl MetricsReport {
    /// The spread over the draws of the lexical metric `metric` (`mattr`,
    /// `mtld`, ...), when it is defined.
    pub fn interval(&self, metric: &str) -> Option<&Interval> {
        self.intervals.iter().find(|i| i.metric == metric)
    }
}

/// How the lexical metrics were sampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleInfo {
    /// Tokens in every draw.
    pub sample_tokens: usize,
    /// Number of draws averaged (1 when the sample is the whole text in text order).
    pub draws: usize,
    /// Whether the sample is the whole text (token budget >= text size).
    pub whole_text: bool,
    /// The sampling scheme: `sentences` = whole sentences drawn at random
    /// without replacement until the budget is reached, the last one cut.
    pub scheme: String,
    /// The order of each draw's sentences: as drawn (`shuffled`) or put back
    /// in text order (`text`).
    pub sentence_order: SentenceOrder,
}

/// The spread of one lexical metric over the draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The metric's field name (`ttr`, `distinct_2`, ...).
    pub metric: String,
    /// Sample standard deviation over the draws (0 for one draw).
    pub sd: f64,
    /// 2.5th percentile of the draws (linear interpolation).
    pub lo: f64,
    /// 97.5th percentile of the draws (linear interpolation).
    pub hi: f64,
    /// Half-width of the 95% Student t interval of the mean over the draws,
    /// `t95(draws - 1) · sd / √draws` (0 for one draw): the mean of another
    /// set of draws (another seed, or the same text with its sentences
    /// reordered under [`SentenceOrder::Shuffled`]) falls within it about 95% of the time.
    pub half_width: f64,
}

/// The size of a corpus compared against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusSize {
    /// Tokens.
    pub tokens: usize,
    /// Distinct tokens.
    pub types: usize,
}

/// Survival of the reference's n-gram types of one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSurvival {
    /// The n-gram order.
    pub order: usize,
    /// One entry per reference-frequency band: counts 1, 2-4, 5-16, 17+.
    pub bands: Vec<BandSurvival>,
}

/// Survival of the reference's types whose reference count lies in one band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandSurvival {
    /// The band's label: `1`, `2-4`, `5-16`, `17+`.
    pub band: String,
    /// Reference types in the band.
    pub reference_types: u64,
    /// Of those, the types occurring in the text.
    pub surviving: u64,
    /// `surviving / reference_types`; `None` for an empty band.
    pub share: Option<f64>,
}

/// Novelty of the text's n-grams of one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderNovelty {
    /// The n-gram order.
    pub order: usize,
    /// n-gram occurrences in the text.
    pub text_ngrams: u64,
    /// Of those, occurrences of types absent from the reference.
    pub unseen: u64,
    /// `unseen / text_ngrams`; `None` when the text has no n-gram of this order.
    pub share: Option<f64>,
}

/// Coverage of the held-out text's n-gram types of one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecall {
    /// The n-gram order.
    pub order: usize,
    /// Distinct n-grams of the held-out text.
    pub heldout_types: u64,
    /// Of those, the types occurring in the text.
    pub covered: u64,
    /// `covered / heldout_types`; `None` when the held-out text has none.
    pub share: Option<f64>,
}

/// Why a metric is `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undefined {
    /// The metric's field name.
    pub metric: String,
    /// The reason, with the offending value.
    pub reason: String,
}
