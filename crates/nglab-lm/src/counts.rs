//! Accumulating n-gram counts.
//!
//! Layout (see `../shared/REFERENCE.md` section 5): an n-gram of order n >= 2 is
//! keyed by `(id of its (n-1)-word prefix) << 32 | last word`, and stores the id
//! of its (n-1)-word suffix, known at insertion time. Unigram ids are token ids.

use hashbrown::HashMap;
use nglab_tokenizer::{Corpus, TokenId, BOS, EOS};

use crate::{Error, Result};

/// The largest supported order.
pub const MAX_ORDER: usize = 12;

/// An n-gram's id and count, kept together in its hash slot so that counting
/// an occurrence touches one cache line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) id: u32,
    pub(crate) count: u64,
}

/// One order's n-grams, indexed by n-gram id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// Key `prefix << 32 | word` -> id and count (orders >= 2 only).
    pub(crate) index: HashMap<u64, Slot>,
    /// Id of the prefix (the first n-1 words) in the order below.
    pub(crate) prefix: Vec<u32>,
    /// The last word.
    pub(crate) word: Vec<TokenId>,
    /// Id of the suffix (the last n-1 words) in the order below.
    pub(crate) suffix: Vec<u32>,
    /// How often each unigram occurs (order 1 only; higher orders keep their
    /// counts in `index`: see [`Table::raw_counts`]).
    pub(crate) count: Vec<u64>,
}

impl Table {
    pub(crate) fn len(&self) -> usize {
        self.word.len()
    }

    /// The id of n-gram `prefix word`, inserted if new, with `add` added to its count.
    fn add(&mut self, prefix: u32, word: TokenId, suffix: u32, add: u64) -> u32 {
        let key = (u64::from(prefix) << 32) | u64::from(word);
        let next = self.word.len() as u32;
        let slot = self.index.entry(key).or_insert(Slot { id: next, count: 0 });
        slot.count += add;
        let id = slot.id;
        if id == next {
            self.prefix.push(prefix);
            self.word.push(word);
            self.suffix.push(suffix);
        }
        id
    }

    /// The count of every n-gram, by id.
    pub(crate) fn raw_counts(&self) -> Vec<u64> {
        if self.index.is_empty() {
            return self.count.clone();
        }
        let mut out = vec![0; self.len()];
        // Each slot writes its own id: the visiting order cannot matter.
        #[allow(clippy::iter_over_hash_type)]
        for slot in self.index.values() {
            out[slot.id as usize] = slot.count;
        }
        out
    }
}

/// Raw n-gram counts of orders 1..=order, mutable while a corpus is read.
///
/// Padding follows KenLM: each sentence is `<s> w1 .. wk </s>`, and every token
/// after `<s>` ends one n-gram of each order that fits, so `<s> w1` is a bigram
/// but no n-gram holds `<s>` after its first position. Counts of every order are
/// raw occurrence counts; Kneser-Ney's continuation counts are derived at
/// estimation.
#[derive(Debug, Clone)]
pub struct NgramCounts {
    order: usize,
    /// `tables[n - 1]` holds order n. Order 1 is dense: id == token id.
    tables: Vec<Table>,
    n_sentences: u64,
    n_tokens: u64,
}

impl NgramCounts {
    /// Empty counts of orders 1..=`order`.
    pub fn new(order: usize) -> Result<Self> {
        if order == 0 || order > MAX_ORDER {
            return Err(Error::Config(format!("order must be in 1..={MAX_ORDER}, got {order}")));
        }
        let mut counts =
            NgramCounts { order, tables: vec![Table::default(); order], n_sentences: 0, n_tokens: 0 };
        counts.ensure_unigram(EOS);
        Ok(counts)
    }

    /// The highest order counted.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Number of sentences added.
    pub fn n_sentences(&self) -> u64 {
        self.n_sentences
    }

    /// Number of words added (padding not included).
    pub fn n_tokens(&self) -> u64 {
        self.n_tokens
    }

