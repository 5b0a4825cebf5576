use std::path::PathBuf;

/// Errors of the tokenizer crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A corpus file could not be read or decoded.
    #[error("{path}:{line}: {msg}")]
    Corpus {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong, with the offending value.
        msg: String,
    },
    /// A corpus file is not valid UTF-8 (read it with
    /// [`Utf8Policy::Lossy`](crate::Utf8Policy::Lossy) to replace the bytes).
    #[error("{path}:{line}: invalid UTF-8 at byte offset {offset} (byte 0x{byte:02x})")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Offset of the first invalid byte in the file.
        offset: usize,
        /// That byte.
        byte: u8,
    },
    /// A file could not be opened or read. The reason is part of the
    /// message, not a `source()`: a caller printing the error chain (`{:#}`)
    /// would otherwise say it twice.
    #[error("{path}: {error}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A vocabulary file is malformed.
    #[error("vocabulary: {0}")]
    Vocab(String),
    /// A tokenizer spec (`words:lower`, `bpe:8000`) does not parse; the
    /// message shows the value and the valid forms.
    #[error("{0}")]
    Spec(String),
    /// A tokenizer could not be built, trained, loaded or run.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// An I/O error without a better location.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The I/O error this error stands for, if any, wherever it is held (a
    /// [`File`](Error::File) error shows its reason in its message instead
    /// of as a `source()`): what a caller needs to raise the platform's own
    /// error (an `errno`).
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            Error::File { error, .. } | Error::Io(error) => Some(error),
            _ => None,
        }
    }
}
