//! The `nglab` Python package's extension module, `nglab._nglab`: thin
//! bindings over the nglab libraries and the driver's commands, so that
//! Python gets the same numbers, samples and messages as the command line.
//!
//! - `tokenizer.rs`, `vocab.rs`: `nglab.Tokenizer` (by spec string), `nglab.Vocab`.
//! - `model.rs`: `nglab.train` and `nglab.Model` (load and save ARPA, score,
//!   perplexity, sample, beam search).
//! - `metrics.rs`: `nglab.metrics` (what `nglab metrics --json` prints).
//! - `run.rs`: `nglab._nglab.run`, the collapse run under `nglab.run`
//!   (`nglab/_run.py`).
//! - `text.rs`: text arguments (a corpus path or an iterable of sentences).
//!
//! Long calls run on a worker thread without the GIL while the caller waits
//! and checks for signals (`blocking.rs`); errors become the exceptions of
//! `errors.rs`, with the command line's one-line message.

mod blocking;
mod errors;
mod json;
mod metrics;
mod model;
mod run;
mod text;
mod tokenizer;
mod vocab;

use pyo3::prelude::*;

/// The extension module: every class and function the `nglab` package re-exports.
#[pymodule]
fn _nglab(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<tokenizer::PyTokenizer>()?;
    m.add_class::<vocab::PyVocab>()?;
    m.add_class::<model::PyModel>()?;
    m.add_function(wrap_pyfunction!(model::train, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::metrics, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    Ok(())
}
