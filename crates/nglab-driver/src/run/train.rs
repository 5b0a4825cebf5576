//! The training stage: count a generation's text and estimate its model,
//! over the vocabulary the cell's convention gives it. Generation 0's model
//! is the shared one of its (order, smoothing); under `accumulate` the
//! pool's counts grow by the newest corpus's counts instead of being
//! recounted.

use std::borrow::Cow;
use std::time::Instant;

use anyhow::Context;
use nglab_lm::{estimate, estimate_owned, EstimateConfig, Model, NgramCounts};
use nglab_tokenizer::Corpus;

use super::config::Cell;
use super::gen0::Gen0;
use super::human::Human;
use super::job::Timings;
use super::vocabulary::ModelVocab;

/// A generation's model and its vocabulary.
pub struct Trained<'a> {
    /// The model, in the ids of `vocab`.
    pub model: Cow<'a, Model>,
    /// Its vocabulary.
    pub vocab: ModelVocab<'a>,
}

/// The counts a generation's model is estimated from.
enum Counts<'p> {
    /// The `accumulate` pool's, kept for the next generation.
    Pool(&'p NgramCounts),
    /// The training text's own, used up by the estimate.
    Own(NgramCounts),
}

/// Counts of `corpus` at the cell's order, on `threads` threads.
pub fn count(cell: &Cell, corpus: &Corpus, threads: usize) -> anyhow::Result<NgramCounts> {
    let mut counts = NgramCounts::new(cell.order)?;
    counts.add_corpus(corpus, threads);
    Ok(counts)
}

/// Generation 0: the shared model; its timings are the work done, or the
/// wait for the job that did it (`waited` seconds).
/// Its vocabulary is the human one under every convention: the human text
/// holds every human word, in the human order.
pub fn generation_0<'a>(
    human: &'a Human,
    gen0: &'a Gen0,
    built: bool,
    waited: f64,
    timings: &mut Timings,
) -> Trained<'a> {
    let (count, estimate) = if built { (gen0.count_seconds, gen0.estimate_seconds) } else { (waited, 0.0) };
    timings.push("count", count);
    timings.push("estimate", estimate);
    Trained { model: Cow::Borrowed(&gen0.model), vocab: ModelVocab::Human(&human.vocab) }
}

/// Generation `g` >= 1: counts `text` (or adds `newest` to the `pool`'s
/// counts, which are in human ids) and estimates the model over the
/// vocabulary of the cell's convention, on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn generation<'a>(
    cell: &Cell,
    human: &'a Human,
    g: usize,
    text: &Corpus,
    newest: &Corpus,
    pool: Option<&mut NgramCounts>,
    threads: usize,
    timings: &mut Timings,
) -> anyhow::Result<Trained<'a>> {
    let t = Instant::now();
    let vocab = ModelVocab::new(cell.vocabulary, &human.vocab, text);
    // The pool's counts stay whole for later generations; any other counts
    // become the model's structure (estimated out of them, not copied).
    let counts = match (pool, &vocab) {
        (Some(pool), ModelVocab::Human(_)) => {
            pool.merge(&count(cell, newest, threads)?)?;
            Counts::Pool(pool)
        }
        (pool, _) => {
            if let Some(pool) = pool {
                pool.merge(&count(cell, newest, threads)?)?;
            }
            Counts::Own(count(cell, &vocab.to_model(text), threads)?)
        }
    };
    timings.push("count", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let config = EstimateConfig::with_fallback(cell.smoothing, cell.discount_fallback)?;
    let model = match counts {
        Counts::Pool(pool) => estimate(pool, vocab.vocab(), &config, threads),
        Counts::Own(own) => estimate_owned(own, vocab.vocab(), &config, threads),
    }
    .with_context(|| format!("training generation {g}"))?;
    timings.push("estimate", t.elapsed().as_secs_f64());
    Ok(Trained { model: Cow::Owned(model), vocab })
}
