//! Exact, seeded sampling from a [`Model`]: ancestral sampling in O(order)
//! per token, the decoding knobs (temperature, top-k, top-p, min-p, greedy)
//! on the full next-token distribution, beam search, and many sentences on
//! many threads with a result that does not depend on the thread count.
//!
//! # Pure ancestral sampling
//!
//! For a context `c` with explicit successors `A(c)` the model's next-token
//! distribution is, by ARPA backoff semantics, `p(w|c) = prob[c w]` for
//! `w` in `A(c)` and `gamma(c) p(w|c')` otherwise. Every context is sampled
//! in one of two exact ways, chosen per context when the [`Sampler`] is built:
//!
//! - **Interpolated** (every smoothing of this crate but stupid backoff):
//!   `u(w|c) = prob[c w] - gamma(c) prob[c' w] >= 0` for all `w` in `A(c)`, and
//!   `p(w|c) = u(w|c) [w in A(c)] + gamma(c) p(w|c')`. With probability
//!   `S_u / Z(c)` draw from `A(c)` in proportion to `u` (alias table), else
//!   draw from `c'`. Negative `u` down to `-1e-5 prob[c w]` (rounding in an
//!   ARPA file) count as 0.
//! - **Backoff** (any other context: stupid backoff, a non-interpolated
//!   foreign ARPA): with probability `L(c) / Z(c)`, `L(c) = sum prob[c w]`
//!   over `A(c)`, draw from `A(c)` in proportion to `prob`; else draw from
//!   `c'` conditioned on `w` not in `A(c)`, by rejection. After 1,000
//!   rejections in a row the conditional distribution is computed exactly in
//!   O(|V|) instead, which keeps the draw exact.
//!
//! `Z(c)` is the total mass of `c` (`Z(c) = S_u + gamma(c) Z(c')`, or
//! `L(c) + gamma(c) (Z(c') - sum_{w in A(c)} p(w|c'))`), computed bottom-up
//! from `Z(empty) = sum_w prob[w]`. For a normalized model every `Z` is 1 up
//! to rounding; for **stupid backoff** the sampler draws from
//! `S(w|c) / sum_v S(v|c)`: the scores of [`Model::prob`] normalized exactly
//! per context, over the vocabulary without `<s>`.
//!
//! # Decoding knobs
//!
//! Temperature, top-k, top-p, min-p and greedy act on the full next-token
//! distribution of a context over the whole vocabulary (every word that the
//! smoothing gives mass). In this order, as Hugging Face applies them:
//! 1. `p(w|c)` (`<unk>` removed first under [`UnkPolicy::Resample`]);
//! 2. temperature: `q ∝ p^(1/T)`;
//! 3. top-k: the `k` most probable words (ties broken by the smaller id);
//! 4. top-p: the shortest prefix, in the same order, whose mass reaches
//!    `top_p` times the mass left after top-k;
//! 5. min-p: the words with `q >= min_p * max q`;
//!
//! then a draw in proportion to `q`. Greedy takes the most probable word
//! (the smaller id on a tie), which none of the other knobs can change.
//!
//! None of them builds the full distribution. **Truncation and greedy** (at
//! any temperature): `p(.|c)` splits into bands, the successors of `c`, those of
//! `c'` not following `c` (scaled by `gamma(c)`), ..., the unigrams; each band
//! in `(p desc, word asc)` order is a sorted run of the model without the
//! successors of the context one longer, which are themselves a prefix of a
//! run sorted by the same key. Temperature keeps that order, so runs are
//! sorted once per sampler with cumulative tempered weights (`prob^(1/T)`;
//! a band's scale becomes `scale^(1/T)`), the cut of a context is a binary
//! search per band (O(order^2 log^2 |V|)), cached as a few numbers per
//! context, and a draw picks a band by tempered mass and a word of its prefix
//! by cumulative tempered weight, rejecting excluded words ([`Nucleus`]).
//! Every truncation is such a cut: top-k's is the `k`-th word (the number of
//! words within a cut is a binary search per band, like its mass), top-p's
//! the first reaching `top_p` of the tempered mass within top-k's, min-p's the
//! threshold `min_p^T` times the first word's probability; the kept set is
//! the earliest of them; greedy is the first word. It is the one defined
//! above up to floating-point rounding of the masses compared with the
//! target (sums in another order). **Temperature alone** draws exactly from
//! per-context tempered normalisers ([`Tempered`]).
//!
//! # Many sentences
//!
//! [`Sampler::sentences`] (and so [`sample_corpus`]) draws pure ancestral
//! sentences in [`LANES`] lanes side by side, each step of a lane loading
//! what its next step reads, so that cache misses of different lanes overlap
//! (a token is a chain of dependent reads: context, slot, shorter context,
//! hashed index). Every draw takes fresh words of the one stream, so each
//! sentence is exact and sentences are independent; the words for a seed
//! differ from those of [`Sampler::sentence`] called in a loop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hashbrown::HashMap;
use nglab_tokenizer::{Corpus, TokenId, BOS, EOS, UNK};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{Model, State};
use crate::{Error, Result};

/// Sentences per chunk in [`sample_corpus`]: each chunk has its own ChaCha
/// stream, so the output does not depend on the number of threads.
pub const CHUNK_SENTENCES: usize = 256;

/// Rejections in a row after which a draw is made exactly in O(|V|).
const MAX_REJECTIONS: usize = 1000;

/// A `u(w|c)` above `-NEG_TOLERANCE * prob[c w]` counts as 0 (interpolated).
const NEG_TOLERANCE: f64 = 1e-5;

/// Cached decoding tables hold at most this many entries (per sampler) before
/// the cache is cleared; the output does not depend on it.
const CACHE_MAX_ENTRIES: usize = 1 << 23;

/// [`Budget::Tokens`] of `N` stops short after `max(N, MAX_EMPTY)` empty sentences.
const MAX_EMPTY: usize = 1 << 20;

/// What generated text does with `<unk>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnkPolicy {
    /// Draw from `p(. | c, w != <unk>)`: a drawn `<unk>` is redrawn (counted in
    /// [`SampleStats::unk_resampled`] on the ancestral path).
    #[default]
    Resample,
    /// Keep `<unk>` in the output; the context resets after it, as in scoring.
    Keep,
    /// Sample as [`UnkPolicy::Keep`] does, but leave `<unk>` out of the output
    /// (counted in [`SampleStats::unk_dropped`]).
    Drop,
}

impl std::str::FromStr for UnkPolicy {
    type Err = Error;

    /// Parses `resample`, `keep` or `drop`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "resample" => Ok(UnkPolicy::Resample),
            "keep" => Ok(UnkPolicy::Keep),
            "drop" => Ok(UnkPolicy::Drop),
            _ => Err(Error::Config(format!(
                "unk policy must be resample, keep or drop, got '{s}'{}",
                nglab_tokenizer::did_you_mean(s, ["resample", "keep", "drop"])
            ))),
        }
    }
}

impl std::fmt::Display for UnkPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UnkPolicy::Resample => "resample",
            UnkPolicy::Keep => "keep",
            UnkPolicy::Drop => "drop",
        })
    }
}

/// How to sample. [`SampleConfig::default`]: temperature 1, no truncation,
/// not greedy, [`UnkPolicy::Resample`], `max_len` 256.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleConfig {
    /// Temperature `T > 0`: `q ∝ p^(1/T)`.
    pub temperature: f64,
    /// Keep the `k >= 1` most probable words.
    pub top_k: Option<usize>,
    /// Nucleus sampling: keep the most probable words up to this mass, in (0, 1].
    pub top_p: Option<f64>,
    /// Keep the words with at least this share of the most probable one's, in [0, 1).
    pub min_p: Option<f64>,
    /// Always take the most probable word.
    pub greedy: bool,
    /// What to do with `<unk>`.
    pub unk: UnkPolicy,
    /// Maximum words per sentence, prefix included (>= 1); a sentence that
    /// reaches it ends without `</s>` and is counted in [`SampleStats::max_len_hits`].
    pub max_len: usize,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            temperature: 1.0,
            top_k: None,
            top_p: None,
            min_p: None,
            greedy: false,
            unk: UnkPolicy::Resample,
            max_len: 256,
        }
    }
}

impl SampleConfig {
    /// Checks every parameter; the message shows the bad value.
    pub fn validate(&self) -> Result<()> {
        let t = self.temperature;
        if !(t > 0.0 && t.is_finite()) {
            return Err(Error::Config(format!("temperature must be finite and > 0, got {t}")));
        }
        if self.top_k == Some(0) {
            return Err(Error::Config("top-k must be >= 1, got 0".into()));
        }
        if let Some(p) = self.top_p {
            if !(p > 0.0 && p <= 1.0) {
                return Err(Error::Config(format!("top-p must be in (0, 1], got {p}")));
            }
        }
        if let Some(p) = self.min_p {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::Config(format!("min-p must be in [0, 1), got {p}")));
            }
        }
        if self.max_len == 0 {
            return Err(Error::Config("max-len must be >= 1, got 0".into()));
        }
        Ok(())
    }

    /// Whether the knobs are drawn from sorted bands (see [`Nucleus`]): any
    /// knob but temperature alone.
    fn banded(&self) -> bool {
        self.transforms() && !self.tempered_only()
    }

    /// Whether temperature is the only knob on (see [`Tempered`]).
    fn tempered_only(&self) -> bool {
        self.temperature != 1.0
            && !self.greedy
            && self.top_k.is_none()
            && self.top_p.is_none_or(|p| p == 1.0)
            && self.min_p.is_none_or(|p| p == 0.0)
    }

    /// Whether a knob needs the full next-token distribution.
    fn transforms(&self) -> bool {
        self.greedy
            || self.temperature != 1.0
            || self.top_k.is_some()
            || self.top_p.is_some_and(|p| p < 1.0)
            || self.min_p.is_some_and(|p| p > 0.0)
    }
}