    /// Number of distinct n-grams of order `n` (for order 1: the size of the
    /// id space seen, zero counts included).
    pub fn n_grams(&self, n: usize) -> usize {
        self.tables[n - 1].len()
    }

    /// The raw count of an n-gram given by its token ids, 0 if unseen.
    pub fn count(&self, ngram: &[TokenId]) -> u64 {
        match self.find(ngram) {
            Some(id) if ngram.len() == 1 => self.tables[0].count[id as usize],
            Some(_) => {
                let key = (u64::from(self.find(&ngram[..ngram.len() - 1]).unwrap_or(0)) << 32)
                    | u64::from(ngram[ngram.len() - 1]);
                self.tables[ngram.len() - 1].index.get(&key).map_or(0, |s| s.count)
            }
            None => 0,
        }
    }

    fn find(&self, ngram: &[TokenId]) -> Option<u32> {
        let (&first, rest) = ngram.split_first()?;
        if ngram.len() > self.order || first as usize >= self.tables[0].len() {
            return None;
        }
        let mut id = first;
        for (n, &w) in rest.iter().enumerate() {
            let key = (u64::from(id) << 32) | u64::from(w);
            id = self.tables[n + 1].index.get(&key)?.id;
        }
        Some(id)
    }

    fn ensure_unigram(&mut self, w: TokenId) {
        let t = &mut self.tables[0];
        while t.word.len() <= w as usize {
            let id = t.word.len() as u32;
            t.prefix.push(0);
            t.word.push(id);
            t.suffix.push(0);
            t.count.push(0);
        }
    }

    /// Counts one sentence of words (without `<s>`/`</s>`).
    pub fn add_sentence(&mut self, sentence: &[TokenId]) {
        if let Some(&max) = sentence.iter().max() {
            self.ensure_unigram(max);
        }
        // prev[n - 1]: id of the order-n gram ending at the previous position.
        let mut prev = [0u32; MAX_ORDER];
        let mut cur = [0u32; MAX_ORDER];
        prev[0] = BOS;
        let mut avail = 1; // orders of grams ending at the previous position
        for &w in sentence.iter().chain(std::iter::once(&EOS)) {
            cur[0] = w;
            self.tables[0].count[w as usize] += 1;
            let top = (avail + 1).min(self.order);
            for n in 1..top {
                cur[n] = self.tables[n].add(prev[n - 1], w, cur[n - 1], 1);
            }
            avail = top;
            prev[..top].copy_from_slice(&cur[..top]);
        }
        self.n_sentences += 1;
        self.n_tokens += sentence.len() as u64;
    }

    /// Counts every sentence of `corpus`.
    pub fn add_corpus(&mut self, corpus: &Corpus) {
        for s in corpus.sentences() {
            self.add_sentence(s);
        }
    }

    /// Adds all of `other`'s counts (same token ids, same order) to these.
    pub fn merge(&mut self, other: &NgramCounts) -> Result<()> {
        if other.order != self.order {
            return Err(Error::Config(format!(
                "cannot merge counts of order {} into counts of order {}",
                other.order, self.order
            )));
        }
        self.ensure_unigram(other.tables[0].len().saturating_sub(1) as TokenId);
        for (w, &c) in other.tables[0].count.iter().enumerate() {
            self.tables[0].count[w] += c;
        }
        // map[id in other's order n] = id in self's order n
        let mut map: Vec<u32> = (0..other.tables[0].len() as u32).collect();
        for n in 1..self.order {
            let src = &other.tables[n];
            let counts = src.raw_counts();
            let mut next = Vec::with_capacity(src.len());
            for i in 0..src.len() {
                next.push(self.tables[n].add(map[src.prefix[i] as usize], src.word[i], 0, counts[i]));
            }
            // Suffixes: the suffix of an order-(n+1) gram is an order-n gram,
            // so `map` (order n) translates it; new grams had a placeholder.
            for (&id, &suffix) in next.iter().zip(&src.suffix) {
                self.tables[n].suffix[id as usize] = map[suffix as usize];
            }
            map = next;
        }
        self.n_sentences += other.n_sentences;
        self.n_tokens += other.n_tokens;
        Ok(())
    }

