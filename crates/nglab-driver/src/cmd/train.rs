//! `nglab train`: count a corpus and estimate a model, written as ARPA.

use std::path::{Path, PathBuf};

use anyhow::Context;
use nglab_lm::{
    estimate_owned, CountEvent, CountStream, DiscountFallback, EstimateConfig, Model, NgramCounts, Smoothing,
    SpillConfig,
};
use nglab_tokenizer::{AnyTokenizer, CorpusText, SentenceReader, Tokenizer, TokenizerSpec, Vocab, BOS, EOS};

use crate::io::{marker_error, open_text, read_text, write_atomic};

/// Arguments of `nglab train`.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// The training text: one sentence per line (`-` for standard input),
    /// read line by line (a BPE to train reads it whole).
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
    /// Bounds the counting state (K, M, G or T; `1.5G`): when the counts
    /// would exceed it, they are written as sorted runs to --temp-dir and
    /// merged at the end, as `lmplz -S` does; the model is the same. Without
    /// it everything is counted in memory.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Where --max-memory's runs go (unnamed files: nothing is left behind);
    /// default: $TMPDIR or /tmp.
    #[arg(long, value_name = "DIR", requires = "max_memory")]
    pub temp_dir: Option<PathBuf>,
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
    /// Counting within a memory budget, spilling sorted runs to disk; `None`
    /// counts in memory (the model is the same).
    pub spill: Option<SpillConfig>,
}

