//! Lexical diversity: TTR, MATTR, MTLD and distinct-n.
//!
//! Each takes the text as a [`Corpus`], as every metric of a text in this
//! crate does. TTR, MATTR and MTLD see it as one flat word list, sentence
//! after sentence (as `lexicalrichness` does); distinct-n counts n-grams
//! within sentences only (Li et al. 2016).

use hashbrown::HashSet;
use nglab_tokenizer::{Corpus, TokenId};

/// Type-token ratio: distinct tokens / tokens. `None` for an empty text.
pub fn ttr(text: &Corpus) -> Option<f64> {
    let tokens = text.ids();
    if tokens.is_empty() {
        return None;
    }
    let types: HashSet<TokenId> = tokens.iter().copied().collect();
    Some(types.len() as f64 / tokens.len() as f64)
}

/// Moving-average TTR (Covington & McFall 2010): the mean TTR of every window
/// of `window` consecutive tokens. `None` when the text is shorter than the
/// window or the window is 0.
pub fn mattr(text: &Corpus, window: usize) -> Option<f64> {
    let tokens = text.ids();
    let mut scratch = Scratch::for_tokens(tokens);
    mattr_with(tokens, window, &mut scratch)
}

/// MTLD (McCarthy & Jarvis 2010), the mean of a forward and a backward pass,
/// exactly as the `lexicalrichness` package defines it: a factor ends when
/// the running TTR falls to `threshold` or below; the last, partial factor
/// counts `(1 - ttr) / (1 - threshold)`; a pass that never completes a factor
/// and ends at TTR 1 counts one factor. `None` for an empty text or a
/// threshold outside `(0, 1)`.
pub fn mtld(text: &Corpus, threshold: f64) -> Option<f64> {
    let tokens = text.ids();
    let mut scratch = Scratch::for_tokens(tokens);
    mtld_with(tokens, threshold, &mut scratch)
}

/// distinct-n (Li et al. 2016): distinct n-grams / n-grams, n-grams taken
/// within sentences. `None` when no sentence has `order` tokens or `order` is 0.
pub fn distinct_n(text: &Corpus, order: usize) -> Option<f64> {
    if order == 0 {
        return None;
    }
    let mut seen: HashSet<&[TokenId]> = HashSet::new();
    let mut total = 0usize;
    for s in text.sentences() {
        for g in s.windows(order) {
            total += 1;
            seen.insert(g);
        }
    }
    (total > 0).then(|| seen.len() as f64 / total as f64)
}

/// Reusable per-token-id marks, so the passes allocate nothing.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    counts: Vec<u32>,
    stamps: Vec<u32>,
    stamp: u32,
}

impl Scratch {
    pub(crate) fn for_tokens(tokens: &[TokenId]) -> Scratch {
        let len = tokens.iter().copied().max().map_or(0, |m| m as usize + 1);
        Scratch { counts: vec![0; len], stamps: vec![0; len], stamp: 0 }
    }

    /// Starts a new set: every id is unmarked again.
    fn clear_set(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.stamps.fill(0);
            self.stamp = 1;
        }
    }

    /// Marks `id`; true when it was not marked in the current set.
    fn insert(&mut self, id: TokenId) -> bool {
        let s = &mut self.stamps[id as usize];
        let new = *s != self.stamp;
        *s = self.stamp;
        new
    }
}

pub(crate) fn mattr_with(tokens: &[TokenId], window: usize, scratch: &mut Scratch) -> Option<f64> {
    if window == 0 || tokens.len() < window {
        return None;
    }
    let counts = &mut scratch.counts;
    let mut distinct = 0u64;
    for &t in &tokens[..window] {
        let c = &mut counts[t as usize];
        distinct += u64::from(*c == 0);
        *c += 1;
    }
    let mut sum = distinct;
    for i in window..tokens.len() {
        let out = &mut counts[tokens[i - window] as usize];
        *out -= 1;
        distinct -= u64::from(*out == 0);
        let inc = &mut counts[tokens[i] as usize];
        distinct += u64::from(*inc == 0);
        *inc += 1;
        sum += distinct;
    }
    for &t in &tokens[tokens.len() - window..] {
        counts[t as usize] = 0;
    }
    let n_windows = (tokens.len() - window + 1) as f64;
    Some(sum as f64 / (n_windows * window as f64))
}

pub(crate) fn mtld_with(tokens: &[TokenId], threshold: f64, scratch: &mut Scratch) -> Option<f64> {
    if tokens.is_empty() || !(threshold > 0.0 && threshold < 1.0) {
        return None;
    }
    let forward = mtld_pass(tokens.iter().copied(), tokens.len(), threshold, scratch);
    let backward = mtld_pass(tokens.iter().rev().copied(), tokens.len(), threshold, scratch);
    Some((forward + backward) / 2.0)
}

