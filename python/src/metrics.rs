//! `nglab.metrics`: the metrics of a text, as `nglab metrics --json` reports them.

use std::path::PathBuf;
use std::sync::Arc;

use nglab_driver::cmd::metrics::Measured;
use nglab_lm::Model;
use nglab_metrics::{MetricsConfig, TextMetrics};
use pyo3::prelude::*;

use crate::blocking;
use crate::errors::IntoPy;
use crate::model::PyModel;
use crate::text::{sentences, Text};

/// A model argument: a :class:`Model`, or the path of an ARPA file.
enum ModelArg {
    Loaded(Arc<Model>),
    File(PathBuf),
}

/// The metrics of a text, as ``nglab metrics --json`` reports them (a dict).
///
/// ``text``, ``reference`` (the human training text: divergences, survival
/// of its n-gram types by count band, novelty) and ``heldout`` (a held-out
/// human text: recall of its n-gram types) are corpus paths or iterables of
/// sentences, tokens separated by spaces. ``model`` (a :class:`Model` or an
/// ARPA path) adds the text's perplexity under it and the distribution of its
/// per-sentence perplexities. The lexical metrics are means over ``draws``
/// random samples of ``sample_tokens`` tokens (default: the smaller of text
/// and reference), drawn with ``seed``; an undefined value is None, with its
/// reason under ``undefined``.
#[pyfunction]
#[pyo3(signature = (text, reference = None, heldout = None, *, model = None, sample_tokens = None, draws = None, mattr_window = None, seed = 0))]
#[allow(clippy::too_many_arguments)]
pub fn metrics(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    reference: Option<&Bound<'_, PyAny>>,
    heldout: Option<&Bound<'_, PyAny>>,
    model: Option<&Bound<'_, PyAny>>,
    sample_tokens: Option<usize>,
    draws: Option<usize>,
    mattr_window: Option<usize>,
    seed: u64,
) -> PyResult<Py<PyAny>> {
    let defaults = MetricsConfig::default();
    let config = MetricsConfig {
        sample_tokens,
        draws: draws.unwrap_or(defaults.draws),
        mattr_window: mattr_window.unwrap_or(defaults.mattr_window),
        ..defaults
    };
    let measure = TextMetrics::new(config)
        .map_err(anyhow::Error::from)
        .map_err(|e| e.context("invalid metrics options"))
        .py_err()?;
    let text = sentences(text, "<text>")?;
    let reference = reference.map(|r| sentences(r, "<reference>")).transpose()?;
    let heldout = heldout.map(|h| sentences(h, "<heldout>")).transpose()?;
    let model = match model {
        None => None,
        Some(m) => Some(match m.cast::<PyModel>() {
            Ok(m) => ModelArg::Loaded(m.get().shared_model()),
            Err(_) => ModelArg::File(m.extract()?),
        }),
    };
    let json = blocking::run_quiet(py, move |_| {
        let read = |t: Text| t.read();
        let (input, input_name) = read(text)?;
        let reference = reference.map(read).transpose()?;
        let heldout = heldout.map(read).transpose()?;
        let (model, model_path) = match model {
            None => (None, None),
            Some(ModelArg::Loaded(m)) => (Some(m), None),
            Some(ModelArg::File(path)) => (Some(Arc::new(nglab_driver::io::read_model(&path)?)), Some(path)),
        };
        let named = |t: &Option<(nglab_tokenizer::CorpusText, PathBuf)>| t.as_ref().map(|(t, p)| (t, p.as_path()));
        let measured = Measured::new(
            &measure,
            seed,
            (&input, &input_name),
            named(&reference),
            named(&heldout),
            model.as_deref(),
        )?;
        let output = measured.output(
            &input_name,
            reference.as_ref().map(|(_, p)| p.as_path()),
            heldout.as_ref().map(|(_, p)| p.as_path()),
            model_path.as_deref(),
        );
        Ok(serde_json::to_string(&output)?)
    })?;
    Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
}
