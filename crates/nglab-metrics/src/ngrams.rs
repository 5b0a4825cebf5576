//! Dense ids for the n-gram types of a corpus, order by order.
//!
//! An order-1 type is its token id. An order-`n` type (n >= 2) is keyed by
//! `(id of its (n-1)-gram prefix) << 32 | last token`, so every key is an exact
//! `u64` whatever the vocabulary size. Types are found by sorting the keys of
//! every position (no hash table: random inserts into a table larger than the
//! cache were most of the cost), and numbered in ascending key order, so a
//! table's keys are sorted by id. Mapping the types of one table onto another
//! is then a sort of the translated keys and a merge (the prefix is mapped first).
//!
//! **Invariant:** n-grams never cross a sentence boundary and carry no padding.
//! **Invariant:** at every order `n >= 2`, type ids ascend with their key.

use nglab_tokenizer::{Corpus, TokenId};

/// The highest n-gram order the metrics use.
pub(crate) const MAX_ORDER: usize = 4;
/// "No n-gram here" in position and mapping tables.
pub(crate) const NONE: u32 = u32::MAX;

/// The types of one order `n >= 2`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderTypes {
    /// Per type: the id of its prefix at order `n - 1`.
    prefix: Vec<u32>,
    /// Per type: its last token.
    last: Vec<TokenId>,
    /// Per type: its number of occurrences.
    pub(crate) counts: Vec<u64>,
}

impl OrderTypes {
    /// The key of type `id`: `prefix << 32 | last`.
    fn key(&self, id: usize) -> u64 {
        (u64::from(self.prefix[id]) << 32) | u64::from(self.last[id])
    }
}

