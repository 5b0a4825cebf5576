//! Alias tables: a draw among the explicit successors of a context in O(1).

use nglab_tokenizer::TokenId;
use rand::Rng;

use super::ONE53;

/// Alias tables (Walker/Vose) over contiguous ranges of one array: entry `i`
/// of a range is kept if the draw's fraction is below its threshold (a
/// probability scaled to 2^53), else replaced by its alias.
///
/// A slot holds the threshold and both outcomes (word and next state id of
/// the entry and of its alias) in 24 bytes: a draw reads one slot, whichever
/// outcome it takes.
#[derive(Debug, Default)]
pub(super) struct Alias {
    pub(super) slots: Vec<Slot>,
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Slot {
    pub(super) thr: u64,
    word: TokenId,
    /// Id of the state after this n-gram: itself, or its suffix at the highest order.
    next: u32,
    /// `word` and `next` of the alias (its absolute index while building).
    alias_word: TokenId,
    alias_next: u32,
}

impl Alias {
    pub(super) fn with_len(n: usize) -> Self {
        Alias { slots: vec![Slot::default(); n] }
    }

    /// Builds the table of `start..start + weights.len()`; `small`/`large` are scratch.
    pub(super) fn build(
        &mut self,
        start: usize,
        weights: &[f64],
        small: &mut Vec<usize>,
        large: &mut Vec<usize>,
    ) {
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
    pub(super) fn finish(&mut self, outcome: impl Fn(usize) -> (TokenId, u32)) {
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
    pub(super) fn draw<R: Rng + ?Sized>(&self, rng: &mut R, start: usize, len: usize) -> (TokenId, u32) {
        self.outcome(rng.next_u64(), start, len)
    }

    /// The slot that the uniform word `u` reads in `start..start + len`.
    #[inline]
    pub(super) fn slot_of(&self, u: u64, start: usize, len: usize) -> &Slot {
        &self.slots[start + ((u128::from(u) * len as u128) >> 64) as usize]
    }

    /// The draw of `u`: its slot, kept if the fraction left is below the threshold.
    #[inline]
    pub(super) fn outcome(&self, u: u64, start: usize, len: usize) -> (TokenId, u32) {
        let slot = self.slot_of(u, start, len);
        if ((u.wrapping_mul(len as u64)) >> 11) < slot.thr {
            (slot.word, slot.next)
        } else {
            (slot.alias_word, slot.alias_next)
        }
    }
}
