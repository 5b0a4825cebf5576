//! `nglab world`: a ground-truth world (see [`crate::world`]): a model
//! trained on a corpus, a human text of N tokens drawn from it and a
//! held-out truth sample drawn from another stream, in one directory.

use std::path::PathBuf;

use anyhow::Context;
use nglab_lm::{
    estimate, sample_corpus, Budget, EstimateConfig, Model, NgramCounts, SampleConfig, Smoothing,
};
use nglab_tokenizer::{Corpus, Vocab};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::io::write_atomic;
use crate::run::sha256_file;
use crate::world::{truth_log2, Files, Manifest, PerToken, Sample, WorldDir};

/// Arguments of `nglab world`.
#[derive(Debug, Clone, clap::Args)]
pub struct WorldArgs {
    /// The world's directory (new, or empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The text the world's model is trained on (whitespace tokens).
    #[arg(long, value_name = "FILE", default_value = crate::run::DEFAULT_TRAIN)]
    pub train: PathBuf,
    /// The world model's order.
    #[arg(long, default_value_t = 5)]
    pub order: usize,
    /// The world model's smoothing (a normalized one: mkn, kn[:D], abs[:D], wb, addk:K, laplace).
    #[arg(long, default_value = "mkn")]
    pub smoothing: String,
    /// Words of the human text: whole sentences until N words.
    #[arg(long, value_name = "N")]
    pub tokens: usize,
    /// Words of the held-out truth sample.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub truth_tokens: usize,
    /// Seed of the two sampling streams (the human text of a larger N starts
    /// with the smaller one's; the truth sample does not depend on N).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// `--threads N`.
    #[command(flatten)]
    pub threads: crate::cli::ThreadsArg,
}

/// Words per sentence at most: far above any sentence the model writes, so
/// the texts follow the model (a cut sentence is counted in `world.json`).
const MAX_LEN: usize = 4096;

/// The seed of stream `which` (1: human text, 2: truth sample) of `seed`.
fn stream_seed(seed: u64, which: u64) -> u64 {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(b"nglabwld");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(which);
    rng.next_u64()
}

/// Runs `nglab world`.
pub fn world(args: &WorldArgs) -> anyhow::Result<()> {
    let threads = args.threads.count();
    let smoothing: Smoothing = args.smoothing.parse().context("--smoothing")?;
    let config = EstimateConfig::new(smoothing)?;
    if !smoothing.is_normalized() {
        anyhow::bail!("--smoothing {smoothing}: a world needs probabilities; stupid backoff scores are not");
    }
    for (flag, n) in [("--tokens", args.tokens), ("--truth-tokens", args.truth_tokens)] {
        if n == 0 {
            anyhow::bail!("{flag} must be at least 1, got 0");
        }
    }
    let dir = WorldDir(args.out.clone());
    check_dir(&dir)?;

    if !args.train.is_file() {
        let hint =
            if args.train.starts_with("corpora/brown") { " (run scripts/fetch-corpus.sh brown)" } else { "" };
        anyhow::bail!("--train {} is not a file{hint}", args.train.display());
    }
    let mut vocab = Vocab::new();
    let source = Corpus::read_path(&args.train, &mut vocab)?;
    if source.n_tokens() == 0 {
        anyhow::bail!("{}: no tokens to train on", args.train.display());
    }
    let mut counts = NgramCounts::new(args.order).context("--order")?;
    counts.add_corpus(&source, threads);
    let model = estimate(&counts, &vocab, &config, threads)
        .with_context(|| format!("estimating the world from {}", args.train.display()))?;
    drop(counts);
    eprintln!(
        "nglab world: order {} {smoothing} model of {} ({} tokens, {} n-grams)",
        args.order,
        args.train.display(),
        source.n_tokens(),
        model.n_grams_total()
    );

    let created = !dir.path().exists();
    std::fs::create_dir_all(dir.path()).with_context(|| format!("creating {}", dir.path().display()))?;
    let written = write_world(args, &dir, &model, threads);
    if written.is_err() {
        // Nothing half-written: a world is all its files or none.
        for path in [dir.manifest(), dir.truth(), dir.human(), dir.model()] {
            let _ = std::fs::remove_file(path);
        }
        if created {
            let _ = std::fs::remove_dir(dir.path());
        }
    }
    written
}

/// Writes the world's files: the model, the two samples, then `world.json`.
fn write_world(args: &WorldArgs, dir: &WorldDir, model: &Model, threads: usize) -> anyhow::Result<()> {
    let sampler = SampleConfig { max_len: MAX_LEN, ..SampleConfig::default() };
    write_atomic(&dir.model(), |w| Ok(model.write_arpa(w, threads)?))?;
    let (_, human) =
        draw_corpus(model, &sampler, args.tokens, stream_seed(args.seed, 1), threads, &dir.human())?;
    let (truth_sample, truth) =
        draw_corpus(model, &sampler, args.truth_tokens, stream_seed(args.seed, 2), threads, &dir.truth())?;
    let scores: Vec<(f64, usize)> =
        truth_sample.sentences().map(|s| (-truth_log2(model, s), s.len() + 1)).collect();
    let entropy_rate = PerToken::of(&scores).context("the truth sample has no tokens")?;
    let manifest = Manifest {
        tool: "nglab".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        source: args.train.clone(),
        source_sha256: sha256_file(&args.train)?,
        order: args.order,
        smoothing: args.smoothing.parse::<Smoothing>()?.to_string(),
        seed: args.seed,
        max_len: MAX_LEN,
        human,
        truth,
        entropy_rate,
        sha256: Files {
            model: sha256_file(&dir.model())?,
            human: sha256_file(&dir.human())?,
            truth: sha256_file(&dir.truth())?,
        },
    };
    let json = serde_json::to_string_pretty(&manifest)? + "\n";
    write_atomic(&dir.manifest(), |w| Ok(w.write_all(json.as_bytes())?))?;
    eprintln!(
        "nglab world: {} (human text {} tokens, truth sample {} tokens; entropy rate {:.4} ± {:.4} bits per token)",
        dir.path().display(),
        manifest.human.tokens,
        manifest.truth.tokens,
        entropy_rate.mean,
        entropy_rate.half_width
    );
    Ok(())
}

/// Refuses a directory that holds files: a world is written once.
fn check_dir(dir: &WorldDir) -> anyhow::Result<()> {
    let path = dir.path();
    if path.exists() && !path.is_dir() {
        anyhow::bail!("{} exists and is not a directory", path.display());
    }
    if path.is_dir() && std::fs::read_dir(path)?.next().is_some() {
        anyhow::bail!("{} is not empty (a world is written into a new or empty directory)", path.display());
    }
    Ok(())
}

/// Samples whole sentences until `tokens` words and writes them to `path`.
fn draw_corpus(
    model: &Model,
    config: &SampleConfig,
    tokens: usize,
    seed: u64,
    threads: usize,
    path: &std::path::Path,
) -> anyhow::Result<(Corpus, Sample)> {
    let (corpus, stats) = sample_corpus(model, config, Budget::Tokens(tokens), seed, threads)?;
    let vocab = model.vocab();
    write_atomic(path, |w| {
        let mut line = String::new();
        for s in corpus.sentences() {
            line.clear();
            for (i, &id) in s.iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                line.push_str(vocab.token(id));
            }
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    })?;
    let sample = Sample {
        tokens: corpus.n_tokens(),
        sentences: corpus.n_sentences(),
        empty_sentences: corpus.sentences().filter(|s| s.is_empty()).count(),
        unk_redrawn: stats.unk_resampled,
        max_len_hits: stats.max_len_hits,
    };
    Ok((corpus, sample))
}