/// How much to sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Exactly this many sentences.
    Sentences(usize),
    /// Whole sentences, in order, up to and including the first one at which
    /// the number of words (without `</s>`) reaches this many: the total is at
    /// least `N` and exceeds it by less than one sentence. 0 gives no sentence.
    /// A model that writes empty sentences (`</s>` at once) could make this
    /// endless: after `max(N, 2^20)` empty sentences, sampling stops short of
    /// `N` (the stats' `tokens` say how far it got), with those sentences kept.
    Tokens(usize),
}

/// What sampling did, summed over sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SampleStats {
    /// Sentences produced.
    pub sentences: usize,
    /// Words written (prefixes included, `</s>` and dropped `<unk>` not).
    pub tokens: usize,
    /// Sentences ended by the maximum length instead of `</s>`.
    pub max_len_hits: usize,
    /// `<unk>` draws redrawn under [`UnkPolicy::Resample`] (ancestral path).
    pub unk_resampled: usize,
    /// `<unk>` draws left out under [`UnkPolicy::Drop`].
    pub unk_dropped: usize,
    /// Draws that fell back to an exact O(|V|) computation after many rejections.
    pub exact_fallbacks: usize,
}

impl SampleStats {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &SampleStats) {
        self.sentences += other.sentences;
        self.tokens += other.tokens;
        self.max_len_hits += other.max_len_hits;
        self.unk_resampled += other.unk_resampled;
        self.unk_dropped += other.unk_dropped;
        self.exact_fallbacks += other.exact_fallbacks;
    }

    fn minus(&self, before: &SampleStats) -> SampleStats {
        SampleStats {
            sentences: self.sentences - before.sentences,
            tokens: self.tokens - before.tokens,
            max_len_hits: self.max_len_hits - before.max_len_hits,
            unk_resampled: self.unk_resampled - before.unk_resampled,
            unk_dropped: self.unk_dropped - before.unk_dropped,
            exact_fallbacks: self.exact_fallbacks - before.exact_fallbacks,
        }
    }
}

/// How a sentence ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// With `</s>`.
    Eos,
    /// At the maximum length, without `</s>`.
    MaxLen,
}

/// Alias tables (Walker/Vose) over contiguous ranges of one array: entry `i`
/// of a range is kept if the draw's fraction is below its threshold (a
/// probability scaled to 2^53), else replaced by its alias.
///
/// A slot holds the threshold and both outcomes (word and next state id of
/// the entry and of its alias) in 24 bytes: a draw reads one slot, whichever
/// outcome it takes.
#[derive(Debug, Default)]
struct Alias {
    slots: Vec<Slot>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    thr: u64,
    word: TokenId,
    /// Id of the state after this n-gram: itself, or its suffix at the highest order.
    next: u32,
    /// `word` and `next` of the alias (its absolute index while building).
    alias_word: TokenId,
    alias_next: u32,
}

const ONE53: f64 = (1u64 << 53) as f64;

impl Alias {
    fn with_len(n: usize) -> Self {
        Alias { slots: vec![Slot::default(); n] }
    }

    /// Builds the table of `start..start + weights.len()`; `small`/`large` are scratch.
    fn build(&mut self, start: usize, weights: &[f64], small: &mut Vec<usize>, large: &mut Vec<usize>) {
        let k = weights.len();
        let total: f64 = weights.iter().sum();
        small.clear();
        large.clear();
        let mut scaled: Vec<f64> =
            if total > 0.0 { weights.iter().map(|&w| w * k as f64 / total).collect() } else { vec![1.0; k] };
        for (i, &s) in scaled.iter().enumerate() {
            if s < 1.0 {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            self.slots[start + s].thr = (scaled[s] * ONE53) as u64;
            self.slots[start + s].alias_next = (start + l) as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left has weight 1 up to rounding.
        for &i in small.iter().chain(large.iter()) {
            self.slots[start + i].thr = 1u64 << 53;
            self.slots[start + i].alias_next = (start + i) as u32;
        }
    }

    /// Sets every slot's word and next state id (`outcome(index)`), and
    /// copies its alias's into it; after all ranges were built.
    fn finish(&mut self, outcome: impl Fn(usize) -> (TokenId, u32)) {
        for (i, s) in self.slots.iter_mut().enumerate() {
            (s.word, s.next) = outcome(i);
        }
        for i in 0..self.slots.len() {
            let a = self.slots[i].alias_next as usize;
            let (w, n) = (self.slots[a].word, self.slots[a].next);
            self.slots[i].alias_word = w;
            self.slots[i].alias_next = n;
        }
    }

    /// Draws an entry of `start..start + len` (len >= 1): its word and next state id.
    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R, start: usize, len: usize) -> (TokenId, u32) {
        self.outcome(rng.next_u64(), start, len)
    }

    /// The slot that the uniform word `u` reads in `start..start + len`.
    #[inline]
    fn slot_of(&self, u: u64, start: usize, len: usize) -> &Slot {
        &self.slots[start + ((u128::from(u) * len as u128) >> 64) as usize]
    }

    /// The draw of `u`: its slot, kept if the fraction left is below the threshold.
    #[inline]
    fn outcome(&self, u: u64, start: usize, len: usize) -> (TokenId, u32) {
        let slot = self.slot_of(u, start, len);
        if ((u.wrapping_mul(len as u64)) >> 11) < slot.thr {
            (slot.word, slot.next)
        } else {
            (slot.alias_word, slot.alias_next)
        }
    }
}

/// Per context of one order: the chance (scaled to 2^53) of drawing from its
/// own successors, and whether a backoff draw must avoid them.
#[derive(Debug, Default)]
struct ContextLevel {
    info: Vec<CtxInfo>,
}

/// Bit of [`CtxInfo::own`] set when a backoff draw must avoid the own successors.
const REJECT: u64 = 1 << 63;

/// One context: the chance of its own successors (scaled to 2^53, [`REJECT`]
/// or-ed in) and their range, in one 16-byte slot.
#[derive(Debug, Default, Clone, Copy)]
struct CtxInfo {
    own: u64,
    start: u32,
    len: u32,
}

/// The n-grams of one order by (context id, word), hashed (open addressing,
/// linear probing): finding `c w` after a backoff draw is one probe into one
/// cache line, mostly, instead of a binary search among the successors of `c`.
/// Only looked up, never iterated.
#[derive(Debug, Default)]
struct ChildIndex {
    /// `(context << 32) | word` (`EMPTY_KEY` when free) and the n-gram's id.
    slots: Vec<(u64, u32)>,
    shift: u32,
}

const EMPTY_KEY: u64 = u64::MAX;

impl ChildIndex {
    /// The index of the n-grams of `level` (order >= 2).
    fn new(level: &crate::model::Level) -> ChildIndex {
        let cap = (level.len() * 2).next_power_of_two().max(2);
        let mut index = ChildIndex { slots: vec![(EMPTY_KEY, 0); cap], shift: 64 - cap.trailing_zeros() };
        for i in 0..level.len() {
            let key = (u64::from(level.prefix[i]) << 32) | u64::from(level.word[i]);
            let mut j = index.home(key);
            while index.slots[j].0 != EMPTY_KEY {
                j = (j + 1) & (cap - 1);
            }
            index.slots[j] = (key, i as u32);
        }
        index
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The id of `ctx w`, if it exists.
    #[inline]
    fn get(&self, ctx: u32, w: TokenId) -> Option<u32> {
        let key = (u64::from(ctx) << 32) | u64::from(w);
        let mut j = self.home(key);
        loop {
            let (k, id) = self.slots[j];
            if k == key {
                return Some(id);
            }
            if k == EMPTY_KEY {
                return None;
            }
            j = (j + 1) & (self.slots.len() - 1);
        }
    }

    /// The home slot of `ctx w`, for a lane to load ahead.
    #[inline]
    fn touch(&self, ctx: u32, w: TokenId) -> &u64 {
        &self.slots[self.home((u64::from(ctx) << 32) | u64::from(w))].0
    }
}

/// Precomputed tables of pure ancestral sampling, shared by clones.
#[derive(Debug)]
struct Tables {
    unigram: Alias,
    /// `ctx[k - 1]`: contexts of order k (1..order).
    ctx: Vec<ContextLevel>,
    /// `succ[k - 1]`: alias tables over the successors (order k + 1) of contexts of order k.
    succ: Vec<Alias>,
    /// `index[k - 1]`: the successors of contexts of order k, for k in
    /// 1..order - 1 (a context of order `order - 1` needs no search: the
    /// state after its successor is the successor's suffix).
    index: Vec<ChildIndex>,
}

impl Tables {
    fn new(model: &Model) -> Tables {
        let v = model.vocab.len();
        let order = model.order();
        let mut small = Vec::new();
        let mut large = Vec::new();
        let uni: Vec<f64> =
            (0..v).map(|w| if w == BOS as usize { 0.0 } else { model.levels[0].prob[w] }).collect();
        let mut unigram = Alias::with_len(v);
        unigram.build(0, &uni, &mut small, &mut large);
        unigram.finish(|w| (w as TokenId, w as u32));
        // Z of the contexts one order below, starting from the empty context.
        let mut z_below = vec![uni.iter().sum::<f64>()];
        let mut ctx = Vec::with_capacity(order.saturating_sub(1));
        let mut succ = Vec::with_capacity(order.saturating_sub(1));
        let mut weights = Vec::new();
        for k in 1..order {
            let here = &model.levels[k - 1];
            let up = &model.levels[k];
            let lower_prob = &model.levels[k - 1].prob;
            let n_ctx = here.len();
            let mut level = ContextLevel {
                info: (0..n_ctx)
                    .map(|h| CtxInfo {
                        own: 0,
                        start: here.child_start[h],
                        len: here.child_start[h + 1] - here.child_start[h],
                    })
                    .collect(),
            };
            let mut alias = Alias::with_len(up.len());
            let mut z = vec![0.0; n_ctx];
            for (h, z_h) in z.iter_mut().enumerate() {
                let state = State { order: k as u8, id: h as u32 };
                let g = here.backoff[h];
                let shorter = model.shorter(state);
                let z_shorter = if k == 1 { z_below[0] } else { z_below[shorter.id as usize] };
                let r = here.child_start[h] as usize..here.child_start[h + 1] as usize;
                if r.is_empty() {
                    *z_h = g * z_shorter;
                    continue;
                }
                // `prob[c' w]`: the suffix n-gram of a successor is in order k.
                let lower = |i: usize| {
                    if k == 1 {
                        model.levels[0].prob[up.word[i] as usize]
                    } else {
                        lower_prob[up.suffix[i] as usize]
                    }
                };
                weights.clear();
                let mut interpolated = true;
                for i in r.clone() {
                    let p = up.prob[i];
                    let u = p - g * lower(i);
                    if u < -NEG_TOLERANCE * p || (u < 0.0 && p == 0.0) {
                        interpolated = false;
                    }
                    weights.push(u.max(0.0));
                }
                let (own_mass, total) = if interpolated {
                    let s_u: f64 = weights.iter().sum();
                    (s_u, s_u + g * z_shorter)
                } else {
                    weights.clear();
                    weights.extend(r.clone().map(|i| up.prob[i]));
                    let l: f64 = weights.iter().sum();
                    let m: f64 = r.clone().map(lower).sum();
                    let mut rest = (z_shorter - m).max(0.0);
                    if rest <= 1e-12 * z_shorter {
                        rest = 0.0;
                    }
                    level.info[h].own |= REJECT;
                    (l, l + g * rest)
                };
                *z_h = total;
                let own = if total > 0.0 { (own_mass / total).clamp(0.0, 1.0) } else { 0.0 };
                level.info[h].own |= (own * ONE53) as u64;
                alias.build(r.start, &weights, &mut small, &mut large);
            }
            z_below = z;
            ctx.push(level);
            let top = k + 1 == order;
            alias.finish(|i| (up.word[i], if top { up.suffix[i] } else { i as u32 }));
            succ.push(alias);
        }
        let index = (1..order.saturating_sub(1)).map(|k| ChildIndex::new(&model.levels[k])).collect();
        Tables { unigram, ctx, succ, index }
    }

