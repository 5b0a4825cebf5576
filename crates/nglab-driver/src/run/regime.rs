//! The regimes: how each generation's training text is made from the
//! human text and the synthetic corpora so far.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use anyhow::bail;
use nglab_tokenizer::Corpus;
use rand::Rng;

/// How the training text of generation g+1 is made from generation g's
/// samples and the human text. See the module docs of [`crate::run`](mod@crate::run).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regime {
    /// Only the last generation's samples.
    Replace,
    /// A fresh random share `human_share` of human tokens plus synthetic
    /// tokens, same total.
    Mix {
        /// The share of human tokens, in `[0, 1]`.
        human_share: f64,
    },
    /// The human text plus every synthetic corpus so far.
    Accumulate,
    /// A fixed-size random sample of the accumulated pool.
    AccumulateSubsample,
}

impl FromStr for Regime {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Regime> {
        Ok(match s {
            "replace" => Regime::Replace,
            "accumulate" => Regime::Accumulate,
            "accumulate-subsample" => Regime::AccumulateSubsample,
            "mix" => bail!("regime 'mix' needs the human share: mix:F with F in [0, 1]"),
            _ => {
                match s.strip_prefix("mix:") {
                    Some(f) => {
                        let human_share: f64 =
                            f.parse().map_err(|_| anyhow::anyhow!("regime '{s}': '{f}' is not a number"))?;
                        if !(0.0..=1.0).contains(&human_share) {
                            bail!("regime '{s}': the human share must be in [0, 1], got {f}");
                        }
                        Regime::Mix { human_share }
                    }
                    None => bail!(
                    "unknown regime '{s}'{} (expected replace, mix:F, accumulate or accumulate-subsample)",
                    nglab_tokenizer::did_you_mean(s, ["replace", "mix", "accumulate", "accumulate-subsample"])
                ),
                }
            }
        })
    }
}

impl Regime {
    /// Whether later generations draw on every synthetic corpus so far.
    pub fn keeps_every_corpus(self) -> bool {
        matches!(self, Regime::Accumulate | Regime::AccumulateSubsample)
    }

    /// Whether every synthetic corpus is kept apart (`accumulate-subsample`
    /// draws sentences from each); `accumulate` keeps them only in its pool.
    pub fn keeps_corpora_apart(self) -> bool {
        self == Regime::AccumulateSubsample
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Regime::Replace => f.write_str("replace"),
            Regime::Mix { human_share } => write!(f, "mix:{human_share}"),
            Regime::Accumulate => f.write_str("accumulate"),
            Regime::AccumulateSubsample => f.write_str("accumulate-subsample"),
        }
    }
}

/// A generation's training text and how much of it is human.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingText<'a> {
    /// The text: the corpus it is, when it is one already (generation 0's
    /// human text, `replace`'s last corpus), not a copy of it.
    pub corpus: Cow<'a, Corpus>,
    /// Its tokens that come from the human text.
    pub human_tokens: usize,
}

impl TrainingText<'_> {
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
fn gather(parts: &[&Corpus], picked: &[(usize, usize)]) -> TrainingText<'static> {
    let mut corpus = Corpus::new();
    let mut human_tokens = 0;
    for &(p, s) in picked {
        let sentence = parts[p].sentence(s);
        if p == 0 {
            human_tokens += sentence.len();
        }
        corpus.push(sentence);
    }
    TrainingText { corpus: Cow::Owned(corpus), human_tokens }
}

/// The training text of generation `synthetic.len()` (>= 1): `synthetic`
/// holds the synthetic corpora of generations 1..=g, each sampled from the
/// model before it (under `accumulate` only the last is needed: `pool` is the
/// human text followed by all of them, which the job grows corpus by corpus
/// instead of copying the pool every generation); `total` is the training
/// size in tokens. `rng` draws the human share of `mix` and the sample of
/// `accumulate-subsample` and must depend on the seed and generation only,
/// so cells share their draws.
pub fn training_text<'a, R: Rng + ?Sized>(
    regime: Regime,
    human: &'a Corpus,
    synthetic: &'a [Corpus],
    pool: Option<&'a Corpus>,
    total: usize,
    rng: &mut R,
) -> TrainingText<'a> {
    let last = synthetic.last().expect("generation >= 1 has a synthetic corpus");
    match regime {
        Regime::Replace => TrainingText { corpus: Cow::Borrowed(last), human_tokens: 0 },
        Regime::Mix { human_share } => {
            let budget = (human_share * total as f64).round() as usize;
            let mut text = if budget == 0 {
                TrainingText { corpus: Cow::Owned(Corpus::new()), human_tokens: 0 }
            } else {
                gather(&[human], &subsample(&[human], budget, rng))
            };
            text.corpus.to_mut().extend_from(last);
            text
        }
        Regime::Accumulate => {
            let pool = pool.expect("accumulate's pool");
            TrainingText { corpus: Cow::Borrowed(pool), human_tokens: human.n_tokens() }
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
        lens.iter().enumerate().map(|(i, &n)| vec![base + i as u32; n]).collect()
    }

    /// Builds generation `synthetic.len()`'s text and checks its size, human
    /// tokens and which sources it draws from (the hundreds of its ids).
    fn check(regime: &str, n_synthetic: usize, total: usize, expect: (usize, usize, &[u32])) {
        let human = corpus(0, &[5; 20]);
        let synthetic: Vec<Corpus> = (1..=n_synthetic).map(|g| corpus(100 * g as u32, &[5; 20])).collect();
        let mut pool = human.clone();
        synthetic.iter().for_each(|s| pool.extend_from(s));
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let text = training_text(regime.parse().unwrap(), &human, &synthetic, Some(&pool), total, &mut rng);
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

    fn check_regime(input: &str, expect: Result<Regime, &str>) {
        match (input.parse::<Regime>(), expect) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, want, "{input}");
                assert_eq!(got.to_string().parse::<Regime>().unwrap(), got, "{input} round trip");
            }
            (Err(e), Err(want)) => assert_eq!(format!("{e:#}"), want, "{input}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parses_regimes() {
        check_regime("replace", Ok(Regime::Replace));
        check_regime("accumulate", Ok(Regime::Accumulate));
        check_regime("accumulate-subsample", Ok(Regime::AccumulateSubsample));
        check_regime("mix:0.1", Ok(Regime::Mix { human_share: 0.1 }));
        check_regime("mix:0", Ok(Regime::Mix { human_share: 0.0 }));
        check_regime("mix:1", Ok(Regime::Mix { human_share: 1.0 }));
        check_regime("mix:1.5", Err("regime 'mix:1.5': the human share must be in [0, 1], got 1.5"));
        check_regime("mix:-0.1", Err("regime 'mix:-0.1': the human share must be in [0, 1], got -0.1"));
        check_regime("mix:NaN", Err("regime 'mix:NaN': the human share must be in [0, 1], got NaN"));
        check_regime("mix:x", Err("regime 'mix:x': 'x' is not a number"));
        check_regime("mix", Err("regime 'mix' needs the human share: mix:F with F in [0, 1]"));
        check_regime(
            "keep",
            Err("unknown regime 'keep' (expected replace, mix:F, accumulate or accumulate-subsample)"),
        );
        check_regime(
            "acumulate",
            Err("unknown regime 'acumulate' (did you mean \"accumulate\"?) (expected replace, mix:F, accumulate \
                 or accumulate-subsample)"),
        );
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
