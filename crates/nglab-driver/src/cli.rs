//! Command-line arguments, as clap parses them (raw, not yet validated).

use clap::{Parser, Subcommand};

/// nglab: an n-gram language-model collapse lab.
#[derive(Debug, Parser)]
#[command(name = "nglab", version, about)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count a corpus and estimate an n-gram model, written as ARPA.
    Train(crate::cmd::train::TrainArgs),
    /// Perplexity of a text under an ARPA model (KenLM query's conventions).
    Ppl(crate::cmd::ppl::PplArgs),
    /// Sentences drawn exactly and reproducibly from an ARPA model, one per line.
    Sample(crate::cmd::sample::SampleArgs),
    /// Metrics of a text: diversity, distribution, tails, repetition.
    Metrics(crate::cmd::metrics::MetricsArgs),
    /// Turn raw text into the corpus format: one tokenized sentence per line.
    Tokenize(crate::cmd::tokenize::TokenizeArgs),
    /// Turn tokenized lines back into text (the inverse of `tokenize`).
    Detokenize(crate::cmd::tokenize::DetokenizeArgs),
    /// A ground-truth world: a model whose samples are the human text, with a held-out truth sample.
    World(crate::cmd::world::WorldArgs),
    /// Fetch and verify a corpus into corpora/ (`nglab corpus brown`).
    Corpus(crate::cmd::corpus::CorpusArgs),
    /// The collapse experiment: generations of models trained on their
    /// predecessors' samples, under regimes, over a grid and seeds.
    Run(Box<crate::run::Settings>),
    /// `nglab run` as tasks for a scheduler (a Slurm job array, xargs, GNU
    /// parallel), merged into the same outputs.
    #[command(subcommand)]
    Sweep(crate::sweep::SweepCommand),
}

/// `--threads N` of the subcommands that count, estimate, read or write ARPA,
/// or sample: every parallel stage runs on at most N threads; the output
/// never depends on it.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ThreadsArg {
    /// Threads (the output does not depend on it); 0 = all cores.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

impl ThreadsArg {
    /// The number of threads: N, or the machine's cores for 0.
    pub fn count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}
