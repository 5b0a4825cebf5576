//! From counts to a model: one estimator for the whole smoothing family.

use std::borrow::Cow;

use nglab_tokenizer::{TokenId, Vocab, BOS, UNK};

use crate::counts::NgramCounts;
use crate::discount::{discounts_for, OrderDiscounts};
use crate::model::{child_starts, to_log10, Level, Model, ModelInfo, Skeleton};
use crate::par;
use crate::smoothing::{EstimateConfig, Smoothing};
use crate::window;
use crate::{Error, Result};

/// Orders with fewer n-grams are estimated on one thread (a few in tests, so
/// that they are cut).
const PARALLEL_MIN: usize = if cfg!(test) { 8 } else { 1 << 16 };

/// N-grams whose lower-order probabilities are read in one batch (a few in
/// tests, so that contexts are batched).
const GATHER_BATCH: usize = if cfg!(test) { 5 } else { 1 << 20 };

/// Estimates a model from `counts` over `vocab`, on `threads` threads (0
/// counts as 1; the model does not depend on it).
///
/// `vocab` must cover every id counted; it may hold more words (a vocabulary
/// fixed from the human text): those get only their share of the uniform
/// distribution, like `<unk>`.
pub fn estimate(
    counts: &NgramCounts,
    vocab: &Vocab,
    config: &EstimateConfig,
    threads: usize,
) -> Result<Model> {
    check(counts, vocab)?;
    // The structure, already in model order, and the counts, borrowed.
    let tables = counts.tables();
    let skel = tables
        .iter()
        .map(|t| Skeleton { prefix: t.prefix.clone(), word: t.word.clone(), suffix: t.suffix.clone() })
        .collect();
    let counts_used = tables.iter().map(|t| Cow::Borrowed(&t.count[..])).collect();
    estimate_from(skel, counts_used, vocab, config, threads)
}

/// [`estimate`] from counts no longer needed: their tables become the
/// model's structure instead of being copied, and each order's raw counts
/// are freed as soon as the estimator is done with them (the peak of
/// `nglab train` is the lower for it). The same model.
pub fn estimate_owned(
    counts: NgramCounts,
    vocab: &Vocab,
    config: &EstimateConfig,
    threads: usize,
) -> Result<Model> {
    check(&counts, vocab)?;
    let (skel, counts_used) = counts
        .into_tables()
        .into_iter()
        .map(|t| (Skeleton { prefix: t.prefix, word: t.word, suffix: t.suffix }, Cow::Owned(t.count)))
        .unzip();
    estimate_from(skel, counts_used, vocab, config, threads)
}

/// The checks of [`estimate`]'s inputs.
fn check(counts: &NgramCounts, vocab: &Vocab) -> Result<()> {
    let v = vocab.len();
    let seen = counts.tables()[0].len();
    if seen > v {
        return Err(Error::Config(format!(
            "the counts hold token id {} but the vocabulary has only {v} tokens",
            seen - 1
        )));
    }
    if counts.n_sentences() == 0 {
        return Err(Error::Data("cannot estimate a model from an empty corpus".into()));
    }
    Ok(())
}