    pub(crate) fn tables(&self) -> &[Table] {
        &self.tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap as Map;

    /// The naive oracle: every padded window, as KenLM pads.
    fn naive(sentences: &[Vec<TokenId>], order: usize) -> Map<Vec<TokenId>, u64> {
        let mut m = Map::new();
        for s in sentences {
            let mut toks = vec![BOS];
            toks.extend_from_slice(s);
            toks.push(EOS);
            for i in 1..toks.len() {
                for n in 1..=order.min(i + 1) {
                    *m.entry(toks[i + 1 - n..=i].to_vec()).or_insert(0) += 1;
                }
            }
        }
        m
    }

    fn check(sentences: &[Vec<TokenId>], order: usize) {
        let mut c = NgramCounts::new(order).unwrap();
        for s in sentences {
            c.add_sentence(s);
        }
        let oracle = naive(sentences, order);
        let mut total = 0;
        for (g, &n) in &oracle {
            assert_eq!(c.count(g), n, "count of {g:?}");
        }
        for n in 2..=order {
            total += c.n_grams(n);
        }
        let oracle_higher = oracle.keys().filter(|g| g.len() >= 2).count();
        assert_eq!(total, oracle_higher, "number of n-grams of order >= 2");
        // Suffix links point at the suffix.
        for n in 2..=order {
            let t = &c.tables()[n - 1];
            for i in 0..t.len() {
                let g = c.words_of(n, i as u32);
                let s = c.words_of(n - 1, t.suffix[i]);
                assert_eq!(&g[1..], &s[..]);
            }
        }
    }

    impl NgramCounts {
        fn words_of(&self, n: usize, mut id: u32) -> Vec<TokenId> {
            let mut out = Vec::new();
            for k in (1..n).rev() {
                out.push(self.tables[k].word[id as usize]);
                id = self.tables[k].prefix[id as usize];
            }
            out.push(id);
            out.reverse();
            out
        }
    }

    #[test]
    fn counts_equal_naive_counter() {
        check(&[vec![3, 4], vec![3, 4, 5, 3, 4]], 3);
        check(&[vec![], vec![7]], 4);
        check(&[vec![3, 3, 3, 3, 3, 3]], 5);
    }

    #[test]
    fn merge_equals_counting_together() {
        let a = [vec![3, 4, 5], vec![4, 5]];
        let b = [vec![5, 4, 3, 6], vec![3, 4]];
        let mut ca = NgramCounts::new(3).unwrap();
        let mut cb = NgramCounts::new(3).unwrap();
        let mut both = NgramCounts::new(3).unwrap();
        a.iter().for_each(|s| ca.add_sentence(s));
        b.iter().for_each(|s| cb.add_sentence(s));
        a.iter().chain(b.iter()).for_each(|s| both.add_sentence(s));
        ca.merge(&cb).unwrap();
        let oracle = naive(&[a.to_vec(), b.to_vec()].concat(), 3);
        for (g, &n) in &oracle {
            assert_eq!(ca.count(g), n);
            assert_eq!(both.count(g), n);
        }
        for n in 2..=3 {
            let t = &ca.tables()[n - 1];
            for i in 0..t.len() {
                let g = ca.words_of(n, i as u32);
                assert_eq!(&g[1..], &ca.words_of(n - 1, t.suffix[i])[..]);
            }
        }
    }

    #[test]
    fn order_is_validated() {
        assert!(NgramCounts::new(0).is_err());
        assert!(NgramCounts::new(MAX_ORDER + 1).is_err());
    }

    proptest::proptest! {
        #[test]
        fn prop_counts_equal_naive(sents in proptest::collection::vec(
            proptest::collection::vec(3u32..9, 0..8), 0..8), order in 1usize..6) {
            check(&sents, order);
        }
    }
}
