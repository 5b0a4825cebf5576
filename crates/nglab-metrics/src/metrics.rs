//! The single entry point: [`TextMetrics::compute`].

use nglab_tokenizer::{Corpus, Vocab};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::distribution::{
    entropy_bits, heterozygosity, js_divergence_bits, kl_divergence_bits, sq_l2_distance, zipf_exponent,
};
use crate::ngrams::{sentence_bounds, NgramTable, Positions, MAX_ORDER};
use crate::report::{CorpusSize, Interval, MetricsReport, SampleInfo, Undefined};
use crate::sample::{draw, lexical_of_draw, measure_draws, summarize, DrawScratch};
use crate::{repetition, tails, Error};

/// The knobs of [`TextMetrics`], validated by [`TextMetrics::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsConfig {
    /// Token budget of the lexical metrics' sample. `None`: the smaller of the
    /// text and the reference (the text alone without a reference).
    pub sample_tokens: Option<usize>,
    /// Number of random draws averaged when the sample is smaller than the text.
    pub draws: usize,
    /// MATTR window, in tokens.
    pub mattr_window: usize,
    /// MTLD factor threshold, in `(0, 1)`.
    pub mtld_threshold: f64,
    /// gzip level of the compression ratio, `0..=9` (Python's `gzip.compress`,
    /// used by Shaib et al., defaults to 9; 6 is the `gzip` command's default).
    pub gzip_level: u32,
    /// Bytes compressed at most: a longer text is thinned to every k-th sentence.
    pub gzip_max_bytes: usize,
    /// The order of the sentences in each lexical sample: [`SentenceOrder::Shuffled`]
    /// (the default) makes MATTR and MTLD independent of the text's order.
    pub sentence_order: SentenceOrder,
}

/// The order in which the sentences of a lexical sample are laid end to end
/// for the metrics that read the sample as one word list (MATTR, MTLD). TTR
/// and distinct-n do not depend on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentenceOrder {
    /// Every draw is a uniformly random order of sentences (drawn without
    /// replacement until the budget), `draws` draws even when the budget
    /// covers the whole text: the values are means over random sentence
    /// orders, the same for a text and any reordering of its sentences up to
    /// the draws' spread ([`Interval::half_width`](crate::Interval::half_width)). A
    /// human text kept in document order and a synthetic text of independent
    /// sentences are then measured alike.
    #[default]
    Shuffled,
    /// Each draw is put back in text order, and a budget covering the text
    /// makes one draw, the text itself: the values of [`mattr`](crate::mattr) and
    /// [`mtld`](crate::mtld) on the text, which see neighbouring sentences of a
    /// document (topic runs lower MATTR and MTLD).
    Text,
}

impl SentenceOrder {
    /// Its name as in serde and on the command line: `shuffled`, `text`.
    pub fn name(self) -> &'static str {
        match self {
            SentenceOrder::Shuffled => "shuffled",
            SentenceOrder::Text => "text",
        }
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            sample_tokens: None,
            draws: 10,
            mattr_window: 1000,
            mtld_threshold: 0.72,
            gzip_level: 6,
            gzip_max_bytes: 1 << 20,
            sentence_order: SentenceOrder::Shuffled,
        }
    }
}

/// The n-gram tables of a text other texts are compared with (the human
/// training text, a held-out text). Build once, compare every generation.
#[derive(Debug, Clone)]
pub struct Reference {
    table: NgramTable,
    n_tokens: usize,
}

impl Reference {
    /// Counts the unigrams to 4-grams (within sentences) of `corpus`.
    pub fn new(corpus: &Corpus) -> Reference {
        let (table, _) = NgramTable::build(corpus);
        Reference { table, n_tokens: corpus.n_tokens() }
    }

    /// Tokens of the reference.
    pub fn n_tokens(&self) -> usize {
        self.n_tokens
    }

    /// Distinct tokens of the reference.
    pub fn n_types(&self) -> usize {
        self.table.n_types(1)
    }

