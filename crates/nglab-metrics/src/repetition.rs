//! Repetition: gzip compression ratio and self-repetition (Shaib et al. 2024).

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use nglab_tokenizer::{Corpus, Vocab};

/// Bytes of the text / bytes of its gzip stream (header included), the text
/// being tokens joined by single spaces, sentences too (as Shaib et al.'s
/// `compression_ratio` joins documents). A text longer than `max_bytes` is
/// thinned to every k-th sentence, `k = ceil(bytes / max_bytes)`, so the cost
/// is bounded (deflate's window is 32 KiB, so the ratio of a long text is
/// stable in its length). `None` for an empty text. The caller checks that
/// every id is in `vocab`.
pub(crate) fn compression_ratio(text: &Corpus, vocab: &Vocab, level: u32, max_bytes: usize) -> Option<f64> {
    if text.n_tokens() == 0 {
        return None;
    }
    let spelled = |s: &[u32]| s.iter().map(|&id| vocab.token(id).len() + 1).sum::<usize>();
    let total: usize = text.sentences().map(spelled).sum();
    let stride = total.div_ceil(max_bytes.max(1)).max(1);
    let mut raw: Vec<u8> = Vec::with_capacity(total.min(max_bytes.saturating_add(1024)));
    for s in text.sentences().step_by(stride) {
        for &id in s {
            if !raw.is_empty() {
                raw.push(b' ');
            }
            raw.extend_from_slice(vocab.token(id).as_bytes());
        }
    }
    if raw.is_empty() {
        return None;
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::new(level));
    enc.write_all(&raw).expect("writing to a Vec cannot fail");
    let zipped = enc.finish().expect("writing to a Vec cannot fail");
    Some(raw.len() as f64 / zipped.len() as f64)
}

/// Self-repetition score of order `n` (Salkar et al. 2022, as standardized by
/// Shaib et al. 2024, `diversity.self_repetition_score`), each sentence a
/// document: for sentence `d` with distinct n-grams `G_d`,
/// `s_d = ln(1 + sum over g in G_d of (documents containing g) - 1)`; the score
/// is the mean of `s_d` over all sentences (those shorter than n count 0).
/// `positions[i]` is the type id of the n-gram starting at `i` (or
/// [`NONE`](crate::ngrams::NONE)), `n_types` the number of types.
/// `None` when there is no sentence.
pub(crate) fn self_repetition(bounds: &[(usize, usize)], positions: &[u32], n_types: usize) -> Option<f64> {
    use crate::ngrams::NONE;
    if bounds.is_empty() {
        return None;
    }
    let mut doc_freq = vec![0u32; n_types];
    let mut flat: Vec<u32> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(bounds.len());
    for &(start, end) in bounds {
        let from = flat.len();
        flat.extend(positions[start..end].iter().copied().filter(|&t| t != NONE));
        flat[from..].sort_unstable();
        let mut w = from;
        for r in from..flat.len() {
            if w == from || flat[r] != flat[w - 1] {
                flat[w] = flat[r];
                w += 1;
            }
        }
        flat.truncate(w);
        for &t in &flat[from..] {
            doc_freq[t as usize] += 1;
        }
        ends.push(flat.len());
    }
    let mut total = 0.0;
    let mut from = 0;
    for &end in &ends {
        let others: u64 = flat[from..end].iter().map(|&t| u64::from(doc_freq[t as usize] - 1)).sum();
        total += (others as f64 + 1.0).ln();
        from = end;
    }
    Some(total / bounds.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngrams::{sentence_bounds, NgramTable};

    /// Self-repetition of 2-grams over sentences of letters.
    fn check(sentences: &[&str], expect: Option<f64>) {
        let mut c = Corpus::new();
        for s in sentences {
            c.push(&s.bytes().map(u32::from).collect::<Vec<_>>());
        }
        let (t, pos) = NgramTable::build(&c);
        let got = self_repetition(&sentence_bounds(&c), &pos[0], t.n_types(2));
        match (got, expect) {
            (Some(g), Some(e)) => assert!((g - e).abs() < 1e-12, "{sentences:?}: {g} vs {e}"),
            _ => assert_eq!(got, expect, "{sentences:?}"),
        }
    }

    #[test]
    fn hand_computed() {
        check(&[], None);
        check(&["a"], Some(0.0));
        // One sentence: no other document shares its n-grams.
        check(&["abab"], Some(0.0));
        // ab, bc | ab | x: doc 1: ab in 1 other -> ln 2; doc 2: ln 2; doc 3: ln 1.
        check(&["abc", "ab", "x"], Some(2.0 * 2f64.ln() / 3.0));
        // Three copies of "abc": each doc has ab, bc, each in 2 others -> ln 5.
        check(&["abc", "abc", "abc"], Some(5f64.ln()));
    }

    #[test]
    fn compression_of_repeats_beats_compression_of_distinct_words() {
        let mut vocab = Vocab::new();
        let mut repeated = Corpus::new();
        let mut varied = Corpus::new();
        for i in 0..200 {
            repeated.push(&[vocab.get_or_insert("the"), vocab.get_or_insert("cat")]);
            let a = vocab.get_or_insert(&format!("w{i}"));
            let b = vocab.get_or_insert(&format!("v{}", i * 7919 % 1000));
            varied.push(&[a, b]);
        }
        let r = compression_ratio(&repeated, &vocab, 6, 1 << 20).expect("non-empty");
        let v = compression_ratio(&varied, &vocab, 6, 1 << 20).expect("non-empty");
        assert!(r > 10.0 && v < r, "{r} {v}");
        assert_eq!(compression_ratio(&Corpus::new(), &vocab, 6, 1 << 20), None);
        // Thinning to every other sentence keeps the ratio of a uniform text close.
        let thinned = compression_ratio(&varied, &vocab, 6, 1000).expect("non-empty");
        assert!((thinned / v - 1.0).abs() < 0.5, "{thinned} vs {v}");
    }
}
