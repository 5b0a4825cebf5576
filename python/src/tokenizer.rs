//! `nglab.Tokenizer`: a tokenizer named by its spec string.

use std::path::PathBuf;
use std::sync::Arc;

use nglab_tokenizer::{AnyTokenizer, Bpe, Tokenizer as _, TokenizerSpec};
use pyo3::prelude::*;

use crate::errors::IntoPy;
use crate::text::sentences;

/// A tokenizer, named by the spec string the command line takes.
///
/// Specs: ``"whitespace"`` (split on spaces, tabs and CRs: the corpus format
/// and KenLM's rule; the default), ``"words"``, ``"words:lower"``,
/// ``"words:nfc"``, ``"words:lower,nfc"`` (Unicode word boundaries,
/// punctuation kept), ``"chars"`` (grapheme clusters; a space is the token
/// ``▁``), ``"bpe:SIZE"`` (byte-level BPE trained on ``training``, a list of
/// sentences or a corpus path), ``"bpe-file:PATH"`` (a saved ``tokenizer.json``).
///
/// >>> nglab.Tokenizer("words:lower").encode("Hello, world!")
/// ['hello', ',', 'world', '!']
#[pyclass(module = "nglab", name = "Tokenizer", frozen)]
pub struct PyTokenizer {
    pub(crate) spec: TokenizerSpec,
    pub(crate) inner: Arc<AnyTokenizer>,
}

#[pymethods]
impl PyTokenizer {
    /// Builds the tokenizer ``spec`` names; ``bpe:SIZE`` trains on ``training``.
    #[new]
    #[pyo3(signature = (spec = "whitespace", training = None))]
    fn new(spec: &str, training: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let spec: TokenizerSpec = spec.parse().py_err()?;
        let text = training.map(|t| sentences(t, "<training>")).transpose()?;
        let text = text.map(|t| t.read()).transpose().py_err()?;
        if matches!(spec, TokenizerSpec::Bpe { .. }) && text.is_none() {
            return Err(anyhow::anyhow!("tokenizer {spec} is trained on a text: give training=")).py_err();
        }
        let training = text.as_ref().map(|(t, _)| t.sentences());
        let inner =
            AnyTokenizer::build(&spec, training.into_iter().flatten(), |p| std::fs::read_to_string(p))
                .py_err()?;
        Ok(PyTokenizer { spec, inner: Arc::new(inner) })
    }

    /// The tokens of one sentence.
    fn encode(&self, text: &str) -> PyResult<Vec<String>> {
        Ok(self.inner.encode(text).py_err()?.into_iter().map(|t| t.into_owned()).collect())
    }

    /// Readable text from tokens (the inverse of ``encode``, up to normalization).
    fn decode(&self, tokens: Vec<String>) -> PyResult<String> {
        let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        self.inner.decode(&tokens).py_err()
    }

    /// The canonical spec string (it names the same tokenizer).
    #[getter]
    fn spec(&self) -> String {
        self.spec.to_string()
    }

    /// Writes a BPE tokenizer as ``tokenizer.json`` (load it as ``bpe-file:PATH``).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        let AnyTokenizer::Bpe(bpe) = &*self.inner else {
            return Err(anyhow::anyhow!("only a bpe tokenizer is saved, this is {}", self.spec)).py_err();
        };
        let json = Bpe::to_json(bpe).py_err()?;
        nglab_driver::io::write_atomic(&path, |w| Ok(w.write_all(json.as_bytes())?)).py_err()
    }

    fn __repr__(&self) -> String {
        format!("Tokenizer({:?})", self.spec.to_string())
    }
}