    /// Distinct n-grams of `order` (within sentences) of the reference;
    /// `None` outside the orders it counts, 1 to 4.
    pub fn n_types_of_order(&self, order: usize) -> Option<usize> {
        (1..=4).contains(&order).then(|| self.table.n_types(order))
    }
}

/// The n-gram types (orders 1 to 4, within sentences) of a text and the type
/// of the n-gram at each of its positions: what [`TextMetrics::compute`]
/// counts before measuring. A text that grows by whole corpora (the
/// `accumulate` pool) keeps its counts and [`TextCounts::append`]s each new
/// corpus's instead of counting the whole text again.
#[derive(Debug, Clone, Default)]
pub struct TextCounts {
    table: NgramTable,
    positions: Positions,
    tokens: usize,
}

impl TextCounts {
    /// Counts `text`.
    pub fn new(text: &Corpus) -> TextCounts {
        let (table, positions) = NgramTable::build(text);
        TextCounts { table, positions, tokens: text.n_tokens() }
    }

    /// Appends the counts of the text that follows this one: the same
    /// counts as [`TextCounts::new`] of the two texts concatenated.
    pub fn append(&mut self, next: TextCounts) {
        self.table.append(&mut self.positions, next.table, next.positions);
        self.tokens += next.tokens;
    }

    /// Tokens of the text counted.
    pub fn n_tokens(&self) -> usize {
        self.tokens
    }
}

/// A validated [`MetricsConfig`]: computes a [`MetricsReport`] per text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMetrics {
    config: MetricsConfig,
    threads: usize,
}

const LEXICAL: [&str; 8] =
    ["ttr", "mattr", "mtld", "distinct_1", "distinct_2", "distinct_3", "distinct_4", "ngram_diversity"];

/// Collects the reasons of undefined metrics.
#[derive(Default)]
struct Reasons(Vec<Undefined>);

impl Reasons {
    fn check<T>(&mut self, metric: &str, value: Option<T>, reason: impl FnOnce() -> String) -> Option<T> {
        if value.is_none() {
            self.0.push(Undefined { metric: metric.to_owned(), reason: reason() });
        }
        value
    }
}

impl TextMetrics {
    /// Validates `config`.
    pub fn new(config: MetricsConfig) -> Result<TextMetrics, Error> {
        let bad = |field, expected, got: String| Err(Error::Config { field, expected, got });
        if config.sample_tokens == Some(0) {
            return bad("sample_tokens", "must be at least 1", "0".into());
        }
        if config.draws == 0 {
            return bad("draws", "must be at least 1", "0".into());
        }
        if config.mattr_window == 0 {
            return bad("mattr_window", "must be at least 1", "0".into());
        }
        if !(config.mtld_threshold > 0.0 && config.mtld_threshold < 1.0) {
            return bad("mtld_threshold", "must be in (0, 1)", config.mtld_threshold.to_string());
        }
        if config.gzip_max_bytes == 0 {
            return bad("gzip_max_bytes", "must be at least 1", "0".into());
        }
        if config.gzip_level > 9 {
            return bad("gzip_level", "must be in 0..=9", config.gzip_level.to_string());
        }
        Ok(TextMetrics { config, threads: 1 })
    }

    /// The validated configuration.
    pub fn config(&self) -> &MetricsConfig {
        &self.config
    }

    /// Measures the lexical metrics' draws on `threads` threads at most (0
    /// counts as 1; 1, the default, is the calling thread alone), each
    /// thread with its own scratch (4 bytes per token of the sample, a bit
    /// per n-gram type of the text). The draws are taken from the caller's
    /// random stream in order, so the report is the same for any count.
    pub fn with_threads(mut self, threads: usize) -> TextMetrics {
        self.threads = threads.max(1);
        self
    }

