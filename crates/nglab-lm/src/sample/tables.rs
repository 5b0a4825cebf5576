//! The precomputed tables of pure ancestral sampling: per context the chance
//! of its own successors, alias tables over them, and the hashed index that
//! finds the state after a backoff draw.

use nglab_tokenizer::{TokenId, BOS, UNK};

use super::alias::{Alias, Outcome};
use super::child_index::ChildIndex;
use super::state_after;
use crate::model::{Model, State};

/// A `u(w|c)` above `-NEG_TOLERANCE * prob[c w]` counts as 0 (interpolated).
const NEG_TOLERANCE: f64 = 1e-5;

/// Per context of one order: the chance of drawing from its own successors,
/// scaled to 2^31 (rounded down; [`ALWAYS`] for a chance of 1) in the low 31
/// bits, [`REJECT`] or-ed in when a backoff draw must avoid them: 4 bytes. Its
/// successors are the model's (`child_start`), not stored again.
#[derive(Debug, Default)]
pub(super) struct ContextLevel {
    pub(super) own: Vec<u32>,
}

/// Bit of [`ContextLevel::own`] set when a backoff draw must avoid the own successors.
pub(super) const REJECT: u32 = 1 << 31;

/// The chance of [`ContextLevel::own`] that means 1: the own successors are
/// always drawn (a chance of 1 - 2^-31 or more is stored as 1).
const ALWAYS: u32 = REJECT - 1;

/// 2^31: a context's chance is scaled to 2^31.
const ONE31: f64 = (1u64 << 31) as f64;

/// Whether the uniform word `u` draws from the own successors of a context
/// whose [`ContextLevel::own`] is `own`: its top 31 bits below the chance.
#[inline]
pub(super) fn takes_own(own: u32, u: u64) -> bool {
    let chance = own & !REJECT;
    ((u >> 33) as u32) < chance || chance == ALWAYS
}

/// Precomputed tables of pure ancestral sampling, shared by clones.
#[derive(Debug)]
pub(super) struct Tables {
    pub(super) unigram: Alias,
    /// `ctx[k - 1]`: contexts of order k (1..order).
    pub(super) ctx: Vec<ContextLevel>,
    /// `succ[k - 1]`: alias tables over the successors (order k + 1) of contexts of order k.
    pub(super) succ: Vec<Alias>,
    /// `index[k - 1]`: the successors of contexts of order k, for k in
    /// 1..order - 1 (a context of order `order - 1` needs no search: the
    /// state after its successor is the successor's suffix).
    pub(super) index: Vec<ChildIndex>,
}

impl Tables {
    pub(super) fn new(model: &Model) -> Tables {
        let v = model.vocab.len();
        let order = model.order();
        let mut small = Vec::new();
        let mut large = Vec::new();
        let uni: Vec<f64> =
            (0..v).map(|w| if w == BOS as usize { 0.0 } else { model.levels[0].p(w) }).collect();
        let mut unigram = Alias::with_len(v, Outcome::Unigram);
        unigram.build(0, &uni, &mut small, &mut large);
        // Z of the contexts one order below, starting from the empty context.
        let mut z_below = vec![uni.iter().sum::<f64>()];
        let mut ctx = Vec::with_capacity(order.saturating_sub(1));
        let mut succ = Vec::with_capacity(order.saturating_sub(1));
        let mut weights = Vec::new();
        for k in 1..order {
            let here = &model.levels[k - 1];
            let up = &model.levels[k];
            let n_ctx = here.len();
            let mut level = ContextLevel { own: vec![0; n_ctx] };
            let top = k + 1 == order;
            let of = if top { Outcome::Suffix { n: k + 1 } } else { Outcome::Own { n: k + 1 } };
            let mut alias = Alias::with_len(up.len(), of);
            let mut z = vec![0.0; n_ctx];
            for (h, z_h) in z.iter_mut().enumerate() {
                let state = State { order: k as u8, id: h as u32 };
                let g = here.gamma(h);
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
                        uni[up.word[i] as usize]
                    } else {
                        here.p(up.suffix[i] as usize)
                    }
                };
                weights.clear();
                let mut interpolated = true;
                for i in r.clone() {
                    let p = up.p(i);
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
                    weights.extend(r.clone().map(|i| up.p(i)));
                    let l: f64 = weights.iter().sum();
                    let m: f64 = r.clone().map(lower).sum();
                    let mut rest = (z_shorter - m).max(0.0);
                    if rest <= 1e-12 * z_shorter {
                        rest = 0.0;
                    }
                    level.own[h] |= REJECT;
                    (l, l + g * rest)
                };
                *z_h = total;
                let own = if total > 0.0 { (own_mass / total).clamp(0.0, 1.0) } else { 0.0 };
                level.own[h] |= ((own * ONE31) as u32).min(ALWAYS);
                alias.build(r.start, &weights, &mut small, &mut large);
            }
            z_below = z;
            ctx.push(level);
            succ.push(alias);
        }
        let index = (1..order.saturating_sub(1)).map(|k| ChildIndex::new(&model.levels[k])).collect();
        Tables { unigram, ctx, succ, index }
    }

    pub(super) fn bytes(&self) -> usize {
        self.unigram.bytes()
            + self.ctx.iter().map(|c| c.own.len() * std::mem::size_of::<u32>()).sum::<usize>()
            + self.succ.iter().map(Alias::bytes).sum::<usize>()
            + self.index.iter().map(|i| i.slots.len() * std::mem::size_of::<u32>()).sum::<usize>()
    }

    /// The chance of the own successors of context `h` of order `k` (as
    /// [`ContextLevel::own`]) and their range in order `k + 1`.
    #[inline]
    pub(super) fn context(&self, m: &Model, k: usize, h: usize) -> (u32, usize, usize) {
        let cs = &m.levels[k - 1].child_start;
        let start = cs[h] as usize;
        (self.ctx[k - 1].own[h], start, cs[h + 1] as usize - start)
    }

    /// The state after `w` follows `ctx`, given `found`, the n-gram `ctx' w`
    /// it was drawn from (`ctx'` a suffix of `ctx`, or the unigram): as
    /// [`Model::prob`] leaves it; only the contexts longer than `ctx'` need a
    /// search, and each is one lookup in the hashed indexes.
    #[inline]
    pub(super) fn next_state(&self, m: &Model, ctx: State, w: TokenId, found: State) -> State {
        if w == UNK {
            return State::EMPTY;
        }
        let mut c = ctx;
        if c.order as usize + 1 == m.order() {
            c = m.shorter(c);
        }
        while c.order >= found.order {
            if let Some(id) = self.index[c.order as usize - 1].get(&m.levels[c.order as usize], c.id, w) {
                return State { order: c.order + 1, id };
            }
            c = m.shorter(c);
        }
        state_after(m, found.order as usize, found.id)
    }
}
