//! Accumulating n-gram counts.
//!
//! Layout: each order n >= 2 is a table of n-grams sorted by (id of the
//! (n-1)-word prefix in order n-1, last word), which is lexicographic order of
//! the words because order n-1 is sorted the same way: the model's order, so
//! estimation needs no sort. Each n-gram stores its count and the id of its
//! (n-1)-word suffix. Unigram ids are token ids.
//!
//! A corpus is counted by sorting, not hashing: every position ends one
//! n-gram of each order that fits. For each order, a counting sort groups the
//! occurrences by the id of their prefix (the (n-1)-gram that ended one
//! position earlier), each group is sorted by word, and equal n-grams, now
//! adjacent and in model order, get consecutive ids. Every pass over the
//! positions is sequential. Large corpora use the caller's threads per order:
//! the positions are cut into one span a thread, each grouping its own
//! occurrences (into disjoint slots of the groups), the prefixes into one range
//! a thread, each sorting and numbering its own groups. Counts merge by a
//! linear merge of sorted tables.

use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use nglab_tokenizer::{Corpus, TokenId, BOS, EOS};

use crate::par;
use crate::sort::counting_sort_into;
use crate::window;
use crate::{Error, Result};

/// Corpora with fewer positions are counted on one thread.
const PARALLEL_MIN_POSITIONS: usize = if cfg!(test) { 8 } else { 1 << 16 };

/// Positions grouped per chunk (window by window: `window.rs`; a few in
/// tests, so that spans are cut).
const GROUP_CHUNK: usize = if cfg!(test) { 5 } else { 1 << 18 };

/// The largest supported order.
pub const MAX_ORDER: usize = 12;

/// One order's n-grams, sorted by (prefix, word), indexed by n-gram id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// Id of the prefix (the first n-1 words) in the order below.
    pub(crate) prefix: Vec<u32>,
    /// The last word.
    pub(crate) word: Vec<TokenId>,
    /// Id of the suffix (the last n-1 words) in the order below.
    pub(crate) suffix: Vec<u32>,
    /// How often the n-gram occurs.
    pub(crate) count: Vec<u64>,
}

impl Table {
    pub(crate) fn len(&self) -> usize {
        self.word.len()
    }

