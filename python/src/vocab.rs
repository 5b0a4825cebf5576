//! `nglab.Vocab`: tokens and their dense ids.

use std::path::PathBuf;
use std::sync::Arc;

use nglab_tokenizer::{TokenId, Vocab};
use pyo3::exceptions::{PyIndexError, PyKeyError};
use pyo3::prelude::*;

use crate::errors::IntoPy;

/// A vocabulary: tokens and dense ids, with ``<unk>``, ``<s>`` and ``</s>`` at
/// ids 0, 1 and 2 (KenLM's order) and other tokens after them in order.
///
/// ``Vocab(["the", "cat"])`` gives ``the`` id 3 and ``cat`` id 4. Saved and
/// loaded as the JSON array of tokens that ``nglab train --save-vocab`` writes.
/// Passed to :func:`nglab.train`, it fixes the vocabulary: training words
/// outside it become ``<unk>``, and every word in it gets a unigram.
#[pyclass(module = "nglab", name = "Vocab", frozen, sequence)]
pub struct PyVocab {
    pub(crate) inner: Arc<Vocab>,
}

#[pymethods]
impl PyVocab {
    /// A vocabulary of the reserved tokens followed by ``tokens`` (unique,
    /// non-empty, without spaces, tabs or line breaks).
    #[new]
    #[pyo3(signature = (tokens = Vec::new()), text_signature = "(tokens=())")]
    fn new(tokens: Vec<String>) -> PyResult<Self> {
        let mut all: Vec<String> = Vocab::new().tokens().to_vec();
        all.extend(tokens);
        Ok(PyVocab { inner: Arc::new(Vocab::from_tokens(all).py_err()?) })
    }

    /// Reads a vocabulary file (a JSON array of tokens in id order).
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        Ok(PyVocab { inner: Arc::new(nglab_driver::cmd::train::read_vocab(&path).py_err()?) })
    }

    /// Writes the vocabulary as a JSON array of tokens in id order.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        nglab_driver::io::write_atomic(&path, |w| Ok(self.inner.write_json(w)?)).py_err()
    }

    /// All tokens in id order, the reserved ones first.
    #[getter]
    fn tokens(&self) -> Vec<String> {
        self.inner.tokens().to_vec()
    }

    /// The id of ``token``, or 0 (``<unk>``) when it is absent.
    fn id(&self, token: &str) -> TokenId {
        self.inner.id_or_unk(token)
    }

    /// The token of ``id``.
    fn token(&self, id: usize) -> PyResult<String> {
        match self.inner.tokens().get(id) {
            Some(t) => Ok(t.clone()),
            None => Err(PyIndexError::new_err(format!("id {id} is out of range 0..{}", self.inner.len()))),
        }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, token: &str) -> bool {
        self.inner.get(token).is_some()
    }

    fn __getitem__(&self, token: &str) -> PyResult<TokenId> {
        self.inner.get(token).ok_or_else(|| PyKeyError::new_err(token.to_owned()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyVocab>().is_ok_and(|o| o.get().inner.tokens() == self.inner.tokens())
    }

    fn __repr__(&self) -> String {
        format!("Vocab({} tokens)", self.inner.len())
    }
}
