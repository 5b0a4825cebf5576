//! Alias tables: a draw among the explicit successors of a context in O(1).

use nglab_tokenizer::TokenId;
use rand::Rng;

use crate::model::Model;

/// 2^32: an alias threshold is a probability scaled to 2^32.
const ONE32: f64 = (1u64 << 32) as f64;

/// One entry of an alias table: kept if the draw's fraction (its top 32
/// bits) is below `thr`, else replaced by `alias`. An entry that is its own
/// alias is always kept, whatever the fraction: so a threshold of 32 bits
/// represents every probability from 0 to 1 exactly at both ends. Both
/// halves sit side by side, so that one load brings a draw's entry.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) thr: u32,
    /// The alias (its absolute index).
    alias: u32,
}

/// Alias tables (Walker/Vose) over contiguous ranges of one order's n-grams:
/// entry `i` of a range is kept with its probability scaled to 2^32
/// (rounded down), else replaced by its alias. So each entry's probability
/// is exact to 2^-32 of its slot (the model itself stores f32 log10
/// probabilities), and an outcome of weight 0 is never drawn.
///
/// An entry holds its threshold and the index of its alias, 8 bytes; the
/// outcome of a draw (its word, and the id of the state after it) is read
/// from the model's n-gram it picked, not stored again.
#[derive(Debug)]
pub(super) struct Alias {
    pub(super) entries: Vec<Entry>,
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
        Alias { entries: vec![Entry::default(); n], of }
    }

    /// Entries.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.entries.len() * std::mem::size_of::<Entry>()
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
            // `scaled[s] < 1`: the threshold fits (the cast rounds down).
            self.entries[start + s] = Entry { thr: (scaled[s] * ONE32) as u32, alias: (start + l) as u32 };
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left has weight 1 up to rounding: its own alias, always kept.
        for &i in small.iter().chain(large.iter()) {
            self.entries[start + i] = Entry { thr: u32::MAX, alias: (start + i) as u32 };
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

    /// The entry that `u` picks in `start..start + len`: its slot's, kept if
    /// the fraction left (its top 32 bits) is below the threshold, else its alias.
    #[inline]
    fn pick(&self, u: u64, start: usize, len: usize) -> usize {
        let i = Self::slot_of(u, start, len);
        let e = self.entries[i];
        if ((u.wrapping_mul(len as u64) >> 32) as u32) < e.thr {
            i
        } else {
            e.alias as usize
        }
    }

    /// The draw of `u`, as (word, next state id).
    #[inline]
    pub(super) fn outcome(&self, m: &Model, u: u64, start: usize, len: usize) -> (TokenId, u32) {
        let picked = self.pick(u, start, len);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Each outcome's probability as the table of `0..weights.len()` holds
    /// it (in units of 2^-32 / len: a slot's threshold goes to its own
    /// entry, the rest to its alias), and the table.
    fn held(weights: &[f64]) -> (Vec<u128>, Alias) {
        let mut a = Alias::with_len(weights.len(), Outcome::Unigram);
        a.build(0, weights, &mut Vec::new(), &mut Vec::new());
        let mut p = vec![0u128; weights.len()];
        for (i, e) in a.entries.iter().enumerate() {
            if e.alias as usize == i {
                p[i] += 1 << 32;
            } else {
                p[i] += u128::from(e.thr);
                p[e.alias as usize] += (1 << 32) - u128::from(e.thr);
            }
        }
        (p, a)
    }

    /// A uniform word whose slot in a table of `len` is `i` and whose
    /// fraction's top 32 bits are `f`.
    fn word(i: usize, f: u32, len: usize) -> u64 {
        let target = (i as u128) << 64 | u128::from(f) << 32;
        target.div_ceil(len as u128) as u64
    }

    proptest! {
        /// Every outcome is drawn with its probability to within 2^-32 (each
        /// slot's threshold rounds down by less than 2^-32 of the slot's
        /// 1/len), an outcome of weight 0 never, and a draw keeps its slot's
        /// entry exactly for the fractions below the threshold.
        #[test]
        fn each_outcome_has_its_probability_to_within_2_to_the_minus_32(
            weights in prop::collection::vec(prop_oneof![Just(0.0), 1e-12..1.0f64, 0.0..1e6f64], 1..40),
        ) {
            let len = weights.len();
            let (p, a) = held(&weights);
            let total: f64 = weights.iter().sum();
            for (j, (&held, &w)) in p.iter().zip(&weights).enumerate() {
                let want = if total > 0.0 { w / total } else { 1.0 / len as f64 };
                let got = held as f64 / ((1u64 << 32) as f64 * len as f64);
                prop_assert!((got - want).abs() <= 2f64.powi(-32), "outcome {j}: {got} vs {want}");
                if w == 0.0 && total > 0.0 {
                    prop_assert_eq!(held, 0, "outcome {} of weight 0", j);
                }
            }
            for (i, e) in a.entries.iter().enumerate() {
                let (first, last) = (word(i, 0, len), word(i, u32::MAX, len));
                prop_assert_eq!(Alias::slot_of(first, 0, len), i);
                prop_assert_eq!(Alias::slot_of(last, 0, len), i);
                let keeps = |f: u32| a.pick(word(i, f, len), 0, len) == i;
                if e.alias as usize == i {
                    prop_assert!(keeps(0) && keeps(u32::MAX));
                } else {
                    prop_assert!(e.thr == 0 || keeps(e.thr - 1));
                    prop_assert_eq!(a.pick(word(i, e.thr, len), 0, len), e.alias as usize);
                }
            }
        }
    }

    #[test]
    fn an_entry_of_a_certain_outcome_is_its_own_alias() {
        let (p, a) = held(&[0.0, 3.0, 0.0]);
        assert_eq!(p, [0, 3 << 32, 0]);
        assert_eq!(a.entries[1].alias, 1);
        assert_eq!(a.bytes(), 3 * 8);
    }
}
