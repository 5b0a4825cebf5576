//! The measured columns of `metrics.csv`, declared once: each [`Column`]
//! carries its name, how to read its value from a generation's record, and
//! what a reader needs (title, unit, what it measures, which way is
//! collapse). Tables, summary, plots and the report all refer to these
//! constants, so a column cannot be misspelt in one of them.

use nglab_metrics::MetricsReport;

use super::record::GenRecord;

/// The metrics of the generation's newest text alone.
fn newest(r: &GenRecord) -> &MetricsReport {
    r.text.new_metrics.as_ref().unwrap_or(&r.text.metrics)
}

/// The 95% half-width of the mean over the draws of lexical metric `metric`.
fn half_width(m: &MetricsReport, metric: &str) -> Value {
    Value::Num(m.interval(metric).map(|i| i.half_width))
}

/// Tokens per sentence.
fn mean_len(m: &MetricsReport) -> Value {
    Value::Num((m.sentences > 0).then(|| m.tokens as f64 / m.sentences as f64))
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A count.
    Int(u64),
    /// A count that may be undefined (empty).
    MaybeInt(Option<u64>),
    /// A measurement, `None` when undefined.
    Num(Option<f64>),
}

impl Value {
    /// The value as a float, `None` when undefined.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::MaybeInt(i) => i.map(|i| i as f64),
            Value::Num(v) => *v,
        }
    }
}

/// A value as written in the tables: empty when undefined.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::MaybeInt(i) => i.map_or(Ok(()), |i| write!(f, "{i}")),
            Value::Num(v) => f.write_str(&super::tables::fmt_num(*v)),
        }
    }
}

/// Which way a column moves when a model collapses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collapse {
    /// Collapse raises it.
    Up,
    /// Collapse lowers it.
    Down,
    /// Collapse moves it, but which way depends on the setup (its doc says
    /// how): read alone, it cannot say whether a run collapsed.
    Either,
    /// It describes the setup, not collapse.
    Neither,
}

/// One measured column of `metrics.csv`.
#[derive(Debug)]
pub struct Column {
    /// The CSV header (and the `metric` of `summary.csv`).
    pub name: &'static str,
    /// A title for plots and tables.
    pub title: &'static str,
    /// Unit of the value (`""` for a plain number or share).
    pub unit: &'static str,
    /// What it measures, in one sentence.
    pub doc: &'static str,
    /// Which way is collapse.
    pub collapse: Collapse,
    /// Its value in a record.
    pub value: fn(&GenRecord) -> Value,
}

impl PartialEq for Column {
    fn eq(&self, other: &Column) -> bool {
        self.name == other.name
    }
}

/// Share of the human text's types of `order` whose human count lies in
/// band `band` (0: seen once, 1: 2-4, 2: 5-16, 3: 17+) present in the text.
fn survival(m: &MetricsReport, order: usize, band: usize) -> Value {
    let share = m
        .survival_by_band
        .as_ref()
        .and_then(|orders| orders.iter().find(|o| o.order == order))
        .and_then(|o| o.bands.get(band))
        .and_then(|b| b.share);
    Value::Num(share)
}

macro_rules! column {
    ($const:ident, $name:literal, $title:literal, $unit:literal, $collapse:expr, $doc:literal, $value:expr) => {
        #[doc = $doc]
        pub const $const: Column =
            Column { name: $name, title: $title, unit: $unit, doc: $doc, collapse: $collapse, value: $value };
    };
}

/// The declarations, one per column: constant, CSV name, title, unit, which
/// way is collapse, meaning, value. Kept as a table (not reformatted).
#[rustfmt::skip]
mod defs {
    use super::{half_width, mean_len, newest, survival, Column, Value::{Int, MaybeInt, Num}};
    use super::Collapse::{Down, Either, Neither, Up};

