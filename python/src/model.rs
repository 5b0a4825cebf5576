//! `nglab.Model` and `nglab.train`: an estimated model that scores, samples
//! and reads and writes ARPA, with the tokenizer its tokens come from.

use std::path::PathBuf;
use std::sync::Arc;

use nglab_driver::cmd::ppl::PplReport;
use nglab_driver::cmd::sample::{decode_lines, prompts_from, sample_budget, BeamSearch, Prompts};
use nglab_driver::cmd::train::{fallback_warnings, read_vocab, train_text, write_model, TrainSettings};
use nglab_lm::{sample_continuations, Budget, Model, Perplexity, SampleConfig, State};
use nglab_tokenizer::{AnyTokenizer, Corpus, TokenizerSpec, BOS, EOS};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::blocking;
use crate::errors::IntoPy;
use crate::text::{sentences, sentences_to_score, Lines, Text};
use crate::tokenizer::PyTokenizer;
use crate::vocab::PyVocab;

/// An n-gram model, immutable: it scores, samples and is saved as ARPA.
///
/// Made by :func:`nglab.train` or read by :meth:`Model.load`. It keeps the
/// tokenizer that turns sentences into its tokens (``"whitespace"`` unless
/// told otherwise), used by every method that takes text.
///
/// Scoring follows KenLM (and its ``kenlm`` Python module, where they
/// overlap): each sentence starts from ``<s>``, every word and the final
/// ``</s>`` is scored, a word outside the vocabulary is scored as ``<unk>``;
/// log10 probabilities.
#[pyclass(module = "nglab", name = "Model", frozen)]
pub struct PyModel {
    pub(crate) model: Arc<Model>,
    pub(crate) spec: TokenizerSpec,
    pub(crate) tokenizer: Arc<AnyTokenizer>,
}

/// Sentences turned into the model's ids, one per sentence (empty ones
/// kept); a sentence marker written in the text is refused as `nglab` refuses it.
fn encode(model: &Model, tokenizer: &AnyTokenizer, lines: &Lines) -> anyhow::Result<Corpus> {
    let mut corpus = Corpus::new();
    for (line, sentence) in lines.iter() {
        let one = Corpus::encode_frozen(std::iter::once(sentence), tokenizer, model.vocab())?;
        let ids = one.sentence(0);
        if let Some(&marker) = ids.iter().find(|&&id| id == BOS || id == EOS) {
            return Err(nglab_driver::io::marker_error(lines.source(), line, model.vocab().token(marker)));
        }
        corpus.push(ids);
    }
    Ok(corpus)
}

/// The number of threads `threads` asks for: 0 means every core (as `--threads`).
pub(crate) fn threads(threads: usize) -> usize {
    nglab_driver::cli::ThreadsArg { threads }.count()
}

impl PyModel {
    /// The sampled or searched sentences as text, as `nglab sample` writes them.
    fn decode(&self, corpus: &Corpus) -> anyhow::Result<Vec<String>> {
        decode_lines(&self.model, &self.tokenizer, corpus).collect()
    }

    /// Prompts from a `Text`, the first `limit` of them.
    fn prompts(&self, text: Text, limit: Option<usize>) -> anyhow::Result<(Corpus, PathBuf)> {
        let (text, source) = text.read()?;
        Ok((prompts_from(&text, &source, &self.model, &self.tokenizer, limit)?, source))
    }
}

#[pymethods]
impl PyModel {
    /// Reads an ARPA file (KenLM's, SRILM's or nglab's). ``tokenizer``: the
    /// spec (or :class:`Tokenizer`) its tokens came from; by default the one
    /// the model names (``nglab train`` records it), else ``"whitespace"``.
    #[staticmethod]
    #[pyo3(signature = (path, tokenizer = None, *, threads = 0))]
    fn load(
        py: Python<'_>,
        path: PathBuf,
        tokenizer: Option<&Bound<'_, PyAny>>,
        threads: usize,
    ) -> PyResult<Self> {
        let threads = self::threads(threads);
        enum Given {
            Spec(TokenizerSpec),
            Built(TokenizerSpec, Arc<AnyTokenizer>),
        }
        let given = match tokenizer {
            None => None,
            Some(t) => Some(match t.cast::<PyTokenizer>() {
                Ok(t) => Given::Built(t.get().spec.clone(), t.get().inner.clone()),
                Err(_) => Given::Spec(t.extract::<String>()?.parse().py_err()?),
            }),
        };
        blocking::run_quiet(py, move |_| {
            let model = nglab_driver::io::read_model(&path, threads)?;
            let (spec, tokenizer) = match given {
                Some(Given::Built(spec, t)) => (spec, t),
                flag => {
                    let flag = match flag {
                        Some(Given::Spec(spec)) => Some(spec),
                        _ => None,
                    };
                    let t = nglab_driver::tokenizer::for_model(&model, &path, flag.as_ref())?;
                    let spec = flag.or_else(|| model.info().tokenizer.clone()).unwrap_or_default();
                    (spec, Arc::new(t))
                }
            };
            Ok(PyModel { model: Arc::new(model), spec, tokenizer })
        })
    }

