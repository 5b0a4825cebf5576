//! `nglab sample`: sentences drawn from an ARPA model, exactly and
//! reproducibly (same model, seed and options give the same bytes whatever
//! `--threads` is), one sentence per line; or, with `--beam`, the most
//! probable sentences that beam search finds.

use std::path::{Path, PathBuf};

use anyhow::Context;
use nglab_lm::{
    beam_search, sample_continuations, sample_corpus, Budget, Ending, Hypothesis, Model, SampleConfig,
    SampleStats, UnkPolicy,
};
use nglab_tokenizer::{AnyTokenizer, Corpus, CorpusText, TokenId, Tokenizer, TokenizerSpec};

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
        ..SampleConfig::default()
    };
    config.validate().context("invalid sampling options")?;
    let threads = args.threads.count();
    let model = read_model(&args.model, threads)?;
    let tokenizer = crate::tokenizer::for_model(&model, &args.model, args.tokenizer.as_ref())?;
    let (corpus, stats) = match (&args.prefix_file, args.prefix_tokens) {
        (Some(path), Some(k)) => {
            let prompts = read_prompts(path, args.lossy, &model, &tokenizer, args.sentences)?;
            sample_continuations(&model, &config, &prompts, k, seed, threads)?
        }
        _ => {
            let budget = match (args.sentences, args.tokens) {
                (Some(n), _) => Budget::Sentences(n),
                (None, Some(n)) => Budget::Tokens(n),
                (None, None) => anyhow::bail!("give --sentences N or --tokens N (or --prefix-file)"),
            };
            sample_budget(&model, &config, budget, seed, threads)?
        }
    };
    write_sentences(&args.out, &model, &tokenizer, &corpus)?;
    eprintln!(
        "sampled {} sentences, {} tokens (seed {}, {} threads); max-len hits {}, <unk> resampled {}, dropped {}",
        stats.sentences, stats.tokens, seed, threads, stats.max_len_hits, stats.unk_resampled, stats.unk_dropped
    );
    Ok(())
}

/// [`sample_corpus`], refusing a token budget that the model filled only with
/// empty sentences (it gives `</s>` nearly all the mass after `<s>`).
pub fn sample_budget(
    model: &Model,
    config: &SampleConfig,
    budget: Budget,
    seed: u64,
    threads: usize,
) -> anyhow::Result<(Corpus, SampleStats)> {
    let (corpus, stats) = sample_corpus(model, config, budget, seed, threads)?;
    match budget {
        Budget::Tokens(n) if stats.tokens < n => anyhow::bail!(
            "the model wrote {} sentences with only {} of the {n} tokens asked for, the rest empty: \
             it (or the sampling settings) gives `</s>` nearly all the mass after `<s>`",
            stats.sentences,
            stats.tokens
        ),
        _ => Ok((corpus, stats)),
    }
}

/// The prompts of `--prefix-file`: the first `limit` sentences of `path` (invalid
/// UTF-8 replaced when `lossy`),
/// in the model's vocabulary.
pub fn read_prompts(
    path: &Path,
    lossy: bool,
    model: &Model,
    tokenizer: &AnyTokenizer,
    limit: Option<usize>,
) -> anyhow::Result<Corpus> {
    prompts_from(&read_text(path, lossy)?, path, model, tokenizer, limit)
}

/// The first `limit` sentences of `text` (read from `source`) as prompts,
/// in the model's vocabulary.
pub fn prompts_from(
    text: &CorpusText,
    source: &Path,
    model: &Model,
    tokenizer: &AnyTokenizer,
    limit: Option<usize>,
) -> anyhow::Result<Corpus> {
    let all = Corpus::encode_frozen(text.sentences(), tokenizer, model.vocab())
        .with_context(|| format!("encoding prompts {}", source.display()))?;
    crate::io::refuse_markers(source, text, tokenizer, &all)?;
    Ok(all.sentences().take(limit.unwrap_or(usize::MAX)).collect())
}

/// Each sentence of `corpus` as a line of text (without its line end),
/// detokenized: what `nglab sample` writes.
pub fn decode_lines<'a>(
    model: &'a Model,
    tokenizer: &'a AnyTokenizer,
    corpus: &'a Corpus,
) -> impl Iterator<Item = anyhow::Result<String>> + 'a {
    let vocab = model.vocab();
    let mut tokens: Vec<&str> = Vec::new();
    corpus.sentences().enumerate().map(move |(i, s)| {
        tokens.clear();
        tokens.extend(s.iter().map(|&id| vocab.token(id)));
        tokenizer.decode(&tokens).with_context(|| format!("cannot detokenize sentence {}", i + 1))
    })
}

