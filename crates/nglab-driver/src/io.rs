//! File access shared by the subcommands: reading corpus and model files with
//! errors that name the file, and writing outputs atomically.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use nglab_lm::Model;
use nglab_tokenizer::{Corpus, CorpusText, Tokenizer, Utf8Policy, BOS, EOS};

/// Reads a corpus file (one sentence per line, a blank line the empty
/// sentence, as KenLM reads it: [`CorpusText`]). Invalid UTF-8,
/// unless `lossy`, is an error naming file, line and byte, with a hint of
/// `--lossy` (every command that reads text has the flag).
pub fn read_text(path: &Path, lossy: bool) -> anyhow::Result<CorpusText> {
    let policy = if lossy { Utf8Policy::Lossy } else { Utf8Policy::Strict };
    let text = if path == Path::new("-") {
        CorpusText::read(std::io::stdin().lock(), path, policy)
    } else {
        CorpusText::read_path(path, policy)
    };
    match text {
        Ok(text) => Ok(text),
        Err(e @ nglab_tokenizer::Error::InvalidUtf8 { .. }) => {
            anyhow::bail!("{e}; --lossy reads invalid bytes as U+FFFD")
        }
        // The tokenizer crate's errors already name the path and line.
        Err(e) => Err(e.into()),
    }
}

/// Opens a corpus file to read line by line (`-`: standard input), with
/// errors that name it, as [`read_text`] gives them.
pub fn open_text(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file_error = |error| nglab_tokenizer::Error::File { path: path.to_owned(), error };
    let file = File::open(path).map_err(file_error)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(file_error(std::io::Error::other("a directory, not a corpus file")).into());
    }
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

/// Refuses `<s>` and `</s>` written in a text, as KenLM's `lmplz` does: read
/// as words they would put sentence padding inside a sentence (where `<s>`
/// has probability 0). A literal `<unk>` is allowed: it is the unknown word.
/// `corpus` is `text` encoded with `tokenizer`; the line is only looked up
/// when a marker is there.
pub fn refuse_markers<T: Tokenizer + ?Sized>(
    path: &Path,
    text: &CorpusText,
    tokenizer: &T,
    corpus: &Corpus,
) -> anyhow::Result<()> {
    if !corpus.ids().iter().any(|&id| id == BOS || id == EOS) {
        return Ok(());
    }
    for (i, sentence) in text.sentences().enumerate() {
        if let Some(token) = tokenizer.encode(sentence)?.into_iter().find(|t| t == "<s>" || t == "</s>") {
            return Err(marker_error(path, text.line_number(i), &token));
        }
    }
    Ok(())
}

/// The error for a sentence marker (`<s>` or `</s>`) written in line `line` of `path`.
pub fn marker_error(path: &Path, line: u64, token: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{}:{line}: the sentence marker {token} is written in the text (markers are added, not read; <unk> is allowed)",
        path.display()
    )
}

/// Reads an ARPA model, streaming, on `threads` threads. A file that is
/// plainly something else (a `tokenizer.json`, a KenLM binary) is named as such.
pub fn read_model(path: &Path, threads: usize) -> anyhow::Result<Model> {
    let file = File::open(path).with_context(|| format!("cannot open model {}", path.display()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        anyhow::bail!("model {} is a directory, not an ARPA file", path.display());
    }
    let mut input = BufReader::with_capacity(1 << 20, file);
    let head = input.fill_buf().with_context(|| format!("reading model {}", path.display()))?;
    if head.starts_with(b"mmap lm ") {
        anyhow::bail!(
            "model {} is a KenLM binary (build_binary's output): give the ARPA file it was built from",
            path.display()
        );
    }
    if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        anyhow::bail!(
            "model {} is JSON (a tokenizer.json?), not an ARPA model: give the .arpa file (a model \
             trained by nglab names its tokenizer itself)",
            path.display()
        );
    }
    Model::read_arpa(input, threads).with_context(|| format!("reading model {}", path.display()))
}

/// Writes `path` through `write`, atomically: into a temporary file beside it,
/// renamed into place only when everything succeeded, removed otherwise. A
/// path of `-` writes to standard output; an existing path that is not a
/// regular file (`/dev/null`, a FIFO) is written in place, never replaced.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if path == Path::new("-") {
        return write_in_place(&mut std::io::stdout().lock(), write).context("writing standard output");
    }
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let result = std::fs::OpenOptions::new().write(true).open(path).map_err(anyhow::Error::from);
        return result
            .and_then(|mut file| write_in_place(&mut file, write))
            .with_context(|| format!("writing {}", path.display()));
    }
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot rename into {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Standard output or a device, written through a buffer in place.
fn write_in_place(
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut out = BufWriter::new(out);
    write(&mut out)?;
    Ok(out.flush()?)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Whether `name` is a temporary file of [`write_atomic`] (`.NAME.tmpPID`),
/// which only a killed process leaves behind.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}