    /// Writes the model as ARPA (lmplz's layout), atomically: nothing is left
    /// half-written. The model records its tokenizer; a BPE is saved beside
    /// it as ``MODEL.tokenizer.json``, as ``nglab train`` does.
    #[pyo3(signature = (path, *, threads = 0))]
    fn save(&self, py: Python<'_>, path: PathBuf, threads: usize) -> PyResult<()> {
        let this = self.share();
        let threads = self::threads(threads);
        blocking::run_quiet(py, move |_| {
            write_model((*this.model).clone(), &this.tokenizer, &this.spec, &path, threads)
        })
    }

    /// The highest order.
    #[getter]
    fn order(&self) -> usize {
        self.model.order()
    }

    /// The vocabulary (ids of ``<unk>``, ``<s>``, ``</s>`` are 0, 1, 2).
    #[getter]
    fn vocab(&self) -> PyVocab {
        PyVocab { inner: Arc::new(self.model.vocab().clone()) }
    }

    /// The tokenizer that turns sentences into the model's tokens.
    #[getter]
    fn tokenizer(&self) -> PyTokenizer {
        PyTokenizer { spec: self.spec.clone(), inner: self.tokenizer.clone() }
    }

    /// The smoothing, as its spec string (``"mkn"``), when known.
    #[getter]
    fn smoothing(&self) -> Option<String> {
        self.model.info().smoothing.map(|s| s.to_string())
    }

    /// The number of n-grams of each order, from 1.
    #[getter]
    fn n_grams(&self) -> Vec<usize> {
        (1..=self.model.order()).map(|n| self.model.n_grams(n)).collect()
    }

    /// Per order, the discounts the estimate used: ``order``, ``discounts``
    /// (D1, D2, D3+), ``counts_of_counts`` (n1..n4), ``fallback`` (why the
    /// closed form failed, or None) and ``fallback_rule`` (the rule used then).
    /// Empty for a model read from ARPA.
    #[getter]
    fn discounts(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        let mut out = Vec::new();
        for d in &self.model.info().discounts {
            let dict = pyo3::types::PyDict::new(py);
            dict.set_item("order", d.order)?;
            dict.set_item("discounts", d.discounts.to_vec())?;
            dict.set_item("counts_of_counts", d.counts_of_counts.to_vec())?;
            dict.set_item("fallback", d.fallback.as_ref().map(|f| f.why.clone()))?;
            dict.set_item("fallback_rule", d.fallback.as_ref().map(|f| f.rule.to_string()))?;
            out.push(dict.into_any().unbind());
        }
        Ok(out)
    }

    /// log10 p(sentence ``</s>`` | ``<s>``): the sentence's words (split by the
    /// model's tokenizer) and the end of sentence, from its start.
    /// ``bos=False`` starts from no context; ``eos=False`` leaves ``</s>`` out.
    /// The same number as ``kenlm.Model.score(sentence, bos, eos)`` on the same
    /// ARPA (summed in double precision, where KenLM sums in single).
    #[pyo3(signature = (sentence, bos = true, eos = true))]
    fn score(&self, sentence: &str, bos: bool, eos: bool) -> PyResult<f64> {
        let lines = Lines::Items(vec![sentence.to_owned()], PathBuf::from("<sentence>"));
        let corpus = encode(&self.model, &self.tokenizer, &lines).py_err()?;
        let start = if bos { self.model.begin_sentence() } else { State::EMPTY };
        Ok(self.model.score_words(start, corpus.sentence(0), eos).log10_prob)
    }

