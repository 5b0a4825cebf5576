//! The estimated, immutable model: what scores and samples.

use std::ops::Range;

use nglab_tokenizer::{Corpus, TokenId, TokenizerSpec, Vocab, BOS, EOS, UNK};

use crate::discount::OrderDiscounts;
use crate::smoothing::Smoothing;
use crate::{Error, Result};

/// One order's n-grams, sorted by (prefix id, word) so that the successors of a
/// context are contiguous.
#[derive(Debug, Clone, Default)]
pub(crate) struct Level {
    pub(crate) prefix: Vec<u32>,
    pub(crate) word: Vec<TokenId>,
    pub(crate) suffix: Vec<u32>,
    /// log10 p(word | prefix), stored once as the f32 that ARPA writes
    /// ([`LOG_ZERO`] for probability 0).
    pub(crate) log_prob: Vec<f32>,
    /// log10 gamma(this n-gram as a context); 0 where it has no successors.
    /// Empty at the highest order (no n-gram there is a context).
    pub(crate) log_backoff: Vec<f32>,
    /// Successors of n-gram i in the next order: `child_start[i]..child_start[i + 1]`.
    /// Empty at the highest order.
    pub(crate) child_start: Vec<u32>,
}

impl Level {
    pub(crate) fn len(&self) -> usize {
        self.word.len()
    }

    /// p of n-gram `i`, linear.
    #[inline]
    pub(crate) fn p(&self, i: usize) -> f64 {
        linear(self.log_prob[i])
    }

    /// gamma of n-gram `i` as a context, linear (1 at the highest order).
    #[inline]
    pub(crate) fn gamma(&self, i: usize) -> f64 {
        self.log_backoff.get(i).map_or(1.0, |&b| linear(b))
    }
}

/// The stored log10 value of probability 0: ARPA's `-99` (KenLM's and
/// SRILM's). Any other stored value `x` stands for `10^x`, also below it (a
/// model read without `<unk>` gives it `-100`, as KenLM does).
pub(crate) const LOG_ZERO: f32 = -99.0;

/// A probability or backoff as stored: its log10 rounded once to f32,
/// [`LOG_ZERO`] at or below 10^-99 (as ARPA writes it).
#[inline]
pub(crate) fn to_log10(p: f64) -> f32 {
    let l = p.log10();
    if l <= f64::from(LOG_ZERO) {
        LOG_ZERO
    } else {
        l as f32
    }
}

/// A stored log10 value as an f64 log10 (`-inf` for [`LOG_ZERO`]).
#[inline]
pub(crate) fn log10_of(x: f32) -> f64 {
    if x == LOG_ZERO {
        f64::NEG_INFINITY
    } else {
        f64::from(x)
    }
}

/// `10^x` of an f64 log10 value: 0 for `-inf`, exactly 1 for 0.
#[inline]
pub(crate) fn pow10(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        10f64.powf(x)
    }
}

/// A stored log10 value as a linear one: `10^x`, 0 for [`LOG_ZERO`].
#[inline]
pub(crate) fn linear(x: f32) -> f64 {
    pow10(log10_of(x))
}

/// The bare structure of n-grams before probabilities: prefix, word, suffix.
#[derive(Debug, Clone, Default)]
pub(crate) struct Skeleton {
    pub(crate) prefix: Vec<u32>,
    pub(crate) word: Vec<TokenId>,
    pub(crate) suffix: Vec<u32>,
}

/// `child_start` of an order given the (sorted) prefixes of the order above.
pub(crate) fn child_starts(n_contexts: usize, prefixes_above: &[u32]) -> Vec<u32> {
    let mut start = vec![0u32; n_contexts + 1];
    for &p in prefixes_above {
        start[p as usize + 1] += 1;
    }
    for i in 0..n_contexts {
        start[i + 1] += start[i];
    }
    start
}

