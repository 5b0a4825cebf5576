//! The model-measuring stage: the generation's model on the held-out human
//! text (KenLM `query`'s conventions, and over a denominator fixed across
//! generations), its size and discounts, and the generation's text under the
//! generation-0 model (its perplexity, and the histogram of the newest
//! text's per-sentence perplexities).

use nglab_lm::{Model, Perplexity};
use nglab_metrics::LogPerplexityHistogram;
use nglab_tokenizer::{Corpus, EOS, UNK};
use serde::{Deserialize, Serialize};

use super::human::Human;
use super::record::{Discounts, HIST_MAX, HIST_STEP};
use super::train::Trained;
use super::vocabulary::ModelVocab;

/// What the model stage measured (part of [`GenRecord`](super::record::GenRecord)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFacts {
    /// Held-out perplexity, OOVs included.
    pub heldout_ppl: Option<f64>,
    /// Held-out perplexity, OOVs left out.
    pub heldout_ppl_excl_oov: Option<f64>,
    /// Held-out OOV rate, against the model's vocabulary.
    pub heldout_oov_rate: Option<f64>,
    /// Held-out perplexity over the tokens in the human vocabulary.
    pub heldout_ppl_fixed: Option<f64>,
    /// Words of the model's vocabulary, `<unk>`, `<s>` and `</s>` included.
    pub model_vocab: usize,
    /// The whole training text under the generation-0 model.
    pub synthetic_ppl_gen0: Option<f64>,
    /// Per-sentence log10 perplexity under the generation-0 model of the
    /// generation's newest text (the human text at generation 0, else the
    /// synthetic corpus sampled for it), binned by [`HIST_STEP`].
    pub ppl_hist: Vec<u64>,
    /// N-grams of the model, all orders.
    pub ngrams: usize,
    /// N-grams per order.
    pub ngrams_by_order: Vec<usize>,
    /// The discounts of every order, and why.
    pub discounts: Vec<Discounts>,
}

/// The training text of a generation, as the model stage sees it.
pub struct Scored<'a> {
    /// The whole training text.
    pub text: &'a Corpus,
    /// Its newest part: the human text at generation 0, else the synthetic
    /// corpus the previous generation wrote.
    pub newest: &'a Corpus,
    /// Whether `newest` is the tail of `text` (false when the text is a
    /// sample of a pool, as under `accumulate-subsample`).
    pub newest_is_suffix: bool,
    /// Under `accumulate`: the score of the pool before `newest`, kept
    /// across generations so that only the newest text is scored.
    pub pool_score: Option<&'a mut Perplexity>,
}

/// A perplexity as a finite value, or `None` with the reason pushed.
fn ppl_value(
    name: &str,
    value: Option<f64>,
    undefined: &mut Vec<(String, String)>,
    reason: impl FnOnce() -> String,
) -> Option<f64> {
    let v = value.filter(|v| v.is_finite());
    if v.is_none() {
        undefined.push((name.to_owned(), reason()));
    }
    v
}

fn infinite_reason(p: &Perplexity) -> String {
    if p.tokens == 0 {
        "no tokens to score".to_owned()
    } else {
        "infinite: the model gives probability 0 to a token".to_owned()
    }
}

/// Perplexity of the held-out text (human ids) under a model whose
/// vocabulary may lack human words, over one denominator for every
/// generation: the held-out tokens in the human training vocabulary (and
/// `</s>`). A word the model lacks is scored as `<unk>`, as `query` scores
/// it; a word outside the human vocabulary is scored (the context moves on)
/// but not counted. Under a fixed vocabulary this is the perplexity
/// without OOVs.
fn fixed_denominator_ppl(model: &Model, vocab: &ModelVocab<'_>, heldout: &Corpus) -> Perplexity {
    let mut total = Perplexity::default();
    for sentence in heldout.sentences() {
        let mut state = model.begin_sentence();
        for &w in sentence.iter().chain(std::iter::once(&EOS)) {
            let (lp, next) = model.score(state, vocab.model_id(w));
            state = next;
            if w != UNK {
                total.log10_prob += lp;
                total.tokens += 1;
            }
        }
        total.sentences += 1;
    }
    total
}

