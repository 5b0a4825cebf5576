//! Closed-form predictions of recursive training for count models: what
//! `nglab run` must reproduce with an order-1 maximum-likelihood model
//! (`--order 1 --smoothing mle`), whose every generation is an exact
//! resampling of the previous generation's words. `tests/tests/theory.rs`
//! checks the lab against them and `docs/EXPERIMENTS.md` prints them beside
//! the measured values.
//!
//! The setting. An order-1 MLE model trained on a text of `n` words gives
//! each word its share `c_w / n` of the words (and `</s>` its share of the
//! tokens, which sets the sentence lengths only); sampling sentences until
//! the next text holds `n'` words draws those words independently from the
//! shares (the stopping rule looks at sentence ends, not at which words were
//! drawn). So under `replace` the word counts of generation `g + 1` are a
//! multinomial of `n'` draws from generation `g`'s shares: Wright-Fisher
//! resampling. Every formula below is about that chain, with the sizes `n`
//! the generations' word counts (`train_tokens`).
//!
//! - Wright-Fisher, Poisson limit (the result Shumailov et al. 2024 sketch
//!   and Suresh et al. 2024 / Seddik et al. 2024 make precise): a word seen
//!   once has `Poisson(1)` copies in the next text, each the root of its own
//!   line, so it is still present after `g` generations with probability
//!   [`hapax_survival`] `s_g`, `s_0 = 1`, `s_{g+1} = 1 - exp(-s_g)`
//!   (0.632, 0.468, 0.374, ...; a critical Galton-Watson process, `s_g ~ 2/g`).
//!   A word seen `c` times survives with [`count_survival`]
//!   `1 - (1 - s_g)^c`: its `c` lines die out independently. A word once
//!   lost never returns (types never increase), and the chain ends absorbed
//!   in a single word, the word `w` with probability its initial share.
//! - Suresh et al. 2024 ("Rate of model collapse in recursive training"):
//!   the time to forget a word grows about linearly with its count. From the
//!   formula above, `1 - (1 - s_g)^c ~ 1 - exp(-2c/g)` for large `g`, so
//!   the median time to forget a word of count `c` is about `2c / ln 2`
//!   generations. The often-quoted form `1 - exp(-c/g)`
//!   ([`survival_exp_approximation`]) has half that rate; the lab measures
//!   which holds.
//! - Heterozygosity `1 - sum_w p_w^2` (the chance two random tokens differ)
//!   falls in expectation by `1 - 1/n` per generation of `n` words
//!   ([`heterozygosity_factor`]): Wright (1931); the "variance trajectory"
//!   `1 - S_m = (1 - 1/n)^m (1 - S_0)` of Seddik et al. 2024's fully
//!   synthetic setting. It reaches 0 (one word left: total collapse).
//! - Drift from the human distribution `h` (Gerstgrasser et al. 2024,
//!   Kazdan et al. 2025, Seddik et al. 2024's partially synthetic setting):
//!   the expected squared L2 distance `E sum_w (p_w - h_w)^2` of generation
//!   `g`'s word distribution, in units of the human heterozygosity
//!   `H = sum_w h_w (1 - h_w)` ([`Drift`]). `replace` grows linearly,
//!   `1 - prod_j (1 - 1/n_j) ~ g/n`; `accumulate` is bounded,
//!   `1 - prod_j (1 - n_j/M_j^2) ~ (1/n) sum_{i=2}^{g+1} 1/i^2 < 0.645/n`
//!   (`M_j` the pool's words at generation `j`), the sum-of-`1/i^2` shape of
//!   Gerstgrasser et al.'s accumulate bound; `accumulate-subsample` lies
//!   between (bounded, about `1.8/n`); `mix:F` (a fresh share `F` of human
//!   words, drawn without replacement) settles at
//!   `(1 - F^2) / (F (2 - F)) / n`: the model stays near the truth by a
//!   margin set by the fresh share.
//! - Truncated sampling (Dohmatob et al. 2024, "A tale of tails"):
//!   temperature `T` turns the shares into `p^(1/T)` (normalized,
//!   [`tempered`]); top-k and top-p keep a prefix of the words by share. A
//!   text of `n` draws from shares `p` has [`expected_types`]
//!   `sum_w 1 - (1 - p_w)^n` types: the tail that truncation and low
//!   temperature cut is lost from the next text.

