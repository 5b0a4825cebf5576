//! The training text of each generation under each [`Regime`].

use nglab_tokenizer::Corpus;
use rand::Rng;

use super::config::Regime;

/// A generation's training text and how much of it is human.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingText {
    /// The text.
    pub corpus: Corpus,
    /// Its tokens that come from the human text.
    pub human_tokens: usize,
}

impl TrainingText {
    /// Share of human tokens, `None` for an empty text.
    pub fn human_share(&self) -> Option<f64> {
        let n = self.corpus.n_tokens();
        (n > 0).then(|| self.human_tokens as f64 / n as f64)
    }
}

/// Tokens of the synthetic corpus a generation under `regime` samples, for a
/// training size of `total` tokens: `(1 - F) total` under `mix:F`, else `total`.
pub fn synthetic_budget(regime: Regime, total: usize) -> usize {
    match regime {
        Regime::Mix { human_share } => ((1.0 - human_share) * total as f64).round() as usize,
        _ => total,
    }
}

/// Whole sentences drawn at random without replacement from the
/// concatenation of `parts` until at least `budget` tokens are drawn (the last
/// sentence kept whole), as `(part, sentence)` in text order. Everything when
/// the budget covers the text.
pub fn subsample<R: Rng + ?Sized>(parts: &[&Corpus], budget: usize, rng: &mut R) -> Vec<(usize, usize)> {
    let all: Vec<(usize, usize)> =
        parts.iter().enumerate().flat_map(|(p, c)| (0..c.n_sentences()).map(move |s| (p, s))).collect();
    let total: usize = parts.iter().map(|c| c.n_tokens()).sum();
    if budget >= total {
        return all;
    }
    let mut order: Vec<u32> = (0..all.len() as u32).collect();
    let mut taken = 0;
    let mut n = 0;
    while taken < budget && n < order.len() {
        let j = rng.random_range(n..order.len());
        order.swap(n, j);
        let (p, s) = all[order[n] as usize];
        taken += parts[p].sentence(s).len();
        n += 1;
    }
    let mut picked: Vec<u32> = order[..n].to_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| all[i as usize]).collect()
}

/// The sentences `picked` of `parts` as one corpus, with the tokens that came
/// from part 0 (the human text).
fn gather(parts: &[&Corpus], picked: &[(usize, usize)]) -> TrainingText {
    let mut corpus = Corpus::new();
    let mut human_tokens = 0;
    for &(p, s) in picked {
        let sentence = parts[p].sentence(s);
        if p == 0 {
            human_tokens += sentence.len();
        }
        corpus.push(sentence);
    }
    TrainingText { corpus, human_tokens }
}

/// The training text of generation `synthetic.len()` (>= 1): `synthetic`
/// holds the synthetic corpora of generations 1..=g, each sampled from the
/// model before it; `total` is the training size in tokens. `rng` draws the
/// human share of `mix` and the sample of `accumulate-subsample` and must
/// depend on the seed and generation only, so cells share their draws.
pub fn training_text<R: Rng + ?Sized>(
    regime: Regime,
    human: &Corpus,
    synthetic: &[Corpus],
    total: usize,
    rng: &mut R,
) -> TrainingText {
    let last = synthetic.last().expect("generation >= 1 has a synthetic corpus");
    match regime {
        Regime::Replace => TrainingText { corpus: last.clone(), human_tokens: 0 },
        Regime::Mix { human_share } => {
            let budget = (human_share * total as f64).round() as usize;
            let mut text = if budget == 0 {
                TrainingText { corpus: Corpus::new(), human_tokens: 0 }
            } else {
                gather(&[human], &subsample(&[human], budget, rng))
            };
            text.corpus.extend_from(last);
            text
        }
        Regime::Accumulate => {
            let mut corpus = human.clone();
            synthetic.iter().for_each(|s| corpus.extend_from(s));
            TrainingText { corpus, human_tokens: human.n_tokens() }
        }
        Regime::AccumulateSubsample => {
            let parts: Vec<&Corpus> = std::iter::once(human).chain(synthetic).collect();
            gather(&parts, &subsample(&parts, total, rng))
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// A corpus of sentences whose ids say where they come from: `base + i`.
    fn corpus(base: u32, lens: &[usize]) -> Corpus {
        let mut c = Corpus::new();
        for (i, &n) in lens.iter().enumerate() {
            c.push(&vec![base + i as u32; n]);
        }
        c
    }

    /// Builds generation `synthetic.len()`'s text and checks its size, human
    /// tokens and which sources it draws from (the hundreds of its ids).
    fn check(regime: &str, n_synthetic: usize, total: usize, expect: (usize, usize, &[u32])) {
        let human = corpus(0, &[5; 20]);
        let synthetic: Vec<Corpus> = (1..=n_synthetic).map(|g| corpus(100 * g as u32, &[5; 20])).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let text = training_text(regime.parse().unwrap(), &human, &synthetic, total, &mut rng);
        let mut sources: Vec<u32> = text.corpus.ids().iter().map(|id| id / 100).collect();
        sources.dedup();
        sources.sort_unstable();
        sources.dedup();
        assert_eq!((text.corpus.n_tokens(), text.human_tokens, &sources[..]), expect, "{regime}");
    }

    #[test]
    fn regimes() {
        check("replace", 3, 100, (100, 0, &[3]));
        // 10% of 100 human tokens: 2 sentences of 5; plus the whole last corpus.
        check("mix:0.1", 2, 100, (110, 10, &[0, 2]));
        check("mix:0", 2, 100, (100, 0, &[2]));
        check("accumulate", 3, 100, (400, 100, &[0, 1, 2, 3]));
        // 100 of the pool's 400 tokens; which ones depends on the stream (seed 7).
        check("accumulate-subsample", 3, 100, (100, 40, &[0, 1, 2, 3]));
    }

    #[test]
    fn budgets() {
        assert_eq!(synthetic_budget("replace".parse().unwrap(), 1000), 1000);
        assert_eq!(synthetic_budget("mix:0.1".parse().unwrap(), 1000), 900);
        assert_eq!(synthetic_budget("mix:1".parse().unwrap(), 1000), 0);
        assert_eq!(synthetic_budget("accumulate-subsample".parse().unwrap(), 1000), 1000);
    }

    #[test]
    fn subsample_keeps_whole_sentences_in_text_order() {
        let c = corpus(0, &[3, 4, 5, 6, 7]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let picked = subsample(&[&c], 9, &mut rng);
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
        let tokens: usize = picked.iter().map(|&(_, s)| c.sentence(s).len()).sum();
        assert!((9..9 + 7).contains(&tokens), "{tokens}");
        assert_eq!(subsample(&[&c], 25, &mut rng).len(), 5, "a budget covering the text takes it all");
    }
}
