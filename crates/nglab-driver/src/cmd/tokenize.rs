//! `nglab tokenize` and `nglab detokenize`: raw text to the corpus format (one
//! sentence per line, tokens separated by single spaces) and back.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::{bail, Context};
use nglab_tokenizer::{
    split_sentences, AnyTokenizer, Bpe, CorpusText, Tokenizer, TokenizerSpec, Vocab, Whitespace,
};

use crate::io::{read_text, write_atomic};

/// The files of `nglab tokenize` and `nglab detokenize`.
#[derive(Debug, Clone, clap::Args)]
pub struct TextIo {
    /// The text: one sentence per line (a blank line stays an empty line: the
    /// empty sentence), UTF-8.
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
    /// The tokenizer.
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "whitespace",
        hide_default_value = true,
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("whitespace; bpe:SIZE trains one on --train, else the input"),
    )]
    pub tokenizer: TokenizerSpec,
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
    /// Raw prose in, one sentence per line out: paragraphs (lines up to a
    /// blank line, joined) are split at Unicode sentence boundaries, kept
    /// closed after titles such as Mr., Dr., St. ("at 5 p.m. He left." is two
    /// sentences, "Mr. Smith left." one).
    #[arg(long)]
    pub split_sentences: bool,
}

/// Arguments of `nglab detokenize`.
#[derive(Debug, Clone, clap::Args)]
pub struct DetokenizeArgs {
    /// The tokenizer the text was made with.
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "whitespace",
        hide_default_value = true,
        value_parser = crate::tokenizer::parse_flag,
        help = crate::tokenizer::help("whitespace; a BPE as bpe-file:PATH"),
    )]
    pub tokenizer: TokenizerSpec,
    /// Input, output, UTF-8 policy.
    #[command(flatten)]
    pub io: TextIo,
}

/// Runs `nglab tokenize`.
pub fn tokenize(args: &TokenizeArgs) -> anyhow::Result<()> {
    let spec = &args.tokenizer;
    if args.save_tokenizer.is_some() && !matches!(spec, TokenizerSpec::Bpe { .. } | TokenizerSpec::BpeFile(_))
    {
        bail!("--save-tokenizer needs a bpe tokenizer, got {spec}");
    }
    let text = read_text(&args.io.input, args.io.lossy)?;
    let sentences = sentences(&text, args.split_sentences);
    let tokenizer = match &args.train {
        Some(path) => crate::tokenizer::build(spec, read_text(path, args.io.lossy)?.sentences())?,
        None => crate::tokenizer::build(spec, sentences.iter().map(|(_, s)| s.as_ref()))?,
    };
    if let (Some(path), AnyTokenizer::Bpe(bpe)) = (&args.save_tokenizer, &tokenizer) {
        let json = Bpe::to_json(bpe)?;
        write_atomic(path, |w| Ok(w.write_all(json.as_bytes())?))?;
    }
    let mut vocab = Vocab::new();
    write_atomic(&args.io.out, |w| {
        for (line, sentence) in &sentences {
            let tokens = tokenizer
                .encode(sentence)
                .with_context(|| format!("{}:{line}: cannot tokenize", args.io.input.display()))?;
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

/// The sentences to tokenize, each with the line it starts on: the lines of
/// `text` (a blank line the empty sentence, written as an empty line), or with
/// `split` the sentences of its paragraphs (runs of consecutive non-blank
/// lines, joined by a space).
fn sentences(text: &CorpusText, split: bool) -> Vec<(u64, Cow<'_, str>)> {
    if !split {
        return text.sentences().enumerate().map(|(i, s)| (text.line_number(i), Cow::Borrowed(s))).collect();
    }
    let mut out = Vec::new();
    let mut paragraph = String::new();
    let mut first_line = 0;
    let mut flush = |paragraph: &mut String, first_line: u64| {
        out.extend(split_sentences(paragraph).into_iter().map(|s| (first_line, Cow::Owned(s.to_owned()))));
        paragraph.clear();
    };
    for (i, line) in text.sentences().enumerate() {
        let number = text.line_number(i);
        // A blank line (read as an empty sentence) ends a paragraph.
        let continues = i > 0 && number == text.line_number(i - 1) + 1 && !paragraph.is_empty();
        if line.trim().is_empty() {
            flush(&mut paragraph, first_line);
            continue;
        }
        if !continues {
            flush(&mut paragraph, first_line);
            first_line = number;
        } else {
            paragraph.push(' ');
        }
        paragraph.push_str(line.trim());
    }
    flush(&mut paragraph, first_line);
    out
}

/// Runs `nglab detokenize`.
pub fn detokenize(args: &DetokenizeArgs) -> anyhow::Result<()> {
    crate::tokenizer::refuse_training(
        &args.tokenizer,
        "give the BPE the text was made with as bpe-file:PATH (tokenize --save-tokenizer, or beside a model)",
    )?;
    let text = read_text(&args.io.input, args.io.lossy)?;
    let tokenizer = crate::tokenizer::build(&args.tokenizer, std::iter::empty())?;
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
