//! Linking one order's n-grams to their prefixes and suffixes in the order
//! below, and putting them in model order: by merges and counting sorts for
//! files in suffix order, by sorting and merging for any other.

use nglab_tokenizer::{TokenId, Vocab};

use super::batch::Section;
use crate::model::Level;
use crate::sort::counting_sort_into;
use crate::{Error, Result};

/// The permutation of `0..m` that sorts the word tuples `key(i)`
/// lexicographically. Tuples that fit in 128 bits at `bits` bits a word are
/// packed and sorted as integers, which is several times faster than
/// comparing slices.
fn sorted_by_words<'a>(m: usize, bits: usize, key: impl Fn(u32) -> &'a [TokenId]) -> Vec<u32> {
    let mut perm: Vec<u32> = (0..m as u32).collect();
    let len = if m == 0 { 0 } else { key(0).len() };
    if len * bits <= 128 {
        let pack = |t: &[TokenId]| t.iter().fold(0u128, |acc, &w| (acc << bits) | u128::from(w));
        let mut keyed: Vec<(u128, u32)> = perm.iter().map(|&i| (pack(key(i)), i)).collect();
        keyed.sort_unstable();
        perm.clear();
        perm.extend(keyed.into_iter().map(|(_, i)| i));
    } else {
        perm.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    }
    perm
}

/// An order's n-grams as linking the order above needs them.
pub(super) enum Below {
    /// Read in suffix order (see [`Section::link_sorted`]).
    Sorted(SortedBelow),
    /// Word tuples in model order.
    Model(Vec<TokenId>),
}

/// An order read in suffix order.
#[derive(Default)]
pub(super) struct SortedBelow {
    /// Word tuples in file order.
    words: Vec<TokenId>,
    /// File line -> model id.
    model_of_file: Vec<u32>,
    /// File line -> prefix id.
    prefix_of_file: Vec<u32>,
    /// Model id -> first word.
    first: Vec<TokenId>,
}

/// Buffers of [`Section::link_sorted`], kept from order to order.
#[derive(Default)]
pub(super) struct LinkScratch {
    recs: Vec<LinkRec>,
    sorted: Vec<LinkRec>,
    start: Vec<u32>,
    /// Whether an order follows: if not, buffers are freed as soon as they
    /// are used (memory peaks while the highest order is linked).
    pub(super) keep: bool,
}

/// One line of a section in suffix order, as [`Section::link_sorted`] sorts
/// it into model order.
#[derive(Debug, Clone, Copy, Default)]
struct LinkRec {
    first: TokenId,
    /// Its suffix's id.
    suffix: u32,
    /// The id of its suffix's prefix (its words but the first and last).
    suffix_prefix: u32,
    /// Its line in the section.
    line: u32,
}

impl SortedBelow {
    /// The unigrams, in id order: every id is one.
    pub(super) fn unigrams(n_words: usize) -> Self {
        let ids: Vec<TokenId> = (0..n_words as TokenId).collect();
        SortedBelow {
            words: ids.clone(),
            model_of_file: ids.clone(),
            prefix_of_file: vec![0; n_words],
            first: ids,
        }
    }
}

impl Below {
    /// Word tuples in model order.
    fn model_words(&self) -> std::borrow::Cow<'_, [TokenId]> {
        match self {
            Below::Model(words) => words.into(),
            Below::Sorted(b) => {
                let m = b.model_of_file.len();
                let len = b.words.len() / m.max(1);
                let mut words = vec![0; b.words.len()];
                for (i, &k) in b.model_of_file.iter().enumerate() {
                    let k = k as usize;
                    words[k * len..(k + 1) * len].copy_from_slice(&b.words[i * len..(i + 1) * len]);
                }
                words.into()
            }
        }
    }
}

impl Section {
    /// Links the n-grams to their prefixes and suffixes in the order below
    /// (`below`, whose level is `below_level`) and puts them in model order.
    /// Files in suffix order take [`Section::link_sorted`]; any other line
    /// order, and any missing link or duplicate, takes the general
    /// [`Section::link_any`], which also names the error.
    pub(super) fn link(
        &mut self,
        mut below: Below,
        below_level: &Level,
        vocab: &Vocab,
        scratch: &mut LinkScratch,
    ) -> Result<(Level, Below)> {
        if let Below::Sorted(b) = below {
            match self.link_sorted(b, below_level, vocab.len(), scratch) {
                Ok((level, next)) => return Ok((level, Below::Sorted(next))),
                Err(b) => below = Below::Sorted(b),
            }
        }
        let sec = std::mem::replace(self, Section::new(self.n, 0, (Vec::new(), Vec::new())));
        let (level, words) = sec.link_any(&below.model_words(), vocab)?;
        Ok((level, Below::Model(words)))
    }

