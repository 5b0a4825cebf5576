//! The memory a run will need, estimated before it starts, so that a run
//! that cannot fit stops at once with the amount it needs instead of being
//! killed hours later.
//!
//! The estimate scales with the n-grams of the models a run holds at once.
//! The n-grams of a text are estimated from the human training text: its
//! distinct n-grams per token of orders 1 to 4 (counted exactly for the
//! metrics' reference; KenLM's padding adds at most one per sentence), and
//! for higher orders the bound of one n-gram per token and sentence. A larger
//! text (the `accumulate` pool) is assumed to add n-grams at the human rate;
//! synthetic text repeats itself more than human text does, so this
//! overestimates (by 1.5x for the Brown pool of 10 corpora: 11.4M estimated,
//! 7.5M counted). The bytes per n-gram and per token were measured (see
//! `ARCHITECTURE.md`, "Resource bounds").

use nglab_metrics::Reference;
use nglab_tokenizer::Corpus;

use super::config::Experiment;
use super::regime::Regime;

/// Bytes per n-gram of a model being trained: counts, estimation scratch
/// and the estimated model (the peak of `nglab train`, per n-gram).
pub const BYTES_PER_NGRAM: f64 = 160.0;
/// Bytes per token of a training text held by a job: the corpus, its copy
/// as training text and the metrics' n-gram tables.
pub const BYTES_PER_TOKEN: f64 = 48.0;
/// The sampler's cache of per-context tables, at most, per sampling thread.
pub const SAMPLER_CACHE_BYTES: f64 = 160.0 * 1024.0 * 1024.0;

/// The human texts' sizes an estimate starts from.
pub struct HumanSize {
    /// Tokens of the human training text.
    pub tokens: f64,
    /// Sentences of the human training text.
    pub sentences: f64,
    /// Vocabulary size (the fixed vocabulary, all orders' unigrams).
    pub vocab: f64,
    /// Distinct n-grams of orders 2 to 4 of the human training text (the
    /// unigrams are the fixed vocabulary).
    pub distinct: [f64; 3],
    /// Tokens of the held-out text.
    pub heldout_tokens: f64,
}

impl HumanSize {
    /// The sizes of the human texts.
    pub fn new(train: &Corpus, heldout: &Corpus, vocab_len: usize, reference: &Reference) -> HumanSize {
        HumanSize {
            tokens: train.n_tokens() as f64,
            sentences: train.n_sentences() as f64,
            vocab: vocab_len as f64,
            distinct: [2, 3, 4].map(|n| reference.n_types_of_order(n).expect("orders 2 to 4") as f64),
            heldout_tokens: heldout.n_tokens() as f64,
        }
    }

    /// Estimated n-grams of a model of `order` trained on `tokens` tokens of
    /// text like the human text (KenLM padding included).
    fn ngrams(&self, order: usize, tokens: f64) -> f64 {
        let sentences = tokens * self.sentences / self.tokens.max(1.0);
        let positions = tokens + sentences;
        (1..=order)
            .map(|n| {
                let rate = match n {
                    1 => return self.vocab + 2.0,
                    2..=4 => {
                        ((self.distinct[n - 2] + self.sentences) / (self.tokens + self.sentences)).min(1.0)
                    }
                    _ => 1.0,
                };
                rate * positions
            })
            .sum()
    }
}

/// Estimated peak bytes of a run of `exp` with `workers` jobs at a time,
/// each sampling with `sample_threads` threads.
pub fn estimate(exp: &Experiment, human: &HumanSize, workers: usize, sample_threads: usize) -> f64 {
    let synthetic = exp.synthetic_tokens.map_or(human.tokens, |n| n as f64);
    // The human texts, the metrics' reference, and one generation-0 model
    // per (order, smoothing), kept for the whole run.
    let mut bytes = BYTES_PER_TOKEN * (human.tokens + human.heldout_tokens);
    let smoothings = exp.smoothings.len() as f64;
    for &order in &exp.orders {
        bytes += smoothings * BYTES_PER_NGRAM * human.ngrams(order, human.tokens);
    }
    // The largest jobs, `workers` of them at their last generation.
    let last = exp.generations.saturating_sub(1) as f64;
    let mut jobs: Vec<f64> = Vec::new();
    for &order in &exp.orders {
        for &regime in &exp.regimes {
            let tokens = match regime {
                Regime::Accumulate => human.tokens + last * synthetic,
                Regime::Replace | Regime::Mix { .. } | Regime::AccumulateSubsample => synthetic,
            };
            let job = BYTES_PER_NGRAM * human.ngrams(order, tokens)
                + BYTES_PER_TOKEN * (tokens + synthetic)
                + SAMPLER_CACHE_BYTES * sample_threads as f64;
            let copies = exp.smoothings.len()
                * exp.discount_fallbacks.len()
                * exp.vocabularies.len()
                * exp.temperatures.len()
                * exp.top_ps.len()
                * exp.top_ks.len();
            jobs.extend(std::iter::repeat_n(job, copies * exp.seeds as usize));
        }
    }
    jobs.sort_by(|a, b| b.total_cmp(a));
    bytes + jobs.iter().take(workers).sum::<f64>()
}

/// The memory this process may still take: Linux's `MemAvailable`, `None`
/// where it cannot be read.
pub fn available() -> Option<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Bytes as GiB with two decimals.
pub fn gib(bytes: f64) -> String {
    format!("{:.2} GiB", bytes / f64::from(1u32 << 30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nglab_lm::NgramCounts;
    use nglab_tokenizer::{CorpusText, Utf8Policy, Vocab, Whitespace};

    #[test]
    fn the_estimate_bounds_the_human_texts_own_ngrams() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/kenlm/brown-2k.train.txt");
        let text = CorpusText::from_bytes(std::fs::read(&path).unwrap(), &path, Utf8Policy::Strict).unwrap();
        let mut vocab = Vocab::new();
        let corpus = Corpus::encode_growing(text.sentences(), &Whitespace, &mut vocab).unwrap();
        let size = HumanSize::new(&corpus, &Corpus::new(), vocab.len(), &Reference::new(&corpus));
        for order in [1, 2, 3, 5, 7] {
            let mut counts = NgramCounts::new(order).unwrap();
            counts.add_corpus(&corpus, 1);
            let counted: usize = (1..=order).map(|n| counts.n_grams(n)).sum();
            let estimated = size.ngrams(order, size.tokens);
            assert!(estimated >= counted as f64, "order {order}: {estimated} < {counted}");
            assert!(estimated < 2.0 * counted as f64, "order {order}: {estimated} vs {counted}");
        }
    }
}