    fn with_capacity(n: usize) -> Self {
        Table {
            prefix: Vec::with_capacity(n),
            word: Vec::with_capacity(n),
            suffix: Vec::with_capacity(n),
            count: Vec::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, prefix: u32, word: TokenId, suffix: u32, count: u64) {
        self.prefix.push(prefix);
        self.word.push(word);
        self.suffix.push(suffix);
        self.count.push(count);
    }

    /// The id of n-gram `prefix word`, by binary search.
    fn find(&self, prefix: u32, word: TokenId) -> Option<u32> {
        let i = self.prefix.partition_point(|&p| p < prefix);
        let j = self.prefix[i..].partition_point(|&p| p == prefix) + i;
        let k = self.word[i..j].binary_search(&word).ok()?;
        Some((i + k) as u32)
    }
}

/// One occurrence of an n-gram while counting: its last word, the id of its
/// suffix, and its position.
#[derive(Debug, Clone, Copy, Default)]
struct Occurrence {
    word: TokenId,
    suffix: u32,
    pos: u32,
}

/// Raw n-gram counts of orders 1..=order, mutable while corpora are added.
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
        self.find(ngram).map_or(0, |id| self.tables[ngram.len() - 1].count[id as usize])
    }

    fn find(&self, ngram: &[TokenId]) -> Option<u32> {
        let (&first, rest) = ngram.split_first()?;
        if ngram.len() > self.order || first as usize >= self.tables[0].len() {
            return None;
        }
        let mut id = first;
        for (n, &w) in rest.iter().enumerate() {
            id = self.tables[n + 1].find(id, w)?;
        }
        Some(id)
    }

    fn ensure_unigram(&mut self, w: TokenId) {
        let t = &mut self.tables[0];
        while t.word.len() <= w as usize {
            let id = t.word.len() as u32;
            t.push(0, id, 0, 0);
        }
    }

    /// Counts one sentence of words (without `<s>`/`</s>`). Each call merges
    /// into the counts so far, in time linear in their size: count many
    /// sentences with [`NgramCounts::add_corpus`].
    pub fn add_sentence(&mut self, sentence: &[TokenId]) {
        self.add_sentences(std::iter::once(sentence), 1);
    }

    /// Counts every sentence of `corpus`, on `threads` threads (0 counts as
    /// 1); the counts do not depend on it.
    pub fn add_corpus(&mut self, corpus: &Corpus, threads: usize) {
        self.add_sentences(corpus.sentences(), threads);
    }

    fn add_sentences<'a>(&mut self, sentences: impl Iterator<Item = &'a [TokenId]>, threads: usize) {
        let fresh = NgramCounts::counted(self.order, sentences, threads);
        let empty = self.n_sentences == 0
            && self.tables[0].count.iter().all(|&c| c == 0)
            && self.tables[1..].iter().all(|t| t.len() == 0);
        if empty && fresh.tables[0].len() >= self.tables[0].len() {
            *self = fresh;
        } else {
            self.merge(&fresh).expect("the same order");
        }
    }

    /// Fresh counts of `sentences`, by sorting (see the module's docs), on
    /// `threads` threads.
    pub(crate) fn counted<'a>(
        order: usize,
        sentences: impl Iterator<Item = &'a [TokenId]>,
        threads: usize,
    ) -> NgramCounts {
        // One position per token after <s>: its word, and how many words
        // precede it in the padded sentence (<s> included) plus one, capped:
        // the orders of the n-grams ending there are 1..=depth.
        let (mut tok, mut depth) = (Vec::new(), Vec::<u8>::new());
        let (mut n_sentences, mut n_tokens) = (0u64, 0u64);
        for s in sentences {
            for (k, &w) in s.iter().chain(std::iter::once(&EOS)).enumerate() {
                tok.push(w);
                depth.push((k + 2).min(u8::MAX as usize) as u8);
            }
            n_sentences += 1;
            n_tokens += s.len() as u64;
        }
        let mut counts = NgramCounts::new(order).expect("a valid order");
        counts.n_sentences = n_sentences;
        counts.n_tokens = n_tokens;
        if let Some(&max) = tok.iter().max() {
            counts.ensure_unigram(max);
        }
        for &w in &tok {
            counts.tables[0].count[w as usize] += 1;
        }
        // ids[p]: the id of the order-(n-1) gram ending at position p.
        let mut ids: Vec<u32> = tok.clone();
        for n in 2..=order {
            let (table, next_ids) = count_order(&tok, &depth, &ids, counts.tables[n - 2].len(), n, threads);
            counts.tables[n - 1] = table;
            ids = next_ids;
        }
        counts
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
        // map_a / map_b: ids of order n - 1 in self / other -> merged ids.
        // Both are increasing, so each table stays sorted under them and one
        // linear merge per order suffices.
        let mut map_a: Vec<u32> = (0..self.tables[0].len() as u32).collect();
        let mut map_b: Vec<u32> = (0..other.tables[0].len() as u32).collect();
        for n in 1..self.order {
            let (a, b) = (&self.tables[n], &other.tables[n]);
            let mut t = Table::with_capacity(a.len().max(b.len()));
            let (mut next_a, mut next_b) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
            let (mut i, mut j) = (0, 0);
            let key_a = |i: usize| (map_a[a.prefix[i] as usize], a.word[i]);
            let key_b = |j: usize| (map_b[b.prefix[j] as usize], b.word[j]);
            while i < a.len() || j < b.len() {
                let take = match (i < a.len(), j < b.len()) {
                    (true, true) => key_a(i).cmp(&key_b(j)),
                    (true, false) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                let id = t.len() as u32;
                match take {
                    std::cmp::Ordering::Less | std::cmp::Ordering::Equal => {
                        let (p, w) = key_a(i);
                        let both = take.is_eq();
                        let c = a.count[i] + if both { b.count[j] } else { 0 };
                        t.push(p, w, map_a[a.suffix[i] as usize], c);
                        next_a.push(id);
                        i += 1;
                        if both {
                            next_b.push(id);
                            j += 1;
                        }
                    }
                    std::cmp::Ordering::Greater => {
                        let (p, w) = key_b(j);
                        t.push(p, w, map_b[b.suffix[j] as usize], b.count[j]);
                        next_b.push(id);
                        j += 1;
                    }
                }
            }
            self.tables[n] = t;
            map_a = next_a;
            map_b = next_b;
        }
        self.n_sentences += other.n_sentences;
        self.n_tokens += other.n_tokens;
        Ok(())
    }

    /// Adds `fresh`'s counts (same token ids, same order) to these, taking
    /// its tables when these have no n-gram of order >= 2 (no copy).
    pub(crate) fn absorb(&mut self, fresh: NgramCounts) {
        if self.tables[1..].iter().any(|t| t.len() > 0) {
            self.merge(&fresh).expect("the same order");
            return;
        }
        self.ensure_unigram(fresh.tables[0].len().saturating_sub(1) as TokenId);
        for (w, &c) in fresh.tables[0].count.iter().enumerate() {
            self.tables[0].count[w] += c;
        }
        self.n_sentences += fresh.n_sentences;
        self.n_tokens += fresh.n_tokens;
        let mut tables = fresh.tables;
        tables[0] = std::mem::take(&mut self.tables[0]);
        self.tables = tables;
    }

    /// Empties orders >= 2 (written elsewhere), keeping unigrams and totals.
    pub(crate) fn clear_higher_tables(&mut self) {
        self.tables[1..].iter_mut().for_each(|t| *t = Table::default());
    }

    /// Replaces orders >= 2 by `tables` (`tables[n - 2]` holds order n).
    pub(crate) fn set_higher_tables(&mut self, tables: Vec<Table>) {
        debug_assert_eq!(tables.len(), self.order - 1);
        self.tables.truncate(1);
        self.tables.extend(tables);
    }

    pub(crate) fn tables(&self) -> &[Table] {
        &self.tables
    }

    pub(crate) fn into_tables(self) -> Vec<Table> {
        self.tables
    }
}

