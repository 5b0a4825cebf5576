//! `nglab sample`: sentences drawn from an ARPA model, exactly and
//! reproducibly (same model, seed and options give the same bytes whatever
//! `--threads` is), one sentence per line; or, with `--beam`, the most
//! probable sentences that beam search finds.

use std::path::PathBuf;

use anyhow::Context;
use nglab_lm::{
    beam_search, sample_continuations, sample_corpus, Budget, Ending, Model, SampleConfig, UnkPolicy,
};
use nglab_tokenizer::{AnyTokenizer, Corpus, Tokenizer, TokenizerSpec};

use crate::io::{read_model, read_text, write_atomic};

/// Arguments of `nglab sample`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("budget").args(["sentences", "tokens"])))]
#[command(override_usage = "nglab sample --model <MODEL> --seed <SEED> (--sentences <N> | --tokens <N> | \
                            --prefix-file <F> --prefix-tokens <K>) [OPTIONS]
       nglab sample --model <MODEL> --beam <WIDTH> [--sentences <N> | --prefix-file <F> --prefix-tokens <K>] \
                            [OPTIONS]")]
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
    /// Seed of the ChaCha8 streams (one per chunk of 256 sentences); required
    /// unless --beam.
    #[arg(long, required_unless_present = "beam")]
    pub seed: Option<u64>,
    /// Temperature T > 0: p^(1/T), renormalized.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub temperature: f64,
    /// Keep the K most probable words.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Nucleus: keep the most probable words up to this mass, in (0, 1].
    #[arg(long, allow_negative_numbers = true)]
    pub top_p: Option<f64>,
    /// Keep the words with at least this share of the most probable one's, in [0, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub min_p: Option<f64>,
    /// Always take the most probable word.
    #[arg(long)]
    pub greedy: bool,
    /// Beam search instead of sampling (no randomness): the --sentences N
    /// (default 1, at most WIDTH) most probable sentences found with a beam of
    /// WIDTH, or with --prefix-file the most probable continuation of each prompt.
    /// Every word is a candidate, <unk> included.
    #[arg(
        long,
        value_name = "WIDTH",
        conflicts_with_all = ["tokens", "seed", "temperature", "top_k", "top_p", "min_p", "greedy", "unk"]
    )]
    pub beam: Option<usize>,
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
    /// `--threads N`.
    #[command(flatten)]
    pub threads: crate::cli::ThreadsArg,
    /// The tokenizer that detokenizes each line (whitespace joins tokens with
    /// spaces: the corpus format) and tokenizes the prompts [default: the model's].
    #[arg(
        long,
        value_name = "SPEC",
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("the model's, as its ARPA header names it; whitespace if it names none"),
    )]
    pub tokenizer: Option<TokenizerSpec>,
    /// Output file (`-` = standard output), written atomically.
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// Replace invalid UTF-8 in --prefix-file instead of failing.
    #[arg(long)]
    pub lossy: bool,
}

/// Runs `nglab sample`.
pub fn sample(args: &SampleArgs) -> anyhow::Result<()> {
    if let Some(width) = args.beam {
        return run_beam(args, width);
    }
    let seed = args.seed.context("give --seed S")?;
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
    let threads = args.threads.count();
    let model = read_model(&args.model, threads)?;
    let tokenizer = crate::tokenizer::for_model(&model, &args.model, args.tokenizer.as_ref())?;
    let (corpus, stats) = match (&args.prefix_file, args.prefix_tokens) {
        (Some(path), Some(k)) => {
            let text = read_text(path, args.lossy)?;
            let all = Corpus::encode_frozen(text.sentences(), &tokenizer, model.vocab())
                .with_context(|| format!("encoding prompts {}", path.display()))?;
            crate::io::refuse_markers(path, &text, &tokenizer, &all)?;
            let mut prompts = Corpus::new();
            for s in all.sentences().take(args.sentences.unwrap_or(usize::MAX)) {
                prompts.push(s);
            }
            sample_continuations(&model, &config, &prompts, k, seed, threads)?
        }
        _ => {
            let budget = match (args.sentences, args.tokens) {
                (Some(n), _) => Budget::Sentences(n),
                (None, Some(n)) => Budget::Tokens(n),
                (None, None) => anyhow::bail!("give --sentences N or --tokens N (or --prefix-file)"),
            };
            let (corpus, stats) = sample_corpus(&model, &config, budget, seed, threads)?;
            match budget {
                Budget::Tokens(n) if stats.tokens < n => anyhow::bail!(
                    "the model wrote {} sentences with only {} of the {n} tokens asked for, the rest empty: \
                     it (or the sampling settings) gives `</s>` nearly all the mass after `<s>`",
                    stats.sentences,
                    stats.tokens
                ),
                _ => {}
            }
            (corpus, stats)
        }
    };
    write_sentences(&args.out, &model, &tokenizer, &corpus)?;
    eprintln!(
        "sampled {} sentences, {} tokens (seed {}, {} threads); max-len hits {}, <unk> resampled {}, dropped {}",
        stats.sentences, stats.tokens, seed, threads, stats.max_len_hits, stats.unk_resampled, stats.unk_dropped
    );
    Ok(())
}

