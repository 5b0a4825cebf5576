//! The text-measuring stage: the metrics of the generation's training text
//! against the human text, its rank-frequency curve, and a few sentences
//! of its newest part to show.

use anyhow::Context;
use nglab_metrics::{unigram_counts, MetricsReport, TextCounts, TextMetrics};
use nglab_tokenizer::Corpus;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::human::Human;

/// Sample sentences kept per generation.
const SAMPLES: usize = 3;

/// What the text stage measured (part of [`GenRecord`](super::record::GenRecord)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextFacts {
    /// The metrics of the whole training text against the human training
    /// text (the lexical ones on samples of the human training size).
    pub metrics: MetricsReport,
    /// The same metrics of the generation's newest text alone (the synthetic
    /// corpus the previous generation wrote); `None` when that is the whole
    /// training text (generation 0, `replace`).
    pub new_metrics: Option<MetricsReport>,
    /// (rank, frequency) of the training text's words at log-spaced ranks.
    pub rank_freq: Vec<(u64, u64)>,
    /// The first sentences of the newest text, spelt.
    pub samples: Vec<String>,
}

/// Log-spaced ranks 1..=n: every rank up to 10, then about 20 per decade.
fn log_ranks(n: usize) -> Vec<usize> {
    let mut ranks = Vec::new();
    let mut r = 1.0f64;
    while (r as usize) <= n {
        let k = r as usize;
        if ranks.last() != Some(&k) {
            ranks.push(k);
        }
        r = if r < 10.0 { r + 1.0 } else { r * 10f64.powf(0.05) };
    }
    if n > 0 && ranks.last() != Some(&n) {
        ranks.push(n);
    }
    ranks
}

/// Measures generation `g`'s training `text`, and its newest part `newest`
/// alone when `newest_is_text` is false; `rng` and `new_rng` draw the
/// lexical metrics' samples of each.
///
/// `pool` is the `accumulate` pool's n-gram counts: `None` before they are
/// first needed, then the counts of the training text so far, which is the
/// text before this generation with `newest` appended. The newest text's
/// counts are appended to them instead of counting the whole pool again.
#[allow(clippy::too_many_arguments)]
pub fn measure<R: Rng + Send + ?Sized>(
    metrics: &TextMetrics,
    human: &Human,
    g: usize,
    text: &Corpus,
    newest: &Corpus,
    newest_is_text: bool,
    pool: Option<&mut Option<TextCounts>>,
    rng: &mut R,
    new_rng: &mut R,
) -> anyhow::Result<TextFacts> {
    let compute = |text: &Corpus, counts: &TextCounts, rng: &mut R| {
        metrics
            .compute_counted(text, counts, &human.vocab, Some(&human.reference), None, rng)
            .with_context(|| format!("metrics of generation {g}"))
    };
    let (new_metrics, new_counts) = if newest_is_text {
        (None, None)
    } else {
        let counts = TextCounts::new(newest);
        (Some(compute(newest, &counts, new_rng)?), Some(counts))
    };
    let metrics = match pool {
        Some(pool) => {
            let counts = match (pool.take(), new_counts) {
                // The pool so far plus the newest text, unless this is a
                // fresh start (generation 0, a resume): then count it all.
                (Some(mut counts), Some(new)) if counts.n_tokens() + new.n_tokens() == text.n_tokens() => {
                    counts.append(new);
                    counts
                }
                _ => TextCounts::new(text),
            };
            let metrics = compute(text, &counts, rng)?;
            *pool = Some(counts);
            metrics
        }
        None => compute(text, &TextCounts::new(text), rng)?,
    };
    let mut freqs: Vec<u64> = unigram_counts(text).into_iter().filter(|&c| c > 0).collect();
    freqs.sort_unstable_by(|a, b| b.cmp(a));
    let rank_freq = log_ranks(freqs.len()).into_iter().map(|r| (r as u64, freqs[r - 1])).collect();
    let samples = newest.sentences().take(SAMPLES).map(|s| human.spell(s)).collect();
    Ok(TextFacts { metrics, new_metrics, rank_freq, samples })
}