    /// [`Section::link`] without comparison sorts, for a section in suffix
    /// order (strictly increasing by last word id, then the word before,
    /// ...: how lmplz and [`Model::write_arpa`] order n-grams) above an order
    /// read the same way. Then the lines of one suffix are consecutive and
    /// the suffixes come in the order below's file order, so one merge finds
    /// them; model order, by (first word, suffix id), is two counting sorts
    /// away; and prefixes, found in model order, are one more merge. Every
    /// pass reads sequentially but the counting sorts' writes and the final
    /// gathers. The order below is dropped once used (memory peaks while the
    /// highest order is linked), or given back when the section is not in
    /// suffix order or a link is missing.
    fn link_sorted(
        &mut self,
        below: SortedBelow,
        below_level: &Level,
        n_words: usize,
        scratch: &mut LinkScratch,
    ) -> std::result::Result<(Level, SortedBelow), SortedBelow> {
        let n = self.n;
        let m = self.len;
        let words = &self.words;
        let t = |i: usize| &words[i * n..(i + 1) * n];
        let lower = |r: usize| &below.words[r * (n - 1)..(r + 1) * (n - 1)];
        // Compared last word first, where suffixes differ; short tuples, not
        // worth a call to memcmp.
        let rev_less = |a: &[TokenId], b: &[TokenId]| a.iter().rev().lt(b.iter().rev());
        let same = |a: &[TokenId], b: &[TokenId]| a.iter().rev().eq(b.iter().rev());
        let n_below = below.model_of_file.len();
        let LinkScratch { recs, sorted, start, keep } = scratch;
        recs.clear();
        let mut r = 0;
        for i in 0..m {
            let s = &t(i)[1..];
            let same_suffix = i > 0 && same(s, &t(i - 1)[1..]);
            if same_suffix {
                if t(i)[0] <= t(i - 1)[0] {
                    return Err(below);
                }
            } else {
                if i > 0 && !rev_less(&t(i - 1)[1..], s) {
                    return Err(below);
                }
                while r < n_below && rev_less(lower(r), s) {
                    r += 1;
                }
                if r == n_below || !same(lower(r), s) {
                    return Err(below);
                }
            }
            recs.push(LinkRec {
                first: t(i)[0],
                suffix: below.model_of_file[r],
                suffix_prefix: below.prefix_of_file[r],
                line: i as u32,
            });
        }
        // Model order: a stable sort by suffix id, then one by first word.
        counting_sort_into(recs, n_below, |rec| rec.suffix as usize, sorted, start);
        counting_sort_into(sorted, n_words, |rec| rec.first as usize, recs, start);
        if !*keep {
            (*sorted, *start) = (Vec::new(), Vec::new());
        }
        // An n-gram's prefix is the n-gram of the order below with its first
        // word and, as suffix, its own suffix's prefix. Those (first word,
        // suffix) pairs increase along both orders' model order.
        let key = |w: TokenId, s: u32| (u64::from(w) << 32) | u64::from(s);
        let below_key = |j: usize| key(below.first[j], below_level.suffix[j]);
        let mut prefix = Vec::with_capacity(m);
        let mut j = 0;
        for rec in recs.iter() {
            let want = key(rec.first, rec.suffix_prefix);
            while j < n_below && below_key(j) < want {
                j += 1;
            }
            if j == n_below || below_key(j) != want {
                return Err(below);
            }
            prefix.push(j as u32);
        }
        drop(below);
        // The highest order's file-order buffers are freed as soon as they
        // are used, and what only a next order needs is not built.
        let next = if *keep {
            let mut model_of_file = vec![0u32; m];
            let mut prefix_of_file = vec![0u32; m];
            for (k, rec) in recs.iter().enumerate() {
                model_of_file[rec.line as usize] = k as u32;
                prefix_of_file[rec.line as usize] = prefix[k];
            }
            let first = recs.iter().map(|rec| rec.first).collect();
            SortedBelow { words: std::mem::take(&mut self.words), model_of_file, prefix_of_file, first }
        } else {
            self.words = Vec::new();
            SortedBelow::default()
        };
        let line = |rec: &LinkRec| rec.line as usize;
        let prob = recs.iter().map(|rec| self.prob[line(rec)]).collect();
        // The highest order's backoffs are none (see `Level::backoff`).
        let backoff =
            if *keep { recs.iter().map(|rec| self.backoff[line(rec)]).collect() } else { Vec::new() };
        if !*keep {
            (self.prob, self.backoff) = (Vec::new(), Vec::new());
        }
        let level = Level {
            prefix,
            // An n-gram's last word is its suffix's.
            word: recs.iter().map(|rec| below_level.word[rec.suffix as usize]).collect(),
            suffix: recs.iter().map(|rec| rec.suffix).collect(),
            log_prob: prob,
            log_backoff: backoff,
            child_start: Vec::new(),
        };
        Ok((level, next))
    }