/// Writes each sentence of `corpus`, detokenized, on its own line of `out`.
fn write_sentences(
    out: &std::path::Path,
    model: &Model,
    tokenizer: &AnyTokenizer,
    corpus: &Corpus,
) -> anyhow::Result<()> {
    let vocab = model.vocab();
    write_atomic(out, |w| {
        let mut tokens: Vec<&str> = Vec::new();
        for (i, s) in corpus.sentences().enumerate() {
            tokens.clear();
            tokens.extend(s.iter().map(|&id| vocab.token(id)));
            let line =
                tokenizer.decode(&tokens).with_context(|| format!("cannot detokenize sentence {}", i + 1))?;
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// `nglab sample --beam WIDTH`: beam search from `<s>` or from each prompt.
fn run_beam(args: &SampleArgs, width: usize) -> anyhow::Result<()> {
    if width == 0 {
        anyhow::bail!("--beam must be >= 1, got 0");
    }
    if args.max_len == 0 {
        anyhow::bail!("--max-len must be >= 1, got 0");
    }
    let wanted = args.sentences.unwrap_or(1);
    if args.prefix_file.is_none() && wanted > width {
        anyhow::bail!("--sentences {wanted} is more than the beam keeps (--beam {width})");
    }
    if let Some(k) = args.prefix_tokens.filter(|&k| k > args.max_len) {
        anyhow::bail!("--prefix-tokens {k} is longer than max-len {}", args.max_len);
    }
    let threads = args.threads.count();
    let model = read_model(&args.model, threads)?;
    let tokenizer = crate::tokenizer::for_model(&model, &args.model, args.tokenizer.as_ref())?;
    let mut corpus = Corpus::new();
    let mut max_len_hits = 0;
    match (&args.prefix_file, args.prefix_tokens) {
        (Some(path), Some(k)) => {
            let text = read_text(path, args.lossy)?;
            let all = Corpus::encode_frozen(text.sentences(), &tokenizer, model.vocab())
                .with_context(|| format!("encoding prompts {}", path.display()))?;
            let prompts: Vec<&[nglab_tokenizer::TokenId]> = all
                .sentences()
                .take(args.sentences.unwrap_or(usize::MAX))
                .map(|s| &s[..s.len().min(k)])
                .collect();
            // Each prompt's search is independent: pieces on threads, in order.
            let per = prompts.len().div_ceil(threads.max(1)).max(1);
            let found: Vec<anyhow::Result<Vec<nglab_lm::Hypothesis>>> = std::thread::scope(|scope| {
                let handles: Vec<_> = prompts
                    .chunks(per)
                    .map(|piece| {
                        let model = &model;
                        scope.spawn(move || {
                            piece
                                .iter()
                                .map(|p| {
                                    let mut best = beam_search(model, p, width, args.max_len)?;
                                    best.truncate(1);
                                    Ok(best)
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().expect("a beam search thread panicked")).collect()
            });
            for (i, best) in found.into_iter().enumerate() {
                let best = best.with_context(|| format!("prompt {} of {}", i + 1, path.display()))?;
                for h in best {
                    max_len_hits += usize::from(h.ending == Ending::MaxLen);
                    corpus.push(&h.words);
                }
            }
        }
        _ => {
            for h in beam_search(&model, &[], width, args.max_len)?.into_iter().take(wanted) {
                max_len_hits += usize::from(h.ending == Ending::MaxLen);
                corpus.push(&h.words);
            }
        }
    }
    write_sentences(&args.out, &model, &tokenizer, &corpus)?;
    eprintln!(
        "beam search (width {width}): {} sentences, {} tokens; max-len hits {max_len_hits}",
        corpus.n_sentences(),
        corpus.n_tokens()
    );
    Ok(())
}