/// `s_g`: the probability that a word seen once in the human text is still
/// present in generation `g`'s text under same-size resampling (Poisson
/// limit): `s_0 = 1`, `s_{g+1} = 1 - exp(-s_g)`.
pub fn hapax_survival(g: usize) -> f64 {
    (0..g).fold(1.0, |s, _| -(-s).exp_m1())
}

/// The probability that a word seen `c` times is still present after `g`
/// generations: `1 - (1 - s_g)^c` (its `c` copies start independent lines).
pub fn count_survival(c: u64, g: usize) -> f64 {
    1.0 - (1.0 - hapax_survival(g)).powf(c as f64)
}

/// The approximation `1 - exp(-c/g)` of a count-`c` word's survival over
/// `g >= 1` generations (1 at `g = 0`).
pub fn survival_exp_approximation(c: u64, g: usize) -> f64 {
    if g == 0 {
        1.0
    } else {
        -(-(c as f64) / g as f64).exp_m1()
    }
}

/// The expected factor by which the heterozygosity falls over generations
/// of `sizes` words each: `prod_j (1 - 1/n_j)`.
pub fn heterozygosity_factor(sizes: &[f64]) -> f64 {
    sizes.iter().map(|n| 1.0 - 1.0 / n).product()
}

/// Expected squared L2 distance between generation `g`'s word distribution
/// and the human one, divided by the human heterozygosity `H`, for each
/// regime of an order-1 MLE chain. `sizes[j - 1]` is the word count of the
/// synthetic text generation `j` wrote (`j = 1..=g`); `human` the human
/// text's.
#[derive(Debug, Clone, Copy)]
pub enum Drift {
    /// Only the newest synthetic text.
    Replace,
    /// The human text and every synthetic text.
    Accumulate,
    /// A human-size sample of whole sentences of that pool.
    AccumulateSubsample,
    /// A fresh share `F` of the human words plus `1 - F` synthetic.
    Mix(f64),
}

impl Drift {
    /// `E sum_w (p_w - h_w)^2 / H` at generation `sizes.len()`.
    ///
    /// - replace: `1 - prod_j (1 - 1/n_j)`, exact for multinomial draws;
    /// - accumulate: `1 - prod_j (1 - n_j/M_j^2)`, `M_j = human + n_1 + ... + n_j`,
    ///   exact likewise (the pool's distribution is a martingale);
    /// - accumulate-subsample (every size `n = human`): the pool's deviation
    ///   `a_j` grows by `(2 - 1/j) / ((j + 1)^2 n)` from `a_0 = 0` (a new text
    ///   drawn from a sample of the pool), and the training sample adds
    ///   `(1 - 1/(j + 1)) / n` (a sample of `n` words of `(j + 1) n`, without
    ///   replacement);
    /// - mix:F (every size `n = human`): `V_j = (1 - F)^2 V_{j-1} + (1 - F^2)/n`,
    ///   `V_0 = 0`: the fresh human share adds `F (1 - F)/n` (`F n` words of `n`
    ///   without replacement), the synthetic share `(1 - F)/n`.
    ///
    /// Words are treated as independent draws; whole sentences of human text
    /// (mix, accumulate-subsample) add the correlation of words within a
    /// sentence, which these formulas leave out.
    pub fn expected(self, human: f64, sizes: &[f64]) -> f64 {
        match self {
            Drift::Replace => 1.0 - heterozygosity_factor(sizes),
            Drift::Accumulate => {
                let mut pool = human;
                let mut keep = 1.0;
                for &n in sizes {
                    pool += n;
                    keep *= 1.0 - n / (pool * pool);
                }
                1.0 - keep
            }
            Drift::AccumulateSubsample => {
                let n = human;
                let g = sizes.len();
                let pool: f64 = (1..=g).map(|j| (2.0 - 1.0 / j as f64) / ((j + 1) as f64).powi(2) / n).sum();
                if g == 0 {
                    0.0
                } else {
                    pool + (1.0 - 1.0 / (g + 1) as f64) / n
                }
            }
            Drift::Mix(f) => (0..sizes.len()).fold(0.0, |v, _| (1.0 - f).powi(2) * v + (1.0 - f * f) / human),
        }
    }
}

