//! `nglab.metrics`: the metrics of a text, as `nglab metrics --json` prints
//! them (the driver's `cmd::metrics::Measure`, the command's computation).

use std::path::PathBuf;
use std::sync::Arc;

use nglab_driver::cmd::metrics::{Measure, Named};
use nglab_metrics::{MetricsConfig, SentenceOrder};
use nglab_tokenizer::{AnyTokenizer, CorpusText, TokenizerSpec};
use pyo3::prelude::*;

use crate::blocking;
use crate::errors::IntoPy;
use crate::model::PyModel;
use crate::text::{sentences, Text};
use crate::tokenizer::PyTokenizer;

/// The model of model-based metrics: a file (read on the worker thread) or a `Model`.
enum ModelArg {
    File(PathBuf),
    Loaded(Arc<nglab_lm::Model>, Arc<AnyTokenizer>),
}

/// The `tokenizer` argument: a spec (`--tokenizer SPEC`) or a built `Tokenizer`.
enum TokenizerArg {
    Spec(TokenizerSpec),
    Built(TokenizerSpec, Arc<AnyTokenizer>),
}

impl TokenizerArg {
    fn spec(&self) -> &TokenizerSpec {
        match self {
            TokenizerArg::Spec(spec) | TokenizerArg::Built(spec, _) => spec,
        }
    }
}

/// The metrics of a text, as ``nglab metrics --json`` prints them: the same
/// dict, value for value, for the same texts and settings.
///
/// ``texts``: a corpus file (``str`` or ``os.PathLike``; one sentence per
/// line) or an iterable of sentences; ``reference`` (the human training text:
/// divergences, survival by frequency band, novelty) and ``heldout`` (a
/// held-out human text: n-gram recall) likewise, optional. Every text is
/// split by ``tokenizer`` (a spec string or a :class:`Tokenizer`; by default
/// the model's with ``model``, else ``"whitespace"``).
///
/// The lexical metrics (TTR, MATTR, MTLD, distinct-n, n-gram diversity) are
/// means over ``draws`` samples of ``sample_tokens`` tokens (default: the
/// smaller of the text and the reference), drawn with ``seed``;
/// ``sentence_order`` is ``"shuffled"`` (each sample's sentences in random
/// order: the values do not depend on the text's order) or ``"text"`` (in
/// the text's order; a sample covering the text is the text itself, one
/// draw); ``mattr_window`` is MATTR's window in tokens. ``model`` (an ARPA
/// path or a :class:`Model`) adds ``model``: the text's perplexity under it
/// (KenLM's conventions) and quantiles of its per-sentence perplexities.
/// ``lossy`` reads invalid UTF-8 in a file as U+FFFD instead of refusing it;
/// ``threads`` reads the model file (0: every core).
///
/// The dict holds ``tool``, ``version``, ``input`` (the path, or
/// ``"<texts>"`` for sentences), ``reference_path``, ``heldout_path``,
/// ``seed``, ``config``, the counts (``tokens``, ``sentences``, ``types``,
/// ``hapax``), ``sample``, the metrics and their ``intervals`` (over the
/// draws), ``reference``/``heldout`` sizes, ``undefined`` (each metric that
/// is None and why), and with a model ``model`` (and ``model_path`` for a file).
/// Bad input raises :class:`InvalidInput` or :class:`FileError` with the
/// command line's message.
// The defaults are `MetricsConfig::default()`'s, written out for `help()`
// (test_metrics.py compares the config with the command line's defaults).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (
    texts, reference = None, heldout = None, *, sample_tokens = None,
    draws = 10, sentence_order = "shuffled", mattr_window = 1000, seed = 0, model = None, tokenizer = None,
    lossy = false, threads = 0
))]
pub fn metrics(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    reference: Option<&Bound<'_, PyAny>>,
    heldout: Option<&Bound<'_, PyAny>>,
    sample_tokens: Option<usize>,
    draws: usize,
    sentence_order: &str,
    mattr_window: usize,
    seed: u64,
    model: Option<&Bound<'_, PyAny>>,
    tokenizer: Option<&Bound<'_, PyAny>>,
    lossy: bool,
    threads: usize,
) -> PyResult<Py<PyAny>> {
    let sentence_order = match sentence_order {
        "shuffled" => SentenceOrder::Shuffled,
        "text" => SentenceOrder::Text,
        other => {
            return Err(anyhow::anyhow!("sentence_order must be \"shuffled\" or \"text\", got {other:?}"))
                .py_err()
        }
    };
    let config =
        MetricsConfig { sample_tokens, draws, mattr_window, sentence_order, ..MetricsConfig::default() };
    let measure = Measure::new(config, seed).py_err()?;
    let tokenizer = match tokenizer {
        None => None,
        Some(t) => Some(match t.cast::<PyTokenizer>() {
            Ok(t) => TokenizerArg::Built(t.get().spec.clone(), t.get().inner.clone()),
            Err(_) => TokenizerArg::Spec(
                t.extract::<String>()?
                    .parse()
                    .map_err(anyhow::Error::from)
                    .map_err(|e| e.context("--tokenizer"))
                    .py_err()?,
            ),
        }),
    };
    let model = match model {
        None => None,
        Some(m) => Some(match m.cast::<PyModel>() {
            Ok(m) => {
                let m = m.get();
                if let Some(given) = &tokenizer {
                    if *given.spec() != m.spec {
                        return Err(anyhow::anyhow!(
                            "tokenizer {} does not match the model's tokenizer, {}: leave tokenizer out to \
                             use the model's",
                            given.spec(),
                            m.spec
                        ))
                        .py_err();
                    }
                }
                ModelArg::Loaded(m.model.clone(), m.tokenizer.clone())
            }
            Err(_) => ModelArg::File(m.extract()?),
        }),
    };
    let texts = sentences(texts, "<texts>")?;
    let reference = reference.map(|r| sentences(r, "<reference>")).transpose()?;
    let heldout = heldout.map(|h| sentences(h, "<heldout>")).transpose()?;
    let threads = crate::model::threads(threads);
    let output = blocking::run_quiet(py, move |_| {
        let (model, path, tokenizer) = match (model, tokenizer) {
            (Some(ModelArg::File(path)), flag) => {
                let model = Arc::new(nglab_driver::io::read_model(&path, threads)?);
                let flag = flag.as_ref().map(TokenizerArg::spec);
                let t = nglab_driver::cmd::metrics::tokenizer(Some((&model, &path)), flag)?;
                (Some(model), Some(path), Arc::new(t))
            }
            (Some(ModelArg::Loaded(model, t)), _) => (Some(model), None, t),
            (None, Some(TokenizerArg::Built(_, t))) => (None, None, t),
            (None, flag) => {
                let flag = flag.as_ref().map(TokenizerArg::spec);
                (None, None, Arc::new(nglab_driver::cmd::metrics::tokenizer(None, flag)?))
            }
        };
        let read = |text: Text| text.read_lossy(lossy);
        let input = read(texts)?;
        let reference = reference.map(read).transpose()?;
        let heldout = heldout.map(read).transpose()?;
        measure.run(
            &tokenizer,
            named(&input),
            reference.as_ref().map(named),
            heldout.as_ref().map(named),
            model.as_deref().map(|m| (m, path.as_deref())),
        )
    })?;
    crate::json::to_python(py, &output)
}

/// A text read, named for the report.
fn named((text, path): &(CorpusText, PathBuf)) -> Named<'_> {
    Named { text, path }
}