    fn bytes(&self) -> usize {
        let alias = |a: &Alias| a.slots.len() * std::mem::size_of::<Slot>();
        alias(&self.unigram)
            + self.ctx.iter().map(|c| c.info.len() * std::mem::size_of::<CtxInfo>()).sum::<usize>()
            + self.succ.iter().map(alias).sum::<usize>()
            + self.index.iter().map(|i| i.slots.len() * std::mem::size_of::<(u64, u32)>()).sum::<usize>()
    }

    /// The state after `w` follows `ctx`, given `found`, the n-gram `ctx' w`
    /// it was drawn from (`ctx'` a suffix of `ctx`, or the unigram): as
    /// [`Model::prob`] leaves it; only the contexts longer than `ctx'` need a
    /// search, and each is one lookup in the hashed indexes.
    #[inline]
    fn next_state(&self, m: &Model, ctx: State, w: TokenId, found: State) -> State {
        if w == UNK {
            return State::EMPTY;
        }
        let mut c = ctx;
        if c.order as usize + 1 == m.order() {
            c = m.shorter(c);
        }
        while c.order >= found.order {
            if let Some(id) = self.index[c.order as usize - 1].get(c.id, w) {
                return State { order: c.order + 1, id };
            }
            c = m.shorter(c);
        }
        state_after(m, found.order as usize, found.id)
    }
}

/// The full distribution `p(.|ctx)` over the vocabulary by ARPA backoff
/// semantics, bit for bit what [`Model::prob`] returns for each word
/// (`<s>` gets 0). O(|V| + successors of the contexts on the way).
pub(crate) fn full_distribution(model: &Model, ctx: State, out: &mut Vec<f64>) {
    let mut chain = Vec::with_capacity(model.order());
    let mut bo = Vec::with_capacity(model.order() + 1);
    let mut c = ctx;
    let mut f = 1.0;
    while c.order > 0 {
        chain.push(c);
        bo.push(f);
        f *= model.gamma(c);
        c = model.shorter(c);
    }
    out.clear();
    out.extend(model.levels[0].prob.iter().map(|&p| f * p));
    for (j, &c) in chain.iter().enumerate().rev() {
        let up = &model.levels[c.order as usize];
        for i in model.children(c) {
            out[up.word[i] as usize] = bo[j] * up.prob[i];
        }
    }
    out[BOS as usize] = 0.0;
}

/// Draws from `weights` (not all zero) by a linear scan.
fn draw_linear<R: Rng + ?Sized>(rng: &mut R, weights: &[f64]) -> Option<TokenId> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || total.is_nan() {
        return None;
    }
    let u = (rng.next_u64() >> 11) as f64 / ONE53 * total;
    let mut acc = 0.0;
    let mut last = None;
    for (w, &p) in weights.iter().enumerate() {
        if p > 0.0 {
            acc += p;
            last = Some(w as TokenId);
            if u < acc {
                return last;
            }
        }
    }
    last
}

/// Orders candidates (weight, word) by weight descending, then word ascending.
fn by_weight(a: &(f64, TokenId), b: &(f64, TokenId)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// One context's successors (or the whole vocabulary for the empty context)
/// sorted by (weight desc, word asc), with cumulative tempered weights
/// (`weight^(1/T)`) within each context's range.
#[derive(Debug, Default)]
struct SortedRun {
    val: Vec<f64>,
    cum: Vec<f64>,
    word: Vec<TokenId>,
}

impl SortedRun {
    fn with_len(n: usize) -> Self {
        SortedRun { val: vec![0.0; n], cum: vec![0.0; n], word: vec![0; n] }
    }

    fn fill(&mut self, start: usize, items: &mut [(f64, TokenId)], inv_t: f64) {
        items.sort_unstable_by(by_weight);
        let mut acc = 0.0;
        for (i, &(v, w)) in items.iter().enumerate() {
            acc += temper(v, inv_t);
            self.val[start + i] = v;
            self.cum[start + i] = acc;
            self.word[start + i] = w;
        }
    }
}

/// `x^(1/T)` (`x` itself at `T = 1`, 0 for 0).
fn temper(x: f64, inv_t: f64) -> f64 {
    if inv_t == 1.0 || x <= 0.0 {
        x.max(0.0)
    } else {
        x.powf(inv_t)
    }
}

/// Sorted views of the model for exact truncated (top-k, top-p, min-p) and
/// greedy sampling, at any temperature, without O(|V|) work per context;
/// shared by clones. See [`Nucleus`].
#[derive(Debug)]
struct Sorted {
    /// `1/T`: the cumulative weights are tempered.
    inv_t: f64,
    /// The unigram distribution, every word but `<s>`.
    uni: SortedRun,
    /// `own[k - 1]`: successors (order k + 1) of each context of order k, by their own probability.
    own: Vec<SortedRun>,
    /// `low[k - 1]`: the same successors by the probability of their suffix n-gram (order k).
    low: Vec<SortedRun>,
}

impl Sorted {
    fn new(model: &Model, inv_t: f64) -> Sorted {
        let uni_prob = &model.levels[0].prob;
        let mut items: Vec<(f64, TokenId)> = (0..model.vocab.len() as TokenId)
            .filter(|&w| w != BOS)
            .map(|w| (uni_prob[w as usize], w))
            .collect();
        let mut uni = SortedRun::with_len(items.len());
        uni.fill(0, &mut items, inv_t);
        let mut own = Vec::new();
        let mut low = Vec::new();
        for k in 1..model.order() {
            let here = &model.levels[k - 1];
            let up = &model.levels[k];
            let mut o = SortedRun::with_len(up.len());
            let mut l = SortedRun::with_len(up.len());
            for h in 0..here.len() {
                let r = here.child_start[h] as usize..here.child_start[h + 1] as usize;
                if r.is_empty() {
                    continue;
                }
                items.clear();
                items.extend(r.clone().map(|i| (up.prob[i], up.word[i])));
                o.fill(r.start, &mut items, inv_t);
                items.clear();
                items.extend(r.clone().map(|i| {
                    let p =
                        if k == 1 { uni_prob[up.word[i] as usize] } else { here.prob[up.suffix[i] as usize] };
                    (p, up.word[i])
                }));
                l.fill(r.start, &mut items, inv_t);
            }
            own.push(o);
            low.push(l);
        }
        Sorted { inv_t, uni, own, low }
    }

    /// The run of `ctx`'s own successors (the unigram run for the empty context).
    fn own_of(&self, model: &Model, ctx: State) -> (&SortedRun, std::ops::Range<usize>) {
        if ctx.order == 0 {
            (&self.uni, 0..self.uni.val.len())
        } else if ctx.order as usize > self.own.len() {
            (&self.uni, 0..0)
        } else {
            (&self.own[ctx.order as usize - 1], model.children(ctx))
        }
    }

    /// The run of `ctx`'s successors by the probability one order lower.
    fn low_of(&self, model: &Model, ctx: State) -> (&SortedRun, std::ops::Range<usize>) {
        if ctx.order == 0 || ctx.order as usize > self.low.len() {
            (&self.uni, 0..0)
        } else {
            (&self.low[ctx.order as usize - 1], model.children(ctx))
        }
    }
}

/// A cut in `by_weight` order: the words `(x, w)` with `by_weight((x, w), cut) <= 0` are in.
type Cut = (f64, TokenId);

fn within(x: f64, w: TokenId, cut: Cut) -> bool {
    x > cut.0 || (x == cut.0 && w <= cut.1)
}

/// One band of a context's distribution: the words that `c_j` (the context
/// shortened `j` times) knows and `c_(j-1)` does not, each with
/// `p(w|c) = scale * prob[c_j w]`, `scale` the product of the gammas passed.
#[derive(Debug, Clone)]
struct Band {
    ctx: State,
    /// `c_(j-1)`, whose successors are excluded (none for the first band).
    excl: Option<State>,
    scale: f64,
    /// The band's part of the nucleus is a prefix of `ctx`'s own sorted run...
    len: usize,
    /// ...of this tempered mass (excluded words and `<unk>` under resample taken out).
    mass: f64,
}

/// The truncated distribution (top-k, top-p, min-p, greedy, at any
/// temperature; "the nucleus") of one context, found in O(order^2 log^2 |V|) from the sorted
/// runs: `p(.|c)` splits into bands (see [`Band`]) whose sorted orders are
/// the sorted runs of `c_j` without the successors of `c_(j-1)`, which form a
/// prefix of the `low` run of `c_(j-1)` under any cut (same sort key). So the
/// mass (and number of words) above any cut is a few binary searches, the cut itself a binary
/// search per band, and a draw picks a band by mass, then a word of its
/// prefix by its cumulative weights, rejecting the excluded words (and
/// `<unk>` under resample).
#[derive(Debug, Clone)]
struct Nucleus {
    bands: Vec<Band>,
    total: f64,
    /// Greedy: the most probable word, always drawn.
    greedy: Option<TokenId>,
}

/// The mass and the number of words within `cut` of the bands, with the
/// prefix length of each band.
fn nucleus_mass(
    s: &Sorted,
    m: &Model,
    bands: &mut [Band],
    cut: Cut,
    unk: Option<(f64, usize)>,
) -> (f64, usize) {
    let mut total = 0.0;
    let mut count = 0;
    for (j, b) in bands.iter_mut().enumerate() {
        let (run, r) = s.own_of(m, b.ctx);
        let scale = b.scale;
        let n = r.len();
        let (val, word) = (&run.val[r.clone()], &run.word[r.clone()]);
        let len = partition(n, |i| within(scale * val[i], word[i], cut));
        let mut mass = if len == 0 { 0.0 } else { run.cum[r.start + len - 1] };
        let mut n_in = len;
        if let Some(e) = b.excl {
            let (lrun, lr) = s.low_of(m, e);
            let (lval, lword) = (&lrun.val[lr.clone()], &lrun.word[lr.clone()]);
            let q = partition(lr.len(), |i| within(scale * lval[i], lword[i], cut));
            if q > 0 {
                mass -= lrun.cum[lr.start + q - 1];
            }
            n_in = n_in.saturating_sub(q);
        }
        let mut mass = (temper(scale, s.inv_t) * mass).max(0.0);
        if let Some((x, band)) = unk {
            if band == j && within(x, UNK, cut) {
                mass = (mass - temper(x, s.inv_t)).max(0.0);
                n_in = n_in.saturating_sub(1);
            }
        }
        b.len = len;
        b.mass = mass;
        total += mass;
        count += n_in;
    }
    (total, count)
}

/// The first `i` in `0..n` where `pred` turns false (`pred` true then false).
fn partition(n: usize, mut pred: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Nucleus {
    fn new(s: &Sorted, m: &Model, ctx: State, config: &SampleConfig) -> Option<Nucleus> {
        let resample = config.unk == UnkPolicy::Resample;
        let mut bands = Vec::with_capacity(m.order());
        let mut c = ctx;
        let mut f = 1.0;
        let mut prev = None;
        loop {
            bands.push(Band { ctx: c, excl: prev, scale: f, len: 0, mass: 0.0 });
            if c.order == 0 {
                break;
            }
            f *= m.gamma(c);
            prev = Some(c);
            c = m.shorter(c);
        }
        // `<unk>` is in the band of the longest context that knows it.
        let unk = if resample {
            let x = m.prob(ctx, UNK).0;
            let band = bands.iter().position(|b| m.child(b.ctx, UNK).is_some()).unwrap_or(bands.len() - 1);
            (x > 0.0).then_some((x, band))
        } else {
            None
        };
        let all: Cut = (0.0, TokenId::MAX);
        let (total, n) = nucleus_mass(s, m, &mut bands, all, unk);
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let mut scratch = bands.clone();
        // The earliest cut, over the bands' own runs, at which `reached`
        // (monotone: false, then true) holds of (mass, count) within it. The
        // true cut is a word of some band, found by that band's search; the
        // other bands' searches give later (or equal) cuts.
        let mut earliest = |reached: &dyn Fn(f64, usize) -> bool| -> Option<Cut> {
            let mut best: Option<Cut> = None;
            for b in &bands {
                let (run, r) = s.own_of(m, b.ctx);
                let scale = b.scale;
                let at = |i: usize| (scale * run.val[r.start + i], run.word[r.start + i]);
                let i = partition(r.len(), |i| {
                    let (x, k) = nucleus_mass(s, m, &mut scratch, at(i), unk);
                    !reached(x, k)
                });
                if i < r.len() {
                    let cut = at(i);
                    if best.is_none_or(|b| by_weight(&cut, &b).is_lt()) {
                        best = Some(cut);
                    }
                }
            }
            best
        };
        let earlier = |a: Cut, b: Cut| if by_weight(&a, &b).is_le() { a } else { b };
        // Greedy: the first word in `by_weight` order, whatever the other knobs.
        if config.greedy {
            let best = earliest(&|_, count| count >= 1)?;
            return Some(Nucleus { bands: Vec::new(), total: 1.0, greedy: Some(best.1) });
        }
        let mut cut = all;
        // Top-k: the k-th word in `by_weight` order.
        if let Some(k) = config.top_k.filter(|&k| k < n) {
            cut = earliest(&|_, count| count >= k).unwrap_or(all);
        }
        // Top-p: the shortest prefix reaching `top_p` of the mass left.
        if let Some(top_p) = config.top_p.filter(|&p| p < 1.0) {
            let mut probe = bands.clone();
            let target = top_p * nucleus_mass(s, m, &mut probe, cut, unk).0;
            if let Some(c) = earliest(&|mass, _| mass >= target) {
                cut = earlier(c, cut);
            }
        }
        // Min-p: the words at least `min_p` times the most probable one (the
        // 1st word), after temperature: `p^(1/T) >= min_p max p^(1/T)` is
        // `p >= min_p^T max p`.
        if let Some(min_p) = config.min_p.filter(|&p| p > 0.0) {
            if let Some(best) = earliest(&|_, count| count >= 1) {
                cut = earlier((min_p.powf(config.temperature) * best.0, TokenId::MAX), cut);
            }
        }
        let (total, _) = nucleus_mass(s, m, &mut scratch, cut, unk);
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        Some(Nucleus { bands: scratch, total, greedy: None })
    }

    fn draw<R: Rng + ?Sized>(&self, s: &Sorted, m: &Model, rng: &mut R, resample: bool) -> (TokenId, bool) {
        if let Some(w) = self.greedy {
            return (w, false);
        }
        let u = (rng.next_u64() >> 11) as f64 / ONE53 * self.total;
        let mut acc = 0.0;
        let mut pick = None;
        for b in &self.bands {
            if b.mass > 0.0 {
                acc += b.mass;
                pick = Some(b);
                if u < acc {
                    break;
                }
            }
        }
        let b = pick.expect("a nucleus has mass");
        let (run, r) = s.own_of(m, b.ctx);
        let cum = &run.cum[r.start..r.start + b.len];
        let bad = |w: TokenId| (resample && w == UNK) || b.excl.is_some_and(|e| m.child(e, w).is_some());
        for _ in 0..MAX_REJECTIONS {
            let u = (rng.next_u64() >> 11) as f64 / ONE53 * cum[b.len - 1];
            let i = cum.partition_point(|&c| c <= u).min(b.len - 1);
            let w = run.word[r.start + i];
            if !bad(w) {
                return (w, false);
            }
        }
        // Exact: the band's words without the excluded ones, by a linear scan.
        let mut weights = vec![0.0; m.vocab.len()];
        for i in 0..b.len {
            let w = run.word[r.start + i];
            if !bad(w) {
                weights[w as usize] = temper(run.val[r.start + i], s.inv_t);
            }
        }
        (draw_linear(rng, &weights).unwrap_or(EOS), true)
    }
}

/// Temperature alone, exactly and without the full distribution: with
/// `a = 1/T`, `q(w|c) ∝ p(w|c)^a` has the normaliser
/// `S(c) = sum_{w in A(c)} prob[c w]^a + gamma(c)^a (S(c') - sum_{w in A(c)} p(w|c')^a)`
/// (the words outside `A(c)` have `p(w|c) = gamma(c) p(w|c')`), and
/// `S(empty) = sum_w prob[w]^a` (`<s>` excluded). A draw takes an own
/// successor (in proportion to `prob[c w]^a`) with probability
/// `own / S(c)`, else draws from `q(.|c')` until the word is not in `A(c)`
/// (recursively; after [`MAX_REJECTIONS`] exactly in O(|V|)). Built per
/// context on its first visit, in O(|A(c)| order), and cached.
#[derive(Debug, Clone)]
struct Tempered {
    /// `S(c)`.
    total: f64,
    /// The own successors' part of `S(c)`.
    own: f64,
    words: Box<[TokenId]>,
    cum: Box<[f64]>,
}

impl Tempered {
    /// The table of `c`, given those of its suffixes in `done`.
    fn new(m: &Model, c: State, inv_t: f64, done: &HashMap<State, Tempered>) -> Tempered {
        let pow = |x: f64| if x > 0.0 { x.powf(inv_t) } else { 0.0 };
        let (words, weights): (Vec<TokenId>, Vec<f64>) = if c.order == 0 {
            let uni = &m.levels[0].prob;
            (0..uni.len() as TokenId).filter(|&w| w != BOS).map(|w| (w, pow(uni[w as usize]))).unzip()
        } else if c.order as usize >= m.order() {
            (Vec::new(), Vec::new())
        } else {
            let up = &m.levels[c.order as usize];
            m.children(c).filter(|&i| up.word[i] != BOS).map(|i| (up.word[i], pow(up.prob[i]))).unzip()
        };
        let mut acc = 0.0;
        let cum: Vec<f64> = weights
            .iter()
            .map(|&x| {
                acc += x;
                acc
            })
            .collect();
        let own = acc;
        let total = if c.order == 0 {
            own
        } else {
            let shorter = m.shorter(c);
            let s_shorter = done[&shorter].total;
            let sub: f64 = words.iter().map(|&w| pow(m.prob(shorter, w).0)).sum();
            let mut rest = (s_shorter - sub).max(0.0);
            if rest <= 1e-12 * s_shorter {
                rest = 0.0;
            }
            own + pow(m.gamma(c)) * rest
        };
        Tempered { total, own, words: words.into(), cum: cum.into() }
    }

    /// A draw from `q(.|c)` (`<unk>` included), and whether it fell back to O(|V|).
    fn draw<R: Rng + ?Sized>(
        m: &Model,
        all: &HashMap<State, Tempered>,
        rng: &mut R,
        c: State,
        inv_t: f64,
    ) -> (TokenId, bool) {
        let t = &all[&c];
        let u = (rng.next_u64() >> 11) as f64 / ONE53 * t.total;
        if c.order == 0 || u < t.own {
            let n = t.words.len();
            let v = (rng.next_u64() >> 11) as f64 / ONE53 * t.own;
            let i = t.cum.partition_point(|&x| x <= v).min(n - 1);
            return (t.words[i], false);
        }
        let shorter = m.shorter(c);
        let mut fell_back = false;
        for _ in 0..MAX_REJECTIONS {
            let (w, f) = Tempered::draw(m, all, rng, shorter, inv_t);
            fell_back |= f;
            if m.child(c, w).is_none() {
                return (w, fell_back);
            }
        }
        // Exact: q(.|c') without the successors of c.
        let mut p = Vec::new();
        full_distribution(m, shorter, &mut p);
        let up = &m.levels[c.order as usize];
        for i in m.children(c) {
            p[up.word[i] as usize] = 0.0;
        }
        p.iter_mut().filter(|x| **x > 0.0).for_each(|x| *x = x.powf(inv_t));
        (draw_linear(rng, &p).unwrap_or(EOS), true)
    }
}

/// Sentences that [`Sampler::sentences`] samples side by side on the ancestral path.
const LANES: usize = 16;

/// Words of one token that a lane can replay to [`Sampler::next_word`].
const AHEAD: usize = 2 * crate::MAX_ORDER + 2;

/// An RNG that first returns words already drawn, then continues the
/// stream it wraps.
struct Replay<'r, R: ?Sized> {
    words: &'r [u64],
    used: usize,
    rng: &'r mut R,
}

impl<R: Rng + ?Sized> rand::RngCore for Replay<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        match self.words.get(self.used) {
            Some(&u) => {
                self.used += 1;
                u
            }
            None => self.rng.next_u64(),
        }
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
    }
}