/// The relative standard deviation of a squared L2 distance between a
/// resampled distribution and `h` (the shares, summing to 1): each word's
/// deviation is about normal with variance proportional to `h_w (1 - h_w)`,
/// so the distance has mean `k H` and standard deviation
/// `k sqrt(2 sum_w h_w^2 (1 - h_w)^2)` for some scale `k`.
pub fn sq_l2_relative_sd(h: &[f64]) -> f64 {
    let het: f64 = h.iter().map(|p| p * (1.0 - p)).sum();
    let var: f64 = h.iter().map(|p| (p * (1.0 - p)).powi(2)).sum();
    (2.0 * var).sqrt() / het
}

/// Shares `p^(1/t)`, normalized: the distribution temperature `t` samples from.
pub fn tempered(p: &[f64], t: f64) -> Vec<f64> {
    let w: Vec<f64> = p.iter().map(|x| x.powf(1.0 / t)).collect();
    let z: f64 = w.iter().sum();
    w.into_iter().map(|x| x / z).collect()
}

/// The mean and variance of the number of distinct words in `n` independent
/// draws from shares `p`: `sum_w 1 - (1 - p_w)^n` and the sum of each word's
/// Bernoulli variance (the draws' slight negative dependence between words
/// is left out, which errs on the side of a wider tolerance).
pub fn expected_types(p: &[f64], n: f64) -> (f64, f64) {
    p.iter().filter(|&&x| x > 0.0).fold((0.0, 0.0), |(m, v), &x| {
        let seen = -(n * (-x).ln_1p()).exp_m1();
        (m + seen, v + seen * (1.0 - seen))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn hapax_recursion_values() {
        let s: Vec<f64> = (0..4).map(hapax_survival).collect();
        assert_eq!(s[0], 1.0);
        assert!(close(s[1], 1.0 - (-1f64).exp(), 1e-15));
        assert!(close(s[2], 0.4685, 1e-4) && close(s[3], 0.3740, 1e-4), "{s:?}");
        // Critical branching: s_g ~ 2/g.
        let g = 2000;
        assert!(close(hapax_survival(g) * g as f64, 2.0, 0.02), "{}", hapax_survival(g) * g as f64);
        assert!(close(count_survival(1, 5), hapax_survival(5), 1e-15));
        assert!(count_survival(4, 5) > count_survival(2, 5));
        assert!(close(survival_exp_approximation(1, 2), 1.0 - (-0.5f64).exp(), 1e-15));
    }

    #[test]
    fn drift_shapes() {
        let n = 1000.0;
        let sizes = vec![n; 50];
        let at = |d: Drift, g: usize| d.expected(n, &sizes[..g]) * n;
        // replace ~ g, accumulate -> pi^2/6 - 1, subsample between, mix:F -> (1-F^2)/(F(2-F)).
        assert!(close(at(Drift::Replace, 10), 10.0, 0.1));
        assert!(close(at(Drift::Accumulate, 1), 0.25, 1e-3));
        assert!(close(at(Drift::Accumulate, 50), std::f64::consts::PI.powi(2) / 6.0 - 1.0, 0.03));
        assert!(close(at(Drift::AccumulateSubsample, 1), 0.75, 1e-9));
        let sub = at(Drift::AccumulateSubsample, 50);
        assert!(sub > at(Drift::Accumulate, 50) && sub < 2.0, "{sub}");
        assert!(close(at(Drift::Mix(0.1), 50), 0.99 / 0.19, 0.01));
        assert!(close(at(Drift::Mix(1.0), 5), 0.0, 1e-12), "all human: no drift");
        assert!(close(at(Drift::Mix(0.0), 7), 7.0, 1e-9), "mix:0 is replace (to first order)");
    }

    #[test]
    fn types_and_temperature() {
        let (m, v) = expected_types(&[0.5, 0.5], 1.0);
        assert!(close(m, 1.0, 1e-12) && close(v, 0.5, 1e-12));
        assert_eq!(expected_types(&[1.0, 0.0], 10.0), (1.0, 0.0));
        let t = tempered(&[0.8, 0.2], 0.5);
        assert!(close(t[0], 0.64 / 0.68, 1e-12));
        assert_eq!(tempered(&[0.8, 0.2], 1.0), vec![0.8, 0.2]);
    }
}