impl TrainSettings {
    /// The settings as the flags spell them, checked before any text is
    /// read; errors name the flag, as the command line reports them.
    pub fn parse(order: usize, smoothing: &str, fallback: &str, threads: usize) -> anyhow::Result<Self> {
        let smoothing: Smoothing = smoothing.parse().context("--smoothing")?;
        let fallback: DiscountFallback = fallback.parse().context("--discount-fallback")?;
        let estimate = EstimateConfig::with_fallback(smoothing, fallback)?;
        NgramCounts::new(order).context("--order")?;
        Ok(TrainSettings { order, estimate, vocab: None, threads, spill: None })
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
    let mut sentences = text.sentences().enumerate();
    let next = |sentence: &mut String| {
        Ok(sentences.next().map(|(i, s)| {
            sentence.clear();
            sentence.push_str(s);
            text.line_number(i)
        }))
    };
    train_sentences(next, source, tokenizer, settings, |_| {})
}

/// [`train_text`] of a text read line by line from `reader`: only the
/// sentence being tokenized is held, besides the counts. `on_event` hears
/// of spills and merges (with [`TrainSettings::spill`]).
pub fn train_reader(
    reader: impl std::io::BufRead,
    source: &Path,
    lossy: bool,
    tokenizer: &AnyTokenizer,
    settings: &TrainSettings,
    on_event: impl FnMut(CountEvent),
) -> anyhow::Result<Model> {
    let policy = if lossy { nglab_tokenizer::Utf8Policy::Lossy } else { nglab_tokenizer::Utf8Policy::Strict };
    let mut reader = SentenceReader::new(reader, source, policy);
    let next = |sentence: &mut String| match reader.next_into(sentence) {
        Err(e @ nglab_tokenizer::Error::InvalidUtf8 { .. }) => {
            Err(anyhow::anyhow!("{e}; --lossy reads invalid bytes as U+FFFD"))
        }
        other => Ok(other?),
    };
    train_sentences(next, source, tokenizer, settings, on_event)
}

/// Tokenizes the sentences `next` gives (each with its line number) into
/// the settings' vocabulary (or one grown from the text), counts them, and
/// estimates. `<s>` and `</s>` written in the text are refused, as KenLM's
/// `lmplz` refuses them.
fn train_sentences(
    mut next: impl FnMut(&mut String) -> anyhow::Result<Option<u64>>,
    source: &Path,
    tokenizer: &AnyTokenizer,
    settings: &TrainSettings,
    on_event: impl FnMut(CountEvent),
) -> anyhow::Result<Model> {
    let mut counts =
        CountStream::new(settings.order, settings.threads, settings.spill.clone())?.on_event(on_event);
    let mut grown = Vocab::new();
    let vocab = settings.vocab.as_ref();
    let (mut sentence, mut ids) = (String::new(), Vec::new());
    while let Some(line) = next(&mut sentence)? {
        ids.clear();
        for token in tokenizer.encode(&sentence)? {
            let id = match vocab {
                Some(vocab) => vocab.id_or_unk(&token),
                None => grown.get_or_insert(&token),
            };
            if id == BOS || id == EOS {
                return Err(marker_error(source, line, &token));
            }
            ids.push(id);
        }
        counts.add_sentence(&ids).with_context(|| format!("counting {}", source.display()))?;
    }
    if counts.n_tokens() == 0 {
        anyhow::bail!("{}: no tokens to train on", source.display());
    }
    let counts = counts.finish().with_context(|| format!("counting {}", source.display()))?;
    let vocab = vocab.unwrap_or(&grown);
    estimate_owned(counts, vocab, &settings.estimate, settings.threads)
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
    settings.vocab = args.vocab.as_deref().map(read_vocab).transpose()?;
    settings.spill = args.max_memory.map(|max_memory| SpillConfig {
        max_memory,
        temp_dir: args.temp_dir.clone().unwrap_or_else(std::env::temp_dir),
    });
    let (model, tokenizer) = if let TokenizerSpec::Bpe { .. } = spec {
        // A BPE is trained on the whole text first.
        let text = read_text(&args.input, args.lossy)?;
        let tokenizer = crate::tokenizer::build(spec, text.sentences())?;
        let model = train_text(&text, &args.input, &tokenizer, &settings)?;
        (model, tokenizer)
    } else {
        let tokenizer = crate::tokenizer::build(spec, std::iter::empty())?;
        let mut progress = SpillProgress::new();
        let input = open_text(&args.input)?;
        let model =
            train_reader(input, &args.input, args.lossy, &tokenizer, &settings, |e| progress.on_event(e));
        progress.finish();
        (model?, tokenizer)
    };
    for line in fallback_warnings(&model) {
        eprintln!("nglab: {line}");
    }
    if let Some(path) = &args.save_vocab {
        write_atomic(path, |w| Ok(model.vocab().write_json(w)?))?;
    }
    write_model(model, &tokenizer, spec, &args.out, threads)
}

/// On a terminal, what counting with `--max-memory` does: runs written,
/// then a bar over the n-grams merged.
struct SpillProgress {
    bar: Option<indicatif::ProgressBar>,
    terminal: bool,
}

impl SpillProgress {
    fn new() -> Self {
        use std::io::IsTerminal;
        SpillProgress { bar: None, terminal: std::io::stderr().is_terminal() }
    }

    fn on_event(&mut self, event: CountEvent) {
        if !self.terminal {
            return;
        }
        match event {
            CountEvent::Spilled { runs, bytes } => {
                let bar = self.bar.get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::new_spinner();
                    bar.enable_steady_tick(std::time::Duration::from_millis(200));
                    bar
                });
                bar.set_message(format!(
                    "counting: {runs} sorted run(s) on disk, {} written",
                    indicatif::HumanBytes(bytes)
                ));
            }
            CountEvent::Merging { runs, n_grams, last } => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                let bar = indicatif::ProgressBar::new(n_grams);
                let what = if last { "merging" } else { "merging into one run" };
                bar.set_style(
                    indicatif::ProgressStyle::with_template(&format!(
                        "{what} {runs} runs {{bar:30}} {{human_pos}}/{{human_len}} n-grams, {{eta}} left"
                    ))
                    .expect("a valid template"),
                );
                self.bar = Some(bar);
            }
            CountEvent::Merged { n_grams } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(n_grams);
                }
            }
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
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

/// A size for `--max-memory`, as `nglab run --max-memory` reads it.
fn parse_size(s: &str) -> Result<u64, String> {
    crate::run::bytes(s).map_err(|e| e.to_string())
}
