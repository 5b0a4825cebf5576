//! A ground-truth world: a model whose samples are the "human" text, so the
//! distribution that text comes from is known. `nglab world` makes one in a
//! directory ([`WorldDir`]: the model, a human text, a held-out truth sample
//! and `world.json`); `nglab run --world DIR` trains its generations on the
//! human text and measures every generation's model against the world's.
//!
//! **The truth.** The world samples with `<unk>` redrawn, so its text follows
//! `P*(w | c) = p(w | c) / (1 - p(<unk> | c))` over the world's words and
//! `</s>` ([`truth_log2`]), not the model's `p` itself.
//!
//! **A generation as a distribution over the truth's words.** A generation's
//! model `q` knows the words of its own training text (or the human ones)
//! and gives the rest one share, `q(<unk> | c)`, which is not the probability
//! of any one word. For a divergence between distributions over the same
//! words, that share is split equally among the `m` world words the model
//! lacks: `q~(w | c) = q(<unk> | c) / m` for such a word, `q(w | c)` for the
//! others (and the context resets after an unknown word, as KenLM scores
//! it). `q~` sums to 1 over the world's words and `</s>` in every context,
//! so it is a distribution over sentences, and
//! `KL(P* || Q~) = E_P*[log2 P*(x) - log2 q~(x)]` per token is a proper
//! divergence: 0 only for a model equal to the truth. When the model lacks
//! no world word (`m = 0`), `<unk>`'s share is lost: `q~` is defective and
//! the divergence only larger.
//!
//! **Estimates.** Cross-entropy `-(1/T) sum log2 q~(x_i)`, entropy rate
//! `-(1/T) sum log2 P*(x_i)` and KL, their difference, are averages over the
//! `T` tokens (words and `</s>`) of the truth sample, whose sentences are
//! independent draws of the world: [`PerToken`] gives the ratio estimate
//! and its 95% interval from the spread of the sentences' sums. Every
//! generation is scored on the same truth sample, so the differences
//! between generations are paired and tighter than the intervals.

use std::path::{Path, PathBuf};

use nglab_lm::{Model, State};
use nglab_tokenizer::{TokenId, EOS, UNK};
use serde::{Deserialize, Serialize};

/// The files of a world directory.
#[derive(Debug, Clone)]
pub struct WorldDir(pub PathBuf);

impl WorldDir {
    /// The world's model, ARPA.
    pub fn model(&self) -> PathBuf {
        self.0.join("model.arpa")
    }

    /// The human text: N tokens drawn from the world.
    pub fn human(&self) -> PathBuf {
        self.0.join("human.txt")
    }

    /// The held-out truth sample, drawn from another stream.
    pub fn truth(&self) -> PathBuf {
        self.0.join("truth.txt")
    }

    /// What made the world (`world.json`), written last.
    pub fn manifest(&self) -> PathBuf {
        self.0.join("world.json")
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// `world.json`: how the world was made, and its entropy rate on the truth sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `nglab`.
    pub tool: String,
    /// nglab's version.
    pub version: String,
    /// The text the world's model was trained on.
    pub source: PathBuf,
    /// Its sha256.
    pub source_sha256: String,
    /// The model's order.
    pub order: usize,
    /// The model's smoothing.
    pub smoothing: String,
    /// The seed of the world's two sampling streams.
    pub seed: u64,
    /// Words per sampled sentence at most.
    pub max_len: usize,
    /// Tokens (words) and sentences of the human text.
    pub human: Sample,
    /// Tokens (words) and sentences of the truth sample.
    pub truth: Sample,
    /// The entropy rate of the world on the truth sample, bits per token.
    pub entropy_rate: PerToken,
    /// sha256 of `model.arpa`, `human.txt` and `truth.txt`.
    pub sha256: Files,
}

/// One text drawn from the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Words.
    pub tokens: usize,
    /// Sentences (empty ones included).
    pub sentences: usize,
    /// Empty sentences.
    pub empty_sentences: usize,
    /// `<unk>` draws redrawn.
    pub unk_redrawn: usize,
    /// Sentences cut at `max_len` (the text then departs from the truth).
    pub max_len_hits: usize,
}

