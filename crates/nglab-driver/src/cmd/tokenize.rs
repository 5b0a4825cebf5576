//! `nglab tokenize` and `nglab detokenize`: raw text to the corpus format (one
//! sentence per line, tokens separated by single spaces) and back.

use std::path::PathBuf;

use anyhow::{bail, Context};
use nglab_tokenizer::{AnyTokenizer, Bpe, Tokenizer, TokenizerSpec, Vocab, Whitespace};

use crate::io::{read_text, write_atomic};

/// The files of `nglab tokenize` and `nglab detokenize`.
#[derive(Debug, Clone, clap::Args)]
pub struct TextIo {
    /// The text: one sentence per non-blank line, UTF-8.
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (`-`: standard output), written atomically.
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// Replace invalid UTF-8 instead of failing.
    #[arg(long)]
    pub lossy: bool,
}

/// Arguments of `nglab tokenize`.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenizeArgs {
    /// Tokenizer: whitespace, words[:lower][,nfc], chars, bpe:SIZE or bpe-file:PATH.
    #[arg(long, default_value = "whitespace")]
    pub tokenizer: String,
    /// Input, output, UTF-8 policy.
    #[command(flatten)]
    pub io: TextIo,
    /// Text to train `bpe:SIZE` on (default: the input).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Save the BPE model as tokenizer.json, to use as `bpe-file:PATH` (e.g. to detokenize).
    #[arg(long)]
    pub save_tokenizer: Option<PathBuf>,
    /// Also write the vocabulary of the output (JSON array of tokens in id order).
    #[arg(long)]
    pub vocab: Option<PathBuf>,
}

/// Arguments of `nglab detokenize`.
#[derive(Debug, Clone, clap::Args)]
pub struct DetokenizeArgs {
    /// Tokenizer the text was made with: whitespace, words[:lower][,nfc], chars or bpe-file:PATH.
    #[arg(long, default_value = "whitespace")]
    pub tokenizer: String,
    /// Input, output, UTF-8 policy.
    #[command(flatten)]
    pub io: TextIo,
}

/// Runs `nglab tokenize`.
pub fn tokenize(args: &TokenizeArgs) -> anyhow::Result<()> {
    let spec: TokenizerSpec = args.tokenizer.parse().context("--tokenizer")?;
    if args.save_tokenizer.is_some() && !matches!(spec, TokenizerSpec::Bpe { .. } | TokenizerSpec::BpeFile(_))
    {
        bail!("--save-tokenizer needs a bpe tokenizer, got {spec}");
    }
    let text = read_text(&args.io.input, args.io.lossy)?;
    let train = match &args.train {
        Some(path) => Some(read_text(path, args.io.lossy)?),
        None => None,
    };
    let training = train.as_ref().unwrap_or(&text);
    let tokenizer = AnyTokenizer::build(&spec, training.sentences(), |p| std::fs::read_to_string(p))?;
    if let (Some(path), AnyTokenizer::Bpe(bpe)) = (&args.save_tokenizer, &tokenizer) {
        let json = Bpe::to_json(bpe)?;
        write_atomic(path, |w| Ok(w.write_all(json.as_bytes())?))?;
    }
    let mut vocab = Vocab::new();
    write_atomic(&args.io.out, |w| {
        for i in 0..text.n_sentences() {
            let tokens = tokenizer.encode(text.sentence(i)).with_context(|| {
                format!("{}:{}: cannot tokenize", args.io.input.display(), text.line_number(i))
            })?;
            for (j, token) in tokens.iter().enumerate() {
                if j > 0 {
                    w.write_all(b" ")?;
                }
                w.write_all(token.as_bytes())?;
                vocab.get_or_insert(token);
            }
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    if let Some(path) = &args.vocab {
        write_atomic(path, |w| Ok(vocab.write_json(w)?))?;
    }
    Ok(())
}

/// Runs `nglab detokenize`.
pub fn detokenize(args: &DetokenizeArgs) -> anyhow::Result<()> {
    let spec: TokenizerSpec = args.tokenizer.parse().context("--tokenizer")?;
    if let TokenizerSpec::Bpe { .. } = spec {
        bail!("cannot detokenize with {spec}: use bpe-file:PATH with the model saved by --save-tokenizer");
    }
    let text = read_text(&args.io.input, args.io.lossy)?;
    let tokenizer = AnyTokenizer::build(&spec, std::iter::empty(), |p| std::fs::read_to_string(p))?;
    write_atomic(&args.io.out, |w| {
        for i in 0..text.n_sentences() {
            let tokens = Whitespace.encode(text.sentence(i))?;
            let tokens: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
            let line = tokenizer.decode(&tokens).with_context(|| {
                format!("{}:{}: cannot detokenize", args.io.input.display(), text.line_number(i))
            })?;
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}
