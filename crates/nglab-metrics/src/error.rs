/// Errors of the metrics crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A [`MetricsConfig`](crate::MetricsConfig) field is out of range.
    #[error("{field} {expected}, got {got}")]
    Config {
        /// The field.
        field: &'static str,
        /// What a valid value is (`must be at least 1`).
        expected: &'static str,
        /// The offending value, printed.
        got: String,
    },
    /// A token id of the text is not in the vocabulary given with it.
    #[error("token id {id} is out of range of a vocabulary of {vocab_len} tokens")]
    IdOutOfRange {
        /// The offending id.
        id: u32,
        /// The vocabulary's size.
        vocab_len: usize,
    },
    /// A corpus, vocabulary or tokenizer error, so that one `?` serves a
    /// program that reads its text with `nglab_tokenizer` and measures it here.
    #[error(transparent)]
    Tokenizer(#[from] nglab_tokenizer::Error),
}

impl Error {
    /// The I/O error this error stands for, if any (see
    /// [`nglab_tokenizer::Error::io_error`]).
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            Error::Tokenizer(e) => e.io_error(),
            _ => None,
        }
    }
}