    /// Sorts the n-grams lexicographically by word ids (which is the model's
    /// (prefix id, word) order, since the order below is sorted the same way)
    /// and links each to its prefix and suffix in `below` (the order below's
    /// word tuples in model order) by two sequential merges, not per-line
    /// lookups. Returns the level and its word tuples in model order.
    fn link_any(self, below: &[TokenId], vocab: &Vocab) -> Result<(Level, Vec<TokenId>)> {
        let n = self.n;
        let m = self.prob.len();
        let text = |t: &[TokenId]| t.iter().map(|&w| vocab.token(w)).collect::<Vec<_>>().join(" ");
        let err = |i: u32, msg: String| Err(Error::Arpa { line: self.line(i), msg });
        let lower = |j: usize| &below[j * (n - 1)..(j + 1) * (n - 1)];
        let n_below = below.len() / (n - 1);

        let bits = (32 - (vocab.len().max(2) as u32 - 1).leading_zeros()) as usize;
        let ibits = (32 - (m.max(2) as u32 - 1).leading_zeros()) as usize;
        if n * bits + ibits <= 128 {
            return self.link_packed(below, vocab, bits, ibits);
        }
        let perm = sorted_by_words(m, bits, |i| self.tuple(i));
        let mut words = Vec::with_capacity(m * n);
        let mut prefix = Vec::with_capacity(m);
        let mut j = 0usize;
        for (k, &i) in perm.iter().enumerate() {
            let t = self.tuple(i);
            if k > 0 && self.tuple(perm[k - 1]) == t {
                return err(i, format!("duplicate {n}-gram '{}'", text(t)));
            }
            while j < n_below && lower(j) < &t[..n - 1] {
                j += 1;
            }
            if j == n_below || lower(j) != &t[..n - 1] {
                return err(
                    i,
                    format!("n-gram '{}' has no prefix ({}) of a lower order", text(t), text(&t[..n - 1])),
                );
            }
            prefix.push(j as u32);
            words.extend_from_slice(t);
        }
        // Suffixes: visit the n-grams in the order of their last n - 1 words.
        let new_tuple = |k: u32| &words[k as usize * n..(k as usize + 1) * n];
        let by_suffix = sorted_by_words(m, bits, |k| &new_tuple(k)[1..]);
        let mut suffix = vec![0u32; m];
        let mut j = 0usize;
        for &k in &by_suffix {
            let s = &new_tuple(k)[1..];
            while j < n_below && lower(j) < s {
                j += 1;
            }
            if j == n_below || lower(j) != s {
                let i = perm[k as usize];
                return err(
                    i,
                    format!("n-gram '{}' has no suffix ({}) of a lower order", text(new_tuple(k)), text(s)),
                );
            }
            suffix[k as usize] = j as u32;
        }
        let level = Level {
            prefix,
            word: (0..m).map(|k| words[k * n + n - 1]).collect(),
            suffix,
            log_prob: perm.iter().map(|&i| self.prob[i as usize]).collect(),
            log_backoff: perm.iter().map(|&i| self.backoff[i as usize]).collect(),
            child_start: Vec::new(),
        };
        Ok((level, words))
    }

