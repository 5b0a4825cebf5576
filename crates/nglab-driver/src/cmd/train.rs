//! `nglab train`: count a corpus and estimate a model, written as ARPA.

use std::path::{Path, PathBuf};

use anyhow::Context;
use nglab_lm::{estimate_owned, DiscountFallback, EstimateConfig, Model, NgramCounts, Smoothing};
use nglab_tokenizer::{AnyTokenizer, Corpus, CorpusText, TokenizerSpec, Vocab};

use crate::io::{read_text, write_atomic};

/// Arguments of `nglab train`.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// The training text: one sentence per line.
    #[arg(long)]
    pub input: PathBuf,
    /// The tokenizer; the model records it (a BPE is saved beside the model
    /// as MODEL.tokenizer.json).
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "whitespace",
        hide_default_value = true,
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("whitespace; the model records it, a BPE beside the model as MODEL.tokenizer.json"),
    )]
    pub tokenizer: TokenizerSpec,
    /// The order N of the model.
    #[arg(long, default_value_t = 3, value_parser = parse_order)]
    pub order: usize,
    /// Smoothing: mkn, kn[:D], abs[:D], wb, addk:K, laplace, mle, stupid[:ALPHA].
    #[arg(long, default_value = "mkn")]
    pub smoothing: String,
    /// A fixed vocabulary (JSON array of tokens, as `--save-vocab` writes):
    /// training words outside it become `<unk>`, and every word in it gets a
    /// unigram, so models of different texts share one vocabulary.
    #[arg(long)]
    pub vocab: Option<PathBuf>,
    /// Also write the vocabulary used, as JSON.
    #[arg(long)]
    pub save_vocab: Option<PathBuf>,
    /// What an order whose closed-form discounts fail uses: `kenlm` (all
    /// three become 0.5, 1, 1.5, as `lmplz --discount_fallback`), `clamp`
    /// (only a failing discount moves, to the nearest valid value), or three
    /// numbers D1,D2,D3 (KenLM's rule with these constants).
    #[arg(long, default_value = "kenlm")]
    pub discount_fallback: String,
    /// Replace invalid UTF-8 instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Where to write the ARPA model (`-` for standard output).
    #[arg(long)]
    pub out: PathBuf,
    /// `--threads N`.
    #[command(flatten)]
    pub threads: crate::cli::ThreadsArg,
}

/// What [`train_text`] needs besides the text and the tokenizer, validated.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// The order, in `1..=MAX_ORDER`.
    pub order: usize,
    /// The smoothing and its discount fallback.
    pub estimate: EstimateConfig,
    /// A fixed vocabulary: words outside it become `<unk>`; `None` grows one from the text.
    pub vocab: Option<Vocab>,
    /// Threads for counting and estimating (the model does not depend on it).
    pub threads: usize,
}

impl TrainSettings {
    /// The settings as the flags spell them, checked before any text is
    /// read; errors name the flag, as the command line reports them.
    pub fn parse(order: usize, smoothing: &str, fallback: &str, threads: usize) -> anyhow::Result<Self> {
        let smoothing: Smoothing = smoothing.parse().context("--smoothing")?;
        let fallback: DiscountFallback = fallback.parse().context("--discount-fallback")?;
        let estimate = EstimateConfig::with_fallback(smoothing, fallback)?;
        NgramCounts::new(order).context("--order")?;
        Ok(TrainSettings { order, estimate, vocab: None, threads })
    }
}

/// Tokenizes `text` (read from `source`, which names it in messages),
/// counts and estimates: the work of `nglab train` before anything is written.
pub fn train_text(
    text: &CorpusText,
    source: &Path,
    tokenizer: &AnyTokenizer,
    settings: &TrainSettings,
) -> anyhow::Result<Model> {
    let (corpus, vocab) = match &settings.vocab {
        Some(vocab) => (Corpus::encode_frozen(text.sentences(), tokenizer, vocab)?, vocab.clone()),
        None => {
            let mut vocab = Vocab::new();
            (Corpus::encode_growing(text.sentences(), tokenizer, &mut vocab)?, vocab)
        }
    };
    crate::io::refuse_markers(source, text, tokenizer, &corpus)?;
    if corpus.n_tokens() == 0 {
        anyhow::bail!("{}: no tokens to train on", source.display());
    }
    let mut counts = NgramCounts::new(settings.order)?;
    counts.add_corpus(&corpus, settings.threads);
    // Only the counts are needed from here on: the model is built out of them.
    drop(corpus);
    estimate_owned(counts, &vocab, &settings.estimate, settings.threads)
        .with_context(|| format!("estimating from {}", source.display()))
}

/// One line per order whose closed-form discounts failed, saying which were used instead.
pub fn fallback_warnings(model: &Model) -> Vec<String> {
    let mut lines = Vec::new();
    for d in &model.info().discounts {
        if let Some(f) = &d.fallback {
            lines.push(format!(
                "order {}: closed-form discounts fail ({}); discount fallback {}: D1={} D2={} D3+={}",
                d.order, f.why, f.rule, d.discounts[0], d.discounts[1], d.discounts[2]
            ));
        }
    }
    lines
}

/// Runs `nglab train`.
pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let threads = args.threads.count();
    let mut settings = TrainSettings::parse(args.order, &args.smoothing, &args.discount_fallback, threads)?;
    let spec = &args.tokenizer;
    let text = read_text(&args.input, args.lossy)?;
    let tokenizer = crate::tokenizer::build(spec, text.sentences())?;
    settings.vocab = args.vocab.as_deref().map(read_vocab).transpose()?;
    let model = train_text(&text, &args.input, &tokenizer, &settings)?;
    drop(text);
    for line in fallback_warnings(&model) {
        eprintln!("nglab: {line}");
    }
    if let Some(path) = &args.save_vocab {
        write_atomic(path, |w| Ok(model.vocab().write_json(w)?))?;
    }
    write_model(model, &tokenizer, spec, &args.out, threads)
}

/// Writes `model` as ARPA to `out`, recording its tokenizer (a BPE is saved
/// beside it as MODEL.tokenizer.json, and removed again if the model cannot
/// be written), on `threads` threads.
pub fn write_model(
    model: Model,
    tokenizer: &AnyTokenizer,
    spec: &TokenizerSpec,
    out: &Path,
    threads: usize,
) -> anyhow::Result<()> {
    let (recorded, saved) = crate::tokenizer::save_for_model(tokenizer, spec, out)?;
    let model = model.with_tokenizer(recorded);
    let written = write_atomic(out, |w| Ok(model.write_arpa_owned(w, threads)?));
    if let (Err(_), Some(path)) = (&written, &saved) {
        // Nothing half-written: the tokenizer goes with the model it belongs to.
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Reads a vocabulary file (a JSON array of tokens, as `--save-vocab` writes).
pub fn read_vocab(path: &Path) -> anyhow::Result<Vocab> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Vocab::read_json(std::io::BufReader::new(file))
        .with_context(|| format!("reading vocabulary {}", path.display()))
}

/// An order as a number of any sign, so that a negative one is named by the
/// same range check as 0 (`NgramCounts::new`) rather than as a parse error.
fn parse_order(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n as usize),
        Ok(n) => Err(format!("order must be in 1..={}, got {n}", nglab_lm::MAX_ORDER)),
        Err(_) => Err(format!("order must be a whole number, got '{s}'")),
    }
}
