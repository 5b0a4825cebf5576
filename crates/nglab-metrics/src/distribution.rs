//! The unigram distribution: entropy, heterozygosity, Zipf exponent, KL and
//! Jensen-Shannon divergence, squared L2 distance. Inputs are dense counts indexed by token id (the two sides of
//! a divergence share one vocabulary); sums run in id order, so results are
//! deterministic.

use nglab_tokenizer::Corpus;

/// Occurrences of each token id of `corpus`, indexed by id (length: max id + 1).
pub fn unigram_counts(corpus: &Corpus) -> Vec<u64> {
    let ids = corpus.ids();
    let len = ids.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut counts = vec![0u64; len];
    for &id in ids {
        counts[id as usize] += 1;
    }
    counts
}

/// Shannon entropy of the maximum-likelihood unigram distribution, in bits.
/// `None` when there are no tokens.
pub fn entropy_bits(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let n = total as f64;
    let h = compensated_sum(counts.iter().filter(|&&c| c > 0).map(|&c| {
        let p = c as f64 / n;
        -p * p.log2()
    }));
    Some(h.max(0.0))
}

/// Heterozygosity (the Gini-Simpson index) of the maximum-likelihood unigram
/// distribution: `1 - sum_w p_w^2`, the chance that two tokens drawn at
/// random with replacement differ. Under Wright-Fisher resampling of `n`
/// tokens a generation its expectation falls by the factor `1 - 1/n` each
/// generation. `None` when there are no tokens.
pub fn heterozygosity(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let n = total as f64;
    let collision = compensated_sum(counts.iter().filter(|&&c| c > 0).map(|&c| (c as f64 / n).powi(2)));
    Some((1.0 - collision).max(0.0))
}

/// Squared Euclidean distance `sum_w (p_w - q_w)^2` between the
/// maximum-likelihood unigram distributions of `p` and `q` (no smoothing:
/// always finite). Its expectation between a sample of `n` tokens and the
/// distribution it was drawn from is the heterozygosity over `n`. `None`
/// when either side has no tokens.
pub fn sq_l2_distance(p: &[u64], q: &[u64]) -> Option<f64> {
    let np: u64 = p.iter().sum();
    let nq: u64 = q.iter().sum();
    if np == 0 || nq == 0 {
        return None;
    }
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let terms = (0..p.len().max(q.len())).map(|i| {
        let d = at(p, i) as f64 / np as f64 - at(q, i) as f64 / nq as f64;
        d * d
    });
    Some(compensated_sum(terms))
}

/// Neumaier's compensated sum: the error stays about one ulp whatever the
/// number of terms, so results agree with an exactly rounded sum (Python's
/// `math.fsum`) to ~1e-15 instead of drifting with the summation order.
pub(crate) fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        carry += if sum.abs() >= v.abs() { (sum - t) + v } else { (v - t) + sum };
        sum = t;
    }
    sum + carry
}

/// Zipf exponent `s` of `frequency ~ rank^-s`, by ordinary least squares of
/// `ln(frequency)` on `ln(rank)` over every type (ranks `1..=types`, ties in
/// any order: they share `y`, so the fit does not depend on it); `s = -slope`.
/// `None` with fewer than two types.
pub fn zipf_exponent(counts: &[u64]) -> Option<f64> {
    let mut freqs: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    if freqs.len() < 2 {
        return None;
    }
    freqs.sort_unstable_by(|a, b| b.cmp(a));
    let n = freqs.len() as f64;
    let (mut sx, mut sy) = (0.0, 0.0);
    for (i, &f) in freqs.iter().enumerate() {
        sx += ((i + 1) as f64).ln();
        sy += (f as f64).ln();
    }
    let (mx, my) = (sx / n, sy / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &f) in freqs.iter().enumerate() {
        let dx = ((i + 1) as f64).ln() - mx;
        sxy += dx * ((f as f64).ln() - my);
        sxx += dx * dx;
    }
    Some(-sxy / sxx)
}