/// sha256 of the world's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Files {
    /// `model.arpa`.
    pub model: String,
    /// `human.txt`.
    pub human: String,
    /// `truth.txt`.
    pub truth: String,
}

/// An average per token over independent sentences, with the half-width of
/// its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerToken {
    /// The estimate: the sum over sentences over their tokens.
    pub mean: f64,
    /// 1.96 standard errors of the ratio estimate (delta method).
    pub half_width: f64,
}

impl PerToken {
    /// The ratio `sum x_s / sum n_s` of sentences' sums `x_s` over their
    /// tokens `n_s`, and its interval from the residuals `x_s - R n_s`.
    /// `None` without tokens or with a non-finite sum.
    pub fn of(sentences: &[(f64, usize)]) -> Option<PerToken> {
        let n: usize = sentences.iter().map(|s| s.1).sum();
        let x: f64 = sentences.iter().map(|s| s.0).sum();
        if n == 0 || !x.is_finite() {
            return None;
        }
        let mean = x / n as f64;
        let k = sentences.len() as f64;
        let rss: f64 = sentences.iter().map(|&(x, n)| (x - mean * n as f64).powi(2)).sum();
        let var = if k > 1.0 { rss * k / (k - 1.0) / (n as f64).powi(2) } else { 0.0 };
        Some(PerToken { mean, half_width: 1.96 * var.sqrt() })
    }
}

/// `P*(w | state)`, the world's probability renormalized without `<unk>`
/// (as its sampler draws), and the next state.
pub fn truth_prob(world: &Model, state: State, w: TokenId) -> (f64, State) {
    let (unk, _) = world.prob(state, UNK);
    let (p, next) = world.prob(state, w);
    (p / (1.0 - unk), next)
}

/// `q~(id | state)` of a generation's model: `q(id | state)`, or for
/// `id = <unk>` (a world word the model lacks) `q(<unk> | state)` split
/// among the `missing` such words; and the next state.
pub fn generation_prob(model: &Model, state: State, id: TokenId, missing: usize) -> (f64, State) {
    let (p, next) = model.prob(state, id);
    if id == UNK && missing > 0 {
        (p / missing as f64, next)
    } else {
        (p, next)
    }
}

/// log2 P* of each token of `sentence` (world ids) and `</s>`, summed.
pub fn truth_log2(world: &Model, sentence: &[TokenId]) -> f64 {
    let mut state = world.begin_sentence();
    let mut sum = 0.0;
    for &w in sentence.iter().chain(std::iter::once(&EOS)) {
        let (p, next) = truth_prob(world, state, w);
        sum += p.log2();
        state = next;
    }
    sum
}