/// How a model was made, as recorded with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The smoothing, when the model was estimated here (or named in its ARPA header).
    pub smoothing: Option<Smoothing>,
    /// Per order, the discounts used (empty for models read from plain ARPA).
    pub discounts: Vec<OrderDiscounts>,
    /// The tokenizer that made the model's tokens, when the model was given
    /// one ([`Model::with_tokenizer`]) or its ARPA header names one. A
    /// relative `bpe-file:` path is relative to the model file's directory.
    pub tokenizer: Option<TokenizerSpec>,
}

/// A scoring state: the longest context suffix that the model knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct State {
    /// Order of the context n-gram (0 = empty context).
    pub(crate) order: u8,
    /// Its id within that order.
    pub(crate) id: u32,
}

impl State {
    /// The empty context.
    pub const EMPTY: State = State { order: 0, id: 0 };

    /// The number of words of context this state holds.
    pub fn order(&self) -> usize {
        self.order as usize
    }
}

/// Log10 probabilities of one scored sentence (`</s>` included).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SentenceScore {
    /// Sum of log10 p over the words and `</s>`.
    pub log10_prob: f64,
    /// Sum of log10 p over the OOV words only.
    pub log10_prob_oov: f64,
    /// Scored tokens: words plus `</s>`.
    pub tokens: u64,
    /// OOV words among them.
    pub oov: u64,
}

impl SentenceScore {
    /// The log10 of the sentence's perplexity, `-log10_prob / tokens` (its
    /// words and `</s>`, as KenLM's `query` counts them): `+inf` when a token
    /// had probability 0; 0 for a score of no token.
    pub fn log10_perplexity(&self) -> f64 {
        if self.tokens == 0 {
            return 0.0;
        }
        -self.log10_prob / self.tokens as f64
    }

    /// The sentence's perplexity, `10^(-log10_prob / tokens)`: `+inf` when a
    /// token had probability 0; 1 for a score of no token.
    ///
    /// ```
    /// let score = nglab_lm::SentenceScore { log10_prob: -4.0, log10_prob_oov: 0.0, tokens: 2, oov: 0 };
    /// assert_eq!((score.log10_perplexity(), score.perplexity()), (2.0, 100.0));
    /// let zero = nglab_lm::SentenceScore { log10_prob: f64::NEG_INFINITY, ..score };
    /// assert_eq!(zero.perplexity(), f64::INFINITY);
    /// ```
    pub fn perplexity(&self) -> f64 {
        10f64.powf(self.log10_perplexity())
    }
}

/// Totals over a corpus, with KenLM `query`'s conventions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Perplexity {
    /// Sum of log10 p over every token (`</s>` included, `<s>` not).
    pub log10_prob: f64,
    /// Sum of log10 p over OOV tokens.
    pub log10_prob_oov: f64,
    /// Scored tokens (words plus one `</s>` per sentence).
    pub tokens: u64,
    /// OOV tokens.
    pub oov: u64,
    /// Sentences.
    pub sentences: u64,
}

impl Perplexity {
    /// Adds one sentence's score.
    pub fn add(&mut self, s: &SentenceScore) {
        self.log10_prob += s.log10_prob;
        self.log10_prob_oov += s.log10_prob_oov;
        self.tokens += s.tokens;
        self.oov += s.oov;
        self.sentences += 1;
    }

    /// `10^(-log10_prob / tokens)`: infinite if a token had probability 0,
    /// NaN-free (1 for an empty corpus is avoided: `None` then).
    pub fn perplexity(&self) -> Option<f64> {
        (self.tokens > 0).then(|| 10f64.powf(-self.log10_prob / self.tokens as f64))
    }

    /// Perplexity without the OOV tokens, as KenLM reports it.
    pub fn perplexity_excl_oov(&self) -> Option<f64> {
        let n = self.tokens - self.oov;
        (n > 0).then(|| 10f64.powf(-(self.log10_prob - self.log10_prob_oov) / n as f64))
    }

    /// Share of tokens that are OOV.
    pub fn oov_rate(&self) -> Option<f64> {
        (self.tokens > 0).then(|| self.oov as f64 / self.tokens as f64)
    }
}