/// `KL(P || Q)` in bits, `P` the maximum-likelihood distribution of `p`,
/// `Q` the add-one (Laplace) smoothed distribution of `q` over the union of
/// both supports, `(q_w + 1) / (N_q + V)`, so the value is always finite.
/// `None` when `p` has no tokens.
pub fn kl_divergence_bits(p: &[u64], q: &[u64]) -> Option<f64> {
    let np: u64 = p.iter().sum();
    if np == 0 {
        return None;
    }
    let nq: u64 = q.iter().sum();
    let len = p.len().max(q.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let support = (0..len).filter(|&i| at(p, i) > 0 || at(q, i) > 0).count();
    let denom = (nq + support as u64) as f64;
    let kl: f64 = (0..len)
        .filter(|&i| at(p, i) > 0)
        .map(|i| {
            let pi = at(p, i) as f64 / np as f64;
            let qi = (at(q, i) + 1) as f64 / denom;
            pi * (pi / qi).log2()
        })
        .sum();
    Some(kl.max(0.0))
}

/// Jensen-Shannon divergence of the maximum-likelihood distributions of `p`
/// and `q`, in bits: in `[0, 1]`, symmetric, no smoothing needed. `None` when
/// either side has no tokens.
pub fn js_divergence_bits(p: &[u64], q: &[u64]) -> Option<f64> {
    let np: u64 = p.iter().sum();
    let nq: u64 = q.iter().sum();
    if np == 0 || nq == 0 {
        return None;
    }
    let len = p.len().max(q.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let mut js = 0.0;
    for i in 0..len {
        let pi = at(p, i) as f64 / np as f64;
        let qi = at(q, i) as f64 / nq as f64;
        let m = 0.5 * (pi + qi);
        if pi > 0.0 {
            js += 0.5 * pi * (pi / m).log2();
        }
        if qi > 0.0 {
            js += 0.5 * qi * (qi / m).log2();
        }
    }
    Some(js.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expect` = [entropy, zipf, kl(p||q), js(p, q)].
    fn check(p: &[u64], q: &[u64], expect: [Option<f64>; 4]) {
        let got = [entropy_bits(p), zipf_exponent(p), kl_divergence_bits(p, q), js_divergence_bits(p, q)];
        for (g, e) in got.iter().zip(&expect) {
            match (g, e) {
                (Some(g), Some(e)) => {
                    assert!((g - e).abs() < 1e-12, "{p:?} {q:?}: got {got:?}, expected {expect:?}")
                }
                _ => assert_eq!(g, e, "{p:?} {q:?}: got {got:?}, expected {expect:?}"),
            }
        }
    }

    #[test]
    fn heterozygosity_and_l2() {
        assert_eq!(heterozygosity(&[]), None);
        assert_eq!(heterozygosity(&[0, 7]), Some(0.0), "one type: two draws never differ");
        assert_eq!(heterozygosity(&[1, 1, 1, 1]), Some(0.75));
        assert_eq!(heterozygosity(&[0, 3, 1]), Some(1.0 - (9.0 + 1.0) / 16.0));
        assert_eq!(sq_l2_distance(&[1], &[]), None);
        assert_eq!(sq_l2_distance(&[2, 2], &[1, 1]), Some(0.0));
        // (1/2 - 0)^2 + (1/2 - 1/4)^2 + (0 - 3/4)^2
        assert_eq!(sq_l2_distance(&[1, 1], &[0, 1, 3]), Some(0.25 + 0.0625 + 0.5625));
        assert_eq!(sq_l2_distance(&[1, 0], &[0, 1]), Some(2.0), "disjoint points: the largest distance");
    }

    #[test]
    fn hand_computed() {
        check(&[], &[], [None, None, None, None]);
        check(&[0, 0], &[1], [None, None, None, None]);
        // One type: entropy 0, no Zipf fit. q equal: KL vs add-one Q = (1+1)/(1+1) = 1 -> 0.
        check(&[0, 0, 0, 5], &[0, 0, 0, 5], [Some(0.0), None, Some(0.0), Some(0.0)]);
        // Two equal types: 1 bit; slope 0. q = p: Q smoothed (2+1)/(4+2) = 1/2 = P -> KL 0.
        check(&[2, 2], &[2, 2], [Some(1.0), Some(0.0), Some(0.0), Some(0.0)]);
        // Disjoint supports: JS = 1 bit. KL: P = (1, 0), Q = ((0+1)/(1+2), (1+1)/3) -> log2(3).
        check(&[1, 0], &[0, 1], [Some(0.0), None, Some(3f64.log2()), Some(1.0)]);
        // Frequencies 4, 2, 1 (rank^-s with s = ln 4 / ln 3 at rank 3); entropy of (4, 2, 1)/7.
        let h = -[4.0f64, 2.0, 1.0].iter().map(|c| c / 7.0 * (c / 7.0).log2()).sum::<f64>();
        let zipf_exact = [3u64, 0, 0];
        // JS: M = (11/14, 1/7, 1/14).
        let js = 0.5 * (4.0 / 7.0 * (8.0f64 / 11.0).log2() + 3.0 / 7.0) + 0.5 * (14.0f64 / 11.0).log2();
        check(
            &[4, 2, 1],
            &zipf_exact,
            [Some(h), zipf(&[4.0, 2.0, 1.0]), kl(&[4, 2, 1], &zipf_exact), Some(js)],
        );
    }

    fn zipf(f: &[f64]) -> Option<f64> {
        // Independent least squares, written out over plain vectors.
        let x: Vec<f64> = (1..=f.len()).map(|r| (r as f64).ln()).collect();
        let y: Vec<f64> = f.iter().map(|v| v.ln()).collect();
        let n = f.len() as f64;
        let mx = x.iter().sum::<f64>() / n;
        let my = y.iter().sum::<f64>() / n;
        let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
        Some(-sxy / sxx)
    }

    fn kl(p: &[u64], q: &[u64]) -> Option<f64> {
        let np: u64 = p.iter().sum();
        let nq: u64 = q.iter().sum();
        let v = p.iter().zip(q).filter(|(a, b)| **a > 0 || **b > 0).count() as u64;
        Some(
            p.iter()
                .zip(q)
                .filter(|(a, _)| **a > 0)
                .map(|(&a, &b)| {
                    let pi = a as f64 / np as f64;
                    pi * (pi / ((b + 1) as f64 / (nq + v) as f64)).log2()
                })
                .sum(),
        )
    }
}