    /// The log10 probability of each sentence (as :meth:`score`), as a numpy
    /// array of float64. ``sentences``: an iterable of ``str``, one ``str``, or
    /// a corpus file as an ``os.PathLike`` (its non-blank lines).
    #[pyo3(signature = (sentences, bos = true, eos = true))]
    fn scores<'py>(
        &self,
        py: Python<'py>,
        sentences: &Bound<'py, PyAny>,
        bos: bool,
        eos: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let text = sentences_to_score(sentences)?;
        let (model, tokenizer) = (self.model.clone(), self.tokenizer.clone());
        let scores = blocking::run_quiet(py, move |_| {
            let lines = text.lines()?;
            let corpus = encode(&model, &tokenizer, &lines)?;
            let start = if bos { model.begin_sentence() } else { State::EMPTY };
            Ok(corpus.sentences().map(|s| model.score_words(start, s, eos).log10_prob).collect::<Vec<f64>>())
        })?;
        Ok(scores.into_pyarray(py))
    }

    /// Perplexity with KenLM's conventions: ``10 ** (-total / tokens)``, where
    /// the total log10 probability and the tokens (words plus one ``</s>`` per
    /// sentence) are summed over the sentences; OOVs included. One ``str`` is
    /// one sentence (``kenlm.Model.perplexity``); an iterable of ``str`` or a
    /// corpus file (``os.PathLike``) is a corpus (``nglab ppl``).
    fn perplexity(&self, py: Python<'_>, sentences: &Bound<'_, PyAny>) -> PyResult<f64> {
        let totals = self.totals(py, sentences)?;
        totals.perplexity().ok_or_else(|| anyhow::anyhow!("no sentences to score")).py_err()
    }

    /// What ``nglab ppl --json`` reports of the sentences, as a dict:
    /// ``perplexity``, ``perplexity_excl_oov``, ``log10_prob``, ``tokens``,
    /// ``oov``, ``oov_rate``, ``sentences`` (None for an undefined value, with
    /// ``null_reason``).
    fn evaluate(&self, py: Python<'_>, sentences: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        crate::json::to_python(py, &PplReport::new(&self.totals(py, sentences)?))
    }

    /// Sentences drawn exactly from the model's distribution, as ``nglab
    /// sample`` writes them (same settings and seed: the same text, whatever
    /// ``threads`` is).
    ///
    /// Give ``n_sentences``, or ``n_tokens`` (whole sentences until the words
    /// reach it), or ``prompts`` (sentences or a corpus file: each result
    /// continues the first ``prefix_tokens`` words of one; ``n_sentences``
    /// then takes the first prompts only). ``temperature`` > 0; ``top_k``,
    /// ``top_p`` in (0, 1], ``min_p`` in [0, 1) and ``greedy`` cut the
    /// distribution over the whole vocabulary; ``unk`` is ``"resample"``,
    /// ``"keep"`` or ``"drop"``; ``max_len`` caps the words of a sentence;
    /// ``threads=0`` uses every core.
    #[pyo3(signature = (
        n_sentences = None, n_tokens = None, *, seed, temperature = 1.0, top_k = None, top_p = None,
        min_p = None, greedy = false, unk = "resample", max_len = 256, prompts = None,
        prefix_tokens = None, threads = 0
    ))]
    #[allow(clippy::too_many_arguments)]
    fn sample(
        &self,
        py: Python<'_>,
        n_sentences: Option<usize>,
        n_tokens: Option<usize>,
        seed: u64,
        temperature: f64,
        top_k: Option<usize>,
        top_p: Option<f64>,
        min_p: Option<f64>,
        greedy: bool,
        unk: &str,
        max_len: usize,
        prompts: Option<&Bound<'_, PyAny>>,
        prefix_tokens: Option<usize>,
        threads: usize,
    ) -> PyResult<Py<PyList>> {
        let unk = unk.parse().map_err(anyhow::Error::from).map_err(|e| e.context("--unk")).py_err()?;
        let config = SampleConfig {
            temperature,
            top_k,
            top_p,
            min_p,
            greedy,
            unk,
            max_len,
            ..SampleConfig::default()
        };
        config
            .validate()
            .map_err(anyhow::Error::from)
            .map_err(|e| e.context("invalid sampling options"))
            .py_err()?;
        let threads = self::threads(threads);
        let prompts = match (prompts, prefix_tokens) {
            (Some(p), Some(k)) if n_tokens.is_none() => Some((sentences(p, "<prompts>")?, k)),
            (Some(_), Some(_)) => return Err(anyhow::anyhow!("give n_tokens or prompts, not both")).py_err(),
            (Some(_), None) | (None, Some(_)) => {
                return Err(anyhow::anyhow!("prompts and prefix_tokens go together")).py_err()
            }
            (None, None) => None,
        };
        let budget = match (n_sentences, n_tokens) {
            (Some(_), Some(_)) => {
                return Err(anyhow::anyhow!("give n_sentences or n_tokens, not both")).py_err()
            }
            (Some(n), None) => Some(Budget::Sentences(n)),
            (None, Some(n)) => Some(Budget::Tokens(n)),
            (None, None) if prompts.is_some() => None,
            (None, None) => {
                return Err(anyhow::anyhow!("give n_sentences or n_tokens (or prompts and prefix_tokens)"))
                    .py_err()
            }
        };
        let this = self.share();
        let lines = blocking::run_quiet(py, move |cancel| {
            // Ctrl-C stops the sampler's threads before their next chunk.
            let config = SampleConfig { cancel: cancel.clone(), ..config };
            let (corpus, _stats) = match prompts {
                Some((text, k)) => {
                    let (prompts, _) = this.prompts(text, n_sentences)?;
                    sample_continuations(&this.model, &config, &prompts, k, seed, threads)?
                }
                None => sample_budget(
                    &this.model,
                    &config,
                    budget.expect("a budget without prompts"),
                    seed,
                    threads,
                )?,
            };
            this.decode(&corpus)
        })?;
        Ok(PyList::new(py, lines)?.unbind())
    }

    /// The most probable sentences that beam search finds (no randomness):
    /// the ``n_sentences`` best (default 1, at most ``width``) from ``<s>``, or
    /// with ``prompts`` (sentences or a corpus file) the best continuation of
    /// the first ``prefix_tokens`` words of each. Every word is a candidate,
    /// ``<unk>`` included. The text ``nglab sample --beam`` writes.
    #[pyo3(signature = (width, n_sentences = None, *, prompts = None, prefix_tokens = None, max_len = 256, threads = 0))]
    #[allow(clippy::too_many_arguments)]
    fn beam(
        &self,
        py: Python<'_>,
        width: usize,
        n_sentences: Option<usize>,
        prompts: Option<&Bound<'_, PyAny>>,
        prefix_tokens: Option<usize>,
        max_len: usize,
        threads: usize,
    ) -> PyResult<Py<PyList>> {
        let prompts = match (prompts, prefix_tokens) {
            (Some(p), Some(k)) => Some((sentences(p, "<prompts>")?, k)),
            (None, None) => None,
            _ => return Err(anyhow::anyhow!("prompts and prefix_tokens go together")).py_err(),
        };
        let search = BeamSearch { width, sentences: n_sentences, max_len, threads: self::threads(threads) };
        let this = self.share();
        let lines = blocking::run_quiet(py, move |_| {
            let (corpus, _) = match prompts {
                Some((text, k)) => {
                    let (prompts, source) = this.prompts(text, n_sentences)?;
                    search.run(
                        &this.model,
                        Some(Prompts { corpus: &prompts, prefix_tokens: k, source: &source }),
                    )?
                }
                None => search.run(&this.model, None)?,
            };
            this.decode(&corpus)
        })?;
        Ok(PyList::new(py, lines)?.unbind())
    }

    /// Whether ``word`` is in the vocabulary (``<unk>``, ``<s>``, ``</s>`` are).
    fn __contains__(&self, word: &str) -> bool {
        self.model.vocab().get(word).is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(order={}, smoothing={}, n_grams={}, vocab={}, tokenizer={:?})",
            self.model.order(),
            self.smoothing().unwrap_or_else(|| "unknown".into()),
            self.model.n_grams_total(),
            self.model.vocab().len(),
            self.spec.to_string()
        )
    }
}