/// Measures generation `g`'s model and the text it was trained on; also
/// returns why values are undefined.
pub fn measure(
    human: &Human,
    trained: &Trained<'_>,
    gen0: &Model,
    scored: Scored<'_>,
) -> (ModelFacts, Vec<(String, String)>) {
    let (model, vocab) = (&*trained.model, &trained.vocab);
    let mut undefined = Vec::new();
    let heldout = vocab.to_model(&human.heldout);
    let (heldout_ppl, heldout_ppl_excl_oov, heldout_oov_rate) = match model.perplexity(&heldout) {
        Ok(p) => {
            let why = || infinite_reason(&p);
            (
                ppl_value("heldout_ppl", p.perplexity(), &mut undefined, why),
                ppl_value("heldout_ppl_excl_oov", p.perplexity_excl_oov(), &mut undefined, why),
                ppl_value("heldout_oov_rate", p.oov_rate(), &mut undefined, || "no held-out tokens".into()),
            )
        }
        Err(e) => {
            for name in ["heldout_ppl", "heldout_ppl_excl_oov", "heldout_oov_rate"] {
                undefined.push((name.to_owned(), e.to_string()));
            }
            (None, None, None)
        }
    };
    let heldout_ppl_fixed = if model.is_normalized() {
        let p = fixed_denominator_ppl(model, vocab, &human.heldout);
        ppl_value("heldout_ppl_fixed", p.perplexity(), &mut undefined, || infinite_reason(&p))
    } else {
        undefined
            .push(("heldout_ppl_fixed".to_owned(), "stupid backoff scores are not probabilities".into()));
        None
    };
    let mut synthetic_ppl_gen0 = None;
    let mut ppl_hist = Vec::new();
    if gen0.is_normalized() {
        let mut hist = LogPerplexityHistogram::new(HIST_STEP, HIST_MAX);
        let total = match scored.pool_score {
            // The pool's earlier sentences were scored before: only the newest now.
            Some(pool) => {
                scored.newest.sentences().for_each(|s| {
                    let score = gen0.score_sentence(s);
                    pool.add(&score);
                    hist.add(&score);
                });
                *pool
            }
            None => {
                let n = scored.text.n_sentences();
                let first_newest =
                    if scored.newest_is_suffix { n - scored.newest.n_sentences().min(n) } else { n };
                let mut total = Perplexity::default();
                for (i, s) in scored.text.sentences().enumerate() {
                    let score = gen0.score_sentence(s);
                    total.add(&score);
                    if i >= first_newest {
                        hist.add(&score);
                    }
                }
                if !scored.newest_is_suffix {
                    scored.newest.sentences().for_each(|s| hist.add(&gen0.score_sentence(s)));
                }
                total
            }
        };
        ppl_hist = hist.into_bins();
        synthetic_ppl_gen0 =
            ppl_value("synthetic_ppl_gen0", total.perplexity(), &mut undefined, || infinite_reason(&total));
    } else {
        let why = "stupid backoff scores are not probabilities".to_owned();
        undefined.push(("synthetic_ppl_gen0".to_owned(), why.clone()));
        undefined.push(("ppl_hist".to_owned(), why));
    }
    let facts = ModelFacts {
        heldout_ppl,
        heldout_ppl_excl_oov,
        heldout_oov_rate,
        heldout_ppl_fixed,
        model_vocab: vocab.vocab().len(),
        synthetic_ppl_gen0,
        ppl_hist,
        ngrams: model.n_grams_total(),
        ngrams_by_order: (1..=model.order()).map(|n| model.n_grams(n)).collect(),
        discounts: Discounts::of(model),
    };
    (facts, undefined)
}
