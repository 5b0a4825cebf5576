//! `nglab metrics`: the metrics of one text, optionally against a reference
//! and a held-out text, as a table or as JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::builder::TypedValueParser;
use nglab_lm::Model;
use nglab_metrics::{
    MetricsConfig, MetricsReport, Reference, SentenceOrder, SentencePerplexities, TextMetrics,
};
use nglab_tokenizer::{AnyTokenizer, Corpus, CorpusText, TokenizerSpec, Vocab};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Arguments of `nglab metrics`.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// The text: one sentence per line, tokenized by --tokenizer.
    #[arg(long)]
    pub input: PathBuf,
    /// The reference text (the human training text) for divergences, survival and novelty.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// A held-out human text whose n-gram types the input should cover (recall).
    #[arg(long)]
    pub heldout: Option<PathBuf>,
    /// Token budget of the lexical metrics' sample [default: the smaller of input and reference].
    #[arg(long)]
    pub sample_tokens: Option<usize>,
    /// Random draws of the sample (one when the sample is the whole input in text order).
    #[arg(long, default_value_t = MetricsConfig::default().draws)]
    pub draws: usize,
    /// The order of each draw's sentences for MATTR and MTLD: shuffled (as
    /// drawn: order-free, the mean over random orders) or text (put back in the
    /// input's order; the whole input is then one draw, the input itself).
    #[arg(
        long,
        default_value = MetricsConfig::default().sentence_order.name(),
        value_parser = clap::builder::PossibleValuesParser::new(["shuffled", "text"])
            .map(|s| if s == "text" { SentenceOrder::Text } else { SentenceOrder::Shuffled }),
    )]
    pub sentence_order: SentenceOrder,
    /// MATTR window, in tokens.
    #[arg(long, default_value_t = MetricsConfig::default().mattr_window)]
    pub mattr_window: usize,
    /// Seed of the sample draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// An ARPA model: adds the input's perplexity under it (KenLM query's
    /// conventions) and the distribution of its per-sentence perplexities.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The tokenizer of every text [default: the model's with --model, else whitespace].
    #[arg(
        long,
        value_name = "SPEC",
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("with --model the model's, as its ARPA header names it; else whitespace"),
    )]
    pub tokenizer: Option<TokenizerSpec>,
    /// Replace invalid UTF-8 instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// `--threads N`.
    #[command(flatten)]
    pub threads: crate::cli::ThreadsArg,
}

/// Model-based metrics of the input (`--model`). Undefined values are null.
#[derive(Debug, Serialize)]
pub struct ModelMetrics {
    /// The input's perplexity (KenLM query's conventions: `</s>` counted, OOVs scored).
    pub perplexity: Option<f64>,
    /// The same without OOV tokens.
    pub perplexity_excl_oov: Option<f64>,
    /// Share of tokens that are OOV.
    pub oov_rate: Option<f64>,
    /// Scored tokens, `</s>` included.
    pub tokens: u64,
    /// OOV tokens.
    pub oov: u64,
    /// Sentences.
    pub sentences: u64,
    /// Per-sentence perplexity (`</s>` counted): mean and quantiles over the
    /// sentences with a finite value, for Shumailov et al.'s histograms.
    pub sentence_ppl_mean: Option<f64>,
    /// 10th percentile of the per-sentence perplexities.
    pub sentence_ppl_p10: Option<f64>,
    /// Median of the per-sentence perplexities.
    pub sentence_ppl_median: Option<f64>,
    /// 90th percentile of the per-sentence perplexities.
    pub sentence_ppl_p90: Option<f64>,
    /// Sentences the model gives probability 0 (infinite perplexity).
    pub sentences_zero_prob: u64,
}

