//! Model-based metrics of a text: the distribution of its per-sentence
//! perplexities under a model (Shumailov et al.'s histograms), each sentence
//! scored with KenLM `query`'s conventions ([`SentenceScore`]).

use nglab_lm::{Model, SentenceScore};
use nglab_tokenizer::Corpus;

/// The per-sentence perplexities of a text: the finite ones sorted, and how
/// many sentences had probability 0 (infinite perplexity).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SentencePerplexities {
    finite: Vec<f64>,
    zero_prob: u64,
}

impl SentencePerplexities {
    /// Scores every sentence of `text` (ids in `model`'s vocabulary) under `model`.
    pub fn new(model: &Model, text: &Corpus) -> SentencePerplexities {
        SentencePerplexities::of_scores(text.sentences().map(|s| model.score_sentence(s)))
    }

    /// The perplexities of sentences already scored.
    pub fn of_scores(scores: impl IntoIterator<Item = SentenceScore>) -> SentencePerplexities {
        let mut finite = Vec::new();
        let mut zero_prob = 0;
        for score in scores {
            let p = score.perplexity();
            if p.is_finite() {
                finite.push(p);
            } else {
                zero_prob += 1;
            }
        }
        finite.sort_by(f64::total_cmp);
        SentencePerplexities { finite, zero_prob }
    }

    /// The finite perplexities, in increasing order.
    pub fn finite(&self) -> &[f64] {
        &self.finite
    }

    /// Sentences the model gives probability 0.
    pub fn zero_prob(&self) -> u64 {
        self.zero_prob
    }

    /// Mean of the finite perplexities; `None` when there is none.
    pub fn mean(&self) -> Option<f64> {
        (!self.finite.is_empty()).then(|| self.finite.iter().sum::<f64>() / self.finite.len() as f64)
    }

    /// The `q` quantile (`q` in `[0, 1]`) of the finite perplexities, by the
    /// nearest rank: the value at index `round((n - 1) q)`. `None` when there is none.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let last = self.finite.len().checked_sub(1)?;
        let at = (last as f64 * q.clamp(0.0, 1.0)).round() as usize;
        Some(self.finite[at])
    }
}

/// A histogram of per-sentence log10 perplexities: bins of width `step`
/// from 0 (a log10 perplexity below 0 counts in the first), the last bin
/// holding everything from `max` on, infinite values included.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPerplexityHistogram {
    step: f64,
    bins: Vec<u64>,
}

impl LogPerplexityHistogram {
    /// An empty histogram of `round(max / step) + 1` bins (`step > 0`, `max >= 0`).
    pub fn new(step: f64, max: f64) -> LogPerplexityHistogram {
        assert!(step > 0.0 && max >= 0.0, "step {step}, max {max}");
        LogPerplexityHistogram { step, bins: vec![0; (max / step).round() as usize + 1] }
    }

    /// Counts one scored sentence.
    pub fn add(&mut self, score: &SentenceScore) {
        let last = self.bins.len() - 1;
        let log_ppl = score.log10_perplexity();
        let bin =
            if log_ppl.is_finite() { ((log_ppl.max(0.0) / self.step) as usize).min(last) } else { last };
        self.bins[bin] += 1;
    }

    /// The bin width.
    pub fn step(&self) -> f64 {
        self.step
    }

    /// The counts, bin by bin.
    pub fn bins(&self) -> &[u64] {
        &self.bins
    }

    /// The counts, taken.
    pub fn into_bins(self) -> Vec<u64> {
        self.bins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(log10_prob: f64, tokens: u64) -> SentenceScore {
        SentenceScore { log10_prob, log10_prob_oov: 0.0, tokens, oov: 0 }
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        // Perplexities 10, 100, 1000 (log10 1, 2, 3 per token) and one of probability 0.
        let scores = [score(-6.0, 2), score(-1.0, 1), score(f64::NEG_INFINITY, 3), score(-4.0, 2)];
        let p = SentencePerplexities::of_scores(scores);
        assert_eq!(p.finite(), [10.0, 100.0, 1000.0]);
        assert_eq!(p.zero_prob(), 1);
        assert_eq!(p.mean(), Some(370.0));
        assert_eq!(
            [p.quantile(0.0), p.quantile(0.5), p.quantile(0.9), p.quantile(1.0)].map(Option::unwrap),
            [10.0, 100.0, 1000.0, 1000.0]
        );
        let none = SentencePerplexities::of_scores([]);
        assert_eq!((none.mean(), none.quantile(0.5)), (None, None));
    }

    #[test]
    fn histogram_bins() {
        let mut h = LogPerplexityHistogram::new(0.5, 2.0);
        assert_eq!(h.bins().len(), 5);
        // log10 perplexities 0.2, 0.5, 1.99, 7 (past max) and infinite (probability 0).
        for s in
            [score(-0.2, 1), score(-1.0, 2), score(-1.99, 1), score(-7.0, 1), score(f64::NEG_INFINITY, 1)]
        {
            h.add(&s);
        }
        h.add(&score(0.5, 1)); // log10 perplexity below 0: the first bin
        assert_eq!(h.bins(), [2, 1, 0, 1, 2]);
    }
}