/// Sorts `(key, payload)` pairs by key (pairs of equal keys in any order):
/// a least-significant-digit radix sort over the bits the keys use (a key
/// `prefix << 32 | last` is compacted to `prefix << bits(last) | last`, the
/// same order), which is several times faster than a comparison sort here.
fn sort_by_key(pairs: &mut [(u64, u32)]) {
    const DIGIT: u32 = 11;
    const MASK: u64 = (1 << DIGIT) - 1;
    if pairs.len() < 1024 {
        pairs.sort_unstable_by_key(|&(key, _)| key);
        return;
    }
    let (mut high, mut low) = (0u32, 0u32);
    for &(key, _) in pairs.iter() {
        high |= (key >> 32) as u32;
        low |= key as u32;
    }
    let low_bits = 32 - low.leading_zeros();
    let bits = low_bits + (32 - high.leading_zeros());
    let compact = |key: u64| ((key >> 32) << low_bits) | (key & 0xffff_ffff);
    let mut scratch = vec![(0u64, 0u32); pairs.len()];
    let (mut src, mut dst) = (&mut *pairs, &mut scratch[..]);
    let passes = bits.div_ceil(DIGIT);
    for pass in 0..passes {
        let shift = pass * DIGIT;
        let mut offsets = [0usize; 1 << DIGIT];
        for &(key, _) in src.iter() {
            offsets[((compact(key) >> shift) & MASK) as usize] += 1;
        }
        let mut sum = 0;
        for slot in offsets.iter_mut() {
            let n = *slot;
            *slot = sum;
            sum += n;
        }
        for &pair in src.iter() {
            let digit = ((compact(pair.0) >> shift) & MASK) as usize;
            dst[offsets[digit]] = pair;
            offsets[digit] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    if passes % 2 == 1 {
        // The sorted pairs are in `scratch`.
        dst.copy_from_slice(src);
    }
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
        let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(ids.len());
        for order in 2..=MAX_ORDER {
            keyed.clear();
            for &(start, end) in &bounds {
                if end - start < order {
                    continue;
                }
                for i in start..=end - order {
                    let prefix = if order == 2 { ids[i] } else { positions[order - 3][i] };
                    debug_assert_ne!(prefix, NONE, "a prefix inside the sentence exists");
                    let key = (u64::from(prefix) << 32) | u64::from(ids[i + order - 1]);
                    keyed.push((key, u32::try_from(i).expect("fewer than 2^32 tokens")));
                }
            }
            sort_by_key(&mut keyed);
            let mut types = OrderTypes::default();
            let mut pos = vec![NONE; ids.len()];
            let mut previous = None;
            for &(key, i) in &keyed {
                if previous != Some(key) {
                    previous = Some(key);
                    types.prefix.push((key >> 32) as u32);
                    types.last.push(key as u32);
                    types.counts.push(0);
                }
                let id = types.counts.len() - 1;
                types.counts[id] += 1;
                pos[i as usize] = u32::try_from(id).expect("fewer than 2^32 n-gram types");
            }
            higher.push(types);
            positions.push(pos);
        }
        (NgramTable { unigrams, higher }, positions)
    }

    /// Appends `other` (the table and positions of the text that follows
    /// this one) to this table and its `positions`: the result is what
    /// [`NgramTable::build`] gives on the two texts concatenated, type ids
    /// included, without sorting them again. Per order, one linear merge of
    /// the two tables' keys (both prefix maps are increasing, so each table
    /// stays sorted under them), then every position's id is mapped.
    pub(crate) fn append(
        &mut self,
        positions: &mut Positions,
        other: NgramTable,
        other_positions: Positions,
    ) {
        if self.unigrams.len() < other.unigrams.len() {
            self.unigrams.resize(other.unigrams.len(), 0);
        }
        for (c, &o) in self.unigrams.iter_mut().zip(&other.unigrams) {
            *c += o;
        }
        // map_a / map_b: ids of the order below in self / other -> merged ids
        // (order 1: token ids, unchanged).
        let (mut map_a, mut map_b): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        let identity = |map: &[u32], id: u32| if map.is_empty() { id } else { map[id as usize] };
        for (k, ((a, b), mut tail)) in
            self.higher.iter_mut().zip(other.higher).zip(other_positions).enumerate()
        {
            let mut merged = OrderTypes::default();
            let (mut next_a, mut next_b) =
                (Vec::with_capacity(a.counts.len()), Vec::with_capacity(b.counts.len()));
            let key_a = |i: usize| (identity(&map_a, a.prefix[i]), a.last[i]);
            let key_b = |j: usize| (identity(&map_b, b.prefix[j]), b.last[j]);
            let (mut i, mut j) = (0, 0);
            while i < a.counts.len() || j < b.counts.len() {
                let take = match (i < a.counts.len(), j < b.counts.len()) {
                    (true, true) => key_a(i).cmp(&key_b(j)),
                    (true, false) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                let id = u32::try_from(merged.counts.len()).expect("fewer than 2^32 n-gram types");
                let ((prefix, last), count) = match take {
                    std::cmp::Ordering::Greater => {
                        next_b.push(id);
                        j += 1;
                        (key_b(j - 1), b.counts[j - 1])
                    }
                    both => {
                        next_a.push(id);
                        i += 1;
                        let mut count = a.counts[i - 1];
                        if both.is_eq() {
                            next_b.push(id);
                            count += b.counts[j];
                            j += 1;
                        }
                        (key_a(i - 1), count)
                    }
                };
                merged.prefix.push(prefix);
                merged.last.push(last);
                merged.counts.push(count);
            }
            *a = merged;
            let map = |ids: &mut [u32], to: &[u32]| {
                ids.iter_mut().filter(|t| **t != NONE).for_each(|t| *t = to[*t as usize]);
            };
            map(&mut positions[k], &next_a);
            map(&mut tail, &next_b);
            positions[k].extend_from_slice(&tail);
            (map_a, map_b) = (next_a, next_b);
        }
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
        let mut keyed: Vec<(u64, u32)> = Vec::new();
        for (k, types) in self.higher.iter().enumerate() {
            let prev = &mapped[k];
            let target = &other.higher[k];
            // This table's types with a prefix in `other`, by their key there.
            keyed.clear();
            for (t, (&p, &last)) in types.prefix.iter().zip(&types.last).enumerate() {
                let q = prev[p as usize];
                if q != NONE {
                    keyed.push(((u64::from(q) << 32) | u64::from(last), t as u32));
                }
            }
            sort_by_key(&mut keyed);
            // Merge with `other`'s keys, ascending with its ids.
            let mut ids = vec![NONE; types.counts.len()];
            let mut j = 0;
            for &(key, t) in &keyed {
                while j < target.prefix.len() && target.key(j) < key {
                    j += 1;
                }
                if j < target.prefix.len() && target.key(j) == key {
                    ids[t as usize] = j as u32;
                }
            }
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

    /// The n-gram spelled by type `id` of `order`, following the prefixes.
    fn spell(t: &NgramTable, order: usize, id: u32) -> Vec<u32> {
        if order == 1 {
            return vec![id];
        }
        let types = &t.higher[order - 2];
        let mut ngram = spell(t, order - 1, types.prefix[id as usize]);
        ngram.push(types.last[id as usize]);
        ngram
    }

    /// Naive oracle: every n-gram within a sentence, counted in a BTreeMap.
    fn naive(lines: &[Vec<u32>], order: usize) -> std::collections::BTreeMap<Vec<u32>, u64> {
        let mut counts = std::collections::BTreeMap::new();
        for l in lines {
            for w in l.windows(order) {
                *counts.entry(w.to_vec()).or_insert(0) += 1;
            }
        }
        counts
    }

    fn table_counts(t: &NgramTable, order: usize) -> std::collections::BTreeMap<Vec<u32>, u64> {
        (0..t.counts(order).len() as u32)
            .filter(|&id| t.counts(order)[id as usize] > 0)
            .map(|id| (spell(t, order, id), t.counts(order)[id as usize]))
            .collect()
    }

    fn lines() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u32>>> {
        use proptest::prelude::*;
        // A small alphabet so that n-grams repeat.
        prop::collection::vec(prop::collection::vec(0u32..5, 0..12), 0..12)
    }

    proptest::proptest! {
        /// The radix sort orders keys like a comparison sort, keys of any width.
        #[test]
        fn radix_sort_sorts(keys in proptest::collection::vec((0u64..1 << 20, 0u64..1 << 32), 0..3000),
                            wide in proptest::bool::ANY) {
            let mut pairs: Vec<(u64, u32)> = keys
                .iter()
                .enumerate()
                .map(|(i, &(h, l))| (((if wide { h << 12 } else { h }) << 32) | l >> (i % 32), i as u32))
                .collect();
            let mut expect: Vec<u64> = pairs.iter().map(|p| p.0).collect();
            expect.sort_unstable();
            sort_by_key(&mut pairs);
            proptest::prop_assert_eq!(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), expect);
            let mut payloads: Vec<u32> = pairs.iter().map(|p| p.1).collect();
            payloads.sort_unstable();
            proptest::prop_assert!(payloads.iter().enumerate().all(|(i, &p)| p == i as u32));
        }

        /// Appending the tables of a text that follows == building the
        /// concatenation's: every type id, count and position.
        #[test]
        fn append_equals_building_the_concatenation(a in lines(), b in lines()) {
            let (ra, rb): (Vec<&[u32]>, Vec<&[u32]>) =
                (a.iter().map(Vec::as_slice).collect(), b.iter().map(Vec::as_slice).collect());
            let (mut ta, mut pa) = NgramTable::build(&corpus(&ra));
            let (tb, pb) = NgramTable::build(&corpus(&rb));
            ta.append(&mut pa, tb, pb);
            let (whole, pw) = NgramTable::build(&corpus(&[ra, rb].concat()));
            proptest::prop_assert_eq!(&ta.unigrams, &whole.unigrams);
            for (x, y) in ta.higher.iter().zip(&whole.higher) {
                proptest::prop_assert_eq!((&x.prefix, &x.last, &x.counts), (&y.prefix, &y.last, &y.counts));
            }
            proptest::prop_assert_eq!(pa, pw);
        }

        /// Sorted-key tables == naive counting; positions spell their n-gram;
        /// keys ascend with ids; `map_onto` == naive lookup.
        #[test]
        fn fast_tables_equal_naive_counts(a in lines(), b in lines()) {
            let (ra, rb): (Vec<&[u32]>, Vec<&[u32]>) =
                (a.iter().map(Vec::as_slice).collect(), b.iter().map(Vec::as_slice).collect());
            let (ca, cb) = (corpus(&ra), corpus(&rb));
            let (ta, pos) = NgramTable::build(&ca);
            let (tb, _) = NgramTable::build(&cb);
            for order in 1..=MAX_ORDER {
                proptest::prop_assert_eq!(table_counts(&ta, order), naive(&a, order), "order {}", order);
            }
            let ids = ca.ids();
            for (k, p) in pos.iter().enumerate() {
                for (i, &id) in p.iter().enumerate() {
                    if id != NONE {
                        proptest::prop_assert_eq!(&spell(&ta, k + 2, id)[..], &ids[i..i + k + 2]);
                    }
                }
            }
            for types in &ta.higher {
                proptest::prop_assert!((1..types.counts.len()).all(|i| types.key(i - 1) < types.key(i)));
            }
            let mapped = ta.map_onto(&tb);
            for order in 1..=MAX_ORDER {
                let in_b = naive(&b, order);
                for (id, &m) in mapped[order - 1].iter().enumerate() {
                    if ta.counts(order)[id] == 0 {
                        continue;
                    }
                    let ngram = spell(&ta, order, id as u32);
                    if m == NONE {
                        proptest::prop_assert!(!in_b.contains_key(&ngram), "{:?} is in b", ngram);
                    } else {
                        proptest::prop_assert_eq!(spell(&tb, order, m), ngram);
                    }
                }
            }
        }
    }
}