/// `text` is the input already read, encoded again into the model's vocabulary.
fn model_metrics(
    model: &Model,
    tokenizer: &AnyTokenizer,
    input: &Path,
    text: &CorpusText,
) -> anyhow::Result<ModelMetrics> {
    let corpus = Corpus::encode_frozen(text.sentences(), tokenizer, model.vocab())?;
    let ppl = model.perplexity(&corpus).with_context(|| format!("scoring {}", input.display()))?;
    let per = SentencePerplexities::new(model, &corpus);
    let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
    Ok(ModelMetrics {
        perplexity: finite(ppl.perplexity()),
        perplexity_excl_oov: finite(ppl.perplexity_excl_oov()),
        oov_rate: ppl.oov_rate(),
        tokens: ppl.tokens,
        oov: ppl.oov,
        sentences: ppl.sentences,
        sentence_ppl_mean: per.mean(),
        sentence_ppl_p10: per.quantile(0.1),
        sentence_ppl_median: per.quantile(0.5),
        sentence_ppl_p90: per.quantile(0.9),
        sentences_zero_prob: per.zero_prob(),
    })
}

/// The metrics of a text, as `--json` prints them: provenance, then the
/// report's fields at top level, then the model's metrics (with `--model`).
#[derive(Debug, Serialize)]
pub struct MetricsOutput {
    /// `nglab`.
    pub tool: &'static str,
    /// nglab's version.
    pub version: &'static str,
    /// Where the input came from (its path, or what stands for one).
    pub input: PathBuf,
    /// Where the reference came from.
    pub reference_path: Option<PathBuf>,
    /// Where the held-out text came from.
    pub heldout_path: Option<PathBuf>,
    /// Seed of the sample draws.
    pub seed: u64,
    /// The settings of the metrics.
    pub config: MetricsConfig,
    /// The metrics.
    #[serde(flatten)]
    pub metrics: MetricsReport,
    /// The model's path, when the model came from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_path: Option<PathBuf>,
    /// The model-based metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelMetrics>,
}

/// A text to measure: read, and named as messages and the output name it.
pub struct Named<'a> {
    /// The sentences.
    pub text: &'a CorpusText,
    /// Its path, or what stands for one.
    pub path: &'a Path,
}

/// The computation behind `nglab metrics` (and the Python package's
/// `nglab.metrics`): settings checked once, then [`Measure::run`] over texts.
pub struct Measure {
    metrics: TextMetrics,
    seed: u64,
}

impl Measure {
    /// Checks the settings (the error names them: "invalid metrics options").
    pub fn new(config: MetricsConfig, seed: u64) -> anyhow::Result<Measure> {
        Ok(Measure { metrics: TextMetrics::new(config).context("invalid metrics options")?, seed })
    }

    /// Measures the lexical draws on `threads` threads (the same output for
    /// any count; [`TextMetrics::with_threads`]).
    pub fn with_threads(self, threads: usize) -> Measure {
        Measure { metrics: self.metrics.with_threads(threads), ..self }
    }