/// The estimator: `skel` the structure of every order (order 1 as counted),
/// `counts_used` their raw counts.
fn estimate_from(
    mut skel: Vec<Skeleton>,
    mut counts_used: Vec<Cow<[u64]>>,
    vocab: &Vocab,
    config: &EstimateConfig,
    threads: usize,
) -> Result<Model> {
    let order = skel.len();
    let v = vocab.len();
    let sm = config.smoothing();
    // Unigrams are dense over the whole vocabulary.
    skel[0] = Skeleton { prefix: vec![0; v], word: (0..v as TokenId).collect(), suffix: vec![0; v] };
    // The counts the estimator uses: raw for the highest order, KenLM's
    // adjusted counts below it for the Kneser-Ney family (built fresh, so the
    // raw counts are never copied).
    let mut unigrams = counts_used[0].to_vec();
    unigrams.resize(v, 0);
    counts_used[0] = Cow::Owned(unigrams);
    // KenLM computes its discount statistics on adjusted counts, except for
    // the last n-gram of each lower order in its suffix-sorted stream, which
    // enters them with its raw count (`adjust_counts.cc`, the loop after the
    // main one). For exact parity, modified Kneser-Ney does the same: these
    // (order, id, raw count) are swapped in when counting counts of counts.
    let mut raw_in_stats: Vec<(usize, u32, u64)> = Vec::new();
    if sm.uses_adjusted_counts() {
        if sm == Smoothing::ModifiedKneserNey {
            raw_in_stats = kenlm_last_in_stream(&skel)
                .into_iter()
                .map(|(n, id)| (n, id, counts_used[n - 1][id as usize]))
                .collect();
        }
        adjust_counts(&skel, &mut counts_used);
    }

    let mut levels: Vec<Level> = Vec::with_capacity(order);
    let mut discounts = Vec::with_capacity(order);
    // The probabilities of the order below, in f64 until the order above
    // (which interpolates with them) is estimated; then stored as f32 log10.
    let mut below_prob: Vec<f64> = Vec::new();
    for n in 1..=order {
        let sk = std::mem::take(&mut skel[n - 1]);
        let a: &[u64] = &counts_used[n - 1];
        let mut coc = [0u64; 4];
        let mut tally = |c: u64, by: i64| {
            if (1..=4).contains(&c) {
                coc[c as usize - 1] = coc[c as usize - 1].wrapping_add_signed(by);
            }
        };
        a.iter().for_each(|&c| tally(c, 1));
        for &(_, id, raw) in raw_in_stats.iter().filter(|e| e.0 == n) {
            tally(a[id as usize], -1);
            tally(raw, 1);
        }
        let d = discounts_for(&sm, coc, n, config.discount_fallback());
        let mut prob = vec![0.0; sk.word.len()];
        let level = Level {
            log_prob: Vec::new(),
            prefix: sk.prefix,
            word: sk.word,
            suffix: sk.suffix,
            log_backoff: Vec::new(),
            child_start: Vec::new(),
        };
        if n == 1 {
            let mut gamma = [1.0];
            let ctx = 0..v;
            let sum = fill_context(&sm, &d, &a[ctx.clone()], v, &mut prob, &mut gamma[0]);
            if sum == 0 {
                return Err(Error::Data("cannot estimate a model: the corpus has no tokens".into()));
            }
            let uniform = if matches!(sm, Smoothing::Mle | Smoothing::StupidBackoff { .. }) {
                0.0
            } else {
                1.0 / (v - 1) as f64
            };
            for w in ctx {
                prob[w] += gamma[0] * uniform;
            }
            prob[BOS as usize] = 0.0;
        } else {
            let below = &mut levels[n - 2];
            below.child_start = child_starts(below.len(), &level.prefix);
            let mut gammas = vec![1.0; below.len()];
            let cs = &below.child_start;
            let below_prob = &below_prob;
            let suffix = &level.suffix;
            // Stupid backoff only backs off: its scores of seen n-grams stay
            // relative frequencies.
            let stupid = matches!(sm, Smoothing::StupidBackoff { .. });
            // The contexts hs (their successors from `base` on in `prob`), a
            // batch of contexts at a time: the probabilities of the batch's
            // suffixes are read window by window first (`window::gather`),
            // not one cache miss each.
            let fill = |hs: std::ops::Range<usize>, base: usize, prob: &mut [f64], gammas: &mut [f64]| {
                let (mut lower, mut scratch) = (Vec::new(), window::Scratch::default());
                let mut h0 = hs.start;
                while h0 < hs.end {
                    let from = cs[h0] as usize;
                    let h1 =
                        cs.partition_point(|&c| (c as usize) < from + GATHER_BATCH).clamp(h0 + 1, hs.end);
                    lower.clear();
                    window::gather(below_prob, &suffix[from..cs[h1] as usize], &mut lower, &mut scratch);
                    for h in h0..h1 {
                        let r = cs[h] as usize..cs[h + 1] as usize;
                        if r.is_empty() {
                            continue;
                        }
                        let out = &mut prob[r.start - base..r.end - base];
                        let gamma = &mut gammas[h - hs.start];
                        fill_context(&sm, &d, &a[r.clone()], v, out, gamma);
                        let g = if stupid { 0.0 } else { *gamma };
                        for (p, &q) in out.iter_mut().zip(&lower[r.start - from..r.end - from]) {
                            *p += g * q;
                        }
                    }
                    h0 = h1;
                }
            };
            // The contexts cut into one range a thread, of about as many
            // n-grams each: each value is computed the same way whatever the
            // cut.
            let n_ctx = gammas.len();
            let parts = if prob.len() >= PARALLEL_MIN { threads.max(1) } else { 1 };
            let mut jobs = Vec::with_capacity(parts);
            let (mut prob, mut gammas_left, mut h0) = (&mut prob[..], &mut gammas[..], 0);
            for k in 1..=parts {
                let total = cs[n_ctx] as usize;
                let h1 = if k == parts {
                    n_ctx
                } else {
                    cs.partition_point(|&c| (c as usize) < total * k / parts).clamp(h0, n_ctx)
                };
                let (base, end) = (cs[h0] as usize, cs[h1] as usize);
                let (p, p_rest) = std::mem::take(&mut prob).split_at_mut(end - base);
                let (g, g_rest) = std::mem::take(&mut gammas_left).split_at_mut(h1 - h0);
                jobs.push((h0..h1, base, p, g));
                (prob, gammas_left, h0) = (p_rest, g_rest, h1);
            }
            par::map(threads, jobs, |(hs, base, p, g)| fill(hs, base, p, g));
            below.log_backoff = stored(&gammas, threads);
            below.log_prob = stored(below_prob, threads);
        }
        below_prob = prob;
        discounts.push(d);
        levels.push(level);
        // This order's counts are no longer needed (owned ones are freed).
        counts_used[n - 1] = Cow::Borrowed(&[]);
    }
    levels[order - 1].log_prob = stored(&below_prob, threads);
    drop(below_prob);
    Ok(Model {
        vocab: vocab.clone(),
        levels,
        info: ModelInfo { smoothing: Some(sm), discounts, tokenizer: None },
    })
}