/// Order `n`'s table from the positions (`tok`, `depth`: see
/// [`NgramCounts::counted`]) and the ids of the order-(n-1) grams ending at
/// each (`ids`), and the id of the n-gram ending at each position (0 where
/// none does). On `threads` threads: the positions are cut into spans for
/// grouping, the prefixes into ranges for sorting and numbering; every
/// n-gram's id and count come out the same for any cut.
fn count_order(
    tok: &[TokenId],
    depth: &[u8],
    ids: &[u32],
    n_prefixes: usize,
    n: usize,
    threads: usize,
) -> (Table, Vec<u32>) {
    let fits = |p: usize| depth[p] as usize >= n;
    let prefix_of = |p: usize| if depth[p] == 2 { BOS } else { ids[p - 1] } as usize;
    let threads = if tok.len() < PARALLEL_MIN_POSITIONS { 1 } else { threads.max(1) };
    let span = tok.len().div_ceil(threads);
    let spans: Vec<Range<usize>> =
        (0..threads).map(|k| (k * span).min(tok.len())..((k + 1) * span).min(tok.len())).collect();
    // Group the occurrences by prefix (a counting sort): each span counts
    // its occurrences per prefix ...
    // (Prefixes are taken a chunk at a time and counted window by window:
    // `window.rs`.)
    let mut cursors: Vec<Vec<u32>> = par::map(threads, spans.clone(), |sp| {
        let mut c = vec![0u32; n_prefixes];
        let (mut prefixes, mut scratch) = (Vec::new(), window::Scratch::default());
        for chunk in par::spans(sp.clone(), sp.len().div_ceil(GROUP_CHUNK)) {
            prefixes.clear();
            prefixes.extend(chunk.filter(|&p| fits(p)).map(|p| prefix_of(p) as u32));
            window::count(&mut c, &prefixes, &mut scratch);
        }
        c
    });
    // ... the groups are laid out in prefix order, each span's share of a
    // group after the shares of the spans before it ...
    let mut start = vec![0u32; n_prefixes + 1];
    for b in 0..n_prefixes {
        let mut at = start[b];
        for c in cursors.iter_mut() {
            (c[b], at) = (at, at + c[b]);
        }
        start[b + 1] = at;
    }
    let m = start[n_prefixes] as usize;
    // ... and every span scatters its occurrences into its shares. The
    // arrays are atomic only so that spans write them at once, to disjoint
    // slots; relaxed stores and loads are plain moves.
    let new_slots = |len: usize| -> Vec<AtomicU32> { (0..len).map(|_| AtomicU32::new(0)).collect() };
    // (word, suffix) packed, so that a scatter touches two slots, not three.
    let pairs: Vec<AtomicU64> = (0..m).map(|_| AtomicU64::new(0)).collect();
    let positions = new_slots(m);
    let shares: Vec<(Range<usize>, Vec<u32>)> = spans.into_iter().zip(cursors).collect();
    // A chunk of occurrences at a time, partitioned (stably) by the window
    // of their prefix, so that the cursors and slots each window touches
    // are close together; each group still gets its occurrences in
    // position order.
    let windows = window::Windows::new(n_prefixes);
    par::map(threads, shares, |(r, mut cur)| {
        let (mut found, mut sorted, mut start) = (Vec::new(), Vec::new(), Vec::new());
        for chunk in par::spans(r.clone(), r.len().div_ceil(GROUP_CHUNK)) {
            found.clear();
            found.extend(chunk.filter(|&p| fits(p)).map(|p| (prefix_of(p) as u32, p as u32)));
            counting_sort_into(&found, windows.n, |&(prefix, _)| windows.of(prefix), &mut sorted, &mut start);
            for &(prefix, p) in &sorted {
                let p = p as usize;
                let slot = &mut cur[prefix as usize];
                let i = *slot as usize;
                pairs[i].store(u64::from(tok[p]) << 32 | u64::from(ids[p]), Relaxed);
                positions[i].store(p as u32, Relaxed);
                *slot += 1;
            }
        }
    });
    // Each range of prefixes (about m / threads occurrences each) sorts its
    // groups by word and numbers their n-grams from 0; ids of later ranges
    // are then shifted by the n-grams of the ranges before.
    let mut cuts: Vec<usize> =
        (0..threads).map(|k| start.partition_point(|&s| (s as usize) < m * k / threads)).collect();
    cuts.push(n_prefixes);
    let next_ids = new_slots(tok.len());
    let ranges: Vec<Range<usize>> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
    let parts: Vec<Table> = par::map(threads, ranges.clone(), |range| {
        let items = (start[range.end] - start[range.start]) as usize;
        let mut table = Table::with_capacity(items / 2);
        let mut group: Vec<Occurrence> = Vec::new();
        for prefix in range {
            group.clear();
            group.extend((start[prefix] as usize..start[prefix + 1] as usize).map(|i| {
                let pair = pairs[i].load(Relaxed);
                Occurrence {
                    word: (pair >> 32) as TokenId,
                    suffix: pair as u32,
                    pos: positions[i].load(Relaxed),
                }
            }));
            if group.len() > 1 {
                group.sort_unstable_by_key(|o| o.word);
            }
            let mut last = None;
            for o in &group {
                if last != Some(o.word) {
                    table.push(prefix as u32, o.word, o.suffix, 0);
                    last = Some(o.word);
                }
                let id = table.len() - 1;
                table.count[id] += 1;
                next_ids[o.pos as usize].store(id as u32, Relaxed);
            }
        }
        table
    });
    // The first part grows into the table, each other part's columns
    // appended and freed one at a time: the table is never copied whole.
    let mut parts = parts.into_iter().zip(&ranges);
    let (mut table, _) = parts.next().expect("one range at least");
    for (part, r) in parts {
        let base = table.len() as u32;
        if base > 0 {
            for i in start[r.start] as usize..start[r.end] as usize {
                next_ids[positions[i].load(Relaxed) as usize].fetch_add(base, Relaxed);
            }
        }
        let Table { prefix, word, suffix, count } = part;
        table.prefix.extend(prefix);
        table.word.extend(word);
        table.suffix.extend(suffix);
        table.count.extend(count);
    }
    (table, next_ids.into_iter().map(AtomicU32::into_inner).collect())
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
        // Each order is sorted by (prefix, word), without repeats.
        for t in &c.tables()[1..] {
            for i in 1..t.len() {
                assert!((t.prefix[i - 1], t.word[i - 1]) < (t.prefix[i], t.word[i]), "sorted at {i}");
            }
        }
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
    fn thread_count_changes_nothing() {
        let sents: Vec<Vec<TokenId>> =
            (0..300u32).map(|i| (0..i % 13).map(|k| 3 + (i * 7 + k * k) % 11).collect()).collect();
        let tables = |threads| {
            let c = NgramCounts::counted(5, sents.iter().map(|s| &s[..]), threads);
            c.tables
                .iter()
                .map(|t| (t.prefix.clone(), t.word.clone(), t.suffix.clone(), t.count.clone()))
                .collect::<Vec<_>>()
        };
        let one = tables(1);
        assert!(one[4].0.len() > 100, "enough 5-grams to split");
        for threads in [2, 3, 7] {
            assert_eq!(tables(threads), one, "{threads} threads");
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