    /// The metrics of `input` against the optional `reference` and
    /// `heldout`, every text tokenized by `tokenizer` (a sentence marker
    /// written in a text is refused, naming its line); with `model` (and the
    /// path it was read from, if any) the input's model-based metrics too.
    pub fn run(
        &self,
        tokenizer: &AnyTokenizer,
        input: Named<'_>,
        reference: Option<Named<'_>>,
        heldout: Option<Named<'_>>,
        model: Option<(&Model, Option<&Path>)>,
    ) -> anyhow::Result<MetricsOutput> {
        let mut vocab = Vocab::new();
        let text = encode(&input, &mut vocab, tokenizer)?;
        let reference_table = match &reference {
            Some(r) => Some(Reference::new(&encode(r, &mut vocab, tokenizer)?)),
            None => None,
        };
        let heldout_table = match &heldout {
            Some(h) => Some(Reference::new(&encode(h, &mut vocab, tokenizer)?)),
            None => None,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let report = self
            .metrics
            .compute(&text, &vocab, reference_table.as_ref(), heldout_table.as_ref(), &mut rng)
            .with_context(|| format!("computing the metrics of {}", input.path.display()))?;
        let model_metrics =
            model.map(|(m, _)| model_metrics(m, tokenizer, input.path, input.text)).transpose()?;
        Ok(MetricsOutput {
            tool: "nglab",
            version: env!("CARGO_PKG_VERSION"),
            input: input.path.to_owned(),
            reference_path: reference.map(|r| r.path.to_owned()),
            heldout_path: heldout.map(|h| h.path.to_owned()),
            seed: self.seed,
            config: self.metrics.config().clone(),
            metrics: report,
            model_path: model.and_then(|(_, p)| p.map(Path::to_owned)),
            model: model_metrics,
        })
    }
}

/// The tokenizer of `nglab metrics`: with a model read from a file, the
/// model's (`flag` must match it); else `flag` (a BPE given as a file, not
/// trained), whitespace by default.
pub fn tokenizer(
    model: Option<(&Model, &Path)>,
    flag: Option<&TokenizerSpec>,
) -> anyhow::Result<AnyTokenizer> {
    match model {
        Some((model, path)) => crate::tokenizer::for_model(model, path, flag),
        None => {
            let spec = flag.cloned().unwrap_or_default();
            crate::tokenizer::refuse_training(&spec, "give the BPE as bpe-file:PATH")?;
            crate::tokenizer::build(&spec, std::iter::empty())
        }
    }
}

/// Runs `nglab metrics`.
pub fn metrics(args: &MetricsArgs) -> anyhow::Result<()> {
    let config = MetricsConfig {
        sample_tokens: args.sample_tokens,
        draws: args.draws,
        mattr_window: args.mattr_window,
        sentence_order: args.sentence_order,
        ..MetricsConfig::default()
    };
    let measure = Measure::new(config, args.seed)?.with_threads(args.threads.count());
    let model = args.model.as_deref().map(|m| crate::io::read_model(m, args.threads.count())).transpose()?;
    let model = model.as_ref().zip(args.model.as_deref());
    let tokenizer = tokenizer(model, args.tokenizer.as_ref())?;
    let read = |path: &Path| crate::io::read_text(path, args.lossy);
    let input = read(&args.input)?;
    let reference = args.reference.as_deref().map(|p| read(p).map(|t| (t, p))).transpose()?;
    let heldout = args.heldout.as_deref().map(|p| read(p).map(|t| (t, p))).transpose()?;
    let output = measure.run(
        &tokenizer,
        Named { text: &input, path: &args.input },
        reference.as_ref().map(|(text, path)| Named { text, path }),
        heldout.as_ref().map(|(text, path)| Named { text, path }),
        model.map(|(m, p)| (m, Some(p))),
    )?;

    crate::io::write_atomic(Path::new("-"), |mut out| {
        if args.json {
            serde_json::to_writer_pretty(&mut *out, &output).context("writing JSON")?;
            writeln!(out)?;
        } else {
            write_table(&mut out, &args.input, &output.metrics)?;
            if let Some(m) = &output.model {
                writeln!(
                out,
                "\nmodel: perplexity {} (excluding OOVs {}), OOV rate {}; per-sentence perplexity p10 {} median {} p90 {}",
                fmt(m.perplexity),
                fmt(m.perplexity_excl_oov),
                fmt(m.oov_rate),
                fmt(m.sentence_ppl_p10),
                fmt(m.sentence_ppl_median),
                fmt(m.sentence_ppl_p90)
            )?;
            }
        }
        Ok(())
    })
}

/// Encodes a text read with the project's reader (one sentence per line)
/// with `tokenizer` into the shared `vocab`, refusing sentence markers
/// (the error names the line).
fn encode(named: &Named<'_>, vocab: &mut Vocab, tokenizer: &AnyTokenizer) -> anyhow::Result<Corpus> {
    let corpus = Corpus::encode_growing(named.text.sentences(), tokenizer, vocab)?;
    crate::io::refuse_markers(named.path, named.text, tokenizer, &corpus)?;
    Ok(corpus)
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
}

fn write_table(out: &mut impl Write, input: &Path, r: &MetricsReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} tokens, {} sentences, {} types, {} hapax",
        input.display(),
        r.tokens,
        r.sentences,
        r.types,
        r.hapax
    )?;
    let s = &r.sample;
    let scope = match (s.whole_text, s.sentence_order) {
        (true, SentenceOrder::Text) => "the whole text".to_owned(),
        (true, SentenceOrder::Shuffled) => format!("the whole text in {} random sentence orders", s.draws),
        (false, SentenceOrder::Text) => format!("{} draws, sentences in text order", s.draws),
        (false, SentenceOrder::Shuffled) => format!("{} draws, sentences in random order", s.draws),
    };
    writeln!(out, "\nlexical (sample of {} tokens, {scope})", s.sample_tokens)?;
    writeln!(
        out,
        "  {:<16} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "metric", "mean", "sd", "2.5%", "97.5%", "±95%"
    )?;
    let lexical = [
        ("ttr", r.ttr),
        ("mattr", r.mattr),
        ("mtld", r.mtld),
        ("distinct_1", r.distinct_1),
        ("distinct_2", r.distinct_2),
        ("distinct_3", r.distinct_3),
        ("distinct_4", r.distinct_4),
        ("ngram_diversity", r.ngram_diversity),
    ];
    for (name, mean) in lexical {
        match r.interval(name) {
            Some(i) => writeln!(
                out,
                "  {name:<16} {:>10} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
                fmt(mean),
                i.sd,
                i.lo,
                i.hi,
                i.half_width
            )?,
            None => writeln!(out, "  {name:<16} {:>10}", fmt(mean))?,
        }
    }
    writeln!(out, "\ndistribution and repetition (whole text)")?;
    for (name, v) in [
        ("entropy_bits", r.entropy_bits),
        ("heterozygosity", r.heterozygosity),
        ("zipf_exponent", r.zipf_exponent),
        ("compression_ratio", r.compression_ratio),
        ("self_repetition_4", r.self_repetition_4),
    ] {
        writeln!(out, "  {name:<18} {:>10}", fmt(v))?;
    }
    if let Some(size) = &r.reference {
        writeln!(out, "\nagainst the reference ({} tokens, {} types)", size.tokens, size.types)?;
        for (name, v) in [
            ("js_to_reference", r.js_to_reference),
            ("kl_to_reference", r.kl_to_reference),
            ("kl_from_reference", r.kl_from_reference),
            ("sq_l2_to_reference", r.sq_l2_to_reference),
        ] {
            writeln!(out, "  {name:<18} {:>10}", fmt(v))?;
        }
        if let Some(survival) = &r.survival_by_band {
            let labels: Vec<&str> =
                survival.first().map_or(Vec::new(), |o| o.bands.iter().map(|b| b.band.as_str()).collect());
            write!(out, "  survival   order")?;
            for l in &labels {
                write!(out, " {:>14}", format!("count {l}"))?;
            }
            writeln!(out, " {:>10}", "novelty")?;
            for (o, n) in survival.iter().zip(r.novelty.iter().flatten()) {
                write!(out, "  {:>16}", o.order)?;
                for b in &o.bands {
                    write!(out, " {:>14}", format!("{} ({})", fmt(b.share), b.reference_types))?;
                }
                writeln!(out, " {:>10}", fmt(n.share))?;
            }
        }
    }
    if let (Some(size), Some(recall)) = (&r.heldout, &r.heldout_recall) {
        writeln!(out, "\nheld-out recall ({} tokens, {} types)", size.tokens, size.types)?;
        for o in recall {
            writeln!(
                out,
                "  order {}: {} of {} types ({})",
                o.order,
                o.covered,
                o.heldout_types,
                fmt(o.share)
            )?;
        }
    }
    if !r.undefined.is_empty() {
        writeln!(out, "\nundefined")?;
        for u in &r.undefined {
            writeln!(out, "  {}: {}", u.metric, u.reason)?;
        }
    }
    Ok(())
}