/// What a lane loads when it has nothing to load.
static NOTHING: u64 = 0;

/// One sentence in progress in [`Sampler::sentences`].
#[derive(Debug)]
struct Lane<'t> {
    /// Its index in the batch.
    index: usize,
    words: Vec<TokenId>,
    /// Words counted against `max_len` (dropped `<unk>` included).
    len: usize,
    /// The context of the token being drawn.
    state: State,
    stats: SampleStats,
    /// The words drawn for the token so far, and how many.
    drawn: [u64; AHEAD],
    n_drawn: usize,
    /// `<unk>` drawn in a row under resample.
    unk_run: usize,
    step: Step,
    /// What its next step reads: loaded by the round's load loop.
    touch: &'t u64,
}

/// Where the draw of a lane's token is: each step reads what the step before
/// loaded and loads what the next one reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// Start a token.
    Start,
    /// Decide own successors or backoff at this context (order >= 1).
    Context(State),
    /// Read the slot of the uniform word `u` among the successors of a
    /// context of order `k` (0: the unigrams) starting at `start`.
    Slot { k: u8, start: u32, len: u32, u: u64 },
    /// Find the state after `w`, drawn from the n-gram `found`.
    Search { w: TokenId, found: State },
    /// A context that needs rejection: [`Sampler::next_word`] draws the
    /// token, replaying the words drawn for it so far.
    Scalar,
    /// The sentence has ended.
    Ended,
}