fn mtld_pass(tokens: impl Iterator<Item = TokenId>, n: usize, threshold: f64, scratch: &mut Scratch) -> f64 {
    scratch.clear_set();
    let mut types = 0usize;
    let mut words = 0usize;
    let mut factors = 0.0f64;
    let mut ttr = 1.0f64;
    for t in tokens {
        words += 1;
        types += usize::from(scratch.insert(t));
        ttr = types as f64 / words as f64;
        if ttr <= threshold {
            words = 0;
            types = 0;
            factors += 1.0;
            scratch.clear_set();
        }
    }
    if words > 0 {
        factors += (1.0 - ttr) / (1.0 - threshold);
    }
    if factors == 0.0 {
        // No factor completed and the text ended at TTR 1: the whole text is
        // one factor (lexicalrichness's fallback, whose other branch cannot
        // be reached: a text with TTR < 1 would have added a partial factor).
        factors = 1.0;
    }
    n as f64 / factors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sentence, a token per letter.
    fn ids(text: &str) -> Corpus {
        let mut corpus = Corpus::new();
        corpus.push(&text.bytes().map(|b| TokenId::from(b - b'a')).collect::<Vec<_>>());
        corpus
    }

    /// Each letter is a token; `|` separates sentences for distinct-n.
    /// `expect` = [ttr, mattr(window 3), mtld(0.72), distinct-1, distinct-2].
    fn check(text: &str, expect: [Option<f64>; 5]) {
        let flat = ids(&text.replace('|', ""));
        let mut corpus = Corpus::new();
        for s in text.split('|') {
            corpus.extend_from(&ids(s));
        }
        let got =
            [ttr(&flat), mattr(&flat, 3), mtld(&flat, 0.72), distinct_n(&corpus, 1), distinct_n(&corpus, 2)];
        for (g, e) in got.iter().zip(&expect) {
            match (g, e) {
                (Some(g), Some(e)) => {
                    assert!((g - e).abs() < 1e-12, "{text}: got {got:?}, expected {expect:?}")
                }
                _ => assert_eq!(g, e, "{text}: got {got:?}, expected {expect:?}"),
            }
        }
    }

    #[test]
    fn hand_computed() {
        check("", [None, None, None, None, None]);
        check("a", [Some(1.0), None, Some(1.0), Some(1.0), None]);
        // aaaa: TTR 1/4; windows aaa, aaa -> 1/3. MTLD forward: a (1), aa (0.5 <= 0.72: factor) x2
        // -> 2 factors, 4/2 = 2; backward the same.
        check("aaaa", [Some(0.25), Some(1.0 / 3.0), Some(2.0), Some(0.25), Some(1.0 / 3.0)]);
        // abcd: all distinct. MTLD: no factor, ttr 1 -> one factor -> 4.
        check("abcd", [Some(1.0), Some(1.0), Some(4.0), Some(1.0), Some(1.0)]);
        // abab|ab: flat ababab, TTR 2/6; windows aba bab aba bab -> 2/3 each.
        // MTLD forward: a 1, ab 1, aba .667 -> factor; b 1, ba 1, bab .667 -> factor;
        // 2 factors, 6/2 = 3; backward the same. distinct-2 within sentences: ab ba ab | ab -> 2/4.
        check("abab|ab", [Some(2.0 / 6.0), Some(2.0 / 3.0), Some(3.0), Some(2.0 / 6.0), Some(0.5)]);
        // abcab: forward a b c (1), abca 0.75, abcab 0.6 -> factor at 5 words, 5/1 = 5.
        // backward b a c b(0.75) a (0.6) -> factor, 5. distinct-2: ab bc ca ab -> 3/4.
        check("abcab", [Some(0.6), Some(1.0), Some(5.0), Some(0.6), Some(0.75)]);
        // abcabd: forward factor after 5 (abcab), remainder "d" ttr 1 -> + 0 -> 6/1 = 6.
        // backward d b a c b(4/5 = 0.8) a (4/6 = 0.667) -> factor at 6 -> 6.
        check("abcabd", [Some(4.0 / 6.0), Some(1.0), Some(6.0), Some(4.0 / 6.0), Some(0.8)]);
        // abcdaa: forward a b c d a(0.8) a(4/6 .667) factor -> 6; backward a a(.5) factor,
        // d c b a(ttr 1) -> +0 -> 6/1 = 6. Windows abc bcd cda daa -> 11/12.
        check("abcdaa", [Some(4.0 / 6.0), Some(11.0 / 12.0), Some(6.0), Some(4.0 / 6.0), Some(1.0)]);
    }

    #[test]
    fn partial_factor() {
        // aab: forward a(1) aa(.5) factor; b(1) -> +0 -> 3/1 = 3.
        // backward b a a(2/3 = .667) factor -> 3/1. Both 3.
        check("aab", [Some(2.0 / 3.0), Some(2.0 / 3.0), Some(3.0), Some(2.0 / 3.0), Some(1.0)]);
        // abcda: forward ttr ends at 4/5 = 0.8 with no factor: partial (1-.8)/.28 -> 5/0.714...
        let partial = 5.0 / (0.2 / 0.28);
        let m = mtld(&ids("abcda"), 0.72).expect("non-empty");
        assert!((m - partial).abs() < 1e-9, "{m} vs {partial}");
    }

    #[test]
    fn degenerate_parameters() {
        assert_eq!(mattr(&ids("abc"), 0), None);
        assert_eq!(mtld(&ids("abc"), 1.0), None);
        assert_eq!(mtld(&ids("abc"), 0.0), None);
        assert_eq!(distinct_n(&Corpus::new(), 0), None);
    }
}
