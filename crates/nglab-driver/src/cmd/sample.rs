//! `nglab sample`: sentences drawn from an ARPA model, exactly and
//! reproducibly (same model, seed and options give the same bytes whatever
//! `--threads` is), one sentence per line.

use std::path::PathBuf;

use anyhow::Context;
use nglab_lm::{sample_continuations, sample_corpus, Budget, SampleConfig, UnkPolicy};
use nglab_tokenizer::{AnyTokenizer, Corpus, Tokenizer, TokenizerSpec};

use crate::io::{read_model, read_text, write_atomic};

/// Arguments of `nglab sample`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("budget").args(["sentences", "tokens"])))]
pub struct SampleArgs {
    /// The ARPA model.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of sentences (with --prefix-file: continue only the first N prompts).
    #[arg(long)]
    pub sentences: Option<usize>,
    /// Whole sentences until the number of words reaches N.
    #[arg(long, conflicts_with = "prefix_file")]
    pub tokens: Option<usize>,
    /// Seed of the ChaCha8 streams (one per chunk of 256 sentences).
    #[arg(long)]
    pub seed: u64,
    /// Temperature T > 0: p^(1/T), renormalized.
    #[arg(long, default_value_t = 1.0)]
    pub temperature: f64,
    /// Keep the K most probable words.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Nucleus: keep the most probable words up to this mass, in (0, 1].
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Keep the words with at least this share of the most probable one's, in [0, 1).
    #[arg(long)]
    pub min_p: Option<f64>,
    /// Always take the most probable word.
    #[arg(long)]
    pub greedy: bool,
    /// Prompts, one per line: each output line continues the first --prefix-tokens of one.
    #[arg(long, requires = "prefix_tokens")]
    pub prefix_file: Option<PathBuf>,
    /// Words of each prompt to keep (all of a shorter one).
    #[arg(long, requires = "prefix_file")]
    pub prefix_tokens: Option<usize>,
    /// What generated text does with <unk>: resample, keep or drop.
    #[arg(long, default_value = "resample")]
    pub unk: String,
    /// Maximum words per sentence (prefix included).
    #[arg(long, default_value_t = 256)]
    pub max_len: usize,
    /// Threads (the output does not depend on it); 0 = all cores.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Tokenizer the model's tokens came from, used to detokenize each line
    /// (whitespace joins tokens with spaces: the corpus format).
    #[arg(long, default_value = "whitespace")]
    pub tokenizer: String,
    /// Output file (`-` = standard output), written atomically.
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
}

/// Runs `nglab sample`.
pub fn run(args: &SampleArgs) -> anyhow::Result<()> {
    let unk: UnkPolicy = args.unk.parse().context("--unk")?;
    let config = SampleConfig {
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        min_p: args.min_p,
        greedy: args.greedy,
        unk,
        max_len: args.max_len,
    };
    config.validate().context("invalid sampling options")?;
    let spec: TokenizerSpec = args.tokenizer.parse().context("--tokenizer")?;
    if let TokenizerSpec::Bpe { .. } = spec {
        anyhow::bail!(
            "cannot detokenize with {spec}: use bpe-file:PATH with the model saved by --save-tokenizer"
        );
    }
    let tokenizer = AnyTokenizer::build(&spec, std::iter::empty(), |p| std::fs::read_to_string(p))?;
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let model = read_model(&args.model)?;
    let (corpus, stats) = match (&args.prefix_file, args.prefix_tokens) {
        (Some(path), Some(k)) => {
            let text = read_text(path, false)?;
            let all = Corpus::encode_frozen(text.sentences(), &tokenizer, model.vocab())
                .with_context(|| format!("encoding prompts {}", path.display()))?;
            let mut prompts = Corpus::new();
            for s in all.sentences().take(args.sentences.unwrap_or(usize::MAX)) {
                prompts.push(s);
            }
            sample_continuations(&model, &config, &prompts, k, args.seed, threads)?
        }
        _ => {
            let budget = match (args.sentences, args.tokens) {
                (Some(n), _) => Budget::Sentences(n),
                (None, Some(n)) => Budget::Tokens(n),
                (None, None) => anyhow::bail!("give --sentences N or --tokens N (or --prefix-file)"),
            };
            sample_corpus(&model, &config, budget, args.seed, threads)?
        }
    };
    let vocab = model.vocab();
    write_atomic(&args.out, |w| {
        let mut tokens: Vec<&str> = Vec::new();
        for (i, s) in corpus.sentences().enumerate() {
            tokens.clear();
            tokens.extend(s.iter().map(|&id| vocab.token(id)));
            let line = tokenizer
                .decode(&tokens)
                .with_context(|| format!("cannot detokenize sampled sentence {}", i + 1))?;
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    eprintln!(
        "sampled {} sentences, {} tokens (seed {}, {} threads); max-len hits {}, <unk> resampled {}, dropped {}",
        stats.sentences, stats.tokens, args.seed, threads, stats.max_len_hits, stats.unk_resampled, stats.unk_dropped
    );
    Ok(())
}