impl Lane<'_> {
    fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u64 {
        let u = rng.next_u64();
        // A token takes at most one word per context and one per slot;
        // `Step::Start` resets the count.
        self.drawn[self.n_drawn] = u;
        self.n_drawn += 1;
        u
    }
}

impl Tables {
    /// One step of a lane's token (see [`Step`]): `Some((w, next))` when the
    /// word is drawn, `None` when another step is needed (or the token must
    /// be drawn by [`Sampler::next_word`]: [`Step::Scalar`]). Returns also what
    /// the next step needs.
    #[inline]
    fn step<'t, R: Rng + ?Sized>(
        &'t self,
        m: &Model,
        rng: &mut R,
        l: &mut Lane<'t>,
    ) -> (Option<(TokenId, State)>, &'t u64) {
        match l.step {
            Step::Start | Step::Ended | Step::Scalar => {
                l.n_drawn = 0;
                let c = l.state;
                if c.order == 0 || c.order as usize > self.ctx.len() {
                    self.to_slot(rng, l, 0, 0, self.unigram.slots.len() as u32)
                } else {
                    l.step = Step::Context(c);
                    (None, &self.ctx[c.order as usize - 1].info[c.id as usize].own)
                }
            }
            Step::Context(c) => {
                let k = c.order as usize;
                let info = self.ctx[k - 1].info[c.id as usize];
                if info.own & REJECT != 0 {
                    l.step = Step::Scalar;
                    return (None, &NOTHING);
                }
                let u = l.draw(rng);
                if (u >> 11) < info.own {
                    return self.to_slot(rng, l, k as u8, info.start, info.len);
                }
                match m.shorter(c) {
                    s if s.order == 0 => self.to_slot(rng, l, 0, 0, self.unigram.slots.len() as u32),
                    s => {
                        l.step = Step::Context(s);
                        (None, &self.ctx[s.order as usize - 1].info[s.id as usize].own)
                    }
                }
            }
            Step::Slot { k, start, len, u } => {
                let k = k as usize;
                let a = if k == 0 { &self.unigram } else { &self.succ[k - 1] };
                let (w, id) = a.outcome(u, start as usize, len as usize);
                let found = if k == 0 {
                    state_after(m, 1, w)
                } else {
                    // At the highest order the slot holds the suffix: the state after it.
                    State { order: if k + 1 == m.order() { k as u8 } else { k as u8 + 1 }, id }
                };
                if w == UNK || k == l.state.order as usize {
                    let next = if w == UNK { State::EMPTY } else { found };
                    return (Some((w, next)), &NOTHING);
                }
                // The first context that may know `c w` (see `next_state`).
                let mut c = l.state;
                if c.order as usize + 1 == m.order() {
                    c = m.shorter(c);
                }
                if c.order < found.order {
                    return (Some((w, state_after(m, found.order as usize, found.id))), &NOTHING);
                }
                l.step = Step::Search { w, found };
                (None, self.index[c.order as usize - 1].touch(c.id, w))
            }
            Step::Search { w, found } => (Some((w, self.next_state(m, l.state, w, found))), &NOTHING),
        }
    }

    /// Draws the slot word of a draw among `start..start + len` of order `k`'s successors.
    #[inline]
    fn to_slot<'t, R: Rng + ?Sized>(
        &'t self,
        rng: &mut R,
        l: &mut Lane<'t>,
        k: u8,
        start: u32,
        len: u32,
    ) -> (Option<(TokenId, State)>, &'t u64) {
        let u = l.draw(rng);
        l.step = Step::Slot { k, start, len, u };
        let a = if k == 0 { &self.unigram } else { &self.succ[k as usize - 1] };
        (None, &a.slot_of(u, start as usize, len as usize).thr)
    }
}

