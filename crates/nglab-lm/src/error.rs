/// Errors of the language-model crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range; the message shows the bad value.
    #[error("{0}")]
    Config(String),
    /// The training data cannot make a model (an empty corpus, say).
    #[error("{0}")]
    Data(String),
    /// A malformed ARPA file, at a 1-based line (an empty file has none).
    #[error("{}", if *line == 0 { format!("arpa: {msg}") } else { format!("arpa line {line}: {msg}") })]
    Arpa {
        /// 1-based line number (0 for an empty file).
        line: u64,
        /// What is wrong, with the offending value.
        msg: String,
    },
    /// The model cannot compute what was asked (perplexity of an unnormalized model, say).
    #[error("{0}")]
    Unsupported(String),
    /// A corpus, vocabulary or tokenizer error, so that one `?` serves a
    /// program that reads its text with `nglab_tokenizer` and models it here.
    #[error(transparent)]
    Tokenizer(#[from] nglab_tokenizer::Error),
    /// The work was cancelled through its [`Cancel`](crate::Cancel) token.
    #[error("cancelled")]
    Cancelled,
    /// Counting could not write its runs to, or read them back from, its
    /// temporary directory (disk full, say).
    #[error("cannot write sorted runs in {}: {error}", dir.display())]
    Spill {
        /// The directory of the runs.
        dir: std::path::PathBuf,
        /// What failed (shown in the message, not as a source, so that a
        /// chain of messages says it once).
        error: std::io::Error,
    },
    /// An I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The I/O error this error stands for, if any, wherever it is held
    /// (those shown in the message rather than as a `source()` included).
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            Error::Spill { error, .. } | Error::Io(error) => Some(error),
            Error::Tokenizer(e) => e.io_error(),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