/// log2 q~ of `sentence` (world ids) and `</s>` under a generation's model:
/// `model_id` maps a world id to the model's id (`UNK` for a word the model
/// lacks, one of `missing`; `</s>` to `</s>`).
pub fn generation_log2(
    model: &Model,
    sentence: &[TokenId],
    model_id: impl Fn(TokenId) -> TokenId,
    missing: usize,
) -> f64 {
    let mut state = model.begin_sentence();
    let mut sum = 0.0;
    for &w in sentence.iter().chain(std::iter::once(&EOS)) {
        let (p, next) = generation_prob(model, state, model_id(w), missing);
        sum += p.log2();
        state = next;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use nglab_lm::{estimate, EstimateConfig, NgramCounts, Smoothing};
    use nglab_tokenizer::{Corpus, Vocab};

    fn model(lines: &[&str], vocab: &mut Vocab, order: usize) -> Model {
        let corpus: Corpus = lines
            .iter()
            .map(|l| l.split(' ').map(|w| vocab.get_or_insert(w)).collect::<Vec<TokenId>>())
            .collect();
        let mut counts = NgramCounts::new(order).unwrap();
        counts.add_corpus(&corpus, 1);
        let config = EstimateConfig::new(Smoothing::ModifiedKneserNey).unwrap();
        estimate(&counts, vocab, &config, 1).unwrap()
    }

    #[test]
    fn truth_and_generation_are_distributions_in_every_context() {
        // The world knows a, b, c, d; the generation only a and b.
        let mut world_vocab = Vocab::new();
        let world = model(&["a b c", "b c d", "a a d", "c b a"], &mut world_vocab, 3);
        let mut gen_vocab = Vocab::new();
        let generation = model(&["a b", "b a b"], &mut gen_vocab, 3);
        let words: Vec<TokenId> = ["a", "b", "c", "d"].iter().map(|w| world_vocab.get(w).unwrap()).collect();
        let to_gen = |w: TokenId| {
            if w == EOS {
                EOS
            } else {
                gen_vocab.get(world_vocab.token(w)).unwrap_or(UNK)
            }
        };
        // Every context reached by a prefix of up to 3 words.
        let mut prefixes: Vec<Vec<TokenId>> = vec![vec![]];
        let mut last = prefixes.clone();
        for _ in 0..3 {
            last =
                last.iter().flat_map(|p| words.iter().map(move |&w| [p.clone(), vec![w]].concat())).collect();
            prefixes.extend(last.iter().cloned());
        }
        let outcomes: Vec<TokenId> = words.iter().copied().chain([EOS]).collect();
        for prefix in &prefixes {
            let (mut ps, mut qs) = (world.begin_sentence(), generation.begin_sentence());
            for &w in prefix {
                ps = truth_prob(&world, ps, w).1;
                qs = generation_prob(&generation, qs, to_gen(w), 2).1;
            }
            let p: f64 = outcomes.iter().map(|&w| truth_prob(&world, ps, w).0).sum();
            let q: f64 = outcomes.iter().map(|&w| generation_prob(&generation, qs, to_gen(w), 2).0).sum();
            assert!((p - 1.0).abs() < 1e-6, "P* after {prefix:?} sums to {p}");
            assert!((q - 1.0).abs() < 1e-6, "q~ after {prefix:?} sums to {q}");
            // <unk>'s share split among 3 words when 2 are missing: mass is lost.
            let q3: f64 = outcomes.iter().map(|&w| generation_prob(&generation, qs, to_gen(w), 3).0).sum();
            assert!(q3 < 1.0 - 1e-3, "{q3}");
        }
        // A sentence's sum is the product of its steps.
        let (p1, s1) = truth_prob(&world, world.begin_sentence(), words[0]);
        let (p2, s2) = truth_prob(&world, s1, words[2]);
        let (p3, _) = truth_prob(&world, s2, EOS);
        assert!((truth_log2(&world, &[words[0], words[2]]) - (p1 * p2 * p3).log2()).abs() < 1e-12);
        let q = generation_log2(&generation, &[words[0], words[2]], to_gen, 2);
        let (q1, t1) = generation_prob(&generation, generation.begin_sentence(), to_gen(words[0]), 2);
        let (q2, t2) = generation_prob(&generation, t1, UNK, 2);
        let (q3, _) = generation_prob(&generation, t2, EOS, 2);
        assert!((q - (q1 * q2 * q3).log2()).abs() < 1e-12);
    }

    #[test]
    fn per_token_ratio_and_interval() {
        assert_eq!(PerToken::of(&[]), None);
        assert_eq!(PerToken::of(&[(1.0, 0)]), None);
        assert_eq!(PerToken::of(&[(f64::NEG_INFINITY, 2)]), None);
        let one = PerToken::of(&[(3.0, 2)]).unwrap();
        assert_eq!((one.mean, one.half_width), (1.5, 0.0));
        // Equal rates: no spread. Unequal: an interval around the ratio.
        assert_eq!(PerToken::of(&[(2.0, 1), (6.0, 3)]).unwrap().half_width, 0.0);
        let e = PerToken::of(&[(1.0, 1), (3.0, 1)]).unwrap();
        // Residuals -1, +1; var = 2 * 2 / 1 / 4 = 1.
        assert_eq!((e.mean, e.half_width), (2.0, 1.96));
    }
}