/// An estimated n-gram model, immutable. Scores, samples, and writes ARPA.
///
/// Every vocabulary word has a unigram (possibly with only the uniform share
/// of probability), so a vocabulary fixed from outside keeps perplexities of
/// different models comparable.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) vocab: Vocab,
    /// `levels[n - 1]` holds order n.
    pub(crate) levels: Vec<Level>,
    pub(crate) info: ModelInfo,
}

impl Model {
    /// The highest order.
    pub fn order(&self) -> usize {
        self.levels.len()
    }

    /// The vocabulary: ids in scores and samples are ids of this.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// How the model was made.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model, recording that its tokens came from `tokenizer`: written
    /// ARPA names it (`# nglab: tokenizer=SPEC` before `\data\`, a line
    /// KenLM's tools skip), so whoever reads the model can tokenize its input
    /// the same way. The probabilities are unchanged.
    pub fn with_tokenizer(mut self, tokenizer: TokenizerSpec) -> Model {
        self.info.tokenizer = Some(tokenizer);
        self
    }

    /// Whether its distributions sum to 1 (false for stupid backoff).
    pub fn is_normalized(&self) -> bool {
        self.info.smoothing.is_none_or(|s| s.is_normalized())
    }

    /// Number of n-grams of order `n` (1-based).
    pub fn n_grams(&self, n: usize) -> usize {
        self.levels[n - 1].len()
    }

    /// Total number of n-grams of all orders.
    pub fn n_grams_total(&self) -> usize {
        self.levels.iter().map(Level::len).sum()
    }

