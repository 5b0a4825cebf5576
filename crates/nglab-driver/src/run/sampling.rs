//! The sampling stage: the corpus a generation's model writes for the next
//! generation.

use anyhow::Context;
use nglab_lm::{sample_corpus, Budget, Model, SampleConfig, SampleStats};
use nglab_tokenizer::Corpus;

use super::config::{Cell, Experiment};

/// The sampler's settings of a cell in an experiment.
pub fn sample_config(exp: &Experiment, cell: &Cell) -> SampleConfig {
    SampleConfig {
        temperature: cell.temperature,
        top_k: cell.top_k,
        top_p: cell.top_p,
        unk: exp.unk,
        max_len: exp.max_len,
        ..SampleConfig::default()
    }
}

/// The next generation's synthetic corpus.
pub struct Next {
    /// The corpus.
    pub corpus: Corpus,
    /// The sampler's counts while writing it.
    pub stats: SampleStats,
    /// Why it is short of its budget, if it is.
    pub undefined: Vec<(String, String)>,
}

/// Samples whole sentences from `model` until `budget` words are reached
/// (the synthetic corpus of generation `g + 1`); deterministic in `seed`
/// whatever `threads`.
pub fn sample_next(
    model: &Model,
    config: &SampleConfig,
    g: usize,
    budget: usize,
    seed: u64,
    threads: usize,
) -> anyhow::Result<Next> {
    let (corpus, stats) = if budget == 0 {
        (Corpus::new(), SampleStats::default())
    } else {
        sample_corpus(model, config, Budget::Tokens(budget), seed, threads)
            .with_context(|| format!("sampling generation {}", g + 1))?
    };
    let mut undefined = Vec::new();
    if stats.tokens < budget {
        undefined.push((
            "sample".to_owned(),
            format!(
                "the model wrote {} sentences with only {} of the {budget} tokens, the rest empty: \
                 it has collapsed to `</s>`",
                stats.sentences, stats.tokens
            ),
        ));
    }
    Ok(Next { corpus, stats, undefined })
}
