//! `nglab train`: count a corpus and estimate a model, written as ARPA.

use std::path::PathBuf;

use anyhow::Context;
use nglab_lm::{estimate, DiscountFallback, EstimateConfig, NgramCounts, Smoothing};
use nglab_tokenizer::{Corpus, TokenizerSpec, Vocab};

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

/// Runs `nglab train`.
pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let smoothing: Smoothing = args.smoothing.parse().context("--smoothing")?;
    let fallback: DiscountFallback = args.discount_fallback.parse().context("--discount-fallback")?;
    let config = EstimateConfig::with_fallback(smoothing, fallback)?;
    let mut counts = NgramCounts::new(args.order).context("--order")?;
    let spec = &args.tokenizer;

    let text = read_text(&args.input, args.lossy)?;
    let tokenizer = crate::tokenizer::build(spec, text.sentences())?;
    let (corpus, vocab) = match &args.vocab {
        Some(path) => {
            let file =
                std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let vocab = Vocab::read_json(std::io::BufReader::new(file))
                .with_context(|| format!("reading vocabulary {}", path.display()))?;
            (Corpus::encode_frozen(text.sentences(), &tokenizer, &vocab)?, vocab)
        }
        None => {
            let mut vocab = Vocab::new();
            (Corpus::encode_growing(text.sentences(), &tokenizer, &mut vocab)?, vocab)
        }
    };
    crate::io::refuse_markers(&args.input, &text, &tokenizer, &corpus)?;
    if corpus.n_tokens() == 0 {
        anyhow::bail!("{}: no tokens to train on", args.input.display());
    }
    let threads = args.threads.count();
    counts.add_corpus(&corpus, threads);
    let model = estimate(&counts, &vocab, &config, threads)
        .with_context(|| format!("estimating from {}", args.input.display()))?;
    for d in &model.info().discounts {
        if let Some(f) = &d.fallback {
            eprintln!(
                "nglab: order {}: closed-form discounts fail ({}); discount fallback {}: D1={} D2={} D3+={}",
                d.order, f.why, f.rule, d.discounts[0], d.discounts[1], d.discounts[2]
            );
        }
    }
    if let Some(path) = &args.save_vocab {
        write_atomic(path, |w| Ok(vocab.write_json(w)?))?;
    }
    let (recorded, saved) = crate::tokenizer::save_for_model(&tokenizer, spec, &args.out)?;
    let model = model.with_tokenizer(recorded);
    let written = write_atomic(&args.out, |w| Ok(model.write_arpa(w, threads)?));
    if let (Err(_), Some(path)) = (&written, &saved) {
        // Nothing half-written: the tokenizer goes with the model it belongs to.
        let _ = std::fs::remove_file(path);
    }
    written
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