    /// [`Section::link`] for tuples that fit in 128 bits at `bits` bits a
    /// word, with the n-gram's index in the low `ibits` bits: sorts, checks and
    /// merges plain integers, so no step reads the section's tuples in random
    /// order or compares slices.
    fn link_packed(
        self,
        below: &[TokenId],
        vocab: &Vocab,
        bits: usize,
        ibits: usize,
    ) -> Result<(Level, Vec<TokenId>)> {
        let n = self.n;
        let m = self.len;
        let text = |t: &[TokenId]| t.iter().map(|&w| vocab.token(w)).collect::<Vec<_>>().join(" ");
        let pack = |t: &[TokenId]| t.iter().fold(0u128, |acc, &w| (acc << bits) | u128::from(w));
        let unpack = |key: u128, len: usize, out: &mut Vec<TokenId>| {
            let word_mask = (1u128 << bits) - 1;
            out.extend((0..len).rev().map(|k| ((key >> (k * bits)) & word_mask) as TokenId));
        };
        let n_below = below.len() / (n - 1);
        let lower = |j: usize| pack(&below[j * (n - 1)..(j + 1) * (n - 1)]);
        let imask = (1u128 << ibits) - 1;
        let split = |e: u128| (e >> ibits, (e & imask) as u32);
        let mut keyed: Vec<u128> =
            self.words.chunks_exact(n).enumerate().map(|(i, t)| (pack(t) << ibits) | i as u128).collect();
        drop(self.words);
        keyed.sort_unstable();
        let err = |i: u32, msg: String| Err(Error::Arpa { line: Section::line_in(&self.runs, i), msg });
        let mut prefix = Vec::with_capacity(m);
        let mut scratch = Vec::with_capacity(n);
        let (mut j, mut lower_j) = (0usize, if n_below > 0 { lower(0) } else { 0 });
        for (k, &e) in keyed.iter().enumerate() {
            let (key, i) = split(e);
            if k > 0 && keyed[k - 1] >> ibits == key {
                scratch.clear();
                unpack(key, n, &mut scratch);
                return err(i, format!("duplicate {n}-gram '{}'", text(&scratch)));
            }
            let want = key >> bits;
            while j < n_below && lower_j < want {
                j += 1;
                if j < n_below {
                    lower_j = lower(j);
                }
            }
            if j == n_below || lower_j != want {
                scratch.clear();
                unpack(key, n, &mut scratch);
                return err(
                    i,
                    format!(
                        "n-gram '{}' has no prefix ({}) of a lower order",
                        text(&scratch),
                        text(&scratch[..n - 1])
                    ),
                );
            }
            prefix.push(j as u32);
        }
        let mut words = Vec::with_capacity(m * n);
        for &e in &keyed {
            unpack(split(e).0, n, &mut words);
        }
        let prob = keyed.iter().map(|&e| self.prob[split(e).1 as usize]).collect();
        drop(self.prob);
        let backoff = keyed.iter().map(|&e| self.backoff[split(e).1 as usize]).collect();
        drop(self.backoff);
        // Suffixes: visit the n-grams in the order of their last n - 1 words.
        let suffix_mask = (1u128 << ((n - 1) * bits)) - 1;
        let perm: Vec<u32> = keyed.iter().map(|&e| split(e).1).collect();
        for (k, e) in keyed.iter_mut().enumerate() {
            *e = ((split(*e).0 & suffix_mask) << ibits) | k as u128;
        }
        keyed.sort_unstable();
        let mut suffix = vec![0u32; m];
        let (mut j, mut lower_j) = (0usize, if n_below > 0 { lower(0) } else { 0 });
        for &e in &keyed {
            let (want, k) = split(e);
            while j < n_below && lower_j < want {
                j += 1;
                if j < n_below {
                    lower_j = lower(j);
                }
            }
            if j == n_below || lower_j != want {
                let t = &words[k as usize * n..(k as usize + 1) * n];
                return err(
                    perm[k as usize],
                    format!("n-gram '{}' has no suffix ({}) of a lower order", text(t), text(&t[1..])),
                );
            }
            suffix[k as usize] = j as u32;
        }
        let level = Level {
            prefix,
            word: (0..m).map(|k| words[k * n + n - 1]).collect(),
            suffix,
            log_prob: prob,
            log_backoff: backoff,
            child_start: Vec::new(),
        };
        Ok((level, words))
    }
}