impl PyModel {
    /// A copy sharing the model and tokenizer, to move onto a worker thread.
    fn share(&self) -> PyModel {
        PyModel { model: self.model.clone(), spec: self.spec.clone(), tokenizer: self.tokenizer.clone() }
    }

    /// The totals of `nglab ppl` over some sentences.
    fn totals(&self, py: Python<'_>, sentences: &Bound<'_, PyAny>) -> PyResult<Perplexity> {
        let text = sentences_to_score(sentences)?;
        let this = self.share();
        blocking::run_quiet(py, move |_| {
            let lines = text.lines()?;
            let corpus = encode(&this.model, &this.tokenizer, &lines)?;
            Ok(this.model.perplexity(&corpus)?)
        })
    }
}

/// Trains an n-gram model on a text, as ``nglab train`` does.
///
/// ``text``: a corpus file (``str`` or ``os.PathLike``; one sentence per
/// non-blank line, UTF-8) or an iterable of sentences. ``order`` from 1 to
/// 12. ``smoothing``: ``"mkn"`` (modified Kneser-Ney, KenLM-compatible),
/// ``"kn[:D]"``, ``"abs[:D]"``, ``"wb"``, ``"addk:K"``, ``"laplace"``,
/// ``"mle"``, ``"stupid[:ALPHA]"``. ``vocab``: a :class:`Vocab` or a
/// vocabulary file that fixes the vocabulary (None grows it from the text).
/// ``tokenizer``: a spec string (``"bpe:SIZE"`` trains on the text) or a
/// :class:`Tokenizer`. ``discount_fallback``: what an order whose closed-form
/// discounts fail uses: ``"kenlm"`` (0.5, 1, 1.5, as ``lmplz
/// --discount_fallback``), ``"clamp"`` (only a failing discount moves, to the
/// nearest valid value) or ``"D1,D2,D3"``; each such order gives a
/// :class:`DiscountFallback` warning and is listed in ``Model.discounts``.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (text, order = 3, smoothing = "mkn", vocab = None, *, tokenizer = None, discount_fallback = "kenlm", threads = 0))]
pub fn train(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    order: usize,
    smoothing: &str,
    vocab: Option<&Bound<'_, PyAny>>,
    tokenizer: Option<&Bound<'_, PyAny>>,
    discount_fallback: &str,
    threads: usize,
) -> PyResult<PyModel> {
    let mut settings =
        TrainSettings::parse(order, smoothing, discount_fallback, self::threads(threads)).py_err()?;
    enum Tok {
        Spec(TokenizerSpec),
        Built(TokenizerSpec, Arc<AnyTokenizer>),
    }
    let tok = match tokenizer {
        None => Tok::Spec(TokenizerSpec::Whitespace),
        Some(t) => match t.cast::<PyTokenizer>() {
            Ok(t) => Tok::Built(t.get().spec.clone(), t.get().inner.clone()),
            Err(_) => {
                let spec: String = t.extract()?;
                Tok::Spec(
                    spec.parse()
                        .map_err(anyhow::Error::from)
                        .map_err(|e| e.context("--tokenizer"))
                        .py_err()?,
                )
            }
        },
    };
    let vocab = match vocab {
        None => None,
        Some(v) => match v.cast::<PyVocab>() {
            Ok(v) => Some(Ok((*v.get().inner).clone())),
            Err(_) => Some(Err(v.extract::<PathBuf>()?)),
        },
    };
    let text = sentences(text, "<sentences>")?;
    let (model, spec, tokenizer) = blocking::run_quiet(py, move |_| {
        let (text, source) = text.read()?;
        let (spec, tokenizer) = match tok {
            Tok::Spec(spec) => {
                let built = nglab_driver::tokenizer::build(&spec, text.sentences())?;
                (spec, Arc::new(built))
            }
            Tok::Built(spec, t) => (spec, t),
        };
        settings.vocab = match vocab {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(path)) => Some(read_vocab(&path)?),
        };
        let model = train_text(&text, &source, &tokenizer, &settings)?;
        Ok((model, spec, tokenizer))
    })?;
    let category = py.import("nglab._errors")?.getattr("DiscountFallback")?;
    for line in fallback_warnings(&model) {
        PyErr::warn(py, &category, &std::ffi::CString::new(line).expect("no NUL in a message"), 1)?;
    }
    Ok(PyModel { model: Arc::new(model), spec, tokenizer })
}
