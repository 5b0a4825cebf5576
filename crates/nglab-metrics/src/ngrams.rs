//! Dense ids for the n-gram types of a corpus, order by order.
//!
//! An order-1 type is its token id. An order-`n` type (n >= 2) is keyed by
//! `(id of its (n-1)-gram prefix) << 32 | last token`, so every key is an exact
//! `u64` whatever the vocabulary size, and mapping the types of one table onto
//! another is one lookup per type (the prefix is mapped first).
//!
//! **Invariant:** n-grams never cross a sentence boundary and carry no padding.

use hashbrown::HashMap;
use nglab_tokenizer::{Corpus, TokenId};

/// The highest n-gram order the metrics use.
pub(crate) const MAX_ORDER: usize = 4;
/// "No n-gram here" in position and mapping tables.
pub(crate) const NONE: u32 = u32::MAX;

/// The types of one order `n >= 2`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderTypes {
    map: HashMap<u64, u32>,
    /// Per type: the id of its prefix at order `n - 1`.
    prefix: Vec<u32>,
    /// Per type: its last token.
    last: Vec<TokenId>,
    /// Per type: its number of occurrences.
    pub(crate) counts: Vec<u64>,
}

/// The n-gram types of a corpus for orders `1..=MAX_ORDER`.
#[derive(Debug, Clone, Default)]
pub(crate) struct NgramTable {
    /// Occurrences of each token id (order 1), indexed by id.
    pub(crate) unigrams: Vec<u64>,
    /// Orders `2..=MAX_ORDER`, at index `n - 2`.
    pub(crate) higher: Vec<OrderTypes>,
}

/// For each order `1..=MAX_ORDER` (index `n - 1`) and each token position, the
/// type id of the n-gram starting there, or [`NONE`] when it would leave the sentence.
/// Order 1 is the corpus's ids themselves and is not stored.
pub(crate) type Positions = Vec<Vec<u32>>;

/// `[start, end)` of every sentence in the corpus's flat ids.
pub(crate) fn sentence_bounds(corpus: &Corpus) -> Vec<(usize, usize)> {
    let mut bounds = Vec::with_capacity(corpus.n_sentences());
    let mut start = 0;
    for s in corpus.sentences() {
        bounds.push((start, start + s.len()));
        start += s.len();
    }
    bounds
}

impl NgramTable {
    /// Counts the n-grams of `corpus`; also returns the per-position type ids
    /// of orders 2..=MAX_ORDER (index `n - 2`).
    pub(crate) fn build(corpus: &Corpus) -> (NgramTable, Positions) {
        let ids = corpus.ids();
        let bounds = sentence_bounds(corpus);
        let max_id = ids.iter().copied().max().map_or(0, |m| m as usize + 1);
        let mut unigrams = vec![0u64; max_id];
        for &id in ids {
            unigrams[id as usize] += 1;
        }
        let mut higher = Vec::with_capacity(MAX_ORDER - 1);
        let mut positions: Positions = Vec::with_capacity(MAX_ORDER - 1);
        for order in 2..=MAX_ORDER {
            let mut types =
                OrderTypes { map: HashMap::with_capacity(ids.len() / 2), ..OrderTypes::default() };
            let mut pos = vec![NONE; ids.len()];
            for &(start, end) in &bounds {
                if end - start < order {
                    continue;
                }
                for i in start..=end - order {
                    let prefix = if order == 2 { ids[i] } else { positions[order - 3][i] };
                    debug_assert_ne!(prefix, NONE, "a prefix inside the sentence exists");
                    let last = ids[i + order - 1];
                    let key = (u64::from(prefix) << 32) | u64::from(last);
                    let next = u32::try_from(types.counts.len()).expect("fewer than 2^32 n-gram types");
                    let id = *types.map.entry(key).or_insert(next);
                    if id == next {
                        types.prefix.push(prefix);
                        types.last.push(last);
                        types.counts.push(0);
                    }
                    types.counts[id as usize] += 1;
                    pos[i] = id;
                }
            }
            higher.push(types);
            positions.push(pos);
        }
        (NgramTable { unigrams, higher }, positions)
    }