/// Linear values as the model stores them (f32 log10, see [`to_log10`]),
/// converted in pieces on `threads` threads.
fn stored(values: &[f64], threads: usize) -> Vec<f32> {
    let pieces = par::spans(0..values.len(), if values.len() >= PARALLEL_MIN { threads.max(1) } else { 1 });
    par::map(threads, pieces, |r| values[r].iter().map(|&p| to_log10(p)).collect::<Vec<f32>>()).concat()
}

/// KenLM's adjusted counts, in place: below the highest order, an n-gram not
/// starting with `<s>` counts its distinct left neighbours; `<unk>` and `<s>`
/// unigrams count 0.
fn adjust_counts(skel: &[Skeleton], counts: &mut [Cow<[u64]>]) {
    let order = skel.len();
    // The first word of every n-gram of the order at hand.
    let mut first: Vec<TokenId> = skel[0].word.clone();
    for n in 1..order {
        if n > 1 {
            first = skel[n - 1].prefix.iter().map(|&p| first[p as usize]).collect();
        }
        // order n (index n - 1) from order n + 1's suffix links
        let mut cont = vec![0u64; skel[n - 1].word.len()];
        window::count(&mut cont, &skel[n].suffix, &mut window::Scratch::default());
        for (i, c) in cont.iter_mut().enumerate() {
            if first[i] == BOS {
                *c = counts[n - 1][i];
            }
        }
        counts[n - 1] = Cow::Owned(cont);
    }
    let unigrams = counts[0].to_mut();
    unigrams[UNK as usize] = 0;
    unigrams[BOS as usize] = 0;
}

/// The n-grams (order, id) that end KenLM's suffix-sorted streams of orders
/// below the highest: the suffixes of the greatest highest-order n-gram in
/// suffix order, n-grams starting with `<s>` counting as padded with `<s>`.
fn kenlm_last_in_stream(skel: &[Skeleton]) -> Vec<(usize, u32)> {
    let order = skel.len();
    if order < 2 {
        return Vec::new();
    }
    // Reversed words (last first) of n-gram `id` of order `n`, padded with <s>.
    let reversed = |n: usize, mut id: u32, out: &mut Vec<TokenId>| {
        out.clear();
        for k in (1..n).rev() {
            out.push(skel[k].word[id as usize]);
            id = skel[k].prefix[id as usize];
        }
        out.push(id);
        out.resize(order, BOS);
    };
    let (mut best, mut cand) = (Vec::new(), Vec::new());
    let mut best_at = (0, 0);
    for n in 2..=order {
        for id in 0..skel[n - 1].word.len() as u32 {
            // The last word leads the comparison: most n-grams lose there.
            if best.first().is_some_and(|&b| skel[n - 1].word[id as usize] < b) {
                continue;
            }
            reversed(n, id, &mut cand);
            // Lower orders only contribute the n-grams that start with <s>.
            if n < order && cand[n - 1] != BOS {
                continue;
            }
            if cand > best {
                std::mem::swap(&mut best, &mut cand);
                best_at = (n, id);
            }
        }
    }
    if best.is_empty() {
        return Vec::new();
    }
    // Walk down the suffix links from the greatest n-gram.
    let (mut n, mut id) = best_at;
    if n == order {
        id = skel[n - 1].suffix[id as usize];
        n -= 1;
    }
    let mut out = Vec::new();
    while n >= 1 {
        out.push((n, id));
        if n == 1 {
            break;
        }
        id = skel[n - 1].suffix[id as usize];
        n -= 1;
    }
    out
}

