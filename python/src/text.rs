//! Text arguments: a corpus file (a path) or sentences (an iterable of `str`).

use std::path::{Path, PathBuf};

use nglab_tokenizer::CorpusText;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::IntoPy;

/// Text given to a call, read later (off the calling thread).
#[derive(Debug, Clone)]
pub enum Text {
    /// A corpus file: one sentence per line (a blank one the empty sentence), UTF-8.
    File(PathBuf),
    /// One sentence per item, blank ones included; `name` stands for a path in messages.
    Items {
        /// The sentences.
        items: Vec<String>,
        /// What messages call them (`<sentences>`).
        name: &'static str,
    },
}

/// Sentences read from a [`Text`], numbered as messages number them.
pub enum Lines {
    /// A file's lines, with their line numbers.
    File(CorpusText, PathBuf),
    /// The items, numbered from 1.
    Items(Vec<String>, PathBuf),
}

impl Text {
    /// The corpus: a file read as `nglab` reads it (a blank line the empty
    /// sentence), or the items as lines of one, each ended by a line break so
    /// that a blank last item is an empty sentence too (an item holding a line
    /// break is refused).
    pub fn read(self) -> anyhow::Result<(CorpusText, PathBuf)> {
        self.read_lossy(false)
    }

    /// [`Text::read`], a file's invalid UTF-8 read as U+FFFD when `lossy`
    /// (`--lossy`), else refused naming the line.
    pub fn read_lossy(self, lossy: bool) -> anyhow::Result<(CorpusText, PathBuf)> {
        match self {
            Text::File(path) => Ok((nglab_driver::io::read_text(&path, lossy)?, path)),
            Text::Items { items, name } => {
                if let Some(i) = items.iter().position(|s| s.contains('\n')) {
                    anyhow::bail!(
                        "{name}:{}: a sentence holds a line break (give one sentence per item)",
                        i + 1
                    );
                }
                let text: String = items.iter().flat_map(|s| [s.as_str(), "\n"]).collect();
                Ok((CorpusText::from_string(text), PathBuf::from(name)))
            }
        }
    }

    /// The sentences one by one: a file's lines, or every item.
    pub fn lines(self) -> anyhow::Result<Lines> {
        match self {
            Text::File(path) => Ok(Lines::File(nglab_driver::io::read_text(&path, false)?, path)),
            Text::Items { items, name } => Ok(Lines::Items(items, PathBuf::from(name))),
        }
    }
}

impl Lines {
    /// Each sentence with its line number (1-based).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (u64, &str)> + '_> {
        match self {
            Lines::File(text, _) => {
                Box::new(text.sentences().enumerate().map(|(i, s)| (text.line_number(i), s)))
            }
            Lines::Items(items, _) => {
                Box::new(items.iter().enumerate().map(|(i, s)| (i as u64 + 1, s.as_str())))
            }
        }
    }

    /// Where they came from, for messages.
    pub fn source(&self) -> &Path {
        match self {
            Lines::File(_, path) | Lines::Items(_, path) => path,
        }
    }
}

/// A path (`str` or `os.PathLike`) or an iterable of sentences.
pub fn sentences(obj: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Text> {
    if obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")? {
        return Ok(Text::File(obj.extract()?));
    }
    items(obj, name)
}

/// One sentence (`str`), an iterable of sentences, or a corpus file (`os.PathLike`).
pub fn sentences_to_score(obj: &Bound<'_, PyAny>) -> PyResult<Text> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Text::Items { items: vec![s.extract::<String>()?], name: "<sentence>" });
    }
    if obj.hasattr("__fspath__")? {
        return Ok(Text::File(obj.extract()?));
    }
    items(obj, "<sentences>")
}

fn items(obj: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Text> {
    let mut items = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            let kind = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            anyhow::anyhow!("{name}:{}: a sentence must be a str, got {kind}", i + 1)
        });
        items.push(s.py_err()?.extract::<String>()?);
    }
    Ok(Text::Items { items, name })
}