    column!(TRAIN_TOKENS, "train_tokens", "Training tokens", "tokens", Neither,
        "Tokens of the generation's whole training text.",
        |r| Int(r.text.metrics.tokens as u64));
    column!(TRAIN_SENTENCES, "train_sentences", "Training sentences", "sentences", Neither,
        "Sentences of the generation's whole training text.",
        |r| Int(r.text.metrics.sentences as u64));
    column!(MEAN_SENTENCE_LEN, "mean_sentence_len", "Mean sentence length", "tokens", Neither,
        "Tokens per sentence of the whole training text.",
        |r| mean_len(&r.text.metrics));
    column!(HUMAN_SHARE, "human_share", "Human share of the training text", "", Neither,
        "Share of the training text's tokens that come from the human text.",
        |r| Num(r.human_share));
    column!(TYPES, "types", "Word types", "types", Down,
        "Distinct tokens of the whole training text.",
        |r| Int(r.text.metrics.types as u64));
    column!(HAPAX, "hapax", "Hapax legomena", "types", Down,
        "Tokens seen exactly once in the whole training text.",
        |r| Int(r.text.metrics.hapax as u64));
    column!(METRICS_SAMPLE_TOKENS, "metrics_sample_tokens", "Lexical sample size", "tokens", Neither,
        "Token budget of each draw of the lexical metrics (ttr to distinct_4): the human training size.",
        |r| Int(r.text.metrics.sample.sample_tokens as u64));
    column!(TTR, "ttr", "Type-token ratio", "", Down,
        "Types / tokens of equal-size samples of whole sentences (mean over draws).",
        |r| Num(r.text.metrics.ttr));
    column!(MATTR, "mattr", "MATTR", "", Down,
        "Moving-average type-token ratio over 1,000-token windows of the samples, each sample's sentences in a random order (mean over 10 draws, the same procedure for human and synthetic text, so the text's sentence order does not matter).",
        |r| Num(r.text.metrics.mattr));
    column!(MATTR_CI, "mattr_ci", "MATTR: 95% half-width", "", Neither,
        "Half-width of the 95% t interval of mattr's mean over its 10 draws (random sentence orders, and samples when the text is larger than the human text).",
        |r| half_width(&r.text.metrics, "mattr"));
    column!(MTLD, "mtld", "MTLD", "tokens", Down,
        "Measure of textual lexical diversity (threshold 0.72) of the samples, each sample's sentences in a random order (mean over 10 draws).",
        |r| Num(r.text.metrics.mtld));
    column!(MTLD_CI, "mtld_ci", "MTLD: 95% half-width", "tokens", Neither,
        "Half-width of the 95% t interval of mtld's mean over its 10 draws.",
        |r| half_width(&r.text.metrics, "mtld"));
    column!(DISTINCT_1, "distinct_1", "distinct-1", "", Down,
        "Distinct unigrams / unigrams of the samples.",
        |r| Num(r.text.metrics.distinct_1));
    column!(DISTINCT_2, "distinct_2", "distinct-2", "", Down,
        "Distinct bigrams / bigrams of the samples (within sentences).",
        |r| Num(r.text.metrics.distinct_2));
    column!(DISTINCT_3, "distinct_3", "distinct-3", "", Down,
        "Distinct trigrams / trigrams of the samples (within sentences).",
        |r| Num(r.text.metrics.distinct_3));
    column!(DISTINCT_4, "distinct_4", "distinct-4", "", Down,
        "Distinct 4-grams / 4-grams of the samples (within sentences).",
        |r| Num(r.text.metrics.distinct_4));
    column!(ENTROPY_BITS, "entropy_bits", "Unigram entropy", "bits", Down,
        "Entropy of the whole training text's unigram distribution.",
        |r| Num(r.text.metrics.entropy_bits));
    column!(HETEROZYGOSITY, "heterozygosity", "Unigram heterozygosity", "", Down,
        "1 - sum of squared unigram probabilities of the whole training text: the chance that two random tokens differ (0 when one word remains).",
        |r| Num(r.text.metrics.heterozygosity));
    column!(ZIPF_EXPONENT, "zipf_exponent", "Zipf exponent", "", Either,
        "Least-squares slope of ln frequency on ln rank of the whole training text, negated. A sampler that cuts the tail (temperature below 1, top-k, top-p) raises it; plain sampling under replace lowers it on Brown (the fit over all ranks follows the shortened tail).",
        |r| Num(r.text.metrics.zipf_exponent));
    column!(JS_TO_HUMAN, "js_to_human", "JS divergence to the human text", "bits", Up,
        "Jensen-Shannon divergence between the unigram distributions of the training and human texts.",
        |r| Num(r.text.metrics.js_to_reference));
    column!(KL_TO_HUMAN, "kl_to_human", "KL divergence to the human text", "bits", Up,
        "KL(training text || human text) of the unigram distributions, the human side add-one smoothed.",
        |r| Num(r.text.metrics.kl_to_reference));
    column!(SQ_L2_TO_HUMAN, "sq_l2_to_human", "Squared L2 distance to the human unigram distribution", "", Up,
        "Sum over words of (p - q)^2, p and q the unigram distributions of the training and human texts (no smoothing).",
        |r| Num(r.text.metrics.sq_l2_to_reference));
    column!(SURVIVAL_HAPAX, "survival_hapax", "Survival of human hapaxes", "", Down,
        "Share of the word types seen once in the human text that occur in the training text.",
        |r| survival(&r.text.metrics, 1, 0));
    column!(SURVIVAL_2_4, "survival_2_4", "Survival of human types seen 2-4 times", "", Down,
        "Share of the word types seen 2 to 4 times in the human text that occur in the training text.",
        |r| survival(&r.text.metrics, 1, 1));
    column!(SURVIVAL_5_16, "survival_5_16", "Survival of human types seen 5-16 times", "", Down,
        "Share of the word types seen 5 to 16 times in the human text that occur in the training text.",
        |r| survival(&r.text.metrics, 1, 2));
    column!(SURVIVAL_17_PLUS, "survival_17_plus", "Survival of human types seen 17+ times", "", Down,
        "Share of the word types seen 17 or more times in the human text that occur in the training text.",
        |r| survival(&r.text.metrics, 1, 3));
    column!(SURVIVAL_BIGRAM_HAPAX, "survival_bigram_hapax", "Survival of human bigram hapaxes", "", Down,
        "Share of the bigram types seen once in the human text that occur in the training text.",
        |r| survival(&r.text.metrics, 2, 0));
    column!(COMPRESSION_RATIO, "compression_ratio", "Compression ratio", "", Either,
        "Bytes of the training text / bytes of its gzip stream (repetitive text compresses more). An n-gram model's samples repeat less beyond n words than human text, so it falls at generation 1 on Brown; a sampler that cuts the tail makes text more repetitive.",
        |r| Num(r.text.metrics.compression_ratio));
    column!(SELF_REPETITION_4, "self_repetition_4", "Self-repetition of 4-grams", "", Up,
        "Self-repetition of 4-grams across the training text's sentences (natural log).",
        |r| Num(r.text.metrics.self_repetition_4));
    column!(HELDOUT_PPL, "heldout_ppl", "Held-out perplexity", "", Up,
        "Perplexity of the held-out human text under the generation's model, OOVs included (KenLM query).",
        |r| Num(r.model.heldout_ppl));
    column!(HELDOUT_PPL_EXCL_OOV, "heldout_ppl_excl_oov", "Held-out perplexity without OOVs", "", Up,
        "Perplexity of the held-out human text under the generation's model, OOV tokens left out.",
        |r| Num(r.model.heldout_ppl_excl_oov));
    column!(HELDOUT_OOV_RATE, "heldout_oov_rate", "Held-out OOV rate", "", Up,
        "Share of the held-out tokens (and </s>) that are not in the generation model's own vocabulary.",
        |r| Num(r.model.heldout_oov_rate));
    column!(HELDOUT_PPL_FIXED, "heldout_ppl_fixed", "Held-out perplexity, fixed denominator", "", Up,
        "Held-out perplexity over the tokens in the human training vocabulary (and </s>), a word the model lacks scored as <unk>: comparable across generations whatever their vocabularies.",
        |r| Num(r.model.heldout_ppl_fixed));
    column!(CROSS_ENTROPY_TO_TRUTH, "cross_entropy_to_truth", "Cross-entropy to the truth", "bits/token", Up,
        "With --world: -(1/T) sum log2 q(x) over the T tokens (words and </s>) of the world's truth sample, the model read as a distribution over the world's words (<unk>'s share split equally among the world words it lacks).",
        |r| Num(r.truth.as_ref().and_then(|t| t.cross_entropy).map(|e| e.mean)));
    column!(KL_TO_TRUTH, "kl_to_truth", "KL(truth || model)", "bits/token", Up,
        "With --world: KL divergence per token from the world to the generation's model, cross_entropy_to_truth minus the world's entropy rate, estimated on the truth sample.",
        |r| Num(r.truth.as_ref().and_then(|t| t.kl).map(|e| e.mean)));
    column!(KL_TO_TRUTH_CI, "kl_to_truth_ci", "KL to the truth: 95% half-width", "bits/token", Neither,
        "With --world: half-width of the 95% interval of kl_to_truth from the spread of the truth sample's sentences (one sample for every generation, so differences between generations are tighter).",
        |r| Num(r.truth.as_ref().and_then(|t| t.kl).map(|e| e.half_width)));
    column!(TRUTH_ENTROPY_RATE, "truth_entropy_rate", "Entropy rate of the truth", "bits/token", Neither,
        "With --world: the world's entropy rate, -(1/T) sum log2 P*(x) over the truth sample, P* the world's model without <unk> (as it samples).",
        |r| Num(r.truth.as_ref().map(|t| t.entropy_rate.mean)));
    column!(MODEL_VOCAB, "model_vocab", "Model vocabulary", "words", Down,
        "Words of the generation model's vocabulary, <unk>, <s> and </s> included.",
        |r| Int(r.model.model_vocab as u64));
    column!(SYNTHETIC_PPL_GEN0, "synthetic_ppl_gen0", "Perplexity of the training text under generation 0", "", Either,
        "Perplexity of the whole training text under the generation-0 model (at generation 0 its own training text, so in-sample). Under plain sampling the generations drift away from generation 0 and it rises; a sampler below temperature 1 concentrates the text on what generation 0 finds likely, and after generation 1 it falls (as Shumailov et al. 2024 saw for fine-tuned language models).",
        |r| Num(r.model.synthetic_ppl_gen0));
    column!(NGRAMS, "ngrams", "Model n-grams", "n-grams", Down,
        "N-grams of the generation's model, all orders.",
        |r| Int(r.model.ngrams as u64));
    column!(SAMPLED_MAX_LEN_HITS, "sampled_max_len_hits", "Sentences cut at the maximum length", "sentences", Neither,
        "Sentences of the next generation's synthetic corpus cut at the maximum length (empty at the last generation).",
        |r| MaybeInt(r.sampled_max_len_hits.map(|n| n as u64)));
    column!(SAMPLED_UNK_REDRAWN, "sampled_unk_redrawn", "<unk> draws redrawn", "draws", Neither,
        "<unk> draws the sampler redrew while writing the next generation's corpus (empty at the last generation).",
        |r| MaybeInt(r.sampled_unk_redrawn.map(|n| n as u64)));
    column!(NEW_TOKENS, "new_tokens", "Newest text: tokens", "tokens", Neither,
        "Tokens of the generation's newest text: the human text at generation 0, else the synthetic corpus the previous generation wrote (the whole training text under replace).",
        |r| Int(newest(r).tokens as u64));
    column!(NEW_SENTENCES, "new_sentences", "Newest text: sentences", "sentences", Neither,
        "Sentences of the generation's newest text.",
        |r| Int(newest(r).sentences as u64));
    column!(NEW_MEAN_SENTENCE_LEN, "new_mean_sentence_len", "Newest text: mean sentence length", "tokens", Neither,
        "Tokens per sentence of the generation's newest text.",
        |r| mean_len(newest(r)));
    column!(NEW_TYPES, "new_types", "Newest text: word types", "types", Down,
        "Distinct tokens of the generation's newest text.",
        |r| Int(newest(r).types as u64));
    column!(NEW_HAPAX, "new_hapax", "Newest text: hapax legomena", "types", Down,
        "Tokens seen exactly once in the generation's newest text.",
        |r| Int(newest(r).hapax as u64));
    column!(NEW_TTR, "new_ttr", "Newest text: type-token ratio", "", Down,
        "Type-token ratio of equal-size samples of the newest text (mean over draws; the sample size is the human training size, or the whole text when smaller).",
        |r| Num(newest(r).ttr));
    column!(NEW_MATTR, "new_mattr", "Newest text: MATTR", "", Down,
        "Moving-average type-token ratio of the newest text's samples, sentences in a random order (mean over 10 draws).",
        |r| Num(newest(r).mattr));
    column!(NEW_MATTR_CI, "new_mattr_ci", "Newest text: MATTR 95% half-width", "", Neither,
        "Half-width of the 95% t interval of new_mattr's mean over its draws.",
        |r| half_width(newest(r), "mattr"));
    column!(NEW_MTLD, "new_mtld", "Newest text: MTLD", "tokens", Down,
        "MTLD of the newest text's samples, sentences in a random order (mean over 10 draws).",
        |r| Num(newest(r).mtld));
    column!(NEW_MTLD_CI, "new_mtld_ci", "Newest text: MTLD 95% half-width", "tokens", Neither,
        "Half-width of the 95% t interval of new_mtld's mean over its draws.",
        |r| half_width(newest(r), "mtld"));
    column!(NEW_DISTINCT_2, "new_distinct_2", "Newest text: distinct-2", "", Down,
        "distinct-2 of the newest text's samples.",
        |r| Num(newest(r).distinct_2));
    column!(NEW_ENTROPY_BITS, "new_entropy_bits", "Newest text: unigram entropy", "bits", Down,
        "Entropy of the newest text's unigram distribution.",
        |r| Num(newest(r).entropy_bits));
    column!(NEW_JS_TO_HUMAN, "new_js_to_human", "Newest text: JS divergence to the human text", "bits", Up,
        "Jensen-Shannon divergence between the unigram distributions of the newest and human texts.",
        |r| Num(newest(r).js_to_reference));
    column!(NEW_SURVIVAL_HAPAX, "new_survival_hapax", "Newest text: survival of human hapaxes", "", Down,
        "Share of the word types seen once in the human text that occur in the newest text.",
        |r| survival(newest(r), 1, 0));
    column!(NEW_SURVIVAL_2_4, "new_survival_2_4", "Newest text: survival of types seen 2-4 times", "", Down,
        "Share of the word types seen 2 to 4 times in the human text that occur in the newest text.",
        |r| survival(newest(r), 1, 1));
    column!(NEW_SURVIVAL_5_16, "new_survival_5_16", "Newest text: survival of types seen 5-16 times", "", Down,
        "Share of the word types seen 5 to 16 times in the human text that occur in the newest text.",
        |r| survival(newest(r), 1, 2));
    column!(NEW_SURVIVAL_17_PLUS, "new_survival_17_plus", "Newest text: survival of types seen 17+ times", "", Down,
        "Share of the word types seen 17 or more times in the human text that occur in the newest text.",
        |r| survival(newest(r), 1, 3));
    column!(NEW_SURVIVAL_BIGRAM_HAPAX, "new_survival_bigram_hapax", "Newest text: survival of bigram hapaxes", "", Down,
        "Share of the bigram types seen once in the human text that occur in the newest text.",
        |r| survival(newest(r), 2, 0));
    column!(PERSISTENT_HAPAX, "persistent_hapax", "Persistent survival of human hapaxes", "", Down,
        "Share of the word types seen once in the human text present in the newest text of every generation so far (a type lost and found again does not count).",
        |r| Num(r.lineage.persistent[0]));
    column!(PERSISTENT_2_4, "persistent_2_4", "Persistent survival of types seen 2-4 times", "", Down,
        "Share of the word types seen 2 to 4 times in the human text present in the newest text of every generation so far.",
        |r| Num(r.lineage.persistent[1]));
    column!(PERSISTENT_5_16, "persistent_5_16", "Persistent survival of types seen 5-16 times", "", Down,
        "Share of the word types seen 5 to 16 times in the human text present in the newest text of every generation so far.",
        |r| Num(r.lineage.persistent[2]));
    column!(PERSISTENT_17_PLUS, "persistent_17_plus", "Persistent survival of types seen 17+ times", "", Down,
        "Share of the word types seen 17 or more times in the human text present in the newest text of every generation so far.",
        |r| Num(r.lineage.persistent[3]));
    column!(RESURRECTED_TYPES, "resurrected_types", "Resurrected human types", "types", Neither,
        "Human word types present in the newest text after being absent from the newest text of an earlier generation.",
        |r| Int(r.lineage.resurrected));
}
pub use defs::*;