/// Draws sentences from one model with one configuration. Build it once
/// (it precomputes alias tables over every context's successors, or caches
/// decoding tables per context); clone it per thread.
#[derive(Debug, Clone)]
pub struct Sampler<'m> {
    model: &'m Model,
    config: SampleConfig,
    /// Ancestral tables (absent when a decoding knob is on).
    tables: Option<Arc<Tables>>,
    /// Sorted runs for truncation at temperature 1 (see [`Nucleus`]), shared by clones.
    sorted: Option<Arc<Sorted>>,
    nuclei: HashMap<State, Nucleus>,
    tempered: HashMap<State, Tempered>,
    scratch: Vec<f64>,
    stats: SampleStats,
}

impl<'m> Sampler<'m> {
    /// A sampler for `model` with a validated `config`.
    pub fn new(model: &'m Model, config: &SampleConfig) -> Result<Self> {
        config.validate()?;
        let tables = (!config.transforms()).then(|| Arc::new(Tables::new(model)));
        // Greedy is the same at any temperature: no tempered weights needed.
        let inv_t = if config.greedy { 1.0 } else { 1.0 / config.temperature };
        let sorted = config.banded().then(|| Arc::new(Sorted::new(model, inv_t)));
        Ok(Sampler {
            model,
            config: config.clone(),
            tables,
            sorted,
            nuclei: HashMap::new(),
            tempered: HashMap::new(),
            scratch: Vec::new(),
            stats: SampleStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SampleConfig {
        &self.config
    }

    /// What this sampler did so far.
    pub fn stats(&self) -> &SampleStats {
        &self.stats
    }

    /// Bytes held by the precomputed ancestral tables (shared by clones).
    pub fn table_bytes(&self) -> usize {
        self.tables.as_ref().map_or(0, |t| t.bytes())
    }

    /// One sentence (words only, no `<s>`/`</s>`) appended to `out`: `prefix`
    /// (words after `<s>`, copied verbatim) and then its sampled continuation.
    pub fn sentence<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        prefix: &[TokenId],
        out: &mut Vec<TokenId>,
    ) -> Result<Ending> {
        check_prefix(self.model, self.config.max_len, prefix)?;
        let mut state = self.model.begin_sentence();
        for &w in prefix {
            state = next_state(self.model, state, w);
        }
        out.extend_from_slice(prefix);
        let mut written = prefix.len();
        let mut len = prefix.len();
        let ending = loop {
            if len >= self.config.max_len {
                self.stats.max_len_hits += 1;
                break Ending::MaxLen;
            }
            let (w, next) = self.next_word(rng, state)?;
            if w == EOS {
                break Ending::Eos;
            }
            len += 1;
            if w == UNK && self.config.unk == UnkPolicy::Drop {
                self.stats.unk_dropped += 1;
            } else {
                out.push(w);
                written += 1;
            }
            state = next;
        };
        self.stats.sentences += 1;
        self.stats.tokens += written;
        Ok(ending)
    }

    /// `n` sentences appended to `out` in order, sentence `j` continuing
    /// `prefix(j)` (see [`Sampler::sentence`]); returns each sentence's stats.
    ///
    /// Pure ancestral sampling draws 16 sentences (`LANES`) side by side from
    /// `rng`, one step of each lane's token per round: each step reads what
    /// the lane's previous step loaded (its context, a slot, a shorter
    /// context, the hashed index that gives the next state) and loads what
    /// its next step reads, so the cache misses of the lanes overlap. A
    /// context that needs rejection (a non-interpolated ARPA file) hands the
    /// token to the one-sentence code, replaying the words drawn for it.
    /// Every draw takes fresh uniform words, so each sentence has the model's
    /// distribution and sentences are independent, but the words of a seed
    /// differ from those of [`Sampler::sentence`] called `n` times. The
    /// decoding knobs sample one sentence at a time.
    pub fn sentences<'p, R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        n: usize,
        prefix: impl Fn(usize) -> &'p [TokenId],
        out: &mut Corpus,
    ) -> Result<Vec<SampleStats>> {
        let mut stats = Vec::with_capacity(n);
        let Some(tables) = self.tables.clone() else {
            let mut words = Vec::new();
            for j in 0..n {
                let before = self.stats;
                words.clear();
                self.sentence(rng, prefix(j), &mut words)?;
                out.push(&words);
                stats.push(self.stats.minus(&before));
            }
            return Ok(stats);
        };
        let m = self.model;
        let max_len = self.config.max_len;
        let resample = self.config.unk == UnkPolicy::Resample;
        let drop_unk = self.config.unk == UnkPolicy::Drop;
        let mut lanes: Vec<Lane<'_>> = Vec::with_capacity(LANES);
        let mut spare: Vec<Vec<TokenId>> = Vec::new();
        // Finished sentences waiting for an earlier one, by index.
        let mut waiting: std::collections::BTreeMap<usize, Lane> = std::collections::BTreeMap::new();
        let (mut started, mut emitted) = (0, 0);
        while emitted < n {
            while lanes.len() < LANES && started < n {
                let p = prefix(started);
                check_prefix(m, max_len, p)?;
                let mut words = spare.pop().unwrap_or_default();
                words.clear();
                words.extend_from_slice(p);
                let state = p.iter().fold(m.begin_sentence(), |s, &w| next_state(m, s, w));
                let stats = SampleStats { tokens: p.len(), ..SampleStats::default() };
                let step = if p.len() >= max_len { Step::Ended } else { Step::Start };
                lanes.push(Lane {
                    index: started,
                    words,
                    len: p.len(),
                    state,
                    stats,
                    drawn: [0; AHEAD],
                    n_drawn: 0,
                    unk_run: 0,
                    step,
                    touch: &NOTHING,
                });
                started += 1;
            }
            let mut keep = 0;
            let mut i = 0;
            while i < lanes.len() {
                let l = &mut lanes[i];
                let mut drawn = None;
                if l.step != Step::Ended {
                    let (d, touch) = tables.step(m, rng, l);
                    l.touch = touch;
                    drawn = d;
                    if l.step == Step::Scalar {
                        let before = self.stats;
                        let mut replay = Replay { words: &l.drawn[..l.n_drawn], used: 0, rng: &mut *rng };
                        let (w, next) = self.next_word(&mut replay, l.state)?;
                        l.stats.add(&self.stats.minus(&before));
                        (l.n_drawn, l.unk_run, l.step) = (0, 0, Step::Start);
                        drawn = Some((w, next));
                    }
                }
                let goes_on = match drawn {
                    None if l.step != Step::Ended => {
                        i += 1;
                        continue;
                    }
                    None => {
                        l.stats.max_len_hits += 1;
                        false
                    }
                    Some((w, _)) if w == UNK && resample => {
                        l.stats.unk_resampled += 1;
                        self.stats.unk_resampled += 1;
                        l.unk_run += 1;
                        l.step = Step::Start;
                        if l.unk_run < MAX_REJECTIONS {
                            true
                        } else {
                            // p(<unk> | ctx) is close to 1: draw exactly from the rest.
                            let before = self.stats;
                            let (w, next) = self.draw_without_unk(rng, l.state)?;
                            l.stats.add(&self.stats.minus(&before));
                            l.unk_run = 0;
                            self.lane_takes(l, w, next, drop_unk)
                        }
                    }
                    Some((w, next)) => {
                        l.unk_run = 0;
                        self.lane_takes(l, w, next, drop_unk)
                    }
                };
                if goes_on {
                    // The next token's first step (it only loads): its read
                    // joins this round's loads.
                    let (_, touch) = tables.step(m, rng, l);
                    l.touch = touch;
                    i += 1;
                    continue;
                }
                // The sentence ended.
                let mut l = lanes.swap_remove(i);
                l.stats.sentences = 1;
                let own = SampleStats { unk_resampled: 0, exact_fallbacks: 0, ..l.stats };
                self.stats.add(&own);
                waiting.insert(l.index, l);
                while let Some(l) = waiting.remove(&emitted) {
                    out.push(&l.words);
                    stats.push(l.stats);
                    spare.push(l.words);
                    emitted += 1;
                }
            }
            // Every lane's next read, in one tight loop: the misses overlap.
            for l in &lanes {
                keep ^= *l.touch;
            }
            std::hint::black_box(keep);
        }
        Ok(stats)
    }

    /// Applies a drawn token to a lane; whether its sentence goes on.
    fn lane_takes(&self, l: &mut Lane, w: TokenId, next: State, drop_unk: bool) -> bool {
        if w == EOS {
            return false;
        }
        l.len += 1;
        if w == UNK && drop_unk {
            l.stats.unk_dropped += 1;
        } else {
            l.words.push(w);
            l.stats.tokens += 1;
        }
        l.state = next;
        l.step = Step::Start;
        if l.len >= self.config.max_len {
            l.stats.max_len_hits += 1;
            return false;
        }
        true
    }

    /// Draws the next word after `ctx` (never `<s>`) and the state after it.
    pub fn next_word<R: Rng + ?Sized>(&mut self, rng: &mut R, ctx: State) -> Result<(TokenId, State)> {
        let resample = self.config.unk == UnkPolicy::Resample;
        // The shared tables are taken out and put back, not cloned: no
        // reference counting per token.
        let Some(tables) = self.tables.take() else {
            let w = match self.sorted.take() {
                Some(sorted) => {
                    let w = self.draw_nucleus(&sorted, rng, ctx);
                    self.sorted = Some(sorted);
                    w?
                }
                // Neither tables nor bands: temperature alone.
                None => self.draw_tempered(rng, ctx)?,
            };
            return Ok((w, next_state(self.model, ctx, w)));
        };
        for _ in 0..MAX_REJECTIONS {
            let (w, next) = self.draw_ancestral(&tables, rng, ctx);
            if w == UNK && resample {
                self.stats.unk_resampled += 1;
                continue;
            }
            self.tables = Some(tables);
            return Ok((w, next));
        }
        self.tables = Some(tables);
        self.draw_without_unk(rng, ctx)
    }

    /// A draw from `p(.|ctx)` without `<unk>` by a linear scan (after many
    /// `<unk>` in a row: its probability is close to 1).
    fn draw_without_unk<R: Rng + ?Sized>(&mut self, rng: &mut R, ctx: State) -> Result<(TokenId, State)> {
        self.stats.exact_fallbacks += 1;
        let mut p = std::mem::take(&mut self.scratch);
        full_distribution(self.model, ctx, &mut p);
        p[UNK as usize] = 0.0;
        let w = draw_linear(rng, &p);
        self.scratch = p;
        let w = w.ok_or_else(|| no_mass(self.model, ctx))?;
        Ok((w, next_state(self.model, ctx, w)))
    }

    /// A pure ancestral draw (with `<unk>`), and the state after it.
    fn draw_ancestral<R: Rng + ?Sized>(&mut self, t: &Tables, rng: &mut R, ctx: State) -> (TokenId, State) {
        let m = self.model;
        if ctx.order > 0 && (ctx.order as usize) <= t.ctx.len() {
            let k = ctx.order as usize;
            let h = ctx.id as usize;
            let info = t.ctx[k - 1].info[h];
            if (rng.next_u64() >> 11) < info.own & !REJECT {
                // Its own successor: the n-gram `ctx w` is known.
                let (w, id) = t.succ[k - 1].draw(rng, info.start as usize, info.len as usize);
                // `state_after(m, k + 1, i)`, stored in the slot.
                let order = if k + 1 == m.order() { k } else { k + 1 };
                let next = if w == UNK { State::EMPTY } else { State { order: order as u8, id } };
                return (w, next);
            }
            let (w, found) = self.draw_below(t, rng, ctx);
            return (w, t.next_state(m, ctx, w, found));
        }
        let (w, found) = self.draw_from(t, rng, ctx);
        (w, t.next_state(m, ctx, w, found))
    }

    /// A draw from `p(.|ctx)` given that `ctx`'s own table was not chosen.
    /// Returns the word and the n-gram it was drawn from (see [`Tables::next_state`]).
    fn draw_below<R: Rng + ?Sized>(&mut self, t: &Tables, rng: &mut R, ctx: State) -> (TokenId, State) {
        let m = self.model;
        let shorter = m.shorter(ctx);
        if t.ctx[ctx.order as usize - 1].info[ctx.id as usize].own & REJECT == 0 {
            return self.draw_from(t, rng, shorter);
        }
        for _ in 0..MAX_REJECTIONS {
            let (w, found) = self.draw_from(t, rng, shorter);
            if m.child(ctx, w).is_none() {
                return (w, found);
            }
        }
        // Exact: p(.|shorter) conditioned on not being a successor of ctx.
        self.stats.exact_fallbacks += 1;
        let mut p = std::mem::take(&mut self.scratch);
        full_distribution(m, shorter, &mut p);
        let up = &m.levels[ctx.order as usize];
        for i in m.children(ctx) {
            p[up.word[i] as usize] = 0.0;
        }
        let w = draw_linear(rng, &p);
        self.scratch = p;
        // The rejection loop only gets here if some mass is left: Z > 0.
        let w = w.unwrap_or(EOS);
        (w, State { order: 1, id: w })
    }

    /// A draw from `p(.|ctx)`, normalized by Z(ctx).
    /// Returns the word and the n-gram it was drawn from: `ctx' w` for a
    /// draw from the successors of some suffix `ctx'` of `ctx`, or the unigram.
    fn draw_from<R: Rng + ?Sized>(&mut self, t: &Tables, rng: &mut R, ctx: State) -> (TokenId, State) {
        let m = self.model;
        // (A context of the highest order exists only in an order-1 model,
        // as `<s>`: it has no successors and gamma 1.)
        if ctx.order == 0 || ctx.order as usize > t.ctx.len() {
            let (w, _) = t.unigram.draw(rng, 0, m.levels[0].len());
            return (w, State { order: 1, id: w });
        }
        let k = ctx.order as usize;
        let info = t.ctx[k - 1].info[ctx.id as usize];
        if (rng.next_u64() >> 11) < info.own & !REJECT {
            let (w, id) = t.succ[k - 1].draw(rng, info.start as usize, info.len as usize);
            // At the highest order the slot holds the suffix: the state after it.
            let order = if k + 1 == m.order() { k } else { k + 1 };
            return (w, State { order: order as u8, id });
        }
        self.draw_below(t, rng, ctx)
    }

    /// A draw from the truncated distribution of `ctx` (top-k, top-p, min-p
    /// at temperature 1), cached per context.
    fn draw_nucleus<R: Rng + ?Sized>(&mut self, s: &Sorted, rng: &mut R, ctx: State) -> Result<TokenId> {
        let resample = self.config.unk == UnkPolicy::Resample;
        if !self.nuclei.contains_key(&ctx) {
            let n = Nucleus::new(s, self.model, ctx, &self.config).ok_or_else(|| no_mass(self.model, ctx))?;
            if self.nuclei.len() >= CACHE_MAX_ENTRIES / 8 {
                self.nuclei.clear();
            }
            self.nuclei.insert(ctx, n);
        }
        let (w, fallback) = self.nuclei[&ctx].draw(s, self.model, rng, resample);
        self.stats.exact_fallbacks += usize::from(fallback);
        Ok(w)
    }

    /// A draw from `q ∝ p^(1/T)` after `ctx` (temperature alone), from the
    /// tempered tables of `ctx` and its suffixes ([`Tempered`]).
    fn draw_tempered<R: Rng + ?Sized>(&mut self, rng: &mut R, ctx: State) -> Result<TokenId> {
        let m = self.model;
        let inv_t = 1.0 / self.config.temperature;
        if !self.tempered.contains_key(&ctx) {
            if self.tempered.len() >= CACHE_MAX_ENTRIES / 8 {
                self.tempered.clear();
            }
            let mut chain = Vec::with_capacity(m.order());
            let mut c = ctx;
            while !self.tempered.contains_key(&c) {
                chain.push(c);
                if c.order == 0 {
                    break;
                }
                c = m.shorter(c);
            }
            for &c in chain.iter().rev() {
                let t = Tempered::new(m, c, inv_t, &self.tempered);
                self.tempered.insert(c, t);
            }
        }
        if self.tempered[&ctx].total.is_nan() || self.tempered[&ctx].total <= 0.0 {
            return Err(no_mass(m, ctx));
        }
        let resample = self.config.unk == UnkPolicy::Resample;
        for _ in 0..MAX_REJECTIONS {
            let (w, fallback) = Tempered::draw(m, &self.tempered, rng, ctx, inv_t);
            self.stats.exact_fallbacks += usize::from(fallback);
            if !(resample && w == UNK) {
                return Ok(w);
            }
        }
        // q(<unk> | ctx) is close to 1: draw exactly from the rest.
        self.stats.exact_fallbacks += 1;
        let mut p = std::mem::take(&mut self.scratch);
        full_distribution(m, ctx, &mut p);
        p[UNK as usize] = 0.0;
        p.iter_mut().filter(|x| **x > 0.0).for_each(|x| *x = x.powf(inv_t));
        let w = draw_linear(rng, &p);
        self.scratch = p;
        w.ok_or_else(|| no_mass(m, ctx))
    }
}

/// Checks a prefix: ids in the vocabulary, no `<s>`/`</s>`, not longer than `max_len`.
fn check_prefix(model: &Model, max_len: usize, prefix: &[TokenId]) -> Result<()> {
    if prefix.len() > max_len {
        return Err(Error::Config(format!(
            "prefix of {} tokens is longer than max-len {max_len}",
            prefix.len()
        )));
    }
    let v = model.vocab.len();
    if let Some(&w) = prefix.iter().find(|&&w| w as usize >= v || w == BOS || w == EOS) {
        return Err(Error::Config(format!(
            "prefix token id {w} is not a word of the model's vocabulary of {v} (or is <s>/</s>)"
        )));
    }
    Ok(())
}

fn no_mass(model: &Model, ctx: State) -> Error {
    let mut words = Vec::new();
    if ctx.order > 0 {
        model.words_of(ctx.order as usize, ctx.id, &mut words);
    }
    let text: Vec<&str> = words.iter().map(|&w| model.vocab.token(w)).collect();
    Error::Data(format!(
        "no word can follow the context '{}': every candidate has probability 0",
        text.join(" ")
    ))
}

/// The state after n-gram `id` of order `n` was matched.
fn state_after(model: &Model, n: usize, id: u32) -> State {
    let s = State { order: n as u8, id };
    if n == model.order() {
        model.shorter(s)
    } else {
        s
    }
}

/// The state after `w` follows `ctx`, as in [`Model::prob`].
fn next_state(model: &Model, mut ctx: State, w: TokenId) -> State {
    if w == UNK {
        return State::EMPTY;
    }
    loop {
        if let Some(id) = model.child(ctx, w) {
            return state_after(model, ctx.order as usize + 1, id);
        }
        if ctx.order == 0 {
            return State::EMPTY;
        }
        ctx = model.shorter(ctx);
    }
}

/// One chunk's output: its sentences and each sentence's stats.
struct ChunkOut {
    corpus: Corpus,
    stats: Vec<SampleStats>,
}

/// Prompts for continuation: sentence `i` continues the first `k` words of prompt `i`.
#[derive(Clone, Copy)]
struct Prompts<'a> {
    corpus: &'a Corpus,
    k: usize,
}

