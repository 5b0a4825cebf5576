//! Sampling a generation's synthetic corpus from a model.

use nglab_lm::{sample_corpus, Budget, Model, SampleConfig, SampleStats, UnkPolicy};
use nglab_tokenizer::Corpus;

use super::config::Cell;

/// The sampler's settings of a cell: its temperature, top-p (1 is off) and
/// top-k (0 is off); `<unk>` is redrawn, so synthetic text holds only words.
pub fn sample_config(cell: &Cell) -> SampleConfig {
    SampleConfig {
        temperature: cell.temperature,
        top_k: (cell.top_k > 0).then_some(cell.top_k),
        top_p: (cell.top_p < 1.0).then_some(cell.top_p),
        unk: UnkPolicy::Resample,
        ..SampleConfig::default()
    }
}

/// Samples whole sentences from `model` until `tokens` words are reached;
/// deterministic in `seed` whatever `threads`.
pub fn sample(
    model: &Model,
    cell: &Cell,
    tokens: usize,
    seed: u64,
    threads: usize,
) -> anyhow::Result<(Corpus, SampleStats)> {
    Ok(sample_corpus(model, &sample_config(cell), Budget::Tokens(tokens), seed, threads)?)
}