/// Writes each sentence of `corpus`, detokenized, on its own line of `out`.
fn write_sentences(
    out: &std::path::Path,
    model: &Model,
    tokenizer: &AnyTokenizer,
    corpus: &Corpus,
) -> anyhow::Result<()> {
    write_atomic(out, |w| {
        for line in decode_lines(model, tokenizer, corpus) {
            w.write_all(line?.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// `nglab sample --beam WIDTH`: beam search from `<s>` or from each prompt.
fn run_beam(args: &SampleArgs, width: usize) -> anyhow::Result<()> {
    let threads = args.threads.count();
    let model = read_model(&args.model, threads)?;
    let tokenizer = crate::tokenizer::for_model(&model, &args.model, args.tokenizer.as_ref())?;
    let prompts = match (&args.prefix_file, args.prefix_tokens) {
        (Some(path), Some(k)) => {
            Some((read_prompts(path, args.lossy, &model, &tokenizer, args.sentences)?, k, path))
        }
        _ => None,
    };
    let search = BeamSearch { width, sentences: args.sentences, max_len: args.max_len, threads };
    let prompts =
        prompts.as_ref().map(|(corpus, k, path)| Prompts { corpus, prefix_tokens: *k, source: path });
    let (corpus, max_len_hits) = search.run(&model, prompts)?;
    write_sentences(&args.out, &model, &tokenizer, &corpus)?;
    eprintln!(
        "beam search (width {width}): {} sentences, {} tokens; max-len hits {max_len_hits}",
        corpus.n_sentences(),
        corpus.n_tokens()
    );
    Ok(())
}

/// Prompts to continue: the first `prefix_tokens` words of each sentence.
#[derive(Debug, Clone, Copy)]
pub struct Prompts<'a> {
    /// The prompt sentences, in the model's vocabulary.
    pub corpus: &'a Corpus,
    /// Words of each prompt to keep (all of a shorter one).
    pub prefix_tokens: usize,
    /// Where they came from, for messages.
    pub source: &'a Path,
}

/// The settings of a beam search (`nglab sample --beam`).
#[derive(Debug, Clone, Copy)]
pub struct BeamSearch {
    /// Hypotheses kept at each step, at least 1.
    pub width: usize,
    /// Without prompts: how many of the best sentences (default 1, at most `width`).
    pub sentences: Option<usize>,
    /// Maximum words per sentence, prompt included.
    pub max_len: usize,
    /// Threads over the prompts (the output does not depend on it).
    pub threads: usize,
}

impl BeamSearch {
    /// The best sentences from `<s>`, or the best continuation of the first
    /// `k` words of each prompt, and how many of them stopped at `max_len`.
    pub fn run(&self, model: &Model, prompts: Option<Prompts<'_>>) -> anyhow::Result<(Corpus, usize)> {
        let width = self.width;
        if width == 0 {
            anyhow::bail!("--beam must be >= 1, got 0");
        }
        if self.max_len == 0 {
            anyhow::bail!("--max-len must be >= 1, got 0");
        }
        let wanted = self.sentences.unwrap_or(1);
        if prompts.is_none() && wanted > width {
            anyhow::bail!("--sentences {wanted} is more than the beam keeps (--beam {width})");
        }
        if let Some(k) = prompts.map(|p| p.prefix_tokens).filter(|&k| k > self.max_len) {
            anyhow::bail!("--prefix-tokens {k} is longer than max-len {}", self.max_len);
        }
        let mut corpus = Corpus::new();
        let mut max_len_hits = 0;
        let mut keep = |h: &Hypothesis| {
            max_len_hits += usize::from(h.ending == Ending::MaxLen);
            corpus.push(&h.words);
        };
        match prompts {
            Some(Prompts { corpus: all, prefix_tokens: k, source }) => {
                let prompts: Vec<&[TokenId]> = all.sentences().map(|s| &s[..s.len().min(k)]).collect();
                // Each prompt's search is independent: pieces on threads, in
                // order; one thread searches on the calling thread.
                let search = |piece: &[&[TokenId]]| {
                    piece
                        .iter()
                        .map(|p| {
                            let mut best = beam_search(model, p, width, self.max_len)?;
                            best.truncate(1);
                            Ok(best)
                        })
                        .collect::<Vec<nglab_lm::Result<Vec<Hypothesis>>>>()
                };
                let per = prompts.len().div_ceil(self.threads.max(1)).max(1);
                let found: Vec<nglab_lm::Result<Vec<Hypothesis>>> = if self.threads <= 1 {
                    search(&prompts)
                } else {
                    std::thread::scope(|scope| {
                        let handles: Vec<_> =
                            prompts.chunks(per).map(|piece| scope.spawn(move || search(piece))).collect();
                        handles
                            .into_iter()
                            .flat_map(|h| h.join().expect("a beam search thread panicked"))
                            .collect()
                    })
                };
                for (i, best) in found.into_iter().enumerate() {
                    let best = best.with_context(|| format!("prompt {} of {}", i + 1, source.display()))?;
                    best.iter().for_each(&mut keep);
                }
            }
            None => beam_search(model, &[], width, self.max_len)?.iter().take(wanted).for_each(&mut keep),
        }
        Ok((corpus, max_len_hits))
    }
}
