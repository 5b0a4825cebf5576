//! The training stage: count a generation's text and estimate its model.
//! Generation 0's model is the shared one of its (order, smoothing); under
//! `accumulate` the pool's counts grow by the newest corpus's counts
//! instead of being recounted.

use std::borrow::Cow;
use std::time::Instant;

use anyhow::Context;
use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts};
use nglab_tokenizer::Corpus;

use super::config::Cell;
use super::gen0::Gen0;
use super::human::Human;
use super::job::Timings;

/// Counts of `corpus` at the cell's order.
pub fn count(cell: &Cell, corpus: &Corpus) -> anyhow::Result<NgramCounts> {
    let mut counts = NgramCounts::new(cell.order)?;
    counts.add_corpus(corpus);
    Ok(counts)
}

/// Generation 0: the shared model; its timings are the work done, or the
/// wait for the job that did it (`waited` seconds).
pub fn generation_0<'a>(gen0: &'a Gen0, built: bool, waited: f64, timings: &mut Timings) -> Cow<'a, Model> {
    let (count, estimate) = if built { (gen0.count_seconds, gen0.estimate_seconds) } else { (waited, 0.0) };
    timings.push("count", count);
    timings.push("estimate", estimate);
    Cow::Borrowed(&gen0.model)
}

/// Generation `g` >= 1: counts `text` (or adds `newest` to the `pool`'s
/// counts) and estimates the model, in the human vocabulary.
pub fn generation<'a>(
    cell: &Cell,
    human: &Human,
    g: usize,
    text: &Corpus,
    newest: &Corpus,
    pool: Option<&mut NgramCounts>,
    timings: &mut Timings,
) -> anyhow::Result<Cow<'a, Model>> {
    let t = Instant::now();
    let own;
    let counts = match pool {
        Some(pool) => {
            pool.merge(&count(cell, newest)?)?;
            &*pool
        }
        None => {
            own = count(cell, text)?;
            &own
        }
    };
    timings.push("count", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let model = estimate(counts, &human.vocab, &EstimateConfig::new(cell.smoothing)?)
        .with_context(|| format!("training generation {g}"))?;
    timings.push("estimate", t.elapsed().as_secs_f64());
    Ok(Cow::Owned(model))
}