    /// Number of distinct types of `order`.
    pub(crate) fn n_types(&self, order: usize) -> usize {
        if order == 1 {
            self.unigrams.iter().filter(|&&c| c > 0).count()
        } else {
            self.higher[order - 2].counts.len()
        }
    }

    /// Occurrences of each type of `order`, indexed by type id (order 1: by token id).
    pub(crate) fn counts(&self, order: usize) -> &[u64] {
        if order == 1 {
            &self.unigrams
        } else {
            &self.higher[order - 2].counts
        }
    }

    /// For each order (index `n - 1`), the id in `other` of each of this
    /// table's types, or [`NONE`] when `other` lacks it.
    pub(crate) fn map_onto(&self, other: &NgramTable) -> Vec<Vec<u32>> {
        let mut mapped = Vec::with_capacity(MAX_ORDER);
        let order1: Vec<u32> = (0..self.unigrams.len())
            .map(|id| {
                let present = self.unigrams[id] > 0 && other.unigrams.get(id).is_some_and(|&c| c > 0);
                if present {
                    id as u32
                } else {
                    NONE
                }
            })
            .collect();
        mapped.push(order1);
        for (k, types) in self.higher.iter().enumerate() {
            let prev = &mapped[k];
            let target = &other.higher[k];
            let ids = types
                .prefix
                .iter()
                .zip(&types.last)
                .map(|(&p, &last)| {
                    let q = prev[p as usize];
                    if q == NONE {
                        return NONE;
                    }
                    let key = (u64::from(q) << 32) | u64::from(last);
                    target.map.get(&key).copied().unwrap_or(NONE)
                })
                .collect();
            mapped.push(ids);
        }
        mapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(lines: &[&[u32]]) -> Corpus {
        let mut c = Corpus::new();
        for l in lines {
            c.push(l);
        }
        c
    }

    /// Types per order 1..=4 of `lines`.
    fn check(lines: &[&[u32]], expect: [usize; 4]) {
        let (t, pos) = NgramTable::build(&corpus(lines));
        let got: Vec<usize> = (1..=MAX_ORDER).map(|n| t.n_types(n)).collect();
        assert_eq!(got, expect, "{lines:?}");
        for (k, p) in pos.iter().enumerate() {
            let occurrences: u64 = t.counts(k + 2).iter().sum();
            assert_eq!(p.iter().filter(|&&x| x != NONE).count() as u64, occurrences);
        }
    }

    #[test]
    fn counts_types_within_sentences() {
        check(&[], [0, 0, 0, 0]);
        check(&[&[]], [0, 0, 0, 0]);
        check(&[&[5]], [1, 0, 0, 0]);
        check(&[&[5, 6, 5, 6, 5]], [2, 2, 2, 2]);
        // No n-gram spans the boundary between the two sentences.
        check(&[&[5, 6], &[7, 8]], [4, 2, 0, 0]);
        check(&[&[3, 4, 5, 6], &[3, 4, 5, 6]], [4, 3, 2, 1]);
    }

    #[test]
    fn maps_types_onto_another_table() {
        let (a, _) = NgramTable::build(&corpus(&[&[3, 4, 5, 6]]));
        let (b, _) = NgramTable::build(&corpus(&[&[9, 4, 5, 6], &[3, 4]]));
        let m = a.map_onto(&b);
        let present: Vec<usize> = m.iter().map(|v| v.iter().filter(|&&x| x != NONE).count()).collect();
        // a: 1-grams 3,4,5,6 all in b; 2-grams 34,45,56 all in b; 3-grams 345 no, 456 yes; 4-gram no.
        assert_eq!(present, vec![4, 3, 1, 0]);
    }
}