fn run_chunk(
    sampler: &mut Sampler<'_>,
    seed: u64,
    chunk: usize,
    n: usize,
    prompts: Option<Prompts<'_>>,
) -> Result<ChunkOut> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chunk as u64);
    let mut corpus = Corpus::new();
    let prefix = |j: usize| match prompts {
        Some(p) => {
            let s = p.corpus.sentence(chunk * CHUNK_SENTENCES + j);
            &s[..s.len().min(p.k)]
        }
        None => &[][..],
    };
    let stats = sampler.sentences(&mut rng, n, prefix, &mut corpus)?;
    Ok(ChunkOut { corpus, stats })
}

/// Runs `chunks` (index, sentences) on the `samplers` (one thread each, so
/// their caches live across calls); outputs in chunk order.
fn run_chunks(
    samplers: &mut [Sampler<'_>],
    seed: u64,
    chunks: &[(usize, usize)],
    prompts: Option<Prompts<'_>>,
) -> Result<Vec<ChunkOut>> {
    let threads = samplers.len().min(chunks.len()).max(1);
    if threads == 1 {
        let s = &mut samplers[0];
        return chunks.iter().map(|&(c, n)| run_chunk(s, seed, c, n, prompts)).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<ChunkOut>>>> = Mutex::new((0..chunks.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for s in samplers[..threads].iter_mut() {
            let (next, results) = (&next, &results);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(c, n)) = chunks.get(i) else { break };
                let r = run_chunk(s, seed, c, n, prompts);
                let failed = r.is_err();
                results.lock().expect("no thread panics holding the lock")[i] = Some(r);
                if failed {
                    break;
                }
            });
        }
    });
    let results = results.into_inner().expect("no thread panics holding the lock");
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Some(r) => out.push(r?),
            // Only after an earlier chunk failed, whose error comes first.
            None => return Err(Error::Data("sampling stopped after an error in another chunk".into())),
        }
    }
    Ok(out)
}

