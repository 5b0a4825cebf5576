//! The memory a run will need, estimated before it starts, so that a run
//! that cannot fit stops at once with the amount it needs instead of being
//! killed hours later.
//!
//! The estimate adds up the structures a run holds, each from its layout
//! (the constants below), over sizes estimated from the human training text:
//! its n-grams per token of orders 1 to 4 (counted exactly for the metrics'
//! reference; KenLM's padding adds at most one per sentence), and for higher
//! orders the bound of one n-gram per token and sentence. A larger text (the
//! `accumulate` pool) is assumed to add n-grams at the human rate; synthetic
//! text repeats itself more than human text does, so this overestimates (by
//! 1.5x for the Brown pool of 10 corpora: 11.4M estimated, 7.5M counted).
//!
//! What a run holds throughout: the human texts, the metrics' reference
//! tables, one generation-0 model per (order, smoothing) (and its counts when
//! an `accumulate` pool starts from them). What a job holds at its peak: its
//! corpora, and the largest of its stages, which run one after the other
//! (`job.rs`): the text metrics' tables, training (counts, then the model
//! built out of them), and sampling (the model and the sampler's tables).
//! Checked against the peak resident set of `nglab run` at 1M, 20M and 100M
//! tokens (`ARCHITECTURE.md`, "Resource bounds"): the estimate is above each.

use nglab_metrics::Reference;
use nglab_tokenizer::Corpus;

use super::config::Experiment;
use super::regime::Regime;

/// A model, per n-gram, at most: prefix, word and suffix ids (4 B each), its
/// f32 log10 probability, and below the highest order an f32 log10 backoff
/// and a successor start (4 B each): 24 B, 16 B at the highest order
/// (`Model::bytes`: 18.4-21.7 B at 1M and 20M tokens, orders 3 and 5).
pub const MODEL_BYTES_PER_NGRAM: f64 = 24.0;
/// The sampler's tables, per n-gram of the model, at most (11.1-17.7 B at
/// 1M and 20M tokens, orders 3 and 5): a 32-bit alias threshold and alias
/// (8 B) per n-gram, a context's chance (4 B) per n-gram below the highest
/// order, and the hashed index's 4-byte slots (at most 3/4 full) for the
/// orders in between.
pub const SAMPLER_BYTES_PER_NGRAM: f64 = 18.0;
/// Counts, per n-gram: prefix, word and suffix ids (4 B each), count (8 B).
pub const COUNTS_BYTES_PER_NGRAM: f64 = 20.0;
/// Training, per n-gram: the counts while the model is built out of them,
/// and the estimator's scratch.
pub const TRAIN_BYTES_PER_NGRAM: f64 = 64.0;
/// Counting, per token of the training text: one occurrence record (12 B)
/// per position of the order being sorted, and its sort's buffer.
pub const COUNT_BYTES_PER_TOKEN: f64 = 24.0;
/// A corpus, per token: a 4-byte id, and the sentence ends (8 B per sentence).
pub const CORPUS_BYTES_PER_TOKEN: f64 = 5.0;
/// A text file read whole, per token: its bytes (a word and a space), and
/// each sentence's span and line number (24 B per sentence).
pub const TEXT_BYTES_PER_TOKEN: f64 = 8.0;
/// The process itself: code, thread stacks, the allocator's slack.
pub const BASE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// The text metrics, per token of the text measured: the n-gram type at each
/// position of orders 2 to 4 (12 B), and the sort's keys and buffer (32 B).
pub const METRICS_BYTES_PER_TOKEN: f64 = 44.0;
/// The metrics' tables (the reference, a text's), per n-gram type of orders
/// 2 to 4: prefix, last word (4 B each) and count (8 B).
pub const METRICS_BYTES_PER_TYPE: f64 = 16.0;
/// A lexical draw being measured (one at a time per thread of the job), per
/// token of the text: the sample's copy (4 B), and a bit per n-gram type of
/// orders 1 to 4 (at most 4 types a token).
pub const DRAW_BYTES_PER_TOKEN: f64 = 4.5;
/// A lexical draw being measured, per sentence of the text: its piece (16 B).
pub const DRAW_BYTES_PER_SENTENCE: f64 = 16.0;
/// The sampler's cache of per-context tables with a decoding knob on, at
/// most, per sampling thread.
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

    /// Estimated n-gram types of orders 2 to 4 (the metrics' tables) of
    /// `tokens` tokens of text like the human text.
    fn metric_types(&self, tokens: f64) -> f64 {
        let rate = self.distinct.iter().sum::<f64>() / self.tokens.max(1.0);
        rate.min(3.0) * tokens
    }

    /// The text metrics' peak on a text of `tokens` tokens: its tables, and
    /// the draws measured at once on `draw_threads` threads.
    fn metrics(&self, tokens: f64, draw_threads: usize) -> f64 {
        let sentences = tokens * self.sentences / self.tokens.max(1.0);
        let draw = DRAW_BYTES_PER_TOKEN * tokens + DRAW_BYTES_PER_SENTENCE * sentences;
        METRICS_BYTES_PER_TOKEN * tokens
            + METRICS_BYTES_PER_TYPE * self.metric_types(tokens)
            + draw * draw_threads as f64
    }
}

