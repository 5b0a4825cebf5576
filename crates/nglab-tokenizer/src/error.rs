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
    /// A vocabulary file is malformed.
    #[error("vocabulary: {0}")]
    Vocab(String),
    /// A tokenizer could not be built, trained, loaded or run.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// An I/O error without a better location.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
