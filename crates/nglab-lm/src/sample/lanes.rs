//! Many pure ancestral sentences side by side ([`Sampler::sentences`]): 16
//! lanes, one dependent read per lane and round, so that cache misses overlap.

use std::collections::BTreeMap;

use nglab_tokenizer::{Corpus, TokenId, EOS, UNK};
use rand::Rng;

use super::alias::Alias;
use super::config::{SampleStats, UnkPolicy};
use super::sampler::Sampler;
use super::tables::{takes_own, Tables, REJECT};
use super::{check_prefix, next_state, state_after, MAX_REJECTIONS};
use crate::model::{Model, State};
use crate::Result;

/// Sentences that [`Sampler::sentences`] samples side by side on the ancestral path.
pub(super) const LANES: usize = 16;

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
static NOTHING: u32 = 0;

/// What a lane's next step reads, loaded ahead: a context's chance, an alias
/// entry's threshold (its alias beside it), or a slot of the hashed index.
type Touch<'t> = &'t u32;

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
    touch: Touch<'t>,
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
    ) -> (Option<(TokenId, State)>, Touch<'t>) {
        match l.step {
            Step::Start | Step::Ended | Step::Scalar => {
                l.n_drawn = 0;
                let c = l.state;
                if c.order == 0 || c.order as usize > self.ctx.len() {
                    self.to_slot(rng, l, 0, 0, self.unigram.len() as u32)
                } else {
                    l.step = Step::Context(c);
                    (None, &self.ctx[c.order as usize - 1].own[c.id as usize])
                }
            }
            Step::Context(c) => {
                let k = c.order as usize;
                let (own, start, len) = self.context(m, k, c.id as usize);
                if own & REJECT != 0 {
                    l.step = Step::Scalar;
                    return (None, &NOTHING);
                }
                let u = l.draw(rng);
                if takes_own(own, u) {
                    return self.to_slot(rng, l, k as u8, start as u32, len as u32);
                }
                match m.shorter(c) {
                    s if s.order == 0 => self.to_slot(rng, l, 0, 0, self.unigram.len() as u32),
                    s => {
                        l.step = Step::Context(s);
                        (None, &self.ctx[s.order as usize - 1].own[s.id as usize])
                    }
                }
            }
            Step::Slot { k, start, len, u } => {
                let k = k as usize;
                let a = if k == 0 { &self.unigram } else { &self.succ[k - 1] };
                let (w, id) = a.outcome(m, u, start as usize, len as usize);
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
    ) -> (Option<(TokenId, State)>, Touch<'t>) {
        let u = l.draw(rng);
        l.step = Step::Slot { k, start, len, u };
        let a = if k == 0 { &self.unigram } else { &self.succ[k as usize - 1] };
        (None, &a.entries[Alias::slot_of(u, start as usize, len as usize)].thr)
    }
}

impl Sampler<'_> {
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
        let mut waiting: BTreeMap<usize, Lane> = BTreeMap::new();
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
}