/// Writes `u` of the successors of one context (counts `a`) into `prob` and
/// its gamma into `gamma`; returns the context's total count.
fn fill_context(
    sm: &Smoothing,
    d: &OrderDiscounts,
    a: &[u64],
    v: usize,
    prob: &mut [f64],
    gamma: &mut f64,
) -> u64 {
    let mut den = 0u64;
    let mut nk = [0u64; 3];
    for &c in a {
        den += c;
        if c > 0 {
            nk[(c.min(3) - 1) as usize] += 1;
        }
    }
    if den == 0 {
        *gamma = 1.0;
        return 0;
    }
    let denf = den as f64;
    let types = (nk[0] + nk[1] + nk[2]) as f64;
    let v_prime = (v - 1) as f64;
    let (scale, sub, g): (f64, [f64; 3], f64) = match *sm {
        Smoothing::Mle => (denf, [0.0; 3], 0.0),
        Smoothing::StupidBackoff { alpha } => (denf, [0.0; 3], alpha),
        Smoothing::AddK { k } => (denf + k * v_prime, [0.0; 3], k * v_prime / (denf + k * v_prime)),
        Smoothing::WittenBell => (denf + types, [0.0; 3], types / (denf + types)),
        Smoothing::AbsoluteDiscount { .. } | Smoothing::KneserNey { .. } | Smoothing::ModifiedKneserNey => {
            let dd = d.discounts;
            let mass = dd[0] * nk[0] as f64 + dd[1] * nk[1] as f64 + dd[2] * nk[2] as f64;
            (denf, dd, mass / denf)
        }
    };
    for (p, &c) in prob.iter_mut().zip(a) {
        *p = if c == 0 { 0.0 } else { (c as f64 - sub[(c.min(3) - 1) as usize]).max(0.0) / scale };
    }
    *gamma = g;
    den
}

#[cfg(test)]
mod tests {
    use super::*;
    use nglab_tokenizer::Corpus;

    #[test]
    fn thread_count_changes_nothing() {
        let mut vocab = Vocab::new();
        let mut corpus = Corpus::new();
        for i in 0..300u32 {
            let words: Vec<String> = (0..i % 13).map(|k| format!("w{}", (i * 7 + k * k) % 11)).collect();
            let ids: Vec<TokenId> = words.iter().map(|w| vocab.get_or_insert(w)).collect();
            corpus.push(&ids);
        }
        let mut counts = NgramCounts::new(4).unwrap();
        counts.add_corpus(&corpus, 1);
        for sm in [Smoothing::ModifiedKneserNey, Smoothing::WittenBell] {
            let config = EstimateConfig::new(sm).unwrap();
            let values = |threads| {
                let m = estimate(&counts, &vocab, &config, threads).unwrap();
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                m.levels.iter().map(|l| (bits(&l.log_prob), bits(&l.log_backoff))).collect::<Vec<_>>()
            };
            let one = values(1);
            assert!(one[3].0.len() > 100, "enough 4-grams to cut");
            let owned = estimate_owned(counts.clone(), &vocab, &config, 2).unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let owned: Vec<_> =
                owned.levels.iter().map(|l| (bits(&l.log_prob), bits(&l.log_backoff))).collect();
            assert_eq!(owned, one, "{sm}: estimate_owned estimates another model");
            for threads in [2, 3, 7] {
                assert_eq!(values(threads), one, "{sm} on {threads} threads");
            }
        }
    }
}
