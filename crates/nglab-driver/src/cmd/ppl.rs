//! `nglab ppl`: perplexity of a text under an ARPA model, with KenLM `query`'s
//! conventions (`</s>` counted, `<s>` not, OOVs scored as `<unk>`).

use std::path::PathBuf;

use anyhow::Context;
use nglab_lm::Perplexity;
use nglab_tokenizer::{Corpus, TokenizerSpec};
use serde::Serialize;

use crate::io::{read_model, read_text, write_atomic};

/// Arguments of `nglab ppl`.
#[derive(Debug, Clone, clap::Args)]
pub struct PplArgs {
    /// The ARPA model.
    #[arg(long)]
    pub model: PathBuf,
    /// The text: one sentence per line.
    #[arg(long)]
    pub input: PathBuf,
    /// The tokenizer [default: the model's].
    #[arg(
        long,
        value_name = "SPEC",
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("the model's, as its ARPA header names it; whitespace if it names none"),
    )]
    pub tokenizer: Option<TokenizerSpec>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also write each sentence's log10 probability, tokens, OOVs and perplexity (TSV).
    #[arg(long)]
    pub per_sentence: Option<PathBuf>,
    /// Replace invalid UTF-8 instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// `--threads N`.
    #[command(flatten)]
    pub threads: crate::cli::ThreadsArg,
}

/// The result, as `--json` prints it. Undefined values are null, with a reason.
#[derive(Debug, Serialize)]
pub struct PplReport {
    /// 10^(-log10_prob / tokens).
    pub perplexity: Option<f64>,
    /// The same without OOV tokens.
    pub perplexity_excl_oov: Option<f64>,
    /// Sum of log10 probabilities (null when some token had probability 0).
    pub log10_prob: Option<f64>,
    /// Scored tokens, `</s>` included.
    pub tokens: u64,
    /// OOV tokens.
    pub oov: u64,
    /// Share of tokens that are OOV.
    pub oov_rate: Option<f64>,
    /// Sentences.
    pub sentences: u64,
    /// Why a value is null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_reason: Option<String>,
}

impl PplReport {
    /// The report of a corpus's totals; infinite values become null, with the reason.
    pub fn new(ppl: &Perplexity) -> PplReport {
        let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
        PplReport {
            perplexity: finite(ppl.perplexity()),
            perplexity_excl_oov: finite(ppl.perplexity_excl_oov()),
            log10_prob: finite(Some(ppl.log10_prob)),
            tokens: ppl.tokens,
            oov: ppl.oov,
            oov_rate: ppl.oov_rate(),
            sentences: ppl.sentences,
            null_reason: if ppl.tokens == 0 {
                Some("the text has no tokens".into())
            } else if !ppl.log10_prob.is_finite() {
                Some("the model gives some token probability 0 (MLE?): perplexity is infinite".into())
            } else {
                None
            },
        }
    }
}

/// Runs `nglab ppl`.
pub fn ppl(args: &PplArgs) -> anyhow::Result<()> {
    let model = read_model(&args.model, args.threads.count())?;
    let tokenizer = crate::tokenizer::for_model(&model, &args.model, args.tokenizer.as_ref())?;
    let text = read_text(&args.input, args.lossy)?;
    let corpus = Corpus::encode_frozen(text.sentences(), &tokenizer, model.vocab())?;
    crate::io::refuse_markers(&args.input, &text, &tokenizer, &corpus)?;
    if corpus.n_tokens() == 0 {
        anyhow::bail!("{}: no tokens to score", args.input.display());
    }
    let ppl = model.perplexity(&corpus).with_context(|| format!("scoring {}", args.input.display()))?;
    if let Some(path) = &args.per_sentence {
        write_atomic(path, |w| {
            writeln!(w, "sentence\tlog10_prob\ttokens\toov\tperplexity")?;
            for (i, s) in corpus.sentences().enumerate() {
                let sc = model.score_sentence(s);
                writeln!(w, "{}\t{}\t{}\t{}\t{}", i + 1, sc.log10_prob, sc.tokens, sc.oov, sc.perplexity())?;
            }
            Ok(())
        })?;
    }
    let report = PplReport::new(&ppl);
    write_atomic(std::path::Path::new("-"), |w| {
        if args.json {
            serde_json::to_writer(&mut *w, &report)?;
            writeln!(w)?;
        } else {
            let show = |x: Option<f64>| x.map_or_else(|| "inf".to_string(), |v| v.to_string());
            writeln!(w, "Perplexity including OOVs:\t{}", show(report.perplexity))?;
            writeln!(w, "Perplexity excluding OOVs:\t{}", show(report.perplexity_excl_oov))?;
            writeln!(w, "OOVs:\t{}", report.oov)?;
            writeln!(w, "Tokens:\t{}", report.tokens)?;
            writeln!(w, "Sentences:\t{}", report.sentences)?;
        }
        Ok(())
    })
}
