//! Alias tables: a draw among the explicit successors of a context in O(1).

use nglab_tokenizer::TokenId;
use rand::Rng;

use super::ONE53;
use crate::model::Model;

/// Alias tables (Walker/Vose) over contiguous ranges of one order's n-grams:
/// entry `i` of a range is kept if the draw's fraction is below its threshold
/// (a probability scaled to 2^53), else replaced by its alias.
///
/// An entry holds its threshold and the index of its alias, 12 bytes; the
/// outcome of a draw (its word, and the id of the state after it) is read
/// from the model's n-gram it picked, not stored again.
#[derive(Debug)]
pub(super) struct Alias {
    pub(super) thr: Vec<u64>,
    /// The alias of each entry (its absolute index).
    alias: Vec<u32>,
    /// What an index stands for.
    of: Outcome,
}

/// The outcome of an index: the n-gram of that index in one order of the model.
#[derive(Debug, Clone, Copy)]
pub(super) enum Outcome {
    /// A unigram: the word is the index, and so is the state after it.
    Unigram,
    /// An n-gram of order `n` below the highest: its word, and itself as the state after it.
    Own { n: usize },
    /// An n-gram of the highest order `n`: its word, and its suffix as the state after it.
    Suffix { n: usize },
}

impl Alias {
    /// Tables over `n` entries standing for `of`.
    pub(super) fn with_len(n: usize, of: Outcome) -> Self {
        Alias { thr: vec![0; n], alias: vec![0; n], of }
    }

    /// Entries.
    pub(super) fn len(&self) -> usize {
        self.thr.len()
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.thr.len() * std::mem::size_of::<u64>() + self.alias.len() * std::mem::size_of::<u32>()
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
            self.thr[start + s] = (scaled[s] * ONE53) as u64;
            self.alias[start + s] = (start + l) as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left has weight 1 up to rounding.
        for &i in small.iter().chain(large.iter()) {
            self.thr[start + i] = 1u64 << 53;
            self.alias[start + i] = (start + i) as u32;
        }
    }

    /// Draws an entry of `start..start + len` (len >= 1): its word and next state id.
    #[inline]
    pub(super) fn draw<R: Rng + ?Sized>(
        &self,
        m: &Model,
        rng: &mut R,
        start: usize,
        len: usize,
    ) -> (TokenId, u32) {
        self.outcome(m, rng.next_u64(), start, len)
    }

    /// The index of the entry that the uniform word `u` reads in `start..start + len`.
    #[inline]
    pub(super) fn slot_of(u: u64, start: usize, len: usize) -> usize {
        start + ((u128::from(u) * len as u128) >> 64) as usize
    }

    /// The draw of `u`: its entry, kept if the fraction left is below the
    /// threshold, else its alias; as (word, next state id).
    #[inline]
    pub(super) fn outcome(&self, m: &Model, u: u64, start: usize, len: usize) -> (TokenId, u32) {
        let i = Self::slot_of(u, start, len);
        let picked =
            if ((u.wrapping_mul(len as u64)) >> 11) < self.thr[i] { i } else { self.alias[i] as usize };
        match self.of {
            Outcome::Unigram => (picked as TokenId, picked as u32),
            Outcome::Own { n } => (m.levels[n - 1].word[picked], picked as u32),
            Outcome::Suffix { n } => {
                let level = &m.levels[n - 1];
                (level.word[picked], level.suffix[picked])
            }
        }
    }
}