    /// Bytes held by its n-gram arrays (ids, f32 log10 values, successor
    /// starts; not the vocabulary): 24 per n-gram below the highest order, 16 at it.
    pub fn bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|l| {
                use std::mem::size_of_val;
                size_of_val(&l.prefix[..])
                    + size_of_val(&l.word[..])
                    + size_of_val(&l.suffix[..])
                    + size_of_val(&l.log_prob[..])
                    + size_of_val(&l.log_backoff[..])
                    + size_of_val(&l.child_start[..])
            })
            .sum()
    }

    /// The state at the start of a sentence (context `<s>`).
    pub fn begin_sentence(&self) -> State {
        if self.order() == 1 {
            return State::EMPTY;
        }
        State { order: 1, id: BOS }
    }

    /// Successors (in order `ctx.order + 1`) of a context, as an id range.
    pub(crate) fn children(&self, ctx: State) -> Range<usize> {
        if ctx.order == 0 {
            return 0..self.levels[0].len();
        }
        match self.levels.get(ctx.order as usize) {
            None => 0..0,
            Some(_) => {
                let cs = &self.levels[ctx.order as usize - 1].child_start;
                cs[ctx.id as usize] as usize..cs[ctx.id as usize + 1] as usize
            }
        }
    }

    /// The n-gram `ctx w`, if the model has it.
    pub(crate) fn child(&self, ctx: State, w: TokenId) -> Option<u32> {
        if ctx.order == 0 {
            return ((w as usize) < self.levels[0].len()).then_some(w);
        }
        if ctx.order as usize >= self.order() {
            return None;
        }
        let range = self.children(ctx);
        let words = &self.levels[ctx.order as usize].word[range.clone()];
        words.binary_search(&w).ok().map(|i| (range.start + i) as u32)
    }

    /// gamma of a context (1 for the empty context's parent, for contexts
    /// without successors and for a unigram of an order-1 model, the one
    /// context of the highest order).
    pub(crate) fn gamma(&self, ctx: State) -> f64 {
        pow10(self.log_gamma(ctx))
    }

    /// log10 of [`Model::gamma`] (`-inf` for a gamma of 0).
    pub(crate) fn log_gamma(&self, ctx: State) -> f64 {
        if ctx.order == 0 {
            0.0
        } else {
            self.levels[ctx.order as usize - 1].log_backoff.get(ctx.id as usize).map_or(0.0, |&b| log10_of(b))
        }
    }

    /// The context one word shorter.
    pub(crate) fn shorter(&self, ctx: State) -> State {
        match ctx.order {
            0 | 1 => State::EMPTY,
            n => State { order: n - 1, id: self.levels[n as usize - 1].suffix[ctx.id as usize] },
        }
    }

    /// The state after the n-gram `id` of order `n` was matched.
    fn state_after(&self, n: usize, id: u32) -> State {
        if n == self.order() {
            self.shorter(State { order: n as u8, id })
        } else {
            State { order: n as u8, id }
        }
    }

    /// p(w | ctx) (linear) and the next state: `10^x` of [`Model::score`].
    pub fn prob(&self, ctx: State, w: TokenId) -> (f64, State) {
        let (lp, s) = self.score(ctx, w);
        (pow10(lp), s)
    }

    /// log10 p(w | ctx) and the next state, by ARPA backoff semantics: the
    /// log10 probability of the longest known n-gram ending in `w`, plus the
    /// log10 backoffs of the contexts passed over (summed in f64, as the
    /// stored f32 values; `-inf` for probability 0). Out-of-vocabulary ids
    /// must be mapped to `<unk>` first; after `<unk>` the context resets, as
    /// in KenLM.
    pub fn score(&self, mut ctx: State, w: TokenId) -> (f64, State) {
        let mut bo = 0.0;
        loop {
            if let Some(id) = self.child(ctx, w) {
                let n = ctx.order as usize + 1;
                let lp = bo + log10_of(self.levels[n - 1].log_prob[id as usize]);
                let next = if w == UNK { State::EMPTY } else { self.state_after(n, id) };
                return (lp, next);
            }
            if ctx.order == 0 {
                // Only an id beyond the vocabulary gets here.
                return (f64::NEG_INFINITY, State::EMPTY);
            }
            bo += self.log_gamma(ctx);
            ctx = self.shorter(ctx);
        }
    }

    /// Scores one sentence of word ids (in this model's vocabulary) plus `</s>`.
    pub fn score_sentence(&self, sentence: &[TokenId]) -> SentenceScore {
        self.score_words(self.begin_sentence(), sentence, true)
    }

    /// Scores `words` from the state `start` ([`Model::begin_sentence`], or
    /// [`State::EMPTY`] for a fragment), followed by `</s>` when `eos`.
    /// Ids beyond the vocabulary are scored as `<unk>`.
    pub fn score_words(&self, start: State, words: &[TokenId], eos: bool) -> SentenceScore {
        let mut out = SentenceScore::default();
        let mut state = start;
        let end: &[TokenId] = if eos { &[EOS] } else { &[] };
        for &w in words.iter().chain(end) {
            let w = if (w as usize) < self.vocab.len() { w } else { UNK };
            let (lp, next) = self.score(state, w);
            out.log10_prob += lp;
            out.tokens += 1;
            if w == UNK {
                out.oov += 1;
                out.log10_prob_oov += lp;
            }
            state = next;
        }
        out
    }

    /// Perplexity of a corpus whose ids belong to this model's vocabulary.
    /// Refuses unnormalized models.
    pub fn perplexity(&self, corpus: &Corpus) -> Result<Perplexity> {
        if !self.is_normalized() {
            return Err(Error::Unsupported(
                "perplexity is undefined for stupid backoff: its scores are not probabilities".into(),
            ));
        }
        let mut total = Perplexity::default();
        for s in corpus.sentences() {
            total.add(&self.score_sentence(s));
        }
        Ok(total)
    }

    /// The words of n-gram `id` of order `n`.
    pub(crate) fn words_of(&self, n: usize, mut id: u32, out: &mut Vec<TokenId>) {
        out.clear();
        for k in (1..n).rev() {
            out.push(self.levels[k].word[id as usize]);
            id = self.levels[k].prefix[id as usize];
        }
        out.push(id);
        out.reverse();
    }
}
