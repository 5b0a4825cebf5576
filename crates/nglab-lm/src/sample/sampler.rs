//! The [`Sampler`]: one token and one sentence at a time, by whichever exact
//! method its configuration needs (ancestral tables, sorted bands, tempered
//! normalisers).

use std::sync::Arc;

use hashbrown::HashMap;
use nglab_tokenizer::{TokenId, EOS, UNK};
use rand::Rng;

use super::config::{Ending, SampleConfig, SampleStats, UnkPolicy};
use super::exact::{draw_linear, full_distribution};
use super::nucleus::Nucleus;
use super::sorted::Sorted;
use super::tables::{takes_own, Tables, REJECT};
use super::tempered::Tempered;
use super::{check_prefix, next_state, no_mass, MAX_REJECTIONS};
use crate::model::{Model, State};
use crate::Result;

/// Cached decoding tables hold at most this many entries (per sampler) before
/// the cache is cleared; the output does not depend on it.
const CACHE_MAX_ENTRIES: usize = 1 << 23;

/// Draws sentences from one model with one configuration. Build it once
/// (it precomputes alias tables over every context's successors, or caches
/// decoding tables per context); clone it per thread.
#[derive(Debug, Clone)]
pub struct Sampler<'m> {
    pub(super) model: &'m Model,
    pub(super) config: SampleConfig,
    /// Ancestral tables (absent when a decoding knob is on).
    pub(super) tables: Option<Arc<Tables>>,
    /// Sorted runs for truncation at temperature 1 (see [`Nucleus`]), shared by clones.
    sorted: Option<Arc<Sorted>>,
    nuclei: HashMap<State, Nucleus>,
    tempered: HashMap<State, Tempered>,
    scratch: Vec<f64>,
    pub(super) stats: SampleStats,
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
    pub(super) fn draw_without_unk<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        ctx: State,
    ) -> Result<(TokenId, State)> {
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
            let (own, start, len) = t.context(m, k, h);
            if takes_own(own, rng.next_u64()) {
                // Its own successor: the n-gram `ctx w` is known.
                let (w, id) = t.succ[k - 1].draw(m, rng, start, len);
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
        if t.ctx[ctx.order as usize - 1].own[ctx.id as usize] & REJECT == 0 {
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
            let (w, _) = t.unigram.draw(m, rng, 0, m.levels[0].len());
            return (w, State { order: 1, id: w });
        }
        let k = ctx.order as usize;
        let (own, start, len) = t.context(m, k, ctx.id as usize);
        if takes_own(own, rng.next_u64()) {
            let (w, id) = t.succ[k - 1].draw(m, rng, start, len);
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