    /// The threads the draws are measured on.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Every metric of `text`; those against `reference` (divergences,
    /// survival, novelty) and `heldout` (recall) when given. `vocab` must hold
    /// every id of `text` and is used only to spell it for the compression
    /// ratio; the texts must share it. `rng` (a seeded [`ChaCha8Rng`](crate::ChaCha8Rng),
    /// say) draws the lexical samples (unused when the sample is the whole
    /// text in text order). Pure: same inputs and RNG state, same report.
    pub fn compute<R: Rng + Send + ?Sized>(
        &self,
        text: &Corpus,
        vocab: &Vocab,
        reference: Option<&Reference>,
        heldout: Option<&Reference>,
        rng: &mut R,
    ) -> Result<MetricsReport, Error> {
        self.compute_counted(text, &TextCounts::new(text), vocab, reference, heldout, rng)
    }

    /// [`TextMetrics::compute`] of `text` whose n-grams `counts` holds
    /// (counted by [`TextCounts::new`], or appended corpus by corpus): the
    /// same report.
    ///
    /// # Panics
    /// When `counts` is not of a text of `text`'s length.
    pub fn compute_counted<R: Rng + Send + ?Sized>(
        &self,
        text: &Corpus,
        counts: &TextCounts,
        vocab: &Vocab,
        reference: Option<&Reference>,
        heldout: Option<&Reference>,
        rng: &mut R,
    ) -> Result<MetricsReport, Error> {
        assert_eq!(counts.tokens, text.n_tokens(), "the counts are of another text");
        if let Some(&id) = text.ids().iter().find(|&&id| id as usize >= vocab.len()) {
            return Err(Error::IdOutOfRange { id, vocab_len: vocab.len() });
        }
        let cfg = &self.config;
        let mut why = Reasons::default();
        let TextCounts { table, positions, .. } = counts;
        let bounds = sentence_bounds(text);
        let n_tokens = text.n_tokens();
        let unigrams = &table.unigrams;

        // Lexical metrics on equal-size samples.
        let budget = cfg.sample_tokens.unwrap_or(match reference {
            Some(r) => n_tokens.min(r.n_tokens),
            None => n_tokens,
        });
        let whole_text = budget >= n_tokens;
        let in_text_order = cfg.sentence_order == SentenceOrder::Text;
        let draws = if whole_text && in_text_order { 1 } else { cfg.draws };
        let n_types = [1, 2, 3, 4].map(|n| if n == 1 { unigrams.len() } else { table.n_types(n) });
        let threads = self.threads.clamp(1, draws);
        let mut scratches: Vec<DrawScratch> =
            (0..threads).map(|_| DrawScratch::new(text.ids(), n_types)).collect();
        let mut order = Vec::new();
        let next = || {
            if whole_text && in_text_order {
                bounds.iter().copied().filter(|(a, b)| b > a).collect()
            } else {
                draw(&bounds, budget, cfg.sentence_order, &mut *rng, &mut order)
            }
        };
        let per_draw = measure_draws(&mut scratches, draws, next, |pieces, scratch| {
            lexical_of_draw(pieces, text.ids(), positions, cfg.mattr_window, cfg.mtld_threshold, scratch)
        });
        drop(scratches);
        let sample_tokens = budget.min(n_tokens);
        let mut lexical = [None; 8];
        let mut intervals = Vec::new();
        for (k, name) in LEXICAL.iter().enumerate() {
            let values: Option<Vec<f64>> = per_draw.iter().map(|d| d[k]).collect();
            let summary = values.map(|mut v| summarize(&mut v));
            let summary = why.check(name, summary, || lexical_reason(name, sample_tokens, cfg.mattr_window));
            if let Some(s) = summary {
                lexical[k] = Some(s.mean);
                let (sd, lo, hi, half_width) = (s.sd, s.lo, s.hi, s.half_width);
                intervals.push(Interval { metric: (*name).to_owned(), sd, lo, hi, half_width });
            }
        }

        // The whole text's distribution and repetition.
        let empty = || "the text is empty".to_owned();
        let types = table.n_types(1);
        let hapax = unigrams.iter().filter(|&&c| c == 1).count();
        let entropy = why.check("entropy_bits", entropy_bits(unigrams), empty);
        let hetero = why.check("heterozygosity", heterozygosity(unigrams), empty);
        let zipf =
            why.check("zipf_exponent", zipf_exponent(unigrams), || format!("needs 2 types, got {types}"));
        let gzip = repetition::compression_ratio(text, vocab, cfg.gzip_level, cfg.gzip_max_bytes);
        let gzip = why.check("compression_ratio", gzip, empty);
        let n4 = table.n_types(4);
        let self_rep = repetition::self_repetition(&bounds, &positions[MAX_ORDER - 2], n4);
        let self_rep = why.check("self_repetition_4", self_rep, || "the text has no sentence".to_owned());

        // Against the reference.
        let no_ref = || "no reference given".to_owned();
        let (mut kl_to, mut kl_from, mut js, mut l2) = (None, None, None, None);
        let (mut survival, mut novelty) = (None, None);
        if let Some(r) = reference {
            let empty_ref = || "the reference is empty".to_owned();
            let either = || if n_tokens == 0 { empty() } else { empty_ref() };
            kl_to = why.check("kl_to_reference", kl_divergence_bits(unigrams, &r.table.unigrams), empty);
            kl_from =
                why.check("kl_from_reference", kl_divergence_bits(&r.table.unigrams, unigrams), empty_ref);
            js = why.check("js_to_reference", js_divergence_bits(unigrams, &r.table.unigrams), either);
            l2 = why.check("sq_l2_to_reference", sq_l2_distance(unigrams, &r.table.unigrams), either);
            let (s, n) = tails::survival_and_novelty(table, &r.table, &table.map_onto(&r.table));
            survival = Some(s);
            novelty = Some(n);
        } else {
            for metric in [
                "kl_to_reference",
                "kl_from_reference",
                "js_to_reference",
                "sq_l2_to_reference",
                "survival_by_band",
                "novelty",
            ] {
                why.check::<()>(metric, None, no_ref);
            }
        }
        let recall = match heldout {
            Some(h) => Some(tails::recall(&h.table, &h.table.map_onto(table))),
            None => why.check("heldout_recall", None, || "no held-out text given".to_owned()),
        };

        let [ttr, mattr, mtld, d1, d2, d3, d4, diversity] = lexical;
        Ok(MetricsReport {
            tokens: n_tokens,
            sentences: text.n_sentences(),
            types,
            hapax,
            sample: SampleInfo {
                sample_tokens,
                draws,
                whole_text,
                scheme: "sentences".to_owned(),
                sentence_order: cfg.sentence_order,
            },
            ttr,
            mattr,
            mtld,
            distinct_1: d1,
            distinct_2: d2,
            distinct_3: d3,
            distinct_4: d4,
            ngram_diversity: diversity,
            intervals,
            entropy_bits: entropy,
            heterozygosity: hetero,
            zipf_exponent: zipf,
            compression_ratio: gzip,
            self_repetition_4: self_rep,
            reference: reference.map(|r| CorpusSize { tokens: r.n_tokens, types: r.n_types() }),
            kl_to_reference: kl_to,
            kl_from_reference: kl_from,
            js_to_reference: js,
            sq_l2_to_reference: l2,
            survival_by_band: survival,
            novelty,
            heldout: heldout.map(|h| CorpusSize { tokens: h.n_tokens, types: h.n_types() }),
            heldout_recall: recall,
            undefined: why.0,
        })
    }
}

fn lexical_reason(metric: &str, sample_tokens: usize, window: usize) -> String {
    match metric {
        _ if sample_tokens == 0 => "the sample is empty".to_owned(),
        "mattr" => format!("the sample of {sample_tokens} tokens is shorter than the window of {window}"),
        "distinct_2" | "distinct_3" | "distinct_4" | "ngram_diversity" => {
            "a draw has no sentence long enough for the n-gram order".to_owned()
        }
        _ => format!("undefined on a sample of {sample_tokens} tokens"),
    }
}