/// Estimated peak bytes of a run of `exp` with `workers` jobs at a time,
/// each sampling with `sample_threads` threads.
pub fn estimate(exp: &Experiment, human: &HumanSize, workers: usize, sample_threads: usize) -> f64 {
    let synthetic = exp.synthetic_tokens.map_or(human.tokens, |n| n as f64);
    // The human texts and the metrics' reference, kept for the whole run.
    let held = CORPUS_BYTES_PER_TOKEN * (human.tokens + human.heldout_tokens)
        + METRICS_BYTES_PER_TYPE * human.metric_types(human.tokens);
    // Reading and tokenizing the human text, and counting the reference, at
    // the start: the file's text and the reference's sort, before any model.
    let start = held + TEXT_BYTES_PER_TOKEN * human.tokens + human.metrics(human.tokens, 0);
    // One generation-0 model per (order, smoothing), kept for the whole run
    // (with its counts when an `accumulate` pool starts from them).
    let mut bytes = held;
    let smoothings = exp.smoothings.len() as f64;
    let pool = exp.regimes.contains(&Regime::Accumulate);
    for &order in &exp.orders {
        let per_ngram = MODEL_BYTES_PER_NGRAM + if pool { COUNTS_BYTES_PER_NGRAM } else { 0.0 };
        bytes += smoothings * per_ngram * human.ngrams(order, human.tokens);
    }
    let knobs = exp.temperatures.iter().any(|&t| t != 1.0)
        || exp.top_ps.iter().any(Option::is_some)
        || exp.top_ks.iter().any(Option::is_some);
    // The largest jobs, `workers` of them at their last generation.
    let last = exp.generations.saturating_sub(1) as f64;
    let mut jobs: Vec<f64> = Vec::new();
    for &order in &exp.orders {
        for &regime in &exp.regimes {
            let tokens = match regime {
                Regime::Accumulate => human.tokens + last * synthetic,
                Regime::Replace | Regime::Mix { .. } | Regime::AccumulateSubsample => synthetic,
            };
            let ngrams = human.ngrams(order, tokens);
            // The training text, the newest corpus and the next one.
            let corpora = CORPUS_BYTES_PER_TOKEN * (tokens + 2.0 * synthetic);
            // Under `accumulate`, the pool's counts and metrics tables stay
            // (the types of each position, 12 B per token, and the types).
            let kept = if regime == Regime::Accumulate {
                COUNTS_BYTES_PER_NGRAM * ngrams
                    + 12.0 * tokens
                    + METRICS_BYTES_PER_TYPE * human.metric_types(tokens)
            } else {
                0.0
            };
            // The newest corpus is measured apart unless it is the whole text.
            let newest =
                if regime == Regime::Replace { 0.0 } else { human.metrics(synthetic, sample_threads) };
            let stages = [
                human.metrics(tokens, sample_threads) + newest,
                TRAIN_BYTES_PER_NGRAM * ngrams + COUNT_BYTES_PER_TOKEN * tokens,
                (MODEL_BYTES_PER_NGRAM + SAMPLER_BYTES_PER_NGRAM) * ngrams
                    + if knobs { SAMPLER_CACHE_BYTES * sample_threads as f64 } else { 0.0 },
            ];
            let job = corpora + kept + stages.into_iter().fold(0.0, f64::max);
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
    BASE_BYTES + start.max(bytes + jobs.iter().take(workers).sum::<f64>())
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

    /// The committed 2,000 Brown sentences and their vocabulary.
    fn brown_2k() -> (Corpus, Vocab) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/kenlm/brown-2k.train.txt");
        let text = CorpusText::from_bytes(std::fs::read(&path).unwrap(), &path, Utf8Policy::Strict).unwrap();
        let mut vocab = Vocab::new();
        let corpus = Corpus::encode_growing(text.sentences(), &Whitespace, &mut vocab).unwrap();
        (corpus, vocab)
    }

    #[test]
    fn the_estimate_bounds_the_human_texts_own_ngrams() {
        let (corpus, vocab) = brown_2k();
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

    #[test]
    fn the_model_and_sampler_tables_fit_their_bytes_per_ngram() {
        let (corpus, vocab) = brown_2k();
        for order in [3, 5] {
            let mut counts = NgramCounts::new(order).unwrap();
            counts.add_corpus(&corpus, 1);
            let config = nglab_lm::EstimateConfig::with_fallback(
                nglab_lm::Smoothing::ModifiedKneserNey,
                nglab_lm::DiscountFallback::Clamp,
            )
            .unwrap();
            let model = nglab_lm::estimate(&counts, &vocab, &config, 1).unwrap();
            let sampler = nglab_lm::Sampler::new(&model, &nglab_lm::SampleConfig::default()).unwrap();
            let per_ngram = sampler.table_bytes() as f64 / model.n_grams_total() as f64;
            assert!(per_ngram <= SAMPLER_BYTES_PER_NGRAM, "order {order}: {per_ngram} B per n-gram");
            assert!(per_ngram > 8.0, "order {order}: {per_ngram} B per n-gram: no tables?");
            let per_ngram = model.bytes() as f64 / model.n_grams_total() as f64;
            assert!(per_ngram <= MODEL_BYTES_PER_NGRAM, "order {order}: model {per_ngram} B per n-gram");
        }
    }
}