/// One sampler per thread (at least one).
fn samplers<'m>(model: &'m Model, config: &SampleConfig, threads: usize) -> Result<Vec<Sampler<'m>>> {
    let first = Sampler::new(model, config)?;
    let mut all = vec![first.clone(); threads.max(1) - 1];
    all.push(first);
    Ok(all)
}

/// Many sentences from `model`, deterministic for (model, config, budget,
/// seed) whatever `threads` is (0 counts as 1): chunk `i` of
/// [`CHUNK_SENTENCES`] sentences draws from `ChaCha8Rng::seed_from_u64(seed)`
/// on stream `i`, and chunks are concatenated in order.
pub fn sample_corpus(
    model: &Model,
    config: &SampleConfig,
    budget: Budget,
    seed: u64,
    threads: usize,
) -> Result<(Corpus, SampleStats)> {
    let mut samplers = samplers(model, config, threads)?;
    let mut corpus = Corpus::new();
    let mut stats = SampleStats::default();
    match budget {
        Budget::Sentences(n) => {
            (corpus, stats) = concat(run_chunks(&mut samplers, seed, &all_chunks(n), None)?);
        }
        Budget::Tokens(n) => {
            let threads = threads.max(1);
            let mut first = 0;
            let (mut empty, max_empty) = (0, n.max(MAX_EMPTY));
            while stats.tokens < n && empty < max_empty {
                // Enough chunks for what is left at the mean length so far (one
                // wave per thread at first); only the speed depends on it.
                let per_chunk = if stats.tokens == 0 {
                    f64::INFINITY
                } else {
                    stats.tokens as f64 / stats.sentences as f64 * CHUNK_SENTENCES as f64
                };
                let wanted = ((n - stats.tokens) as f64 / per_chunk).ceil() as usize + 1;
                let wave = wanted.clamp(threads, 16 * threads);
                let chunks: Vec<(usize, usize)> =
                    (first..first + wave).map(|c| (c, CHUNK_SENTENCES)).collect();
                first += wave;
                'chunks: for out in run_chunks(&mut samplers, seed, &chunks, None)? {
                    for (s, st) in out.corpus.sentences().zip(&out.stats) {
                        corpus.push(s);
                        stats.add(st);
                        empty += usize::from(st.tokens == 0);
                        if stats.tokens >= n || empty >= max_empty {
                            break 'chunks;
                        }
                    }
                }
            }
        }
    }
    Ok((corpus, stats))
}

/// One continuation per prompt sentence (Shumailov et al.'s protocol): the
/// first `prefix_tokens` words of each sentence of `prompts` (all of a
/// shorter one) are copied and the model writes the rest. Deterministic like
/// [`sample_corpus`]. A prompt longer than `max_len` is an error.
pub fn sample_continuations(
    model: &Model,
    config: &SampleConfig,
    prompts: &Corpus,
    prefix_tokens: usize,
    seed: u64,
    threads: usize,
) -> Result<(Corpus, SampleStats)> {
    let mut samplers = samplers(model, config, threads)?;
    if prefix_tokens > config.max_len {
        return Err(Error::Config(format!(
            "prefix-tokens {prefix_tokens} is longer than max-len {}",
            config.max_len
        )));
    }
    let p = Prompts { corpus: prompts, k: prefix_tokens };
    Ok(concat(run_chunks(&mut samplers, seed, &all_chunks(prompts.n_sentences()), Some(p))?))
}

/// The chunks (index, sentences) of `n` sentences.
fn all_chunks(n: usize) -> Vec<(usize, usize)> {
    (0..n.div_ceil(CHUNK_SENTENCES)).map(|c| (c, CHUNK_SENTENCES.min(n - c * CHUNK_SENTENCES))).collect()
}

/// Chunk outputs concatenated in order.
fn concat(outs: Vec<ChunkOut>) -> (Corpus, SampleStats) {
    let mut corpus = Corpus::new();
    let mut stats = SampleStats::default();
    for out in outs {
        corpus.extend_from(&out.corpus);
        out.stats.iter().for_each(|s| stats.add(s));
    }
    (corpus, stats)
}

/// A sentence found by [`beam_search`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Its words (prefix included), without `<s>`/`</s>`.
    pub words: Vec<TokenId>,
    /// log10 p of the whole sentence, `</s>` included (as [`Model::score_sentence`]).
    pub log10_prob: f64,
    /// [`Ending::MaxLen`] if it reached `max_len` words and `</s>` was forced.
    pub ending: Ending,
}

/// The `width` most probable sentences that beam search finds, continuing
/// `prefix`, best first (ties by words). Each step expands every live
/// hypothesis by its `width` most probable next words (over the whole
/// vocabulary but `<s>`); a hypothesis reaching `max_len` words gets `</s>`
/// appended. Stops when no live hypothesis can beat the `width`-th finished one.
pub fn beam_search(
    model: &Model,
    prefix: &[TokenId],
    width: usize,
    max_len: usize,
) -> Result<Vec<Hypothesis>> {
    if width == 0 {
        return Err(Error::Config("beam width must be >= 1, got 0".into()));
    }
    let config = SampleConfig { max_len, unk: UnkPolicy::Keep, ..SampleConfig::default() };
    config.validate()?;
    check_prefix(model, max_len, prefix)?;
    let mut state = model.begin_sentence();
    let mut lp = 0.0;
    for &w in prefix {
        let (s, next) = model.score(state, w);
        lp += s;
        state = next;
    }
    let mut live: Vec<(f64, Vec<TokenId>, State)> = vec![(lp, prefix.to_vec(), state)];
    let mut finished: Vec<(f64, Vec<TokenId>, Ending)> = Vec::new();
    let mut p = Vec::new();
    for _ in prefix.len()..max_len {
        let mut cand: Vec<(f64, Vec<TokenId>, State)> = Vec::new();
        for (lp, words, state) in &live {
            full_distribution(model, *state, &mut p);
            let mut top: Vec<(f64, TokenId)> =
                p.iter().enumerate().filter(|x| *x.1 > 0.0).map(|(w, &x)| (x, w as TokenId)).collect();
            if top.len() > width {
                top.select_nth_unstable_by(width, by_weight);
                top.truncate(width);
            }
            for (x, w) in top {
                let lp2 = lp + x.log10();
                let mut ws = words.clone();
                if w == EOS {
                    finished.push((lp2, ws, Ending::Eos));
                } else {
                    ws.push(w);
                    cand.push((lp2, ws, next_state(model, *state, w)));
                }
            }
        }
        cand.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        cand.truncate(width);
        finished.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        finished.truncate(width);
        live = cand;
        let worst_kept = (finished.len() == width).then(|| finished[width - 1].0);
        match (live.first(), worst_kept) {
            (None, _) => break,
            (Some(best), Some(worst)) if best.0 <= worst => {
                live.clear();
                break;
            }
            _ => {}
        }
    }
    for (lp, words, state) in live {
        let (s, _) = model.score(state, EOS);
        finished.push((lp + s, words, Ending::MaxLen));
    }
    finished.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    finished.truncate(width);
    Ok(finished
        .into_iter()
        .map(|(log10_prob, words, ending)| Hypothesis { words, log10_prob, ending })
        .collect())
}