/// Every measured column, in `metrics.csv` order.
pub const ALL: [&Column; 65] = [
    &TRAIN_TOKENS,
    &TRAIN_SENTENCES,
    &MEAN_SENTENCE_LEN,
    &HUMAN_SHARE,
    &TYPES,
    &HAPAX,
    &METRICS_SAMPLE_TOKENS,
    &TTR,
    &MATTR,
    &MATTR_CI,
    &MTLD,
    &MTLD_CI,
    &DISTINCT_1,
    &DISTINCT_2,
    &DISTINCT_3,
    &DISTINCT_4,
    &ENTROPY_BITS,
    &HETEROZYGOSITY,
    &ZIPF_EXPONENT,
    &JS_TO_HUMAN,
    &KL_TO_HUMAN,
    &SQ_L2_TO_HUMAN,
    &SURVIVAL_HAPAX,
    &SURVIVAL_2_4,
    &SURVIVAL_5_16,
    &SURVIVAL_17_PLUS,
    &SURVIVAL_BIGRAM_HAPAX,
    &COMPRESSION_RATIO,
    &SELF_REPETITION_4,
    &HELDOUT_PPL,
    &HELDOUT_PPL_EXCL_OOV,
    &HELDOUT_OOV_RATE,
    &HELDOUT_PPL_FIXED,
    &CROSS_ENTROPY_TO_TRUTH,
    &KL_TO_TRUTH,
    &KL_TO_TRUTH_CI,
    &TRUTH_ENTROPY_RATE,
    &MODEL_VOCAB,
    &SYNTHETIC_PPL_GEN0,
    &NGRAMS,
    &SAMPLED_MAX_LEN_HITS,
    &SAMPLED_UNK_REDRAWN,
    &NEW_TOKENS,
    &NEW_SENTENCES,
    &NEW_MEAN_SENTENCE_LEN,
    &NEW_TYPES,
    &NEW_HAPAX,
    &NEW_TTR,
    &NEW_MATTR,
    &NEW_MATTR_CI,
    &NEW_MTLD,
    &NEW_MTLD_CI,
    &NEW_DISTINCT_2,
    &NEW_ENTROPY_BITS,
    &NEW_JS_TO_HUMAN,
    &NEW_SURVIVAL_HAPAX,
    &NEW_SURVIVAL_2_4,
    &NEW_SURVIVAL_5_16,
    &NEW_SURVIVAL_17_PLUS,
    &NEW_SURVIVAL_BIGRAM_HAPAX,
    &PERSISTENT_HAPAX,
    &PERSISTENT_2_4,
    &PERSISTENT_5_16,
    &PERSISTENT_17_PLUS,
    &RESURRECTED_TYPES,
];

/// The column named `name`, if there is one.
pub fn by_name(name: &str) -> Option<&'static Column> {
    ALL.iter().copied().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_csv_safe_and_found() {
        for (i, c) in ALL.iter().enumerate() {
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                c.name
            );
            assert!(ALL[..i].iter().all(|d| d.name != c.name), "{} twice", c.name);
            assert_eq!(by_name(c.name).map(|d| d.name), Some(c.name));
            assert!(!c.title.is_empty() && c.doc.ends_with('.'), "{}", c.name);
        }
        assert!(by_name("heldout_ppx").is_none(), "an unknown name is not a column");
    }
}
