//! The truth stage of a run with `--world DIR`: each generation's model
//! against the world's, on the world's truth sample (the run's held-out
//! text): cross-entropy and KL(truth || model) in bits per token with their
//! 95% intervals, beside the world's entropy rate. The estimator and why it
//! is a proper divergence: [`crate::world`].

use anyhow::Context;
use nglab_lm::Model;
use nglab_tokenizer::{Corpus, TokenId, Whitespace, UNK};
use serde::{Deserialize, Serialize};

use super::human::Human;
use super::train::Trained;
use crate::io::{read_model, read_text};
use crate::world::{generation_log2, truth_log2, PerToken, WorldDir};

/// The world of a run, loaded once: its model, the truth sample in its ids
/// with each sentence's log2 P*, and the map from its ids to the human ones.
pub struct Truth {
    world: Model,
    sample: Corpus,
    /// Per sentence of the sample: (sum of log2 P*, tokens with `</s>`).
    log2_truth: Vec<(f64, usize)>,
    /// World id -> human id (`UNK` for a world word the human text lacks).
    to_human: Vec<TokenId>,
    /// The world's entropy rate on the truth sample.
    entropy_rate: PerToken,
}

/// What the truth stage measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthFacts {
    /// Cross-entropy of the truth sample under the model (as a distribution
    /// over the world's words), bits per token, and its 95% half-width.
    pub cross_entropy: Option<PerToken>,
    /// KL(truth || model), bits per token, and its 95% half-width.
    pub kl: Option<PerToken>,
    /// The world's entropy rate on the truth sample, bits per token.
    pub entropy_rate: PerToken,
}

impl Truth {
    /// Loads the world of `dir` (its model and truth sample) for a run whose
    /// human text is `human`.
    pub fn load(dir: &WorldDir, human: &Human, threads: usize) -> anyhow::Result<Truth> {
        let world = read_model(&dir.model(), threads).context("reading the world's model")?;
        let text = read_text(&dir.truth(), false)?;
        let sample = Corpus::encode_frozen(text.sentences(), &Whitespace, world.vocab())?;
        if let Some(i) = sample.sentences().position(|s| s.contains(&UNK)) {
            anyhow::bail!(
                "{}:{}: a word the world's model does not know: the truth sample is not this world's",
                dir.truth().display(),
                text.line_number(i)
            );
        }
        let log2_truth: Vec<(f64, usize)> =
            sample.sentences().map(|s| (truth_log2(&world, s), s.len() + 1)).collect();
        let negated: Vec<(f64, usize)> = log2_truth.iter().map(|&(x, n)| (-x, n)).collect();
        let entropy_rate = PerToken::of(&negated).context("the truth sample has no tokens")?;
        let to_human = world.vocab().tokens().iter().map(|t| human.vocab.get(t).unwrap_or(UNK)).collect();
        Ok(Truth { world, sample, log2_truth, to_human, entropy_rate })
    }

    /// Words of the world (without `<unk>`, `<s>` and `</s>`).
    fn words(&self) -> usize {
        self.world.vocab().len() - 3
    }
}

/// Measures a generation's model against the truth; the reasons of
/// undefined values are pushed on `undefined`.
pub fn measure(truth: &Truth, trained: &Trained<'_>, undefined: &mut Vec<(String, String)>) -> TruthFacts {
    let (model, vocab) = (&*trained.model, &trained.vocab);
    let entropy_rate = truth.entropy_rate;
    if !model.is_normalized() {
        for name in ["cross_entropy_to_truth", "kl_to_truth"] {
            undefined.push((name.to_owned(), "stupid backoff scores are not probabilities".into()));
        }
        return TruthFacts { cross_entropy: None, kl: None, entropy_rate };
    }
    // Every word of the model is a world word (the human text is the world's).
    let missing = truth.words().saturating_sub(vocab.vocab().len() - 3);
    let model_id = |w: TokenId| match truth.to_human[w as usize] {
        UNK => UNK,
        h => vocab.model_id(h),
    };
    // (`</s>` is `</s>` in every vocabulary: to_human and model_id keep it.)
    let log2_model: Vec<f64> =
        truth.sample.sentences().map(|s| generation_log2(model, s, model_id, missing)).collect();
    let cross: Vec<(f64, usize)> =
        log2_model.iter().zip(&truth.log2_truth).map(|(&q, &(_, n))| (-q, n)).collect();
    let kl: Vec<(f64, usize)> =
        log2_model.iter().zip(&truth.log2_truth).map(|(&q, &(p, n))| (p - q, n)).collect();
    let cross_entropy = PerToken::of(&cross);
    let kl = PerToken::of(&kl);
    if cross_entropy.is_none() {
        let why = "infinite: the model gives probability 0 to a token of the truth sample";
        for name in ["cross_entropy_to_truth", "kl_to_truth"] {
            undefined.push((name.to_owned(), why.into()));
        }
    }
    TruthFacts { cross_entropy, kl, entropy_rate }
}
